//! `GET /`.

use actix_web::HttpResponse;
use klearn_db::categories::{Category, COURSE};
use klearn_db::courses::Course;
use klearn_db::uploads::Upload;

use crate::app::AppState;
use crate::home::views::HomeView;
use crate::web::{self, AppError, Page};

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.service(actix_web::web::resource("/").route(actix_web::web::get().to(home)));
}

async fn home(page: Page, state: actix_web::web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (course_categories, featured) = web::db(&state.pool, |conn| {
        let categories = Category::list(conn, COURSE)?;
        let featured = Course::featured(conn, 8)?;
        let covers = Upload::find_many(
            conn,
            &featured
                .iter()
                .filter_map(|c| c.course.cover_upload_id)
                .collect::<Vec<_>>(),
        )?;
        let featured = featured
            .into_iter()
            .map(|card| {
                let cover = card
                    .course
                    .cover_upload_id
                    .and_then(|id| covers.iter().find(|u| u.id == id))
                    .map(|u| format!("/media/{}", u.stored_name));
                (card, cover)
            })
            .collect();
        Ok((categories, featured))
    })
    .await?;
    web::html(&HomeView {
        page,
        course_categories,
        featured,
    })
}
