//! What staff do to accounts: suspensions (moderators suspend members, only
//! admins suspend staff, nobody themselves) and roles (admins only).

use chrono::NaiveDateTime;
use klearn_db::audit::{self, Object};
use klearn_db::users::User;
use klearn_db::{generations, write_tx, DbConnection, DbError, UserId};

use super::AccountError;
use crate::domain::account::Role;
use crate::domain::actor::Actor;
use crate::services::Services;

/// Whether `actor` may suspend (or lift the suspension of) `member`.
pub fn may_suspend(actor: &Actor, member: &User, member_roles: &[String]) -> Result<(), AccountError> {
    if !actor.is_moderator() {
        return Err(AccountError::Forbidden("error.403.message"));
    }
    if actor.is(member.id) {
        return Err(AccountError::Forbidden("admin.suspend.not_self"));
    }
    if member.is_deleted() {
        return Err(AccountError::NotFound);
    }
    let staff = member_roles
        .iter()
        .any(|r| r == Role::Moderator.as_str() || r == Role::Admin.as_str());
    if staff && !actor.is_admin() {
        return Err(AccountError::Forbidden("admin.suspend.staff_needs_admin"));
    }
    Ok(())
}

/// A suspension, parsed: it lifts itself at `until`.
pub struct Suspension {
    pub member: UserId,
    pub until: NaiveDateTime,
    pub reason: String,
    /// The end as the moderator typed it, for the audit note.
    pub until_text: String,
}

/// Suspends a member: their sessions end at once, they cannot sign in until
/// the end date, and the expert directory leaves them out meanwhile.
pub fn suspend(conn: &mut DbConnection, actor: &Actor, suspension: &Suspension) -> Result<(), AccountError> {
    write_tx(conn, |conn| {
        let member = User::find(conn, suspension.member)?;
        may_suspend(actor, &member, &User::roles(conn, member.id)?)?;
        User::suspend(conn, member.id, suspension.until, &suspension.reason)?;
        let note = format!("{} — {}", suspension.until_text, suspension.reason);
        audit::record(
            conn,
            actor.user_id(),
            "user.suspend",
            Object::user(member.id),
            &note,
        )?;
        generations::bump(conn, generations::EXPERTS)?;
        Ok(())
    })
}

/// Lifts a suspension in force; false when there was none.
pub fn unsuspend(conn: &mut DbConnection, actor: &Actor, member: UserId) -> Result<bool, AccountError> {
    write_tx(conn, |conn| {
        let member = User::find(conn, member)?;
        may_suspend(actor, &member, &User::roles(conn, member.id)?)?;
        let lifted = User::unsuspend(conn, member.id)?;
        if lifted {
            audit::record(
                conn,
                actor.user_id(),
                "user.unsuspend",
                Object::user(member.id),
                "",
            )?;
            generations::bump(conn, generations::EXPERTS)?;
        }
        Ok(lifted)
    })
}

/// Gives the member exactly the roles `wanted`; returns how many changed.
/// Admins only; an admin keeps their own admin role (someone must). Taking
/// the expert role away sends the member's paid courses in review back to
/// draft and rejects their pending price changes, as a revocation does.
pub fn set_roles(
    conn: &mut DbConnection,
    services: &Services,
    actor: &Actor,
    member: UserId,
    wanted: &[Role],
) -> Result<usize, AccountError> {
    if !actor.is_admin() {
        return Err(AccountError::Forbidden("error.403.message"));
    }
    if actor.is(member) && !wanted.contains(&Role::Admin) {
        return Err(AccountError::Conflict("admin.roles.keep_own_admin"));
    }
    write_tx(conn, |conn| {
        let account = User::find(conn, member)?;
        if account.is_deleted() {
            return Err(AccountError::NotFound);
        }
        let mut changed = 0;
        let mut expert_changed = false;
        for role in Role::ALL {
            if wanted.contains(&role) {
                if User::grant_role(conn, member, role.as_str(), actor.user_id())? {
                    audit::record(
                        conn,
                        actor.user_id(),
                        "user.role_grant",
                        Object::user(member),
                        role.as_str(),
                    )?;
                    changed += 1;
                    expert_changed |= role == Role::Expert;
                }
            } else if User::revoke_role(conn, member, role.as_str())? {
                audit::record(
                    conn,
                    actor.user_id(),
                    "user.role_revoke",
                    Object::user(member),
                    role.as_str(),
                )?;
                changed += 1;
                if role == Role::Expert {
                    expert_changed = true;
                    crate::courses::return_paid_courses(
                        conn,
                        services,
                        actor,
                        member,
                        "expert role removed",
                    )?;
                }
            }
        }
        if expert_changed {
            // The expert role alone opens a public profile (`/experts/{name}`).
            generations::bump(conn, generations::SITE)?;
        }
        Ok(changed)
    })
}

/// Grants a role from the command line; audited as the site's act. False
/// when it was held already.
pub fn grant_role_by_name(conn: &mut DbConnection, username: &str, role: Role) -> anyhow::Result<bool> {
    write_tx(conn, |conn| -> anyhow::Result<bool> {
        let user = User::find_by_username(conn, username).map_err(|e| match e {
            DbError::NotFound => anyhow::anyhow!("no user named {username}"),
            other => other.into(),
        })?;
        let granted = User::grant_role(conn, user.id, role.as_str(), None)?;
        if granted {
            audit::record(
                conn,
                None,
                "user.role_grant",
                Object::user(user.id),
                &format!("{} (command line)", role.as_str()),
            )?;
            if role == Role::Expert {
                // The expert role alone opens a public profile (`/experts/{name}`).
                generations::bump(conn, generations::SITE)?;
            }
        }
        Ok(granted)
    })
}
