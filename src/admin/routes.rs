//! Handlers of the admin shell.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::TimeZone;
use klearn_db::audit::{self, AuditEntry, AuditFilter, Object};
use klearn_db::experts::Application;
use klearn_db::jobs::{Job, FAILED, PENDING};
use klearn_db::security::SecurityEvent;
use klearn_db::sessions::SessionRow;
use klearn_db::users::User;
use klearn_db::{write_tx, DbError};
use serde::Deserialize;

use crate::admin::views::*;
use crate::admin::Pager;
use crate::app::AppState;
use crate::domain::account::Role;
use crate::i18n::k;
use crate::web::auth::{Admin, Moderator};
use crate::web::flash::{Flash, Level};
use crate::web::pager::page_number;
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, CurrentUser, FieldErrors, Page,
};

const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").route(web::get().to(dashboard)))
        .service(web::resource("/admin/users").route(web::get().to(users)))
        .service(web::resource("/admin/users/{id}").route(web::get().to(user)))
        .service(web::resource("/admin/users/{id}/roles").route(web::post().to(roles)))
        .service(web::resource("/admin/users/{id}/suspend").route(web::post().to(suspend)))
        .service(web::resource("/admin/users/{id}/unsuspend").route(web::post().to(unsuspend)))
        .service(web::resource("/admin/audit").route(web::get().to(audit_log)));
    super::courses::configure(cfg);
    super::experts::configure(cfg);
}

/// Midnight today in KLEARN_TIMEZONE, as UTC.
fn start_of_today(tz: chrono_tz::Tz) -> chrono::NaiveDateTime {
    let local_today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let midnight = local_today.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(midnight)
}

async fn dashboard(page: Page, _: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let since = start_of_today(state.settings.timezone);
    let (signups_today, members, mail_pending, jobs_failed, applications) =
        plumbing::db(&state.pool, move |conn| {
            Ok((
                User::count_created_since(conn, since)?,
                User::count_live(conn)?,
                Job::count_by_status(conn, PENDING)?,
                Job::count_by_status(conn, FAILED)?,
                Application::counts_by_state(conn)?,
            ))
        })
        .await?;
    html(&DashboardView {
        page,
        nav: AdminNav { current: "/admin" },
        signups_today,
        members,
        mail_pending,
        jobs_failed,
        applications_waiting: super::experts::waiting(&applications),
    })
}

#[derive(Debug, Deserialize)]
struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
}

async fn users(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.q.trim().chars().take(100).collect::<String>();
    let wanted = page_number(query.page.as_deref());
    let search = q.clone();
    let (rows, total) = plumbing::db(&state.pool, move |conn| {
        let (first, total) = User::search(conn, &search, wanted, PER_PAGE)?;
        // Past the last page: show the last page.
        let last = crate::web::pager::last_page(total, PER_PAGE);
        let users = if wanted > last {
            User::search(conn, &search, last, PER_PAGE)?.0
        } else {
            first
        };
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let mut roles = User::roles_of(conn, &ids)?;
        let rows = users
            .into_iter()
            .map(|user| UserRow {
                roles: roles.remove(&user.id).unwrap_or_default(),
                user,
            })
            .collect();
        Ok((rows, total))
    })
    .await?;
    let pager = Pager::new(wanted, PER_PAGE, total, &[("q", &q)]);
    html(&UsersView {
        page,
        nav: AdminNav {
            current: "/admin/users",
        },
        q,
        rows,
        pager,
    })
}

/// What a refused form on the user page sends back: its errors and the text typed.
#[derive(Default)]
pub struct UserExtras {
    pub errors: FieldErrors,
    pub typed_reason: String,
    pub typed_until: String,
    pub typed_revoke: String,
}

/// The admin page of one user, as its GET shows it and as its refused forms
/// show it again.
pub async fn user_view(
    state: &AppState,
    page: Page,
    id: i64,
    extras: UserExtras,
) -> Result<UserView, AppError> {
    let (member, roles, sessions, events, certification, latest) = plumbing::db(&state.pool, move |conn| {
        Ok((
            User::find(conn, id)?,
            User::roles(conn, id)?,
            SessionRow::count_live_for_user(conn, id)?,
            SecurityEvent::recent_for_user(conn, id, 20)?,
            Application::certified_for(conn, id)?,
            Application::latest_for_user(conn, id)?,
        ))
    })
    .await?;
    let viewer = page.user.clone();
    let is_admin = viewer.as_ref().is_some_and(|v| v.is_admin());
    let role_choices = Role::ALL
        .iter()
        .map(|r| (r.as_str(), roles.iter().any(|have| have == r.as_str())))
        .collect();
    let suspended_until = member.suspended_at(klearn_db::now());
    let can_suspend = viewer
        .as_ref()
        .is_some_and(|v| may_suspend(v, &member, &roles).is_ok());
    Ok(UserView {
        page,
        nav: AdminNav {
            current: "/admin/users",
        },
        member,
        roles,
        sessions,
        events,
        can_edit_roles: is_admin,
        role_choices,
        suspended_until,
        can_suspend,
        certification,
        latest_application: latest,
        errors: extras.errors,
        typed_reason: extras.typed_reason,
        // A date field shows only a date; anything else typed was not one.
        typed_until: if chrono::NaiveDate::parse_from_str(extras.typed_until.trim(), "%Y-%m-%d").is_ok() {
            extras.typed_until.trim().to_string()
        } else {
            String::new()
        },
        typed_revoke: extras.typed_revoke,
    })
}

async fn user(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    html(&user_view(&state, page, id.into_inner(), UserExtras::default()).await?)
}

/// Moderators suspend members; only admins suspend staff; nobody suspends
/// themselves or an erased account.
fn may_suspend(viewer: &CurrentUser, member: &User, member_roles: &[String]) -> Result<(), AppError> {
    if member.id == viewer.id {
        return Err(AppError::ForbiddenBecause("admin.suspend.not_self"));
    }
    if member.is_deleted() {
        return Err(AppError::NotFound);
    }
    let staff = member_roles
        .iter()
        .any(|r| r == Role::Moderator.as_str() || r == Role::Admin.as_str());
    if staff && !viewer.is_admin() {
        return Err(AppError::ForbiddenBecause("admin.suspend.staff_needs_admin"));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct SuspendForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: String,
}

async fn suspend(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<SuspendForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (member, roles) = plumbing::db(&state.pool, move |conn| {
        Ok((User::find(conn, id)?, User::roles(conn, id)?))
    })
    .await?;
    may_suspend(&moderator, &member, &roles)?;
    let tz = state.settings.timezone;
    let reason: String = form.reason.trim().chars().take(2000).collect();
    let mut errors = FieldErrors::new();
    if reason.is_empty() {
        errors.add(&page.tr, "reason", "admin.suspend.reason_required");
    }
    let until = errors.check(&page.tr, "until", suspension_end(form.until.trim(), tz));
    let (Some(until), true) = (until, errors.is_empty()) else {
        let extras = UserExtras {
            errors,
            typed_reason: form.reason.clone(),
            typed_until: form.until.clone(),
            ..UserExtras::default()
        };
        let view = user_view(&state, page, id, extras).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    let actor = moderator.id;
    let note = format!("{} — {}", form.until.trim(), reason);
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            User::suspend(conn, id, until, &reason)?;
            audit::record(
                conn,
                Some(actor),
                "user.suspend",
                Object::new("user", &id.to_string()),
                &note,
            )
        })
    })
    .await?;
    state.rankings.clear();
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/users/{id}"),
        &Flash::new(Level::Success, k("admin.suspend.done")),
    ))
}

/// A suspension's end from its date: it lifts at the start of that day in
/// KLEARN_TIMEZONE, which must be after today.
pub fn suspension_end(input: &str, tz: chrono_tz::Tz) -> Result<chrono::NaiveDateTime, &'static str> {
    if input.is_empty() {
        return Err("admin.suspend.until_required");
    }
    let date =
        chrono::NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| "admin.suspend.until_invalid")?;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    if date <= today {
        return Err("admin.suspend.until_past");
    }
    if date > today + chrono::Duration::days(3660) {
        return Err("admin.suspend.until_far");
    }
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    Ok(tz
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(midnight))
}

async fn unsuspend(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (member, roles) = plumbing::db(&state.pool, move |conn| {
        Ok((User::find(conn, id)?, User::roles(conn, id)?))
    })
    .await?;
    may_suspend(&moderator, &member, &roles)?;
    let actor = moderator.id;
    let lifted = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let lifted = User::unsuspend(conn, id)?;
            if lifted {
                audit::record(
                    conn,
                    Some(actor),
                    "user.unsuspend",
                    Object::new("user", &id.to_string()),
                    "",
                )?;
            }
            Ok(lifted)
        })
    })
    .await?;
    state.rankings.clear();
    let flash = if lifted {
        Flash::new(Level::Success, k("admin.suspend.lifted"))
    } else {
        Flash::new(Level::Info, k("admin.suspend.not_suspended"))
    };
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/users/{id}"),
        &flash,
    ))
}

/// `roles` repeated in the form body (`roles=expert&roles=admin`).
async fn roles(
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut wanted: Vec<Role> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        if key == "roles" {
            match Role::parse(&value) {
                Some(role) if !wanted.contains(&role) => wanted.push(role),
                Some(_) => {}
                None => return Err(AppError::BadRequest),
            }
        }
    }
    let location = format!("/admin/users/{id}");
    // An admin cannot take away their own admin role and lock everyone out.
    if id == admin.id && !wanted.contains(&Role::Admin) {
        return Ok(redirect_with_flash(
            &state.settings,
            &location,
            &Flash::new(Level::Error, k("admin.roles.keep_own_admin")),
        ));
    }
    let actor = admin.id;
    let changed = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let member = User::find(conn, id)?;
            if member.is_deleted() {
                return Err(DbError::NotFound);
            }
            let object_id = id.to_string();
            let mut changed = 0;
            for role in Role::ALL {
                let object = Object::new("user", &object_id);
                if wanted.contains(&role) {
                    if User::grant_role(conn, id, role.as_str(), Some(actor))? {
                        audit::record(conn, Some(actor), "user.role_grant", object, role.as_str())?;
                        changed += 1;
                    }
                } else if User::revoke_role(conn, id, role.as_str())? {
                    audit::record(conn, Some(actor), "user.role_revoke", object, role.as_str())?;
                    changed += 1;
                }
            }
            Ok(changed)
        })
    })
    .await?;
    let flash = if changed > 0 {
        Flash::new(Level::Success, k("admin.roles.saved"))
    } else {
        Flash::new(Level::Info, k("admin.roles.unchanged"))
    };
    Ok(redirect_with_flash(&state.settings, &location, &flash))
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page: Option<String>,
}

async fn audit_log(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = query.actor.trim().chars().take(64).collect::<String>();
    let kind = query.kind.trim().chars().take(64).collect::<String>();
    let wanted = page_number(query.page.as_deref());
    let filter = AuditFilter {
        actor: (!actor.is_empty()).then(|| actor.clone()),
        kind: (!kind.is_empty()).then(|| kind.clone()),
    };
    let ((rows, total), kinds) = plumbing::db(&state.pool, move |conn| {
        let (rows, total) = AuditEntry::list(conn, &filter, wanted, PER_PAGE)?;
        let last = crate::web::pager::last_page(total, PER_PAGE);
        let result = if wanted > last {
            AuditEntry::list(conn, &filter, last, PER_PAGE)?
        } else {
            (rows, total)
        };
        Ok((result, AuditEntry::actions(conn)?))
    })
    .await?;
    let pager = Pager::new(wanted, PER_PAGE, total, &[("actor", &actor), ("kind", &kind)]);
    html(&AuditView {
        page,
        nav: AdminNav {
            current: "/admin/audit",
        },
        actor,
        kind,
        kinds,
        rows,
        pager,
    })
}
