DROP INDEX courses_owner_figures;
DROP TABLE expert_follows;
DROP TABLE expert_steps;
DROP TABLE expert_evidence;
DROP TABLE expert_topics;
DROP TABLE expert_applications;
ALTER TABLE users DROP COLUMN suspension_reason;
ALTER TABLE users DROP COLUMN suspended_until;
