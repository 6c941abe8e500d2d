//! The account forms as submitted, and their parsing into the use cases'
//! requests. Passwords are never echoed back.

use serde::Deserialize;

use crate::accounts::settings::{EmailChange, PasswordChange, ProfileUpdate};
use crate::accounts::signin::Credentials;
use crate::accounts::signup::Registration;
use crate::domain::account::{parse_tags, Email, NewPassword, Username};
use crate::i18n::{Locale, Tr};
use crate::uploads::MultipartForm;
use crate::web::FieldErrors;

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
    #[serde(default)]
    pub next: String,
}

impl RegisterForm {
    pub fn parse(
        &self,
        tr: &Tr,
        errors: &mut FieldErrors,
        locale: Locale,
        ip: String,
    ) -> Option<Registration> {
        let username = errors.check(tr, "username", Username::parse(&self.username));
        let email = errors.check(tr, "email", Email::parse(&self.email));
        let password = errors.check(
            tr,
            "password",
            NewPassword::parse(&self.password, &self.password_confirm),
        );
        Some(Registration {
            username: username?,
            email: email?,
            password: password?,
            locale,
            ip,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

impl LoginForm {
    pub fn parse(&self, tr: &Tr, errors: &mut FieldErrors, ip: String) -> Option<Credentials> {
        let login = self.login.trim();
        if login.is_empty() {
            errors.add(tr, "login", "accounts.error.login_required");
        }
        if self.password.is_empty() {
            errors.add(tr, "password", "accounts.error.password_required");
        }
        errors.is_empty().then(|| Credentials {
            login: login.to_string(),
            password: self.password.clone(),
            ip,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_confirm: String,
}

impl PasswordForm {
    pub fn parse(&self, tr: &Tr, errors: &mut FieldErrors, ip: String) -> Option<PasswordChange> {
        let password = errors.check(
            tr,
            "password",
            NewPassword::parse(&self.password, &self.password_confirm),
        )?;
        Some(PasswordChange {
            current_password: self.current_password.clone(),
            password,
            ip,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub current_password: String,
}

impl EmailForm {
    pub fn parse(&self, tr: &Tr, errors: &mut FieldErrors, ip: String) -> Option<EmailChange> {
        let email = errors.check(tr, "email", Email::parse(&self.email))?;
        Some(EmailChange {
            email,
            current_password: self.current_password.clone(),
            ip,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    pub current_password: String,
}

/// The profile form's text fields (it is multipart, for the avatar).
#[derive(Debug, Clone, Default)]
pub struct ProfileForm {
    pub display_name: String,
    pub bio: String,
    pub locale: String,
    pub interests: String,
    pub remove_avatar: bool,
}

impl ProfileForm {
    pub fn from_multipart(form: &MultipartForm) -> Self {
        let text = |name: &str| form.text(name).unwrap_or("").to_string();
        ProfileForm {
            display_name: text("display_name").trim().to_string(),
            bio: text("bio"),
            locale: text("locale"),
            interests: text("interests"),
            remove_avatar: form.text("remove_avatar").is_some(),
        }
    }

    pub fn is_locale(&self, code: &str) -> bool {
        self.locale == code
    }

    /// The update, with the avatar taken from the form; `None` with the
    /// problems in `errors`.
    pub fn parse(
        &self,
        tr: &Tr,
        errors: &mut FieldErrors,
        multipart: &mut MultipartForm,
    ) -> Option<ProfileUpdate> {
        if self.display_name.chars().count() > 50 {
            errors.add(tr, "display_name", "settings.error.display_name_long");
        }
        if self.bio.chars().count() > 5000 {
            errors.add(tr, "bio", "settings.error.bio_long");
        }
        let locale = Locale::parse(&self.locale);
        if locale.is_none() {
            errors.add(tr, "locale", "settings.error.locale");
        }
        let interests = errors.check(tr, "interests", parse_tags(&self.interests));
        if let Some(problem) = multipart.error("avatar") {
            errors.add_text("avatar", problem.message(tr));
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ProfileUpdate {
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            locale: locale?,
            interests: interests?,
            avatar: multipart.take_file("avatar"),
            remove_avatar: self.remove_avatar,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}
