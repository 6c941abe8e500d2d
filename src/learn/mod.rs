//! Learning: lesson pages behind the paywall, progress (`progress`: the
//! learner's use cases), tasks and their grading (`tasks`), completion and
//! certificates (`completion`), `/learn`, and the access rules that decide
//! who may see a course, a lesson, its media or work handed in.

pub mod access;
pub mod completion;
pub mod progress;
pub mod routes;
pub mod tasks;
pub mod views;
