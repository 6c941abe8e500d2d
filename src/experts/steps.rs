//! Certification steps: the one way an application changes state, for
//! moderators and applicants alike. It asks the state machine, writes the
//! step and its audit entry, grants the expert role on certification,
//! unpublishes paid courses on revocation, and mails the applicant in their
//! language, all in one transaction.

use std::sync::Arc;

use klearn_db::courses::{Course, PUBLISHED, UNPUBLISHED};
use klearn_db::experts::Application;
use klearn_db::users::User;
use klearn_db::{audit, write_tx, DbConnection, DbError};

use crate::config::Settings;
use crate::domain::account::Role;
use crate::domain::expert::{may_step, ExpertState, StepActor};
use crate::i18n::{I18n, Locale, Tr};
use crate::mail::notice::{self, NoticeKind};

/// A step someone asks for.
pub struct StepRequest {
    pub application_id: i64,
    pub to: ExpertState,
    pub note: String,
    pub actor_id: i64,
    pub actor: StepActor,
}

/// Takes the step if the state machine allows it from the application's
/// state now; `Ok(None)` (nothing written) if it does not.
pub fn take(
    conn: &mut DbConnection,
    i18n: &Arc<I18n>,
    settings: &Settings,
    request: &StepRequest,
) -> Result<Option<Application>, DbError> {
    write_tx(conn, |conn| {
        let application = Application::find(conn, request.application_id)?;
        let Some(from) = ExpertState::parse(&application.state) else {
            return Ok(None);
        };
        if request.actor == StepActor::Applicant && application.user_id != request.actor_id {
            return Ok(None);
        }
        if !may_step(from, request.to, request.actor) {
            return Ok(None);
        }
        if !Application::move_state(
            conn,
            application.id,
            from.as_str(),
            request.to.as_str(),
            &request.note,
            Some(request.actor_id),
        )? {
            return Ok(None);
        }
        let object_id = application.id.to_string();
        audit::record(
            conn,
            Some(request.actor_id),
            &format!("expert.{}", request.to.as_str()),
            audit::Object::new("expert_application", &object_id),
            &request.note,
        )?;
        let applicant = User::find(conn, application.user_id)?;
        match request.to {
            ExpertState::Certified => {
                let role = Role::Expert.as_str();
                if User::grant_role(conn, applicant.id, role, Some(request.actor_id))? {
                    let user_id = applicant.id.to_string();
                    audit::record(
                        conn,
                        Some(request.actor_id),
                        "user.role_grant",
                        audit::Object::new("user", &user_id),
                        role,
                    )?;
                }
            }
            ExpertState::Revoked => {
                // Learners who bought these keep access: unpublishing never
                // touches enrollments.
                for course_id in Course::published_paid_by(conn, applicant.id)? {
                    if Course::move_state(conn, course_id, PUBLISHED, UNPUBLISHED, Some(&request.note))? {
                        audit::record(
                            conn,
                            Some(request.actor_id),
                            "course.unpublished",
                            audit::Object::new("course", &course_id.to_string()),
                            "certification revoked",
                        )?;
                    }
                }
            }
            _ => {}
        }
        tell_applicant(conn, i18n, settings, &applicant, request.to, &request.note)?;
        Ok(Some(Application::find(conn, application.id)?))
    })
}

/// The mail of a step (none for the applicant's own withdrawal).
fn tell_applicant(
    conn: &mut DbConnection,
    i18n: &Arc<I18n>,
    settings: &Settings,
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
    let url = match to {
        ExpertState::Certified => settings.absolute_url(&format!("/experts/{}", applicant.username)),
        _ => settings.absolute_url("/experts/apply"),
    };
    let locale = Locale::parse(&applicant.locale).unwrap_or(Locale::ZhCn);
    let tr = Tr::new(i18n.clone(), locale);
    let stage = tr.t(&to.label_key()).to_string();
    let detail = if note.trim().is_empty() {
        stage
    } else {
        format!("{stage} — {}", note.trim())
    };
    notice::send(conn, i18n, applicant, &applicant.email, kind, Some(url), &detail)
}

/// The mail confirming a new application.
pub fn tell_filed(
    conn: &mut DbConnection,
    i18n: &Arc<I18n>,
    settings: &Settings,
    applicant: &User,
) -> Result<(), DbError> {
    tell_applicant(conn, i18n, settings, applicant, ExpertState::Submitted, "")
}
