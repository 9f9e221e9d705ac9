//! All the SQL of peer learning and coaching, over the kernel's `Db` and `Tx`.
//!
//! - [`plcs`]: terms, PLC models, PLCs and their people, meetings (topics, attendance,
//!   action points agreed and carried over) and action point changes.
//! - [`lesson`]: lesson study cycles, observers and their submissions, artefacts, videos.
//! - [`coaching`]: coaching relations (no loops), visits (by the coachee's coach, not in
//!   the future, idempotent by client id), feedback bands and the feedback of a visit, a
//!   coach's visit plan.
//! - [`reports`]: the cascade tree with coverage per level, head teachers visited by
//!   sector and district, PLC regularity and attendance, action points closed on time,
//!   head teachers who are leaders of learning; suppressed for readers without row-level
//!   rights.
//!
//! Reuses the registry's and delivery's tables (people, positions, units, schools,
//! programmes, standards, subjects, submissions) by id; every write is one transaction with
//! its audit event, every problem names its field.

pub mod choices;
pub mod coaching;
pub mod lesson;
pub mod plcs;
pub mod reports;

use crate::model::ShownCount;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, read_people};
use opencpd_domain::suppression::Cell;
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::{HashMap, HashSet};

pub(crate) use opencpd_kernel::error::{collect, fail_if_any, optional_text};

use crate::model::{
    ActionPoint, ActionPointChange, Artefact, Attendee, LessonStudyLine, Observer, Plc, PlcLine, PlcPerson, Relation,
    Video,
};

opencpd_kernel::from_row! {
    Plc { id, code, name, level, unit_id, unit_name, unit_path, school_id, programme_id, model_id, meetings_per_term, version }
    PlcLine { id, code, name, level, unit_name, meetings_per_term, meetings, last_meeting, open_points }
    PlcPerson { person_id, name, role }
    Attendee { person_id, name, guest }
    ActionPoint { id, plc_id, meeting_id, agreed_on, title, owner_id, owner_name, due_on, status, closed_on, version }
    ActionPointChange { at, actor, status, due_on, note }
    Observer { person_id, name, submission_id, submission_uuid }
    LessonStudyLine { id, code, plc_id, plc_name, subject_code, grade, topic, stage, lesson_on }
    Artefact { id, kind, file_name, content_type, size_bytes, sha256, storage_key }
    Video { id, url, title, source }
    Relation { id, programme_id, coach_id, coach_name, coachee_id, coachee_name, start_on, end_on }
}

/// Tables whose ids a request may name, with the problem an unknown id gives.
#[derive(Clone, Copy)]
pub(crate) enum Known {
    People,
    Standards,
    Submissions,
}

impl Known {
    fn table(self) -> &'static str {
        match self {
            Known::People => "people",
            Known::Standards => "standards",
            Known::Submissions => "submissions",
        }
    }

    fn problem(self) -> &'static str {
        match self {
            Known::People => "unknown-person-id",
            Known::Standards => "unknown-standard-id",
            Known::Submissions => "unknown-submission",
        }
    }
}

/// The ids of `ids` that exist in `what`'s table.
pub(crate) async fn existing(db: &Db, what: Known, ids: &[i64]) -> Result<HashSet<i64>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(1000) {
        let found: Vec<i64> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(format!("SELECT id FROM {} WHERE id IN (", what.table()));
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_scalar().fetch_all(p).await
        })?;
        out.extend(found);
    }
    Ok(out)
}

/// Records a problem for each id of `ids` not in `what`'s table, under `field[i]`.
pub(crate) async fn check_ids(
    db: &Db,
    problems: &mut Vec<Problem>,
    what: Known,
    field: &str,
    ids: &[i64],
) -> Result<()> {
    let found = existing(db, what, ids).await?;
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            problems.push(Problem::new(what.problem()).in_column(format!("{field}[{i}]")).with_value(id.to_string()));
        }
    }
    Ok(())
}

/// The people the actor is: their own grants and the person their account is linked to.
pub(crate) async fn actor_people(db: &Db, actor: &Actor) -> Result<Vec<i64>> {
    let mut ids = read_people(&actor.grants);
    if let Some(user) = actor.user_id {
        let linked: Option<Option<i64>> =
            on_db!(db, |p| sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(p)
                .await)?;
        ids.extend(linked.flatten());
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Where a person is placed: the current position (the latest started), else the latest
/// held; none without a position.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct Place {
    pub path: String,
    pub school_id: Option<i64>,
}

pub(crate) async fn places(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Place>> {
    let today = opencpd_kernel::today();
    let mut out: HashMap<i64, (bool, chrono::NaiveDate, Place)> = HashMap::new();
    for chunk in ids.chunks(1000) {
        type Row = (i64, String, Option<i64>, chrono::NaiveDate, Option<chrono::NaiveDate>);
        let rows: Vec<Row> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT person_id, path, school_id, start_date, end_date FROM positions WHERE person_id IN (",
            );
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        for (person, path, school_id, start, end) in rows {
            let current = start <= today && end.is_none_or(|e| e >= today);
            let better = out.get(&person).is_none_or(|(c, s, _)| (current, start) > (*c, *s));
            if better {
                out.insert(person, (current, start, Place { path, school_id }));
            }
        }
    }
    Ok(out.into_iter().map(|(id, (_, _, place))| (id, place)).collect())
}

/// The target a person is checked against: every school and unit path they held a
/// position at.
pub(crate) async fn person_may(db: &Db, actor: &Actor, action: Action, person: i64) -> Result<bool> {
    let rows: Vec<(String, Option<i64>)> =
        on_db!(db, |p| sqlx::query_as("SELECT path, school_id FROM positions WHERE person_id = $1")
            .bind(person)
            .fetch_all(p)
            .await)?;
    let paths: Vec<String> = rows.iter().map(|(p, _)| p.clone()).collect();
    let schools: Vec<i64> = rows.iter().filter_map(|(_, s)| *s).collect();
    let target = opencpd_domain::access::Target::Person { id: person, school_ids: &schools, paths: &paths };
    Ok(actor.allows(action, &target))
}

/// People's names by id.
pub(crate) async fn names(db: &Db, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<(i64, String)> = on_db!(db, |p| {
            let mut qb =
                sqlx::QueryBuilder::new("SELECT id, given_name || ' ' || family_name FROM people WHERE id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// The programme with this code.
pub(crate) async fn programme_id(db: &Db, code: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?)
}

pub(crate) use opencpd_kernel::settings::small_cell_threshold;

/// A count as shown under `cell`.
pub(crate) fn count(value: i64, cell: Cell, threshold: i64) -> ShownCount {
    ShownCount { value: (!cell.hidden()).then_some(value), text: cell.text(value, threshold) }
}

/// Refuses outright someone whose roles never permit `action`.
pub(crate) fn may(actor: &Actor, action: Action) -> Result<()> {
    actor.require_role(action)
}

/// A problem naming a field when the record it names does not exist (a 422, not a 404).
pub(crate) fn unknown(code: &'static str, field: &str, value: impl ToString) -> Problem {
    Problem::new(code).in_column(field).with_value(value.to_string())
}

/// A text field that may be absent, cleaned like a name when given (long texts keep their
/// lines).
pub(crate) fn free_text(problems: &mut Vec<Problem>, field: &str, value: &Option<String>) -> Option<String> {
    let text = optional_text(value)?;
    if let Some(c) = text.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        problems.push(Problem::new("bad-character").in_column(field).arg("character", format!("U+{:04X}", c as u32)));
        return None;
    }
    if text.chars().count() > 10_000 {
        problems.push(Problem::new("too-long").in_column(field).arg("max", 10_000));
        return None;
    }
    Some(text.to_string())
}

pub(crate) fn not_found<T>(v: Option<T>) -> Result<T> {
    v.ok_or(Error::NotFound)
}
