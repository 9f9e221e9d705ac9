//! School improvement plans, pure: an action's status, how far a priority has come from
//! its baseline towards its target, and the sign-off workflow (draft › submitted ›
//! approved, or returned with a reason) with who may take each step.

use crate::table::Problem;
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

vocabulary!(
    /// Where a plan stands in its sign-off.
    PlanState {
        Draft => "draft" | "brouillon",
        Submitted => "submitted" | "soumis",
        Approved => "approved" | "approuvé" | "approuve",
        Returned => "returned" | "renvoyé" | "renvoye",
    }
);

vocabulary!(
    /// A step of the sign-off: the school's leader submits; an officer over the school
    /// approves, or returns with a reason.
    PlanStep {
        Submit => "submit" | "soumettre",
        Approve => "approve" | "approuver",
        Return => "return" | "renvoyer",
    }
);

/// What the one taking a step may do at the school: write its plan (its leader) and sign
/// plans off (an officer whose scope covers it). Read from `access::allows` by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub writes: bool,
    pub signs_off: bool,
}

/// Why a step or an edit is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not theirs to take (the caller answers "forbidden").
    NotYours,
    /// Not from this state (a conflict): the problem says which state it is in.
    State(Problem),
    /// The input is wrong (a return with no reason): the problem names the field.
    Invalid(Problem),
}

/// The longest reason a return may give.
pub const REASON_MAX: usize = 2000;

/// The state a step leads to, or why it is refused. The leader submits a draft or a
/// returned plan; an officer approves or returns a submitted one, a return with a reason
/// (`reason`, trimmed, 1 to 2000 characters without control characters but line breaks).
pub fn step(state: PlanState, step: PlanStep, who: Standing, reason: Option<&str>) -> Result<PlanState, Refusal> {
    let mine = match step {
        PlanStep::Submit => who.writes,
        PlanStep::Approve | PlanStep::Return => who.signs_off,
    };
    if !mine {
        return Err(Refusal::NotYours);
    }
    let from_ok = match step {
        PlanStep::Submit => matches!(state, PlanState::Draft | PlanState::Returned),
        PlanStep::Approve | PlanStep::Return => state == PlanState::Submitted,
    };
    if !from_ok {
        return Err(Refusal::State(
            Problem::new("plan-step-not-now").arg("step", step.key()).arg("state", state.key()).in_column("state"),
        ));
    }
    match step {
        PlanStep::Submit => Ok(PlanState::Submitted),
        PlanStep::Approve => Ok(PlanState::Approved),
        PlanStep::Return => {
            let reason = reason.map(str::trim).unwrap_or("");
            if reason.is_empty() {
                return Err(Refusal::Invalid(Problem::new("plan-reason-needed").in_column("reason")));
            }
            if reason.chars().count() > REASON_MAX || reason.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
                return Err(Refusal::Invalid(Problem::new("plan-bad-reason").in_column("reason")));
            }
            Ok(PlanState::Returned)
        }
    }
}

/// The state a plan is in after its leader saves a new version of it, or why the edit is
/// refused. A draft stays a draft and a returned plan becomes a draft again. A submitted
/// plan is with the officer: it is not changed under them (returned first, then edited).
/// An approved plan is carried out over the year: its review (actions' statuses and
/// review notes) is kept up to date and it stays approved; a change to what was signed
/// (priorities, targets, dates, actions, owners, the title) makes a new draft, to be
/// submitted and approved again, the approved version kept in the history.
pub fn after_edit(state: PlanState, commitments_changed: bool) -> Result<PlanState, Refusal> {
    match state {
        PlanState::Draft | PlanState::Returned => Ok(PlanState::Draft),
        PlanState::Submitted => {
            Err(Refusal::State(Problem::new("plan-under-review").arg("state", state.key()).in_column("state")))
        }
        PlanState::Approved if commitments_changed => Ok(PlanState::Draft),
        PlanState::Approved => Ok(PlanState::Approved),
    }
}

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

    const LEADER: Standing = Standing { writes: true, signs_off: false };
    const OFFICER: Standing = Standing { writes: false, signs_off: true };
    const TEACHER: Standing = Standing { writes: false, signs_off: false };

    fn column(r: Result<PlanState, Refusal>) -> (String, Option<String>) {
        match r {
            Err(Refusal::State(p)) => ("state".into(), p.column),
            Err(Refusal::Invalid(p)) => (p.code.to_string(), p.column),
            other => panic!("a refusal with a problem, not {other:?}"),
        }
    }

    #[test]
    fn the_leader_submits_and_an_officer_returns_with_a_reason_or_approves() {
        use PlanState::*;
        use PlanStep::*;
        assert_eq!(step(Draft, Submit, LEADER, None), Ok(Submitted));
        assert_eq!(step(Returned, Submit, LEADER, None), Ok(Submitted));
        assert_eq!(step(Submitted, Return, OFFICER, Some("  Targets too low ")), Ok(Returned));
        assert_eq!(step(Submitted, Approve, OFFICER, None), Ok(Approved));
        // A return says why: no reason, or a blank one, names `reason`.
        assert_eq!(
            column(step(Submitted, Return, OFFICER, None)),
            ("plan-reason-needed".into(), Some("reason".into()))
        );
        assert_eq!(column(step(Submitted, Return, OFFICER, Some(" \n "))).1, Some("reason".into()));
        let long = "x".repeat(REASON_MAX + 1);
        assert_eq!(
            column(step(Submitted, Return, OFFICER, Some(&long))),
            ("plan-bad-reason".into(), Some("reason".into()))
        );
    }

    #[test]
    fn each_step_is_its_holders_and_taken_from_its_state_only() {
        use PlanState::*;
        use PlanStep::*;
        // Who: the leader does not sign off their own plan, the officer does not submit
        // it, and a teacher does neither.
        assert_eq!(step(Submitted, Approve, LEADER, None), Err(Refusal::NotYours));
        assert_eq!(step(Submitted, Return, LEADER, Some("no")), Err(Refusal::NotYours));
        assert_eq!(step(Draft, Submit, OFFICER, None), Err(Refusal::NotYours));
        for s in PlanStep::ALL {
            assert_eq!(step(Submitted, *s, TEACHER, Some("r")), Err(Refusal::NotYours));
            assert_eq!(step(Draft, *s, TEACHER, Some("r")), Err(Refusal::NotYours));
        }
        // When: nothing is approved or returned before it is submitted, nor twice.
        for state in [Draft, Returned, Approved] {
            assert_eq!(column(step(state, Approve, OFFICER, None)).1, Some("state".into()));
            assert_eq!(column(step(state, Return, OFFICER, Some("r"))).1, Some("state".into()));
        }
        for state in [Submitted, Approved] {
            assert_eq!(column(step(state, Submit, LEADER, None)).1, Some("state".into()));
        }
        // Someone who holds both (an administrator) still follows the order.
        let both = Standing { writes: true, signs_off: true };
        assert_eq!(step(Draft, Submit, both, None), Ok(Submitted));
        assert!(step(Draft, Approve, both, None).is_err());
    }

    #[test]
    fn an_edit_makes_a_draft_but_keeps_an_approved_plan_when_only_its_review_moved() {
        use PlanState::*;
        assert_eq!(after_edit(Draft, true), Ok(Draft));
        assert_eq!(after_edit(Returned, false), Ok(Draft));
        assert_eq!(after_edit(Approved, false), Ok(Approved));
        assert_eq!(after_edit(Approved, true), Ok(Draft));
        assert_eq!(column(after_edit(Submitted, false)).1, Some("state".into()));
        assert_eq!(PlanState::parse("Approuvé"), Ok(Approved));
        assert_eq!(PlanStep::parse("return").map(PlanStep::key), Ok("return"));
    }

    #[test]
    fn statuses_read_their_french_names() {
        assert_eq!(ActionStatus::parse("En cours"), Ok(ActionStatus::InProgress));
        assert_eq!(ActionStatus::parse("done").map(ActionStatus::key), Ok("done"));
        assert!(ActionStatus::parse("later").is_err());
    }
}
