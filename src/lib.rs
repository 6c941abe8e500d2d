//! Klearn: a knowledge-paid community site for programmers, as a library so that
//! the binary and the integration tests boot exactly the same application.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod assets;
pub mod catalog;
pub mod checkout;
pub mod cli;
pub mod config;
pub mod coupons;
pub mod courses;
pub mod demo;
pub mod domain;
pub mod earnings;
pub mod experts;
pub mod feedback;
pub mod forum;
pub mod home;
pub mod i18n;
pub mod jobs;
pub mod learn;
pub mod mail;
pub mod markdown;
pub mod memory;
pub mod notifications;
pub mod points;
pub mod refunds;
pub mod reviews;
pub mod services;
pub mod studio;
pub mod system;
pub mod telemetry;
pub mod uploads;
pub mod usecase;
pub mod web;

pub use app::Application;
pub use config::Settings;
