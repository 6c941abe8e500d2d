//! Pure rules with no I/O, unit tested: who acts (`actor`), accounts
//! (usernames, emails, passwords, roles), courses (states, how changes reach
//! a course, prices, slugs) and experts (certification steps, application
//! fields, ranking), the forum (fields, grace period, pages, cursors),
//! learning (answers, due dates, grades, completion, certificate codes),
//! feedback, orders (states, numbers), money (splitting a discount or
//! points to the fen, the points cap), coupons (codes, the rules of using
//! one, each item's share), refunds (eligibility, the expert's share),
//! reviews (stars, fields, rating
//! statistics), trust levels (what each level takes and may post, links and
//! mentions) and generated course covers (`cover`). Of klearn-db it uses
//! only the vocabulary in `klearn_db::types` (ids and stored states) and the
//! sorts its lists know; nothing here reads the database or knows the web.

pub mod account;
pub mod actor;
pub mod coupon;
pub mod course;
pub mod cover;
pub mod expert;
pub mod feedback;
pub mod forum;
pub mod learning;
pub mod money;
pub mod order;
pub mod refund;
pub mod review;
pub mod trust;
