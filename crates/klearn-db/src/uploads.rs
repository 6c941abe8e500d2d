//! Rows describing uploaded files; the bytes live in the data dir under `stored_name`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::uploads;
use crate::types::{UploadId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = uploads)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Upload {
    pub id: UploadId,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub purpose: String,
    pub owner_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUpload {
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub purpose: String,
    pub owner_id: Option<UserId>,
    pub created_at: NaiveDateTime,
}

impl Upload {
    pub fn insert(conn: &mut DbConnection, row: &NewUpload) -> Result<Upload, DbError> {
        // RETURNING with a Selectable does not compile for the multi-backend
        // connection; return the id and read the row back.
        write_tx(conn, |conn| {
            let id: UploadId = diesel::insert_into(uploads::table)
                .values(row)
                .returning(uploads::id)
                .get_result(conn)?;
            Upload::find(conn, id)
        })
    }

    pub fn find_by_stored_name(conn: &mut DbConnection, name: &str) -> Result<Upload, DbError> {
        uploads::table
            .filter(uploads::stored_name.eq(name))
            .select(Upload::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// Several uploads in one query (cover images of a list of courses).
    pub fn find_many(conn: &mut DbConnection, ids: &[UploadId]) -> Result<Vec<Upload>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(uploads::table
            .filter(uploads::id.eq_any(ids))
            .select(Upload::as_select())
            .load(conn)?)
    }

    pub fn find(conn: &mut DbConnection, id: UploadId) -> Result<Upload, DbError> {
        uploads::table
            .find(id)
            .select(Upload::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }
}

/// Whether anything holds the upload: an avatar, a cover, a lesson's media
/// (live or proposed) or an application's evidence.
fn in_use(conn: &mut DbConnection, id: UploadId) -> Result<bool, DbError> {
    use crate::schema::{
        course_revisions, courses, expert_evidence, lesson_revisions, lessons, submissions, users,
    };
    let held = diesel::select(diesel::dsl::exists(
        users::table.filter(users::avatar_upload_id.eq(id)),
    ))
    .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            courses::table.filter(courses::cover_upload_id.eq(id)),
        ))
        .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            lessons::table.filter(lessons::media_upload_id.eq(id)),
        ))
        .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            lesson_revisions::table
                .filter(lesson_revisions::media_upload_id.eq(id))
                .filter(lesson_revisions::state.eq(crate::courses::RevisionState::Pending)),
        ))
        .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            course_revisions::table
                .filter(course_revisions::cover_upload_id.eq(id))
                .filter(course_revisions::state.eq(crate::courses::RevisionState::Pending)),
        ))
        .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            expert_evidence::table.filter(expert_evidence::upload_id.eq(id)),
        ))
        .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            submissions::table.filter(submissions::upload_id.eq(id)),
        ))
        .get_result::<bool>(conn)?;
    Ok(held)
}

impl Upload {
    /// Forgets the upload if nothing holds it any more, and returns it so
    /// that its file can be deleted; `None` (nothing done) while it is in use.
    pub fn release(conn: &mut DbConnection, id: UploadId) -> Result<Option<Upload>, DbError> {
        write_tx(conn, |conn| {
            if in_use(conn, id)? {
                return Ok(None);
            }
            let Some(upload) = uploads::table
                .find(id)
                .select(Upload::as_select())
                .first(conn)
                .optional()?
            else {
                return Ok(None);
            };
            // Decided revisions keep no hold on the files they once proposed.
            use crate::schema::{course_revisions, lesson_revisions};
            diesel::update(lesson_revisions::table.filter(lesson_revisions::media_upload_id.eq(id)))
                .set(lesson_revisions::media_upload_id.eq(None::<UploadId>))
                .execute(conn)?;
            diesel::update(course_revisions::table.filter(course_revisions::cover_upload_id.eq(id)))
                .set(course_revisions::cover_upload_id.eq(None::<UploadId>))
                .execute(conn)?;
            diesel::delete(uploads::table.find(id)).execute(conn)?;
            Ok(Some(upload))
        })
    }

    /// Uploads made before `before` that nothing holds: files kept from
    /// refused forms, or left behind by a change that missed its cleanup.
    pub fn unused_before(
        conn: &mut DbConnection,
        before: NaiveDateTime,
        limit: i64,
    ) -> Result<Vec<UploadId>, DbError> {
        use crate::schema::{
            course_revisions, courses, expert_evidence, lesson_revisions, lessons, submissions, users,
        };
        Ok(uploads::table
            .filter(uploads::created_at.lt(before))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                users::table.filter(users::avatar_upload_id.eq(uploads::id.nullable())),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                courses::table.filter(courses::cover_upload_id.eq(uploads::id.nullable())),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                lessons::table.filter(lessons::media_upload_id.eq(uploads::id.nullable())),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                lesson_revisions::table
                    .filter(lesson_revisions::media_upload_id.eq(uploads::id.nullable()))
                    .filter(lesson_revisions::state.eq(crate::courses::RevisionState::Pending)),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                course_revisions::table
                    .filter(course_revisions::cover_upload_id.eq(uploads::id.nullable()))
                    .filter(course_revisions::state.eq(crate::courses::RevisionState::Pending)),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                expert_evidence::table.filter(expert_evidence::upload_id.eq(uploads::id)),
            )))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                submissions::table.filter(submissions::upload_id.eq(uploads::id.nullable())),
            )))
            .order(uploads::id.asc())
            .limit(limit)
            .select(uploads::id)
            .load(conn)?)
    }

    /// The bytes a user's files take (their quota's use).
    pub fn bytes_owned_by(conn: &mut DbConnection, owner: UserId) -> Result<i64, DbError> {
        use diesel::sql_types::BigInt;
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast it back.
        Ok(uploads::table
            .filter(uploads::owner_id.eq(owner))
            .select(diesel::dsl::sql::<BigInt>(
                "CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT)",
            ))
            .first(conn)?)
    }
}
