//! Experts: applying for certification, the steps of its review (one service
//! for moderators and applicants), public profiles, the directory and its
//! ranking, follows.

pub mod forms;
pub mod ranking;
pub mod routes;
pub mod steps;
pub mod views;

use std::collections::HashMap;
use std::sync::Arc;

use klearn_db::experts::{self as db, Application, CertifiedExpert, Figures};
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError};

use crate::app::AppState;
use crate::domain::expert::{rank, ExpertSort};
use crate::experts::ranking::Ranking;
use crate::web::AppError;

/// An expert as a directory card shows them.
#[derive(Debug, Clone)]
pub struct ExpertCard {
    pub expert: CertifiedExpert,
    pub topics: Vec<String>,
    pub figures: Figures,
    /// Accepted answers: counted once the forum exists; none before.
    pub answers: i64,
    pub avatar_url: Option<String>,
}

impl ExpertCard {
    pub fn username(&self) -> &str {
        &self.expert.user.username
    }

    pub fn name(&self) -> &str {
        self.expert.user.shown_name()
    }

    pub fn headline(&self) -> &str {
        &self.expert.certification.headline
    }
}

/// Accepted answers per expert. The forum issue brings accepted answers;
/// until then every expert has none, and this says so in one place.
pub fn accepted_answers(_ids: &[i64]) -> HashMap<i64, i64> {
    HashMap::new()
}

/// The certified experts (in `topic`, if given) in ranking order, with the
/// figures of every certified expert: from the cache, or worked out and kept.
pub async fn ranked(state: &AppState, topic: &str, sort: ExpertSort) -> Result<Arc<Ranking>, AppError> {
    if let Some(ranking) = state.rankings.get(topic, sort) {
        return Ok(ranking);
    }
    let filter = topic.to_string();
    let ranking = crate::web::db(&state.pool, move |conn| {
        let ids = db::certified_ids(conn, (!filter.is_empty()).then_some(filter.as_str()))?;
        let figures = db::figures(conn, None)?;
        Ok(Ranking {
            ids: rank(&ids, &figures, &accepted_answers(&ids), sort),
            figures,
        })
    })
    .await?;
    let ranking = Arc::new(ranking);
    state.rankings.put(topic, sort, ranking.clone());
    Ok(ranking)
}

/// The cards of these experts, in this order, from a fixed number of queries.
pub fn cards(conn: &mut DbConnection, ids: &[i64], figures: &[Figures]) -> Result<Vec<ExpertCard>, DbError> {
    let experts = db::certified_in_order(conn, ids)?;
    let application_ids: Vec<i64> = experts.iter().map(|e| e.certification.id).collect();
    let mut topics = Application::topics_of(conn, &application_ids)?;
    let figures: HashMap<i64, &Figures> = figures.iter().map(|f| (f.user_id, f)).collect();
    let avatar_ids: Vec<i64> = experts.iter().filter_map(|e| e.user.avatar_upload_id).collect();
    let avatars = Upload::find_many(conn, &avatar_ids)?;
    let answers = accepted_answers(ids);
    Ok(experts
        .into_iter()
        .map(|expert| {
            let avatar_url = expert
                .user
                .avatar_upload_id
                .and_then(|id| avatars.iter().find(|u| u.id == id))
                .map(crate::uploads::media_url);
            ExpertCard {
                topics: topics.remove(&expert.certification.id).unwrap_or_default(),
                figures: figures
                    .get(&expert.user.id)
                    .map(|f| (*f).clone())
                    .unwrap_or(Figures {
                        user_id: expert.user.id,
                        ..Figures::default()
                    }),
                answers: answers.get(&expert.user.id).copied().unwrap_or(0),
                avatar_url,
                expert,
            }
        })
        .collect())
}

/// The best-rated experts, for the home page.
pub async fn top(state: &AppState, limit: usize) -> Result<Vec<ExpertCard>, AppError> {
    let ranking = ranked(state, "", ExpertSort::Rating).await?;
    crate::web::db(&state.pool, move |conn| {
        let ids: Vec<i64> = ranking.ids.iter().take(limit).copied().collect();
        cards(conn, &ids, &ranking.figures)
    })
    .await
}
