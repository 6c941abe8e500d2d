//! Refund rules with no I/O: whether a learner may ask for an order's money
//! back (paid, within 14 days of payment, at most 30 % of each course's
//! lessons opened, no request waiting already), every reason why not, and
//! the expert's share of an item.

use chrono::{Duration, NaiveDateTime};
use klearn_db::types::{CourseId, OrderState};

/// How long after payment a learner may ask for a refund, in days; also
/// when the expert's earnings of a sale become available.
pub const REFUND_WINDOW_DAYS: i64 = 14;

/// The largest share of a course's lessons a learner may have opened and
/// still ask for a refund, in percent.
pub const MAX_OPENED_PERCENT: i64 = 30;

pub fn refund_window() -> Duration {
    Duration::days(REFUND_WINDOW_DAYS)
}

/// What the learner has seen of one course of the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseSeen {
    pub course: CourseId,
    pub title: String,
    pub opened: i64,
    pub total: i64,
}

/// Why an order does not qualify for a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEligible {
    /// Not paid, or refunded in whole already.
    NotPaid,
    /// Nothing was paid in money (a 100 % coupon): nothing to give back.
    NothingPaid,
    /// More than 14 days since payment.
    WindowClosed,
    /// More than 30 % of this course's lessons were opened.
    TooMuchOpened { title: String, opened: i64, total: i64 },
    /// A request waits for an admin already.
    RequestPending,
}

impl NotEligible {
    /// Its message's translation key.
    pub fn key(&self) -> &'static str {
        match self {
            NotEligible::NotPaid => "refunds.why.not_paid",
            NotEligible::NothingPaid => "refunds.why.nothing_paid",
            NotEligible::WindowClosed => "refunds.why.window_closed",
            NotEligible::TooMuchOpened { .. } => "refunds.why.too_much_opened",
            NotEligible::RequestPending => "refunds.why.request_pending",
        }
    }
}

/// What eligibility reads of an order.
#[derive(Debug, Clone)]
pub struct RefundCase<'a> {
    pub state: OrderState,
    pub paid_at: Option<NaiveDateTime>,
    /// What is left to give back, in fen.
    pub refundable_cents: i64,
    /// The courses of the items not refunded yet.
    pub courses: &'a [CourseSeen],
    pub request_pending: bool,
}

/// Every reason the order does not qualify at `now`; none: it does.
/// Exactly 14 × 24 hours after payment still qualifies, and so does exactly
/// 30 % opened (`opened × 100 ≤ total × 30`, in integers).
pub fn refund_eligibility(case: &RefundCase<'_>, now: NaiveDateTime) -> Vec<NotEligible> {
    let mut why = Vec::new();
    let refundable = matches!(case.state, OrderState::Paid | OrderState::PartiallyRefunded);
    match case.paid_at {
        Some(paid_at) if refundable => {
            if now - paid_at > refund_window() {
                why.push(NotEligible::WindowClosed);
            }
            if case.refundable_cents <= 0 {
                why.push(NotEligible::NothingPaid);
            }
        }
        _ => why.push(NotEligible::NotPaid),
    }
    for course in case.courses {
        if course.opened * 100 > course.total * MAX_OPENED_PERCENT {
            why.push(NotEligible::TooMuchOpened {
                title: course.title.clone(),
                opened: course.opened,
                total: course.total,
            });
        }
    }
    if case.request_pending {
        why.push(NotEligible::RequestPending);
    }
    why
}

/// The expert's share of an item paid `paid_cents`, rounded down to the fen.
pub fn expert_share(paid_cents: i64, share_percent: u8) -> i64 {
    paid_cents.max(0) * i64::from(share_percent.min(100)) / 100
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    fn seen(opened: i64, total: i64) -> CourseSeen {
        CourseSeen {
            course: CourseId(1),
            title: "Rust".into(),
            opened,
            total,
        }
    }

    fn case(courses: &[CourseSeen]) -> RefundCase<'_> {
        RefundCase {
            state: OrderState::Paid,
            paid_at: Some(at(1, 10, 0, 0)),
            refundable_cents: 9900,
            courses,
            request_pending: false,
        }
    }

    #[test]
    fn fourteen_days_exactly_qualify_and_a_second_later_not() {
        let courses = [seen(0, 10)];
        assert!(refund_eligibility(&case(&courses), at(15, 10, 0, 0)).is_empty());
        assert_eq!(
            refund_eligibility(&case(&courses), at(15, 10, 0, 1)),
            [NotEligible::WindowClosed]
        );
    }

    #[test]
    fn thirty_percent_exactly_qualifies_and_one_lesson_more_not() {
        let now = at(2, 10, 0, 0);
        assert!(refund_eligibility(&case(&[seen(3, 10)]), now).is_empty());
        assert!(refund_eligibility(&case(&[seen(6, 20)]), now).is_empty());
        let why = refund_eligibility(&case(&[seen(4, 10)]), now);
        assert_eq!(why.len(), 1);
        assert_eq!(why[0].key(), "refunds.why.too_much_opened");
        // 1 of 3 is 33 %: too much; 0 of 0 is nothing opened.
        assert_eq!(refund_eligibility(&case(&[seen(1, 3)]), now).len(), 1);
        assert!(refund_eligibility(&case(&[seen(0, 0)]), now).is_empty());
    }

    #[test]
    fn every_reason_is_given() {
        let courses = [seen(9, 10), seen(1, 1)];
        let mut c = case(&courses);
        c.request_pending = true;
        let why = refund_eligibility(&c, at(28, 0, 0, 0));
        let keys: Vec<&str> = why.iter().map(NotEligible::key).collect();
        assert_eq!(
            keys,
            [
                "refunds.why.window_closed",
                "refunds.why.too_much_opened",
                "refunds.why.too_much_opened",
                "refunds.why.request_pending"
            ]
        );
    }

    #[test]
    fn only_a_paid_order_with_money_left_qualifies() {
        let courses = [seen(0, 1)];
        let now = at(2, 0, 0, 0);
        for state in [
            OrderState::Pending,
            OrderState::Failed,
            OrderState::Refunded,
            OrderState::Expired,
        ] {
            let mut c = case(&courses);
            c.state = state;
            assert_eq!(refund_eligibility(&c, now), [NotEligible::NotPaid], "{state:?}");
        }
        let mut c = case(&courses);
        c.state = OrderState::PartiallyRefunded;
        assert!(refund_eligibility(&c, now).is_empty());
        c.refundable_cents = 0;
        assert_eq!(refund_eligibility(&c, now), [NotEligible::NothingPaid]);
    }

    #[test]
    fn the_share_is_rounded_down_to_the_fen() {
        assert_eq!(expert_share(9900, 70), 6930);
        assert_eq!(expert_share(999, 70), 699);
        assert_eq!(expert_share(1, 70), 0);
        assert_eq!(expert_share(0, 70), 0);
        assert_eq!(expert_share(12345, 100), 12345);
    }
}
