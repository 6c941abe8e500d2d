//! The forum's pages, one file per part: `lists` (the front page, a
//! category, a course's board), `threads` (starting a thread, a thread's
//! page, replying), `posts` (likes, accepted answers, edits, deletion,
//! revisions), `reports` (flagging a post).

mod lists;
mod posts;
mod reports;
mod threads;

use actix_web::http::StatusCode;
use actix_web::web;

use crate::forum::{refusal_message, ForumError};
use crate::i18n::Tr;
use crate::web::{AppError, FieldErrors};

/// How a post's form answers a refusal: the message with the form (next to
/// its field, or to the text for a trust level's limit or a silence) and
/// the status to answer with (422; 429 for a rate limit; 403 when
/// silenced); any other refusal is an error page.
pub(super) fn form_refusal(
    tr: &Tr,
    errors: &mut FieldErrors,
    problem: Option<ForumError>,
) -> Result<StatusCode, AppError> {
    match problem {
        Some(ForumError::Invalid { field, key }) => errors.add(tr, field, key),
        Some(ForumError::Refused { refusal }) => {
            errors.add_text("body", refusal_message(tr, refusal));
            if refusal.is_rate_limit() {
                return Ok(StatusCode::TOO_MANY_REQUESTS);
            }
        }
        Some(ForumError::Silenced { until }) => {
            let until = until.format("%Y-%m-%d %H:%M UTC").to_string();
            errors.add_text("body", tr.t1("forum.error.silenced_until", "until", until));
            return Ok(StatusCode::FORBIDDEN);
        }
        Some(other) => return Err(other.into()),
        None => {}
    }
    Ok(StatusCode::UNPROCESSABLE_ENTITY)
}

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
        .service(web::resource("/posts/{id}/report").route(web::post().to(reports::flag)))
        .service(web::resource("/posts/{id}/delete").route(web::post().to(posts::delete)))
        .service(web::resource("/posts/{id}/revisions").route(web::get().to(posts::revisions)));
}
