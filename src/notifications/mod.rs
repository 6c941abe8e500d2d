//! Notifications: what a member is told about and how. `notify` is the one
//! way a use case tells a member something, inside its own transaction: it
//! writes the notification once per dedupe key, never to the member who did
//! it, and sets its email as the member chose for that kind (none, after a
//! delay, or in the daily digest). `forum` says who hears of what happens
//! in the forum, `watching` how closely a member follows a thread, `email`
//! sends the delayed emails and the daily digest and unsubscribes by token,
//! `settings` keeps each member's email choices and time zone, `lines` says
//! each notification in the member's language, `courses` tells the
//! followers of an expert of a new course.

pub mod courses;
pub mod email;
pub mod forum;
pub mod lines;
pub mod routes;
pub mod settings;
pub mod views;
pub mod watching;

use klearn_db::notifications::{NewNotification, Notification};
use klearn_db::schema::notification_settings;
use klearn_db::{
    CourseId, DbConnection, DbError, EmailChoice, EmailState, NotificationKind, OrderId, PostId, ThreadId,
    UserId,
};

use diesel::prelude::*;

/// What to tell: its kind, a dedupe key unique per member (`reply:<post>`,
/// `order:<id>:paid` …), who did it and what it concerns.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NotificationKind,
    pub key: String,
    pub actor: Option<UserId>,
    pub thread: Option<ThreadId>,
    pub post: Option<PostId>,
    pub course: Option<CourseId>,
    pub order: Option<OrderId>,
    pub detail: String,
}

impl Notice {
    pub fn new(kind: NotificationKind, key: impl Into<String>) -> Self {
        Notice {
            kind,
            key: key.into(),
            actor: None,
            thread: None,
            post: None,
            course: None,
            order: None,
            detail: String::new(),
        }
    }

    pub fn by(mut self, actor: UserId) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn thread(mut self, thread: ThreadId) -> Self {
        self.thread = Some(thread);
        self
    }

    pub fn post(mut self, post: PostId) -> Self {
        self.post = Some(post);
        self
    }

    pub fn course(mut self, course: CourseId) -> Self {
        self.course = Some(course);
        self
    }

    pub fn order(mut self, order: OrderId) -> Self {
        self.order = Some(order);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// The email a kind gets when the member has not chosen: replies, mentions,
/// accepted answers and moderators' actions at once, new courses of
/// followed experts at once, watched threads in the digest, likes never.
/// Orders and certification already have their own mail (receipts, refund
/// and certification notices), so their notifications add none.
pub fn default_email(kind: NotificationKind) -> EmailChoice {
    match kind {
        NotificationKind::Reply
        | NotificationKind::Mention
        | NotificationKind::Accepted
        | NotificationKind::Moderation
        | NotificationKind::NewCourse => EmailChoice::Immediately,
        NotificationKind::Watched => EmailChoice::Daily,
        NotificationKind::Like | NotificationKind::Order | NotificationKind::Certification => {
            EmailChoice::Off
        }
    }
}

/// Whether the member may choose the email of this kind (orders and
/// certification mail always go, as receipts and notices).
pub fn email_is_chosen(kind: NotificationKind) -> bool {
    !matches!(kind, NotificationKind::Order | NotificationKind::Certification)
}

/// The member's email choice for `kind`, or its default.
pub fn email_choice(
    conn: &mut DbConnection,
    user: UserId,
    kind: NotificationKind,
) -> Result<EmailChoice, DbError> {
    if !email_is_chosen(kind) {
        return Ok(EmailChoice::Off);
    }
    let chosen: Option<EmailChoice> = notification_settings::table
        .filter(notification_settings::user_id.eq(user))
        .filter(notification_settings::kind.eq(kind.as_str()))
        .select(notification_settings::email)
        .first::<String>(conn)
        .optional()?
        .and_then(|s| EmailChoice::parse(&s));
    Ok(chosen.unwrap_or_else(|| default_email(kind)))
}

/// Tells `user` about `notice`, inside the caller's transaction. Nothing is
/// written when the member did it themselves or was told already (the same
/// key); returns the new notification otherwise.
pub fn notify(
    conn: &mut DbConnection,
    user: UserId,
    notice: &Notice,
) -> Result<Option<Notification>, DbError> {
    if notice.actor == Some(user) {
        return Ok(None);
    }
    let email_state = match email_choice(conn, user, notice.kind)? {
        EmailChoice::Off => EmailState::None,
        EmailChoice::Immediately => EmailState::Waiting,
        EmailChoice::Daily => EmailState::Digest,
    };
    let new = NewNotification {
        user,
        kind: notice.kind,
        actor: notice.actor,
        thread: notice.thread,
        post: notice.post,
        course: notice.course,
        order: notice.order,
        detail: &notice.detail,
        key: &notice.key,
        email_state,
    };
    let created = Notification::create(conn, &new)?;
    if let Some(notification) = &created {
        if notification.email_state == EmailState::Waiting {
            email::send_later(conn, notification)?;
        }
    }
    Ok(created)
}

/// Kinds whose email the member chooses, in the order the settings show them.
pub fn chosen_kinds() -> Vec<NotificationKind> {
    NotificationKind::ALL
        .iter()
        .copied()
        .filter(|k| email_is_chosen(*k))
        .collect()
}

crate::area_error! {
    /// Why a notifications use case refused.
    NotificationError {}
}

/// Marks one of the member's notifications read (its waiting email is
/// cancelled); someone else's is not found.
pub fn mark_read(
    conn: &mut DbConnection,
    actor: &crate::domain::actor::Actor,
    id: klearn_db::NotificationId,
) -> Result<(), NotificationError> {
    let member = actor.user_id().ok_or(NotificationError::NotFound)?;
    klearn_db::write_tx(conn, |conn| {
        let notification = Notification::find(conn, id)?;
        if notification.user_id != member {
            return Err(NotificationError::NotFound);
        }
        Notification::mark_read(conn, member, id)?;
        Ok(())
    })
}

/// Marks all the member's notifications read; returns how many were unread.
pub fn mark_all_read(
    conn: &mut DbConnection,
    actor: &crate::domain::actor::Actor,
) -> Result<usize, NotificationError> {
    let member = actor.user_id().ok_or(NotificationError::NotFound)?;
    klearn_db::write_tx(conn, |conn| Ok(Notification::mark_all_read(conn, member)?))
}

/// Tells a buyer of an event of their order (`paid`, `refunded`,
/// `refund_declined`); `occurrence` tells repeated events apart (one per
/// refund). Their mail is the receipt's or the refund notice's.
pub fn order_event(
    conn: &mut DbConnection,
    buyer: UserId,
    order: OrderId,
    number: &str,
    event: &str,
    occurrence: impl std::fmt::Display,
) -> Result<(), DbError> {
    let notice = Notice::new(
        NotificationKind::Order,
        format!("order:{order}:{occurrence}:{event}"),
    )
    .order(order)
    .detail(number);
    notify(conn, buyer, &notice)?;
    Ok(())
}

/// Tells a member of a certification event (`progress`, `certified`,
/// `rejected` of their expert application; `task_passed`,
/// `task_returned`, `certificate` of a course), once per `occurrence`.
pub fn certification_event(
    conn: &mut DbConnection,
    member: UserId,
    course: Option<CourseId>,
    detail: &str,
    event: &str,
    occurrence: impl std::fmt::Display,
) -> Result<(), DbError> {
    let mut notice = Notice::new(
        NotificationKind::Certification,
        format!("certification:{occurrence}:{event}"),
    )
    .detail(detail);
    if let Some(course) = course {
        notice = notice.course(course);
    }
    notify(conn, member, &notice)?;
    Ok(())
}
