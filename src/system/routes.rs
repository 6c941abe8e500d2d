//! `/healthz`, `/readyz`, `/static/{hash}/{path}`, `/robots.txt`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::web::AppState;
use crate::web::{self as plumbing, AppError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/static/{hash}/{path:.*}").route(web::get().to(static_file)))
        .service(web::resource("/robots.txt").route(web::get().to(robots)));
}

/// Alive while the process runs; touches nothing.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body("ok")
}

/// Ready when the database answers.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ok = plumbing::db(&state.pool, klearn_db::ping).await.is_ok();
    let mut res = if ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(if ok { "ready" } else { "database unavailable" })
}

async fn static_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (hash, file) = path.into_inner();
    let asset = state.assets.get(&file).ok_or(AppError::NotFound)?;
    // The gzipped file where the client takes it: made at start-up.
    let gzipped = asset
        .gzipped
        .as_deref()
        .filter(|_| crate::web::compress::accepts_gzip(req.headers()));
    // Each representation has its own strong ETag.
    let etag = match gzipped {
        Some(_) => format!("\"{}-gz\"", asset.hash),
        None => format!("\"{}\"", asset.hash),
    };
    let cache = if hash == asset.hash {
        "public, max-age=31536000, immutable"
    } else {
        // An old or mistyped version in the URL: serve the current file, but do not pin it.
        "no-cache"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag));
    if asset.gzipped.is_some() {
        res.insert_header((header::VARY, "accept-encoding"));
    }
    if not_modified {
        return Ok(res.finish());
    }
    res.content_type(asset.content_type);
    Ok(match gzipped {
        Some(bytes) => res
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(bytes.to_vec()),
        None => res.body(asset.bytes),
    })
}

async fn robots() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("User-agent: *\nDisallow: /admin\nDisallow: /settings\nDisallow: /studio\n")
}
