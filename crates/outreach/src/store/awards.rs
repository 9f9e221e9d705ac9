//! Awards to teachers (best teacher of the district, innovation prize…). An award belongs
//! to its person: whoever reads the person reads their awards; officers whose scope covers
//! the person ([`Action::ManageCohorts`]) record them.

use super::{may, people_by_staff_number, programme_by_code, require_person};
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_domain::registry as vocab;
use opencpd_kernel::error::{collect, fail_if_any, optional_text};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx, today};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Award {
    pub id: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub name: String,
    pub category: Option<String>,
    pub awarded_on: NaiveDate,
    pub awarding_body: Option<String>,
    pub programme_id: Option<i64>,
    pub programme_code: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    /// The person, by id or by staff number.
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub staff_number: Option<String>,
    /// The award's name, e.g. "Best mathematics teacher".
    pub name: String,
    #[serde(default)]
    pub category: Option<String>,
    pub awarded_on: String,
    #[serde(default)]
    pub awarding_body: Option<String>,
    #[serde(default)]
    pub programme_code: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

const AWARD_SQL: &str = "SELECT a.id, a.person_id, p.given_name, p.family_name, a.name, a.category, a.awarded_on, \
     a.awarding_body, a.programme_id, g.code AS programme_code, a.notes FROM awards a JOIN people p ON p.id = a.person_id \
     LEFT JOIN programmes g ON g.id = a.programme_id";

/// A person's awards, newest first.
pub async fn awards_of(db: &Db, actor: &Actor, person_id: i64) -> Result<Vec<Award>> {
    require_person(db, actor, person_id, Action::Read).await?;
    let sql = format!("{AWARD_SQL} WHERE a.person_id = $1 ORDER BY a.awarded_on DESC, a.id DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(person_id).fetch_all(p).await)?)
}

pub async fn award(db: &Db, actor: &Actor, id: i64) -> Result<Award> {
    let sql = format!("{AWARD_SQL} WHERE a.id = $1");
    let found: Option<Award> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let found = found.ok_or(Error::NotFound)?;
    require_person(db, actor, found.person_id, Action::Read).await?;
    Ok(found)
}

/// Deletes an award recorded by mistake; only officers whose scope covers the person.
pub async fn delete_award(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let before = award(db, actor, id).await?;
    require_person(db, actor, before.person_id, Action::ManageCohorts).await?;
    let summary = format!("award {} to person {}", before.name, before.person_id);
    super::delete_record(db, actor, super::Removable::Award, id, &summary, &before).await
}

/// Records an award to a person.
pub async fn create_award(db: &Db, actor: &Actor, input: &AwardInput) -> Result<Award> {
    may(actor, Action::ManageCohorts)?;
    let person_id = match (input.person_id, optional_text(&input.staff_number)) {
        (Some(id), _) => id,
        (None, Some(n)) => {
            let found = people_by_staff_number(db, &[n.to_string(), n.to_uppercase()]).await?;
            *found
                .get(&n.to_lowercase())
                .ok_or_else(|| Problem::new("unknown-person").in_column("staff_number").with_value(n))?
        }
        (None, None) => return Err(Problem::new("required").in_column("person_id").into()),
    };
    require_person(db, actor, person_id, Action::ManageCohorts).await?;
    let mut problems = Vec::new();
    let name = collect(&mut problems, "name", vocab::parse_name(&input.name));
    let on = collect(&mut problems, "awarded_on", vocab::parse_date(&input.awarded_on));
    if let Some(d) = on
        && d > today()
    {
        problems.push(Problem::new("in-future").in_column("awarded_on").with_value(d.to_string()));
    }
    let programme_id = match optional_text(&input.programme_code) {
        Some(c) => {
            let id = programme_by_code(db, c).await?;
            if id.is_none() {
                problems.push(Problem::new("unknown-programme").in_column("programme_code").with_value(c));
            }
            id
        }
        None => None,
    };
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO awards (person_id, name, category, awarded_on, awarding_body, programme_id, notes, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
    )
    .bind(person_id)
    .bind(name.as_deref())
    .bind(optional_text(&input.category))
    .bind(on)
    .bind(optional_text(&input.awarding_body))
    .bind(programme_id)
    .bind(optional_text(&input.notes))
    .bind(Utc::now())
    .bind(&actor.username)
    .fetch_one(&mut *c)
    .await
    })?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "award",
        &id.to_string(),
        &format!("award {} to person {person_id}", name.as_deref().unwrap_or_default()),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    award(db, actor, id).await
}
