//! The checkout load (run by `bench/checkout.sh`): signs in learners of a
//! `klearn seed --scale` community, places N orders over HTTP (`POST
//! /checkout`, one course each), then pays every one by delivering the
//! sandbox provider's signed success event to the webhook several times at
//! once (duplicates racing each other, in shuffled order). It prints orders
//! placed and paid per second, and checks afterwards in the database that
//! every paid order has exactly one enrollment, one recorded event and one
//! receipt.
//!
//!   checkout_load BASE_URL LEARNERS COURSES_EACH DUPLICATES CONCURRENCY
//!
//! Environment: DATABASE_URL (the site's), KLEARN_PAYMENT_WEBHOOK_SECRET.

use std::sync::Arc;
use std::time::Instant;

use klearn::checkout::signature;
use klearn_db::diesel::prelude::*;
use klearn_db::schema::{courses, enrollments, jobs, orders, payment_events, payments, user_roles, users};
use klearn_db::{CourseId, OrderId, UserId};
use rand::seq::SliceRandom;
use tokio::sync::Semaphore;

const PASSWORD: &str = "scale-password-2026";

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn token(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// Learners (members with no role) and, for each, courses they can buy.
fn shopping_lists(
    conn: &mut klearn_db::DbConnection,
    learners: usize,
    each: usize,
) -> Vec<(String, Vec<CourseId>)> {
    let staff = user_roles::table.select(user_roles::user_id);
    let people: Vec<(UserId, String)> = users::table
        .filter(users::id.ne_all(staff))
        .filter(users::deleted_at.is_null())
        .order(users::id)
        .limit(learners as i64)
        .select((users::id, users::username))
        .load(conn)
        .expect("learners");
    let on_sale: Vec<(CourseId, UserId)> = courses::table
        .filter(courses::state.eq("published"))
        .filter(courses::price_cents.gt(0))
        .select((courses::id, courses::owner_id))
        .load(conn)
        .expect("courses");
    let mut rng = rand::rng();
    people
        .into_iter()
        .map(|(id, name)| {
            let owned: Vec<CourseId> = enrollments::table
                .filter(enrollments::user_id.eq(id))
                .select(enrollments::course_id)
                .load(conn)
                .expect("enrollments");
            let mut list: Vec<CourseId> = on_sale
                .iter()
                .filter(|(c, owner)| *owner != id && !owned.contains(c))
                .map(|(c, _)| *c)
                .collect();
            list.shuffle(&mut rng);
            list.truncate(each);
            (name, list)
        })
        .collect()
}

struct Shopper {
    http: reqwest::Client,
    csrf: String,
    courses: Vec<CourseId>,
}

async fn sign_in(base: &str, name: &str, courses: Vec<CourseId>) -> Shopper {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = [
        ("csrf_token", token(&page).expect("login token")),
        ("login", name.into()),
        ("password", PASSWORD.into()),
    ];
    let res = http
        .post(format!("{base}/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "{name} signs in");
    let page = http
        .get(format!("{base}/cart"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = token(&page).expect("a form token");
    Shopper { http, csrf, courses }
}

#[tokio::main]
async fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let (learners, each, dups, concurrency) = (arg(2, 200), arg(3, 5), arg(4, 3), arg(5, 32));
    let secret = std::env::var("KLEARN_PAYMENT_WEBHOOK_SECRET").expect("KLEARN_PAYMENT_WEBHOOK_SECRET");
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let pool = klearn_db::connect(&url, 4).expect("the database");
    let mut conn = pool.get().unwrap();

    let lists = shopping_lists(&mut conn, learners, each);
    eprintln!("signing in {} learners", lists.len());
    let gate = Arc::new(Semaphore::new(concurrency));
    let mut sign_ins = tokio::task::JoinSet::new();
    for (name, courses) in lists {
        let (base, gate) = (base.clone(), gate.clone());
        sign_ins.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            sign_in(&base, &name, courses).await
        });
    }
    let mut shoppers = Vec::new();
    while let Some(s) = sign_ins.join_next().await {
        shoppers.push(Arc::new(s.unwrap()));
    }

    // Phase 1: place the orders.
    let started = Instant::now();
    let mut placing = tokio::task::JoinSet::new();
    for shopper in &shoppers {
        for course in shopper.courses.clone() {
            let (base, gate, shopper) = (base.clone(), gate.clone(), shopper.clone());
            placing.spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                let form = [
                    ("csrf_token", shopper.csrf.clone()),
                    ("course_id", course.to_string()),
                ];
                let res = shopper
                    .http
                    .post(format!("{base}/checkout"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                let to = res
                    .headers()
                    .get("location")
                    .and_then(|l| l.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                assert!(
                    to.starts_with("/pay/sandbox/"),
                    "an order is placed: {} {to}",
                    res.status()
                );
            });
        }
    }
    let mut placed = 0usize;
    while let Some(r) = placing.join_next().await {
        r.unwrap();
        placed += 1;
    }
    let place_secs = started.elapsed().as_secs_f64();

    // The provider's references of the orders just placed.
    let pending: Vec<(OrderId, String, i64)> = payments::table
        .inner_join(orders::table)
        .filter(orders::state.eq("pending"))
        .select((orders::id, payments::provider_ref, payments::amount_cents))
        .load(&mut conn)
        .unwrap();
    let ids: Vec<OrderId> = pending.iter().map(|(o, _, _)| *o).collect();

    // Phase 2: every success event delivered `dups` times, all at once, shuffled.
    let mut deliveries: Vec<(usize, String)> = Vec::new();
    for (i, (_, reference, amount)) in pending.iter().enumerate() {
        let body = serde_json::json!({
            "id": format!("evt_bench_{i}"), "type": "payment.succeeded", "payment": reference,
            "amount": amount, "currency": "CNY", "reason": ""
        })
        .to_string();
        for _ in 0..dups {
            deliveries.push((i, body.clone()));
        }
    }
    deliveries.shuffle(&mut rand::rng());
    let webhook = reqwest::Client::new();
    let secret = Arc::new(secret.into_bytes());
    let started = Instant::now();
    let mut paying = tokio::task::JoinSet::new();
    for (_, body) in deliveries {
        let (base, gate, webhook, secret) = (base.clone(), gate.clone(), webhook.clone(), secret.clone());
        paying.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let header = signature::sign(&secret, chrono::Utc::now().timestamp(), body.as_bytes());
            let res = webhook
                .post(format!("{base}/webhooks/payments/sandbox"))
                .header("Klearn-Signature", header)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        });
    }
    let (mut ok, mut duplicate, mut other) = (0usize, 0usize, 0usize);
    while let Some(r) = paying.join_next().await {
        match r.unwrap() {
            (200, b) if b == "ok" => ok += 1,
            (200, b) if b == "duplicate" => duplicate += 1,
            (s, b) => {
                other += 1;
                eprintln!("unexpected answer {s}: {b}");
            }
        }
    }
    let pay_secs = started.elapsed().as_secs_f64();

    // The same number of requests to /healthz, the same way: what this
    // machine's HTTP path alone allows, for the ratio.
    let requests = ok + duplicate + other;
    let started = Instant::now();
    let mut probing = tokio::task::JoinSet::new();
    for _ in 0..requests {
        let (base, gate, webhook) = (base.clone(), gate.clone(), webhook.clone());
        probing.spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            webhook
                .get(format!("{base}/healthz"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    while let Some(r) = probing.join_next().await {
        assert_eq!(r.unwrap(), 200);
    }
    let probe_secs = started.elapsed().as_secs_f64();

    // Exactly once: one paid order, one event row, one enrollment, one receipt each.
    let paid: i64 = orders::table
        .filter(orders::id.eq_any(&ids))
        .filter(orders::state.eq("paid"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let enrolled: i64 = enrollments::table
        .filter(enrollments::order_id.eq_any(ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let events: i64 = payment_events::table
        .filter(payment_events::event_id.like("evt_bench_%"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let keys: Vec<String> = ids.iter().map(|i| format!("receipt:{i}")).collect();
    let receipts: i64 = jobs::table
        .filter(jobs::dedupe_key.eq_any(keys))
        .count()
        .get_result(&mut conn)
        .unwrap();
    println!(
        "orders placed      {placed} in {place_secs:.2}s = {:.0}/s",
        placed as f64 / place_secs
    );
    println!(
        "deliveries         {} ({} each) in {pay_secs:.2}s: {ok} fulfilled, {duplicate} duplicates, {other} other",
        ok + duplicate + other,
        dups
    );
    println!("paid orders/s      {:.0}", paid as f64 / pay_secs);
    println!(
        "webhook requests/s {:.0}, /healthz requests/s {:.0} in the same run: ratio {:.2}",
        requests as f64 / pay_secs,
        requests as f64 / probe_secs,
        probe_secs / pay_secs
    );
    println!(
        "paid {paid}, enrollments {enrolled}, events {events}, receipts {receipts} (each must equal {})",
        ids.len()
    );
    let n = ids.len() as i64;
    let exact = paid == n && enrolled == n && events == n && receipts == n && ok as i64 == n && other == 0;
    println!(
        "{}",
        if exact {
            "exactly once: yes"
        } else {
            "exactly once: NO"
        }
    );
    if !exact {
        std::process::exit(1);
    }
}
