//! `GET /admin/orders` and `/admin/orders/{id}`: every order, filtered by
//! state and date and found by number or buyer, with the refund requests
//! waiting; one order with its payments, the provider's events as they
//! arrived, its refund requests and the refund forms (handled by the
//! refunds area's routes).

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, TimeZone};
use klearn_db::orders::{Order, OrderFilter, PaymentEvent};
use klearn_db::refunds::RefundRequest;
use klearn_db::users::User;
use klearn_db::{OrderId, OrderState, PaymentId};
use serde::Deserialize;

use crate::admin::views::{AdminNav, AdminOrderView, AdminOrdersView};
use crate::admin::Pager;
use crate::checkout::views::OrderParts;
use crate::web::auth::Moderator;
use crate::web::pager::page_number;
use crate::web::{self as plumbing, html, AppError, AppState, FieldErrors, Page};

const PER_PAGE: i64 = 30;

/// How many waiting refund requests the list shows.
const REQUESTS_SHOWN: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/orders").route(web::get().to(list)))
        .service(web::resource("/admin/orders/{id}").route(web::get().to(show)));
}

#[derive(Debug, Default, Deserialize)]
struct OrdersQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
}

/// The filter as typed, and what it means (a date that does not read is
/// said so on its field, and not applied).
struct Typed {
    state: String,
    from: String,
    to: String,
    q: String,
}

impl OrdersQuery {
    fn filter(
        &self,
        tz: chrono_tz::Tz,
        tr: &crate::i18n::Tr,
        errors: &mut FieldErrors,
    ) -> (Typed, OrderFilter) {
        let clip = |s: &str| s.trim().chars().take(64).collect::<String>();
        let typed = Typed {
            state: clip(&self.state),
            from: clip(&self.from),
            to: clip(&self.to),
            q: clip(&self.q),
        };
        // A day in the site's time zone, from its midnight (`to` includes its day).
        let mut day = |field: &'static str, text: &str, next: bool| {
            if text.is_empty() {
                return None;
            }
            let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
                errors.add(tr, field, "admin.orders.bad_date");
                return None;
            };
            let date = if next { date.succ_opt()? } else { date };
            let midnight = date.and_hms_opt(0, 0, 0)?;
            tz.from_local_datetime(&midnight)
                .earliest()
                .map(|t| t.naive_utc())
        };
        let filter = OrderFilter {
            state: OrderState::parse(&typed.state),
            since: day("from", &typed.from, false),
            until: day("to", &typed.to, true),
            q: (!typed.q.is_empty()).then(|| typed.q.clone()),
        };
        (typed, filter)
    }
}

async fn list(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<OrdersQuery>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let (typed, filter) = query.filter(state.settings.timezone, &page.tr, &mut errors);
    let wanted = page_number(query.page.as_deref());
    let ((rows, total), requests) = plumbing::db(&state.pool, move |conn| {
        Ok((
            Order::search(conn, &filter, wanted, PER_PAGE)?,
            RefundRequest::pending(conn, REQUESTS_SHOWN)?,
        ))
    })
    .await?;
    let keep = [
        ("state", typed.state.as_str()),
        ("from", typed.from.as_str()),
        ("to", typed.to.as_str()),
        ("q", typed.q.as_str()),
    ];
    let pager = Pager::new(wanted, PER_PAGE, total, &keep);
    html(&AdminOrdersView {
        page,
        nav: AdminNav {
            current: "/admin/orders",
        },
        states: OrderState::ALL.to_vec(),
        state: typed.state,
        from: typed.from,
        to: typed.to,
        q: typed.q,
        errors,
        rows,
        pager,
        requests,
    })
}

async fn show(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    id: web::Path<OrderId>,
) -> Result<HttpResponse, AppError> {
    let view = admin_order_view(page, &state, id.into_inner(), DeclineForm::default()).await?;
    html(&view)
}

/// The decline form's problems and text, when it comes back.
#[derive(Debug, Default)]
pub struct DeclineForm {
    pub errors: FieldErrors,
    pub reason: String,
}

/// One order as its admin page shows it.
pub async fn admin_order_view(
    page: Page,
    state: &AppState,
    id: OrderId,
    decline: DeclineForm,
) -> Result<AdminOrderView, AppError> {
    let (parts, buyer, events, refund) = plumbing::db(&state.pool, move |conn| {
        let parts = OrderParts::load(conn, id, None)?;
        let buyer = User::find(conn, parts.order.user_id)?;
        let payments: Vec<PaymentId> = parts.payments.iter().map(|p| p.id).collect();
        let events = PaymentEvent::for_payments(conn, &payments)?;
        let refund = crate::refunds::eligibility(conn, &parts.order, klearn_db::now())?;
        Ok((parts, buyer, events, refund))
    })
    .await?;
    let claimed = refund.claimed.clone();
    Ok(AdminOrderView {
        page,
        nav: AdminNav {
            current: "/admin/orders",
        },
        parts,
        buyer,
        events,
        refund,
        claimed,
        decline,
    })
}
