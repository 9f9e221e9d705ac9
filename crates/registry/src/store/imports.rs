//! The registry's four kinds of file (units, schools, people, positions) on the one import
//! pipeline ([`opencpd_kernel::import`]): the rules of a row are `domain::import`'s, what
//! needs the database (codes that exist, the parent of a unit, where a position is held,
//! the importer's scope) is checked here against what the importer read before the run,
//! and the rows are written in the pipeline's one transaction: every row or none.
//!
//! Keys already in the database and keys seen in the file are kept as 64-bit hashes
//! ([`opencpd_domain::import::key_hash`]), so a million-row file or a national registry
//! costs a few megabytes, not a copy of every code.

use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::import::{
    ImportKind, PersonRow, PersonRule, PositionRow, PositionRule, Rule, SchoolRow, SchoolRule, UnitRow, UnitRule,
    key_hash,
};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::import::{self, Column, ImportReport, Importer, Options, Row, Source};
use opencpd_kernel::{Actor, Db, Result, Tx, on_db, on_tx};
use std::collections::{HashMap, HashSet};

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
    if !may_import(actor, kind) {
        return Ok(ImportReport::refused(kind.key(), options.dry_run, Problem::new("forbidden")));
    }
    match kind {
        ImportKind::Units => import::run(db, actor, &mut Units::load(db).await?, source, options).await,
        ImportKind::Schools => import::run(db, actor, &mut Schools::load(db, actor).await?, source, options).await,
        ImportKind::People => import::run(db, actor, &mut People::load(db, actor).await?, source, options).await,
        ImportKind::Positions => import::run(db, actor, &mut Positions::load(db, actor).await?, source, options).await,
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
}

async fn unit_refs(db: &Db) -> Result<HashMap<String, UnitRef>> {
    let rows: Vec<UnitRef> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, country, depth, path FROM units").fetch_all(p).await)?;
    Ok(rows.into_iter().map(|u| (u.code.to_lowercase(), u)).collect())
}

/// Keys of a column already in the database, as hashes of their lower case.
async fn existing_keys(db: &Db, sql: &'static str) -> Result<HashSet<u64>> {
    let keys: Vec<String> = on_db!(db, |p| sqlx::query_scalar(sql).fetch_all(p).await)?;
    Ok(keys.iter().map(|k| key_hash(k)).collect())
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
}

struct NewUnit {
    row: UnitRow,
    depth: i64,
}

impl Units {
    async fn load(db: &Db) -> Result<Units> {
        Ok(Units {
            rule: UnitRule::default(),
            levels: super::levels(db).await?,
            known: unit_refs(db).await?,
            in_file: HashMap::new(),
            written: HashMap::new(),
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
        if self.known.contains_key(&code) {
            return Err(vec![Problem::new("exists").at_row(r.row).in_column("code").with_value(&r.code)]);
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
        Ok(NewUnit { row: r, depth })
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<NewUnit>) -> Result<u64> {
        let mut created = 0;
        for NewUnit { row: r, depth } in rows {
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
        Ok(created)
    }

    fn batch_rows(&self) -> usize {
        256
    }
}

// ---- schools -----------------------------------------------------------------------

struct Schools {
    rule: SchoolRule,
    actor: Actor,
    units: HashMap<String, UnitRef>,
    existing: HashSet<u64>,
}

impl Schools {
    async fn load(db: &Db, actor: &Actor) -> Result<Schools> {
        Ok(Schools {
            rule: SchoolRule::default(),
            actor: actor.clone(),
            units: unit_refs(db).await?,
            existing: existing_keys(db, "SELECT code FROM schools").await?,
        })
    }
}

impl Importer for Schools {
    type Checked = Vec<Cell>;

    fn kind(&self) -> &'static str {
        ImportKind::Schools.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::Schools.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<Vec<Cell>, Vec<Problem>> {
        let r: SchoolRow = self.rule.check(row)?;
        let mut problems = Vec::new();
        if self.existing.contains(&key_hash(&r.code)) {
            problems.push(Problem::new("exists").at_row(r.row).in_column("code").with_value(&r.code));
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
        Ok(vec![
            Cell::from(r.code),
            r.name.into(),
            unit.id.into(),
            unit.path.clone().into(),
            r.level.key().into(),
            r.ownership.key().into(),
            r.subsystem.map(|s| s.key().to_string()).into(),
            r.latitude.into(),
            r.longitude.into(),
        ])
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<Vec<Cell>>) -> Result<u64> {
        bulk::insert(
            tx,
            "INSERT INTO schools (code, name, unit_id, unit_path, level, ownership, subsystem, latitude, longitude)",
            9,
            rows,
            &|_| {},
        )
        .await
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(9)
    }
}

// ---- where positions are held --------------------------------------------------------

/// Where a position is held, resolved against the database.
struct Place {
    school_id: Option<i64>,
    unit_id: Option<i64>,
    path: String,
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
    existing: HashSet<u64>,
    /// The id the next person written gets (read in the import's transaction).
    next_id: Option<i64>,
}

struct NewPerson {
    row: PersonRow,
    place: Option<Place>,
}

impl People {
    async fn load(db: &Db, actor: &Actor) -> Result<People> {
        Ok(People {
            rule: PersonRule::default(),
            places: Places::load(db, actor).await?,
            anywhere: actor.allows(Action::EditPeople, &Target::Deployment),
            existing: existing_keys(db, "SELECT staff_number FROM people WHERE staff_number IS NOT NULL").await?,
            next_id: None,
        })
    }
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
        if !self.existing.is_empty() && self.existing.contains(&key_hash(&r.staff_number)) {
            problems.push(Problem::new("exists").at_row(r.row).in_column("staff_number").with_value(&r.staff_number));
        }
        let place = match &r.position {
            Some(x) => self.places.resolve(x, &mut problems),
            None if self.anywhere => None,
            None => {
                problems.push(
                    Problem::new("out-of-scope").at_row(r.row).in_column("school_code").with_value(&r.staff_number),
                );
                None
            }
        };
        if problems.is_empty() { Ok(NewPerson { row: r, place }) } else { Err(problems) }
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<NewPerson>) -> Result<u64> {
        let mut next = match self.next_id {
            Some(id) => id,
            None => bulk::next_id(tx, "people").await?,
        };
        let mut people = Vec::with_capacity(rows.len());
        let mut positions = Vec::new();
        for NewPerson { row: r, place } in rows {
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
        let n = bulk::insert(
            tx,
            "INSERT INTO people (id, staff_number, given_name, family_name, sex, birth_year, phone, email)",
            8,
            people,
            &|_| {},
        )
        .await?;
        bulk::insert(tx, POSITIONS_INSERT, 7, positions, &|_| {}).await?;
        Ok(n)
    }

    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        bulk::sync_ids(tx, "people").await
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(8)
    }
}

// ---- positions ---------------------------------------------------------------------

struct Positions {
    places: Places,
    /// People by the hash of their staff number.
    people: HashMap<u64, i64>,
}

impl Positions {
    async fn load(db: &Db, actor: &Actor) -> Result<Positions> {
        let people: Vec<(String, i64)> =
            on_db!(db, |p| sqlx::query_as("SELECT staff_number, id FROM people WHERE staff_number IS NOT NULL")
                .fetch_all(p)
                .await)?;
        Ok(Positions {
            places: Places::load(db, actor).await?,
            people: people.into_iter().map(|(s, id)| (key_hash(&s), id)).collect(),
        })
    }
}

impl Importer for Positions {
    type Checked = Vec<Cell>;

    fn kind(&self) -> &'static str {
        ImportKind::Positions.key()
    }

    fn columns(&self) -> &'static [Column] {
        ImportKind::Positions.columns()
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<Vec<Cell>, Vec<Problem>> {
        let x = PositionRule.check(row)?;
        let mut problems = Vec::new();
        let person = self.people.get(&key_hash(&x.staff_number)).copied();
        if person.is_none() {
            problems.push(
                Problem::new("unknown-person").at_row(x.row).in_column("staff_number").with_value(&x.staff_number),
            );
        }
        let place = self.places.resolve(&x, &mut problems);
        match (person, place) {
            (Some(id), Some(place)) if problems.is_empty() => Ok(position_cells(id, &x, &place)),
            _ => Err(problems),
        }
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<Vec<Cell>>) -> Result<u64> {
        bulk::insert(tx, POSITIONS_INSERT, 7, rows, &|_| {}).await
    }

    fn batch_rows(&self) -> usize {
        bulk::batch_rows(7)
    }
}

macro_rules! registry_kind {
    ($kind:expr) => {
        import::Kind {
            key: $kind.key(),
            columns: $kind.columns(),
            into: None,
            may: |actor| may_import(actor, $kind),
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
