//! A course's chapters and lessons. New chapters and lessons are not shown
//! to learners until a moderator approves them; on a course learners can
//! see, a lesson's changes (text, free preview, media, task) and a chapter's
//! new title wait for the course's revision, while moves and removals, which
//! add nothing, take effect at once. Nothing changes while it is in review.

use klearn_db::audit::{self, Object};
use klearn_db::courses::outline::Removed;
use klearn_db::courses::{Chapter, Course, Direction, Lesson, LessonFields, LessonRevision, Revision};
use klearn_db::{public_write_tx, ChapterId, CourseId, DbConnection, LessonId, UploadId};

use super::editing::Saved;
use super::{owned, CourseError};
use crate::domain::actor::Actor;
use crate::domain::course::{edit_path, EditPath};
use crate::services::Services;
use crate::uploads::ReceivedFile;

/// The course of an outline change and how the change reaches it.
fn open_for_change(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CourseId,
) -> Result<(Course, EditPath), CourseError> {
    let course = owned(conn, actor, id)?;
    match edit_path(course.state, course.was_published()) {
        EditPath::Locked => Err(CourseError::Conflict("studio.locked_in_review")),
        path => Ok((course, path)),
    }
}

/// A chapter of the actor's that was not removed, with its course.
fn owned_chapter(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ChapterId,
) -> Result<(Chapter, Course, EditPath), CourseError> {
    let chapter = Chapter::find(conn, id)?;
    if chapter.hidden {
        return Err(CourseError::NotFound);
    }
    let (course, path) = open_for_change(conn, actor, chapter.course_id)?;
    Ok((chapter, course, path))
}

/// A lesson of the actor's that was not removed, with its course.
fn owned_lesson(
    conn: &mut DbConnection,
    actor: &Actor,
    id: LessonId,
) -> Result<(Lesson, Course, EditPath), CourseError> {
    let lesson = Lesson::find(conn, id)?;
    if lesson.hidden {
        return Err(CourseError::NotFound);
    }
    let (course, path) = open_for_change(conn, actor, lesson.course_id)?;
    Ok((lesson, course, path))
}

fn audit_outline(
    conn: &mut DbConnection,
    actor: &Actor,
    course: CourseId,
    action: &str,
    note: &str,
) -> Result<(), CourseError> {
    audit::record(conn, actor.user_id(), action, Object::course(course), note)?;
    Ok(())
}

/// Adds a chapter at the end of the course.
pub fn add_chapter(
    conn: &mut DbConnection,
    actor: &Actor,
    course: CourseId,
    title: &str,
) -> Result<Chapter, CourseError> {
    public_write_tx(conn, |conn| {
        let (course, path) = open_for_change(conn, actor, course)?;
        let chapter = Chapter::create(conn, course.id, title)?;
        if path == EditPath::Review {
            Revision::ensure_pending(conn, &course)?;
        }
        audit_outline(conn, actor, course.id, "course.chapter_add", title)?;
        Ok(chapter)
    })
}

/// Renames a chapter; a chapter learners see keeps its title until the
/// course's revision is approved.
pub fn rename_chapter(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ChapterId,
    title: &str,
) -> Result<(Course, Saved), CourseError> {
    public_write_tx(conn, |conn| {
        let (chapter, course, path) = owned_chapter(conn, actor, id)?;
        let saved = if path == EditPath::Review && chapter.approved {
            Chapter::propose_title(conn, &chapter, title)?;
            Saved::Revision
        } else {
            Chapter::rename(conn, chapter.id, title)?;
            Saved::Direct
        };
        if path == EditPath::Review {
            Revision::ensure_pending(conn, &course)?;
            Revision::drop_if_empty(conn, &course)?;
        }
        audit_outline(conn, actor, course.id, "course.chapter_rename", title)?;
        Ok((course, saved))
    })
}

/// Moves a chapter up or down among the visible ones.
pub fn move_chapter(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ChapterId,
    direction: Direction,
) -> Result<Course, CourseError> {
    public_write_tx(conn, |conn| {
        let (chapter, course, _) = owned_chapter(conn, actor, id)?;
        Chapter::move_by(conn, chapter.id, direction)?;
        Ok(course)
    })
}

/// Removes a chapter and its lessons; lessons learners opened are hidden,
/// never deleted, and keep the chapter with them.
pub fn remove_chapter(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: ChapterId,
) -> Result<Course, CourseError> {
    public_write_tx(conn, |conn| {
        let (chapter, course, _) = owned_chapter(conn, actor, id)?;
        let released = Chapter::remove(conn, chapter.id)?;
        services.storage.release(conn, &released)?;
        Revision::drop_if_empty(conn, &course)?;
        audit_outline(conn, actor, course.id, "course.chapter_remove", &chapter.title)?;
        Ok(course)
    })
}

/// The lesson form, parsed.
pub struct LessonInput {
    pub fields: LessonFields,
    pub media: Option<ReceivedFile>,
    pub remove_media: bool,
}

fn keep_media(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    file: Option<ReceivedFile>,
) -> Result<Option<UploadId>, CourseError> {
    let Some(file) = file else { return Ok(None) };
    match services.storage.keep_within_quota(conn, file, actor)? {
        Ok(upload) => Ok(Some(upload.id)),
        Err(problem) => Err(CourseError::Upload {
            field: "media",
            problem,
        }),
    }
}

/// Adds a lesson at the end of a chapter; learners see it once approved.
pub fn add_lesson(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    chapter: ChapterId,
    mut input: LessonInput,
) -> Result<Lesson, CourseError> {
    public_write_tx(conn, |conn| {
        let (chapter, course, path) = owned_chapter(conn, actor, chapter)?;
        let media = keep_media(conn, services, actor, input.media.take())?;
        let lesson = Lesson::create(conn, &chapter, &input.fields, media)?;
        if path == EditPath::Review {
            Revision::ensure_pending(conn, &course)?;
        }
        audit_outline(conn, actor, course.id, "course.lesson_add", &lesson.title)?;
        Ok(lesson)
    })
}

/// Saves a lesson. A lesson learners can read changes through a lesson
/// revision (its text, free preview, media and task as one proposal); any
/// other lesson changes at once.
pub fn edit_lesson(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: LessonId,
    mut input: LessonInput,
) -> Result<(Lesson, Saved), CourseError> {
    public_write_tx(conn, |conn| {
        let (lesson, course, path) = owned_lesson(conn, actor, id)?;
        let new_media = keep_media(conn, services, actor, input.media.take())?;
        let saved = if path == EditPath::Review && lesson.approved {
            let proposed = LessonRevision::pending_for_lesson(conn, lesson.id)?;
            let current = proposed
                .as_ref()
                .map_or(lesson.media_upload_id, |p| p.media_upload_id);
            let media = match (new_media, input.remove_media) {
                (Some(new), _) => Some(new),
                (None, true) => None,
                (None, false) => current,
            };
            let dropped = LessonRevision::propose(conn, &lesson, &input.fields, media)?;
            services
                .storage
                .release(conn, &dropped.into_iter().collect::<Vec<_>>())?;
            Revision::ensure_pending(conn, &course)?;
            if Revision::drop_if_empty(conn, &course)? {
                Saved::Direct
            } else {
                Saved::Revision
            }
        } else {
            Lesson::update(conn, lesson.id, &input.fields)?;
            if new_media.is_some() || input.remove_media {
                Lesson::set_media(conn, lesson.id, new_media)?;
                services
                    .storage
                    .release(conn, &lesson.media_upload_id.into_iter().collect::<Vec<_>>())?;
            }
            if path == EditPath::Review {
                // A lesson learners do not see yet waits with the course's revision.
                Revision::ensure_pending(conn, &course)?;
            }
            Saved::Direct
        };
        audit_outline(conn, actor, course.id, "course.lesson_edit", &input.fields.title)?;
        Ok((lesson, saved))
    })
}

/// Moves a lesson up or down in its chapter.
pub fn move_lesson(
    conn: &mut DbConnection,
    actor: &Actor,
    id: LessonId,
    direction: Direction,
) -> Result<Lesson, CourseError> {
    public_write_tx(conn, |conn| {
        let (lesson, _, _) = owned_lesson(conn, actor, id)?;
        Lesson::move_by(conn, lesson.id, direction)?;
        Ok(lesson)
    })
}

/// Removes a lesson: deleted if nobody opened it (its media goes too),
/// hidden otherwise, kept for the learners who did.
pub fn remove_lesson(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: LessonId,
) -> Result<(Course, Removed), CourseError> {
    public_write_tx(conn, |conn| {
        let (lesson, course, _) = owned_lesson(conn, actor, id)?;
        let removed = Lesson::remove(conn, lesson.id)?;
        if let Removed::Deleted(media) = &removed {
            services
                .storage
                .release(conn, &media.iter().copied().collect::<Vec<_>>())?;
        }
        Revision::drop_if_empty(conn, &course)?;
        audit_outline(conn, actor, course.id, "course.lesson_remove", &lesson.title)?;
        Ok((course, removed))
    })
}
