-- Courses: chapters, lessons, tags, pending revisions of published courses,
-- enrollments and lesson progress. Plus the default course categories.
ALTER TABLE categories ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id BIGINT NOT NULL REFERENCES users (id),
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    outcomes TEXT NOT NULL DEFAULT '',
    outcomes_html TEXT NOT NULL DEFAULT '',
    category_id BIGINT REFERENCES categories (id),
    level TEXT NOT NULL,
    format TEXT NOT NULL,
    price_cents BIGINT NOT NULL DEFAULT 0,
    currency TEXT NOT NULL DEFAULT 'CNY',
    cover_upload_id BIGINT REFERENCES uploads (id),
    state TEXT NOT NULL DEFAULT 'draft',
    review_note TEXT NOT NULL DEFAULT '',
    featured BOOLEAN NOT NULL DEFAULT 0,
    learners_count BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    submitted_at TIMESTAMP,
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX courses_owner ON courses (owner_id, id);
CREATE INDEX courses_state_published ON courses (state, published_at);
CREATE INDEX courses_state_submitted ON courses (state, submitted_at);
CREATE INDEX courses_category_state ON courses (category_id, state);
CREATE INDEX courses_featured ON courses (featured, state);

CREATE TABLE course_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    tag TEXT NOT NULL,
    UNIQUE (course_id, tag)
);
CREATE INDEX course_tags_tag ON course_tags (tag);

CREATE TABLE course_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL,
    description TEXT NOT NULL,
    description_html TEXT NOT NULL,
    outcomes TEXT NOT NULL,
    outcomes_html TEXT NOT NULL,
    price_cents BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    review_note TEXT NOT NULL DEFAULT '',
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX course_revisions_course_state ON course_revisions (course_id, state);
CREATE INDEX course_revisions_state ON course_revisions (state, updated_at);

CREATE TABLE chapters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    title TEXT NOT NULL,
    position INTEGER NOT NULL,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX chapters_course ON chapters (course_id, position);

CREATE TABLE lessons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id BIGINT NOT NULL REFERENCES courses (id),
    chapter_id BIGINT NOT NULL REFERENCES chapters (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    free_preview BOOLEAN NOT NULL DEFAULT 0,
    duration_minutes INTEGER NOT NULL DEFAULT 0,
    media_upload_id BIGINT REFERENCES uploads (id),
    task_instructions TEXT NOT NULL DEFAULT '',
    task_instructions_html TEXT NOT NULL DEFAULT '',
    task_kind TEXT,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX lessons_chapter ON lessons (chapter_id, position);
CREATE INDEX lessons_course ON lessons (course_id);
CREATE INDEX lessons_media ON lessons (media_upload_id);

CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    source TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_course ON enrollments (course_id);

CREATE TABLE lesson_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    lesson_id BIGINT NOT NULL REFERENCES lessons (id),
    course_id BIGINT NOT NULL REFERENCES courses (id),
    first_opened_at TIMESTAMP NOT NULL,
    last_opened_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (user_id, lesson_id)
);
CREATE INDEX lesson_progress_user_course ON lesson_progress (user_id, course_id);
CREATE INDEX lesson_progress_lesson ON lesson_progress (lesson_id);

INSERT INTO categories (kind, slug, name_zh, name_en, description_zh, description_en, position, created_at)
SELECT 'course', v.slug, v.zh, v.en, v.dzh, v.den, v.pos, CURRENT_TIMESTAMP
FROM (
    SELECT 'rust' AS slug, 'Rust' AS zh, 'Rust' AS en, '所有权、并发与高性能系统编程' AS dzh, 'Ownership, concurrency and fast systems code' AS den, 0 AS pos
    UNION ALL SELECT 'go', 'Go', 'Go', '云原生服务与并发编程', 'Cloud-native services and concurrency', 1
    UNION ALL SELECT 'python', 'Python', 'Python', '从脚本到数据工程', 'From scripts to data engineering', 2
    UNION ALL SELECT 'frontend', '前端', 'Frontend', '浏览器、框架与用户体验', 'Browsers, frameworks and user experience', 3
    UNION ALL SELECT 'ai-ml', '人工智能与机器学习', 'AI / ML', '模型、训练与落地', 'Models, training and putting them to work', 4
    UNION ALL SELECT 'databases', '数据库', 'Databases', 'SQL、索引与存储引擎', 'SQL, indexes and storage engines', 5
    UNION ALL SELECT 'devops', 'DevOps', 'DevOps', '部署、监控与可靠性', 'Deployment, monitoring and reliability', 6
    UNION ALL SELECT 'career', '职业发展', 'Career', '面试、成长与技术领导力', 'Interviews, growth and technical leadership', 7
) AS v
WHERE NOT EXISTS (SELECT 1 FROM categories c WHERE c.kind = 'course' AND c.slug = v.slug);
