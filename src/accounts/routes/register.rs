//! `GET, POST /register`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::accounts::forms::{NextQuery, RegisterForm};
use crate::accounts::views::RegisterView;
use crate::accounts::{register, AccountError};
use crate::i18n::k;
use crate::web::auth::{safe_next, sign_in, Guest};
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page};

pub(super) async fn form(
    page: Page,
    _: Guest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    html(&RegisterView {
        page,
        username: String::new(),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn submit(
    page: Page,
    _: Guest,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let next = safe_next(Some(&form.next));
    if let Some(request) = form.parse(&page.tr, &mut errors, page.locale(), ip) {
        let services = state.services.clone();
        match call(&state.pool, move |conn| register(conn, &services, &request)).await? {
            Ok(user) => {
                tracing::info!(user = %user.id, "registered");
                sign_in(&session, user.id);
                let flash =
                    Flash::new(Level::Success, k("accounts.register.welcome")).arg("email", &user.email);
                return Ok(redirect_with_flash(&state.settings, &next, &flash));
            }
            Err(AccountError::Invalid { field, key }) => errors.add(&page.tr, field, key),
            Err(e) => return Err(e.into()),
        }
    }
    let view = RegisterView {
        page,
        username: form.username.clone(),
        email: form.email.clone(),
        next,
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
