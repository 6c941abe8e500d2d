//! The account pages, one file per part: `register`, `login` (and logout),
//! `verification`, `reset` (forgotten password), `settings`, `member`.

mod login;
mod member;
mod register;
mod reset;
mod settings;
mod verification;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/register")
            .route(web::get().to(register::form))
            .route(web::post().to(register::submit)),
    )
    .service(
        web::resource("/login")
            .route(web::get().to(login::form))
            .route(web::post().to(login::submit)),
    )
    .service(web::resource("/logout").route(web::post().to(login::logout)))
    .service(web::resource("/verify-email").route(web::get().to(verification::confirm)))
    .service(web::resource("/settings/verification").route(web::post().to(verification::resend)))
    .service(
        web::resource("/password/forgot")
            .route(web::get().to(reset::forgot_form))
            .route(web::post().to(reset::forgot)),
    )
    .service(
        web::resource("/password/reset")
            .route(web::get().to(reset::form))
            .route(web::post().to(reset::submit)),
    )
    .service(web::resource("/settings").route(web::get().to(settings::home)))
    .service(
        web::resource("/settings/profile")
            .route(web::get().to(settings::profile_form))
            .route(web::post().to(settings::profile)),
    )
    .service(
        web::resource("/settings/password")
            .route(web::get().to(settings::password_form))
            .route(web::post().to(settings::password)),
    )
    .service(
        web::resource("/settings/email")
            .route(web::get().to(settings::email_form))
            .route(web::post().to(settings::email)),
    )
    .service(
        web::resource("/settings/delete")
            .route(web::get().to(settings::delete_form))
            .route(web::post().to(settings::delete)),
    )
    .service(web::resource("/u/{username}").route(web::get().to(member::page)));
}
