ALTER TABLE users DROP COLUMN followers_count;
