//! The evaluation area's SQL: designs, the assignment of schools to arms, the analysis
//! data set read from the schools' learner outcomes, and the estimates made from it.
//!
//! Rights: designs are set up and assigned by those who manage programmes; an evaluation
//! is read (its design, data set and estimates) by those who read its whole place. The
//! data set holds school means, not people.

use crate::model::{
    Arm, ArmCount, BootstrapInterval, Coefficient, DataRow, DrawInput, Evaluation, EvaluationInput, ImpactReport,
    OutcomeQuery, RecordInput, Round, RoundInput,
};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::evaluation::{assign, bootstrap, did};
use opencpd_domain::input::choice;
use opencpd_domain::registry::{PositionRole, parse_code, parse_name};
use opencpd_kernel::error::{collect, fail_if_any, optional_text, unique_violation};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx};
use std::collections::HashMap;

const KINDS: &[&str] = &["baseline", "midline", "endline"];
const ASSIGNMENTS: &[&str] = &["randomised", "observational"];
/// What a design assigns to its arms.
const UNITS: &[&str] = &["schools", "people"];
/// The outcomes an estimate can be made of, besides the indicators: from the schools'
/// learner outcomes, and from observations and tests (`test` of people only).
pub const OUTCOMES: &[&str] = &["mean_score", "proficient", "practice", "test"];

/// Checks a new evaluation: every field, every arm and round, by name (the problems, none
/// when it is well formed).
fn check(input: &EvaluationInput) -> Vec<Problem> {
    let mut problems = Vec::new();
    collect(&mut problems, "code", parse_code(&input.code));
    collect(&mut problems, "name", parse_name(&input.name));
    collect(&mut problems, "assignment", choice(&input.assignment, ASSIGNMENTS));
    collect(&mut problems, "units", choice(optional_text(&input.units).unwrap_or("schools"), UNITS));
    for (i, arm) in input.arms.iter().enumerate() {
        collect(&mut problems, &format!("arms[{i}].code"), parse_code(&arm.code));
        collect(&mut problems, &format!("arms[{i}].name"), parse_name(&arm.name));
        if arm.ratio == 0 || arm.ratio > 100 {
            problems.push(Problem::new("evaluation-ratio").in_column(format!("arms[{i}].ratio")));
        }
        if input.arms[..i].iter().any(|a| a.code.trim() == arm.code.trim()) {
            problems
                .push(Problem::new("duplicate-in-list").arg("value", &arm.code).in_column(format!("arms[{i}].code")));
        }
    }
    let comparisons = input.arms.iter().filter(|a| a.comparison).count();
    if input.arms.len() < 2 || comparisons != 1 {
        problems.push(Problem::new("evaluation-arms").arg("comparisons", comparisons).in_column("arms"));
    }
    let mut seen_post = false;
    for (i, round) in input.rounds.iter().enumerate() {
        collect(&mut problems, &format!("rounds[{i}].code"), parse_code(&round.code));
        collect(&mut problems, &format!("rounds[{i}].name"), parse_name(&round.name));
        if let Some(kind) = collect(&mut problems, &format!("rounds[{i}].kind"), choice(&round.kind, KINDS)) {
            if kind == "baseline" && seen_post {
                problems.push(Problem::new("evaluation-baseline-late").in_column(format!("rounds[{i}].kind")));
            }
            seen_post |= kind != "baseline";
        }
        if !(1900..=2100).contains(&round.year) {
            problems.push(Problem::new("bad-year").arg("value", round.year).in_column(format!("rounds[{i}].year")));
        }
        if !(0..=4).contains(&round.term) {
            problems
                .push(Problem::new("evaluation-term").arg("value", round.term).in_column(format!("rounds[{i}].term")));
        }
        if input.rounds[..i].iter().any(|r| r.code.trim() == round.code.trim()) {
            problems.push(
                Problem::new("duplicate-in-list").arg("value", &round.code).in_column(format!("rounds[{i}].code")),
            );
        }
        for (k, code) in round.instruments.iter().enumerate() {
            let column = format!("rounds[{i}].instruments[{k}]");
            collect(&mut problems, &column, parse_code(code));
            if round.instruments[..k].iter().any(|c| c.trim() == code.trim()) {
                problems.push(Problem::new("duplicate-in-list").arg("value", code).in_column(column));
            }
        }
    }
    check_dates(&input.rounds, &mut problems);
    let baselines = input.rounds.iter().filter(|r| choice(&r.kind, KINDS) == Ok("baseline")).count();
    if baselines == 0 || baselines == input.rounds.len() {
        problems.push(Problem::new("evaluation-rounds").in_column("rounds"));
    }
    problems
}

/// A round's first and last day as given, or the problem naming the field.
fn day(text: &str, column: String, problems: &mut Vec<Problem>) -> Option<chrono::NaiveDate> {
    if text.trim().is_empty() {
        problems.push(Problem::new("required").in_column(column));
        return None;
    }
    collect(problems, &column, opencpd_domain::registry::parse_date(text))
}

/// Each round's dates: both days given, the last not before the first, and the rounds in
/// the order they took place, none overlapping another (each named by the round listed
/// before it).
fn check_dates(rounds: &[RoundInput], problems: &mut Vec<Problem>) {
    let mut spans: Vec<(&str, chrono::NaiveDate, chrono::NaiveDate)> = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        let starts = day(&round.starts_on, format!("rounds[{i}].starts_on"), problems);
        let ends = day(&round.ends_on, format!("rounds[{i}].ends_on"), problems);
        let (Some(starts), Some(ends)) = (starts, ends) else { continue };
        if ends < starts {
            problems.push(
                Problem::new("evaluation-round-dates")
                    .arg("starts", starts)
                    .arg("ends", ends)
                    .in_column(format!("rounds[{i}].ends_on")),
            );
            continue;
        }
        let before = |p: &'static str, (code, s, e): &(&str, chrono::NaiveDate, chrono::NaiveDate)| {
            Problem::new(p)
                .arg("round", *code)
                .arg("starts", s)
                .arg("ends", e)
                .in_column(format!("rounds[{i}].starts_on"))
        };
        if let Some(other) = spans.iter().find(|(_, s, e)| starts <= *e && *s <= ends) {
            problems.push(before("evaluation-round-overlap", other));
        } else if let Some(other) = spans.iter().find(|(_, s, _)| starts < *s) {
            problems.push(before("evaluation-round-order", other));
        }
        spans.push((round.code.trim(), starts, ends));
    }
}

/// The instruments the rounds name that no instrument has as its code, each named.
async fn unknown_instruments(db: &Db, rounds: &[RoundInput]) -> Result<Vec<Problem>> {
    let codes: Vec<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT DISTINCT code FROM instruments").fetch_all(p).await)?;
    let mut problems = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        for (k, code) in round.instruments.iter().enumerate() {
            if !code.trim().is_empty() && !codes.iter().any(|c| c == code.trim()) {
                problems.push(
                    Problem::new("evaluation-instrument-unknown")
                        .arg("value", code.trim())
                        .in_column(format!("rounds[{i}].instruments[{k}]")),
                );
            }
        }
    }
    Ok(problems)
}

pub async fn create(db: &Db, actor: &Actor, input: &EvaluationInput) -> Result<Evaluation> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = check(input);
    problems.extend(unknown_instruments(db, &input.rounds).await?);
    fail_if_any(problems)?;
    let code = input.unit.trim().to_string();
    let unit: Option<(i64, String)> = on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
        .bind(&code)
        .fetch_optional(p)
        .await)?;
    let Some((unit_id, unit_path)) = unit else {
        return Err(Error::Invalid(vec![Problem::new("unknown-unit").arg("value", &code).in_column("unit")]));
    };
    let mut tx = db.begin().await?;
    let evaluation = input.code.trim().to_string();
    let assignment =
        choice(&input.assignment, ASSIGNMENTS).map_err(|p| Error::Invalid(vec![p.in_column("assignment")]))?;
    let units = choice(optional_text(&input.units).unwrap_or("schools"), UNITS)
        .map_err(|p| Error::Invalid(vec![p.in_column("units")]))?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO evaluations (code, name, unit_id, unit_path, assignment, units, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(&evaluation)
    .bind(input.name.trim())
    .bind(unit_id)
    .bind(&unit_path)
    .bind(assignment)
    .bind(units)
    .bind(chrono::Utc::now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| unique_violation(e, &evaluation))?;
    for (i, arm) in input.arms.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO evaluation_arms (evaluation_id, position, code, name, comparison, ratio) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id)
        .bind(i as i64)
        .bind(arm.code.trim())
        .bind(arm.name.trim())
        .bind(arm.comparison)
        .bind(arm.ratio as i64)
        .execute(&mut *c)
        .await
        .map(|_| ()))?;
    }
    for (i, round) in input.rounds.iter().enumerate() {
        let kind =
            choice(&round.kind, KINDS).map_err(|p| Error::Invalid(vec![p.in_column(format!("rounds[{i}].kind"))]))?;
        let days = |text: &str| opencpd_domain::registry::parse_date(text).map_err(|p| Error::Invalid(vec![p]));
        let (starts, ends) = (days(&round.starts_on)?, days(&round.ends_on)?);
        let round_id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO evaluation_rounds (evaluation_id, position, code, name, kind, year, term, starts_on, ends_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
        )
        .bind(id)
        .bind(i as i64)
        .bind(round.code.trim())
        .bind(round.name.trim())
        .bind(kind)
        .bind(round.year)
        .bind(round.term)
        .bind(starts)
        .bind(ends)
        .fetch_one(&mut *c)
        .await
        })?;
        for (k, code) in round.instruments.iter().enumerate() {
            on_tx!(&mut tx, |c| sqlx::query(
                "INSERT INTO evaluation_round_instruments (round_id, position, code) VALUES ($1, $2, $3)"
            )
            .bind(round_id)
            .bind(k as i64)
            .bind(code.trim())
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        }
    }
    audit::record::<(), _>(
        &mut tx,
        actor,
        "create",
        "evaluation",
        &id.to_string(),
        &evaluation,
        None,
        Some(&evaluation),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(sqlx::FromRow)]
struct EvaluationRow {
    id: i64,
    code: String,
    name: String,
    unit_id: i64,
    unit_name: String,
    unit_path: String,
    assignment: String,
    units: String,
    role: Option<String>,
    assigned_at: Option<String>,
    seed: Option<String>,
    strata_depth: Option<i64>,
}

const SELECT: &str = "SELECT e.id, e.code, e.name, e.unit_id, u.name AS unit_name, e.unit_path, e.assignment, \
    e.units, e.role, CAST(e.assigned_at AS TEXT) AS assigned_at, e.seed, e.strata_depth FROM evaluations e JOIN units u ON u.id = e.unit_id";

/// The columns the list of evaluations sorts by.
pub const EVALUATION_SORTS: Sorts =
    &[("code", "e.code"), ("name", "e.name"), ("unit", "u.name"), ("assignment", "e.assignment")];

/// The evaluations whose whole place the actor reads, one page, searched by code or name.
pub async fn list(db: &Db, actor: &Actor, page: &Page) -> Result<Paged<Evaluation>> {
    let c = page.check(EVALUATION_SORTS)?;
    let filter = format!(
        "WHERE {} AND ($1 IS NULL OR LOWER(e.code) LIKE $1 ESCAPE '\\' OR LOWER(e.name) LIKE $1 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("e.unit_path"))
    );
    let count = format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id {filter}");
    let sql = format!("{SELECT} {filter} {} LIMIT $2 OFFSET $3", c.order_by("e.id"));
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let rows: Vec<EvaluationRow> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(with_parts(db, row).await?);
    }
    Ok(c.answer(total, out))
}

async fn row(db: &Db, actor: &Actor, id: i64) -> Result<EvaluationRow> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    let row: EvaluationRow =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?
            .ok_or(Error::NotFound)?;
    actor.require(Action::Read, &Target::Unit { path: &row.unit_path })?;
    Ok(row)
}

async fn with_parts(db: &Db, row: EvaluationRow) -> Result<Evaluation> {
    let arms: Vec<(i64, String, String, bool, i64, i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.id, a.code, a.name, a.comparison, a.ratio, \
         (SELECT COUNT(*) FROM evaluation_schools s WHERE s.arm_id = a.id), \
         (SELECT COUNT(*) FROM evaluation_people s WHERE s.arm_id = a.id) \
         FROM evaluation_arms a WHERE a.evaluation_id = $1 ORDER BY a.position"
    )
    .bind(row.id)
    .fetch_all(p)
    .await)?;
    type RoundRow = (i64, String, String, String, i64, i64, chrono::NaiveDate, chrono::NaiveDate);
    let rounds: Vec<RoundRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name, kind, year, term, starts_on, ends_on FROM evaluation_rounds \
         WHERE evaluation_id = $1 ORDER BY position"
    )
    .bind(row.id)
    .fetch_all(p)
    .await)?;
    let used: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT ri.round_id, ri.code FROM evaluation_round_instruments ri \
         JOIN evaluation_rounds r ON r.id = ri.round_id WHERE r.evaluation_id = $1 ORDER BY ri.round_id, ri.position"
    )
    .bind(row.id)
    .fetch_all(p)
    .await)?;
    Ok(Evaluation {
        id: row.id,
        code: row.code,
        name: row.name,
        unit_id: row.unit_id,
        unit_name: row.unit_name,
        assignment: row.assignment,
        units: row.units,
        role: row.role,
        assigned_at: row.assigned_at,
        seed: row.seed,
        strata_depth: row.strata_depth,
        arms: arms
            .into_iter()
            .map(|(id, code, name, comparison, ratio, schools, people)| Arm {
                id,
                code,
                name,
                comparison,
                ratio,
                schools,
                people,
            })
            .collect(),
        rounds: rounds
            .into_iter()
            .map(|(id, code, name, kind, year, term, starts_on, ends_on)| Round {
                post: kind != "baseline",
                instruments: used.iter().filter(|(r, _)| *r == id).map(|(_, c)| c.clone()).collect(),
                id,
                code,
                name,
                kind,
                year,
                term,
                starts_on,
                ends_on,
            })
            .collect(),
    })
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Evaluation> {
    let row = row(db, actor, id).await?;
    with_parts(db, row).await
}

/// An evaluation is assigned once: a second draw or record would change the arms the data
/// was collected under.
fn assigned_already(e: &Evaluation) -> Result<()> {
    match &e.assigned_at {
        Some(at) => Err(Error::Conflict(
            Problem::new("evaluation-assigned").arg("at", at).arg("seed", e.seed.clone().unwrap_or_else(|| "-".into())),
        )),
        None => Ok(()),
    }
}

/// OpenCPD draws the arms of every school under the evaluation's unit, or, for a design of
/// people, of everyone holding a current position (in the role asked) at those schools.
pub async fn draw(db: &Db, actor: &Actor, id: i64, input: &DrawInput) -> Result<Evaluation> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let e = get(db, actor, id).await?;
    assigned_already(&e)?;
    let mut problems = Vec::new();
    let seed: Option<u64> = match optional_text(&input.seed) {
        Some(s) => {
            s.parse().map_err(|_| problems.push(Problem::new("bad-number").arg("value", s).in_column("seed"))).ok()
        }
        None => Some(rand::random()),
    };
    // Each candidate with the code of its unit at the strata depth (its own unit when that
    // is shallower).
    let depth = input.strata_depth;
    if let Some(d) = depth
        && !(0..=6).contains(&d)
    {
        problems.push(Problem::new("bad-number").arg("value", d).in_column("strata_depth"));
    }
    let role = match optional_text(&input.role) {
        None => None,
        Some(_) if e.units != "people" => {
            problems.push(Problem::new("evaluation-role-of-schools").in_column("role"));
            None
        }
        Some(r) => collect(&mut problems, "role", PositionRole::parse(r)).map(|r| r.key()),
    };
    fail_if_any(problems)?;
    let seed = seed.expect("checked");
    let path: String =
        on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(e.unit_id).fetch_one(p).await)?;
    let stratum = "COALESCE((SELECT u.code FROM units u WHERE u.depth = $3 AND s.unit_path LIKE u.path || '%'), '')";
    // (candidate, school, stratum): a school is its own; a person is at the first school
    // (by id) they hold a current position at.
    let found: Vec<(i64, i64, String)> = if e.units == "people" {
        let sql = format!(
            "SELECT x.person_id, x.school_id, {stratum} FROM positions x JOIN schools s ON s.id = x.school_id \
             WHERE s.unit_path >= $1 AND s.unit_path < $2 AND x.start_date <= $4 \
               AND (x.end_date IS NULL OR x.end_date >= $4) AND ($5 = '' OR x.role = $5) AND {} \
             ORDER BY x.person_id, x.school_id",
            ListScope::of(actor).sql(Columns::path("x.path").person("x.person_id"))
        );
        let mut rows: Vec<(i64, i64, String)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&path)
            .bind(opencpd_domain::access::upper_bound(&path))
            .bind(depth.unwrap_or(-1))
            .bind(opencpd_kernel::today())
            .bind(role.unwrap_or(""))
            .fetch_all(p)
            .await)?;
        rows.dedup_by_key(|r| r.0);
        rows
    } else {
        let sql = format!(
            "SELECT s.id, s.id, {stratum} FROM schools s WHERE s.unit_path >= $1 AND s.unit_path < $2 ORDER BY s.id"
        );
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(&path)
            .bind(opencpd_domain::access::upper_bound(&path))
            .bind(depth.unwrap_or(-1))
            .fetch_all(p)
            .await)?
    };
    if found.is_empty() {
        let code = if e.units == "people" { "evaluation-no-people" } else { "evaluation-no-schools" };
        return Err(Error::Invalid(vec![Problem::new(code).arg("unit", &e.unit_name)]));
    }
    let school_of: HashMap<i64, i64> = found.iter().map(|(c, s, _)| (*c, *s)).collect();
    let candidates: Vec<assign::Candidate> =
        found.into_iter().map(|(unit, _, stratum)| assign::Candidate { unit, stratum }).collect();
    let arms: Vec<assign::ArmRatio> =
        e.arms.iter().map(|a| assign::ArmRatio { arm: a.code.clone(), ratio: a.ratio as u32 }).collect();
    let drawn = assign::assign(&candidates, &arms, seed)
        .map_err(|err| Error::Invalid(vec![Problem::new("evaluation-draw").arg("reason", err)]))?;
    let rows: Vec<Assigned> = drawn
        .into_iter()
        .map(|a| Assigned { unit: a.unit, school: school_of[&a.unit], arm: e.arms[a.arm].id, stratum: a.stratum })
        .collect();
    save(db, actor, &e, &rows, Some(seed), depth, role).await?;
    get(db, actor, id).await
}

/// One unit of assignment in its arm: a school (then `school` is itself) or a person.
struct Assigned {
    unit: i64,
    school: i64,
    arm: i64,
    stratum: String,
}

/// The evaluators' own assignment, school by school or person by person; every row is
/// checked before any is written, and a school or person listed twice, or outside the
/// evaluation's unit or the actor's scope, is named.
pub async fn record(db: &Db, actor: &Actor, id: i64, input: &RecordInput) -> Result<Evaluation> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let e = get(db, actor, id).await?;
    assigned_already(&e)?;
    let path: String =
        on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(e.unit_id).fetch_one(p).await)?;
    let people = e.units == "people";
    let (listed, other) = if people { ("people", "schools") } else { ("schools", "people") };
    let mut problems = Vec::new();
    if !(if people { input.schools.is_empty() } else { input.people.is_empty() }) {
        problems.push(Problem::new("evaluation-units-listed").arg("units", listed).in_column(other));
    }
    // The candidates listed, by code (schools) or staff number (people, lower-cased), each
    // with its school: read once for the whole list, limited to the evaluation's unit (and
    // for people to the actor's scope and their current positions).
    let under: HashMap<String, (i64, i64)> = if people {
        let numbers: Vec<String> = input.people.iter().map(|r| r.person.trim().to_string()).collect();
        let ids = opencpd_registry::store::people_by_staff_number(db, &numbers).await?;
        let mut wanted: Vec<i64> = ids.values().copied().collect();
        wanted.sort_unstable();
        wanted.dedup();
        let scope = ListScope::of(actor).sql(Columns::path("x.path").person("x.person_id"));
        let mut school_of: HashMap<i64, i64> = HashMap::new();
        for chunk in wanted.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT x.person_id, MIN(x.school_id) FROM positions x JOIN schools s ON s.id = x.school_id \
                 WHERE x.person_id IN ({list}) AND s.unit_path >= $1 AND s.unit_path < $2 AND x.start_date <= $3 \
                   AND (x.end_date IS NULL OR x.end_date >= $3) AND {scope} GROUP BY x.person_id"
            );
            let rows: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(&path)
                .bind(opencpd_domain::access::upper_bound(&path))
                .bind(opencpd_kernel::today())
                .fetch_all(p)
                .await)?;
            school_of.extend(rows);
        }
        ids.into_iter().filter_map(|(number, id)| school_of.get(&id).map(|s| (number, (id, *s)))).collect()
    } else {
        let rows: Vec<(String, i64)> =
            on_db!(db, |p| sqlx::query_as("SELECT code, id FROM schools WHERE unit_path >= $1 AND unit_path < $2")
                .bind(&path)
                .bind(opencpd_domain::access::upper_bound(&path))
                .fetch_all(p)
                .await)?;
        rows.into_iter().map(|(code, id)| (code, (id, id))).collect()
    };
    let listed_rows: Vec<(&str, &str, String)> = if people {
        input.people.iter().map(|r| (r.person.as_str(), r.arm.as_str(), r.person.trim().to_lowercase())).collect()
    } else {
        input.schools.iter().map(|r| (r.school.as_str(), r.arm.as_str(), r.school.trim().to_string())).collect()
    };
    let (field, outside) =
        if people { ("person", "evaluation-person-outside") } else { ("school", "evaluation-school-outside") };
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, (given, arm, key)) in listed_rows.iter().enumerate() {
        let column = format!("{listed}[{i}]");
        let Some(arm) = e.arms.iter().find(|a| a.code == arm.trim()) else {
            let allowed: Vec<&str> = e.arms.iter().map(|a| a.code.as_str()).collect();
            problems.push(
                Problem::new("bad-choice")
                    .arg("value", *arm)
                    .arg("allowed", allowed.join(", "))
                    .in_column(format!("{column}.arm")),
            );
            continue;
        };
        match under.get(key) {
            Some(&(unit, school)) => {
                if !seen.insert(unit) {
                    problems.push(
                        Problem::new("duplicate-in-list").arg("value", *given).in_column(format!("{column}.{field}")),
                    );
                }
                rows.push(Assigned { unit, school, arm: arm.id, stratum: String::new() });
            }
            None => problems.push(
                Problem::new(outside)
                    .arg("value", *given)
                    .arg("unit", &e.unit_name)
                    .in_column(format!("{column}.{field}")),
            ),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        let code = if people { "evaluation-no-people" } else { "evaluation-no-schools" };
        problems.push(Problem::new(code).arg("unit", &e.unit_name).in_column(listed));
    }
    fail_if_any(problems)?;
    save(db, actor, &e, &rows, None, None, None).await?;
    get(db, actor, id).await
}

async fn save(
    db: &Db,
    actor: &Actor,
    e: &Evaluation,
    rows: &[Assigned],
    seed: Option<u64>,
    depth: Option<i64>,
    role: Option<&str>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    // Only the first of two assignments racing each other is kept.
    let claimed = on_tx!(&mut tx, |c| {
        sqlx::query(
            "UPDATE evaluations SET assigned_at = $2, seed = $3, strata_depth = $4, role = $5 \
             WHERE id = $1 AND assigned_at IS NULL",
        )
        .bind(e.id)
        .bind(chrono::Utc::now())
        .bind(seed.map(|s| s.to_string()))
        .bind(depth)
        .bind(role)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if claimed == 0 {
        return Err(Error::Conflict(Problem::new("evaluation-assigned").arg("at", "-").arg("seed", "-")));
    }
    let people = e.units == "people";
    for chunk in rows.chunks(400) {
        let mut sql = String::from(if people {
            "INSERT INTO evaluation_people (evaluation_id, person_id, arm_id, stratum, school_id) VALUES "
        } else {
            "INSERT INTO evaluation_schools (evaluation_id, school_id, arm_id, stratum) VALUES "
        });
        let width = if people { 5 } else { 4 };
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * width;
            let marks: Vec<String> = (1..=width).map(|k| format!("${}", b + k)).collect();
            sql.push_str(&format!("({})", marks.join(", ")));
        }
        on_tx!(&mut tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for r in chunk {
                q = q.bind(e.id).bind(r.unit).bind(r.arm).bind(&r.stratum);
                if people {
                    q = q.bind(r.school);
                }
            }
            q.execute(&mut *c).await.map(|_| ())
        })?;
    }
    let how = match seed {
        Some(s) => format!("drawn with seed {s}"),
        None => "recorded".to_string(),
    };
    let summary = format!("{}: {} {} assigned, {how}", e.code, rows.len(), e.units);
    audit::record::<(), _>(&mut tx, actor, "assign", "evaluation", &e.id.to_string(), &summary, None, Some(&summary))
        .await?;
    tx.commit().await
}

/// What an outcome query asks, checked.
struct Outcome {
    measure: String,
    subject_id: i64,
    grade_id: i64,
    /// For `indicator:<code>`: the indicator, as the engine stores it.
    indicator: Option<opencpd_indicators::model::Indicator>,
}

/// The prefix of an outcome that names an indicator of the engine.
const INDICATOR: &str = "indicator:";

/// An indicator asked for as an outcome: one the engine computes per school (it allows
/// the `school` disaggregation), or the problem naming `outcome`.
async fn indicator_outcome(db: &Db, code: &str) -> Result<opencpd_indicators::model::Indicator> {
    use opencpd_indicators::store::engine;
    let unknown =
        || Error::Invalid(vec![Problem::new("evaluation-indicator-unknown").arg("value", code).in_column("outcome")]);
    if code.is_empty() {
        return Err(unknown());
    }
    let indicator = match engine::indicator(db, code).await {
        Ok(i) => i,
        Err(Error::NotFound) => return Err(unknown()),
        Err(e) => return Err(e),
    };
    let def = engine::definition_of(&indicator)?;
    if def.allows("outcome", &["school"]).is_err() {
        return Err(Error::Invalid(vec![
            Problem::new("evaluation-indicator-not-per-school")
                .arg("indicator", code)
                .arg("allowed", def.disaggregations.join(", "))
                .in_column("outcome"),
        ]));
    }
    Ok(indicator)
}

async fn outcome(db: &Db, e: &Evaluation, q: &OutcomeQuery) -> Result<Outcome> {
    let people = e.units == "people";
    let asked = optional_text(&q.outcome).unwrap_or(if people { "practice" } else { "mean_score" });
    // A person's outcome is read from their own observations and tests; a school's from
    // its learners, its teachers' observations and the indicators.
    let of_people = ["practice", "test"].contains(&asked);
    let of_schools = asked != "test" && (asked.starts_with(INDICATOR) || OUTCOMES.contains(&asked));
    if people && !of_people && of_schools {
        return Err(Error::Invalid(vec![
            Problem::new("evaluation-outcome-of-schools").arg("value", asked).in_column("outcome"),
        ]));
    }
    if !people && asked == "test" {
        return Err(Error::Invalid(vec![
            Problem::new("evaluation-outcome-of-people").arg("value", asked).in_column("outcome"),
        ]));
    }
    if let Some(code) = asked.strip_prefix(INDICATOR) {
        // An indicator is the engine's, over the whole school: no subject or grade.
        let indicator = indicator_outcome(db, code.trim()).await?;
        return Ok(Outcome { measure: "indicator".into(), subject_id: 0, grade_id: 0, indicator: Some(indicator) });
    }
    let mut problems = Vec::new();
    let measure = match choice(asked, OUTCOMES) {
        Ok(m) => Some(m),
        Err(_) => {
            let allowed = format!("{}, {INDICATOR}<code>", OUTCOMES.join(", "));
            problems.push(Problem::new("bad-choice").arg("value", asked).arg("allowed", allowed).in_column("outcome"));
            None
        }
    };
    let subject = optional_text(&q.subject).unwrap_or("");
    if let Some(m @ ("practice" | "test")) = measure {
        // Read from observations and tests, not from a subject's learner outcomes.
        fail_if_any(problems)?;
        return Ok(Outcome { measure: m.into(), subject_id: 0, grade_id: 0, indicator: None });
    }
    let subject_id: Option<i64> = if subject.is_empty() {
        problems.push(Problem::new("required").in_column("subject"));
        None
    } else {
        let id = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM outcome_subjects WHERE code = $1")
            .bind(subject)
            .fetch_optional(p)
            .await)?;
        if id.is_none() {
            problems.push(Problem::new("unknown-subject").arg("value", subject).in_column("subject"));
        }
        id
    };
    let grade = optional_text(&q.grade);
    let grade_id = match grade {
        None => Some(0),
        Some(g) => {
            let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM outcome_grades WHERE code = $1")
                .bind(g)
                .fetch_optional(p)
                .await)?;
            if id.is_none() {
                problems.push(Problem::new("unknown-grade").arg("value", g).in_column("grade"));
            }
            id
        }
    };
    fail_if_any(problems)?;
    Ok(Outcome {
        measure: measure.unwrap_or_default().to_string(),
        subject_id: subject_id.unwrap_or_default(),
        grade_id: grade_id.unwrap_or_default(),
        indicator: None,
    })
}

/// The analysis data set: one row per school and round with data, the outcome in percent
/// (the mean score over the subject's maximum, or the share proficient or advanced),
/// weighted by the learners assessed over grades and sexes; groups of learners are not
/// split (the rows for all learners are read). An indicator's rows are the engine's values
/// per school, in the indicator's own unit.
///
/// For a reader without row-level rights, a row resting on fewer learners than the small
/// cell threshold is a small cell: [`Shown::cell`] says so, and what reads the rows out
/// leaves its outcome and count out (`domain::suppression`).
pub async fn dataset(db: &Db, actor: &Actor, id: i64, q: &OutcomeQuery) -> Result<(Evaluation, Vec<DataRow>, Shown)> {
    let e = get(db, actor, id).await?;
    if e.units == "people" {
        // One row per person: their own scores, for row-level readers only.
        actor.require_role(Action::ReadRows)?;
    }
    let o = outcome(db, &e, q).await?;
    let rows = rows_of(db, actor, &e, &o).await?;
    let shown = Shown {
        threshold: opencpd_kernel::settings::small_cell_threshold(db).await?,
        suppressed: !actor.may(Action::ReadRows),
    };
    Ok((e, rows, shown))
}

/// How the rows of a data set are shown to its reader.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    pub threshold: i64,
    /// The reader has no row-level rights: small cells are hidden.
    pub suppressed: bool,
}

impl Shown {
    /// Whether a row resting on `assessed` is shown, or hidden as a small cell.
    pub fn cell(self, assessed: i64) -> opencpd_domain::suppression::Cell {
        if self.suppressed {
            opencpd_domain::suppression::single(assessed, self.threshold)
        } else {
            opencpd_domain::suppression::Cell::Shown
        }
    }
}

/// A school's row of the data set as read: the school (id, code, name), its stratum and
/// arm, the round (code, kind), the outcome and the learners it rests on.
type SchoolRaw = (i64, String, String, String, String, String, String, f64, i64);

fn school_rows(raw: Vec<SchoolRaw>) -> Vec<DataRow> {
    raw.into_iter()
        .map(|(school_id, school_code, school_name, stratum, arm, round, kind, y, assessed)| DataRow {
            person_id: None,
            staff_number: None,
            school_id,
            school_code,
            school_name,
            stratum,
            arm,
            round,
            post: kind != "baseline",
            y,
            assessed,
        })
        .collect()
}

async fn rows_of(db: &Db, actor: &Actor, e: &Evaluation, o: &Outcome) -> Result<Vec<DataRow>> {
    if e.units == "people" {
        let kind = if o.measure == "test" { "test" } else { "observation" };
        return person_rows(db, e, kind).await;
    }
    if o.measure == "practice" {
        return practice(db, e).await;
    }
    if let Some(indicator) = &o.indicator {
        return indicator_rows(db, actor, e, &indicator.code).await;
    }
    if o.measure == "mean_score" && o.grade_id == 0 {
        return school_totals_rows(db, e, o).await;
    }
    let value = match o.measure.as_str() {
        "proficient" => {
            "CAST(100.0 * SUM(COALESCE(lo.proficient, 0) + COALESCE(lo.advanced, 0)) / SUM(lo.assessed) AS DOUBLE PRECISION)".to_string()
        }
        // Summed in the rows' order: a sum of reals in whatever order a plan reads them can
        // differ in its last bits from one read to the next (PostgreSQL plans again once
        // it has analysed the tables), and an estimate must be the same each time.
        _ => "CAST(100.0 * SUM(lo.mean_score * lo.assessed ORDER BY lo.id) / SUM(lo.assessed) / MAX(sub.max_score) AS DOUBLE PRECISION)".to_string(),
    };
    let measured = match o.measure.as_str() {
        "proficient" => "lo.proficient IS NOT NULL",
        _ => "lo.mean_score IS NOT NULL",
    };
    let sql = format!(
        "SELECT s.id, s.code, s.name, es.stratum, a.code, r.code, r.kind, {value}, CAST(SUM(lo.assessed) AS BIGINT) \
         FROM evaluation_schools es \
         JOIN schools s ON s.id = es.school_id \
         JOIN evaluation_arms a ON a.id = es.arm_id \
         JOIN evaluation_rounds r ON r.evaluation_id = es.evaluation_id \
         JOIN learner_outcomes lo ON lo.school_id = es.school_id AND lo.year = r.year AND lo.term = r.term \
         JOIN outcome_subjects sub ON sub.id = lo.subject_id \
         WHERE es.evaluation_id = $1 AND lo.subject_id = $2 AND ($3 = 0 OR lo.grade_id = $3) AND lo.group_id = 0 \
           AND lo.assessed > 0 AND {measured} \
         GROUP BY s.id, s.code, s.name, es.stratum, a.code, r.code, r.kind, r.position \
         ORDER BY s.code, r.position"
    );
    let raw: Vec<SchoolRaw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(e.id)
        .bind(o.subject_id)
        .bind(o.grade_id)
        .fetch_all(p)
        .await)?;
    Ok(school_rows(raw))
}

/// The mean score of every grade of a subject, read from the schools' totals the
/// indicators area keeps at each commit (`school_outcome_totals`: a row per school, year,
/// term and subject, with the learners assessed in rows with a mean score and the sum of
/// mean score × assessed over them), so an estimate over every school of a country reads
/// a row per school and round instead of every grade's and sex's; the same figure as
/// [`rows_of`] computes from the rows for a grade.
async fn school_totals_rows(db: &Db, e: &Evaluation, o: &Outcome) -> Result<Vec<DataRow>> {
    let raw: Vec<SchoolRaw> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.id, s.code, s.name, es.stratum, a.code, r.code, r.kind, \
                CAST(100.0 * t.score_sum / t.scored / sub.max_score AS DOUBLE PRECISION), t.scored \
         FROM evaluation_schools es \
         JOIN schools s ON s.id = es.school_id \
         JOIN evaluation_arms a ON a.id = es.arm_id \
         JOIN evaluation_rounds r ON r.evaluation_id = es.evaluation_id \
         JOIN school_outcome_totals t ON t.school_id = es.school_id AND t.year = r.year AND t.term = r.term \
         JOIN outcome_subjects sub ON sub.id = t.subject_id \
         WHERE es.evaluation_id = $1 AND t.subject_id = $2 AND t.scored > 0 \
         ORDER BY s.code, r.position"
    )
    .bind(e.id)
    .bind(o.subject_id)
    .fetch_all(p)
    .await)?;
    Ok(school_rows(raw))
}

/// An indicator as the outcome: the engine's value at each assigned school in each round
/// (the round's year, and its term for an indicator split by term), its count the
/// indicator's denominator (its numerator when it has none).
async fn indicator_rows(db: &Db, actor: &Actor, e: &Evaluation, code: &str) -> Result<Vec<DataRow>> {
    let assigned: Vec<(i64, String, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT s.id, s.code, s.name, es.stratum, a.code FROM evaluation_schools es \
         JOIN schools s ON s.id = es.school_id JOIN evaluation_arms a ON a.id = es.arm_id \
         WHERE es.evaluation_id = $1 ORDER BY s.code"
    )
    .bind(e.id)
    .fetch_all(p)
    .await)?;
    let mut values: Vec<HashMap<String, opencpd_indicators::model::SchoolValue>> = Vec::new();
    for r in &e.rounds {
        let place = opencpd_indicators::model::Place::Unit(e.unit_id);
        let at =
            opencpd_indicators::store::engine::by_school(db, actor, code, place, r.year, r.term, "outcome").await?;
        values.push(at.into_iter().map(|v| (v.school.clone(), v)).collect());
    }
    let mut rows = Vec::new();
    for (school_id, school_code, school_name, stratum, arm) in assigned {
        for (r, round) in e.rounds.iter().enumerate() {
            let Some(v) = values[r].get(&school_code) else { continue };
            rows.push(DataRow {
                person_id: None,
                staff_number: None,
                school_id,
                school_code: school_code.clone(),
                school_name: school_name.clone(),
                stratum: stratum.clone(),
                arm: arm.clone(),
                round: round.code.clone(),
                post: round.post,
                y: v.value,
                assessed: v.denominator.unwrap_or(v.numerator).round() as i64,
            });
        }
    }
    Ok(rows)
}

/// Why an estimate of `outcome` (as asked) is not given, as a problem the reader can act on.
fn refused(r: did::Refusal, outcome: &str, measure: &str, e: &Evaluation) -> Error {
    let people = e.units == "people";
    let p = match &r {
        // Observations and tests are read by the round's dates, learner outcomes by its year.
        did::Refusal::RoundWithoutData { round } if measure == "practice" || measure == "test" => {
            let dates = e.rounds.iter().find(|r| &r.code == round).map(|r| (r.starts_on, r.ends_on));
            let (starts, ends) = dates.map_or((String::new(), String::new()), |(s, e)| (s.to_string(), e.to_string()));
            Problem::new("evaluation-round-empty-dated").arg("round", round).arg("starts", starts).arg("ends", ends)
        }
        did::Refusal::RoundWithoutData { round } => Problem::new("evaluation-round-empty").arg("round", round),
        // The outcome asked for is the parameter to change.
        did::Refusal::NoVariance { value } => {
            Problem::new("evaluation-no-variance").arg("value", value).arg("outcome", outcome).in_column("outcome")
        }
        did::Refusal::TooFewClusters { found, needed } => {
            let code = if people { "evaluation-few-people" } else { "evaluation-few-clusters" };
            Problem::new(code).arg("found", found).arg("needed", needed).arg("outcome", outcome)
        }
        did::Refusal::TooFewClustersInArm { arm, found, needed } => {
            let code = if people { "evaluation-few-people-in-arm" } else { "evaluation-few-in-arm" };
            Problem::new(code).arg("arm", arm).arg("found", found).arg("needed", needed).arg("outcome", outcome)
        }
        did::Refusal::NoComparison { arm } | did::Refusal::ArmWithoutUnits { arm } => {
            let code = if people { "evaluation-arm-without-people" } else { "evaluation-arm-empty" };
            Problem::new(code).arg("arm", arm)
        }
        other => Problem::new("evaluation-refused").arg("reason", other),
    };
    Error::Invalid(vec![p])
}

/// The impact estimate of an outcome: difference-in-differences with school and round
/// effects, CR1 errors clustered by school, and with fewer than 40 schools the wild
/// cluster bootstrap interval of each effect.
pub async fn estimate(db: &Db, actor: &Actor, id: i64, q: &OutcomeQuery, lang: &str) -> Result<ImpactReport> {
    let spec = match optional_text(&q.spec).unwrap_or("pooled") {
        "pooled" => did::Spec::Pooled,
        "event_study" => did::Spec::EventStudy,
        other => {
            return Err(Error::Invalid(vec![
                Problem::new("bad-choice").arg("value", other).arg("allowed", "pooled, event_study").in_column("spec"),
            ]));
        }
    };
    let seed: u64 = match optional_text(&q.seed) {
        Some(s) => {
            s.parse().map_err(|_| Error::Invalid(vec![Problem::new("bad-number").arg("value", s).in_column("seed")]))?
        }
        None => id as u64,
    };
    let e = get(db, actor, id).await?;
    let o = outcome(db, &e, q).await?;
    let rows = rows_of(db, actor, &e, &o).await?;
    if e.assigned_at.is_none() {
        return Err(Error::Invalid(vec![Problem::new("evaluation-unassigned")]));
    }
    let design = did::Design {
        rounds: e.rounds.iter().map(|r| did::Round { name: r.code.clone(), post: r.post }).collect(),
        arms: e.arms.iter().map(|a| a.code.clone()).collect(),
        comparison: e.arms.iter().position(|a| a.comparison).unwrap_or(0),
        assignment: if e.assignment == "randomised" {
            did::Assignment::Randomised
        } else {
            did::Assignment::Observational
        },
    };
    let round_of: HashMap<&str, usize> = e.rounds.iter().enumerate().map(|(i, r)| (r.code.as_str(), i)).collect();
    let arm_of: HashMap<&str, usize> = e.arms.iter().enumerate().map(|(i, a)| (a.code.as_str(), i)).collect();
    let observations: Vec<did::Observation> = rows
        .iter()
        .map(|r| did::Observation {
            // A person, or a school: the unit of assignment, which the errors are
            // clustered by.
            unit: r.person_id.unwrap_or(r.school_id),
            cluster: r.person_id.unwrap_or(r.school_id),
            round: round_of[r.round.as_str()],
            arm: arm_of[r.arm.as_str()],
            y: r.y,
        })
        .collect();
    let correction = match optional_text(&q.correction).unwrap_or("every_column") {
        "every_column" => did::Correction::EveryColumn,
        "nested" => did::Correction::NestedNotCounted,
        other => {
            return Err(Error::Invalid(vec![
                Problem::new("bad-choice")
                    .arg("value", other)
                    .arg("allowed", "every_column, nested")
                    .in_column("correction"),
            ]));
        }
    };
    let asked = optional_text(&q.outcome).unwrap_or(o.measure.as_str());
    let model = did::Model::new(&design, &observations, spec)
        .map_err(|r| refused(r, asked, &o.measure, &e))?
        .with_correction(correction);
    let fit = model.fit();
    let mut boot = Vec::new();
    if fit.few_clusters() && spec == did::Spec::Pooled {
        for (i, c) in fit.coefficients.iter().enumerate() {
            let w = bootstrap::wild_cluster_interval(&model, i, bootstrap::DRAWS, seed, did::LEVEL)
                .map_err(|err| Error::Invalid(vec![Problem::new("evaluation-refused").arg("reason", err)]))?;
            boot.push(BootstrapInterval {
                arm: c.term.arm_name.clone(),
                low: w.low,
                high: w.high,
                p_value: w.p_value,
                draws: w.draws as i64,
                seed: w.seed.to_string(),
                coarse: w.coarse,
            });
        }
    }
    let catalog = opencpd_domain::i18n::catalog();
    let caveats = fit
        .caveats
        .iter()
        .map(|c| match c {
            did::Caveat::Randomised if e.units == "people" => {
                catalog.text(lang, "evaluation-caveat-randomised-people", &[])
            }
            did::Caveat::Observational if e.units == "people" => {
                catalog.text(lang, "evaluation-caveat-observational-people", &[])
            }
            did::Caveat::Randomised => catalog.text(lang, "evaluation-caveat-randomised", &[]),
            did::Caveat::Observational => catalog.text(lang, "evaluation-caveat-observational", &[]),
            did::Caveat::FewClusters { clusters } => {
                let id =
                    if e.units == "people" { "evaluation-caveat-few-people" } else { "evaluation-caveat-few-clusters" };
                catalog.text(lang, id, &[("clusters", clusters.to_string())])
            }
        })
        .chain((e.units == "people").then(|| catalog.text(lang, "evaluation-caveat-people-clusters", &[])))
        .collect();
    let outcome = match &o.indicator {
        Some(i) => catalog.text(
            lang,
            "evaluation-outcome-indicator",
            &[("name", if lang == "fr" { i.name_fr.clone() } else { i.name_en.clone() }), ("code", i.code.clone())],
        ),
        None => {
            let measure = catalog.text(lang, &format!("evaluation-outcome-{}", o.measure), &[]);
            match optional_text(&q.grade) {
                _ if o.measure == "practice" || o.measure == "test" => measure,
                Some(g) => format!("{measure} · {} · {g}", optional_text(&q.subject).unwrap_or("")),
                None => format!("{measure} · {}", optional_text(&q.subject).unwrap_or("")),
            }
        }
    };
    Ok(ImpactReport {
        evaluation: e.code.clone(),
        outcome,
        spec: match spec {
            did::Spec::Pooled => "pooled".into(),
            did::Spec::EventStudy => "event_study".into(),
        },
        observations: fit.observations as i64,
        clusters: fit.clusters as i64,
        units: e.units.clone(),
        parameters: fit.parameters as i64,
        df: fit.df as i64,
        small_sample_factor: fit.small_sample_factor,
        correction: match correction {
            did::Correction::EveryColumn => "every_column".into(),
            did::Correction::NestedNotCounted => "nested".into(),
        },
        level: fit.level,
        coefficients: fit.coefficients.iter().map(Coefficient::of).collect(),
        per_arm: fit
            .per_arm
            .iter()
            .map(|a| {
                let (schools, people) = if e.units == "people" { (0, a.units as i64) } else { (a.units as i64, 0) };
                ArmCount { arm: a.arm.clone(), schools, people, observations: a.observations as i64 }
            })
            .collect(),
        reference_round: fit.reference_round.map(|r| e.rounds[r].code.clone()),
        caveats,
        bootstrap: boot,
    })
}

/// The indicators an outcome can be (those the engine computes per school), as (code, name
/// in `lang`), for the pages.
pub async fn indicator_choices(db: &Db, lang: &str) -> Result<Vec<(String, String)>> {
    use opencpd_indicators::store::engine;
    let mut out = Vec::new();
    for i in engine::indicators(db).await? {
        if engine::definition_of(&i).is_ok_and(|d| d.allows("outcome", &["school"]).is_ok()) {
            out.push((i.code.clone(), if lang == "fr" { i.name_fr } else { i.name_en }));
        }
    }
    Ok(out)
}

/// The subjects and grades an outcome can be asked for, as (code, name), for the pages.
pub async fn outcome_choices(db: &Db) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let subjects =
        on_db!(db, |p| sqlx::query_as("SELECT code, name FROM outcome_subjects ORDER BY code").fetch_all(p).await)?;
    let grades =
        on_db!(db, |p| sqlx::query_as("SELECT code, name FROM outcome_grades ORDER BY position").fetch_all(p).await)?;
    Ok((subjects, grades))
}

pub mod kirkpatrick;
pub mod needs;
pub mod practice;

/// One domain of a submission's `scores_json` (as `opencpd_forms::score` writes it).
#[derive(serde::Deserialize)]
pub(crate) struct DomainScore {
    pub domain: String,
    pub score: f64,
    pub max: f64,
}

/// A submission's scores per domain (none when they do not read).
pub(crate) fn domain_scores(scores_json: &str) -> Vec<DomainScore> {
    serde_json::from_str(scores_json).unwrap_or_default()
}

/// A submission's total score as a percent of its maximum (none when nothing scored).
pub(crate) fn percent(scores_json: &str) -> Option<f64> {
    let scores = domain_scores(scores_json);
    let (score, max) = scores.iter().fold((0.0, 0.0), |(s, m), d| (s + d.score, m + d.max));
    (max > 0.0).then(|| 100.0 * score / max)
}

/// The rounds as observations and tests are read into them: each round's days and the
/// instruments of the kind read that it lists.
struct Windows(Vec<(chrono::NaiveDate, chrono::NaiveDate, std::collections::HashSet<String>)>);

impl Windows {
    /// The rounds of `e` for submissions of instruments of `kind`.
    async fn of(db: &Db, e: &Evaluation, kind: &str) -> Result<Windows> {
        let of_kind: Vec<String> =
            on_db!(db, |p| sqlx::query_scalar("SELECT DISTINCT code FROM instruments WHERE kind = $1")
                .bind(kind)
                .fetch_all(p)
                .await)?;
        Ok(Windows(
            e.rounds
                .iter()
                .map(|r| {
                    let used = r.instruments.iter().filter(|c| of_kind.contains(c)).cloned().collect();
                    (r.starts_on, r.ends_on, used)
                })
                .collect(),
        ))
    }

    /// The round a submission of `instrument` collected at `at` (its day in UTC) is read
    /// into: the first whose days hold it and that lists the instrument, or lists none of
    /// its kind.
    fn round(&self, at: chrono::DateTime<chrono::Utc>, instrument: &str) -> Option<usize> {
        let day = at.date_naive();
        self.0.iter().position(|(starts, ends, used)| {
            *starts <= day && day <= *ends && (used.is_empty() || used.contains(instrument))
        })
    }
}

/// Practice in the classroom as an outcome: the mean observation score (percent of the
/// maximum) of each school in each round, over the observations collected within the
/// round's dates (of the instruments it uses), about the school or about anyone who held
/// a position there.
async fn practice(db: &Db, e: &Evaluation) -> Result<Vec<DataRow>> {
    type Raw = (i64, String, String, String, String, String, chrono::DateTime<chrono::Utc>, String);
    let rows: Vec<Raw> = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT es.school_id, s.code, s.name, es.stratum, a.code, i.code, sub.collected_at, sub.scores_json \
         FROM evaluation_schools es \
         JOIN schools s ON s.id = es.school_id \
         JOIN evaluation_arms a ON a.id = es.arm_id \
         JOIN submissions sub ON (sub.subject_kind = 'school' AND sub.subject_id = es.school_id) \
           OR (sub.subject_kind = 'person' AND sub.subject_id IN (SELECT x.person_id FROM positions x WHERE x.school_id = es.school_id)) \
         JOIN instruments i ON i.id = sub.instrument_id \
         WHERE es.evaluation_id = $1 AND i.kind = 'observation'"
    )
    .bind(e.id)
    .fetch_all(p)
    .await
    })?;
    // (school, round) → the school's names, stratum, arm and the scores.
    type Key = (i64, usize);
    let mut cells: std::collections::BTreeMap<Key, (String, String, String, String, Vec<f64>)> =
        std::collections::BTreeMap::new();
    let windows = Windows::of(db, e, "observation").await?;
    for (school, code, name, stratum, arm, instrument, collected_at, scores) in rows {
        let Some(round) = windows.round(collected_at, &instrument) else { continue };
        let Some(p) = percent(&scores) else { continue };
        cells.entry((school, round)).or_insert_with(|| (code, name, stratum, arm, Vec::new())).4.push(p);
    }
    Ok(cells
        .into_iter()
        .map(|((school_id, round), (school_code, school_name, stratum, arm, values))| DataRow {
            person_id: None,
            staff_number: None,
            school_id,
            school_code,
            school_name,
            stratum,
            arm,
            round: e.rounds[round].code.clone(),
            post: e.rounds[round].post,
            y: values.iter().sum::<f64>() / values.len() as f64,
            assessed: values.len() as i64,
        })
        .collect())
}

/// Outcomes of people: each assigned person's mean score (percent of the maximum) over the
/// submissions of `kind` (`observation` or `test`) about them collected within each
/// round's dates (of the instruments it uses); their school is the one they were assigned
/// at.
async fn person_rows(db: &Db, e: &Evaluation, kind: &str) -> Result<Vec<DataRow>> {
    type Raw =
        (i64, Option<String>, i64, String, String, String, String, String, chrono::DateTime<chrono::Utc>, String);
    let rows: Vec<Raw> = on_db!(db, |p| sqlx::query_as(
        "SELECT ep.person_id, pe.staff_number, s.id, s.code, s.name, ep.stratum, a.code, \
         i.code, sub.collected_at, sub.scores_json \
         FROM evaluation_people ep \
         JOIN people pe ON pe.id = ep.person_id \
         JOIN schools s ON s.id = ep.school_id \
         JOIN evaluation_arms a ON a.id = ep.arm_id \
         JOIN submissions sub ON sub.subject_kind = 'person' AND sub.subject_id = ep.person_id \
         JOIN instruments i ON i.id = sub.instrument_id \
         WHERE ep.evaluation_id = $1 AND i.kind = $2"
    )
    .bind(e.id)
    .bind(kind)
    .fetch_all(p)
    .await)?;
    type Cell = (Option<String>, i64, String, String, String, String, Vec<f64>);
    let mut cells: std::collections::BTreeMap<(i64, usize), Cell> = std::collections::BTreeMap::new();
    let windows = Windows::of(db, e, kind).await?;
    for (person, staff, school, code, name, stratum, arm, instrument, collected_at, scores) in rows {
        let Some(round) = windows.round(collected_at, &instrument) else { continue };
        let Some(p) = percent(&scores) else { continue };
        cells.entry((person, round)).or_insert_with(|| (staff, school, code, name, stratum, arm, Vec::new())).6.push(p);
    }
    Ok(cells
        .into_iter()
        .map(|((person, round), (staff_number, school_id, school_code, school_name, stratum, arm, values))| DataRow {
            person_id: Some(person),
            staff_number,
            school_id,
            school_code,
            school_name,
            stratum,
            arm,
            round: e.rounds[round].code.clone(),
            post: e.rounds[round].post,
            y: values.iter().sum::<f64>() / values.len() as f64,
            assessed: values.len() as i64,
        })
        .collect())
}
