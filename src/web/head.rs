//! `HEAD` answers wherever `GET` does (monitors and link checkers send it):
//! the request is handled as a `GET`, and the HTTP layer, which saw the
//! `HEAD`, sends the status and headers (with the body's length) but not the body.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
