//! Background jobs. A job kind is a type with a name and a `run` that gets a
//! `JobContext`; use cases enqueue it in their transaction (`enqueue`), and
//! the worker in every `serve` process claims due jobs with a lease, finds
//! their kind in the `Registry` and runs them, retrying failures with
//! backoff. Jobs run at least once, so every kind is harmless when repeated.

pub mod daily;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use klearn_db::jobs::{Job, NewJob};
use klearn_db::{DbConnection, DbError, Pool};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

use crate::mail::Mailer;
use crate::services::Services;

/// What a job may use: the pool, the services use cases get (the payment
/// provider among them), the mailer, an HTTP client (webhooks).
#[derive(Clone)]
pub struct JobContext {
    pub pool: Pool,
    pub services: Services,
    pub mailer: Arc<Mailer>,
    pub http: reqwest::Client,
}

impl JobContext {
    /// Runs database work on the blocking pool, with a connection.
    pub async fn db<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> anyhow::Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}

/// A kind of job: its payload is the value itself, stored as JSON.
pub trait JobKind: Serialize + DeserializeOwned + Send + 'static {
    /// The name stored in the jobs table; never change it once jobs exist.
    const NAME: &'static str;

    fn run(self, ctx: JobContext) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Puts a job in the table, inside the caller's transaction.
pub fn enqueue<K: JobKind>(conn: &mut DbConnection, job: &K) -> Result<i64, DbError> {
    Job::enqueue(conn, &NewJob::new(K::NAME, job)?)
}

/// The row of a job, for options (`dedupe_key`, `run_at`) before `Job::enqueue`.
pub fn new_job<K: JobKind>(job: &K) -> Result<NewJob, DbError> {
    NewJob::new(K::NAME, job)
}

type Runner = fn(String, JobContext) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

fn runner<K: JobKind>(
    payload: String,
    ctx: JobContext,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>> {
    Box::pin(async move {
        let job: K = serde_json::from_str(&payload)?;
        job.run(ctx).await
    })
}

/// The kinds a worker knows, by name.
#[derive(Default, Clone)]
pub struct Registry {
    kinds: HashMap<&'static str, Runner>,
}

impl Registry {
    pub fn with<K: JobKind>(mut self) -> Self {
        self.kinds.insert(K::NAME, runner::<K>);
        self
    }

    /// Every kind of the site.
    pub fn site() -> Self {
        Registry::default()
            .with::<crate::mail::SendMail>()
            .with::<crate::uploads::DeleteFiles>()
            .with::<daily::DailyCleanup>()
            .with::<crate::catalog::RefreshRatings>()
            .with::<crate::checkout::orders::ExpireOrder>()
            .with::<crate::checkout::sandbox::DeliverEvent>()
            .with::<crate::checkout::receipt::SendReceipt>()
            .with::<crate::learn::completion::IssueCertificate>()
            .with::<crate::notifications::email::SendNotificationEmail>()
            .with::<crate::notifications::email::SendDigests>()
            .with::<crate::notifications::courses::TellFollowers>()
    }

    pub fn knows(&self, name: &str) -> bool {
        self.kinds.contains_key(name)
    }

    async fn run(&self, job: &Job, ctx: JobContext) -> anyhow::Result<()> {
        match self.kinds.get(job.kind.as_str()) {
            Some(run) => run(job.payload.clone(), ctx).await,
            None => anyhow::bail!("unknown job kind {:?}", job.kind),
        }
    }
}

/// How long a claimed job is ours; a worker that dies mid-job loses it after this.
pub const LEASE: Duration = Duration::from_secs(300);

/// Delay before retry number `attempt` (1-based): 30 s, 1 min, 2 min, … capped at 6 h.
pub fn retry_delay(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) as u32 - 1;
    let secs = 30u64.saturating_mul(1u64 << exp.min(16));
    Duration::from_secs(secs.min(6 * 3600))
}

pub struct Worker {
    ctx: JobContext,
    registry: Registry,
    id: String,
    poll: Duration,
}

impl Worker {
    pub fn new(ctx: JobContext, registry: Registry) -> Self {
        let id = format!(
            "{}-{}-{:08x}",
            hostname(),
            std::process::id(),
            rand::rng().random::<u32>()
        );
        let poll = ctx.services.settings.job_poll_interval;
        Self {
            ctx,
            registry,
            id,
            poll,
        }
    }

    /// Runs until `stop` turns true; the job in hand is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, "job worker started");
        let mut last_schedule: Option<chrono::NaiveDate> = None;
        let mut last_hour: Option<(chrono::NaiveDate, u32)> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let today = klearn_db::now().date();
            if last_schedule != Some(today) && self.schedule_daily(today).await {
                last_schedule = Some(today);
            }
            let now = klearn_db::now();
            let hour = (now.date(), chrono::Timelike::hour(&now));
            if last_hour != Some(hour) && self.schedule_hourly(now).await {
                last_hour = Some(hour);
            }
            match self.claim().await {
                Ok(Some(job)) => self.execute(job).await,
                Ok(None) => {
                    tokio::select! {
                        _ = tokio::time::sleep(self.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "job claim failed");
                    tokio::select! {
                        _ = tokio::time::sleep(self.poll * 5) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    async fn claim(&self) -> anyhow::Result<Option<Job>> {
        let id = self.id.clone();
        let lease = chrono::Duration::from_std(LEASE)?;
        self.ctx
            .db(move |conn| Ok(Job::claim_next(conn, &id, lease)?))
            .await
    }

    /// The daily jobs; the dedupe key makes every process's enqueue of the
    /// same day one job.
    async fn schedule_daily(&self, day: chrono::NaiveDate) -> bool {
        let result = self
            .ctx
            .db(move |conn| {
                daily::schedule(conn, day)?;
                Ok(())
            })
            .await;
        result.is_ok()
    }

    /// The hourly jobs (the look for due digests), one per hour across processes.
    async fn schedule_hourly(&self, now: chrono::NaiveDateTime) -> bool {
        let result = self
            .ctx
            .db(move |conn| {
                crate::notifications::email::schedule_hourly(conn, now)?;
                Ok(())
            })
            .await;
        result.is_ok()
    }

    async fn execute(&self, job: Job) {
        let started = std::time::Instant::now();
        let outcome = self.registry.run(&job, self.ctx.clone()).await;
        let worker = self.id.clone();
        let (id, kind, attempts) = (job.id, job.kind.clone(), job.attempts);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let recorded = self
            .ctx
            .db(move |conn| {
                Ok(match &outcome {
                    Ok(()) => Job::complete(conn, job.id, &worker)?,
                    Err(e) => {
                        let delay = chrono::Duration::from_std(retry_delay(job.attempts))?;
                        Job::fail(conn, &job, &worker, &format!("{e:#}"), klearn_db::now() + delay)?
                    }
                })
            })
            .await;
        match recorded {
            Ok(true) => tracing::info!(job = id, %kind, attempts, elapsed_ms, "job finished"),
            Ok(false) => tracing::warn!(job = id, %kind, "job lease was lost before it finished"),
            Err(e) => tracing::error!(job = id, %kind, error = %e, "could not record job outcome"),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "klearn".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped() {
        assert_eq!(retry_delay(1), Duration::from_secs(30));
        assert_eq!(retry_delay(2), Duration::from_secs(60));
        assert_eq!(retry_delay(5), Duration::from_secs(480));
        assert_eq!(retry_delay(50), Duration::from_secs(6 * 3600));
        assert_eq!(retry_delay(0), Duration::from_secs(30));
    }

    #[test]
    fn the_site_registry_knows_every_kind() {
        let registry = Registry::site();
        for name in [
            crate::mail::SendMail::NAME,
            crate::uploads::DeleteFiles::NAME,
            daily::DailyCleanup::NAME,
            crate::catalog::RefreshRatings::NAME,
            crate::learn::completion::IssueCertificate::NAME,
        ] {
            assert!(registry.knows(name), "{name}");
        }
        assert!(!registry.knows("no_such_job"));
    }
}
