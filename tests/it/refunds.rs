//! Refunds: the eligibility rule as the order page tells it (14 days, 30 %
//! of a course's lessons), a learner's request, an admin's approval through
//! the sandbox provider's refund webhook (access, earnings and points
//! reversed, the order's state, the mail), declines, full and per-item
//! refunds, refunding twice and a double click, and who may do what.

use klearn_db::diesel::prelude::*;
use klearn_db::earnings::Earnings;
use klearn_db::orders::{Order, Payment, Refund, SandboxCharge};
use klearn_db::points::Points;
use klearn_db::refunds::RefundRequest;
use klearn_db::schema::{earnings, enrollments, order_items, orders};
use klearn_db::{OrderId, OrderItemId, OrderState, PaymentId, RefundRequestState};

use crate::common::{unique, Client, TestApp, TestCourse, TestUser};

pub const PRICE: i64 = 9900;

/// A certified expert's published course of `lessons` lessons (the first a
/// free preview).
pub async fn course_of(app: &TestApp, expert: &TestUser, price: i64, lessons: usize) -> TestCourse {
    let mut builder = app.course(expert).price(price).published();
    for n in 0..lessons {
        builder = builder.lesson(&format!("Lesson {n}"), n == 0, &format!("BODY-{n}"), "");
    }
    builder.create().await
}

pub async fn expert(app: &TestApp) -> TestUser {
    app.user(&unique("exp")).verified().certified().create().await
}

pub async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    // A page first, for the session's form token.
    assert_eq!(c.get("/").await.status, 200);
    assert!(c.csrf_token().is_some());
    c
}

pub async fn learner(app: &TestApp) -> (TestUser, Client) {
    let user = app.user(&unique("buyer")).verified().create().await;
    let c = signed_in(app, &user).await;
    (user, c)
}

pub async fn admin(app: &TestApp) -> Client {
    let user = app
        .user(&unique("admin"))
        .verified()
        .role(klearn::domain::account::Role::Admin)
        .create()
        .await;
    signed_in(app, &user).await
}

pub async fn moderator(app: &TestApp) -> Client {
    let user = app
        .user(&unique("mod"))
        .verified()
        .role(klearn::domain::account::Role::Moderator)
        .create()
        .await;
    signed_in(app, &user).await
}

/// Buys these courses (the cart, or one course) through checkout and the
/// sandbox page, and waits for the order to be paid.
pub async fn buy(app: &TestApp, c: &Client, courses: &[&TestCourse]) -> OrderId {
    let res = if let [course] = courses {
        c.post_form("/checkout", &[("course_id", &course.id.to_string())])
            .await
    } else {
        for course in courses {
            let added = c
                .post_form("/cart/items", &[("course_id", &course.id.to_string())])
                .await;
            assert_eq!(added.status, 303);
        }
        c.post_form("/checkout", &[]).await
    };
    assert_eq!(res.status, 303, "{}", res.body);
    let payment: PaymentId = res
        .location()
        .and_then(|l| l.strip_prefix("/pay/sandbox/"))
        .expect("to the sandbox page")
        .parse()
        .unwrap();
    let paid = c
        .post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    assert_eq!(paid.status, 303);
    let order = app
        .db(move |conn| Payment::find(conn, payment).unwrap().order_id)
        .await;
    wait_for_order(app, order, OrderState::Paid).await;
    order
}

pub async fn order(app: &TestApp, id: OrderId) -> Order {
    app.db(move |conn| Order::find(conn, id).unwrap()).await
}

/// Waits (up to 10 s) for the order to reach `state` through the jobs.
pub async fn wait_for_order(app: &TestApp, id: OrderId, state: OrderState) -> Order {
    for _ in 0..200 {
        let o = order(app, id).await;
        if o.state == state {
            return o;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("order {id} never became {state}: {:?}", order(app, id).await);
}

pub async fn items(app: &TestApp, id: OrderId) -> Vec<klearn_db::orders::OrderItem> {
    app.db(move |conn| Order::items(conn, id).unwrap()).await
}

pub async fn enrolled(app: &TestApp, user: &TestUser, course: &TestCourse) -> bool {
    let (u, c) = (user.id, course.id);
    app.db(move |conn| {
        enrollments::table
            .filter(enrollments::user_id.eq(u))
            .filter(enrollments::course_id.eq(c))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
            > 0
    })
    .await
}

/// Moves the order's payment back in time (and so its refund window).
pub async fn paid_ago(app: &TestApp, id: OrderId, ago: chrono::Duration) {
    app.db(move |conn| {
        klearn_db::diesel::update(orders::table.find(id))
            .set(orders::paid_at.eq(Some(klearn_db::now() - ago)))
            .execute(conn)
            .unwrap();
    })
    .await;
}

/// The learner opens these lessons, as the lesson page records it.
async fn open_lessons(c: &Client, course: &TestCourse, lessons: std::ops::Range<usize>) {
    for n in lessons {
        let page = c
            .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[n]))
            .await;
        assert!(page.body.contains(&format!("BODY-{n}")), "lesson {n} opens");
    }
}

/// The sum of the sandbox's refunds of the order's payment.
async fn refunded_at_provider(app: &TestApp, id: OrderId) -> i64 {
    app.db(move |conn| {
        let payment = Payment::for_order(conn, id).unwrap().remove(0);
        SandboxCharge::for_payment(conn, payment.id)
            .unwrap()
            .refunded_cents
    })
    .await
}

async fn learners_count(app: &TestApp, course: &TestCourse) -> i64 {
    let id = course.id;
    app.db(move |conn| klearn_db::courses::Course::find(conn, id).unwrap().learners_count)
        .await
}

/// Waits (up to 10 s) for a mail to `to` whose subject has `needle`.
pub async fn wait_for_subject(app: &TestApp, to: &str, needle: &str) -> crate::common::Mail {
    for _ in 0..200 {
        let found = app
            .inbox()
            .into_iter()
            .find(|m| m.to.contains(to) && m.subject.contains(needle));
        if let Some(mail) = found {
            return mail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail “{needle}” to {to} within 10 s");
}

async fn request(c: &Client, id: OrderId, reason: &str) -> crate::common::Response {
    c.post_form(&format!("/orders/{id}/refund-request"), &[("reason", reason)])
        .await
}

#[tokio::test]
async fn a_learner_asks_for_a_refund_and_an_admin_approves_it() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 4).await;
    let (user, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;
    assert!(enrolled(&app, &user, &course).await);
    assert_eq!(learners_count(&app, &course).await, 1);
    // Part of the item was paid with points (as checkout stores them).
    let item = items(&app, id).await.remove(0).id;
    app.db(move |conn| {
        klearn_db::diesel::update(order_items::table.find(item))
            .set(order_items::points.eq(300))
            .execute(conn)
            .unwrap();
    })
    .await;

    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("此订单可以申请退款"), "{}", page.text());
    assert_eq!(
        page.attrs("form.form", "action"),
        [format!("/orders/{id}/refund-request")]
    );
    // No reason: the form comes back with its message.
    let bad = request(&c, id, "   ").await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("请说明申请退款的原因"));
    // Too long: the text comes back in the form with its message.
    let long = format!("KEPT-{}", "长".repeat(2000));
    let bad = request(&c, id, &long).await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("原因最多 2000 个字符"));
    assert_eq!(bad.texts("textarea[name=reason]"), [long]);
    let res = request(&c, id, "Not what I expected").await;
    assert_eq!(res.location(), Some(format!("/orders/{id}").as_str()));
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("Not what I expected") && page.text().contains("等待处理"));
    assert!(page.text().contains("已有一个退款申请在等待处理"));
    // A second request while one waits: refused with the reason, nothing filed.
    let again = request(&c, id, "again").await;
    assert_eq!(again.status, 409);
    assert!(again.text().contains("已有一个退款申请在等待处理"));
    assert_eq!(
        app.db(move |conn| RefundRequest::for_order(conn, id).unwrap().len())
            .await,
        1
    );

    let a = admin(&app).await;
    let list = a.get("/admin/orders").await;
    assert!(
        list.text().contains("Not what I expected"),
        "the waiting request is listed"
    );
    let number = order(&app, id).await.number.unwrap();
    assert!(list.text().contains(&number));
    let admin_page = a.get(&format!("/admin/orders/{id}")).await;
    assert!(admin_page
        .attrs("form", "action")
        .contains(&format!("/admin/orders/{id}/refund")));
    let res = a.post_form(&format!("/admin/orders/{id}/refund"), &[]).await;
    assert_eq!(res.location(), Some(format!("/admin/orders/{id}").as_str()));

    let refunded = wait_for_order(&app, id, OrderState::Refunded).await;
    assert!(refunded.closed_at.is_some());
    assert!(!enrolled(&app, &user, &course).await, "access is gone");
    assert_eq!(learners_count(&app, &course).await, 0);
    let paid_lesson = format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]);
    assert!(!c.get(&paid_lesson).await.body.contains("BODY-1"));
    assert_eq!(refunded_at_provider(&app, id).await, PRICE);
    let request = app
        .db(move |conn| RefundRequest::for_order(conn, id).unwrap().remove(0))
        .await;
    assert_eq!(request.state, RefundRequestState::Approved);
    // The earning is taken back, to the fen.
    let (tid, key) = (teacher.id, format!("refund-item:{item}:points"));
    let (earned, balance, returned) = app
        .db(move |conn| {
            (
                Earnings::total_for(conn, tid).unwrap(),
                Points::balance(conn, user.id).unwrap(),
                Points::has(conn, &key).unwrap(),
            )
        })
        .await;
    assert_eq!(earned, 0);
    assert!(returned, "the item's points are returned with their key");
    assert_eq!(balance, 300);
    let ledger = app
        .db(move |conn| Points::ledger_sum(conn, user.id).unwrap())
        .await;
    assert_eq!(ledger, balance, "the points ledger and the balance agree");
    let mail = wait_for_subject(&app, &user.email, "退款已完成").await;
    assert!(
        mail.text.contains(&number) && mail.text.contains("¥99"),
        "{}",
        mail.text
    );
    app.jobs_settled().await;
    let mails = app
        .inbox()
        .into_iter()
        .filter(|m| m.to.contains(&user.email) && m.subject.contains("退款已完成"))
        .count();
    assert_eq!(mails, 1, "one mail");
    // The order page says so, and offers nothing more.
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.attrs("form.form", "action").is_empty());
}

#[tokio::test]
async fn eligibility_ends_after_fourteen_days_and_past_thirty_percent() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 10).await;
    let (_, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;

    // 3 of 10 lessons opened: exactly 30 %, it qualifies.
    open_lessons(&c, &course, 0..3).await;
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("此订单可以申请退款"), "{}", page.text());
    // Just inside 14 days.
    paid_ago(
        &app,
        id,
        chrono::Duration::days(14) - chrono::Duration::minutes(1),
    )
    .await;
    assert!(c
        .get(&format!("/orders/{id}"))
        .await
        .text()
        .contains("此订单可以申请退款"));

    // Just past 14 days: the page says why, the request is refused.
    paid_ago(
        &app,
        id,
        chrono::Duration::days(14) + chrono::Duration::minutes(1),
    )
    .await;
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("距付款已超过 14 天"));
    assert!(page.attrs("form.form", "action").is_empty());
    let res = request(&c, id, "too late").await;
    assert_eq!(res.status, 409);
    assert!(res.text().contains("距付款已超过 14 天"));

    // Back in the window, a fourth lesson opened: 40 %, with the course named.
    paid_ago(&app, id, chrono::Duration::days(1)).await;
    open_lessons(&c, &course, 3..4).await;
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("你已打开"), "{}", page.text());
    assert!(page.text().contains("10 节课中的 4 节"));
    let res = request(&c, id, "too much seen").await;
    assert_eq!(res.status, 409);
    // Both reasons at once.
    paid_ago(&app, id, chrono::Duration::days(20)).await;
    let reasons = c.get(&format!("/orders/{id}")).await.texts(".refund-reasons li");
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!(
        app.db(move |conn| RefundRequest::for_order(conn, id).unwrap().len())
            .await,
        0
    );
}

#[tokio::test]
async fn an_admin_declines_a_request_with_a_reason_the_learner_is_mailed() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 4).await;
    let (user, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;
    assert_eq!(request(&c, id, "Changed my mind").await.status, 303);
    let pending = app
        .db(move |conn| RefundRequest::pending_for(conn, id).unwrap().unwrap())
        .await;
    let a = admin(&app).await;
    let path = format!("/admin/refund-requests/{}/decline", pending.id);
    let res = a.post_form(&path, &[("reason", "  ")]).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("请填写拒绝理由"));
    let res = a
        .post_form(&path, &[("reason", "You finished the course project")])
        .await;
    assert_eq!(res.location(), Some(format!("/admin/orders/{id}").as_str()));
    let decided = app
        .db(move |conn| RefundRequest::find(conn, pending.id).unwrap())
        .await;
    assert_eq!(decided.state, RefundRequestState::Declined);
    assert_eq!(decided.decision_note, "You finished the course project");
    let mail = wait_for_subject(&app, &user.email, "未获批准").await;
    assert!(mail.text.contains("You finished the course project"));
    // Declining again: the request was answered.
    assert_eq!(a.post_form(&path, &[("reason", "again")]).await.status, 409);
    // Nothing moved; the learner keeps the course and may ask again.
    assert_eq!(order(&app, id).await.state, OrderState::Paid);
    assert!(enrolled(&app, &user, &course).await);
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("You finished the course project"));
    assert!(page.text().contains("此订单可以申请退款"));
}

#[tokio::test]
async fn per_item_then_full_refunds_reverse_each_items_ledgers() {
    let app = TestApp::spawn().await;
    let (ada, bob) = (expert(&app).await, expert(&app).await);
    let first = course_of(&app, &ada, 9999, 2).await;
    let second = course_of(&app, &bob, 4950, 2).await;
    let (user, c) = learner(&app).await;
    let id = buy(&app, &c, &[&first, &second]).await;
    let bought = items(&app, id).await;
    assert_eq!(bought.len(), 2);
    let (one, two) = (bought[0].clone(), bought[1].clone());
    let (ada_id, bob_id) = (ada.id, bob.id);
    let totals = move |conn: &mut klearn_db::DbConnection| {
        (
            Earnings::total_for(conn, ada_id).unwrap(),
            Earnings::total_for(conn, bob_id).unwrap(),
        )
    };
    // 70 % of each, rounded down to the fen.
    assert_eq!(app.db(totals).await, (6999, 3465));

    let a = admin(&app).await;
    let res = a
        .post_form(
            &format!("/admin/orders/{id}/refund"),
            &[("item_ids", &one.id.to_string())],
        )
        .await;
    assert_eq!(res.status, 303);
    wait_for_order(&app, id, OrderState::PartiallyRefunded).await;
    assert!(!enrolled(&app, &user, &first).await);
    assert!(enrolled(&app, &user, &second).await);
    assert_eq!(app.db(totals).await, (0, 3465));
    assert_eq!(refunded_at_provider(&app, id).await, 9999);
    // The refund's row takes back exactly the sale's amount.
    let key = format!("refund:{}", one.id);
    let debit: i64 = app
        .db(move |conn| {
            earnings::table
                .filter(earnings::entry_key.eq(key))
                .select(earnings::amount_cents)
                .first(conn)
                .unwrap()
        })
        .await;
    assert_eq!(debit, -6999);

    // The rest: no items named refunds what is left.
    let res = a.post_form(&format!("/admin/orders/{id}/refund"), &[]).await;
    assert_eq!(res.status, 303);
    wait_for_order(&app, id, OrderState::Refunded).await;
    assert!(!enrolled(&app, &user, &second).await);
    assert_eq!(app.db(totals).await, (0, 0));
    assert_eq!(refunded_at_provider(&app, id).await, 9999 + 4950);
    let states: Vec<_> = items(&app, id).await.into_iter().map(|i| i.state).collect();
    assert!(states.iter().all(|s| s.as_str() == "refunded"), "{states:?}");
    let _ = two;
}

#[tokio::test]
async fn refunding_twice_is_refused_and_moves_nothing() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;
    let item = items(&app, id).await.remove(0).id;
    let a = admin(&app).await;
    let path = format!("/admin/orders/{id}/refund");
    // An item of another order is not this order's.
    let res = a.post_form(&path, &[("item_ids", "999999")]).await;
    assert_eq!(res.status, 404);
    assert_eq!(a.post_form(&path, &[]).await.status, 303);
    // While the provider has not confirmed yet, and after.
    let again = a.post_form(&path, &[]).await;
    assert_eq!(again.status, 409);
    wait_for_order(&app, id, OrderState::Refunded).await;
    for fields in [vec![], vec![("item_ids", item.to_string())]] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = a.post_form(&path, &fields).await;
        assert_eq!(res.status, 409);
        assert!(res.text().contains("已经退款"), "{}", res.text());
    }
    assert_eq!(refunded_at_provider(&app, id).await, PRICE);
    let refunds = app.db(move |conn| Refund::for_order(conn, id).unwrap()).await;
    assert_eq!(refunds.len(), 1);
    let _: OrderItemId = item;
}

#[tokio::test]
async fn a_double_click_on_refund_moves_money_once() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;
    let a = admin(&app).await;
    let path = format!("/admin/orders/{id}/refund");
    let (x, y) = tokio::join!(a.post_form(&path, &[]), a.post_form(&path, &[]));
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    wait_for_order(&app, id, OrderState::Refunded).await;
    app.jobs_settled().await;
    assert_eq!(refunded_at_provider(&app, id).await, PRICE);
    let refunds = app.db(move |conn| Refund::for_order(conn, id).unwrap()).await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount_cents, PRICE);
    assert_eq!(
        app.db(move |conn| Earnings::total_for(conn, teacher.id).unwrap())
            .await,
        0
    );
}

#[tokio::test]
async fn only_admins_refund_and_only_the_owner_asks() {
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let course = course_of(&app, &teacher, PRICE, 2).await;
    let (_, c) = learner(&app).await;
    let id = buy(&app, &c, &[&course]).await;
    // Another learner cannot see nor ask for this order's refund.
    let (_, other) = learner(&app).await;
    assert_eq!(other.get(&format!("/orders/{id}")).await.status, 404);
    assert_eq!(request(&other, id, "mine now").await.status, 404);
    let guest = app.new_client();
    let res = request(&guest, id, "guest").await;
    assert!(res.status == 303 || res.status == 403, "{}", res.status);

    assert_eq!(request(&c, id, "please").await.status, 303);
    let pending = app
        .db(move |conn| RefundRequest::pending_for(conn, id).unwrap().unwrap())
        .await;
    let refund = format!("/admin/orders/{id}/refund");
    let decline = format!("/admin/refund-requests/{}/decline", pending.id);
    let teacher_client = signed_in(&app, &teacher).await;
    let m = moderator(&app).await;
    for who in [&c, &teacher_client, &m] {
        assert_eq!(who.post_form(&refund, &[]).await.status, 403);
        assert_eq!(who.post_form(&decline, &[("reason", "no")]).await.status, 403);
    }
    // A moderator sees the order and its request, not the forms.
    let page = m.get(&format!("/admin/orders/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("please"));
    assert!(!page.attrs("form", "action").contains(&refund));
    assert_eq!(order(&app, id).await.state, OrderState::Paid);
    let state = app
        .db(move |conn| RefundRequest::find(conn, pending.id).unwrap().state)
        .await;
    assert_eq!(state, RefundRequestState::Pending);
    assert_eq!(refunded_at_provider(&app, id).await, 0);
}

#[tokio::test]
async fn the_demo_has_a_refunded_order_earnings_pending_and_available_and_a_payout() {
    let app = TestApp::builder().demo().spawn().await;
    let (learner, expert) = app
        .db(|conn| {
            let find = |conn: &mut klearn_db::DbConnection, name: &str| {
                klearn_db::users::User::find_by_username(conn, name).unwrap().id
            };
            (find(conn, "demo_learner"), find(conn, "demo_expert"))
        })
        .await;
    let refunded = app
        .db(move |conn| {
            let (orders, _) = Order::list_for_user(conn, learner, 1, 50).unwrap();
            orders
                .into_iter()
                .filter(|o| o.state == OrderState::Refunded)
                .collect::<Vec<_>>()
        })
        .await;
    assert_eq!(refunded.len(), 1);
    let id = refunded[0].id;
    let requests = app
        .db(move |conn| RefundRequest::for_order(conn, id).unwrap())
        .await;
    assert_eq!(requests[0].state, RefundRequestState::Approved);
    let b = app
        .db(move |conn| Earnings::balances(conn, expert, klearn_db::now()).unwrap())
        .await;
    assert!(b.pending > 0, "{b:?}");
    assert!(b.paid_out > 0 && b.available() > 0, "{b:?}");
    let sale_and_refund: i64 = app
        .db(move |conn| {
            let item = Order::items(conn, id).unwrap().remove(0).id;
            earnings::table
                .filter(earnings::order_item_id.eq(item))
                .select(earnings::amount_cents)
                .load::<i64>(conn)
                .unwrap()
                .into_iter()
                .sum()
        })
        .await;
    assert_eq!(sale_and_refund, 0, "the refunded sale is taken back");
    // The cart order waits with a request, the last one still qualifies
    // (their pages as the HTML checker sees them); the first order's window
    // has closed.
    let c = app.new_client();
    let demo = klearn::demo::DEMO_PASSWORD;
    assert_eq!(c.login("demo_learner", demo).await.status, 303);
    let page = c.get("/orders/2").await;
    assert!(page.text().contains("等待处理"), "{}", page.text());
    let page = c.get("/orders/7").await;
    assert_eq!(page.attrs("form.form", "action"), ["/orders/7/refund-request"]);
    let page = c.get("/orders/1").await;
    assert!(page.text().contains("距付款已超过 14 天"), "{}", page.text());
    let page = c.get(&format!("/orders/{id}")).await;
    assert!(page.text().contains("已批准"));
}

#[tokio::test]
async fn an_item_paid_fully_by_a_coupon_is_refunded_at_once_without_the_provider() {
    use klearn_db::schema::{payments, sandbox_charges};
    let app = TestApp::spawn().await;
    let teacher = expert(&app).await;
    let paid = course_of(&app, &teacher, PRICE, 2).await;
    let free_by_coupon = course_of(&app, &teacher, 4900, 2).await;
    let (user, c) = learner(&app).await;
    for course in [&paid, &free_by_coupon] {
        c.post_form("/cart/items", &[("course_id", &course.id.to_string())])
            .await;
    }
    let res = c.post_form("/checkout", &[]).await;
    let payment: PaymentId = res
        .location()
        .and_then(|l| l.strip_prefix("/pay/sandbox/"))
        .unwrap()
        .parse()
        .unwrap();
    // As checkout stores a coupon that takes the whole second item: its
    // money share 0, its points 0; the order and its payment are the first
    // item's price.
    let id = app
        .db(move |conn| {
            let order = Payment::find(conn, payment).unwrap().order_id;
            let second = Order::items(conn, order).unwrap()[1].id;
            klearn_db::diesel::update(order_items::table.find(second))
                .set((
                    order_items::discount_cents.eq(4900),
                    order_items::paid_cents.eq(0),
                ))
                .execute(conn)
                .unwrap();
            klearn_db::diesel::update(orders::table.find(order))
                .set((orders::discount_cents.eq(4900), orders::total_cents.eq(PRICE)))
                .execute(conn)
                .unwrap();
            klearn_db::diesel::update(payments::table.find(payment))
                .set(payments::amount_cents.eq(PRICE))
                .execute(conn)
                .unwrap();
            klearn_db::diesel::update(sandbox_charges::table.filter(sandbox_charges::payment_id.eq(payment)))
                .set(sandbox_charges::amount_cents.eq(PRICE))
                .execute(conn)
                .unwrap();
            order
        })
        .await;
    c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    wait_for_order(&app, id, OrderState::Paid).await;
    let second = items(&app, id).await[1].id;
    let a = admin(&app).await;
    let res = a
        .post_form(
            &format!("/admin/orders/{id}/refund"),
            &[("item_ids", &second.to_string())],
        )
        .await;
    assert_eq!(res.status, 303);
    // Done in the same request: no provider call, no webhook to wait for.
    assert_eq!(order(&app, id).await.state, OrderState::PartiallyRefunded);
    assert!(!enrolled(&app, &user, &free_by_coupon).await);
    assert!(enrolled(&app, &user, &paid).await);
    assert_eq!(refunded_at_provider(&app, id).await, 0);
    // Then the paid item goes back through the provider.
    a.post_form(&format!("/admin/orders/{id}/refund"), &[]).await;
    wait_for_order(&app, id, OrderState::Refunded).await;
    assert_eq!(refunded_at_provider(&app, id).await, PRICE);
    assert_eq!(
        app.db(move |conn| Earnings::total_for(conn, teacher.id).unwrap())
            .await,
        0
    );
}
