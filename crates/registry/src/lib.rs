//! The registry every other area stands on: administrative units (one tree per country,
//! levels named per country), schools, people and the positions they hold over time,
//! clusters of schools, subjects; the registry's four kinds of import file and its
//! exports in the same columns.
//!
//! - [`model`]: its request and answer shapes.
//! - [`store`]: all its SQL, scoped and audited, and the import and export of its files.
//! - [`web`]: its pages and `/api/v1` routes, as an `opencpd_http::Area`.
//! - [`cli`]: `opencpd export` and `opencpd levels`.
//!
//! Its pure rules (codes, sexes, levels, dates, a row of each file) are
//! `opencpd_domain::registry` and `opencpd_domain::import`.

pub mod cli;
pub mod model;
pub mod store;
pub mod web;
