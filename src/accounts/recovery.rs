//! A forgotten password: the reset link by mail, and the new password set
//! from it.

use chrono::Duration;
use klearn_db::sessions::SessionRow;
use klearn_db::tokens::{self, EmailToken};
use klearn_db::users::User;
use klearn_db::{rate, security, write_tx, DbConnection, DbError};

use super::signin::account_bucket;
use super::signup::MAILS_PER_HOUR;
use super::{hash_token, new_token, AccountError};
use crate::domain::account::{Email, NewPassword};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// How long a reset link works.
pub const RESET_LINK_HOURS: i64 = 1;
/// Reset requests one address may make per hour, whatever the account.
pub const RESETS_PER_ADDRESS_PER_HOUR: usize = 10;

/// Mails a reset link to the account of `email`, if there is one and the
/// limits allow. The caller answers the same whatever happened, so that the
/// page reveals nothing about who has an account.
pub fn request_reset(
    conn: &mut DbConnection,
    services: &Services,
    email: &Email,
    ip: &str,
) -> Result<(), AccountError> {
    write_tx(conn, |conn| {
        if rate::take(
            conn,
            &format!("reset-ip:{ip}"),
            RESETS_PER_ADDRESS_PER_HOUR,
            Duration::hours(1),
        )?
        .is_err()
        {
            return Ok(());
        }
        let Some(user) = User::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        let by_account = format!("reset-mail:{}", user.id);
        if rate::take(conn, &by_account, MAILS_PER_HOUR, Duration::hours(1))?.is_err() {
            return Ok(());
        }
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            user.id,
            tokens::RESET_PASSWORD,
            &token_hash,
            None,
            Duration::hours(RESET_LINK_HOURS),
        )?;
        let url = services
            .settings
            .absolute_url(&format!("/password/reset?token={raw}"));
        notice::send(
            conn,
            &services.i18n,
            &user,
            &user.email,
            NoticeKind::ResetPassword,
            Some(url),
            "",
        )?;
        security::record(conn, Some(user.id), "reset_requested", &user.email, ip)?;
        Ok(())
    })
}

/// Whether a reset link still works (the form is shown only then).
pub fn reset_link_works(conn: &mut DbConnection, raw_token: &str) -> Result<bool, DbError> {
    Ok(EmailToken::find_usable(conn, tokens::RESET_PASSWORD, &hash_token(raw_token))?.is_ok())
}

/// Sets a new password from a reset link: the link is used up, every other
/// link of the account and every session end, a lockout lifts, the owner is
/// told by mail. A link that does not work is `Invalid` (field `token`).
pub fn reset_password(
    conn: &mut DbConnection,
    services: &Services,
    raw_token: &str,
    password: &NewPassword,
    ip: &str,
) -> Result<(), AccountError> {
    let token_hash = hash_token(raw_token);
    let invalid = || AccountError::invalid("token", "accounts.reset.invalid");
    if EmailToken::find_usable(conn, tokens::RESET_PASSWORD, &token_hash)?.is_err() {
        return Err(invalid());
    }
    let hash = services
        .passwords
        .hash(password.expose())
        .map_err(|e| AccountError::Db(DbError::Config(format!("{e:#}"))))?;
    write_tx(conn, |conn| {
        let Ok(token) = EmailToken::find_usable(conn, tokens::RESET_PASSWORD, &token_hash)? else {
            return Err(invalid());
        };
        if !EmailToken::mark_used(conn, token.id)? {
            return Err(invalid());
        }
        let user = User::find(conn, token.user_id)?;
        User::set_password(conn, user.id, &hash)?;
        // The link proved the mailbox is theirs.
        User::mark_verified(conn, user.id)?;
        EmailToken::expire_all_for_user(conn, user.id)?;
        SessionRow::delete_for_user(conn, user.id)?;
        rate::clear(conn, &[account_bucket(user.id)])?;
        security::record(conn, Some(user.id), "password_reset", &user.username, ip)?;
        notice::send(
            conn,
            &services.i18n,
            &user,
            &user.email,
            NoticeKind::PasswordChanged,
            None,
            "",
        )?;
        Ok(())
    })
}
