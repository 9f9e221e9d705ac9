//! Instruments and what is collected with them: XLSForms published as versioned forms
//! (surveys, tests, observations, needs assessments, checklists), submissions about a
//! school, a person, a cohort or a session, validated and scored on arrival; their
//! summaries and exports; and field sync: the package the offline field app takes away,
//! the corrections it sends back and the conflicts a person resolves.
//!
//! - [`model`]: its request and answer shapes.
//! - [`store`]: all its SQL, scoped and audited: instruments and submissions, the intake
//!   that stores submissions arriving together, the summary, the field package and edits.
//! - [`web`]: its pages, the offline field app's files and its `/api/v1` routes, as an
//!   `opencpd_http::Area`.
//! - [`cli`]: `opencpd instrument …`, its commands; [`sample`]: a rubric to start from.
//!
//! The forms themselves (reading an XLSForm, expressions, validation, scoring) are
//! `opencpd-forms`; the field app's copy of its expression language is
//! `static/field/forms.js`.

pub mod cli;
pub mod model;
pub mod sample;
pub mod store;
pub mod web;
