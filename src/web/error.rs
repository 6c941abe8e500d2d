//! One error type for handlers; the error pages themselves are rendered by
//! `render_error_page`, which every response with an error status passes through.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use klearn_db::DbError;

use crate::web::page::Page;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request")]
    BadRequest,
    #[error("forbidden")]
    Forbidden,
    /// 403 with a reason the visitor can act on (a translation key).
    #[error("forbidden: {0}")]
    ForbiddenBecause(&'static str),
    /// Sign-in needed: 303 to `/login?next=…`.
    #[error("login required")]
    LoginRequired { next: String },
    /// A guest-only page visited while signed in: 303 home.
    #[error("already signed in")]
    AlreadySignedIn,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    /// 409 with a reason the visitor can act on (a translation key): the
    /// object moved on meanwhile, or a rule refuses the change as it stands.
    #[error("conflict: {0}")]
    ConflictBecause(&'static str),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::Forbidden | AppError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } | AppError::AlreadySignedIn => StatusCode::SEE_OTHER,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict | AppError::ConflictBecause(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            // The cause goes to the log; the visitor sees a plain page.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        match self {
            AppError::LoginRequired { next } => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("next", next)
                    .finish();
                return crate::web::redirect(&format!("/login?{query}"));
            }
            AppError::AlreadySignedIn => return crate::web::redirect("/"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let AppError::ForbiddenBecause(key) | AppError::ConflictBecause(key) = self {
            res.extensions_mut().insert(Reason(key));
        }
        res.content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

/// The specific reason for an error page, carried from `AppError` to the page.
#[derive(Debug, Clone, Copy)]
struct Reason(&'static str);

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView {
    page: Page,
    status: u16,
    title: String,
    message: String,
}

/// The statuses that have their own title and message in the catalogues.
pub const KNOWN: [u16; 8] = [400, 403, 404, 405, 409, 413, 422, 429];

/// Replaces the body of every error response that is not already an HTML page
/// (a form re-rendered with 422 is) with the error page in the site layout, in
/// the visitor's language. Plain-text bodies from extractors and `AppError` never
/// reach a browser.
pub fn render_error_page<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, original) = res.into_parts();
    let status = original.status();
    let page = Page::from_request(&req);
    let code = status.as_u16();
    let key = if KNOWN.contains(&code) {
        code.to_string()
    } else if status.is_client_error() {
        "400".to_string()
    } else {
        "500".to_string()
    };
    let title = page.t(&format!("error.{key}.title")).to_string();
    let message = match original.extensions().get::<Reason>() {
        Some(Reason(reason)) => page.t(reason).to_string(),
        None => page.t(&format!("error.{key}.message")).to_string(),
    };
    let body = ErrorView {
        page,
        status: code,
        title,
        message,
    }
    .render()
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        format!("<!doctype html><title>{code}</title><p>{code}</p>")
    });
    let mut new = HttpResponse::build(status);
    for name in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(v) = original.headers().get(&name) {
            new.insert_header((name, v.clone()));
        }
    }
    new.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    new.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let new = new.body(body);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
