//! `GET /courses`, `GET /categories/{slug}`, `GET /courses/{slug}`,
//! `POST /courses/{slug}/enroll`, and the drawn covers
//! `GET /courses/{slug}/cover.svg` and `GET /courses/{slug}/cover.png`.
//! The catalogue's pages and the landing pages are read from kept data
//! (`web::kept`); the viewer's standing on a course is read per request.

use actix_web::{web, HttpRequest, HttpResponse};
use klearn_db::catalogue::{CatalogueFilter, CatalogueSort, CatalogueTotal};
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::{Audience, Course, CourseCard, Lesson, Outline};
use klearn_db::enrollments::LessonProgress;
use klearn_db::uploads::Upload;
use klearn_db::{DbConnection, DbError, LessonId, UploadId};
use serde::Deserialize;

use crate::catalog::views::{course_json_ld, CatalogueView, Choices, CourseView};
use crate::domain::actor::Actor;
use crate::domain::course::{FORMATS, LEVELS};
use crate::i18n::k;
use crate::learn::access::{may_see_course, Standing};
use crate::learn::progress::enroll as enroll_in;
use crate::reviews::pages::ReviewSummary;
use crate::web::auth::current_user;
use crate::web::flash::{Flash, Level};
use crate::web::kept::{Kept, Weigh};
use crate::web::pager::{last_page, page_number, Pager};
use crate::web::{self as plumbing, call, html, redirect_with_flash, AppError, AppState, Page, SignedIn};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/courses").route(web::get().to(catalogue)))
        .service(web::resource("/categories/{slug}").route(web::get().to(category)))
        .service(web::resource("/courses/{slug}").route(web::get().to(course)))
        .service(web::resource("/courses/{slug}/enroll").route(web::post().to(enroll)))
        .service(web::resource("/courses/{slug}/cover.svg").route(web::get().to(crate::catalog::cover::svg)))
        .service(web::resource("/courses/{slug}/cover.png").route(web::get().to(crate::catalog::cover::png)));
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
    conn: &mut DbConnection,
    cards: Vec<CourseCard>,
) -> Result<Vec<(CourseCard, Option<String>)>, DbError> {
    let ids: Vec<UploadId> = cards.iter().filter_map(|c| c.course.cover_upload_id).collect();
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

impl Choices {
    /// The filters as asked for: unknown values are dropped.
    fn from_query(query: CatalogueQuery) -> (Choices, i64) {
        let keep = |v: Option<String>, ok: &dyn Fn(&str) -> bool| v.filter(|v| ok(v)).unwrap_or_default();
        let choices = Choices {
            q: query.q.unwrap_or_default().trim().chars().take(200).collect(),
            category: query.category.unwrap_or_default(),
            level: keep(query.level, &|l| LEVELS.contains(&l)),
            format: keep(query.format, &|f| FORMATS.contains(&f)),
            price: keep(query.price, &|p| p == "free" || p == "paid"),
            sort: keep(query.sort, &|s| SORTS.iter().any(|(n, _)| *n == s)),
        };
        (choices, page_number(query.page.as_deref()))
    }

    fn sort(&self) -> CatalogueSort {
        match SORTS.iter().find(|(n, _)| *n == self.sort) {
            Some((_, s)) => *s,
            None if !self.q.is_empty() => CatalogueSort::Relevance,
            None => CatalogueSort::Popular,
        }
    }
}

/// One page of the catalogue, read in one call.
#[derive(Clone)]
pub struct CataloguePage {
    categories: Vec<Category>,
    fixed: Option<Category>,
    cards: Vec<(CourseCard, Option<String>)>,
    total: CatalogueTotal,
    shown: i64,
    /// The choices as the page understood them (an unknown category dropped).
    choices: Choices,
}

/// The catalogue's pages as read, kept by the site's generation for every
/// visitor (they hold nothing of one member's): a kept page is rendered
/// without a query.
pub type KeptCatalogue = Kept<CataloguePage>;

impl Weigh for CataloguePage {
    fn weight(&self) -> usize {
        let card = |c: &CourseCard| c.course.title.len() + c.course.subtitle.len() + 512;
        self.cards.iter().map(|(c, _)| card(c)).sum::<usize>() + self.categories.len() * 256
    }
}

impl CataloguePage {
    /// `fixed`: the category of a `/categories/{slug}` page (unknown: 404).
    /// A page past the end shows the last page.
    fn load(
        conn: &mut DbConnection,
        mut choices: Choices,
        fixed: Option<&str>,
        wanted: i64,
    ) -> Result<CataloguePage, DbError> {
        let categories = Category::list(conn, COURSE)?;
        let fixed = match fixed {
            Some(slug) => Some(
                categories
                    .iter()
                    .find(|c| c.slug == slug)
                    .cloned()
                    .ok_or(DbError::NotFound)?,
            ),
            None => None,
        };
        let wanted_slug = fixed
            .as_ref()
            .map_or(choices.category.clone(), |c| c.slug.clone());
        let category = categories.iter().find(|c| c.slug == wanted_slug);
        // A fixed category is the page's own, not a filter choice.
        choices.category = match (&fixed, category) {
            (None, Some(c)) => c.slug.clone(),
            _ => String::new(),
        };
        let filter = CatalogueFilter {
            category_id: category.map(|c| c.id),
            level: (!choices.level.is_empty()).then(|| choices.level.clone()),
            format: (!choices.format.is_empty()).then(|| choices.format.clone()),
            free: match choices.price.as_str() {
                "free" => Some(true),
                "paid" => Some(false),
                _ => None,
            },
        };
        let q = (!choices.q.is_empty()).then_some(choices.q.as_str());
        let (mut cards, total) = Course::catalogue(conn, q, &filter, choices.sort(), wanted, PER_PAGE)?;
        let shown = wanted.min(last_page(total.courses, PER_PAGE));
        if shown < wanted {
            cards = Course::catalogue(conn, q, &filter, choices.sort(), shown, PER_PAGE)?.0;
        }
        Ok(CataloguePage {
            cards: with_covers(conn, cards)?,
            categories,
            fixed,
            total,
            shown,
            choices,
        })
    }
}

async fn catalogue(
    page: Page,
    state: web::Data<AppState>,
    kept: web::Data<KeptCatalogue>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    list(page, state, kept, query.into_inner(), None).await
}

async fn category(
    page: Page,
    state: web::Data<AppState>,
    kept: web::Data<KeptCatalogue>,
    slug: web::Path<String>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, AppError> {
    list(page, state, kept, query.into_inner(), Some(slug.into_inner())).await
}

/// The catalogue, with or without a fixed category.
async fn list(
    page: Page,
    state: web::Data<AppState>,
    kept: web::Data<KeptCatalogue>,
    query: CatalogueQuery,
    fixed: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (choices, wanted) = Choices::from_query(query);
    let key = format!("{fixed:?} {choices:?} {wanted}");
    let loaded = kept
        .read(&state, key, move |conn| {
            CataloguePage::load(conn, choices, fixed.as_deref(), wanted)
        })
        .await?;
    let choices = loaded.choices;
    let pager = Pager::new(
        loaded.shown,
        PER_PAGE,
        loaded.total.courses,
        &[
            ("q", &choices.q),
            ("category", &choices.category),
            ("level", &choices.level),
            ("format", &choices.format),
            ("price", &choices.price),
            ("sort", &choices.sort),
        ],
    )
    .at_least(loaded.total.capped);
    let action = match &loaded.fixed {
        Some(c) => format!("/categories/{}", c.slug),
        None => "/courses".to_string(),
    };
    html(&CatalogueView {
        page,
        action,
        fixed_category: loaded.fixed,
        categories: loaded.categories,
        choices,
        cards: loaded.cards,
        pager,
        sorts: SORTS.iter().map(|(n, _)| *n).collect(),
    })
}

/// A course's landing page as every visitor sees it, read in one call (who
/// may see it at all, and the viewer's enrolment, progress and cart, are
/// read per request: [`LandingStanding`]).
#[derive(Clone)]
pub struct Landing {
    card: CourseCard,
    outline: Outline,
    category: Option<(String, String)>,
    tags: Vec<String>,
    cover: Option<Upload>,
    reviews: ReviewSummary,
}

/// Courses' landing pages as read, by course and language.
pub type KeptLandings = Kept<Landing>;

impl Weigh for Landing {
    fn weight(&self) -> usize {
        let course = &self.card.course;
        let lessons = self.outline.lessons().map(|l| l.title.len() + 256).sum::<usize>();
        let reviews = self
            .reviews
            .newest
            .iter()
            .map(|r| {
                let reply = r.review.reply_body.as_ref().map_or(0, String::len)
                    + r.review.reply_body_html.as_ref().map_or(0, String::len);
                r.review.title.len() + r.review.body.len() + r.review.body_html.len() + reply + 512
            })
            .sum::<usize>();
        course.title.len()
            + course.subtitle.len()
            + course.description.len()
            + course.description_html.len()
            + lessons
            + reviews
            + self.tags.len() * 32
            + 2048
    }
}

impl Landing {
    fn load(conn: &mut DbConnection, slug: &str, lang: &str) -> Result<Landing, DbError> {
        let course = Course::find_by_slug(conn, slug)?;
        let outline = Lesson::outline(conn, course.id, Audience::Learners)?;
        let category = match course.category_id {
            Some(id) => Category::list(conn, COURSE)?
                .into_iter()
                .find(|c| c.id == id)
                .map(|c| (c.slug.clone(), c.name(lang).to_string())),
            None => None,
        };
        let cover = match course.cover_upload_id {
            Some(id) => Some(Upload::find(conn, id)?),
            None => None,
        };
        Ok(Landing {
            reviews: ReviewSummary::load(conn, course.id)?,
            card: Course::card(conn, course.id)?,
            tags: Course::tags(conn, course.id)?,
            outline,
            category,
            cover,
        })
    }
}

/// What a course is to the viewer on its landing page: their standing, the
/// lesson to continue with, and whether it waits in their cart.
#[derive(Default)]
struct LandingStanding {
    standing: Standing,
    continue_lesson: Option<LessonId>,
    in_cart: bool,
}

impl LandingStanding {
    /// From one call; `lessons` are the course's in reading order.
    fn load(
        conn: &mut DbConnection,
        course: &Course,
        lessons: &[LessonId],
        viewer: &Actor,
    ) -> Result<LandingStanding, DbError> {
        let standing = Standing::of(conn, course, Some(viewer))?;
        if !may_see_course(course, standing) {
            return Err(DbError::NotFound);
        }
        let continue_lesson = match viewer.user_id() {
            Some(id) if standing.enrolled => {
                let progress = LessonProgress::for_course(conn, id, course.id)?;
                let done = |l: LessonId| {
                    progress
                        .iter()
                        .any(|p| p.lesson_id == l && p.completed_at.is_some())
                };
                lessons
                    .iter()
                    .copied()
                    .find(|l| !done(*l))
                    .or(lessons.first().copied())
            }
            _ => None,
        };
        let in_cart = match viewer.user_id() {
            Some(id) if !standing.enrolled => klearn_db::orders::Cart::contains(conn, id, course.id)?,
            _ => false,
        };
        Ok(LandingStanding {
            standing,
            continue_lesson,
            in_cart,
        })
    }
}

/// A course's landing page: what everyone sees is kept (`web::kept`); a
/// signed-in viewer's standing is read in one call, a guest's needs none.
async fn course(
    page: Page,
    req: HttpRequest,
    state: web::Data<AppState>,
    kept: web::Data<KeptLandings>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let viewer = current_user(&req).map(|u| u.actor());
    let lang = page.lang();
    let landing = kept
        .read(&state, format!("{slug} {lang}"), move |conn| {
            Landing::load(conn, &slug, lang)
        })
        .await?;
    let mine = match viewer {
        Some(viewer) => {
            let course = landing.card.course.clone();
            let lessons: Vec<LessonId> = landing.outline.lessons().map(|l| l.id).collect();
            plumbing::db(&state.pool, move |conn| {
                LandingStanding::load(conn, &course, &lessons, &viewer)
            })
            .await?
        }
        None if may_see_course(&landing.card.course, Standing::default()) => LandingStanding::default(),
        None => return Err(AppError::NotFound),
    };
    let json_ld = course_json_ld(&landing.card, &page.canonical_url(), page.lang());
    html(&CourseView {
        page,
        card: landing.card,
        outline: landing.outline,
        category: landing.category,
        tags: landing.tags,
        cover_url: landing.cover.as_ref().map(crate::uploads::media_url),
        enrolled: mine.standing.enrolled,
        staff: mine.standing.staff(),
        continue_lesson: mine.continue_lesson,
        in_cart: mine.in_cart,
        payments_ready: state.settings.payments.is_some(),
        json_ld,
        stats: landing.reviews.stats,
        reviews: landing.reviews.newest,
    })
}

async fn enroll(
    SignedIn(user): SignedIn,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let slug = slug.into_inner();
    let location = format!("/courses/{slug}");
    let actor = user.actor();
    let flash = match call(&state.pool, move |conn| enroll_in(conn, &actor, &slug)).await? {
        Ok(true) => Flash::new(Level::Success, k("courses.enrolled")),
        Ok(false) => Flash::new(Level::Info, k("courses.already_enrolled")),
        // A paid course is bought at checkout, never enrolled in for free.
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&state.settings, &location, &flash))
}
