//! Certification steps: the one way an application changes state, for
//! moderators and applicants alike. In one transaction it asks the state
//! machine about the state now, writes the step and its audit entry, grants
//! the expert role on certification, takes paid courses off the market on
//! revocation, moves the directory's generation, and mails the applicant in
//! their language.

use klearn_db::audit::{self, Object};
use klearn_db::experts::Application;
use klearn_db::users::User;
use klearn_db::{generations, write_tx, ApplicationId, DbConnection, DbError, UserId};

use super::ExpertError;
use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::domain::expert::{may_step, ExpertState, ExpertStateExt, StepActor};
use crate::i18n::{Locale, Tr};
use crate::mail::notice::{self, NoticeKind};
use crate::services::Services;

/// Takes the step `to` on the application, as its applicant or as a
/// moderator (with a note; never on their own application). Illegal for
/// that actor from the state it is in now: `Conflict`, nothing written.
pub fn take(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    step_actor: StepActor,
    application_id: ApplicationId,
    to: ExpertState,
    note: &str,
) -> Result<Application, ExpertError> {
    let note = note.trim();
    let as_applicant = step_actor == StepActor::Applicant;
    if !as_applicant {
        if !actor.is_moderator() {
            return Err(ExpertError::Forbidden("error.403.message"));
        }
        if note.is_empty() {
            return Err(ExpertError::invalid("note", "admin.experts.note_required"));
        }
    }
    write_tx(conn, |conn| {
        let application = Application::find(conn, application_id)?;
        if as_applicant && !actor.is(application.user_id) {
            return Err(ExpertError::NotFound);
        }
        if !as_applicant && actor.is(application.user_id) {
            return Err(ExpertError::Forbidden("admin.experts.not_own"));
        }
        let from = application.state;
        if !may_step(from, to, step_actor) {
            return Err(ExpertError::Conflict("error.409.message"));
        }
        if !Application::move_state(conn, application.id, from, to, note, actor.user_id())? {
            return Err(ExpertError::Conflict("error.409.message"));
        }
        audit::record(
            conn,
            actor.user_id(),
            &format!("expert.{}", to.as_str()),
            Object::application(application.id),
            note,
        )?;
        let applicant = User::find(conn, application.user_id)?;
        match to {
            ExpertState::Certified => {
                let role = Role::Expert.as_str();
                if User::grant_role(conn, applicant.id, role, actor.user_id())? {
                    audit::record(
                        conn,
                        actor.user_id(),
                        "user.role_grant",
                        Object::user(applicant.id),
                        role,
                    )?;
                }
            }
            ExpertState::Revoked => {
                crate::courses::return_paid_courses(conn, services, actor, applicant.id, note)?;
            }
            _ => {}
        }
        if matches!(to, ExpertState::Certified | ExpertState::Revoked) {
            generations::bump(conn, generations::EXPERTS)?;
        }
        tell_applicant(conn, services, &applicant, to, note)?;
        Ok(Application::find(conn, application.id)?)
    })
}

/// Revokes a member's certification: the moderator's `revoked` step on it.
pub fn revoke(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    member: UserId,
    reason: &str,
) -> Result<Application, ExpertError> {
    if reason.trim().is_empty() {
        return Err(ExpertError::invalid(
            "revoke_reason",
            "admin.experts.reason_required",
        ));
    }
    let certification =
        Application::certified_for(conn, member)?.ok_or(ExpertError::Conflict("error.409.message"))?;
    take(
        conn,
        services,
        actor,
        StepActor::Moderator,
        certification.id,
        ExpertState::Revoked,
        reason,
    )
}

/// The mail of a step (none for the applicant's own withdrawal).
pub(super) fn tell_applicant(
    conn: &mut DbConnection,
    services: &Services,
    applicant: &User,
    to: ExpertState,
    note: &str,
) -> Result<(), DbError> {
    let kind = match to {
        ExpertState::Screening | ExpertState::Interview | ExpertState::Trial => NoticeKind::ExpertProgress,
        ExpertState::Certified => NoticeKind::ExpertCertified,
        ExpertState::Rejected => NoticeKind::ExpertRejected,
        ExpertState::Revoked => NoticeKind::ExpertRevoked,
        ExpertState::Submitted => NoticeKind::ExpertApplied,
        ExpertState::Withdrawn => return Ok(()),
    };
    let path = match to {
        ExpertState::Certified => format!("/experts/{}", applicant.username),
        _ => "/experts/apply".to_string(),
    };
    let url = services.settings.absolute_url(&path);
    let locale = Locale::parse(&applicant.locale).unwrap_or(Locale::ZhCn);
    let tr = Tr::new(services.i18n.clone(), locale);
    let stage = tr.t(&to.label_key()).to_string();
    let detail = if note.trim().is_empty() {
        stage
    } else {
        format!("{stage} — {}", note.trim())
    };
    let event = match to {
        ExpertState::Certified => Some("certified"),
        ExpertState::Rejected => Some("rejected"),
        ExpertState::Screening | ExpertState::Interview | ExpertState::Trial => Some("progress"),
        _ => None,
    };
    if let Some(event) = event {
        let occurrence = format!("expert:{}:{}", applicant.id, to.as_str());
        crate::notifications::certification_event(conn, applicant.id, None, &detail, event, occurrence)?;
    }
    notice::send(
        conn,
        &services.i18n,
        applicant,
        &applicant.email,
        kind,
        Some(url),
        &detail,
    )
}
