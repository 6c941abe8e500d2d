//! The directory's ranking, kept and refreshed away from requests: ranking
//! every certified expert reads one row per expert (the figures that the
//! course, enrollment and rating use cases keep on each member), while a
//! page shows twenty. A ranking is kept with the directory's generation it
//! was built at, and so are the directory's topic links; the use cases that
//! change who is listed (certification, revocation, suspension, erasure)
//! move the generation in their transaction, so every instance rebuilds at
//! its next request. Changes of learners and ratings move no generation:
//! once a ranking is older than `TTL`, the request that finds it is served
//! it and starts one rebuild on a thread of its own, so no request waits for
//! a ranking that is merely old. The cache is the experts area's own value,
//! registered beside the application state.

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

/// What the cache holds for a (topic, sort) at the generation asked for.
#[derive(Debug)]
pub enum Found {
    /// Younger than `TTL`.
    Fresh(Arc<Ranking>),
    /// Older; `refresh` is true for the one caller that should rebuild it
    /// (no rebuild of it has started within `TTL`).
    Old { ranking: Arc<Ranking>, refresh: bool },
}

struct Entry {
    built: Instant,
    generation: i64,
    ranking: Arc<Ranking>,
    refresh_started: Option<Instant>,
}

type Key = (String, &'static str);

#[derive(Default)]
pub struct RankingCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl RankingCache {
    /// The ranking kept for (topic, sort) if it was built at `generation`.
    pub fn get(&self, topic: &str, sort: ExpertSort, generation: i64) -> Option<Found> {
        let mut entries = self.entries.lock().ok()?;
        let entry = entries
            .get_mut(&(topic.to_string(), sort.as_str()))
            .filter(|e| e.generation == generation)?;
        if entry.built.elapsed() < TTL {
            return Some(Found::Fresh(entry.ranking.clone()));
        }
        let refresh = entry.refresh_started.is_none_or(|at| at.elapsed() >= TTL);
        if refresh {
            entry.refresh_started = Some(Instant::now());
        }
        Some(Found::Old {
            ranking: entry.ranking.clone(),
            refresh,
        })
    }

    pub fn put(&self, topic: &str, sort: ExpertSort, generation: i64, ranking: Arc<Ranking>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                (topic.to_string(), sort.as_str()),
                Entry {
                    built: Instant::now(),
                    generation,
                    ranking,
                    refresh_started: None,
                },
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
        let ids = |kept: Option<Found>| match kept {
            Some(Found::Fresh(ranking)) => ranking.ids.clone(),
            other => panic!("not kept fresh: {other:?}"),
        };
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
            ids(cache.get("", ExpertSort::Rating, 4)),
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

    #[test]
    fn an_old_ranking_is_served_and_one_caller_rebuilds_it() {
        let cache = RankingCache::default();
        cache.put("", ExpertSort::Rating, 1, Arc::new(Ranking::default()));
        let old = Instant::now() - TTL - Duration::from_secs(1);
        cache
            .entries
            .lock()
            .unwrap()
            .values_mut()
            .for_each(|e| e.built = old);
        let refresh = |kept: Option<Found>| match kept {
            Some(Found::Old { refresh, .. }) => refresh,
            other => panic!("not kept old: {other:?}"),
        };
        assert!(refresh(cache.get("", ExpertSort::Rating, 1)));
        assert!(!refresh(cache.get("", ExpertSort::Rating, 1)));
        // A rebuild that never came back is started again after `TTL`.
        cache
            .entries
            .lock()
            .unwrap()
            .values_mut()
            .for_each(|e| e.refresh_started = Some(old));
        assert!(refresh(cache.get("", ExpertSort::Rating, 1)));
        assert!(cache.get("", ExpertSort::Rating, 2).is_none());
        cache.put("", ExpertSort::Rating, 1, Arc::new(Ranking::default()));
        assert!(matches!(
            cache.get("", ExpertSort::Rating, 1),
            Some(Found::Fresh(_))
        ));
    }
}
