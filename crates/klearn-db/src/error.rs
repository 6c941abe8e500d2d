//! The one error type of the data layer.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DbError {
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not connect to the database: {0}")]
    Connect(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Config(String),
}

impl DbError {
    /// Maps diesel's NotFound to our own, so callers can match one variant.
    pub fn from_query(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => DbError::NotFound,
            other => DbError::Query(other),
        }
    }
}
