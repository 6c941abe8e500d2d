//! Klearn's data layer: schema, models and their queries, the connection pool
//! over SQLite or PostgreSQL, embedded migrations. Nothing here knows about HTTP.

pub mod audit;
pub mod backend;
pub mod catalogue;
pub mod catalogue_counts;
pub mod categories;
pub mod certificates;
pub mod connection;
pub mod coupons;
pub mod courses;
pub mod earnings;
pub mod enrollments;
pub mod error;
pub mod experts;
pub mod feedback;
pub mod forum;
pub mod generations;
pub mod jobs;
pub mod migrate;
pub mod notifications;
pub mod orders;
pub mod points;
pub mod pool;
pub mod rate;
pub mod ratings;
pub mod refunds;
pub mod reports;
pub mod reviews;
pub mod schema;
pub mod search;
pub mod security;
pub mod seed;
pub mod sessions;
pub mod site_figures;
pub mod tasks;
pub mod tokens;
pub mod trust;
pub mod types;
pub mod uploads;
pub mod users;

pub use connection::{public_write_tx, write_tx, Backend, DbConnection};
pub use error::DbError;
pub use pool::{connect, DbUrl, Pool};
pub use types::{
    ApplicationId, CategoryId, CertificateId, ChapterId, CouponId, CouponUseState, CourseId, CourseState,
    EarningId, EarningKind, EmailChoice, EmailState, ExpertState, FeedbackId, FeedbackKind, FeedbackState,
    FlagId, FlagReason, FlagState, LessonId, LessonRevisionId, NotificationId, NotificationKind, OrderId,
    OrderItemId, OrderItemState, OrderState, PaymentId, PaymentState, PayoutId, PostId, PostState, RefundId,
    RefundRequestId, RefundRequestState, RefundState, ReportId, ReportKind, ReportState, RevisionId,
    RevisionState, SessionId, SubmissionId, SubmissionState, ThreadId, ThreadKind, UploadId, UserId,
    WatchLevel,
};

/// Re-exported so that callers (tests, the CLI) use the exact diesel this crate uses.
pub use diesel;

/// The current time in UTC, as every timestamp column stores it.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// The readiness probe: the database answers and holds Klearn's schema.
pub fn ping(conn: &mut DbConnection) -> Result<(), DbError> {
    use diesel::prelude::*;
    schema::jobs::table
        .select(schema::jobs::id)
        .limit(1)
        .load::<i64>(conn)?;
    Ok(())
}
