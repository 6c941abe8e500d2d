//! The real binary: `migrate`, `seed --demo`, `send-test-mail`, and `serve`
//! stopping cleanly on SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{on_postgres, pg::TestDatabase};

struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    _pg: Option<TestDatabase>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let pg = on_postgres().then(TestDatabase::create);
    let database_url = match &pg {
        Some(db) => db.url.clone(),
        None => format!("sqlite://{}/klearn.sqlite3", dir.path().display()),
    };
    Env {
        dir,
        database_url,
        _pg: pg,
    }
}

fn klearn(env: &Env) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_klearn"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &env.database_url)
        .env("KLEARN_DATA_DIR", env.dir.path())
        .env("KLEARN_SECRET_KEY", "c".repeat(64))
        .env("RUST_LOG", "info");
    cmd
}

fn run(env: &Env, args: &[&str]) -> (bool, String) {
    let out = klearn(env).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn migrate_and_seed_from_the_command_line() {
    let env = env();
    let (ok, out) = run(&env, &["migrate"]);
    assert!(ok, "{out}");
    assert!(out.contains("the database is up to date"), "{out}");
    let (ok, out) = run(&env, &["seed", "--demo"]);
    assert!(ok && out.contains("Demo community loaded"), "{out}");
    assert!(out.contains("8 course categories"), "{out}");
    let (ok, out) = run(&env, &["seed", "--demo"]);
    assert!(ok && out.contains("nothing was loaded"), "{out}");
}

#[test]
fn bad_configuration_is_reported_with_its_cause() {
    let env = env();
    let out = klearn(&env)
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PostgreSQL") && err.contains("127.0.0.1"), "{err}");
    let out = klearn(&env)
        .env("KLEARN_TIMEZONE", "Nowhere/City")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KLEARN_TIMEZONE"));
}

#[test]
fn send_test_mail_writes_a_mail_without_smtp() {
    let env = env();
    let (ok, out) = run(
        &env,
        &["send-test-mail", "--to", "ops@example.com", "--lang", "en"],
    );
    assert!(ok, "{out}");
    let mails: Vec<_> = std::fs::read_dir(env.dir.path().join("mail"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(mails.len(), 1);
    let raw = std::fs::read(mails[0].path()).unwrap();
    let mail = crate::common::Mail::parse(&raw, mails[0].path());
    assert_eq!(mail.subject, "Klearn test mail");
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let env = env();
    // Port 0: the server picks a free port and logs it, so no other test's
    // server can answer in its place.
    let mut child = klearn(&env)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(port) = line
                .contains("Klearn is listening")
                .then(|| line.split("port=").nth(1))
                .flatten()
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|p| p.parse::<u16>().ok())
            {
                let _ = port_tx.send(port);
            }
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server logs the port it listens on");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert!(child.try_wait().unwrap().is_none(), "our server answered");
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut status = None;
    for _ in 0..300 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("serve did not stop after SIGTERM");
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let log = log_reader.join().unwrap();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(stdout.contains("Demo community loaded"), "{stdout}");
    assert!(log.contains("Klearn stopped"), "{log}");
    assert!(
        log.contains("path=/healthz") && log.contains("status=200"),
        "one line per request: {log}"
    );
}

#[test]
fn create_admin_and_grant_role_are_audited() {
    let env = env();
    let (ok, out) = run(&env, &["migrate"]);
    assert!(ok, "{out}");
    let weak = klearn(&env)
        .env("KLEARN_ADMIN_PASSWORD", "password123")
        .args([
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@example.com",
        ])
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("too common"));
    let out = klearn(&env)
        .env("KLEARN_ADMIN_PASSWORD", "a strong admin password")
        .args([
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@example.com",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (ok, out) = run(&env, &["seed", "--demo"]);
    assert!(
        ok && out.contains("nothing was loaded"),
        "an admin counts as content: {out}"
    );
    let out = klearn(&env)
        .env("KLEARN_ADMIN_PASSWORD", "a strong admin password")
        .args([
            "create-admin",
            "--username",
            "BOSS",
            "--email",
            "other@example.com",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the name is taken in any case");

    let (ok, out) = run(&env, &["grant-role", "--username", "boss", "--role", "expert"]);
    assert!(ok, "{out}");
    let (ok, out) = run(&env, &["grant-role", "--username", "boss", "--role", "emperor"]);
    assert!(!ok && out.contains("expert, moderator or admin"), "{out}");
    let (ok, out) = run(&env, &["grant-role", "--username", "nobody", "--role", "expert"]);
    assert!(!ok && out.contains("no user named nobody"), "{out}");

    let pool = klearn_db::connect(&env.database_url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    let user = klearn_db::users::User::find_by_username(&mut conn, "boss").unwrap();
    assert!(user.is_verified());
    assert_eq!(
        klearn_db::users::User::roles(&mut conn, user.id).unwrap(),
        vec!["admin", "expert"]
    );
    let (entries, _) =
        klearn_db::audit::AuditEntry::list(&mut conn, &klearn_db::audit::AuditFilter::default(), 1, 20)
            .unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.entry.action.as_str(), e.entry.note.as_str()))
        .collect();
    assert!(
        actions.contains(&("user.role_grant", "expert (command line)")),
        "{actions:?}"
    );
    assert!(actions.contains(&("user.role_grant", "admin")), "{actions:?}");
    assert!(
        entries.iter().all(|e| e.actor.is_none()),
        "the command line has no actor"
    );
}

#[test]
fn serve_demo_prints_the_demo_accounts() {
    let env = env();
    let (ok, out) = run(&env, &["seed", "--demo"]);
    assert!(ok, "{out}");
    for name in ["demo_admin", "demo_moderator", "demo_expert", "demo_learner"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(out.contains("demo-password-2026"));
}

/// `seed --scale` loads its tables without their plain indexes and builds
/// them at the end; the counters it then sets by aggregate statements
/// agree with the rows; its forum has a thread per ten members and about a
/// post per member; its search documents are those the site makes, and
/// SQLite's search indexes merge automatically again afterwards.
#[tokio::test]
async fn the_scale_seed_builds_back_every_index_and_counts_what_it_wrote() {
    use diesel::prelude::*;
    use klearn::demo::scale::LOADED_TABLES;
    use klearn_db::schema::{courses, enrollments, posts, reviews, threads, users};
    let app = crate::common::TestApp::spawn().await;
    let before = app
        .db(|conn| klearn_db::backend::plain_indexes(conn, LOADED_TABLES).unwrap())
        .await;
    assert!(
        before.len() > 20,
        "the loaded tables have their indexes: {before:?}"
    );
    let pool = app.pool.clone();
    let report = tokio::task::spawn_blocking(move || klearn::demo::scale::seed(&pool, 400))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.users, 400);
    assert_eq!(report.threads, 40, "a thread per ten members");
    assert!(
        report.posts > 6 * 40 + 60 && report.posts < 14 * 40 + 60,
        "about ten posts per thread, and the benchmark's 60: {}",
        report.posts
    );
    let after = app
        .db(|conn| klearn_db::backend::plain_indexes(conn, LOADED_TABLES).unwrap())
        .await;
    assert_eq!(after, before, "every index set aside is built again");
    let (learners, enrolled, likes_received, likes, accepted, solved, rated, visible) = app
        .db(|conn| {
            let sum = |v: Vec<i64>| v.iter().sum::<i64>();
            (
                sum(courses::table.select(courses::learners_count).load(conn).unwrap()),
                enrollments::table.count().get_result::<i64>(conn).unwrap(),
                sum(users::table.select(users::likes_received).load(conn).unwrap()),
                sum(posts::table.select(posts::likes_count).load(conn).unwrap()),
                sum(users::table.select(users::accepted_answers).load(conn).unwrap()),
                threads::table
                    .filter(threads::accepted_post_id.is_not_null())
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap(),
                sum(courses::table.select(courses::rating_count).load(conn).unwrap()),
                reviews::table
                    .filter(reviews::state.eq(klearn_db::reviews::ReviewState::Visible))
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap(),
            )
        })
        .await;
    assert_eq!(enrolled as usize, report.enrollments);
    assert_eq!(learners, enrolled, "courses' learner counters");
    assert!(likes > 0);
    assert_eq!(likes_received, likes, "members' likes received");
    assert!(solved > 0);
    assert_eq!(accepted, solved, "members' accepted answers");
    assert!(visible > 0);
    assert_eq!(rated, visible, "courses' rating counters");
    let (documents, posts, indexed, published, differ, automerge) = app
        .db(|conn| {
            use klearn_db::diesel::sql_types::{BigInt, Text};
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            #[derive(QueryableByName, PartialEq, Debug)]
            struct Doc {
                #[diesel(sql_type = Text)]
                title: String,
                #[diesel(sql_type = Text)]
                body: String,
            }
            let count = |c: &mut klearn_db::DbConnection, sql: &str| -> i64 {
                diesel::sql_query(sql).get_result::<N>(c).unwrap().n
            };
            let pg = conn.backend() == klearn_db::Backend::Postgres;
            // A course's document is the one the site writes when it changes.
            let course: i64 = courses::table
                .filter(courses::state.eq(klearn_db::CourseState::Published))
                .select(courses::id)
                .order(courses::id.desc())
                .first::<klearn_db::CourseId>(conn)
                .unwrap()
                .0;
            let key = if pg { "course_id" } else { "rowid" };
            let doc = format!("SELECT title, body FROM course_search WHERE {key} = {course}");
            let seeded: Doc = diesel::sql_query(&doc).get_result(conn).unwrap();
            klearn_db::search::sync_course(conn, klearn_db::CourseId(course)).unwrap();
            let synced: Doc = diesel::sql_query(&doc).get_result(conn).unwrap();
            assert_eq!(seeded, synced, "course {course}'s search document");
            (
                count(conn, "SELECT COUNT(*) AS n FROM post_search"),
                count(conn, "SELECT COUNT(*) AS n FROM posts"),
                count(conn, "SELECT COUNT(*) AS n FROM course_search"),
                count(
                    conn,
                    "SELECT COUNT(*) AS n FROM courses WHERE state = 'published'",
                ),
                // PostgreSQL: each document is what `search_put` makes of its texts.
                pg.then(|| {
                    count(
                        conn,
                        "SELECT COUNT(*) AS n FROM post_search WHERE document <> \
                         setweight(to_tsvector('simple', title), 'A') || \
                         setweight(to_tsvector('simple', body), 'B')",
                    )
                }),
                (!pg).then(|| {
                    count(
                        conn,
                        "SELECT v AS n FROM post_search_config WHERE k = 'automerge'",
                    )
                }),
            )
        })
        .await;
    assert_eq!(documents, posts, "every post is indexed");
    assert_eq!(indexed, published, "every published course is indexed");
    assert_eq!(differ.unwrap_or(0), 0, "PostgreSQL's documents");
    assert_eq!(automerge.unwrap_or(4), 4, "FTS5 merges automatically again");
}
