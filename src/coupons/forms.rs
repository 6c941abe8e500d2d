//! The coupon form: the text an admin types, read into a coupon's terms
//! (every problem next to its field), and a coupon written back into it for
//! the edit page.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use klearn_db::coupons::{Coupon, CouponTerms};
use serde::Deserialize;

use super::CouponInput;
use crate::domain::coupon::parse_code;
use crate::domain::course::{parse_price, price_input};
use crate::i18n::Tr;
use crate::web::FieldErrors;

/// The most uses a limit may name.
const MAX_USES: i64 = 1_000_000_000;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CouponForm {
    #[serde(default)]
    pub code: String,
    /// `percent` or `amount`.
    #[serde(default)]
    pub kind: String,
    /// The percent (1–100), or the amount in yuan.
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub min_spend: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub max_uses: String,
    #[serde(default)]
    pub max_uses_per_user: String,
    /// Course ids or slugs, one a line.
    #[serde(default)]
    pub courses: String,
    /// An expert's username.
    #[serde(default)]
    pub expert: String,
    #[serde(default)]
    pub note: String,
}

/// A moment typed in KLEARN_TIMEZONE: `YYYY-MM-DD HH:MM` (or with a `T`),
/// or a date alone: its start, or with `end_of_day` the start of the next
/// day (a coupon that ends on a date is good through that day).
pub fn parse_moment(
    input: &str,
    tz: chrono_tz::Tz,
    end_of_day: bool,
) -> Result<Option<NaiveDateTime>, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let local = if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let date = if end_of_day {
            date.succ_opt().ok_or("coupons.error.moment")?
        } else {
            date
        };
        date.and_hms_opt(0, 0, 0).ok_or("coupons.error.moment")?
    } else {
        [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or("coupons.error.moment")?
    };
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| Some(t.naive_utc()))
        .ok_or("coupons.error.moment")
}

/// An optional limit on uses: empty, or a whole number from 1.
fn parse_limit(input: &str) -> Result<Option<i64>, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i64>() {
        Ok(n) if (1..=MAX_USES).contains(&n) => Ok(Some(n)),
        _ => Err("coupons.error.uses"),
    }
}

impl CouponForm {
    pub fn is_kind(&self, kind: &str) -> bool {
        self.kind == kind || (kind == "percent" && self.kind.is_empty())
    }

    /// The coupon the form describes, or `None` with every problem in `errors`.
    pub fn parse(&self, tr: &Tr, tz: chrono_tz::Tz, errors: &mut FieldErrors) -> Option<CouponInput> {
        let code = errors.check(tr, "code", parse_code(&self.code));
        let (percent_off, amount_off_cents) = match self.kind.as_str() {
            "amount" => match parse_price(&self.value) {
                Ok(cents) if cents > 0 => (0, cents),
                Ok(_) => {
                    errors.add(tr, "value", "coupons.error.amount");
                    (0, 0)
                }
                Err(key) => {
                    errors.add(tr, "value", key);
                    (0, 0)
                }
            },
            "percent" => match self.value.trim().parse::<i64>() {
                Ok(p) if (1..=100).contains(&p) => (p, 0),
                _ => {
                    errors.add(tr, "value", "coupons.error.percent");
                    (0, 0)
                }
            },
            _ => {
                errors.add(tr, "kind", "coupons.error.kind");
                (0, 0)
            }
        };
        let min_spend_cents = errors.check(tr, "min_spend", parse_price(&self.min_spend));
        let starts_at = errors.check(tr, "starts_at", parse_moment(&self.starts_at, tz, false));
        let ends_at = errors.check(tr, "ends_at", parse_moment(&self.ends_at, tz, true));
        if let (Some(Some(from)), Some(Some(to))) = (starts_at, ends_at) {
            if to <= from {
                errors.add(tr, "ends_at", "coupons.error.ends_before");
            }
        }
        let max_uses = errors.check(tr, "max_uses", parse_limit(&self.max_uses));
        let max_uses_per_user = errors.check(tr, "max_uses_per_user", parse_limit(&self.max_uses_per_user));
        let courses: Vec<String> = self
            .courses
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        if courses.len() > 200 {
            errors.add(tr, "courses", "coupons.error.too_many_courses");
        }
        let expert = self.expert.trim().trim_start_matches('@').to_string();
        if !courses.is_empty() && !expert.is_empty() {
            errors.add(tr, "expert", "coupons.error.both_limits");
        }
        let note = self.note.trim().to_string();
        if note.chars().count() > 500 {
            errors.add(tr, "note", "coupons.error.note_long");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(CouponInput {
            terms: CouponTerms {
                code: code?,
                percent_off,
                amount_off_cents,
                min_spend_cents: min_spend_cents?,
                starts_at: starts_at?,
                ends_at: ends_at?,
                max_uses: max_uses?,
                max_uses_per_user: max_uses_per_user?,
                expert_id: None,
                courses: Vec::new(),
                note,
            },
            courses,
            expert: (!expert.is_empty()).then_some(expert),
        })
    }

    /// The form of an existing coupon, its moments in KLEARN_TIMEZONE.
    pub fn of(coupon: &Coupon, slugs: &[String], expert: Option<String>, tz: chrono_tz::Tz) -> CouponForm {
        let moment = |at: Option<NaiveDateTime>| {
            at.map(|t| tz.from_utc_datetime(&t).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        };
        let limit = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
        let percent = coupon.percent_off > 0;
        CouponForm {
            code: coupon.code.clone(),
            kind: if percent { "percent" } else { "amount" }.to_string(),
            value: if percent {
                coupon.percent_off.to_string()
            } else {
                price_input(coupon.amount_off_cents)
            },
            min_spend: if coupon.min_spend_cents > 0 {
                price_input(coupon.min_spend_cents)
            } else {
                String::new()
            },
            starts_at: moment(coupon.starts_at),
            ends_at: moment(coupon.ends_at),
            max_uses: limit(coupon.max_uses),
            max_uses_per_user: limit(coupon.max_uses_per_user),
            courses: slugs.join("\n"),
            expert: expert.unwrap_or_default(),
            note: coupon.note.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_are_read_in_the_site_time_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            parse_moment("2026-12-01", tz, false),
            Ok(Some(at("2026-11-30 16:00")))
        );
        assert_eq!(
            parse_moment("2026-12-01", tz, true),
            Ok(Some(at("2026-12-01 16:00")))
        );
        assert_eq!(
            parse_moment("2026-12-01T08:30", tz, true),
            Ok(Some(at("2026-12-01 00:30")))
        );
        assert_eq!(parse_moment(" ", tz, true), Ok(None));
        assert_eq!(parse_moment("next week", tz, true), Err("coupons.error.moment"));
        assert_eq!(parse_limit("0"), Err("coupons.error.uses"));
        assert_eq!(parse_limit("3"), Ok(Some(3)));
    }
}
