//! Stratified random assignment of units (schools or people) to arms, reproducible from a
//! recorded seed.
//!
//! Strata are taken in the order of their names, and within a stratum units in the order
//! of their ids, so the input's order never matters. Each stratum's units are shuffled
//! (Fisher–Yates, [`super::rng`]) and dealt to arms: every arm first gets the whole part of
//! its share (n · ratio / total), then the units left over go one each to the arms whose
//! shares have been rounded down most so far, over all strata taken in order (ties broken
//! at random). So within a stratum every arm is within one unit of its share, and over the
//! whole list too; with equal ratios, arms differ by at most one unit in every stratum.
//!
//! The seed is the record: the same units, strata, ratios and seed give the same
//! assignment, on any machine.

use super::rng::Seeded;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// A unit to assign and the stratum it is drawn in (district, school level, or "" for
/// none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub unit: i64,
    pub stratum: String,
}

/// An arm and its weight in the draw (1:1:1:1 for four equal arms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmRatio {
    pub arm: String,
    pub ratio: u32,
}

/// One unit's arm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assigned {
    pub unit: i64,
    pub stratum: String,
    /// Index into the arms given.
    pub arm: usize,
}

/// Why a draw is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    #[error("no arms to assign units to")]
    NoArms,
    #[error("arm '{0}' has a ratio of zero: every arm needs a positive share")]
    ZeroRatio(String),
    #[error("arm '{0}' is listed twice")]
    DuplicateArm(String),
    #[error("unit {0} is listed twice")]
    DuplicateUnit(i64),
    #[error("no units to assign")]
    NoUnits,
}

/// Assigns every candidate to an arm. The answer is in ascending unit order.
pub fn assign(candidates: &[Candidate], arms: &[ArmRatio], seed: u64) -> Result<Vec<Assigned>, AssignError> {
    if arms.is_empty() {
        return Err(AssignError::NoArms);
    }
    let mut names = HashSet::new();
    for a in arms {
        if a.ratio == 0 {
            return Err(AssignError::ZeroRatio(a.arm.clone()));
        }
        if !names.insert(a.arm.as_str()) {
            return Err(AssignError::DuplicateArm(a.arm.clone()));
        }
    }
    if candidates.is_empty() {
        return Err(AssignError::NoUnits);
    }
    let mut seen = HashSet::new();
    let mut strata: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for c in candidates {
        if !seen.insert(c.unit) {
            return Err(AssignError::DuplicateUnit(c.unit));
        }
        strata.entry(c.stratum.as_str()).or_default().push(c.unit);
    }

    let total: u64 = arms.iter().map(|a| u64::from(a.ratio)).sum();
    let mut rng = Seeded::new(seed);
    // What each arm is owed so far (its exact share less what it got), in units times
    // `total`, so exact; negative when it got more.
    let mut owed = vec![0i64; arms.len()];
    let mut out = Vec::with_capacity(candidates.len());
    for (stratum, units) in strata.iter_mut() {
        units.sort_unstable();
        rng.shuffle(units);
        let n = units.len() as u64;
        let mut counts: Vec<u64> = Vec::with_capacity(arms.len());
        for (a, arm) in arms.iter().enumerate() {
            let share = n * u64::from(arm.ratio);
            counts.push(share / total);
            owed[a] += (share % total) as i64;
        }
        let left = n - counts.iter().sum::<u64>();
        // The arms owed most take the units left over; a random order settles ties.
        let mut order: Vec<usize> = (0..arms.len()).collect();
        rng.shuffle(&mut order);
        order.sort_by(|&a, &b| owed[b].cmp(&owed[a]));
        for &a in order.iter().take(left as usize) {
            counts[a] += 1;
            owed[a] -= total as i64;
        }
        let mut dealt = units.iter();
        for (a, &count) in counts.iter().enumerate() {
            for unit in dealt.by_ref().take(count as usize) {
                out.push(Assigned { unit: *unit, stratum: (*stratum).to_string(), arm: a });
            }
        }
    }
    out.sort_by_key(|a| a.unit);
    Ok(out)
}
