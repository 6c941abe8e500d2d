//! The admin shell: the dashboard, users with their roles and suspensions,
//! the course review queue, the certification pipeline, categories, the
//! audit log. Moderators and admins only.

pub mod courses;
pub mod experts;
pub mod routes;
pub mod views;

pub use crate::web::pager::Pager;
