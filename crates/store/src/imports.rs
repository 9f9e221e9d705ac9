//! The one import pipeline: a [`Table`] (read from CSV or XLSX by `opencpd-transfer`) is
//! checked by the domain rules, then against the database and the importer's scope, and
//! written in one transaction — every row or none. A dry run does all the checking and
//! writes nothing.

use crate::bulk::{self, Cell};
use crate::error::fail_if_any;
use crate::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use opencpd_domain::access::{Action, Target};
use opencpd_domain::import::{self, ImportKind, PositionRow};
use opencpd_domain::{Problem, Table};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What an import did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub kind: &'static str,
    /// Data rows read from the file.
    pub rows: usize,
    /// Records written (0 on a dry run or when there are problems).
    pub created: u64,
    pub dry_run: bool,
    pub problems: Vec<Problem>,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Progress callbacks: rows checked, then rows written.
pub struct Progress<'a> {
    pub written: &'a (dyn Fn(u64) + Sync),
}

impl Progress<'_> {
    pub fn none() -> Progress<'static> {
        Progress { written: &|_| {} }
    }
}

/// Checks and (unless `dry_run`) writes a table of `kind`.
pub async fn import_table(
    db: &Db,
    actor: &Actor,
    kind: ImportKind,
    table: &Table,
    dry_run: bool,
    progress: &Progress<'_>,
) -> Result<ImportReport> {
    let rows = table.rows.iter().filter(|r| r.cells.iter().any(|c| !c.trim().is_empty())).count();
    let mut report = ImportReport { kind: kind.key(), rows, created: 0, dry_run, problems: Vec::new() };
    let outcome = match kind {
        ImportKind::Units => units(db, actor, table, dry_run, progress).await,
        ImportKind::Schools => schools(db, actor, table, dry_run, progress).await,
        ImportKind::People => people(db, actor, table, dry_run, progress).await,
        ImportKind::Positions => positions(db, actor, table, dry_run, progress).await,
    };
    match outcome {
        Ok(created) => report.created = created,
        Err(Error::Invalid(problems)) => report.problems = problems,
        Err(e) => return Err(e),
    }
    Ok(report)
}

async fn finish(mut tx: Tx, actor: &Actor, kind: ImportKind, created: u64, dry_run: bool) -> Result<u64> {
    if dry_run {
        return Ok(0);
    }
    audit::record(
        &mut tx,
        actor,
        "import",
        kind.key(),
        "",
        &format!("import of {created} {}", kind.key()),
        None::<&()>,
        Some(&serde_json::json!({ "created": created })),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

#[derive(sqlx::FromRow)]
struct UnitRef {
    id: i64,
    code: String,
    country: String,
    depth: i64,
    path: String,
}

async fn unit_refs(db: &Db) -> Result<HashMap<String, UnitRef>> {
    let rows: Vec<UnitRef> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, country, depth, path FROM units").fetch_all(p).await)?;
    Ok(rows.into_iter().map(|u| (u.code.to_lowercase(), u)).collect())
}

async fn units(db: &Db, actor: &Actor, table: &Table, dry_run: bool, progress: &Progress<'_>) -> Result<u64> {
    let rows = import::check_units(table).map_err(Error::Invalid)?;
    let levels = crate::registry::levels(db).await?;
    let mut known = unit_refs(db).await?;
    let mut problems = Vec::new();
    if !actor.allows(Action::EditUnits, &Target::Unit { path: "/" }) {
        problems.push(Problem::new("forbidden"));
        return Err(Error::Invalid(problems));
    }
    let mut tx = db.begin().await?;
    let mut created = 0;
    for r in &rows {
        let country_levels: Vec<_> = levels.iter().filter(|l| l.country == r.country).collect();
        let Some(level) = country_levels.iter().find(|l| l.key == r.level) else {
            let allowed = country_levels.iter().map(|l| l.key.as_str()).collect::<Vec<_>>().join(", ");
            problems.push(
                Problem::new("unknown-level")
                    .at_row(r.row)
                    .in_column("level")
                    .with_value(&r.level)
                    .arg("country", &r.country)
                    .arg("allowed", if allowed.is_empty() { "-".into() } else { allowed }),
            );
            continue;
        };
        if known.contains_key(&r.code.to_lowercase()) {
            problems.push(Problem::new("exists").at_row(r.row).in_column("code").with_value(&r.code));
            continue;
        }
        let parent = match &r.parent_code {
            Some(code) => match known.get(&code.to_lowercase()) {
                Some(p) => Some(p),
                None => {
                    problems
                        .push(Problem::new("unknown-parent").at_row(r.row).in_column("parent_code").with_value(code));
                    continue;
                }
            },
            None => None,
        };
        let parent_ok = match parent {
            Some(p) => p.depth == level.depth - 1 && p.country == r.country,
            None => level.depth == 0,
        };
        if !parent_ok {
            let expected = country_levels
                .iter()
                .find(|l| l.depth == level.depth - 1)
                .map(|l| l.key.clone())
                .unwrap_or_else(|| "-".into());
            problems.push(
                Problem::new("wrong-level")
                    .at_row(r.row)
                    .in_column("parent_code")
                    .with_value(r.parent_code.clone().unwrap_or_default())
                    .arg("level", &r.level)
                    .arg("expected", expected),
            );
            continue;
        }
        let (parent_id, parent_path) = parent.map(|p| (Some(p.id), p.path.clone())).unwrap_or((None, "/".into()));
        if !problems.is_empty() || dry_run {
            // Keep checking later rows against this one without writing it.
            let fake_id = -(r.row as i64);
            known.insert(
                r.code.to_lowercase(),
                UnitRef {
                    id: fake_id,
                    code: r.code.clone(),
                    country: r.country.clone(),
                    depth: level.depth,
                    path: format!("{parent_path}{fake_id}/"),
                },
            );
            continue;
        }
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO units (parent_id, country, depth, code, name, path) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(parent_id)
        .bind(&r.country)
        .bind(level.depth)
        .bind(&r.code)
        .bind(&r.name)
        .bind(format!("{parent_path}pending-{}", r.row))
        .fetch_one(&mut *c)
        .await
        })?;
        let path = format!("{parent_path}{id}/");
        on_tx!(&mut tx, |c| sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
            .bind(&path)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
        known.insert(
            r.code.to_lowercase(),
            UnitRef { id, code: r.code.clone(), country: r.country.clone(), depth: level.depth, path },
        );
        created += 1;
        (progress.written)(1);
    }
    fail_if_any(problems)?;
    finish(tx, actor, ImportKind::Units, created, dry_run).await
}

async fn schools(db: &Db, actor: &Actor, table: &Table, dry_run: bool, progress: &Progress<'_>) -> Result<u64> {
    let rows = import::check_schools(table).map_err(Error::Invalid)?;
    let units = unit_refs(db).await?;
    let existing: HashSet<String> =
        on_db!(db, |p| sqlx::query_scalar::<_, String>("SELECT LOWER(code) FROM schools").fetch_all(p).await)?
            .into_iter()
            .collect();
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if existing.contains(&r.code.to_lowercase()) {
            problems.push(Problem::new("exists").at_row(r.row).in_column("code").with_value(&r.code));
        }
        let Some(unit) = units.get(&r.unit_code.to_lowercase()) else {
            problems.push(Problem::new("unknown-unit").at_row(r.row).in_column("unit_code").with_value(&r.unit_code));
            continue;
        };
        if !actor.allows(Action::EditSchools, &Target::School { id: 0, unit_path: &unit.path }) {
            problems.push(Problem::new("out-of-scope").at_row(r.row).in_column("unit_code").with_value(&unit.code));
            continue;
        }
        out.push(vec![
            Cell::from(r.code.clone()),
            r.name.clone().into(),
            unit.id.into(),
            unit.path.clone().into(),
            r.level.key().into(),
            r.ownership.key().into(),
            r.subsystem.map(|s| s.key().to_string()).into(),
            r.latitude.into(),
            r.longitude.into(),
        ]);
    }
    fail_if_any(problems)?;
    if dry_run {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let created = bulk::insert(
        &mut tx,
        "INSERT INTO schools (code, name, unit_id, unit_path, level, ownership, subsystem, latitude, longitude)",
        9,
        out,
        progress.written,
    )
    .await?;
    finish(tx, actor, ImportKind::Schools, created, dry_run).await
}

/// Where a position is held, resolved against the database.
struct Place {
    school_id: Option<i64>,
    unit_id: Option<i64>,
    path: String,
}

struct Places {
    schools: HashMap<String, (i64, String)>,
    units: HashMap<String, UnitRef>,
}

impl Places {
    async fn load(db: &Db) -> Result<Places> {
        let schools: Vec<(i64, String, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT id, code, unit_path FROM schools").fetch_all(p).await)?;
        Ok(Places {
            schools: schools.into_iter().map(|(id, code, path)| (code.to_lowercase(), (id, path))).collect(),
            units: unit_refs(db).await?,
        })
    }

    /// Resolves a position's place and checks the importer may place people there.
    fn resolve(&self, actor: &Actor, x: &PositionRow, problems: &mut Vec<Problem>) -> Option<Place> {
        let (place, column, code) = if let Some(code) = &x.school_code {
            match self.schools.get(&code.to_lowercase()) {
                Some((id, path)) => {
                    (Place { school_id: Some(*id), unit_id: None, path: path.clone() }, "school_code", code)
                }
                None => {
                    problems
                        .push(Problem::new("unknown-school").at_row(x.row).in_column("school_code").with_value(code));
                    return None;
                }
            }
        } else if let Some(code) = &x.unit_code {
            match self.units.get(&code.to_lowercase()) {
                Some(u) => (Place { school_id: None, unit_id: Some(u.id), path: u.path.clone() }, "unit_code", code),
                None => {
                    problems.push(Problem::new("unknown-unit").at_row(x.row).in_column("unit_code").with_value(code));
                    return None;
                }
            }
        } else {
            return None;
        };
        if x.role.is_school_role() && place.school_id.is_none() {
            problems.push(
                Problem::new("role-needs-school").at_row(x.row).in_column("school_code").arg("role", x.role.key()),
            );
            return None;
        }
        let schools: Vec<i64> = place.school_id.into_iter().collect();
        let paths = [place.path.clone()];
        if !actor.allows(Action::EditPeople, &Target::Person { id: 0, school_ids: &schools, paths: &paths }) {
            problems.push(Problem::new("out-of-scope").at_row(x.row).in_column(column).with_value(code));
            return None;
        }
        Some(place)
    }
}

fn position_cells_of(person_id: i64, x: &PositionRow, place: &Place) -> Vec<Cell> {
    vec![
        Cell::from(person_id),
        x.role.key().into(),
        place.school_id.into(),
        place.unit_id.into(),
        place.path.clone().into(),
        x.start_date.into(),
        x.end_date.into(),
    ]
}

const PEOPLE_INSERT: &str =
    "INSERT INTO people (id, staff_number, given_name, family_name, sex, birth_year, phone, email)";

/// The cells of one person, moving the names and contacts out (they are written once).
fn person_cells(id: i64, r: &mut import::PersonRow) -> Vec<Cell> {
    vec![
        Cell::from(id),
        r.staff_number.clone().into(),
        std::mem::take(&mut r.given_name).into(),
        std::mem::take(&mut r.family_name).into(),
        r.sex.key().into(),
        r.birth_year.map(i64::from).into(),
        r.phone.take().into(),
        r.email.take().into(),
    ]
}

const POSITIONS_INSERT: &str =
    "INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date, end_date)";

/// People files can hold a million rows: they are checked a chunk at a time while the
/// chunk before is written, in one transaction that is rolled back if any row anywhere
/// has a problem (a dry run writes nothing at all).
async fn people(db: &Db, actor: &Actor, table: &Table, dry_run: bool, progress: &Progress<'_>) -> Result<u64> {
    let mut checker = import::people_checker(&table.headers).map_err(Error::Invalid)?;
    if table.rows.is_empty() {
        return Err(Error::invalid(Problem::new("no-rows")));
    }
    let existing: HashSet<String> = on_db!(db, |p| sqlx::query_scalar::<_, String>(
        "SELECT LOWER(staff_number) FROM people WHERE staff_number IS NOT NULL"
    )
    .fetch_all(p)
    .await)?
    .into_iter()
    .collect();
    let places = Places::load(db).await?;
    let anywhere = actor.allows(Action::EditPeople, &Target::Deployment);
    let mut tx = if dry_run { None } else { Some(db.begin().await?) };
    let mut next_id = match tx.as_mut() {
        Some(t) => bulk::next_id(t, "people").await?,
        None => 0,
    };
    let mut problems: Vec<Problem> = Vec::new();
    let mut created = 0;
    // The people and position rows of the chunk checked last, waiting to be written.
    type Rows = Vec<Vec<Cell>>;
    let mut pending: Option<(Rows, Rows)> = None;
    let mut chunks = table.rows.chunks(bulk::batch_rows(8));
    loop {
        let chunk = chunks.next();
        let writable = problems.is_empty() && !checker.has_problems();
        let check = async { chunk.map(|c| checker.check(c)) };
        let checked = match (pending.take(), tx.as_mut()) {
            (Some((people, positions)), Some(t)) if writable => {
                let write = async {
                    let n = bulk::insert(t, PEOPLE_INSERT, 8, people, progress.written).await?;
                    bulk::insert(t, POSITIONS_INSERT, 7, positions, &|_| {}).await?;
                    Ok::<u64, Error>(n)
                };
                // The database writes on its own thread (SQLite's worker, PostgreSQL's
                // server) while this one checks the next chunk.
                let (written, checked) = tokio::join!(write, check);
                created += written?;
                checked
            }
            _ => check.await,
        };
        let Some(rows) = checked else { break };
        let mut people_cells = Vec::with_capacity(rows.len());
        let mut position_cells = Vec::new();
        for mut r in rows {
            if !existing.is_empty() && existing.contains(&r.staff_number.to_lowercase()) {
                problems
                    .push(Problem::new("exists").at_row(r.row).in_column("staff_number").with_value(&r.staff_number));
            }
            let place = match &r.position {
                Some(x) => places.resolve(actor, x, &mut problems),
                None if anywhere => None,
                None => {
                    problems.push(
                        Problem::new("out-of-scope").at_row(r.row).in_column("school_code").with_value(&r.staff_number),
                    );
                    None
                }
            };
            if let (Some(x), Some(place)) = (&r.position, &place) {
                position_cells.push(position_cells_of(next_id, x, place));
            }
            people_cells.push(person_cells(next_id, &mut r));
            next_id += 1;
        }
        if problems.len() >= import::MAX_PROBLEMS {
            break;
        }
        pending = Some((people_cells, position_cells));
    }
    let total = problems.len() + checker.total();
    problems.extend(checker.finish());
    if !problems.is_empty() {
        // Dropping the transaction rolls back whatever chunks were written.
        problems.sort_by_key(|p| p.row);
        return Err(Error::Invalid(import::listed(problems, total)));
    }
    let Some(mut tx) = tx else { return Ok(0) };
    bulk::sync_ids(&mut tx, "people").await?;
    finish(tx, actor, ImportKind::People, created, dry_run).await
}

async fn positions(db: &Db, actor: &Actor, table: &Table, dry_run: bool, progress: &Progress<'_>) -> Result<u64> {
    let rows = import::check_positions(table).map_err(Error::Invalid)?;
    let people: HashMap<String, i64> = on_db!(db, |p| sqlx::query_as::<_, (String, i64)>(
        "SELECT LOWER(staff_number), id FROM people WHERE staff_number IS NOT NULL"
    )
    .fetch_all(p)
    .await)?
    .into_iter()
    .collect();
    let places = Places::load(db).await?;
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for x in &rows {
        let person = people.get(&x.staff_number.to_lowercase());
        if person.is_none() {
            problems.push(
                Problem::new("unknown-person").at_row(x.row).in_column("staff_number").with_value(&x.staff_number),
            );
        }
        let place = places.resolve(actor, x, &mut problems);
        if let (Some(id), Some(place)) = (person, place) {
            out.push(position_cells_of(*id, x, &place));
        }
        if problems.len() >= import::MAX_PROBLEMS {
            break;
        }
    }
    fail_if_any(problems)?;
    if dry_run {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let created = bulk::insert(&mut tx, POSITIONS_INSERT, 7, out, progress.written).await?;
    finish(tx, actor, ImportKind::Positions, created, dry_run).await
}
