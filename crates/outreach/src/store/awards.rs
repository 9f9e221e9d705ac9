//! Awards to teachers (best teacher of the district, innovation prize…). An award belongs
//! to its person: whoever reads the person reads their awards; officers whose scope covers
//! the person ([`Action::ManageCohorts`]) record them. Lists of awards (by programme, unit,
//! year) hold the awards of the people the reader may read; their counts of people follow
//! the small-cell rule for readers without row-level rights.

use super::{may, people_by_staff_number, programme_by_code, require_person};
use chrono::{NaiveDate, Utc};
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, upper_bound};
use opencpd_domain::registry as vocab;
use opencpd_domain::suppression;
use opencpd_kernel::error::{collect, fail_if_any, optional_text};
use opencpd_kernel::import::{self, Column, ImportReport, Importer, Options, Row, Source, Written};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx, today};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{Award, AwardCounts, AwardInput};

opencpd_kernel::from_row! {
    Award { id, person_id, given_name, family_name, name, category, awarded_on, awarding_body, programme_id, programme_code, event_id, event_title, notes }
}

/// The columns of an [`Award`], read from `AWARD_FROM`.
const AWARD_COLUMNS: &str = "a.id, a.person_id, p.given_name, p.family_name, a.name, a.category, a.awarded_on, \
     a.awarding_body, a.programme_id, g.code AS programme_code, a.event_id, ev.title AS event_title, a.notes";

/// A person's awards, newest first.
pub async fn awards_of(db: &Db, actor: &Actor, person_id: i64) -> Result<Vec<Award>> {
    require_person(db, actor, person_id, Action::Read).await?;
    let sql =
        format!("SELECT {AWARD_COLUMNS} {AWARD_FROM} WHERE a.person_id = $1 ORDER BY a.awarded_on DESC, a.id DESC");
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(person_id).fetch_all(p).await)?)
}

pub async fn award(db: &Db, actor: &Actor, id: i64) -> Result<Award> {
    let sql = format!("SELECT {AWARD_COLUMNS} {AWARD_FROM} WHERE a.id = $1");
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
    if let Some(event) = input.event_id {
        match super::outreach::event(db, actor, event).await {
            Ok(_) => {}
            Err(Error::NotFound | Error::Forbidden) => {
                problems.push(Problem::new("not-found").in_column("event_id").with_value(event.to_string()))
            }
            Err(e) => return Err(e),
        }
    }
    fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let id: i64 = on_tx!(&mut tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO awards (person_id, name, category, awarded_on, awarding_body, programme_id, notes, created_at, created_by, \
         event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
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
    .bind(input.event_id)
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

// ---------------------------------------------------------------------------------------
// Lists

/// What to list awards by; empty fields match everything.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AwardFilter {
    /// Awards given under this programme.
    #[serde(default)]
    pub programme_id: Option<i64>,
    /// Awards to people with a current position in this unit or below it.
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// Awards given in this calendar year.
    #[serde(default)]
    pub year: Option<i32>,
    /// Awards given at this outreach event.
    #[serde(default)]
    pub event_id: Option<i64>,
}

/// The columns awards sort by; newest first unless a sort is given.
pub const AWARD_SORTS: Sorts = &[
    ("awarded_on", "a.awarded_on"),
    ("name", "a.name"),
    ("family_name", "p.family_name"),
    ("programme", "g.code"),
    ("event", "COALESCE(ev.title, '')"),
];

/// The filter and scope of an award list as SQL over `a` (awards) and `p` (people), with
/// its arguments: `$1` programme, `$2` first day, `$3` last day, `$4` search, then `$5`
/// today when the scope or the unit needs current positions.
struct AwardWhere {
    sql: String,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    today: Option<NaiveDate>,
}

async fn award_where(db: &Db, actor: &Actor, filter: &AwardFilter, pattern_given: bool) -> Result<AwardWhere> {
    let scope = ListScope::of(actor);
    let mut parts = vec![
        // Written as the filter is, so that a programme's awards are read from its index.
        if filter.programme_id.is_some() { "a.programme_id = $1" } else { "$1 IS NULL" }.to_string(),
        "($2 IS NULL OR a.awarded_on >= $2)".to_string(),
        "($3 IS NULL OR a.awarded_on <= $3)".to_string(),
    ];
    if pattern_given {
        parts.push(
            "($4 IS NULL OR LOWER(a.name) LIKE $4 ESCAPE '\\' OR LOWER(p.given_name || ' ' || p.family_name) LIKE $4 ESCAPE '\\' \
             OR LOWER(p.family_name || ' ' || p.given_name) LIKE $4 ESCAPE '\\' OR LOWER(p.staff_number) LIKE $4 ESCAPE '\\')"
                .to_string(),
        );
    } else {
        parts.push("($4 IS NULL OR 1 = 1)".to_string());
    }
    if let Some(event) = filter.event_id {
        // An integer, written into the text like the scope's paths.
        parts.push(format!("a.event_id = {event}"));
    }
    let mut today_needed = false;
    if !scope.is_everything() {
        today_needed = true;
        parts.push(format!(
            "(EXISTS (SELECT 1 FROM positions x WHERE x.person_id = p.id AND x.start_date <= $5 \
             AND (x.end_date IS NULL OR x.end_date >= $5) AND {}) OR {})",
            scope.sql(Columns::path("x.path").school("x.school_id").person("x.person_id")),
            scope.sql(Columns::path("NULL").person("p.id")),
        ));
    }
    if let Some(unit_id) = filter.unit_id {
        let path: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
            .bind(unit_id)
            .fetch_optional(p)
            .await)?;
        let path =
            path.ok_or_else(|| Problem::new("not-found").in_column("unit_id").with_value(unit_id.to_string()))?;
        debug_assert!(path.chars().all(|c| c.is_ascii_digit() || c == '/'));
        today_needed = true;
        parts.push(format!(
            "EXISTS (SELECT 1 FROM positions y WHERE y.person_id = p.id AND y.start_date <= $5 \
             AND (y.end_date IS NULL OR y.end_date >= $5) AND y.path >= '{path}' AND y.path < '{}')",
            upper_bound(&path)
        ));
    }
    let (first, last) = match filter.year {
        Some(y) => {
            let bounds = NaiveDate::from_ymd_opt(y, 1, 1)
                .zip(NaiveDate::from_ymd_opt(y, 12, 31))
                .filter(|_| (1900..=2100).contains(&y));
            let (f, l) = bounds.ok_or_else(|| Problem::new("bad-year").in_column("year").with_value(y.to_string()))?;
            (Some(f), Some(l))
        }
        None => (None, None),
    };
    if !today_needed {
        // Every placeholder appears in the text, so that the numbers after it keep theirs.
        parts.push("($5 IS NULL OR 1 = 1)".to_string());
    }
    Ok(AwardWhere { sql: format!("WHERE {}", parts.join(" AND ")), first, last, today: today_needed.then(today) })
}

const AWARD_FROM: &str = "FROM awards a JOIN people p ON p.id = a.person_id \
     LEFT JOIN programmes g ON g.id = a.programme_id LEFT JOIN outreach_events ev ON ev.id = a.event_id";

/// The awards to people the actor may read, one page, filtered by programme, unit and
/// year, searched by the award's or the person's name or staff number.
pub async fn awards(db: &Db, actor: &Actor, filter: &AwardFilter, page: &Page) -> Result<Paged<Award>> {
    let page = match page.sort {
        None => Page { sort: Some("awarded_on".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    let c = page.check(AWARD_SORTS)?;
    let w = award_where(db, actor, filter, true).await?;
    let count = format!("SELECT COUNT(*) {AWARD_FROM} {}", w.sql);
    let sql = format!("SELECT {AWARD_COLUMNS} {AWARD_FROM} {} {} LIMIT $6 OFFSET $7", w.sql, c.order_by("a.id"));
    // $5 is bound always (NULL when unused) so that the placeholders keep their numbers.
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(filter.programme_id)
        .bind(w.first)
        .bind(w.last)
        .bind(&c.pattern)
        .bind(w.today)
        .fetch_one(p)
        .await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(filter.programme_id)
        .bind(w.first)
        .bind(w.last)
        .bind(&c.pattern)
        .bind(w.today)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// Every award of a filtered list, for an export (the same scope and filter, no paging).
pub async fn all_awards(db: &Db, actor: &Actor, filter: &AwardFilter) -> Result<Vec<Award>> {
    let w = award_where(db, actor, filter, false).await?;
    let sql = format!("SELECT {AWARD_COLUMNS} {AWARD_FROM} {} ORDER BY a.awarded_on DESC, a.id DESC", w.sql);
    Ok(on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(filter.programme_id)
        .bind(w.first)
        .bind(w.last)
        .bind(None::<String>)
        .bind(w.today)
        .fetch_all(p)
        .await)?)
}

pub async fn award_counts(db: &Db, actor: &Actor, filter: &AwardFilter) -> Result<AwardCounts> {
    let w = award_where(db, actor, filter, false).await?;
    let sql = format!("SELECT COUNT(*), COUNT(DISTINCT a.person_id) {AWARD_FROM} {}", w.sql);
    let (awards, people): (i64, i64) = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(filter.programme_id)
        .bind(w.first)
        .bind(w.last)
        .bind(None::<String>)
        .bind(w.today)
        .fetch_one(p)
        .await)?;
    if actor.may(Action::ReadRows) {
        return Ok(AwardCounts { awards: awards.to_string(), people: people.to_string(), small_cell_threshold: 0 });
    }
    let k = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let shown = |n: i64| suppression::single(n, k).text(n, k);
    Ok(AwardCounts { awards: shown(awards), people: shown(people), small_cell_threshold: k })
}

/// Awards as a table for CSV or XLSX.
pub fn awards_table(awards: &[Award]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers = vec![
        "id",
        "awarded_on",
        "name",
        "category",
        "given_name",
        "family_name",
        "person_id",
        "programme_code",
        "awarding_body",
        "notes",
        "event_id",
        "event_title",
    ];
    let rows = awards
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                a.awarded_on.to_string(),
                a.name.clone(),
                a.category.clone().unwrap_or_default(),
                a.given_name.clone(),
                a.family_name.clone(),
                a.person_id.to_string(),
                a.programme_code.clone().unwrap_or_default(),
                a.awarding_body.clone().unwrap_or_default(),
                a.notes.clone().unwrap_or_default(),
                a.event_id.map(|e| e.to_string()).unwrap_or_default(),
                a.event_title.clone().unwrap_or_default(),
            ]
        })
        .collect();
    (headers, rows)
}

// ---------------------------------------------------------------------------------------
// Import

/// The columns of an awards file: the person by staff number, the award, and optionally
/// the programme (by code) and the outreach event it was given at (by id, as the events
/// list, `/outreach` and `GET /api/v1/outreach` show it).
pub const IMPORT_COLUMNS: &[Column] = &[
    Column::required("staff_number").example("RW0001234"),
    Column::required("name").example("Best mathematics teacher"),
    Column::optional("category").example("teaching"),
    Column::required("awarded_on").example("2025-06-20"),
    Column::optional("awarding_body").example("District of Nyarugenge"),
    Column::optional("programme_code"),
    Column::optional("event_id"),
    Column::optional("notes"),
];

/// Awards, for the one import route, page and command: officers over the people named.
pub const IMPORT_KIND: import::Kind = import::Kind {
    key: "awards",
    columns: IMPORT_COLUMNS,
    into: None,
    may: |actor| actor.may(Action::ManageCohorts),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import_awards(db, actor, source, options)),
};

/// Records the awards of a file (one a row): every row or none, each problem named by row
/// and column; a person, programme or event that does not exist, or that the importer does
/// not read, is a problem of its row.
pub async fn import_awards(db: &Db, actor: &Actor, source: Source, options: Options<'_>) -> Result<ImportReport> {
    may(actor, Action::ManageCohorts)?;
    let mut importer = AwardFile { db: db.clone(), actor: actor.clone(), today: today() };
    import::run(db, actor, &mut importer, source, options).await
}

struct AwardFile {
    db: Db,
    actor: Actor,
    today: NaiveDate,
}

/// A row read, and once checked against the database the ids it names.
struct AwardRow {
    row: usize,
    staff_number: String,
    name: String,
    category: Option<String>,
    awarded_on: NaiveDate,
    awarding_body: Option<String>,
    programme_code: Option<String>,
    event_id: Option<i64>,
    notes: Option<String>,
    person_id: Option<i64>,
    programme_id: Option<i64>,
}

/// The index of a column of [`IMPORT_COLUMNS`].
fn at(name: &str) -> usize {
    IMPORT_COLUMNS.iter().position(|c| c.name == name).unwrap_or(0)
}

impl Importer for AwardFile {
    type Checked = AwardRow;

    fn kind(&self) -> &'static str {
        "awards"
    }

    fn columns(&self) -> &'static [Column] {
        IMPORT_COLUMNS
    }

    fn check(&mut self, r: &Row<'_>) -> std::result::Result<AwardRow, Vec<Problem>> {
        let mut problems = Vec::new();
        let text = |name: &str| Some(r.get(at(name)).to_string()).filter(|v| !v.is_empty());
        let name = match vocab::parse_name(r.get(at("name"))) {
            Ok(n) => Some(n),
            Err(p) => {
                problems.push(p.at_row(r.number()).in_column("name"));
                None
            }
        };
        let awarded_on = match vocab::parse_date(r.get(at("awarded_on"))) {
            Ok(d) if d > self.today => {
                problems.push(r.problem(at("awarded_on"), "in-future"));
                None
            }
            Ok(d) => Some(d),
            Err(p) => {
                problems.push(p.at_row(r.number()).in_column("awarded_on"));
                None
            }
        };
        let event_id = match text("event_id") {
            None => None,
            Some(v) => match v.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    problems.push(r.problem(at("event_id"), "bad-number"));
                    None
                }
            },
        };
        match (name, awarded_on, problems.is_empty()) {
            (Some(name), Some(awarded_on), true) => Ok(AwardRow {
                row: r.number(),
                staff_number: r.get(at("staff_number")).to_string(),
                name,
                category: text("category"),
                awarded_on,
                awarding_body: text("awarding_body"),
                programme_code: text("programme_code"),
                event_id,
                notes: text("notes"),
                person_id: None,
                programme_id: None,
            }),
            _ => Err(problems),
        }
    }

    /// People by staff number in the importer's scope, programmes by code, events by id
    /// among those the importer reads.
    async fn check_batch(&mut self, _tx: &mut Tx, rows: &mut Vec<AwardRow>) -> Result<Vec<Problem>> {
        let numbers: Vec<String> =
            rows.iter().flat_map(|r| [r.staff_number.clone(), r.staff_number.to_uppercase()]).collect();
        let people = people_by_staff_number(&self.db, &numbers).await?;
        let mut problems = Vec::new();
        let mut events: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
        let mut programmes: std::collections::HashMap<String, Option<i64>> = std::collections::HashMap::new();
        for r in rows.iter_mut() {
            let problem = |code: &'static str, column: &str, value: &str| {
                Problem::new(code).at_row(r.row).in_column(column).with_value(value)
            };
            match people.get(&r.staff_number.to_lowercase()) {
                None => problems.push(problem("unknown-person", "staff_number", &r.staff_number)),
                Some(id) => match require_person(&self.db, &self.actor, *id, Action::ManageCohorts).await {
                    Ok(_) => r.person_id = Some(*id),
                    // Not read or not managed alike: an importer learns nothing of people
                    // outside their scope.
                    Err(Error::NotFound | Error::Forbidden) => {
                        problems.push(problem("out-of-scope", "staff_number", &r.staff_number))
                    }
                    Err(e) => return Err(e),
                },
            }
            if let Some(code) = &r.programme_code {
                let id = match programmes.get(code) {
                    Some(id) => *id,
                    None => {
                        let id = programme_by_code(&self.db, code).await?;
                        programmes.insert(code.clone(), id);
                        id
                    }
                };
                match id {
                    Some(id) => r.programme_id = Some(id),
                    None => problems.push(problem("unknown-programme", "programme_code", code)),
                }
            }
            if let Some(event) = r.event_id {
                let known = match events.get(&event) {
                    Some(known) => *known,
                    None => {
                        let known = match super::outreach::event(&self.db, &self.actor, event).await {
                            Ok(_) => true,
                            Err(Error::NotFound | Error::Forbidden) => false,
                            Err(e) => return Err(e),
                        };
                        events.insert(event, known);
                        known
                    }
                };
                if !known {
                    problems.push(problem("unknown-event", "event_id", &event.to_string()));
                }
            }
        }
        let bad: HashSet<usize> = problems.iter().filter_map(|p| p.row).collect();
        rows.retain(|r| !bad.contains(&r.row));
        Ok(problems)
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<AwardRow>) -> Result<Written> {
        let now = Utc::now();
        let mut written = 0;
        for r in &rows {
            let Some(person_id) = r.person_id else { continue };
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO awards (person_id, name, category, awarded_on, awarding_body, programme_id, notes, created_at, \
                 created_by, event_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            )
            .bind(person_id)
            .bind(&r.name)
            .bind(&r.category)
            .bind(r.awarded_on)
            .bind(&r.awarding_body)
            .bind(r.programme_id)
            .bind(&r.notes)
            .bind(now)
            .bind(&self.actor.username)
            .bind(r.event_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
            })?;
            written += 1;
        }
        Ok(Written::rows(written))
    }

    fn batch_rows(&self) -> usize {
        200
    }
}
