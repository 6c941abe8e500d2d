//! The studio: where experts build courses (course, chapters, lessons,
//! media), send them to review, and unpublish them. Its handlers (`routes/`)
//! call the courses area's use cases; `pages` reads what its pages show.

pub mod forms;
pub mod pages;
pub mod routes;
pub mod views;
