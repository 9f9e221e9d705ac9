//! The one indicator engine: definitions stored (the shipped ones come with the schema)
//! and checked when saved, answers for a place and year with the disaggregations an
//! indicator allows, read from indexed queries on tables the transactions keep current,
//! and targets.
//!
//! Each aggregate of a definition is one grouped query on its source limited to the place
//! and the reader's scope: programme participants, or learner outcomes as
//! [`Cells`] gives them (a school's rows; a unit's cells, a few thousand rows at any level,
//! unless the question needs the schools' codes); the aggregates are then added up per
//! category. Counts leave through `opencpd_domain::suppression`.
//!
//! Participants split or filtered by cohort, and the participants reached in a year, are
//! read through their enrolments (each joined by the person, its cohort and course by their
//! keys), one row a participant and cell: a person in two cohorts counts in each cohort's
//! cell and once in any cell that is not a cohort, and in the whole.
//!
//! A programme's costs belong to no place: the costs of a year are apportioned to places in
//! proportion to the programme's participants reached in that year there (see
//! [`costs`]), so that a unit's cost per participant is its share of the costs over its
//! participants and the country's is every cost over every participant.

use super::unit_cells::{Cells, Needs, Read};
use crate::model::{
    Answer, AnswerCell, Count, Indicator, IndicatorInput, IndicatorTargetInput, Place, PlaceTarget, Question,
    SchoolValue, TargetProgress,
};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::delivery::CostCategory;
use opencpd_domain::indicators::definition::{
    self, Catalogue, Condition, Definition, DefinitionText, Expr, Func, Measure,
};
use opencpd_domain::registry::{parse_code, parse_name, parse_text};
use opencpd_domain::suppression::{self, Cell};
use opencpd_kernel::error::{collect, fail_if_any, unique_violation};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};
use std::collections::BTreeMap;

/// An indicator's row.
#[derive(sqlx::FromRow)]
struct IndicatorRow {
    id: i64,
    code: String,
    name_en: String,
    name_fr: String,
    numerator: String,
    denominator: Option<String>,
    scale: f64,
    disaggregations: String,
    kirkpatrick_level: Option<i64>,
    shipped: bool,
    version: i64,
    description_en: Option<String>,
    description_fr: Option<String>,
}

impl From<IndicatorRow> for Indicator {
    fn from(r: IndicatorRow) -> Indicator {
        Indicator {
            id: r.id,
            code: r.code,
            name_en: r.name_en,
            name_fr: r.name_fr,
            numerator: r.numerator,
            denominator: r.denominator,
            scale: r.scale,
            disaggregations: r.disaggregations,
            kirkpatrick_level: r.kirkpatrick_level,
            shipped: r.shipped,
            version: r.version,
            description_en: r.description_en,
            description_fr: r.description_fr,
        }
    }
}

/// Where a measure's records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Whole-year, all-subjects outcome rows (enrolment and flows).
    Flows,
    /// Outcome rows of a subject (assessment).
    Assessment,
    /// Programme participants.
    Participants,
    /// Staff holding a position whose role has a CPD threshold, on the last day of the
    /// year, with the hours and credits of the courses they completed in it.
    Staff,
    /// PLC meetings held in the year.
    PlcMeetings,
    /// PLCs, with the meetings they plan in the year's terms.
    Plcs,
    /// Coaching relations running at some time in the year.
    Coaching,
    /// Programme participants reached in the year: enrolled in a cohort of the programme
    /// that runs at some time in the year (the participants reach counts, withdrawals
    /// included, once a programme).
    Reached,
    /// Programme costs recorded for the year, apportioned to places by the participants
    /// reached.
    Costs,
}

impl Source {
    /// Sources read from base tables by date: the year is bound as its first day ($1),
    /// the next year's first day ($2) and its last day ($3).
    fn dated(self) -> bool {
        matches!(self, Source::Staff | Source::PlcMeetings | Source::Plcs | Source::Coaching | Source::Reached)
    }

    /// Sources of programme participants.
    fn participants(self) -> bool {
        matches!(self, Source::Participants | Source::Reached)
    }
}

const OUTCOME_DIMENSIONS: &[&str] = &["sex", "grade", "group", "school", "unit", "ownership", "subsystem", "year"];
const ASSESSMENT_DIMENSIONS: &[&str] =
    &["sex", "grade", "subject", "term", "group", "school", "unit", "ownership", "subsystem", "year"];
const PARTICIPANT_DIMENSIONS: &[&str] = &["sex", "role", "unit", "ownership", "subsystem", "programme", "cohort"];
/// Those reached in the year may also be split by the quarter they were reached in
/// ([`QUARTERS`]).
const REACHED_DIMENSIONS: &[&str] =
    &["sex", "role", "unit", "ownership", "subsystem", "programme", "cohort", "quarter"];
const COST_DIMENSIONS: &[&str] = &["programme", "unit", "category"];
const STAFF_DIMENSIONS: &[&str] = &["sex", "role", "unit", "school"];
const PLC_DIMENSIONS: &[&str] = &["level", "unit", "school", "programme"];
const COACHING_DIMENSIONS: &[&str] = &["sex", "unit", "school", "programme"];

/// The measures definitions may use: (name, source, column summed: an outcome count, which
/// [`Cells`] gives with `<name>_n`, the rows that have a value).
const MEASURES: &[(&str, Source, &str)] = &[
    ("enrolled", Source::Flows, "enrolled"),
    ("promoted", Source::Flows, "promoted"),
    ("repeating", Source::Flows, "repeating"),
    ("dropped_out", Source::Flows, "dropped_out"),
    ("assessed", Source::Assessment, "assessed"),
    ("below_basic", Source::Assessment, "below_basic"),
    ("basic", Source::Assessment, "basic"),
    ("proficient", Source::Assessment, "proficient"),
    ("advanced", Source::Assessment, "advanced"),
    ("participants", Source::Participants, "1"),
    ("completed", Source::Participants, "pp.completed"),
    ("certified", Source::Participants, "pp.certified"),
    ("reached", Source::Reached, "1"),
    ("cost", Source::Costs, "c.amount"),
    ("staff", Source::Staff, "1"),
    ("cpd_hours", Source::Staff, "COALESCE(d.hours, 0)"),
    (
        "cpd_threshold_met",
        Source::Staff,
        "CASE WHEN COALESCE(d.hours, 0) >= t.hours_per_year AND COALESCE(d.credits, 0) >= t.credits_per_year \
         THEN 1 ELSE 0 END",
    ),
    ("plc_meetings", Source::PlcMeetings, "1"),
    (
        "plc_meetings_planned",
        Source::Plcs,
        "pl.meetings_per_term * (SELECT COUNT(*) FROM peer_terms te WHERE te.start_on >= $1 AND te.start_on < $2)",
    ),
    ("coachees", Source::Coaching, "1"),
    (
        "coachees_visited",
        Source::Coaching,
        "CASE WHEN EXISTS (SELECT 1 FROM coaching_visits v WHERE v.relation_id = r.id \
         AND v.visited_on >= $1 AND v.visited_on < $2) THEN 1 ELSE 0 END",
    ),
];

fn dimensions(source: Source) -> &'static [&'static str] {
    match source {
        Source::Flows => OUTCOME_DIMENSIONS,
        Source::Assessment => ASSESSMENT_DIMENSIONS,
        Source::Participants => PARTICIPANT_DIMENSIONS,
        Source::Reached => REACHED_DIMENSIONS,
        Source::Costs => COST_DIMENSIONS,
        Source::Staff => STAFF_DIMENSIONS,
        Source::PlcMeetings | Source::Plcs => PLC_DIMENSIONS,
        Source::Coaching => COACHING_DIMENSIONS,
    }
}

/// What definitions may refer to: the measures and their dimensions, and sex's values.
pub fn catalogue() -> Catalogue {
    Catalogue {
        measures: MEASURES
            .iter()
            .map(|(name, source, _)| Measure {
                name: name.to_string(),
                dimensions: dimensions(*source).iter().map(|d| d.to_string()).collect(),
            })
            .collect(),
        values: vec![
            ("sex".into(), vec!["F".into(), "M".into()]),
            ("level".into(), ["school", "cluster", "sector", "district"].map(String::from).to_vec()),
            ("category".into(), CostCategory::keys().into_iter().map(String::from).collect()),
            ("quarter".into(), ["Q1", "Q2", "Q3", "Q4"].map(String::from).to_vec()),
        ],
    }
}

/// The SQL expression of a dimension on a source (the unit is read as the school's or
/// participant's unit path, or a unit's cells' path, and placed under the asked place's
/// children in Rust). Outcomes are read from the rows [`Cells`] gives.
fn column(source: Source, dimension: &str) -> &'static str {
    match (source, dimension) {
        (Source::Participants | Source::Reached, "sex") => "pp.sex",
        (Source::Participants | Source::Reached, "role") => "pp.role",
        (Source::Participants | Source::Reached, "unit") => "pp.path",
        (Source::Participants | Source::Reached, "ownership") => "pp.ownership",
        (Source::Participants | Source::Reached, "subsystem") => "pp.subsystem",
        (Source::Participants | Source::Reached, "programme") => "pr.code",
        (Source::Participants | Source::Reached, "cohort") => "h.code",
        (Source::Reached, "quarter") => "qu.q",
        (Source::Costs, "programme") => "pr.code",
        (Source::Costs, "category") => "c.category",
        (Source::Costs, "unit") => "pp.path",
        (Source::Staff, "sex") => "pe.sex",
        (Source::Staff, "role") => "x.role",
        (Source::Staff, "unit") => "x.path",
        (Source::Staff, "school") => "sc.code",
        (Source::PlcMeetings, "level") => "pl.level",
        (Source::PlcMeetings, "unit") => "m.unit_path",
        (Source::PlcMeetings, "school") => "sc.code",
        (Source::PlcMeetings, "programme") => "pr.code",
        (Source::Plcs, "level") => "pl.level",
        (Source::Plcs, "unit") => "pl.unit_path",
        (Source::Plcs, "school") => "sc.code",
        (Source::Plcs, "programme") => "pr.code",
        (Source::Coaching, "sex") => "pe.sex",
        (Source::Coaching, "unit") => "r.coachee_path",
        (Source::Coaching, "school") => "sc.code",
        (Source::Coaching, "programme") => "pr.code",
        (_, "sex") => "o.sex",
        (_, "grade") => "g.code",
        (_, "subject") => "sub.code",
        (_, "term") => "CAST(o.term AS TEXT)",
        (_, "group") => "lg.code",
        (_, "school") => "o.school_code",
        (_, "unit") => "o.unit_path",
        (_, "ownership") => "o.ownership",
        (_, "subsystem") => "o.subsystem",
        (_, "year") => "CAST(o.year AS TEXT)",
        _ => "NULL",
    }
}

pub async fn indicators(db: &Db) -> Result<Vec<Indicator>> {
    let rows: Vec<IndicatorRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, \
         shipped, version, description_en, description_fr FROM indicators ORDER BY code"
    )
    .fetch_all(p)
    .await)?;
    Ok(rows.into_iter().map(Indicator::from).collect())
}

/// The columns the list of indicators sorts by.
pub const INDICATOR_SORTS: opencpd_kernel::paging::Sorts = &[
    ("code", "code"),
    ("name_en", "name_en"),
    ("name_fr", "name_fr"),
    ("kirkpatrick_level", "COALESCE(kirkpatrick_level, 0)"),
];

/// The indicators, one page, searched by code or name in either language.
pub async fn indicator_list(
    db: &Db,
    page: &opencpd_kernel::paging::Page,
) -> Result<opencpd_kernel::paging::Paged<Indicator>> {
    let c = page.check(INDICATOR_SORTS)?;
    let filter = "WHERE ($1 IS NULL OR LOWER(code) LIKE $1 ESCAPE '\\' OR LOWER(name_en) LIKE $1 ESCAPE '\\' \
                  OR LOWER(name_fr) LIKE $1 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM indicators {filter}");
    let sql = format!(
        "SELECT id, code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, \
         shipped, version, description_en, description_fr FROM indicators {filter} {} LIMIT $2 OFFSET $3",
        c.order_by("id")
    );
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let rows: Vec<IndicatorRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, rows.into_iter().map(Indicator::from).collect()))
}

pub async fn indicator(db: &Db, code: &str) -> Result<Indicator> {
    let found: Option<IndicatorRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name_en, name_fr, numerator, denominator, scale, disaggregations, kirkpatrick_level, \
         shipped, version, description_en, description_fr FROM indicators WHERE code = $1"
    )
    .bind(code)
    .fetch_optional(p)
    .await)?;
    found.map(Indicator::from).ok_or(Error::NotFound)
}

fn text_of(i: &Indicator) -> DefinitionText {
    DefinitionText {
        numerator: i.numerator.clone(),
        denominator: i.denominator.clone(),
        scale: i.scale,
        disaggregations: i
            .disaggregations
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from)
            .collect(),
    }
}

/// The stored indicator's definition, parsed (it was checked when saved).
pub fn definition_of(i: &Indicator) -> Result<Definition> {
    definition::check(&text_of(i), &catalogue()).map_err(Error::Invalid)
}

/// Whether the actor may add indicators: those who set up programmes for the whole
/// deployment.
pub fn may_define(actor: &Actor) -> Result<()> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)
}

/// Adds an indicator: its definition parsed and checked, each problem naming its field.
pub async fn create(db: &Db, actor: &Actor, input: &IndicatorInput) -> Result<Indicator> {
    may_define(actor)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", parse_code(&input.code));
    let name_en = collect(&mut problems, "name_en", parse_name(&input.name_en));
    let name_fr = collect(&mut problems, "name_fr", parse_name(&input.name_fr));
    let mut description = |field: &str, text: &Option<String>| match text.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => collect(&mut problems, field, parse_text(t, 2000)),
        _ => None,
    };
    let description_en = description("description_en", &input.description_en);
    let description_fr = description("description_fr", &input.description_fr);
    if let Some(level) = input.kirkpatrick_level
        && !(1..=4).contains(&level)
    {
        problems
            .push(Problem::new("bad-kirkpatrick-level").in_column("kirkpatrick_level").with_value(level.to_string()));
    }
    let text = DefinitionText {
        numerator: input.numerator.clone(),
        denominator: input.denominator.clone().filter(|d| !d.trim().is_empty()),
        scale: input.scale.unwrap_or(1.0),
        disaggregations: input.disaggregations.clone(),
    };
    let checked = match definition::check(&text, &catalogue()) {
        Ok(d) => Some(d),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    fail_if_any(problems)?;
    let (code, checked) = (code.expect("checked"), checked.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO indicators (code, name_en, name_fr, numerator, denominator, scale, disaggregations, \
         kirkpatrick_level, description_en, description_fr) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         RETURNING id"
    )
    .bind(&code)
    .bind(name_en.as_deref())
    .bind(name_fr.as_deref())
    .bind(text.numerator.trim())
    .bind(text.denominator.as_deref().map(str::trim))
    .bind(text.scale)
    .bind(checked.disaggregations.join(","))
    .bind(input.kirkpatrick_level)
    .bind(description_en.as_deref())
    .bind(description_fr.as_deref())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| unique_violation(e, &code))?;
    audit::record(&mut tx, actor, "create", "indicator", &id.to_string(), &code, None::<&()>, Some(&text)).await?;
    tx.commit().await?;
    indicator(db, &code).await
}

/// One aggregate's grouped sums: categories → value.
type Sums = BTreeMap<Vec<String>, i64>;

/// The categories of a row as asked: a unit path becomes the place's child unit it is in,
/// and a path under no child unit (a school of the place itself) stays the path one level
/// below the place at most.
fn categorise(
    raw: Vec<Option<String>>,
    by: &[String],
    children: &[(String, String)],
    place: Option<&str>,
) -> Vec<String> {
    raw.into_iter()
        .zip(by)
        .map(|(v, d)| {
            let v = v.unwrap_or_default();
            if d == "unit" {
                children
                    .iter()
                    .find(|(path, _)| v.starts_with(path.as_str()))
                    .map(|(_, code)| code.clone())
                    .unwrap_or_else(|| below(&v, place))
            } else {
                v
            }
        })
        .collect()
}

/// A unit path cut one level below `place` (a path outside it, or no place, as it is).
fn below(path: &str, place: Option<&str>) -> String {
    match place.and_then(|p| path.strip_prefix(p).map(|rest| (p, rest))) {
        Some((p, rest)) => match rest.find('/') {
            Some(i) => format!("{p}{}", &rest[..=i]),
            None => path.to_string(),
        },
        None => path.to_string(),
    }
}

/// The SQL condition on `programme_participants pp` for a place, after checking the actor
/// may read it: a unit's subtree in the reader's scope, or the people holding a position
/// at a school.
async fn participant_place(db: &Db, actor: &Actor, place: Place) -> Result<String> {
    let at_school = |id: i64| format!("pp.person_id IN (SELECT person_id FROM positions WHERE school_id = {id})");
    place_of(db, actor, place, "pp.path", at_school).await
}

/// The SQL condition on a source's rows for a place, after checking the actor may read
/// it: a unit's subtree (`path`) in the reader's scope, or `at_school` for a school.
async fn place_of(
    db: &Db,
    actor: &Actor,
    place: Place,
    path: &str,
    at_school: impl Fn(i64) -> String,
) -> Result<String> {
    // The same checks as for outcomes (not found, forbidden).
    super::flows::place_clause(db, actor, place).await?;
    match place {
        Place::Unit(id) => {
            let at: String =
                on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(id).fetch_one(p).await)?;
            let scope = ListScope::of(actor).sql(Columns::path(path));
            Ok(format!("{path} >= '{at}' AND {path} < '{}' AND {scope}", upper_bound(&at)))
        }
        Place::School(id) => Ok(at_school(id)),
    }
}

/// What every aggregate of one answer is read for: the place and year, the split, the
/// place's child units, and its outcome rows (or cells) prepared once.
struct Asked<'a> {
    place: Place,
    year: i64,
    by: &'a [String],
    children: &'a [(String, String)],
    cells: &'a Cells,
}

/// The source of a measure.
fn source_of(measure: &str) -> Option<Source> {
    MEASURES.iter().find(|(m, _, _)| *m == measure).map(|(_, source, _)| *source)
}

/// Whether an expression reads programme costs.
fn reads_costs(expr: &Expr) -> bool {
    expr.aggregates().iter().any(|(_, m, _)| source_of(m) == Some(Source::Costs))
}

/// Whether an enrolment of a participant (`e`, in cohort `h`) was completed, as
/// `programme_participants` counts a programme's: completed and not withdrawn.
const ENROLMENT_COMPLETED: &str = "CASE WHEN e.completed_on IS NOT NULL AND e.withdrawn_on IS NULL THEN 1 ELSE 0 END";

/// Every programme's participants (`pp`) with their programme (`pr`).
const PARTICIPANTS: &str = "programme_participants pp JOIN programmes pr ON pr.id = pp.programme_id";

/// The participants reached in a year (`pp`, with the dimensions of `programme_participants`
/// but not `completed` and `certified`) with their programme (`pr`): those enrolled in a
/// cohort of the programme running at some time in the year, one row each, as
/// `programme_reach_years` keeps them with the participants.
fn reached_in(year: i64) -> String {
    format!("programme_reach_years pp JOIN programmes pr ON pr.id = pp.programme_id AND pp.year = {year}")
}

/// The quarters of the year a participant reached in it may be split by (`qu`): each its
/// label (`Q1` to `Q4`), first day (`qs`) and the next quarter's first day (`qe`), bound as
/// `$4` to `$8` after the year's days. A person enrolled in a cohort running at some time
/// in a quarter is reached in it, so in every quarter their cohorts ran in, and once in the
/// year.
const QUARTERS: &str = " JOIN (SELECT 'Q1' AS q, $4 AS qs, $5 AS qe UNION ALL SELECT 'Q2', $5, $6 \
     UNION ALL SELECT 'Q3', $6, $7 UNION ALL SELECT 'Q4', $7, $8) qu ON h.start_date < qu.qe AND h.end_date >= qu.qs";

/// Whether an enrolment was certified, as `programme_participants` counts a programme's: a
/// certificate not revoked, and not withdrawn.
const ENROLMENT_CERTIFIED: &str = "CASE WHEN e.withdrawn_on IS NULL AND EXISTS (SELECT 1 FROM certificates ce \
     WHERE ce.enrolment_id = e.id AND ce.revoked_on IS NULL) THEN 1 ELSE 0 END";

/// Reads one aggregate for a place and year, grouped by `by`: its sums, and how many
/// source rows stand behind each (a category with none is absent, as one no row falls in).
async fn aggregate(
    db: &Db,
    actor: &Actor,
    asked: &Asked<'_>,
    func: Func,
    measure: &str,
    filter: &[Condition],
) -> Result<Sums> {
    match source_of(measure) {
        Some(Source::Costs) => costs(db, actor, asked, func, filter).await,
        _ => grouped(db, actor, asked, func, measure, filter).await,
    }
}

/// [`aggregate`] of a measure read by one grouped query on its source.
async fn grouped(
    db: &Db,
    actor: &Actor,
    asked: &Asked<'_>,
    func: Func,
    measure: &str,
    filter: &[Condition],
) -> Result<Sums> {
    let Asked { place, year, by, children, cells } = *asked;
    let (_, source, col) = MEASURES.iter().find(|(m, _, _)| *m == measure).copied().ok_or(Error::NotFound)?;
    let involves =
        |dimension: &str| by.iter().any(|d| d == dimension) || filter.iter().any(|c| c.dimension == dimension);
    // Participants split or filtered by cohort, or those reached by quarter, are read
    // through their enrolments; those reached in a year otherwise from the years kept.
    let quarterly = source == Source::Reached && involves("quarter");
    let through_enrolments = source.participants() && (quarterly || involves("cohort"));
    let col = match col {
        "pp.completed" if through_enrolments => ENROLMENT_COMPLETED,
        "pp.certified" if through_enrolments => ENROLMENT_CERTIFIED,
        col => col,
    };
    let mut binds: Vec<String> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    // Outcomes bind the year as $1, dated sources its days as $1 to $3 (and those reached
    // by quarter the quarters' first days as $4 to $8); participants have no year.
    let first = match source {
        Source::Participants => 0,
        _ if quarterly => 8,
        s if s.dated() => 3,
        _ => 1,
    };
    let bind = |v: &str, binds: &mut Vec<String>| {
        binds.push(v.to_string());
        format!("${}", binds.len() + first)
    };
    for c in filter {
        let column = column(source, &c.dimension);
        let list: Vec<String> = c.values.iter().map(|v| bind(v, &mut binds)).collect();
        let not = if c.negated { "NOT " } else { "" };
        conditions.push(format!("{not}{column} IN ({})", list.join(", ")));
    }
    let group_cols: Vec<&str> = by.iter().map(|d| column(source, d)).collect();
    let value = match (func, source) {
        (Func::Sum, s) if s.participants() || s.dated() => {
            format!("CAST(COALESCE(ROUND(SUM({col})), 0) AS BIGINT)")
        }
        (Func::Count, s) if s.participants() || s.dated() => format!("CAST(COUNT({col}) AS BIGINT)"),
        (Func::Sum, _) => format!("CAST(COALESCE(SUM(o.{col}), 0) AS BIGINT)"),
        (Func::Count, _) => format!("CAST(COALESCE(SUM(o.{col}_n), 0) AS BIGINT)"),
    };
    let rows = match source {
        Source::Flows | Source::Assessment => "CAST(COALESCE(SUM(o.source_rows), 0) AS BIGINT)",
        _ => "CAST(COUNT(*) AS BIGINT)",
    };
    let select: Vec<String> =
        group_cols.iter().map(|c| format!("CAST({c} AS TEXT)")).chain([value, rows.to_string()]).collect();
    let grouped = if group_cols.is_empty() { String::new() } else { format!(" GROUP BY {}", group_cols.join(", ")) };
    let grouped_by_group = by.iter().any(|d| d == "group") || filter.iter().any(|c| c.dimension == "group");
    let sql = match source {
        Source::Participants | Source::Reached if through_enrolments => {
            // One row a participant and cell (a cohort's, when split by cohort), its value
            // the highest of its enrolments', then added up per cell.
            let cols: String = group_cols.iter().enumerate().map(|(i, c)| format!("{c} AS d{i}, ")).collect();
            let keys: String = group_cols.iter().map(|c| format!("{c}, ")).collect();
            let running = match source {
                Source::Reached if !quarterly => " AND h.start_date < $2 AND h.end_date >= $1",
                _ => "",
            };
            let quarters = if quarterly { QUARTERS } else { "" };
            let inner = format!(
                "SELECT {cols}MAX({col}) AS v FROM programme_participants pp \
                 JOIN programmes pr ON pr.id = pp.programme_id JOIN enrolments e ON e.person_id = pp.person_id \
                 JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                 AND k.programme_id = pp.programme_id{quarters} WHERE {}{running}{} \
                 GROUP BY {keys}pp.programme_id, pp.person_id",
                participant_place(db, actor, place).await?,
                conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
            );
            let value = match func {
                Func::Sum => "CAST(COALESCE(ROUND(SUM(x.v)), 0) AS BIGINT)",
                Func::Count => "CAST(COUNT(x.v) AS BIGINT)",
            };
            let outer: Vec<String> = (0..group_cols.len())
                .map(|i| format!("CAST(x.d{i} AS TEXT)"))
                .chain([value.to_string(), "CAST(COUNT(*) AS BIGINT)".to_string()])
                .collect();
            let by_cells: Vec<String> = (0..group_cols.len()).map(|i| format!("x.d{i}")).collect();
            let grouped =
                if by_cells.is_empty() { String::new() } else { format!(" GROUP BY {}", by_cells.join(", ")) };
            format!("SELECT {} FROM ({inner}) x{grouped}", outer.join(", "))
        }
        Source::Participants | Source::Reached => format!(
            "SELECT {} FROM {} WHERE {}{}{grouped}",
            select.join(", "),
            if source == Source::Reached { reached_in(year) } else { PARTICIPANTS.into() },
            participant_place(db, actor, place).await?,
            conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
        ),
        Source::Staff => format!(
            "SELECT {} FROM positions x JOIN cpd_thresholds t ON t.role = x.role JOIN people pe ON pe.id = x.person_id \
             LEFT JOIN schools sc ON sc.id = x.school_id \
             LEFT JOIN (SELECT e.person_id, SUM(k.hours) AS hours, SUM(k.credits) AS credits FROM enrolments e \
                        JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                        WHERE e.completed_on >= $1 AND e.completed_on < $2 GROUP BY e.person_id) d \
               ON d.person_id = x.person_id \
             WHERE x.start_date <= $3 AND (x.end_date IS NULL OR x.end_date >= $3) AND {}{}{grouped}",
            select.join(", "),
            place_of(db, actor, place, "x.path", |id| format!("x.school_id = {id}")).await?,
            conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
        ),
        Source::PlcMeetings => format!(
            "SELECT {} FROM plc_meetings m JOIN plcs pl ON pl.id = m.plc_id \
             LEFT JOIN programmes pr ON pr.id = pl.programme_id LEFT JOIN schools sc ON sc.id = m.school_id \
             WHERE m.held_on >= $1 AND m.held_on < $2 AND {}{}{grouped}",
            select.join(", "),
            place_of(db, actor, place, "m.unit_path", |id| format!("m.school_id = {id}")).await?,
            conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
        ),
        Source::Plcs => format!(
            "SELECT {} FROM plcs pl LEFT JOIN programmes pr ON pr.id = pl.programme_id \
             LEFT JOIN schools sc ON sc.id = pl.school_id WHERE {}{}{grouped}",
            select.join(", "),
            place_of(db, actor, place, "pl.unit_path", |id| format!("pl.school_id = {id}")).await?,
            conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
        ),
        Source::Coaching => format!(
            "SELECT {} FROM coaching_relations r JOIN people pe ON pe.id = r.coachee_id \
             JOIN programmes pr ON pr.id = r.programme_id LEFT JOIN schools sc ON sc.id = r.coachee_school_id \
             WHERE r.start_on < $2 AND (r.end_on IS NULL OR r.end_on >= $1) AND {}{}{grouped}",
            select.join(", "),
            place_of(db, actor, place, "r.coachee_path", |id| format!("r.coachee_school_id = {id}")).await?,
            conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
        ),
        Source::Costs => return Err(anyhow::anyhow!("programme costs are apportioned, not grouped").into()),
        Source::Flows | Source::Assessment => {
            let rows = if source == Source::Flows { "o.term = 0 AND o.subject_id = 0" } else { "o.subject_id <> 0" };
            let groups = if grouped_by_group { "o.group_id <> 0" } else { "o.group_id = 0" };
            // A school's code, or a filter on the schools' own units, is only in the rows.
            let needs = Needs {
                rows: by.iter().any(|d| d == "school")
                    || filter.iter().any(|c| c.dimension == "school" || c.dimension == "unit"),
                by_unit: by.iter().any(|d| d == "unit"),
            };
            format!(
                "SELECT {} FROM ({}) o \
                 JOIN outcome_grades g ON g.id = o.grade_id \
                 LEFT JOIN outcome_subjects sub ON sub.id = o.subject_id \
                 LEFT JOIN learner_groups lg ON lg.id = o.group_id \
                 WHERE o.year = $1 AND {rows} AND {groups}{}{grouped}",
                select.join(", "),
                cells.sql(needs),
                conditions.iter().map(|c| format!(" AND {c}")).collect::<String>(),
            )
        }
    };
    let n = by.len();
    let rows: Vec<(Vec<Option<String>>, i64, i64)> = on_db!(db, |p| {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
        if source.dated() {
            let day = |y: i64, m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(y as i32, m, d).unwrap_or_default();
            q = q.bind(day(year, 1, 1)).bind(day(year + 1, 1, 1)).bind(day(year, 12, 31));
            if quarterly {
                for (y, m) in [(year, 1), (year, 4), (year, 7), (year, 10), (year + 1, 1)] {
                    q = q.bind(day(y, m, 1));
                }
            }
        } else if source == Source::Flows || source == Source::Assessment {
            q = q.bind(year);
        }
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(p).await.map(|rows| {
            use sqlx::Row;
            rows.iter()
                .map(|r| {
                    (
                        (0..n).map(|i| r.get::<Option<String>, _>(i)).collect(),
                        r.get::<i64, _>(n),
                        r.get::<i64, _>(n + 1),
                    )
                })
                .collect()
        })
    })?;
    let unit = cells.unit_path();
    let mut sums: BTreeMap<Vec<String>, (i64, i64)> = BTreeMap::new();
    for (raw, v, rows) in rows {
        let sum = sums.entry(categorise(raw, by, children, unit)).or_default();
        sum.0 += v;
        sum.1 += rows;
    }
    Ok(sums.into_iter().filter(|(_, (_, rows))| *rows > 0).map(|(k, (v, _))| (k, v)).collect())
}

/// The programmes' costs of the year apportioned to the place and the reader's scope, by
/// `by`. The rule, which the shipped `cost-per-participant` states: a programme's costs of
/// a year go to the places where it reached participants that year, in proportion to
/// them (its costs × its participants reached there ÷ all its participants reached), so a
/// cell's cost is the share of each programme's costs its participants stand for, and the
/// country's is every cost of the programmes that reached anyone. Costs of a programme
/// that reached nobody in the year go to no place. `sum(cost)` apportions the amounts,
/// `count(cost)` the lines recorded. Filters on the programme or category choose the
/// costs; on the unit, the participants they are apportioned to. A cell is present when
/// participants stand behind it; its amount is rounded to the currency's unit.
async fn costs(db: &Db, actor: &Actor, asked: &Asked<'_>, func: Func, filter: &[Condition]) -> Result<Sums> {
    let Asked { year, by, .. } = *asked;
    // The year's costs by programme, and by category when asked.
    let by_category = by.iter().any(|d| d == "category");
    let mut binds: Vec<String> = Vec::new();
    let mut conditions = String::new();
    for c in filter.iter().filter(|c| c.dimension == "programme" || c.dimension == "category") {
        let list: Vec<String> = c
            .values
            .iter()
            .map(|v| {
                binds.push(v.clone());
                format!("${}", binds.len() + 1)
            })
            .collect();
        let not = if c.negated { "NOT " } else { "" };
        conditions.push_str(&format!(" AND {not}{} IN ({})", column(Source::Costs, &c.dimension), list.join(", ")));
    }
    let (category, grouped_by) = if by_category { ("c.category", ", c.category") } else { ("''", "") };
    let value = match func {
        Func::Sum => "SUM(c.amount)",
        Func::Count => "CAST(COUNT(*) AS DOUBLE PRECISION)",
    };
    let sql = format!(
        "SELECT pr.code, {category}, CAST({value} AS DOUBLE PRECISION) FROM programme_costs c \
         JOIN programmes pr ON pr.id = c.programme_id WHERE c.year = $1{conditions} GROUP BY pr.code{grouped_by}"
    );
    let spent: Vec<(String, String, f64)> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(p).await
    })?;
    if spent.is_empty() {
        return Ok(Sums::new());
    }
    // Every participant each of those programmes reached in the year, wherever they are.
    let mut programmes: Vec<&str> = spent.iter().map(|(p, _, _)| p.as_str()).collect();
    programmes.sort_unstable();
    programmes.dedup();
    let everywhere = format!(
        "SELECT pr.code, CAST(COUNT(*) AS BIGINT) FROM {} WHERE pr.code IN ({}) GROUP BY pr.code",
        reached_in(year),
        (0..programmes.len()).map(|i| format!("${}", i + 1)).collect::<Vec<_>>().join(", ")
    );
    let reached: BTreeMap<String, i64> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(everywhere.clone()));
        for code in &programmes {
            q = q.bind(code.to_string());
        }
        q.fetch_all(p).await.map(|rows: Vec<(String, i64)>| rows.into_iter().collect())
    })?;
    // Those reached at the place, in the reader's scope, by every other dimension asked and
    // by programme.
    let mut split: Vec<String> = by.iter().filter(|d| *d != "category").cloned().collect();
    if !split.iter().any(|d| d == "programme") {
        split.push("programme".into());
    }
    let at = |d: &str| split.iter().position(|s| s == d).unwrap_or(0);
    let people: Vec<Condition> =
        filter.iter().filter(|c| c.dimension == "unit" || c.dimension == "programme").cloned().collect();
    let there = Asked { by: &split, ..*asked };
    let counts = grouped(db, actor, &there, Func::Count, "reached", &people).await?;
    let mut cells: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for (key, n) in counts {
        let programme = &key[at("programme")];
        let Some(all) = reached.get(programme).copied().filter(|all| *all > 0) else { continue };
        for (_, category, amount) in spent.iter().filter(|(p, _, _)| p == programme) {
            let cell: Vec<String> =
                by.iter().map(|d| if d == "category" { category.clone() } else { key[at(d)].clone() }).collect();
            *cells.entry(cell).or_default() += amount * n as f64 / all as f64;
        }
    }
    Ok(cells.into_iter().map(|(k, v)| (k, v.round() as i64)).collect())
}

/// An expression evaluated per category (a category absent from every aggregate is 0).
fn combine(expr: &Expr, sums: &mut std::collections::VecDeque<Sums>, into: &mut BTreeMap<Vec<String>, f64>, sign: f64) {
    match expr {
        Expr::Number(n) => {
            // A constant adds to every category, and to the whole.
            for v in into.values_mut() {
                *v += sign * n;
            }
            *into.entry(Vec::new()).or_default() += 0.0;
        }
        Expr::Aggregate { .. } => {
            for (k, v) in sums.pop_front().unwrap_or_default() {
                *into.entry(k).or_default() += sign * v as f64;
            }
        }
        Expr::Add(a, b) => {
            combine(a, sums, into, sign);
            combine(b, sums, into, sign);
        }
        Expr::Sub(a, b) => {
            combine(a, sums, into, sign);
            combine(b, sums, into, -sign);
        }
    }
}

async fn evaluate(db: &Db, actor: &Actor, expr: &Expr, asked: &Asked<'_>) -> Result<BTreeMap<Vec<String>, f64>> {
    let mut sums = std::collections::VecDeque::new();
    for (func, measure, filter) in expr.aggregates() {
        sums.push_back(aggregate(db, actor, asked, *func, measure, filter).await?);
    }
    let mut out = BTreeMap::new();
    combine(expr, &mut sums, &mut out, 1.0);
    out.retain(|k, _| k.len() == asked.by.len());
    Ok(out)
}

/// What an indicator is computed from, for the stamp its answers are kept under.
fn reads(def: &Definition) -> super::kept::Reads {
    let outcomes = std::iter::once(&def.numerator)
        .chain(def.denominator.as_ref())
        .flat_map(|e| e.aggregates())
        .any(|(_, measure, _)| matches!(source_of(measure), Some(Source::Flows | Source::Assessment) | None));
    if outcomes { super::kept::Reads::SchoolData } else { super::kept::Reads::Programmes }
}

/// The child units of a unit place (path, code), for the `unit` disaggregation.
async fn children(db: &Db, place: Place) -> Result<Vec<(String, String)>> {
    match place {
        Place::Unit(id) => Ok(on_db!(db, |p| sqlx::query_as("SELECT path, code FROM units WHERE parent_id = $1")
            .bind(id)
            .fetch_all(p)
            .await)?),
        Place::School(_) => Ok(Vec::new()),
    }
}

/// Answers an indicator for a place and year, split by the disaggregations asked (each
/// one the indicator allows), with small counts suppressed for readers without
/// row-level rights. Kept ([`super::kept`]).
pub async fn answer(db: &Db, actor: &Actor, code: &str, question: &Question) -> Result<Answer> {
    let def = definition_of(&indicator(db, code).await?)?;
    let stamp = super::kept::stamp_of(db, reads(&def)).await?;
    let asked = format!("answer {code} {:?} {} {:?}", question.place, question.year, question.by);
    super::kept::kept(db, actor, &stamp, asked, answer_defined(db, actor, code, &def, question, Read::Cells)).await
}

/// [`answer`], a unit's figures read as `read` says: [`Read::Rows`] sums every outcome row
/// of its schools afresh, which the answer read from the units' cells must equal.
pub async fn answer_read(db: &Db, actor: &Actor, code: &str, question: &Question, read: Read) -> Result<Answer> {
    let def = definition_of(&indicator(db, code).await?)?;
    answer_defined(db, actor, code, &def, question, read).await
}

/// [`answer_read`] of an indicator whose definition has been read.
async fn answer_defined(
    db: &Db,
    actor: &Actor,
    code: &str,
    def: &Definition,
    question: &Question,
    read: Read,
) -> Result<Answer> {
    let by: Vec<String> = question.by.iter().map(|d| d.trim().to_lowercase()).collect();
    let wanted: Vec<&str> = by.iter().map(String::as_str).collect();
    def.allows("by", &wanted)?;
    let (place, year) = (question.place, question.year);
    let cells = Cells::of(db, actor, place, &[year], read).await?;
    let children = children(db, place).await?;
    let whole = Asked { place, year, by: &[], children: &children, cells: &cells };
    let split = Asked { place, year, by: &by, children: &children, cells: &cells };
    let whole_num = evaluate(db, actor, &def.numerator, &whole).await?;
    let whole_den = match &def.denominator {
        Some(d) => Some(evaluate(db, actor, d, &whole).await?),
        None => None,
    };
    let num = evaluate(db, actor, &def.numerator, &split).await?;
    let den = match &def.denominator {
        Some(d) => Some(evaluate(db, actor, d, &split).await?),
        None => None,
    };
    let mut keys: Vec<Vec<String>> = num.keys().cloned().collect();
    if let Some(den) = &den {
        keys.extend(den.keys().cloned());
    }
    keys.sort();
    keys.dedup();
    if by.is_empty() {
        keys.clear();
    }
    let threshold = super::small_cell_threshold(db).await?;
    let unhidden = super::flows::row_level(actor);
    let nums: Vec<i64> = keys.iter().map(|k| num.get(k).copied().unwrap_or(0.0).round() as i64).collect();
    let dens: Vec<i64> =
        keys.iter().map(|k| den.as_ref().and_then(|d| d.get(k)).copied().unwrap_or(0.0).round() as i64).collect();
    // An apportioned cost stands for the participants it is apportioned by: it is hidden
    // with them (as "x": the amount itself is not small), never by its own size.
    let (num_costs, den_costs) = (reads_costs(&def.numerator), def.denominator.as_ref().is_some_and(reads_costs));
    let behind = if (num_costs || den_costs) && !unhidden {
        let reached = Expr::Aggregate { func: Func::Count, measure: "reached".into(), filter: Vec::new() };
        let per_cell = evaluate(db, actor, &reached, &split).await?;
        let in_whole = evaluate(db, actor, &reached, &whole).await?;
        let counts: Vec<i64> = keys.iter().map(|k| per_cell.get(k).copied().unwrap_or(0.0).round() as i64).collect();
        let as_cost = |c: Cell| if c.hidden() { Cell::Complement } else { Cell::Shown };
        let total = in_whole.get(&Vec::new()).copied().unwrap_or(0.0).round() as i64;
        Some((
            suppression::column(&counts, threshold).into_iter().map(as_cost).collect::<Vec<Cell>>(),
            as_cost(suppression::single(total, threshold)),
        ))
    } else {
        None
    };
    let cells_of = |values: &[i64], costs: bool| match &behind {
        Some((cells, _)) if costs => cells.clone(),
        _ => suppression::column(values, threshold),
    };
    let (num_cells, den_cells) = if unhidden {
        (vec![Cell::Shown; keys.len()], vec![Cell::Shown; keys.len()])
    } else {
        (cells_of(&nums, num_costs), cells_of(&dens, den_costs))
    };
    let shown = |v: i64, c: Cell| Count { value: (!c.hidden()).then_some(v), shown: c.text(v, threshold) };
    let value = |n: i64, d: Option<i64>| match d {
        None => Some(n as f64 * def.scale),
        Some(0) => None,
        Some(d) => Some(n as f64 / d as f64 * def.scale),
    };
    let mut suppressed = false;
    let cells: Vec<AnswerCell> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let hidden = num_cells[i].hidden() || (def.denominator.is_some() && den_cells[i].hidden());
            suppressed |= hidden;
            AnswerCell {
                categories: k.clone(),
                numerator: shown(nums[i], num_cells[i]),
                denominator: def.denominator.as_ref().map(|_| shown(dens[i], den_cells[i])),
                value: if hidden { None } else { value(nums[i], def.denominator.as_ref().map(|_| dens[i])) },
            }
        })
        .collect();
    let total_n = whole_num.get(&Vec::new()).copied().unwrap_or(0.0).round() as i64;
    let total_d = whole_den.as_ref().map(|d| d.get(&Vec::new()).copied().unwrap_or(0.0).round() as i64);
    let total_of = |value: i64, costs: bool| match &behind {
        Some((_, total)) if costs => *total,
        _ => suppression::single(value, threshold),
    };
    let (tn, td) = if unhidden {
        (Cell::Shown, Cell::Shown)
    } else {
        (total_of(total_n, num_costs), total_of(total_d.unwrap_or(0), den_costs))
    };
    let total_hidden = tn.hidden() || (total_d.is_some() && td.hidden());
    suppressed |= total_hidden;
    let total = AnswerCell {
        categories: Vec::new(),
        numerator: shown(total_n, tn),
        denominator: total_d.map(|d| shown(d, td)),
        value: if total_hidden { None } else { value(total_n, total_d) },
    };
    Ok(Answer {
        indicator: code.to_string(),
        place: question.place,
        year: question.year,
        by,
        total,
        cells,
        suppressed,
        threshold,
    })
}

/// An indicator at every school under a place in a year, as [`answer`] computes it split
/// by `school`, and not suppressed: the school values an impact estimate is made of, never
/// published as they are. The year is the engine's period; with a term (1 to 4) an
/// indicator that can be split by term is read for that term alone, any other for its
/// year. A school whose denominator is 0 has no value and is left out. The indicator must
/// allow the `school` disaggregation (every indicator on school data does; those on
/// programme participants cannot be split by school): the problem names `field`.
pub async fn by_school(
    db: &Db,
    actor: &Actor,
    code: &str,
    place: Place,
    year: i64,
    term: i64,
    field: &str,
) -> Result<Vec<SchoolValue>> {
    let indicator = indicator(db, code).await?;
    let def = definition_of(&indicator)?;
    def.allows(field, &["school"]).map_err(|p| Error::Invalid(vec![p]))?;
    let by_term = term != 0 && def.allows(field, &["term"]).is_ok();
    let by: Vec<String> = if by_term { vec!["school".into(), "term".into()] } else { vec!["school".into()] };
    let cells = Cells::of(db, actor, place, &[year], Read::Cells).await?;
    let children = children(db, place).await?;
    let asked = Asked { place, year, by: &by, children: &children, cells: &cells };
    let num = evaluate(db, actor, &def.numerator, &asked).await?;
    let den = match &def.denominator {
        Some(d) => Some(evaluate(db, actor, d, &asked).await?),
        None => None,
    };
    let term = term.to_string();
    let mut keys: Vec<&Vec<String>> = num.keys().chain(den.iter().flat_map(|d| d.keys())).collect();
    keys.sort();
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter(|k| !by_term || k.get(1) == Some(&term))
        .filter_map(|k| {
            let numerator = num.get(k).copied().unwrap_or(0.0);
            let denominator = den.as_ref().map(|d| d.get(k).copied().unwrap_or(0.0));
            let value = match denominator {
                None => numerator * def.scale,
                Some(0.0) => return None,
                Some(d) => numerator / d * def.scale,
            };
            Some(SchoolValue { school: k[0].clone(), numerator, denominator, value })
        })
        .collect())
}

/// Sets a target on an indicator for a place, year and category of a disaggregation it
/// allows (those who set up programmes).
pub async fn set_target(db: &Db, actor: &Actor, code: &str, input: &IndicatorTargetInput) -> Result<i64> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let indicator = indicator(db, code).await?;
    let def = definition_of(&indicator)?;
    let mut problems = Vec::new();
    let disaggregation = input.disaggregation.as_deref().map(|d| d.trim().to_lowercase()).filter(|d| !d.is_empty());
    if let Some(d) = &disaggregation
        && let Err(p) = def.allows("disaggregation", &[d.as_str()])
    {
        problems.push(p);
    }
    let category = input.category.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if disaggregation.is_some() != category.is_some() {
        problems.push(Problem::new("target-category").in_column("category"));
    }
    if !input.target.is_finite() {
        problems.push(Problem::new("bad-number").in_column("target").with_value(input.target.to_string()));
    }
    if !(1900..=2100).contains(&input.year) {
        problems.push(Problem::new("bad-year").in_column("year").with_value(input.year.to_string()));
    }
    fail_if_any(problems)?;
    let (unit_id, school_id) = match input.place {
        Some(Place::Unit(id)) => (Some(id), None),
        Some(Place::School(id)) => (None, Some(id)),
        None => (None, None),
    };
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO indicator_targets (indicator_id, unit_id, school_id, year, disaggregation, category, baseline, \
         target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(indicator.id)
    .bind(unit_id)
    .bind(school_id)
    .bind(input.year)
    .bind(disaggregation.clone().unwrap_or_default())
    .bind(category.unwrap_or_default())
    .bind(input.baseline)
    .bind(input.target)
    .fetch_one(&mut *c)
    .await
    })?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "indicator_target",
        &id.to_string(),
        &format!("{} {}", indicator.code, input.year),
        None::<&()>,
        Some(&serde_json::json!({ "target": input.target, "disaggregation": disaggregation, "category": category })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A target as stored: id, unit, school, year, disaggregation, category, baseline, target.
type TargetRow = (i64, Option<i64>, Option<i64>, i64, String, String, Option<f64>, f64);

/// An indicator's targets the reader may see, each with what is achieved read live.
pub async fn targets(db: &Db, actor: &Actor, code: &str) -> Result<Vec<TargetProgress>> {
    let indicator = indicator(db, code).await?;
    let rows: Vec<TargetRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, unit_id, school_id, year, disaggregation, category, baseline, target FROM indicator_targets \
         WHERE indicator_id = $1 ORDER BY year, id"
    )
    .bind(indicator.id)
    .fetch_all(p)
    .await)?;
    progress(db, actor, &indicator.code, root_unit(db).await?, rows).await
}

/// The country's unit, where a target of the whole deployment is read.
async fn root_unit(db: &Db) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT MIN(id) FROM units WHERE parent_id IS NULL").fetch_one(p).await)?)
}

/// The targets set on a place (on the country's unit, also those of the whole deployment)
/// on every indicator, each with what is achieved read live and the indicator's name in
/// `lang`; the place's own scope is checked first. Kept ([`super::kept`]).
pub async fn targets_at(db: &Db, actor: &Actor, place: Place, lang: &str) -> Result<Vec<PlaceTarget>> {
    let stamp = super::kept::stamp(db).await?;
    let question = format!("targets {place:?} {lang}");
    super::kept::kept(db, actor, &stamp, question, targets_at_afresh(db, actor, place, lang)).await
}

/// [`targets_at`] computed.
pub(crate) async fn targets_at_afresh(db: &Db, actor: &Actor, place: Place, lang: &str) -> Result<Vec<PlaceTarget>> {
    crate::store::flows::place_clause(db, actor, place).await?;
    let (column, id) = match place {
        Place::School(id) => ("school_id", id),
        Place::Unit(id) => ("unit_id", id),
    };
    let root = root_unit(db).await?;
    let deployment =
        if place == Place::Unit(root.unwrap_or(0)) { " OR (t.unit_id IS NULL AND t.school_id IS NULL)" } else { "" };
    let sql = format!(
        "SELECT i.code, t.id, t.unit_id, t.school_id, t.year, t.disaggregation, t.category, t.baseline, t.target \
         FROM indicator_targets t JOIN indicators i ON i.id = t.indicator_id \
         WHERE t.{column} = $1{deployment} ORDER BY i.code, t.year, t.id"
    );
    type Row = (String, i64, Option<i64>, Option<i64>, i64, String, String, Option<f64>, f64);
    let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_all(p).await)?;
    let mut by_indicator: Vec<(String, Vec<TargetRow>)> = Vec::new();
    for (code, id, unit, school, year, d, c, baseline, target) in rows {
        let row = (id, unit, school, year, d, c, baseline, target);
        match by_indicator.last_mut() {
            Some((last, list)) if *last == code => list.push(row),
            _ => by_indicator.push((code, vec![row])),
        }
    }
    let mut out = Vec::new();
    for (code, rows) in by_indicator {
        let indicator = indicator(db, &code).await?;
        let name = if lang == "fr" { indicator.name_fr.clone() } else { indicator.name_en.clone() };
        for progress in progress(db, actor, &code, root, rows).await? {
            out.push(PlaceTarget { name: name.clone(), progress });
        }
    }
    Ok(out)
}

/// What is achieved of each target, read live; a target on a place the reader may not
/// read is left out.
async fn progress(
    db: &Db,
    actor: &Actor,
    code: &str,
    root: Option<i64>,
    rows: Vec<TargetRow>,
) -> Result<Vec<TargetProgress>> {
    let mut out = Vec::new();
    for (id, unit_id, school_id, year, disaggregation, category, baseline, target) in rows {
        let place = school_id.map(Place::School).or(unit_id.map(Place::Unit));
        let Some(asked) = place.or(root.map(Place::Unit)) else { continue };
        let by: Vec<String> = if disaggregation.is_empty() { Vec::new() } else { vec![disaggregation.clone()] };
        let answer = match answer_read(db, actor, code, &Question { place: asked, year, by }, Read::Cells).await {
            Ok(a) => a,
            // A target on a place the reader may not read is not listed.
            Err(Error::NotFound | Error::Forbidden) => continue,
            Err(e) => return Err(e),
        };
        let achieved = if disaggregation.is_empty() {
            answer.total.value
        } else {
            answer.cells.iter().find(|c| c.categories.first() == Some(&category)).and_then(|c| c.value)
        };
        out.push(TargetProgress {
            id,
            indicator: code.to_string(),
            place,
            year,
            disaggregation: (!disaggregation.is_empty()).then_some(disaggregation),
            category: (!category.is_empty()).then_some(category),
            baseline,
            target,
            achieved,
        });
    }
    Ok(out)
}
