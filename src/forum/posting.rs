//! Starting a thread and replying, and who may post where: verified
//! members in forum categories; on a course's board only its enrolled
//! learners, its expert and moderators. A locked thread takes replies from
//! moderators only. Every post passes its author's trust level limits
//! (`trust::admit`): refused, shown, or held for a moderator (a held post
//! has its number but stays out of counters, lists and search until a
//! moderator approves it from the queue).

use klearn_db::categories::{Category, FORUM};
use klearn_db::courses::{Course, CourseState};
use klearn_db::enrollments::Enrollment;
use klearn_db::forum::{Board, NewPost, NewThread, Post, Thread};
use klearn_db::users::User;
use klearn_db::{public_write_tx, search, DbConnection, PostState, ThreadId, ThreadKind, UserId};

use super::ForumError;
use crate::domain::actor::Actor;
use crate::domain::course::slugify_or;
use crate::domain::trust::Placement;

/// A new thread as its form parsed it.
#[derive(Debug, Clone)]
pub struct ThreadInput {
    pub title: String,
    pub body: String,
    pub kind: ThreadKind,
    pub tags: Vec<String>,
}

/// Refuses unless `actor` may post on `board`: a verified member, and on a
/// course's board one of its learners, its expert or a moderator. Returns
/// the poster.
pub fn may_post(conn: &mut DbConnection, actor: &Actor, board: Board) -> Result<UserId, ForumError> {
    let poster = actor.user_id().ok_or(ForumError::NotFound)?;
    match board {
        Board::Category(id) => {
            let category = Category::find(conn, id)?;
            if category.kind != FORUM || category.hidden {
                return Err(ForumError::NotFound);
            }
        }
        Board::Course(id) => {
            let course = Course::find(conn, id)?;
            if course.state != CourseState::Published {
                return Err(ForumError::NotFound);
            }
            let member = actor.is(course.owner_id)
                || actor.is_moderator()
                || Enrollment::is_enrolled(conn, poster, id)?;
            if !member {
                return Err(ForumError::Forbidden("forum.error.board_members_only"));
            }
        }
    }
    if !User::find(conn, poster)?.is_verified() {
        return Err(ForumError::Forbidden("forum.error.verify_first"));
    }
    Ok(poster)
}

/// Starts a thread with its first post, indexed for search at once.
pub fn start_thread(
    conn: &mut DbConnection,
    actor: &Actor,
    board: Board,
    input: ThreadInput,
) -> Result<Thread, ForumError> {
    let html = crate::markdown::render(&input.body);
    let slug = slugify_or(&input.title, "topic");
    public_write_tx(conn, |conn| {
        let author = may_post(conn, actor, board)?;
        let placement = super::trust::admit(conn, actor, author, &input.body, true)?;
        let held = placement == Placement::Held;
        let new = NewThread {
            board,
            author,
            title: &input.title,
            slug: &slug,
            kind: input.kind,
            tags: &input.tags,
            body: &input.body,
            body_html: &html,
            held,
        };
        let (thread, first) = Thread::create(conn, &new)?;
        search::sync_post(conn, first.id)?;
        if held {
            super::reports::hold(conn, &first)?;
        } else {
            crate::notifications::forum::post_published(conn, &thread, &first)?;
        }
        Ok(thread)
    })
}

/// Replies to a thread (`reply_to`: the number of an earlier post it
/// answers). Returns the thread and the new post.
pub fn reply(
    conn: &mut DbConnection,
    actor: &Actor,
    thread: ThreadId,
    body: String,
    reply_to: Option<i64>,
) -> Result<(Thread, Post), ForumError> {
    let html = crate::markdown::render(&body);
    public_write_tx(conn, |conn| {
        let current = Thread::find(conn, thread)?;
        if current.state != PostState::Visible {
            return Err(ForumError::NotFound);
        }
        let author = may_post(conn, actor, current.board())?;
        if current.locked && !actor.is_moderator() {
            return Err(ForumError::Conflict("forum.error.locked"));
        }
        let placement = super::trust::admit(conn, actor, author, &body, false)?;
        let held = placement == Placement::Held;
        let reply_to = reply_to.filter(|n| (1..=current.last_number).contains(n));
        let now = klearn_db::now();
        let number = if held {
            Thread::reserve_number(conn, thread)?
        } else {
            Thread::next_number(conn, thread, author, now)?
        };
        let post = Post::create(
            conn,
            &NewPost {
                thread,
                number,
                author,
                reply_to,
                body: &body,
                body_html: &html,
                at: now,
                state: if held { PostState::Held } else { PostState::Visible },
            },
        )?;
        if held {
            super::reports::hold(conn, &post)?;
            return Ok((current, post));
        }
        super::trust::first_reply(conn, &post)?;
        search::sync_post(conn, post.id)?;
        crate::notifications::forum::post_published(conn, &current, &post)?;
        Ok((current, post))
    })
}
