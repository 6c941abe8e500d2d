//! Embedded migrations, one history per backend, applied under an advisory lock on PostgreSQL.

use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::connection::DbConnection;
use crate::error::DbError;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// An arbitrary constant that names Klearn's migration lock among advisory locks.
const MIGRATION_LOCK_KEY: i64 = 0x6b6c_6561_726e_0001;

/// Applies pending migrations; returns the names of those applied.
///
/// On PostgreSQL a session-level advisory lock makes concurrent starts of
/// several instances safe: the second waits, then finds nothing to do.
/// On SQLite the migration's own write lock serializes them.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map_err(|e| DbError::Migration(e.to_string()))?,
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.into_iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| DbError::Migration(e.to_string()));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(c)?;
            return result;
        }
    };
    Ok(applied.into_iter().map(|m| m.to_string()).collect())
}
