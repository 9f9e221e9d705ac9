//! Peer learning and coaching on both backends: a fresh database per test (SQLite file and
//! PostgreSQL), the store called as the pages, API and command line call it.

mod api;
mod coaching;
mod forms;
mod helpers;
mod lesson;
mod pages;
mod plcs;
mod reports;
