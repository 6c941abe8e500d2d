//! `GET, POST /admin/coupons` (the list, which moderators may read, and the
//! create form, admins only) and `GET, POST /admin/coupons/{id}/edit`
//! (admins only).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use klearn_db::coupons::Coupon;
use klearn_db::users::User;
use klearn_db::{CouponId, DbConnection, DbError};
use serde::Deserialize;

use super::forms::CouponForm;
use super::views::{CouponEditView, CouponsView};
use super::{create_coupon, update_coupon, CouponError};
use crate::admin::views::AdminNav;
use crate::admin::Pager;
use crate::i18n::k;
use crate::web::auth::{Admin, Moderator};
use crate::web::flash::{Flash, Level};
use crate::web::pager::page_number;
use crate::web::{
    self as plumbing, call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors,
    Page,
};

const PER_PAGE: i64 = 30;
const NAV: AdminNav = AdminNav {
    current: "/admin/coupons",
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/admin/coupons")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/admin/coupons/{id}/edit")
            .route(web::get().to(edit_page))
            .route(web::post().to(edit)),
    );
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    page: Option<String>,
}

/// One page of the list, and the pager over all of it.
fn listed(
    conn: &mut DbConnection,
    wanted: i64,
) -> Result<(Vec<klearn_db::coupons::CouponRow>, Pager), DbError> {
    let total = Coupon::count(conn)?;
    Ok((
        Coupon::list(conn, wanted, PER_PAGE)?,
        Pager::new(wanted, PER_PAGE, total, &[]),
    ))
}

impl CouponsView {
    fn new(
        page: Page,
        listed: (Vec<klearn_db::coupons::CouponRow>, Pager),
        form: CouponForm,
        errors: FieldErrors,
    ) -> Self {
        let can_edit = page.user.as_ref().is_some_and(|u| u.is_admin());
        let (rows, pager) = listed;
        CouponsView {
            page,
            nav: NAV,
            rows,
            pager,
            can_edit,
            form,
            errors,
            now: klearn_db::now(),
        }
    }
}

async fn list(
    page: Page,
    _: Moderator,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let wanted = page_number(query.page.as_deref());
    let listed = plumbing::db(&state.pool, move |conn| listed(conn, wanted)).await?;
    html(&CouponsView::new(
        page,
        listed,
        CouponForm::default(),
        FieldErrors::new(),
    ))
}

/// Shows a refusal next to its field.
fn refused(page: &Page, errors: &mut FieldErrors, refusal: CouponError) -> Result<(), AppError> {
    match refusal {
        CouponError::Invalid { field, key } => errors.add(&page.tr, field, key),
        CouponError::UnknownCourse { line } => {
            errors.add_text("courses", page.t1("coupons.error.unknown_course", "course", line))
        }
        other => return Err(other.into()),
    }
    Ok(())
}

async fn create(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    form: web::Form<CouponForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let input = form.parse(&page.tr, state.settings.timezone, &mut errors);
    let actor = admin.actor();
    // Created, or refused with the list to show the form under again.
    let outcome = call(&state.pool, move |conn| {
        let refusal = match input.map(|input| create_coupon(conn, &actor, &input)) {
            Some(Ok(_)) => return Ok(None),
            Some(Err(e @ (CouponError::Invalid { .. } | CouponError::UnknownCourse { .. }))) => Some(e),
            Some(Err(e)) => return Err(e),
            None => None,
        };
        Ok(Some((refusal, listed(conn, 1)?)))
    })
    .await??;
    let Some((refusal, list)) = outcome else {
        let flash = Flash::new(Level::Success, k("coupons.created"));
        return Ok(redirect_with_flash(&state.settings, "/admin/coupons", &flash));
    };
    if let Some(refusal) = refusal {
        refused(&page, &mut errors, refusal)?;
    }
    html_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CouponsView::new(page, list, form, errors),
    )
}

/// A coupon with what its form shows: the slugs of its courses and its expert.
fn loaded(conn: &mut DbConnection, id: CouponId) -> Result<(Coupon, Vec<String>, Option<String>), DbError> {
    let coupon = Coupon::find(conn, id)?;
    let slugs = Coupon::course_slugs(conn, id)?;
    let expert = match coupon.expert_id {
        Some(e) => Some(User::find(conn, e)?.username),
        None => None,
    };
    Ok((coupon, slugs, expert))
}

async fn edit_page(
    page: Page,
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<CouponId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (coupon, slugs, expert) = plumbing::db(&state.pool, move |conn| loaded(conn, id)).await?;
    let form = CouponForm::of(&coupon, &slugs, expert, state.settings.timezone);
    html(&CouponEditView {
        page,
        nav: NAV,
        coupon,
        form,
        errors: FieldErrors::new(),
        now: klearn_db::now(),
    })
}

async fn edit(
    page: Page,
    Admin(admin): Admin,
    state: web::Data<AppState>,
    id: web::Path<CouponId>,
    form: web::Form<CouponForm>,
) -> Result<HttpResponse, AppError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let mut errors = FieldErrors::new();
    let input = form.parse(&page.tr, state.settings.timezone, &mut errors);
    let actor = admin.actor();
    // Saved, or refused with the coupon to show the form on again.
    let outcome = call(&state.pool, move |conn| {
        let refusal = match input.map(|input| update_coupon(conn, &actor, id, &input)) {
            Some(Ok(())) => return Ok(None),
            Some(Err(e @ (CouponError::Invalid { .. } | CouponError::UnknownCourse { .. }))) => Some(e),
            Some(Err(e)) => return Err(e),
            None => None,
        };
        Ok(Some((refusal, Coupon::find(conn, id)?)))
    })
    .await??;
    let Some((refusal, coupon)) = outcome else {
        let flash = Flash::new(Level::Success, k("coupons.saved"));
        return Ok(redirect_with_flash(&state.settings, "/admin/coupons", &flash));
    };
    if let Some(refusal) = refusal {
        refused(&page, &mut errors, refusal)?;
    }
    let view = CouponEditView {
        page,
        nav: NAV,
        coupon,
        form,
        errors,
        now: klearn_db::now(),
    };
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}
