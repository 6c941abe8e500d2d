//! One log line per request: method, path, status, latency and a request id
//! that is also returned in `X-Request-Id`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::Rng;

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = format!("{:016x}", rand::rng().random::<u64>());
    let method = req.method().clone();
    let path = req.path().to_string();
    let result = next.call(req).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if status >= 500 {
                tracing::warn!(%method, %path, status, latency_ms, request_id, "request");
            } else {
                tracing::info!(%method, %path, status, latency_ms, request_id, "request");
            }
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), v);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(%method, %path, error = %e, latency_ms, request_id, "request failed");
            Err(e)
        }
    }
}
