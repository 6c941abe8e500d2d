//! The forum's pages, one file per part: `lists` (the front page, a
//! category, a course's board), `threads` (starting a thread, a thread's
//! page, replying), `posts` (likes, accepted answers, edits, deletion,
//! revisions).

mod lists;
mod posts;
mod threads;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/forum").route(web::get().to(lists::home)))
        .service(web::resource("/forum/{category}").route(web::get().to(lists::category)))
        .service(
            web::resource("/forum/{category}/new")
                .route(web::get().to(threads::new_in_category))
                .route(web::post().to(threads::create_in_category)),
        )
        .service(web::resource("/courses/{slug}/discussions").route(web::get().to(lists::course_board)))
        .service(
            web::resource("/courses/{slug}/discussions/new")
                .route(web::get().to(threads::new_on_board))
                .route(web::post().to(threads::create_on_board)),
        )
        .service(web::resource("/t/{id}").route(web::get().to(threads::show_bare)))
        // Before `/t/{id}/{slug}`, which would take "moderate" for a slug.
        .service(web::resource("/t/{id}/moderate").route(web::post().to(threads::moderate)))
        // `POST /t/{id}/replies` shares the resource of `/t/{id}/{slug}`.
        .service(
            web::resource("/t/{id}/{slug}")
                .route(web::get().to(threads::show))
                .route(web::post().to(threads::reply)),
        )
        .service(web::resource("/posts/{id}/like").route(web::post().to(posts::like)))
        .service(web::resource("/posts/{id}/accept").route(web::post().to(posts::accept)))
        .service(
            web::resource("/posts/{id}/edit")
                .route(web::get().to(posts::edit_form))
                .route(web::post().to(posts::edit)),
        )
        .service(web::resource("/posts/{id}/delete").route(web::post().to(posts::delete)))
        .service(web::resource("/posts/{id}/revisions").route(web::get().to(posts::revisions)));
}
