//! `POST /admin/users/{id}/points`: an admin grants or deducts points with
//! a reason, from the member's admin page (which shows the balance and the
//! latest ledger rows).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::UserId;
use serde::Deserialize;

use super::{
    adjust_points, parse_amount, parse_reason, request_key, request_key_ok, Adjusted, Adjustment, PointsError,
};
use crate::admin::users::{UserExtras, UserPage};
use crate::admin::views::UserView;
use crate::i18n::{k, Tr};
use crate::web::auth::Admin;
use crate::web::flash::{Flash, Level};
use crate::web::{call, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/users/{id}/points").route(web::post().to(adjust)));
}

/// How a ledger row's reason reads, as a translation key.
pub fn reason_key(reason: &str) -> &'static str {
    match reason {
        "admin.grant" => k("points.reason.admin_grant"),
        "admin.deduct" => k("points.reason.admin_deduct"),
        "order.points" => k("points.reason.order"),
        "order.points_returned" => k("points.reason.order_returned"),
        "order.points_late" => k("points.reason.order_late"),
        _ => k("points.reason.other"),
    }
}

#[derive(Debug, Deserialize)]
struct PointsForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    request_key: String,
}

impl PointsForm {
    /// The adjustment asked for, or the fields' problems in `errors`. A
    /// request key the site did not make is replaced by a new one.
    fn adjustment(&self, tr: &Tr, member: UserId, errors: &mut FieldErrors) -> Option<Adjustment> {
        let amount = errors.check(tr, "points_amount", parse_amount(&self.amount));
        let reason = errors.check(tr, "points_reason", parse_reason(&self.reason));
        let key = Some(self.request_key.trim().to_string()).filter(|k| request_key_ok(k));
        amount.zip(reason).map(|(amount, reason)| Adjustment {
            member,
            amount,
            reason,
            request_key: key.unwrap_or_else(request_key),
        })
    }
}

async fn adjust(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    form: web::Form<PointsForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let mut errors = FieldErrors::new();
    let asked = form.adjustment(&page.tr, id, &mut errors);
    let actor = admin.actor();
    // Written (or written before), or refused with the member's page.
    let outcome = call(&state.pool, move |conn| {
        let refusal = match asked.map(|a| adjust_points(conn, &actor, &a)) {
            Some(Ok(done)) => return Ok(Ok(done)),
            Some(Err(PointsError::BelowZero { balance })) => Some(balance),
            Some(Err(e)) => return Err(e),
            None => None,
        };
        Ok(Err((refusal, UserPage::load(conn, id)?)))
    })
    .await??;
    match outcome {
        Ok(done) => {
            let flash = match done {
                Adjusted::Done { .. } => Flash::new(Level::Success, k("points.adjusted")),
                Adjusted::AlreadyDone => Flash::new(Level::Info, k("points.already_adjusted")),
            };
            let to = format!("/admin/users/{id}");
            Ok(redirect_with_flash(&state.settings, &to, &flash))
        }
        Err((refusal, parts)) => refused(page, parts, errors, refusal, &form),
    }
}

/// The member's admin page again, 422, with the form as typed and why it
/// was refused (its fields, or a balance that would go below zero).
fn refused(
    page: Page,
    parts: UserPage,
    mut errors: FieldErrors,
    below_zero_from: Option<i64>,
    form: &PointsForm,
) -> Result<HttpResponse, AppError> {
    if let Some(balance) = below_zero_from {
        errors.add_text(
            "points_amount",
            page.t1("points.error.below_zero", "balance", balance),
        );
    }
    let extras = UserExtras {
        errors,
        typed_amount: form.amount.clone(),
        typed_points_reason: form.reason.clone(),
        ..UserExtras::default()
    };
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &UserView::new(page, parts, extras),
    )
}
