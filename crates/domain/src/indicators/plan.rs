//! School improvement plans, pure: an action's status, and how far a priority has come
//! from its baseline towards its target.

use crate::vocabulary::vocabulary;

vocabulary!(
    /// Where an action of a plan stands.
    ActionStatus {
        Planned => "planned" | "prévue" | "prevue",
        InProgress => "in_progress" | "en cours",
        Done => "done" | "faite" | "terminée" | "terminee",
        Dropped => "dropped" | "abandonnée" | "abandonnee",
    }
);

/// The share of the way from `baseline` to `target` that `now` has come (0 at the
/// baseline, 1 at the target, above 1 past it, below 0 when it went the other way);
/// `None` when a value is missing or the target is the baseline.
pub fn progress(baseline: Option<f64>, now: Option<f64>, target: f64) -> Option<f64> {
    let (b, n) = (baseline?, now?);
    let span = target - b;
    (span.abs() > 1e-12).then(|| (n - b) / span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_runs_from_the_baseline_to_the_target_either_way() {
        assert_eq!(progress(Some(40.0), Some(45.0), 50.0), Some(0.5));
        // A target below the baseline (fewer repeaters): coming down is progress.
        assert_eq!(progress(Some(12.0), Some(9.0), 6.0), Some(0.5));
        assert_eq!(progress(Some(40.0), Some(38.0), 50.0), Some(-0.2));
        assert_eq!(progress(None, Some(38.0), 50.0), None);
        assert_eq!(progress(Some(50.0), Some(50.0), 50.0), None);
    }

    #[test]
    fn statuses_read_their_french_names() {
        assert_eq!(ActionStatus::parse("En cours"), Ok(ActionStatus::InProgress));
        assert_eq!(ActionStatus::parse("done").map(ActionStatus::key), Ok("done"));
        assert!(ActionStatus::parse("later").is_err());
    }
}
