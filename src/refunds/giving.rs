//! Giving money back. An admin refunds an order in whole or per item (and
//! so approves the learner's pending request): in one transaction behind
//! the order's row lock, the items not refunded yet are claimed (an item is
//! refunded once: a double click or a second admin finds it claimed and
//! nothing moves), the provider is asked for their paid amount, and the
//! refund waits for the provider's confirmation. Items nothing was paid for
//! in money complete at once. `complete`, called by fulfilment on the
//! provider's `refund.succeeded`, takes back access, the expert's earnings
//! and gives the points back, moves the order and mails the learner.

use klearn_db::audit::{self, Object};
use klearn_db::enrollments::Enrollment;
use klearn_db::orders::{Order, OrderItem, Payment, Refund};
use klearn_db::points::{PointChange, Points};
use klearn_db::refunds::{self as stored, RefundItems, RefundRequest};
use klearn_db::users::User;
use klearn_db::{
    write_tx, DbConnection, DbError, OrderId, OrderItemId, OrderItemState, OrderState, PaymentState,
    RefundId, RefundRequestState, RefundState,
};

use super::RefundError;
use crate::domain::actor::Actor;
use crate::domain::course::price_label;
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// An admin's refund: the order, and which of its items (none: everything
/// not refunded yet).
#[derive(Debug, Clone)]
pub struct RefundOrder {
    pub order: OrderId,
    pub items: Vec<OrderItemId>,
}

/// What a refund did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refunding {
    /// The provider was asked for this amount; it completes when the
    /// provider confirms.
    Sent { amount_cents: i64 },
    /// Nothing was paid in money for these items: done at once.
    Done,
}

/// Refunds the order's chosen items (admins only).
pub fn refund(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    request: &RefundOrder,
) -> Result<Refunding, RefundError> {
    if !actor.is_admin() {
        return Err(RefundError::Forbidden("error.403.message"));
    }
    write_tx(conn, |conn| {
        // Two refunds of one order go one after the other: the second sees
        // what the first claimed.
        stored::lock_order(conn, request.order)?;
        let order = Order::find(conn, request.order)?;
        match order.state {
            OrderState::Paid | OrderState::PartiallyRefunded => {}
            OrderState::Refunded => return Err(RefundError::Conflict("refunds.already_refunded")),
            _ => return Err(RefundError::Conflict("refunds.not_paid")),
        }
        let claimed = RefundItems::claimed_in(conn, order.id)?;
        let items = Order::items(conn, order.id)?;
        let open = |i: &&OrderItem| i.state == OrderItemState::Active && !claimed.contains(&i.id);
        let chosen: Vec<OrderItem> = if request.items.is_empty() {
            items.iter().filter(open).cloned().collect()
        } else {
            let mut chosen = Vec::new();
            for id in &request.items {
                let item = items.iter().find(|i| i.id == *id).ok_or(RefundError::NotFound)?;
                if !open(&item) {
                    return Err(RefundError::Conflict("refunds.already_refunded"));
                }
                chosen.push(item.clone());
            }
            chosen
        };
        if chosen.is_empty() {
            return Err(RefundError::Conflict("refunds.already_refunded"));
        }
        let amount: i64 = chosen.iter().map(|i| i.paid_cents).sum();
        let payment = refundable_payment(conn, order.id, amount)?;
        let reason = "refund by an admin";
        let (refund, outcome) = if amount > 0 {
            let provider = services.payments.clone().ok_or(RefundError::Unavailable {})?;
            let reference = provider.refund(conn, &payment, amount, reason)?;
            let id = Refund::create(conn, &payment, amount, reason, &reference, RefundState::Pending)?;
            (id, Refunding::Sent { amount_cents: amount })
        } else {
            let id = Refund::create(conn, &payment, 0, reason, "", RefundState::Succeeded)?;
            (id, Refunding::Done)
        };
        let ids: Vec<OrderItemId> = chosen.iter().map(|i| i.id).collect();
        let points = RefundItems::points_of(conn, &ids)?;
        for item in &chosen {
            let item_points = points.get(&item.id).copied().unwrap_or(0);
            if !RefundItems::claim(conn, refund, item.id, item.paid_cents, item_points)? {
                return Err(RefundError::Conflict("refunds.already_refunded"));
            }
        }
        if let Some(pending) = RefundRequest::pending_for(conn, order.id)? {
            RefundRequest::decide(
                conn,
                pending.id,
                RefundRequestState::Approved,
                "",
                actor.user_id(),
            )?;
        }
        let titles: Vec<&str> = chosen.iter().map(|i| i.title.as_str()).collect();
        audit::record(
            conn,
            actor.user_id(),
            "order.refund",
            Object::new("order", order.id),
            &format!("{} {}: {}", order.number(), amount, titles.join(", ")),
        )?;
        if outcome == Refunding::Done {
            complete(conn, services, refund)?;
        }
        Ok(outcome)
    })
}

/// The order's payment that can give `amount` back: succeeded, with that
/// much not given back yet.
fn refundable_payment(conn: &mut DbConnection, order: OrderId, amount: i64) -> Result<Payment, RefundError> {
    for payment in Payment::for_order(conn, order)? {
        if payment.state != PaymentState::Succeeded {
            continue;
        }
        if payment.amount_cents - Refund::committed_of(conn, payment.id)? >= amount {
            return Ok(payment);
        }
    }
    Err(RefundError::Conflict("refunds.nothing_paid"))
}

/// Completes a refund the provider confirmed (or one with nothing to give
/// back in money), in the caller's transaction: for each of its items not
/// refunded yet, the item is marked refunded, the learner loses the course,
/// the expert's earnings of it are taken back and the points that paid part
/// of it are returned; the order becomes refunded or partially refunded;
/// the learner is mailed. A repeat finds the items refunded and does
/// nothing. Returns how many items it refunded.
pub fn complete(conn: &mut DbConnection, services: &Services, refund: RefundId) -> Result<usize, DbError> {
    let items = RefundItems::of_refund(conn, refund)?;
    let Some(first) = items.first() else {
        // A refund of no items (money for courses owned already).
        return Ok(0);
    };
    let order = Order::find(conn, first.item.order_id)?;
    let mut done = Vec::new();
    for refunded in &items {
        let item = &refunded.item;
        if !OrderItem::mark_refunded(conn, item.id)? {
            continue;
        }
        Enrollment::withdraw(conn, order.user_id, item.course_id, order.id)?;
        crate::earnings::take_back(conn, item.id)?;
        if refunded.points > 0 {
            let key = format!("refund-item:{}:points", item.id);
            Points::apply(
                conn,
                &PointChange {
                    user: order.user_id,
                    amount: refunded.points,
                    reason: "refund",
                    reference: order.number(),
                    key: &key,
                    actor: None,
                },
            )?;
        }
        done.push(refunded);
    }
    if done.is_empty() {
        return Ok(0);
    }
    let left = Order::items(conn, order.id)?
        .iter()
        .any(|i| i.state == OrderItemState::Active);
    if left {
        Order::move_state(conn, order.id, &[OrderState::Paid], OrderState::PartiallyRefunded)?;
    } else {
        Order::move_state(
            conn,
            order.id,
            &[OrderState::Paid, OrderState::PartiallyRefunded],
            OrderState::Refunded,
        )?;
    }
    let amount: i64 = done.iter().map(|r| r.amount_cents).sum();
    let titles: Vec<&str> = done.iter().map(|r| r.item.title.as_str()).collect();
    audit::record(
        conn,
        None,
        "order.refunded",
        Object::new("order", order.id),
        &format!("{} {}: {}", order.number(), amount, titles.join(", ")),
    )?;
    let learner = User::find(conn, order.user_id)?;
    let url = services.settings.absolute_url(&format!("/orders/{}", order.id));
    let first = done.iter().map(|r| r.item.id.0).min().unwrap_or_default();
    crate::notifications::order_event(conn, order.user_id, order.id, order.number(), "refunded", first)?;
    notice::send(
        conn,
        &services.i18n,
        &learner,
        &learner.email,
        NoticeKind::Refunded,
        Some(url),
        &format!(
            "{} — {} — {}",
            order.number(),
            price_label(amount, &order.currency),
            titles.join(", ")
        ),
    )?;
    Ok(done.len())
}
