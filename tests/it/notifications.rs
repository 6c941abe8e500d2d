//! Notifications: each kind told once (likes batched), watching and
//! muting, the mention limit and mentions edited away, the list with its
//! badge and who may not mark what, the email after ten minutes that a
//! read cancels, the daily digest in each member's morning, one-click
//! unsubscribe by token, the settings form, a new course told to followers.

use chrono::{NaiveDate, NaiveDateTime};
use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn::forum::{edit_post, reply, start_thread, ThreadInput};
use klearn::notifications::email::{send_digests, unsubscribe_token, Topic};
use klearn_db::categories::{Category, FORUM};
use klearn_db::diesel::prelude::*;
use klearn_db::forum::{Board, Post, Thread};
use klearn_db::notifications::{Notification, ThreadWatch};
use klearn_db::schema::{jobs, notification_settings, notifications, posts, users};
use klearn_db::{EmailState, NotificationKind, ThreadKind, UserId, WatchLevel};

use crate::common::{unique, Client, TestApp, TestUser};

/// A verified member of some standing (trust level 2, an account a month
/// old, so that new accounts' posting limits stay out of these tests), signed in.
async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let id = user.id;
    app.db(move |conn| {
        diesel::update(users::table.find(id))
            .set((
                users::trust_level.eq(2),
                users::created_at.eq(klearn_db::now() - chrono::Duration::days(30)),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

async fn general(app: &TestApp) -> Board {
    app.db(|conn| Board::Category(Category::find_by_slug(conn, FORUM, "general").unwrap().id))
        .await
}

/// Posts of `user` count as written a minute ago, so that the time
/// between posts never refuses the next one here.
async fn settle(app: &TestApp, user: UserId) {
    app.db(move |conn| {
        diesel::update(posts::table.filter(posts::author_id.eq(user)))
            .set(posts::created_at.eq(klearn_db::now() - chrono::Duration::minutes(1)))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn thread(app: &TestApp, user: UserId, title: &str, body: &str) -> Thread {
    let board = general(app).await;
    let (title, body) = (title.to_string(), body.to_string());
    let t = app
        .db(move |conn| {
            let input = ThreadInput {
                title,
                body,
                kind: ThreadKind::Question,
                tags: vec![],
            };
            start_thread(conn, &Actor::member(user, &[]), board, input).unwrap()
        })
        .await;
    settle(app, user).await;
    t
}

async fn answer(app: &TestApp, user: UserId, thread: &Thread, body: &str, reply_to: Option<i64>) -> Post {
    let (body, id) = (body.to_string(), thread.id);
    let post = app
        .db(move |conn| {
            reply(conn, &Actor::member(user, &[]), id, body, reply_to)
                .unwrap()
                .1
        })
        .await;
    settle(app, user).await;
    post
}

/// The member's notifications, oldest first.
async fn told(app: &TestApp, user: UserId) -> Vec<Notification> {
    app.db(move |conn| {
        let mut all = Notification::page(conn, user, None, 1000).unwrap();
        all.reverse();
        all
    })
    .await
}

async fn told_of(app: &TestApp, user: UserId, kind: NotificationKind) -> Vec<Notification> {
    told(app, user)
        .await
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect()
}

fn url(t: &Thread) -> String {
    format!("/t/{}/{}", t.id, t.slug)
}

#[tokio::test]
async fn a_reply_is_told_once_listed_with_its_link_and_read_by_visiting_the_thread() {
    let app = TestApp::spawn().await;
    let (asker, ac) = member(&app, "asker").await;
    let (helper, hc) = member(&app, "helper").await;
    let t = thread(
        &app,
        asker.id,
        "Borrowing across awaits",
        "Why does this not compile?",
    )
    .await;
    // The reply goes through the page, answering the first post.
    hc.get(&url(&t)).await;
    let res = hc
        .post_form(
            &format!("/t/{}/replies", t.id),
            &[("body", "Hold the guard shorter."), ("reply_to", "1")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let replies = told_of(&app, asker.id, NotificationKind::Reply).await;
    assert_eq!(
        replies.len(),
        1,
        "told once, though both thread author and answered author"
    );
    assert_eq!(replies[0].actor_id, Some(helper.id));
    assert!(
        told(&app, helper.id).await.is_empty(),
        "no one is told of their own post"
    );

    // The list names who did what where, links to the post, and the header counts it.
    let list = ac.get("/notifications?lang=en").await;
    assert_eq!(list.status, 200);
    let lines = list.texts(".notification a");
    assert!(
        lines[0].contains(&helper.username) && lines[0].contains("Borrowing across awaits"),
        "{lines:?}"
    );
    let links = list.attrs(".notification a", "href");
    assert_eq!(links[0], format!("{}#post-2", url(&t)));
    assert_eq!(list.texts(".badge-unread").len(), 1);
    assert!(list.texts(".badge-unread")[0].starts_with('1'));

    // Someone else cannot mark it read; a guest is sent to sign in.
    let id = replies[0].id;
    hc.get("/notifications").await;
    assert_eq!(
        hc.post_form(&format!("/notifications/{id}/read"), &[])
            .await
            .status,
        404
    );
    assert!(!told(&app, asker.id).await[0].is_read());
    let guest = app.new_client();
    let res = guest.get("/notifications").await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));

    // Visiting the thread reads it; the badge goes, on that very page too.
    let seen = ac.get(&url(&t)).await;
    assert!(seen.texts(".badge-unread").is_empty());
    assert!(told(&app, asker.id).await[0].is_read());
    let list = ac.get("/notifications").await;
    assert!(list.texts(".badge-unread").is_empty());
}

#[tokio::test]
async fn marking_one_and_all_read() {
    let app = TestApp::spawn().await;
    let (asker, ac) = member(&app, "asker").await;
    let (helper, _) = member(&app, "helper").await;
    let t = thread(&app, asker.id, "Pinning futures", "What is Pin for?").await;
    answer(&app, helper.id, &t, "For self-references.", None).await;
    answer(&app, helper.id, &t, "And for generators.", None).await;
    let all = told(&app, asker.id).await;
    assert_eq!(all.len(), 2);
    ac.get("/notifications").await;
    let res = ac
        .post_form(&format!("/notifications/{}/read", all[0].id), &[])
        .await;
    assert_eq!(res.status, 303);
    let now = told(&app, asker.id).await;
    assert!(now[0].is_read() && !now[1].is_read());
    let res = ac.post_form("/notifications/read-all", &[]).await;
    assert_eq!(res.status, 303);
    assert!(told(&app, asker.id).await.iter().all(Notification::is_read));
    // A guest with a form's token is sent to sign in.
    let guest = app.new_client();
    guest.get("/login").await;
    let res = guest.post_form("/notifications/read-all", &[]).await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn mentions_are_linked_told_to_at_most_ten_and_withdrawn_when_edited_away() {
    let app = TestApp::spawn().await;
    let (author, _) = member(&app, "author").await;
    let mut named = Vec::new();
    for i in 0..11 {
        named.push(member(&app, &format!("m{i}x")).await.0);
    }
    let body: String = named.iter().map(|u| format!("@{} ", u.username)).collect();
    let t = thread(&app, author.id, "Who knows tokio?", &format!("Asking {body}")).await;
    for (i, user) in named.iter().enumerate() {
        let mentions = told_of(&app, user.id, NotificationKind::Mention).await;
        assert_eq!(mentions.len(), usize::from(i < 10), "member {i}");
    }
    let first = app
        .db({
            let id = t.id;
            move |conn| Post::by_number(conn, id, 1).unwrap()
        })
        .await;
    assert!(
        first
            .body_html
            .contains(&format!("href=\"/u/{}\"", named[0].username)),
        "{}",
        first.body_html
    );

    // A reply to someone that also mentions them tells them once, as a reply.
    let (other, _) = member(&app, "other").await;
    let r = answer(
        &app,
        other.id,
        &t,
        &format!("@{} see above", author.username),
        Some(1),
    )
    .await;
    assert_eq!(told_of(&app, author.id, NotificationKind::Reply).await.len(), 1);
    assert!(told_of(&app, author.id, NotificationKind::Mention)
        .await
        .is_empty());

    // Editing: a mention removed is taken back while unread, one added is told.
    let (late, _) = member(&app, "late").await;
    let (kept, gone) = (named[0].username.clone(), named[1].username.clone());
    let body = format!("Asking @{kept} and @{}", late.username);
    let (id, by) = (first.id, author.id);
    app.db(move |conn| edit_post(conn, &Actor::member(by, &[]), id, body).unwrap())
        .await;
    assert_eq!(
        told_of(&app, named[0].id, NotificationKind::Mention).await.len(),
        1
    );
    assert!(
        told_of(&app, named[1].id, NotificationKind::Mention)
            .await
            .is_empty(),
        "{gone} withdrawn"
    );
    assert_eq!(told_of(&app, late.id, NotificationKind::Mention).await.len(), 1);
    let _ = r;
}

#[tokio::test]
async fn likes_are_batched_per_post_and_liking_again_tells_no_one_twice() {
    let app = TestApp::spawn().await;
    let (author, ac) = member(&app, "author").await;
    let t = thread(&app, author.id, "Sharing a trick", "Use iter::zip.").await;
    let first = app
        .db({
            let id = t.id;
            move |conn| Post::by_number(conn, id, 1).unwrap()
        })
        .await;
    let mut likers = Vec::new();
    for i in 0..3 {
        let (u, c) = member(&app, &format!("fan{i}x")).await;
        c.get(&url(&t)).await;
        assert_eq!(
            c.post_form(&format!("/posts/{}/like", first.id), &[])
                .await
                .status,
            303
        );
        likers.push((u, c));
    }
    let likes = told_of(&app, author.id, NotificationKind::Like).await;
    assert_eq!(likes.len(), 1, "one notification for the post");
    assert_eq!(likes[0].others_count, 2);
    assert_eq!(
        likes[0].actor_id,
        Some(likers[2].0.id),
        "the newest liker is named"
    );
    // Unliking and liking again tells no one again.
    let c = &likers[0].1;
    c.post_form(&format!("/posts/{}/like", first.id), &[]).await;
    c.post_form(&format!("/posts/{}/like", first.id), &[]).await;
    let likes = told_of(&app, author.id, NotificationKind::Like).await;
    assert_eq!((likes.len(), likes[0].others_count), (1, 2));
    let list = ac.get("/notifications?lang=en").await;
    assert!(
        list.texts(".notification a")[0].contains("and 2 others liked your post"),
        "{}",
        list.text()
    );
    // Read, the batch closes: the next like starts a new one.
    ac.get(&url(&t)).await;
    let (_, c) = member(&app, "fan9x").await;
    c.get(&url(&t)).await;
    c.post_form(&format!("/posts/{}/like", first.id), &[]).await;
    let likes = told_of(&app, author.id, NotificationKind::Like).await;
    assert_eq!(likes.len(), 2);
    assert_eq!(likes[1].others_count, 0);
}

#[tokio::test]
async fn an_accepted_answer_is_told_to_its_author_once() {
    let app = TestApp::spawn().await;
    let (asker, ac) = member(&app, "asker").await;
    let (helper, _) = member(&app, "helper").await;
    let t = thread(&app, asker.id, "Why is my build slow?", "It takes minutes.").await;
    let post = answer(&app, helper.id, &t, "Turn on incremental builds.", None).await;
    ac.get(&url(&t)).await;
    for _ in 0..3 {
        assert_eq!(
            ac.post_form(&format!("/posts/{}/accept", post.id), &[])
                .await
                .status,
            303
        );
    }
    let accepted = told_of(&app, helper.id, NotificationKind::Accepted).await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].actor_id, Some(asker.id));
}

async fn level(app: &TestApp, user: UserId, t: &Thread) -> Option<WatchLevel> {
    let id = t.id;
    app.db(move |conn| ThreadWatch::level(conn, user, id).unwrap())
        .await
}

async fn watched(app: &TestApp, user: UserId, p: &Post) -> usize {
    told_of(app, user, NotificationKind::Watched)
        .await
        .into_iter()
        .filter(|n| n.post_id == Some(p.id))
        .count()
}

#[tokio::test]
async fn watchers_hear_of_every_post_and_a_muted_thread_tells_nothing() {
    let app = TestApp::spawn().await;
    let (starter, sc) = member(&app, "starter").await;
    let (replier, _) = member(&app, "replier").await;
    let (watcher, wc) = member(&app, "watcher").await;
    let (poster, _) = member(&app, "poster").await;
    let t = thread(&app, starter.id, "Async traits", "Are they stable?").await;
    assert_eq!(
        level(&app, starter.id, &t).await,
        Some(WatchLevel::Watching),
        "one watches what one starts"
    );
    answer(&app, replier.id, &t, "Since 1.75.", None).await;
    assert_eq!(
        level(&app, replier.id, &t).await,
        Some(WatchLevel::Watching),
        "and what one replies to"
    );
    wc.get(&url(&t)).await;
    let res = wc
        .post_form(&format!("/t/{}/watch", t.id), &[("level", "watching")])
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        wc.get(&url(&t))
            .await
            .attrs("#watch-level option[selected]", "value"),
        vec!["watching"]
    );

    let p = answer(&app, poster.id, &t, "With some limits.", None).await;
    assert_eq!(watched(&app, replier.id, &p).await, 1);
    assert_eq!(watched(&app, watcher.id, &p).await, 1);
    assert_eq!(
        watched(&app, starter.id, &p).await,
        0,
        "the thread's author hears of it as a reply"
    );
    assert_eq!(told_of(&app, starter.id, NotificationKind::Reply).await.len(), 2);

    // Muted: no replies, no watched posts, no mentions; the choice outlives the next post.
    sc.get(&url(&t)).await;
    assert_eq!(
        sc.post_form(&format!("/t/{}/watch", t.id), &[("level", "muted")])
            .await
            .status,
        303
    );
    let before = told(&app, starter.id).await.len();
    answer(
        &app,
        poster.id,
        &t,
        &format!("Right, @{}?", starter.username),
        Some(1),
    )
    .await;
    assert_eq!(told(&app, starter.id).await.len(), before);
    answer(&app, starter.id, &t, "Thanks all.", None).await;
    assert_eq!(level(&app, starter.id, &t).await, Some(WatchLevel::Muted));

    // A bad level is refused; a guest is sent to sign in.
    assert_eq!(
        wc.post_form(&format!("/t/{}/watch", t.id), &[("level", "loud")])
            .await
            .status,
        400
    );
    let guest = app.new_client();
    guest.get("/login").await;
    let res = guest
        .post_form(&format!("/t/{}/watch", t.id), &[("level", "muted")])
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));
}

/// Lets the waiting email jobs run now, as if their ten minutes were over.
async fn delay_over(app: &TestApp) {
    app.db(|conn| {
        diesel::update(jobs::table.filter(jobs::kind.eq("notification_email")))
            .set(jobs::run_at.eq(klearn_db::now()))
            .execute(conn)
            .unwrap();
    })
    .await;
    app.jobs_settled().await;
}

#[tokio::test]
async fn an_email_waits_ten_minutes_and_reading_first_cancels_it() {
    let app = TestApp::spawn().await;
    let (asker, ac) = member(&app, "asker").await;
    let (helper, _) = member(&app, "helper").await;
    let t = thread(&app, asker.id, "Lifetimes in structs", "When do I need them?").await;
    answer(&app, helper.id, &t, "When the struct borrows.", None).await;
    let n = told(&app, asker.id).await.pop().unwrap();
    assert_eq!(n.email_state, EmailState::Waiting);
    let due: NaiveDateTime = app
        .db(|conn| {
            jobs::table
                .filter(jobs::kind.eq("notification_email"))
                .select(jobs::run_at)
                .first(conn)
                .unwrap()
        })
        .await;
    assert!(due >= n.created_at + chrono::Duration::minutes(10));
    app.jobs_settled().await;
    assert!(
        app.inbox().iter().all(|m| !m.to.contains(&asker.email)),
        "nothing before the delay"
    );

    delay_over(&app).await;
    let mail = app.wait_for_mail(&asker.email).await;
    assert!(
        mail.text.contains("When the struct borrows."),
        "composed from the post: {}",
        mail.text
    );
    let unsubscribe = mail
        .header("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .to_string();
    assert!(unsubscribe.starts_with("<http") && unsubscribe.contains("/unsubscribe?token="));
    assert_eq!(
        mail.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(
        told(&app, asker.id).await.pop().unwrap().email_state,
        EmailState::Sent
    );

    // Read within the ten minutes: no email.
    answer(&app, helper.id, &t, "Or holds a reference.", None).await;
    ac.get(&url(&t)).await;
    assert_eq!(
        told(&app, asker.id).await.pop().unwrap().email_state,
        EmailState::Cancelled
    );
    delay_over(&app).await;
    let to_asker = app
        .inbox()
        .into_iter()
        .filter(|m| m.to.contains(&asker.email))
        .count();
    assert_eq!(to_asker, 1);

    // The one-click link works without signing in, and a forged one is refused.
    let link = mail
        .link("http")
        .filter(|l| l.contains("/unsubscribe?token="))
        .unwrap_or_else(|| unsubscribe.trim_matches(['<', '>']).to_string());
    let path = &link[link.find("/unsubscribe").unwrap()..];
    let guest = app.new_client();
    let page = guest.get(&format!("{path}&lang=en")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("turned off"), "{}", page.text());
    let choice: String = app
        .db({
            let id = asker.id;
            move |conn| {
                notification_settings::table
                    .filter(notification_settings::user_id.eq(id))
                    .filter(notification_settings::kind.eq("reply"))
                    .select(notification_settings::email)
                    .first(conn)
                    .unwrap()
            }
        })
        .await;
    assert_eq!(choice, "off");
    let forged = path.replace(&format!("token={}.", asker.id), &format!("token={}.", helper.id));
    assert_eq!(guest.get(&forged).await.status, 400);
    assert_eq!(guest.get("/unsubscribe?token=nonsense").await.status, 400);
}

#[tokio::test]
async fn one_click_unsubscribe_by_post_turns_the_digest_off() {
    let app = TestApp::spawn().await;
    let (user, _) = member(&app, "reader").await;
    let token = unsubscribe_token(&app.settings.secret_key, user.id, Topic::Digest);
    // A mail client posts without a session or a form token (RFC 8058).
    let res = reqwest::Client::new()
        .post(app.url(&format!("/unsubscribe?token={token}")))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = user.id;
    let watched = app
        .db(move |conn| klearn::notifications::email_choice(conn, id, NotificationKind::Watched).unwrap())
        .await;
    assert_eq!(watched, klearn_db::EmailChoice::Off, "every daily kind goes off");
}

#[tokio::test]
async fn the_settings_form_saves_choices_and_returns_bad_input_as_typed() {
    let app = TestApp::spawn().await;
    let (user, c) = member(&app, "chooser").await;
    let page = c.get("/settings/notifications?lang=en").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.attrs("#f-mention option[selected]", "value"),
        vec!["immediately"]
    );
    assert_eq!(page.attrs("#f-like option[selected]", "value"), vec!["off"]);
    assert!(
        page.select("#f-order").is_empty(),
        "orders' mail is not chosen here"
    );
    let mut fields = vec![
        ("reply", "daily"),
        ("mention", "immediately"),
        ("like", "off"),
        ("accepted", "immediately"),
        ("watched", "daily"),
        ("moderation", "immediately"),
        ("new_course", "off"),
        ("timezone", "Mars/Olympus_Mons"),
    ];
    let bad = c.post_form("/settings/notifications", &fields).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.attrs("#f-timezone", "value"), vec!["Mars/Olympus_Mons"]);
    assert_eq!(bad.attrs("#f-reply option[selected]", "value"), vec!["daily"]);
    fields[7] = ("timezone", "Asia/Shanghai");
    fields[0] = ("reply", "sometimes");
    let bad = c.post_form("/settings/notifications", &fields).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.select(".field-error").len(), 1);
    fields[0] = ("reply", "daily");
    assert_eq!(c.post_form("/settings/notifications", &fields).await.status, 303);
    let id = user.id;
    let (reply, tz) = app
        .db(move |conn| {
            (
                klearn::notifications::email_choice(conn, id, NotificationKind::Reply).unwrap(),
                users::table
                    .find(id)
                    .select(users::timezone)
                    .first::<String>(conn)
                    .unwrap(),
            )
        })
        .await;
    assert_eq!(
        (reply, tz.as_str()),
        (klearn_db::EmailChoice::Daily, "Asia/Shanghai")
    );
    let guest = app.new_client();
    assert_eq!(guest.get("/settings/notifications").await.status, 303);
}

fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2027, 1, day)
        .unwrap()
        .and_hms_opt(hour, minute, 0)
        .unwrap()
}

async fn set_timezone(app: &TestApp, user: UserId, tz: &'static str) {
    app.db(move |conn| {
        diesel::update(users::table.find(user))
            .set(users::timezone.eq(tz))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn digests_at(app: &TestApp, now: NaiveDateTime) -> usize {
    let services = app.services();
    let sent = app
        .db(move |conn| send_digests(conn, &services, now).unwrap())
        .await;
    app.jobs_settled().await;
    sent
}

fn digests_to(app: &TestApp, email: &str) -> Vec<crate::common::Mail> {
    app.inbox()
        .into_iter()
        .filter(|m| {
            m.to.contains(email)
                && m.header("List-Unsubscribe")
                    .is_some_and(|u| u.contains(".digest."))
        })
        .collect()
}

#[tokio::test]
async fn the_digest_goes_in_each_members_morning_lists_unread_items_and_skips_empty_days() {
    let app = TestApp::spawn().await;
    app.jobs_settled().await;
    let (starter, _) = member(&app, "starter").await;
    let (east, ec) = member(&app, "east").await;
    let (west, _) = member(&app, "west").await;
    set_timezone(&app, east.id, "Asia/Shanghai").await;
    set_timezone(&app, west.id, "America/New_York").await;
    let t = thread(&app, starter.id, "Weekly Rust news", "Post yours.").await;
    for user in [east.id, west.id] {
        let id = t.id;
        app.db(move |conn| ThreadWatch::set(conn, user, id, WatchLevel::Watching).unwrap())
            .await;
    }
    let (poster, _) = member(&app, "poster").await;
    answer(&app, poster.id, &t, "Rust 1.90 is out.", None).await;
    answer(&app, poster.id, &t, "Cargo got faster.", None).await;
    let east_items = told_of(&app, east.id, NotificationKind::Watched).await;
    assert_eq!(east_items.len(), 2);
    assert!(east_items.iter().all(|n| n.email_state == EmailState::Digest));
    // One of west's items is read before the digest: it is not listed.
    let read = told_of(&app, west.id, NotificationKind::Watched).await[0].id;
    let wid = west.id;
    app.db(move |conn| Notification::mark_read(conn, wid, read).unwrap())
        .await;

    // 05:00 UTC: 13:00 in Shanghai (its morning has come), midnight in New York.
    assert_eq!(digests_at(&app, at(10, 5, 0)).await, 1);
    let mails = digests_to(&app, &east.email);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains('2'), "{}", mails[0].subject);
    assert_eq!(
        mails[0].text.matches(&format!("/t/{}/", t.id)).count(),
        2,
        "{}",
        mails[0].text
    );
    assert!(digests_to(&app, &west.email).is_empty());
    assert!(told_of(&app, east.id, NotificationKind::Watched)
        .await
        .iter()
        .all(|n| n.email_state == EmailState::Digested));

    // 13:30 UTC: 08:30 in New York; Shanghai had its digest today.
    assert_eq!(digests_at(&app, at(10, 13, 30)).await, 1);
    let mails = digests_to(&app, &west.email);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].text.matches(&format!("/t/{}/", t.id)).count(),
        1,
        "the read item is left out"
    );
    assert_eq!(digests_to(&app, &east.email).len(), 1);

    // The next morning in Shanghai: nothing unread, no mail.
    assert_eq!(digests_at(&app, at(11, 1, 0)).await, 0);
    assert_eq!(digests_to(&app, &east.email).len(), 1);
    let sent_on: Option<NaiveDate> = app
        .db({
            let id = east.id;
            move |conn| klearn_db::notifications::EmailSettings::digest_sent_on(conn, id).unwrap()
        })
        .await;
    assert_eq!(sent_on, NaiveDate::from_ymd_opt(2027, 1, 10));

    // Something new, read on the site before the morning: still no mail.
    answer(&app, poster.id, &t, "Clippy has new lints.", None).await;
    ec.get(&url(&t)).await;
    assert_eq!(digests_at(&app, at(11, 2, 0)).await, 0);
    // Something new and unread: the digest goes with it alone.
    answer(&app, poster.id, &t, "Edition 2027 plans.", None).await;
    assert_eq!(digests_at(&app, at(11, 2, 0)).await, 1);
    let mails = digests_to(&app, &east.email);
    assert_eq!(mails.len(), 2);
    let id = east.id;
    let waiting = app
        .db(move |conn| {
            notifications::table
                .filter(notifications::user_id.eq(id))
                .filter(notifications::email_state.eq(EmailState::Digest))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(waiting, 0);
}

#[tokio::test]
async fn a_published_course_is_told_to_the_experts_followers() {
    let app = TestApp::spawn().await;
    let expert = app.user(&unique("expert")).verified().certified().create().await;
    let (follower, fc) = member(&app, "fan").await;
    let (stranger, _) = member(&app, "stranger").await;
    let (fid, eid) = (follower.id, expert.id);
    app.db(move |conn| klearn_db::experts::Follow::toggle(conn, fid, eid).unwrap())
        .await;
    let course = app
        .course(&expert)
        .title("Async Rust in depth")
        .lesson("Intro", false, "Hello.", "")
        .create()
        .await;
    let ec = app.new_client();
    ec.login(&expert.username, &expert.password).await;
    assert_eq!(ec.submit_course(course.id).await.status, 303);
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    assert_eq!(mc.approve_course(course.id).await.status, 303);
    app.jobs_settled().await;
    let told = told_of(&app, follower.id, NotificationKind::NewCourse).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].course_id, Some(course.id));
    assert!(told_of(&app, stranger.id, NotificationKind::NewCourse)
        .await
        .is_empty());
    let list = fc.get("/notifications?lang=en").await;
    assert!(list.texts(".notification a")[0].contains("Async Rust in depth"));
    // A repeated batch tells no one twice.
    let id = course.id;
    app.db(move |conn| klearn::notifications::courses::tell_batch(conn, id, UserId(0)).unwrap())
        .await;
    assert_eq!(
        told_of(&app, follower.id, NotificationKind::NewCourse)
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_demo_leaves_notifications_of_several_kinds_waiting_for_demo_learner() {
    let app = TestApp::builder().demo().spawn().await;
    let me = app
        .db(|conn| {
            klearn_db::users::User::find_by_username(conn, "demo_learner")
                .unwrap()
                .id
        })
        .await;
    let all = told(&app, me).await;
    let kinds: std::collections::HashSet<NotificationKind> = all.iter().map(|n| n.kind).collect();
    for kind in [
        NotificationKind::Reply,
        NotificationKind::Mention,
        NotificationKind::Like,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    assert!(all.iter().any(Notification::is_read) && all.iter().any(|n| !n.is_read()));
    let c = app.new_client();
    c.login("demo_learner", klearn::demo::DEMO_PASSWORD).await;
    let list = c.get("/notifications").await;
    assert!(!list.select(".notification-unread").is_empty());
    assert!(!list.texts(".badge-unread").is_empty());
    let lines = list.texts(".notification a").join("\n");
    assert!(
        !lines.contains("notifications.line"),
        "every line is said in words: {lines}"
    );
}

#[tokio::test]
async fn a_post_deleted_before_the_delay_is_over_sends_no_email() {
    let app = TestApp::spawn().await;
    let (asker, _) = member(&app, "asker").await;
    let (helper, hc) = member(&app, "helper").await;
    let t = thread(&app, asker.id, "Deleting replies", "Does it notify?").await;
    let post = answer(&app, helper.id, &t, "A reply I regret.", None).await;
    hc.get(&url(&t)).await;
    assert_eq!(
        hc.post_form(&format!("/posts/{}/delete", post.id), &[])
            .await
            .status,
        303
    );
    delay_over(&app).await;
    assert_eq!(
        told(&app, asker.id).await.pop().unwrap().email_state,
        EmailState::Cancelled
    );
    assert!(app.inbox().iter().all(|m| !m.to.contains(&asker.email)));
}
