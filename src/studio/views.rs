//! Views of the studio: the expert's courses, the course, chapter and lesson
//! forms, the grading queue.

use std::collections::{HashMap, HashSet};

use askama::Template;
use klearn_db::categories::Category;
use klearn_db::courses::{Chapter, Course, Outline, Revision};
use klearn_db::tasks::QueuedSubmission;
use klearn_db::{LessonId, SubmissionId, SubmissionState};

use crate::domain::course::{edit_path, transition, CourseAction, CourseActor, EditPath};
use crate::domain::learning::{due_at, is_late};
use crate::learn::tasks::GradeInput;
use crate::studio::forms::{CourseForm, LessonForm, TASK_KINDS};
use crate::studio::pages::{CoursePage, LessonPage};
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
    pub revised_lessons: HashSet<LessonId>,
    pub outline_waits: bool,
}

impl CourseView {
    /// The form of a new course.
    pub fn new_course(page: Page, categories: Vec<Category>, form: CourseForm, errors: FieldErrors) -> Self {
        let may_charge = page.user.as_ref().is_some_and(|u| u.may_charge());
        CourseView {
            page,
            course: None,
            outline: None,
            pending: None,
            last_decided: None,
            actions: Vec::new(),
            form,
            errors,
            categories,
            cover_url: None,
            may_charge,
            revised_lessons: HashSet::new(),
            outline_waits: false,
        }
    }

    /// The page of a course; the form shows `form` (what was typed) or what
    /// the owner last wrote (a waiting revision's content, if any).
    pub fn course(page: Page, parts: CoursePage, form: Option<CourseForm>, errors: FieldErrors) -> Self {
        let CoursePage {
            course,
            live,
            outline,
            pending,
            last_decided,
            categories,
            cover_url,
            revised_lessons,
            outline_waits,
            ..
        } = parts;
        let actions = [
            (CourseAction::Submit, "submit"),
            (CourseAction::Withdraw, "withdraw"),
            (CourseAction::Unpublish, "unpublish"),
        ]
        .into_iter()
        .filter(|(a, _)| transition(course.state, *a, CourseActor::Owner).is_some())
        .map(|(_, name)| name)
        .collect();
        let form = form.unwrap_or_else(|| {
            let content = pending.as_ref().map(Revision::content).unwrap_or(live);
            let category = categories
                .iter()
                .find(|c| Some(c.id) == course.category_id)
                .map(|c| c.slug.clone())
                .unwrap_or_default();
            CourseForm::from_course(&content, &course.settings(), &category)
        });
        let may_charge = page.user.as_ref().is_some_and(|u| u.may_charge());
        CourseView {
            page,
            course: Some(course),
            outline: Some(outline),
            pending,
            last_decided,
            actions,
            form,
            errors,
            categories,
            cover_url,
            may_charge,
            revised_lessons,
            outline_waits,
        }
    }

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

    /// Whether what the owner saves waits for a moderator.
    pub fn changes_need_review(&self) -> bool {
        self.course
            .as_ref()
            .is_some_and(|c| edit_path(c.state, c.was_published()) == EditPath::Review)
    }

    /// Whether the course is in review, so nothing of it can change.
    pub fn locked(&self) -> bool {
        self.course
            .as_ref()
            .is_some_and(|c| edit_path(c.state, c.was_published()) == EditPath::Locked)
    }

    pub fn lesson_revised(&self, id: &LessonId) -> bool {
        self.revised_lessons.contains(id)
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

impl LessonView {
    /// The form of a new lesson in `chapter`.
    pub fn new_lesson(
        page: Page,
        chapter: Chapter,
        course: Course,
        form: LessonForm,
        errors: FieldErrors,
    ) -> Self {
        LessonView {
            page,
            action: format!("/studio/chapters/{}/lessons/new", chapter.id),
            course,
            chapter,
            is_new: true,
            form,
            errors,
            media_name: None,
            preview_html: None,
            task_kinds: TASK_KINDS,
        }
    }

    /// The form of a lesson as its owner last wrote it, or as typed.
    pub fn edit(page: Page, parts: LessonPage, form: Option<LessonForm>, errors: FieldErrors) -> Self {
        LessonView {
            page,
            action: format!("/studio/lessons/{}/edit", parts.lesson.id),
            form: form.unwrap_or_else(|| LessonForm::from_fields(&parts.fields)),
            course: parts.course,
            chapter: parts.chapter,
            is_new: false,
            errors,
            media_name: parts.media_name,
            preview_html: None,
            task_kinds: TASK_KINDS,
        }
    }

    /// What the lesson's body looks like, when the Preview button was pressed.
    pub fn with_preview(mut self) -> Self {
        if self.form.wants_preview() {
            self.preview_html = Some(crate::markdown::render(&self.form.body));
        }
        self
    }
}

/// One page of a course's grading queue.
pub struct QueuePage {
    pub course: Course,
    pub state: SubmissionState,
    pub counts: HashMap<SubmissionState, i64>,
    pub items: Vec<QueuedSubmission>,
    pub page: i64,
    pub has_more: bool,
}

/// The grading queue, with the grading form of each waiting submission; a
/// form that came back keeps its text and problems.
#[derive(Template)]
#[template(path = "studio/submissions.html")]
pub struct GradingView {
    pub page: Page,
    pub queue: QueuePage,
    /// The form that came back, and for which submission.
    pub form: Option<(SubmissionId, GradeInput)>,
    pub errors: FieldErrors,
}

impl GradingView {
    pub fn new(page: Page, queue: QueuePage) -> Self {
        GradingView {
            page,
            queue,
            form: None,
            errors: FieldErrors::new(),
        }
    }

    pub fn states(&self) -> &'static [SubmissionState] {
        SubmissionState::ALL
    }

    pub fn count(&self, state: &SubmissionState) -> i64 {
        self.queue.counts.get(state).copied().unwrap_or(0)
    }

    /// The grading form's values for a submission: as sent when it came
    /// back, else empty (a pass by default).
    pub fn sent(&self, id: &SubmissionId) -> GradeInput {
        match &self.form {
            Some((which, input)) if which == id => input.clone(),
            _ => GradeInput {
                outcome: "pass".into(),
                ..GradeInput::default()
            },
        }
    }

    /// The problems to show on a submission's form (only the one sent).
    pub fn errors_of(&self, id: &SubmissionId) -> FieldErrors {
        match &self.form {
            Some((which, _)) if which == id => self.errors.clone(),
            _ => FieldErrors::new(),
        }
    }

    pub fn late(&self, item: &QueuedSubmission) -> bool {
        let due = item.enrolled_at.and_then(|at| due_at(at, item.due_days));
        is_late(item.submission.submitted_at, due)
    }

    pub fn waiting(&self) -> bool {
        self.queue.state == SubmissionState::Submitted
    }
}
