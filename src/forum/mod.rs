//! The forum: threads in forum categories and on each published course's
//! board. Use cases: starting a thread and replying (`posting`, with who may
//! post where), editing and deleting posts (`editing`), likes and accepted
//! answers (`reactions`), pinning, locking and moving threads
//! (`moderation`), trust levels' limits and grants (`trust`), reading
//! tracked from page views (`reading`), flags and the moderation queue's
//! decisions (`reports`). What the pages read is in `pages`, their views in
//! `views`, the handlers in `routes/`.

pub mod editing;
pub mod moderation;
pub mod pages;
pub mod posting;
pub mod reactions;
pub mod reading;
pub mod reports;
pub mod routes;
pub mod trust;
pub mod views;

pub use editing::{delete_post, edit_post};
pub use moderation::{moderate, ThreadAction};
pub use posting::{reply, start_thread, ThreadInput};
pub use reactions::{toggle_accept, toggle_like};

crate::area_error! {
    /// Why a forum use case refused.
    ForumError {
        /// A trust level's limit: 429 for the rate limits, 422 for the content.
        Refused { refusal: crate::domain::trust::Refusal } => if refusal.is_rate_limit() {
            crate::web::AppError::TooManyRequests { retry_after_secs: retry_after(refusal) }
        } else {
            crate::web::AppError::BadRequest
        },
        /// 403: a moderator silenced the member in the forum until then.
        Silenced { until: chrono::NaiveDateTime } => crate::web::AppError::ForbiddenBecause("forum.error.silenced"),
    }
}

/// How long a refused poster waits before trying again.
pub fn retry_after(refusal: crate::domain::trust::Refusal) -> u64 {
    use crate::domain::trust::Refusal;
    match refusal {
        Refusal::TooSoon { wait_seconds } => wait_seconds.max(1) as u64,
        _ => 3600,
    }
}

/// A refusal of the trust levels in words, for the form it sends back.
pub fn refusal_message(tr: &crate::i18n::Tr, refusal: crate::domain::trust::Refusal) -> String {
    use crate::domain::trust::Refusal;
    match refusal {
        Refusal::ThreadsToday { max } => tr.t1("forum.limit.threads_today", "n", max),
        Refusal::RepliesToday { max } => tr.t1("forum.limit.replies_today", "n", max),
        Refusal::TooSoon { wait_seconds } => tr.t1("forum.limit.too_soon", "n", wait_seconds),
        Refusal::TooManyLinks { max } => tr.t1("forum.limit.links", "n", max),
        Refusal::TooManyMentions { max } => tr.t1("forum.limit.mentions", "n", max),
    }
}
