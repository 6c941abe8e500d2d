//! A chapter's lessons: add, edit (with a preview of the body), move, delete.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::courses::outline::Removed;
use klearn_db::{ChapterId, LessonId};

use super::{edit_url, flash, saved};
use crate::courses::{self, CourseError, LessonInput};
use crate::i18n::k;
use crate::studio::forms::{LessonForm, MoveForm};
use crate::studio::pages::{chapter_of, LessonPage};
use crate::studio::views::LessonView;
use crate::uploads::{self, FieldRules, MultipartForm};
use crate::web::auth::Expert;
use crate::web::db::{attempt, Refused};
use crate::web::flash::Level;
use crate::web::{self as plumbing, call, db, html, html_with_status, AppError, AppState, FieldErrors, Page};

fn lesson_rules() -> FieldRules {
    FieldRules::new().file("media", uploads::LESSON_MEDIA)
}

/// The form as sent, and its input unless it has problems or asks for a preview.
fn read_form(
    page: &Page,
    multipart: &mut MultipartForm,
    errors: &mut FieldErrors,
) -> (LessonForm, Option<LessonInput>) {
    let form = LessonForm::from_multipart(multipart);
    let input = form
        .parse(&page.tr, errors, multipart)
        .filter(|_| !form.wants_preview());
    (form, input)
}

/// A refused lesson form's message next to its field; a course in review
/// cannot be changed (the course page says so).
fn refusal(page: &Page, errors: &mut FieldErrors, e: CourseError) -> Result<(), AppError> {
    match e {
        CourseError::Invalid { field, key } => errors.add(&page.tr, field, key),
        CourseError::Upload { field, problem } => errors.add_text(field, problem.message(&page.tr)),
        other => return Err(other.into()),
    }
    Ok(())
}

fn shown_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

pub(super) async fn new_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let (chapter, course) = db(&state.pool, move |conn| chapter_of(conn, owner, id)).await?;
    html(&LessonView::new_lesson(
        page,
        chapter,
        course,
        LessonForm::default(),
        FieldErrors::new(),
    ))
}

pub(super) async fn create(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &lesson_rules(), None).await?;
    let mut errors = FieldErrors::new();
    let (form, input) = read_form(&page, &mut multipart, &mut errors);
    let (services, actor, owner) = (state.services.clone(), user.actor(), user.id);
    let outcome = call(&state.pool, move |conn| {
        let add = |c: &mut _, input| courses::add_lesson(c, &services, &actor, id, input);
        attempt(conn, input, add, |c| chapter_of(c, owner, id))
    })
    .await??;
    let Refused {
        problem: refused,
        page: (chapter, course),
    } = match outcome {
        Ok(lesson) => {
            let to = format!("{}#lesson-{}", edit_url(lesson.course_id), lesson.id);
            return Ok(flash(&state, &to, Level::Success, k("studio.lesson_added")));
        }
        Err(refused) => refused,
    };
    if let Some(CourseError::Conflict(key)) = refused {
        return Ok(flash(&state, &edit_url(course.id), Level::Error, key));
    }
    if let Some(e) = refused {
        refusal(&page, &mut errors, e)?;
    }
    let status = shown_status(&errors);
    html_with_status(
        status,
        &LessonView::new_lesson(page, chapter, course, form, errors).with_preview(),
    )
}

pub(super) async fn edit_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<LessonId>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let parts = db(&state.pool, move |conn| LessonPage::load(conn, owner, id)).await?;
    html(&LessonView::edit(page, parts, None, FieldErrors::new()))
}

pub(super) async fn update(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<LessonId>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &lesson_rules(), None).await?;
    let mut errors = FieldErrors::new();
    let (form, input) = read_form(&page, &mut multipart, &mut errors);
    let (services, actor, owner) = (state.services.clone(), user.actor(), user.id);
    let outcome = call(&state.pool, move |conn| {
        let edit = |c: &mut _, input| courses::edit_lesson(c, &services, &actor, id, input);
        attempt(conn, input, edit, |c| LessonPage::load(c, owner, id))
    })
    .await??;
    let Refused {
        problem: refused,
        page: parts,
    } = match outcome {
        Ok((lesson, how)) => {
            let to = format!("{}#lesson-{}", edit_url(lesson.course_id), lesson.id);
            return Ok(saved(&state, &to, how));
        }
        Err(refused) => refused,
    };
    if let Some(CourseError::Conflict(key)) = refused {
        return Ok(flash(&state, &edit_url(parts.course.id), Level::Error, key));
    }
    if let Some(e) = refused {
        refusal(&page, &mut errors, e)?;
    }
    let status = shown_status(&errors);
    html_with_status(
        status,
        &LessonView::edit(page, parts, Some(form), errors).with_preview(),
    )
}

pub(super) async fn move_it(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<LessonId>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (direction, id, actor) = (form.direction()?, id.into_inner(), user.actor());
    let lesson = call(&state.pool, move |conn| {
        courses::move_lesson(conn, &actor, id, direction)
    })
    .await??;
    Ok(plumbing::redirect(&format!(
        "{}#lesson-{}",
        edit_url(lesson.course_id),
        lesson.id
    )))
}

pub(super) async fn delete(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<LessonId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor, services) = (id.into_inner(), user.actor(), state.services.clone());
    let (course, removed) = call(&state.pool, move |conn| {
        courses::remove_lesson(conn, &services, &actor, id)
    })
    .await??;
    let key = match removed {
        Removed::Deleted(_) => k("studio.lesson_removed"),
        Removed::Hidden => k("studio.lesson_hidden"),
    };
    Ok(flash(&state, &edit_url(course.id), Level::Success, key))
}
