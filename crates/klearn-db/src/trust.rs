//! What trust levels are earned from and what posting is limited by: the
//! members' activity figures (`member_activity`, a row from the first
//! figure), what each member has read of each thread (`thread_reads`), a
//! member's recent posting, and the level and silence kept on `users`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{member_activity, posts, thread_reads, users};
use crate::types::{PostState, ThreadId, UserId};

/// A member's activity row.
#[derive(Debug, Clone, Default, Queryable, Selectable)]
#[diesel(table_name = member_activity)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct MemberActivity {
    pub trust_granted: i64,
    pub threads_entered: i64,
    pub posts_read: i64,
    pub reading_seconds: i64,
    pub days_visited: i64,
    pub last_visit_on: Option<NaiveDate>,
    pub likes_given: i64,
    pub threads_replied: i64,
    pub flags_agreed: i64,
    pub flags_disagreed: i64,
}

/// Figures to add to a member's activity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityDelta {
    pub threads_entered: i64,
    pub posts_read: i64,
    pub reading_seconds: i64,
    pub likes_given: i64,
    pub threads_replied: i64,
    pub flags_agreed: i64,
    pub flags_disagreed: i64,
}

impl MemberActivity {
    /// The member's figures; all zero before the first.
    pub fn of(conn: &mut DbConnection, user: UserId) -> Result<MemberActivity, DbError> {
        Ok(member_activity::table
            .find(user)
            .select(MemberActivity::as_select())
            .first(conn)
            .optional()?
            .unwrap_or_default())
    }

    /// Makes sure the member has a row (a plain insert when there is none:
    /// the transaction that writes figures is the member's only writer of it
    /// under `BEGIN IMMEDIATE`, and a racing insert on PostgreSQL is caught).
    fn ensure(conn: &mut DbConnection, user: UserId) -> Result<(), DbError> {
        let exists = member_activity::table
            .find(user)
            .select(member_activity::user_id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
        if !exists {
            crate::orders::insert_once(conn, |conn| {
                diesel::insert_into(member_activity::table)
                    .values((
                        member_activity::user_id.eq(user),
                        member_activity::updated_at.eq(crate::now()),
                    ))
                    .execute(conn)
            })?;
        }
        Ok(())
    }

    /// Adds `delta` to the member's figures.
    pub fn add(conn: &mut DbConnection, user: UserId, delta: &ActivityDelta) -> Result<(), DbError> {
        Self::ensure(conn, user)?;
        diesel::update(member_activity::table.find(user))
            .set((
                member_activity::threads_entered.eq(member_activity::threads_entered + delta.threads_entered),
                member_activity::posts_read.eq(member_activity::posts_read + delta.posts_read),
                member_activity::reading_seconds.eq(member_activity::reading_seconds + delta.reading_seconds),
                member_activity::likes_given.eq(member_activity::likes_given + delta.likes_given),
                member_activity::threads_replied.eq(member_activity::threads_replied + delta.threads_replied),
                member_activity::flags_agreed.eq(member_activity::flags_agreed + delta.flags_agreed),
                member_activity::flags_disagreed.eq(member_activity::flags_disagreed + delta.flags_disagreed),
                member_activity::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Counts `day` as a day the member visited, once.
    pub fn visited_on(conn: &mut DbConnection, user: UserId, day: NaiveDate) -> Result<(), DbError> {
        Self::ensure(conn, user)?;
        diesel::update(
            member_activity::table.find(user).filter(
                member_activity::last_visit_on
                    .is_null()
                    .or(member_activity::last_visit_on.lt(day)),
            ),
        )
        .set((
            member_activity::days_visited.eq(member_activity::days_visited + 1),
            member_activity::last_visit_on.eq(Some(day)),
            member_activity::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(())
    }

    /// The level a moderator granted (0: none).
    pub fn set_granted(conn: &mut DbConnection, user: UserId, level: i64) -> Result<(), DbError> {
        Self::ensure(conn, user)?;
        diesel::update(member_activity::table.find(user))
            .set((
                member_activity::trust_granted.eq(level),
                member_activity::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// How far a member has read a thread.
pub struct ThreadRead;

impl ThreadRead {
    /// Records that `user` has seen `thread` up to post `number`; returns
    /// whether the thread is newly entered and how many posts were newly read.
    pub fn advance(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
        number: i64,
    ) -> Result<(bool, i64), DbError> {
        let now = crate::now();
        let before: Option<i64> = thread_reads::table
            .find((user, thread))
            .select(thread_reads::last_read_number)
            .first(conn)
            .optional()?;
        match before {
            None => {
                let inserted = crate::orders::insert_once(conn, |conn| {
                    diesel::insert_into(thread_reads::table)
                        .values((
                            thread_reads::user_id.eq(user),
                            thread_reads::thread_id.eq(thread),
                            thread_reads::last_read_number.eq(number),
                            thread_reads::created_at.eq(now),
                            thread_reads::updated_at.eq(now),
                        ))
                        .execute(conn)
                })?;
                Ok(if inserted { (true, number) } else { (false, 0) })
            }
            Some(last) if number > last => {
                diesel::update(thread_reads::table.find((user, thread)))
                    .set((
                        thread_reads::last_read_number.eq(number),
                        thread_reads::updated_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok((false, number - last))
            }
            Some(_) => Ok((false, 0)),
        }
    }

    /// The last post number `user` has seen of `thread`.
    pub fn last_read(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<Option<i64>, DbError> {
        Ok(thread_reads::table
            .find((user, thread))
            .select(thread_reads::last_read_number)
            .first(conn)
            .optional()?)
    }
}

/// A member's recent posting, as the posting limits read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostingHistory {
    pub account_created_at: NaiveDateTime,
    /// Threads and replies written in the account's first day.
    pub threads_first_day: i64,
    pub replies_first_day: i64,
    pub last_post_at: Option<NaiveDateTime>,
}

impl PostingHistory {
    /// From three small queries on the posts' author index.
    pub fn of(conn: &mut DbConnection, user: UserId) -> Result<PostingHistory, DbError> {
        let created: NaiveDateTime = users::table.find(user).select(users::created_at).first(conn)?;
        let day_end = created + chrono::Duration::days(1);
        let first_day: Vec<i64> = posts::table
            .filter(posts::author_id.eq(user))
            .filter(posts::created_at.lt(day_end))
            .filter(posts::state.ne(PostState::Deleted))
            .select(posts::number)
            .load(conn)?;
        let last_post_at: Option<NaiveDateTime> = posts::table
            .filter(posts::author_id.eq(user))
            .select(diesel::dsl::max(posts::created_at))
            .first(conn)?;
        Ok(PostingHistory {
            account_created_at: created,
            threads_first_day: first_day.iter().filter(|n| **n == 1).count() as i64,
            replies_first_day: first_day.iter().filter(|n| **n > 1).count() as i64,
            last_post_at,
        })
    }

    /// Moves a member's posting back in time, for a history written now but
    /// told as past (the demo community): the account joined no later than
    /// `joined_by` (when given), and their posts written after `posted_by`
    /// are dated then.
    pub fn move_back(
        conn: &mut DbConnection,
        user: UserId,
        joined_by: Option<NaiveDateTime>,
        posted_by: NaiveDateTime,
    ) -> Result<(), DbError> {
        if let Some(joined) = joined_by {
            diesel::update(users::table.find(user).filter(users::created_at.gt(joined)))
                .set(users::created_at.eq(joined))
                .execute(conn)?;
        }
        diesel::update(
            posts::table
                .filter(posts::author_id.eq(user))
                .filter(posts::created_at.gt(posted_by)),
        )
        .set(posts::created_at.eq(posted_by))
        .execute(conn)?;
        Ok(())
    }

    /// Whether `user` has posted in `thread` before `number` (their first reply there or not).
    pub fn has_replied(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
        number: i64,
    ) -> Result<bool, DbError> {
        let n: i64 = posts::table
            .filter(posts::thread_id.eq(thread))
            .filter(posts::author_id.eq(user))
            .filter(posts::number.gt(1))
            .filter(posts::number.ne(number))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }
}

/// The level and silence kept on the member's row.
pub struct Standing;

impl Standing {
    pub fn set_level(conn: &mut DbConnection, user: UserId, level: i64) -> Result<bool, DbError> {
        let n = diesel::update(users::table.find(user).filter(users::trust_level.ne(level)))
            .set(users::trust_level.eq(level))
            .execute(conn)?;
        Ok(n == 1)
    }

    pub fn silence(
        conn: &mut DbConnection,
        user: UserId,
        until: Option<NaiveDateTime>,
    ) -> Result<(), DbError> {
        diesel::update(users::table.find(user))
            .set(users::silenced_until.eq(until))
            .execute(conn)?;
        Ok(())
    }
}
