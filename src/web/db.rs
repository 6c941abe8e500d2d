//! Runs database work on the blocking thread pool, never on the async executor.

use klearn_db::{DbConnection, DbError, Pool};

use crate::web::error::AppError;

/// Checks out a connection and runs `f` with it on a blocking thread.
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    .map_err(AppError::from)
}
