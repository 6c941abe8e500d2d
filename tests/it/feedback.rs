//! Feedback to the platform: guests and members file it through the form
//! (bad fields come back with their messages, guests need an address and
//! are limited per client address), members see their own items, only
//! moderators triage, every change is audited and mailed to the author,
//! and the dashboard counts items by state.

use klearn::domain::account::Role;
use klearn::domain::feedback::GUEST_ITEMS_PER_HOUR;
use klearn_db::diesel::prelude::*;
use klearn_db::feedback::{Feedback, FeedbackKind, FeedbackState};
use klearn_db::schema::{feedback, jobs};
use klearn_db::FeedbackId;

use crate::common::{smtp::SmtpServer, unique, Client, Mail, TestApp, TestUser};

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

async fn moderator(app: &TestApp) -> Client {
    let user = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

/// Every item, oldest first.
async fn items(app: &TestApp) -> Vec<Feedback> {
    app.db(|conn| {
        feedback::table
            .order(feedback::id)
            .select(Feedback::as_select())
            .load(conn)
            .unwrap()
    })
    .await
}

async fn item(app: &TestApp, id: FeedbackId) -> Feedback {
    app.db(move |conn| Feedback::find(conn, id).unwrap()).await
}

/// Mails queued to `email` so far, whether sent yet or not.
async fn mails_queued_to(app: &TestApp, email: &str) -> i64 {
    let pattern = format!("%{email}%");
    app.db(move |conn| {
        jobs::table
            .filter(jobs::kind.eq("send_mail"))
            .filter(jobs::payload.like(pattern))
            .count()
            .get_result(conn)
            .unwrap()
    })
    .await
}

/// Files through the page as `c` (which has the form's token), answering
/// the response.
async fn file(c: &Client, fields: &[(&str, &str)]) -> crate::common::Response {
    c.get("/feedback").await;
    c.post_form("/feedback", fields).await
}

/// A member's item, filed through the page; returns its id.
async fn filed_by(app: &TestApp, c: &Client, body: &str) -> FeedbackId {
    let res = file(
        c,
        &[("kind", "problem"), ("page_url", "/courses"), ("body", body)],
    )
    .await;
    assert_eq!(res.location(), Some("/feedback/mine"), "{}", res.text());
    let all = items(app).await;
    all.iter().find(|i| i.body == body).expect("the item").id
}

async fn triage(c: &Client, id: FeedbackId, state: &str, note: &str) -> crate::common::Response {
    c.get("/admin/feedback").await;
    c.post_form(
        &format!("/admin/feedback/{id}"),
        &[("state", state), ("note", note)],
    )
    .await
}

#[tokio::test]
async fn a_guest_files_with_an_address_and_bad_fields_come_back_with_their_messages() {
    let app = TestApp::spawn().await;
    let guest = app.new_client();
    // The footer's link carries the page the visitor was on.
    let courses = guest.get("/courses").await;
    let link = courses.attrs(".site-footer a[href^='/feedback']", "href");
    assert_eq!(link, vec!["/feedback?page=/courses".to_string()]);
    let form = guest.get(&link[0]).await;
    assert_eq!(form.status, 200);
    assert_eq!(form.attrs("#f-page_url", "value"), vec!["/courses".to_string()]);
    assert_eq!(form.select("#f-email").len(), 1, "guests give an address");
    // A page the form would refuse is not filled in.
    let odd = guest.get("/feedback?page=javascript:alert(1)").await;
    assert_eq!(odd.attrs("#f-page_url", "value"), vec![String::new()]);

    // Without an address: refused, the text kept.
    let res = guest
        .post_form(
            "/feedback",
            &[
                ("kind", "problem"),
                ("page_url", "/courses"),
                ("body", "The search box forgets my words."),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.texts("#f-body"),
        vec!["The search box forgets my words.".to_string()]
    );
    assert_eq!(res.select(".field-error").len(), 1, "{}", res.text());
    assert!(res.select("#f-email-error").len() == 1, "{}", res.text());

    // Every bad field at once: a message next to each, what was typed kept.
    let res = guest
        .post_form(
            "/feedback",
            &[
                ("kind", "praise"),
                ("page_url", "javascript:alert(1)"),
                ("body", "   "),
                ("email", "not an address"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    for field in ["page_url", "body", "email"] {
        assert_eq!(
            res.select(&format!("#f-{field}-error")).len(),
            1,
            "{field}: {}",
            res.text()
        );
    }
    assert_eq!(res.select("fieldset.has-error .field-error").len(), 1, "kind");
    assert_eq!(
        res.attrs("#f-page_url", "value"),
        vec!["javascript:alert(1)".to_string()]
    );
    assert_eq!(res.attrs("#f-email", "value"), vec!["not an address".to_string()]);
    // An address elsewhere that is not the web, and one too long.
    let long = format!("/{}", "a".repeat(600));
    for bad in ["ftp://example.com/x", "//evil.example/x", long.as_str()] {
        let res = guest
            .post_form(
                "/feedback",
                &[
                    ("kind", "suggestion"),
                    ("page_url", bad),
                    ("body", "Something"),
                    ("email", "guest@example.com"),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{bad}");
        assert_eq!(res.select("#f-page_url-error").len(), 1, "{bad}");
    }
    assert!(items(&app).await.is_empty(), "nothing refused was kept");

    // With an address: filed, and the guest is told where answers go.
    let res = guest
        .post_form(
            "/feedback",
            &[
                ("kind", "suggestion"),
                ("page_url", "https://klearn.example/courses?q=rust"),
                ("body", "Please add **filters** <script>alert(1)</script>"),
                ("email", "  guest@example.com "),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert_eq!(res.location(), Some("/feedback"));
    let thanks = guest.get("/feedback").await;
    assert!(thanks.text().contains("guest@example.com"), "{}", thanks.text());
    let all = items(&app).await;
    assert_eq!(all.len(), 1);
    let filed = &all[0];
    assert_eq!(filed.author_id, None);
    assert_eq!(filed.email, "guest@example.com");
    assert_eq!(filed.kind, FeedbackKind::Suggestion);
    assert_eq!(filed.state, FeedbackState::New);
    assert_eq!(filed.page_url, "https://klearn.example/courses?q=rust");
    assert!(
        filed.body_html.contains("<strong>filters</strong>"),
        "{}",
        filed.body_html
    );
    assert!(!filed.body_html.contains("<script"), "{}", filed.body_html);
    // A guest has no list of their own: it takes signing in.
    let mine = guest.get("/feedback/mine").await;
    assert_eq!(mine.status, 303);
    assert_eq!(mine.location(), Some("/login?next=%2Ffeedback%2Fmine"));
}

#[tokio::test]
async fn guests_are_limited_per_client_address() {
    let app = TestApp::spawn().await;
    let guest = app.new_client();
    guest.get("/feedback").await;
    for n in 0..GUEST_ITEMS_PER_HOUR {
        let body = format!("Item number {n}");
        let res = guest
            .post_form(
                "/feedback",
                &[
                    ("kind", "problem"),
                    ("body", &body),
                    ("email", "busy@example.com"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "item {n}");
    }
    // Another visitor from the same address is counted with them.
    let other = app.new_client();
    let res = file(
        &other,
        &[
            ("kind", "problem"),
            ("body", "One more, please"),
            ("email", "other@example.com"),
        ],
    )
    .await;
    assert_eq!(res.status, 429);
    assert!(res.header("retry-after").is_some());
    assert_eq!(res.texts("#f-body"), vec!["One more, please".to_string()]);
    assert_eq!(items(&app).await.len(), GUEST_ITEMS_PER_HOUR);
}

#[tokio::test]
async fn a_member_files_under_their_account_and_only_they_see_it() {
    let app = TestApp::spawn().await;
    let (ada, c) = member(&app, "ada").await;
    let form = c.get("/feedback").await;
    assert!(form.select("#f-email").is_empty(), "members give no address");
    assert!(form.text().contains(&ada.email), "{}", form.text());
    // A member's bad fields come back too.
    let res = c.post_form("/feedback", &[("kind", ""), ("body", "")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select(".field-error").len(), 2, "{}", res.text());
    let id = filed_by(&app, &c, "The lesson video stops after a minute.").await;
    let stored = item(&app, id).await;
    assert_eq!(stored.author_id, Some(ada.id));
    assert_eq!(stored.email, ada.email);
    let mine = c.get("/feedback/mine").await;
    assert_eq!(mine.status, 200);
    let card = mine.texts(&format!("#feedback-{id}"));
    assert_eq!(card.len(), 1, "{}", mine.text());
    assert!(
        card[0].contains("The lesson video stops after a minute."),
        "{}",
        card[0]
    );
    assert!(
        card[0].contains("问题") && card[0].contains("新反馈"),
        "{}",
        card[0]
    );
    assert!(mine.text().contains("谢谢你的反馈"), "the thank-you flash");

    // Someone else's list does not have it.
    let (_, bob) = member(&app, "bob").await;
    let theirs = bob.get("/feedback/mine").await;
    assert_eq!(theirs.status, 200);
    assert!(theirs.select(&format!("#feedback-{id}")).is_empty());
    assert!(!theirs.text().contains("The lesson video stops"));
}

#[tokio::test]
async fn only_moderators_triage() {
    let app = TestApp::spawn().await;
    let (lrn, learner) = member(&app, "lrn").await;
    let id = filed_by(&app, &learner, "Please triage me").await;
    // Guests go to sign in; members who do not moderate are refused.
    let guest = app.new_client();
    let res = guest.get("/admin/feedback").await;
    assert_eq!(res.location(), Some("/login?next=%2Fadmin%2Ffeedback"));
    assert_eq!(learner.get("/admin/feedback").await.status, 403);
    learner.get("/feedback/mine").await;
    let res = learner
        .post_form(
            &format!("/admin/feedback/{id}"),
            &[("state", "done"), ("note", "I did it myself")],
        )
        .await;
    assert_eq!(res.status, 403);
    let expert = app.user(&unique("exp")).verified().certified().create().await;
    let e = app.new_client();
    e.login(&expert.username, &expert.password).await;
    assert_eq!(e.get("/admin/feedback").await.status, 403);
    let res = e
        .post_form(
            &format!("/admin/feedback/{id}"),
            &[("state", "declined"), ("note", "no")],
        )
        .await;
    assert_eq!(res.status, 403);
    let still = item(&app, id).await;
    assert_eq!((still.state, still.note.as_str()), (FeedbackState::New, ""));
    // The use case refuses a member without the role too.
    let services = app.services();
    let refused = app
        .db(move |conn| {
            klearn::feedback::triage(
                conn,
                &services,
                &klearn::domain::actor::Actor::member(expert.id, &[Role::Expert]),
                id,
                FeedbackState::Done,
                "",
            )
        })
        .await;
    assert!(matches!(
        refused,
        Err(klearn::feedback::FeedbackError::Forbidden(_))
    ));
    assert_eq!(mails_queued_to(&app, &lrn.email).await, 0);
}

#[tokio::test]
async fn a_moderator_moves_an_item_through_its_states_and_the_author_is_mailed_each_time() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder().smtp(smtp.url()).spawn().await;
    let (author, c) = member(&app, "author").await;
    let id = filed_by(&app, &c, "Receipts should show the course's expert.").await;
    let m = moderator(&app).await;

    // The new items, with the author and the page.
    let list = m.get("/admin/feedback").await;
    assert_eq!(list.status, 200);
    let card = list.texts(&format!("#feedback-{id}"));
    assert_eq!(card.len(), 1, "{}", list.text());
    assert!(
        card[0].contains(&author.username) && card[0].contains(&author.email),
        "{}",
        card[0]
    );
    assert!(card[0].contains("Receipts should show the course's expert."));
    assert_eq!(
        list.attrs(&format!("#feedback-{id} .card-meta a[href='/courses']"), "href")
            .len(),
        1
    );

    // Planned, with a note: mailed, and the note is on the author's list.
    let res = triage(&m, id, "planned", "We will add it in December.").await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert!(res.location().unwrap().starts_with("/admin/feedback?state=new"));
    let now = item(&app, id).await;
    assert_eq!(now.state, FeedbackState::Planned);
    assert_eq!(now.note, "We will add it in December.");
    let received = smtp.wait_for(1).await;
    assert_eq!(received[0].rcpt_to, vec![format!("<{}>", author.email)]);
    let mail = Mail::parse(&received[0].data, "smtp".into());
    assert!(mail.subject.contains("已计划"), "{}", mail.subject);
    assert!(mail.text.contains("We will add it in December."), "{}", mail.text);
    assert!(mail.text.contains("Receipts should show"), "{}", mail.text);
    assert!(
        mail.link(&format!("{}/feedback/mine", app.address)).is_some(),
        "{}",
        mail.text
    );
    let mine = c.get("/feedback/mine").await;
    let card = mine.texts(&format!("#feedback-{id}"));
    assert!(
        card[0].contains("已计划") && card[0].contains("We will add it in December."),
        "{}",
        card[0]
    );

    // The same state and note again changes nothing and mails nobody.
    let res = triage(&m, id, "planned", "We will add it in December.").await;
    assert_eq!(res.status, 303);
    assert_eq!(mails_queued_to(&app, &author.email).await, 1);

    // Declining needs a note: the form comes back on the item, with what was chosen.
    let res = triage(&m, id, "declined", "  ").await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.select(&format!("#note-{id}-error")).len(),
        1,
        "{}",
        res.text()
    );
    assert_eq!(
        res.attrs(&format!("#state-{id} option[selected]"), "value"),
        vec!["declined".to_string()]
    );
    // A state the site does not know, and an item that does not exist.
    let res = triage(&m, id, "closed", "").await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select(&format!("#state-{id}-error")).len(), 1);
    assert_eq!(triage(&m, FeedbackId(9999), "done", "").await.status, 404);
    assert_eq!(item(&app, id).await.state, FeedbackState::Planned);

    // Done, then declined, then new again: a mail each time.
    for (state, note, label) in [
        ("done", "Shipped with the December release.", "已完成"),
        ("declined", "On second thought, receipts stay short.", "不采纳"),
        ("new", "", "新反馈"),
    ] {
        let res = triage(&m, id, state, note).await;
        assert_eq!(res.status, 303, "{state}: {}", res.text());
        assert_eq!(item(&app, id).await.state.as_str(), state);
        let n = mails_queued_to(&app, &author.email).await as usize;
        let received = smtp.wait_for(n).await;
        let mail = received
            .iter()
            .map(|r| Mail::parse(&r.data, "smtp".into()))
            .find(|m| m.subject.contains(label))
            .unwrap_or_else(|| panic!("no mail says {label}"));
        if !note.is_empty() {
            assert!(mail.text.contains(note), "{state}: {}", mail.text);
        }
    }
    assert_eq!(mails_queued_to(&app, &author.email).await, 4);

    // Each change is in the audit log, with the moderator and the note.
    let audit = m.get("/admin/audit?kind=feedback.").await;
    let rows = audit.texts("tbody tr");
    assert_eq!(rows.len(), 4, "{}", audit.text());
    assert!(rows
        .iter()
        .any(|r| r.contains("feedback.planned") && r.contains("We will add it in December.")));
    assert!(rows.iter().all(|r| r.contains(&format!("feedback #{id}"))));
}

#[tokio::test]
async fn a_guest_is_mailed_at_the_address_they_gave_with_text_only() {
    let app = TestApp::spawn().await;
    let guest = app.new_client();
    let res = file(
        &guest,
        &[
            ("kind", "problem"),
            ("page_url", "/forum"),
            ("body", "The forum page is slow for me."),
            ("email", "visitor@example.org"),
        ],
    )
    .await;
    assert_eq!(res.status, 303);
    let id = items(&app).await[0].id;
    let m = moderator(&app).await;
    let list = m.get("/admin/feedback?state=new").await;
    let card = list.texts(&format!("#feedback-{id}"));
    assert!(
        card[0].contains("访客") && card[0].contains("visitor@example.org"),
        "{}",
        card[0]
    );
    assert_eq!(triage(&m, id, "done", "Faster since today.").await.status, 303);
    let mail = app.wait_for_mail("visitor@example.org").await;
    assert!(mail.subject.contains("已完成"), "{}", mail.subject);
    assert!(mail.text.contains("Faster since today."), "{}", mail.text);
    assert!(!mail.text.contains("/feedback/mine"), "{}", mail.text);
}

#[tokio::test]
async fn a_deleted_members_items_keep_no_address_and_mail_nobody() {
    let app = TestApp::spawn().await;
    let (gone, c) = member(&app, "gone").await;
    let id = filed_by(&app, &c, "Before I go: thanks.").await;
    c.get("/settings/delete").await;
    let res = c
        .post_form("/settings/delete", &[("current_password", &gone.password)])
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(item(&app, id).await.email, "");
    let m = moderator(&app).await;
    assert_eq!(triage(&m, id, "done", "Thank you!").await.status, 303);
    assert_eq!(item(&app, id).await.state, FeedbackState::Done);
    assert_eq!(mails_queued_to(&app, &gone.email).await, 0);
}

#[tokio::test]
async fn the_dashboard_and_the_triage_tabs_count_items_by_state() {
    let app = TestApp::spawn().await;
    let (_, c) = member(&app, "counter").await;
    let a = filed_by(&app, &c, "First thing").await;
    let b = filed_by(&app, &c, "Second thing").await;
    filed_by(&app, &c, "Third thing").await;
    let m = moderator(&app).await;
    assert_eq!(triage(&m, a, "planned", "").await.status, 303);
    assert_eq!(triage(&m, b, "declined", "Not for us.").await.status, 303);
    let dashboard = m.get("/admin").await;
    let cards = dashboard.texts(".stat-card");
    for expected in ["新反馈1", "已计划1", "已完成0", "不采纳1"] {
        assert!(cards.iter().any(|t| t == expected), "{expected}: {cards:?}");
    }
    assert_eq!(
        dashboard
            .attrs(".stat-card a[href^='/admin/feedback?state=']", "href")
            .len(),
        4
    );
    let tabs = m.get("/admin/feedback?state=declined").await;
    assert_eq!(
        tabs.texts(".tabs a[aria-current='page']"),
        vec!["不采纳 1".to_string()]
    );
    assert_eq!(tabs.select("article.review-card").len(), 1);
    // The new items, oldest first, are the default.
    let new = m.get("/admin/feedback").await;
    assert_eq!(
        new.texts(".tabs a[aria-current='page']"),
        vec!["新反馈 1".to_string()]
    );
    assert!(new.text().contains("Third thing"));
}
