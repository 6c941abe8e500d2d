//! Single-use tokens sent by mail (email verification, password reset, change
//! of email), stored as hashes and expiring.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::email_tokens;
use crate::types::UserId;

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";
pub const CHANGE_EMAIL: &str = "change_email";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct EmailToken {
    pub id: i64,
    pub user_id: UserId,
    pub purpose: String,
    pub token_hash: String,
    pub new_email: Option<String>,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = email_tokens)]
struct NewEmailToken<'a> {
    user_id: UserId,
    purpose: &'a str,
    token_hash: &'a str,
    new_email: Option<&'a str>,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Used,
    Expired,
}

impl EmailToken {
    /// Stores a new token (by its hash); earlier unused tokens of the same
    /// purpose for the user stop working, so only the newest link counts.
    pub fn issue(
        conn: &mut DbConnection,
        user_id: UserId,
        purpose: &str,
        token_hash: &str,
        new_email: Option<&str>,
        valid_for: Duration,
    ) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            let now = crate::now();
            diesel::update(
                email_tokens::table
                    .filter(email_tokens::user_id.eq(user_id))
                    .filter(email_tokens::purpose.eq(purpose))
                    .filter(email_tokens::used_at.is_null()),
            )
            .set(email_tokens::expires_at.eq(now))
            .execute(conn)?;
            diesel::insert_into(email_tokens::table)
                .values(NewEmailToken {
                    user_id,
                    purpose,
                    token_hash,
                    new_email,
                    expires_at: now + valid_for,
                    created_at: now,
                })
                .execute(conn)?;
            Ok(())
        })
    }

    /// The token of that hash and purpose if it may still be used.
    pub fn find_usable(
        conn: &mut DbConnection,
        purpose: &str,
        token_hash: &str,
    ) -> Result<Result<EmailToken, TokenProblem>, DbError> {
        let token = email_tokens::table
            .filter(email_tokens::token_hash.eq(token_hash))
            .filter(email_tokens::purpose.eq(purpose))
            .select(EmailToken::as_select())
            .first(conn)
            .optional()?;
        Ok(match token {
            None => Err(TokenProblem::Unknown),
            Some(t) if t.used_at.is_some() => Err(TokenProblem::Used),
            Some(t) if t.expires_at <= crate::now() => Err(TokenProblem::Expired),
            Some(t) => Ok(t),
        })
    }

    /// Ends every unused token of the user, whatever its purpose: their
    /// address or password changed, so no earlier link may act for them.
    pub fn expire_all_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<usize, DbError> {
        let now = crate::now();
        Ok(diesel::update(
            email_tokens::table
                .filter(email_tokens::user_id.eq(user_id))
                .filter(email_tokens::used_at.is_null())
                .filter(email_tokens::expires_at.gt(now)),
        )
        .set(email_tokens::expires_at.eq(now))
        .execute(conn)?)
    }

    /// Marks the token used; false when it was used meanwhile (two clicks at once).
    pub fn mark_used(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
        let n = diesel::update(
            email_tokens::table
                .filter(email_tokens::id.eq(id))
                .filter(email_tokens::used_at.is_null()),
        )
        .set(email_tokens::used_at.eq(Some(crate::now())))
        .execute(conn)?;
        Ok(n == 1)
    }
}
