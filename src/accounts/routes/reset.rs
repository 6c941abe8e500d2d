//! `GET, POST /password/forgot` and `GET, POST /password/reset?token=`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::accounts::forms::{ForgotForm, ResetForm, TokenQuery};
use crate::accounts::recovery::reset_link_works;
use crate::accounts::views::{ForgotView, ResetView};
use crate::accounts::{request_reset, reset_password, AccountError};
use crate::domain::account::{Email, NewPassword};
use crate::i18n::k;
use crate::web::auth::Guest;
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{
    call, db, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page,
};

pub(super) async fn forgot_form(page: Page, _: Guest) -> Result<HttpResponse, AppError> {
    let (email, errors) = (String::new(), FieldErrors::new());
    html(&ForgotView { page, email, errors })
}

pub(super) async fn forgot(
    page: Page,
    _: Guest,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let Some(email) = errors.check(&page.tr, "email", Email::parse(&form.email)) else {
        let email = form.email.clone();
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotView { page, email, errors },
        );
    };
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let services = state.services.clone();
    // The answer is the same whether or not the account exists, and whether
    // or not a limit held the mail back.
    call(&state.pool, move |conn| {
        request_reset(conn, &services, &email, &ip)
    })
    .await??;
    let flash = Flash::new(Level::Info, k("accounts.forgot.sent"));
    Ok(redirect_with_flash(&state.settings, "/login", &flash))
}

fn reset_action(raw: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", raw)
        .finish();
    format!("/password/reset?{query}")
}

pub(super) async fn form(
    page: Page,
    _: Guest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.token.clone();
    let works = db(&state.pool, move |conn| reset_link_works(conn, &token)).await?;
    let status = if works {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let view = ResetView {
        page,
        action: reset_action(&query.token),
        invalid: !works,
        errors: FieldErrors::new(),
    };
    html_with_status(status, &view)
}

pub(super) async fn submit(
    page: Page,
    _: Guest,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let password = errors.check(
        &page.tr,
        "password",
        NewPassword::parse(&form.password, &form.password_confirm),
    );
    let (token, ip, services) = (
        query.token.clone(),
        client_ip(&req, &state.settings.trusted_proxies),
        state.services.clone(),
    );
    // Done, or the link still works (the password was refused).
    let outcome = call(&state.pool, move |conn| match password {
        Some(password) => reset_password(conn, &services, &token, &password, &ip).map(|()| None),
        None => Ok(Some(reset_link_works(conn, &token)?)),
    })
    .await?;
    let (status, invalid) = match outcome {
        Ok(None) => {
            let flash = Flash::new(Level::Success, k("accounts.reset.done"));
            return Ok(redirect_with_flash(&state.settings, "/login", &flash));
        }
        Ok(Some(works)) => (StatusCode::UNPROCESSABLE_ENTITY, !works),
        Err(AccountError::Invalid { .. }) => (StatusCode::BAD_REQUEST, true),
        Err(e) => return Err(e.into()),
    };
    let action = reset_action(&query.token);
    html_with_status(
        status,
        &ResetView {
            page,
            action,
            invalid,
            errors,
        },
    )
}
