//! Pure rules with no I/O, unit tested: what a valid username, email,
//! password or role is.

pub mod account;
