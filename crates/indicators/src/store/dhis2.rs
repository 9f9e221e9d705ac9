//! DHIS2 exchange over the database: the deployment's code mapping, and an indicator's
//! answer exported as `dataValueSets` JSON or ADX XML (see [`crate::dhis2`]).

use crate::dhis2::{self, Export, Mapping, Value};
use crate::model::{Place, Question};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_kernel::bulk::Cell;
use opencpd_kernel::import::{Column, Importer, Row, Source, Written};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};

const KINDS: &[&str] = &["unit", "school", "indicator", "category", "option", "combo", "dataset", "measure"];

/// The deployment's mapping.
pub async fn mapping(db: &Db) -> Result<Mapping> {
    let rows: Vec<(String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT kind, key, code FROM dhis2_codes").fetch_all(p).await)?;
    Ok(Mapping::from_rows(rows))
}

/// The deployment's mapping, one code a row, by kind and key.
pub async fn codes(db: &Db) -> Result<Vec<crate::model::Dhis2Code>> {
    let rows: Vec<(String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT kind, key, code FROM dhis2_codes ORDER BY kind, key")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(kind, key, code)| crate::model::Dhis2Code { kind, key, code }).collect())
}

/// Sets (or replaces) one code of the mapping (those who set up programmes).
pub async fn set_code(db: &Db, actor: &Actor, kind: &str, key: &str, code: &str) -> Result<()> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    opencpd_kernel::error::fail_if_any(code_problems(kind, key, code))?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO dhis2_codes (kind, key, code) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, key) DO UPDATE SET code = excluded.code"
    )
    .bind(kind)
    .bind(key.trim())
    .bind(code.trim())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    audit::record(&mut tx, actor, "update", "dhis2_code", &format!("{kind}:{key}"), code, None::<&()>, Some(&code))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What is wrong with one code of the mapping, each problem naming its field.
fn code_problems(kind: &str, key: &str, code: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !KINDS.contains(&kind) {
        problems.push(Problem::new("bad-choice").in_column("kind").with_value(kind).arg("allowed", KINDS.join(", ")));
    }
    for (field, v) in [("key", key), ("code", code)] {
        if v.trim().is_empty() {
            problems.push(Problem::new("required").in_column(field));
        } else if v.len() > 200 || v.chars().any(char::is_control) {
            problems.push(Problem::new("bad-code").in_column(field).with_value(v));
        }
    }
    problems
}

/// The two formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DataValueSets,
    Adx,
}

impl Format {
    pub fn parse(input: &str) -> std::result::Result<Format, Problem> {
        match input.trim().to_ascii_lowercase().as_str() {
            "json" | "datavaluesets" => Ok(Format::DataValueSets),
            "adx" | "xml" => Ok(Format::Adx),
            other => Err(Problem::new("bad-choice").in_column("format").with_value(other).arg("allowed", "json, adx")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::DataValueSets => "json",
            Format::Adx => "adx",
        }
    }
}

/// Exports an indicator's answer for a place and year: the place itself (and, split by
/// `unit`, each unit below it as its own organisation unit); values suppressed for the
/// reader are left out.
pub async fn export(db: &Db, actor: &Actor, code: &str, question: &Question, format: Format) -> Result<Export> {
    let answer = super::engine::answer(db, actor, code, question).await?;
    let (place_kind, place_code): (&'static str, String) = match question.place {
        Place::Unit(id) => (
            "unit",
            on_db!(db, |p| sqlx::query_scalar("SELECT code FROM units WHERE id = $1").bind(id).fetch_one(p).await)?,
        ),
        Place::School(id) => (
            "school",
            on_db!(db, |p| sqlx::query_scalar("SELECT code FROM schools WHERE id = $1").bind(id).fetch_one(p).await)?,
        ),
    };
    let mut values = Vec::new();
    if answer.by.is_empty() {
        values.push(Value {
            place_kind,
            place: place_code.clone(),
            quarter: None,
            categories: Vec::new(),
            value: answer.total.value,
        });
    }
    for cell in &answer.cells {
        // The unit is the organisation unit, the quarter the period; the rest categories.
        let mut categories: Vec<(String, String)> =
            answer.by.iter().cloned().zip(cell.categories.iter().cloned()).collect();
        let mut take = |dimension: &str| {
            let i = categories.iter().position(|(d, _)| d == dimension)?;
            Some(categories.remove(i).1)
        };
        let (kind, place) = match take("unit") {
            Some(unit) => ("unit", unit),
            None => (place_kind, place_code.clone()),
        };
        let quarter = take("quarter").as_deref().and_then(dhis2::quarter_of);
        values.push(Value { place_kind: kind, place, quarter, categories, value: cell.value });
    }
    let mapping = mapping(db).await?;
    let exported = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    match format {
        Format::DataValueSets => dhis2::data_value_sets(&answer.indicator, answer.year, &values, &mapping),
        Format::Adx => dhis2::adx(&answer.indicator, answer.year, &values, &mapping, &exported),
    }
    .map_err(Error::Invalid)
}

/// The outcome columns a DHIS2 data element can be mapped to (kind `measure`).
const IMPORTED: &[&str] = &[
    "enrolled",
    "assessed",
    "mean_score",
    "below_basic",
    "basic",
    "proficient",
    "advanced",
    "promoted",
    "repeating",
    "dropped_out",
];

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InValue {
    data_element: String,
    period: String,
    org_unit: String,
    #[serde(default)]
    category_option_combo: Option<String>,
    value: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InSet {
    data_values: Vec<InValue>,
}

/// The columns of DHIS2's CSV of data values, as DHIS2 writes and reads them (its
/// attribute option combination, who stored a value, when, the comment and the follow-up
/// flag are read and left aside: an outcome row has no place for them).
pub const DATA_COLUMNS: &[Column] = &[
    Column::required("dataelement").example("DE_ENROLLED"),
    Column::required("period").example("2025"),
    Column::required("orgunit").example("OU_SCHOOL_1"),
    Column::optional("categoryoptioncombo").example("COC_P1_F"),
    Column::optional("attributeoptioncombo"),
    Column::required("value").example("40"),
    Column::optional("storedby"),
    Column::optional("lastupdated"),
    Column::optional("comment"),
    Column::optional("followup"),
];

/// Aggregate school data from DHIS2, for the one import route, page and command: a
/// `dataValueSets` JSON file (`.json`) or DHIS2's CSV of data values (`.csv`, `.xlsx`),
/// read through the deployment's mapping into outcome rows ([`import_data_values`]).
pub const DATA_KIND: opencpd_kernel::import::Kind = opencpd_kernel::import::Kind {
    key: "dhis2-data",
    columns: DATA_COLUMNS,
    into: None,
    may: |actor| actor.may(Action::EditSchoolData),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import_source(db, actor, source, options)),
};

/// Where a value was read, so its problems name it: the `n`th of a JSON set's
/// `dataValues` (from 0, as JSON counts), or a row of a table (from 1, the header's).
#[derive(Clone, Copy)]
enum At {
    Json(usize),
    Row(usize),
}

impl At {
    /// A problem about the value's `field` (a JSON name: `orgUnit`).
    fn problem(self, code: &'static str, field: &str) -> Problem {
        match self {
            At::Json(i) => Problem::new(code).in_column(format!("dataValues[{i}].{field}")),
            At::Row(row) => Problem::new(code).at_row(row).in_column(field.to_lowercase()),
        }
    }

    /// The outcome row's number the values read here make.
    fn number(self) -> usize {
        match self {
            At::Json(i) => i + 1,
            At::Row(row) => row,
        }
    }
}

/// Imports a DHIS2 file of either format (see [`DATA_KIND`]).
pub async fn import_source(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: opencpd_kernel::import::Options<'_>,
) -> Result<opencpd_kernel::import::ImportReport> {
    use opencpd_kernel::import::ImportReport;
    let refused = |p: Problem| Ok(ImportReport::refused(DATA_KIND.key, options.dry_run, p));
    let table = match source {
        Source::Json(bytes) => return import_data_values(db, actor, &bytes, options).await,
        Source::Table(table) => table,
        Source::Csv(mut read) => {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut read, &mut bytes) {
                return refused(Problem::new("not-a-table").arg("detail", e.to_string()));
            }
            match opencpd_transfer::read_table("values.csv", &bytes) {
                Ok(table) => table,
                Err(p) => return refused(p),
            }
        }
        Source::Workbook(bytes) => match opencpd_transfer::read_table("values.xlsx", &bytes) {
            Ok(table) => table,
            Err(p) => return refused(p),
        },
    };
    let at = match opencpd_kernel::import::match_header(&table.headers, DATA_COLUMNS) {
        Ok(at) => at,
        Err(problems) => {
            let mut report = ImportReport::empty(DATA_KIND.key, options.dry_run);
            report.add(problems);
            return Ok(report);
        }
    };
    let cell = |row: &opencpd_domain::TableRow, name: &str| -> String {
        let column = DATA_COLUMNS.iter().position(|c| c.name == name).expect("a column");
        at[column].and_then(|i| row.cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default()
    };
    let values = table
        .rows
        .iter()
        .filter(|row| row.cells.iter().any(|c| !c.trim().is_empty()))
        .map(|row| {
            let combo = cell(row, "categoryoptioncombo");
            (
                At::Row(row.number),
                InValue {
                    data_element: cell(row, "dataelement"),
                    period: cell(row, "period"),
                    org_unit: cell(row, "orgunit"),
                    category_option_combo: (!combo.is_empty()).then_some(combo),
                    value: cell(row, "value"),
                },
            )
        })
        .collect();
    import_values(db, actor, values, options).await
}

/// Imports aggregate school data from a DHIS2 `dataValueSets` JSON file (codes as
/// identifiers): see [`import_values`].
pub async fn import_data_values(
    db: &Db,
    actor: &Actor,
    json: &[u8],
    options: opencpd_kernel::import::Options<'_>,
) -> Result<opencpd_kernel::import::ImportReport> {
    let set: InSet = match serde_json::from_slice(json) {
        Ok(set) => set,
        Err(e) => {
            let p = Problem::new("not-a-table").arg("detail", format!("not a DHIS2 data value set: {e}"));
            return Ok(opencpd_kernel::import::ImportReport::refused(DATA_KIND.key, options.dry_run, p));
        }
    };
    let values = set.data_values.into_iter().enumerate().map(|(i, v)| (At::Json(i), v)).collect();
    import_values(db, actor, values, options).await
}

/// Imports DHIS2 data values: each data element is mapped to an outcome column
/// (`measure`), each organisation unit to a school (`school`), each category option
/// combination to its categories (`combo`: `grade:P1;sex:F`, with `subject:` and `group:`
/// where they apply), each period is a year. A code not mapped is named by where its value
/// was read (`dataValues[3].orgUnit`, or row 4, column `orgunit`) and nothing is written;
/// the values mapped become outcome rows (a row's number is its first value's) imported
/// through the outcome import: the same checks, all or nothing.
async fn import_values(
    db: &Db,
    actor: &Actor,
    values: Vec<(At, InValue)>,
    options: opencpd_kernel::import::Options<'_>,
) -> Result<opencpd_kernel::import::ImportReport> {
    let mapping = mapping(db).await?;
    let reverse = |kind: &str| -> std::collections::HashMap<String, String> {
        mapping.0.iter().filter(|((k, _), _)| k == kind).map(|((_, key), code)| (code.clone(), key.clone())).collect()
    };
    let (measures, schools, combos) = (reverse("measure"), reverse("school"), reverse("combo"));
    let mut problems = Vec::new();
    // (school, year, grade, subject, sex, group) → (first value's number, cells by column).
    let mut rows: std::collections::BTreeMap<[String; 6], (usize, Vec<String>)> = Default::default();
    let columns = super::outcomes::COLUMNS;
    for (at, v) in &values {
        let unmapped =
            |f: &str, value: &str, kind: &str| at.problem("dhis2-unmapped", f).with_value(value).arg("kind", kind);
        let measure = measures.get(&v.data_element).filter(|m| IMPORTED.contains(&m.as_str()));
        if measure.is_none() {
            problems.push(unmapped("dataElement", &v.data_element, "measure"));
        }
        let school = schools.get(&v.org_unit);
        if school.is_none() {
            problems.push(unmapped("orgUnit", &v.org_unit, "school"));
        }
        let combo = v.category_option_combo.as_deref().unwrap_or("");
        let mut categories: std::collections::HashMap<&str, &str> = Default::default();
        match combos.get(combo) {
            Some(key) => {
                for part in key.split(';') {
                    if let Some((d, c)) = part.split_once(':') {
                        categories.insert(d.trim(), c.trim());
                    }
                }
            }
            None => problems.push(unmapped("categoryOptionCombo", combo, "combo")),
        }
        let year = v.period.trim();
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            problems.push(at.problem("dhis2-period", "period").with_value(&v.period));
        }
        let (Some(measure), Some(school)) = (measure, school) else { continue };
        let get = |d: &str| categories.get(d).map(|s| s.to_string()).unwrap_or_default();
        let key = [school.clone(), year.to_string(), get("grade"), get("subject"), get("sex"), get("group")];
        let entry = rows.entry(key.clone()).or_insert_with(|| {
            let mut cells = vec![String::new(); columns.len()];
            for (name, value) in ["school_code", "year", "grade", "subject", "sex", "group"].iter().zip(key.iter()) {
                let at = columns.iter().position(|c| c.name == *name).expect("a column");
                cells[at] = value.clone();
            }
            (at.number(), cells)
        });
        let at = columns.iter().position(|c| c.name == measure.as_str()).expect("an outcome column");
        entry.1[at] = v.value.trim().to_string();
    }
    if !problems.is_empty() {
        let mut report = opencpd_kernel::import::ImportReport::empty(DATA_KIND.key, options.dry_run);
        report.rows_read = values.len() as u64;
        report.add(problems);
        return Ok(report);
    }
    let mut table_rows: Vec<opencpd_domain::TableRow> =
        rows.into_values().map(|(number, cells)| opencpd_domain::TableRow { number, cells }).collect();
    table_rows.sort_by_key(|r| r.number);
    let table =
        opencpd_domain::Table { headers: columns.iter().map(|c| c.name.to_string()).collect(), rows: table_rows };
    super::outcomes::import(db, actor, Source::Table(table), options).await
}

// ---------------------------------------------------------------------------------------
// The mapping as a file

/// The columns of a file of the mapping: one code a row.
pub const CODE_COLUMNS: &[Column] = &[
    Column::required("kind").example("school").allowed(|| KINDS.to_vec()),
    Column::required("key").example("RW-0001"),
    Column::required("code").example("OU_RW_0001"),
];

/// The mapping, for the one import route, page and command: a row sets (or replaces) one
/// code, as [`set_code`] does; those who set up programmes; every row or none.
pub const CODES_KIND: opencpd_kernel::import::Kind = opencpd_kernel::import::Kind {
    key: "dhis2-codes",
    columns: CODE_COLUMNS,
    into: None,
    may: |actor| actor.require(Action::ManageProgrammes, &Target::Deployment).is_ok(),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import_codes(db, actor, source, options)),
};

/// Sets the codes of a file: every row or none, each problem named by row and column; a
/// pair of kind and key twice in the file is named at its second row.
pub async fn import_codes(
    db: &Db,
    actor: &Actor,
    source: Source,
    options: opencpd_kernel::import::Options<'_>,
) -> Result<opencpd_kernel::import::ImportReport> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    opencpd_kernel::import::run(db, actor, &mut CodeFile::default(), source, options).await
}

#[derive(Default)]
struct CodeFile {
    /// Each kind and key read, with its row.
    seen: std::collections::HashMap<(String, String), usize>,
}

impl Importer for CodeFile {
    type Checked = (String, String, String);

    fn kind(&self) -> &'static str {
        CODES_KIND.key
    }

    fn columns(&self) -> &'static [Column] {
        CODE_COLUMNS
    }

    fn check(&mut self, r: &Row<'_>) -> std::result::Result<Self::Checked, Vec<Problem>> {
        let (kind, key, code) = (r.get(0).trim(), r.get(1).trim(), r.get(2).trim());
        let mut problems: Vec<Problem> =
            code_problems(kind, key, code).into_iter().map(|p| p.at_row(r.number())).collect();
        if problems.is_empty() {
            let first = *self.seen.entry((kind.to_string(), key.to_string())).or_insert(r.number());
            if first != r.number() {
                problems.push(
                    Problem::new("duplicate-in-file")
                        .at_row(r.number())
                        .in_column("key")
                        .with_value(key)
                        .arg("first", first),
                );
            }
        }
        if problems.is_empty() { Ok((kind.to_string(), key.to_string(), code.to_string())) } else { Err(problems) }
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<Self::Checked>) -> Result<Written> {
        let written = rows.len() as u64;
        let cells: Vec<Vec<Cell>> = rows
            .into_iter()
            .map(|(kind, key, code)| vec![Cell::Text(Some(kind)), Cell::Text(Some(key)), Cell::Text(Some(code))])
            .collect();
        opencpd_kernel::bulk::insert_then(
            tx,
            "INSERT INTO dhis2_codes (kind, key, code)",
            3,
            cells,
            "ON CONFLICT (kind, key) DO UPDATE SET code = excluded.code",
            &|_| {},
        )
        .await?;
        Ok(Written::rows(written))
    }
}
