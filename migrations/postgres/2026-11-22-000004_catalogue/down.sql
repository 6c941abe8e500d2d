DROP TABLE course_search;
DROP INDEX courses_category_learners;
DROP INDEX courses_state_format;
DROP INDEX courses_state_level;
DROP INDEX courses_state_price;
DROP INDEX courses_state_rating;
DROP INDEX courses_state_learners;
ALTER TABLE courses DROP COLUMN rating_score;
