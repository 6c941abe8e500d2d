//! Coupon rules with no I/O: what a code may look like, whether a coupon
//! may be used now by this member on these items (each refusal its own
//! message), how much it takes off, and how an order's coupon discount and
//! points fall on its items.

use chrono::NaiveDateTime;

use super::money::{points_cap, split, split_within};

/// A translation key saying what is wrong.
pub type Problem = &'static str;

/// A code as typed: 3–32 letters, digits, `-` or `_` (case is kept for
/// showing; codes are found whatever the case).
pub fn parse_code(input: &str) -> Result<String, Problem> {
    let code = input.trim();
    if code.is_empty() {
        return Err("coupons.error.code_required");
    }
    if !(3..=32).contains(&code.chars().count()) {
        return Err("coupons.error.code_length");
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("coupons.error.code_chars");
    }
    Ok(code.to_string())
}

/// What a coupon takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Off {
    /// 1–100 percent of the qualifying items.
    Percent(i64),
    /// An amount in fen, at most the qualifying items' total.
    Amount(i64),
}

impl Off {
    /// The discount on qualifying items totalling `qualifying_cents`: a
    /// percent rounded down to the fen, or the amount up to that total.
    pub fn discount(self, qualifying_cents: i64) -> i64 {
        match self {
            Off::Percent(p) => {
                (i128::from(qualifying_cents.max(0)) * i128::from(p.clamp(0, 100)) / 100) as i64
            }
            Off::Amount(cents) => cents.max(0).min(qualifying_cents.max(0)),
        }
    }
}

/// What decides whether a coupon may be used now.
#[derive(Debug, Clone)]
pub struct Standing {
    pub now: NaiveDateTime,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub uses_count: i64,
    pub max_uses_per_user: Option<i64>,
    /// Uses this member holds already (reserved or used).
    pub held_by_member: i64,
    pub min_spend_cents: i64,
    /// The list prices of the order's items the coupon applies to.
    pub qualifying_cents: Vec<i64>,
}

/// Whether the coupon may be used; the first refusal, as its message key.
pub fn check(s: &Standing) -> Result<(), Problem> {
    if s.starts_at.is_some_and(|at| s.now < at) {
        return Err("coupons.refused.not_yet");
    }
    if s.ends_at.is_some_and(|at| s.now >= at) {
        return Err("coupons.refused.expired");
    }
    if s.max_uses.is_some_and(|max| s.uses_count >= max) {
        return Err("coupons.refused.exhausted");
    }
    if s.max_uses_per_user.is_some_and(|max| s.held_by_member >= max) {
        return Err("coupons.refused.used_up_by_you");
    }
    if s.qualifying_cents.is_empty() {
        return Err("coupons.refused.inapplicable");
    }
    if s.qualifying_cents.iter().sum::<i64>() < s.min_spend_cents {
        return Err("coupons.refused.below_minimum");
    }
    Ok(())
}

/// One item's part of an order's price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub list_cents: i64,
    pub discount_cents: i64,
    pub points: i64,
    pub paid_cents: i64,
}

/// How the coupon's discount falls on the items it applies to (in
/// proportion to their list prices), and what is due after it.
pub fn discounts(list: &[i64], qualifies: &[bool], discount: i64) -> Vec<i64> {
    let weights: Vec<i64> = list
        .iter()
        .zip(qualifies)
        .map(|(p, q)| if *q { *p } else { 0 })
        .collect();
    split(&weights, discount)
}

/// The most points an order may use: half of what is due after the coupon.
pub fn points_allowed(list: &[i64], discounts: &[i64]) -> i64 {
    points_cap(list.iter().sum::<i64>() - discounts.iter().sum::<i64>())
}

/// Every item's share: the coupon's discount on its qualifying items, then
/// the points across all items in proportion to their list prices (never
/// more than is left of an item), and what each item costs in money.
pub fn shares(list: &[i64], discounts: &[i64], points: i64) -> Vec<Share> {
    let room: Vec<i64> = list.iter().zip(discounts).map(|(p, d)| p - d).collect();
    let points = split_within(list, &room, points);
    list.iter()
        .zip(discounts)
        .zip(points)
        .map(|((l, d), pts)| Share {
            list_cents: *l,
            discount_cents: *d,
            points: pts,
            paid_cents: l - d - pts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    fn standing() -> Standing {
        Standing {
            now: at(10),
            starts_at: Some(at(1)),
            ends_at: Some(at(20)),
            max_uses: Some(5),
            uses_count: 4,
            max_uses_per_user: Some(1),
            held_by_member: 0,
            min_spend_cents: 10_000,
            qualifying_cents: vec![6_000, 4_000],
        }
    }

    #[test]
    fn codes_are_short_plain_words() {
        assert_eq!(parse_code("  Spring-2026_a "), Ok("Spring-2026_a".into()));
        assert_eq!(parse_code(""), Err("coupons.error.code_required"));
        assert_eq!(parse_code("ab"), Err("coupons.error.code_length"));
        assert_eq!(parse_code(&"a".repeat(33)), Err("coupons.error.code_length"));
        assert_eq!(parse_code("优惠券码"), Err("coupons.error.code_chars"));
        assert_eq!(parse_code("two words"), Err("coupons.error.code_chars"));
    }

    #[test]
    fn each_rule_refuses_with_its_own_message() {
        assert_eq!(check(&standing()), Ok(()));
        let refused = |change: fn(&mut Standing)| {
            let mut s = standing();
            change(&mut s);
            check(&s).unwrap_err()
        };
        assert_eq!(
            refused(|s| s.now = at(1) - chrono::Duration::seconds(1)),
            "coupons.refused.not_yet"
        );
        assert_eq!(refused(|s| s.now = at(20)), "coupons.refused.expired");
        assert_eq!(refused(|s| s.uses_count = 5), "coupons.refused.exhausted");
        assert_eq!(
            refused(|s| s.held_by_member = 1),
            "coupons.refused.used_up_by_you"
        );
        assert_eq!(
            refused(|s| s.qualifying_cents.clear()),
            "coupons.refused.inapplicable"
        );
        assert_eq!(
            refused(|s| s.qualifying_cents = vec![9_999]),
            "coupons.refused.below_minimum"
        );
        let mut open = standing();
        (
            open.starts_at,
            open.ends_at,
            open.max_uses,
            open.max_uses_per_user,
        ) = (None, None, None, None);
        open.uses_count = 1_000;
        assert_eq!(check(&open), Ok(()));
    }

    #[test]
    fn percent_rounds_down_and_an_amount_stops_at_the_total() {
        assert_eq!(Off::Percent(15).discount(9_999), 1_499);
        assert_eq!(Off::Percent(100).discount(9_999), 9_999);
        assert_eq!(Off::Amount(5_000).discount(3_000), 3_000);
        assert_eq!(Off::Amount(5_000).discount(9_000), 5_000);
    }

    #[test]
    fn the_discount_falls_on_qualifying_items_and_points_on_all() {
        let list = [3_333, 3_333, 3_334];
        let d = discounts(&list, &[true, true, false], Off::Percent(10).discount(6_666));
        assert_eq!(d, [333, 333, 0]);
        let cap = points_allowed(&list, &d);
        assert_eq!(cap, (10_000 - 666) / 2);
        let s = shares(&list, &d, 1_001);
        assert_eq!(s.iter().map(|s| s.points).collect::<Vec<_>>(), [334, 333, 334]);
        assert_eq!(s.iter().map(|s| s.paid_cents).sum::<i64>(), 10_000 - 666 - 1_001);
        // A free item after a 100 % coupon takes no points.
        let d = discounts(&[1_000, 1_000], &[true, false], 1_000);
        let s = shares(&[1_000, 1_000], &d, points_allowed(&[1_000, 1_000], &d));
        assert_eq!((s[0].points, s[0].paid_cents), (0, 0));
        assert_eq!((s[1].points, s[1].paid_cents), (500, 500));
    }
}
