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

use crate::admin::routes::{user_view, UserExtras};
use crate::admin::views::AdminNav;
use crate::app::AppState;
use crate::domain::expert::{moderator_steps, ExpertState, StepActor};
use crate::experts::steps::{self, StepRequest};
use crate::i18n::k;
use crate::web::auth::Moderator;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, FieldErrors, Page,
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
pub fn waiting(counts: &HashMap<String, i64>) -> Vec<(ExpertState, i64)> {
    ExpertState::OPEN
        .into_iter()
        .map(|s| (s, counts.get(s.as_str()).copied().unwrap_or(0)))
        .collect()
}

async fn pipeline(page: Page, _: Moderator, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (counts, lists) = plumbing::db(&state.pool, |conn| {
        let counts = Application::counts_by_state(conn)?;
        let mut lists = Vec::new();
        for s in ExpertState::OPEN {
            lists.push(Application::in_state(conn, s.as_str(), PER_STATE)?);
        }
        Ok((counts, lists))
    })
    .await?;
    let columns = ExpertState::OPEN
        .into_iter()
        .zip(lists)
        .map(|(s, rows)| Column {
            state: s,
            count: counts.get(s.as_str()).copied().unwrap_or(0),
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
    .map(|s| (s, counts.get(s.as_str()).copied().unwrap_or(0)))
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
        ExpertState::parse(&self.application.state).unwrap_or(ExpertState::Submitted)
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

async fn application_view(
    state: &AppState,
    page: Page,
    id: i64,
    errors: FieldErrors,
    typed: Option<(String, String)>,
) -> Result<ApplicationView, AppError> {
    let viewer = page.user.as_ref().map(|u| u.id);
    let (application, applicant, topics, evidence, timeline) = plumbing::db(&state.pool, move |conn| {
        let application = Application::find(conn, id)?;
        let applicant = User::find(conn, application.user_id)?;
        let topics = Application::topics(conn, id)?;
        let evidence = Application::evidence(conn, id)?;
        let timeline = Application::steps(conn, id)?;
        Ok((application, applicant, topics, evidence, timeline))
    })
    .await?;
    let from = ExpertState::parse(&application.state).unwrap_or(ExpertState::Submitted);
    Ok(ApplicationView {
        page,
        nav: AdminNav {
            current: "/admin/experts",
        },
        own: viewer == Some(application.user_id),
        steps: moderator_steps(from),
        application,
        applicant,
        topics,
        evidence,
        timeline,
        errors,
        typed,
    })
}

async fn application(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    html(&application_view(&state, page, id.into_inner(), FieldErrors::new(), None).await?)
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
    id: web::Path<i64>,
    form: web::Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let note: String = form.note.trim().chars().take(2000).collect();
    let Some(to) = ExpertState::parse(form.to.trim()) else {
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "to", "admin.experts.unknown_state");
        let view = application_view(&state, page, id, errors, None).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    };
    if note.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "note", "admin.experts.note_required");
        let typed = Some((to.as_str().to_string(), form.note.clone()));
        let view = application_view(&state, page, id, errors, typed).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let i18n = state.i18n.clone();
    let settings = state.settings.clone();
    let moderator_id = moderator.id;
    plumbing::db(&state.pool, move |conn| {
        let application = Application::find(conn, id)?;
        if application.user_id == moderator_id {
            return Ok(Err(AppError::ForbiddenBecause("admin.experts.not_own")));
        }
        let request = StepRequest {
            application_id: id,
            to,
            note,
            actor_id: moderator_id,
            actor: StepActor::Moderator,
        };
        Ok(steps::take(conn, &i18n, &settings, &request)?.ok_or(AppError::Conflict))
    })
    .await??;
    state.rankings.clear();
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/experts/{id}"),
        &Flash::new(Level::Success, k("admin.experts.stepped")),
    ))
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
    let (member, certification) = {
        let username = username.clone();
        plumbing::db(&state.pool, move |conn| {
            let member = User::find_by_username(conn, &username)?;
            let certification = Application::certified_for(conn, member.id)?;
            Ok((member, certification))
        })
        .await?
    };
    if reason.is_empty() {
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "revoke_reason", "admin.experts.reason_required");
        let extras = UserExtras {
            errors,
            typed_revoke: form.reason.clone(),
            ..UserExtras::default()
        };
        let view = user_view(&state, page, member.id, extras).await?;
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view);
    }
    let Some(certification) = certification else {
        return Err(AppError::Conflict);
    };
    let i18n = state.i18n.clone();
    let settings = state.settings.clone();
    let request = StepRequest {
        application_id: certification.id,
        to: ExpertState::Revoked,
        note: reason,
        actor_id: moderator.id,
        actor: StepActor::Moderator,
    };
    let revoked = plumbing::db(&state.pool, move |conn| {
        steps::take(conn, &i18n, &settings, &request)
    })
    .await?;
    if revoked.is_none() {
        return Err(AppError::Conflict);
    }
    state.rankings.clear();
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/users/{}", member.id),
        &Flash::new(Level::Success, k("admin.experts.revoked")),
    ))
}
