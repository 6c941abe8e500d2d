//! Feedback's views: the form, a member's own items, and the moderators'
//! triage list.

use std::collections::HashMap;

use askama::Template;
use klearn_db::feedback::{Feedback, FeedbackKind, FeedbackRow, FeedbackState};
use klearn_db::FeedbackId;

use crate::admin::views::AdminNav;
use crate::web::pager::Pager;
use crate::web::{FieldErrors, Page};

/// The translation key of a state's name.
pub fn state_key(state: &FeedbackState) -> String {
    crate::domain::feedback::state_key(*state)
}

/// The translation key of a kind's name.
pub fn kind_key(kind: &FeedbackKind) -> String {
    crate::domain::feedback::kind_key(*kind)
}

/// The badge style of a state.
pub fn state_badge(state: &FeedbackState) -> &'static str {
    match state {
        FeedbackState::New => "badge-info",
        FeedbackState::Planned => "badge-warning",
        FeedbackState::Done => "badge-success",
        FeedbackState::Declined => "badge-neutral",
    }
}

/// Every state with its count, in triage order.
pub fn counts_in_order(counts: &HashMap<FeedbackState, i64>) -> Vec<(FeedbackState, i64)> {
    FeedbackState::ALL
        .iter()
        .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
        .collect()
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct FeedbackForm {
    pub kind: String,
    pub page_url: String,
    pub body: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "feedback/new.html")]
pub struct FeedbackFormView {
    pub page: Page,
    pub form: FeedbackForm,
    pub errors: FieldErrors,
    /// Refused: too many items from here within the hour.
    pub too_many: bool,
}

impl FeedbackFormView {
    pub fn kinds(&self) -> Vec<(&'static str, String)> {
        FeedbackKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(k)))
            .collect()
    }

    pub fn is_guest(&self) -> bool {
        self.page.user.is_none()
    }

    /// The address a member's answers go to.
    pub fn account_email(&self) -> &str {
        self.page.user.as_ref().map_or("", |u| u.email.as_str())
    }
}

#[derive(Template)]
#[template(path = "feedback/mine.html")]
pub struct MyFeedbackView {
    pub page: Page,
    pub items: Vec<Feedback>,
    pub pager: Pager,
}

impl MyFeedbackView {
    pub fn state_key(&self, state: &FeedbackState) -> String {
        state_key(state)
    }

    pub fn kind_key(&self, kind: &FeedbackKind) -> String {
        kind_key(kind)
    }

    pub fn state_badge(&self, state: &FeedbackState) -> &'static str {
        state_badge(state)
    }
}

/// What a moderator typed into an item's form that was refused.
#[derive(Debug, Clone)]
pub struct Typed {
    pub id: FeedbackId,
    pub state: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "admin/feedback.html")]
pub struct AdminFeedbackView {
    pub page: Page,
    pub nav: AdminNav,
    /// The state listed.
    pub state: FeedbackState,
    pub counts: Vec<(FeedbackState, i64)>,
    pub rows: Vec<FeedbackRow>,
    pub pager: Pager,
    /// The messages of a refused form, for the item in `typed`.
    pub errors: FieldErrors,
    pub typed: Option<Typed>,
}

impl AdminFeedbackView {
    pub fn states(&self) -> &'static [FeedbackState] {
        FeedbackState::ALL
    }

    pub fn state_key(&self, state: &FeedbackState) -> String {
        state_key(state)
    }

    pub fn kind_key(&self, kind: &FeedbackKind) -> String {
        kind_key(kind)
    }

    pub fn state_badge(&self, state: &FeedbackState) -> &'static str {
        state_badge(state)
    }

    pub fn tab_href(&self, state: &FeedbackState) -> String {
        format!("/admin/feedback?state={}", state.as_str())
    }

    fn typed_for(&self, id: &FeedbackId) -> Option<&Typed> {
        self.typed.as_ref().filter(|t| t.id == *id)
    }

    /// Whether `state` is the choice shown in the item's form: what was
    /// typed into a refused form, else the item's state.
    pub fn selected(&self, row: &FeedbackRow, state: &FeedbackState) -> bool {
        match self.typed_for(&row.item.id) {
            Some(t) => t.state == state.as_str(),
            None => row.item.state == *state,
        }
    }

    /// The note shown in the item's form: what was typed, else its note.
    pub fn note_for<'a>(&'a self, row: &'a FeedbackRow) -> &'a str {
        match self.typed_for(&row.item.id) {
            Some(t) => &t.note,
            None => &row.item.note,
        }
    }

    /// The message of `field` of a refused form, on its item only.
    pub fn error_for(&self, id: &FeedbackId, field: &str) -> Option<&str> {
        self.typed_for(id).and_then(|_| self.errors.get(field))
    }
}
