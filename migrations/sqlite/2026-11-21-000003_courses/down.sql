DROP TABLE lesson_progress;
DROP TABLE enrollments;
DROP TABLE lessons;
DROP TABLE chapters;
DROP TABLE course_revisions;
DROP TABLE course_tags;
DROP TABLE courses;
ALTER TABLE categories DROP COLUMN hidden;
