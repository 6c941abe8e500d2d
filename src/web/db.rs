//! Runs database work on the blocking thread pool, never on the async
//! executor: a query (`run`), or a use case with its own error (`call`).

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

/// Runs a use case on a blocking thread with a connection. The outer error
/// is the plumbing's (no connection, a panic); the inner one is the use
/// case's own, for the handler to answer.
pub async fn call<T, E, F>(pool: &Pool, f: F) -> Result<Result<T, E>, AppError>
where
    T: Send + 'static,
    E: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || -> Result<Result<T, E>, DbError> {
        let mut conn = pool.get()?;
        Ok(f(&mut conn))
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    .map_err(AppError::from)
}

/// A refused form: the use case's refusal (none when the form did not
/// parse: its problems are already on the page) and what the page needs to
/// show the form again.
pub struct Refused<E, P> {
    pub problem: Option<E>,
    pub page: P,
}

/// Runs a form's use case when the form parsed; when it did not, or the use
/// case refused, loads what the page needs to show the form again, in the
/// same call.
pub fn attempt<I, T, E, P>(
    conn: &mut DbConnection,
    input: Option<I>,
    run: impl FnOnce(&mut DbConnection, I) -> Result<T, E>,
    page: impl FnOnce(&mut DbConnection) -> Result<P, DbError>,
) -> Result<Result<T, Refused<E, P>>, E>
where
    E: From<DbError>,
{
    let problem = match input.map(|input| run(conn, input)) {
        Some(Ok(done)) => return Ok(Ok(done)),
        Some(Err(e)) => Some(e),
        None => None,
    };
    Ok(Err(Refused {
        problem,
        page: page(conn)?,
    }))
}
