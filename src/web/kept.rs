//! What the process keeps between requests, exact by a generation
//! (`klearn_db::generations`): `Generation` knows one generation now without
//! a query per request, and `Kept` is a bounded map of values built at one
//! generation, emptied when it moves. By the site's generation, the guest
//! page cache keeps rendered pages in one and areas keep what their pages
//! read in others, for members and guests alike (the catalogue's pages of
//! cards, the home page, course landing pages, the forum's lists and
//! threads, the expert directory and profiles: whatever is the same for
//! every viewer, never a viewer's own); by the accounts' generation, the
//! session store keeps sessions.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use klearn_db::{generations, DbConnection, DbError, Pool};

use crate::web::{AppError, AppState};

/// How long a generation read is trusted for changes made by other instances.
const RECHECK: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Seen {
    value: i64,
    read_at: Option<Instant>,
    /// `generations::committed_bumps()` just before the read.
    bumps: u64,
}

/// One generation as this process knows it: read again when this process
/// committed a bump since the last read (so its own changes show at once) or
/// when the last read is a second old (so another instance's changes show
/// within a second).
pub struct Generation {
    name: &'static str,
    seen: Mutex<Seen>,
    /// One read at a time; the others wait for its answer.
    reading: tokio::sync::Mutex<()>,
}

impl Generation {
    /// The generation called `name` (`generations::SITE`, `ACCOUNTS`).
    pub fn new(name: &'static str) -> Self {
        Generation {
            name,
            seen: Mutex::default(),
            reading: tokio::sync::Mutex::default(),
        }
    }

    /// The generation as last read, while that read can be trusted.
    pub fn fresh(&self) -> Option<i64> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let recent = seen.read_at.is_some_and(|at| at.elapsed() < RECHECK);
        (recent && seen.bumps == generations::committed_bumps()).then_some(seen.value)
    }

    /// The generation now; `None` when the database cannot say (the caller
    /// then keeps nothing and reads everything).
    pub async fn now(&self, pool: &Pool) -> Option<i64> {
        if let Some(g) = self.fresh() {
            return Some(g);
        }
        let _reading = self.reading.lock().await;
        if let Some(g) = self.fresh() {
            return Some(g);
        }
        // Noted before the read, so a bump committed during it is read next time.
        let bumps = generations::committed_bumps();
        let name = self.name;
        let value = crate::web::db(pool, move |conn| generations::current(conn, name))
            .await
            .ok()?;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        *seen = Seen {
            value,
            read_at: Some(Instant::now()),
            bumps,
        };
        Some(value)
    }
}

/// Values that know their size in bytes.
pub trait Weigh {
    fn weight(&self) -> usize;
}

struct Entries<V> {
    /// The generation the values were built at.
    generation: i64,
    map: HashMap<String, Arc<V>>,
    /// Keys in the order they were stored: the oldest go first.
    order: VecDeque<String>,
    bytes: usize,
}

/// A bounded map of values built at one site generation.
pub struct Kept<V> {
    limit: usize,
    entries: Mutex<Entries<V>>,
}

impl<V: Weigh> Kept<V> {
    /// At most `limit` bytes; 0 keeps nothing.
    pub fn new(limit: usize) -> Self {
        Kept {
            limit,
            entries: Mutex::new(Entries {
                generation: 0,
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    fn entries(&self) -> MutexGuard<'_, Entries<V>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn cost(key: &str, value: &V) -> usize {
        key.len() + value.weight() + 128
    }

    /// The value kept for `key` if it was built at `generation`, which is
    /// the map's generation now (a newer generation empties the map).
    pub fn get(&self, key: &str, generation: i64) -> Option<Arc<V>> {
        let mut entries = self.entries();
        if entries.generation != generation {
            if generation > entries.generation {
                entries.map.clear();
                entries.order.clear();
                entries.bytes = 0;
                entries.generation = generation;
            }
            return None;
        }
        entries.map.get(key).cloned()
    }

    /// Keeps a value built at `generation`, unless the generation moved on
    /// since; a value kept for `key` before is replaced.
    pub fn put(&self, key: String, generation: i64, value: Arc<V>) {
        let size = Self::cost(&key, &value);
        if size > self.limit {
            return;
        }
        let mut entries = self.entries();
        if entries.generation != generation {
            return;
        }
        if let Some(old) = entries.map.insert(key.clone(), value) {
            entries.bytes -= Self::cost(&key, &old);
        } else {
            entries.order.push_back(key);
        }
        entries.bytes += size;
        while entries.bytes > self.limit {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(gone) = entries.map.remove(&oldest) {
                entries.bytes -= Self::cost(&oldest, &gone);
            }
        }
    }

    /// Drops the value kept for `key`, if any.
    pub fn forget(&self, key: &str) {
        let mut entries = self.entries();
        if let Some(gone) = entries.map.remove(key) {
            entries.bytes -= Self::cost(key, &gone);
            entries.order.retain(|k| k != key);
        }
    }

    /// The value for `key` as of the site's generation now: the kept one,
    /// or `load` read on the blocking pool (and kept). With the map off, or
    /// the generation unknown, it is simply read.
    pub async fn read<F>(&self, state: &AppState, key: String, load: F) -> Result<V, AppError>
    where
        V: Clone + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<V, DbError> + Send + 'static,
    {
        let generation = match self.enabled() {
            true => state.generation.now(&state.pool).await,
            false => None,
        };
        if let Some(kept) = generation.and_then(|g| self.get(&key, g)) {
            return Ok(V::clone(&kept));
        }
        let value = crate::web::db(&state.pool, load).await?;
        if let Some(g) = generation {
            self.put(key, g, Arc::new(value.clone()));
        }
        Ok(value)
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.entries().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Blob(usize);

    impl Weigh for Blob {
        fn weight(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn keeps_within_its_size_and_drops_the_oldest_first() {
        let kept = Kept::new(3000);
        kept.put("a".into(), 0, Arc::new(Blob(800)));
        kept.put("b".into(), 0, Arc::new(Blob(800)));
        assert!(kept.get("a", 0).is_some());
        kept.put("c".into(), 0, Arc::new(Blob(800)));
        kept.put("d".into(), 0, Arc::new(Blob(800)));
        assert!(kept.get("a", 0).is_none(), "the oldest made room");
        assert!(kept.get("b", 0).is_some() && kept.get("d", 0).is_some());
        assert!(kept.bytes() <= 3000);
        kept.put("huge".into(), 0, Arc::new(Blob(4000)));
        assert!(
            kept.get("huge", 0).is_none(),
            "a value larger than the whole is not kept"
        );
    }

    #[test]
    fn a_value_of_another_generation_is_neither_kept_nor_served() {
        let kept = Kept::new(1 << 20);
        kept.put("a".into(), 7, Arc::new(Blob(10)));
        assert!(
            kept.get("a", 0).is_none(),
            "built at a generation the map is not at"
        );
        kept.put("a".into(), 0, Arc::new(Blob(10)));
        assert!(kept.get("a", 0).is_some());
        assert!(kept.get("a", 1).is_none(), "the site moved on");
        assert!(kept.get("a", 0).is_none(), "and the old values went");
        kept.put("a".into(), 0, Arc::new(Blob(10)));
        assert!(
            kept.get("a", 1).is_none(),
            "a late value of the old generation is refused"
        );
    }
}
