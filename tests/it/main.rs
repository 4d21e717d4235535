#![expect(clippy::expect_used, reason = "tests fail loudly")]

//! One integration-test binary: every test starts the real app on a real
//! database (SQLite by default; PostgreSQL when TEST_DATABASE_URL says
//! postgres://) and talks to it over HTTP.

mod support;

mod audit;
mod auth;
mod browser;
mod catalog;
mod cli;
mod config;
mod curation;
mod db;
mod dcat;
mod files;
mod gis;
mod harvest;
mod security;
mod seed;
mod sensors;
mod snapshots;
mod sta;
mod strategy;
mod web;
mod writes;
