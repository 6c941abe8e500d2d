//! Progress and completion: per course, the lessons done, the required tasks
//! passed and the next lesson; a course complete (every visible lesson done,
//! every required task passed) earns one certificate, issued by a job;
//! moderators revoke certificates.

use std::collections::{HashMap, HashSet};

use klearn_db::audit::{self, Object};
use klearn_db::certificates::{Certificate, NewCertificate};
use klearn_db::courses::{Course, Lesson, LessonStep};
use klearn_db::enrollments::{Enrollment, LearningCourse, LessonProgress};
use klearn_db::tasks::Submission;
use klearn_db::users::User;
use klearn_db::{write_tx, CourseId, DbConnection, DbError, LessonId, SubmissionState, UserId};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::progress::LearnError;
use crate::domain::actor::Actor;
use crate::domain::learning::{certificate_code, is_complete, Step};
use crate::jobs::{JobContext, JobKind};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// Where a learner is in one course.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub lessons: usize,
    pub done: usize,
    /// Required tasks, and how many of them passed.
    pub tasks: usize,
    pub passed: usize,
    /// The first lesson in reading order not done yet.
    pub next: Option<(LessonId, String)>,
    pub complete: bool,
}

impl Progress {
    /// From the course's visible lessons in reading order, the lessons done
    /// and the tasks passed.
    pub fn of(steps: &[&LessonStep], done: &HashSet<LessonId>, passed: &HashSet<LessonId>) -> Progress {
        let rule: Vec<Step> = steps
            .iter()
            .map(|s| Step {
                lesson: s.id,
                required_task: s.task_required,
            })
            .collect();
        Progress {
            lessons: steps.len(),
            done: steps.iter().filter(|s| done.contains(&s.id)).count(),
            tasks: steps.iter().filter(|s| s.task_required).count(),
            passed: steps
                .iter()
                .filter(|s| s.task_required && passed.contains(&s.id))
                .count(),
            next: steps
                .iter()
                .find(|s| !done.contains(&s.id))
                .map(|s| (s.id, s.title.clone())),
            complete: is_complete(&rule, done, passed),
        }
    }

    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.lessons).unwrap_or(0).min(100)
    }
}

/// A course on the learner's `/learn` page.
#[derive(Debug, Clone)]
pub struct CourseProgress {
    pub course: LearningCourse,
    pub progress: Progress,
    pub certificate: Option<Certificate>,
    /// The learner's work on the course's tasks, with each lesson's title.
    pub work: Vec<(Submission, String)>,
}

/// The learner's courses with where they are in each, from a fixed number
/// of queries.
pub fn learning(conn: &mut DbConnection, learner: UserId) -> Result<Vec<CourseProgress>, DbError> {
    let courses = Enrollment::learning(conn, learner)?;
    let ids: Vec<CourseId> = courses.iter().map(|c| c.card.course.id).collect();
    let steps = Lesson::steps_in(conn, &ids)?;
    let done = LessonProgress::done_in(conn, learner, &ids)?;
    let work = Submission::of_learner_in(conn, learner, &ids)?;
    let mut certificates: HashMap<CourseId, Certificate> = Certificate::all_of(conn, learner)?
        .into_iter()
        .map(|c| (c.course_id, c))
        .collect();
    let passed: HashSet<LessonId> = work
        .iter()
        .filter(|s| s.state == SubmissionState::Passed)
        .map(|s| s.lesson_id)
        .collect();
    let titles: HashMap<LessonId, &str> = steps.iter().map(|s| (s.id, s.title.as_str())).collect();
    Ok(courses
        .into_iter()
        .map(|course| {
            let id = course.card.course.id;
            let own: Vec<&LessonStep> = steps.iter().filter(|s| s.course_id == id).collect();
            CourseProgress {
                progress: Progress::of(&own, &done, &passed),
                certificate: certificates.remove(&id),
                work: work
                    .iter()
                    .filter(|s| s.course_id == id)
                    .map(|s| {
                        (
                            s.clone(),
                            titles.get(&s.lesson_id).copied().unwrap_or("").to_string(),
                        )
                    })
                    .collect(),
                course,
            }
        })
        .collect())
}

/// Where the learner is in one course.
pub fn progress_in(conn: &mut DbConnection, learner: UserId, course: CourseId) -> Result<Progress, DbError> {
    let steps = Lesson::steps_in(conn, &[course])?;
    let done = LessonProgress::done_in(conn, learner, &[course])?;
    let passed: HashSet<LessonId> = Submission::of_learner_in(conn, learner, &[course])?
        .into_iter()
        .filter(|s| s.state == SubmissionState::Passed)
        .map(|s| s.lesson_id)
        .collect();
    Ok(Progress::of(&steps.iter().collect::<Vec<_>>(), &done, &passed))
}

/// After progress that may complete a course: when it is complete and no
/// certificate exists, the job that issues one is enqueued (in the caller's
/// transaction).
pub fn check(conn: &mut DbConnection, learner: UserId, course: CourseId) -> Result<(), DbError> {
    if Certificate::of_learner(conn, learner, course)?.is_some() {
        return Ok(());
    }
    if progress_in(conn, learner, course)?.complete {
        crate::jobs::enqueue(conn, &IssueCertificate { learner, course })?;
    }
    Ok(())
}

/// Issues the learner's certificate for a course they completed, once: a
/// second call, or a course not complete, issues nothing. The learner is
/// mailed the link.
pub fn issue(
    conn: &mut DbConnection,
    services: &Services,
    learner: UserId,
    course: CourseId,
) -> Result<Option<Certificate>, DbError> {
    write_tx(conn, |conn| {
        if !Enrollment::is_enrolled(conn, learner, course)? || !progress_in(conn, learner, course)?.complete {
            return Ok(None);
        }
        let user = User::find(conn, learner)?;
        let course = Course::find(conn, course)?;
        let expert = User::find(conn, course.owner_id)?;
        let mut random = [0u8; 12];
        rand::rng().fill_bytes(&mut random);
        let code = certificate_code(random);
        let new = NewCertificate {
            code: &code,
            learner_id: learner,
            course_id: course.id,
            learner_name: user.shown_name(),
            course_title: &course.title,
            expert_name: expert.shown_name(),
        };
        let Some(certificate) = Certificate::issue(conn, &new)? else {
            return Ok(None);
        };
        let url = services
            .settings
            .absolute_url(&format!("/certificates/{}", certificate.code));
        notice::send(
            conn,
            &services.i18n,
            &user,
            &user.email,
            NoticeKind::CertificateIssued,
            Some(url),
            &course.title,
        )?;
        crate::notifications::certification_event(
            conn,
            user.id,
            Some(course.id),
            &course.title,
            "certificate",
            format!("certificate:{}", certificate.code),
        )?;
        Ok(Some(certificate))
    })
}

/// Issues a completed course's certificate (see `issue`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueCertificate {
    pub learner: UserId,
    pub course: CourseId,
}

impl JobKind for IssueCertificate {
    const NAME: &'static str = "issue_certificate";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let services = ctx.services.clone();
        let issued = ctx
            .db(move |conn| Ok(issue(conn, &services, self.learner, self.course)?))
            .await?;
        if let Some(c) = issued {
            tracing::info!(code = %c.code, "issued a certificate");
        }
        Ok(())
    }
}

/// Revokes a certificate (moderators), with the reason the page then shows.
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    code: &str,
    reason: &str,
) -> Result<Certificate, LearnError> {
    let by = actor.user_id().ok_or(LearnError::NotFound)?;
    if !actor.is_moderator() {
        return Err(LearnError::Forbidden("error.403.message"));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(LearnError::invalid("reason", "certificate.reason_required"));
    }
    if reason.chars().count() > 500 {
        return Err(LearnError::invalid("reason", "certificate.reason_long"));
    }
    write_tx(conn, |conn| {
        let certificate = Certificate::find_by_code(conn, code)?;
        if !Certificate::revoke(conn, certificate.id, by, reason)? {
            return Err(LearnError::Conflict("certificate.already_revoked"));
        }
        audit::record(
            conn,
            Some(by),
            "certificate.revoked",
            Object::new("certificate", certificate.id),
            reason,
        )?;
        Ok(Certificate::find_by_code(conn, code)?)
    })
}
