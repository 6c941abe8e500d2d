//! Users, their roles and interests.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::generations;
use crate::schema::{user_interests, user_roles, users};
use crate::types::{UploadId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub username_lower: String,
    pub email: String,
    pub email_lower: String,
    pub password_hash: String,
    pub display_name: String,
    pub bio: String,
    pub bio_html: String,
    pub avatar_upload_id: Option<UploadId>,
    pub locale: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// While in the future, the user may not sign in; it lifts itself then.
    pub suspended_until: Option<NaiveDateTime>,
    pub suspension_reason: String,
    /// Forum posts written, likes their posts received, answers accepted.
    pub posts_count: i64,
    pub likes_received: i64,
    pub accepted_answers: i64,
    /// An IANA zone name the member chose (e.g. `Europe/Berlin`); empty for
    /// the site's zone. Daily digests go out in the morning there.
    pub timezone: String,
    /// The trust level the member has (0–4), earned from activity or granted.
    pub trust_level: i64,
    /// While in the future, the member may read but not post in the forum.
    pub silenced_until: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub username_lower: String,
    pub email: &'a str,
    pub email_lower: String,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub locale: &'a str,
    pub email_verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl<'a> NewUser<'a> {
    pub fn new(username: &'a str, email: &'a str, password_hash: &'a str, locale: &'a str) -> Self {
        let now = crate::now();
        Self {
            username,
            username_lower: username.to_lowercase(),
            email,
            email_lower: email.to_lowercase(),
            password_hash,
            display_name: "",
            locale,
            email_verified_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Text for a LIKE pattern that matches itself: `\`, `%` and `_` escaped with `\`.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Which unique field another account already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Username,
    Email,
}

#[derive(Debug)]
pub enum CreateUserError {
    Taken(Taken),
    Db(DbError),
}

impl From<DbError> for CreateUserError {
    fn from(e: DbError) -> Self {
        CreateUserError::Db(e)
    }
}

impl From<DieselError> for CreateUserError {
    fn from(e: DieselError) -> Self {
        match &e {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let what = format!("{} {}", info.message(), info.constraint_name().unwrap_or(""));
                if what.contains("email") {
                    CreateUserError::Taken(Taken::Email)
                } else {
                    CreateUserError::Taken(Taken::Username)
                }
            }
            _ => CreateUserError::Db(DbError::Query(e)),
        }
    }
}

/// What the profile form changes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: String,
    pub bio: String,
    pub bio_html: String,
    pub locale: String,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn find(conn: &mut DbConnection, id: UserId) -> Result<User, DbError> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// A live (not deleted) account by username, in any case.
    pub fn find_by_username(conn: &mut DbConnection, username: &str) -> Result<User, DbError> {
        users::table
            .filter(users::username_lower.eq(username.to_lowercase()))
            .filter(users::deleted_at.is_null())
            .select(User::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// A live account by username or email, in any case.
    pub fn find_by_login(conn: &mut DbConnection, login: &str) -> Result<Option<User>, DbError> {
        let lower = login.trim().to_lowercase();
        Ok(users::table
            .filter(users::username_lower.eq(&lower).or(users::email_lower.eq(&lower)))
            .filter(users::deleted_at.is_null())
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, DbError> {
        Ok(users::table
            .filter(users::email_lower.eq(email.trim().to_lowercase()))
            .filter(users::deleted_at.is_null())
            .select(User::as_select())
            .first(conn)
            .optional()?)
    }

    /// Which of the two is held by another account (deleted ones release theirs).
    pub fn taken(
        conn: &mut DbConnection,
        username: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<Taken>, DbError> {
        let mut out = Vec::new();
        if let Some(u) = username {
            let n: i64 = users::table
                .filter(users::username_lower.eq(u.to_lowercase()))
                .count()
                .get_result(conn)?;
            if n > 0 {
                out.push(Taken::Username);
            }
        }
        if let Some(e) = email {
            let n: i64 = users::table
                .filter(users::email_lower.eq(e.to_lowercase()))
                .count()
                .get_result(conn)?;
            if n > 0 {
                out.push(Taken::Email);
            }
        }
        Ok(out)
    }

    /// Creates the account; a name or address that is taken (also by a
    /// concurrent registration) comes back as `Taken`.
    pub fn create(conn: &mut DbConnection, new: &NewUser<'_>) -> Result<User, CreateUserError> {
        write_tx(conn, |conn| {
            if let Some(t) = User::taken(conn, Some(new.username), Some(new.email))?.first() {
                return Err(CreateUserError::Taken(*t));
            }
            let id: UserId = diesel::insert_into(users::table)
                .values(new)
                .returning(users::id)
                .get_result(conn)?;
            Ok(User::find(conn, id)?)
        })
    }

    pub fn is_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The name to show: the display name, or the username.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    /// The letter shown in place of a missing avatar.
    pub fn initial(&self) -> String {
        self.shown_name()
            .chars()
            .next()
            .map(|c| c.to_uppercase().to_string())
            .unwrap_or_default()
    }

    /// The end of a suspension in force at `now`, if any.
    pub fn suspended_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.suspended_until.filter(|until| *until > now)
    }

    /// Suspends until `until` and ends every session of the user, at once.
    pub fn suspend(
        conn: &mut DbConnection,
        id: UserId,
        until: NaiveDateTime,
        reason: &str,
    ) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            diesel::update(users::table.find(id))
                .set((
                    users::suspended_until.eq(Some(until)),
                    users::suspension_reason.eq(reason),
                    users::updated_at.eq(crate::now()),
                ))
                .execute(conn)?;
            crate::sessions::SessionRow::delete_for_user(conn, id)?;
            Ok(())
        })
    }

    /// Lifts a suspension in force; false if there was none.
    pub fn unsuspend(conn: &mut DbConnection, id: UserId) -> Result<bool, DbError> {
        let n = diesel::update(
            users::table
                .find(id)
                .filter(users::suspended_until.gt(crate::now())),
        )
        .set((
            users::suspended_until.eq(None::<NaiveDateTime>),
            users::suspension_reason.eq(""),
            users::updated_at.eq(crate::now()),
        ))
        .execute(conn)?;
        Ok(n > 0)
    }

    pub fn set_password(conn: &mut DbConnection, id: UserId, hash: &str) -> Result<(), DbError> {
        diesel::update(users::table.find(id))
            .set((users::password_hash.eq(hash), users::updated_at.eq(crate::now())))
            .execute(conn)?;
        Ok(())
    }

    pub fn mark_verified(conn: &mut DbConnection, id: UserId) -> Result<(), DbError> {
        diesel::update(users::table.find(id).filter(users::email_verified_at.is_null()))
            .set(users::email_verified_at.eq(Some(crate::now())))
            .execute(conn)?;
        generations::bump_accounts(conn)?;
        Ok(())
    }

    /// Puts a confirmed new address in place; `Taken` if another account got it meanwhile.
    pub fn change_email(conn: &mut DbConnection, id: UserId, email: &str) -> Result<(), CreateUserError> {
        let n: i64 = users::table
            .filter(users::email_lower.eq(email.to_lowercase()))
            .filter(users::id.ne(id))
            .count()
            .get_result(conn)?;
        if n > 0 {
            return Err(CreateUserError::Taken(Taken::Email));
        }
        diesel::update(users::table.find(id))
            .set((
                users::email.eq(email),
                users::email_lower.eq(email.to_lowercase()),
                users::email_verified_at.eq(Some(crate::now())),
                users::updated_at.eq(crate::now()),
            ))
            .execute(conn)?;
        generations::bump_accounts(conn)?;
        Ok(())
    }

    pub fn update_profile(
        conn: &mut DbConnection,
        id: UserId,
        changes: &ProfileChanges,
    ) -> Result<(), DbError> {
        diesel::update(users::table.find(id)).set(changes).execute(conn)?;
        generations::bump_accounts(conn)?;
        Ok(())
    }

    pub fn set_avatar(
        conn: &mut DbConnection,
        id: UserId,
        upload_id: Option<UploadId>,
    ) -> Result<(), DbError> {
        diesel::update(users::table.find(id))
            .set(users::avatar_upload_id.eq(upload_id))
            .execute(conn)?;
        Ok(())
    }

    pub fn set_locale(conn: &mut DbConnection, id: UserId, locale: &str) -> Result<(), DbError> {
        diesel::update(users::table.find(id))
            .set(users::locale.eq(locale))
            .execute(conn)?;
        generations::bump_accounts(conn)?;
        Ok(())
    }

    /// Erases the personal data of an account; the row stays so that what the
    /// user wrote and bought still points somewhere, shown as a deleted user.
    pub fn erase(conn: &mut DbConnection, id: UserId, unusable_hash: &str) -> Result<(), DbError> {
        write_tx(conn, |conn| {
            let placeholder = format!("deleted-{id}");
            diesel::update(users::table.find(id))
                .set((
                    users::username.eq(&placeholder),
                    users::username_lower.eq(&placeholder),
                    users::email.eq(format!("{placeholder}@deleted.invalid")),
                    users::email_lower.eq(format!("{placeholder}@deleted.invalid")),
                    users::password_hash.eq(unusable_hash),
                    users::display_name.eq(""),
                    users::bio.eq(""),
                    users::bio_html.eq(""),
                    users::avatar_upload_id.eq(None::<UploadId>),
                    users::deleted_at.eq(Some(crate::now())),
                    users::updated_at.eq(crate::now()),
                ))
                .execute(conn)?;
            diesel::delete(user_interests::table.filter(user_interests::user_id.eq(id))).execute(conn)?;
            diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id))).execute(conn)?;
            generations::bump_accounts(conn)?;
            Ok(())
        })
    }

    pub fn roles(conn: &mut DbConnection, id: UserId) -> Result<Vec<String>, DbError> {
        Ok(user_roles::table
            .filter(user_roles::user_id.eq(id))
            .order(user_roles::role.asc())
            .select(user_roles::role)
            .load(conn)?)
    }

    /// The roles of several users, from one query.
    pub fn roles_of(
        conn: &mut DbConnection,
        ids: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, Vec<String>>, DbError> {
        let rows: Vec<(UserId, String)> = user_roles::table
            .filter(user_roles::user_id.eq_any(ids))
            .order((user_roles::user_id.asc(), user_roles::role.asc()))
            .select((user_roles::user_id, user_roles::role))
            .load(conn)?;
        let mut out: std::collections::HashMap<UserId, Vec<String>> = std::collections::HashMap::new();
        for (user, role) in rows {
            out.entry(user).or_default().push(role);
        }
        Ok(out)
    }

    /// Gives a role; false when the user had it already.
    pub fn grant_role(
        conn: &mut DbConnection,
        id: UserId,
        role: &str,
        by: Option<UserId>,
    ) -> Result<bool, DbError> {
        let has: i64 = user_roles::table
            .filter(user_roles::user_id.eq(id))
            .filter(user_roles::role.eq(role))
            .count()
            .get_result(conn)?;
        if has > 0 {
            return Ok(false);
        }
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(id),
                user_roles::role.eq(role),
                user_roles::granted_at.eq(crate::now()),
                user_roles::granted_by.eq(by),
            ))
            .execute(conn)?;
        generations::bump_accounts(conn)?;
        Ok(true)
    }

    /// Takes a role away; false when the user did not have it.
    pub fn revoke_role(conn: &mut DbConnection, id: UserId, role: &str) -> Result<bool, DbError> {
        let n = diesel::delete(
            user_roles::table
                .filter(user_roles::user_id.eq(id))
                .filter(user_roles::role.eq(role)),
        )
        .execute(conn)?;
        if n > 0 {
            generations::bump_accounts(conn)?;
        }
        Ok(n > 0)
    }

    pub fn interests(conn: &mut DbConnection, id: UserId) -> Result<Vec<String>, DbError> {
        Ok(user_interests::table
            .filter(user_interests::user_id.eq(id))
            .order(user_interests::id.asc())
            .select(user_interests::tag)
            .load(conn)?)
    }

    pub fn set_interests(conn: &mut DbConnection, id: UserId, tags: &[String]) -> Result<(), DbError> {
        diesel::delete(user_interests::table.filter(user_interests::user_id.eq(id))).execute(conn)?;
        for tag in tags {
            diesel::insert_into(user_interests::table)
                .values((user_interests::user_id.eq(id), user_interests::tag.eq(tag)))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Accounts whose username, display name or email contains `q`, newest first.
    pub fn search(
        conn: &mut DbConnection,
        q: &str,
        page: i64,
        per_page: i64,
    ) -> Result<(Vec<User>, i64), DbError> {
        // `_` and `%` are found as themselves: LIKE's wildcards are escaped.
        let pattern = format!("%{}%", like_escape(&q.trim().to_lowercase()));
        let build = || {
            let mut query = users::table.into_boxed();
            if !q.trim().is_empty() {
                query = query.filter(
                    users::username_lower
                        .like(pattern.clone())
                        .escape('\\')
                        .or(users::email_lower.like(pattern.clone()).escape('\\'))
                        .or(lower(users::display_name).like(pattern.clone()).escape('\\')),
                );
            }
            query
        };
        let total: i64 = build().count().get_result(conn)?;
        let rows = build()
            .order(users::id.desc())
            .limit(per_page)
            .offset((page.max(1) - 1) * per_page)
            .select(User::as_select())
            .load(conn)?;
        Ok((rows, total))
    }

    pub fn count_created_since(conn: &mut DbConnection, since: NaiveDateTime) -> Result<i64, DbError> {
        Ok(users::table
            .filter(users::created_at.ge(since))
            .filter(users::deleted_at.is_null())
            .count()
            .get_result(conn)?)
    }

    pub fn count_live(conn: &mut DbConnection) -> Result<i64, DbError> {
        Ok(users::table
            .filter(users::deleted_at.is_null())
            .count()
            .get_result(conn)?)
    }
}

impl User {
    /// These users, from one query, in no particular order.
    pub fn find_many(conn: &mut DbConnection, ids: &[UserId]) -> Result<Vec<User>, DbError> {
        Ok(users::table
            .filter(users::id.eq_any(ids))
            .select(User::as_select())
            .load(conn)?)
    }
}
