DROP TABLE categories;
DROP TABLE uploads;
DROP TABLE jobs;
