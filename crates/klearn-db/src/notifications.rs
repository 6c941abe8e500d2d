//! Notifications: one row per thing a member is told about, unique per
//! member and dedupe key (so that a retried use case or a repeated event
//! tells once), with the state of its email; read one by one, all at once,
//! or by visiting the thread they concern. Marking read cancels an email
//! still waiting its delay.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::notifications;
use crate::types::{
    CourseId, EmailState, NotificationId, NotificationKind, OrderId, PostId, ThreadId, UserId,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: NotificationKind,
    /// Who did it (the last of them, for batched likes).
    pub actor_id: Option<UserId>,
    /// How many others did the same (batched likes: "and 2 others").
    pub others_count: i64,
    pub thread_id: Option<ThreadId>,
    pub post_id: Option<PostId>,
    pub course_id: Option<CourseId>,
    pub order_id: Option<OrderId>,
    /// What the line shows beside its kind: a thread's or course's title,
    /// an order's number, a moderator's reason.
    pub detail: String,
    pub dedupe_key: String,
    pub email_state: EmailState,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Marks the unread rows `$rows` selects read, cancelling the emails that
/// still wait their delay; evaluates to how many there were.
macro_rules! read_rows {
    ($conn:expr, $rows:expr) => {{
        let now = crate::now();
        diesel::update($rows.filter(notifications::email_state.eq(EmailState::Waiting)))
            .set(notifications::email_state.eq(EmailState::Cancelled))
            .execute($conn)?;
        diesel::update($rows)
            .set((
                notifications::read_at.eq(Some(now)),
                notifications::updated_at.eq(now),
            ))
            .execute($conn)?
    }};
}

impl Notification {
    pub fn is_read(&self) -> bool {
        self.read_at.is_some()
    }
}

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub user: UserId,
    pub kind: NotificationKind,
    pub actor: Option<UserId>,
    pub thread: Option<ThreadId>,
    pub post: Option<PostId>,
    pub course: Option<CourseId>,
    pub order: Option<OrderId>,
    pub detail: &'a str,
    /// Unique per member: `reply:<post>`, `mention:<post>`, `order:<id>:paid` …
    pub key: &'a str,
    pub email_state: EmailState,
}

impl Notification {
    /// Writes `new` unless the member already has a notification with its
    /// key; returns the new row, or `None` when it was there.
    pub fn create(
        conn: &mut DbConnection,
        new: &NewNotification<'_>,
    ) -> Result<Option<Notification>, DbError> {
        let now = crate::now();
        let written = insert_once(conn, |conn| {
            diesel::insert_into(notifications::table)
                .values((
                    notifications::user_id.eq(new.user),
                    notifications::kind.eq(new.kind),
                    notifications::actor_id.eq(new.actor),
                    notifications::thread_id.eq(new.thread),
                    notifications::post_id.eq(new.post),
                    notifications::course_id.eq(new.course),
                    notifications::order_id.eq(new.order),
                    notifications::detail.eq(new.detail),
                    notifications::dedupe_key.eq(new.key),
                    notifications::email_state.eq(new.email_state),
                    notifications::created_at.eq(now),
                    notifications::updated_at.eq(now),
                ))
                .execute(conn)
        })?;
        if !written {
            return Ok(None);
        }
        Ok(Some(
            notifications::table
                .filter(notifications::user_id.eq(new.user))
                .filter(notifications::dedupe_key.eq(new.key))
                .select(Notification::as_select())
                .first(conn)?,
        ))
    }

    pub fn find(conn: &mut DbConnection, id: NotificationId) -> Result<Notification, DbError> {
        notifications::table
            .find(id)
            .select(Notification::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// A member's notifications, newest first, older than `before` when given.
    pub fn page(
        conn: &mut DbConnection,
        user: UserId,
        before: Option<NotificationId>,
        limit: i64,
    ) -> Result<Vec<Notification>, DbError> {
        let mut query = notifications::table
            .filter(notifications::user_id.eq(user))
            .select(Notification::as_select())
            .order(notifications::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(notifications::id.lt(before));
        }
        Ok(query.load(conn)?)
    }

    /// How many of the member's notifications are unread (the header's badge).
    pub fn unread_count(conn: &mut DbConnection, user: UserId) -> Result<i64, DbError> {
        Ok(notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(conn)?)
    }

    /// Marks one of the member's notifications read; false when it is not
    /// theirs or was read already.
    pub fn mark_read(conn: &mut DbConnection, user: UserId, id: NotificationId) -> Result<bool, DbError> {
        let read = read_rows!(
            conn,
            notifications::table
                .filter(notifications::id.eq(id))
                .filter(notifications::user_id.eq(user))
                .filter(notifications::read_at.is_null())
        );
        Ok(read > 0)
    }

    /// Marks all the member's notifications read; returns how many were unread.
    pub fn mark_all_read(conn: &mut DbConnection, user: UserId) -> Result<usize, DbError> {
        Ok(read_rows!(
            conn,
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::read_at.is_null())
        ))
    }

    /// Marks read what the member was told about a thread, once they have
    /// seen it; returns how many were unread.
    pub fn mark_thread_read(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<usize, DbError> {
        Ok(read_rows!(
            conn,
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::thread_id.eq(thread))
                .filter(notifications::read_at.is_null())
        ))
    }
}
