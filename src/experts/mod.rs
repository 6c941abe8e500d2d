//! Experts: applying for certification and following experts
//! (`applying`), the steps of an application's review (`steps`, one use
//! case for moderators and applicants), public profiles, the directory and
//! its ranking (`ranking`, the area's own cache).

pub mod applying;
pub mod forms;
pub mod ranking;
pub mod routes;
pub mod steps;
pub mod views;

use std::collections::HashMap;
use std::sync::Arc;

use klearn_db::experts::{self as db, Application, CertifiedExpert, Figures};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, UserId};

use crate::domain::account::Role;
use crate::domain::expert::{rank, ExpertSort, Standing};
use crate::experts::ranking::{Ranking, RankingCache};
use crate::uploads::UploadError;

crate::area_error! {
    /// Why an experts use case refused.
    ExpertError {
        /// 422: a file of the form was refused.
        Upload { field: &'static str, problem: UploadError } => AppError::BadRequest,
    }
}

impl Standing for Figures {
    fn user_id(&self) -> UserId {
        self.user_id
    }

    fn learners(&self) -> i64 {
        self.learners
    }

    fn ratings(&self) -> (i64, i64) {
        (self.rating_sum, self.rating_count)
    }
}

/// An expert as a directory card shows them.
#[derive(Debug, Clone)]
pub struct ExpertCard {
    pub expert: CertifiedExpert,
    pub topics: Vec<String>,
    pub figures: Figures,
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

/// Accepted answers of these experts (kept on each member by the forum).
pub fn accepted_answers(conn: &mut DbConnection, ids: &[UserId]) -> Result<HashMap<UserId, i64>, DbError> {
    Ok(klearn_db::forum::Counters::accepted_of(conn, ids)?
        .into_iter()
        .collect())
}

/// How many topic links the directory offers.
const DIRECTORY_TOPICS: i64 = 30;

/// The certified experts (in `topic`, if given) in ranking order, with the
/// figures of every certified expert: from the cache while the directory's
/// generation has not moved, or worked out and kept.
pub fn ranked(
    conn: &mut DbConnection,
    cache: &RankingCache,
    topic: &str,
    sort: ExpertSort,
) -> Result<Arc<Ranking>, DbError> {
    let generation = klearn_db::generations::current(conn, klearn_db::generations::EXPERTS)?;
    if let Some(ranking) = cache.get(topic, sort, generation) {
        return Ok(ranking);
    }
    let ids = db::certified_ids(conn, (!topic.is_empty()).then_some(topic))?;
    let figures = db::figures(conn, None)?;
    let ranking = Arc::new(Ranking {
        ids: rank(&ids, &figures, &accepted_answers(conn, &ids)?, sort),
        figures,
        topics: db::certified_topics(conn, DIRECTORY_TOPICS)?,
    });
    cache.put(topic, sort, generation, ranking.clone());
    Ok(ranking)
}

/// The member behind `/experts/{username}`: a certified expert, or a member
/// with the expert role (studio access without certification: no badge).
pub fn find_expert(conn: &mut DbConnection, username: &str) -> Result<(User, Option<Application>), DbError> {
    let member = User::find_by_username(conn, username)?;
    let certification = Application::certified_for(conn, member.id)?;
    if certification.is_none()
        && !User::roles(conn, member.id)?
            .iter()
            .any(|r| r == Role::Expert.as_str())
    {
        return Err(DbError::NotFound);
    }
    Ok((member, certification))
}

/// For an erased account: open applications are withdrawn and the personal
/// fields blanked; the timeline stays for the record.
pub fn erase_for_user(conn: &mut DbConnection, user_id: UserId) -> Result<(), DbError> {
    Application::erase_for_user(conn, user_id)
}

/// The cards of these experts, in this order, from a fixed number of queries.
pub fn cards(
    conn: &mut DbConnection,
    ids: &[UserId],
    figures: &[Figures],
) -> Result<Vec<ExpertCard>, DbError> {
    let experts = db::certified_in_order(conn, ids)?;
    let application_ids: Vec<klearn_db::ApplicationId> = experts.iter().map(|e| e.certification.id).collect();
    let mut topics = Application::topics_of(conn, &application_ids)?;
    let figures: HashMap<UserId, &Figures> = figures.iter().map(|f| (f.user_id, f)).collect();
    let avatar_ids: Vec<klearn_db::UploadId> =
        experts.iter().filter_map(|e| e.user.avatar_upload_id).collect();
    let avatars = Upload::find_many(conn, &avatar_ids)?;
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
                answers: expert.user.accepted_answers,
                avatar_url,
                expert,
            }
        })
        .collect())
}

/// The best-rated experts, for the home page.
pub fn top(conn: &mut DbConnection, cache: &RankingCache, limit: usize) -> Result<Vec<ExpertCard>, DbError> {
    let ranking = ranked(conn, cache, "", ExpertSort::Rating)?;
    let ids: Vec<UserId> = ranking.ids.iter().take(limit).copied().collect();
    cards(conn, &ids, &ranking.figures)
}
