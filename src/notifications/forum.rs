//! Who hears of what happens in the forum: a post that shows tells the
//! thread's author and the answered post's author (reply), the members it
//! mentions (at most `MENTIONS_NOTIFIED`), then the thread's watchers, each
//! once and never from a thread they muted; an edit tells newly mentioned
//! members and takes back the unread mention of one edited away; likes are
//! batched per post within two hours; an accepted answer tells its author.

use chrono::Duration;
use klearn_db::forum::{Post, Thread};
use klearn_db::notifications::{first_like_notice, Notification, ThreadWatch};
use klearn_db::users::User;
use klearn_db::{DbConnection, DbError, NotificationKind, PostId, PostState, UserId, WatchLevel};

use super::{notify, Notice};
use crate::domain::trust::{mentions_in, MENTIONS_NOTIFIED};

/// Likes of one post within this many hours join one notification.
pub const LIKES_BATCHED_HOURS: i64 = 2;

/// How many `@names` of a post are looked up to find the members it mentions.
const MENTIONS_LOOKED_UP: usize = 5 * MENTIONS_NOTIFIED;

fn reply_key(post: PostId) -> String {
    format!("reply:{post}")
}

fn mention_key(post: PostId) -> String {
    format!("mention:{post}")
}

/// Tells of `post` (just shown in `thread`: posted, or approved from the
/// queue) those it concerns; call inside the transaction that shows it. Its
/// author watches the thread from now on unless they chose otherwise.
pub fn post_published(conn: &mut DbConnection, thread: &Thread, post: &Post) -> Result<(), DbError> {
    ThreadWatch::watch_unless_chosen(conn, post.author_id, thread.id)?;
    let muted = ThreadWatch::members_at(conn, thread.id, WatchLevel::Muted)?;
    let mut told = vec![post.author_id];
    if post.number != 1 {
        let reply = Notice::new(NotificationKind::Reply, reply_key(post.id))
            .by(post.author_id)
            .thread(thread.id)
            .post(post.id)
            .detail(thread.title.clone());
        let mut concerned = Vec::new();
        if let Some(number) = post.reply_to {
            concerned.push(Post::by_number(conn, thread.id, number)?.author_id);
        }
        concerned.push(thread.author_id);
        for member in concerned {
            if told.contains(&member) || muted.contains(&member) {
                continue;
            }
            notify(conn, member, &reply)?;
            told.push(member);
        }
    }
    told.extend(tell_mentions(conn, thread, post, &muted)?);
    let watched = Notice::new(NotificationKind::Watched, format!("watched:{}", post.id))
        .by(post.author_id)
        .thread(thread.id)
        .post(post.id)
        .detail(thread.title.clone());
    for member in ThreadWatch::members_at(conn, thread.id, WatchLevel::Watching)? {
        if !told.contains(&member) {
            notify(conn, member, &watched)?;
        }
    }
    Ok(())
}

/// After an edit of a shown post: newly mentioned members are told, and a
/// mention edited away is taken back while unread (its waiting email too).
pub fn post_edited(conn: &mut DbConnection, thread: &Thread, post: PostId) -> Result<(), DbError> {
    let post = Post::find(conn, post)?;
    if post.state != PostState::Visible || thread.state != PostState::Visible {
        return Ok(());
    }
    let muted = ThreadWatch::members_at(conn, thread.id, WatchLevel::Muted)?;
    tell_mentions(conn, thread, &post, &muted)?;
    Ok(())
}

/// The members `post` mentions (the first `MENTIONS_NOTIFIED` that exist,
/// not its author): each is told once, unless told of it as a reply or the
/// thread is muted for them; a member told earlier and no longer mentioned
/// loses the unread notification. Returns the members mentioned.
fn tell_mentions(
    conn: &mut DbConnection,
    thread: &Thread,
    post: &Post,
    muted: &[UserId],
) -> Result<Vec<UserId>, DbError> {
    let mut mentioned: Vec<UserId> = Vec::new();
    // Names that are no member cost a query each: only so many are looked up.
    for name in mentions_in(&post.body).into_iter().take(MENTIONS_LOOKED_UP) {
        if mentioned.len() >= MENTIONS_NOTIFIED {
            break;
        }
        let member = match User::find_by_username(conn, &name) {
            Ok(user) if user.deleted_at.is_none() => user.id,
            Ok(_) | Err(DbError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        if member != post.author_id && !mentioned.contains(&member) {
            mentioned.push(member);
        }
    }
    let key = mention_key(post.id);
    for earlier in Notification::holders_of(conn, &key)? {
        if !mentioned.contains(&earlier) {
            Notification::withdraw_unread(conn, earlier, &key)?;
        }
    }
    let mention = Notice::new(NotificationKind::Mention, key)
        .by(post.author_id)
        .thread(thread.id)
        .post(post.id)
        .detail(thread.title.clone());
    for member in &mentioned {
        if muted.contains(member) || Notification::exists(conn, *member, &reply_key(post.id))? {
            continue;
        }
        notify(conn, *member, &mention)?;
    }
    Ok(mentioned)
}

/// `by` liked `post`: its author is told once per liker, in one
/// notification per post while it is unread and under two hours old
/// ("Ana and 2 others liked your post").
pub fn post_liked(conn: &mut DbConnection, thread: &Thread, post: &Post, by: UserId) -> Result<(), DbError> {
    let author = post.author_id;
    if author == by || !first_like_notice(conn, post.id, by)? {
        return Ok(());
    }
    if ThreadWatch::level(conn, author, thread.id)? == Some(WatchLevel::Muted) {
        return Ok(());
    }
    let since = klearn_db::now() - Duration::hours(LIKES_BATCHED_HOURS);
    if let Some(batch) = Notification::open_like_batch(conn, author, post.id, since)? {
        return Notification::join_like(conn, batch.id, by);
    }
    let like = Notice::new(NotificationKind::Like, format!("like:{}:{by}", post.id))
        .by(by)
        .thread(thread.id)
        .post(post.id)
        .detail(thread.title.clone());
    notify(conn, author, &like)?;
    Ok(())
}

/// `by` accepted `post` as the answer: its author is told (once per post).
pub fn answer_accepted(
    conn: &mut DbConnection,
    thread: &Thread,
    post: &Post,
    by: UserId,
) -> Result<(), DbError> {
    let accepted = Notice::new(NotificationKind::Accepted, format!("accepted:{}", post.id))
        .by(by)
        .thread(thread.id)
        .post(post.id)
        .detail(thread.title.clone());
    notify(conn, post.author_id, &accepted)?;
    Ok(())
}
