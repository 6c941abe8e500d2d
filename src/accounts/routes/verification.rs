//! `GET /verify-email?token=` and `POST /settings/verification`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::accounts::forms::TokenQuery;
use crate::accounts::signup::{Confirmed, Resent};
use crate::accounts::views::VerifiedView;
use crate::accounts::{resend_verification, verify_email, AccountError};
use crate::i18n::k;
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{call, html_with_status, redirect_with_flash, AppError, AppState, Page, SignedIn};

pub(super) async fn confirm(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let token = query.token.clone();
    let outcome = call(&state.pool, move |conn| verify_email(conn, &token, &ip)).await?;
    let (status, ok, title_key, message_key) = match outcome {
        Ok(Confirmed::Verified) => (
            StatusCode::OK,
            true,
            "accounts.verify.ok_title",
            "accounts.verify.ok",
        ),
        Ok(Confirmed::EmailChanged) => (
            StatusCode::OK,
            true,
            "accounts.verify.ok_title",
            "accounts.verify.changed",
        ),
        Err(AccountError::Conflict(key)) => (StatusCode::CONFLICT, false, "accounts.verify.bad_title", key),
        Err(AccountError::Invalid { key, .. }) => {
            (StatusCode::BAD_REQUEST, false, "accounts.verify.bad_title", key)
        }
        Err(e) => return Err(e.into()),
    };
    let view = VerifiedView {
        page,
        ok,
        title_key,
        message_key,
    };
    html_with_status(status, &view)
}

pub(super) async fn resend(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (services, actor) = (state.services.clone(), user.actor());
    let flash = match call(&state.pool, move |conn| {
        resend_verification(conn, &services, &actor)
    })
    .await??
    {
        Resent::AlreadyVerified => Flash::new(Level::Info, k("settings.already_verified")),
        Resent::Sent => Flash::new(Level::Success, k("settings.verification_sent")),
    };
    Ok(redirect_with_flash(&state.settings, "/settings/email", &flash))
}
