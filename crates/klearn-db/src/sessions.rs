//! Server-side sessions: the state actix-session keeps, with the user and the
//! absolute expiry on the row, so that all of one user's sessions can be
//! ended at once on every instance. Rows are keyed by a hash of the cookie's
//! key, so a copy of the table opens no session.
//!
//! A request with a session cookie reads its session, the session's user, the
//! user's roles and their certification in one query ([`SessionRow::load_with_user`]).
//!
//! Whatever ends a signed-in session or changes what it carries (the
//! account's names, address, verification, language, roles, certification)
//! moves `generations::ACCOUNTS`, by which the web layer keeps sessions
//! between requests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::generations;
use crate::schema::{expert_applications, sessions, user_roles, users};
use crate::types::{ExpertState, SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: Option<UserId>,
    pub state: String,
    pub expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    pub ip: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a SessionId,
    pub user_id: Option<UserId>,
    pub state: &'a str,
    pub expires_at: NaiveDateTime,
    pub absolute_expires_at: NaiveDateTime,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A live session as a request needs it: its state and, when it names a user
/// who may still be signed in, that user.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSession {
    pub state: String,
    /// The earlier of the idle and the absolute expiry.
    pub expires_at: NaiveDateTime,
    /// The user the session names, whatever became of them.
    pub user_id: Option<UserId>,
    /// That user, when the account is still there, not erased and not suspended.
    pub user: Option<SessionUser>,
}

/// The signed-in user of a session, with their roles and certification.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub verified: bool,
    pub locale: String,
    /// Role names, in order.
    pub roles: Vec<String>,
    /// A certified expert application exists.
    pub certified: bool,
}

/// The user's columns that a session needs (the account's own, no texts).
type UserColumns = (
    UserId,
    String,
    String,
    String,
    Option<NaiveDateTime>,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// One row of the session's query: state, user id, the user's columns, one
/// role, certification.
type LoadedRow = (
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<UserId>,
    Option<UserColumns>,
    Option<String>,
    bool,
);

impl SessionRow {
    /// A live session (neither idle nor absolute expiry has passed) with its user, the user's roles and certification, from
    /// one statement (one row per role; the statement is prepared once per
    /// connection). The user is left out when gone, erased or suspended at
    /// `now`, so that the caller ends the session.
    pub fn load_with_user(conn: &mut DbConnection, id: &SessionId) -> Result<Option<LoadedSession>, DbError> {
        let now = crate::now();
        let certified = diesel::dsl::exists(
            expert_applications::table
                .filter(expert_applications::user_id.nullable().eq(sessions::user_id))
                .filter(expert_applications::state.eq(ExpertState::Certified)),
        );
        let rows: Vec<LoadedRow> = sessions::table
            .left_join(users::table)
            .left_join(user_roles::table.on(user_roles::user_id.nullable().eq(sessions::user_id)))
            .filter(sessions::id.eq(id))
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::absolute_expires_at.gt(now))
            .order(user_roles::role.asc())
            .select((
                sessions::state,
                sessions::expires_at,
                sessions::absolute_expires_at,
                sessions::user_id,
                (
                    users::id,
                    users::username,
                    users::display_name,
                    users::email,
                    users::email_verified_at,
                    users::locale,
                    users::deleted_at,
                    users::suspended_until,
                )
                    .nullable(),
                user_roles::role.nullable(),
                certified,
            ))
            .load(conn)?;
        let mut rows = rows.into_iter();
        let Some((state, idle_expiry, absolute_expiry, user_id, account, first_role, certified)) =
            rows.next()
        else {
            return Ok(None);
        };
        let user = account.and_then(
            |(id, username, display_name, email, verified_at, locale, deleted_at, suspended_until)| {
                let suspended = suspended_until.is_some_and(|until| until > now);
                (deleted_at.is_none() && !suspended).then(|| SessionUser {
                    id,
                    username,
                    display_name,
                    email,
                    verified: verified_at.is_some(),
                    locale,
                    roles: first_role
                        .into_iter()
                        .chain(rows.filter_map(|(_, _, _, _, _, role, _)| role))
                        .collect(),
                    certified,
                })
            },
        );
        Ok(Some(LoadedSession {
            state,
            expires_at: idle_expiry.min(absolute_expiry),
            user_id,
            user,
        }))
    }

    pub fn insert(conn: &mut DbConnection, row: &NewSession<'_>) -> Result<(), DbError> {
        diesel::insert_into(sessions::table).values(row).execute(conn)?;
        Ok(())
    }

    /// Writes new state; returns false when the row is gone (the session was
    /// ended meanwhile), which must not bring it back.
    pub fn update_state(
        conn: &mut DbConnection,
        id: &SessionId,
        state: &str,
        user_id: Option<UserId>,
        expires_at: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let n = diesel::update(sessions::table.filter(sessions::id.eq(id)))
            .set((
                sessions::state.eq(state),
                sessions::user_id.eq(user_id),
                sessions::expires_at.eq(expires_at),
                sessions::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(n == 1)
    }

    /// Pushes the idle expiry forward, never past the absolute one.
    pub fn touch(conn: &mut DbConnection, id: &SessionId, expires_at: NaiveDateTime) -> Result<(), DbError> {
        diesel::update(sessions::table.filter(sessions::id.eq(id)))
            .set(sessions::expires_at.eq(expires_at))
            .execute(conn)?;
        Ok(())
    }

    /// Ends a session; ending a signed-in one moves the accounts' generation,
    /// so that no instance keeps it.
    pub fn delete(conn: &mut DbConnection, id: &SessionId) -> Result<(), DbError> {
        let users: Vec<Option<UserId>> = diesel::delete(sessions::table.filter(sessions::id.eq(id)))
            .returning(sessions::user_id)
            .get_results(conn)?;
        if users.iter().any(Option::is_some) {
            generations::bump_accounts(conn)?;
        }
        Ok(())
    }

    /// Ends every session of a user (password change, suspension, deletion).
    pub fn delete_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<usize, DbError> {
        let n = diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        if n > 0 {
            generations::bump_accounts(conn)?;
        }
        Ok(n)
    }

    pub fn count_live_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<i64, DbError> {
        let now = crate::now();
        Ok(sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::absolute_expires_at.gt(now))
            .count()
            .get_result(conn)?)
    }

    /// Removes expired rows (the daily maintenance job).
    pub fn purge_expired(conn: &mut DbConnection) -> Result<usize, DbError> {
        let now = crate::now();
        Ok(diesel::delete(
            sessions::table.filter(
                sessions::expires_at
                    .le(now)
                    .or(sessions::absolute_expires_at.le(now)),
            ),
        )
        .execute(conn)?)
    }
}
