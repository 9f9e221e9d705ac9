//! The minimum detectable effect of a planned cluster-randomised design (Bloom 1995, 2005).
//!
//! J clusters of n units each, a share P of the clusters treated, an intra-cluster
//! correlation ρ of the outcome, a two-sided test at level α with the given power:
//!
//! MDE = M · σ · sqrt(ρ / (P(1−P)J) + (1−ρ) / (P(1−P)J·n)),
//! M = t(1−α/2; J−2) + t(power; J−2).
//!
//! With σ = 1 the answer is in standard deviations of the outcome. The t quantiles on
//! J − 2 degrees of freedom (two arms' means estimated from J cluster means) make small
//! designs honest: with 10 clusters M is 3.0, not the 2.8 of the normal approximation.

use super::dist::t_quantile;
use serde::{Deserialize, Serialize};

/// A design to be planned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlannedDesign {
    /// J: clusters (units of assignment) in the two arms together.
    pub clusters: u32,
    /// n: units observed per cluster (teachers per school, learners per class).
    pub cluster_size: u32,
    /// ρ: intra-cluster correlation of the outcome, in [0, 1].
    pub icc: f64,
    /// P: share of the clusters treated, in (0, 1).
    pub treated_share: f64,
    /// α, two-sided; 0.05 in the usual design.
    pub alpha: f64,
    /// 1 − β; 0.8 in the usual design.
    pub power: f64,
    /// σ: the outcome's standard deviation; 1 gives the MDE in standard deviations.
    pub sd: f64,
}

impl PlannedDesign {
    /// J clusters of n, ρ, half treated, α = 0.05, power 0.8, σ = 1.
    pub fn usual(clusters: u32, cluster_size: u32, icc: f64) -> PlannedDesign {
        PlannedDesign { clusters, cluster_size, icc, treated_share: 0.5, alpha: 0.05, power: 0.8, sd: 1.0 }
    }
}

/// What makes a planned design impossible to compute.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PowerError {
    #[error("a design needs at least 4 clusters (2 per arm) to estimate an effect; {0} given")]
    TooFewClusters(u32),
    #[error("each cluster needs at least one unit observed")]
    EmptyClusters,
    #[error("the intra-cluster correlation must be between 0 and 1; {0} given")]
    Icc(f64),
    #[error("the share of clusters treated must be strictly between 0 and 1; {0} given")]
    TreatedShare(f64),
    #[error("the significance level must be strictly between 0 and 1; {0} given")]
    Alpha(f64),
    #[error("the power must be strictly between 0 and 1; {0} given")]
    Power(f64),
    #[error("the outcome's standard deviation must be positive; {0} given")]
    Sd(f64),
}

/// The minimum detectable effect of `d`, in the outcome's units (σ = 1: in SD units).
pub fn minimum_detectable_effect(d: &PlannedDesign) -> Result<f64, PowerError> {
    if d.clusters < 4 {
        return Err(PowerError::TooFewClusters(d.clusters));
    }
    if d.cluster_size == 0 {
        return Err(PowerError::EmptyClusters);
    }
    if !(0.0..=1.0).contains(&d.icc) {
        return Err(PowerError::Icc(d.icc));
    }
    if !(d.treated_share > 0.0 && d.treated_share < 1.0) {
        return Err(PowerError::TreatedShare(d.treated_share));
    }
    if !(d.alpha > 0.0 && d.alpha < 1.0) {
        return Err(PowerError::Alpha(d.alpha));
    }
    if !(d.power > 0.0 && d.power < 1.0) {
        return Err(PowerError::Power(d.power));
    }
    if !(d.sd > 0.0 && d.sd.is_finite()) {
        return Err(PowerError::Sd(d.sd));
    }
    let df = u64::from(d.clusters - 2);
    let m = t_quantile(1.0 - d.alpha / 2.0, df) + t_quantile(d.power, df);
    let pj = d.treated_share * (1.0 - d.treated_share) * f64::from(d.clusters);
    let variance = d.icc / pj + (1.0 - d.icc) / (pj * f64::from(d.cluster_size));
    Ok(m * d.sd * variance.sqrt())
}
