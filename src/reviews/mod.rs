//! Reviews of courses. Use cases: writing one's review and editing or
//! deleting it, with who may review (`writing`), helpful votes and the
//! expert's reply (`responses`), a moderator hiding a review (`moderation`).
//! Each moves its course's rating counters and score in its own
//! transaction (`klearn_db::ratings`). What the pages read is in `pages`,
//! their views in `views`, the handlers in `routes`.

pub mod moderation;
pub mod pages;
pub mod responses;
pub mod routes;
pub mod views;
pub mod writing;

use klearn_db::ratings::{self, RatingChange};
use klearn_db::{generations, CourseId, DbConnection, DbError};

pub use moderation::hide_review;
pub use responses::{reply, toggle_helpful};
pub use writing::{delete_review, may_review, write_review, ReviewInput};

crate::area_error! {
    /// Why a review use case refused.
    ReviewError {}
}

/// Moves the course's counters and score by `change`, and tells the
/// expert directory (whose ranking adds up its experts' ratings) that it
/// changed. Inside the transaction that wrote the review.
fn rerate(conn: &mut DbConnection, course: CourseId, change: RatingChange) -> Result<(), DbError> {
    if change.is_none() {
        return Ok(());
    }
    ratings::apply(conn, course, change)?;
    generations::bump(conn, generations::EXPERTS)
}
