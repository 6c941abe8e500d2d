//! Coupons: admins create and change discount codes (`create_coupon`,
//! `update_coupon`: the code unique whatever its case, percent or amount
//! off, a minimum spend, a validity window, limits on uses, optionally some
//! courses or one expert's courses), audited. The admin pages are in
//! `routes` (with their form in `forms` and views in `views`); redeeming a
//! code at checkout is `checkout::redemption`.

pub mod forms;
pub mod routes;
pub mod views;

use klearn_db::audit::{self, Object};
use klearn_db::coupons::{Coupon, CouponTerms};
use klearn_db::courses::Course;
use klearn_db::users::User;
use klearn_db::{write_tx, CouponId, CourseId, DbConnection};

use crate::domain::actor::Actor;

crate::area_error! {
    /// Why a coupon use case refused.
    CouponError {
        /// A course named in the limit that does not exist (the line as typed).
        UnknownCourse { line: String } => AppError::BadRequest,
    }
}

/// A coupon as the admin's form gives it: its terms, with the courses (ids
/// or slugs, as typed) and the expert (a username) still to be found.
#[derive(Debug, Clone, Default)]
pub struct CouponInput {
    pub terms: CouponTerms,
    pub courses: Vec<String>,
    pub expert: Option<String>,
}

/// The terms with the courses and expert found.
fn resolve(conn: &mut DbConnection, input: &CouponInput) -> Result<CouponTerms, CouponError> {
    let mut terms = input.terms.clone();
    terms.courses = Vec::new();
    for line in &input.courses {
        let found = match line.parse::<CourseId>() {
            Ok(id) => Course::find(conn, id),
            Err(_) => Course::find_by_slug(conn, line),
        };
        match found {
            Ok(course) => terms.courses.push(course.id),
            Err(klearn_db::DbError::NotFound) => {
                return Err(CouponError::UnknownCourse { line: line.clone() })
            }
            Err(e) => return Err(e.into()),
        }
    }
    terms.expert_id = match &input.expert {
        None => None,
        Some(name) => {
            let user = match User::find_by_username(conn, name) {
                Err(klearn_db::DbError::NotFound) => {
                    return Err(CouponError::invalid("expert", "coupons.error.unknown_expert"))
                }
                other => other?,
            };
            if !User::roles(conn, user.id)?.iter().any(|r| r == "expert") {
                return Err(CouponError::invalid("expert", "coupons.error.not_expert"));
            }
            Some(user.id)
        }
    };
    Ok(terms)
}

fn admins_only(actor: &Actor) -> Result<klearn_db::UserId, CouponError> {
    match actor.user_id() {
        Some(id) if actor.is_admin() => Ok(id),
        _ => Err(CouponError::Forbidden("coupons.admins_only")),
    }
}

/// Creates a coupon (admins only).
pub fn create_coupon(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CouponInput,
) -> Result<CouponId, CouponError> {
    let admin = admins_only(actor)?;
    write_tx(conn, |conn| {
        let terms = resolve(conn, input)?;
        let id = Coupon::create(conn, &terms, admin)?
            .ok_or(CouponError::invalid("code", "coupons.error.code_taken"))?;
        audit::record(
            conn,
            Some(admin),
            "coupon.created",
            Object::new("coupon", id),
            &terms.code,
        )?;
        Ok(id)
    })
}

/// Changes a coupon's terms (admins only). Orders placed with it keep the
/// amounts they were placed with.
pub fn update_coupon(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CouponId,
    input: &CouponInput,
) -> Result<(), CouponError> {
    let admin = admins_only(actor)?;
    write_tx(conn, |conn| {
        Coupon::find(conn, id)?;
        let terms = resolve(conn, input)?;
        if !Coupon::update(conn, id, &terms)? {
            return Err(CouponError::invalid("code", "coupons.error.code_taken"));
        }
        audit::record(
            conn,
            Some(admin),
            "coupon.updated",
            Object::new("coupon", id),
            &terms.code,
        )?;
        Ok(())
    })
}
