//! School improvement plans: a school's plan for a year, written whole by the school's
//! leader (`Action::EditSchoolPlan`) and read by everyone whose scope reaches the school.
//! Each priority names an indicator of the engine ([`super::engine`]); its baseline is
//! read from the data when the priority is set, and its value now is read live, year by
//! year, when the plan is read. A plan carries a version: an edit names the version it
//! was made on, and one made on an older version is a conflict.
//!
//! Sign-off ([`step`]): the leader submits, an officer over the school
//! (`Action::SignOffSchoolPlan`) approves or returns with a reason, as
//! `opencpd_domain::indicators::plan` rules; what an edit does to a submitted or approved
//! plan is ruled there too (`after_edit`). Every version's content is kept as saved, and
//! every step, in `school_plan_history` ([`versions`], `Plan::history`).

use crate::model::{
    Place, Plan, PlanAction, PlanActionInput, PlanEvent, PlanInput, PlanPoint, PlanPriority, PlanStepInput,
    PlanSummary, PlanVersion, PriorityInput, Question, VersionAction, VersionPriority,
};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::indicators::plan::{ActionStatus, PlanState, PlanStep, Refusal, Standing, after_edit, progress};
use opencpd_domain::registry::{parse_date, parse_name};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};

/// The school's name and unit path, or "not found".
async fn school(db: &Db, school_id: i64) -> Result<(String, String)> {
    on_db!(db, |p| sqlx::query_as("SELECT name, unit_path FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_optional(p)
        .await)?
    .ok_or(Error::NotFound)
}

/// The school's plans, newest year first.
pub async fn list(db: &Db, actor: &Actor, school_id: i64) -> Result<Vec<PlanSummary>> {
    let (_, unit_path) = school(db, school_id).await?;
    actor.require(Action::Read, &Target::School { id: school_id, unit_path: &unit_path })?;
    let rows: Vec<(i64, String, i64, String, i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT p.year, p.title, p.version, p.state, \
         (SELECT COUNT(*) FROM school_plan_priorities x WHERE x.plan_id = p.id), \
         (SELECT COUNT(*) FROM school_plan_actions a WHERE a.plan_id = p.id) \
         FROM school_plans p WHERE p.school_id = $1 ORDER BY p.year DESC"
    )
    .bind(school_id)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(year, title, version, state, priorities, actions)| PlanSummary {
            year,
            title,
            version,
            state,
            priorities,
            actions,
        })
        .collect())
}

/// The indicator's value for the school in a year, as the reader may see it.
async fn value(db: &Db, actor: &Actor, indicator: &str, school_id: i64, year: i64) -> Result<Option<f64>> {
    let question = Question { place: Place::School(school_id), year, by: Vec::new() };
    Ok(super::engine::answer(db, actor, indicator, &question).await?.total.value)
}

/// A school's plan for a year, each priority's indicator read from the data now.
pub async fn get(db: &Db, actor: &Actor, school_id: i64, year: i64) -> Result<Plan> {
    let (name, unit_path) = school(db, school_id).await?;
    let target = Target::School { id: school_id, unit_path: &unit_path };
    actor.require(Action::Read, &target)?;
    type Head = (i64, String, i64, String, String, String, Option<i64>);
    let plan: Option<Head> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, title, version, updated_at, updated_by, state, approved_version FROM school_plans \
         WHERE school_id = $1 AND year = $2"
    )
    .bind(school_id)
    .bind(year)
    .fetch_optional(p)
    .await)?;
    let (id, title, version, updated_at, updated_by, state, approved_version) = plan.ok_or(Error::NotFound)?;
    type PriorityRow = (i64, String, String, String, String, i64, Option<f64>, f64, String);
    let rows: Vec<PriorityRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT x.position, x.title, i.code, i.name_en, i.name_fr, x.baseline_year, x.baseline, x.target, x.due_on \
         FROM school_plan_priorities x JOIN indicators i ON i.id = x.indicator_id \
         WHERE x.plan_id = $1 ORDER BY x.position"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let mut priorities = Vec::with_capacity(rows.len());
    for (position, title, code, name_en, name_fr, baseline_year, baseline, target, due_on) in rows {
        let last = due_on.get(..4).and_then(|y| y.parse::<i64>().ok()).unwrap_or(year).max(baseline_year);
        let mut series = Vec::new();
        for y in baseline_year..=last.min(baseline_year + 10) {
            series.push(PlanPoint { year: y, value: value(db, actor, &code, school_id, y).await? });
        }
        let latest = series.iter().rev().find_map(|p| p.value.map(|v| (p.year, v)));
        let indicator_name = if actor.language == "fr" { name_fr } else { name_en };
        priorities.push(PlanPriority {
            position,
            title,
            indicator: code,
            indicator_name,
            baseline_year,
            baseline,
            target,
            due_on,
            now_year: latest.map(|l| l.0),
            now: latest.map(|l| l.1),
            progress: progress(baseline, latest.map(|l| l.1), target),
            series,
        });
    }
    type ActionRow = (i64, Option<i64>, String, i64, String, String, String, String, String);
    let rows: Vec<ActionRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.position, a.priority, a.title, a.owner_id, pe.given_name, pe.family_name, a.due_on, a.status, \
         a.review_note FROM school_plan_actions a JOIN people pe ON pe.id = a.owner_id \
         WHERE a.plan_id = $1 ORDER BY a.position"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let actions = rows
        .into_iter()
        .map(|(position, priority, title, owner_id, given, family, due_on, status, review_note)| PlanAction {
            position,
            priority,
            title,
            owner_id,
            owner: format!("{given} {family}"),
            due_on,
            status,
            review_note,
        })
        .collect();
    let history: Vec<(i64, String, String, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT version, event, state, reason, at, by_name FROM school_plan_history WHERE plan_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let history = history
        .into_iter()
        .map(|(version, event, state, reason, at, by)| PlanEvent { version, event, state, reason, at, by })
        .collect();
    let who = standing(actor, &target);
    let now = PlanState::parse(&state).map_err(|p| Error::Other(anyhow::anyhow!("stored state: {p}")))?;
    let may = |s: PlanStep| opencpd_domain::indicators::plan::step(now, s, who, Some("-")).is_ok();
    Ok(Plan {
        school_id,
        school: name,
        year,
        title,
        version,
        updated_at,
        updated_by,
        state,
        approved_version,
        priorities,
        actions,
        editable: who.writes && after_edit(now, true).is_ok(),
        may_submit: may(PlanStep::Submit),
        may_sign_off: may(PlanStep::Approve),
        history,
    })
}

/// What the actor may do at the school: write its plan, sign plans off.
fn standing(actor: &Actor, target: &Target<'_>) -> Standing {
    Standing {
        writes: actor.allows(Action::EditSchoolPlan, target),
        signs_off: actor.allows(Action::SignOffSchoolPlan, target),
    }
}

fn refused(r: Refusal) -> Error {
    match r {
        Refusal::NotYours => Error::Forbidden,
        Refusal::State(p) => Error::Conflict(p),
        Refusal::Invalid(p) => Error::Invalid(vec![p]),
    }
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A plan's content as stored now, read in the transaction: its priorities and actions.
async fn content(tx: &mut Tx, plan_id: i64) -> Result<(Vec<VersionPriority>, Vec<VersionAction>)> {
    let rows: Vec<(String, String, i64, f64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT x.title, i.code, x.baseline_year, x.target, x.due_on FROM school_plan_priorities x \
         JOIN indicators i ON i.id = x.indicator_id WHERE x.plan_id = $1 ORDER BY x.position"
    )
    .bind(plan_id)
    .fetch_all(&mut *c)
    .await)?;
    let priorities = rows
        .into_iter()
        .map(|(title, indicator, baseline_year, target, due_on)| VersionPriority {
            title,
            indicator,
            baseline_year,
            target,
            due_on,
        })
        .collect();
    type Row = (String, Option<i64>, i64, String, String, String, String, String);
    let rows: Vec<Row> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT a.title, a.priority, a.owner_id, pe.given_name, pe.family_name, a.due_on, a.status, a.review_note \
         FROM school_plan_actions a JOIN people pe ON pe.id = a.owner_id WHERE a.plan_id = $1 ORDER BY a.position"
    )
    .bind(plan_id)
    .fetch_all(&mut *c)
    .await)?;
    let actions = rows
        .into_iter()
        .map(|(title, priority, owner_id, given, family, due_on, status, review_note)| VersionAction {
            title,
            priority,
            owner_id,
            owner: format!("{given} {family}"),
            due_on,
            status,
            review_note,
        })
        .collect();
    Ok((priorities, actions))
}

/// An action as signed: title, priority, owner, due date.
type ActionCommitment = (String, Option<i64>, i64, String);

/// What was signed: the content without the review (actions' statuses and notes).
fn commitments(
    title: &str,
    priorities: &[VersionPriority],
    actions: &[VersionAction],
) -> (String, Vec<VersionPriority>, Vec<ActionCommitment>) {
    (
        title.to_string(),
        priorities.to_vec(),
        actions.iter().map(|a| (a.title.clone(), a.priority, a.owner_id, a.due_on.clone())).collect(),
    )
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Snapshot {
    title: String,
    priorities: Vec<VersionPriority>,
    actions: Vec<VersionAction>,
}

/// One row of a plan's history.
struct Event<'a> {
    version: i64,
    event: &'a str,
    state: PlanState,
    reason: &'a str,
    snapshot: Option<String>,
}

async fn add_event(tx: &mut Tx, actor: &Actor, plan_id: i64, e: Event<'_>) -> Result<()> {
    let Event { version, event, state, reason, snapshot } = e;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO school_plan_history (plan_id, version, event, state, reason, snapshot, at, by_user, by_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(plan_id)
    .bind(version)
    .bind(event)
    .bind(state.key())
    .bind(reason)
    .bind(snapshot)
    .bind(stamp())
    .bind(&actor.username)
    .bind(&actor.display_name)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a step of a plan's sign-off on the version the actor read: the leader submits,
/// an officer over the school approves or returns it with a reason. Refused as the domain
/// rules say (403 not theirs, 409 not from this state or an older version, 422 a return
/// without reason); kept in the history and audited. Answers the plan as now stored.
pub async fn step(
    db: &Db,
    actor: &Actor,
    school_id: i64,
    year: i64,
    step: PlanStep,
    input: &PlanStepInput,
) -> Result<Plan> {
    let (school_name, unit_path) = school(db, school_id).await?;
    let target = Target::School { id: school_id, unit_path: &unit_path };
    actor.require(Action::Read, &target)?;
    let who = standing(actor, &target);
    let mut tx = db.begin().await?;
    let held: Option<(i64, i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT id, version, state FROM school_plans WHERE school_id = $1 AND year = $2"
    )
    .bind(school_id)
    .bind(year)
    .fetch_optional(&mut *c)
    .await)?;
    let (id, version, state) = held.ok_or(Error::NotFound)?;
    let state = PlanState::parse(&state).map_err(|p| Error::Other(anyhow::anyhow!("stored state: {p}")))?;
    let next = opencpd_domain::indicators::plan::step(state, step, who, input.reason.as_deref()).map_err(refused)?;
    if input.version != version {
        return Err(opencpd_kernel::error::stale(input.version, version));
    }
    let reason = if step == PlanStep::Return { input.reason.as_deref().unwrap_or("").trim() } else { "" };
    let updated = on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE school_plans SET state = $1, \
         approved_version = CASE WHEN $2 THEN version ELSE approved_version END \
         WHERE id = $3 AND version = $4 AND state = $5"
    )
    .bind(next.key())
    .bind(next == PlanState::Approved)
    .bind(id)
    .bind(version)
    .bind(state.key())
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Err(opencpd_kernel::error::stale(input.version, version + 1));
    }
    add_event(&mut tx, actor, id, Event { version, event: next.key(), state: next, reason, snapshot: None }).await?;
    audit::record(
        &mut tx,
        actor,
        step.key(),
        "school_plans",
        &id.to_string(),
        &format!("plan {year} of {school_name}, version {version}"),
        Some(&serde_json::json!({ "state": state.key() })),
        Some(&serde_json::json!({ "state": next.key(), "reason": reason })),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, school_id, year).await
}

/// Every version of a school's plan for a year as it was saved, oldest first (versions
/// saved before versions were kept are not listed).
pub async fn versions(db: &Db, actor: &Actor, school_id: i64, year: i64) -> Result<Vec<PlanVersion>> {
    let (_, unit_path) = school(db, school_id).await?;
    actor.require(Action::Read, &Target::School { id: school_id, unit_path: &unit_path })?;
    let rows: Vec<(i64, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT h.version, h.at, h.by_name, h.snapshot FROM school_plan_history h \
         JOIN school_plans p ON p.id = h.plan_id \
         WHERE p.school_id = $1 AND p.year = $2 AND h.event = 'saved' AND h.snapshot IS NOT NULL ORDER BY h.id"
    )
    .bind(school_id)
    .bind(year)
    .fetch_all(p)
    .await)?;
    rows.into_iter()
        .map(|(version, saved_at, saved_by, snapshot)| {
            let s: Snapshot = serde_json::from_str(&snapshot).map_err(|e| Error::Other(e.into()))?;
            Ok(PlanVersion {
                version,
                saved_at,
                saved_by,
                title: s.title,
                priorities: s.priorities,
                actions: s.actions,
            })
        })
        .collect()
}

/// Whether the actor may write the school's plans (a school they cannot read is "not found").
pub async fn may_write(db: &Db, actor: &Actor, school_id: i64) -> Result<bool> {
    let (_, unit_path) = school(db, school_id).await?;
    let target = Target::School { id: school_id, unit_path: &unit_path };
    actor.require(Action::Read, &target)?;
    Ok(actor.allows(Action::EditSchoolPlan, &target))
}

/// The people working at the school now, by name: whom an action may be given to.
pub async fn staff(db: &Db, actor: &Actor, school_id: i64) -> Result<Vec<(i64, String)>> {
    let (_, unit_path) = school(db, school_id).await?;
    actor.require(Action::Read, &Target::School { id: school_id, unit_path: &unit_path })?;
    let rows: Vec<(i64, String, String)> = on_db!(db, |c| sqlx::query_as(
        "SELECT DISTINCT p.id, p.given_name, p.family_name FROM positions x JOIN people p ON p.id = x.person_id \
         WHERE x.school_id = $1 AND (x.end_date IS NULL OR x.end_date >= $2) ORDER BY p.family_name, p.given_name, p.id"
    )
    .bind(school_id)
    .bind(opencpd_kernel::today())
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(|(id, given, family)| (id, format!("{given} {family}"))).collect())
}

/// A priority checked: indicator id and code, baseline year, date.
struct CheckedPriority {
    title: String,
    indicator_id: i64,
    code: String,
    baseline_year: i64,
    target: f64,
    due_on: String,
}

struct CheckedAction {
    title: String,
    priority: Option<i64>,
    owner_id: i64,
    due_on: String,
    status: &'static str,
    review_note: String,
}

fn at(problem: Problem, field: String) -> Problem {
    problem.in_column(field)
}

fn year_ok(year: i64) -> bool {
    (1900..=2100).contains(&year)
}

async fn check_priority(
    db: &Db,
    i: usize,
    p: &PriorityInput,
    plan_year: i64,
    problems: &mut Vec<Problem>,
) -> Result<Option<CheckedPriority>> {
    let field = |name: &str| format!("priorities[{i}].{name}");
    let title = parse_name(&p.title).map_err(|e| problems.push(at(e, field("title")))).ok();
    let found: Option<(i64, String)> =
        on_db!(db, |c| sqlx::query_as("SELECT id, code FROM indicators WHERE LOWER(code) = LOWER($1)")
            .bind(p.indicator.trim())
            .fetch_optional(c)
            .await)?;
    if found.is_none() {
        problems
            .push(Problem::new("plan-unknown-indicator").with_value(p.indicator.trim()).in_column(field("indicator")));
    }
    let baseline_year = p.baseline_year.unwrap_or(plan_year - 1);
    if !year_ok(baseline_year) || baseline_year > plan_year {
        problems.push(Problem::new("plan-baseline-year").arg("value", baseline_year).in_column(field("baseline_year")));
    }
    if !p.target.is_finite() {
        problems.push(Problem::new("bad-number").with_value(p.target.to_string()).in_column(field("target")));
    }
    let due_on = parse_date(&p.due_on).map_err(|e| problems.push(at(e, field("due_on")))).ok();
    if let Some(d) = due_on
        && chrono::Datelike::year(&d) < i32::try_from(plan_year).unwrap_or(i32::MAX)
    {
        problems.push(Problem::new("plan-due-before-year").with_value(&p.due_on).in_column(field("due_on")));
    }
    Ok(match (title, found, due_on) {
        (Some(title), Some((indicator_id, code)), Some(d)) => {
            Some(CheckedPriority { title, indicator_id, code, baseline_year, target: p.target, due_on: d.to_string() })
        }
        _ => None,
    })
}

async fn check_action(
    db: &Db,
    i: usize,
    a: &PlanActionInput,
    school_id: i64,
    priorities: usize,
    problems: &mut Vec<Problem>,
) -> Result<Option<CheckedAction>> {
    let field = |name: &str| format!("actions[{i}].{name}");
    let title = parse_name(&a.title).map_err(|e| problems.push(at(e, field("title")))).ok();
    if let Some(p) = a.priority
        && !(1..=priorities as i64).contains(&p)
    {
        problems.push(Problem::new("plan-no-such-priority").arg("value", p).in_column(field("priority")));
    }
    let today = opencpd_kernel::today();
    let works_there: i64 = on_db!(db, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM positions WHERE person_id = $1 AND school_id = $2 AND (end_date IS NULL OR end_date >= $3)"
    )
    .bind(a.owner_id)
    .bind(school_id)
    .bind(today)
    .fetch_one(c)
    .await
    })?;
    if works_there == 0 {
        problems.push(Problem::new("plan-owner-not-at-school").arg("value", a.owner_id).in_column(field("owner_id")));
    }
    let due_on = parse_date(&a.due_on).map_err(|e| problems.push(at(e, field("due_on")))).ok();
    let status = match a.status.as_deref() {
        None => Some(ActionStatus::Planned),
        Some(s) => ActionStatus::parse(s).map_err(|e| problems.push(at(e, field("status")))).ok(),
    };
    let review_note = a.review_note.clone().unwrap_or_default().trim().to_string();
    if review_note.chars().count() > 2000 || review_note.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        problems.push(Problem::new("plan-bad-note").in_column(field("review_note")));
    }
    Ok(match (title, due_on, status) {
        (Some(title), Some(d), Some(status)) if works_there > 0 => Some(CheckedAction {
            title,
            priority: a.priority,
            owner_id: a.owner_id,
            due_on: d.to_string(),
            status: status.key(),
            review_note,
        }),
        _ => None,
    })
}

/// Writes a school's plan for a year whole (created when it has none): every field is
/// checked first and each problem names its field (`priorities[1].indicator`); nothing is
/// written unless all are good. An existing plan is replaced only when `input.version` is
/// its version. Answers the plan as now stored.
pub async fn save(db: &Db, actor: &Actor, school_id: i64, year: i64, input: &PlanInput) -> Result<Plan> {
    let (school_name, unit_path) = school(db, school_id).await?;
    actor.require(Action::EditSchoolPlan, &Target::School { id: school_id, unit_path: &unit_path })?;
    let mut problems = Vec::new();
    if !year_ok(year) {
        problems.push(Problem::new("bad-year").with_value(year.to_string()).in_column("year"));
    }
    let title = parse_name(&input.title).map_err(|e| problems.push(at(e, "title".into()))).ok();
    let mut priorities = Vec::new();
    for (i, p) in input.priorities.iter().enumerate() {
        priorities.push(check_priority(db, i, p, year, &mut problems).await?);
    }
    let mut actions = Vec::new();
    for (i, a) in input.actions.iter().enumerate() {
        actions.push(check_action(db, i, a, school_id, input.priorities.len(), &mut problems).await?);
    }
    opencpd_kernel::error::fail_if_any(problems)?;
    let title = title.expect("checked");
    // Baselines are read before the transaction (the engine reads through the pool).
    let mut baselines = Vec::with_capacity(priorities.len());
    for p in priorities.iter().flatten() {
        baselines.push(value(db, actor, &p.code, school_id, p.baseline_year).await?);
    }

    let mut tx = db.begin().await?;
    let held: Option<(i64, i64, String, String)> = on_tx!(&mut tx, |c| sqlx::query_as(
        "SELECT id, version, state, title FROM school_plans WHERE school_id = $1 AND year = $2"
    )
    .bind(school_id)
    .bind(year)
    .fetch_optional(&mut *c)
    .await)?;
    let now = stamp();
    let mut state = PlanState::Draft;
    let (id, version) = match (held, input.version) {
        (Some((id, latest, held_state, held_title)), Some(seen)) if seen == latest => {
            // What the edit does to the plan's sign-off: the stored commitments against
            // the new ones (owners' names play no part).
            let (held_p, held_a) = content(&mut tx, id).await?;
            let new_p: Vec<VersionPriority> = priorities
                .iter()
                .flatten()
                .map(|p| VersionPriority {
                    title: p.title.clone(),
                    indicator: p.code.clone(),
                    baseline_year: p.baseline_year,
                    target: p.target,
                    due_on: p.due_on.clone(),
                })
                .collect();
            let new_a: Vec<VersionAction> = actions
                .iter()
                .flatten()
                .map(|a| VersionAction {
                    title: a.title.clone(),
                    priority: a.priority,
                    owner_id: a.owner_id,
                    owner: String::new(),
                    due_on: a.due_on.clone(),
                    status: a.status.to_string(),
                    review_note: a.review_note.clone(),
                })
                .collect();
            let changed = commitments(&held_title, &held_p, &held_a) != commitments(&title, &new_p, &new_a);
            let from = PlanState::parse(&held_state).map_err(|p| Error::Other(anyhow::anyhow!("stored state: {p}")))?;
            state = after_edit(from, changed).map_err(refused)?;
            let updated = on_tx!(&mut tx, |c| sqlx::query(
                "UPDATE school_plans SET title = $1, version = version + 1, updated_at = $2, updated_by = $3, \
                 state = $4 WHERE id = $5 AND version = $6"
            )
            .bind(&title)
            .bind(&now)
            .bind(&actor.username)
            .bind(state.key())
            .bind(id)
            .bind(latest)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            if updated == 0 {
                return Err(opencpd_kernel::error::stale(seen, latest + 1));
            }
            for table in ["school_plan_priorities", "school_plan_actions"] {
                let sql = format!("DELETE FROM {table} WHERE plan_id = $1");
                on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            (id, latest + 1)
        }
        (Some((_, latest, _, _)), seen) => return Err(opencpd_kernel::error::stale(seen.unwrap_or(0), latest)),
        (None, Some(seen)) => return Err(opencpd_kernel::error::stale(seen, 0)),
        (None, None) => {
            let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
                "INSERT INTO school_plans (school_id, year, title, version, updated_at, updated_by) \
                 VALUES ($1, $2, $3, 1, $4, $5) RETURNING id"
            )
            .bind(school_id)
            .bind(year)
            .bind(&title)
            .bind(&now)
            .bind(&actor.username)
            .fetch_one(&mut *c)
            .await)?;
            (id, 1)
        }
    };
    for (n, (p, baseline)) in priorities.iter().flatten().zip(&baselines).enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO school_plan_priorities (plan_id, position, title, indicator_id, baseline_year, baseline, \
             target, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(&p.title)
        .bind(p.indicator_id)
        .bind(p.baseline_year)
        .bind(*baseline)
        .bind(p.target)
        .bind(&p.due_on)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for (n, a) in actions.iter().flatten().enumerate() {
        on_tx!(&mut tx, |c| {
            sqlx::query(
            "INSERT INTO school_plan_actions (plan_id, position, priority, title, owner_id, due_on, status, review_note) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(id)
        .bind(n as i64 + 1)
        .bind(a.priority)
        .bind(&a.title)
        .bind(a.owner_id)
        .bind(&a.due_on)
        .bind(a.status)
        .bind(&a.review_note)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
        })?;
    }
    let (kept_p, kept_a) = content(&mut tx, id).await?;
    let snapshot = serde_json::to_string(&Snapshot { title: title.clone(), priorities: kept_p, actions: kept_a })
        .map_err(|e| Error::Other(e.into()))?;
    add_event(&mut tx, actor, id, Event { version, event: "saved", state, reason: "", snapshot: Some(snapshot) })
        .await?;
    audit::record(
        &mut tx,
        actor,
        if version == 1 { "create" } else { "update" },
        "school_plans",
        &id.to_string(),
        &format!("plan {year} of {school_name}, version {version}"),
        None::<&()>,
        Some(&serde_json::json!({
            "school_id": school_id, "year": year, "version": version, "state": state.key(),
            "priorities": priorities.len(), "actions": actions.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    get(db, actor, school_id, year).await
}
