//! Backups in one portable form: an OpenCPD SQLite file. A SQLite database is copied with
//! `VACUUM INTO`; a PostgreSQL one is copied table by table into a new SQLite file. A
//! restore copies such a file back into either backend, so a district's laptop database
//! can also move into a national PostgreSQL server, and back.
//!
//! Sessions are not kept: after a restore everyone logs in again.
//!
//! [`reset`] empties a database of either backend the same way, for `demo --replace`.

use crate::bulk::{self, Cell};
use crate::{Db, Error, Result, Tx, on_db, on_tx};
use opencpd_domain::Problem;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Real,
    Date,
    Bool,
    Time,
}
use Kind::*;

/// One table to copy: its name and its columns with their kinds.
struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
}

/// Tables that are not copied: login sessions (everyone logs in again) and the record of
/// applied migrations (each database keeps its own).
const NOT_COPIED: &[&str] = &["sessions", "_sqlx_migrations"];

/// Every table but those `left_out`, parents before children, read from the schema itself
/// so that a table added later is never left out. The columns' kinds come from PostgreSQL
/// when either side is PostgreSQL (its types are strict), otherwise from SQLite's
/// declarations.
async fn tables(from: &Db, to: &Db, left_out: &[&str]) -> Result<Vec<Table>> {
    let schema = if matches!(from, Db::Postgres(_)) { from } else { to };
    // (table, column, declared type) and (child table, parent table).
    type Columns = Vec<(String, String, String)>;
    type Links = Vec<(String, String)>;
    let (columns, links): (Columns, Links) = match schema {
        Db::Postgres(p) => (
            sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            )
            .fetch_all(p)
            .await?,
            sqlx::query_as(
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c \
                 JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()",
            )
            .fetch_all(p)
            .await?,
        ),
        Db::Sqlite(p) => (
            sqlx::query_as(
                "SELECT m.name, c.name, c.type FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid",
            )
            .fetch_all(p)
            .await?,
            sqlx::query_as(
                "SELECT m.name, f.\"table\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table'",
            )
            .fetch_all(p)
            .await?,
        ),
    };
    let mut by_name: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
    for (table, column, declared) in columns {
        if left_out.contains(&table.as_str()) {
            continue;
        }
        let kind = match declared.to_ascii_lowercase().as_str() {
            "bigint" | "integer" | "smallint" => Int,
            "double precision" | "real" | "numeric" => Real,
            "date" => Date,
            "boolean" => Bool,
            "timestamp with time zone" | "timestamp without time zone" => Time,
            _ => Text,
        };
        by_name.entry(table).or_default().push((column, kind));
    }
    // Parents first: a table comes once every table it refers to has come.
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = by_name.keys().map(|t| (t.as_str(), BTreeSet::new())).collect();
    for (child, parent) in &links {
        if child != parent
            && by_name.contains_key(parent)
            && let Some(set) = parents.get_mut(child.as_str())
        {
            set.insert(parent.as_str());
        }
    }
    let mut ordered: Vec<String> = Vec::new();
    while ordered.len() < by_name.len() {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(t, ps)| !ordered.iter().any(|o| o == *t) && ps.iter().all(|p| ordered.iter().any(|o| o == p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(anyhow::anyhow!("the tables' foreign keys make a cycle").into());
        }
        ordered.extend(ready.into_iter().map(str::to_string));
    }
    Ok(ordered
        .into_iter()
        .map(|name| {
            let columns = by_name.remove(&name).unwrap_or_default();
            Table { name, columns }
        })
        .collect())
}

/// Reads one row's cells by the columns' kinds.
fn cells<R: Row>(row: &R, columns: &[(String, Kind)]) -> Result<Vec<Cell>>
where
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<chrono::NaiveDate>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<chrono::DateTime<chrono::Utc>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let mut out = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        out.push(match kind {
            Int => Cell::Int(row.try_get(i)?),
            Text => Cell::Text(row.try_get(i)?),
            Real => Cell::Real(row.try_get(i)?),
            Date => Cell::Date(row.try_get(i)?),
            Bool => Cell::Bool(row.try_get(i)?),
            Time => Cell::Timestamp(row.try_get(i)?),
        });
    }
    Ok(out)
}

/// Copies every table of `from` into `to`, which must have the schema and no data.
pub async fn copy_all(from: &Db, to: &Db, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<u64> {
    let units: i64 = on_db!(to, |p| sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(p).await)?;
    let users: i64 = on_db!(to, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await)?;
    if units + users > 0 {
        return Err(Error::Conflict(Problem::new("conflict").arg("detail", "the target database already has data")));
    }
    let tables = tables(from, to, NOT_COPIED).await?;
    let mut tx = to.begin().await?;
    // The migrations seed some rows (levels, subjects, kinds of outreach…); the backup
    // brings its own. Children go before their parents.
    for table in tables.iter().rev() {
        let sql = format!("DELETE FROM {}", table.name);
        on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let total = copy_rows(from, &tables, &mut tx, progress).await?;
    tx.commit().await?;
    Ok(total)
}

/// Copies the rows of `tables` from `from` into the transaction's database, whose tables
/// are empty. A table's identity sequence is moved past the ids copied into it.
async fn copy_rows(from: &Db, tables: &[Table], tx: &mut Tx, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<u64> {
    let mut total = 0;
    for table in tables {
        let columns = &table.columns;
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        // PostgreSQL's `integer` columns are read as `bigint`, the one integer kind here.
        let selected: Vec<String> = columns
            .iter()
            .map(|(n, kind)| match (from, kind) {
                (Db::Postgres(_), Int) => format!("{n}::bigint AS {n}"),
                _ => n.clone(),
            })
            .collect();
        let head = format!("INSERT INTO {} ({})", table.name, names.join(", "));
        let keyed = names.contains(&"id");
        let step = bulk::batch_rows(columns.len()) as i64;
        let mut last = i64::MIN;
        let mut copied = 0;
        loop {
            let rows: Vec<Vec<Cell>> = if keyed {
                let sql =
                    format!("SELECT {} FROM {} WHERE id > $1 ORDER BY id LIMIT $2", selected.join(", "), table.name);
                on_db!(from, |p| {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(last).bind(step).fetch_all(p).await?;
                    rows.iter().map(|r| cells(r, columns)).collect::<Result<Vec<_>>>()
                })?
            } else {
                let sql = format!("SELECT {} FROM {}", selected.join(", "), table.name);
                on_db!(from, |p| {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?;
                    rows.iter().map(|r| cells(r, columns)).collect::<Result<Vec<_>>>()
                })?
            };
            let n = rows.len() as i64;
            let id_at = names.iter().position(|n| *n == "id");
            if let Some(Cell::Int(Some(id))) = id_at.and_then(|i| rows.last().map(|r| &r[i])) {
                last = *id;
            }
            copied += bulk::insert(tx, &head, columns.len(), rows, &|n| progress(&table.name, n)).await?;
            if !keyed || n < step {
                break;
            }
        }
        if keyed && copied > 0 {
            bulk::sync_ids(tx, &table.name).await?;
        }
        total += copied;
    }
    Ok(total)
}

/// Empties every table of the schema but the record of applied migrations, in one
/// transaction, then puts back the rows the migrations seed (levels, subjects, attendance
/// statuses…), copied from a freshly migrated database in memory: the database is then as
/// a new one. The tables are read from the schema, so a table added later is emptied too.
pub async fn reset(db: &Db) -> Result<()> {
    let every = tables(db, db, &["_sqlx_migrations"]).await?;
    let fresh = fresh().await?;
    let seeded = tables(&fresh, db, NOT_COPIED).await?;
    let mut tx = db.begin().await?;
    match &mut tx {
        Tx::Postgres(t) => {
            let names: Vec<&str> = every.iter().map(|t| t.name.as_str()).collect();
            let sql = format!("TRUNCATE {} RESTART IDENTITY", names.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
        }
        // Children before their parents. SQLite's ids start again from the largest left,
        // none.
        Tx::Sqlite(t) => {
            for table in every.iter().rev() {
                let sql = format!("DELETE FROM {}", table.name);
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
            }
        }
    }
    let copied = copy_rows(&fresh, &seeded, &mut tx, &|_, _| {}).await;
    fresh.close().await;
    copied?;
    tx.commit().await?;
    Ok(())
}

/// A database in memory with the schema and the rows the migrations seed, and nothing else.
async fn fresh() -> Result<Db> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    // One connection kept open: each connection to `:memory:` is a database of its own.
    let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    let db = Db::Sqlite(pool);
    db.migrate().await?;
    Ok(db)
}
