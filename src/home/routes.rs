//! `GET /`.

use actix_web::{web, HttpResponse};
use klearn_db::catalogue::CatalogueSort;
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::{Course, CourseCard};
use klearn_db::{DbConnection, DbError, Pool};

use crate::catalog::routes::with_covers;
use crate::experts::ranking::RankingCache;
use crate::experts::ExpertCard;
use crate::forum::pages::{active_threads, ThreadRow};
use crate::home::views::HomeView;
use crate::web::kept::{Kept, Weigh};
use crate::web::{self as plumbing, AppError, AppState, Page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)));
}

/// How many of the forum's active threads the home page shows.
const ACTIVE_THREADS: i64 = 6;

/// What the home page shows, as read: the same for every visitor in a
/// language, so it is kept by the site's generation (`web::kept`).
#[derive(Clone)]
pub struct HomeData {
    course_categories: Vec<Category>,
    featured: Vec<(CourseCard, Option<String>)>,
    newest: Vec<(CourseCard, Option<String>)>,
    popular: Vec<(CourseCard, Option<String>)>,
    experts: Vec<ExpertCard>,
    threads: Vec<ThreadRow>,
}

/// The home page's data per language.
pub type KeptHome = Kept<HomeData>;

impl Weigh for HomeData {
    fn weight(&self) -> usize {
        let cards = self.featured.len() + self.newest.len() + self.popular.len();
        cards * 1024 + (self.experts.len() + self.threads.len()) * 512 + self.course_categories.len() * 256
    }
}

impl HomeData {
    fn load(
        conn: &mut DbConnection,
        rankings: &web::Data<RankingCache>,
        pool: &Pool,
        lang: &str,
    ) -> Result<HomeData, DbError> {
        let featured = Course::featured(conn, 4)?;
        let newest = Course::top(conn, CatalogueSort::Newest, 4)?;
        let popular = Course::top(conn, CatalogueSort::Popular, 4)?;
        Ok(HomeData {
            course_categories: Category::list(conn, COURSE)?,
            featured: with_covers(conn, featured)?,
            newest: with_covers(conn, newest)?,
            popular: with_covers(conn, popular)?,
            experts: crate::experts::top(conn, rankings, pool, 4)?,
            threads: active_threads(conn, ACTIVE_THREADS, lang)?,
        })
    }
}

async fn home(
    page: Page,
    state: web::Data<AppState>,
    rankings: web::Data<RankingCache>,
    kept: web::Data<KeptHome>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang();
    let pool = state.pool.clone();
    let data = kept
        .read(&state, lang.to_string(), move |conn| {
            HomeData::load(conn, &rankings, &pool, lang)
        })
        .await?;
    plumbing::html(&HomeView {
        page,
        course_categories: data.course_categories,
        featured: data.featured,
        newest: data.newest,
        popular: data.popular,
        experts: data.experts,
        threads: data.threads,
    })
}
