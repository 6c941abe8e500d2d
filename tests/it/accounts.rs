//! Accounts through the real pages: registration, verification, login and
//! its limits, logout, password reset, the settings, deletion, member pages.

use actix_web::{web, HttpResponse};
use klearn::web::{AppError, Verified};
use klearn_db::diesel::prelude::*;
use klearn_db::schema::email_tokens;
use klearn_db::users::User;

use crate::common::{Client, TestApp, TEST_PASSWORD};

const GOOD_PASSWORD: &str = "correct horse battery staple";

async fn register(client: &Client, username: &str, email: &str, password: &str) -> crate::common::Response {
    client.get("/register").await;
    client
        .post_form(
            "/register",
            &[
                ("username", username),
                ("email", email),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
}

async fn find_user(app: &TestApp, username: &str) -> Option<User> {
    let name = username.to_string();
    app.db(move |c| User::find_by_username(c, &name).ok()).await
}

async fn signed_in_as(client: &Client) -> Option<String> {
    let res = client.get("/settings/profile").await;
    (res.status == 200).then(|| {
        res.attrs("a.account-name", "href")
            .first()
            .cloned()
            .unwrap_or_default()
    })
}

#[tokio::test]
async fn a_newcomer_registers_verifies_by_mail_and_logs_out() {
    let app = TestApp::spawn().await;
    let res = register(&app.client, "Ada_Lovelace", "Ada@Example.com", GOOD_PASSWORD).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(res.location(), Some("/"));
    let home = app.client.get("/?lang=en").await;
    assert!(home.text().contains("Welcome to Klearn"), "{}", home.text());
    assert!(home.text().contains("Your email is not verified yet"));
    let user = find_user(&app, "ada_lovelace").await.expect("the account exists");
    assert_eq!(user.username, "Ada_Lovelace");
    assert!(!user.is_verified());
    assert!(user.password_hash.starts_with("$argon2id$"));

    let mail = app.wait_for_mail("Ada@Example.com").await;
    assert_eq!(mail.subject, "请确认你的 Klearn 邮箱");
    let link = mail
        .link(&format!("{}/verify-email?token=", app.address))
        .expect("a verification link");
    let res = app.client.get(&link).await;
    assert_eq!(res.status, 200);
    assert!(find_user(&app, "ada_lovelace").await.unwrap().is_verified());
    // The link works once.
    let again = app.new_client().get(&link).await;
    assert_eq!(again.status, 400);

    let page = app.client.get("/").await;
    assert!(page.text().contains("Ada_Lovelace"));
    let res = app.client.post_form("/logout", &[]).await;
    assert_eq!(res.status, 303);
    let res = app.client.get("/settings/profile").await;
    assert_eq!(res.status, 303);
}

#[tokio::test]
async fn usernames_and_emails_are_unique_in_any_case() {
    let app = TestApp::spawn().await;
    app.user("grace").create().await;
    let other = app.new_client();
    let res = register(&other, "GRACE", "new@example.com", GOOD_PASSWORD).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("用户名已被使用"), "{}", res.text());
    let res = register(&other, "grace2", "GRACE@EXAMPLE.COM", GOOD_PASSWORD).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("这个邮箱已经注册过了"), "{}", res.text());
}

#[tokio::test]
async fn bad_registrations_come_back_with_the_input_but_never_the_password() {
    let app = TestApp::spawn().await;
    app.client.get("/register?lang=en").await;
    for (password, confirm, message) in [
        ("short", "short", "at least 10 characters"),
        (
            &"x".repeat(129)[..],
            &"x".repeat(129)[..],
            "at most 128 characters",
        ),
        ("1234567890", "1234567890", "too common"),
        ("password123", "password123", "too common"),
        ("a fine long password", "a different one!!", "do not match"),
    ] {
        let res = app
            .client
            .post_form(
                "/register",
                &[
                    ("username", "linus_t"),
                    ("email", "linus@example.com"),
                    ("password", password),
                    ("password_confirm", confirm),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{password}");
        assert!(res.text().contains(message), "{password}: {}", res.text());
        assert_eq!(res.attrs("#f-username", "value"), vec!["linus_t".to_string()]);
        assert_eq!(
            res.attrs("#f-email", "value"),
            vec!["linus@example.com".to_string()]
        );
        assert_eq!(res.attrs("#f-password", "value"), vec![String::new()]);
        assert!(!res.body.contains(password), "the password is echoed");
        assert_eq!(res.attrs("#f-password", "aria-invalid"), vec!["true".to_string()]);
    }
    for (username, message) in [
        ("ab", "at least 3"),
        ("has space", "only contain"),
        ("张三丰", "only contain"),
        ("admin", "reserved"),
    ] {
        let res = app
            .client
            .post_form(
                "/register",
                &[
                    ("username", username),
                    ("email", "x@example.com"),
                    ("password", GOOD_PASSWORD),
                    ("password_confirm", GOOD_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{username}");
        assert!(res.text().contains(message), "{username}: {}", res.text());
    }
    assert_eq!(app.db(|c| User::count_live(c).unwrap()).await, 0);
}

#[tokio::test]
async fn forged_and_missing_csrf_tokens_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let fields = [
        ("username", "mallory"),
        ("email", "m@example.com"),
        ("password", GOOD_PASSWORD),
        ("password_confirm", GOOD_PASSWORD),
    ];
    // No page seen, so no token at all.
    let res = app.client.post_form("/register", &fields).await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains("表单已过期"), "{}", res.text());
    app.client.get("/register").await;
    let mut forged = fields.to_vec();
    forged.insert(0, ("csrf_token", "forged-token"));
    assert_eq!(app.client.post_form("/register", &forged).await.status, 403);
    assert!(find_user(&app, "mallory").await.is_none());

    let user = app.user("victim").create().await;
    let stranger = app.new_client();
    let res = stranger
        .post_form(
            "/login",
            &[
                ("csrf_token", ""),
                ("login", &user.username),
                ("password", &user.password),
            ],
        )
        .await;
    assert_eq!(res.status, 403, "login is protected too");

    // A signed-in user: a forged logout does not end the session.
    assert_eq!(app.client.login(&user.username, &user.password).await.status, 303);
    let res = app.client.post_form("/logout", &[("csrf_token", "x")]).await;
    assert_eq!(res.status, 403);
    assert!(signed_in_as(&app.client).await.is_some());
    // A token from before login no longer works after it (it was rotated).
    let guest = app.new_client();
    guest.get("/login").await;
    let old = guest.csrf_token().unwrap();
    guest
        .post_form(
            "/login",
            &[("login", &user.username), ("password", &user.password)],
        )
        .await;
    assert_eq!(
        guest.post_form("/logout", &[("csrf_token", &old)]).await.status,
        403
    );
}

#[tokio::test]
async fn login_works_with_username_or_email_in_any_case_and_fails_with_one_message() {
    let app = TestApp::spawn().await;
    let user = app.user("Hopper").create().await;
    for login in ["Hopper", "hopper", "HOPPER@EXAMPLE.COM"] {
        let c = app.new_client();
        let res = c.login(login, &user.password).await;
        assert_eq!(res.status, 303, "{login}");
        assert!(signed_in_as(&c).await.is_some());
    }
    let c = app.new_client();
    c.get("/login?lang=en").await;
    let wrong = c
        .post_form("/login", &[("login", "hopper"), ("password", "not the password")])
        .await;
    let unknown = c
        .post_form("/login", &[("login", "nobody"), ("password", "not the password")])
        .await;
    assert_eq!((wrong.status, unknown.status), (422, 422));
    let message = "The username, email or password is not right.";
    assert!(wrong.text().contains(message) && unknown.text().contains(message));
    assert_eq!(wrong.attrs("#f-login", "value"), vec!["hopper".to_string()]);
    assert_eq!(wrong.attrs("#f-password", "value"), vec![String::new()]);
    // Failures and logins are on the record, with the address.
    let events = app
        .db(move |c| klearn_db::security::SecurityEvent::recent_for_user(c, user.id, 10).unwrap())
        .await;
    assert!(events
        .iter()
        .any(|e| e.kind == "login_failed" && e.ip == "127.0.0.1"));
    assert!(events.iter().any(|e| e.kind == "login"));
}

#[tokio::test]
async fn five_failures_lock_the_login_and_a_reset_lifts_it() {
    let app = TestApp::spawn().await;
    let user = app.user("turing").verified().create().await;
    let c = app.new_client();
    c.get("/login?lang=en").await;
    for _ in 0..5 {
        let res = c
            .post_form("/login", &[("login", "turing"), ("password", "wrong password!")])
            .await;
        assert_eq!(res.status, 422);
    }
    // Now even the right password is refused, for the name and the address
    // alike: the lockout belongs to the account, whatever was typed.
    for login in ["turing", "TURING@example.com"] {
        let res = c
            .post_form("/login", &[("login", login), ("password", &user.password)])
            .await;
        assert_eq!(res.status, 429, "{login}");
        let retry: i64 = res.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        assert!(res.text().contains("Too many failed attempts"), "{}", res.text());
        assert_eq!(res.attrs("#f-login", "value"), vec![login.to_string()]);
    }
    // Another visitor is locked out of that account too.
    let other = app.new_client();
    assert_eq!(other.login("turing", &user.password).await.status, 429);

    // A password reset lifts it.
    let guest = app.new_client();
    guest.get("/password/forgot").await;
    let res = guest
        .post_form("/password/forgot", &[("email", &user.email)])
        .await;
    assert_eq!(res.status, 303);
    let mail = app.wait_for_mail(&user.email).await;
    let link = mail
        .link(&format!("{}/password/reset?token=", app.address))
        .expect("a reset link");
    let res = guest.get(&link).await;
    assert_eq!(res.status, 200);
    let res = guest
        .post_form(
            &link,
            &[
                ("password", "a brand new password"),
                ("password_confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/login"));
    assert_eq!(
        app.new_client()
            .login("turing", "a brand new password")
            .await
            .status,
        303
    );
    // The old password is gone.
    assert_eq!(app.new_client().login("turing", &user.password).await.status, 422);
}

#[tokio::test]
async fn one_address_gets_a_looser_limit_across_all_logins() {
    let app = TestApp::spawn().await;
    let c = app.new_client();
    c.get("/login").await;
    for i in 0..50 {
        let res = c
            .post_form(
                "/login",
                &[("login", &format!("nobody{i}")), ("password", "wrong password!")],
            )
            .await;
        assert_eq!(res.status, 422, "attempt {i}");
    }
    let user = app.user("knuth").create().await;
    assert_eq!(
        c.post_form("/login", &[("login", "knuth"), ("password", &user.password)])
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = TestApp::builder()
        .env("KLEARN_TRUSTED_PROXIES", "127.0.0.1")
        .spawn()
        .await;
    let user = app.user("lamport").create().await;
    let c = app.new_client();
    c.get_with("/login", &[("X-Forwarded-For", "203.0.113.7")]).await;
    let token = c.csrf_token().unwrap();
    let form = [
        ("csrf_token", token.as_str()),
        ("login", "lamport"),
        ("password", TEST_PASSWORD),
    ];
    let res = c
        .http
        .post(app.url("/login"))
        .header("X-Forwarded-For", "203.0.113.7")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let events = app
        .db(move |c| klearn_db::security::SecurityEvent::recent_for_user(c, user.id, 5).unwrap())
        .await;
    assert_eq!(events[0].ip, "203.0.113.7");
}

#[tokio::test]
async fn reset_links_work_once_and_expire() {
    let app = TestApp::spawn().await;
    let user = app.user("dijkstra").create().await;
    let guest = app.new_client();
    guest.get("/password/forgot").await;
    guest
        .post_form("/password/forgot", &[("email", &user.email)])
        .await;
    let mail = app.wait_for_mail(&user.email).await;
    assert!(mail.subject.contains("重设"), "{}", mail.subject);
    let link = mail
        .link(&format!("{}/password/reset?token=", app.address))
        .unwrap();
    guest.get(&link).await;
    let fields = [
        ("password", "first new password"),
        ("password_confirm", "first new password"),
    ];
    assert_eq!(guest.post_form(&link, &fields).await.status, 303);
    guest.get("/password/forgot").await;
    let res = guest
        .post_form(
            &link,
            &[
                ("password", "second new password"),
                ("password_confirm", "second new password"),
            ],
        )
        .await;
    assert_eq!(res.status, 400, "a used token");
    assert_eq!(guest.get(&link).await.status, 400);

    // A fresh token that has expired.
    guest
        .post_form("/password/forgot", &[("email", &user.email)])
        .await;
    for _ in 0..100 {
        if app.inbox().iter().filter(|m| m.subject.contains("重设")).count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mails: Vec<_> = app
        .inbox()
        .into_iter()
        .filter(|m| m.subject.contains("重设"))
        .collect();
    let link = mails
        .last()
        .unwrap()
        .link(&format!("{}/password/reset?token=", app.address))
        .unwrap();
    app.db(move |c| {
        klearn_db::diesel::update(email_tokens::table.filter(email_tokens::used_at.is_null()))
            .set(email_tokens::expires_at.eq(klearn_db::now() - chrono::Duration::minutes(1)))
            .execute(c)
            .unwrap();
    })
    .await;
    let res = guest.get(&link).await;
    assert_eq!(res.status, 400);
    assert!(res.text().contains("过期"), "{}", res.text());
    // And the tokens are stored hashed, never as sent.
    let token = link.split("token=").nth(1).unwrap().to_string();
    let stored: Vec<String> = app
        .db(|c| {
            email_tokens::table
                .select(email_tokens::token_hash)
                .load(c)
                .unwrap()
        })
        .await;
    assert!(!stored.contains(&token));
}

#[tokio::test]
async fn forgot_password_says_the_same_whether_or_not_the_account_exists() {
    let app = TestApp::spawn().await;
    let user = app.user("liskov").create().await;
    let c = app.new_client();
    c.get("/password/forgot?lang=en").await;
    let known = c.post_form("/password/forgot", &[("email", &user.email)]).await;
    let unknown = c
        .post_form("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!((known.status, known.location()), (303, Some("/login")));
    assert_eq!((unknown.status, unknown.location()), (303, Some("/login")));
    let a = c.get("/login").await.text();
    assert!(a.contains("If that address has a Klearn account"), "{a}");
    let bad = c
        .post_form("/password/forgot", &[("email", "not an email")])
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.attrs("#f-email", "value"), vec!["not an email".to_string()]);
}

#[tokio::test]
async fn a_session_is_dead_after_logout_even_if_its_cookie_is_replayed() {
    let app = TestApp::spawn().await;
    let user = app.user("ritchie").create().await;
    app.client.login(&user.username, &user.password).await;
    let stolen = app.client.cookies();
    assert!(stolen.contains("klearn_session="), "{stolen}");
    app.client.get("/").await;
    assert_eq!(app.client.post_form("/logout", &[]).await.status, 303);
    let thief = app.new_client();
    thief.set_cookies(&stolen);
    assert_eq!(thief.get("/settings/profile").await.status, 303);
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let app = TestApp::spawn().await;
    let user = app.user("thompson").create().await;
    app.client.get("/login").await;
    let before = app.client.cookies();
    assert!(
        before.contains("klearn_session="),
        "a pre-session holds the login form's token"
    );
    app.client
        .post_form(
            "/login",
            &[("login", &user.username), ("password", &user.password)],
        )
        .await;
    let after = app.client.cookies();
    let session = |c: &str| {
        c.split("; ")
            .find(|p| p.starts_with("klearn_session="))
            .map(str::to_string)
    };
    assert_ne!(session(&before), session(&after));
    // The planted pre-login session does not become a signed-in one.
    let planted = app.new_client();
    planted.set_cookies(&before);
    assert_eq!(planted.get("/settings/profile").await.status, 303);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let user = app.user("kernighan").create().await;
    let laptop = app.new_client();
    let phone = app.new_client();
    laptop.login(&user.username, &user.password).await;
    phone.login(&user.username, &user.password).await;
    let laptop_old_cookie = laptop.cookies();
    laptop.get("/settings/password").await;
    let res = laptop
        .post_form(
            "/settings/password",
            &[
                ("current_password", &user.password),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(signed_in_as(&laptop).await.is_some(), "this session goes on");
    assert_eq!(
        phone.get("/settings/profile").await.status,
        303,
        "the other session ended"
    );
    let replay = app.new_client();
    replay.set_cookies(&laptop_old_cookie);
    assert_eq!(
        replay.get("/settings/profile").await.status,
        303,
        "the old cookie is dead"
    );
    let mail = app.wait_for_mail(&user.email).await;
    assert!(mail.subject.contains("密码已修改"), "{}", mail.subject);
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = TestApp::spawn().await;
    let user = app.user("wirth").create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/password?lang=en").await;
    let res = app
        .client
        .post_form(
            "/settings/password",
            &[
                ("current_password", "not it at all"),
                ("password", GOOD_PASSWORD),
                ("password_confirm", GOOD_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("The current password is not right"));
    assert_eq!(
        app.new_client()
            .login(&user.username, &user.password)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn deleting_the_account_erases_it_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let user = app.user("hamming").verified().create().await;
    let other = app.new_client();
    other.login(&user.username, &user.password).await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/delete").await;
    let res = app
        .client
        .post_form("/settings/delete", &[("current_password", "wrong one here")])
        .await;
    assert_eq!(res.status, 422);
    let res = app
        .client
        .post_form("/settings/delete", &[("current_password", &user.password)])
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(other.get("/settings/profile").await.status, 303);
    assert_eq!(app.client.get("/u/hamming").await.status, 404);
    let row = app.db(move |c| User::find(c, user.id).unwrap()).await;
    assert!(row.is_deleted());
    assert!(!row.email.contains("hamming") && !row.username.contains("hamming"));
    assert_eq!(
        app.new_client().login("hamming", &user.password).await.status,
        422
    );
    // The name is free again.
    let res = register(&app.new_client(), "hamming", "hamming@example.com", GOOD_PASSWORD).await;
    assert_eq!(res.status, 303);
}

#[tokio::test]
async fn a_new_email_is_used_only_once_confirmed() {
    let app = TestApp::spawn().await;
    let user = app.user("shannon").verified().create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/email").await;
    let res = app
        .client
        .post_form(
            "/settings/email",
            &[
                ("email", "claude@example.org"),
                ("current_password", "wrong password"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.attrs("#f-email", "value"),
        vec!["claude@example.org".to_string()]
    );
    let res = app
        .client
        .post_form(
            "/settings/email",
            &[
                ("email", "claude@example.org"),
                ("current_password", &user.password),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        find_user(&app, "shannon").await.unwrap().email,
        user.email,
        "not changed yet"
    );
    let notice = app.wait_for_mail(&user.email).await;
    assert!(notice.text.contains("claude@example.org"));
    let confirm = app.wait_for_mail("claude@example.org").await;
    let link = confirm
        .link(&format!("{}/verify-email?token=", app.address))
        .unwrap();
    assert_eq!(app.new_client().get(&link).await.status, 200);
    assert_eq!(
        find_user(&app, "shannon").await.unwrap().email,
        "claude@example.org"
    );
    assert_eq!(
        app.new_client()
            .login("claude@example.org", &user.password)
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn an_address_taken_by_another_account_cannot_be_moved_to() {
    let app = TestApp::spawn().await;
    let a = app.user("alpha").create().await;
    let b = app.user("bravo").create().await;
    app.client.login(&a.username, &a.password).await;
    app.client.get("/settings/email").await;
    let res = app
        .client
        .post_form(
            "/settings/email",
            &[
                ("email", &b.email.to_uppercase()),
                ("current_password", &a.password),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("已经注册过"), "{}", res.text());
}

fn probes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/__verified",
        web::get().to(|Verified(user): Verified| async move {
            Ok::<_, AppError>(HttpResponse::Ok().body(user.username))
        }),
    );
}

#[tokio::test]
async fn unverified_users_are_stopped_where_verification_is_needed() {
    let app = TestApp::builder().routes(probes).spawn().await;
    let unverified = app.user("newbie").create().await;
    let verified = app.user("regular").verified().create().await;
    assert_eq!(
        app.client.get("/__verified").await.status,
        303,
        "a guest goes to login"
    );
    app.client.login(&unverified.username, &unverified.password).await;
    let res = app.client.get("/__verified?lang=en").await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains("needs a verified email"), "{}", res.text());
    let c = app.new_client();
    c.login(&verified.username, &verified.password).await;
    assert_eq!(c.get("/__verified").await.status, 200);
}

#[tokio::test]
async fn resending_the_verification_mail_is_rate_limited() {
    let app = TestApp::spawn().await;
    let user = app.user("eager").create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/email").await;
    for _ in 0..3 {
        assert_eq!(
            app.client.post_form("/settings/verification", &[]).await.status,
            303
        );
    }
    let res = app.client.post_form("/settings/verification", &[]).await;
    assert_eq!(res.status, 429);
}

#[tokio::test]
async fn guests_go_to_login_and_come_back_but_never_to_another_site() {
    let app = TestApp::spawn().await;
    let user = app.user("cerf").create().await;
    let res = app.client.get("/settings/email?x=1").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some("/login?next=%2Fsettings%2Femail%3Fx%3D1"));
    let page = app.client.get(res.location().unwrap()).await;
    assert_eq!(
        page.attrs("input[name=next]", "value"),
        vec!["/settings/email?x=1".to_string()]
    );
    let res = app
        .client
        .post_form(
            "/login",
            &[
                ("login", "cerf"),
                ("password", &user.password),
                ("next", "/settings/email?x=1"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/settings/email?x=1"));
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let c = app.new_client();
        c.get(&format!("/login?next={}", urlencode(evil))).await;
        let res = c
            .post_form(
                "/login",
                &[("login", "cerf"), ("password", &user.password), ("next", evil)],
            )
            .await;
        assert_eq!(res.location(), Some("/"), "{evil}");
    }
    // Signed in, the login page sends you home.
    assert_eq!(app.client.get("/login").await.location(), Some("/"));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

#[tokio::test]
async fn the_profile_is_edited_with_an_avatar_and_shown_on_the_member_page() {
    let app = TestApp::spawn().await;
    let user = app.user("babbage").create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/profile?lang=en").await;
    let texts = [
        ("display_name", "Charles Babbage"),
        ("bio", "I built the **Difference Engine**."),
        ("locale", "en"),
        ("interests", "Hardware, 数学, hardware"),
    ];
    let res = app
        .client
        .post_multipart(
            "/settings/profile",
            &texts,
            vec![("avatar", "me.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let page = app.client.get("/u/BABBAGE").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<html lang=\"en\">"),
        "the saved language is used"
    );
    assert!(page.text().contains("Charles Babbage"));
    assert!(page.body.contains("<strong>Difference Engine</strong>"));
    assert_eq!(page.select(".tag-list li").len(), 2);
    let avatar = page.attrs("img.avatar", "src");
    assert_eq!(avatar.len(), 1);
    let img = app.client.http.get(app.url(&avatar[0])).send().await.unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    assert!(
        !page.text().contains("babbage@example.com"),
        "the email is not public"
    );

    // A wrong file type: 422, the text kept, nothing changed.
    app.client.get("/settings/profile").await;
    let texts = [
        ("display_name", "Changed Name"),
        ("bio", "new bio"),
        ("locale", "en"),
        ("interests", ""),
    ];
    let res = app
        .client
        .post_multipart(
            "/settings/profile",
            &texts,
            vec![("avatar", "me.png", b"%PDF-1.4 not an image".to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.text().contains("This type of file is not accepted"),
        "{}",
        res.text()
    );
    assert_eq!(
        res.attrs("#f-display_name", "value"),
        vec!["Changed Name".to_string()]
    );
    assert!(app
        .client
        .get("/u/babbage")
        .await
        .text()
        .contains("Charles Babbage"));

    // Without the CSRF token first, the form is refused before the file is read.
    let stranger = app.new_client();
    stranger.login(&user.username, &user.password).await;
    let form = reqwest::multipart::Form::new()
        .part(
            "avatar",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("x.png"),
        )
        .text("csrf_token", stranger.csrf_token().unwrap());
    let res = stranger
        .http
        .post(app.url("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn script_in_names_and_bios_is_shown_as_text() {
    let app = TestApp::spawn().await;
    let user = app.user("eve").create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/profile").await;
    let texts = [
        ("display_name", "<script>alert('name')</script>"),
        (
            "bio",
            "<img src=x onerror=alert(1)> [x](javascript:alert(2)) <script>alert(3)</script>",
        ),
        ("locale", "zh-CN"),
        ("interests", "<b>tag</b>"),
    ];
    let res = app
        .client
        .post_multipart("/settings/profile", &texts, vec![])
        .await;
    assert_eq!(res.status, 303);
    for path in ["/u/eve", "/", "/settings/profile"] {
        let page = app.client.get(path).await;
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(page.select("[onerror]").is_empty(), "{path}");
        assert!(!page.body.contains("href=\"javascript"), "{path}");
        assert!(!page.body.contains("<b>tag</b>"), "{path}");
    }
    assert!(app
        .client
        .get("/u/eve")
        .await
        .text()
        .contains("<script>alert('name')</script>"));
}

#[tokio::test]
async fn profile_limits_come_back_with_messages() {
    let app = TestApp::spawn().await;
    let user = app.user("verbose").create().await;
    app.client.login(&user.username, &user.password).await;
    app.client.get("/settings/profile?lang=en").await;
    let long_name = "n".repeat(51);
    let long_bio = "b".repeat(5001);
    let texts = [
        ("display_name", long_name.as_str()),
        ("bio", long_bio.as_str()),
        ("locale", "fr"),
        ("interests", "a,b,c,d,e,f,g,h,i,j,k"),
    ];
    let res = app
        .client
        .post_multipart("/settings/profile", &texts, vec![])
        .await;
    assert_eq!(res.status, 422);
    let text = res.text();
    for message in [
        "at most 50 characters",
        "at most 5,000 characters",
        "Choose a language",
        "at most 10 interests",
    ] {
        assert!(text.contains(message), "{message}: {text}");
    }
    assert_eq!(res.attrs("#f-display_name", "value"), vec![long_name]);
}

#[tokio::test]
async fn unknown_and_deleted_members_are_404() {
    let app = TestApp::spawn().await;
    assert_eq!(app.client.get("/u/nobody-here").await.status, 404);
}

#[tokio::test]
async fn session_cookies_are_http_only_lax_and_host_prefixed_when_secure() {
    let app = TestApp::builder()
        .env("KLEARN_COOKIE_SECURE", "true")
        .spawn()
        .await;
    let res = app.client.get("/login").await;
    let cookie = res
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("klearn_session="))
        .expect("a pre-session cookie")
        .to_string();
    assert!(cookie.starts_with("__Host-klearn_session="), "{cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");
}

#[tokio::test]
async fn sessions_expire_when_idle_or_old_and_the_daily_job_removes_them() {
    use klearn_db::schema::sessions;
    let app = TestApp::spawn().await;
    let user = app.user("sleepy").create().await;
    app.client.login(&user.username, &user.password).await;
    let row = app
        .db(move |c| {
            sessions::table
                .filter(sessions::user_id.eq(user.id))
                .select(klearn_db::sessions::SessionRow::as_select())
                .first(c)
                .unwrap()
        })
        .await;
    let now = klearn_db::now();
    let idle_days = (row.expires_at - now).num_hours() as f64 / 24.0;
    let absolute_days = (row.absolute_expires_at - now).num_hours() as f64 / 24.0;
    assert!((13.9..=14.0).contains(&idle_days), "{idle_days}");
    assert!((89.9..=90.0).contains(&absolute_days), "{absolute_days}");
    // Past its idle expiry, the session no longer signs anyone in.
    app.db(move |c| {
        klearn_db::diesel::update(sessions::table.filter(sessions::user_id.eq(user.id)))
            .set(sessions::expires_at.eq(klearn_db::now() - chrono::Duration::seconds(1)))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(app.client.get("/settings/profile").await.status, 303);
    // The cleanup job removes the dead row.
    let id = app
        .db(|c| {
            klearn_db::jobs::Job::enqueue(
                c,
                &klearn::jobs::new_job(&klearn::jobs::daily::DailyCleanup).unwrap(),
            )
            .unwrap()
        })
        .await;
    for _ in 0..200 {
        let job = app.db(move |c| klearn_db::jobs::Job::find(c, id).unwrap()).await;
        if job.status == klearn_db::jobs::DONE {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let left: i64 = app
        .db(move |c| {
            sessions::table
                .filter(sessions::user_id.eq(user.id))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    assert_eq!(left, 0);
}
