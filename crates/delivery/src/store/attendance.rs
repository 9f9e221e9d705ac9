//! Sessions and attendance. A session is a dated meeting of a cohort (with its modality,
//! venue and hours); attendance is one mark a participant a session, with a status from
//! the deployment's list (present, late, excused, absent to begin with; each status says
//! whether it counts as attended). A whole cohort is marked in one request, and marks
//! come from files too; each batch is checked whole and written whole, then completion is
//! computed again for the cohort.

use super::cohorts::{Cohort, cohort_for};
use super::{collect, fail_if_any, optional_text};
use chrono::Utc;
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::Modality;
use opencpd_domain::registry as vocab;
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx, today};
use std::collections::HashMap;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{AttendanceStatus, Mark, MarkInput, MarkReport, Session, SessionInput};

opencpd_kernel::from_row! {
    AttendanceStatus { key, name_en, name_fr, counts_present, position }
    Session { id, cohort_id, held_on, title, modality, venue, hours, marked }
    Mark { person_id, status }
}

impl AttendanceStatus {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "fr" { &self.name_fr } else { &self.name_en }
    }
}

/// The deployment's attendance statuses, in their order.
pub async fn statuses(db: &Db) -> Result<Vec<AttendanceStatus>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT key, name_en, name_fr, counts_present, position FROM attendance_statuses ORDER BY position, key"
    )
    .fetch_all(p)
    .await)?)
}

/// Adds or renames a status (a deployment configures its own list); administrators and
/// national officers only.
pub async fn set_status(db: &Db, actor: &Actor, status: &AttendanceStatus) -> Result<Vec<AttendanceStatus>> {
    super::may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let key = status.key.trim().to_lowercase();
    if key.is_empty() || key.len() > 30 || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        problems.push(Problem::new("bad-code").in_column("key").with_value(&key));
    }
    collect(&mut problems, "name_en", vocab::parse_name(&status.name_en));
    collect(&mut problems, "name_fr", vocab::parse_name(&status.name_fr));
    fail_if_any(problems)?;
    let before = statuses(db).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM attendance_statuses WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM attendance WHERE status = $1)"
    )
    .bind(&key)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    let updated = on_tx!(&mut tx, |c| {
        sqlx::query(
        "UPDATE attendance_statuses SET name_en = $2, name_fr = $3, counts_present = $4, position = $5 WHERE key = $1"
    )
    .bind(&key)
    .bind(status.name_en.trim())
    .bind(status.name_fr.trim())
    .bind(status.counts_present)
    .bind(status.position)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if updated == 0 {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO attendance_statuses (key, name_en, name_fr, counts_present, position) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&key)
        .bind(status.name_en.trim())
        .bind(status.name_fr.trim())
        .bind(status.counts_present)
        .bind(status.position)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "attendance_status",
        &key,
        &format!("attendance status {key}"),
        Some(&before),
        Some(status),
    )
    .await?;
    tx.commit().await?;
    statuses(db).await
}

const SESSION_SQL: &str = "SELECT s.id, s.cohort_id, s.held_on, s.title, s.modality, s.venue, s.hours, \
     (SELECT COUNT(*) FROM attendance a WHERE a.session_id = s.id) AS marked FROM sessions_held s";

/// Schedules a session of a cohort (facilitators and those who manage the cohort).
pub async fn create_session(db: &Db, actor: &Actor, cohort_id: i64, input: &SessionInput) -> Result<Session> {
    let cohort = cohort_for(db, actor, cohort_id, Action::Facilitate).await?;
    let mut problems = Vec::new();
    let held_on = collect(&mut problems, "held_on", vocab::parse_date(&input.held_on));
    let title = collect(&mut problems, "title", vocab::parse_name(&input.title));
    let modality = match optional_text(&input.modality) {
        Some(m) => collect(&mut problems, "modality", Modality::parse(m).map(Modality::key)),
        None => Some(Modality::FaceToFace.key()),
    };
    if !(input.hours.is_finite() && (0.0..=24.0).contains(&input.hours)) {
        problems
            .push(Problem::new("out-of-range").in_column("hours").with_value(input.hours.to_string()).arg("max", 24));
    }
    if let Some(d) = held_on
        && (d < cohort.start_date || d > cohort.end_date)
    {
        problems.push(
            Problem::new("outside-cohort-dates")
                .in_column("held_on")
                .with_value(d.to_string())
                .arg("start", cohort.start_date)
                .arg("end", cohort.end_date),
        );
    }
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO sessions_held (cohort_id, held_on, title, modality, venue, hours) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(cohort.id)
    .bind(held_on)
    .bind(title.as_deref())
    .bind(modality)
    .bind(optional_text(&input.venue).or(cohort.venue.as_deref()))
    .bind(input.hours)
    .fetch_one(&mut *c)
    .await
    })?;
    // A new session changes everyone's attendance share.
    super::completion::recompute(&mut tx, cohort.id).await?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "session",
        &id.to_string(),
        &format!("session of {}", cohort.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    session_unchecked(db, id).await
}

pub(crate) async fn session_unchecked(db: &Db, id: i64) -> Result<Session> {
    let sql = format!("{SESSION_SQL} WHERE s.id = $1");
    let found: Option<Session> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// A session and its cohort, when the actor may read the cohort.
pub async fn session(db: &Db, actor: &Actor, id: i64) -> Result<(Session, Cohort)> {
    let s = session_unchecked(db, id).await?;
    let cohort = super::cohorts::cohort(db, actor, s.cohort_id).await?;
    Ok((s, cohort))
}

pub async fn sessions(db: &Db, actor: &Actor, cohort: &Cohort) -> Result<Vec<Session>> {
    actor.require(Action::Read, &cohort.target())?;
    let sql = format!("{SESSION_SQL} WHERE s.cohort_id = $1 ORDER BY s.held_on, s.id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(cohort.id).fetch_all(p).await)?)
}

/// The marks of a session, by person.
pub async fn marks(db: &Db, actor: &Actor, session_id: i64) -> Result<Vec<Mark>> {
    session(db, actor, session_id).await?;
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT e.person_id, a.status FROM attendance a JOIN enrolments e ON e.id = a.enrolment_id WHERE a.session_id = $1"
    )
    .bind(session_id)
    .fetch_all(p)
    .await
    })?)
}

/// A mark checked against the cohort: the enrolment it belongs to.
pub(crate) struct CheckedMark {
    pub session_id: i64,
    pub enrolment_id: i64,
    pub status: String,
}

pub(super) async fn enrolment_ids(db: &Db, cohort_id: i64) -> Result<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT person_id, id FROM enrolments WHERE cohort_id = $1")
            .bind(cohort_id)
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().collect())
}

/// Records the marks of one session: every mark or none.
pub async fn mark(db: &Db, actor: &Actor, session_id: i64, input: &MarkInput) -> Result<MarkReport> {
    let session = session_unchecked(db, session_id).await?;
    let cohort = cohort_for(db, actor, session.cohort_id, Action::Facilitate).await?;
    let known = statuses(db).await?;
    let allowed: Vec<&str> = known.iter().map(|s| s.key.as_str()).collect();
    let enrolled = enrolment_ids(db, cohort.id).await?;
    let mut problems = Vec::new();
    if session.held_on > today() {
        problems.push(Problem::new("session-in-future").in_column("session").with_value(session.held_on.to_string()));
    }
    let mut checked = Vec::with_capacity(input.marks.len());
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for (i, m) in input.marks.iter().enumerate() {
        let status = m.status.trim().to_lowercase();
        if !allowed.contains(&status.as_str()) {
            problems.push(
                Problem::new("bad-choice")
                    .in_column(format!("marks[{i}].status"))
                    .with_value(&m.status)
                    .arg("allowed", allowed.join(", ")),
            );
        }
        match enrolled.get(&m.person_id) {
            None => problems.push(
                Problem::new("not-enrolled")
                    .in_column(format!("marks[{i}].person_id"))
                    .with_value(m.person_id.to_string())
                    .arg("cohort", &cohort.code),
            ),
            Some(_) if seen.contains_key(&m.person_id) => problems.push(
                Problem::new("duplicate-mark")
                    .in_column(format!("marks[{i}].person_id"))
                    .with_value(m.person_id.to_string())
                    .arg("first", seen[&m.person_id]),
            ),
            Some(e) => {
                seen.insert(m.person_id, i);
                checked.push(CheckedMark { session_id, enrolment_id: *e, status });
            }
        }
        if problems.len() >= opencpd_domain::import::MAX_PROBLEMS {
            break;
        }
    }
    fail_if_any(problems)?;
    let marked =
        write_marks(db, actor, &cohort, &checked, &format!("marks for session {session_id} of {}", cohort.code))
            .await?;
    let attended: i64 = on_db!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM attendance a JOIN attendance_statuses st ON st.key = a.status \
         WHERE a.session_id = $1 AND st.counts_present = $2"
    )
    .bind(session_id)
    .bind(true)
    .fetch_one(p)
    .await)?;
    Ok(MarkReport { session_id, marked, attended })
}

/// Replaces the marks named, recomputes completion and records the audit event, in one
/// transaction.
pub(super) async fn write_marks(
    db: &Db,
    actor: &Actor,
    cohort: &Cohort,
    marks: &[CheckedMark],
    summary: &str,
) -> Result<u64> {
    let mut tx = db.begin().await?;
    let written = write_marks_in(&mut tx, actor, marks).await?;
    super::completion::recompute(&mut tx, cohort.id).await?;
    audit::record(
        &mut tx,
        actor,
        "mark",
        "attendance",
        &cohort.id.to_string(),
        summary,
        None::<&()>,
        Some(&serde_json::json!({ "marks": written })),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Writes marks in `tx`, each replacing the person's mark of that session; completion is
/// the caller's to recompute.
pub(crate) async fn write_marks_in(tx: &mut Tx, actor: &Actor, marks: &[CheckedMark]) -> Result<u64> {
    let now = Utc::now();
    let mut by_session: HashMap<i64, Vec<i64>> = HashMap::new();
    for m in marks {
        by_session.entry(m.session_id).or_default().push(m.enrolment_id);
    }
    for (session_id, ids) in &by_session {
        for chunk in ids.chunks(5000) {
            on_tx!(&mut *tx, |c| {
                let mut qb = sqlx::QueryBuilder::new("DELETE FROM attendance WHERE session_id = ");
                qb.push_bind(*session_id);
                qb.push(" AND enrolment_id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *c).await.map(|r| r.rows_affected())
            })?;
        }
    }
    let rows: Vec<Vec<Cell>> = marks
        .iter()
        .map(|m| {
            vec![
                Cell::from(m.session_id),
                Cell::from(m.enrolment_id),
                m.status.clone().into(),
                Cell::Timestamp(Some(now)),
                actor.username.clone().into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "INSERT INTO attendance (session_id, enrolment_id, status, marked_at, marked_by)",
        5,
        rows,
        &|_| {},
    )
    .await
}
