//! Refunds of order items: learners' refund requests (one pending per
//! order: a partial unique index), which items a refund gives back (an item
//! is refunded once: `refund_items.order_item_id` is unique), and what the
//! eligibility rule reads (the lessons a learner opened of each course).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::{insert_once, OrderItem};
use crate::schema::{lesson_progress, lessons, order_items, orders, refund_items, refund_requests, users};
use crate::types::{CourseId, OrderId, OrderItemId, RefundId, RefundRequestId, RefundRequestState, UserId};

/// A learner's request to have an order refunded.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refund_requests)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct RefundRequest {
    pub id: RefundRequestId,
    pub order_id: OrderId,
    pub user_id: UserId,
    pub reason: String,
    pub state: RefundRequestState,
    /// Why an admin declined it.
    pub decision_note: String,
    pub decided_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// A pending request with its order's number and buyer, for the admin list.
#[derive(Debug, Clone)]
pub struct PendingRequestRow {
    pub request: RefundRequest,
    pub number: String,
    pub total_cents: i64,
    pub username: String,
}

impl RefundRequest {
    /// Files a pending request; `None` when the order has one pending already.
    pub fn create(
        conn: &mut DbConnection,
        order: OrderId,
        user: UserId,
        reason: &str,
    ) -> Result<Option<RefundRequest>, DbError> {
        let written = insert_once(conn, |conn| {
            diesel::insert_into(refund_requests::table)
                .values((
                    refund_requests::order_id.eq(order),
                    refund_requests::user_id.eq(user),
                    refund_requests::reason.eq(reason),
                    refund_requests::state.eq(RefundRequestState::Pending),
                    refund_requests::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })?;
        if !written {
            return Ok(None);
        }
        RefundRequest::pending_for(conn, order)
    }

    pub fn find(conn: &mut DbConnection, id: RefundRequestId) -> Result<RefundRequest, DbError> {
        refund_requests::table
            .find(id)
            .select(RefundRequest::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The order's pending request, if any.
    pub fn pending_for(conn: &mut DbConnection, order: OrderId) -> Result<Option<RefundRequest>, DbError> {
        Ok(refund_requests::table
            .filter(refund_requests::order_id.eq(order))
            .filter(refund_requests::state.eq(RefundRequestState::Pending))
            .select(RefundRequest::as_select())
            .first(conn)
            .optional()?)
    }

    /// The order's requests, oldest first.
    pub fn for_order(conn: &mut DbConnection, order: OrderId) -> Result<Vec<RefundRequest>, DbError> {
        Ok(refund_requests::table
            .filter(refund_requests::order_id.eq(order))
            .order(refund_requests::id.asc())
            .select(RefundRequest::as_select())
            .load(conn)?)
    }

    /// Decides a pending request; false when it was decided already.
    pub fn decide(
        conn: &mut DbConnection,
        id: RefundRequestId,
        to: RefundRequestState,
        note: &str,
        by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            refund_requests::table
                .filter(refund_requests::id.eq(id))
                .filter(refund_requests::state.eq(RefundRequestState::Pending)),
        )
        .set((
            refund_requests::state.eq(to),
            refund_requests::decision_note.eq(note),
            refund_requests::decided_by.eq(by),
            refund_requests::decided_at.eq(Some(crate::now())),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Every pending request, oldest first, with its order.
    pub fn pending(conn: &mut DbConnection, limit: i64) -> Result<Vec<PendingRequestRow>, DbError> {
        let rows: Vec<(RefundRequest, Option<String>, i64, String)> = refund_requests::table
            .inner_join(orders::table.inner_join(users::table))
            .filter(refund_requests::state.eq(RefundRequestState::Pending))
            .order(refund_requests::created_at.asc())
            .limit(limit)
            .select((
                RefundRequest::as_select(),
                orders::number,
                orders::total_cents,
                users::username,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(request, number, total_cents, username)| PendingRequestRow {
                request,
                number: number.unwrap_or_default(),
                total_cents,
                username,
            })
            .collect())
    }
}

/// An item a refund gives back, with the points that had paid part of it.
#[derive(Debug, Clone)]
pub struct RefundedItem {
    pub item: OrderItem,
    pub amount_cents: i64,
    pub points: i64,
}

pub struct RefundItems;

impl RefundItems {
    /// Ties an item to its refund; false when the item was claimed by a
    /// refund already (nothing written).
    pub fn claim(
        conn: &mut DbConnection,
        refund: RefundId,
        item: OrderItemId,
        amount_cents: i64,
        points: i64,
    ) -> Result<bool, DbError> {
        insert_once(conn, |conn| {
            diesel::insert_into(refund_items::table)
                .values((
                    refund_items::refund_id.eq(refund),
                    refund_items::order_item_id.eq(item),
                    refund_items::amount_cents.eq(amount_cents),
                    refund_items::points.eq(points),
                ))
                .execute(conn)
        })
    }

    /// The items of the order a refund has claimed (pending or done).
    pub fn claimed_in(conn: &mut DbConnection, order: OrderId) -> Result<Vec<OrderItemId>, DbError> {
        Ok(refund_items::table
            .inner_join(order_items::table)
            .filter(order_items::order_id.eq(order))
            .select(refund_items::order_item_id)
            .load(conn)?)
    }

    /// The items one refund gives back.
    pub fn of_refund(conn: &mut DbConnection, refund: RefundId) -> Result<Vec<RefundedItem>, DbError> {
        let rows: Vec<(OrderItem, i64, i64)> = refund_items::table
            .inner_join(order_items::table)
            .filter(refund_items::refund_id.eq(refund))
            .order(order_items::id.asc())
            .select((
                OrderItem::as_select(),
                refund_items::amount_cents,
                refund_items::points,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(item, amount_cents, points)| RefundedItem {
                item,
                amount_cents,
                points,
            })
            .collect())
    }

    /// The points that paid part of each of these items.
    pub fn points_of(
        conn: &mut DbConnection,
        items: &[OrderItemId],
    ) -> Result<HashMap<OrderItemId, i64>, DbError> {
        let rows: Vec<(OrderItemId, i64)> = order_items::table
            .filter(order_items::id.eq_any(items))
            .select((order_items::id, order_items::points))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }
}

/// How much of a course a learner has seen: the lessons they opened of
/// those a learner can open (approved, not hidden), and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub course: CourseId,
    pub opened: i64,
    pub total: i64,
}

/// What the learner has seen of each of these courses, from two queries.
pub fn seen(conn: &mut DbConnection, user: UserId, courses: &[CourseId]) -> Result<Vec<Seen>, DbError> {
    let totals: HashMap<CourseId, i64> = lessons::table
        .filter(lessons::course_id.eq_any(courses))
        .filter(lessons::hidden.eq(false))
        .filter(lessons::approved.eq(true))
        .group_by(lessons::course_id)
        .select((lessons::course_id, diesel::dsl::count_star()))
        .load::<(CourseId, i64)>(conn)?
        .into_iter()
        .collect();
    let opened: HashMap<CourseId, i64> = lesson_progress::table
        .inner_join(lessons::table)
        .filter(lesson_progress::user_id.eq(user))
        .filter(lesson_progress::course_id.eq_any(courses))
        .filter(lessons::hidden.eq(false))
        .filter(lessons::approved.eq(true))
        .group_by(lesson_progress::course_id)
        .select((lesson_progress::course_id, diesel::dsl::count_star()))
        .load::<(CourseId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(courses
        .iter()
        .map(|c| Seen {
            course: *c,
            opened: opened.get(c).copied().unwrap_or(0),
            total: totals.get(c).copied().unwrap_or(0),
        })
        .collect())
}

/// Takes the order's row lock (PostgreSQL; SQLite's writing transaction
/// holds the database already), so that two refunds of one order run one
/// after the other and the second sees what the first claimed.
pub fn lock_order(conn: &mut DbConnection, order: OrderId) -> Result<(), DbError> {
    let n = diesel::update(orders::table.find(order))
        .set(orders::state.eq(orders::state))
        .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}
