//! Payouts: an admin records money paid out to an expert, never more than
//! the expert's available balance (checked behind the expert's row lock, so
//! two payouts at once cannot both pass); the form's request key makes a
//! second click the same payout. The expert is mailed a statement: the
//! payout, the balance before and after, the earnings since the last payout.

use klearn_db::audit::{self, Object};
use klearn_db::diesel::prelude::*;
use klearn_db::earnings::{Earnings, Payout, Payouts};
use klearn_db::schema::users;
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, UserId};

use super::EarningsError;
use crate::domain::actor::Actor;
use crate::i18n::{Locale, Tr};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// A payout as the admin's form gives it, parsed.
#[derive(Debug, Clone)]
pub struct PayoutRequest {
    /// The expert's username.
    pub expert: String,
    pub amount_cents: i64,
    pub reference: String,
    /// Made when the form was shown.
    pub request_key: String,
}

/// What recording a payout did.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// Written now.
    New(Payout),
    /// The same form was sent before: that payout stands, nothing moved.
    Again(Payout),
}

/// Records a payout (admins only).
pub fn record_payout(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    request: &PayoutRequest,
) -> Result<Recorded, EarningsError> {
    let Some(admin) = actor.user_id().filter(|_| actor.is_admin()) else {
        return Err(EarningsError::Forbidden("error.403.message"));
    };
    if request.amount_cents <= 0 {
        return Err(EarningsError::invalid("amount", "payouts.error.amount_positive"));
    }
    write_tx(conn, |conn| {
        let expert = match User::find_by_username(conn, request.expert.trim()) {
            Ok(user) if !user.is_deleted() => user,
            Ok(_) | Err(klearn_db::DbError::NotFound) => {
                return Err(EarningsError::invalid("expert", "payouts.error.unknown_expert"))
            }
            Err(e) => return Err(e.into()),
        };
        lock_member(conn, expert.id)?;
        if let Some(earlier) = Payouts::by_key(conn, &request.request_key)? {
            return Ok(Recorded::Again(earlier));
        }
        let now = klearn_db::now();
        let before = Earnings::balances(conn, expert.id, now)?.available();
        if request.amount_cents > before {
            return Err(EarningsError::invalid("amount", "payouts.error.above_balance"));
        }
        let last = Payouts::for_expert(conn, expert.id)?
            .first()
            .map(|p| p.created_at);
        let Some(payout) = Payouts::record(
            conn,
            expert.id,
            request.amount_cents,
            &request.reference,
            &request.request_key,
            admin,
        )?
        else {
            let earlier = Payouts::by_key(conn, &request.request_key)?.ok_or(EarningsError::NotFound)?;
            return Ok(Recorded::Again(earlier));
        };
        audit::record(
            conn,
            Some(admin),
            "payout.recorded",
            Object::user(expert.id),
            &format!("{} {}", payout.amount_cents, payout.reference),
        )?;
        let statement = statement(conn, services, &expert, &payout, before, last)?;
        let url = services.settings.absolute_url("/studio/earnings");
        notice::send(
            conn,
            &services.i18n,
            &expert,
            &expert.email,
            NoticeKind::PayoutMade,
            Some(url),
            &statement,
        )?;
        Ok(Recorded::New(payout))
    })
}

/// Takes the member's row lock (PostgreSQL) before their balance is read,
/// as the points ledger does.
fn lock_member(conn: &mut DbConnection, member: UserId) -> Result<(), klearn_db::DbError> {
    klearn_db::diesel::update(users::table.find(member))
        .set(users::points_balance.eq(users::points_balance))
        .execute(conn)?;
    Ok(())
}

/// The statement's lines, in the expert's language: the payout, the
/// available balance before and after, and each earnings row since the
/// last payout.
fn statement(
    conn: &mut DbConnection,
    services: &Services,
    expert: &User,
    payout: &Payout,
    before: i64,
    since: Option<chrono::NaiveDateTime>,
) -> Result<String, klearn_db::DbError> {
    let tr = Tr::new(
        services.i18n.clone(),
        Locale::parse(&expert.locale).unwrap_or(Locale::ZhCn),
    );
    let money = super::money;
    let tz = services.settings.timezone;
    let mut lines = vec![
        tr.tf(
            "payouts.statement.payout",
            &[
                ("amount", &money(payout.amount_cents)),
                ("reference", &payout.reference),
            ],
        ),
        tr.t1("payouts.statement.before", "amount", money(before)),
        tr.t1(
            "payouts.statement.after",
            "amount",
            money(before - payout.amount_cents),
        ),
    ];
    let rows = Earnings::rows_for(conn, expert.id, since)?;
    if rows.is_empty() {
        lines.push(tr.t("payouts.statement.no_rows").to_string());
    } else {
        lines.push(tr.t("payouts.statement.rows").to_string());
    }
    for row in rows.iter().rev() {
        let day = row
            .earning
            .created_at
            .and_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%d");
        let kind = tr.t(&format!("earnings.kind.{}", row.earning.kind)).to_string();
        lines.push(format!(
            "{day} · {} · {kind} · {}",
            row.course_title,
            money(row.earning.amount_cents)
        ));
    }
    Ok(lines.join("\n"))
}
