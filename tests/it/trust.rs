//! Trust levels: reading tracked from thread pages and written only at a
//! flush; each threshold of levels 1 and 2 (one short stays, reaching it
//! promotes); the level-0 posting limits through the pages with their
//! status, message and the text kept; 15 s at level 1; silenced members;
//! moderators' grants of levels 3 and 4 from the admin user page.

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn::forum::{reply, start_thread, ThreadInput};
use klearn_db::categories::{Category, FORUM};
use klearn_db::diesel::prelude::*;
use klearn_db::forum::{Board, Thread};
use klearn_db::schema::{member_activity, posts, thread_reads, users};
use klearn_db::trust::MemberActivity;
use klearn_db::users::User;
use klearn_db::{ThreadKind, UserId};

use crate::common::{unique, Client, TestApp, TestUser};

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// A thread with `replies` replies, written by an old hand.
async fn thread_with(app: &TestApp, replies: usize) -> Thread {
    let author = app.user(&unique("old")).verified().create().await;
    let board = app
        .db(|conn| Board::Category(Category::find_by_slug(conn, FORUM, "general").unwrap().id))
        .await;
    app.wait_out_posting(author.id).await;
    let id = author.id;
    let thread = app
        .db(move |conn| {
            let input = ThreadInput {
                title: "A thread to read".into(),
                body: "The first post.".into(),
                kind: ThreadKind::Discussion,
                tags: vec![],
            };
            start_thread(conn, &Actor::member(id, &[]), board, input).unwrap()
        })
        .await;
    for i in 0..replies {
        app.wait_out_posting(author.id).await;
        let t = thread.id;
        app.db(move |conn| reply(conn, &Actor::member(id, &[]), t, format!("reply {i}"), None).unwrap())
            .await;
    }
    app.db(move |conn| Thread::find(conn, thread.id).unwrap()).await
}

fn url(t: &Thread) -> String {
    format!("/t/{}/{}", t.id, t.slug)
}

/// Sets a member's activity figures (likes received on the users row).
async fn arrange(app: &TestApp, user: UserId, figures: [i64; 7]) {
    let [entered, read, seconds, days, given, received, replied] = figures;
    app.db(move |conn| {
        MemberActivity::add(conn, user, &klearn_db::trust::ActivityDelta::default()).unwrap();
        diesel::update(member_activity::table.find(user))
            .set((
                member_activity::threads_entered.eq(entered),
                member_activity::posts_read.eq(read),
                member_activity::reading_seconds.eq(seconds),
                member_activity::days_visited.eq(days),
                member_activity::likes_given.eq(given),
                member_activity::threads_replied.eq(replied),
            ))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.find(user))
            .set((users::likes_received.eq(received), users::trust_level.eq(0)))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn level_after_reevaluation(app: &TestApp, user: UserId) -> i64 {
    app.db(move |conn| {
        klearn_db::write_tx(conn, |conn| klearn::forum::trust::reevaluate(conn, user)).unwrap();
        User::find(conn, user).unwrap().trust_level
    })
    .await
}

async fn level(app: &TestApp, user: UserId) -> i64 {
    app.db(move |conn| User::find(conn, user).unwrap().trust_level)
        .await
}

async fn reads(app: &TestApp, id: UserId) -> i64 {
    app.db(move |conn| {
        thread_reads::table
            .filter(thread_reads::user_id.eq(id))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn thread_views_are_written_only_at_the_flush_and_promote_to_level_one() {
    let app = TestApp::spawn().await;
    let threads = [thread_with(&app, 3).await, thread_with(&app, 0).await];
    let (reader, c) = member(&app, "reader").await;
    // One short of every level 1 figure; the views below take them over.
    arrange(&app, reader.id, [4, 29, 599, 0, 0, 0, 0]).await;
    for t in &threads {
        assert_eq!(c.get(&url(t)).await.status, 200);
    }
    let id = reader.id;
    assert_eq!(reads(&app, id).await, 0, "a view writes nothing until the flush");
    assert_eq!(level(&app, reader.id).await, 0);
    assert!(app.reading.waiting() >= 1);
    app.flush_reading().await;
    assert_eq!(reads(&app, id).await, 2);
    let activity = app.db(move |conn| MemberActivity::of(conn, id).unwrap()).await;
    assert_eq!(activity.threads_entered, 6);
    assert_eq!(activity.posts_read, 29 + 4 + 1);
    assert!(activity.reading_seconds > 599);
    assert_eq!(activity.days_visited, 1);
    assert_eq!(level(&app, reader.id).await, 1);
    // Seeing the same posts again reads nothing new, and the day counts once.
    c.get(&url(&threads[0])).await;
    app.flush_reading().await;
    let again = app.db(move |conn| MemberActivity::of(conn, id).unwrap()).await;
    assert_eq!(
        (again.threads_entered, again.posts_read, again.days_visited),
        (6, 34, 1)
    );
    // The public profile shows the level.
    let profile = app.new_client().get(&format!("/u/{}", reader.username)).await;
    assert!(profile.text().contains("Level 1") || profile.text().contains("等级 1"));
}

#[tokio::test]
async fn every_threshold_of_levels_one_and_two_is_needed_and_enough() {
    let app = TestApp::spawn().await;
    let (m, _) = member(&app, "climber").await;
    // Level 1: 5 threads entered, 30 posts read, 10 minutes of reading.
    let basic = [5, 30, 600, 0, 0, 0, 0];
    for i in 0..3 {
        let mut short = basic;
        short[i] -= 1;
        arrange(&app, m.id, short).await;
        assert_eq!(
            level_after_reevaluation(&app, m.id).await,
            0,
            "short of figure {i}"
        );
    }
    arrange(&app, m.id, basic).await;
    assert_eq!(level_after_reevaluation(&app, m.id).await, 1);
    // Level 2: 15 days, 1 like given and 1 received, replies in 3 threads,
    // 100 posts read and 60 minutes of reading.
    let member_figures = [5, 100, 3600, 15, 1, 1, 3];
    for i in 1..7 {
        let mut short = member_figures;
        short[i] -= 1;
        arrange(&app, m.id, short).await;
        assert_eq!(
            level_after_reevaluation(&app, m.id).await,
            1,
            "short of figure {i}"
        );
    }
    arrange(&app, m.id, member_figures).await;
    assert_eq!(level_after_reevaluation(&app, m.id).await, 2);
}

/// Moves a member's latest posts back `seconds` (their account stays as old as it is).
async fn wait(app: &TestApp, user: UserId, seconds: i64) {
    app.db(move |conn| {
        let before = klearn_db::now() - chrono::Duration::seconds(seconds);
        diesel::update(
            posts::table
                .filter(posts::author_id.eq(user))
                .filter(posts::created_at.gt(before)),
        )
        .set(posts::created_at.eq(before))
        .execute(conn)
        .unwrap();
    })
    .await;
}

fn thread_form<'a>(title: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("body", body),
        ("kind", "discussion"),
        ("tags", ""),
    ]
}

#[tokio::test]
async fn new_members_meet_the_level_zero_limits_with_a_message_and_their_text_kept() {
    let app = TestApp::spawn().await;
    let (newbie, c) = member(&app, "newbie").await;
    c.get("/forum/general/new").await;
    for i in 0..3 {
        let title = format!("My thread number {i}");
        let res = c
            .post_form("/forum/general/new", &thread_form(&title, "hello"))
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        wait(&app, newbie.id, 31).await;
        c.get("/forum/general/new").await;
    }
    // A fourth thread on the first day: 429, the message, the text kept.
    let res = c
        .post_form(
            "/forum/general/new",
            &thread_form("One thread too many", "keep this text"),
        )
        .await;
    assert_eq!(res.status, 429);
    assert!(res.text().contains('3'));
    assert_eq!(
        res.attrs("#f-title", "value"),
        vec!["One thread too many".to_string()]
    );
    assert!(res.select("#f-body").concat().contains("keep this text"));

    // Replies: ten on the first day, then 429.
    let t = thread_with(&app, 0).await;
    for i in 0..10 {
        c.get(&url(&t)).await;
        let res = c
            .post_form(
                &format!("/t/{}/replies", t.id),
                &[("body", &format!("reply {i}"))],
            )
            .await;
        assert_eq!(res.status, 303, "reply {i}: {}", res.body);
        wait(&app, newbie.id, 31).await;
    }
    c.get(&url(&t)).await;
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", "the eleventh")])
        .await;
    assert_eq!(res.status, 429);
    assert!(res.select("#f-body").concat().contains("the eleventh"));

    // After the first day: 30 seconds between posts, links and mentions limited.
    app.db(move |conn| {
        diesel::update(users::table.find(newbie.id))
            .set(users::created_at.eq(klearn_db::now() - chrono::Duration::days(2)))
            .execute(conn)
            .unwrap();
    })
    .await;
    c.get(&url(&t)).await;
    assert_eq!(
        c.post_form(&format!("/t/{}/replies", t.id), &[("body", "after a day")])
            .await
            .status,
        303
    );
    wait(&app, newbie.id, 20).await;
    c.get(&url(&t)).await;
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", "too quick")])
        .await;
    assert_eq!(res.status, 429);
    assert!(res.text().contains("10"), "the seconds left are told");
    assert!(res.select("#f-body").concat().contains("too quick"));
    wait(&app, newbie.id, 31).await;
    c.get(&url(&t)).await;
    let links = "see https://a.example https://b.example https://c.example";
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", links)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.select("#f-body").concat().contains("https://c.example"));
    let mentions = "@alice_x @bob_y @carol_z look";
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", mentions)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.select("#f-body").concat().contains("@carol_z"));
    // Two links are fine for an account past its first hour.
    let res = c
        .post_form(
            &format!("/t/{}/replies", t.id),
            &[("body", "https://a.example and https://b.example")],
        )
        .await;
    assert_eq!(res.status, 303);
    // An edit keeps to the same content limits.
    let post = app
        .db(move |conn| {
            posts::table
                .filter(posts::author_id.eq(newbie.id))
                .order(posts::id.desc())
                .select(posts::id)
                .first::<klearn_db::PostId>(conn)
                .unwrap()
        })
        .await;
    c.get(&format!("/posts/{post}/edit")).await;
    let res = c
        .post_form(&format!("/posts/{post}/edit"), &[("body", links)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.select("#f-body").concat().contains("https://c.example"));
}

#[tokio::test]
async fn level_one_waits_fifteen_seconds_and_silenced_members_cannot_post() {
    let app = TestApp::spawn().await;
    let (m, c) = member(&app, "basic").await;
    app.wait_out_posting(m.id).await;
    arrange(&app, m.id, [5, 30, 600, 0, 0, 0, 0]).await;
    assert_eq!(level_after_reevaluation(&app, m.id).await, 1);
    let t = thread_with(&app, 0).await;
    let replies = format!("/t/{}/replies", t.id);
    c.get(&url(&t)).await;
    assert_eq!(c.post_form(&replies, &[("body", "one")]).await.status, 303);
    wait(&app, m.id, 10).await;
    c.get(&url(&t)).await;
    assert_eq!(c.post_form(&replies, &[("body", "two")]).await.status, 429);
    wait(&app, m.id, 16).await;
    c.get(&url(&t)).await;
    assert_eq!(c.post_form(&replies, &[("body", "two")]).await.status, 303);
    // Silenced: refused with the date, the text kept.
    app.db(move |conn| {
        klearn_db::trust::Standing::silence(conn, m.id, Some(klearn_db::now() + chrono::Duration::days(3)))
            .unwrap();
    })
    .await;
    app.wait_out_posting(m.id).await;
    c.get(&url(&t)).await;
    let res = c.post_form(&replies, &[("body", "let me speak")]).await;
    assert_eq!(res.status, 403);
    assert!(res.select("#f-body").concat().contains("let me speak"));
    assert!(res.select(".field-error").concat().contains("UTC"));
}

#[tokio::test]
async fn moderators_grant_levels_three_and_four_and_take_them_back() {
    let app = TestApp::spawn().await;
    let (m, c) = member(&app, "granted").await;
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let path = format!("/admin/users/{}/trust", m.id);
    // Members may not grant.
    c.get("/forum").await;
    assert_eq!(c.post_form(&path, &[("level", "4")]).await.status, 403);
    let guest = app.new_client();
    guest.get("/forum").await;
    guest.post_form(&path, &[("level", "4")]).await;
    assert_eq!(level(&app, m.id).await, 0);
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    mc.get(&format!("/admin/users/{}", m.id)).await;
    assert_eq!(mc.post_form(&path, &[("level", "2")]).await.status, 400);
    assert_eq!(mc.post_form(&path, &[("level", "4")]).await.status, 303);
    assert_eq!(level(&app, m.id).await, 4);
    let page = mc.get(&format!("/admin/users/{}", m.id)).await;
    assert!(page.select("#trust-level").concat().contains('4'));
    // Reading cannot take a granted level away.
    assert_eq!(level_after_reevaluation(&app, m.id).await, 4);
    assert_eq!(mc.post_form(&path, &[("level", "earned")]).await.status, 303);
    assert_eq!(level(&app, m.id).await, 0);
    let audit = app
        .db(|conn| {
            use klearn_db::schema::audit_log as a;
            a::table
                .filter(a::action.eq("user.trust_level"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(audit, 2);
}
