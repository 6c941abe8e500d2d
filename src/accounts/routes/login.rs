//! `GET, POST /login` and `POST /logout`.

use actix_session::Session;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::accounts::forms::{LoginForm, NextQuery};
use crate::accounts::views::LoginView;
use crate::accounts::{login, logout as record_logout, AccountError};
use crate::i18n::k;
use crate::web::auth::{safe_next, sign_in, Guest};
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{
    call, html, html_with_status, redirect, redirect_with_flash, AppError, AppState, FieldErrors, Page,
    SignedIn,
};

pub(super) async fn form(
    page: Page,
    _: Guest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    html(&LoginView {
        page,
        login: String::new(),
        next: safe_next(query.next.as_deref()),
        notice: None,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn submit(
    page: Page,
    _: Guest,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let next = safe_next(Some(&form.next));
    let mut errors = FieldErrors::new();
    let refused = match form.parse(&page.tr, &mut errors, ip.clone()) {
        None => Refused::default(),
        Some(credentials) => {
            let services = state.services.clone();
            match call(&state.pool, move |conn| login(conn, &services, &credentials)).await? {
                Ok(user) => {
                    tracing::info!(user = %user.id, %ip, "login");
                    sign_in(&session, user.id);
                    return Ok(redirect(&next));
                }
                Err(e) => Refused::from(&page, &mut errors, e, &ip)?,
            }
        }
    };
    let login = form.login.trim().to_string();
    let view = LoginView {
        page,
        login,
        next,
        notice: refused.notice,
        errors,
    };
    let mut res = html_with_status(refused.status, &view)?;
    if let Some(minutes) = refused.retry_minutes {
        res.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(minutes * 60));
    }
    Ok(res)
}

/// How a refused sign-in is answered: the form again, with a message.
struct Refused {
    status: StatusCode,
    notice: Option<String>,
    retry_minutes: Option<i64>,
}

impl Default for Refused {
    fn default() -> Self {
        Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            notice: None,
            retry_minutes: None,
        }
    }
}

impl Refused {
    fn from(page: &Page, errors: &mut FieldErrors, e: AccountError, ip: &str) -> Result<Refused, AppError> {
        Ok(match e {
            AccountError::Invalid { field, key } => {
                tracing::info!(%ip, "login failed");
                errors.add(&page.tr, field, key);
                Refused::default()
            }
            AccountError::LockedOut { until } => {
                tracing::warn!(%ip, "login refused: locked out");
                let minutes = ((until - klearn_db::now()).num_seconds().max(60) + 59) / 60;
                let notice = Some(page.t1("accounts.login.locked", "minutes", minutes));
                let status = StatusCode::TOO_MANY_REQUESTS;
                Refused {
                    status,
                    notice,
                    retry_minutes: Some(minutes),
                }
            }
            AccountError::Suspended { until } => {
                let notice = Some(page.t1("accounts.login.suspended", "date", page.date(&until)));
                Refused {
                    status: StatusCode::FORBIDDEN,
                    notice,
                    retry_minutes: None,
                }
            }
            other => return Err(other.into()),
        })
    }
}

pub(super) async fn logout(
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let (actor, name) = (user.actor(), user.username.clone());
    call(&state.pool, move |conn| record_logout(conn, &actor, &name, &ip)).await??;
    tracing::info!(user = %user.id, "logout");
    session.purge();
    let flash = Flash::new(Level::Info, k("accounts.logout.done"));
    Ok(redirect_with_flash(&state.settings, "/", &flash))
}
