ALTER TABLE users DROP COLUMN course_rating_count;
ALTER TABLE users DROP COLUMN course_rating_sum;
ALTER TABLE users DROP COLUMN course_learners;
ALTER TABLE users DROP COLUMN published_courses;
