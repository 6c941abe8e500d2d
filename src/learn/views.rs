//! Views of learning: the lesson page (with its task), the locked lesson,
//! `/learn`, certificates.

use askama::Template;
use klearn_db::certificates::Certificate;
use klearn_db::courses::{Course, Lesson, Outline};
use klearn_db::uploads::Upload;
use klearn_db::{LessonId, SubmissionState};

use crate::domain::course::price_label;
use crate::domain::learning::is_late;
use crate::learn::completion::CourseProgress;
use crate::learn::progress::Work;
use crate::web::{FieldErrors, Page};

#[derive(Template)]
#[template(path = "learn/lesson.html")]
pub struct LessonView {
    pub page: Page,
    pub course: Course,
    pub lesson: Lesson,
    pub outline: Outline,
    pub media: Option<Upload>,
    pub prev: Option<(LessonId, String)>,
    pub next: Option<(LessonId, String)>,
    pub enrolled: bool,
    pub completed: bool,
    pub completed_ids: Vec<LessonId>,
    /// The enrolled learner's work on the task.
    pub work: Option<Work>,
    /// The hand-in form as last sent (kept when it comes back with problems).
    pub answer: HandInForm,
    pub errors: FieldErrors,
}

/// The hand-in form's text fields.
#[derive(Debug, Clone, Default)]
pub struct HandInForm {
    pub answer: String,
    pub link: String,
}

impl LessonView {
    pub fn task_kind(&self) -> &str {
        self.lesson.task_kind.as_deref().unwrap_or("")
    }

    /// The link field's label: required for a link task, optional otherwise.
    pub fn link_label(&self) -> &'static str {
        if self.task_kind() == "link" {
            "tasks.field.link"
        } else {
            "tasks.field.link_optional"
        }
    }

    /// The state of the learner's work, for its badge ("" before any).
    pub fn work_state(&self) -> &'static str {
        match self.work.as_ref().and_then(|w| w.submission.as_ref()) {
            Some(s) => s.state.as_str(),
            None => "",
        }
    }

    /// The learner may hand in (again): enrolled, and not passed yet.
    pub fn may_hand_in(&self) -> bool {
        self.work.is_some() && self.work_state() != SubmissionState::Passed.as_str()
    }

    /// The work was handed in after its due time.
    pub fn handed_in_late(&self) -> bool {
        match &self.work {
            Some(Work {
                submission: Some(s),
                due,
                ..
            }) => is_late(s.submitted_at, *due),
            _ => false,
        }
    }

    /// The due time has passed and nothing passed yet.
    pub fn overdue(&self) -> bool {
        match &self.work {
            Some(w) if self.work_state() != "passed" => is_late(klearn_db::now(), w.due),
            _ => false,
        }
    }

    pub fn media_kind(&self) -> &'static str {
        match self.media.as_ref().map(|m| m.content_type.as_str()) {
            Some(t) if t.starts_with("video/") => "video",
            Some(t) if t.starts_with("audio/") => "audio",
            Some("application/pdf") => "pdf",
            _ => "",
        }
    }

    pub fn is_done(&self, id: &LessonId) -> bool {
        self.completed_ids.contains(id)
    }
}

/// What a visitor without access sees: the course's buy prompt, none of the lesson.
#[derive(Template)]
#[template(path = "learn/locked.html")]
pub struct LockedView {
    pub page: Page,
    pub course: Course,
    pub lesson_title: String,
    pub payments_ready: bool,
}

impl LockedView {
    pub fn price(&self) -> String {
        price_label(self.course.price_cents, &self.course.currency)
    }
}

#[derive(Template)]
#[template(path = "learn/index.html")]
pub struct LearnView {
    pub page: Page,
    pub courses: Vec<CourseProgress>,
}

/// A completion certificate, printable; moderators see how to revoke it.
#[derive(Template)]
#[template(path = "learn/certificate.html")]
pub struct CertificateView {
    pub page: Page,
    pub certificate: Certificate,
    pub course_slug: String,
    pub errors: FieldErrors,
    /// The revocation form's reason, kept when it comes back.
    pub reason: String,
}

impl CertificateView {
    pub fn verify_url(&self) -> String {
        self.page
            .absolute(&format!("/certificates/{}", self.certificate.code))
    }
}
