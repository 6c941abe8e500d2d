//! The points ledger: every change of a member's points is a row with its
//! amount, reason, reference and a unique key (a retry with the same key
//! changes nothing), and the member's balance (`users.points_balance`) moves
//! in the same statement's transaction. 100 points are 1 yuan: one point is
//! one fen.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{point_entries, users};
use crate::types::UserId;

/// One row of the ledger.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = point_entries)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PointEntry {
    pub id: i64,
    pub user_id: UserId,
    pub amount: i64,
    pub reason: String,
    pub reference: String,
    pub entry_key: String,
    pub actor_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

/// A change to write: `amount` may be negative.
#[derive(Debug, Clone)]
pub struct PointChange<'a> {
    pub user: UserId,
    pub amount: i64,
    /// Why, in the product's words (`"admin.grant"`, `"order.points"`,
    /// `"order.points_returned"` …), shown to the member.
    pub reason: &'a str,
    /// What it concerns (an order number, an admin's note).
    pub reference: &'a str,
    /// Unique per change: `order:12:spent`, `order:12:returned` …
    pub key: &'a str,
    pub actor: Option<UserId>,
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Written; the balance is now this.
    Done { balance: i64 },
    /// A change with this key was written before: nothing moved.
    AlreadyDone,
    /// It would take the balance below zero: nothing moved.
    NotEnough { balance: i64 },
}

pub struct Points;

impl Points {
    /// Writes `change` and moves the balance, in one transaction. A
    /// deduction larger than the balance is refused.
    pub fn apply(conn: &mut DbConnection, change: &PointChange<'_>) -> Result<Applied, DbError> {
        write_tx(conn, |conn| {
            // Taking the row's lock first (PostgreSQL) keeps two changes of
            // one member from both reading the old balance.
            diesel::update(users::table.find(change.user))
                .set(users::points_balance.eq(users::points_balance))
                .execute(conn)?;
            let balance = Points::balance(conn, change.user)?;
            if balance + change.amount < 0 {
                return Ok(Applied::NotEnough { balance });
            }
            let now = crate::now();
            let written = insert_once(conn, |conn| {
                diesel::insert_into(point_entries::table)
                    .values((
                        point_entries::user_id.eq(change.user),
                        point_entries::amount.eq(change.amount),
                        point_entries::reason.eq(change.reason),
                        point_entries::reference.eq(change.reference),
                        point_entries::entry_key.eq(change.key),
                        point_entries::actor_id.eq(change.actor),
                        point_entries::created_at.eq(now),
                    ))
                    .execute(conn)
            })?;
            if !written {
                return Ok(Applied::AlreadyDone);
            }
            diesel::update(users::table.find(change.user))
                .set(users::points_balance.eq(users::points_balance + change.amount))
                .execute(conn)?;
            Ok(Applied::Done {
                balance: balance + change.amount,
            })
        })
    }

    /// The member's balance, with their row's lock taken first
    /// (PostgreSQL), so that it stays this until the transaction ends.
    pub fn lock_balance(conn: &mut DbConnection, user: UserId) -> Result<i64, DbError> {
        diesel::update(users::table.find(user))
            .set(users::points_balance.eq(users::points_balance))
            .execute(conn)?;
        Points::balance(conn, user)
    }

    /// The member's balance (kept in step with the ledger by `apply`).
    pub fn balance(conn: &mut DbConnection, user: UserId) -> Result<i64, DbError> {
        Ok(users::table
            .find(user)
            .select(users::points_balance)
            .first(conn)?)
    }

    /// The ledger's sum for the member: what the balance must equal.
    pub fn ledger_sum(conn: &mut DbConnection, user: UserId) -> Result<i64, DbError> {
        let amounts: Vec<i64> = point_entries::table
            .filter(point_entries::user_id.eq(user))
            .select(point_entries::amount)
            .load(conn)?;
        Ok(amounts.into_iter().sum())
    }

    /// Whether a change with this key was written.
    pub fn has(conn: &mut DbConnection, key: &str) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            point_entries::table.filter(point_entries::entry_key.eq(key)),
        ))
        .get_result(conn)?)
    }

    /// The member's latest changes, newest first.
    pub fn entries(conn: &mut DbConnection, user: UserId, limit: i64) -> Result<Vec<PointEntry>, DbError> {
        Ok(point_entries::table
            .filter(point_entries::user_id.eq(user))
            .order(point_entries::id.desc())
            .limit(limit)
            .select(PointEntry::as_select())
            .load(conn)?)
    }
}
