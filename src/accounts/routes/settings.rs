//! The settings pages: `/settings/profile`, `/settings/password`,
//! `/settings/email`, `/settings/delete`.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::uploads::Upload;
use klearn_db::users::User;

use crate::accounts::forms::{DeleteForm, EmailForm, PasswordForm, ProfileForm};
use crate::accounts::views::{DeleteView, EmailView, PasswordView, ProfileView};
use crate::accounts::{change_password, delete_account, request_email_change, update_profile, AccountError};
use crate::i18n::{k, Locale};
use crate::uploads::{self, FieldRules};
use crate::web::auth::sign_in;
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page, SignedIn,
};

pub(super) async fn home(_: SignedIn) -> HttpResponse {
    plumbing::redirect("/settings/profile")
}

fn locales() -> Vec<(&'static str, &'static str)> {
    Locale::ALL.iter().map(|l| (l.code(), l.native_name())).collect()
}

/// The member's profile as stored, with their avatar's URL.
fn stored_profile(
    conn: &mut klearn_db::DbConnection,
    user: &User,
) -> Result<(ProfileForm, Option<String>), klearn_db::DbError> {
    let form = ProfileForm {
        display_name: user.display_name.clone(),
        bio: user.bio.clone(),
        locale: user.locale.clone(),
        interests: User::interests(conn, user.id)?.join(", "),
        remove_avatar: false,
    };
    let avatar = match user.avatar_upload_id {
        Some(id) => Some(crate::uploads::media_url(&Upload::find(conn, id)?)),
        None => None,
    };
    Ok((form, avatar))
}

pub(super) async fn profile_form(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (profile, avatar_url) = plumbing::db(&state.pool, move |conn| {
        let account = User::find(conn, user.id)?;
        stored_profile(conn, &account)
    })
    .await?;
    let errors = FieldErrors::new();
    html(&ProfileView {
        page,
        profile,
        avatar_url,
        locales: locales(),
        errors,
    })
}

pub(super) async fn profile(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let rules = FieldRules::new().file("avatar", uploads::AVATAR);
    let mut multipart =
        uploads::multipart::parse(payload, &state.services.storage.tmp_dir(), &rules, None).await?;
    let form = ProfileForm::from_multipart(&multipart);
    let mut errors = FieldErrors::new();
    let update = form.parse(&page.tr, &mut errors, &mut multipart);
    let (services, actor) = (state.services.clone(), user.actor());
    // Saved (None), or refused: the avatar's problem and the stored avatar to show again.
    let refused = call(&state.pool, move |conn| -> Result<_, AccountError> {
        let problem = match update {
            Some(update) => match update_profile(conn, &services, &actor, update)? {
                Ok(()) => return Ok(None),
                Err(problem) => Some(problem),
            },
            None => None,
        };
        let account = User::find(conn, user.id)?;
        let (_, avatar_url) = stored_profile(conn, &account)?;
        Ok(Some((problem, avatar_url)))
    })
    .await??;
    let Some((problem, avatar_url)) = refused else {
        return Ok(saved(&state, Locale::parse(&form.locale)));
    };
    if let Some(problem) = problem {
        errors.add_text("avatar", problem.message(&page.tr));
    }
    let view = ProfileView {
        page,
        profile: form,
        avatar_url,
        locales: locales(),
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

/// The answer to a saved profile; the chosen language takes effect at once,
/// over an earlier `?lang=` choice.
fn saved(state: &AppState, locale: Option<Locale>) -> HttpResponse {
    let mut res = redirect_with_flash(
        &state.settings,
        "/settings/profile",
        &Flash::new(Level::Success, k("settings.saved")),
    );
    if let Some(locale) = locale {
        let _ = res.add_cookie(&crate::web::context::lang_cookie(&state.settings, locale));
    }
    res
}

pub(super) async fn password_form(page: Page, _: SignedIn) -> Result<HttpResponse, AppError> {
    html(&PasswordView {
        page,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn password(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    if let Some(change) = form.parse(&page.tr, &mut errors, ip) {
        let (services, actor) = (state.services.clone(), user.actor());
        match call(&state.pool, move |conn| {
            change_password(conn, &services, &actor, &change)
        })
        .await?
        {
            Ok(()) => {
                // Every other session ended; this one continues under a new id.
                sign_in(&session, user.id);
                let flash = Flash::new(Level::Success, k("settings.password_changed"));
                return Ok(redirect_with_flash(&state.settings, "/settings/password", &flash));
            }
            Err(AccountError::Invalid { field, key }) => errors.add(&page.tr, field, key),
            Err(e) => return Err(e.into()),
        }
    }
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &PasswordView { page, errors })
}

pub(super) async fn email_form(page: Page, SignedIn(user): SignedIn) -> Result<HttpResponse, AppError> {
    html(&EmailView {
        page,
        current_email: user.email.clone(),
        verified: user.verified,
        email: String::new(),
        errors: FieldErrors::new(),
    })
}

pub(super) async fn email(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    if let Some(change) = form.parse(&page.tr, &mut errors, ip) {
        let shown = change.email.as_str().to_string();
        let (services, actor) = (state.services.clone(), user.actor());
        match call(&state.pool, move |conn| {
            request_email_change(conn, &services, &actor, &change)
        })
        .await?
        {
            Ok(()) => {
                let flash = Flash::new(Level::Info, k("settings.email_confirm_sent")).arg("email", shown);
                return Ok(redirect_with_flash(&state.settings, "/settings/email", &flash));
            }
            Err(AccountError::Invalid { field, key }) => errors.add(&page.tr, field, key),
            Err(e) => return Err(e.into()),
        }
    }
    let view = EmailView {
        page,
        current_email: user.email.clone(),
        verified: user.verified,
        email: form.email.clone(),
        errors,
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

pub(super) async fn delete_form(page: Page, _: SignedIn) -> Result<HttpResponse, AppError> {
    html(&DeleteView {
        page,
        errors: FieldErrors::new(),
    })
}

pub(super) async fn delete(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let (services, actor, password) = (
        state.services.clone(),
        user.actor(),
        form.current_password.clone(),
    );
    match call(&state.pool, move |conn| {
        delete_account(conn, &services, &actor, &password, &ip)
    })
    .await?
    {
        Ok(()) => {
            tracing::info!(user = %user.id, "account deleted");
            session.purge();
            let flash = Flash::new(Level::Info, k("settings.deleted"));
            Ok(redirect_with_flash(&state.settings, "/", &flash))
        }
        Err(AccountError::Invalid { field, key }) => {
            let mut errors = FieldErrors::new();
            errors.add(&page.tr, field, key);
            html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &DeleteView { page, errors })
        }
        Err(e) => Err(e.into()),
    }
}
