-- The home page's featured courses, newest first, straight from one index:
-- with (featured, state) alone, statistics sampled at a million users led
-- SQLite to walk every published course by date looking for the flag.
DROP INDEX courses_featured;
CREATE INDEX courses_featured ON courses (featured, state, published_at);
