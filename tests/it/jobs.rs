//! The job queue: claimed by one worker at a time, retried with backoff, and
//! taken over when its worker dies mid-job.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use klearn::mail::{self, OutgoingMail};
use klearn_db::diesel::prelude::*;
use klearn_db::jobs::{Job, NewJob, DONE, FAILED, PENDING, RUNNING};
use klearn_db::schema::jobs;

use crate::common::{smtp::SmtpServer, unique, TestApp};

fn a_mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_string(),
        subject: "Hello".into(),
        text: "Plain text".into(),
        html: "<p>HTML</p>".into(),
        list_unsubscribe: None,
    }
}

async fn wait_for_status(app: &TestApp, id: i64, status: &'static str) -> Job {
    for _ in 0..200 {
        let job = app.db(move |c| Job::find(c, id).unwrap()).await;
        if job.status == status {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let job = app.db(move |c| Job::find(c, id).unwrap()).await;
    panic!("job {id} never became {status}: {job:?}");
}

#[tokio::test]
async fn a_failed_job_is_retried_later_and_then_succeeds() {
    // SMTP is down at first: the send fails and is scheduled again with backoff.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::builder()
        .smtp(format!("smtp://127.0.0.1:{port}"))
        .spawn()
        .await;
    let id = app
        .db(|c| mail::enqueue(c, &a_mail("retry@example.com"), None).unwrap())
        .await;
    let mut job = app.db(move |c| Job::find(c, id).unwrap()).await;
    for _ in 0..200 {
        if job.attempts >= 1 && job.status == PENDING {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        job = app.db(move |c| Job::find(c, id).unwrap()).await;
    }
    assert_eq!(job.status, PENDING);
    assert_eq!(job.attempts, 1);
    assert!(job.last_error.as_deref().unwrap_or("").len() > 3, "{job:?}");
    assert!(
        job.run_at > klearn_db::now() + Duration::seconds(20),
        "backoff: {job:?}"
    );

    // The server comes up, and the retry time comes: the mail goes out.
    let smtp = SmtpServer::start_on(port).await;
    app.db(move |c| {
        klearn_db::diesel::update(jobs::table.find(id))
            .set(jobs::run_at.eq(klearn_db::now()))
            .execute(c)
            .unwrap();
    })
    .await;
    let done = wait_for_status(&app, id, DONE).await;
    assert_eq!(done.attempts, 2);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn a_job_whose_worker_died_is_taken_over_after_its_lease() {
    let app = TestApp::spawn().await;
    // A worker claimed the job and died: status running, lease already over.
    let id = app
        .db(|c| {
            klearn_db::write_tx(c, |c| -> Result<i64, klearn_db::DbError> {
                let id = mail::enqueue(c, &a_mail("lease@example.com"), None)?;
                klearn_db::diesel::update(jobs::table.find(id))
                    .set((
                        jobs::status.eq(RUNNING),
                        jobs::attempts.eq(1),
                        jobs::locked_by.eq("dead-worker"),
                        jobs::locked_until.eq(klearn_db::now() - Duration::seconds(1)),
                    ))
                    .execute(c)?;
                Ok(id)
            })
            .unwrap()
        })
        .await;
    let job = wait_for_status(&app, id, DONE).await;
    assert_eq!(job.attempts, 2);
    assert_ne!(job.locked_by.as_deref(), Some("dead-worker"));
    app.wait_for_mail("lease@example.com").await;

    // The dead worker waking up cannot mark the job: its lease is gone.
    let late = app
        .db(move |c| Job::complete(c, id, "dead-worker").unwrap())
        .await;
    assert!(!late);
}

#[tokio::test]
async fn concurrent_workers_never_hold_the_same_job() {
    let app = TestApp::spawn().await;
    let kind = unique("parallel_");
    let n = 40;
    {
        let kind = kind.clone();
        app.db(move |c| {
            for i in 0..n {
                let job = NewJob::new(&kind, &i)
                    .unwrap()
                    .run_at(klearn_db::now() - Duration::seconds(1));
                Job::enqueue(c, &job).unwrap();
            }
        })
        .await;
    }
    let seen: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut threads = Vec::new();
    for w in 0..4 {
        let pool = app.pool.clone();
        let seen = seen.clone();
        let kind = kind.clone();
        threads.push(std::thread::spawn(move || {
            let mut conn = pool.get().unwrap();
            let worker = format!("w{w}");
            loop {
                match Job::claim_next(&mut conn, &worker, Duration::minutes(5)).unwrap() {
                    Some(job) if job.kind == kind => {
                        seen.lock().unwrap().push(job.id);
                        assert!(Job::complete(&mut conn, job.id, &worker).unwrap());
                    }
                    // A job of the app's own (daily maintenance): leave it done.
                    Some(job) => {
                        Job::complete(&mut conn, job.id, &worker).unwrap();
                    }
                    None => break,
                }
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    let unique_ids: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique_ids.len(), seen.len(), "a job was claimed twice");
    // The app's own worker may have taken some of them (and failed them as an unknown kind).
    let by_app = app
        .db({
            let kind = kind.clone();
            move |c| {
                jobs::table
                    .filter(jobs::kind.eq(kind))
                    .filter(jobs::locked_by.is_null().or(jobs::locked_by.not_like("w%")))
                    .count()
                    .get_result::<i64>(c)
                    .unwrap()
            }
        })
        .await;
    assert_eq!(seen.len() as i64 + by_app, n as i64);
}

#[tokio::test]
async fn a_job_that_always_fails_stops_after_its_attempts() {
    let app = TestApp::spawn().await;
    let id = app
        .db(|c| Job::enqueue(c, &NewJob::new("no_such_kind", &()).unwrap().max_attempts(1)).unwrap())
        .await;
    let job = wait_for_status(&app, id, FAILED).await;
    assert!(job.last_error.unwrap().contains("unknown job kind"));
}

#[tokio::test]
async fn a_dedupe_key_makes_enqueueing_twice_harmless() {
    let app = TestApp::spawn().await;
    let (a, b) = app
        .db(|c| {
            let job = NewJob::new("x", &())
                .unwrap()
                .dedupe_key("same")
                .run_at(klearn_db::now() + Duration::days(1));
            (Job::enqueue(c, &job).unwrap(), Job::enqueue(c, &job).unwrap())
        })
        .await;
    assert_eq!(a, b);
}
