-- What each member's published courses add up to (how many, their learners,
-- their ratings), kept in step by `experts::refresh_figures` in the
-- transaction of every use case that publishes or withdraws a course,
-- enrolls a learner or changes a course's ratings: the expert directory
-- ranks experts from these rows instead of adding up every course.
ALTER TABLE users ADD COLUMN published_courses BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN course_learners BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN course_rating_sum BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN course_rating_count BIGINT NOT NULL DEFAULT 0;
UPDATE users SET
    published_courses = (SELECT COUNT(*) FROM courses c
                         WHERE c.owner_id = users.id AND c.state = 'published'),
    course_learners = (SELECT COALESCE(SUM(c.learners_count), 0) FROM courses c
                       WHERE c.owner_id = users.id AND c.state = 'published'),
    course_rating_sum = (SELECT COALESCE(SUM(c.rating_sum), 0) FROM courses c
                         WHERE c.owner_id = users.id AND c.state = 'published'),
    course_rating_count = (SELECT COALESCE(SUM(c.rating_count), 0) FROM courses c
                           WHERE c.owner_id = users.id AND c.state = 'published')
WHERE id IN (SELECT owner_id FROM courses WHERE state = 'published');
