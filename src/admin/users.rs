//! Users: the search, one user's page with roles, sessions and security
//! events, and what staff do to an account (roles, suspensions), through the
//! accounts area's use cases.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::TimeZone;
use klearn_db::experts::Application;
use klearn_db::security::SecurityEvent;
use klearn_db::sessions::SessionRow;
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, UserId};
use serde::Deserialize;

use crate::accounts::moderation::{may_suspend, Suspension};
use crate::accounts::{self, AccountError};
use crate::admin::views::{AdminNav, UserRow, UserView, UsersView};
use crate::admin::Pager;
use crate::domain::account::Role;
use crate::i18n::k;
use crate::web::auth::{Admin, Moderator};
use crate::web::flash::{Flash, Level};
use crate::web::pager::{last_page, page_number};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

const PER_PAGE: i64 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users").route(web::get().to(users)))
        .service(web::resource("/admin/users/{id}").route(web::get().to(user)))
        .service(web::resource("/admin/users/{id}/roles").route(web::post().to(roles)))
        .service(web::resource("/admin/users/{id}/suspend").route(web::post().to(suspend)))
        .service(web::resource("/admin/users/{id}/unsuspend").route(web::post().to(unsuspend)))
        .service(web::resource("/admin/users/{id}/trust").route(web::post().to(trust)));
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
        let last = last_page(total, PER_PAGE);
        let users = if wanted > last {
            User::search(conn, &search, last, PER_PAGE)?.0
        } else {
            first
        };
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
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
    let nav = AdminNav {
        current: "/admin/users",
    };
    html(&UsersView {
        page,
        nav,
        q,
        rows,
        pager,
    })
}

/// One user as their admin page shows them.
pub struct UserPage {
    pub member: User,
    pub roles: Vec<String>,
    pub sessions: i64,
    pub events: Vec<SecurityEvent>,
    pub certification: Option<Application>,
    pub latest_application: Option<Application>,
    pub points_balance: i64,
    /// The latest rows of the member's points ledger.
    pub point_entries: Vec<klearn_db::points::PointEntry>,
    /// The level a moderator granted (0: none).
    pub trust_granted: i64,
}

impl UserPage {
    pub fn load(conn: &mut DbConnection, id: UserId) -> Result<UserPage, DbError> {
        Ok(UserPage {
            member: User::find(conn, id)?,
            roles: User::roles(conn, id)?,
            sessions: SessionRow::count_live_for_user(conn, id)?,
            events: SecurityEvent::recent_for_user(conn, id, 20)?,
            certification: Application::certified_for(conn, id)?,
            latest_application: Application::latest_for_user(conn, id)?,
            points_balance: klearn_db::points::Points::balance(conn, id)?,
            point_entries: klearn_db::points::Points::entries(conn, id, 20)?,
            trust_granted: klearn_db::trust::MemberActivity::of(conn, id)?.trust_granted,
        })
    }
}

/// What a refused form on the user page sends back: its errors and the text typed.
#[derive(Default)]
pub struct UserExtras {
    pub errors: FieldErrors,
    pub typed_reason: String,
    pub typed_until: String,
    pub typed_revoke: String,
    /// The points form as typed.
    pub typed_amount: String,
    pub typed_points_reason: String,
}

impl UserView {
    /// The admin page of one user, as its GET shows it and as its refused
    /// forms show it again.
    pub fn new(page: Page, parts: UserPage, extras: UserExtras) -> UserView {
        let viewer = page.user.as_ref().map(|v| v.actor());
        let is_admin = viewer.as_ref().is_some_and(|v| v.is_admin());
        let role_choices = Role::ALL
            .iter()
            .map(|r| (r.as_str(), parts.roles.iter().any(|have| have == r.as_str())))
            .collect();
        let can_suspend = viewer
            .as_ref()
            .is_some_and(|v| may_suspend(v, &parts.member, &parts.roles).is_ok());
        // A date field shows only a date; anything else typed was not one.
        let until = extras.typed_until.trim();
        let typed_until = if chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d").is_ok() {
            until.to_string()
        } else {
            String::new()
        };
        UserView {
            page,
            nav: AdminNav {
                current: "/admin/users",
            },
            suspended_until: parts.member.suspended_at(klearn_db::now()),
            member: parts.member,
            roles: parts.roles,
            sessions: parts.sessions,
            events: parts.events,
            can_edit_roles: is_admin,
            role_choices,
            can_suspend,
            certification: parts.certification,
            latest_application: parts.latest_application,
            errors: extras.errors,
            typed_reason: extras.typed_reason,
            typed_until,
            typed_revoke: extras.typed_revoke,
            points_balance: parts.points_balance,
            point_entries: parts.point_entries,
            trust_granted: parts.trust_granted,
            points_key: crate::points::request_key(),
            typed_amount: extras.typed_amount,
            typed_points_reason: extras.typed_points_reason,
        }
    }
}

async fn user(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let parts = plumbing::db(&state.pool, move |conn| UserPage::load(conn, id)).await?;
    html(&UserView::new(page, parts, UserExtras::default()))
}

#[derive(Debug, Deserialize)]
struct SuspendForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    until: String,
}

impl SuspendForm {
    /// The suspension of `member`, or `None` with the problems in `errors`.
    fn parse(
        &self,
        page: &Page,
        errors: &mut FieldErrors,
        tz: chrono_tz::Tz,
        member: UserId,
    ) -> Option<Suspension> {
        let reason: String = self.reason.trim().chars().take(2000).collect();
        if reason.is_empty() {
            errors.add(&page.tr, "reason", "admin.suspend.reason_required");
        }
        let until = errors.check(&page.tr, "until", suspension_end(self.until.trim(), tz));
        until.filter(|_| errors.is_empty()).map(|until| Suspension {
            member,
            until,
            reason,
            until_text: self.until.trim().to_string(),
        })
    }
}

async fn suspend(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: web::Form<SuspendForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let request = form.parse(&page, &mut errors, state.settings.timezone, id);
    let actor = moderator.actor();
    let outcome = call(&state.pool, move |conn| {
        let page = |c: &mut DbConnection| -> Result<UserPage, AccountError> {
            let parts = UserPage::load(c, id)?;
            // Who may not suspend this member is told so, not shown the form.
            may_suspend(&actor, &parts.member, &parts.roles)?;
            Ok(parts)
        };
        match request {
            Some(request) => accounts::suspend(conn, &actor, &request).map(|()| None),
            None => page(conn).map(Some),
        }
    })
    .await??;
    let Some(parts) = outcome else {
        let flash = Flash::new(Level::Success, k("admin.suspend.done"));
        return Ok(redirect_with_flash(
            &state.settings,
            &format!("/admin/users/{id}"),
            &flash,
        ));
    };
    let (typed_reason, typed_until) = (form.reason.clone(), form.until.clone());
    let extras = UserExtras {
        errors,
        typed_reason,
        typed_until,
        ..UserExtras::default()
    };
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &UserView::new(page, parts, extras),
    )
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
    id: web::Path<UserId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), moderator.actor());
    let lifted = call(&state.pool, move |conn| accounts::unsuspend(conn, &actor, id)).await??;
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
    id: web::Path<UserId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut wanted: Vec<Role> = Vec::new();
    for (key, value) in url::form_urlencoded::parse(&body).filter(|(k, _)| k == "roles") {
        let role = Role::parse(&value).ok_or(AppError::BadRequest)?;
        if !wanted.contains(&role) {
            wanted.push(role);
        }
        let _ = key;
    }
    let location = format!("/admin/users/{id}");
    let (services, actor) = (state.services.clone(), admin.actor());
    let flash = match call(&state.pool, move |conn| {
        accounts::set_roles(conn, &services, &actor, id, &wanted)
    })
    .await?
    {
        Ok(0) => Flash::new(Level::Info, k("admin.roles.unchanged")),
        Ok(_) => Flash::new(Level::Success, k("admin.roles.saved")),
        // An admin cannot take away their own admin role and lock everyone out.
        Err(AccountError::Conflict(key)) => Flash::new(Level::Error, key),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&state.settings, &location, &flash))
}

#[derive(Debug, Deserialize)]
struct TrustForm {
    #[serde(default)]
    level: String,
}

/// `POST /admin/users/{id}/trust`: field `level`, `3` or `4` to grant it,
/// `earned` to take a grant back (the member keeps what they earned).
async fn trust(
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: web::Form<TrustForm>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::trust::TrustLevel;
    let id = id.into_inner();
    let level = match form.level.trim() {
        "earned" => None,
        "3" => Some(TrustLevel::Regular),
        "4" => Some(TrustLevel::Leader),
        _ => return Err(AppError::BadRequest),
    };
    let actor = moderator.actor();
    call(&state.pool, move |conn| {
        crate::forum::trust::grant(conn, &actor, id, level)
    })
    .await??;
    let flash = Flash::new(Level::Success, k("admin.trust.done"));
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/users/{id}"),
        &flash,
    ))
}
