//! Posts of a thread, numbered from 1 (the thread's first post), the
//! revisions an edit keeps, and likes (one per member and post).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{post_likes, post_revisions, posts};
use crate::types::{PostId, PostState, ThreadId, UserId};

use super::Counters;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = posts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Post {
    pub id: PostId,
    pub thread_id: ThreadId,
    pub number: i64,
    pub author_id: UserId,
    /// The number of the post this one answers.
    pub reply_to: Option<i64>,
    pub body: String,
    pub body_html: String,
    pub state: PostState,
    pub likes_count: i64,
    /// Set when the post was changed after its grace period.
    pub edited_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub deleted_by: Option<UserId>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Post {
    pub fn is_deleted(&self) -> bool {
        self.state == PostState::Deleted
    }
}

pub struct NewPost<'a> {
    pub thread: ThreadId,
    pub number: i64,
    pub author: UserId,
    pub reply_to: Option<i64>,
    pub body: &'a str,
    pub body_html: &'a str,
    pub at: NaiveDateTime,
    /// `Visible`, or `Held` for a moderator.
    pub state: PostState,
}

impl Post {
    /// Writes a post; its author's post count goes up (a held post counts
    /// once it is published).
    pub fn create(conn: &mut DbConnection, new: &NewPost) -> Result<Post, DbError> {
        let id: PostId = diesel::insert_into(posts::table)
            .values((
                posts::thread_id.eq(new.thread),
                posts::number.eq(new.number),
                posts::author_id.eq(new.author),
                posts::reply_to.eq(new.reply_to),
                posts::body.eq(new.body),
                posts::body_html.eq(new.body_html),
                posts::state.eq(new.state),
                posts::created_at.eq(new.at),
                posts::updated_at.eq(new.at),
            ))
            .returning(posts::id)
            .get_result(conn)?;
        if new.state == PostState::Visible {
            Counters::posts(conn, new.author, 1)?;
        }
        Post::find(conn, id)
    }

    pub fn find(conn: &mut DbConnection, id: PostId) -> Result<Post, DbError> {
        posts::table
            .find(id)
            .select(Post::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn by_number(conn: &mut DbConnection, thread: ThreadId, number: i64) -> Result<Post, DbError> {
        posts::table
            .filter(posts::thread_id.eq(thread))
            .filter(posts::number.eq(number))
            .select(Post::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The posts numbered `from..=to` of a thread, in order: one page, read
    /// from the (thread, number) key however long the thread is.
    pub fn range(
        conn: &mut DbConnection,
        thread: ThreadId,
        from: i64,
        to: i64,
    ) -> Result<Vec<Post>, DbError> {
        Ok(posts::table
            .filter(posts::thread_id.eq(thread))
            .filter(posts::number.between(from, to))
            .order(posts::number)
            .select(Post::as_select())
            .load(conn)?)
    }

    /// The ids of a thread's posts.
    pub fn ids_of(conn: &mut DbConnection, thread: ThreadId) -> Result<Vec<PostId>, DbError> {
        Ok(posts::table
            .filter(posts::thread_id.eq(thread))
            .select(posts::id)
            .load(conn)?)
    }

    /// These posts, from one query.
    pub fn find_many(conn: &mut DbConnection, ids: &[PostId]) -> Result<Vec<Post>, DbError> {
        Ok(posts::table
            .filter(posts::id.eq_any(ids))
            .select(Post::as_select())
            .load(conn)?)
    }

    /// The posts at these (thread, number) places, from one query.
    pub fn find_by_numbers(
        conn: &mut DbConnection,
        places: &[(ThreadId, i64)],
    ) -> Result<Vec<Post>, DbError> {
        if places.is_empty() {
            return Ok(Vec::new());
        }
        let threads: Vec<ThreadId> = places.iter().map(|(t, _)| *t).collect();
        let numbers: Vec<i64> = places.iter().map(|(_, n)| *n).collect();
        let found: Vec<Post> = posts::table
            .filter(posts::thread_id.eq_any(threads))
            .filter(posts::number.eq_any(numbers))
            .select(Post::as_select())
            .load(conn)?;
        Ok(found
            .into_iter()
            .filter(|p| places.contains(&(p.thread_id, p.number)))
            .collect())
    }

    /// Changes the text; `edited` marks it as edited (after the grace period).
    pub fn set_body(
        conn: &mut DbConnection,
        id: PostId,
        body: &str,
        html: &str,
        edited: bool,
    ) -> Result<(), DbError> {
        let now = crate::now();
        diesel::update(posts::table.find(id))
            .set((
                posts::body.eq(body),
                posts::body_html.eq(html),
                posts::updated_at.eq(now),
            ))
            .execute(conn)?;
        if edited {
            diesel::update(posts::table.find(id))
                .set(posts::edited_at.eq(Some(now)))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Soft-deletes a post (visible, held or hidden); false when it was
    /// deleted already.
    pub fn mark_deleted(conn: &mut DbConnection, id: PostId, by: UserId) -> Result<bool, DbError> {
        let now = crate::now();
        let n = diesel::update(posts::table.find(id).filter(posts::state.ne(PostState::Deleted)))
            .set((
                posts::state.eq(PostState::Deleted),
                posts::deleted_at.eq(Some(now)),
                posts::deleted_by.eq(Some(by)),
                posts::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(n == 1)
    }

    /// Records who deleted a post and when (its state set apart).
    pub fn note_deleted(conn: &mut DbConnection, id: PostId, by: Option<UserId>) -> Result<(), DbError> {
        let now = crate::now();
        diesel::update(posts::table.find(id))
            .set((
                posts::deleted_at.eq(Some(now)),
                posts::deleted_by.eq(by),
                posts::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    pub fn add_likes(conn: &mut DbConnection, id: PostId, delta: i64) -> Result<(), DbError> {
        diesel::update(posts::table.find(id))
            .set(posts::likes_count.eq(posts::likes_count + delta))
            .execute(conn)?;
        Ok(())
    }
}

/// What a post said before an edit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = post_revisions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct PostRevision {
    pub id: i64,
    pub post_id: PostId,
    pub body: String,
    pub body_html: String,
    pub editor_id: UserId,
    pub created_at: NaiveDateTime,
}

impl PostRevision {
    /// Keeps the text a post had before `editor` changed it.
    pub fn keep(conn: &mut DbConnection, post: &Post, editor: UserId) -> Result<(), DbError> {
        diesel::insert_into(post_revisions::table)
            .values((
                post_revisions::post_id.eq(post.id),
                post_revisions::body.eq(&post.body),
                post_revisions::body_html.eq(&post.body_html),
                post_revisions::editor_id.eq(editor),
                post_revisions::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// A post's earlier texts, oldest first.
    pub fn of(conn: &mut DbConnection, post: PostId) -> Result<Vec<PostRevision>, DbError> {
        Ok(post_revisions::table
            .filter(post_revisions::post_id.eq(post))
            .order(post_revisions::id)
            .select(PostRevision::as_select())
            .load(conn)?)
    }
}

/// One member's like of one post.
pub struct PostLike;

impl PostLike {
    /// Likes a post; false when the member liked it already.
    pub fn add(conn: &mut DbConnection, post: PostId, user: UserId) -> Result<bool, DbError> {
        insert_once(conn, |conn| {
            diesel::insert_into(post_likes::table)
                .values((
                    post_likes::post_id.eq(post),
                    post_likes::user_id.eq(user),
                    post_likes::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })
    }

    /// Takes a like back; false when there was none.
    pub fn remove(conn: &mut DbConnection, post: PostId, user: UserId) -> Result<bool, DbError> {
        let n = diesel::delete(
            post_likes::table
                .filter(post_likes::post_id.eq(post))
                .filter(post_likes::user_id.eq(user)),
        )
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Which of these posts the member likes, from one query.
    pub fn liked_among(
        conn: &mut DbConnection,
        user: UserId,
        ids: &[PostId],
    ) -> Result<Vec<PostId>, DbError> {
        Ok(post_likes::table
            .filter(post_likes::user_id.eq(user))
            .filter(post_likes::post_id.eq_any(ids))
            .select(post_likes::post_id)
            .load(conn)?)
    }
}
