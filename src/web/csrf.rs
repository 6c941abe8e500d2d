//! CSRF protection, one mechanism that no handler can forget: every POST,
//! PUT, PATCH and DELETE must carry the session's token in `csrf_token`
//! (in a multipart form, as its first field, checked before any file part is
//! read) or it is refused with 403 before the handler runs. The
//! exemptions are the payment webhook and the one-click unsubscribe (RFC
//! 8058, posted by mail clients), which have no session and are verified by
//! their signatures.

use actix_session::{Session, SessionExt};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use base64::Engine;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::web::error::AppError;

pub const FIELD: &str = "csrf_token";
const SESSION_KEY: &str = "csrf";
const EXEMPT_PREFIXES: &[&str] = &["/webhooks/payments/", "/unsubscribe"];
/// Largest urlencoded body read to find the token (forms are far smaller).
const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// How far into a multipart body the first field must have ended.
const MULTIPART_PREFIX_LIMIT: usize = 8 * 1024;

/// The session's token, made on first use: a guest who opens a form gets a
/// pre-session holding just this token.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return t;
    }
    let t = new_token();
    let _ = session.insert(SESSION_KEY, &t);
    t
}

/// A fresh token, e.g. at login, so one from before sign-in no longer works.
pub fn rotate(session: &Session) {
    let _ = session.insert(SESSION_KEY, new_token());
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn matches(expected: Option<&str>, given: Option<&str>) -> bool {
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() => e.as_bytes().ct_eq(g.as_bytes()).into(),
        _ => false,
    }
}

fn refuse<B>(req: ServiceRequest) -> ServiceResponse<EitherBody<B>> {
    let res = AppError::ForbiddenBecause("error.csrf").error_response();
    req.into_response(res).map_into_right_body()
}

pub async fn middleware<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let unsafe_method = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !unsafe_method || EXEMPT_PREFIXES.iter().any(|p| req.path().starts_with(p)) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let expected = req.get_session().get::<String>(SESSION_KEY).ok().flatten();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut payload = req.take_payload();
    if let Some(boundary) = multipart_boundary(&content_type) {
        let (prefix, token) = match first_multipart_field(&mut payload, &boundary).await {
            Some(found) => found,
            None => return Ok(refuse(req)),
        };
        if !matches(expected.as_deref(), Some(&token)) {
            return Ok(refuse(req));
        }
        let rest = futures_util::stream::once(async move { Ok(prefix) }).chain(payload);
        req.set_payload(Payload::Stream {
            payload: Box::pin(rest),
        });
    } else {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else {
                return Ok(refuse(req));
            };
            if body.len() + chunk.len() > FORM_LIMIT {
                let res = AppError::PayloadTooLarge.error_response();
                return Ok(req.into_response(res).map_into_right_body());
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        let given = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.into_owned());
        if !matches(expected.as_deref(), given.as_deref()) {
            return Ok(refuse(req));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    if !parts.next()?.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
}

/// Reads just far enough to see the first part whole; returns the bytes
/// read (to hand back to the handler) and the token, if that part is the
/// `csrf_token` text field.
async fn first_multipart_field(payload: &mut Payload, boundary: &str) -> Option<(Bytes, String)> {
    let opening = format!("--{boundary}\r\n");
    let closing = format!("\r\n--{boundary}");
    let mut buf = BytesMut::new();
    loop {
        if let Some(found) = parse_first_part(&buf, &opening, &closing) {
            let token = found?;
            return Some((buf.freeze(), token));
        }
        if buf.len() > MULTIPART_PREFIX_LIMIT {
            return None;
        }
        match payload.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            _ => return None,
        }
    }
}

/// `None`: need more bytes; `Some(None)`: the first part is not the token;
/// `Some(Some(token))`: found.
fn parse_first_part(buf: &[u8], opening: &str, closing: &str) -> Option<Option<String>> {
    if buf.len() < opening.len() {
        return None;
    }
    if !buf.starts_with(opening.as_bytes()) {
        return Some(None);
    }
    let rest = &buf[opening.len()..];
    let header_end = find(rest, b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&rest[..header_end]).to_ascii_lowercase();
    let value_start = header_end + 4;
    let value_len = find(&rest[value_start..], closing.as_bytes())?;
    let disposition = headers
        .lines()
        .find(|l| l.starts_with("content-disposition:"))
        .unwrap_or("");
    let is_token = disposition.contains(&format!("name=\"{FIELD}\"")) && !disposition.contains("filename");
    if !is_token {
        return Some(None);
    }
    Some(String::from_utf8(rest[value_start..value_start + value_len].to_vec()).ok())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_multipart_field_must_be_the_token() {
        let o = "--XyZ\r\n";
        let c = "\r\n--XyZ";
        let good = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\n";
        assert_eq!(parse_first_part(good, o, c), Some(Some("abc123".into())));
        let partial = &good[..40];
        assert_eq!(parse_first_part(partial, o, c), None);
        let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"; filename=\"a\"\r\n\r\nabc\r\n--XyZ";
        assert_eq!(parse_first_part(file_first, o, c), Some(None));
        let other_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nabc\r\n--XyZ";
        assert_eq!(parse_first_part(other_first, o, c), Some(None));
    }

    #[test]
    fn boundaries_are_read_from_the_content_type() {
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(multipart_boundary("application/x-www-form-urlencoded"), None);
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(matches(Some("abc"), Some("abc")));
        assert!(!matches(Some("abc"), Some("abd")));
        assert!(!matches(Some("abc"), None));
        assert!(!matches(None, Some("")));
        assert!(!matches(Some(""), Some("")));
    }
}
