//! Reviews of courses: one per learner and course, with stars, a title and
//! a Markdown text, the expert's one public reply, helpful votes (one per
//! member) and a moderator's hiding. Each change that can race another
//! (two presses, two windows) is a conditional write whose row count says
//! whether this transaction made it, so that counters move exactly once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{review_votes, reviews};
use crate::types::{CourseId, UserId};
pub use crate::types::{ReviewId, ReviewState};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Review {
    pub id: ReviewId,
    pub course_id: CourseId,
    pub author_id: UserId,
    /// One to five stars.
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub state: ReviewState,
    pub hidden_reason: String,
    pub hidden_by: Option<UserId>,
    pub helpful_count: i64,
    /// The course's expert's answer, once.
    pub reply_body: Option<String>,
    pub reply_body_html: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub edited_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Review {
    pub fn is_visible(&self) -> bool {
        self.state == ReviewState::Visible
    }
}

/// What a learner writes: the stars, the title and the text with its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewText<'a> {
    pub rating: i32,
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
}

/// How a course's reviews are listed; each has its index (migration 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewSort {
    /// Most helpful votes first.
    Helpful,
    Newest,
    /// Fewest stars first.
    Lowest,
}

impl Review {
    pub fn find(conn: &mut DbConnection, id: ReviewId) -> Result<Review, DbError> {
        reviews::table
            .find(id)
            .select(Review::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The learner's review of the course, whatever its state.
    pub fn by_author(
        conn: &mut DbConnection,
        course: CourseId,
        author: UserId,
    ) -> Result<Option<Review>, DbError> {
        Ok(reviews::table
            .filter(reviews::course_id.eq(course))
            .filter(reviews::author_id.eq(author))
            .select(Review::as_select())
            .first(conn)
            .optional()?)
    }

    /// Writes the learner's review; `None` when they have one already
    /// (also when another request wrote it a moment ago).
    pub fn create(
        conn: &mut DbConnection,
        course: CourseId,
        author: UserId,
        text: &ReviewText<'_>,
        at: NaiveDateTime,
    ) -> Result<Option<Review>, DbError> {
        let inserted = insert_once(conn, |conn| {
            diesel::insert_into(reviews::table)
                .values((
                    reviews::course_id.eq(course),
                    reviews::author_id.eq(author),
                    reviews::rating.eq(text.rating),
                    reviews::title.eq(text.title),
                    reviews::body.eq(text.body),
                    reviews::body_html.eq(text.body_html),
                    reviews::state.eq(ReviewState::Visible),
                    reviews::created_at.eq(at),
                    reviews::updated_at.eq(at),
                ))
                .execute(conn)
        })?;
        if !inserted {
            return Ok(None);
        }
        Review::by_author(conn, course, author)
    }

    /// Replaces a visible review's stars and text and marks it edited, if
    /// its stars are still `old_rating`; false when another change came
    /// first (the counters the caller moves assume `old_rating`).
    pub fn edit(
        conn: &mut DbConnection,
        id: ReviewId,
        old_rating: i32,
        text: &ReviewText<'_>,
        at: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            reviews::table
                .filter(reviews::id.eq(id))
                .filter(reviews::rating.eq(old_rating))
                .filter(reviews::state.eq(ReviewState::Visible)),
        )
        .set((
            reviews::rating.eq(text.rating),
            reviews::title.eq(text.title),
            reviews::body.eq(text.body),
            reviews::body_html.eq(text.body_html),
            reviews::edited_at.eq(Some(at)),
            reviews::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Removes a review and its votes; returns its stars and state when
    /// this call removed it (`None`: it was gone already).
    pub fn delete(conn: &mut DbConnection, id: ReviewId) -> Result<Option<(i32, ReviewState)>, DbError> {
        diesel::delete(review_votes::table.filter(review_votes::review_id.eq(id))).execute(conn)?;
        Ok(diesel::delete(reviews::table.find(id))
            .returning((reviews::rating, reviews::state))
            .get_result(conn)
            .optional()?)
    }

    /// Hides a visible review with the moderator's reason; returns its stars
    /// when this call hid it (`None`: it was hidden or gone already).
    pub fn hide(
        conn: &mut DbConnection,
        id: ReviewId,
        by: Option<UserId>,
        reason: &str,
    ) -> Result<Option<i32>, DbError> {
        Ok(diesel::update(
            reviews::table
                .filter(reviews::id.eq(id))
                .filter(reviews::state.eq(ReviewState::Visible)),
        )
        .set((
            reviews::state.eq(ReviewState::Hidden),
            reviews::hidden_reason.eq(reason),
            reviews::hidden_by.eq(by),
            reviews::updated_at.eq(crate::now()),
        ))
        .returning(reviews::rating)
        .get_result(conn)
        .optional()?)
    }

    /// Puts the expert's reply under a visible review that has none yet;
    /// false when it has one (a reply is given once).
    pub fn set_reply(
        conn: &mut DbConnection,
        id: ReviewId,
        body: &str,
        body_html: &str,
        at: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            reviews::table
                .filter(reviews::id.eq(id))
                .filter(reviews::state.eq(ReviewState::Visible))
                .filter(reviews::reply_body.is_null()),
        )
        .set((
            reviews::reply_body.eq(Some(body)),
            reviews::reply_body_html.eq(Some(body_html)),
            reviews::replied_at.eq(Some(at)),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Moves the helpful count by `delta`, relative to what the row holds.
    pub fn add_helpful(conn: &mut DbConnection, id: ReviewId, delta: i64) -> Result<(), DbError> {
        diesel::update(reviews::table.find(id))
            .set(reviews::helpful_count.eq(reviews::helpful_count + delta))
            .execute(conn)?;
        Ok(())
    }

    /// Dates a review (and its reply, a day later) in the past: the demo
    /// community's history.
    pub fn backdate(conn: &mut DbConnection, id: ReviewId, at: NaiveDateTime) -> Result<(), DbError> {
        diesel::update(reviews::table.find(id))
            .set((reviews::created_at.eq(at), reviews::updated_at.eq(at)))
            .execute(conn)?;
        diesel::update(reviews::table.find(id).filter(reviews::replied_at.is_not_null()))
            .set(reviews::replied_at.eq(Some(at + chrono::Duration::days(1))))
            .execute(conn)?;
        Ok(())
    }

    /// One page of a course's visible reviews in `sort` order, leaving out
    /// `except`'s own (their page shows it first, apart).
    pub fn page(
        conn: &mut DbConnection,
        course: CourseId,
        sort: ReviewSort,
        except: Option<UserId>,
        page: i64,
        per_page: i64,
    ) -> Result<Vec<Review>, DbError> {
        let mut query = reviews::table
            .filter(reviews::course_id.eq(course))
            .filter(reviews::state.eq(ReviewState::Visible))
            .select(Review::as_select())
            .into_boxed();
        if let Some(author) = except {
            query = query.filter(reviews::author_id.ne(author));
        }
        query = match sort {
            ReviewSort::Helpful => query.order((reviews::helpful_count.desc(), reviews::id.desc())),
            ReviewSort::Newest => query.order((reviews::created_at.desc(), reviews::id.desc())),
            ReviewSort::Lowest => query.order((reviews::rating.asc(), reviews::id.asc())),
        };
        Ok(query
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .load(conn)?)
    }

    /// The newest visible reviews of a course (its landing page).
    pub fn newest(conn: &mut DbConnection, course: CourseId, limit: i64) -> Result<Vec<Review>, DbError> {
        Review::page(conn, course, ReviewSort::Newest, None, 1, limit)
    }
}

/// A member's "this review helped me".
pub struct ReviewVote;

impl ReviewVote {
    /// Records the vote; false when the member had voted already.
    pub fn add(conn: &mut DbConnection, review: ReviewId, user: UserId) -> Result<bool, DbError> {
        insert_once(conn, |conn| {
            diesel::insert_into(review_votes::table)
                .values((
                    review_votes::review_id.eq(review),
                    review_votes::user_id.eq(user),
                    review_votes::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })
    }

    /// Takes the vote back; false when there was none.
    pub fn remove(conn: &mut DbConnection, review: ReviewId, user: UserId) -> Result<bool, DbError> {
        let n = diesel::delete(
            review_votes::table
                .filter(review_votes::review_id.eq(review))
                .filter(review_votes::user_id.eq(user)),
        )
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Which of these reviews the member found helpful, from one query.
    pub fn voted_among(
        conn: &mut DbConnection,
        user: UserId,
        ids: &[ReviewId],
    ) -> Result<Vec<ReviewId>, DbError> {
        Ok(review_votes::table
            .filter(review_votes::user_id.eq(user))
            .filter(review_votes::review_id.eq_any(ids))
            .select(review_votes::review_id)
            .load(conn)?)
    }
}
