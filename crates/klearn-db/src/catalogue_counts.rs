//! The number of published courses per combination of the catalogue's
//! filters (category, level, format, free or paid, each or "any"), kept in
//! step by the course write functions in their transaction, so that a
//! catalogue page reads its total by primary key instead of counting courses.

use diesel::prelude::*;

use crate::catalogue::CatalogueFilter;
use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::{catalogue_counts, courses};
use crate::types::{CategoryId, CourseId, CourseState};

/// "Any" in the category column.
const ANY_CATEGORY: i64 = 0;
/// "Any" in the level, format and price columns.
const ANY: &str = "";

/// What the catalogue's filters see of a published course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facets {
    pub category_id: Option<CategoryId>,
    pub level: String,
    pub format: String,
    pub free: bool,
}

/// One kept count: the filters' combination and its published courses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = catalogue_counts)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct CountRow {
    pub category_id: i64,
    pub level: String,
    pub format: String,
    pub price: String,
    pub courses: i64,
}

/// A combination of the filters, as the table keys it.
type Key = (i64, String, String, String);

fn price_word(free: bool) -> &'static str {
    if free {
        "free"
    } else {
        "paid"
    }
}

type FacetColumns = (Option<CategoryId>, String, String, i64);

impl Facets {
    fn from_columns((category_id, level, format, price): FacetColumns) -> Facets {
        Facets {
            category_id,
            level,
            format,
            free: price == 0,
        }
    }

    /// The course's facets, whatever its state.
    pub fn of(conn: &mut DbConnection, id: CourseId) -> Result<Facets, DbError> {
        let row: FacetColumns = courses::table
            .find(id)
            .select((
                courses::category_id,
                courses::level,
                courses::format,
                courses::price_cents,
            ))
            .first(conn)
            .map_err(DbError::from_query)?;
        Ok(Facets::from_columns(row))
    }

    /// The course's facets if it is published (what the catalogue counts).
    pub fn of_published(conn: &mut DbConnection, id: CourseId) -> Result<Option<Facets>, DbError> {
        let row: Option<FacetColumns> = courses::table
            .find(id)
            .filter(courses::state.eq(CourseState::Published))
            .select((
                courses::category_id,
                courses::level,
                courses::format,
                courses::price_cents,
            ))
            .first(conn)
            .optional()?;
        Ok(row.map(Facets::from_columns))
    }

    /// Every combination of the filters that shows this course: sixteen,
    /// or eight without a category.
    fn keys(&self) -> Vec<Key> {
        let mut keys = Vec::with_capacity(16);
        let categories = match self.category_id {
            Some(c) => vec![ANY_CATEGORY, c.get()],
            None => vec![ANY_CATEGORY],
        };
        for category in categories {
            for level in [ANY, self.level.as_str()] {
                for format in [ANY, self.format.as_str()] {
                    for price in [ANY, price_word(self.free)] {
                        keys.push((category, level.to_string(), format.to_string(), price.to_string()));
                    }
                }
            }
        }
        keys
    }
}

/// A course went from `before` to `after` (`None`: not published): each
/// count it left loses one, each it joined gains one. Runs in the caller's
/// transaction; the course write functions call it, so no use case can
/// forget it.
pub fn moved(
    conn: &mut DbConnection,
    before: Option<&Facets>,
    after: Option<&Facets>,
) -> Result<(), DbError> {
    if before == after {
        return Ok(());
    }
    let left = before.map(Facets::keys).unwrap_or_default();
    let joined = after.map(Facets::keys).unwrap_or_default();
    write_tx(conn, |conn| {
        for key in left.iter().filter(|k| !joined.contains(k)) {
            crate::backend::add_catalogue_count(conn, key, -1)?;
        }
        for key in joined.iter().filter(|k| !left.contains(k)) {
            crate::backend::add_catalogue_count(conn, key, 1)?;
        }
        Ok(())
    })
}

/// The number of published courses that pass the filters: one
/// primary-key lookup.
pub fn total(conn: &mut DbConnection, filter: &CatalogueFilter) -> Result<i64, DbError> {
    let price = match filter.free {
        Some(free) => price_word(free),
        None => ANY,
    };
    Ok(catalogue_counts::table
        .find((
            filter.category_id.map_or(ANY_CATEGORY, CategoryId::get),
            filter.level.as_deref().unwrap_or(ANY),
            filter.format.as_deref().unwrap_or(ANY),
            price,
        ))
        .select(catalogue_counts::courses)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The counts as the courses are now, counted (the migration fills the
/// table with the same query).
const COUNTED: &str = "SELECT CASE WHEN kc.k = 1 THEN c.category_id ELSE 0 END AS category_id, \
     CASE WHEN kl.k = 1 THEN c.level ELSE '' END AS level, \
     CASE WHEN kf.k = 1 THEN c.format ELSE '' END AS format, \
     CASE WHEN kp.k = 0 THEN '' WHEN c.price_cents = 0 THEN 'free' ELSE 'paid' END AS price, \
     COUNT(*) AS courses \
     FROM courses c \
     CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kc \
     CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kl \
     CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kf \
     CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) kp \
     WHERE c.state = 'published' AND (kc.k = 0 OR c.category_id IS NOT NULL) \
     GROUP BY 1, 2, 3, 4";

/// The counts counted from the courses, sorted: what the kept ones must equal.
pub fn counted(conn: &mut DbConnection) -> Result<Vec<CountRow>, DbError> {
    let mut rows: Vec<CountRow> = match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(COUNTED).load(c)?,
        DbConnection::Pg(c) => diesel::sql_query(COUNTED).load(c)?,
    };
    rows.sort();
    Ok(rows)
}

/// The kept counts that are not zero, sorted.
pub fn kept(conn: &mut DbConnection) -> Result<Vec<CountRow>, DbError> {
    let mut rows: Vec<CountRow> = catalogue_counts::table
        .filter(catalogue_counts::courses.ne(0))
        .select(CountRow::as_select())
        .load(conn)?;
    rows.sort();
    Ok(rows)
}

/// Counts every combination afresh from the courses, in one statement
/// (after a bulk load that wrote courses directly).
pub fn rebuild(conn: &mut DbConnection) -> Result<(), DbError> {
    let fill = format!("INSERT INTO catalogue_counts (category_id, level, format, price, courses) {COUNTED}");
    write_tx(conn, |conn| {
        diesel::delete(catalogue_counts::table).execute(conn)?;
        match conn {
            DbConnection::Sqlite(c) => diesel::sql_query(fill).execute(c)?,
            DbConnection::Pg(c) => diesel::sql_query(fill).execute(c)?,
        };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facets(category: Option<i64>, free: bool) -> Facets {
        Facets {
            category_id: category.map(CategoryId),
            level: "beginner".into(),
            format: "video".into(),
            free,
        }
    }

    #[test]
    fn a_course_with_a_category_has_sixteen_keys_and_one_without_eight() {
        let with = facets(Some(3), true).keys();
        assert_eq!(with.len(), 16);
        assert!(with.contains(&(0, String::new(), String::new(), String::new())));
        assert!(with.contains(&(3, "beginner".into(), "video".into(), "free".into())));
        assert!(!with.iter().any(|k| k.3 == "paid"));
        let without = facets(None, false).keys();
        assert_eq!(without.len(), 8);
        assert!(without.iter().all(|k| k.0 == ANY_CATEGORY));
        assert!(without.contains(&(0, String::new(), "video".into(), "paid".into())));
    }
}
