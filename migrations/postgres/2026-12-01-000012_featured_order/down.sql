DROP INDEX courses_featured;
CREATE INDEX courses_featured ON courses (featured, state);
