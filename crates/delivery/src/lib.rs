//! CPD delivery, an area crate: what a programme team runs, from the programme's targets
//! to the certificate a teacher shows an employer.
//!
//! - [`model`]: its request and answer shapes.
//! - [`store`]: programmes and courses, cohorts and enrolment, sessions and attendance,
//!   grades and completion, certificates and their paper, sign-in sheets, QR check-in, the
//!   CPD record, reach and funnels; all its SQL, through the kernel.
//! - [`web`]: its pages (including the one-screen marking page for a phone and the public
//!   `/verify/{code}`) and its `/api/v1` routes with their OpenAPI part, as an
//!   `opencpd_http::Area`.
//! - [`cli`]: `opencpd delivery …`, its commands.
//!
//! Its pure rules are in `opencpd_domain` (`completion`, `suppression`, `access`); the
//! registry, instruments and outreach are read through their own crates.

pub mod cli;
pub mod model;
pub mod store;
pub mod web;
