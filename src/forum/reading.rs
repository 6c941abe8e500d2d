//! Reading tracked from thread page views without a write per view: each
//! signed-in member's view is noted in memory (`Reading::note`), and a flush
//! writes what gathered in one transaction per batch of members: how far
//! each thread was read (`thread_reads`: a new row is a thread entered, the
//! rise of `last_read_number` the posts read), the reading time and the
//! day's visit (`member_activity`), then each member's level again.
//!
//! Reading time is estimated on the server from the gaps between one
//! member's thread page views: a view credits the time since their previous
//! view, capped at `GAP_CAP_SECONDS` (a longer gap means they left, and the
//! cap is what they plausibly read); a view with no previous one within the
//! cap credits `SECONDS_PER_POST` for each post it shows that they had not
//! seen, within the same cap. So reading an hour takes an hour of page
//! views, and a bot that fetches pages in a burst earns seconds.
//!
//! The server flushes on an interval (`KLEARN_READING_FLUSH_SECONDS`), when
//! the buffer holds `FLUSH_AT_MEMBERS` members, and at shutdown. A process
//! that dies loses at most one interval of reading, which only delays a
//! promotion.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveDateTime};
use klearn_db::trust::{ActivityDelta, MemberActivity, ThreadRead};
use klearn_db::{write_tx, DbConnection, DbError, Pool, ThreadId, UserId};

/// The most a single view's gap counts for.
pub const GAP_CAP_SECONDS: i64 = 120;
/// Seconds credited for each newly shown post when the gap is unknown.
pub const SECONDS_PER_POST: i64 = 5;
/// The buffer is flushed early when it holds this many members.
pub const FLUSH_AT_MEMBERS: usize = 500;
/// Members written per transaction.
const BATCH: usize = 100;

/// One member's reading since the last flush.
#[derive(Debug, Clone, Default)]
struct Pending {
    /// Per thread, the highest post number shown.
    threads: HashMap<ThreadId, i64>,
    seconds: i64,
    /// The days (UTC) they viewed a thread on.
    days: Vec<NaiveDate>,
}

#[derive(Default)]
struct Buffer {
    pending: HashMap<UserId, Pending>,
    /// Each member's last thread view, kept across flushes for the gaps.
    last_view: HashMap<UserId, NaiveDateTime>,
}

/// The in-memory buffer of reading, shared by every HTTP worker.
#[derive(Default)]
pub struct Reading {
    buffer: Mutex<Buffer>,
}

impl Reading {
    pub fn new() -> Self {
        Reading::default()
    }

    /// Notes that `member` was shown `thread` up to post `last_shown`, of
    /// which `new_posts` they had not been shown before in this buffer's
    /// life (an estimate for the time credit only). Returns true when the
    /// buffer is large enough to flush now.
    pub fn note(
        &self,
        member: UserId,
        thread: ThreadId,
        last_shown: i64,
        shown: i64,
        at: NaiveDateTime,
    ) -> bool {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let previous = buffer.last_view.insert(member, at);
        let pending = buffer.pending.entry(member).or_default();
        let seen_before = pending.threads.get(&thread).copied().unwrap_or(0);
        let gap = previous
            .map(|p| (at - p).num_seconds())
            .filter(|g| (0..=GAP_CAP_SECONDS).contains(g));
        pending.seconds += match gap {
            Some(gap) => gap,
            None => {
                let fresh = (last_shown - seen_before).clamp(0, shown.max(0));
                (fresh * SECONDS_PER_POST).min(GAP_CAP_SECONDS)
            }
        };
        let slot = pending.threads.entry(thread).or_insert(0);
        *slot = (*slot).max(last_shown);
        let day = at.date();
        if !pending.days.contains(&day) {
            pending.days.push(day);
        }
        buffer.pending.len() >= FLUSH_AT_MEMBERS
    }

    /// Members waiting to be written.
    pub fn waiting(&self) -> usize {
        self.buffer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .len()
    }

    /// Takes what gathered; forgets gaps older than the cap.
    fn take(&self, now: NaiveDateTime) -> Vec<(UserId, Pending)> {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        buffer
            .last_view
            .retain(|_, at| (now - *at).num_seconds() <= GAP_CAP_SECONDS);
        buffer.pending.drain().collect()
    }

    /// Puts back what a failed flush could not write.
    fn put_back(&self, members: Vec<(UserId, Pending)>) {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        for (member, pending) in members {
            let slot = buffer.pending.entry(member).or_default();
            slot.seconds += pending.seconds;
            for (thread, n) in pending.threads {
                let t = slot.threads.entry(thread).or_insert(0);
                *t = (*t).max(n);
            }
            for day in pending.days {
                if !slot.days.contains(&day) {
                    slot.days.push(day);
                }
            }
        }
    }

    /// Writes what gathered, a transaction per batch of members; returns
    /// how many members were written. What a failed batch held goes back
    /// into the buffer for the next flush.
    pub fn flush(&self, conn: &mut DbConnection) -> Result<usize, DbError> {
        let all = self.take(klearn_db::now());
        let mut written = 0;
        let mut batches = all
            .chunks(BATCH)
            .map(<[_]>::to_vec)
            .collect::<Vec<_>>()
            .into_iter();
        while let Some(batch) = batches.next() {
            if let Err(e) = write_tx(conn, |conn| write_batch(conn, &batch)) {
                self.put_back(batch);
                for rest in batches {
                    self.put_back(rest);
                }
                return Err(e);
            }
            written += batch.len();
        }
        Ok(written)
    }
}

/// Flushes on a blocking thread with a connection from the pool; a failure
/// is logged (what it held stays in the buffer for the next flush).
pub async fn flush_now(reading: Arc<Reading>, pool: Pool) {
    let outcome = actix_web::web::block(move || -> Result<usize, DbError> {
        let mut conn = pool.get()?;
        reading.flush(&mut conn)
    })
    .await;
    match outcome {
        Ok(Ok(0)) => {}
        Ok(Ok(members)) => tracing::debug!(members, "reading flushed"),
        Ok(Err(e)) => tracing::warn!(error = %e, "reading flush failed; kept for the next one"),
        Err(e) => tracing::warn!(error = %e, "reading flush task failed"),
    }
}

/// Flushes every `every` until `stop` says so, then once more.
pub async fn flush_on_interval(
    reading: Arc<Reading>,
    pool: Pool,
    every: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => flush_now(reading.clone(), pool.clone()).await,
            _ = stop.changed() => break,
        }
    }
    flush_now(reading, pool).await;
}

/// One batch of members' reading, inside the caller's transaction.
fn write_batch(conn: &mut DbConnection, batch: &[(UserId, Pending)]) -> Result<(), DbError> {
    for (member, pending) in batch {
        let mut delta = ActivityDelta {
            reading_seconds: pending.seconds,
            ..ActivityDelta::default()
        };
        for (thread, number) in &pending.threads {
            let (entered, read) = ThreadRead::advance(conn, *member, *thread, *number)?;
            delta.threads_entered += i64::from(entered);
            delta.posts_read += read;
        }
        MemberActivity::add(conn, *member, &delta)?;
        for day in &pending.days {
            MemberActivity::visited_on(conn, *member, *day)?;
        }
        crate::forum::trust::reevaluate(conn, *member)?;
    }
    Ok(())
}
