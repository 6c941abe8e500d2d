//! Notifications: one row per thing a member is told about, unique per
//! member and dedupe key (so that a retried use case or a repeated event
//! tells once), with the state of its email; read one by one, all at once,
//! or by visiting the thread they concern. Marking read cancels an email
//! still waiting its delay or the digest.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::orders::insert_once;
use crate::schema::{
    member_activity, notification_settings, notifications, notified_likes, thread_watches, users,
};
use crate::types::{
    CourseId, EmailChoice, EmailState, NotificationId, NotificationKind, OrderId, PostId, ThreadId, UserId,
    WatchLevel,
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
/// still wait their delay or the digest; evaluates to how many there were.
macro_rules! read_rows {
    ($conn:expr, $rows:expr) => {{
        let now = crate::now();
        diesel::update(
            $rows.filter(notifications::email_state.eq_any([EmailState::Waiting, EmailState::Digest])),
        )
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

impl Notification {
    /// Whether the member has a notification with this key.
    pub fn exists(conn: &mut DbConnection, user: UserId, key: &str) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::dedupe_key.eq(key)),
        ))
        .get_result(conn)?)
    }

    /// Whether the member has unread notifications about a thread.
    pub fn has_unread_in_thread(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<bool, DbError> {
        Ok(diesel::select(diesel::dsl::exists(
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::read_at.is_null())
                .filter(notifications::thread_id.eq(thread)),
        ))
        .get_result(conn)?)
    }

    /// Who has a notification with this key (the members a post mentioned).
    pub fn holders_of(conn: &mut DbConnection, key: &str) -> Result<Vec<UserId>, DbError> {
        Ok(notifications::table
            .filter(notifications::dedupe_key.eq(key))
            .select(notifications::user_id)
            .load(conn)?)
    }

    /// Takes back the member's unread notification with this key (a
    /// mention edited away), and with it the email it was waiting to send;
    /// true when there was one.
    pub fn withdraw_unread(conn: &mut DbConnection, user: UserId, key: &str) -> Result<bool, DbError> {
        let gone = diesel::delete(
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::dedupe_key.eq(key))
                .filter(notifications::read_at.is_null()),
        )
        .execute(conn)?;
        Ok(gone > 0)
    }

    /// The member's unread like notification of `post` begun since `since`,
    /// which a new like joins.
    pub fn open_like_batch(
        conn: &mut DbConnection,
        user: UserId,
        post: PostId,
        since: NaiveDateTime,
    ) -> Result<Option<Notification>, DbError> {
        Ok(notifications::table
            .filter(notifications::user_id.eq(user))
            .filter(notifications::kind.eq(NotificationKind::Like))
            .filter(notifications::post_id.eq(post))
            .filter(notifications::read_at.is_null())
            .filter(notifications::created_at.ge(since))
            .order(notifications::id.desc())
            .select(Notification::as_select())
            .first(conn)
            .optional()?)
    }

    /// One more like joins a batch: `actor` is named, the one before joins
    /// the others.
    pub fn join_like(conn: &mut DbConnection, id: NotificationId, actor: UserId) -> Result<(), DbError> {
        diesel::update(notifications::table.find(id))
            .set((
                notifications::actor_id.eq(Some(actor)),
                notifications::others_count.eq(notifications::others_count + 1),
                notifications::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Moves the email of a notification from `from` to `to`; false when it
    /// was not in `from` (read meanwhile, or a repeated job).
    pub fn move_email(
        conn: &mut DbConnection,
        id: NotificationId,
        from: EmailState,
        to: EmailState,
    ) -> Result<bool, DbError> {
        let moved = diesel::update(
            notifications::table
                .find(id)
                .filter(notifications::email_state.eq(from)),
        )
        .set(notifications::email_state.eq(to))
        .execute(conn)?;
        Ok(moved > 0)
    }

    /// Members with unread notifications waiting for their digest.
    pub fn digest_members(conn: &mut DbConnection) -> Result<Vec<UserId>, DbError> {
        Ok(notifications::table
            .filter(notifications::email_state.eq(EmailState::Digest))
            .filter(notifications::read_at.is_null())
            .select(notifications::user_id)
            .distinct()
            .load(conn)?)
    }

    /// A member's unread notifications waiting for their digest, oldest first.
    pub fn digest_waiting(conn: &mut DbConnection, user: UserId) -> Result<Vec<Notification>, DbError> {
        Ok(notifications::table
            .filter(notifications::email_state.eq(EmailState::Digest))
            .filter(notifications::user_id.eq(user))
            .filter(notifications::read_at.is_null())
            .order(notifications::id.asc())
            .select(Notification::as_select())
            .load(conn)?)
    }

    /// The member's emails of `kinds` not sent yet go unsent (the member
    /// turned those emails off).
    pub fn cancel_emails_of(
        conn: &mut DbConnection,
        user: UserId,
        kinds: &[NotificationKind],
    ) -> Result<usize, DbError> {
        Ok(diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(user))
                .filter(notifications::kind.eq_any(kinds.iter().map(|k| k.as_str())))
                .filter(notifications::email_state.eq_any([EmailState::Waiting, EmailState::Digest])),
        )
        .set(notifications::email_state.eq(EmailState::Cancelled))
        .execute(conn)?)
    }
}

/// How closely each member follows a thread (no row: normal, unless they
/// started it or replied to it, which writes `watching`).
pub struct ThreadWatch;

impl ThreadWatch {
    /// The member's level for a thread, when one was written.
    pub fn level(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<Option<WatchLevel>, DbError> {
        let level: Option<String> = thread_watches::table
            .filter(thread_watches::user_id.eq(user))
            .filter(thread_watches::thread_id.eq(thread))
            .select(thread_watches::level)
            .first(conn)
            .optional()?;
        Ok(level.and_then(|l| WatchLevel::parse(&l)))
    }

    /// The members of a thread at `level`.
    pub fn members_at(
        conn: &mut DbConnection,
        thread: ThreadId,
        level: WatchLevel,
    ) -> Result<Vec<UserId>, DbError> {
        Ok(thread_watches::table
            .filter(thread_watches::thread_id.eq(thread))
            .filter(thread_watches::level.eq(level.as_str()))
            .select(thread_watches::user_id)
            .load(conn)?)
    }

    /// Sets the member's level for a thread.
    pub fn set(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
        level: WatchLevel,
    ) -> Result<(), DbError> {
        let now = crate::now();
        let changed = diesel::update(
            thread_watches::table
                .filter(thread_watches::user_id.eq(user))
                .filter(thread_watches::thread_id.eq(thread)),
        )
        .set((
            thread_watches::level.eq(level.as_str()),
            thread_watches::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            Self::insert(conn, user, thread, level)?;
        }
        Ok(())
    }

    /// Watches a thread unless the member chose a level for it already (an
    /// explicit choice, muted included, is kept).
    pub fn watch_unless_chosen(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
    ) -> Result<bool, DbError> {
        Self::insert(conn, user, thread, WatchLevel::Watching)
    }

    fn insert(
        conn: &mut DbConnection,
        user: UserId,
        thread: ThreadId,
        level: WatchLevel,
    ) -> Result<bool, DbError> {
        insert_once(conn, |conn| {
            diesel::insert_into(thread_watches::table)
                .values((
                    thread_watches::user_id.eq(user),
                    thread_watches::thread_id.eq(thread),
                    thread_watches::level.eq(level.as_str()),
                    thread_watches::updated_at.eq(crate::now()),
                ))
                .execute(conn)
        })
    }
}

/// The members' choices of email per kind of notification.
pub struct EmailSettings;

impl EmailSettings {
    /// The kinds the member chose an email for, with the choice.
    pub fn chosen(conn: &mut DbConnection, user: UserId) -> Result<Vec<(String, EmailChoice)>, DbError> {
        let rows: Vec<(String, String)> = notification_settings::table
            .filter(notification_settings::user_id.eq(user))
            .select((notification_settings::kind, notification_settings::email))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, email)| Some((kind, EmailChoice::parse(&email)?)))
            .collect())
    }

    /// Sets the member's email for one kind.
    pub fn set(
        conn: &mut DbConnection,
        user: UserId,
        kind: NotificationKind,
        choice: EmailChoice,
    ) -> Result<(), DbError> {
        let now = crate::now();
        let changed = diesel::update(
            notification_settings::table
                .filter(notification_settings::user_id.eq(user))
                .filter(notification_settings::kind.eq(kind.as_str())),
        )
        .set((
            notification_settings::email.eq(choice.as_str()),
            notification_settings::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            diesel::insert_into(notification_settings::table)
                .values((
                    notification_settings::user_id.eq(user),
                    notification_settings::kind.eq(kind.as_str()),
                    notification_settings::email.eq(choice.as_str()),
                    notification_settings::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// The member's time zone (empty: the site's).
    pub fn timezone(conn: &mut DbConnection, user: UserId) -> Result<String, DbError> {
        users::table
            .find(user)
            .select(users::timezone)
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// Sets the member's time zone (an IANA name, or empty for the site's).
    pub fn set_timezone(conn: &mut DbConnection, user: UserId, timezone: &str) -> Result<(), DbError> {
        diesel::update(users::table.find(user))
            .set(users::timezone.eq(timezone))
            .execute(conn)?;
        Ok(())
    }

    /// The day the member's last digest went, in their time zone.
    pub fn digest_sent_on(conn: &mut DbConnection, user: UserId) -> Result<Option<NaiveDate>, DbError> {
        Ok(member_activity::table
            .find(user)
            .select(member_activity::digest_sent_on)
            .first::<Option<NaiveDate>>(conn)
            .optional()?
            .flatten())
    }

    /// Records the day of the member's digest (the row appears if need be).
    pub fn set_digest_sent_on(conn: &mut DbConnection, user: UserId, day: NaiveDate) -> Result<(), DbError> {
        let now = crate::now();
        let changed = diesel::update(member_activity::table.find(user))
            .set((
                member_activity::digest_sent_on.eq(Some(day)),
                member_activity::updated_at.eq(now),
            ))
            .execute(conn)?;
        if changed == 0 {
            let inserted = insert_once(conn, |conn| {
                diesel::insert_into(member_activity::table)
                    .values((
                        member_activity::user_id.eq(user),
                        member_activity::digest_sent_on.eq(Some(day)),
                        member_activity::updated_at.eq(now),
                    ))
                    .execute(conn)
            })?;
            if !inserted {
                diesel::update(member_activity::table.find(user))
                    .set(member_activity::digest_sent_on.eq(Some(day)))
                    .execute(conn)?;
            }
        }
        Ok(())
    }
}

/// Whether this is the first time `user` is told of as liking `post`
/// (then it is recorded): unliking and liking again tells no one twice.
pub fn first_like_notice(conn: &mut DbConnection, post: PostId, user: UserId) -> Result<bool, DbError> {
    insert_once(conn, |conn| {
        diesel::insert_into(notified_likes::table)
            .values((
                notified_likes::post_id.eq(post),
                notified_likes::user_id.eq(user),
                notified_likes::created_at.eq(crate::now()),
            ))
            .execute(conn)
    })
}
