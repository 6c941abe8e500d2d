//! Plumbing shared by every area: request context (language, flash), page
//! rendering, errors and error pages, security headers, request logs, database calls.

pub mod context;
pub mod db;
pub mod error;
pub mod flash;
pub mod headers;
pub mod logging;
pub mod page;

pub use db::run as db;
pub use error::AppError;
pub use page::{html, html_with_status, redirect, Page};
