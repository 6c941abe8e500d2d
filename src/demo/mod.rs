//! The demo community that `klearn seed --demo` and `klearn serve --demo` load
//! into an empty database, in Chinese and English: categories, the four demo
//! accounts, experts and applicants with their review timelines
//! (`experts.toml`), the experts' courses (`courses.toml`), a learner's
//! progress and orders (paid, failed, waiting, refunded) through the sandbox
//! provider, coupons in each state and an order paid with a coupon and
//! points, demo_expert's earnings (pending and available) and a payout,
//! forum threads in categories and on course boards (`forum.toml`),
//! feedback to the platform in each triage state (`feedback.toml`), course
//! reviews with helpful votes, the experts' replies and one hidden by a
//! moderator (`reviews.toml`), and learning tasks in every state with a
//! completed course and its certificate. Everything goes through the same
//! use cases as the pages (as the demo's own members: the applicants apply,
//! demo_moderator reviews, the experts write their courses), so the demo
//! holds nothing the site itself would refuse.

pub mod scale;
mod scale_forum;

use klearn_db::categories::{Category, COURSE, FORUM};
use klearn_db::experts::Application;
use klearn_db::users::User;
use klearn_db::{DbConnection, Pool};
use serde::Deserialize;

use crate::accounts::create_verified_account;
use crate::accounts::password::Passwords;
use crate::accounts::settings::ProfileUpdate;
use crate::domain::account::{Email, Role, Username};
use crate::domain::actor::Actor;
use crate::i18n::Locale;
use crate::services::Services;

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
    /// demo_learner's orders; none without a payment provider.
    pub orders: usize,
    /// Coupons, in each state.
    pub coupons: usize,
    /// demo_learner's refunded orders.
    pub refunds: usize,
    /// Payouts to demo_expert.
    pub payouts: usize,
    /// Forum threads and their posts.
    pub threads: usize,
    pub posts: usize,
    /// demo_learner's notifications, and how many of them are unread.
    pub notifications: usize,
    pub unread_notifications: usize,
    /// Work handed in for tasks, and certificates issued.
    pub submissions: usize,
    pub certificates: usize,
    /// Course reviews, and how many of them a moderator hid.
    pub reviews: usize,
    pub hidden_reviews: usize,
    /// Certified experts and applications in review.
    pub experts: usize,
    pub applications: usize,
    /// Feedback items, from members and a guest.
    pub feedback: usize,
    /// Reports waiting in the moderation queue (a held post, a flagged one).
    pub reports: usize,
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
            writeln!(f, "  {} orders of demo_learner", self.orders)?;
            writeln!(f, "  {} coupons", self.coupons)?;
            writeln!(
                f,
                "  {} refunded order, {} payout to demo_expert",
                self.refunds, self.payouts
            )?;
            writeln!(f, "  {} forum threads with {} posts", self.threads, self.posts)?;
            writeln!(
                f,
                "  {} notifications for demo_learner ({} unread)",
                self.notifications, self.unread_notifications
            )?;
            writeln!(
                f,
                "  {} task submissions, {} certificates",
                self.submissions, self.certificates
            )?;
            writeln!(f, "  {} feedback items", self.feedback)?;
            writeln!(
                f,
                "  {} reports in the moderation queue (a held post, a flagged one)",
                self.reports
            )?;
            writeln!(
                f,
                "  {} course reviews ({} hidden by a moderator)",
                self.reviews, self.hidden_reviews
            )?;
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

/// Loads the demo community into an empty database (a database with
/// members is left alone) and says what it loaded.
pub fn load(pool: &Pool, services: &Services) -> anyhow::Result<DemoReport> {
    let mut conn = pool.get()?;
    // Course and forum categories come with the migrations; an empty site has no accounts yet.
    let empty = User::count_live(&mut conn)? == 0;
    let mut report = DemoReport {
        skipped: !empty,
        ..Default::default()
    };
    if empty {
        report.course_categories = Category::list(&mut conn, COURSE)?.len();
        report.forum_categories = Category::list(&mut conn, FORUM)?.len();
        // One hash for every demo account: they share the password, and argon2 is slow on purpose.
        let hash = Passwords::hash_blocking(DEMO_PASSWORD)?;
        load_accounts(&mut conn, services, &hash)?;
        (report.experts, report.applications) = load_experts(&mut conn, services, &hash)?;
        report.courses = load_courses(&mut conn, services)?;
        report.orders = load_orders(&mut conn, services)?;
        let (coupons, paid_with_coupon) = load_coupons(&mut conn, services)?;
        (report.coupons, report.orders) = (coupons, report.orders + paid_with_coupon);
        report.refunds = load_refund(&mut conn, services)?;
        (report.threads, report.posts) = load_forum(&mut conn)?;
        (report.submissions, report.certificates) = load_learning(&mut conn, services)?;
        report.reports = load_moderation(&mut conn, &hash)?;
        report.feedback = load_feedback(&mut conn, services)?;
        (report.reviews, report.hidden_reviews) = load_reviews(&mut conn, services)?;
        report.payouts = load_earnings(&mut conn, services)?;
        (report.notifications, report.unread_notifications) = load_notifications(&mut conn)?;
        // Whoever signs in as a demo member may post at once.
        for (name, _, _, _) in ACCOUNTS {
            let member = demo_actor(&mut conn, name)?;
            settle(&mut conn, &member)?;
        }
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

fn load_accounts(conn: &mut DbConnection, services: &Services, hash: &str) -> anyhow::Result<()> {
    for (name, display, roles, bio) in ACCOUNTS {
        let username = Username::parse(name).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let email =
            Email::parse(&format!("{name}@example.com")).map_err(|k| anyhow::anyhow!("{name}: {k}"))?;
        let user = create_verified_account(conn, &username, &email, hash, display, roles, "demo community")?;
        let profile = ProfileUpdate {
            display_name: display.to_string(),
            bio: bio.to_string(),
            locale: Locale::ZhCn,
            interests: Vec::new(),
            avatar: None,
            remove_avatar: false,
        };
        crate::accounts::update_profile(conn, services, &Actor::member(user.id, roles), profile)?
            .map_err(|e| anyhow::anyhow!("{name}: {e:?}"))?;
    }
    Ok(())
}

/// A one-page PDF, the evidence every demo applicant sends.
fn demo_evidence(services: &Services, who: &str) -> anyhow::Result<crate::uploads::ReceivedFile> {
    let text = format!("Klearn demo evidence: {who}");
    let content = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{object}\nendobj\n", n + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    crate::uploads::ReceivedFile::from_bytes(
        &services.storage.tmp_dir(),
        &format!("{who}-evidence.pdf"),
        pdf.as_bytes(),
        crate::uploads::EVIDENCE,
    )
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
fn load_experts(conn: &mut DbConnection, services: &Services, hash: &str) -> anyhow::Result<(usize, usize)> {
    use crate::domain::expert::{ExpertState, StepActor};
    use crate::experts::forms::ValidApplication;

    let data: DemoExperts = toml::from_str(include_str!("experts.toml"))?;
    let moderator = User::find_by_username(conn, "demo_moderator")?;
    let reviewer = Actor::member(moderator.id, &[Role::Moderator]);
    let (mut certified, mut open) = (0, 0);
    for demo in &data.expert {
        let who = &demo.username;
        let user = match User::find_by_username(conn, who) {
            Ok(user) => user,
            Err(_) => {
                let username = Username::parse(who).map_err(|k| anyhow::anyhow!("{who}: {k}"))?;
                let email =
                    Email::parse(&format!("{who}@example.com")).map_err(|k| anyhow::anyhow!("{who}: {k}"))?;
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
            .map_err(|k| anyhow::anyhow!("{who}: {k}"))?;
        let applicant = Actor::member(user.id, &[]);
        let application = ValidApplication {
            real_name: demo.real_name.clone(),
            headline: demo.headline.clone(),
            bio: demo.bio.clone(),
            topics: demo.expertise.clone(),
            years: demo.years,
            links,
            sample_outline: demo.sample_outline.clone(),
        };
        let evidence = vec![demo_evidence(services, who)?];
        let filed = crate::experts::applying::apply(conn, services, &applicant, application, &[], evidence)
            .map_err(|e| anyhow::anyhow!("{who}: {e}"))?;
        let now = klearn_db::now();
        let filed_at = now - chrono::Duration::days(demo.days_ago);
        let mut dates = Vec::new();
        let mut state = ExpertState::Submitted;
        for step in &demo.step {
            let to =
                ExpertState::parse(&step.to).ok_or_else(|| anyhow::anyhow!("{who}: no state {}", step.to))?;
            // The state machine refuses a timeline it would refuse on the page.
            crate::experts::steps::take(
                conn,
                services,
                &reviewer,
                StepActor::Moderator,
                filed.id,
                to,
                &step.note,
            )
            .map_err(|e| anyhow::anyhow!("{who}: {} -> {}: {e}", state.as_str(), to.as_str()))?;
            dates.push(now - chrono::Duration::days(step.days_ago));
            state = to;
        }
        anyhow::ensure!(
            state.as_str() == demo.state,
            "{who}: the steps end in {}, not {}",
            state.as_str(),
            demo.state
        );
        klearn_db::experts::backdate(conn, filed.id, filed_at, &dates)?;
        if Application::find(conn, filed.id)?.state == ExpertState::Certified {
            certified += 1;
        } else if state.is_open() {
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
    #[serde(default)]
    task_due_days: Option<i32>,
    #[serde(default)]
    task_optional: bool,
}

/// The demo experts write their courses through the studio's use cases;
/// demo_moderator approves most, leaves one in review and rejects one. The
/// demo learner enrolls in a free course and gets through two lessons.
fn load_courses(conn: &mut DbConnection, services: &Services) -> anyhow::Result<usize> {
    use crate::courses::{self, CourseInput, LessonInput};
    use klearn_db::courses::LessonFields;

    let data: DemoCourses = toml::from_str(include_str!("courses.toml"))?;
    let learner = User::find_by_username(conn, "demo_learner")?;
    let moderator = User::find_by_username(conn, "demo_moderator")?;
    let reviewer = Actor::member(moderator.id, &[Role::Moderator]);
    let mut first_free: Option<(String, Vec<klearn_db::LessonId>)> = None;
    let mut featured = 0;
    // The first published course gets changes that wait for review.
    let mut to_revise: Option<(Actor, klearn_db::ChapterId, klearn_db::LessonId)> = None;
    for demo in &data.course {
        let owner = User::find_by_username(conn, demo.owner.as_deref().unwrap_or("demo_expert"))?;
        let expert = Actor::Member {
            id: owner.id,
            roles: vec![Role::Expert],
            certified: Application::is_certified(conn, owner.id)?,
        };
        let fail = |e: courses::CourseError| anyhow::anyhow!("demo course {}: {e}", demo.slug);
        let input = CourseInput {
            slug: Some(demo.slug.clone()),
            title: demo.title.clone(),
            subtitle: demo.subtitle.clone(),
            description: demo.description.clone(),
            outcomes: demo.outcomes.clone(),
            category: demo.category.clone(),
            level: crate::domain::course::parse_level(&demo.level).map_err(|k| anyhow::anyhow!("{k}"))?,
            format: crate::domain::course::parse_format(&demo.format).map_err(|k| anyhow::anyhow!("{k}"))?,
            price_cents: crate::domain::course::parse_price(&demo.price)
                .map_err(|k| anyhow::anyhow!("{k}"))?,
            tags: demo.tags.clone(),
            cover: None,
            remove_cover: false,
        };
        let course = courses::create(conn, services, &expert, input).map_err(fail)?;
        let mut lesson_ids = Vec::new();
        let mut last_chapter = None;
        for chapter in &demo.chapter {
            let saved = courses::add_chapter(conn, &expert, course.id, &chapter.title).map_err(fail)?;
            last_chapter = Some(saved.id);
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
                    task_due_days: lesson.task_due_days.filter(|_| has_task),
                    task_max_score: 100,
                    task_required: !lesson.task_optional,
                };
                let input = LessonInput {
                    fields,
                    media: None,
                    remove_media: false,
                };
                lesson_ids.push(
                    courses::add_lesson(conn, services, &expert, saved.id, input)
                        .map_err(fail)?
                        .id,
                );
            }
        }
        // Walk the course along its real states, as the studio and the review queue would.
        courses::submit(conn, &expert, course.id).map_err(fail)?;
        match demo.state.as_str() {
            "published" => {
                courses::approve(conn, services, &reviewer, course.id, None, "").map_err(fail)?;
                // The first published courses are the ones moderators picked for the home page.
                if featured < 4 {
                    courses::feature(conn, &reviewer, course.id).map_err(fail)?;
                    featured += 1;
                }
            }
            "rejected" => courses::reject(conn, services, &reviewer, course.id, None, &demo.review_note)
                .map_err(fail)?,
            _ => {}
        }
        if let (true, None, Some(chapter), Some(lesson)) = (
            demo.state == "published",
            &to_revise,
            last_chapter,
            lesson_ids.first(),
        ) {
            to_revise = Some((expert.clone(), chapter, *lesson));
        }
        if demo.state == "published" && course.price_cents == 0 && first_free.is_none() {
            first_free = Some((demo.slug.clone(), lesson_ids));
        }
    }
    if let Some((expert, chapter, lesson)) = to_revise {
        propose_changes(conn, services, &expert, chapter, lesson)?;
    }
    if let Some((slug, lessons)) = first_free {
        let learner = Actor::member(learner.id, &[]);
        crate::learn::progress::enroll(conn, &learner, &slug)?;
        for (i, lesson) in lessons.iter().take(2).enumerate() {
            crate::learn::progress::complete(conn, &learner, &slug, *lesson, i == 0)?;
        }
    }
    Ok(data.course.len())
}

/// demo_expert improves a published course: a clearer first lesson and a
/// new one at the end. Both wait in the review queue, so that a moderator
/// trying the demo has changes to look at.
fn propose_changes(
    conn: &mut DbConnection,
    services: &Services,
    expert: &Actor,
    chapter: klearn_db::ChapterId,
    lesson: klearn_db::LessonId,
) -> anyhow::Result<()> {
    use crate::courses::{self, LessonInput};
    use klearn_db::courses::Lesson;

    let mut fields = Lesson::find(conn, lesson)?.fields();
    fields.body.push_str("\n\n> 更新：补充了一个练习。Update: one more exercise at the end.\n\n练习 / Exercise: 写一个函数，接收 `String` 并返回它的长度，调用之后原来的变量还能用吗？");
    fields.body_html = crate::markdown::render(&fields.body);
    let input = LessonInput {
        fields,
        media: None,
        remove_media: false,
    };
    courses::edit_lesson(conn, services, expert, lesson, input)
        .map_err(|e| anyhow::anyhow!("demo revision: {e}"))?;
    let body = "本章小结与常见错误清单。\n\nA summary of the chapter and a checklist of the usual mistakes.";
    let fields = klearn_db::courses::LessonFields {
        title: "本章小结 / Chapter summary".into(),
        body: body.into(),
        body_html: crate::markdown::render(body),
        free_preview: false,
        duration_minutes: 8,
        task_instructions: String::new(),
        task_instructions_html: String::new(),
        task_kind: None,
        task_due_days: None,
        task_max_score: 100,
        task_required: true,
    };
    let input = LessonInput {
        fields,
        media: None,
        remove_media: false,
    };
    courses::add_lesson(conn, services, expert, chapter, input)
        .map_err(|e| anyhow::anyhow!("demo revision: {e}"))?;
    Ok(())
}

/// demo_learner's orders, through checkout and the sandbox provider as the
/// pages would go: two paid (one straight from a course, one from the cart
/// with two courses), one whose card was declined, one still waiting for
/// its payment; one more course waits in the cart. Each provider event is
/// handled as the webhook would handle it; the webhook's own delivery comes
/// later and finds it done. Without a payment provider there are no orders.
fn load_orders(conn: &mut DbConnection, services: &Services) -> anyhow::Result<usize> {
    use crate::checkout::sandbox::{settle, Outcome};
    use crate::checkout::{add_to_cart, handle_event, place_order, Basket};
    use klearn_db::courses::Course;

    let Some(provider) = services.payments.clone() else {
        return Ok(0);
    };
    let user = User::find_by_username(conn, "demo_learner")?;
    let learner = Actor::member(user.id, &[]);
    let course = |conn: &mut DbConnection, slug: &str| Course::find_by_slug(conn, slug).map(|c| c.id);
    let fail = |e: crate::checkout::CheckoutError| anyhow::anyhow!("demo order: {e}");
    let pay = |conn: &mut DbConnection, basket: Basket, outcome: Option<Outcome>| -> anyhow::Result<()> {
        let placed = place_order(conn, services, &learner, basket).map_err(fail)?;
        let (Some(outcome), Some(payment)) = (outcome, placed.payment) else {
            return Ok(());
        };
        let (_, event) = settle(conn, &learner, payment, outcome).map_err(fail)?;
        handle_event(conn, services, provider.as_ref(), &event).map_err(fail)?;
        Ok(())
    };
    let tokio_course = course(conn, "async-rust-with-tokio")?;
    pay(conn, Basket::Course(tokio_course), Some(Outcome::Pay))?;
    for slug in ["python-type-hints-in-production", "code-review-that-helps"] {
        let id = course(conn, slug)?;
        add_to_cart(conn, &learner, id).map_err(fail)?;
    }
    pay(conn, Basket::Cart, Some(Outcome::Pay))?;
    let go = course(conn, "go-concurrency-goroutine-to-scheduler")?;
    pay(conn, Basket::Course(go), Some(Outcome::Fail("card_declined")))?;
    let postgres = course(conn, "postgresql-query-tuning-by-example")?;
    pay(conn, Basket::Course(postgres), None)?;
    // And one course waits in the cart.
    let ownership = course(conn, "rust-ownership-in-practice")?;
    add_to_cart(conn, &learner, ownership).map_err(fail)?;
    Ok(4)
}

/// Coupons in each state (active, expired, not yet valid, used up, limited
/// to demo_expert's courses), made by demo_admin; demo_admin grants
/// demo_learner points, and demo_learner buys a course with the one-use
/// coupon and some points through checkout and the sandbox provider (which
/// uses the coupon up). Returns (coupons, orders placed).
fn load_coupons(conn: &mut DbConnection, services: &Services) -> anyhow::Result<(usize, usize)> {
    use crate::checkout::sandbox::{settle, Outcome};
    use crate::checkout::{handle_event, place_order_with, Basket, Redemption};
    use crate::coupons::{create_coupon, CouponInput};
    use crate::points::{adjust_points, Adjustment};
    use klearn_db::coupons::CouponTerms;
    use klearn_db::courses::Course;

    let admin = demo_actor(conn, "demo_admin")?;
    let now = klearn_db::now();
    let days = chrono::Duration::days;
    let terms = |code: &str, percent_off: i64, amount_off_cents: i64, note: &str| CouponTerms {
        code: code.into(),
        percent_off,
        amount_off_cents,
        note: note.into(),
        ..CouponTerms::default()
    };
    let coupons = [
        (
            CouponTerms {
                max_uses_per_user: Some(1),
                ..terms("WELCOME10", 10, 0, "新学员九折 / 10% off for new learners")
            },
            None,
        ),
        (
            CouponTerms {
                ends_at: Some(now - days(30)),
                ..terms("SUMMER2026", 20, 0, "暑期活动（已结束）/ Summer sale, over")
            },
            None,
        ),
        (
            CouponTerms {
                starts_at: Some(now + days(30)),
                ..terms("NEWYEAR2027", 30, 0, "新年活动（未开始）/ New year, not yet")
            },
            None,
        ),
        (
            CouponTerms {
                max_uses: Some(1),
                min_spend_cents: 10_000,
                ..terms("LAUNCH50", 0, 5_000, "限量一张 / One use only")
            },
            None,
        ),
        (
            terms("CHENLI20", 20, 0, "陈立的课程八折 / 20% off Chen Li's courses"),
            Some("demo_expert".to_string()),
        ),
    ];
    let made = coupons.len();
    for (terms, expert) in coupons {
        let input = CouponInput {
            terms,
            courses: Vec::new(),
            expert,
        };
        create_coupon(conn, &admin, &input).map_err(|e| anyhow::anyhow!("demo coupon: {e}"))?;
    }
    let learner = User::find_by_username(conn, "demo_learner")?;
    let welcome = Adjustment {
        member: learner.id,
        amount: 30_000,
        reason: "欢迎积分 / Welcome points".into(),
        request_key: "demo-welcome-points".into(),
    };
    adjust_points(conn, &admin, &welcome).map_err(|e| anyhow::anyhow!("demo points: {e}"))?;
    let Some(provider) = services.payments.clone() else {
        return Ok((made, 0));
    };
    let buyer = Actor::member(learner.id, &[]);
    let fail = |e: crate::checkout::CheckoutError| anyhow::anyhow!("demo coupon order: {e}");
    let raft = Course::find_by_slug(conn, "raft-in-rust")?;
    let redemption = Redemption {
        coupon_code: "launch50".into(),
        points: 5_000,
    };
    let placed =
        place_order_with(conn, services, &buyer, Basket::Course(raft.id), &redemption).map_err(fail)?;
    let payment = placed
        .payment
        .ok_or_else(|| anyhow::anyhow!("demo coupon order: nothing to pay"))?;
    let (_, event) = settle(conn, &buyer, payment, Outcome::Pay).map_err(fail)?;
    handle_event(conn, services, provider.as_ref(), &event).map_err(fail)?;
    Ok((made, 1))
}

/// demo_learner buys the Redis course, asks for the money back within the
/// refund window, and demo_admin approves: the sandbox's refund event is
/// handled as the webhook would handle it (its own delivery later finds it
/// done), so the order is refunded, the course gone and demo_expert's
/// earning of it taken back. demo_learner's cart order then waits with a
/// refund request of its own, and one more course is bought (an order that
/// still qualifies). Without a payment provider there are none.
fn load_refund(conn: &mut DbConnection, services: &Services) -> anyhow::Result<usize> {
    use crate::checkout::sandbox::{settle, waiting_events, Outcome};
    use crate::checkout::{handle_event, place_order, Basket};
    use crate::refunds::{refund, request_refund, RefundOrder};
    use klearn_db::courses::Course;

    let Some(provider) = services.payments.clone() else {
        return Ok(0);
    };
    let learner = demo_actor(conn, "demo_learner")?;
    let admin = demo_actor(conn, "demo_admin")?;
    let fail = |e: crate::checkout::CheckoutError| anyhow::anyhow!("demo refund: {e}");
    let refused = |e: crate::refunds::RefundError| anyhow::anyhow!("demo refund: {e}");
    let redis = Course::find_by_slug(conn, "redis-caching-in-practice")?;
    let placed = place_order(conn, services, &learner, Basket::Course(redis.id)).map_err(fail)?;
    let payment = placed
        .payment
        .ok_or_else(|| anyhow::anyhow!("demo refund: no payment"))?;
    let (_, event) = settle(conn, &learner, payment, Outcome::Pay).map_err(fail)?;
    handle_event(conn, services, provider.as_ref(), &event).map_err(fail)?;
    let reason = "课程内容和我的工作场景不太相关。The course does not fit my work after all.";
    request_refund(conn, &learner, placed.order.id, reason).map_err(refused)?;
    let whole = RefundOrder {
        order: placed.order.id,
        items: Vec::new(),
    };
    refund(conn, services, &admin, &whole).map_err(refused)?;
    for event in waiting_events(conn)? {
        if event.kind == crate::checkout::provider::EventKind::Refunded {
            handle_event(conn, services, provider.as_ref(), &event).map_err(fail)?;
        }
    }
    // The cart order (the second one paid) waits with a request.
    let (orders, _) = klearn_db::orders::Order::list_for_user(conn, user_id(&learner)?, 1, 100)?;
    let mut paid: Vec<_> = orders
        .iter()
        .filter(|o| o.state == klearn_db::OrderState::Paid)
        .map(|o| o.id)
        .collect();
    paid.sort();
    if let Some(cart_order) = paid.get(1) {
        let reason = "第二门课和我已有的知识重复了。The second course repeats what I knew.";
        request_refund(conn, &learner, *cart_order, reason).map_err(refused)?;
    }
    let web = Course::find_by_slug(conn, "web-performance-core-web-vitals")?;
    let placed = place_order(conn, services, &learner, Basket::Course(web.id)).map_err(fail)?;
    let payment = placed
        .payment
        .ok_or_else(|| anyhow::anyhow!("demo order: no payment"))?;
    let (_, event) = settle(conn, &learner, payment, Outcome::Pay).map_err(fail)?;
    handle_event(conn, services, provider.as_ref(), &event).map_err(fail)?;
    Ok(1)
}

fn user_id(actor: &Actor) -> anyhow::Result<klearn_db::UserId> {
    actor
        .user_id()
        .ok_or_else(|| anyhow::anyhow!("demo: not a member"))
}

/// demo_expert's earnings: the reviewers' and demo_learner's purchases
/// credited them as they were paid (pending for 14 days). So that some are
/// available, demo_learner's first order is moved back 20 days (demo data:
/// its payment time and its earnings' availability are rewritten;
/// nothing else can make earnings available at once). Then demo_admin pays
/// demo_expert half of the available balance, through the payout use case.
fn load_earnings(conn: &mut DbConnection, services: &Services) -> anyhow::Result<usize> {
    use crate::earnings::{record_payout, PayoutRequest};
    use klearn_db::earnings::Earnings;
    use klearn_db::orders::Order;

    if services.payments.is_none() {
        return Ok(0);
    }
    let learner = User::find_by_username(conn, "demo_learner")?;
    let expert = User::find_by_username(conn, "demo_expert")?;
    let admin = demo_actor(conn, "demo_admin")?;
    let paid_at = klearn_db::now() - chrono::Duration::days(20);
    let (orders, _) = Order::list_for_user(conn, learner.id, 1, 100)?;
    let mut paid: Vec<_> = orders
        .into_iter()
        .filter(|o| o.state == klearn_db::OrderState::Paid)
        .collect();
    paid.sort_by_key(|o| o.id);
    for order in paid.iter().take(1) {
        Earnings::backdate_order(conn, order.id, paid_at, crate::domain::refund::refund_window())?;
    }
    let available = Earnings::balances(conn, expert.id, klearn_db::now())?.available();
    if available < 200 {
        return Ok(0);
    }
    let request = PayoutRequest {
        expert: expert.username.clone(),
        // Half, in whole yuan.
        amount_cents: available / 2 / 100 * 100,
        reference: "ICBC-20261120-0001".into(),
        request_key: "demo-payout-1".into(),
    };
    record_payout(conn, services, &admin, &request).map_err(|e| anyhow::anyhow!("demo payout: {e}"))?;
    Ok(1)
}

#[derive(Debug, Deserialize)]
struct DemoForum {
    thread: Vec<DemoThread>,
}

#[derive(Debug, Deserialize)]
struct DemoThread {
    category: Option<String>,
    course: Option<String>,
    author: String,
    kind: String,
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    pinned: bool,
    /// demo_moderator locks it once its replies are written.
    #[serde(default)]
    locked: bool,
    #[serde(default)]
    likes: Vec<String>,
    accepted: Option<i64>,
    body: String,
    #[serde(default)]
    reply: Vec<DemoReply>,
}

#[derive(Debug, Deserialize)]
struct DemoReply {
    author: String,
    reply_to: Option<i64>,
    #[serde(default)]
    likes: Vec<String>,
    body: String,
    /// demo_moderator rewrites the reply (kept as a revision).
    moderator_edit: Option<String>,
}

/// A demo member as an actor, with their roles.
fn demo_actor(conn: &mut DbConnection, username: &str) -> anyhow::Result<Actor> {
    let user = User::find_by_username(conn, username)?;
    let roles: Vec<Role> = User::roles(conn, user.id)?
        .iter()
        .filter_map(|r| Role::parse(r))
        .collect();
    Ok(Actor::member(user.id, &roles))
}

/// The demo community's members joined months ago and write the forum's
/// history as if over time: before each of their posts, their account's
/// age and their last post are moved back past the trust levels' first-day
/// limits and time between posts (the rules themselves apply as ever).
fn settle(conn: &mut DbConnection, member: &Actor) -> anyhow::Result<()> {
    let now = klearn_db::now();
    klearn_db::trust::PostingHistory::move_back(
        conn,
        user_id(member)?,
        Some(now - chrono::Duration::days(90)),
        now - chrono::Duration::seconds(60),
    )?;
    Ok(())
}

/// The demo forum (`forum.toml`), written by its members through the
/// forum's use cases: threads, replies, likes, accepted answers, pins. A
/// thread on a course board its author may not post on (demo_learner's
/// paid courses, when the demo runs without payments) is left out.
fn load_forum(conn: &mut DbConnection) -> anyhow::Result<(usize, usize)> {
    use crate::forum::{
        edit_post, moderate, reply, start_thread, toggle_accept, toggle_like, ForumError, ThreadAction,
        ThreadInput,
    };
    use klearn_db::courses::Course;
    use klearn_db::forum::{Board, Post};

    let data: DemoForum = toml::from_str(include_str!("forum.toml"))?;
    let moderator = demo_actor(conn, "demo_moderator")?;
    let (mut threads, mut posts) = (0, 0);
    for demo in &data.thread {
        let fail = |e: ForumError| anyhow::anyhow!("demo thread {:?}: {e}", demo.title);
        let board = match (&demo.category, &demo.course) {
            (Some(slug), _) => Board::Category(Category::find_by_slug(conn, FORUM, slug)?.id),
            (None, Some(slug)) => Board::Course(Course::find_by_slug(conn, slug)?.id),
            (None, None) => anyhow::bail!("demo thread {:?} has no board", demo.title),
        };
        let author = demo_actor(conn, &demo.author)?;
        let input = ThreadInput {
            title: crate::domain::forum::parse_title(&demo.title).map_err(|k| anyhow::anyhow!("{k}"))?,
            body: demo.body.trim().to_string(),
            kind: crate::domain::forum::parse_kind(&demo.kind).map_err(|k| anyhow::anyhow!("{k}"))?,
            tags: demo.tags.clone(),
        };
        settle(conn, &author)?;
        let thread = match start_thread(conn, &author, board, input) {
            Ok(thread) => thread,
            Err(ForumError::Forbidden(_)) => continue,
            Err(e) => return Err(fail(e)),
        };
        threads += 1;
        posts += 1;
        // Where each demo post landed: a reply its author may not write here
        // (a paid course's board when the demo runs without payments, so
        // nobody bought it) is left out, and later numbers close up.
        let mut landed: Vec<Option<i64>> = vec![Some(1)];
        let mut likes: Vec<(i64, &Vec<String>)> = vec![(1, &demo.likes)];
        for r in &demo.reply {
            let replier = demo_actor(conn, &r.author)?;
            let to = r
                .reply_to
                .and_then(|n| landed.get(n as usize - 1).copied().flatten());
            settle(conn, &replier)?;
            let post = match reply(conn, &replier, thread.id, r.body.trim().to_string(), to) {
                Ok((_, post)) => post,
                Err(ForumError::Forbidden(_)) => {
                    landed.push(None);
                    continue;
                }
                Err(e) => return Err(fail(e)),
            };
            if let Some(edit) = &r.moderator_edit {
                edit_post(conn, &moderator, post.id, edit.trim().to_string()).map_err(fail)?;
            }
            landed.push(Some(post.number));
            likes.push((post.number, &r.likes));
            posts += 1;
        }
        for (number, likers) in likes {
            let post = Post::by_number(conn, thread.id, number)?;
            for liker in likers {
                let liker = demo_actor(conn, liker)?;
                match toggle_like(conn, &liker, post.id) {
                    Ok(_) | Err(ForumError::Forbidden(_)) => {}
                    Err(e) => return Err(fail(e)),
                }
            }
        }
        if let Some(number) = demo
            .accepted
            .and_then(|n| landed.get(n as usize - 1).copied().flatten())
        {
            let post = Post::by_number(conn, thread.id, number)?;
            toggle_accept(conn, &author, post.id).map_err(fail)?;
        }
        if demo.pinned {
            moderate(conn, &moderator, thread.id, ThreadAction::Pin).map_err(fail)?;
        }
        if demo.locked {
            moderate(conn, &moderator, thread.id, ThreadAction::Lock).map_err(fail)?;
        }
    }
    Ok((threads, posts))
}

/// Notifications waiting for demo_learner, through the use cases: besides
/// what the forum, orders and learning told them already, a member mentions
/// them in an open thread, which they watch, three members like their
/// first thread's post, and they mute a busy thread; the notifications of
/// their first thread are read (visited), the rest wait. Returns how many
/// notifications demo_learner has and how many are unread.
fn load_notifications(conn: &mut DbConnection) -> anyhow::Result<(usize, usize)> {
    use crate::forum::{reply, toggle_like, ForumError};
    use crate::notifications::watching::{set_watch, thread_seen};
    use klearn_db::forum::{Post, PostLike, ThreadList};
    use klearn_db::notifications::Notification;
    use klearn_db::NotificationKind;

    let learner = demo_actor(conn, "demo_learner")?;
    let me = learner.user_id().ok_or_else(|| anyhow::anyhow!("demo_learner"))?;
    let fail = |e: ForumError| anyhow::anyhow!("demo notifications: {e}");
    let site = Category::find_by_slug(conn, FORUM, "site-feedback")?;
    // A forum thread of someone else's still open to replies (the welcome
    // thread is locked), site feedback first.
    let mut open = ThreadList {
        board: None,
        sort: klearn_db::forum::ListSort::Latest,
        before: None,
        limit: 60,
    }
    .load(conn)?;
    open.retain(|t| !t.locked && t.category_id.is_some() && t.author_id != me);
    open.sort_by_key(|t| t.category_id != Some(site.id));
    let welcome = open
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("an open forum thread in the demo"))?;
    set_watch(conn, &learner, welcome.id, klearn_db::WatchLevel::Watching)
        .map_err(|e| anyhow::anyhow!("demo watch: {e}"))?;
    let zhao = demo_actor(conn, "zhao_lei")?;
    settle(conn, &zhao)?;
    let body = "欢迎新同学 @demo_learner！有问题随时在这里提，版主和大家都会帮忙。".to_string();
    reply(conn, &zhao, welcome.id, body, None).map_err(fail)?;
    let wang = demo_actor(conn, "wang_fang")?;
    settle(conn, &wang)?;
    reply(
        conn,
        &wang,
        welcome.id,
        "这份约定很清楚，感谢版主整理。".to_string(),
        None,
    )
    .map_err(fail)?;

    // The threads others replied to demo_learner in, oldest first.
    let mut mine: Vec<klearn_db::ThreadId> = Vec::new();
    for n in Notification::page(conn, me, None, 10_000)?.iter().rev() {
        if let (NotificationKind::Reply, Some(thread)) = (n.kind, n.thread_id) {
            if !mine.contains(&thread) {
                mine.push(thread);
            }
        }
    }
    let mut own = None;
    for thread in &mine {
        let post = Post::by_number(conn, *thread, 1)?;
        if post.author_id == me {
            own = Some((*thread, post));
            break;
        }
    }
    if let Some((first, post)) = &own {
        let (first, post) = (first, post.clone());
        for name in ["nina_weber", "sarah_kim", "li_ming"] {
            let liker = demo_actor(conn, name)?;
            // A demo member who liked it already would take the like back.
            if !PostLike::liked_among(conn, liker.user_id().unwrap_or(me), &[post.id])?.is_empty() {
                continue;
            }
            match toggle_like(conn, &liker, post.id) {
                Ok(_) | Err(ForumError::Forbidden(_)) => {}
                Err(e) => return Err(fail(e)),
            }
        }
        thread_seen(conn, me, *first)?;
    }
    if let Some(busy) = mine
        .iter()
        .find(|t| own.as_ref().is_none_or(|(first, _)| first != *t))
    {
        set_watch(conn, &learner, *busy, klearn_db::WatchLevel::Muted)
            .map_err(|e| anyhow::anyhow!("demo mute: {e}"))?;
    }
    let all = Notification::page(conn, me, None, 10_000)?;
    let unread = all.iter().filter(|n| !n.is_read()).count();
    Ok((all.len(), unread))
}

/// The newcomer of the demo, who joined minutes ago (trust level 0).
const NEWCOMER: &str = "demo_newcomer";

/// Trust levels and the moderation queue, through the real use cases: the
/// members' reading goes through the reading tracker (page views spread
/// over past days, then one flush), which promotes them to levels 1 and 2;
/// demo_moderator grants levels 3 and 4; demo_newcomer (level 0) has a
/// post with a link held for review and a thread that two members' flags
/// hid. Returns the reports left open.
fn load_moderation(conn: &mut DbConnection, hash: &str) -> anyhow::Result<usize> {
    use crate::domain::trust::TrustLevel;
    use crate::forum::reading::Reading;
    use crate::forum::reports::{flag_post, FlagInput};
    use crate::forum::trust::grant;
    use crate::forum::{reply, start_thread, ThreadInput};
    use klearn_db::forum::{Board, ListSort, ThreadList};
    use klearn_db::{FlagReason, ThreadKind};

    let moderator = demo_actor(conn, "demo_moderator")?;
    let threads = ThreadList {
        board: None,
        sort: ListSort::Latest,
        before: None,
        limit: 40,
    }
    .load(conn)?;
    // Reading: a page view about every 90 s, on as many past days as each
    // member is meant to have visited, over every demo thread.
    let readers: [(&str, i64, i64); 5] = [
        ("demo_learner", 16, 8),
        ("zhao_lei", 16, 8),
        ("wu_hao", 16, 8),
        ("kevin_tan", 3, 2),
        ("li_ming", 3, 2),
    ];
    let reading = Reading::new();
    let start = klearn_db::now() - chrono::Duration::days(20);
    for (name, days, rounds) in readers {
        let member = user_id(&demo_actor(conn, name)?)?;
        for day in 0..days {
            let mut at = start + chrono::Duration::days(day);
            for _ in 0..rounds {
                for thread in &threads {
                    at += chrono::Duration::seconds(90);
                    reading.note(member, thread.id, thread.last_number, thread.last_number, at);
                }
            }
        }
    }
    reading.flush(conn)?;
    let fail = |e: crate::forum::ForumError| anyhow::anyhow!("demo moderation: {e}");
    for (name, level) in [
        ("nina_weber", TrustLevel::Regular),
        ("sarah_kim", TrustLevel::Leader),
    ] {
        let member = user_id(&demo_actor(conn, name)?)?;
        grant(conn, &moderator, member, Some(level)).map_err(fail)?;
    }

    // demo_newcomer, minutes old: a thread the flags hide, a reply held for its link.
    let username = Username::parse(NEWCOMER).map_err(|k| anyhow::anyhow!("{k}"))?;
    let email = Email::parse(&format!("{NEWCOMER}@example.com")).map_err(|k| anyhow::anyhow!("{k}"))?;
    create_verified_account(conn, &username, &email, hash, "新来的小白", &[], "demo community")?;
    let newcomer = demo_actor(conn, NEWCOMER)?;
    let general = Board::Category(Category::find_by_slug(conn, FORUM, "general")?.id);
    let spam = ThreadInput {
        title: "低价出售全套课程资料，私信我".into(),
        body: "全站课程打包，比官网便宜九成，加我微信私聊。\n\nAll courses bundled, 90% off, message me."
            .into(),
        kind: ThreadKind::Discussion,
        tags: Vec::new(),
    };
    let spam = start_thread(conn, &newcomer, general, spam).map_err(fail)?;
    let first = klearn_db::forum::Post::by_number(conn, spam.id, 1)?;
    for flagger in ["zhao_lei", "wu_hao"] {
        let flagger = demo_actor(conn, flagger)?;
        let input = FlagInput {
            reason: FlagReason::Spam,
            note: String::new(),
        };
        flag_post(conn, &flagger, first.id, input).map_err(fail)?;
    }
    let now = klearn_db::now();
    klearn_db::trust::PostingHistory::move_back(
        conn,
        user_id(&newcomer)?,
        None,
        now - chrono::Duration::seconds(60),
    )?;
    let asked = threads
        .iter()
        .find(|t| !t.locked && t.category_id.is_some())
        .ok_or_else(|| anyhow::anyhow!("demo moderation: no open thread"))?;
    let link = "我也遇到过，这篇文章讲得很清楚：https://example.com/rust-borrowing-explained\n\nThis article explains it well.";
    reply(conn, &newcomer, asked.id, link.into(), None).map_err(fail)?;
    let open = klearn_db::reports::Report::count_open(conn, klearn_db::ReportKind::Held)?
        + klearn_db::reports::Report::count_open(conn, klearn_db::ReportKind::Flagged)?;
    Ok(open as usize)
}

/// Learning tasks in every state, through the learners' and the expert's
/// use cases: demo_learner completes the free Docker course (both tasks
/// passed, one shared on the board) and holds its certificate; on the
/// machine-learning course demo_learner's first task came back for rework,
/// and other members' work waits for grading, came back, or passed.
fn load_learning(conn: &mut DbConnection, services: &Services) -> anyhow::Result<(usize, usize)> {
    use crate::learn::completion;
    use crate::learn::progress::{complete, enroll, open_lesson};
    use crate::learn::tasks::{grade, hand_in, share, GradeInput, HandIn};
    use klearn_db::courses::{Audience, Course, Lesson};

    let fail = |e: crate::learn::progress::LearnError| anyhow::anyhow!("demo learning: {e}");
    let expert = demo_actor(conn, "demo_expert")?;
    let lessons = |conn: &mut DbConnection, slug: &str| -> anyhow::Result<Vec<Lesson>> {
        let course = Course::find_by_slug(conn, slug)?;
        Ok(Lesson::outline(conn, course.id, Audience::Learners)?
            .lessons()
            .cloned()
            .collect())
    };
    let mut handed_in = 0;
    let mut work =
        |conn: &mut DbConnection, who: &Actor, slug: &str, lesson: &Lesson, answer: &str, link: &str| {
            open_lesson(conn, Some(who), slug, lesson.id).map_err(fail)?;
            let input = HandIn {
                answer: answer.into(),
                link: link.into(),
                file: None,
            };
            handed_in += 1;
            hand_in(conn, services, who, slug, lesson.id, input).map_err(fail)
        };
    let mark = |outcome: &str, score: &str, feedback: &str| GradeInput {
        outcome: outcome.into(),
        score: score.into(),
        feedback: feedback.into(),
    };

    // demo_learner completes the Docker course.
    let docker = "docker-essentials-for-backend-developers";
    let learner = demo_actor(conn, "demo_learner")?;
    enroll(conn, &learner, docker).map_err(fail)?;
    let steps = lessons(conn, docker)?;
    for lesson in &steps {
        open_lesson(conn, Some(&learner), docker, lesson.id).map_err(fail)?;
        complete(conn, &learner, docker, lesson.id, true).map_err(fail)?;
    }
    let tasks: Vec<&Lesson> = steps.iter().filter(|l| l.task_kind.is_some()).collect();
    let mut shared = None;
    for lesson in &tasks {
        let (answer, link) = if lesson.task_kind.as_deref() == Some("link") {
            (
                "镜像从 1.1 GB 降到 38 MB：多阶段构建 + distroless，非 root 运行，CI 里用 Trivy 扫描。\n\nFrom 1.1 GB to 38 MB: multi-stage build, distroless base, non-root user, Trivy in CI.",
                "https://git.example.com/xiaozhou/docker-hardening",
            )
        } else {
            (
                "把 `COPY requirements.txt` 和 `pip install` 放在 `COPY . .` 之前，改代码时依赖层就能命中缓存。\n\nCopy the dependency manifest and install before copying the source, so code changes keep the dependency layer cached.",
                "",
            )
        };
        let s = work(conn, &learner, docker, lesson, answer, link)?;
        let feedback = "思路清晰，层的顺序和 `.dockerignore` 都考虑到了。\n\nClear reasoning; layer order and `.dockerignore` both covered.";
        grade(conn, services, &expert, s.id, &mark("pass", "92", feedback)).map_err(fail)?;
        if lesson.task_kind.as_deref() == Some("link") {
            shared = Some(s.id);
        }
    }
    if let Some(id) = shared {
        settle(conn, &learner)?;
        share(conn, services, &learner, id).map_err(fail)?;
    }
    let docker_id = Course::find_by_slug(conn, docker)?.id;
    let learner_id = learner.user_id().expect("a member");
    let certificates = completion::issue(conn, services, learner_id, docker_id)?.map_or(0, |_| 1);

    // The machine-learning course: work in every state.
    let ml = "ml-linear-regression-from-scratch";
    let ml_lessons = lessons(conn, ml)?;
    let first_task = ml_lessons
        .iter()
        .find(|l| l.task_kind.is_some())
        .ok_or_else(|| anyhow::anyhow!("the ML course has a task"))?;
    let s = work(
        conn,
        &learner,
        ml,
        first_task,
        "MSE 随 w 变化是一条开口向上的抛物线，最低点在 w ≈ 3.2 附近。\n\nThe MSE over w is an upward parabola with its lowest point near w ≈ 3.2.",
        "",
    )?;
    let note = "形状说对了。还差题目的后半部分：这条曲线对“如何寻找最优 w”有什么启发？（提示：凸、只有一个最低点、斜率指向哪边。）\n\nThe shape is right. The second half is missing: what does the curve tell you about how to find the best w? (Hint: convex, one minimum, which way the slope points.)";
    grade(conn, services, &expert, s.id, &mark("rework", "", note)).map_err(fail)?;
    let others = [
        ("wu_hao", "waiting", "抛物线，最低点在 3.2 左右。因为是凸函数，沿着斜率下降的方向一直走就能到最低点。\n\nA parabola with its minimum near 3.2; it is convex, so following the slope downhill always reaches the minimum."),
        ("kevin_tan", "passed", "The curve is a convex parabola, lowest near w = 3.2. One minimum and a slope that always points away from it: step against the slope and shrink the step as it flattens. That is gradient descent."),
        ("zhou_ting", "returned", "曲线先下降后上升。"),
    ];
    for (who, outcome, answer) in others {
        let member = demo_actor(conn, who)?;
        enroll(conn, &member, ml).map_err(fail)?;
        let s = work(conn, &member, ml, first_task, answer, "")?;
        match outcome {
            "passed" => {
                let feedback = "完整又准确，已经预告了下一章的梯度下降。\n\nComplete and precise; you have already described next chapter's gradient descent.";
                grade(conn, services, &expert, s.id, &mark("pass", "88", feedback)).map_err(fail)?;
            }
            "returned" => {
                let note = "请给出几个 w 对应的 MSE 数值，说明最低点大约在哪里，并回答题目的后半部分。\n\nGive a few (w, MSE) values, say roughly where the minimum is, and answer the second half of the task.";
                grade(conn, services, &expert, s.id, &mark("rework", "", note)).map_err(fail)?;
            }
            _ => {}
        }
    }
    Ok((handed_in, certificates))
}

#[derive(Debug, Deserialize)]
struct DemoFeedback {
    item: Vec<DemoFeedbackItem>,
}

/// One item of `feedback.toml`.
#[derive(Debug, Deserialize)]
struct DemoFeedbackItem {
    author: Option<String>,
    guest_email: Option<String>,
    kind: String,
    #[serde(default)]
    page_url: String,
    body: String,
    state: String,
    #[serde(default)]
    note: String,
}

/// The demo's feedback (`feedback.toml`), filed by members and a guest and
/// triaged by demo_moderator through the use cases.
fn load_feedback(conn: &mut DbConnection, services: &Services) -> anyhow::Result<usize> {
    use crate::domain::feedback::{parse_kind, parse_state};
    use crate::feedback::{file_feedback, triage, FeedbackInput, Filer};

    let data: DemoFeedback = toml::from_str(include_str!("feedback.toml"))?;
    let moderator = demo_actor(conn, "demo_moderator")?;
    for demo in &data.item {
        let fail = |e: String| anyhow::anyhow!("demo feedback {:?}: {e}", demo.body.trim());
        let filer = match (&demo.author, &demo.guest_email) {
            (Some(name), _) => Filer::Member(User::find_by_username(conn, name)?.id),
            (None, Some(email)) => Filer::Guest {
                email: Email::parse(email).map_err(|k| fail(k.into()))?,
                // The demo's own bucket: no visitor's address is counted.
                ip: "demo".into(),
            },
            (None, None) => return Err(fail("no author".into())),
        };
        let input = FeedbackInput {
            kind: parse_kind(&demo.kind).map_err(|k| fail(k.into()))?,
            page_url: demo.page_url.clone(),
            body: demo.body.clone(),
        };
        let item = file_feedback(conn, &filer, input).map_err(|e| fail(e.to_string()))?;
        let state = parse_state(&demo.state).map_err(|k| fail(k.into()))?;
        if state != item.state {
            triage(conn, services, &moderator, item.id, state, &demo.note)
                .map_err(|e| fail(e.to_string()))?;
        }
    }
    Ok(data.item.len())
}

#[derive(Debug, Deserialize)]
struct DemoReviews {
    review: Vec<DemoReview>,
}

#[derive(Debug, Deserialize)]
struct DemoReview {
    course: String,
    author: String,
    rating: i64,
    title: String,
    body: String,
    days_ago: i64,
    #[serde(default)]
    helpful: Vec<String>,
    reply: Option<String>,
    hidden: Option<String>,
}

/// The demo's course reviews (`reviews.toml`), each written as the site
/// would take it: its author enrolls in the free course, or buys the paid
/// one through checkout and the sandbox provider (without a payment
/// provider that review is left out), opens the first lesson and writes the
/// review; others mark it helpful, the course's expert replies, and
/// demo_moderator hides the one that is an advertisement. Returns (reviews,
/// hidden).
fn load_reviews(conn: &mut DbConnection, services: &Services) -> anyhow::Result<(usize, usize)> {
    use crate::checkout::sandbox::{settle, Outcome};
    use crate::checkout::{handle_event, place_order, Basket};
    use crate::domain::review::{parse_body, parse_title, Rating};
    use crate::learn::progress::{enroll, open_lesson};
    use crate::reviews::{hide_review, reply, toggle_helpful, write_review, ReviewError, ReviewInput};
    use klearn_db::courses::{Audience, Course, Lesson};
    use klearn_db::enrollments::Enrollment;

    let data: DemoReviews = toml::from_str(include_str!("reviews.toml"))?;
    let moderator = demo_actor(conn, "demo_moderator")?;
    let (mut written, mut hidden) = (0, 0);
    for demo in &data.review {
        let what = format!("demo review of {} by {}", demo.course, demo.author);
        let fail = |e: ReviewError| anyhow::anyhow!("{what}: {e}");
        let problem = |key: &str| anyhow::anyhow!("{what}: {key}");
        let course = Course::find_by_slug(conn, &demo.course)?;
        let author = demo_actor(conn, &demo.author)?;
        let learner = author.user_id().ok_or_else(|| problem("no author"))?;
        if !Enrollment::is_enrolled(conn, learner, course.id)? {
            if course.price_cents == 0 {
                enroll(conn, &author, &course.slug).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
            } else {
                let Some(provider) = services.payments.clone() else {
                    continue;
                };
                let buy = |e: crate::checkout::CheckoutError| anyhow::anyhow!("{what}: {e}");
                let placed = place_order(conn, services, &author, Basket::Course(course.id)).map_err(buy)?;
                let payment = placed.payment.ok_or_else(|| problem("no payment"))?;
                let (_, event) = settle(conn, &author, payment, Outcome::Pay).map_err(buy)?;
                handle_event(conn, services, provider.as_ref(), &event).map_err(buy)?;
            }
        }
        let first = Lesson::outline(conn, course.id, Audience::Learners)?
            .lessons()
            .next()
            .map(|l| l.id)
            .ok_or_else(|| problem("no lesson"))?;
        open_lesson(conn, Some(&author), &course.slug, first).map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        let input = ReviewInput {
            rating: Rating::parse(&demo.rating.to_string()).map_err(problem)?,
            title: parse_title(&demo.title).map_err(problem)?,
            body: parse_body(&demo.body).map_err(problem)?,
        };
        let (_, review) = write_review(conn, &author, &course.slug, input).map_err(fail)?;
        written += 1;
        for voter in &demo.helpful {
            let voter = demo_actor(conn, voter)?;
            toggle_helpful(conn, &voter, review.id).map_err(fail)?;
        }
        if let Some(text) = &demo.reply {
            let expert = Actor::member(course.owner_id, &[Role::Expert]);
            reply(conn, &expert, review.id, text).map_err(fail)?;
        }
        klearn_db::reviews::Review::backdate(
            conn,
            review.id,
            klearn_db::now() - chrono::Duration::days(demo.days_ago),
        )?;
        if let Some(reason) = &demo.hidden {
            hide_review(conn, services, &moderator, review.id, reason).map_err(fail)?;
            hidden += 1;
        }
    }
    // As the daily refresh would: the site's mean from these ratings.
    Course::refresh_rating_scores(conn)?;
    Ok((written, hidden))
}
