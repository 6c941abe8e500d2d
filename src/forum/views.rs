//! The forum's views: the front page, a board's list, the new-thread form,
//! a thread with its posts and reply form, the edit form, a post's
//! revisions.

use askama::Template;
use klearn_db::courses::Course;
use klearn_db::forum::{Post, PostRevision, Thread};
use klearn_db::ThreadKind;

pub use super::pages::Posting;
use super::pages::{BoardLink, ForumHome, ListPage, PostCard, ThreadPage, ThreadRow};
use crate::domain::forum::{encode_cursor, page_of};
use crate::web::{FieldErrors, Page};

/// A thread's canonical address.
pub fn thread_url(thread: &Thread) -> String {
    format!("/t/{}/{}", thread.id, thread.slug)
}

/// Where post `number` of `thread` is: its page, and its anchor.
pub fn post_url(thread: &Thread, number: i64) -> String {
    match page_of(number) {
        1 => format!("{}#post-{number}", thread_url(thread)),
        page => format!("{}?page={page}#post-{number}", thread_url(thread)),
    }
}

/// What a row and a thread page say about a thread: its badges.
pub trait ThreadBadges {
    fn thread(&self) -> &Thread;

    fn url(&self) -> String {
        thread_url(self.thread())
    }

    fn is_question(&self) -> bool {
        self.thread().kind == ThreadKind::Question
    }

    fn is_solved(&self) -> bool {
        self.thread().accepted_post_id.is_some()
    }
}

impl ThreadBadges for ThreadRow {
    fn thread(&self) -> &Thread {
        &self.thread
    }
}

impl ThreadBadges for ThreadPage {
    fn thread(&self) -> &Thread {
        &self.thread
    }
}

#[derive(Template)]
#[template(path = "forum/index.html")]
pub struct ForumHomeView {
    pub page: Page,
    pub home: ForumHome,
    pub q: String,
}

impl ForumHomeView {
    pub fn next_url(&self) -> Option<String> {
        self.home
            .list
            .next
            .map(|c| format!("/forum?before={}", encode_cursor(c)))
    }

    pub fn excerpt(&self, post: &Post) -> String {
        excerpt(&post.body, 160)
    }
}

/// The first `max` characters of a post's source, on one line.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max).collect();
    cut.push('…');
    cut
}

#[derive(Template)]
#[template(path = "forum/list.html")]
pub struct ThreadListView {
    pub page: Page,
    pub title: String,
    pub description: String,
    /// The list's own address (sorts and pages add their query).
    pub base: String,
    /// Where a new thread is started.
    pub new_url: String,
    pub course: Option<Course>,
    pub posting: Posting,
    pub list: ListPage,
    pub sort: String,
    pub period: String,
}

impl ThreadListView {
    pub fn sort_url(&self, sort: &str, period: &str) -> String {
        match (sort, period) {
            ("latest", _) => self.base.clone(),
            ("top", "") => format!("{}?sort=top", self.base),
            (sort, "") => format!("{}?sort={sort}", self.base),
            (sort, period) => format!("{}?sort={sort}&period={period}", self.base),
        }
    }

    pub fn next_url(&self) -> Option<String> {
        let cursor = encode_cursor(self.list.next?);
        Some(match (self.sort.as_str(), self.period.as_str()) {
            ("latest", _) => format!("{}?before={cursor}", self.base),
            ("top", period) if !period.is_empty() => {
                format!("{}?sort=top&period={period}&before={cursor}", self.base)
            }
            (sort, _) => format!("{}?sort={sort}&before={cursor}", self.base),
        })
    }

    pub fn periods(&self) -> [(&'static str, &'static str); 4] {
        [
            ("day", "forum.period.day"),
            ("week", "forum.period.week"),
            ("month", "forum.period.month"),
            ("all", "forum.period.all"),
        ]
    }
}

/// The new-thread form as typed.
#[derive(Debug, Clone, Default)]
pub struct ThreadForm {
    pub title: String,
    pub body: String,
    pub kind: String,
    pub tags: String,
}

#[derive(Template)]
#[template(path = "forum/new.html")]
pub struct NewThreadView {
    pub page: Page,
    pub board: BoardLink,
    /// Where the form posts.
    pub action: String,
    pub form: ThreadForm,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "forum/thread.html")]
pub struct ThreadView {
    pub page: Page,
    pub t: ThreadPage,
    /// The reply form as typed (after a refusal), and the post it answers.
    pub reply_body: String,
    pub reply_to: Option<i64>,
    pub errors: FieldErrors,
}

impl ThreadView {
    pub fn thread_url(&self) -> String {
        thread_url(&self.t.thread)
    }

    pub fn post_url(&self, number: &i64) -> String {
        post_url(&self.t.thread, *number)
    }

    pub fn page_url(&self, page: &i64) -> String {
        match *page {
            1 => thread_url(&self.t.thread),
            page => format!("{}?page={page}", thread_url(&self.t.thread)),
        }
    }

    pub fn is_accepted(&self, card: &PostCard) -> bool {
        self.t.thread.accepted_post_id == Some(card.post.id)
    }

    /// The viewer wrote this post (and may edit or delete it).
    pub fn may_change(&self, card: &PostCard) -> bool {
        self.page
            .user
            .as_ref()
            .is_some_and(|u| u.id == card.post.author_id)
            || self.page.is_moderator()
    }

    pub fn may_like(&self, card: &PostCard) -> bool {
        self.page
            .user
            .as_ref()
            .is_some_and(|u| u.id != card.post.author_id)
            && !card.post.is_deleted()
    }

    pub fn may_accept(&self, card: &PostCard) -> bool {
        self.t.may_accept
            && card.post.number > 1
            && !card.post.is_deleted()
            && card.post.author_id != self.t.thread.author_id
    }

    /// A signed-in member may flag a visible post that is not theirs (the
    /// level needed is checked when they send it, with its reason).
    pub fn may_flag(&self, card: &PostCard) -> bool {
        self.page
            .user
            .as_ref()
            .is_some_and(|u| u.id != card.post.author_id)
            && card.post.state == klearn_db::PostState::Visible
    }

    /// No errors: the flag form under each post starts empty.
    pub fn no_errors(&self) -> FieldErrors {
        FieldErrors::new()
    }

    /// Deleted posts are read by moderators only.
    pub fn shows_text(&self, card: &PostCard) -> bool {
        !card.post.is_deleted() || self.page.is_moderator()
    }

    pub fn pages(&self) -> Vec<i64> {
        (1..=self.t.pages).collect()
    }

    pub fn login_url(&self) -> String {
        format!("/login?next={}", self.thread_url())
    }
}

#[derive(Template)]
#[template(path = "forum/edit.html")]
pub struct EditPostView {
    pub page: Page,
    pub post: Post,
    pub thread: Thread,
    pub body: String,
    pub errors: FieldErrors,
}

impl EditPostView {
    pub fn back_url(&self) -> String {
        post_url(&self.thread, self.post.number)
    }
}

#[derive(Template)]
#[template(path = "forum/revisions.html")]
pub struct RevisionsView {
    pub page: Page,
    pub post: Post,
    pub thread: Thread,
    /// Earlier texts, oldest first, with who replaced each.
    pub revisions: Vec<(PostRevision, String)>,
}

impl RevisionsView {
    pub fn back_url(&self) -> String {
        post_url(&self.thread, self.post.number)
    }
}

/// A flag refused for its form: the post's place and what was chosen.
#[derive(Template)]
#[template(path = "forum/report.html")]
pub struct FlagView {
    pub page: Page,
    pub thread: Thread,
    pub number: i64,
    pub post_id: klearn_db::PostId,
    pub reason: String,
    pub note: String,
    pub errors: FieldErrors,
}

impl FlagView {
    pub fn back_url(&self) -> String {
        post_url(&self.thread, self.number)
    }
}

/// The reasons a post can be flagged for, in the order the form lists them.
pub const FLAG_REASONS: [&str; 4] = ["spam", "offensive", "off_topic", "other"];

/// Whether a flag form's chosen reason is `r` (for its radio buttons).
pub fn same_reason(chosen: impl AsRef<str>, r: impl AsRef<str>) -> bool {
    chosen.as_ref() == r.as_ref()
}
