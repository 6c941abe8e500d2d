//! The guest page cache, after Discourse's anonymous cache: the rendered
//! HTML of the pages guests browse (home, catalogue and categories, course
//! pages, the expert directory and profiles, forum lists and threads), kept
//! per path, query and language and served without touching the handler or
//! the database.
//!
//! Only for a request without a session or flash cookie (so never for a
//! signed-in user), and only a 200 HTML answer that sets no cookie and holds
//! no form with a CSRF token; an error, a redirect or anything else passes
//! through untouched. It is exact: every page is kept with the site's
//! generation (`klearn_db::generations::SITE`) it was rendered at, which the
//! use cases bump in the transaction of every change a guest could see. The
//! generation is read again after this process commits a bump and at least
//! once a second, so several instances on one PostgreSQL never serve a page
//! older than the data by more than a second. Pages carry an ETag (a 304
//! answers a matching `If-None-Match`) and come gzipped once when stored.
//! Memory is bounded (`KLEARN_PAGE_CACHE_MB`, 0 turns it off): the oldest
//! pages go first.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use bytes::Bytes;

use crate::web::compress;
use crate::web::kept::{Kept, Weigh};
use crate::web::AppState;

/// Pages larger than this are not kept.
const MAX_PAGE: usize = 512 * 1024;
/// The answer header that says what the cache did (`hit` or `miss`).
pub const STATUS_HEADER: &str = "x-klearn-cache";

/// The kept pages, shared by every HTTP worker of the process.
pub type PageCache = Kept<Page>;

/// One kept page.
pub struct Page {
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Body,
    etag: HeaderValue,
}

/// A kept page's body: gzipped when it is large enough to be worth it (and
/// then only gzipped: nearly every client takes gzip, and the few that do
/// not get it inflated), else as rendered.
enum Body {
    Plain(Bytes),
    Gzip(Bytes),
}

impl Weigh for Page {
    fn weight(&self) -> usize {
        let body = match &self.body {
            Body::Plain(b) | Body::Gzip(b) => b.len(),
        };
        body + self.headers.len() * 64 + 128
    }
}

impl Page {
    /// A rendered answer as kept: its headers (not its length), its body
    /// (gzipped when large enough), and an ETag of the body at this generation.
    fn of(headers: &HeaderMap, plain: Bytes, generation: i64) -> Self {
        Page {
            headers: headers
                .iter()
                .filter(|(name, _)| *name != header::CONTENT_LENGTH)
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            etag: etag(generation, &plain),
            body: match gzip(&plain) {
                Some(gz) => Body::Gzip(gz),
                None => Body::Plain(plain),
            },
        }
    }

    /// The answer to a request: 304 when its `If-None-Match` names this
    /// page, else the page, gzipped when the client takes it.
    fn answer(&self, request: &HeaderMap, status: &'static str) -> HttpResponse {
        let matches = request
            .get_all(header::IF_NONE_MATCH)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == self.etag.to_str().unwrap_or("") || tag.trim() == "*");
        let mut res = if matches {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        for (name, value) in &self.headers {
            res.insert_header((name.clone(), value.clone()));
        }
        res.insert_header((header::ETAG, self.etag.clone()))
            .insert_header((
                HeaderName::from_static(STATUS_HEADER),
                HeaderValue::from_static(status),
            ));
        if matches!(self.body, Body::Gzip(_)) {
            res.insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
        }
        if matches {
            return res.finish();
        }
        match &self.body {
            Body::Gzip(gz) if compress::accepts_gzip(request) => res
                .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
                .body(gz.clone()),
            Body::Gzip(gz) => match gunzip(gz) {
                Some(plain) => res.body(plain),
                None => HttpResponse::InternalServerError().finish(),
            },
            Body::Plain(plain) => res.body(plain.clone()),
        }
    }
}

/// Whether a path is one of the pages guests browse.
fn cacheable_path(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    match parts.as_slice() {
        [""] | ["courses"] | ["experts"] | ["forum"] => true,
        ["courses", slug] | ["categories", slug] | ["forum", slug] => !slug.is_empty(),
        ["courses", slug, "reviews" | "discussions"] => !slug.is_empty(),
        ["experts", name] => !name.is_empty() && *name != "apply",
        ["t", id, slug] => id.parse::<i64>().is_ok() && !slug.is_empty(),
        _ => false,
    }
}

/// Whether the request is a guest's for a cacheable page: a GET without a
/// session (signed in or holding a form's token) or a flash to show.
fn guest_page(req: &ServiceRequest, settings: &crate::config::Settings) -> bool {
    req.method() == Method::GET
        && cacheable_path(req.path())
        && req
            .cookie(&settings.cookie_name(crate::web::session::COOKIE_BASE_NAME))
            .is_none()
        && req
            .cookie(&settings.cookie_name(crate::web::flash::COOKIE_BASE_NAME))
            .is_none()
}

/// Whether an answer may be kept for every guest.
fn storable(res: &ServiceResponse<impl MessageBody>) -> bool {
    let headers = res.headers();
    res.status() == StatusCode::OK
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::CONTENT_ENCODING)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"))
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    if body.len() < compress::MIN_BYTES as usize {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// A kept page inflated, for a client that takes no gzip.
fn gunzip(gz: &[u8]) -> Option<Bytes> {
    let mut plain = Vec::with_capacity(gz.len() * 6);
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut plain).ok()?;
    Some(Bytes::from(plain))
}

fn etag(generation: i64, body: &[u8]) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"g{generation}-{:016x}\"", hasher.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"page\""))
}

/// The middleware: answers from the cache, or lets the page be rendered and
/// keeps it when it may.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let (Some(state), Some(cache)) = (
        req.app_data::<web::Data<AppState>>().cloned(),
        req.app_data::<web::Data<PageCache>>().cloned(),
    ) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !cache.enabled() || !guest_page(&req, &state.settings) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(generation) = state.generation.now(&state.pool).await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let locale = crate::web::context::guest_locale(&state.settings, &req);
    let key = format!("{} {}?{}", locale.code(), req.path(), req.query_string());
    if let Some(page) = cache.get(&key, generation) {
        let answer = page.answer(req.headers(), "hit");
        return Ok(req.into_response(answer));
    }
    let res = next.call(req).await?;
    if !storable(&res) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let plain = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into()))?;
    let kept = plain.len() <= MAX_PAGE && !holds_form_token(&plain);
    if !kept {
        let res = head.set_body(BoxBody::new(plain));
        return Ok(ServiceResponse::new(req, res));
    }
    let page = Arc::new(Page::of(head.headers(), plain, generation));
    cache.put(key, generation, page.clone());
    let answer = page.answer(req.headers(), "miss");
    Ok(ServiceResponse::new(req, answer))
}

/// Whether a page holds a form with the visitor's CSRF token (such a page
/// belongs to one session).
fn holds_form_token(body: &[u8]) -> bool {
    let needle = format!("name=\"{}\"", crate::web::csrf::FIELD);
    body.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_guests_browse_are_cacheable_and_nothing_else() {
        for path in [
            "/",
            "/courses",
            "/courses/rust-async",
            "/courses/rust-async/reviews",
            "/courses/rust-async/discussions",
            "/categories/backend",
            "/experts",
            "/experts/demo_expert",
            "/forum",
            "/forum/general",
            "/t/12/some-thread",
        ] {
            assert!(cacheable_path(path), "{path}");
        }
        for path in [
            "/login",
            "/learn",
            "/experts/apply",
            "/courses/rust-async/lessons/1",
            "/courses/rust-async/cover.svg",
            "/t/12",
            "/t/x/slug",
            "/forum/general/new",
            "/admin",
            "/studio",
            "/cart",
            "/courses/",
        ] {
            assert!(!cacheable_path(path), "{path}");
        }
    }

    #[test]
    fn a_page_with_a_form_token_is_one_visitors() {
        assert!(holds_form_token(
            br#"<input type="hidden" name="csrf_token" value="x">"#
        ));
        assert!(!holds_form_token(
            b"<form method=\"get\"><input name=\"q\"></form>"
        ));
    }
}
