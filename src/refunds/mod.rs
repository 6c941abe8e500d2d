//! Refunds: a learner asks for an order's money back (`asking`: the
//! eligibility rule and the request), an admin declines the request or
//! refunds the order in whole or per item (`giving`: the provider's refund
//! call), and the provider's confirmation completes it (`giving::complete`:
//! access, earnings and points reversed, the order's state, the learner's
//! mail). The pages are in `routes`.

pub mod asking;
pub mod giving;
pub mod routes;

pub use asking::{decline, eligibility, request_refund, Eligibility};
pub use giving::{complete, refund, RefundOrder, Refunding};

use crate::domain::refund::NotEligible;

crate::area_error! {
    /// Why a refund use case refused.
    RefundError {
        /// No payment provider is configured: money cannot go back.
        Unavailable {} => AppError::ConflictBecause("checkout.unavailable"),
        /// The order does not qualify for a request; every reason.
        NotEligible { why: Vec<NotEligible> } => AppError::ConflictBecause("refunds.not_eligible"),
    }
}
