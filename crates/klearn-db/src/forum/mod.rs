//! The forum's rows: threads (in a forum category or on a course's board)
//! with their tags and counters, here; posts, their revisions and likes in
//! `posts`; the lists with their cursors in `lists`.

pub mod lists;
pub mod posts;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{thread_tags, threads, users};
use crate::types::{CategoryId, CourseId, PostId, PostState, ThreadId, ThreadKind, UserId};

pub use lists::{Cursor, ListSort, ThreadList};
pub use posts::{NewPost, Post, PostLike, PostRevision};

/// Where a thread lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Board {
    Category(CategoryId),
    Course(CourseId),
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = threads)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Thread {
    pub id: ThreadId,
    pub category_id: Option<CategoryId>,
    pub course_id: Option<CourseId>,
    pub author_id: UserId,
    pub title: String,
    pub slug: String,
    pub kind: ThreadKind,
    pub state: PostState,
    pub pinned: bool,
    pub locked: bool,
    pub accepted_post_id: Option<PostId>,
    /// Posts after the first, deleted ones included (they keep their number).
    pub replies_count: i64,
    /// Likes on all of its posts.
    pub likes_count: i64,
    /// The number the newest post got.
    pub last_number: i64,
    pub last_post_at: NaiveDateTime,
    pub last_poster_id: UserId,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Thread {
    pub fn board(&self) -> Board {
        match (self.category_id, self.course_id) {
            (_, Some(course)) => Board::Course(course),
            (Some(category), None) => Board::Category(category),
            // The table's CHECK makes one of them set.
            (None, None) => Board::Category(CategoryId(0)),
        }
    }

    pub fn is_question(&self) -> bool {
        self.kind == ThreadKind::Question
    }

    pub fn is_solved(&self) -> bool {
        self.accepted_post_id.is_some()
    }
}

/// A new thread with its first post.
pub struct NewThread<'a> {
    pub board: Board,
    pub author: UserId,
    pub title: &'a str,
    pub slug: &'a str,
    pub kind: ThreadKind,
    pub tags: &'a [String],
    pub body: &'a str,
    pub body_html: &'a str,
    /// Waiting for a moderator: the thread and its first post are `held`.
    pub held: bool,
}

impl Thread {
    /// Writes the thread, its tags and its first post; the author's post
    /// count goes up (when it is not held).
    pub fn create(conn: &mut DbConnection, new: &NewThread) -> Result<(Thread, Post), DbError> {
        let now = crate::now();
        let state = if new.held {
            PostState::Held
        } else {
            PostState::Visible
        };
        let (category, course) = match new.board {
            Board::Category(id) => (Some(id), None),
            Board::Course(id) => (None, Some(id)),
        };
        let id: ThreadId = diesel::insert_into(threads::table)
            .values((
                threads::category_id.eq(category),
                threads::course_id.eq(course),
                threads::author_id.eq(new.author),
                threads::title.eq(new.title),
                threads::slug.eq(new.slug),
                threads::kind.eq(new.kind),
                threads::state.eq(state),
                threads::last_number.eq(1),
                threads::last_post_at.eq(now),
                threads::last_poster_id.eq(new.author),
                threads::created_at.eq(now),
                threads::updated_at.eq(now),
            ))
            .returning(threads::id)
            .get_result(conn)?;
        for tag in new.tags {
            diesel::insert_into(thread_tags::table)
                .values((thread_tags::thread_id.eq(id), thread_tags::tag.eq(tag)))
                .execute(conn)?;
        }
        let post = Post::create(
            conn,
            &NewPost {
                thread: id,
                number: 1,
                author: new.author,
                reply_to: None,
                body: new.body,
                body_html: new.body_html,
                at: now,
                state,
            },
        )?;
        Ok((Thread::find(conn, id)?, post))
    }

    pub fn find(conn: &mut DbConnection, id: ThreadId) -> Result<Thread, DbError> {
        threads::table
            .find(id)
            .select(Thread::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// Gives the next post its number and moves the thread's activity to it.
    pub fn next_number(
        conn: &mut DbConnection,
        id: ThreadId,
        poster: UserId,
        at: NaiveDateTime,
    ) -> Result<i64, DbError> {
        Ok(diesel::update(threads::table.find(id))
            .set((
                threads::last_number.eq(threads::last_number + 1),
                threads::replies_count.eq(threads::replies_count + 1),
                threads::last_post_at.eq(at),
                threads::last_poster_id.eq(poster),
                threads::updated_at.eq(at),
            ))
            .returning(threads::last_number)
            .get_result(conn)?)
    }

    /// Gives a held post its number, leaving the thread's counters and
    /// activity as they are until the post is published.
    pub fn reserve_number(conn: &mut DbConnection, id: ThreadId) -> Result<i64, DbError> {
        Ok(diesel::update(threads::table.find(id))
            .set(threads::last_number.eq(threads::last_number + 1))
            .returning(threads::last_number)
            .get_result(conn)?)
    }

    /// Counts a post that has just been published (approved by a
    /// moderator): a reply joins the count, and the activity moves to it.
    pub fn count_published(
        conn: &mut DbConnection,
        id: ThreadId,
        poster: UserId,
        reply: bool,
        at: NaiveDateTime,
    ) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((
                threads::replies_count.eq(threads::replies_count + i64::from(reply)),
                threads::last_post_at.eq(at),
                threads::last_poster_id.eq(poster),
                threads::updated_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_accepted(conn: &mut DbConnection, id: ThreadId, post: Option<PostId>) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((
                threads::accepted_post_id.eq(post),
                threads::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_pinned(conn: &mut DbConnection, id: ThreadId, pinned: bool) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((threads::pinned.eq(pinned), threads::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_locked(conn: &mut DbConnection, id: ThreadId, locked: bool) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((threads::locked.eq(locked), threads::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    /// Moves a category's thread to another category.
    pub fn move_to(conn: &mut DbConnection, id: ThreadId, category: CategoryId) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((
                threads::category_id.eq(Some(category)),
                threads::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn add_likes(conn: &mut DbConnection, id: ThreadId, delta: i64) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set(threads::likes_count.eq(threads::likes_count + delta))
            .execute(conn)?;
        Ok(())
    }

    /// Takes the thread out of lists and search (its first post was deleted).
    pub fn mark_deleted(conn: &mut DbConnection, id: ThreadId) -> Result<(), DbError> {
        diesel::update(threads::table.find(id))
            .set((
                threads::state.eq(PostState::Deleted),
                threads::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn tags(conn: &mut DbConnection, id: ThreadId) -> Result<Vec<String>, DbError> {
        Ok(thread_tags::table
            .filter(thread_tags::thread_id.eq(id))
            .order(thread_tags::tag)
            .select(thread_tags::tag)
            .load(conn)?)
    }

    /// The tags of these threads, from one query.
    pub fn tags_of(conn: &mut DbConnection, ids: &[ThreadId]) -> Result<Vec<(ThreadId, String)>, DbError> {
        Ok(thread_tags::table
            .filter(thread_tags::thread_id.eq_any(ids))
            .order((thread_tags::thread_id, thread_tags::tag))
            .select((thread_tags::thread_id, thread_tags::tag))
            .load(conn)?)
    }

    /// These threads, from one query, in no particular order.
    pub fn find_many(conn: &mut DbConnection, ids: &[ThreadId]) -> Result<Vec<Thread>, DbError> {
        Ok(threads::table
            .filter(threads::id.eq_any(ids))
            .select(Thread::as_select())
            .load(conn)?)
    }
}

/// The members' forum counters, kept in the transaction that changes them.
pub struct Counters;

impl Counters {
    pub fn posts(conn: &mut DbConnection, user: UserId, delta: i64) -> Result<(), DbError> {
        diesel::update(users::table.find(user))
            .set(users::posts_count.eq(users::posts_count + delta))
            .execute(conn)?;
        Ok(())
    }

    pub fn likes_received(conn: &mut DbConnection, user: UserId, delta: i64) -> Result<(), DbError> {
        diesel::update(users::table.find(user))
            .set(users::likes_received.eq(users::likes_received + delta))
            .execute(conn)?;
        Ok(())
    }

    pub fn accepted_answers(conn: &mut DbConnection, user: UserId, delta: i64) -> Result<(), DbError> {
        diesel::update(users::table.find(user))
            .set(users::accepted_answers.eq(users::accepted_answers + delta))
            .execute(conn)?;
        Ok(())
    }
}
