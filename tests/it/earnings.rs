//! Expert earnings and payouts: each paid item credits its expert's share,
//! pending for 14 days then available; payouts never exceed the available
//! balance, a second click of the same form or two payouts at once move
//! money once, the expert is mailed a statement; the ledgers reconcile to
//! the fen; and who may see and do what.

use klearn_db::diesel::prelude::*;
use klearn_db::earnings::{Earnings, Payouts};
use klearn_db::schema::{audit_log, earnings, order_items};
use klearn_db::{OrderState, UserId};

use crate::common::{Client, TestApp, TestUser};
use crate::refunds::{admin, buy, course_of, expert, learner, moderator, signed_in, wait_for_order, PRICE};

/// Makes every earning of the expert available now (time moves on 14 days).
async fn time_passes(app: &TestApp, expert: UserId) {
    app.db(move |conn| {
        klearn_db::diesel::update(earnings::table.filter(earnings::expert_id.eq(expert)))
            .set(earnings::available_at.eq(klearn_db::now() - chrono::Duration::minutes(1)))
            .execute(conn)
            .unwrap();
    })
    .await;
}

async fn balances(app: &TestApp, expert: UserId) -> klearn_db::earnings::Balances {
    app.db(move |conn| Earnings::balances(conn, expert, klearn_db::now()).unwrap())
        .await
}

/// The payout form as the admin opens it: its request key.
async fn payout_form(a: &Client) -> String {
    let page = a.get("/admin/payouts").await;
    assert_eq!(page.status, 200);
    page.attrs("input[name=request_key]", "value")
        .pop()
        .expect("the form carries a request key")
}

async fn pay_out(a: &Client, key: &str, expert: &TestUser, amount: &str) -> crate::common::Response {
    a.post_form(
        "/admin/payouts",
        &[
            ("request_key", key),
            ("expert", &expert.username),
            ("amount", amount),
            ("reference", "BANK-2026-001"),
        ],
    )
    .await
}

#[tokio::test]
async fn earnings_are_pending_for_fourteen_days_then_available() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    let order = buy(&app, &c, &[&course]).await;
    let paid_at = crate::refunds::order(&app, order).await.paid_at.unwrap();
    let row = app
        .db(move |conn| Earnings::rows_for(conn, teacher.id, None).unwrap().remove(0))
        .await;
    assert_eq!(row.earning.amount_cents, 6930);
    assert_eq!(
        row.earning.entry_key,
        format!("sale:{}", row.earning.order_item_id)
    );
    assert_eq!(row.earning.available_at, paid_at + chrono::Duration::days(14));

    let t = signed_in(&app, &teacher).await;
    let page = t.get("/studio/earnings").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.texts(".balance-pending")[0].split(' ').next(),
        Some("¥69.30")
    );
    assert_eq!(page.texts(".balance-available"), ["¥0"]);
    assert!(page.text().contains(&row.course_title));
    let b = balances(&app, teacher.id).await;
    assert_eq!((b.pending, b.available()), (6930, 0));

    time_passes(&app, teacher.id).await;
    let page = t.get("/studio/earnings").await;
    assert_eq!(page.texts(".balance-available"), ["¥69.30"]);
    assert_eq!(page.texts(".balance-pending")[0].split(' ').next(), Some("¥0"));
    // Per month: this month's row with one sale.
    let month = chrono::Utc::now()
        .with_timezone(&app.settings.timezone)
        .format("%Y-%m")
        .to_string();
    assert!(page.text().contains(&month));
}

#[tokio::test]
async fn a_payout_above_the_available_balance_is_refused() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    buy(&app, &c, &[&course]).await;
    let a = admin(&app).await;
    // Pending earnings cannot be paid out.
    let key = payout_form(&a).await;
    let res = pay_out(&a, &key, &teacher, "0.01").await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("超过了专家的可结算余额"));
    time_passes(&app, teacher.id).await;
    let res = pay_out(&a, &key, &teacher, "69.31").await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("超过了专家的可结算余额"));
    assert_eq!(
        res.attrs("input[name=amount]", "value"),
        ["69.31"],
        "the typed amount is kept"
    );
    // Bad input, each with its message.
    for (amount, message) in [
        ("0", "金额必须大于零"),
        ("-5", "金额必须大于零"),
        ("", "请填写金额"),
        ("12.345", "请以元为单位"),
        ("abc", "请以元为单位"),
    ] {
        let res = pay_out(&a, &key, &teacher, amount).await;
        assert_eq!(res.status, 422, "{amount}");
        assert!(res.text().contains(message), "{amount}: {}", res.text());
    }
    let res = a
        .post_form(
            "/admin/payouts",
            &[
                ("request_key", &key),
                ("expert", "nobody_at_all"),
                ("amount", "1"),
                ("reference", "X"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("没有这个用户名的成员"));
    let res = a
        .post_form(
            "/admin/payouts",
            &[
                ("request_key", &key),
                ("expert", &teacher.username),
                ("amount", "1"),
                ("reference", " "),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("请填写转账流水号"));
    assert_eq!(
        app.db(move |conn| Payouts::total_for(conn, teacher.id).unwrap())
            .await,
        0
    );
    // Exactly the available balance is fine.
    let res = pay_out(&a, &key, &teacher, "69.30").await;
    assert_eq!(res.location(), Some("/admin/payouts"));
    assert_eq!(balances(&app, teacher.id).await.available(), 0);
}

#[tokio::test]
async fn a_payout_is_audited_and_mailed_and_a_second_click_is_the_same_payout() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    buy(&app, &c, &[&course]).await;
    time_passes(&app, teacher.id).await;
    let a = admin(&app).await;
    let key = payout_form(&a).await;
    let first = pay_out(&a, &key, &teacher, "50").await;
    assert_eq!(first.location(), Some("/admin/payouts"));
    // The same form again (a double click): answered as done, nothing more paid.
    let second = pay_out(&a, &key, &teacher, "50").await;
    assert_eq!(second.location(), Some("/admin/payouts"));
    let tid = teacher.id;
    let (payouts, audited) = app
        .db(move |conn| {
            let payouts = Payouts::for_expert(conn, tid).unwrap();
            let audited: i64 = audit_log::table
                .filter(audit_log::action.eq("payout.recorded"))
                .count()
                .get_result(conn)
                .unwrap();
            (payouts, audited)
        })
        .await;
    assert_eq!(payouts.len(), 1);
    assert_eq!(payouts[0].amount_cents, 5000);
    assert_eq!(audited, 1);
    assert_eq!(balances(&app, teacher.id).await.available(), 1930);
    let mail = crate::refunds::wait_for_subject(&app, &teacher.email, "结算").await;
    for line in ["¥50", "BANK-2026-001", "¥69.30", "¥19.30", "销售"] {
        assert!(mail.text.contains(line), "{line} in {}", mail.text);
    }
    let page = a.get("/admin/payouts").await;
    assert!(page.text().contains(&teacher.username) && page.text().contains("¥19.30"));
    let t = signed_in(&app, &teacher).await;
    let mine = t.get("/studio/earnings").await;
    assert!(mine.text().contains("BANK-2026-001"));
    assert_eq!(mine.texts(".balance-paid-out"), ["¥50"]);
}

#[tokio::test]
async fn two_payouts_at_once_cannot_both_pass() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    buy(&app, &c, &[&course]).await;
    time_passes(&app, teacher.id).await;
    let (a, b) = (admin(&app).await, admin(&app).await);
    let (ka, kb) = (payout_form(&a).await, payout_form(&b).await);
    assert_ne!(ka, kb);
    let (x, y) = tokio::join!(
        pay_out(&a, &ka, &teacher, "69.30"),
        pay_out(&b, &kb, &teacher, "69.30")
    );
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [303, 422]);
    // And the same form twice at once: one payout.
    let more = course_of(&app, &teacher, PRICE, 2).await;
    buy(&app, &c, &[&more]).await;
    time_passes(&app, teacher.id).await;
    let key = payout_form(&a).await;
    let (x, y) = tokio::join!(
        pay_out(&a, &key, &teacher, "10"),
        pay_out(&a, &key, &teacher, "10")
    );
    assert_eq!((x.status, y.status), (303, 303));
    let tid = teacher.id;
    let payouts = app.db(move |conn| Payouts::for_expert(conn, tid).unwrap()).await;
    let amounts: Vec<i64> = payouts.iter().map(|p| p.amount_cents).collect();
    assert_eq!(amounts, [1000, 6930]);
    assert_eq!(balances(&app, teacher.id).await.available(), 6930 - 1000);
}

#[tokio::test]
async fn the_ledgers_reconcile_to_the_fen_after_sales_refunds_and_payouts() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let prices = [9999, 1, 3333, 12345];
    let mut courses = Vec::new();
    for price in prices {
        courses.push(course_of(&app, &teacher, price, 2).await);
    }
    let (_, c) = learner(&app).await;
    let all: Vec<_> = courses.iter().collect();
    let order = buy(&app, &c, &all[..3]).await;
    let (_, c2) = learner(&app).await;
    let other = buy(&app, &c2, &all[3..]).await;
    let a = admin(&app).await;
    // Refund one item of the first order and the whole second one.
    let one = crate::refunds::items(&app, order).await[2].id;
    a.post_form(
        &format!("/admin/orders/{order}/refund"),
        &[("item_ids", &one.to_string())],
    )
    .await;
    wait_for_order(&app, order, OrderState::PartiallyRefunded).await;
    a.post_form(&format!("/admin/orders/{other}/refund"), &[]).await;
    wait_for_order(&app, other, OrderState::Refunded).await;
    time_passes(&app, teacher.id).await;
    let key = payout_form(&a).await;
    assert_eq!(pay_out(&a, &key, &teacher, "10.00").await.status, 303);

    let tid = teacher.id;
    let (paid_items, refunded_items, total, payouts) = app
        .db(move |conn| {
            let rows: Vec<(i64, String)> = order_items::table
                .filter(order_items::order_id.eq_any([order, other]))
                .select((order_items::paid_cents, order_items::state))
                .load(conn)
                .unwrap();
            let share = |p: i64| p * 70 / 100;
            let paid: i64 = rows.iter().map(|(p, _)| share(*p)).sum();
            let refunded: i64 = rows
                .iter()
                .filter(|(_, s)| s == "refunded")
                .map(|(p, _)| share(*p))
                .sum();
            (
                paid,
                refunded,
                Earnings::total_for(conn, tid).unwrap(),
                Payouts::total_for(conn, tid).unwrap(),
            )
        })
        .await;
    // 9999 → 6999, 1 → 0, 3333 → 2333 (refunded), 12345 → 8641 (refunded).
    assert_eq!(paid_items, 6999 + 2333 + 8641);
    assert_eq!(refunded_items, 2333 + 8641);
    assert_eq!(total, paid_items - refunded_items);
    let b = balances(&app, teacher.id).await;
    assert_eq!(b.pending, 0);
    assert_eq!(b.earned_available, total);
    assert_eq!(b.available(), total - payouts);
    assert_eq!(payouts, 1000);
}

#[tokio::test]
async fn only_experts_see_earnings_and_only_admins_pay_out() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let (_, learner_client) = learner(&app).await;
    assert_eq!(learner_client.get("/studio/earnings").await.status, 403);
    let guest = app.new_client();
    let res = guest.get("/studio/earnings").await;
    assert!(res.location().unwrap_or("").starts_with("/login"));
    let t = signed_in(&app, &teacher).await;
    assert_eq!(t.get("/studio/earnings").await.status, 200);
    let m = moderator(&app).await;
    for who in [&learner_client, &t, &m] {
        assert_eq!(who.get("/admin/payouts").await.status, 403);
        let res = who
            .post_form(
                "/admin/payouts",
                &[
                    ("request_key", "abc123"),
                    ("expert", &teacher.username),
                    ("amount", "1"),
                    ("reference", "X"),
                ],
            )
            .await;
        assert_eq!(res.status, 403);
    }
    let tid = teacher.id;
    assert_eq!(
        app.db(move |conn| Payouts::total_for(conn, tid).unwrap()).await,
        0
    );
}

#[tokio::test]
async fn a_course_bought_twice_in_two_tabs_earns_once() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    // Two orders placed before either is paid.
    let mut payments = Vec::new();
    for _ in 0..2 {
        let res = c
            .post_form("/checkout", &[("course_id", &course.id.to_string())])
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let to = res.location().unwrap().to_string();
        payments.push(to);
    }
    for to in &payments {
        let res = c.post_form(to, &[("outcome", "success")]).await;
        assert_eq!(res.status, 303);
    }
    app.jobs_settled().await;
    let tid = teacher.id;
    let (rows, total) = app
        .db(move |conn| {
            (
                Earnings::rows_for(conn, tid, None).unwrap().len(),
                Earnings::total_for(conn, tid).unwrap(),
            )
        })
        .await;
    assert_eq!((rows, total), (1, 6930), "the course owned already earns nothing");
}
