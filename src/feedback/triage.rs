//! Triage: a moderator puts an item in a state (new, planned, done,
//! declined; any may follow any) with a public note, in one transaction
//! with its audit entry and the mail to its author. Sending the state and
//! note it already has changes nothing and mails nobody.

use klearn_db::audit::{self, Object};
use klearn_db::feedback::{Feedback, FeedbackState};
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, DbError, FeedbackId};

use super::mail::FeedbackMail;
use super::FeedbackError;
use crate::domain::actor::Actor;
use crate::domain::feedback::parse_note;
use crate::i18n::{Locale, Tr};
use crate::services::Services;

/// What a triage did.
#[derive(Debug, Clone)]
pub struct Triaged {
    /// The item as it is now.
    pub item: Feedback,
    /// The state it was in before.
    pub from: FeedbackState,
    /// False when the state and the note were already these.
    pub changed: bool,
}

/// Puts item `id` in `state` with the public `note` (a declined item needs
/// one). Moderators only.
pub fn triage(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: FeedbackId,
    state: FeedbackState,
    note: &str,
) -> Result<Triaged, FeedbackError> {
    if !actor.is_moderator() {
        return Err(FeedbackError::Forbidden("feedback.error.moderators_only"));
    }
    let note = parse_note(note, state).map_err(|key| FeedbackError::invalid("note", key))?;
    write_tx(conn, |conn| {
        let item = Feedback::find(conn, id)?;
        let from = item.state;
        if from == state && item.note == note {
            return Ok(Triaged {
                item,
                from,
                changed: false,
            });
        }
        if !Feedback::decide(conn, &item, state, &note, actor.user_id())? {
            return Err(FeedbackError::Conflict("error.409.message"));
        }
        let record = if note.is_empty() {
            format!("{from} → {state}")
        } else {
            format!("{from} → {state}: {note}")
        };
        audit::record(
            conn,
            actor.user_id(),
            &format!("feedback.{state}"),
            Object::new("feedback", id),
            &record,
        )?;
        let item = Feedback::find(conn, id)?;
        tell_author(conn, services, &item)?;
        Ok(Triaged {
            item,
            from,
            changed: true,
        })
    })
}

/// Queues the mail of a change to the item's author: a member at their
/// account's current address, in their language, with a link to their
/// items; a guest at the address they gave, in the site's default
/// language, text only. A deleted member is not written to.
fn tell_author(conn: &mut DbConnection, services: &Services, item: &Feedback) -> Result<(), DbError> {
    let (to, locale, name, url) = match item.author_id {
        Some(author) => {
            let member = User::find(conn, author)?;
            if member.is_deleted() {
                return Ok(());
            }
            (
                member.email.clone(),
                Locale::parse(&member.locale).unwrap_or(Locale::ZhCn),
                Some(member.shown_name().to_string()),
                Some(services.settings.absolute_url("/feedback/mine")),
            )
        }
        None if item.email.is_empty() => return Ok(()),
        None => (item.email.clone(), Locale::ZhCn, None, None),
    };
    let mut mail = FeedbackMail::new(Tr::new(services.i18n.clone(), locale), item, name, url);
    if mail.page_url.starts_with('/') {
        mail.page_url = services.settings.absolute_url(&mail.page_url);
    }
    let outgoing = crate::mail::compose(&to, &mail)
        .map_err(|e| DbError::Config(format!("feedback mail template: {e}")))?;
    crate::mail::enqueue(conn, &outgoing, None)?;
    Ok(())
}
