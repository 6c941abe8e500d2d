//! Points: admins grant and deduct with a reason (never below zero, a
//! double click written once, audited), moderators and learners may not;
//! at checkout the learner sees their balance, may pay at most half of what
//! is due and at most what they have, each refusal with its maximum, and
//! two orders at once cannot both spend the same points.

use klearn::domain::account::Role;
use klearn_db::points::Points;

use crate::common::{unique, TestApp};
use crate::coupons::{balance, checkout, course, grant, member, order, order_count, placed};

#[tokio::test]
async fn admins_grant_and_deduct_points_with_a_reason_and_never_below_zero() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let (user, _) = member(&app, "lrn", &[]).await;
    let page = format!("/admin/users/{}", user.id);
    let action = format!("{page}/points");
    let key = admin.get(&page).await.attrs("input[name=request_key]", "value")[0].clone();
    let res = admin
        .post_form(
            &action,
            &[
                ("amount", "500"),
                ("reason", "beta tester"),
                ("request_key", &key),
            ],
        )
        .await;
    assert_eq!(res.location(), Some(page.as_str()));
    // The same form sent twice (a double click) is written once.
    let again = admin
        .post_form(
            &action,
            &[
                ("amount", "500"),
                ("reason", "beta tester"),
                ("request_key", &key),
            ],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(balance(&app, &user).await, 500);
    let shown = admin.get(&page).await;
    assert!(shown.text().contains("Balance: 500 points"), "{}", shown.text());
    assert!(shown
        .texts(".points-ledger td")
        .iter()
        .any(|t| t.contains("beta tester")));

    for (amount, reason, field, message) in [
        ("0", "x", "points-amount", "other than 0"),
        ("12.5", "x", "points-amount", "whole number"),
        ("abc", "x", "points-amount", "whole number"),
        ("2000000", "x", "points-amount", "At most 1,000,000"),
        ("10", " ", "points-reason", "Say why"),
        ("-501", "cleanup", "points-amount", "it is 500 points"),
    ] {
        let key = admin.get(&page).await.attrs("input[name=request_key]", "value")[0].clone();
        let res = admin
            .post_form(
                &action,
                &[("amount", amount), ("reason", reason), ("request_key", &key)],
            )
            .await;
        assert_eq!(res.status, 422, "{amount} {reason:?}");
        let error = res.texts(&format!("#f-{field}-error")).join(" ");
        assert!(error.contains(message), "{amount}: {error:?}");
        assert_eq!(
            res.attrs("#f-points-amount", "value"),
            vec![amount.to_string()],
            "kept"
        );
    }
    assert_eq!(balance(&app, &user).await, 500);
    grant(&admin, &user, -200).await;
    assert_eq!(balance(&app, &user).await, 300);
    let audit = admin.get("/admin/audit").await.text();
    assert!(audit.contains("points.adjusted"), "{audit}");
    assert_eq!(
        admin
            .post_form("/admin/users/999999/points", &[("amount", "5"), ("reason", "x")])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn moderators_and_learners_may_not_change_points() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let (user, learner) = member(&app, "lrn", &[]).await;
    grant(&admin, &user, 100).await;
    let (_, moderator) = member(&app, "mod", &[Role::Moderator]).await;
    let page = format!("/admin/users/{}", user.id);
    let seen = moderator.get(&page).await;
    assert!(seen.text().contains("Balance: 100 points"));
    assert!(
        seen.attrs("input[name=request_key]", "value").is_empty(),
        "no form for moderators"
    );
    let action = format!("{page}/points");
    let fields = [("amount", "1000"), ("reason", "mine")];
    assert_eq!(moderator.post_form(&action, &fields).await.status, 403);
    learner.get("/checkout").await;
    assert_eq!(learner.post_form(&action, &fields).await.status, 403);
    assert_eq!(balance(&app, &user).await, 100);
}

#[tokio::test]
async fn checkout_shows_the_balance_and_refuses_too_many_points_with_the_maximum() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Points", 9999).await;
    let (user, c) = member(&app, "buyer", &[]).await;
    grant(&admin, &user, 6000).await;
    let page = c.get(&format!("/checkout?course_id={}", rust.id)).await;
    let help = page.texts("#f-points-help").join(" ");
    assert!(
        help.contains("You have 6000 points") && help.contains("up to 4999"),
        "{help}"
    );

    for (points, message) in [
        ("5000", "at most 4999 points"),
        ("-1", "whole number of points"),
        ("1.5", "whole number of points"),
        ("lots", "whole number of points"),
    ] {
        let res = checkout(&c, Some(&rust), "", points).await;
        assert_eq!(res.status, 422, "{points}");
        let error = res.texts("#f-points-error").join(" ");
        assert!(error.contains(message), "{points}: {error:?}");
        assert_eq!(res.attrs("#f-points", "value"), vec![points.to_string()]);
    }
    assert_eq!(order_count(&app).await, 0);
    let (id, _) = placed(&app, &checkout(&c, Some(&rust), "", "4999").await).await;
    let (o, items) = order(&app, id).await;
    assert_eq!((o.points, o.total_cents), (4999, 5000));
    assert_eq!((items[0].points, items[0].paid_cents), (4999, 5000));
    assert_eq!(balance(&app, &user).await, 1001);
    assert!(c.get("/orders").await.text().contains("Your points: 1001"));
    // More than the balance: the message says what they have.
    let res = checkout(&c, Some(&rust), "", "1002").await;
    assert_eq!(res.status, 422);
    assert!(res
        .texts("#f-points-error")
        .join(" ")
        .contains("You have only 1001 points"));
    let key = format!("order:{id}:points");
    assert!(app.db(move |conn| Points::has(conn, &key).unwrap()).await);
}

#[tokio::test]
async fn two_orders_at_once_cannot_both_spend_the_same_points() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let a = course(&app, &expert, "Points Race A", 8000).await;
    let b = course(&app, &expert, "Points Race B", 8000).await;
    let (user, c) = member(&app, "buyer", &[]).await;
    grant(&admin, &user, 3000).await;
    c.get("/checkout").await;
    let (ida, idb) = (a.id.to_string(), b.id.to_string());
    let one = [("course_id", ida.as_str()), ("points", "3000")];
    let two = [("course_id", idb.as_str()), ("points", "3000")];
    let (first, second) = tokio::join!(c.post_form("/checkout", &one), c.post_form("/checkout", &two));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [303, 422], "{} / {}", first.text(), second.text());
    assert_eq!(order_count(&app).await, 1);
    assert_eq!(balance(&app, &user).await, 0, "spent once, and the ledger agrees");
}
