//! The r2d2 pool: picks the backend from the URL scheme and reports a wrong or
//! unreachable URL at once with its real cause.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::prelude::*;

use crate::connection::{Backend, DbConnection};
use crate::error::DbError;

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `sqlite://PATH`: a file, created on first use.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to libpq as it is.
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, DbError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DbError::Config(
                    "DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://data/klearn.sqlite3".into(),
                ));
            }
            Ok(DbUrl::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbUrl::Postgres(url.to_string()))
        } else {
            Err(DbError::Config(format!(
                "DATABASE_URL must start with sqlite:// or postgres://, got {:?}",
                url.split("://").next().unwrap_or(url)
            )))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Opens connections for the pool, with SQLite's pragmas set on every one.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DbUrl,
}

impl ConnectionManager {
    pub fn new(url: DbUrl) -> Self {
        Self { url }
    }

    fn open(&self) -> Result<DbConnection, DbError> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                create_parent_dir(path)?;
                let path = path
                    .to_str()
                    .ok_or_else(|| DbError::Config("the SQLite path is not valid UTF-8".into()))?;
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(|e| DbError::Connect(format!("SQLite file {path}: {e}")))?;
                diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    "PRAGMA journal_mode = WAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 5000;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA cache_size = -1024;",
                )
                .map_err(|e| DbError::Connect(format!("SQLite pragmas: {e}")))?;
                Ok(DbConnection::Sqlite(conn))
            }
            DbUrl::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url)
                    .map_err(|e| DbError::Connect(format!("PostgreSQL: {}", e.to_string().trim())))?;
                // Timestamps are written in UTC from Rust; keep the session in UTC too.
                diesel::connection::SimpleConnection::batch_execute(&mut conn, "SET TIME ZONE 'UTC'")
                    .map_err(|e| DbError::Connect(format!("PostgreSQL: {e}")))?;
                Ok(DbConnection::Pg(conn))
            }
        }
    }
}

fn create_parent_dir(path: &Path) -> Result<(), DbError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => std::fs::create_dir_all(dir)
            .map_err(|e| DbError::Connect(format!("cannot create {}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

#[derive(Debug)]
pub struct ManagerError(String);

impl std::fmt::Display for ManagerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ManagerError {}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ManagerError;

    fn connect(&self) -> Result<DbConnection, ManagerError> {
        self.open().map_err(|e| ManagerError(e.to_string()))
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ManagerError> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(|e| ManagerError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// Builds the pool. One connection is opened first, outside r2d2, so that a
/// wrong URL fails now with its real cause instead of after r2d2's retries.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let url = DbUrl::parse(url)?;
    let manager = ConnectionManager::new(url);
    let first = manager.open()?;
    drop(first);
    r2d2::Pool::builder()
        .max_size(max_size)
        // No idle minimum: r2d2 would open replacement connections on its own
        // threads, and a libpq connect still running there when a command
        // exits crashed the process at exit (seen: `klearn migrate` on
        // PostgreSQL segfaulted in 1 run of 10). Connections open on demand
        // and stay pooled until idle for ten minutes.
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build(manager)
        .map_err(DbError::Pool)
}
