//! Notifications by email. An immediate email waits `EMAIL_DELAY_MINUTES`
//! in a job and is composed then, from the post as it reads now; it is not
//! sent when the member read the notification meanwhile, or the post is
//! no longer shown. The daily digest goes once a day per member from
//! `DIGEST_HOUR` in their time zone, listing their unread digest items,
//! and not at all when there are none. Every such mail carries a signed
//! one-click unsubscribe link for its kind (the digest's: the digest).

use chrono::{Duration, NaiveDateTime, Timelike};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use askama::Template;
use klearn_db::forum::Post;
use klearn_db::jobs::Job;
use klearn_db::notifications::{EmailSettings, Notification};
use klearn_db::users::User;
use klearn_db::{
    write_tx, DbConnection, DbError, EmailChoice, EmailState, NotificationId, NotificationKind, PostState,
    UserId,
};

use super::lines::{describe, Line};
use super::{chosen_kinds, email_choice, NotificationError};
use crate::i18n::{Locale, Tr};
use crate::jobs::{new_job, JobContext, JobKind};
use crate::mail::MailTemplate;
use crate::services::Services;

/// How long an immediate email waits, so that a quick read or an edit counts.
pub const EMAIL_DELAY_MINUTES: i64 = 10;
/// The local hour from which a member's daily digest goes.
pub const DIGEST_HOUR: u32 = 8;
/// How much of a post an email quotes.
const EXCERPT_CHARS: usize = 600;

/// Enqueues the email of a notification that waits its delay (inside the
/// transaction that made it).
pub fn send_later(conn: &mut DbConnection, notification: &Notification) -> Result<(), DbError> {
    let job = new_job(&SendNotificationEmail {
        id: notification.id.0,
    })?
    .run_at(notification.created_at + Duration::minutes(EMAIL_DELAY_MINUTES))
    .dedupe_key(format!("notification_email:{}", notification.id));
    Job::enqueue(conn, &job)?;
    Ok(())
}

/// Sends one notification's email once its delay is over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendNotificationEmail {
    pub id: i64,
}

impl JobKind for SendNotificationEmail {
    const NAME: &'static str = "notification_email";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let services = ctx.services.clone();
        let sent = ctx
            .db(move |conn| Ok(send_now(conn, &services, NotificationId(self.id))?))
            .await?;
        tracing::info!(notification = self.id, ?sent, "notification email");
        Ok(())
    }
}

/// What became of a waiting email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// It went to the outbox.
    Sent,
    /// Read meanwhile, withdrawn, sent already: nothing to do.
    NotWaiting,
    /// Its post (or thread) is no longer shown: cancelled.
    Cancelled,
}

/// Sends the email of a notification whose delay is over, if it still
/// waits (harmless when repeated).
pub fn send_now(conn: &mut DbConnection, services: &Services, id: NotificationId) -> Result<Sent, DbError> {
    write_tx(conn, |conn| {
        let notification = match Notification::find(conn, id) {
            Ok(n) => n,
            Err(DbError::NotFound) => return Ok(Sent::NotWaiting),
            Err(e) => return Err(e),
        };
        if notification.email_state != EmailState::Waiting || notification.is_read() {
            return Ok(Sent::NotWaiting);
        }
        let post = match notification.post_id {
            Some(post) => Some(Post::find(conn, post)?),
            None => None,
        };
        let thread_gone = match notification.thread_id {
            Some(thread) => klearn_db::forum::Thread::find(conn, thread)?.state != PostState::Visible,
            None => false,
        };
        if thread_gone || post.as_ref().is_some_and(|p| p.state != PostState::Visible) {
            Notification::move_email(conn, id, EmailState::Waiting, EmailState::Cancelled)?;
            return Ok(Sent::Cancelled);
        }
        let user = User::find(conn, notification.user_id)?;
        if user.deleted_at.is_some() {
            Notification::move_email(conn, id, EmailState::Waiting, EmailState::Cancelled)?;
            return Ok(Sent::Cancelled);
        }
        let tr = member_tr(services, &user);
        let line = describe(conn, &tr, std::slice::from_ref(&notification))?
            .pop()
            .ok_or(DbError::NotFound)?;
        let mail = NotificationMail {
            name: user.shown_name().to_string(),
            excerpt: post.map(|p| excerpt(&p.body)).unwrap_or_default(),
            url: services.settings.absolute_url(&line.url),
            settings_url: services.settings.absolute_url("/settings/notifications"),
            unsubscribe_url: unsubscribe_url(services, user.id, Topic::Kind(notification.kind)),
            line,
            tr,
        };
        let outgoing = crate::mail::compose(&user.email, &mail)
            .map_err(|e| DbError::Config(format!("mail template: {e}")))?;
        crate::mail::enqueue(conn, &outgoing, Some(format!("notification_mail:{id}")))?;
        Notification::move_email(conn, id, EmailState::Waiting, EmailState::Sent)?;
        Ok(Sent::Sent)
    })
}

fn member_tr(services: &Services, user: &User) -> Tr {
    Tr::new(
        services.i18n.clone(),
        Locale::parse(&user.locale).unwrap_or(Locale::ZhCn),
    )
}

/// The start of a post's text, whole words where it is cut.
fn excerpt(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() <= EXCERPT_CHARS {
        return body.to_string();
    }
    let cut: String = body.chars().take(EXCERPT_CHARS).collect();
    format!("{}…", cut.trim_end())
}

/// The member's time zone: their own, else the site's.
pub fn member_timezone(services: &Services, timezone: &str) -> chrono_tz::Tz {
    timezone.parse().unwrap_or(services.settings.timezone)
}

/// Sends the digests due at `now`: to each member with unread digest
/// items whose local time is past `DIGEST_HOUR` on a day they have had no
/// digest yet. Returns how many went.
pub fn send_digests(
    conn: &mut DbConnection,
    services: &Services,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let mut sent = 0;
    for member in Notification::digest_members(conn)? {
        if send_digest(conn, services, member, now)? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// One member's digest at `now`, if their morning has come and it has not
/// gone today; true when it went.
pub fn send_digest(
    conn: &mut DbConnection,
    services: &Services,
    member: UserId,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    write_tx(conn, |conn| {
        let user = User::find(conn, member)?;
        if user.deleted_at.is_some() {
            return Ok(false);
        }
        let local = now
            .and_utc()
            .with_timezone(&member_timezone(services, &user.timezone));
        let day = local.date_naive();
        if local.hour() < DIGEST_HOUR || EmailSettings::digest_sent_on(conn, member)? == Some(day) {
            return Ok(false);
        }
        let waiting = Notification::digest_waiting(conn, member)?;
        if waiting.is_empty() {
            return Ok(false);
        }
        let tr = member_tr(services, &user);
        let mut lines = describe(conn, &tr, &waiting)?;
        for line in &mut lines {
            line.url = services.settings.absolute_url(&line.url);
        }
        let mail = DigestMail {
            name: user.shown_name().to_string(),
            day: day.to_string(),
            lines,
            url: services.settings.absolute_url("/notifications"),
            settings_url: services.settings.absolute_url("/settings/notifications"),
            unsubscribe_url: unsubscribe_url(services, member, Topic::Digest),
            tr,
        };
        let outgoing = crate::mail::compose(&user.email, &mail)
            .map_err(|e| DbError::Config(format!("mail template: {e}")))?;
        crate::mail::enqueue(conn, &outgoing, Some(format!("digest:{member}:{day}")))?;
        for n in &waiting {
            Notification::move_email(conn, n.id, EmailState::Digest, EmailState::Digested)?;
        }
        EmailSettings::set_digest_sent_on(conn, member, day)?;
        Ok(true)
    })
}

/// The hourly look for members whose digest is due.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendDigests;

impl JobKind for SendDigests {
    const NAME: &'static str = "notification_digests";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let services = ctx.services.clone();
        let sent = ctx
            .db(move |conn| Ok(send_digests(conn, &services, klearn_db::now())?))
            .await?;
        tracing::info!(sent, "notification digests");
        Ok(())
    }
}

/// Enqueues this hour's look for due digests; every process does, the
/// dedupe key keeps one.
pub fn schedule_hourly(conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), DbError> {
    let hour = now.format("%Y-%m-%dT%H");
    Job::enqueue(
        conn,
        &new_job(&SendDigests)?.dedupe_key(format!("{}:{hour}", SendDigests::NAME)),
    )?;
    Ok(())
}

// ---- unsubscribing ----

/// What an unsubscribe link turns off: one kind's email, or the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Kind(NotificationKind),
    Digest,
}

impl Topic {
    fn as_str(self) -> &'static str {
        match self {
            Topic::Kind(kind) => kind.as_str(),
            Topic::Digest => "digest",
        }
    }

    fn parse(s: &str) -> Option<Topic> {
        match s {
            "digest" => Some(Topic::Digest),
            other => NotificationKind::parse(other)
                .filter(|k| super::email_is_chosen(*k))
                .map(Topic::Kind),
        }
    }
}

fn token_mac(secret: &[u8], user: UserId, topic: Topic) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(format!("unsubscribe:{user}:{}", topic.as_str()).as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A token naming the member and what it turns off, signed with the site's secret.
pub fn unsubscribe_token(secret: &[u8], user: UserId, topic: Topic) -> String {
    format!(
        "{user}.{}.{}",
        topic.as_str(),
        hex::encode(token_mac(secret, user, topic))
    )
}

/// The member and topic of a token, if its signature holds.
pub fn read_unsubscribe_token(secret: &[u8], token: &str) -> Option<(UserId, Topic)> {
    let mut parts = token.trim().splitn(3, '.');
    let user = UserId(parts.next()?.parse().ok()?);
    let topic = Topic::parse(parts.next()?)?;
    let signature = hex::decode(parts.next()?).ok()?;
    let expected = token_mac(secret, user, topic);
    bool::from(signature.as_slice().ct_eq(&expected)).then_some((user, topic))
}

/// The absolute one-click unsubscribe link for a member and topic.
pub fn unsubscribe_url(services: &Services, user: UserId, topic: Topic) -> String {
    services.settings.absolute_url(&format!(
        "/unsubscribe?token={}",
        unsubscribe_token(&services.settings.secret_key, user, topic)
    ))
}

/// Turns off what a token names: one kind's email, or the digest (every
/// kind sent daily goes off). Its emails not sent yet are cancelled.
/// Returns the kinds turned off.
pub fn unsubscribe(
    conn: &mut DbConnection,
    user: UserId,
    topic: Topic,
) -> Result<Vec<NotificationKind>, NotificationError> {
    write_tx(conn, |conn| {
        User::find(conn, user)?;
        let kinds: Vec<NotificationKind> = match topic {
            Topic::Kind(kind) => vec![kind],
            Topic::Digest => {
                let mut daily = Vec::new();
                for kind in chosen_kinds() {
                    if email_choice(conn, user, kind)? == EmailChoice::Daily {
                        daily.push(kind);
                    }
                }
                daily
            }
        };
        for kind in &kinds {
            EmailSettings::set(conn, user, *kind, EmailChoice::Off)?;
        }
        Notification::cancel_emails_of(conn, user, &kinds)?;
        Ok(kinds)
    })
}

// ---- the mails ----

/// One notification by email: its line, the post's text as it is now.
pub struct NotificationMail {
    pub tr: Tr,
    pub name: String,
    pub line: Line,
    pub excerpt: String,
    pub url: String,
    pub settings_url: String,
    pub unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "emails/notification.txt")]
struct NotificationText<'a> {
    m: &'a NotificationMail,
}

#[derive(Template)]
#[template(path = "emails/notification.html")]
struct NotificationHtml<'a> {
    m: &'a NotificationMail,
}

impl MailTemplate for NotificationMail {
    fn subject(&self) -> String {
        self.line.text.clone()
    }

    fn text(&self) -> Result<String, askama::Error> {
        NotificationText { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        NotificationHtml { m: self }.render()
    }

    fn list_unsubscribe(&self) -> Option<String> {
        Some(self.unsubscribe_url.clone())
    }
}

/// The day's digest: the unread items, each with its link.
pub struct DigestMail {
    pub tr: Tr,
    pub name: String,
    pub day: String,
    pub lines: Vec<Line>,
    pub url: String,
    pub settings_url: String,
    pub unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "emails/digest.txt")]
struct DigestText<'a> {
    m: &'a DigestMail,
}

#[derive(Template)]
#[template(path = "emails/digest.html")]
struct DigestHtml<'a> {
    m: &'a DigestMail,
}

impl MailTemplate for DigestMail {
    fn subject(&self) -> String {
        self.tr.tf(
            "mail.digest.subject",
            &[("count", &self.lines.len().to_string()), ("day", &self.day)],
        )
    }

    fn text(&self) -> Result<String, askama::Error> {
        DigestText { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        DigestHtml { m: self }.render()
    }

    fn list_unsubscribe(&self) -> Option<String> {
        Some(self.unsubscribe_url.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_member_and_topic_and_resists_forgery() {
        let secret = b"secret";
        let token = unsubscribe_token(secret, UserId(7), Topic::Kind(NotificationKind::Mention));
        assert_eq!(
            read_unsubscribe_token(secret, &token),
            Some((UserId(7), Topic::Kind(NotificationKind::Mention)))
        );
        let other = token.replacen("7.", "8.", 1);
        assert_eq!(read_unsubscribe_token(secret, &other), None);
        assert_eq!(read_unsubscribe_token(b"other", &token), None);
        let digest = unsubscribe_token(secret, UserId(7), Topic::Digest);
        assert_eq!(
            read_unsubscribe_token(secret, &digest),
            Some((UserId(7), Topic::Digest))
        );
        assert_eq!(read_unsubscribe_token(secret, "garbage"), None);
    }
}
