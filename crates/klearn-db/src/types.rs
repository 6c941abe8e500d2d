//! The vocabulary of stored data, shared with the rules of the web crate's
//! domain: a newtype id per kind of row, mapped to its BIGINT column, so that
//! a lesson id cannot be passed where a course id is expected; and the states
//! of courses, revisions and expert applications, each mapped to its text
//! column by `text_enum!`, so that an unknown value in the database is an
//! error, never a silent default.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Text};
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow,
            Serialize, Deserialize,
        )]
        #[diesel(sql_type = BigInt)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The number, for URLs and logs.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }

        impl<DB: Backend> ToSql<BigInt, DB> for $name
        where
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB: Backend> FromSql<BigInt, DB> for $name
        where
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }
    )+};
}

id_type! {
    /// A member's account.
    UserId;
    /// A course.
    CourseId;
    /// A chapter of a course.
    ChapterId;
    /// A lesson of a chapter.
    LessonId;
    /// A proposed change to a published course.
    RevisionId;
    /// A proposed change to a lesson of a published course.
    LessonRevisionId;
    /// An expert's application for certification.
    ApplicationId;
    /// An uploaded file.
    UploadId;
    /// A course or forum category.
    CategoryId;
    /// An order: what a learner buys at once.
    OrderId;
    /// One course of an order.
    OrderItemId;
    /// A payment of an order with the provider.
    PaymentId;
    /// Money given back for a payment.
    RefundId;
    /// A forum thread (in a category or on a course's board).
    ThreadId;
    /// A post of a thread.
    PostId;
    /// A learner's submission to a lesson's task.
    SubmissionId;
    /// A completion certificate.
    CertificateId;
    /// A problem or suggestion filed about the platform.
    FeedbackId;
    /// A discount code.
    CouponId;
    /// A learner's request to have an order refunded.
    RefundRequestId;
    /// A row of an expert's earnings ledger.
    EarningId;
    /// Money paid out to an expert.
    PayoutId;
    /// Something a member is told about (a reply, a mention, an order…).
    NotificationId;
    /// A post waiting in the moderation queue, flagged or held.
    ReportId;
    /// One member's flag on a post.
    FlagId;
}

/// A server-side session, keyed by a hash of its cookie's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize)]
#[diesel(sql_type = Text)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<DB: Backend> ToSql<Text, DB> for SessionId
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.as_str().to_sql(out)
    }
}

impl<DB: Backend> FromSql<Text, DB> for SessionId
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        String::from_sql(bytes).map(SessionId)
    }
}

/// Declares an enum stored as text: `as_str`, `parse`, `ALL`, and the column
/// mapping, where a value the enum does not know is a read error.
#[macro_export]
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text stored in the column.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text =
                    <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                $name::parse(&text)
                    .ok_or_else(|| format!("unknown {} {text:?} in the database", stringify!($name)).into())
            }
        }
    };
}

// ---- states, stored as text ----

text_enum! {
    /// Where an order is (the legal moves are in the web crate's domain).
    OrderState {
        Pending = "pending",
        Paid = "paid",
        Failed = "failed",
        Cancelled = "cancelled",
        Expired = "expired",
        Refunded = "refunded",
        PartiallyRefunded = "partially_refunded",
    }
}

text_enum! {
    /// Where a payment with the provider is.
    PaymentState {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
        Refunded = "refunded",
    }
}

text_enum! {
    /// An order's item: bought, or its money given back.
    OrderItemState {
        Active = "active",
        Refunded = "refunded",
    }
}

text_enum! {
    /// What a thread is: a conversation, or a question that can have an
    /// accepted answer.
    ThreadKind {
        Discussion = "discussion",
        Question = "question",
    }
}

text_enum! {
    /// Whether a thread or a post is shown (moderation adds more states).
    PostState {
        Visible = "visible",
        Deleted = "deleted",
        /// Waiting for a moderator before anyone but its author sees it
        /// (a link from a new account).
        Held = "held",
        /// Hidden by flags or a moderator; its author still sees it.
        Hidden = "hidden",
    }
}

id_type! {
    /// A learner's review of a course.
    ReviewId;
}

text_enum! {
    /// Whether a review is shown and counted, or hidden by a moderator
    /// (then only its author still sees it, with the reason).
    ReviewState {
        Visible = "visible",
        Hidden = "hidden",
    }
}

text_enum! {
    /// A coupon's use by one order: held while the order waits for payment,
    /// used once it is paid, given back when it fails, is cancelled or
    /// expires (never on a refund).
    CouponUseState {
        Reserved = "reserved",
        Used = "used",
        Released = "released",
    }
}

text_enum! {
    /// A learner's refund request: waiting for an admin, then approved (the
    /// refund goes to the provider) or declined with a reason.
    RefundRequestState {
        Pending = "pending",
        Approved = "approved",
        Declined = "declined",
    }
}

text_enum! {
    /// A row of an expert's earnings: their share of a paid item, or the
    /// same amount taken back when the item is refunded.
    EarningKind {
        Sale = "sale",
        Refund = "refund",
    }
}

text_enum! {
    /// Where a refund with the provider is.
    RefundState {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

text_enum! {
    /// Where a course is in its life (the rules of its moves are in the web
    /// crate's domain).
    CourseState {
        Draft = "draft",
        InReview = "in_review",
        Published = "published",
        Rejected = "rejected",
        Unpublished = "unpublished",
    }
}

text_enum! {
    /// A task's submission waits for grading, goes back for rework (and is
    /// handed in again), or passes with a score.
    SubmissionState {
        Submitted = "submitted",
        Returned = "returned",
        Passed = "passed",
    }
}

text_enum! {
    /// A revision waits for a moderator, then is approved or rejected.
    RevisionState {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

text_enum! {
    /// Where an application for certification is in its life (the rules of
    /// its steps are in the web crate's domain).
    ExpertState {
        Submitted = "submitted",
        Screening = "screening",
        Interview = "interview",
        Trial = "trial",
        Certified = "certified",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Revoked = "revoked",
    }
}

impl ExpertState {
    /// The states in which a moderator has work to do, in pipeline order.
    pub const OPEN: [ExpertState; 4] = [
        ExpertState::Submitted,
        ExpertState::Screening,
        ExpertState::Interview,
        ExpertState::Trial,
    ];

    pub fn is_open(self) -> bool {
        ExpertState::OPEN.contains(&self)
    }
}

text_enum! {
    /// What feedback to the platform is about.
    FeedbackKind {
        Problem = "problem",
        Suggestion = "suggestion",
    }
}

text_enum! {
    /// Where feedback to the platform is in its triage: any state may follow
    /// any other; each change carries the moderator's public note.
    FeedbackState {
        New = "new",
        Planned = "planned",
        Done = "done",
        Declined = "declined",
    }
}

/// m of the Bayesian rating (m·C + sum) / (m + n): how many ratings of the
/// mean every course (and every expert) starts with.
pub const RATING_PRIOR_WEIGHT: i64 = 10;

text_enum! {
    /// What a notification tells of.
    NotificationKind {
        /// A reply to the member's thread or to one of their posts.
        Reply = "reply",
        /// `@username` in a post.
        Mention = "mention",
        /// Likes of one post, batched within two hours.
        Like = "like",
        /// The member's reply was accepted as the answer.
        Accepted = "accepted",
        /// A new post in a thread the member watches.
        Watched = "watched",
        /// A moderator acted on the member's post or flag.
        Moderation = "moderation",
        /// An expert the member follows published a course.
        NewCourse = "new_course",
        /// An order was paid, refunded or declined a refund.
        Order = "order",
        /// A certification step, a certificate or a task's review.
        Certification = "certification",
    }
}

text_enum! {
    /// How closely a member follows a thread: every post (watching), only
    /// what concerns them (normal), nothing at all (muted).
    WatchLevel {
        Watching = "watching",
        Normal = "normal",
        Muted = "muted",
    }
}

text_enum! {
    /// A member's choice of email for one kind of notification.
    EmailChoice {
        Off = "off",
        Immediately = "immediately",
        Daily = "daily",
    }
}

text_enum! {
    /// Where a notification's email stands: none is due, one waits its
    /// delay, it went, reading or an edit cancelled it, it waits for the
    /// daily digest, or a digest carried it.
    EmailState {
        None = "none",
        Waiting = "waiting",
        Sent = "sent",
        Cancelled = "cancelled",
        Digest = "digest",
        Digested = "digested",
    }
}

text_enum! {
    /// Why a member flagged a post.
    FlagReason {
        Spam = "spam",
        Offensive = "offensive",
        OffTopic = "off_topic",
        Other = "other",
    }
}

text_enum! {
    /// A flag waits for a moderator, who agrees with it, disagrees or ignores it.
    FlagState {
        Pending = "pending",
        Agreed = "agreed",
        Disagreed = "disagreed",
        Ignored = "ignored",
    }
}

text_enum! {
    /// Why a post is in the moderation queue.
    ReportKind {
        /// Members flagged it.
        Flagged = "flagged",
        /// It was held before anyone saw it (a link from a new account).
        Held = "held",
    }
}

text_enum! {
    /// A report is open until a moderator agrees (hide or delete),
    /// disagrees (restore) or ignores it.
    ReportState {
        Open = "open",
        Agreed = "agreed",
        Disagreed = "disagreed",
        Ignored = "ignored",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::text_enum! {
        /// A test state.
        Colour {
            Red = "red",
            Blue = "blue",
        }
    }

    #[test]
    fn text_enums_round_trip_and_refuse_the_unknown() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Colour::parse("green"), None);
        assert_eq!(Colour::Blue.to_string(), "blue");
    }

    #[test]
    fn ids_print_and_parse_as_numbers() {
        assert_eq!(CourseId(7).to_string(), "7");
        assert_eq!("12".parse::<LessonId>(), Ok(LessonId(12)));
        assert!("x".parse::<LessonId>().is_err());
        assert_eq!(serde_json::to_string(&UserId(3)).unwrap(), "3");
    }
}
