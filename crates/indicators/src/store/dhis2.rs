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
    audit::record(&mut tx, actor, "update", "dhis2_code", &format!("{kind}:{key}"), code, None::<&()>, Some(&code)).await?;
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
        Place::Unit(id) => {
            ("unit", on_db!(db, |p| sqlx::query_scalar("SELECT code FROM units WHERE id = $1").bind(id).fetch_one(p).await)?)
        }
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
