//! A programme's Kirkpatrick funnel, read from what exists: the programme's participants
//! (`programme_participants`), the instruments' submissions about its cohorts, sessions and
//! people, and the learner outcomes of its participants' schools. Each level says how many
//! it rests on and out of how many, so a high score on a handful of answers reads as such.
//!
//! - 1 reaction: survey answers about the programme's cohorts and sessions; the
//!   satisfaction index read from the Likert items the survey's form marks
//!   (`domain::evaluation::likert` states the rule; each answer's score kept by the
//!   instruments area, `survey_scores`, filled for earlier answers before the first read,
//!   and summed per cohort and session at each commit, `survey_score_cells`, so a read
//!   does not grow with the answers), for the programme and per course, cohort and facilitator. Its base is the attendances surveyed: a session answered
//!   about counts the attendances (present or late) at it, a cohort with answers about
//!   itself the participants who attended any of its sessions; a session or cohort nobody
//!   answered about was not surveyed and is not in the base.
//! - 2 learning: tests about participants, the first and the last of each test per person
//!   paired as pre and post (a pre-test alone is attrition); Hake's normalised gain on the
//!   averages; out of the participants.
//! - 3 behaviour: observations about participants (made on coaching visits, in lesson
//!   study or alone); the change of the mean observation score between each person's first
//!   and latest observation; and the scores per standard term by term (`super::practice`).
//! - 4 results: the learner outcomes of the participants' schools: the mean score (percent
//!   of the maximum) in the latest year with data, and its change from the year before
//!   (whole-year rows, term 0), read from the schools' totals (`school_outcome_totals`);
//!   and the school culture surveys, answers about the participants' schools to surveys
//!   with Likert items: the index of the latest year any was answered (as level 1 reads
//!   its items), its change from the year before, and the schools surveyed out of the
//!   participants' schools; and the schools' flows (promotion, repetition and drop-out as
//!   `opencpd_indicators::store::flows::schools_flows` computes them, all grades together)
//!   from the latest school year with the next year's data, their change from the year
//!   before, and the schools with learners enrolled in both years out of the participants'
//!   schools.
//!
//! Counts of people are suppressed for readers without row-level rights
//! (`domain::suppression`); rates and means are then given only where their count shows.

use crate::model::{FunnelCount, FunnelFlowRates, FunnelFlows, FunnelLevel, KirkpatrickFunnel, SatisfactionRow};
use opencpd_domain::access::Action;
use opencpd_domain::evaluation::gain::{self, Score, Test};
use opencpd_domain::evaluation::likert;
use opencpd_domain::suppression;
use opencpd_indicators::store::flows::{SchoolsFlow, schools_flows};
use opencpd_kernel::cache::Cache;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::percent;

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The tables a funnel is computed from whose writers renew a stamp
/// (`opencpd_kernel::stamps`): the participants, the surveys, tests and observations
/// (levels 1 to 3) and the schools' outcome totals (level 4).
const STAMPED: &[&str] = &["programme_participants", "submissions", "school_outcome_totals"];

/// Funnels as computed, by programme, reader's grants, language and the stamps of what
/// they count, [`STAMPED`]: the participants (enrolments, completions and, through the
/// attendance percent each marking writes again, the attendances that level 1 rests on),
/// the surveys, tests and observations, and the schools' outcome totals. Any of them changed, from this process or another, and
/// the next read computes afresh; unchanged, a funnel is served for 30 s at most (names
/// and facilitators edited meanwhile show within those 30 s).
static FUNNELS: Cache<(i64, String, String, String), KirkpatrickFunnel> =
    Cache::new("Kirkpatrick funnels", 256, Some(std::time::Duration::from_secs(30)));

/// A programme's four levels in the reader's scope and language: computed once and served
/// from [`FUNNELS`] while fresh; readers who ask while it is being computed share that one
/// computation.
pub async fn funnel(db: &Db, actor: &Actor, programme_id: i64, lang: &str) -> Result<KirkpatrickFunnel> {
    actor.require_role(Action::Read)?;
    opencpd_instruments::store::survey_scores::ensure(db).await?;
    let stamps = opencpd_kernel::stamps::read(db, STAMPED).await?;
    // STAMPED's first: the participants; its third: the schools' outcome totals.
    let mut each = stamps.split(' ');
    let reach = each.next().unwrap_or("-").to_string();
    let totals = each.nth(1).unwrap_or("-");
    let grants = format!("{:?}", actor.grants);
    let key = (programme_id, grants.clone(), lang.to_string(), stamps.clone());
    let base_key = (programme_id, grants, format!("{reach} {totals}"));
    FUNNELS
        .get_or_compute(db, key, || async {
            let read_base = || async { Ok(Arc::new(base_afresh(db, actor, programme_id, Flows::Kept).await?)) };
            let base = BASES.get_or_compute(db, base_key, read_base).await?;
            Ok(compute_on(db, actor, programme_id, lang, base, Some(&reach), Took::default()).await?.0)
        })
        .await
}

/// A programme's funnel computed afresh from the tables (what [`funnel`] keeps).
pub async fn compute(db: &Db, actor: &Actor, programme_id: i64, lang: &str) -> Result<KirkpatrickFunnel> {
    Ok(compute_timed(db, actor, programme_id, lang).await?.0)
}

/// [`compute`], with how long each part took (ms), for the benchmark.
pub async fn compute_timed(
    db: &Db,
    actor: &Actor,
    programme_id: i64,
    lang: &str,
) -> Result<(KirkpatrickFunnel, Vec<(&'static str, f64)>)> {
    actor.require_role(Action::Read)?;
    opencpd_instruments::store::survey_scores::ensure(db).await?;
    let mut took = Took::default();
    let base = Arc::new(base_afresh(db, actor, programme_id, Flows::Afresh).await?);
    took.mark("participants, their schools and level 4's outcomes");
    compute_on(db, actor, programme_id, lang, base, None, took).await
}

/// What a funnel counts of the participants alone, which a new submission leaves as it
/// is: how many they are, their schools and those schools' learner outcomes and flows
/// (level 4).
struct Base {
    participants: i64,
    participant_schools: HashSet<i64>,
    /// (year, schools with outcomes, mean score as a percent of the maximum), latest first.
    years: Vec<(i64, i64, f64)>,
    /// The schools' flows from the latest year with data and from the year before.
    flows: Arc<Vec<SchoolsFlow>>,
}

/// Whether a [`Base`] reads its schools' flows from [`SCHOOL_FLOWS`] or afresh.
#[derive(Clone, Copy, PartialEq)]
enum Flows {
    Kept,
    Afresh,
}

/// The reader's grants, the schools' outcome totals' stamp, and the schools asked about (a
/// digest of their ids, and how many).
type FlowsKey = (String, String, u64, usize);

/// The participants' schools' flows as computed, kept apart from the rest of [`Base`]
/// because a national year of rows is summed for them, while the participants change
/// with every enrolment and attendance marked: by reader's grants, the schools' outcome
/// totals' stamp (any write of outcomes renews it) and the schools, ten minutes at most (a
/// grade added or a school moved meanwhile shows within them).
static SCHOOL_FLOWS: Cache<FlowsKey, Arc<Vec<SchoolsFlow>>> =
    Cache::new("Kirkpatrick funnels' school flows", 256, Some(std::time::Duration::from_secs(600)));

/// [`Base`]s as computed, by programme, reader's grants and the stamps of what they count
/// (the participants', the schools' outcome totals'); 30 s at most, as [`FUNNELS`].
static BASES: Cache<(i64, String, String), Arc<Base>> =
    Cache::new("Kirkpatrick funnels' participants", 256, Some(std::time::Duration::from_secs(30)));

async fn base_afresh(db: &Db, actor: &Actor, programme_id: i64, read_flows: Flows) -> Result<Base> {
    let scope = ListScope::of(actor);
    let in_people = scope.sql(Columns::path("pp.path").person("pp.person_id"));
    let sql = format!("SELECT COUNT(*) FROM programme_participants pp WHERE pp.programme_id = $1 AND {in_people}");
    let participants: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_one(p).await)?;
    // 4 — the participants' schools (of the enrolments in the programme's courses, in
    // scope), read once, and the learner outcomes (every learner, every grade and subject)
    // of every school in the two latest years any school has data for (a national year
    // comes in for every school at once), read from the schools' totals per year, term and
    // subject that the indicators area keeps (`school_outcome_totals`: a few rows a school
    // and year) and kept for the participants' schools here: two plain scans whose plans do
    // not hang on how many schools take part.
    let in_enrolments = scope.sql(Columns::path("e.path").person("e.person_id"));
    let sql = format!(
        "SELECT DISTINCT e.school_id FROM enrolments e WHERE e.school_id IS NOT NULL AND {in_enrolments} \
         AND e.cohort_id IN (SELECT c.id FROM cohorts c JOIN courses co ON co.id = c.course_id WHERE co.programme_id = $1)"
    );
    let participant_schools: HashSet<i64> =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?
            .into_iter()
            .collect();
    let latest: Option<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT MAX(year) FROM school_outcome_totals").fetch_one(p).await)?;
    // (year, schools with outcomes, mean score as a percent of the maximum), latest first.
    let mut years: Vec<(i64, i64, f64)> = Vec::new();
    if let Some(latest) = latest
        && !participant_schools.is_empty()
    {
        let before: Option<i64> =
            on_db!(db, |p| sqlx::query_scalar("SELECT MAX(year) FROM school_outcome_totals WHERE year < $1")
                .bind(latest)
                .fetch_one(p)
                .await)?;
        let totals: Vec<(i64, i64, f64, i64)> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT t.year, t.school_id, CAST(SUM(t.score_sum / sub.max_score) AS DOUBLE PRECISION), \
             CAST(SUM(t.scored) AS BIGINT) FROM school_outcome_totals t JOIN outcome_subjects sub ON sub.id = t.subject_id \
             WHERE t.year IN ($1, $2) AND t.term = 0 AND t.scored > 0 GROUP BY t.year, t.school_id"
        )
        .bind(latest)
        .bind(before.unwrap_or(latest))
        .fetch_all(p)
        .await
        })?;
        // Per year: schools, Σ score / max, Σ scored.
        let mut by_year: BTreeMap<i64, (i64, f64, i64)> = BTreeMap::new();
        for (year, school, score, scored) in totals {
            if participant_schools.contains(&school) {
                let y = by_year.entry(year).or_default();
                *y = (y.0 + 1, y.1 + score, y.2 + scored);
            }
        }
        years = by_year
            .into_iter()
            .rev()
            .filter(|(_, (_, _, scored))| *scored > 0)
            .map(|(year, (n, score, scored))| (year, n, 100.0 * score / scored as f64))
            .collect();
    }

    // The flows of the same schools, from the schools' rows (a few a school, grade and year).
    let afresh = || async { Ok(Arc::new(schools_flows(db, actor, &participant_schools).await?)) };
    let flows = match read_flows {
        Flows::Afresh => afresh().await?,
        Flows::Kept => {
            let mut ids: Vec<i64> = participant_schools.iter().copied().collect();
            ids.sort_unstable();
            let mut digest = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&ids, &mut digest);
            let totals = opencpd_kernel::stamps::read(db, &["school_outcome_totals"]).await?;
            let key = (format!("{:?}", actor.grants), totals, std::hash::Hasher::finish(&digest), ids.len());
            SCHOOL_FLOWS.get_or_compute(db, key, afresh).await?
        }
    };

    Ok(Base { participants, participant_schools, years, flows })
}

/// The funnel on a [`Base`] read already: levels 1 to 3 and the school culture, read afresh
/// (level 1's base kept under `reach`, the reach stamp, when given).
async fn compute_on(
    db: &Db,
    actor: &Actor,
    programme_id: i64,
    lang: &str,
    base: Arc<Base>,
    reach: Option<&str>,
    mut took: Took,
) -> Result<(KirkpatrickFunnel, Vec<(&'static str, f64)>)> {
    let programme: (String, String) =
        on_db!(db, |p| sqlx::query_as("SELECT code, name FROM programmes WHERE id = $1")
            .bind(programme_id)
            .fetch_optional(p)
            .await)?
        .ok_or(Error::NotFound)?;
    let scope = ListScope::of(actor);
    let in_people = scope.sql(Columns::path("pp.path").person("pp.person_id"));
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let suppressed = !actor.may(Action::ReadRows);
    let catalog = opencpd_domain::i18n::catalog();
    let t = |id: &str| catalog.text(lang, id, &[]);

    let Base { participants, participant_schools, years, flows } = &*base;
    let (participants, schools) = (*participants, participant_schools.len() as i64);

    // 1 — reaction, and the surveys level 4 reads the school culture from.
    let surveys = likert_surveys(db).await?;
    took.mark("surveys");
    let kept = reach.map(|reach| (format!("{:?}", actor.grants), reach));
    let reaction = reaction(db, &scope, programme_id, &surveys, kept.as_ref().map(|(g, r)| (g.as_str(), *r))).await?;
    took.mark("level 1");
    // 2 and 3 — tests and observations about participants, oldest first.
    let about_participants = |kind: &'static str| {
        format!(
            "SELECT sub.subject_id, sub.instrument_id, sub.scores_json FROM submissions sub \
             JOIN instruments i ON i.id = sub.instrument_id \
             JOIN programme_participants pp ON pp.person_id = sub.subject_id AND pp.programme_id = $1 \
             WHERE sub.subject_kind = 'person' AND i.kind = '{kind}' AND {in_people} \
             ORDER BY sub.subject_id, sub.collected_at, sub.id"
        )
    };
    let sql = about_participants("test");
    let tests: Vec<(i64, i64, String)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?;
    // Per person and test: the first is the pre-test, the last (when there are two or more)
    // the post-test. Each (person, test) is one pair; the test is the group.
    let mut by_pair: BTreeMap<(i64, i64), Vec<f64>> = BTreeMap::new();
    for (person, instrument, scores) in &tests {
        if let Some(p) = percent(scores) {
            by_pair.entry((*person, *instrument)).or_default().push(p);
        }
    }
    let mut scores = Vec::new();
    for (n, ((_, instrument), values)) in by_pair.iter().enumerate() {
        let person = n as i64;
        scores.push(Score { person, group: *instrument, test: Test::Pre, score: values[0] });
        if values.len() > 1 {
            scores.push(Score { person, group: *instrument, test: Test::Post, score: values[values.len() - 1] });
        }
    }
    let gains = gain::paired_gains(&scores, 100.0).ok();
    let tested = by_pair.len() as i64;

    took.mark("level 2");
    // Each participant's observations, oldest first.
    let observations = super::practice::of_participants(db, &in_people, programme_id).await?;
    let mut by_person: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for o in &observations {
        if let Some(p) = percent(&o.scores_json) {
            by_person.entry(o.person).or_default().push(p);
        }
    }
    let observed = by_person.len() as i64;
    let changes: Vec<f64> = by_person.values().filter(|v| v.len() > 1).map(|v| v[v.len() - 1] - v[0]).collect();
    let setting = super::practice::Setting::read(db, lang, suppressed).await?;
    let practice = super::practice::series("programme", &observations, &setting);

    took.mark("level 3");
    let culture = culture(db, &scope, participant_schools, &surveys).await?;
    took.mark("level 4, culture");

    let count = |value: i64, people: bool| {
        let cell = if suppressed && people { suppression::single(value, threshold) } else { suppression::Cell::Shown };
        FunnelCount { value: (!cell.hidden()).then_some(value), shown: cell.text(value, threshold) }
    };
    let level = |(level, name): (i64, &str),
                 n: FunnelCount,
                 of: FunnelCount,
                 measure: &str,
                 value: Option<f64>,
                 detail: Option<String>| {
        let rate = match (n.value, of.value) {
            (Some(n), Some(of)) if of > 0 => Some((n as f64 / of as f64).min(1.0)),
            _ => None,
        };
        let value = if n.value.is_some() { value } else { None };
        FunnelLevel {
            level,
            name: t(name),
            n,
            of,
            rate,
            measure: t(measure),
            value,
            detail: if rate.is_some() || !suppressed { detail } else { None },
        }
    };
    let g = gains.as_ref().map(|g| &g.overall);
    let levels = vec![
        level(
            (1, "kirkpatrick-level-1"),
            count(reaction.all.respondents as i64, true),
            count(reaction.all.attended as i64, true),
            "kirkpatrick-satisfaction",
            reaction.all.index,
            (reaction.surveys > 0).then(|| {
                catalog.text(
                    lang,
                    "kirkpatrick-satisfaction-detail",
                    &[("surveys", reaction.surveys.to_string()), ("cohorts", reaction.cohorts.to_string())],
                )
            }),
        ),
        level(
            (2, "kirkpatrick-level-2"),
            count(g.map_or(0, |g| g.paired as i64), true),
            count(participants, true),
            "kirkpatrick-gain",
            g.and_then(|g| g.normalised_gain),
            g.map(|g| {
                catalog.text(
                    lang,
                    "kirkpatrick-gain-detail",
                    &[
                        ("tested", tested.to_string()),
                        ("pre", opencpd_domain::i18n::decimal(g.mean_pre, 1, lang)),
                        ("post", opencpd_domain::i18n::decimal(g.mean_post, 1, lang)),
                        ("gain", signed(Some(g.mean_post - g.mean_pre), lang)),
                        ("attrition", g.attrition.to_string()),
                    ],
                )
            }),
        ),
        level(
            (3, "kirkpatrick-level-3"),
            count(observed, true),
            count(participants, true),
            "kirkpatrick-practice",
            mean(&changes),
            Some(catalog.text(lang, "kirkpatrick-practice-detail", &[("twice", changes.len().to_string())])),
        ),
        level(
            (4, "kirkpatrick-level-4"),
            count(years.first().map_or(0, |y| y.1), false),
            count(schools, false),
            "kirkpatrick-results",
            years.first().map(|y| y.2),
            years.first().map(|latest| {
                let change = signed(years.get(1).map(|before| latest.2 - before.2), lang);
                catalog.text(lang, "kirkpatrick-results-detail", &[("year", latest.0.to_string()), ("change", change)])
            }),
        ),
        level(
            (4, "kirkpatrick-level-4-culture"),
            count(culture.first().map_or(0, |y| y.schools.len() as i64), false),
            count(schools, false),
            "kirkpatrick-culture",
            culture.first().and_then(|y| y.index.index),
            culture.first().map(|latest| {
                let then = culture.get(1).and_then(|before| before.index.index);
                let change = signed(latest.index.index.zip(then).map(|(now, then)| now - then), lang);
                let answers = latest.index.respondents as i64;
                let cell = if suppressed { suppression::single(answers, threshold) } else { suppression::Cell::Shown };
                catalog.text(
                    lang,
                    "kirkpatrick-culture-detail",
                    &[
                        ("answers", cell.text(answers, threshold)),
                        ("year", latest.year.to_string()),
                        ("change", change),
                    ],
                )
            }),
        ),
        level(
            (4, "kirkpatrick-level-4-flows"),
            count(flows.first().map_or(0, |f| f.schools), false),
            count(schools, false),
            "kirkpatrick-flows",
            flows.first().and_then(|f| f.all.promotion).map(|p| 100.0 * p),
            flows.first().map(|latest| {
                let before = flows.get(1);
                let shown = |v: Option<f64>| match v {
                    Some(v) => opencpd_domain::i18n::decimal(100.0 * v, 1, lang),
                    None => "–".into(),
                };
                let change = |rate: fn(&SchoolsFlow) -> Option<f64>| {
                    signed(rate(latest).zip(before.and_then(rate)).map(|(now, then)| 100.0 * (now - then)), lang)
                };
                catalog.text(
                    lang,
                    "kirkpatrick-flows-detail",
                    &[
                        ("from", latest.year.to_string()),
                        ("to", (latest.year + 1).to_string()),
                        ("repetition", shown(latest.all.repetition)),
                        ("dropout", shown(latest.all.dropout)),
                        ("promotion_change", change(|f| f.all.promotion)),
                        ("repetition_change", change(|f| f.all.repetition)),
                        ("dropout_change", change(|f| f.all.dropout)),
                    ],
                )
            }),
        ),
    ];
    let satisfaction = reaction
        .groups
        .iter()
        .map(|(group, id, name, i)| {
            let n = count(i.respondents as i64, true);
            let of = count(i.attended as i64, true);
            let shown = n.value.is_some() && of.value.is_some();
            SatisfactionRow {
                group: (*group).to_string(),
                id: *id,
                name: name.clone(),
                rate: if shown { i.response_rate } else { None },
                index: if n.value.is_some() { i.index } else { None },
                n,
                of,
            }
        })
        .collect();
    let funnel = KirkpatrickFunnel {
        programme_id,
        programme: format!("{} · {}", programme.0, programme.1),
        participants: count(participants, true),
        levels,
        satisfaction,
        practice,
        flows: flows.first().map(|latest| FunnelFlows {
            schools: count(latest.schools, false),
            latest: flow_rates(latest),
            before: flows.get(1).map(flow_rates),
        }),
        suppressed,
        threshold,
    };
    Ok((funnel, took.parts))
}

/// A change in points, signed (`+1.5`, `−0.5`), in `lang`; `–` when there is none.
fn signed(change: Option<f64>, lang: &str) -> String {
    match change {
        Some(d) => format!("{}{}", if d > 0.0 { "+" } else { "" }, opencpd_domain::i18n::decimal(d, 1, lang)),
        None => "–".into(),
    }
}

/// A year's flow rates as the funnel gives them, in percent.
fn flow_rates(f: &SchoolsFlow) -> FunnelFlowRates {
    let percent = |v: Option<f64>| v.map(|v| 100.0 * v);
    FunnelFlowRates {
        year: f.year,
        promotion: percent(f.all.promotion),
        repetition: percent(f.all.repetition),
        dropout: percent(f.all.dropout),
    }
}

/// How long each part of a computation took.
struct Took {
    at: std::time::Instant,
    parts: Vec<(&'static str, f64)>,
}

impl Default for Took {
    fn default() -> Self {
        Took { at: std::time::Instant::now(), parts: Vec::new() }
    }
}

impl Took {
    fn mark(&mut self, part: &'static str) {
        self.parts.push((part, self.at.elapsed().as_secs_f64() * 1e3));
        self.at = std::time::Instant::now();
    }
}

/// Level 1 of a programme: its index and those of its courses, cohorts and facilitators.
struct Reaction {
    all: likert::Index,
    /// (group, id, name, index), courses then cohorts then facilitators, each by name.
    groups: Vec<(&'static str, i64, String, likert::Index)>,
    /// Satisfaction surveys answered about the programme.
    surveys: usize,
    /// Cohorts surveyed.
    cohorts: usize,
}

/// The Likert items of every survey instrument that has any (instrument → items).
async fn likert_surveys(db: &Db) -> Result<HashMap<i64, Arc<Vec<likert::Item>>>> {
    let ids: Vec<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT id FROM instruments WHERE kind = 'survey' ORDER BY id")
            .fetch_all(p)
            .await)?;
    let mut out = HashMap::new();
    for id in ids {
        let items = LIKERT.get_or_compute(db, id, || likert_items(db, id)).await?;
        if !items.is_empty() {
            out.insert(id, items);
        }
    }
    Ok(out)
}

/// The Likert items of each survey read lately, by instrument: a published version never
/// changes.
static LIKERT: Cache<i64, Arc<Vec<likert::Item>>> = Cache::new("surveys' Likert items", 1024, None);

async fn likert_items(db: &Db, id: i64) -> Result<Arc<Vec<likert::Item>>> {
    let json: Option<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT form_json FROM instrument_forms WHERE instrument_id = $1")
            .bind(id)
            .fetch_optional(p)
            .await)?;
    let form = json.and_then(|json| serde_json::from_str::<opencpd_forms::Form>(&json).ok());
    Ok(Arc::new(form.map(|f| opencpd_forms::score::likert_items(&f)).unwrap_or_default()))
}

/// The reader's grants, the reach stamp, the sessions surveyed and the cohorts surveyed about
/// themselves.
type AttendedKey = (String, String, String, String);

/// Level 1's base, the attendances surveyed per cohort, by reader's grants, reach stamp
/// (the attendance marks) and the sessions and cohorts surveyed; 30 s at most, as [`FUNNELS`].
static ATTENDED: Cache<AttendedKey, Arc<HashMap<i64, i64>>> =
    Cache::new("Kirkpatrick funnels' attendances surveyed", 256, Some(std::time::Duration::from_secs(30)));

/// Level 1; its base kept ([`ATTENDED`]) under `kept` (the reader's grants and the reach
/// stamp) when given, else read afresh.
async fn reaction(
    db: &Db,
    scope: &ListScope,
    programme_id: i64,
    surveys: &HashMap<i64, Arc<Vec<likert::Item>>>,
    kept: Option<(&str, &str)>,
) -> Result<Reaction> {
    let mut reaction = Reaction { all: likert::index(&[], 0), groups: Vec::new(), surveys: 0, cohorts: 0 };
    if surveys.is_empty() {
        return Ok(reaction);
    }
    let mut ids: Vec<i64> = surveys.keys().copied().collect();
    ids.sort_unstable();
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let in_subjects = scope.sql(Columns::path("c.subject_path"));
    // The answers about the programme's cohorts and about their sessions, summed per cohort
    // and session (0 for answers about the cohort) by the instruments area
    // (`survey_score_cells`): a row per cohort, session, survey and subject path.
    let sql = format!(
        "SELECT c.cohort_id, c.session_id, CAST(SUM(c.answers) AS BIGINT), CAST(SUM(c.scored) AS BIGINT), \
                CAST(SUM(c.score_sum) AS DOUBLE PRECISION) \
         FROM survey_score_cells c \
         WHERE c.instrument_id IN ({ids}) AND {in_subjects} \
           AND c.cohort_id IN (SELECT h.id FROM cohorts h JOIN courses co ON co.id = h.course_id WHERE co.programme_id = $1) \
         GROUP BY c.cohort_id, c.session_id"
    );
    // (cohort, session or 0, answers, answers with a score, their scores' sum)
    let answers: Vec<(i64, i64, i64, i64, f64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(programme_id).fetch_all(p).await)?;
    // Per cohort: the respondents' scores summed and counted, and whether it was surveyed
    // about itself; and the sessions surveyed.
    let mut cohorts: BTreeMap<i64, (f64, usize, bool)> = BTreeMap::new();
    let mut sessions: BTreeSet<i64> = BTreeSet::new();
    for (cohort, session, _, scored, sum) in &answers {
        let entry = cohorts.entry(*cohort).or_default();
        if *session == 0 {
            entry.2 = true;
        } else {
            sessions.insert(*session);
        }
        entry.0 += sum;
        entry.1 += *scored as usize;
    }
    reaction.surveys = answers.iter().map(|a| a.2 as usize).sum();
    reaction.cohorts = cohorts.len();
    if cohorts.is_empty() {
        return Ok(reaction);
    }
    // The attendances surveyed, of participants in scope: at the sessions surveyed, and the
    // participants who attended the cohorts surveyed about themselves.
    let list = cohorts.keys().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let in_enrolments = scope.sql(Columns::path("e.path").person("e.person_id"));
    // The enrolments are joined only to keep the participants in scope (a reader of the
    // whole deployment has them all).
    let enrolments = if scope.is_everything() { "" } else { "JOIN enrolments e ON e.id = a.enrolment_id" };
    let present_at = |filter: String, count: &str| {
        format!(
            "SELECT s.cohort_id, {count} FROM attendance a \
             JOIN sessions_held s ON s.id = a.session_id \
             JOIN attendance_statuses st ON st.key = a.status {enrolments} \
             WHERE {filter} AND st.counts_present = $1 AND {in_enrolments} GROUP BY s.cohort_id"
        )
    };
    let surveyed = sessions.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let about_themselves: Vec<String> =
        cohorts.iter().filter(|(_, (_, _, itself))| *itself).map(|(c, _)| c.to_string()).collect();
    let about_themselves = about_themselves.join(", ");
    let count = || async {
        let mut attended: HashMap<i64, i64> = HashMap::new();
        if !surveyed.is_empty() {
            let sql = present_at(format!("a.session_id IN ({surveyed})"), "COUNT(*)");
            let marks: Vec<(i64, i64)> =
                on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(true).fetch_all(p).await)?;
            for (cohort, n) in marks {
                *attended.entry(cohort).or_default() += n;
            }
        }
        if !about_themselves.is_empty() {
            let sql = present_at(format!("s.cohort_id IN ({about_themselves})"), "COUNT(DISTINCT a.enrolment_id)");
            let attendees: Vec<(i64, i64)> =
                on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(true).fetch_all(p).await)?;
            for (cohort, n) in attendees {
                *attended.entry(cohort).or_default() += n;
            }
        }
        Ok(Arc::new(attended))
    };
    // Kept by the reader's grants, the reach stamp and what was surveyed: a new answer about
    // a session or cohort surveyed already leaves the base as it was.
    let attended = match kept {
        Some((grants, reach)) => {
            let key = (grants.to_string(), reach.to_string(), surveyed.clone(), about_themselves.clone());
            ATTENDED.get_or_compute(db, key, count).await?
        }
        None => count().await?,
    };
    let attended = |cohort: &i64| attended.get(cohort).copied().unwrap_or(0) as usize;
    let sql = format!(
        "SELECT c.id, c.code || ' · ' || c.name, co.id, co.code || ' · ' || co.title FROM cohorts c \
         JOIN courses co ON co.id = c.course_id WHERE c.id IN ({list})"
    );
    let names: Vec<(i64, String, i64, String)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let sql = format!(
        "SELECT f.cohort_id, p.id, p.given_name || ' ' || p.family_name FROM cohort_facilitators f \
         JOIN people p ON p.id = f.person_id WHERE f.cohort_id IN ({list})"
    );
    let facilitators: Vec<(i64, i64, String)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    // Each group: its name and cohorts.
    let mut groups: BTreeMap<(u8, i64), (String, BTreeSet<i64>)> = BTreeMap::new();
    for (cohort, cohort_name, course, course_name) in &names {
        groups.entry((0, *course)).or_insert_with(|| (course_name.clone(), BTreeSet::new())).1.insert(*cohort);
        groups.entry((1, *cohort)).or_insert_with(|| (cohort_name.clone(), BTreeSet::new())).1.insert(*cohort);
    }
    for (cohort, person, name) in &facilitators {
        groups.entry((2, *person)).or_insert_with(|| (name.clone(), BTreeSet::new())).1.insert(*cohort);
    }
    let index_of = |members: &mut dyn Iterator<Item = &i64>| {
        let (mut sum, mut respondents, mut base) = (0.0, 0, 0);
        for cohort in members {
            sum += cohorts[cohort].0;
            respondents += cohorts[cohort].1;
            base += attended(cohort);
        }
        likert::index_of_sum(sum, respondents, base)
    };
    reaction.all = index_of(&mut cohorts.keys());
    let mut rows: Vec<(u8, i64, String, likert::Index)> = groups
        .into_iter()
        .map(|((kind, id), (name, members))| (kind, id, name, index_of(&mut members.iter())))
        .collect();
    rows.sort_by(|a, b| (a.0, &a.2, a.1).cmp(&(b.0, &b.2, b.1)));
    let rows = rows
        .into_iter()
        .map(|(kind, id, name, i)| (["course", "cohort", "facilitator"][kind as usize], id, name, i))
        .collect();
    reaction.groups = rows;
    Ok(reaction)
}

/// The school culture of one year: the participants' schools answered about, and the
/// index over their respondents.
struct CultureYear {
    year: i64,
    schools: HashSet<i64>,
    index: likert::Index,
}

/// Level 4's school culture: answers about the participants' schools (in scope) to surveys
/// with Likert items, per year the answers were collected in, latest first.
async fn culture(
    db: &Db,
    scope: &ListScope,
    participant_schools: &HashSet<i64>,
    surveys: &HashMap<i64, Arc<Vec<likert::Item>>>,
) -> Result<Vec<CultureYear>> {
    if surveys.is_empty() || participant_schools.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i64> = surveys.keys().copied().collect();
    ids.sort_unstable();
    let ids = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT sub.subject_id, sub.collected_at, sc.score FROM submissions sub \
         JOIN survey_scores sc ON sc.submission_id = sub.id \
         WHERE sub.subject_kind = 'school' AND sub.instrument_id IN ({ids}) AND {}",
        scope.sql(Columns::path("sub.subject_path"))
    );
    let answers: Vec<(i64, chrono::DateTime<chrono::Utc>, Option<f64>)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let mut years: BTreeMap<i64, (HashSet<i64>, Vec<f64>)> = BTreeMap::new();
    for (school, at, score) in &answers {
        if !participant_schools.contains(school) {
            continue;
        }
        let Some(score) = *score else { continue };
        let year = years.entry(chrono::Datelike::year(at) as i64).or_default();
        year.0.insert(*school);
        year.1.push(score);
    }
    Ok(years
        .into_iter()
        .rev()
        .map(|(year, (schools, scores))| CultureYear { year, schools, index: likert::index(&scores, scores.len()) })
        .collect())
}
