//! The daily maintenance: what has expired goes (finished jobs older than a
//! week, ended sessions, old rate-limit events, uploads nothing holds), and
//! the query planner's statistics are refreshed. Scheduled once a day with
//! the other daily kinds.

use chrono::{Duration, NaiveDate};
use klearn_db::jobs::Job;
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError};
use serde::{Deserialize, Serialize};

use super::{new_job, JobContext, JobKind};

/// Uploads nothing has held for this long are deleted (a refused form's
/// kept evidence waits a day for its second send).
pub const UNUSED_UPLOAD_GRACE_HOURS: i64 = 24;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DailyCleanup;

impl JobKind for DailyCleanup {
    const NAME: &'static str = "daily_cleanup";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let storage = ctx.services.storage.clone();
        let (jobs, sessions, rate_events, files) = ctx
            .db(move |conn| {
                let now = klearn_db::now();
                let jobs = Job::purge_finished(conn, now - Duration::days(7))?;
                let sessions = klearn_db::sessions::SessionRow::purge_expired(conn)?;
                let rate_events = klearn_db::rate::purge_before(conn, now - Duration::days(1))?;
                let unused =
                    Upload::unused_before(conn, now - Duration::hours(UNUSED_UPLOAD_GRACE_HOURS), 1000)?;
                let files = storage.release(conn, &unused)?;
                klearn_db::backend::analyze(conn, false)?;
                Ok((jobs, sessions, rate_events, files))
            })
            .await?;
        tracing::info!(jobs, sessions, rate_events, files, "daily cleanup");
        Ok(())
    }
}

/// Enqueues the day's jobs; every process does, the dedupe key keeps one.
pub fn schedule(conn: &mut DbConnection, day: NaiveDate) -> Result<(), DbError> {
    let daily = [new_job(&DailyCleanup)?, new_job(&crate::catalog::RefreshRatings)?];
    for job in daily {
        let key = format!("{}:{day}", job.kind);
        Job::enqueue(conn, &job.dedupe_key(key))?;
    }
    Ok(())
}
