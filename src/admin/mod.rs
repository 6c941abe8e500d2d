//! The admin shell: the dashboard (`routes`), users with their roles and
//! suspensions (`users`), the course review queue (`review`), course and
//! forum categories (`categories`), the certification pipeline (`experts`),
//! orders with their payments (`orders`), the moderation queue of flagged
//! and held posts (`reports`), the audit log (`audit`). Moderators and admins only; the use cases are the
//! areas' own.

pub mod audit;
pub mod categories;
pub mod experts;
pub mod orders;
pub mod reports;
pub mod review;
pub mod routes;
pub mod users;
pub mod views;

pub use crate::web::pager::Pager;
