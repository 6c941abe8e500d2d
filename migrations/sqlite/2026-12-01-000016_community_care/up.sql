-- Community care (issue 16): notifications with their email state, the
-- members' choices of email per kind, watching threads, what each member
-- has read (threads entered, the last post number seen), the activity
-- figures trust levels are earned from (batched from page views), flags
-- with their weight, and the moderation queue's reports of flagged and
-- held posts. Posts and threads gain the states `held` (waiting for a
-- moderator) and `hidden` (by flags or a moderator).
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN trust_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN silenced_until TIMESTAMP;

-- What a member has done that trust levels count, kept apart from the
-- users row that every request reads; a row appears with the first figure.
CREATE TABLE member_activity (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    trust_granted BIGINT NOT NULL DEFAULT 0,
    threads_entered BIGINT NOT NULL DEFAULT 0,
    posts_read BIGINT NOT NULL DEFAULT 0,
    reading_seconds BIGINT NOT NULL DEFAULT 0,
    days_visited BIGINT NOT NULL DEFAULT 0,
    last_visit_on DATE,
    likes_given BIGINT NOT NULL DEFAULT 0,
    threads_replied BIGINT NOT NULL DEFAULT 0,
    flags_agreed BIGINT NOT NULL DEFAULT 0,
    flags_disagreed BIGINT NOT NULL DEFAULT 0,
    digest_sent_on DATE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE thread_reads (
    user_id BIGINT NOT NULL REFERENCES users (id),
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    last_read_number BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);

CREATE TABLE thread_watches (
    user_id BIGINT NOT NULL REFERENCES users (id),
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    level TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);
CREATE INDEX thread_watches_thread ON thread_watches (thread_id, level);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    others_count BIGINT NOT NULL DEFAULT 0,
    thread_id BIGINT REFERENCES threads (id),
    post_id BIGINT REFERENCES posts (id),
    course_id BIGINT REFERENCES courses (id),
    order_id BIGINT REFERENCES orders (id),
    detail TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT NOT NULL,
    email_state TEXT NOT NULL,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at, id);
CREATE INDEX notifications_email ON notifications (email_state, user_id);
CREATE INDEX notifications_post ON notifications (post_id);

CREATE TABLE notification_settings (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    email TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    flags_weight BIGINT NOT NULL DEFAULT 0,
    resolved_by BIGINT REFERENCES users (id),
    resolution TEXT NOT NULL DEFAULT '',
    resolved_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reports_open_post ON reports (post_id) WHERE state = 'open';
CREATE INDEX reports_queue ON reports (state, id);

CREATE TABLE post_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    report_id BIGINT NOT NULL REFERENCES reports (id),
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    weight BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    UNIQUE (post_id, user_id)
);
CREATE INDEX post_flags_report ON post_flags (report_id);
CREATE INDEX post_flags_user ON post_flags (user_id);
