//! Views of learning: the lesson page, the locked lesson, `/learn`.

use askama::Template;
use klearn_db::courses::{Course, Lesson, Outline};
use klearn_db::enrollments::LearningCourse;
use klearn_db::uploads::Upload;
use klearn_db::LessonId;

use crate::domain::course::price_label;
use crate::web::Page;

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
}

impl LessonView {
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
    pub courses: Vec<LearningCourse>,
}

impl LearnView {
    pub fn percent(&self, c: &LearningCourse) -> i64 {
        if c.lessons == 0 {
            0
        } else {
            (c.completed * 100 / c.lessons).min(100)
        }
    }
}
