-- Nothing reaches learners without review: chapters and lessons carry
-- whether a moderator has approved them; a published course's lesson
-- changes wait in lesson revisions, a chapter's new title in pending_title,
-- all decided with the course's pending revision. Plus the generations that
-- let caches of listed pages be exact.
ALTER TABLE chapters ADD COLUMN approved BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE chapters ADD COLUMN pending_title TEXT;
ALTER TABLE lessons ADD COLUMN approved BOOLEAN NOT NULL DEFAULT 0;

-- What a course that was ever published holds has been reviewed.
UPDATE chapters SET approved = 1
 WHERE course_id IN (SELECT id FROM courses WHERE published_at IS NOT NULL);
UPDATE lessons SET approved = 1
 WHERE course_id IN (SELECT id FROM courses WHERE published_at IS NOT NULL);

CREATE TABLE lesson_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id BIGINT NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    free_preview BOOLEAN NOT NULL,
    duration_minutes INTEGER NOT NULL,
    media_upload_id BIGINT REFERENCES uploads (id),
    task_instructions TEXT NOT NULL,
    task_instructions_html TEXT NOT NULL,
    task_kind TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    review_note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX lesson_revisions_course_state ON lesson_revisions (course_id, state);
CREATE INDEX lesson_revisions_media ON lesson_revisions (media_upload_id);
CREATE UNIQUE INDEX lesson_revisions_one_pending ON lesson_revisions (lesson_id) WHERE state = 'pending';

-- A course's cover and tags reach learners too: they change through the
-- revision with its text. Pending revisions carry the live ones.
ALTER TABLE course_revisions ADD COLUMN cover_upload_id BIGINT REFERENCES uploads (id);
ALTER TABLE course_revisions ADD COLUMN tags TEXT NOT NULL DEFAULT '';
UPDATE course_revisions SET cover_upload_id =
    (SELECT c.cover_upload_id FROM courses c WHERE c.id = course_revisions.course_id)
 WHERE state = 'pending';
UPDATE course_revisions SET tags = COALESCE(
    (SELECT group_concat(t.tag, ',') FROM course_tags t WHERE t.course_id = course_revisions.course_id), '')
 WHERE state = 'pending';
CREATE INDEX course_revisions_cover ON course_revisions (cover_upload_id);

-- Which uploads nothing uses any more, found by the daily cleanup.
CREATE INDEX users_avatar ON users (avatar_upload_id);
CREATE INDEX courses_cover ON courses (cover_upload_id);

-- A counter per cached list; whatever changes the list bumps it in the same
-- transaction.
CREATE TABLE generations (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL DEFAULT 0
);
INSERT INTO generations (name, value) VALUES ('experts', 0);
