//! The page context every template gets: language, flash, asset URLs, times,
//! the current path; plus the helpers that turn a view into a response.

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use crate::assets::Assets;
use crate::config::Settings;
use crate::i18n::{k, Locale, Tr};
use crate::web::auth::{current_user, CurrentUser};
use crate::web::context::RequestContext;
use crate::web::error::AppError;
use crate::web::flash::Flash;
use crate::web::state::AppState;

#[derive(Clone)]
pub struct Page {
    pub tr: Tr,
    pub user: Option<CurrentUser>,
    pub flash: Option<Flash>,
    session: Session,
    pub path: String,
    query: String,
    assets: Arc<Assets>,
    settings: Arc<Settings>,
}

/// A link in the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The language switcher's link to one language.
pub struct LangLink {
    pub href: String,
    pub name: &'static str,
    pub code: &'static str,
    pub current: bool,
}

impl Page {
    /// Builds the context from what the middleware put on the request.
    pub fn from_request(req: &HttpRequest) -> Page {
        let state = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered on every App")
            .clone();
        let ctx = req.extensions().get::<RequestContext>().cloned();
        let (locale, flash) = match ctx {
            Some(c) => (c.locale, c.flash),
            None => (Locale::ZhCn, None),
        };
        Page {
            tr: Tr::new(state.services.i18n.clone(), locale),
            user: current_user(req),
            flash,
            session: req.get_session(),
            path: local_path(req.path()),
            query: req.query_string().to_string(),
            assets: state.assets.clone(),
            settings: state.settings.clone(),
        }
    }

    pub fn locale(&self) -> Locale {
        self.tr.locale
    }

    /// The `<html lang>` value.
    pub fn lang(&self) -> &'static str {
        self.tr.locale.code()
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.tr.t1(key, name, value)
    }

    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.tf(key, args)
    }

    /// The CSRF token for the page's forms (made on first use).
    pub fn csrf_token(&self) -> String {
        crate::web::csrf::token(&self.session)
    }

    /// Whether the signed-in user moderates (shows the admin link).
    pub fn is_moderator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_moderator())
    }

    /// The flash message's text in this page's language.
    pub fn flash_text(&self) -> String {
        match &self.flash {
            Some(f) => {
                let args: Vec<(&str, &str)> = f.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                self.tr.tf(&f.key, &args)
            }
            None => String::new(),
        }
    }

    pub fn flash_css(&self) -> &'static str {
        self.flash.as_ref().map(|f| f.level.css()).unwrap_or("info")
    }

    /// The versioned URL of a static file.
    pub fn asset(&self, path: &str) -> String {
        self.assets.url(path)
    }

    /// The main navigation. Areas join this list as they land.
    pub fn nav(&self) -> Vec<NavItem> {
        let mut items: Vec<(&'static str, &'static str)> = vec![
            ("/", k("nav.home")),
            ("/courses", k("nav.courses")),
            ("/experts", k("nav.experts")),
            ("/forum", k("nav.forum")),
        ];
        if let Some(user) = &self.user {
            items.push(("/learn", k("nav.learn")));
            if user.has(crate::domain::account::Role::Expert) {
                items.push(("/studio", k("nav.studio")));
            }
        }
        items
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: if href == "/" {
                    self.path == "/"
                } else if href == "/forum" {
                    self.path.starts_with(href) || self.path.starts_with("/t/")
                } else {
                    self.path.starts_with(href)
                },
            })
            .collect()
    }

    /// Whether `href` is this page's path (for `aria-current`).
    pub fn is_current(&self, href: &str) -> bool {
        self.path == href
    }

    /// Links to this same page in each language.
    pub fn lang_links(&self) -> Vec<LangLink> {
        Locale::ALL
            .into_iter()
            .map(|l| {
                let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(self.query.as_bytes())
                    .filter(|(k, _)| k != "lang")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                pairs.push(("lang".into(), l.code().into()));
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                LangLink {
                    href: format!("{}?{}", self.path, query),
                    name: l.native_name(),
                    code: l.code(),
                    current: l == self.tr.locale,
                }
            })
            .collect()
    }

    /// The absolute URL of this page, for canonical links and OpenGraph.
    pub fn canonical_url(&self) -> String {
        self.settings.absolute_url(&self.path)
    }

    /// An absolute URL for a site path, for OpenGraph.
    pub fn absolute(&self, path: &str) -> String {
        self.settings.absolute_url(path)
    }

    /// A UTC timestamp shown as date and time in KLEARN_TIMEZONE.
    pub fn datetime(&self, at: &NaiveDateTime) -> String {
        let local = at.and_utc().with_timezone(&self.settings.timezone);
        local.format("%Y-%m-%d %H:%M").to_string()
    }

    /// A UTC timestamp shown as a date in KLEARN_TIMEZONE.
    pub fn date(&self, at: &NaiveDateTime) -> String {
        let local = at.and_utc().with_timezone(&self.settings.timezone);
        local.format("%Y-%m-%d").to_string()
    }

    /// The machine-readable form for `<time datetime>`.
    pub fn iso(&self, at: &NaiveDateTime) -> String {
        at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The time zone times are shown in, e.g. `Asia/Shanghai`.
    pub fn timezone(&self) -> &'static str {
        self.settings.timezone.name()
    }

    /// The current year, for the footer.
    pub fn year(&self) -> String {
        chrono::Utc::now()
            .with_timezone(&self.settings.timezone)
            .format("%Y")
            .to_string()
    }
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = Ready<Result<Page, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(Page::from_request(req)))
    }
}

/// The request's path as a link on this site: a path that starts with
/// several slashes or backslashes (`//other.host/`) would be read by a
/// browser as another host, so the run becomes one slash.
pub fn local_path(path: &str) -> String {
    let rest = path.trim_start_matches(['/', '\\']);
    format!("/{rest}")
}

/// Renders a page with 200.
pub fn html(view: &impl Template) -> Result<HttpResponse, AppError> {
    html_with_status(StatusCode::OK, view)
}

/// Renders a page with the given status (a form with errors is 422).
pub fn html_with_status(status: StatusCode, view: &impl Template) -> Result<HttpResponse, AppError> {
    let body = view.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

/// 303 See Other to a local path, the answer to every successful POST.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// 303 with a message for the next page.
pub fn redirect_with_flash(settings: &Settings, location: &str, flash: &Flash) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .cookie(crate::web::flash::cookie(settings, flash))
        .finish()
}

/// A JSON-LD value as text safe inside `<script type="application/ld+json">`.
pub fn json_ld(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn links_from_the_path_stay_on_this_site() {
        assert_eq!(local_path("//evil.example/x"), "/evil.example/x");
        assert_eq!(local_path("/\\evil.example"), "/evil.example");
        assert_eq!(local_path("/courses/rust"), "/courses/rust");
        assert_eq!(local_path(""), "/");
    }
}
