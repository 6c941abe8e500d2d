//! Writing one's review of a course, editing it (a second sending; marked
//! edited) and deleting it, and who may review: a verified member enrolled
//! in the course who has opened one of its lessons, not its expert. One
//! review per learner and course.

use klearn_db::courses::Course;
use klearn_db::enrollments::{Enrollment, LessonProgress};
use klearn_db::ratings::RatingChange;
use klearn_db::reviews::{Review, ReviewId, ReviewState, ReviewText};
use klearn_db::users::User;
use klearn_db::{public_write_tx, DbConnection, UserId};

use super::{rerate, ReviewError};
use crate::domain::actor::Actor;
use crate::domain::review::Rating;

/// A review as its form parsed it.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub rating: Rating,
    pub title: String,
    /// Markdown.
    pub body: String,
}

/// Refuses unless `actor` may review `course`, with the reason the page
/// shows: the course's own expert, not enrolled, no lesson opened yet, an
/// unconfirmed email. Returns the reviewer.
pub fn may_review(conn: &mut DbConnection, actor: &Actor, course: &Course) -> Result<UserId, ReviewError> {
    let learner = actor.user_id().ok_or(ReviewError::NotFound)?;
    if actor.is(course.owner_id) {
        return Err(ReviewError::Forbidden("reviews.error.own_course"));
    }
    if !Enrollment::is_enrolled(conn, learner, course.id)? {
        return Err(ReviewError::Forbidden("reviews.error.enroll_first"));
    }
    if LessonProgress::for_course(conn, learner, course.id)?.is_empty() {
        return Err(ReviewError::Forbidden("reviews.error.open_a_lesson"));
    }
    if !User::find(conn, learner)?.is_verified() {
        return Err(ReviewError::Forbidden("reviews.error.verify_first"));
    }
    Ok(learner)
}

/// Writes the actor's review of the course with this slug, or, when they
/// have one, replaces its stars and text (marked edited; a sending that
/// changes nothing leaves it as it is). Returns the course and the review.
pub fn write_review(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    input: ReviewInput,
) -> Result<(Course, Review), ReviewError> {
    let html = crate::markdown::render(&input.body);
    let text = ReviewText {
        rating: input.rating.get(),
        title: &input.title,
        body: &input.body,
        body_html: &html,
    };
    public_write_tx(conn, |conn| {
        let course = Course::find_by_slug(conn, slug)?;
        let author = may_review(conn, actor, &course)?;
        let now = klearn_db::now();
        let review = match Review::by_author(conn, course.id, author)? {
            None => {
                // `None` again: the same learner's other window wrote it first.
                let review = Review::create(conn, course.id, author, &text, now)?
                    .ok_or(ReviewError::Conflict("reviews.error.changed"))?;
                rerate(conn, course.id, RatingChange::added(text.rating))?;
                review
            }
            Some(existing) if existing.state == ReviewState::Hidden => {
                return Err(ReviewError::Conflict("reviews.error.hidden"));
            }
            Some(existing) => {
                let same = existing.rating == text.rating
                    && existing.title == text.title
                    && existing.body == text.body;
                if same {
                    return Ok((course, existing));
                }
                if !Review::edit(conn, existing.id, existing.rating, &text, now)? {
                    return Err(ReviewError::Conflict("reviews.error.changed"));
                }
                rerate(
                    conn,
                    course.id,
                    RatingChange::replaced(existing.rating, text.rating),
                )?;
                Review::find(conn, existing.id)?
            }
        };
        Ok((course, review))
    })
}

/// Deletes the actor's own review with its votes; a visible one stops
/// counting. Returns its course. (Moderators hide reviews instead.)
pub fn delete_review(conn: &mut DbConnection, actor: &Actor, id: ReviewId) -> Result<Course, ReviewError> {
    public_write_tx(conn, |conn| {
        let review = Review::find(conn, id)?;
        if !actor.is(review.author_id) {
            return Err(ReviewError::Forbidden("reviews.error.not_yours"));
        }
        let course = Course::find(conn, review.course_id)?;
        // Counters move only when this transaction removed the row: a
        // second press racing the first finds it gone and changes nothing.
        match Review::delete(conn, id)? {
            Some((rating, ReviewState::Visible)) => rerate(conn, course.id, RatingChange::removed(rating))?,
            Some((_, ReviewState::Hidden)) => {}
            None => return Err(ReviewError::NotFound),
        }
        Ok(course)
    })
}
