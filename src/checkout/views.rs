//! Views of checkout: the cart, the checkout page, the orders, the receipt,
//! the sandbox provider's hosted page.

use askama::Template;
use klearn_db::courses::CourseCard;
use klearn_db::orders::{CartItem, Order, OrderItem, Payment, Refund, SandboxCharge};
use klearn_db::OrderState;

use crate::checkout::Quote;
use crate::domain::course::price_label;
use crate::domain::order::is_open;
use crate::web::{FieldErrors, Page};

fn money(cents: i64) -> String {
    price_label(cents, "CNY")
}

#[derive(Template)]
#[template(path = "checkout/cart.html")]
pub struct CartView {
    pub page: Page,
    pub lines: Vec<(CartItem, CourseCard)>,
    pub payments_ready: bool,
}

impl CartView {
    pub fn price(&self, card: &CourseCard) -> String {
        price_label(card.course.price_cents, &card.course.currency)
    }

    pub fn total(&self) -> String {
        money(self.lines.iter().map(|(_, c)| c.course.price_cents).sum())
    }
}

#[derive(Template)]
#[template(path = "checkout/checkout.html")]
pub struct CheckoutView {
    pub page: Page,
    /// The courses that will be bought, as priced now.
    pub cards: Vec<CourseCard>,
    /// "Buy now": the one course, sent with the form.
    pub course_id: Option<klearn_db::CourseId>,
    /// Courses of the cart left out (owned, or no longer on sale).
    pub left_out: Vec<String>,
    pub payments_ready: bool,
    /// The basket priced: with the coupon and points asked for once they
    /// apply, at list price otherwise.
    pub quote: Option<Quote>,
    /// Why the order could not be placed, when it could not.
    pub problem: Option<String>,
    pub errors: FieldErrors,
    /// The code and points as typed.
    pub coupon_code: String,
    pub points: String,
    /// The totals shown are those of the code and points typed.
    pub applied: bool,
}

impl CheckoutView {
    pub fn price(&self, card: &CourseCard) -> String {
        price_label(card.course.price_cents, &card.course.currency)
    }

    pub fn total(&self) -> String {
        match &self.quote {
            Some(q) => money(q.total()),
            None => money(self.cards.iter().map(|c| c.course.price_cents).sum()),
        }
    }

    pub fn money(&self, cents: i64) -> String {
        money(cents)
    }

    /// What the learner has, and may use on this order.
    pub fn points_help(&self, quote: &Quote) -> String {
        let (balance, max) = (quote.balance.to_string(), quote.points_usable().to_string());
        self.page
            .tf("redeem.points_help", &[("balance", &balance), ("max", &max)])
    }

    /// The applied coupon's code, when the totals include it.
    pub fn coupon(&self) -> Option<&str> {
        self.quote.as_ref()?.coupon.as_ref().map(|c| c.code.as_str())
    }
}

/// How an order's state reads: its translation key and badge.
pub fn state_key(state: OrderState) -> String {
    format!("orders.state.{}", state.as_str())
}

#[derive(Template)]
#[template(path = "orders/index.html")]
pub struct OrdersView {
    pub page: Page,
    pub orders: Vec<(Order, Vec<OrderItem>)>,
    pub pager: crate::web::pager::Pager,
    /// The learner's points, to spend at checkout.
    pub points_balance: i64,
}

impl OrdersView {
    pub fn money(&self, cents: &i64) -> String {
        money(*cents)
    }

    pub fn state_key(&self, order: &Order) -> String {
        state_key(order.state)
    }
}

/// One order with its payments and refunds.
pub struct OrderParts {
    pub order: Order,
    pub items: Vec<OrderItem>,
    pub payments: Vec<Payment>,
    pub refunds: Vec<Refund>,
    /// The courses' slugs, for links.
    pub slugs: Vec<(klearn_db::CourseId, String)>,
}

impl OrderParts {
    /// Where an item's course is.
    pub fn course_url(&self, item: &OrderItem) -> String {
        match self.slugs.iter().find(|(id, _)| *id == item.course_id) {
            Some((_, slug)) => format!("/courses/{slug}"),
            None => "/courses".to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "orders/show.html")]
pub struct OrderView {
    pub page: Page,
    pub parts: OrderParts,
    /// Where to pay while the order waits.
    pub pay_url: Option<String>,
    /// Whether the order qualifies for a refund request, and why not.
    pub refund: crate::refunds::Eligibility,
    /// The refund request form as it was sent, when it comes back.
    pub refund_form: RefundForm,
}

/// The refund request form's problems and text.
#[derive(Debug, Default)]
pub struct RefundForm {
    pub errors: crate::web::FieldErrors,
    pub reason: String,
}

impl OrderView {
    pub fn money(&self, cents: &i64) -> String {
        money(*cents)
    }

    pub fn state_key(&self) -> String {
        state_key(self.parts.order.state)
    }

    /// Whether the page refreshes itself: the order waits for its payment.
    pub fn waiting(&self) -> bool {
        is_open(self.parts.order.state)
    }

    pub fn paid(&self) -> bool {
        self.parts.order.paid_at.is_some()
    }

    /// A failed, cancelled or expired order can be bought again.
    pub fn given_up(&self) -> bool {
        matches!(
            self.parts.order.state,
            OrderState::Failed | OrderState::Cancelled | OrderState::Expired
        )
    }

    pub fn given_up_key(&self) -> String {
        format!("orders.given_up.{}", self.parts.order.state)
    }

    pub fn payment_state_key(&self, payment: &Payment) -> String {
        format!("orders.payment_state.{}", payment.state)
    }

    pub fn refund_state_key(&self, refund: &Refund) -> String {
        format!("orders.refund_state.{}", refund.state)
    }

    /// Each reason the order does not qualify for a refund, as text.
    pub fn refund_reasons(&self) -> Vec<String> {
        self.refund
            .why
            .iter()
            .map(|why| crate::refunds::routes::why_text(&self.page, why))
            .collect()
    }

    /// Whether the page says anything about refunds: paid orders only.
    pub fn shows_refunds(&self) -> bool {
        self.paid()
            && !self
                .refund
                .why
                .contains(&crate::domain::refund::NotEligible::NotPaid)
            || !self.refund.requests.is_empty()
    }

    pub fn request_state_key(&self, state: &klearn_db::RefundRequestState) -> String {
        format!("refunds.request_state.{state}")
    }

    pub fn failure(&self) -> Option<String> {
        self.parts
            .payments
            .iter()
            .rev()
            .find(|p| !p.failure.is_empty())
            .map(|p| format!("orders.failure.{}", p.failure))
    }
}

#[derive(Template)]
#[template(path = "orders/receipt.html")]
pub struct ReceiptView {
    pub page: Page,
    pub parts: OrderParts,
    pub buyer: String,
    pub method_key: &'static str,
}

impl ReceiptView {
    pub fn money(&self, cents: &i64) -> String {
        money(*cents)
    }
}

#[derive(Template)]
#[template(path = "checkout/sandbox.html")]
pub struct SandboxView {
    pub page: Page,
    pub order: Order,
    pub charge: SandboxCharge,
    pub payment_id: klearn_db::PaymentId,
}

impl SandboxView {
    pub fn amount(&self) -> String {
        price_label(self.charge.amount_cents, &self.charge.currency)
    }

    pub fn charge_state_key(&self) -> String {
        format!("sandbox.state.{}", self.charge.state)
    }

    pub fn open(&self) -> bool {
        self.charge.state == "open"
    }
}
