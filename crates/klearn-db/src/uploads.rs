//! Rows describing uploaded files; the bytes live in the data dir under `stored_name`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::uploads;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = uploads)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Upload {
    pub id: i64,
    pub stored_name: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub purpose: String,
    pub owner_id: Option<i64>,
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
    pub owner_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl Upload {
    pub fn insert(conn: &mut DbConnection, row: &NewUpload) -> Result<Upload, DbError> {
        // RETURNING with a Selectable does not compile for the multi-backend
        // connection; return the id and read the row back.
        write_tx(conn, |conn| {
            let id: i64 = diesel::insert_into(uploads::table)
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
    pub fn find_many(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<Upload>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(uploads::table
            .filter(uploads::id.eq_any(ids))
            .select(Upload::as_select())
            .load(conn)?)
    }

    pub fn find(conn: &mut DbConnection, id: i64) -> Result<Upload, DbError> {
        uploads::table
            .find(id)
            .select(Upload::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }
}
