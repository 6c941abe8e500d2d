//! Placing an order: its items and total come from the courses as they are
//! now (nothing the browser sends about prices is read), with the coupon and
//! points the learner redeems (`redemption`: checked, split across the items
//! and reserved in the same transaction), each item's title and price are
//! kept on the order, the order gets its number and a payment is opened
//! with the provider; an order nobody pays expires after
//! `PAY_WITHIN_MINUTES` (a job), which gives its coupon use and points
//! back. A zero total is fulfilled at once.

use chrono::TimeZone;
use klearn_db::audit::{self, Object};
use klearn_db::courses::{Course, CourseState};
use klearn_db::enrollments::Enrollment;
use klearn_db::jobs::Job;
use klearn_db::orders::{Cart, Order, Payment};
use klearn_db::{write_tx, CourseId, DbConnection, OrderId, OrderState};
use serde::{Deserialize, Serialize};

use super::fulfilment::fulfil;
use super::redemption::{self, Redemption};
use super::CheckoutError;
use crate::domain::actor::Actor;
use crate::domain::order::{may_move, order_number, pay_within};
use crate::jobs::{new_job, JobContext, JobKind};
use crate::services::Services;

/// What is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basket {
    /// Everything in the member's cart.
    Cart,
    /// One course, straight from its page ("Buy now").
    Course(CourseId),
}

/// A placed order, and where the payer goes to pay (none when nothing was
/// due).
pub struct Placed {
    pub order: Order,
    pub payment: Option<klearn_db::PaymentId>,
    pub pay_url: Option<String>,
}

/// The courses of the basket that can be bought now: published, paid, not
/// the buyer's already.
fn buyable(
    conn: &mut DbConnection,
    buyer: klearn_db::UserId,
    basket: Basket,
) -> Result<Vec<Course>, CheckoutError> {
    let courses = match basket {
        Basket::Course(id) => vec![Course::find(conn, id)?],
        Basket::Cart => Cart::lines(conn, buyer)?
            .into_iter()
            .map(|(_, card)| card.course)
            .collect(),
    };
    if courses.is_empty() {
        return Err(CheckoutError::Conflict("checkout.empty"));
    }
    let ids: Vec<CourseId> = courses.iter().map(|c| c.id).collect();
    let owned = Enrollment::owned_among(conn, buyer, &ids)?;
    let buyable: Vec<Course> = courses
        .into_iter()
        .filter(|c| c.state == CourseState::Published && c.price_cents > 0)
        .filter(|c| c.owner_id != buyer && !owned.contains(&c.id))
        .collect();
    if buyable.is_empty() {
        return Err(CheckoutError::Conflict("checkout.nothing_to_buy"));
    }
    Ok(buyable)
}

/// Places the order for `basket` at list prices (no coupon, no points).
pub fn place_order(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    basket: Basket,
) -> Result<Placed, CheckoutError> {
    place_order_with(conn, services, actor, basket, &Redemption::default())
}

/// What `basket` would cost with `redemption` now, as the checkout page
/// shows it before the order is placed; refused for the same reasons as
/// placing it, and writes nothing.
pub fn preview(
    conn: &mut DbConnection,
    actor: &Actor,
    basket: Basket,
    redemption: &Redemption,
) -> Result<redemption::Quote, CheckoutError> {
    let buyer = actor.user_id().ok_or(CheckoutError::NotFound)?;
    let courses = buyable(conn, buyer, basket)?;
    redemption::quote(conn, buyer, courses, redemption, false)
}

/// Places the order for `basket` with the coupon and points of
/// `redemption`, reserves them, and opens its payment. A code or points
/// that cannot be used refuse the whole order: nothing is created.
pub fn place_order_with(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    basket: Basket,
    redemption: &Redemption,
) -> Result<Placed, CheckoutError> {
    let provider = services.payments.clone().ok_or(CheckoutError::Unavailable {})?;
    let buyer = actor.user_id().ok_or(CheckoutError::NotFound)?;
    write_tx(conn, |conn| {
        let courses = buyable(conn, buyer, basket)?;
        let quote = redemption::quote(conn, buyer, courses, redemption, true)?;
        let coupon = quote.coupon.as_ref().map(|c| c.id);
        let now = klearn_db::now();
        let tz = services.settings.timezone;
        let day = tz.from_utc_datetime(&now).date_naive();
        let order = Order::create(
            conn,
            buyer,
            "CNY",
            &quote.items(),
            coupon,
            now + pay_within(),
            |id| order_number(day, id),
        )?;
        redemption::reserve(conn, &order)?;
        audit::record(
            conn,
            Some(buyer),
            "order.placed",
            Object::new("order", order.id),
            order.number(),
        )?;
        if order.total_cents == 0 {
            fulfil(conn, services, &order, None)?;
            return Ok(Placed {
                order,
                payment: None,
                pay_url: None,
            });
        }
        let provisional = format!("new-{}", order.id);
        let payment = Payment::create(conn, &order, provider.name(), &provisional)?;
        let reference = provider.open(conn, &order, &payment)?;
        Payment::set_reference(conn, payment.id, &reference)?;
        let payment = Payment::find(conn, payment.id)?;
        let expiry = new_job(&ExpireOrder { order: order.id })?.run_at(order.expires_at);
        Job::enqueue(conn, &expiry)?;
        Ok(Placed {
            pay_url: Some(provider.pay_url(&services.settings, &payment)),
            payment: Some(payment.id),
            order,
        })
    })
}

/// Lets an unpaid order expire once its time is up; false when it was paid,
/// failed or cancelled first (or is not due yet). Its coupon use and points
/// are given back. Its payment stays open: a payment that still arrives
/// pays it late.
pub fn expire(conn: &mut DbConnection, order: OrderId) -> Result<bool, CheckoutError> {
    write_tx(conn, |conn| {
        let current = Order::find(conn, order)?;
        if current.expires_at > klearn_db::now() || !may_move(current.state, OrderState::Expired) {
            return Ok(false);
        }
        let expired = Order::move_state(conn, order, &[current.state], OrderState::Expired)?;
        if expired {
            audit::record(
                conn,
                None,
                "order.expired",
                Object::new("order", order),
                current.number(),
            )?;
            redemption::release(conn, &current)?;
        }
        Ok(expired)
    })
}

/// Expires one order when its time is up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpireOrder {
    pub order: OrderId,
}

impl JobKind for ExpireOrder {
    const NAME: &'static str = "expire_order";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let order = self.order;
        ctx.db(move |conn| expire(conn, order).map_err(|e| anyhow::anyhow!("{e}")))
            .await?;
        Ok(())
    }
}
