//! Learning tasks: an enrolled learner hands in work for a lesson's task
//! (again, until it is graded), the course's expert grades it or returns it
//! for rework, the learner hears by mail, and may then share graded work on
//! the course's board.

use klearn_db::courses::{Course, Lesson};
use klearn_db::enrollments::Enrollment;
use klearn_db::forum::Board;
use klearn_db::tasks::{Answer, Grade, Submission};
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, LessonId, SubmissionId, SubmissionState, ThreadId, ThreadKind};

use super::access::{may_read_lesson, may_see_course, Standing};
use super::completion;
use super::progress::LearnError;
use crate::domain::actor::Actor;
use crate::domain::learning::{check_answer, parse_grade, Outcome, TaskKind};
use crate::forum::posting::{start_thread, ThreadInput};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;
use crate::uploads::ReceivedFile;

/// Work as the hand-in form sent it.
#[derive(Debug, Default)]
pub struct HandIn {
    pub answer: String,
    pub link: String,
    pub file: Option<ReceivedFile>,
}

/// The course and the lesson with a task that `actor`, enrolled, may work on.
fn task_of(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    lesson_id: LessonId,
) -> Result<(Course, Lesson, TaskKind), LearnError> {
    let course = Course::find_by_slug(conn, slug)?;
    let lesson = Lesson::find(conn, lesson_id)?;
    if lesson.course_id != course.id {
        return Err(LearnError::NotFound);
    }
    let standing = Standing::of(conn, &course, Some(actor))?;
    if !may_see_course(&course, standing) || !may_read_lesson(&course, &lesson, standing, false) {
        return Err(LearnError::NotFound);
    }
    let kind = TaskKind::of(lesson.task_kind.as_deref()).ok_or(LearnError::NotFound)?;
    if !standing.enrolled {
        return Err(LearnError::Forbidden("tasks.enrolled_only"));
    }
    Ok((course, lesson, kind))
}

/// Hands in work for a lesson's task; work handed in before and not yet
/// passed is replaced (a file handed in before is kept unless a new one
/// comes).
pub fn hand_in(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    slug: &str,
    lesson_id: LessonId,
    input: HandIn,
) -> Result<Submission, LearnError> {
    let learner = actor.user_id().ok_or(LearnError::NotFound)?;
    let answer_html = crate::markdown::render(input.answer.trim());
    write_tx(conn, |conn| {
        let (course, lesson, kind) = task_of(conn, actor, slug, lesson_id)?;
        let before = Submission::of_learner(conn, learner, lesson.id)?;
        if before
            .as_ref()
            .is_some_and(|s| s.state == SubmissionState::Passed)
        {
            return Err(LearnError::Conflict("tasks.already_passed"));
        }
        let kept_file = before.as_ref().and_then(|s| s.upload_id);
        let checked = check_answer(
            kind,
            &input.answer,
            &input.link,
            input.file.is_some() || kept_file.is_some(),
        )
        .map_err(|(field, key)| LearnError::invalid(field, key))?;
        let upload_id = match input.file {
            Some(file) => match services.storage.keep_within_quota(conn, file, actor)? {
                Ok(upload) => Some(upload.id),
                Err(problem) => {
                    return Err(LearnError::Upload {
                        field: "file",
                        problem,
                    })
                }
            },
            None => kept_file,
        };
        let answer = Answer {
            answer: &checked.answer,
            answer_html: &answer_html,
            link: &checked.link,
            upload_id,
        };
        let (submission, replaced) = Submission::hand_in(conn, learner, lesson.id, course.id, &answer)?
            .ok_or(LearnError::Conflict("tasks.already_passed"))?;
        if let Some(old) = replaced {
            services.storage.release(conn, &[old])?;
        }
        Ok(submission)
    })
}

/// What an expert decided, as the grading form sent it.
#[derive(Debug, Clone, Default)]
pub struct GradeInput {
    pub outcome: String,
    pub score: String,
    pub feedback: String,
}

/// Grades a submission waiting for it (the course's expert only): a pass
/// with a score, or back for rework with a note. The learner is mailed; a
/// pass may complete the course.
pub fn grade(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: SubmissionId,
    input: &GradeInput,
) -> Result<Submission, LearnError> {
    let by = actor.user_id().ok_or(LearnError::NotFound)?;
    let feedback_html = crate::markdown::render(input.feedback.trim());
    write_tx(conn, |conn| {
        let submission = Submission::find(conn, id)?;
        let course = Course::find(conn, submission.course_id)?;
        if !actor.is(course.owner_id) {
            return Err(LearnError::NotFound);
        }
        if submission.state != SubmissionState::Submitted {
            return Err(LearnError::Conflict("grading.not_waiting"));
        }
        let lesson = Lesson::find(conn, submission.lesson_id)?;
        let outcome = parse_grade(
            &input.outcome,
            &input.score,
            &input.feedback,
            lesson.task_max_score,
        )
        .map_err(|(field, key)| LearnError::invalid(field, key))?;
        let (state, score, kind) = match outcome {
            Outcome::Pass { score } => (SubmissionState::Passed, Some(score), NoticeKind::TaskPassed),
            Outcome::Rework => (SubmissionState::Returned, None, NoticeKind::TaskReturned),
        };
        let grade = Grade {
            outcome: state,
            score,
            feedback: input.feedback.trim(),
            feedback_html: &feedback_html,
            by,
        };
        if !Submission::grade(conn, id, submission.attempts, &grade)? {
            return Err(LearnError::Conflict("grading.not_waiting"));
        }
        let learner = User::find(conn, submission.learner_id)?;
        let url = services
            .settings
            .absolute_url(&format!("/courses/{}/lessons/{}#task", course.slug, lesson.id));
        notice::send(
            conn,
            &services.i18n,
            &learner,
            &learner.email,
            kind,
            Some(url),
            &lesson.title,
        )?;
        let event = match state {
            SubmissionState::Passed => "task_passed",
            _ => "task_returned",
        };
        crate::notifications::certification_event(
            conn,
            learner.id,
            Some(course.id),
            &lesson.title,
            event,
            format!("submission:{id}:{}", submission.attempts),
        )?;
        if state == SubmissionState::Passed {
            completion::check(conn, learner.id, course.id)?;
        }
        Ok(Submission::find(conn, id)?)
    })
}

/// Shares graded work on the course's board: a thread by the learner with
/// the answer and its link (files stay private). Once; sharing again leads
/// to the same thread. Never before the work has passed.
pub fn share(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: SubmissionId,
) -> Result<(ThreadId, String), LearnError> {
    write_tx(conn, |conn| {
        let submission = Submission::find(conn, id)?;
        if !actor.is(submission.learner_id) {
            return Err(LearnError::NotFound);
        }
        if let Some(thread) = submission.shared_thread_id {
            return Ok((thread, String::new()));
        }
        if submission.state != SubmissionState::Passed {
            return Err(LearnError::Conflict("tasks.share_after_grading"));
        }
        let lesson = Lesson::find(conn, submission.lesson_id)?;
        let course = Course::find(conn, submission.course_id)?;
        let learner = User::find(conn, submission.learner_id)?;
        let locale = crate::i18n::Locale::parse(&learner.locale).unwrap_or(crate::i18n::Locale::ZhCn);
        let tr = crate::i18n::Tr::new(services.i18n.clone(), locale);
        let lesson_url = format!("/courses/{}/lessons/{}", course.slug, lesson.id);
        let mut body = tr.tf(
            "tasks.shared_intro",
            &[("lesson", &lesson.title), ("url", &lesson_url)],
        );
        if !submission.answer.is_empty() {
            body.push_str("\n\n");
            body.push_str(&submission.answer);
        }
        if !submission.link.is_empty() {
            body.push_str("\n\n");
            body.push_str(&tr.tf("tasks.shared_link", &[("link", &submission.link)]));
        }
        let title: String = tr
            .tf("tasks.shared_title", &[("lesson", &lesson.title)])
            .chars()
            .take(120)
            .collect();
        let input = ThreadInput {
            title,
            body,
            kind: ThreadKind::Discussion,
            tags: vec![],
        };
        let thread = start_thread(conn, actor, Board::Course(course.id), input).map_err(|e| match e {
            crate::forum::ForumError::Forbidden(key) => LearnError::Forbidden(key),
            crate::forum::ForumError::Db(e) => LearnError::Db(e),
            _ => LearnError::Conflict("tasks.share_failed"),
        })?;
        Submission::set_shared(conn, id, thread.id)?;
        Ok((thread.id, thread.slug))
    })
}

/// When a learner's task is due, if it has a due date.
pub fn due_for(
    conn: &mut DbConnection,
    learner: klearn_db::UserId,
    lesson: &Lesson,
) -> Result<Option<chrono::NaiveDateTime>, LearnError> {
    if lesson.task_due_days.is_none() {
        return Ok(None);
    }
    let enrolled = Enrollment::enrolled_at(conn, learner, lesson.course_id)?;
    Ok(enrolled.and_then(|at| crate::domain::learning::due_at(at, lesson.task_due_days)))
}
