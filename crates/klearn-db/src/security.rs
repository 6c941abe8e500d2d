//! Security events of accounts: logins, failures, lockouts, resets, changes of
//! email and password, with the user (where known) and the client address.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::security_events;
use crate::types::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SecurityEvent {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub kind: String,
    pub login: String,
    pub ip: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = security_events)]
struct NewSecurityEvent<'a> {
    user_id: Option<UserId>,
    kind: &'a str,
    login: &'a str,
    ip: &'a str,
    created_at: NaiveDateTime,
}

pub fn record(
    conn: &mut DbConnection,
    user_id: Option<UserId>,
    kind: &str,
    login: &str,
    ip: &str,
) -> Result<(), DbError> {
    let login: String = login.chars().take(254).collect();
    diesel::insert_into(security_events::table)
        .values(NewSecurityEvent {
            user_id,
            kind,
            login: &login,
            ip,
            created_at: crate::now(),
        })
        .execute(conn)?;
    Ok(())
}

impl SecurityEvent {
    pub fn recent_for_user(
        conn: &mut DbConnection,
        user_id: UserId,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>, DbError> {
        Ok(security_events::table
            .filter(security_events::user_id.eq(user_id))
            .order(security_events::id.desc())
            .limit(limit)
            .select(SecurityEvent::as_select())
            .load(conn)?)
    }
}
