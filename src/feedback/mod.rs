//! Feedback to the platform: anyone files a problem or a suggestion about a
//! page (`filing`: members under their account, guests with an address and
//! a limit per client address); moderators triage it into planned, done or
//! declined with a public note, and the author is mailed each time
//! (`triage`, the mail in `mail`). The pages are in `routes`, their views in
//! `views`.

pub mod filing;
pub mod mail;
pub mod routes;
pub mod triage;
pub mod views;

pub use filing::{file_feedback, FeedbackInput, Filer};
pub use triage::{triage, Triaged};

crate::area_error! {
    /// Why a feedback use case refused.
    FeedbackError {
        /// 429: filed too often from here; may file again after this many seconds.
        TooMany { retry_after_secs: u64 } => AppError::TooManyRequests { retry_after_secs },
    }
}
