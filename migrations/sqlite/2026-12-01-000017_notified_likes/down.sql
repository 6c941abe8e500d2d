DROP TABLE notified_likes;
