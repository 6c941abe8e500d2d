//! Refund pages: the learner's request (`POST /orders/{id}/refund-request`,
//! the owner's alone: anyone else's order is 404), and the admins' refund
//! (`POST /admin/orders/{id}/refund`, optional repeated `item_ids`) and
//! decline (`POST /admin/refund-requests/{id}/decline`, `reason`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::{OrderId, OrderItemId, RefundRequestId};
use serde::Deserialize;

use super::{RefundError, RefundOrder, Refunding};
use crate::admin::orders::{admin_order_view, DeclineForm};
use crate::checkout::routes::orders::order_view;
use crate::checkout::views::RefundForm;
use crate::domain::refund::NotEligible;
use crate::i18n::k;
use crate::web::auth::Admin;
use crate::web::flash::{Flash, Level};
use crate::web::{
    call, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page, SignedIn,
};

/// The longest reason kept, in characters.
const REASON_MAX: usize = 2000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/orders/{id}/refund-request").route(web::post().to(request)))
        .service(web::resource("/admin/orders/{id}/refund").route(web::post().to(refund)))
        .service(web::resource("/admin/refund-requests/{id}/decline").route(web::post().to(decline)));
}

/// A reason the order does not qualify, as the page says it.
pub fn why_text(page: &Page, why: &NotEligible) -> String {
    match why {
        NotEligible::TooMuchOpened { title, opened, total } => page.tf(
            why.key(),
            &[
                ("course", title),
                ("opened", &opened.to_string()),
                ("total", &total.to_string()),
            ],
        ),
        other => page.t(other.key()).to_string(),
    }
}

/// A reason typed in a form: required, at most `REASON_MAX` characters.
fn reason(page: &Page, errors: &mut FieldErrors, typed: &str, required_key: &'static str) -> Option<String> {
    let reason = typed.trim();
    if reason.is_empty() {
        errors.add(&page.tr, "reason", required_key);
        return None;
    }
    if reason.chars().count() > REASON_MAX {
        errors.add(&page.tr, "reason", "refunds.error.reason_long");
        return None;
    }
    Some(reason.to_string())
}

#[derive(Debug, Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn request(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<OrderId>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let status = match reason(&page, &mut errors, &form.reason, "refunds.error.reason_required") {
        Some(reason) => {
            let actor = user.actor();
            match call(&state.pool, move |conn| {
                super::request_refund(conn, &actor, id, &reason)
            })
            .await?
            {
                Ok(_) => {
                    let flash = Flash::new(Level::Success, k("refunds.requested"));
                    return Ok(redirect_with_flash(
                        &state.settings,
                        &format!("/orders/{id}"),
                        &flash,
                    ));
                }
                // The page shows every reason the order does not qualify.
                Err(RefundError::NotEligible { .. }) => StatusCode::CONFLICT,
                Err(e) => return Err(e.into()),
            }
        }
        None => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let refund_form = RefundForm {
        errors,
        reason: form.reason.clone(),
    };
    let view = order_view(page, &state, user.id, id, refund_form).await?;
    html_with_status(status, &view)
}

/// `item_ids` repeated in the form body; none: everything not refunded yet.
fn item_ids(body: &[u8]) -> Result<Vec<OrderItemId>, AppError> {
    let mut ids = Vec::new();
    for (_, value) in url::form_urlencoded::parse(body).filter(|(k, _)| k == "item_ids") {
        let id: OrderItemId = value.parse().map_err(|_| AppError::BadRequest)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

async fn refund(
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<OrderId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let order = id.into_inner();
    let request = RefundOrder {
        order,
        items: item_ids(&body)?,
    };
    let (services, actor) = (state.services.clone(), admin.actor());
    let flash = match call(&state.pool, move |conn| {
        super::refund(conn, &services, &actor, &request)
    })
    .await?
    {
        Ok(Refunding::Sent { .. }) => Flash::new(Level::Success, k("refunds.sent")),
        Ok(Refunding::Done) => Flash::new(Level::Success, k("refunds.done")),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(
        &state.settings,
        &format!("/admin/orders/{order}"),
        &flash,
    ))
}

async fn decline(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<RefundRequestId>,
    form: web::Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let typed = reason(
        &page,
        &mut errors,
        &form.reason,
        "refunds.error.decline_reason_required",
    );
    let (services, actor) = (state.services.clone(), admin.actor());
    let outcome = call(&state.pool, move |conn| match typed {
        Some(reason) => super::decline(conn, &services, &actor, id, &reason).map(Ok),
        None => Ok(Err(klearn_db::refunds::RefundRequest::find(conn, id)?.order_id)),
    })
    .await??;
    let order = match outcome {
        Ok(order) => {
            let flash = Flash::new(Level::Success, k("refunds.declined"));
            return Ok(redirect_with_flash(
                &state.settings,
                &format!("/admin/orders/{order}"),
                &flash,
            ));
        }
        Err(order) => order,
    };
    let form = DeclineForm {
        errors,
        reason: form.reason.clone(),
    };
    let view = admin_order_view(page, &state, order, form).await?;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
