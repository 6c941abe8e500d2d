//! The demo community that `klearn seed --demo` and `klearn serve --demo` load
//! into an empty database, in Chinese and English: categories, the four demo
//! accounts, experts and applicants with their review timelines
//! (`experts.toml`), the experts' courses (`courses.toml`), a learner's progress.

pub mod scale;

use klearn_db::categories::{Category, NewCategory, COURSE, FORUM};
use klearn_db::users::{ProfileChanges, User};
use klearn_db::{DbConnection, Pool};

use crate::accounts::create_verified_account;
use crate::accounts::password::Passwords;
use crate::domain::account::{Email, Role, Username};

/// The password of every demo account (CONTRACT.md).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The demo accounts: username, display name, roles, bio.
const ACCOUNTS: &[(&str, &str, &[Role], &str)] = &[
    ("demo_admin", "Klearn 管理员", &[Role::Admin], "负责 Klearn 的站点设置与角色管理。\n\nI look after Klearn's settings and roles."),
    ("demo_moderator", "社区版主林舟", &[Role::Moderator], "维护社区秩序，审核课程与专家申请。\n\nI keep the community friendly and review courses."),
    ("demo_expert", "陈立 Chen Li", &[Role::Expert], "十年后端开发，专注 **Rust** 与分布式系统。\n\nTen years of backend work; Rust and distributed systems."),
    ("demo_learner", "学员小周", &[], "正在从 Python 转向 Rust 的后端工程师。\n\nA backend engineer moving from Python to Rust."),
];

/// What was loaded, printed for the newcomer.
#[derive(Debug, Default)]
pub struct DemoReport {
    pub skipped: bool,
    pub course_categories: usize,
    pub forum_categories: usize,
    pub courses: usize,
    /// Certified experts and applications in review.
    pub experts: usize,
    pub applications: usize,
    /// The demo accounts that exist, with their roles.
    pub accounts: Vec<(String, String)>,
}

impl std::fmt::Display for DemoReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.skipped {
            writeln!(f, "Demo: the database already has content; nothing was loaded.")?;
        } else {
            writeln!(f, "Demo community loaded:")?;
            writeln!(f, "  {} course categories", self.course_categories)?;
            writeln!(f, "  {} forum categories", self.forum_categories)?;
            writeln!(
                f,
                "  {} certified experts, {} applications in review",
                self.experts, self.applications
            )?;
            writeln!(f, "  {} courses", self.courses)?;
        }
        if !self.accounts.is_empty() {
            writeln!(f, "Demo accounts (password: {DEMO_PASSWORD}):")?;
            for (name, roles) in &self.accounts {
                writeln!(f, "  {name:<16} {roles}")?;
            }
        }
        Ok(())
    }
}

struct DemoCategory {
    slug: &'static str,
    zh: &'static str,
    en: &'static str,
    about_zh: &'static str,
    about_en: &'static str,
}

const FORUM_CATEGORIES: &[DemoCategory] = &[
    DemoCategory {
        slug: "general",
        zh: "综合讨论",
        en: "General",
        about_zh: "编程与学习的一切话题",
        about_en: "Anything about programming and learning",
    },
    DemoCategory {
        slug: "questions",
        zh: "问答",
        en: "Questions",
        about_zh: "提问并采纳最佳答案",
        about_en: "Ask, and accept the best answer",
    },
    DemoCategory {
        slug: "showcase",
        zh: "作品展示",
        en: "Showcase",
        about_zh: "分享你做的项目",
        about_en: "Share what you built",
    },
    DemoCategory {
        slug: "site-feedback",
        zh: "站务反馈",
        en: "Site feedback",
        about_zh: "对 Klearn 的建议与问题",
        about_en: "Ideas and problems with Klearn itself",
    },
];

fn rows(kind: &'static str, list: &'static [DemoCategory]) -> Vec<NewCategory<'static>> {
    let now = klearn_db::now();
    list.iter()
        .enumerate()
        .map(|(i, c)| NewCategory {
            kind,
            slug: c.slug,
            name_zh: c.zh,
            name_en: c.en,
            description_zh: c.about_zh,
            description_en: c.about_en,
            position: i as i32,
            created_at: now,
        })
        .collect()
}

/// Loads the demo into an empty database; a database with content is left alone.
pub fn load(pool: &Pool) -> anyhow::Result<DemoReport> {
    let mut conn = pool.get()?;
    // Course categories come with the migrations; an empty site has no accounts yet.
    let empty = User::count_live(&mut conn)? == 0;
    let mut report = DemoReport {
        skipped: !empty,
        ..Default::default()
    };
    if empty {
        report.course_categories = Category::list(&mut conn, COURSE)?.len();
        report.forum_categories = Category::insert_missing(&mut conn, &rows(FORUM, FORUM_CATEGORIES))?;
        // One hash for every demo account: they share the password, and argon2 is slow on purpose.
        let hash = Passwords::hash_blocking(DEMO_PASSWORD)?;
        load_accounts(&mut conn, &hash)?;
        (report.experts, report.applications) = load_experts(&mut conn, &hash)?;
        report.courses = load_courses(&mut conn)?;
    }
    for (name, _, _, _) in ACCOUNTS {
        if let Ok(user) = User::find_by_username(&mut conn, name) {
            let roles = User::roles(&mut conn, user.id)?;
            let roles = if roles.is_empty() {
                "learner".to_string()
            } else {
                roles.join(", ")
            };
            report.accounts.push((user.username, roles));
        }
    }
    Ok(report)
}

fn load_accounts(conn: &mut DbConnection, hash: &str) -> anyhow::Result<()> {
    for (name, display, roles, bio) in ACCOUNTS {
        let username = Username::parse(name).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let email =
            Email::parse(&format!("{name}@example.com")).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let user = create_verified_account(conn, &username, &email, hash, display, roles, "demo community")?;
        User::update_profile(
            conn,
            user.id,
            &ProfileChanges {
                display_name: display.to_string(),
                bio: bio.to_string(),
                bio_html: crate::markdown::render(bio),
                locale: "zh-CN".into(),
                updated_at: klearn_db::now(),
            },
        )?;
    }
    Ok(())
}

/// Experts and applicants, as written in `experts.toml`.
#[derive(Debug, serde::Deserialize)]
struct DemoExperts {
    expert: Vec<DemoExpert>,
}

#[derive(Debug, serde::Deserialize)]
struct DemoExpert {
    username: String,
    display_name: String,
    real_name: String,
    headline: String,
    bio: String,
    expertise: Vec<String>,
    years: i64,
    links: Vec<String>,
    sample_outline: String,
    state: String,
    days_ago: i64,
    #[serde(default)]
    step: Vec<DemoStep>,
}

#[derive(Debug, serde::Deserialize)]
struct DemoStep {
    to: String,
    note: String,
    days_ago: i64,
}

/// Files each application and walks it along its timeline, step by step
/// through the state machine, as demo_moderator; certification grants the
/// expert role. Accounts that do not exist yet are made (verified, the demo
/// password). Returns (certified experts, open applications).
fn load_experts(conn: &mut DbConnection, hash: &str) -> anyhow::Result<(usize, usize)> {
    use crate::domain::expert::{may_step, ExpertState, StepActor};
    use klearn_db::experts::{self as db, Application, NewApplication};

    let data: DemoExperts = toml::from_str(include_str!("experts.toml"))?;
    let moderator = User::find_by_username(conn, "demo_moderator")?;
    let (mut certified, mut open) = (0, 0);
    for demo in &data.expert {
        let user = match User::find_by_username(conn, &demo.username) {
            Ok(user) => user,
            Err(_) => {
                let username =
                    Username::parse(&demo.username).map_err(|k| anyhow::anyhow!("{}: {k}", demo.username))?;
                let email = Email::parse(&format!("{}@example.com", demo.username))
                    .map_err(|k| anyhow::anyhow!("{}: {k}", demo.username))?;
                create_verified_account(
                    conn,
                    &username,
                    &email,
                    hash,
                    &demo.display_name,
                    &[],
                    "demo community",
                )?
            }
        };
        let links = crate::domain::expert::parse_links(&demo.links.join("\n"))
            .map_err(|k| anyhow::anyhow!("{}: {k}", demo.username))?;
        let now = klearn_db::now();
        let filed_at = now - chrono::Duration::days(demo.days_ago);
        let new = NewApplication {
            user_id: user.id,
            state: ExpertState::Submitted.as_str().into(),
            real_name: demo.real_name.clone(),
            headline: demo.headline.clone(),
            bio: demo.bio.clone(),
            bio_html: crate::markdown::render(&demo.bio),
            years: demo.years,
            links: links.join("\n"),
            sample_outline: demo.sample_outline.clone(),
            sample_outline_html: crate::markdown::render(&demo.sample_outline),
            created_at: filed_at,
            updated_at: filed_at,
        };
        let application = Application::file(conn, &new, &demo.expertise, &[])
            .map_err(|e| anyhow::anyhow!("{}: {e:?}", demo.username))?;
        let mut from = ExpertState::Submitted;
        let mut dates = Vec::new();
        for step in &demo.step {
            let to = ExpertState::parse(&step.to)
                .ok_or_else(|| anyhow::anyhow!("{}: no state {}", demo.username, step.to))?;
            anyhow::ensure!(
                may_step(from, to, StepActor::Moderator),
                "{}: {} -> {} is not a step",
                demo.username,
                from.as_str(),
                to.as_str()
            );
            Application::move_state(
                conn,
                application.id,
                from.as_str(),
                to.as_str(),
                &step.note,
                Some(moderator.id),
            )?;
            klearn_db::audit::record(
                conn,
                Some(moderator.id),
                &format!("expert.{}", to.as_str()),
                klearn_db::audit::Object::new("expert_application", &application.id.to_string()),
                &step.note,
            )?;
            if to == ExpertState::Certified {
                User::grant_role(conn, user.id, Role::Expert.as_str(), Some(moderator.id))?;
            }
            dates.push(now - chrono::Duration::days(step.days_ago));
            from = to;
        }
        anyhow::ensure!(
            from.as_str() == demo.state,
            "{}: the steps end in {}, not {}",
            demo.username,
            from.as_str(),
            demo.state
        );
        db::backdate(conn, application.id, filed_at, &dates)?;
        if from == ExpertState::Certified {
            certified += 1;
        } else if from.is_open() {
            open += 1;
        }
    }
    Ok((certified, open))
}

/// The courses of the demo experts, as written in `courses.toml`.
#[derive(Debug, serde::Deserialize)]
struct DemoCourses {
    course: Vec<DemoCourse>,
}

#[derive(Debug, serde::Deserialize)]
struct DemoCourse {
    slug: String,
    /// The expert who teaches it; demo_expert when not given.
    #[serde(default)]
    owner: Option<String>,
    title: String,
    subtitle: String,
    category: String,
    level: String,
    format: String,
    price: String,
    tags: Vec<String>,
    state: String,
    #[serde(default)]
    review_note: String,
    description: String,
    outcomes: String,
    chapter: Vec<DemoChapter>,
}

#[derive(Debug, serde::Deserialize)]
struct DemoChapter {
    title: String,
    lesson: Vec<DemoLesson>,
}

#[derive(Debug, serde::Deserialize)]
struct DemoLesson {
    title: String,
    minutes: i32,
    #[serde(default)]
    free_preview: bool,
    body: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    task_kind: Option<String>,
}

/// Publishes the demo expert's courses (some in review, one rejected) and
/// enrolls the demo learner in a free one with some progress.
fn load_courses(conn: &mut DbConnection) -> anyhow::Result<usize> {
    use klearn_db::courses::{Chapter, Course, CourseContent, CourseSettings, Lesson, LessonFields};
    use klearn_db::enrollments::{Enrollment, LessonProgress, FREE};

    let data: DemoCourses = toml::from_str(include_str!("courses.toml"))?;
    let expert = User::find_by_username(conn, "demo_expert")?;
    let learner = User::find_by_username(conn, "demo_learner")?;
    let moderator = User::find_by_username(conn, "demo_moderator")?;
    let categories = Category::list(conn, COURSE)?;
    let mut first_free: Option<(i64, Vec<i64>)> = None;
    for (n, demo) in data.course.iter().enumerate() {
        let category = categories
            .iter()
            .find(|c| c.slug == demo.category)
            .ok_or_else(|| anyhow::anyhow!("demo course {}: no category {}", demo.slug, demo.category))?;
        let content = CourseContent {
            title: demo.title.clone(),
            subtitle: demo.subtitle.clone(),
            description: demo.description.clone(),
            description_html: crate::markdown::render(&demo.description),
            outcomes: demo.outcomes.clone(),
            outcomes_html: crate::markdown::render(&demo.outcomes),
            price_cents: crate::domain::course::parse_price(&demo.price)
                .map_err(|k| anyhow::anyhow!("{k}"))?,
        };
        let settings = CourseSettings {
            category_id: Some(category.id),
            level: demo.level.clone(),
            format: demo.format.clone(),
        };
        let owner = match &demo.owner {
            Some(name) => User::find_by_username(conn, name)?.id,
            None => expert.id,
        };
        let course = Course::create(conn, owner, &demo.slug, &content, &settings, &demo.tags)?;
        let mut lesson_ids = Vec::new();
        for chapter in &demo.chapter {
            let saved = Chapter::create(conn, course.id, &chapter.title)?;
            for lesson in &chapter.lesson {
                let has_task = !lesson.task.trim().is_empty();
                let fields = LessonFields {
                    title: lesson.title.clone(),
                    body: lesson.body.clone(),
                    body_html: crate::markdown::render(&lesson.body),
                    free_preview: lesson.free_preview,
                    duration_minutes: lesson.minutes,
                    task_instructions: lesson.task.clone(),
                    task_instructions_html: if has_task {
                        crate::markdown::render(&lesson.task)
                    } else {
                        String::new()
                    },
                    task_kind: if has_task { lesson.task_kind.clone() } else { None },
                };
                lesson_ids.push(Lesson::create(conn, &saved, &fields, None)?.id);
            }
        }
        // Walk the course along its real states, as the studio and the review queue would.
        Course::move_state(
            conn,
            course.id,
            klearn_db::courses::DRAFT,
            klearn_db::courses::IN_REVIEW,
            None,
        )?;
        match demo.state.as_str() {
            "published" => {
                Course::move_state(
                    conn,
                    course.id,
                    klearn_db::courses::IN_REVIEW,
                    klearn_db::courses::PUBLISHED,
                    None,
                )?;
                // The first published courses are the ones moderators picked for the home page.
                if n < 4 {
                    Course::set_featured(conn, course.id, true)?;
                }
            }
            "rejected" => {
                Course::move_state(
                    conn,
                    course.id,
                    klearn_db::courses::IN_REVIEW,
                    klearn_db::courses::REJECTED,
                    Some(&demo.review_note),
                )?;
            }
            _ => {}
        }
        let object = course.id.to_string();
        klearn_db::audit::record(
            conn,
            Some(moderator.id),
            &format!(
                "course.{}",
                if demo.state == "rejected" {
                    "reject"
                } else if demo.state == "published" {
                    "approve"
                } else {
                    "submit"
                }
            ),
            klearn_db::audit::Object::new("course", &object),
            "demo community",
        )?;
        if demo.state == "published" && content.price_cents == 0 && first_free.is_none() {
            first_free = Some((course.id, lesson_ids));
        }
    }
    if let Some((course_id, lessons)) = first_free {
        Enrollment::enroll(conn, learner.id, course_id, FREE)?;
        for (i, lesson) in lessons.iter().take(2).enumerate() {
            LessonProgress::set_completed(conn, learner.id, *lesson, course_id, i == 0)?;
        }
    }
    Ok(data.course.len())
}
