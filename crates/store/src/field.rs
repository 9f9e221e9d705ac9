//! The field app's package: what a coach or officer needs for days offline, limited to
//! their scope — the schools they visit, the staff of those schools, the instruments in
//! use. Kept small (a sector officer's is tens of kilobytes): people are included only
//! when the scope holds at most [`PEOPLE_SCHOOL_LIMIT`] schools.

use crate::exports::scope_clause;
use crate::{Actor, Db, Error, Result, instruments, on_db, today};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const PEOPLE_SCHOOL_LIMIT: usize = 500;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Package {
    pub generated_at: DateTime<Utc>,
    /// Filled in by the web layer: the session's token for the app's writes.
    pub csrf_token: String,
    pub user: PackageUser,
    pub schools: Vec<PackageSchool>,
    pub people: Vec<PackagePerson>,
    /// False when the scope is too wide to carry its people.
    pub people_included: bool,
    pub instruments: Vec<PackageInstrument>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageUser {
    pub username: String,
    pub display_name: String,
    pub language: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PackageSchool {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PackagePerson {
    pub id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    pub school_id: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageInstrument {
    pub id: i64,
    pub code: String,
    pub version: String,
    pub title: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub form: opencpd_forms::Form,
}

/// The package for the actor's whole scope, or for one unit of it (`unit_code`): an
/// officer over a district may take one sector at a time. A unit outside the scope is
/// "not found".
pub async fn package(db: &Db, actor: &Actor, unit_code: Option<&str>) -> Result<Package> {
    let narrow = |column: &str| -> String { format!("{column} >= '/' AND {column} < '0'") };
    let (schools_within, people_within) = match unit_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let unit: Option<(i64, String)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            let (id, path) = unit.ok_or(Error::NotFound)?;
            crate::registry::unit(db, actor, id).await?;
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
        scope_clause(actor, "s.unit_path", Some("s.id"), None)
    );
    let schools: Vec<PackageSchool> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let people_included = schools.len() <= PEOPLE_SCHOOL_LIMIT;
    let people: Vec<PackagePerson> = if people_included {
        let sql = format!(
            "SELECT p.id, p.staff_number, p.given_name, p.family_name, p.sex, x.school_id, p.version FROM positions x \
             JOIN people p ON p.id = x.person_id WHERE x.start_date <= $1 AND (x.end_date IS NULL OR x.end_date >= $1) \
             AND {} AND {people_within} ORDER BY p.family_name, p.given_name",
            scope_clause(actor, "x.path", Some("x.school_id"), Some("x.person_id"))
        );
        let mut rows: Vec<PackagePerson> =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(today()).fetch_all(p).await)?;
        let mut seen = std::collections::HashSet::new();
        rows.retain(|r| seen.insert(r.id));
        rows
    } else {
        Vec::new()
    };
    let mut list = Vec::new();
    for i in instruments::list(db, false).await? {
        let form = instruments::form(db, i.id).await?;
        list.push(PackageInstrument { id: i.id, code: i.code, version: i.version, title: i.title, kind: i.kind, form });
    }
    Ok(Package {
        generated_at: Utc::now(),
        csrf_token: String::new(),
        user: PackageUser {
            username: actor.username.clone(),
            display_name: actor.display_name.clone(),
            language: actor.language.clone(),
        },
        schools,
        people,
        people_included,
        instruments: list,
    })
}

// ---------------------------------------------------------------------------------------
// Edits made offline to shared records.

/// Fields of a person the field app may change.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct PersonChanges {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// An edit as the device sends it: what it changed, on the version it had read.
#[derive(Debug, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct EditInput {
    /// Made by the device; the same edit sent twice is applied once.
    pub uuid: String,
    /// `person` (the only shared record the app edits today).
    pub entity: String,
    pub id: i64,
    pub base_version: i64,
    pub changes: PersonChanges,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FieldEdit {
    pub id: i64,
    pub uuid: String,
    pub entity: String,
    pub entity_id: i64,
    pub base_version: i64,
    /// What the device sent, as JSON.
    pub changes_json: String,
    /// `applied`, `conflict`, `resolved_applied` or `resolved_discarded`.
    pub status: String,
    /// The record as it stood when the conflict was found, as JSON.
    pub current_json: Option<String>,
    pub received_at: DateTime<Utc>,
}

const EDIT_SQL: &str = "SELECT id, uuid, entity, entity_id, base_version, changes_json, status, current_json, received_at FROM field_edits";

async fn edit_by_uuid(db: &Db, uuid: &str) -> Result<Option<FieldEdit>> {
    let sql = format!("{EDIT_SQL} WHERE uuid = $1");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(uuid).fetch_optional(p).await)?)
}

fn apply_changes(person: &crate::registry::Person, changes: &PersonChanges) -> crate::registry::PersonInput {
    crate::registry::PersonInput {
        staff_number: person.staff_number.clone(),
        given_name: person.given_name.clone(),
        family_name: person.family_name.clone(),
        sex: person.sex.clone(),
        birth_year: person.birth_year,
        phone: changes.phone.clone().or_else(|| person.phone.clone()),
        email: changes.email.clone().or_else(|| person.email.clone()),
    }
}

/// Applies an offline edit when the record is as the device read it; otherwise keeps it
/// as a conflict, listed for a person to resolve. Never overwrites a newer version.
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
    let (person, _) = crate::registry::person(db, actor, input.id).await?;
    if !crate::registry::may_edit_person(db, actor, person.id).await? {
        return Err(Error::Forbidden);
    }
    let changes_json = serde_json::to_string(&input.changes).map_err(anyhow::Error::from)?;
    let status = if person.version == input.base_version {
        crate::registry::update_person(db, actor, person.id, person.version, &apply_changes(&person, &input.changes))
            .await?;
        "applied"
    } else {
        "conflict"
    };
    let current = (status == "conflict").then(|| serde_json::to_string(&person).unwrap_or_default());
    on_db!(db, |p| {
        sqlx::query(
        "INSERT INTO field_edits (uuid, user_id, entity, entity_id, base_version, changes_json, status, current_json, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (uuid) DO NOTHING"
    )
    .bind(&uuid)
    .bind(actor.user_id)
    .bind(&input.entity)
    .bind(input.id)
    .bind(input.base_version)
    .bind(&changes_json)
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
        if crate::registry::may_edit_person(db, actor, e.entity_id).await? {
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
    if !crate::registry::may_edit_person(db, actor, edit.entity_id).await? {
        return Err(Error::NotFound);
    }
    if edit.status != "conflict" {
        return Err(Error::Conflict(
            opencpd_domain::Problem::new("conflict").arg("detail", format!("already {}", edit.status)),
        ));
    }
    if apply {
        let changes: PersonChanges = serde_json::from_str(&edit.changes_json).map_err(anyhow::Error::from)?;
        let (person, _) = crate::registry::person(db, actor, edit.entity_id).await?;
        crate::registry::update_person(db, actor, person.id, person.version, &apply_changes(&person, &changes)).await?;
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
