//! The guest page cache: guests get kept pages (with ETag and 304), nobody
//! else ever does, every change a guest could see renews them, and two
//! instances on one database agree.

use std::time::{Duration, Instant};

use klearn::domain::account::Role;

use crate::common::{unique, Client, Response, TestApp, TestCourse, TestUser};

const CACHE: &str = "x-klearn-cache";

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

async fn staff(app: &TestApp, prefix: &str, role: Role) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().role(role).create().await;
    let c = signed_in(app, &user).await;
    (user, c)
}

/// A free published course with two lessons.
async fn course(app: &TestApp, owner: &TestUser, title: &str) -> TestCourse {
    app.course(owner)
        .title(title)
        .lesson("Getting started", false, "First steps.", "")
        .lesson("Going further", false, "More steps.", "")
        .published()
        .create()
        .await
}

/// The page as a guest, after making sure it is kept: the second request is
/// answered from the cache.
async fn kept(app: &TestApp, guest: &Client, path: &str) -> Response {
    // The jobs a change enqueued (a rating refresh) may change the page too.
    app.jobs_settled().await;
    guest.get(path).await;
    let res = guest.get(path).await;
    assert_eq!(res.status, 200, "{path}");
    assert_eq!(res.header(CACHE), Some("hit"), "{path} is kept");
    res
}

/// The page as a guest right after a change: rendered again.
async fn renewed(guest: &Client, path: &str) -> Response {
    let res = guest.get(path).await;
    assert_eq!(res.status, 200, "{path}");
    assert_eq!(
        res.header(CACHE),
        Some("miss"),
        "{path} is rendered again after the change"
    );
    res
}

#[tokio::test]
async fn guests_get_kept_pages_with_an_etag_and_each_language_its_own() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("expert")).verified().certified().create().await;
    let c = course(&app, &owner, "Kept course").await;
    let guest = app.new_client();
    app.jobs_settled().await;
    let first = guest.get("/courses").await;
    assert_eq!(first.header(CACHE), Some("miss"));
    let again = guest.get("/courses").await;
    assert_eq!(again.header(CACHE), Some("hit"));
    assert_eq!(first.body, again.body, "the kept page is the page");
    assert!(again.text().contains("Kept course"));
    assert!(guest.cookies().is_empty(), "a kept page sets no cookie");
    assert!(
        !again.body.contains("csrf_token"),
        "no kept page holds a form token"
    );

    // A conditional request for the same page is answered with 304.
    let etag = again.header("etag").expect("an ETag").to_string();
    let not_modified = guest.get_with("/courses", &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    let other = guest
        .get_with("/courses", &[("if-none-match", "\"other\"")])
        .await;
    assert_eq!(other.status, 200);

    // English is kept apart from Chinese.
    let en = guest.get_with("/courses", &[("accept-language", "en")]).await;
    assert_eq!(en.header(CACHE), Some("miss"));
    assert_eq!(en.attrs("html", "lang"), vec!["en".to_string()]);
    let en = guest.get_with("/courses", &[("accept-language", "en")]).await;
    assert_eq!(en.header(CACHE), Some("hit"));
    assert_eq!(en.attrs("html", "lang"), vec!["en".to_string()]);
    assert_eq!(
        guest.get("/courses").await.attrs("html", "lang"),
        vec!["zh-CN".to_string()]
    );

    // Every page guests browse is kept.
    for path in [
        "/".to_string(),
        format!("/courses/{}", c.slug),
        format!("/courses/{}/reviews", c.slug),
        "/experts".to_string(),
        format!("/experts/{}", owner.username),
        "/forum".to_string(),
    ] {
        kept(&app, &guest, &path).await;
    }

    // Errors are never kept.
    for _ in 0..2 {
        let missing = guest.get("/courses/no-such-course").await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.header(CACHE), None);
    }
}

#[tokio::test]
async fn members_sessions_flashes_and_cookies_never_meet_the_cache() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("expert")).verified().certified().create().await;
    course(&app, &owner, "Private view").await;
    let member = app.user(&unique("member")).verified().create().await;
    let m = signed_in(&app, &member).await;
    let guest = app.new_client();
    kept(&app, &guest, "/courses").await;

    // A signed-in member gets their own page, never the guests'.
    for _ in 0..2 {
        let page = m.get("/courses").await;
        assert_eq!(page.header(CACHE), None);
        assert!(page.text().contains(&member.username), "the member's own header");
    }
    let guests = guest.get("/courses").await;
    assert_eq!(guests.header(CACHE), Some("hit"));
    assert!(!guests.text().contains(&member.username));

    // A guest who opened a form holds a session (its token): not cached.
    let visitor = app.new_client();
    assert_eq!(visitor.get("/login").await.status, 200);
    assert!(!visitor.cookies().is_empty());
    for _ in 0..2 {
        assert_eq!(visitor.get("/courses").await.header(CACHE), None);
    }

    // A flash to show is someone's: not cached.
    let flashed = app.new_client();
    flashed.set_cookies(&format!(
        "{}=x",
        app.settings.cookie_name(klearn::web::flash::COOKIE_BASE_NAME)
    ));
    assert_eq!(flashed.get("/courses").await.header(CACHE), None);

    // An answer that sets a cookie (choosing a language) is not kept.
    let chooser = app.new_client();
    let chosen = chooser.get("/courses?lang=en").await;
    assert_eq!(chosen.status, 200);
    assert_eq!(chosen.header(CACHE), None);
    assert!(chooser.cookies().contains("en"));
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = TestApp::builder().env("KLEARN_PAGE_CACHE_MB", "0").spawn().await;
    let guest = app.new_client();
    for _ in 0..2 {
        let page = guest.get("/courses").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.header(CACHE), None);
    }
}

#[tokio::test]
async fn courses_published_unpublished_revised_and_featured_renew_the_pages() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("owner")).verified().certified().create().await;
    let o = signed_in(&app, &owner).await;
    let (_, m) = staff(&app, "mod", Role::Moderator).await;
    let (_, a) = staff(&app, "admin", Role::Admin).await;
    let member = app.user(&unique("member")).verified().create().await;
    let mc = signed_in(&app, &member).await;
    let guest = app.new_client();

    // Published: the catalogue shows it at once.
    let draft = app
        .course(&owner)
        .title("Fresh arrival")
        .lesson("Intro", false, "Hello.", "")
        .create()
        .await;
    assert!(!kept(&app, &guest, "/courses")
        .await
        .text()
        .contains("Fresh arrival"));
    // A member's catalogue and home page are read from kept data: renewed too.
    for _ in 0..2 {
        assert!(!mc.get("/courses").await.text().contains("Fresh arrival"));
        assert!(!mc.get("/").await.text().contains("Fresh arrival"));
    }
    assert_eq!(o.submit_course(draft.id).await.status, 303);
    assert_eq!(m.approve_course(draft.id).await.status, 303);
    assert!(renewed(&guest, "/courses").await.text().contains("Fresh arrival"));
    assert!(mc.get("/courses").await.text().contains("Fresh arrival"));
    assert!(
        mc.get("/").await.text().contains("Fresh arrival"),
        "the newest courses on the home page"
    );

    // A revision approved: the landing page shows the new lesson title.
    let landing = format!("/courses/{}", draft.slug);
    assert!(!kept(&app, &guest, &landing)
        .await
        .text()
        .contains("Renamed lesson"));
    let res = o
        .edit_lesson(
            draft.lessons[0],
            &[
                ("title", "Renamed lesson"),
                ("body", "Hello."),
                ("duration_minutes", "10"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        !kept(&app, &guest, &landing)
            .await
            .text()
            .contains("Renamed lesson"),
        "waiting changes show nothing"
    );
    assert_eq!(m.approve_changes(draft.id).await.status, 303);
    assert!(renewed(&guest, &landing).await.text().contains("Renamed lesson"));

    // Featured: the home page changes.
    kept(&app, &guest, "/").await;
    a.get("/admin/courses").await;
    let res = a
        .post_form(&format!("/admin/courses/{}/feature", draft.id), &[])
        .await;
    assert_eq!(res.status, 303);
    renewed(&guest, "/").await;

    // Unpublished: gone from the catalogue.
    kept(&app, &guest, "/courses").await;
    o.get(&format!("/studio/courses/{}/edit", draft.id)).await;
    let res = o
        .post_form(&format!("/studio/courses/{}/unpublish", draft.id), &[])
        .await;
    assert_eq!(res.status, 303);
    assert!(!renewed(&guest, "/courses").await.text().contains("Fresh arrival"));
}

#[tokio::test]
async fn reviews_replies_certification_and_suspension_renew_the_pages() {
    let app = TestApp::spawn().await;
    let owner = app.user(&unique("owner")).verified().certified().create().await;
    let c = course(&app, &owner, "Reviewed course").await;
    let guest = app.new_client();

    // A review.
    let reviews = format!("/courses/{}/reviews", c.slug);
    kept(&app, &guest, &reviews).await;
    let learner = app.user(&unique("learner")).verified().create().await;
    let l = signed_in(&app, &learner).await;
    l.get(&format!("/courses/{}", c.slug)).await;
    assert_eq!(
        l.post_form(&format!("/courses/{}/enroll", c.slug), &[])
            .await
            .status,
        303
    );
    l.get(&format!("/courses/{}/lessons/{}", c.slug, c.lessons[0]))
        .await;
    kept(&app, &guest, &reviews).await;
    l.get(&reviews).await;
    let res = l
        .post_form(
            &reviews,
            &[
                ("rating", "5"),
                ("title", "Clear and kind"),
                ("body", "Every lesson was worth it."),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(renewed(&guest, &reviews).await.text().contains("Clear and kind"));

    // A reply in the forum.
    l.get("/forum/general/new").await;
    let res = l
        .post_form(
            "/forum/general/new",
            &[
                ("title", "Where do I start with async?"),
                ("body", "Looking for a first project."),
                ("kind", "question"),
                ("tags", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let thread = res.location().unwrap().to_string();
    let tid = thread.split('/').nth(2).unwrap().to_string();
    kept(&app, &guest, &thread).await;
    kept(&app, &guest, "/forum").await;
    let o = signed_in(&app, &owner).await;
    o.get(&thread).await;
    let res = o
        .post_form(
            &format!("/t/{tid}/replies"),
            &[("body", "Start with a small web server.")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(renewed(&guest, &thread)
        .await
        .text()
        .contains("Start with a small web server."));
    renewed(&guest, "/forum").await;

    // Certification revoked: the directory no longer lists the expert.
    assert!(kept(&app, &guest, "/experts")
        .await
        .text()
        .contains(&owner.username));
    let (_, m) = staff(&app, "mod", Role::Moderator).await;
    m.get(&format!("/admin/users/{}", owner.id)).await;
    let res = m
        .post_form(
            &format!("/admin/experts/{}/revoke", owner.username),
            &[("reason", "Plagiarised lessons.")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(!renewed(&guest, "/experts").await.text().contains(&owner.username));

    // A suspension: the suspended member's expert profile goes.
    let other = app.user(&unique("expert")).verified().certified().create().await;
    let profile = format!("/experts/{}", other.username);
    kept(&app, &guest, &profile).await;
    kept(&app, &guest, "/experts").await;
    let tomorrow = (klearn_db::now() + chrono::Duration::days(2))
        .date()
        .format("%Y-%m-%d")
        .to_string();
    m.get(&format!("/admin/users/{}", other.id)).await;
    let res = m
        .post_form(
            &format!("/admin/users/{}/suspend", other.id),
            &[("reason", "Spam."), ("until", &tomorrow)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(!renewed(&guest, "/experts").await.text().contains(&other.username));
    assert_ne!(guest.get(&profile).await.header(CACHE), Some("hit"));
}

#[tokio::test]
async fn two_instances_on_one_database_never_serve_a_page_older_than_a_second() {
    let a = TestApp::spawn().await;
    let url = a.settings.database_url.clone();
    let b = TestApp::builder().env("DATABASE_URL", &url).spawn().await;
    let owner = a.user(&unique("owner")).verified().certified().create().await;
    let draft = a
        .course(&owner)
        .title("Across instances")
        .lesson("Intro", false, "Hello.", "")
        .create()
        .await;
    let guest = b.new_client();
    assert!(!kept(&a, &guest, "/courses")
        .await
        .text()
        .contains("Across instances"));

    // Published through instance A…
    let o = signed_in(&a, &owner).await;
    let (_, m) = staff(&a, "mod", Role::Moderator).await;
    assert_eq!(o.submit_course(draft.id).await.status, 303);
    assert_eq!(m.approve_course(draft.id).await.status, 303);

    // …and instance B, which kept the page, shows it once it has read the
    // generation again (it reads it at least once a second).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let page = guest.get("/courses").await;
        if page.text().contains("Across instances") {
            assert_eq!(page.header(CACHE), Some("miss"));
            break;
        }
        assert_eq!(page.header(CACHE), Some("hit"));
        assert!(Instant::now() < deadline, "instance B never saw the change");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(guest.get("/courses").await.header(CACHE), Some("hit"));
}
