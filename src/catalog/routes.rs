//! `GET /courses/{slug}` and `POST /courses/{slug}/enroll`.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::categories::Category;
use klearn_db::courses::{Course, Lesson, PUBLISHED};
use klearn_db::enrollments::{self, Enrollment, LessonProgress};
use klearn_db::uploads::Upload;
use klearn_db::DbError;

use crate::app::AppState;
use crate::catalog::views::{course_json_ld, CatalogueView, Choices, CourseView};
use crate::domain::course::{FORMATS, LEVELS};
use crate::i18n::k;
use crate::learn::access::{may_see_course, Standing};
use crate::web::auth::current_user;
use crate::web::flash::{Flash, Level};
use crate::web::pager::Pager;
use crate::web::{self as plumbing, html, redirect_with_flash, AppError, Page, SignedIn};
use klearn_db::categories::COURSE;
use klearn_db::courses::{CatalogueFilter, CatalogueSort, CourseCard};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses").route(web::get().to(catalogue)))
        .service(web::resource("/categories/{slug}").route(web::get().to(category)))
        .service(web::resource("/courses/{slug}").route(web::get().to(course)))
        .service(web::resource("/courses/{slug}/enroll").route(web::post().to(enroll)));
}

/// Courses per catalogue page.
const PER_PAGE: i64 = 24;

#[derive(Debug, Default, Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
    category: Option<String>,
    level: Option<String>,
    format: Option<String>,
    price: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

const SORTS: [(&str, CatalogueSort); 5] = [
    ("popular", CatalogueSort::Popular),
    ("newest", CatalogueSort::Newest),
    ("rating", CatalogueSort::Rating),
    ("price_asc", CatalogueSort::PriceAsc),
    ("price_desc", CatalogueSort::PriceDesc),
];

/// Covers of a list of cards, in one query.
pub fn with_covers(
    conn: &mut klearn_db::DbConnection,
    cards: Vec<CourseCard>,
) -> Result<Vec<(CourseCard, Option<String>)>, DbError> {
    let ids: Vec<i64> = cards.iter().filter_map(|c| c.course.cover_upload_id).collect();
    let covers = Upload::find_many(conn, &ids)?;
    Ok(cards
        .into_iter()
        .map(|card| {
            let cover = card
                .course
                .cover_upload_id
                .and_then(|id| covers.iter().find(|u| u.id == id))
                .map(crate::uploads::media_url);
            (card, cover)
        })
        .collect())
}

async fn catalogue(
    page: Page,
    state: web::Data<AppState>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    list(page, state, query.into_inner(), None).await
}

async fn category(
    page: Page,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let found = plumbing::db(&state.pool, move |conn| {
        Ok(Category::list(conn, COURSE)?.into_iter().find(|c| c.slug == slug))
    })
    .await?;
    let category = found.ok_or(AppError::NotFound)?;
    list(page, state, query.into_inner(), Some(category)).await
}

/// The catalogue, with or without a fixed category. Unknown filter values are
/// dropped, a page past the end shows the last page.
async fn list(
    page: Page,
    state: web::Data<AppState>,
    query: CatalogueQuery,
    fixed: Option<Category>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.unwrap_or_default().trim().chars().take(200).collect();
    let level = query
        .level
        .filter(|l| LEVELS.contains(&l.as_str()))
        .unwrap_or_default();
    let format = query
        .format
        .filter(|f| FORMATS.contains(&f.as_str()))
        .unwrap_or_default();
    let price = query
        .price
        .filter(|p| p == "free" || p == "paid")
        .unwrap_or_default();
    let sort_name = query
        .sort
        .filter(|s| SORTS.iter().any(|(n, _)| n == s))
        .unwrap_or_default();
    let sort = match SORTS.iter().find(|(n, _)| *n == sort_name) {
        Some((_, s)) => *s,
        None if !q.is_empty() => CatalogueSort::Relevance,
        None => CatalogueSort::Popular,
    };
    let wanted = crate::web::pager::page_number(query.page.as_deref());
    let wanted_category = match &fixed {
        Some(c) => Some(c.slug.clone()),
        None => query.category.filter(|c| !c.is_empty()),
    };
    let (search, lvl, fmt, prc) = (q.clone(), level.clone(), format.clone(), price.clone());
    let (categories, cards, total, page_shown, category_slug) = plumbing::db(&state.pool, move |conn| {
        let categories = Category::list(conn, COURSE)?;
        let category = wanted_category.and_then(|slug| categories.iter().find(|c| c.slug == slug).cloned());
        let filter = CatalogueFilter {
            category_id: category.as_ref().map(|c| c.id),
            level: (!lvl.is_empty()).then_some(lvl),
            format: (!fmt.is_empty()).then_some(fmt),
            free: match prc.as_str() {
                "free" => Some(true),
                "paid" => Some(false),
                _ => None,
            },
        };
        let q = (!search.is_empty()).then_some(search.as_str());
        let (mut cards, total) = Course::catalogue(conn, q, &filter, sort, wanted, PER_PAGE)?;
        let last = crate::web::pager::last_page(total, PER_PAGE);
        let mut shown = wanted;
        if wanted > last {
            shown = last;
            cards = Course::catalogue(conn, q, &filter, sort, last, PER_PAGE)?.0;
        }
        let cards = with_covers(conn, cards)?;
        Ok((categories, cards, total, shown, category.map(|c| c.slug)))
    })
    .await?;
    let choices = Choices {
        q,
        category: if fixed.is_some() {
            String::new()
        } else {
            category_slug.unwrap_or_default()
        },
        level,
        format,
        price,
        sort: sort_name,
    };
    let pager = Pager::new(
        page_shown,
        PER_PAGE,
        total,
        &[
            ("q", &choices.q),
            ("category", &choices.category),
            ("level", &choices.level),
            ("format", &choices.format),
            ("price", &choices.price),
            ("sort", &choices.sort),
        ],
    );
    let action = match &fixed {
        Some(c) => format!("/categories/{}", c.slug),
        None => "/courses".to_string(),
    };
    html(&CatalogueView {
        page,
        action,
        fixed_category: fixed,
        categories,
        choices,
        cards,
        pager,
        sorts: SORTS.iter().map(|(n, _)| *n).collect(),
    })
}

async fn course(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let viewer = current_user(&req);
    let lang = page.lang();
    let found = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        let standing = Standing::of(conn, &course, viewer.as_ref())?;
        if !may_see_course(&course, standing) {
            return Err(DbError::NotFound);
        }
        let card = Course::card(conn, course.id)?;
        let outline = Lesson::outline(conn, course.id, false)?;
        let category = match course.category_id {
            Some(id) => Category::list(conn, klearn_db::categories::COURSE)?
                .into_iter()
                .find(|c| c.id == id)
                .map(|c| (c.slug.clone(), c.name(lang).to_string())),
            None => None,
        };
        let tags = Course::tags(conn, course.id)?;
        let cover = match course.cover_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        let continue_lesson = match &viewer {
            Some(u) if standing.enrolled => {
                let progress = LessonProgress::for_course(conn, u.id, course.id)?;
                outline
                    .lessons()
                    .find(|l| {
                        !progress
                            .iter()
                            .any(|p| p.lesson_id == l.id && p.completed_at.is_some())
                    })
                    .or_else(|| outline.lessons().next())
                    .map(|l| l.id)
            }
            _ => None,
        };
        Ok((card, outline, category, tags, cover, standing, continue_lesson))
    })
    .await?;
    let (card, outline, category, tags, cover, standing, continue_lesson) = found;
    let json_ld = course_json_ld(&card, &page.canonical_url(), page.lang());
    html(&CourseView {
        page,
        card,
        outline,
        category,
        tags,
        cover_url: cover.as_ref().map(crate::uploads::media_url),
        enrolled: standing.enrolled,
        staff: standing.staff(),
        continue_lesson,
        payments_ready: state.settings.payments.is_some(),
        json_ld,
    })
}

async fn enroll(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let location = format!("/courses/{slug}");
    let outcome = plumbing::db(&state.pool, move |conn| {
        let course = Course::find_by_slug(conn, &slug)?;
        if course.state != PUBLISHED {
            return Err(DbError::NotFound);
        }
        if course.price_cents != 0 {
            return Ok(None);
        }
        Ok(Some(Enrollment::enroll(
            conn,
            user.id,
            course.id,
            enrollments::FREE,
        )?))
    })
    .await?;
    match outcome {
        // A paid course is bought at checkout, never enrolled in for free.
        None => Err(AppError::ForbiddenBecause("courses.paid_needs_checkout")),
        Some(true) => Ok(redirect_with_flash(
            &state.settings,
            &location,
            &Flash::new(Level::Success, k("courses.enrolled")),
        )),
        Some(false) => Ok(redirect_with_flash(
            &state.settings,
            &location,
            &Flash::new(Level::Info, k("courses.already_enrolled")),
        )),
    }
}
