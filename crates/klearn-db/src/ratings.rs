//! A course's ratings as its row keeps them: the sum and count of its
//! visible reviews' stars, how many gave each star (`rating_1` … `rating_5`)
//! and the Bayesian score the catalogue's rating sort orders by,
//! round((m·C + sum) × 1,000,000 / (m + n)), with m = `RATING_PRIOR_WEIGHT`
//! and C the site's mean rating (`site_figures::RATING_MEAN_MICROS`). The
//! counters move by relative updates in the transaction of the review that
//! changes them, so two reviews at once never lose one; the score is
//! recomputed from the row as it is then, by the same expression the daily
//! refresh uses for every course.

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::courses;
use crate::site_figures::{self, RATING_MEAN_MICROS};
use crate::types::{CourseId, CourseState, UserId, RATING_PRIOR_WEIGHT};

/// C before the first refresh has worked out the site's mean (no course was
/// rated yet): four stars in millionths, a usual mean on review sites. The
/// refresh stores the real mean, and every score follows it from then on.
pub const DEFAULT_MEAN_MICROS: i64 = 4_000_000;

/// How many visible reviews gave each star, one to five.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = courses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StarCounts {
    pub rating_1: i64,
    pub rating_2: i64,
    pub rating_3: i64,
    pub rating_4: i64,
    pub rating_5: i64,
}

impl StarCounts {
    /// The counts from one star to five.
    pub fn by_star(&self) -> [i64; 5] {
        [
            self.rating_1,
            self.rating_2,
            self.rating_3,
            self.rating_4,
            self.rating_5,
        ]
    }

    /// A course's counts.
    pub fn of_course(conn: &mut DbConnection, id: CourseId) -> Result<StarCounts, DbError> {
        courses::table
            .find(id)
            .select(StarCounts::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The counts of all an expert's published courses added up (an expert
    /// has a handful of courses: they are added here, not in SQL, whose SUM
    /// of a BIGINT is a NUMERIC on PostgreSQL).
    pub fn of_owner(conn: &mut DbConnection, owner: UserId) -> Result<StarCounts, DbError> {
        let rows: Vec<StarCounts> = courses::table
            .filter(courses::owner_id.eq(owner))
            .filter(courses::state.eq(CourseState::Published))
            .select(StarCounts::as_select())
            .load(conn)?;
        Ok(rows.iter().fold(StarCounts::default(), |a, c| StarCounts {
            rating_1: a.rating_1 + c.rating_1,
            rating_2: a.rating_2 + c.rating_2,
            rating_3: a.rating_3 + c.rating_3,
            rating_4: a.rating_4 + c.rating_4,
            rating_5: a.rating_5 + c.rating_5,
        }))
    }
}

/// What a change of one review does to its course's counters: a rating
/// that stops counting (deleted, hidden, or the old one of an edit) and one
/// that starts (written, or the new one of an edit). Ratings are 1 to 5.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingChange {
    pub removed: Option<i32>,
    pub added: Option<i32>,
}

impl RatingChange {
    pub fn added(rating: i32) -> Self {
        RatingChange {
            removed: None,
            added: Some(rating),
        }
    }

    pub fn removed(rating: i32) -> Self {
        RatingChange {
            removed: Some(rating),
            added: None,
        }
    }

    pub fn replaced(old: i32, new: i32) -> Self {
        RatingChange {
            removed: Some(old),
            added: Some(new),
        }
    }

    /// Whether the counters move at all.
    pub fn is_none(&self) -> bool {
        self.removed == self.added
    }

    /// (sum, count, per-star) deltas.
    fn deltas(&self) -> (i64, i64, [i64; 5]) {
        let mut stars = [0i64; 5];
        let (mut sum, mut count) = (0, 0);
        for (rating, sign) in [(self.removed, -1), (self.added, 1)] {
            if let Some(r) = rating {
                sum += sign * i64::from(r);
                count += sign;
                stars[(r.clamp(1, 5) - 1) as usize] += sign;
            }
        }
        (sum, count, stars)
    }
}

/// The site's mean rating in millionths, as the last refresh stored it.
pub fn mean_micros(conn: &mut DbConnection) -> Result<i64, DbError> {
    Ok(site_figures::get(conn, RATING_MEAN_MICROS)?.unwrap_or(DEFAULT_MEAN_MICROS))
}

/// Moves a course's counters by `change` and recomputes its score, inside
/// the caller's transaction. Call it only when the caller's transaction
/// wrote the review row that the change describes.
pub fn apply(conn: &mut DbConnection, course: CourseId, change: RatingChange) -> Result<(), DbError> {
    if change.is_none() {
        return Ok(());
    }
    let (sum, count, stars) = change.deltas();
    diesel::update(courses::table.find(course))
        .set((
            courses::rating_sum.eq(courses::rating_sum + sum),
            courses::rating_count.eq(courses::rating_count + count),
            courses::rating_1.eq(courses::rating_1 + stars[0]),
            courses::rating_2.eq(courses::rating_2 + stars[1]),
            courses::rating_3.eq(courses::rating_3 + stars[2]),
            courses::rating_4.eq(courses::rating_4 + stars[3]),
            courses::rating_5.eq(courses::rating_5 + stars[4]),
        ))
        .execute(conn)?;
    crate::experts::refresh_figures(conn, course)?;
    let mean = mean_micros(conn)?;
    rescore(conn, Some(course), mean)?;
    Ok(())
}

/// Recomputes the score of one course (or of every course) from its row:
/// round((m·C + sum) × 1,000,000 / (m + n)) with C = `mean_micros` / 10⁶,
/// in integers, (2·num + den) div (2·den), so that both databases round
/// alike and a course's score is the same whether a review or the daily
/// refresh wrote it. Only the rows whose score moves are written; returns
/// how many.
pub fn rescore(
    conn: &mut DbConnection,
    course: Option<CourseId>,
    mean_micros: i64,
) -> Result<usize, DbError> {
    let m = RATING_PRIOR_WEIGHT;
    // 2·num + den = 2·m·C + 2·10⁶·sum + m + n; 2·den = 2·n + 2·m.
    let score = (courses::rating_sum * 2_000_000i64 + courses::rating_count + (2 * m * mean_micros + m))
        / (courses::rating_count * 2i64 + 2 * m);
    Ok(match course {
        Some(id) => diesel::update(courses::table.find(id))
            .filter(courses::rating_score.ne(score))
            .set(courses::rating_score.eq(score))
            .execute(conn)?,
        // Only the scores that move are written: rewriting every row would
        // leave PostgreSQL a dead version of each course in every index.
        None => diesel::update(courses::table.filter(courses::rating_score.ne(score)))
            .set(courses::rating_score.eq(score))
            .execute(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_move_sum_count_and_the_right_stars() {
        assert_eq!(RatingChange::added(4).deltas(), (4, 1, [0, 0, 0, 1, 0]));
        assert_eq!(RatingChange::removed(1).deltas(), (-1, -1, [-1, 0, 0, 0, 0]));
        assert_eq!(RatingChange::replaced(5, 2).deltas(), (-3, 0, [0, 1, 0, 0, -1]));
        assert!(RatingChange::replaced(3, 3).is_none());
        assert!(!RatingChange::added(3).is_none());
    }
}
