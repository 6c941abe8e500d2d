//! The request-context middleware: resolves the language (query, cookie, the
//! account's saved preference, Accept-Language, default zh-CN) and reads the flash, for every
//! handler and error page; sets the language cookie and clears a shown flash.

use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

use crate::i18n::Locale;
use crate::web::flash::{self, Flash};
use crate::web::AppState;

/// What the middleware found out about the request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub locale: Locale,
    pub flash: Option<Flash>,
}

const LANG_COOKIE: &str = "klearn_lang";

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state else {
        return next.call(req).await;
    };
    let settings = &state.settings;
    let asked = Asked::of(settings, &req);
    let (from_query, from_cookie) = (asked.query, asked.cookie);
    // The signed-in user's saved language comes after an explicit choice.
    let saved = crate::web::auth::current_user(req.request()).map(|u| u.locale);
    let locale = from_query
        .or(from_cookie)
        .or(saved)
        .or(asked.header)
        .unwrap_or(Locale::ZhCn);
    let shown_flash = flash::read(settings, req.request());
    req.extensions_mut().insert(RequestContext {
        locale,
        flash: shown_flash.clone(),
    });

    let mut res = next.call(req).await?;
    if let Some(lang) = from_query {
        if from_cookie != Some(lang) {
            res.response_mut().add_cookie(&lang_cookie(settings, lang))?;
        }
    }
    if shown_flash.is_some() && !res.status().is_redirection() {
        res.response_mut().add_cookie(&flash::removal(settings))?;
    }
    Ok(res)
}

/// The languages a request asks for, strongest first.
struct Asked {
    query: Option<Locale>,
    cookie: Option<Locale>,
    header: Option<Locale>,
}

impl Asked {
    fn of(settings: &crate::config::Settings, req: &ServiceRequest) -> Self {
        Asked {
            query: query_lang(req.query_string()),
            cookie: req
                .cookie(&settings.cookie_name(LANG_COOKIE))
                .and_then(|c| Locale::parse(c.value())),
            header: req
                .headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language),
        }
    }
}

/// The language a guest's page comes in, as the middleware will resolve
/// it (a guest has no saved preference): what the page cache keys on.
pub fn guest_locale(settings: &crate::config::Settings, req: &ServiceRequest) -> Locale {
    let asked = Asked::of(settings, req);
    asked
        .query
        .or(asked.cookie)
        .or(asked.header)
        .unwrap_or(Locale::ZhCn)
}

/// The cookie that remembers a chosen language for a year.
pub fn lang_cookie(settings: &crate::config::Settings, lang: Locale) -> Cookie<'static> {
    Cookie::build(settings.cookie_name(LANG_COOKIE), lang.code())
        .path("/")
        .http_only(true)
        .secure(settings.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish()
}

fn query_lang(query: &str) -> Option<Locale> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Locale::parse(&v))
}
