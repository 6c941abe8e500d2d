//! Experts: applying with evidence, the reviewed steps to certification and
//! who may take them, the 30-day rule, revocation, suspension of users,
//! profiles, follows and the directory's ranking.

use klearn::domain::account::Role;
use klearn_db::audit::{AuditEntry, AuditFilter};
use klearn_db::courses::Course;
use klearn_db::diesel::prelude::*;
use klearn_db::experts::Application;
use klearn_db::users::User;
use klearn_db::{ApplicationId, UserId};

use crate::common::{Client, TestApp, TestUser};

const PDF: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\nEVIDENCE-4711\n%%EOF\n";

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

fn application_fields(links: &str) -> Vec<(&str, &str)> {
    vec![
        ("real_name", "张秘密"),
        ("headline", "Backend engineer, 9 years of Go"),
        ("bio", "I build **payment systems**."),
        ("expertise", "go, postgresql"),
        ("years", "9"),
        ("links", links),
        ("sample_outline", "1. Goroutines\n2. Channels"),
    ]
}

/// Applies through the form with one PDF; returns the new application.
async fn apply(app: &TestApp, c: &Client, user: &TestUser) -> Application {
    c.get("/experts/apply").await;
    let res = c
        .post_multipart(
            "/experts/apply",
            &application_fields("https://github.com/someone"),
            vec![("evidence", "certificate.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let id = user.id;
    app.db(move |conn| Application::latest_for_user(conn, id).unwrap().unwrap())
        .await
}

async fn step(c: &Client, id: ApplicationId, to: &str, note: &str) -> u16 {
    c.get(&format!("/admin/experts/{id}")).await;
    c.post_form(
        &format!("/admin/experts/{id}/transition"),
        &[("to", to), ("note", note)],
    )
    .await
    .status
}

async fn state_of(app: &TestApp, id: ApplicationId) -> String {
    app.db(move |conn| Application::find(conn, id).unwrap().state.to_string())
        .await
}

/// Waits up to 10 s until `n` mails to `to` have arrived (the worker sends
/// them), and returns them.
async fn mails_to(app: &TestApp, to: &str, n: usize) -> Vec<crate::common::Mail> {
    for _ in 0..200 {
        let mails: Vec<_> = app.inbox().into_iter().filter(|m| m.to.contains(to)).collect();
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} mails to {to} within 10 s");
}

async fn applications_of(app: &TestApp, user_id: UserId) -> i64 {
    app.db(move |c| {
        use klearn_db::schema::expert_applications as t;
        t::table
            .filter(t::user_id.eq(user_id))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    app.db(|conn| {
        AuditEntry::list(conn, &AuditFilter::default(), 1, 500)
            .unwrap()
            .0
            .into_iter()
            .map(|r| (r.entry.action, r.entry.note))
            .collect()
    })
    .await
}

#[tokio::test]
async fn an_applicant_is_walked_to_certified_through_every_reviewed_step() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada").verified().create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let a = signed_in(&app, &ada).await;
    let application = apply(&app, &a, &ada).await;
    assert_eq!(application.state.as_str(), "submitted");
    assert!(app.wait_for_mail(&ada.email).await.subject.contains("专家申请"));

    let page = a.get("/experts/apply?lang=en").await;
    assert!(page.text().contains("Submitted"), "{}", page.text());
    assert!(page.text().contains("certificate.pdf"));
    assert!(
        page.select("form[action='/experts/apply']").is_empty(),
        "no second form while one is open"
    );

    let m = signed_in(&app, &moderator).await;
    let pipeline = m.get("/admin/experts").await;
    assert_eq!(pipeline.status, 200);
    assert!(pipeline.text().contains("@ada"));
    let detail = m.get(&format!("/admin/experts/{}", application.id)).await;
    assert!(detail.text().contains("张秘密"), "moderators see the real name");

    let id = application.id;
    for (to, note) in [
        ("screening", "Evidence looks solid."),
        ("interview", "Let us talk on Tuesday."),
        ("trial", "Please publish one lesson."),
        ("certified", "Welcome, great lesson."),
    ] {
        assert_eq!(step(&m, id, to, note).await, 303, "{to}");
        assert_eq!(state_of(&app, id).await, to);
    }

    // The applicant sees the timeline with every note, and was mailed each step.
    let page = a.get("/experts/apply?lang=en").await;
    for note in [
        "Evidence looks solid.",
        "Let us talk on Tuesday.",
        "Please publish one lesson.",
        "Welcome, great lesson.",
    ] {
        assert!(page.text().contains(note), "{note}");
    }
    let mails = mails_to(&app, &ada.email, 5).await;
    assert_eq!(
        mails.len(),
        5,
        "received + 4 steps: {:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(mails.iter().any(|m| m.text.contains("Welcome, great lesson.")));

    // Certified: the expert role, the badge with its date and topics, and paid courses.
    let ada_id = ada.id;
    let roles = app.db(move |conn| User::roles(conn, ada_id).unwrap()).await;
    assert!(roles.contains(&"expert".to_string()));
    let profile = app.new_client().get("/experts/ada?lang=en").await;
    assert_eq!(profile.status, 200);
    assert!(profile.text().contains("Certified expert"));
    assert!(profile.text().contains("postgresql"));
    assert!(profile.text().contains("Backend engineer, 9 years of Go"));
    assert_eq!(
        profile.attrs("a[href='https://github.com/someone']", "rel"),
        vec!["nofollow ugc noopener"]
    );
    assert!(profile.text().contains("\"@type\":\"Person\""));
    assert_eq!(profile.attrs("meta[property='og:title']", "content"), vec!["ada"]);

    // The real name is never on a public page.
    for path in ["/experts/ada", "/experts", "/", "/u/ada", "/experts?topic=go"] {
        let res = app.new_client().get(path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(!res.text().contains("张秘密"), "real name on {path}");
    }
    let directory = app.new_client().get("/experts?topic=go").await;
    assert_eq!(
        directory.attrs(".expert-card .card-title a", "href"),
        vec!["/experts/ada"],
        "{}",
        directory.text()
    );

    let actions: Vec<String> = audit_actions(&app).await.into_iter().map(|(a, _)| a).collect();
    for action in [
        "expert.submitted",
        "expert.screening",
        "expert.interview",
        "expert.trial",
        "expert.certified",
        "user.role_grant",
    ] {
        assert!(actions.contains(&action.to_string()), "{action} in {actions:?}");
    }

    // A certified expert sets a price; the studio takes it.
    let a = signed_in(&app, &ada).await;
    a.get("/studio/courses/new").await;
    let res = a
        .post_multipart(
            "/studio/courses/new",
            &[
                ("title", "Go in production"),
                ("category", "go"),
                ("level", "advanced"),
                ("format", "text"),
                ("price", "99"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
}

#[tokio::test]
async fn illegal_steps_and_wrong_people_change_nothing() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada").verified().create().await;
    let other = app.user("other").verified().create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let a = signed_in(&app, &ada).await;
    let id = apply(&app, &a, &ada).await.id;
    let m = signed_in(&app, &moderator).await;

    // Skipping a stage, going back, or a state that does not exist.
    assert_eq!(step(&m, id, "interview", "skip").await, 409);
    assert_eq!(step(&m, id, "certified", "skip").await, 409);
    assert_eq!(step(&m, id, "withdrawn", "not mine to do").await, 409);
    assert_eq!(step(&m, id, "revoked", "nothing to revoke").await, 409);
    assert_eq!(step(&m, id, "approved", "x").await, 422);
    assert_eq!(state_of(&app, id).await, "submitted");

    // A step without a note: the form comes back with what was typed elsewhere kept.
    m.get(&format!("/admin/experts/{id}")).await;
    let res = m
        .post_form(
            &format!("/admin/experts/{id}/transition"),
            &[("to", "screening"), ("note", "  ")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.select(".field-error").iter().any(|e| e.contains("备注")),
        "{}",
        res.text()
    );
    assert_eq!(state_of(&app, id).await, "submitted");

    // Learners, the applicant and guests do not step.
    let o = signed_in(&app, &other).await;
    assert_eq!(o.get("/admin/experts").await.status, 403);
    assert_eq!(o.get(&format!("/admin/experts/{id}")).await.status, 403);
    assert_eq!(step(&a, id, "screening", "myself").await, 403);
    let guest = app.new_client();
    guest.get("/login").await;
    let res = guest
        .post_form(
            &format!("/admin/experts/{id}/transition"),
            &[("to", "screening"), ("note", "x")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));
    assert_eq!(state_of(&app, id).await, "submitted");

    // A moderator does not review their own application.
    let m2 = app.user("mod2").verified().role(Role::Moderator).create().await;
    let c2 = signed_in(&app, &m2).await;
    let own = apply(&app, &c2, &m2).await.id;
    assert_eq!(step(&c2, own, "screening", "looks fine to me").await, 403);
    assert_eq!(state_of(&app, own).await, "submitted");

    // Rejected from an open state; nothing moves a closed application.
    assert_eq!(step(&m, id, "screening", "ok").await, 303);
    assert_eq!(
        step(&m, id, "rejected", "Evidence does not show hands-on work.").await,
        303
    );
    assert_eq!(state_of(&app, id).await, "rejected");
    for to in ["screening", "interview", "trial", "certified", "rejected"] {
        assert_eq!(step(&m, id, to, "again").await, 409, "{to}");
    }
    let a_mail = mails_to(&app, &ada.email, 3)
        .await
        .iter()
        .any(|mail| mail.text.contains("Evidence does not show hands-on work."));
    assert!(a_mail, "the rejection reaches the applicant");
    assert_eq!(state_of(&app, id).await, "rejected");
}

#[tokio::test]
async fn the_application_form_explains_bad_links_and_files_and_keeps_what_was_sent() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada").verified().create().await;
    let a = signed_in(&app, &ada).await;
    a.get("/experts/apply?lang=en").await;

    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("javascript:alert(1)"),
            vec![("evidence", "cv.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.text().contains("Only http and https addresses are allowed."),
        "{}",
        res.text()
    );
    assert_eq!(
        res.attrs("#f-headline", "value"),
        vec!["Backend engineer, 9 years of Go"]
    );
    assert!(
        res.text().contains("javascript:alert(1)"),
        "the typed links come back"
    );
    // The PDF that passed is kept for the next send.
    let kept = res.attrs("input[name='evidence_kept']", "value");
    assert_eq!(kept.len(), 1, "{}", res.text());

    // A fake PDF and a 6 MB file are refused with their reasons.
    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("https://ada.dev"),
            vec![("evidence", "fake.pdf", b"MZ\x90\0 this is an exe".to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.select("#f-evidence-error").iter().any(|e| e.contains("PDF")),
        "{}",
        res.text()
    );
    let mut big = PDF.to_vec();
    big.resize(6 * 1024 * 1024, b'x');
    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("https://ada.dev"),
            vec![("evidence", "big.pdf", big)],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.select("#f-evidence-error").iter().any(|e| e.contains("5 MB")),
        "{}",
        res.text()
    );
    let res = a
        .post_multipart("/experts/apply", &application_fields("https://ada.dev"), vec![])
        .await;
    assert_eq!(res.status, 422);
    assert!(res
        .select("#f-evidence-error")
        .iter()
        .any(|e| e.contains("at least one")));
    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("https://ada.dev"),
            (0..4)
                .map(|i| ("evidence", if i == 0 { "a.pdf" } else { "b.pdf" }, PDF.to_vec()))
                .collect(),
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.select("#f-evidence-error").iter().any(|e| e.contains('3')));
    let ada_id = ada.id;
    assert!(app
        .db(move |c| Application::latest_for_user(c, ada_id).unwrap())
        .await
        .is_none());

    // Fixed links with the kept PDF: filed, with that PDF as its evidence.
    let mut fields = application_fields("https://ada.dev");
    fields.push(("evidence_kept", kept[0].as_str()));
    let res = a.post_multipart("/experts/apply", &fields, vec![]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let evidence = app
        .db(move |c| {
            let application = Application::latest_for_user(c, ada_id).unwrap().unwrap();
            Application::evidence(c, application.id).unwrap()
        })
        .await;
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].stored_name, kept[0]);

    // Someone else's upload cannot be smuggled in as kept evidence.
    let bob = app.user("bob").verified().create().await;
    let b = signed_in(&app, &bob).await;
    b.get("/experts/apply").await;
    let mut fields = application_fields("https://bob.dev");
    fields.push(("evidence_kept", kept[0].as_str()));
    let res = b.post_multipart("/experts/apply", &fields, vec![]).await;
    assert_eq!(res.status, 422);

    // Unverified users and guests do not apply.
    let eve = app.user("eve").create().await;
    let e = signed_in(&app, &eve).await;
    assert_eq!(e.get("/experts/apply").await.status, 403);
    let res = app.new_client().get("/experts/apply").await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn evidence_is_for_the_applicant_and_moderators_only() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada").verified().create().await;
    let bob = app.user("bob").verified().create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let a = signed_in(&app, &ada).await;
    let application = apply(&app, &a, &ada).await;
    let id = application.id;
    let evidence = app.db(move |c| Application::evidence(c, id).unwrap()).await;
    let url = format!("/media/{}", evidence[0].stored_name);

    let own = a.get(&url).await;
    assert_eq!(own.status, 200);
    assert!(own.text().contains("EVIDENCE-4711"));
    assert_eq!(own.header("cache-control"), Some("private, no-store"));
    assert_eq!(signed_in(&app, &moderator).await.get(&url).await.status, 200);
    for (who, res) in [
        ("another user", signed_in(&app, &bob).await.get(&url).await),
        ("a guest", app.new_client().get(&url).await),
    ] {
        assert_eq!(res.status, 404, "{who}");
        assert!(!res.text().contains("EVIDENCE-4711"), "{who}");
    }
}

#[tokio::test]
async fn one_open_application_at_a_time_and_thirty_days_after_a_rejection() {
    let app = TestApp::spawn().await;
    let ada = app.user("ada").verified().create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let a = signed_in(&app, &ada).await;
    let first = apply(&app, &a, &ada).await;

    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("https://ada.dev"),
            vec![("evidence", "c.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 409);
    let ada_id = ada.id;
    assert_eq!(applications_of(&app, ada_id).await, 1);

    // Withdrawn by the applicant: they may apply again at once.
    a.get("/experts/apply").await;
    assert_eq!(a.post_form("/experts/apply/withdraw", &[]).await.status, 303);
    assert_eq!(state_of(&app, first.id).await, "withdrawn");
    assert_eq!(a.post_form("/experts/apply/withdraw", &[]).await.status, 409);
    let second = apply(&app, &a, &ada).await;

    // Rejected: the page says when, and a new application waits 30 days.
    let m = signed_in(&app, &moderator).await;
    assert_eq!(
        step(&m, second.id, "rejected", "Not enough evidence yet.").await,
        303
    );
    let page = a.get("/experts/apply?lang=en").await;
    let again = (klearn_db::now() + chrono::Duration::days(30)).date();
    assert!(page.text().contains("You can apply again on"), "{}", page.text());
    assert!(
        page.text().contains(&again.format("%Y-%m-%d").to_string())
            || page
                .text()
                .contains(&(again + chrono::Duration::days(1)).format("%Y-%m-%d").to_string())
    );
    assert!(page.select("form[action='/experts/apply']").is_empty());
    let res = a
        .post_multipart(
            "/experts/apply",
            &application_fields("https://ada.dev"),
            vec![("evidence", "c.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 409);
    assert_eq!(applications_of(&app, ada_id).await, 2);

    // 31 days later the form is back.
    let second_id = second.id;
    app.db(move |c| {
        use klearn_db::schema::expert_applications as t;
        klearn_db::diesel::update(t::table.find(second_id))
            .set(t::closed_at.eq(Some(klearn_db::now() - chrono::Duration::days(31))))
            .execute(c)
            .unwrap();
    })
    .await;
    let page = a.get("/experts/apply").await;
    assert_eq!(page.select("form[action='/experts/apply']").len(), 1);
    apply(&app, &a, &ada).await;
    assert_eq!(applications_of(&app, ada_id).await, 3);
}

#[tokio::test]
async fn revoking_certification_unpublishes_paid_courses_and_buyers_keep_access() {
    let app = TestApp::spawn().await;
    let chen = app.user("chen").verified().certified().create().await;
    let buyer = app.user("buyer").verified().create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let paid = app
        .course(&chen)
        .title("Paid Rust")
        .price(19900)
        .lesson("Paid lesson", false, "PAID-BODY-1", "")
        .published()
        .create()
        .await;
    let free = app
        .course(&chen)
        .title("Free Rust")
        .lesson("Free lesson", false, "FREE-BODY", "")
        .published()
        .create()
        .await;
    let (buyer_id, paid_id) = (buyer.id, paid.id);
    app.db(move |c| {
        klearn_db::enrollments::Enrollment::enroll(
            c,
            buyer_id,
            paid_id,
            klearn_db::enrollments::PURCHASE,
            None,
        )
        .unwrap()
    })
    .await;

    let m = signed_in(&app, &moderator).await;
    m.get(&format!("/admin/users/{}", chen.id)).await;
    let res = m.post_form("/admin/experts/chen/revoke", &[("reason", "")]).await;
    assert_eq!(res.status, 422);
    assert!(!res.select("#f-revoke-error").is_empty(), "{}", res.text());
    let res = m
        .post_form(
            "/admin/experts/chen/revoke",
            &[("reason", "Plagiarised lessons.")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(
        m.post_form("/admin/experts/chen/revoke", &[("reason", "again")])
            .await
            .status,
        409
    );

    let (paid_state, free_state) = app
        .db(move |c| {
            (
                Course::find(c, paid_id).unwrap().state,
                Course::find(c, free.id).unwrap().state,
            )
        })
        .await;
    assert_eq!(
        (paid_state.as_str(), free_state.as_str()),
        ("unpublished", "published")
    );
    let chen_id = chen.id;
    assert!(
        !app.db(move |c| Application::is_certified(c, chen_id).unwrap())
            .await
    );
    assert!(mails_to(&app, &chen.email, 1)
        .await
        .iter()
        .any(|mail| mail.text.contains("Plagiarised lessons.")));

    // The buyer still reads the lesson they paid for.
    let b = signed_in(&app, &buyer).await;
    let lesson = b
        .get(&format!("/courses/{}/lessons/{}", paid.slug, paid.lessons[0]))
        .await;
    assert_eq!(lesson.status, 200);
    assert!(lesson.text().contains("PAID-BODY-1"));

    // No badge, and no price any more.
    let profile = app.new_client().get("/experts/chen?lang=en").await;
    assert!(!profile.text().contains("Certified expert"));
    let c = signed_in(&app, &chen).await;
    c.get("/studio/courses/new").await;
    let res = c
        .post_multipart(
            "/studio/courses/new",
            &[
                ("title", "Paid again"),
                ("category", "rust"),
                ("level", "beginner"),
                ("format", "text"),
                ("price", "10"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 422);
    // Resubmitting the unpublished paid course is refused too.
    c.get(&format!("/studio/courses/{paid_id}/edit")).await;
    c.post_form(&format!("/studio/courses/{paid_id}/submit"), &[])
        .await;
    assert_eq!(
        app.db(move |c| Course::find(c, paid_id).unwrap().state)
            .await
            .as_str(),
        "unpublished"
    );

    let actions: Vec<String> = audit_actions(&app).await.into_iter().map(|(a, _)| a).collect();
    assert!(actions.contains(&"expert.revoked".to_string()));
    assert!(actions.contains(&"course.unpublished".to_string()));
}

#[tokio::test]
async fn the_bare_expert_role_opens_the_studio_for_free_courses_only() {
    let app = TestApp::spawn().await;
    let admin = app.user("boss").verified().role(Role::Admin).create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let lin = app.user("lin").verified().create().await;

    // Moderators do not change roles; admins do.
    let m = signed_in(&app, &moderator).await;
    m.get(&format!("/admin/users/{}", lin.id)).await;
    assert_eq!(
        m.post_form(&format!("/admin/users/{}/roles", lin.id), &[("roles", "expert")])
            .await
            .status,
        403
    );
    let a = signed_in(&app, &admin).await;
    a.get(&format!("/admin/users/{}", lin.id)).await;
    assert_eq!(
        a.post_form(&format!("/admin/users/{}/roles", lin.id), &[("roles", "expert")])
            .await
            .status,
        303
    );

    let l = signed_in(&app, &lin).await;
    l.get("/studio/courses/new?lang=en").await;
    let fields = |price: &'static str| {
        vec![
            ("title", "Intro"),
            ("category", "rust"),
            ("level", "beginner"),
            ("format", "text"),
            ("price", price),
        ]
    };
    let res = l
        .post_multipart("/studio/courses/new", &fields("10"), vec![])
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.select("#f-price-error")
            .iter()
            .any(|e| e.contains("certification")),
        "{}",
        res.text()
    );
    assert_eq!(res.attrs("#f-title", "value"), vec!["Intro"]);
    let res = l
        .post_multipart("/studio/courses/new", &fields("0"), vec![])
        .await;
    assert_eq!(res.status, 303);
    // An expert without certification has a profile, without the badge.
    let profile = app.new_client().get("/experts/lin?lang=en").await;
    assert_eq!(profile.status, 200);
    assert!(!profile.text().contains("Certified expert"));
    assert_eq!(app.new_client().get("/experts/boss").await.status, 404);
}

#[tokio::test]
async fn suspension_ends_a_live_session_refuses_login_and_lifts_at_its_end_date() {
    let app = TestApp::spawn().await;
    let admin = app.user("boss").verified().role(Role::Admin).create().await;
    let moderator = app.user("mod").verified().role(Role::Moderator).create().await;
    let troll = app.user("troll").verified().create().await;
    let t = signed_in(&app, &troll).await;
    assert_eq!(t.get("/learn").await.status, 200);

    let m = signed_in(&app, &moderator).await;
    let path = format!("/admin/users/{}", troll.id);
    m.get(&path).await;
    let tomorrow = (klearn_db::now() + chrono::Duration::days(2))
        .date()
        .format("%Y-%m-%d")
        .to_string();
    let yesterday = (klearn_db::now() - chrono::Duration::days(1))
        .date()
        .format("%Y-%m-%d")
        .to_string();
    // Bad input: the form comes back with what was typed.
    let res = m
        .post_form(
            &format!("{path}/suspend"),
            &[("reason", ""), ("until", &tomorrow)],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(res.attrs("#f-until", "value"), vec![tomorrow.clone()]);
    let res = m
        .post_form(
            &format!("{path}/suspend"),
            &[("reason", "Spam in every thread"), ("until", &yesterday)],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("Spam in every thread"));
    let res = m
        .post_form(
            &format!("{path}/suspend"),
            &[("reason", "Spam"), ("until", "next week")],
        )
        .await;
    assert_eq!(res.status, 422);
    // Moderators do not suspend admins or themselves; learners suspend nobody.
    assert_eq!(
        m.post_form(
            &format!("/admin/users/{}/suspend", admin.id),
            &[("reason", "x"), ("until", &tomorrow)]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        m.post_form(
            &format!("/admin/users/{}/suspend", moderator.id),
            &[("reason", "x"), ("until", &tomorrow)]
        )
        .await
        .status,
        403
    );
    assert_eq!(
        t.post_form(
            &format!("/admin/users/{}/suspend", admin.id),
            &[("reason", "x"), ("until", &tomorrow)]
        )
        .await
        .status,
        403
    );

    let res = m
        .post_form(
            &format!("{path}/suspend"),
            &[("reason", "Spam in every thread"), ("until", &tomorrow)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());

    // The live session ends on its next request.
    let res = t.get("/learn").await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));
    // Login is refused with the end date; a wrong password learns nothing.
    let c = app.new_client();
    c.get("/login?lang=en").await;
    let res = c
        .post_form("/login", &[("login", "troll"), ("password", &troll.password)])
        .await;
    assert_eq!(res.status, 403);
    assert!(res.text().contains(&tomorrow), "{}", res.text());
    let res = c
        .post_form(
            "/login",
            &[("login", "troll"), ("password", "wrong password here")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(!res.text().contains(&tomorrow));

    // The end date passes: the suspension lifts itself.
    let troll_id = troll.id;
    app.db(move |conn| {
        use klearn_db::schema::users as u;
        klearn_db::diesel::update(u::table.find(troll_id))
            .set(u::suspended_until.eq(Some(klearn_db::now() - chrono::Duration::minutes(1))))
            .execute(conn)
            .unwrap();
    })
    .await;
    assert_eq!(app.new_client().login("troll", &troll.password).await.status, 303);

    // Suspended again, then lifted by hand.
    m.get(&path).await;
    assert_eq!(
        m.post_form(
            &format!("{path}/suspend"),
            &[("reason", "Again"), ("until", &tomorrow)]
        )
        .await
        .status,
        303
    );
    assert_eq!(app.new_client().login("troll", &troll.password).await.status, 403);
    m.get(&path).await;
    assert_eq!(m.post_form(&format!("{path}/unsuspend"), &[]).await.status, 303);
    assert_eq!(app.new_client().login("troll", &troll.password).await.status, 303);

    let actions = audit_actions(&app).await;
    assert_eq!(actions.iter().filter(|(a, _)| a == "user.suspend").count(), 2);
    assert!(actions
        .iter()
        .any(|(a, n)| a == "user.suspend" && n.contains("Spam in every thread")));
    assert!(actions.iter().any(|(a, _)| a == "user.unsuspend"));
}

#[tokio::test]
async fn the_directory_ranks_by_a_bayesian_average_and_filters_by_topic() {
    let app = TestApp::spawn().await;
    // C = mean(5.0, 4.0, 3.0) = 4.0; m = 10.
    // one_star_hero: one 5-star rating  -> (40 + 5) / 11   = 4.09
    // steady: 100 ratings of 4.0        -> (40 + 400) / 110 = 4.00
    // weak: 50 ratings of 3.0           -> (40 + 150) / 60  = 3.17
    // newcomer: unrated                 -> 4.00, fewer learners than steady
    let hero = app
        .user("one_star_hero")
        .verified()
        .certified_in(&["rust"])
        .create()
        .await;
    let steady = app
        .user("steady")
        .verified()
        .certified_in(&["go", "rust"])
        .create()
        .await;
    let weak = app.user("weak").verified().certified_in(&["go"]).create().await;
    let _newcomer = app
        .user("newcomer")
        .verified()
        .certified_in(&["python"])
        .create()
        .await;
    app.course(&hero)
        .title("Hero course")
        .ratings(5, 1)
        .learners(10)
        .published()
        .create()
        .await;
    app.course(&steady)
        .title("Steady course")
        .ratings(400, 100)
        .learners(900)
        .published()
        .create()
        .await;
    app.course(&weak)
        .title("Weak course")
        .ratings(150, 50)
        .learners(50)
        .published()
        .create()
        .await;
    // An uncertified expert and a suspended certified one are not listed.
    app.user("bare").verified().role(Role::Expert).create().await;
    let gone = app.user("gone").verified().certified().create().await;
    let gone_id = gone.id;
    app.db(move |c| User::suspend(c, gone_id, klearn_db::now() + chrono::Duration::days(3), "x").unwrap())
        .await;

    let order = |res: &crate::common::Response| -> Vec<String> {
        res.attrs(".expert-card .card-title a", "href")
            .into_iter()
            .map(|h| h.trim_start_matches("/experts/").to_string())
            .collect()
    };
    let guest = app.new_client();
    assert_eq!(
        order(&guest.get("/experts").await),
        ["one_star_hero", "steady", "newcomer", "weak"]
    );
    assert_eq!(
        order(&guest.get("/experts?sort=learners").await),
        ["steady", "weak", "one_star_hero", "newcomer"]
    );
    assert_eq!(order(&guest.get("/experts?topic=go").await), ["steady", "weak"]);
    assert_eq!(
        order(&guest.get("/experts?topic=nothing").await),
        Vec::<String>::new()
    );
    // Unknown sorts fall back to the rating; answers tie at zero and fall back to it too.
    assert_eq!(
        order(&guest.get("/experts?sort=bogus").await),
        ["one_star_hero", "steady", "newcomer", "weak"]
    );
    assert_eq!(
        order(&guest.get("/experts?sort=answers").await),
        ["one_star_hero", "steady", "newcomer", "weak"]
    );
    // The home page shows the top experts.
    let home = guest.get("/").await;
    assert_eq!(order(&home), ["one_star_hero", "steady", "newcomer", "weak"]);

    // The profile adds up the real figures.
    let profile = guest.get("/experts/steady?lang=en").await;
    let figures = profile.texts(".expert-figures dd");
    assert_eq!(figures[0], "900");
    assert_eq!(figures[1], "1");
    assert!(figures[2].starts_with("4.0"), "{figures:?}");
    assert_eq!(figures[3], "0");
}

#[tokio::test]
async fn members_follow_experts_and_see_the_count() {
    let app = TestApp::spawn().await;
    let chen = app.user("chen").verified().certified().create().await;
    let fan = app.user("fan").verified().create().await;
    let f = signed_in(&app, &fan).await;
    let page = f.get("/experts/chen?lang=en").await;
    assert!(page.text().contains("Followers: 0"));
    assert_eq!(f.post_form("/experts/chen/follow", &[]).await.status, 303);
    let page = f.get("/experts/chen?lang=en").await;
    assert!(page.text().contains("Followers: 1"), "{}", page.text());
    assert_eq!(page.attrs("button[aria-pressed]", "aria-pressed"), vec!["true"]);
    assert_eq!(f.post_form("/experts/chen/follow", &[]).await.status, 303);
    assert!(f
        .get("/experts/chen?lang=en")
        .await
        .text()
        .contains("Followers: 0"));

    // Not oneself, not a non-expert, not as a guest.
    let c = signed_in(&app, &chen).await;
    c.get("/experts/chen").await;
    c.post_form("/experts/chen/follow", &[]).await;
    let chen_id = chen.id;
    assert_eq!(
        app.db(move |conn| klearn_db::experts::Follow::count(conn, chen_id).unwrap())
            .await,
        0
    );
    assert_eq!(f.post_form("/experts/fan/follow", &[]).await.status, 404);
    let guest = app.new_client();
    guest.get("/login").await;
    let res = guest.post_form("/experts/chen/follow", &[]).await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login"));

    // The kept count is the follows' own: two members follow, one of them
    // after an unfollow.
    let other = app.user("other_fan").verified().create().await;
    let o = signed_in(&app, &other).await;
    o.get("/experts/chen").await;
    assert_eq!(o.post_form("/experts/chen/follow", &[]).await.status, 303);
    f.get("/experts/chen").await;
    assert_eq!(f.post_form("/experts/chen/follow", &[]).await.status, 303);
    let rows = app
        .db(move |conn| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::schema::expert_follows;
            expert_follows::table
                .filter(expert_follows::expert_id.eq(chen_id))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(rows, 2);
    let page = o.get("/experts/chen?lang=en").await;
    assert!(page.text().contains("Followers: 2"), "{}", page.text());
}

/// The figures kept on the expert's row, and the same added up from their
/// published courses: they must agree after every use case.
async fn kept_and_added_up(app: &TestApp, expert: UserId) -> ([i64; 4], [i64; 4]) {
    app.db(move |c| {
        use klearn_db::diesel::prelude::*;
        use klearn_db::schema::{courses, users};
        let kept: (i64, i64, i64, i64) = users::table
            .find(expert)
            .select((
                users::published_courses,
                users::course_learners,
                users::course_rating_sum,
                users::course_rating_count,
            ))
            .first(c)
            .unwrap();
        let published = || {
            courses::table
                .filter(courses::owner_id.eq(expert))
                .filter(courses::state.eq("published"))
        };
        let rows: Vec<(i64, i64, i64)> = published()
            .select((
                courses::learners_count,
                courses::rating_sum,
                courses::rating_count,
            ))
            .load(c)
            .unwrap();
        let added = |f: fn(&(i64, i64, i64)) -> i64| rows.iter().map(f).sum::<i64>();
        (
            [kept.0, kept.1, kept.2, kept.3],
            [rows.len() as i64, added(|r| r.0), added(|r| r.1), added(|r| r.2)],
        )
    })
    .await
}

#[tokio::test]
async fn an_experts_figures_follow_publishing_enrolling_reviewing_and_unpublishing() {
    let app = TestApp::spawn().await;
    let expert = app
        .user("figured")
        .verified()
        .certified_in(&["rust"])
        .create()
        .await;
    let free = app
        .course(&expert)
        .title("Figured free course")
        .price(0)
        .lesson("Welcome", false, "Hello.", "")
        .published()
        .create()
        .await;
    let paid = app
        .course(&expert)
        .title("Figured paid course")
        .learners(5)
        .ratings(9, 2)
        .published()
        .create()
        .await;
    let figures = |app: &TestApp| {
        let client = app.new_client();
        async move {
            client
                .get("/experts/figured?lang=en")
                .await
                .texts(".expert-figures dd")
        }
    };
    assert_eq!(
        kept_and_added_up(&app, expert.id).await,
        ([2, 5, 9, 2], [2, 5, 9, 2])
    );
    assert_eq!(figures(&app).await[..2], ["5", "2"]);

    // A learner enrolls in the free course and reviews it, through the pages.
    let learner = app.user("figure_learner").verified().create().await;
    let c = app.new_client();
    c.login(&learner.username, &learner.password).await;
    c.get(&format!("/courses/{}", free.slug)).await;
    let res = c.post_form(&format!("/courses/{}/enroll", free.slug), &[]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(kept_and_added_up(&app, expert.id).await.0, [2, 6, 9, 2]);
    c.get(&format!("/courses/{}/lessons/{}", free.slug, free.lessons[0]))
        .await;
    let reviews = format!("/courses/{}/reviews", free.slug);
    c.get(&reviews).await;
    let res = c
        .post_form(
            &reviews,
            &[("rating", "4"), ("title", "Clear"), ("body", "Well paced.")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let (kept, added) = kept_and_added_up(&app, expert.id).await;
    assert_eq!((kept, added), ([2, 6, 13, 3], [2, 6, 13, 3]));
    assert_eq!(figures(&app).await[..2], ["6", "2"]);

    // Taking the paid course off the catalogue takes its figures away.
    let studio = signed_in(&app, &expert).await;
    studio.get(&format!("/studio/courses/{}", paid.id)).await;
    let res = studio
        .post_form(&format!("/studio/courses/{}/unpublish", paid.id), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let (kept, added) = kept_and_added_up(&app, expert.id).await;
    assert_eq!((kept, added), ([1, 1, 4, 1], [1, 1, 4, 1]));
    assert_eq!(figures(&app).await[..2], ["1", "1"]);
}
