DROP INDEX course_search_title;
