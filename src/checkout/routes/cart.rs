//! `GET /cart`, `POST /cart/items`, `POST /cart/items/{id}/delete`.

use actix_web::{web, HttpResponse};
use klearn_db::courses::Course;
use klearn_db::orders::Cart;
use klearn_db::CourseId;
use serde::Deserialize;

use crate::checkout::cart::Added;
use crate::checkout::views::CartView;
use crate::checkout::{add_to_cart, remove_from_cart, CheckoutError};
use crate::i18n::k;
use crate::web::flash::{Flash, Level};
use crate::web::{call, db, html, redirect_with_flash, AppError, AppState, Page, SignedIn};

pub(super) async fn page(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lines = db(&state.pool, move |conn| Cart::lines(conn, user.id)).await?;
    let payments_ready = state.services.payments.is_some();
    html(&CartView {
        page,
        lines,
        payments_ready,
    })
}

#[derive(Debug, Deserialize)]
pub(super) struct AddForm {
    #[serde(default)]
    course_id: String,
}

pub(super) async fn add(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    form: web::Form<AddForm>,
) -> Result<HttpResponse, AppError> {
    let course: CourseId = form.course_id.parse().map_err(|_| AppError::BadRequest)?;
    let actor = user.actor();
    // Added, or refused with the course's page to tell it on.
    let outcome = call(&state.pool, move |conn| match add_to_cart(conn, &actor, course) {
        Err(CheckoutError::Conflict(key)) => Ok(Err((key, Course::find(conn, course)?.slug))),
        other => other.map(|(added, _)| Ok(added)),
    })
    .await??;
    let (to, flash) = match outcome {
        Ok(Added::Added) => ("/cart".to_string(), Flash::new(Level::Success, k("cart.added"))),
        Ok(Added::AlreadyThere) => (
            "/cart".to_string(),
            Flash::new(Level::Info, k("cart.already_there")),
        ),
        Err((key, slug)) => (format!("/courses/{slug}"), Flash::new(Level::Info, key)),
    };
    Ok(redirect_with_flash(&state.settings, &to, &flash))
}

pub(super) async fn remove(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (item, actor) = (id.into_inner(), user.actor());
    call(&state.pool, move |conn| remove_from_cart(conn, &actor, item)).await??;
    let flash = Flash::new(Level::Info, k("cart.removed"));
    Ok(redirect_with_flash(&state.settings, "/cart", &flash))
}
