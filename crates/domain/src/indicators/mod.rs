//! School data and indicators, pure: the flow rates UNESCO's UIS defines (repetition,
//! promotion, drop-out, survival by the reconstructed cohort method), the gender parity
//! index and equity gaps ([`flows`]), and the small language indicators are defined in,
//! parsed and checked when a definition is saved ([`definition`]).
//!
//! Not here: where the counts come from (the `opencpd-indicators` crate reads them from
//! the database, in scope, and suppresses small cells through [`crate::suppression`]).

pub mod definition;
pub mod flows;
pub mod plan;

/// The records the audit trail names for writes of schools' outcome data alone (outcome
/// rows imported, from a file or DHIS2, entered on a school's page or removed; learner-level
/// records): what a figure of programmes, their participants and their costs never reads,
/// so their events leave such a figure kept (`opencpd_kernel::stamps::audited_except_and`).
pub const SCHOOL_DATA_EVENTS: &[&str] = &["outcomes", "learner_outcomes", "learner-scores"];
