//! The account forms as submitted. Passwords are never echoed back.

use serde::Deserialize;

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

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
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

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub current_password: String,
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
    pub fn is_locale(&self, code: &str) -> bool {
        self.locale == code
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
