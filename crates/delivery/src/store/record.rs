//! Each person's CPD record across programmes: the courses they took, hours and credits per
//! year (credited in the year a course is completed), certificates, and how they stand
//! against the threshold set for their role. Readable as the person is (registry rules):
//! a teacher reads their own, a head teacher their staff's, an officer those in scope.

use super::certificates;
use super::{collect, fail_if_any, may, placements};
use chrono::{Datelike, NaiveDate};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::registry::PositionRole;
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{BelowThreshold, CpdRecord, NextSession, RecordCourse, StaffCpd, Threshold, YearTotal};

opencpd_kernel::from_row! {
    RecordCourse { enrolment_id, cohort_code, course_code, course_title, programme_code, hours, credits, start_date, attendance_pct, final_grade, completed_on }
    Threshold { role, hours_per_year, credits_per_year }
    BelowThreshold { person_id, staff_number, given_name, family_name, role, hours, credits, hours_per_year, credits_per_year }
    NextSession { session_id, held_on, title, venue, cohort_id, cohort_code, course_title }
    StaffCpd { person_id, given_name, family_name, role, hours, credits, hours_per_year, credits_per_year }
}

/// A person's CPD record, when the actor may read the person.
pub async fn record(db: &Db, actor: &Actor, person_id: i64, year: i32) -> Result<CpdRecord> {
    let places = placements(db, &[person_id]).await?;
    let place = places.get(&person_id).ok_or(Error::NotFound)?;
    actor.require(Action::Read, &place.target(person_id))?;
    let courses: Vec<RecordCourse> = on_db!(db, |p| sqlx::query_as(
        "SELECT e.id AS enrolment_id, h.code AS cohort_code, k.code AS course_code, k.title AS course_title, \
         g.code AS programme_code, k.hours, k.credits, h.start_date, e.attendance_pct, e.final_grade, e.completed_on \
         FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
         LEFT JOIN programmes g ON g.id = k.programme_id WHERE e.person_id = $1 ORDER BY h.start_date DESC, e.id DESC"
    )
    .bind(person_id)
    .fetch_all(p)
    .await)?;
    let mut years: Vec<YearTotal> = Vec::new();
    for c in courses.iter() {
        let Some(done) = c.completed_on else { continue };
        match years.iter_mut().find(|y| y.year == done.year()) {
            Some(y) => {
                y.hours += c.hours;
                y.credits += c.credits;
                y.courses += 1;
            }
            None => years.push(YearTotal { year: done.year(), hours: c.hours, credits: c.credits, courses: 1 }),
        }
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    let threshold = match &place.role {
        Some(role) => threshold_of(db, role).await?,
        None => None,
    };
    let this_year = years.iter().find(|y| y.year == year);
    let below = threshold.as_ref().is_some_and(|t| {
        let (h, c) = this_year.map(|y| (y.hours, y.credits)).unwrap_or((0.0, 0.0));
        h < t.hours_per_year || c < t.credits_per_year
    });
    Ok(CpdRecord {
        person_id,
        role: place.role.clone(),
        courses,
        years,
        certificates: certificates::of_person(db, person_id).await?,
        threshold,
        below_threshold: below,
    })
}

async fn threshold_of(db: &Db, role: &str) -> Result<Option<Threshold>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT role, hours_per_year, credits_per_year FROM cpd_thresholds WHERE role = $1"
    )
    .bind(role)
    .fetch_optional(p)
    .await)?)
}

pub async fn thresholds(db: &Db) -> Result<Vec<Threshold>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT role, hours_per_year, credits_per_year FROM cpd_thresholds ORDER BY role"
    )
    .fetch_all(p)
    .await)?)
}

/// Sets the yearly CPD a role must reach (deployment-wide; programme managers only).
pub async fn set_threshold(db: &Db, actor: &Actor, input: &Threshold) -> Result<Vec<Threshold>> {
    may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let role = collect(&mut problems, "role", PositionRole::parse(&input.role));
    for (col, v) in [("hours_per_year", input.hours_per_year), ("credits_per_year", input.credits_per_year)] {
        if !(v.is_finite() && (0.0..=10_000.0).contains(&v)) {
            problems.push(Problem::new("out-of-range").in_column(col).with_value(v.to_string()).arg("max", 10_000));
        }
    }
    fail_if_any(problems)?;
    let role = role.expect("checked").key();
    let before = threshold_of(db, role).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM cpd_thresholds WHERE role = $1")
        .bind(role)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO cpd_thresholds (role, hours_per_year, credits_per_year) VALUES ($1, $2, $3)"
    )
    .bind(role)
    .bind(input.hours_per_year)
    .bind(input.credits_per_year)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "cpd_threshold",
        role,
        &format!("CPD threshold of {role}"),
        before.as_ref(),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    thresholds(db).await
}

/// Everyone holding a thresholded role today in a unit (and below) whose CPD completed in
/// `year` is below the threshold, by name.
pub async fn below_threshold(db: &Db, actor: &Actor, unit_id: i64, year: i32) -> Result<Vec<BelowThreshold>> {
    let unit = opencpd_registry::store::unit(db, actor, unit_id).await?;
    actor.require(Action::Read, &Target::Unit { path: &unit.path })?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Problem::new("bad-year").in_column("year").with_value(year.to_string()))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year's last day");
    let rows: Vec<BelowThreshold> = on_db!(db, |p| sqlx::query_as(
        "SELECT p.id AS person_id, p.staff_number, p.given_name, p.family_name, x.role, \
         COALESCE(d.hours, 0.0) AS hours, COALESCE(d.credits, 0.0) AS credits, t.hours_per_year, t.credits_per_year \
         FROM positions x JOIN cpd_thresholds t ON t.role = x.role JOIN people p ON p.id = x.person_id \
         LEFT JOIN (SELECT e.person_id, SUM(k.hours) AS hours, SUM(k.credits) AS credits FROM enrolments e \
                    JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                    WHERE e.completed_on >= $3 AND e.completed_on <= $4 GROUP BY e.person_id) d ON d.person_id = p.id \
         WHERE x.path >= $1 AND x.path < $2 AND x.start_date <= $5 AND (x.end_date IS NULL OR x.end_date >= $5) \
         AND (COALESCE(d.hours, 0.0) < t.hours_per_year OR COALESCE(d.credits, 0.0) < t.credits_per_year) \
         ORDER BY p.family_name, p.given_name, p.id LIMIT 1000"
    )
    .bind(&unit.path)
    .bind(upper_bound(&unit.path))
    .bind(from)
    .bind(to)
    .bind(opencpd_kernel::today())
    .fetch_all(p)
    .await)?;
    Ok(rows)
}

/// The sessions from `from` on of the cohorts `person_id` is enrolled in and has not left,
/// soonest first, at most `limit`; readable as the person is.
pub async fn next_sessions(
    db: &Db,
    actor: &Actor,
    person_id: i64,
    from: NaiveDate,
    limit: i64,
) -> Result<Vec<NextSession>> {
    let places = placements(db, &[person_id]).await?;
    let place = places.get(&person_id).ok_or(Error::NotFound)?;
    actor.require(Action::Read, &place.target(person_id))?;
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT s.id AS session_id, s.held_on, s.title, s.venue, h.id AS cohort_id, h.code AS cohort_code, \
         k.title AS course_title FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
         JOIN courses k ON k.id = h.course_id JOIN sessions_held s ON s.cohort_id = h.id \
         WHERE e.person_id = $1 AND e.withdrawn_on IS NULL AND s.held_on >= $2 \
         ORDER BY s.held_on, s.id LIMIT $3"
    )
    .bind(person_id)
    .bind(from)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

impl StaffCpd {
    /// Whether this year's hours or credits fall short of the role's threshold.
    pub fn below(&self) -> bool {
        self.hours_per_year.is_some_and(|h| self.hours < h) || self.credits_per_year.is_some_and(|c| self.credits < c)
    }
}

/// The staff of a school today (one row a person, their first role there) with the hours and
/// credits of the CPD they completed in `year`, those below their threshold first; for
/// whoever may read the school.
pub async fn school_staff_cpd(db: &Db, actor: &Actor, school_id: i64, year: i32) -> Result<Vec<StaffCpd>> {
    opencpd_registry::store::school(db, actor, school_id).await?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Problem::new("bad-year").in_column("year").with_value(year.to_string()))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("a year's last day");
    let today = opencpd_kernel::today();
    let rows: Vec<StaffCpd> = on_db!(db, |p| sqlx::query_as(
        "SELECT p.id AS person_id, p.given_name, p.family_name, MIN(x.role) AS role, \
         COALESCE(MAX(d.hours), 0.0) AS hours, COALESCE(MAX(d.credits), 0.0) AS credits, \
         MAX(t.hours_per_year) AS hours_per_year, MAX(t.credits_per_year) AS credits_per_year \
         FROM positions x JOIN people p ON p.id = x.person_id LEFT JOIN cpd_thresholds t ON t.role = x.role \
         LEFT JOIN (SELECT e.person_id, SUM(k.hours) AS hours, SUM(k.credits) AS credits FROM enrolments e \
                    JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                    WHERE e.completed_on >= $2 AND e.completed_on <= $3 GROUP BY e.person_id) d ON d.person_id = p.id \
         WHERE x.school_id = $1 AND x.start_date <= $4 AND (x.end_date IS NULL OR x.end_date >= $4) \
         GROUP BY p.id, p.given_name, p.family_name ORDER BY p.family_name, p.given_name, p.id"
    )
    .bind(school_id)
    .bind(from)
    .bind(to)
    .bind(today)
    .fetch_all(p)
    .await)?;
    let mut rows = rows;
    rows.sort_by_key(|r| !r.below());
    Ok(rows)
}
