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

use actix_web::web;
use klearn_db::experts::{self as db, Application, CertifiedExpert, Figures};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::Pool;
use klearn_db::{DbConnection, DbError, UserId};

use crate::domain::account::Role;
use crate::domain::expert::{rank, ExpertSort, Standing};
use crate::experts::ranking::{Found, Ranking, RankingCache};
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

/// How many topic links the directory offers.
const DIRECTORY_TOPICS: i64 = 30;

/// The certified experts (in `topic`, if given) in ranking order, with the
/// figures of every certified expert: from the cache while the directory's
/// generation has not moved. A ranking older than `ranking::TTL` is still
/// served, and rebuilt on a thread of its own with a connection of `pool`.
pub fn ranked(
    conn: &mut DbConnection,
    cache: &web::Data<RankingCache>,
    pool: &Pool,
    topic: &str,
    sort: ExpertSort,
) -> Result<Arc<Ranking>, DbError> {
    let generation = klearn_db::generations::current(conn, klearn_db::generations::EXPERTS)?;
    match cache.get(topic, sort, generation) {
        Some(Found::Fresh(ranking)) => return Ok(ranking),
        Some(Found::Old { ranking, refresh }) => {
            if refresh {
                let (cache, pool, topic) = (cache.clone(), pool.clone(), topic.to_string());
                std::thread::spawn(move || {
                    let built = pool
                        .get()
                        .map_err(|e| DbError::Config(e.to_string()))
                        .and_then(|mut conn| build_ranking(&mut conn, &topic, sort));
                    match built {
                        Ok(ranking) => cache.put(&topic, sort, generation, Arc::new(ranking)),
                        Err(e) => tracing::warn!(error = %e, "the directory's ranking was not rebuilt"),
                    }
                });
            }
            return Ok(ranking);
        }
        None => {}
    }
    let ranking = Arc::new(build_ranking(conn, topic, sort)?);
    cache.put(topic, sort, generation, ranking.clone());
    Ok(ranking)
}

/// Ranks the certified experts (in `topic`, if given) from the figures
/// kept on each member: one row per expert, no course is added up.
fn build_ranking(conn: &mut DbConnection, topic: &str, sort: ExpertSort) -> Result<Ranking, DbError> {
    let listed = db::certified_ids(conn, (!topic.is_empty()).then_some(topic))?;
    let ids: Vec<UserId> = listed.iter().map(|(id, _)| *id).collect();
    let answers: HashMap<UserId, i64> = listed.into_iter().collect();
    let figures = db::figures(conn, None)?;
    Ok(Ranking {
        ids: rank(&ids, &figures, &answers, sort),
        figures,
        topics: db::certified_topics(conn, DIRECTORY_TOPICS)?,
    })
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
pub fn top(
    conn: &mut DbConnection,
    cache: &web::Data<RankingCache>,
    pool: &Pool,
    limit: usize,
) -> Result<Vec<ExpertCard>, DbError> {
    let ranking = ranked(conn, cache, pool, "", ExpertSort::Rating)?;
    let ids: Vec<UserId> = ranking.ids.iter().take(limit).copied().collect();
    cards(conn, &ids, &ranking.figures)
}
