//! The studio's forms as sent, and their checks.

use klearn_db::categories::Category;
use klearn_db::courses::{CourseContent, CourseSettings, Direction, LessonFields};
use serde::Deserialize;

use crate::courses::{CourseInput, LessonInput};
use crate::domain::account::parse_tags;
use crate::domain::course::{parse_format, parse_level, parse_price, price_input};
use crate::i18n::Tr;
use crate::uploads::MultipartForm;
use crate::web::{AppError, FieldErrors};

/// The course form (multipart, for the cover).
#[derive(Debug, Clone, Default)]
pub struct CourseForm {
    pub title: String,
    pub subtitle: String,
    pub description: String,
    pub outcomes: String,
    pub category: String,
    pub level: String,
    pub format: String,
    pub price: String,
    pub tags: String,
    pub remove_cover: bool,
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl CourseForm {
    pub fn from_multipart(form: &MultipartForm) -> Self {
        let text = |name: &str| form.text(name).unwrap_or("").to_string();
        CourseForm {
            title: text("title").trim().to_string(),
            subtitle: text("subtitle").trim().to_string(),
            description: text("description"),
            outcomes: text("outcomes"),
            category: text("category"),
            level: text("level"),
            format: text("format"),
            price: text("price").trim().to_string(),
            tags: text("tags"),
            remove_cover: form.text("remove_cover").is_some(),
        }
    }

    /// The form filled from a course's content (with its tags) and settings.
    pub fn from_course(content: &CourseContent, settings: &CourseSettings, category: &str) -> Self {
        CourseForm {
            title: content.title.clone(),
            subtitle: content.subtitle.clone(),
            description: content.description.clone(),
            outcomes: content.outcomes.clone(),
            category: category.to_string(),
            level: settings.level.clone(),
            format: settings.format.clone(),
            price: price_input(content.price_cents),
            tags: content.tags.join(", "),
            remove_cover: false,
        }
    }

    pub fn is_level(&self, v: &str) -> bool {
        self.level == v
    }

    pub fn is_format(&self, v: &str) -> bool {
        self.format == v
    }

    pub fn is_category(&self, v: &str) -> bool {
        self.category == v
    }

    /// Tells a category that is not among `categories` (with the other
    /// problems of a form that was refused before its use case ran).
    pub fn check_category(&self, tr: &Tr, errors: &mut FieldErrors, categories: &[Category]) {
        if !categories.iter().any(|c| c.slug == self.category) {
            errors.add(tr, "category", "studio.error.category");
        }
    }

    /// The course use cases' input, with the cover taken from the form; `None`
    /// with the problems in `errors`. The use case checks the category and
    /// the right to a price again, against the database.
    pub fn parse(
        &self,
        tr: &Tr,
        errors: &mut FieldErrors,
        multipart: &mut MultipartForm,
        may_charge: bool,
    ) -> Option<CourseInput> {
        if self.title.is_empty() {
            errors.add(tr, "title", "studio.error.title_required");
        } else if too_long(&self.title, 120) {
            errors.add(tr, "title", "studio.error.title_long");
        }
        if too_long(&self.subtitle, 200) {
            errors.add(tr, "subtitle", "studio.error.subtitle_long");
        }
        if too_long(&self.description, 20_000) {
            errors.add(tr, "description", "studio.error.text_long");
        }
        if too_long(&self.outcomes, 5_000) {
            errors.add(tr, "outcomes", "studio.error.text_long");
        }
        if self.category.is_empty() {
            errors.add(tr, "category", "studio.error.category");
        }
        let level = errors.check(tr, "level", parse_level(&self.level));
        let format = errors.check(tr, "format", parse_format(&self.format));
        let price = errors.check(tr, "price", parse_price(&self.price));
        if price.is_some_and(|p| p > 0) && !may_charge {
            errors.add(tr, "price", "studio.error.price_needs_certification");
        }
        let tags = errors.check(tr, "tags", parse_tags(&self.tags));
        if let Some(problem) = multipart.error("cover") {
            errors.add_text("cover", problem.message(tr));
        }
        if !errors.is_empty() {
            return None;
        }
        Some(CourseInput {
            slug: None,
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            description: self.description.clone(),
            outcomes: self.outcomes.clone(),
            category: self.category.clone(),
            level: level?,
            format: format?,
            price_cents: price?,
            tags: tags?,
            cover: multipart.take_file("cover"),
            remove_cover: self.remove_cover,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChapterForm {
    #[serde(default)]
    pub title: String,
}

impl ChapterForm {
    pub fn check(&self, tr: &Tr, errors: &mut FieldErrors) -> Option<String> {
        let title = self.title.trim();
        if title.is_empty() {
            errors.add(tr, "title", "studio.error.title_required");
            None
        } else if too_long(title, 120) {
            errors.add(tr, "title", "studio.error.title_long");
            None
        } else {
            Some(title.to_string())
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub direction: String,
}

impl MoveForm {
    pub fn direction(&self) -> Result<Direction, AppError> {
        match self.direction.as_str() {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            _ => Err(AppError::BadRequest),
        }
    }
}

/// The lesson form (multipart, for the media).
#[derive(Debug, Clone, Default)]
pub struct LessonForm {
    pub title: String,
    pub body: String,
    pub free_preview: bool,
    pub duration_minutes: String,
    pub task_instructions: String,
    pub task_kind: String,
    /// Days after enrollment the task is due; empty for no due date.
    pub task_due_days: String,
    pub task_max_score: String,
    /// Completing the course does not need this task.
    pub task_optional: bool,
    pub remove_media: bool,
    /// "preview" when the Preview button was pressed.
    pub intent: String,
}

pub const TASK_KINDS: [&str; 3] = ["text", "link", "file"];

impl LessonForm {
    pub fn from_multipart(form: &MultipartForm) -> Self {
        let text = |name: &str| form.text(name).unwrap_or("").to_string();
        LessonForm {
            title: text("title").trim().to_string(),
            body: text("body"),
            free_preview: form.text("free_preview").is_some(),
            duration_minutes: text("duration_minutes").trim().to_string(),
            task_instructions: text("task_instructions"),
            task_kind: text("task_kind"),
            task_due_days: text("task_due_days").trim().to_string(),
            task_max_score: text("task_max_score").trim().to_string(),
            task_optional: form.text("task_optional").is_some(),
            remove_media: form.text("remove_media").is_some(),
            intent: text("intent"),
        }
    }

    pub fn from_fields(f: &LessonFields) -> Self {
        LessonForm {
            title: f.title.clone(),
            body: f.body.clone(),
            free_preview: f.free_preview,
            duration_minutes: f.duration_minutes.to_string(),
            task_instructions: f.task_instructions.clone(),
            task_kind: f.task_kind.clone().unwrap_or_default(),
            task_due_days: f.task_due_days.map(|d| d.to_string()).unwrap_or_default(),
            task_max_score: if f.task_kind.is_some() {
                f.task_max_score.to_string()
            } else {
                String::new()
            },
            task_optional: !f.task_required,
            remove_media: false,
            intent: String::new(),
        }
    }

    pub fn is_task_kind(&self, v: &str) -> bool {
        self.task_kind == v
    }

    pub fn wants_preview(&self) -> bool {
        self.intent == "preview"
    }

    /// The lesson use cases' input, with the media taken from the form;
    /// `None` with the problems in `errors`.
    pub fn parse(
        &self,
        tr: &Tr,
        errors: &mut FieldErrors,
        multipart: &mut MultipartForm,
    ) -> Option<LessonInput> {
        if let Some(problem) = multipart.error("media") {
            errors.add_text("media", problem.message(tr));
        }
        let fields = self.check(tr, errors)?;
        Some(LessonInput {
            fields,
            media: multipart.take_file("media"),
            remove_media: self.remove_media,
        })
    }

    pub fn check(&self, tr: &Tr, errors: &mut FieldErrors) -> Option<LessonFields> {
        if self.title.is_empty() {
            errors.add(tr, "title", "studio.error.title_required");
        } else if too_long(&self.title, 120) {
            errors.add(tr, "title", "studio.error.title_long");
        }
        if too_long(&self.body, 100_000) {
            errors.add(tr, "body", "studio.error.text_long");
        }
        let minutes = if self.duration_minutes.is_empty() {
            Some(0)
        } else {
            match self.duration_minutes.parse::<i32>() {
                Ok(m) if (0..=600).contains(&m) => Some(m),
                _ => {
                    errors.add(tr, "duration_minutes", "studio.error.duration");
                    None
                }
            }
        };
        if too_long(&self.task_instructions, 5_000) {
            errors.add(tr, "task_instructions", "studio.error.text_long");
        }
        let kind = match self.task_kind.as_str() {
            "" => None,
            k if TASK_KINDS.contains(&k) => Some(k.to_string()),
            _ => {
                errors.add(tr, "task_kind", "studio.error.task_kind");
                None
            }
        };
        if kind.is_some() && self.task_instructions.trim().is_empty() {
            errors.add(tr, "task_instructions", "studio.error.task_needs_instructions");
        }
        let due_days = match self.task_due_days.parse::<i32>() {
            _ if self.task_due_days.is_empty() => Some(None),
            Ok(d) if (1..=365).contains(&d) => Some(Some(d)),
            _ => {
                errors.add(tr, "task_due_days", "studio.error.task_due_days");
                None
            }
        };
        let max_score = match self.task_max_score.parse::<i32>() {
            _ if self.task_max_score.is_empty() => Some(100),
            Ok(s) if (1..=1000).contains(&s) => Some(s),
            _ => {
                errors.add(tr, "task_max_score", "studio.error.task_max_score");
                None
            }
        };
        let minutes = minutes?;
        let (due_days, max_score) = (due_days?, max_score?);
        if !errors.is_empty() {
            return None;
        }
        let has_task = !self.task_instructions.trim().is_empty();
        Some(LessonFields {
            title: self.title.clone(),
            body: self.body.clone(),
            body_html: crate::markdown::render(&self.body),
            free_preview: self.free_preview,
            duration_minutes: minutes,
            task_instructions: if has_task {
                self.task_instructions.clone()
            } else {
                String::new()
            },
            task_instructions_html: if has_task {
                crate::markdown::render(&self.task_instructions)
            } else {
                String::new()
            },
            task_kind: if has_task {
                kind.or(Some("text".into()))
            } else {
                None
            },
            task_due_days: due_days.filter(|_| has_task),
            task_max_score: max_score,
            task_required: !self.task_optional,
        })
    }
}
