//! The catalogue: filters, sorts and their combinations on fixed data, the
//! Bayesian order, pagination edges, search in Chinese and English kept in
//! step with the course's life, hostile search strings.

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn_db::courses::{Course, CourseState, Revision};

use crate::common::{Response, TestApp, TestUser};

async fn owner(app: &TestApp) -> TestUser {
    app.user("catalogue_expert")
        .verified()
        .role(Role::Expert)
        .create()
        .await
}

fn titles(res: &Response) -> Vec<String> {
    let doc = scraper::Html::parse_document(&res.body);
    let sel = scraper::Selector::parse(".course-card .card-title a").unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>()).collect()
}

async fn refresh(app: &TestApp) {
    app.db(|c| Course::refresh_rating_scores(c).unwrap()).await;
}

#[tokio::test]
async fn filters_and_sorts_work_alone_and_together() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o)
        .title("Alpha")
        .category("rust")
        .level("beginner")
        .format("video")
        .price(0)
        .learners(50)
        .age_days(30)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Bravo")
        .category("rust")
        .level("advanced")
        .format("text")
        .price(19900)
        .learners(10)
        .age_days(1)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Charlie")
        .category("go")
        .level("beginner")
        .format("text")
        .price(9900)
        .learners(80)
        .age_days(10)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Delta")
        .category("go")
        .level("intermediate")
        .format("live")
        .price(29900)
        .learners(5)
        .age_days(5)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Echo")
        .category("python")
        .level("beginner")
        .format("mixed")
        .price(0)
        .learners(20)
        .age_days(2)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Hidden draft")
        .category("rust")
        .level("beginner")
        .create()
        .await;
    let get = |q: &'static str| {
        let c = app.new_client();
        async move { titles(&c.get(&format!("/courses?{q}")).await) }
    };
    assert_eq!(
        get("").await,
        vec!["Charlie", "Alpha", "Echo", "Bravo", "Delta"],
        "popular by default"
    );
    assert_eq!(
        get("sort=newest").await,
        vec!["Bravo", "Echo", "Delta", "Charlie", "Alpha"]
    );
    assert_eq!(
        get("sort=price_asc").await,
        vec!["Echo", "Alpha", "Charlie", "Bravo", "Delta"]
    );
    assert_eq!(
        get("sort=price_desc").await,
        vec!["Delta", "Bravo", "Charlie", "Echo", "Alpha"]
    );
    assert_eq!(get("category=rust").await, vec!["Alpha", "Bravo"]);
    assert_eq!(get("level=beginner").await, vec!["Charlie", "Alpha", "Echo"]);
    assert_eq!(get("format=text").await, vec!["Charlie", "Bravo"]);
    assert_eq!(get("price=free").await, vec!["Alpha", "Echo"]);
    assert_eq!(
        get("price=paid&sort=price_asc").await,
        vec!["Charlie", "Bravo", "Delta"]
    );
    assert_eq!(
        get("category=go&level=beginner&price=paid").await,
        vec!["Charlie"]
    );
    assert_eq!(get("category=rust&format=live").await, Vec::<String>::new());
    // Unknown values are ignored, not errors.
    assert_eq!(
        get("level=expert&format=hologram&price=cheap&sort=random&category=nope")
            .await
            .len(),
        5
    );
    // A category's own page.
    let c = app.new_client();
    let page = c.get("/categories/go?sort=price_desc").await;
    assert_eq!(titles(&page), vec!["Delta", "Charlie"]);
    assert_eq!(c.get("/categories/no-such-topic").await.status, 404);
}

#[tokio::test]
async fn the_rating_sort_uses_a_bayesian_average() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o)
        .title("One perfect review")
        .ratings(5, 1)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Hundred at 4.8")
        .ratings(480, 100)
        .published()
        .create()
        .await;
    app.course(&o).title("Unrated").published().create().await;
    app.course(&o)
        .title("Ten at 3.0")
        .ratings(30, 10)
        .published()
        .create()
        .await;
    refresh(&app).await;
    // C = mean of (5.0, 4.8, 3.0) = 4.267: 4.75 > 4.33 > 4.27 (unrated, at C) > 3.63.
    let res = app.client.get("/courses?sort=rating&lang=en").await;
    assert_eq!(
        titles(&res),
        vec!["Hundred at 4.8", "One perfect review", "Unrated", "Ten at 3.0"]
    );
    assert!(res.text().contains("4.8 (100 reviews)"), "{}", res.text());
    let scores = app
        .db(|c| {
            let (cards, _) = Course::catalogue(
                c,
                None,
                &Default::default(),
                klearn_db::catalogue::CatalogueSort::Rating,
                1,
                10,
            )
            .unwrap();
            cards.iter().map(|c| c.course.rating_score).collect::<Vec<_>>()
        })
        .await;
    assert_eq!(scores[2], 4_266_667, "an unrated course ranks at C: {scores:?}");
}

#[tokio::test]
async fn pages_keep_the_filters_and_stay_in_range() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    for i in 0..30 {
        app.course(&o)
            .title(&format!("Course {i:02}"))
            .level("advanced")
            .learners(100 - i)
            .published()
            .create()
            .await;
    }
    let first = app.client.get("/courses?level=advanced").await;
    assert_eq!(titles(&first).len(), 24);
    let next = first.attrs(".pagination a[rel=next]", "href");
    assert_eq!(next, vec!["?level=advanced&page=2".to_string()]);
    let second = app.client.get("/courses?level=advanced&page=2").await;
    assert_eq!(titles(&second).len(), 6);
    for page in ["999", "3"] {
        let res = app
            .client
            .get(&format!("/courses?level=advanced&page={page}"))
            .await;
        assert_eq!(res.status, 200, "page {page}");
        assert_eq!(titles(&res), titles(&second), "page {page} shows the last page");
    }
    for page in ["0", "-1", "abc", "99999999999999999999"] {
        let res = app.client.get(&format!("/courses?page={page}")).await;
        assert_eq!(res.status, 200, "page {page}");
        assert_eq!(titles(&res), titles(&first), "page {page} shows the first page");
    }
}

#[tokio::test]
async fn search_finds_chinese_words_of_any_length_and_short_english_words() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o)
        .title("机器学习实战")
        .description("从零实现模型")
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Go 并发编程")
        .description("goroutine 与调度")
        .published()
        .create()
        .await;
    app.course(&o)
        .title("数据库原理")
        .description("索引、事务与锁的实现")
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Rust async in practice")
        .description("Futures and tokio")
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Rust ownership")
        .description("Borrowing rules")
        .tags(&["rust"])
        .published()
        .create()
        .await;
    app.course(&o)
        .title("学习方法论")
        .description("如何高效学习")
        .published()
        .create()
        .await;
    let search = |q: &'static str| {
        let c = app.new_client();
        async move {
            let url = format!(
                "/courses?q={}",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            );
            let res = c.get(&url).await;
            assert_eq!(res.status, 200, "{q}");
            titles(&res)
        }
    };
    assert_eq!(search("机器学习").await, vec!["机器学习实战"], "four characters");
    assert_eq!(search("并发").await, vec!["Go 并发编程"], "two characters");
    assert_eq!(
        search("锁").await,
        vec!["数据库原理"],
        "one character, in the description"
    );
    assert_eq!(search("Go").await, vec!["Go 并发编程"], "two letters");
    assert_eq!(
        search("rust async").await,
        vec!["Rust async in practice"],
        "terms are ANDed"
    );
    let mut rust = search("RUST").await;
    rust.sort();
    assert_eq!(rust, vec!["Rust async in practice", "Rust ownership"]);
    // 学习 is in two titles' text, 机器学习 in only one.
    let mut study = search("学习").await;
    study.sort();
    assert_eq!(study, vec!["学习方法论", "机器学习实战"]);
    assert_eq!(
        search("catalogue_expert").await.len(),
        6,
        "the expert's name is searchable"
    );
    assert!(search("区块链").await.is_empty());
}

#[tokio::test]
async fn title_matches_rank_above_description_matches() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o)
        .title("Networking basics")
        .description("We will use tokio for the examples. tokio tokio")
        .learners(500)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Tokio from the inside")
        .description("A runtime explained")
        .learners(1)
        .published()
        .create()
        .await;
    let res = app.client.get("/courses?q=tokio").await;
    assert_eq!(titles(&res), vec!["Tokio from the inside", "Networking basics"]);
    // Another sort can still be chosen with a query.
    let res = app.client.get("/courses?q=tokio&sort=popular").await;
    assert_eq!(titles(&res), vec!["Networking basics", "Tokio from the inside"]);
}

#[tokio::test]
async fn search_follows_publish_revision_and_unpublish() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    let course = app.course(&o).title("Quantum knitting").create().await;
    let id = course.id;
    let found = |q: &'static str| {
        let c = app.new_client();
        async move { titles(&c.get(&format!("/courses?q={q}")).await) }
    };
    assert!(found("knitting").await.is_empty(), "a draft is not found");
    app.db(move |c| {
        Course::move_state(c, id, CourseState::Draft, CourseState::InReview, None).unwrap();
    })
    .await;
    assert!(found("knitting").await.is_empty(), "in review is not found");
    app.db(move |c| {
        Course::move_state(c, id, CourseState::InReview, CourseState::Published, None).unwrap();
    })
    .await;
    assert_eq!(found("knitting").await, vec!["Quantum knitting"]);
    // A revision: found under the new title only once approved.
    let moderator = app.user("search_mod").role(Role::Moderator).create().await;
    let mid = moderator.id;
    app.db(move |c| {
        let live = Course::find(c, id).unwrap();
        let mut content = live.content(c).unwrap();
        content.title = "Classical crochet".into();
        Revision::propose(c, id, &content).unwrap();
    })
    .await;
    assert!(
        found("crochet").await.is_empty(),
        "a pending revision is not live"
    );
    let services = app.services();
    app.db(move |c| {
        let r = Revision::pending_for(c, id).unwrap().unwrap();
        let moderator = Actor::member(mid, &[Role::Moderator]);
        klearn::courses::approve(c, &services, &moderator, id, Some(r.id), "").unwrap();
    })
    .await;
    assert_eq!(found("crochet").await, vec!["Classical crochet"]);
    assert!(found("knitting").await.is_empty());
    app.db(move |c| {
        Course::move_state(c, id, CourseState::Published, CourseState::Unpublished, None).unwrap();
    })
    .await;
    assert!(found("crochet").await.is_empty(), "unpublished is not found");
    assert!(titles(&app.client.get("/courses").await).is_empty(), "nor listed");
}

#[tokio::test]
async fn hostile_search_strings_give_results_or_an_empty_page() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o).title("Rust and Go").published().create().await;
    let long = "锁".repeat(3000);
    for q in [
        "\"",
        "\"rust",
        "*",
        "rust*",
        "NEAR(rust go)",
        "rust OR go",
        "rust AND",
        "-rust",
        "^go",
        "title:rust",
        "'); DROP TABLE courses;--",
        "!!!",
        "   ",
        "%",
        "_",
        "\\",
        "{}[]()",
        "rust & go | !x",
        "<script>",
        long.as_str(),
    ] {
        let url = format!(
            "/courses?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let res = app.client.get(&url).await;
        assert_eq!(res.status, 200, "{q:?}");
        assert!(!res.body.contains("<script>"), "{q:?}");
    }
    let res = app.client.get("/courses?q=%21%21%21&lang=en").await;
    assert!(res.text().contains("No course matches"), "{}", res.text());
    assert_eq!(res.attrs(".empty-state a", "href"), vec!["/courses".to_string()]);
    assert_eq!(
        titles(&app.client.get("/courses?q=rust%20OR%20go").await),
        Vec::<String>::new(),
        "OR is a word, not an operator"
    );
    assert_eq!(titles(&app.client.get("/courses").await), vec!["Rust and Go"]);
}

#[tokio::test]
async fn the_home_page_shows_featured_popular_and_new_courses() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    let star = app
        .course(&o)
        .title("Featured one")
        .learners(1)
        .age_days(9)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Crowd favourite")
        .learners(900)
        .age_days(20)
        .published()
        .create()
        .await;
    app.course(&o)
        .title("Fresh off the press")
        .learners(0)
        .age_days(0)
        .published()
        .create()
        .await;
    let id = star.id;
    app.db(move |c| Course::set_featured(c, id, true).unwrap()).await;
    let home = app.client.get("/?lang=en").await;
    let section = |id: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(&home.body);
        let sel = scraper::Selector::parse(&format!("section[aria-labelledby='{id}-heading'] .card-title a"))
            .unwrap();
        doc.select(&sel).map(|e| e.text().collect()).collect()
    };
    assert_eq!(section("featured"), vec!["Featured one"]);
    assert_eq!(section("popular")[0], "Crowd favourite");
    assert_eq!(section("newest")[0], "Fresh off the press");
    // The header's search box searches the catalogue.
    assert_eq!(
        home.attrs("header form[role=search]", "action"),
        vec!["/courses".to_string()]
    );
}

#[tokio::test]
async fn the_filters_fold_into_one_disclosure_that_counts_the_active_ones() {
    let app = TestApp::spawn().await;
    let o = owner(&app).await;
    app.course(&o)
        .title("Counted")
        .category("go")
        .published()
        .create()
        .await;
    let c = app.new_client();
    let summary = |res: &Response| {
        assert_eq!(res.status, 200);
        // One closed disclosure holding the whole form.
        assert_eq!(res.select("details.catalogue-disclosure").len(), 1);
        assert!(
            res.attrs("details.catalogue-disclosure", "open").is_empty(),
            "closed"
        );
        assert_eq!(
            res.select("details.catalogue-disclosure > form.catalogue-filters")
                .len(),
            1
        );
        res.texts("details.catalogue-disclosure > summary").concat()
    };
    assert_eq!(summary(&c.get("/courses?lang=zh-CN").await), "筛选");
    // Search, level and price narrow the list; the sort only orders it.
    assert_eq!(
        summary(&c.get("/courses?q=go&level=beginner&price=free&sort=newest").await),
        "筛选（3）"
    );
    assert_eq!(
        summary(&c.get("/courses?category=go&format=text&lang=en").await),
        "Filters (2)"
    );
    // Values the catalogue ignores are not counted.
    assert_eq!(
        summary(&c.get("/courses?level=expert&price=cheap&category=nope").await),
        "Filters"
    );
    // A category's own page: its category is not a choice.
    assert_eq!(
        summary(&c.get("/categories/go?level=beginner").await),
        "Filters (1)"
    );
}

/// The home page's featured courses come from their own index, newest first,
/// even with the statistics a sampled ANALYZE left at a million users (where
/// walking every published course by date for the flag took 100 ms a page).
#[tokio::test]
async fn featured_courses_are_read_from_their_index_whatever_the_statistics_say() {
    use klearn_db::diesel::connection::SimpleConnection;
    use klearn_db::diesel::prelude::*;
    use klearn_db::diesel::sql_types::Text;
    use klearn_db::DbConnection;

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let app = TestApp::spawn().await;
    let written = app
        .db(|conn| {
            let DbConnection::Sqlite(c) = conn else {
                return false;
            };
            c.batch_execute(
                "ANALYZE;
                 DELETE FROM sqlite_stat1 WHERE tbl = 'courses';
                 INSERT INTO sqlite_stat1 VALUES
                   ('courses', 'courses_state_published', '100000 1001 3'),
                   ('courses', 'courses_featured', '100000 1001 1001 1001');",
            )
            .unwrap();
            true
        })
        .await;
    if !written {
        return; // PostgreSQL plans by its own statistics
    }
    // A new connection reads the statistics when it opens.
    let url = app.settings.database_url.clone();
    let plan = tokio::task::spawn_blocking(move || {
        let pool = klearn_db::pool::connect(&url, 1).unwrap();
        let mut conn = pool.get().unwrap();
        let DbConnection::Sqlite(c) = &mut *conn else {
            unreachable!()
        };
        let steps: Vec<Step> = klearn_db::diesel::sql_query(
            "EXPLAIN QUERY PLAN SELECT id FROM courses \
             WHERE state = 'published' AND featured = 1 ORDER BY published_at DESC LIMIT 4",
        )
        .load(c)
        .unwrap();
        steps.into_iter().map(|s| s.detail).collect::<Vec<_>>().join("; ")
    })
    .await
    .unwrap();
    assert!(plan.contains("courses_featured"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
}
