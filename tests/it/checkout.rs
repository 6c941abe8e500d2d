//! Checkout and payments: the cart, orders and their states, the sandbox
//! provider's hosted page and signed webhooks, fulfilment exactly once
//! (under duplicates, replays, reordering and concurrency), receipts, and
//! who may see which order.

use klearn::checkout::signature;
use klearn_db::diesel::prelude::*;
use klearn_db::enrollments::Enrollment;
use klearn_db::orders::{Order, Payment, Refund, SandboxCharge};
use klearn_db::schema::{jobs, orders};
use klearn_db::{OrderId, OrderState, PaymentId, PaymentState};

use crate::common::{unique, Client, TestApp, TestCourse, TestUser, WEBHOOK_SECRET};

const PRICE: i64 = 9900;

/// An expert's paid course with a free preview and a paid lesson.
async fn paid_course(app: &TestApp) -> (TestUser, TestCourse) {
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let course = app
        .course(&expert)
        .title("Async Rust in Depth")
        .price(PRICE)
        .published()
        .lesson("Welcome", true, "Hello.", "")
        .lesson("Pinning", false, "PAID-BODY-4711", "")
        .create()
        .await;
    (expert, course)
}

async fn learner(app: &TestApp) -> (TestUser, Client) {
    let user = app.user(&unique("buyer")).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// "Buy now" from the landing page: the checkout page, then its pay
/// button. Returns the order and its payment.
async fn buy_now(app: &TestApp, c: &Client, course: &TestCourse) -> (OrderId, PaymentId) {
    let page = c.get(&format!("/checkout?course_id={}", course.id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let id = course.id.to_string();
    let res = c.post_form("/checkout", &[("course_id", &id)]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let to = res.location().unwrap().to_string();
    let payment: PaymentId = to
        .strip_prefix("/pay/sandbox/")
        .expect("to the sandbox page")
        .parse()
        .unwrap();
    let order = app
        .db(move |conn| Payment::find(conn, payment).unwrap().order_id)
        .await;
    (order, payment)
}

async fn order(app: &TestApp, id: OrderId) -> Order {
    app.db(move |conn| Order::find(conn, id).unwrap()).await
}

/// Waits (up to 10 s) for the order to reach `state` through the jobs.
async fn wait_for_order(app: &TestApp, id: OrderId, state: OrderState) -> Order {
    for _ in 0..200 {
        let o = order(app, id).await;
        if o.state == state {
            return o;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("order {id} never became {state}: {:?}", order(app, id).await);
}

async fn enrollments(app: &TestApp, user: &TestUser, course: &TestCourse) -> i64 {
    let (u, c) = (user.id, course.id);
    app.db(move |conn| {
        use klearn_db::schema::enrollments::dsl::*;
        enrollments
            .filter(user_id.eq(u))
            .filter(course_id.eq(c))
            .count()
            .get_result::<i64>(conn)
            .unwrap()
    })
    .await
}

/// The receipt mails an order's buyer got, once its receipt job has run.
async fn receipts(app: &TestApp, order: &Order) -> usize {
    let key = format!("receipt:{}", order.id);
    for _ in 0..200 {
        let k = key.clone();
        let done = app
            .db(move |conn| {
                jobs::table
                    .filter(jobs::dedupe_key.eq(k))
                    .filter(jobs::status.eq("done"))
                    .count()
                    .get_result::<i64>(conn)
                    .unwrap()
            })
            .await;
        if done > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.inbox()
        .into_iter()
        .filter(|m| m.subject.contains(order.number()))
        .count()
}

fn event(id: &str, kind: &str, payment: &str, amount: i64) -> String {
    serde_json::json!({
        "id": id, "type": kind, "payment": payment, "amount": amount, "currency": "CNY", "reason": ""
    })
    .to_string()
}

/// Posts an event to the webhook as the provider would, signed at `t`.
async fn deliver(app: &TestApp, body: &str, t: i64) -> (u16, String) {
    let header = signature::sign(WEBHOOK_SECRET.as_bytes(), t, body.as_bytes());
    deliver_with(app, body, Some(&header)).await
}

async fn deliver_with(app: &TestApp, body: &str, header: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(app.url("/webhooks/payments/sandbox"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(h) = header {
        req = req.header("Klearn-Signature", h);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn reference(app: &TestApp, payment: PaymentId) -> String {
    app.db(move |conn| Payment::find(conn, payment).unwrap().provider_ref)
        .await
}

#[tokio::test]
async fn a_learner_buys_a_course_through_the_sandbox_and_learns_it_at_once() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let landing = c.get(&format!("/courses/{}", course.slug)).await;
    assert!(landing
        .attrs("a.btn-primary", "href")
        .contains(&format!("/checkout?course_id={}", course.id)));
    let paid_lesson = format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]);
    assert!(!c.get(&paid_lesson).await.body.contains("PAID-BODY-4711"));

    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let placed = order(&app, order_id).await;
    assert_eq!(placed.state, OrderState::Pending);
    assert_eq!(placed.total_cents, PRICE);
    assert!(placed.number().starts_with('K'), "{}", placed.number());
    let hosted = c.get(&format!("/pay/sandbox/{payment}")).await;
    assert_eq!(hosted.status, 200);
    assert!(hosted.text().contains("¥99") && hosted.text().contains(placed.number()));
    let waiting = c.get(&format!("/orders/{order_id}")).await;
    assert!(
        waiting.body.contains("http-equiv=\"refresh\""),
        "a waiting order refreshes itself"
    );

    let res = c
        .post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    assert_eq!(res.location(), Some(format!("/orders/{order_id}").as_str()));
    let paid = wait_for_order(&app, order_id, OrderState::Paid).await;
    assert!(paid.paid_at.is_some() && !paid.paid_late);
    let page = c.get(&format!("/orders/{order_id}")).await;
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "a settled order stops refreshing"
    );
    assert!(c.get(&paid_lesson).await.body.contains("PAID-BODY-4711"));
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    assert_eq!(receipts(&app, &paid).await, 1);
    let mail = app.wait_for_mail(&user.email).await;
    assert!(mail.subject.contains(paid.number()), "{}", mail.subject);
    let receipt = c.get(&format!("/orders/{order_id}/receipt")).await;
    assert_eq!(receipt.status, 200);
    assert!(receipt.text().contains("Async Rust in Depth") && receipt.text().contains("¥99"));
    assert!(c.get("/orders").await.text().contains(paid.number()));
    // Owned now: the landing page no longer sells it, checkout has nothing to buy.
    let again = c
        .post_form("/checkout", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn prices_come_from_the_server_whatever_the_browser_sends() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (_, c) = learner(&app).await;
    c.get(&format!("/checkout?course_id={}", course.id)).await;
    let id = course.id.to_string();
    let res = c
        .post_form(
            "/checkout",
            &[
                ("course_id", &id),
                ("price_cents", "1"),
                ("total_cents", "1"),
                ("amount", "0.01"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let payment: PaymentId = res
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (p, charge) = app
        .db(move |conn| {
            let p = Payment::find(conn, payment).unwrap();
            let charge = SandboxCharge::for_payment(conn, payment).unwrap();
            (p, charge)
        })
        .await;
    assert_eq!(p.amount_cents, PRICE);
    assert_eq!(charge.amount_cents, PRICE);
    let o = order(&app, p.order_id).await;
    assert_eq!((o.subtotal_cents, o.total_cents), (PRICE, PRICE));
    // The snapshot keeps the price paid even when the expert changes it later.
    let cid = course.id;
    app.db(move |conn| {
        use klearn_db::schema::courses::dsl::*;
        diesel::update(courses.find(cid))
            .set(price_cents.eq(100))
            .execute(conn)
            .unwrap();
    })
    .await;
    let items = app.db(move |conn| Order::items(conn, o.id).unwrap()).await;
    assert_eq!(items[0].paid_cents, PRICE);
    assert_eq!(items[0].title, "Async Rust in Depth");
}

#[tokio::test]
async fn the_cart_holds_each_paid_course_once_and_only_what_can_be_bought() {
    let app = TestApp::spawn().await;
    let (expert, course) = paid_course(&app).await;
    let second = app
        .course(&expert)
        .title("Tokio Internals")
        .price(4900)
        .published()
        .create()
        .await;
    let free = app
        .course(&expert)
        .title("Free Intro")
        .price(0)
        .published()
        .create()
        .await;
    let draft = app
        .course(&expert)
        .title("Secret Draft")
        .price(4900)
        .create()
        .await;

    // A guest is sent to log in and comes back to the course.
    let guest = app.new_client();
    let landing = guest.get(&format!("/courses/{}", course.slug)).await;
    assert!(landing
        .attrs("a", "href")
        .contains(&format!("/login?next=/courses/{}", course.slug)));
    let res = guest.get("/cart").await;
    assert!(
        res.location().unwrap_or("").starts_with("/login"),
        "{:?}",
        res.location()
    );

    let (user, c) = learner(&app).await;
    c.get(&format!("/courses/{}", course.slug)).await;
    let res = c
        .post_form("/cart/items", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(res.location(), Some("/cart"));
    c.post_form("/cart/items", &[("course_id", &second.id.to_string())])
        .await;
    let again = c
        .post_form("/cart/items", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(again.location(), Some("/cart"));
    let cart = c.get("/cart").await;
    assert!(cart.text().contains("already in your cart") || cart.text().contains("已经在购物车里"));
    assert_eq!(cart.select(".order-line").len(), 2, "each course once");
    assert!(cart.text().contains("¥148"), "the total of both: {}", cart.text());
    let landing = c.get(&format!("/courses/{}", course.slug)).await;
    assert!(landing.text().contains("已在购物车中"));

    // A free course keeps its enroll button; adding it is refused with the reason.
    let res = c
        .post_form("/cart/items", &[("course_id", &free.id.to_string())])
        .await;
    assert_eq!(res.location(), Some(format!("/courses/{}", free.slug).as_str()));
    assert!(c
        .get(res.location().unwrap())
        .await
        .text()
        .contains("请在课程页直接报名"));
    // A draft cannot be bought; rubbish is a bad request.
    assert_eq!(
        c.post_form("/cart/items", &[("course_id", &draft.id.to_string())])
            .await
            .status,
        404
    );
    assert_eq!(
        c.post_form("/cart/items", &[("course_id", "abc")]).await.status,
        400
    );
    // The expert cannot buy their own course.
    let ec = app.new_client();
    ec.login(&expert.username, &expert.password).await;
    ec.get("/cart").await;
    let res = ec
        .post_form("/cart/items", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(res.location(), Some(format!("/courses/{}", course.slug).as_str()));
    assert!(ec.get("/cart").await.select(".order-line").is_empty());

    // Nobody removes another member's line.
    let line = cart.attrs("form[action^='/cart/items/']", "action")[0].clone();
    assert_eq!(ec.post_form(&line, &[]).await.status, 404);
    let res = c.post_form(&line, &[]).await;
    assert_eq!(res.location(), Some("/cart"));
    assert_eq!(c.get("/cart").await.select(".order-line").len(), 1);

    // An owned course is not added.
    let uid = user.id;
    let cid = course.id;
    app.db(move |conn| Enrollment::enroll(conn, uid, cid, "purchase", None).unwrap())
        .await;
    let res = c
        .post_form("/cart/items", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(res.location(), Some(format!("/courses/{}", course.slug).as_str()));
    assert!(c.get(res.location().unwrap()).await.text().contains("已经拥有"));
}

#[tokio::test]
async fn paying_the_cart_buys_what_is_left_and_empties_it() {
    let app = TestApp::spawn().await;
    let (expert, course) = paid_course(&app).await;
    let second = app
        .course(&expert)
        .title("Tokio Internals")
        .price(4900)
        .published()
        .create()
        .await;
    let (user, c) = learner(&app).await;
    c.get("/cart").await;
    for id in [course.id, second.id] {
        c.post_form("/cart/items", &[("course_id", &id.to_string())])
            .await;
    }
    // Meanwhile the learner got the second course another way.
    let (uid, sid) = (user.id, second.id);
    app.db(move |conn| Enrollment::enroll(conn, uid, sid, "purchase", None).unwrap())
        .await;
    let checkout = c.get("/checkout").await;
    assert!(
        checkout.text().contains("Tokio Internals"),
        "left out, and said so"
    );
    assert!(checkout.text().contains("¥99"));
    let res = c.post_form("/checkout", &[]).await;
    assert_eq!(res.status, 303);
    let payment: PaymentId = res
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    c.get(&format!("/pay/sandbox/{payment}")).await;
    c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    let order_id = app
        .db(move |conn| Payment::find(conn, payment).unwrap().order_id)
        .await;
    let paid = wait_for_order(&app, order_id, OrderState::Paid).await;
    assert_eq!(paid.total_cents, PRICE);
    assert!(c.get("/cart").await.select(".order-line").is_empty());
    assert_eq!(
        c.post_form("/checkout", &[]).await.status,
        409,
        "an empty cart buys nothing"
    );
}

#[tokio::test]
async fn a_failed_or_cancelled_payment_closes_the_order_and_can_be_tried_again() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let (first, payment) = buy_now(&app, &c, &course).await;
    c.get(&format!("/pay/sandbox/{payment}")).await;
    c.post_form(
        &format!("/pay/sandbox/{payment}"),
        &[("outcome", "fail"), ("reason", "insufficient_funds")],
    )
    .await;
    wait_for_order(&app, first, OrderState::Failed).await;
    let page = c.get(&format!("/orders/{first}")).await;
    assert!(page.text().contains("余额不足"), "{}", page.text());
    // The hosted page is settled: a second choice changes nothing.
    let res = c
        .post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    assert_eq!(res.location(), Some(format!("/orders/{first}").as_str()));
    assert_eq!(order(&app, first).await.state, OrderState::Failed);
    assert_eq!(
        c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "steal")])
            .await
            .status,
        400
    );

    let (second, payment) = buy_now(&app, &c, &course).await;
    c.get(&format!("/pay/sandbox/{payment}")).await;
    c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "cancel")])
        .await;
    wait_for_order(&app, second, OrderState::Cancelled).await;
    assert_eq!(enrollments(&app, &user, &course).await, 0);
    let page = c.get(&format!("/orders/{second}")).await;
    assert!(page
        .attrs("a", "href")
        .contains(&format!("/checkout?course_id={}", course.id)));
}

#[tokio::test]
async fn the_webhook_refuses_what_is_not_signed_now_by_the_provider() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let reference = reference(&app, payment).await;
    let body = event("evt_sig", "payment.succeeded", &reference, PRICE);

    let (status, _) = deliver_with(&app, &body, None).await;
    assert_eq!(status, 400, "no signature");
    let (status, _) = deliver_with(&app, &body, Some("t=1,v1=00")).await;
    assert_eq!(status, 400, "garbage");
    let forged = signature::sign(b"not the secret", now(), body.as_bytes());
    assert_eq!(deliver_with(&app, &body, Some(&forged)).await.0, 400, "wrong key");
    let other = event("evt_sig", "payment.succeeded", &reference, 1);
    let header = signature::sign(WEBHOOK_SECRET.as_bytes(), now(), other.as_bytes());
    assert_eq!(
        deliver_with(&app, &body, Some(&header)).await.0,
        400,
        "signature of another body"
    );
    assert_eq!(deliver(&app, &body, now() - 301).await.0, 400, "stale");
    // Well past the 300 s tolerance: the server reads its clock a moment
    // later than the test, which would bring a 301 s lead inside it.
    assert_eq!(deliver(&app, &body, now() + 320).await.0, 400, "from the future");
    assert_eq!(
        deliver(&app, "{not json", now()).await.0,
        400,
        "signed but unreadable"
    );
    let unknown = event("evt_unknown", "payment.succeeded", "sbx_nobody", PRICE);
    assert_eq!(deliver(&app, &unknown, now()).await.0, 404, "unknown payment");
    let cheap = event("evt_cheap", "payment.succeeded", &reference, PRICE - 1);
    assert_eq!(deliver(&app, &cheap, now()).await.0, 400, "amount mismatch");
    let dollars = serde_json::json!({
        "id": "evt_usd", "type": "payment.succeeded", "payment": reference, "amount": PRICE, "currency": "USD"
    })
    .to_string();
    assert_eq!(deliver(&app, &dollars, now()).await.0, 400, "currency mismatch");
    assert_eq!(
        order(&app, order_id).await.state,
        OrderState::Pending,
        "nothing changed"
    );
    assert_eq!(enrollments(&app, &user, &course).await, 0);
    let refused_rows = app
        .db(|conn| {
            klearn_db::schema::payment_events::table
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        refused_rows, 0,
        "refused events leave no trace that could block the real one"
    );

    // Within the tolerance, and exactly once however often it comes.
    assert_eq!(deliver(&app, &body, now() - 200).await, (200, "ok".to_string()));
    assert_eq!(deliver(&app, &body, now()).await, (200, "duplicate".to_string()));
    assert_eq!(order(&app, order_id).await.state, OrderState::Paid);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    // A second success event (another id) for the same payment changes nothing.
    let repeat = event("evt_sig_2", "payment.succeeded", &reference, PRICE);
    assert_eq!(deliver(&app, &repeat, now()).await.0, 200);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    assert_eq!(receipts(&app, &order(&app, order_id).await).await, 1);
}

#[tokio::test]
async fn events_out_of_order_never_unpay_an_order() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let reference = reference(&app, payment).await;
    let success = event("evt_a", "payment.succeeded", &reference, PRICE);
    let failure = event("evt_b", "payment.failed", &reference, PRICE);
    assert_eq!(deliver(&app, &success, now()).await.0, 200);
    assert_eq!(
        deliver(&app, &failure, now()).await.0,
        200,
        "acknowledged, and ignored"
    );
    let o = order(&app, order_id).await;
    assert_eq!(o.state, OrderState::Paid);
    let p = app.db(move |conn| Payment::find(conn, payment).unwrap()).await;
    assert_eq!(p.state, PaymentState::Succeeded);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
}

#[tokio::test]
async fn fifty_concurrent_deliveries_of_one_success_fulfil_it_once() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let reference = reference(&app, payment).await;
    let body = event("evt_storm", "payment.succeeded", &reference, PRICE);
    let header = signature::sign(WEBHOOK_SECRET.as_bytes(), now(), body.as_bytes());
    let mut deliveries = tokio::task::JoinSet::new();
    let http = reqwest::Client::new();
    for _ in 0..50 {
        let (url, body, header) = (
            app.url("/webhooks/payments/sandbox"),
            body.clone(),
            header.clone(),
        );
        let http = http.clone();
        deliveries.spawn(async move {
            let res = http
                .post(url)
                .header("Klearn-Signature", header)
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = deliveries.join_next().await {
        answers.push(answer.unwrap());
    }
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    assert_eq!(
        answers.iter().filter(|(_, b)| b == "ok").count(),
        1,
        "{answers:?}"
    );
    let o = order(&app, order_id).await;
    assert_eq!(o.state, OrderState::Paid);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    assert_eq!(receipts(&app, &o).await, 1);
}

#[tokio::test]
async fn an_unpaid_order_expires_by_its_job_and_a_late_payment_still_pays_it() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let placed = order(&app, order_id).await;
    let seconds = (placed.expires_at - placed.created_at).num_seconds();
    assert!(
        (1790..=1800).contains(&seconds),
        "pay within 30 minutes, not {seconds} s"
    );
    // Its time is up: the expiry job (scheduled for then) is made due now.
    let past = klearn_db::now() - chrono::Duration::seconds(1);
    app.db(move |conn| {
        diesel::update(orders::table.find(order_id))
            .set(orders::expires_at.eq(past))
            .execute(conn)
            .unwrap();
        let n = diesel::update(jobs::table.filter(jobs::kind.eq("expire_order")))
            .set(jobs::run_at.eq(past))
            .execute(conn)
            .unwrap();
        assert_eq!(n, 1, "one expiry job per order");
    })
    .await;
    wait_for_order(&app, order_id, OrderState::Expired).await;
    let page = c.get(&format!("/orders/{order_id}")).await;
    assert!(page.text().contains("30 分钟"), "{}", page.text());

    // The learner had paid after all: the provider's success pays it late.
    c.get(&format!("/pay/sandbox/{payment}")).await;
    c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    let paid = wait_for_order(&app, order_id, OrderState::Paid).await;
    assert!(paid.paid_late);
    assert!(paid.note.contains("expired"), "{}", paid.note);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    let page = c.get(&format!("/orders/{order_id}")).await;
    assert!(page.text().contains("订单关闭后才收到付款"));
    // Admins see it on the dashboard.
    let admin = app
        .user(&unique("adm"))
        .verified()
        .role(klearn::domain::account::Role::Admin)
        .create()
        .await;
    let ac = app.new_client();
    ac.login(&admin.username, &admin.password).await;
    let dashboard = ac.get("/admin").await;
    assert!(dashboard.text().contains(paid.number()), "{}", dashboard.text());
}

#[tokio::test]
async fn a_second_payment_for_an_owned_course_is_refunded_automatically() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (user, c) = learner(&app).await;
    // Two tabs: two orders for the same course, both paid.
    let (first, p1) = buy_now(&app, &c, &course).await;
    let (second, p2) = buy_now(&app, &c, &course).await;
    for p in [p1, p2] {
        c.get(&format!("/pay/sandbox/{p}")).await;
        c.post_form(&format!("/pay/sandbox/{p}"), &[("outcome", "success")])
            .await;
    }
    // Whichever success comes second finds the course owned.
    let mut states = (OrderState::Pending, OrderState::Pending);
    for _ in 0..200 {
        states = (order(&app, first).await.state, order(&app, second).await.state);
        if states.0 != OrderState::Pending && states.1 != OrderState::Pending {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (second, p2) = match states {
        (OrderState::Paid, OrderState::Refunded) => (second, p2),
        (OrderState::Refunded, OrderState::Paid) => (first, p1),
        other => panic!("one paid and one refunded, not {other:?}"),
    };
    let refunded = order(&app, second).await;
    assert!(refunded.note.contains("already owned"), "{}", refunded.note);
    assert_eq!(enrollments(&app, &user, &course).await, 1);
    // The provider gave the money back and confirmed it.
    for _ in 0..200 {
        let state = app.db(move |conn| Payment::find(conn, p2).unwrap().state).await;
        if state == PaymentState::Refunded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (payment, charge, refunds) = app
        .db(move |conn| {
            (
                Payment::find(conn, p2).unwrap(),
                SandboxCharge::for_payment(conn, p2).unwrap(),
                Refund::for_order(conn, second).unwrap(),
            )
        })
        .await;
    assert_eq!(payment.state, PaymentState::Refunded);
    assert_eq!(charge.refunded_cents, PRICE);
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount_cents, PRICE);
    let page = c.get(&format!("/orders/{second}")).await;
    assert!(page.text().contains("已退款"), "{}", page.text());
}

#[tokio::test]
async fn orders_receipts_and_payment_pages_are_their_owners_alone() {
    let app = TestApp::spawn().await;
    let (_, course) = paid_course(&app).await;
    let (_, c) = learner(&app).await;
    let (order_id, payment) = buy_now(&app, &c, &course).await;
    let (_, other) = learner(&app).await;
    for path in [
        format!("/orders/{order_id}"),
        format!("/orders/{order_id}/receipt"),
        format!("/pay/sandbox/{payment}"),
    ] {
        assert_eq!(other.get(&path).await.status, 404, "{path}");
    }
    other.get("/orders").await;
    let res = other
        .post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(order(&app, order_id).await.state, OrderState::Pending);
    assert!(!other
        .get("/orders")
        .await
        .text()
        .contains(order(&app, order_id).await.number()));
    let guest = app.new_client();
    let res = guest.get(&format!("/orders/{order_id}")).await;
    assert!(res.location().unwrap_or("").starts_with("/login"));
    // An unpaid order has no receipt yet.
    assert_eq!(c.get(&format!("/orders/{order_id}/receipt")).await.status, 404);
    assert_eq!(c.get("/orders/abc").await.status, 404);
}

#[tokio::test]
async fn without_a_provider_checkout_says_so_and_creates_nothing() {
    let app = TestApp::builder().without_payments().spawn().await;
    let (_, course) = paid_course(&app).await;
    let (_, c) = learner(&app).await;
    let landing = c.get(&format!("/courses/{}", course.slug)).await;
    assert!(landing.text().contains("本站尚未配置支付"));
    let page = c.get(&format!("/checkout?course_id={}", course.id)).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("本站尚未开通支付"), "{}", page.text());
    let res = c
        .post_form("/checkout", &[("course_id", &course.id.to_string())])
        .await;
    assert_eq!(res.status, 409);
    assert!(res.text().contains("本站尚未开通支付"));
    let count = app
        .db(|conn| orders::table.count().get_result::<i64>(conn).unwrap())
        .await;
    assert_eq!(count, 0);
    // Nor does the webhook exist for a provider that is not configured.
    assert_eq!(deliver(&app, "{}", now()).await.0, 404);
}

#[tokio::test]
async fn moderators_find_orders_by_state_date_and_buyer_and_see_their_events() {
    let app = TestApp::spawn().await;
    let (expert, course) = paid_course(&app).await;
    let other = app
        .course(&expert)
        .title("Tokio Internals")
        .price(4900)
        .published()
        .create()
        .await;
    let (user, c) = learner(&app).await;
    let (paid_id, payment) = buy_now(&app, &c, &course).await;
    c.get(&format!("/pay/sandbox/{payment}")).await;
    c.post_form(&format!("/pay/sandbox/{payment}"), &[("outcome", "success")])
        .await;
    let paid = wait_for_order(&app, paid_id, OrderState::Paid).await;
    let (waiting_id, _) = buy_now(&app, &c, &other).await;
    let waiting = order(&app, waiting_id).await;

    // Learners and experts do not see the admin list.
    for path in ["/admin/orders", &format!("/admin/orders/{paid_id}")] {
        assert_eq!(c.get(path).await.status, 403, "{path}");
    }
    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(klearn::domain::account::Role::Moderator)
        .create()
        .await;
    let m = app.new_client();
    m.login(&moderator.username, &moderator.password).await;
    let numbers = |res: &crate::common::Response| res.texts("tbody td:first-child a");
    let all = m.get("/admin/orders").await;
    assert_eq!(numbers(&all).len(), 2);
    let only_paid = m.get("/admin/orders?state=paid").await;
    assert_eq!(numbers(&only_paid), vec![paid.number().to_string()]);
    let by_number = m.get(&format!("/admin/orders?q={}", waiting.number())).await;
    assert_eq!(numbers(&by_number), vec![waiting.number().to_string()]);
    let by_buyer = m.get(&format!("/admin/orders?q={}", &user.username[2..])).await;
    assert_eq!(numbers(&by_buyer).len(), 2);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let future = m.get(&format!("/admin/orders?from={tomorrow}")).await;
    assert!(numbers(&future).is_empty());
    // A date that does not read is said so, kept in its field, and not applied.
    let bad = m.get("/admin/orders?from=yesterday&state=paid").await;
    assert_eq!(bad.status, 200);
    assert!(bad.text().contains("YYYY-MM-DD"), "{}", bad.text());
    assert_eq!(bad.attrs("#f-from", "value"), vec!["yesterday".to_string()]);
    assert_eq!(numbers(&bad).len(), 1);
    // One order: its payment and the provider's event with what became of it.
    let page = m.get(&format!("/admin/orders/{paid_id}")).await;
    assert!(page.text().contains("payment.succeeded") && page.text().contains(&user.username));
    assert_eq!(m.get("/admin/orders/999999").await.status, 404);
    // Today's paid orders and revenue on the dashboard.
    let dashboard = m.get("/admin?lang=en").await;
    assert!(dashboard.text().contains("¥99"), "{}", dashboard.text());
}
