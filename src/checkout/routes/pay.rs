//! `GET, POST /checkout` and the sandbox provider's hosted page
//! `GET, POST /pay/sandbox/{payment_id}`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::courses::{Course, CourseCard, CourseState};
use klearn_db::enrollments::Enrollment;
use klearn_db::orders::Cart;
use klearn_db::{CourseId, DbConnection, DbError, PaymentId, UserId};
use serde::Deserialize;

use crate::checkout::sandbox::{charge_of, settle, Outcome};
use crate::checkout::views::{CheckoutView, SandboxView};
use crate::checkout::{place_order, Basket, CheckoutError};
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, db, html, html_with_status, redirect_with_flash, AppError, AppState, Page,
    SignedIn,
};

#[derive(Debug, Default, Deserialize)]
pub(super) struct BasketQuery {
    #[serde(default)]
    course_id: Option<String>,
}

impl BasketQuery {
    /// "Buy now" names one course; otherwise the cart is bought.
    fn basket(&self) -> Result<Basket, AppError> {
        match self.course_id.as_deref().map(str::trim) {
            None | Some("") => Ok(Basket::Cart),
            Some(id) => id.parse().map(Basket::Course).map_err(|_| AppError::BadRequest),
        }
    }
}

/// The courses of a basket as priced now, and the titles of those left out
/// (owned already, or no longer on sale).
fn priced(
    conn: &mut DbConnection,
    buyer: UserId,
    basket: Basket,
) -> Result<(Vec<CourseCard>, Vec<String>), DbError> {
    let cards = match basket {
        Basket::Course(id) => vec![Course::card(conn, id)?],
        Basket::Cart => Cart::lines(conn, buyer)?
            .into_iter()
            .map(|(_, card)| card)
            .collect(),
    };
    let ids: Vec<CourseId> = cards.iter().map(|c| c.course.id).collect();
    let owned = Enrollment::owned_among(conn, buyer, &ids)?;
    let (buyable, left): (Vec<CourseCard>, Vec<CourseCard>) = cards.into_iter().partition(|c| {
        c.course.state == CourseState::Published
            && c.course.price_cents > 0
            && c.course.owner_id != buyer
            && !owned.contains(&c.course.id)
    });
    Ok((buyable, left.into_iter().map(|c| c.course.title).collect()))
}

pub(super) async fn checkout_page(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<BasketQuery>,
) -> Result<HttpResponse, AppError> {
    let basket = query.basket()?;
    let (cards, left_out) = db(&state.pool, move |conn| priced(conn, user.id, basket)).await?;
    let course_id = match basket {
        Basket::Course(id) => Some(id),
        Basket::Cart => None,
    };
    let payments_ready = state.services.payments.is_some();
    html(&CheckoutView {
        page,
        cards,
        course_id,
        left_out,
        payments_ready,
        problem: None,
    })
}

pub(super) async fn place(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    form: web::Form<BasketQuery>,
) -> Result<HttpResponse, AppError> {
    let basket = form.basket()?;
    let (services, actor, buyer) = (state.services.clone(), user.actor(), user.id);
    // Placed, or refused with the basket to show again.
    let outcome = call(&state.pool, move |conn| {
        match place_order(conn, &services, &actor, basket) {
            Ok(placed) => Ok(Ok(placed)),
            Err(CheckoutError::Unavailable {}) => {
                Ok(Err(("checkout.unavailable", priced(conn, buyer, basket)?)))
            }
            Err(CheckoutError::Conflict(key)) => Ok(Err((key, priced(conn, buyer, basket)?))),
            Err(e) => Err(e),
        }
    })
    .await??;
    let (key, (cards, left_out)) = match outcome {
        Ok(placed) => {
            let to = placed
                .pay_url
                .unwrap_or_else(|| format!("/orders/{}", placed.order.id));
            return Ok(plumbing::redirect(&to));
        }
        Err(refused) => refused,
    };
    let course_id = match basket {
        Basket::Course(id) => Some(id),
        Basket::Cart => None,
    };
    let payments_ready = state.services.payments.is_some();
    let problem = Some(page.t(key).to_string());
    let view = CheckoutView {
        page,
        cards,
        course_id,
        left_out,
        payments_ready,
        problem,
    };
    html_with_status(StatusCode::CONFLICT, &view)
}

pub(super) async fn sandbox_page(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PaymentId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let (_, order, charge) = call(&state.pool, move |conn| charge_of(conn, &actor, id)).await??;
    html(&SandboxView {
        page,
        order,
        charge,
        payment_id: id,
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct SettleForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

pub(super) async fn sandbox_settle(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<PaymentId>,
    form: web::Form<SettleForm>,
) -> Result<HttpResponse, AppError> {
    let outcome = Outcome::parse(&form.outcome, &form.reason).ok_or(AppError::BadRequest)?;
    let (id, actor) = (id.into_inner(), user.actor());
    // Settled (back to the order), or settled before (told on the order).
    let settled = call(&state.pool, move |conn| match settle(conn, &actor, id, outcome) {
        Ok((order, _)) => Ok(Ok(order)),
        Err(CheckoutError::Conflict(key)) => Ok(Err((key, charge_of(conn, &actor, id)?.1.id))),
        Err(e) => Err(e),
    })
    .await??;
    match settled {
        Ok(order) => Ok(plumbing::redirect(&format!("/orders/{order}"))),
        Err((key, order)) => {
            let flash = Flash::new(Level::Info, key);
            Ok(redirect_with_flash(
                &state.settings,
                &format!("/orders/{order}"),
                &flash,
            ))
        }
    }
}
