//! Mail: composed in the recipient's language from templates (text and HTML),
//! enqueued as a job by requests, sent by the worker over SMTP
//! (KLEARN_SMTP_URL) or written as `.eml` files under the data dir.

pub mod notice;

use askama::Template;
use klearn_db::jobs::Job;
use klearn_db::{DbConnection, DbError};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::i18n::Tr;
use crate::jobs::{new_job, JobContext, JobKind};

/// A mail ready to send: the payload of a `send_mail` job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// One-click unsubscribe link, for the kinds of mail that allow it.
    pub list_unsubscribe: Option<String>,
}

/// A kind of mail: rendered from a pair of templates, `emails/<kind>.txt` and
/// `emails/<kind>.html`, in the recipient's language.
pub trait MailTemplate {
    fn subject(&self) -> String;
    fn text(&self) -> Result<String, askama::Error>;
    fn html(&self) -> Result<String, askama::Error>;
    fn list_unsubscribe(&self) -> Option<String> {
        None
    }
}

/// Renders a mail for `to`.
pub fn compose<M: MailTemplate>(to: &str, mail: &M) -> Result<OutgoingMail, askama::Error> {
    Ok(OutgoingMail {
        to: to.to_string(),
        subject: mail.subject(),
        text: mail.text()?,
        html: mail.html()?,
        list_unsubscribe: mail.list_unsubscribe(),
    })
}

/// The message an operator sends to check the mail settings
/// (`klearn send-test-mail`), and the tests send through the outbox.
pub struct TestMail {
    pub tr: Tr,
    pub site_url: String,
}

#[derive(Template)]
#[template(path = "emails/test.txt")]
struct TestMailText<'a> {
    m: &'a TestMail,
}

#[derive(Template)]
#[template(path = "emails/test.html")]
struct TestMailHtml<'a> {
    m: &'a TestMail,
}

impl MailTemplate for TestMail {
    fn subject(&self) -> String {
        self.tr.t("mail.test.subject").to_string()
    }

    fn text(&self) -> Result<String, askama::Error> {
        TestMailText { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        TestMailHtml { m: self }.render()
    }
}

/// Sends one mail: the outbox's job kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SendMail(pub OutgoingMail);

impl JobKind for SendMail {
    const NAME: &'static str = "send_mail";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        ctx.mailer.send(&self.0).await
    }
}

/// Puts the mail in the outbox (the jobs table); a request never waits for SMTP.
/// With a dedupe key, enqueueing the same mail twice sends it once.
pub fn enqueue(
    conn: &mut DbConnection,
    mail: &OutgoingMail,
    dedupe_key: Option<String>,
) -> Result<i64, DbError> {
    let mut job = new_job(&SendMail(mail.clone()))?;
    if let Some(key) = dedupe_key {
        job = job.dedupe_key(key);
    }
    Job::enqueue(conn, &job)
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings.mail_from.parse()?;
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build()),
            None => {
                let dir = settings.mail_dir();
                std::fs::create_dir_all(&dir)?;
                Transport::Files(AsyncFileTransport::new(dir))
            }
        };
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::Files(t) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }

    fn build(&self, mail: &OutgoingMail) -> anyhow::Result<Message> {
        let to: Mailbox = mail.to.parse()?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        if let Some(url) = &mail.list_unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        let body = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.text.clone()),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(mail.html.clone()),
            );
        Ok(builder.multipart(body)?)
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}
