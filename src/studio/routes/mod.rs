//! The studio's pages, one file per part: `courses` (the list, the course
//! form and its moves), `chapters`, `lessons`, `grading` (the queue of work
//! handed in). Every course, chapter and
//! lesson is looked up with its owner: anyone else's id is 404.

mod chapters;
mod courses;
mod grading;
mod lessons;

use actix_web::{web, HttpResponse};
use klearn_db::CourseId;

use crate::courses::{CourseError, Saved};
use crate::i18n::k;
use crate::web::flash::{Flash, Level};
use crate::web::{redirect_with_flash, AppError, AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/studio").route(web::get().to(courses::index)))
        .service(
            web::resource("/studio/courses/new")
                .route(web::get().to(courses::new_form))
                .route(web::post().to(courses::create)),
        )
        .service(
            web::resource("/studio/courses/{id}/edit")
                .route(web::get().to(courses::edit_form))
                .route(web::post().to(courses::update)),
        )
        .service(web::resource("/studio/courses/{id}/submit").route(web::post().to(courses::submit)))
        .service(web::resource("/studio/courses/{id}/withdraw").route(web::post().to(courses::withdraw)))
        .service(web::resource("/studio/courses/{id}/unpublish").route(web::post().to(courses::unpublish)))
        .service(
            web::resource("/studio/courses/{id}/chapters/new")
                .route(web::get().to(chapters::new_form))
                .route(web::post().to(chapters::create)),
        )
        .service(
            web::resource("/studio/chapters/{id}/edit")
                .route(web::get().to(chapters::edit_form))
                .route(web::post().to(chapters::update)),
        )
        .service(web::resource("/studio/chapters/{id}/move").route(web::post().to(chapters::move_it)))
        .service(web::resource("/studio/chapters/{id}/delete").route(web::post().to(chapters::delete)))
        .service(
            web::resource("/studio/chapters/{id}/lessons/new")
                .route(web::get().to(lessons::new_form))
                .route(web::post().to(lessons::create)),
        )
        .service(
            web::resource("/studio/lessons/{id}/edit")
                .route(web::get().to(lessons::edit_form))
                .route(web::post().to(lessons::update)),
        )
        .service(web::resource("/studio/lessons/{id}/move").route(web::post().to(lessons::move_it)))
        .service(web::resource("/studio/lessons/{id}/delete").route(web::post().to(lessons::delete)))
        .service(web::resource("/studio/courses/{id}/submissions").route(web::get().to(grading::queue)))
        .service(web::resource("/studio/submissions/{id}/grade").route(web::post().to(grading::grade)));
}

/// The message of a saved form: saved, or sent to review.
fn saved(state: &AppState, to: &str, saved: Saved) -> HttpResponse {
    let key = match saved {
        Saved::Direct => k("studio.saved"),
        Saved::Revision => k("studio.revision_sent"),
    };
    flash(state, to, Level::Success, key)
}

fn edit_url(course: CourseId) -> String {
    format!("/studio/courses/{course}/edit")
}

fn flash(state: &AppState, to: &str, level: Level, key: &'static str) -> HttpResponse {
    redirect_with_flash(&state.settings, to, &Flash::new(level, key))
}

/// The answer to a studio action: done (with its message), or refused. A
/// rule that refuses (a course in review, one without lessons) is told on
/// the course page; a move that is not legal from the state now is a 409.
fn answer<T>(
    state: &AppState,
    course: CourseId,
    outcome: Result<T, CourseError>,
    done: &'static str,
) -> Result<HttpResponse, AppError> {
    match outcome {
        Ok(_) => Ok(flash(state, &edit_url(course), Level::Success, done)),
        Err(CourseError::Forbidden(key)) if key.starts_with("studio.") => {
            Ok(flash(state, &edit_url(course), Level::Error, key))
        }
        Err(CourseError::Conflict(key)) if key.starts_with("studio.") => {
            Ok(flash(state, &edit_url(course), Level::Error, key))
        }
        Err(e) => Err(e.into()),
    }
}
