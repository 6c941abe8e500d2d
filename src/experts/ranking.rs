//! The directory's ranking, kept for a short while: ranking every certified
//! expert adds up all their published courses (about 15 ms of database work
//! at 1,000 experts), while a page shows twenty. Steps that change who is
//! listed (certification, revocation, suspension) clear it at once in this
//! process; other instances, and changes of learners and ratings, catch up
//! within `TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use klearn_db::experts::Figures;

use crate::domain::expert::ExpertSort;

pub const TTL: Duration = Duration::from_secs(30);

/// At most this many (topic, sort) rankings are kept; topics come from the
/// query string, so the cache is emptied rather than allowed to grow.
const MAX_ENTRIES: usize = 256;

/// One ranking: the experts' ids in order, and every certified expert's figures.
#[derive(Debug, Default)]
pub struct Ranking {
    pub ids: Vec<i64>,
    pub figures: Vec<Figures>,
}

/// (topic, sort) → when it was worked out, and the ranking.
type Entries = HashMap<(String, &'static str), (Instant, Arc<Ranking>)>;

#[derive(Default)]
pub struct RankingCache {
    entries: Mutex<Entries>,
}

impl RankingCache {
    pub fn get(&self, topic: &str, sort: ExpertSort) -> Option<Arc<Ranking>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&(topic.to_string(), sort.as_str()))
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, ranking)| ranking.clone())
    }

    pub fn put(&self, topic: &str, sort: ExpertSort, ranking: Arc<Ranking>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert((topic.to_string(), sort.as_str()), (Instant::now(), ranking));
        }
    }

    /// Forgets every ranking: who is listed has changed.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_by_topic_and_sort_and_clears() {
        let cache = RankingCache::default();
        assert!(cache.get("", ExpertSort::Rating).is_none());
        cache.put(
            "",
            ExpertSort::Rating,
            Arc::new(Ranking {
                ids: vec![3, 1],
                figures: Vec::new(),
            }),
        );
        assert_eq!(cache.get("", ExpertSort::Rating).unwrap().ids, vec![3, 1]);
        assert!(cache.get("", ExpertSort::Learners).is_none());
        assert!(cache.get("rust", ExpertSort::Rating).is_none());
        cache.clear();
        assert!(cache.get("", ExpertSort::Rating).is_none());
        for n in 0..=MAX_ENTRIES {
            cache.put(&n.to_string(), ExpertSort::Rating, Arc::new(Ranking::default()));
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
