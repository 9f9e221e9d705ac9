//! DHIS2 exchange over the database: the deployment's code mapping, and an indicator's
//! answer exported as `dataValueSets` JSON or ADX XML (see [`crate::dhis2`]).

use crate::dhis2::{self, Export, Mapping, Value};
use crate::model::{Place, Question};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};

const KINDS: &[&str] = &["unit", "school", "indicator", "category", "option", "combo", "dataset", "measure"];

/// The deployment's mapping.
pub async fn mapping(db: &Db) -> Result<Mapping> {
    let rows: Vec<(String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT kind, key, code FROM dhis2_codes").fetch_all(p).await)?;
    Ok(Mapping::from_rows(rows))
}

/// Sets (or replaces) one code of the mapping (those who set up programmes).
pub async fn set_code(db: &Db, actor: &Actor, kind: &str, key: &str, code: &str) -> Result<()> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
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
    opencpd_kernel::error::fail_if_any(problems)?;
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
    let by_unit = answer.by.iter().position(|d| d == "unit");
    let mut values = Vec::new();
    if answer.by.is_empty() {
        values.push(Value { place_kind, place: place_code.clone(), categories: Vec::new(), value: answer.total.value });
    }
    for cell in &answer.cells {
        let mut categories: Vec<(String, String)> =
            answer.by.iter().cloned().zip(cell.categories.iter().cloned()).collect();
        let (kind, place) = match by_unit {
            Some(i) => ("unit", categories.remove(i).1),
            None => (place_kind, place_code.clone()),
        };
        values.push(Value { place_kind: kind, place, categories, value: cell.value });
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

/// Imports aggregate school data from a DHIS2 `dataValueSets` JSON file (codes as
/// identifiers): each data element is mapped to an outcome column (`measure`), each
/// organisation unit to a school (`school`), each category option combination to its
/// categories (`combo`: `grade:P1;sex:F`, with `subject:` and `group:` where they apply),
/// each period is a year. A code not mapped is named by its value's place
/// (`dataValues[3].orgUnit`) and nothing is written; the values mapped become outcome
/// rows (a row's number is its first value's, from 1) imported through the outcome
/// import: the same checks, all or nothing.
pub async fn import_data_values(
    db: &Db,
    actor: &Actor,
    json: &[u8],
    options: opencpd_kernel::import::Options<'_>,
) -> Result<opencpd_kernel::import::ImportReport> {
    let set: InSet = serde_json::from_slice(json).map_err(|e| {
        Error::invalid(Problem::new("not-a-table").arg("detail", format!("not a DHIS2 data value set: {e}")))
    })?;
    let mapping = mapping(db).await?;
    let reverse = |kind: &str| -> std::collections::HashMap<String, String> {
        mapping.0.iter().filter(|((k, _), _)| k == kind).map(|((_, key), code)| (code.clone(), key.clone())).collect()
    };
    let (measures, schools, combos) = (reverse("measure"), reverse("school"), reverse("combo"));
    let mut problems = Vec::new();
    // (school, year, grade, subject, sex, group) → (first value's number, cells by column).
    let mut rows: std::collections::BTreeMap<[String; 6], (usize, Vec<String>)> = Default::default();
    let columns = super::outcomes::COLUMNS;
    for (i, v) in set.data_values.iter().enumerate() {
        let field = |f: &str| format!("dataValues[{i}].{f}");
        let unmapped = |f: &str, value: &str, kind: &str| {
            Problem::new("dhis2-unmapped").in_column(field(f)).with_value(value).arg("kind", kind)
        };
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
            problems.push(Problem::new("dhis2-period").in_column(field("period")).with_value(&v.period));
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
            (i + 1, cells)
        });
        let at = columns.iter().position(|c| c.name == measure.as_str()).expect("an outcome column");
        entry.1[at] = v.value.trim().to_string();
    }
    if !problems.is_empty() {
        let mut report = opencpd_kernel::import::ImportReport::empty("outcomes", options.dry_run);
        report.rows_read = set.data_values.len() as u64;
        report.add(problems);
        return Ok(report);
    }
    let mut table_rows: Vec<opencpd_domain::TableRow> =
        rows.into_values().map(|(number, cells)| opencpd_domain::TableRow { number, cells }).collect();
    table_rows.sort_by_key(|r| r.number);
    let table =
        opencpd_domain::Table { headers: columns.iter().map(|c| c.name.to_string()).collect(), rows: table_rows };
    super::outcomes::import(db, actor, opencpd_kernel::import::Source::Table(table), options).await
}
