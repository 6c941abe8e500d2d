//! `GET /`.

use actix_web::HttpResponse;
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::{CatalogueSort, Course};

use crate::catalog::routes::with_covers;

use crate::app::AppState;
use crate::home::views::HomeView;
use crate::web::{self, AppError, Page};

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(actix_web::web::resource("/").route(actix_web::web::get().to(home)));
}

async fn home(page: Page, state: actix_web::web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (course_categories, featured, newest, popular) = web::db(&state.pool, |conn| {
        let categories = Category::list(conn, COURSE)?;
        let featured = Course::featured(conn, 4)?;
        let featured = with_covers(conn, featured)?;
        let newest = Course::top(conn, CatalogueSort::Newest, 4)?;
        let newest = with_covers(conn, newest)?;
        let popular = Course::top(conn, CatalogueSort::Popular, 4)?;
        let popular = with_covers(conn, popular)?;
        Ok((categories, featured, newest, popular))
    })
    .await?;
    let experts = crate::experts::top(&state, 4).await?;
    web::html(&HomeView {
        page,
        course_categories,
        featured,
        newest,
        popular,
        experts,
    })
}
