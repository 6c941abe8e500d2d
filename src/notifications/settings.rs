//! Each member's email choices per kind of notification (off, at once
//! after a delay, in the daily digest) and their time zone, which says
//! when their digest's morning comes. Turning a kind's email off also
//! cancels its emails not sent yet.

use klearn_db::notifications::{EmailSettings, Notification};
use klearn_db::{write_tx, DbConnection, EmailChoice, NotificationKind, UserId};

use super::{chosen_kinds, default_email, NotificationError};
use crate::domain::actor::Actor;

/// What the settings page shows and saves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChoices {
    /// Each kind whose email the member chooses, with the choice.
    pub choices: Vec<(NotificationKind, EmailChoice)>,
    /// An IANA time zone name, or empty for the site's.
    pub timezone: String,
}

impl EmailChoices {
    /// The member's choices, defaults where they chose nothing.
    pub fn load(conn: &mut DbConnection, user: UserId) -> Result<EmailChoices, klearn_db::DbError> {
        let chosen = EmailSettings::chosen(conn, user)?;
        let choices = chosen_kinds()
            .into_iter()
            .map(|kind| {
                let choice = chosen
                    .iter()
                    .find(|(k, _)| k == kind.as_str())
                    .map(|(_, c)| *c)
                    .unwrap_or_else(|| default_email(kind));
                (kind, choice)
            })
            .collect();
        Ok(EmailChoices {
            choices,
            timezone: EmailSettings::timezone(conn, user)?,
        })
    }
}

/// A time zone as typed: empty (the site's) or an IANA name such as
/// `Asia/Shanghai`; returns its canonical name.
pub fn parse_timezone(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(String::new());
    }
    raw.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| "notifications.error.timezone")
}

/// Saves the member's choices; a kind turned off loses its emails not sent yet.
pub fn save_choices(
    conn: &mut DbConnection,
    actor: &Actor,
    choices: &EmailChoices,
) -> Result<(), NotificationError> {
    let member = actor.user_id().ok_or(NotificationError::NotFound)?;
    write_tx(conn, |conn| {
        let before = EmailChoices::load(conn, member)?;
        for (kind, choice) in &choices.choices {
            if !super::email_is_chosen(*kind) {
                continue;
            }
            EmailSettings::set(conn, member, *kind, *choice)?;
            let was = before.choices.iter().find(|(k, _)| k == kind).map(|(_, c)| *c);
            if *choice == EmailChoice::Off && was != Some(EmailChoice::Off) {
                Notification::cancel_emails_of(conn, member, &[*kind])?;
            }
        }
        EmailSettings::set_timezone(conn, member, &choices.timezone)?;
        Ok(())
    })
}
