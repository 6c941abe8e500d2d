//! What the review pages read: a course's reviews page (its statistics,
//! the viewer's own review first, one page of the others in the chosen
//! order, who may write), the summary a course's landing page shows, and
//! the statistics of all an expert's courses. A fixed handful of queries
//! per page.

use klearn_db::courses::{Course, CourseCard};
use klearn_db::ratings::StarCounts;
use klearn_db::reviews::{Review, ReviewId, ReviewSort, ReviewVote};
use klearn_db::users::User;
use klearn_db::{CourseId, DbConnection, DbError, UserId};

use super::writing::may_review;
use super::ReviewError;
use crate::domain::actor::Actor;
use crate::domain::review::{RatingStats, LANDING_REVIEWS, REVIEWS_PER_PAGE};
use crate::learn::access::{may_see_course, Standing};

/// A review with what its card shows of its author.
#[derive(Debug, Clone)]
pub struct ReviewCard {
    pub review: Review,
    pub author_username: String,
    pub author_name: String,
    /// The author erased their account: no link to a profile.
    pub author_gone: bool,
}

impl ReviewCard {
    /// The review's stars as a row ("★★★★☆").
    pub fn stars(&self) -> String {
        crate::domain::review::star_row(self.review.rating)
    }
}

/// Cards for these reviews, their authors read in one query.
fn cards(conn: &mut DbConnection, reviews: Vec<Review>) -> Result<Vec<ReviewCard>, DbError> {
    let mut ids: Vec<UserId> = reviews.iter().map(|r| r.author_id).collect();
    ids.sort();
    ids.dedup();
    let authors = User::find_many(conn, &ids)?;
    Ok(reviews
        .into_iter()
        .map(|review| {
            let author = authors.iter().find(|u| u.id == review.author_id);
            ReviewCard {
                author_username: author.map(|u| u.username.clone()).unwrap_or_default(),
                author_name: author.map(|u| u.shown_name().to_string()).unwrap_or_default(),
                author_gone: author.is_none_or(|u| u.is_deleted()),
                review,
            }
        })
        .collect())
}

/// The statistics of a course.
pub fn course_stats(conn: &mut DbConnection, course: CourseId) -> Result<RatingStats, DbError> {
    Ok(RatingStats::from_counts(
        StarCounts::of_course(conn, course)?.by_star(),
    ))
}

/// The statistics of all an expert's published courses.
pub fn expert_stats(conn: &mut DbConnection, expert: UserId) -> Result<RatingStats, DbError> {
    Ok(RatingStats::from_counts(
        StarCounts::of_owner(conn, expert)?.by_star(),
    ))
}

/// What a course's landing page shows of its reviews.
#[derive(Debug, Clone)]
pub struct ReviewSummary {
    pub stats: RatingStats,
    pub newest: Vec<ReviewCard>,
}

impl ReviewSummary {
    pub fn load(conn: &mut DbConnection, course: CourseId) -> Result<ReviewSummary, DbError> {
        let newest = Review::newest(conn, course, LANDING_REVIEWS)?;
        Ok(ReviewSummary {
            stats: course_stats(conn, course)?,
            newest: cards(conn, newest)?,
        })
    }
}

/// Whether the viewer gets the review form, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    Allowed,
    /// A guest: sign in first.
    SignIn,
    /// The reason, a translation key.
    Refused(&'static str),
}

/// A course's reviews page.
#[derive(Debug, Clone)]
pub struct ReviewsPage {
    pub card: CourseCard,
    pub stats: RatingStats,
    /// The viewer's own review (also when hidden), shown first, apart.
    pub mine: Option<ReviewCard>,
    /// A review the page was sent back for (a reply or a hiding with an
    /// error), shown first when it is not on this page anyway.
    pub pinned: Option<ReviewCard>,
    /// One page of the others' visible reviews.
    pub reviews: Vec<ReviewCard>,
    /// The others' visible reviews on every page.
    pub total: i64,
    /// The reviews on this page the viewer marked helpful.
    pub voted: Vec<ReviewId>,
    pub writing: Writing,
    pub viewer: Option<UserId>,
    pub viewer_is_owner: bool,
    pub viewer_moderates: bool,
}

impl ReviewsPage {
    /// The page for `viewer` (a guest when `None`). A course the viewer may
    /// not see is not found.
    pub fn load(
        conn: &mut DbConnection,
        slug: &str,
        viewer: Option<&Actor>,
        sort: ReviewSort,
        page: i64,
        pin: Option<ReviewId>,
    ) -> Result<ReviewsPage, ReviewError> {
        let course = Course::find_by_slug(conn, slug)?;
        let standing = Standing::of(conn, &course, viewer)?;
        if !may_see_course(&course, standing) {
            return Err(ReviewError::NotFound);
        }
        let viewer_id = viewer.and_then(Actor::user_id);
        let mine = match viewer_id {
            Some(id) => Review::by_author(conn, course.id, id)?,
            None => None,
        };
        let writing = match viewer {
            None => Writing::SignIn,
            Some(actor) => match may_review(conn, actor, &course) {
                Ok(_) => match &mine {
                    Some(r) if !r.is_visible() => Writing::Refused("reviews.error.hidden"),
                    _ => Writing::Allowed,
                },
                Err(ReviewError::Forbidden(key)) => Writing::Refused(key),
                Err(e) => return Err(e),
            },
        };
        // The counters count visible reviews: the others' are those less the viewer's own.
        let own_visible = mine.as_ref().is_some_and(Review::is_visible);
        let total = course.rating_count - i64::from(own_visible);
        let others = Review::page(conn, course.id, sort, viewer_id, page, REVIEWS_PER_PAGE)?;
        let pinned = match pin {
            Some(id) if !others.iter().any(|r| r.id == id) && mine.as_ref().is_none_or(|m| m.id != id) => {
                let review = Review::find(conn, id)?;
                (review.course_id == course.id && review.is_visible()).then_some(review)
            }
            _ => None,
        };
        let (mine_id, pinned_id) = (mine.as_ref().map(|r| r.id), pinned.as_ref().map(|r| r.id));
        let all: Vec<Review> = mine.into_iter().chain(pinned).chain(others).collect();
        let voted = match viewer_id {
            Some(id) => {
                let ids: Vec<ReviewId> = all.iter().map(|r| r.id).collect();
                ReviewVote::voted_among(conn, id, &ids)?
            }
            None => Vec::new(),
        };
        let mut cards = cards(conn, all)?;
        let mut take = |id: Option<ReviewId>| {
            let at = cards.iter().position(|c| Some(c.review.id) == id)?;
            Some(cards.remove(at))
        };
        let (mine, pinned) = (take(mine_id), take(pinned_id));
        Ok(ReviewsPage {
            card: Course::card(conn, course.id)?,
            stats: course_stats(conn, course.id)?,
            mine,
            pinned,
            reviews: cards,
            total,
            voted,
            writing,
            viewer: viewer_id,
            viewer_is_owner: standing.owner,
            viewer_moderates: standing.moderator,
        })
    }
}
