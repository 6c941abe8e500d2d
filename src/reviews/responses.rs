//! What others do with a review: members mark it helpful (one vote each,
//! never on their own review, a second press takes the vote back), and the
//! course's expert replies under it, once, in public.

use klearn_db::courses::Course;
use klearn_db::reviews::{Review, ReviewId, ReviewVote};
use klearn_db::users::User;
use klearn_db::{public_write_tx, DbConnection};

use super::ReviewError;
use crate::domain::actor::Actor;
use crate::domain::review::parse_reply;

/// A visible review and its course.
fn visible(conn: &mut DbConnection, id: ReviewId) -> Result<(Review, Course), ReviewError> {
    let review = Review::find(conn, id)?;
    if !review.is_visible() {
        return Err(ReviewError::NotFound);
    }
    let course = Course::find(conn, review.course_id)?;
    Ok((review, course))
}

/// Marks a review helpful, or takes the vote back; returns whether the
/// member's vote stands now, and the review's course.
pub fn toggle_helpful(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ReviewId,
) -> Result<(bool, Course), ReviewError> {
    let member = actor.user_id().ok_or(ReviewError::NotFound)?;
    public_write_tx(conn, |conn| {
        let (review, course) = visible(conn, id)?;
        if review.author_id == member {
            return Err(ReviewError::Forbidden("reviews.error.own_review"));
        }
        if !User::find(conn, member)?.is_verified() {
            return Err(ReviewError::Forbidden("reviews.error.verify_first"));
        }
        // The count moves only with a vote this transaction wrote or
        // removed: two presses at once (PostgreSQL runs them side by side)
        // add or remove one vote, never two.
        let (helpful, delta) = if ReviewVote::add(conn, id, member)? {
            (true, 1)
        } else if ReviewVote::remove(conn, id, member)? {
            (false, -1)
        } else {
            (false, 0)
        };
        if delta != 0 {
            Review::add_helpful(conn, id, delta)?;
        }
        Ok((helpful, course))
    })
}

/// The course's expert answers a review in public (Markdown, see
/// `parse_reply`), once; a second reply is refused. Returns the review's
/// course.
pub fn reply(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ReviewId,
    body: &str,
) -> Result<Course, ReviewError> {
    public_write_tx(conn, |conn| {
        let (review, course) = visible(conn, id)?;
        if !actor.is(course.owner_id) {
            return Err(ReviewError::Forbidden("reviews.error.expert_only"));
        }
        if review.reply_body.is_some() {
            return Err(ReviewError::Conflict("reviews.error.replied"));
        }
        let body = parse_reply(body).map_err(|key| ReviewError::invalid("body", key))?;
        let html = crate::markdown::render(&body);
        // Two sendings at once: the second finds the reply there and is refused.
        if !Review::set_reply(conn, id, &body, &html, klearn_db::now())? {
            return Err(ReviewError::Conflict("reviews.error.replied"));
        }
        Ok(course)
    })
}
