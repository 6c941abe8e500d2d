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

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
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
    assert!(text_of(&client, "[role=status]")
        .await
        .contains("Welcome to Klearn"));
    assert!(text_of(&client, ".verify-banner").await.contains("not verified"));

    let mail = app.wait_for_mail("ada@browser.test").await;
    let link = mail
        .link(&format!("{}/verify-email?token=", app.address))
        .unwrap();
    client.goto(&link).await.unwrap();
    assert!(text_of(&client, "h1").await.contains("Email confirmed"));

    // Log out, and in again.
    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text_of(&client, "[role=status]")
        .await
        .contains("You are logged out"));
    client.goto(&app.url("/login")).await.unwrap();
    let form = client.form(Locator::Css("form[action='/login']")).await.unwrap();
    form.set_by_name("login", "ada@browser.test").await.unwrap();
    form.set_by_name("password", "a long browser password")
        .await
        .unwrap();
    form.submit().await.unwrap();
    assert_eq!(text_of(&client, "a.account-name").await, "browser_ada");

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
    assert!(text_of(&client, "[role=status]").await.contains("Saved."));
    assert_eq!(text_of(&client, "a.account-name").await, "Ada in the Browser");
    client.goto(&app.url("/u/browser_ada")).await.unwrap();
    assert_eq!(text_of(&client, ".prose strong").await, "pages");
    screenshot(&client, "member-page").await;

    client
        .find(Locator::Css("form[action='/logout'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(text_of(&client, "[role=status]")
        .await
        .contains("You are logged out"));
    assert!(client.find(Locator::Css("a[href='/login']")).await.is_ok());
    client.close().await.unwrap();
}
