//! The payment provider interface: one trait that every provider (the
//! built-in sandbox, a real one later) implements, and the events it sends.

use std::sync::Arc;

use klearn_db::orders::{Order, Payment};
use klearn_db::{DbConnection, DbError};
use serde::{Deserialize, Serialize};

use super::signature::SignatureError;
use crate::config::Settings;

/// What a provider's event says happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "payment.succeeded")]
    Succeeded,
    #[serde(rename = "payment.failed")]
    Failed,
    #[serde(rename = "payment.cancelled")]
    Cancelled,
    #[serde(rename = "refund.succeeded")]
    Refunded,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Succeeded => "payment.succeeded",
            EventKind::Failed => "payment.failed",
            EventKind::Cancelled => "payment.cancelled",
            EventKind::Refunded => "refund.succeeded",
        }
    }
}

/// A provider's event, verified and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderEvent {
    /// The provider's id of the event: one row each, so that a repeat does nothing.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The provider's reference of the payment.
    pub payment: String,
    /// The payment's amount (for a refund, the amount given back).
    pub amount: i64,
    pub currency: String,
    /// Why a payment failed, or why money went back.
    #[serde(default)]
    pub reason: String,
}

/// Why a webhook was refused (4xx, logged, nothing changed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    Signature(SignatureError),
    Malformed(String),
}

/// A payment provider.
pub trait PaymentProvider: Send + Sync {
    /// Its name in URLs (`/webhooks/payments/{name}`) and in the payments table.
    fn name(&self) -> &'static str;

    /// Opens the provider's payment for `payment` (of `order`), in the
    /// caller's transaction; returns the provider's reference for it.
    fn open(&self, conn: &mut DbConnection, order: &Order, payment: &Payment) -> Result<String, DbError>;

    /// Where the payer goes to pay.
    fn pay_url(&self, settings: &Settings, payment: &Payment) -> String;

    /// Checks a webhook's signature over its raw body, then reads it.
    fn verify_webhook(
        &self,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<ProviderEvent, WebhookError>;

    /// Asks the provider to give back `amount` of a succeeded payment, in
    /// the caller's transaction; it confirms later with a `refund.succeeded`
    /// event. Returns the provider's reference of the refund.
    fn refund(
        &self,
        conn: &mut DbConnection,
        payment: &Payment,
        amount: i64,
        reason: &str,
    ) -> Result<String, DbError>;

    /// How the receipt names the payment method, as a translation key.
    fn method_key(&self) -> &'static str;
}

/// The provider configured by KLEARN_PAYMENTS, if any.
pub fn configured(settings: &Settings) -> anyhow::Result<Option<Arc<dyn PaymentProvider>>> {
    match settings.payments.as_deref() {
        None => Ok(None),
        Some("sandbox") => {
            anyhow::ensure!(
                !settings.payment_webhook_secret.is_empty(),
                "KLEARN_PAYMENT_WEBHOOK_SECRET is required with PostgreSQL when payments are on"
            );
            Ok(Some(Arc::new(super::sandbox::Sandbox::new(
                settings.payment_webhook_secret.clone(),
            ))))
        }
        Some(other) => anyhow::bail!("unknown payment provider {other:?}"),
    }
}
