//! `/studio`, the course form (new and edit) and the course's moves.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::categories::{Category, COURSE};
use klearn_db::CourseId;

use super::{answer, edit_url, flash, saved};
use crate::courses::{self, CourseError};
use crate::i18n::k;
use crate::studio::forms::CourseForm;
use crate::studio::pages::{courses_of, CoursePage};
use crate::studio::views::{CourseView, StudioView};
use crate::uploads::{self, FieldRules};
use crate::web::auth::Expert;
use crate::web::db::{attempt, Refused};
use crate::web::flash::Level;
use crate::web::{call, db, html, html_with_status, AppError, AppState, FieldErrors, Page};

pub(super) async fn index(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let owner = user.id;
    let rows = db(&state.pool, move |conn| courses_of(conn, owner)).await?;
    let may_charge = user.may_charge();
    html(&StudioView {
        page,
        rows,
        may_charge,
    })
}

fn course_rules() -> FieldRules {
    FieldRules::new().file("cover", uploads::COVER)
}

pub(super) async fn new_form(
    page: Page,
    _: Expert,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let categories = db(&state.pool, |conn| Category::list(conn, COURSE)).await?;
    let form = CourseForm {
        level: "beginner".into(),
        format: "text".into(),
        price: "0".into(),
        ..Default::default()
    };
    html(&CourseView::new_course(
        page,
        categories,
        form,
        FieldErrors::new(),
    ))
}

/// A refused course form's message, next to its field.
fn refusal(page: &Page, errors: &mut FieldErrors, e: CourseError) -> Result<(), AppError> {
    match e {
        CourseError::Invalid { field, key } => errors.add(&page.tr, field, key),
        CourseError::Upload { field, problem } => errors.add_text(field, problem.message(&page.tr)),
        other => return Err(other.into()),
    }
    Ok(())
}

pub(super) async fn create(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &course_rules(), None).await?;
    let form = CourseForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let input = form.parse(&page.tr, &mut errors, &mut multipart, user.may_charge());
    let (services, actor) = (state.services.clone(), user.actor());
    let (created, categories) = call(&state.pool, move |conn| -> Result<_, CourseError> {
        let created = input.map(|input| courses::create(conn, &services, &actor, input));
        Ok((created, Category::list(conn, COURSE)?))
    })
    .await??;
    match created {
        Some(Ok(course)) => {
            return Ok(flash(
                &state,
                &edit_url(course.id),
                Level::Success,
                k("studio.course_created"),
            ))
        }
        Some(Err(e)) => refusal(&page, &mut errors, e)?,
        None => form.check_category(&page.tr, &mut errors, &categories),
    }
    let view = CourseView::new_course(page, categories, form, errors);
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub(super) async fn edit_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (owner, id) = (user.id, id.into_inner());
    let parts = db(&state.pool, move |conn| CoursePage::load(conn, owner, id)).await?;
    html(&CourseView::course(page, parts, None, FieldErrors::new()))
}

pub(super) async fn update(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &course_rules(), None).await?;
    let form = CourseForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let input = form.parse(&page.tr, &mut errors, &mut multipart, user.may_charge());
    let (services, actor, owner) = (state.services.clone(), user.actor(), user.id);
    let outcome = call(&state.pool, move |conn| {
        let update = |c: &mut _, input| courses::update(c, &services, &actor, id, input);
        attempt(conn, input, update, |c| CoursePage::load(c, owner, id))
    })
    .await??;
    let Refused { problem, page: parts } = match outcome {
        Ok(how) => return Ok(saved(&state, &edit_url(id), how)),
        Err(refused) => refused,
    };
    match problem {
        Some(CourseError::Conflict(key)) => return Ok(flash(&state, &edit_url(id), Level::Error, key)),
        Some(e) => refusal(&page, &mut errors, e)?,
        None => form.check_category(&page.tr, &mut errors, &parts.categories),
    }
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CourseView::course(page, parts, Some(form), errors),
    )
}

pub(super) async fn submit(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let outcome = call(&state.pool, move |conn| courses::submit(conn, &actor, id)).await?;
    answer(&state, id, outcome, k("studio.submitted"))
}

pub(super) async fn withdraw(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let outcome = call(&state.pool, move |conn| courses::withdraw(conn, &actor, id)).await?;
    answer(&state, id, outcome, k("studio.withdrawn"))
}

pub(super) async fn unpublish(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let outcome = call(&state.pool, move |conn| courses::unpublish(conn, &actor, id)).await?;
    answer(&state, id, outcome, k("studio.unpublished"))
}
