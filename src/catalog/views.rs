//! Views of the catalogue.

use askama::Template;
use klearn_db::categories::Category;
use klearn_db::courses::{CourseCard, Outline};

use crate::domain::course::price_label;
use crate::web::pager::Pager;
use crate::web::Page;

/// The catalogue's choices as the visitor made them (unknown values dropped).
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub q: String,
    pub category: String,
    pub level: String,
    pub format: String,
    pub price: String,
    pub sort: String,
}

impl Choices {
    pub fn is_category(&self, v: &str) -> bool {
        self.category == v
    }
    pub fn is_level(&self, v: &str) -> bool {
        self.level == v
    }
    pub fn is_format(&self, v: &str) -> bool {
        self.format == v
    }
    pub fn is_price(&self, v: &str) -> bool {
        self.price == v
    }
    pub fn is_sort(&self, v: &str) -> bool {
        self.sort == v
    }

    /// How many filters narrow the list: the search, category, level,
    /// format and price that differ from "any". The sort orders the list
    /// without narrowing it, so it is not counted.
    pub fn active(&self) -> usize {
        [&self.q, &self.category, &self.level, &self.format, &self.price]
            .iter()
            .filter(|v| !v.is_empty())
            .count()
    }

    /// Whether anything narrows the list (so "clear filters" makes sense).
    pub fn any(&self) -> bool {
        self.active() > 0
    }
}

#[derive(Template)]
#[template(path = "catalog/index.html")]
pub struct CatalogueView {
    pub page: Page,
    /// Where the filter form goes: `/courses` or `/categories/{slug}`.
    pub action: String,
    /// The category of a `/categories/{slug}` page.
    pub fixed_category: Option<Category>,
    pub categories: Vec<Category>,
    pub choices: Choices,
    pub cards: Vec<(CourseCard, Option<String>)>,
    pub pager: Pager,
    pub sorts: Vec<&'static str>,
}

impl CatalogueView {
    pub fn levels(&self) -> [&'static str; 3] {
        crate::domain::course::LEVELS
    }

    pub fn formats(&self) -> [&'static str; 4] {
        crate::domain::course::FORMATS
    }
}

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
    pub continue_lesson: Option<klearn_db::LessonId>,
    /// The signed-in learner already has this course in the cart.
    pub in_cart: bool,
    pub payments_ready: bool,
    pub json_ld: String,
    /// Its ratings (`partials/rating_stats.html`) and newest reviews.
    pub stats: crate::domain::review::RatingStats,
    pub reviews: Vec<crate::reviews::pages::ReviewCard>,
}

impl CourseView {
    pub fn price(&self) -> String {
        price_label(self.card.course.price_cents, &self.card.course.currency)
    }

    pub fn is_free(&self) -> bool {
        self.card.course.price_cents == 0
    }

    pub fn is_published(&self) -> bool {
        self.card.course.state == klearn_db::CourseState::Published
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

    /// The cover drawn for the course, shown where none was uploaded.
    pub fn drawn_cover(&self) -> String {
        crate::catalog::cover::svg_url(&self.card.course.slug, &self.card.course.updated_at)
    }

    /// The drawn cover as PNG, for link previews (their crawlers refuse SVG).
    pub fn drawn_preview(&self) -> String {
        crate::catalog::cover::png_url(&self.card.course.slug, &self.card.course.updated_at)
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
    crate::web::json_ld(&value)
}
