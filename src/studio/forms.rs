//! The studio's forms as sent, and their checks.

use klearn_db::categories::Category;
use klearn_db::courses::{CourseContent, CourseSettings, LessonFields};
use serde::Deserialize;

use crate::domain::account::parse_tags;
use crate::domain::course::{may_charge, parse_format, parse_level, parse_price, price_input};
use crate::i18n::Tr;
use crate::uploads::MultipartForm;
use crate::web::{CurrentUser, FieldErrors};

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

/// A checked course form.
pub struct ValidCourse {
    pub content: CourseContent,
    pub settings: CourseSettings,
    pub tags: Vec<String>,
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

    /// The form filled from a course, its tags and its category's slug.
    pub fn from_course(
        content: &CourseContent,
        settings: &CourseSettings,
        category: &str,
        tags: &[String],
    ) -> Self {
        CourseForm {
            title: content.title.clone(),
            subtitle: content.subtitle.clone(),
            description: content.description.clone(),
            outcomes: content.outcomes.clone(),
            category: category.to_string(),
            level: settings.level.clone(),
            format: settings.format.clone(),
            price: price_input(content.price_cents),
            tags: tags.join(", "),
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

    pub fn check(
        &self,
        tr: &Tr,
        user: &CurrentUser,
        categories: &[Category],
        errors: &mut FieldErrors,
    ) -> Option<ValidCourse> {
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
        let category = categories.iter().find(|c| c.slug == self.category);
        if category.is_none() {
            errors.add(tr, "category", "studio.error.category");
        }
        let level = errors.check(tr, "level", parse_level(&self.level));
        let format = errors.check(tr, "format", parse_format(&self.format));
        let price = errors.check(tr, "price", parse_price(&self.price));
        if let Some(p) = price {
            if p > 0 && !may_charge(user) {
                errors.add(tr, "price", "studio.error.price_needs_certification");
            }
        }
        let tags = errors.check(tr, "tags", parse_tags(&self.tags));
        let (Some(category), Some(level), Some(format), Some(price), Some(tags)) =
            (category, level, format, price, tags)
        else {
            return None;
        };
        if !errors.is_empty() {
            return None;
        }
        Some(ValidCourse {
            content: CourseContent {
                title: self.title.clone(),
                subtitle: self.subtitle.clone(),
                description: self.description.clone(),
                description_html: crate::markdown::render(&self.description),
                outcomes: self.outcomes.clone(),
                outcomes_html: crate::markdown::render(&self.outcomes),
                price_cents: price,
            },
            settings: CourseSettings {
                category_id: Some(category.id),
                level: level.to_string(),
                format: format.to_string(),
            },
            tags,
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

/// The lesson form (multipart, for the media).
#[derive(Debug, Clone, Default)]
pub struct LessonForm {
    pub title: String,
    pub body: String,
    pub free_preview: bool,
    pub duration_minutes: String,
    pub task_instructions: String,
    pub task_kind: String,
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
        let minutes = minutes?;
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
        })
    }
}
