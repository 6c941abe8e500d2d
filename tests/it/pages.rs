//! The layout, the language choice, error pages, security headers and static files.

use crate::common::{probes, TestApp};

#[tokio::test]
async fn home_page_is_chinese_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let zh = app.client.get("/").await;
    assert_eq!(zh.status, 200);
    assert_eq!(zh.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(zh.body.contains("<html lang=\"zh-CN\">"));
    assert!(zh.text().contains("向一线专家学编程"), "{}", zh.text());

    let en = app.client.get("/?lang=en").await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.text().contains("Learn programming from working experts"));
    let cookie = en.header("set-cookie").expect("the language is remembered");
    assert!(cookie.starts_with("klearn_lang=en"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // The cookie now decides, without the query.
    let again = app.client.get("/").await;
    assert!(again.body.contains("<html lang=\"en\">"));
    let back = app.client.get("/?lang=zh-CN").await;
    assert!(back.body.contains("<html lang=\"zh-CN\">"));
}

#[tokio::test]
async fn accept_language_is_followed_when_nothing_else_says() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get_with("/", &[("Accept-Language", "en-GB,en;q=0.9,zh;q=0.5")])
        .await;
    assert!(res.body.contains("<html lang=\"en\">"));
    let res = app.client.get_with("/", &[("Accept-Language", "fr, de")]).await;
    assert!(res.body.contains("<html lang=\"zh-CN\">"));
    // An unknown ?lang= is ignored, not an error.
    let res = app
        .client
        .get_with("/?lang=xx", &[("Accept-Language", "en")])
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn language_links_keep_the_page_and_its_query() {
    let app = TestApp::spawn().await;
    let res = app.client.get("/?lang=en&x=1").await;
    assert_eq!(
        res.attrs("a[hreflang=zh-CN]", "href"),
        vec!["/?x=1&lang=zh-CN".to_string()]
    );
}

#[tokio::test]
async fn layout_has_skip_link_search_landmarks_and_status_region() {
    let app = TestApp::spawn().await;
    let res = app.client.get("/?lang=en").await;
    assert_eq!(res.select("a.skip-link[href='#main']").len(), 1);
    assert_eq!(res.select("main#main").len(), 1);
    assert_eq!(
        res.select("header form[role=search][action='/courses'] input[name=q]")
            .len(),
        1
    );
    assert_eq!(res.select("label[for=site-search-q]").len(), 1);
    assert_eq!(res.select("[role=status]").len(), 1);
    assert_eq!(res.select("footer").len(), 1);
    assert_eq!(res.select("h1").len(), 1);
}

#[tokio::test]
async fn error_pages_are_in_the_layout_with_the_right_status() {
    let app = TestApp::builder().routes(probes).spawn().await;
    for (code, zh, en) in [
        (403, "没有权限", "Not allowed"),
        (404, "页面不存在", "Page not found"),
        (409, "状态已变化", "Something changed"),
        (422, "输入有误", "Check your input"),
        (429, "操作太频繁", "Too many requests"),
        (500, "服务器出错了", "Something went wrong"),
    ] {
        let res = app.client.get(&format!("/__probe/{code}?lang=zh-CN")).await;
        assert_eq!(res.status, code);
        assert_eq!(
            res.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{code}"
        );
        assert!(res.text().contains(zh), "{code}: {}", res.text());
        assert_eq!(res.select("a.skip-link").len(), 1, "{code} is in the layout");
        let res = app.client.get(&format!("/__probe/{code}?lang=en")).await;
        assert!(res.text().contains(en), "{code}: {}", res.text());
        assert!(
            !res.body.contains("SELECT") && !res.body.contains("secret cause"),
            "{code} leaks"
        );
    }
    let res = app.client.get("/__probe/429").await;
    assert_eq!(res.header("retry-after"), Some("60"));
}

#[tokio::test]
async fn unknown_pages_and_methods_get_error_pages() {
    let app = TestApp::spawn().await;
    let res = app.client.get("/no/such/page?lang=en").await;
    assert_eq!(res.status, 404);
    assert!(res.text().contains("Page not found"));
    // A POST with a valid CSRF token to a page that takes none.
    app.client.get("/login").await;
    let res = app.client.post_form("/?lang=en", &[]).await;
    assert_eq!(res.status, 405);
    assert!(res.header("content-type").unwrap_or("").starts_with("text/html"));
    assert!(res.text().contains("Not supported"), "{}", res.text());
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::builder().routes(probes).spawn().await;
    let home = app.client.get("/").await;
    let css_href = home.attrs("link[rel=stylesheet]", "href")[0].clone();
    for path in [
        "/",
        "/healthz",
        "/readyz",
        "/nope",
        "/__probe/500",
        "/robots.txt",
        css_href.as_str(),
        "/media/abcdef.png",
    ] {
        let res = app.client.get(path).await;
        let csp = res
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(
            res.header("referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert_eq!(res.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(res.header("x-request-id").is_some(), "{path}");
    }
}

#[tokio::test]
async fn pages_have_no_inline_script_or_style() {
    let app = TestApp::builder().routes(probes).spawn().await;
    for path in ["/", "/?lang=en", "/nope", "/__probe/500"] {
        let res = app.client.get(path).await;
        assert!(
            res.select("script:not([src])").is_empty(),
            "{path} has inline script"
        );
        assert!(res.select("style").is_empty(), "{path} has a style element");
        assert!(res.select("[style]").is_empty(), "{path} has a style attribute");
        assert!(!res.body.contains(" on") || res.select("[onclick],[onload],[onerror]").is_empty());
    }
}

#[tokio::test]
async fn static_files_are_versioned_and_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let home = app.client.get("/").await;
    let href = home.attrs("link[rel=stylesheet]", "href")[0].clone();
    assert!(
        href.starts_with("/static/") && href.ends_with("/css/klearn.css"),
        "{href}"
    );
    let res = app.client.get(&href).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("text/css; charset=utf-8"));
    assert_eq!(
        res.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let etag = res.header("etag").unwrap().to_string();
    let again = app.client.get_with(&href, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, 304);
    // An old version in the URL still works but is not pinned in caches.
    let old = app.client.get("/static/000000000000/css/klearn.css").await;
    assert_eq!(old.status, 200);
    assert_eq!(old.header("cache-control"), Some("no-cache"));
    assert_eq!(
        app.client.get("/static/000000000000/css/none.css").await.status,
        404
    );
    assert_eq!(app.client.get("/static/x/../../Cargo.toml").await.status, 404);
}

#[tokio::test]
async fn home_page_lists_the_course_categories() {
    let app = TestApp::builder().demo().spawn().await;
    let res = app.client.get("/?lang=en").await;
    assert_eq!(res.select(".topic-card").len(), 8);
    assert!(res
        .text()
        .contains("Ownership, concurrency and fast systems code"));
    // Without any visible categories the section says so instead of showing nothing.
    let empty = TestApp::spawn().await;
    empty
        .db(|c| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::schema::categories;
            klearn_db::diesel::update(categories::table)
                .set(categories::hidden.eq(true))
                .execute(c)
                .unwrap();
        })
        .await;
    let res = empty.client.get("/?lang=en").await;
    assert!(res.text().contains("There are no course categories yet"));
}

#[tokio::test]
async fn flash_messages_show_once_and_only_when_signed() {
    use klearn::web::flash::{self, Flash, Level};
    let app = TestApp::builder().routes(probes).spawn().await;
    let cookie = flash::cookie(&app.settings, &Flash::new(Level::Success, "mail.test.subject"));
    let header = format!("{}={}", cookie.name(), cookie.value());
    let visitor = app.new_client();
    let res = visitor.get_with("/?lang=en", &[("Cookie", &header)]).await;
    let alerts = res.select("[role=status] .alert-success");
    assert_eq!(alerts.len(), 1, "{}", res.body);
    assert!(alerts[0].contains("Klearn test mail"));
    let cleared: Vec<&str> = res
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("klearn_flash=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // A forged flash (not signed with the site's key) is ignored.
    let forged = r#"klearn_flash={"level":"error","key":"mail.test.subject","args":[]}"#;
    let res = app
        .new_client()
        .get_with("/?lang=en", &[("Cookie", forged)])
        .await;
    assert!(res.select("[role=status] .alert").is_empty());
}

/// Fetches with the given Accept-Encoding; the body as sent, and inflated.
async fn fetch_encoded(
    app: &TestApp,
    path: &str,
    accept: Option<&str>,
) -> (reqwest::header::HeaderMap, Vec<u8>, String) {
    use std::io::Read;
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(accept) = accept {
        req = req.header("accept-encoding", accept);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let headers = res.headers().clone();
    let raw = res.bytes().await.unwrap().to_vec();
    let text = if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_string(&mut out)
            .unwrap();
        out
    } else {
        String::from_utf8_lossy(&raw).into_owned()
    };
    (headers, raw, text)
}

#[tokio::test]
async fn large_text_is_gzipped_for_clients_that_take_it_and_nothing_else_is() {
    let app = TestApp::builder().demo().spawn().await;
    // A page: gzipped when asked for, with Vary; the same page otherwise.
    let (h, raw, page) = fetch_encoded(&app, "/courses", Some("gzip, deflate, br")).await;
    assert_eq!(
        h.get("content-encoding").map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    assert!(h
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("accept-encoding")));
    assert!(
        raw.len() * 3 < page.len(),
        "{} bytes for {}",
        raw.len(),
        page.len()
    );
    assert!(page.contains("</html>"));
    let (h, _, plain) = fetch_encoded(&app, "/courses", None).await;
    assert!(h.get("content-encoding").is_none());
    assert_eq!(
        h.get("x-klearn-cache").map(|v| v.to_str().unwrap()),
        Some("hit"),
        "the kept page, kept gzipped, inflated for a client without gzip"
    );
    assert!(h
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("accept-encoding")));
    assert_eq!(plain.len(), page.len(), "the same page either way");
    let (h, _, _) = fetch_encoded(&app, "/courses", Some("gzip;q=0, br")).await;
    assert!(h.get("content-encoding").is_none(), "gzip refused");
    // A small body goes as it is.
    let (h, _, body) = fetch_encoded(&app, "/robots.txt", Some("gzip")).await;
    assert!(h.get("content-encoding").is_none());
    assert!(body.starts_with("User-agent"));
    // An image goes as it is.
    let (h, _, _) = fetch_encoded(
        &app,
        "/courses/docker-essentials-for-backend-developers/cover.png",
        Some("gzip"),
    )
    .await;
    assert!(h.get("content-encoding").is_none());

    // Static text comes gzipped from start-up, with its own ETag and a 304.
    let home = app.client.get("/").await;
    let href = home.attrs("link[rel=stylesheet]", "href")[0].clone();
    let (h, raw, css) = fetch_encoded(&app, &href, Some("gzip")).await;
    assert_eq!(
        h.get("content-encoding").map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    let gz_etag = h.get("etag").unwrap().to_str().unwrap().to_string();
    assert!(gz_etag.ends_with("-gz\""), "{gz_etag}");
    let (h, _, original) = fetch_encoded(&app, &href, None).await;
    assert_eq!(css, original, "the same file");
    assert!(raw.len() * 3 < original.len());
    assert_ne!(h.get("etag").unwrap().to_str().unwrap(), gz_etag);
    let again = app
        .client
        .get_with(&href, &[("If-None-Match", &gz_etag), ("Accept-Encoding", "gzip")])
        .await;
    assert_eq!(again.status, 304);
}
