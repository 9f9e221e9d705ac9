//! All of outreach's SQL, scoped and audited: [`outreach`] events with their participants
//! and the schools reached, and the import of event files on the kernel pipeline;
//! [`resources`] delivered to schools and their checks; [`awards`] to teachers.
//!
//! What it reads of other areas it reads by SQL: programmes by code (its records may name
//! the programme they serve), people and their positions (an award's scope check),
//! through the registry's functions the schools and units its records are placed at.

pub mod awards;
pub mod outreach;
pub mod resources;

use chrono::NaiveDate;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::registry as vocab;
use opencpd_kernel::error::{collect, optional_text};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::HashMap;

/// Refuses outright someone whose roles never permit `action`, anywhere.
pub(crate) fn may(actor: &Actor, action: Action) -> Result<()> {
    actor.require_role(action)
}

/// The tables a record can be deleted from (what hangs off each row goes with it).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Removable {
    OutreachEvent,
    Resource,
    Award,
}

impl Removable {
    fn table(self) -> &'static str {
        match self {
            Removable::OutreachEvent => "outreach_events",
            Removable::Resource => "resources",
            Removable::Award => "awards",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Removable::OutreachEvent => "outreach_event",
            Removable::Resource => "resource",
            Removable::Award => "award",
        }
    }
}

/// Deletes a record the caller has read and checked, with its audit entry (what it held)
/// in the same transaction.
pub(crate) async fn delete_record<B: serde::Serialize>(
    db: &Db,
    actor: &Actor,
    what: Removable,
    id: i64,
    summary: &str,
    before: &B,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let sql = format!("DELETE FROM {} WHERE id = $1", what.table());
    let gone = opencpd_kernel::on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    if gone == 0 {
        return Err(Error::NotFound);
    }
    opencpd_kernel::audit::record(
        &mut tx,
        actor,
        "delete",
        what.entity(),
        &id.to_string(),
        summary,
        Some(before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One of a closed list of keys, in any case.
pub(crate) fn choice(input: &str, allowed: &[&'static str]) -> std::result::Result<&'static str, Problem> {
    let wanted = input.trim().to_lowercase().replace(['-', ' '], "_");
    allowed
        .iter()
        .copied()
        .find(|k| *k == wanted)
        .ok_or_else(|| Problem::new("bad-choice").with_value(input.trim()).arg("allowed", allowed.join(", ")))
}

pub(crate) fn optional_date(problems: &mut Vec<Problem>, column: &str, input: &Option<String>) -> Option<NaiveDate> {
    optional_text(input).and_then(|d| collect(problems, column, vocab::parse_date(d)))
}

/// A programme by its code: the one thing outreach reads of delivery's catalogue, read
/// by SQL so that this crate needs nothing of delivery's code.
pub(crate) async fn programme_by_code(db: &Db, code: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM programmes WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?)
}

/// A programme a form may name: the deployment's programmes are read by everyone logged in.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ProgrammeChoice {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The deployment's programmes, newest first, for the forms' lists.
pub async fn programme_choices(db: &Db) -> Result<Vec<ProgrammeChoice>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM programmes ORDER BY start_date DESC, code")
        .fetch_all(p)
        .await)?)
}

/// Where a person has worked (every position, the whole history, as reads see it): the
/// schools and unit paths of their scope check; `None` when there is no such person.
pub(crate) async fn person_places(db: &Db, person_id: i64) -> Result<Option<(Vec<i64>, Vec<String>)>> {
    let rows: Vec<(Option<i64>, Option<String>, Option<NaiveDate>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT x.school_id, x.path, x.start_date FROM people p LEFT JOIN positions x ON x.person_id = p.id \
         WHERE p.id = $1"
    )
    .bind(person_id)
    .fetch_all(p)
    .await)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let (mut schools, mut paths) = (Vec::new(), Vec::new());
    for (school, path, start) in rows {
        let (Some(path), Some(_)) = (path, start) else { continue };
        schools.extend(school);
        paths.push(path);
    }
    Ok(Some((schools, paths)))
}

/// Requires `action` on a person: unknown or unreadable is "not found".
pub(crate) async fn require_person(db: &Db, actor: &Actor, person_id: i64, action: Action) -> Result<()> {
    let (schools, paths) = person_places(db, person_id).await?.ok_or(Error::NotFound)?;
    let target = Target::Person { id: person_id, school_ids: &schools, paths: &paths };
    actor.require(Action::Read, &target)?;
    actor.require(action, &target)
}

/// People by staff number (lower-cased), for forms and files that name people so.
pub(crate) async fn people_by_staff_number(db: &Db, numbers: &[String]) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in numbers.chunks(5000) {
        let rows: Vec<(String, i64)> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT staff_number, id FROM people WHERE staff_number IN (");
            let mut list = qb.separated(", ");
            for n in chunk {
                list.push_bind(n.clone());
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        out.extend(rows.into_iter().map(|(n, id)| (n.to_lowercase(), id)));
    }
    Ok(out)
}
