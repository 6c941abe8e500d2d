//! Every ledger reconciles to the fen after any sequence of events: a
//! seeded walk through the pages buys courses (one or several, with and
//! without coupons and points), lets payments succeed, fail, be cancelled
//! or expire, refunds orders in whole or per item, pays experts out and
//! adjusts points by hand, and after every step checks what must add up:
//! points balances against their ledger and the points the orders hold,
//! coupon counts against their uses and orders, every order against its
//! items, experts' earnings against the items they sold and the balances
//! shown, payouts against what was available when they were made, and
//! refunds against the items they gave back.

use std::collections::HashMap;

use klearn_db::diesel::prelude::*;
use klearn_db::schema::{
    cart_items, coupon_uses, coupons, courses, earnings, order_items, orders, payouts, refunds,
};
use klearn_db::{OrderId, OrderState, UserId};

use crate::common::{Client, TestApp, TestCourse, TestUser};
use crate::coupons::{balance, checkout, course, expire, grant, member, new_coupon, placed, settle};
use crate::refunds::{admin, expert, wait_for_order};

/// A small deterministic generator (xorshift), so that a failing walk can
/// be replayed: the seed is in the test.
struct Walk(u64);

impl Walk {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const SHARE_PERCENT: i64 = 70;

/// An order as stored: id, state, subtotal, discount, points, total, coupon.
type OrderRow = (OrderId, String, i64, i64, i64, i64, Option<i64>);

/// An item as stored: order, list price, discount, points, paid, state, and
/// its course's expert.
type ItemRow = (OrderId, i64, i64, i64, i64, String, UserId);
const HELD: [&str; 3] = ["pending", "paid", "partially_refunded"];
const EVER_PAID: [&str; 3] = ["paid", "partially_refunded", "refunded"];

/// Checks every ledger; `step` names the step in a failure.
async fn reconcile(app: &TestApp, learners: &[TestUser], experts: &[TestUser], step: &str) {
    for learner in learners {
        // The balance is its ledger's sum (checked by `balance`), never
        // below zero, and the order entries net to the points its held
        // orders' live items still use.
        assert!(balance(app, learner).await >= 0, "{step}");
        let id = learner.id;
        let (from_orders, held) = app
            .db(move |conn| {
                use klearn_db::schema::point_entries as p;
                let entries: Vec<(String, i64)> = p::table
                    .filter(p::user_id.eq(id))
                    .select((p::entry_key, p::amount))
                    .load(conn)
                    .unwrap();
                let from_orders: i64 = entries
                    .iter()
                    .filter(|(k, _)| k.starts_with("order:") || k.starts_with("refund-item:"))
                    .map(|(_, a)| a)
                    .sum();
                let held: Vec<i64> = order_items::table
                    .inner_join(orders::table)
                    .filter(orders::user_id.eq(id))
                    .filter(orders::state.eq_any(HELD))
                    .filter(order_items::state.eq("active"))
                    .select(order_items::points)
                    .load(conn)
                    .unwrap();
                (from_orders, held.iter().sum::<i64>())
            })
            .await;
        assert_eq!(
            from_orders, -held,
            "{step}: {}'s points held by orders",
            learner.username
        );
    }
    let (coupon_rows, use_rows, order_rows, item_rows) = app
        .db(|conn| {
            let coupon_rows: Vec<(i64, i64, Option<i64>)> = coupons::table
                .select((coupons::id, coupons::uses_count, coupons::max_uses))
                .load(conn)
                .unwrap();
            let use_rows: Vec<(i64, OrderId, String, i64)> = coupon_uses::table
                .select((
                    coupon_uses::coupon_id,
                    coupon_uses::order_id,
                    coupon_uses::state,
                    coupon_uses::discount_cents,
                ))
                .load(conn)
                .unwrap();
            let order_rows: Vec<OrderRow> = orders::table
                .select((
                    orders::id,
                    orders::state,
                    orders::subtotal_cents,
                    orders::discount_cents,
                    orders::points,
                    orders::total_cents,
                    orders::coupon_id,
                ))
                .load(conn)
                .unwrap();
            let item_rows: Vec<ItemRow> = order_items::table
                .inner_join(courses::table.on(courses::id.eq(order_items::course_id)))
                .select((
                    order_items::order_id,
                    order_items::list_price_cents,
                    order_items::discount_cents,
                    order_items::points,
                    order_items::paid_cents,
                    order_items::state,
                    courses::owner_id,
                ))
                .load(conn)
                .unwrap();
            (coupon_rows, use_rows, order_rows, item_rows)
        })
        .await;
    let state_of: HashMap<OrderId, &str> = order_rows.iter().map(|o| (o.0, o.1.as_str())).collect();
    // Coupons: the count is the uses held or used, within the limit; a use
    // is held while its order waits, used once it was paid, released when
    // it failed, was cancelled or expired.
    for (coupon, count, max) in &coupon_rows {
        let live = use_rows
            .iter()
            .filter(|u| u.0 == *coupon && u.2 != "released")
            .count() as i64;
        assert_eq!(*count, live, "{step}: coupon {coupon}'s count");
        if let Some(max) = max {
            assert!(live <= *max, "{step}: coupon {coupon} past its limit");
        }
    }
    for (coupon, order, use_state, discount) in &use_rows {
        let expected = match state_of[order] {
            "pending" => "reserved",
            "paid" | "partially_refunded" | "refunded" => "used",
            _ => "released",
        };
        assert_eq!(use_state, expected, "{step}: coupon {coupon} on order {order}");
        let order_row = order_rows.iter().find(|o| o.0 == *order).unwrap();
        assert_eq!(
            *discount, order_row.3,
            "{step}: order {order}'s discount is its use's"
        );
    }
    // Orders: each adds up from its items, and each item from its shares.
    for (id, _, subtotal, discount, points, total, _) in &order_rows {
        let items: Vec<_> = item_rows.iter().filter(|i| i.0 == *id).collect();
        let sum = |f: fn(&&ItemRow) -> i64| -> i64 { items.iter().map(f).sum() };
        assert_eq!(*subtotal, sum(|i| i.1), "{step}: order {id}'s subtotal");
        assert_eq!(*discount, sum(|i| i.2), "{step}: order {id}'s discount");
        assert_eq!(*points, sum(|i| i.3), "{step}: order {id}'s points");
        assert_eq!(*total, sum(|i| i.4), "{step}: order {id}'s total");
        for item in &items {
            assert_eq!(item.4, item.1 - item.2 - item.3, "{step}: an item of order {id}");
            assert!(item.4 >= 0 && item.2 >= 0 && item.3 >= 0, "{step}: order {id}");
        }
    }
    // Earnings: each expert's ledger is their share of every live item of
    // the orders ever paid; payouts never exceed what was available.
    for teacher in experts {
        let tid = teacher.id;
        let expected: i64 = item_rows
            .iter()
            .filter(|i| i.6 == tid && i.5 == "active" && EVER_PAID.contains(&state_of[&i.0]))
            .map(|i| i.4 * SHARE_PERCENT / 100)
            .sum();
        let (earned, available_earned, paid_out) = app
            .db(move |conn| {
                let rows: Vec<(i64, chrono::NaiveDateTime)> = earnings::table
                    .filter(earnings::expert_id.eq(tid))
                    .select((earnings::amount_cents, earnings::available_at))
                    .load(conn)
                    .unwrap();
                let now = klearn_db::now();
                let paid: Vec<i64> = payouts::table
                    .filter(payouts::expert_id.eq(tid))
                    .select(payouts::amount_cents)
                    .load(conn)
                    .unwrap();
                (
                    rows.iter().map(|r| r.0).sum::<i64>(),
                    rows.iter().filter(|r| r.1 <= now).map(|r| r.0).sum::<i64>(),
                    paid.iter().sum::<i64>(),
                )
            })
            .await;
        assert_eq!(earned, expected, "{step}: {}'s earnings", teacher.username);
        // What the studio and the payout form show is these sums. (A refund
        // after a payout may take the available balance below zero: the
        // expert owes it, and no payout passes until it is earned back;
        // each payout's own limit is checked where it is made.)
        let shown = app
            .db(move |conn| klearn_db::earnings::Earnings::balances(conn, tid, klearn_db::now()).unwrap())
            .await;
        assert_eq!(
            (
                shown.pending + shown.earned_available,
                shown.earned_available,
                shown.paid_out
            ),
            (earned, available_earned, paid_out),
            "{step}: {}'s balances",
            teacher.username
        );
    }
    // Refunds: what the provider confirmed for an order is what its
    // refunded items had cost in money.
    let confirmed: Vec<(OrderId, i64)> = app
        .db(|conn| {
            refunds::table
                .filter(refunds::state.eq("succeeded"))
                .select((refunds::order_id, refunds::amount_cents))
                .load(conn)
                .unwrap()
        })
        .await;
    for (id, state, ..) in &order_rows {
        let given: i64 = confirmed.iter().filter(|r| r.0 == *id).map(|r| r.1).sum();
        let refunded: i64 = item_rows
            .iter()
            .filter(|i| i.0 == *id && i.5 == "refunded")
            .map(|i| i.4)
            .sum();
        assert_eq!(
            given, refunded,
            "{step}: order {id} ({state}) gave back its refunded items"
        );
    }
}

/// The courses this learner may buy now (not theirs, not in an open order).
async fn buyable(app: &TestApp, learner: &TestUser, all: &[TestCourse]) -> Vec<usize> {
    let id = learner.id;
    let ids: Vec<klearn_db::CourseId> = all.iter().map(|c| c.id).collect();
    let owned = app
        .db(move |conn| klearn_db::enrollments::Enrollment::owned_among(conn, id, &ids).unwrap())
        .await;
    (0..all.len()).filter(|i| !owned.contains(&all[*i].id)).collect()
}

/// The learner's cart emptied (what a failed order left in it).
async fn empty_cart(app: &TestApp, learner: &TestUser) {
    let id = learner.id;
    app.db(move |conn| {
        klearn_db::diesel::delete(cart_items::table.filter(cart_items::user_id.eq(id)))
            .execute(conn)
            .unwrap()
    })
    .await;
}

/// One purchase attempt: courses, a coupon, points, and how it ends.
async fn purchase(
    app: &TestApp,
    walk: &mut Walk,
    c: &Client,
    learner: &TestUser,
    all: &[TestCourse],
) -> String {
    let open = buyable(app, learner, all).await;
    if open.is_empty() {
        return "nothing left to buy".into();
    }
    let n = 1 + walk.below(open.len().min(3));
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < n {
        let pick = open[walk.below(open.len())];
        if !chosen.contains(&pick) {
            chosen.push(pick);
        }
    }
    let code = ["", "", "LEDGER15", "FIX777"][walk.below(4)];
    let points = ["", "100", "777", "3000", "99999"][walk.below(5)];
    empty_cart(app, learner).await;
    let single = (chosen.len() == 1).then(|| &all[chosen[0]]);
    if single.is_none() {
        for i in &chosen {
            let res = c
                .post_form("/cart/items", &[("course_id", &all[*i].id.to_string())])
                .await;
            assert_eq!(res.status, 303);
        }
    }
    let mut res = checkout(c, single, code, points).await;
    let mut asked = format!("{} course(s), coupon {code:?}, points {points:?}", chosen.len());
    if res.status == 422 {
        // A refused coupon or too many points: nothing was placed; the
        // learner pays without them.
        asked.push_str(" refused, then plain");
        res = checkout(c, single, "", "").await;
    }
    let (order, payment) = placed(app, &res).await;
    let end = match walk.below(5) {
        0 => {
            settle(app, c, payment, "fail", OrderState::Failed).await;
            "failed"
        }
        1 => {
            settle(app, c, payment, "cancel", OrderState::Cancelled).await;
            "cancelled"
        }
        2 => {
            expire(app, order).await;
            "expired"
        }
        _ => {
            settle(app, c, payment, "success", OrderState::Paid).await;
            "paid"
        }
    };
    format!("{asked}: order {order} {end}")
}

/// An admin refunds a paid order in whole or one of its live items.
async fn refund_one(app: &TestApp, walk: &mut Walk, a: &Client) -> String {
    let refundable: Vec<OrderId> = app
        .db(|conn| {
            orders::table
                .filter(orders::state.eq_any(["paid", "partially_refunded"]))
                .filter(orders::total_cents.gt(0))
                .order(orders::id.asc())
                .select(orders::id)
                .load(conn)
                .unwrap()
        })
        .await;
    if refundable.is_empty() {
        return "nothing to refund".into();
    }
    let order = refundable[walk.below(refundable.len())];
    let live: Vec<i64> = app
        .db(move |conn| {
            order_items::table
                .filter(order_items::order_id.eq(order))
                .filter(order_items::state.eq("active"))
                .select(order_items::id)
                .load(conn)
                .unwrap()
        })
        .await;
    let whole = walk.below(2) == 0 || live.len() == 1;
    a.get(&format!("/admin/orders/{order}")).await;
    let item = live[walk.below(live.len())].to_string();
    let fields: Vec<(&str, &str)> = if whole { vec![] } else { vec![("item_ids", &item)] };
    let res = a
        .post_form(&format!("/admin/orders/{order}/refund"), &fields)
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let to = if whole {
        OrderState::Refunded
    } else {
        OrderState::PartiallyRefunded
    };
    wait_for_order(app, order, to).await;
    // And the provider has confirmed every refund of it (a partial refund
    // of an order partly refunded before leaves its state as it was).
    for _ in 0..200 {
        let waiting: i64 = app
            .db(move |conn| {
                refunds::table
                    .filter(refunds::order_id.eq(order))
                    .filter(refunds::state.eq("pending"))
                    .count()
                    .get_result(conn)
                    .unwrap()
            })
            .await;
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The same refund again moves nothing.
    let again = a
        .post_form(&format!("/admin/orders/{order}/refund"), &fields)
        .await;
    assert_eq!(again.status, 409, "a second refund of order {order}");
    format!(
        "order {order} refunded ({})",
        if whole { "whole" } else { "one item" }
    )
}

/// Time passes for every earning; an admin pays an expert part of what is
/// available, after one refused try of a fen more than that.
async fn pay_out(app: &TestApp, walk: &mut Walk, a: &Client, teacher: &TestUser) -> String {
    app.db(|conn| {
        klearn_db::diesel::update(earnings::table)
            .set(earnings::available_at.eq(klearn_db::now() - chrono::Duration::minutes(1)))
            .execute(conn)
            .unwrap()
    })
    .await;
    let tid = teacher.id;
    let available = app
        .db(move |conn| {
            klearn_db::earnings::Earnings::balances(conn, tid, klearn_db::now())
                .unwrap()
                .available()
        })
        .await;
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let send = |amount: String| async move {
        let key = a
            .get("/admin/payouts")
            .await
            .attrs("input[name=request_key]", "value")[0]
            .clone();
        a.post_form(
            "/admin/payouts",
            &[
                ("request_key", key.as_str()),
                ("expert", teacher.username.as_str()),
                ("amount", amount.as_str()),
                ("reference", "LEDGER-WALK"),
            ],
        )
        .await
    };
    let over = send(yuan(available + 1)).await;
    assert_ne!(over.status, 303, "a payout above the available {available} fen");
    if available <= 0 {
        return format!("{}: nothing available", teacher.username);
    }
    let amount = 1 + available / (1 + walk.below(3) as i64);
    let amount = amount.min(available);
    let res = send(yuan(amount)).await;
    assert_eq!(res.status, 303, "{}", res.text());
    format!("{} paid out {amount} of {available} fen", teacher.username)
}

#[tokio::test]
async fn every_ledger_reconciles_to_the_fen_after_a_mixed_sequence_of_events() {
    let app = TestApp::spawn().await;
    let a = admin(&app).await;
    let teachers = [expert(&app).await, expert(&app).await];
    let prices = [9999, 1, 3333, 12345, 4999, 100];
    let mut all = Vec::new();
    for (i, price) in prices.into_iter().enumerate() {
        all.push(course(&app, &teachers[i % 2], &format!("Ledger course {i}"), price).await);
    }
    new_coupon(
        &app,
        &a,
        &[
            ("code", "LEDGER15"),
            ("kind", "percent"),
            ("value", "15"),
            ("max_uses", "4"),
        ],
    )
    .await;
    let second = format!("@{}", teachers[1].username);
    new_coupon(
        &app,
        &a,
        &[
            ("code", "FIX777"),
            ("kind", "amount"),
            ("value", "7.77"),
            ("expert", &second),
        ],
    )
    .await;
    let mut learners = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (user, c) = member(&app, "walker", &[]).await;
        grant(&a, &user, 5000).await;
        learners.push(user);
        clients.push(c);
    }
    let mut walk = Walk(0x5eed_1ed9e5);
    reconcile(&app, &learners, &teachers, "start").await;
    for step in 0..28 {
        let who = walk.below(learners.len());
        let did = match walk.below(10) {
            0..=5 => purchase(&app, &mut walk, &clients[who], &learners[who], &all).await,
            6 | 7 => refund_one(&app, &mut walk, &a).await,
            8 => {
                let teacher = &teachers[walk.below(2)];
                pay_out(&app, &mut walk, &a, teacher).await
            }
            _ => {
                let amount = [-2000, -500, 300, 1200][walk.below(4)];
                let before = balance(&app, &learners[who]).await;
                if before + amount >= 0 {
                    grant(&a, &learners[who], amount).await;
                }
                format!("points {amount:+} by hand")
            }
        };
        // Shown when the test fails: the walk so far.
        eprintln!("step {step}: {did}");
        reconcile(&app, &learners, &teachers, &format!("step {step}: {did}")).await;
    }
}
