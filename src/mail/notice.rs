//! Notices: the short mails of accounts, courses, experts and reviews
//! (verify an address, reset a password, a course approved, a
//! certification step, a review hidden…). All share one template
//! (`emails/action.*`): a greeting, a few lines, maybe a button.

use askama::Template;

use klearn_db::users::User;
use klearn_db::{DbConnection, DbError};

use crate::i18n::{I18n, Locale, Tr};
use crate::mail::MailTemplate;

/// The kinds of notice, each with its texts in the catalogues under `mail.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    VerifyEmail,
    ResetPassword,
    ConfirmNewEmail,
    EmailChangeRequested,
    PasswordChanged,
    CourseApproved,
    CourseRejected,
    RevisionApproved,
    RevisionRejected,
    CoursePaidWithdrawn,
    ExpertApplied,
    ExpertProgress,
    ExpertCertified,
    ExpertRejected,
    ExpertRevoked,
    TaskPassed,
    TaskReturned,
    CertificateIssued,
    ReviewHidden,
    RefundDeclined,
    Refunded,
    PayoutMade,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 22] = [
        NoticeKind::VerifyEmail,
        NoticeKind::ResetPassword,
        NoticeKind::ConfirmNewEmail,
        NoticeKind::EmailChangeRequested,
        NoticeKind::PasswordChanged,
        NoticeKind::CourseApproved,
        NoticeKind::CourseRejected,
        NoticeKind::RevisionApproved,
        NoticeKind::RevisionRejected,
        NoticeKind::CoursePaidWithdrawn,
        NoticeKind::ExpertApplied,
        NoticeKind::ExpertProgress,
        NoticeKind::ExpertCertified,
        NoticeKind::ExpertRejected,
        NoticeKind::ExpertRevoked,
        NoticeKind::TaskPassed,
        NoticeKind::TaskReturned,
        NoticeKind::CertificateIssued,
        NoticeKind::ReviewHidden,
        NoticeKind::RefundDeclined,
        NoticeKind::Refunded,
        NoticeKind::PayoutMade,
    ];

    /// Its part of the translation keys: `mail.<key>.subject`, `.body`, `.button`, `.note`.
    pub fn key(self) -> &'static str {
        match self {
            NoticeKind::VerifyEmail => "verify_email",
            NoticeKind::ResetPassword => "reset_password",
            NoticeKind::ConfirmNewEmail => "confirm_new_email",
            NoticeKind::EmailChangeRequested => "email_change_requested",
            NoticeKind::PasswordChanged => "password_changed",
            NoticeKind::CourseApproved => "course_approved",
            NoticeKind::CourseRejected => "course_rejected",
            NoticeKind::RevisionApproved => "revision_approved",
            NoticeKind::RevisionRejected => "revision_rejected",
            NoticeKind::CoursePaidWithdrawn => "course_paid_withdrawn",
            NoticeKind::ExpertApplied => "expert_applied",
            NoticeKind::ExpertProgress => "expert_progress",
            NoticeKind::ExpertCertified => "expert_certified",
            NoticeKind::ExpertRejected => "expert_rejected",
            NoticeKind::ExpertRevoked => "expert_revoked",
            NoticeKind::TaskPassed => "task_passed",
            NoticeKind::TaskReturned => "task_returned",
            NoticeKind::CertificateIssued => "certificate_issued",
            NoticeKind::ReviewHidden => "review_hidden",
            NoticeKind::RefundDeclined => "refund_declined",
            NoticeKind::Refunded => "refunded",
            NoticeKind::PayoutMade => "payout_made",
        }
    }
}

pub struct NoticeMail {
    pub tr: Tr,
    pub kind: NoticeKind,
    pub name: String,
    /// The button's target, for the kinds that have one.
    pub url: Option<String>,
    /// Filled into `{detail}` in the lines (e.g. the new address).
    pub detail: String,
}

impl NoticeMail {
    fn text(&self, part: &str) -> String {
        let key = format!("mail.{}.{}", self.kind.key(), part);
        self.tr
            .tf(&key, &[("name", &self.name), ("detail", &self.detail)])
    }

    pub fn subject(&self) -> String {
        self.text("subject")
    }

    pub fn greeting(&self) -> String {
        self.tr.tf("mail.greeting", &[("name", &self.name)])
    }

    pub fn lines(&self) -> Vec<String> {
        self.text("body").split('\n').map(str::to_string).collect()
    }

    /// Whether this kind carries a button (and so has `.button` text).
    pub fn has_button(kind: NoticeKind) -> bool {
        !matches!(
            kind,
            NoticeKind::EmailChangeRequested | NoticeKind::PasswordChanged
        )
    }

    pub fn link(&self) -> Option<(String, String)> {
        self.url.as_ref().map(|u| (self.text("button"), u.clone()))
    }

    pub fn note(&self) -> Option<String> {
        Some(self.text("note"))
    }
}

#[derive(Template)]
#[template(path = "emails/action.txt")]
struct Text<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "emails/action.html")]
struct Html<'a> {
    m: &'a NoticeMail,
}

impl MailTemplate for NoticeMail {
    fn subject(&self) -> String {
        NoticeMail::subject(self)
    }

    fn text(&self) -> Result<String, askama::Error> {
        Text { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        Html { m: self }.render()
    }
}

/// Puts a notice in the outbox, in the recipient's language.
pub fn send(
    conn: &mut DbConnection,
    i18n: &std::sync::Arc<I18n>,
    user: &User,
    to: &str,
    kind: NoticeKind,
    url: Option<String>,
    detail: &str,
) -> Result<(), DbError> {
    let locale = Locale::parse(&user.locale).unwrap_or(Locale::ZhCn);
    let message = NoticeMail {
        tr: Tr::new(i18n.clone(), locale),
        kind,
        name: user.shown_name().to_string(),
        url,
        detail: detail.to_string(),
    };
    let outgoing =
        crate::mail::compose(to, &message).map_err(|e| DbError::Config(format!("mail template: {e}")))?;
    crate::mail::enqueue(conn, &outgoing, None)?;
    Ok(())
}
