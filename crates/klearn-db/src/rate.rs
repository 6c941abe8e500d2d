//! Rate-limit counters kept in the database, so that every instance of the
//! site counts the same events: one row per event in a named bucket.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::rate_events;

#[derive(Debug, Insertable)]
#[diesel(table_name = rate_events)]
struct NewRateEvent<'a> {
    bucket: &'a str,
    created_at: NaiveDateTime,
}

/// Records one event in `bucket`.
pub fn hit(conn: &mut DbConnection, bucket: &str) -> Result<(), DbError> {
    diesel::insert_into(rate_events::table)
        .values(NewRateEvent {
            bucket,
            created_at: crate::now(),
        })
        .execute(conn)?;
    Ok(())
}

/// The times of the events in `bucket` within `window`, newest first.
pub fn recent(
    conn: &mut DbConnection,
    bucket: &str,
    window: Duration,
) -> Result<Vec<NaiveDateTime>, DbError> {
    Ok(rate_events::table
        .filter(rate_events::bucket.eq(bucket))
        .filter(rate_events::created_at.gt(crate::now() - window))
        .order(rate_events::created_at.desc())
        .select(rate_events::created_at)
        .load(conn)?)
}

/// When `bucket` may be used again if at most `max` events are allowed per
/// `window`: `None` when it may now.
pub fn blocked_until(
    conn: &mut DbConnection,
    bucket: &str,
    max: usize,
    window: Duration,
) -> Result<Option<NaiveDateTime>, DbError> {
    let times = recent(conn, bucket, window)?;
    if times.len() < max {
        return Ok(None);
    }
    // The window frees up when the max-th newest event leaves it.
    Ok(Some(times[max - 1] + window))
}

/// Takes one slot of `bucket` if fewer than `max` events happened within
/// `window`, atomically: concurrent callers are counted one after another,
/// so no more than `max` ever get through. Returns the event's id (to give
/// the slot back with `release`), or when the bucket frees up.
pub fn take(
    conn: &mut DbConnection,
    bucket: &str,
    max: usize,
    window: Duration,
) -> Result<Result<i64, NaiveDateTime>, DbError> {
    crate::connection::write_tx(conn, |conn| {
        crate::backend::lock_bucket(conn, bucket)?;
        if let Some(until) = blocked_until(conn, bucket, max, window)? {
            return Ok(Err(until));
        }
        let id: i64 = diesel::insert_into(rate_events::table)
            .values(NewRateEvent {
                bucket,
                created_at: crate::now(),
            })
            .returning(rate_events::id)
            .get_result(conn)?;
        Ok(Ok(id))
    })
}

/// Gives back a slot taken with `take` (an attempt that turned out well).
pub fn release(conn: &mut DbConnection, event_id: i64) -> Result<(), DbError> {
    diesel::delete(rate_events::table.find(event_id)).execute(conn)?;
    Ok(())
}

/// Forgets the events of the buckets (a successful password reset lifts a lockout).
pub fn clear(conn: &mut DbConnection, buckets: &[String]) -> Result<usize, DbError> {
    Ok(diesel::delete(rate_events::table.filter(rate_events::bucket.eq_any(buckets))).execute(conn)?)
}

/// Removes events older than any window in use.
pub fn purge_before(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(diesel::delete(rate_events::table.filter(rate_events::created_at.lt(before))).execute(conn)?)
}
