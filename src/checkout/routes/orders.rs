//! `GET /orders`, `/orders/{id}` and `/orders/{id}/receipt`: the owner's
//! alone; anyone else's id is 404.

use actix_web::{web, HttpResponse};
use klearn_db::orders::{Order, Payment, Refund};
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, OrderId, UserId};
use serde::Deserialize;

use crate::checkout::views::{OrderParts, OrderView, OrdersView, ReceiptView, RefundForm};
use crate::web::pager::{page_number, Pager};
use crate::web::{db, html, AppError, AppState, Page, SignedIn};

const PER_PAGE: i64 = 20;

#[derive(Debug, Deserialize)]
pub(super) struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

pub(super) async fn list(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = page_number(query.page.as_deref());
    let (orders, total, points_balance) = db(&state.pool, move |conn| {
        let (orders, total) = Order::list_for_user(conn, user.id, wanted, PER_PAGE)?;
        let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
        let items = Order::items_of(conn, &ids)?;
        let orders = orders
            .into_iter()
            .map(|o| {
                let own = items.iter().filter(|i| i.order_id == o.id).cloned().collect();
                (o, own)
            })
            .collect();
        Ok((orders, total, klearn_db::points::Points::balance(conn, user.id)?))
    })
    .await?;
    let pager = Pager::new(wanted, PER_PAGE, total, &[]);
    html(&OrdersView {
        page,
        orders,
        pager,
        points_balance,
    })
}

impl OrderParts {
    /// One order of `user` with its items, payments and refunds.
    pub fn load(conn: &mut DbConnection, id: OrderId, user: Option<UserId>) -> Result<OrderParts, DbError> {
        let order = match user {
            Some(user) => Order::find_owned(conn, id, user)?,
            None => Order::find(conn, id)?,
        };
        let items = Order::items(conn, id)?;
        let ids: Vec<_> = items.iter().map(|i| i.course_id).collect();
        Ok(OrderParts {
            slugs: klearn_db::courses::Course::slugs(conn, &ids)?,
            items,
            payments: Payment::for_order(conn, id)?,
            refunds: Refund::for_order(conn, id)?,
            order,
        })
    }
}

pub(super) async fn show(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<OrderId>,
) -> Result<HttpResponse, AppError> {
    let view = order_view(page, &state, user.id, id.into_inner(), RefundForm::default()).await?;
    html(&view)
}

/// The owner's order page, with the refund form as it was sent (its
/// problems and text) when it comes back.
pub async fn order_view(
    page: Page,
    state: &AppState,
    user: UserId,
    id: OrderId,
    refund_form: RefundForm,
) -> Result<OrderView, AppError> {
    let (parts, refund) = db(&state.pool, move |conn| {
        let parts = OrderParts::load(conn, id, Some(user))?;
        let refund = crate::refunds::eligibility(conn, &parts.order, klearn_db::now())?;
        Ok((parts, refund))
    })
    .await?;
    let pay_url = match (&state.services.payments, parts.payments.last()) {
        (Some(provider), Some(payment)) if parts.order.state == klearn_db::OrderState::Pending => {
            Some(provider.pay_url(&state.settings, payment))
        }
        _ => None,
    };
    Ok(OrderView {
        page,
        parts,
        pay_url,
        refund,
        refund_form,
    })
}

pub(super) async fn receipt(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<OrderId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (parts, buyer) = db(&state.pool, move |conn| {
        let parts = OrderParts::load(conn, id, Some(user.id))?;
        Ok((parts, User::find(conn, user.id)?.shown_name().to_string()))
    })
    .await?;
    // Only a paid order has a receipt.
    if parts.order.paid_at.is_none() {
        return Err(AppError::NotFound);
    }
    let method_key = match &state.services.payments {
        Some(p) if !parts.payments.is_empty() => p.method_key(),
        _ => "orders.method.none",
    };
    html(&ReceiptView {
        page,
        parts,
        buyer,
        method_key,
    })
}
