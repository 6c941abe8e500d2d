//! The reviews page's view: the statistics, the viewer's own review, the
//! list with its sorts, pages and buttons, the form to write or edit one's
//! review, and a reply or hiding form sent back with its error.

use askama::Template;
use klearn_db::reviews::ReviewId;

use super::pages::{ReviewCard, ReviewsPage, Writing};
use crate::domain::review::{star_row, RatingStats, SORTS};
use crate::web::pager::Pager;
use crate::web::{FieldErrors, Page};

/// The review form as sent (or as the saved review fills it).
#[derive(Debug, Clone, Default)]
pub struct ReviewForm {
    pub rating: String,
    pub title: String,
    pub body: String,
}

/// Which answer to a review a form gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The expert's reply (`body`).
    Reply,
    /// A moderator's hiding (`reason`).
    Hide,
}

/// A reply or hiding form sent back with its error, under its review.
#[derive(Debug, Clone)]
pub struct AnswerForm {
    pub review: ReviewId,
    pub answer: Answer,
    pub text: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "reviews/index.html")]
pub struct ReviewsView {
    pub page: Page,
    pub p: ReviewsPage,
    /// For `partials/rating_stats.html`.
    pub stats: RatingStats,
    pub sort: &'static str,
    pub pager: Pager,
    pub form: ReviewForm,
    pub errors: FieldErrors,
    pub answer: Option<AnswerForm>,
}

impl ReviewsView {
    pub fn new(page: Page, p: ReviewsPage, sort: &'static str, number: i64, per_page: i64) -> ReviewsView {
        let pager = Pager::new(number, per_page, p.total, &[("sort", sort)]);
        let form = match &p.mine {
            Some(mine) => ReviewForm {
                rating: mine.review.rating.to_string(),
                title: mine.review.title.clone(),
                body: mine.review.body.clone(),
            },
            None => ReviewForm::default(),
        };
        ReviewsView {
            page,
            stats: p.stats.clone(),
            p,
            sort,
            pager,
            form,
            errors: FieldErrors::new(),
            answer: None,
        }
    }

    pub fn slug(&self) -> &str {
        &self.p.card.course.slug
    }

    /// The sorts: (name, its link, whether it is the current one).
    pub fn sorts(&self) -> Vec<(&'static str, String, bool)> {
        SORTS
            .iter()
            .map(|(name, _)| {
                let href = format!("/courses/{}/reviews?sort={name}", self.slug());
                (*name, href, *name == self.sort)
            })
            .collect()
    }

    pub fn sort_key(&self, name: &str) -> String {
        format!("reviews.sort.{name}")
    }

    /// The form's star choices, five down to one: (stars, shown stars, checked).
    pub fn rating_choices(&self) -> Vec<(i32, String, bool)> {
        (1..=5)
            .rev()
            .map(|n| (n, star_row(n), self.form.rating.trim() == n.to_string()))
            .collect()
    }

    pub fn may_write(&self) -> bool {
        self.p.writing == Writing::Allowed
    }

    pub fn must_sign_in(&self) -> bool {
        self.p.writing == Writing::SignIn
    }

    /// Why the viewer may not write, a translation key.
    pub fn refusal(&self) -> Option<&'static str> {
        match self.p.writing {
            Writing::Refused(key) => Some(key),
            _ => None,
        }
    }

    pub fn login_url(&self) -> String {
        format!("/login?next=/courses/{}/reviews", self.slug())
    }

    pub fn has_visible_review(&self) -> bool {
        self.p.mine.as_ref().is_some_and(|m| m.review.is_visible())
    }

    pub fn voted(&self, card: &ReviewCard) -> bool {
        self.p.voted.contains(&card.review.id)
    }

    /// Signed-in members mark others' visible reviews helpful.
    pub fn may_vote(&self, card: &ReviewCard) -> bool {
        self.p.viewer.is_some_and(|v| v != card.review.author_id) && card.review.is_visible()
    }

    pub fn is_mine(&self, card: &ReviewCard) -> bool {
        self.p.viewer == Some(card.review.author_id)
    }

    pub fn may_reply(&self, card: &ReviewCard) -> bool {
        self.p.viewer_is_owner && card.review.is_visible() && card.review.reply_body.is_none()
    }

    pub fn may_hide(&self, card: &ReviewCard) -> bool {
        self.p.viewer_moderates && card.review.is_visible()
    }

    fn answer_to(&self, card: &ReviewCard, answer: Answer) -> Option<&AnswerForm> {
        self.answer
            .as_ref()
            .filter(|a| a.review == card.review.id && a.answer == answer)
    }

    pub fn reply_open(&self, card: &ReviewCard) -> bool {
        self.answer_to(card, Answer::Reply).is_some()
    }

    pub fn reply_text(&self, card: &ReviewCard) -> String {
        self.answer_to(card, Answer::Reply)
            .map(|a| a.text.clone())
            .unwrap_or_default()
    }

    pub fn reply_error(&self, card: &ReviewCard) -> Option<String> {
        self.answer_to(card, Answer::Reply).map(|a| a.error.clone())
    }

    pub fn hide_open(&self, card: &ReviewCard) -> bool {
        self.answer_to(card, Answer::Hide).is_some()
    }

    pub fn hide_text(&self, card: &ReviewCard) -> String {
        self.answer_to(card, Answer::Hide)
            .map(|a| a.text.clone())
            .unwrap_or_default()
    }

    pub fn hide_error(&self, card: &ReviewCard) -> Option<String> {
        self.answer_to(card, Answer::Hide).map(|a| a.error.clone())
    }
}
