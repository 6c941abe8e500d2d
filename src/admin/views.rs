//! Views of the admin shell.

use askama::Template;
use chrono::NaiveDateTime;
use klearn_db::audit::AuditRow;
use klearn_db::experts::Application;
use klearn_db::security::SecurityEvent;
use klearn_db::users::User;

use crate::admin::Pager;
use crate::checkout::views::{state_key, OrderParts};
use crate::domain::course::price_label;
use crate::domain::expert::{ExpertState, ExpertStateExt};
use crate::web::{FieldErrors, Page};
use klearn_db::orders::{Order, OrderRow, PaymentEvent};
use klearn_db::OrderState;

/// Which entry of the admin navigation is current.
pub struct AdminNav {
    pub current: &'static str,
}

impl AdminNav {
    /// The admin sections; later areas add theirs.
    pub fn items(&self) -> Vec<(&'static str, &'static str, bool)> {
        [
            ("/admin", "admin.nav.dashboard"),
            ("/admin/courses", "admin.nav.courses"),
            ("/admin/experts", "admin.nav.experts"),
            ("/admin/orders", "admin.nav.orders"),
            ("/admin/coupons", "admin.nav.coupons"),
            ("/admin/payouts", "admin.nav.payouts"),
            ("/admin/users", "admin.nav.users"),
            ("/admin/categories", "admin.nav.categories"),
            ("/admin/audit", "admin.nav.audit"),
            ("/admin/feedback", "admin.nav.feedback"),
            ("/admin/reports", "admin.nav.reports"),
        ]
        .into_iter()
        .map(|(href, key)| (href, key, href == self.current))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardView {
    pub page: Page,
    pub nav: AdminNav,
    pub signups_today: i64,
    pub members: i64,
    pub mail_pending: i64,
    pub jobs_failed: i64,
    /// Applications waiting in each open state.
    pub applications_waiting: Vec<(ExpertState, i64)>,
    pub paid_today: i64,
    pub revenue_today: i64,
    /// Orders paid after they had been given up, for an admin to look at.
    pub paid_late: Vec<Order>,
    /// Feedback to the platform in each state.
    pub feedback: Vec<(klearn_db::FeedbackState, i64)>,
    /// The moderation queue: flagged posts and held posts waiting, and
    /// reports resolved today.
    pub moderation: ModerationCounts,
}

/// The moderation queue's figures on the dashboard.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModerationCounts {
    pub flagged: i64,
    pub held: i64,
    pub resolved_today: i64,
}

impl DashboardView {
    pub fn money(&self, cents: &i64) -> String {
        price_label(*cents, "CNY")
    }

    pub fn feedback_state_key(&self, state: &klearn_db::FeedbackState) -> String {
        crate::feedback::views::state_key(state)
    }
}

pub struct UserRow {
    pub user: User,
    pub roles: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersView {
    pub page: Page,
    pub nav: AdminNav,
    pub q: String,
    pub rows: Vec<UserRow>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub struct UserView {
    pub page: Page,
    pub nav: AdminNav,
    pub member: User,
    pub roles: Vec<String>,
    pub sessions: i64,
    pub events: Vec<SecurityEvent>,
    pub can_edit_roles: bool,
    pub role_choices: Vec<(&'static str, bool)>,
    /// The end of a suspension in force.
    pub suspended_until: Option<NaiveDateTime>,
    pub can_suspend: bool,
    pub certification: Option<Application>,
    pub latest_application: Option<Application>,
    pub errors: FieldErrors,
    pub typed_reason: String,
    pub typed_until: String,
    pub typed_revoke: String,
    pub points_balance: i64,
    pub point_entries: Vec<klearn_db::points::PointEntry>,
    /// The points form's request key (a double click is written once).
    pub points_key: String,
    pub typed_amount: String,
    pub typed_points_reason: String,
    /// The level a moderator granted (0: none; the level shown is
    /// `member.trust_level`).
    pub trust_granted: i64,
}

impl UserView {
    /// The end of a forum silence in force.
    pub fn silenced_until(&self) -> Option<NaiveDateTime> {
        self.member
            .silenced_until
            .filter(|until| *until > klearn_db::now())
    }

    /// How a ledger row's reason reads.
    pub fn point_reason_key(&self, reason: &str) -> &'static str {
        crate::points::routes::reason_key(reason)
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditView {
    pub page: Page,
    pub nav: AdminNav,
    pub actor: String,
    pub kind: String,
    pub kinds: Vec<String>,
    pub rows: Vec<AuditRow>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "admin/orders.html")]
pub struct AdminOrdersView {
    pub page: Page,
    pub nav: AdminNav,
    pub states: Vec<OrderState>,
    pub state: String,
    pub from: String,
    pub to: String,
    pub q: String,
    pub errors: FieldErrors,
    pub rows: Vec<OrderRow>,
    pub pager: Pager,
    /// Refund requests waiting for an admin, oldest first.
    pub requests: Vec<klearn_db::refunds::PendingRequestRow>,
}

impl AdminOrdersView {
    pub fn money(&self, cents: &i64) -> String {
        price_label(*cents, "CNY")
    }

    pub fn state_key(&self, state: &OrderState) -> String {
        state_key(*state)
    }
}

#[derive(Template)]
#[template(path = "admin/order.html")]
pub struct AdminOrderView {
    pub page: Page,
    pub nav: AdminNav,
    pub parts: OrderParts,
    pub buyer: User,
    pub events: Vec<PaymentEvent>,
    /// The refund requests and whether the order qualifies for one.
    pub refund: crate::refunds::Eligibility,
    /// Items a refund has claimed (given back, or waiting for the provider).
    pub claimed: Vec<klearn_db::OrderItemId>,
    pub decline: crate::admin::orders::DeclineForm,
}

impl AdminOrderView {
    pub fn money(&self, cents: &i64) -> String {
        price_label(*cents, "CNY")
    }

    pub fn state_key(&self) -> String {
        state_key(self.parts.order.state)
    }

    pub fn payment_state_key(&self, state: &klearn_db::PaymentState) -> String {
        format!("orders.payment_state.{state}")
    }

    pub fn refund_state_key(&self, state: &klearn_db::RefundState) -> String {
        format!("orders.refund_state.{state}")
    }

    pub fn request_state_key(&self, state: &klearn_db::RefundRequestState) -> String {
        format!("refunds.request_state.{state}")
    }

    /// Whether the viewer is an admin (moderators see refunds, not their forms).
    pub fn is_admin(&self) -> bool {
        self.page.user.as_ref().is_some_and(|u| u.is_admin())
    }

    /// Whether the order is paid and not refunded in whole.
    pub fn open_for_refunds(&self) -> bool {
        matches!(
            self.parts.order.state,
            OrderState::Paid | OrderState::PartiallyRefunded
        )
    }

    /// Whether an admin may refund (some of) the order now.
    pub fn refundable(&self) -> bool {
        self.is_admin() && self.open_for_refunds() && self.parts.items.iter().any(|i| self.item_open(i))
    }

    /// Whether an item can still be refunded: not refunded, nor waiting.
    pub fn item_open(&self, item: &klearn_db::orders::OrderItem) -> bool {
        item.state == klearn_db::OrderItemState::Active && !self.claimed.contains(&item.id)
    }

    /// Each reason the order does not qualify for a learner's request.
    pub fn refund_reasons(&self) -> Vec<String> {
        self.refund
            .why
            .iter()
            .map(|why| crate::refunds::routes::why_text(&self.page, why))
            .collect()
    }
}

/// The moderation queue, with a refused decision's form as it was typed.
#[derive(Template)]
#[template(path = "admin/reports.html")]
pub struct ReportsView {
    pub page: Page,
    pub nav: AdminNav,
    pub queue: crate::admin::reports::Queue,
    pub typed: Option<crate::admin::reports::Typed>,
    pub errors: FieldErrors,
}

impl ReportsView {
    pub fn new(
        page: Page,
        queue: crate::admin::reports::Queue,
        typed: Option<crate::admin::reports::Typed>,
    ) -> Self {
        let errors = typed.as_ref().map(|t| t.errors.clone()).unwrap_or_default();
        ReportsView {
            page,
            nav: AdminNav {
                current: "/admin/reports",
            },
            queue,
            typed,
            errors,
        }
    }

    /// The message next to a field of one report's form.
    pub fn error_for(&self, report: &klearn_db::ReportId, field: &str) -> Option<&str> {
        self.typed
            .as_ref()
            .filter(|t| t.report == *report)
            .and_then(|t| t.errors.get(field))
    }

    /// What was typed in a field of one report's form.
    pub fn typed_for(&self, report: &klearn_db::ReportId, field: &str) -> String {
        let Some(t) = self.typed.as_ref().filter(|t| t.report == *report) else {
            return String::new();
        };
        match field {
            "outcome" => t.fields.outcome.clone(),
            "silence_days" => t.fields.silence_days.clone(),
            "suspend_until" => t.fields.suspend_until.clone(),
            "suspend_reason" => t.fields.suspend_reason.clone(),
            _ => String::new(),
        }
    }

    /// The translation key of a flag's reason.
    pub fn reason_key(&self, reason: &klearn_db::FlagReason) -> String {
        format!("forum.flag.reason_{}", reason.as_str())
    }

    pub fn thread_link(&self, thread: &klearn_db::forum::Thread, number: &i64) -> String {
        crate::forum::views::post_url(thread, *number)
    }
}
