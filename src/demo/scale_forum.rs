//! The forum of `klearn seed --scale N`: about N/10 threads of about ten
//! posts each, so about one post per member, as in communities where most
//! members read, some reply and few start threads (the 90-9-1 pattern),
//! across the forum categories (nearly half in General, so its list runs
//! past a hundred pages from 100,000 members on) and the published courses'
//! boards, with tags, likes and the search index, plus one thread of 60
//! posts that the benchmark opens ("Benchmark thread fifty posts"). Written
//! in batches straight to the tables: a fixture, not community activity;
//! the accepted answers and members' counters follow (`seed::settle_forum`).

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use klearn_db::backend::{search_put_many, Documents, SearchIndex};
use klearn_db::categories::{Category, FORUM};
use klearn_db::search::index_text;
use klearn_db::seed::{self, SeedPost, SeedPostLike, SeedThread, SeedThreadTag};
use klearn_db::{CategoryId, CourseId, DbConnection, PostState, ThreadKind, UserId};
use rand::rngs::StdRng;
use rand::Rng;

use super::scale::{Progress, TOPICS};

/// Threads written per round, in one transaction with their posts, likes
/// and search documents (about ten posts a thread).
const THREADS: usize = 2_000;
/// The benchmark's thread: its title and its number of posts.
pub const BENCH_TITLE: &str = "Benchmark thread fifty posts: 并发 in practice";
const BENCH_POSTS: usize = 60;

const ZH_QUESTIONS: &[&str] = &[
    "{s}：线上偶发超时，应该从哪里开始排查？",
    "{s}里这种写法有什么问题？",
    "学{s}有没有推荐的路线？",
    "{s}：性能比预期慢了一倍，求指点",
    "{s}的测试该怎么写才不脆弱？",
];
const EN_QUESTIONS: &[&str] = &[
    "{s}: where do I start with intermittent timeouts?",
    "What is wrong with this {s} pattern?",
    "{s}: twice as slow as expected, any pointers?",
    "How do you test {s} code without flaky tests?",
];
const ZH_DISCUSSIONS: &[&str] = &[
    "聊聊{s}在生产环境里踩过的坑",
    "{s}学习笔记：三个月的收获",
    "用{s}重写了一个内部服务，分享一下过程",
    "{s}：团队里该不该统一规范？",
];
const EN_DISCUSSIONS: &[&str] = &[
    "Notes from a year of {s} in production",
    "What I wish I knew before learning {s}",
    "Rewrote an internal service with {s}: a write-up",
];
const ZH_OPENINGS: &[&str] = &[
    "最近在项目里用{s}，遇到一个问题：压测时大部分请求都正常，但偶尔会有几秒的卡顿，日志里看不出异常。\n\n```rust\nlet handle = tokio::spawn(async move { work(rx).await });\nhandle.await??;\n```\n\n大家一般怎么定位这种问题？",
    "整理了一下这段时间学习{s}的笔记，主要是三点：先把基础概念吃透；每学一个知识点就写个小例子；遇到问题先读官方文档再搜索。欢迎补充。",
    "我们组在讨论要不要在新项目里引入{s}。支持的同事觉得能提升开发效率，反对的担心学习成本和维护成本。想听听有经验的朋友怎么看。",
];
const EN_OPENINGS: &[&str] = &[
    "I've been using {s} at work and hit something odd: most requests are fine under load, but every few minutes one stalls for seconds and the logs show nothing.\n\n```python\nresult = await asyncio.wait_for(fetch(url), timeout=5)\n```\n\nHow would you narrow this down?",
    "A short write-up of what worked for me with {s}: learn the core model first, write a tiny example for every concept, and read the official docs before searching. What would you add?",
];
const ZH_REPLIES: &[&str] = &[
    "先把监控加上，看卡顿的时候 CPU、内存和 GC 的情况，{s}相关的问题很多时候是资源不够。",
    "同意楼上。我们之前也遇到过，最后发现是连接池太小，请求都在排队。",
    "可以试试先写一个最小复现，往往写着写着就找到原因了。",
    "这个问题在课程第三章有详细讲解，建议先看一下。",
    "谢谢分享，收藏了，{s}这块确实容易踩坑。",
    "补充一点：上线前一定要做压测，{s}在小流量下很难暴露问题。",
];
const EN_REPLIES: &[&str] = &[
    "Add metrics first: look at CPU, memory and pauses when it stalls. With {s} it is often a starved resource.",
    "Same here; in our case the connection pool was too small and requests queued behind each other.",
    "Try to write the smallest reproduction you can. Half the time the cause shows up while writing it.",
    "Thanks for writing this up, {s} has a few sharp edges and this helps.",
];

/// What the forum seed made.
pub struct ForumCounts {
    pub threads: usize,
    pub posts: usize,
    pub likes: usize,
}

/// A text's rendered HTML and its search text, made once per distinct text
/// (posts' bodies; titles and tag lists have search texts only), and the
/// search documents PostgreSQL made of them.
#[derive(Default)]
struct Rendered {
    bodies: HashMap<String, (String, String)>,
    search: HashMap<String, String>,
    documents: Documents,
}

impl Rendered {
    fn get(&mut self, body: &str) -> (String, String) {
        if let Some(known) = self.bodies.get(body) {
            return known.clone();
        }
        let made = (crate::markdown::render(body), index_text(body));
        self.bodies.insert(body.to_string(), made.clone());
        made
    }

    fn search_text(&mut self, text: &str) -> String {
        if let Some(known) = self.search.get(text) {
            return known.clone();
        }
        let made = index_text(text);
        self.search.insert(text.to_string(), made.clone());
        made
    }
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// One generated thread before it has ids: its row, its posts' authors,
/// times, texts and likers, and its tags.
struct Draft {
    thread: SeedThread,
    posts: Vec<DraftPost>,
    tags: Vec<String>,
}

struct DraftPost {
    author: UserId,
    at: NaiveDateTime,
    text: String,
    reply_to: Option<i64>,
    likers: Vec<UserId>,
}

pub fn seed(
    conn: &mut DbConnection,
    rng: &mut StdRng,
    users: &[UserId],
    now: NaiveDateTime,
) -> anyhow::Result<ForumCounts> {
    let categories: HashMap<String, CategoryId> = Category::list(conn, FORUM)?
        .into_iter()
        .map(|c| (c.slug, c.id))
        .collect();
    let board = |slug: &str| -> anyhow::Result<CategoryId> {
        categories
            .get(slug)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("the forum category {slug} is missing"))
    };
    let (general, career, showcase, feedback) = (
        board("general")?,
        board("career")?,
        board("showcase")?,
        board("site-feedback")?,
    );
    let courses: Vec<CourseId> = seed::published_course_ids(conn, "scale-")?;
    // One thread per ten members.
    let threads = (users.len() / 10).max(1);
    let mut rendered = Rendered::default();
    let mut counts = ForumCounts {
        threads: 0,
        posts: 0,
        likes: 0,
    };
    let progress = Progress::new("threads", threads);
    for start in (0..threads).step_by(THREADS) {
        let drafts: Vec<Draft> = (start..(start + THREADS).min(threads))
            .map(|i| {
                let (category, course) = match i % 20 {
                    0..=8 => (Some(general), None),
                    9..=11 => (Some(career), None),
                    12 | 13 => (Some(showcase), None),
                    14 => (Some(feedback), None),
                    _ if courses.is_empty() => (Some(general), None),
                    _ => (None, Some(courses[rng.random_range(0..courses.len())])),
                };
                draft(rng, users, now, i, category, course)
            })
            .collect();
        klearn_db::write_tx(conn, |conn| write_round(conn, &mut rendered, drafts, &mut counts))?;
        progress.show((start + THREADS).min(threads));
    }
    progress.finish();
    Ok(counts)
}

/// Thread `i`: its board, title, kind, posts (the first is the opening) and likes.
fn draft(
    rng: &mut StdRng,
    users: &[UserId],
    now: NaiveDateTime,
    i: usize,
    category: Option<CategoryId>,
    course: Option<CourseId>,
) -> Draft {
    let topic = TOPICS[rng.random_range(0..TOPICS.len())];
    let chinese = rng.random_bool(0.6);
    let subject = if chinese {
        pick(rng, topic.1)
    } else {
        pick(rng, topic.2)
    };
    let question = rng.random_bool(0.35);
    let forms = match (chinese, question) {
        (true, true) => ZH_QUESTIONS,
        (true, false) => ZH_DISCUSSIONS,
        (false, true) => EN_QUESTIONS,
        (false, false) => EN_DISCUSSIONS,
    };
    let mut title = pick(rng, forms).replace("{s}", subject);
    // Replies: 0 to 27, nine on average, so about ten posts per thread.
    let mut replies = (rng.random::<f64>().powi(2) * 28.0) as usize;
    if i == 0 {
        title = BENCH_TITLE.to_string();
        replies = BENCH_POSTS - 1;
    }
    let (openings, answers) = if chinese {
        (ZH_OPENINGS, ZH_REPLIES)
    } else {
        (EN_OPENINGS, EN_REPLIES)
    };
    let mut at = now - Duration::minutes(rng.random_range(60..(60 * 24 * 365)));
    let created = at;
    let mut posts = Vec::with_capacity(replies + 1);
    for number in 1..=(replies + 1) as i64 {
        let author = users[rng.random_range(0..users.len())];
        let text = if number == 1 {
            pick(rng, openings)
        } else {
            pick(rng, answers)
        }
        .replace("{s}", subject);
        let reply_to = (number > 2 && rng.random_bool(0.2)).then(|| rng.random_range(1..number));
        let likers: Vec<UserId> = if rng.random_bool(0.3) {
            let k = 1 + (rng.random::<f64>().powi(2) * 6.0) as usize;
            let mut likers: Vec<UserId> = (0..k)
                .map(|_| users[rng.random_range(0..users.len())])
                .filter(|u| *u != author)
                .collect();
            likers.sort_by_key(|u| u.0);
            likers.dedup();
            likers
        } else {
            Vec::new()
        };
        posts.push(DraftPost {
            author,
            at,
            text,
            reply_to,
            likers,
        });
        at = (at + Duration::minutes(rng.random_range(5..600))).min(now);
    }
    let (last_poster, last_at) = posts
        .last()
        .map(|p| (p.author, p.at))
        .unwrap_or((users[0], created));
    let tags: Vec<String> = topic
        .3
        .iter()
        .skip(rng.random_range(0..3))
        .take(1 + rng.random_range(0..3))
        .map(|t| t.to_string())
        .collect();
    Draft {
        thread: SeedThread {
            category_id: category,
            course_id: course,
            author_id: posts[0].author,
            slug: crate::domain::course::slugify_or(&title, "topic"),
            title,
            kind: if question {
                ThreadKind::Question
            } else {
                ThreadKind::Discussion
            },
            state: PostState::Visible,
            replies_count: replies as i64,
            likes_count: posts.iter().map(|p| p.likers.len() as i64).sum(),
            last_number: replies as i64 + 1,
            last_post_at: last_at,
            last_poster_id: last_poster,
            created_at: created,
            updated_at: last_at,
        },
        posts,
        tags,
    }
}

/// Writes one round of threads with their tags, posts, likes and search documents.
fn write_round(
    conn: &mut DbConnection,
    rendered: &mut Rendered,
    drafts: Vec<Draft>,
    counts: &mut ForumCounts,
) -> anyhow::Result<()> {
    let rows: Vec<SeedThread> = drafts.iter().map(|d| d.thread.clone()).collect();
    let ids = seed::threads(conn, &rows)?;
    anyhow::ensure!(ids.len() == drafts.len(), "thread ids do not line up");
    counts.threads += ids.len();
    let tags: Vec<SeedThreadTag> = drafts
        .iter()
        .zip(&ids)
        .flat_map(|(d, id)| {
            d.tags.iter().map(|tag| SeedThreadTag {
                thread_id: *id,
                tag: tag.clone(),
            })
        })
        .collect();
    seed::thread_tags(conn, &tags)?;
    // Every post of the round, with what its search document needs.
    let mut posts = Vec::new();
    let mut extra = Vec::new();
    for (d, id) in drafts.into_iter().zip(&ids) {
        let title = rendered.search_text(&d.thread.title);
        let tags = rendered.search_text(&d.tags.join(" "));
        for (k, p) in d.posts.into_iter().enumerate() {
            let DraftPost {
                author,
                at,
                text,
                reply_to,
                likers,
            } = p;
            let (body_html, search) = rendered.get(&text);
            let (doc_title, doc_body) = if k == 0 {
                (title.clone(), format!("{search} {tags}"))
            } else {
                (String::new(), search)
            };
            posts.push(SeedPost {
                thread_id: *id,
                number: k as i64 + 1,
                author_id: author,
                reply_to,
                body: text,
                body_html,
                state: PostState::Visible,
                likes_count: likers.len() as i64,
                created_at: at,
                updated_at: at,
            });
            extra.push((doc_title, doc_body, likers, at));
        }
    }
    let post_ids = seed::posts(conn, &posts)?;
    anyhow::ensure!(post_ids.len() == posts.len(), "post ids do not line up");
    let likes: Vec<SeedPostLike> = post_ids
        .iter()
        .zip(&extra)
        .flat_map(|(post, (_, _, likers, at))| {
            likers.iter().map(|user| SeedPostLike {
                post_id: *post,
                user_id: *user,
                created_at: *at,
            })
        })
        .collect();
    counts.likes += seed::post_likes(conn, &likes)?;
    let docs: Vec<(i64, String, String)> = post_ids
        .iter()
        .zip(extra)
        .map(|(post, (title, body, _, _))| (post.0, title, body))
        .collect();
    for part in docs.chunks(seed::SEARCH_ROWS) {
        search_put_many(conn, SearchIndex::Posts, part, &mut rendered.documents)?;
    }
    counts.posts += post_ids.len();
    Ok(())
}
