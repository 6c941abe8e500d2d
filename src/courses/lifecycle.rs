//! A course's moves between its states (`domain::course::transition` says
//! which are legal), the featuring of published courses, and the sweep that
//! takes prices off the market when their expert may no longer charge.

use klearn_db::audit::{self, Object};
use klearn_db::courses::{Audience, Course, CourseState, Lesson, Revision};
use klearn_db::experts::Application;
use klearn_db::users::User;
use klearn_db::{public_write_tx, CourseId, DbConnection, DbError, RevisionId, UserId};

use super::review::{apply_pending, reject_pending};
use super::{owned, CourseError};
use crate::domain::actor::Actor;
use crate::domain::course::{transition, CourseAction, CourseActor};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// Emails the course's owner about a decision, in their language.
fn tell_owner(
    conn: &mut DbConnection,
    services: &Services,
    course: &Course,
    kind: NoticeKind,
    note: &str,
) -> Result<(), DbError> {
    let owner = User::find(conn, course.owner_id)?;
    let path = match kind {
        NoticeKind::CourseApproved | NoticeKind::RevisionApproved => format!("/courses/{}", course.slug),
        _ => format!("/studio/courses/{}/edit", course.id),
    };
    let url = services.settings.absolute_url(&path);
    let detail = if note.trim().is_empty() {
        course.title.clone()
    } else {
        format!("{} — {}", course.title, note.trim())
    };
    notice::send(
        conn,
        &services.i18n,
        &owner,
        &owner.email,
        kind,
        Some(url),
        &detail,
    )
}

/// An owner's move: submit, withdraw or unpublish.
fn owner_moves(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CourseId,
    action: CourseAction,
) -> Result<CourseState, CourseError> {
    public_write_tx(conn, |conn| {
        let course = owned(conn, actor, id)?;
        let to = transition(course.state, action, CourseActor::Owner)
            .ok_or(CourseError::Conflict("error.409.message"))?;
        if action == CourseAction::Submit {
            if Lesson::outline(conn, course.id, Audience::Studio)?.lesson_count() == 0 {
                return Err(CourseError::Forbidden("studio.needs_a_lesson"));
            }
            // A price set while certified does not outlive the certification.
            if course.price_cents > 0 && !actor.may_charge() {
                return Err(CourseError::Forbidden("studio.error.price_needs_certification"));
            }
        }
        if !Course::move_state(conn, course.id, course.state, to, None)? {
            return Err(CourseError::Conflict("error.409.message"));
        }
        audit::record(
            conn,
            actor.user_id(),
            &format!("course.{}", to.as_str()),
            Object::course(course.id),
            "by the owner",
        )?;
        Ok(to)
    })
}

/// Sends the actor's course to the review queue (with what waits in its
/// revision, if it was published before).
pub fn submit(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<CourseState, CourseError> {
    owner_moves(conn, actor, id, CourseAction::Submit)
}

/// Takes the actor's course back from the review queue.
pub fn withdraw(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<CourseState, CourseError> {
    owner_moves(conn, actor, id, CourseAction::Withdraw)
}

/// Takes the actor's course off the catalogue; its learners keep it.
pub fn unpublish(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<CourseState, CourseError> {
    owner_moves(conn, actor, id, CourseAction::Unpublish)
}

/// A moderator's decision may not be about their own course.
fn moderated(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<Course, CourseError> {
    if !actor.is_moderator() {
        return Err(CourseError::Forbidden("error.403.message"));
    }
    let course = Course::find(conn, id)?;
    if actor.is(course.owner_id) {
        return Err(CourseError::Forbidden("admin.courses.not_own"));
    }
    Ok(course)
}

/// The pending revision a decision is about: the one named must still be
/// the course's pending one.
fn named_pending(
    conn: &mut DbConnection,
    course: &Course,
    revision: RevisionId,
) -> Result<Revision, CourseError> {
    match Revision::pending_for(conn, course.id)? {
        Some(p) if p.id == revision => Ok(p),
        _ => Err(CourseError::Conflict("admin.courses.revision_gone")),
    }
}

/// Only a certified expert's course may be paid: checked when a price is
/// approved, against the certification as it stands then.
fn price_allowed(conn: &mut DbConnection, course: &Course, price_cents: i64) -> Result<(), CourseError> {
    if price_cents > 0 && !Application::is_certified(conn, course.owner_id)? {
        return Err(CourseError::Conflict("admin.courses.owner_not_certified"));
    }
    Ok(())
}

/// Approves a course in review (publishing it with everything in it), or,
/// with `revision`, the waiting changes of a course learners can see.
pub fn approve(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: CourseId,
    revision: Option<RevisionId>,
    note: &str,
) -> Result<(), CourseError> {
    public_write_tx(conn, |conn| {
        let course = moderated(conn, actor, id)?;
        if let Some(revision) = revision {
            let pending = named_pending(conn, &course, revision)?;
            price_allowed(conn, &course, pending.price_cents)?;
            apply_pending(conn, services, &course, Some(&pending), actor.user_id(), note)?;
            audit::record(
                conn,
                actor.user_id(),
                "course.revision_approve",
                Object::course(course.id),
                note,
            )?;
            let course = Course::find(conn, course.id)?;
            tell_owner(conn, services, &course, NoticeKind::RevisionApproved, note)?;
            return Ok(());
        }
        let to = transition(course.state, CourseAction::Approve, CourseActor::Moderator)
            .ok_or(CourseError::Conflict("error.409.message"))?;
        let pending = Revision::pending_for(conn, course.id)?;
        let price = pending.as_ref().map_or(course.price_cents, |p| p.price_cents);
        price_allowed(conn, &course, price)?;
        if !Course::move_state(conn, course.id, course.state, to, None)? {
            return Err(CourseError::Conflict("error.409.message"));
        }
        // The reviewer approved the course as it stands, waiting changes included.
        apply_pending(conn, services, &course, pending.as_ref(), actor.user_id(), note)?;
        audit::record(
            conn,
            actor.user_id(),
            "course.approve",
            Object::course(course.id),
            note,
        )?;
        tell_owner(conn, services, &course, NoticeKind::CourseApproved, note)?;
        if to == CourseState::Published {
            crate::notifications::courses::course_published(conn, &course)?;
        }
        Ok(())
    })
}

/// Turns down a course in review, or, with `revision`, the waiting changes
/// of a course learners can see. The reason is required and mailed.
pub fn reject(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    id: CourseId,
    revision: Option<RevisionId>,
    reason: &str,
) -> Result<(), CourseError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CourseError::invalid("reason", "admin.courses.reason_required"));
    }
    public_write_tx(conn, |conn| {
        let course = moderated(conn, actor, id)?;
        if let Some(revision) = revision {
            let pending = named_pending(conn, &course, revision)?;
            reject_pending(conn, services, &course, Some(&pending), actor.user_id(), reason)?;
            audit::record(
                conn,
                actor.user_id(),
                "course.revision_reject",
                Object::course(course.id),
                reason,
            )?;
            tell_owner(conn, services, &course, NoticeKind::RevisionRejected, reason)?;
            return Ok(());
        }
        let to = transition(course.state, CourseAction::Reject, CourseActor::Moderator)
            .ok_or(CourseError::Conflict("error.409.message"))?;
        if !Course::move_state(conn, course.id, course.state, to, Some(reason))? {
            return Err(CourseError::Conflict("error.409.message"));
        }
        let pending = Revision::pending_for(conn, course.id)?;
        reject_pending(conn, services, &course, pending.as_ref(), actor.user_id(), reason)?;
        audit::record(
            conn,
            actor.user_id(),
            "course.reject",
            Object::course(course.id),
            reason,
        )?;
        tell_owner(conn, services, &course, NoticeKind::CourseRejected, reason)?;
        Ok(())
    })
}

/// Puts a published course on the home page, or takes it off; returns
/// whether it is featured now.
pub fn feature(conn: &mut DbConnection, actor: &Actor, id: CourseId) -> Result<bool, CourseError> {
    public_write_tx(conn, |conn| {
        let course = moderated(conn, actor, id)?;
        if course.state != CourseState::Published {
            return Err(CourseError::Conflict("admin.courses.feature_published_only"));
        }
        Course::set_featured(conn, id, !course.featured)?;
        let action = if course.featured {
            "course.unfeature"
        } else {
            "course.feature"
        };
        audit::record(conn, actor.user_id(), action, Object::course(id), &course.title)?;
        Ok(!course.featured)
    })
}

/// When an expert may no longer charge (certification revoked, expert role
/// removed): their published paid courses leave the catalogue (buyers keep
/// them), their paid courses in review go back to draft, and their waiting
/// revisions that carry a price are turned down, each with `note` and a
/// mail. Runs in the caller's transaction; returns how many courses moved.
pub fn return_paid_courses(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    owner: UserId,
    note: &str,
) -> Result<usize, DbError> {
    let mut moved = 0;
    for (from, to, action) in [
        (
            CourseState::Published,
            CourseState::Unpublished,
            "course.unpublished",
        ),
        (CourseState::InReview, CourseState::Draft, "course.returned"),
    ] {
        for id in Course::paid_in_state(conn, owner, from)? {
            if Course::move_state(conn, id, from, to, Some(note))? {
                audit::record(conn, actor.user_id(), action, Object::course(id), note)?;
                let course = Course::find(conn, id)?;
                tell_owner(conn, services, &course, NoticeKind::CoursePaidWithdrawn, note)?;
                moved += 1;
            }
        }
    }
    for course in Course::list_by_owner(conn, owner)? {
        let Some(pending) = Revision::pending_for(conn, course.id)? else {
            continue;
        };
        if pending.price_cents > 0 {
            reject_pending(conn, services, &course, Some(&pending), actor.user_id(), note)?;
            audit::record(
                conn,
                actor.user_id(),
                "course.revision_reject",
                Object::course(course.id),
                note,
            )?;
            tell_owner(conn, services, &course, NoticeKind::RevisionRejected, note)?;
        }
    }
    Ok(moved)
}
