//! Named figures of the whole site that pages and use cases read and a job
//! refreshes: one integer per name (e.g. the mean course rating in
//! millionths, which every course's Bayesian score is pulled towards).

use diesel::prelude::*;

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::schema::site_figures;

/// The site's mean course rating × 1,000,000 (`ratings`): the mean of the
/// rated courses' averages, as the daily refresh last worked it out.
pub const RATING_MEAN_MICROS: &str = "rating_mean_micros";

/// The figure's value, if it was ever stored.
pub fn get(conn: &mut DbConnection, name: &str) -> Result<Option<i64>, DbError> {
    Ok(site_figures::table
        .find(name)
        .select(site_figures::value)
        .first(conn)
        .optional()?)
}

/// Stores the figure (made on first use). Two writers racing to make it
/// both end with a row: the loser of the insert updates instead.
pub fn put(conn: &mut DbConnection, name: &str, value: i64) -> Result<(), DbError> {
    write_tx(conn, |conn| {
        let now = crate::now();
        let set = |conn: &mut DbConnection| -> Result<usize, DbError> {
            Ok(diesel::update(site_figures::table.find(name))
                .set((site_figures::value.eq(value), site_figures::updated_at.eq(now)))
                .execute(conn)?)
        };
        if set(conn)? > 0 {
            return Ok(());
        }
        let inserted = crate::orders::insert_once(conn, |conn| {
            diesel::insert_into(site_figures::table)
                .values((
                    site_figures::name.eq(name),
                    site_figures::value.eq(value),
                    site_figures::updated_at.eq(now),
                ))
                .execute(conn)
        })?;
        if !inserted {
            set(conn)?;
        }
        Ok(())
    })
}
