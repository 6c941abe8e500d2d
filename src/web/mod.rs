//! Plumbing shared by every area: sessions, the signed-in user and role
//! guards, CSRF, request context (language, flash), page rendering, forms,
//! errors and error pages, security headers, request logs, database calls.

pub mod auth;
pub mod client_ip;
pub mod compress;
pub mod context;
pub mod csrf;
pub mod db;
pub mod error;
pub mod flash;
pub mod form;
pub mod head;
pub mod headers;
pub mod kept;
pub mod logging;
pub mod page;
pub mod page_cache;
pub mod pager;
pub mod session;
pub mod state;

pub use auth::{CurrentUser, SignedIn, Verified};
pub use db::{call, run as db};
pub use error::AppError;
pub use form::FieldErrors;
pub use page::{html, html_with_status, json_ld, redirect, redirect_with_flash, Page};
pub use state::AppState;
