//! A course's outline: chapters and lessons in order, what learners see of
//! it (only what a moderator approved), and its changes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::{chapters, lesson_progress, lessons};
use crate::types::{ChapterId, CourseId, LessonId, UploadId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = chapters)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Chapter {
    pub id: ChapterId,
    pub course_id: CourseId,
    pub title: String,
    pub position: i32,
    /// Removed while learners had opened its lessons: kept for them.
    pub hidden: bool,
    pub created_at: NaiveDateTime,
    /// A moderator has approved it: learners see it.
    pub approved: bool,
    /// A new title waiting for review (the chapter is live).
    pub pending_title: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = lessons)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Lesson {
    pub id: LessonId,
    pub course_id: CourseId,
    pub chapter_id: ChapterId,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub position: i32,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub media_upload_id: Option<UploadId>,
    pub task_instructions: String,
    pub task_instructions_html: String,
    pub task_kind: Option<String>,
    /// Removed after learners opened it: kept for them, never deleted.
    pub hidden: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A moderator has approved it: learners see it.
    pub approved: bool,
    /// The task is due this many days after enrollment.
    pub task_due_days: Option<i32>,
    pub task_max_score: i32,
    /// Completing the course needs the task passed.
    pub task_required: bool,
}

/// What the lesson form sets.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = lessons)]
#[diesel(treat_none_as_null = true)]
pub struct LessonFields {
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub free_preview: bool,
    pub duration_minutes: i32,
    pub task_instructions: String,
    pub task_instructions_html: String,
    pub task_kind: Option<String>,
    pub task_due_days: Option<i32>,
    pub task_max_score: i32,
    pub task_required: bool,
}

/// A lesson as progress and completion count it.
#[derive(Debug, Clone)]
pub struct LessonStep {
    pub id: LessonId,
    pub course_id: CourseId,
    pub title: String,
    pub has_task: bool,
    /// It has a task that completing the course needs passed.
    pub task_required: bool,
}

/// Up or down in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Who looks at an outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Learners and guests: what a moderator approved, nothing removed.
    Learners,
    /// The owner at work: everything not removed, approved or not.
    Studio,
    /// Everything, removed parts included (the checks of hidden lessons).
    Everything,
}

/// A course's outline: its chapters in order, each with its lessons in order.
#[derive(Debug, Clone)]
pub struct Outline {
    pub chapters: Vec<(Chapter, Vec<Lesson>)>,
}

impl Outline {
    pub fn lessons(&self) -> impl Iterator<Item = &Lesson> {
        self.chapters.iter().flat_map(|(_, l)| l.iter())
    }

    pub fn lesson_count(&self) -> usize {
        self.lessons().count()
    }

    pub fn total_minutes(&self) -> i64 {
        self.lessons().map(|l| i64::from(l.duration_minutes)).sum()
    }

    /// The lessons before and after `id` in reading order.
    pub fn neighbours(&self, id: LessonId) -> (Option<&Lesson>, Option<&Lesson>) {
        let all: Vec<&Lesson> = self.lessons().collect();
        match all.iter().position(|l| l.id == id) {
            Some(i) => (i.checked_sub(1).map(|j| all[j]), all.get(i + 1).copied()),
            None => (None, None),
        }
    }
}

impl Chapter {
    /// Adds a chapter at the end, not yet approved.
    pub fn create(conn: &mut DbConnection, course_id: CourseId, title: &str) -> Result<Chapter, DbError> {
        write_tx(conn, |conn| {
            let max: Option<i32> = chapters::table
                .filter(chapters::course_id.eq(course_id))
                .select(diesel::dsl::max(chapters::position))
                .first(conn)?;
            let id: ChapterId = diesel::insert_into(chapters::table)
                .values((
                    chapters::course_id.eq(course_id),
                    chapters::title.eq(title),
                    chapters::position.eq(max.unwrap_or(0) + 1),
                    chapters::created_at.eq(crate::now()),
                ))
                .returning(chapters::id)
                .get_result(conn)?;
            Chapter::find(conn, id)
        })
    }

    pub fn find(conn: &mut DbConnection, id: ChapterId) -> Result<Chapter, DbError> {
        chapters::table
            .find(id)
            .select(Chapter::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn rename(conn: &mut DbConnection, id: ChapterId, title: &str) -> Result<(), DbError> {
        diesel::update(chapters::table.find(id))
            .set((
                chapters::title.eq(title),
                chapters::pending_title.eq(None::<String>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Keeps a new title for review; the title equal to the live one
    /// withdraws it.
    pub fn propose_title(conn: &mut DbConnection, chapter: &Chapter, title: &str) -> Result<(), DbError> {
        let pending = (title != chapter.title).then_some(title);
        diesel::update(chapters::table.find(chapter.id))
            .set(chapters::pending_title.eq(pending))
            .execute(conn)?;
        Ok(())
    }

    /// The course's chapters with a new title waiting.
    pub fn with_pending_titles(
        conn: &mut DbConnection,
        course_id: CourseId,
    ) -> Result<Vec<Chapter>, DbError> {
        Ok(chapters::table
            .filter(chapters::course_id.eq(course_id))
            .filter(chapters::pending_title.is_not_null())
            .order(chapters::position.asc())
            .select(Chapter::as_select())
            .load(conn)?)
    }

    /// The chapters of these courses that wait for review (new ones, or
    /// with a new title), from one query.
    pub fn waiting_among(conn: &mut DbConnection, course_ids: &[CourseId]) -> Result<Vec<Chapter>, DbError> {
        Ok(chapters::table
            .filter(chapters::course_id.eq_any(course_ids))
            .filter(chapters::hidden.eq(false))
            .filter(
                chapters::approved
                    .eq(false)
                    .or(chapters::pending_title.is_not_null()),
            )
            .order((chapters::course_id.asc(), chapters::position.asc()))
            .select(Chapter::as_select())
            .load(conn)?)
    }

    /// Decides the waiting titles of a course: approved ones become the titles.
    pub fn close_pending_titles(
        conn: &mut DbConnection,
        course_id: CourseId,
        approve: bool,
    ) -> Result<(), DbError> {
        for chapter in Chapter::with_pending_titles(conn, course_id)? {
            if let (true, Some(title)) = (approve, &chapter.pending_title) {
                Chapter::rename(conn, chapter.id, title)?;
            }
        }
        diesel::update(chapters::table.filter(chapters::course_id.eq(course_id)))
            .set(chapters::pending_title.eq(None::<String>))
            .execute(conn)?;
        Ok(())
    }

    /// Swaps the chapter with its visible neighbour; false at either end.
    pub fn move_by(conn: &mut DbConnection, id: ChapterId, direction: Direction) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let me = Chapter::find(conn, id)?;
            let base = chapters::table
                .filter(chapters::course_id.eq(me.course_id))
                .filter(chapters::hidden.eq(false))
                .into_boxed();
            let other = match direction {
                Direction::Up => base
                    .filter(chapters::position.lt(me.position))
                    .order(chapters::position.desc()),
                Direction::Down => base
                    .filter(chapters::position.gt(me.position))
                    .order(chapters::position.asc()),
            }
            .select(Chapter::as_select())
            .first(conn)
            .optional()?;
            let Some(other) = other else { return Ok(false) };
            diesel::update(chapters::table.find(me.id))
                .set(chapters::position.eq(other.position))
                .execute(conn)?;
            diesel::update(chapters::table.find(other.id))
                .set(chapters::position.eq(me.position))
                .execute(conn)?;
            Ok(true)
        })
    }

    /// Deletes the chapter and its lessons, except that lessons learners have
    /// opened are hidden (and the chapter with them), never deleted. Returns
    /// the media of the deleted lessons.
    pub fn remove(conn: &mut DbConnection, id: ChapterId) -> Result<Vec<UploadId>, DbError> {
        write_tx(conn, |conn| {
            let ids: Vec<LessonId> = lessons::table
                .filter(lessons::chapter_id.eq(id))
                .select(lessons::id)
                .load(conn)?;
            let mut kept = false;
            let mut released = Vec::new();
            for lesson in ids {
                match Lesson::remove(conn, lesson)? {
                    Removed::Deleted(media) => released.extend(media),
                    Removed::Hidden => kept = true,
                }
            }
            if kept {
                diesel::update(chapters::table.find(id))
                    .set(chapters::hidden.eq(true))
                    .execute(conn)?;
            } else {
                diesel::delete(chapters::table.find(id)).execute(conn)?;
            }
            Ok(released)
        })
    }

    /// Marks every chapter and lesson of the course approved: a moderator
    /// approved the course or its revision.
    pub fn approve_all(conn: &mut DbConnection, course_id: CourseId) -> Result<(), DbError> {
        diesel::update(chapters::table.filter(chapters::course_id.eq(course_id)))
            .set(chapters::approved.eq(true))
            .execute(conn)?;
        diesel::update(lessons::table.filter(lessons::course_id.eq(course_id)))
            .set(lessons::approved.eq(true))
            .execute(conn)?;
        Ok(())
    }
}

/// What removing a lesson did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// Nobody had opened it: it is gone, with the media it held.
    Deleted(Option<UploadId>),
    /// Learners had opened it: hidden, kept for them.
    Hidden,
}

impl Lesson {
    /// Adds a lesson at the end of the chapter, not yet approved.
    pub fn create(
        conn: &mut DbConnection,
        chapter: &Chapter,
        fields: &LessonFields,
        media_upload_id: Option<UploadId>,
    ) -> Result<Lesson, DbError> {
        write_tx(conn, |conn| {
            let max: Option<i32> = lessons::table
                .filter(lessons::chapter_id.eq(chapter.id))
                .select(diesel::dsl::max(lessons::position))
                .first(conn)?;
            let now = crate::now();
            let id: LessonId = diesel::insert_into(lessons::table)
                .values((
                    lessons::course_id.eq(chapter.course_id),
                    lessons::chapter_id.eq(chapter.id),
                    lessons::title.eq(&fields.title),
                    lessons::body.eq(&fields.body),
                    lessons::body_html.eq(&fields.body_html),
                    lessons::position.eq(max.unwrap_or(0) + 1),
                    lessons::free_preview.eq(fields.free_preview),
                    lessons::duration_minutes.eq(fields.duration_minutes),
                    lessons::media_upload_id.eq(media_upload_id),
                    lessons::task_instructions.eq(&fields.task_instructions),
                    lessons::task_instructions_html.eq(&fields.task_instructions_html),
                    lessons::task_kind.eq(&fields.task_kind),
                    lessons::task_due_days.eq(fields.task_due_days),
                    lessons::task_max_score.eq(fields.task_max_score),
                    lessons::task_required.eq(fields.task_required),
                    lessons::created_at.eq(now),
                    lessons::updated_at.eq(now),
                ))
                .returning(lessons::id)
                .get_result(conn)?;
            Lesson::find(conn, id)
        })
    }

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

    pub fn find(conn: &mut DbConnection, id: LessonId) -> Result<Lesson, DbError> {
        lessons::table
            .find(id)
            .select(Lesson::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// These lessons, and the lessons of these courses that no moderator
    /// approved yet (and were not removed), from one query.
    pub fn listed_or_new(
        conn: &mut DbConnection,
        ids: &[LessonId],
        course_ids: &[CourseId],
    ) -> Result<Vec<Lesson>, DbError> {
        Ok(lessons::table
            .filter(
                lessons::id.eq_any(ids).or(lessons::course_id
                    .eq_any(course_ids)
                    .and(lessons::approved.eq(false))
                    .and(lessons::hidden.eq(false))),
            )
            .order((
                lessons::course_id.asc(),
                lessons::chapter_id.asc(),
                lessons::position.asc(),
            ))
            .select(Lesson::as_select())
            .load(conn)?)
    }

    pub fn find_by_media(conn: &mut DbConnection, upload_id: UploadId) -> Result<Option<Lesson>, DbError> {
        Ok(lessons::table
            .filter(lessons::media_upload_id.eq(upload_id))
            .select(Lesson::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn update(conn: &mut DbConnection, id: LessonId, fields: &LessonFields) -> Result<(), DbError> {
        diesel::update(lessons::table.find(id))
            .set((fields, lessons::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_media(
        conn: &mut DbConnection,
        id: LessonId,
        upload_id: Option<UploadId>,
    ) -> Result<(), DbError> {
        diesel::update(lessons::table.find(id))
            .set(lessons::media_upload_id.eq(upload_id))
            .execute(conn)?;
        Ok(())
    }

    /// Swaps the lesson with its visible neighbour in the chapter; false at either end.
    pub fn move_by(conn: &mut DbConnection, id: LessonId, direction: Direction) -> Result<bool, DbError> {
        write_tx(conn, |conn| {
            let me = Lesson::find(conn, id)?;
            let base = lessons::table
                .filter(lessons::chapter_id.eq(me.chapter_id))
                .filter(lessons::hidden.eq(false))
                .into_boxed();
            let other = match direction {
                Direction::Up => base
                    .filter(lessons::position.lt(me.position))
                    .order(lessons::position.desc()),
                Direction::Down => base
                    .filter(lessons::position.gt(me.position))
                    .order(lessons::position.asc()),
            }
            .select(Lesson::as_select())
            .first(conn)
            .optional()?;
            let Some(other) = other else { return Ok(false) };
            diesel::update(lessons::table.find(me.id))
                .set(lessons::position.eq(other.position))
                .execute(conn)?;
            diesel::update(lessons::table.find(other.id))
                .set(lessons::position.eq(me.position))
                .execute(conn)?;
            Ok(true)
        })
    }

    /// Deletes a lesson nobody has opened (with its pending revision); one
    /// that learners opened is hidden instead.
    pub fn remove(conn: &mut DbConnection, id: LessonId) -> Result<Removed, DbError> {
        write_tx(conn, |conn| {
            let opened: bool = diesel::select(diesel::dsl::exists(
                lesson_progress::table.filter(lesson_progress::lesson_id.eq(id)),
            ))
            .get_result(conn)?;
            if opened {
                diesel::update(lessons::table.find(id))
                    .set(lessons::hidden.eq(true))
                    .execute(conn)?;
                return Ok(Removed::Hidden);
            }
            let lesson = Lesson::find(conn, id)?;
            diesel::delete(
                crate::schema::lesson_revisions::table
                    .filter(crate::schema::lesson_revisions::lesson_id.eq(id)),
            )
            .execute(conn)?;
            diesel::delete(lessons::table.find(id)).execute(conn)?;
            Ok(Removed::Deleted(lesson.media_upload_id))
        })
    }

    /// The lessons learners see in these courses, in reading order per
    /// course, with what completion needs of each: one query for all.
    pub fn steps_in(conn: &mut DbConnection, course_ids: &[CourseId]) -> Result<Vec<LessonStep>, DbError> {
        let rows: Vec<(LessonId, CourseId, String, Option<String>, bool)> = lessons::table
            .inner_join(chapters::table)
            .filter(lessons::course_id.eq_any(course_ids))
            .filter(lessons::hidden.eq(false))
            .filter(lessons::approved.eq(true))
            .filter(chapters::hidden.eq(false))
            .filter(chapters::approved.eq(true))
            .order((
                lessons::course_id,
                chapters::position,
                chapters::id,
                lessons::position,
                lessons::id,
            ))
            .select((
                lessons::id,
                lessons::course_id,
                lessons::title,
                lessons::task_kind,
                lessons::task_required,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, course_id, title, task_kind, task_required)| LessonStep {
                id,
                course_id,
                title,
                has_task: task_kind.is_some(),
                task_required: task_kind.is_some() && task_required,
            })
            .collect())
    }

    /// The outline of a course as `audience` sees it.
    pub fn outline(
        conn: &mut DbConnection,
        course_id: CourseId,
        audience: Audience,
    ) -> Result<Outline, DbError> {
        let mut chapter_query = chapters::table
            .filter(chapters::course_id.eq(course_id))
            .into_boxed();
        let mut lesson_query = lessons::table
            .filter(lessons::course_id.eq(course_id))
            .into_boxed();
        if audience != Audience::Everything {
            chapter_query = chapter_query.filter(chapters::hidden.eq(false));
            lesson_query = lesson_query.filter(lessons::hidden.eq(false));
        }
        if audience == Audience::Learners {
            chapter_query = chapter_query.filter(chapters::approved.eq(true));
            lesson_query = lesson_query.filter(lessons::approved.eq(true));
        }
        let chapter_rows: Vec<Chapter> = chapter_query
            .order((chapters::position.asc(), chapters::id.asc()))
            .select(Chapter::as_select())
            .load(conn)?;
        let lesson_rows: Vec<Lesson> = lesson_query
            .order((lessons::position.asc(), lessons::id.asc()))
            .select(Lesson::as_select())
            .load(conn)?;
        let chapters = chapter_rows
            .into_iter()
            .map(|c| {
                let own: Vec<Lesson> = lesson_rows
                    .iter()
                    .filter(|l| l.chapter_id == c.id)
                    .cloned()
                    .collect();
                (c, own)
            })
            .collect();
        Ok(Outline { chapters })
    }
}
