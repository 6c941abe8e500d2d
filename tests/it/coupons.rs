//! Coupons: admins make them (bad input and who may not), learners redeem
//! them at checkout (each rule and its message, with no order created when
//! refused), the discount split to the fen on the stored items, the use
//! reserved with the order, released when it fails, is cancelled or
//! expires, used when it is paid, taken again by a late payment, and never
//! taken twice by two orders at once.

use klearn::domain::account::Role;
use klearn_db::coupons::{Coupon, CouponUse};
use klearn_db::diesel::prelude::*;
use klearn_db::orders::{Order, OrderItem, Payment};
use klearn_db::points::Points;
use klearn_db::schema::orders;
use klearn_db::{CouponId, CouponUseState, OrderId, OrderState, PaymentId};

use crate::common::{unique, Client, Response, TestApp, TestCourse, TestUser};

/// A signed-in client of a new member with `roles`, reading English.
pub async fn member(app: &TestApp, prefix: &str, roles: &[Role]) -> (TestUser, Client) {
    let mut builder = app.user(&unique(prefix)).verified();
    for role in roles {
        builder = builder.role(*role);
    }
    let user = builder.create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c.get("/?lang=en").await;
    (user, c)
}

/// A certified expert's published course at `price` fen.
pub async fn course(app: &TestApp, expert: &TestUser, title: &str, price: i64) -> TestCourse {
    app.course(expert)
        .title(title)
        .price(price)
        .published()
        .lesson("One", false, "Body.", "")
        .create()
        .await
}

/// Creates a coupon through the admin page; its id.
pub async fn new_coupon(app: &TestApp, admin: &Client, fields: &[(&str, &str)]) -> CouponId {
    admin.get("/admin/coupons").await;
    let res = admin.post_form("/admin/coupons", fields).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let code = fields.iter().find(|(k, _)| *k == "code").unwrap().1.to_string();
    app.db(move |conn| Coupon::find_by_code(conn, &code).unwrap().unwrap().id)
        .await
}

/// Posts the checkout form for one course, or the cart when `course` is none.
pub async fn checkout(c: &Client, course: Option<&TestCourse>, code: &str, points: &str) -> Response {
    let path = match course {
        Some(course) => format!("/checkout?course_id={}", course.id),
        None => "/checkout".to_string(),
    };
    c.get(&path).await;
    let id = course.map(|c| c.id.to_string()).unwrap_or_default();
    let mut fields = vec![("coupon_code", code), ("points", points)];
    if course.is_some() {
        fields.push(("course_id", &id));
    }
    c.post_form("/checkout", &fields).await
}

/// The order and payment a successful checkout went to pay.
pub async fn placed(app: &TestApp, res: &Response) -> (OrderId, PaymentId) {
    assert_eq!(res.status, 303, "{}", res.text());
    let payment: PaymentId = res
        .location()
        .unwrap()
        .strip_prefix("/pay/sandbox/")
        .expect("to the sandbox page")
        .parse()
        .unwrap();
    let order = app
        .db(move |conn| Payment::find(conn, payment).unwrap().order_id)
        .await;
    (order, payment)
}

pub async fn order_count(app: &TestApp) -> i64 {
    app.db(|conn| orders::table.count().get_result::<i64>(conn).unwrap())
        .await
}

pub async fn order(app: &TestApp, id: OrderId) -> (Order, Vec<OrderItem>) {
    app.db(move |conn| (Order::find(conn, id).unwrap(), Order::items(conn, id).unwrap()))
        .await
}

/// Settles the payment on the sandbox's page and waits for the order to
/// reach `state`.
pub async fn settle(
    app: &TestApp,
    c: &Client,
    payment: PaymentId,
    outcome: &str,
    state: OrderState,
) -> Order {
    c.get(&format!("/pay/sandbox/{payment}")).await;
    let res = c
        .post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", outcome)])
        .await;
    assert_eq!(res.status, 303);
    let id = app
        .db(move |conn| Payment::find(conn, payment).unwrap().order_id)
        .await;
    for _ in 0..200 {
        let (o, _) = order(app, id).await;
        if o.state == state {
            return o;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("order {id} never became {state}");
}

/// The order's time is up: the expiry use case runs as its job would.
pub async fn expire(app: &TestApp, id: OrderId) {
    let past = klearn_db::now() - chrono::Duration::seconds(1);
    let expired = app
        .db(move |conn| {
            diesel::update(orders::table.find(id))
                .set(orders::expires_at.eq(past))
                .execute(conn)
                .unwrap();
            klearn::checkout::expire(conn, id).unwrap()
        })
        .await;
    assert!(expired);
}

async fn use_of(app: &TestApp, order: OrderId) -> Option<CouponUseState> {
    app.db(move |conn| CouponUse::of_order(conn, order).unwrap().map(|u| u.state))
        .await
}

async fn uses_count(app: &TestApp, id: CouponId) -> i64 {
    app.db(move |conn| Coupon::find(conn, id).unwrap().uses_count)
        .await
}

/// Grants points through the admin page.
pub async fn grant(admin: &Client, user: &TestUser, amount: i64) {
    let page = format!("/admin/users/{}", user.id);
    let key = admin.get(&page).await.attrs("input[name=request_key]", "value")[0].clone();
    let res = admin
        .post_form(
            &format!("{page}/points"),
            &[
                ("amount", &amount.to_string()),
                ("reason", "welcome gift"),
                ("request_key", &key),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
}

pub async fn balance(app: &TestApp, user: &TestUser) -> i64 {
    let id = user.id;
    let (balance, sum) = app
        .db(move |conn| {
            (
                Points::balance(conn, id).unwrap(),
                Points::ledger_sum(conn, id).unwrap(),
            )
        })
        .await;
    assert_eq!(balance, sum, "the balance is the ledger's sum");
    balance
}

fn day(offset_days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn each_coupon_rule_refuses_with_its_own_message_and_creates_no_order() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let other = app.user(&unique("oth")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Coupons", 9900).await;
    let go = course(&app, &other, "Go Coupons", 4900).await;
    let (ended, soon) = (day(-3), day(3));
    for fields in [
        &[
            ("code", "OLD-ONE"),
            ("kind", "percent"),
            ("value", "10"),
            ("ends_at", ended.as_str()),
        ][..],
        &[
            ("code", "SOON"),
            ("kind", "percent"),
            ("value", "10"),
            ("starts_at", soon.as_str()),
        ],
        &[
            ("code", "ONLY1"),
            ("kind", "amount"),
            ("value", "5"),
            ("max_uses", "1"),
        ],
        &[
            ("code", "MINE1"),
            ("kind", "amount"),
            ("value", "5"),
            ("max_uses_per_user", "1"),
        ],
        &[
            ("code", "BIG500"),
            ("kind", "amount"),
            ("value", "50"),
            ("min_spend", "500"),
        ],
        &[
            ("code", "GOONLY"),
            ("kind", "percent"),
            ("value", "20"),
            ("courses", &go.slug),
        ],
    ] {
        new_coupon(&app, &admin, fields).await;
    }
    let go_expert = format!("@{}", other.username);
    new_coupon(
        &app,
        &admin,
        &[
            ("code", "GOEXPERT"),
            ("kind", "percent"),
            ("value", "20"),
            ("expert", &go_expert),
        ],
    )
    .await;
    // Someone else takes ONLY1's one use; the learner holds MINE1 once already.
    let (_, first) = member(&app, "first", &[]).await;
    placed(&app, &checkout(&first, Some(&rust), "only1", "").await).await;
    let (_, c) = member(&app, "buyer", &[]).await;
    placed(&app, &checkout(&c, Some(&go), "MINE1", "").await).await;
    let before = order_count(&app).await;

    for (code, message) in [
        ("NOPE-2026", "This coupon code does not exist"),
        ("old-one", "This coupon has expired"),
        ("SOON", "This coupon is not valid yet"),
        ("ONLY1", "This coupon has been used up"),
        ("mine1", "You have already used this coupon as often as it allows"),
        ("BIG500", "This coupon needs a higher spend"),
        ("GOONLY", "This coupon does not apply to any course in this order"),
        (
            "GoExpert",
            "This coupon does not apply to any course in this order",
        ),
    ] {
        let res = checkout(&c, Some(&rust), code, "").await;
        assert_eq!(res.status, 422, "{code}: {}", res.text());
        let error = res.texts("#f-coupon_code-error").join(" ");
        assert!(error.starts_with(message), "{code}: {error:?}");
        assert_eq!(
            res.attrs("#f-coupon_code", "value"),
            vec![code.to_string()],
            "the code is kept"
        );
        // The apply button says the same, and creates nothing either.
        c.get(&format!("/checkout?course_id={}", rust.id)).await;
        let id = rust.id.to_string();
        let preview = c
            .post_form(
                "/checkout",
                &[("course_id", &id), ("coupon_code", code), ("preview", "1")],
            )
            .await;
        assert_eq!(preview.status, 422, "{code}");
        assert!(preview.text().contains(message), "{code}");
    }
    assert_eq!(order_count(&app).await, before, "no order was created");
    // The expert's coupon applies to the expert's course, whatever the case typed.
    let res = checkout(&c, Some(&go), "goexpert", "").await;
    let (id, _) = placed(&app, &res).await;
    let (o, items) = order(&app, id).await;
    assert_eq!((o.discount_cents, o.total_cents), (980, 3920));
    assert_eq!((items[0].discount_cents, items[0].paid_cents), (980, 3920));
}

#[tokio::test]
async fn the_apply_button_recalculates_without_placing_an_order_and_pay_places_it() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Preview", 9900).await;
    let coupon = new_coupon(
        &app,
        &admin,
        &[("code", "Spring25"), ("kind", "percent"), ("value", "25")],
    )
    .await;
    let (_, c) = member(&app, "buyer", &[]).await;
    let page = c.get(&format!("/checkout?course_id={}", rust.id)).await;
    assert!(page.text().contains("¥99"));
    let id = rust.id.to_string();
    let preview = c
        .post_form(
            "/checkout",
            &[
                ("course_id", &id),
                ("coupon_code", "spring25"),
                ("points", ""),
                ("preview", "1"),
            ],
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    assert_eq!(preview.texts(".checkout-discount"), vec!["−¥24.75".to_string()]);
    assert!(preview.text().contains("Pay ¥74.25"), "{}", preview.text());
    assert_eq!(order_count(&app).await, 0);
    assert_eq!(uses_count(&app, coupon).await, 0, "a preview reserves nothing");

    let (order_id, payment) = placed(&app, &checkout(&c, Some(&rust), "SPRING25", "").await).await;
    let (o, items) = order(&app, order_id).await;
    assert_eq!(
        (o.subtotal_cents, o.discount_cents, o.total_cents),
        (9900, 2475, 7425)
    );
    assert_eq!(o.coupon_id, Some(coupon));
    assert_eq!(items[0].paid_cents, 7425);
    let charged = app
        .db(move |conn| Payment::find(conn, payment).unwrap().amount_cents)
        .await;
    assert_eq!(charged, 7425, "the provider is asked for the discounted total");
    assert_eq!(use_of(&app, order_id).await, Some(CouponUseState::Reserved));
    assert_eq!(uses_count(&app, coupon).await, 1);
    let shown = c.get(&format!("/orders/{order_id}")).await;
    assert!(shown.text().contains("−¥24.75"), "{}", shown.text());
}

#[tokio::test]
async fn a_use_and_its_points_come_back_on_fail_cancel_and_expiry_and_stay_when_paid() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Reserve", 10000).await;
    let coupon = new_coupon(
        &app,
        &admin,
        &[
            ("code", "LAST1"),
            ("kind", "amount"),
            ("value", "10"),
            ("max_uses", "1"),
        ],
    )
    .await;
    let (user, c) = member(&app, "buyer", &[]).await;
    grant(&admin, &user, 1000).await;

    for outcome in ["fail", "cancel", "expire"] {
        let res = checkout(&c, Some(&rust), "LAST1", "1000").await;
        let (id, payment) = placed(&app, &res).await;
        let (o, items) = order(&app, id).await;
        assert_eq!(
            (o.discount_cents, o.points, o.total_cents),
            (1000, 1000, 8000),
            "{outcome}"
        );
        assert_eq!(items[0].points, 1000);
        assert_eq!(
            balance(&app, &user).await,
            0,
            "{outcome}: the points are reserved"
        );
        assert_eq!(
            uses_count(&app, coupon).await,
            1,
            "{outcome}: the use is reserved"
        );
        // The last use is held: nobody else gets it meanwhile.
        let (_, other) = member(&app, "other", &[]).await;
        assert_eq!(checkout(&other, Some(&rust), "LAST1", "").await.status, 422);
        match outcome {
            "fail" => drop(settle(&app, &c, payment, "fail", OrderState::Failed).await),
            "cancel" => drop(settle(&app, &c, payment, "cancel", OrderState::Cancelled).await),
            _ => expire(&app, id).await,
        }
        assert_eq!(
            use_of(&app, id).await,
            Some(CouponUseState::Released),
            "{outcome}"
        );
        assert_eq!(uses_count(&app, coupon).await, 0, "{outcome}");
        assert_eq!(
            balance(&app, &user).await,
            1000,
            "{outcome}: the points came back"
        );
    }
    let res = checkout(&c, Some(&rust), "LAST1", "1000").await;
    let (id, payment) = placed(&app, &res).await;
    let paid = settle(&app, &c, payment, "success", OrderState::Paid).await;
    assert_eq!(paid.total_cents, 8000);
    assert_eq!(use_of(&app, id).await, Some(CouponUseState::Used));
    assert_eq!(uses_count(&app, coupon).await, 1);
    assert_eq!(balance(&app, &user).await, 0, "paid: the points stay spent");
    let receipt = c.get(&format!("/orders/{id}/receipt")).await.text();
    assert!(
        receipt.contains("Coupon discount −¥10") && receipt.contains("Paid with 1000 points −¥10"),
        "{receipt}"
    );
    // Used up now, for everyone.
    let (_, other) = member(&app, "late", &[]).await;
    let res = checkout(&other, Some(&rust), "LAST1", "").await;
    assert!(res.text().contains("This coupon has been used up"));
    // The admin list shows the use and the revenue of the paid order.
    let list = admin.get("/admin/coupons").await;
    assert_eq!(
        list.texts("tr[data-code=LAST1] .coupon-revenue"),
        vec!["¥80".to_string()]
    );
}

#[tokio::test]
async fn a_late_payment_takes_the_use_and_points_again_or_is_refunded_when_the_points_are_gone() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Late", 10000).await;
    let tokio = course(&app, &expert, "Tokio Late", 10000).await;
    let coupon = new_coupon(
        &app,
        &admin,
        &[
            ("code", "LATE1"),
            ("kind", "percent"),
            ("value", "10"),
            ("max_uses", "1"),
        ],
    )
    .await;
    let (user, c) = member(&app, "buyer", &[]).await;
    grant(&admin, &user, 2000).await;
    let (id, payment) = placed(&app, &checkout(&c, Some(&rust), "LATE1", "1000").await).await;
    expire(&app, id).await;
    assert_eq!(
        (uses_count(&app, coupon).await, balance(&app, &user).await),
        (0, 2000)
    );
    // Someone else takes the last use meanwhile; the learner paid after all.
    let (_, other) = member(&app, "other", &[]).await;
    placed(&app, &checkout(&other, Some(&rust), "LATE1", "").await).await;
    let paid = settle(&app, &c, payment, "success", OrderState::Paid).await;
    assert!(paid.paid_late);
    assert_eq!(use_of(&app, id).await, Some(CouponUseState::Used));
    assert_eq!(
        uses_count(&app, coupon).await,
        2,
        "taken again past its limit: that price was paid"
    );
    assert_eq!(balance(&app, &user).await, 1000, "the points are debited again");

    // Another order expires, its points are spent elsewhere, then it is paid.
    let (id, payment) = placed(&app, &checkout(&c, Some(&tokio), "", "1000").await).await;
    expire(&app, id).await;
    assert_eq!(balance(&app, &user).await, 1000);
    let uid = user.id;
    app.db(move |conn| {
        let change = klearn_db::points::PointChange {
            user: uid,
            amount: -1000,
            reason: "admin.deduct",
            reference: "test",
            key: "test:spend",
            actor: None,
        };
        Points::apply(conn, &change).unwrap()
    })
    .await;
    let refunded = settle(&app, &c, payment, "success", OrderState::Refunded).await;
    assert!(refunded.note.contains("refunded in full"), "{}", refunded.note);
    assert_eq!(balance(&app, &user).await, 0, "no points taken below zero");
    let owns = app
        .db(move |conn| klearn_db::enrollments::Enrollment::is_enrolled(conn, uid, tokio.id).unwrap())
        .await;
    assert!(!owns, "nothing delivered");
}

#[tokio::test]
async fn discounts_and_points_are_split_to_the_fen_on_the_stored_items() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let a = course(&app, &expert, "Split A", 3333).await;
    let b = course(&app, &expert, "Split B", 3333).await;
    let dear = course(&app, &expert, "Split C", 3334).await;
    new_coupon(
        &app,
        &admin,
        &[("code", "TENOFF"), ("kind", "amount"), ("value", "10")],
    )
    .await;
    new_coupon(
        &app,
        &admin,
        &[("code", "FREE100"), ("kind", "percent"), ("value", "100")],
    )
    .await;
    let (user, c) = member(&app, "buyer", &[]).await;
    grant(&admin, &user, 5000).await;
    for course in [&a, &b, &dear] {
        c.get("/cart").await;
        c.post_form("/cart/items", &[("course_id", &course.id.to_string())])
            .await;
    }
    // The cap is half of what is due after the coupon: 4500 here.
    let res = checkout(&c, None, "TENOFF", "4501").await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("at most 4500 points"), "{}", res.text());
    assert_eq!(order_count(&app).await, 0);
    // 10 yuan off 100 yuan of three items: 333.3 each, the fen left to the dearest.
    let (id, _) = placed(&app, &checkout(&c, None, "TENOFF", "4001").await).await;
    let (o, items) = order(&app, id).await;
    let discounts: Vec<i64> = items.iter().map(|i| i.discount_cents).collect();
    let points: Vec<i64> = items.iter().map(|i| i.points).collect();
    assert_eq!(discounts, [333, 333, 334]);
    assert_eq!(points, [1334, 1333, 1334]);
    let paid: Vec<i64> = items.iter().map(|i| i.paid_cents).collect();
    assert_eq!(paid, [1666, 1667, 1666]);
    assert_eq!(
        (o.subtotal_cents, o.discount_cents, o.points, o.total_cents),
        (10000, 1000, 4001, 4999)
    );

    // A 100 % coupon: nothing is due, the order is paid at once.
    let res = checkout(&c, None, "free100", "").await;
    assert_eq!(res.status, 303, "{}", res.text());
    let to = res.location().unwrap().to_string();
    let id: OrderId = to.strip_prefix("/orders/").unwrap().parse().unwrap();
    let (o, items) = order(&app, id).await;
    assert_eq!(
        (o.state, o.total_cents, o.discount_cents),
        (OrderState::Paid, 0, 10000)
    );
    assert!(items
        .iter()
        .all(|i| i.paid_cents == 0 && i.discount_cents == i.list_price_cents));
    assert_eq!(use_of(&app, id).await, Some(CouponUseState::Used));
}

#[tokio::test]
async fn two_orders_at_once_cannot_both_take_the_last_use() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let a = course(&app, &expert, "Race A", 5000).await;
    let b = course(&app, &expert, "Race B", 5000).await;
    let coupon = new_coupon(
        &app,
        &admin,
        &[
            ("code", "RACE1"),
            ("kind", "amount"),
            ("value", "20"),
            ("max_uses", "1"),
        ],
    )
    .await;
    let (_, c) = member(&app, "buyer", &[]).await;
    c.get("/checkout").await;
    let (ida, idb) = (a.id.to_string(), b.id.to_string());
    let one = [("course_id", ida.as_str()), ("coupon_code", "RACE1")];
    let two = [("course_id", idb.as_str()), ("coupon_code", "RACE1")];
    let (first, second) = tokio::join!(c.post_form("/checkout", &one), c.post_form("/checkout", &two));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [303, 422], "{} / {}", first.text(), second.text());
    assert_eq!(order_count(&app).await, 1);
    assert_eq!(uses_count(&app, coupon).await, 1);
}

#[tokio::test]
async fn admins_make_and_change_coupons_and_bad_input_comes_back_with_its_message() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let rust = course(&app, &expert, "Rust Admin", 9900).await;
    let learner_name = format!("@{}", unique("nobody"));
    admin.get("/admin/coupons").await;
    for (fields, field, message) in [
        (
            &[("code", "ab"), ("kind", "percent"), ("value", "10")][..],
            "code",
            "3 to 32 characters",
        ),
        (
            &[("code", "two words"), ("kind", "percent"), ("value", "10")],
            "code",
            "only letters, digits",
        ),
        (
            &[("code", "PCT"), ("kind", "percent"), ("value", "101")],
            "value",
            "from 1 to 100",
        ),
        (
            &[("code", "AMT"), ("kind", "amount"), ("value", "1.999")],
            "value",
            "two decimal",
        ),
        (
            &[("code", "AMT"), ("kind", "amount"), ("value", "0")],
            "value",
            "above zero",
        ),
        (
            &[("code", "KND"), ("kind", "gift"), ("value", "1")],
            "kind",
            "percent or amount",
        ),
        (
            &[
                ("code", "DTE"),
                ("kind", "percent"),
                ("value", "5"),
                ("ends_at", "soon"),
            ],
            "ends_at",
            "YYYY-MM-DD",
        ),
        (
            &[
                ("code", "WIN"),
                ("kind", "percent"),
                ("value", "5"),
                ("starts_at", "2027-01-02"),
                ("ends_at", "2027-01-01"),
            ],
            "ends_at",
            "after the start",
        ),
        (
            &[
                ("code", "USE"),
                ("kind", "percent"),
                ("value", "5"),
                ("max_uses", "0"),
            ],
            "max_uses",
            "from 1",
        ),
        (
            &[
                ("code", "CRS"),
                ("kind", "percent"),
                ("value", "5"),
                ("courses", "no-such-course"),
            ],
            "courses",
            "no-such-course",
        ),
        (
            &[
                ("code", "EXP"),
                ("kind", "percent"),
                ("value", "5"),
                ("expert", &learner_name),
            ],
            "expert",
            "No member",
        ),
        (
            &[
                ("code", "BTH"),
                ("kind", "percent"),
                ("value", "5"),
                ("courses", &rust.slug),
                ("expert", "x"),
            ],
            "expert",
            "not both",
        ),
    ] {
        let res = admin.post_form("/admin/coupons", fields).await;
        assert_eq!(res.status, 422, "{fields:?}");
        let error = res.texts(&format!("#f-{field}-error")).join(" ");
        assert!(error.contains(message), "{fields:?}: {error:?}");
        let typed = fields.iter().find(|(k, _)| *k == "code").unwrap().1;
        assert_eq!(
            res.attrs("#f-code", "value"),
            vec![typed.to_string()],
            "the text is kept"
        );
    }
    assert_eq!(app.db(|conn| Coupon::count(conn).unwrap()).await, 0);

    let id = new_coupon(
        &app,
        &admin,
        &[
            ("code", "Summer"),
            ("kind", "percent"),
            ("value", "15"),
            ("courses", &rust.slug),
        ],
    )
    .await;
    let res = admin
        .post_form(
            "/admin/coupons",
            &[("code", "SUMMER"), ("kind", "amount"), ("value", "5")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("Another coupon has this code"));
    // The edit page shows it as saved; a change is kept and audited.
    let edit = admin.get(&format!("/admin/coupons/{id}/edit")).await;
    assert_eq!(edit.status, 200);
    assert_eq!(edit.attrs("#f-value", "value"), vec!["15".to_string()]);
    assert_eq!(edit.texts("#f-courses"), vec![rust.slug.clone()]);
    let res = admin
        .post_form(
            &format!("/admin/coupons/{id}/edit"),
            &[
                ("code", "Summer"),
                ("kind", "amount"),
                ("value", "19.90"),
                ("max_uses", "3"),
            ],
        )
        .await;
    assert_eq!(res.location(), Some("/admin/coupons"));
    let saved = app
        .db(move |conn| {
            (
                Coupon::find(conn, id).unwrap(),
                Coupon::courses(conn, id).unwrap(),
            )
        })
        .await;
    assert_eq!(
        (saved.0.percent_off, saved.0.amount_off_cents, saved.0.max_uses),
        (0, 1990, Some(3))
    );
    assert!(saved.1.is_empty());
    let res = admin
        .post_form(
            &format!("/admin/coupons/{id}/edit"),
            &[("code", "S"), ("kind", "amount"), ("value", "1")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(res.attrs("#f-code", "value"), vec!["S".to_string()]);
    let audit = admin.get("/admin/audit").await.text();
    assert!(
        audit.contains("coupon.created") && audit.contains("coupon.updated"),
        "{audit}"
    );
    assert_eq!(admin.get("/admin/coupons/999999/edit").await.status, 404);
}

#[tokio::test]
async fn moderators_only_read_the_list_and_learners_see_none_of_it() {
    let app = TestApp::spawn().await;
    let (_, admin) = member(&app, "adm", &[Role::Admin]).await;
    let id = new_coupon(
        &app,
        &admin,
        &[("code", "LOOK"), ("kind", "percent"), ("value", "5")],
    )
    .await;
    let (_, moderator) = member(&app, "mod", &[Role::Moderator]).await;
    let list = moderator.get("/admin/coupons").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("LOOK"));
    assert!(
        list.attrs("form[action='/admin/coupons']", "action").is_empty(),
        "no create form"
    );
    assert_eq!(
        moderator.get(&format!("/admin/coupons/{id}/edit")).await.status,
        403
    );
    let fields = [("code", "MODS"), ("kind", "percent"), ("value", "50")];
    assert_eq!(moderator.post_form("/admin/coupons", &fields).await.status, 403);
    let edit = [("code", "LOOK"), ("kind", "percent"), ("value", "90")];
    assert_eq!(
        moderator
            .post_form(&format!("/admin/coupons/{id}/edit"), &edit)
            .await
            .status,
        403
    );
    let (_, learner) = member(&app, "lrn", &[]).await;
    assert_eq!(learner.get("/admin/coupons").await.status, 403);
    assert_eq!(learner.post_form("/admin/coupons", &fields).await.status, 403);
    let guest = app.new_client();
    assert!(guest
        .get("/admin/coupons")
        .await
        .location()
        .unwrap_or("")
        .starts_with("/login"));
    let kept = app
        .db(move |conn| Coupon::find(conn, id).unwrap().percent_off)
        .await;
    assert_eq!(kept, 5);
    assert_eq!(app.db(|conn| Coupon::count(conn).unwrap()).await, 1);
}

#[tokio::test]
async fn the_demo_has_coupons_in_each_state_and_an_order_paid_with_a_coupon_and_points() {
    let app = TestApp::builder().demo().spawn().await;
    let admin = app.new_client();
    admin.login("demo_admin", klearn::demo::DEMO_PASSWORD).await;
    let list = admin.get("/admin/coupons?lang=en").await;
    let states = list.texts(".coupon-table .badge").join(" ");
    for state in ["Active", "Expired", "Not yet valid", "Used up"] {
        assert!(states.contains(state), "{state}: {states}");
    }
    assert!(list.text().contains("Courses of @demo_expert"));
    let (learner, uses, orders) = app
        .db(|conn| {
            let learner = klearn_db::users::User::find_by_username(conn, "demo_learner").unwrap();
            let launch = Coupon::find_by_code(conn, "launch50").unwrap().unwrap();
            let uses = CouponUse::of_coupon(conn, launch.id, 10).unwrap();
            let orders = Order::list_for_user(conn, learner.id, 1, 50).unwrap().0;
            (learner.id, uses, orders)
        })
        .await;
    assert_eq!(uses.len(), 1);
    assert_eq!(uses[0].state, CouponUseState::Used);
    let paid = orders.iter().find(|o| o.id == uses[0].order_id).unwrap();
    assert_eq!(paid.state, OrderState::Paid);
    assert!(paid.points > 0 && paid.discount_cents > 0);
    assert_eq!(
        paid.total_cents,
        paid.subtotal_cents - paid.discount_cents - paid.points
    );
    let (balance, sum) = app
        .db(move |conn| {
            (
                Points::balance(conn, learner).unwrap(),
                Points::ledger_sum(conn, learner).unwrap(),
            )
        })
        .await;
    assert!(balance > 0);
    assert_eq!(balance, sum);
}
