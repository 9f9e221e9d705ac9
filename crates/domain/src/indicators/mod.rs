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
