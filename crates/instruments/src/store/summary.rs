//! The per-question summary of an instrument's submissions: for each select_one and
//! select_multiple question, how many chose each choice, overall, by the respondent's sex
//! and by unit, small counts hidden by the one rule ([`opencpd_domain::suppression`]).
//! It is what readers without row-level rights read instead of the row-level export.
//!
//! The respondent is the subject when the subject is a person, else the collector (their
//! person's sex). The unit is the subject's place at `level` (default 2, districts in
//! Rwanda). Percentages are of those who answered the question in the same group.
//! Only top-level answers count (not those inside repeats).

use opencpd_domain::access::Action;
use opencpd_domain::suppression::{self, Cell};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::settings::small_cell_threshold;
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::BTreeMap;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{ChoiceSummary, Group, QuestionSummary, ShownTally, SurveySummary};

/// A respondent's sex, unit and the choices they made for one question.
type Picked<'a> = (&'a str, &'a str, Vec<&'a str>);

#[derive(sqlx::FromRow)]
struct Answered {
    subject_path: String,
    answers_json: String,
    sex: Option<String>,
}

/// The summary of an instrument's submissions in the reader's scope (those who read
/// submissions), labels in `lang`.
pub async fn summary(
    db: &Db,
    actor: &Actor,
    instrument_id: i64,
    level: Option<i64>,
    lang: &str,
) -> Result<SurveySummary> {
    if !actor.may(Action::ReadSubmissions) {
        return Err(Error::Forbidden);
    }
    let instrument = super::instrument(db, instrument_id).await?;
    let form = super::form(db, instrument_id).await?;
    let level = level.unwrap_or(2).max(0);
    let k = small_cell_threshold(db).await?;
    let scope = ListScope::of(actor).sql(Columns::path("s.subject_path"));
    let sql = format!(
        "SELECT s.subject_path, s.answers_json, CASE WHEN s.subject_kind = 'person' \
         THEN (SELECT x.sex FROM people x WHERE x.id = s.subject_id) \
         ELSE (SELECT x.sex FROM users u JOIN people x ON x.id = u.person_id WHERE u.id = s.collected_by) END AS sex \
         FROM submissions s WHERE s.instrument_id = $1 AND ({scope} OR s.collected_by = $2) ORDER BY s.id"
    );
    let own = actor.user_id.unwrap_or(-1);
    let rows: Vec<Answered> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(instrument.id)
        .bind(own)
        .fetch_all(p)
        .await)?;
    let unit_of = |path: &str| -> String {
        let ids: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        ids.get(level as usize).or(ids.last()).map(|s| s.to_string()).unwrap_or_default()
    };
    let answers: Vec<(serde_json::Map<String, serde_json::Value>, String, String)> = rows
        .iter()
        .map(|r| {
            let map = serde_json::from_str::<serde_json::Value>(&r.answers_json)
                .ok()
                .and_then(|v| match v {
                    serde_json::Value::Object(m) => Some(m),
                    _ => None,
                })
                .unwrap_or_default();
            (map, r.sex.clone().unwrap_or_default(), unit_of(&r.subject_path))
        })
        .collect();
    let unit_ids: Vec<i64> = {
        let mut ids: Vec<i64> = answers.iter().filter_map(|a| a.2.parse().ok()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for id in &unit_ids {
        let name: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
            .bind(*id)
            .fetch_optional(p)
            .await)?;
        names.insert(id.to_string(), name.unwrap_or_default());
    }
    let label = |texts: &opencpd_forms::Texts, fallback: &str| -> String {
        form.text(texts, lang).unwrap_or(fallback).to_string()
    };
    let mut questions = Vec::new();
    for item in form.all_items() {
        let (list, kind) = match &item.kind {
            opencpd_forms::ItemKind::SelectOne { list } => (list, "select_one"),
            opencpd_forms::ItemKind::SelectMultiple { list } => (list, "select_multiple"),
            _ => continue,
        };
        let choices = form.choices(list);
        // Who answered, and what each chose.
        let mut picked: Vec<Picked> = Vec::new();
        for (map, sex, unit) in &answers {
            let chosen: Vec<&str> = match map.get(&item.name) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => vec![s.as_str()],
                Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
                _ => continue,
            };
            if !chosen.is_empty() {
                picked.push((sex.as_str(), unit.as_str(), chosen));
            }
        }
        let mut sexes: Vec<&str> = picked.iter().map(|p| p.0).collect();
        sexes.sort_unstable();
        sexes.dedup();
        let mut units: Vec<&str> = picked.iter().map(|p| p.1).collect();
        units.sort_by(|a, b| names.get(*a).cmp(&names.get(*b)).then(a.cmp(b)));
        units.dedup();
        let count = |choice: &str, group: &dyn Fn(&Picked) -> bool| -> i64 {
            picked.iter().filter(|p| group(p) && p.2.contains(&choice)).count() as i64
        };
        let answered_in =
            |group: &dyn Fn(&Picked) -> bool| -> i64 { picked.iter().filter(|p| group(p)).count() as i64 };
        let overall: Vec<i64> = choices.iter().map(|c| count(&c.name, &|_| true)).collect();
        let by_sex: Vec<Vec<i64>> =
            choices.iter().map(|c| sexes.iter().map(|s| count(&c.name, &|p| p.0 == *s)).collect()).collect();
        let by_unit: Vec<Vec<i64>> =
            choices.iter().map(|c| units.iter().map(|u| count(&c.name, &|p| p.1 == *u)).collect()).collect();
        let sex_answered: Vec<i64> = sexes.iter().map(|s| answered_in(&|p| p.0 == *s)).collect();
        let unit_answered: Vec<i64> = units.iter().map(|u| answered_in(&|p| p.1 == *u)).collect();
        // The choices of a select_one add up to those who answered (a row total per group).
        let one = kind == "select_one";
        let overall_cells = suppression::column(&overall, k);
        let sex_cells = suppression::table(&by_sex, k, one);
        let unit_cells = suppression::table(&by_unit, k, one);
        let shown = |n: i64, cell: Cell, of: i64| ShownTally {
            count: cell.text(n, k),
            percent: (!cell.hidden() && of > 0).then(|| (n as f64 * 1000.0 / of as f64).round() / 10.0),
        };
        let group_cells = |values: &[i64]| -> Vec<String> {
            suppression::column(values, k).iter().zip(values).map(|(c, v)| c.text(*v, k)).collect()
        };
        let sex_groups = group_cells(&sex_answered);
        let unit_groups = group_cells(&unit_answered);
        let answered = picked.len() as i64;
        questions.push(QuestionSummary {
            name: item.name.clone(),
            label: label(&item.label, &item.name),
            kind: kind.to_string(),
            answered: suppression::single(answered, k).text(answered, k),
            sexes: sexes
                .iter()
                .zip(sex_groups)
                .map(|(s, answered)| Group { key: s.to_string(), name: None, answered })
                .collect(),
            units: units
                .iter()
                .zip(unit_groups)
                .map(|(u, answered)| Group { key: u.to_string(), name: names.get(*u).cloned(), answered })
                .collect(),
            choices: choices
                .iter()
                .enumerate()
                .map(|(i, c)| ChoiceSummary {
                    name: c.name.clone(),
                    label: label(&c.label, &c.name),
                    overall: shown(overall[i], overall_cells[i], answered),
                    by_sex: (0..sexes.len()).map(|j| shown(by_sex[i][j], sex_cells[i][j], sex_answered[j])).collect(),
                    by_unit: (0..units.len())
                        .map(|j| shown(by_unit[i][j], unit_cells[i][j], unit_answered[j]))
                        .collect(),
                })
                .collect(),
        });
    }
    let n = rows.len() as i64;
    Ok(SurveySummary {
        instrument_id: instrument.id,
        code: instrument.code,
        title: instrument.title,
        submissions: suppression::single(n, k).text(n, k),
        level,
        small_cell_threshold: k,
        suppression: suppression::notice(lang, k),
        questions,
    })
}

/// The summary as a table for CSV or XLSX: one row a question, choice and group
/// (overall, a sex, a unit), then a row stating the suppression.
pub fn summary_table(s: &SurveySummary) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec!["question", "label", "choice", "choice_label", "group", "key", "name", "count", "percent"];
    let mut rows = Vec::new();
    let percent = |c: &ShownTally| c.percent.map(|p| format!("{p:.1}")).unwrap_or_default();
    for q in &s.questions {
        for c in &q.choices {
            let mut row = |group: &str, key: &str, name: &str, n: &ShownTally| {
                rows.push(vec![
                    q.name.clone(),
                    q.label.clone(),
                    c.name.clone(),
                    c.label.clone(),
                    group.to_string(),
                    key.to_string(),
                    name.to_string(),
                    n.count.clone(),
                    percent(n),
                ]);
            };
            row("overall", "", "", &c.overall);
            for (g, n) in q.sexes.iter().zip(&c.by_sex) {
                row("sex", &g.key, "", n);
            }
            for (g, n) in q.units.iter().zip(&c.by_unit) {
                row("unit", &g.key, g.name.as_deref().unwrap_or_default(), n);
            }
        }
    }
    if s.small_cell_threshold > 0 {
        let mut note = vec![String::new(); headers.len()];
        note[0] = "note".into();
        note[1] = s.suppression.clone();
        rows.push(note);
    }
    (headers, rows)
}
