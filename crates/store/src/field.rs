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
