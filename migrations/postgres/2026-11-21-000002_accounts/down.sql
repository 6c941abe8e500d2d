DROP TABLE audit_log;
DROP TABLE security_events;
DROP TABLE rate_events;
DROP TABLE email_tokens;
DROP TABLE sessions;
DROP TABLE user_interests;
DROP TABLE user_roles;
DROP TABLE users;
