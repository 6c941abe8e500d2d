//! A moderator's hand on a thread: pin it to the top of its board's list,
//! lock it against replies, or move it to another forum category. Each
//! action is audited and its author told.

use klearn_db::audit::{self, Object};
use klearn_db::categories::{Category, FORUM};
use klearn_db::forum::Thread;
use klearn_db::{public_write_tx, CategoryId, DbConnection, NotificationKind, ThreadId};

use crate::notifications::{notify, Notice};

use super::ForumError;
use crate::domain::actor::Actor;

/// What a moderator does to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAction {
    Pin,
    Unpin,
    Lock,
    Unlock,
    /// To this forum category (a course board's thread stays on its board).
    Move(CategoryId),
}

impl ThreadAction {
    pub fn name(self) -> &'static str {
        match self {
            ThreadAction::Pin => "pin",
            ThreadAction::Unpin => "unpin",
            ThreadAction::Lock => "lock",
            ThreadAction::Unlock => "unlock",
            ThreadAction::Move(_) => "move",
        }
    }
}

/// Applies `action` to a thread; returns the thread as it is now.
pub fn moderate(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ThreadId,
    action: ThreadAction,
) -> Result<Thread, ForumError> {
    if !actor.is_moderator() {
        return Err(ForumError::Forbidden("forum.error.moderators_only"));
    }
    public_write_tx(conn, |conn| {
        let thread = Thread::find(conn, id)?;
        match action {
            ThreadAction::Pin | ThreadAction::Unpin => {
                Thread::set_pinned(conn, id, action == ThreadAction::Pin)?
            }
            ThreadAction::Lock | ThreadAction::Unlock => {
                Thread::set_locked(conn, id, action == ThreadAction::Lock)?
            }
            ThreadAction::Move(category) => {
                let target = Category::find(conn, category)?;
                if target.kind != FORUM || thread.course_id.is_some() {
                    return Err(ForumError::invalid("category", "forum.error.move_where"));
                }
                Thread::move_to(conn, id, category)?;
            }
        }
        audit::record(
            conn,
            actor.user_id(),
            &format!("thread.{}", action.name()),
            Object::new("thread", id),
            &thread.title,
        )?;
        let mut notice = Notice::new(
            NotificationKind::Moderation,
            format!(
                "thread:{id}:{}:{}",
                action.name(),
                klearn_db::now().and_utc().timestamp()
            ),
        )
        .thread(id)
        .detail(format!("thread.{}", action.name()));
        if let Some(by) = actor.user_id() {
            notice = notice.by(by);
        }
        notify(conn, thread.author_id, &notice)?;
        Ok(Thread::find(conn, id)?)
    })
}
