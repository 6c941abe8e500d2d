//! Who hears of a new post once it shows: the thread's author and the
//! author of the post it answers are told of a reply.

use klearn_db::forum::{Post, Thread};
use klearn_db::{DbConnection, DbError, NotificationKind};

use super::{notify, Notice};

/// Tells of `post` (just shown in `thread`: posted, or approved from the
/// queue) those it concerns; call inside the transaction that shows it.
pub fn post_published(conn: &mut DbConnection, thread: &Thread, post: &Post) -> Result<(), DbError> {
    if post.number == 1 {
        return Ok(());
    }
    let reply = Notice::new(NotificationKind::Reply, format!("reply:{}", post.id))
        .by(post.author_id)
        .thread(thread.id)
        .post(post.id)
        .detail(thread.title.clone());
    let mut told = vec![post.author_id];
    if let Some(number) = post.reply_to {
        let answered = Post::by_number(conn, thread.id, number)?;
        if !told.contains(&answered.author_id) {
            notify(conn, answered.author_id, &reply)?;
            told.push(answered.author_id);
        }
    }
    if !told.contains(&thread.author_id) {
        notify(conn, thread.author_id, &reply)?;
    }
    Ok(())
}
