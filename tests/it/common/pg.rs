//! PostgreSQL test databases: one migrated template per migration set, and a
//! fresh database per test created from it (`CREATE DATABASE … TEMPLATE …`).

use std::sync::OnceLock;

use klearn_db::diesel::prelude::*;
use klearn_db::diesel::sql_types::BigInt;
use klearn_db::diesel::{sql_query, PgConnection};
use sha2::{Digest, Sha256};

pub struct TestDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("KLEARN_TEST_DATABASE_URL").expect("KLEARN_TEST_DATABASE_URL")
}

fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("KLEARN_TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// The template's name follows the migrations, so a changed schema gets a new one.
fn template_name() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).unwrap_or_default());
    }
    format!("klearn_tpl_{}", &hex::encode(hasher.finalize())[..16])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn ensure_template() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = template_name();
            let admin = admin_url();
            let mut conn = PgConnection::establish(&admin).expect("connect to KLEARN_TEST_DATABASE_URL");
            // Test processes may run side by side: one builds, the others wait.
            sql_query("SELECT pg_advisory_lock(7355608)")
                .execute(&mut conn)
                .unwrap();
            let exists: Count = sql_query(format!(
                "SELECT COUNT(*)::BIGINT AS n FROM pg_database WHERE datname = '{name}'"
            ))
            .get_result(&mut conn)
            .unwrap();
            if exists.n == 0 {
                let building = format!("{name}_build");
                sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .execute(&mut conn)
                    .unwrap();
                sql_query(format!("CREATE DATABASE {building}"))
                    .execute(&mut conn)
                    .unwrap();
                {
                    let pool =
                        klearn_db::connect(&with_database(&admin, &building), 1).expect("template pool");
                    let mut c = pool.get().unwrap();
                    klearn_db::migrate::run_pending(&mut c).expect("migrate the template");
                }
                sql_query(format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .execute(&mut conn)
                    .unwrap();
            }
            sql_query("SELECT pg_advisory_unlock(7355608)")
                .execute(&mut conn)
                .unwrap();
            name
        })
        .clone()
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let template = ensure_template();
        let admin = admin_url();
        let name = super::unique("klearn_t_");
        let mut conn = PgConnection::establish(&admin).expect("connect to KLEARN_TEST_DATABASE_URL");
        let mut last_error = None;
        for _ in 0..20 {
            match sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}")).execute(&mut conn) {
                Ok(_) => {
                    return TestDatabase {
                        url: with_database(&admin, &name),
                        name,
                        admin_url: admin,
                    }
                }
                // "source database is being accessed by other users": another
                // CREATE from the same template is copying; try again shortly.
                Err(e) => {
                    last_error = Some(e);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
        panic!("could not create a test database: {last_error:?}");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ =
                sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}
