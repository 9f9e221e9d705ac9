//! Bulk writing for imports and demo data: multi-row INSERTs in batches (one INSERT per
//! row is a hundred times slower), and ids reserved up front so rows can refer to rows
//! written in the same batch.

use crate::{Result, Tx, TxConn, on_tx};
use chrono::NaiveDate;

/// A value to bind, of the few types the registry uses.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    Real(Option<f64>),
    Date(Option<NaiveDate>),
    Bool(Option<bool>),
    Timestamp(Option<chrono::DateTime<chrono::Utc>>),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(Some(v))
    }
}
impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Cell {
        Cell::Int(v)
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Cell {
        Cell::Text(Some(v))
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(Some(v.to_string()))
    }
}
impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        Cell::Text(v)
    }
}
impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Cell {
        Cell::Real(v)
    }
}
impl From<NaiveDate> for Cell {
    fn from(v: NaiveDate) -> Cell {
        Cell::Date(Some(v))
    }
}
impl From<Option<NaiveDate>> for Cell {
    fn from(v: Option<NaiveDate>) -> Cell {
        Cell::Date(v)
    }
}

/// Both backends take at least 32,766 bound values in one statement.
const MAX_BINDS: usize = 30_000;

/// How many rows of `columns` values fit one statement.
pub fn batch_rows(columns: usize) -> usize {
    (MAX_BINDS / columns.max(1)).max(1)
}

/// Inserts `rows` with `head` (`INSERT INTO t (a, b, c)`), batching to the bind limit.
/// Calls `progress` with the number of rows written after each batch. Callers with very
/// many rows build and pass them a slice of [`batch_rows`] at a time to bound memory.
pub async fn insert(
    tx: &mut Tx,
    head: &str,
    columns: usize,
    rows: Vec<Vec<Cell>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    insert_then(tx, head, columns, rows, "", progress).await
}

/// [`insert`] with `tail` after the values (`ON CONFLICT (…) DO UPDATE SET …`, the same
/// text on both backends).
pub async fn insert_then(
    tx: &mut Tx,
    head: &str,
    columns: usize,
    mut rows: Vec<Vec<Cell>>,
    tail: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let per_batch = batch_rows(columns);
    let mut written = 0u64;
    while !rows.is_empty() {
        let take = per_batch.min(rows.len());
        let mut batch: Vec<Vec<Cell>> = rows.drain(..take).collect();
        let n = batch.len() as u64;
        on_tx!(&mut *tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(format!("{head} "));
            qb.push_values(batch.drain(..), |mut b, row| {
                for cell in row {
                    match cell {
                        Cell::Int(v) => b.push_bind(v),
                        Cell::Text(v) => b.push_bind(v),
                        Cell::Real(v) => b.push_bind(v),
                        Cell::Date(v) => b.push_bind(v),
                        Cell::Bool(v) => b.push_bind(v),
                        Cell::Timestamp(v) => b.push_bind(v),
                    };
                }
            });
            if !tail.is_empty() {
                qb.push(" ");
                qb.push(tail);
            }
            qb.build().execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        written += n;
        progress(n);
    }
    Ok(written)
}

/// Updates rows from a list of values, batched to the bind limit: `head` is the statement
/// up to its SET clause (`UPDATE people SET name = v.column2`), reading a row's values as
/// `v.column1`, `v.column2`…; `tail` joins them to the table (`WHERE people.id =
/// v.column1`). `types` are the values' SQL types, which PostgreSQL needs to read bound
/// values in a VALUES list (SQLite keeps each bound value's own type). The same text runs
/// on both backends; answers the rows changed.
pub async fn update(tx: &mut Tx, head: &str, tail: &str, types: &[&str], mut rows: Vec<Vec<Cell>>) -> Result<u64> {
    let pg = matches!(tx.conn, TxConn::Postgres(_));
    let per_batch = batch_rows(types.len());
    let mut changed = 0u64;
    while !rows.is_empty() {
        let take = per_batch.min(rows.len());
        let mut batch: Vec<Vec<Cell>> = rows.drain(..take).collect();
        changed += on_tx!(&mut *tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(format!("{head} FROM (VALUES "));
            for (r, row) in batch.drain(..).enumerate() {
                qb.push(if r == 0 { "(" } else { ", (" });
                for (i, (cell, ty)) in row.into_iter().zip(types).enumerate() {
                    qb.push(match (i, pg) {
                        (0, true) => "CAST(",
                        (_, true) => ", CAST(",
                        (0, false) => "",
                        (_, false) => ", ",
                    });
                    match cell {
                        Cell::Int(v) => qb.push_bind(v),
                        Cell::Text(v) => qb.push_bind(v),
                        Cell::Real(v) => qb.push_bind(v),
                        Cell::Date(v) => qb.push_bind(v),
                        Cell::Bool(v) => qb.push_bind(v),
                        Cell::Timestamp(v) => qb.push_bind(v),
                    };
                    if pg {
                        qb.push(format!(" AS {ty})"));
                    }
                }
                qb.push(")");
            }
            qb.push(format!(") AS v {tail}"));
            // Not kept prepared: a statement of thousands of values, its text varying with the
            // batch's size, would fill the connection's statement cache.
            qb.build().persistent(false).execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(changed)
}

/// The first free id of `table`, locking the table against concurrent writers on
/// PostgreSQL (SQLite has one writer at a time anyway).
pub async fn next_id(tx: &mut Tx, table: &'static str) -> Result<i64> {
    if let TxConn::Postgres(t) = &mut tx.conn {
        sqlx::query(sqlx::AssertSqlSafe(format!("LOCK TABLE {table} IN EXCLUSIVE MODE"))).execute(&mut **t).await?;
    }
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    Ok(on_tx!(tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(&mut *c).await)?)
}

/// After rows were written with explicit ids: moves PostgreSQL's identity past them.
pub async fn sync_ids(tx: &mut Tx, table: &str) -> Result<()> {
    if let TxConn::Postgres(t) = &mut tx.conn {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
    }
    Ok(())
}
