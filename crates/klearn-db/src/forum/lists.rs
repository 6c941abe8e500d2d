//! Thread lists: latest activity (pinned threads apart), top by likes in a
//! period, unanswered questions; each page read in index order from its
//! cursor (`before=`), so the thousandth page costs what the first does.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::threads;
use crate::types::{PostState, ThreadId, ThreadKind};

use super::{Board, Thread};

/// Which threads a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSort {
    /// Latest activity first.
    Latest,
    /// Most liked first, among threads started since `since` (all time without).
    Top { since: Option<NaiveDateTime> },
    /// Questions nobody has answered yet, latest first.
    Unanswered,
}

/// Where the previous page ended: the last thread's sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Activity(NaiveDateTime, ThreadId),
    Likes(i64, ThreadId),
}

impl Cursor {
    /// The cursor after `thread` in a list sorted by `sort`.
    pub fn after(thread: &Thread, sort: ListSort) -> Cursor {
        match sort {
            ListSort::Top { .. } => Cursor::Likes(thread.likes_count, thread.id),
            ListSort::Latest | ListSort::Unanswered => Cursor::Activity(thread.last_post_at, thread.id),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Copy)]
pub struct ThreadList {
    /// A category or a course's board; every board without.
    pub board: Option<Board>,
    pub sort: ListSort,
    pub before: Option<Cursor>,
    pub limit: i64,
}

impl ThreadList {
    /// The page's threads in order. On a board's latest list pinned threads
    /// are left out (they come first, from `pinned`).
    pub fn load(&self, conn: &mut DbConnection) -> Result<Vec<Thread>, DbError> {
        let mut query = threads::table
            .filter(threads::state.eq(PostState::Visible))
            .into_boxed();
        match self.board {
            Some(Board::Category(id)) => query = query.filter(threads::category_id.eq(id)),
            Some(Board::Course(id)) => query = query.filter(threads::course_id.eq(id)),
            None => {}
        }
        // Keyset: `key <= k AND (key < k OR id < i)` keeps an index range scan.
        let activity = |query: threads::BoxedQuery<'static, crate::connection::MultiBackend>,
                        before: Option<Cursor>| {
            let query = match before {
                Some(Cursor::Activity(at, id)) => query
                    .filter(threads::last_post_at.le(at))
                    .filter(threads::last_post_at.lt(at).or(threads::id.lt(id))),
                _ => query,
            };
            query.order((threads::last_post_at.desc(), threads::id.desc()))
        };
        query = match self.sort {
            ListSort::Latest => {
                if self.board.is_some() {
                    query = query.filter(threads::pinned.eq(false));
                }
                activity(query, self.before)
            }
            ListSort::Unanswered => activity(
                query
                    .filter(threads::kind.eq(ThreadKind::Question))
                    .filter(threads::replies_count.eq(0)),
                self.before,
            ),
            ListSort::Top { since } => {
                if let Some(since) = since {
                    query = query.filter(threads::created_at.ge(since));
                }
                if let Some(Cursor::Likes(likes, id)) = self.before {
                    query = query
                        .filter(threads::likes_count.le(likes))
                        .filter(threads::likes_count.lt(likes).or(threads::id.lt(id)));
                }
                query.order((threads::likes_count.desc(), threads::id.desc()))
            }
        };
        Ok(query.limit(self.limit).select(Thread::as_select()).load(conn)?)
    }

    /// A board's pinned threads, latest activity first.
    pub fn pinned(conn: &mut DbConnection, board: Board) -> Result<Vec<Thread>, DbError> {
        let query = threads::table
            .filter(threads::state.eq(PostState::Visible))
            .filter(threads::pinned.eq(true))
            .into_boxed();
        let query = match board {
            Board::Category(id) => query.filter(threads::category_id.eq(id)),
            Board::Course(id) => query.filter(threads::course_id.eq(id)),
        };
        Ok(query
            .order((threads::last_post_at.desc(), threads::id.desc()))
            .limit(20)
            .select(Thread::as_select())
            .load(conn)?)
    }
}
