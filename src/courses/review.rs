//! The changes of a course that wait for a moderator, decided together:
//! the pending revision's own fields, the lesson revisions, the new chapter
//! titles, and the chapters and lessons not yet approved. Approving writes
//! them all into what learners see; turning them down leaves the course as
//! learners know it. Either way the files nothing holds any more go.

use klearn_db::courses::{Chapter, Course, LessonRevision, Revision, RevisionState};
use klearn_db::{DbConnection, DbError, UploadId, UserId};

use crate::services::Services;

/// Approves every waiting change of the course: the revision `pending` (if
/// any) becomes its content, lesson revisions their lessons, waiting titles
/// their chapters', and every chapter and lesson is approved.
pub fn apply_pending(
    conn: &mut DbConnection,
    services: &Services,
    course: &Course,
    pending: Option<&Revision>,
    moderator: Option<UserId>,
    note: &str,
) -> Result<(), DbError> {
    let mut released: Vec<UploadId> = Vec::new();
    if let Some(revision) = pending {
        let content = revision.content();
        released.extend(
            course
                .cover_upload_id
                .filter(|c| Some(*c) != content.cover_upload_id),
        );
        Course::update_content(conn, course.id, &content)?;
        Revision::close(conn, revision.id, RevisionState::Approved, moderator, note)?;
    }
    released.extend(LessonRevision::close_pending(
        conn,
        course.id,
        RevisionState::Approved,
        moderator,
        note,
    )?);
    Chapter::close_pending_titles(conn, course.id, true)?;
    Chapter::approve_all(conn, course.id)?;
    services.storage.release(conn, &released)?;
    Ok(())
}

/// Turns down every waiting change of the course; new chapters and lessons
/// stay unapproved (the owner may change them and send them again).
pub fn reject_pending(
    conn: &mut DbConnection,
    services: &Services,
    course: &Course,
    pending: Option<&Revision>,
    moderator: Option<UserId>,
    note: &str,
) -> Result<(), DbError> {
    let mut released: Vec<UploadId> = Vec::new();
    if let Some(revision) = pending {
        released.extend(
            revision
                .cover_upload_id
                .filter(|c| Some(*c) != course.cover_upload_id),
        );
        Revision::close(conn, revision.id, RevisionState::Rejected, moderator, note)?;
    }
    released.extend(LessonRevision::close_pending(
        conn,
        course.id,
        RevisionState::Rejected,
        moderator,
        note,
    )?);
    Chapter::close_pending_titles(conn, course.id, false)?;
    services.storage.release(conn, &released)?;
    Ok(())
}
