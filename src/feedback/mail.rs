//! The mail of a triage: the item's new state and the moderator's note, a
//! reminder of what was filed, and for members a link to their items
//! (`emails/feedback_changed.*`).

use askama::Template;
use klearn_db::feedback::Feedback;

use crate::domain::feedback::{kind_key, state_key};
use crate::i18n::Tr;
use crate::mail::MailTemplate;

/// How much of the item's text the mail repeats.
const EXCERPT_CHARS: usize = 200;

pub struct FeedbackMail {
    pub tr: Tr,
    /// The member's name; none for a guest.
    pub name: Option<String>,
    /// The new state's name, in the recipient's language.
    pub state: String,
    pub kind: String,
    pub note: String,
    pub page_url: String,
    pub excerpt: String,
    /// `/feedback/mine`, for members.
    pub url: Option<String>,
}

impl FeedbackMail {
    pub fn new(tr: Tr, item: &Feedback, name: Option<String>, url: Option<String>) -> Self {
        let flat = item.body.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut excerpt: String = flat.chars().take(EXCERPT_CHARS).collect();
        if flat.chars().count() > EXCERPT_CHARS {
            excerpt.push('…');
        }
        FeedbackMail {
            state: tr.t(&state_key(item.state)).to_string(),
            kind: tr.t(&kind_key(item.kind)).to_string(),
            note: item.note.clone(),
            page_url: item.page_url.clone(),
            excerpt,
            name,
            url,
            tr,
        }
    }

    pub fn greeting(&self) -> String {
        match &self.name {
            Some(name) => self.tr.tf("mail.greeting", &[("name", name)]),
            None => self.tr.t("mail.feedback_changed.greeting_guest").to_string(),
        }
    }

    /// "Your problem report is now: Planned."
    pub fn headline(&self) -> String {
        self.tr.tf(
            "mail.feedback_changed.body",
            &[("kind", &self.kind), ("state", &self.state)],
        )
    }

    /// The lines of the note, as the moderator wrote them.
    pub fn note_lines(&self) -> Vec<&str> {
        self.note.lines().collect()
    }
}

#[derive(Template)]
#[template(path = "emails/feedback_changed.txt")]
struct Text<'a> {
    m: &'a FeedbackMail,
}

#[derive(Template)]
#[template(path = "emails/feedback_changed.html")]
struct Html<'a> {
    m: &'a FeedbackMail,
}

impl MailTemplate for FeedbackMail {
    fn subject(&self) -> String {
        self.tr.t1("mail.feedback_changed.subject", "state", &self.state)
    }

    fn text(&self) -> Result<String, askama::Error> {
        Text { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        Html { m: self }.render()
    }
}
