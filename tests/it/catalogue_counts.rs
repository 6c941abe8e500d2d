//! The catalogue's kept counts: equal to a real count after every use case
//! that publishes, unpublishes, revises, moves or withdraws a course; the
//! totals pages show come from them; a capped search says so and its page
//! links keep working.

use klearn::domain::account::Role;
use klearn_db::catalogue_counts::{self, CountRow};
use klearn_db::CourseId;

use crate::common::{Client, TestApp, TestUser};

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

/// The kept counts and the counts counted from the courses, which must be equal.
async fn counts(app: &TestApp) -> (Vec<CountRow>, Vec<CountRow>) {
    app.db(|c| {
        (
            catalogue_counts::kept(c).unwrap(),
            catalogue_counts::counted(c).unwrap(),
        )
    })
    .await
}

async fn assert_in_step(app: &TestApp, after: &str) {
    let (kept, counted) = counts(app).await;
    assert_eq!(
        kept, counted,
        "kept counts differ from a real count after {after}"
    );
}

/// The kept count of one combination (category slug or "", level, format, price).
async fn kept(
    app: &TestApp,
    category: &'static str,
    level: &'static str,
    format: &'static str,
    price: &'static str,
) -> i64 {
    app.db(move |c| {
        let category_id = match category {
            "" => 0,
            slug => klearn_db::categories::Category::find_by_slug(c, klearn_db::categories::COURSE, slug)
                .unwrap()
                .id
                .get(),
        };
        catalogue_counts::kept(c)
            .unwrap()
            .into_iter()
            .find(|r| {
                r.category_id == category_id && r.level == level && r.format == format && r.price == price
            })
            .map_or(0, |r| r.courses)
    })
    .await
}

/// The studio's course form with these settings and price (yuan).
fn fields<'a>(
    title: &'a str,
    category: &'a str,
    level: &'a str,
    format: &'a str,
    price: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("subtitle", "Learn it well"),
        ("description", "A **good** course."),
        ("outcomes", "- Write code"),
        ("category", category),
        ("level", level),
        ("format", format),
        ("price", price),
        ("tags", "rust"),
    ]
}

async fn edit(c: &Client, id: CourseId, fields: &[(&str, &str)]) {
    c.get(&format!("/studio/courses/{id}/edit")).await;
    let res = c
        .post_multipart(&format!("/studio/courses/{id}/edit"), fields, vec![])
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
}

#[tokio::test]
async fn counts_follow_publish_unpublish_revisions_moves_and_revocation() {
    let app = TestApp::spawn().await;
    let chen = app.user("counts_chen").verified().certified().create().await;
    let moderator = app
        .user("counts_mod")
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    // The migration starts from an empty table on an empty site.
    assert_in_step(&app, "the migration").await;
    let free = app
        .course(&chen)
        .title("Free Rust")
        .category("rust")
        .level("beginner")
        .format("video")
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await;
    let paid = app
        .course(&chen)
        .title("Paid Go")
        .category("go")
        .level("advanced")
        .format("live")
        .price(9900)
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await;
    let draft = app
        .course(&chen)
        .title("Draft Python")
        .category("python")
        .lesson("L", true, "b", "")
        .create()
        .await;
    assert_in_step(&app, "publishing").await;
    assert_eq!(kept(&app, "", "", "", "").await, 2);
    assert_eq!(kept(&app, "rust", "beginner", "video", "free").await, 1);
    assert_eq!(kept(&app, "go", "", "", "paid").await, 1);
    assert_eq!(kept(&app, "python", "", "", "").await, 0);

    // The owner unpublishes; a draft's settings change without counting.
    let o = signed_in(&app, &chen).await;
    o.get(&format!("/studio/courses/{}/edit", free.id)).await;
    let res = o
        .post_form(&format!("/studio/courses/{}/unpublish", free.id), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    edit(
        &o,
        draft.id,
        &fields("Draft Python", "rust", "advanced", "text", "0"),
    )
    .await;
    assert_in_step(&app, "unpublishing, and editing a draft").await;
    assert_eq!(kept(&app, "", "", "", "").await, 1);
    assert_eq!(kept(&app, "rust", "", "", "").await, 0);

    // A published course moves category, level and format at once (direct
    // fields) and its price waits for review; the approval moves it from
    // paid to free.
    edit(
        &o,
        paid.id,
        &fields("Paid Go", "databases", "beginner", "text", "0"),
    )
    .await;
    assert_in_step(&app, "a move between categories").await;
    assert_eq!(kept(&app, "go", "", "", "").await, 0);
    assert_eq!(kept(&app, "databases", "beginner", "text", "paid").await, 1);
    let m = signed_in(&app, &moderator).await;
    assert_eq!(m.approve_changes(paid.id).await.status, 303);
    assert_in_step(&app, "a revision from paid to free").await;
    assert_eq!(kept(&app, "databases", "beginner", "text", "free").await, 1);
    assert_eq!(kept(&app, "", "", "", "paid").await, 0);

    // Back to paid through another revision, then republishing the first.
    edit(
        &o,
        paid.id,
        &fields("Paid Go", "databases", "beginner", "text", "49"),
    )
    .await;
    assert_eq!(m.approve_changes(paid.id).await.status, 303);
    assert_eq!(o.submit_course(free.id).await.status, 303);
    assert_eq!(m.approve_course(free.id).await.status, 303);
    assert_in_step(&app, "a revision to paid and a republish").await;
    assert_eq!(kept(&app, "", "", "", "").await, 2);
    assert_eq!(kept(&app, "", "", "", "paid").await, 1);

    // Revoking the certification takes the paid course off the catalogue.
    m.get(&format!("/admin/users/{}", chen.id)).await;
    let res = m
        .post_form(
            "/admin/experts/counts_chen/revoke",
            &[("reason", "Expired evidence")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_in_step(&app, "revoking a certification").await;
    assert_eq!(kept(&app, "", "", "", "").await, 1);
    assert_eq!(kept(&app, "", "", "", "paid").await, 0);

    // The rebuild writes what was kept.
    let before = counts(&app).await.0;
    app.db(|c| catalogue_counts::rebuild(c).unwrap()).await;
    assert_eq!(counts(&app).await.0, before);
}

#[tokio::test]
async fn pages_show_the_kept_totals() {
    let app = TestApp::spawn().await;
    let o = app
        .user("counts_owner")
        .verified()
        .role(Role::Expert)
        .create()
        .await;
    for (i, level) in ["beginner", "advanced", "advanced"].iter().enumerate() {
        app.course(&o)
            .title(&format!("Shown {i}"))
            .category("rust")
            .level(level)
            .lesson("L", true, "b", "")
            .published()
            .create()
            .await;
    }
    app.course(&o)
        .title("Hidden draft")
        .category("rust")
        .level("advanced")
        .create()
        .await;
    let count = |res: &crate::common::Response| res.texts(".catalogue-count").join("");
    assert!(count(&app.client.get("/courses?lang=en").await).contains("3 courses"));
    assert!(count(&app.client.get("/courses?level=advanced&lang=en").await).contains("2 courses"));
    assert!(count(
        &app.client
            .get("/categories/rust?level=advanced&price=free&lang=en")
            .await
    )
    .contains("2 courses"));
    assert!(count(&app.client.get("/categories/go?lang=en").await).contains("0 courses"));
    // And in Chinese.
    assert!(count(&app.client.get("/courses?level=beginner&lang=zh-CN").await).contains("共 1 门课程"));
}

#[tokio::test]
async fn a_capped_search_says_so_and_its_pages_work() {
    let app = TestApp::spawn().await;
    let o = app
        .user("counts_many")
        .verified()
        .role(Role::Expert)
        .create()
        .await;
    let cap = klearn_db::catalogue::MAX_SEARCH_HITS as usize;
    // More matching courses than the search ranks, written in bulk as the
    // seeder writes them, then indexed and counted.
    let owner = o.id;
    app.db(move |c| {
        let now = klearn_db::now();
        let rows: Vec<klearn_db::seed::SeedCourse> = (0..cap + 30)
            .map(|i| klearn_db::seed::SeedCourse {
                owner_id: owner,
                slug: format!("capped-{i:05}"),
                title: format!("Zanzibar course {i}"),
                subtitle: String::new(),
                description: "zanzibar".into(),
                description_html: "<p>zanzibar</p>".into(),
                outcomes: String::new(),
                outcomes_html: String::new(),
                category_id: None,
                level: "beginner".into(),
                format: "video".into(),
                price_cents: 0,
                currency: "CNY".into(),
                state: klearn_db::CourseState::Published,
                submitted_at: Some(now),
                published_at: Some(now),
                created_at: now,
                updated_at: now,
            })
            .collect();
        for chunk in rows.chunks(500) {
            klearn_db::seed::courses(c, chunk).unwrap();
        }
        let ids = klearn_db::seed::course_ids(c, "capped-").unwrap();
        klearn_db::seed::index_all(c, &ids).unwrap();
        catalogue_counts::rebuild(c).unwrap();
    })
    .await;
    assert_in_step(&app, "a bulk load and a rebuild").await;
    let total = cap + 30;
    let res = app.client.get("/courses?lang=en").await;
    assert!(res
        .texts(".catalogue-count")
        .join("")
        .contains(&format!("{total} courses")));
    assert!(res.text().contains(&format!("Page 1 of {}", total.div_ceil(24))));

    let res = app.client.get("/courses?q=zanzibar&lang=en").await;
    assert!(
        res.texts(".catalogue-count")
            .join("")
            .contains(&format!("{cap}+ courses")),
        "{}",
        res.text()
    );
    let position = res.texts(".pagination [aria-current=page]").join("");
    assert_eq!(position.trim(), "Page 1", "no last page is claimed");
    let last = cap.div_ceil(24);
    assert_eq!(
        res.attrs(".pagination a[rel=next]", "href"),
        vec!["?q=zanzibar&page=2".to_string()]
    );
    // The last page of the ranked hits has its cards and no next link; a
    // page past it shows that last page.
    for wanted in [last, last + 50] {
        let res = app
            .client
            .get(&format!("/courses?q=zanzibar&page={wanted}&lang=en"))
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.select(".course-card").len(), cap - (last - 1) * 24);
        assert!(res.select(".pagination a[rel=next]").is_empty());
        assert_eq!(
            res.texts(".pagination [aria-current=page]").join("").trim(),
            format!("Page {last}")
        );
    }
    // Filtered, the hits that pass are at least that many too; Chinese says so.
    let res = app
        .client
        .get("/courses?q=zanzibar&level=beginner&sort=newest&lang=zh-CN")
        .await;
    assert!(
        res.texts(".catalogue-count")
            .join("")
            .contains(&format!("{cap}+ 门课程")),
        "{}",
        res.text()
    );
    assert_eq!(
        res.texts(".pagination [aria-current=page]").join("").trim(),
        "第 1 页"
    );
}
