//! `GET /`.

use actix_web::{web, HttpResponse};
use klearn_db::catalogue::CatalogueSort;
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::Course;

use crate::catalog::routes::with_covers;
use crate::experts::ranking::RankingCache;
use crate::home::views::HomeView;
use crate::web::{self as plumbing, AppError, AppState, Page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)));
}

async fn home(
    page: Page,
    state: web::Data<AppState>,
    rankings: web::Data<RankingCache>,
) -> Result<HttpResponse, AppError> {
    let (course_categories, featured, newest, popular, experts) = plumbing::db(&state.pool, move |conn| {
        let featured = Course::featured(conn, 4)?;
        let newest = Course::top(conn, CatalogueSort::Newest, 4)?;
        let popular = Course::top(conn, CatalogueSort::Popular, 4)?;
        Ok((
            Category::list(conn, COURSE)?,
            with_covers(conn, featured)?,
            with_covers(conn, newest)?,
            with_covers(conn, popular)?,
            crate::experts::top(conn, &rankings, 4)?,
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
    })
}
