//! A learner's refund request: whether the order qualifies (every reason
//! why not, for the order page), filing the request, and an admin declining
//! it with a reason the learner is mailed.

use chrono::NaiveDateTime;
use klearn_db::audit::{self, Object};
use klearn_db::orders::Order;
use klearn_db::refunds::{self as stored, RefundItems, RefundRequest};
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, DbError, OrderItemState, RefundRequestId, RefundRequestState};

use super::RefundError;
use crate::domain::actor::Actor;
use crate::domain::refund::{refund_eligibility, CourseSeen, NotEligible, RefundCase};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// Whether an order qualifies for a refund request, and what was read.
#[derive(Debug, Clone)]
pub struct Eligibility {
    /// Why not; empty: it qualifies.
    pub why: Vec<NotEligible>,
    /// The request waiting for an admin, if any.
    pub pending: Option<RefundRequest>,
    /// The order's requests, oldest first.
    pub requests: Vec<RefundRequest>,
    /// The order's items a refund has claimed (given back or waiting).
    pub claimed: Vec<klearn_db::OrderItemId>,
}

impl Eligibility {
    pub fn qualifies(&self) -> bool {
        self.why.is_empty()
    }
}

/// Reads whether `order` qualifies at `now`: its items not refunded (nor
/// being refunded), what its buyer has seen of their courses, a request
/// waiting.
pub fn eligibility(
    conn: &mut DbConnection,
    order: &Order,
    now: NaiveDateTime,
) -> Result<Eligibility, DbError> {
    let claimed = RefundItems::claimed_in(conn, order.id)?;
    let left: Vec<_> = Order::items(conn, order.id)?
        .into_iter()
        .filter(|i| i.state == OrderItemState::Active && !claimed.contains(&i.id))
        .collect();
    let ids: Vec<_> = left.iter().map(|i| i.course_id).collect();
    let seen = stored::seen(conn, order.user_id, &ids)?;
    let courses: Vec<CourseSeen> = left
        .iter()
        .zip(seen)
        .map(|(item, s)| CourseSeen {
            course: item.course_id,
            title: item.title.clone(),
            opened: s.opened,
            total: s.total,
        })
        .collect();
    let requests = RefundRequest::for_order(conn, order.id)?;
    let pending = requests
        .iter()
        .find(|r| r.state == RefundRequestState::Pending)
        .cloned();
    let case = RefundCase {
        state: order.state,
        paid_at: order.paid_at,
        refundable_cents: left.iter().map(|i| i.paid_cents).sum(),
        courses: &courses,
        request_pending: pending.is_some(),
    };
    Ok(Eligibility {
        why: refund_eligibility(&case, now),
        pending,
        requests,
        claimed,
    })
}

/// The learner asks for their order's money back, with a reason: refused
/// (with every reason) when the order does not qualify; anyone else's order
/// is not found.
pub fn request_refund(
    conn: &mut DbConnection,
    actor: &Actor,
    order: klearn_db::OrderId,
    reason: &str,
) -> Result<RefundRequest, RefundError> {
    let learner = actor.user_id().ok_or(RefundError::NotFound)?;
    write_tx(conn, |conn| {
        let order = Order::find_owned(conn, order, learner)?;
        stored::lock_order(conn, order.id)?;
        let why = eligibility(conn, &order, klearn_db::now())?.why;
        if !why.is_empty() {
            return Err(RefundError::NotEligible { why });
        }
        let request = RefundRequest::create(conn, order.id, learner, reason)?.ok_or_else(|| {
            RefundError::NotEligible {
                why: vec![NotEligible::RequestPending],
            }
        })?;
        audit::record(
            conn,
            Some(learner),
            "refund.requested",
            Object::new("order", order.id),
            reason,
        )?;
        Ok(request)
    })
}

/// An admin declines a pending request with a reason, which the learner is
/// mailed. Returns the request's order.
pub fn decline(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    request: RefundRequestId,
    reason: &str,
) -> Result<klearn_db::OrderId, RefundError> {
    if !actor.is_admin() {
        return Err(RefundError::Forbidden("error.403.message"));
    }
    write_tx(conn, |conn| {
        let found = RefundRequest::find(conn, request)?;
        if !RefundRequest::decide(
            conn,
            found.id,
            RefundRequestState::Declined,
            reason,
            actor.user_id(),
        )? {
            return Err(RefundError::Conflict("refunds.already_decided"));
        }
        let order = Order::find(conn, found.order_id)?;
        audit::record(
            conn,
            actor.user_id(),
            "refund.declined",
            Object::new("order", order.id),
            reason,
        )?;
        let learner = User::find(conn, order.user_id)?;
        let url = services.settings.absolute_url(&format!("/orders/{}", order.id));
        notice::send(
            conn,
            &services.i18n,
            &learner,
            &learner.email,
            NoticeKind::RefundDeclined,
            Some(url),
            &format!("{} — {reason}", order.number()),
        )?;
        crate::notifications::order_event(
            conn,
            order.user_id,
            order.id,
            order.number(),
            "refund_declined",
            found.id,
        )?;
        Ok(order.id)
    })
}
