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
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use moderation::{grant_role_by_name, set_roles, suspend, unsuspend};
pub use recovery::{request_reset, reset_password};
pub use settings::{change_password, delete_account, request_email_change, update_profile};
pub use signin::{login, logout};
pub use signup::{create_verified_account, register, resend_verification, verify_email};

crate::area_error! {
    /// Why an account use case refused.
    AccountError {
        /// 429: asked too often; may ask again after this many seconds.
        TooMany { retry_after_secs: u64 } => AppError::TooManyRequests { retry_after_secs },
        /// 429 at login: too many failed attempts for the account or the address.
        LockedOut { until: NaiveDateTime } => AppError::TooManyRequests {
            retry_after_secs: (until - klearn_db::now()).num_seconds().max(1) as u64,
        },
        /// 403 at login, told only after the right password.
        Suspended { until: NaiveDateTime } => AppError::Forbidden,
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
