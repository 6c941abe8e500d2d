DROP TABLE course_search;
DROP INDEX courses_catalogue_category;
DROP INDEX courses_catalogue_price;
DROP INDEX courses_catalogue_rating;
DROP INDEX courses_catalogue_newest;
DROP INDEX courses_catalogue_popular;
ALTER TABLE courses DROP COLUMN rating_score;
