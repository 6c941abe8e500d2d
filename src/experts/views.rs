//! Views of the expert pages: the application with its timeline, the
//! directory, the profile.

use askama::Template;
use chrono::NaiveDateTime;
use klearn_db::courses::CourseCard;
use klearn_db::experts::{Application, Figures, StepRow};
use klearn_db::uploads::Upload;
use klearn_db::users::User;

use crate::domain::expert::{ExpertSort, ExpertState, ExpertStateExt};
use crate::experts::forms::ApplicationForm;
use crate::experts::ExpertCard;
use crate::web::pager::Pager;
use crate::web::{FieldErrors, Page};

/// The applicant's view of their application.
pub struct Status {
    pub application: Application,
    pub topics: Vec<String>,
    pub evidence: Vec<Upload>,
    pub timeline: Vec<StepRow>,
}

impl Status {
    pub fn state(&self) -> ExpertState {
        self.application.state
    }

    pub fn is_open(&self) -> bool {
        self.state().is_open()
    }

    /// The stages of the pipeline with whether each is reached, for the
    /// progress line of an open application.
    pub fn stages(&self) -> Vec<(String, bool, bool)> {
        const PIPELINE: [ExpertState; 5] = [
            ExpertState::Submitted,
            ExpertState::Screening,
            ExpertState::Interview,
            ExpertState::Trial,
            ExpertState::Certified,
        ];
        let reached = PIPELINE.iter().position(|s| *s == self.state());
        PIPELINE
            .iter()
            .enumerate()
            .map(|(n, s)| (s.label_key(), reached.is_some_and(|r| n <= r), reached == Some(n)))
            .collect()
    }
}

pub fn state_key(state: &ExpertState) -> String {
    state.label_key()
}

#[derive(Template)]
#[template(path = "experts/apply.html")]
pub struct ApplyView {
    pub page: Page,
    /// The newest application, if any.
    pub status: Option<Status>,
    /// Whether the form is shown (no live application, no wait).
    pub may_apply: bool,
    /// Until when a refused applicant waits.
    pub wait_until: Option<NaiveDateTime>,
    pub form: ApplicationForm,
    /// Evidence kept from an earlier send of the form.
    pub kept: Vec<Upload>,
    pub errors: FieldErrors,
    /// A message above everything (e.g. why a send was refused).
    pub notice: Option<String>,
}

impl ApplyView {
    pub fn step_label(&self, step: &StepRow) -> String {
        state_key(&step.step.to_state)
    }
}

#[derive(Template)]
#[template(path = "experts/index.html")]
pub struct DirectoryView {
    pub page: Page,
    pub cards: Vec<ExpertCard>,
    pub sort: ExpertSort,
    pub topic: String,
    pub topics: Vec<(String, i64)>,
    pub pager: Pager,
}

impl DirectoryView {
    pub fn sorts(&self) -> Vec<(&'static str, String, bool)> {
        ExpertSort::ALL
            .into_iter()
            .map(|s| (s.as_str(), format!("experts.sort.{}", s.as_str()), s == self.sort))
            .collect()
    }

    pub fn is_topic(&self, tag: &str) -> bool {
        self.topic == tag
    }

    /// A link to this directory with another topic (empty: all topics).
    pub fn topic_href(&self, topic: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if self.sort != ExpertSort::Rating {
            q.append_pair("sort", self.sort.as_str());
        }
        if !topic.is_empty() {
            q.append_pair("topic", topic);
        }
        let q = q.finish();
        if q.is_empty() {
            "/experts".to_string()
        } else {
            format!("/experts?{q}")
        }
    }
}

#[derive(Template)]
#[template(path = "experts/profile.html")]
pub struct ProfileView {
    pub page: Page,
    pub member: User,
    pub certification: Option<Application>,
    pub topics: Vec<String>,
    pub links: Vec<String>,
    pub bio_html: String,
    pub avatar_url: Option<String>,
    pub courses: Vec<(CourseCard, Option<String>)>,
    pub figures: Figures,
    pub answers: i64,
    pub followers: i64,
    pub following: bool,
    pub json_ld: String,
    /// The ratings of all the expert's published courses (`partials/rating_stats.html`).
    pub stats: crate::domain::review::RatingStats,
}

impl ProfileView {
    pub fn name(&self) -> &str {
        self.member.shown_name()
    }

    pub fn headline(&self) -> &str {
        self.certification
            .as_ref()
            .map(|c| c.headline.as_str())
            .unwrap_or("")
    }

    pub fn is_self(&self) -> bool {
        self.page.user.as_ref().is_some_and(|u| u.id == self.member.id)
    }

    /// The description for search engines and link previews.
    pub fn summary(&self) -> String {
        let headline = self.headline();
        if headline.is_empty() {
            self.name().to_string()
        } else {
            format!("{} — {}", self.name(), headline)
        }
    }
}

/// The schema.org Person of a profile.
pub fn person_json_ld(
    view_name: &str,
    headline: &str,
    url: &str,
    image: Option<&str>,
    links: &[String],
    topics: &[String],
) -> String {
    let mut value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Person",
        "name": view_name,
        "url": url,
        "knowsAbout": topics,
        "sameAs": links,
    });
    if !headline.is_empty() {
        value["jobTitle"] = serde_json::Value::from(headline);
    }
    if let Some(image) = image {
        value["image"] = serde_json::Value::from(image);
    }
    crate::web::json_ld(&value)
}
