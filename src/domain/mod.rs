//! Pure rules with no I/O, unit tested: accounts (usernames, emails,
//! passwords, roles) and courses (states, prices, slugs).

pub mod account;
pub mod course;
