//! Compression that pays: text (HTML, CSS, JavaScript, JSON, SVG) of at
//! least a kilobyte is gzipped at the fast level for clients that accept
//! it, where it costs a fraction of rendering and saves most of the bytes.
//! Nothing else is: a small body fits in a packet either way, images,
//! audio, video and PDFs are compressed already, and file streams go out as
//! they are. Static files come gzipped once at start-up (`assets`) and pass
//! through untouched.

use actix_http::encoding::Encoder;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentEncoding, HeaderMap, HeaderValue};
use actix_web::middleware::Next;

/// Bodies smaller than this are sent as they are.
pub const MIN_BYTES: u64 = 1024;

/// Whether the client takes gzip (`Accept-Encoding`, a `q=0` refuses).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Whether a body of this type gains from compression.
pub fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(ct) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = ct.split(';').next().unwrap_or("").trim();
    mime.starts_with("text/")
        || matches!(
            mime,
            "application/json" | "application/javascript" | "application/xml" | "image/svg+xml"
        )
}

/// The middleware: decides per response, after the handler.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let gzip = accepts_gzip(req.headers());
    let res = next.call(req).await?;
    Ok(res.map_body(move |head, body| {
        let large = matches!(body.size(), BodySize::Sized(n) if n >= MIN_BYTES);
        let worth = large
            && compressible(head.headers.get(header::CONTENT_TYPE))
            && !head.headers.contains_key(header::CONTENT_ENCODING);
        if worth {
            // The body depends on the request's Accept-Encoding: caches must know.
            head.headers
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        let encoding = if worth && gzip {
            ContentEncoding::Gzip
        } else {
            ContentEncoding::Identity
        };
        Encoder::response(encoding, head, body)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(accept).unwrap());
        h
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&headers("*")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&headers("br, deflate")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn only_text_is_worth_compressing() {
        let ct = |s: &'static str| HeaderValue::from_static(s);
        assert!(compressible(Some(&ct("text/html; charset=utf-8"))));
        assert!(compressible(Some(&ct("image/svg+xml"))));
        assert!(compressible(Some(&ct("application/json"))));
        for media in ["image/png", "application/pdf", "audio/mpeg", "video/mp4"] {
            assert!(!compressible(Some(&ct(media))), "{media}");
        }
        assert!(!compressible(None));
    }
}
