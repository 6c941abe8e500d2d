//! The built-in `sandbox` provider, which behaves like a real one: it keeps
//! its own charges, shows a hosted page where the payer pays, fails or
//! cancels (`/pay/sandbox/{payment_id}`), and tells Klearn what happened by
//! a signed webhook, delivered by a job with retries, at least once and in
//! no promised order. Refunds are confirmed the same way.

use klearn_db::orders::{Order, Payment, SandboxCharge};
use klearn_db::{write_tx, DbConnection, DbError, OrderId, PaymentId};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::provider::{EventKind, PaymentProvider, ProviderEvent, WebhookError};
use super::signature;
use super::CheckoutError;
use crate::config::Settings;
use crate::domain::actor::Actor;
use crate::jobs::{JobContext, JobKind};

pub struct Sandbox {
    secret: Vec<u8>,
}

impl Sandbox {
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }
}

fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", hex::encode(bytes))
}

/// Sends an event to Klearn's webhook, as the provider would.
fn announce(conn: &mut DbConnection, event: &ProviderEvent) -> Result<(), DbError> {
    let body = serde_json::to_string(event).map_err(|e| DbError::Config(format!("sandbox event: {e}")))?;
    crate::jobs::enqueue(conn, &DeliverEvent { body })?;
    Ok(())
}

impl PaymentProvider for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn open(&self, conn: &mut DbConnection, order: &Order, payment: &Payment) -> Result<String, DbError> {
        let reference = random_id("sbx");
        SandboxCharge::create(conn, &reference, payment.id, order.total_cents, &order.currency)?;
        Ok(reference)
    }

    fn pay_url(&self, _settings: &Settings, payment: &Payment) -> String {
        format!("/pay/sandbox/{}", payment.id)
    }

    fn verify_webhook(
        &self,
        header: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<ProviderEvent, WebhookError> {
        signature::verify(&self.secret, header, body, now).map_err(WebhookError::Signature)?;
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))
    }

    fn refund(
        &self,
        conn: &mut DbConnection,
        payment: &Payment,
        amount: i64,
        reason: &str,
    ) -> Result<String, DbError> {
        let charge = SandboxCharge::find_by_reference(conn, &payment.provider_ref)?;
        if !SandboxCharge::refund(conn, charge.id, amount)? {
            return Err(DbError::Config(format!(
                "sandbox: cannot refund {amount} of {}",
                payment.provider_ref
            )));
        }
        let reference = random_id("re");
        announce(
            conn,
            &ProviderEvent {
                id: random_id("evt"),
                kind: EventKind::Refunded,
                payment: payment.provider_ref.clone(),
                amount,
                currency: payment.currency.clone(),
                reason: reason.to_string(),
            },
        )?;
        Ok(reference)
    }

    fn method_key(&self) -> &'static str {
        "orders.method.sandbox"
    }
}

/// What the payer chose on the hosted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pay,
    /// The card was declined, or the account had too little.
    Fail(&'static str),
    Cancel,
}

impl Outcome {
    /// `success`, `fail` (with `reason`: `card_declined`, `insufficient_funds`) or `cancel`.
    pub fn parse(outcome: &str, reason: &str) -> Option<Outcome> {
        match (outcome, reason) {
            ("success", _) => Some(Outcome::Pay),
            ("cancel", _) => Some(Outcome::Cancel),
            ("fail", "insufficient_funds") => Some(Outcome::Fail("insufficient_funds")),
            ("fail", _) => Some(Outcome::Fail("card_declined")),
            _ => None,
        }
    }
}

/// The hosted page's payment: the payer's alone (anyone else: `NotFound`).
pub fn charge_of(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: PaymentId,
) -> Result<(Payment, Order, SandboxCharge), CheckoutError> {
    let payment = Payment::find(conn, payment)?;
    let order = Order::find(conn, payment.order_id)?;
    if !actor.is(order.user_id) || payment.provider != "sandbox" {
        return Err(CheckoutError::NotFound);
    }
    let charge = SandboxCharge::find_by_reference(conn, &payment.provider_ref)?;
    Ok((payment, order, charge))
}

/// The payer's choice on the hosted page: the charge is settled once, and
/// the provider tells Klearn by webhook. Returns the order to go back to,
/// and the event on its way.
pub fn settle(
    conn: &mut DbConnection,
    actor: &Actor,
    payment: PaymentId,
    outcome: Outcome,
) -> Result<(OrderId, ProviderEvent), CheckoutError> {
    write_tx(conn, |conn| {
        let (payment, order, charge) = charge_of(conn, actor, payment)?;
        let (state, kind, reason) = match outcome {
            Outcome::Pay => ("succeeded", EventKind::Succeeded, ""),
            Outcome::Fail(reason) => ("failed", EventKind::Failed, reason),
            Outcome::Cancel => ("cancelled", EventKind::Cancelled, ""),
        };
        if !SandboxCharge::settle(conn, charge.id, state)? {
            return Err(CheckoutError::Conflict("sandbox.already_settled"));
        }
        let event = ProviderEvent {
            id: random_id("evt"),
            kind,
            payment: payment.provider_ref.clone(),
            amount: charge.amount_cents,
            currency: charge.currency.clone(),
            reason: reason.to_string(),
        };
        announce(conn, &event)?;
        Ok((order.id, event))
    })
}

/// The events the sandbox has queued and not delivered yet, oldest first:
/// the demo loader handles a refund's confirmation at once, as it does a
/// payment's (the webhook's own delivery later finds it done).
pub fn waiting_events(conn: &mut DbConnection) -> Result<Vec<ProviderEvent>, DbError> {
    let jobs = klearn_db::jobs::Job::list_by_status(conn, klearn_db::jobs::PENDING, 1000)?;
    let mut events = Vec::new();
    for job in jobs.iter().filter(|j| j.kind == DeliverEvent::NAME) {
        let delivery: DeliverEvent =
            serde_json::from_str(&job.payload).map_err(|e| DbError::Config(format!("sandbox job: {e}")))?;
        let event: ProviderEvent = serde_json::from_str(&delivery.body)
            .map_err(|e| DbError::Config(format!("sandbox event: {e}")))?;
        events.push(event);
    }
    Ok(events)
}

/// Delivers one event to Klearn's webhook, signed at the moment it is sent;
/// anything but a 2xx answer is retried with backoff.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliverEvent {
    pub body: String,
}

impl JobKind for DeliverEvent {
    const NAME: &'static str = "sandbox_deliver_event";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let settings = &ctx.services.settings;
        let url = settings.absolute_url("/webhooks/payments/sandbox");
        let header = signature::sign(
            &settings.payment_webhook_secret,
            chrono::Utc::now().timestamp(),
            self.body.as_bytes(),
        );
        let res = ctx
            .http
            .post(&url)
            .header("Klearn-Signature", header)
            .header("Content-Type", "application/json")
            .body(self.body)
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "the webhook answered {}", res.status());
        Ok(())
    }
}
