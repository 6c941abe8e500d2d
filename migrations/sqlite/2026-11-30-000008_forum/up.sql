-- The forum: threads in forum categories or on a course's board, numbered
-- posts (soft-deleted, with the revisions of edits), likes, tags, the
-- members' forum counters, and the search index over posts. States and
-- counters leave room for moderation (hidden posts, locked threads).
ALTER TABLE users ADD COLUMN posts_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN likes_received BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN accepted_answers BIGINT NOT NULL DEFAULT 0;

CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id BIGINT REFERENCES categories (id),
    course_id BIGINT REFERENCES courses (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    pinned BOOLEAN NOT NULL DEFAULT 0,
    locked BOOLEAN NOT NULL DEFAULT 0,
    accepted_post_id BIGINT,
    replies_count BIGINT NOT NULL DEFAULT 0,
    likes_count BIGINT NOT NULL DEFAULT 0,
    last_number BIGINT NOT NULL DEFAULT 0,
    last_post_at TIMESTAMP NOT NULL,
    last_poster_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((category_id IS NULL AND course_id IS NOT NULL) OR (category_id IS NOT NULL AND course_id IS NULL))
);
-- One index per list and sort, read in order from the cursor (`before=`):
-- latest activity (pinned threads apart), top by likes, unanswered questions.
CREATE INDEX threads_category_latest ON threads (category_id, state, pinned, last_post_at, id);
CREATE INDEX threads_course_latest ON threads (course_id, state, pinned, last_post_at, id);
CREATE INDEX threads_latest ON threads (state, last_post_at, id);
CREATE INDEX threads_category_top ON threads (category_id, state, likes_count, id);
CREATE INDEX threads_course_top ON threads (course_id, state, likes_count, id);
CREATE INDEX threads_category_recent ON threads (category_id, state, created_at);
CREATE INDEX threads_course_recent ON threads (course_id, state, created_at);
CREATE INDEX threads_category_unanswered ON threads (category_id, state, kind, replies_count, last_post_at, id);
CREATE INDEX threads_course_unanswered ON threads (course_id, state, kind, replies_count, last_post_at, id);
CREATE INDEX threads_author ON threads (author_id);

CREATE TABLE thread_tags (
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (thread_id, tag)
);
CREATE INDEX thread_tags_tag ON thread_tags (tag, thread_id);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    number BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    reply_to BIGINT,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL,
    likes_count BIGINT NOT NULL DEFAULT 0,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP,
    deleted_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (thread_id, number)
);
CREATE INDEX posts_author ON posts (author_id, created_at);

CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    editor_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, id);

CREATE TABLE post_likes (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_likes_user ON post_likes (user_id, post_id);

CREATE VIRTUAL TABLE post_search USING fts5(title, body, tokenize = 'unicode61');

-- The forum's categories; admins rename, reorder, hide and add more.
INSERT INTO categories (kind, slug, name_zh, name_en, description_zh, description_en, position, created_at)
SELECT 'forum', v.slug, v.zh, v.en, v.dzh, v.den, v.pos, CURRENT_TIMESTAMP
FROM (
    SELECT 'general' AS slug, '综合讨论' AS zh, 'General' AS en, '编程与学习的一切话题' AS dzh, 'Anything about programming and learning' AS den, 0 AS pos
    UNION ALL SELECT 'career', '求职与职业', 'Career', '求职、面试、转行与成长', 'Job hunting, interviews, switching careers, growing', 1
    UNION ALL SELECT 'showcase', '项目展示', 'Show & Tell', '分享你做的项目，听听大家的意见', 'Share what you built and hear what others think', 2
    UNION ALL SELECT 'site-feedback', '站务', 'Site feedback', '对 Klearn 的建议与问题', 'Ideas and problems with Klearn itself', 3
) AS v
WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.kind = 'forum' AND c.slug = v.slug);
