//! Every page type of the site through the Nu HTML checker (npm's vnu-jar on
//! the machine's Java): zero errors. Each area adds its pages to `PAGES`.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{probes, TestApp};

/// Who looks at a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Guest,
    /// demo_learner, signed in.
    Learner,
    /// demo_expert, signed in.
    Expert,
    /// demo_admin, signed in.
    Admin,
}

/// (name, path, who) of every page type; later areas add theirs.
const PAGES: &[(&str, &str, Who)] = &[
    ("home-zh", "/?lang=zh-CN", Who::Guest),
    ("home-en", "/?lang=en", Who::Guest),
    ("error-404", "/no/such/page", Who::Guest),
    ("error-403", "/__probe/403", Who::Guest),
    ("error-422", "/__probe/422", Who::Guest),
    ("error-429", "/__probe/429?lang=en", Who::Guest),
    ("error-500", "/__probe/500", Who::Guest),
    ("register", "/register", Who::Guest),
    ("login", "/login?next=/settings/profile", Who::Guest),
    ("forgot", "/password/forgot", Who::Guest),
    ("reset-invalid", "/password/reset?token=nope", Who::Guest),
    ("verify-invalid", "/verify-email?token=nope", Who::Guest),
    ("member", "/u/demo_expert", Who::Guest),
    ("home-signed-in", "/", Who::Learner),
    ("settings-profile", "/settings/profile", Who::Learner),
    ("settings-password", "/settings/password", Who::Learner),
    ("settings-email", "/settings/email?lang=en", Who::Learner),
    ("settings-delete", "/settings/delete", Who::Learner),
    (
        "settings-notifications",
        "/settings/notifications?lang=en",
        Who::Learner,
    ),
    ("notifications", "/notifications", Who::Learner),
    ("unsubscribe-bad", "/unsubscribe?token=forged", Who::Guest),
    ("admin-dashboard", "/admin", Who::Admin),
    ("admin-users", "/admin/users", Who::Admin),
    ("admin-user", "/admin/users/1", Who::Admin),
    ("admin-audit", "/admin/audit", Who::Admin),
    ("course", "/courses/rust-ownership-in-practice", Who::Guest),
    ("course-en", "/courses/async-rust-with-tokio?lang=en", Who::Guest),
    (
        "lesson-free",
        "/courses/rust-ownership-in-practice/lessons/1",
        Who::Guest,
    ),
    (
        "lesson-locked",
        "/courses/rust-ownership-in-practice/lessons/2",
        Who::Guest,
    ),
    (
        "course-enrolled",
        "/courses/ml-linear-regression-from-scratch",
        Who::Learner,
    ),
    ("learn", "/learn", Who::Learner),
    ("cart", "/cart", Who::Learner),
    ("checkout-cart", "/checkout", Who::Learner),
    ("checkout-buy-now", "/checkout?course_id=2&lang=en", Who::Learner),
    ("orders", "/orders", Who::Learner),
    ("order-paid", "/orders/1", Who::Learner),
    ("order-failed", "/orders/3?lang=en", Who::Learner),
    ("order-pending", "/orders/4", Who::Learner),
    ("receipt", "/orders/2/receipt", Who::Learner),
    ("sandbox-open", "/pay/sandbox/4", Who::Learner),
    ("sandbox-settled", "/pay/sandbox/1?lang=en", Who::Learner),
    (
        "admin-orders",
        "/admin/orders?state=paid&from=2020-01-01",
        Who::Admin,
    ),
    ("admin-order", "/admin/orders/2", Who::Admin),
    ("admin-coupons", "/admin/coupons", Who::Admin),
    ("admin-coupon-edit", "/admin/coupons/1/edit?lang=en", Who::Admin),
    ("admin-user-points", "/admin/users/4?lang=en", Who::Admin),
    ("order-coupon-points", "/orders/5?lang=en", Who::Learner),
    ("order-refund-form", "/orders/7?lang=en", Who::Learner),
    ("order-refund-waiting", "/orders/2", Who::Learner),
    ("order-refunded", "/orders/6", Who::Learner),
    ("admin-order-refunded", "/admin/orders/6", Who::Admin),
    ("admin-order-coupon-points", "/admin/orders/5?lang=en", Who::Admin),
    ("studio-earnings", "/studio/earnings", Who::Expert),
    ("studio-earnings-en", "/studio/earnings?lang=en", Who::Expert),
    ("admin-payouts", "/admin/payouts", Who::Admin),
    ("studio", "/studio", Who::Expert),
    ("studio-new-course", "/studio/courses/new", Who::Expert),
    ("studio-course", "/studio/courses/1/edit", Who::Expert),
    (
        "studio-course-rejected",
        "/studio/courses/14/edit?lang=en",
        Who::Expert,
    ),
    ("studio-chapter", "/studio/chapters/1/edit", Who::Expert),
    ("studio-new-lesson", "/studio/chapters/1/lessons/new", Who::Expert),
    ("studio-lesson", "/studio/lessons/1/edit", Who::Expert),
    ("admin-courses", "/admin/courses", Who::Admin),
    ("admin-categories", "/admin/categories", Who::Admin),
    ("catalogue", "/courses", Who::Guest),
    (
        "catalogue-search",
        "/courses?q=%E5%B9%B6%E5%8F%91&level=intermediate&sort=rating",
        Who::Guest,
    ),
    (
        "catalogue-empty",
        "/courses?q=%E5%8C%BA%E5%9D%97%E9%93%BE&lang=en",
        Who::Guest,
    ),
    ("category", "/categories/rust", Who::Guest),
    ("experts", "/experts", Who::Guest),
    (
        "experts-topic-en",
        "/experts?topic=rust&sort=learners&lang=en",
        Who::Guest,
    ),
    ("expert-profile", "/experts/demo_expert", Who::Guest),
    (
        "expert-profile-learner-en",
        "/experts/demo_expert?lang=en",
        Who::Learner,
    ),
    ("experts-apply-form", "/experts/apply", Who::Learner),
    ("experts-apply-certified", "/experts/apply?lang=en", Who::Expert),
    ("admin-experts", "/admin/experts", Who::Admin),
    ("admin-reports", "/admin/reports", Who::Admin),
    ("admin-reports-en", "/admin/reports?lang=en", Who::Admin),
    ("member-profile", "/u/demo_learner", Who::Guest),
    ("admin-expert-certified", "/admin/experts/1", Who::Admin),
    ("admin-expert-open", "/admin/experts/7?lang=en", Who::Admin),
    ("admin-user-expert", "/admin/users/3", Who::Admin),
    ("forum", "/forum", Who::Guest),
    ("forum-en", "/forum?lang=en", Who::Learner),
    ("forum-search", "/forum?q=tokio", Who::Guest),
    ("forum-category", "/forum/general", Who::Guest),
    (
        "forum-category-top",
        "/forum/career?sort=top&period=month&lang=en",
        Who::Guest,
    ),
    ("forum-unanswered", "/forum/general?sort=unanswered", Who::Learner),
    ("forum-new", "/forum/general/new?lang=en", Who::Learner),
    (
        "course-board",
        "/courses/async-rust-with-tokio/discussions",
        Who::Guest,
    ),
    (
        "course-board-new",
        "/courses/async-rust-with-tokio/discussions/new",
        Who::Learner,
    ),
    (
        "thread-question",
        "/t/5/future-is-not-send-when-i-hold-a-mutexguard-across-await",
        Who::Learner,
    ),
    (
        "thread-guest",
        "/t/1/huan-ying-lai-dao-klearn-she-qu-fa-tie-qian-qing-hua-liang?lang=en",
        Who::Guest,
    ),
    (
        "thread-moderator",
        "/t/9/negotiating-salary-for-a-remote-role-when-you-live-in-a",
        Who::Admin,
    ),
    (
        "lesson-task-returned",
        "/courses/ml-linear-regression-from-scratch/lessons/22",
        Who::Learner,
    ),
    (
        "lesson-task-passed-en",
        "/courses/docker-essentials-for-backend-developers/lessons/52?lang=en",
        Who::Learner,
    ),
    ("studio-grading", "/studio/courses/4/submissions", Who::Expert),
    (
        "studio-grading-returned-en",
        "/studio/courses/4/submissions?state=returned&lang=en",
        Who::Expert,
    ),
    ("feedback", "/feedback?page=/courses", Who::Guest),
    ("feedback-member-en", "/feedback?lang=en", Who::Learner),
    ("feedback-mine", "/feedback/mine", Who::Learner),
    ("admin-feedback", "/admin/feedback", Who::Admin),
    (
        "admin-feedback-declined-en",
        "/admin/feedback?state=declined&lang=en",
        Who::Admin,
    ),
    (
        "course-reviews",
        "/courses/ml-linear-regression-from-scratch/reviews",
        Who::Guest,
    ),
    (
        "course-reviews-own",
        "/courses/ml-linear-regression-from-scratch/reviews?sort=newest&lang=en",
        Who::Learner,
    ),
    (
        "course-reviews-expert",
        "/courses/docker-essentials-for-backend-developers/reviews",
        Who::Expert,
    ),
    (
        "course-reviews-moderator",
        "/courses/docker-essentials-for-backend-developers/reviews?sort=lowest&lang=en",
        Who::Admin,
    ),
    (
        "course-reviews-empty",
        "/courses/raft-in-rust/reviews?page=3",
        Who::Guest,
    ),
];

/// A form's fields as sent.
type Fields = &'static [(&'static str, &'static str)];

/// Forms sent with bad input: the 422 pages with their messages.
const FORMS_WITH_ERRORS: &[(&str, &str, Fields)] = &[
    (
        "register-errors",
        "/register",
        &[
            ("username", "a b"),
            ("email", "nope"),
            ("password", "short"),
            ("password_confirm", "x"),
        ],
    ),
    ("login-errors", "/login", &[("login", ""), ("password", "")]),
    ("forgot-errors", "/password/forgot", &[("email", "nope")]),
    (
        "feedback-errors",
        "/feedback",
        &[
            ("kind", "praise"),
            ("page_url", "javascript:alert(1)"),
            ("body", ""),
            ("email", "nope"),
        ],
    ),
];

/// The checker's jar: KLEARN_VNU_JAR, or npm's global vnu-jar.
pub fn vnu_jar() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("KLEARN_VNU_JAR") {
        return Some(PathBuf::from(p));
    }
    let root = Command::new("npm").args(["root", "-g"]).output().ok()?;
    let jar = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim()).join("vnu-jar/build/dist/vnu.jar");
    jar.exists().then_some(jar)
}

/// In CI a missing tool fails the run; elsewhere the test says loudly that it skipped.
pub fn missing_tool(what: &str) {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("{what} is required in CI (.ci/run installs it)");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {what} is not installed; this check did not run !!!!!!!!\n");
}

#[tokio::test]
async fn every_page_type_passes_the_html_checker() {
    let Some(jar) = vnu_jar() else {
        missing_tool("the Nu HTML checker (npm install -g vnu-jar)");
        return;
    };
    let app = TestApp::builder().demo().routes(probes).spawn().await;
    let learner = app.new_client();
    learner.login("demo_learner", klearn::demo::DEMO_PASSWORD).await;
    let admin = app.new_client();
    admin.login("demo_admin", klearn::demo::DEMO_PASSWORD).await;
    let expert = app.new_client();
    expert.login("demo_expert", klearn::demo::DEMO_PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, path, who) in PAGES {
        let client = match who {
            Who::Guest => &app.client,
            Who::Learner => &learner,
            Who::Expert => &expert,
            Who::Admin => &admin,
        };
        let res = client.get(path).await;
        assert!(
            res.header("content-type").unwrap_or("").starts_with("text/html"),
            "{name}"
        );
        assert!(res.status != 303, "{name} redirected to {:?}", res.location());
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    // An enrolled learner's lesson page, found through /learn as the learner would.
    let learn = learner.get("/learn").await;
    let course_href = learn.attrs(".card-title a", "href")[0].clone();
    let course_page = learner.get(&course_href).await;
    let lesson_href = course_page.attrs(".outline-lessons a", "href")[0].clone();
    let res = learner.get(&lesson_href).await;
    assert_eq!(res.status, 200);
    let file = dir.path().join("lesson-enrolled.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    // demo_learner's certificate, as anyone and as a moderator (with the
    // revocation form), found through /learn.
    let certificate = learn.attrs("a[href^='/certificates/']", "href")[0].clone();
    for (name, client) in [("certificate", &app.client), ("certificate-moderator", &admin)] {
        let res = client.get(&certificate).await;
        assert_eq!(res.status, 200, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    // A task handed in without its answer, and a grade without a score.
    let task = "/courses/ml-linear-regression-from-scratch/lessons/22";
    learner.get(task).await;
    let res = learner
        .post_multipart(
            &format!("{task}/submission"),
            &[("answer", " "), ("link", "not a link")],
            vec![],
        )
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("lesson-task-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    let queue = expert.get("/studio/courses/4/submissions").await;
    let grade = queue.attrs(".grading-form", "action")[0].clone();
    let res = expert
        .post_form(&grade, &[("outcome", "pass"), ("score", "")])
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("studio-grading-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    // The studio's chapter form with an error, and the review queue's reject without a reason.
    expert.get("/studio/courses/1/chapters/new").await;
    let res = expert
        .post_form("/studio/courses/1/chapters/new", &[("title", "")])
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("studio-chapter-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    admin.get("/admin/courses").await;
    let res = admin
        .post_form("/admin/courses/13/reject", &[("reason", "")])
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("admin-courses-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    // The expert pages' forms with errors: a step without a note, a
    // suspension without a reason, an application with a bad link.
    admin.get("/admin/experts/7").await;
    let res = admin
        .post_form("/admin/experts/7/transition", &[("to", "trial"), ("note", "")])
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("admin-expert-step-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    admin.get("/admin/users/4").await;
    let res = admin
        .post_form(
            "/admin/users/4/suspend",
            &[("reason", ""), ("until", "yesterday")],
        )
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("admin-suspend-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    // A triage refused: declining the demo's planned item without a note.
    admin.get("/admin/feedback?state=planned").await;
    let res = admin
        .post_form("/admin/feedback/1", &[("state", "declined"), ("note", "")])
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("admin-feedback-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    learner.get("/experts/apply").await;
    let res = learner
        .post_multipart(
            "/experts/apply",
            &[
                ("headline", "x"),
                ("links", "javascript:alert(1)"),
                ("years", "old"),
            ],
            vec![],
        )
        .await;
    assert_eq!(res.status, 422);
    let file = dir.path().join("experts-apply-errors.html");
    std::fs::write(&file, &res.body).unwrap();
    files.push(file);
    // The forum: the edit form of the learner's own post, a post's earlier
    // versions as a moderator sees them, and the forms with errors.
    let thread = "/t/5/future-is-not-send-when-i-hold-a-mutexguard-across-await";
    let page = learner.get(thread).await;
    let edit = page.attrs(".post a[href$='/edit']", "href")[0].clone();
    let moderated = admin
        .get("/t/9/negotiating-salary-for-a-remote-role-when-you-live-in-a")
        .await;
    let revisions = moderated.attrs(".post a[href$='/revisions']", "href")[0].clone();
    for (name, client, path) in [
        ("post-edit", &learner, edit),
        ("post-revisions", &admin, revisions),
    ] {
        let res = client.get(&path).await;
        assert_eq!(res.status, 200, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    learner.get(thread).await;
    let reply = learner.post_form("/t/5/replies", &[("body", " ")]).await;
    learner.get("/forum/general/new").await;
    let start = learner
        .post_form(
            "/forum/general/new",
            &[("title", "x"), ("body", ""), ("kind", "poll"), ("tags", "")],
        )
        .await;
    for (name, res) in [("thread-reply-errors", reply), ("forum-new-errors", start)] {
        assert_eq!(res.status, 422, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    // Reviews: the learner's review form, the expert's reply and a
    // moderator's hiding, each sent back with its error.
    let reviews = "/courses/ml-linear-regression-from-scratch/reviews";
    learner.get(reviews).await;
    let review = learner
        .post_form(reviews, &[("rating", "6"), ("title", ""), ("body", "ok")])
        .await;
    let docker = "/courses/docker-essentials-for-backend-developers/reviews";
    let page = expert.get(docker).await;
    let reply_to = page.attrs("form[action$='/reply']", "action")[0].clone();
    let reply = expert.post_form(&reply_to, &[("body", " ")]).await;
    let page = admin.get(docker).await;
    let hide = page.attrs("form[action$='/hide']", "action")[0].clone();
    let hidden = admin.post_form(&hide, &[("reason", "")]).await;
    for (name, res) in [
        ("review-errors", review),
        ("review-reply-errors", reply),
        ("review-hide-errors", hidden),
    ] {
        assert_eq!(res.status, 422, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    for (name, path, fields) in FORMS_WITH_ERRORS {
        let guest = app.new_client();
        guest.get(path).await;
        let res = guest.post_form(path, fields).await;
        assert_eq!(res.status, 422, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    // Checkout with a coupon and points: applied, and refused; the coupon
    // and points admin forms with bad input.
    learner.get("/checkout").await;
    let applied = learner
        .post_form(
            "/checkout",
            &[("coupon_code", "WELCOME10"), ("points", "100"), ("preview", "1")],
        )
        .await;
    let refused = learner
        .post_form("/checkout", &[("coupon_code", "SUMMER2026"), ("points", "lots")])
        .await;
    admin.get("/admin/coupons").await;
    let coupon = admin
        .post_form(
            "/admin/coupons",
            &[
                ("code", "x"),
                ("kind", "amount"),
                ("value", "-1"),
                ("ends_at", "soon"),
            ],
        )
        .await;
    admin.get("/admin/users/4").await;
    let points = admin
        .post_form(
            "/admin/users/4/points",
            &[("amount", "-99999999"), ("reason", "")],
        )
        .await;
    for (name, res, status) in [
        ("checkout-coupon-applied", applied, 200),
        ("checkout-coupon-refused", refused, 422),
        ("admin-coupon-errors", coupon, 422),
        ("admin-points-errors", points, 422),
    ] {
        assert_eq!(res.status, status, "{name}");
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &res.body).unwrap();
        files.push(file);
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "gnu", "--stdout"])
        .args(&files)
        .output()
        .expect("java runs the checker");
    let report = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "HTML errors:\n{report}"
    );
}
