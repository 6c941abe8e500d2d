//! Reviews: who may review (not enrolled, no lesson opened, the course's
//! expert, unverified, twice means an edit), bad input, deleting, the
//! statistics on awkward counts, the counters and the Bayesian score moving
//! with each review (no job run) and the catalogue's order after it, helpful
//! votes, the expert's one reply, a moderator's hiding with its reason,
//! audit entry and mail; the landing page and the expert's profile.

use klearn::domain::account::Role;
use klearn::domain::actor::Actor;
use klearn::domain::review::Rating;
use klearn::reviews::{write_review, ReviewInput};
use klearn_db::courses::Course;
use klearn_db::enrollments::{Enrollment, LessonProgress, FREE};
use klearn_db::ratings::StarCounts;
use klearn_db::reviews::{Review, ReviewId, ReviewState};
use klearn_db::CourseId;

use crate::common::{unique, Client, TestApp, TestCourse, TestUser};

/// A verified member, signed in.
async fn member(app: &TestApp, prefix: &str) -> (TestUser, Client) {
    let user = app.user(&unique(prefix)).verified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// A certified expert, signed in.
async fn expert(app: &TestApp) -> (TestUser, Client) {
    let user = app.user(&unique("expert")).verified().certified().create().await;
    let c = app.new_client();
    assert_eq!(c.login(&user.username, &user.password).await.status, 303);
    (user, c)
}

/// A free published course of `owner` with two lessons.
async fn course(app: &TestApp, owner: &TestUser, title: &str) -> TestCourse {
    app.course(owner)
        .title(title)
        .lesson("Getting started", false, "First steps.", "")
        .lesson("Going further", false, "More steps.", "")
        .published()
        .create()
        .await
}

fn reviews_url(course: &TestCourse) -> String {
    format!("/courses/{}/reviews", course.slug)
}

/// A member who enrolled and opened the first lesson, through the pages.
async fn learner(app: &TestApp, course: &TestCourse) -> (TestUser, Client) {
    let (user, c) = member(app, "learner").await;
    c.get(&format!("/courses/{}", course.slug)).await;
    let res = c
        .post_form(&format!("/courses/{}/enroll", course.slug), &[])
        .await;
    assert_eq!(res.status, 303);
    let lesson = c
        .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[0]))
        .await;
    assert_eq!(lesson.status, 200);
    (user, c)
}

/// Sends the review form from the reviews page.
async fn post_review(
    c: &Client,
    course: &TestCourse,
    rating: &str,
    title: &str,
    body: &str,
) -> crate::common::Response {
    c.get(&reviews_url(course)).await;
    c.post_form(
        &reviews_url(course),
        &[("rating", rating), ("title", title), ("body", body)],
    )
    .await
}

/// A learner enrolled with a lesson opened, written straight to the
/// database, whose review goes through the use case: for the tests that
/// need many reviews.
async fn reviewed(app: &TestApp, course: &TestCourse, stars: &str) -> (TestUser, ReviewId) {
    let user = app.user(&unique("rev")).verified().create().await;
    let (id, course_id, lesson, slug) = (user.id, course.id, course.lessons[0], course.slug.clone());
    let rating = Rating::parse(stars).unwrap();
    let review = app
        .db(move |c| {
            Enrollment::enroll(c, id, course_id, FREE, None).unwrap();
            LessonProgress::record_open(c, id, lesson, course_id).unwrap();
            let input = ReviewInput {
                rating,
                title: format!("{} stars", rating.get()),
                body: "A review with enough words.".into(),
            };
            write_review(c, &Actor::member(id, &[]), &slug, input).unwrap().1
        })
        .await;
    (user, review.id)
}

/// Waits until the worker has run the day's rating refresh that it
/// schedules when it starts, so that it cannot recompute the mean in the
/// middle of a test that counts on it.
async fn daily_refresh_done(app: &TestApp) {
    for _ in 0..200 {
        let done = app
            .db(|c| {
                use klearn_db::diesel::prelude::*;
                use klearn_db::schema::jobs;
                jobs::table
                    .filter(jobs::kind.eq("refresh_ratings"))
                    .filter(jobs::finished_at.is_not_null())
                    .count()
                    .get_result::<i64>(c)
                    .unwrap()
            })
            .await;
        if done > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the daily rating refresh did not run within 10 s");
}

async fn course_row(app: &TestApp, id: CourseId) -> Course {
    app.db(move |c| Course::find(c, id).unwrap()).await
}

async fn stars(app: &TestApp, id: CourseId) -> [i64; 5] {
    app.db(move |c| StarCounts::of_course(c, id).unwrap().by_star())
        .await
}

async fn review_row(app: &TestApp, id: ReviewId) -> Review {
    app.db(move |c| Review::find(c, id).unwrap()).await
}

#[tokio::test]
async fn only_enrolled_learners_who_opened_a_lesson_review_and_not_the_expert() {
    let app = TestApp::spawn().await;
    let (owner, expert_client) = expert(&app).await;
    let course = course(&app, &owner, "Reviewable Rust").await;
    let url = reviews_url(&course);

    // A guest reads the page and is asked to sign in; a guest's POST goes to sign in.
    let guest = app.new_client();
    let page = guest.get(&url).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.attrs(&format!("a[href='/login?next={url}']"), "href").len(),
        1
    );
    guest.get("/login").await;
    let res = guest
        .post_form(
            &url,
            &[("rating", "5"), ("title", "Great"), ("body", "Great course")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(res.location().unwrap().starts_with("/login?next="));
    for action in ["delete", "helpful", "reply", "hide"] {
        let res = guest.post_form(&format!("/reviews/1/{action}"), &[]).await;
        assert_eq!(res.status, 303, "{action}");
        assert!(res.location().unwrap().starts_with("/login?next="), "{action}");
    }

    // Not enrolled: refused, and the page says why.
    let (_, outsider) = member(&app, "outsider").await;
    let page = outsider.get(&format!("{url}?lang=en")).await;
    assert!(page.select("form[action$='/reviews'] textarea").is_empty());
    assert!(page
        .text()
        .contains("Only learners enrolled in this course can review it."));
    let res = post_review(&outsider, &course, "5", "Great", "Great course").await;
    assert_eq!(res.status, 403);
    // Also when what they sent would not have parsed.
    assert_eq!(post_review(&outsider, &course, "9", "", "").await.status, 403);
    assert!(res
        .text()
        .contains("Only learners enrolled in this course can review it."));

    // Enrolled but no lesson opened yet: refused with the way forward.
    let (_, enrolled) = member(&app, "enrolled").await;
    enrolled.get(&format!("/courses/{}?lang=en", course.slug)).await;
    enrolled
        .post_form(&format!("/courses/{}/enroll", course.slug), &[])
        .await;
    let res = post_review(&enrolled, &course, "4", "Nice so far", "Looks promising.").await;
    assert_eq!(res.status, 403);
    assert!(
        res.text().contains("Open at least one lesson first"),
        "{}",
        res.text()
    );
    // Once a lesson is opened the form is there and the review is written.
    enrolled
        .get(&format!("/courses/{}/lessons/{}", course.slug, course.lessons[1]))
        .await;
    let page = enrolled.get(&url).await;
    assert_eq!(
        page.select("form[action$='/reviews'] textarea[name=body]").len(),
        1
    );
    let res = post_review(&enrolled, &course, "4", "Nice so far", "Looks promising.").await;
    assert_eq!(res.status, 303, "{}", res.text());
    assert!(res.location().unwrap().starts_with(&format!("{url}#review-")));

    // The course's own expert may not review it.
    let res = post_review(&expert_client, &course, "5", "Mine is great", "Of course it is.").await;
    assert_eq!(res.status, 403);
    assert!(
        res.text().contains("cannot review your own course") || res.text().contains("不能评价自己的课程")
    );

    // An unverified learner is asked to confirm the email first.
    let unverified = app.user(&unique("unv")).create().await;
    let (uid, cid, lesson) = (unverified.id, course.id, course.lessons[0]);
    app.db(move |c| {
        Enrollment::enroll(c, uid, cid, FREE, None).unwrap();
        LessonProgress::record_open(c, uid, lesson, cid).unwrap();
    })
    .await;
    let u = app.new_client();
    u.login(&unverified.username, &unverified.password).await;
    let res = post_review(&u, &course, "3", "Okay", "It is okay.").await;
    assert_eq!(res.status, 403);

    let row = course_row(&app, course.id).await;
    assert_eq!((row.rating_count, row.rating_sum), (1, 4));
    assert_eq!(stars(&app, course.id).await, [0, 0, 0, 1, 0]);
}

#[tokio::test]
async fn bad_input_comes_back_with_the_text_and_a_message_per_field() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let course = course(&app, &owner, "Careful Go").await;
    let (_, c) = learner(&app, &course).await;
    c.get(&format!("{}?lang=en", reviews_url(&course))).await;
    let res = c
        .post_form(
            &reviews_url(&course),
            &[("rating", "9"), ("title", "   "), ("body", "Meh")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select(".field-error").len(), 3, "{}", res.text());
    assert!(res.text().contains("Stars go from 1 to 5."));
    assert_eq!(res.texts("#f-body"), vec!["Meh".to_string()]);
    // A missing rating has its own message; the title and text are kept.
    let res = c
        .post_form(
            &reviews_url(&course),
            &[("title", "Clear and useful"), ("body", "Every example ran.")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.text().contains("Choose how many stars."));
    assert_eq!(
        res.attrs("#f-title", "value"),
        vec!["Clear and useful".to_string()]
    );
    assert_eq!(res.texts("#f-body"), vec!["Every example ran.".to_string()]);
    let row = course_row(&app, course.id).await;
    assert_eq!(row.rating_count, 0, "nothing was written");
}

#[tokio::test]
async fn a_second_post_edits_the_review_and_deleting_takes_it_and_its_counts_away() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let course = course(&app, &owner, "Twice Told").await;
    let (me, c) = learner(&app, &course).await;
    let res = post_review(&c, &course, "5", "Loved it", "Every lesson **clicked**.").await;
    assert_eq!(res.status, 303);
    let first = app
        .db({
            let (cid, uid) = (course.id, me.id);
            move |c| Review::by_author(c, cid, uid).unwrap().unwrap()
        })
        .await;
    assert!(first.edited_at.is_none());
    assert!(first.body_html.contains("<strong>clicked</strong>"));

    let res = post_review(&c, &course, "2", "Changed my mind", "The last chapter is thin.").await;
    assert_eq!(res.status, 303);
    let edited = review_row(&app, first.id).await;
    assert_eq!(edited.id, first.id, "one review per learner and course");
    assert_eq!((edited.rating, edited.title.as_str()), (2, "Changed my mind"));
    assert!(edited.edited_at.is_some());
    let row = course_row(&app, course.id).await;
    assert_eq!(
        (row.rating_count, row.rating_sum),
        (1, 2),
        "count kept, sum changed"
    );
    assert_eq!(stars(&app, course.id).await, [0, 1, 0, 0, 0]);

    // The page shows it first, as the viewer's own, marked edited, with its form filled in.
    let page = c.get(&format!("{}?lang=en", reviews_url(&course))).await;
    let mine = page.texts(".course-review-mine");
    assert!(
        mine[0].contains("Changed my mind") && mine[0].contains("edited"),
        "{mine:?}"
    );
    assert_eq!(
        page.attrs("#f-title", "value"),
        vec!["Changed my mind".to_string()]
    );
    assert_eq!(
        page.attrs("input[name=rating][checked]", "value"),
        vec!["2".to_string()]
    );
    assert!(
        page.select(".course-review-list").is_empty(),
        "nobody else reviewed"
    );

    // Another member's vote goes with the review when it is deleted.
    let (_, other) = member(&app, "voter").await;
    other.get(&reviews_url(&course)).await;
    let res = other
        .post_form(&format!("/reviews/{}/helpful", first.id), &[])
        .await;
    assert_eq!(res.status, 303);
    // Only the author deletes.
    let res = other
        .post_form(&format!("/reviews/{}/delete", first.id), &[])
        .await;
    assert_eq!(res.status, 403);
    c.get(&reviews_url(&course)).await;
    let res = c.post_form(&format!("/reviews/{}/delete", first.id), &[]).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), Some(reviews_url(&course).as_str()));
    let gone = app
        .db({
            let id = first.id;
            move |c| Review::find(c, id).is_err()
        })
        .await;
    assert!(gone);
    let row = course_row(&app, course.id).await;
    assert_eq!((row.rating_count, row.rating_sum), (0, 0));
    assert_eq!(stars(&app, course.id).await, [0; 5]);
    // Deleting again finds nothing.
    c.get(&reviews_url(&course)).await;
    let res = c.post_form(&format!("/reviews/{}/delete", first.id), &[]).await;
    assert_eq!(res.status, 404);
}

#[tokio::test]
async fn the_statistics_hold_on_awkward_counts() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let course = course(&app, &owner, "Counted Carefully").await;
    let url = format!("{}?lang=en", reviews_url(&course));

    // No reviews: no average, no bars.
    let page = app.client.get(&url).await;
    assert!(page.select(".rating-average").is_empty());
    assert!(page.text().contains("No ratings yet."));

    // One review: all of it good.
    reviewed(&app, &course, "5").await;
    let page = app.client.get(&url).await;
    assert_eq!(page.texts(".rating-average"), vec!["5.0".to_string()]);
    assert_eq!(page.texts(".rating-kind dd"), vec!["100%", "0%", "0%"]);
    assert_eq!(page.texts(".rating-bar-count"), vec!["1", "0", "0", "0", "0"]);

    // Three reviews of a third each: the shares still add up to 100.
    reviewed(&app, &course, "3").await;
    reviewed(&app, &course, "1").await;
    let page = app.client.get(&url).await;
    assert_eq!(page.texts(".rating-average"), vec!["3.0".to_string()]);
    assert_eq!(page.texts(".rating-kind dd"), vec!["34%", "33%", "33%"]);
    assert!(page.text().contains("3 reviews"));
    assert_eq!(
        page.attrs(".rating-bar", "value"),
        vec!["34", "0", "33", "0", "33"]
    );

    // Seven reviews: 5★×3, 4★×1, 3★×2, 1★×1.
    for s in ["5", "5", "4", "3"] {
        reviewed(&app, &course, s).await;
    }
    let page = app.client.get(&url).await;
    assert_eq!(page.texts(".rating-average"), vec!["3.7".to_string()]);
    assert_eq!(page.texts(".rating-kind dd"), vec!["57%", "29%", "14%"]);
    assert_eq!(page.texts(".rating-bar-count"), vec!["3", "1", "2", "0", "1"]);
    let row = course_row(&app, course.id).await;
    assert_eq!((row.rating_count, row.rating_sum), (7, 26));

    // The landing page shows the same statistics and the five newest reviews.
    let landing = app.client.get(&format!("/courses/{}?lang=en", course.slug)).await;
    assert_eq!(landing.texts(".rating-average"), vec!["3.7".to_string()]);
    assert_eq!(landing.select(".course-reviews .course-review").len(), 5);
    assert_eq!(
        landing
            .attrs(&format!("a[href='{}']", reviews_url(&course)), "href")
            .len(),
        1
    );
    // The list pages in tens: the sort links keep the course's address.
    let lowest = app
        .client
        .get(&format!("{}?sort=lowest", reviews_url(&course)))
        .await;
    let first_stars = lowest.texts(".course-review-stars .stars");
    assert_eq!(first_stars.first().map(String::as_str), Some("★☆☆☆☆"));
    assert_eq!(first_stars.last().map(String::as_str), Some("★★★★★"));
}

/// A course's score as the catalogue sorts by it.
async fn score(app: &TestApp, id: CourseId) -> i64 {
    course_row(app, id).await.rating_score
}

fn catalogue_titles(res: &crate::common::Response) -> Vec<String> {
    res.texts(".course-card .card-title a")
}

#[tokio::test]
async fn the_score_moves_with_the_review_and_the_catalogue_follows_without_a_job() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    daily_refresh_done(&app).await;
    let older = course(&app, &owner, "Older Course").await;
    let newer = course(&app, &owner, "Newer Course").await;
    app.db(|c| Course::refresh_rating_scores(c).unwrap()).await;
    // No course rated yet: C is four stars, every course scores it; the
    // newer one comes first on a tie.
    assert_eq!(score(&app, older.id).await, 4_000_000);
    let res = app.client.get("/courses?sort=rating").await;
    assert_eq!(catalogue_titles(&res), vec!["Newer Course", "Older Course"]);

    let (_, c) = learner(&app, &older).await;
    let res = post_review(&c, &older, "5", "Excellent", "Clear from start to end.").await;
    assert_eq!(res.status, 303);
    // (10·4.0 + 5) / 11 = 4.0909…, in the same transaction as the review.
    assert_eq!(score(&app, older.id).await, 4_090_909);
    assert_eq!(score(&app, newer.id).await, 4_000_000);
    let res = app.client.get("/courses?sort=rating").await;
    assert_eq!(catalogue_titles(&res), vec!["Older Course", "Newer Course"]);
    assert!(res.text().contains("5.0"), "the card shows the real average");

    // The daily refresh stores the mean it finds (5.0 now), and a review
    // written after it scores its course with that same mean.
    let mean = app.db(|c| Course::refresh_rating_scores(c).unwrap()).await;
    assert_eq!(mean, 5.0);
    assert_eq!(score(&app, older.id).await, 5_000_000);
    let stored = app
        .db(|c| klearn_db::site_figures::get(c, klearn_db::site_figures::RATING_MEAN_MICROS).unwrap())
        .await;
    assert_eq!(stored, Some(5_000_000));
    let (_, c2) = learner(&app, &newer).await;
    let res = post_review(&c2, &newer, "1", "Not for me", "Too fast for a beginner.").await;
    assert_eq!(res.status, 303);
    // (10·5.0 + 1) / 11 = 4.6363…
    assert_eq!(score(&app, newer.id).await, 4_636_364);
    // Editing the stars moves the score again; deleting puts it back.
    let res = post_review(&c2, &newer, "4", "Better on a second read", "It grew on me.").await;
    assert_eq!(res.status, 303);
    assert_eq!(score(&app, newer.id).await, 4_909_091);
    let id = app
        .db({
            let cid = newer.id;
            move |c| Review::newest(c, cid, 1).unwrap()[0].id
        })
        .await;
    c2.get(&reviews_url(&newer)).await;
    c2.post_form(&format!("/reviews/{id}/delete"), &[]).await;
    assert_eq!(score(&app, newer.id).await, 5_000_000);
    // The refresh and the per-review updates agree on every course.
    let before = (score(&app, older.id).await, score(&app, newer.id).await);
    app.db(|c| Course::refresh_rating_scores(c).unwrap()).await;
    assert_eq!(before, (score(&app, older.id).await, score(&app, newer.id).await));
}

#[tokio::test]
async fn helpful_votes_toggle_one_per_member_and_never_on_ones_own() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let course = course(&app, &owner, "Helpful Things").await;
    let (author, author_client) = learner(&app, &course).await;
    post_review(&author_client, &course, "4", "Good pace", "The exercises help.").await;
    let id = app
        .db({
            let (cid, uid) = (course.id, author.id);
            move |c| Review::by_author(c, cid, uid).unwrap().unwrap().id
        })
        .await;
    let helpful = format!("/reviews/{id}/helpful");

    // Not on one's own review: no button, and a POST is refused.
    let page = author_client.get(&reviews_url(&course)).await;
    assert!(page.select(".helpful-button").is_empty());
    let res = author_client.post_form(&helpful, &[]).await;
    assert_eq!(res.status, 403);

    let (_, voter) = member(&app, "voter").await;
    let page = voter.get(&reviews_url(&course)).await;
    assert_eq!(
        page.attrs(".helpful-button", "aria-pressed"),
        vec!["false".to_string()]
    );
    let res = voter.post_form(&helpful, &[]).await;
    assert_eq!(res.status, 303);
    assert_eq!(
        res.location(),
        Some(format!("{}#review-{id}", reviews_url(&course)).as_str())
    );
    assert_eq!(review_row(&app, id).await.helpful_count, 1);
    let page = voter.get(&reviews_url(&course)).await;
    assert_eq!(
        page.attrs(".helpful-button", "aria-pressed"),
        vec!["true".to_string()]
    );
    // A second press takes the vote back.
    voter.post_form(&helpful, &[]).await;
    assert_eq!(review_row(&app, id).await.helpful_count, 0);
    voter.get(&reviews_url(&course)).await;
    voter.post_form(&helpful, &[]).await;
    let (_, second) = member(&app, "second").await;
    second.get(&reviews_url(&course)).await;
    second.post_form(&helpful, &[]).await;
    assert_eq!(review_row(&app, id).await.helpful_count, 2);
    let votes = app
        .db(move |c| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::schema::review_votes;
            review_votes::table
                .filter(review_votes::review_id.eq(id))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(votes, 2);

    // An unverified member may not vote.
    let unverified = app.user(&unique("unv")).create().await;
    let u = app.new_client();
    u.login(&unverified.username, &unverified.password).await;
    u.get(&reviews_url(&course)).await;
    assert_eq!(u.post_form(&helpful, &[]).await.status, 403);
    assert_eq!(review_row(&app, id).await.helpful_count, 2);

    // The most helpful first.
    let (_, other_id) = reviewed(&app, &course, "5").await;
    let page = app
        .client
        .get(&format!("{}?sort=helpful", reviews_url(&course)))
        .await;
    let ids = page.attrs(".course-review", "id");
    assert_eq!(ids, vec![format!("review-{id}"), format!("review-{other_id}")]);
    let page = app
        .client
        .get(&format!("{}?sort=newest", reviews_url(&course)))
        .await;
    assert_eq!(
        page.attrs(".course-review", "id")[0],
        format!("review-{other_id}")
    );
}

#[tokio::test]
async fn the_courses_expert_replies_once_in_public() {
    let app = TestApp::spawn().await;
    let (owner, expert_client) = expert(&app).await;
    let course = course(&app, &owner, "Answered Well").await;
    let (_, id) = reviewed(&app, &course, "3").await;
    let reply = format!("/reviews/{id}/reply");

    // Only the course's expert: another expert or a learner is refused.
    let (_, other_expert) = expert(&app).await;
    other_expert.get(&reviews_url(&course)).await;
    let res = other_expert.post_form(&reply, &[("body", "Not my course")]).await;
    assert_eq!(res.status, 403);
    let res = other_expert.post_form(&reply, &[("body", "")]).await;
    assert_eq!(res.status, 403, "who may not reply hears that first");
    let (_, learner_client) = member(&app, "learner").await;
    learner_client.get(&reviews_url(&course)).await;
    assert_eq!(
        learner_client
            .post_form(&reply, &[("body", "Me too")])
            .await
            .status,
        403
    );

    // The expert sees the reply form; an empty reply comes back with its message.
    let page = expert_client
        .get(&format!("{}?lang=en", reviews_url(&course)))
        .await;
    assert_eq!(page.select(&format!("form[action='{reply}']")).len(), 1);
    let res = expert_client.post_form(&reply, &[("body", "  ")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select(&format!("#reply-{id}-error")).len(), 1);
    assert!(res.text().contains("Write your reply."));

    let res = expert_client
        .post_form(
            &reply,
            &[("body", "Thanks! Chapter 3 gets *more examples* next month.")],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = app.client.get(&reviews_url(&course)).await;
    let replies = page.select(".course-review-reply");
    assert_eq!(replies.len(), 1);
    assert!(replies[0].contains("<em>more examples</em>"));
    // Once: a second reply is refused, and the first stays.
    let page = expert_client.get(&reviews_url(&course)).await;
    assert!(page.select(&format!("form[action='{reply}']")).is_empty());
    let res = expert_client
        .post_form(&reply, &[("body", "Another thought")])
        .await;
    assert_eq!(res.status, 409);
    assert!(review_row(&app, id)
        .await
        .reply_body
        .unwrap()
        .starts_with("Thanks!"));
}

#[tokio::test]
async fn moderators_hide_a_review_with_a_reason_the_author_is_told_and_it_stops_counting() {
    let app = TestApp::spawn().await;
    let (owner, expert_client) = expert(&app).await;
    daily_refresh_done(&app).await;
    let course = course(&app, &owner, "Moderated Course").await;
    let (author, author_client) = learner(&app, &course).await;
    post_review(
        &author_client,
        &course,
        "1",
        "Spam spam",
        "Buy cheap watches at example.com",
    )
    .await;
    let (_, kept) = reviewed(&app, &course, "5").await;
    let id = app
        .db({
            let (cid, uid) = (course.id, author.id);
            move |c| Review::by_author(c, cid, uid).unwrap().unwrap().id
        })
        .await;
    let hide = format!("/reviews/{id}/hide");
    let generation = app
        .db(|c| klearn_db::generations::current(c, klearn_db::generations::EXPERTS).unwrap())
        .await;

    // Not a moderator: refused (the expert too).
    expert_client.get(&reviews_url(&course)).await;
    let res = expert_client
        .post_form(&hide, &[("reason", "I dislike it")])
        .await;
    assert_eq!(res.status, 403);

    let moderator = app
        .user(&unique("mod"))
        .verified()
        .role(Role::Moderator)
        .create()
        .await;
    let m = app.new_client();
    m.login(&moderator.username, &moderator.password).await;
    let page = m.get(&format!("{}?lang=en", reviews_url(&course))).await;
    assert_eq!(page.select(&format!("form[action='{hide}']")).len(), 1);
    // A reason is required: the page comes back with the message under the review.
    let res = m.post_form(&hide, &[("reason", " ")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.select(&format!("#hide-{id}-error")).len(), 1);
    assert!(res.text().contains("Give the reason for hiding it."));
    assert_eq!(review_row(&app, id).await.state, ReviewState::Visible);

    let res = m
        .post_form(&hide, &[("reason", "Advertising, not a review")])
        .await;
    assert_eq!(res.status, 303);
    let row = review_row(&app, id).await;
    assert_eq!(row.state, ReviewState::Hidden);
    assert_eq!(row.hidden_reason, "Advertising, not a review");
    assert_eq!(row.hidden_by, Some(moderator.id));
    // It stops counting at once, and the expert directory's cache is told.
    let course_now = course_row(&app, course.id).await;
    assert_eq!((course_now.rating_count, course_now.rating_sum), (1, 5));
    assert_eq!(stars(&app, course.id).await, [0, 0, 0, 0, 1]);
    assert_eq!(
        course_now.rating_score,
        (2 * (10 * 4_000_000 + 5_000_000) + 11) / 22
    );
    let after = app
        .db(|c| klearn_db::generations::current(c, klearn_db::generations::EXPERTS).unwrap())
        .await;
    assert!(after > generation);

    // Audited with its reason.
    let (entries, _) = app
        .db(|c| {
            klearn_db::audit::AuditEntry::list(c, &klearn_db::audit::AuditFilter::default(), 1, 20).unwrap()
        })
        .await;
    assert!(entries.iter().any(|r| r.entry.action == "review.hidden"
        && r.entry.object_id == id.to_string()
        && r.entry.note == "Advertising, not a review"
        && r.actor.as_deref() == Some(moderator.username.as_str())));

    // The author is told by mail, with the reason and a link to the page.
    let mail = app.wait_for_mail(&author.email).await;
    assert!(mail.text.contains("Advertising, not a review"), "{}", mail.text);
    assert!(mail.text.contains(&reviews_url(&course)));

    // Gone from the public list and statistics; the author sees theirs with the reason.
    let public = app.client.get(&reviews_url(&course)).await;
    assert_eq!(
        public.attrs(".course-review", "id"),
        vec![format!("review-{kept}")]
    );
    assert_eq!(public.texts(".rating-average"), vec!["5.0".to_string()]);
    let own = author_client
        .get(&format!("{}?lang=en", reviews_url(&course)))
        .await;
    assert!(own.texts(".course-review-mine")[0].contains("Reason: Advertising, not a review"));
    // A hidden review is not edited back into view, nor voted on, nor hidden twice.
    let res = post_review(&author_client, &course, "5", "Changed", "Now it is glowing.").await;
    assert_eq!(res.status, 409);
    let (_, voter) = member(&app, "voter").await;
    voter.get(&reviews_url(&course)).await;
    assert_eq!(
        voter
            .post_form(&format!("/reviews/{id}/helpful"), &[])
            .await
            .status,
        404
    );
    m.get(&reviews_url(&course)).await;
    assert_eq!(m.post_form(&hide, &[("reason", "again")]).await.status, 409);
    // Its author may still delete it; the counters stay as they are.
    author_client.get(&reviews_url(&course)).await;
    let res = author_client
        .post_form(&format!("/reviews/{id}/delete"), &[])
        .await;
    assert_eq!(res.status, 303);
    let course_now = course_row(&app, course.id).await;
    assert_eq!((course_now.rating_count, course_now.rating_sum), (1, 5));
}

#[tokio::test]
async fn the_experts_profile_adds_up_all_their_courses() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let first = course(&app, &owner, "First Of Two").await;
    let second = course(&app, &owner, "Second Of Two").await;
    reviewed(&app, &first, "5").await;
    reviewed(&app, &first, "4").await;
    reviewed(&app, &second, "2").await;
    let page = app
        .client
        .get(&format!("/experts/{}?lang=en", owner.username))
        .await;
    assert_eq!(page.texts(".rating-average"), vec!["3.7".to_string()]);
    assert_eq!(page.texts(".rating-bar-count"), vec!["1", "1", "0", "1", "0"]);
    assert_eq!(page.texts(".rating-kind dd"), vec!["67%", "0%", "33%"]);
}

#[tokio::test]
async fn the_scale_seeds_ratings_are_its_reviews() {
    let app = TestApp::spawn().await;
    let pool = app.pool.clone();
    let report = tokio::task::spawn_blocking(move || klearn::demo::scale::seed(&pool, 600))
        .await
        .unwrap()
        .unwrap();
    assert!(report.reviews > 20, "{report}");
    let (mismatched, by_owner, unqualified, votes_off, reviews, own_votes) = app
        .db(|c| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::diesel::sql_types::BigInt;
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            let count = |c: &mut klearn_db::DbConnection, sql: &str| -> i64 {
                klearn_db::diesel::sql_query(sql).get_result::<N>(c).unwrap().n
            };
            (
                // Every course's counters are exactly its visible reviews.
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM courses c WHERE c.rating_count <> \
                     (SELECT COUNT(*) FROM reviews r WHERE r.course_id = c.id AND r.state = 'visible') \
                     OR c.rating_sum <> (SELECT COALESCE(SUM(r.rating), 0) FROM reviews r \
                     WHERE r.course_id = c.id AND r.state = 'visible') \
                     OR c.rating_5 <> (SELECT COUNT(*) FROM reviews r WHERE r.course_id = c.id \
                     AND r.state = 'visible' AND r.rating = 5) \
                     OR c.rating_1 + c.rating_2 + c.rating_3 + c.rating_4 + c.rating_5 <> c.rating_count",
                ),
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM reviews r JOIN courses c ON c.id = r.course_id \
                     WHERE c.owner_id = r.author_id OR c.state <> 'published'",
                ),
                // Every reviewer is enrolled and opened a lesson of the course.
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM enrollments e \
                     WHERE e.user_id = r.author_id AND e.course_id = r.course_id) OR NOT EXISTS \
                     (SELECT 1 FROM lesson_progress p WHERE p.user_id = r.author_id AND p.course_id = r.course_id)",
                ),
                count(
                    c,
                    "SELECT COUNT(*) AS n FROM reviews r WHERE r.helpful_count <> \
                     (SELECT COUNT(*) FROM review_votes v WHERE v.review_id = r.id)",
                ),
                count(c, "SELECT COUNT(*) AS n FROM reviews"),
                // Nobody voted for their own review.
                count(c, "SELECT COUNT(*) AS n FROM review_votes v JOIN reviews r ON r.id = v.review_id \
                          WHERE v.user_id = r.author_id"),
            )
        })
        .await;
    assert_eq!(
        (mismatched, by_owner, unqualified, votes_off, own_votes),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(reviews as usize, report.reviews);
    // The catalogue's rating sort reads them.
    let res = app.client.get("/courses?sort=rating&lang=en").await;
    assert!(res.text().contains(" reviews)"), "{}", res.text());
}

#[tokio::test]
async fn the_demo_has_reviews_with_replies_votes_and_one_hidden() {
    let app = TestApp::builder().demo().spawn().await;
    let (all, hidden, replied, voted) = app
        .db(|c| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::schema::reviews;
            let all: Vec<Review> = reviews::table.select(Review::as_select()).load(c).unwrap();
            let hidden = all.iter().filter(|r| !r.is_visible()).count();
            let replied = all.iter().filter(|r| r.reply_body.is_some()).count();
            let voted = all.iter().filter(|r| r.helpful_count > 0).count();
            (all.len(), hidden, replied, voted)
        })
        .await;
    assert!(all >= 10, "{all}");
    assert_eq!(hidden, 1);
    assert!(replied >= 3 && voted >= 5, "{replied} {voted}");
    let spread = app
        .db(|c| {
            let ids: Vec<CourseId> = Course::published_page(c, 1, 50)
                .unwrap()
                .0
                .iter()
                .map(|card| card.course.id)
                .collect();
            let mut stars = [0i64; 5];
            for id in ids {
                for (total, n) in stars
                    .iter_mut()
                    .zip(StarCounts::of_course(c, id).unwrap().by_star())
                {
                    *total += n;
                }
            }
            stars
        })
        .await;
    assert!(
        spread.iter().filter(|n| **n > 0).count() >= 4,
        "a spread of stars: {spread:?}"
    );
    // demo_learner finds their review first on the course they took, and may edit it.
    let learner = app.new_client();
    learner.login("demo_learner", klearn::demo::DEMO_PASSWORD).await;
    let page = learner
        .get("/courses/ml-linear-regression-from-scratch/reviews?lang=en")
        .await;
    assert_eq!(page.select(".course-review-mine .course-review").len(), 1);
    assert_eq!(
        page.select("form[action$='/reviews'] textarea[name=body]").len(),
        1
    );
    assert!(page.text().contains("The expert's reply"));
}

#[tokio::test]
async fn reviews_and_votes_at_the_same_moment_are_all_counted_once() {
    let app = TestApp::spawn().await;
    let (owner, _) = expert(&app).await;
    let course = course(&app, &owner, "Busy Course").await;
    let mut learners = Vec::new();
    for _ in 0..6 {
        let user = app.user(&unique("busy")).verified().create().await;
        let (id, cid, lesson) = (user.id, course.id, course.lessons[0]);
        app.db(move |c| {
            Enrollment::enroll(c, id, cid, FREE, None).unwrap();
            LessonProgress::record_open(c, id, lesson, cid).unwrap();
        })
        .await;
        learners.push(user);
    }
    // Six learners review at once, each on their own connection.
    let mut writes = Vec::new();
    for (n, user) in learners.iter().enumerate() {
        let (pool, id, slug) = (app.pool.clone(), user.id, course.slug.clone());
        writes.push(tokio::task::spawn_blocking(move || {
            let mut c = pool.get().unwrap();
            let input = ReviewInput {
                rating: Rating::parse(&(n % 5 + 1).to_string()).unwrap(),
                title: "At once".into(),
                body: "Written at the same moment.".into(),
            };
            write_review(&mut c, &Actor::member(id, &[]), &slug, input).map(|(_, r)| r.id)
        }));
    }
    let mut ids = Vec::new();
    for w in writes {
        ids.push(w.await.unwrap().expect("every review is written"));
    }
    let row = course_row(&app, course.id).await;
    // Stars 1, 2, 3, 4, 5, 1.
    assert_eq!((row.rating_count, row.rating_sum), (6, 16));
    assert_eq!(stars(&app, course.id).await, [2, 1, 1, 1, 1]);

    // Everyone presses "helpful" on the first review twice at once.
    let target = ids[0];
    let mut presses = Vec::new();
    for user in learners.iter().skip(1) {
        for _ in 0..2 {
            let (pool, id) = (app.pool.clone(), user.id);
            presses.push(tokio::task::spawn_blocking(move || {
                let mut c = pool.get().unwrap();
                klearn::reviews::toggle_helpful(&mut c, &Actor::member(id, &[]), target).map(|_| ())
            }));
        }
    }
    for p in presses {
        p.await.unwrap().expect("every press is answered");
    }
    let (count, votes) = app
        .db(move |c| {
            use klearn_db::diesel::prelude::*;
            use klearn_db::schema::review_votes;
            let votes = review_votes::table
                .filter(review_votes::review_id.eq(target))
                .count()
                .get_result::<i64>(c)
                .unwrap();
            (Review::find(c, target).unwrap().helpful_count, votes)
        })
        .await;
    assert_eq!(
        count, votes,
        "the count is the votes, however the presses interleaved"
    );
}
