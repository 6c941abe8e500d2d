//! Handlers of the account pages: register, login, logout, verify, forgot and
//! reset password, the settings pages and the public member page.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Duration;
use klearn_db::tokens::{self, EmailToken};
use klearn_db::uploads::Upload;
use klearn_db::users::{CreateUserError, NewUser, ProfileChanges, Taken, User};
use klearn_db::{rate, security, sessions::SessionRow, write_tx, DbError};

use crate::accounts::forms::*;
use crate::accounts::views::*;
use crate::accounts::{hash_token, new_token};
use crate::app::AppState;
use crate::domain::account::{parse_tags, Email, NewPassword, Username};
use crate::i18n::{k, Locale};
use crate::mail::notice;
use crate::mail::notice::NoticeKind;
use crate::uploads::{self, FieldRules, Storage};
use crate::web::auth::{safe_next, sign_in, Guest};
use crate::web::client_ip::client_ip;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, html, html_with_status, redirect_with_flash, AppError, FieldErrors, Page, SignedIn,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/register")
            .route(web::get().to(register_form))
            .route(web::post().to(register)),
    )
    .service(
        web::resource("/login")
            .route(web::get().to(login_form))
            .route(web::post().to(login)),
    )
    .service(web::resource("/logout").route(web::post().to(logout)))
    .service(web::resource("/verify-email").route(web::get().to(verify_email)))
    .service(
        web::resource("/password/forgot")
            .route(web::get().to(forgot_form))
            .route(web::post().to(forgot)),
    )
    .service(
        web::resource("/password/reset")
            .route(web::get().to(reset_form))
            .route(web::post().to(reset)),
    )
    .service(web::resource("/settings").route(web::get().to(settings_home)))
    .service(
        web::resource("/settings/profile")
            .route(web::get().to(profile_form))
            .route(web::post().to(profile)),
    )
    .service(
        web::resource("/settings/password")
            .route(web::get().to(password_form))
            .route(web::post().to(password)),
    )
    .service(
        web::resource("/settings/email")
            .route(web::get().to(email_form))
            .route(web::post().to(email)),
    )
    .service(web::resource("/settings/verification").route(web::post().to(resend_verification)))
    .service(
        web::resource("/settings/delete")
            .route(web::get().to(delete_form))
            .route(web::post().to(delete)),
    )
    .service(web::resource("/u/{username}").route(web::get().to(member)));
}

/// Failed logins allowed per login string, and per client address, in the window.
const LOGIN_FAILURES_PER_ACCOUNT: usize = 5;
const LOGIN_FAILURES_PER_ADDRESS: usize = 50;
const LOGIN_WINDOW_MINUTES: i64 = 15;
/// Verification and reset mails a user may ask for per hour.
const MAILS_PER_HOUR: usize = 3;
/// Reset requests one address may make per hour, whatever the account.
const RESETS_PER_ADDRESS_PER_HOUR: usize = 10;

fn login_bucket(login: &str) -> String {
    format!("login:{}", login.trim().to_lowercase())
}

fn address_bucket(ip: &str) -> String {
    format!("login-ip:{ip}")
}

// ---- register ----

async fn register_form(page: Page, _: Guest, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    html(&RegisterView {
        page,
        username: String::new(),
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        errors: FieldErrors::new(),
    })
}

async fn register(
    page: Page,
    _: Guest,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let tr = &page.tr;
    let mut errors = FieldErrors::new();
    let username = errors.check(tr, "username", Username::parse(&form.username));
    let email = errors.check(tr, "email", Email::parse(&form.email));
    let password = errors.check(
        tr,
        "password",
        NewPassword::parse(&form.password, &form.password_confirm),
    );
    let next = safe_next(Some(&form.next));
    let again = |page: Page, errors: FieldErrors| {
        html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterView {
                page,
                username: form.username.clone(),
                email: form.email.clone(),
                next: next.clone(),
                errors,
            },
        )
    };
    let (Some(username), Some(email), Some(password)) = (username, email, password) else {
        return again(page, errors);
    };
    let hash = state.passwords.hash(password.expose()).await?;
    let locale = page.locale().code();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let i18n = state.i18n.clone();
    let base = state.settings.clone();
    let created = plumbing::db(&state.pool, move |conn| {
        let new = NewUser::new(username.as_str(), email.as_str(), &hash, locale);
        let user = match User::create(conn, &new) {
            Ok(u) => u,
            Err(CreateUserError::Taken(t)) => return Ok(Err(t)),
            Err(CreateUserError::Db(e)) => return Err(e),
        };
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            user.id,
            tokens::VERIFY_EMAIL,
            &token_hash,
            None,
            Duration::hours(48),
        )?;
        let url = base.absolute_url(&format!("/verify-email?token={raw}"));
        notice::send(
            conn,
            &i18n,
            &user,
            &user.email,
            NoticeKind::VerifyEmail,
            Some(url),
            "",
        )?;
        security::record(conn, Some(user.id), "register", &user.username, &ip)?;
        Ok(Ok(user))
    })
    .await?;
    match created {
        Ok(user) => {
            tracing::info!(user = user.id, "registered");
            sign_in(&session, user.id);
            let flash = Flash::new(Level::Success, k("accounts.register.welcome")).arg("email", &user.email);
            Ok(redirect_with_flash(&state.settings, &next, &flash))
        }
        Err(taken) => {
            match taken {
                Taken::Username => errors.add(&page.tr, "username", "accounts.error.username_taken"),
                Taken::Email => errors.add(&page.tr, "email", "accounts.error.email_taken"),
            }
            again(page, errors)
        }
    }
}

// ---- login and logout ----

async fn login_form(page: Page, _: Guest, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    html(&LoginView {
        page,
        login: String::new(),
        next: safe_next(query.next.as_deref()),
        notice: None,
        errors: FieldErrors::new(),
    })
}

async fn login(
    page: Page,
    _: Guest,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let next = safe_next(Some(&form.next));
    let login = form.login.trim().to_string();
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let blocked = {
        let (login_key, ip_key) = (login_bucket(&login), address_bucket(&ip));
        plumbing::db(&state.pool, move |conn| {
            let account = rate::blocked_until(conn, &login_key, LOGIN_FAILURES_PER_ACCOUNT, window)?;
            let address = rate::blocked_until(conn, &ip_key, LOGIN_FAILURES_PER_ADDRESS, window)?;
            Ok(account.max(address))
        })
        .await?
    };
    let view = |page: Page, notice: Option<String>, errors: FieldErrors| LoginView {
        page,
        login: login.clone(),
        next: next.clone(),
        notice,
        errors,
    };
    if let Some(until) = blocked {
        let minutes = ((until - klearn_db::now()).num_seconds().max(60) + 59) / 60;
        let notice = page.t1("accounts.login.locked", "minutes", minutes);
        tracing::warn!(%ip, "login refused: locked out");
        let mut res = html_with_status(
            StatusCode::TOO_MANY_REQUESTS,
            &view(page, Some(notice), FieldErrors::new()),
        )?;
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(minutes * 60),
        );
        return Ok(res);
    }
    let mut errors = FieldErrors::new();
    if login.is_empty() {
        errors.add(&page.tr, "login", "accounts.error.login_required");
    }
    if form.password.is_empty() {
        errors.add(&page.tr, "password", "accounts.error.password_required");
    }
    if !errors.is_empty() {
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view(page, None, errors));
    }
    let user = {
        let login = login.clone();
        plumbing::db(&state.pool, move |conn| User::find_by_login(conn, &login)).await?
    };
    let ok = state
        .passwords
        .verify(&form.password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let user_id = user.as_ref().map(|u| u.id);
    if !ok {
        let (login_key, ip_key, ip2, login2) = (
            login_bucket(&login),
            address_bucket(&ip),
            ip.clone(),
            login.clone(),
        );
        let locked_now = plumbing::db(&state.pool, move |conn| {
            rate::hit(conn, &login_key)?;
            rate::hit(conn, &ip_key)?;
            security::record(conn, user_id, "login_failed", &login2, &ip2)?;
            let locked = rate::blocked_until(conn, &login_key, LOGIN_FAILURES_PER_ACCOUNT, window)?.is_some();
            if locked {
                security::record(conn, user_id, "lockout", &login2, &ip2)?;
            }
            Ok(locked)
        })
        .await?;
        tracing::info!(%ip, user = ?user_id, locked = locked_now, "login failed");
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "login", "accounts.error.login_failed");
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view(page, None, errors));
    }
    let Some(user) = user else {
        return Err(AppError::internal(anyhow::anyhow!(
            "verified a login without a user"
        )));
    };
    // Told only after the right password, so that it reveals nothing to others.
    if let Some(until) = user.suspended_at(klearn_db::now()) {
        let (id, name, ip) = (user.id, user.username.clone(), ip.clone());
        plumbing::db(&state.pool, move |conn| {
            security::record(conn, Some(id), "login_suspended", &name, &ip)
        })
        .await?;
        let notice = page.t1("accounts.login.suspended", "date", page.date(&until));
        return html_with_status(
            StatusCode::FORBIDDEN,
            &view(page, Some(notice), FieldErrors::new()),
        );
    }
    {
        let (id, name, ip) = (user.id, user.username.clone(), ip.clone());
        plumbing::db(&state.pool, move |conn| {
            security::record(conn, Some(id), "login", &name, &ip)
        })
        .await?;
    }
    tracing::info!(user = user.id, %ip, "login");
    sign_in(&session, user.id);
    Ok(plumbing::redirect(&next))
}

async fn logout(
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let (id, name) = (user.id, user.username.clone());
    plumbing::db(&state.pool, move |conn| {
        security::record(conn, Some(id), "logout", &name, &ip)
    })
    .await?;
    tracing::info!(user = user.id, "logout");
    session.purge();
    Ok(redirect_with_flash(
        &state.settings,
        "/",
        &Flash::new(Level::Info, k("accounts.logout.done")),
    ))
}

// ---- email verification ----

enum Confirmed {
    Verified,
    EmailChanged,
    Invalid,
    Taken,
}

async fn verify_email(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token_hash = hash_token(&query.token);
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let outcome = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            for purpose in [tokens::VERIFY_EMAIL, tokens::CHANGE_EMAIL] {
                let Ok(token) = EmailToken::find_usable(conn, purpose, &token_hash)? else {
                    continue;
                };
                if !EmailToken::mark_used(conn, token.id)? {
                    return Ok(Confirmed::Invalid);
                }
                let user = User::find(conn, token.user_id)?;
                if user.is_deleted() {
                    return Ok(Confirmed::Invalid);
                }
                if purpose == tokens::VERIFY_EMAIL {
                    User::mark_verified(conn, user.id)?;
                    security::record(conn, Some(user.id), "email_verified", &user.email, &ip)?;
                    return Ok(Confirmed::Verified);
                }
                let new_email = token.new_email.clone().unwrap_or_default();
                return match User::change_email(conn, user.id, &new_email) {
                    Ok(()) => {
                        security::record(conn, Some(user.id), "email_changed", &new_email, &ip)?;
                        Ok(Confirmed::EmailChanged)
                    }
                    Err(CreateUserError::Taken(_)) => Ok(Confirmed::Taken),
                    Err(CreateUserError::Db(e)) => Err(e),
                };
            }
            Ok::<_, DbError>(Confirmed::Invalid)
        })
    })
    .await?;
    let (status, ok, title_key, message_key) = match outcome {
        Confirmed::Verified => (
            StatusCode::OK,
            true,
            k("accounts.verify.ok_title"),
            k("accounts.verify.ok"),
        ),
        Confirmed::EmailChanged => (
            StatusCode::OK,
            true,
            k("accounts.verify.ok_title"),
            k("accounts.verify.changed"),
        ),
        Confirmed::Taken => (
            StatusCode::CONFLICT,
            false,
            k("accounts.verify.bad_title"),
            k("accounts.verify.taken"),
        ),
        Confirmed::Invalid => (
            StatusCode::BAD_REQUEST,
            false,
            k("accounts.verify.bad_title"),
            k("accounts.verify.bad"),
        ),
    };
    html_with_status(
        status,
        &VerifiedView {
            page,
            ok,
            title_key,
            message_key,
        },
    )
}

async fn resend_verification(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if user.verified {
        return Ok(redirect_with_flash(
            &state.settings,
            "/settings/email",
            &Flash::new(Level::Info, k("settings.already_verified")),
        ));
    }
    let bucket = format!("verify-mail:{}", user.id);
    let i18n = state.i18n.clone();
    let base = state.settings.clone();
    let sent = plumbing::db(&state.pool, move |conn| {
        if rate::blocked_until(conn, &bucket, MAILS_PER_HOUR, Duration::hours(1))?.is_some() {
            return Ok(false);
        }
        rate::hit(conn, &bucket)?;
        let account = User::find(conn, user.id)?;
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            account.id,
            tokens::VERIFY_EMAIL,
            &token_hash,
            None,
            Duration::hours(48),
        )?;
        let url = base.absolute_url(&format!("/verify-email?token={raw}"));
        notice::send(
            conn,
            &i18n,
            &account,
            &account.email,
            NoticeKind::VerifyEmail,
            Some(url),
            "",
        )?;
        Ok(true)
    })
    .await?;
    if !sent {
        return Err(AppError::TooManyRequests {
            retry_after_secs: 3600,
        });
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/settings/email",
        &Flash::new(Level::Success, k("settings.verification_sent")),
    ))
}

// ---- forgotten password ----

async fn forgot_form(page: Page, _: Guest) -> Result<HttpResponse, AppError> {
    html(&ForgotView {
        page,
        email: String::new(),
        errors: FieldErrors::new(),
    })
}

async fn forgot(
    page: Page,
    _: Guest,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let Some(email) = errors.check(&page.tr, "email", Email::parse(&form.email)) else {
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotView {
                page,
                email: form.email.clone(),
                errors,
            },
        );
    };
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let i18n = state.i18n.clone();
    let base = state.settings.clone();
    // The answer is the same whether or not the account exists, and whether
    // or not a limit held the mail back.
    plumbing::db(&state.pool, move |conn| {
        let by_address = format!("reset-ip:{ip}");
        if rate::blocked_until(conn, &by_address, RESETS_PER_ADDRESS_PER_HOUR, Duration::hours(1))?.is_some()
        {
            return Ok(());
        }
        rate::hit(conn, &by_address)?;
        let Some(user) = User::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        let by_account = format!("reset-mail:{}", user.id);
        if rate::blocked_until(conn, &by_account, MAILS_PER_HOUR, Duration::hours(1))?.is_some() {
            return Ok(());
        }
        rate::hit(conn, &by_account)?;
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            user.id,
            tokens::RESET_PASSWORD,
            &token_hash,
            None,
            Duration::hours(1),
        )?;
        let url = base.absolute_url(&format!("/password/reset?token={raw}"));
        notice::send(
            conn,
            &i18n,
            &user,
            &user.email,
            NoticeKind::ResetPassword,
            Some(url),
            "",
        )?;
        security::record(conn, Some(user.id), "reset_requested", &user.email, &ip)?;
        Ok(())
    })
    .await?;
    Ok(redirect_with_flash(
        &state.settings,
        "/login",
        &Flash::new(Level::Info, k("accounts.forgot.sent")),
    ))
}

async fn token_is_usable(state: &AppState, purpose: &'static str, raw: &str) -> Result<bool, AppError> {
    let token_hash = hash_token(raw);
    Ok(plumbing::db(&state.pool, move |conn| {
        EmailToken::find_usable(conn, purpose, &token_hash)
    })
    .await?
    .is_ok())
}

fn reset_action(raw: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", raw)
        .finish();
    format!("/password/reset?{query}")
}

async fn reset_form(
    page: Page,
    _: Guest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let usable = token_is_usable(&state, tokens::RESET_PASSWORD, &query.token).await?;
    let view = ResetView {
        page,
        action: reset_action(&query.token),
        invalid: !usable,
        errors: FieldErrors::new(),
    };
    if usable {
        html(&view)
    } else {
        html_with_status(StatusCode::BAD_REQUEST, &view)
    }
}

async fn reset(
    page: Page,
    _: Guest,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let password = errors.check(
        &page.tr,
        "password",
        NewPassword::parse(&form.password, &form.password_confirm),
    );
    let Some(password) = password else {
        let usable = token_is_usable(&state, tokens::RESET_PASSWORD, &query.token).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetView {
                page,
                action: reset_action(&query.token),
                invalid: !usable,
                errors,
            },
        );
    };
    let hash = state.passwords.hash(password.expose()).await?;
    let token_hash = hash_token(&query.token);
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let i18n = state.i18n.clone();
    let done = plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            let Ok(token) = EmailToken::find_usable(conn, tokens::RESET_PASSWORD, &token_hash)? else {
                return Ok(false);
            };
            if !EmailToken::mark_used(conn, token.id)? {
                return Ok(false);
            }
            let user = User::find(conn, token.user_id)?;
            User::set_password(conn, user.id, &hash)?;
            // The link proved the mailbox is theirs.
            User::mark_verified(conn, user.id)?;
            SessionRow::delete_for_user(conn, user.id)?;
            rate::clear(conn, &[login_bucket(&user.username), login_bucket(&user.email)])?;
            security::record(conn, Some(user.id), "password_reset", &user.username, &ip)?;
            notice::send(
                conn,
                &i18n,
                &user,
                &user.email,
                NoticeKind::PasswordChanged,
                None,
                "",
            )?;
            Ok::<_, DbError>(true)
        })
    })
    .await?;
    if !done {
        return html_with_status(
            StatusCode::BAD_REQUEST,
            &ResetView {
                page,
                action: reset_action(&query.token),
                invalid: true,
                errors: FieldErrors::new(),
            },
        );
    }
    Ok(redirect_with_flash(
        &state.settings,
        "/login",
        &Flash::new(Level::Success, k("accounts.reset.done")),
    ))
}

// ---- settings ----

async fn settings_home(_: SignedIn) -> HttpResponse {
    plumbing::redirect("/settings/profile")
}

fn locales() -> Vec<(&'static str, &'static str)> {
    Locale::ALL.iter().map(|l| (l.code(), l.native_name())).collect()
}

fn avatar_url(upload: Option<Upload>) -> Option<String> {
    upload.as_ref().map(crate::uploads::media_url)
}

async fn load_profile(
    state: &AppState,
    user_id: i64,
) -> Result<(User, Vec<String>, Option<Upload>), AppError> {
    plumbing::db(&state.pool, move |conn| {
        let user = User::find(conn, user_id)?;
        let interests = User::interests(conn, user_id)?;
        let avatar = match user.avatar_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok((user, interests, avatar))
    })
    .await
}

async fn profile_form(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (account, interests, avatar) = load_profile(&state, user.id).await?;
    html(&ProfileView {
        page,
        profile: ProfileForm {
            display_name: account.display_name,
            bio: account.bio,
            locale: account.locale,
            interests: interests.join(", "),
            remove_avatar: false,
        },
        avatar_url: avatar_url(avatar),
        locales: locales(),
        errors: FieldErrors::new(),
    })
}

async fn profile(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let storage = Storage::new(state.settings.uploads_dir());
    let rules = FieldRules::new().file("avatar", uploads::AVATAR);
    let mut multipart = uploads::multipart::parse(payload, &storage.tmp_dir(), &rules, None).await?;
    let form = ProfileForm {
        display_name: multipart.text("display_name").unwrap_or("").trim().to_string(),
        bio: multipart.text("bio").unwrap_or("").to_string(),
        locale: multipart.text("locale").unwrap_or("").to_string(),
        interests: multipart.text("interests").unwrap_or("").to_string(),
        remove_avatar: multipart.text("remove_avatar").is_some(),
    };
    let mut errors = FieldErrors::new();
    if form.display_name.chars().count() > 50 {
        errors.add(&page.tr, "display_name", "settings.error.display_name_long");
    }
    if form.bio.chars().count() > 5000 {
        errors.add(&page.tr, "bio", "settings.error.bio_long");
    }
    let locale = Locale::parse(&form.locale);
    if locale.is_none() {
        errors.add(&page.tr, "locale", "settings.error.locale");
    }
    let tags = errors.check(&page.tr, "interests", parse_tags(&form.interests));
    if let Some(problem) = multipart.error("avatar") {
        errors.add_text("avatar", problem.message(&page.tr));
    }
    let (Some(locale), Some(tags), true) = (locale, tags, errors.is_empty()) else {
        let (_, _, avatar) = load_profile(&state, user.id).await?;
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ProfileView {
                page,
                profile: form,
                avatar_url: avatar_url(avatar),
                locales: locales(),
                errors,
            },
        );
    };
    let avatar = multipart.take_file("avatar");
    let bio_html = crate::markdown::render(&form.bio);
    let changes = ProfileChanges {
        display_name: form.display_name.clone(),
        bio: form.bio.clone(),
        bio_html,
        locale: locale.code().to_string(),
        updated_at: klearn_db::now(),
    };
    let remove = form.remove_avatar;
    let user_id = user.id;
    plumbing::db(&state.pool, move |conn| {
        let kept = match avatar {
            Some(file) => Some(storage.keep(conn, file, Some(user_id))?),
            None => None,
        };
        write_tx(conn, |conn| {
            User::update_profile(conn, user_id, &changes)?;
            // An expert's display name is searchable on their courses.
            klearn_db::search::sync_owner(conn, user_id)?;
            User::set_interests(conn, user_id, &tags)?;
            if let Some(upload) = kept {
                User::set_avatar(conn, user_id, Some(upload.id))?;
            } else if remove {
                User::set_avatar(conn, user_id, None)?;
            }
            Ok::<_, DbError>(())
        })
    })
    .await?;
    let mut res = redirect_with_flash(
        &state.settings,
        "/settings/profile",
        &Flash::new(Level::Success, k("settings.saved")),
    );
    // The chosen language takes effect at once, over an earlier ?lang= choice.
    let _ = res.add_cookie(&crate::web::context::lang_cookie(&state.settings, locale));
    Ok(res)
}

async fn password_form(page: Page, _: SignedIn) -> Result<HttpResponse, AppError> {
    html(&PasswordView {
        page,
        errors: FieldErrors::new(),
    })
}

/// Checks the signed-in user's current password (for the settings that need it).
async fn current_password_ok(
    state: &AppState,
    user_id: i64,
    password: &str,
) -> Result<(User, bool), AppError> {
    let account = plumbing::db(&state.pool, move |conn| User::find(conn, user_id)).await?;
    let ok = state
        .passwords
        .verify(password, Some(account.password_hash.clone()))
        .await?;
    Ok((account, ok))
}

async fn password(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let (account, current_ok) = current_password_ok(&state, user.id, &form.current_password).await?;
    if !current_ok {
        errors.add(&page.tr, "current_password", "accounts.error.current_password");
    }
    let new = errors.check(
        &page.tr,
        "password",
        NewPassword::parse(&form.password, &form.password_confirm),
    );
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &PasswordView { page, errors });
    };
    let hash = state.passwords.hash(new.expose()).await?;
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let i18n = state.i18n.clone();
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            User::set_password(conn, account.id, &hash)?;
            // Every other session ends; this one continues under a new id.
            SessionRow::delete_for_user(conn, account.id)?;
            security::record(conn, Some(account.id), "password_changed", &account.username, &ip)?;
            notice::send(
                conn,
                &i18n,
                &account,
                &account.email,
                NoticeKind::PasswordChanged,
                None,
                "",
            )
        })
    })
    .await?;
    sign_in(&session, user.id);
    Ok(redirect_with_flash(
        &state.settings,
        "/settings/password",
        &Flash::new(Level::Success, k("settings.password_changed")),
    ))
}

async fn email_form(page: Page, SignedIn(user): SignedIn) -> Result<HttpResponse, AppError> {
    html(&EmailView {
        page,
        current_email: user.email.clone(),
        verified: user.verified,
        email: String::new(),
        errors: FieldErrors::new(),
    })
}

async fn email(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let new_email = errors.check(&page.tr, "email", Email::parse(&form.email));
    let (account, current_ok) = current_password_ok(&state, user.id, &form.current_password).await?;
    if !current_ok {
        errors.add(&page.tr, "current_password", "accounts.error.current_password");
    }
    if let Some(e) = &new_email {
        if e.as_str().eq_ignore_ascii_case(&account.email) {
            errors.add(&page.tr, "email", "settings.error.same_email");
        }
    }
    let taken = match &new_email {
        Some(e) if errors.is_empty() => {
            let e = e.as_str().to_string();
            plumbing::db(&state.pool, move |conn| User::taken(conn, None, Some(&e))).await?
        }
        _ => Vec::new(),
    };
    if !taken.is_empty() {
        errors.add(&page.tr, "email", "accounts.error.email_taken");
    }
    let Some(new_email) = new_email.filter(|_| errors.is_empty()) else {
        return html_with_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &EmailView {
                page,
                current_email: user.email.clone(),
                verified: user.verified,
                email: form.email.clone(),
                errors,
            },
        );
    };
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let i18n = state.i18n.clone();
    let base = state.settings.clone();
    let shown = new_email.as_str().to_string();
    plumbing::db(&state.pool, move |conn| {
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            account.id,
            tokens::CHANGE_EMAIL,
            &token_hash,
            Some(new_email.as_str()),
            Duration::hours(24),
        )?;
        let url = base.absolute_url(&format!("/verify-email?token={raw}"));
        notice::send(
            conn,
            &i18n,
            &account,
            new_email.as_str(),
            NoticeKind::ConfirmNewEmail,
            Some(url),
            new_email.as_str(),
        )?;
        notice::send(
            conn,
            &i18n,
            &account,
            &account.email,
            NoticeKind::EmailChangeRequested,
            None,
            new_email.as_str(),
        )?;
        security::record(
            conn,
            Some(account.id),
            "email_change_requested",
            new_email.as_str(),
            &ip,
        )
    })
    .await?;
    Ok(redirect_with_flash(
        &state.settings,
        "/settings/email",
        &Flash::new(Level::Info, k("settings.email_confirm_sent")).arg("email", shown),
    ))
}

async fn delete_form(page: Page, _: SignedIn) -> Result<HttpResponse, AppError> {
    html(&DeleteView {
        page,
        errors: FieldErrors::new(),
    })
}

async fn delete(
    page: Page,
    SignedIn(user): SignedIn,
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let (account, ok) = current_password_ok(&state, user.id, &form.current_password).await?;
    if !ok {
        let mut errors = FieldErrors::new();
        errors.add(&page.tr, "current_password", "accounts.error.current_password");
        return html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &DeleteView { page, errors });
    }
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let unusable = crate::accounts::password::Passwords::unusable_hash();
    plumbing::db(&state.pool, move |conn| {
        write_tx(conn, |conn| {
            User::erase(conn, account.id, &unusable)?;
            SessionRow::delete_for_user(conn, account.id)?;
            security::record(conn, Some(account.id), "account_deleted", &account.username, &ip)?;
            klearn_db::audit::record(
                conn,
                Some(account.id),
                "user.delete",
                klearn_db::audit::Object::new("user", &account.id.to_string()),
                "deleted by the account holder",
            )
        })
    })
    .await?;
    tracing::info!(user = user.id, "account deleted");
    state.rankings.clear();
    session.purge();
    Ok(redirect_with_flash(
        &state.settings,
        "/",
        &Flash::new(Level::Info, k("settings.deleted")),
    ))
}

// ---- public member page ----

async fn member(
    page: Page,
    state: web::Data<AppState>,
    username: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let username = username.into_inner();
    let (member, interests, avatar) = plumbing::db(&state.pool, move |conn| {
        let member = User::find_by_username(conn, &username)?;
        let interests = User::interests(conn, member.id)?;
        let avatar = match member.avatar_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok((member, interests, avatar))
    })
    .await?;
    let initial = member.initial();
    html(&MemberView {
        page,
        member,
        avatar_url: avatar_url(avatar),
        initial,
        interests,
    })
}
