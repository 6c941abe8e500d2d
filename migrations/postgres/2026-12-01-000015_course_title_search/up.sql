-- Course search reads title matches first, newest first, and stops at its
-- cap (`backend::search_recent`): their own index, as the forum's posts
-- have (`post_search_title`).
CREATE INDEX course_search_title ON course_search USING GIN (to_tsvector('simple', title));
