//! Outreach events: maths camps, science caravans, award ceremonies, broadcasts and the
//! like, with participants by category and sex and the schools they reached.
//!
//! An event is placed at a school or a unit, and belongs there: officers whose scope
//! covers the place manage it ([`Action::ManageCohorts`]), and whoever reads the place
//! reads it. A broadcast (radio, TV, online) may have no place: it is then the
//! deployment's, read by everyone logged in and managed by those who manage programmes.
//! The schools an event reached must each be readable by whoever records it; the school
//! an event is held at counts as reached.

use super::{choice, may, optional_date, programme_by_code};
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::import::Cells;
use opencpd_domain::registry as vocab;
use opencpd_kernel::error::{collect, fail_if_any, optional_text};
use opencpd_kernel::import::{self, Column, ImportReport, Importer, Options, Row, Source, Written};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use opencpd_registry::store as registry;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    KindTotal, OutreachEvent, OutreachInput, OutreachKind, OutreachTotals, Participants, ReachedSchool,
};

opencpd_kernel::from_row! {
    Participants { learners_female, learners_male, teachers_female, teachers_male, parents_female, parents_male, officials_female, officials_male, others_female, others_male }
    OutreachKind { key, name_en, name_fr, position }
    ReachedSchool { id, code, name }
    OutreachEvent { id, kind, title, programme_id, programme_code, start_date, end_date, unit_id, unit_code, unit_name, school_id, school_code, school_name, path, medium, audience, participants = flatten, notes, version, schools = skip }
}

/// How a broadcast reaches people.
pub const MEDIA: &[&str] = &["radio", "tv", "online"];
/// Who took part, each counted by sex.
pub const CATEGORIES: &[&str] = &["learners", "teachers", "parents", "officials", "others"];
/// The most events a list returns.
pub const LIST_LIMIT: i64 = 1000;

impl Participants {
    /// (column name, value), in the order of [`CATEGORIES`], female then male.
    pub fn cells(&self) -> [(&'static str, i64); 10] {
        [
            ("learners_female", self.learners_female),
            ("learners_male", self.learners_male),
            ("teachers_female", self.teachers_female),
            ("teachers_male", self.teachers_male),
            ("parents_female", self.parents_female),
            ("parents_male", self.parents_male),
            ("officials_female", self.officials_female),
            ("officials_male", self.officials_male),
            ("others_female", self.others_female),
            ("others_male", self.others_male),
        ]
    }

    pub fn female(&self) -> i64 {
        self.cells().iter().filter(|(k, _)| k.ends_with("_female")).map(|(_, v)| v).sum()
    }

    pub fn male(&self) -> i64 {
        self.cells().iter().filter(|(k, _)| k.ends_with("_male")).map(|(_, v)| v).sum()
    }

    pub fn total(&self) -> i64 {
        self.female() + self.male()
    }

    fn add(&mut self, o: &Participants) {
        self.learners_female += o.learners_female;
        self.learners_male += o.learners_male;
        self.teachers_female += o.teachers_female;
        self.teachers_male += o.teachers_male;
        self.parents_female += o.parents_female;
        self.parents_male += o.parents_male;
        self.officials_female += o.officials_female;
        self.officials_male += o.officials_male;
        self.others_female += o.others_female;
        self.others_male += o.others_male;
    }
}

impl OutreachKind {
    pub fn name(&self, lang: &str) -> &str {
        if lang == "fr" { &self.name_fr } else { &self.name_en }
    }
}

impl OutreachEvent {
    fn target(&self) -> Option<Target<'_>> {
        match (self.school_id, self.path.as_str()) {
            (_, "/") => None,
            (Some(id), path) => Some(Target::School { id, unit_path: path }),
            (None, path) => Some(Target::Unit { path }),
        }
    }
}

const EVENT_SQL: &str = "SELECT e.id, e.kind, e.title, e.programme_id, g.code AS programme_code, e.start_date, e.end_date, \
     e.unit_id, u.code AS unit_code, u.name AS unit_name, e.school_id, s.code AS school_code, s.name AS school_name, \
     e.path, e.medium, e.audience, e.learners_female, e.learners_male, e.teachers_female, e.teachers_male, \
     e.parents_female, e.parents_male, e.officials_female, e.officials_male, e.others_female, e.others_male, \
     e.notes, e.version FROM outreach_events e LEFT JOIN programmes g ON g.id = e.programme_id \
     LEFT JOIN units u ON u.id = e.unit_id LEFT JOIN schools s ON s.id = e.school_id";

pub async fn kinds(db: &Db) -> Result<Vec<OutreachKind>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT key, name_en, name_fr, position FROM outreach_kinds ORDER BY position, key"
    )
    .fetch_all(p)
    .await)?)
}

/// Adds or renames a kind of outreach event (the deployment's list).
pub async fn set_kind(db: &Db, actor: &Actor, input: &OutreachKind) -> Result<Vec<OutreachKind>> {
    may(actor, Action::ManageProgrammes)?;
    let mut problems = Vec::new();
    let key = input.key.trim().to_lowercase();
    if key.is_empty()
        || key.len() > 40
        || !key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        problems.push(Problem::new("bad-code").in_column("key").with_value(input.key.trim()));
    }
    collect(&mut problems, "name_en", vocab::parse_name(&input.name_en));
    collect(&mut problems, "name_fr", vocab::parse_name(&input.name_fr));
    fail_if_any(problems)?;
    let before = kinds(db).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| {
        sqlx::query(
        "INSERT INTO outreach_kinds (key, name_en, name_fr, position) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET name_en = excluded.name_en, name_fr = excluded.name_fr, position = excluded.position"
    )
    .bind(&key)
    .bind(input.name_en.trim())
    .bind(input.name_fr.trim())
    .bind(input.position)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected())
    })?;
    audit::record(
        &mut tx,
        actor,
        "set",
        "outreach_kind",
        &key,
        &format!("outreach kind {key}"),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    kinds(db).await
}

async fn schools_of(db: &Db, event_id: i64) -> Result<Vec<ReachedSchool>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "SELECT s.id, s.code, s.name FROM outreach_schools x JOIN schools s ON s.id = x.school_id \
         WHERE x.event_id = $1 ORDER BY s.name"
    )
    .bind(event_id)
    .fetch_all(p)
    .await)?)
}

async fn event_unchecked(db: &Db, id: i64) -> Result<OutreachEvent> {
    let sql = format!("{EVENT_SQL} WHERE e.id = $1");
    let found: Option<OutreachEvent> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    let mut e = found.ok_or(Error::NotFound)?;
    e.schools = schools_of(db, id).await?;
    Ok(e)
}

/// An event the actor may read: one of the deployment's, or placed in their scope.
pub async fn event(db: &Db, actor: &Actor, id: i64) -> Result<OutreachEvent> {
    let e = event_unchecked(db, id).await?;
    if let Some(t) = e.target() {
        actor.require(Action::Read, &t)?;
    }
    Ok(e)
}

/// Whether the actor may change this event.
pub fn may_change(actor: &Actor, event: &OutreachEvent) -> bool {
    may_manage(actor, event.target().as_ref())
}

/// Whether the actor may change an event placed so (read checked already).
fn may_manage(actor: &Actor, target: Option<&Target<'_>>) -> bool {
    match target {
        Some(t) => actor.allows(Action::ManageCohorts, t),
        None => actor.may(Action::ManageProgrammes),
    }
}

/// What to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutreachFilter {
    pub kind: Option<String>,
    pub programme_id: Option<i64>,
    /// Events placed in this unit or below (deployment-wide ones are left out).
    pub unit_id: Option<i64>,
    /// From this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Up to this date (YYYY-MM-DD).
    pub to: Option<String>,
}

/// The events the actor may read, newest first: the deployment's, those placed in a unit
/// of their scope and those at their schools.
pub async fn events(db: &Db, actor: &Actor, filter: &OutreachFilter) -> Result<Vec<OutreachEvent>> {
    let tail = " ORDER BY e.start_date DESC, e.id DESC";
    let rows = scoped(db, actor, filter, &format!("{EVENT_SQL} WHERE "), tail, None, (LIST_LIMIT, 0)).await?;
    with_schools(db, rows).await
}

/// The columns the list of events sorts by (newest first unless asked otherwise).
pub const EVENT_SORTS: Sorts = &[
    ("start_date", "e.start_date"),
    ("title", "e.title"),
    ("kind", "e.kind"),
    ("place", "COALESCE(s.name, u.name, '')"),
    ("programme", "COALESCE(g.code, '')"),
];

/// The events the actor may read, filtered, one page, searched by title, or by the name
/// or code of the school or unit they were held at.
pub async fn event_list(db: &Db, actor: &Actor, filter: &OutreachFilter, page: &Page) -> Result<Paged<OutreachEvent>> {
    let page = match page.sort {
        None => Page { sort: Some("start_date".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    let c = page.check(EVENT_SORTS)?;
    let pattern = c.pattern.as_deref();
    let count = "SELECT COUNT(*) FROM outreach_events e LEFT JOIN units u ON u.id = e.unit_id \
                 LEFT JOIN schools s ON s.id = e.school_id WHERE ";
    let total: Vec<(i64,)> = scoped(db, actor, filter, count, "", pattern, (1, 0)).await?;
    let tail = format!(" {}", c.order_by("e.id"));
    let rows =
        scoped(db, actor, filter, &format!("{EVENT_SQL} WHERE "), &tail, pattern, (c.limit(), c.offset())).await?;
    Ok(c.answer(total.first().map_or(0, |t| t.0), with_schools(db, rows).await?))
}

/// Events with the schools each reached.
async fn with_schools(db: &Db, rows: Vec<OutreachEvent>) -> Result<Vec<OutreachEvent>> {
    let mut out: Vec<OutreachEvent> = rows;
    if !out.is_empty() {
        let ids: Vec<i64> = out.iter().map(|e| e.id).collect();
        let mut links: Vec<(i64, i64, String, String)> = Vec::new();
        for chunk in ids.chunks(5000) {
            let rows: Vec<(i64, i64, String, String)> = on_db!(db, |p| {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT x.event_id, s.id, s.code, s.name FROM outreach_schools x JOIN schools s ON s.id = x.school_id \
                     WHERE x.event_id IN (",
                );
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(") ORDER BY s.name");
                qb.build_query_as().fetch_all(p).await
            })?;
            links.extend(rows);
        }
        for e in &mut out {
            e.schools = links
                .iter()
                .filter(|l| l.0 == e.id)
                .map(|l| ReachedSchool { id: l.1, code: l.2.clone(), name: l.3.clone() })
                .collect();
        }
    }
    Ok(out)
}

/// Runs `head` + the scope and filter conditions (and the search `pattern`, which needs
/// `u` and `s` joined) + `tail` on `outreach_events e`, at most `limit` rows after `offset`.
async fn scoped<T>(
    db: &Db,
    actor: &Actor,
    filter: &OutreachFilter,
    head: &str,
    tail: &str,
    pattern: Option<&str>,
    (limit, offset): (i64, i64),
) -> Result<Vec<T>>
where
    T: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let mut problems = Vec::new();
    let kind = optional_text(&filter.kind).map(|k| k.to_lowercase());
    let from = optional_date(&mut problems, "from", &filter.from);
    let to = optional_date(&mut problems, "to", &filter.to);
    fail_if_any(problems)?;
    let unit_path: Option<String> = match filter.unit_id {
        Some(id) => {
            let unit = registry::unit(db, actor, id).await?;
            Some(unit.path)
        }
        None => None,
    };
    let scope = ListScope::of(actor);
    let scope = if scope.is_everything() {
        "1 = 1".to_string()
    } else {
        // Broadcasts with no place are the deployment's, read by all.
        format!("(e.path = '/' OR {})", scope.sql(Columns::path("e.path").school("e.school_id")))
    };
    let rows: Vec<T> = on_db!(db, |p| {
        let mut qb = sqlx::QueryBuilder::new(head);
        qb.push(scope.as_str());
        if let Some(k) = &kind {
            qb.push(" AND e.kind = ").push_bind(k.clone());
        }
        if let Some(id) = filter.programme_id {
            qb.push(" AND e.programme_id = ").push_bind(id);
        }
        if let Some(path) = &unit_path {
            qb.push(" AND e.path >= ").push_bind(path.clone());
            qb.push(" AND e.path < ").push_bind(upper_bound(path));
        }
        if let Some(d) = from {
            qb.push(" AND e.end_date >= ").push_bind(d);
        }
        if let Some(d) = to {
            qb.push(" AND e.start_date <= ").push_bind(d);
        }
        if let Some(like) = pattern {
            qb.push(" AND (LOWER(e.title) LIKE ").push_bind(like.to_string());
            qb.push(" ESCAPE '\\' OR LOWER(COALESCE(s.name, '')) LIKE ").push_bind(like.to_string());
            qb.push(" ESCAPE '\\' OR LOWER(COALESCE(s.code, '')) LIKE ").push_bind(like.to_string());
            qb.push(" ESCAPE '\\' OR LOWER(COALESCE(u.name, '')) LIKE ").push_bind(like.to_string());
            qb.push(" ESCAPE '\\')");
        }
        qb.push(tail);
        qb.push(" LIMIT ").push_bind(limit);
        qb.push(" OFFSET ").push_bind(offset);
        qb.build_query_as().fetch_all(p).await
    })?;
    Ok(rows)
}

/// An input checked and resolved, ready to write.
struct Checked {
    kind: String,
    title: String,
    programme_id: Option<i64>,
    start: NaiveDate,
    end: NaiveDate,
    unit_id: Option<i64>,
    school_id: Option<i64>,
    path: String,
    medium: Option<&'static str>,
    schools: Vec<i64>,
}

async fn check(db: &Db, actor: &Actor, input: &OutreachInput) -> Result<Checked> {
    let mut problems = Vec::new();
    let kinds = kinds(db).await?;
    let wanted = input.kind.trim().to_lowercase().replace(['-', ' '], "_");
    if !kinds.iter().any(|k| k.key == wanted) {
        let allowed: Vec<&str> = kinds.iter().map(|k| k.key.as_str()).collect();
        problems.push(
            Problem::new("bad-choice")
                .in_column("kind")
                .with_value(input.kind.trim())
                .arg("allowed", allowed.join(", ")),
        );
    }
    let title = collect(&mut problems, "title", vocab::parse_name(&input.title));
    let start = collect(&mut problems, "start_date", vocab::parse_date(&input.start_date));
    let end = optional_date(&mut problems, "end_date", &input.end_date);
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        problems.push(Problem::new("ends-before-start").in_column("end_date").arg("start", s));
    }
    let medium = optional_text(&input.medium).and_then(|m| collect(&mut problems, "medium", choice(m, MEDIA)));
    if let Some(a) = input.audience
        && a < 0
    {
        problems.push(Problem::new("negative").in_column("audience").with_value(a.to_string()));
    }
    for (column, value) in input.participants.cells() {
        if value < 0 {
            problems.push(
                Problem::new("negative").in_column(format!("participants.{column}")).with_value(value.to_string()),
            );
        }
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
    // The place: a school (its unit), else a unit, else none for a broadcast.
    let mut place: Option<(Option<i64>, Option<i64>, String)> = None;
    let unit = match optional_text(&input.unit_code) {
        Some(code) => {
            let found: Option<(i64, String)> =
                on_db!(db, |p| sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            if found.is_none() {
                problems.push(Problem::new("unknown-unit").in_column("unit_code").with_value(code));
            }
            found
        }
        None => None,
    };
    if let Some(code) = optional_text(&input.school_code) {
        let found: Option<(i64, i64, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT id, unit_id, unit_path FROM schools WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
        match found {
            None => problems.push(Problem::new("unknown-school").in_column("school_code").with_value(code)),
            Some((id, unit_id, path)) => {
                if let Some((_, upath)) = &unit
                    && !path.starts_with(upath.as_str())
                {
                    problems.push(
                        Problem::new("school-not-in-unit")
                            .in_column("school_code")
                            .with_value(code)
                            .arg("unit", optional_text(&input.unit_code).unwrap_or_default()),
                    );
                }
                if !actor.allows(Action::ManageCohorts, &Target::School { id, unit_path: &path }) {
                    problems.push(Problem::new("out-of-scope").in_column("school_code").with_value(code));
                }
                place = Some((Some(unit_id), Some(id), path));
            }
        }
    } else if let Some((id, path)) = &unit {
        if !actor.allows(Action::ManageCohorts, &Target::Unit { path }) {
            problems.push(
                Problem::new("out-of-scope")
                    .in_column("unit_code")
                    .with_value(optional_text(&input.unit_code).unwrap_or("")),
            );
        }
        place = Some((Some(*id), None, path.clone()));
    }
    if place.is_none() && optional_text(&input.school_code).is_none() && optional_text(&input.unit_code).is_none() {
        if medium.is_none() && optional_text(&input.medium).is_none() {
            problems.push(Problem::new("place-or-medium").in_column("unit_code"));
        } else if !actor.may(Action::ManageProgrammes) {
            problems.push(Problem::new("national-event").in_column("unit_code"));
        }
    }
    let codes: Vec<String> = input.schools.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let mut schools = Vec::new();
    let mut seen = HashSet::new();
    for (i, code) in codes.iter().enumerate() {
        let found: Option<(i64, String)> =
            on_db!(db, |p| sqlx::query_as("SELECT id, unit_path FROM schools WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
        match found {
            None => problems.push(Problem::new("unknown-school").in_column(format!("schools[{i}]")).with_value(code)),
            Some((id, path)) => {
                if !actor.allows(Action::Read, &Target::School { id, unit_path: &path }) {
                    problems.push(Problem::new("out-of-scope").in_column(format!("schools[{i}]")).with_value(code));
                } else if seen.insert(id) {
                    schools.push(id);
                }
            }
        }
        if problems.len() >= opencpd_domain::import::MAX_PROBLEMS {
            break;
        }
    }
    fail_if_any(problems)?;
    let (unit_id, school_id, path) = place.unwrap_or((None, None, "/".to_string()));
    if let Some(id) = school_id
        && seen.insert(id)
    {
        schools.insert(0, id);
    }
    let start = start.expect("checked");
    Ok(Checked {
        kind: wanted,
        title: title.expect("checked"),
        programme_id,
        start,
        end: end.unwrap_or(start),
        unit_id,
        school_id,
        path,
        medium,
        schools,
    })
}

async fn write_schools(tx: &mut Tx, id: i64, schools: &[i64]) -> Result<()> {
    on_tx!(&mut *tx, |c| sqlx::query("DELETE FROM outreach_schools WHERE event_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    for sid in schools {
        on_tx!(&mut *tx, |c| sqlx::query("INSERT INTO outreach_schools (event_id, school_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*sid)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Records an event.
pub async fn create_event(db: &Db, actor: &Actor, input: &OutreachInput) -> Result<OutreachEvent> {
    may(actor, Action::ManageCohorts)?;
    let c = check(db, actor, input).await?;
    let mut tx = db.begin().await?;
    let id = insert_event(&mut tx, actor, &c, input).await?;
    audit::record(
        &mut tx,
        actor,
        "create",
        "outreach_event",
        &id.to_string(),
        &format!("outreach {}", c.title),
        None::<&()>,
        Some(input),
    )
    .await?;
    tx.commit().await?;
    event(db, actor, id).await
}

async fn insert_event(tx: &mut Tx, actor: &Actor, c: &Checked, input: &OutreachInput) -> Result<i64> {
    let p = input.participants;
    let id: i64 = on_tx!(&mut *tx, |x| {
        sqlx::query_scalar(
        "INSERT INTO outreach_events (kind, title, programme_id, start_date, end_date, unit_id, school_id, path, medium, \
         audience, learners_female, learners_male, teachers_female, teachers_male, parents_female, parents_male, \
         officials_female, officials_male, others_female, others_male, notes, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         RETURNING id"
    )
    .bind(&c.kind)
    .bind(&c.title)
    .bind(c.programme_id)
    .bind(c.start)
    .bind(c.end)
    .bind(c.unit_id)
    .bind(c.school_id)
    .bind(&c.path)
    .bind(c.medium)
    .bind(input.audience)
    .bind(p.learners_female)
    .bind(p.learners_male)
    .bind(p.teachers_female)
    .bind(p.teachers_male)
    .bind(p.parents_female)
    .bind(p.parents_male)
    .bind(p.officials_female)
    .bind(p.officials_male)
    .bind(p.others_female)
    .bind(p.others_male)
    .bind(optional_text(&input.notes))
    .bind(Utc::now())
    .bind(&actor.username)
    .fetch_one(&mut *x)
    .await
    })?;
    write_schools(tx, id, &c.schools).await?;
    Ok(id)
}

/// The columns of an outreach file: the first three are required.
pub const IMPORT_COLUMNS: &[Column] = &[
    Column::required("kind").example("radio"),
    Column::required("title").example("Reading at home"),
    Column::required("start_date").example("2025-03-14"),
    Column::optional("end_date"),
    Column::optional("programme_code"),
    Column::optional("unit_code").example("RW-10101"),
    Column::optional("school_code"),
    Column::optional("medium"),
    Column::optional("audience").example("12000"),
    Column::optional("learners_female"),
    Column::optional("learners_male"),
    Column::optional("teachers_female"),
    Column::optional("teachers_male"),
    Column::optional("parents_female"),
    Column::optional("parents_male"),
    Column::optional("officials_female"),
    Column::optional("officials_male"),
    Column::optional("others_female"),
    Column::optional("others_male"),
    Column::optional("schools"),
    Column::optional("notes"),
];

/// Outreach events and awards, for the one import route, page and command.
pub const KINDS: [import::Kind; 2] = [
    import::Kind {
        key: "outreach",
        columns: IMPORT_COLUMNS,
        into: None,
        may: |actor| actor.may(Action::ManageCohorts),
        updates: false,
        run: |db, actor, source, options, _| Box::pin(import_events(db, actor, source, options)),
    },
    super::awards::IMPORT_KIND,
];

/// One row of an outreach file as an input; numbers that are not numbers are problems.
fn row_input(r: &Row<'_>, problems: &mut Vec<Problem>) -> OutreachInput {
    let get = |name: &str| r.cell(name).to_string();
    let opt = |name: &str| Some(get(name)).filter(|v| !v.is_empty());
    let mut number = |name: &str| -> i64 {
        let raw = get(name);
        if raw.is_empty() {
            return 0;
        }
        raw.parse().unwrap_or_else(|_| {
            problems.push(Problem::new("bad-number").at_row(r.number()).in_column(name).with_value(&raw));
            0
        })
    };
    let participants = Participants {
        learners_female: number("learners_female"),
        learners_male: number("learners_male"),
        teachers_female: number("teachers_female"),
        teachers_male: number("teachers_male"),
        parents_female: number("parents_female"),
        parents_male: number("parents_male"),
        officials_female: number("officials_female"),
        officials_male: number("officials_male"),
        others_female: number("others_female"),
        others_male: number("others_male"),
    };
    let audience = if get("audience").is_empty() { None } else { Some(number("audience")) };
    OutreachInput {
        kind: get("kind"),
        title: get("title"),
        programme_code: opt("programme_code"),
        start_date: get("start_date"),
        end_date: opt("end_date"),
        unit_code: opt("unit_code"),
        school_code: opt("school_code"),
        medium: opt("medium"),
        audience,
        participants,
        schools: get("schools")
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect(),
        notes: opt("notes"),
        version: None,
    }
}

/// Records the events of a file (one a row): every row or none, each problem named by
/// row and column. Schools reached are codes separated by spaces, commas or semicolons.
pub async fn import_events(db: &Db, actor: &Actor, source: Source, options: Options<'_>) -> Result<ImportReport> {
    may(actor, Action::ManageCohorts)?;
    let mut importer = EventFile { db: db.clone(), actor: actor.clone() };
    import::run(db, actor, &mut importer, source, options).await
}

struct EventFile {
    db: Db,
    actor: Actor,
}

/// A row read: its input, and once checked against the database what will be written.
struct EventRow {
    row: usize,
    input: OutreachInput,
    checked: Option<Checked>,
}

impl Importer for EventFile {
    type Checked = EventRow;

    fn kind(&self) -> &'static str {
        "outreach"
    }

    fn columns(&self) -> &'static [Column] {
        IMPORT_COLUMNS
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<EventRow, Vec<Problem>> {
        let mut problems = Vec::new();
        let input = row_input(row, &mut problems);
        if problems.is_empty() { Ok(EventRow { row: row.number(), input, checked: None }) } else { Err(problems) }
    }

    /// Kinds, programmes, places and schools are the event form's checks, row by row.
    async fn check_batch(&mut self, _tx: &mut Tx, rows: &mut Vec<EventRow>) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        for r in rows.iter_mut() {
            match check(&self.db, &self.actor, &r.input).await {
                Ok(c) => r.checked = Some(c),
                Err(Error::Invalid(found)) => problems.extend(found.into_iter().map(|p| {
                    let column = p.column.clone().map(|c| c.trim_start_matches("participants.").to_string());
                    let p = p.at_row(r.row);
                    match column {
                        Some(c) => p.in_column(c),
                        None => p,
                    }
                })),
                Err(e) => return Err(e),
            }
        }
        rows.retain(|r| r.checked.is_some());
        Ok(problems)
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<EventRow>) -> Result<Written> {
        let mut written = 0;
        for r in &rows {
            if let Some(c) = &r.checked {
                insert_event(tx, &self.actor, c, &r.input).await?;
                written += 1;
            }
        }
        Ok(Written::rows(written))
    }

    fn batch_rows(&self) -> usize {
        200
    }
}

/// Changes an event, given the version read.
pub async fn update_event(db: &Db, actor: &Actor, id: i64, input: &OutreachInput) -> Result<OutreachEvent> {
    let before = event(db, actor, id).await?;
    if !may_manage(actor, before.target().as_ref()) {
        return Err(Error::Forbidden);
    }
    let version = input.version.ok_or_else(|| Problem::new("required").in_column("version"))?;
    let c = check(db, actor, input).await?;
    let p = input.participants;
    let mut tx = db.begin().await?;
    let updated = on_tx!(&mut tx, |x| {
        sqlx::query(
        "UPDATE outreach_events SET kind = $1, title = $2, programme_id = $3, start_date = $4, end_date = $5, unit_id = $6, \
         school_id = $7, path = $8, medium = $9, audience = $10, learners_female = $11, learners_male = $12, \
         teachers_female = $13, teachers_male = $14, parents_female = $15, parents_male = $16, officials_female = $17, \
         officials_male = $18, others_female = $19, others_male = $20, notes = $21, version = version + 1 \
         WHERE id = $22 AND version = $23"
    )
    .bind(&c.kind)
    .bind(&c.title)
    .bind(c.programme_id)
    .bind(c.start)
    .bind(c.end)
    .bind(c.unit_id)
    .bind(c.school_id)
    .bind(&c.path)
    .bind(c.medium)
    .bind(input.audience)
    .bind(p.learners_female)
    .bind(p.learners_male)
    .bind(p.teachers_female)
    .bind(p.teachers_male)
    .bind(p.parents_female)
    .bind(p.parents_male)
    .bind(p.officials_female)
    .bind(p.officials_male)
    .bind(p.others_female)
    .bind(p.others_male)
    .bind(optional_text(&input.notes))
    .bind(id)
    .bind(version)
    .execute(&mut *x)
    .await
    .map(|r| r.rows_affected())
    })?;
    if updated == 0 {
        return Err(opencpd_kernel::error::stale(version, before.version));
    }
    write_schools(&mut tx, id, &c.schools).await?;
    audit::record(
        &mut tx,
        actor,
        "update",
        "outreach_event",
        &id.to_string(),
        &format!("outreach {}", c.title),
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    event(db, actor, id).await
}

/// Deletes an event recorded by mistake, with the schools it listed; only whoever may
/// edit it.
pub async fn delete_event(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    let before = event(db, actor, id).await?;
    if !may_manage(actor, before.target().as_ref()) {
        return Err(Error::Forbidden);
    }
    let summary = format!("outreach {}", before.title);
    super::delete_record(db, actor, super::Removable::OutreachEvent, id, &summary, &before).await
}

/// One event's figures, for adding up (here, and by delivery's programme report for the
/// targets measured in outreach).
#[derive(sqlx::FromRow)]
pub struct EventFigures {
    pub id: i64,
    pub kind: String,
    pub path: String,
    pub audience: Option<i64>,
    #[sqlx(flatten)]
    pub participants: Participants,
}

const FIGURES_SQL: &str = "SELECT e.id, e.kind, e.path, e.audience, e.learners_female, e.learners_male, e.teachers_female, \
     e.teachers_male, e.parents_female, e.parents_male, e.officials_female, e.officials_male, e.others_female, \
     e.others_male FROM outreach_events e WHERE ";

/// The figures of the events the actor reads, with the schools each reached.
pub async fn figures(
    db: &Db,
    actor: &Actor,
    filter: &OutreachFilter,
) -> Result<(Vec<EventFigures>, Vec<(i64, i64, String)>)> {
    let rows: Vec<EventFigures> =
        scoped(db, actor, filter, FIGURES_SQL, " ORDER BY e.id", None, (LIST_LIMIT, 0)).await?;
    let mut reached: Vec<(i64, i64, String)> = Vec::new();
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    for chunk in ids.chunks(5000) {
        let part: Vec<(i64, i64, String)> = on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT x.event_id, x.school_id, s.unit_path FROM outreach_schools x JOIN schools s ON s.id = x.school_id \
                 WHERE x.event_id IN (",
            );
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        reached.extend(part);
    }
    Ok((rows, reached))
}

pub async fn totals(db: &Db, actor: &Actor, filter: &OutreachFilter) -> Result<OutreachTotals> {
    let (rows, reached) = figures(db, actor, filter).await?;
    let mut t = OutreachTotals { events: rows.len() as i64, ..Default::default() };
    let mut by_kind: Vec<KindTotal> = Vec::new();
    for e in &rows {
        t.participants.add(&e.participants);
        t.audience += e.audience.unwrap_or(0);
        match by_kind.iter_mut().find(|k| k.kind == e.kind) {
            Some(k) => {
                k.events += 1;
                k.participants += e.participants.total();
            }
            None => by_kind.push(KindTotal { kind: e.kind.clone(), events: 1, participants: e.participants.total() }),
        }
    }
    t.female = t.participants.female();
    t.male = t.participants.male();
    t.total = t.participants.total();
    t.schools_reached = reached.iter().map(|r| r.1).collect::<HashSet<_>>().len() as i64;
    by_kind.sort_by(|a, b| b.participants.cmp(&a.participants).then(a.kind.cmp(&b.kind)));
    t.by_kind = by_kind;
    Ok(t)
}

/// The events as a table for CSV or XLSX. With `hide_below` (a reader without row-level
/// rights: the small-cell threshold), each event's participants by category and sex are
/// suppressed by the one rule (small counts "<n", and one more "x" where the event's total
/// would give a small one back), and a last row states it in `lang`.
pub fn events_table(
    events: &[OutreachEvent],
    hide_below: Option<i64>,
    lang: &str,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut headers = vec![
        "id",
        "kind",
        "title",
        "programme_code",
        "start_date",
        "end_date",
        "unit_code",
        "school_code",
        "medium",
        "audience",
    ];
    headers.extend(Participants::default().cells().iter().map(|(k, _)| *k));
    headers.extend(["schools", "notes"]);
    let rows = events
        .iter()
        .map(|e| {
            let mut row = vec![
                e.id.to_string(),
                e.kind.clone(),
                e.title.clone(),
                e.programme_code.clone().unwrap_or_default(),
                e.start_date.to_string(),
                e.end_date.to_string(),
                e.unit_code.clone().unwrap_or_default(),
                e.school_code.clone().unwrap_or_default(),
                e.medium.clone().unwrap_or_default(),
                e.audience.map(|a| a.to_string()).unwrap_or_default(),
            ];
            let values: Vec<i64> = e.participants.cells().iter().map(|(_, v)| *v).collect();
            match hide_below {
                Some(k) => {
                    let cells = opencpd_domain::suppression::column(&values, k);
                    row.extend(cells.iter().zip(&values).map(|(c, v)| c.text(*v, k)));
                }
                None => row.extend(values.iter().map(i64::to_string)),
            }
            row.push(e.schools.iter().map(|s| s.code.as_str()).collect::<Vec<_>>().join(" "));
            row.push(e.notes.clone().unwrap_or_default());
            row
        })
        .collect::<Vec<_>>();
    let mut rows = rows;
    if let Some(k) = hide_below.filter(|k| *k > 0) {
        let mut note = vec![String::new(); headers.len()];
        note[0] = "note".into();
        note[2] = opencpd_domain::suppression::notice(lang, k);
        rows.push(note);
    }
    (headers, rows)
}
