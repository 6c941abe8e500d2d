//! Reviewed changes: once learners can see a course, its own fields change
//! through its one pending revision, and its lessons through lesson
//! revisions that a moderator decides together with it.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::outline::{Lesson, LessonFields};
use super::{Course, CourseCard, CourseContent};
use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{chapters, course_revisions, courses, lesson_revisions, lessons, users};
use crate::types::{CourseId, LessonId, LessonRevisionId, RevisionId, RevisionState, UploadId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = course_revisions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Revision {
    pub id: RevisionId,
    pub course_id: CourseId,
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub description_html: String,
    pub outcomes: String,
    pub outcomes_html: String,
    pub price_cents: i64,
    pub state: RevisionState,
    pub review_note: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cover_upload_id: Option<UploadId>,
    /// Comma separated.
    pub tags: String,
}

impl Revision {
    pub fn content(&self) -> CourseContent {
        CourseContent {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            description: self.description.clone(),
            description_html: self.description_html.clone(),
            outcomes: self.outcomes.clone(),
            outcomes_html: self.outcomes_html.clone(),
            price_cents: self.price_cents,
            cover_upload_id: self.cover_upload_id,
            tags: self
                .tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    pub fn find(conn: &mut DbConnection, id: RevisionId) -> Result<Revision, DbError> {
        course_revisions::table
            .find(id)
            .select(Revision::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn pending_for(conn: &mut DbConnection, course_id: CourseId) -> Result<Option<Revision>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq(course_id))
            .filter(course_revisions::state.eq(RevisionState::Pending))
            .select(Revision::as_select())
            .first(conn)
            .optional()?)
    }

    /// Which of these courses have a pending revision, from one query.
    pub fn pending_among(
        conn: &mut DbConnection,
        course_ids: &[CourseId],
    ) -> Result<HashSet<CourseId>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq_any(course_ids))
            .filter(course_revisions::state.eq(RevisionState::Pending))
            .select(course_revisions::course_id)
            .load::<CourseId>(conn)?
            .into_iter()
            .collect())
    }

    /// The last decided revision, to show the owner a rejection note.
    pub fn last_decided(conn: &mut DbConnection, course_id: CourseId) -> Result<Option<Revision>, DbError> {
        Ok(course_revisions::table
            .filter(course_revisions::course_id.eq(course_id))
            .filter(course_revisions::state.ne(RevisionState::Pending))
            .order(course_revisions::id.desc())
            .select(Revision::as_select())
            .first(conn)
            .optional()?)
    }

    /// Writes `content` into the course's pending revision, opening one if
    /// there is none.
    pub fn propose(
        conn: &mut DbConnection,
        course_id: CourseId,
        content: &CourseContent,
    ) -> Result<RevisionId, DbError> {
        let now = crate::now();
        let fields = (
            course_revisions::title.eq(&content.title),
            course_revisions::subtitle.eq(&content.subtitle),
            course_revisions::description.eq(&content.description),
            course_revisions::description_html.eq(&content.description_html),
            course_revisions::outcomes.eq(&content.outcomes),
            course_revisions::outcomes_html.eq(&content.outcomes_html),
            course_revisions::price_cents.eq(content.price_cents),
            course_revisions::cover_upload_id.eq(content.cover_upload_id),
            course_revisions::tags.eq(content.tags.join(",")),
            course_revisions::updated_at.eq(now),
        );
        match Revision::pending_for(conn, course_id)? {
            Some(p) => {
                diesel::update(course_revisions::table.find(p.id))
                    .set(fields)
                    .execute(conn)?;
                Ok(p.id)
            }
            None => Ok(diesel::insert_into(course_revisions::table)
                .values((
                    fields,
                    course_revisions::course_id.eq(course_id),
                    course_revisions::state.eq(RevisionState::Pending),
                    course_revisions::created_at.eq(now),
                ))
                .returning(course_revisions::id)
                .get_result(conn)?),
        }
    }

    /// The course's pending revision; one carrying the live content is
    /// opened when there is none (an outline change waits in it).
    pub fn ensure_pending(conn: &mut DbConnection, course: &Course) -> Result<RevisionId, DbError> {
        match Revision::pending_for(conn, course.id)? {
            Some(p) => {
                diesel::update(course_revisions::table.find(p.id))
                    .set(course_revisions::updated_at.eq(crate::now()))
                    .execute(conn)?;
                Ok(p.id)
            }
            None => {
                let live = course.content(conn)?;
                Revision::propose(conn, course.id, &live)
            }
        }
    }

    /// Drops the pending revision when it no longer changes anything: its
    /// content is the live one and no outline change waits. True if dropped.
    pub fn drop_if_empty(conn: &mut DbConnection, course: &Course) -> Result<bool, DbError> {
        let Some(pending) = Revision::pending_for(conn, course.id)? else {
            return Ok(false);
        };
        if pending.content() != course.content(conn)? || outline_changes_wait(conn, course.id)? {
            return Ok(false);
        }
        diesel::delete(course_revisions::table.find(pending.id)).execute(conn)?;
        Ok(true)
    }

    /// Pending revisions with their courses, oldest first.
    pub fn queue(conn: &mut DbConnection) -> Result<Vec<(Revision, CourseCard)>, DbError> {
        let rows: Vec<(Revision, Course, String, String)> = course_revisions::table
            .inner_join(courses::table.inner_join(users::table))
            .filter(course_revisions::state.eq(RevisionState::Pending))
            .order(course_revisions::updated_at.asc())
            .select((
                Revision::as_select(),
                Course::as_select(),
                users::username,
                users::display_name,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(r, course, owner_username, owner_display_name)| {
                (
                    r,
                    CourseCard {
                        course,
                        owner_username,
                        owner_display_name,
                    },
                )
            })
            .collect())
    }

    /// Closes a pending revision as approved or rejected; false when it was
    /// no longer pending. Applying its content is the caller's.
    pub fn close(
        conn: &mut DbConnection,
        id: RevisionId,
        to: RevisionState,
        moderator: Option<UserId>,
        note: &str,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            course_revisions::table
                .find(id)
                .filter(course_revisions::state.eq(RevisionState::Pending)),
        )
        .set((
            course_revisions::state.eq(to),
            course_revisions::review_note.eq(note),
            course_revisions::decided_by.eq(moderator),
            course_revisions::decided_at.eq(Some(crate::now())),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}

/// Whether outline changes of the course wait for review: a lesson
/// revision, a new chapter title, or a chapter or lesson not yet approved.
pub fn outline_changes_wait(conn: &mut DbConnection, course_id: CourseId) -> Result<bool, DbError> {
    let lesson_revisions: bool = diesel::select(diesel::dsl::exists(
        lesson_revisions::table
            .filter(lesson_revisions::course_id.eq(course_id))
            .filter(lesson_revisions::state.eq(RevisionState::Pending)),
    ))
    .get_result(conn)?;
    let chapters: bool = diesel::select(diesel::dsl::exists(
        chapters::table
            .filter(chapters::course_id.eq(course_id))
            .filter(chapters::hidden.eq(false))
            .filter(
                chapters::approved
                    .eq(false)
                    .or(chapters::pending_title.is_not_null()),
            ),
    ))
    .get_result(conn)?;
    let lessons: bool = diesel::select(diesel::dsl::exists(
        lessons::table
            .filter(lessons::course_id.eq(course_id))
            .filter(lessons::hidden.eq(false))
            .filter(lessons::approved.eq(false)),
    ))
    .get_result(conn)?;
    Ok(lesson_revisions || chapters || lessons)
}

/// A proposed change to a lesson that learners can already read.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = lesson_revisions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LessonRevision {
    pub id: LessonRevisionId,
    pub lesson_id: LessonId,
    pub course_id: CourseId,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub media_upload_id: Option<UploadId>,
    pub task_instructions: String,
    pub task_instructions_html: String,
    pub task_kind: Option<String>,
    pub state: RevisionState,
    pub review_note: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub task_due_days: Option<i32>,
    pub task_max_score: i32,
    pub task_required: bool,
}

impl LessonRevision {
    pub fn fields(&self) -> LessonFields {
        LessonFields {
            title: self.title.clone(),
            body: self.body.clone(),
            body_html: self.body_html.clone(),
            free_preview: self.free_preview,
            duration_minutes: self.duration_minutes,
            task_instructions: self.task_instructions.clone(),
            task_instructions_html: self.task_instructions_html.clone(),
            task_kind: self.task_kind.clone(),
            task_due_days: self.task_due_days,
            task_max_score: self.task_max_score,
            task_required: self.task_required,
        }
    }

    pub fn pending_for_lesson(
        conn: &mut DbConnection,
        lesson_id: LessonId,
    ) -> Result<Option<LessonRevision>, DbError> {
        Ok(lesson_revisions::table
            .filter(lesson_revisions::lesson_id.eq(lesson_id))
            .filter(lesson_revisions::state.eq(RevisionState::Pending))
            .select(LessonRevision::as_select())
            .first(conn)
            .optional()?)
    }

    /// The revision that proposes this media file, if any (its owner and
    /// moderators may look at it before it is approved).
    pub fn find_by_media(
        conn: &mut DbConnection,
        upload_id: UploadId,
    ) -> Result<Option<LessonRevision>, DbError> {
        Ok(lesson_revisions::table
            .filter(lesson_revisions::media_upload_id.eq(upload_id))
            .select(LessonRevision::as_select())
            .first(conn)
            .optional()?)
    }

    /// The pending lesson revisions of these courses, from one query.
    pub fn pending_among(
        conn: &mut DbConnection,
        course_ids: &[CourseId],
    ) -> Result<Vec<LessonRevision>, DbError> {
        Ok(lesson_revisions::table
            .filter(lesson_revisions::course_id.eq_any(course_ids))
            .filter(lesson_revisions::state.eq(RevisionState::Pending))
            .order(lesson_revisions::id.asc())
            .select(LessonRevision::as_select())
            .load(conn)?)
    }

    /// The course's pending lesson revisions, in lesson order.
    pub fn pending_for_course(
        conn: &mut DbConnection,
        course_id: CourseId,
    ) -> Result<Vec<LessonRevision>, DbError> {
        Ok(lesson_revisions::table
            .inner_join(lessons::table)
            .filter(lesson_revisions::course_id.eq(course_id))
            .filter(lesson_revisions::state.eq(RevisionState::Pending))
            .order((lessons::chapter_id.asc(), lessons::position.asc()))
            .select(LessonRevision::as_select())
            .load(conn)?)
    }

    /// Writes the lesson's proposed state (every field, and its media) into
    /// its pending revision; a proposal equal to the live lesson withdraws
    /// it. Returns the media of a replaced proposal that nothing holds now.
    pub fn propose(
        conn: &mut DbConnection,
        lesson: &Lesson,
        fields: &LessonFields,
        media: Option<UploadId>,
    ) -> Result<Option<UploadId>, DbError> {
        let pending = LessonRevision::pending_for_lesson(conn, lesson.id)?;
        let dropped_media = pending
            .as_ref()
            .and_then(|p| p.media_upload_id)
            .filter(|m| Some(*m) != media && Some(*m) != lesson.media_upload_id);
        if *fields == lesson.fields() && media == lesson.media_upload_id {
            if let Some(p) = pending {
                diesel::delete(lesson_revisions::table.find(p.id)).execute(conn)?;
            }
            return Ok(dropped_media);
        }
        let now = crate::now();
        let values = (
            lesson_revisions::title.eq(&fields.title),
            lesson_revisions::body.eq(&fields.body),
            lesson_revisions::body_html.eq(&fields.body_html),
            lesson_revisions::free_preview.eq(fields.free_preview),
            lesson_revisions::duration_minutes.eq(fields.duration_minutes),
            lesson_revisions::media_upload_id.eq(media),
            lesson_revisions::task_instructions.eq(&fields.task_instructions),
            lesson_revisions::task_instructions_html.eq(&fields.task_instructions_html),
            lesson_revisions::task_kind.eq(&fields.task_kind),
            lesson_revisions::task_due_days.eq(fields.task_due_days),
            lesson_revisions::task_max_score.eq(fields.task_max_score),
            lesson_revisions::task_required.eq(fields.task_required),
            lesson_revisions::updated_at.eq(now),
        );
        match pending {
            Some(p) => {
                diesel::update(lesson_revisions::table.find(p.id))
                    .set(values)
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(lesson_revisions::table)
                    .values((
                        values,
                        lesson_revisions::lesson_id.eq(lesson.id),
                        lesson_revisions::course_id.eq(lesson.course_id),
                        lesson_revisions::state.eq(RevisionState::Pending),
                        lesson_revisions::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(dropped_media)
    }

    /// Closes every pending lesson revision of the course; approved ones are
    /// written into their lessons. Returns the media that nothing holds any
    /// more: a replaced lesson's old media, a rejected proposal's new one.
    pub fn close_pending(
        conn: &mut DbConnection,
        course_id: CourseId,
        to: RevisionState,
        moderator: Option<UserId>,
        note: &str,
    ) -> Result<Vec<UploadId>, DbError> {
        let mut released = Vec::new();
        for revision in LessonRevision::pending_for_course(conn, course_id)? {
            let lesson = Lesson::find(conn, revision.lesson_id)?;
            if to == RevisionState::Approved {
                Lesson::update(conn, lesson.id, &revision.fields())?;
                Lesson::set_media(conn, lesson.id, revision.media_upload_id)?;
                released.extend(
                    lesson
                        .media_upload_id
                        .filter(|m| Some(*m) != revision.media_upload_id),
                );
            } else {
                released.extend(
                    revision
                        .media_upload_id
                        .filter(|m| Some(*m) != lesson.media_upload_id),
                );
            }
            diesel::update(lesson_revisions::table.find(revision.id))
                .set((
                    lesson_revisions::state.eq(to),
                    lesson_revisions::review_note.eq(note),
                    lesson_revisions::decided_by.eq(moderator),
                    lesson_revisions::decided_at.eq(Some(crate::now())),
                ))
                .execute(conn)?;
        }
        Ok(released)
    }
}
