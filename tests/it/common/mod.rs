//! The test harness: `TestApp::spawn()`, a client with a cookie jar that fills
//! `csrf_token`, a mail inbox over the `.eml` files, and a local SMTP server.

#![allow(dead_code)]

pub mod pg;
pub mod smtp;

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use klearn::app::ExtraRoutes;
use klearn::{Application, Settings};
use klearn_db::Pool;
use rand::RngCore;

/// One running application with its own database and data dir.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub settings: Settings,
    pub pool: Pool,
    pub client: Client,
    pub data_dir: tempfile::TempDir,
    /// The forum's reading buffer, flushed when a test chooses.
    pub reading: std::sync::Arc<klearn::forum::reading::Reading>,
    handle: ServerHandle,
    pg_database: Option<pg::TestDatabase>,
}

/// Whether this run is against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("KLEARN_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A second client with its own cookie jar: another visitor.
    pub fn new_client(&self) -> Client {
        Client::new(&self.address)
    }

    /// The services the use cases get, as the running application has them.
    pub fn services(&self) -> klearn::services::Services {
        klearn::services::Services::new(std::sync::Arc::new(self.settings.clone())).expect("services")
    }

    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut klearn_db::DbConnection) -> T + Send + 'static,
    ) -> T {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a test connection");
            let value = f(&mut conn);
            // Whatever a test wrote behind the use cases' back, the guest
            // page cache and the kept sessions hear of as a change (as they
            // would from a use case).
            klearn_db::public_write_tx(&mut conn, klearn_db::generations::bump_accounts)
                .expect("the site's and the accounts' generations move");
            value
        })
        .await
        .expect("test db task")
    }

    /// Lets `user` post again at once as a member of some standing: their
    /// account is made two days old (past the first day's limits and the
    /// hold on new accounts' links) and their latest posts are moved back
    /// past the time between posts. The rules stay as they are; the test
    /// moves the clock of its own data.
    pub async fn wait_out_posting(&self, user: klearn_db::UserId) {
        use diesel::prelude::*;
        use klearn_db::schema::{posts, users};
        self.db(move |conn| {
            let now = klearn_db::now();
            let joined = now - chrono::Duration::days(2);
            diesel::update(users::table.find(user).filter(users::created_at.gt(joined)))
                .set(users::created_at.eq(joined))
                .execute(conn)
                .expect("account aged");
            let waited = now - chrono::Duration::seconds(31);
            diesel::update(
                posts::table
                    .filter(posts::author_id.eq(user))
                    .filter(posts::created_at.gt(waited)),
            )
            .set(posts::created_at.eq(waited))
            .execute(conn)
            .expect("posts moved back");
        })
        .await
    }

    /// Writes the forum's reading buffer now, as its interval would.
    pub async fn flush_reading(&self) {
        let (reading, pool) = (self.reading.clone(), self.pool.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a test connection");
            reading.flush(&mut conn).expect("reading flushed")
        })
        .await
        .expect("flush task");
    }

    /// Waits until no job is due or running (the start-up's daily jobs
    /// among them), so that a test sees the site at rest.
    pub async fn jobs_settled(&self) {
        use diesel::prelude::*;
        use klearn_db::schema::jobs;
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let pool = self.pool.clone();
            let busy: i64 = tokio::task::spawn_blocking(move || {
                let mut conn = pool.get().expect("a test connection");
                jobs::table
                    .filter(jobs::status.eq_any([klearn_db::jobs::PENDING, klearn_db::jobs::RUNNING]))
                    .filter(jobs::run_at.le(klearn_db::now()))
                    .count()
                    .get_result(&mut conn)
                    .expect("jobs counted")
            })
            .await
            .expect("test db task");
            if busy == 0 {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "jobs never settled");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The mail written to the data dir, oldest first.
    pub fn inbox(&self) -> Vec<Mail> {
        Mail::read_dir(&self.settings.mail_dir())
    }

    /// Waits up to 10 s for a mail to `to` in the data dir.
    pub async fn wait_for_mail(&self, to: &str) -> Mail {
        for _ in 0..200 {
            if let Some(m) = self.inbox().into_iter().find(|m| m.to.contains(to)) {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail to {to} arrived within 10 s");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop accepting; the database (on PostgreSQL) is dropped with FORCE.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { handle.stop(false).await });
        }
    }
}

/// The sandbox provider's webhook key in tests, so that tests can sign events.
pub const WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789abcdef";

#[derive(Default)]
pub struct TestAppBuilder {
    smtp_url: Option<String>,
    extra: Option<ExtraRoutes>,
    demo: bool,
    no_payments: bool,
    env: Vec<(String, String)>,
}

impl TestAppBuilder {
    pub fn smtp(mut self, url: String) -> Self {
        self.smtp_url = Some(url);
        self
    }

    pub fn routes(mut self, extra: ExtraRoutes) -> Self {
        self.extra = Some(extra);
        self
    }

    /// Loads the demo community before serving, like `serve --demo`.
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Serves without a payment provider, as a site that has not set one up.
    pub fn without_payments(mut self) -> Self {
        self.no_payments = true;
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub async fn spawn(self) -> TestApp {
        klearn::telemetry::init();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let pg_database = if on_postgres() {
            Some(
                tokio::task::spawn_blocking(pg::TestDatabase::create)
                    .await
                    .expect("pg task"),
            )
        } else {
            None
        };
        let database_url = match &pg_database {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}/klearn.sqlite3", data_dir.path().display()),
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        let address = format!("http://127.0.0.1:{port}");
        let mut secret = [0u8; 48];
        rand::rng().fill_bytes(&mut secret);
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), database_url),
            ("KLEARN_DATA_DIR".into(), data_dir.path().display().to_string()),
            ("KLEARN_BIND".into(), format!("127.0.0.1:{port}")),
            ("KLEARN_BASE_URL".into(), address.clone()),
            ("KLEARN_SECRET_KEY".into(), hex::encode(secret)),
        ]);
        if !self.no_payments {
            vars.insert("KLEARN_PAYMENTS".into(), "sandbox".into());
            vars.insert("KLEARN_PAYMENT_WEBHOOK_SECRET".into(), WEBHOOK_SECRET.into());
        }
        if let Some(smtp) = self.smtp_url {
            vars.insert("KLEARN_SMTP_URL".into(), smtp);
        }
        vars.extend(self.env);
        let mut settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
        settings.job_poll_interval = Duration::from_millis(50);
        settings.http_workers = Some(1);
        if self.demo {
            klearn::cli::load_demo(&settings).await.expect("demo loads");
        }
        let app = Application::build_on(settings.clone(), listener, self.extra.unwrap_or(|_| {}))
            .await
            .expect("the application builds");
        let pool = app.pool();
        let handle = app.handle();
        let reading = app.reading();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            client: Client::new(&address),
            address,
            port,
            settings,
            pool,
            data_dir,
            reading,
            handle,
            pg_database,
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects, and puts
/// the `csrf_token` of the last page it saw into the forms it posts.
pub struct Client {
    base: String,
    pub http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    csrf: Mutex<Option<String>>,
}

pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    /// The text of the page with tags removed and white space folded, for
    /// asserting on what a person reads.
    pub fn text(&self) -> String {
        let doc = scraper::Html::parse_document(&self.body);
        let text: Vec<&str> = doc.root_element().text().collect();
        text.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The values of attribute `name` on the elements that match `css`.
    pub fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(css).expect("a valid selector");
        doc.select(&sel)
            .filter_map(|e| e.value().attr(name).map(str::to_string))
            .collect()
    }

    /// The text content of the elements that match, whitespace collapsed.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(css).expect("a valid selector");
        doc.select(&sel)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn select(&self, css: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let sel = scraper::Selector::parse(css).expect("a valid selector");
        doc.select(&sel).map(|e| e.html()).collect()
    }
}

impl Client {
    pub fn new(base: &str) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            // A fresh connection per request: a pooled one can be closed by
            // the server's keep-alive timer just as a request goes out on it,
            // which a loaded machine turns into a spurious failure.
            .pool_max_idle_per_host(0)
            .build()
            .expect("http client");
        Self {
            base: base.to_string(),
            http,
            jar,
            csrf: Mutex::new(None),
        }
    }

    /// The `Cookie` header this client would send.
    pub fn cookies(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    /// Puts cookies (as a `Cookie` header's value) into this client's jar:
    /// replaying another browser's cookies.
    pub fn set_cookies(&self, header: &str) {
        let url: reqwest::Url = self.base.parse().unwrap();
        for pair in header.split("; ").filter(|p| !p.is_empty()) {
            self.jar.add_cookie_str(&format!("{pair}; Path=/"), &url);
        }
    }

    /// Logs in through the real pages.
    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post_form("/login", &[("login", login), ("password", password)])
            .await
    }

    /// Posts a multipart form; the CSRF token goes first, as browsers send
    /// hidden fields in document order.
    pub async fn post_multipart(
        &self,
        path: &str,
        texts: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Response {
        let mut form = reqwest::multipart::Form::new();
        if let Some(token) = self.csrf.lock().unwrap().clone() {
            form = form.text("csrf_token", token);
        }
        for (k, v) in texts {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, filename, bytes) in files {
            form = form.part(
                field.to_string(),
                reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
            );
        }
        let res = self
            .http
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .expect("POST");
        self.finish(res).await
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    async fn finish(&self, res: reqwest::Response) -> Response {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.unwrap_or_default();
        if let Some(token) = find_csrf(&body) {
            *self.csrf.lock().unwrap() = Some(token);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        let res = self.http.get(self.url(path)).send().await.expect("GET");
        self.finish(res).await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = self.http.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("GET");
        self.finish(res).await
    }

    /// Posts a form, adding the `csrf_token` of the last page seen unless the
    /// fields carry their own.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "csrf_token") {
            if let Some(token) = self.csrf.lock().unwrap().clone() {
                all.insert(0, ("csrf_token".into(), token));
            }
        }
        let res = self
            .http
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .expect("POST");
        self.finish(res).await
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }
}

/// The steps people take in the studio and the review queue, as one call
/// each: the page is opened first (for its form's token), then the form sent.
impl Client {
    /// The owner sends their course to review.
    pub async fn submit_course(&self, id: klearn_db::CourseId) -> Response {
        self.get(&format!("/studio/courses/{id}/edit")).await;
        self.post_form(&format!("/studio/courses/{id}/submit"), &[]).await
    }

    /// The owner saves a lesson's form (multipart, with optional files).
    pub async fn edit_lesson(
        &self,
        lesson: klearn_db::LessonId,
        texts: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Response {
        self.get(&format!("/studio/lessons/{lesson}/edit")).await;
        self.post_multipart(&format!("/studio/lessons/{lesson}/edit"), texts, files)
            .await
    }

    /// The owner adds a lesson to a chapter.
    pub async fn add_lesson(&self, chapter: klearn_db::ChapterId, texts: &[(&str, &str)]) -> Response {
        self.get(&format!("/studio/chapters/{chapter}/lessons/new")).await;
        self.post_multipart(&format!("/studio/chapters/{chapter}/lessons/new"), texts, vec![])
            .await
    }

    /// A moderator approves a course in review.
    pub async fn approve_course(&self, id: klearn_db::CourseId) -> Response {
        self.get("/admin/courses").await;
        self.post_form(&format!("/admin/courses/{id}/approve"), &[]).await
    }

    /// A moderator rejects a course in review.
    pub async fn reject_course(&self, id: klearn_db::CourseId, reason: &str) -> Response {
        self.get("/admin/courses").await;
        self.post_form(&format!("/admin/courses/{id}/reject"), &[("reason", reason)])
            .await
    }

    /// The id of the course's waiting revision, as the review queue shows it.
    pub async fn waiting_revision(&self, id: klearn_db::CourseId) -> Option<String> {
        let queue = self.get("/admin/courses").await;
        let css = format!("form[action=\"/admin/courses/{id}/approve\"] input[name=revision]");
        queue.attrs(&css, "value").into_iter().next()
    }

    /// A moderator approves the waiting changes of a course learners can see.
    pub async fn approve_changes(&self, id: klearn_db::CourseId) -> Response {
        let revision = self
            .waiting_revision(id)
            .await
            .expect("changes waiting for review");
        self.post_form(
            &format!("/admin/courses/{id}/approve"),
            &[("revision", &revision)],
        )
        .await
    }

    /// A moderator turns down the waiting changes of a course.
    pub async fn reject_changes(&self, id: klearn_db::CourseId, reason: &str) -> Response {
        let revision = self
            .waiting_revision(id)
            .await
            .expect("changes waiting for review");
        self.post_form(
            &format!("/admin/courses/{id}/reject"),
            &[("revision", &revision), ("reason", reason)],
        )
        .await
    }
}

fn find_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// A mail as the recipient sees it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub headers: Vec<(String, String)>,
    pub path: PathBuf,
}

impl Mail {
    pub fn parse(raw: &[u8], path: PathBuf) -> Mail {
        let parsed = mailparse::parse_mail(raw).expect("a parsable mail");
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .unwrap_or_default()
        };
        let mut text = String::new();
        let mut html = String::new();
        for part in parsed.parts() {
            match part.ctype.mimetype.as_str() {
                "text/plain" => text = part.get_body().unwrap_or_default(),
                "text/html" => html = part.get_body().unwrap_or_default(),
                _ => {}
            }
        }
        Mail {
            to: header("To"),
            from: header("From"),
            subject: header("Subject"),
            text,
            html,
            headers: parsed
                .headers
                .iter()
                .map(|h| (h.get_key(), h.get_value()))
                .collect(),
            path,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn read_dir(dir: &std::path::Path) -> Vec<Mail> {
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
                    .collect()
            })
            .unwrap_or_default();
        entries.sort();
        entries
            .into_iter()
            .filter_map(|(_, p)| Some(Mail::parse(&std::fs::read(&p).ok()?, p)))
            .collect()
    }

    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(|w| w.trim_end_matches(['.', ',', ')']).to_string())
    }
}

/// A test account, made directly in the database.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: klearn_db::UserId,
    pub username: String,
    pub email: String,
    pub password: String,
}

/// Builds accounts for tests: `app.user("ada").verified().role(Role::Admin).create().await`.
pub struct UserBuilder<'a> {
    app: &'a TestApp,
    username: String,
    verified: bool,
    roles: Vec<klearn::domain::account::Role>,
    certified: Option<Vec<String>>,
}

pub const TEST_PASSWORD: &str = "a long test password 2026";

/// One hash for every test account: argon2 is slow on purpose.
fn test_password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| klearn::accounts::password::Passwords::hash_blocking(TEST_PASSWORD).unwrap())
}

impl TestApp {
    pub fn user(&self, username: &str) -> UserBuilder<'_> {
        UserBuilder {
            app: self,
            username: username.to_string(),
            verified: false,
            roles: Vec::new(),
            certified: None,
        }
    }
}

impl UserBuilder<'_> {
    pub fn verified(mut self) -> Self {
        self.verified = true;
        self
    }

    pub fn role(mut self, role: klearn::domain::account::Role) -> Self {
        self.roles.push(role);
        self
    }

    /// A certified expert: the expert role and an application that went
    /// through its last step (trial → certified) in topic `rust`.
    pub fn certified(self) -> Self {
        self.certified_in(&["rust"])
    }

    /// A certified expert in these topics.
    pub fn certified_in(mut self, topics: &[&str]) -> Self {
        self.certified = Some(topics.iter().map(|t| t.to_string()).collect());
        self.roles.push(klearn::domain::account::Role::Expert);
        self
    }

    pub async fn create(self) -> TestUser {
        let username = self.username.clone();
        let email = format!("{}@example.com", username.to_lowercase());
        let (verified, roles, certified) = (self.verified, self.roles.clone(), self.certified);
        let hash = test_password_hash().to_string();
        let mail = email.clone();
        let id = self
            .app
            .db(move |conn| {
                let mut new = klearn_db::users::NewUser::new(&username, &mail, &hash, "zh-CN");
                if verified {
                    new.email_verified_at = Some(klearn_db::now());
                }
                let user = match klearn_db::users::User::create(conn, &new) {
                    Ok(u) => u,
                    Err(e) => panic!("test user {username}: {e:?}"),
                };
                for role in roles {
                    klearn_db::users::User::grant_role(conn, user.id, role.as_str(), None).unwrap();
                }
                if let Some(topics) = certified {
                    use klearn_db::experts::{Application, ExpertState, NewApplication};
                    let now = klearn_db::now();
                    let new = NewApplication {
                        user_id: user.id,
                        state: ExpertState::Trial,
                        real_name: format!("Real {username}"),
                        headline: format!("{username}, engineer"),
                        bio: "Builds things.".into(),
                        bio_html: "<p>Builds things.</p>".into(),
                        years: 8,
                        links: "https://example.com/me".into(),
                        sample_outline: "1. One".into(),
                        sample_outline_html: "<ol><li>One</li></ol>".into(),
                        created_at: now,
                        updated_at: now,
                    };
                    let Ok(application) = Application::file(conn, &new, &topics, &[]) else {
                        panic!("test certification of {username}");
                    };
                    assert!(Application::move_state(
                        conn,
                        application.id,
                        ExpertState::Trial,
                        ExpertState::Certified,
                        "",
                        None
                    )
                    .unwrap());
                }
                user.id
            })
            .await;
        TestUser {
            id,
            username: self.username,
            email,
            password: TEST_PASSWORD.to_string(),
        }
    }
}

/// A string that each call makes different, for names that must not collide.
pub fn unique(prefix: &str) -> String {
    let mut b = [0u8; 4];
    rand::rng().fill_bytes(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

/// A course made directly in the database, with its lessons' ids in order.
#[derive(Debug, Clone)]
pub struct TestCourse {
    pub id: klearn_db::CourseId,
    pub slug: String,
    pub chapter: klearn_db::ChapterId,
    pub lessons: Vec<klearn_db::LessonId>,
}

/// Builds courses for tests: `app.course(&expert).price(19900).lesson("Intro", true).published().create().await`.
pub struct CourseBuilder<'a> {
    app: &'a TestApp,
    owner: klearn_db::UserId,
    title: String,
    description: String,
    price_cents: i64,
    state: klearn_db::CourseState,
    lessons: Vec<(String, bool, String, String)>,
    level: &'static str,
    format: &'static str,
    category: &'static str,
    tags: Vec<String>,
    learners: i64,
    ratings: (i64, i64),
    age_days: i64,
    /// How the lessons' tasks are handed in, when due, whether required.
    task_terms: (&'static str, Option<i32>, bool),
}

impl TestApp {
    pub fn course(&self, owner: &TestUser) -> CourseBuilder<'_> {
        CourseBuilder {
            app: self,
            owner: owner.id,
            title: unique("Course "),
            description: "A description".into(),
            price_cents: 0,
            state: klearn_db::CourseState::Draft,
            lessons: Vec::new(),
            level: "beginner",
            format: "text",
            category: "rust",
            tags: Vec::new(),
            learners: 0,
            ratings: (0, 0),
            age_days: 0,
            task_terms: ("text", None, true),
        }
    }
}

impl CourseBuilder<'_> {
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    pub fn price(mut self, cents: i64) -> Self {
        self.price_cents = cents;
        self
    }

    pub fn published(mut self) -> Self {
        self.state = klearn_db::CourseState::Published;
        self
    }

    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }

    pub fn level(mut self, level: &'static str) -> Self {
        self.level = level;
        self
    }

    pub fn format(mut self, format: &'static str) -> Self {
        self.format = format;
        self
    }

    pub fn category(mut self, slug: &'static str) -> Self {
        self.category = slug;
        self
    }

    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Sets the learner count as enrollments would have.
    pub fn learners(mut self, n: i64) -> Self {
        self.learners = n;
        self
    }

    /// Sets the rating sum and count as reviews would have.
    pub fn ratings(mut self, sum: i64, count: i64) -> Self {
        self.ratings = (sum, count);
        self
    }

    /// Published this many days ago.
    pub fn age_days(mut self, days: i64) -> Self {
        self.age_days = days;
        self
    }

    /// A lesson with a Markdown body and optional task instructions.
    /// The terms of every lesson's task: its kind (`text`, `link`, `file`),
    /// due days after enrollment, and whether completion needs it.
    pub fn task_terms(mut self, kind: &'static str, due_days: Option<i32>, required: bool) -> Self {
        self.task_terms = (kind, due_days, required);
        self
    }

    pub fn lesson(mut self, title: &str, free_preview: bool, body: &str, task: &str) -> Self {
        self.lessons.push((
            title.to_string(),
            free_preview,
            body.to_string(),
            task.to_string(),
        ));
        self
    }

    pub async fn create(self) -> TestCourse {
        let CourseBuilder {
            owner,
            title,
            description,
            price_cents,
            state,
            lessons,
            level,
            format,
            category,
            tags,
            learners,
            ratings,
            age_days,
            task_terms,
            ..
        } = self;
        self.app
            .db(move |conn| {
                use klearn_db::courses::*;
                let category = klearn_db::categories::Category::list(conn, klearn_db::categories::COURSE)
                    .unwrap()
                    .into_iter()
                    .find(|c| c.slug == category)
                    .map(|c| c.id);
                let content = CourseContent {
                    title: title.clone(),
                    subtitle: "A subtitle".into(),
                    description_html: klearn::markdown::render(&description),
                    description,
                    outcomes: "- one".into(),
                    outcomes_html: "<ul><li>one</li></ul>".into(),
                    price_cents,
                    cover_upload_id: None,
                    tags,
                };
                let settings = CourseSettings {
                    category_id: category,
                    level: level.into(),
                    format: format.into(),
                };
                let slug = klearn::domain::course::slugify(&title);
                let course = Course::create(conn, owner, &slug, &content, &settings).unwrap();
                let chapter = Chapter::create(conn, course.id, "Chapter one").unwrap();
                let mut ids = Vec::new();
                for (title, free_preview, body, task) in lessons {
                    let fields = LessonFields {
                        title,
                        body_html: klearn::markdown::render(&body),
                        body,
                        free_preview,
                        duration_minutes: 10,
                        task_instructions_html: klearn::markdown::render(&task),
                        task_kind: (!task.is_empty()).then(|| task_terms.0.to_string()),
                        task_due_days: task_terms.1.filter(|_| !task.is_empty()),
                        task_max_score: 100,
                        task_required: task_terms.2,
                        task_instructions: task,
                    };
                    ids.push(Lesson::create(conn, &chapter, &fields, None).unwrap().id);
                }
                if state == CourseState::Published {
                    // As a moderator's approval leaves it: published, all of it approved.
                    Course::move_state(conn, course.id, CourseState::Draft, CourseState::InReview, None)
                        .unwrap();
                    Course::move_state(
                        conn,
                        course.id,
                        CourseState::InReview,
                        CourseState::Published,
                        None,
                    )
                    .unwrap();
                    Chapter::approve_all(conn, course.id).unwrap();
                }
                {
                    use klearn_db::diesel::prelude::*;
                    use klearn_db::schema::courses as c;
                    let published_at = klearn_db::now() - chrono::Duration::days(age_days);
                    klearn_db::diesel::update(c::table.find(course.id))
                        .set((
                            c::learners_count.eq(learners),
                            c::rating_sum.eq(ratings.0),
                            c::rating_count.eq(ratings.1),
                            c::published_at.eq((state == CourseState::Published).then_some(published_at)),
                        ))
                        .execute(conn)
                        .unwrap();
                    // What the use cases keep in step with these counters.
                    klearn_db::experts::refresh_figures(conn, course.id).unwrap();
                }
                TestCourse {
                    id: course.id,
                    slug: course.slug,
                    chapter: chapter.id,
                    lessons: ids,
                }
            })
            .await
    }
}

/// Routes that answer with a chosen error (`/__probe/{code}`), mounted by tests
/// that look at error pages.
pub fn probes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route(
        "/__probe/{code}",
        actix_web::web::get().to(|code: actix_web::web::Path<u16>| async move {
            match code.into_inner() {
                403 => Err(klearn::web::AppError::Forbidden),
                404 => Err(klearn::web::AppError::NotFound),
                409 => Err(klearn::web::AppError::Conflict),
                422 => Ok(actix_web::HttpResponse::UnprocessableEntity().body("plain 422")),
                429 => Err(klearn::web::AppError::TooManyRequests { retry_after_secs: 60 }),
                _ => Err(klearn::web::AppError::internal(anyhow::anyhow!(
                    "secret cause: SELECT password FROM users"
                ))),
            }
        }),
    );
}
