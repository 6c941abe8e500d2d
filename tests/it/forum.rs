//! The forum: who may post where, threads and replies through the pages,
//! edits with their grace period and revisions, soft deletion, accepted
//! answers, likes and their counters, thread addresses, cursor pagination,
//! search in both languages kept in step, and markup that stays inert.

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn::forum::{reply, start_thread, ThreadInput};
use klearn_db::categories::{Category, FORUM};
use klearn_db::diesel::prelude::*;
use klearn_db::forum::{Board, Post, Thread};
use klearn_db::schema::{posts, threads};
use klearn_db::users::User;
use klearn_db::{CourseId, ThreadId, ThreadKind, UserId};

use crate::common::{unique, Client, TestApp, TestUser};

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

async fn general(app: &TestApp) -> Board {
    app.db(|conn| Board::Category(Category::find_by_slug(conn, FORUM, "general").unwrap().id))
        .await
}

fn input(title: &str, body: &str, kind: ThreadKind) -> ThreadInput {
    ThreadInput {
        title: title.into(),
        body: body.into(),
        kind,
        tags: vec![],
    }
}

/// A thread started through the use case, as `user`.
async fn thread(
    app: &TestApp,
    user: UserId,
    board: Board,
    title: &str,
    body: &str,
    kind: ThreadKind,
) -> Thread {
    let (title, body) = (title.to_string(), body.to_string());
    app.wait_out_posting(user).await;
    app.db(move |conn| {
        start_thread(conn, &Actor::member(user, &[]), board, input(&title, &body, kind)).unwrap()
    })
    .await
}

async fn answer(app: &TestApp, user: UserId, thread: ThreadId, body: &str) -> Post {
    let body = body.to_string();
    app.wait_out_posting(user).await;
    app.db(move |conn| {
        reply(conn, &Actor::member(user, &[]), thread, body, None)
            .unwrap()
            .1
    })
    .await
}

async fn user_row(app: &TestApp, id: UserId) -> User {
    app.db(move |conn| User::find(conn, id).unwrap()).await
}

async fn post_row(app: &TestApp, id: klearn_db::PostId) -> Post {
    app.db(move |conn| Post::find(conn, id).unwrap()).await
}

fn url(t: &Thread) -> String {
    format!("/t/{}/{}", t.id, t.slug)
}

#[tokio::test]
async fn a_verified_member_starts_a_thread_and_others_reply_through_the_pages() {
    let app = TestApp::spawn().await;
    let (_, c) = member(&app, "asker").await;
    let form = c.get("/forum/general/new").await;
    assert_eq!(form.status, 200);
    // Bad input comes back with the text kept and a message per field.
    let bad = c
        .post_form(
            "/forum/general/new",
            &[
                ("title", "Hi"),
                ("body", "  "),
                ("kind", "poll"),
                ("tags", "a,b,c,d,e,f"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.attrs("#f-title", "value"), vec!["Hi".to_string()]);
    assert_eq!(bad.select(".field-error").len(), 4, "{}", bad.text());
    let res = c
        .post_form(
            "/forum/general/new",
            &[
                ("title", "How do lifetimes work with closures?"),
                ("body", "I wrote this:\n\n```rust\nfn main() { let x = 1; }\n```"),
                ("kind", "question"),
                ("tags", "rust, lifetimes"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let to = res.location().unwrap().to_string();
    assert!(
        to.starts_with("/t/") && to.ends_with("/how-do-lifetimes-work-with-closures"),
        "{to}"
    );
    let page = c.get(&to).await;
    assert!(page.text().contains("How do lifetimes work with closures?"));
    assert!(
        !page.select(".post-body pre code").is_empty(),
        "code is highlighted as code"
    );
    assert_eq!(
        page.texts(".thread-head .tag"),
        vec!["lifetimes".to_string(), "rust".to_string()]
    );

    let (_, other) = member(&app, "helper").await;
    other.get(&to).await;
    let empty = other
        .post_form(
            &format!("{}/replies", &to[..to.rfind('/').unwrap()]),
            &[("body", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let thread_id = to.split('/').nth(2).unwrap().to_string();
    let res = other
        .post_form(
            &format!("/t/{thread_id}/replies"),
            &[("body", "Closures borrow what they use."), ("reply_to", "1")],
        )
        .await;
    assert_eq!(res.location(), Some(format!("{to}#post-2").as_str()));
    let page = other.get(&to).await;
    assert_eq!(page.select("li.post").len(), 2);
    assert!(
        page.attrs("#post-2 a", "href").contains(&format!("{to}#post-1")),
        "reply-to link"
    );
    // The list shows it with its counts.
    let list = c.get("/forum/general").await;
    assert!(list.text().contains("How do lifetimes work with closures?"));
    assert_eq!(list.texts(".thread-stats dd")[0], "1");
    // The home page's active threads lead with it.
    let home = app.new_client().get("/").await;
    assert_eq!(
        home.texts(".thread-list .thread-title a")
            .first()
            .map(String::as_str),
        Some("How do lifetimes work with closures?")
    );
}

#[tokio::test]
async fn who_may_post_where() {
    let app = TestApp::spawn().await;
    // Guests go to login; unverified members are told to confirm their email.
    let guest = app.new_client();
    let res = guest.get("/forum/general/new").await;
    assert!(res.location().unwrap().starts_with("/login?next="));
    let unverified = app.user(&unique("unv")).create().await;
    let u = app.new_client();
    u.login(&unverified.username, &unverified.password).await;
    assert_eq!(u.get("/forum/general/new").await.status, 403);
    u.get("/forum/general").await;
    let res = u
        .post_form(
            "/forum/general/new",
            &[
                ("title", "Hello there all"),
                ("body", "Hi"),
                ("kind", "discussion"),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(u.get("/forum/nonexistent/new").await.status, 404);

    // A course board: its learners, its expert and moderators.
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let course = app
        .course(&expert)
        .title("Board Course")
        .price(0)
        .published()
        .create()
        .await;
    let (learner, lc) = member(&app, "lrn").await;
    let (_, outsider) = member(&app, "out").await;
    let board_new = format!("/courses/{}/discussions/new", course.slug);
    assert_eq!(outsider.get(&board_new).await.status, 403);
    let (cid, lid) = (course.id, learner.id);
    app.db(move |conn| klearn_db::enrollments::Enrollment::enroll(conn, lid, cid, "free", None).unwrap())
        .await;
    assert_eq!(lc.get(&board_new).await.status, 200);
    let res = lc
        .post_form(
            &board_new,
            &[
                ("title", "Question about lesson one"),
                ("body", "Why?"),
                ("kind", "question"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let to = res.location().unwrap().to_string();
    let tid = to.split('/').nth(2).unwrap().to_string();
    // The outsider reads but may not reply; the page says why.
    let page = outsider.get(&to).await;
    assert_eq!(page.status, 200);
    assert!(page.select("form[action$='/replies']").is_empty());
    assert_eq!(
        outsider
            .post_form(&format!("/t/{tid}/replies"), &[("body", "me too")])
            .await
            .status,
        403
    );
    let ec = app.new_client();
    ec.login(&expert.username, &expert.password).await;
    ec.get(&to).await;
    assert_eq!(
        ec.post_form(&format!("/t/{tid}/replies"), &[("body", "Because.")])
            .await
            .status,
        303
    );
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    mc.get(&to).await;
    assert_eq!(
        mc.post_form(&format!("/t/{tid}/replies"), &[("body", "Moderating.")])
            .await
            .status,
        303
    );
    // The expert carries the course-expert badge on the board.
    let page = lc.get(&to).await;
    assert!(page.text().contains("课程专家"));
    // An unpublished course has no board.
    let draft = app.course(&expert).title("Draft Course").price(0).create().await;
    assert_eq!(
        lc.get(&format!("/courses/{}/discussions", draft.slug))
            .await
            .status,
        404
    );
    let board = lc.get(&format!("/courses/{}/discussions", course.slug)).await;
    assert!(board.text().contains("Question about lesson one"));
}

#[tokio::test]
async fn edits_after_the_grace_period_are_marked_and_kept_for_moderators() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let t = thread(
        &app,
        author.id,
        board,
        "Grace period thread",
        "First text",
        ThreadKind::Discussion,
    )
    .await;
    let first = app.db(move |conn| Post::by_number(conn, t.id, 1).unwrap()).await;
    c.get(&format!("/posts/{}/edit", first.id)).await;
    let res = c
        .post_form(&format!("/posts/{}/edit", first.id), &[("body", "Fixed a typo")])
        .await;
    assert_eq!(res.status, 303);
    let p = post_row(&app, first.id).await;
    assert_eq!(p.body, "Fixed a typo");
    assert!(
        p.edited_at.is_none(),
        "within five minutes an edit leaves no trace"
    );
    // Ten minutes later.
    let pid = first.id;
    app.db(move |conn| {
        diesel::update(posts::table.find(pid))
            .set(posts::created_at.eq(klearn_db::now() - chrono::Duration::minutes(10)))
            .execute(conn)
            .unwrap();
    })
    .await;
    c.get(&format!("/posts/{}/edit", first.id)).await;
    let empty = c
        .post_form(&format!("/posts/{}/edit", first.id), &[("body", "")])
        .await;
    assert_eq!(empty.status, 422);
    c.post_form(
        &format!("/posts/{}/edit", first.id),
        &[("body", "Rewritten later")],
    )
    .await;
    assert!(post_row(&app, first.id).await.edited_at.is_some());
    let page = c.get(&url(&t)).await;
    assert!(page.text().contains("已编辑"));
    // Only moderators read the history; nobody else edits.
    assert_eq!(c.get(&format!("/posts/{}/revisions", first.id)).await.status, 403);
    let (_, other) = member(&app, "other").await;
    assert_eq!(other.get(&format!("/posts/{}/edit", first.id)).await.status, 403);
    other.get(&url(&t)).await;
    assert_eq!(
        other
            .post_form(&format!("/posts/{}/edit", first.id), &[("body", "vandal")])
            .await
            .status,
        403
    );
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    let history = mc.get(&format!("/posts/{}/revisions", first.id)).await;
    assert_eq!(history.status, 200);
    assert!(history.text().contains("Fixed a typo") && history.text().contains("Rewritten later"));
    assert!(
        !history.text().contains("First text"),
        "the edit in the grace period kept no revision"
    );
}

#[tokio::test]
async fn deleting_is_soft_and_the_first_post_takes_its_thread() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let (helper, hc) = member(&app, "help").await;
    let t = thread(
        &app,
        author.id,
        board,
        "Thread to prune",
        "Opening words",
        ThreadKind::Discussion,
    )
    .await;
    let r = answer(&app, helper.id, t.id, "SECRET-REPLY-TEXT").await;
    hc.get(&url(&t)).await;
    assert_eq!(
        hc.post_form(&format!("/posts/{}/delete", r.id), &[]).await.status,
        303
    );
    assert_eq!(
        hc.post_form(&format!("/posts/{}/delete", r.id), &[]).await.status,
        409
    );
    let page = c.get(&url(&t)).await;
    assert!(page.text().contains("此帖已删除"));
    assert!(!page.text().contains("SECRET-REPLY-TEXT"));
    assert_eq!(user_row(&app, helper.id).await.posts_count, 0);
    // Others may not delete; moderators still read it.
    let first = app.db(move |conn| Post::by_number(conn, t.id, 1).unwrap()).await;
    assert_eq!(
        hc.post_form(&format!("/posts/{}/delete", first.id), &[])
            .await
            .status,
        403
    );
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    assert!(mc.get(&url(&t)).await.text().contains("SECRET-REPLY-TEXT"));
    // The first post goes: the thread leaves lists, search and the page.
    c.get(&url(&t)).await;
    assert_eq!(
        c.post_form(&format!("/posts/{}/delete", first.id), &[])
            .await
            .status,
        303
    );
    assert_eq!(c.get(&url(&t)).await.status, 404);
    assert!(!c.get("/forum/general").await.text().contains("Thread to prune"));
    assert!(!c.get("/forum?q=prune").await.text().contains("Thread to prune"));
    assert_eq!(mc.get(&url(&t)).await.status, 200, "moderators still see it");
}

#[tokio::test]
async fn accepted_answers_follow_their_rules_and_count_for_the_author() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (asker, ac) = member(&app, "ask").await;
    let (first_helper, fc) = member(&app, "h1").await;
    let (second_helper, _) = member(&app, "h2").await;
    let q = thread(
        &app,
        asker.id,
        board,
        "Which channel should I use?",
        "mpsc or broadcast?",
        ThreadKind::Question,
    )
    .await;
    let a1 = answer(&app, first_helper.id, q.id, "Use mpsc.").await;
    let a2 = answer(&app, second_helper.id, q.id, "Use broadcast for fan-out.").await;
    let own = answer(&app, asker.id, q.id, "Thanks all").await;
    ac.get(&url(&q)).await;
    // Someone else may not accept.
    fc.get(&url(&q)).await;
    assert_eq!(
        fc.post_form(&format!("/posts/{}/accept", a1.id), &[])
            .await
            .status,
        403
    );
    // The asker accepts, then changes their mind.
    assert_eq!(
        ac.post_form(&format!("/posts/{}/accept", a1.id), &[])
            .await
            .status,
        303
    );
    assert_eq!(user_row(&app, first_helper.id).await.accepted_answers, 1);
    let page = ac.get(&url(&q)).await;
    assert!(page.text().contains("已解决"));
    assert_eq!(page.select(".accepted-answer").len(), 1);
    ac.post_form(&format!("/posts/{}/accept", a2.id), &[]).await;
    assert_eq!(user_row(&app, first_helper.id).await.accepted_answers, 0);
    assert_eq!(user_row(&app, second_helper.id).await.accepted_answers, 1);
    let solved = app.db(move |conn| Thread::find(conn, q.id).unwrap()).await;
    assert_eq!(solved.accepted_post_id, Some(a2.id));
    // Not the question itself, not the asker's own reply, not in a discussion.
    let first = app.db(move |conn| Post::by_number(conn, q.id, 1).unwrap()).await;
    assert_eq!(
        ac.post_form(&format!("/posts/{}/accept", first.id), &[])
            .await
            .status,
        409
    );
    assert_eq!(
        ac.post_form(&format!("/posts/{}/accept", own.id), &[])
            .await
            .status,
        409
    );
    let d = thread(
        &app,
        asker.id,
        board,
        "Just chatting here",
        "Hello",
        ThreadKind::Discussion,
    )
    .await;
    let dr = answer(&app, first_helper.id, d.id, "Hi").await;
    assert_eq!(
        ac.post_form(&format!("/posts/{}/accept", dr.id), &[])
            .await
            .status,
        409
    );
    // Taking it back.
    ac.post_form(&format!("/posts/{}/accept", a2.id), &[]).await;
    assert_eq!(user_row(&app, second_helper.id).await.accepted_answers, 0);
    // Deleting an accepted answer takes its count back.
    ac.post_form(&format!("/posts/{}/accept", a1.id), &[]).await;
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = app.new_client();
    mc.login(&moderator.username, &moderator.password).await;
    mc.get(&url(&q)).await;
    mc.post_form(&format!("/posts/{}/delete", a1.id), &[]).await;
    assert_eq!(user_row(&app, first_helper.id).await.accepted_answers, 0);
    let after = app.db(move |conn| Thread::find(conn, q.id).unwrap()).await;
    assert_eq!(after.accepted_post_id, None);
}

#[tokio::test]
async fn the_course_expert_accepts_on_their_board_and_the_profile_counts_it() {
    let app = TestApp::spawn().await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let course = app
        .course(&expert)
        .title("Accept Course")
        .price(0)
        .published()
        .create()
        .await;
    let other_expert = app.user(&unique("oth")).verified().certified().create().await;
    let (learner, _) = member(&app, "lrn").await;
    let (cid, lid, oid) = (course.id, learner.id, other_expert.id);
    app.db(move |conn| {
        klearn_db::enrollments::Enrollment::enroll(conn, lid, cid, "free", None).unwrap();
        klearn_db::enrollments::Enrollment::enroll(conn, oid, cid, "free", None).unwrap();
    })
    .await;
    let q = thread(
        &app,
        learner.id,
        Board::Course(course.id),
        "Stuck on exercise two",
        "Help",
        ThreadKind::Question,
    )
    .await;
    let a = answer(&app, other_expert.id, q.id, "Try this.").await;
    // The course's page leads to its board.
    let board = format!("/courses/{}/discussions", course.slug);
    let landing = app.new_client().get(&format!("/courses/{}", course.slug)).await;
    assert!(landing.attrs("a.btn", "href").contains(&board));
    let ec = app.new_client();
    ec.login(&expert.username, &expert.password).await;
    ec.get(&url(&q)).await;
    assert_eq!(
        ec.post_form(&format!("/posts/{}/accept", a.id), &[]).await.status,
        303
    );
    let profile = ec.get(&format!("/experts/{}", other_expert.username)).await;
    let figures = profile.texts(".expert-figures dd");
    assert!(figures.contains(&"1".to_string()), "{figures:?}");
    let ranked = ec.get("/experts?sort=answers").await;
    let order = ranked.attrs(".expert-card a[href^='/experts/']", "href");
    assert_eq!(
        order.first(),
        Some(&format!("/experts/{}", other_expert.username)),
        "{order:?}"
    );
}

#[tokio::test]
async fn likes_are_one_per_member_never_ones_own_and_counted_everywhere() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, ac) = member(&app, "auth").await;
    let (fan, fc) = member(&app, "fan").await;
    let t = thread(
        &app,
        author.id,
        board,
        "Likeable thread here",
        "Good stuff",
        ThreadKind::Discussion,
    )
    .await;
    let first = app.db(move |conn| Post::by_number(conn, t.id, 1).unwrap()).await;
    fc.get(&url(&t)).await;
    assert_eq!(
        fc.post_form(&format!("/posts/{}/like", first.id), &[])
            .await
            .status,
        303
    );
    assert_eq!(post_row(&app, first.id).await.likes_count, 1);
    assert_eq!(user_row(&app, author.id).await.likes_received, 1);
    assert_eq!(
        app.db(move |conn| Thread::find(conn, t.id).unwrap())
            .await
            .likes_count,
        1
    );
    let page = fc.get(&url(&t)).await;
    assert_eq!(
        page.attrs(".like-button", "aria-pressed"),
        vec!["true".to_string()]
    );
    // A second press takes it back.
    fc.post_form(&format!("/posts/{}/like", first.id), &[]).await;
    assert_eq!(post_row(&app, first.id).await.likes_count, 0);
    assert_eq!(user_row(&app, author.id).await.likes_received, 0);
    // Not one's own post; not unverified; not a guest.
    ac.get(&url(&t)).await;
    assert_eq!(
        ac.post_form(&format!("/posts/{}/like", first.id), &[])
            .await
            .status,
        403
    );
    let unverified = app.user(&unique("unv")).create().await;
    let uc = app.new_client();
    uc.login(&unverified.username, &unverified.password).await;
    uc.get(&url(&t)).await;
    assert_eq!(
        uc.post_form(&format!("/posts/{}/like", first.id), &[])
            .await
            .status,
        403
    );
    assert_eq!(post_row(&app, first.id).await.likes_count, 0);
    // Twenty concurrent likes by one member leave one or none, never more.
    fc.get(&url(&t)).await;
    let mut presses = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (http, token, path) = (
            fc.http.clone(),
            fc.csrf_token().unwrap(),
            app.url(&format!("/posts/{}/like", first.id)),
        );
        presses.spawn(async move {
            http.post(path)
                .form(&[("csrf_token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(s) = presses.join_next().await {
        assert_eq!(s.unwrap(), 303);
    }
    let likes = post_row(&app, first.id).await.likes_count;
    let received = user_row(&app, author.id).await.likes_received;
    assert!(likes == 0 || likes == 1, "{likes}");
    assert_eq!(received, likes, "the author's total follows the post's");
    let _ = fan;
}

#[tokio::test]
async fn thread_addresses_redirect_to_the_one_with_the_right_slug() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let t = thread(
        &app,
        author.id,
        board,
        "Rust 并发编程入门",
        "Hello",
        ThreadKind::Discussion,
    )
    .await;
    assert_eq!(t.slug, "rust-bing-fa-bian-cheng-ru-men");
    let bare = c.get(&format!("/t/{}", t.id)).await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.location(), Some(url(&t).as_str()));
    let wrong = c.get(&format!("/t/{}/wrong-slug?page=1", t.id)).await;
    assert_eq!(wrong.status, 301);
    assert_eq!(wrong.location(), Some(format!("{}?page=1", url(&t)).as_str()));
    assert_eq!(c.get(&url(&t)).await.status, 200);
    assert_eq!(c.get("/t/999999").await.status, 404);
    assert_eq!(c.get("/t/abc").await.status, 404);
    assert_eq!(
        c.get(&format!("{}?page=2", url(&t))).await.status,
        404,
        "past the last page"
    );
    // A long thread pages by fifty posts.
    let (helper, _) = member(&app, "help").await;
    for i in 0..55 {
        answer(&app, helper.id, t.id, &format!("reply {i}")).await;
    }
    let p2 = c.get(&format!("{}?page=2", url(&t))).await;
    assert_eq!(p2.select("li.post").len(), 6);
    assert!(p2.select("#post-51").len() == 1);
}

#[tokio::test]
async fn lists_page_by_cursor_in_order_with_pinned_threads_first() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let mut made = Vec::new();
    for i in 0..65 {
        let kind = if i % 5 == 0 {
            ThreadKind::Question
        } else {
            ThreadKind::Discussion
        };
        let t = thread(
            &app,
            author.id,
            board,
            &format!("Numbered thread {i:03}"),
            "body",
            kind,
        )
        .await;
        made.push(t.id);
    }
    // Distinct activity times, newest last made; one pinned, one with likes.
    let ids = made.clone();
    app.db(move |conn| {
        for (i, id) in ids.iter().enumerate() {
            diesel::update(threads::table.find(*id))
                .set((
                    threads::last_post_at.eq(klearn_db::now() - chrono::Duration::minutes(100 - i as i64)),
                    threads::likes_count.eq((i % 7) as i64),
                ))
                .execute(conn)
                .unwrap();
        }
        diesel::update(threads::table.find(ids[3]))
            .set(threads::pinned.eq(true))
            .execute(conn)
            .unwrap();
    })
    .await;
    let mut seen: Vec<String> = Vec::new();
    let mut next = Some("/forum/general".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let page = c.get(&path).await;
        assert_eq!(page.status, 200);
        let titles = page.texts(".thread-title a");
        if pages == 0 {
            assert_eq!(titles[0], "Numbered thread 003", "pinned first");
        } else {
            assert!(!titles.contains(&"Numbered thread 003".to_string()));
        }
        seen.extend(titles);
        next = page.attrs("a[rel=next]", "href").first().cloned();
        pages += 1;
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 65, "each thread once");
    let mut expected: Vec<String> = (0..65)
        .rev()
        .filter(|i| *i != 3)
        .map(|i| format!("Numbered thread {i:03}"))
        .collect();
    expected.insert(0, "Numbered thread 003".into());
    assert_eq!(seen, expected);
    // Rubbish in the cursor is the first page.
    let junk = c.get("/forum/general?before=zzz").await;
    assert_eq!(junk.texts(".thread-title a")[0], "Numbered thread 003");
    // Top: by likes, then newest; unanswered: questions without replies.
    let top = c.get("/forum/general?sort=top").await;
    let likes: Vec<i64> = top
        .texts(".thread-stats div:nth-child(2) dd")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(likes.windows(2).all(|w| w[0] >= w[1]), "{likes:?}");
    let unanswered = c.get("/forum/general?sort=unanswered").await;
    assert_eq!(unanswered.texts(".thread-title a").len(), 13);
    let (helper, _) = member(&app, "help").await;
    answer(&app, helper.id, made[0], "an answer").await;
    let unanswered = c.get("/forum/general?sort=unanswered").await;
    assert_eq!(unanswered.texts(".thread-title a").len(), 12);
    let week = c.get("/forum/general?sort=top&period=week").await;
    assert_eq!(week.status, 200);
    assert_eq!(week.texts(".thread-title a").len(), 30);
}

#[tokio::test]
async fn search_finds_chinese_and_english_and_follows_edits_and_deletions() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let t = thread(
        &app,
        author.id,
        board,
        "并发编程的常见陷阱",
        "Deadlocks with goroutine leaks",
        ThreadKind::Discussion,
    )
    .await;
    let (helper, hc) = member(&app, "help").await;
    let r = answer(&app, helper.id, t.id, "试试 errgroup 和超时控制").await;
    for (q, hit) in [
        ("并发", true),
        ("goroutine", true),
        ("errgroup", true),
        ("超时", true),
        ("kubernetes", false),
    ] {
        let page = c.get(&format!("/forum?q={}", urlencode(q))).await;
        assert_eq!(page.text().contains("并发编程的常见陷阱"), hit, "{q}");
    }
    hc.get(&format!("/posts/{}/edit", r.id)).await;
    hc.post_form(&format!("/posts/{}/edit", r.id), &[("body", "用 context 取消")])
        .await;
    assert!(!c
        .get("/forum?q=errgroup")
        .await
        .text()
        .contains("并发编程的常见陷阱"));
    assert!(c
        .get(&format!("/forum?q={}", urlencode("取消")))
        .await
        .text()
        .contains("并发编程的常见陷阱"));
    hc.get(&url(&t)).await;
    hc.post_form(&format!("/posts/{}/delete", r.id), &[]).await;
    assert!(!c
        .get(&format!("/forum?q={}", urlencode("取消")))
        .await
        .text()
        .contains("并发编程的常见陷阱"));
    let nothing = c.get("/forum?q=%21%21%21").await;
    assert_eq!(nothing.status, 200);
    // A match in a title comes before newer matches in posts.
    let later = thread(
        &app,
        author.id,
        board,
        "Channels or mutexes?",
        "Both have their place in 并发 code.",
        ThreadKind::Discussion,
    )
    .await;
    let found = c.get(&format!("/forum?q={}", urlencode("并发"))).await;
    assert_eq!(
        found.texts(".thread-title a"),
        vec!["并发编程的常见陷阱".to_string(), later.title.clone()]
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn markup_in_titles_posts_and_tags_stays_inert() {
    let app = TestApp::spawn().await;
    let (_, c) = member(&app, "xss").await;
    c.get("/forum/general/new").await;
    let res = c
        .post_form(
            "/forum/general/new",
            &[
                ("title", "<script>alert('t')</script> title"),
                (
                    "body",
                    "<script>alert('b')</script><img src=x onerror=alert(1)> [x](javascript:alert(2))",
                ),
                ("kind", "discussion"),
                ("tags", "<b onclick=x>t"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = c.get(res.location().unwrap()).await;
    for bad in ["<script>alert", "<img src=x", "href=\"javascript:", "<b onclick"] {
        assert!(!page.body.contains(bad), "{bad} got through");
    }
    assert!(
        page.body.contains("&lt;script&gt;alert"),
        "the title is shown as text"
    );
    let list = c.get("/forum/general").await;
    assert!(!list.body.contains("<script>alert") && !list.body.contains("<b onclick"));
    let _ = CourseId(0);
}

#[tokio::test]
async fn moderators_pin_lock_and_move_threads_and_nobody_else_may() {
    let app = TestApp::spawn().await;
    let board = general(&app).await;
    let (author, c) = member(&app, "auth").await;
    let t = thread(
        &app,
        author.id,
        board,
        "A thread to moderate",
        "body",
        ThreadKind::Discussion,
    )
    .await;
    let moderate = format!("/t/{}/moderate", t.id);
    // The author and a guest have no tools and are refused.
    let page = c.get(&url(&t)).await;
    assert!(page.select(".mod-tools").is_empty());
    assert_eq!(c.post_form(&moderate, &[("action", "pin")]).await.status, 403);
    let guest = app.new_client();
    guest.get(&url(&t)).await;
    let res = guest.post_form(&moderate, &[("action", "lock")]).await;
    assert!(matches!(res.status, 303 | 403), "{}", res.status);
    assert!(!app.db(move |conn| Thread::find(conn, t.id).unwrap()).await.locked);

    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let m = app.new_client();
    m.login(&moderator.username, &moderator.password).await;
    let page = m.get(&url(&t)).await;
    assert_eq!(page.select(".mod-tools").len(), 1);
    assert!(!page
        .attrs("#mod-category option", "value")
        .contains(&"general".to_string()));
    assert_eq!(m.post_form(&moderate, &[("action", "pin")]).await.status, 303);
    assert_eq!(m.post_form(&moderate, &[("action", "lock")]).await.status, 303);
    assert_eq!(m.post_form(&moderate, &[("action", "explode")]).await.status, 400);
    assert_eq!(
        m.post_form(&moderate, &[("action", "move"), ("category", "no-such-board")])
            .await
            .status,
        404
    );
    let res = m
        .post_form(&moderate, &[("action", "move"), ("category", "career")])
        .await;
    assert_eq!(res.status, 303);
    let now = app.db(move |conn| Thread::find(conn, t.id).unwrap()).await;
    assert!(now.pinned && now.locked);
    let career = app
        .db(|conn| Category::find_by_slug(conn, FORUM, "career").unwrap().id)
        .await;
    assert_eq!(now.category_id, Some(career));
    // Locked: the reply box says so and a reply is refused.
    let page = c.get(&url(&now)).await;
    assert!(page.select("#reply form").is_empty());
    let res = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", "late reply")])
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    // Pinned at the top of its new board, gone from the old one.
    let list = c.get("/forum/career").await;
    assert_eq!(list.texts(".thread-title a")[0], "A thread to moderate");
    assert!(!c
        .get("/forum/general")
        .await
        .text()
        .contains("A thread to moderate"));
    // Each action is in the audit log.
    let actions = app
        .db(|conn| {
            use klearn_db::schema::audit_log as a;
            a::table
                .filter(a::object_type.eq("thread"))
                .select(a::action)
                .order(a::id)
                .load::<String>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(actions, vec!["thread.pin", "thread.lock", "thread.move"]);
    // Unlocked, the thread takes replies again.
    assert_eq!(m.post_form(&moderate, &[("action", "unlock")]).await.status, 303);
    app.wait_out_posting(author.id).await;
    let reply = c
        .post_form(&format!("/t/{}/replies", t.id), &[("body", "now it is open")])
        .await;
    assert_eq!(reply.status, 303);
}

#[tokio::test]
async fn the_scale_seed_writes_a_forum_that_the_pages_and_search_read() {
    let app = TestApp::spawn().await;
    let pool = app.pool.clone();
    let report = tokio::task::spawn_blocking(move || klearn::demo::scale::seed(&pool, 300))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.threads, 30, "a thread per ten members");
    assert!(
        report.posts > 6 * 30 + 60 && report.posts < 14 * 30 + 60,
        "about ten posts per thread, and the benchmark's 60: {}",
        report.posts
    );
    let (posts, counted, likes, liked) = app
        .db(|conn| {
            use klearn_db::schema::{post_likes, users};
            (
                posts::table.count().get_result::<i64>(conn).unwrap(),
                users::table
                    .select(users::posts_count)
                    .load::<i64>(conn)
                    .unwrap()
                    .iter()
                    .sum::<i64>(),
                post_likes::table.count().get_result::<i64>(conn).unwrap(),
                threads::table
                    .select(threads::likes_count)
                    .load::<i64>(conn)
                    .unwrap()
                    .iter()
                    .sum::<i64>(),
            )
        })
        .await;
    assert_eq!(posts as usize, report.posts);
    assert_eq!(counted, posts, "members' post counters");
    assert_eq!(likes, liked, "threads' like counters");
    // The benchmark's thread: found by search, 50 posts on its first page.
    let c = app.new_client();
    let found = c.get("/forum?q=benchmark+thread+fifty").await;
    let href = found.attrs(".thread-title a", "href")[0].clone();
    let page = c.get(&href).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.select("li.post").len(), 50);
    let general = app
        .db(|conn| {
            let general = Category::list(conn, FORUM)
                .unwrap()
                .into_iter()
                .find(|c| c.slug == "general")
                .unwrap();
            threads::table
                .filter(threads::category_id.eq(general.id))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert!(general > 10, "nearly half the threads are in General: {general}");
    assert_eq!(
        c.get("/forum/general").await.select(".thread-row").len(),
        general.min(30) as usize
    );
    let solved = app
        .db(|conn| {
            threads::table
                .filter(threads::accepted_post_id.is_not_null())
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert!(solved > 0, "some questions are solved");
}
