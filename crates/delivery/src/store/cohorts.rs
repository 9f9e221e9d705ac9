//! Cohorts and who is in them. A cohort runs a course at a venue unit, with a capacity and
//! facilitators; it belongs to that unit, so officers whose scope covers it manage it.
//!
//! Every way in — one person, a file of staff numbers, criteria, an approved application —
//! goes through the same checks (the person readable by the actor, not already enrolled,
//! prerequisites completed, capacity) and writes all or nothing, with its audit event.

use super::catalogue::{self, Course};
use super::{Placement, collect, fail_if_any, may, optional_text, people_by_staff_number, placements};
use chrono::Utc;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::delivery::{ApplicationStatus, Decision as Verdict, EnrolmentSource};
use opencpd_domain::registry::{self as vocab, PositionRole, Sex};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use std::collections::{HashMap, HashSet};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    Application, ApplicationInput, Cohort, CohortInput, CohortUpdate, Criteria, Decision, EnrolInput, EnrolReport,
    Enrolment, Withdrawal,
};

opencpd_kernel::from_row! {
    Cohort { id, code, name, course_id, course_code, course_title, unit_id, unit_name, unit_path, venue, start_date, end_date, capacity, enrolled, version }
    Enrolment { id, cohort_id, person_id, staff_number, given_name, family_name, sex, role, source, enrolled_at, attendance_pct, final_grade, completed_on, withdrawn_on, withdraw_reason }
    Application { id, cohort_id, person_id, given_name, family_name, status, motivation, applied_at, applied_by, decided_at, decided_by, reason }
}

impl Cohort {
    pub fn target(&self) -> Target<'_> {
        Target::Unit { path: &self.unit_path }
    }
}

const COHORT_SQL: &str = "SELECT h.id, h.code, h.name, h.course_id, k.code AS course_code, k.title AS course_title, \
     h.unit_id, u.name AS unit_name, h.unit_path, h.venue, h.start_date, h.end_date, h.capacity, \
     (SELECT COUNT(*) FROM enrolments e WHERE e.cohort_id = h.id AND e.withdrawn_on IS NULL) AS enrolled, h.version \
     FROM cohorts h JOIN courses k ON k.id = h.course_id JOIN units u ON u.id = h.unit_id";

pub(crate) async fn cohort_unchecked(db: &Db, id: i64) -> Result<Cohort> {
    let sql = format!("{COHORT_SQL} WHERE h.id = $1");
    let found: Option<Cohort> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// A cohort, when the actor's scope covers its unit.
pub async fn cohort(db: &Db, actor: &Actor, id: i64) -> Result<Cohort> {
    let c = cohort_unchecked(db, id).await?;
    actor.require(Action::Read, &c.target())?;
    Ok(c)
}

/// A cohort the actor may `action` (manage, facilitate): out of scope is "not found",
/// readable but not allowed is "forbidden".
pub(crate) async fn cohort_for(db: &Db, actor: &Actor, id: i64, action: Action) -> Result<Cohort> {
    let c = cohort_unchecked(db, id).await?;
    actor.require(Action::Read, &c.target())?;
    actor.require(action, &c.target())?;
    Ok(c)
}

/// The cohort, if the actor may manage it (enrol people in it): checked before a file of
/// enrolments is read.
pub async fn cohort_to_manage(db: &Db, actor: &Actor, id: i64) -> Result<Cohort> {
    cohort_for(db, actor, id, Action::ManageCohorts).await
}

/// The cohort, if the actor may facilitate it (mark attendance): checked before a file of
/// attendance is read.
pub async fn cohort_to_facilitate(db: &Db, actor: &Actor, id: i64) -> Result<Cohort> {
    cohort_for(db, actor, id, Action::Facilitate).await
}

pub async fn cohort_by_code(db: &Db, actor: &Actor, code: &str) -> Result<Cohort> {
    let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM cohorts WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?;
    cohort(db, actor, id.ok_or(Error::NotFound)?).await
}

/// The columns the list of cohorts sorts by (newest first unless asked otherwise).
pub const COHORT_SORTS: Sorts = &[
    ("start_date", "h.start_date"),
    ("code", "h.code"),
    ("name", "h.name"),
    ("course", "k.title"),
    ("unit", "u.name"),
];

/// The cohorts in the actor's scope, one page, searched by code or name; optionally of one
/// course. Newest first unless a sort is given.
pub async fn cohorts(db: &Db, actor: &Actor, course_id: Option<i64>, page: &Page) -> Result<Paged<Cohort>> {
    let page = match page.sort {
        None => Page { sort: Some("start_date".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    let c = page.check(COHORT_SORTS)?;
    let filter = format!(
        "WHERE ($1 IS NULL OR h.course_id = $1) AND {} \
         AND ($2 IS NULL OR LOWER(h.code) LIKE $2 ESCAPE '\\' OR LOWER(h.name) LIKE $2 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("h.unit_path"))
    );
    let count = format!(
        "SELECT COUNT(*) FROM cohorts h JOIN courses k ON k.id = h.course_id JOIN units u ON u.id = h.unit_id {filter}"
    );
    let sql = format!("{COHORT_SQL} {filter} {} LIMIT $3 OFFSET $4", c.order_by("h.id"));
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(course_id)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(course_id)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

pub async fn create_cohort(db: &Db, actor: &Actor, input: &CohortInput) -> Result<Cohort> {
    may(actor, Action::ManageCohorts)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let start = collect(&mut problems, "start_date", vocab::parse_date(&input.start_date));
    let end = collect(&mut problems, "end_date", vocab::parse_date(&input.end_date));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_date").arg("start", s));
    }
    if input.capacity <= 0 {
        problems.push(Problem::new("not-positive").in_column("capacity").with_value(input.capacity.to_string()));
    }
    let course: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
        .bind(input.course_code.trim())
        .fetch_optional(p)
        .await)?;
    if course.is_none() {
        problems.push(Problem::new("unknown-course").in_column("course_code").with_value(input.course_code.trim()));
    }
    let unit: Option<(i64, String)> = on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
        .bind(input.unit_code.trim())
        .fetch_optional(p)
        .await)?;
    match &unit {
        None => problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(input.unit_code.trim())),
        Some((_, path)) if !actor.allows(Action::ManageCohorts, &Target::Unit { path }) => {
            problems.push(Problem::new("out-of-scope").in_column("unit_code").with_value(input.unit_code.trim()))
        }
        _ => {}
    }
    let numbers: Vec<String> = input.facilitators.iter().map(|s| s.trim().to_string()).collect();
    let found = people_by_staff_number(db, &numbers).await?;
    let mut facilitators = Vec::new();
    for (i, n) in numbers.iter().enumerate() {
        match found.get(&n.to_lowercase()) {
            Some(id) => facilitators.push(*id),
            None => problems.push(Problem::new("unknown-person").in_column(format!("facilitators[{i}]")).with_value(n)),
        }
    }
    fail_if_any(problems)?;
    let (code, (unit_id, unit_path)) = (code.expect("checked"), unit.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO cohorts (code, name, course_id, unit_id, unit_path, venue, start_date, end_date, capacity, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    )
    .bind(&code)
    .bind(name.as_deref())
    .bind(course)
    .bind(unit_id)
    .bind(&unit_path)
    .bind(optional_text(&input.venue))
    .bind(start)
    .bind(end)
    .bind(input.capacity)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &code))?;
    let mut seen = HashSet::new();
    for pid in facilitators.into_iter().filter(|p| seen.insert(*p)) {
        on_tx!(&mut tx, |c| sqlx::query("INSERT INTO cohort_facilitators (cohort_id, person_id) VALUES ($1, $2)")
            .bind(id)
            .bind(pid)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "cohort",
        &id.to_string(),
        &format!("cohort {code}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    cohort(db, actor, id).await
}

/// The facilitators of a cohort, as (person id, name, staff number).
pub async fn facilitators(db: &Db, actor: &Actor, cohort: &Cohort) -> Result<Vec<(i64, String, Option<String>)>> {
    actor.require(Action::Read, &cohort.target())?;
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT p.id, p.given_name || ' ' || p.family_name, p.staff_number FROM cohort_facilitators f JOIN people p ON p.id = f.person_id \
         WHERE f.cohort_id = $1 ORDER BY p.family_name"
    )
    .bind(cohort.id)
    .fetch_all(p)
    .await
    })?)
}

/// People enrolled and not withdrawn: what capacity counts.
pub(crate) async fn active_count(db: &Db, cohort_id: i64) -> Result<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND withdrawn_on IS NULL"
    )
    .bind(cohort_id)
    .fetch_one(p)
    .await)?)
}

/// Changes a cohort's name, venue, dates, capacity and facilitators.
pub async fn update_cohort(db: &Db, actor: &Actor, id: i64, input: &CohortUpdate) -> Result<Cohort> {
    let before = cohort_for(db, actor, id, Action::ManageCohorts).await?;
    let mut problems = Vec::new();
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let start = collect(&mut problems, "start_date", vocab::parse_date(&input.start_date));
    let end = collect(&mut problems, "end_date", vocab::parse_date(&input.end_date));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_date").arg("start", s));
    }
    let active = active_count(db, id).await?;
    if input.capacity <= 0 {
        problems.push(Problem::new("not-positive").in_column("capacity").with_value(input.capacity.to_string()));
    } else if input.capacity < active {
        problems.push(
            Problem::new("capacity-below-enrolled")
                .in_column("capacity")
                .with_value(input.capacity.to_string())
                .arg("enrolled", active),
        );
    }
    let mut facilitators = None;
    if let Some(list) = &input.facilitators {
        let numbers: Vec<String> = list.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        let found = people_by_staff_number(db, &numbers).await?;
        let mut ids = Vec::new();
        for (i, n) in numbers.iter().enumerate() {
            match found.get(&n.to_lowercase()) {
                Some(id) if !ids.contains(id) => ids.push(*id),
                Some(_) => {}
                None => {
                    problems.push(Problem::new("unknown-person").in_column(format!("facilitators[{i}]")).with_value(n))
                }
            }
        }
        facilitators = Some(ids);
    }
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let updated = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE cohorts SET name = $1, venue = $2, start_date = $3, end_date = $4, capacity = $5, version = version + 1 \
         WHERE id = $6 AND version = $7"
    )
    .bind(name.as_deref())
    .bind(optional_text(&input.venue))
    .bind(start)
    .bind(end)
    .bind(input.capacity)
    .bind(id)
    .bind(input.version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if updated == 0 {
        return Err(opencpd_kernel::error::stale(input.version, before.version));
    }
    // Enrolments made since the check: capacity is checked again inside the transaction.
    let active: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND withdrawn_on IS NULL"
    )
    .bind(id)
    .fetch_one(&mut *c)
    .await)?;
    if input.capacity < active {
        return Err(Problem::new("capacity-below-enrolled")
            .in_column("capacity")
            .with_value(input.capacity.to_string())
            .arg("enrolled", active)
            .into());
    }
    if let Some(ids) = &facilitators {
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM cohort_facilitators WHERE cohort_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        for pid in ids {
            on_tx!(&mut tx, |c| sqlx::query("INSERT INTO cohort_facilitators (cohort_id, person_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*pid)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    // New dates change the years its participants were reached in.
    if start != Some(before.start_date) || end != Some(before.end_date) {
        tx.changed(&super::reports::PARTICIPANTS, super::reports::cohort_changed(id));
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "cohort",
        &id.to_string(),
        &format!("cohort {}", before.code),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    cohort(db, actor, id).await
}

/// Withdraws someone from a cohort. The enrolment stays (reach counts everyone ever
/// enrolled); the place is freed and the person no longer counts towards completion.
pub async fn withdraw(db: &Db, actor: &Actor, enrolment_id: i64, input: &Withdrawal) -> Result<Enrolment> {
    let before = enrolment_unchecked(db, enrolment_id).await?;
    let cohort = cohort_for(db, actor, before.cohort_id, Action::ManageCohorts).await?;
    let mut problems = Vec::new();
    let label = before.staff_number.clone().unwrap_or_else(|| before.person_id.to_string());
    if let Some(on) = before.withdrawn_on {
        problems.push(Problem::new("already-withdrawn").in_column("enrolment_id").with_value(&label).arg("date", on));
    }
    let today = opencpd_kernel::today();
    let on = match optional_text(&input.withdrawn_on) {
        Some(d) => collect(&mut problems, "withdrawn_on", vocab::parse_date(d)),
        None => Some(today),
    };
    if let Some(d) = on {
        let enrolled = before.enrolled_at.date_naive();
        if d < enrolled {
            problems.push(
                Problem::new("withdrawn-before-enrolment")
                    .in_column("withdrawn_on")
                    .with_value(d.to_string())
                    .arg("enrolled", enrolled),
            );
        } else if d > today {
            problems.push(Problem::new("in-future").in_column("withdrawn_on").with_value(d.to_string()));
        }
    }
    if input.reason.trim().is_empty() {
        problems.push(Problem::new("reason-required").in_column("reason"));
    }
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE enrolments SET withdrawn_on = $1, withdraw_reason = $2 WHERE id = $3 AND withdrawn_on IS NULL"
    )
    .bind(on)
    .bind(input.reason.trim())
    .bind(enrolment_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(Problem::new("already-withdrawn")
            .in_column("enrolment_id")
            .with_value(&label)
            .arg("date", today)
            .into());
    }
    tx.changed(&super::reports::PARTICIPANTS, super::reports::person_changed(before.person_id));
    audit::record(
        &mut tx,
        actor,
        "withdraw",
        "enrolment",
        &enrolment_id.to_string(),
        &format!("withdraw person {} from {}", before.person_id, cohort.code),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    enrolment_unchecked(db, enrolment_id).await
}

/// Takes a withdrawn person back into the cohort, if a place is free.
pub async fn reinstate(db: &Db, actor: &Actor, enrolment_id: i64) -> Result<Enrolment> {
    let before = enrolment_unchecked(db, enrolment_id).await?;
    let cohort = cohort_for(db, actor, before.cohort_id, Action::ManageCohorts).await?;
    let label = before.staff_number.clone().unwrap_or_else(|| before.person_id.to_string());
    if before.withdrawn_on.is_none() {
        return Err(Problem::new("not-withdrawn").in_column("enrolment_id").with_value(label).into());
    }
    let mut tx = db.begin().await?;
    let active: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND withdrawn_on IS NULL"
    )
    .bind(cohort.id)
    .fetch_one(&mut *c)
    .await)?;
    if active + 1 > cohort.capacity {
        return Err(Problem::new("over-capacity")
            .with_value(&cohort.code)
            .arg("capacity", cohort.capacity)
            .arg("enrolled", active)
            .arg("adding", 1)
            .into());
    }
    let changed = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE enrolments SET withdrawn_on = NULL, withdraw_reason = NULL WHERE id = $1 AND withdrawn_on IS NOT NULL"
    )
    .bind(enrolment_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(Problem::new("not-withdrawn").in_column("enrolment_id").with_value(label).into());
    }
    tx.changed(&super::reports::PARTICIPANTS, super::reports::person_changed(before.person_id));
    audit::record(
        &mut tx,
        actor,
        "reinstate",
        "enrolment",
        &enrolment_id.to_string(),
        &format!("reinstate person {} in {}", before.person_id, cohort.code),
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    enrolment_unchecked(db, enrolment_id).await
}

// ---------------------------------------------------------------------------------------
// Enrolments

const ENROLMENT_SQL: &str = "SELECT e.id, e.cohort_id, e.person_id, p.staff_number, p.given_name, p.family_name, e.sex, \
     e.role, e.source, e.enrolled_at, e.attendance_pct, e.final_grade, e.completed_on, e.withdrawn_on, e.withdraw_reason \
     FROM enrolments e JOIN people p ON p.id = e.person_id";

/// The participants of a cohort, by name. Whoever reads a cohort reads who is in it.
pub async fn enrolments(db: &Db, actor: &Actor, cohort: &Cohort) -> Result<Vec<Enrolment>> {
    actor.require(Action::Read, &cohort.target())?;
    let sql = format!("{ENROLMENT_SQL} WHERE e.cohort_id = $1 ORDER BY p.family_name, p.given_name, e.id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(cohort.id).fetch_all(p).await)?)
}

pub(crate) async fn enrolment_unchecked(db: &Db, id: i64) -> Result<Enrolment> {
    let sql = format!("{ENROLMENT_SQL} WHERE e.id = $1");
    let found: Option<Enrolment> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// Someone to enrol, as named in the request: where (row, column) and how (value).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub row: Option<usize>,
    pub column: String,
    pub label: String,
    pub person_id: i64,
}

impl Candidate {
    fn problem(&self, code: &'static str) -> Problem {
        let p = Problem::new(code).in_column(self.column.clone()).with_value(self.label.clone());
        match self.row {
            Some(r) => p.at_row(r),
            None => p,
        }
    }
}

/// A checked enrolment, ready to write.
pub(crate) struct NewEnrolment {
    person_id: i64,
    place: Placement,
}

/// How the criteria path treats people who fail a check: skip them (counted) or fail.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnMissing {
    Fail,
    Skip,
}

pub(crate) struct Checked {
    pub(crate) ready: Vec<NewEnrolment>,
    skipped_enrolled: usize,
    skipped_prerequisite: usize,
}

/// The checks every enrolment goes through. Nothing is written.
pub(crate) async fn check_enrolments(
    db: &Db,
    actor: &Actor,
    cohort: &Cohort,
    candidates: &[Candidate],
    on_missing: OnMissing,
) -> Result<Checked> {
    let ids: Vec<i64> = candidates.iter().map(|c| c.person_id).collect();
    let places = placements(db, &ids).await?;
    let enrolled: HashSet<i64> =
        on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT person_id FROM enrolments WHERE cohort_id = $1")
            .bind(cohort.id)
            .fetch_all(p)
            .await)?
        .into_iter()
        .collect();
    let prerequisites: Vec<(i64, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT c.id, c.code FROM course_prerequisites x JOIN courses c ON c.id = x.prerequisite_id WHERE x.course_id = $1"
    )
    .bind(cohort.course_id)
    .fetch_all(p)
    .await
    })?;
    let mut completed: HashSet<(i64, i64)> = HashSet::new();
    if !prerequisites.is_empty() {
        for chunk in ids.chunks(5000) {
            let rows: Vec<(i64, i64)> = on_db!(db, |p| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT e.person_id, h.course_id FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                     WHERE e.completed_on IS NOT NULL AND e.person_id IN (",
                );
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().fetch_all(p).await
            })?;
            completed.extend(rows);
        }
    }
    let mut problems = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut out = Checked { ready: Vec::new(), skipped_enrolled: 0, skipped_prerequisite: 0 };
    for c in candidates {
        let Some(place) = places.get(&c.person_id) else {
            problems.push(c.problem("unknown-person"));
            continue;
        };
        if !actor.allows(Action::Read, &place.target(c.person_id)) {
            problems.push(c.problem("out-of-scope"));
            continue;
        }
        if let Some(first) = seen.get(&c.person_id) {
            problems.push(c.problem("duplicate-in-file").arg("first", first));
            continue;
        }
        seen.insert(c.person_id, c.row.unwrap_or(0));
        if enrolled.contains(&c.person_id) {
            match on_missing {
                OnMissing::Fail => problems.push(c.problem("already-enrolled").arg("cohort", &cohort.code)),
                OnMissing::Skip => out.skipped_enrolled += 1,
            }
            continue;
        }
        let missing: Vec<&str> = prerequisites
            .iter()
            .filter(|(course, _)| !completed.contains(&(c.person_id, *course)))
            .map(|(_, code)| code.as_str())
            .collect();
        if !missing.is_empty() {
            match on_missing {
                OnMissing::Fail => problems.push(c.problem("missing-prerequisite").arg("courses", missing.join(", "))),
                OnMissing::Skip => out.skipped_prerequisite += 1,
            }
            continue;
        }
        out.ready.push(NewEnrolment { person_id: c.person_id, place: place.clone() });
        if problems.len() >= opencpd_domain::import::MAX_PROBLEMS {
            break;
        }
    }
    fail_if_any(problems)?;
    let current = active_count(db, cohort.id).await?;
    if current + out.ready.len() as i64 > cohort.capacity {
        return Err(Problem::new("over-capacity")
            .with_value(&cohort.code)
            .arg("capacity", cohort.capacity)
            .arg("enrolled", current)
            .arg("adding", out.ready.len())
            .into());
    }
    Ok(out)
}

/// Writes checked enrolments inside `tx`, re-checking capacity there so two requests
/// racing for the last places cannot both win.
pub(crate) async fn write_enrolments(
    tx: &mut Tx,
    cohort: &Cohort,
    ready: &[NewEnrolment],
    source: EnrolmentSource,
) -> Result<u64> {
    let current: i64 = on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments WHERE cohort_id = $1 AND withdrawn_on IS NULL"
    )
    .bind(cohort.id)
    .fetch_one(&mut *c)
    .await)?;
    if current + ready.len() as i64 > cohort.capacity {
        return Err(Problem::new("over-capacity")
            .with_value(&cohort.code)
            .arg("capacity", cohort.capacity)
            .arg("enrolled", current)
            .arg("adding", ready.len())
            .into());
    }
    let now = Utc::now();
    let rows: Vec<Vec<Cell>> = ready
        .iter()
        .map(|n| {
            vec![
                Cell::from(cohort.id),
                Cell::from(n.person_id),
                source.key().into(),
                Cell::Timestamp(Some(now)),
                n.place.sex.clone().into(),
                n.place.role.clone().into(),
                n.place.school_id.into(),
                n.place.path.clone().into(),
            ]
        })
        .collect();
    let written = bulk::insert(
        tx,
        "INSERT INTO enrolments (cohort_id, person_id, source, enrolled_at, sex, role, school_id, path)",
        8,
        rows,
        &|_| {},
    )
    .await
    .map_err(|e| match e {
        Error::Database(d) => opencpd_kernel::error::unique_violation(d, &cohort.code),
        e => e,
    })?;
    tx.changed(&super::reports::PARTICIPANTS, super::reports::cohort_changed(cohort.id));
    Ok(written)
}

async fn candidate_of(db: &Db, input: &EnrolInput) -> Result<Candidate> {
    match (input.person_id, optional_text(&input.staff_number)) {
        (Some(id), _) => Ok(Candidate { row: None, column: "person_id".into(), label: id.to_string(), person_id: id }),
        (None, Some(n)) => {
            let found = people_by_staff_number(db, &[n.to_string(), n.to_uppercase()]).await?;
            let id = found
                .get(&n.to_lowercase())
                .copied()
                .ok_or_else(|| Problem::new("unknown-person").in_column("staff_number").with_value(n))?;
            Ok(Candidate { row: None, column: "staff_number".into(), label: n.to_string(), person_id: id })
        }
        (None, None) => Err(Problem::new("required").in_column("person_id").into()),
    }
}

/// Enrols one person.
pub async fn enrol(db: &Db, actor: &Actor, cohort_id: i64, input: &EnrolInput) -> Result<Enrolment> {
    let cohort = cohort_for(db, actor, cohort_id, Action::ManageCohorts).await?;
    let candidate = candidate_of(db, input).await?;
    let checked = check_enrolments(db, actor, &cohort, std::slice::from_ref(&candidate), OnMissing::Fail).await?;
    let mut tx = db.begin().await?;
    write_enrolments(&mut tx, &cohort, &checked.ready, EnrolmentSource::Single).await?;
    audit::record(
        &mut tx,
        actor,
        "enrol",
        "cohort",
        &cohort.id.to_string(),
        &format!("enrol person {} in {}", candidate.person_id, cohort.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    let id: i64 =
        on_db!(db, |p| sqlx::query_scalar("SELECT id FROM enrolments WHERE cohort_id = $1 AND person_id = $2")
            .bind(cohort.id)
            .bind(candidate.person_id)
            .fetch_one(p)
            .await)?;
    enrolment_unchecked(db, id).await
}

/// Enrols everyone matching the criteria whom the actor may read. People enrolled already,
/// or lacking a prerequisite, are left out and counted; capacity is all or nothing.
pub async fn enrol_by_criteria(db: &Db, actor: &Actor, cohort_id: i64, criteria: &Criteria) -> Result<EnrolReport> {
    let cohort = cohort_for(db, actor, cohort_id, Action::ManageCohorts).await?;
    let mut problems = Vec::new();
    let role = collect(&mut problems, "role", PositionRole::parse(&criteria.role));
    let since = super::optional_date(&mut problems, "assigned_since", &criteria.assigned_since);
    let sex = optional_text(&criteria.sex).and_then(|s| collect(&mut problems, "sex", Sex::parse(s)));
    let unit: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
        .bind(criteria.unit_code.trim())
        .fetch_optional(p)
        .await)?;
    match &unit {
        None => {
            problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(criteria.unit_code.trim()))
        }
        Some(path) if !actor.allows(Action::Read, &Target::Unit { path }) => {
            problems.push(Problem::new("out-of-scope").in_column("unit_code").with_value(criteria.unit_code.trim()))
        }
        _ => {}
    }
    fail_if_any(problems)?;
    let (role, path) = (role.expect("checked"), unit.expect("checked"));
    let today = opencpd_kernel::today();
    let ids: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT x.person_id FROM positions x JOIN people p ON p.id = x.person_id \
         WHERE x.role = $1 AND x.path >= $2 AND x.path < $3 AND x.start_date <= $4 \
         AND (x.end_date IS NULL OR x.end_date >= $4) AND ($5 IS NULL OR x.start_date >= $5) \
         AND ($6 IS NULL OR p.sex = $6) ORDER BY x.person_id"
    )
    .bind(role.key())
    .bind(&path)
    .bind(upper_bound(&path))
    .bind(today)
    .bind(since)
    .bind(sex.map(|s| s.key()))
    .fetch_all(p)
    .await)?;
    let candidates: Vec<Candidate> = ids
        .iter()
        .map(|id| Candidate { row: None, column: "person_id".into(), label: id.to_string(), person_id: *id })
        .collect();
    let checked = check_enrolments(db, actor, &cohort, &candidates, OnMissing::Skip).await?;
    let mut report = EnrolReport {
        rows: ids.len(),
        created: 0,
        dry_run: criteria.dry_run,
        skipped_enrolled: checked.skipped_enrolled,
        skipped_prerequisite: checked.skipped_prerequisite,
        problems: Vec::new(),
    };
    if criteria.dry_run {
        return Ok(report);
    }
    let mut tx = db.begin().await?;
    report.created = write_enrolments(&mut tx, &cohort, &checked.ready, EnrolmentSource::Criteria).await?;
    audit::record(
        &mut tx,
        actor,
        "enrol",
        "cohort",
        &cohort.id.to_string(),
        &format!("enrol {} by criteria in {}", report.created, cohort.code),
        None::<&()>,
        Some(criteria),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// Applications

const APPLICATION_SQL: &str = "SELECT a.id, a.cohort_id, a.person_id, p.given_name, p.family_name, a.status, a.motivation, \
     a.applied_at, a.applied_by, a.decided_at, a.decided_by, a.reason FROM applications a JOIN people p ON p.id = a.person_id";

async fn application_unchecked(db: &Db, id: i64) -> Result<Application> {
    let sql = format!("{APPLICATION_SQL} WHERE a.id = $1");
    let found: Option<Application> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// Applies for a place in a cohort, given its code (applicants need not see the cohort's
/// unit). The person must be readable by the actor.
pub async fn apply(db: &Db, actor: &Actor, cohort_code: &str, input: &ApplicationInput) -> Result<Application> {
    let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM cohorts WHERE code = $1")
        .bind(cohort_code.trim())
        .fetch_optional(p)
        .await)?;
    let id =
        id.ok_or_else(|| Problem::new("unknown-cohort").in_column("cohort_code").with_value(cohort_code.trim()))?;
    let cohort = cohort_unchecked(db, id).await?;
    let places = placements(db, &[input.person_id]).await?;
    let place = places.get(&input.person_id).ok_or(Error::NotFound)?;
    actor.require(Action::Read, &place.target(input.person_id))?;
    let existing: Option<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT 'enrolled' FROM enrolments WHERE cohort_id = $1 AND person_id = $2 \
         UNION ALL SELECT 'applied' FROM applications WHERE cohort_id = $1 AND person_id = $2 AND status = 'pending'"
    )
    .bind(cohort.id)
    .bind(input.person_id)
    .fetch_optional(p)
    .await)?;
    match existing.as_deref() {
        Some("enrolled") => {
            return Err(Problem::new("already-enrolled")
                .in_column("person_id")
                .with_value(input.person_id.to_string())
                .arg("cohort", &cohort.code)
                .into());
        }
        Some(_) => {
            return Err(Problem::new("already-applied")
                .in_column("person_id")
                .with_value(input.person_id.to_string())
                .arg("cohort", &cohort.code)
                .into());
        }
        None => {}
    }
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO applications (cohort_id, person_id, status, motivation, applied_at, applied_by) \
         VALUES ($1, $2, 'pending', $3, $4, $5) RETURNING id"
    )
    .bind(cohort.id)
    .bind(input.person_id)
    .bind(optional_text(&input.motivation))
    .bind(Utc::now())
    .bind(&actor.username)
    .fetch_one(&mut *c)
    .await)?;
    audit::record(
        &mut tx,
        actor,
        "apply",
        "application",
        &id.to_string(),
        &format!("application to {}", cohort.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    application_unchecked(db, id).await
}

/// The applications to a cohort, pending first.
pub async fn applications(db: &Db, actor: &Actor, cohort: &Cohort) -> Result<Vec<Application>> {
    actor.require(Action::Read, &cohort.target())?;
    let sql = format!(
        "{APPLICATION_SQL} WHERE a.cohort_id = $1 ORDER BY CASE a.status WHEN 'pending' THEN 0 ELSE 1 END, a.applied_at"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(cohort.id).fetch_all(p).await)?)
}

/// Approves (enrolling, with every enrolment check) or rejects (with a reason) a pending
/// application.
pub async fn decide(db: &Db, actor: &Actor, application_id: i64, input: &Decision) -> Result<Application> {
    let before = application_unchecked(db, application_id).await?;
    let cohort = cohort_for(db, actor, before.cohort_id, Action::ManageCohorts).await?;
    let decision = Verdict::parse(&input.decision).map_err(|p| p.in_column("decision"))?;
    let reason = optional_text(&input.reason);
    if before.status != ApplicationStatus::Pending.key() {
        return Err(Problem::new("already-decided").in_column("decision").with_value(&before.status).into());
    }
    if decision == Verdict::Reject && reason.is_none() {
        return Err(Problem::new("reason-required").in_column("reason").into());
    }
    let mut tx = db.begin().await?;
    if decision == Verdict::Approve {
        let candidate = Candidate {
            row: None,
            column: "person_id".into(),
            label: before.person_id.to_string(),
            person_id: before.person_id,
        };
        let checked = check_enrolments(db, actor, &cohort, &[candidate], OnMissing::Fail).await?;
        write_enrolments(&mut tx, &cohort, &checked.ready, EnrolmentSource::Application).await?;
    }
    let status = decision.status().key();
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE applications SET status = $1, decided_at = $2, decided_by = $3, reason = $4 WHERE id = $5 AND status = 'pending'"
    )
    .bind(status)
    .bind(Utc::now())
    .bind(&actor.username)
    .bind(reason)
    .bind(application_id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    audit::record(
        &mut tx,
        actor,
        decision.key(),
        "application",
        &application_id.to_string(),
        &format!("{status} application of person {} to {}", before.person_id, cohort.code),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    application_unchecked(db, application_id).await
}

/// The course of a cohort, for the pages.
pub async fn course_of(db: &Db, cohort: &Cohort) -> Result<Course> {
    catalogue::course_row(db, cohort.course_id).await
}
