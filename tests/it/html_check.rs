//! Every page type of the site through the Nu HTML checker (npm's vnu-jar on
//! the machine's Java): zero errors. Each area adds its pages to `PAGES`.

use std::path::PathBuf;
use std::process::Command;

use actix_web::{web, HttpResponse};
use klearn::web::AppError;

use crate::common::TestApp;

/// (name, path) of every page type; later areas add theirs.
const PAGES: &[(&str, &str)] = &[
    ("home-zh", "/?lang=zh-CN"),
    ("home-en", "/?lang=en"),
    ("error-404", "/no/such/page"),
    ("error-403", "/__probe/403"),
    ("error-422", "/__probe/422"),
    ("error-429", "/__probe/429?lang=en"),
    ("error-500", "/__probe/500"),
];

fn probes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/__probe/{code}",
        web::get().to(|code: web::Path<u16>| async move {
            match code.into_inner() {
                403 => Err(AppError::Forbidden),
                422 => Ok(HttpResponse::UnprocessableEntity().finish()),
                429 => Err(AppError::TooManyRequests { retry_after_secs: 5 }),
                _ => Err(AppError::internal(anyhow::anyhow!("probe"))),
            }
        }),
    );
}

/// The checker's jar: KLEARN_VNU_JAR, or npm's global vnu-jar.
pub fn vnu_jar() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("KLEARN_VNU_JAR") {
        return Some(PathBuf::from(p));
    }
    let root = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let jar = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim()).join("vnu-jar/build/dist/vnu.jar");
    jar.exists().then_some(jar)
}

/// In CI a missing tool fails the run; elsewhere the test says loudly that it skipped.
pub fn missing_tool(what: &str) {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("{what} is required in CI (.ci/run installs it)");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} is not installed; this check did not run !!!!!!!!\n");
}

#[tokio::test]
async fn every_page_type_passes_the_html_checker() {
    let Some(jar) = vnu_jar() else {
        missing_tool("the Nu HTML checker (npm install -g vnu-jar)");
        return;
    };
    let app = TestApp::builder().demo().routes(probes).spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path) in PAGES {
        let res = app.client.get(path).await;
        assert!(
            res.header("content-type").unwrap_or("").starts_with("text/html"),
            "{name}"
        );
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "gnu", "--stdout"])
        .args(&files)
        .output()
        .expect("java runs the checker");
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "HTML errors:\n{report}"
    );
}
