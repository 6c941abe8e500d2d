//! Editing and deleting posts. Authors and moderators edit; within the
//! grace period after posting an author's edit leaves no trace, later (and
//! always for a moderator's edit) the post is marked edited and its earlier
//! text kept as a revision that moderators can read. Deleting is soft: the
//! post keeps its number and moderators still read it; deleting a thread's
//! first post takes the thread out of lists and search.

use klearn_db::audit::{self, Object};
use klearn_db::forum::{Counters, Post, PostRevision, Thread};
use klearn_db::users::User;
use klearn_db::{public_write_tx, search, DbConnection, PostId, PostState};

use super::ForumError;
use crate::domain::actor::Actor;
use crate::domain::forum::edit_is_marked;

/// A post the actor may change: theirs, or any for a moderator.
fn changeable(conn: &mut DbConnection, actor: &Actor, id: PostId) -> Result<(Post, Thread), ForumError> {
    let post = Post::find(conn, id)?;
    let thread = Thread::find(conn, post.thread_id)?;
    if !actor.is(post.author_id) && !actor.is_moderator() {
        return Err(ForumError::Forbidden("forum.error.not_yours"));
    }
    if post.is_deleted() {
        return Err(ForumError::Conflict("forum.error.deleted"));
    }
    Ok((post, thread))
}

/// Changes a post's text; returns its thread.
pub fn edit_post(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PostId,
    body: String,
) -> Result<Thread, ForumError> {
    let editor = actor.user_id().ok_or(ForumError::NotFound)?;
    let html = crate::markdown::render(&body);
    public_write_tx(conn, |conn| {
        let (post, thread) = changeable(conn, actor, id)?;
        if post.body == body {
            return Ok(thread);
        }
        let author = User::find(conn, post.author_id)?;
        super::trust::admit_edit(actor, &author, &body)?;
        let by_author = actor.is(post.author_id);
        let marked = !by_author || edit_is_marked(post.created_at, klearn_db::now());
        if marked {
            PostRevision::keep(conn, &post, editor)?;
        }
        Post::set_body(conn, id, &body, &html, marked)?;
        search::sync_post(conn, id)?;
        crate::notifications::forum::post_edited(conn, &thread, id)?;
        if !by_author {
            audit::record(
                conn,
                Some(editor),
                "post.edited",
                Object::new("post", id),
                &thread.title,
            )?;
        }
        Ok(thread)
    })
}

/// Soft-deletes a post; returns its thread. An accepted answer stops being
/// one; the first post takes its thread with it.
pub fn delete_post(conn: &mut DbConnection, actor: &Actor, id: PostId) -> Result<Thread, ForumError> {
    let by = actor.user_id().ok_or(ForumError::NotFound)?;
    public_write_tx(conn, |conn| {
        let (post, thread) = changeable(conn, actor, id)?;
        if !Post::mark_deleted(conn, id, by)? {
            return Err(ForumError::Conflict("forum.error.deleted"));
        }
        if post.state != PostState::Held {
            Counters::posts(conn, post.author_id, -1)?;
        }
        if thread.accepted_post_id == Some(id) {
            Thread::set_accepted(conn, thread.id, None)?;
            Counters::accepted_answers(conn, post.author_id, -1)?;
        }
        search::sync_post(conn, id)?;
        if post.number == 1 {
            Thread::mark_deleted(conn, thread.id)?;
            for other in Post::ids_of(conn, thread.id)? {
                search::sync_post(conn, other)?;
            }
        }
        if !actor.is(post.author_id) {
            audit::record(
                conn,
                Some(by),
                "post.deleted",
                Object::new("post", id),
                &thread.title,
            )?;
        }
        Ok(thread)
    })
}
