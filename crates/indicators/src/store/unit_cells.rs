//! `unit_outcome_cells`: learner outcomes summed for every unit at every level, per year,
//! term, grade, subject, sex, group and the schools' ownership and sub-system, and the one
//! place the readers of outcomes (the engine, the flows, the gaps) get the rows they sum
//! for a place ([`Cells`]).
//!
//! It is a kernel derived table ([`UNITS`]): the schools' totals' refresher notes the
//! schools and years it wrote again, and this one, at the same commit, records where each
//! of those schools' years is counted (`unit_outcome_schools`: unit path, ownership,
//! sub-system) and writes again the cells of every unit above them, deepest first, each
//! from its own schools' rows and its children's cells. So a unit's cells are always the
//! sum of the outcome rows of the schools recorded under it, and a district or the whole
//! country is a few thousand rows a year, however many schools it has.
//!
//! A school moved since its outcomes were last written (another unit, ownership or
//! sub-system) is still counted where it was recorded: a reader takes its rows out of its
//! old place and adds them to its new one from the school's own rows, so answers follow
//! the registry at once. Not here: the measures' meaning, rates and suppression (the
//! readers'); a reader that needs a school's code or a filter on the unit reads the rows.

use super::flows::place_clause;
use crate::model::Place;
use opencpd_domain::access::upper_bound;
use opencpd_kernel::cache::Cache;
use opencpd_kernel::derived::{Derived, Key, Refreshing};
use opencpd_kernel::scope::ListScope;
use opencpd_kernel::{Actor, Db, Result, Tx, on_db, on_tx};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The derived table and its refresher.
pub static UNITS: Derived = Derived { table: "unit_outcome_cells", refresh };

/// The counts of an outcome row, each summed with how many rows had a value (`<name>_n`).
pub const MEASURES: [&str; 9] =
    ["enrolled", "assessed", "below_basic", "basic", "proficient", "advanced", "promoted", "repeating", "dropped_out"];

/// What a cell keeps beyond the counts, as the schools' totals count them (an outcome row
/// `o` with its school's totals `t` for its term and subject): learners assessed in rows
/// with a mean score, the sum of mean score × assessed, and where the school's term and
/// subject has bands, the learners assessed and those at proficient or above.
const SCORES: [(&str, &str); 4] = [
    ("scored", "CASE WHEN o.assessed > 0 AND o.mean_score IS NOT NULL THEN o.assessed ELSE 0 END"),
    ("score_sum", "CASE WHEN o.assessed > 0 AND o.mean_score IS NOT NULL THEN o.mean_score * o.assessed END"),
    ("banded_assessed", "CASE WHEN t.proficient IS NOT NULL THEN o.assessed END"),
    (
        "banded_proficient",
        "CASE WHEN t.proficient IS NOT NULL THEN COALESCE(o.proficient, 0) + COALESCE(o.advanced, 0) END",
    ),
];

/// The totals an outcome row `o` is counted in.
const TOTALS: &str = "LEFT JOIN school_outcome_totals t ON t.school_id = o.school_id AND t.year = o.year \
     AND t.term = o.term AND t.subject_id = o.subject_id";

/// What a cell is kept by, besides its unit.
const DIMENSIONS: &str = "year, term, grade_id, subject_id, sex, group_id, ownership, subsystem";

/// Units or schools one statement names.
const CHUNK: usize = 500;

/// The unit paths from the country down to `path`: `/1/7/42/` gives `/1/`, `/1/7/`, `/1/7/42/`.
fn ancestors(path: &str) -> Vec<&str> {
    path.char_indices().filter(|(i, c)| *c == '/' && *i > 0).map(|(i, _)| &path[..=i]).collect()
}

/// The parent unit's path (`""` for a country).
fn parent(path: &str) -> &str {
    let inner = path.strip_suffix('/').unwrap_or(path);
    inner.rfind('/').map_or("", |i| if i == 0 { "" } else { &path[..=i] })
}

fn quoted(paths: &[&String]) -> String {
    paths
        .iter()
        .map(|p| {
            debug_assert!(p.chars().all(|c| c.is_ascii_digit() || c == '/'));
            format!("'{p}'")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn execute(tx: &mut Tx, sql: String) -> Result<()> {
    on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

async fn paths(tx: &mut Tx, sql: String) -> Result<Vec<String>> {
    Ok(on_tx!(&mut *tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await)?)
}

/// Writes again the cells of `units` (every year, or one), deepest first: each from the
/// outcome rows of the schools recorded at it and its children's cells, written just before.
async fn rebuild(tx: &mut Tx, year: Option<i64>, units: BTreeSet<String>) -> Result<()> {
    let mut by_depth: BTreeMap<usize, Vec<&String>> = BTreeMap::new();
    for unit in &units {
        by_depth.entry(ancestors(unit).len()).or_default().push(unit);
    }
    let of_year = |alias: &str| year.map_or_else(|| "1 = 1".to_string(), |y| format!("{alias}.year = {y}"));
    let rows: String = MEASURES
        .iter()
        .map(|m| format!(", o.{m} AS {m}, CASE WHEN o.{m} IS NULL THEN 0 ELSE 1 END AS {m}_n"))
        .chain(SCORES.iter().map(|(name, sql)| format!(", {sql} AS {name}")))
        .collect();
    let cells: String = MEASURES
        .iter()
        .map(|m| format!(", c.{m}, c.{m}_n"))
        .chain(SCORES.iter().map(|(name, _)| format!(", c.{name}")))
        .collect();
    let sums: String = MEASURES
        .iter()
        .map(|m| format!(", SUM(x.{m}), SUM(x.{m}_n)"))
        .chain(SCORES.iter().map(|(name, _)| format!(", SUM(x.{name})")))
        .collect();
    let names: String = MEASURES
        .iter()
        .map(|m| format!(", {m}, {m}_n"))
        .chain(SCORES.iter().map(|(name, _)| format!(", {name}")))
        .collect();
    let x_dimensions = DIMENSIONS.split(", ").map(|d| format!("x.{d}")).collect::<Vec<_>>().join(", ");
    for (_, units) in by_depth.into_iter().rev() {
        for chunk in units.chunks(CHUNK) {
            let list = quoted(chunk);
            let values = chunk.iter().map(|u| format!("('{u}', '{}')", parent(u))).collect::<Vec<_>>().join(", ");
            let delete =
                format!("DELETE FROM unit_outcome_cells WHERE {} AND path IN ({list})", of_year("unit_outcome_cells"));
            execute(tx, delete).await?;
            execute(
                tx,
                format!(
                    "INSERT INTO unit_outcome_cells (path, parent, {DIMENSIONS}, source_rows{names}) \
                     SELECT t.column1, t.column2, {x_dimensions}, SUM(x.source_rows){sums} FROM (\
                     SELECT p.unit_path AS at, o.year AS year, o.term AS term, o.grade_id AS grade_id, \
                     o.subject_id AS subject_id, o.sex AS sex, o.group_id AS group_id, p.ownership AS ownership, \
                     p.subsystem AS subsystem, 1 AS source_rows{rows} \
                     FROM unit_outcome_schools p CROSS JOIN learner_outcomes o {TOTALS} \
                     WHERE {} AND p.unit_path IN ({list}) AND o.school_id = p.school_id AND o.year = p.year \
                     UNION ALL \
                     SELECT c.parent, c.year, c.term, c.grade_id, c.subject_id, c.sex, c.group_id, c.ownership, \
                     c.subsystem, c.source_rows{cells} FROM unit_outcome_cells c WHERE {} AND c.parent IN ({list})\
                     ) x JOIN (VALUES {values}) t ON t.column1 = x.at \
                     GROUP BY t.column1, t.column2, {x_dimensions}",
                    of_year("p"),
                    of_year("c"),
                ),
            )
            .await?;
        }
    }
    Ok(())
}

/// Records where the keys' schools' years are counted now and writes again the cells of
/// every unit above where they were and where they are (everything after bulk writes).
fn refresh<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        const RECORD: &str = "INSERT INTO unit_outcome_schools (year, school_id, unit_path, ownership, subsystem)";
        if keys == [Key::All] {
            execute(tx, "DELETE FROM unit_outcome_cells".into()).await?;
            execute(tx, "DELETE FROM unit_outcome_schools".into()).await?;
            execute(
                tx,
                format!(
                    "{RECORD} SELECT y.year, s.id, s.unit_path, s.ownership, s.subsystem \
                     FROM (SELECT DISTINCT school_id, year FROM learner_outcomes) y JOIN schools s ON s.id = y.school_id"
                ),
            )
            .await?;
            let recorded = paths(tx, "SELECT DISTINCT unit_path FROM unit_outcome_schools".into()).await?;
            let units = recorded.iter().flat_map(|p| ancestors(p)).map(String::from).collect();
            return rebuild(tx, None, units).await;
        }
        let mut by_year: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for key in keys {
            match *key {
                Key::One("school-year", id) => by_year.entry(id % 10_000).or_default().push(id / 10_000),
                Key::One(kind, _) => return Err(anyhow::anyhow!("unit outcome cells: no key {kind}").into()),
                Key::All => unreachable!("All comes alone"),
            }
        }
        for (year, schools) in by_year {
            let mut units = BTreeSet::new();
            for chunk in schools.chunks(CHUNK) {
                let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                let filter = format!("year = {year} AND school_id IN ({ids})");
                let select = format!("SELECT DISTINCT unit_path FROM unit_outcome_schools WHERE {filter}");
                let before = paths(tx, select.clone()).await?;
                execute(tx, format!("DELETE FROM unit_outcome_schools WHERE {filter}")).await?;
                execute(
                    tx,
                    format!(
                        "{RECORD} SELECT {year}, s.id, s.unit_path, s.ownership, s.subsystem FROM schools s \
                         WHERE s.id IN ({ids}) AND EXISTS (SELECT 1 FROM learner_outcomes o \
                         WHERE o.school_id = s.id AND o.year = {year})"
                    ),
                )
                .await?;
                let after = paths(tx, select).await?;
                units.extend(before.iter().chain(&after).flat_map(|p| ancestors(p)).map(String::from));
            }
            rebuild(tx, Some(year), units).await?;
        }
        Ok(())
    })
}

/// Where a reader's rows come from.
#[derive(Clone, Copy)]
enum Rows {
    /// Outcome rows (`o`).
    Outcomes,
    /// A unit's cells (`c`).
    Cells,
}

/// The columns every part of [`Cells::sql`] gives, in this order: the unit path the rows
/// are counted at (`unit`), the schools' ownership and sub-system (from `place`), the
/// school's code, what the rows are kept by, how many outcome rows they stand for, and
/// each measure with its count of values; every count negated when `sign` is `-`.
fn columns(unit: &str, place: &str, school: &str, sign: &str, rows: Rows) -> String {
    let (o, source_rows) = match rows {
        Rows::Outcomes => ("o", format!("{sign}1")),
        Rows::Cells => ("c", format!("{sign}c.source_rows")),
    };
    let measures: String = MEASURES
        .iter()
        .map(|m| match rows {
            Rows::Outcomes => {
                format!(", {sign}o.{m} AS {m}, {sign}(CASE WHEN o.{m} IS NULL THEN 0 ELSE 1 END) AS {m}_n")
            }
            Rows::Cells => format!(", {sign}c.{m} AS {m}, {sign}c.{m}_n AS {m}_n"),
        })
        .chain(SCORES.iter().map(|(name, sql)| match rows {
            Rows::Outcomes => format!(", {sign}({sql}) AS {name}"),
            Rows::Cells => format!(", {sign}c.{name} AS {name}"),
        }))
        .collect();
    format!(
        "{unit} AS unit_path, {place}.ownership AS ownership, {place}.subsystem AS subsystem, \
         {school} AS school_code, {o}.year AS year, {o}.term AS term, {o}.grade_id AS grade_id, \
         {o}.subject_id AS subject_id, {o}.sex AS sex, {o}.group_id AS group_id, {source_rows} AS source_rows{measures}"
    )
}

/// A school's year counted at another unit path (or ownership, or sub-system) than the
/// school's now: where it was counted and where it is.
struct Moved {
    school: i64,
    year: i64,
    was: String,
    is: String,
}

/// The schools' years counted elsewhere than where the schools are now, kept by the
/// schools' stamp (`data_stamps`, renewed by a trigger at any write to a school). A refresh only makes a school's year counted where
/// it is, and one kept here that is not moved any more is taken out of and added to the
/// same place, which changes nothing.
static MOVED: Cache<String, Arc<Vec<Moved>>> = Cache::new("schools counted elsewhere", 8, None);

async fn moved(db: &Db) -> Result<Arc<Vec<Moved>>> {
    let stamp = opencpd_kernel::stamps::read(db, &["schools"]).await?;
    MOVED.get_or_compute(db, stamp, || read_moved(db)).await
}

async fn read_moved(db: &Db) -> Result<Arc<Vec<Moved>>> {
    let rows: Vec<(i64, i64, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT r.school_id, r.year, r.unit_path, s.unit_path FROM unit_outcome_schools r JOIN schools s ON s.id = r.school_id \
         WHERE r.unit_path <> s.unit_path OR r.ownership <> s.ownership OR r.subsystem IS DISTINCT FROM s.subsystem \
         ORDER BY r.school_id, r.year"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(Arc::new(rows.into_iter().map(|(school, year, was, is)| Moved { school, year, was, is }).collect()))
}

/// Where a unit's figures are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// Its cells, where they can answer (every reader's figures).
    Cells,
    /// The outcome rows of each of its schools, summed afresh: what the cells must equal,
    /// for checking them.
    Rows,
}

/// The rows a reader sums for a place and some years, prepared once for several reads:
/// the place's scope checked, and for a unit whether its cells can be read and which
/// schools' years are counted elsewhere than where the schools are now.
pub(crate) struct Cells {
    /// The years' condition on `o.year`.
    years: String,
    /// The place's condition on `schools s` (the place and the reader's scope).
    clause: String,
    /// A unit's path.
    path: Option<String>,
    /// A unit whose every school the reader may read: its path and the moved schools' years.
    unit: Option<(String, Vec<(i64, i64)>)>,
}

/// What a read needs of the rows beyond what the cells are kept by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Needs {
    /// The schools' codes (split or filtered by school) or their own unit paths (filtered
    /// by unit): only the outcome rows have them.
    pub rows: bool,
    /// Split by the units just below the place.
    pub by_unit: bool,
}

impl Cells {
    /// Checks the reader may read `place` (not found, forbidden) and prepares its rows for
    /// `years` (every year when none), read as `read` says.
    pub(crate) async fn of(db: &Db, actor: &Actor, place: Place, years: &[i64], read: Read) -> Result<Cells> {
        let clause = place_clause(db, actor, place).await?;
        let wanted = years;
        let years = match years {
            [] => "1 = 1".to_string(),
            years => format!("o.year IN ({})", years.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
        };
        let Place::Unit(id) = place else { return Ok(Cells { years, clause, path: None, unit: None }) };
        let path: String =
            on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(id).fetch_one(p).await)?;
        // The cells count every school of the unit: read them only when the reader may
        // read every school of it.
        if read == Read::Rows || !ListScope::of(actor).unit_paths().iter().any(|p| path.starts_with(p.as_str())) {
            return Ok(Cells { years, clause, path: Some(path), unit: None });
        }
        let high = upper_bound(&path);
        let within = |p: &str| p >= path.as_str() && p < high.as_str();
        let moved: Vec<(i64, i64)> = moved(db)
            .await?
            .iter()
            .filter(|m| wanted.is_empty() || wanted.contains(&m.year))
            .filter(|m| within(&m.was) || within(&m.is))
            .map(|m| (m.school, m.year))
            .collect();
        Ok(Cells { years, clause, path: Some(path.clone()), unit: Some((path, moved)) })
    }

    /// The unit's path, for a unit.
    pub(crate) fn unit_path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// A query giving the rows to sum, with the columns [`columns`] names, for the
    /// prepared years: the outcome rows of the place's schools; or for a unit its cells,
    /// with its children's when split by unit (its own schools' rows being its cells less
    /// its children's, counted at its own path), less the rows of the schools counted
    /// under it that moved since, plus those of the schools moved into it.
    pub(crate) fn sql(&self, needs: Needs) -> String {
        let years = &self.years;
        let outcomes = |filter: &str| {
            format!(
                "SELECT {} FROM learner_outcomes o JOIN schools s ON s.id = o.school_id {TOTALS} \
                 WHERE {years} AND {filter}",
                columns("s.unit_path", "s", "s.code", "", Rows::Outcomes)
            )
        };
        let Some((path, moved)) = self.unit.as_ref().filter(|_| !needs.rows) else {
            return outcomes(&self.clause);
        };
        let cells = |unit: &str, sign: &str, filter: &str| {
            format!(
                "SELECT {} FROM unit_outcome_cells c WHERE {} AND {filter}",
                columns(unit, "c", "CAST(NULL AS TEXT)", sign, Rows::Cells),
                years.replace("o.year", "c.year")
            )
        };
        let mut parts = vec![cells("c.path", "", &format!("c.path = '{path}'"))];
        if needs.by_unit {
            parts.push(cells("c.path", "", &format!("c.parent = '{path}'")));
            parts.push(cells("c.parent", "-", &format!("c.parent = '{path}'")));
        }
        if !moved.is_empty() {
            let pairs = moved
                .iter()
                .map(|(school, year)| format!("(o.school_id = {school} AND o.year = {year})"))
                .collect::<Vec<_>>()
                .join(" OR ");
            let (low, high) = (path, upper_bound(path));
            parts.push(format!(
                "SELECT {} FROM learner_outcomes o JOIN unit_outcome_schools r ON r.school_id = o.school_id \
                 AND r.year = o.year {TOTALS} WHERE ({pairs}) AND r.unit_path >= '{low}' AND r.unit_path < '{high}'",
                columns("r.unit_path", "r", "CAST(NULL AS TEXT)", "-", Rows::Outcomes)
            ));
            parts.push(outcomes(&format!("({pairs}) AND s.unit_path >= '{low}' AND s.unit_path < '{high}'")));
        }
        parts.join(" UNION ALL ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_has_its_ancestors_and_its_parent() {
        assert_eq!(ancestors("/1/7/42/"), vec!["/1/", "/1/7/", "/1/7/42/"]);
        assert_eq!(ancestors("/1/"), vec!["/1/"]);
        assert_eq!(parent("/1/7/42/"), "/1/7/");
        assert_eq!(parent("/1/"), "");
    }
}
