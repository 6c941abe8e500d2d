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
use crate::checkout::{place_order_with, preview, Basket, CheckoutError, Placed, Quote, Redemption};
use crate::domain::actor::Actor;
use crate::i18n::k;
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page, SignedIn,
};

#[derive(Debug, Default, Deserialize)]
pub(super) struct BasketQuery {
    #[serde(default)]
    course_id: Option<String>,
}

impl BasketQuery {
    /// "Buy now" names one course; otherwise the cart is bought.
    fn basket(&self) -> Result<Basket, AppError> {
        basket_of(self.course_id.as_deref())
    }
}

fn basket_of(course_id: Option<&str>) -> Result<Basket, AppError> {
    match course_id.map(str::trim) {
        None | Some("") => Ok(Basket::Cart),
        Some(id) => id.parse().map(Basket::Course).map_err(|_| AppError::BadRequest),
    }
}

/// The checkout form: the basket, a coupon code, points, and which button
/// (`preview` recomputes the totals; otherwise the order is placed).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CheckoutForm {
    #[serde(default)]
    course_id: Option<String>,
    #[serde(default)]
    coupon_code: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    preview: Option<String>,
}

/// Points as typed: empty is none; otherwise a whole number, not negative.
fn parse_points(input: &str) -> Result<i64, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(0);
    }
    match s.parse::<i64>() {
        Ok(n) if (0..=1_000_000_000).contains(&n) => Ok(n),
        _ => Err("redeem.points_invalid"),
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

/// What the checkout page shows: the basket, and its price with
/// `redemption` (at list price when it is refused; none when nothing can be
/// bought).
struct Shown {
    cards: Vec<CourseCard>,
    left_out: Vec<String>,
    quote: Option<Quote>,
}

fn shown(
    conn: &mut DbConnection,
    actor: &Actor,
    basket: Basket,
    redemption: &Redemption,
) -> Result<(Shown, Option<CheckoutError>), CheckoutError> {
    let buyer = actor.user_id().ok_or(CheckoutError::NotFound)?;
    let (cards, left_out) = priced(conn, buyer, basket)?;
    let (quote, refusal) = match preview(conn, actor, basket, redemption) {
        Ok(quote) => (Some(quote), None),
        Err(CheckoutError::Db(e)) => return Err(CheckoutError::Db(e)),
        Err(refused) => (
            preview(conn, actor, basket, &Redemption::default()).ok(),
            Some(refused),
        ),
    };
    let shown = Shown {
        cards,
        left_out,
        quote,
    };
    Ok((shown, refusal))
}

impl CheckoutView {
    fn new(page: Page, state: &AppState, basket: Basket, shown: Shown) -> CheckoutView {
        CheckoutView {
            page,
            cards: shown.cards,
            course_id: match basket {
                Basket::Course(id) => Some(id),
                Basket::Cart => None,
            },
            left_out: shown.left_out,
            payments_ready: state.services.payments.is_some(),
            quote: shown.quote,
            problem: None,
            errors: FieldErrors::new(),
            coupon_code: String::new(),
            points: String::new(),
            applied: false,
        }
    }

    /// Shows a refusal: next to its field, or above the form.
    fn refused(&mut self, refusal: CheckoutError) -> StatusCode {
        let tr = &self.page.tr;
        match refusal {
            CheckoutError::Invalid { field, key } => self.errors.add(tr, field, key),
            CheckoutError::TooManyPoints { max, balance } => {
                let (key, name, value) = if self.points.trim().parse::<i64>().unwrap_or(0) > balance {
                    (k("redeem.points_over_balance"), "balance", balance)
                } else {
                    (k("redeem.points_over_cap"), "max", max)
                };
                self.errors.add_text("points", tr.t1(key, name, value));
            }
            CheckoutError::Conflict(key) | CheckoutError::Forbidden(key) => {
                self.problem = Some(tr.t(key).to_string());
                return StatusCode::CONFLICT;
            }
            CheckoutError::Unavailable {} => {
                self.problem = Some(tr.t("checkout.unavailable").to_string());
                return StatusCode::CONFLICT;
            }
            _ => self.problem = Some(tr.t("redeem.failed").to_string()),
        }
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

pub(super) async fn checkout_page(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    query: web::Query<BasketQuery>,
) -> Result<HttpResponse, AppError> {
    let (basket, actor) = (query.basket()?, user.actor());
    let none = Redemption::default();
    let (shown, _) = call(&state.pool, move |conn| shown(conn, &actor, basket, &none)).await??;
    html(&CheckoutView::new(page, &state, basket, shown))
}

/// What the checkout form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// "Pay": place the order.
    Place,
    /// "Apply": the totals recalculated with the code and points.
    Preview,
    /// The form did not read: the page again, at list price.
    Nothing,
}

/// Places the order, or says what the page shows instead: the basket
/// priced (with the code and points when they apply) and the refusal.
fn attempt(
    conn: &mut DbConnection,
    services: &crate::services::Services,
    actor: &Actor,
    basket: Basket,
    asked: Asked,
    redemption: Redemption,
) -> Result<Result<Placed, (Shown, Option<CheckoutError>)>, CheckoutError> {
    let redemption = match asked {
        Asked::Place => match place_order_with(conn, services, actor, basket, &redemption) {
            Ok(placed) => return Ok(Ok(placed)),
            Err(CheckoutError::Db(e)) => return Err(CheckoutError::Db(e)),
            Err(refused) => {
                let (shown, _) = shown(conn, actor, basket, &Redemption::default())?;
                return Ok(Err((shown, Some(refused))));
            }
        },
        Asked::Preview => redemption,
        Asked::Nothing => Redemption::default(),
    };
    Ok(Err(shown(conn, actor, basket, &redemption)?))
}

pub(super) async fn place(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    form: web::Form<CheckoutForm>,
) -> Result<HttpResponse, AppError> {
    let basket = basket_of(form.course_id.as_deref())?;
    let mut errors = FieldErrors::new();
    let points = errors.check(&page.tr, "points", parse_points(&form.points));
    let redemption = Redemption {
        coupon_code: form.coupon_code.trim().chars().take(64).collect(),
        points: points.unwrap_or(0),
    };
    let asked = match (errors.is_empty(), form.preview.is_some()) {
        (false, _) => Asked::Nothing,
        (true, true) => Asked::Preview,
        (true, false) => Asked::Place,
    };
    let (services, actor) = (state.services.clone(), user.actor());
    let outcome = call(&state.pool, move |conn| {
        attempt(conn, &services, &actor, basket, asked, redemption)
    })
    .await??;
    let (shown, refusal) = match outcome {
        Ok(placed) => {
            let to = placed
                .pay_url
                .unwrap_or_else(|| format!("/orders/{}", placed.order.id));
            return Ok(plumbing::redirect(&to));
        }
        Err(again) => again,
    };
    let mut view = CheckoutView::new(page, &state, basket, shown);
    (view.errors, view.coupon_code, view.points) = (errors, form.coupon_code.clone(), form.points.clone());
    view.applied = asked == Asked::Preview && refusal.is_none();
    let status = match refusal {
        Some(refusal) => view.refused(refusal),
        None if view.errors.is_empty() => StatusCode::OK,
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    html_with_status(status, &view)
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
