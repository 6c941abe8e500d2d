-- Learning that counts: reviews (one per learner and course, with the
-- expert's reply and helpful votes) and each course's star distribution;
-- lesson tasks' due days, top score and whether completion needs them;
-- learners' submissions and their grading; completion certificates; and
-- feedback to the platform. Ratings now come only from reviews.
ALTER TABLE courses ADD COLUMN rating_1 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN rating_2 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN rating_3 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN rating_4 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE courses ADD COLUMN rating_5 BIGINT NOT NULL DEFAULT 0;
-- No review stands behind the ratings written before reviews existed.
UPDATE courses SET rating_sum = 0, rating_count = 0, rating_score = 0;

-- Named figures of the whole site that pages read and jobs refresh (the
-- mean rating that the Bayesian score pulls new courses towards).
CREATE TABLE site_figures (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE lessons ADD COLUMN task_due_days INTEGER;
ALTER TABLE lessons ADD COLUMN task_max_score INTEGER NOT NULL DEFAULT 100;
ALTER TABLE lessons ADD COLUMN task_required BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE lesson_revisions ADD COLUMN task_due_days INTEGER;
ALTER TABLE lesson_revisions ADD COLUMN task_max_score INTEGER NOT NULL DEFAULT 100;
ALTER TABLE lesson_revisions ADD COLUMN task_required BOOLEAN NOT NULL DEFAULT 1;

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL,
    hidden_reason TEXT NOT NULL DEFAULT '',
    hidden_by BIGINT REFERENCES users (id),
    helpful_count BIGINT NOT NULL DEFAULT 0,
    reply_body TEXT,
    reply_body_html TEXT,
    replied_at TIMESTAMP,
    edited_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (course_id, author_id)
);
-- One index per sort of a course's reviews.
CREATE INDEX reviews_course_helpful ON reviews (course_id, state, helpful_count, id);
CREATE INDEX reviews_course_newest ON reviews (course_id, state, created_at, id);
CREATE INDEX reviews_course_lowest ON reviews (course_id, state, rating, id);
CREATE INDEX reviews_author ON reviews (author_id);

CREATE TABLE review_votes (
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
CREATE INDEX review_votes_user ON review_votes (user_id);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lesson_id BIGINT NOT NULL REFERENCES lessons (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    learner_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    answer TEXT NOT NULL,
    answer_html TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    upload_id BIGINT REFERENCES uploads (id),
    attempts INTEGER NOT NULL DEFAULT 1,
    score INTEGER,
    feedback TEXT NOT NULL DEFAULT '',
    feedback_html TEXT NOT NULL DEFAULT '',
    graded_by BIGINT REFERENCES users (id),
    graded_at TIMESTAMP,
    shared_thread_id BIGINT REFERENCES threads (id),
    submitted_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (lesson_id, learner_id)
);
-- The grading queue: a course's submissions in a state, oldest first.
CREATE INDEX submissions_queue ON submissions (course_id, state, submitted_at, id);
CREATE INDEX submissions_learner ON submissions (learner_id, course_id);
CREATE INDEX submissions_upload ON submissions (upload_id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    learner_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    learner_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    expert_name TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT NOT NULL DEFAULT '',
    revoked_by BIGINT REFERENCES users (id),
    UNIQUE (learner_id, course_id)
);

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id BIGINT REFERENCES users (id),
    email TEXT NOT NULL,
    kind TEXT NOT NULL,
    page_url TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_state ON feedback (state, created_at, id);
CREATE INDEX feedback_author ON feedback (author_id, created_at, id);
