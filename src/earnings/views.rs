//! Views of the experts' money: the studio's earnings page and the admins'
//! payouts page.

use std::collections::BTreeMap;

use askama::Template;
use chrono::NaiveDateTime;
use klearn_db::earnings::{Balances, EarningRow, Payout, PayoutRow};
use klearn_db::{EarningKind, UserId};

use crate::admin::views::AdminNav;
use crate::web::{FieldErrors, Page};

/// What one course earned in one month (or all months).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarningSum {
    pub sales: i64,
    pub sales_cents: i64,
    pub refunds: i64,
    pub refunds_cents: i64,
}

impl EarningSum {
    fn add(&mut self, row: &EarningRow) {
        match row.earning.kind {
            EarningKind::Sale => {
                self.sales += 1;
                self.sales_cents += row.earning.amount_cents;
            }
            EarningKind::Refund => {
                self.refunds += 1;
                self.refunds_cents += row.earning.amount_cents;
            }
        }
    }

    pub fn net_cents(&self) -> i64 {
        self.sales_cents + self.refunds_cents
    }
}

/// What each course earned: (course title, sums).
pub type PerCourse = Vec<(String, EarningSum)>;

/// What each course earned each month: (month, course title, sums).
pub type PerMonth = Vec<(String, String, EarningSum)>;

/// The ledger's rows summed per course, and per month and course (the
/// month in the site's time zone, newest first).
pub fn summarize(rows: &[EarningRow], tz: chrono_tz::Tz) -> (PerCourse, PerMonth) {
    let mut per_course: BTreeMap<String, EarningSum> = BTreeMap::new();
    let mut per_month: BTreeMap<(String, String), EarningSum> = BTreeMap::new();
    for row in rows {
        let month = row
            .earning
            .created_at
            .and_utc()
            .with_timezone(&tz)
            .format("%Y-%m")
            .to_string();
        per_course.entry(row.course_title.clone()).or_default().add(row);
        per_month
            .entry((month, row.course_title.clone()))
            .or_default()
            .add(row);
    }
    let mut months: PerMonth = per_month
        .into_iter()
        .map(|((month, course), sum)| (month, course, sum))
        .collect();
    months.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    (per_course.into_iter().collect(), months)
}

#[derive(Template)]
#[template(path = "studio/earnings.html")]
pub struct StudioEarningsView {
    pub page: Page,
    pub balances: Balances,
    pub share_percent: u8,
    pub per_course: PerCourse,
    pub per_month: PerMonth,
    pub payouts: Vec<Payout>,
    /// When the next pending earnings become available.
    pub next_available: Option<NaiveDateTime>,
}

impl StudioEarningsView {
    pub fn money(&self, cents: impl std::borrow::Borrow<i64>) -> String {
        super::money(*cents.borrow())
    }
}

/// One expert's balances on the payouts page.
#[derive(Debug, Clone)]
pub struct ExpertBalance {
    pub expert: UserId,
    pub username: String,
    pub pending: i64,
    pub available: i64,
    pub paid_out: i64,
}

/// The payout form as typed.
#[derive(Debug, Clone, Default)]
pub struct PayoutForm {
    pub expert: String,
    pub amount: String,
    pub reference: String,
    pub request_key: String,
}

#[derive(Template)]
#[template(path = "admin/payouts.html")]
pub struct AdminPayoutsView {
    pub page: Page,
    pub nav: AdminNav,
    pub balances: Vec<ExpertBalance>,
    pub payouts: Vec<PayoutRow>,
    pub form: PayoutForm,
    pub errors: FieldErrors,
}

impl AdminPayoutsView {
    pub fn money(&self, cents: impl std::borrow::Borrow<i64>) -> String {
        super::money(*cents.borrow())
    }
}
