//! The directory's ranking, kept for a short while: ranking every certified
//! expert adds up all their published courses (about 15 ms of database work
//! at 1,000 experts), while a page shows twenty. A ranking is kept with the
//! directory's generation it was built at, and so are the directory's topic
//! links, which count every certification; the use cases that change who is
//! listed (certification, revocation, suspension, erasure) move the
//! generation in their transaction, so every instance sees the change at
//! once. Changes of learners and ratings catch up within `TTL`. The cache is
//! the experts area's own value, registered beside the application state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use klearn_db::experts::Figures;
use klearn_db::UserId;

use crate::domain::expert::ExpertSort;

pub const TTL: Duration = Duration::from_secs(30);

/// At most this many (topic, sort) rankings are kept; topics come from the
/// query string, so the cache is emptied rather than allowed to grow.
const MAX_ENTRIES: usize = 256;

/// One ranking: the experts' ids in order, every certified expert's
/// figures, and the directory's topic links (the topics most experts hold,
/// with how many hold each), which count every certification.
#[derive(Debug, Default)]
pub struct Ranking {
    pub ids: Vec<UserId>,
    pub figures: Vec<Figures>,
    pub topics: Vec<(String, i64)>,
}

/// (topic, sort) → when it was worked out, at which generation, and the ranking.
type Entries = HashMap<(String, &'static str), (Instant, i64, Arc<Ranking>)>;

#[derive(Default)]
pub struct RankingCache {
    entries: Mutex<Entries>,
}

impl RankingCache {
    /// The ranking kept for (topic, sort) if it is younger than `TTL` and
    /// was built at `generation`.
    pub fn get(&self, topic: &str, sort: ExpertSort, generation: i64) -> Option<Arc<Ranking>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&(topic.to_string(), sort.as_str()))
            .filter(|(at, built_at, _)| at.elapsed() < TTL && *built_at == generation)
            .map(|(_, _, ranking)| ranking.clone())
    }

    pub fn put(&self, topic: &str, sort: ExpertSort, generation: i64, ranking: Arc<Ranking>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                (topic.to_string(), sort.as_str()),
                (Instant::now(), generation, ranking),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_by_topic_and_sort_until_the_generation_moves() {
        let cache = RankingCache::default();
        assert!(cache.get("", ExpertSort::Rating, 0).is_none());
        cache.put(
            "",
            ExpertSort::Rating,
            4,
            Arc::new(Ranking {
                ids: vec![UserId(3), UserId(1)],
                ..Ranking::default()
            }),
        );
        assert_eq!(
            cache.get("", ExpertSort::Rating, 4).unwrap().ids,
            vec![UserId(3), UserId(1)]
        );
        assert!(cache.get("", ExpertSort::Learners, 4).is_none());
        assert!(cache.get("rust", ExpertSort::Rating, 4).is_none());
        assert!(cache.get("", ExpertSort::Rating, 5).is_none());
        for n in 0..=MAX_ENTRIES {
            cache.put(
                &n.to_string(),
                ExpertSort::Rating,
                0,
                Arc::new(Ranking::default()),
            );
        }
        assert!(cache.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
