//! The connection type that serves either backend, and the writing-transaction helper.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;

/// One connection, to SQLite or to PostgreSQL, chosen at run time.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Which database a connection (or URL) talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Pg(_) => Backend::Postgres,
        }
    }
}

type Tm = <DbConnection as Connection>::TransactionManager;

/// The process's SQLite write transactions, one at a time.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Whether a transaction is open on the connection.
pub(crate) fn in_transaction(conn: &mut DbConnection) -> bool {
    Tm::transaction_manager_status_mut(conn)
        .transaction_depth()
        .is_ok_and(|depth| depth.is_some())
}

/// Runs `f` in a transaction that writes.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`: diesel's default
/// deferred `BEGIN` takes the write lock only at the first write, and a reader
/// that upgrades then fails with SQLITE_BUSY whatever busy_timeout says.
/// Nested calls become savepoints.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let depth = Tm::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(E::from)?;
    // SQLite has one writer at a time: the process's writers queue here and
    // are woken as soon as the lock is free, instead of polling the file lock
    // through busy_timeout's sleeps (which leaves it idle under contention).
    let _writer = match conn {
        DbConnection::Sqlite(_) if depth.is_none() => {
            Some(SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner()))
        }
        _ => None,
    };
    match conn {
        DbConnection::Sqlite(c) if depth.is_none() => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(E::from)?
        }
        _ => Tm::begin_transaction(conn).map_err(E::from)?,
    }
    let outermost = depth.is_none();
    match f(conn) {
        Ok(value) => {
            let committed = Tm::commit_transaction(conn).map_err(E::from);
            if outermost {
                crate::generations::transaction_ended(committed.is_ok());
            }
            committed?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = Tm::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            if outermost {
                crate::generations::transaction_ended(false);
            }
            Err(e)
        }
    }
}

/// A write transaction whose change guests can see (a published course, a
/// review, a post, a profile): `write_tx`, with the site's generation
/// bumped at its end, so the guest page cache never serves the page it
/// changed.
pub fn public_write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error> + From<crate::DbError>,
{
    write_tx(conn, |conn| {
        let value = f(conn)?;
        crate::generations::bump(conn, crate::generations::SITE)?;
        Ok(value)
    })
}
