-- Experts: applications with their evidence, topics and step timeline
-- (certification is an application in the certified state), follows, and
-- the suspension of users.
ALTER TABLE users ADD COLUMN suspended_until TIMESTAMP;
ALTER TABLE users ADD COLUMN suspension_reason TEXT NOT NULL DEFAULT '';

CREATE TABLE expert_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    real_name TEXT NOT NULL,
    headline TEXT NOT NULL,
    bio TEXT NOT NULL,
    bio_html TEXT NOT NULL,
    years BIGINT NOT NULL,
    links TEXT NOT NULL DEFAULT '',
    sample_outline TEXT NOT NULL,
    sample_outline_html TEXT NOT NULL,
    certified_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX expert_applications_user ON expert_applications (user_id, id);
CREATE INDEX expert_applications_state ON expert_applications (state, updated_at);
-- One live application (open or certified) per user.
CREATE UNIQUE INDEX expert_applications_one_live ON expert_applications (user_id)
    WHERE state IN ('submitted', 'screening', 'interview', 'trial', 'certified');

CREATE TABLE expert_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES expert_applications (id),
    tag TEXT NOT NULL,
    UNIQUE (application_id, tag)
);
CREATE INDEX expert_topics_tag ON expert_topics (tag);

CREATE TABLE expert_evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES expert_applications (id),
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    position BIGINT NOT NULL
);
CREATE INDEX expert_evidence_application ON expert_evidence (application_id);
CREATE INDEX expert_evidence_upload ON expert_evidence (upload_id);

CREATE TABLE expert_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES expert_applications (id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX expert_steps_application ON expert_steps (application_id, id);

CREATE TABLE expert_follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id BIGINT NOT NULL REFERENCES users (id),
    expert_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (follower_id, expert_id)
);
CREATE INDEX expert_follows_expert ON expert_follows (expert_id);

-- The expert directory adds up every certified expert's published courses:
-- a covering index keeps that off the wide course rows.
CREATE INDEX courses_owner_figures ON courses (state, owner_id, learners_count, rating_sum, rating_count);
