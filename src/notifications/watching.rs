//! How closely a member follows a thread: watching (told of every new
//! post), normal (only what concerns them) or muted (told nothing). A
//! member watches the threads they start or reply to unless they chose.

use klearn_db::forum::Thread;
use klearn_db::notifications::{Notification, ThreadWatch};
use klearn_db::{write_tx, DbConnection, DbError, PostState, ThreadId, UserId, WatchLevel};

use super::NotificationError;
use crate::domain::actor::Actor;

/// Sets the member's level for a thread they can see; returns the thread.
pub fn set_watch(
    conn: &mut DbConnection,
    actor: &Actor,
    thread: ThreadId,
    level: WatchLevel,
) -> Result<Thread, NotificationError> {
    let member = actor.user_id().ok_or(NotificationError::NotFound)?;
    write_tx(conn, |conn| {
        let thread = Thread::find(conn, thread)?;
        if thread.state != PostState::Visible && !actor.is_moderator() {
            return Err(NotificationError::NotFound);
        }
        ThreadWatch::set(conn, member, thread.id, level)?;
        Ok(thread)
    })
}

/// A member sees a thread: what they were told about it is read now (its
/// waiting emails cancelled; a write only when something was unread).
/// Returns how closely they follow it and how many notifications it read.
pub fn thread_seen(
    conn: &mut DbConnection,
    member: UserId,
    thread: ThreadId,
) -> Result<(WatchLevel, usize), DbError> {
    let read = if Notification::has_unread_in_thread(conn, member, thread)? {
        write_tx(conn, |conn| Notification::mark_thread_read(conn, member, thread))?
    } else {
        0
    };
    let level = ThreadWatch::level(conn, member, thread)?.unwrap_or(WatchLevel::Normal);
    Ok((level, read))
}
