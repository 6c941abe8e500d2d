//! The grading queue of a course (`GET /studio/courses/{id}/submissions`,
//! by state, oldest first) and grading (`POST /studio/submissions/{id}/grade`):
//! a pass with a score, or back for rework with a note.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::courses::Course;
use klearn_db::tasks::Submission;
use klearn_db::{CourseId, DbConnection, DbError, SubmissionId, SubmissionState, UserId};
use serde::Deserialize;

use super::flash;
use crate::i18n::k;
use crate::learn::progress::LearnError;
use crate::learn::tasks::{self, GradeInput};
use crate::studio::views::{GradingView, QueuePage};
use crate::web::auth::Expert;
use crate::web::flash::Level;
use crate::web::{call, db, html, html_with_status, AppError, AppState, FieldErrors, Page};

#[derive(Debug, Deserialize)]
pub(super) struct QueueQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    page: Option<i64>,
}

fn queue_url(course: CourseId, state: SubmissionState) -> String {
    format!("/studio/courses/{course}/submissions?state={state}")
}

/// One page of the owner's course's queue in a state.
fn load(
    conn: &mut DbConnection,
    owner: UserId,
    course: CourseId,
    state: SubmissionState,
    page: i64,
) -> Result<QueuePage, DbError> {
    let course = Course::find_owned(conn, course, owner)?;
    let counts = Submission::counts(conn, course.id)?;
    let mut items = Submission::queue(conn, course.id, state, page)?;
    let has_more = items.len() as i64 > klearn_db::tasks::QUEUE_PAGE;
    items.truncate(klearn_db::tasks::QUEUE_PAGE as usize);
    Ok(QueuePage {
        course,
        state,
        counts,
        items,
        page,
        has_more,
    })
}

pub(super) async fn queue(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let which = SubmissionState::parse(&query.state).unwrap_or(SubmissionState::Submitted);
    let number = query.page.unwrap_or(1).max(1);
    let (owner, course) = (user.id, id.into_inner());
    let queue = db(&state.pool, move |conn| load(conn, owner, course, which, number)).await?;
    html(&GradingView::new(page, queue))
}

#[derive(Debug, Deserialize)]
pub(super) struct GradeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    feedback: String,
}

pub(super) async fn grade(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<SubmissionId>,
    form: web::Form<GradeForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let form = form.into_inner();
    let input = GradeInput {
        outcome: form.outcome,
        score: form.score.trim().to_string(),
        feedback: form.feedback,
    };
    let (services, actor, sent) = (state.services.clone(), user.actor(), input.clone());
    let outcome = call(&state.pool, move |conn| {
        let graded = tasks::grade(conn, &services, &actor, id, &sent);
        // Where to go back to: the queue of the submission's course.
        let course = Submission::find(conn, id).map(|s| s.course_id);
        Ok::<_, LearnError>((graded, course))
    })
    .await??;
    let (graded, course) = outcome;
    let course = course.map_err(|_| AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    match graded {
        Ok(s) => {
            let key = if s.state == SubmissionState::Passed {
                k("grading.passed")
            } else {
                k("grading.returned")
            };
            return Ok(flash(
                &state,
                &queue_url(course, SubmissionState::Submitted),
                Level::Success,
                key,
            ));
        }
        Err(LearnError::Invalid { field, key }) => errors.add(&page.tr, field, key),
        Err(LearnError::Conflict(key)) => {
            return Ok(flash(
                &state,
                &queue_url(course, SubmissionState::Submitted),
                Level::Error,
                key,
            ))
        }
        Err(other) => return Err(other.into()),
    }
    let owner = user.id;
    let queue = db(&state.pool, move |conn| {
        load(conn, owner, course, SubmissionState::Submitted, 1)
    })
    .await?;
    let mut view = GradingView::new(page, queue);
    view.form = Some((id, input));
    view.errors = errors;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
