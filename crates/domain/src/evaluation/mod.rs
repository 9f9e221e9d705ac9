//! Evaluation of a programme's impact, pure: the statistics behind an impact report.
//!
//! - [`did`]: difference-in-differences of an outcome between arms and the comparison,
//!   with unit and round fixed effects, standard errors clustered by unit of assignment
//!   (CR1, as statsmodels computes it), t intervals on G − 1 degrees of freedom, and the
//!   event-study variant that shows pre-trends; estimates asked for with too little data
//!   are refused with the reason ([`did::Refusal`]).
//! - [`bootstrap`]: the wild cluster restricted bootstrap (Rademacher weights, a recorded
//!   seed) for designs with few clusters, its p-value and interval by test inversion.
//! - [`power`]: the minimum detectable effect of a planned cluster-randomised design.
//! - [`assign`]: stratified random assignment of units to arms, reproducible from a seed.
//! - [`needs`]: a needs assessment's weakest standards and the courses that serve them.
//! - [`gain`]: pre- and post-tests paired per person, raw and normalised (Hake) gains,
//!   attrition; a satisfaction index from answers on one scale.
//! - [`likert`]: level 1, the satisfaction index from the Likert items a survey marks,
//!   per respondent and per group, with its sample and response rate.
//!
//! Not here: where observations come from, who may read an estimate, small-cell
//! suppression of the counts shown beside it (the area crate does these), the clock.

pub mod assign;
pub mod bootstrap;
pub mod did;
pub mod dist;
pub mod gain;
pub mod likert;
mod linalg;
pub mod needs;
pub mod power;
mod rng;
