//! Views of the account pages.

use askama::Template;
use klearn_db::users::User;

use crate::accounts::forms::ProfileForm;
use crate::web::{FieldErrors, Page};

#[derive(Template)]
#[template(path = "accounts/register.html")]
pub struct RegisterView {
    pub page: Page,
    pub username: String,
    pub email: String,
    pub next: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginView {
    pub page: Page,
    pub login: String,
    pub next: String,
    pub notice: Option<String>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "accounts/forgot.html")]
pub struct ForgotView {
    pub page: Page,
    pub email: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "accounts/reset.html")]
pub struct ResetView {
    pub page: Page,
    pub action: String,
    pub invalid: bool,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "accounts/verified.html")]
pub struct VerifiedView {
    pub page: Page,
    pub ok: bool,
    pub title_key: &'static str,
    pub message_key: &'static str,
}

#[derive(Template)]
#[template(path = "accounts/member.html")]
pub struct MemberView {
    pub page: Page,
    pub member: User,
    pub avatar_url: Option<String>,
    pub initial: String,
    pub interests: Vec<String>,
}

#[derive(Template)]
#[template(path = "settings/profile.html")]
pub struct ProfileView {
    pub page: Page,
    pub profile: ProfileForm,
    pub avatar_url: Option<String>,
    pub locales: Vec<(&'static str, &'static str)>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "settings/password.html")]
pub struct PasswordView {
    pub page: Page,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "settings/email.html")]
pub struct EmailView {
    pub page: Page,
    pub current_email: String,
    pub verified: bool,
    pub email: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "settings/delete.html")]
pub struct DeleteView {
    pub page: Page,
    pub errors: FieldErrors,
}
