//! Needs assessments read as needs: a person's latest needs assessment scored per
//! standard (the instrument's domains are standard codes) and the courses recommended for
//! their weakest standards (`domain::evaluation::needs`); and the needs of a cohort's
//! participants or of the people in a unit, standard by standard, for planning.

use crate::model::{GroupNeeds, NeedRecommendation, PersonNeeds, StandardNeed, StandardRow};
use opencpd_domain::access::Action;
use opencpd_domain::evaluation::needs::{self, NEED_BELOW, Offer, StandardScore};
use opencpd_domain::suppression;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::{BTreeMap, HashMap};

fn per_standard(scores_json: &str) -> Vec<StandardScore> {
    super::domain_scores(scores_json)
        .into_iter()
        .filter(|d| d.max > 0.0)
        .map(|d| StandardScore { standard: d.domain, percent: 100.0 * d.score / d.max })
        .collect()
}

/// Standard code → its name in `lang`.
async fn standard_names(db: &Db, lang: &str) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT code, name_en, name_fr FROM standards").fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(code, en, fr)| (code, if lang == "fr" { fr } else { en })).collect())
}

/// A person's needs and the courses recommended for them; none when they have no needs
/// assessment. Read by those who may read the person.
pub async fn person(db: &Db, actor: &Actor, person_id: i64, lang: &str) -> Result<PersonNeeds> {
    opencpd_registry::store::person(db, actor, person_id).await?;
    let latest: Option<(String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT i.code, CAST(sub.collected_at AS TEXT), sub.scores_json FROM submissions sub \
         JOIN instruments i ON i.id = sub.instrument_id \
         WHERE sub.subject_kind = 'person' AND sub.subject_id = $1 AND i.kind = 'needs_assessment' \
         ORDER BY sub.collected_at DESC, sub.id DESC LIMIT 1"
    )
    .bind(person_id)
    .fetch_optional(p)
    .await)?;
    let Some((instrument, assessed_at, scores_json)) = latest else {
        return Ok(PersonNeeds {
            person_id,
            instrument: None,
            assessed_on: None,
            standards: Vec::new(),
            recommendations: Vec::new(),
        });
    };
    let names = standard_names(db, lang).await?;
    let scores = per_standard(&scores_json);
    let offers_rows: Vec<(String, String, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT co.code, co.title, m.code, m.title, st.code FROM module_standards ms \
         JOIN course_modules m ON m.id = ms.module_id JOIN courses co ON co.id = m.course_id \
         JOIN standards st ON st.id = ms.standard_id ORDER BY co.code, m.position"
    )
    .fetch_all(p)
    .await)?;
    let mut titles: HashMap<String, String> = HashMap::new();
    let mut modules: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    for (course, title, module, module_title, standard) in offers_rows {
        titles.insert(course.clone(), title);
        modules.entry((course, module)).or_insert_with(|| (module_title, Vec::new())).1.push(standard);
    }
    let offers: Vec<Offer> = modules
        .iter()
        .map(|((course, module), (_, standards))| Offer {
            course: course.clone(),
            module: module.clone(),
            standards: standards.clone(),
        })
        .collect();
    let catalog = opencpd_domain::i18n::catalog();
    let recommendations = needs::recommend(&scores, &offers)
        .into_iter()
        .map(|r| {
            let serves: Vec<String> = r
                .serves
                .iter()
                .map(|s| {
                    let name = names.get(&s.standard).cloned().unwrap_or_default();
                    format!("{} {name} ({} %)", s.standard, opencpd_domain::i18n::decimal(s.percent, 0, lang))
                })
                .collect();
            NeedRecommendation {
                title: titles.get(&r.course).cloned().unwrap_or_default(),
                modules: r
                    .modules
                    .iter()
                    .map(|m| {
                        modules.get(&(r.course.clone(), m.clone())).map(|x| x.0.clone()).unwrap_or_else(|| m.clone())
                    })
                    .collect(),
                reason: catalog.text(
                    lang,
                    "needs-reason",
                    &[
                        ("standards", serves.join(", ")),
                        ("instrument", instrument.clone()),
                        ("date", assessed_at[..10.min(assessed_at.len())].to_string()),
                    ],
                ),
                standards: r.serves.iter().map(|s| s.standard.clone()).collect(),
                course: r.course,
            }
        })
        .collect();
    let mut standards: Vec<StandardRow> = scores
        .iter()
        .map(|s| StandardRow {
            name: names.get(&s.standard).cloned().unwrap_or_default(),
            code: s.standard.clone(),
            percent: s.percent,
            need: s.percent < NEED_BELOW,
        })
        .collect();
    standards.sort_by(|a, b| a.percent.total_cmp(&b.percent));
    Ok(PersonNeeds {
        person_id,
        instrument: Some(instrument),
        assessed_on: Some(assessed_at[..10.min(assessed_at.len())].to_string()),
        standards,
        recommendations,
    })
}

/// The needs of a cohort's participants (`cohort`) or of the people assessed under a
/// unit (`unit`), standard by standard, from each person's latest needs assessment, in
/// the reader's scope; counts of people suppressed for readers without row-level rights.
pub async fn group(db: &Db, actor: &Actor, unit: Option<i64>, cohort: Option<i64>, lang: &str) -> Result<GroupNeeds> {
    let scope = ListScope::of(actor).sql(Columns::path("sub.subject_path").person("sub.subject_id"));
    let (filter, label) = match (unit, cohort) {
        (Some(id), None) => {
            let (path, name): (String, String) =
                on_db!(db, |p| sqlx::query_as("SELECT path, name FROM units WHERE id = $1")
                    .bind(id)
                    .fetch_optional(p)
                    .await)?
                .ok_or(Error::NotFound)?;
            actor.require(Action::Read, &opencpd_domain::access::Target::Unit { path: &path })?;
            let upper = opencpd_domain::access::upper_bound(&path);
            (format!("sub.subject_path >= '{path}' AND sub.subject_path < '{upper}'"), name)
        }
        (None, Some(id)) => {
            let (path, name): (String, String) =
                on_db!(db, |p| sqlx::query_as("SELECT unit_path, name FROM cohorts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(p)
                    .await)?
                .ok_or(Error::NotFound)?;
            actor.require(Action::Read, &opencpd_domain::access::Target::Unit { path: &path })?;
            (format!("sub.subject_id IN (SELECT person_id FROM enrolments WHERE cohort_id = {id})"), name)
        }
        _ => {
            return Err(Error::Invalid(vec![opencpd_domain::Problem::new("needs-one-place").in_column("unit")]));
        }
    };
    // Each person's latest needs assessment.
    let sql = format!(
        "SELECT sub.subject_id, sub.scores_json FROM submissions sub JOIN instruments i ON i.id = sub.instrument_id \
         WHERE sub.subject_kind = 'person' AND i.kind = 'needs_assessment' AND {filter} AND {scope} \
         ORDER BY sub.subject_id, sub.collected_at DESC, sub.id DESC"
    );
    let rows: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let mut latest: BTreeMap<i64, &str> = BTreeMap::new();
    for (person, scores) in &rows {
        latest.entry(*person).or_insert(scores.as_str());
    }
    let mut by_standard: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for scores in latest.values() {
        for s in per_standard(scores) {
            by_standard.entry(s.standard).or_default().push(s.percent);
        }
    }
    let names = standard_names(db, lang).await?;
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let suppressed = !actor.may(Action::ReadRows);
    let standards = by_standard
        .into_iter()
        .map(|(code, values)| {
            let assessed = values.len() as i64;
            let in_need = values.iter().filter(|v| **v < NEED_BELOW).count() as i64;
            let cells = if suppressed {
                suppression::column(&[in_need, assessed - in_need], threshold)
            } else {
                vec![suppression::Cell::Shown, suppression::Cell::Shown]
            };
            let total = if suppressed { suppression::single(assessed, threshold) } else { suppression::Cell::Shown };
            let shown = !cells[0].hidden() && !cells[1].hidden() && !total.hidden();
            StandardNeed {
                name: names.get(&code).cloned().unwrap_or_default(),
                code,
                assessed: (!total.hidden()).then_some(assessed),
                assessed_shown: total.text(assessed, threshold),
                in_need: shown.then_some(in_need),
                in_need_shown: if total.hidden() {
                    total.text(in_need, threshold)
                } else {
                    cells[0].text(in_need, threshold)
                },
                share_in_need: shown.then(|| in_need as f64 / assessed as f64),
                mean_percent: (!total.hidden()).then(|| values.iter().sum::<f64>() / values.len() as f64),
            }
        })
        .collect();
    let people = latest.len() as i64;
    let total = if suppressed { suppression::single(people, threshold) } else { suppression::Cell::Shown };
    Ok(GroupNeeds { place: label, people: total.text(people, threshold), standards, suppressed, threshold })
}
