//! Views of the studio.

use askama::Template;
use klearn_db::categories::Category;
use klearn_db::courses::{Chapter, Course, Outline, Revision};

use crate::studio::forms::{CourseForm, LessonForm};
use crate::web::{FieldErrors, Page};

pub struct StudioRow {
    pub course: Course,
    pub pending_revision: bool,
}

#[derive(Template)]
#[template(path = "studio/index.html")]
pub struct StudioView {
    pub page: Page,
    pub rows: Vec<StudioRow>,
    pub may_charge: bool,
}

/// The course form, new or edit; on edit also the state, the actions and the outline.
#[derive(Template)]
#[template(path = "studio/course.html")]
pub struct CourseView {
    pub page: Page,
    pub course: Option<Course>,
    pub outline: Option<Outline>,
    pub pending: Option<Revision>,
    pub last_decided: Option<Revision>,
    /// Owner actions allowed now: ("submit" | "withdraw" | "unpublish").
    pub actions: Vec<&'static str>,
    pub form: CourseForm,
    pub errors: FieldErrors,
    pub categories: Vec<Category>,
    pub cover_url: Option<String>,
    pub may_charge: bool,
}

impl CourseView {
    pub fn action_url(&self) -> String {
        match &self.course {
            Some(c) => format!("/studio/courses/{}/edit", c.id),
            None => "/studio/courses/new".into(),
        }
    }

    /// Submitting is the step forward; the others step back.
    pub fn is_primary(&self, action: &str) -> bool {
        action == "submit"
    }

    pub fn levels(&self) -> [&'static str; 3] {
        crate::domain::course::LEVELS
    }

    pub fn formats(&self) -> [&'static str; 4] {
        crate::domain::course::FORMATS
    }
}

#[derive(Template)]
#[template(path = "studio/chapter.html")]
pub struct ChapterView {
    pub page: Page,
    pub course: Course,
    pub action: String,
    pub title: String,
    pub is_new: bool,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "studio/lesson.html")]
pub struct LessonView {
    pub page: Page,
    pub course: Course,
    pub chapter: Chapter,
    pub action: String,
    pub is_new: bool,
    pub form: LessonForm,
    pub errors: FieldErrors,
    pub media_name: Option<String>,
    pub preview_html: Option<String>,
    pub task_kinds: [&'static str; 3],
}
