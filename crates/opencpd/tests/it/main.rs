//! Integration tests: the real binary, the real server on port 0, a real SQLite file and a
//! real PostgreSQL database per test, and (with `OPENCPD_SLOW_TESTS=1`) real Chromium.
//!
//! PostgreSQL tests use `OPENCPD_TEST_PG` (default
//! `postgres://postgres:postgres@127.0.0.1:5432/postgres`) to create a fresh database each;
//! set `OPENCPD_TEST_PG=off` to run on SQLite alone.

mod api;
mod audit;
mod browser;
mod cli;
mod hardening;
mod homes;
mod indicators;
mod instruments;
mod kirkpatrick;
mod lists;
mod paper;
mod peer;
mod scope;
