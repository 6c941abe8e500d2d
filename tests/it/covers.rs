//! Generated covers: courses without an uploaded cover show a drawn one on
//! cards, landing pages and the home page, and link previews get it as PNG;
//! the drawing is cached by its ETag, follows the course, and is hidden
//! with the course; an uploaded cover is still preferred.

use klearn::domain::account::Role;
use klearn_db::courses::{Chapter, Course, CourseState};

use crate::common::{Client, TestApp, TestCourse, TestUser};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

async fn expert(app: &TestApp) -> TestUser {
    app.user("cover_expert").verified().certified().create().await
}

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

/// The bytes of a response, with its status and headers (images are not text).
async fn fetch(
    c: &Client,
    app: &TestApp,
    path: &str,
    etag: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = c.http.get(app.url(path));
    if let Some(etag) = etag {
        req = req.header("If-None-Match", etag);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn a_course_without_a_cover_shows_a_drawn_one_on_cards_pages_and_previews() {
    let app = TestApp::spawn().await;
    let o = expert(&app).await;
    let course = app
        .course(&o)
        .title("Go 并发编程")
        .category("go")
        .tags(&["go", "goroutine"])
        .published()
        .create()
        .await;
    let c = app.new_client();
    let svg_src = |res: &crate::common::Response| {
        res.attrs(".course-card img.card-media", "src")
            .into_iter()
            .find(|s| s.starts_with(&format!("/courses/{}/cover.svg?v=", course.slug)))
    };
    // The catalogue, the home page and the expert's profile: the drawn cover, no empty box.
    for page in ["/courses", "/", &format!("/experts/{}", o.username)] {
        let res = c.get(page).await;
        assert_eq!(res.status, 200, "{page}");
        assert!(
            svg_src(&res).is_some(),
            "{page}: {:?}",
            res.attrs(".course-card img", "src")
        );
        assert!(!res.body.contains("card-media-empty"), "{page}");
        let widths = res.attrs(".course-card img.card-media", "width");
        assert!(
            widths.iter().all(|w| w == "320"),
            "{page}: the uploaded covers' size: {widths:?}"
        );
    }
    // The landing page: the same cover in the buy box, with alt text; the PNG for previews.
    let landing = c.get(&format!("/courses/{}?lang=en", course.slug)).await;
    let img = landing.attrs(".course-buy img.card-media", "src");
    assert_eq!(img.len(), 1);
    assert!(img[0].starts_with(&format!("/courses/{}/cover.svg?v=", course.slug)));
    assert_eq!(
        landing.attrs(".course-buy img.card-media", "alt"),
        vec!["Cover of “Go 并发编程”".to_string()]
    );
    let og = landing.attrs("meta[property='og:image']", "content");
    assert_eq!(og.len(), 1);
    assert!(
        og[0].starts_with(&format!("{}/courses/{}/cover.png?v=", app.address, course.slug)),
        "{og:?}"
    );
    assert_eq!(
        landing.attrs("meta[property='og:image:type']", "content"),
        vec!["image/png"]
    );
    assert_eq!(
        landing.attrs("meta[property='og:image:width']", "content"),
        vec!["1200"]
    );

    // The SVG: its type, a strong ETag, kept by browsers, the topic drawn.
    let (status, headers, body) = fetch(&c, &app, &img[0], None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/svg+xml");
    let etag = header(&headers, "etag").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong ETag: {etag}"
    );
    assert!(
        header(&headers, "cache-control").contains("max-age="),
        "{headers:?}"
    );
    assert!(header(&headers, "cache-control").starts_with("public"));
    let svg = String::from_utf8(body).unwrap();
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(
        svg.contains(">goroutine</text>"),
        "the first tag that is not the category: {svg}"
    );
    // Asked again with its ETag: 304 and no body; with another one, the image.
    let (status, headers, body) = fetch(&c, &app, &img[0], Some(&etag)).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&headers, "etag"), etag);
    let (status, _, _) = fetch(&c, &app, &img[0], Some("\"svg-something-else\"")).await;
    assert_eq!(status, 200);
    // The same course draws the same cover.
    let (_, again, _) = fetch(&app.new_client(), &app, &img[0], None).await;
    assert_eq!(header(&again, "etag"), etag);

    // The PNG: a real PNG of the preview size, cached the same way.
    let png_path = og[0].trim_start_matches(&app.address).to_string();
    let (status, headers, body) = fetch(&c, &app, &png_path, None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert_eq!(&body[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&body[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(body[16..20].try_into().unwrap()), 1200);
    assert_eq!(u32::from_be_bytes(body[20..24].try_into().unwrap()), 630);
    let png_etag = header(&headers, "etag").to_string();
    assert_ne!(png_etag, etag);
    let (status, _, body) = fetch(&c, &app, &png_path, Some(&png_etag)).await;
    assert_eq!((status, body.len()), (304, 0));
}

#[tokio::test]
async fn the_drawn_cover_follows_the_course_and_escapes_its_title() {
    let app = TestApp::spawn().await;
    let o = expert(&app).await;
    // No category and no tags: the title is drawn.
    let course = app
        .course(&o)
        .title("<b>\"Tom & Jerry\"</b>")
        .category("no-such-category")
        .published()
        .create()
        .await;
    let c = app.new_client();
    let path = format!("/courses/{}/cover.svg", course.slug);
    let (_, headers, body) = fetch(&c, &app, &path, None).await;
    let svg = String::from_utf8(body).unwrap();
    assert!(
        svg.contains("&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;"),
        "{svg}"
    );
    assert!(!svg.contains("<b>"), "{svg}");
    let etag = header(&headers, "etag").to_string();
    let before = c
        .get("/courses")
        .await
        .attrs(".course-card img.card-media", "src");

    // A new title (a day later): a new drawing, a new ETag and a new URL on the cards.
    let id = course.id;
    app.db(move |conn| {
        use klearn_db::diesel::prelude::*;
        use klearn_db::schema::courses as c;
        klearn_db::diesel::update(c::table.find(id))
            .set((
                c::title.eq("Tom and Jerry"),
                c::updated_at.eq(klearn_db::now() + chrono::Duration::days(1)),
            ))
            .execute(conn)
            .unwrap();
    })
    .await;
    let (status, headers, body) = fetch(&c, &app, &path, Some(&etag)).await;
    assert_eq!(status, 200, "the old copy is stale");
    assert_ne!(header(&headers, "etag"), etag);
    assert!(String::from_utf8(body).unwrap().contains(">Tom and Jerry</text>"));
    let after = c
        .get("/courses")
        .await
        .attrs(".course-card img.card-media", "src");
    assert_ne!(before, after, "the cards point browsers at the new drawing");
}

/// Publishes a course the way a moderator's approval leaves it.
async fn publish(app: &TestApp, id: klearn_db::CourseId) {
    app.db(move |conn| {
        Course::move_state(conn, id, CourseState::Draft, CourseState::InReview, None).unwrap();
        Course::move_state(conn, id, CourseState::InReview, CourseState::Published, None).unwrap();
        Chapter::approve_all(conn, id).unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_uploaded_cover_is_still_preferred_everywhere() {
    let app = TestApp::spawn().await;
    let o = expert(&app).await;
    let c = signed_in(&app, &o).await;
    c.get("/studio/courses/new").await;
    let res = c
        .post_multipart(
            "/studio/courses/new",
            &[
                ("title", "Uploaded cover course"),
                ("subtitle", "With its own picture"),
                ("description", "A course."),
                ("outcomes", "- One"),
                ("category", "rust"),
                ("level", "beginner"),
                ("format", "text"),
                ("price", "0"),
                ("tags", "rust"),
            ],
            vec![("cover", "cover.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let id: klearn_db::CourseId = res
        .location()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    publish(&app, id).await;
    let slug = app.db(move |conn| Course::find(conn, id).unwrap().slug).await;

    let guest = app.new_client();
    let landing = guest.get(&format!("/courses/{slug}")).await;
    let img = landing.attrs(".course-buy img.card-media", "src");
    assert_eq!(img.len(), 1);
    assert!(img[0].starts_with("/media/"), "{img:?}");
    let og = landing.attrs("meta[property='og:image']", "content");
    assert_eq!(og, vec![format!("{}{}", app.address, img[0])]);
    assert!(landing
        .attrs("meta[property='og:image:type']", "content")
        .is_empty());
    for page in ["/courses", "/"] {
        let srcs = guest.get(page).await.attrs(".course-card img.card-media", "src");
        assert!(srcs.contains(&img[0]), "{page}: {srcs:?}");
        assert!(
            !srcs.iter().any(|s| s.contains(&format!("/courses/{slug}/cover"))),
            "{page}: {srcs:?}"
        );
    }
}

#[tokio::test]
async fn a_draft_courses_cover_is_hidden_like_the_course() {
    let app = TestApp::spawn().await;
    let o = expert(&app).await;
    let draft: TestCourse = app.course(&o).title("Secret draft title").create().await;
    let other = app.user("cover_nosy").verified().create().await;
    let moderator = app
        .user("cover_mod")
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let guest = app.new_client();
    let nosy = signed_in(&app, &other).await;
    for ext in ["svg", "png"] {
        let path = format!("/courses/{}/cover.{ext}", draft.slug);
        for (who, c) in [("a guest", &guest), ("another member", &nosy)] {
            let (status, _, body) = fetch(c, &app, &path, None).await;
            assert_eq!(status, 404, "{who}: {path}");
            assert!(!String::from_utf8_lossy(&body).contains("Secret draft title"));
        }
        // Its owner and moderators see it, kept only in their own browser.
        for user in [&o, &moderator] {
            let c = signed_in(&app, user).await;
            let (status, headers, _) = fetch(&c, &app, &path, None).await;
            assert_eq!(status, 200, "{}: {path}", user.username);
            assert!(
                header(&headers, "cache-control").starts_with("private"),
                "{headers:?}"
            );
        }
    }
    let (status, _, _) = fetch(&guest, &app, "/courses/no-such-course/cover.svg", None).await;
    assert_eq!(status, 404);
}
