//! The home page.

pub mod routes;
pub mod views;
