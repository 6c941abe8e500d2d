//! Generations: one counter per cached list. Whatever changes who or what a
//! list shows bumps its counter in the same transaction, so a cache that
//! remembers the counter it was built at knows exactly when it is stale, on
//! every instance of the site.
//!
//! `SITE` is what guests see: every area's bump moves it too, and the guest
//! page cache (`web::page_cache`) is exact by it. Another instance's bump is
//! read by polling (at most a second late); this process's own bumps are
//! announced when their transaction commits (`committed_bumps`), so a page
//! cached here is never served after the change that made it stale.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::generations;

/// The expert directory: who is certified, suspended or erased.
pub const EXPERTS: &str = "experts";

/// Everything a guest can see: courses in the catalogue and on their pages,
/// reviews, experts and their profiles, the forum. Bumped by every use case
/// that changes one of those pages (and by every other generation's bump).
pub const SITE: &str = "site";

/// Who is signed in, and as whom: a signed-in session ended, and the account
/// fields, roles and certification a session carries. Kept sessions
/// (`web::session`) are exact by it. Guests see none of it, so it does not
/// move `SITE` ([`bump_accounts`]).
pub const ACCOUNTS: &str = "accounts";

thread_local! {
    /// Whether the transaction running on this thread bumped a generation.
    static BUMPED: Cell<bool> = const { Cell::new(false) };
}

/// How many of this process's transactions that bumped a generation have
/// committed.
static COMMITTED_BUMPS: AtomicU64 = AtomicU64::new(0);

/// Moves on whenever a transaction of this process that bumped a generation
/// commits: a cache that saw another value reads the generations again.
pub fn committed_bumps() -> u64 {
    COMMITTED_BUMPS.load(Ordering::Acquire)
}

/// Called by `write_tx` when its outermost transaction ends.
pub(crate) fn transaction_ended(committed: bool) {
    if BUMPED.with(|b| b.replace(false)) && committed {
        COMMITTED_BUMPS.fetch_add(1, Ordering::AcqRel);
    }
}

/// The counter now (0 for a name nobody bumped yet).
pub fn current(conn: &mut DbConnection, name: &str) -> Result<i64, DbError> {
    Ok(generations::table
        .find(name)
        .select(generations::value)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Moves the counter on, and the site's with it; call it inside the
/// transaction of the change.
pub fn bump(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    debug_assert!(name != ACCOUNTS, "accounts are bumped by bump_accounts");
    announced(conn, |conn| {
        if name != SITE {
            bump_one(conn, SITE)?;
        }
        bump_one(conn, name)
    })
}

/// Moves the accounts' counter on, and only it: call it in the transaction
/// (or the statement's place) of a change that ends a signed-in session or
/// changes what a session carries.
pub fn bump_accounts(conn: &mut DbConnection) -> Result<(), DbError> {
    announced(conn, |conn| bump_one(conn, ACCOUNTS))
}

/// Runs a bump and has its commit announced: by `write_tx` at the end of the
/// transaction it runs in, or here at once when it runs outside any (the
/// statement committed on its own).
fn announced(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<(), DbError>,
) -> Result<(), DbError> {
    if crate::connection::in_transaction(conn) {
        BUMPED.with(|b| b.set(true));
        f(conn)
    } else {
        f(conn)?;
        COMMITTED_BUMPS.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

/// Two first bumps at once both count: the one whose insert loses the race
/// (in a savepoint, so its transaction goes on) updates instead.
fn bump_one(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
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
