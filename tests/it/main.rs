//! Klearn's integration suite: one binary that boots the real application
//! against a fresh database (SQLite, or PostgreSQL when
//! KLEARN_TEST_DATABASE_URL is set) and goes through it as a person would.

mod common;

mod accounts;
mod admin;
mod boot;
mod browser;
mod catalogue;
mod catalogue_counts;
mod checkout;
mod cli;
mod coupons;
mod courses;
mod covers;
mod earnings;
mod experts;
mod feedback;
mod forum;
mod html_check;
mod i18n;
mod jobs;
mod kept_pages;
mod learning;
mod ledgers;
mod mail;
mod notifications;
mod page_cache;
mod pages;
mod points;
mod refunds;
mod reports;
mod reviews;
mod rules;
mod sessions;
mod trust;
mod uploads;
