//! What the studio's pages show, read in one call each: the expert's
//! courses, a course with its outline and waiting changes, a chapter, a
//! lesson (as its owner last wrote it).

use std::collections::HashSet;

use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::revisions::outline_changes_wait;
use klearn_db::courses::{
    Audience, Chapter, Course, CourseContent, Lesson, LessonFields, LessonRevision, Outline, Revision,
};
use klearn_db::uploads::Upload;
use klearn_db::{ChapterId, CourseId, DbConnection, DbError, LessonId, UserId};

use crate::studio::views::StudioRow;

/// The expert's courses with whether a revision of each waits.
pub fn courses_of(conn: &mut DbConnection, owner: UserId) -> Result<Vec<StudioRow>, DbError> {
    let courses = Course::list_by_owner(conn, owner)?;
    let ids: Vec<CourseId> = courses.iter().map(|c| c.id).collect();
    let pending = Revision::pending_among(conn, &ids)?;
    Ok(courses
        .into_iter()
        .map(|course| StudioRow {
            pending_revision: pending.contains(&course.id),
            course,
        })
        .collect())
}

/// A course as its studio page shows it.
pub struct CoursePage {
    pub course: Course,
    /// What learners see of it now (its tags included).
    pub live: CourseContent,
    pub outline: Outline,
    pub pending: Option<Revision>,
    pub last_decided: Option<Revision>,
    pub categories: Vec<Category>,
    pub cover_url: Option<String>,
    /// The lessons whose changes wait for review.
    pub revised_lessons: HashSet<LessonId>,
    /// Changes of the outline wait for review.
    pub outline_waits: bool,
}

impl CoursePage {
    pub fn load(conn: &mut DbConnection, owner: UserId, id: CourseId) -> Result<CoursePage, DbError> {
        let course = Course::find_owned(conn, id, owner)?;
        let pending = Revision::pending_for(conn, course.id)?;
        // The cover the owner last chose: the proposed one while a revision waits.
        let cover = pending
            .as_ref()
            .map_or(course.cover_upload_id, |p| p.cover_upload_id);
        let cover_url = match cover {
            Some(id) => Some(crate::uploads::media_url(&Upload::find(conn, id)?)),
            None => None,
        };
        Ok(CoursePage {
            outline: Lesson::outline(conn, course.id, Audience::Studio)?,
            last_decided: Revision::last_decided(conn, course.id)?,
            categories: Category::list(conn, COURSE)?,
            revised_lessons: LessonRevision::pending_for_course(conn, course.id)?
                .into_iter()
                .map(|r| r.lesson_id)
                .collect(),
            outline_waits: course.was_published() && outline_changes_wait(conn, course.id)?,
            live: course.content(conn)?,
            cover_url,
            pending,
            course,
        })
    }
}

/// A chapter of the owner's that was not removed, with its course.
pub fn chapter_of(
    conn: &mut DbConnection,
    owner: UserId,
    id: ChapterId,
) -> Result<(Chapter, Course), DbError> {
    let chapter = Chapter::find(conn, id)?;
    let course = Course::find_owned(conn, chapter.course_id, owner)?;
    if chapter.hidden {
        return Err(DbError::NotFound);
    }
    Ok((chapter, course))
}

/// A lesson of the owner's as they last wrote it (its waiting revision, if
/// any), with its chapter, course and the name of its media file.
pub struct LessonPage {
    pub lesson: Lesson,
    pub fields: LessonFields,
    pub chapter: Chapter,
    pub course: Course,
    pub media_name: Option<String>,
}

impl LessonPage {
    pub fn load(conn: &mut DbConnection, owner: UserId, id: LessonId) -> Result<LessonPage, DbError> {
        let lesson = Lesson::find(conn, id)?;
        let course = Course::find_owned(conn, lesson.course_id, owner)?;
        if lesson.hidden {
            return Err(DbError::NotFound);
        }
        let chapter = Chapter::find(conn, lesson.chapter_id)?;
        let revision = LessonRevision::pending_for_lesson(conn, lesson.id)?;
        let (fields, media) = match &revision {
            Some(r) => (r.fields(), r.media_upload_id),
            None => (lesson.fields(), lesson.media_upload_id),
        };
        let media_name = match media {
            Some(id) => Some(Upload::find(conn, id)?.original_name),
            None => None,
        };
        Ok(LessonPage {
            lesson,
            fields,
            chapter,
            course,
            media_name,
        })
    }
}
