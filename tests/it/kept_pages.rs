//! Members' pages read from kept data (the forum's lists and threads, the
//! expert directory and profiles, course landing pages): a change made
//! through a use case shows to a signed-in member at once, and one member's
//! own state (likes, follows, enrolment, cart) never shows to another.

use klearn::domain::account::Role;

use crate::common::{unique, Client, TestApp, TestUser};

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = signed_in(app, &user).await;
    (user, c)
}

/// The page read twice, so that the second answer comes from kept data.
async fn twice(c: &Client, path: &str) -> String {
    assert_eq!(c.get(path).await.status, 200, "{path}");
    let res = c.get(path).await;
    assert_eq!(res.status, 200, "{path}");
    res.text()
}

/// A thread started through the page, as `c`: its address.
async fn start_thread(c: &Client, title: &str, body: &str) -> String {
    c.get("/forum/general/new").await;
    let res = c
        .post_form(
            "/forum/general/new",
            &[
                ("title", title),
                ("body", body),
                ("kind", "discussion"),
                ("tags", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location().unwrap().to_string()
}

/// The id in a thread's address `/t/{id}/{slug}`.
fn thread_id(url: &str) -> String {
    url.split('/').nth(2).unwrap().to_string()
}

#[tokio::test]
async fn a_reply_shows_at_once_in_the_thread_and_the_lists_of_a_member() {
    let app = TestApp::spawn().await;
    let (_, author) = member(&app, "author").await;
    let (_, reader) = member(&app, "reader").await;
    let (replier, rc) = member(&app, "replier").await;
    let thread = start_thread(&author, "Kept thread for members", "Opening words.").await;

    let before = twice(&reader, &thread).await;
    assert!(!before.contains("A reply that must show"));
    assert!(!twice(&reader, "/forum").await.contains(&replier.username));
    assert!(!twice(&reader, "/forum/general").await.contains(&replier.username));

    rc.get(&thread).await;
    let res = rc
        .post_form(
            &format!("/t/{}/replies", thread_id(&thread)),
            &[("body", "A reply that must show.")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    assert!(
        reader
            .get(&thread)
            .await
            .text()
            .contains("A reply that must show"),
        "the thread shows the reply"
    );
    for list in ["/forum", "/forum/general", "/forum/general?sort=top&period=day"] {
        let page = reader.get(list).await;
        assert_eq!(page.status, 200, "{list}");
        assert!(
            page.text().contains(&replier.username),
            "{list} names the last poster"
        );
    }

    // The reply form is the member's own: a guest is asked to sign in.
    let guest = app.new_client();
    let page = guest.get(&thread).await;
    assert!(page.select("form[action$='/replies']").is_empty());
    assert!(!reader
        .get(&thread)
        .await
        .select("form[action$='/replies']")
        .is_empty());
}

#[tokio::test]
async fn one_members_like_is_never_shown_to_another() {
    let app = TestApp::spawn().await;
    let (_, author) = member(&app, "author").await;
    let (_, fan) = member(&app, "fan").await;
    let (_, other) = member(&app, "other").await;
    let thread = start_thread(&author, "A thread to like", "Worth a like.").await;
    let id = thread_id(&thread);
    let first: i64 = app
        .db(move |conn| {
            klearn_db::forum::Post::by_number(conn, klearn_db::ThreadId(id.parse().unwrap()), 1)
                .unwrap()
                .id
                .0
        })
        .await;

    assert_eq!(
        fan.get(&thread).await.attrs(".like-button", "aria-pressed"),
        vec!["false"]
    );
    let res = fan.post_form(&format!("/posts/{first}/like"), &[]).await;
    assert_eq!(res.status, 303);
    for _ in 0..2 {
        assert_eq!(
            fan.get(&thread).await.attrs(".like-button", "aria-pressed"),
            vec!["true"],
            "the fan's own like"
        );
        assert_eq!(
            other.get(&thread).await.attrs(".like-button", "aria-pressed"),
            vec!["false"],
            "not the other member's"
        );
    }
    // The count is everyone's.
    assert!(other.get(&thread).await.select(".like-button")[0].contains("· 1"));
}

#[tokio::test]
async fn a_follow_shows_at_once_and_only_to_the_follower() {
    let app = TestApp::spawn().await;
    let expert = app.user(&unique("expert")).verified().certified().create().await;
    let (_, fan) = member(&app, "fan").await;
    let (_, other) = member(&app, "other").await;
    let profile = format!("/experts/{}", expert.username);
    assert!(twice(&other, &profile).await.contains("0 位关注者"));
    twice(&other, "/experts").await;

    fan.get(&profile).await;
    assert_eq!(fan.post_form(&format!("{profile}/follow"), &[]).await.status, 303);
    for _ in 0..2 {
        let theirs = other.get(&profile).await;
        assert!(theirs.text().contains("1 位关注者"), "the count shows at once");
        assert_eq!(
            theirs.attrs("button[aria-pressed]", "aria-pressed"),
            vec!["false"],
            "the other member does not follow"
        );
        assert_eq!(
            fan.get(&profile)
                .await
                .attrs("button[aria-pressed]", "aria-pressed"),
            vec!["true"],
            "the fan does"
        );
    }
    assert!(other.get("/experts").await.text().contains(&expert.username));
}

#[tokio::test]
async fn a_review_shows_at_once_and_enrolment_and_cart_stay_the_members_own() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("owner")).verified().certified().create().await;
    let free = app
        .course(&owner)
        .title("Kept landing course")
        .lesson("Getting started", false, "First steps.", "")
        .published()
        .create()
        .await;
    let paid = app
        .course(&owner)
        .title("Kept paid course")
        .price(9900)
        .lesson("Paid lesson", false, "Steps.", "")
        .published()
        .create()
        .await;
    let (_, learner) = member(&app, "learner").await;
    let (_, other) = member(&app, "other").await;
    let landing = format!("/courses/{}", free.slug);
    let enroll_form = format!("form[action='/courses/{}/enroll']", free.slug);
    assert_eq!(other.get(&landing).await.select(&enroll_form).len(), 1);

    // Enrolled: the learner's page says so, the other member's does not.
    learner.get(&landing).await;
    let res = learner.post_form(&format!("{landing}/enroll"), &[]).await;
    assert_eq!(res.status, 303);
    for _ in 0..2 {
        let mine = learner.get(&landing).await;
        assert!(mine.text().contains("你已加入这门课程。"));
        assert!(mine.select(&enroll_form).is_empty());
        assert_eq!(
            mine.attrs(".course-buy a.btn-primary", "href"),
            vec![format!("{landing}/lessons/{}", free.lessons[0])],
            "the lesson to continue with"
        );
        let theirs = other.get(&landing).await;
        assert!(!theirs.text().contains("你已加入这门课程。"));
        assert_eq!(theirs.select(&enroll_form).len(), 1);
    }

    // In the cart: the learner's own.
    let paid_landing = format!("/courses/{}", paid.slug);
    twice(&other, &paid_landing).await;
    learner.get(&paid_landing).await;
    let res = learner
        .post_form("/cart/items", &[("course_id", &paid.id.0.to_string())])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(learner.get(&paid_landing).await.text().contains("已在购物车中"));
    assert!(!other.get(&paid_landing).await.text().contains("已在购物车中"));

    // A review appears on the landing page of another member at once.
    assert!(!twice(&other, &landing).await.contains("Kind and clear"));
    learner
        .get(&format!("{landing}/lessons/{}", free.lessons[0]))
        .await;
    let reviews = format!("{landing}/reviews");
    learner.get(&reviews).await;
    let res = learner
        .post_form(
            &reviews,
            &[
                ("rating", "5"),
                ("title", "Kind and clear"),
                ("body", "Every lesson was worth it."),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(other.get(&landing).await.text().contains("Kind and clear"));
}

#[tokio::test]
async fn a_draft_and_a_deleted_thread_stay_hidden_from_members_with_kept_data() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("owner")).verified().certified().create().await;
    let oc = signed_in(&app, &owner).await;
    let (_, m) = member(&app, "member").await;
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let mc = signed_in(&app, &moderator).await;
    let draft = app
        .course(&owner)
        .title("Draft behind kept data")
        .lesson("Intro", false, "Hello.", "")
        .create()
        .await;
    let landing = format!("/courses/{}", draft.slug);
    // The owner reads it (and so it is kept); others still get 404.
    for _ in 0..2 {
        assert_eq!(oc.get(&landing).await.status, 200);
        assert_eq!(m.get(&landing).await.status, 404);
        assert_eq!(app.new_client().get(&landing).await.status, 404);
    }

    let thread = start_thread(&m, "Thread to be deleted", "Soon gone.").await;
    twice(&mc, &thread).await;
    twice(&m, &thread).await;
    let id = thread_id(&thread);
    let first: i64 = app
        .db(move |conn| {
            klearn_db::forum::Post::by_number(conn, klearn_db::ThreadId(id.parse().unwrap()), 1)
                .unwrap()
                .id
                .0
        })
        .await;
    let res = m.post_form(&format!("/posts/{first}/delete"), &[]).await;
    assert_eq!(res.status, 303);
    for _ in 0..2 {
        assert_eq!(m.get(&thread).await.status, 404);
        assert_eq!(mc.get(&thread).await.status, 200, "moderators still read it");
    }
}

#[tokio::test]
async fn with_nothing_kept_members_pages_are_read_each_time() {
    let app = TestApp::builder().env("KLEARN_PAGE_CACHE_MB", "0").spawn().await;
    let expert = app.user(&unique("expert")).verified().certified().create().await;
    let course = app
        .course(&expert)
        .title("Unkept course")
        .lesson("Intro", false, "Hello.", "")
        .published()
        .create()
        .await;
    let (_, m) = member(&app, "member").await;
    let thread = start_thread(&m, "Unkept thread", "Read each time.").await;
    for path in [
        "/forum".to_string(),
        "/forum/general".to_string(),
        thread.clone(),
        "/experts".to_string(),
        format!("/experts/{}", expert.username),
        format!("/courses/{}", course.slug),
        format!("/courses/{}/discussions", course.slug),
    ] {
        assert_eq!(m.get(&path).await.status, 200, "{path}");
        assert_eq!(app.new_client().get(&path).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn the_expert_role_taken_away_closes_a_kept_profile_at_once() {
    let app = TestApp::spawn().await;
    let admin = app
        .user(&unique("admin"))
        .verified()
        .role(Role::Admin)
        .create()
        .await;
    let ac = signed_in(&app, &admin).await;
    let expert = app
        .user(&unique("studio"))
        .verified()
        .role(Role::Expert)
        .create()
        .await;
    let (_, m) = member(&app, "member").await;
    let profile = format!("/experts/{}", expert.username);
    twice(&m, &profile).await;

    let path = format!("/admin/users/{}/roles", expert.id);
    ac.get(&format!("/admin/users/{}", expert.id)).await;
    assert_eq!(ac.post_form(&path, &[("roles", "moderator")]).await.status, 303);
    assert_eq!(m.get(&profile).await.status, 404, "no expert role, no profile");
    assert_eq!(app.new_client().get(&profile).await.status, 404);
    assert_eq!(ac.post_form(&path, &[("roles", "expert")]).await.status, 303);
    assert_eq!(m.get(&profile).await.status, 200);
}
