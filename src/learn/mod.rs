//! Learning: lesson pages behind the paywall, progress, `/learn`, and the
//! access rules that decide who may see a course, a lesson or its media.

pub mod access;
pub mod routes;
pub mod views;
