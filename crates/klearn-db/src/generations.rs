//! Generations: one counter per cached list. Whatever changes who or what a
//! list shows bumps its counter in the same transaction, so a cache that
//! remembers the counter it was built at knows exactly when it is stale, on
//! every instance of the site.

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::generations;

/// The expert directory: who is certified, suspended or erased.
pub const EXPERTS: &str = "experts";

/// The counter now (0 for a name nobody bumped yet).
pub fn current(conn: &mut DbConnection, name: &str) -> Result<i64, DbError> {
    Ok(generations::table
        .find(name)
        .select(generations::value)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Moves the counter on; call it inside the transaction of the change.
/// Two first bumps at once both count: the one whose insert loses the race
/// (in a savepoint, so its transaction goes on) updates instead.
pub fn bump(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    let step = |conn: &mut DbConnection| -> Result<usize, DbError> {
        Ok(diesel::update(generations::table.find(name))
            .set(generations::value.eq(generations::value + 1))
            .execute(conn)?)
    };
    if step(conn)? == 0 {
        let inserted = crate::orders::insert_once(conn, |conn| {
            diesel::insert_into(generations::table)
                .values((generations::name.eq(name), generations::value.eq(1)))
                .execute(conn)
        })?;
        if !inserted {
            step(conn)?;
        }
    }
    Ok(())
}
