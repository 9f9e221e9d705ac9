//! The registry: administrative units, schools, people and their positions over time.
//!
//! Every function takes the [`Actor`] and checks its scope before reading or writing; a
//! list below a unit is only served once the unit itself is in scope, so subtree queries
//! never need a second filter.

pub mod exports;
pub mod imports;

use chrono::NaiveDate;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::registry::{self as vocab, Ownership, PositionRole, SchoolLevel, Sex, SubSystem};
use opencpd_domain::{Problem, Scope};
use opencpd_kernel::error::{collect, optional_text, stale};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx, today};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    Cluster, ClusterInput, Counts, Level, NewPerson, Person, PersonInput, Position, PositionInput, School, SchoolInput,
    StaffMember, Subject, Unit, UnitSummary,
};

opencpd_kernel::from_row! {
    Level { country, depth, key, name_en, name_fr }
    Unit { id, parent_id, country, depth, code, name, path }
    UnitSummary { id, code, name, depth, path, schools, staff }
    School { id, code, name, unit_id, unit_name, unit_path, level, ownership, subsystem, latitude, longitude, version }
    Person { id, staff_number, given_name, family_name, sex, birth_year, phone, email, version }
    Position { id, person_id, role, school_id, school_code, school_name, unit_id, unit_name, path, start_date, end_date }
    StaffMember { person_id, staff_number, given_name, family_name, sex, role, start_date }
    Cluster { id, code, name, unit_id, unit_path }
    Subject { id, code, name_en, name_fr }
}

impl Level {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "fr" { &self.name_fr } else { &self.name_en }
    }
}

impl Unit {
    fn target(&self) -> Target<'_> {
        Target::Unit { path: &self.path }
    }
}

impl School {
    fn target(&self) -> Target<'_> {
        Target::School { id: self.id, unit_path: &self.unit_path }
    }
}

impl Position {
    pub fn is_current(&self, on: NaiveDate) -> bool {
        self.start_date <= on && self.end_date.is_none_or(|e| e >= on)
    }
}

// ---------------------------------------------------------------------------------------
// Units

const UNIT_COLUMNS: &str = "id, parent_id, country, depth, code, name, path";

pub async fn levels(db: &Db) -> Result<Vec<Level>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT country, depth, key, name_en, name_fr FROM unit_levels ORDER BY country, depth"
    )
    .fetch_all(p)
    .await)?)
}

/// Sets a country's administrative levels, from the top (depth 0, the country) down.
/// Each is `key:English name:French name`, e.g. `region:Region:Région`. Levels that units
/// already use may be renamed but not removed.
pub async fn set_levels(db: &Db, actor: &Actor, country: &str, specs: &[String]) -> Result<Vec<Level>> {
    actor.require(Action::EditUnits, &Target::Unit { path: "/" })?;
    let country = country.trim().to_uppercase();
    let mut problems = Vec::new();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        problems.push(Problem::new("bad-country").in_column("country").with_value(&country));
    }
    let mut levels = Vec::new();
    for (depth, spec) in specs.iter().enumerate() {
        let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
        let key_ok =
            parts.first().is_some_and(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        if parts.len() != 3 || !key_ok || parts[1].is_empty() || parts[2].is_empty() {
            problems.push(Problem::new("bad-level").in_column("levels").with_value(spec));
            continue;
        }
        levels.push(Level {
            country: country.clone(),
            depth: depth as i64,
            key: parts[0].to_string(),
            name_en: parts[1].to_string(),
            name_fr: parts[2].to_string(),
        });
    }
    let deepest: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT MAX(depth) FROM units WHERE country = $1")
        .bind(&country)
        .fetch_one(p)
        .await)?;
    if let Some(d) = deepest
        && d >= levels.len() as i64
    {
        problems.push(Problem::new("levels-in-use").in_column("levels").arg("depth", d + 1));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let before: Vec<Level> = levels_of(db, &country).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM unit_levels WHERE country = $1")
        .bind(&country)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    for l in &levels {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO unit_levels (country, depth, key, name_en, name_fr) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(&l.country)
        .bind(l.depth)
        .bind(&l.key)
        .bind(&l.name_en)
        .bind(&l.name_fr)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "levels",
        &country,
        &format!("levels of {country}"),
        Some(&before),
        Some(&levels),
    )
    .await?;
    tx.commit().await?;
    levels_of(db, &country).await
}

async fn levels_of(db: &Db, country: &str) -> Result<Vec<Level>> {
    Ok(levels(db).await?.into_iter().filter(|l| l.country == country).collect())
}

async fn unit_unchecked(db: &Db, id: i64) -> Result<Unit> {
    let unit: Option<Unit> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, parent_id, country, depth, code, name, path FROM units WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    unit.ok_or(Error::NotFound)
}

pub async fn unit(db: &Db, actor: &Actor, id: i64) -> Result<Unit> {
    let unit = unit_unchecked(db, id).await?;
    actor.require(Action::Read, &unit.target())?;
    Ok(unit)
}

/// The columns the list of units sorts by.
pub const UNIT_SORTS: Sorts = &[("name", "name"), ("code", "code"), ("depth", "depth")];

/// The units the actor reads, one page, searched by name or code: what a form offers when
/// it asks for a unit.
pub async fn units(db: &Db, actor: &Actor, page: &Page) -> Result<Paged<Unit>> {
    let c = page.check(UNIT_SORTS)?;
    let filter = format!(
        "WHERE {} AND ($1 IS NULL OR LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(code) LIKE $1 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("path"))
    );
    let count = format!("SELECT COUNT(*) FROM units {filter}");
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units {filter} {} LIMIT $2 OFFSET $3", c.order_by("id"));
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// The units above `path` (root first), for breadcrumbs; only those the actor may read.
pub async fn ancestors(db: &Db, actor: &Actor, path: &str) -> Result<Vec<Unit>> {
    // The path is the ancestors' ids: one query for all of them, root first.
    let ids: Vec<String> = path.split('/').filter(|s| s.parse::<i64>().is_ok()).map(str::to_string).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE id IN ({}) ORDER BY depth", ids.join(", "));
    let units: Vec<Unit> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    Ok(units.into_iter().filter(|u| actor.allows(Action::Read, &u.target())).collect())
}

/// Schools and current posts under every unit, computed in one pass over each table and
/// summed up the tree. Pages read their counts from here instead of scanning a subtree
/// per unit; the web server keeps one for a short while and drops it on every write.
#[derive(Debug, Clone, Default)]
pub struct UnitStats {
    by_path: std::collections::HashMap<String, (i64, i64)>,
    pub people: i64,
    pub units: i64,
}

impl UnitStats {
    /// (schools, staff in post) under the unit with this path.
    pub fn of(&self, path: &str) -> (i64, i64) {
        self.by_path.get(path).copied().unwrap_or((0, 0))
    }

    fn add(&mut self, path: &str, schools: i64, staff: i64) {
        // Every prefix ending in '/' is an ancestor's path ("/1/", "/1/7/", …).
        for (i, ch) in path.char_indices().skip(1) {
            if ch == '/' {
                let entry = self.by_path.entry(path[..=i].to_string()).or_default();
                entry.0 += schools;
                entry.1 += staff;
            }
        }
    }
}

pub async fn unit_stats(db: &Db) -> Result<UnitStats> {
    let schools: Vec<(String, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT unit_path, COUNT(*) FROM schools GROUP BY unit_path")
            .fetch_all(p)
            .await)?;
    let staff: Vec<(String, i64)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT path, COUNT(*) FROM positions WHERE start_date <= $1 AND (end_date IS NULL OR end_date >= $1) GROUP BY path"
    )
    .bind(today())
    .fetch_all(p)
    .await
    })?;
    let (people, units): (i64, i64) =
        on_db!(db, |p| sqlx::query_as("SELECT (SELECT COUNT(*) FROM people), (SELECT COUNT(*) FROM units)")
            .fetch_one(p)
            .await)?;
    let mut stats = UnitStats { people, units, ..Default::default() };
    for (path, n) in schools {
        stats.add(&path, n, 0);
    }
    for (path, n) in staff {
        stats.add(&path, 0, n);
    }
    Ok(stats)
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: i64,
    code: String,
    name: String,
    depth: i64,
    path: String,
}

fn summaries(rows: Vec<UnitRow>, stats: &UnitStats) -> Vec<UnitSummary> {
    rows.into_iter()
        .map(|u| {
            let (schools, staff) = stats.of(&u.path);
            UnitSummary { id: u.id, code: u.code, name: u.name, depth: u.depth, path: u.path, schools, staff }
        })
        .collect()
}

/// The units directly below `unit`, with counts of schools and current staff under each.
pub async fn children(db: &Db, actor: &Actor, unit: &Unit, stats: &UnitStats) -> Result<Vec<UnitSummary>> {
    actor.require(Action::Read, &unit.target())?;
    let rows: Vec<UnitRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name, depth, path FROM units WHERE parent_id = $1 ORDER BY name"
    )
    .bind(unit.id)
    .fetch_all(p)
    .await)?;
    Ok(summaries(rows, stats))
}

/// Where the actor starts browsing: the units their grants name (for the whole
/// deployment, the countries), with counts.
pub async fn start_units(db: &Db, actor: &Actor, stats: &UnitStats) -> Result<Vec<UnitSummary>> {
    let rows: Vec<UnitRow> = if actor.grants.iter().any(|g| g.scope == Scope::Everything) {
        on_db!(db, |p| sqlx::query_as(
            "SELECT id, code, name, depth, path FROM units WHERE parent_id IS NULL ORDER BY name"
        )
        .fetch_all(p)
        .await)?
    } else {
        let mut rows: Vec<UnitRow> = Vec::new();
        for g in &actor.grants {
            if let Scope::Unit { unit_id, .. } = g.scope {
                if rows.iter().any(|u| u.id == unit_id) {
                    continue;
                }
                let row: Option<UnitRow> =
                    on_db!(db, |p| sqlx::query_as("SELECT id, code, name, depth, path FROM units WHERE id = $1")
                        .bind(unit_id)
                        .fetch_optional(p)
                        .await)?;
                rows.extend(row);
            }
        }
        rows
    };
    Ok(summaries(rows, stats))
}

pub async fn counts(db: &Db, actor: &Actor, stats: &UnitStats) -> Result<Counts> {
    if actor.grants.iter().any(|g| g.scope == Scope::Everything) {
        let roots: Vec<String> =
            on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE parent_id IS NULL").fetch_all(p).await)?;
        let (schools, staff) = roots.iter().map(|r| stats.of(r)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        return Ok(Counts { units: stats.units, schools, staff, people: stats.people });
    }
    let mut c = Counts::default();
    for g in &actor.grants {
        match &g.scope {
            Scope::Unit { path, .. } => {
                let units: i64 =
                    on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE path >= $1 AND path < $2")
                        .bind(path)
                        .bind(upper_bound(path))
                        .fetch_one(p)
                        .await)?;
                let (schools, staff) = stats.of(path);
                c.units += units;
                c.schools += schools;
                c.staff += staff;
                c.people += staff;
            }
            Scope::School { school_id } => {
                let staff: i64 = on_db!(db, |p| sqlx::query_scalar(
                    "SELECT COUNT(*) FROM positions WHERE school_id = $1 \
                     AND start_date <= $2 AND (end_date IS NULL OR end_date >= $2)"
                )
                .bind(school_id)
                .bind(today())
                .fetch_one(p)
                .await)?;
                c.schools += 1;
                c.staff += staff;
                c.people += staff;
            }
            Scope::Own { .. } => c.people += 1,
            Scope::Everything => {}
        }
    }
    Ok(c)
}

// ---------------------------------------------------------------------------------------
// Schools

const SCHOOL_SQL: &str = "SELECT s.id, s.code, s.name, s.unit_id, u.name AS unit_name, s.unit_path, s.level, \
     s.ownership, s.subsystem, s.latitude, s.longitude, s.version FROM schools s JOIN units u ON u.id = s.unit_id";

pub async fn school(db: &Db, actor: &Actor, id: i64) -> Result<School> {
    let sql = format!("{SCHOOL_SQL} WHERE s.id = $1");
    let school: Option<School> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let school = school.ok_or(Error::NotFound)?;
    actor.require(Action::Read, &school.target())?;
    Ok(school)
}

/// The actor's schools when their scope is a school (head teachers, mentors).
pub async fn own_schools(db: &Db, actor: &Actor) -> Result<Vec<School>> {
    let mut out = Vec::new();
    for g in &actor.grants {
        if let Scope::School { school_id } = g.scope {
            out.push(school(db, actor, school_id).await?);
        }
    }
    Ok(out)
}

pub const PAGE: i64 = 100;

/// Schools under a unit, by name, optionally matching `query` in name or code.
pub async fn schools_under(db: &Db, actor: &Actor, unit: &Unit, query: Option<&str>, page: i64) -> Result<Vec<School>> {
    actor.require(Action::Read, &unit.target())?;
    let pattern = query.map(str::trim).filter(|q| !q.is_empty()).map(|q| format!("%{}%", q.to_lowercase()));
    let sql = format!(
        "{SCHOOL_SQL} WHERE s.unit_path >= $1 AND s.unit_path < $2 \
         AND ($3 IS NULL OR LOWER(s.name) LIKE $3 OR LOWER(s.code) LIKE $3) ORDER BY s.name LIMIT $4 OFFSET $5"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&unit.path)
        .bind(upper_bound(&unit.path))
        .bind(&pattern)
        .bind(PAGE)
        .bind((page.max(1) - 1) * PAGE)
        .fetch_all(p)
        .await)?)
}

/// The columns the list of schools sorts by.
pub const SCHOOL_SORTS: Sorts = &[("name", "s.name"), ("code", "s.code"), ("unit", "u.name"), ("level", "s.level")];

/// The schools the actor may read, one page, searched by name or code.
pub async fn schools(db: &Db, actor: &Actor, page: &Page) -> Result<Paged<School>> {
    let c = page.check(SCHOOL_SORTS)?;
    let filter = format!(
        "WHERE {} AND ($1 IS NULL OR LOWER(s.name) LIKE $1 ESCAPE '\\' OR LOWER(s.code) LIKE $1 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("s.unit_path").school("s.id"))
    );
    let count = format!("SELECT COUNT(*) FROM schools s JOIN units u ON u.id = s.unit_id {filter}");
    let sql = format!("{SCHOOL_SQL} {filter} {} LIMIT $2 OFFSET $3", c.order_by("s.id"));
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

struct CheckedSchool {
    code: String,
    name: String,
    unit: Unit,
    level: SchoolLevel,
    ownership: Ownership,
    subsystem: Option<SubSystem>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

async fn unit_by_code(db: &Db, code: &str) -> Result<Option<Unit>> {
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {UNIT_COLUMNS} FROM units WHERE code = $1"
    )))
    .bind(code.trim())
    .fetch_optional(p)
    .await)?)
}

async fn check_school(db: &Db, input: &SchoolInput) -> Result<CheckedSchool> {
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let level = collect(&mut problems, "level", SchoolLevel::parse(&input.level));
    let ownership = collect(&mut problems, "ownership", Ownership::parse(&input.ownership));
    let subsystem = match input.subsystem.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => collect(&mut problems, "subsystem", SubSystem::parse(s)),
        None => None,
    };
    if let Some(lat) = input.latitude {
        collect(&mut problems, "latitude", vocab::parse_coordinate(&lat.to_string(), 90.0));
    }
    if let Some(lon) = input.longitude {
        collect(&mut problems, "longitude", vocab::parse_coordinate(&lon.to_string(), 180.0));
    }
    if input.latitude.is_some() != input.longitude.is_some() {
        problems.push(Problem::new("both-coordinates").in_column("latitude"));
    }
    let unit = unit_by_code(db, &input.unit_code).await?;
    if unit.is_none() {
        problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(input.unit_code.trim()));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(CheckedSchool {
        code: code.unwrap_or_default(),
        name: name.unwrap_or_default(),
        unit: unit.expect("checked"),
        level: level.expect("checked"),
        ownership: ownership.expect("checked"),
        subsystem,
        latitude: input.latitude,
        longitude: input.longitude,
    })
}

/// The actor may place a school in this unit; a unit outside their scope is a problem with
/// the `unit_code` they gave.
fn require_school_place(actor: &Actor, id: i64, unit: &Unit) -> Result<()> {
    if !actor.may(Action::EditSchools) {
        return Err(Error::Forbidden);
    }
    if actor.allows(Action::EditSchools, &Target::School { id, unit_path: &unit.path }) {
        Ok(())
    } else {
        Err(Problem::new("out-of-scope").in_column("unit_code").with_value(&unit.code).into())
    }
}

pub async fn create_school(db: &Db, actor: &Actor, input: &SchoolInput) -> Result<School> {
    let s = check_school(db, input).await?;
    require_school_place(actor, 0, &s.unit)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO schools (code, name, unit_id, unit_path, level, ownership, subsystem, latitude, longitude) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(&s.code)
    .bind(&s.name)
    .bind(s.unit.id)
    .bind(&s.unit.path)
    .bind(s.level.key())
    .bind(s.ownership.key())
    .bind(s.subsystem.map(|v| v.key()))
    .bind(s.latitude)
    .bind(s.longitude)
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &s.code))?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "school",
        &id.to_string(),
        &format!("school {} {}", s.code, s.name),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    school(db, actor, id).await
}

/// Updates a school. `version` is the one the editor saw: an edit made in between is a
/// conflict, never overwritten.
pub async fn update_school(db: &Db, actor: &Actor, id: i64, version: i64, input: &SchoolInput) -> Result<School> {
    let before = school(db, actor, id).await?;
    actor.require(Action::EditSchools, &before.target())?;
    let s = check_school(db, input).await?;
    require_school_place(actor, id, &s.unit)?;
    let mut tx = db.begin().await?;
    let updated = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE schools SET code = $1, name = $2, unit_id = $3, unit_path = $4, level = $5, ownership = $6, \
         subsystem = $7, latitude = $8, longitude = $9, version = version + 1 WHERE id = $10 AND version = $11"
    )
    .bind(&s.code)
    .bind(&s.name)
    .bind(s.unit.id)
    .bind(&s.unit.path)
    .bind(s.level.key())
    .bind(s.ownership.key())
    .bind(s.subsystem.map(|v| v.key()))
    .bind(s.latitude)
    .bind(s.longitude)
    .bind(id)
    .bind(version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &s.code))?;
    if updated == 0 {
        return Err(stale(version, before.version));
    }
    if before.unit_path != s.unit.path {
        on_tx!(&mut tx, |c| sqlx::query("UPDATE positions SET path = $1 WHERE school_id = $2")
            .bind(&s.unit.path)
            .bind(id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "school",
        &id.to_string(),
        &format!("school {} {}", s.code, s.name),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    school(db, actor, id).await
}

// ---------------------------------------------------------------------------------------
// People and positions

const POSITION_SQL: &str = "SELECT x.id, x.person_id, x.role, x.school_id, s.code AS school_code, s.name AS school_name, \
     x.unit_id, u.name AS unit_name, x.path, x.start_date, x.end_date \
     FROM positions x LEFT JOIN schools s ON s.id = x.school_id LEFT JOIN units u ON u.id = x.unit_id";

async fn person_unchecked(db: &Db, id: i64) -> Result<Person> {
    let person: Option<Person> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT id, staff_number, given_name, family_name, sex, birth_year, phone, email, version FROM people WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await
    })?;
    person.ok_or(Error::NotFound)
}

async fn positions_unchecked(db: &Db, person_id: i64) -> Result<Vec<Position>> {
    let sql = format!("{POSITION_SQL} WHERE x.person_id = $1 ORDER BY x.start_date DESC, x.id DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(person_id).fetch_all(p).await)?)
}

/// Places a person for the scope check: reads see their whole history, changes only their
/// current positions.
fn person_target_parts(positions: &[Position], current_only: bool) -> (Vec<i64>, Vec<String>) {
    let on = today();
    let chosen = positions.iter().filter(|x| !current_only || x.is_current(on));
    let (mut schools, mut paths) = (Vec::new(), Vec::new());
    for x in chosen {
        schools.extend(x.school_id);
        paths.push(x.path.clone());
    }
    (schools, paths)
}

/// A person with their position history, when the actor may read them.
pub async fn person(db: &Db, actor: &Actor, id: i64) -> Result<(Person, Vec<Position>)> {
    let person = person_unchecked(db, id).await?;
    let positions = positions_unchecked(db, id).await?;
    let (schools, paths) = person_target_parts(&positions, false);
    actor.require(Action::Read, &Target::Person { id, school_ids: &schools, paths: &paths })?;
    Ok((person, positions))
}

/// Requires `action` on a person over their whole position history (as reads see it):
/// unknown or unreadable is "not found", readable but not allowed "forbidden".
pub async fn require_person(db: &Db, actor: &Actor, id: i64, action: Action) -> Result<()> {
    person_unchecked(db, id).await?;
    let positions = positions_unchecked(db, id).await?;
    let (schools, paths) = person_target_parts(&positions, false);
    let target = Target::Person { id, school_ids: &schools, paths: &paths };
    actor.require(Action::Read, &target)?;
    actor.require(action, &target)
}

/// People by staff number (lower-cased), for files and forms that name people so.
pub async fn people_by_staff_number(db: &Db, numbers: &[String]) -> Result<std::collections::HashMap<String, i64>> {
    let mut out = std::collections::HashMap::new();
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

/// The columns the list of people sorts by.
pub const PERSON_SORTS: Sorts =
    &[("family_name", "p.family_name"), ("given_name", "p.given_name"), ("staff_number", "p.staff_number")];

/// The people the actor may read (through a current position in scope, or their own
/// record), one page, searched by name (given then family, or family then given) or staff
/// number.
pub async fn people(db: &Db, actor: &Actor, page: &Page) -> Result<Paged<Person>> {
    let c = page.check(PERSON_SORTS)?;
    let scope = ListScope::of(actor);
    // $1 the pattern, $2 today (only when the scope is not everything).
    let in_scope = if scope.is_everything() {
        "1 = 1".to_string()
    } else {
        format!(
            "(EXISTS (SELECT 1 FROM positions x WHERE x.person_id = p.id AND x.start_date <= $2 \
             AND (x.end_date IS NULL OR x.end_date >= $2) AND {}) OR {})",
            scope.sql(Columns::path("x.path").school("x.school_id").person("x.person_id")),
            scope.sql(Columns::path("NULL").person("p.id")),
        )
    };
    let filter = format!(
        "FROM people p WHERE {in_scope} AND ($1 IS NULL OR LOWER(p.given_name || ' ' || p.family_name) LIKE $1 ESCAPE '\\' \
         OR LOWER(p.family_name || ' ' || p.given_name) LIKE $1 ESCAPE '\\' \
         OR LOWER(p.staff_number) LIKE $1 ESCAPE '\\')"
    );
    let date = (!scope.is_everything()).then(today);
    let count = format!("SELECT COUNT(*) {filter}");
    let (limit, offset) = if date.is_some() { ("$3", "$4") } else { ("$2", "$3") };
    let sql = format!(
        "SELECT p.id, p.staff_number, p.given_name, p.family_name, p.sex, p.birth_year, p.phone, p.email, p.version \
         {filter} {} LIMIT {limit} OFFSET {offset}",
        c.order_by("p.id")
    );
    let total: i64 = on_db!(db, |p| {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern);
        if let Some(d) = date {
            q = q.bind(d);
        }
        q.fetch_one(p).await
    })?;
    let items = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&c.pattern);
        if let Some(d) = date {
            q = q.bind(d);
        }
        q.bind(c.limit()).bind(c.offset()).fetch_all(p).await
    })?;
    Ok(c.answer(total, items))
}

/// Current staff of a school, by family name.
pub async fn staff(db: &Db, actor: &Actor, school: &School) -> Result<Vec<StaffMember>> {
    actor.require(Action::Read, &school.target())?;
    Ok(on_db!(db, |p| {
        sqlx::query_as(
            "SELECT p.id AS person_id, p.staff_number, p.given_name, p.family_name, p.sex, x.role, x.start_date \
         FROM positions x JOIN people p ON p.id = x.person_id \
         WHERE x.school_id = $1 AND x.start_date <= $2 AND (x.end_date IS NULL OR x.end_date >= $2) \
         ORDER BY p.family_name, p.given_name",
        )
        .bind(school.id)
        .bind(today())
        .fetch_all(p)
        .await
    })?)
}

/// A person's fields once checked (what a write stores).
pub struct CheckedPerson {
    staff_number: Option<String>,
    given_name: String,
    family_name: String,
    sex: Sex,
    birth_year: Option<i64>,
    phone: Option<String>,
    email: Option<String>,
}

pub fn check_person(input: &PersonInput) -> Result<CheckedPerson> {
    let mut problems = Vec::new();
    let staff_number =
        optional_text(&input.staff_number).and_then(|s| collect(&mut problems, "staff_number", vocab::parse_code(s)));
    let given_name = collect(&mut problems, "given_name", vocab::parse_name(&input.given_name));
    let family_name = collect(&mut problems, "family_name", vocab::parse_name(&input.family_name));
    let sex = collect(&mut problems, "sex", Sex::parse(&input.sex));
    if let Some(y) = input.birth_year
        && !(1900..=2100).contains(&y)
    {
        problems.push(Problem::new("bad-year").in_column("birth_year").with_value(y.to_string()));
    }
    let phone = optional_text(&input.phone).and_then(|s| collect(&mut problems, "phone", vocab::parse_phone(s)));
    let email = optional_text(&input.email).and_then(|s| collect(&mut problems, "email", vocab::parse_email(s)));
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(CheckedPerson {
        staff_number,
        given_name: given_name.expect("checked"),
        family_name: family_name.expect("checked"),
        sex: sex.expect("checked"),
        birth_year: input.birth_year,
        phone,
        email,
    })
}

/// Updates a person's details, with the version the editor saw.
pub async fn update_person(db: &Db, actor: &Actor, id: i64, version: i64, input: &PersonInput) -> Result<Person> {
    let before = person_unchecked(db, id).await?;
    let positions = positions_unchecked(db, id).await?;
    let (schools, paths) = person_target_parts(&positions, true);
    let (all_schools, all_paths) = person_target_parts(&positions, false);
    actor.require(Action::Read, &Target::Person { id, school_ids: &all_schools, paths: &all_paths })?;
    actor.require(Action::EditPeople, &Target::Person { id, school_ids: &schools, paths: &paths })?;
    let p = check_person(input)?;
    let mut tx = db.begin().await?;
    let updated = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE people SET staff_number = $1, given_name = $2, family_name = $3, sex = $4, birth_year = $5, \
         phone = $6, email = $7, version = version + 1 WHERE id = $8 AND version = $9"
    )
    .bind(&p.staff_number)
    .bind(&p.given_name)
    .bind(&p.family_name)
    .bind(p.sex.key())
    .bind(p.birth_year)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(id)
    .bind(version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| opencpd_kernel::error::unique_violation(e, p.staff_number.as_deref().unwrap_or("")))?;
    if updated == 0 {
        return Err(stale(version, before.version));
    }
    audit::record(
        &mut tx,
        actor,
        "update",
        "person",
        &id.to_string(),
        &format!("person {} {}", p.given_name, p.family_name),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    person_unchecked(db, id).await
}

/// Where a position is: the school or unit it is held at, and that place's unit path.
struct Place {
    school_id: Option<i64>,
    unit_id: Option<i64>,
    path: String,
    /// The school or unit code, to name it in messages.
    code: String,
}

struct CheckedPosition {
    role: PositionRole,
    place: Place,
    start: NaiveDate,
    end: Option<NaiveDate>,
}

async fn check_position(db: &Db, input: &PositionInput) -> Result<CheckedPosition> {
    let mut problems = Vec::new();
    let role = collect(&mut problems, "role", PositionRole::parse(&input.role));
    let start = collect(&mut problems, "start_date", vocab::parse_date(&input.start_date));
    let end = optional_text(&input.end_date).and_then(|e| collect(&mut problems, "end_date", vocab::parse_date(e)));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_date").arg("start", s));
    }
    let place = match (optional_text(&input.school_code), optional_text(&input.unit_code)) {
        (Some(code), None) => {
            let found: Option<(i64, String)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, unit_path FROM schools WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            match found {
                Some((id, path)) => Some(Place { school_id: Some(id), unit_id: None, path, code: code.to_string() }),
                None => {
                    problems.push(Problem::new("unknown-school").in_column("school_code").with_value(code));
                    None
                }
            }
        }
        (None, Some(code)) => match unit_by_code(db, code).await? {
            Some(u) => Some(Place { school_id: None, unit_id: Some(u.id), path: u.path, code: u.code }),
            None => {
                problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(code));
                None
            }
        },
        _ => {
            problems.push(Problem::new("school-or-unit").in_column("school_code"));
            None
        }
    };
    if let (Some(role), Some(place)) = (role, &place)
        && role.is_school_role()
        && place.school_id.is_none()
    {
        problems.push(Problem::new("role-needs-school").in_column("school_code").arg("role", role.key()));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(CheckedPosition {
        role: role.expect("checked"),
        place: place.expect("checked"),
        start: start.expect("checked"),
        end,
    })
}

async fn insert_position(tx: &mut Tx, person_id: i64, x: &CheckedPosition) -> Result<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date, end_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(person_id)
    .bind(x.role.key())
    .bind(x.place.school_id)
    .bind(x.place.unit_id)
    .bind(&x.place.path)
    .bind(x.start)
    .bind(x.end)
    .fetch_one(&mut *c)
    .await)?)
}

/// The one check for placing someone: the actor may edit people where the position is.
/// Someone who may not edit people anywhere is refused outright; someone who may, but
/// not at that place, is told the place is outside their scope.
fn require_place(actor: &Actor, place: &Place) -> Result<()> {
    if !actor.may(Action::EditPeople) {
        return Err(Error::Forbidden);
    }
    let paths = [place.path.clone()];
    let schools: Vec<i64> = place.school_id.into_iter().collect();
    if actor.allows(Action::EditPeople, &Target::Person { id: 0, school_ids: &schools, paths: &paths }) {
        Ok(())
    } else {
        Err(Problem::new("out-of-scope")
            .in_column(if place.school_id.is_some() { "school_code" } else { "unit_code" })
            .with_value(place.code.clone())
            .into())
    }
}

pub async fn create_person(db: &Db, actor: &Actor, input: &NewPerson) -> Result<(Person, Vec<Position>)> {
    let p = check_person(&input.person)?;
    let position = match &input.position {
        Some(x) => Some(check_position(db, x).await?),
        None => None,
    };
    match &position {
        Some(x) => require_place(actor, &x.place)?,
        None => actor.require(Action::EditPeople, &Target::Deployment)?,
    }
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO people (staff_number, given_name, family_name, sex, birth_year, phone, email) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&p.staff_number)
        .bind(&p.given_name)
        .bind(&p.family_name)
        .bind(p.sex.key())
        .bind(p.birth_year)
        .bind(&p.phone)
        .bind(&p.email)
        .fetch_one(&mut *c)
        .await
    })
    .map_err(|e| opencpd_kernel::error::unique_violation(e, p.staff_number.as_deref().unwrap_or("")))?;
    if let Some(x) = &position {
        insert_position(&mut tx, id, x).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "person",
        &id.to_string(),
        &format!("person {} {}", p.given_name, p.family_name),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    person(db, actor, id).await
}

/// Adds a position to a person: a new post, a reassignment (end the old one with
/// [`end_position`]), a promotion. History is kept, never overwritten.
pub async fn add_position(db: &Db, actor: &Actor, person_id: i64, input: &PositionInput) -> Result<Position> {
    person(db, actor, person_id).await?;
    let x = check_position(db, input).await?;
    require_place(actor, &x.place)?;
    let mut tx = db.begin().await?;
    let id = insert_position(&mut tx, person_id, &x).await?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "position",
        &id.to_string(),
        &format!("{} for person {person_id}", x.role.key()),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    let sql = format!("{POSITION_SQL} WHERE x.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_one(p).await)?)
}

/// Ends a position on a date (the last day held).
pub async fn end_position(db: &Db, actor: &Actor, position_id: i64, end: NaiveDate) -> Result<Position> {
    let sql = format!("{POSITION_SQL} WHERE x.id = $1");
    let x: Option<Position> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(position_id).fetch_optional(p).await)?;
    let x = x.ok_or(Error::NotFound)?;
    person(db, actor, x.person_id).await?;
    let code = x.school_code.clone().or_else(|| x.unit_name.clone()).unwrap_or_default();
    require_place(actor, &Place { school_id: x.school_id, unit_id: x.unit_id, path: x.path.clone(), code })?;
    if end < x.start_date {
        return Err(Problem::new("ends-before-start").in_column("end_date").arg("start", x.start_date).into());
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("UPDATE positions SET end_date = $1 WHERE id = $2")
        .bind(end)
        .bind(position_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "position",
        &position_id.to_string(),
        &format!("end {} on {end}", x.role),
        Some(&x),
        Some(&serde_json::json!({"end_date": end})),
    )
    .await?;
    tx.commit().await?;
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(position_id).fetch_one(p).await)?)
}

// ---------------------------------------------------------------------------------------
// Clusters: groupings of schools that cut across the hierarchy (PLCs and cluster leads
// work through them).

const CLUSTER_SQL: &str =
    "SELECT c.id, c.code, c.name, c.unit_id, u.path AS unit_path FROM clusters c LEFT JOIN units u ON u.id = c.unit_id";

fn cluster_target(c: &Cluster) -> Target<'_> {
    match &c.unit_path {
        Some(path) => Target::Unit { path },
        None => Target::Deployment,
    }
}

/// A cluster and those of its schools the actor may read. A cluster is readable by whoever
/// reads its unit or any of its schools.
pub async fn cluster(db: &Db, actor: &Actor, id: i64) -> Result<(Cluster, Vec<School>)> {
    let sql = format!("{CLUSTER_SQL} WHERE c.id = $1");
    let c: Option<Cluster> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let c = c.ok_or(Error::NotFound)?;
    let sql =
        format!("{SCHOOL_SQL} JOIN cluster_schools cs ON cs.school_id = s.id WHERE cs.cluster_id = $1 ORDER BY s.name");
    let members: Vec<School> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_all(p).await)?;
    let visible: Vec<School> = members.into_iter().filter(|s| actor.allows(Action::Read, &s.target())).collect();
    if visible.is_empty() && !actor.allows(Action::Read, &cluster_target(&c)) {
        return Err(Error::NotFound);
    }
    Ok((c, visible))
}

/// The clusters a school belongs to.
pub async fn clusters_of(db: &Db, actor: &Actor, school: &School) -> Result<Vec<Cluster>> {
    actor.require(Action::Read, &school.target())?;
    let sql = format!(
        "{CLUSTER_SQL} JOIN cluster_schools cs ON cs.cluster_id = c.id WHERE cs.school_id = $1 ORDER BY c.name"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(school.id).fetch_all(p).await)?)
}

/// Creates a cluster of schools. The actor must manage schools in the owning unit and at
/// every member school.
pub async fn create_cluster(db: &Db, actor: &Actor, input: &ClusterInput) -> Result<(Cluster, Vec<School>)> {
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", vocab::parse_code(&input.code));
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let unit = match optional_text(&input.unit_code) {
        Some(code) => match unit_by_code(db, code).await? {
            Some(u) => Some(u),
            None => {
                problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(code));
                None
            }
        },
        None => None,
    };
    if !actor.may(Action::EditSchools) {
        return Err(Error::Forbidden);
    }
    match &unit {
        Some(u) if !actor.allows(Action::EditSchools, &Target::Unit { path: &u.path }) => {
            problems.push(Problem::new("out-of-scope").in_column("unit_code").with_value(&u.code))
        }
        None if optional_text(&input.unit_code).is_none()
            && !actor.allows(Action::EditSchools, &Target::Deployment) =>
        {
            problems.push(Problem::new("required").in_column("unit_code"))
        }
        _ => {}
    }
    let mut member_ids = Vec::new();
    for school_code in &input.school_codes {
        let found: Option<(i64, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT id, unit_path FROM schools WHERE code = $1")
                .bind(school_code.trim())
                .fetch_optional(p)
                .await)?;
        match found {
            Some((id, path)) if actor.allows(Action::EditSchools, &Target::School { id, unit_path: &path }) => {
                if !member_ids.contains(&id) {
                    member_ids.push(id)
                }
            }
            Some(_) => {
                problems.push(Problem::new("out-of-scope").in_column("school_codes").with_value(school_code.trim()))
            }
            None => {
                problems.push(Problem::new("unknown-school").in_column("school_codes").with_value(school_code.trim()))
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let (code, name) = (code.expect("checked"), name.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO clusters (code, name, unit_id) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(&code)
    .bind(&name)
    .bind(unit.as_ref().map(|u| u.id))
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &code))?;
    for school_id in &member_ids {
        on_tx!(&mut tx, |c| sqlx::query("INSERT INTO cluster_schools (cluster_id, school_id) VALUES ($1, $2)")
            .bind(id)
            .bind(school_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "cluster",
        &id.to_string(),
        &format!("cluster {code} {name}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    cluster(db, actor, id).await
}

/// The subjects taught, for everyone logged in.
pub async fn subjects(db: &Db) -> Result<Vec<Subject>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT id, code, name_en, name_fr FROM subjects ORDER BY code")
        .fetch_all(p)
        .await)?)
}

/// Whether the actor may change this person's details (their current posts are in scope).
pub async fn may_edit_person(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    let positions = positions_unchecked(db, id).await?;
    let (schools, paths) = person_target_parts(&positions, true);
    Ok(actor.allows(Action::EditPeople, &Target::Person { id, school_ids: &schools, paths: &paths }))
}
