//! Flash messages: one message carried across a redirect in a signed cookie,
//! shown on the next page and then cleared.

use actix_web::cookie::{time::Duration, Cookie, CookieJar, Key, SameSite};
use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Success,
    Info,
    Warning,
    Error,
}

impl Level {
    /// The CSS modifier of the alert component.
    pub fn css(self) -> &'static str {
        match self {
            Level::Success => "success",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A message by translation key, so it shows in the language of the page it lands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub level: Level,
    pub key: String,
    #[serde(default)]
    pub args: Vec<(String, String)>,
}

impl Flash {
    pub fn new(level: Level, key: &str) -> Self {
        Self {
            level,
            key: key.to_string(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.args.push((name.to_string(), value.to_string()));
        self
    }
}

pub const COOKIE_BASE_NAME: &str = "klearn_flash";

fn signing_key(settings: &Settings) -> Key {
    Key::derive_from(&settings.secret_key)
}

/// The cookie that carries `flash` to the next page.
pub fn cookie(settings: &Settings, flash: &Flash) -> Cookie<'static> {
    let value = serde_json::to_string(flash).unwrap_or_default();
    let mut jar = CookieJar::new();
    jar.signed_mut(&signing_key(settings)).add(
        Cookie::build(settings.cookie_name(COOKIE_BASE_NAME), value)
            .path("/")
            .http_only(true)
            .secure(settings.cookie_secure)
            .same_site(SameSite::Lax)
            .max_age(Duration::minutes(5))
            .finish(),
    );
    jar.get(&settings.cookie_name(COOKIE_BASE_NAME))
        .cloned()
        .unwrap_or_else(|| Cookie::new(settings.cookie_name(COOKIE_BASE_NAME), ""))
}

/// The cookie that clears the flash once it has been shown.
pub fn removal(settings: &Settings) -> Cookie<'static> {
    let mut c = Cookie::build(settings.cookie_name(COOKIE_BASE_NAME), "")
        .path("/")
        .http_only(true)
        .secure(settings.cookie_secure)
        .same_site(SameSite::Lax)
        .finish();
    c.make_removal();
    c
}

/// The flash the request carries, if its signature holds.
pub fn read(settings: &Settings, req: &HttpRequest) -> Option<Flash> {
    let name = settings.cookie_name(COOKIE_BASE_NAME);
    let raw = req.cookie(&name)?;
    let mut jar = CookieJar::new();
    jar.add_original(raw.into_owned());
    let verified = jar.signed(&signing_key(settings)).get(&name)?;
    serde_json::from_str(verified.value()).ok()
}
