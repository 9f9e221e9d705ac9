//! Kirkpatrick level 3 by standard over time: observation scores per standard, term by
//! term, for a programme's participants (the funnel, [`of_participants`]), one person
//! ([`person`]) or the people working at a school ([`school`]).
//!
//! - What is read: submissions about people to instruments of kind `observation`, wherever
//!   they were made: on a coaching visit (the visit names its observation, a submission
//!   about the coachee), in lesson study (each observer's observation of the research
//!   lesson, a submission about the teacher observed), or alone. How many came from visits
//!   and from lesson study is told beside the scores.
//! - Standards: an observation form scores its items into domains (its `domain` column,
//!   `opencpd_forms::score`); a domain naming one of the deployment's standards by code or
//!   by its English or French name is that standard; another domain (a rubric's own
//!   strand) is shown under its own name.
//! - Periods: the deployment's terms (`peer_terms`, which peer learning's "this term" reads
//!   too): the term an observation was made in, or in a holiday between two terms the one
//!   before it (as "this term" reads a holiday); an observation before the first term or
//!   after the last (or in a deployment with no terms) counts in its calendar year.
//!   Observations are dated to the day they were collected (UTC); periods are in the order
//!   of their first observation.
//! - A point: the people observed on a standard in a period, and the mean over them of
//!   each one's mean score on it that period (so a person observed three times in a term
//!   weighs as one), as a percent of the standard's maximum.
//! - Suppression: for readers without row-level rights (`domain::suppression`), a point's
//!   count of people below the threshold is hidden, and its mean and observations with it,
//!   as are small counts of observations. A person's own series is read row by row by those
//!   who may read their submissions (or by themselves), unsuppressed.
//!
//! Not here: the funnel's level 3 row (the change between each person's first and latest
//! observation, `super::kirkpatrick`).

use crate::model::{FunnelCount, Practice, PracticePeriod, PracticePoint, PracticeStandard};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use opencpd_domain::access::{Action, Scope};
use opencpd_domain::suppression::{self, Cell};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Result, on_db};
use std::collections::{BTreeMap, HashMap};

/// Where an observation was made: 1 on a coaching visit, 2 in lesson study, else 0.
const SOURCE_SQL: &str = "CAST(CASE WHEN EXISTS (SELECT 1 FROM coaching_visits v WHERE v.submission_id = sub.id) THEN 1 \
     WHEN EXISTS (SELECT 1 FROM lesson_study_observers o WHERE o.submission_id = sub.id) THEN 2 ELSE 0 END AS BIGINT)";

/// One observation about a person.
pub(crate) struct Observed {
    pub person: i64,
    pub at: DateTime<Utc>,
    pub scores_json: String,
    /// 1 made on a coaching visit, 2 in lesson study, 0 otherwise.
    pub source: i64,
}

type Row = (i64, DateTime<Utc>, String, i64);

fn observed(rows: Vec<Row>) -> Vec<Observed> {
    rows.into_iter().map(|(person, at, scores_json, source)| Observed { person, at, scores_json, source }).collect()
}

/// The observations of a programme's participants in scope (`in_people`, the scope's
/// condition on `pp.path` and `pp.person_id`), each person's oldest first.
pub(crate) async fn of_participants(db: &Db, in_people: &str, programme_id: i64) -> Result<Vec<Observed>> {
    let sql = format!(
        "SELECT sub.subject_id, sub.collected_at, sub.scores_json, {SOURCE_SQL} FROM submissions sub \
         JOIN instruments i ON i.id = sub.instrument_id \
         JOIN programme_participants pp ON pp.person_id = sub.subject_id AND pp.programme_id = $1 \
         WHERE sub.subject_kind = 'person' AND i.kind = 'observation' AND {in_people} \
         ORDER BY sub.subject_id, sub.collected_at, sub.id"
    );
    let rows: Vec<Row> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?;
    Ok(observed(rows))
}

/// What points are computed with: the terms, the standards and how counts are shown.
pub(crate) struct Setting {
    /// (name, first day, last day), by first day.
    terms: Vec<(String, NaiveDate, NaiveDate)>,
    /// A domain as written, lower-cased and trimmed → (standard code, name in the language).
    standards: HashMap<String, (String, String)>,
    threshold: i64,
    suppressed: bool,
}

impl Setting {
    /// The deployment's terms and standards, names in `lang`; counts suppressed when
    /// `suppressed`.
    pub(crate) async fn read(db: &Db, lang: &str, suppressed: bool) -> Result<Setting> {
        let terms: Vec<(String, NaiveDate, NaiveDate)> =
            on_db!(db, |p| sqlx::query_as("SELECT name, start_on, end_on FROM peer_terms ORDER BY start_on, id")
                .fetch_all(p)
                .await)?;
        let rows: Vec<(String, String, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT code, name_en, name_fr FROM standards ORDER BY id")
                .fetch_all(p)
                .await)?;
        let mut standards = HashMap::new();
        for (code, en, fr) in rows {
            let name = if lang == "fr" { fr.clone() } else { en.clone() };
            for key in [&code, &en, &fr] {
                standards.entry(key.trim().to_lowercase()).or_insert_with(|| (code.clone(), name.clone()));
            }
        }
        let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
        Ok(Setting { terms, standards, threshold, suppressed })
    }

    /// The period a day falls in: its term, or between two terms the one before; else its
    /// year. (kind, name, first day.)
    fn period(&self, day: NaiveDate) -> (&'static str, String, NaiveDate) {
        let begun = self.terms.iter().rev().find(|(_, from, _)| *from <= day);
        let another = self.terms.iter().any(|(_, from, _)| *from > day);
        match begun {
            Some((name, from, to)) if day <= *to || another => ("term", name.clone(), *from),
            _ => ("year", day.year().to_string(), NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)),
        }
    }

    /// A domain's standard: (0, its code, its name), or (1, the domain, "") when it names none.
    fn standard(&self, domain: &str) -> (u8, String, String) {
        match self.standards.get(&domain.trim().to_lowercase()) {
            Some((code, name)) => (0, code.clone(), name.clone()),
            None => (1, domain.trim().to_string(), String::new()),
        }
    }

    fn count(&self, value: i64) -> (FunnelCount, Cell) {
        let cell = if self.suppressed { suppression::single(value, self.threshold) } else { Cell::Shown };
        (FunnelCount { value: (!cell.hidden()).then_some(value), shown: cell.text(value, self.threshold) }, cell)
    }
}

/// The scores of `observations` per standard and period.
pub(crate) fn series(about: &str, observations: &[Observed], setting: &Setting) -> Practice {
    // A period: its kind and name. (standard) → period → person → (sum of percents,
    // observations).
    type Period = (&'static str, String);
    type People = BTreeMap<i64, (f64, i64)>;
    let mut cells: BTreeMap<(u8, String, String), HashMap<Period, People>> = BTreeMap::new();
    // Period → (its first day, the first day observed in it).
    let mut seen: HashMap<Period, (NaiveDate, NaiveDate)> = HashMap::new();
    for o in observations {
        let day = o.at.date_naive();
        let (kind, name, starts) = setting.period(day);
        let mut scored = false;
        for d in super::domain_scores(&o.scores_json).into_iter().filter(|d| d.max > 0.0) {
            scored = true;
            let person = cells
                .entry(setting.standard(&d.domain))
                .or_default()
                .entry((kind, name.clone()))
                .or_default()
                .entry(o.person)
                .or_default();
            person.0 += 100.0 * d.score / d.max;
            person.1 += 1;
        }
        if scored {
            let first = seen.entry((kind, name)).or_insert((starts, day));
            first.1 = first.1.min(day);
        }
    }
    let mut periods: Vec<(Period, (NaiveDate, NaiveDate))> = seen.into_iter().collect();
    periods.sort_by(|a, b| (a.1.1, a.1.0, &a.0).cmp(&(b.1.1, b.1.0, &b.0)));
    let standards = cells
        .into_iter()
        .map(|((_, code, name), by_period)| {
            let points = periods
                .iter()
                .map(|(period, _)| {
                    let people = by_period.get(period);
                    let n = people.map_or(0, |p| p.len() as i64);
                    let seen = people.map_or(0, |p| p.values().map(|v| v.1).sum::<i64>());
                    let (people_count, cell) = setting.count(n);
                    let observations = if cell.hidden() {
                        FunnelCount { value: None, shown: Cell::Complement.text(seen, setting.threshold) }
                    } else {
                        setting.count(seen).0
                    };
                    let mean = people
                        .filter(|p| !p.is_empty() && !cell.hidden())
                        .map(|p| p.values().map(|(sum, k)| sum / *k as f64).sum::<f64>() / p.len() as f64);
                    PracticePoint { people: people_count, observations, mean }
                })
                .collect();
            PracticeStandard { code, name, points }
        })
        .collect();
    let made = |source: i64| observations.iter().filter(|o| o.source == source).count() as i64;
    Practice {
        about: about.to_string(),
        periods: periods
            .into_iter()
            .map(|((kind, name), (starts, _))| PracticePeriod {
                name,
                starts_on: starts.to_string(),
                kind: kind.to_string(),
            })
            .collect(),
        standards,
        observations: setting.count(observations.len() as i64).0,
        from_visits: setting.count(made(1)).0,
        from_lesson_study: setting.count(made(2)).0,
        suppressed: setting.suppressed,
        threshold: setting.threshold,
    }
}

/// A person's observation scores per standard over time, read by those who may read
/// their submissions (`Action::ReadSubmissions` over them) and by the person themselves:
/// "not found" out of scope, "forbidden" to another reader who may read the person.
pub async fn person(db: &Db, actor: &Actor, person_id: i64, lang: &str) -> Result<Practice> {
    let own = actor.grants.iter().any(|g| g.scope == Scope::Own { person_id });
    if own {
        opencpd_registry::store::person(db, actor, person_id).await?;
    } else {
        opencpd_registry::store::require_person(db, actor, person_id, Action::ReadSubmissions).await?;
    }
    let sql = format!(
        "SELECT sub.subject_id, sub.collected_at, sub.scores_json, {SOURCE_SQL} FROM submissions sub \
         JOIN instruments i ON i.id = sub.instrument_id \
         WHERE sub.subject_kind = 'person' AND sub.subject_id = $1 AND i.kind = 'observation' \
         ORDER BY sub.collected_at, sub.id"
    );
    let rows: Vec<Row> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(person_id).fetch_all(p).await)?;
    let setting = Setting::read(db, lang, false).await?;
    Ok(series("person", &observed(rows), &setting))
}

/// The observation scores per standard over time of the people working at a school: each
/// observation of a person on a day they held a position there (in the reader's scope),
/// for those who may read the school; counts suppressed for readers without row-level rights.
pub async fn school(db: &Db, actor: &Actor, school_id: i64, lang: &str) -> Result<Practice> {
    opencpd_registry::store::school(db, actor, school_id).await?;
    let scope = ListScope::of(actor).sql(Columns::path("x.path").school("x.school_id").person("x.person_id"));
    let sql =
        format!("SELECT x.person_id, x.start_date, x.end_date FROM positions x WHERE x.school_id = $1 AND {scope}");
    let positions: Vec<(i64, NaiveDate, Option<NaiveDate>)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(school_id).fetch_all(p).await)?;
    let mut held: BTreeMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>> = BTreeMap::new();
    for (person, from, to) in positions {
        held.entry(person).or_default().push((from, to));
    }
    let mut rows: Vec<Row> = Vec::new();
    let people: Vec<i64> = held.keys().copied().collect();
    for chunk in people.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT sub.subject_id, sub.collected_at, sub.scores_json, {SOURCE_SQL} FROM submissions sub \
             JOIN instruments i ON i.id = sub.instrument_id \
             WHERE sub.subject_kind = 'person' AND sub.subject_id IN ({list}) AND i.kind = 'observation' \
             ORDER BY sub.subject_id, sub.collected_at, sub.id"
        );
        rows.extend(on_db!(db, |p| sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?);
    }
    rows.retain(|(person, at, _, _)| {
        let day = at.date_naive();
        held.get(person).is_some_and(|h| h.iter().any(|(from, to)| *from <= day && to.is_none_or(|to| day <= to)))
    });
    let setting = Setting::read(db, lang, !actor.may(Action::ReadRows)).await?;
    Ok(series("school", &observed(rows), &setting))
}
