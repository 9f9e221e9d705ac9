//! The registry's four kinds of file (units, schools, people, positions) on the one import
//! pipeline ([`opencpd_kernel::import`]): the rules of a row are `domain::import`'s, what
//! needs the database (codes that exist, the parent of a unit, where a position is held,
//! the importer's scope) is checked here against what the importer read before the run,
//! and the rows are written in the pipeline's one transaction: every row or none.
//!
//! Keys already in the database and keys seen in the file are kept as 64-bit hashes
//! ([`opencpd_domain::import::key_hash`]), so a million-row file or a national registry
//! costs a few megabytes, not a copy of every code.
//!
//! On an update (`--update`) a row whose key exists changes that record instead of being
//! refused: a unit's name (its country, level and parent stay: a different one is a
//! problem); a school's fields, moving its positions with it to a new unit; a person's
//! details, and the position the row gives is added when they do not hold it already (same
//! role, place and start date); a position (the same person, role, place and start date)
//! its end date. An empty optional cell leaves the value as it is. The records are read
//! again in the import's transaction, batch by batch, and the actor must be allowed to
//! change each one where it is now.

use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::import::{
    ImportKind, PersonRow, PersonRule, PositionRow, PositionRule, Rule, SchoolRow, SchoolRule, Seen, UnitRow, UnitRule,
    key_hash,
};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::import::{self, Column, Current, ImportReport, Importer, Keyed, Options, Row, Source, Written};
use opencpd_kernel::{Actor, Db, Result, Tx, on_db, on_tx, today};
use std::collections::HashMap;

/// Checks and (unless a dry run) writes a file of `kind`: see the module's documentation.
pub async fn import(
    db: &Db,
    actor: &Actor,
    kind: ImportKind,
    source: Source,
    options: Options<'_>,
) -> Result<ImportReport> {
    if !may_import(actor, kind) {
        return Ok(ImportReport::refused(kind.key(), options.dry_run, Problem::new("forbidden")));
    }
    let update = options.update;
    match kind {
        ImportKind::Units => import::run(db, actor, &mut Units::load(db, update).await?, source, options).await,
        ImportKind::Schools => {
            import::run(db, actor, &mut Schools::load(db, actor, update).await?, source, options).await
        }
        ImportKind::People => {
            import::run(db, actor, &mut People::load(db, actor, update).await?, source, options).await
        }
        ImportKind::Positions => {
            import::run(db, actor, &mut Positions::load(db, actor, update).await?, source, options).await
        }
    }
}

/// Whether `actor` may import files of `kind` somewhere (each row is then checked
/// against the actor's scope).
pub fn may_import(actor: &Actor, kind: ImportKind) -> bool {
    match kind {
        ImportKind::Units => actor.allows(Action::EditUnits, &Target::Unit { path: "/" }),
        ImportKind::Schools => actor.may(Action::EditSchools),
        ImportKind::People | ImportKind::Positions => actor.may(Action::EditPeople),
    }
}

#[derive(sqlx::FromRow, Clone)]
struct UnitRef {
    id: i64,
    code: String,
    country: String,
    depth: i64,
    path: String,
    parent_code: Option<String>,
}

async fn unit_refs(db: &Db) -> Result<HashMap<String, UnitRef>> {
    let rows: Vec<UnitRef> = on_db!(db, |p| sqlx::query_as(
        "SELECT u.id, u.code, u.country, u.depth, u.path, p.code AS parent_code \
         FROM units u LEFT JOIN units p ON p.id = u.parent_id"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(|u| (u.code.to_lowercase(), u)).collect())
}

/// Records already in the database by the hash of their key's lower case: `sql` gives
/// (key, id).
async fn existing_keys(db: &Db, sql: &'static str) -> Result<HashMap<u64, i64>> {
    let keys: Vec<(String, i64)> = on_db!(db, |p| sqlx::query_as(sql).fetch_all(p).await)?;
    Ok(keys.iter().map(|(k, id)| (key_hash(k), *id)).collect())
}

/// Ids as a list for `IN (…)`: whole numbers, so written into the statement.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

/// The problem of a key that exists, on a file that does not update.
fn exists(row: usize, column: &str, value: &str) -> Problem {
    Problem::new("exists").at_row(row).in_column(column).with_value(value)
}

// ---- units -------------------------------------------------------------------------

struct Units {
    rule: UnitRule,
    levels: Vec<super::Level>,
    /// Units in the database, by lower-case code.
    known: HashMap<String, UnitRef>,
    /// Units of the file checked so far: (country, depth) by lower-case code.
    in_file: HashMap<String, (String, i64)>,
    /// Units written by this import: (id, path) by lower-case code.
    written: HashMap<String, (i64, String)>,
    update: bool,
}

struct NewUnit {
    row: UnitRow,
    depth: i64,
    /// The unit the row's code names, on an update.
    existing: Option<i64>,
}

impl Units {
    async fn load(db: &Db, update: bool) -> Result<Units> {
        Ok(Units {
            rule: UnitRule::default(),
            levels: super::levels(db).await?,
            known: unit_refs(db).await?,
            in_file: HashMap::new(),
            written: HashMap::new(),
            update,
        })
    }
}

impl Importer for Units {
    type Checked = NewUnit;

    fn kind(&self) -> &'static str {
        ImportKind::Units.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::Units.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<NewUnit, Vec<Problem>> {
        let r = self.rule.check(row)?;
        let country_levels: Vec<_> = self.levels.iter().filter(|l| l.country == r.country).collect();
        let Some(level) = country_levels.iter().find(|l| l.key == r.level) else {
            let allowed = country_levels.iter().map(|l| l.key.as_str()).collect::<Vec<_>>().join(", ");
            return Err(vec![
                Problem::new("unknown-level")
                    .at_row(r.row)
                    .in_column("level")
                    .with_value(&r.level)
                    .arg("country", &r.country)
                    .arg("allowed", if allowed.is_empty() { "-".into() } else { allowed }),
            ]);
        };
        let code = r.code.to_lowercase();
        if let Some(known) = self.known.get(&code) {
            if !self.update {
                return Err(vec![exists(r.row, "code", &r.code)]);
            }
            // An update names a unit where it is: its country, level and parent stay.
            let moved = |column: &str, value: &str, was: &str| {
                Problem::new("unit-moved").at_row(r.row).in_column(column).with_value(value).arg("was", was)
            };
            let mut problems = Vec::new();
            if known.country != r.country {
                problems.push(moved("country", &r.country, &known.country));
            } else if known.depth != level.depth {
                let was = country_levels.iter().find(|l| l.depth == known.depth).map(|l| l.key.as_str()).unwrap_or("-");
                problems.push(moved("level", &r.level, was));
            }
            let parent = r.parent_code.as_deref().map(str::to_lowercase);
            if parent != known.parent_code.as_deref().map(str::to_lowercase) {
                let given = r.parent_code.as_deref().unwrap_or("");
                problems.push(moved("parent_code", given, known.parent_code.as_deref().unwrap_or("-")));
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            let existing = Some(known.id);
            self.in_file.insert(code, (r.country.clone(), level.depth));
            return Ok(NewUnit { row: r, depth: level.depth, existing });
        }
        let parent = match &r.parent_code {
            Some(p) => {
                let key = p.to_lowercase();
                match self
                    .known
                    .get(&key)
                    .map(|u| (u.country.clone(), u.depth))
                    .or_else(|| self.in_file.get(&key).cloned())
                {
                    Some(found) => Some(found),
                    None => {
                        return Err(vec![
                            Problem::new("unknown-parent").at_row(r.row).in_column("parent_code").with_value(p),
                        ]);
                    }
                }
            }
            None => None,
        };
        let parent_ok = match &parent {
            Some((country, depth)) => *depth == level.depth - 1 && *country == r.country,
            None => level.depth == 0,
        };
        if !parent_ok {
            let expected =
                country_levels.iter().find(|l| l.depth == level.depth - 1).map(|l| l.key.clone()).unwrap_or("-".into());
            return Err(vec![
                Problem::new("wrong-level")
                    .at_row(r.row)
                    .in_column("parent_code")
                    .with_value(r.parent_code.clone().unwrap_or_default())
                    .arg("level", &r.level)
                    .arg("expected", expected),
            ]);
        }
        let depth = level.depth;
        self.in_file.insert(code, (r.country.clone(), depth));
        Ok(NewUnit { row: r, depth, existing: None })
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<NewUnit>) -> Result<Written> {
        let mut created = 0;
        for NewUnit { row: r, depth, .. } in rows {
            // A unit's path holds its id: each is written, then its path set.
            let parent = r.parent_code.as_deref().map(str::to_lowercase).and_then(|p| {
                self.written.get(&p).cloned().or_else(|| self.known.get(&p).map(|u| (u.id, u.path.clone())))
            });
            let (parent_id, parent_path) = parent.map(|(id, path)| (Some(id), path)).unwrap_or((None, "/".into()));
            let id: i64 = on_tx!(&mut *tx, |c| {
                sqlx::query_scalar(
                    "INSERT INTO units (parent_id, country, depth, code, name, path) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(parent_id)
                .bind(&r.country)
                .bind(depth)
                .bind(&r.code)
                .bind(&r.name)
                .bind(format!("{parent_path}pending-{}", r.row))
                .fetch_one(&mut *c)
                .await
            })?;
            let path = format!("{parent_path}{id}/");
            on_tx!(&mut *tx, |c| sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
                .bind(&path)
                .bind(id)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            self.written.insert(r.code.to_lowercase(), (id, path));
            created += 1;
        }
        Ok(Written::rows(created))
    }

    fn batch_rows(&self) -> usize {
        256
    }

    fn compared(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn entity(&self) -> &'static str {
        "unit"
    }

    fn keyed(&self, u: &NewUnit) -> Keyed {
        Keyed { row: u.row.row, key: u.row.code.clone(), values: vec![Some(u.row.name.clone())] }
    }

    async fn current(&mut self, tx: &mut Tx, rows: &mut Vec<NewUnit>) -> Result<(Vec<Option<Current>>, Vec<Problem>)> {
        let sql =
            format!("SELECT id, name FROM units WHERE id IN ({})", id_list(rows.iter().filter_map(|u| u.existing)));
        let found: HashMap<i64, String> = if rows.iter().any(|u| u.existing.is_some()) {
            let found: Vec<(i64, String)> = on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .persistent(false)
                .fetch_all(&mut *c)
                .await)?;
            found.into_iter().collect()
        } else {
            HashMap::new()
        };
        let current = rows
            .iter()
            .map(|u| {
                let id = u.existing?;
                Some(Current { id, values: vec![found.get(&id).cloned()] })
            })
            .collect();
        Ok((current, Vec::new()))
    }

    async fn update(&mut self, tx: &mut Tx, rows: Vec<(i64, NewUnit)>) -> Result<()> {
        let cells = rows.into_iter().map(|(id, u)| vec![Cell::from(id), u.row.name.into()]).collect();
        bulk::update(tx, "UPDATE units SET name = v.column2", "WHERE units.id = v.column1", &["BIGINT", "TEXT"], cells)
            .await?;
        Ok(())
    }
}

// ---- schools -----------------------------------------------------------------------

struct Schools {
    rule: SchoolRule,
    actor: Actor,
    units: HashMap<String, UnitRef>,
    existing: HashMap<u64, i64>,
    update: bool,
}

struct NewSchool {
    row: SchoolRow,
    unit_id: i64,
    unit_code: String,
    unit_path: String,
    /// The school the row's code names, on an update.
    existing: Option<i64>,
}

impl Schools {
    async fn load(db: &Db, actor: &Actor, update: bool) -> Result<Schools> {
        Ok(Schools {
            rule: SchoolRule::default(),
            actor: actor.clone(),
            units: unit_refs(db).await?,
            existing: existing_keys(db, "SELECT code, id FROM schools").await?,
            update,
        })
    }
}

/// A school as an update compares it: its fields in the order of `Schools::compared`.
#[derive(sqlx::FromRow)]
struct SchoolNow {
    id: i64,
    name: String,
    unit_code: String,
    unit_path: String,
    level: String,
    ownership: String,
    subsystem: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl Importer for Schools {
    type Checked = NewSchool;

    fn kind(&self) -> &'static str {
        ImportKind::Schools.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::Schools.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<NewSchool, Vec<Problem>> {
        let r: SchoolRow = self.rule.check(row)?;
        let mut problems = Vec::new();
        let existing = self.existing.get(&key_hash(&r.code)).copied();
        if existing.is_some() && !self.update {
            problems.push(exists(r.row, "code", &r.code));
        }
        let Some(unit) = self.units.get(&r.unit_code.to_lowercase()) else {
            problems.push(Problem::new("unknown-unit").at_row(r.row).in_column("unit_code").with_value(&r.unit_code));
            return Err(problems);
        };
        if !self.actor.allows(Action::EditSchools, &Target::School { id: 0, unit_path: &unit.path }) {
            problems.push(Problem::new("out-of-scope").at_row(r.row).in_column("unit_code").with_value(&unit.code));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(NewSchool { unit_id: unit.id, unit_code: unit.code.clone(), unit_path: unit.path.clone(), row: r, existing })
    }

    async fn write(&mut self, _tx: &mut Tx, rows: Vec<NewSchool>) -> Result<Written> {
        let n = rows.len() as u64;
        let cells = rows
            .into_iter()
            .map(|s| {
                let r = s.row;
                vec![
                    Cell::from(r.code),
                    r.name.into(),
                    s.unit_id.into(),
                    s.unit_path.into(),
                    r.level.key().into(),
                    r.ownership.key().into(),
                    r.subsystem.map(|s| s.key().to_string()).into(),
                    r.latitude.into(),
                    r.longitude.into(),
                ]
            })
            .collect();
        Ok(Written::rows(n).insert(
            "INSERT INTO schools (code, name, unit_id, unit_path, level, ownership, subsystem, latitude, longitude)",
            9,
            cells,
            "",
        ))
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(9)
    }

    fn compared(&self) -> &'static [&'static str] {
        &["name", "unit_code", "level", "ownership", "subsystem", "latitude", "longitude"]
    }

    fn entity(&self) -> &'static str {
        "school"
    }

    fn keyed(&self, s: &NewSchool) -> Keyed {
        let r = &s.row;
        Keyed {
            row: r.row,
            key: r.code.clone(),
            values: vec![
                Some(r.name.clone()),
                Some(s.unit_code.clone()),
                Some(r.level.key().to_string()),
                Some(r.ownership.key().to_string()),
                r.subsystem.map(|v| v.key().to_string()),
                r.latitude.map(|v| v.to_string()),
                r.longitude.map(|v| v.to_string()),
            ],
        }
    }

    async fn current(
        &mut self,
        tx: &mut Tx,
        rows: &mut Vec<NewSchool>,
    ) -> Result<(Vec<Option<Current>>, Vec<Problem>)> {
        let found: HashMap<i64, SchoolNow> = if rows.iter().any(|s| s.existing.is_some()) {
            let sql = format!(
                "SELECT s.id, s.name, u.code AS unit_code, s.unit_path, s.level, s.ownership, s.subsystem, \
                 s.latitude, s.longitude FROM schools s JOIN units u ON u.id = s.unit_id WHERE s.id IN ({})",
                id_list(rows.iter().filter_map(|s| s.existing))
            );
            let found: Vec<SchoolNow> = on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .persistent(false)
                .fetch_all(&mut *c)
                .await)?;
            found.into_iter().map(|s| (s.id, s)).collect()
        } else {
            HashMap::new()
        };
        let mut problems = Vec::new();
        let mut current = Vec::with_capacity(rows.len());
        rows.retain(|s| {
            let Some(now) = s.existing.and_then(|id| found.get(&id)) else {
                current.push(None);
                return true;
            };
            // The school must be the actor's to change where it is now, as well as where
            // the row puts it.
            if !self.actor.allows(Action::EditSchools, &Target::School { id: now.id, unit_path: &now.unit_path }) {
                problems.push(Problem::new("out-of-scope").at_row(s.row.row).in_column("code").with_value(&s.row.code));
                return false;
            }
            current.push(Some(Current {
                id: now.id,
                values: vec![
                    Some(now.name.clone()),
                    Some(now.unit_code.clone()),
                    Some(now.level.clone()),
                    Some(now.ownership.clone()),
                    now.subsystem.clone(),
                    now.latitude.map(|v| v.to_string()),
                    now.longitude.map(|v| v.to_string()),
                ],
            }));
            true
        });
        Ok((current, problems))
    }

    async fn update(&mut self, tx: &mut Tx, rows: Vec<(i64, NewSchool)>) -> Result<()> {
        let mut places = Vec::with_capacity(rows.len());
        let cells = rows
            .into_iter()
            .map(|(id, s)| {
                let r = s.row;
                places.push(vec![Cell::from(id), s.unit_path.clone().into()]);
                vec![
                    Cell::from(id),
                    r.name.into(),
                    s.unit_id.into(),
                    s.unit_path.into(),
                    r.level.key().into(),
                    r.ownership.key().into(),
                    r.subsystem.map(|v| v.key().to_string()).into(),
                    r.latitude.into(),
                    r.longitude.into(),
                ]
            })
            .collect();
        bulk::update(
            tx,
            "UPDATE schools SET name = v.column2, unit_id = v.column3, unit_path = v.column4, level = v.column5, \
             ownership = v.column6, subsystem = COALESCE(v.column7, subsystem), \
             latitude = COALESCE(v.column8, latitude), longitude = COALESCE(v.column9, longitude), \
             version = version + 1",
            "WHERE schools.id = v.column1",
            &["BIGINT", "TEXT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "DOUBLE PRECISION", "DOUBLE PRECISION"],
            cells,
        )
        .await?;
        // A school moved to another unit takes its positions with it.
        bulk::update(
            tx,
            "UPDATE positions SET path = v.column2",
            "WHERE positions.school_id = v.column1 AND positions.path <> v.column2",
            &["BIGINT", "TEXT"],
            places,
        )
        .await?;
        Ok(())
    }
}

// ---- where positions are held --------------------------------------------------------

/// Where a position is held, resolved against the database.
struct Place {
    school_id: Option<i64>,
    unit_id: Option<i64>,
    path: String,
}

impl Place {
    /// Whether a position held in the database is here.
    fn holds(&self, x: &PositionNow) -> bool {
        x.school_id == self.school_id && x.unit_id == self.unit_id
    }
}

/// A position in the database, as an update compares it.
#[derive(sqlx::FromRow)]
struct PositionNow {
    id: i64,
    person_id: i64,
    role: String,
    school_id: Option<i64>,
    unit_id: Option<i64>,
    path: String,
    start_date: chrono::NaiveDate,
    end_date: Option<chrono::NaiveDate>,
}

/// The positions of `people`, read in the transaction.
async fn positions_of(tx: &mut Tx, people: impl Iterator<Item = i64>) -> Result<Vec<PositionNow>> {
    let ids = id_list(people);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, person_id, role, school_id, unit_id, path, start_date, end_date FROM positions \
         WHERE person_id IN ({ids}) ORDER BY id"
    );
    Ok(on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .persistent(false)
        .fetch_all(&mut *c)
        .await)?)
}

/// A position as the report names it: role, place and start date.
fn position_text(x: &PositionRow) -> String {
    let place = x.school_code.as_deref().or(x.unit_code.as_deref()).unwrap_or("");
    format!("{} · {place} · {}", x.role.key(), x.start_date)
}

struct Places {
    actor: Actor,
    schools: HashMap<String, (i64, String)>,
    units: HashMap<String, UnitRef>,
}

impl Places {
    async fn load(db: &Db, actor: &Actor) -> Result<Places> {
        let schools: Vec<(i64, String, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT id, code, unit_path FROM schools").fetch_all(p).await)?;
        Ok(Places {
            actor: actor.clone(),
            schools: schools.into_iter().map(|(id, code, path)| (code.to_lowercase(), (id, path))).collect(),
            units: unit_refs(db).await?,
        })
    }

    /// Resolves a position's place and checks the importer may place people there.
    fn resolve(&self, x: &PositionRow, problems: &mut Vec<Problem>) -> Option<Place> {
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
        if !self.actor.allows(Action::EditPeople, &Target::Person { id: 0, school_ids: &schools, paths: &paths }) {
            problems.push(Problem::new("out-of-scope").at_row(x.row).in_column(column).with_value(code));
            return None;
        }
        Some(place)
    }
}

fn position_cells(person_id: i64, x: &PositionRow, place: &Place) -> Vec<Cell> {
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

const POSITIONS_INSERT: &str =
    "INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date, end_date)";

// ---- people ------------------------------------------------------------------------

struct People {
    rule: PersonRule,
    places: Places,
    /// The importer may add people without a position (a national registry load).
    anywhere: bool,
    /// People in the database by the hash of their staff number.
    existing: HashMap<u64, i64>,
    /// The id the next person written gets (read in the import's transaction).
    next_id: Option<i64>,
    update: bool,
}

struct NewPerson {
    row: PersonRow,
    place: Option<Place>,
    /// The person the row's staff number names, on an update.
    existing: Option<i64>,
    /// On an update of a person: the row's position is one they do not hold yet.
    new_position: bool,
}

impl People {
    async fn load(db: &Db, actor: &Actor, update: bool) -> Result<People> {
        Ok(People {
            rule: PersonRule::default(),
            places: Places::load(db, actor).await?,
            anywhere: actor.allows(Action::EditPeople, &Target::Deployment),
            existing: existing_keys(db, "SELECT staff_number, id FROM people WHERE staff_number IS NOT NULL").await?,
            next_id: None,
            update,
        })
    }
}

/// A person as an update compares them: their fields in the order of `People::compared`.
#[derive(sqlx::FromRow)]
struct PersonNow {
    id: i64,
    given_name: String,
    family_name: String,
    sex: String,
    birth_year: Option<i64>,
    phone: Option<String>,
    email: Option<String>,
}

impl Importer for People {
    type Checked = NewPerson;

    fn kind(&self) -> &'static str {
        ImportKind::People.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::People.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<NewPerson, Vec<Problem>> {
        let r = self.rule.check(row)?;
        let mut problems = Vec::new();
        let existing =
            if self.existing.is_empty() { None } else { self.existing.get(&key_hash(&r.staff_number)).copied() };
        if existing.is_some() && !self.update {
            problems.push(exists(r.row, "staff_number", &r.staff_number));
        }
        let place = match &r.position {
            Some(x) => self.places.resolve(x, &mut problems),
            // Someone who is there already is checked where they work now, batch by batch.
            None if self.anywhere || existing.is_some() => None,
            None => {
                problems.push(
                    Problem::new("out-of-scope").at_row(r.row).in_column("school_code").with_value(&r.staff_number),
                );
                None
            }
        };
        if problems.is_empty() { Ok(NewPerson { row: r, place, existing, new_position: false }) } else { Err(problems) }
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<NewPerson>) -> Result<Written> {
        if rows.is_empty() {
            return Ok(Written::rows(0));
        }
        let mut next = match self.next_id {
            Some(id) => id,
            None => bulk::next_id(tx, "people").await?,
        };
        let mut people = Vec::with_capacity(rows.len());
        let mut positions = Vec::new();
        for NewPerson { row: r, place, .. } in rows {
            if let (Some(x), Some(place)) = (&r.position, &place) {
                positions.push(position_cells(next, x, place));
            }
            people.push(vec![
                Cell::from(next),
                r.staff_number.into(),
                r.given_name.into(),
                r.family_name.into(),
                r.sex.key().into(),
                r.birth_year.map(i64::from).into(),
                r.phone.into(),
                r.email.into(),
            ]);
            next += 1;
        }
        self.next_id = Some(next);
        Ok(Written::rows(people.len() as u64)
            .insert(
                "INSERT INTO people (id, staff_number, given_name, family_name, sex, birth_year, phone, email)",
                8,
                people,
                "",
            )
            .insert(POSITIONS_INSERT, 7, positions, ""))
    }

    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        bulk::sync_ids(tx, "people").await
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(8)
    }

    fn compared(&self) -> &'static [&'static str] {
        &["given_name", "family_name", "sex", "birth_year", "phone", "email", "position"]
    }

    fn entity(&self) -> &'static str {
        "person"
    }

    fn keyed(&self, p: &NewPerson) -> Keyed {
        let r = &p.row;
        Keyed {
            row: r.row,
            key: r.staff_number.clone(),
            values: vec![
                Some(r.given_name.clone()),
                Some(r.family_name.clone()),
                Some(r.sex.key().to_string()),
                r.birth_year.map(|y| y.to_string()),
                r.phone.clone(),
                r.email.clone(),
                r.position.as_ref().map(position_text),
            ],
        }
    }

    async fn current(
        &mut self,
        tx: &mut Tx,
        rows: &mut Vec<NewPerson>,
    ) -> Result<(Vec<Option<Current>>, Vec<Problem>)> {
        if !rows.iter().any(|p| p.existing.is_some()) {
            return Ok((rows.iter().map(|_| None).collect(), Vec::new()));
        }
        let sql = format!(
            "SELECT id, given_name, family_name, sex, birth_year, phone, email FROM people WHERE id IN ({})",
            id_list(rows.iter().filter_map(|p| p.existing))
        );
        let found: Vec<PersonNow> = on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .persistent(false)
            .fetch_all(&mut *c)
            .await)?;
        let found: HashMap<i64, PersonNow> = found.into_iter().map(|p| (p.id, p)).collect();
        let mut held: HashMap<i64, Vec<PositionNow>> = HashMap::new();
        for x in positions_of(tx, rows.iter().filter_map(|p| p.existing)).await? {
            held.entry(x.person_id).or_default().push(x);
        }
        let on = today();
        let actor = &self.places.actor;
        let mut problems = Vec::new();
        let mut current = Vec::with_capacity(rows.len());
        rows.retain_mut(|p| {
            let Some(now) = p.existing.and_then(|id| found.get(&id)) else {
                current.push(None);
                return true;
            };
            let positions = held.get(&now.id).map(Vec::as_slice).unwrap_or(&[]);
            // Changed by someone who may change them where they work now, as a single edit is.
            let here: Vec<&PositionNow> =
                positions.iter().filter(|x| x.start_date <= on && x.end_date.is_none_or(|e| e >= on)).collect();
            let schools: Vec<i64> = here.iter().filter_map(|x| x.school_id).collect();
            let paths: Vec<String> = here.iter().map(|x| x.path.clone()).collect();
            if !actor.allows(Action::EditPeople, &Target::Person { id: now.id, school_ids: &schools, paths: &paths }) {
                problems.push(
                    Problem::new("out-of-scope")
                        .at_row(p.row.row)
                        .in_column("staff_number")
                        .with_value(&p.row.staff_number),
                );
                return false;
            }
            let position = match (&p.row.position, &p.place) {
                (Some(x), Some(place)) => {
                    let holds = positions
                        .iter()
                        .any(|h| h.role == x.role.key() && place.holds(h) && h.start_date == x.start_date);
                    p.new_position = !holds;
                    holds.then(|| position_text(x))
                }
                _ => None,
            };
            current.push(Some(Current {
                id: now.id,
                values: vec![
                    Some(now.given_name.clone()),
                    Some(now.family_name.clone()),
                    Some(now.sex.clone()),
                    now.birth_year.map(|y| y.to_string()),
                    now.phone.clone(),
                    now.email.clone(),
                    position,
                ],
            }));
            true
        });
        Ok((current, problems))
    }

    async fn update(&mut self, tx: &mut Tx, rows: Vec<(i64, NewPerson)>) -> Result<()> {
        let mut positions = Vec::new();
        let cells = rows
            .into_iter()
            .map(|(id, p)| {
                if let (true, Some(x), Some(place)) = (p.new_position, &p.row.position, &p.place) {
                    positions.push(position_cells(id, x, place));
                }
                let r = p.row;
                vec![
                    Cell::from(id),
                    r.given_name.into(),
                    r.family_name.into(),
                    r.sex.key().into(),
                    r.birth_year.map(i64::from).into(),
                    r.phone.into(),
                    r.email.into(),
                ]
            })
            .collect();
        bulk::update(
            tx,
            "UPDATE people SET given_name = v.column2, family_name = v.column3, sex = v.column4, \
             birth_year = COALESCE(v.column5, birth_year), phone = COALESCE(v.column6, phone), \
             email = COALESCE(v.column7, email), version = version + 1",
            "WHERE people.id = v.column1",
            &["BIGINT", "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT"],
            cells,
        )
        .await?;
        bulk::insert(tx, POSITIONS_INSERT, 7, positions, &|_| {}).await?;
        Ok(())
    }
}

// ---- positions ---------------------------------------------------------------------

struct Positions {
    places: Places,
    /// People by the hash of their staff number.
    people: HashMap<u64, i64>,
    update: bool,
    /// On an update, the positions of the file so far (person, role, place, start date).
    seen: Seen,
}

struct NewPosition {
    row: PositionRow,
    person_id: i64,
    place: Place,
    /// On an update, the position the row names (found batch by batch).
    existing: Option<i64>,
}

impl Positions {
    async fn load(db: &Db, actor: &Actor, update: bool) -> Result<Positions> {
        let people: Vec<(String, i64)> =
            on_db!(db, |p| sqlx::query_as("SELECT staff_number, id FROM people WHERE staff_number IS NOT NULL")
                .fetch_all(p)
                .await)?;
        Ok(Positions {
            places: Places::load(db, actor).await?,
            people: people.into_iter().map(|(s, id)| (key_hash(&s), id)).collect(),
            update,
            seen: Seen::default(),
        })
    }
}

impl Importer for Positions {
    type Checked = NewPosition;

    fn kind(&self) -> &'static str {
        ImportKind::Positions.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::Positions.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<NewPosition, Vec<Problem>> {
        let x = PositionRule.check(row)?;
        let mut problems = Vec::new();
        let person = self.people.get(&key_hash(&x.staff_number)).copied();
        if person.is_none() {
            problems.push(
                Problem::new("unknown-person").at_row(x.row).in_column("staff_number").with_value(&x.staff_number),
            );
        }
        let place = self.places.resolve(&x, &mut problems);
        if self.update {
            // On an update a row names one position: it may not name it twice.
            let key = position_text(&x);
            let whole = format!("{} · {key}", x.staff_number);
            if let Some(first) = self.seen.first(&whole, x.row) {
                problems.push(
                    Problem::new("duplicate-in-file")
                        .at_row(x.row)
                        .in_column("staff_number")
                        .with_value(whole)
                        .arg("first", first),
                );
            }
        }
        match (person, place) {
            (Some(person_id), Some(place)) if problems.is_empty() => {
                Ok(NewPosition { row: x, person_id, place, existing: None })
            }
            _ => Err(problems),
        }
    }

    async fn write(&mut self, _tx: &mut Tx, rows: Vec<NewPosition>) -> Result<Written> {
        let cells = rows.iter().map(|x| position_cells(x.person_id, &x.row, &x.place)).collect();
        Ok(Written::rows(rows.len() as u64).insert(POSITIONS_INSERT, 7, cells, ""))
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(7)
    }

    fn compared(&self) -> &'static [&'static str] {
        &["end_date"]
    }

    fn entity(&self) -> &'static str {
        "position"
    }

    fn keyed(&self, x: &NewPosition) -> Keyed {
        Keyed {
            row: x.row.row,
            key: format!("{} · {}", x.row.staff_number, position_text(&x.row)),
            values: vec![x.row.end_date.map(|d| d.to_string())],
        }
    }

    async fn current(
        &mut self,
        tx: &mut Tx,
        rows: &mut Vec<NewPosition>,
    ) -> Result<(Vec<Option<Current>>, Vec<Problem>)> {
        let mut held: HashMap<i64, Vec<PositionNow>> = HashMap::new();
        for x in positions_of(tx, rows.iter().map(|x| x.person_id)).await? {
            held.entry(x.person_id).or_default().push(x);
        }
        let current = rows
            .iter_mut()
            .map(|x| {
                let now = held
                    .get(&x.person_id)?
                    .iter()
                    .find(|h| h.role == x.row.role.key() && x.place.holds(h) && h.start_date == x.row.start_date)?;
                x.existing = Some(now.id);
                Some(Current { id: now.id, values: vec![now.end_date.map(|d| d.to_string())] })
            })
            .collect();
        Ok((current, Vec::new()))
    }

    async fn update(&mut self, tx: &mut Tx, rows: Vec<(i64, NewPosition)>) -> Result<()> {
        let cells = rows.into_iter().map(|(id, x)| vec![Cell::from(id), x.row.end_date.into()]).collect();
        bulk::update(
            tx,
            "UPDATE positions SET end_date = COALESCE(v.column2, end_date)",
            "WHERE positions.id = v.column1",
            &["BIGINT", "DATE"],
            cells,
        )
        .await?;
        Ok(())
    }
}

macro_rules! registry_kind {
    ($kind:expr) => {
        import::Kind {
            key: $kind.key(),
            columns: $kind.columns(),
            into: None,
            may: |actor| may_import(actor, $kind),
            updates: true,
            run: |db, actor, source, options, _| Box::pin(import(db, actor, $kind, source, options)),
        }
    };
}

/// The registry's kinds, for the one import route, page and command.
pub const KINDS: [import::Kind; 4] = [
    registry_kind!(ImportKind::Units),
    registry_kind!(ImportKind::Schools),
    registry_kind!(ImportKind::People),
    registry_kind!(ImportKind::Positions),
];
