//! The experts' money: the earnings ledger (each paid item credits the
//! course's expert with their share, a refund of the item takes the same
//! amount back; one row per unique key, so a retry writes nothing twice)
//! and the payouts made from it (one row per request key). The balances
//! are derived from both: pending is what is not available yet, available
//! is what became available less what was paid out.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{courses, earnings, payouts, users};
use crate::types::{CourseId, EarningId, EarningKind, OrderItemId, PayoutId, UserId};

/// One row of an expert's ledger.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = earnings)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Earning {
    pub id: EarningId,
    pub expert_id: UserId,
    pub course_id: CourseId,
    pub order_item_id: OrderItemId,
    pub kind: EarningKind,
    /// Positive for a sale, negative for a refund.
    pub amount_cents: i64,
    /// `sale:{item}` or `refund:{item}`.
    pub entry_key: String,
    pub available_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// A row to write.
#[derive(Debug, Clone)]
pub struct NewEarning {
    pub expert: UserId,
    pub course: CourseId,
    pub item: OrderItemId,
    pub kind: EarningKind,
    pub amount_cents: i64,
    pub available_at: NaiveDateTime,
}

impl NewEarning {
    /// The row's unique key: one sale and one refund per item.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.item)
    }
}

/// An expert's balances at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balances {
    /// Earned, not available yet (the refund window is open).
    pub pending: i64,
    /// Earned and available, all time.
    pub earned_available: i64,
    /// Paid out, all time.
    pub paid_out: i64,
}

impl Balances {
    /// What may be paid out now.
    pub fn available(&self) -> i64 {
        self.earned_available - self.paid_out
    }
}

/// A row of the ledger with its course's title, for statements and pages.
#[derive(Debug, Clone)]
pub struct EarningRow {
    pub earning: Earning,
    pub course_title: String,
}

fn sum_sql() -> diesel::expression::SqlLiteral<BigInt> {
    diesel::dsl::sql::<BigInt>("CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT)")
}

pub struct Earnings;

impl Earnings {
    /// Writes a row; false when a row with its key exists (nothing written).
    pub fn record(conn: &mut DbConnection, new: &NewEarning) -> Result<bool, DbError> {
        let key = new.key();
        let now = crate::now();
        insert_once(conn, |conn| {
            diesel::insert_into(earnings::table)
                .values((
                    earnings::expert_id.eq(new.expert),
                    earnings::course_id.eq(new.course),
                    earnings::order_item_id.eq(new.item),
                    earnings::kind.eq(new.kind),
                    earnings::amount_cents.eq(new.amount_cents),
                    earnings::entry_key.eq(&key),
                    earnings::available_at.eq(new.available_at),
                    earnings::created_at.eq(now),
                ))
                .execute(conn)
        })
    }

    /// The sale row of an item, if it was credited.
    pub fn sale_of(conn: &mut DbConnection, item: OrderItemId) -> Result<Option<Earning>, DbError> {
        Ok(earnings::table
            .filter(earnings::entry_key.eq(format!("{}:{item}", EarningKind::Sale)))
            .select(Earning::as_select())
            .first(conn)
            .optional()?)
    }

    /// Moves an order's payment and its items' earnings back in time (the
    /// demo loader, so that some earnings are available already); the
    /// earnings become available `window` after the new payment time.
    pub fn backdate_order(
        conn: &mut DbConnection,
        order: crate::types::OrderId,
        paid_at: NaiveDateTime,
        window: chrono::Duration,
    ) -> Result<(), DbError> {
        use crate::schema::{order_items, orders};
        diesel::update(orders::table.find(order))
            .set(orders::paid_at.eq(Some(paid_at)))
            .execute(conn)?;
        let items = order_items::table
            .filter(order_items::order_id.eq(order))
            .select(order_items::id);
        diesel::update(earnings::table.filter(earnings::order_item_id.eq_any(items)))
            .set(earnings::available_at.eq(paid_at + window))
            .execute(conn)?;
        Ok(())
    }

    /// The expert's balances at `now`.
    pub fn balances(
        conn: &mut DbConnection,
        expert: UserId,
        now: NaiveDateTime,
    ) -> Result<Balances, DbError> {
        let pending: i64 = earnings::table
            .filter(earnings::expert_id.eq(expert))
            .filter(earnings::available_at.gt(now))
            .select(sum_sql())
            .first(conn)?;
        let earned_available: i64 = earnings::table
            .filter(earnings::expert_id.eq(expert))
            .filter(earnings::available_at.le(now))
            .select(sum_sql())
            .first(conn)?;
        Ok(Balances {
            pending,
            earned_available,
            paid_out: Payouts::total_for(conn, expert)?,
        })
    }

    /// The sum of every row of the expert's ledger.
    pub fn total_for(conn: &mut DbConnection, expert: UserId) -> Result<i64, DbError> {
        Ok(earnings::table
            .filter(earnings::expert_id.eq(expert))
            .select(sum_sql())
            .first(conn)?)
    }

    /// The expert's rows, newest first, with their courses' titles; only
    /// those written after `since` when it is given.
    pub fn rows_for(
        conn: &mut DbConnection,
        expert: UserId,
        since: Option<NaiveDateTime>,
    ) -> Result<Vec<EarningRow>, DbError> {
        let mut query = earnings::table
            .inner_join(courses::table)
            .filter(earnings::expert_id.eq(expert))
            .into_boxed();
        if let Some(since) = since {
            query = query.filter(earnings::created_at.gt(since));
        }
        let rows: Vec<(Earning, String)> = query
            .order((earnings::created_at.desc(), earnings::id.desc()))
            .select((Earning::as_select(), courses::title))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(earning, course_title)| EarningRow {
                earning,
                course_title,
            })
            .collect())
    }

    /// Per expert: (available, pending) earned at `now`, all time, from two
    /// grouped queries.
    pub fn by_expert(
        conn: &mut DbConnection,
        now: NaiveDateTime,
    ) -> Result<HashMap<UserId, (i64, i64)>, DbError> {
        let available: Vec<(UserId, i64)> = earnings::table
            .filter(earnings::available_at.le(now))
            .group_by(earnings::expert_id)
            .select((earnings::expert_id, sum_sql()))
            .load(conn)?;
        let pending: Vec<(UserId, i64)> = earnings::table
            .filter(earnings::available_at.gt(now))
            .group_by(earnings::expert_id)
            .select((earnings::expert_id, sum_sql()))
            .load(conn)?;
        let mut out: HashMap<UserId, (i64, i64)> = HashMap::new();
        for (expert, sum) in available {
            out.entry(expert).or_default().0 = sum;
        }
        for (expert, sum) in pending {
            out.entry(expert).or_default().1 = sum;
        }
        Ok(out)
    }
}

/// Money paid out to an expert.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payouts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Payout {
    pub id: PayoutId,
    pub expert_id: UserId,
    pub amount_cents: i64,
    /// The bank's or the transfer's reference, as the admin typed it.
    pub reference: String,
    /// Made when the admin's form was shown: a second click is the same payout.
    pub request_key: String,
    pub created_by: UserId,
    pub created_at: NaiveDateTime,
}

/// A payout with its expert's username, for the admin list.
#[derive(Debug, Clone)]
pub struct PayoutRow {
    pub payout: Payout,
    pub expert: String,
}

pub struct Payouts;

impl Payouts {
    /// Writes a payout; `None` when one with its request key exists.
    pub fn record(
        conn: &mut DbConnection,
        expert: UserId,
        amount_cents: i64,
        reference: &str,
        request_key: &str,
        by: UserId,
    ) -> Result<Option<Payout>, DbError> {
        let written = insert_once(conn, |conn| {
            diesel::insert_into(payouts::table)
                .values((
                    payouts::expert_id.eq(expert),
                    payouts::amount_cents.eq(amount_cents),
                    payouts::reference.eq(reference),
                    payouts::request_key.eq(request_key),
                    payouts::created_by.eq(by),
                    payouts::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })?;
        if !written {
            return Ok(None);
        }
        Payouts::by_key(conn, request_key)
    }

    pub fn by_key(conn: &mut DbConnection, request_key: &str) -> Result<Option<Payout>, DbError> {
        Ok(payouts::table
            .filter(payouts::request_key.eq(request_key))
            .select(Payout::as_select())
            .first(conn)
            .optional()?)
    }

    /// What was paid out to the expert, all time.
    pub fn total_for(conn: &mut DbConnection, expert: UserId) -> Result<i64, DbError> {
        Ok(payouts::table
            .filter(payouts::expert_id.eq(expert))
            .select(sum_sql())
            .first(conn)?)
    }

    /// The expert's payouts, newest first.
    pub fn for_expert(conn: &mut DbConnection, expert: UserId) -> Result<Vec<Payout>, DbError> {
        Ok(payouts::table
            .filter(payouts::expert_id.eq(expert))
            .order(payouts::id.desc())
            .select(Payout::as_select())
            .load(conn)?)
    }

    /// The latest payouts of everyone, newest first.
    pub fn recent(conn: &mut DbConnection, limit: i64) -> Result<Vec<PayoutRow>, DbError> {
        let rows: Vec<(Payout, String)> = payouts::table
            .inner_join(users::table)
            .order(payouts::id.desc())
            .limit(limit)
            .select((Payout::as_select(), users::username))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(payout, expert)| PayoutRow { payout, expert })
            .collect())
    }

    /// Paid out per expert, all time, from one grouped query.
    pub fn totals_by_expert(conn: &mut DbConnection) -> Result<HashMap<UserId, i64>, DbError> {
        let rows: Vec<(UserId, i64)> = payouts::table
            .group_by(payouts::expert_id)
            .select((payouts::expert_id, sum_sql()))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }
}
