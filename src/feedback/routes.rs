//! Feedback's pages: the form (`/feedback`, anyone; `?page=` fills in the
//! page it is about), a member's own items (`/feedback/mine`), and the
//! moderators' triage (`/admin/feedback`, `POST /admin/feedback/{id}`).

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::feedback::{Feedback, FeedbackState};
use klearn_db::{DbConnection, DbError, FeedbackId};
use serde::Deserialize;

use super::views::{
    counts_in_order, AdminFeedbackView, FeedbackForm, FeedbackFormView, MyFeedbackView, Typed,
};
use super::{file_feedback, triage, FeedbackError, FeedbackInput, Filer};
use crate::admin::views::AdminNav;
use crate::domain::account::Email;
use crate::domain::feedback::{parse_body, parse_kind, parse_page_url, parse_state};
use crate::i18n::k;
use crate::web::auth::Moderator;
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::pager::{last_page, page_number, Pager};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page, SignedIn,
};

/// Items a page of `/feedback/mine` and of `/admin/feedback` shows.
const PER_PAGE: i64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/feedback")
            .route(web::get().to(form))
            .route(web::post().to(file)),
    )
    .service(web::resource("/feedback/mine").route(web::get().to(mine)))
    .service(web::resource("/admin/feedback").route(web::get().to(admin_list)))
    .service(web::resource("/admin/feedback/{id}").route(web::post().to(admin_triage)));
}

#[derive(Debug, Default, Deserialize)]
struct FormQuery {
    #[serde(default)]
    page: String,
}

async fn form(page: Page, query: web::Query<FormQuery>) -> Result<HttpResponse, AppError> {
    // A page address the form would refuse is not filled in.
    let page_url = parse_page_url(&query.page).unwrap_or_default();
    html(&FeedbackFormView {
        page,
        form: FeedbackForm {
            kind: "problem".into(),
            page_url,
            ..Default::default()
        },
        errors: FieldErrors::new(),
        too_many: false,
    })
}

#[derive(Debug, Default, Deserialize)]
struct FeedbackFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    page_url: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    email: String,
}

impl FeedbackFields {
    fn form(&self) -> FeedbackForm {
        FeedbackForm {
            kind: self.kind.clone(),
            page_url: self.page_url.clone(),
            body: self.body.clone(),
            email: self.email.clone(),
        }
    }
}

impl FeedbackFields {
    /// Who files and what, or `None` with the problems in `errors`; a
    /// guest's address is checked, a member files under their account.
    fn parse(
        &self,
        tr: &crate::i18n::Tr,
        errors: &mut FieldErrors,
        member: Option<klearn_db::UserId>,
        ip: impl FnOnce() -> String,
    ) -> Option<(Filer, FeedbackInput)> {
        let kind = errors.check(tr, "kind", parse_kind(&self.kind));
        let page_url = errors.check(tr, "page_url", parse_page_url(&self.page_url));
        let body = errors.check(tr, "body", parse_body(&self.body));
        let filer = match member {
            Some(id) => Some(Filer::Member(id)),
            None => errors
                .check(tr, "email", Email::parse(&self.email))
                .map(|email| Filer::Guest { email, ip: ip() }),
        };
        Some((
            filer?,
            FeedbackInput {
                kind: kind?,
                page_url: page_url?,
                body: body?,
            },
        ))
    }
}

async fn file(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    fields: web::Form<FeedbackFields>,
) -> Result<HttpResponse, AppError> {
    let tr = &page.tr;
    let mut errors = FieldErrors::new();
    let ip = || client_ip(&req, &state.settings.trusted_proxies);
    let parsed = fields.parse(tr, &mut errors, page.user.as_ref().map(|u| u.id), ip);
    let mut too_many = None;
    if let Some((filer, input)) = parsed {
        let guest = match &filer {
            Filer::Guest { email, .. } => Some(email.as_str().to_string()),
            Filer::Member(_) => None,
        };
        match call(&state.pool, move |conn| file_feedback(conn, &filer, input)).await? {
            Ok(item) => {
                tracing::info!(feedback = %item.id, "feedback filed");
                let (to, flash) = match guest {
                    Some(email) => (
                        "/feedback",
                        Flash::new(Level::Success, k("feedback.filed_guest")).arg("email", email),
                    ),
                    None => ("/feedback/mine", Flash::new(Level::Success, k("feedback.filed"))),
                };
                return Ok(redirect_with_flash(&state.settings, to, &flash));
            }
            Err(FeedbackError::Invalid { field, key }) => errors.add(tr, field, key),
            Err(FeedbackError::TooMany { retry_after_secs }) => too_many = Some(retry_after_secs),
            Err(e) => return Err(e.into()),
        }
    }
    let status = match too_many {
        Some(_) => StatusCode::TOO_MANY_REQUESTS,
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let view = FeedbackFormView {
        page,
        form: fields.form(),
        errors,
        too_many: too_many.is_some(),
    };
    let mut res = html_with_status(status, &view)?;
    if let Some(secs) = too_many {
        res.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

async fn mine(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = page_number(query.page.as_deref());
    let author = user.id;
    let (items, total, shown) = plumbing::db(&state.pool, move |conn| {
        let (items, total) = Feedback::of_author(conn, author, wanted, PER_PAGE)?;
        let last = last_page(total, PER_PAGE);
        if wanted > last {
            let (items, total) = Feedback::of_author(conn, author, last, PER_PAGE)?;
            return Ok((items, total, last));
        }
        Ok((items, total, wanted))
    })
    .await?;
    html(&MyFeedbackView {
        page,
        items,
        pager: Pager::new(shown, PER_PAGE, total, &[]),
    })
}

#[derive(Debug, Default, Deserialize)]
struct AdminQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: Option<String>,
}

/// The triage list of one state, at page `wanted` (the last page when
/// past it), with the counts of every state.
struct TriageList {
    state: FeedbackState,
    counts: Vec<(FeedbackState, i64)>,
    rows: Vec<klearn_db::feedback::FeedbackRow>,
    pager: Pager,
}

impl TriageList {
    fn load(conn: &mut DbConnection, state: FeedbackState, wanted: i64) -> Result<TriageList, DbError> {
        let counts = counts_in_order(&Feedback::counts_by_state(conn)?);
        let total = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
        let shown = wanted.min(last_page(total, PER_PAGE));
        let rows = Feedback::in_state(conn, state, shown, PER_PAGE)?;
        let pager = Pager::new(shown, PER_PAGE, total, &[("state", state.as_str())]);
        Ok(TriageList {
            state,
            counts,
            rows,
            pager,
        })
    }

    fn view(self, page: Page, errors: FieldErrors, typed: Option<Typed>) -> AdminFeedbackView {
        AdminFeedbackView {
            page,
            nav: AdminNav {
                current: "/admin/feedback",
            },
            state: self.state,
            counts: self.counts,
            rows: self.rows,
            pager: self.pager,
            errors,
            typed,
        }
    }
}

async fn admin_list(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    // The new items by default, and for a state the site does not know.
    let listed = parse_state(&query.state).unwrap_or(FeedbackState::New);
    let wanted = page_number(query.page.as_deref());
    let list = plumbing::db(&state.pool, move |conn| TriageList::load(conn, listed, wanted)).await?;
    html(&list.view(page, FieldErrors::new(), None))
}

#[derive(Debug, Default, Deserialize)]
struct TriageFields {
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
    /// The page of the list the form was on, to come back to.
    #[serde(default)]
    page: Option<String>,
}

async fn admin_triage(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<FeedbackId>,
    fields: web::Form<TriageFields>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let wanted = page_number(fields.page.as_deref());
    let to = parse_state(&fields.state);
    let note = fields.note.clone();
    let (services, actor) = (state.services.clone(), moderator.actor());
    // Done, or refused with the list the item is on to show its form again.
    let outcome = call(&state.pool, move |conn| -> Result<_, FeedbackError> {
        let refusal = match to {
            Ok(to) => match triage(conn, &services, &actor, id, to, &note) {
                Ok(done) => return Ok(Ok(done)),
                Err(FeedbackError::Invalid { field, key }) => (field, key),
                Err(e) => return Err(e),
            },
            Err(key) => ("state", key),
        };
        let item = Feedback::find(conn, id)?;
        let mut list = TriageList::load(conn, item.state, wanted)?;
        if !list.rows.iter().any(|r| r.item.id == id) {
            // The item is not on that page (the list moved on): it is shown first, with its form.
            list.rows.insert(0, Feedback::find_row(conn, id)?);
        }
        Ok(Err((refusal, list)))
    })
    .await??;
    let ((field, key), list) = match outcome {
        Ok(done) => {
            let flash = if done.changed {
                Flash::new(Level::Success, k("admin.feedback.saved")).arg(
                    "state",
                    page.t(&crate::domain::feedback::state_key(done.item.state)),
                )
            } else {
                Flash::new(Level::Info, k("admin.feedback.unchanged"))
            };
            let back = format!(
                "/admin/feedback?state={}&page={wanted}#feedback-list",
                done.from.as_str()
            );
            return Ok(redirect_with_flash(&state.settings, &back, &flash));
        }
        Err(refused) => refused,
    };
    let mut errors = FieldErrors::new();
    errors.add(&page.tr, field, key);
    let typed = Typed {
        id,
        state: fields.state.clone(),
        note: fields.note.clone(),
    };
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &list.view(page, errors, Some(typed)),
    )
}
