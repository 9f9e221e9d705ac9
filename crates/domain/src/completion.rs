//! The completion rule of a course, pure: from a participant's attendance and grades to
//! the figures kept on the enrolment (attendance share, final grade) and the day the rule
//! was met.
//!
//! A participant completes when they attended (a status that counts as present) at least
//! the course's share of all the cohort's sessions, passed every assessment (when the
//! course asks it) and reached the minimum final grade (when it has one). Completion is
//! dated the day the rule became true, never the day marks were typed: the day of the
//! session that brought attendance to the share needed, or of the assessments needed,
//! whichever came last. An assessment is dated at the last session held on or before the
//! day it was graded (grades are typed after the session they were taken at), or the day
//! of grading when no session came before it.
//!
//! Not here: reading or writing enrolments (that is the store's).

use chrono::NaiveDate;

/// What a course asks for completion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// The share of the cohort's sessions to attend, in percent.
    pub min_attendance_pct: f64,
    /// Every assessment passed.
    pub require_assessments_passed: bool,
    /// The weighted final grade, in percent, at least this.
    pub min_final_grade: Option<f64>,
}

/// One assessment of the course.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub id: i64,
    pub max_score: f64,
    pub pass_score: f64,
    pub weight: f64,
}

/// A participant's grade on one assessment, and the day it was entered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grade {
    pub assessment_id: i64,
    pub score: f64,
    pub graded_on: NaiveDate,
}

/// What the rule makes of one participant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Share of the cohort's sessions attended, in percent to one decimal; none without
    /// sessions.
    pub attendance_pct: Option<f64>,
    /// Weighted final grade in percent to one decimal, once every assessment is graded.
    pub final_grade: Option<f64>,
    /// The day the rule was met; none while it is not.
    pub completed_on: Option<NaiveDate>,
}

/// A share in percent, to one decimal, as kept and shown.
fn percent(part: usize, whole: usize) -> f64 {
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// Applies `rule` to one participant: `sessions` are the days of all the cohort's
/// sessions, `present` the days of those they attended as present (in any order).
pub fn evaluate(
    rule: &Rule,
    sessions: &[NaiveDate],
    present: &[NaiveDate],
    assessments: &[Assessment],
    grades: &[Grade],
) -> Outcome {
    let attendance_pct = (!sessions.is_empty()).then(|| percent(present.len(), sessions.len()));
    let grade_of = |a: &Assessment| grades.iter().find(|g| g.assessment_id == a.id);
    let all_graded = assessments.iter().all(|a| grade_of(a).is_some());
    let final_grade = if assessments.is_empty() || !all_graded {
        None
    } else {
        let total_weight: f64 = assessments.iter().map(|a| a.weight).sum();
        let sum: f64 =
            assessments.iter().map(|a| grade_of(a).map_or(0.0, |g| g.score) / a.max_score * 100.0 * a.weight).sum();
        Some((sum / total_weight * 10.0).round() / 10.0)
    };
    let passed = assessments.iter().all(|a| grade_of(a).is_some_and(|g| g.score >= a.pass_score));
    let done = attendance_pct.is_some_and(|p| p >= rule.min_attendance_pct)
        && (!rule.require_assessments_passed || passed)
        && rule.min_final_grade.is_none_or(|min| final_grade.is_some_and(|g| g >= min));
    let completed_on = done.then(|| met_on(rule, sessions, present, assessments, grades)).flatten();
    Outcome { attendance_pct, final_grade, completed_on }
}

/// The day a rule known to be met became true.
fn met_on(
    rule: &Rule,
    sessions: &[NaiveDate],
    present: &[NaiveDate],
    assessments: &[Assessment],
    grades: &[Grade],
) -> Option<NaiveDate> {
    let mut attended = present.to_vec();
    attended.sort_unstable();
    // The fewest sessions that reach the share; the day of the last of them. With no
    // share to reach, the cohort's first session.
    let needed = (0..=attended.len()).find(|k| percent(*k, sessions.len()) >= rule.min_attendance_pct)?;
    let mut day = match needed {
        0 => *sessions.iter().min()?,
        k => attended[k - 1],
    };
    if rule.require_assessments_passed || rule.min_final_grade.is_some() {
        for a in assessments {
            let graded_on = grades.iter().find(|g| g.assessment_id == a.id)?.graded_on;
            let taken_on = sessions.iter().copied().filter(|s| *s <= graded_on).max().unwrap_or(graded_on);
            day = day.max(taken_on);
        }
    }
    Some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const HALF: Rule = Rule { min_attendance_pct: 50.0, require_assessments_passed: true, min_final_grade: None };

    #[test]
    fn a_cohort_marked_years_later_completes_on_the_day_the_rule_was_met() {
        // Regression: a cohort of 15–17 May 2024 marked in December 2026 was dated the day
        // of marking, so its hours counted in 2026.
        let sessions = [d("2024-05-15"), d("2024-05-16"), d("2024-05-17")];
        let quiz = Assessment { id: 1, max_score: 20.0, pass_score: 10.0, weight: 1.0 };
        let grade = Grade { assessment_id: 1, score: 15.0, graded_on: d("2026-12-04") };
        let all = evaluate(&HALF, &sessions, &sessions, &[quiz], &[grade]);
        assert_eq!(all.completed_on, Some(d("2024-05-17")), "the quiz is dated at the last session before grading");
        assert_eq!((all.attendance_pct, all.final_grade), (Some(100.0), Some(75.0)));
        let no_quiz = Rule { require_assessments_passed: false, ..HALF };
        let two = evaluate(&no_quiz, &sessions, &[d("2024-05-17"), d("2024-05-15")], &[quiz], &[]);
        assert_eq!(two.completed_on, Some(d("2024-05-17")), "two of three reach 50% on the second attended");
        let first_two = evaluate(&no_quiz, &sessions, &[d("2024-05-16"), d("2024-05-15")], &[quiz], &[]);
        assert_eq!(first_two.completed_on, Some(d("2024-05-16")));
    }

    #[test]
    fn unmet_rules_give_no_date_and_figures_still_count() {
        let sessions = [d("2025-03-04"), d("2025-03-05"), d("2025-03-06")];
        let quiz = Assessment { id: 1, max_score: 20.0, pass_score: 10.0, weight: 1.0 };
        let low = Grade { assessment_id: 1, score: 8.0, graded_on: d("2025-03-06") };
        let failed = evaluate(&HALF, &sessions, &sessions, &[quiz], &[low]);
        assert_eq!((failed.completed_on, failed.final_grade), (None, Some(40.0)));
        let once = evaluate(&HALF, &sessions, &[d("2025-03-04")], &[quiz], &[]);
        assert_eq!((once.attendance_pct, once.completed_on, once.final_grade), (Some(33.3), None, None));
        let none = evaluate(&HALF, &[], &[], &[], &[]);
        assert_eq!(none, Outcome { attendance_pct: None, final_grade: None, completed_on: None });
    }

    #[test]
    fn a_quiz_graded_mid_course_dates_at_its_session_and_a_final_grade_is_weighted() {
        let sessions = [d("2025-01-10"), d("2025-02-10"), d("2025-03-10")];
        let rule = Rule { min_attendance_pct: 0.0, require_assessments_passed: false, min_final_grade: Some(60.0) };
        let a = Assessment { id: 1, max_score: 10.0, pass_score: 5.0, weight: 1.0 };
        let b = Assessment { id: 2, max_score: 50.0, pass_score: 25.0, weight: 3.0 };
        let grades = [
            Grade { assessment_id: 1, score: 10.0, graded_on: d("2025-01-12") },
            Grade { assessment_id: 2, score: 30.0, graded_on: d("2025-02-20") },
        ];
        let o = evaluate(&rule, &sessions, &[], &[a, b], &grades);
        assert_eq!(o.final_grade, Some(70.0), "(100·1 + 60·3) / 4");
        assert_eq!(o.completed_on, Some(d("2025-02-10")), "the second quiz, at the session before its grading");
    }
}
