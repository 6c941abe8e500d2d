//! The session loader: one query reads a request's session with its user,
//! roles and certification, and whatever changed in the database since the
//! last request (by this instance or another) holds on the next one; a
//! session kept by another instance hears of it within a second.

use klearn::domain::account::Role;
use klearn_db::diesel::prelude::*;
use klearn_db::schema::{expert_applications, sessions, users};
use klearn_db::users::User;
use klearn_db::{ExpertState, UserId};

use std::time::{Duration, Instant};

use crate::common::{unique, Client, TestApp};

/// Asks `path` until it answers `status` (another instance rereads the
/// accounts' generation at least once a second).
async fn until_status(client: &Client, path: &str, status: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.get(path).await.status != status {
        assert!(Instant::now() < deadline, "instance B never saw {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn live_sessions(app: &TestApp, id: UserId) -> i64 {
    app.db(move |c| klearn_db::sessions::SessionRow::count_live_for_user(c, id).unwrap())
        .await
}

#[tokio::test]
async fn a_suspension_written_elsewhere_ends_the_session_on_the_next_request() {
    let app = TestApp::spawn().await;
    let user = app.user("suspended_later").verified().create().await;
    app.client.login(&user.username, &user.password).await;
    assert_eq!(app.client.get("/settings/profile").await.status, 200);
    // Only the user row changes (as another instance, or a half-done write,
    // could leave it): the session row is still there.
    app.db(move |c| {
        klearn_db::diesel::update(users::table.find(user.id))
            .set(users::suspended_until.eq(Some(klearn_db::now() + chrono::Duration::days(1))))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(live_sessions(&app, user.id).await, 1);
    assert_eq!(app.client.get("/settings/profile").await.status, 303);
    assert_eq!(live_sessions(&app, user.id).await, 0, "the session ended");
}

#[tokio::test]
async fn an_erased_or_vanished_user_has_no_session() {
    let app = TestApp::spawn().await;
    let erased = app.user("erased_later").verified().create().await;
    app.client.login(&erased.username, &erased.password).await;
    app.db(move |c| {
        klearn_db::diesel::update(users::table.find(erased.id))
            .set(users::deleted_at.eq(Some(klearn_db::now())))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(app.client.get("/settings/profile").await.status, 303);
    assert_eq!(live_sessions(&app, erased.id).await, 0);

    // A session row whose user id names nobody any more.
    let gone = app.user("gone_later").verified().create().await;
    let client = app.new_client();
    client.login(&gone.username, &gone.password).await;
    app.db(move |c| {
        klearn_db::diesel::update(sessions::table.filter(sessions::user_id.eq(gone.id)))
            .set(sessions::state.eq(r#"{"uid":"999999999"}"#))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(client.get("/settings/profile").await.status, 303);
    assert_eq!(live_sessions(&app, gone.id).await, 0);
}

#[tokio::test]
async fn a_role_granted_or_revoked_holds_on_the_next_request() {
    let app = TestApp::spawn().await;
    let user = app.user("promoted").verified().create().await;
    app.client.login(&user.username, &user.password).await;
    assert_eq!(app.client.get("/admin").await.status, 403);
    app.db(move |c| User::grant_role(c, user.id, Role::Moderator.as_str(), None).unwrap())
        .await;
    assert_eq!(app.client.get("/admin").await.status, 200);
    app.db(move |c| User::revoke_role(c, user.id, Role::Moderator.as_str()).unwrap())
        .await;
    assert_eq!(app.client.get("/admin").await.status, 403);
    assert_eq!(
        app.client.get("/settings/profile").await.status,
        200,
        "still signed in"
    );
}

#[tokio::test]
async fn an_experts_certification_is_seen_on_the_next_request() {
    let app = TestApp::spawn().await;
    let free_only = "studio.free_only";
    let expert = app.user("certified_expert").verified().certified().create().await;
    app.client.login(&expert.username, &expert.password).await;
    let studio = app.client.get("/studio?lang=en").await;
    assert_eq!(studio.status, 200);
    assert!(
        studio.select(".alert-info").is_empty(),
        "{free_only}: {:?}",
        studio.select(".alert-info")
    );
    // Revoked (directly in the database): on the next request, free courses only.
    app.db(move |c| {
        klearn_db::diesel::update(
            expert_applications::table.filter(expert_applications::user_id.eq(expert.id)),
        )
        .set(expert_applications::state.eq(ExpertState::Revoked))
        .execute(c)
        .unwrap();
    })
    .await;
    let studio = app.client.get("/studio?lang=en").await;
    assert!(
        studio.text().contains("you can publish free courses only"),
        "{free_only} shown once revoked"
    );

    // An expert by role alone was never certified.
    let uncertified = app
        .user("role_only_expert")
        .verified()
        .role(Role::Expert)
        .create()
        .await;
    let client = app.new_client();
    client.login(&uncertified.username, &uncertified.password).await;
    assert!(client
        .get("/studio?lang=en")
        .await
        .text()
        .contains("you can publish free courses only"));
}

#[tokio::test]
async fn the_loaded_user_is_never_stored_nor_taken_from_the_stored_state() {
    let app = TestApp::spawn().await;
    let user = app.user("plain_learner").verified().create().await;
    let admin = app.user("the_admin").verified().role(Role::Admin).create().await;
    app.client.login(&user.username, &user.password).await;
    let stored = move |c: &mut klearn_db::DbConnection| {
        sessions::table
            .filter(sessions::user_id.eq(user.id))
            .select((sessions::state, sessions::expires_at))
            .first::<(String, chrono::NaiveDateTime)>(c)
            .unwrap()
    };
    // Last seen long ago: the next request marks it seen today, which writes
    // the state and pushes the idle expiry forward.
    let (state, _) = app.db(stored).await;
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&state).unwrap();
    map.insert("seen".into(), serde_json::Value::String("\"2000-01-01\"".into()));
    let aged = serde_json::to_string(&map).unwrap();
    let long_ago = klearn_db::now() + chrono::Duration::days(1);
    app.db(move |c| {
        klearn_db::diesel::update(sessions::table.filter(sessions::user_id.eq(user.id)))
            .set((sessions::state.eq(aged), sessions::expires_at.eq(long_ago)))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(app.client.get("/settings/profile").await.status, 200);
    let (state, expires_at) = app.db(stored).await;
    let today = klearn_db::now().date().to_string();
    assert!(state.contains(&today), "seen today: {state}");
    assert!(
        expires_at > klearn_db::now() + chrono::Duration::days(13),
        "{expires_at}"
    );
    assert!(!state.contains(klearn::web::session::LOADED_USER), "{state}");
    // A stored state that carried the reserved key, naming an admin, grants nothing.
    let planted = format!(
        r#"{{"uid":"{}","{}":"{{\"id\":{},\"username\":\"the_admin\",\"display_name\":\"\",\"email\":\"a@example.com\",\"verified\":true,\"locale\":\"en\",\"roles\":[\"admin\"],\"certified\":false}}"}}"#,
        user.id.0,
        klearn::web::session::LOADED_USER,
        admin.id.0
    );
    app.db(move |c| {
        klearn_db::diesel::update(sessions::table.filter(sessions::user_id.eq(user.id)))
            .set(sessions::state.eq(planted))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(app.client.get("/admin").await.status, 403);
    assert_eq!(app.client.get("/settings/profile").await.status, 200);
}

#[tokio::test]
async fn a_session_kept_by_one_instance_hears_of_changes_made_through_another() {
    let a = TestApp::spawn().await;
    let secret = String::from_utf8(a.settings.secret_key.clone()).unwrap();
    let b = TestApp::builder()
        .env("DATABASE_URL", &a.settings.database_url)
        .env("KLEARN_SECRET_KEY", &secret)
        .spawn()
        .await;
    let admin = a
        .user(&unique("root"))
        .verified()
        .role(Role::Admin)
        .create()
        .await;
    let member = a.user(&unique("member")).verified().create().await;
    let on_a = a.new_client();
    assert_eq!(on_a.login(&member.username, &member.password).await.status, 303);
    // The same browser session on instance B, which keeps it once read.
    let on_b = b.new_client();
    on_b.set_cookies(&on_a.cookies());
    assert_eq!(on_b.get("/settings/profile").await.status, 200);
    assert_eq!(on_b.get("/admin").await.status, 403);

    // A role given on A…
    let staff = a.new_client();
    staff.login(&admin.username, &admin.password).await;
    staff.get(&format!("/admin/users/{}", member.id)).await;
    let roles = format!("/admin/users/{}/roles", member.id);
    assert_eq!(
        staff.post_form(&roles, &[("roles", "moderator")]).await.status,
        303
    );
    assert_eq!(on_a.get("/admin").await.status, 200, "at once where it was made");
    until_status(&on_b, "/admin", 200, "the role given").await;

    // …and a sign-out on A end the kept session on B.
    on_a.get("/settings/profile").await;
    assert_eq!(on_a.post_form("/logout", &[]).await.status, 303);
    assert_eq!(on_a.get("/settings/profile").await.status, 303);
    until_status(&on_b, "/settings/profile", 303, "the sign-out").await;
    assert_eq!(live_sessions(&a, member.id).await, 0);
}

/// The store keeps the sessions it read: a page costs no session query. A
/// row changed behind the use cases' back (no generation moved) is not read
/// again, while a change made through a use case is seen at once.
#[tokio::test]
async fn a_read_session_is_kept_until_the_accounts_generation_moves() {
    let app = TestApp::spawn().await;
    let user = app.user("kept_member").verified().create().await;
    app.client.login(&user.username, &user.password).await;
    assert_eq!(app.client.get("/settings/profile").await.status, 200);
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = pool.get().unwrap();
        klearn_db::diesel::delete(sessions::table.filter(sessions::user_id.eq(user.id)))
            .execute(&mut c)
            .unwrap();
    })
    .await
    .unwrap();
    assert_eq!(
        app.client.get("/settings/profile").await.status,
        200,
        "the kept session was used, not read again"
    );
    // A role given (with nothing else announcing it) moves the accounts'
    // generation: the session is read again, and it is gone.
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = pool.get().unwrap();
        User::grant_role(&mut c, user.id, Role::Moderator.as_str(), None).unwrap();
    })
    .await
    .unwrap();
    assert_eq!(app.client.get("/settings/profile").await.status, 303);
}
