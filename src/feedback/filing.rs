//! Filing feedback: a member under their account (their address is the
//! account's), a guest with the address they give. Both are limited per
//! hour (guests per client address) so that the form cannot be used to
//! flood the moderators; a refused form takes no slot.

use chrono::Duration;
use klearn_db::feedback::{Feedback, FeedbackKind, FeedbackState, NewFeedback};
use klearn_db::users::User;
use klearn_db::{rate, write_tx, DbConnection, UserId};

use super::FeedbackError;
use crate::domain::account::Email;
use crate::domain::feedback::{parse_body, parse_page_url, GUEST_ITEMS_PER_HOUR, MEMBER_ITEMS_PER_HOUR};

/// Who files.
#[derive(Debug, Clone)]
pub enum Filer {
    /// A signed-in member.
    Member(UserId),
    /// A guest: the address the answers go to, and the client address the
    /// limit counts by.
    Guest { email: Email, ip: String },
}

impl Filer {
    /// The rate-limit bucket and how many items it allows per hour.
    fn bucket(&self) -> (String, usize) {
        match self {
            Filer::Member(id) => (format!("feedback:user:{id}"), MEMBER_ITEMS_PER_HOUR),
            Filer::Guest { ip, .. } => (format!("feedback:ip:{ip}"), GUEST_ITEMS_PER_HOUR),
        }
    }
}

/// A filed item as its form parsed it.
#[derive(Debug, Clone)]
pub struct FeedbackInput {
    pub kind: FeedbackKind,
    /// A path on this site, an http(s) address, or empty.
    pub page_url: String,
    /// Markdown.
    pub body: String,
}

/// Files an item in the `new` state, its text rendered once as sanitized
/// HTML. A page address or text the rules refuse comes back against its
/// field; one too many within the hour is `TooMany`.
pub fn file_feedback(
    conn: &mut DbConnection,
    filer: &Filer,
    input: FeedbackInput,
) -> Result<Feedback, FeedbackError> {
    let page_url = parse_page_url(&input.page_url).map_err(|key| FeedbackError::invalid("page_url", key))?;
    let body = parse_body(&input.body).map_err(|key| FeedbackError::invalid("body", key))?;
    let body_html = crate::markdown::render(&body);
    write_tx(conn, |conn| {
        let (author_id, email) = match filer {
            Filer::Member(id) => {
                let member = User::find(conn, *id)?;
                if member.is_deleted() {
                    return Err(FeedbackError::NotFound);
                }
                (Some(member.id), member.email)
            }
            Filer::Guest { email, .. } => (None, email.as_str().to_string()),
        };
        let (bucket, per_hour) = filer.bucket();
        if let Err(until) = rate::take(conn, &bucket, per_hour, Duration::hours(1))? {
            return Err(FeedbackError::TooMany {
                retry_after_secs: (until - klearn_db::now()).num_seconds().max(1) as u64,
            });
        }
        let now = klearn_db::now();
        Ok(Feedback::create(
            conn,
            &NewFeedback {
                author_id,
                email: &email,
                kind: input.kind,
                page_url: &page_url,
                body: &body,
                body_html: &body_html,
                state: FeedbackState::New,
                created_at: now,
                updated_at: now,
            },
        )?)
    })
}
