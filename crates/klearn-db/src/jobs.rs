//! Background jobs: rows written by requests, drained by the worker in every `serve` process.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::jobs;

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Identifiable)]
#[diesel(table_name = jobs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = jobs)]
struct NewJobRow<'a> {
    kind: &'a str,
    payload: &'a str,
    dedupe_key: Option<&'a str>,
    status: &'a str,
    max_attempts: i32,
    run_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// A job to enqueue: its kind names the handler, its payload is JSON.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: String,
    /// When set, a second job with the same key is not added: enqueueing twice is harmless.
    pub dedupe_key: Option<String>,
    pub run_at: NaiveDateTime,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn new<P: Serialize>(kind: &str, payload: &P) -> Result<Self, DbError> {
        let payload =
            serde_json::to_string(payload).map_err(|e| DbError::Config(format!("job payload: {e}")))?;
        Ok(Self {
            kind: kind.to_string(),
            payload,
            dedupe_key: None,
            run_at: crate::now(),
            max_attempts: 8,
        })
    }

    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn run_at(mut self, at: NaiveDateTime) -> Self {
        self.run_at = at;
        self
    }

    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

pub const PENDING: &str = "pending";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

impl Job {
    /// Adds a job; with a dedupe key already present, returns the existing job's id.
    pub fn enqueue(conn: &mut DbConnection, job: &NewJob) -> Result<i64, DbError> {
        write_tx(conn, |conn| {
            if let Some(key) = &job.dedupe_key {
                let existing = jobs::table
                    .filter(jobs::dedupe_key.eq(key))
                    .select(jobs::id)
                    .first::<i64>(conn)
                    .optional()?;
                if let Some(id) = existing {
                    return Ok(id);
                }
            }
            let id = diesel::insert_into(jobs::table)
                .values(NewJobRow {
                    kind: &job.kind,
                    payload: &job.payload,
                    dedupe_key: job.dedupe_key.as_deref(),
                    status: PENDING,
                    max_attempts: job.max_attempts,
                    run_at: job.run_at,
                    created_at: crate::now(),
                })
                .returning(jobs::id)
                .get_result(conn)?;
            Ok(id)
        })
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> Result<Job, DbError> {
        jobs::table
            .find(id)
            .select(Job::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// Claims the next due job; see `backend::claim_next_job`.
    pub fn claim_next(
        conn: &mut DbConnection,
        worker: &str,
        lease: Duration,
    ) -> Result<Option<Job>, DbError> {
        let now = crate::now();
        crate::backend::claim_next_job(conn, worker, now, now + lease)
    }

    /// Marks a claimed job done. Only the worker holding the lease may; returns
    /// false when the lease was lost (another worker took the job over).
    pub fn complete(conn: &mut DbConnection, id: i64, worker: &str) -> Result<bool, DbError> {
        let n = diesel::update(
            jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::locked_by.eq(worker))
                .filter(jobs::status.eq(RUNNING)),
        )
        .set((
            jobs::status.eq(DONE),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::finished_at.eq(Some(crate::now())),
            jobs::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Records a failed attempt: retried at `retry_at`, or failed for good when
    /// its attempts are used up.
    pub fn fail(
        conn: &mut DbConnection,
        job: &Job,
        worker: &str,
        error: &str,
        retry_at: NaiveDateTime,
    ) -> Result<bool, DbError> {
        let final_failure = job.attempts >= job.max_attempts;
        let error: String = error.chars().take(2000).collect();
        let target = jobs::table
            .filter(jobs::id.eq(job.id))
            .filter(jobs::locked_by.eq(worker))
            .filter(jobs::status.eq(RUNNING));
        let n = if final_failure {
            diesel::update(target)
                .set((
                    jobs::status.eq(FAILED),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::finished_at.eq(Some(crate::now())),
                    jobs::last_error.eq(Some(error)),
                ))
                .execute(conn)?
        } else {
            diesel::update(target)
                .set((
                    jobs::status.eq(PENDING),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::run_at.eq(retry_at),
                    jobs::last_error.eq(Some(error)),
                ))
                .execute(conn)?
        };
        Ok(n == 1)
    }

    /// Jobs by status, newest first: for the admin page and the tests.
    pub fn list_by_status(conn: &mut DbConnection, status: &str, limit: i64) -> Result<Vec<Job>, DbError> {
        Ok(jobs::table
            .filter(jobs::status.eq(status))
            .order(jobs::id.desc())
            .limit(limit)
            .select(Job::as_select())
            .load(conn)?)
    }

    /// How many jobs are in each state, for the admin dashboard.
    pub fn count_by_status(conn: &mut DbConnection, status: &str) -> Result<i64, DbError> {
        Ok(jobs::table
            .filter(jobs::status.eq(status))
            .count()
            .get_result(conn)?)
    }

    /// Removes finished jobs older than `before`, so the table does not grow forever.
    pub fn purge_finished(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, DbError> {
        Ok(diesel::delete(
            jobs::table
                .filter(jobs::status.eq(DONE))
                .filter(jobs::finished_at.lt(before)),
        )
        .execute(conn)?)
    }
}
