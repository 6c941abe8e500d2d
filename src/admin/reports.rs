//! The moderation queue (`GET /admin/reports`): open reports oldest first,
//! a page at a time by cursor (`after`), each with its thread, the post and
//! the one before it, its author, and its flags with their reasons and
//! weights (or the hold). `POST /admin/reports/{id}/resolve` decides one
//! through the forum's use case (`forum::reports::resolve`).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::forum::{Post, Thread};
use klearn_db::reports::{Flag, Report};
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, ReportId, ThreadId, UserId};
use serde::Deserialize;

use crate::accounts::moderation::Suspension;
use crate::admin::users::suspension_end;
use crate::admin::views::ReportsView;
use crate::forum::reports::{resolve as resolve_report, Decision, Outcome};
use crate::i18n::k;
use crate::web::auth::Moderator;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

/// Reports on one page of the queue.
const PER_PAGE: i64 = 20;
/// The longest silence a moderator sets from the queue, in days.
const SILENCE_MAX_DAYS: i64 = 365;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/reports").route(web::get().to(queue)))
        .service(web::resource("/admin/reports/{id}/resolve").route(web::post().to(resolve)));
}

/// One open report as the queue shows it.
pub struct QueueEntry {
    pub report: Report,
    pub thread: Thread,
    pub post: Post,
    /// The post before it in its thread, for context.
    pub previous: Option<Post>,
    pub author: User,
    /// The flags with their flaggers, oldest first.
    pub flags: Vec<(Flag, User)>,
}

/// One page of the queue, from six queries whatever its length.
pub struct Queue {
    pub entries: Vec<QueueEntry>,
    /// The cursor of the next page, when there is one.
    pub next: Option<ReportId>,
}

impl Queue {
    pub fn load(conn: &mut DbConnection, after: Option<ReportId>) -> Result<Queue, DbError> {
        let mut reports = Report::queue(conn, after, PER_PAGE + 1)?;
        let more = reports.len() as i64 > PER_PAGE;
        reports.truncate(PER_PAGE as usize);
        let post_ids: Vec<_> = reports.iter().map(|r| r.post_id).collect();
        let posts = Post::find_many(conn, &post_ids)?;
        let thread_ids: Vec<ThreadId> = reports.iter().map(|r| r.thread_id).collect();
        let threads = Thread::find_many(conn, &thread_ids)?;
        let wanted: Vec<(ThreadId, i64)> = posts
            .iter()
            .filter(|p| p.number > 1)
            .map(|p| (p.thread_id, p.number - 1))
            .collect();
        let previous = Post::find_by_numbers(conn, &wanted)?;
        let report_ids: Vec<ReportId> = reports.iter().map(|r| r.id).collect();
        let flags = Flag::of_reports(conn, &report_ids)?;
        let mut people: Vec<UserId> = posts.iter().map(|p| p.author_id).collect();
        people.extend(flags.iter().map(|f| f.user_id));
        people.sort_by_key(|u| u.0);
        people.dedup();
        let users: HashMap<UserId, User> = User::find_many(conn, &people)?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let next = more.then(|| reports.last().map(|r| r.id)).flatten();
        let entries = reports
            .into_iter()
            .filter_map(|report| {
                let post = posts.iter().find(|p| p.id == report.post_id)?.clone();
                let thread = threads.iter().find(|t| t.id == report.thread_id)?.clone();
                let previous = previous
                    .iter()
                    .find(|p| p.thread_id == post.thread_id && p.number == post.number - 1)
                    .cloned();
                let author = users.get(&post.author_id)?.clone();
                let flags = flags
                    .iter()
                    .filter(|f| f.report_id == report.id)
                    .filter_map(|f| Some((f.clone(), users.get(&f.user_id)?.clone())))
                    .collect();
                Some(QueueEntry {
                    report,
                    thread,
                    post,
                    previous,
                    author,
                    flags,
                })
            })
            .collect();
        Ok(Queue { entries, next })
    }
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    #[serde(default)]
    after: Option<String>,
}

async fn queue(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let after = query.after.as_deref().and_then(|a| a.parse().ok()).map(ReportId);
    let queue = plumbing::db(&state.pool, move |conn| Queue::load(conn, after)).await?;
    html(&ReportsView::new(page, queue, None))
}

/// The fields of a decision, as typed (kept when the form comes back).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ResolveFields {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub silence_days: String,
    #[serde(default)]
    pub suspend_until: String,
    #[serde(default)]
    pub suspend_reason: String,
}

impl ResolveFields {
    /// The decision on a report about `author`'s post, or `None` with the
    /// problems in `errors`.
    fn parse(
        &self,
        page: &Page,
        errors: &mut FieldErrors,
        tz: chrono_tz::Tz,
        author: UserId,
    ) -> Option<Decision> {
        match self.action.as_str() {
            "disagree" => return Some(Decision::Disagree),
            "ignore" => return Some(Decision::Ignore),
            "agree" => {}
            _ => {
                errors.add(&page.tr, "action", "admin.reports.action_invalid");
                return None;
            }
        }
        let outcome = match self.outcome.as_str() {
            "" | "hide" => Some(Outcome::Hide),
            "delete" => Some(Outcome::Delete),
            _ => {
                errors.add(&page.tr, "outcome", "admin.reports.outcome_invalid");
                None
            }
        };
        let silence_days = match self.silence_days.trim() {
            "" | "0" => None,
            days => match days.parse::<i64>() {
                Ok(n) if (1..=SILENCE_MAX_DAYS).contains(&n) => Some(n),
                _ => {
                    errors.add(&page.tr, "silence_days", "admin.reports.silence_invalid");
                    None
                }
            },
        };
        let suspension = match self.suspend_until.trim() {
            "" => None,
            until_text => {
                let until = errors.check(&page.tr, "suspend_until", suspension_end(until_text, tz));
                let reason: String = self.suspend_reason.trim().chars().take(2000).collect();
                if reason.is_empty() {
                    errors.add(&page.tr, "suspend_reason", "admin.suspend.reason_required");
                }
                until.map(|until| Suspension {
                    member: author,
                    until,
                    reason,
                    until_text: until_text.to_string(),
                })
            }
        };
        if !errors.is_empty() {
            return None;
        }
        Some(Decision::Agree {
            outcome: outcome?,
            silence_days,
            suspension,
        })
    }
}

/// A decision refused for its form: which report, what was typed, why.
pub struct Typed {
    pub report: ReportId,
    pub fields: ResolveFields,
    pub errors: FieldErrors,
}

async fn resolve(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<ReportId>,
    form: web::Form<ResolveFields>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = moderator.actor();
    let author = plumbing::db(&state.pool, move |conn| {
        let report = Report::find(conn, id)?;
        Ok(Post::find(conn, report.post_id)?.author_id)
    })
    .await?;
    let mut errors = FieldErrors::new();
    let Some(decision) = form.parse(&page, &mut errors, state.settings.timezone, author) else {
        let queue = plumbing::db(&state.pool, |conn| Queue::load(conn, None)).await?;
        let typed = Typed {
            report: id,
            fields: form.into_inner(),
            errors,
        };
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReportsView::new(page, queue, Some(typed)),
        );
    };
    call(&state.pool, move |conn| {
        resolve_report(conn, &actor, id, decision)
    })
    .await??;
    let flash = Flash::new(Level::Success, k("admin.reports.resolved"));
    Ok(redirect_with_flash(&state.settings, "/admin/reports", &flash))
}
