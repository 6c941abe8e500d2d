//! Learning: lesson pages behind the paywall, progress (`progress`: the
//! learner's use cases), `/learn`, and the access rules that decide who may
//! see a course, a lesson or its media.

pub mod access;
pub mod progress;
pub mod routes;
pub mod views;
