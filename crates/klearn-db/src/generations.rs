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
pub fn bump(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    let n = diesel::update(generations::table.find(name))
        .set(generations::value.eq(generations::value + 1))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(generations::table)
            .values((generations::name.eq(name), generations::value.eq(1)))
            .execute(conn)?;
    }
    Ok(())
}
