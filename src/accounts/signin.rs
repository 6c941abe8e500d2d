//! Signing in, with its lockout, and out.
//!
//! An attempt is counted before its password is checked, atomically (see
//! `rate::take`): however many guesses arrive at once for one account, at
//! most `FAILURES_PER_ACCOUNT` are checked in the window and the rest are
//! refused. The account's bucket is keyed by the account, whichever of its
//! username or address was typed. A right password gives its slot back.
//! Login runs in two short transactions around the password check, so that
//! no write lock is held while argon2 works.

use chrono::{Duration, NaiveDateTime};
use klearn_db::users::User;
use klearn_db::{rate, security, write_tx, DbConnection, UserId};

use super::AccountError;
use crate::domain::actor::Actor;
use crate::services::Services;

/// Failed logins allowed per account, and per client address, in the window.
pub const FAILURES_PER_ACCOUNT: usize = 5;
pub const FAILURES_PER_ADDRESS: usize = 50;
pub const WINDOW_MINUTES: i64 = 15;

/// The lockout bucket of an account.
pub fn account_bucket(user_id: UserId) -> String {
    format!("login:user:{user_id}")
}

/// The bucket of a login that names no account (nothing to protect, but
/// guesses at it are limited all the same).
fn unknown_login_bucket(login: &str) -> String {
    format!("login:name:{}", login.trim().to_lowercase())
}

fn address_bucket(ip: &str) -> String {
    format!("login-ip:{ip}")
}

/// A sign-in as typed: both fields present (the form checks that).
pub struct Credentials {
    pub login: String,
    pub password: String,
    pub ip: String,
}

/// Signs in: the account whose username or address is `login`, if the
/// password is right, it is not locked out and not suspended.
pub fn login(
    conn: &mut DbConnection,
    services: &Services,
    request: &Credentials,
) -> Result<User, AccountError> {
    let window = Duration::minutes(WINDOW_MINUTES);
    let user = User::find_by_login(conn, &request.login)?;
    let account_key = match &user {
        Some(u) => account_bucket(u.id),
        None => unknown_login_bucket(&request.login),
    };
    let address_key = address_bucket(&request.ip);
    let slots = write_tx(
        conn,
        |conn| -> Result<Result<(i64, i64), NaiveDateTime>, AccountError> {
            let address = match rate::take(conn, &address_key, FAILURES_PER_ADDRESS, window)? {
                Ok(slot) => slot,
                Err(until) => return Ok(Err(until)),
            };
            match rate::take(conn, &account_key, FAILURES_PER_ACCOUNT, window)? {
                Ok(account) => Ok(Ok((account, address))),
                Err(until) => {
                    rate::release(conn, address)?;
                    Ok(Err(until))
                }
            }
        },
    )?;
    let (account_slot, address_slot) = match slots {
        Ok(slots) => slots,
        Err(until) => {
            security::record(
                conn,
                user.as_ref().map(|u| u.id),
                "login_refused",
                &request.login,
                &request.ip,
            )?;
            return Err(AccountError::LockedOut { until });
        }
    };
    let hash = user.as_ref().map(|u| u.password_hash.as_str());
    let right = services.passwords.verify(&request.password, hash);
    // Refusals are recorded too: the transaction commits and the refusal is
    // returned after it.
    write_tx(conn, |conn| -> Result<Result<User, AccountError>, AccountError> {
        let user_id = user.as_ref().map(|u| u.id);
        let Some(user) = user.filter(|_| right) else {
            security::record(conn, user_id, "login_failed", &request.login, &request.ip)?;
            if rate::blocked_until(conn, &account_key, FAILURES_PER_ACCOUNT, window)?.is_some() {
                security::record(conn, user_id, "lockout", &request.login, &request.ip)?;
            }
            return Ok(Err(AccountError::invalid("login", "accounts.error.login_failed")));
        };
        rate::release(conn, account_slot)?;
        rate::release(conn, address_slot)?;
        // Told only after the right password, so that it reveals nothing to others.
        if let Some(until) = user.suspended_at(klearn_db::now()) {
            security::record(
                conn,
                Some(user.id),
                "login_suspended",
                &user.username,
                &request.ip,
            )?;
            return Ok(Err(AccountError::Suspended { until }));
        }
        security::record(conn, Some(user.id), "login", &user.username, &request.ip)?;
        Ok(Ok(user))
    })?
}

/// Records the end of a session (the session itself is the web layer's).
pub fn logout(conn: &mut DbConnection, actor: &Actor, username: &str, ip: &str) -> Result<(), AccountError> {
    security::record(conn, actor.user_id(), "logout", username, ip)?;
    Ok(())
}
