//! Courses: the studio, states and who may move them, revisions of published
//! courses, the review queue, landing pages, enrollment, progress, and the
//! paywall that no paid byte gets through.

use klearn::domain::account::Role;
use klearn_db::courses::{Audience, Course, CourseState, Lesson};
use klearn_db::enrollments::{Enrollment, LessonProgress};
use klearn_db::CourseId;

use crate::common::{Client, TestApp, TestCourse, TestUser};

const PDF: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\nSECRET-MEDIA-789\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

async fn expert(app: &TestApp, name: &str) -> TestUser {
    app.user(name).verified().role(Role::Expert).create().await
}

async fn certified_expert(app: &TestApp, name: &str) -> TestUser {
    app.user(name).verified().certified().create().await
}

async fn course_row(app: &TestApp, id: CourseId) -> Course {
    app.db(move |c| Course::find(c, id).unwrap()).await
}

fn course_fields<'a>(title: &'a str, price: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("subtitle", "Learn it well"),
        ("description", "A **good** course."),
        ("outcomes", "- Write code\n- Read code"),
        ("category", "rust"),
        ("level", "intermediate"),
        ("format", "video"),
        ("price", price),
        ("tags", "rust, 并发"),
    ]
}

#[tokio::test]
async fn an_expert_builds_a_course_and_a_moderator_publishes_it() {
    let app = TestApp::spawn().await;
    let chen = certified_expert(&app, "chen").await;
    let c = signed_in(&app, &chen).await;
    c.get("/studio/courses/new?lang=en").await;
    let res = c
        .post_multipart(
            "/studio/courses/new",
            &course_fields("Rust 所有权实战", "199.5"),
            vec![("cover", "c.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let edit = res.location().unwrap().to_string();
    let id: CourseId = edit.split('/').nth(3).unwrap().parse().unwrap();
    let course = course_row(&app, id).await;
    assert_eq!(course.slug, "rust-suo-you-quan-shi-zhan");
    assert_eq!(course.price_cents, 19950);
    assert_eq!(course.state.as_str(), "draft");
    assert!(course.cover_upload_id.is_some());
    assert!(course.description_html.contains("<strong>good</strong>"));

    // Submitting an empty course is refused with a message.
    c.get(&edit).await;
    let res = c.post_form(&format!("/studio/courses/{id}/submit"), &[]).await;
    assert_eq!(res.status, 303);
    assert_eq!(course_row(&app, id).await.state.as_str(), "draft");

    c.get(&format!("/studio/courses/{id}/chapters/new")).await;
    let bad = c
        .post_form(&format!("/studio/courses/{id}/chapters/new"), &[("title", "  ")])
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        c.post_form(
            &format!("/studio/courses/{id}/chapters/new"),
            &[("title", "Basics")]
        )
        .await
        .status,
        303
    );
    let chapter = app
        .db(move |conn| {
            Lesson::outline(conn, id, Audience::Studio).unwrap().chapters[0]
                .0
                .id
        })
        .await;
    for (title, free) in [("Why ownership", "1"), ("Borrowing", "")] {
        c.get(&format!("/studio/chapters/{chapter}/lessons/new")).await;
        let mut texts = vec![
            ("title", title),
            ("body", "Some `code`."),
            ("duration_minutes", "12"),
        ];
        if !free.is_empty() {
            texts.push(("free_preview", free));
        }
        let res = c
            .post_multipart(&format!("/studio/chapters/{chapter}/lessons/new"), &texts, vec![])
            .await;
        assert_eq!(res.status, 303, "{}", res.text());
    }
    c.get(&edit).await;
    assert_eq!(
        c.post_form(&format!("/studio/courses/{id}/submit"), &[])
            .await
            .status,
        303
    );
    assert_eq!(course_row(&app, id).await.state.as_str(), "in_review");
    // In review: the guest cannot see it, the owner cannot edit it.
    assert_eq!(
        app.client.get(&format!("/courses/{}", course.slug)).await.status,
        404
    );

    let moderator = app.user("mia").role(Role::Moderator).create().await;
    let m = signed_in(&app, &moderator).await;
    let queue = m.get("/admin/courses").await;
    assert!(queue.text().contains("Rust 所有权实战"));
    let res = m.post_form(&format!("/admin/courses/{id}/approve"), &[]).await;
    assert_eq!(res.status, 303);
    let course = course_row(&app, id).await;
    assert_eq!(course.state.as_str(), "published");
    assert!(course.published_at.is_some());
    let mail = app.wait_for_mail(&chen.email).await;
    assert!(mail.subject.contains("通过审核"), "{}", mail.subject);
    let page = app.client.get(&format!("/courses/{}?lang=en", course.slug)).await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Why ownership") && page.text().contains("¥199.50"));
    assert_eq!(
        page.attrs("link[rel=canonical]", "href"),
        vec![format!("{}/courses/{}", app.address, course.slug)]
    );
    assert!(page.body.contains("\"@type\":\"Course\""));
    assert_eq!(
        page.attrs("meta[property='og:title']", "content"),
        vec!["Rust 所有权实战".to_string()]
    );
    // The audit log has the decision.
    let (entries, _) = app
        .db(|c| klearn_db::audit::AuditEntry::list(c, &Default::default(), 1, 20).unwrap())
        .await;
    assert!(entries
        .iter()
        .any(|e| e.entry.action == "course.approve" && e.actor.as_deref() == Some("mia")));
}

#[tokio::test]
async fn course_states_move_only_along_legal_steps_by_the_right_people() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "owner").await;
    let course = app.course(&owner).lesson("One", true, "Body", "").create().await;
    let id = course.id;
    let o = signed_in(&app, &owner).await;
    o.get("/studio").await;
    // Draft: withdraw and unpublish are illegal.
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/withdraw"), &[])
            .await
            .status,
        409
    );
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/unpublish"), &[])
            .await
            .status,
        409
    );
    let moderator = app.user("mod").role(Role::Moderator).create().await;
    let m = signed_in(&app, &moderator).await;
    m.get("/admin/courses").await;
    assert_eq!(
        m.post_form(&format!("/admin/courses/{id}/approve"), &[])
            .await
            .status,
        409,
        "a draft cannot be approved"
    );
    // Submit, withdraw, submit again.
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/submit"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/withdraw"), &[])
            .await
            .status,
        303
    );
    assert_eq!(course_row(&app, id).await.state.as_str(), "draft");
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/submit"), &[])
            .await
            .status,
        303
    );
    // A rejection needs a reason: 422 with the form and the message.
    let res = m
        .post_form(&format!("/admin/courses/{id}/reject"), &[("reason", "  ")])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("退回时请写明理由"), "{}", res.text());
    assert_eq!(course_row(&app, id).await.state.as_str(), "in_review");
    let res = m
        .post_form(
            &format!("/admin/courses/{id}/reject"),
            &[("reason", "Lesson two needs code samples.")],
        )
        .await;
    assert_eq!(res.status, 303);
    let row = course_row(&app, id).await;
    assert_eq!(
        (row.state.as_str(), row.review_note.as_str()),
        ("rejected", "Lesson two needs code samples.")
    );
    let studio = o.get(&format!("/studio/courses/{id}/edit")).await;
    assert!(studio.text().contains("Lesson two needs code samples."));
    let mail = app.wait_for_mail(&owner.email).await;
    assert!(
        mail.text.contains("打开工作室") || mail.html.contains("/studio/courses/"),
        "{}",
        mail.text
    );
    // Resubmit, approve, then the owner unpublishes and submits again.
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/submit"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        m.post_form(&format!("/admin/courses/{id}/approve"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/unpublish"), &[])
            .await
            .status,
        303
    );
    assert_eq!(course_row(&app, id).await.state.as_str(), "unpublished");
    assert_eq!(
        o.post_form(&format!("/studio/courses/{id}/submit"), &[])
            .await
            .status,
        303
    );
    assert_eq!(course_row(&app, id).await.state.as_str(), "in_review");

    // Learners and moderators without the expert role have no studio; learners no review queue.
    let learner = app.user("lea").verified().create().await;
    let l = signed_in(&app, &learner).await;
    assert_eq!(l.get("/studio").await.status, 403);
    assert_eq!(l.get("/admin/courses").await.status, 403);
    l.get("/").await;
    assert_eq!(
        l.post_form(&format!("/admin/courses/{id}/approve"), &[])
            .await
            .status,
        403
    );
    assert_eq!(m.get("/studio").await.status, 403);
}

#[tokio::test]
async fn another_experts_course_is_404_everywhere_in_the_studio() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "alice").await;
    let course = app
        .course(&owner)
        .lesson("Lesson", false, "Body", "")
        .create()
        .await;
    let mallory = expert(&app, "mallory").await;
    let c = signed_in(&app, &mallory).await;
    let (id, chapter, lesson) = (course.id, course.chapter, course.lessons[0]);
    for path in [
        format!("/studio/courses/{id}/edit"),
        format!("/studio/courses/{id}/chapters/new"),
        format!("/studio/chapters/{chapter}/edit"),
        format!("/studio/chapters/{chapter}/lessons/new"),
        format!("/studio/lessons/{lesson}/edit"),
    ] {
        assert_eq!(c.get(&path).await.status, 404, "{path}");
    }
    c.get("/studio").await;
    for path in [
        format!("/studio/courses/{id}/submit"),
        format!("/studio/chapters/{chapter}/delete"),
        format!("/studio/lessons/{lesson}/delete"),
    ] {
        assert_eq!(c.post_form(&path, &[]).await.status, 404, "{path}");
    }
    assert_eq!(
        c.post_form(&format!("/studio/lessons/{lesson}/move"), &[("direction", "up")])
            .await
            .status,
        404
    );
    assert!(app.db(move |conn| Lesson::find(conn, lesson).is_ok()).await);
    assert!(!c.get("/studio").await.text().contains(&course.slug));
}

#[tokio::test]
async fn edits_to_a_published_course_wait_for_review_while_the_live_page_stays() {
    let app = TestApp::spawn().await;
    let owner = certified_expert(&app, "reviser").await;
    let course = app
        .course(&owner)
        .title("Original title")
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await;
    let id = course.id;
    let o = signed_in(&app, &owner).await;
    o.get(&format!("/studio/courses/{id}/edit")).await;
    let res = o
        .post_multipart(
            &format!("/studio/courses/{id}/edit"),
            &course_fields("Better title", "99"),
            vec![],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    let live = course_row(&app, id).await;
    assert_eq!(
        (live.title.as_str(), live.price_cents, live.state.as_str()),
        ("Original title", 0, "published")
    );
    // Direct fields change at once.
    assert_eq!(live.level, "intermediate");
    let page = app.client.get(&format!("/courses/{}", course.slug)).await;
    assert!(page.text().contains("Original title") && !page.text().contains("Better title"));
    // The studio shows the pending version; the queue shows the difference.
    assert!(
        o.get(&format!("/studio/courses/{id}/edit"))
            .await
            .attrs("#f-title", "value")
            == vec!["Better title".to_string()]
    );
    let moderator = app.user("rev_mod").role(Role::Moderator).create().await;
    let m = signed_in(&app, &moderator).await;
    let queue = m.get("/admin/courses?lang=en").await;
    let diff = queue.select(".diff-table tbody tr");
    assert_eq!(diff.len(), 6, "each changed field is a row: {diff:?}");
    assert!(queue.text().contains("Original title") && queue.text().contains("Better title"));
    let revision: String = queue.attrs("input[name=revision]", "value")[0].clone();
    assert_eq!(
        m.post_form(
            &format!("/admin/courses/{id}/approve"),
            &[("revision", &revision)]
        )
        .await
        .status,
        303
    );
    let live = course_row(&app, id).await;
    assert_eq!((live.title.as_str(), live.price_cents), ("Better title", 9900));
    // A second change, sent back: the live course stays, the owner reads why.
    o.get(&format!("/studio/courses/{id}/edit")).await;
    o.post_multipart(
        &format!("/studio/courses/{id}/edit"),
        &course_fields("Worse title", "99"),
        vec![],
    )
    .await;
    let queue = m.get("/admin/courses").await;
    let revision = queue.attrs("input[name=revision]", "value")[0].clone();
    let res = m
        .post_form(
            &format!("/admin/courses/{id}/reject"),
            &[("revision", &revision), ("reason", "Keep the clearer title.")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(course_row(&app, id).await.title, "Better title");
    assert!(o
        .get(&format!("/studio/courses/{id}/edit"))
        .await
        .text()
        .contains("Keep the clearer title."));
    // A stale decision on a decided revision conflicts.
    assert_eq!(
        m.post_form(
            &format!("/admin/courses/{id}/approve"),
            &[("revision", &revision)]
        )
        .await
        .status,
        409
    );
}

/// A paid course with secrets in its paid lesson's body, task and media.
async fn paid_course(app: &TestApp, owner: &TestUser) -> (TestCourse, String) {
    let course = app
        .course(owner)
        .price(19900)
        .lesson("Free intro", true, "Welcome to the course.", "")
        .lesson(
            "Paid deep dive",
            false,
            "SECRET-PAID-BODY-123 and more",
            "SECRET-TASK-456",
        )
        .published()
        .create()
        .await;
    // Attach a PDF to the paid lesson through the studio, as the owner would.
    let o = signed_in(app, owner).await;
    let lesson = course.lessons[1];
    o.get(&format!("/studio/lessons/{lesson}/edit")).await;
    let texts = [
        ("title", "Paid deep dive"),
        ("body", "SECRET-PAID-BODY-123 and more"),
        ("duration_minutes", "10"),
        ("task_instructions", "SECRET-TASK-456"),
        ("task_kind", "text"),
    ];
    let res = o
        .edit_lesson(lesson, &texts, vec![("media", "notes.pdf", PDF.to_vec())])
        .await;
    assert_eq!(res.status, 303, "{}", res.text());
    // The course is published: the new media waits for a moderator.
    let moderator = app
        .user(&crate::common::unique("mod"))
        .role(Role::Moderator)
        .create()
        .await;
    let m = signed_in(app, &moderator).await;
    assert_eq!(m.approve_changes(course.id).await.status, 303);
    let media = app
        .db(move |c| {
            let l = Lesson::find(c, lesson).unwrap();
            klearn_db::uploads::Upload::find(c, l.media_upload_id.unwrap())
                .unwrap()
                .stored_name
        })
        .await;
    (course, format!("/media/{media}"))
}

fn leaks(body: &str) -> bool {
    ["SECRET-PAID-BODY-123", "SECRET-TASK-456", "SECRET-MEDIA-789"]
        .iter()
        .any(|s| body.contains(s))
}

#[tokio::test]
async fn no_byte_of_a_paid_lesson_reaches_anyone_who_has_not_bought_it() {
    let app = TestApp::spawn().await;
    let owner = certified_expert(&app, "seller").await;
    let (course, media) = paid_course(&app, &owner).await;
    let (free, paid) = (course.lessons[0], course.lessons[1]);
    let stranger = app.user("stranger").verified().create().await;
    let s = signed_in(&app, &stranger).await;
    for (who, client) in [("guest", &app.new_client()), ("learner", &s)] {
        let res = client
            .get(&format!("/courses/{}/lessons/{paid}?lang=en", course.slug))
            .await;
        assert_eq!(res.status, 403, "{who}");
        assert!(!leaks(&res.body), "{who}: the lesson leaked");
        assert!(
            res.text().contains("¥199") && res.text().contains("Paid deep dive"),
            "{who}: {}",
            res.text()
        );
        let landing = client.get(&format!("/courses/{}", course.slug)).await;
        assert_eq!(landing.status, 200);
        assert!(!leaks(&landing.body), "{who}: the landing page leaked");
        assert!(
            landing.select(&format!("a[href$='/lessons/{paid}']")).is_empty(),
            "{who}: the paid lesson is linked"
        );
        for range in [None, Some("bytes=0-10"), Some("bytes=20-")] {
            let mut req = client.http.get(app.url(&media));
            if let Some(r) = range {
                req = req.header("Range", r);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 404, "{who} {range:?}");
            let bytes = res.bytes().await.unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("SECRET") && !bytes.starts_with(b"%PDF"),
                "{who} {range:?}"
            );
        }
        let free_page = client
            .get(&format!("/courses/{}/lessons/{free}", course.slug))
            .await;
        assert_eq!(free_page.status, 200, "{who}: the free preview is open");
        assert!(
            !leaks(&free_page.body),
            "{who}: a free page leaked the paid lesson"
        );
    }
    // A learner who bought it reads everything, and the media seeks.
    let buyer = app.user("buyer").verified().create().await;
    let course_id = course.id;
    let buyer_id = buyer.id;
    app.db(move |c| {
        Enrollment::enroll(c, buyer_id, course_id, klearn_db::enrollments::PURCHASE, None).unwrap()
    })
    .await;
    let b = signed_in(&app, &buyer).await;
    let res = b.get(&format!("/courses/{}/lessons/{paid}", course.slug)).await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("SECRET-PAID-BODY-123") && res.body.contains("SECRET-TASK-456"));
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
    let part = b
        .http
        .get(app.url(&media))
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF");
    // The owner and moderators read it too.
    let o = signed_in(&app, &owner).await;
    assert_eq!(
        o.get(&format!("/courses/{}/lessons/{paid}", course.slug))
            .await
            .status,
        200
    );
    // A paid course cannot be enrolled in for free.
    s.get(&format!("/courses/{}", course.slug)).await;
    assert_eq!(
        s.post_form(&format!("/courses/{}/enroll", course.slug), &[])
            .await
            .status,
        403
    );
    assert!(
        !app.db(move |c| Enrollment::is_enrolled(c, stranger.id, course_id).unwrap())
            .await
    );
}

#[tokio::test]
async fn enrolled_learners_keep_access_after_an_unpublish() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "unpub").await;
    let course = app
        .course(&owner)
        .price(9900)
        .lesson("Intro", true, "x", "")
        .lesson("Deep", false, "KEEP-ME", "")
        .published()
        .create()
        .await;
    let learner = app.user("loyal").verified().create().await;
    let (cid, lid) = (course.id, learner.id);
    app.db(move |c| Enrollment::enroll(c, lid, cid, klearn_db::enrollments::PURCHASE, None).unwrap())
        .await;
    let o = signed_in(&app, &owner).await;
    o.get("/studio").await;
    assert_eq!(
        o.post_form(&format!("/studio/courses/{cid}/unpublish"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        app.client.get(&format!("/courses/{}", course.slug)).await.status,
        404
    );
    assert_eq!(
        app.client
            .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[0]))
            .await
            .status,
        404
    );
    let l = signed_in(&app, &learner).await;
    assert_eq!(l.get(&format!("/courses/{}", course.slug)).await.status, 200);
    let res = l
        .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]))
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.contains("KEEP-ME"));
}

#[tokio::test]
async fn learners_enroll_in_free_courses_and_their_progress_is_kept() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "giver").await;
    let course = app
        .course(&owner)
        .lesson("First", false, "one", "")
        .lesson("Second", false, "two", "")
        .published()
        .create()
        .await;
    let learner = app.user("eager_learner").verified().create().await;
    let l = signed_in(&app, &learner).await;
    // Before enrolling, the non-preview lesson is closed even in a free course.
    assert_eq!(
        l.get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[0]))
            .await
            .status,
        403
    );
    l.get(&format!("/courses/{}", course.slug)).await;
    assert_eq!(
        l.post_form(&format!("/courses/{}/enroll", course.slug), &[])
            .await
            .status,
        303
    );
    l.get(&format!("/courses/{}", course.slug)).await;
    assert_eq!(
        l.post_form(&format!("/courses/{}/enroll", course.slug), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        course_row(&app, course.id).await.learners_count,
        1,
        "enrolling twice counts once"
    );
    let page = l
        .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[0]))
        .await;
    assert_eq!(page.status, 200);
    let (uid, first) = (learner.id, course.lessons[0]);
    let cid = course.id;
    let progress = app
        .db(move |c| LessonProgress::for_course(c, uid, cid).unwrap())
        .await;
    assert_eq!(progress.len(), 1);
    assert!(progress[0].completed_at.is_none());
    let res = l
        .post_form(
            &format!("/courses/{}/lessons/{first}/complete", course.slug),
            &[("done", "1")],
        )
        .await;
    assert_eq!(
        res.location(),
        Some(format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]).as_str())
    );
    let learn = l.get("/learn?lang=en").await;
    assert!(learn.text().contains("1 of 2 lessons done"), "{}", learn.text());
    assert_eq!(learn.attrs("progress", "value"), vec!["50".to_string()]);
    // Guests are asked to log in to enroll.
    let guest = app.client.get(&format!("/courses/{}", course.slug)).await;
    assert_eq!(
        guest
            .select(&format!("a[href='/login?next=/courses/{}']", course.slug))
            .len(),
        1
    );
    // Someone not enrolled cannot mark progress.
    let other = app.user("other_one").verified().create().await;
    let o = signed_in(&app, &other).await;
    o.get("/").await;
    assert_eq!(
        o.post_form(
            &format!("/courses/{}/lessons/{first}/complete", course.slug),
            &[("done", "1")]
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn an_opened_lesson_is_hidden_not_deleted_and_order_moves_without_script() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "mover").await;
    let course = app
        .course(&owner)
        .lesson("A", true, "a", "")
        .lesson("B", true, "b", "")
        .lesson("C", true, "HIDDEN-BUT-KEPT", "")
        .published()
        .create()
        .await;
    let learner = app.user("reader").verified().create().await;
    let (cid, lid, c_lesson) = (course.id, learner.id, course.lessons[2]);
    app.db(move |c| Enrollment::enroll(c, lid, cid, "free", None).unwrap())
        .await;
    let l = signed_in(&app, &learner).await;
    assert_eq!(
        l.get(&format!("/courses/{}/lessons/{c_lesson}", course.slug))
            .await
            .status,
        200
    );
    let o = signed_in(&app, &owner).await;
    o.get("/studio").await;
    // Move B up, then delete A (never opened) and C (opened).
    o.post_form(
        &format!("/studio/lessons/{}/move", course.lessons[1]),
        &[("direction", "up")],
    )
    .await;
    let order = app
        .db(move |c| {
            Lesson::outline(c, cid, Audience::Studio)
                .unwrap()
                .lessons()
                .map(|l| l.title.clone())
                .collect::<Vec<_>>()
        })
        .await;
    assert_eq!(order, vec!["B", "A", "C"]);
    assert_eq!(
        o.post_form(
            &format!("/studio/lessons/{}/move", course.lessons[1]),
            &[("direction", "sideways")]
        )
        .await
        .status,
        400
    );
    o.post_form(&format!("/studio/lessons/{}/delete", course.lessons[0]), &[])
        .await;
    o.post_form(&format!("/studio/lessons/{c_lesson}/delete",), &[])
        .await;
    let a = course.lessons[0];
    assert!(app.db(move |c| Lesson::find(c, a).is_err()).await, "A is gone");
    let c_row = app.db(move |c| Lesson::find(c, c_lesson).unwrap()).await;
    assert!(c_row.hidden, "C is hidden, not deleted");
    let landing = app.client.get(&format!("/courses/{}", course.slug)).await;
    assert!(!landing.text().contains(" C "), "{}", landing.text());
    assert_eq!(
        app.client
            .get(&format!("/courses/{}/lessons/{c_lesson}", course.slug))
            .await
            .status,
        404
    );
    let res = l
        .get(&format!("/courses/{}/lessons/{c_lesson}", course.slug))
        .await;
    assert_eq!(res.status, 200, "the learner who opened it keeps it");
    assert!(res.body.contains("HIDDEN-BUT-KEPT"));
}

#[tokio::test]
async fn bad_course_input_comes_back_with_messages_and_the_text_kept() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "typo").await;
    let c = signed_in(&app, &owner).await;
    c.get("/studio/courses/new?lang=en").await;
    for (price, message) in [
        ("-1", "cannot be negative"),
        ("1.999", "at most two decimals"),
        ("abc", "as a number"),
    ] {
        let res = c
            .post_multipart("/studio/courses/new", &course_fields("Priced", price), vec![])
            .await;
        assert_eq!(res.status, 422, "{price}");
        assert!(res.text().contains(message), "{price}: {}", res.text());
        assert_eq!(res.attrs("#f-title", "value"), vec!["Priced".to_string()]);
        assert_eq!(res.attrs("#f-price", "value"), vec![price.to_string()]);
    }
    let mut fields = course_fields("", "0");
    fields.retain(|(k, _)| *k != "category");
    fields.push(("category", "no-such"));
    let res = c.post_multipart("/studio/courses/new", &fields, vec![]).await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("Enter a title") && res.text().contains("Choose a category"));
    // Covers: too large, or not an image.
    let big = [PNG, &vec![0u8; 2 * 1024 * 1024]].concat();
    let res = c
        .post_multipart(
            "/studio/courses/new",
            &course_fields("Big cover", "0"),
            vec![("cover", "big.png", big)],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.text().contains("The file is too large: at most 2 MB."),
        "{}",
        res.text()
    );
    assert_eq!(res.attrs("#f-title", "value"), vec!["Big cover".to_string()]);
    let res = c
        .post_multipart(
            "/studio/courses/new",
            &course_fields("PDF cover", "0"),
            vec![("cover", "c.png", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("PNG, JPG, GIF, WEBP"), "{}", res.text());
    // Lesson media must be video, audio or PDF.
    let course = app.course(&owner).create().await;
    c.get(&format!("/studio/chapters/{}/lessons/new", course.chapter))
        .await;
    let res = c
        .post_multipart(
            &format!("/studio/chapters/{}/lessons/new", course.chapter),
            &[
                ("title", "With media"),
                ("body", "b"),
                ("duration_minutes", "700"),
            ],
            vec![("media", "x.mp4", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.text().contains("MP4, WEBM, MP3, M4A, OGG, PDF") && res.text().contains("0 to 600"),
        "{}",
        res.text()
    );
    // Preview renders the Markdown server-side without saving.
    let res = c
        .post_multipart(
            &format!("/studio/chapters/{}/lessons/new", course.chapter),
            &[
                ("title", "Draft"),
                ("body", "# Heading\n\n```rust\nfn main() {}\n```"),
                ("intent", "preview"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body.contains("<h1>Heading</h1>") && res.body.contains("hl-"),
        "{}",
        res.body
    );
    let cid = course.id;
    assert_eq!(
        app.db(move |c| Lesson::outline(c, cid, Audience::Studio).unwrap().lesson_count())
            .await,
        0
    );
}

#[tokio::test]
async fn markdown_in_every_course_and_lesson_field_is_inert() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "xss").await;
    let c = signed_in(&app, &owner).await;
    c.get("/studio/courses/new").await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))";
    let fields = vec![
        ("title", "<script>alert('t')</script>"),
        ("subtitle", "<img src=x onerror=alert(4)>"),
        ("description", evil),
        ("outcomes", evil),
        ("category", "rust"),
        ("level", "beginner"),
        ("format", "text"),
        ("price", "0"),
        ("tags", "<b>x</b>"),
    ];
    let res = c.post_multipart("/studio/courses/new", &fields, vec![]).await;
    assert_eq!(res.status, 303, "{}", res.text());
    let id: CourseId = res
        .location()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    let chapter = app
        .db(move |conn| {
            klearn_db::courses::Chapter::create(conn, id, "<script>c</script>")
                .unwrap()
                .id
        })
        .await;
    c.get(&format!("/studio/chapters/{chapter}/lessons/new")).await;
    let res = c
        .post_multipart(
            &format!("/studio/chapters/{chapter}/lessons/new"),
            &[
                ("title", "<script>alert(5)</script>"),
                ("body", evil),
                ("free_preview", "1"),
                ("task_instructions", evil),
                ("task_kind", "link"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    let lesson = app
        .db(move |conn| {
            Lesson::outline(conn, id, Audience::Studio)
                .unwrap()
                .lessons()
                .next()
                .unwrap()
                .id
        })
        .await;
    app.db(move |conn| {
        Course::move_state(conn, id, CourseState::Draft, CourseState::InReview, None).unwrap();
        Course::move_state(conn, id, CourseState::InReview, CourseState::Published, None).unwrap();
        klearn_db::courses::Chapter::approve_all(conn, id).unwrap();
    })
    .await;
    let slug = course_row(&app, id).await.slug;
    for path in [
        format!("/courses/{slug}"),
        format!("/courses/{slug}/lessons/{lesson}"),
        format!("/studio/courses/{id}/edit"),
        format!("/studio/lessons/{lesson}/edit"),
        "/studio".to_string(),
    ] {
        let page = c.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script>alert"), "{path}");
        assert!(page.select("[onerror]").is_empty(), "{path}");
        assert!(!page.body.contains("href=\"javascript"), "{path}");
        assert!(!page.body.contains("<b>x</b>"), "{path}");
    }
}

#[tokio::test]
async fn moderators_feature_courses_and_admins_manage_categories() {
    let app = TestApp::spawn().await;
    let owner = expert(&app, "star").await;
    let course = app
        .course(&owner)
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await;
    let moderator = app.user("curator").role(Role::Moderator).create().await;
    let m = signed_in(&app, &moderator).await;
    m.get("/admin/courses").await;
    assert_eq!(
        m.post_form(&format!("/admin/courses/{}/feature", course.id), &[])
            .await
            .status,
        303
    );
    assert!(course_row(&app, course.id).await.featured);
    let draft = app.course(&owner).create().await;
    assert_eq!(
        m.post_form(&format!("/admin/courses/{}/feature", draft.id), &[])
            .await
            .status,
        409
    );
    let l = signed_in(&app, &app.user("nobody_special").create().await).await;
    l.get("/").await;
    assert_eq!(
        l.post_form(&format!("/admin/courses/{}/feature", course.id), &[])
            .await
            .status,
        403
    );

    assert_eq!(
        m.get("/admin/categories").await.status,
        403,
        "categories are for admins"
    );
    let admin = app.user("boss_admin").role(Role::Admin).create().await;
    let a = signed_in(&app, &admin).await;
    let page = a.get("/admin/categories?lang=en").await;
    assert!(page.text().contains("rust"), "the default categories are seeded");
    let fields = [
        ("kind", "course"),
        ("slug", "Bad Slug"),
        ("name_zh", "嵌入式"),
        ("name_en", "Embedded"),
    ];
    let res = a.post_form("/admin/categories", &fields).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.attrs("#f-name_zh", "value"), vec!["嵌入式".to_string()]);
    let fields = [
        ("kind", "course"),
        ("slug", "embedded"),
        ("name_zh", "嵌入式"),
        ("name_en", "Embedded"),
    ];
    assert_eq!(a.post_form("/admin/categories", &fields).await.status, 303);
    a.get("/admin/categories").await;
    assert_eq!(
        a.post_form("/admin/categories", &fields).await.status,
        422,
        "the slug is taken"
    );
    let home = app.client.get("/?lang=en").await;
    assert!(home.text().contains("Embedded"));
}
