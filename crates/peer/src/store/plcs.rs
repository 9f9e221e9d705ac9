//! Terms, PLC models, PLCs and their people, meetings and action points.
//!
//! A PLC belongs to its unit (or, at school level, its school): officers whose scope covers
//! it set it up and edit it ([`Action::ManageCohorts`]; an edit names the version it was
//! made on, and its facilitators and supporting officers hold a position at, in or over its
//! place); those who may facilitate there, and its own
//! facilitators, record its meetings ([`Action::Facilitate`]); whoever reads the place, and
//! its own people, read it. A meeting is dated today or before. Attendees who are not
//! members are taken as guests and marked so. Action points need an owner; they reappear at
//! each later meeting until closed, and every change to one is kept in its history.

use super::{Known, check_ids, collect, fail_if_any, free_text, may, not_found, optional_text, unknown};
use crate::model::*;
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::peer::{self, PointState};
use opencpd_domain::registry::{parse_code, parse_date, parse_name};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use std::collections::HashSet;

pub async fn create_term(db: &Db, actor: &Actor, input: &TermInput) -> Result<Term> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = Vec::new();
    let name = collect(&mut problems, "name", parse_name(&input.name));
    let start = collect(&mut problems, "start_on", parse_date(&input.start_on));
    let end = collect(&mut problems, "end_on", parse_date(&input.end_on));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_on").arg("start", s));
    }
    fail_if_any(problems)?;
    let name = name.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO peer_terms (name, start_on, end_on) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(&name)
    .bind(start)
    .bind(end)
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &name))?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "peer_term",
        &id.to_string(),
        &format!("term {name}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    Ok(Term { id, name, start_on: start.expect("checked"), end_on: end.expect("checked") })
}

type TermRow = (i64, String, NaiveDate, NaiveDate);

fn term_of(r: TermRow) -> Term {
    Term { id: r.0, name: r.1, start_on: r.2, end_on: r.3 }
}

/// The deployment's terms, latest first.
pub async fn terms(db: &Db) -> Result<Vec<Term>> {
    let rows: Vec<TermRow> =
        on_db!(db, |p| sqlx::query_as("SELECT id, name, start_on, end_on FROM peer_terms ORDER BY start_on DESC")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(term_of).collect())
}

/// The term `day` falls in; else the last one begun before it.
pub async fn term_on(db: &Db, day: NaiveDate) -> Result<Option<Term>> {
    let row: Option<TermRow> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, name, start_on, end_on FROM peer_terms WHERE start_on <= $1 ORDER BY start_on DESC LIMIT 1"
    )
    .bind(day)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(term_of))
}

/// A term by name (a report's parameter), or the one today falls in when none is given.
pub async fn term_named(db: &Db, name: Option<&str>) -> Result<Term> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => {
            let row: Option<TermRow> =
                on_db!(db, |p| sqlx::query_as("SELECT id, name, start_on, end_on FROM peer_terms WHERE name = $1")
                    .bind(n)
                    .fetch_optional(p)
                    .await)?;
            row.map(term_of).ok_or_else(|| unknown("unknown-term", "term", n).into())
        }
        None => term_on(db, opencpd_kernel::today())
            .await?
            .ok_or_else(|| Problem::new("unknown-term").in_column("term").with_value("").into()),
    }
}

pub async fn create_model(db: &Db, actor: &Actor, input: &PlcModelInput) -> Result<PlcModel> {
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", parse_code(&input.code));
    let name = collect(&mut problems, "name", parse_name(&input.name));
    if input.steps.is_empty() {
        problems.push(Problem::new("no-steps").in_column("steps"));
    }
    let steps: Vec<Option<String>> = input
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| collect(&mut problems, &format!("steps[{i}]"), parse_name(s)))
        .collect();
    fail_if_any(problems)?;
    let (code, name) = (code.expect("checked"), name.expect("checked"));
    let steps: Vec<String> = steps.into_iter().flatten().collect();
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO plc_models (code, name, created_at) VALUES ($1, $2, $3) RETURNING id"
    )
    .bind(&code)
    .bind(&name)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &code))?;
    for (i, step) in steps.iter().enumerate() {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO plc_model_steps (model_id, position, title) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(step)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "plc_model",
        &id.to_string(),
        &format!("PLC model {code}"),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    Ok(PlcModel { id, code, name, steps })
}

/// A PLC model with its steps in order (the deployment's: read by everyone signed in).
pub async fn model(db: &Db, id: i64) -> Result<PlcModel> {
    let head: Option<(i64, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM plc_models WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await)?;
    let (id, code, name) = not_found(head)?;
    let steps: Vec<String> =
        on_db!(db, |p| sqlx::query_scalar("SELECT title FROM plc_model_steps WHERE model_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(p)
            .await)?;
    Ok(PlcModel { id, code, name, steps })
}

/// Every PLC model with its steps, by code (the deployment's: read by everyone signed in).
pub async fn models(db: &Db) -> Result<Vec<PlcModel>> {
    let heads: Vec<(i64, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM plc_models ORDER BY code").fetch_all(p).await)?;
    let steps: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT model_id, title FROM plc_model_steps ORDER BY model_id, position")
            .fetch_all(p)
            .await)?;
    Ok(heads
        .into_iter()
        .map(|(id, code, name)| PlcModel {
            id,
            code,
            name,
            steps: steps.iter().filter(|(m, _)| *m == id).map(|(_, t)| t.clone()).collect(),
        })
        .collect())
}

const PLC_SQL: &str = "SELECT g.id, g.code, g.name, g.level, g.unit_id, u.name AS unit_name, g.unit_path, g.school_id, \
     g.programme_id, g.model_id, g.meetings_per_term, g.version FROM plcs g JOIN units u ON u.id = g.unit_id";

impl Plc {
    pub fn target(&self) -> Target<'_> {
        match self.school_id {
            Some(id) => Target::School { id, unit_path: &self.unit_path },
            None => Target::Unit { path: &self.unit_path },
        }
    }
}

async fn plc_unchecked(db: &Db, id: i64) -> Result<Plc> {
    let sql = format!("{PLC_SQL} WHERE g.id = $1");
    let found: Option<Plc> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    not_found(found)
}

/// The role a person of the actor's holds in the PLC, if any.
async fn own_role(db: &Db, actor: &Actor, plc_id: i64) -> Result<Option<MemberRole>> {
    let people = super::actor_people(db, actor).await?;
    if people.is_empty() {
        return Ok(None);
    }
    let roles: Vec<String> = on_db!(db, |p| {
        let mut qb = sqlx::QueryBuilder::new("SELECT role FROM plc_people WHERE plc_id = ");
        qb.push_bind(plc_id).push(" AND person_id IN (");
        let mut list = qb.separated(", ");
        for id in &people {
            list.push_bind(*id);
        }
        qb.push(")");
        qb.build_query_scalar().fetch_all(p).await
    })?;
    Ok(roles.iter().filter_map(|r| MemberRole::parse(r).ok()).min_by_key(|r| match r {
        MemberRole::Facilitator => 0,
        MemberRole::SupportingOfficer => 1,
        MemberRole::Member => 2,
    }))
}

/// A PLC, when the actor reads its place or is one of its people.
pub async fn plc(db: &Db, actor: &Actor, id: i64) -> Result<Plc> {
    let g = plc_unchecked(db, id).await?;
    if !actor.allows(Action::Read, &g.target()) && own_role(db, actor, id).await?.is_none() {
        return Err(Error::NotFound);
    }
    Ok(g)
}

/// A PLC whose meetings, action points and lesson studies the actor may record: they may
/// facilitate at its place, or they are its facilitator or supporting officer.
pub async fn plc_to_run(db: &Db, actor: &Actor, id: i64) -> Result<Plc> {
    let g = plc(db, actor, id).await?;
    if actor.allows(Action::Facilitate, &g.target()) {
        return Ok(g);
    }
    match own_role(db, actor, id).await? {
        Some(MemberRole::Facilitator | MemberRole::SupportingOfficer) => Ok(g),
        _ => Err(Error::Forbidden),
    }
}

pub async fn plc_by_code(db: &Db, actor: &Actor, code: &str) -> Result<Plc> {
    let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM plcs WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(p)
        .await)?;
    plc(db, actor, not_found(id)?).await
}

/// The PLCs the actor reads (by place, or as one of their people), by name.
pub async fn plcs(db: &Db, actor: &Actor) -> Result<Vec<Plc>> {
    let people = super::actor_people(db, actor).await?;
    let own = if people.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = people.iter().map(i64::to_string).collect();
        format!(" OR g.id IN (SELECT plc_id FROM plc_people WHERE person_id IN ({}))", ids.join(", "))
    };
    let sql = format!(
        "{PLC_SQL} WHERE ({}{own}) ORDER BY g.name, g.id",
        ListScope::of(actor).sql(Columns::path("g.unit_path").school("g.school_id"))
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?)
}

/// The fields of a PLC a creation or an edit gives (its code aside).
struct PlcFields<'a> {
    name: &'a str,
    level: &'a str,
    unit_code: &'a Option<String>,
    school_code: &'a Option<String>,
    programme_code: &'a Option<String>,
    model_code: &'a Option<String>,
    meetings_per_term: i64,
    facilitators: &'a [i64],
    supporting_officers: &'a [i64],
    members: &'a [i64],
}

impl<'a> PlcFields<'a> {
    fn of_input(i: &'a PlcInput) -> PlcFields<'a> {
        PlcFields {
            name: &i.name,
            level: &i.level,
            unit_code: &i.unit_code,
            school_code: &i.school_code,
            programme_code: &i.programme_code,
            model_code: &i.model_code,
            meetings_per_term: i.meetings_per_term,
            facilitators: &i.facilitators,
            supporting_officers: &i.supporting_officers,
            members: &i.members,
        }
    }

    fn of_update(u: &'a PlcUpdate) -> PlcFields<'a> {
        PlcFields {
            name: &u.name,
            level: &u.level,
            unit_code: &u.unit_code,
            school_code: &u.school_code,
            programme_code: &u.programme_code,
            model_code: &u.model_code,
            meetings_per_term: u.meetings_per_term,
            facilitators: &u.facilitators,
            supporting_officers: &u.supporting_officers,
            members: &u.members,
        }
    }

    /// The people by role, facilitators first.
    fn groups(&self) -> [(&'static str, &'a [i64], MemberRole); 3] {
        [
            ("facilitators", self.facilitators, MemberRole::Facilitator),
            ("supporting_officers", self.supporting_officers, MemberRole::SupportingOfficer),
            ("members", self.members, MemberRole::Member),
        ]
    }
}

/// A PLC's fields checked: where it meets (unit, path, school), its programme and model.
struct Checked {
    name: String,
    level: PlcLevel,
    unit_id: i64,
    unit_path: String,
    school_id: Option<i64>,
    programme: Option<i64>,
    model: Option<i64>,
}

/// Checks a PLC's fields, recording every problem: the place must exist and be one the
/// actor sets PLCs up in, the programme, model and people must exist, and its facilitators
/// and supporting officers must hold a position at, in or over its place.
async fn check_plc(db: &Db, actor: &Actor, f: &PlcFields<'_>, problems: &mut Vec<Problem>) -> Result<Option<Checked>> {
    let name = collect(problems, "name", parse_name(f.name));
    let level = collect(problems, "level", PlcLevel::parse(f.level));
    if f.meetings_per_term < 0 {
        problems.push(
            Problem::new("not-positive").in_column("meetings_per_term").with_value(f.meetings_per_term.to_string()),
        );
    }
    // Where it meets: a school for a school PLC, a unit otherwise.
    let mut place: Option<(i64, String, Option<i64>)> = None;
    match (level, optional_text(f.school_code), optional_text(f.unit_code)) {
        (Some(PlcLevel::School), Some(code), _) => {
            let found: Option<(i64, String, i64)> =
                on_db!(db, |p| sqlx::query_as("SELECT unit_id, unit_path, id FROM schools WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            match found {
                None => problems.push(unknown("unknown-school", "school_code", code)),
                Some((unit, path, school)) => place = Some((unit, path, Some(school))),
            }
        }
        (Some(PlcLevel::School), None, _) => problems.push(Problem::new("required").in_column("school_code")),
        (Some(_), _, Some(code)) => {
            let found: Option<(i64, String)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            match found {
                None => problems.push(unknown("unknown-unit", "unit_code", code)),
                Some((unit, path)) => place = Some((unit, path, None)),
            }
        }
        (Some(_), _, None) => problems.push(Problem::new("required").in_column("unit_code")),
        (None, _, _) => {}
    }
    if let Some((_, path, school)) = &place {
        let target = match school {
            Some(id) => Target::School { id: *id, unit_path: path },
            None => Target::Unit { path },
        };
        if !actor.allows(Action::ManageCohorts, &target) {
            let (field, value) =
                if school.is_some() { ("school_code", f.school_code) } else { ("unit_code", f.unit_code) };
            problems
                .push(Problem::new("out-of-scope").in_column(field).with_value(value.as_deref().unwrap_or("").trim()));
        }
    }
    let programme = match optional_text(f.programme_code) {
        Some(code) => {
            let id = super::programme_id(db, code).await?;
            if id.is_none() {
                problems.push(unknown("unknown-programme", "programme_code", code));
            }
            id
        }
        None => None,
    };
    let model = match optional_text(f.model_code) {
        Some(code) => {
            let id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT id FROM plc_models WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
            if id.is_none() {
                problems.push(unknown("unknown-model", "model_code", code));
            }
            id
        }
        None => None,
    };
    for (field, ids, role) in f.groups() {
        let found = super::existing(db, Known::People, ids).await?;
        let leads = matches!(role, MemberRole::Facilitator | MemberRole::SupportingOfficer);
        let paths = if leads { current_paths(db, ids).await? } else { Default::default() };
        for (i, id) in ids.iter().enumerate() {
            if !found.contains(id) {
                problems.push(unknown("unknown-person-id", &format!("{field}[{i}]"), id));
            } else if let Some((_, plc_path, _)) = &place
                && leads
                && !peer::may_lead_at(paths.get(id).map(Vec::as_slice).unwrap_or_default(), plc_path)
            {
                problems.push(Problem::new("not-here").in_column(format!("{field}[{i}]")).with_value(id.to_string()));
            }
        }
    }
    let (Some(name), Some(level), Some((unit_id, unit_path, school_id))) = (name, level, place) else {
        return Ok(None);
    };
    Ok(Some(Checked { name, level, unit_id, unit_path, school_id, programme, model }))
}

/// The paths of the current positions of each of `ids`.
async fn current_paths(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<String>>> {
    let today = opencpd_kernel::today();
    let mut out: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, String)> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT person_id, path FROM positions WHERE start_date <= ");
            qb.push_bind(today).push(" AND (end_date IS NULL OR end_date >= ").push_bind(today);
            qb.push(") AND person_id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        for (id, path) in rows {
            out.entry(id).or_default().push(path);
        }
    }
    Ok(out)
}

/// Writes the PLC's people: someone named twice keeps the first role given (facilitator
/// before member).
async fn write_people(tx: &mut Tx, plc_id: i64, f: &PlcFields<'_>) -> Result<()> {
    let mut seen = HashSet::new();
    for (_, ids, role) in f.groups() {
        for person in ids.iter().filter(|p| seen.insert(**p)) {
            on_tx!(tx, |c| sqlx::query("INSERT INTO plc_people (plc_id, person_id, role) VALUES ($1, $2, $3)")
                .bind(plc_id)
                .bind(*person)
                .bind(role.key())
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

pub async fn create_plc(db: &Db, actor: &Actor, input: &PlcInput) -> Result<Plc> {
    may(actor, Action::ManageCohorts)?;
    let fields = PlcFields::of_input(input);
    let mut problems = Vec::new();
    let code = collect(&mut problems, "code", parse_code(&input.code));
    let checked = check_plc(db, actor, &fields, &mut problems).await?;
    fail_if_any(problems)?;
    let (code, c) = (code.expect("checked"), checked.expect("checked"));
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c2| sqlx::query_scalar(
        "INSERT INTO plcs (code, name, level, unit_id, unit_path, school_id, programme_id, model_id, meetings_per_term, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
    )
    .bind(&code)
    .bind(&c.name)
    .bind(c.level.key())
    .bind(c.unit_id)
    .bind(&c.unit_path)
    .bind(c.school_id)
    .bind(c.programme)
    .bind(c.model)
    .bind(input.meetings_per_term)
    .bind(Utc::now())
    .fetch_one(&mut *c2)
    .await)
    .map_err(|e| opencpd_kernel::error::unique_violation(e, &code))?;
    write_people(&mut tx, id, &fields).await?;
    audit::record(&mut tx, actor, "create", "plc", &id.to_string(), &format!("PLC {code}"), None::<&()>, Some(input))
        .await?;
    tx.commit().await?;
    plc(db, actor, id).await
}

/// A PLC as the audit trail compares it before and after an edit: field by field, by the
/// names an edit gives, people by name and id.
#[derive(Debug, serde::Serialize)]
struct PlcRecord {
    name: String,
    level: String,
    unit_code: Option<String>,
    school_code: Option<String>,
    programme_code: Option<String>,
    model_code: Option<String>,
    meetings_per_term: i64,
    facilitators: Vec<String>,
    supporting_officers: Vec<String>,
    members: Vec<String>,
}

/// The PLC as [`PlcRecord`] reads it, as stored now.
async fn plc_record(db: &Db, id: i64) -> Result<PlcRecord> {
    type Row = (String, String, String, Option<String>, Option<String>, Option<String>, i64);
    let row: Row = on_db!(db, |p| sqlx::query_as(
        "SELECT g.name, g.level, u.code, s.code, pr.code, m.code, g.meetings_per_term FROM plcs g \
         JOIN units u ON u.id = g.unit_id LEFT JOIN schools s ON s.id = g.school_id \
         LEFT JOIN programmes pr ON pr.id = g.programme_id LEFT JOIN plc_models m ON m.id = g.model_id WHERE g.id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)?;
    let people: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT x.person_id, p.given_name || ' ' || p.family_name, x.role FROM plc_people x \
         JOIN people p ON p.id = x.person_id WHERE x.plc_id = $1 ORDER BY x.person_id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let of = |role: MemberRole| -> Vec<String> {
        people.iter().filter(|(_, _, r)| r == role.key()).map(|(id, name, _)| format!("{name} ({id})")).collect()
    };
    let school = row.3.is_some();
    Ok(PlcRecord {
        name: row.0,
        level: row.1,
        // A school PLC is placed by its school; its unit follows.
        unit_code: (!school).then_some(row.2),
        school_code: row.3,
        programme_code: row.4,
        model_code: row.5,
        meetings_per_term: row.6,
        facilitators: of(MemberRole::Facilitator),
        supporting_officers: of(MemberRole::SupportingOfficer),
        members: of(MemberRole::Member),
    })
}

/// The PLC as an edit would leave it unchanged: its fields by code, its people by role, its
/// version (what the edit form starts from). Read as [`plc_to_edit`].
pub async fn plc_as_update(db: &Db, actor: &Actor, id: i64) -> Result<PlcUpdate> {
    let g = plc_to_edit(db, actor, id).await?;
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let (unit, school, programme, model): Row = on_db!(db, |p| sqlx::query_as(
        "SELECT u.code, s.code, pr.code, m.code FROM plcs g JOIN units u ON u.id = g.unit_id \
         LEFT JOIN schools s ON s.id = g.school_id LEFT JOIN programmes pr ON pr.id = g.programme_id \
         LEFT JOIN plc_models m ON m.id = g.model_id WHERE g.id = $1"
    )
    .bind(id)
    .fetch_one(p)
    .await)?;
    let people: Vec<(i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT person_id, role FROM plc_people WHERE plc_id = $1 ORDER BY person_id")
            .bind(id)
            .fetch_all(p)
            .await)?;
    let of = |role: MemberRole| people.iter().filter(|(_, r)| r == role.key()).map(|(p, _)| *p).collect();
    Ok(PlcUpdate {
        name: g.name,
        level: g.level,
        unit_code: if school.is_some() { None } else { Some(unit) },
        school_code: school,
        programme_code: programme,
        model_code: model,
        meetings_per_term: g.meetings_per_term,
        facilitators: of(MemberRole::Facilitator),
        supporting_officers: of(MemberRole::SupportingOfficer),
        members: of(MemberRole::Member),
        version: g.version,
    })
}

/// Whether the actor may edit the PLC: they set PLCs up at its place.
pub async fn may_edit(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    let g = plc(db, actor, id).await?;
    Ok(actor.allows(Action::ManageCohorts, &g.target()))
}

/// A PLC the actor may edit: read as [`plc`] (else not found), then set up at its place
/// by the actor (else forbidden).
pub async fn plc_to_edit(db: &Db, actor: &Actor, id: i64) -> Result<Plc> {
    let g = plc(db, actor, id).await?;
    if !actor.allows(Action::ManageCohorts, &g.target()) {
        return Err(Error::Forbidden);
    }
    Ok(g)
}

/// Edits a PLC: its name, level and place (one the actor sets PLCs up in, as before; its
/// lesson studies move with it), programme, model, meetings planned and people (given in
/// full: those left out are removed), on the version read. Checked as a new PLC is; nothing is changed when a field
/// is refused or the version is stale. The audit event holds the PLC before and after,
/// field by field.
pub async fn update_plc(db: &Db, actor: &Actor, id: i64, input: &PlcUpdate) -> Result<Plc> {
    let before = plc_to_edit(db, actor, id).await?;
    let fields = PlcFields::of_update(input);
    let mut problems = Vec::new();
    let checked = check_plc(db, actor, &fields, &mut problems).await?;
    fail_if_any(problems)?;
    let c = checked.expect("checked");
    let was = plc_record(db, id).await?;
    // What the PLC will be, as the trail compares it with what it was.
    let names =
        super::names(db, &[input.facilitators.as_slice(), &input.supporting_officers, &input.members].concat()).await?;
    let named = |ids: &[i64]| -> Vec<String> {
        let mut seen = HashSet::new();
        let mut out: Vec<(i64, String)> = ids
            .iter()
            .filter(|i| seen.insert(**i))
            .map(|i| (*i, format!("{} ({i})", names.get(i).cloned().unwrap_or_default())))
            .collect();
        out.sort();
        out.into_iter().map(|(_, n)| n).collect()
    };
    let (f, s) = (named(input.facilitators.as_slice()), named(input.supporting_officers.as_slice()));
    let taken: HashSet<&String> = f.iter().chain(&s).collect();
    let m: Vec<String> = named(input.members.as_slice()).into_iter().filter(|n| !taken.contains(n)).collect();
    let s: Vec<String> = s.iter().filter(|n| !f.contains(n)).cloned().collect();
    let school = c.school_id.is_some();
    let now = PlcRecord {
        name: c.name.clone(),
        level: c.level.key().to_string(),
        unit_code: if school { None } else { optional_text(&input.unit_code).map(str::to_string) },
        school_code: if school { optional_text(&input.school_code).map(str::to_string) } else { None },
        programme_code: optional_text(&input.programme_code).map(str::to_string),
        model_code: optional_text(&input.model_code).map(str::to_string),
        meetings_per_term: input.meetings_per_term,
        facilitators: f,
        supporting_officers: s,
        members: m,
    };
    let mut tx = db.begin().await?;
    let changed = on_tx!(&mut tx, |c2| sqlx::query(
        "UPDATE plcs SET name = $1, level = $2, unit_id = $3, unit_path = $4, school_id = $5, programme_id = $6, \
         model_id = $7, meetings_per_term = $8, version = version + 1 WHERE id = $9 AND version = $10"
    )
    .bind(&c.name)
    .bind(c.level.key())
    .bind(c.unit_id)
    .bind(&c.unit_path)
    .bind(c.school_id)
    .bind(c.programme)
    .bind(c.model)
    .bind(input.meetings_per_term)
    .bind(id)
    .bind(input.version)
    .execute(&mut *c2)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(opencpd_kernel::error::stale(input.version, before.version));
    }
    // Its lesson studies are read and listed as the PLC is: they move with it. Meetings and
    // action points stay placed where they were held.
    on_tx!(&mut tx, |c2| sqlx::query("UPDATE lesson_studies SET unit_path = $1, school_id = $2 WHERE plc_id = $3")
        .bind(&c.unit_path)
        .bind(c.school_id)
        .bind(id)
        .execute(&mut *c2)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(&mut tx, |c2| sqlx::query("DELETE FROM plc_people WHERE plc_id = $1")
        .bind(id)
        .execute(&mut *c2)
        .await
        .map(|r| r.rows_affected()))?;
    write_people(&mut tx, id, &fields).await?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "plc",
        &id.to_string(),
        &format!("PLC {}", before.code),
        Some(&was),
        Some(&now),
    )
    .await?;
    tx.commit().await?;
    plc(db, actor, id).await
}

/// The people of a PLC: facilitators, supporting officers, then members, by name.
pub async fn plc_people(db: &Db, actor: &Actor, plc_id: i64) -> Result<Vec<PlcPerson>> {
    plc(db, actor, plc_id).await?;
    Ok(on_db!(db, |p| {
        sqlx::query_as(
        "SELECT x.person_id, p.given_name || ' ' || p.family_name AS name, x.role FROM plc_people x \
         JOIN people p ON p.id = x.person_id WHERE x.plc_id = $1 \
         ORDER BY CASE x.role WHEN 'facilitator' THEN 0 WHEN 'supporting_officer' THEN 1 ELSE 2 END, p.family_name, p.id"
    )
    .bind(plc_id)
    .fetch_all(p)
    .await
    })?)
}

const POINT_SQL: &str = "SELECT a.id, a.plc_id, a.meeting_id, a.agreed_on, a.title, a.owner_id, \
     p.given_name || ' ' || p.family_name AS owner_name, a.due_on, a.status, a.closed_on, a.version \
     FROM plc_action_points a JOIN people p ON p.id = a.owner_id";

async fn points_of_plc(db: &Db, plc_id: i64) -> Result<Vec<ActionPoint>> {
    let sql = format!("{POINT_SQL} WHERE a.plc_id = $1 ORDER BY a.due_on, a.id");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(plc_id).fetch_all(p).await)?)
}

fn state(a: &ActionPoint) -> PointState {
    PointState {
        id: a.id,
        agreed_on: a.agreed_on,
        due_on: a.due_on,
        status: ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open),
        closed_on: a.closed_on,
    }
}

/// The action points that reappear at a meeting of the PLC held on `day`.
pub async fn carried_to(db: &Db, actor: &Actor, plc_id: i64, day: NaiveDate) -> Result<Vec<ActionPoint>> {
    plc(db, actor, plc_id).await?;
    let all = points_of_plc(db, plc_id).await?;
    let states: Vec<PointState> = all.iter().map(state).collect();
    let ids = peer::carried_over(&states, day);
    Ok(ids.iter().filter_map(|id| all.iter().find(|a| a.id == *id).cloned()).collect())
}

/// The meeting stored under a client id, if any.
async fn meeting_by_uuid(db: &Db, uuid: &str) -> Result<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT id FROM plc_meetings WHERE uuid = $1")
        .bind(uuid)
        .fetch_optional(p)
        .await)?)
}

/// The PLCs a person of the actor's facilitates or supports, by name, for the field app's
/// package: each with its people and the action points still open (those agreed today
/// included). Read as [`plc`] reads them.
pub async fn field_plcs(db: &Db, actor: &Actor) -> Result<Vec<FieldPlc>> {
    let people = super::actor_people(db, actor).await?;
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let roles: Vec<(i64, String)> = on_db!(db, |p| {
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT x.plc_id, x.role FROM plc_people x JOIN plcs g ON g.id = x.plc_id \
             WHERE x.role IN ('facilitator', 'supporting_officer') AND x.person_id IN (",
        );
        let mut list = qb.separated(", ");
        for id in &people {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY g.name, g.id, x.role");
        qb.build_query_as().fetch_all(p).await
    })?;
    let tomorrow = opencpd_kernel::today().succ_opt().unwrap_or(NaiveDate::MAX);
    let mut out: Vec<FieldPlc> = Vec::new();
    for (id, role) in roles {
        if out.last().is_some_and(|g| g.id == id) {
            continue; // facilitator sorts before supporting_officer: the first role is kept
        }
        let g = plc(db, actor, id).await?;
        out.push(FieldPlc {
            id,
            code: g.code,
            name: g.name,
            level: g.level,
            unit_name: g.unit_name,
            role,
            people: plc_people(db, actor, id).await?,
            open_points: carried_to(db, actor, id, tomorrow).await?,
        });
    }
    Ok(out)
}

/// Records a meeting that was held, with its topics, attendance, the action points agreed
/// and the changes to points carried over: all or nothing. Answers the meeting and whether
/// it was stored now: a meeting sent again with the client id (`uuid`) of one stored
/// before is answered as stored, and nothing is written again.
pub async fn record_meeting(db: &Db, actor: &Actor, plc_id: i64, input: &MeetingInput) -> Result<(Meeting, bool)> {
    let g = plc_to_run(db, actor, plc_id).await?;
    let today = opencpd_kernel::today();
    let mut problems = Vec::new();
    let uuid = match optional_text(&input.uuid) {
        Some(u) => collect(
            &mut problems,
            "uuid",
            uuid::Uuid::parse_str(u)
                .map(|u| u.hyphenated().to_string())
                .map_err(|_| Problem::new("bad-uuid").with_value(u)),
        ),
        None => None,
    };
    if let Some(u) = &uuid
        && let Some(id) = meeting_by_uuid(db, u).await?
    {
        return Ok((meeting(db, actor, id).await?, false));
    }
    let held_on = collect(&mut problems, "held_on", parse_date(&input.held_on));
    if let Some(d) = held_on
        && d > today
    {
        problems.push(Problem::new("in-the-future").in_column("held_on").with_value(d.to_string()));
    }
    let place = match optional_text(&input.place) {
        Some(p) => collect(&mut problems, "place", parse_name(p)),
        None => None,
    };
    let agenda = free_text(&mut problems, "agenda", &input.agenda);
    let notes = free_text(&mut problems, "notes", &input.notes);
    check_ids(db, &mut problems, Known::Standards, "standards", &input.standards).await?;
    check_ids(db, &mut problems, Known::People, "attendance", &input.attendance).await?;
    let mut new_points = Vec::new();
    for (i, a) in input.action_points.iter().enumerate() {
        let title = collect(&mut problems, &format!("action_points[{i}].title"), parse_name(&a.title));
        let due = collect(&mut problems, &format!("action_points[{i}].due_on"), parse_date(&a.due_on));
        if a.owner_id.is_none() {
            problems.push(Problem::new("owner-required").in_column(format!("action_points[{i}].owner_id")));
        }
        new_points.push((title, a.owner_id, due));
    }
    let owners: Vec<i64> = input.action_points.iter().filter_map(|a| a.owner_id).collect();
    let known_owners = super::existing(db, Known::People, &owners).await?;
    for (i, a) in input.action_points.iter().enumerate() {
        if let Some(o) = a.owner_id
            && !known_owners.contains(&o)
        {
            problems.push(unknown("unknown-person-id", &format!("action_points[{i}].owner_id"), o));
        }
    }
    // Updates apply to points of this PLC agreed before this meeting.
    let existing = points_of_plc(db, plc_id).await?;
    let mut updates = Vec::new();
    for (i, u) in input.updates.iter().enumerate() {
        let field = |f: &str| format!("updates[{i}].{f}");
        let status = collect(&mut problems, &field("status"), ActionStatus::parse(&u.status));
        let due = match optional_text(&u.due_on) {
            Some(d) => collect(&mut problems, &field("due_on"), parse_date(d)),
            None => None,
        };
        let note = free_text(&mut problems, &field("note"), &u.note);
        match existing.iter().find(|a| a.id == u.id) {
            Some(a) if held_on.is_some_and(|d| a.agreed_on < d) => {
                updates.push((a.clone(), status, due, note, u.version))
            }
            _ => problems.push(Problem::new("not-found").in_column(field("id")).with_value(u.id.to_string())),
        }
    }
    fail_if_any(problems)?;
    let held_on = held_on.expect("checked");
    let members: Vec<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT person_id FROM plc_people WHERE plc_id = $1")
        .bind(plc_id)
        .fetch_all(p)
        .await)?;
    let members: HashSet<i64> = members.into_iter().collect();
    let mut tx = db.begin().await?;
    let id: Option<i64> = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO plc_meetings (plc_id, held_on, place, agenda, notes, unit_path, school_id, created_at, uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (uuid) DO NOTHING RETURNING id"
    )
    .bind(plc_id)
    .bind(held_on)
    .bind(&place)
    .bind(&agenda)
    .bind(&notes)
    .bind(&g.unit_path)
    .bind(g.school_id)
    .bind(Utc::now())
    .bind(&uuid)
    .fetch_optional(&mut *c)
    .await)?;
    let Some(id) = id else {
        // Sent twice at once: the other one stored it.
        drop(tx);
        let id = meeting_by_uuid(db, uuid.as_deref().unwrap_or_default()).await?;
        return Ok((meeting(db, actor, not_found(id)?).await?, false));
    };
    let mut seen = HashSet::new();
    for s in input.standards.iter().filter(|s| seen.insert(**s)) {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO plc_meeting_standards (meeting_id, standard_id) VALUES ($1, $2)"
        )
        .bind(id)
        .bind(*s)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let mut seen = HashSet::new();
    for person in input.attendance.iter().filter(|p| seen.insert(**p)) {
        on_tx!(&mut tx, |c| sqlx::query(
            "INSERT INTO plc_attendance (meeting_id, person_id, guest) VALUES ($1, $2, $3)"
        )
        .bind(id)
        .bind(*person)
        .bind(!members.contains(person))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for (title, owner, due) in new_points {
        let point: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO plc_action_points (plc_id, meeting_id, agreed_on, title, owner_id, due_on, status, unit_path, \
             school_id) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8) RETURNING id"
        )
        .bind(plc_id)
        .bind(id)
        .bind(held_on)
        .bind(title.as_deref())
        .bind(owner)
        .bind(due)
        .bind(&g.unit_path)
        .bind(g.school_id)
        .fetch_one(&mut *c)
        .await
        })?;
        note_change(&mut tx, actor, point, ActionStatus::Open, due.expect("checked"), None).await?;
    }
    for (i, (point, status, due, note, version)) in updates.into_iter().enumerate() {
        // A point changed since the one sending the meeting read it (a package taken
        // before): named by the update that carries it, in words the field app shows.
        match change_point(&mut tx, actor, &point, status.expect("checked"), due, note, version, held_on).await {
            Err(Error::Conflict(_)) => {
                return Err(Error::Conflict(
                    Problem::new("point-changed-since")
                        .in_column(format!("updates[{i}].version"))
                        .with_value(point.title.clone()),
                ));
            }
            other => other?,
        }
    }
    audit::record(
        &mut tx,
        actor,
        "create",
        "plc_meeting",
        &id.to_string(),
        &format!("meeting of PLC {} on {held_on}", g.code),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    Ok((meeting(db, actor, id).await?, true))
}

async fn note_change(
    tx: &mut Tx,
    actor: &Actor,
    point: i64,
    status: ActionStatus,
    due: NaiveDate,
    note: Option<&str>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO plc_action_point_changes (action_point_id, at, actor, status, due_on, note) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(point)
    .bind(Utc::now())
    .bind(&actor.username)
    .bind(status.key())
    .bind(due)
    .bind(note)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Changes a point's status (and due day), closing it on `day` when the status closes it;
/// a stale version is a conflict.
#[allow(clippy::too_many_arguments)]
async fn change_point(
    tx: &mut Tx,
    actor: &Actor,
    point: &ActionPoint,
    status: ActionStatus,
    due: Option<NaiveDate>,
    note: Option<String>,
    version: i64,
    day: NaiveDate,
) -> Result<()> {
    let due = due.unwrap_or(point.due_on);
    let closed_on = if status.is_closed() { Some(point.closed_on.unwrap_or(day)) } else { None };
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE plc_action_points SET status = $1, due_on = $2, closed_on = $3, version = version + 1 \
         WHERE id = $4 AND version = $5"
    )
    .bind(status.key())
    .bind(due)
    .bind(closed_on)
    .bind(point.id)
    .bind(version)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(Error::Conflict(Problem::new("conflict").in_column("version").arg(
            "detail",
            format!("version {version} of action point {} is not the latest ({})", point.id, point.version),
        )));
    }
    note_change(tx, actor, point.id, status, due, note.as_deref()).await?;
    audit::record(
        tx,
        actor,
        "update",
        "plc_action_point",
        &point.id.to_string(),
        &format!("action point {} {}", point.id, status.key()),
        Some(point),
        Some(&(status.key(), due, closed_on)),
    )
    .await
}

/// Changes an action point between meetings: by those who run its PLC or by its owner.
pub async fn update_action_point(db: &Db, actor: &Actor, input: &ActionPointUpdate) -> Result<ActionPoint> {
    let sql = format!("{POINT_SQL} WHERE a.id = $1");
    let found: Option<ActionPoint> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(input.id).fetch_optional(p).await)?;
    let point = not_found(found)?;
    let owner = super::actor_people(db, actor).await?.contains(&point.owner_id);
    if !owner {
        plc_to_run(db, actor, point.plc_id).await?;
    }
    let mut problems = Vec::new();
    let status = collect(&mut problems, "status", ActionStatus::parse(&input.status));
    let due = match optional_text(&input.due_on) {
        Some(d) => collect(&mut problems, "due_on", parse_date(d)),
        None => None,
    };
    let note = free_text(&mut problems, "note", &input.note);
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    change_point(&mut tx, actor, &point, status.expect("checked"), due, note, input.version, opencpd_kernel::today())
        .await?;
    tx.commit().await?;
    let found: Option<ActionPoint> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(input.id).fetch_optional(p).await)?;
    not_found(found)
}

/// An action point, read by whoever reads its PLC; with whether the actor may change it (its
/// owner, or someone who runs the PLC).
pub async fn action_point(db: &Db, actor: &Actor, id: i64) -> Result<(ActionPoint, bool)> {
    let sql = format!("{POINT_SQL} WHERE a.id = $1");
    let found: Option<ActionPoint> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let point = not_found(found)?;
    plc(db, actor, point.plc_id).await?;
    let owner = super::actor_people(db, actor).await?.contains(&point.owner_id);
    let may = owner || may_run(db, actor, point.plc_id).await?;
    Ok((point, may))
}

/// The history of an action point, oldest first.
pub async fn action_point_history(db: &Db, actor: &Actor, id: i64) -> Result<Vec<ActionPointChange>> {
    let plc_id: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT plc_id FROM plc_action_points WHERE id = $1")
        .bind(id)
        .fetch_optional(p)
        .await)?;
    plc(db, actor, not_found(plc_id)?).await?;
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT at, actor, status, due_on, note FROM plc_action_point_changes WHERE action_point_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?)
}

/// A meeting with its attendance, topics, points agreed and points carried over to it.
pub async fn meeting(db: &Db, actor: &Actor, id: i64) -> Result<Meeting> {
    type Row = (i64, Option<String>, i64, NaiveDate, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, uuid, plc_id, held_on, place, agenda, notes FROM plc_meetings WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    let (id, uuid, plc_id, held_on, place, agenda, notes) = not_found(row)?;
    plc(db, actor, plc_id).await?;
    let standards: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT standard_id FROM plc_meeting_standards WHERE meeting_id = $1 ORDER BY standard_id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let attendance: Vec<Attendee> = on_db!(db, |p| sqlx::query_as(
        "SELECT a.person_id, p.given_name || ' ' || p.family_name AS name, a.guest FROM plc_attendance a \
         JOIN people p ON p.id = a.person_id WHERE a.meeting_id = $1 ORDER BY a.guest, p.family_name, p.id"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    let all = points_of_plc(db, plc_id).await?;
    let action_points = all.iter().filter(|a| a.meeting_id == id).cloned().collect();
    let states: Vec<PointState> = all.iter().map(state).collect();
    let carried_over =
        peer::carried_over(&states, held_on).iter().filter_map(|i| all.iter().find(|a| a.id == *i).cloned()).collect();
    Ok(Meeting { id, uuid, plc_id, held_on, place, agenda, notes, standards, attendance, action_points, carried_over })
}

/// The meetings of a PLC, newest first, as (id, day).
pub async fn meetings(db: &Db, actor: &Actor, plc_id: i64) -> Result<Vec<(i64, NaiveDate)>> {
    plc(db, actor, plc_id).await?;
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT id, held_on FROM plc_meetings WHERE plc_id = $1 ORDER BY held_on DESC, id DESC"
    )
    .bind(plc_id)
    .fetch_all(p)
    .await)?)
}

/// The columns the list of PLCs sorts by (by name unless asked otherwise).
pub const PLC_SORTS: opencpd_kernel::paging::Sorts = &[
    ("name", "g.name"),
    ("code", "g.code"),
    ("level", "g.level"),
    ("unit", "u.name"),
    ("last_meeting", "last_meeting"),
];

/// The PLCs the actor reads (by place, or as one of their people), one page, searched by
/// code or name, with their last meeting and the action points still open.
pub async fn plc_list(
    db: &Db,
    actor: &Actor,
    page: &opencpd_kernel::paging::Page,
) -> Result<opencpd_kernel::paging::Paged<PlcLine>> {
    let c = page.check(PLC_SORTS)?;
    let people = super::actor_people(db, actor).await?;
    let own = if people.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = people.iter().map(i64::to_string).collect();
        format!(" OR g.id IN (SELECT plc_id FROM plc_people WHERE person_id IN ({}))", ids.join(", "))
    };
    let filter = format!(
        "WHERE ({}{own}) AND ($1 IS NULL OR LOWER(g.code) LIKE $1 ESCAPE '\\' OR LOWER(g.name) LIKE $1 ESCAPE '\\')",
        ListScope::of(actor).sql(Columns::path("g.unit_path").school("g.school_id"))
    );
    let count = format!("SELECT COUNT(*) FROM plcs g {filter}");
    let sql = format!(
        "SELECT g.id, g.code, g.name, g.level, u.name AS unit_name, g.meetings_per_term, \
         (SELECT COUNT(*) FROM plc_meetings m WHERE m.plc_id = g.id) AS meetings, \
         (SELECT MAX(m.held_on) FROM plc_meetings m WHERE m.plc_id = g.id) AS last_meeting, \
         (SELECT COUNT(*) FROM plc_action_points a WHERE a.plc_id = g.id AND a.status IN ('open', 'in_progress')) \
         AS open_points FROM plcs g JOIN units u ON u.id = g.unit_id {filter} {} LIMIT $2 OFFSET $3",
        c.order_by("g.id")
    );
    let total: i64 =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone())).bind(&c.pattern).fetch_one(p).await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// Whether the actor may record the PLC's meetings (see [`plc_to_run`]).
pub async fn may_run(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    match plc_to_run(db, actor, id).await {
        Ok(_) => Ok(true),
        Err(Error::Forbidden) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The professional standards a meeting's topics or a visit's focus are chosen from:
/// (id, code, English name, French name), by framework and code.
pub async fn standard_choices(db: &Db) -> Result<Vec<(i64, String, String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT id, code, name_en, name_fr FROM standards ORDER BY framework, code, id")
        .fetch_all(p)
        .await)?)
}
