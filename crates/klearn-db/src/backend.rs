//! The few statements that differ between SQLite and PostgreSQL, kept in this
//! one module: claiming jobs, the search indexes, the rating refresh's
//! mean, and the catalogue cards' id list.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::connection::{write_tx, DbConnection};
use crate::error::DbError;
use crate::jobs::Job;

/// Claims the next due job for `worker`, leasing it until `lease_until`.
///
/// A job is due when it is pending and its time has come, or when it is
/// running but its lease has run out (its worker died mid-job). PostgreSQL
/// uses `FOR UPDATE SKIP LOCKED` so several processes never hold one job;
/// SQLite has one writer at a time, which `BEGIN IMMEDIATE` gives.
pub fn claim_next_job(
    conn: &mut DbConnection,
    worker: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<Job>, DbError> {
    const DUE: &str = "(status = 'pending' AND run_at <= {now}) \
                       OR (status = 'running' AND locked_until < {now})";
    let claimed: Vec<Job> = match conn {
        DbConnection::Pg(c) => {
            let due = DUE.replace("{now}", "$3");
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
                 locked_by = $1, locked_until = $2 \
                 WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id \
                 LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(worker)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .load(c)?
        }
        DbConnection::Sqlite(_) => write_tx(conn, |conn| {
            let DbConnection::Sqlite(c) = conn else {
                unreachable!("matched as SQLite above")
            };
            let due = DUE.replace("{now}", "?");
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
                 locked_by = ?, locked_until = ? \
                 WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT 1) \
                 RETURNING *"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(worker)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Timestamp, _>(now)
                .load::<Job>(c)
        })?,
    };
    Ok(claimed.into_iter().next())
}

/// A search index: one row per document, keyed by the id of what it indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchIndex {
    /// Published courses (`course_search`).
    Courses,
    /// Visible forum posts (`post_search`; a thread's first post carries its title).
    Posts,
}

impl SearchIndex {
    fn table(self) -> &'static str {
        match self {
            SearchIndex::Courses => "course_search",
            SearchIndex::Posts => "post_search",
        }
    }

    /// The key column on PostgreSQL (SQLite keys FTS5 rows by `rowid`).
    fn key(self) -> &'static str {
        match self {
            SearchIndex::Courses => "course_id",
            SearchIndex::Posts => "post_id",
        }
    }
}

/// Removes a document from the index.
pub fn search_remove(conn: &mut DbConnection, index: SearchIndex, id: i64) -> Result<(), DbError> {
    let (table, key) = (index.table(), index.key());
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE rowid = ?"))
                .bind::<BigInt, _>(id)
                .execute(c)?;
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(format!("DELETE FROM {table} WHERE {key} = $1"))
                .bind::<BigInt, _>(id)
                .execute(c)?;
        }
    }
    Ok(())
}

/// Adds a document's prepared text (see `search::index_text`) to the index.
pub fn search_put(
    conn: &mut DbConnection,
    index: SearchIndex,
    id: i64,
    title: &str,
    body: &str,
) -> Result<(), DbError> {
    let (table, key) = (index.table(), index.key());
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query(format!(
                "INSERT INTO {table} (rowid, title, body) VALUES (?, ?, ?)"
            ))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(title)
            .bind::<Text, _>(body)
            .execute(c)?;
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(format!(
                "INSERT INTO {table} ({key}, title, body, document) VALUES ($1, $2, $3, \
                 setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B'))"
            ))
            .bind::<BigInt, _>(id)
            .bind::<Text, _>(title)
            .bind::<Text, _>(body)
            .execute(c)?;
        }
    }
    Ok(())
}

/// PostgreSQL's search documents (`tsvector`, as text) already made in a
/// bulk load, by title and body: the load's texts repeat, and each distinct
/// one goes through `to_tsvector` once. Unused on SQLite, where FTS5 makes
/// its own.
#[derive(Debug, Default)]
pub struct Documents {
    /// Title, then body, to the document.
    made: HashMap<String, HashMap<String, String>>,
    /// How many documents `made` holds.
    kept: usize,
}

impl Documents {
    /// Distinct documents kept at most; past that the cache starts again
    /// (the courses' texts are nearly all distinct, the forum's repeat).
    const KEPT: usize = 100_000;

    fn get(&self, title: &str, body: &str) -> Option<&String> {
        self.made.get(title).and_then(|bodies| bodies.get(body))
    }
}

#[derive(QueryableByName)]
struct Made {
    #[diesel(sql_type = BigInt)]
    k: i64,
    #[diesel(sql_type = Text)]
    document: String,
}

/// Makes the PostgreSQL documents of the titles and bodies that `documents`
/// has not made yet, one statement for them all.
fn make_documents(
    c: &mut diesel::PgConnection,
    docs: &[(i64, String, String)],
    documents: &mut Documents,
) -> Result<(), DbError> {
    use diesel::sql_types::Array;
    if documents.kept > Documents::KEPT {
        documents.made.clear();
        documents.kept = 0;
    }
    let mut missing: Vec<(&str, &str)> = docs
        .iter()
        .filter(|(_, t, b)| documents.get(t, b).is_none())
        .map(|(_, t, b)| (t.as_str(), b.as_str()))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let titles: Vec<&str> = missing.iter().map(|(t, _)| *t).collect();
    let bodies: Vec<&str> = missing.iter().map(|(_, b)| *b).collect();
    let made: Vec<Made> = diesel::sql_query(
        "SELECT u.k, (setweight(to_tsvector('simple', u.t), 'A') || \
         setweight(to_tsvector('simple', u.b), 'B'))::text AS document \
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(t, b, k)",
    )
    .bind::<Array<Text>, _>(&titles)
    .bind::<Array<Text>, _>(&bodies)
    .load(c)?;
    for m in made {
        let (t, b) = missing[(m.k - 1) as usize];
        documents
            .made
            .entry(t.to_string())
            .or_default()
            .insert(b.to_string(), m.document);
        documents.kept += 1;
    }
    Ok(())
}

/// Adds many prepared documents at once, for bulk loads (`seed --scale`):
/// one statement per call, the texts as SQL string literals; on PostgreSQL
/// the documents made once per distinct text (`Documents`).
pub fn search_put_many(
    conn: &mut DbConnection,
    index: SearchIndex,
    docs: &[(i64, String, String)],
    documents: &mut Documents,
) -> Result<(), DbError> {
    if docs.is_empty() {
        return Ok(());
    }
    if let DbConnection::Pg(c) = conn {
        make_documents(c, docs, documents)?;
    }
    let (table, key) = (index.table(), index.key());
    let quote = |s: &str| format!("'{}'", s.replace('\0', "").replace('\'', "''"));
    let mut rows: Vec<String> = Vec::with_capacity(docs.len());
    for (id, title, body) in docs {
        rows.push(match conn {
            DbConnection::Sqlite(_) => format!("({id}, {}, {})", quote(title), quote(body)),
            DbConnection::Pg(_) => {
                let document = documents
                    .get(title, body)
                    .ok_or_else(|| DbError::Config("a search document was not made".into()))?;
                format!(
                    "({id}, {}, {}, {}::tsvector)",
                    quote(title),
                    quote(body),
                    quote(document)
                )
            }
        });
    }
    let columns = match conn {
        DbConnection::Sqlite(_) => "rowid, title, body".to_string(),
        DbConnection::Pg(_) => format!("{key}, title, body, document"),
    };
    let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", rows.join(", "));
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql).execute(c)?,
        DbConnection::Pg(c) => diesel::sql_query(sql).execute(c)?,
    };
    Ok(())
}

/// After a bulk load, SQLite's search indexes merged into one segment each
/// (their automatic merging is off during the load, `bulk_load_begin`).
/// PostgreSQL's GIN indexes are built with the other indexes.
pub fn search_merge(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Sqlite(c) = conn {
        for index in [SearchIndex::Courses, SearchIndex::Posts] {
            let table = index.table();
            diesel::sql_query(format!("INSERT INTO {table} ({table}) VALUES ('optimize')")).execute(c)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Ids of indexed documents that match every term: those matching in the
/// title first, then the rest, each group newest first (highest id).
/// Nothing ranks the matches: both backends read them in id order and stop
/// at `limit`, so a term found in a million posts costs what a rare one
/// does (the forum's and the catalogue's search).
pub fn search_recent(
    conn: &mut DbConnection,
    index: SearchIndex,
    terms: &[String],
    limit: i64,
) -> Result<Vec<i64>, DbError> {
    let (table, key) = (index.table(), index.key());
    let clean: Vec<String> = terms
        .iter()
        .map(|t| t.replace(['"', '\'', ':', '&', '|', '!', '(', ')'], ""))
        .collect();
    let mut ids: Vec<i64> = Vec::new();
    let mut seen: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for in_title in [true, false] {
        let wanted = limit - ids.len() as i64;
        if wanted <= 0 {
            break;
        }
        let hits: Vec<Hit> = match conn {
            DbConnection::Sqlite(c) => {
                let query = clean
                    .iter()
                    .map(|t| match in_title {
                        true => format!("title : \"{t}\""),
                        false => format!("\"{t}\""),
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ");
                diesel::sql_query(format!(
                    "SELECT rowid AS id FROM {table} WHERE {table} MATCH ? ORDER BY rowid DESC LIMIT ?"
                ))
                .bind::<Text, _>(query)
                .bind::<BigInt, _>(limit)
                .load(c)?
            }
            DbConnection::Pg(c) => {
                // Titles through their own index (`{table}_title`); the
                // rest through `document`, newest first.
                let matched = match in_title {
                    true => "to_tsvector('simple', title)",
                    false => "document",
                };
                diesel::sql_query(format!(
                    "SELECT {key} AS id FROM {table} WHERE {matched} @@ to_tsquery('simple', $1) \
                     ORDER BY {key} DESC LIMIT $2"
                ))
                .bind::<Text, _>(clean.join(" & "))
                .bind::<BigInt, _>(limit)
                .load(c)?
            }
        };
        for hit in hits {
            if seen.insert(hit.id) {
                ids.push(hit.id);
            }
        }
    }
    ids.truncate(limit as usize);
    Ok(ids)
}

/// Recomputes every course's Bayesian rating score,
/// (m·C + sum) / (m + n) × 1,000,000 (m = `RATING_PRIOR_WEIGHT`), with C the mean rating of the rated
/// courses, and stores C (`site_figures::RATING_MEAN_MICROS`) for the
/// reviews written until the next refresh, which score their course with
/// the same C and the same expression (`ratings::rescore`). One writing
/// transaction: the mean and the scores are of the same moment, even when
/// two refreshes (a page's and the daily job's) overlap. When a score
/// moved, the site's generation moves with it (the catalogue sorts by it).
/// Returns C.
pub fn refresh_rating_scores(conn: &mut DbConnection) -> Result<f64, DbError> {
    write_tx(conn, refresh_rating_scores_now)
}

fn refresh_rating_scores_now(conn: &mut DbConnection) -> Result<f64, DbError> {
    use diesel::sql_types::{Double, Nullable};
    #[derive(QueryableByName)]
    struct Mean {
        #[diesel(sql_type = Nullable<Double>)]
        mean: Option<f64>,
    }
    let select_mean = "SELECT AVG(CAST(rating_sum AS DOUBLE PRECISION) / rating_count) AS mean \
                       FROM courses WHERE rating_count > 0";
    let mean = match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query(select_mean.replace("DOUBLE PRECISION", "REAL")).get_result::<Mean>(c)?
        }
        DbConnection::Pg(c) => diesel::sql_query(select_mean).get_result::<Mean>(c)?,
    }
    .mean;
    let micros = match mean {
        Some(mean) => (mean * 1_000_000.0).round() as i64,
        None => crate::ratings::DEFAULT_MEAN_MICROS,
    };
    crate::site_figures::put(conn, crate::site_figures::RATING_MEAN_MICROS, micros)?;
    if crate::ratings::rescore(conn, None, micros)? > 0 {
        crate::generations::bump(conn, crate::generations::SITE)?;
    }
    Ok(micros as f64 / 1_000_000.0)
}

/// Refreshes the query planner's statistics: after a bulk load (`full`;
/// SQLite reads about 1,000 rows of each index, `analysis_limit`), and
/// daily. On PostgreSQL a bulk load is also vacuumed, so that the visibility
/// map lets the catalogue's counts use index-only scans at once (autovacuum
/// does this in time on a live site).
pub fn analyze(conn: &mut DbConnection, full: bool) -> Result<(), DbError> {
    match conn {
        DbConnection::Sqlite(c) => {
            // After a bulk load, each index's statistics from a sample of
            // its rows: estimates are all the planner needs.
            let sql = match full {
                true => "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0;",
                false => "PRAGMA optimize",
            };
            diesel::connection::SimpleConnection::batch_execute(c, sql)?;
        }
        DbConnection::Pg(c) => {
            diesel::sql_query(if full { "VACUUM (ANALYZE)" } else { "ANALYZE" }).execute(c)?;
        }
    }
    Ok(())
}

/// Serialises the writers of one rate-limit bucket until the transaction
/// ends. PostgreSQL takes an advisory transaction lock on the bucket's hash;
/// on SQLite the writing transaction (`BEGIN IMMEDIATE`) already lets one
/// writer in at a time.
pub fn lock_bucket(conn: &mut DbConnection, bucket: &str) -> Result<(), DbError> {
    if let DbConnection::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(bucket_key(bucket))
            .execute(c)?;
    }
    Ok(())
}

/// A stable 64-bit key for a bucket name (FNV-1a).
fn bucket_key(bucket: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bucket.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

/// `column IN (SELECT value FROM json_each(?))`: a list of ids as one text
/// parameter, so that SQLite prepares the statement once per connection
/// (diesel's `eq_any` writes one parameter per id there, and a statement
/// whose text changes with the list's length is never cached).
#[derive(Debug, Clone, diesel::query_builder::QueryId)]
struct InJsonArray<C> {
    column: C,
    ids: String,
}

impl<C: Expression> Expression for InJsonArray<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for InJsonArray<C> {}

impl<C> diesel::expression::ValidGrouping<()> for InJsonArray<C> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<C: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>>
    diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for InJsonArray<C>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

/// These courses with their experts' usernames and display names, in no
/// particular order, from one statement prepared once per connection: on
/// PostgreSQL the ids are one array parameter (`= ANY($1)`), on SQLite one
/// JSON text (`json_each`).
pub fn courses_with_experts(
    conn: &mut DbConnection,
    ids: &[crate::types::CourseId],
) -> Result<Vec<(crate::courses::Course, String, String)>, DbError> {
    use crate::courses::Course;
    use crate::schema::{courses, users};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(match conn {
        DbConnection::Pg(c) => courses::table
            .inner_join(users::table)
            .filter(courses::id.eq_any(ids))
            .select((Course::as_select(), users::username, users::display_name))
            .load(c)?,
        DbConnection::Sqlite(c) => {
            let list: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
            courses::table
                .inner_join(users::table)
                .filter(InJsonArray {
                    column: courses::id,
                    ids: format!("[{}]", list.join(",")),
                })
                .select((Course::as_select(), users::username, users::display_name))
                .load(c)?
        }
    })
}

/// Adds `delta` to one catalogue count, making its row on first use: an
/// upsert (`ON CONFLICT … DO UPDATE`, which SQLite 3.24 on and PostgreSQL
/// write alike but for their placeholders), so that two transactions
/// publishing the first course of a combination both count.
pub fn add_catalogue_count(
    conn: &mut DbConnection,
    key: &(i64, String, String, String),
    delta: i64,
) -> Result<(), DbError> {
    const UPSERT: &str = "INSERT INTO catalogue_counts (category_id, level, format, price, courses) \
                          VALUES ({values}) \
                          ON CONFLICT (category_id, level, format, price) \
                          DO UPDATE SET courses = catalogue_counts.courses + excluded.courses";
    let (category, level, format, price) = key;
    let sql = match conn {
        DbConnection::Sqlite(_) => UPSERT.replace("{values}", "?, ?, ?, ?, ?"),
        DbConnection::Pg(_) => UPSERT.replace("{values}", "$1, $2, $3, $4, $5"),
    };
    macro_rules! run {
        ($c:expr) => {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(*category)
                .bind::<Text, _>(level)
                .bind::<Text, _>(format)
                .bind::<Text, _>(price)
                .bind::<BigInt, _>(delta)
                .execute($c)
        };
    }
    match conn {
        DbConnection::Sqlite(c) => run!(c)?,
        DbConnection::Pg(c) => run!(c)?,
    };
    Ok(())
}

/// What a bulk load changed on its connection, put back by `bulk_load_end`.
#[derive(Debug, Clone)]
pub struct BulkLoad {
    /// SQLite: the connection's `synchronous`, `cache_size` and
    /// `foreign_keys` before the load.
    sqlite: Option<(i64, i64, i64)>,
    /// PostgreSQL: whether the load runs without triggers (so without
    /// foreign key checks), which only a superuser may ask for.
    pg_replica: bool,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    value: bool,
}

#[derive(QueryableByName)]
struct Pragma {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// FTS5's default `automerge` (segments merged at each level).
const FTS5_AUTOMERGE: i64 = 4;

/// Sets one connection up for a bulk load into an empty database (`seed
/// --scale`): on SQLite no sync to disk at each commit (`synchronous =
/// OFF`: a crash mid-seed leaves a database to throw away, never a live
/// one), a page cache of `cache_mib` so that index pages stay in memory, no
/// foreign key checks (the loaded rows refer to rows loaded before them, by
/// construction) and no automatic merging of the search indexes' segments
/// (merged once at the end, `search_merge`); on PostgreSQL commits that do
/// not wait for the WAL flush, memory for building indexes and, when the
/// seed connects as a superuser, no triggers (`session_replication_role =
/// replica`: no foreign key checks; the schema has no other triggers). Only this
/// connection changes, but for the search indexes' `automerge`, which is
/// the database's and which `bulk_load_end` puts back.
pub fn bulk_load_begin(conn: &mut DbConnection, cache_mib: i64) -> Result<BulkLoad, DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => {
            let read = |c: &mut diesel::SqliteConnection, name: &str| -> Result<i64, DbError> {
                Ok(
                    diesel::sql_query(format!("SELECT {name} AS value FROM pragma_{name}"))
                        .get_result::<Pragma>(c)?
                        .value,
                )
            };
            let saved = (
                read(c, "synchronous")?,
                read(c, "cache_size")?,
                read(c, "foreign_keys")?,
            );
            c.batch_execute(&format!(
                "PRAGMA synchronous = OFF; PRAGMA cache_size = -{}; PRAGMA temp_store = MEMORY; \
                 PRAGMA foreign_keys = OFF;",
                cache_mib * 1024
            ))?;
            set_automerge(c, 0)?;
            Ok(BulkLoad {
                sqlite: Some(saved),
                pg_replica: false,
            })
        }
        DbConnection::Pg(c) => {
            c.batch_execute(&format!(
                "SET synchronous_commit = off; SET maintenance_work_mem = '{cache_mib}MB'"
            ))?;
            let superuser = diesel::sql_query("SELECT current_setting('is_superuser') = 'on' AS value")
                .get_result::<Flag>(c)?
                .value;
            if superuser {
                c.batch_execute("SET session_replication_role = replica")?;
            }
            Ok(BulkLoad {
                sqlite: None,
                pg_replica: superuser,
            })
        }
    }
}

/// Sets FTS5's `automerge` of both search indexes.
fn set_automerge(c: &mut diesel::SqliteConnection, automerge: i64) -> Result<(), DbError> {
    for index in [SearchIndex::Courses, SearchIndex::Posts] {
        let table = index.table();
        diesel::sql_query(format!(
            "INSERT INTO {table} ({table}, rank) VALUES ('automerge', {automerge})"
        ))
        .execute(c)?;
    }
    Ok(())
}

/// Puts back what `bulk_load_begin` changed.
pub fn bulk_load_end(conn: &mut DbConnection, load: BulkLoad) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => {
            if let Some((synchronous, cache_size, foreign_keys)) = load.sqlite {
                set_automerge(c, FTS5_AUTOMERGE)?;
                c.batch_execute(&format!(
                    "PRAGMA synchronous = {synchronous}; PRAGMA cache_size = {cache_size}; \
                     PRAGMA temp_store = DEFAULT; PRAGMA foreign_keys = {foreign_keys};"
                ))?;
            }
        }
        DbConnection::Pg(c) => {
            c.batch_execute("RESET synchronous_commit; RESET maintenance_work_mem")?;
            if load.pg_replica {
                c.batch_execute("RESET session_replication_role")?;
            }
        }
    }
    Ok(())
}

/// A secondary index set aside during a bulk load: its name and the
/// statement that makes it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub name: String,
    pub create: String,
}

#[derive(QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    create: String,
}

/// The plain indexes (not unique, not backing a constraint) of these
/// tables, by table then name, with the statements that make them.
pub fn plain_indexes(conn: &mut DbConnection, tables: &[&str]) -> Result<Vec<SetAside>, DbError> {
    let mut found = Vec::new();
    for table in tables {
        let defs: Vec<IndexDef> = match conn {
            DbConnection::Sqlite(c) => diesel::sql_query(
                "SELECT name, sql AS \"create\" FROM sqlite_master \
                 WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL \
                 AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            )
            .bind::<Text, _>(*table)
            .load(c)?,
            DbConnection::Pg(c) => diesel::sql_query(
                "SELECT i.indexname AS name, i.indexdef AS \"create\" FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename = $1 \
                 AND upper(i.indexdef) NOT LIKE 'CREATE UNIQUE%' \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k \
                                 WHERE k.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) \
                 ORDER BY i.indexname",
            )
            .bind::<Text, _>(*table)
            .load(c)?,
        };
        found.extend(defs.into_iter().map(|def| SetAside {
            name: def.name,
            create: def.create,
        }));
    }
    Ok(found)
}

/// Drops the plain indexes of these tables (`plain_indexes`) and returns
/// how to make them again (`restore_indexes`): a bulk load then appends
/// rows without updating indexes in random order, and each index is built
/// once by one sort. Unique indexes stay, so the load still meets every
/// uniqueness rule.
pub fn set_indexes_aside(conn: &mut DbConnection, tables: &[&str]) -> Result<Vec<SetAside>, DbError> {
    let aside = plain_indexes(conn, tables)?;
    for index in &aside {
        let drop = format!("DROP INDEX {}", index.name);
        match conn {
            DbConnection::Sqlite(c) => diesel::sql_query(drop).execute(c)?,
            DbConnection::Pg(c) => diesel::sql_query(drop).execute(c)?,
        };
    }
    Ok(aside)
}

/// Makes again the indexes `set_indexes_aside` dropped.
pub fn restore_indexes(conn: &mut DbConnection, aside: &[SetAside]) -> Result<(), DbError> {
    for index in aside {
        match conn {
            DbConnection::Sqlite(c) => diesel::sql_query(&index.create).execute(c)?,
            DbConnection::Pg(c) => diesel::sql_query(&index.create).execute(c)?,
        };
    }
    Ok(())
}
