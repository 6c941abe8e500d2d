//! `GET, POST /courses/{slug}/reviews`, and `POST /reviews/{id}/delete`,
//! `/reviews/{id}/helpful`, `/reviews/{id}/reply`, `/reviews/{id}/hide`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::reviews::ReviewId;
use serde::Deserialize;

use crate::domain::actor::Actor;
use crate::domain::review::{parse_body, parse_sort, parse_title, Rating, REVIEWS_PER_PAGE};
use crate::i18n::k;
use crate::reviews::pages::{ReviewsPage, Writing};
use crate::reviews::views::{Answer, AnswerForm, ReviewForm, ReviewsView};
use crate::reviews::{
    delete_review, hide_review, reply, toggle_helpful, write_review, ReviewError, ReviewInput,
};
use crate::web::auth::{current_user, Moderator};
use crate::web::db::{attempt, Refused};
use crate::web::flash::{Flash, Level};
use crate::web::pager::page_number;
use crate::web::{
    call, html, html_with_status, redirect_with_flash, AppError, AppState, FieldErrors, Page, SignedIn,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/courses/{slug}/reviews")
            .route(web::get().to(list))
            .route(web::post().to(write)),
    )
    .service(web::resource("/reviews/{id}/delete").route(web::post().to(delete)))
    .service(web::resource("/reviews/{id}/helpful").route(web::post().to(helpful)))
    .service(web::resource("/reviews/{id}/reply").route(web::post().to(answer_reply)))
    .service(web::resource("/reviews/{id}/hide").route(web::post().to(hide)));
}

/// A course's reviews page.
pub fn reviews_url(slug: &str) -> String {
    format!("/courses/{slug}/reviews")
}

/// A review on its course's reviews page.
fn review_url(slug: &str, id: ReviewId) -> String {
    format!("/courses/{slug}/reviews#review-{id}")
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    sort: Option<String>,
    page: Option<String>,
}

async fn list(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let (name, sort) = parse_sort(query.sort.as_deref().unwrap_or(""));
    let number = page_number(query.page.as_deref());
    let viewer = current_user(&req).map(|u| u.actor());
    let p = call(&state.pool, move |conn| {
        ReviewsPage::load(conn, &slug, viewer.as_ref(), sort, number, None)
    })
    .await??;
    html(&ReviewsView::new(page, p, name, number, REVIEWS_PER_PAGE))
}

#[derive(Debug, Default, Deserialize)]
struct ReviewFields {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

impl ReviewFields {
    /// The review, or `None` with each bad field's message.
    fn parse(&self, page: &Page, errors: &mut FieldErrors) -> Option<ReviewInput> {
        let rating = errors.check(&page.tr, "rating", Rating::parse(&self.rating));
        let title = errors.check(&page.tr, "title", parse_title(&self.title));
        let body = errors.check(&page.tr, "body", parse_body(&self.body));
        Some(ReviewInput {
            rating: rating?,
            title: title?,
            body: body?,
        })
    }
}

/// The reviews page again (first page, default order), for a form sent
/// back; `pin`: the review whose form it was, shown first.
fn page_again(
    conn: &mut klearn_db::DbConnection,
    slug: &str,
    viewer: &Actor,
    pin: Option<ReviewId>,
) -> Result<ReviewsPage, ReviewError> {
    ReviewsPage::load(conn, slug, Some(viewer), parse_sort("").1, 1, pin)
}

async fn write(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    form: web::Form<ReviewFields>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let fields = form.into_inner();
    let mut errors = FieldErrors::new();
    let input = fields.parse(&page, &mut errors);
    let (actor, at) = (user.actor(), slug.clone());
    let outcome = call(&state.pool, move |conn| {
        attempt(
            conn,
            input,
            |c, input| write_review(c, &actor, &at, input),
            |c| Ok(page_again(c, &at, &actor, None)),
        )
    })
    .await??;
    let Refused { problem, page: found } = match outcome {
        Ok((course, review)) => {
            let flash = Flash::new(Level::Success, k("reviews.saved"));
            return Ok(redirect_with_flash(
                &state.settings,
                &review_url(&course.slug, review.id),
                &flash,
            ));
        }
        Err(refused) => refused,
    };
    match problem {
        Some(ReviewError::Invalid { field, key }) => errors.add(&page.tr, field, key),
        Some(other) => return Err(other.into()),
        None => {}
    }
    let found = found?;
    // Who may not review hears why, whatever they sent.
    if let Writing::Refused(key) = found.writing {
        return Err(AppError::ForbiddenBecause(key));
    }
    let mut view = ReviewsView::new(page, found, parse_sort("").0, 1, REVIEWS_PER_PAGE);
    view.form = ReviewForm {
        rating: fields.rating,
        title: fields.title,
        body: fields.body,
    };
    view.errors = errors;
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

async fn delete(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let course = call(&state.pool, move |conn| delete_review(conn, &actor, id)).await??;
    let flash = Flash::new(Level::Success, k("reviews.deleted"));
    Ok(redirect_with_flash(
        &state.settings,
        &reviews_url(&course.slug),
        &flash,
    ))
}

async fn helpful(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let (_, course) = call(&state.pool, move |conn| toggle_helpful(conn, &actor, id)).await??;
    Ok(crate::web::redirect(&review_url(&course.slug, id)))
}

#[derive(Debug, Default, Deserialize)]
struct ReplyFields {
    #[serde(default)]
    body: String,
}

#[derive(Debug, Default, Deserialize)]
struct HideFields {
    #[serde(default)]
    reason: String,
}

/// A reply or hiding refused for its text: the reviews page again with the
/// form open under its review, the text kept and the message beside it.
async fn answer_again(
    page: Page,
    state: &AppState,
    actor: Actor,
    id: ReviewId,
    answer: Answer,
    text: String,
    key: &'static str,
) -> Result<HttpResponse, AppError> {
    let found = call(&state.pool, move |conn| {
        let review = klearn_db::reviews::Review::find(conn, id)?;
        let slug = klearn_db::courses::Course::find(conn, review.course_id)?.slug;
        page_again(conn, &slug, &actor, Some(id))
    })
    .await??;
    let error = page.tr.t(key).to_string();
    let mut view = ReviewsView::new(page, found, parse_sort("").0, 1, REVIEWS_PER_PAGE);
    view.answer = Some(AnswerForm {
        review: id,
        answer,
        text,
        error,
    });
    html_with_status(StatusCode::UNPROCESSABLE_ENTITY, &view)
}

async fn answer_reply(
    page: Page,
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    form: web::Form<ReplyFields>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let text = form.into_inner().body;
    let (who, body) = (actor.clone(), text.clone());
    match call(&state.pool, move |conn| reply(conn, &who, id, &body)).await? {
        Ok(course) => {
            let flash = Flash::new(Level::Success, k("reviews.replied"));
            Ok(redirect_with_flash(
                &state.settings,
                &review_url(&course.slug, id),
                &flash,
            ))
        }
        Err(ReviewError::Invalid { key, .. }) => {
            answer_again(page, &state, actor, id, Answer::Reply, text, key).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn hide(
    page: Page,
    Moderator(user): Moderator,
    state: web::Data<AppState>,
    id: web::Path<ReviewId>,
    form: web::Form<HideFields>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), user.actor());
    let text = form.into_inner().reason;
    let (who, reason, services) = (actor.clone(), text.clone(), state.services.clone());
    let outcome = call(&state.pool, move |conn| {
        hide_review(conn, &services, &who, id, &reason)
    })
    .await?;
    match outcome {
        Ok(course) => {
            let flash = Flash::new(Level::Success, k("reviews.hidden_done"));
            Ok(redirect_with_flash(
                &state.settings,
                &reviews_url(&course.slug),
                &flash,
            ))
        }
        Err(ReviewError::Invalid { key, .. }) => {
            answer_again(page, &state, actor, id, Answer::Hide, text, key).await
        }
        Err(other) => Err(other.into()),
    }
}
