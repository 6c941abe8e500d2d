//! `klearn seed --scale N`: a synthetic community of about N users, N/10
//! courses with chapters, lessons, tags and prices, enrollments, reviews by
//! a share of each course's learners (their ratings are the courses'
//! ratings), and a forum of about N/10 threads and N posts (`scale_forum`:
//! most members read, few write), in Chinese and English, for benchmarks.
//! Reproducible (fixed random seed), loaded in bulk, with a progress line
//! and each stage's seconds on the terminal.

use std::io::Write;
use std::time::Instant;

use chrono::Duration;
use klearn_db::categories::{Category, COURSE};
use klearn_db::seed::{
    self, SeedChapter, SeedCourse, SeedEnrollment, SeedLesson, SeedReview, SeedReviewVote, SeedRole, SeedUser,
};
use klearn_db::users::User;
use klearn_db::Pool;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::password::Passwords;

/// Rows generated and written per transaction (each written by multi-row
/// statements of `seed::STATEMENT_ROWS`).
const BATCH: usize = 20_000;
/// Generated reviews per round of the reviews' RNG (see `seed_reviews`).
const REVIEW_ROUND: usize = 500;
/// The SQLite page cache (PostgreSQL: index building memory) of the load, MiB.
const LOAD_CACHE_MIB: i64 = 1024;
/// The tables whose plain indexes are built after the load, not row by row.
pub const LOADED_TABLES: &[&str] = &[
    "users",
    "courses",
    "course_tags",
    "lessons",
    "enrollments",
    "reviews",
    "review_votes",
    "threads",
    "thread_tags",
    "posts",
    "post_likes",
    // PostgreSQL's search documents and their GIN indexes (SQLite's FTS5
    // tables have no indexes of this kind).
    "course_search",
    "post_search",
];
/// The password of every synthetic account.
pub const SCALE_PASSWORD: &str = "scale-password-2026";

/// A progress line: stage, count, rate and time left.
pub(super) struct Progress {
    stage: &'static str,
    total: usize,
    started: Instant,
}

impl Progress {
    pub(super) fn new(stage: &'static str, total: usize) -> Self {
        Self {
            stage,
            total,
            started: Instant::now(),
        }
    }

    pub(super) fn show(&self, done: usize) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs;
        let left = if rate > 0.0 {
            (self.total.saturating_sub(done)) as f64 / rate
        } else {
            0.0
        };
        eprint!(
            "\r  {:<12} {:>8}/{:<8} {:>9.0}/s  ETA {:>4.0}s ",
            self.stage, done, self.total, rate, left
        );
        let _ = std::io::stderr().flush();
    }

    pub(super) fn finish(&self) {
        self.show(self.total);
        eprintln!(" {:.1}s", self.started.elapsed().as_secs_f64());
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "军", "涛", "明", "超", "霞", "平", "刚",
    "婷",
];
const FIRST: &[&str] = &[
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew", "Robin",
];
const LAST: &[&str] = &[
    "Smith", "Chen", "Garcia", "Kim", "Nguyen", "Patel", "Müller", "Rossi", "Silva", "Novak", "Okafor",
    "Tanaka",
];

/// Words of one list.
pub(super) type Words = &'static [&'static str];

/// Per category: Chinese subjects, English subjects, tags.
pub(super) const TOPICS: &[(&str, Words, Words, Words)] = &[
    (
        "rust",
        &[
            "所有权与借用",
            "异步编程",
            "并发与锁",
            "宏与元编程",
            "嵌入式开发",
            "性能调优",
        ],
        &[
            "Ownership",
            "Async Rust",
            "Concurrency",
            "Macros",
            "Embedded Rust",
            "Performance",
        ],
        &["rust", "tokio", "并发", "锁", "async"],
    ),
    (
        "go",
        &["并发编程", "微服务实战", "性能分析", "标准库精讲", "网络编程"],
        &[
            "Concurrency",
            "Microservices",
            "Profiling",
            "The Standard Library",
            "Networking",
        ],
        &["go", "goroutine", "并发", "微服务", "grpc"],
    ),
    (
        "python",
        &["数据分析", "自动化脚本", "类型标注", "异步编程", "Web 开发"],
        &[
            "Data Analysis",
            "Automation",
            "Type Hints",
            "asyncio",
            "Web Development",
        ],
        &["python", "pandas", "asyncio", "django", "数据"],
    ),
    (
        "frontend",
        &["React 实战", "TypeScript 进阶", "性能优化", "CSS 布局", "工程化"],
        &["React", "TypeScript", "Web Performance", "CSS Layout", "Tooling"],
        &["react", "typescript", "css", "前端", "vite"],
    ),
    (
        "ai-ml",
        &["机器学习入门", "深度学习", "大模型应用", "推荐系统", "计算机视觉"],
        &[
            "Machine Learning",
            "Deep Learning",
            "LLM Apps",
            "Recommender Systems",
            "Computer Vision",
        ],
        &["机器学习", "pytorch", "llm", "ai", "深度学习"],
    ),
    (
        "databases",
        &[
            "索引与查询优化",
            "事务与锁",
            "PostgreSQL 实战",
            "Redis 缓存",
            "分库分表",
        ],
        &[
            "Query Tuning",
            "Transactions",
            "PostgreSQL",
            "Redis Caching",
            "Sharding",
        ],
        &["sql", "postgresql", "redis", "索引", "事务"],
    ),
    (
        "devops",
        &[
            "Docker 入门",
            "Kubernetes 实战",
            "可观测性",
            "CI/CD 流水线",
            "Linux 运维",
        ],
        &[
            "Docker",
            "Kubernetes",
            "Observability",
            "CI/CD",
            "Linux Operations",
        ],
        &["docker", "kubernetes", "ci", "监控", "linux"],
    ),
    (
        "career",
        &["技术面试", "系统设计", "代码评审", "技术写作", "职业规划"],
        &[
            "Tech Interviews",
            "System Design",
            "Code Review",
            "Technical Writing",
            "Career Growth",
        ],
        &["面试", "系统设计", "career", "写作", "成长"],
    ),
];
const ZH_FORMS: &[&str] = &[
    "{s}：从入门到实战",
    "{s}实战 {n} 讲",
    "深入浅出{s}",
    "{s}精要",
    "{s}：原理与实践",
];
const EN_FORMS: &[&str] = &[
    "{s} in Practice",
    "{s} from Scratch",
    "Mastering {s}",
    "{s}: The Essentials",
    "Hands-on {s} ({n} lessons)",
];

/// What was made.
#[derive(Debug, Default)]
pub struct ScaleReport {
    pub users: usize,
    pub courses: usize,
    pub lessons: usize,
    pub enrollments: usize,
    pub reviews: usize,
    pub helpful_votes: usize,
    pub threads: usize,
    pub posts: usize,
    pub likes: usize,
}

impl std::fmt::Display for ScaleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Synthetic community: {} users, {} courses, {} lessons, {} enrollments, {} reviews with {} helpful votes, {} threads, {} posts, {} likes (password {SCALE_PASSWORD})",
            self.users,
            self.courses,
            self.lessons,
            self.enrollments,
            self.reviews,
            self.helpful_votes,
            self.threads,
            self.posts,
            self.likes
        )
    }
}

pub fn seed(pool: &Pool, n: usize) -> anyhow::Result<ScaleReport> {
    let mut conn = pool.get()?;
    if User::count_live(&mut conn)? > 0 {
        anyhow::bail!("seed --scale needs an empty database (it has accounts already)");
    }
    // A bulk load (`bulk_load_begin`): fast commits, a large cache and no
    // foreign key checks on this connection, SQLite's search indexes merged
    // once at the end; the plain indexes of the loaded tables built once at
    // the end (after the counters, whose aggregates then read each table in
    // order instead of through an index); all put back even if it fails.
    let started = Instant::now();
    let load = klearn_db::backend::bulk_load_begin(&mut conn, LOAD_CACHE_MIB)?;
    let aside = match klearn_db::backend::set_indexes_aside(&mut conn, LOADED_TABLES) {
        Ok(aside) => aside,
        Err(e) => {
            klearn_db::backend::bulk_load_end(&mut conn, load)?;
            return Err(e.into());
        }
    };
    let loaded = load_rows(&mut conn, n).and_then(|report| count(&mut conn, report));
    let indexing = Instant::now();
    let restored = klearn_db::backend::restore_indexes(&mut conn, &aside);
    eprintln!(
        "  {:<12} {:>8} built {:>26.1}s",
        "indexes",
        aside.len(),
        indexing.elapsed().as_secs_f64()
    );
    let settled = match (loaded, restored) {
        (Ok(report), Ok(())) => settle(&mut conn, report),
        (Err(e), _) => Err(e),
        (_, Err(e)) => Err(e.into()),
    };
    klearn_db::backend::bulk_load_end(&mut conn, load)?;
    let report = settled?;
    eprintln!("  {:<12} {:>44.1}s", "total", started.elapsed().as_secs_f64());
    Ok(report)
}

fn timed(stage: &str, started: Instant) {
    eprintln!("  {:<12} {:>44.1}s", stage, started.elapsed().as_secs_f64());
}

/// The counters that read the loaded rows: learners, reviewers' opened
/// lessons, ratings and their scores, the experts' figures, the forum's
/// accepted answers and members' counters.
fn count(conn: &mut klearn_db::DbConnection, report: ScaleReport) -> anyhow::Result<ScaleReport> {
    let at = Instant::now();
    seed::recount_learners(conn)?;
    seed::reviewers_opened_a_lesson(conn)?;
    seed::settle_ratings(conn)?;
    klearn_db::courses::Course::refresh_rating_scores(conn)?;
    klearn_db::experts::refresh_all_figures(conn)?;
    seed::settle_forum(conn)?;
    timed("counters", at);
    Ok(report)
}

/// The search index, the catalogue's counts and the planner's statistics.
fn settle(conn: &mut klearn_db::DbConnection, report: ScaleReport) -> anyhow::Result<ScaleReport> {
    let at = Instant::now();
    seed::index_courses(conn, "scale-", &mut klearn_db::backend::Documents::default())?;
    klearn_db::backend::search_merge(conn)?;
    timed("search", at);
    let at = Instant::now();
    // The seeder wrote its courses directly: the catalogue's counts are counted once.
    klearn_db::catalogue_counts::rebuild(conn)?;
    klearn_db::backend::analyze(conn, true)?;
    timed("analyze", at);
    Ok(report)
}

/// Writes every row of the community; the counters derived from them follow in `settle`.
fn load_rows(conn: &mut klearn_db::DbConnection, n: usize) -> anyhow::Result<ScaleReport> {
    let n = n.max(10);
    let mut rng = StdRng::seed_from_u64(2026);
    let now = klearn_db::now();
    let hash = Passwords::hash_blocking(SCALE_PASSWORD)?;
    let mut report = ScaleReport::default();

    // Users, one password hash for all.
    let progress = Progress::new("users", n);
    for start in (0..n).step_by(BATCH) {
        let rows: Vec<SeedUser> = (start..(start + BATCH).min(n))
            .map(|i| {
                let name = format!("u{i:07}");
                let display = if i % 3 == 0 {
                    format!("{} {}", FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()])
                } else {
                    format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i / 5) % GIVEN.len()])
                };
                let joined = now - Duration::minutes(rng.random_range(0..(60 * 24 * 730)));
                SeedUser {
                    username_lower: name.clone(),
                    email: format!("{name}@scale.example"),
                    email_lower: format!("{name}@scale.example"),
                    username: name,
                    password_hash: hash.clone(),
                    display_name: display,
                    locale: if i % 4 == 0 { "en".into() } else { "zh-CN".into() },
                    email_verified_at: Some(joined),
                    created_at: joined,
                    updated_at: joined,
                }
            })
            .collect();
        seed::users(conn, &rows)?;
        progress.show(start + rows.len());
    }
    progress.finish();
    let user_ids = seed::user_ids(conn, "u")?;
    report.users = user_ids.len();

    // One expert per hundred users, each owning about ten courses.
    let experts: Vec<klearn_db::UserId> = user_ids.iter().step_by(100).copied().collect();
    let roles: Vec<SeedRole> = experts
        .iter()
        .map(|id| SeedRole {
            user_id: *id,
            role: "expert".into(),
            granted_at: now,
        })
        .collect();
    for chunk in roles.chunks(BATCH) {
        seed::roles(conn, chunk)?;
    }
    // Every one of them certified, in one topic each.
    let certifications: Vec<seed::SeedCertification> = experts
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let (_, _, en, _) = TOPICS[k % TOPICS.len()];
            seed::SeedCertification {
                user_id: *id,
                state: klearn_db::ExpertState::Certified,
                real_name: format!("Seed Expert {k}"),
                headline: format!("{} engineer, {} years", en[k % en.len()], 3 + k % 15),
                bio: "A synthetic expert.".into(),
                bio_html: "<p>A synthetic expert.</p>".into(),
                years: 3 + (k % 15) as i64,
                links: String::new(),
                sample_outline: "1. One".into(),
                sample_outline_html: "<ol><li>One</li></ol>".into(),
                certified_at: Some(now),
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    for chunk in certifications.chunks(BATCH) {
        seed::certifications(conn, chunk)?;
    }
    let topics: Vec<seed::SeedTopic> = seed::certification_ids(conn)?
        .into_iter()
        .enumerate()
        .map(|(k, (application_id, _))| seed::SeedTopic {
            application_id,
            tag: TOPICS[k % TOPICS.len()].0.to_string(),
        })
        .collect();
    for chunk in topics.chunks(BATCH) {
        seed::expert_topics(conn, chunk)?;
    }

    let categories = Category::list(conn, COURSE)?;
    let n_courses = (n / 10).max(1);
    let progress = Progress::new("courses", n_courses);
    let mut batch = Vec::with_capacity(BATCH);
    let mut course_traits = Vec::with_capacity(n_courses);
    for i in 0..n_courses {
        let (cat_slug, zh, en, _tags) = TOPICS[i % TOPICS.len()];
        let category = categories.iter().find(|c| c.slug == cat_slug).map(|c| c.id);
        let chinese = rng.random_bool(0.6);
        let subject = if chinese {
            zh[rng.random_range(0..zh.len())]
        } else {
            en[rng.random_range(0..en.len())]
        };
        let form = if chinese {
            ZH_FORMS[rng.random_range(0..ZH_FORMS.len())]
        } else {
            EN_FORMS[rng.random_range(0..EN_FORMS.len())]
        };
        let title = form
            .replace("{s}", subject)
            .replace("{n}", &rng.random_range(12..48).to_string());
        let free = rng.random_bool(0.2);
        let price = if free {
            0
        } else {
            [4900, 9900, 12900, 19900, 29900, 39900][rng.random_range(0..6)]
        };
        let published = rng.random_bool(0.95);
        // How its learners review it: most courses by few of them, some by
        // many; the stars centre on a quality between 3.2 and 5.
        let share = if rng.random_bool(0.3) {
            0.05
        } else {
            0.1 + rng.random::<f64>().powi(3) * 0.4
        };
        let quality = rng.random_range(3.2..5.0);
        let at = now - Duration::minutes(rng.random_range(0..(60 * 24 * 700)));
        let description = if chinese {
            format!(
                "这门课系统讲解{subject}，配有大量可运行的示例。适合有一定基础、希望在工作中用好它的工程师。"
            )
        } else {
            format!("A structured course on {subject} with runnable examples, for engineers who want to use it well at work.")
        };
        course_traits.push(CourseTraits {
            owner: experts[i % experts.len()],
            published: published.then_some(at),
            share,
            quality,
        });
        batch.push(SeedCourse {
            owner_id: experts[i % experts.len()],
            slug: format!("scale-{i:06}"),
            subtitle: description.chars().take(40).collect(),
            description_html: format!("<p>{description}</p>"),
            description,
            outcomes: String::new(),
            outcomes_html: String::new(),
            title,
            category_id: category,
            level: crate::domain::course::LEVELS[rng.random_range(0..3)].into(),
            format: crate::domain::course::FORMATS[rng.random_range(0..4)].into(),
            price_cents: price,
            currency: "CNY".into(),
            state: if published {
                klearn_db::CourseState::Published
            } else {
                klearn_db::CourseState::Draft
            },
            submitted_at: Some(at),
            published_at: published.then_some(at),
            created_at: at,
            updated_at: at,
        });
        if batch.len() == BATCH || i + 1 == n_courses {
            seed::courses(conn, &batch)?;
            batch.clear();
            progress.show(i + 1);
        }
    }
    progress.finish();
    let course_ids = seed::course_ids(conn, "scale-")?;
    report.courses = course_ids.len();

    // Tags, two to four per course (indexed for search with the rest at the end).
    let progress = Progress::new("tags", course_ids.len());
    let tag_rows: Vec<seed::SeedCourseTag> = course_ids
        .iter()
        .enumerate()
        .flat_map(|(k, id)| {
            let (_, _, _, tags) = TOPICS[k % TOPICS.len()];
            let count = 2 + (id.get() % 3) as usize;
            tags.iter().take(count).map(|t| seed::SeedCourseTag {
                course_id: *id,
                tag: t.to_string(),
            })
        })
        .collect();
    for chunk in tag_rows.chunks(BATCH) {
        seed::course_tags(conn, chunk)?;
    }
    progress.finish();

    // Chapters: two to four per course; lessons: two to five per chapter.
    let mut chapter_rows = Vec::new();
    for id in &course_ids {
        for p in 0..(2 + (id.get() % 3) as i32) {
            chapter_rows.push(SeedChapter {
                course_id: *id,
                title: format!("第 {} 章 / Chapter {}", p + 1, p + 1),
                position: p + 1,
                created_at: now,
                approved: true,
            });
        }
    }
    let progress = Progress::new("chapters", chapter_rows.len());
    for (k, chunk) in chapter_rows.chunks(BATCH).enumerate() {
        seed::chapters(conn, chunk)?;
        progress.show(((k + 1) * BATCH).min(chapter_rows.len()));
    }
    progress.finish();
    let chapters = seed::chapter_ids(
        conn,
        course_ids[0],
        *course_ids.last().unwrap_or(&klearn_db::CourseId(0)),
    )?;
    // Five lesson texts, rendered once each.
    let bodies: Vec<(String, String)> = (1..=5)
        .map(|p| {
            let body = format!("第 {p} 课的内容。Lesson {p} of this chapter, with an example:\n\n```rust\nfn main() {{ println!(\"{p}\"); }}\n```");
            let html = crate::markdown::render(&body);
            (body, html)
        })
        .collect();
    let mut lesson_rows = Vec::new();
    for (chapter, course) in &chapters {
        for p in 0..(2 + (chapter.get() % 4) as i32) {
            let (body, body_html) = bodies[p as usize].clone();
            lesson_rows.push(SeedLesson {
                course_id: *course,
                chapter_id: *chapter,
                title: format!("第 {} 课 / Lesson {}", p + 1, p + 1),
                body_html,
                body,
                position: p + 1,
                free_preview: p == 0,
                duration_minutes: rng.random_range(5..40),
                created_at: now,
                updated_at: now,
                approved: true,
            });
        }
    }
    let progress = Progress::new("lessons", lesson_rows.len());
    for (k, chunk) in lesson_rows.chunks(BATCH).enumerate() {
        seed::lessons(conn, chunk)?;
        progress.show(((k + 1) * BATCH).min(lesson_rows.len()));
    }
    progress.finish();
    report.lessons = lesson_rows.len();

    // Enrollments: about two per user, popular courses drawn more often.
    let total = user_ids.len() * 2;
    let progress = Progress::new("enrollments", total);
    let mut rows = Vec::with_capacity(BATCH);
    let mut made = 0;
    // (user index, course index) of every enrollment, for the reviews.
    let mut enrolled: Vec<(usize, usize)> = Vec::with_capacity(total);
    for (u, user) in user_ids.iter().enumerate() {
        let a = (rng.random::<f64>().powi(2) * course_ids.len() as f64) as usize;
        let b = (rng.random::<f64>().powi(2) * course_ids.len() as f64) as usize;
        for pick in if a == b { vec![a] } else { vec![a, b] } {
            enrolled.push((u, pick.min(course_ids.len() - 1)));
            rows.push(SeedEnrollment {
                user_id: *user,
                course_id: course_ids[pick.min(course_ids.len() - 1)],
                source: "purchase".into(),
                created_at: now,
            });
        }
        if rows.len() >= BATCH {
            made += seed::enrollments(conn, &rows)?;
            rows.clear();
            progress.show(made);
        }
    }
    made += seed::enrollments(conn, &rows)?;
    progress.finish();
    report.enrollments = made;
    (report.reviews, report.helpful_votes) =
        seed_reviews(conn, &user_ids, &course_ids, &course_traits, &enrolled, now)?;

    let forum = super::scale_forum::seed(conn, &mut rng, &user_ids, now)?;
    report.threads = forum.threads;
    report.posts = forum.posts;
    report.likes = forum.likes;
    Ok(report)
}

/// What the reviews of a seeded course follow.
struct CourseTraits {
    owner: klearn_db::UserId,
    /// When it was published (a draft has no reviews).
    published: Option<chrono::NaiveDateTime>,
    /// The share of its learners who review it.
    share: f64,
    /// The stars its reviews centre on.
    quality: f64,
}

/// A review's title and text.
type ReviewText = (&'static str, &'static str);

/// Review texts by kind (bad, middling, good): in Chinese, in English.
const REVIEW_TEXTS: [&[(ReviewText, ReviewText)]; 3] = [
    &[
        (
            ("和预期差距较大", "前两章还可以，后面讲得太快，例子也跑不起来，希望讲师更新一下代码。"),
            ("Not what I expected", "The first chapters are fine, then it rushes and the examples no longer run. Please update the code."),
        ),
        (
            ("内容偏浅", "大部分内容官方文档里都有，没有讲到实际项目中会遇到的问题。"),
            ("Too shallow", "Most of it is in the official docs; none of the problems you meet in real projects."),
        ),
    ],
    &[
        (
            ("中规中矩", "讲得清楚，但练习太少，学完还是需要自己多动手。"),
            ("Decent", "Clear explanations, but too few exercises; you will need to practise on your own."),
        ),
        (
            ("有收获，但可以更好", "核心概念讲得不错，最后一章有点赶，期待补充。"),
            ("Useful, could be better", "The core ideas are well explained; the last chapter feels rushed."),
        ),
    ],
    &[
        (
            ("讲得非常清楚", "每一节都有可以运行的例子，跟着敲一遍就懂了。已经用在工作里了。"),
            ("Very clear", "Every lesson has an example that runs; typing it in makes it click. Already using it at work."),
        ),
        (
            ("物超所值", "比看零散的博客高效太多，讲师对常见的坑讲得很透。"),
            ("Worth every yuan", "Far more efficient than scattered blog posts; the expert knows the usual pitfalls."),
        ),
        (
            ("推荐给同事了", "结构清晰，难度循序渐进，答疑也很及时。"),
            ("Recommended it to my team", "Well structured, the difficulty builds up gently, and questions get answers."),
        ),
    ],
];
const REPLY_TEXTS: [&str; 2] = [
    "谢谢你的反馈！你提到的问题我会在下次更新里补充。Thanks for the feedback, I will cover this in the next update.",
    "感谢认可，欢迎在课程讨论区继续交流。Thank you! See you on the course board.",
];

/// Reviews by a share of each published course's learners (never its
/// expert), with stars around the course's quality, a few expert replies,
/// a few hidden, and helpful votes (the reviewers' opened lessons and the
/// courses' rating counters follow in `settle`). Drawn in rounds of
/// `REVIEW_ROUND` with an RNG of its own, so the forum after it stays as
/// it was; written `BATCH` at a time.
fn seed_reviews(
    conn: &mut klearn_db::DbConnection,
    user_ids: &[klearn_db::UserId],
    course_ids: &[klearn_db::CourseId],
    traits: &[CourseTraits],
    enrolled: &[(usize, usize)],
    now: chrono::NaiveDateTime,
) -> anyhow::Result<(usize, usize)> {
    let mut rng = StdRng::seed_from_u64(2027);
    let render = |text: &str| crate::markdown::render(text);
    let texts: Vec<Vec<[(String, String, String); 2]>> = REVIEW_TEXTS
        .iter()
        .map(|kind| {
            kind.iter()
                .map(|((zt, zb), (et, eb))| {
                    [
                        (zt.to_string(), zb.to_string(), render(zb)),
                        (et.to_string(), eb.to_string(), render(eb)),
                    ]
                })
                .collect()
        })
        .collect();
    let replies: Vec<(String, String)> = REPLY_TEXTS.iter().map(|r| (r.to_string(), render(r))).collect();
    let progress = Progress::new("reviews", enrolled.len());
    let (mut reviews, mut votes) = (0, 0);
    // Reviews drawn but not written yet, with their voters.
    let mut pending: Vec<SeedReview> = Vec::new();
    let mut pending_voters: Vec<Vec<klearn_db::UserId>> = Vec::new();
    let rounds = enrolled.chunks(REVIEW_ROUND).count();
    for (k, chunk) in enrolled.chunks(REVIEW_ROUND).enumerate() {
        let mut rows = Vec::new();
        let mut voters: Vec<usize> = Vec::new();
        for &(u, c) in chunk {
            let course = &traits[c];
            let Some(published) = course.published else {
                continue;
            };
            if course.owner == user_ids[u] || !rng.random_bool(course.share) {
                continue;
            }
            // A triangular spread around the course's quality.
            let noise = rng.random_range(-1.0..1.0) + rng.random_range(-1.0..1.0);
            let rating = (course.quality + noise).round().clamp(1.0, 5.0) as i32;
            let kind = match rating {
                1 | 2 => 0,
                3 => 1,
                _ => 2,
            };
            let pool = &texts[kind];
            let [zh, en] = &pool[rng.random_range(0..pool.len())];
            // Users whose index is a multiple of four read English (see above).
            let (title, body, body_html) = if u % 4 == 0 { en } else { zh };
            let span = (now - published).num_minutes().max(1);
            let at = published + Duration::minutes(rng.random_range(0..span));
            let replied = rng.random_bool(0.1);
            let hidden = rng.random_bool(0.005);
            // Votes from distinct others: never more than there are.
            let helpful = if hidden {
                0
            } else {
                ((rng.random::<f64>().powi(4) * 20.0) as usize).min(user_ids.len() - 1)
            };
            let reply = replied.then(|| &replies[rng.random_range(0..replies.len())]);
            rows.push(SeedReview {
                course_id: course_ids[c],
                author_id: user_ids[u],
                rating,
                title: title.clone(),
                body: body.clone(),
                body_html: body_html.clone(),
                state: if hidden {
                    klearn_db::reviews::ReviewState::Hidden
                } else {
                    klearn_db::reviews::ReviewState::Visible
                },
                hidden_reason: if hidden {
                    "与课程无关的推广内容 / Promotion unrelated to the course".into()
                } else {
                    String::new()
                },
                helpful_count: helpful as i64,
                reply_body: reply.map(|(body, _)| body.clone()),
                reply_body_html: reply.map(|(_, html)| html.clone()),
                replied_at: replied.then(|| at + Duration::days(1)),
                created_at: at,
                updated_at: at,
            });
            voters.push(helpful);
        }
        // The voters of this round, drawn in the order the reviews were.
        for (row, n) in rows.iter().zip(&voters) {
            let mut picked: Vec<klearn_db::UserId> = Vec::with_capacity(*n);
            while picked.len() < *n {
                let voter = user_ids[rng.random_range(0..user_ids.len())];
                if voter != row.author_id && !picked.contains(&voter) {
                    picked.push(voter);
                }
            }
            pending_voters.push(picked);
        }
        pending.extend(rows);
        if pending.len() >= BATCH || k + 1 == rounds {
            let ids = seed::reviews(conn, &pending)?;
            anyhow::ensure!(ids.len() == pending.len(), "review ids do not line up");
            let vote_rows: Vec<SeedReviewVote> = ids
                .iter()
                .zip(&pending)
                .zip(&pending_voters)
                .flat_map(|((id, row), picked)| {
                    picked.iter().map(|user_id| SeedReviewVote {
                        review_id: *id,
                        user_id: *user_id,
                        created_at: row.created_at,
                    })
                })
                .collect();
            votes += seed::review_votes(conn, &vote_rows)?;
            reviews += ids.len();
            pending.clear();
            pending_voters.clear();
            progress.show(((k + 1) * REVIEW_ROUND).min(enrolled.len()));
        }
    }
    progress.finish();
    Ok((reviews, votes))
}
