//! Points by hand: admins grant and deduct a member's points with a reason
//! (`adjust_points`), on the points ledger (`klearn_db::points`), audited.
//! Each form carries its own request key, so a double click or a retry is
//! written once. Points spent and given back at checkout are
//! `checkout::redemption`'s. The page's action is in `routes`.

pub mod routes;

use klearn_db::audit::{self, Object};
use klearn_db::points::{Applied, PointChange, Points};
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, UserId};

use crate::domain::actor::Actor;

crate::area_error! {
    /// Why a points use case refused.
    PointsError {
        /// A deduction larger than the balance (which is this).
        BelowZero { balance: i64 } => AppError::BadRequest,
    }
}

/// The most points one adjustment may move either way.
pub const MAX_ADJUSTMENT: i64 = 1_000_000;

/// A grant (positive) or deduction (negative) an admin asks for.
#[derive(Debug, Clone)]
pub struct Adjustment {
    pub member: UserId,
    pub amount: i64,
    pub reason: String,
    /// The form's own key: the same request is written once.
    pub request_key: String,
}

/// What an adjustment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjusted {
    /// Written; the balance is now this.
    Done { balance: i64 },
    /// This request was written before: nothing moved again.
    AlreadyDone,
}

/// The amount as typed: a whole number, not zero, within the bound.
pub fn parse_amount(input: &str) -> Result<i64, &'static str> {
    match input.trim().trim_start_matches('+').parse::<i64>() {
        Ok(0) => Err("points.error.amount_zero"),
        Ok(n) if n.abs() <= MAX_ADJUSTMENT => Ok(n),
        Ok(_) => Err("points.error.amount_bound"),
        Err(_) => Err("points.error.amount_invalid"),
    }
}

/// The reason as typed: required, at most 200 characters.
pub fn parse_reason(input: &str) -> Result<String, &'static str> {
    let reason = input.trim();
    match reason.chars().count() {
        0 => Err("points.error.reason_required"),
        1..=200 => Ok(reason.to_string()),
        _ => Err("points.error.reason_long"),
    }
}

/// Grants or deducts a member's points (admins only); a deduction below
/// zero is refused with the balance.
pub fn adjust_points(
    conn: &mut DbConnection,
    actor: &Actor,
    adjustment: &Adjustment,
) -> Result<Adjusted, PointsError> {
    let admin = match actor.user_id() {
        Some(id) if actor.is_admin() => id,
        _ => return Err(PointsError::Forbidden("points.admins_only")),
    };
    write_tx(conn, |conn| {
        let member = User::find(conn, adjustment.member)?;
        let change = PointChange {
            user: member.id,
            amount: adjustment.amount,
            reason: if adjustment.amount > 0 {
                "admin.grant"
            } else {
                "admin.deduct"
            },
            reference: &adjustment.reason,
            key: &format!("admin:{}", adjustment.request_key),
            actor: Some(admin),
        };
        let balance = match Points::apply(conn, &change)? {
            Applied::Done { balance } => balance,
            Applied::AlreadyDone => return Ok(Adjusted::AlreadyDone),
            Applied::NotEnough { balance } => return Err(PointsError::BelowZero { balance }),
        };
        audit::record(
            conn,
            Some(admin),
            "points.adjusted",
            Object::user(member.id),
            &format!("{:+} {}", adjustment.amount, adjustment.reason),
        )?;
        Ok(Adjusted::Done { balance })
    })
}

/// A fresh request key for a points form.
pub fn request_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether a request key sent by a form looks like one this site made.
pub fn request_key_ok(key: &str) -> bool {
    (8..=64).contains(&key.len())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_non_zero_and_bounded() {
        assert_eq!(parse_amount("+500"), Ok(500));
        assert_eq!(parse_amount(" -20 "), Ok(-20));
        assert_eq!(parse_amount("0"), Err("points.error.amount_zero"));
        assert_eq!(parse_amount("1000001"), Err("points.error.amount_bound"));
        assert_eq!(parse_amount("1.5"), Err("points.error.amount_invalid"));
        assert_eq!(parse_reason("  "), Err("points.error.reason_required"));
        assert!(request_key_ok(&request_key()) && !request_key_ok("x y"));
    }
}
