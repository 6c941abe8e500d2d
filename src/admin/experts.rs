//! The certification pipeline: applications by state, one application with
//! its evidence and step buttons, steps, and revoking a certification.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use klearn_db::experts::{Application, StepRow};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use serde::Deserialize;

use klearn_db::{ApplicationId, DbConnection, DbError};

use crate::admin::users::{UserExtras, UserPage};
use crate::admin::views::{AdminNav, UserView};
use crate::domain::expert::{moderator_steps, ExpertState, ExpertStateExt, StepActor};
use crate::experts::{steps, ExpertError};
use crate::i18n::k;
use crate::web::auth::Moderator;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

/// How many applications each state's list shows.
const PER_STATE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/experts").route(web::get().to(pipeline)))
        .service(web::resource("/admin/experts/{id}").route(web::get().to(application)))
        .service(web::resource("/admin/experts/{id}/transition").route(web::post().to(transition)))
        .service(web::resource("/admin/experts/{username}/revoke").route(web::post().to(revoke)));
}

/// One state of the pipeline with its count and its oldest applications.
pub struct Column {
    pub state: ExpertState,
    pub count: i64,
    pub rows: Vec<(Application, User)>,
}

#[derive(Template)]
#[template(path = "admin/experts.html")]
pub struct PipelineView {
    pub page: Page,
    pub nav: AdminNav,
    pub columns: Vec<Column>,
    /// Applications that left the pipeline: (state, count).
    pub closed: Vec<(ExpertState, i64)>,
}

/// The counts of applications waiting in each open state, for the dashboard.
pub fn waiting(counts: &HashMap<ExpertState, i64>) -> Vec<(ExpertState, i64)> {
    ExpertState::OPEN
        .into_iter()
        .map(|s| (s, counts.get(&s).copied().unwrap_or(0)))
        .collect()
}

async fn pipeline(page: Page, _: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (counts, lists) = plumbing::db(&state.pool, |conn| {
        let counts = Application::counts_by_state(conn)?;
        let mut lists = Vec::new();
        for s in ExpertState::OPEN {
            lists.push(Application::in_state(conn, s, PER_STATE)?);
        }
        Ok((counts, lists))
    })
    .await?;
    let columns = ExpertState::OPEN
        .into_iter()
        .zip(lists)
        .map(|(s, rows)| Column {
            state: s,
            count: counts.get(&s).copied().unwrap_or(0),
            rows,
        })
        .collect();
    let closed = [
        ExpertState::Certified,
        ExpertState::Rejected,
        ExpertState::Withdrawn,
        ExpertState::Revoked,
    ]
    .into_iter()
    .map(|s| (s, counts.get(&s).copied().unwrap_or(0)))
    .collect();
    html(&PipelineView {
        page,
        nav: AdminNav {
            current: "/admin/experts",
        },
        columns,
        closed,
    })
}

#[derive(Template)]
#[template(path = "admin/expert_application.html")]
pub struct ApplicationView {
    pub page: Page,
    pub nav: AdminNav,
    pub application: Application,
    pub applicant: User,
    pub topics: Vec<String>,
    pub evidence: Vec<Upload>,
    pub timeline: Vec<StepRow>,
    /// The steps the moderator may take from here.
    pub steps: Vec<ExpertState>,
    /// The moderator is the applicant: they may look, not step.
    pub own: bool,
    pub errors: FieldErrors,
    /// What was typed into a refused step: (target state, note).
    pub typed: Option<(String, String)>,
}

impl ApplicationView {
    pub fn state(&self) -> ExpertState {
        self.application.state
    }

    pub fn note_for(&self, to: &ExpertState) -> &str {
        match &self.typed {
            Some((t, note)) if t == to.as_str() => note,
            _ => "",
        }
    }

    pub fn error_for(&self, to: &ExpertState) -> Option<&str> {
        match &self.typed {
            Some((t, _)) if t == to.as_str() => self.errors.get("note"),
            _ => None,
        }
    }

    pub fn size_of(&self, upload: &Upload) -> String {
        crate::uploads::human_size(upload.size_bytes.max(0) as u64)
    }

    pub fn step_label(&self, row: &StepRow) -> String {
        crate::experts::views::state_key(&row.step.to_state)
    }

    /// The button of a step: "Move to screening", "Certify", "Reject".
    pub fn button_key(&self, to: &ExpertState) -> String {
        format!("admin.experts.step.{}", to.as_str())
    }
}

/// One application as its admin page shows it.
pub struct ApplicationPage {
    application: Application,
    applicant: User,
    topics: Vec<String>,
    evidence: Vec<Upload>,
    timeline: Vec<StepRow>,
}

impl ApplicationPage {
    fn load(conn: &mut DbConnection, id: ApplicationId) -> Result<ApplicationPage, DbError> {
        let application = Application::find(conn, id)?;
        Ok(ApplicationPage {
            applicant: User::find(conn, application.user_id)?,
            topics: Application::topics(conn, id)?,
            evidence: Application::evidence(conn, id)?,
            timeline: Application::steps(conn, id)?,
            application,
        })
    }

    fn view(self, page: Page, errors: FieldErrors, typed: Option<(String, String)>) -> ApplicationView {
        let own = page
            .user
            .as_ref()
            .is_some_and(|u| u.id == self.application.user_id);
        ApplicationView {
            page,
            nav: AdminNav {
                current: "/admin/experts",
            },
            own,
            steps: moderator_steps(self.application.state),
            application: self.application,
            applicant: self.applicant,
            topics: self.topics,
            evidence: self.evidence,
            timeline: self.timeline,
            errors,
            typed,
        }
    }
}

async fn application(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<ApplicationId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let parts = plumbing::db(&state.pool, move |conn| ApplicationPage::load(conn, id)).await?;
    html(&parts.view(page, FieldErrors::new(), None))
}

#[derive(Debug, Deserialize)]
struct StepForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn transition(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    id: web::Path<ApplicationId>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let note: String = form.note.trim().chars().take(2000).collect();
    let to = ExpertState::parse(form.to.trim());
    let (services, actor) = (state.services.clone(), moderator.actor());
    // Taken, or refused with the application to show the form on again.
    let refused = call(&state.pool, move |conn| -> Result<_, ExpertError> {
        let refusal =
            match to.map(|to| steps::take(conn, &services, &actor, StepActor::Moderator, id, to, &note)) {
                Some(Ok(_)) => return Ok(None),
                Some(Err(ExpertError::Invalid { field, key })) => (field, key),
                Some(Err(e)) => return Err(e),
                None => ("to", "admin.experts.unknown_state"),
            };
        Ok(Some((refusal, ApplicationPage::load(conn, id)?)))
    })
    .await??;
    let Some(((field, key), parts)) = refused else {
        let flash = Flash::new(Level::Success, k("admin.experts.stepped"));
        return Ok(redirect_with_flash(
            &state.settings,
            &format!("/admin/experts/{id}"),
            &flash,
        ));
    };
    let mut errors = FieldErrors::new();
    errors.add(&page.tr, field, key);
    let typed = to
        .filter(|_| field == "note")
        .map(|to| (to.as_str().to_string(), form.note.clone()));
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &parts.view(page, errors, typed))
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    page: Page,
    Moderator(moderator): Moderator,
    state: web::Data<AppState>,
    username: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let reason: String = form.reason.trim().chars().take(2000).collect();
    let (services, actor) = (state.services.clone(), moderator.actor());
    // Revoked (the member's id), or refused with the member's page.
    let outcome = call(&state.pool, move |conn| -> Result<_, ExpertError> {
        let member = User::find_by_username(conn, &username)?;
        match steps::revoke(conn, &services, &actor, member.id, &reason) {
            Ok(_) => Ok(Ok(member.id)),
            Err(ExpertError::Invalid { field, key }) => {
                Ok(Err(((field, key), UserPage::load(conn, member.id)?)))
            }
            Err(e) => Err(e),
        }
    })
    .await??;
    let ((field, key), parts) = match outcome {
        Ok(member) => {
            let flash = Flash::new(Level::Success, k("admin.experts.revoked"));
            return Ok(redirect_with_flash(
                &state.settings,
                &format!("/admin/users/{member}"),
                &flash,
            ));
        }
        Err(refused) => refused,
    };
    let mut errors = FieldErrors::new();
    errors.add(&page.tr, field, key);
    let extras = UserExtras {
        errors,
        typed_revoke: form.reason.clone(),
        ..UserExtras::default()
    };
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &UserView::new(page, parts, extras),
    )
}
