//! Coupons and points at checkout: pricing a basket with a code and points
//! (`quote`, which the checkout page's preview and `place_order` share),
//! reserving the coupon's use and debiting the points when the order is
//! created, using the reservation when it is paid, giving both back when it
//! fails, is cancelled or expires, and taking them again when a payment
//! arrives after that. Every points change has its own key
//! (`order:{id}:points`, `…:points-returned`, `…:points-late`), so a retry
//! moves nothing twice.

use klearn_db::coupons::{Coupon, CouponUse};
use klearn_db::courses::Course;
use klearn_db::orders::{NewOrderItem, Order, OrderItem};
use klearn_db::points::{Applied, PointChange, Points};
use klearn_db::{CouponUseState, CourseId, DbConnection, UserId};

use super::CheckoutError;
use crate::domain::coupon::{check, discounts, points_allowed, shares, Off, Share, Standing};

/// What the learner asks to redeem: a code (may be empty) and points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redemption {
    pub coupon_code: String,
    pub points: i64,
}

/// A basket priced with a coupon and points.
#[derive(Debug, Clone)]
pub struct Quote {
    /// Each course with its share of the price.
    pub lines: Vec<(Course, Share)>,
    pub coupon: Option<Coupon>,
    /// The learner's points now.
    pub balance: i64,
    /// The most points this order may use (half of what is due after the coupon).
    pub points_cap: i64,
}

impl Quote {
    pub fn subtotal(&self) -> i64 {
        self.lines.iter().map(|(_, s)| s.list_cents).sum()
    }

    pub fn discount(&self) -> i64 {
        self.lines.iter().map(|(_, s)| s.discount_cents).sum()
    }

    pub fn points(&self) -> i64 {
        self.lines.iter().map(|(_, s)| s.points).sum()
    }

    pub fn total(&self) -> i64 {
        self.lines.iter().map(|(_, s)| s.paid_cents).sum()
    }

    /// The points this order may use, given the balance too.
    pub fn points_usable(&self) -> i64 {
        self.points_cap.min(self.balance)
    }

    /// The order's items as they are written.
    pub fn items(&self) -> Vec<NewOrderItem> {
        self.lines
            .iter()
            .map(|(c, s)| NewOrderItem {
                course_id: c.id,
                title: c.title.clone(),
                list_price_cents: s.list_cents,
                discount_cents: s.discount_cents,
                points: s.points,
                paid_cents: s.paid_cents,
            })
            .collect()
    }
}

/// Whether `coupon` applies to a course: limited to some courses, to one
/// expert's, or to none.
fn qualifies(coupon: &Coupon, limited: &[CourseId], course: &Course) -> bool {
    (limited.is_empty() || limited.contains(&course.id))
        && coupon.expert_id.is_none_or(|e| e == course.owner_id)
}

/// Prices `courses` for `buyer` with `redemption`. With `lock` (inside the
/// order's write transaction) the coupon's row, and the member's when points
/// are spent, are locked before they are read, so that two orders cannot
/// both take the last use or the same points. A code or points that cannot be used are refused
/// with the precise reason.
pub fn quote(
    conn: &mut DbConnection,
    buyer: UserId,
    courses: Vec<Course>,
    redemption: &Redemption,
    lock: bool,
) -> Result<Quote, CheckoutError> {
    let list: Vec<i64> = courses.iter().map(|c| c.price_cents).collect();
    let code = redemption.coupon_code.trim();
    let (coupon, cuts) = if code.is_empty() {
        (None, vec![0; list.len()])
    } else {
        let found = Coupon::find_by_code(conn, code)?
            .ok_or(CheckoutError::invalid("coupon_code", "coupons.refused.unknown"))?;
        let coupon = if lock {
            Coupon::lock(conn, found.id)?
        } else {
            found
        };
        let limited = Coupon::courses(conn, coupon.id)?;
        let applies: Vec<bool> = courses.iter().map(|c| qualifies(&coupon, &limited, c)).collect();
        let qualifying: Vec<i64> = list
            .iter()
            .zip(&applies)
            .filter(|(_, q)| **q)
            .map(|(p, _)| *p)
            .collect();
        let standing = Standing {
            now: klearn_db::now(),
            starts_at: coupon.starts_at,
            ends_at: coupon.ends_at,
            max_uses: coupon.max_uses,
            uses_count: coupon.uses_count,
            max_uses_per_user: coupon.max_uses_per_user,
            held_by_member: CouponUse::held_by(conn, coupon.id, buyer)?,
            min_spend_cents: coupon.min_spend_cents,
            qualifying_cents: qualifying.clone(),
        };
        check(&standing).map_err(|key| CheckoutError::invalid("coupon_code", key))?;
        let off = if coupon.percent_off > 0 {
            Off::Percent(coupon.percent_off)
        } else {
            Off::Amount(coupon.amount_off_cents)
        };
        let cuts = discounts(&list, &applies, off.discount(qualifying.iter().sum()));
        (Some(coupon), cuts)
    };
    // Only an order that spends points needs the member's row locked.
    let balance = if lock && redemption.points > 0 {
        Points::lock_balance(conn, buyer)?
    } else {
        Points::balance(conn, buyer)?
    };
    let points_cap = points_allowed(&list, &cuts);
    if redemption.points > balance.min(points_cap) {
        return Err(CheckoutError::TooManyPoints {
            max: balance.min(points_cap).max(0),
            balance,
        });
    }
    let priced = shares(&list, &cuts, redemption.points.max(0));
    Ok(Quote {
        lines: courses.into_iter().zip(priced).collect(),
        coupon,
        balance,
        points_cap,
    })
}

fn key(order: &Order, what: &str) -> String {
    format!("order:{}:{what}", order.id)
}

/// Reserves what the new order redeems: its coupon's use (counted on the
/// coupon) and its points (debited). In the order's transaction.
pub fn reserve(conn: &mut DbConnection, order: &Order) -> Result<(), CheckoutError> {
    if let Some(coupon) = order.coupon_id {
        CouponUse::reserve(conn, coupon, order.id, order.user_id, order.discount_cents)?;
    }
    if order.points > 0 {
        let debit = PointChange {
            user: order.user_id,
            amount: -order.points,
            reason: "order.points",
            reference: order.number(),
            key: &key(order, "points"),
            actor: Some(order.user_id),
        };
        if let Applied::NotEnough { balance } = Points::apply(conn, &debit)? {
            return Err(CheckoutError::TooManyPoints {
                max: balance.max(0),
                balance,
            });
        }
    }
    Ok(())
}

/// The order is paid: its reserved coupon use becomes used.
pub fn confirm(conn: &mut DbConnection, order: &Order) -> Result<(), CheckoutError> {
    CouponUse::move_state(conn, order.id, CouponUseState::Reserved, CouponUseState::Used)?;
    Ok(())
}

/// The order failed, was cancelled or expired: its coupon use is released
/// (and no longer counted) and its points come back.
pub fn release(conn: &mut DbConnection, order: &Order) -> Result<(), CheckoutError> {
    CouponUse::move_state(conn, order.id, CouponUseState::Reserved, CouponUseState::Released)?;
    if order.points > 0 && Points::has(conn, &key(order, "points"))? {
        Points::apply(
            conn,
            &PointChange {
                user: order.user_id,
                amount: order.points,
                reason: "order.points_returned",
                reference: order.number(),
                key: &key(order, "points-returned"),
                actor: None,
            },
        )?;
    }
    Ok(())
}

/// A payment arrived after the order's reservation was released: the coupon
/// is used again (even past its limit: the learner paid that price) and the
/// points are debited again. False, with nothing taken, when the balance no
/// longer covers the points.
pub fn retake(conn: &mut DbConnection, order: &Order) -> Result<bool, CheckoutError> {
    if order.points > 0 && Points::has(conn, &key(order, "points-returned"))? {
        let debit = PointChange {
            user: order.user_id,
            amount: -order.points,
            reason: "order.points_late",
            reference: order.number(),
            key: &key(order, "points-late"),
            actor: None,
        };
        if let Applied::NotEnough { .. } = Points::apply(conn, &debit)? {
            return Ok(false);
        }
    }
    CouponUse::move_state(conn, order.id, CouponUseState::Released, CouponUseState::Used)?;
    Ok(true)
}

/// Items given back at once (bought twice, in two tabs): their points come
/// back, under the key a refund of the item uses, so that it happens once.
pub fn return_item_points(
    conn: &mut DbConnection,
    order: &Order,
    items: &[OrderItem],
) -> Result<(), CheckoutError> {
    for item in items.iter().filter(|i| i.points > 0) {
        Points::apply(
            conn,
            &PointChange {
                user: order.user_id,
                amount: item.points,
                reason: "order.points_returned",
                reference: order.number(),
                key: &format!("refund-item:{}:points", item.id),
                actor: None,
            },
        )?;
    }
    Ok(())
}
