//! The notifications pages' views: the list, the email settings and the
//! unsubscribe answer.

use askama::Template;
use klearn_db::{EmailChoice, NotificationKind};

use super::lines::Line;
use crate::web::{FieldErrors, Page};

#[derive(Template)]
#[template(path = "notifications/index.html")]
pub struct NotificationsView {
    pub page: Page,
    pub lines: Vec<Line>,
    /// The link to older notifications, when there are more.
    pub next: Option<String>,
    pub any_unread: bool,
}

impl NotificationsView {
    pub fn when(&self, line: &Line) -> String {
        line.at.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[derive(Template)]
#[template(path = "settings/notifications.html")]
pub struct NotificationSettingsView {
    pub page: Page,
    /// Each kind with the choice shown (as typed after a refusal).
    pub choices: Vec<(NotificationKind, String)>,
    pub timezone: String,
    /// The site's time zone, used when the member's is empty.
    pub site_timezone: String,
    pub errors: FieldErrors,
}

impl NotificationSettingsView {
    pub fn options(&self) -> [&'static str; 3] {
        [
            EmailChoice::Off.as_str(),
            EmailChoice::Immediately.as_str(),
            EmailChoice::Daily.as_str(),
        ]
    }

    pub fn kind_label(&self, kind: &NotificationKind) -> String {
        self.page
            .t(&format!("notifications.kind.{}", kind.as_str()))
            .to_string()
    }

    pub fn choice_label(&self, choice: &str) -> String {
        self.page.t(&format!("notifications.email.{choice}")).to_string()
    }
}

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
pub struct UnsubscribeView {
    pub page: Page,
    /// The kinds turned off, named in the page's language; `None`: the link was bad.
    pub turned_off: Option<Vec<String>>,
}
