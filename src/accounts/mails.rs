//! The mails of accounts: verify an address, reset a password, confirm a new
//! address, and the notices that tell the owner something changed. All share
//! one template (`emails/action.*`): a greeting, a few lines, maybe a button.

use askama::Template;

use crate::i18n::Tr;
use crate::mail::MailTemplate;

/// The kinds of account mail, each with its texts in the catalogues under `mail.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountMailKind {
    VerifyEmail,
    ResetPassword,
    ConfirmNewEmail,
    EmailChangeRequested,
    PasswordChanged,
}

impl AccountMailKind {
    pub const ALL: [AccountMailKind; 5] = [
        AccountMailKind::VerifyEmail,
        AccountMailKind::ResetPassword,
        AccountMailKind::ConfirmNewEmail,
        AccountMailKind::EmailChangeRequested,
        AccountMailKind::PasswordChanged,
    ];

    /// Its part of the translation keys: `mail.<key>.subject`, `.body`, `.button`, `.note`.
    pub fn key(self) -> &'static str {
        match self {
            AccountMailKind::VerifyEmail => "verify_email",
            AccountMailKind::ResetPassword => "reset_password",
            AccountMailKind::ConfirmNewEmail => "confirm_new_email",
            AccountMailKind::EmailChangeRequested => "email_change_requested",
            AccountMailKind::PasswordChanged => "password_changed",
        }
    }
}

pub struct AccountMail {
    pub tr: Tr,
    pub kind: AccountMailKind,
    pub name: String,
    /// The button's target, for the kinds that have one.
    pub url: Option<String>,
    /// Filled into `{detail}` in the lines (e.g. the new address).
    pub detail: String,
}

impl AccountMail {
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
    pub fn has_button(kind: AccountMailKind) -> bool {
        !matches!(
            kind,
            AccountMailKind::EmailChangeRequested | AccountMailKind::PasswordChanged
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
    m: &'a AccountMail,
}

#[derive(Template)]
#[template(path = "emails/action.html")]
struct Html<'a> {
    m: &'a AccountMail,
}

impl MailTemplate for AccountMail {
    fn subject(&self) -> String {
        AccountMail::subject(self)
    }

    fn text(&self) -> Result<String, askama::Error> {
        Text { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        Html { m: self }.render()
    }
}
