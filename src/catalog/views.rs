//! Views of the catalogue.

use askama::Template;
use klearn_db::courses::{CourseCard, Outline};

use crate::domain::course::price_label;
use crate::web::Page;

#[derive(Template)]
#[template(path = "catalog/course.html")]
pub struct CourseView {
    pub page: Page,
    pub card: CourseCard,
    pub outline: Outline,
    pub category: Option<(String, String)>,
    pub tags: Vec<String>,
    pub cover_url: Option<String>,
    pub enrolled: bool,
    pub staff: bool,
    /// The lesson to continue with, for an enrolled learner.
    pub continue_lesson: Option<i64>,
    pub payments_ready: bool,
    pub json_ld: String,
}

impl CourseView {
    pub fn price(&self) -> String {
        price_label(self.card.course.price_cents, &self.card.course.currency)
    }

    pub fn is_free(&self) -> bool {
        self.card.course.price_cents == 0
    }

    pub fn is_published(&self) -> bool {
        self.card.course.state == klearn_db::courses::PUBLISHED
    }

    /// Whether the outline links a lesson: previews for all, every lesson for those who may.
    pub fn opens(&self, free_preview: &bool) -> bool {
        self.enrolled || self.staff || (*free_preview && self.is_published())
    }

    pub fn state_key(&self) -> String {
        format!("course_state.{}", self.card.course.state)
    }

    pub fn level_key(&self) -> String {
        format!("level.{}", self.card.course.level)
    }

    pub fn format_key(&self) -> String {
        format!("format.{}", self.card.course.format)
    }

    pub fn hours_minutes(&self) -> (i64, i64) {
        let total = self.outline.total_minutes();
        (total / 60, total % 60)
    }
}

/// The schema.org Course as JSON for `<script type="application/ld+json">`,
/// safe to put inside a script element.
pub fn course_json_ld(card: &CourseCard, url: &str, lang: &str) -> String {
    let course = &card.course;
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Course",
        "name": course.title,
        "description": if course.subtitle.is_empty() { &course.title } else { &course.subtitle },
        "url": url,
        "inLanguage": lang,
        "provider": { "@type": "Organization", "name": "Klearn" },
        "author": { "@type": "Person", "name": card.owner_name() },
        "offers": {
            "@type": "Offer",
            "category": if course.price_cents == 0 { "Free" } else { "Paid" },
            "price": crate::domain::course::price_input(course.price_cents),
            "priceCurrency": course.currency,
        },
    });
    serde_json::to_string(&value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
