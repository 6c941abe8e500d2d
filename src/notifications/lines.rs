//! Each notification said in the member's language ("Ana and 2 others
//! liked your post in “Lifetimes”") with the link to what it concerns (a
//! thread's post, a course, an order), for the notifications page, the
//! emails and the digest alike; from a fixed number of queries per page.

use chrono::NaiveDateTime;
use klearn_db::courses::Course;
use klearn_db::forum::{Post, Thread};
use klearn_db::notifications::Notification;
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, NotificationId, NotificationKind, PostId, UserId};

use crate::forum::views::post_url;
use crate::i18n::Tr;

/// One notification as a member reads it.
#[derive(Debug, Clone)]
pub struct Line {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub text: String,
    /// A site path (`/t/3/slug#post-4`, `/courses/rust`, `/orders/7`).
    pub url: String,
    pub unread: bool,
    pub at: NaiveDateTime,
    /// The post it concerns, for the email's excerpt.
    pub post: Option<PostId>,
}

/// The translation key of a notification's line: its kind, and for orders
/// and certification the event its key ends with (`order:7:paid`).
fn text_key(n: &Notification) -> String {
    let event = n.dedupe_key.rsplit(':').next().unwrap_or_default();
    match n.kind {
        NotificationKind::Like if n.others_count == 1 => "notifications.line.like_two".into(),
        NotificationKind::Like if n.others_count > 1 => "notifications.line.like_many".into(),
        NotificationKind::Order | NotificationKind::Certification => {
            format!("notifications.line.{}_{event}", n.kind.as_str())
        }
        NotificationKind::Moderation => format!("notifications.line.moderation_{}", moderation_event(n)),
        kind => format!("notifications.line.{}", kind.as_str()),
    }
}

/// What a moderator's notification tells, from its key and detail: a post
/// hidden by flags (`hidden:<post>`), a report's decision told to the post's
/// author or to a flagger (`report:<id>:author`, detail `hide`, `delete`,
/// `restore`, `ignore`), or a hand on the thread (`thread:…`, detail
/// `thread.pin` …). Anything else reads as a moderator's action.
pub fn moderation_event(n: &Notification) -> &'static str {
    let to = n.dedupe_key.rsplit(':').next().unwrap_or_default();
    match (
        n.dedupe_key.split(':').next().unwrap_or_default(),
        to,
        n.detail.as_str(),
    ) {
        ("hidden", _, _) => "hidden",
        ("report", "author", "hide") => "author_hide",
        ("report", "author", "delete") => "author_delete",
        ("report", "author", "restore") => "author_restore",
        ("report", "author", "ignore") => "author_ignore",
        ("report", "flag", "hide" | "delete") => "flag_agreed",
        ("report", "flag", "restore") => "flag_disagreed",
        ("report", "flag", "ignore") => "flag_ignored",
        ("thread", _, "thread.pin") => "thread_pin",
        ("thread", _, "thread.unpin") => "thread_unpin",
        ("thread", _, "thread.lock") => "thread_lock",
        ("thread", _, "thread.unlock") => "thread_unlock",
        ("thread", _, "thread.move") => "thread_move",
        _ => "other",
    }
}

/// The lines of `notifications`, in their order.
pub fn describe(
    conn: &mut DbConnection,
    tr: &Tr,
    notifications: &[Notification],
) -> Result<Vec<Line>, DbError> {
    let ids = |f: &dyn Fn(&Notification) -> Option<i64>| {
        let mut ids: Vec<i64> = notifications.iter().filter_map(f).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let people: Vec<UserId> = ids(&|n| n.actor_id.map(|u| u.0))
        .into_iter()
        .map(UserId)
        .collect();
    let threads: Vec<klearn_db::ThreadId> = ids(&|n| n.thread_id.map(|t| t.0))
        .into_iter()
        .map(klearn_db::ThreadId)
        .collect();
    let posts: Vec<PostId> = ids(&|n| n.post_id.map(|p| p.0)).into_iter().map(PostId).collect();
    let courses: Vec<klearn_db::CourseId> = ids(&|n| n.course_id.map(|c| c.0))
        .into_iter()
        .map(klearn_db::CourseId)
        .collect();
    let people = if people.is_empty() {
        Vec::new()
    } else {
        User::find_many(conn, &people)?
    };
    let threads = if threads.is_empty() {
        Vec::new()
    } else {
        Thread::find_many(conn, &threads)?
    };
    let posts = if posts.is_empty() {
        Vec::new()
    } else {
        Post::find_many(conn, &posts)?
    };
    let courses = if courses.is_empty() {
        Vec::new()
    } else {
        Course::find_many(conn, &courses)?
    };
    Ok(notifications
        .iter()
        .map(|n| {
            let who = n
                .actor_id
                .and_then(|a| people.iter().find(|u| u.id == a))
                .map(|u| u.shown_name().to_string())
                .unwrap_or_default();
            let thread = n.thread_id.and_then(|t| threads.iter().find(|x| x.id == t));
            let post = n.post_id.and_then(|p| posts.iter().find(|x| x.id == p));
            let course = n.course_id.and_then(|c| courses.iter().find(|x| x.id == c));
            let url = match (thread, post, course, n.order_id) {
                (Some(thread), Some(post), _, _) => post_url(thread, post.number),
                (Some(thread), None, _, _) => crate::forum::views::thread_url(thread),
                (None, _, _, Some(order)) => format!("/orders/{order}"),
                (None, _, Some(course), None) => format!("/courses/{}", course.slug),
                _ if n.kind == NotificationKind::Certification => "/experts/apply".into(),
                _ => "/notifications".into(),
            };
            let others = n.others_count.to_string();
            // A moderator's notification keeps a code in its detail: the
            // line names the thread instead.
            let what = match (n.kind, thread) {
                (NotificationKind::Moderation, Some(thread)) => thread.title.as_str(),
                _ => n.detail.as_str(),
            };
            Line {
                id: n.id,
                kind: n.kind,
                text: tr.tf(
                    &text_key(n),
                    &[("who", &who), ("others", &others), ("what", what)],
                ),
                url,
                unread: !n.is_read(),
                at: n.created_at,
                post: n.post_id,
            }
        })
        .collect())
}
