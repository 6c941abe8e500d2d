//! Order rules: the one place that says which moves an order may make, the
//! human-readable number, and how long an unpaid order waits.

use chrono::{Duration, NaiveDate};
use klearn_db::types::OrderId;

pub use klearn_db::types::OrderState;

/// How long an order waits for its payment before it expires.
pub const PAY_WITHIN_MINUTES: i64 = 30;

pub fn pay_within() -> Duration {
    Duration::minutes(PAY_WITHIN_MINUTES)
}

/// Which moves are legal: a pending order is paid, or fails, is cancelled or
/// expires; one that failed, was cancelled or expired is still paid when a
/// verified success arrives late (the learner paid); a paid order is
/// refunded in part or whole, a partly refunded one in whole. Nothing else.
pub fn may_move(from: OrderState, to: OrderState) -> bool {
    use OrderState::*;
    matches!(
        (from, to),
        (Pending, Paid | Failed | Cancelled | Expired)
            | (Failed | Cancelled | Expired, Paid)
            | (Paid, Refunded | PartiallyRefunded)
            | (PartiallyRefunded, Refunded)
    )
}

/// The states an order may be paid from.
pub fn payable_from() -> Vec<OrderState> {
    OrderState::ALL
        .iter()
        .copied()
        .filter(|s| may_move(*s, OrderState::Paid))
        .collect()
}

/// Whether the order still waits for its payment (its page refreshes).
pub fn is_open(state: OrderState) -> bool {
    state == OrderState::Pending
}

/// `K20261130-000123`: the day it was placed (in the site's time zone) and its id.
pub fn order_number(day: NaiveDate, id: OrderId) -> String {
    format!("K{}-{:06}", day.format("%Y%m%d"), id.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderState::*;

    #[test]
    fn every_pair_of_states() {
        let legal = [
            (Pending, Paid),
            (Pending, Failed),
            (Pending, Cancelled),
            (Pending, Expired),
            (Failed, Paid),
            (Cancelled, Paid),
            (Expired, Paid),
            (Paid, Refunded),
            (Paid, PartiallyRefunded),
            (PartiallyRefunded, Refunded),
        ];
        for &from in OrderState::ALL {
            for &to in OrderState::ALL {
                assert_eq!(
                    may_move(from, to),
                    legal.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert_eq!(payable_from(), vec![Pending, Failed, Cancelled, Expired]);
    }

    #[test]
    fn numbers_read_as_the_day_and_the_id() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(order_number(day, OrderId(123)), "K20261121-000123");
        assert_eq!(order_number(day, OrderId(1_234_567)), "K20261121-1234567");
    }
}
