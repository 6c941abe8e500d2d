//! The studio: where experts build courses (course, chapters, lessons, media),
//! send them to review, and unpublish them.

pub mod forms;
pub mod routes;
pub mod views;
