//! `GET /courses/{slug}/cover.svg` and `GET /courses/{slug}/cover.png`: the
//! cover drawn for a course (for cards and landing pages without an uploaded
//! cover, and for link previews), seen by whoever may see the course's
//! landing page, with a strong ETag.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use klearn_db::categories::Category;
use klearn_db::courses::{Course, CourseState};
use klearn_db::{DbConnection, DbError};

use crate::domain::actor::Actor;
use crate::domain::cover::{Cover, CoverCategory};
use crate::learn::access::{may_see_course, Standing};
use crate::web::auth::current_user;
use crate::web::{self as plumbing, AppError, AppState};

/// Where a course's drawn cover is. The version changes with the course's
/// texts and settings, so that a browser keeping the old one asks again.
pub fn svg_url(slug: &str, updated_at: &NaiveDateTime) -> String {
    format!("/courses/{slug}/cover.svg?v={}", updated_at.and_utc().timestamp())
}

/// Where a course's drawn cover is as PNG, for link previews.
pub fn png_url(slug: &str, updated_at: &NaiveDateTime) -> String {
    format!("/courses/{slug}/cover.png?v={}", updated_at.and_utc().timestamp())
}

/// A course's cover, and whether anyone may see it (a published course).
struct Drawn {
    cover: Cover,
    public: bool,
}

impl Drawn {
    /// The landing page's rule: an unpublished course is hidden (404) but
    /// from its owner, moderators and its learners.
    fn load(conn: &mut DbConnection, slug: &str, viewer: Option<&Actor>) -> Result<Drawn, DbError> {
        let course = Course::find_by_slug(conn, slug)?;
        let standing = Standing::of(conn, &course, viewer)?;
        if !may_see_course(&course, standing) {
            return Err(DbError::NotFound);
        }
        let category = match course.category_id {
            Some(id) => Some(Category::find(conn, id)?),
            None => None,
        };
        let tags = Course::tags(conn, course.id)?;
        let cover = Cover::for_course(
            course.id,
            &course.title,
            &tags,
            category.as_ref().map(|c| CoverCategory {
                slug: &c.slug,
                name_zh: &c.name_zh,
                name_en: &c.name_en,
            }),
        );
        Ok(Drawn {
            cover,
            public: course.state == CourseState::Published,
        })
    }
}

async fn load(req: &HttpRequest, state: &AppState, slug: String) -> Result<Drawn, AppError> {
    let viewer = current_user(req).map(|u| u.actor());
    plumbing::db(&state.pool, move |conn| Drawn::load(conn, &slug, viewer.as_ref())).await
}

pub async fn svg(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let drawn = load(&req, &state, slug.into_inner()).await?;
    let etag = drawn.cover.svg_etag();
    if let Some(unchanged) = not_modified(&req, &etag, drawn.public) {
        return Ok(unchanged);
    }
    Ok(image(&etag, drawn.public)
        .content_type("image/svg+xml")
        .body(drawn.cover.svg()))
}

pub async fn png(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let drawn = load(&req, &state, slug.into_inner()).await?;
    let etag = drawn.cover.png_etag();
    if let Some(unchanged) = not_modified(&req, &etag, drawn.public) {
        return Ok(unchanged);
    }
    // Drawing a million pixels is work for a blocking thread.
    let cover = drawn.cover;
    let bytes = web::block(move || cover.png())
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("drawing a cover: {e}")))?
        .map_err(AppError::internal)?;
    Ok(image(&etag, drawn.public).content_type("image/png").body(bytes))
}

/// A published course's cover may be kept by browsers and shared caches for
/// a day (its URL changes with the course); another's only by the viewer's
/// browser, which asks again each time.
fn image(etag: &str, public: bool) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::ETAG, etag.to_string()))
        .insert_header((
            header::CACHE_CONTROL,
            if public {
                "public, max-age=86400"
            } else {
                "private, no-cache"
            },
        ));
    res
}

/// 304 when the browser's copy is the current one.
fn not_modified(req: &HttpRequest, etag: &str, public: bool) -> Option<HttpResponse> {
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    matches.then(|| {
        let mut res = image(etag, public);
        res.status(actix_web::http::StatusCode::NOT_MODIFIED);
        res.finish()
    })
}
