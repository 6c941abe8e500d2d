//! The append-only audit log: who did what to which object, when, and why.
//! `record` is the one function every feature calls, inside the transaction
//! of the action it records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::error::DbError;
use crate::schema::{audit_log, users};
use crate::types::{ApplicationId, CategoryId, CourseId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub note: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditEntry<'a> {
    actor_id: Option<UserId>,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    note: &'a str,
    created_at: NaiveDateTime,
}

/// The object an action was done to, e.g. `("user", "42")`.
#[derive(Debug, Clone)]
pub struct Object {
    pub kind: &'static str,
    pub id: String,
}

impl Object {
    pub fn new(kind: &'static str, id: impl ToString) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }

    pub fn user(id: UserId) -> Self {
        Object::new("user", id)
    }

    pub fn course(id: CourseId) -> Self {
        Object::new("course", id)
    }

    pub fn application(id: ApplicationId) -> Self {
        Object::new("expert_application", id)
    }

    pub fn category(id: CategoryId) -> Self {
        Object::new("category", id)
    }
}

/// Appends one entry. `actor` is `None` for the command line and the system.
pub fn record(
    conn: &mut DbConnection,
    actor: Option<UserId>,
    action: &str,
    object: Object,
    note: &str,
) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(NewAuditEntry {
            actor_id: actor,
            action,
            object_type: object.kind,
            object_id: &object.id,
            note,
            created_at: crate::now(),
        })
        .execute(conn)?;
    Ok(())
}

/// An entry with its actor's username, for the admin list.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub entry: AuditEntry,
    pub actor: Option<String>,
}

/// Filters of `/admin/audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The actor's username (case-insensitive); `-` for entries without an actor.
    pub actor: Option<String>,
    /// An action, or a prefix of actions ending in `.` (e.g. `user.`).
    pub kind: Option<String>,
}

impl AuditEntry {
    /// One page of entries, newest first, and whether there are more.
    pub fn list(
        conn: &mut DbConnection,
        filter: &AuditFilter,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<AuditRow>, i64), DbError> {
        let build = || {
            let mut q = audit_log::table.left_join(users::table).into_boxed();
            if let Some(actor) = &filter.actor {
                if actor == "-" {
                    q = q.filter(audit_log::actor_id.is_null());
                } else {
                    q = q.filter(users::username_lower.eq(actor.to_lowercase()));
                }
            }
            if let Some(kind) = &filter.kind {
                if kind.ends_with('.') {
                    q = q.filter(audit_log::action.like(format!("{}%", kind.replace(['%', '_'], ""))));
                } else {
                    q = q.filter(audit_log::action.eq(kind.clone()));
                }
            }
            q
        };
        let total: i64 = build().count().get_result(conn)?;
        let rows: Vec<(AuditEntry, Option<String>)> = build()
            .order(audit_log::id.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select((AuditEntry::as_select(), users::username.nullable()))
            .load(conn)?;
        Ok((
            rows.into_iter()
                .map(|(entry, actor)| AuditRow { entry, actor })
                .collect(),
            total,
        ))
    }

    /// The distinct actions recorded, for the filter's choices.
    pub fn actions(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
        Ok(audit_log::table
            .select(audit_log::action)
            .distinct()
            .order(audit_log::action.asc())
            .load(conn)?)
    }
}
