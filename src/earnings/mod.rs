//! Expert earnings and payouts: each item fulfilment delivers credits the
//! course's expert with their share (`credit_sale`, available when the
//! refund window closes), a refund takes the same amount back
//! (`take_back`), and admins record payouts from the available balance
//! (`payouts`), each mailed to the expert with a statement. The pages are
//! `/studio/earnings` and `/admin/payouts` (`routes`).

pub mod payouts;
pub mod routes;
pub mod views;

use klearn_db::courses::Course;
use klearn_db::earnings::{Earnings, NewEarning};
use klearn_db::orders::{Order, OrderItem};
use klearn_db::{DbConnection, DbError, EarningKind, OrderItemId};

pub use payouts::{record_payout, PayoutRequest, Recorded};

use crate::domain::refund::{expert_share, refund_window};

/// An amount of the ledgers for people, negative ones too: `¥69.30`, `-¥69.30`.
pub fn money(cents: i64) -> String {
    let label = crate::domain::course::price_label(cents.abs(), "CNY");
    if cents < 0 {
        format!("-{label}")
    } else {
        label
    }
}

crate::area_error! {
    /// Why an earnings use case refused.
    EarningsError {}
}

/// Credits the course's expert with their share of a delivered item, in
/// the caller's (fulfilment's) transaction; available 14 days after the
/// order was paid. A repeat writes nothing (the row's key is `sale:{item}`).
pub fn credit_sale(
    conn: &mut DbConnection,
    share_percent: u8,
    order: &Order,
    item: &OrderItem,
) -> Result<bool, DbError> {
    let amount = expert_share(item.paid_cents, share_percent);
    if amount == 0 {
        return Ok(false);
    }
    let paid_at = order.paid_at.unwrap_or_else(klearn_db::now);
    let expert = Course::find(conn, item.course_id)?.owner_id;
    Earnings::record(
        conn,
        &NewEarning {
            expert,
            course: item.course_id,
            item: item.id,
            kind: EarningKind::Sale,
            amount_cents: amount,
            available_at: paid_at + refund_window(),
        },
    )
}

/// Takes back what an item earned its expert (a refund), in the caller's
/// transaction; key `refund:{item}`. The debit counts from now, or from
/// when the sale becomes available if that is later, so that a sale still
/// pending is cancelled within the pending balance and the available
/// balance is not taken below what was really available.
pub fn take_back(conn: &mut DbConnection, item: OrderItemId) -> Result<bool, DbError> {
    let Some(sale) = Earnings::sale_of(conn, item)? else {
        return Ok(false);
    };
    Earnings::record(
        conn,
        &NewEarning {
            expert: sale.expert_id,
            course: sale.course_id,
            item,
            kind: EarningKind::Refund,
            amount_cents: -sale.amount_cents,
            available_at: sale.available_at.max(klearn_db::now()),
        },
    )
}
