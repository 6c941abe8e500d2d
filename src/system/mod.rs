//! Routes for operators and browsers rather than people: health checks,
//! static files, robots.txt.

pub mod routes;
