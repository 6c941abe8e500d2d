-- How many members follow each expert, kept in step by Follow::toggle in
-- the follow's transaction, so a profile does not count its followers.
ALTER TABLE users ADD COLUMN followers_count BIGINT NOT NULL DEFAULT 0;
UPDATE users SET followers_count = (
    SELECT COUNT(*) FROM expert_follows f WHERE f.expert_id = users.id
) WHERE id IN (SELECT expert_id FROM expert_follows);
