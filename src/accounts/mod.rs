//! Accounts: signing up and confirming an address (`signup`), signing in
//! with its lockout and out (`signin`), recovering a forgotten password
//! (`recovery`), the settings and deleting an account (`settings`), and what
//! staff do to accounts: suspensions and roles (`moderation`). Each of those
//! modules holds use cases: one transaction, every rule, the audit entry and
//! the mail. The pages are in `routes/`.

pub mod forms;
pub mod moderation;
pub mod password;
pub mod recovery;
pub mod routes;
pub mod settings;
pub mod signin;
pub mod signup;
pub mod views;

use base64::Engine;
use chrono::NaiveDateTime;
use klearn_db::DbError;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::web::AppError;

pub use moderation::{grant_role_by_name, set_roles, suspend, unsuspend};
pub use recovery::{request_reset, reset_password};
pub use settings::{change_password, delete_account, request_email_change, update_profile};
pub use signin::{login, logout};
pub use signup::{create_verified_account, register, resend_verification, verify_email};

/// Why an account use case refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no such account")]
    NotFound,
    /// 403; the reason is a translation key.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// 409; the reason is a translation key.
    #[error("refused as things stand: {0}")]
    Conflict(&'static str),
    /// 422: the form comes back with this message next to this field.
    #[error("{field}: {key}")]
    Invalid { field: &'static str, key: &'static str },
    /// 429: asked too often; may ask again after this many seconds.
    #[error("too many requests")]
    TooMany { retry_after_secs: u64 },
    /// 429 at login: too many failed attempts for the account or the address.
    #[error("locked out until {until}")]
    LockedOut { until: NaiveDateTime },
    /// 403 at login, told only after the right password.
    #[error("suspended until {until}")]
    Suspended { until: NaiveDateTime },
    #[error(transparent)]
    Db(DbError),
}

impl AccountError {
    pub fn invalid(field: &'static str, key: &'static str) -> Self {
        AccountError::Invalid { field, key }
    }
}

impl From<DbError> for AccountError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound => AccountError::NotFound,
            other => AccountError::Db(other),
        }
    }
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        DbError::from_query(e).into()
    }
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::NotFound => AppError::NotFound,
            AccountError::Forbidden(key) => AppError::ForbiddenBecause(key),
            AccountError::Conflict(key) => AppError::ConflictBecause(key),
            AccountError::Invalid { .. } => AppError::BadRequest,
            AccountError::TooMany { retry_after_secs } => AppError::TooManyRequests { retry_after_secs },
            AccountError::LockedOut { until } => AppError::TooManyRequests {
                retry_after_secs: (until - klearn_db::now()).num_seconds().max(1) as u64,
            },
            AccountError::Suspended { .. } => AppError::Forbidden,
            AccountError::Db(e) => AppError::from(e),
        }
    }
}

/// A token for a mailed link: the raw value goes in the link, its hash in the database.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&raw);
    (raw, hash)
}

pub fn hash_token(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.trim().as_bytes()))
}
