//! The admin shell and roles: who may see it, who may change roles, and the
//! audit log that records it.

use klearn::domain::account::Role;
use klearn_db::audit::{AuditEntry, AuditFilter};
use klearn_db::users::User;

use crate::common::TestApp;

#[tokio::test]
async fn guests_go_to_login_and_learners_get_403() {
    let app = TestApp::spawn().await;
    for path in ["/admin", "/admin/users", "/admin/users/1", "/admin/audit"] {
        let res = app.client.get(path).await;
        assert_eq!(res.status, 303, "{path}");
        assert!(res.location().unwrap().starts_with("/login?next="), "{path}");
    }
    let learner = app.user("learner").verified().create().await;
    let expert = app.user("expert").verified().role(Role::Expert).create().await;
    for user in [learner, expert] {
        let c = app.new_client();
        c.login(&user.username, &user.password).await;
        for path in ["/admin", "/admin/users", "/admin/audit"] {
            let res = c.get(path).await;
            assert_eq!(res.status, 403, "{} at {path}", user.username);
            assert!(res.header("content-type").unwrap().starts_with("text/html"));
        }
        assert!(
            c.get("/").await.select("a[href='/admin']").is_empty(),
            "no admin link for {}",
            user.username
        );
    }
}

#[tokio::test]
async fn moderators_see_the_shell_but_cannot_change_roles() {
    let app = TestApp::spawn().await;
    let moderator = app.user("mod_mary").role(Role::Moderator).create().await;
    let target = app.user("target").create().await;
    app.client.login(&moderator.username, &moderator.password).await;
    assert_eq!(app.client.get("/").await.select("a[href='/admin']").len(), 1);
    let dash = app.client.get("/admin?lang=en").await;
    assert_eq!(dash.status, 200);
    assert!(dash.text().contains("Sign-ups today"));
    let page = app.client.get(&format!("/admin/users/{}", target.id)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.select("form[action$='/roles']").is_empty(),
        "no role form for moderators"
    );
    let res = app
        .client
        .post_form(
            &format!("/admin/users/{}/roles", target.id),
            &[("roles", "admin")],
        )
        .await;
    assert_eq!(res.status, 403);
    let roles = app.db(move |c| User::roles(c, target.id).unwrap()).await;
    assert!(roles.is_empty());
}

#[tokio::test]
async fn admins_grant_and_revoke_roles_and_each_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.user("root_ann").role(Role::Admin).create().await;
    let target = app.user("future_mod").create().await;
    app.client.login(&admin.username, &admin.password).await;
    let page = app.client.get(&format!("/admin/users/{}", target.id)).await;
    assert_eq!(page.select("form[action$='/roles']").len(), 1);
    let path = format!("/admin/users/{}/roles", target.id);
    let res = app
        .client
        .post_form(&path, &[("roles", "moderator"), ("roles", "expert")])
        .await;
    assert_eq!(res.status, 303);
    let roles = app.db(move |c| User::roles(c, target.id).unwrap()).await;
    assert_eq!(roles, vec!["expert", "moderator"]);
    // The new moderator reaches the admin page at once.
    let c = app.new_client();
    c.login(&target.username, &target.password).await;
    assert_eq!(c.get("/admin").await.status, 200);

    app.client.get(&format!("/admin/users/{}", target.id)).await;
    app.client.post_form(&path, &[("roles", "expert")]).await;
    assert_eq!(c.get("/admin").await.status, 403, "revoked at once");
    let bad = app.client.post_form(&path, &[("roles", "emperor")]).await;
    assert_eq!(bad.status, 400);

    let (entries, _) = app
        .db(|c| AuditEntry::list(c, &AuditFilter::default(), 1, 50).unwrap())
        .await;
    let actions: Vec<(String, String, Option<String>)> = entries
        .iter()
        .map(|r| (r.entry.action.clone(), r.entry.note.clone(), r.actor.clone()))
        .collect();
    assert!(
        actions.contains(&(
            "user.role_grant".into(),
            "moderator".into(),
            Some("root_ann".into())
        )),
        "{actions:?}"
    );
    assert!(actions.contains(&("user.role_grant".into(), "expert".into(), Some("root_ann".into()))));
    assert!(actions.contains(&(
        "user.role_revoke".into(),
        "moderator".into(),
        Some("root_ann".into())
    )));

    // The audit page lists them, filtered by actor and kind.
    let page = app
        .client
        .get("/admin/audit?actor=root_ann&kind=user.role_revoke")
        .await;
    assert_eq!(page.select("tbody tr").len(), 1, "{}", page.text());
    let none = app.client.get("/admin/audit?actor=nobody").await;
    assert!(none.select("tbody tr").is_empty());
}

#[tokio::test]
async fn an_admin_cannot_remove_their_own_admin_role() {
    let app = TestApp::spawn().await;
    let admin = app.user("only_admin").role(Role::Admin).create().await;
    app.client.login(&admin.username, &admin.password).await;
    app.client.get("/admin").await;
    let res = app
        .client
        .post_form(
            &format!("/admin/users/{}/roles", admin.id),
            &[("roles", "expert")],
        )
        .await;
    assert_eq!(res.status, 303);
    let roles = app.db(move |c| User::roles(c, admin.id).unwrap()).await;
    assert_eq!(roles, vec!["admin"]);
}

#[tokio::test]
async fn users_are_found_by_name_or_email_and_pages_stay_in_range() {
    let app = TestApp::spawn().await;
    let admin = app.user("finder").role(Role::Moderator).create().await;
    for name in ["zed_one", "zed_two", "other"] {
        app.user(name).create().await;
    }
    app.client.login(&admin.username, &admin.password).await;
    let res = app.client.get("/admin/users?q=ZED").await;
    assert_eq!(res.select("tbody tr").len(), 2);
    let res = app.client.get("/admin/users?q=other%40example.com").await;
    assert_eq!(res.select("tbody tr").len(), 1);
    for page in ["999", "0", "-3", "abc"] {
        let res = app.client.get(&format!("/admin/users?page={page}")).await;
        assert_eq!(res.status, 200, "page={page}");
        assert_eq!(res.select("tbody tr").len(), 4, "page={page}");
    }
    // A user's page shows roles, sessions and security events.
    let page = app
        .client
        .get(&format!("/admin/users/{}?lang=en", admin.id))
        .await;
    assert!(page.text().contains("Live sessions"));
    assert!(page.text().contains("Logged in"), "{}", page.text());
    assert_eq!(app.client.get("/admin/users/999999").await.status, 404);
}
