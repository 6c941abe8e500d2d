DELETE FROM categories WHERE kind = 'forum' AND slug IN ('general', 'career', 'showcase', 'site-feedback')
    AND NOT EXISTS (SELECT 1 FROM threads t WHERE t.category_id = categories.id);
DROP TABLE post_search;
DROP TABLE post_likes;
DROP TABLE post_revisions;
DROP TABLE posts;
DROP TABLE thread_tags;
DROP TABLE threads;
ALTER TABLE users DROP COLUMN accepted_answers;
ALTER TABLE users DROP COLUMN likes_received;
ALTER TABLE users DROP COLUMN posts_count;
