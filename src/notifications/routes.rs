//! The notifications' pages: `/notifications` (newest first, older ones by
//! `before=`), marking one or all read, watching a thread
//! (`POST /t/{id}/watch`), the email settings (`/settings/notifications`)
//! and the one-click unsubscribe (`/unsubscribe?token=`, no sign-in).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::notifications::Notification;
use klearn_db::{EmailChoice, NotificationId, NotificationKind, ThreadId, WatchLevel};
use serde::Deserialize;

use super::email::{read_unsubscribe_token, unsubscribe};
use super::lines::describe;
use super::settings::{parse_timezone, save_choices, EmailChoices};
use super::views::{NotificationSettingsView, NotificationsView, UnsubscribeView};
use super::watching::set_watch;
use super::{chosen_kinds, mark_all_read, mark_read, NotificationError};
use crate::forum::views::thread_url;
use crate::i18n::k;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page, SignedIn,
};

/// Notifications on one page.
pub const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/notifications").route(web::get().to(index)))
        .service(web::resource("/notifications/read-all").route(web::post().to(read_all)))
        .service(web::resource("/notifications/{id}/read").route(web::post().to(read_one)))
        .service(web::resource("/t/{id}/watch").route(web::post().to(watch)))
        .service(
            web::resource("/settings/notifications")
                .route(web::get().to(settings_form))
                .route(web::post().to(settings)),
        )
        .service(
            web::resource("/unsubscribe")
                .route(web::get().to(unsubscribe_link))
                .route(web::post().to(unsubscribe_link)),
        );
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    before: Option<String>,
}

/// `GET /notifications`: the member's notifications, newest first.
async fn index(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let before = query
        .before
        .as_deref()
        .and_then(|b| b.parse::<i64>().ok())
        .map(NotificationId);
    let tr = page.tr.clone();
    let (lines, more) = plumbing::db(&state.pool, move |conn| {
        let mut rows = Notification::page(conn, user.id, before, PER_PAGE + 1)?;
        let more = rows.len() as i64 > PER_PAGE;
        rows.truncate(PER_PAGE as usize);
        Ok((describe(conn, &tr, &rows)?, more))
    })
    .await?;
    let next = more
        .then(|| lines.last().map(|l| format!("/notifications?before={}", l.id)))
        .flatten();
    let any_unread = lines.iter().any(|l| l.unread);
    html(&NotificationsView {
        page,
        lines,
        next,
        any_unread,
    })
}

/// `POST /notifications/{id}/read`: someone else's is not found.
async fn read_one(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (NotificationId(id.into_inner()), user.actor());
    call(&state.pool, move |conn| mark_read(conn, &actor, id)).await??;
    Ok(plumbing::redirect("/notifications"))
}

/// `POST /notifications/read-all`.
async fn read_all(SignedIn(user): SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let actor = user.actor();
    call(&state.pool, move |conn| mark_all_read(conn, &actor)).await??;
    Ok(redirect_with_flash(
        &state.settings,
        "/notifications",
        &Flash::new(Level::Success, k("notifications.all_read")),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct WatchForm {
    #[serde(default)]
    level: String,
}

/// `POST /t/{id}/watch`: field `level` (`watching`, `normal`, `muted`).
async fn watch(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<ThreadId>,
    form: web::Form<WatchForm>,
) -> Result<HttpResponse, AppError> {
    let level = WatchLevel::parse(form.level.trim()).ok_or(AppError::BadRequest)?;
    let (id, actor) = (id.into_inner(), user.actor());
    let thread = call(&state.pool, move |conn| set_watch(conn, &actor, id, level)).await??;
    Ok(redirect_with_flash(
        &state.settings,
        &thread_url(&thread),
        &Flash::new(Level::Success, k("notifications.watch.saved")),
    ))
}

/// `GET /settings/notifications`.
async fn settings_form(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let stored = plumbing::db(&state.pool, move |conn| EmailChoices::load(conn, user.id)).await?;
    html(&NotificationSettingsView {
        choices: stored
            .choices
            .iter()
            .map(|(kind, choice)| (*kind, choice.as_str().to_string()))
            .collect(),
        timezone: stored.timezone,
        site_timezone: state.settings.timezone.name().to_string(),
        page,
        errors: FieldErrors::new(),
    })
}

/// `POST /settings/notifications`: one field per kind (`off`,
/// `immediately`, `daily`) and `timezone`; bad input comes back as typed (422).
async fn settings(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let mut choices = Vec::new();
    let mut typed = Vec::new();
    for kind in chosen_kinds() {
        let raw = form
            .get(kind.as_str())
            .map(|v| v.trim().to_string())
            .unwrap_or_default();
        match EmailChoice::parse(&raw) {
            Some(choice) => choices.push((kind, choice)),
            None => errors.add(&page.tr, kind.as_str(), "notifications.error.choice"),
        }
        typed.push((kind, raw));
    }
    let raw_timezone = form.get("timezone").cloned().unwrap_or_default();
    let timezone = errors.check(&page.tr, "timezone", parse_timezone(&raw_timezone));
    if let (Some(timezone), true) = (timezone, errors.is_empty()) {
        let actor = user.actor();
        let chosen = EmailChoices { choices, timezone };
        call(&state.pool, move |conn| save_choices(conn, &actor, &chosen)).await??;
        return Ok(redirect_with_flash(
            &state.settings,
            "/settings/notifications",
            &Flash::new(Level::Success, k("settings.saved")),
        ));
    }
    let view = NotificationSettingsView {
        choices: typed,
        timezone: raw_timezone,
        site_timezone: state.settings.timezone.name().to_string(),
        page,
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// `GET` or `POST /unsubscribe?token=`: turns off the email the link came
/// with, signed in or not; a bad or forged token gets a 400 page.
async fn unsubscribe_link(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = query.into_inner().token;
    let Some((member, topic)) = read_unsubscribe_token(&state.settings.secret_key, &token) else {
        let view = UnsubscribeView {
            page,
            turned_off: None,
        };
        return html_with_status(StatusCode::BAD_REQUEST, &view);
    };
    let kinds = call(&state.pool, move |conn| unsubscribe(conn, member, topic))
        .await?
        .or_else(|e| match e {
            NotificationError::NotFound => Ok(Vec::new()),
            other => Err(other),
        })?;
    let named = kinds.iter().map(|kind| kind_name(&page, *kind)).collect();
    html(&UnsubscribeView {
        page,
        turned_off: Some(named),
    })
}

fn kind_name(page: &Page, kind: NotificationKind) -> String {
    page.t(&format!("notifications.kind.{}", kind.as_str()))
        .to_string()
}
