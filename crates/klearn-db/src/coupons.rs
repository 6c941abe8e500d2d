//! Coupons: the codes admins make (percent or amount off, a minimum spend,
//! a validity window, limits on uses, optionally some courses or one
//! expert's), and their uses by orders (reserved with the order, used once
//! it is paid, released when it fails, is cancelled or expires), with the
//! coupon's count of uses kept in step in the same transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{coupon_courses, coupon_uses, coupons, courses, orders, users};
use crate::types::{CouponId, CouponUseState, CourseId, OrderId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = coupons)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Coupon {
    pub id: CouponId,
    /// As the admin typed it; found case-insensitively (`code_lower`).
    pub code: String,
    pub code_lower: String,
    /// 1–100 for a percent coupon, otherwise 0.
    pub percent_off: i64,
    /// The amount off for an amount coupon, otherwise 0.
    pub amount_off_cents: i64,
    /// What the qualifying items must come to (0: no minimum).
    pub min_spend_cents: i64,
    pub starts_at: Option<NaiveDateTime>,
    /// The first moment it no longer applies.
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    /// Only this expert's courses qualify.
    pub expert_id: Option<UserId>,
    pub note: String,
    /// Uses reserved or used (released ones are given back).
    pub uses_count: i64,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an admin sets on a coupon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponTerms {
    pub code: String,
    pub percent_off: i64,
    pub amount_off_cents: i64,
    pub min_spend_cents: i64,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_user: Option<i64>,
    pub expert_id: Option<UserId>,
    /// Only these courses qualify (empty: no such limit).
    pub courses: Vec<CourseId>,
    pub note: String,
}

/// A coupon in the admin list: its uses and what the paid orders that used
/// it came to.
#[derive(Debug, Clone)]
pub struct CouponRow {
    pub coupon: Coupon,
    /// Uses of paid orders.
    pub used: i64,
    /// The totals of the paid orders that used it.
    pub revenue_cents: i64,
    /// The expert it is limited to, by username.
    pub expert: Option<String>,
    /// How many courses it is limited to.
    pub courses: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coupon_uses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CouponUse {
    pub id: i64,
    pub coupon_id: CouponId,
    pub order_id: OrderId,
    pub user_id: UserId,
    pub state: CouponUseState,
    pub discount_cents: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Coupon {
    /// Creates a coupon; `None` when another has the same code (in any case).
    pub fn create(
        conn: &mut DbConnection,
        terms: &CouponTerms,
        created_by: UserId,
    ) -> Result<Option<CouponId>, DbError> {
        let now = crate::now();
        let inserted = insert_once(conn, |conn| {
            diesel::insert_into(coupons::table)
                .values((
                    coupons::code.eq(&terms.code),
                    coupons::code_lower.eq(terms.code.to_lowercase()),
                    coupons::percent_off.eq(terms.percent_off),
                    coupons::amount_off_cents.eq(terms.amount_off_cents),
                    coupons::min_spend_cents.eq(terms.min_spend_cents),
                    coupons::starts_at.eq(terms.starts_at),
                    coupons::ends_at.eq(terms.ends_at),
                    coupons::max_uses.eq(terms.max_uses),
                    coupons::max_uses_per_user.eq(terms.max_uses_per_user),
                    coupons::expert_id.eq(terms.expert_id),
                    coupons::note.eq(&terms.note),
                    coupons::created_by.eq(created_by),
                    coupons::created_at.eq(now),
                    coupons::updated_at.eq(now),
                ))
                .execute(conn)
        })?;
        if !inserted {
            return Ok(None);
        }
        let id = Coupon::find_by_code(conn, &terms.code)?
            .map(|c| c.id)
            .ok_or(DbError::NotFound)?;
        Coupon::set_courses(conn, id, &terms.courses)?;
        Ok(Some(id))
    }

    /// Changes a coupon's terms; false when another coupon has the code.
    pub fn update(conn: &mut DbConnection, id: CouponId, terms: &CouponTerms) -> Result<bool, DbError> {
        let changed = insert_once(conn, |conn| {
            diesel::update(coupons::table.find(id))
                .set((
                    coupons::code.eq(&terms.code),
                    coupons::code_lower.eq(terms.code.to_lowercase()),
                    coupons::percent_off.eq(terms.percent_off),
                    coupons::amount_off_cents.eq(terms.amount_off_cents),
                    coupons::min_spend_cents.eq(terms.min_spend_cents),
                    coupons::starts_at.eq(terms.starts_at),
                    coupons::ends_at.eq(terms.ends_at),
                    coupons::max_uses.eq(terms.max_uses),
                    coupons::max_uses_per_user.eq(terms.max_uses_per_user),
                    coupons::expert_id.eq(terms.expert_id),
                    coupons::note.eq(&terms.note),
                    coupons::updated_at.eq(crate::now()),
                ))
                .execute(conn)
        })?;
        if changed {
            Coupon::set_courses(conn, id, &terms.courses)?;
        }
        Ok(changed)
    }

    fn set_courses(conn: &mut DbConnection, id: CouponId, list: &[CourseId]) -> Result<(), DbError> {
        diesel::delete(coupon_courses::table.filter(coupon_courses::coupon_id.eq(id))).execute(conn)?;
        let mut seen: Vec<CourseId> = Vec::new();
        for course in list {
            if seen.contains(course) {
                continue;
            }
            seen.push(*course);
            diesel::insert_into(coupon_courses::table)
                .values((
                    coupon_courses::coupon_id.eq(id),
                    coupon_courses::course_id.eq(*course),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub fn find(conn: &mut DbConnection, id: CouponId) -> Result<Coupon, DbError> {
        coupons::table
            .find(id)
            .select(Coupon::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The coupon of a code, whatever its case.
    pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Coupon>, DbError> {
        Ok(coupons::table
            .filter(coupons::code_lower.eq(code.trim().to_lowercase()))
            .select(Coupon::as_select())
            .first(conn)
            .optional()?)
    }

    /// Takes the coupon row's lock (PostgreSQL; SQLite's write transaction
    /// holds the whole file), so that two orders cannot both take its last
    /// use; then reads it as it is now.
    pub fn lock(conn: &mut DbConnection, id: CouponId) -> Result<Coupon, DbError> {
        diesel::update(coupons::table.find(id))
            .set(coupons::uses_count.eq(coupons::uses_count))
            .execute(conn)?;
        Coupon::find(conn, id)
    }

    /// The courses a coupon is limited to (empty: no such limit).
    pub fn courses(conn: &mut DbConnection, id: CouponId) -> Result<Vec<CourseId>, DbError> {
        Ok(coupon_courses::table
            .filter(coupon_courses::coupon_id.eq(id))
            .order(coupon_courses::course_id.asc())
            .select(coupon_courses::course_id)
            .load(conn)?)
    }

    /// The courses a coupon is limited to, by slug, for its edit form.
    pub fn course_slugs(conn: &mut DbConnection, id: CouponId) -> Result<Vec<String>, DbError> {
        Ok(coupon_courses::table
            .inner_join(courses::table)
            .filter(coupon_courses::coupon_id.eq(id))
            .order(courses::id.asc())
            .select(courses::slug)
            .load(conn)?)
    }

    /// How many coupons there are.
    pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
        Ok(coupons::table.count().get_result(conn)?)
    }

    /// One page of coupons, newest first, with their uses and revenue (a
    /// handful of grouped queries for the page, none per row).
    pub fn list(conn: &mut DbConnection, page: i64, per_page: i64) -> Result<Vec<CouponRow>, DbError> {
        use diesel::dsl::{count_star, sql};
        use diesel::sql_types::BigInt;
        let list: Vec<Coupon> = coupons::table
            .order(coupons::id.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select(Coupon::as_select())
            .load(conn)?;
        let ids: Vec<CouponId> = list.iter().map(|c| c.id).collect();
        let paid: Vec<(Option<CouponId>, i64, i64)> = orders::table
            .filter(orders::coupon_id.eq_any(ids.clone()))
            .filter(orders::paid_at.is_not_null())
            .group_by(orders::coupon_id)
            .select((
                orders::coupon_id,
                count_star(),
                sql::<BigInt>("CAST(COALESCE(SUM(total_cents), 0) AS BIGINT)"),
            ))
            .load(conn)?;
        let limited: Vec<(CouponId, i64)> = coupon_courses::table
            .filter(coupon_courses::coupon_id.eq_any(ids.clone()))
            .group_by(coupon_courses::coupon_id)
            .select((coupon_courses::coupon_id, count_star()))
            .load(conn)?;
        let experts: Vec<UserId> = list.iter().filter_map(|c| c.expert_id).collect();
        let names: Vec<(UserId, String)> = users::table
            .filter(users::id.eq_any(experts))
            .select((users::id, users::username))
            .load(conn)?;
        Ok(list
            .into_iter()
            .map(|coupon| {
                let (used, revenue_cents) = paid
                    .iter()
                    .find(|(id, _, _)| *id == Some(coupon.id))
                    .map_or((0, 0), |(_, n, sum)| (*n, *sum));
                CouponRow {
                    used,
                    revenue_cents,
                    expert: coupon
                        .expert_id
                        .and_then(|e| names.iter().find(|(id, _)| *id == e))
                        .map(|(_, name)| name.clone()),
                    courses: limited
                        .iter()
                        .find(|(id, _)| *id == coupon.id)
                        .map_or(0, |(_, n)| *n),
                    coupon,
                }
            })
            .collect())
    }
}

impl CouponUse {
    /// Reserves a use of `coupon` for `order` and counts it on the coupon.
    pub fn reserve(
        conn: &mut DbConnection,
        coupon: CouponId,
        order: OrderId,
        user: UserId,
        discount_cents: i64,
    ) -> Result<(), DbError> {
        let now = crate::now();
        diesel::insert_into(coupon_uses::table)
            .values((
                coupon_uses::coupon_id.eq(coupon),
                coupon_uses::order_id.eq(order),
                coupon_uses::user_id.eq(user),
                coupon_uses::state.eq(CouponUseState::Reserved),
                coupon_uses::discount_cents.eq(discount_cents),
                coupon_uses::created_at.eq(now),
                coupon_uses::updated_at.eq(now),
            ))
            .execute(conn)?;
        diesel::update(coupons::table.find(coupon))
            .set(coupons::uses_count.eq(coupons::uses_count + 1))
            .execute(conn)?;
        Ok(())
    }

    /// How many uses of the coupon the member holds (reserved or used).
    pub fn held_by(conn: &mut DbConnection, coupon: CouponId, user: UserId) -> Result<i64, DbError> {
        Ok(coupon_uses::table
            .filter(coupon_uses::coupon_id.eq(coupon))
            .filter(coupon_uses::user_id.eq(user))
            .filter(coupon_uses::state.eq_any(vec![CouponUseState::Reserved, CouponUseState::Used]))
            .count()
            .get_result(conn)?)
    }

    pub fn of_order(conn: &mut DbConnection, order: OrderId) -> Result<Option<CouponUse>, DbError> {
        Ok(coupon_uses::table
            .filter(coupon_uses::order_id.eq(order))
            .select(CouponUse::as_select())
            .first(conn)
            .optional()?)
    }

    /// Moves the order's use from `from` to `to`, and the coupon's count
    /// with it (a released use is given back; a used or reserved one
    /// counts); false when it was not in `from`.
    pub fn move_state(
        conn: &mut DbConnection,
        order: OrderId,
        from: CouponUseState,
        to: CouponUseState,
    ) -> Result<bool, DbError> {
        let Some(found) = CouponUse::of_order(conn, order)? else {
            return Ok(false);
        };
        let n = diesel::update(
            coupon_uses::table
                .filter(coupon_uses::id.eq(found.id))
                .filter(coupon_uses::state.eq(from)),
        )
        .set((
            coupon_uses::state.eq(to),
            coupon_uses::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        let counts = |s: CouponUseState| i64::from(s != CouponUseState::Released);
        let delta = counts(to) - counts(from);
        if delta != 0 {
            diesel::update(coupons::table.find(found.coupon_id))
                .set(coupons::uses_count.eq(coupons::uses_count + delta))
                .execute(conn)?;
        }
        Ok(true)
    }

    /// A coupon's uses, newest first.
    pub fn of_coupon(
        conn: &mut DbConnection,
        coupon: CouponId,
        limit: i64,
    ) -> Result<Vec<CouponUse>, DbError> {
        Ok(coupon_uses::table
            .filter(coupon_uses::coupon_id.eq(coupon))
            .order(coupon_uses::id.desc())
            .limit(limit)
            .select(CouponUse::as_select())
            .load(conn)?)
    }
}
