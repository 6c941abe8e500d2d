//! Likes (one per member and post, never on one's own post) and accepted
//! answers (one per question, chosen by the asker, the course's expert on
//! its board, or a moderator). Counters on the post, the thread and the
//! author move in the same transaction.

use klearn_db::audit::{self, Object};
use klearn_db::courses::Course;
use klearn_db::forum::{Board, Counters, Post, PostLike, Thread};
use klearn_db::users::User;
use klearn_db::{public_write_tx, DbConnection, PostId, PostState};

use super::ForumError;
use crate::domain::actor::Actor;

/// A visible post of a visible thread.
fn visible(conn: &mut DbConnection, id: PostId) -> Result<(Post, Thread), ForumError> {
    let post = Post::find(conn, id)?;
    let thread = Thread::find(conn, post.thread_id)?;
    if post.state != PostState::Visible || thread.state != PostState::Visible {
        return Err(ForumError::NotFound);
    }
    Ok((post, thread))
}

/// Likes a post, or takes the like back; returns whether the member likes
/// it now, the post's thread and the post.
pub fn toggle_like(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PostId,
) -> Result<(bool, Thread, Post), ForumError> {
    let member = actor.user_id().ok_or(ForumError::NotFound)?;
    public_write_tx(conn, |conn| {
        let (post, thread) = visible(conn, id)?;
        if post.author_id == member {
            return Err(ForumError::Forbidden("forum.error.own_post"));
        }
        if !User::find(conn, member)?.is_verified() {
            return Err(ForumError::Forbidden("forum.error.verify_first"));
        }
        // Counters move only with a row that this transaction wrote or
        // removed: a press racing another (PostgreSQL runs them side by side)
        // that finds the like already gone changes nothing.
        let (liked, delta) = if PostLike::add(conn, id, member)? {
            (true, 1)
        } else if PostLike::remove(conn, id, member)? {
            (false, -1)
        } else {
            (false, 0)
        };
        if delta != 0 {
            Post::add_likes(conn, id, delta)?;
            Thread::add_likes(conn, thread.id, delta)?;
            Counters::likes_received(conn, post.author_id, delta)?;
        }
        if liked {
            crate::notifications::forum::post_liked(conn, &thread, &post, member)?;
        }
        if delta != 0 {
            super::trust::count_like(conn, member, post.author_id, delta)?;
        }
        Ok((liked, thread, post))
    })
}

/// Accepts a reply as the answer to its question, or takes the acceptance
/// back; returns whether it is accepted now, and the thread.
pub fn toggle_accept(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PostId,
) -> Result<(bool, Thread), ForumError> {
    let by = actor.user_id().ok_or(ForumError::NotFound)?;
    public_write_tx(conn, |conn| {
        let (post, thread) = visible(conn, id)?;
        let course_expert = match thread.board() {
            Board::Course(course) => actor.is(Course::find(conn, course)?.owner_id),
            Board::Category(_) => false,
        };
        if !actor.is(thread.author_id) && !course_expert && !actor.is_moderator() {
            return Err(ForumError::Forbidden("forum.error.accept_who"));
        }
        if !thread.is_question() || post.number == 1 {
            return Err(ForumError::Conflict("forum.error.accept_what"));
        }
        if post.author_id == thread.author_id {
            return Err(ForumError::Conflict("forum.error.accept_own"));
        }
        if thread.accepted_post_id == Some(id) {
            Thread::set_accepted(conn, thread.id, None)?;
            Counters::accepted_answers(conn, post.author_id, -1)?;
            return Ok((false, thread));
        }
        if let Some(previous) = thread.accepted_post_id {
            let previous = Post::find(conn, previous)?;
            Counters::accepted_answers(conn, previous.author_id, -1)?;
        }
        Thread::set_accepted(conn, thread.id, Some(id))?;
        Counters::accepted_answers(conn, post.author_id, 1)?;
        crate::notifications::forum::answer_accepted(conn, &thread, &post, by)?;
        if !actor.is(thread.author_id) {
            audit::record(
                conn,
                Some(by),
                "post.accepted",
                Object::new("post", id),
                &thread.title,
            )?;
        }
        Ok((true, thread))
    })
}
