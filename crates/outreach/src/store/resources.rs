//! Resources delivered to schools (a smart classroom, science kits, tablets, library
//! books…) and the later checks of their state. A resource belongs to its school: whoever
//! reads the school reads its resources; officers whose scope covers the school
//! ([`Action::ManageCohorts`]) record deliveries and checks.
//!
//! A check is dated on or after the delivery and never in the future; the latest check
//! (by date) gives the resource's current state.

use super::{choice, may, programme_by_code};
use chrono::Utc;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::registry as vocab;
use opencpd_kernel::error::{collect, fail_if_any, optional_text};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, audit, on_db, on_tx, today};
use opencpd_registry::store as registry;
use serde::{Deserialize, Serialize};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{CheckInput, Resource, ResourceCheck, ResourceInput};

opencpd_kernel::from_row! {
    Resource { id, kind, description, quantity, school_id, school_code, school_name, unit_path, programme_id, programme_code, delivered_on, state, notes, last_state, last_checked_on, checks = skip }
    ResourceCheck { id, resource_id, checked_on, state, notes, checked_by, created_at }
}

pub const RESOURCE_KINDS: &[&str] = &[
    "smart_classroom",
    "science_kit",
    "maths_kit",
    "tablets",
    "laptops",
    "projector",
    "library_books",
    "textbooks",
    "lab_equipment",
    "solar_power",
    "other",
];
/// The state of what arrived.
pub const DELIVERY_STATES: &[&str] = &["complete", "incomplete", "damaged"];
/// What a later check finds.
pub const CHECK_STATES: &[&str] = &["in_use", "partly_in_use", "not_in_use", "broken", "missing"];

const RESOURCE_SQL: &str = "SELECT r.id, r.kind, r.description, r.quantity, r.school_id, s.code AS school_code, \
     s.name AS school_name, r.unit_path, r.programme_id, g.code AS programme_code, r.delivered_on, r.state, r.notes, \
     (SELECT c.state FROM resource_checks c WHERE c.resource_id = r.id ORDER BY c.checked_on DESC, c.id DESC LIMIT 1) AS last_state, \
     (SELECT MAX(c.checked_on) FROM resource_checks c WHERE c.resource_id = r.id) AS last_checked_on \
     FROM resources r JOIN schools s ON s.id = r.school_id LEFT JOIN programmes g ON g.id = r.programme_id";

fn target(r: &Resource) -> Target<'_> {
    Target::School { id: r.school_id, unit_path: &r.unit_path }
}

async fn resource_unchecked(db: &Db, id: i64) -> Result<Resource> {
    let sql = format!("{RESOURCE_SQL} WHERE r.id = $1");
    let found: Option<Resource> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// A resource with its checks, newest first, when the actor reads its school.
pub async fn resource(db: &Db, actor: &Actor, id: i64) -> Result<Resource> {
    let mut r = resource_unchecked(db, id).await?;
    actor.require(Action::Read, &target(&r))?;
    r.checks = on_db!(db, |p| sqlx::query_as(
        "SELECT id, resource_id, checked_on, state, notes, checked_by, created_at FROM resource_checks \
         WHERE resource_id = $1 ORDER BY checked_on DESC, id DESC"
    )
    .bind(id)
    .fetch_all(p)
    .await)?;
    Ok(r)
}

/// What to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResourceFilter {
    pub school_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub kind: Option<String>,
    /// The latest check's state (in_use, broken…), or "unchecked".
    pub state: Option<String>,
}

/// The resources the actor reads, newest delivery first (at most 2,000): what the export
/// and a school's page show.
pub async fn resources(db: &Db, actor: &Actor, filter: &ResourceFilter) -> Result<Vec<Resource>> {
    query(db, actor, filter, None, "ORDER BY x.delivered_on DESC, x.id DESC", (2000, 0)).await
}

/// The columns the list of resources sorts by (newest delivery first unless asked).
pub const RESOURCE_SORTS: Sorts = &[
    ("delivered_on", "x.delivered_on"),
    ("school", "x.school_name"),
    ("kind", "x.kind"),
    ("quantity", "x.quantity"),
    ("programme", "COALESCE(x.programme_code, '')"),
];

/// The resources the actor reads, filtered, one page, searched by the school's name or code
/// or the resource's description.
pub async fn resource_list(db: &Db, actor: &Actor, filter: &ResourceFilter, page: &Page) -> Result<Paged<Resource>> {
    let page = match page.sort {
        None => {
            Page { sort: Some("delivered_on".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() }
        }
        Some(_) => page.clone(),
    };
    let c = page.check(RESOURCE_SORTS)?;
    let where_ = conditions(db, actor, filter).await?;
    let count = format!("SELECT COUNT(*) FROM ({RESOURCE_SQL}) x WHERE {where_}");
    let binds = binds(filter, c.pattern.as_deref());
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(&binds.0)
        .bind(binds.1)
        .bind(&binds.2)
        .bind(&binds.3)
        .fetch_one(p)
        .await)?;
    let items = query(db, actor, filter, c.pattern.as_deref(), &c.order_by("x.id"), (c.limit(), c.offset())).await?;
    Ok(c.answer(total, items))
}

/// The conditions of a list of resources on `x` (the resource with its school, programme
/// and latest check), binding `$1` kind, `$2` programme, `$3` state and `$4` the search.
/// The actor's scope, narrowed by the filter to one school or one unit (each checked as a
/// single record first).
async fn conditions(db: &Db, actor: &Actor, filter: &ResourceFilter) -> Result<String> {
    let place = if let Some(id) = filter.school_id {
        let school = registry::school(db, actor, id).await?;
        format!("x.school_id = {}", school.id)
    } else if let Some(id) = filter.unit_id {
        let path = registry::unit(db, actor, id).await?.path;
        format!("(x.unit_path >= '{path}' AND x.unit_path < '{}')", upper_bound(&path))
    } else {
        ListScope::of(actor).sql(Columns::path("x.unit_path").school("x.school_id"))
    };
    Ok(format!(
        "{place} AND ($1 IS NULL OR x.kind = $1) AND ($2 IS NULL OR x.programme_id = $2) \
             AND ($3 IS NULL OR x.last_state = $3 OR ($3 = 'unchecked' AND x.last_state IS NULL)) \
             AND ($4 IS NULL OR LOWER(x.school_name) LIKE $4 ESCAPE '\\' OR LOWER(x.school_code) LIKE $4 ESCAPE '\\' \
             OR LOWER(COALESCE(x.description, '')) LIKE $4 ESCAPE '\\')"
    ))
}

fn binds(
    filter: &ResourceFilter,
    pattern: Option<&str>,
) -> (Option<String>, Option<i64>, Option<String>, Option<String>) {
    (
        optional_text(&filter.kind).map(|k| k.to_lowercase()),
        filter.programme_id,
        optional_text(&filter.state).map(|k| k.to_lowercase()),
        pattern.map(str::to_string),
    )
}

async fn query(
    db: &Db,
    actor: &Actor,
    filter: &ResourceFilter,
    pattern: Option<&str>,
    order: &str,
    (limit, offset): (i64, i64),
) -> Result<Vec<Resource>> {
    let where_ = conditions(db, actor, filter).await?;
    let sql = format!("SELECT * FROM ({RESOURCE_SQL}) x WHERE {where_} {order} LIMIT $5 OFFSET $6");
    let binds = binds(filter, pattern);
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&binds.0)
        .bind(binds.1)
        .bind(&binds.2)
        .bind(&binds.3)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?)
}

/// Records a delivery to a school.
pub async fn create_resource(db: &Db, actor: &Actor, input: &ResourceInput) -> Result<Resource> {
    may(actor, Action::ManageCohorts)?;
    let mut problems = Vec::new();
    let kind = collect(&mut problems, "kind", choice(&input.kind, RESOURCE_KINDS));
    if input.quantity <= 0 {
        problems.push(Problem::new("not-positive").in_column("quantity").with_value(input.quantity.to_string()));
    }
    let delivered = collect(&mut problems, "delivered_on", vocab::parse_date(&input.delivered_on));
    if let Some(d) = delivered
        && d > today()
    {
        problems.push(Problem::new("in-future").in_column("delivered_on").with_value(d.to_string()));
    }
    let state = match optional_text(&input.state) {
        Some(s) => collect(&mut problems, "state", choice(s, DELIVERY_STATES)),
        None => Some("complete"),
    };
    let school: Option<(i64, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, unit_path FROM schools WHERE code = $1")
            .bind(input.school_code.trim())
            .fetch_optional(p)
            .await)?;
    match &school {
        None => {
            problems.push(Problem::new("unknown-school").in_column("school_code").with_value(input.school_code.trim()))
        }
        Some((id, path)) if !actor.allows(Action::ManageCohorts, &Target::School { id: *id, unit_path: path }) => {
            problems.push(Problem::new("out-of-scope").in_column("school_code").with_value(input.school_code.trim()))
        }
        _ => {}
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
    let (school_id, unit_path) = school.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO resources (kind, description, quantity, school_id, unit_path, programme_id, delivered_on, state, notes, \
         created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
    )
    .bind(kind)
    .bind(optional_text(&input.description))
    .bind(input.quantity)
    .bind(school_id)
    .bind(&unit_path)
    .bind(programme_id)
    .bind(delivered)
    .bind(state)
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
        "resource",
        &id.to_string(),
        &format!("{} × {} to school {}", input.quantity, kind.unwrap_or_default(), input.school_code.trim()),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    resource(db, actor, id).await
}

/// Records what a later check found.
/// Deletes a delivery recorded by mistake, with its checks; only whoever manages
/// delivery at its school.
pub async fn delete_resource(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let before = resource(db, actor, id).await?;
    actor.require(Action::ManageCohorts, &target(&before))?;
    let summary = format!("resource {} at school {}", before.kind, before.school_id);
    super::delete_record(db, actor, super::Removable::Resource, id, &summary, &before).await
}

pub async fn add_check(db: &Db, actor: &Actor, resource_id: i64, input: &CheckInput) -> Result<Resource> {
    let r = resource(db, actor, resource_id).await?;
    actor.require(Action::ManageCohorts, &target(&r))?;
    let mut problems = Vec::new();
    let on = collect(&mut problems, "checked_on", vocab::parse_date(&input.checked_on));
    if let Some(d) = on {
        if d < r.delivered_on {
            problems.push(
                Problem::new("check-before-delivery")
                    .in_column("checked_on")
                    .with_value(d.to_string())
                    .arg("delivered", r.delivered_on),
            );
        } else if d > today() {
            problems.push(Problem::new("in-future").in_column("checked_on").with_value(d.to_string()));
        }
    }
    let state = collect(&mut problems, "state", choice(&input.state, CHECK_STATES));
    fail_if_any(problems)?;
    let by = optional_text(&input.checked_by).unwrap_or(&actor.username).to_string();
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
        "INSERT INTO resource_checks (resource_id, checked_on, state, notes, checked_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(resource_id)
    .bind(on)
    .bind(state)
    .bind(optional_text(&input.notes))
    .bind(&by)
    .bind(Utc::now())
    .fetch_one(&mut *c)
    .await)?;
    audit::record(
        &mut tx,
        actor,
        "check",
        "resource",
        &resource_id.to_string(),
        &format!("check {id} of resource {resource_id}: {}", state.unwrap_or_default()),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    resource(db, actor, resource_id).await
}

/// The resources as a table for CSV or XLSX.
pub fn resources_table(rows: &[Resource]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "id",
        "kind",
        "description",
        "quantity",
        "school_code",
        "school_name",
        "programme_code",
        "delivered_on",
        "state",
        "last_state",
        "last_checked_on",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.kind.clone(),
                r.description.clone().unwrap_or_default(),
                r.quantity.to_string(),
                r.school_code.clone(),
                r.school_name.clone(),
                r.programme_code.clone().unwrap_or_default(),
                r.delivered_on.to_string(),
                r.state.clone(),
                r.last_state.clone().unwrap_or_default(),
                r.last_checked_on.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}
