//! School data and the one indicator engine (issue 19).
//!
//! What this area holds: learner outcomes per school, year, term, grade, subject, sex and
//! deployment-defined group (enrolled, assessed, mean score, proficiency bands, promoted,
//! repeating, dropped out), with the grades, subjects and learner groups they refer to;
//! imported in bulk through the kernel's one import pipeline ([`store::outcomes`]) or
//! entered for one school; flow rates (UIS), gender parity and equity gaps read from them
//! by school and by unit at any level, in the reader's scope and with small cells
//! suppressed ([`store::flows`]).
//!
//! The rules themselves (the UIS formulas, the definition language) are pure and live in
//! `opencpd_domain::indicators`.

pub mod dhis2;
pub mod model;
pub mod store;
pub mod web;
