//! The job worker that runs in every `serve` process: claims due jobs with a
//! lease, runs them, retries failures with backoff. Jobs run at least once, so
//! every handler is written to be harmless when repeated.

use std::sync::Arc;
use std::time::Duration;

use klearn_db::jobs::{Job, NewJob};
use klearn_db::Pool;
use rand::Rng;
use tokio::sync::watch;

use crate::config::Settings;
use crate::mail::{Mailer, OutgoingMail};

/// Sends one mail; payload: `OutgoingMail`.
pub const SEND_MAIL: &str = "send_mail";
/// Removes what has expired: finished jobs older than a week, ended
/// sessions, old rate-limit events. Enqueued once a day.
pub const DAILY_CLEANUP: &str = "daily_cleanup";
/// Recomputes every course's Bayesian rating score (its mean C moves with
/// every review). Enqueued once a day, and by the events that change ratings.
pub const REFRESH_RATINGS: &str = "refresh_ratings";

/// How long a claimed job is ours; a worker that dies mid-job loses it after this.
pub const LEASE: Duration = Duration::from_secs(300);

/// Delay before retry number `attempt` (1-based): 30 s, 1 min, 2 min, … capped at 6 h.
pub fn retry_delay(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) as u32 - 1;
    let secs = 30u64.saturating_mul(1u64 << exp.min(16));
    Duration::from_secs(secs.min(6 * 3600))
}

pub struct Worker {
    pool: Pool,
    mailer: Arc<Mailer>,
    id: String,
    poll: Duration,
}

impl Worker {
    pub fn new(pool: Pool, mailer: Arc<Mailer>, settings: Arc<Settings>) -> Self {
        let id = format!(
            "{}-{}-{:08x}",
            hostname(),
            std::process::id(),
            rand::rng().random::<u32>()
        );
        Self {
            pool,
            mailer,
            id,
            poll: settings.job_poll_interval,
        }
    }

    /// Runs until `stop` turns true; the job in hand is finished first.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, "job worker started");
        let mut last_schedule: Option<chrono::NaiveDate> = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let today = klearn_db::now().date();
            if last_schedule != Some(today) && self.schedule_daily(today).await {
                last_schedule = Some(today);
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
        let pool = self.pool.clone();
        let id = self.id.clone();
        let lease = chrono::Duration::from_std(LEASE)?;
        let job = tokio::task::spawn_blocking(move || -> anyhow::Result<Option<Job>> {
            let mut conn = pool.get()?;
            Ok(Job::claim_next(&mut conn, &id, lease)?)
        })
        .await??;
        Ok(job)
    }

    /// The daily maintenance jobs; the dedupe key makes every process's
    /// enqueue of the same day one job.
    async fn schedule_daily(&self, day: chrono::NaiveDate) -> bool {
        let pool = self.pool.clone();
        let result = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            for kind in [DAILY_CLEANUP, REFRESH_RATINGS] {
                let job = NewJob::new(kind, &())?.dedupe_key(format!("{kind}:{day}"));
                Job::enqueue(&mut conn, &job)?;
            }
            Ok(())
        })
        .await;
        matches!(result, Ok(Ok(())))
    }

    async fn execute(&self, job: Job) {
        let started = std::time::Instant::now();
        let outcome = self.dispatch(&job).await;
        let pool = self.pool.clone();
        let worker = self.id.clone();
        let (id, kind, attempts) = (job.id, job.kind.clone(), job.attempts);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let recorded = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let mut conn = pool.get()?;
            Ok(match &outcome {
                Ok(()) => Job::complete(&mut conn, job.id, &worker)?,
                Err(e) => {
                    let delay = chrono::Duration::from_std(retry_delay(job.attempts))?;
                    Job::fail(
                        &mut conn,
                        &job,
                        &worker,
                        &format!("{e:#}"),
                        klearn_db::now() + delay,
                    )?
                }
            })
        })
        .await;
        match recorded {
            Ok(Ok(true)) => tracing::info!(job = id, %kind, attempts, elapsed_ms, "job finished"),
            Ok(Ok(false)) => tracing::warn!(job = id, %kind, "job lease was lost before it finished"),
            Ok(Err(e)) => tracing::error!(job = id, %kind, error = %e, "could not record job outcome"),
            Err(e) => tracing::error!(job = id, %kind, error = %e, "job bookkeeping panicked"),
        }
    }

    async fn dispatch(&self, job: &Job) -> anyhow::Result<()> {
        match job.kind.as_str() {
            SEND_MAIL => {
                let mail: OutgoingMail = serde_json::from_str(&job.payload)?;
                self.mailer.send(&mail).await
            }
            DAILY_CLEANUP => {
                let pool = self.pool.clone();
                let (jobs, sessions, rate_events) =
                    tokio::task::spawn_blocking(move || -> anyhow::Result<(usize, usize, usize)> {
                        let mut conn = pool.get()?;
                        let now = klearn_db::now();
                        let removed = (
                            Job::purge_finished(&mut conn, now - chrono::Duration::days(7))?,
                            klearn_db::sessions::SessionRow::purge_expired(&mut conn)?,
                            klearn_db::rate::purge_before(&mut conn, now - chrono::Duration::days(1))?,
                        );
                        klearn_db::backend::analyze(&mut conn, false)?;
                        Ok(removed)
                    })
                    .await??;
                tracing::info!(jobs, sessions, rate_events, "daily cleanup");
                Ok(())
            }
            REFRESH_RATINGS => {
                let pool = self.pool.clone();
                let mean = tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
                    let mut conn = pool.get()?;
                    Ok(klearn_db::courses::Course::refresh_rating_scores(&mut conn)?)
                })
                .await??;
                tracing::info!(mean, "refreshed rating scores");
                Ok(())
            }
            other => anyhow::bail!("unknown job kind {other:?}"),
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
}
