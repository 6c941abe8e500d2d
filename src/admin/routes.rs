//! The admin shell's routes, and its dashboard.

use actix_web::{web, HttpResponse};
use chrono::TimeZone;
use klearn_db::experts::Application;
use klearn_db::feedback::Feedback;
use klearn_db::jobs::{Job, FAILED, PENDING};
use klearn_db::orders::Order;
use klearn_db::users::User;

use crate::admin::views::{AdminNav, DashboardView, ModerationCounts};
use crate::web::auth::Moderator;
use crate::web::{self as plumbing, html, AppError, AppState, Page};
use klearn_db::reports::Report;
use klearn_db::ReportKind;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin").route(web::get().to(dashboard)));
    super::users::configure(cfg);
    super::audit::configure(cfg);
    super::review::configure(cfg);
    super::categories::configure(cfg);
    super::experts::configure(cfg);
    super::orders::configure(cfg);
    super::reports::configure(cfg);
}

/// How many late payments the dashboard lists.
const LATE_SHOWN: i64 = 10;

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
    let (
        signups_today,
        members,
        mail_pending,
        jobs_failed,
        applications,
        (paid_today, revenue_today),
        paid_late,
        feedback,
        moderation,
    ) = plumbing::db(&state.pool, move |conn| {
        Ok((
            User::count_created_since(conn, since)?,
            User::count_live(conn)?,
            Job::count_by_status(conn, PENDING)?,
            Job::count_by_status(conn, FAILED)?,
            Application::counts_by_state(conn)?,
            Order::paid_since(conn, since)?,
            Order::paid_late(conn, LATE_SHOWN)?,
            Feedback::counts_by_state(conn)?,
            ModerationCounts {
                flagged: Report::count_open(conn, ReportKind::Flagged)?,
                held: Report::count_open(conn, ReportKind::Held)?,
                resolved_today: Report::count_resolved_since(conn, since)?,
            },
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
        paid_today,
        revenue_today,
        paid_late,
        feedback: crate::feedback::views::counts_in_order(&feedback),
        moderation,
    })
}
