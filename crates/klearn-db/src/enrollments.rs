//! Who may learn what (enrollments), and how far each learner got (progress
//! per lesson: first and last opened, completed).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::courses::{Course, CourseCard};
use crate::error::DbError;
use crate::schema::{courses, enrollments, lesson_progress, lessons, users};
use crate::types::{CourseId, LessonId, OrderId, UserId};

pub const FREE: &str = "free";
pub const PURCHASE: &str = "purchase";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrollments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Enrollment {
    pub id: i64,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub source: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lesson_progress)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LessonProgress {
    pub id: i64,
    pub user_id: UserId,
    pub lesson_id: LessonId,
    pub course_id: CourseId,
    pub first_opened_at: NaiveDateTime,
    pub last_opened_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

/// A course on a learner's `/learn` page.
#[derive(Debug, Clone)]
pub struct LearningCourse {
    pub card: CourseCard,
    pub lessons: i64,
    pub completed: i64,
    pub last_opened: Option<NaiveDateTime>,
}

impl Enrollment {
    /// Enrolls the user (from `order` when they bought it); the course's
    /// learner count moves in the same transaction. Enrolling twice is
    /// harmless, also when two transactions try at once: false the second time.
    pub fn enroll(
        conn: &mut DbConnection,
        user_id: UserId,
        course_id: CourseId,
        source: &str,
        order: Option<OrderId>,
    ) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            if Enrollment::is_enrolled(conn, user_id, course_id)? {
                return Ok(false);
            }
            let inserted = crate::orders::insert_once(conn, |conn| {
                diesel::insert_into(enrollments::table)
                    .values((
                        enrollments::user_id.eq(user_id),
                        enrollments::course_id.eq(course_id),
                        enrollments::source.eq(source),
                        enrollments::created_at.eq(crate::now()),
                        enrollments::order_id.eq(order),
                    ))
                    .execute(conn)
            })?;
            if inserted {
                diesel::update(courses::table.find(course_id))
                    .set(courses::learners_count.eq(courses::learners_count + 1))
                    .execute(conn)?;
                crate::experts::refresh_figures(conn, course_id)?;
                // Course cards and pages show the count.
                crate::generations::bump(conn, crate::generations::SITE)?;
            }
            Ok(inserted)
        })
    }

    /// Takes back the enrollment `order` bought (a refund): the learner
    /// loses access, the course's learner count and its expert's figures
    /// follow in the same transaction. False when there was none.
    pub fn withdraw(
        conn: &mut DbConnection,
        user_id: UserId,
        course_id: CourseId,
        order: OrderId,
    ) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let n = diesel::delete(
                enrollments::table
                    .filter(enrollments::user_id.eq(user_id))
                    .filter(enrollments::course_id.eq(course_id))
                    .filter(enrollments::order_id.eq(order)),
            )
            .execute(conn)?;
            if n == 0 {
                return Ok(false);
            }
            diesel::update(courses::table.find(course_id))
                .set(courses::learners_count.eq(courses::learners_count - 1))
                .execute(conn)?;
            crate::experts::refresh_figures(conn, course_id)?;
            crate::generations::bump(conn, crate::generations::SITE)?;
            Ok(true)
        })
    }

    /// Which of these courses the user is enrolled in, from one query.
    pub fn owned_among(
        conn: &mut DbConnection,
        user_id: UserId,
        course_ids: &[CourseId],
    ) -> Result<Vec<CourseId>, DbError> {
        Ok(enrollments::table
            .filter(enrollments::user_id.eq(user_id))
            .filter(enrollments::course_id.eq_any(course_ids))
            .select(enrollments::course_id)
            .load(conn)?)
    }

    pub fn is_enrolled(
        conn: &mut DbConnection,
        user_id: UserId,
        course_id: CourseId,
    ) -> Result<bool, DbError> {
        let n: i64 = enrollments::table
            .filter(enrollments::user_id.eq(user_id))
            .filter(enrollments::course_id.eq(course_id))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    /// When the user enrolled in the course, if they did.
    pub fn enrolled_at(
        conn: &mut DbConnection,
        user_id: UserId,
        course_id: CourseId,
    ) -> Result<Option<NaiveDateTime>, DbError> {
        Ok(enrollments::table
            .filter(enrollments::user_id.eq(user_id))
            .filter(enrollments::course_id.eq(course_id))
            .select(enrollments::created_at)
            .first(conn)
            .optional()?)
    }

    /// The user's courses with lesson and completion counts, from three queries.
    pub fn learning(conn: &mut DbConnection, user_id: UserId) -> Result<Vec<LearningCourse>, DbError> {
        let rows: Vec<(Course, String, String)> = enrollments::table
            .inner_join(courses::table.inner_join(users::table))
            .filter(enrollments::user_id.eq(user_id))
            .order(enrollments::created_at.desc())
            .select((Course::as_select(), users::username, users::display_name))
            .load(conn)?;
        let ids: Vec<CourseId> = rows.iter().map(|(c, _, _)| c.id).collect();
        let lesson_counts: HashMap<CourseId, i64> = lessons::table
            .filter(lessons::course_id.eq_any(&ids))
            .filter(lessons::hidden.eq(false))
            .filter(lessons::approved.eq(true))
            .group_by(lessons::course_id)
            .select((lessons::course_id, diesel::dsl::count_star()))
            .load::<(CourseId, i64)>(conn)?
            .into_iter()
            .collect();
        let progress: Vec<(CourseId, Option<NaiveDateTime>, NaiveDateTime)> = lesson_progress::table
            .inner_join(lessons::table)
            .filter(lesson_progress::user_id.eq(user_id))
            .filter(lesson_progress::course_id.eq_any(&ids))
            .filter(lessons::hidden.eq(false))
            .filter(lessons::approved.eq(true))
            .select((
                lesson_progress::course_id,
                lesson_progress::completed_at,
                lesson_progress::last_opened_at,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(course, owner_username, owner_display_name)| {
                let mine = progress.iter().filter(|(c, _, _)| *c == course.id);
                let completed = mine.clone().filter(|(_, done, _)| done.is_some()).count() as i64;
                let last_opened = mine.map(|(_, _, at)| *at).max();
                LearningCourse {
                    lessons: lesson_counts.get(&course.id).copied().unwrap_or(0),
                    completed,
                    last_opened,
                    card: CourseCard {
                        course,
                        owner_username,
                        owner_display_name,
                    },
                }
            })
            .collect())
    }
}

impl LessonProgress {
    /// Records that the learner opened the lesson (first and last time).
    pub fn record_open(
        conn: &mut DbConnection,
        user_id: UserId,
        lesson_id: LessonId,
        course_id: CourseId,
    ) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            let now = crate::now();
            let n = diesel::update(
                lesson_progress::table
                    .filter(lesson_progress::user_id.eq(user_id))
                    .filter(lesson_progress::lesson_id.eq(lesson_id)),
            )
            .set(lesson_progress::last_opened_at.eq(now))
            .execute(conn)?;
            if n == 0 {
                diesel::insert_into(lesson_progress::table)
                    .values((
                        lesson_progress::user_id.eq(user_id),
                        lesson_progress::lesson_id.eq(lesson_id),
                        lesson_progress::course_id.eq(course_id),
                        lesson_progress::first_opened_at.eq(now),
                        lesson_progress::last_opened_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
    }

    /// Marks the lesson done (or not done again).
    pub fn set_completed(
        conn: &mut DbConnection,
        user_id: UserId,
        lesson_id: LessonId,
        course_id: CourseId,
        done: bool,
    ) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            LessonProgress::record_open(conn, user_id, lesson_id, course_id)?;
            diesel::update(
                lesson_progress::table
                    .filter(lesson_progress::user_id.eq(user_id))
                    .filter(lesson_progress::lesson_id.eq(lesson_id)),
            )
            .set(lesson_progress::completed_at.eq(done.then(crate::now)))
            .execute(conn)?;
            Ok(())
        })
    }

    pub fn for_course(
        conn: &mut DbConnection,
        user_id: UserId,
        course_id: CourseId,
    ) -> Result<Vec<LessonProgress>, DbError> {
        Ok(lesson_progress::table
            .filter(lesson_progress::user_id.eq(user_id))
            .filter(lesson_progress::course_id.eq(course_id))
            .select(LessonProgress::as_select())
            .load(conn)?)
    }

    /// The lessons the learner marked done in these courses.
    pub fn done_in(
        conn: &mut DbConnection,
        user_id: UserId,
        course_ids: &[CourseId],
    ) -> Result<std::collections::HashSet<LessonId>, DbError> {
        Ok(lesson_progress::table
            .filter(lesson_progress::user_id.eq(user_id))
            .filter(lesson_progress::course_id.eq_any(course_ids))
            .filter(lesson_progress::completed_at.is_not_null())
            .select(lesson_progress::lesson_id)
            .load::<LessonId>(conn)?
            .into_iter()
            .collect())
    }

    pub fn has_opened(
        conn: &mut DbConnection,
        user_id: UserId,
        lesson_id: LessonId,
    ) -> Result<bool, DbError> {
        let n: i64 = lesson_progress::table
            .filter(lesson_progress::user_id.eq(user_id))
            .filter(lesson_progress::lesson_id.eq(lesson_id))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }
}
