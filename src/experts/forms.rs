//! The expert application form as sent, and its checks.

use crate::domain::account::parse_tags;
use crate::domain::expert::{parse_links, parse_years};
use crate::i18n::Tr;
use crate::uploads::MultipartForm;
use crate::web::FieldErrors;

/// At most this many evidence files go with an application.
pub const MAX_EVIDENCE: usize = 3;

/// The application form (multipart, for the evidence files).
#[derive(Debug, Clone, Default)]
pub struct ApplicationForm {
    pub real_name: String,
    pub headline: String,
    pub bio: String,
    pub expertise: String,
    pub years: String,
    pub links: String,
    pub sample_outline: String,
    /// Evidence files that arrived with an earlier, refused send of this
    /// form: kept (stored names) so that nobody uploads them twice.
    pub kept: Vec<String>,
}

/// A checked application.
pub struct ValidApplication {
    pub real_name: String,
    pub headline: String,
    pub bio: String,
    pub topics: Vec<String>,
    pub years: i64,
    pub links: Vec<String>,
    pub sample_outline: String,
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl ApplicationForm {
    pub fn from_multipart(form: &MultipartForm) -> Self {
        let text = |name: &str| form.text(name).unwrap_or("").to_string();
        ApplicationForm {
            real_name: text("real_name").trim().to_string(),
            headline: text("headline").trim().to_string(),
            bio: text("bio"),
            expertise: text("expertise"),
            years: text("years").trim().to_string(),
            links: text("links"),
            sample_outline: text("sample_outline"),
            kept: form
                .texts("evidence_kept")
                .into_iter()
                .map(str::to_string)
                .take(MAX_EVIDENCE)
                .collect(),
        }
    }

    pub fn check(&self, tr: &Tr, errors: &mut FieldErrors) -> Option<ValidApplication> {
        if self.real_name.is_empty() {
            errors.add(tr, "real_name", "experts.error.real_name_required");
        } else if too_long(&self.real_name, 100) {
            errors.add(tr, "real_name", "experts.error.real_name_long");
        }
        if self.headline.is_empty() {
            errors.add(tr, "headline", "experts.error.headline_required");
        } else if too_long(&self.headline, 120) {
            errors.add(tr, "headline", "experts.error.headline_long");
        }
        if self.bio.trim().is_empty() {
            errors.add(tr, "bio", "experts.error.bio_required");
        } else if too_long(&self.bio, 10_000) {
            errors.add(tr, "bio", "experts.error.text_long");
        }
        let topics = errors.check(tr, "expertise", parse_tags(&self.expertise));
        if topics.as_ref().is_some_and(Vec::is_empty) {
            errors.add(tr, "expertise", "experts.error.expertise_required");
        }
        let years = errors.check(tr, "years", parse_years(&self.years));
        let links = errors.check(tr, "links", parse_links(&self.links));
        if self.sample_outline.trim().is_empty() {
            errors.add(tr, "sample_outline", "experts.error.outline_required");
        } else if too_long(&self.sample_outline, 20_000) {
            errors.add(tr, "sample_outline", "experts.error.text_long");
        }
        let (Some(topics), Some(years), Some(links), true) = (topics, years, links, errors.is_empty()) else {
            return None;
        };
        Some(ValidApplication {
            real_name: self.real_name.clone(),
            headline: self.headline.clone(),
            bio: self.bio.clone(),
            topics,
            years,
            links,
            sample_outline: self.sample_outline.clone(),
        })
    }
}
