//! Trust levels in the forum: where a member's post goes under their
//! level's limits, or why it is refused (`admit`, `admit_edit`); a member's
//! level computed again after their activity moved (`reevaluate`); and the
//! moderators' grants of levels 3 and 4 (`grant`). The rules themselves are
//! in `domain::trust`.

use klearn_db::audit::{self, Object};
use klearn_db::trust::{ActivityDelta, MemberActivity, PostingHistory, Standing};
use klearn_db::users::User;
use klearn_db::{write_tx, DbConnection, DbError, UserId};

use super::ForumError;
use crate::domain::actor::Actor;
use crate::domain::trust::{
    check_post, earned, links_in, mentions_in, Activity, Draft, History, Placement, TrustLevel,
};

/// The level on a member's row.
pub fn level_of(user: &User) -> TrustLevel {
    TrustLevel::from_number(user.trust_level).unwrap_or(TrustLevel::New)
}

/// The translation key of a level's name (`trust.name.N`).
pub fn level_name_key(level: &i64) -> String {
    format!("trust.name.{}", (*level).clamp(0, 4))
}

/// Refuses a silenced member.
fn not_silenced(author: &User) -> Result<(), ForumError> {
    match author.silenced_until {
        Some(until) if until > klearn_db::now() => Err(ForumError::Silenced { until }),
        _ => Ok(()),
    }
}

/// Where `author`'s new post (`body`; a thread's first post when
/// `new_thread`) goes under their level's limits, or why it is refused.
/// Moderators post without limits.
pub fn admit(
    conn: &mut DbConnection,
    actor: &Actor,
    author: UserId,
    body: &str,
    new_thread: bool,
) -> Result<Placement, ForumError> {
    let author = &User::find(conn, author)?;
    not_silenced(author)?;
    if actor.is_moderator() {
        return Ok(Placement::Shown);
    }
    let past = PostingHistory::of(conn, author.id)?;
    let now = klearn_db::now();
    let history = History {
        account_age: now - past.account_created_at,
        threads_first_day: past.threads_first_day,
        replies_first_day: past.replies_first_day,
        since_last_post: past.last_post_at.map(|at| now - at),
    };
    let draft = Draft {
        new_thread,
        links: links_in(body),
        mentions: mentions_in(body).len(),
    };
    check_post(level_of(author), &draft, &history).map_err(|refusal| ForumError::Refused { refusal })
}

/// Whether an author's edit keeps to their level's limits on links and
/// mentions (an edit is not a new post: no rate limit, never held).
pub fn admit_edit(actor: &Actor, author: &User, body: &str) -> Result<(), ForumError> {
    if actor.is_moderator() {
        return Ok(());
    }
    not_silenced(author)?;
    let draft = Draft {
        new_thread: false,
        links: links_in(body),
        mentions: mentions_in(body).len(),
    };
    let settled = History {
        account_age: chrono::Duration::days(365),
        threads_first_day: 0,
        replies_first_day: 0,
        since_last_post: None,
    };
    check_post(level_of(author), &draft, &settled)
        .map(|_| ())
        .map_err(|refusal| ForumError::Refused { refusal })
}

/// The member's activity as the level rules read it.
fn activity_of(conn: &mut DbConnection, user: &User) -> Result<(Activity, TrustLevel), DbError> {
    let row = MemberActivity::of(conn, user.id)?;
    let activity = Activity {
        threads_entered: row.threads_entered,
        posts_read: row.posts_read,
        reading_seconds: row.reading_seconds,
        days_visited: row.days_visited,
        likes_given: row.likes_given,
        likes_received: user.likes_received,
        threads_replied: row.threads_replied,
    };
    let granted = TrustLevel::from_number(row.trust_granted).unwrap_or(TrustLevel::New);
    Ok((activity, granted))
}

/// Computes the member's level again from their activity, inside the
/// caller's transaction, and keeps it on their row. A level once earned is
/// kept (as in Discourse, levels 1 and 2 are not taken back by a quiet
/// month); returns the level now.
pub fn reevaluate(conn: &mut DbConnection, user: UserId) -> Result<TrustLevel, DbError> {
    let member = User::find(conn, user)?;
    let (activity, granted) = activity_of(conn, &member)?;
    let level = earned(&activity, granted).max(level_of(&member));
    if Standing::set_level(conn, user, level.number())? {
        // The member's public page shows the level.
        klearn_db::generations::bump(conn, klearn_db::generations::SITE)?;
    }
    Ok(level)
}

/// Adds to a member's activity and computes their level again.
pub fn count(conn: &mut DbConnection, user: UserId, delta: &ActivityDelta) -> Result<TrustLevel, DbError> {
    MemberActivity::add(conn, user, delta)?;
    reevaluate(conn, user)
}

/// Counts a reply that has just been published as its author's first in
/// its thread, if it is.
pub fn first_reply(conn: &mut DbConnection, post: &klearn_db::forum::Post) -> Result<(), DbError> {
    if post.number > 1 && !PostingHistory::has_replied(conn, post.author_id, post.thread_id, post.number)? {
        let delta = ActivityDelta {
            threads_replied: 1,
            ..ActivityDelta::default()
        };
        count(conn, post.author_id, &delta)?;
    }
    Ok(())
}

/// Counts a like given (`delta` 1) or taken back (-1) for both members'
/// levels: the giver's likes given, the author's likes received.
pub fn count_like(conn: &mut DbConnection, giver: UserId, author: UserId, delta: i64) -> Result<(), DbError> {
    let given = ActivityDelta {
        likes_given: delta,
        ..ActivityDelta::default()
    };
    count(conn, giver, &given)?;
    reevaluate(conn, author)?;
    Ok(())
}

/// A moderator grants a member level 3 or 4 (`Some`), or takes the grant
/// back (`None`: the member keeps what their activity earns). Audited.
pub fn grant(
    conn: &mut DbConnection,
    actor: &Actor,
    member: UserId,
    level: Option<TrustLevel>,
) -> Result<TrustLevel, ForumError> {
    if !actor.is_moderator() {
        return Err(ForumError::Forbidden("forum.error.moderators_only"));
    }
    if level.is_some_and(|l| l < TrustLevel::Regular) {
        return Err(ForumError::invalid("level", "admin.trust.level_invalid"));
    }
    write_tx(conn, |conn| {
        let user = User::find(conn, member)?;
        if user.is_deleted() {
            return Err(ForumError::NotFound);
        }
        let granted = level.unwrap_or(TrustLevel::New);
        MemberActivity::set_granted(conn, member, granted.number())?;
        let (activity, granted) = activity_of(conn, &user)?;
        let now = earned(&activity, granted);
        if Standing::set_level(conn, member, now.number())? {
            klearn_db::generations::bump(conn, klearn_db::generations::SITE)?;
        }
        let note = match level {
            Some(l) => format!("granted level {}", l.number()),
            None => format!("grant taken back; level {}", now.number()),
        };
        audit::record(
            conn,
            actor.user_id(),
            "user.trust_level",
            Object::user(member),
            &note,
        )?;
        Ok(now)
    })
}
