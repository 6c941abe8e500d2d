//! Learners' submissions to lesson tasks: handing in (and again, until
//! graded), grading or returning for rework, the expert's grading queue, and
//! what a learner's pages show of their work.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{enrollments, lessons, submissions, uploads, users};
use crate::types::{CourseId, LessonId, SubmissionId, SubmissionState, ThreadId, UploadId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = submissions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Submission {
    pub id: SubmissionId,
    pub lesson_id: LessonId,
    pub course_id: CourseId,
    pub learner_id: UserId,
    pub state: SubmissionState,
    pub answer: String,
    pub answer_html: String,
    pub link: String,
    pub upload_id: Option<UploadId>,
    /// How many times it was handed in.
    pub attempts: i32,
    pub score: Option<i32>,
    /// The expert's feedback (a pass) or note (rework).
    pub feedback: String,
    pub feedback_html: String,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<NaiveDateTime>,
    /// The board thread where the learner shared it after grading.
    pub shared_thread_id: Option<ThreadId>,
    pub submitted_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a learner hands in.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    pub answer: &'a str,
    pub answer_html: &'a str,
    pub link: &'a str,
    pub upload_id: Option<UploadId>,
}

/// The expert's decision on a submission.
#[derive(Debug, Clone)]
pub struct Grade<'a> {
    /// `Passed` with a score, or `Returned` for rework.
    pub outcome: SubmissionState,
    pub score: Option<i32>,
    pub feedback: &'a str,
    pub feedback_html: &'a str,
    pub by: UserId,
}

/// A submission in the grading queue, with whose it is and for which lesson.
#[derive(Debug, Clone)]
pub struct QueuedSubmission {
    pub submission: Submission,
    pub learner_username: String,
    pub learner_name: String,
    pub lesson_title: String,
    pub max_score: i32,
    pub due_days: Option<i32>,
    /// When the learner enrolled (due dates count from it).
    pub enrolled_at: Option<NaiveDateTime>,
    /// The file handed in: its stored and original names.
    pub file: Option<(String, String)>,
}

/// One page of the grading queue, oldest first.
pub const QUEUE_PAGE: i64 = 30;

impl Submission {
    pub fn find(conn: &mut DbConnection, id: SubmissionId) -> Result<Submission, DbError> {
        submissions::table
            .find(id)
            .select(Submission::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The learner's submission to the lesson's task, if any.
    pub fn of_learner(
        conn: &mut DbConnection,
        learner: UserId,
        lesson: LessonId,
    ) -> Result<Option<Submission>, DbError> {
        Ok(submissions::table
            .filter(submissions::learner_id.eq(learner))
            .filter(submissions::lesson_id.eq(lesson))
            .select(Submission::as_select())
            .first(conn)
            .optional()?)
    }

    /// The learner's submissions in these courses.
    pub fn of_learner_in(
        conn: &mut DbConnection,
        learner: UserId,
        courses: &[CourseId],
    ) -> Result<Vec<Submission>, DbError> {
        Ok(submissions::table
            .filter(submissions::learner_id.eq(learner))
            .filter(submissions::course_id.eq_any(courses))
            .order(submissions::id)
            .select(Submission::as_select())
            .load(conn)?)
    }

    /// Hands in: a first submission, or a new answer to one not yet passed
    /// (back to `submitted`, one more attempt). Returns the submission and
    /// the file the new answer replaced; `None` when it has passed already.
    pub fn hand_in(
        conn: &mut DbConnection,
        learner: UserId,
        lesson: LessonId,
        course: CourseId,
        answer: &Answer,
    ) -> Result<Option<(Submission, Option<UploadId>)>, DbError> {
        let now = crate::now();
        let before = Submission::of_learner(conn, learner, lesson)?;
        if let Some(before) = before {
            // Only a submission not passed in the meantime takes the answer.
            let n = diesel::update(
                submissions::table
                    .find(before.id)
                    .filter(submissions::state.ne(SubmissionState::Passed)),
            )
            .set((
                submissions::state.eq(SubmissionState::Submitted),
                submissions::answer.eq(answer.answer),
                submissions::answer_html.eq(answer.answer_html),
                submissions::link.eq(answer.link),
                submissions::upload_id.eq(answer.upload_id),
                submissions::attempts.eq(submissions::attempts + 1),
                submissions::submitted_at.eq(now),
                submissions::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Ok(None);
            }
            let replaced = before.upload_id.filter(|id| Some(*id) != answer.upload_id);
            return Ok(Some((Submission::find(conn, before.id)?, replaced)));
        }
        let inserted = insert_once(conn, |conn| {
            diesel::insert_into(submissions::table)
                .values((
                    submissions::lesson_id.eq(lesson),
                    submissions::course_id.eq(course),
                    submissions::learner_id.eq(learner),
                    submissions::state.eq(SubmissionState::Submitted),
                    submissions::answer.eq(answer.answer),
                    submissions::answer_html.eq(answer.answer_html),
                    submissions::link.eq(answer.link),
                    submissions::upload_id.eq(answer.upload_id),
                    submissions::submitted_at.eq(now),
                    submissions::created_at.eq(now),
                    submissions::updated_at.eq(now),
                ))
                .execute(conn)
        })?;
        if !inserted {
            // Handed in twice at once: the other one is the first attempt.
            return Submission::hand_in(conn, learner, lesson, course, answer);
        }
        let saved = Submission::of_learner(conn, learner, lesson)?.ok_or(DbError::NotFound)?;
        Ok(Some((saved, None)))
    }

    /// Records the expert's decision on a submission waiting for one; false
    /// when it was not waiting (graded meanwhile, or handed in again).
    pub fn grade(
        conn: &mut DbConnection,
        id: SubmissionId,
        attempts: i32,
        grade: &Grade,
    ) -> Result<bool, DbError> {
        let now = crate::now();
        let n = diesel::update(
            submissions::table
                .find(id)
                .filter(submissions::state.eq(SubmissionState::Submitted))
                .filter(submissions::attempts.eq(attempts)),
        )
        .set((
            submissions::state.eq(grade.outcome),
            submissions::score.eq(grade.score),
            submissions::feedback.eq(grade.feedback),
            submissions::feedback_html.eq(grade.feedback_html),
            submissions::graded_by.eq(grade.by),
            submissions::graded_at.eq(now),
            submissions::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Records the board thread where the learner shared it.
    pub fn set_shared(conn: &mut DbConnection, id: SubmissionId, thread: ThreadId) -> Result<(), DbError> {
        diesel::update(submissions::table.find(id))
            .set(submissions::shared_thread_id.eq(thread))
            .execute(conn)?;
        Ok(())
    }

    /// The submission that holds this file, if any.
    pub fn holding_upload(conn: &mut DbConnection, upload: UploadId) -> Result<Option<Submission>, DbError> {
        Ok(submissions::table
            .filter(submissions::upload_id.eq(upload))
            .select(Submission::as_select())
            .first(conn)
            .optional()?)
    }

    /// A course's submissions in a state, oldest handed in first, one page
    /// (`page` from 1) and the first of the next, if any.
    pub fn queue(
        conn: &mut DbConnection,
        course: CourseId,
        state: SubmissionState,
        page: i64,
    ) -> Result<Vec<QueuedSubmission>, DbError> {
        type Row = (
            Submission,
            (String, String),
            (String, i32, Option<i32>),
            Option<NaiveDateTime>,
            Option<(String, String)>,
        );
        let rows: Vec<Row> = submissions::table
            .inner_join(users::table.on(users::id.eq(submissions::learner_id)))
            .inner_join(lessons::table.on(lessons::id.eq(submissions::lesson_id)))
            .left_join(
                enrollments::table.on(enrollments::user_id
                    .eq(submissions::learner_id)
                    .and(enrollments::course_id.eq(submissions::course_id))),
            )
            .left_join(uploads::table.on(submissions::upload_id.eq(uploads::id.nullable())))
            .filter(submissions::course_id.eq(course))
            .filter(submissions::state.eq(state))
            .order((submissions::submitted_at, submissions::id))
            .limit(QUEUE_PAGE + 1)
            .offset((page.max(1) - 1) * QUEUE_PAGE)
            .select((
                Submission::as_select(),
                (users::username, users::display_name),
                (lessons::title, lessons::task_max_score, lessons::task_due_days),
                enrollments::created_at.nullable(),
                (uploads::stored_name, uploads::original_name).nullable(),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    submission,
                    (learner_username, learner_name),
                    (lesson_title, max_score, due_days),
                    enrolled_at,
                    file,
                )| {
                    QueuedSubmission {
                        submission,
                        learner_username,
                        learner_name,
                        lesson_title,
                        max_score,
                        due_days,
                        enrolled_at,
                        file,
                    }
                },
            )
            .collect())
    }

    /// How many of a course's submissions are in each state.
    pub fn counts(
        conn: &mut DbConnection,
        course: CourseId,
    ) -> Result<HashMap<SubmissionState, i64>, DbError> {
        Ok(submissions::table
            .filter(submissions::course_id.eq(course))
            .group_by(submissions::state)
            .select((submissions::state, diesel::dsl::count_star()))
            .load::<(SubmissionState, i64)>(conn)?
            .into_iter()
            .collect())
    }
}
