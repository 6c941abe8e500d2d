//! Views of the coupon admin pages: the list with the create form, and one
//! coupon's edit page.

use askama::Template;
use klearn_db::coupons::{Coupon, CouponRow};

use super::forms::CouponForm;
use crate::admin::views::AdminNav;
use crate::admin::Pager;
use crate::domain::course::{price_input, price_label};
use crate::i18n::k;
use crate::web::{FieldErrors, Page};

/// What a coupon is now, as its translation key and badge.
pub fn standing_key(coupon: &Coupon, now: chrono::NaiveDateTime) -> (&'static str, &'static str) {
    if coupon.starts_at.is_some_and(|at| now < at) {
        (k("coupons.standing.not_yet"), "badge-neutral")
    } else if coupon.ends_at.is_some_and(|at| now >= at) {
        (k("coupons.standing.expired"), "badge-neutral")
    } else if coupon.max_uses.is_some_and(|max| coupon.uses_count >= max) {
        (k("coupons.standing.exhausted"), "badge-warning")
    } else {
        (k("coupons.standing.active"), "badge-success")
    }
}

/// What a coupon takes off, for people: `15%` or `¥50`.
pub fn off_label(coupon: &Coupon) -> String {
    if coupon.percent_off > 0 {
        format!("{}%", coupon.percent_off)
    } else {
        price_label(coupon.amount_off_cents, "CNY")
    }
}

#[derive(Template)]
#[template(path = "admin/coupons.html")]
pub struct CouponsView {
    pub page: Page,
    pub nav: AdminNav,
    pub rows: Vec<CouponRow>,
    pub pager: Pager,
    /// Admins create and edit; moderators only look.
    pub can_edit: bool,
    pub form: CouponForm,
    pub errors: FieldErrors,
    pub now: chrono::NaiveDateTime,
}

impl CouponsView {
    pub fn money(&self, cents: &i64) -> String {
        price_label(*cents, "CNY")
    }

    pub fn off(&self, coupon: &Coupon) -> String {
        off_label(coupon)
    }

    pub fn standing(&self, coupon: &Coupon) -> (&'static str, &'static str) {
        standing_key(coupon, self.now)
    }

    pub fn limit(&self, n: &Option<i64>) -> String {
        n.map_or_else(|| "∞".to_string(), |n| n.to_string())
    }

    pub fn yuan(&self, cents: &i64) -> String {
        price_input(*cents)
    }
}

#[derive(Template)]
#[template(path = "admin/coupon_edit.html")]
pub struct CouponEditView {
    pub page: Page,
    pub nav: AdminNav,
    pub coupon: Coupon,
    pub form: CouponForm,
    pub errors: FieldErrors,
    pub now: chrono::NaiveDateTime,
}

impl CouponEditView {
    pub fn standing(&self) -> (&'static str, &'static str) {
        standing_key(&self.coupon, self.now)
    }

    pub fn off(&self) -> String {
        off_label(&self.coupon)
    }
}
