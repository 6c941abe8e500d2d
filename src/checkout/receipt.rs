//! The receipt: one mail per paid order, in the learner's language, through
//! the outbox (the printable page is `/orders/{id}/receipt`).

use askama::Template;
use chrono::TimeZone;
use klearn_db::orders::{Order, OrderItem};
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError};

use crate::domain::course::price_label;
use crate::i18n::{Locale, Tr};
use crate::mail::MailTemplate;
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

/// Puts the receipt of a paid order in the outbox, once per order.
pub fn send(
    conn: &mut DbConnection,
    services: &Services,
    order: &Order,
    items: &[OrderItem],
    method_key: &str,
) -> Result<(), DbError> {
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
        method: tr.t(method_key).to_string(),
        url: services
            .settings
            .absolute_url(&format!("/orders/{}/receipt", order.id)),
        tr,
    };
    let outgoing = crate::mail::compose(&buyer.email, &mail)
        .map_err(|e| DbError::Config(format!("receipt mail: {e}")))?;
    crate::mail::enqueue(conn, &outgoing, Some(format!("receipt:{}", order.id)))?;
    Ok(())
}
