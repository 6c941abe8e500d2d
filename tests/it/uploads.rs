//! Uploads: size limits, type by content, CSRF before any file byte, storage
//! under server-made names, serving with Range and conditional requests.

use std::path::PathBuf;

use actix_multipart::Multipart;
use actix_web::{test as actix_test, web, App, HttpResponse};
use klearn::i18n::{I18n, Locale, Tr};
use klearn::uploads::{self, multipart, FieldRules, Storage, UploadPolicy};

use crate::common::TestApp;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";
const PDF_HEAD: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";

const SMALL_IMAGE: UploadPolicy = UploadPolicy {
    purpose: "avatar",
    max_bytes: 1024,
    allowed: &[uploads::FileKind::Png, uploads::FileKind::Jpeg],
};

enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

fn body(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----klearn-test-boundary-7MA4YWxk";
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(value.as_bytes());
            }
            Part::File(name, filename, bytes) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(bytes);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

#[derive(Clone)]
struct Ctx {
    tmp: PathBuf,
    storage: Storage,
    pool: klearn_db::Pool,
    with_csrf: bool,
}

/// A form handler built on the uploads module the way the site's forms are:
/// parse, show refused files next to their field (422, text kept), keep the rest.
async fn handler(ctx: web::Data<Ctx>, payload: Multipart) -> Result<HttpResponse, klearn::web::AppError> {
    let rules = FieldRules::new().file("picture", SMALL_IMAGE);
    let check = |token: &str| token == "good-token";
    let csrf: Option<&(dyn Fn(&str) -> bool + Sync)> = if ctx.with_csrf { Some(&check) } else { None };
    let mut form = multipart::parse(payload, &ctx.tmp, &rules, csrf).await?;
    let tr = Tr::new(I18n::load().unwrap(), Locale::En);
    if let Some(err) = form.error("picture") {
        return Ok(HttpResponse::UnprocessableEntity().body(format!(
            "{}|title={}",
            err.message(&tr),
            form.text("title").unwrap_or("")
        )));
    }
    match form.take_file("picture") {
        Some(file) => {
            let storage = ctx.storage.clone();
            let upload = klearn::web::db(&ctx.pool, move |conn| storage.keep(conn, file, None)).await?;
            Ok(HttpResponse::Ok().body(upload.stored_name))
        }
        None => Ok(HttpResponse::Ok().body("no file")),
    }
}

async fn service(
    app: &TestApp,
    with_csrf: bool,
) -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse,
    Error = actix_web::Error,
> {
    let ctx = Ctx {
        tmp: app.settings.uploads_dir().join("tmp"),
        storage: Storage::new(app.settings.uploads_dir()),
        pool: app.pool.clone(),
        with_csrf,
    };
    actix_test::init_service(
        App::new()
            .app_data(web::Data::new(ctx))
            .route("/upload", web::post().to(handler)),
    )
    .await
}

async fn post(
    svc: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    parts: &[Part<'_>],
) -> (u16, String) {
    let (ct, bytes) = body(parts);
    let req = actix_test::TestRequest::post()
        .uri("/upload")
        .insert_header(("content-type", ct))
        .set_payload(bytes)
        .to_request();
    let res = actix_test::call_service(svc, req).await;
    let status = res.status().as_u16();
    let text = String::from_utf8(actix_test::read_body(res).await.to_vec()).unwrap();
    (status, text)
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn a_too_large_file_gets_a_clear_message_and_the_text_is_kept() {
    let app = TestApp::spawn().await;
    let svc = service(&app, false).await;
    let big = [PNG, &vec![0u8; 4096]].concat();
    let (status, text) = post(
        &svc,
        &[
            Part::Text("title", "我的头像"),
            Part::File("picture", "me.png", &big),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text.starts_with("The file is too large: at most 1 KB."), "{text}");
    assert!(text.ends_with("title=我的头像"), "{text}");
    assert_eq!(
        files_in(&app.settings.uploads_dir().join("tmp")),
        0,
        "the partial file is removed"
    );
}

#[tokio::test]
async fn the_type_is_decided_by_content_not_by_name() {
    let app = TestApp::spawn().await;
    let svc = service(&app, false).await;
    // A PDF named .png, and text named .png: both refused for this image field.
    for bytes in [PDF_HEAD, b"just some text, not an image at all".as_slice()] {
        let (status, text) = post(&svc, &[Part::File("picture", "cat.png", bytes)]).await;
        assert_eq!(status, 422);
        assert_eq!(
            text,
            "This type of file is not accepted. You can upload: PNG, JPG.|title="
        );
    }
    // A real PNG named .pdf is accepted, and stored as .png under a server-made name.
    let (status, stored) = post(&svc, &[Part::File("picture", "../../etc/passwd.pdf", PNG)]).await;
    assert_eq!(status, 200, "{stored}");
    assert!(
        stored.ends_with(".png") && !stored.contains("passwd") && stored.len() == 36,
        "{stored}"
    );
    let row = app
        .db({
            let stored = stored.clone();
            move |c| klearn_db::uploads::Upload::find_by_stored_name(c, &stored).unwrap()
        })
        .await;
    assert_eq!(row.content_type, "image/png");
    assert_eq!(row.original_name, "passwd.pdf");
    assert_eq!(row.size_bytes, PNG.len() as i64);
}

#[tokio::test]
async fn no_file_chosen_is_not_an_error() {
    let app = TestApp::spawn().await;
    let svc = service(&app, false).await;
    let (status, text) = post(&svc, &[Part::Text("title", "x"), Part::File("picture", "", b"")]).await;
    assert_eq!((status, text.as_str()), (200, "no file"));
}

#[tokio::test]
async fn csrf_must_come_first_and_be_right_before_any_file_is_read() {
    let app = TestApp::spawn().await;
    let svc = service(&app, true).await;
    let (status, _) = post(
        &svc,
        &[
            Part::File("picture", "a.png", PNG),
            Part::Text("csrf_token", "good-token"),
        ],
    )
    .await;
    assert_eq!(status, 403, "a file before the token is refused");
    let (status, _) = post(
        &svc,
        &[
            Part::Text("csrf_token", "forged"),
            Part::File("picture", "a.png", PNG),
        ],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = post(&svc, &[]).await;
    assert_eq!(status, 403);
    assert_eq!(files_in(&app.settings.uploads_dir().join("tmp")), 0);
    let (status, _) = post(
        &svc,
        &[
            Part::Text("csrf_token", "good-token"),
            Part::File("picture", "a.png", PNG),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn stored_files_are_served_with_range_and_conditional_requests() {
    let app = TestApp::spawn().await;
    let svc = service(&app, false).await;
    let (_, stored) = post(&svc, &[Part::File("picture", "dot.png", PNG)]).await;
    let path = format!("/media/{stored}");

    let full = app.client.http.get(app.url(&path)).send().await.unwrap();
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["content-type"], "image/png");
    assert_eq!(full.headers()["accept-ranges"], "bytes");
    let etag = full.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(full.bytes().await.unwrap().as_ref(), PNG);

    let part = app
        .client
        .http
        .get(app.url(&path))
        .header("Range", "bytes=1-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 1-3/{}", PNG.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"PNG");

    let cached = app
        .client
        .http
        .get(app.url(&path))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);

    let bad = app
        .client
        .http
        .get(app.url(&path))
        .header("Range", "bytes=9999-10000")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 416);
}

#[tokio::test]
async fn files_that_are_not_public_or_not_known_are_404() {
    let app = TestApp::spawn().await;
    let svc = service(&app, false).await;
    let (_, stored) = post(&svc, &[Part::File("picture", "dot.png", PNG)]).await;
    // The same file recorded for a closed purpose (e.g. expert evidence) is hidden.
    let name = stored.clone();
    app.db(move |conn| {
        use klearn_db::diesel::prelude::*;
        use klearn_db::schema::uploads;
        klearn_db::diesel::update(uploads::table.filter(uploads::stored_name.eq(name)))
            .set(uploads::purpose.eq("evidence"))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(app.client.get(&format!("/media/{stored}")).await.status, 404);
    assert_eq!(app.client.get("/media/0123456789abcdef.png").await.status, 404);
    assert_eq!(app.client.get("/media/..%2Fsecret_key").await.status, 404);
}

#[test]
fn policies_of_the_site() {
    assert_eq!(uploads::COVER.max_bytes, 2 * 1024 * 1024);
    assert_eq!(uploads::LESSON_MEDIA.max_bytes, 500 * 1024 * 1024);
    assert_eq!(uploads::EVIDENCE.max_bytes, 5 * 1024 * 1024);
    assert!(uploads::EVIDENCE.allowed.contains(&uploads::FileKind::Pdf));
}
