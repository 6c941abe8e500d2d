//! The receipt: one mail per paid order, in the learner's language, by a
//! job queued with the payment (the printable page is `/orders/{id}/receipt`).

use askama::Template;
use chrono::TimeZone;
use klearn_db::jobs::Job;
use klearn_db::orders::Order;
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, OrderId};
use serde::{Deserialize, Serialize};

use crate::domain::course::price_label;
use crate::i18n::{Locale, Tr};
use crate::jobs::{new_job, JobContext, JobKind};
use crate::mail::{MailTemplate, OutgoingMail};
use crate::services::Services;

pub struct ReceiptMail {
    pub tr: Tr,
    pub name: String,
    pub number: String,
    /// When it was paid, in the site's time zone.
    pub date: String,
    /// (title, amount) of each item.
    pub items: Vec<(String, String)>,
    pub total: String,
    pub method: String,
    pub url: String,
}

impl ReceiptMail {
    pub fn greeting(&self) -> String {
        self.tr.tf("mail.greeting", &[("name", &self.name)])
    }
}

#[derive(Template)]
#[template(path = "emails/receipt.txt")]
struct Text<'a> {
    m: &'a ReceiptMail,
}

#[derive(Template)]
#[template(path = "emails/receipt.html")]
struct Html<'a> {
    m: &'a ReceiptMail,
}

impl MailTemplate for ReceiptMail {
    fn subject(&self) -> String {
        self.tr.t1("mail.receipt.subject", "number", &self.number)
    }

    fn text(&self) -> Result<String, askama::Error> {
        Text { m: self }.render()
    }

    fn html(&self) -> Result<String, askama::Error> {
        Html { m: self }.render()
    }
}

/// Queues the receipt of a paid order, once per order (the job's dedupe
/// key); it is written when it is sent, so that the paying transaction stays
/// short. `method_key` names how it was paid.
pub fn queue(conn: &mut DbConnection, order: OrderId, method_key: &str) -> Result<(), DbError> {
    let job = new_job(&SendReceipt {
        order,
        method_key: method_key.to_string(),
    })?
    .dedupe_key(format!("receipt:{order}"));
    Job::enqueue(conn, &job)?;
    Ok(())
}

/// The receipt mail of a paid order, in the buyer's language.
fn compose(conn: &mut DbConnection, services: &Services, job: &SendReceipt) -> Result<OutgoingMail, DbError> {
    let order = Order::find(conn, job.order)?;
    let items = Order::items(conn, order.id)?;
    let buyer = User::find(conn, order.user_id)?;
    let tr = Tr::new(
        services.i18n.clone(),
        Locale::parse(&buyer.locale).unwrap_or(Locale::ZhCn),
    );
    let paid_at = order.paid_at.unwrap_or_else(klearn_db::now);
    let date = services
        .settings
        .timezone
        .from_utc_datetime(&paid_at)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let mail = ReceiptMail {
        name: buyer.shown_name().to_string(),
        number: order.number().to_string(),
        date,
        items: items
            .iter()
            .map(|i| (i.title.clone(), price_label(i.paid_cents, &order.currency)))
            .collect(),
        total: price_label(order.total_cents, &order.currency),
        method: tr.t(&job.method_key).to_string(),
        url: services
            .settings
            .absolute_url(&format!("/orders/{}/receipt", order.id)),
        tr,
    };
    crate::mail::compose(&buyer.email, &mail).map_err(|e| DbError::Config(format!("receipt mail: {e}")))
}

/// Writes and sends one order's receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendReceipt {
    pub order: OrderId,
    pub method_key: String,
}

impl JobKind for SendReceipt {
    const NAME: &'static str = "send_receipt";

    async fn run(self, ctx: JobContext) -> anyhow::Result<()> {
        let services = ctx.services.clone();
        let job = self.clone();
        let mail = ctx.db(move |conn| Ok(compose(conn, &services, &job)?)).await?;
        ctx.mailer.send(&mail).await
    }
}
