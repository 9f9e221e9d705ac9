//! Delivery's files on the one import pipeline: enrolments (a column of staff numbers)
//! and attendance (staff number, date, status), each into a cohort named by its id.
//! People are looked up a batch at a time in the database ([`Importer::check_batch`]),
//! so a file of any length names every unknown person without loading the registry.

use super::attendance::{CheckedMark, statuses, write_marks_in};
use super::cohorts::{Candidate, Cohort, NewEnrolment, OnMissing, check_enrolments, cohort_for, write_enrolments};
use super::people_by_staff_number;
use chrono::NaiveDate;
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::EnrolmentSource;
use opencpd_domain::import::{Column, Seen};
use opencpd_domain::registry as vocab;
use opencpd_kernel::import::{self, ImportReport, Importer, Options, Row, Source, Written};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, on_db, today};
use std::collections::{HashMap, HashSet};

const ENROLMENT_COLUMNS: &[Column] = &[Column::required("staff_number").example("RW0001234")];
const ATTENDANCE_COLUMNS: &[Column] = &[
    Column::required("staff_number").example("RW0001234"),
    Column::required("date").example("2025-03-14"),
    Column::required("status").example("present"),
];

/// Delivery's kinds, for the one import route, page and command (with programmes' costs,
/// [`super::costs::IMPORT_KIND`]).
pub const KINDS: [import::Kind; 3] = [
    import::Kind {
        key: "enrolments",
        columns: ENROLMENT_COLUMNS,
        into: Some("cohort"),
        may: |actor| actor.may(Action::ManageCohorts),
        updates: false,
        run: |db, actor, source, options, into| Box::pin(enrolments(db, actor, into.unwrap_or(0), source, options)),
    },
    import::Kind {
        key: "attendance",
        columns: ATTENDANCE_COLUMNS,
        into: Some("cohort"),
        may: |actor| actor.may(Action::Facilitate),
        updates: false,
        run: |db, actor, source, options, into| Box::pin(attendance(db, actor, into.unwrap_or(0), source, options)),
    },
    super::costs::IMPORT_KIND,
];

/// Enrols everyone named in a file of staff numbers: every row or none. The cohort is
/// checked first (not found, or not the actor's to manage, is an error, not a report).
pub async fn enrolments(
    db: &Db,
    actor: &Actor,
    cohort_id: i64,
    source: Source,
    options: Options<'_>,
) -> Result<ImportReport> {
    let cohort = cohort_for(db, actor, cohort_id, Action::ManageCohorts).await?;
    let mut importer = Enrolments { db: db.clone(), actor: actor.clone(), cohort, seen: Seen::default() };
    import::run(db, actor, &mut importer, source, options).await
}

/// Records a cohort's attendance from a file: each date a session of the cohort, not in
/// the future; each person enrolled in it. Every row or none.
pub async fn attendance(
    db: &Db,
    actor: &Actor,
    cohort_id: i64,
    source: Source,
    options: Options<'_>,
) -> Result<ImportReport> {
    let cohort = cohort_for(db, actor, cohort_id, Action::Facilitate).await?;
    let sessions: Vec<(NaiveDate, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT held_on, id FROM sessions_held WHERE cohort_id = $1 ORDER BY id")
            .bind(cohort.id)
            .fetch_all(p)
            .await)?;
    let mut by_date = HashMap::new();
    for (d, id) in sessions {
        by_date.entry(d).or_insert(id);
    }
    let members: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT p.staff_number, e.id FROM enrolments e JOIN people p ON p.id = e.person_id \
         WHERE e.cohort_id = $1 AND p.staff_number IS NOT NULL"
    )
    .bind(cohort.id)
    .fetch_all(p)
    .await)?;
    let mut importer = Attendance {
        db: db.clone(),
        allowed: statuses(db).await?.into_iter().map(|s| s.key).collect(),
        by_date,
        members: members.into_iter().map(|(n, id)| (n.to_lowercase(), id)).collect(),
        seen: HashMap::new(),
        today: today(),
        actor: actor.clone(),
        cohort,
    };
    import::run(db, actor, &mut importer, source, options).await
}

/// Staff numbers as written and in capitals (how they are stored), for a look-up.
fn lookup_numbers<'a>(numbers: impl Iterator<Item = &'a str>) -> Vec<String> {
    numbers.flat_map(|n| [n.to_string(), n.to_uppercase()]).collect()
}

// ---- enrolments --------------------------------------------------------------------

struct Enrolments {
    db: Db,
    actor: Actor,
    cohort: Cohort,
    seen: Seen,
}

struct PendingEnrolment {
    row: usize,
    staff_number: String,
    ready: Option<NewEnrolment>,
}

impl Importer for Enrolments {
    type Checked = PendingEnrolment;

    fn kind(&self) -> &'static str {
        "enrolments"
    }

    fn columns(&self) -> &'static [Column] {
        ENROLMENT_COLUMNS
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<PendingEnrolment, Vec<Problem>> {
        let n = row.get(0);
        if n.is_empty() {
            return Err(vec![row.problem(0, "required")]);
        }
        if let Some(first) = self.seen.first(n, row.number()) {
            return Err(vec![row.problem(0, "duplicate-in-file").arg("first", first)]);
        }
        Ok(PendingEnrolment { row: row.number(), staff_number: n.to_string(), ready: None })
    }

    async fn check_batch(&mut self, _tx: &mut Tx, rows: &mut Vec<PendingEnrolment>) -> Result<Vec<Problem>> {
        let found =
            people_by_staff_number(&self.db, &lookup_numbers(rows.iter().map(|r| r.staff_number.as_str()))).await?;
        let mut problems = Vec::new();
        let mut candidates = Vec::new();
        for r in rows.iter() {
            match found.get(&r.staff_number.to_lowercase()) {
                Some(id) => candidates.push(Candidate {
                    row: Some(r.row),
                    column: "staff_number".into(),
                    label: r.staff_number.clone(),
                    person_id: *id,
                }),
                None => problems.push(
                    Problem::new("unknown-person").at_row(r.row).in_column("staff_number").with_value(&r.staff_number),
                ),
            }
        }
        match check_enrolments(&self.db, &self.actor, &self.cohort, &candidates, OnMissing::Fail).await {
            Ok(checked) => {
                // Every candidate passed, in order.
                let mut ready: HashMap<usize, NewEnrolment> =
                    candidates.iter().filter_map(|c| c.row).zip(checked.ready).collect();
                for r in rows.iter_mut() {
                    r.ready = ready.remove(&r.row);
                }
            }
            Err(Error::Invalid(p)) => problems.extend(p),
            Err(e) => return Err(e),
        }
        let bad: HashSet<usize> = problems.iter().filter_map(|p| p.row).collect();
        rows.retain(|r| !bad.contains(&r.row));
        problems.sort_by_key(|p| p.row);
        Ok(problems)
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<PendingEnrolment>) -> Result<Written> {
        let ready: Vec<NewEnrolment> = rows.into_iter().filter_map(|r| r.ready).collect();
        Ok(Written::rows(write_enrolments(tx, &self.cohort, &ready, EnrolmentSource::Import).await?))
    }
}

// ---- attendance --------------------------------------------------------------------

struct Attendance {
    db: Db,
    actor: Actor,
    cohort: Cohort,
    allowed: Vec<String>,
    by_date: HashMap<NaiveDate, i64>,
    /// The cohort's enrolments by lower-case staff number.
    members: HashMap<String, i64>,
    /// (session, enrolment) marked so far, with its row.
    seen: HashMap<(i64, i64), usize>,
    today: NaiveDate,
}

/// A row read: its mark when everything is known, else its problems (a staff number
/// not in the cohort is told apart from one that is nobody's in [`Importer::check_batch`]).
struct PendingMark {
    row: usize,
    staff_number: String,
    session: Option<i64>,
    enrolment: Option<i64>,
    status: String,
    problems: Vec<Problem>,
}

impl Importer for Attendance {
    type Checked = PendingMark;

    fn kind(&self) -> &'static str {
        "attendance"
    }

    fn columns(&self) -> &'static [Column] {
        ATTENDANCE_COLUMNS
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<PendingMark, Vec<Problem>> {
        let (n, d, s) = (row.get(0), row.get(1), row.get(2).to_lowercase());
        let mut problems = Vec::new();
        let session = if d.is_empty() {
            problems.push(row.problem(1, "required"));
            None
        } else {
            match vocab::parse_date(d) {
                Err(p) => {
                    problems.push(p.at_row(row.number()).in_column("date"));
                    None
                }
                Ok(date) if date > self.today => {
                    problems.push(row.problem(1, "session-in-future"));
                    None
                }
                Ok(date) => match self.by_date.get(&date) {
                    Some(id) => Some(*id),
                    None => {
                        problems.push(row.problem(1, "unknown-session").arg("cohort", &self.cohort.code));
                        None
                    }
                },
            }
        };
        if !self.allowed.contains(&s) {
            problems.push(row.problem(2, "bad-choice").arg("allowed", self.allowed.join(", ")));
        }
        let enrolment = if n.is_empty() {
            problems.push(row.problem(0, "required"));
            None
        } else {
            self.members.get(&n.to_lowercase()).copied()
        };
        if let (Some(sid), Some(eid)) = (session, enrolment) {
            match self.seen.get(&(sid, eid)) {
                Some(first) => problems.push(row.problem(0, "duplicate-in-file").arg("first", *first)),
                None => {
                    self.seen.insert((sid, eid), row.number());
                }
            }
        }
        if problems.is_empty() || (enrolment.is_none() && !n.is_empty()) {
            // A staff number outside the cohort is looked up with its batch.
            Ok(PendingMark { row: row.number(), staff_number: n.to_string(), session, enrolment, status: s, problems })
        } else {
            Err(problems)
        }
    }

    async fn check_batch(&mut self, _tx: &mut Tx, rows: &mut Vec<PendingMark>) -> Result<Vec<Problem>> {
        let strangers = rows.iter().filter(|r| r.enrolment.is_none()).map(|r| r.staff_number.as_str());
        let numbers = lookup_numbers(strangers);
        let known =
            if numbers.is_empty() { HashMap::new() } else { people_by_staff_number(&self.db, &numbers).await? };
        let mut problems = Vec::new();
        for r in rows.iter_mut() {
            if r.enrolment.is_none() {
                let p = if known.contains_key(&r.staff_number.to_lowercase()) {
                    Problem::new("not-enrolled").arg("cohort", &self.cohort.code)
                } else {
                    Problem::new("unknown-person")
                };
                r.problems.insert(0, p.at_row(r.row).in_column("staff_number").with_value(&r.staff_number));
            }
            problems.append(&mut r.problems);
        }
        let bad: HashSet<usize> = problems.iter().filter_map(|p| p.row).collect();
        rows.retain(|r| !bad.contains(&r.row));
        Ok(problems)
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<PendingMark>) -> Result<Written> {
        let marks: Vec<CheckedMark> = rows
            .into_iter()
            .filter_map(|r| Some(CheckedMark { session_id: r.session?, enrolment_id: r.enrolment?, status: r.status }))
            .collect();
        Ok(Written::rows(write_marks_in(tx, &self.actor, &marks).await?))
    }

    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        super::completion::recompute(tx, self.cohort.id).await.map(|_| ())
    }
}
