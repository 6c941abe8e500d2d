//! Held posts and flags, and the moderation queue: a new account's link is
//! held, invisible to others and out of lists, counters and search until a
//! moderator approves it; flags weigh by level and accuracy and hide a post
//! at the threshold (a moderator's at once); each decision of the queue with
//! its audit row and notifications; resolving twice; who may do none of it.

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn::forum::{start_thread, ThreadInput};
use klearn_db::categories::{Category, FORUM};
use klearn_db::diesel::prelude::*;
use klearn_db::forum::{Board, Post, Thread};
use klearn_db::reports::Report;
use klearn_db::schema::{audit_log, notifications, post_flags, reports, users};
use klearn_db::users::User;
use klearn_db::{PostId, PostState, ReportId, ThreadKind, UserId};

use crate::common::{unique, Client, TestApp, TestUser};

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

async fn moderator(app: &TestApp) -> (TestUser, Client) {
    let user = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// A member at `level`, as the trust rules keep it on their row.
async fn at_level(app: &TestApp, prefix: &str, level: i64) -> (TestUser, Client) {
    let (user, c) = member(app, prefix).await;
    app.wait_out_posting(user.id).await;
    app.db(move |conn| {
        diesel::update(users::table.find(user.id))
            .set(users::trust_level.eq(level))
            .execute(conn)
            .unwrap();
    })
    .await;
    (user, c)
}

async fn thread_by(app: &TestApp, author: UserId, title: &str) -> Thread {
    let board = app
        .db(|conn| Board::Category(Category::find_by_slug(conn, FORUM, "general").unwrap().id))
        .await;
    app.wait_out_posting(author).await;
    let title = title.to_string();
    app.db(move |conn| {
        let input = ThreadInput {
            title,
            body: "A first post without links.".into(),
            kind: ThreadKind::Discussion,
            tags: vec![],
        };
        start_thread(conn, &Actor::member(author, &[]), board, input).unwrap()
    })
    .await
}

fn url(t: &Thread) -> String {
    format!("/t/{}/{}", t.id, t.slug)
}

async fn post(app: &TestApp, thread: &Thread, number: i64) -> Post {
    let id = thread.id;
    app.db(move |conn| Post::by_number(conn, id, number).unwrap())
        .await
}

async fn report_of(app: &TestApp, post: PostId) -> Report {
    app.db(move |conn| {
        let id: ReportId = reports::table
            .filter(reports::post_id.eq(post))
            .order(reports::id.desc())
            .select(reports::id)
            .first(conn)
            .unwrap();
        Report::find(conn, id).unwrap()
    })
    .await
}

async fn moderation_notices(app: &TestApp, user: UserId) -> Vec<String> {
    app.db(move |conn| {
        notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::kind.eq("moderation"))
            .order(notifications::id)
            .select(notifications::detail)
            .load::<String>(conn)
            .unwrap()
    })
    .await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.db(|conn| {
        audit_log::table
            .order(audit_log::id)
            .select(audit_log::action)
            .load::<String>(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_new_accounts_link_is_held_out_of_sight_until_a_moderator_approves_it() {
    let app = TestApp::spawn().await;
    let (old, _) = member(&app, "old").await;
    let t = thread_by(&app, old.id, "Where to learn about lifetimes").await;
    let (newbie, c) = member(&app, "newbie").await;
    c.get(&url(&t)).await;
    let body = "This helped me: https://lifetimes.example/guide";
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", body)])
        .await;
    assert_eq!(res.status, 303);
    let held = post(&app, &t, 2).await;
    assert_eq!(held.state, PostState::Held);
    // Its author sees it with a note; a guest and another member do not.
    let mine = c.get(&url(&t)).await;
    assert!(mine.text().contains("lifetimes.example"));
    assert_eq!(mine.select(".post-held-note").len(), 1);
    let other = app.new_client().get(&url(&t)).await;
    assert!(!other.text().contains("lifetimes.example"));
    // Not counted, not in search.
    let thread_now = app.db(move |conn| Thread::find(conn, t.id).unwrap()).await;
    assert_eq!(thread_now.replies_count, 0);
    assert_eq!(thread_now.last_poster_id, old.id);
    let found = app.new_client().get("/forum?q=lifetimes.example").await;
    assert!(!found.text().contains("Where to learn about lifetimes"));
    // A new account's first thread with a link is held with its thread.
    c.get("/forum/general/new").await;
    app.db(move |conn| {
        klearn_db::trust::PostingHistory::move_back(
            conn,
            newbie.id,
            None,
            klearn_db::now() - chrono::Duration::seconds(40),
        )
        .unwrap();
    })
    .await;
    let res = c
        .post_form(
            "/forum/general/new",
            &[
                ("title", "Cheap course dumps here"),
                ("body", &format!("https://dumps.example ask @{}", old.username)),
                ("kind", "discussion"),
                ("tags", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let list = app.new_client().get("/forum/general").await;
    assert!(!list.text().contains("Cheap course dumps here"));
    // Nobody hears of a held post: the member it mentions is not told yet.
    let mentions = app
        .db(move |conn| {
            notifications::table
                .filter(notifications::user_id.eq(old.id))
                .filter(notifications::kind.eq("mention"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(mentions, 0);
    let location = res.location().unwrap().to_string();
    assert_eq!(c.get(&location).await.status, 200);
    assert_eq!(app.new_client().get(&location).await.status, 404);

    // The queue shows it; the moderator approves (disagrees with the hold).
    let (_, m) = moderator(&app).await;
    let queue = m.get("/admin/reports").await;
    assert_eq!(queue.status, 200);
    assert!(queue.text().contains("lifetimes.example"));
    let report = report_of(&app, held.id).await;
    let res = m
        .post_form(
            &format!("/admin/reports/{}/resolve", report.id),
            &[("action", "disagree")],
        )
        .await;
    assert_eq!(res.status, 303);
    let shown = app.new_client().get(&url(&t)).await;
    assert!(shown.text().contains("lifetimes.example"));
    let thread_now = app.db(move |conn| Thread::find(conn, t.id).unwrap()).await;
    assert_eq!(thread_now.replies_count, 1);
    assert_eq!(thread_now.last_poster_id, newbie.id);
    let found = app.new_client().get("/forum?q=lifetimes").await;
    assert!(found.text().contains("Where to learn about lifetimes"));
    assert_eq!(
        moderation_notices(&app, newbie.id).await,
        vec!["restore".to_string()]
    );
    // The author reads it in words, naming the thread.
    let told = c.get("/notifications?lang=en").await;
    assert!(told
        .text()
        .contains("A moderator approved your post in “Where to learn about lifetimes”"));
    // The thread's author heard of the reply once it showed.
    let replies = app
        .db(move |conn| {
            notifications::table
                .filter(notifications::user_id.eq(old.id))
                .filter(notifications::kind.eq("reply"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(replies, 1);
    // Resolving it again is a conflict with a message.
    m.get("/admin/reports").await;
    let again = m
        .post_form(
            &format!("/admin/reports/{}/resolve", report.id),
            &[("action", "ignore")],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(audit_actions(&app)
        .await
        .contains(&"report.disagreed".to_string()));
}

async fn flag(c: &Client, t: &Thread, post: PostId, reason: &str, note: &str) -> crate::common::Response {
    c.get(&url(t)).await;
    c.post_form(
        &format!("/posts/{post}/report"),
        &[("reason", reason), ("note", note)],
    )
    .await
}

#[tokio::test]
async fn flags_weigh_by_level_and_accuracy_and_hide_at_the_threshold() {
    let app = TestApp::spawn().await;
    let (author, ac) = member(&app, "author").await;
    let t = thread_by(&app, author.id, "A post to be flagged").await;
    let first = post(&app, &t, 1).await;
    // Who may not flag: guests, the unverified, level 0, the author.
    let guest = app.new_client();
    let res = flag(&guest, &t, first.id, "spam", "").await;
    assert!(matches!(res.status, 303 | 403), "{}", res.status);
    let unverified = app.user(&unique("unv")).create().await;
    let uc = app.new_client();
    uc.login(&unverified.username, &unverified.password).await;
    assert_eq!(flag(&uc, &t, first.id, "spam", "").await.status, 403);
    let (_, zero) = member(&app, "zero").await;
    assert_eq!(flag(&zero, &t, first.id, "spam", "").await.status, 403);
    assert_eq!(flag(&ac, &t, first.id, "spam", "").await.status, 403);

    // "Other" needs a note: the form comes back with the reason chosen.
    let (one, c1) = at_level(&app, "one", 1).await;
    let res = flag(&c1, &t, first.id, "other", "").await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.attrs("input[name=reason][checked]", "value"),
        vec!["other".to_string()]
    );
    // Level 1 weighs 2; flagging twice is refused.
    assert_eq!(flag(&c1, &t, first.id, "spam", "").await.status, 303);
    assert_eq!(flag(&c1, &t, first.id, "offensive", "").await.status, 409);
    let report = report_of(&app, first.id).await;
    assert_eq!(report.flags_weight, 2);
    // A level 2 member whose flags were mostly disagreed with weighs 1, not 3.
    let (careless, c2) = at_level(&app, "careless", 2).await;
    app.db(move |conn| {
        klearn_db::trust::MemberActivity::add(
            conn,
            careless.id,
            &klearn_db::trust::ActivityDelta {
                flags_agreed: 1,
                flags_disagreed: 3,
                ..Default::default()
            },
        )
        .unwrap();
    })
    .await;
    assert_eq!(flag(&c2, &t, first.id, "off_topic", "").await.status, 303);
    assert_eq!(report_of(&app, first.id).await.flags_weight, 3);
    assert_eq!(post(&app, &t, 1).await.state, PostState::Visible);
    // A careful level 2 member weighs 3: 6 reaches the threshold of 5.
    let (_, c3) = at_level(&app, "careful", 2).await;
    assert_eq!(
        flag(&c3, &t, first.id, "other", "copied from a blog")
            .await
            .status,
        303
    );
    assert_eq!(report_of(&app, first.id).await.flags_weight, 6);
    assert_eq!(post(&app, &t, 1).await.state, PostState::Hidden);
    // Hidden: out of the list, its author still sees it with a note.
    assert!(!app
        .new_client()
        .get("/forum/general")
        .await
        .text()
        .contains("A post to be flagged"));
    let mine = ac.get(&url(&t)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.select(".post-hidden-note").len(), 1);
    assert_eq!(
        moderation_notices(&app, author.id).await,
        vec!["hidden".to_string()]
    );
    let weights = app
        .db(move |conn| {
            post_flags::table
                .filter(post_flags::post_id.eq(first.id))
                .order(post_flags::id)
                .select(post_flags::weight)
                .load::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(weights, vec![2, 1, 3]);
    let _ = one;

    // A moderator's flag hides at once.
    let t2 = thread_by(&app, author.id, "Another post").await;
    let second = post(&app, &t2, 1).await;
    let (_, m) = moderator(&app).await;
    assert_eq!(flag(&m, &t2, second.id, "offensive", "").await.status, 303);
    assert_eq!(post(&app, &t2, 1).await.state, PostState::Hidden);
    assert_eq!(report_of(&app, second.id).await.flags_weight, 5);
}

/// A thread whose first post carries flags from two level 2 members (hidden).
async fn flagged_thread(app: &TestApp, author: UserId, title: &str) -> (Thread, Post, Vec<TestUser>) {
    let t = thread_by(app, author, title).await;
    let first = post(app, &t, 1).await;
    let mut flaggers = Vec::new();
    for name in ["f1", "f2"] {
        let (f, c) = at_level(app, name, 2).await;
        assert_eq!(flag(&c, &t, first.id, "spam", "").await.status, 303);
        flaggers.push(f);
    }
    (t, first, flaggers)
}

async fn flag_record(app: &TestApp, user: UserId) -> (i64, i64) {
    app.db(move |conn| {
        let row = klearn_db::trust::MemberActivity::of(conn, user).unwrap();
        (row.flags_agreed, row.flags_disagreed)
    })
    .await
}

#[tokio::test]
async fn each_decision_of_the_queue_is_applied_audited_and_told() {
    let app = TestApp::spawn().await;
    let (author, _) = member(&app, "author").await;
    let (_, m) = moderator(&app).await;
    let resolve = |id: ReportId| format!("/admin/reports/{id}/resolve");

    // Agree, delete, and silence the author for 3 days.
    let (t, first, flaggers) = flagged_thread(&app, author.id, "Delete me please").await;
    let report = report_of(&app, first.id).await;
    m.get("/admin/reports").await;
    // A bad silence comes back with the value typed.
    let res = m
        .post_form(
            &resolve(report.id),
            &[("action", "agree"), ("outcome", "delete"), ("silence_days", "-2")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.attrs(&format!("#silence-{}", report.id), "value"),
        vec!["-2".to_string()]
    );
    let res = m
        .post_form(
            &resolve(report.id),
            &[("action", "agree"), ("outcome", "delete"), ("silence_days", "3")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(post(&app, &t, 1).await.state, PostState::Deleted);
    let deleted = app.db(move |conn| Thread::find(conn, t.id).unwrap()).await;
    assert_eq!(deleted.state, PostState::Deleted);
    let row = app.db(move |conn| User::find(conn, author.id).unwrap()).await;
    assert!(row.silenced_until.is_some_and(|u| u > klearn_db::now()));
    for f in &flaggers {
        assert_eq!(flag_record(&app, f.id).await, (1, 0));
        assert_eq!(moderation_notices(&app, f.id).await, vec!["delete".to_string()]);
    }
    assert!(moderation_notices(&app, author.id)
        .await
        .contains(&"delete".to_string()));
    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"report.agreed".to_string()));
    assert!(actions.contains(&"user.silence".to_string()));
    app.db(move |conn| klearn_db::trust::Standing::silence(conn, author.id, None).unwrap())
        .await;

    // Disagree: the hidden post shows again, the flaggers' record counts it.
    let (t, first, flaggers) = flagged_thread(&app, author.id, "Restore me please").await;
    let report = report_of(&app, first.id).await;
    m.get("/admin/reports").await;
    assert_eq!(
        m.post_form(&resolve(report.id), &[("action", "disagree")])
            .await
            .status,
        303
    );
    assert_eq!(post(&app, &t, 1).await.state, PostState::Visible);
    assert!(app
        .new_client()
        .get("/forum/general")
        .await
        .text()
        .contains("Restore me please"));
    for f in &flaggers {
        assert_eq!(flag_record(&app, f.id).await, (0, 1));
    }

    // Agree and hide, suspending the author through the suspension use case.
    let (t, first, _) = flagged_thread(&app, author.id, "Hide me and suspend").await;
    let report = report_of(&app, first.id).await;
    m.get("/admin/reports").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    let res = m
        .post_form(
            &resolve(report.id),
            &[
                ("action", "agree"),
                ("outcome", "hide"),
                ("suspend_until", &until),
                ("suspend_reason", "spam"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(post(&app, &t, 1).await.state, PostState::Hidden);
    let row = app.db(move |conn| User::find(conn, author.id).unwrap()).await;
    assert!(row.suspended_at(klearn_db::now()).is_some());
    assert!(audit_actions(&app).await.contains(&"user.suspend".to_string()));
    app.db(move |conn| klearn_db::users::User::unsuspend(conn, author.id).unwrap())
        .await;

    // Ignore: the report closes, the post stays as it is, flags judged neither way.
    let (t, first, flaggers) = flagged_thread(&app, author.id, "Ignore this report").await;
    let report = report_of(&app, first.id).await;
    m.get("/admin/reports").await;
    assert_eq!(
        m.post_form(&resolve(report.id), &[("action", "ignore")])
            .await
            .status,
        303
    );
    assert_eq!(post(&app, &t, 1).await.state, PostState::Hidden);
    assert_eq!(report_of(&app, first.id).await.state.as_str(), "ignored");
    assert_eq!(flag_record(&app, flaggers[0].id).await, (0, 0));
    assert!(audit_actions(&app).await.contains(&"report.ignored".to_string()));

    // The dashboard counts the day's decisions.
    let dash = m.get("/admin").await;
    assert_eq!(dash.texts("#stat-reports-resolved"), vec!["4".to_string()]);
}

#[tokio::test]
async fn only_moderators_reach_the_queue_and_thread_actions_tell_the_author() {
    let app = TestApp::spawn().await;
    let (author, c) = member(&app, "author").await;
    let (t, first, _) = flagged_thread(&app, author.id, "A queued post").await;
    let report = report_of(&app, first.id).await;
    let path = format!("/admin/reports/{}/resolve", report.id);
    assert_eq!(c.get("/admin/reports").await.status, 403);
    c.get("/forum").await;
    assert_eq!(c.post_form(&path, &[("action", "disagree")]).await.status, 403);
    let guest = app.new_client();
    assert!(matches!(guest.get("/admin/reports").await.status, 303 | 403));
    assert_eq!(report_of(&app, first.id).await.state.as_str(), "open");
    // Thread actions tell the thread's author; a locked thread refuses replies.
    let (_, m) = moderator(&app).await;
    let (replier, rc) = member(&app, "replier").await;
    app.wait_out_posting(replier.id).await;
    let open = thread_by(&app, author.id, "Lock me").await;
    m.get(&url(&open)).await;
    assert_eq!(
        m.post_form(&format!("/t/{}/moderate", open.id), &[("action", "lock")])
            .await
            .status,
        303
    );
    assert!(moderation_notices(&app, author.id)
        .await
        .contains(&"thread.lock".to_string()));
    let page = rc.get(&url(&open)).await;
    assert!(page.select("#reply form").is_empty());
    let res = rc
        .post_form(&format!("/t/{}/replies", open.id), &[("body", "anyway")])
        .await;
    assert_eq!(res.status, 409);
    assert!(!res.text().is_empty());
    let _ = t;
}
