//! Course and forum categories.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::categories;
use crate::types::CategoryId;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Category {
    pub id: CategoryId,
    pub kind: String,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub position: i32,
    pub created_at: NaiveDateTime,
    pub hidden: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory<'a> {
    pub kind: &'a str,
    pub slug: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub description_zh: &'a str,
    pub description_en: &'a str,
    pub position: i32,
    pub created_at: NaiveDateTime,
}

/// What the admin can change of a category (its slug stays, links keep working).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub position: i32,
    pub hidden: bool,
}

pub const COURSE: &str = "course";
pub const FORUM: &str = "forum";

impl Category {
    /// The visible categories of one kind in their display order.
    pub fn list(conn: &mut DbConnection, kind: &str) -> Result<Vec<Category>, DbError> {
        Ok(categories::table
            .filter(categories::kind.eq(kind))
            .filter(categories::hidden.eq(false))
            .order((categories::position.asc(), categories::id.asc()))
            .select(Category::as_select())
            .load(conn)?)
    }

    /// Every category, hidden ones too, for the admin page.
    pub fn list_all(conn: &mut DbConnection) -> Result<Vec<Category>, DbError> {
        Ok(categories::table
            .order((
                categories::kind.asc(),
                categories::position.asc(),
                categories::id.asc(),
            ))
            .select(Category::as_select())
            .load(conn)?)
    }

    pub fn find(conn: &mut DbConnection, id: CategoryId) -> Result<Category, DbError> {
        categories::table
            .find(id)
            .select(Category::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    /// A category of `kind` by its slug (hidden ones too: the caller decides).
    pub fn find_by_slug(conn: &mut DbConnection, kind: &str, slug: &str) -> Result<Category, DbError> {
        categories::table
            .filter(categories::kind.eq(kind))
            .filter(categories::slug.eq(slug))
            .select(Category::as_select())
            .first(conn)
            .map_err(DbError::from_query)
    }

    pub fn slug_taken(conn: &mut DbConnection, kind: &str, slug: &str) -> Result<bool, DbError> {
        let n: i64 = categories::table
            .filter(categories::kind.eq(kind))
            .filter(categories::slug.eq(slug))
            .count()
            .get_result(conn)?;
        Ok(n > 0)
    }

    /// Adds a category at the end of its kind's order.
    pub fn create(conn: &mut DbConnection, row: &NewCategory<'_>) -> Result<CategoryId, DbError> {
        write_tx(conn, |conn| {
            let max: Option<i32> = categories::table
                .filter(categories::kind.eq(row.kind))
                .select(diesel::dsl::max(categories::position))
                .first(conn)?;
            let mut row = row.clone();
            row.position = max.map(|m| m + 1).unwrap_or(0);
            Ok(diesel::insert_into(categories::table)
                .values(&row)
                .returning(categories::id)
                .get_result(conn)?)
        })
    }

    pub fn update(conn: &mut DbConnection, id: CategoryId, changes: &CategoryChanges) -> Result<(), DbError> {
        diesel::update(categories::table.find(id))
            .set(changes)
            .execute(conn)?;
        Ok(())
    }

    pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
        Ok(categories::table.count().get_result(conn)?)
    }

    /// The name in the reader's language.
    pub fn name(&self, lang: &str) -> &str {
        if lang.starts_with("zh") {
            &self.name_zh
        } else {
            &self.name_en
        }
    }

    pub fn description(&self, lang: &str) -> &str {
        if lang.starts_with("zh") {
            &self.description_zh
        } else {
            &self.description_en
        }
    }
}
