//! The few statements that differ between SQLite and PostgreSQL, kept in this one module.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::jobs::Job;

/// Claims the next due job for `worker`, leasing it until `lease_until`.
///
/// A job is due when it is pending and its time has come, or when it is
/// running but its lease has run out (its worker died mid-job). PostgreSQL
/// uses `FOR UPDATE SKIP LOCKED` so several processes never hold one job;
/// SQLite has one writer at a time, which `BEGIN IMMEDIATE` gives.
pub fn claim_next_job(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<Job>, DbError> {
    const DUE: &str = "(status = 'pending' AND run_at <= {now}) \
                       OR (status = 'running' AND locked_until < {now})";
    let claimed: Vec<Job> = match conn {
        DbConnection::Pg(c) => {
            let due = DUE.replace("{now}", "$3");
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
                 locked_by = $1, locked_until = $2 \
                 WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id \
                 LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(worker)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .load(c)?
        }
        DbConnection::Sqlite(_) => write_tx(conn, |conn| {
            let DbConnection::Sqlite(c) = conn else {
                unreachable!("matched as SQLite above")
            };
            let due = DUE.replace("{now}", "?");
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
                 locked_by = ?, locked_until = ? \
                 WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT 1) \
                 RETURNING *"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(worker)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(now)
                .load::<Job>(c)
        })?,
    };
    Ok(claimed.into_iter().next())
}
