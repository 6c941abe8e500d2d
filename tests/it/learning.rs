//! Learning that counts: handing in a lesson's task (each kind, bad input,
//! who may), grading and rework with their mails, private files, due dates,
//! sharing after grading only; completion with exactly one certificate,
//! verification, revocation; `/learn`'s progress.

use klearn::domain::account::Role;
use klearn_db::certificates::Certificate;
use klearn_db::diesel::prelude::*;
use klearn_db::schema::{certificates, enrollments, submissions};
use klearn_db::tasks::Submission;
use klearn_db::{LessonId, SubmissionState, UserId};

use crate::common::{unique, Client, TestApp, TestCourse, TestUser};

async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

async fn expert(app: &TestApp) -> (TestUser, Client) {
    let user = app
        .user(&unique("teacher"))
        .verified()
        .role(Role::Expert)
        .certified()
        .create()
        .await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// A free published course of two lessons, the second with a task of `kind`.
async fn course_with_task(
    app: &TestApp,
    owner: &TestUser,
    kind: &'static str,
    due: Option<i32>,
) -> TestCourse {
    app.course(owner)
        .task_terms(kind, due, true)
        .lesson("Read this", false, "Some text.", "")
        .lesson(
            "Build it",
            false,
            "Build a CLI.",
            "Build a word counter and hand it in.",
        )
        .published()
        .create()
        .await
}

async fn enroll(c: &Client, course: &TestCourse) {
    c.get(&format!("/courses/{}", course.slug)).await;
    let res = c
        .post_form(&format!("/courses/{}/enroll", course.slug), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

fn lesson_url(course: &TestCourse, lesson: LessonId) -> String {
    format!("/courses/{}/lessons/{}", course.slug, lesson)
}

async fn hand_in(
    c: &Client,
    course: &TestCourse,
    lesson: LessonId,
    texts: &[(&str, &str)],
) -> crate::common::Response {
    c.get(&lesson_url(course, lesson)).await;
    c.post_multipart(
        &format!("{}/submission", lesson_url(course, lesson)),
        texts,
        vec![],
    )
    .await
}

async fn submission(app: &TestApp, learner: UserId, lesson: LessonId) -> Submission {
    app.db(move |conn| {
        Submission::of_learner(conn, learner, lesson)
            .unwrap()
            .expect("a submission")
    })
    .await
}

async fn grade(
    c: &Client,
    course: &TestCourse,
    id: klearn_db::SubmissionId,
    fields: &[(&str, &str)],
) -> crate::common::Response {
    c.get(&format!("/studio/courses/{}/submissions", course.id)).await;
    c.post_form(&format!("/studio/submissions/{id}/grade"), fields)
        .await
}

const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0,
    0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, b'I', b'D', b'A', b'T', 0x78, 0x9c, 0x63, 0,
    1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn a_learner_hands_in_the_expert_returns_it_then_passes_it_and_the_learner_reads_the_feedback() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = course_with_task(&app, &teacher, "text", None).await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let task = course.lessons[1];

    // Bad input comes back with the text kept and a message at the field.
    let res = hand_in(
        &l,
        &course,
        task,
        &[("answer", "   "), ("link", "javascript:alert(1)")],
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(res.select("#f-link-error").len() == 1, "{}", res.body);
    assert!(res.body.contains("javascript:alert(1)"), "the link typed is kept");

    let res = hand_in(&l, &course, task, &[("answer", "My **counter** counts words.")]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let first = submission(&app, learner.id, task).await;
    assert_eq!(first.state, SubmissionState::Submitted);
    let page = l.get(&lesson_url(&course, task)).await;
    assert!(
        page.body.contains("<strong>counter</strong>"),
        "the answer is rendered"
    );

    // Only the course's owner grades; another expert gets 404, the learner too.
    let (_, other) = expert(&app).await;
    assert_eq!(
        other
            .get(&format!("/studio/courses/{}/submissions", course.id))
            .await
            .status,
        404
    );
    let res = grade(&other, &course, first.id, &[("outcome", "pass"), ("score", "90")]).await;
    assert_eq!(res.status, 404);
    assert_eq!(
        l.post_form(
            &format!("/studio/submissions/{}/grade", first.id),
            &[("outcome", "pass"), ("score", "90")]
        )
        .await
        .status,
        403
    );

    // The queue shows it, oldest first; a rework without a note is refused.
    let queue = t.get(&format!("/studio/courses/{}/submissions", course.id)).await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("My <strong>counter</strong>"),
        "{}",
        queue.body
    );
    let res = grade(
        &t,
        &course,
        first.id,
        &[("outcome", "rework"), ("feedback", "  ")],
    )
    .await;
    assert_eq!(res.status, 422);
    assert_eq!(
        res.select(&format!("#feedback-{}-error", first.id)).len(),
        1,
        "{}",
        res.body
    );
    let res = grade(&t, &course, first.id, &[("outcome", "pass"), ("score", "101")]).await;
    assert_eq!(res.status, 422, "a score above the top score");
    let res = grade(
        &t,
        &course,
        first.id,
        &[("outcome", "rework"), ("feedback", "Count *unicode* words too.")],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mail = app.wait_for_mail(&learner.email).await;
    assert!(mail.text.contains("Build it"), "{}", mail.text);
    assert_eq!(
        submission(&app, learner.id, task).await.state,
        SubmissionState::Returned
    );

    // Graded twice is refused: it no longer waits.
    let res = grade(&t, &course, first.id, &[("outcome", "pass"), ("score", "50")]).await;
    assert_eq!(res.status, 303);
    assert_eq!(
        submission(&app, learner.id, task).await.state,
        SubmissionState::Returned
    );

    // The learner reads the note, hands in again; the expert passes it.
    let page = l.get(&lesson_url(&course, task)).await;
    assert!(
        page.body.contains("Count <em>unicode</em> words too."),
        "{}",
        page.body
    );
    let res = hand_in(&l, &course, task, &[("answer", "Now with unicode.")]).await;
    assert_eq!(res.status, 303);
    let again = submission(&app, learner.id, task).await;
    assert_eq!(
        (again.state, again.attempts, again.id),
        (SubmissionState::Submitted, 2, first.id)
    );
    let res = grade(
        &t,
        &course,
        again.id,
        &[
            ("outcome", "pass"),
            ("score", "95"),
            ("feedback", "Clean and **tested**."),
        ],
    )
    .await;
    assert_eq!(res.status, 303);
    let passed = submission(&app, learner.id, task).await;
    assert_eq!((passed.state, passed.score), (SubmissionState::Passed, Some(95)));
    let page = l.get(&lesson_url(&course, task)).await;
    assert!(page.body.contains("Clean and <strong>tested</strong>."));
    assert!(page.body.contains("95 / 100"), "{}", page.body);
    let learn = l.get("/learn").await;
    assert!(
        learn.body.contains("Clean and <strong>tested</strong>."),
        "the feedback on /learn"
    );

    // Passed work is not handed in again.
    let res = hand_in(&l, &course, task, &[("answer", "A third try.")]).await;
    assert_eq!(res.status, 303);
    assert_eq!(
        submission(&app, learner.id, task).await.answer,
        "Now with unicode."
    );
    // The queue by state.
    let passed_tab = t
        .get(&format!("/studio/courses/{}/submissions?state=passed", course.id))
        .await;
    assert!(passed_tab.body.contains("Now with unicode."));
    let waiting = t
        .get(&format!(
            "/studio/courses/{}/submissions?state=submitted",
            course.id
        ))
        .await;
    assert!(!waiting.body.contains("Now with unicode."));
}

#[tokio::test]
async fn only_enrolled_learners_hand_in_and_each_kind_needs_its_part() {
    let app = TestApp::spawn().await;
    let (teacher, _) = expert(&app).await;
    let link_course = course_with_task(&app, &teacher, "link", None).await;
    let file_course = course_with_task(&app, &teacher, "file", None).await;
    let (_, stranger) = member(&app, "stranger").await;
    let lesson = link_course.lessons[1];
    // Not enrolled: the lesson is locked, and handing in is refused.
    stranger.get("/").await;
    let res = stranger
        .post_multipart(
            &format!("{}/submission", lesson_url(&link_course, lesson)),
            &[("link", "https://example.com/r")],
            vec![],
        )
        .await;
    assert_eq!(res.status, 404);
    // A guest is sent to sign in.
    let guest = app.new_client();
    guest.get("/login").await;
    let res = guest
        .post_multipart(
            &format!("{}/submission", lesson_url(&link_course, lesson)),
            &[("link", "https://example.com/r")],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap_or("").starts_with("/login"));
    // A lesson without a task takes nothing.
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &link_course).await;
    let res = hand_in(&l, &link_course, link_course.lessons[0], &[("answer", "hi")]).await;
    assert_eq!(res.status, 404);

    // A link task needs the link.
    let res = hand_in(&l, &link_course, lesson, &[("answer", "notes only")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select("#f-link-error").len(), 1);
    assert!(res.body.contains("notes only"));
    let res = hand_in(
        &l,
        &link_course,
        lesson,
        &[("link", "https://git.example.com/me/wc")],
    )
    .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        submission(&app, learner.id, lesson).await.link,
        "https://git.example.com/me/wc"
    );

    // A file task needs a file of an allowed type.
    enroll(&l, &file_course).await;
    let task = file_course.lessons[1];
    let res = hand_in(&l, &file_course, task, &[("answer", "see file")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select("#f-file-error").len(), 1, "{}", res.body);
    let url = format!("{}/submission", lesson_url(&file_course, task));
    let res = l
        .post_multipart(
            &url,
            &[("answer", "see file")],
            vec![("file", "notes.txt", b"plain text".to_vec())],
        )
        .await;
    assert_eq!(res.status, 422, "text files are not taken");
    let res = l
        .post_multipart(
            &url,
            &[("answer", "see file")],
            vec![("file", "shot.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    // Handed in again without a new file, the first one is kept.
    let res = hand_in(&l, &file_course, task, &[("answer", "more notes")]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(submission(&app, learner.id, task).await.upload_id.is_some());
}

#[tokio::test]
async fn files_handed_in_are_private_to_the_learner_the_expert_and_moderators() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = course_with_task(&app, &teacher, "file", None).await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let task = course.lessons[1];
    l.get(&lesson_url(&course, task)).await;
    let res = l
        .post_multipart(
            &format!("{}/submission", lesson_url(&course, task)),
            &[],
            vec![("file", "shot.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303);
    let upload = submission(&app, learner.id, task).await.upload_id.unwrap();
    let name = app
        .db(move |conn| {
            klearn_db::uploads::Upload::find(conn, upload)
                .unwrap()
                .stored_name
        })
        .await;
    let media = format!("/media/{name}");
    assert_eq!(l.get(&media).await.status, 200, "the learner");
    assert_eq!(t.get(&media).await.status, 200, "the course's expert");
    let moderator = app.user(&unique("mod")).role(Role::Moderator).create().await;
    let m = app.new_client();
    m.login(&moderator.username, &moderator.password).await;
    assert_eq!(m.get(&media).await.status, 200, "a moderator");
    let (_, classmate) = member(&app, "classmate").await;
    enroll(&classmate, &course).await;
    assert_eq!(classmate.get(&media).await.status, 404, "another learner");
    assert_eq!(app.new_client().get(&media).await.status, 404, "a guest");
    let res = l.get(&media).await;
    assert_eq!(res.header("cache-control"), Some("private, no-store"));
}

#[tokio::test]
async fn due_dates_count_from_enrollment_and_late_work_is_marked() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = course_with_task(&app, &teacher, "text", Some(7)).await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let task = course.lessons[1];
    let page = l.get(&lesson_url(&course, task)).await;
    assert!(page.select(".task-terms .overdue").is_empty(), "not due yet");
    // Enrolled ten days ago: the task is overdue, still taken, marked late.
    let (who, which) = (learner.id, course.id);
    app.db(move |conn| {
        klearn_db::diesel::update(
            enrollments::table
                .filter(enrollments::user_id.eq(who))
                .filter(enrollments::course_id.eq(which)),
        )
        .set(enrollments::created_at.eq(klearn_db::now() - chrono::Duration::days(10)))
        .execute(conn)
        .unwrap()
    })
    .await;
    let page = l.get(&lesson_url(&course, task)).await;
    assert_eq!(page.select(".task-terms .overdue").len(), 1, "{}", page.body);
    let res = hand_in(&l, &course, task, &[("answer", "Late but done.")]).await;
    assert_eq!(res.status, 303);
    let queue = t.get(&format!("/studio/courses/{}/submissions", course.id)).await;
    let item = queue.texts(".grading-meta").join(" ");
    assert!(item.contains("late") || item.contains("逾期"), "{item}");
}

#[tokio::test]
async fn graded_work_is_shared_on_the_board_only_after_it_passed() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = course_with_task(&app, &teacher, "link", None).await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let task = course.lessons[1];
    hand_in(
        &l,
        &course,
        task,
        &[
            ("answer", "It counts words."),
            ("link", "https://git.example.com/me/wc"),
        ],
    )
    .await;
    let s = submission(&app, learner.id, task).await;
    let res = l.post_form(&format!("/submissions/{}/share", s.id), &[]).await;
    assert_eq!(res.status, 409, "not before grading");
    grade(&t, &course, s.id, &[("outcome", "pass"), ("score", "80")]).await;
    let (_, other) = member(&app, "other").await;
    other.get("/").await;
    assert_eq!(
        other
            .post_form(&format!("/submissions/{}/share", s.id), &[])
            .await
            .status,
        404,
        "not someone else's"
    );
    // A link from an account younger than an hour would wait for a
    // moderator (trust levels): this learner joined days ago.
    app.wait_out_posting(learner.id).await;
    let res = l.post_form(&format!("/submissions/{}/share", s.id), &[]).await;
    assert_eq!(res.status, 303);
    let thread = res.location().unwrap().to_string();
    assert!(thread.starts_with("/t/"), "{thread}");
    let page = l.get(&thread).await;
    assert!(page.body.contains("It counts words."));
    assert!(page.body.contains("https://git.example.com/me/wc"));
    let board = app
        .new_client()
        .get(&format!("/courses/{}/discussions", course.slug))
        .await;
    assert!(
        board.body.contains("Build it"),
        "the thread is on the course board"
    );
    // Sharing again leads to the same thread.
    let again = l.post_form(&format!("/submissions/{}/share", s.id), &[]).await;
    assert_eq!(again.status, 303);
    assert!(thread.starts_with(again.location().unwrap()));
}

#[tokio::test]
async fn completing_a_course_issues_one_certificate_that_anyone_can_verify_and_moderators_revoke() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = course_with_task(&app, &teacher, "text", None).await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let (first, task) = (course.lessons[0], course.lessons[1]);
    let done = |lesson| format!("{}/complete", lesson_url(&course, lesson));
    l.get(&lesson_url(&course, first)).await;
    assert_eq!(l.post_form(&done(first), &[("done", "1")]).await.status, 303);
    l.get(&lesson_url(&course, task)).await;
    assert_eq!(l.post_form(&done(task), &[("done", "1")]).await.status, 303);
    // Every lesson done, but the required task has not passed: not complete.
    let learn = l.get("/learn").await;
    assert!(
        learn.body.contains("2 of 2") || learn.body.contains("2 / 2") || learn.body.contains("2"),
        "{}",
        learn.body
    );
    assert!(learn.select(".learn-complete").is_empty(), "{}", learn.body);
    hand_in(&l, &course, task, &[("answer", "Done.")]).await;
    let s = submission(&app, learner.id, task).await;
    grade(&t, &course, s.id, &[("outcome", "pass"), ("score", "70")]).await;

    // The job issues it and mails the link.
    let mut code = None;
    for _ in 0..200 {
        let (who, which) = (learner.id, course.id);
        code = app
            .db(move |conn| Certificate::of_learner(conn, who, which).unwrap().map(|c| c.code))
            .await;
        if code.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let code = code.expect("a certificate was issued");
    let mail = loop {
        if let Some(m) = app
            .inbox()
            .into_iter()
            .find(|m| m.to.contains(&learner.email) && m.text.contains(&code))
        {
            break m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(mail.text.contains(&format!("/certificates/{code}")));

    // Once only: marking a lesson done again, or the job again, issues nothing new.
    l.post_form(&done(first), &[("done", "0")]).await;
    l.post_form(&done(first), &[("done", "1")]).await;
    let services = app.services();
    let (who, which) = (learner.id, course.id);
    let again = app
        .db(move |conn| klearn::learn::completion::issue(conn, &services, who, which).unwrap())
        .await;
    assert!(again.is_none());
    let (who, which) = (learner.id, course.id);
    let count: i64 = app
        .db(move |conn| {
            certificates::table
                .filter(certificates::learner_id.eq(who))
                .filter(certificates::course_id.eq(which))
                .count()
                .get_result(conn)
                .unwrap()
        })
        .await;
    assert_eq!(count, 1);

    // Anyone with the link sees it, with the learner's name, course and expert.
    let guest = app.new_client();
    let page = guest.get(&format!("/certificates/{code}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&learner.username) || page.body.contains("Learner"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&code));
    assert!(page.select(".certificate-warning").is_empty());
    assert_eq!(guest.get("/certificates/KL-AAAA-AAAA-AAAA").await.status, 404);
    assert_eq!(guest.get("/certificates/nonsense").await.status, 404);
    let learn = l.get("/learn").await;
    assert!(learn.body.contains(&format!("/certificates/{code}")));

    // Revocation: moderators only, with a reason; then the page says so.
    l.get(&format!("/certificates/{code}")).await;
    let res = l
        .post_form(&format!("/certificates/{code}/revoke"), &[("reason", "mine")])
        .await;
    assert_eq!(res.status, 403);
    let moderator = app.user(&unique("mod")).role(Role::Moderator).create().await;
    let m = app.new_client();
    m.login(&moderator.username, &moderator.password).await;
    m.get(&format!("/certificates/{code}")).await;
    let res = m
        .post_form(&format!("/certificates/{code}/revoke"), &[("reason", " ")])
        .await;
    assert_eq!(res.status, 422);
    let res = m
        .post_form(
            &format!("/certificates/{code}/revoke"),
            &[("reason", "Copied work.")],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = guest.get(&format!("/certificates/{code}")).await;
    assert_eq!(page.select(".certificate-warning").len(), 1);
    assert!(page.body.contains("Copied work."));
    let res = m
        .post_form(&format!("/certificates/{code}/revoke"), &[("reason", "Again.")])
        .await;
    assert_eq!(res.status, 303, "already revoked: said, nothing changes");
    let (who, which) = (learner.id, course.id);
    let cert = app
        .db(move |conn| Certificate::of_learner(conn, who, which).unwrap().unwrap())
        .await;
    assert_eq!(cert.revoked_reason, "Copied work.");
    let audited = app
        .db(|conn| {
            use klearn_db::schema::audit_log;
            audit_log::table
                .filter(audit_log::action.eq("certificate.revoked"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(audited, 1);
    // A revoked certificate is not issued again.
    let services = app.services();
    let again = app
        .db(move |conn| klearn::learn::completion::issue(conn, &services, who, which).unwrap())
        .await;
    assert!(again.is_none());
}

#[tokio::test]
async fn optional_tasks_do_not_hold_completion_back() {
    let app = TestApp::spawn().await;
    let (teacher, _) = expert(&app).await;
    let course = app
        .course(&teacher)
        .task_terms("text", None, false)
        .lesson("One", false, "Text.", "An optional exercise.")
        .published()
        .create()
        .await;
    let (learner, l) = member(&app, "learner").await;
    enroll(&l, &course).await;
    let lesson = course.lessons[0];
    l.get(&lesson_url(&course, lesson)).await;
    l.post_form(
        &format!("{}/complete", lesson_url(&course, lesson)),
        &[("done", "1")],
    )
    .await;
    for _ in 0..200 {
        let (who, which) = (learner.id, course.id);
        if app
            .db(move |conn| Certificate::of_learner(conn, who, which).unwrap())
            .await
            .is_some()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let count: i64 = app
        .db(|conn| submissions::table.count().get_result(conn).unwrap())
        .await;
    panic!("no certificate although the only task is optional ({count} submissions)");
}

#[tokio::test]
async fn the_studio_sets_a_tasks_terms_and_refuses_bad_ones_keeping_the_text() {
    let app = TestApp::spawn().await;
    let (teacher, t) = expert(&app).await;
    let course = app
        .course(&teacher)
        .lesson("One", false, "Text.", "")
        .create()
        .await;
    let fields = |due: &'static str, top: &'static str| {
        vec![
            ("title", "Build a parser"),
            ("body", "Parse it."),
            ("task_instructions", "Write a JSON parser."),
            ("task_kind", "file"),
            ("task_due_days", due),
            ("task_max_score", top),
        ]
    };
    for (due, top, field) in [
        ("0", "", "task_due_days"),
        ("soon", "", "task_due_days"),
        ("", "0", "task_max_score"),
        ("", "1001", "task_max_score"),
    ] {
        let res = t.add_lesson(course.chapter, &fields(due, top)).await;
        assert_eq!(res.status, 422, "{due:?} {top:?}");
        assert_eq!(
            res.select(&format!("#f-{field}-error")).len(),
            1,
            "{field}: {}",
            res.body
        );
        assert!(
            res.body.contains("Write a JSON parser."),
            "the instructions are kept"
        );
    }
    let mut terms = fields("14", "50");
    terms.push(("task_optional", "1"));
    let res = t.add_lesson(course.chapter, &terms).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let lesson = app
        .db(move |conn| {
            use klearn_db::schema::lessons;
            lessons::table
                .filter(lessons::course_id.eq(course.id))
                .filter(lessons::title.eq("Build a parser"))
                .select((
                    lessons::task_kind,
                    lessons::task_due_days,
                    lessons::task_max_score,
                    lessons::task_required,
                ))
                .first::<(Option<String>, Option<i32>, i32, bool)>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(lesson, (Some("file".to_string()), Some(14), 50, false));
    // Another member cannot reach the studio's form.
    let (_, other) = member(&app, "other").await;
    let res = other.add_lesson(course.chapter, &fields("14", "50")).await;
    assert!(res.status == 403 || res.status == 404, "{}", res.status);
}
