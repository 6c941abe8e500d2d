//! `GET /`.

use actix_web::{web, HttpResponse};
use klearn_db::catalogue::CatalogueSort;
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::Course;

use crate::catalog::routes::with_covers;
use crate::experts::ranking::RankingCache;
use crate::forum::pages::active_threads;
use crate::home::views::HomeView;
use crate::web::{self as plumbing, AppError, AppState, Page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)));
}

/// How many of the forum's active threads the home page shows.
const ACTIVE_THREADS: i64 = 6;

async fn home(
    page: Page,
    state: web::Data<AppState>,
    rankings: web::Data<RankingCache>,
) -> Result<HttpResponse, AppError> {
    let lang = page.lang();
    let (course_categories, featured, newest, popular, experts, threads) =
        plumbing::db(&state.pool, move |conn| {
            let featured = Course::featured(conn, 4)?;
            let newest = Course::top(conn, CatalogueSort::Newest, 4)?;
            let popular = Course::top(conn, CatalogueSort::Popular, 4)?;
            Ok((
                Category::list(conn, COURSE)?,
                with_covers(conn, featured)?,
                with_covers(conn, newest)?,
                with_covers(conn, popular)?,
                crate::experts::top(conn, &rankings, 4)?,
                active_threads(conn, ACTIVE_THREADS, lang)?,
            ))
        })
        .await?;
    plumbing::html(&HomeView {
        page,
        course_categories,
        featured,
        newest,
        popular,
        experts,
        threads,
    })
}
