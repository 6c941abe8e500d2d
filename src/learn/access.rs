//! Who may see what. Paid content is decided here, on the server, for every
//! lesson and media request; nothing paid reaches a browser that has not
//! bought it.

use klearn_db::courses::{Course, Lesson, PUBLISHED};
use klearn_db::enrollments::{Enrollment, LessonProgress};
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError};

use crate::web::CurrentUser;

/// What the viewer is to a course.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub owner: bool,
    pub moderator: bool,
    pub enrolled: bool,
}

impl Standing {
    pub fn of(
        conn: &mut DbConnection,
        course: &Course,
        user: Option<&CurrentUser>,
    ) -> Result<Standing, DbError> {
        let Some(user) = user else {
            return Ok(Standing::default());
        };
        Ok(Standing {
            owner: course.owner_id == user.id,
            moderator: user.is_moderator(),
            enrolled: Enrollment::is_enrolled(conn, user.id, course.id)?,
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
    course.state == PUBLISHED || standing.staff() || standing.enrolled
}

/// A lesson opens for the course's staff, for enrolled learners, and for
/// everyone when it is a free preview of a published course. A hidden lesson
/// (removed after learners opened it) stays open only to staff and to the
/// learners who had opened it.
pub fn may_read_lesson(course: &Course, lesson: &Lesson, standing: Standing, opened_before: bool) -> bool {
    if standing.staff() {
        return true;
    }
    if lesson.hidden {
        return standing.enrolled && opened_before;
    }
    standing.enrolled || (lesson.free_preview && course.state == PUBLISHED)
}

/// The rule for a lesson's media file: the rule of its lesson.
pub fn may_read_lesson_media(
    conn: &mut DbConnection,
    upload: &Upload,
    user: Option<&CurrentUser>,
) -> Result<bool, DbError> {
    let Some(lesson) = Lesson::find_by_media(conn, upload.id)? else {
        return Ok(false);
    };
    let course = Course::find(conn, lesson.course_id)?;
    let standing = Standing::of(conn, &course, user)?;
    let opened = match user {
        Some(u) if lesson.hidden => LessonProgress::has_opened(conn, u.id, lesson.id)?,
        _ => false,
    };
    Ok(may_read_lesson(&course, &lesson, standing, opened))
}
