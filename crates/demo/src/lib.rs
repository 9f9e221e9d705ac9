//! The demo: one deterministic data set over every area, built on the real units of
//! Rwanda and Cameroon. The same seed gives the same database, row for row.
//!
//! - [`registry`]: units, schools, people, positions and the demo accounts (the base every
//!   other part stands on), and the lesson-observation form.
//! - [`delivery`]: programmes, courses, cohorts, attendance, grades and certificates.
//! - [`outreach`]: events, resources delivered to schools, awards (called by `delivery`,
//!   beside the programme they serve).
//! - [`evaluation`]: Rwanda's schools drawn into arms, with learner outcomes carrying a
//!   known effect.
//! - [`kirkpatrick`]: the small demo programme's satisfaction surveys, pre- and post-tests
//!   and observations of practice, so its funnel shows every level.
//! - [`peer`]: PLCs with meetings and action points, and a coaching cascade with visits.
//! - [`plans`]: school improvement plans at four schools of Gitega, one in each state of
//!   their sign-off.
//!
//! [`full`] builds them all in order, as `opencpd demo` does. Each area's records are
//! written through that area's own functions, so the demo passes the checks a user's
//! input passes.

pub mod delivery;
pub mod evaluation;
pub mod kirkpatrick;
pub mod outreach;
pub mod peer;
pub mod plans;
pub mod registry;

pub use opencpd_instruments::sample::lesson_observation_xlsform;
pub use registry::{DemoAccount, DemoConfig, DemoSummary, Scale, build};

use opencpd_kernel::{Db, Result};

/// What [`full`] built, part by part.
#[derive(Debug, Clone)]
pub struct Full {
    pub registry: DemoSummary,
    pub delivery: delivery::DeliverySummary,
    pub evaluation: evaluation::EvaluationDemo,
    pub funnel: kirkpatrick::FunnelDemo,
    pub peer: peer::PeerDemo,
    pub plans: plans::PlansDemo,
}

/// Builds every part of the demo at the configured scale: the registry, delivery (and
/// outreach), the evaluation and the small programme's funnel, peer learning and coaching, then improvement plans. `progress` hears the stage, the rows done and the rows
/// expected (0 when unknown).
pub async fn full(db: &Db, config: &DemoConfig, progress: &(dyn Fn(&str, u64, u64) + Sync)) -> Result<Full> {
    let registry = build(db, config, progress).await?;
    let delivery = match config.scale {
        Scale::Small => delivery::build(db, config.seed).await?,
        Scale::National => delivery::build_national(db, config.seed, &|what, n| progress(what, n, 0)).await?,
    };
    let evaluation = evaluation::build(db, config.seed, &|what, n| progress(what, n, 0)).await?;
    let funnel = kirkpatrick::build(db, config.seed).await?;
    let national = config.scale == Scale::National;
    let peer = peer::build(db, config.seed, national, &|what, n| progress(what, n, 0)).await?;
    let mut registry = registry;
    registry.accounts.extend(peer.accounts.iter().cloned());
    progress("improvement plans", 0, 0);
    let plans = plans::build(db).await?;
    Ok(Full { registry, delivery, evaluation, funnel, peer, plans })
}
