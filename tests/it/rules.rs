//! The rules that keep content, prices and accounts safe, each tried as an
//! attacker would: through the pages, and through the use cases directly.
//! Every test runs on both databases.

use std::time::Duration;

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn_db::courses::{Audience, Course, CourseState, Lesson, Revision};
use klearn_db::diesel::prelude::*;
use klearn_db::uploads::Upload;
use klearn_db::users::User;
use klearn_db::{CourseId, LessonId, UserId};

use crate::common::{unique, Client, TestApp, TestCourse, TestUser};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";
const PDF: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\nPROPOSED-MEDIA\n%%EOF\n";

async fn signed_in(app: &TestApp, user: &TestUser) -> Client {
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    c
}

async fn moderator(app: &TestApp) -> (TestUser, Client) {
    let user = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let c = signed_in(app, &user).await;
    (user, c)
}

async fn outline_titles(app: &TestApp, id: CourseId, audience: Audience) -> Vec<String> {
    app.db(move |c| {
        Lesson::outline(c, id, audience)
            .unwrap()
            .lessons()
            .map(|l| l.title.clone())
            .collect()
    })
    .await
}

async fn lesson_body(app: &TestApp, id: LessonId) -> String {
    app.db(move |c| Lesson::find(c, id).unwrap().body).await
}

async fn state(app: &TestApp, id: CourseId) -> CourseState {
    app.db(move |c| Course::find(c, id).unwrap().state).await
}

fn lesson_fields<'a>(title: &'a str, body: &'a str, free: bool) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("title", title), ("body", body), ("duration_minutes", "10")];
    if free {
        fields.push(("free_preview", "1"));
    }
    fields
}

/// A published free course of a certified expert with a free preview and a
/// second lesson, and a learner enrolled in it.
async fn live_course(app: &TestApp) -> (TestUser, Client, TestCourse, Client) {
    let owner = app.user(&unique("owner")).verified().certified().create().await;
    let course = app
        .course(&owner)
        .lesson("Intro", true, "OLD-INTRO", "")
        .lesson("Deep", false, "OLD-DEEP", "")
        .published()
        .create()
        .await;
    let o = signed_in(app, &owner).await;
    let learner = app.user(&unique("learner")).verified().create().await;
    let l = signed_in(app, &learner).await;
    l.get(&format!("/courses/{}", course.slug)).await;
    assert_eq!(
        l.post_form(&format!("/courses/{}/enroll", course.slug), &[])
            .await
            .status,
        303
    );
    (owner, o, course, l)
}

#[tokio::test]
async fn nothing_of_a_course_changes_while_it_is_in_review() {
    let app = TestApp::spawn().await;
    let owner = app.user("reviewed").verified().role(Role::Expert).create().await;
    let course = app
        .course(&owner)
        .lesson("One", false, "BODY-ONE", "")
        .create()
        .await;
    let o = signed_in(&app, &owner).await;
    assert_eq!(o.submit_course(course.id).await.status, 303);
    assert_eq!(state(&app, course.id).await, CourseState::InReview);
    let (id, chapter, lesson) = (course.id, course.chapter, course.lessons[0]);

    o.get(&format!("/studio/courses/{id}/chapters/new")).await;
    o.post_form(
        &format!("/studio/courses/{id}/chapters/new"),
        &[("title", "Sneaked in")],
    )
    .await;
    o.post_form(
        &format!("/studio/chapters/{chapter}/edit"),
        &[("title", "Renamed")],
    )
    .await;
    o.add_lesson(chapter, &lesson_fields("Added", "ADDED-BODY", true))
        .await;
    o.edit_lesson(lesson, &lesson_fields("One", "CHANGED-BODY", true), vec![])
        .await;
    assert_eq!(
        o.post_form(&format!("/studio/lessons/{lesson}/delete"), &[])
            .await
            .status,
        409
    );
    assert_eq!(
        o.post_form(&format!("/studio/chapters/{chapter}/delete"), &[])
            .await
            .status,
        409
    );
    let page = o.get(&format!("/studio/courses/{id}/edit?lang=en")).await;
    assert!(
        page.text().contains("withdraw it to make changes"),
        "{}",
        page.text()
    );

    assert_eq!(outline_titles(&app, id, Audience::Everything).await, vec!["One"]);
    assert_eq!(lesson_body(&app, lesson).await, "BODY-ONE");
    let chapters = app
        .db(move |c| {
            Lesson::outline(c, id, Audience::Everything)
                .unwrap()
                .chapters
                .into_iter()
                .map(|(ch, _)| ch.title)
                .collect::<Vec<_>>()
        })
        .await;
    assert_eq!(chapters, vec!["Chapter one"]);
}

#[tokio::test]
async fn lesson_changes_reach_learners_only_once_a_moderator_approves_them() {
    let app = TestApp::spawn().await;
    let (_, o, course, learner) = live_course(&app).await;
    let (intro, deep) = (course.lessons[0], course.lessons[1]);
    let intro_url = format!("/courses/{}/lessons/{intro}", course.slug);

    // The owner rewrites the free preview and closes it; adds a lesson; attaches media.
    let res = o
        .edit_lesson(intro, &lesson_fields("Intro", "NEW-INTRO", false), vec![])
        .await;
    assert_eq!(res.status, 303);
    assert!(
        o.add_lesson(course.chapter, &lesson_fields("Fresh", "FRESH-BODY", false))
            .await
            .status
            == 303
    );
    let res = o
        .edit_lesson(
            deep,
            &lesson_fields("Deep", "OLD-DEEP", false),
            vec![("media", "notes.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 303);

    // Learners and guests see the course as it was.
    let page = learner.get(&intro_url).await;
    assert!(page.text().contains("OLD-INTRO") && !page.text().contains("NEW-INTRO"));
    assert_eq!(
        app.new_client().get(&intro_url).await.status,
        200,
        "still a free preview"
    );
    assert_eq!(
        outline_titles(&app, course.id, Audience::Learners).await,
        vec!["Intro", "Deep"]
    );
    let fresh = app
        .db(move |c| {
            Lesson::outline(c, course.id, Audience::Studio)
                .unwrap()
                .lessons()
                .last()
                .unwrap()
                .id
        })
        .await;
    let fresh_url = format!("/courses/{}/lessons/{fresh}", course.slug);
    assert_eq!(learner.get(&fresh_url).await.status, 404);
    let landing = app.new_client().get(&format!("/courses/{}", course.slug)).await;
    assert!(!landing.text().contains("Fresh"));
    assert!(
        app.db(move |c| Lesson::find(c, deep).unwrap().media_upload_id.is_none())
            .await
    );
    let proposed = app
        .db(move |c| {
            let r = klearn_db::courses::LessonRevision::pending_for_lesson(c, deep)
                .unwrap()
                .unwrap();
            Upload::find(c, r.media_upload_id.unwrap()).unwrap().stored_name
        })
        .await;
    let media = format!("/media/{proposed}");
    assert_eq!(
        learner.get(&media).await.status,
        404,
        "proposed media is not the learners'"
    );
    assert_eq!(o.get(&media).await.status, 200, "the owner sees what they sent");
    // The owner's form shows what they last wrote.
    let form = o.get(&format!("/studio/lessons/{intro}/edit")).await;
    assert!(form.body.contains("NEW-INTRO"));

    // A moderator sees every change, and approves them together.
    let (_, m) = moderator(&app).await;
    let queue = m.get("/admin/courses?lang=en").await;
    assert!(
        queue.text().contains("New lesson") && queue.text().contains("Fresh"),
        "{}",
        queue.text()
    );
    assert!(queue.text().contains("NEW-INTRO") && queue.text().contains("notes.pdf"));
    assert_eq!(m.get(&media).await.status, 200, "moderators see proposed media");
    assert_eq!(m.approve_changes(course.id).await.status, 303);

    let page = learner.get(&intro_url).await;
    assert!(page.text().contains("NEW-INTRO"));
    assert_eq!(
        app.new_client().get(&intro_url).await.status,
        403,
        "no longer free"
    );
    assert_eq!(learner.get(&fresh_url).await.status, 200);
    assert_eq!(learner.get(&media).await.status, 200);
}

#[tokio::test]
async fn turned_down_changes_leave_the_course_as_learners_know_it() {
    let app = TestApp::spawn().await;
    let (_, o, course, learner) = live_course(&app).await;
    let intro = course.lessons[0];
    o.edit_lesson(
        intro,
        &lesson_fields("Intro", "SPAM-INTRO", true),
        vec![("media", "spam.pdf", PDF.to_vec())],
    )
    .await;
    o.get(&format!("/studio/chapters/{}/edit", course.chapter)).await;
    o.post_form(
        &format!("/studio/chapters/{}/edit", course.chapter),
        &[("title", "SPAM chapter")],
    )
    .await;
    let (_, m) = moderator(&app).await;
    assert_eq!(
        m.reject_changes(course.id, "No advertising, please.")
            .await
            .status,
        303
    );
    let page = learner
        .get(&format!("/courses/{}/lessons/{intro}", course.slug))
        .await;
    assert!(page.text().contains("OLD-INTRO") && !page.text().contains("SPAM"));
    assert!(!learner
        .get(&format!("/courses/{}", course.slug))
        .await
        .text()
        .contains("SPAM chapter"));
    // The proposed file goes with the proposal.
    let left = app
        .db(|c| {
            klearn_db::schema::uploads::table
                .filter(klearn_db::schema::uploads::original_name.eq("spam.pdf"))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(left, 0);
    let studio = o.get(&format!("/studio/courses/{}/edit", course.id)).await;
    assert!(studio.text().contains("No advertising, please."));
}

#[tokio::test]
async fn a_form_opened_before_the_course_moved_cannot_slip_an_edit_through() {
    let app = TestApp::spawn().await;
    let owner = app.user("slipper").verified().role(Role::Expert).create().await;
    let course = app
        .course(&owner)
        .title("Honest title")
        .lesson("One", false, "HONEST", "")
        .create()
        .await;
    let (id, lesson) = (course.id, course.lessons[0]);
    // Two tabs: the forms are opened while the course is a draft…
    let tab = signed_in(&app, &owner).await;
    tab.get(&format!("/studio/lessons/{lesson}/edit")).await;
    let o = signed_in(&app, &owner).await;
    // …then it goes to review and is published.
    assert_eq!(o.submit_course(id).await.status, 303);
    let (_, m) = moderator(&app).await;
    assert_eq!(m.approve_course(id).await.status, 303);
    // The old form's edit waits for review instead of going live.
    let res = tab
        .post_multipart(
            &format!("/studio/lessons/{lesson}/edit"),
            &lesson_fields("One", "SLIPPED", true),
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(lesson_body(&app, lesson).await, "HONEST");
    assert!(m.waiting_revision(id).await.is_some());
}

#[tokio::test]
async fn an_unpublished_course_still_has_learners_so_its_changes_wait_too() {
    let app = TestApp::spawn().await;
    let (_, o, course, learner) = live_course(&app).await;
    o.get(&format!("/studio/courses/{}/edit", course.id)).await;
    assert_eq!(
        o.post_form(&format!("/studio/courses/{}/unpublish", course.id), &[])
            .await
            .status,
        303
    );
    o.edit_lesson(
        course.lessons[1],
        &lesson_fields("Deep", "UNREVIEWED", false),
        vec![],
    )
    .await;
    let page = learner
        .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]))
        .await;
    assert_eq!(page.status, 200, "the learner keeps the course");
    assert!(page.text().contains("OLD-DEEP") && !page.text().contains("UNREVIEWED"));
}

#[tokio::test]
async fn a_price_is_approved_only_while_its_expert_is_certified() {
    let app = TestApp::spawn().await;
    // A bare expert (the studio, no certification) whose paid course reached the queue.
    let owner = app
        .user("uncertified")
        .verified()
        .role(Role::Expert)
        .create()
        .await;
    let course = app
        .course(&owner)
        .price(9900)
        .lesson("L", false, "b", "")
        .create()
        .await;
    let id = course.id;
    app.db(move |c| Course::move_state(c, id, CourseState::Draft, CourseState::InReview, None).unwrap())
        .await;
    let (_, m) = moderator(&app).await;
    let res = m.approve_course(id).await;
    assert_eq!(res.status, 409);
    assert!(res.text().contains("认证专家"), "{}", res.text());
    assert_eq!(state(&app, id).await, CourseState::InReview);

    // A certified expert's price change, approved after the certification ended.
    let (chen, o, course, _) = live_course(&app).await;
    o.get(&format!("/studio/courses/{}/edit", course.id)).await;
    let res = o
        .post_multipart(
            &format!("/studio/courses/{}/edit", course.id),
            &[
                ("title", "Now paid"),
                ("category", "rust"),
                ("level", "beginner"),
                ("format", "text"),
                ("price", "59"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    let chen_id = chen.id;
    app.db(move |c| {
        use klearn_db::schema::expert_applications as a;
        klearn_db::diesel::update(a::table.filter(a::user_id.eq(chen_id)))
            .set(a::state.eq(klearn_db::ExpertState::Revoked))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(m.approve_changes(course.id).await.status, 409);
    assert_eq!(
        app.db(move |c| Course::find(c, course.id).unwrap().price_cents)
            .await,
        0
    );
}

/// A certified expert with a paid course in review, a free published course
/// with a waiting price change, and a paid published course.
async fn expert_with_prices(app: &TestApp, name: &str) -> (TestUser, CourseId, CourseId, CourseId) {
    let expert = app.user(name).verified().certified().create().await;
    let in_review = app
        .course(&expert)
        .price(19900)
        .lesson("L", false, "b", "")
        .create()
        .await
        .id;
    app.db(move |c| {
        Course::move_state(c, in_review, CourseState::Draft, CourseState::InReview, None).unwrap()
    })
    .await;
    let free = app
        .course(&expert)
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await
        .id;
    let o = signed_in(app, &expert).await;
    o.get(&format!("/studio/courses/{free}/edit")).await;
    let fields = [
        ("title", "Priced now"),
        ("category", "rust"),
        ("level", "beginner"),
        ("format", "text"),
        ("price", "88"),
    ];
    assert_eq!(
        o.post_multipart(&format!("/studio/courses/{free}/edit"), &fields, vec![])
            .await
            .status,
        303
    );
    let paid = app
        .course(&expert)
        .price(5000)
        .lesson("L", false, "b", "")
        .published()
        .create()
        .await
        .id;
    (expert, in_review, free, paid)
}

async fn assert_prices_withdrawn(
    app: &TestApp,
    expert: &TestUser,
    in_review: CourseId,
    free: CourseId,
    paid: CourseId,
) {
    assert_eq!(state(app, in_review).await, CourseState::Draft);
    assert_eq!(state(app, paid).await, CourseState::Unpublished);
    assert_eq!(state(app, free).await, CourseState::Published);
    assert!(
        app.db(move |c| Revision::pending_for(c, free).unwrap().is_none())
            .await
    );
    assert_eq!(
        app.db(move |c| Course::find(c, free).unwrap().price_cents).await,
        0
    );
    // The expert hears about each.
    for _ in 0..200 {
        if app
            .inbox()
            .iter()
            .filter(|m| m.to.contains(&expert.email))
            .count()
            >= 3
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the expert was not told about every course");
}

#[tokio::test]
async fn revocation_takes_every_price_off_the_market() {
    let app = TestApp::spawn().await;
    let (expert, in_review, free, paid) = expert_with_prices(&app, "revoked").await;
    let (_, m) = moderator(&app).await;
    m.get(&format!("/admin/users/{}", expert.id)).await;
    let res = m
        .post_form(
            &format!("/admin/experts/{}/revoke", expert.username),
            &[("reason", "Plagiarism.")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_prices_withdrawn(&app, &expert, in_review, free, paid).await;
    let note = app
        .db(move |c| Course::find(c, in_review).unwrap().review_note)
        .await;
    assert_eq!(note, "Plagiarism.");
}

#[tokio::test]
async fn taking_the_expert_role_away_takes_every_price_off_the_market() {
    let app = TestApp::spawn().await;
    let (expert, in_review, free, paid) = expert_with_prices(&app, "demoted").await;
    let admin = app.user("boss").verified().role(Role::Admin).create().await;
    let a = signed_in(&app, &admin).await;
    a.get(&format!("/admin/users/{}", expert.id)).await;
    let res = a
        .post_form(&format!("/admin/users/{}/roles", expert.id), &[])
        .await;
    assert_eq!(res.status, 303);
    assert_prices_withdrawn(&app, &expert, in_review, free, paid).await;
}

#[tokio::test]
async fn nobody_approves_their_own_course() {
    let app = TestApp::spawn().await;
    let both = app
        .user("both")
        .verified()
        .role(Role::Moderator)
        .certified()
        .create()
        .await;
    let course = app.course(&both).lesson("L", false, "b", "").create().await;
    let c = signed_in(&app, &both).await;
    assert_eq!(c.submit_course(course.id).await.status, 303);
    assert_eq!(c.approve_course(course.id).await.status, 403);
    assert_eq!(c.reject_course(course.id, "I reject myself").await.status, 403);
    assert_eq!(state(&app, course.id).await, CourseState::InReview);
    let published = app
        .course(&both)
        .lesson("L", false, "b", "")
        .published()
        .create()
        .await;
    c.get("/admin/courses").await;
    assert_eq!(
        c.post_form(&format!("/admin/courses/{}/feature", published.id), &[])
            .await
            .status,
        403
    );
    assert!(
        !app.db(move |db| Course::find(db, published.id).unwrap().featured)
            .await
    );
}

#[tokio::test]
async fn forty_guesses_at_once_get_five_checks_at_most() {
    let app = TestApp::spawn().await;
    let user = app.user("target").verified().create().await;
    let mut clients = Vec::new();
    for _ in 0..40 {
        let c = app.new_client();
        c.get("/login").await;
        clients.push(c);
    }
    let guesses = clients
        .iter()
        .map(|c| c.post_form("/login", &[("login", "target"), ("password", "not the password")]));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.status)
        .collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5 && checked + refused == 40, "{statuses:?}");
    let failures = app
        .db(move |c| {
            use klearn_db::schema::security_events as e;
            e::table
                .filter(e::user_id.eq(user.id))
                .filter(e::kind.eq("login_failed"))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert!(failures <= 5, "{failures} passwords were checked");
    // Whatever is typed for the account, it is locked.
    assert_eq!(
        app.new_client()
            .login("TARGET@example.com", &user.password)
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn a_removed_lesson_stays_closed_to_whoever_never_opened_it() {
    let app = TestApp::spawn().await;
    let (_, o, course, reader) = live_course(&app).await;
    let deep = course.lessons[1];
    let url = format!("/courses/{}/lessons/{deep}", course.slug);
    assert_eq!(reader.get(&url).await.status, 200);
    let late = app.user("late").verified().create().await;
    let l = signed_in(&app, &late).await;
    l.get(&format!("/courses/{}", course.slug)).await;
    l.post_form(&format!("/courses/{}/enroll", course.slug), &[])
        .await;
    o.get(&format!("/studio/courses/{}/edit", course.id)).await;
    assert_eq!(
        o.post_form(&format!("/studio/lessons/{deep}/delete"), &[])
            .await
            .status,
        303
    );
    assert!(app.db(move |c| Lesson::find(c, deep).unwrap().hidden).await);

    assert_eq!(l.get(&url).await.status, 404);
    assert_eq!(
        l.post_form(&format!("{url}/complete"), &[("done", "1")])
            .await
            .status,
        404
    );
    assert_eq!(reader.get(&url).await.status, 200, "who opened it keeps it");
    assert_eq!(
        reader
            .post_form(&format!("{url}/complete"), &[("done", "1")])
            .await
            .status,
        303
    );
}

/// Waits up to 10 s for a stored file to be gone from disk.
async fn gone(app: &TestApp, stored_name: &str) -> bool {
    let path = app
        .settings
        .uploads_dir()
        .join(&stored_name[..2])
        .join(stored_name);
    for _ in 0..200 {
        if !path.exists() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn avatar_of(app: &TestApp, user: UserId) -> Option<String> {
    app.db(move |c| {
        let id = User::find(c, user).unwrap().avatar_upload_id?;
        Some(Upload::find(c, id).unwrap().stored_name)
    })
    .await
}

async fn upload_avatar(c: &Client, bytes: &[u8]) -> u16 {
    c.get("/settings/profile").await;
    c.post_multipart(
        "/settings/profile",
        &[("display_name", "Pic"), ("locale", "en")],
        vec![("avatar", "me.png", bytes.to_vec())],
    )
    .await
    .status
}

#[tokio::test]
async fn files_nothing_uses_are_deleted_and_quotas_hold() {
    let app = TestApp::spawn().await;
    let user = app.user("pictured").verified().create().await;
    let c = signed_in(&app, &user).await;
    assert_eq!(upload_avatar(&c, PNG).await, 303);
    let first = avatar_of(&app, user.id).await.unwrap();
    assert_eq!(upload_avatar(&c, PNG).await, 303);
    assert!(gone(&app, &first).await, "a replaced avatar is deleted");
    let second = avatar_of(&app, user.id).await.unwrap();
    c.get("/settings/profile").await;
    let res = c
        .post_multipart(
            "/settings/profile",
            &[("locale", "en"), ("remove_avatar", "1")],
            vec![],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(gone(&app, &second).await, "a removed avatar is deleted");

    // Past the quota, nothing more is kept.
    let uid = user.id;
    app.db(move |c| {
        klearn_db::uploads::Upload::insert(
            c,
            &klearn_db::uploads::NewUpload {
                stored_name: format!("{}.pdf", "ab".repeat(16)),
                original_name: "big.pdf".into(),
                content_type: "application/pdf".into(),
                size_bytes: klearn::uploads::MEMBER_QUOTA_BYTES as i64,
                sha256: String::new(),
                purpose: "evidence".into(),
                owner_id: Some(uid),
                created_at: klearn_db::now(),
            },
        )
        .unwrap();
    })
    .await;
    c.get("/settings/profile?lang=en").await;
    let res = c
        .post_multipart(
            "/settings/profile",
            &[("display_name", "Kept text"), ("locale", "en")],
            vec![("avatar", "me.png", PNG.to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("quota"), "{}", res.text());
    assert_eq!(
        res.attrs("#f-display_name", "value"),
        vec!["Kept text".to_string()]
    );
    assert!(avatar_of(&app, user.id).await.is_none());
}

#[tokio::test]
async fn evidence_left_by_a_refused_form_is_cleaned_up_daily() {
    let app = TestApp::spawn().await;
    let user = app.user("abandons").verified().create().await;
    let c = signed_in(&app, &user).await;
    c.get("/experts/apply").await;
    let res = c
        .post_multipart(
            "/experts/apply",
            &[("headline", "Half done")],
            vec![("evidence", "cv.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 422);
    let stored = app
        .db(move |c| {
            use klearn_db::schema::uploads as u;
            u::table
                .filter(u::owner_id.eq(user.id))
                .select(u::stored_name)
                .first::<String>(c)
                .unwrap()
        })
        .await;
    // A day later, the daily cleanup lets it go.
    let name = stored.clone();
    app.db(move |c| {
        use klearn_db::schema::uploads as u;
        klearn_db::diesel::update(u::table.filter(u::stored_name.eq(name)))
            .set(u::created_at.eq(klearn_db::now() - chrono::Duration::days(2)))
            .execute(c)
            .unwrap();
        klearn::jobs::enqueue(c, &klearn::jobs::daily::DailyCleanup).unwrap();
    })
    .await;
    assert!(gone(&app, &stored).await);
    let rows = app
        .db(move |c| {
            use klearn_db::schema::uploads as u;
            u::table
                .filter(u::owner_id.eq(user.id))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn mailed_links_die_when_the_password_or_the_address_changes() {
    let app = TestApp::spawn().await;
    let user = app.user("linked").verified().create().await;
    let guest = app.new_client();
    guest.get("/password/forgot").await;
    guest
        .post_form("/password/forgot", &[("email", &user.email)])
        .await;
    let link = app
        .wait_for_mail(&user.email)
        .await
        .link(&format!("{}/password/reset?token=", app.address))
        .unwrap();
    assert_eq!(guest.get(&link).await.status, 200);
    // The password changes in the settings: the reset link is dead.
    let c = signed_in(&app, &user).await;
    c.get("/settings/password").await;
    let new = "another long password 2026";
    let res = c
        .post_form(
            "/settings/password",
            &[
                ("current_password", &user.password),
                ("password", new),
                ("password_confirm", new),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(guest.get(&link).await.status, 400);

    // Asking to change the address is limited like asking for a new link.
    c.get("/settings/email").await;
    let mut statuses = Vec::new();
    for n in 0..4 {
        let email = format!("new{n}@example.com");
        statuses.push(
            c.post_form("/settings/email", &[("email", &email), ("current_password", new)])
                .await
                .status,
        );
    }
    assert_eq!(statuses, vec![303, 303, 303, 429]);
}

#[tokio::test]
async fn a_confirmed_new_address_ends_every_older_link() {
    let app = TestApp::spawn().await;
    let user = app.user("mover").verified().create().await;
    let c = signed_in(&app, &user).await;
    c.get("/settings/email").await;
    c.post_form(
        "/settings/email",
        &[
            ("email", "moved@example.com"),
            ("current_password", &user.password),
        ],
    )
    .await;
    let confirm = app
        .wait_for_mail("moved@example.com")
        .await
        .link(&format!("{}/verify-email?token=", app.address))
        .unwrap();
    // A reset asked for meanwhile, mailed to the old address.
    let guest = app.new_client();
    guest.get("/password/forgot").await;
    guest
        .post_form("/password/forgot", &[("email", &user.email)])
        .await;
    let mut reset = None;
    for _ in 0..200 {
        reset = app
            .inbox()
            .iter()
            .find_map(|m| m.link(&format!("{}/password/reset?token=", app.address)));
        if reset.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let reset = reset.expect("a reset link");
    assert_eq!(guest.get(&confirm).await.status, 200);
    assert_eq!(
        guest.get(&reset).await.status,
        400,
        "the old address's link is dead"
    );
}

#[tokio::test]
async fn multipart_bodies_have_a_ceiling_and_no_stray_files() {
    let app = TestApp::spawn().await;
    let user = app.user("sender").verified().create().await;
    let c = signed_in(&app, &user).await;
    c.get("/settings/profile").await;
    let res = c
        .post_multipart(
            "/settings/profile",
            &[("locale", "en")],
            vec![("resume", "cv.pdf", PDF.to_vec())],
        )
        .await;
    assert_eq!(res.status, 400, "a file where the form has no file field");
    // Evidence takes 3 files of 5 MB: a dozen of 4 MB passes what the form can carry.
    c.get("/experts/apply").await;
    let chunk = [PDF, &vec![b'x'; 4 * 1024 * 1024]].concat();
    let files = (0..12)
        .map(|n| {
            (
                "evidence",
                if n % 2 == 0 { "a.pdf" } else { "b.pdf" },
                chunk.clone(),
            )
        })
        .collect();
    let res = c
        .post_multipart("/experts/apply", &[("headline", "x")], files)
        .await;
    assert_eq!(res.status, 413);
}

#[tokio::test]
async fn links_built_from_the_path_stay_on_this_site() {
    let app = TestApp::spawn().await;
    let res = app.client.get("//evil.example/x").await;
    let hrefs = res.attrs("a[hreflang]", "href");
    assert!(!hrefs.is_empty(), "{}", res.body);
    for href in hrefs {
        assert!(href.starts_with('/') && !href.starts_with("//"), "{href}");
    }
}

#[tokio::test]
async fn head_answers_wherever_get_does() {
    let app = TestApp::spawn().await;
    let owner = app.user("header").verified().certified().create().await;
    let course = app
        .course(&owner)
        .lesson("L", true, "b", "")
        .published()
        .create()
        .await;
    for path in [
        "/",
        "/courses",
        "/healthz",
        &format!("/courses/{}", course.slug),
        "/experts",
    ] {
        let res = app.client.http.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(res.text().await.unwrap().is_empty(), "{path}");
    }
    let res = app
        .client
        .http
        .head(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

#[tokio::test]
async fn the_user_search_takes_underscores_and_percents_as_themselves() {
    let app = TestApp::spawn().await;
    app.user("under_score").create().await;
    app.user("underXscore").create().await;
    let (_, m) = moderator(&app).await;
    let found = m.get("/admin/users?q=under_").await.text();
    assert!(
        found.contains("under_score") && !found.contains("underXscore"),
        "{found}"
    );
    let found = m.get("/admin/users?q=%25").await.text();
    assert!(!found.contains("under_score") && !found.contains("underXscore"));
}

#[tokio::test]
async fn use_cases_refuse_what_the_rules_refuse() {
    let app = TestApp::spawn().await;
    let services = app.services();
    let owner = app.user("owner").verified().certified().create().await;
    let other = app.user("other").verified().role(Role::Expert).create().await;
    let moderator = app.user("modder").verified().role(Role::Moderator).create().await;
    let draft = app.course(&owner).lesson("L", false, "b", "").create().await;
    let live = app
        .course(&owner)
        .lesson("L", false, "b", "")
        .published()
        .create()
        .await;
    let (owner_id, other_id, mod_id) = (owner.id, other.id, moderator.id);
    app.db(move |c| {
        use klearn::courses::{self, CourseError};
        let owner = Actor::Member {
            id: owner_id,
            roles: vec![Role::Expert],
            certified: true,
        };
        let other = Actor::member(other_id, &[Role::Expert]);
        let moderator = Actor::member(mod_id, &[Role::Moderator]);
        // Someone else's course does not exist for them.
        assert!(matches!(
            courses::submit(c, &other, draft.id),
            Err(CourseError::NotFound)
        ));
        // Only moderators decide, never about their own course.
        assert!(matches!(
            courses::approve(c, &services, &other, draft.id, None, ""),
            Err(CourseError::Forbidden(_))
        ));
        let mod_owner = Actor::Member {
            id: owner_id,
            roles: vec![Role::Expert, Role::Moderator],
            certified: true,
        };
        courses::submit(c, &owner, draft.id).unwrap();
        assert!(matches!(
            courses::approve(c, &services, &mod_owner, draft.id, None, ""),
            Err(CourseError::Forbidden("admin.courses.not_own"))
        ));
        // In review, the outline is locked.
        assert!(matches!(
            courses::add_chapter(c, &owner, draft.id, "x"),
            Err(CourseError::Conflict(_))
        ));
        // A rejection needs its reason.
        assert!(matches!(
            courses::reject(c, &services, &moderator, draft.id, None, "  "),
            Err(CourseError::Invalid { field: "reason", .. })
        ));
        courses::approve(c, &services, &moderator, draft.id, None, "").unwrap();
        assert_eq!(Course::find(c, draft.id).unwrap().state, CourseState::Published);
        // Roles are for admins; nobody suspends themselves.
        assert!(matches!(
            klearn::accounts::set_roles(c, &services, &moderator, owner_id, &[]),
            Err(klearn::accounts::AccountError::Forbidden(_))
        ));
        let suspension = klearn::accounts::moderation::Suspension {
            member: mod_id,
            until: klearn_db::now() + chrono::Duration::days(3),
            reason: "x".into(),
            until_text: "soon".into(),
        };
        assert!(matches!(
            klearn::accounts::suspend(c, &moderator, &suspension),
            Err(klearn::accounts::AccountError::Forbidden(
                "admin.suspend.not_self"
            ))
        ));
        // A learner who never enrolled keeps no progress.
        let learner = Actor::member(other_id, &[]);
        let lesson = live.lessons[0];
        assert!(klearn::learn::progress::complete(c, &learner, &live.slug, lesson, true).is_err());
    })
    .await;
}
