//! The moderation queue's rows: a report (one open per post) of a post that
//! members flagged or that was held before anyone saw it, and the members'
//! flags on posts with their reason and weight.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{post_flags, posts, reports, threads};
use crate::types::{
    FlagId, FlagReason, FlagState, PostId, PostState, ReportId, ReportKind, ReportState, ThreadId, UserId,
};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = reports)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Report {
    pub id: ReportId,
    pub post_id: PostId,
    pub thread_id: ThreadId,
    pub kind: ReportKind,
    pub state: ReportState,
    /// The flags' weights added up.
    pub flags_weight: i64,
    pub resolved_by: Option<UserId>,
    /// What the moderator did (`hide`, `delete`, `restore`, `ignore`).
    pub resolution: String,
    pub resolved_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Report {
    pub fn find(conn: &mut DbConnection, id: ReportId) -> Result<Report, DbError> {
        reports::table
            .find(id)
            .select(Report::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// The open report of a post, if any.
    pub fn open_for(conn: &mut DbConnection, post: PostId) -> Result<Option<Report>, DbError> {
        Ok(reports::table
            .filter(reports::post_id.eq(post))
            .filter(reports::state.eq(ReportState::Open))
            .select(Report::as_select())
            .first(conn)
            .optional()?)
    }

    /// Opens a report of a post.
    pub fn open(
        conn: &mut DbConnection,
        post: PostId,
        thread: ThreadId,
        kind: ReportKind,
    ) -> Result<Report, DbError> {
        let now = crate::now();
        let id: ReportId = diesel::insert_into(reports::table)
            .values((
                reports::post_id.eq(post),
                reports::thread_id.eq(thread),
                reports::kind.eq(kind),
                reports::state.eq(ReportState::Open),
                reports::created_at.eq(now),
                reports::updated_at.eq(now),
            ))
            .returning(reports::id)
            .get_result(conn)?;
        Report::find(conn, id)
    }

    /// Adds a flag's weight; returns the report's weight now.
    pub fn add_weight(conn: &mut DbConnection, id: ReportId, weight: i64) -> Result<i64, DbError> {
        Ok(diesel::update(reports::table.find(id))
            .set((
                reports::flags_weight.eq(reports::flags_weight + weight),
                reports::updated_at.eq(crate::now()),
            ))
            .returning(reports::flags_weight)
            .get_result(conn)?)
    }

    /// Closes an open report; false when it was closed already.
    pub fn resolve(
        conn: &mut DbConnection,
        id: ReportId,
        state: ReportState,
        by: Option<UserId>,
        resolution: &str,
    ) -> Result<bool, DbError> {
        let now = crate::now();
        let n = diesel::update(
            reports::table
                .find(id)
                .filter(reports::state.eq(ReportState::Open)),
        )
        .set((
            reports::state.eq(state),
            reports::resolved_by.eq(by),
            reports::resolution.eq(resolution),
            reports::resolved_at.eq(Some(now)),
            reports::updated_at.eq(now),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// One page of open reports, oldest first, after report `after`.
    pub fn queue(
        conn: &mut DbConnection,
        after: Option<ReportId>,
        limit: i64,
    ) -> Result<Vec<Report>, DbError> {
        let mut query = reports::table
            .filter(reports::state.eq(ReportState::Open))
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(reports::id.gt(after));
        }
        Ok(query
            .order(reports::id)
            .limit(limit)
            .select(Report::as_select())
            .load(conn)?)
    }

    /// Reports resolved since `since`, for the dashboard.
    pub fn count_resolved_since(conn: &mut DbConnection, since: NaiveDateTime) -> Result<i64, DbError> {
        Ok(reports::table
            .filter(reports::resolved_at.ge(since))
            .count()
            .get_result(conn)?)
    }

    /// Open reports by kind, for the dashboard.
    pub fn count_open(conn: &mut DbConnection, kind: ReportKind) -> Result<i64, DbError> {
        Ok(reports::table
            .filter(reports::state.eq(ReportState::Open))
            .filter(reports::kind.eq(kind))
            .count()
            .get_result(conn)?)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = post_flags)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Flag {
    pub id: FlagId,
    pub post_id: PostId,
    pub user_id: UserId,
    pub report_id: ReportId,
    pub reason: FlagReason,
    pub note: String,
    pub weight: i64,
    pub state: FlagState,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
}

/// A flag as its member raised it.
pub struct NewFlag<'a> {
    pub post: PostId,
    pub user: UserId,
    pub report: ReportId,
    pub reason: FlagReason,
    pub note: &'a str,
    pub weight: i64,
}

impl Flag {
    /// Writes the flag; false when the member flagged this post already.
    pub fn raise(conn: &mut DbConnection, new: &NewFlag) -> Result<bool, DbError> {
        crate::orders::insert_once(conn, |conn| {
            diesel::insert_into(post_flags::table)
                .values((
                    post_flags::post_id.eq(new.post),
                    post_flags::user_id.eq(new.user),
                    post_flags::report_id.eq(new.report),
                    post_flags::reason.eq(new.reason),
                    post_flags::note.eq(new.note),
                    post_flags::weight.eq(new.weight),
                    post_flags::state.eq(FlagState::Pending),
                    post_flags::created_at.eq(crate::now()),
                ))
                .execute(conn)
        })
    }

    /// Whether the member has flagged the post.
    pub fn exists(conn: &mut DbConnection, post: PostId, user: UserId) -> Result<bool, DbError> {
        let n: i64 = post_flags::table
            .filter(post_flags::post_id.eq(post))
            .filter(post_flags::user_id.eq(user))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    /// The flags of these reports, oldest first, from one query.
    pub fn of_reports(conn: &mut DbConnection, ids: &[ReportId]) -> Result<Vec<Flag>, DbError> {
        Ok(post_flags::table
            .filter(post_flags::report_id.eq_any(ids))
            .order(post_flags::id)
            .select(Flag::as_select())
            .load(conn)?)
    }

    /// Marks a report's pending flags; returns them as they were.
    pub fn settle(conn: &mut DbConnection, report: ReportId, state: FlagState) -> Result<Vec<Flag>, DbError> {
        let flags: Vec<Flag> = post_flags::table
            .filter(post_flags::report_id.eq(report))
            .filter(post_flags::state.eq(FlagState::Pending))
            .select(Flag::as_select())
            .load(conn)?;
        diesel::update(
            post_flags::table
                .filter(post_flags::report_id.eq(report))
                .filter(post_flags::state.eq(FlagState::Pending)),
        )
        .set((
            post_flags::state.eq(state),
            post_flags::resolved_at.eq(Some(crate::now())),
        ))
        .execute(conn)?;
        Ok(flags)
    }
}

/// Posts and threads in and out of view by a moderator's hand.
pub struct Visibility;

impl Visibility {
    /// Sets a post's state (held, hidden, visible).
    pub fn set_post(conn: &mut DbConnection, post: PostId, state: PostState) -> Result<(), DbError> {
        diesel::update(posts::table.find(post))
            .set((posts::state.eq(state), posts::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    /// Sets a thread's state (held, hidden, visible).
    pub fn set_thread(conn: &mut DbConnection, thread: ThreadId, state: PostState) -> Result<(), DbError> {
        diesel::update(threads::table.find(thread))
            .set((threads::state.eq(state), threads::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }
}
