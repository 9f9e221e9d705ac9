//! Grades and completion. A grade is a score on one of the course's assessments, between 0
//! and its maximum. Completion is computed, never typed: a participant completes when they
//! attended at least the course's share of the cohort's sessions, passed every assessment
//! (when the course asks it) and reached its minimum final grade (when it has one). The
//! result is cached on the enrolment (attendance share, final grade, completion date) and
//! computed again in the transaction of every change that can alter it; the rule itself,
//! and the day it was met, are `opencpd_domain::completion`'s.

use super::cohorts::cohort_for;
use super::{collect, fail_if_any};
use chrono::{DateTime, NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::completion as rules;
use opencpd_kernel::{Actor, Db, Result, Tx, audit, on_db, on_tx};
use std::collections::HashMap;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{GradeInput, GradeReport, Score};

/// The course rule applied to what each participant of the cohort did
/// (`opencpd_domain::completion`), and the figures it gives kept on the enrolments.
pub(crate) async fn recompute(tx: &mut Tx, cohort_id: i64) -> Result<u64> {
    let rule: (f64, bool, Option<f64>, i64) = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT k.min_attendance_pct, k.require_assessments_passed, k.min_final_grade, k.id \
         FROM cohorts h JOIN courses k ON k.id = h.course_id WHERE h.id = $1"
    )
    .bind(cohort_id)
    .fetch_one(&mut *c)
    .await)?;
    let (min_attendance_pct, require_assessments_passed, min_final_grade, course_id) = rule;
    let rule = rules::Rule { min_attendance_pct, require_assessments_passed, min_final_grade };
    let sessions: Vec<NaiveDate> =
        on_tx!(&mut *tx, |c| sqlx::query_scalar("SELECT held_on FROM sessions_held WHERE cohort_id = $1")
            .bind(cohort_id)
            .fetch_all(&mut *c)
            .await)?;
    let attended: Vec<(i64, NaiveDate)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT a.enrolment_id, s.held_on FROM attendance a JOIN sessions_held s ON s.id = a.session_id \
         JOIN attendance_statuses st ON st.key = a.status \
         WHERE s.cohort_id = $1 AND st.counts_present = $2"
    )
    .bind(cohort_id)
    .bind(true)
    .fetch_all(&mut *c)
    .await)?;
    let mut present: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
    for (e, day) in attended {
        present.entry(e).or_default().push(day);
    }
    let assessments: Vec<(i64, f64, f64, f64)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT id, max_score, pass_score, weight FROM assessments WHERE course_id = $1"
    )
    .bind(course_id)
    .fetch_all(&mut *c)
    .await)?;
    let assessments: Vec<rules::Assessment> = assessments
        .into_iter()
        .map(|(id, max_score, pass_score, weight)| rules::Assessment { id, max_score, pass_score, weight })
        .collect();
    let graded: Vec<(i64, i64, f64, DateTime<Utc>)> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT g.enrolment_id, g.assessment_id, g.score, g.graded_at FROM grades g \
         JOIN enrolments e ON e.id = g.enrolment_id WHERE e.cohort_id = $1"
    )
    .bind(cohort_id)
    .fetch_all(&mut *c)
    .await)?;
    let mut grades: HashMap<i64, Vec<rules::Grade>> = HashMap::new();
    for (e, assessment_id, score, at) in graded {
        grades.entry(e).or_default().push(rules::Grade { assessment_id, score, graded_on: at.date_naive() });
    }
    type Cached = (i64, Option<f64>, Option<f64>, Option<NaiveDate>);
    let enrolments: Vec<Cached> = on_tx!(&mut *tx, |c| sqlx::query_as(
        "SELECT id, attendance_pct, final_grade, completed_on FROM enrolments WHERE cohort_id = $1"
    )
    .bind(cohort_id)
    .fetch_all(&mut *c)
    .await)?;
    let mut changed = 0;
    for (id, old_pct, old_grade, old_done) in enrolments {
        let mine_present = present.get(&id).map(Vec::as_slice).unwrap_or_default();
        let mine_grades = grades.get(&id).map(Vec::as_slice).unwrap_or_default();
        let outcome = rules::evaluate(&rule, &sessions, mine_present, &assessments, mine_grades);
        let now = (outcome.attendance_pct, outcome.final_grade, outcome.completed_on);
        if now != (old_pct, old_grade, old_done) {
            on_tx!(&mut *tx, |c| sqlx::query(
                "UPDATE enrolments SET attendance_pct = $1, final_grade = $2, completed_on = $3 WHERE id = $4"
            )
            .bind(now.0)
            .bind(now.1)
            .bind(now.2)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            changed += 1;
        }
    }
    if changed > 0 {
        tx.changed(&super::reports::PARTICIPANTS, super::reports::cohort_changed(cohort_id));
    }
    Ok(changed)
}

/// Records grades on one assessment for a cohort: all or none.
pub async fn grade(db: &Db, actor: &Actor, cohort_id: i64, input: &GradeInput) -> Result<GradeReport> {
    let cohort = cohort_for(db, actor, cohort_id, Action::Facilitate).await?;
    let assessments = super::catalogue::assessments(db, cohort.course_id).await?;
    let mut problems = Vec::new();
    let assessment = assessments.iter().find(|a| a.code.eq_ignore_ascii_case(input.assessment_code.trim()));
    if assessment.is_none() {
        let allowed: Vec<&str> = assessments.iter().map(|a| a.code.as_str()).collect();
        problems.push(
            Problem::new("unknown-assessment")
                .in_column("assessment_code")
                .with_value(input.assessment_code.trim())
                .arg("allowed", if allowed.is_empty() { "-".to_string() } else { allowed.join(", ") }),
        );
    }
    let enrolled: HashMap<i64, i64> =
        on_db!(db, |p| sqlx::query_as::<_, (i64, i64)>("SELECT person_id, id FROM enrolments WHERE cohort_id = $1")
            .bind(cohort.id)
            .fetch_all(p)
            .await)?
        .into_iter()
        .collect();
    let mut rows = Vec::new();
    let mut seen = HashMap::new();
    for (i, g) in input.grades.iter().enumerate() {
        let col = |f: &str| format!("grades[{i}].{f}");
        let enrolment = match enrolled.get(&g.person_id) {
            None => {
                problems.push(
                    Problem::new("not-enrolled")
                        .in_column(col("person_id"))
                        .with_value(g.person_id.to_string())
                        .arg("cohort", &cohort.code),
                );
                None
            }
            Some(e) => {
                if let Some(first) = seen.insert(g.person_id, i) {
                    problems.push(
                        Problem::new("duplicate-mark")
                            .in_column(col("person_id"))
                            .with_value(g.person_id.to_string())
                            .arg("first", first),
                    );
                }
                Some(*e)
            }
        };
        if let Some(a) = assessment {
            let ok = collect(&mut problems, &col("score"), check_score(g.score, a.max_score));
            if let (Some(e), Some(score)) = (enrolment, ok) {
                rows.push((a.id, e, score));
            }
        }
    }
    fail_if_any(problems)?;
    let assessment = assessment.expect("checked");
    let mut tx = db.begin().await?;
    let now = Utc::now();
    for (aid, eid, score) in &rows {
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM grades WHERE assessment_id = $1 AND enrolment_id = $2")
            .bind(*aid)
            .bind(*eid)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO grades (assessment_id, enrolment_id, score, graded_at, graded_by) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(*aid)
        .bind(*eid)
        .bind(*score)
        .bind(now)
        .bind(&actor.username)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    recompute(&mut tx, cohort.id).await?;
    audit::record(
        &mut tx,
        actor,
        "grade",
        "cohort",
        &cohort.id.to_string(),
        &format!("{} grades on {} in {}", rows.len(), assessment.code, cohort.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    let completed: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND completed_on IS NOT NULL"
    )
    .bind(cohort.id)
    .fetch_one(p)
    .await)?;
    Ok(GradeReport { graded: rows.len() as u64, completed })
}

/// A score between 0 and the assessment's maximum.
pub fn check_score(score: f64, max: f64) -> std::result::Result<f64, Problem> {
    if !score.is_finite() || score < 0.0 {
        Err(Problem::new("bad-score").with_value(score.to_string()).arg("max", max))
    } else if score > max {
        Err(Problem::new("score-above-max").with_value(score.to_string()).arg("max", max))
    } else {
        Ok(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_score_above_the_maximum_is_refused_and_names_the_maximum() {
        assert_eq!(check_score(20.0, 20.0), Ok(20.0));
        let p = check_score(21.0, 20.0).unwrap_err();
        assert_eq!((p.code, p.value.as_deref()), ("score-above-max", Some("21")));
        assert_eq!(check_score(-1.0, 20.0).unwrap_err().code, "bad-score");
        assert_eq!(check_score(f64::NAN, 20.0).unwrap_err().code, "bad-score");
    }
}
