//! Server-side sessions: the state actix-session keeps, with the user and the
//! absolute expiry on the row, so that all of one user's sessions can be
//! ended at once on every instance. Rows are keyed by a hash of the cookie's
//! key, so a copy of the table opens no session.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::sessions;
use crate::types::{SessionId, UserId};

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

impl SessionRow {
    /// A live session: neither idle nor absolute expiry has passed.
    pub fn load(conn: &mut DbConnection, id: &SessionId) -> Result<Option<SessionRow>, DbError> {
        let now = crate::now();
        Ok(sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::absolute_expires_at.gt(now))
            .select(SessionRow::as_select())
            .first(conn)
            .optional()?)
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

    pub fn delete(conn: &mut DbConnection, id: &SessionId) -> Result<(), DbError> {
        diesel::delete(sessions::table.filter(sessions::id.eq(id))).execute(conn)?;
        Ok(())
    }

    /// Ends every session of a user (password change, suspension, deletion).
    pub fn delete_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<usize, DbError> {
        Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
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
