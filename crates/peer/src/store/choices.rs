//! What the pages' pickers offer, each limited to what the reader may read: people found by
//! name (with the role and place of their current position, so two namesakes can be told
//! apart), the programmes and PLC models, and the feedback bands as saved (a PLC's school
//! and unit are picked from the API's lists of schools and units, scoped there).

use opencpd_domain::peer::Band;
use opencpd_kernel::paging::Page;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Result, on_db};
use serde::Serialize;

/// At most this many people are offered for one search.
pub const FOUND: i64 = 25;

/// A person offered by a picker.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PersonChoice {
    pub id: i64,
    pub name: String,
    /// The role of the person's current position, and where it is (a school or a unit).
    pub role: Option<String>,
    pub place: Option<String>,
}

const PERSON_SQL: &str = "SELECT p.id, p.given_name || ' ' || p.family_name AS name, \
     (SELECT x.role FROM positions x WHERE x.person_id = p.id ORDER BY x.end_date IS NULL DESC, x.start_date DESC, x.id DESC LIMIT 1) AS role, \
     (SELECT COALESCE(s.name, u.name) FROM positions x LEFT JOIN schools s ON s.id = x.school_id \
      LEFT JOIN units u ON u.id = x.unit_id WHERE x.person_id = p.id \
      ORDER BY x.end_date IS NULL DESC, x.start_date DESC, x.id DESC LIMIT 1) AS place FROM people p";

/// The people whose name (given then family, or family then given) or staff number holds
/// `q`, among those the actor reads (a position in scope, or their own record): at most
/// [`FOUND`], by family name. A blank search finds no one.
pub async fn find_people(db: &Db, actor: &Actor, q: &str) -> Result<Vec<PersonChoice>> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    let c = Page { q: Some(q.to_string()), ..Page::first() }.check(&[("name", "p.family_name")])?;
    let scope = ListScope::of(actor);
    let in_scope = if scope.is_everything() {
        "1 = 1".to_string()
    } else {
        format!(
            "(EXISTS (SELECT 1 FROM positions x WHERE x.person_id = p.id AND {}) OR {})",
            scope.sql(Columns::path("x.path").school("x.school_id").person("x.person_id")),
            scope.sql(Columns::path("NULL").person("p.id")),
        )
    };
    let sql = format!(
        "{PERSON_SQL} WHERE {in_scope} AND (LOWER(p.given_name || ' ' || p.family_name) LIKE $1 ESCAPE '\\' \
         OR LOWER(p.family_name || ' ' || p.given_name) LIKE $1 ESCAPE '\\' OR LOWER(p.staff_number) LIKE $1 ESCAPE '\\') \
         ORDER BY p.family_name, p.given_name, p.id LIMIT {FOUND}"
    );
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&c.pattern).fetch_all(p).await)?)
}

/// People by id, as a picker shows them (those chosen before, shown again), in the order
/// given; ids that name no one are left out.
pub async fn people_by_id(db: &Db, ids: &[i64]) -> Result<Vec<PersonChoice>> {
    let mut out: Vec<PersonChoice> = Vec::new();
    for chunk in ids.chunks(500) {
        let found: Vec<PersonChoice> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(format!("{PERSON_SQL} WHERE p.id IN ("));
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        out.extend(found);
    }
    out.sort_by_key(|c| ids.iter().position(|i| *i == c.id));
    Ok(out)
}

/// Every programme as (code, name), by code (programmes are the deployment's).
pub async fn programmes(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT code, name FROM programmes ORDER BY code").fetch_all(p).await)?)
}

/// Every PLC model as (code, name), by code.
pub async fn models(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as("SELECT code, name FROM plc_models ORDER BY code").fetch_all(p).await)?)
}

/// The feedback bands saved: each domain and language with its bands in order, by domain
/// (`*` first) then language.
pub async fn bands(db: &Db) -> Result<Vec<(String, String, Vec<Band>)>> {
    let rows: Vec<(String, String, f64, f64, String, String)> = on_db!(db, |p| {
        sqlx::query_as(
            "SELECT domain, lang, min_score, max_score, label, feedback FROM feedback_bands \
             ORDER BY domain, lang, position",
        )
        .fetch_all(p)
        .await
    })?;
    let mut out: Vec<(String, String, Vec<Band>)> = Vec::new();
    for (domain, lang, min, max, label, feedback) in rows {
        let band = Band { min, max, label, feedback };
        match out.last_mut() {
            Some((d, l, list)) if *d == domain && *l == lang => list.push(band),
            _ => out.push((domain, lang, vec![band])),
        }
    }
    Ok(out)
}
