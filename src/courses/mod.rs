//! Courses: every change to a course is a use case here. `editing` writes a
//! course's own fields, `outline` its chapters and lessons, `lifecycle`
//! moves it between its states (submit, withdraw, unpublish, approve,
//! reject, feature) and `review` applies or turns down the changes waiting
//! for a moderator. The studio's and the review queue's pages call them.
//!
//! Nothing reaches learners without review: once learners can see a course
//! (`domain::course::edit_path`), its own fields and its lessons change
//! through the course's pending revision; while it is in review nothing
//! changes; and every one of these decisions is taken inside the write
//! transaction, so a form opened before the course moved cannot slip an
//! edit through after.

pub mod editing;
pub mod lifecycle;
pub mod outline;
pub mod review;

use klearn_db::courses::Course;
use klearn_db::{CourseId, DbConnection, DbError};

use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::uploads::UploadError;
use crate::web::AppError;

pub use editing::{create, update, CourseInput, Saved};
pub use lifecycle::{approve, feature, reject, return_paid_courses, submit, unpublish, withdraw};
pub use outline::{
    add_chapter, add_lesson, edit_lesson, move_chapter, move_lesson, remove_chapter, remove_lesson,
    rename_chapter, LessonInput,
};

/// Why a course use case refused.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// No such course, chapter or lesson, or not the actor's.
    #[error("not found")]
    NotFound,
    /// 403; the reason is a translation key.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// 409: the course is not in a state that allows this; a translation key.
    #[error("refused as the course stands: {0}")]
    Conflict(&'static str),
    /// 422: the form comes back with this message next to this field.
    #[error("{field}: {key}")]
    Invalid { field: &'static str, key: &'static str },
    /// 422: a file of the form was refused.
    #[error("{field}: {problem:?}")]
    Upload {
        field: &'static str,
        problem: UploadError,
    },
    #[error(transparent)]
    Db(DbError),
}

impl CourseError {
    pub fn invalid(field: &'static str, key: &'static str) -> Self {
        CourseError::Invalid { field, key }
    }
}

impl From<DbError> for CourseError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => CourseError::NotFound,
            other => CourseError::Db(other),
        }
    }
}

impl From<diesel::result::Error> for CourseError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::from_query(e).into()
    }
}

impl From<CourseError> for AppError {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::NotFound => AppError::NotFound,
            CourseError::Forbidden(key) => AppError::ForbiddenBecause(key),
            CourseError::Conflict(key) => AppError::ConflictBecause(key),
            CourseError::Invalid { .. } | CourseError::Upload { .. } => AppError::BadRequest,
            CourseError::Db(e) => AppError::from(e),
        }
    }
}

/// The studio is for members with the expert role (and the site itself).
fn studio_member(actor: &Actor) -> Result<(), CourseError> {
    if actor.has(Role::Expert) {
        Ok(())
    } else {
        Err(CourseError::Forbidden("error.403.message"))
    }
}

/// A course of the actor's: anyone else's is `NotFound`. The site itself
/// reaches every course.
pub fn owned(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<Course, CourseError> {
    studio_member(actor)?;
    Ok(match actor.user_id() {
        Some(owner) => Course::find_owned(conn, id, owner)?,
        None => Course::find(conn, id)?,
    })
}
