//! `GET /`.

use actix_web::HttpResponse;
use klearn_db::categories::{Category, COURSE};

use crate::app::AppState;
use crate::home::views::HomeView;
use crate::web::{self, AppError, Page};

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(actix_web::web::resource("/").route(actix_web::web::get().to(home)));
}

async fn home(page: Page, state: actix_web::web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let course_categories = web::db(&state.pool, |conn| Category::list(conn, COURSE)).await?;
    web::html(&HomeView {
        page,
        course_categories,
    })
}
