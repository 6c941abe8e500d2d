//! Start-up: both backends boot and migrate, a wrong database URL fails at
//! once with its cause, the migration folders agree, health checks answer.

use crate::common::{on_postgres, TestApp};
use std::collections::BTreeSet;

#[tokio::test]
async fn boots_migrates_and_answers_health_checks() {
    let app = TestApp::spawn().await;
    let res = app.client.get("/healthz").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body, "ok");
    let res = app.client.get("/readyz").await;
    assert_eq!(res.status, 200);
    let backend = app.db(|conn| conn.backend()).await;
    let expected = if on_postgres() {
        klearn_db::Backend::Postgres
    } else {
        klearn_db::Backend::Sqlite
    };
    assert_eq!(backend, expected);
}

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let app = TestApp::spawn().await;
    let applied = app
        .db(|conn| klearn_db::migrate::run_pending(conn).expect("migrate again"))
        .await;
    assert!(applied.is_empty(), "{applied:?}");
}

#[tokio::test]
async fn readyz_says_503_when_the_database_does_not_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.client.get("/readyz").await.status, 200);
    app.db(|conn| {
        use klearn_db::diesel::RunQueryDsl;
        klearn_db::diesel::sql_query("DROP TABLE jobs")
            .execute(conn)
            .expect("drop");
    })
    .await;
    assert_eq!(app.client.get("/readyz").await.status, 503);
    // Liveness does not depend on the database.
    assert_eq!(app.client.get("/healthz").await.status, 200);
}

#[test]
fn a_wrong_database_url_fails_at_once_with_its_cause() {
    // The cause is libpq's own message, not r2d2's "timed out waiting for connection".
    let err = klearn_db::connect("postgres://nobody@127.0.0.1:1/none", 2).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("PostgreSQL") && text.contains("127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains("timed out"), "{text}");

    let err = klearn_db::connect("mysql://localhost/klearn", 2).unwrap_err();
    assert!(err.to_string().contains("sqlite:// or postgres://"), "{err}");

    let err = klearn_db::connect("sqlite:///proc/klearn-cannot-be-here/x.sqlite3", 2).unwrap_err();
    assert!(err.to_string().contains("cannot create"), "{err}");
}

fn migration_names(backend: &str) -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn migration_folders_agree() {
    let sqlite = migration_names("sqlite");
    let postgres = migration_names("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "every migration must exist for both backends, with the same name"
    );
    for backend in ["sqlite", "postgres"] {
        for name in &sqlite {
            for file in ["up.sql", "down.sql"] {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(backend)
                    .join(name)
                    .join(file);
                assert!(path.exists(), "missing {}", path.display());
            }
        }
    }
}

#[tokio::test]
async fn the_same_schema_serves_both_backends() {
    // Every table the schema names exists in the migrated database with every column.
    let app = TestApp::spawn().await;
    app.db(|conn| {
        use klearn_db::diesel::prelude::*;
        use klearn_db::schema::*;
        jobs::table
            .select(jobs::all_columns)
            .limit(1)
            .load::<klearn_db::jobs::Job>(conn)
            .expect("jobs");
        categories::table
            .select(categories::all_columns)
            .limit(1)
            .load::<klearn_db::categories::Category>(conn)
            .expect("categories");
        uploads::table
            .select(uploads::all_columns)
            .limit(1)
            .load::<klearn_db::uploads::Upload>(conn)
            .expect("uploads");
    })
    .await;
}

#[tokio::test]
async fn demo_loads_once_in_both_languages() {
    let app = TestApp::builder().demo().spawn().await;
    let again = klearn::cli::load_demo(&app.settings).await.unwrap();
    assert!(again.skipped, "a second load must leave the database alone");
    let zh = app.client.get("/?lang=zh-CN").await;
    assert!(zh.text().contains("数据库"), "{}", zh.text());
    let en = app.client.get("/?lang=en").await;
    assert!(en.text().contains("Databases"), "{}", en.text());
}
