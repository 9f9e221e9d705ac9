//! A programme's costs: what it spent in a year, by category (training, travel,
//! materials, coaching, other), with a note. Added, edited and deleted by those who set up
//! programmes ([`Action::ManageProgrammes`]), one by one or from a file on the one import
//! pipeline (kind `costs`); read by those who read reach (officers: school leaders and
//! teachers read neither).
//!
//! Every cost of the deployment is in one currency, so that costs of several programmes
//! add up and the cost per participant is one figure: the currency of the costs already
//! recorded (the first cost sets it; once no cost is left, another may be chosen). A cost
//! in another currency is refused naming it; two writers of a first cost take turns (a
//! lock on PostgreSQL, SQLite's write transactions anyway). The cost per participant is
//! the indicator engine's (`cost-per-participant`), which reads these rows.
//!
//! Not here: HTTP, file formats; apportioning costs to places (the engine does).

use super::may;
use chrono::{Datelike, Utc};
use opencpd_domain::Problem;
use opencpd_domain::Scope;
use opencpd_domain::access::Action;
use opencpd_domain::delivery::{CostCategory, cost_amount, cost_year, parse_cost_amount, parse_currency};
use opencpd_domain::import::Column;
use opencpd_domain::registry::parse_text;
use opencpd_kernel::error::{collect, fail_if_any, optional_text, stale};
use opencpd_kernel::import::{self, ImportReport, Importer, Options, Row, Source, Written};
use opencpd_kernel::paging::{Page, Paged, Sorts};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use std::collections::{HashMap, HashSet};

pub use crate::model::{CategoryCost, CostYear, ProgrammeCost, ProgrammeCostInput};

opencpd_kernel::from_row! {
    ProgrammeCost { id, programme_id, programme_code, year, category, amount, currency, note, version }
}

/// The longest note a cost takes.
const NOTE_MAX: usize = 1000;

const COST_SQL: &str = "SELECT c.id, c.programme_id, pr.code AS programme_code, c.year, c.category, c.amount, \
     c.currency, c.note, c.version FROM programme_costs c JOIN programmes pr ON pr.id = c.programme_id";

/// Whether the actor reads costs: as reach, everyone but those who read only a school or
/// their own record.
fn may_read(actor: &Actor) -> Result<()> {
    if actor.grants.iter().all(|g| matches!(g.scope, Scope::School { .. } | Scope::Own { .. })) {
        Err(Error::Forbidden)
    } else {
        Ok(())
    }
}

/// Whether the actor records, changes and deletes costs: those who set up programmes. The
/// one check of every write, which the programme's page also asks before it offers a form.
pub fn may_write(actor: &Actor) -> Result<()> {
    may(actor, Action::ManageProgrammes)
}

/// One cost.
pub async fn cost(db: &Db, actor: &Actor, id: i64) -> Result<ProgrammeCost> {
    may_read(actor)?;
    let sql = format!("{COST_SQL} WHERE c.id = $1");
    let found: Option<ProgrammeCost> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await)?;
    found.ok_or(Error::NotFound)
}

/// The columns the list of costs sorts by (the latest year first unless asked otherwise).
pub const COST_SORTS: Sorts =
    &[("year", "c.year"), ("programme", "pr.code"), ("category", "c.category"), ("amount", "c.amount")];

/// Costs, one page: of one programme, of one year, or all; `q` searches the note, the
/// category and the programme's code.
pub async fn list(
    db: &Db,
    actor: &Actor,
    programme_id: Option<i64>,
    year: Option<i64>,
    page: &Page,
) -> Result<Paged<ProgrammeCost>> {
    may_read(actor)?;
    let page = match page.sort {
        None => Page { sort: Some("year".into()), dir: page.dir.clone().or(Some("desc".into())), ..page.clone() },
        Some(_) => page.clone(),
    };
    let c = page.check(COST_SORTS)?;
    let filter = "WHERE ($1 IS NULL OR c.programme_id = $1) AND ($2 IS NULL OR c.year = $2) \
                  AND ($3 IS NULL OR LOWER(COALESCE(c.note, '')) LIKE $3 ESCAPE '\\' OR c.category LIKE $3 ESCAPE '\\' \
                  OR LOWER(pr.code) LIKE $3 ESCAPE '\\')";
    let count = format!("SELECT COUNT(*) FROM programme_costs c JOIN programmes pr ON pr.id = c.programme_id {filter}");
    let sql = format!("{COST_SQL} {filter} {} LIMIT $4 OFFSET $5", c.order_by("c.id"));
    let total: i64 = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
        .bind(programme_id)
        .bind(year)
        .bind(&c.pattern)
        .fetch_one(p)
        .await)?;
    let items = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(programme_id)
        .bind(year)
        .bind(&c.pattern)
        .bind(c.limit())
        .bind(c.offset())
        .fetch_all(p)
        .await)?;
    Ok(c.answer(total, items))
}

/// A programme's costs added up by year (latest first) and category, for its page.
pub async fn years(db: &Db, actor: &Actor, programme_id: i64) -> Result<Vec<CostYear>> {
    may_read(actor)?;
    let rows: Vec<(i64, String, f64, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT year, category, CAST(SUM(amount) AS DOUBLE PRECISION), MIN(currency) FROM programme_costs \
         WHERE programme_id = $1 GROUP BY year, category ORDER BY year DESC, category"
    )
    .bind(programme_id)
    .fetch_all(p)
    .await)?;
    let mut out: Vec<CostYear> = Vec::new();
    for (year, category, amount, currency) in rows {
        if out.last().is_none_or(|y| y.year != year) {
            out.push(CostYear { year, currency, total: 0.0, categories: Vec::new() });
        }
        let last = out.last_mut().expect("pushed");
        last.total += amount;
        last.categories.push(CategoryCost { category, amount });
    }
    Ok(out)
}

/// The deployment's currency: that of the costs recorded, none while there is none (the
/// first cost will set it). What a form to record a cost offers first.
pub async fn currency(db: &Db) -> Result<Option<String>> {
    Ok(on_db!(db, |p| sqlx::query_scalar("SELECT currency FROM programme_costs ORDER BY id LIMIT 1")
        .fetch_optional(p)
        .await)?)
}

/// A cost checked, ready to be written.
struct Checked {
    programme_id: i64,
    year: i64,
    category: CostCategory,
    amount: f64,
    currency: String,
    note: Option<String>,
}

/// On PostgreSQL, waits for any other writer of costs to commit (SQLite's writers take
/// turns already), so that the currency read is the one every cost has.
async fn take_turn(tx: &mut Tx) -> Result<()> {
    if let opencpd_kernel::TxConn::Postgres(t) = &mut tx.conn {
        let key = opencpd_domain::import::key_hash("programme_costs currency") as i64;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut **t).await?;
    }
    Ok(())
}

/// The currency of the costs recorded, but for the cost `except`.
async fn recorded_currency(tx: &mut Tx, except: i64) -> Result<Option<String>> {
    Ok(on_tx!(&mut *tx, |c| sqlx::query_scalar(
        "SELECT currency FROM programme_costs WHERE id <> $1 ORDER BY id LIMIT 1"
    )
    .bind(except)
    .fetch_optional(&mut *c)
    .await)?)
}

/// The currency a cost is recorded in: the one given, which must be the deployment's when
/// costs are recorded already, or that one.
fn currency_of(given: Option<&str>, recorded: Option<&str>) -> std::result::Result<String, Problem> {
    let given = match given {
        Some(text) => Some(parse_currency(text)?),
        None => None,
    };
    match (given, recorded) {
        (None, None) => Err(Problem::new("required")),
        (None, Some(r)) => Ok(r.to_string()),
        (Some(g), Some(r)) if g != r => Err(Problem::new("cost-currency").with_value(g).arg("currency", r)),
        (Some(g), _) => Ok(g),
    }
}

/// The years a programme runs, for its costs: from its start to its end (or any later year).
async fn programme_years(tx: &mut Tx, code: &str) -> Result<Option<(i64, i64, Option<i64>)>> {
    let found: Option<(i64, chrono::NaiveDate, Option<chrono::NaiveDate>)> =
        on_tx!(&mut *tx, |c| sqlx::query_as("SELECT id, start_date, end_date FROM programmes WHERE code = $1")
            .bind(code.trim())
            .fetch_optional(&mut *c)
            .await)?;
    Ok(found.map(|(id, start, end)| (id, start.year() as i64, end.map(|e| e.year() as i64))))
}

/// A year outside the programme's years is a problem of `year`.
fn within(year: i64, start: i64, end: Option<i64>) -> std::result::Result<(), Problem> {
    if year < start || end.is_some_and(|e| year > e) {
        let end = end.map(|e| e.to_string()).unwrap_or_else(|| "…".into());
        Err(Problem::new("cost-year-outside-programme")
            .with_value(year.to_string())
            .arg("start", start)
            .arg("end", end))
    } else {
        Ok(())
    }
}

/// Checks every field of a cost in the transaction that writes it (after [`take_turn`]),
/// every problem at once, each naming its field. `except` is the cost edited (0 for a new one).
async fn check(tx: &mut Tx, input: &ProgrammeCostInput, except: i64) -> Result<Checked> {
    let mut problems = Vec::new();
    let year = collect(&mut problems, "year", cost_year(input.year));
    let category = collect(&mut problems, "category", CostCategory::parse(&input.category));
    let amount = collect(&mut problems, "amount", cost_amount(input.amount));
    let note = optional_text(&input.note).and_then(|n| collect(&mut problems, "note", parse_text(n, NOTE_MAX)));
    let programme = match Some(input.programme_code.trim()).filter(|c| !c.is_empty()) {
        None => {
            problems.push(Problem::new("required").in_column("programme_code"));
            None
        }
        Some(code) => match programme_years(tx, code).await? {
            None => {
                problems.push(Problem::new("unknown-programme").in_column("programme_code").with_value(code));
                None
            }
            Some((id, start, end)) => {
                if let Some(y) = year
                    && let Err(p) = within(y, start, end)
                {
                    problems.push(p.in_column("year"));
                }
                Some(id)
            }
        },
    };
    let recorded = recorded_currency(tx, except).await?;
    let currency = collect(&mut problems, "currency", currency_of(optional_text(&input.currency), recorded.as_deref()));
    fail_if_any(problems)?;
    Ok(Checked {
        programme_id: programme.expect("checked"),
        year: year.expect("checked"),
        category: category.expect("checked"),
        amount: amount.expect("checked"),
        currency: currency.expect("checked"),
        note,
    })
}

/// Records a programme's cost of a year (those who set up programmes).
pub async fn create(db: &Db, actor: &Actor, input: &ProgrammeCostInput) -> Result<ProgrammeCost> {
    may_write(actor)?;
    let mut tx = db.begin().await?;
    take_turn(&mut tx).await?;
    let c = check(&mut tx, input, 0).await?;
    let id: i64 = on_tx!(&mut tx, |x| {
        sqlx::query_scalar(
        "INSERT INTO programme_costs (programme_id, year, category, amount, currency, note, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(c.programme_id)
    .bind(c.year)
    .bind(c.category.key())
    .bind(c.amount)
    .bind(&c.currency)
    .bind(&c.note)
    .bind(Utc::now())
    .bind(&actor.username)
    .fetch_one(&mut *x)
    .await
    })?;
    let summary = format!("cost {} {} {}", input.programme_code.trim(), c.year, c.category.key());
    audit::record(&mut tx, actor, "create", "programme_cost", &id.to_string(), &summary, None::<&()>, Some(input))
        .await?;
    tx.commit().await?;
    cost(db, actor, id).await
}

/// Changes a cost; `version` is the one read (a stale one is a conflict).
pub async fn update(db: &Db, actor: &Actor, id: i64, input: &ProgrammeCostInput) -> Result<ProgrammeCost> {
    may_write(actor)?;
    let before = cost(db, actor, id).await?;
    let version = input.version.ok_or_else(|| Problem::new("required").in_column("version"))?;
    let mut tx = db.begin().await?;
    take_turn(&mut tx).await?;
    let c = check(&mut tx, input, id).await?;
    let updated = on_tx!(&mut tx, |x| sqlx::query(
        "UPDATE programme_costs SET programme_id = $1, year = $2, category = $3, amount = $4, currency = $5, \
         note = $6, version = version + 1 WHERE id = $7 AND version = $8"
    )
    .bind(c.programme_id)
    .bind(c.year)
    .bind(c.category.key())
    .bind(c.amount)
    .bind(&c.currency)
    .bind(&c.note)
    .bind(id)
    .bind(version)
    .execute(&mut *x)
    .await
    .map(|r| r.rows_affected()))?;
    if updated == 0 {
        return Err(stale(version, before.version));
    }
    let summary = format!("cost {} {} {}", input.programme_code.trim(), c.year, c.category.key());
    audit::record(&mut tx, actor, "update", "programme_cost", &id.to_string(), &summary, Some(&before), Some(input))
        .await?;
    tx.commit().await?;
    cost(db, actor, id).await
}

/// Deletes a cost recorded by mistake.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    may_write(actor)?;
    let before = cost(db, actor, id).await?;
    let mut tx = db.begin().await?;
    let gone = on_tx!(&mut tx, |x| sqlx::query("DELETE FROM programme_costs WHERE id = $1")
        .bind(id)
        .execute(&mut *x)
        .await
        .map(|r| r.rows_affected()))?;
    if gone == 0 {
        return Err(Error::NotFound);
    }
    let summary = format!("cost {} {} {}", before.programme_code, before.year, before.category);
    audit::record(&mut tx, actor, "delete", "programme_cost", &id.to_string(), &summary, Some(&before), None::<&()>)
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Files of costs

/// The columns of a file of costs: a programme by code, the year, what was spent on, the
/// amount (digits, a `.` or `,` before at most two decimals), the currency (the
/// deployment's; required while no cost is recorded) and a note.
pub const IMPORT_COLUMNS: &[Column] = &[
    Column::required("programme_code").example("LEAD"),
    Column::required("year").example("2025"),
    Column::required("category").example("training").allowed(CostCategory::keys),
    Column::required("amount").example("1250000"),
    Column::optional("currency").example("RWF"),
    Column::optional("note").example("Venue and meals, term 1"),
];

/// Costs, for the one import route, page and command: those who set up programmes.
pub const IMPORT_KIND: import::Kind = import::Kind {
    key: "costs",
    columns: IMPORT_COLUMNS,
    into: None,
    may: |actor| may_write(actor).is_ok(),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import_costs(db, actor, source, options)),
};

/// Records the costs of a file (one a row): every row or none, each problem named by row
/// and column.
pub async fn import_costs(db: &Db, actor: &Actor, source: Source, options: Options<'_>) -> Result<ImportReport> {
    may_write(actor)?;
    let currency = currency(db).await?;
    let mut importer = CostFile { actor: actor.clone(), currency, programmes: HashMap::new() };
    import::run(db, actor, &mut importer, source, options).await
}

struct CostFile {
    actor: Actor,
    /// The deployment's currency: that of the costs recorded, else the file's first.
    currency: Option<String>,
    /// Programmes by code: id and years, or none.
    programmes: HashMap<String, Option<(i64, i64, Option<i64>)>>,
}

/// A row read, and once checked against the database its programme.
struct CostRow {
    row: usize,
    programme_code: String,
    year: i64,
    category: CostCategory,
    amount: f64,
    currency: String,
    note: Option<String>,
    programme_id: Option<i64>,
}

/// The index of a column of [`IMPORT_COLUMNS`].
fn at(name: &str) -> usize {
    IMPORT_COLUMNS.iter().position(|c| c.name == name).unwrap_or(0)
}

impl Importer for CostFile {
    type Checked = CostRow;

    fn kind(&self) -> &'static str {
        "costs"
    }

    fn columns(&self) -> &'static [Column] {
        IMPORT_COLUMNS
    }

    fn check(&mut self, r: &Row<'_>) -> std::result::Result<CostRow, Vec<Problem>> {
        let mut problems = Vec::new();
        let code = r.get(at("programme_code")).trim().to_string();
        let code = if code.is_empty() { Err(Problem::new("required")) } else { Ok(code) };
        let code = collect(&mut problems, "programme_code", code);
        let year_text = r.get(at("year")).trim();
        let year = year_text.parse::<i64>().map_err(|_| Problem::new("bad-year").with_value(year_text));
        let year = collect(&mut problems, "year", year.and_then(cost_year));
        let category = collect(&mut problems, "category", CostCategory::parse(r.get(at("category"))));
        let amount = collect(&mut problems, "amount", parse_cost_amount(r.get(at("amount"))));
        let given = Some(r.get(at("currency")).to_string());
        let currency = currency_of(optional_text(&given), self.currency.as_deref());
        let currency = collect(&mut problems, "currency", currency);
        let note_text = Some(r.get(at("note")).to_string());
        let note = optional_text(&note_text).and_then(|n| collect(&mut problems, "note", parse_text(n, NOTE_MAX)));
        let problems: Vec<Problem> = problems.into_iter().map(|p| p.at_row(r.number())).collect();
        match (code, year, category, amount, currency, problems.is_empty()) {
            (Some(programme_code), Some(year), Some(category), Some(amount), Some(currency), true) => {
                self.currency.get_or_insert_with(|| currency.clone());
                Ok(CostRow {
                    row: r.number(),
                    programme_code,
                    year,
                    category,
                    amount,
                    currency,
                    note,
                    programme_id: None,
                })
            }
            _ => Err(problems),
        }
    }

    /// Programmes by code, and each year within its programme's.
    async fn check_batch(&mut self, tx: &mut Tx, rows: &mut Vec<CostRow>) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        for r in rows.iter_mut() {
            let found = match self.programmes.get(&r.programme_code) {
                Some(found) => *found,
                None => {
                    let found = programme_years(tx, &r.programme_code).await?;
                    self.programmes.insert(r.programme_code.clone(), found);
                    found
                }
            };
            let problem = |p: Problem, column: &str| p.at_row(r.row).in_column(column);
            match found {
                None => problems
                    .push(problem(Problem::new("unknown-programme").with_value(&r.programme_code), "programme_code")),
                Some((id, start, end)) => match within(r.year, start, end) {
                    Ok(()) => r.programme_id = Some(id),
                    Err(p) => problems.push(problem(p, "year")),
                },
            }
        }
        let bad: HashSet<usize> = problems.iter().filter_map(|p| p.row).collect();
        rows.retain(|r| !bad.contains(&r.row));
        Ok(problems)
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<CostRow>) -> Result<Written> {
        let now = Utc::now();
        let mut written = 0;
        for r in &rows {
            let Some(programme_id) = r.programme_id else { continue };
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO programme_costs (programme_id, year, category, amount, currency, note, created_at, \
                 created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            )
            .bind(programme_id)
            .bind(r.year)
            .bind(r.category.key())
            .bind(r.amount)
            .bind(&r.currency)
            .bind(&r.note)
            .bind(now)
            .bind(&self.actor.username)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
            written += 1;
        }
        Ok(Written::rows(written))
    }

    /// Every cost of the deployment in one currency, read again after the other writers
    /// of costs have committed.
    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        take_turn(tx).await?;
        let currencies: Vec<String> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
            "SELECT DISTINCT currency FROM programme_costs ORDER BY currency"
        )
        .fetch_all(&mut *c)
        .await)?;
        if currencies.len() > 1 {
            let theirs = currencies.iter().find(|c| Some(*c) != self.currency.as_ref()).cloned().unwrap_or_default();
            return Err(Error::invalid(
                Problem::new("cost-currency")
                    .in_column("currency")
                    .with_value(self.currency.clone().unwrap_or_default())
                    .arg("currency", theirs),
            ));
        }
        Ok(())
    }

    fn batch_rows(&self) -> usize {
        200
    }
}

/// The unit whose figures a reader of a programme's costs reads: for a reader of every
/// place, the country of the programme's participants; else the unit of their first grant
/// over a unit. None when there is no such unit (no participant yet, or a reader of a
/// school or of their own record only).
pub async fn reader_unit(db: &Db, actor: &Actor, programme_id: i64) -> Result<Option<i64>> {
    if actor.grants.iter().any(|g| g.scope == Scope::Everything) {
        let path: Option<String> =
            on_db!(db, |p| sqlx::query_scalar("SELECT MIN(path) FROM programme_participants WHERE programme_id = $1")
                .bind(programme_id)
                .fetch_one(p)
                .await)?;
        return Ok(path.and_then(|p| p.split('/').find(|s| !s.is_empty()).and_then(|s| s.parse().ok())));
    }
    Ok(actor.grants.iter().find_map(|g| match g.scope {
        Scope::Unit { unit_id, .. } => Some(unit_id),
        _ => None,
    }))
}
