//! Signing up: registration with its confirmation mail, confirming an
//! address from its link (a new account's, or a changed one), sending the
//! link again, and accounts made without a mail round trip (command line,
//! demo).

use chrono::Duration;
use klearn_db::audit::{self, Object};
use klearn_db::tokens::{self, EmailToken};
use klearn_db::users::{CreateUserError, NewUser, Taken, User};
use klearn_db::{rate, security, write_tx, DbConnection, DbError};

use super::{hash_token, new_token, AccountError};
use crate::domain::account::{Email, NewPassword, Role, Username};
use crate::domain::actor::Actor;
use crate::i18n::Locale;
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// How long a confirmation link works.
pub const VERIFY_LINK_HOURS: i64 = 48;
/// Confirmation and reset mails a user may ask for per hour (also the
/// requests to change one's address).
pub const MAILS_PER_HOUR: usize = 3;

/// A sign-up, parsed.
pub struct Registration {
    pub username: Username,
    pub email: Email,
    pub password: NewPassword,
    pub locale: Locale,
    pub ip: String,
}

/// Creates the account with its confirmation mail and security event; a
/// name or address that is taken comes back against its field.
pub fn register(
    conn: &mut DbConnection,
    services: &Services,
    request: &Registration,
) -> Result<User, AccountError> {
    let hash = services
        .passwords
        .hash(request.password.expose())
        .map_err(|e| AccountError::Db(DbError::Config(format!("{e:#}"))))?;
    write_tx(conn, |conn| {
        let new = NewUser::new(
            request.username.as_str(),
            request.email.as_str(),
            &hash,
            request.locale.code(),
        );
        let user = match User::create(conn, &new) {
            Ok(u) => u,
            Err(CreateUserError::Taken(Taken::Username)) => {
                return Err(AccountError::invalid("username", "accounts.error.username_taken"))
            }
            Err(CreateUserError::Taken(Taken::Email)) => {
                return Err(AccountError::invalid("email", "accounts.error.email_taken"))
            }
            Err(CreateUserError::Db(e)) => return Err(e.into()),
        };
        send_confirmation(conn, services, &user)?;
        security::record(conn, Some(user.id), "register", &user.username, &request.ip)?;
        Ok(user)
    })
}

/// A new confirmation link by mail (earlier ones stop working).
fn send_confirmation(conn: &mut DbConnection, services: &Services, user: &User) -> Result<(), DbError> {
    let (raw, token_hash) = new_token();
    EmailToken::issue(
        conn,
        user.id,
        tokens::VERIFY_EMAIL,
        &token_hash,
        None,
        Duration::hours(VERIFY_LINK_HOURS),
    )?;
    let url = services
        .settings
        .absolute_url(&format!("/verify-email?token={raw}"));
    notice::send(
        conn,
        &services.i18n,
        user,
        &user.email,
        NoticeKind::VerifyEmail,
        Some(url),
        "",
    )
}

/// What a confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// A new account's address.
    Verified,
    /// A changed address is now the account's.
    EmailChanged,
}

/// Confirms an address from its link. A link that is unknown, used or
/// expired is `Invalid` (field `token`); a new address another account took
/// meanwhile is a `Conflict`. A change of address ends every other link.
pub fn verify_email(conn: &mut DbConnection, raw_token: &str, ip: &str) -> Result<Confirmed, AccountError> {
    let token_hash = hash_token(raw_token);
    let invalid = || AccountError::invalid("token", "accounts.verify.bad");
    write_tx(conn, |conn| {
        for purpose in [tokens::VERIFY_EMAIL, tokens::CHANGE_EMAIL] {
            let Ok(token) = EmailToken::find_usable(conn, purpose, &token_hash)? else {
                continue;
            };
            if !EmailToken::mark_used(conn, token.id)? {
                return Err(invalid());
            }
            let user = User::find(conn, token.user_id)?;
            if user.is_deleted() {
                return Err(invalid());
            }
            if purpose == tokens::VERIFY_EMAIL {
                User::mark_verified(conn, user.id)?;
                security::record(conn, Some(user.id), "email_verified", &user.email, ip)?;
                return Ok(Confirmed::Verified);
            }
            let new_email = token.new_email.clone().unwrap_or_default();
            return match User::change_email(conn, user.id, &new_email) {
                Ok(()) => {
                    EmailToken::expire_all_for_user(conn, user.id)?;
                    security::record(conn, Some(user.id), "email_changed", &new_email, ip)?;
                    Ok(Confirmed::EmailChanged)
                }
                Err(CreateUserError::Taken(_)) => Err(AccountError::Conflict("accounts.verify.taken")),
                Err(CreateUserError::Db(e)) => Err(e.into()),
            };
        }
        Err(invalid())
    })
}

/// What asking for the link again did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    Sent,
    AlreadyVerified,
}

/// Sends the confirmation link again, at most `MAILS_PER_HOUR` times an hour.
pub fn resend_verification(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
) -> Result<Resent, AccountError> {
    let user_id = actor.user_id().ok_or(AccountError::NotFound)?;
    write_tx(conn, |conn| {
        let account = User::find(conn, user_id)?;
        if account.is_verified() {
            return Ok(Resent::AlreadyVerified);
        }
        let bucket = format!("verify-mail:{user_id}");
        if rate::take(conn, &bucket, MAILS_PER_HOUR, Duration::hours(1))?.is_err() {
            return Err(AccountError::TooMany {
                retry_after_secs: 3600,
            });
        }
        send_confirmation(conn, services, &account)?;
        Ok(Resent::Sent)
    })
}

/// Creates an account whose address is taken as verified, with roles: for
/// the command line and the demo, where no mail round trip is possible.
/// Audited as the site's own act.
pub fn create_verified_account(
    conn: &mut DbConnection,
    username: &Username,
    email: &Email,
    password_hash: &str,
    display_name: &str,
    roles: &[Role],
    note: &str,
) -> anyhow::Result<User> {
    let mut new = NewUser::new(username.as_str(), email.as_str(), password_hash, "zh-CN");
    new.display_name = display_name;
    new.email_verified_at = Some(klearn_db::now());
    let user = write_tx(conn, |conn| -> anyhow::Result<User> {
        let user = match User::create(conn, &new) {
            Ok(u) => u,
            Err(CreateUserError::Taken(Taken::Username)) => {
                anyhow::bail!("the username {} is taken", username.as_str())
            }
            Err(CreateUserError::Taken(Taken::Email)) => {
                anyhow::bail!("the email {} is taken", email.as_str())
            }
            Err(CreateUserError::Db(e)) => return Err(e.into()),
        };
        audit::record(conn, None, "user.create", Object::user(user.id), note)?;
        for role in roles {
            User::grant_role(conn, user.id, role.as_str(), None)?;
            audit::record(
                conn,
                None,
                "user.role_grant",
                Object::user(user.id),
                role.as_str(),
            )?;
        }
        Ok(user)
    })?;
    Ok(user)
}
