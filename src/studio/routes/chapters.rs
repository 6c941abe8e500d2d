//! A course's chapters: add, rename, move, delete.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::courses::Course;
use klearn_db::{ChapterId, CourseId};

use super::{answer, edit_url, flash, saved};
use crate::courses::{self, CourseError};
use crate::i18n::k;
use crate::studio::forms::{ChapterForm, MoveForm};
use crate::studio::pages::chapter_of;
use crate::studio::views::ChapterView;
use crate::web::auth::Expert;
use crate::web::flash::Level;
use crate::web::{self as plumbing, call, db, html, html_with_status, AppError, AppState, FieldErrors, Page};

pub(super) async fn new_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let course = db(&state.pool, move |conn| Course::find_owned(conn, id, owner)).await?;
    html(&ChapterView {
        page,
        action: format!("/studio/courses/{}/chapters/new", course.id),
        course,
        title: String::new(),
        is_new: true,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn create(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<CourseId>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    let (id, owner, actor) = (id.into_inner(), user.id, user.actor());
    let mut errors = FieldErrors::new();
    let title = form.check(&page.tr, &mut errors);
    // Added, or the course to show the form with again.
    let outcome = call(&state.pool, move |conn| -> Result<_, CourseError> {
        match title {
            Some(title) => courses::add_chapter(conn, &actor, id, &title).map(|_| None),
            None => Ok(Some(Course::find_owned(conn, id, owner)?)),
        }
    })
    .await?;
    let course = match outcome {
        Ok(None) => {
            return Ok(flash(
                &state,
                &edit_url(id),
                Level::Success,
                k("studio.chapter_added"),
            ))
        }
        Ok(Some(course)) => course,
        Err(e) => return answer(&state, id, Err::<(), _>(e), k("studio.chapter_added")),
    };
    let action = format!("/studio/courses/{}/chapters/new", course.id);
    let view = ChapterView {
        page,
        action,
        course,
        title: form.title.clone(),
        is_new: true,
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub(super) async fn edit_form(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
) -> Result<HttpResponse, AppError> {
    let (id, owner) = (id.into_inner(), user.id);
    let (chapter, course) = db(&state.pool, move |conn| chapter_of(conn, owner, id)).await?;
    html(&ChapterView {
        page,
        action: format!("/studio/chapters/{}/edit", chapter.id),
        course,
        // A title waiting for review is what the owner last wrote.
        title: chapter.pending_title.unwrap_or(chapter.title),
        is_new: false,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn update(
    page: Page,
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
    form: web::Form<ChapterForm>,
) -> Result<HttpResponse, AppError> {
    let (id, owner, actor) = (id.into_inner(), user.id, user.actor());
    let mut errors = FieldErrors::new();
    let title = form.check(&page.tr, &mut errors);
    // Renamed (with its course and how), or the chapter to show again.
    let outcome = call(&state.pool, move |conn| -> Result<_, CourseError> {
        match title {
            Some(title) => courses::rename_chapter(conn, &actor, id, &title).map(Ok),
            None => Ok(Err(chapter_of(conn, owner, id)?)),
        }
    })
    .await??;
    let (chapter, course) = match outcome {
        Ok((course, how)) => return Ok(saved(&state, &edit_url(course.id), how)),
        Err(shown) => shown,
    };
    let action = format!("/studio/chapters/{}/edit", chapter.id);
    let title = form.title.clone();
    let view = ChapterView {
        page,
        action,
        course,
        title,
        is_new: false,
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub(super) async fn move_it(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
    form: web::Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (direction, id, actor) = (form.direction()?, id.into_inner(), user.actor());
    let course = call(&state.pool, move |conn| {
        courses::move_chapter(conn, &actor, id, direction)
    })
    .await??;
    Ok(plumbing::redirect(&format!(
        "{}#chapter-{id}",
        edit_url(course.id)
    )))
}

pub(super) async fn delete(
    Expert(user): Expert,
    state: web::Data<AppState>,
    id: web::Path<ChapterId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor, services) = (id.into_inner(), user.actor(), state.services.clone());
    let course = call(&state.pool, move |conn| {
        courses::remove_chapter(conn, &services, &actor, id)
    })
    .await??;
    Ok(flash(
        &state,
        &edit_url(course.id),
        Level::Success,
        k("studio.chapter_removed"),
    ))
}
