//! Evaluation (issue #20): what CPD changes in schools, with its uncertainty. An
//! evaluation covers a place; its arms (training, coaching, both, comparison, or as the
//! deployment names them) hold the schools assigned to them, drawn by OpenCPD from a
//! recorded seed (stratified by a unit level) or recorded from the evaluators' own draw;
//! its rounds (baseline, midline, endline) each have their dates, within which the
//! observations and tests they read were collected (of the instruments they name), and a
//! year and term of the schools' learner outcomes. An impact estimate is a difference-in-differences with school and
//! round effects and standard errors clustered by school (CR1, as statsmodels computes
//! it), with the counts it rests on, its caveats in words, and with fewer than 40 schools
//! the wild cluster bootstrap interval; the event study shows the rounds before the
//! programme. The analysis data set downloads as one row per school and round.
//!
//! - [`model`]: the request and answer shapes.
//! - [`store`]: the SQL, scoped and audited.
//! - [`web`]: the pages and `/api/v1` routes, as an `opencpd_http::Area`.
//!
//! The statistics are pure, in `opencpd_domain::evaluation`.
//!
//! Decisions where the issue is silent:
//! - Units of assignment are schools (people come with the Kirkpatrick levels' data).
//! - An evaluation is read by those who read its whole place; it is set up and assigned
//!   by those who manage programmes. An assignment is made once (a second is a 409).
//! - The outcome of a school in a round is the mean score as a percent of the subject's
//!   maximum, or the percent proficient or advanced, over the grades asked, weighted by
//!   the learners assessed.
//! - The bootstrap's seed is the one asked for, else the evaluation's id: stated beside
//!   the interval, so the same page gives the same interval.

pub mod model;
pub mod store;
pub mod web;
