//! The admin shell: the dashboard, users and their roles, the course review
//! queue, categories, the audit log. Moderators and admins only.

pub mod courses;
pub mod routes;
pub mod views;

pub use crate::web::pager::Pager;
