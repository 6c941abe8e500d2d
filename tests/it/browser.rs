//! Browser tests: headless Chromium over WebDriver (Debian's chromium and
//! chromium-driver) through the site's critical flows.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::common::TestApp;
use crate::html_check::missing_tool;

/// A chromedriver on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// Starts chromedriver and a headless session; `None` (after a loud message,
/// or a failure in CI) where Chromium is not installed.
pub async fn browser() -> Option<(Driver, Client)> {
    let Some(driver_bin) = chromedriver_path() else {
        missing_tool("chromium and chromium-driver");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let profile = tempfile::tempdir().unwrap();
    let driver = Driver {
        child,
        _profile: profile,
    };
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Some((driver, client)),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not start a session");
}

/// Sets the viewport's CSS size (the window's outer size is set to match).
pub async fn viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.unwrap();
    let inner: Vec<u32> = serde_json::from_value(
        client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    let (dw, dh) = (width - inner[0], height - inner[1]);
    if dw > 0 || dh > 0 {
        client.set_window_size(width + dw, height + dh).await.unwrap();
    }
}

async fn overflow(client: &Client) -> (i64, i64) {
    let v: Vec<i64> = serde_json::from_value(
        client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    (v[0], v[1])
}

pub async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}

#[tokio::test]
async fn home_page_layout_holds_at_phone_and_desktop_widths() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    for (label, width, height) in [("phone", 360, 780), ("desktop", 1280, 900)] {
        viewport(&client, width, height).await;
        for lang in ["zh-CN", "en"] {
            client.goto(&app.url(&format!("/?lang={lang}"))).await.unwrap();
            let (scroll, inner) = overflow(&client).await;
            assert!(
                scroll <= inner,
                "{label} {lang}: the page is {scroll}px wide in a {inner}px viewport"
            );
            let search = client.find(Locator::Css("#site-search-q")).await.unwrap();
            assert!(
                search.is_displayed().await.unwrap(),
                "{label}: the search box is visible"
            );
            let brand = client.find(Locator::Css(".brand")).await.unwrap();
            assert!(brand.is_displayed().await.unwrap());
            let cards = client.find_all(Locator::Css(".topic-card")).await.unwrap();
            assert_eq!(cards.len(), 8);
            // The cards fit in the viewport.
            let right: f64 = serde_json::from_value(
                client
                    .execute(
                        "return Math.max(...[...document.querySelectorAll('.topic-card')].map(e => e.getBoundingClientRect().right));",
                        vec![],
                    )
                    .await
                    .unwrap(),
            )
            .unwrap();
            assert!(right <= inner as f64 + 0.5, "{label}: a card ends at {right}px");
            screenshot(&client, &format!("home-{label}-{lang}")).await;
        }
    }
    // Keyboard users: the skip link is the first thing Tab reaches, and it shows.
    client.goto(&app.url("/?lang=en")).await.unwrap();
    let body = client.find(Locator::Css("body")).await.unwrap();
    body.send_keys("\u{E004}").await.unwrap();
    let focused: String = serde_json::from_value(
        client
            .execute("return document.activeElement.className;", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(focused, "skip-link");
    let visible: bool = serde_json::from_value(
        client
            .execute(
                "const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.left >= 0 && r.width > 1;",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(visible, "the focused skip link is on screen");
    client.close().await.unwrap();
}

/// Waits (up to 10 s, while a submitted form navigates) until the element's
/// text contains `needle`.
/// Waits (up to 10 s) until the browser's address holds `needle`.
async fn wait_url(client: &Client, needle: &str) -> bool {
    for _ in 0..100 {
        if let Ok(url) = client.current_url().await {
            if url.as_str().contains(needle) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn wait_text(client: &Client, css: &str, needle: &str) -> bool {
    for _ in 0..100 {
        if let Ok(el) = client.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    return true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_newcomer_registers_verifies_logs_in_edits_the_profile_and_logs_out() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::spawn().await;
    // Tall enough that every form's button is on screen with the sticky header.
    viewport(&client, 1280, 1600).await;
    client.goto(&app.url("/register?lang=en")).await.unwrap();
    let form = client
        .form(Locator::Css("form[action='/register']"))
        .await
        .unwrap();
    form.set_by_name("username", "browser_ada").await.unwrap();
    form.set_by_name("email", "ada@browser.test").await.unwrap();
    form.set_by_name("password", "a long browser password")
        .await
        .unwrap();
    form.set_by_name("password_confirm", "a long browser password")
        .await
        .unwrap();
    form.submit().await.unwrap();
    assert!(
        wait_text(&client, "[role=status]", "Welcome to Klearn").await,
        "[role=status]"
    );
    assert!(
        wait_text(&client, ".verify-banner", "not verified").await,
        ".verify-banner"
    );

    let mail = app.wait_for_mail("ada@browser.test").await;
    let link = mail
        .link(&format!("{}/verify-email?token=", app.address))
        .unwrap();
    client.goto(&link).await.unwrap();
    assert!(wait_text(&client, "h1", "Email confirmed").await, "h1");

    // Log out, and in again.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        wait_text(&client, "[role=status]", "You are logged out").await,
        "[role=status]"
    );
    client.goto(&app.url("/login")).await.unwrap();
    let form = client.form(Locator::Css("form[action='/login']")).await.unwrap();
    form.set_by_name("login", "ada@browser.test").await.unwrap();
    form.set_by_name("password", "a long browser password")
        .await
        .unwrap();
    form.submit().await.unwrap();
    assert!(
        wait_text(&client, "a.account-name", "browser_ada").await,
        "a.account-name"
    );

    // The profile, in English.
    client.goto(&app.url("/settings/profile")).await.unwrap();
    let form = client
        .form(Locator::Css("form[action='/settings/profile']"))
        .await
        .unwrap();
    form.set_by_name("display_name", "Ada in the Browser")
        .await
        .unwrap();
    form.set_by_name("bio", "I test **pages**.").await.unwrap();
    form.set_by_name("locale", "en").await.unwrap();
    form.submit().await.unwrap();
    assert!(
        wait_text(&client, "[role=status]", "Saved.").await,
        "[role=status]"
    );
    assert!(
        wait_text(&client, "a.account-name", "Ada in the Browser").await,
        "a.account-name"
    );
    client.goto(&app.url("/u/browser_ada")).await.unwrap();
    assert!(
        wait_text(&client, ".prose strong", "pages").await,
        ".prose strong"
    );
    screenshot(&client, "member-page").await;

    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        wait_text(&client, "[role=status]", "You are logged out").await,
        "[role=status]"
    );
    assert!(client.find(Locator::Css("a[href='/login']")).await.is_ok());
    client.close().await.unwrap();
}

/// Clicks the element, retrying while a previous navigation is still
/// replacing the page (stale or covered elements). The element is scrolled
/// to the middle of the window first, at once: at the window's edge a page
/// still laying out (fonts arriving) can slide something over it, and the
/// site's smooth scrolling, restarted by every retry, never got there on a
/// long lesson page. On failure the window is saved as `click-failed.png`.
async fn click(client: &Client, css: &str) {
    let mut last = String::new();
    for _ in 0..50 {
        match client.find(Locator::Css(css)).await {
            Ok(el) => {
                let arg = serde_json::to_value(&el).unwrap();
                let _ = client
                    .execute(
                        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                        vec![arg],
                    )
                    .await;
                match el.click().await {
                    Ok(_) => return,
                    Err(e) => last = e.to_string(),
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot(client, "click-failed").await;
    panic!("could not click {css}: {last}");
}

async fn log_in(client: &Client, app: &TestApp, name: &str) {
    sign_in_as(client, app, name, klearn::demo::DEMO_PASSWORD).await;
}

/// Signs in through the login form (in English) and waits for the header.
async fn sign_in_as(client: &Client, app: &TestApp, name: &str, password: &str) {
    client.goto(&app.url("/login?lang=en")).await.unwrap();
    let form = client.form(Locator::Css("form[action='/login']")).await.unwrap();
    form.set_by_name("login", name).await.unwrap();
    form.set_by_name("password", password).await.unwrap();
    form.submit().await.unwrap();
    assert!(
        wait_text(client, "a.account-name", "").await,
        "{name} is signed in"
    );
}

#[tokio::test]
async fn an_expert_publishes_through_review_and_a_guest_meets_the_paywall() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1600).await;

    // demo_expert builds a course.
    log_in(&client, &app, "demo_expert").await;
    client.goto(&app.url("/studio/courses/new")).await.unwrap();
    let form = client
        .form(Locator::Css("form[action='/studio/courses/new']"))
        .await
        .unwrap();
    form.set_by_name("title", "Browser-built Go course")
        .await
        .unwrap();
    form.set_by_name("subtitle", "Made in a real browser")
        .await
        .unwrap();
    form.set_by_name("description", "Goroutines and **channels**.")
        .await
        .unwrap();
    form.set_by_name("outcomes", "- Use channels").await.unwrap();
    form.set_by_name("category", "go").await.unwrap();
    form.set_by_name("price", "99").await.unwrap();
    form.submit().await.unwrap();
    assert!(
        wait_text(&client, "[role=status]", "The course is created").await,
        "[role=status]"
    );
    click(&client, "a[href$='/chapters/new']").await;
    let form = client.form(Locator::Css("form.form")).await.unwrap();
    form.set_by_name("title", "Getting started").await.unwrap();
    form.submit().await.unwrap();
    assert!(wait_text(&client, "[role=status]", "Chapter added").await);
    for (title, free) in [("Hello goroutines", true), ("Channels in depth", false)] {
        click(&client, "a[href$='/lessons/new']").await;
        let form = client.form(Locator::Css("form.form")).await.unwrap();
        form.set_by_name("title", title).await.unwrap();
        form.set_by_name("body", &format!("BODY OF {title}"))
            .await
            .unwrap();
        form.set_by_name("duration_minutes", "15").await.unwrap();
        if free {
            click(&client, "input[name=free_preview]").await;
        }
        click(&client, "button[name=intent][value=save]").await;
        assert!(
            wait_text(&client, "[role=status]", "Lesson added").await,
            "[role=status]"
        );
    }
    click(&client, "form[action$='/submit'] button").await;
    assert!(
        wait_text(&client, "[role=status]", "Sent to review").await,
        "[role=status]"
    );
    let edit_url = client.current_url().await.unwrap().to_string();
    let course_id: klearn_db::CourseId = edit_url.split('/').nth(5).unwrap().parse().unwrap();
    click(&client, "form[action='/logout'] button").await;
    assert!(wait_text(&client, "[role=status]", "logged out").await);

    // demo_moderator approves it from the queue.
    log_in(&client, &app, "demo_moderator").await;
    client.goto(&app.url("/admin/courses")).await.unwrap();
    click(
        &client,
        &format!("form[action='/admin/courses/{course_id}/approve'] button"),
    )
    .await;
    assert!(
        wait_text(&client, "[role=status]", "Approved").await,
        "[role=status]"
    );
    click(&client, "form[action='/logout'] button").await;
    assert!(wait_text(&client, "[role=status]", "logged out").await);

    // A guest reads the free lesson and is stopped at the paid one.
    client
        .goto(&app.url("/courses/browser-built-go-course"))
        .await
        .unwrap();
    assert!(wait_text(&client, "h1", "Browser-built Go course").await, "h1");
    click(&client, ".outline-lessons a").await;
    assert!(
        wait_text(&client, ".lesson-body", "BODY OF Hello goroutines").await,
        ".lesson-body"
    );
    screenshot(&client, "lesson-free").await;
    let paid_href: String = serde_json::from_value(
        client
            .execute(
                "return [...document.querySelectorAll('.lesson-outline a')].pop().getAttribute('href');",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    client.goto(&app.url(&paid_href)).await.unwrap();
    assert!(
        wait_text(&client, ".locked-card", "Buy the course (¥99)").await,
        ".locked-card"
    );
    let source = client.source().await.unwrap();
    assert!(!source.contains("BODY OF Channels in depth"));
    screenshot(&client, "lesson-locked").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_lesson_change_reaches_readers_only_after_a_moderator_approves_it() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    // The demo's first course has a lesson change waiting for review.
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1400).await;
    let lesson = app.url("/courses/rust-ownership-in-practice/lessons/1?lang=en");
    client.goto(&lesson).await.unwrap();
    assert!(wait_text(&client, ".lesson-body", "").await, ".lesson-body");
    let before = client
        .find(Locator::Css(".lesson-body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!before.contains("one more exercise"), "{before}");

    log_in(&client, &app, "demo_moderator").await;
    client.goto(&app.url("/admin/courses?lang=en")).await.unwrap();
    assert!(
        wait_text(&client, ".review-outline", "Chapter summary").await,
        ".review-outline"
    );
    screenshot(&client, "review-queue-changes").await;
    click(&client, "form[action='/admin/courses/1/approve'] button").await;
    assert!(
        wait_text(&client, "[role=status]", "Approved").await,
        "[role=status]"
    );
    click(&client, "form[action='/logout'] button").await;
    assert!(wait_text(&client, "[role=status]", "logged out").await);

    client.goto(&lesson).await.unwrap();
    assert!(
        wait_text(&client, ".lesson-body", "one more exercise").await,
        "the approved change is live"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_guest_searches_in_chinese_filters_by_level_and_opens_a_course() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    for (label, width, height) in [("phone", 360, 900), ("desktop", 1280, 1200)] {
        viewport(&client, width, height).await;
        client.goto(&app.url("/?lang=zh-CN")).await.unwrap();
        let search = client.find(Locator::Css("#site-search-q")).await.unwrap();
        search.send_keys("并发").await.unwrap();
        click(&client, "header form[role=search] button").await;
        assert!(
            wait_text(&client, ".catalogue-count", "搜索“并发”").await,
            "{label}"
        );
        if label == "phone" {
            // On phones the filters are folded away until asked for.
            click(&client, "details.catalogue-disclosure > summary").await;
        }
        let form = client.form(Locator::Css("form.catalogue-filters")).await.unwrap();
        form.set_by_name("level", "intermediate").await.unwrap();
        // The search's page also says 共 n: wait for the filtered page itself.
        // A press that lands while the folded filters are still opening is
        // lost, so it is pressed again (at most three times).
        let mut applied = false;
        for _ in 0..3 {
            press(&client, "form.catalogue-filters button[type=submit]").await;
            if wait_url(&client, "level=intermediate").await {
                applied = true;
                break;
            }
        }
        assert!(applied, "{label}: the filter was not applied");
        assert!(wait_text(&client, ".catalogue-count", "共").await);
        let (scroll, inner) = overflow(&client).await;
        assert!(
            scroll <= inner,
            "{label}: the catalogue is {scroll}px wide in {inner}px"
        );
        screenshot(&client, &format!("catalogue-{label}")).await;
        let first: String = serde_json::from_value(
            client
                .execute(
                    "return document.querySelector('.course-card .card-title a').textContent;",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        click(&client, ".course-card .card-title a").await;
        assert!(wait_text(&client, "h1", &first).await, "{label}: opened {first}");
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_member_applies_with_evidence_a_moderator_certifies_and_the_profile_shows_the_badge() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1600).await;
    let evidence = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(
        evidence.path(),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .unwrap();

    // demo_learner applies, with a PDF as evidence.
    log_in(&client, &app, "demo_learner").await;
    client.goto(&app.url("/experts/apply?lang=en")).await.unwrap();
    let form = client
        .form(Locator::Css("form[action='/experts/apply']"))
        .await
        .unwrap();
    for (name, value) in [
        ("real_name", "周小明"),
        ("headline", "Rust convert, backend engineer"),
        ("bio", "I moved a **payments** service from Python to Rust."),
        ("expertise", "rust, python"),
        ("years", "6"),
        ("links", "https://github.com/zhou"),
        ("sample_outline", "1. Why Rust\n2. Ownership for Python people"),
    ] {
        form.set_by_name(name, value).await.unwrap();
    }
    client
        .find(Locator::Css("#f-evidence"))
        .await
        .unwrap()
        .send_keys(&evidence.path().display().to_string())
        .await
        .unwrap();
    screenshot(&client, "expert-apply-form").await;
    // The long form's button sits below the fold: bring it to the middle, clear of the sticky header.
    client
        .execute(
            "document.querySelector(\"form[action='/experts/apply'] button[type=submit]\").scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .unwrap();
    click(&client, "form[action='/experts/apply'] button[type=submit]").await;
    assert!(
        wait_text(&client, "[role=status]", "Your application was sent").await,
        "[role=status]"
    );
    assert!(
        wait_text(&client, ".evidence-list", ".pdf").await,
        "the evidence is listed"
    );
    click(&client, "form[action='/logout'] button").await;
    assert!(wait_text(&client, "[role=status]", "logged out").await);

    // demo_moderator walks it through every stage, with a note each time.
    let id = app
        .db(|conn| {
            let user = klearn_db::users::User::find_by_username(conn, "demo_learner").unwrap();
            klearn_db::experts::Application::latest_for_user(conn, user.id)
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    log_in(&client, &app, "demo_moderator").await;
    client.goto(&app.url("/admin/experts")).await.unwrap();
    click(&client, &format!("a[href='/admin/experts/{id}']")).await;
    assert!(wait_text(&client, "h1", "@demo_learner").await);
    for to in ["screening", "interview", "trial", "certified"] {
        let note = client.find(Locator::Css(&format!("#note-{to}"))).await.unwrap();
        note.send_keys(&format!("Note for {to}.")).await.unwrap();
        click(
            &client,
            &format!("form.step-form:has(input[value='{to}']) button"),
        )
        .await;
        assert!(
            wait_text(&client, ".timeline", &format!("Note for {to}.")).await,
            "{to} on the timeline"
        );
    }
    screenshot(&client, "admin-expert-certified").await;
    click(&client, "form[action='/logout'] button").await;
    assert!(wait_text(&client, "[role=status]", "logged out").await);

    // Anyone sees the badge on the public profile.
    client
        .goto(&app.url("/experts/demo_learner?lang=en"))
        .await
        .unwrap();
    assert!(wait_text(&client, ".badge-certified", "Certified expert").await);
    assert!(wait_text(&client, ".lead", "Rust convert, backend engineer").await);
    let source = client.source().await.unwrap();
    assert!(!source.contains("周小明"), "the real name stays private");
    screenshot(&client, "expert-profile").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_learner_buys_a_course_through_the_sandbox_and_opens_a_paid_lesson() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1200).await;
    log_in(&client, &app, "demo_learner").await;
    let paid_lesson = app.url("/courses/rust-ownership-in-practice/lessons/2?lang=en");
    client.goto(&paid_lesson).await.unwrap();
    assert!(
        client.find(Locator::Css(".locked-card")).await.is_ok(),
        "locked before"
    );

    // Buy now on the landing page, a coupon (its code in any case) and
    // points at checkout, pay on the provider's page.
    buy_with_coupon_and_points(&client, &app, "welcome10").await;
    screenshot(&client, "order-paid").await;
    click(&client, ".alert-success a[href='/learn']").await;
    assert!(wait_text(&client, "h1", "").await);
    client.goto(&paid_lesson).await.unwrap();
    assert!(
        wait_text(&client, ".lesson-body", "").await,
        "the paid lesson opens at once"
    );
    assert!(client.find(Locator::Css(".locked-card")).await.is_err());
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_learner_asks_on_a_course_board_the_expert_answers_and_the_answer_is_accepted() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1200).await;
    log_in(&client, &app, "demo_learner").await;
    client
        .goto(&app.url("/courses/async-rust-with-tokio/discussions?lang=en"))
        .await
        .unwrap();
    click(&client, "a.btn-primary[href$='/discussions/new']").await;
    assert!(wait_text(&client, "h1", "New thread").await);
    // A title too short comes back with the text kept.
    let form = client.form(Locator::Css("form.forum-form")).await.unwrap();
    form.set_by_name("title", "Why?").await.unwrap();
    form.set_by_name("body", "Does `JoinSet` keep results in spawn order?")
        .await
        .unwrap();
    click(&client, "input[name=kind][value=question]").await;
    form.submit().await.unwrap();
    assert!(
        wait_text(&client, ".field-error", "5").await,
        "the title's message"
    );
    let body = client
        .find(Locator::Css("#f-body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(body.contains("JoinSet"), "the body is kept: {body}");
    let form = client.form(Locator::Css("form.forum-form")).await.unwrap();
    form.set_by_name("title", "Does JoinSet return results in spawn order?")
        .await
        .unwrap();
    form.submit().await.unwrap();
    assert!(wait_text(&client, ".thread-head h1", "JoinSet").await);
    let thread_url = client.current_url().await.unwrap().to_string();

    // The course's expert answers from the same board.
    client.delete_all_cookies().await.unwrap();
    log_in(&client, &app, "demo_expert").await;
    client.goto(&thread_url).await.unwrap();
    let form = client
        .form(Locator::Css("form[action$='/replies']"))
        .await
        .unwrap();
    form.set_by_name(
        "body",
        "No: `join_next` yields in completion order. Keep an index with each task.",
    )
    .await
    .unwrap();
    form.submit().await.unwrap();
    assert!(wait_text(&client, "#post-2", "completion order").await);
    assert!(
        wait_text(&client, "#post-2 .badge", "Course expert").await,
        "the expert is marked on their board"
    );

    // The learner accepts it; the answer shows under the question.
    client.delete_all_cookies().await.unwrap();
    log_in(&client, &app, "demo_learner").await;
    client.goto(&thread_url).await.unwrap();
    click(&client, "#post-2 form[action$='/accept'] button").await;
    assert!(
        wait_text(&client, ".accepted-answer", "completion order").await,
        "the accepted answer under the question"
    );
    assert!(wait_text(&client, ".thread-head .badge", "Solved").await);
    screenshot(&client, "forum-accepted").await;
    // On a phone, a thread with wide code blocks stays in the viewport (the
    // code scrolls inside its block).
    viewport(&client, 390, 844).await;
    client
        .goto(&app.url("/t/5/future-is-not-send-when-i-hold-a-mutexguard-across-await"))
        .await
        .unwrap();
    assert!(wait_text(&client, ".thread-head h1", "MutexGuard").await);
    let (scroll, inner) = overflow(&client).await;
    assert!(
        scroll <= inner,
        "the thread is {scroll}px wide in a {inner}px viewport"
    );
    client.close().await.unwrap();
}

/// A number (or anything JSON) the page computes.
async fn eval<T: serde::de::DeserializeOwned>(client: &Client, script: &str) -> T {
    serde_json::from_value(client.execute(script, vec![]).await.unwrap()).unwrap()
}

#[tokio::test]
async fn on_a_phone_the_catalogue_shows_courses_first_and_the_folded_filters_still_work() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 390, 844).await;
    client.goto(&app.url("/courses?lang=zh-CN")).await.unwrap();
    assert!(wait_text(&client, ".catalogue-count", "共").await);
    // The first course card starts on the first screen; the form is folded away.
    let (top, screen): (f64, f64) = eval(
        &client,
        "return [document.querySelector('.course-card').getBoundingClientRect().top, window.innerHeight];",
    )
    .await;
    assert!(
        top < screen,
        "the first card starts at {top}px of a {screen}px screen"
    );
    let level = client.find(Locator::Css("#cat-level")).await.unwrap();
    assert!(!level.is_displayed().await.unwrap(), "the filters are folded");
    // Its drawn cover is an image the browser could draw.
    let mut drawn = false;
    for _ in 0..50 {
        drawn = eval(
            &client,
            "const i = document.querySelector('.course-card img.card-media'); return i.complete && i.naturalWidth > 0;",
        )
        .await;
        if drawn {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(drawn, "the first card's cover loaded");
    screenshot(&client, "catalogue-phone-folded").await;

    // Open the disclosure, choose a level, apply.
    click(&client, "details.catalogue-disclosure > summary").await;
    assert!(level.is_displayed().await.unwrap(), "the filters open");
    level.select_by_value("beginner").await.unwrap();
    screenshot(&client, "catalogue-phone-open").await;
    click(&client, "form.catalogue-filters button[type=submit]").await;
    assert!(
        wait_text(&client, "details.catalogue-disclosure > summary", "筛选（1）").await,
        "the summary counts the filter"
    );
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().contains("level=beginner"), "{url}");
    let levels: Vec<String> = eval(
        &client,
        "return [...document.querySelectorAll('.course-card .course-card-foot .badge')].map(b => b.textContent);",
    )
    .await;
    assert!(
        !levels.is_empty() && levels.iter().all(|l| l == "入门"),
        "{levels:?}"
    );
    let (top, screen): (f64, f64) = eval(
        &client,
        "return [document.querySelector('.course-card').getBoundingClientRect().top, window.innerHeight];",
    )
    .await;
    assert!(top < screen, "folded again after applying: {top}px");

    // On a desktop the filters show as they are, with no disclosure to open
    // (WebDriver's "displayed" calls anything in a closed <details> hidden:
    // ask the page what is under the pointer instead).
    viewport(&client, 1280, 900).await;
    client.goto(&app.url("/courses?lang=en")).await.unwrap();
    assert!(wait_text(&client, ".catalogue-count", "courses").await);
    let summary = client
        .find(Locator::Css("details.catalogue-disclosure > summary"))
        .await
        .unwrap();
    assert!(
        !summary.is_displayed().await.unwrap(),
        "no disclosure on a desktop"
    );
    let hit: bool = eval(
        &client,
        "const s = document.querySelector('#cat-level'); const r = s.getBoundingClientRect(); \
         return r.width > 0 && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === s;",
    )
    .await;
    assert!(hit, "the level filter is on screen and nothing covers it");
    let form = client.form(Locator::Css("form.catalogue-filters")).await.unwrap();
    form.set_by_name("format", "video").await.unwrap();
    press(&client, "form.catalogue-filters button[type=submit]").await;
    let mut url = String::new();
    for _ in 0..100 {
        url = client.current_url().await.unwrap().to_string();
        if url.contains("format=video") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        url.contains("format=video"),
        "a desktop applies filters too: {url}"
    );
    assert!(wait_text(&client, ".catalogue-count", "courses").await);
    let counted: String = eval(
        &client,
        "return document.querySelector('details.catalogue-disclosure > summary').textContent;",
    )
    .await;
    assert_eq!(counted, "Filters (1)");
    screenshot(&client, "catalogue-desktop-filtered").await;
    client.close().await.unwrap();
}

/// Clicks where the element shows, as a mouse does: a pointer press at its
/// centre, which the page hit-tests. WebDriver's element click refuses
/// anything inside a closed <details>, even where CSS shows it (the
/// catalogue's filters on wide screens).
async fn press(client: &Client, css: &str) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
    let (x, y): (f64, f64) = eval(
        client,
        &format!(
            "const e = document.querySelector({css:?}); e.scrollIntoView({{block: 'center'}}); \
             const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];"
        ),
    )
    .await;
    let mouse = MouseActions::new("mouse".into())
        .then(PointerAction::MoveTo { duration: None, x, y })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(mouse).await.unwrap();
}

/// The learning loop on a phone and a desktop: demo_learner hands in a
/// task (a bad link first comes back with the text kept), demo_expert
/// grades it from the queue, and the learner reads the score and feedback
/// on the lesson and on /learn.
#[tokio::test]
async fn a_learner_hands_in_a_task_the_expert_grades_it_and_the_learner_reads_the_feedback() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    let (learner, course, lesson) = app
        .db(|conn| {
            use klearn_db::courses::{Audience, Course, Lesson};
            let learner = klearn_db::users::User::find_by_username(conn, "demo_learner")
                .unwrap()
                .id;
            let course = Course::find_by_slug(conn, "ml-linear-regression-from-scratch").unwrap();
            let lesson = Lesson::outline(conn, course.id, Audience::Learners)
                .unwrap()
                .lessons()
                .find(|l| l.task_kind.as_deref() == Some("link"))
                .unwrap()
                .id;
            (learner, course, lesson)
        })
        .await;
    let lesson_url = app.url(&format!("/courses/{}/lessons/{lesson}?lang=en", course.slug));
    viewport(&client, 390, 844).await;
    log_in(&client, &app, "demo_learner").await;
    client.goto(&lesson_url).await.unwrap();
    assert!(wait_text(&client, "#task-heading", "task").await);
    let form = client.form(Locator::Css("form.hand-in-form")).await.unwrap();
    form.set_by_name("answer", "My weights match scikit-learn to 4 decimals.")
        .await
        .unwrap();
    form.set_by_name("link", "github dot com slash me").await.unwrap();
    click(&client, "form.hand-in-form button[type=submit]").await;
    assert!(
        wait_text(&client, "#f-link-error", "https://").await,
        "the link's message"
    );
    let kept = client
        .find(Locator::Css("#f-answer"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(kept.contains("scikit-learn"), "the answer is kept: {kept}");
    let form = client.form(Locator::Css("form.hand-in-form")).await.unwrap();
    form.set_by_name("link", "https://git.example.com/xiaozhou/linreg")
        .await
        .unwrap();
    click(&client, "form.hand-in-form button[type=submit]").await;
    assert!(wait_text(&client, ".submission-state .badge", "Waiting for grading").await);
    let (scroll, inner) = overflow(&client).await;
    assert!(
        scroll <= inner,
        "the lesson is {scroll}px wide in a {inner}px viewport"
    );
    let submission = app
        .db(move |conn| {
            klearn_db::tasks::Submission::of_learner(conn, learner, lesson)
                .unwrap()
                .unwrap()
                .id
        })
        .await;

    // demo_expert grades it from the course's queue.
    client.delete_all_cookies().await.unwrap();
    viewport(&client, 1280, 1000).await;
    log_in(&client, &app, "demo_expert").await;
    client
        .goto(&app.url(&format!("/studio/courses/{}/submissions?lang=en", course.id)))
        .await
        .unwrap();
    assert!(wait_text(&client, &format!("#submission-{submission}"), "scikit-learn").await);
    let item = format!("#submission-{submission} form.grading-form");
    let form = client.form(Locator::Css(&item)).await.unwrap();
    form.set_by_name("score", "90").await.unwrap();
    form.set_by_name("feedback", "Good **comparison**; plot both lines next time.")
        .await
        .unwrap();
    click(&client, &format!("{item} button[type=submit]")).await;
    assert!(wait_text(&client, ".alert", "Graded").await);

    // The learner reads it on the lesson and on /learn.
    client.delete_all_cookies().await.unwrap();
    viewport(&client, 390, 844).await;
    log_in(&client, &app, "demo_learner").await;
    client.goto(&lesson_url).await.unwrap();
    assert!(wait_text(&client, ".submission-score", "90 / 100").await);
    assert!(wait_text(&client, ".submission-feedback strong", "comparison").await);
    screenshot(&client, "task-graded").await;
    client.goto(&app.url("/learn?lang=en")).await.unwrap();
    assert!(
        wait_text(
            &client,
            ".learn-work[open] li:last-child .work-feedback",
            "plot both lines"
        )
        .await
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_learner_buys_with_a_coupon_and_points_then_an_admin_approves_their_refund() {
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1200).await;
    log_in(&client, &app, "demo_learner").await;
    // With a coupon and points: what the refund gives back is what was paid,
    // and the points come back.
    let points_before = demo_points(&app).await;
    buy_with_coupon_and_points(&client, &app, "WELCOME10").await;
    assert_eq!(
        demo_points(&app).await,
        points_before - 1000,
        "the points are spent"
    );
    let order_url = client.current_url().await.unwrap();
    let order_path = order_url.path().to_string();

    // The order qualifies: the learner says why and asks.
    assert!(wait_text(&client, ".refund-qualifies", "qualifies").await);
    let form = client
        .form(Locator::Css("form[action$='/refund-request']"))
        .await
        .unwrap();
    form.set_by_name("reason", "The course is not what I needed.")
        .await
        .unwrap();
    click(&client, "form[action$='/refund-request'] button[type=submit]").await;
    assert!(
        wait_text(&client, ".refund-requests", "Waiting").await,
        "the request waits for an admin"
    );
    screenshot(&client, "refund-requested").await;
    click(&client, "form[action='/logout'] button[type=submit]").await;

    // An admin finds the request and approves it.
    log_in(&client, &app, "demo_admin").await;
    client.goto(&app.url("/admin/orders?lang=en")).await.unwrap();
    assert!(wait_text(&client, "#requests-heading", "Refund requests").await);
    click(&client, &format!("a[href='/admin{order_path}']")).await;
    assert!(wait_text(&client, ".refund-requests", "The course is not what I needed.").await);
    click(&client, "form[action$='/refund'] button[type=submit]").await;
    assert!(
        wait_text(&client, ".flash, .alert", "refund").await,
        "the refund is on its way"
    );
    // The provider confirms by webhook; the order page follows.
    let mut refunded = false;
    for _ in 0..60 {
        client
            .goto(&app.url(&format!("/admin{order_path}?lang=en")))
            .await
            .unwrap();
        if wait_text(&client, ".section-head .badge", "Refunded").await {
            refunded = true;
            break;
        }
    }
    assert!(refunded, "the order is refunded once the provider confirms");
    assert_eq!(demo_points(&app).await, points_before, "the points are back");
    screenshot(&client, "refund-approved").await;
    client.close().await.unwrap();
}

/// demo_learner's points balance.
async fn demo_points(app: &TestApp) -> i64 {
    app.db(|conn| {
        let learner = klearn_db::users::User::find_by_username(conn, "demo_learner").unwrap();
        klearn_db::points::Points::balance(conn, learner.id).unwrap()
    })
    .await
}

/// On the landing page of `rust-ownership-in-practice` (¥199): "Buy now",
/// the coupon `code` (10 % off) and 1000 points applied at checkout
/// (¥169.10), paid on the sandbox page; returns on the order page once it
/// has settled to paid by itself.
async fn buy_with_coupon_and_points(client: &Client, app: &TestApp, code: &str) {
    client
        .goto(&app.url("/courses/rust-ownership-in-practice?lang=en"))
        .await
        .unwrap();
    click(client, "a.btn-primary[href^='/checkout?course_id=']").await;
    assert!(
        wait_text(client, ".order-summary", "¥199").await,
        "the checkout total"
    );
    let field = client.find(Locator::Css("#f-coupon_code")).await.unwrap();
    field.send_keys(code).await.unwrap();
    let points = client.find(Locator::Css("#f-points")).await.unwrap();
    points.send_keys("1000").await.unwrap();
    click(client, "form[action='/checkout'] button[name=preview]").await;
    assert!(
        wait_text(client, ".order-summary .order-total", "¥169.10").await,
        "the total after 10 % off and 1000 points"
    );
    click(client, "form[action='/checkout'] button.btn-primary").await;
    assert!(
        wait_text(client, ".sandbox-amount", "¥169.10").await,
        "the sandbox page"
    );
    screenshot(client, "sandbox-page").await;
    click(client, "button[name=outcome][value=success]").await;
    // Back on the order, which refreshes itself until the webhook has paid it.
    assert!(wait_text(client, "h1", "Order K").await, "the order page");
    let mut paid = false;
    for _ in 0..60 {
        if wait_text(client, ".alert-success", "Paid").await {
            paid = true;
            break;
        }
    }
    assert!(paid, "the order page settles to paid by itself");
}

#[tokio::test]
async fn a_new_members_link_is_held_a_moderator_approves_it_and_it_shows() {
    use klearn_db::diesel::prelude::*;
    let Some((_driver, client)) = browser().await else {
        return;
    };
    let app = TestApp::builder().demo().spawn().await;
    viewport(&client, 1280, 1200).await;
    // A member who joined a minute ago.
    let newbie = app
        .user(&crate::common::unique("newbie"))
        .verified()
        .create()
        .await;
    sign_in_as(&client, &app, &newbie.username, &newbie.password).await;
    let thread = app.url("/t/9/negotiating-salary-for-a-remote-role-when-you-live-in-a?lang=en");
    client.goto(&thread).await.unwrap();
    let form = client
        .form(Locator::Css("form[action$='/replies']"))
        .await
        .unwrap();
    form.set_by_name("body", "A good write-up: https://held.example/send-futures")
        .await
        .unwrap();
    click(&client, "form[action$='/replies'] button[type=submit]").await;
    assert!(
        wait_text(&client, ".post-held-note", "moderator").await,
        "the author sees the post waiting for a moderator"
    );

    // A moderator approves it from the queue.
    let author = newbie.id;
    let report: i64 = app
        .db(move |conn| {
            use klearn_db::schema::{posts, reports};
            reports::table
                .inner_join(posts::table)
                .filter(posts::author_id.eq(author))
                .select(reports::id)
                .first(conn)
                .unwrap()
        })
        .await;
    client.delete_all_cookies().await.unwrap();
    log_in(&client, &app, "demo_moderator").await;
    client.goto(&app.url("/admin/reports?lang=en")).await.unwrap();
    assert!(wait_text(&client, &format!("#report-{report}"), "held.example").await);
    click(&client, &format!("#report-{report} button[value=disagree]")).await;
    assert!(wait_url(&client, "/admin/reports").await);

    // Everyone reads it now; its author finds the approval in their notifications.
    client.delete_all_cookies().await.unwrap();
    client.goto(&thread).await.unwrap();
    assert!(wait_text(&client, ".posts", "held.example").await);
    sign_in_as(&client, &app, &newbie.username, &newbie.password).await;
    assert!(
        wait_text(&client, ".notifications-link .badge-unread", "1").await,
        "the header counts the unread notification"
    );
    click(&client, ".notifications-link").await;
    assert!(
        wait_text(&client, ".notification-unread", "A moderator approved your post").await,
        "the author is told of the approval"
    );
    screenshot(&client, "held-post-approved-notification").await;
    client.close().await.unwrap();
}
