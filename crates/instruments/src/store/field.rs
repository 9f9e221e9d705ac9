//! The field app's package: what a coach or officer needs for days offline, limited to
//! their scope — the schools they visit, the staff of those schools, the instruments in
//! use, the cohorts they facilitate or take part in with their sessions, the people they
//! coach with their visit plan, the standards a visit or a meeting focuses on, and the PLCs
//! they facilitate or support (peer's own readings of them). Kept small (a
//! sector officer's is tens of kilobytes): people are included only when the scope holds
//! at most [`PEOPLE_SCHOOL_LIMIT`] schools.
//!
//! Corrections made offline to a person (names, year of birth, phone, e-mail) carry the
//! version the device read and the values it read of the fields it changed. They apply
//! when those fields still hold those values, even if other fields changed meanwhile (two
//! devices correcting the phone and the e-mail both win); otherwise they are kept as a
//! conflict for a person to resolve at `/conflicts`. An edit without the values read (an
//! older app) conflicts with any change since its version. The values are checked by the
//! registry's rules before anything is decided.

use crate::store as instruments;
use chrono::Utc;
use opencpd_domain::access::Action;
use opencpd_kernel::files::Files;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, on_db, today};
use opencpd_registry::store as registry;
use serde::Serialize;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    EditInput, FieldEdit, Package, PackageCoachee, PackageCohort, PackageInstrument, PackagePerson, PackageSchool,
    PackageSession, PackageStandard, PackageUser, PersonChanges,
};

opencpd_kernel::from_row! {
    PackageCohort { id, code, name, unit_name, start_date, end_date, participant, sessions = skip }
    PackageSession { id, cohort_id, held_on, title }
    PackageCoachee { programme_code, programme_name, coach_id, coachee_id, given_name, family_name, school_id, school_name }
    PackageStandard { id, framework, code, name_en, name_fr }
    PackageSchool { id, code, name, unit_name }
    PackagePerson { id, staff_number, given_name, family_name, sex, birth_year, phone, email, school_id, version }
    FieldEdit { id, uuid, entity, entity_id, base_version, changes_json, base_json, status, current_json, received_at }
}

pub const PEOPLE_SCHOOL_LIMIT: usize = 500;

/// How long after its end a cohort stays in the package (a reaction survey or a follow-up
/// visit comes after the last session).
pub const COHORT_RECENT_DAYS: i64 = 365;

/// The package for the actor's whole scope, or for one unit of it (`unit_code`): an
/// officer over a district may take one sector at a time. A unit outside the scope is
/// "not found".
pub async fn package(db: &Db, files: &Files, actor: &Actor, unit_code: Option<&str>) -> Result<Package> {
    let narrow = |column: &str| -> String { format!("{column} >= '/' AND {column} < '0'") };
    let (schools_within, people_within) = match unit_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let unit: Option<(i64, String)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            let (id, path) = unit.ok_or(Error::NotFound)?;
            registry::unit(db, actor, id).await?;
            let upper = opencpd_domain::access::upper_bound(&path);
            (
                format!("s.unit_path >= '{path}' AND s.unit_path < '{upper}'"),
                format!("x.path >= '{path}' AND x.path < '{upper}'"),
            )
        }
        None => (narrow("s.unit_path"), narrow("x.path")),
    };
    let sql = format!(
        "SELECT s.id, s.code, s.name, u.name AS unit_name FROM schools s JOIN units u ON u.id = s.unit_id \
         WHERE {} AND {schools_within} ORDER BY s.name",
        ListScope::of(actor).sql(Columns::path("s.unit_path").school("s.id"))
    );
    let schools: Vec<PackageSchool> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let people_included = schools.len() <= PEOPLE_SCHOOL_LIMIT;
    let people: Vec<PackagePerson> = if people_included {
        let sql = format!(
            "SELECT p.id, p.staff_number, p.given_name, p.family_name, p.sex, p.birth_year, p.phone, p.email, x.school_id, \
             p.version FROM positions x \
             JOIN people p ON p.id = x.person_id WHERE x.start_date <= $1 AND (x.end_date IS NULL OR x.end_date >= $1) \
             AND {} AND {people_within} ORDER BY p.family_name, p.given_name",
            ListScope::of(actor).sql(Columns::path("x.path").school("x.school_id").person("x.person_id"))
        );
        let mut rows: Vec<PackagePerson> =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(today()).fetch_all(p).await)?;
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert(r.id));
        rows
    } else {
        Vec::new()
    };
    let cohorts = package_cohorts(db, actor, &schools_within.replace("s.unit_path", "c.unit_path")).await?;
    let mut list = Vec::new();
    for i in instruments::list(db, false).await? {
        let form = instruments::form(db, i.id).await?;
        let (form, attachments) = super::files::with_files(db, files, i.id, form).await?;
        let missing_attachments = super::files::missing(&attachments);
        list.push(PackageInstrument {
            id: i.id,
            code: i.code,
            version: i.version,
            title: i.title,
            kind: i.kind,
            form,
            attachments,
            missing_attachments,
        });
    }
    let coachees = package_coachees(db, actor).await?;
    let standards: Vec<PackageStandard> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, framework, code, name_en, name_fr FROM standards ORDER BY framework, code"
    )
    .fetch_all(p)
    .await)?;
    let visit_plans = opencpd_peer::store::coaching::field_visit_plans(db, actor).await?;
    let plcs = opencpd_peer::store::plcs::field_plcs(db, actor).await?;
    let (email, phone) = account_contact(db, actor).await?;
    Ok(Package {
        generated_at: Utc::now(),
        csrf_token: String::new(),
        user: PackageUser {
            username: actor.username.clone(),
            display_name: actor.display_name.clone(),
            language: actor.language.clone(),
            email,
            phone,
        },
        schools,
        people,
        people_included,
        instruments: list,
        cohorts,
        coachees,
        standards,
        visit_plans,
        plcs,
    })
}

/// The e-mail and phone of the person the actor's account is linked to (accounts hold
/// neither themselves); none for an account linked to no one.
async fn account_contact(db: &Db, actor: &Actor) -> Result<(Option<String>, Option<String>)> {
    let Some(user) = actor.user_id else { return Ok((None, None)) };
    let row: Option<(Option<String>, Option<String>)> = on_db!(db, |p| sqlx::query_as(
        "SELECT p.email, p.phone FROM users u JOIN people p ON p.id = u.person_id WHERE u.id = $1"
    )
    .bind(user)
    .fetch_optional(p)
    .await)?;
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    Ok(row.map(|(e, p)| (blank(e), blank(p))).unwrap_or((None, None)))
}

/// An instrument a person may answer now, as their home lists it.
#[derive(Debug, Clone, Serialize)]
pub struct OpenInstrument {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub kind: String,
}

/// What the field app offers a person to answer about their own training: the package's
/// instruments that are collected (none of their files missing), each about the cohorts
/// the person takes part in (enrolled or named a facilitator), as [`package`] chooses them.
/// Nothing when they take part in none.
#[derive(Debug, Clone, Serialize)]
pub struct ToAnswer {
    pub instruments: Vec<OpenInstrument>,
    pub cohorts: Vec<PackageCohort>,
}

pub async fn to_answer(db: &Db, actor: &Actor) -> Result<ToAnswer> {
    let mut cohorts = package_cohorts(db, actor, "1 = 0").await?;
    cohorts.retain(|c| c.participant);
    let mut instruments = Vec::new();
    if !cohorts.is_empty() {
        for i in instruments::list(db, false).await? {
            if super::files::missing(&super::files::attachments(db, i.id).await?).is_empty() {
                instruments.push(OpenInstrument { id: i.id, code: i.code, title: i.title, kind: i.kind });
            }
        }
    }
    Ok(ToAnswer { instruments, cohorts })
}

/// The people the actor coaches: relations running today whose coach is the actor's own
/// person (the account's person, or a grant over one's own record), the same people the
/// peer area lets them record visits of, wherever the coachee is; with the coachee's school
/// as the relation holds it.
async fn package_coachees(db: &Db, actor: &Actor) -> Result<Vec<PackageCoachee>> {
    let mut own = opencpd_domain::access::read_people(&actor.grants);
    if let Some(user) = actor.user_id {
        let linked: Option<Option<i64>> =
            on_db!(db, |p| sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
                .bind(user)
                .fetch_optional(p)
                .await)?;
        own.extend(linked.flatten());
    }
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let ids = own.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT g.code AS programme_code, g.name AS programme_name, r.coach_id, r.coachee_id, b.given_name, b.family_name, \
         r.coachee_school_id AS school_id, s.name AS school_name FROM coaching_relations r \
         JOIN programmes g ON g.id = r.programme_id JOIN people b ON b.id = r.coachee_id \
         LEFT JOIN schools s ON s.id = r.coachee_school_id \
         WHERE r.coach_id IN ({ids}) AND r.start_on <= $1 AND (r.end_on IS NULL OR r.end_on >= $1) \
         ORDER BY b.family_name, b.given_name, r.coachee_id, g.code"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(today()).fetch_all(p).await)?)
}

/// The cohorts of the package (see [`Package::cohorts`]) and their sessions: two queries.
async fn package_cohorts(db: &Db, actor: &Actor, within: &str) -> Result<Vec<PackageCohort>> {
    let facilitating = Actor {
        grants: actor.grants.iter().filter(|g| g.role.permits(Action::Facilitate)).cloned().collect(),
        ..actor.clone()
    };
    let participant = "(EXISTS (SELECT 1 FROM users pu JOIN enrolments e ON e.person_id = pu.person_id \
         WHERE pu.id = $2 AND e.cohort_id = c.id) OR EXISTS (SELECT 1 FROM users pu JOIN cohort_facilitators f \
         ON f.person_id = pu.person_id WHERE pu.id = $2 AND f.cohort_id = c.id))";
    let sql = format!(
        "SELECT c.id, c.code, c.name, u.name AS unit_name, c.start_date, c.end_date, {participant} AS participant \
         FROM cohorts c JOIN units u ON u.id = c.unit_id \
         WHERE c.end_date >= $1 AND (({} AND {within}) OR {participant}) ORDER BY c.start_date DESC, c.code",
        ListScope::of(&facilitating).sql(Columns::path("c.unit_path"))
    );
    let since = today() - chrono::Duration::days(COHORT_RECENT_DAYS);
    let mut cohorts: Vec<PackageCohort> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(since)
        .bind(actor.user_id.unwrap_or(-1))
        .fetch_all(p)
        .await)?;
    if cohorts.is_empty() {
        return Ok(cohorts);
    }
    let ids = cohorts.iter().map(|c| c.id.to_string()).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT id, cohort_id, held_on, title FROM sessions_held WHERE cohort_id IN ({ids}) ORDER BY held_on, id"
    );
    let sessions: Vec<PackageSession> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let mut by_cohort: std::collections::HashMap<i64, Vec<PackageSession>> = std::collections::HashMap::new();
    for s in sessions {
        by_cohort.entry(s.cohort_id).or_default().push(s);
    }
    for c in &mut cohorts {
        c.sessions = by_cohort.remove(&c.id).unwrap_or_default();
    }
    Ok(cohorts)
}

// ---------------------------------------------------------------------------------------
// Edits made offline to shared records.

/// The fields of [`PersonChanges`], in the order pages show them.
pub const PERSON_FIELDS: &[&str] = &["given_name", "family_name", "birth_year", "phone", "email"];

impl PersonChanges {
    /// The fields this names, as JSON values (text, or a number for the year of birth).
    pub fn named(&self) -> Vec<(&'static str, serde_json::Value)> {
        let value = serde_json::to_value(self).unwrap_or_default();
        PERSON_FIELDS.iter().filter_map(|f| value.get(*f).map(|v| (*f, v.clone()))).collect()
    }

    /// The same fields of a person as they stand.
    fn of(person: &registry::Person) -> PersonChanges {
        PersonChanges {
            phone: person.phone.clone(),
            email: person.email.clone(),
            given_name: Some(person.given_name.clone()),
            family_name: Some(person.family_name.clone()),
            birth_year: person.birth_year,
        }
    }
}

const EDIT_SQL: &str = "SELECT id, uuid, entity, entity_id, base_version, changes_json, base_json, status, current_json, \
     received_at FROM field_edits";

async fn edit_by_uuid(db: &Db, uuid: &str) -> Result<Option<FieldEdit>> {
    let sql = format!("{EDIT_SQL} WHERE uuid = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(uuid).fetch_optional(p).await)?)
}

fn apply_changes(person: &registry::Person, changes: &PersonChanges) -> registry::PersonInput {
    registry::PersonInput {
        staff_number: person.staff_number.clone(),
        given_name: changes.given_name.clone().unwrap_or_else(|| person.given_name.clone()),
        family_name: changes.family_name.clone().unwrap_or_else(|| person.family_name.clone()),
        sex: person.sex.clone(),
        birth_year: changes.birth_year.or(person.birth_year),
        phone: changes.phone.clone().or_else(|| person.phone.clone()),
        email: changes.email.clone().or_else(|| person.email.clone()),
    }
}

/// Whether an edit made on `base_version` may apply to the person as they are now: nothing
/// changed since, or (when the device sent what it read) every field it changes still
/// holds the value it read. Two edits to different fields of one record both apply; two
/// to the same field, the second one is a conflict.
fn still_applies(person: &registry::Person, input: &EditInput) -> bool {
    if person.version == input.base_version {
        return true;
    }
    let Some(base) = &input.base else { return false };
    let read: std::collections::HashMap<_, _> = base.named().into_iter().collect();
    let now: std::collections::HashMap<_, _> = PersonChanges::of(person).named().into_iter().collect();
    let null = serde_json::Value::Null;
    input.changes.named().iter().all(|(field, _)| read.get(field).unwrap_or(&null) == now.get(field).unwrap_or(&null))
}

/// Applies an offline edit when the fields it changes are as the device read them;
/// otherwise keeps it as a conflict, listed for a person to resolve. Never overwrites a
/// value the device did not see. The person's own checks (names required, year of birth,
/// phone and e-mail forms) apply as to any edit.
pub async fn submit_edit(db: &Db, actor: &Actor, input: &EditInput) -> Result<FieldEdit> {
    let uuid = uuid::Uuid::parse_str(input.uuid.trim())
        .map_err(|_| opencpd_domain::Problem::new("bad-uuid").in_column("uuid").with_value(input.uuid.trim()))?
        .hyphenated()
        .to_string();
    if let Some(done) = edit_by_uuid(db, &uuid).await? {
        return Ok(done);
    }
    if input.entity != "person" {
        return Err(opencpd_domain::Problem::new("bad-choice")
            .in_column("entity")
            .with_value(&input.entity)
            .arg("allowed", "person")
            .into());
    }
    if input.changes.named().is_empty() {
        return Err(opencpd_domain::Problem::new("required").in_column("changes").into());
    }
    let (person, _) = registry::person(db, actor, input.id).await?;
    if !registry::may_edit_person(db, actor, person.id).await? {
        return Err(Error::Forbidden);
    }
    // The values are checked before anything is decided: a conflict waits with values that
    // could be applied.
    registry::check_person(&apply_changes(&person, &input.changes))?;
    let changes_json = serde_json::to_string(&input.changes).map_err(anyhow::Error::from)?;
    let base_json = match &input.base {
        Some(b) => Some(serde_json::to_string(b).map_err(anyhow::Error::from)?),
        None => None,
    };
    let status = if still_applies(&person, input) {
        registry::update_person(db, actor, person.id, person.version, &apply_changes(&person, &input.changes)).await?;
        "applied"
    } else {
        "conflict"
    };
    let current = (status == "conflict").then(|| serde_json::to_string(&person).unwrap_or_default());
    on_db!(db, |p| {
        sqlx::query(
            "INSERT INTO field_edits (uuid, user_id, entity, entity_id, base_version, changes_json, base_json, status, \
         current_json, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (uuid) DO NOTHING",
        )
        .bind(&uuid)
        .bind(actor.user_id)
        .bind(&input.entity)
        .bind(input.id)
        .bind(input.base_version)
        .bind(&changes_json)
        .bind(&base_json)
        .bind(status)
        .bind(&current)
        .bind(Utc::now())
        .execute(p)
        .await
        .map(|r| r.rows_affected())
    })?;
    edit_by_uuid(db, &uuid).await?.ok_or(Error::NotFound)
}

/// The conflicts waiting for a decision, about people the actor may edit.
pub async fn conflicts(db: &Db, actor: &Actor) -> Result<Vec<FieldEdit>> {
    let sql = format!("{EDIT_SQL} WHERE status = 'conflict' ORDER BY id");
    let all: Vec<FieldEdit> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let mut out = Vec::new();
    for e in all {
        if registry::may_edit_person(db, actor, e.entity_id).await? {
            out.push(e);
        }
    }
    Ok(out)
}

/// A person's decision on a conflict: apply the device's change over the current record,
/// or discard it.
pub async fn resolve(db: &Db, actor: &Actor, id: i64, apply: bool) -> Result<FieldEdit> {
    let sql = format!("{EDIT_SQL} WHERE id = $1");
    let edit: Option<FieldEdit> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let edit = edit.ok_or(Error::NotFound)?;
    if !registry::may_edit_person(db, actor, edit.entity_id).await? {
        return Err(Error::NotFound);
    }
    if edit.status != "conflict" {
        return Err(Error::Conflict(
            opencpd_domain::Problem::new("conflict").arg("detail", format!("already {}", edit.status)),
        ));
    }
    if apply {
        let changes: PersonChanges = serde_json::from_str(&edit.changes_json).map_err(anyhow::Error::from)?;
        let (person, _) = registry::person(db, actor, edit.entity_id).await?;
        registry::update_person(db, actor, person.id, person.version, &apply_changes(&person, &changes)).await?;
    }
    let status = if apply { "resolved_applied" } else { "resolved_discarded" };
    on_db!(db, |p| sqlx::query(
        "UPDATE field_edits SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4"
    )
    .bind(status)
    .bind(actor.user_id)
    .bind(Utc::now())
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    let sql = format!("{EDIT_SQL} WHERE id = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_one(p).await)?)
}
