//! A moderator hides a review, with a reason: it leaves the course's lists
//! and stops counting in its ratings, its author still sees it with the
//! reason and is told by mail, and the audit log keeps who did it and why.

use klearn_db::audit::{self, Object};
use klearn_db::courses::Course;
use klearn_db::ratings::RatingChange;
use klearn_db::reviews::{Review, ReviewId};
use klearn_db::users::User;
use klearn_db::{public_write_tx, DbConnection};

use super::{rerate, ReviewError};
use crate::domain::actor::Actor;
use crate::domain::review::parse_reason;
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// Hides a visible review for `reason` (required); returns its course.
pub fn hide_review(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: ReviewId,
    reason: &str,
) -> Result<Course, ReviewError> {
    if !actor.is_moderator() {
        return Err(ReviewError::Forbidden("reviews.error.moderators_only"));
    }
    let reason = parse_reason(reason).map_err(|key| ReviewError::invalid("reason", key))?;
    public_write_tx(conn, |conn| {
        let review = Review::find(conn, id)?;
        let course = Course::find(conn, review.course_id)?;
        let rating = Review::hide(conn, id, actor.user_id(), &reason)?
            .ok_or(ReviewError::Conflict("reviews.error.already_hidden"))?;
        rerate(conn, course.id, RatingChange::removed(rating))?;
        audit::record(
            conn,
            actor.user_id(),
            "review.hidden",
            Object::new("review", id),
            &reason,
        )?;
        let author = User::find(conn, review.author_id)?;
        if !author.is_deleted() {
            let url = services
                .settings
                .absolute_url(&format!("/courses/{}/reviews", course.slug));
            let detail = format!("{} — {}", course.title, reason);
            notice::send(
                conn,
                &services.i18n,
                &author,
                &author.email,
                NoticeKind::ReviewHidden,
                Some(url),
                &detail,
            )?;
        }
        Ok(course)
    })
}
