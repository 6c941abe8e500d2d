//! Accounts: registration, sign-in and sign-out, email verification,
//! password reset, the settings pages and the public member page.

pub mod forms;
pub mod password;
pub mod routes;
pub mod views;

use base64::Engine;
use klearn_db::audit::{self, Object};
use klearn_db::users::{CreateUserError, NewUser, Taken, User};
use klearn_db::{write_tx, DbConnection, DbError};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::account::{Email, Role, Username};

/// Creates an account whose address is taken as verified, with roles: for the
/// command line and the demo, where no mail round trip is possible. Audited.
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
        let object_id = user.id.to_string();
        audit::record(conn, None, "user.create", Object::new("user", &object_id), note)?;
        for role in roles {
            User::grant_role(conn, user.id, role.as_str(), None)?;
            audit::record(
                conn,
                None,
                "user.role_grant",
                Object::new("user", &object_id),
                role.as_str(),
            )?;
        }
        Ok(user)
    })?;
    Ok(user)
}

/// Grants a role from the command line; audited. False when it was held already.
pub fn grant_role_by_name(conn: &mut DbConnection, username: &str, role: Role) -> anyhow::Result<bool> {
    write_tx(conn, |conn| -> anyhow::Result<bool> {
        let user = User::find_by_username(conn, username).map_err(|e| match e {
            DbError::NotFound => anyhow::anyhow!("no user named {username}"),
            other => other.into(),
        })?;
        let granted = User::grant_role(conn, user.id, role.as_str(), None)?;
        if granted {
            audit::record(
                conn,
                None,
                "user.role_grant",
                Object::new("user", &user.id.to_string()),
                &format!("{} (command line)", role.as_str()),
            )?;
        }
        Ok(granted)
    })
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
