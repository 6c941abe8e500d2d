//! Checkout's pages, one file per part: `cart`, `pay` (the checkout page and
//! the sandbox provider's hosted page), `orders` (history, one order, the
//! receipt), `webhook` (the provider's events).

mod cart;
pub mod orders;
mod pay;
mod webhook;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/cart").route(web::get().to(cart::page)))
        .service(web::resource("/cart/items").route(web::post().to(cart::add)))
        .service(web::resource("/cart/items/{id}/delete").route(web::post().to(cart::remove)))
        .service(
            web::resource("/checkout")
                .route(web::get().to(pay::checkout_page))
                .route(web::post().to(pay::place)),
        )
        .service(
            web::resource("/pay/sandbox/{payment_id}")
                .route(web::get().to(pay::sandbox_page))
                .route(web::post().to(pay::sandbox_settle)),
        )
        .service(web::resource("/orders").route(web::get().to(orders::list)))
        .service(web::resource("/orders/{id}").route(web::get().to(orders::show)))
        .service(web::resource("/orders/{id}/receipt").route(web::get().to(orders::receipt)))
        .service(web::resource("/webhooks/payments/{provider}").route(web::post().to(webhook::receive)));
}
