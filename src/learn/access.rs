//! Who may see what. Paid content is decided here, on the server, for every
//! lesson and media request; nothing paid reaches a browser that has not
//! bought it.

use klearn_db::courses::{Course, CourseState, Lesson, LessonRevision};
use klearn_db::enrollments::{Enrollment, LessonProgress};
use klearn_db::tasks::Submission;
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError};

use crate::domain::actor::Actor;

/// What the viewer is to a course.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub owner: bool,
    pub moderator: bool,
    pub enrolled: bool,
}

impl Standing {
    pub fn of(conn: &mut DbConnection, course: &Course, viewer: Option<&Actor>) -> Result<Standing, DbError> {
        let Some(viewer) = viewer else {
            return Ok(Standing::default());
        };
        Ok(Standing {
            owner: viewer.is(course.owner_id),
            moderator: viewer.is_moderator(),
            enrolled: match viewer.user_id() {
                Some(id) => Enrollment::is_enrolled(conn, id, course.id)?,
                None => false,
            },
        })
    }

    /// Owners and moderators see everything of a course.
    pub fn staff(&self) -> bool {
        self.owner || self.moderator
    }
}

/// A course that is not published is hidden (404) except from its owner,
/// moderators and learners already enrolled: they keep what they bought.
pub fn may_see_course(course: &Course, standing: Standing) -> bool {
    course.state == CourseState::Published || standing.staff() || standing.enrolled
}

/// A lesson opens for the course's staff, for enrolled learners, and for
/// everyone when it is a free preview of a published course. A lesson no
/// moderator has approved yet opens to staff only. A hidden lesson (removed
/// after learners opened it) stays open only to staff and to the learners
/// who had opened it.
pub fn may_read_lesson(course: &Course, lesson: &Lesson, standing: Standing, opened_before: bool) -> bool {
    if standing.staff() {
        return true;
    }
    if !lesson.approved {
        return false;
    }
    if lesson.hidden {
        return standing.enrolled && opened_before;
    }
    standing.enrolled || (lesson.free_preview && course.state == CourseState::Published)
}

/// Whether the viewer may see the lesson exists at all: a lesson they may
/// not read is shown locked (buy prompt) only when it is part of what
/// learners see; otherwise it is hidden (404).
pub fn lesson_is_listed(lesson: &Lesson) -> bool {
    lesson.approved && !lesson.hidden
}

/// The rule for a lesson's media file: the rule of its lesson.
pub fn may_read_lesson_media(
    conn: &mut DbConnection,
    upload: &Upload,
    viewer: Option<&Actor>,
) -> Result<bool, DbError> {
    let Some(lesson) = Lesson::find_by_media(conn, upload.id)? else {
        // Media a waiting revision proposes: for the course's staff only.
        return Ok(match LessonRevision::find_by_media(conn, upload.id)? {
            Some(revision) => {
                let course = Course::find(conn, revision.course_id)?;
                Standing::of(conn, &course, viewer)?.staff()
            }
            None => false,
        });
    };
    let course = Course::find(conn, lesson.course_id)?;
    let standing = Standing::of(conn, &course, viewer)?;
    let opened = match viewer.and_then(Actor::user_id) {
        Some(id) if lesson.hidden => LessonProgress::has_opened(conn, id, lesson.id)?,
        _ => false,
    };
    Ok(may_read_lesson(&course, &lesson, standing, opened))
}

/// The rule for a file handed in with a task: its learner, the course's
/// expert and moderators; nobody else, also after it was shared.
pub fn may_read_submission_file(
    conn: &mut DbConnection,
    upload: &Upload,
    viewer: Option<&Actor>,
) -> Result<bool, DbError> {
    let (Some(viewer), Some(submission)) = (viewer, Submission::holding_upload(conn, upload.id)?) else {
        return Ok(false);
    };
    if viewer.is(submission.learner_id) || viewer.is_moderator() {
        return Ok(true);
    }
    Ok(viewer.is(Course::find(conn, submission.course_id)?.owner_id))
}
