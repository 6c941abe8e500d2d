//! Fulfilment exactly once. A verified provider event is handled by one use
//! case, which the webhook, the demo and the tests all call: in one
//! transaction it records the event (one row per provider event id: a
//! repeat, a replay or a concurrent second delivery finds it and changes
//! nothing), moves the payment and the order (the payment's own state
//! guards against a second success), uses the order's coupon reservation,
//! creates the enrollments and queues the receipt. A failure or
//! cancellation gives the coupon use and points back. A success that
//! arrives after the order failed, was cancelled or expired still pays it
//! (noted), taking the coupon use and points again, or, when the points
//! were spent meanwhile, giving the whole payment back; money for courses
//! the learner already owns (two tabs) goes back at once, with their points.
//! Each course delivered credits its expert's earnings; a confirmed refund
//! of items completes their refund (`refunds::complete`).

use klearn_db::audit::{self, Object};
use klearn_db::enrollments::{self, Enrollment};
use klearn_db::orders::{Cart, Order, OrderItem, Payment, PaymentEvent, Refund};
use klearn_db::{write_tx, DbConnection, OrderState, PaymentState, RefundState};

use super::provider::{EventKind, PaymentProvider, ProviderEvent};
use super::redemption;
use super::CheckoutError;
use crate::domain::order::{may_move, payable_from};
use crate::services::Services;

/// What handling an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The event was new; what became of it (also kept on its row).
    Done(String),
    /// The event had been handled before: nothing changed.
    Duplicate,
}

/// Handles one verified event of `provider`. An event for a payment Klearn
/// does not have, or whose amount or currency is not the payment's, is
/// refused and changes nothing.
pub fn handle_event(
    conn: &mut DbConnection,
    services: &Services,
    provider: &dyn PaymentProvider,
    event: &ProviderEvent,
) -> Result<Handled, CheckoutError> {
    // A repeat seen before needs no write lock; one racing the first delivery
    // is caught by the event's unique row below.
    if PaymentEvent::seen(conn, provider.name(), &event.id)? {
        return Ok(Handled::Duplicate);
    }
    write_tx(conn, |conn| {
        let payment = Payment::find_by_ref(conn, provider.name(), &event.payment)?
            .ok_or(CheckoutError::UnknownPayment {})?;
        let amount_ok = match event.kind {
            EventKind::Refunded => event.amount > 0 && event.amount <= payment.amount_cents,
            _ => event.amount == payment.amount_cents,
        };
        if !amount_ok || event.currency != payment.currency {
            return Err(CheckoutError::Mismatch {});
        }
        let Some(row) = PaymentEvent::record(
            conn,
            provider.name(),
            &event.id,
            Some(payment.id),
            event.kind.as_str(),
        )?
        else {
            return Ok(Handled::Duplicate);
        };
        let outcome = match event.kind {
            EventKind::Succeeded => succeeded(conn, services, provider, &payment)?,
            EventKind::Failed => closed(
                conn,
                &payment,
                PaymentState::Failed,
                OrderState::Failed,
                &event.reason,
            )?,
            EventKind::Cancelled => {
                closed(conn, &payment, PaymentState::Cancelled, OrderState::Cancelled, "")?
            }
            EventKind::Refunded => refunded(conn, services, &payment, event.amount)?,
        };
        PaymentEvent::set_outcome(conn, row, &outcome)?;
        Ok(Handled::Done(outcome))
    })
}

fn succeeded(
    conn: &mut DbConnection,
    services: &Services,
    provider: &dyn PaymentProvider,
    payment: &Payment,
) -> Result<String, CheckoutError> {
    use PaymentState::*;
    if !Payment::move_state(conn, payment.id, &[Pending, Failed, Cancelled], Succeeded, "")? {
        return Ok("ignored: the payment had succeeded already".into());
    }
    let order = Order::find(conn, payment.order_id)?;
    if !may_move(order.state, OrderState::Paid)
        || !Order::move_state(conn, order.id, &payable_from(), OrderState::Paid)?
    {
        // The order was paid already, by another payment: this one goes back.
        refund(
            conn,
            provider,
            payment,
            payment.amount_cents,
            "the order was paid already",
        )?;
        Order::add_note(
            conn,
            order.id,
            &format!("payment {} refunded: the order was paid already", payment.id),
        )?;
        return Ok("refunded: the order was paid already".into());
    }
    if order.state != OrderState::Pending {
        Order::mark_paid_late(conn, order.id)?;
        Order::add_note(conn, order.id, &format!("paid after it had {}", order.state))?;
        if !redemption::retake(conn, &order)? {
            return points_spent(conn, provider, payment, &order);
        }
    }
    let order = Order::find(conn, order.id)?;
    fulfil(conn, services, &order, Some((provider, payment)))
}

/// Delivers a paid order: the enrollments, the experts' earnings of them,
/// the cart emptied of its courses, the audit entry, the receipt. Courses
/// the learner owned already are refunded at once (and earn nothing). With
/// no payment (nothing was due) the order becomes paid here.
pub(super) fn fulfil(
    conn: &mut DbConnection,
    services: &Services,
    order: &Order,
    payment: Option<(&dyn PaymentProvider, &Payment)>,
) -> Result<String, CheckoutError> {
    if payment.is_none() && !Order::move_state(conn, order.id, &[OrderState::Pending], OrderState::Paid)? {
        return Ok("ignored: the order was not pending".into());
    }
    redemption::confirm(conn, order)?;
    let items = Order::items(conn, order.id)?;
    // As paid: its payment time starts the experts' refund window.
    let paid = Order::find(conn, order.id)?;
    let mut owned: Vec<OrderItem> = Vec::new();
    for item in &items {
        if Enrollment::enroll(
            conn,
            order.user_id,
            item.course_id,
            enrollments::PURCHASE,
            Some(order.id),
        )? {
            crate::earnings::credit_sale(conn, services.settings.expert_share_percent, &paid, item)?;
        } else {
            owned.push(item.clone());
        }
    }
    Cart::remove_owned(conn, order.user_id)?;
    audit::record(
        conn,
        Some(order.user_id),
        "order.paid",
        Object::new("order", order.id),
        order.number(),
    )?;
    let method = payment.map_or("orders.method.none", |(p, _)| p.method_key());
    super::receipt::queue(conn, order.id, method)?;
    crate::notifications::order_event(conn, order.user_id, order.id, order.number(), "paid", "")?;
    let (Some((provider, payment)), false) = (payment, owned.is_empty()) else {
        return Ok("paid".into());
    };
    // Two tabs: these courses were bought meanwhile by another order.
    let amount: i64 = owned.iter().map(|i| i.paid_cents).sum();
    refund(conn, provider, payment, amount, "already owned")?;
    for item in &owned {
        OrderItem::mark_refunded(conn, item.id)?;
    }
    redemption::return_item_points(conn, order, &owned)?;
    let to = if owned.len() == items.len() {
        OrderState::Refunded
    } else {
        OrderState::PartiallyRefunded
    };
    Order::move_state(conn, order.id, &[OrderState::Paid], to)?;
    let titles: Vec<&str> = owned.iter().map(|i| i.title.as_str()).collect();
    Order::add_note(
        conn,
        order.id,
        &format!("already owned, refunded: {}", titles.join(", ")),
    )?;
    Ok(format!("paid; {} already owned, refunded", owned.len()))
}

/// A late payment of an order whose points were returned and spent since:
/// nothing is delivered and the whole payment goes back.
fn points_spent(
    conn: &mut DbConnection,
    provider: &dyn PaymentProvider,
    payment: &Payment,
    order: &Order,
) -> Result<String, CheckoutError> {
    refund(
        conn,
        provider,
        payment,
        payment.amount_cents,
        "points spent meanwhile",
    )?;
    for item in Order::items(conn, order.id)? {
        OrderItem::mark_refunded(conn, item.id)?;
    }
    Order::move_state(conn, order.id, &[OrderState::Paid], OrderState::Refunded)?;
    Order::add_note(
        conn,
        order.id,
        &format!(
            "the {} points it used were spent after it had {}: payment {} refunded in full",
            order.points, order.state, payment.id
        ),
    )?;
    Ok("refunded: the points were spent meanwhile".into())
}

/// Asks the provider to give `amount` back and keeps the refund, pending
/// until the provider confirms.
fn refund(
    conn: &mut DbConnection,
    provider: &dyn PaymentProvider,
    payment: &Payment,
    amount: i64,
    reason: &str,
) -> Result<(), CheckoutError> {
    let reference = provider.refund(conn, payment, amount, reason)?;
    Refund::create(conn, payment, amount, reason, &reference, RefundState::Pending)?;
    audit::record(
        conn,
        None,
        "order.refund",
        Object::new("order", payment.order_id),
        reason,
    )?;
    Ok(())
}

/// A payment that failed or was cancelled: its order (if it still waits)
/// goes the same way. A failure after a success is ignored.
fn closed(
    conn: &mut DbConnection,
    payment: &Payment,
    payment_to: PaymentState,
    order_to: OrderState,
    reason: &str,
) -> Result<String, CheckoutError> {
    if !Payment::move_state(conn, payment.id, &[PaymentState::Pending], payment_to, reason)? {
        return Ok(format!(
            "ignored: the payment was {} already",
            Payment::find(conn, payment.id)?.state
        ));
    }
    if Order::move_state(conn, payment.order_id, &[OrderState::Pending], order_to)? {
        let order = Order::find(conn, payment.order_id)?;
        redemption::release(conn, &order)?;
        Ok(order_to.as_str().to_string())
    } else {
        Ok("recorded: the order had moved on".into())
    }
}

/// The provider confirms money given back; a refund of items completes.
fn refunded(
    conn: &mut DbConnection,
    services: &Services,
    payment: &Payment,
    amount: i64,
) -> Result<String, CheckoutError> {
    let Some(refund) = Refund::confirm_pending(conn, payment.id, amount)? else {
        return Ok("ignored: no refund of that amount was waiting".into());
    };
    let items = crate::refunds::complete(conn, services, refund)?;
    if Refund::refunded_of(conn, payment.id)? >= payment.amount_cents {
        Payment::move_state(
            conn,
            payment.id,
            &[PaymentState::Succeeded],
            PaymentState::Refunded,
            "",
        )?;
    }
    if items > 0 {
        return Ok(format!("refund confirmed; {items} items refunded"));
    }
    Ok("refund confirmed".into())
}
