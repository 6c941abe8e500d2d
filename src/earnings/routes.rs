//! `GET /studio/earnings` (experts: their balances, earnings per course and
//! month, payouts) and `GET, POST /admin/payouts` (admins: every expert's
//! balances, the payouts, the form that records one).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::earnings::{Earnings, Payouts};
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError};
use rand::RngCore;
use serde::Deserialize;

use super::views::{summarize, AdminPayoutsView, ExpertBalance, PayoutForm, StudioEarningsView};
use super::{EarningsError, PayoutRequest, Recorded};
use crate::admin::views::AdminNav;
use crate::i18n::k;
use crate::web::auth::{Admin, Expert};
use crate::web::flash::{Flash, Level};
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

/// How many payouts the admin page lists.
const PAYOUTS_SHOWN: i64 = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/studio/earnings").route(web::get().to(studio)))
        .service(
            web::resource("/admin/payouts")
                .route(web::get().to(payouts))
                .route(web::post().to(record)),
        );
}

async fn studio(
    page: Page,
    Expert(expert): Expert,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let now = klearn_db::now();
    let (balances, rows, payouts) = plumbing::db(&state.pool, move |conn| {
        Ok((
            Earnings::balances(conn, expert.id, now)?,
            Earnings::rows_for(conn, expert.id, None)?,
            Payouts::for_expert(conn, expert.id)?,
        ))
    })
    .await?;
    let next_available = rows
        .iter()
        .map(|r| r.earning.available_at)
        .filter(|at| *at > now)
        .min();
    let (per_course, per_month) = summarize(&rows, state.settings.timezone);
    html(&StudioEarningsView {
        page,
        balances,
        share_percent: state.settings.expert_share_percent,
        per_course,
        per_month,
        payouts,
        next_available,
    })
}

/// A fresh key for a payout form: its second click is the same payout.
fn request_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Every expert with earnings, with their balances at `now`.
fn expert_balances(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
) -> Result<Vec<ExpertBalance>, DbError> {
    let earned = Earnings::by_expert(conn, now)?;
    let paid = Payouts::totals_by_expert(conn)?;
    let ids: Vec<_> = earned.keys().chain(paid.keys()).copied().collect();
    let mut rows: Vec<ExpertBalance> = User::find_many(conn, &ids)?
        .into_iter()
        .map(|user| {
            let (available, pending) = earned.get(&user.id).copied().unwrap_or_default();
            let paid_out = paid.get(&user.id).copied().unwrap_or(0);
            ExpertBalance {
                expert: user.id,
                username: user.username,
                pending,
                available: available - paid_out,
                paid_out,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(rows)
}

/// The payouts page with this form on it.
async fn payouts_view(
    page: Page,
    state: &AppState,
    form: PayoutForm,
    errors: FieldErrors,
) -> Result<AdminPayoutsView, AppError> {
    let now = klearn_db::now();
    let (balances, payouts) = plumbing::db(&state.pool, move |conn| {
        Ok((expert_balances(conn, now)?, Payouts::recent(conn, PAYOUTS_SHOWN)?))
    })
    .await?;
    Ok(AdminPayoutsView {
        page,
        nav: AdminNav {
            current: "/admin/payouts",
        },
        balances,
        payouts,
        form,
        errors,
    })
}

async fn payouts(page: Page, _: Admin, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = PayoutForm {
        request_key: request_key(),
        ..PayoutForm::default()
    };
    html(&payouts_view(page, &state, form, FieldErrors::new()).await?)
}

#[derive(Debug, Deserialize)]
struct PayoutFields {
    #[serde(default)]
    expert: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    request_key: String,
}

impl PayoutFields {
    /// The payout, or `None` with the problems in `errors`.
    fn parse(&self, page: &Page, errors: &mut FieldErrors) -> Option<PayoutRequest> {
        let expert = self.expert.trim();
        if expert.is_empty() {
            errors.add(&page.tr, "expert", "payouts.error.expert_required");
        }
        let amount = errors.check(&page.tr, "amount", parse_amount(&self.amount));
        let reference: String = self.reference.trim().to_string();
        if reference.is_empty() {
            errors.add(&page.tr, "reference", "payouts.error.reference_required");
        } else if reference.chars().count() > 200 {
            errors.add(&page.tr, "reference", "payouts.error.reference_long");
        }
        let key = self.request_key.trim();
        let key_ok = !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric());
        if !key_ok {
            errors.add(&page.tr, "request_key", "payouts.error.form_expired");
        }
        amount
            .filter(|_| errors.is_empty())
            .map(|amount_cents| PayoutRequest {
                expert: expert.to_string(),
                amount_cents,
                reference,
                request_key: key.to_string(),
            })
    }
}

/// An amount typed in yuan with at most two decimals, more than zero.
fn parse_amount(input: &str) -> Result<i64, &'static str> {
    if input.trim().is_empty() {
        return Err("payouts.error.amount_required");
    }
    match crate::domain::course::parse_price(input) {
        Ok(0) => Err("payouts.error.amount_positive"),
        Ok(cents) => Ok(cents),
        Err("studio.error.price_negative") => Err("payouts.error.amount_positive"),
        Err("studio.error.price_high") => Err("payouts.error.amount_high"),
        Err(_) => Err("payouts.error.amount_format"),
    }
}

async fn record(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    fields: web::Form<PayoutFields>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    if let Some(request) = fields.parse(&page, &mut errors) {
        let (services, actor) = (state.services.clone(), admin.actor());
        let key = match call(&state.pool, move |conn| {
            super::record_payout(conn, &services, &actor, &request)
        })
        .await?
        {
            Ok(Recorded::New(_)) => k("payouts.recorded"),
            // A second click of the same form: that payout stands.
            Ok(Recorded::Again(_)) => k("payouts.recorded_before"),
            Err(EarningsError::Invalid { field, key }) => {
                errors.add(&page.tr, field, key);
                ""
            }
            Err(e) => return Err(e.into()),
        };
        if !key.is_empty() {
            let flash = Flash::new(Level::Success, key);
            return Ok(redirect_with_flash(&state.settings, "/admin/payouts", &flash));
        }
    }
    let form = PayoutForm {
        expert: fields.expert.clone(),
        amount: fields.amount.clone(),
        reference: fields.reference.clone(),
        // The same key: the form sent again after a fix is still one payout.
        request_key: if errors.has("request_key") {
            request_key()
        } else {
            fields.request_key.trim().to_string()
        },
    };
    let view = payouts_view(page, &state, form, errors).await?;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
