//! Flags and the moderation queue's decisions: members flag a post with a
//! reason (`flag_post`), their flags weighed by trust level and accuracy
//! until the post is hidden pending review; a post held before anyone saw
//! it opens a report too (`hold`); a moderator agrees (hide or delete,
//! optionally silencing or suspending the author), disagrees (restore) or
//! ignores a report (`resolve`), and the author and the flaggers are told.

use klearn_db::audit::{self, Object};
use klearn_db::forum::{Counters, Post, Thread};
use klearn_db::reports::{Flag, NewFlag, Report, Visibility};
use klearn_db::trust::{ActivityDelta, MemberActivity, Standing};
use klearn_db::users::User;
use klearn_db::{
    public_write_tx, search, DbConnection, DbError, FlagReason, FlagState, NotificationKind, PostId,
    PostState, ReportId, ReportKind, ReportState,
};

use super::trust::level_of;
use super::ForumError;
use crate::accounts::moderation::Suspension;
use crate::domain::actor::Actor;
use crate::domain::trust::{flag_weight, may_flag, HIDE_AT_WEIGHT};
use crate::notifications::{notify, Notice};

/// A flag as its form parsed it: `note` is required with `Other`.
#[derive(Debug, Clone)]
pub struct FlagInput {
    pub reason: FlagReason,
    pub note: String,
}

/// What a flag did.
#[derive(Debug, Clone)]
pub struct Flagged {
    pub thread: Thread,
    pub post: Post,
    /// The flags reached the threshold (or a moderator flagged): hidden.
    pub hidden: bool,
}

/// Opens the report of a post held before anyone saw it.
pub fn hold(conn: &mut DbConnection, post: &Post) -> Result<Report, DbError> {
    Report::open(conn, post.id, post.thread_id, ReportKind::Held)
}

/// Takes a post (its thread with it when it is the first) out of view and
/// out of search; its author and moderators still read it.
fn hide(conn: &mut DbConnection, thread: &Thread, post: &Post) -> Result<(), DbError> {
    Visibility::set_post(conn, post.id, PostState::Hidden)?;
    if post.number == 1 {
        Visibility::set_thread(conn, thread.id, PostState::Hidden)?;
        for other in Post::ids_of(conn, thread.id)? {
            search::sync_post(conn, other)?;
        }
    } else {
        search::sync_post(conn, post.id)?;
    }
    Ok(())
}

/// Shows a hidden post again (its thread with it when it is the first).
fn restore(conn: &mut DbConnection, thread: &Thread, post: &Post) -> Result<(), DbError> {
    Visibility::set_post(conn, post.id, PostState::Visible)?;
    if post.number == 1 {
        Visibility::set_thread(conn, thread.id, PostState::Visible)?;
        for other in Post::ids_of(conn, thread.id)? {
            search::sync_post(conn, other)?;
        }
    } else {
        search::sync_post(conn, post.id)?;
    }
    Ok(())
}

/// Publishes a held post as if it had just been written: it joins its
/// thread's counters and activity (a held first post brings its thread
/// into the lists), its author's post count and search, and the members it
/// concerns are told of it.
pub fn publish(conn: &mut DbConnection, thread: &Thread, post: &Post) -> Result<(), DbError> {
    let now = klearn_db::now();
    Visibility::set_post(conn, post.id, PostState::Visible)?;
    let first = post.number == 1;
    if first {
        Visibility::set_thread(conn, thread.id, PostState::Visible)?;
    }
    Thread::count_published(conn, thread.id, post.author_id, !first, now)?;
    Counters::posts(conn, post.author_id, 1)?;
    search::sync_post(conn, post.id)?;
    let (thread, post) = (Thread::find(conn, thread.id)?, Post::find(conn, post.id)?);
    crate::notifications::forum::post_published(conn, &thread, &post)?;
    super::trust::first_reply(conn, &post)
}

/// A verified member at level 1 or more (or a moderator) flags a visible
/// post that is not theirs, once. When the open report's weight reaches
/// `HIDE_AT_WEIGHT`, or a moderator flags, the post is hidden pending
/// review and its author told.
pub fn flag_post(
    conn: &mut DbConnection,
    actor: &Actor,
    id: PostId,
    input: FlagInput,
) -> Result<Flagged, ForumError> {
    let member = actor.user_id().ok_or(ForumError::NotFound)?;
    if input.reason == FlagReason::Other && input.note.trim().is_empty() {
        return Err(ForumError::invalid("note", "forum.flag.note_required"));
    }
    public_write_tx(conn, |conn| {
        let post = Post::find(conn, id)?;
        let thread = Thread::find(conn, post.thread_id)?;
        if post.is_deleted() || thread.state == PostState::Deleted {
            return Err(ForumError::NotFound);
        }
        if post.author_id == member {
            return Err(ForumError::Forbidden("forum.flag.own_post"));
        }
        let flagger = User::find(conn, member)?;
        if !flagger.is_verified() {
            return Err(ForumError::Forbidden("forum.error.verify_first"));
        }
        let moderator = actor.is_moderator();
        if !moderator && !may_flag(level_of(&flagger)) {
            return Err(ForumError::Forbidden("forum.flag.level_needed"));
        }
        if post.state != PostState::Visible || Flag::exists(conn, id, member)? {
            return Err(ForumError::Conflict("forum.flag.already"));
        }
        let record = MemberActivity::of(conn, member)?;
        let weight = flag_weight(
            level_of(&flagger),
            moderator,
            record.flags_agreed,
            record.flags_disagreed,
        );
        let report = match Report::open_for(conn, id)? {
            Some(report) => report,
            None => Report::open(conn, id, thread.id, ReportKind::Flagged)?,
        };
        let new = NewFlag {
            post: id,
            user: member,
            report: report.id,
            reason: input.reason,
            note: input.note.trim(),
            weight,
        };
        if !Flag::raise(conn, &new)? {
            return Err(ForumError::Conflict("forum.flag.already"));
        }
        let total = Report::add_weight(conn, report.id, weight)?;
        let hidden = moderator || total >= HIDE_AT_WEIGHT;
        if hidden {
            hide(conn, &thread, &post)?;
            audit::record(
                conn,
                Some(member),
                "post.hidden_by_flags",
                Object::new("post", id),
                &format!("{} (weight {total})", thread.title),
            )?;
            let notice = Notice::new(NotificationKind::Moderation, format!("hidden:{}", post.id))
                .thread(thread.id)
                .post(post.id)
                .detail("hidden");
            notify(conn, post.author_id, &notice)?;
        }
        Ok(Flagged {
            thread,
            post: Post::find(conn, id)?,
            hidden,
        })
    })
}

/// Whether a moderator hides or deletes a post they agree should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Hide,
    Delete,
}

/// What a moderator decides on a report.
pub enum Decision {
    /// The flags (or the hold) were right: the post goes; optionally the
    /// author is silenced in the forum for some days, or suspended.
    Agree {
        outcome: Outcome,
        silence_days: Option<i64>,
        suspension: Option<Suspension>,
    },
    /// The post is fine: a held one is published, a hidden one shown again.
    Disagree,
    /// The report closes, the post stays as it is.
    Ignore,
}

impl Decision {
    fn name(&self) -> &'static str {
        match self {
            Decision::Agree {
                outcome: Outcome::Hide,
                ..
            } => "hide",
            Decision::Agree {
                outcome: Outcome::Delete,
                ..
            } => "delete",
            Decision::Disagree => "restore",
            Decision::Ignore => "ignore",
        }
    }
}

/// Deletes a post in any state, as a moderator's decision: it leaves its
/// author's count if it was in it; a first post takes its thread with it.
fn delete(
    conn: &mut DbConnection,
    thread: &Thread,
    post: &Post,
    by: Option<klearn_db::UserId>,
) -> Result<(), DbError> {
    Visibility::set_post(conn, post.id, PostState::Deleted)?;
    Post::note_deleted(conn, post.id, by)?;
    if post.state != PostState::Held {
        Counters::posts(conn, post.author_id, -1)?;
    }
    if thread.accepted_post_id == Some(post.id) {
        Thread::set_accepted(conn, thread.id, None)?;
        Counters::accepted_answers(conn, post.author_id, -1)?;
    }
    if post.number == 1 {
        Thread::mark_deleted(conn, thread.id)?;
        for other in Post::ids_of(conn, thread.id)? {
            search::sync_post(conn, other)?;
        }
    } else {
        search::sync_post(conn, post.id)?;
    }
    Ok(())
}

/// A moderator resolves an open report: the post as decided, the report
/// closed, the flags judged (and counted in their flaggers' accuracy), the
/// action audited, the author and the flaggers told. A report resolved
/// already is a conflict.
pub fn resolve(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ReportId,
    decision: Decision,
) -> Result<Report, ForumError> {
    if !actor.is_moderator() {
        return Err(ForumError::Forbidden("forum.error.moderators_only"));
    }
    public_write_tx(conn, |conn| {
        let report = Report::find(conn, id)?;
        if report.state != ReportState::Open {
            return Err(ForumError::Conflict("admin.reports.resolved_already"));
        }
        let post = Post::find(conn, report.post_id)?;
        let thread = Thread::find(conn, report.thread_id)?;
        let resolution = decision.name();
        let (state, flags) = match &decision {
            Decision::Agree {
                outcome,
                silence_days,
                suspension,
            } => {
                match outcome {
                    Outcome::Hide if post.state == PostState::Visible => hide(conn, &thread, &post)?,
                    Outcome::Hide => {
                        // Held or hidden already: it stays out of view as hidden.
                        Visibility::set_post(conn, post.id, PostState::Hidden)?;
                        if post.number == 1 {
                            Visibility::set_thread(conn, thread.id, PostState::Hidden)?;
                        }
                    }
                    Outcome::Delete if post.is_deleted() => {}
                    Outcome::Delete => delete(conn, &thread, &post, actor.user_id())?,
                }
                if let Some(days) = silence_days {
                    let until = klearn_db::now() + chrono::Duration::days(*days);
                    Standing::silence(conn, post.author_id, Some(until))?;
                    audit::record(
                        conn,
                        actor.user_id(),
                        "user.silence",
                        Object::user(post.author_id),
                        &format!("{days} days"),
                    )?;
                }
                if let Some(suspension) = suspension {
                    crate::accounts::moderation::suspend(conn, actor, suspension).map_err(|e| match e {
                        crate::accounts::AccountError::Forbidden(key) => ForumError::Forbidden(key),
                        crate::accounts::AccountError::NotFound => ForumError::NotFound,
                        crate::accounts::AccountError::Db(e) => ForumError::Db(e),
                        _ => ForumError::Conflict("admin.reports.suspend_failed"),
                    })?;
                }
                (ReportState::Agreed, Flag::settle(conn, id, FlagState::Agreed)?)
            }
            Decision::Disagree => {
                match post.state {
                    PostState::Held => publish(conn, &thread, &post)?,
                    PostState::Hidden => restore(conn, &thread, &post)?,
                    _ => {}
                }
                (
                    ReportState::Disagreed,
                    Flag::settle(conn, id, FlagState::Disagreed)?,
                )
            }
            Decision::Ignore => (ReportState::Ignored, Flag::settle(conn, id, FlagState::Ignored)?),
        };
        if !Report::resolve(conn, id, state, actor.user_id(), resolution)? {
            return Err(ForumError::Conflict("admin.reports.resolved_already"));
        }
        for flag in &flags {
            let delta = match state {
                ReportState::Agreed => ActivityDelta {
                    flags_agreed: 1,
                    ..ActivityDelta::default()
                },
                ReportState::Disagreed => ActivityDelta {
                    flags_disagreed: 1,
                    ..ActivityDelta::default()
                },
                _ => continue,
            };
            MemberActivity::add(conn, flag.user_id, &delta)?;
        }
        audit::record(
            conn,
            actor.user_id(),
            &format!("report.{}", state.as_str()),
            Object::new("report", id),
            &format!("{resolution}: {}", thread.title),
        )?;
        let told = |kind: &str| {
            Notice::new(NotificationKind::Moderation, format!("report:{id}:{kind}"))
                .thread(thread.id)
                .post(post.id)
                .detail(resolution)
        };
        let mut to_author = told("author");
        if let Some(by) = actor.user_id() {
            to_author = to_author.by(by);
        }
        notify(conn, post.author_id, &to_author)?;
        for flag in &flags {
            let mut to_flagger = told("flag");
            if let Some(by) = actor.user_id() {
                to_flagger = to_flagger.by(by);
            }
            notify(conn, flag.user_id, &to_flagger)?;
        }
        Ok(Report::find(conn, id)?)
    })
}
