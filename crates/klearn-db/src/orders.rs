//! Money in: carts, orders with their items (amounts per item, so that
//! discounts, points and refunds fit later), payments with the provider, the
//! provider's events (one row per event: the key that makes fulfilment
//! happen once), refunds, and the built-in sandbox provider's own charges.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::connection::{write_tx, DbConnection};
use crate::courses::{Course, CourseCard};
use crate::error::DbError;
use crate::schema::{
    cart_items, courses, enrollments, order_items, orders, payment_events, payments, refunds,
    sandbox_charges, users,
};
use crate::types::{
    CouponId, CourseId, OrderId, OrderItemId, OrderItemState, OrderState, PaymentId, PaymentState, RefundId,
    RefundState, UserId,
};

/// Runs an insert that a unique key may refuse; false when it did (a
/// savepoint, so that on PostgreSQL the transaction goes on).
pub fn insert_once<F>(conn: &mut DbConnection, insert: F) -> Result<bool, DbError>
where
    F: FnOnce(&mut DbConnection) -> Result<usize, DieselError>,
{
    match write_tx(conn, insert) {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

// ---- the cart ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cart_items)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CartItem {
    pub id: i64,
    pub user_id: UserId,
    pub course_id: CourseId,
    pub created_at: NaiveDateTime,
}

pub struct Cart;

impl Cart {
    /// Puts a course in the user's cart; false when it was there already.
    pub fn add(conn: &mut DbConnection, user: UserId, course: CourseId) -> Result<bool, DbError> {
        insert_once(conn, |conn| {
            diesel::insert_into(cart_items::table)
                .values((
                    cart_items::user_id.eq(user),
                    cart_items::course_id.eq(course),
                    cart_items::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })
    }

    /// Takes one line out of the user's cart; false when it was not theirs.
    pub fn remove(conn: &mut DbConnection, user: UserId, item: i64) -> Result<bool, DbError> {
        let n = diesel::delete(
            cart_items::table
                .filter(cart_items::id.eq(item))
                .filter(cart_items::user_id.eq(user)),
        )
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Takes the courses the user owns now out of their cart.
    pub fn remove_owned(conn: &mut DbConnection, user: UserId) -> Result<(), DbError> {
        let owned = enrollments::table
            .filter(enrollments::user_id.eq(user))
            .select(enrollments::course_id);
        diesel::delete(
            cart_items::table
                .filter(cart_items::user_id.eq(user))
                .filter(cart_items::course_id.eq_any(owned)),
        )
        .execute(conn)?;
        Ok(())
    }

    /// The user's cart, oldest line first, with each course as it is now.
    pub fn lines(conn: &mut DbConnection, user: UserId) -> Result<Vec<(CartItem, CourseCard)>, DbError> {
        let rows: Vec<(CartItem, Course, String, String)> = cart_items::table
            .inner_join(courses::table.inner_join(users::table))
            .filter(cart_items::user_id.eq(user))
            .order(cart_items::id.asc())
            .select((
                CartItem::as_select(),
                Course::as_select(),
                users::username,
                users::display_name,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(item, course, owner_username, owner_display_name)| {
                (
                    item,
                    CourseCard {
                        course,
                        owner_username,
                        owner_display_name,
                    },
                )
            })
            .collect())
    }

    pub fn contains(conn: &mut DbConnection, user: UserId, course: CourseId) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            cart_items::table
                .filter(cart_items::user_id.eq(user))
                .filter(cart_items::course_id.eq(course)),
        ))
        .get_result(conn)?)
    }

    pub fn count(conn: &mut DbConnection, user: UserId) -> Result<i64, DbError> {
        Ok(cart_items::table
            .filter(cart_items::user_id.eq(user))
            .count()
            .get_result(conn)?)
    }
}

// ---- orders ----

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = orders)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Order {
    pub id: OrderId,
    /// `K20261130-000123`: the date it was placed and its id.
    pub number: Option<String>,
    pub user_id: UserId,
    pub state: OrderState,
    pub currency: String,
    pub subtotal_cents: i64,
    pub discount_cents: i64,
    pub total_cents: i64,
    /// What happened beyond the states, for the learner and the admins.
    pub note: String,
    /// Paid after it had failed, been cancelled or expired.
    pub paid_late: bool,
    pub expires_at: NaiveDateTime,
    pub paid_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The coupon it was placed with.
    pub coupon_id: Option<CouponId>,
    /// The points it was paid with in part (one point is one fen).
    pub points: i64,
}

impl Order {
    pub fn number(&self) -> &str {
        self.number.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = order_items)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct OrderItem {
    pub id: OrderItemId,
    pub order_id: OrderId,
    pub course_id: CourseId,
    /// The course's title when it was bought.
    pub title: String,
    pub list_price_cents: i64,
    pub discount_cents: i64,
    /// What the learner paid for this item: what refunds and earnings use.
    pub paid_cents: i64,
    pub state: OrderItemState,
    /// The item's share of the points the order was paid with.
    pub points: i64,
}

/// An item as it is ordered: `paid_cents` is the list price less the
/// coupon's share (`discount_cents`) and the points' share (`points`).
#[derive(Debug, Clone)]
pub struct NewOrderItem {
    pub course_id: CourseId,
    pub title: String,
    pub list_price_cents: i64,
    pub discount_cents: i64,
    pub points: i64,
    pub paid_cents: i64,
}

/// What the admin list of orders filters by.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub state: Option<OrderState>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// An order number, or a username or address (contained).
    pub q: Option<String>,
}

/// An order with its buyer's username, for the admin list.
#[derive(Debug, Clone)]
pub struct OrderRow {
    pub order: Order,
    pub username: String,
}

impl Order {
    /// Places an order with its items (pending until `expires_at`), and
    /// the coupon it uses; its number is given from its id by `number`. Its
    /// subtotal, discount, points and total are its items' sums.
    pub fn create(
        conn: &mut DbConnection,
        user: UserId,
        currency: &str,
        items: &[NewOrderItem],
        coupon: Option<CouponId>,
        expires_at: NaiveDateTime,
        number: impl FnOnce(OrderId) -> String,
    ) -> Result<Order, DbError> {
        let now = crate::now();
        let subtotal: i64 = items.iter().map(|i| i.list_price_cents).sum();
        let discount: i64 = items.iter().map(|i| i.discount_cents).sum();
        let points: i64 = items.iter().map(|i| i.points).sum();
        let total: i64 = items.iter().map(|i| i.paid_cents).sum();
        let id: OrderId = diesel::insert_into(orders::table)
            .values((
                orders::user_id.eq(user),
                orders::state.eq(OrderState::Pending),
                orders::currency.eq(currency),
                orders::subtotal_cents.eq(subtotal),
                orders::discount_cents.eq(discount),
                orders::total_cents.eq(total),
                orders::coupon_id.eq(coupon),
                orders::points.eq(points),
                orders::expires_at.eq(expires_at),
                orders::created_at.eq(now),
                orders::updated_at.eq(now),
            ))
            .returning(orders::id)
            .get_result(conn)?;
        diesel::update(orders::table.find(id))
            .set(orders::number.eq(Some(number(id))))
            .execute(conn)?;
        for item in items {
            diesel::insert_into(order_items::table)
                .values((
                    order_items::order_id.eq(id),
                    order_items::course_id.eq(item.course_id),
                    order_items::title.eq(&item.title),
                    order_items::list_price_cents.eq(item.list_price_cents),
                    order_items::discount_cents.eq(item.discount_cents),
                    order_items::paid_cents.eq(item.paid_cents),
                    order_items::points.eq(item.points),
                    order_items::state.eq(OrderItemState::Active),
                ))
                .execute(conn)?;
        }
        Order::find(conn, id)
    }

    pub fn find(conn: &mut DbConnection, id: OrderId) -> Result<Order, DbError> {
        orders::table
            .find(id)
            .select(Order::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// An order of `user`; anyone else's is `NotFound`.
    pub fn find_owned(conn: &mut DbConnection, id: OrderId, user: UserId) -> Result<Order, DbError> {
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::user_id.eq(user))
            .select(Order::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn items(conn: &mut DbConnection, id: OrderId) -> Result<Vec<OrderItem>, DbError> {
        Ok(order_items::table
            .filter(order_items::order_id.eq(id))
            .order(order_items::id.asc())
            .select(OrderItem::as_select())
            .load(conn)?)
    }

    /// The user's orders, newest first, one page, and how many there are.
    pub fn list_for_user(
        conn: &mut DbConnection,
        user: UserId,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<Order>, i64), DbError> {
        let total: i64 = orders::table
            .filter(orders::user_id.eq(user))
            .count()
            .get_result(conn)?;
        let rows = orders::table
            .filter(orders::user_id.eq(user))
            .order(orders::id.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select(Order::as_select())
            .load(conn)?;
        Ok((rows, total))
    }

    /// The items of several orders, from one query.
    pub fn items_of(conn: &mut DbConnection, ids: &[OrderId]) -> Result<Vec<OrderItem>, DbError> {
        Ok(order_items::table
            .filter(order_items::order_id.eq_any(ids))
            .order(order_items::id.asc())
            .select(OrderItem::as_select())
            .load(conn)?)
    }

    /// Moves the order to `to` if it is in one of `from`; false (nothing
    /// written) when another change got there first.
    pub fn move_state(
        conn: &mut DbConnection,
        id: OrderId,
        from: &[OrderState],
        to: OrderState,
    ) -> Result<bool, DbError> {
        let now = crate::now();
        let target = orders::table
            .filter(orders::id.eq(id))
            .filter(orders::state.eq_any(from.to_vec()));
        let n = match to {
            OrderState::Paid => diesel::update(target)
                .set((
                    orders::state.eq(to),
                    orders::paid_at.eq(Some(now)),
                    orders::updated_at.eq(now),
                ))
                .execute(conn)?,
            OrderState::Pending => diesel::update(target)
                .set((orders::state.eq(to), orders::updated_at.eq(now)))
                .execute(conn)?,
            _ => diesel::update(target)
                .set((
                    orders::state.eq(to),
                    orders::closed_at.eq(Some(now)),
                    orders::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
        Ok(n == 1)
    }

    /// Marks an order paid after it had been given up.
    pub fn mark_paid_late(conn: &mut DbConnection, id: OrderId) -> Result<(), DbError> {
        diesel::update(orders::table.find(id))
            .set(orders::paid_late.eq(true))
            .execute(conn)?;
        Ok(())
    }

    /// Adds a line to the order's note.
    pub fn add_note(conn: &mut DbConnection, id: OrderId, line: &str) -> Result<(), DbError> {
        let order = Order::find(conn, id)?;
        let note = if order.note.is_empty() {
            line.to_string()
        } else {
            format!("{}\n{line}", order.note)
        };
        diesel::update(orders::table.find(id))
            .set((orders::note.eq(note), orders::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    /// Orders for the admin list, newest first, one page, and how many match.
    pub fn search(
        conn: &mut DbConnection,
        filter: &OrderFilter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<OrderRow>, i64), DbError> {
        let pattern = filter
            .q
            .as_ref()
            .map(|q| format!("%{}%", crate::users::like_escape(&q.trim().to_lowercase())));
        let build = || {
            let mut query = orders::table.inner_join(users::table).into_boxed();
            if let Some(state) = filter.state {
                query = query.filter(orders::state.eq(state));
            }
            if let Some(since) = filter.since {
                query = query.filter(orders::created_at.ge(since));
            }
            if let Some(until) = filter.until {
                query = query.filter(orders::created_at.lt(until));
            }
            if let Some(p) = &pattern {
                let number = filter.q.clone().unwrap_or_default().trim().to_uppercase();
                query = query.filter(
                    orders::number
                        .eq(number)
                        .or(users::username_lower.like(p.clone()).escape('\\'))
                        .or(users::email_lower.like(p.clone()).escape('\\')),
                );
            }
            query
        };
        let total: i64 = build().count().get_result(conn)?;
        let rows: Vec<(Order, String)> = build()
            .order(orders::id.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select((Order::as_select(), users::username))
            .load(conn)?;
        Ok((total_rows(rows), total))
    }

    /// Orders paid since `since` and what they brought in.
    pub fn paid_since(conn: &mut DbConnection, since: NaiveDateTime) -> Result<(i64, i64), DbError> {
        use diesel::sql_types::BigInt;
        let (count, revenue): (i64, i64) = orders::table
            .filter(orders::paid_at.ge(since))
            .select((
                diesel::dsl::count_star(),
                diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(total_cents), 0) AS BIGINT)"),
            ))
            .first(conn)?;
        Ok((count, revenue))
    }

    /// Orders paid after they had been given up, newest first: an admin
    /// looks at each.
    pub fn paid_late(conn: &mut DbConnection, limit: i64) -> Result<Vec<Order>, DbError> {
        Ok(orders::table
            .filter(orders::paid_late.eq(true))
            .order(orders::paid_at.desc())
            .limit(limit)
            .select(Order::as_select())
            .load(conn)?)
    }
}

fn total_rows(rows: Vec<(Order, String)>) -> Vec<OrderRow> {
    rows.into_iter()
        .map(|(order, username)| OrderRow { order, username })
        .collect()
}

impl OrderItem {
    pub fn mark_refunded(conn: &mut DbConnection, id: OrderItemId) -> Result<bool, DbError> {
        let n = diesel::update(
            order_items::table
                .find(id)
                .filter(order_items::state.eq(OrderItemState::Active)),
        )
        .set(order_items::state.eq(OrderItemState::Refunded))
        .execute(conn)?;
        Ok(n == 1)
    }
}

// ---- payments ----

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = payments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Payment {
    pub id: PaymentId,
    pub order_id: OrderId,
    pub provider: String,
    /// The provider's own id of the payment.
    pub provider_ref: String,
    pub amount_cents: i64,
    pub currency: String,
    pub state: PaymentState,
    /// Why it failed, as the provider said.
    pub failure: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Payment {
    pub fn create(
        conn: &mut DbConnection,
        order: &Order,
        provider: &str,
        provider_ref: &str,
    ) -> Result<Payment, DbError> {
        let now = crate::now();
        let id: PaymentId = diesel::insert_into(payments::table)
            .values((
                payments::order_id.eq(order.id),
                payments::provider.eq(provider),
                payments::provider_ref.eq(provider_ref),
                payments::amount_cents.eq(order.total_cents),
                payments::currency.eq(&order.currency),
                payments::state.eq(PaymentState::Pending),
                payments::created_at.eq(now),
                payments::updated_at.eq(now),
            ))
            .returning(payments::id)
            .get_result(conn)?;
        Payment::find(conn, id)
    }

    /// Records the provider's reference once the provider opened its payment.
    pub fn set_reference(conn: &mut DbConnection, id: PaymentId, reference: &str) -> Result<(), DbError> {
        diesel::update(payments::table.find(id))
            .set(payments::provider_ref.eq(reference))
            .execute(conn)?;
        Ok(())
    }

    pub fn find(conn: &mut DbConnection, id: PaymentId) -> Result<Payment, DbError> {
        payments::table
            .find(id)
            .select(Payment::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn find_by_ref(
        conn: &mut DbConnection,
        provider: &str,
        reference: &str,
    ) -> Result<Option<Payment>, DbError> {
        Ok(payments::table
            .filter(payments::provider.eq(provider))
            .filter(payments::provider_ref.eq(reference))
            .select(Payment::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn for_order(conn: &mut DbConnection, order: OrderId) -> Result<Vec<Payment>, DbError> {
        Ok(payments::table
            .filter(payments::order_id.eq(order))
            .order(payments::id.asc())
            .select(Payment::as_select())
            .load(conn)?)
    }

    /// Moves the payment to `to` if it is in one of `from`; false otherwise.
    pub fn move_state(
        conn: &mut DbConnection,
        id: PaymentId,
        from: &[PaymentState],
        to: PaymentState,
        failure: &str,
    ) -> Result<bool, DbError> {
        let n = diesel::update(
            payments::table
                .filter(payments::id.eq(id))
                .filter(payments::state.eq_any(from.to_vec())),
        )
        .set((
            payments::state.eq(to),
            payments::failure.eq(failure),
            payments::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}

/// One event a provider sent, whatever became of it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_events)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PaymentEvent {
    pub id: i64,
    pub provider: String,
    pub event_id: String,
    pub payment_id: Option<PaymentId>,
    pub kind: String,
    /// What Klearn did with it: `paid`, `ignored: …`, `refunded: …`.
    pub outcome: String,
    pub received_at: NaiveDateTime,
}

impl PaymentEvent {
    /// Whether this event of `provider` was recorded already.
    pub fn seen(conn: &mut DbConnection, provider: &str, event_id: &str) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            payment_events::table
                .filter(payment_events::provider.eq(provider))
                .filter(payment_events::event_id.eq(event_id)),
        ))
        .get_result(conn)?)
    }

    /// Records an event the first time it arrives; false for a repeat.
    pub fn record(
        conn: &mut DbConnection,
        provider: &str,
        event_id: &str,
        payment: Option<PaymentId>,
        kind: &str,
    ) -> Result<Option<i64>, DbError> {
        let inserted = insert_once(conn, |conn| {
            diesel::insert_into(payment_events::table)
                .values((
                    payment_events::provider.eq(provider),
                    payment_events::event_id.eq(event_id),
                    payment_events::payment_id.eq(payment),
                    payment_events::kind.eq(kind),
                    payment_events::outcome.eq(""),
                    payment_events::received_at.eq(crate::now()),
                ))
                .execute(conn)
        })?;
        if !inserted {
            return Ok(None);
        }
        Ok(Some(
            payment_events::table
                .filter(payment_events::provider.eq(provider))
                .filter(payment_events::event_id.eq(event_id))
                .select(payment_events::id)
                .first(conn)?,
        ))
    }

    pub fn set_outcome(conn: &mut DbConnection, id: i64, outcome: &str) -> Result<(), DbError> {
        diesel::update(payment_events::table.find(id))
            .set(payment_events::outcome.eq(outcome))
            .execute(conn)?;
        Ok(())
    }

    pub fn for_payments(conn: &mut DbConnection, ids: &[PaymentId]) -> Result<Vec<PaymentEvent>, DbError> {
        Ok(payment_events::table
            .filter(payment_events::payment_id.eq_any(ids))
            .order(payment_events::id.asc())
            .select(PaymentEvent::as_select())
            .load(conn)?)
    }
}

// ---- refunds ----

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refunds)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Refund {
    pub id: RefundId,
    pub order_id: OrderId,
    pub payment_id: PaymentId,
    pub amount_cents: i64,
    pub reason: String,
    pub state: RefundState,
    pub provider_ref: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Refund {
    pub fn create(
        conn: &mut DbConnection,
        payment: &Payment,
        amount_cents: i64,
        reason: &str,
        provider_ref: &str,
        state: RefundState,
    ) -> Result<RefundId, DbError> {
        let now = crate::now();
        Ok(diesel::insert_into(refunds::table)
            .values((
                refunds::order_id.eq(payment.order_id),
                refunds::payment_id.eq(payment.id),
                refunds::amount_cents.eq(amount_cents),
                refunds::reason.eq(reason),
                refunds::state.eq(state),
                refunds::provider_ref.eq(provider_ref),
                refunds::created_at.eq(now),
                refunds::updated_at.eq(now),
            ))
            .returning(refunds::id)
            .get_result(conn)?)
    }

    /// Marks the payment's oldest pending refund of `amount` confirmed; false
    /// when there is none (a repeat, or a refund Klearn did not ask for).
    pub fn confirm(conn: &mut DbConnection, payment: PaymentId, amount: i64) -> Result<bool, DbError> {
        Ok(Refund::confirm_pending(conn, payment, amount)?.is_some())
    }

    /// As `confirm`, returning the refund that was confirmed.
    pub fn confirm_pending(
        conn: &mut DbConnection,
        payment: PaymentId,
        amount: i64,
    ) -> Result<Option<RefundId>, DbError> {
        let pending: Option<RefundId> = refunds::table
            .filter(refunds::payment_id.eq(payment))
            .filter(refunds::amount_cents.eq(amount))
            .filter(refunds::state.eq(RefundState::Pending))
            .order(refunds::id.asc())
            .select(refunds::id)
            .first(conn)
            .optional()?;
        let Some(id) = pending else { return Ok(None) };
        let n = diesel::update(
            refunds::table
                .find(id)
                .filter(refunds::state.eq(RefundState::Pending)),
        )
        .set((
            refunds::state.eq(RefundState::Succeeded),
            refunds::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok((n == 1).then_some(id))
    }

    /// What a payment has given back or is giving back (refunds that did not fail).
    pub fn committed_of(conn: &mut DbConnection, payment: PaymentId) -> Result<i64, DbError> {
        use diesel::sql_types::BigInt;
        Ok(refunds::table
            .filter(refunds::payment_id.eq(payment))
            .filter(refunds::state.ne(RefundState::Failed))
            .select(diesel::dsl::sql::<BigInt>(
                "CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT)",
            ))
            .first(conn)?)
    }

    /// What has been given back of a payment, confirmed.
    pub fn refunded_of(conn: &mut DbConnection, payment: PaymentId) -> Result<i64, DbError> {
        use diesel::sql_types::BigInt;
        Ok(refunds::table
            .filter(refunds::payment_id.eq(payment))
            .filter(refunds::state.eq(RefundState::Succeeded))
            .select(diesel::dsl::sql::<BigInt>(
                "CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT)",
            ))
            .first(conn)?)
    }

    pub fn for_order(conn: &mut DbConnection, order: OrderId) -> Result<Vec<Refund>, DbError> {
        Ok(refunds::table
            .filter(refunds::order_id.eq(order))
            .order(refunds::id.asc())
            .select(Refund::as_select())
            .load(conn)?)
    }
}

// ---- the sandbox provider's charges ----

/// The built-in sandbox provider's record of a payment, as a real provider
/// keeps its own.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sandbox_charges)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SandboxCharge {
    pub id: i64,
    pub reference: String,
    pub payment_id: PaymentId,
    pub amount_cents: i64,
    pub currency: String,
    /// `open`, then `succeeded`, `failed` or `cancelled`.
    pub state: String,
    pub refunded_cents: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SandboxCharge {
    pub fn create(
        conn: &mut DbConnection,
        reference: &str,
        payment: PaymentId,
        amount_cents: i64,
        currency: &str,
    ) -> Result<(), DbError> {
        let now = crate::now();
        diesel::insert_into(sandbox_charges::table)
            .values((
                sandbox_charges::reference.eq(reference),
                sandbox_charges::payment_id.eq(payment),
                sandbox_charges::amount_cents.eq(amount_cents),
                sandbox_charges::currency.eq(currency),
                sandbox_charges::state.eq("open"),
                sandbox_charges::created_at.eq(now),
                sandbox_charges::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn for_payment(conn: &mut DbConnection, payment: PaymentId) -> Result<SandboxCharge, DbError> {
        sandbox_charges::table
            .filter(sandbox_charges::payment_id.eq(payment))
            .select(SandboxCharge::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> Result<SandboxCharge, DbError> {
        sandbox_charges::table
            .filter(sandbox_charges::reference.eq(reference))
            .select(SandboxCharge::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// Settles an open charge; false when it was settled already.
    pub fn settle(conn: &mut DbConnection, id: i64, to: &str) -> Result<bool, DbError> {
        let n = diesel::update(
            sandbox_charges::table
                .filter(sandbox_charges::id.eq(id))
                .filter(sandbox_charges::state.eq("open")),
        )
        .set((
            sandbox_charges::state.eq(to),
            sandbox_charges::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Gives back part of a succeeded charge; false when that would give
    /// back more than was paid.
    pub fn refund(conn: &mut DbConnection, id: i64, amount_cents: i64) -> Result<bool, DbError> {
        let n = diesel::update(
            sandbox_charges::table
                .filter(sandbox_charges::id.eq(id))
                .filter(sandbox_charges::state.eq("succeeded"))
                .filter(sandbox_charges::amount_cents.ge(sandbox_charges::refunded_cents + amount_cents)),
        )
        .set((
            sandbox_charges::refunded_cents.eq(sandbox_charges::refunded_cents + amount_cents),
            sandbox_charges::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}
