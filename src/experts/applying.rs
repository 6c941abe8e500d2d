//! Applying for certification, and following an expert: the members' own
//! use cases of the experts area.

use klearn_db::audit::{self, Object};
use klearn_db::experts::{self as db, Application, FileError, Follow, NewApplication};
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::{public_write_tx, write_tx, DbConnection, UploadId};

use super::forms::{ValidApplication, MAX_EVIDENCE};
use super::steps::tell_applicant;
use super::ExpertError;
use crate::domain::actor::Actor;
use crate::domain::expert::{may_apply_again_at, ExpertState};
use crate::services::Services;
use crate::uploads::{ReceivedFile, UploadError};

/// Whether the member may file an application now: none open or certified,
/// and not within the wait after a refusal.
pub fn may_apply(conn: &mut DbConnection, actor: &Actor) -> Result<(), ExpertError> {
    let user_id = actor.user_id().ok_or(ExpertError::NotFound)?;
    if let Some(latest) = Application::latest_for_user(conn, user_id)? {
        if latest.state.is_open() || latest.state == ExpertState::Certified {
            return Err(ExpertError::Conflict("experts.apply.already_open"));
        }
    }
    let waiting = Application::last_refused_at(conn, user_id)?
        .map(may_apply_again_at)
        .is_some_and(|at| at > klearn_db::now());
    if waiting {
        return Err(ExpertError::Conflict("experts.apply.must_wait"));
    }
    Ok(())
}

/// Keeps evidence files for the next send of a refused form, so that nobody
/// uploads them twice: the member's earlier kept files named in
/// `kept_names` (unattached ones only) and the new `files`, while they fit.
/// Files nothing attaches go with the daily cleanup.
pub fn keep_evidence(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    kept_names: &[String],
    files: Vec<ReceivedFile>,
) -> Result<(Vec<Upload>, Option<UploadError>), ExpertError> {
    let user_id = actor.user_id().ok_or(ExpertError::NotFound)?;
    write_tx(conn, |conn| {
        let mut kept = db::loose_evidence(conn, user_id, kept_names)?;
        if kept.len() + files.len() > MAX_EVIDENCE {
            return Ok((kept, Some(UploadError::TooMany { max: MAX_EVIDENCE })));
        }
        for file in files {
            match services.storage.keep_within_quota(conn, file, actor)? {
                Ok(upload) => kept.push(upload),
                Err(problem) => return Ok((kept, Some(problem))),
            }
        }
        Ok((kept, None))
    })
}

/// Files an application with its evidence (files sent now and files kept
/// from an earlier send), its first step, audit entry and mail.
pub fn apply(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    application: ValidApplication,
    kept_names: &[String],
    files: Vec<ReceivedFile>,
) -> Result<Application, ExpertError> {
    let user_id = actor.user_id().ok_or(ExpertError::NotFound)?;
    write_tx(conn, |conn| {
        may_apply(conn, actor)?;
        let kept = db::loose_evidence(conn, user_id, kept_names)?;
        if kept.len() + files.len() > MAX_EVIDENCE {
            return Err(ExpertError::Upload {
                field: "evidence",
                problem: UploadError::TooMany { max: MAX_EVIDENCE },
            });
        }
        if kept.is_empty() && files.is_empty() {
            return Err(ExpertError::invalid(
                "evidence",
                "experts.error.evidence_required",
            ));
        }
        let mut evidence: Vec<UploadId> = kept.iter().map(|u| u.id).collect();
        for file in files {
            match services.storage.keep_within_quota(conn, file, actor)? {
                Ok(upload) => evidence.push(upload.id),
                Err(problem) => {
                    return Err(ExpertError::Upload {
                        field: "evidence",
                        problem,
                    })
                }
            }
        }
        let now = klearn_db::now();
        let new = NewApplication {
            user_id,
            state: ExpertState::Submitted,
            real_name: application.real_name,
            headline: application.headline,
            bio_html: crate::markdown::render(&application.bio),
            bio: application.bio,
            years: application.years,
            links: application.links.join("\n"),
            sample_outline_html: crate::markdown::render(&application.sample_outline),
            sample_outline: application.sample_outline,
            created_at: now,
            updated_at: now,
        };
        let filed = match Application::file(conn, &new, &application.topics, &evidence) {
            Ok(a) => a,
            Err(FileError::AlreadyLive) => return Err(ExpertError::Conflict("experts.apply.already_open")),
            Err(FileError::Db(e)) => return Err(e.into()),
        };
        audit::record(
            conn,
            Some(user_id),
            "expert.submitted",
            Object::application(filed.id),
            &filed.headline,
        )?;
        let applicant = User::find(conn, user_id)?;
        tell_applicant(conn, services, &applicant, ExpertState::Submitted, "")?;
        Ok(filed)
    })
}

/// Follows an expert, or stops following; returns whether the actor follows
/// them now. Nobody follows themselves.
pub fn toggle_follow(conn: &mut DbConnection, actor: &Actor, username: &str) -> Result<bool, ExpertError> {
    let follower = actor.user_id().ok_or(ExpertError::NotFound)?;
    public_write_tx(conn, |conn| {
        let (expert, _) = super::find_expert(conn, username)?;
        if expert.id == follower {
            return Err(ExpertError::Conflict("experts.follow.self"));
        }
        Ok(Follow::toggle(conn, follower, expert.id)?)
    })
}
