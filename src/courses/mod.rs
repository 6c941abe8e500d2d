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
use klearn_db::{CourseId, DbConnection};

use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::uploads::UploadError;

pub use editing::{create, update, CourseInput, Saved};
pub use lifecycle::{approve, feature, reject, return_paid_courses, submit, unpublish, withdraw};
pub use outline::{
    add_chapter, add_lesson, edit_lesson, move_chapter, move_lesson, remove_chapter, remove_lesson,
    rename_chapter, LessonInput,
};

crate::area_error! {
    /// Why a course use case refused.
    CourseError {
        /// 422: a file of the form was refused.
        Upload { field: &'static str, problem: UploadError } => AppError::BadRequest,
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
