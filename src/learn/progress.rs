//! A learner's use cases: enrolling in a free course, opening a lesson
//! (which records progress, as a GET may), marking it done. What may be
//! read is decided by `access`, the same rule for pages and files.

use klearn_db::courses::{Audience, Course, CourseState, Lesson, Outline};
use klearn_db::enrollments::{self, Enrollment, LessonProgress};
use klearn_db::tasks::Submission;
use klearn_db::uploads::Upload;
use klearn_db::{write_tx, DbConnection, LessonId};

use super::access::{lesson_is_listed, may_read_lesson, may_see_course, Standing};
use crate::domain::actor::Actor;

crate::area_error! {
    /// Why a learning use case refused.
    LearnError {
        /// 422: the file handed in was refused.
        Upload { field: &'static str, problem: crate::uploads::UploadError } => AppError::BadRequest,
    }
}

/// Enrolls the actor in a free, published course; false when they were
/// enrolled already. A paid course is bought at checkout instead.
pub fn enroll(conn: &mut DbConnection, actor: &Actor, slug: &str) -> Result<bool, LearnError> {
    let learner = actor.user_id().ok_or(LearnError::NotFound)?;
    write_tx(conn, |conn| {
        let course = Course::find_by_slug(conn, slug)?;
        if course.state != CourseState::Published {
            return Err(LearnError::NotFound);
        }
        if course.price_cents != 0 {
            return Err(LearnError::Forbidden("courses.paid_needs_checkout"));
        }
        Ok(Enrollment::enroll(
            conn,
            learner,
            course.id,
            enrollments::FREE,
            None,
        )?)
    })
}

/// A lesson as its page shows it.
pub struct OpenLesson {
    pub course: Course,
    pub lesson: Lesson,
    pub outline: Outline,
    pub media: Option<Upload>,
    pub enrolled: bool,
    pub completed: Vec<LessonId>,
    /// The enrolled learner's work on the lesson's task.
    pub work: Option<Work>,
}

/// A learner's work on a lesson's task: what they handed in (if anything),
/// its file, and when it is due.
#[derive(Debug, Clone, Default)]
pub struct Work {
    pub submission: Option<Submission>,
    pub file: Option<Upload>,
    pub due: Option<chrono::NaiveDateTime>,
}

/// What opening a lesson gives the viewer.
pub enum Opened {
    Lesson(Box<OpenLesson>),
    /// They may not read it: the buy prompt, with none of the lesson.
    Locked {
        course: Box<Course>,
        lesson_title: String,
    },
}

/// The lesson and whether it may be read (how to be refused says `access`);
/// an enrolled learner's opening is recorded.
fn readable(
    conn: &mut DbConnection,
    viewer: Option<&Actor>,
    slug: &str,
    lesson_id: LessonId,
) -> Result<(Course, Lesson, Standing, bool), LearnError> {
    let course = Course::find_by_slug(conn, slug)?;
    let lesson = Lesson::find(conn, lesson_id)?;
    if lesson.course_id != course.id {
        return Err(LearnError::NotFound);
    }
    let standing = Standing::of(conn, &course, viewer)?;
    if !may_see_course(&course, standing) {
        return Err(LearnError::NotFound);
    }
    let opened_before = match viewer.and_then(Actor::user_id) {
        Some(id) => LessonProgress::has_opened(conn, id, lesson.id)?,
        None => false,
    };
    let may = may_read_lesson(&course, &lesson, standing, opened_before);
    Ok((course, lesson, standing, may))
}

/// Opens a lesson for `viewer` (a guest when `None`).
pub fn open_lesson(
    conn: &mut DbConnection,
    viewer: Option<&Actor>,
    slug: &str,
    lesson_id: LessonId,
) -> Result<Opened, LearnError> {
    let (course, lesson, standing, may) = readable(conn, viewer, slug, lesson_id)?;
    if !may {
        if !lesson_is_listed(&lesson) {
            return Err(LearnError::NotFound);
        }
        return Ok(Opened::Locked {
            lesson_title: lesson.title.clone(),
            course: Box::new(course),
        });
    }
    let mut completed = Vec::new();
    let mut work = None;
    if let (Some(id), true) = (viewer.and_then(Actor::user_id), standing.enrolled) {
        LessonProgress::record_open(conn, id, lesson.id, course.id)?;
        if lesson.task_kind.is_some() {
            let submission = Submission::of_learner(conn, id, lesson.id)?;
            let file = match submission.as_ref().and_then(|s| s.upload_id) {
                Some(upload) => Some(Upload::find(conn, upload)?),
                None => None,
            };
            work = Some(Work {
                submission,
                file,
                due: super::tasks::due_for(conn, id, &lesson)?,
            });
        }
        completed = LessonProgress::for_course(conn, id, course.id)?
            .into_iter()
            .filter(|p| p.completed_at.is_some())
            .map(|p| p.lesson_id)
            .collect();
    }
    let audience = if standing.staff() {
        Audience::Studio
    } else {
        Audience::Learners
    };
    let outline = Lesson::outline(conn, course.id, audience)?;
    let media = match lesson.media_upload_id {
        Some(id) => Some(Upload::find(conn, id)?),
        None => None,
    };
    Ok(Opened::Lesson(Box::new(OpenLesson {
        course,
        lesson,
        outline,
        media,
        enrolled: standing.enrolled,
        completed,
        work,
    })))
}

/// Marks a lesson done (or not done again) for an enrolled learner who may
/// read it; returns the next lesson in reading order.
pub fn complete(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    lesson_id: LessonId,
    done: bool,
) -> Result<Option<LessonId>, LearnError> {
    let learner = actor.user_id().ok_or(LearnError::NotFound)?;
    write_tx(conn, |conn| {
        let (course, lesson, standing, may) = readable(conn, Some(actor), slug, lesson_id)?;
        if !may {
            return Err(if lesson_is_listed(&lesson) {
                LearnError::Forbidden("error.403.message")
            } else {
                LearnError::NotFound
            });
        }
        // Only enrolled learners keep progress.
        if !standing.enrolled {
            return Err(LearnError::Forbidden("error.403.message"));
        }
        LessonProgress::set_completed(conn, learner, lesson.id, course.id, done)?;
        if done {
            super::completion::check(conn, learner, course.id)?;
        }
        let outline = Lesson::outline(conn, course.id, Audience::Learners)?;
        Ok(outline.neighbours(lesson.id).1.map(|l| l.id))
    })
}
