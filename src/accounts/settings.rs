//! The settings of one's own account: the profile (with its avatar), the
//! password, the address, and deleting the account, which erases the
//! member's data in every area from one place (`erase_everywhere`).

use chrono::Duration;
use klearn_db::audit::{self, Object};
use klearn_db::sessions::SessionRow;
use klearn_db::tokens::{self, EmailToken};
use klearn_db::users::{ProfileChanges, User};
use klearn_db::{generations, public_write_tx, rate, security, write_tx, DbConnection, DbError};

use super::password::Passwords;
use super::signup::MAILS_PER_HOUR;
use super::{new_token, AccountError};
use crate::domain::account::{Email, NewPassword};
use crate::domain::actor::Actor;
use crate::i18n::Locale;
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;
use crate::uploads::{ReceivedFile, UploadError};

/// How long the link that confirms a new address works.
pub const EMAIL_CHANGE_LINK_HOURS: i64 = 24;

fn member(actor: &Actor) -> Result<klearn_db::UserId, AccountError> {
    actor.user_id().ok_or(AccountError::NotFound)
}

/// Checks the member's current password (the settings that need it).
fn current_password_ok(services: &Services, account: &User, password: &str) -> Result<(), AccountError> {
    if services.passwords.verify(password, Some(&account.password_hash)) {
        Ok(())
    } else {
        Err(AccountError::invalid(
            "current_password",
            "accounts.error.current_password",
        ))
    }
}

fn hash(services: &Services, password: &NewPassword) -> Result<String, AccountError> {
    services
        .passwords
        .hash(password.expose())
        .map_err(|e| AccountError::Db(DbError::Config(format!("{e:#}"))))
}

/// The profile form, parsed.
pub struct ProfileUpdate {
    pub display_name: String,
    pub bio: String,
    pub locale: Locale,
    pub interests: Vec<String>,
    pub avatar: Option<ReceivedFile>,
    pub remove_avatar: bool,
}

/// Saves the profile. A new or removed avatar lets the old one go (its file
/// is deleted after the commit); an avatar past the member's quota is
/// `Upload` against the field.
pub fn update_profile(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    update: ProfileUpdate,
) -> Result<Result<(), UploadError>, AccountError> {
    let user_id = member(actor)?;
    public_write_tx(conn, |conn| {
        let account = User::find(conn, user_id)?;
        let new_avatar = match update.avatar {
            Some(file) => match services.storage.keep_within_quota(conn, file, actor)? {
                Ok(upload) => Some(upload.id),
                Err(problem) => return Ok(Err(problem)),
            },
            None => None,
        };
        User::update_profile(
            conn,
            user_id,
            &ProfileChanges {
                display_name: update.display_name.clone(),
                bio_html: crate::markdown::render(&update.bio),
                bio: update.bio.clone(),
                locale: update.locale.code().to_string(),
                updated_at: klearn_db::now(),
            },
        )?;
        // An expert's display name is searchable on their courses.
        klearn_db::search::sync_owner(conn, user_id)?;
        User::set_interests(conn, user_id, &update.interests)?;
        if new_avatar.is_some() || update.remove_avatar {
            User::set_avatar(conn, user_id, new_avatar)?;
            if let Some(old) = account.avatar_upload_id {
                services.storage.release(conn, &[old])?;
            }
        }
        Ok(Ok(()))
    })
}

/// A change of password, parsed.
pub struct PasswordChange {
    pub current_password: String,
    pub password: NewPassword,
    pub ip: String,
}

/// Changes the password: every session and every mailed link of the
/// account ends (the web layer renews the session of the request), and the
/// member is told by mail.
pub fn change_password(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    change: &PasswordChange,
) -> Result<(), AccountError> {
    let account = User::find(conn, member(actor)?)?;
    current_password_ok(services, &account, &change.current_password)?;
    let hash = hash(services, &change.password)?;
    write_tx(conn, |conn| {
        User::set_password(conn, account.id, &hash)?;
        EmailToken::expire_all_for_user(conn, account.id)?;
        SessionRow::delete_for_user(conn, account.id)?;
        security::record(
            conn,
            Some(account.id),
            "password_changed",
            &account.username,
            &change.ip,
        )?;
        notice::send(
            conn,
            &services.i18n,
            &account,
            &account.email,
            NoticeKind::PasswordChanged,
            None,
            "",
        )?;
        Ok(())
    })
}

/// A change of address, parsed.
pub struct EmailChange {
    pub email: Email,
    pub current_password: String,
    pub ip: String,
}

/// Asks to change the address: a confirmation link goes to the new one and a
/// note to the old one; the address changes when the link is followed. At
/// most `MAILS_PER_HOUR` requests an hour.
pub fn request_email_change(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    change: &EmailChange,
) -> Result<(), AccountError> {
    let account = User::find(conn, member(actor)?)?;
    current_password_ok(services, &account, &change.current_password)?;
    let new_email = change.email.as_str();
    if new_email.eq_ignore_ascii_case(&account.email) {
        return Err(AccountError::invalid("email", "settings.error.same_email"));
    }
    write_tx(conn, |conn| {
        if !User::taken(conn, None, Some(new_email))?.is_empty() {
            return Err(AccountError::invalid("email", "accounts.error.email_taken"));
        }
        let bucket = format!("email-change:{}", account.id);
        if rate::take(conn, &bucket, MAILS_PER_HOUR, Duration::hours(1))?.is_err() {
            return Err(AccountError::TooMany {
                retry_after_secs: 3600,
            });
        }
        let (raw, token_hash) = new_token();
        EmailToken::issue(
            conn,
            account.id,
            tokens::CHANGE_EMAIL,
            &token_hash,
            Some(new_email),
            Duration::hours(EMAIL_CHANGE_LINK_HOURS),
        )?;
        let url = services
            .settings
            .absolute_url(&format!("/verify-email?token={raw}"));
        let i18n = &services.i18n;
        notice::send(
            conn,
            i18n,
            &account,
            new_email,
            NoticeKind::ConfirmNewEmail,
            Some(url),
            new_email,
        )?;
        notice::send(
            conn,
            i18n,
            &account,
            &account.email,
            NoticeKind::EmailChangeRequested,
            None,
            new_email,
        )?;
        security::record(
            conn,
            Some(account.id),
            "email_change_requested",
            new_email,
            &change.ip,
        )?;
        Ok(())
    })
}

/// Deletes the member's own account after checking their password.
pub fn delete_account(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    current_password: &str,
    ip: &str,
) -> Result<(), AccountError> {
    let account = User::find(conn, member(actor)?)?;
    current_password_ok(services, &account, current_password)?;
    write_tx(conn, |conn| {
        erase_everywhere(conn, services, &account)?;
        security::record(conn, Some(account.id), "account_deleted", &account.username, ip)?;
        audit::record(
            conn,
            Some(account.id),
            "user.delete",
            Object::user(account.id),
            "deleted by the account holder",
        )?;
        Ok(())
    })
}

/// Erases an account, each area its own part, in the caller's transaction:
/// the account's personal data (the row stays, shown as a deleted user, so
/// that what they wrote and bought still points somewhere), its sessions and
/// links, its expert applications, its avatar. Orders stay for accounting.
pub fn erase_everywhere(conn: &mut DbConnection, services: &Services, account: &User) -> Result<(), DbError> {
    User::erase(conn, account.id, &Passwords::unusable_hash())?;
    SessionRow::delete_for_user(conn, account.id)?;
    EmailToken::expire_all_for_user(conn, account.id)?;
    crate::experts::erase_for_user(conn, account.id)?;
    crate::uploads::erase_for_user(conn, &services.storage, account.avatar_upload_id)?;
    // Their feedback stays, without the address it was filed under.
    klearn_db::feedback::Feedback::erase_for_user(conn, account.id)?;
    // The expert directory lists live accounts only.
    generations::bump(conn, generations::EXPERTS)
}
