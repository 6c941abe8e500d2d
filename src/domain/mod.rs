//! Pure rules with no I/O, unit tested: accounts (usernames, emails,
//! passwords, roles), courses (states, prices, slugs) and experts
//! (certification steps, application fields, ranking).

pub mod account;
pub mod course;
pub mod expert;
