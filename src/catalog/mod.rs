//! The catalogue's pages: course landing pages and enrolling in free courses.

pub mod routes;
pub mod views;
