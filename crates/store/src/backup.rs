//! Backups in one portable form: an OpenCPD SQLite file. A SQLite database is copied with
//! `VACUUM INTO`; a PostgreSQL one is copied table by table into a new SQLite file. A
//! restore copies such a file back into either backend, so a district's laptop database
//! can also move into a national PostgreSQL server, and back.
//!
//! Sessions are not kept: after a restore everyone logs in again.

use crate::bulk::{self, Cell};
use crate::{Db, Error, Result, on_db, on_tx};
use opencpd_domain::Problem;
use sqlx::Row;

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

/// Every table with its columns, parents before children.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    ("unit_levels", &[("country", Text), ("depth", Int), ("key", Text), ("name_en", Text), ("name_fr", Text)]),
    (
        "units",
        &[
            ("id", Int),
            ("parent_id", Int),
            ("country", Text),
            ("depth", Int),
            ("code", Text),
            ("name", Text),
            ("path", Text),
        ],
    ),
    (
        "schools",
        &[
            ("id", Int),
            ("code", Text),
            ("name", Text),
            ("unit_id", Int),
            ("unit_path", Text),
            ("level", Text),
            ("ownership", Text),
            ("subsystem", Text),
            ("latitude", Real),
            ("longitude", Real),
            ("version", Int),
        ],
    ),
    ("clusters", &[("id", Int), ("code", Text), ("name", Text), ("unit_id", Int)]),
    ("cluster_schools", &[("cluster_id", Int), ("school_id", Int)]),
    ("subjects", &[("id", Int), ("code", Text), ("name_en", Text), ("name_fr", Text)]),
    (
        "people",
        &[
            ("id", Int),
            ("staff_number", Text),
            ("given_name", Text),
            ("family_name", Text),
            ("sex", Text),
            ("birth_year", Int),
            ("phone", Text),
            ("email", Text),
            ("version", Int),
        ],
    ),
    (
        "positions",
        &[
            ("id", Int),
            ("person_id", Int),
            ("role", Text),
            ("school_id", Int),
            ("unit_id", Int),
            ("path", Text),
            ("start_date", Date),
            ("end_date", Date),
        ],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("username", Text),
            ("password_hash", Text),
            ("display_name", Text),
            ("person_id", Int),
            ("language", Text),
            ("disabled", Bool),
            ("created_at", Time),
        ],
    ),
    (
        "grants",
        &[("id", Int), ("user_id", Int), ("role", Text), ("unit_id", Int), ("school_id", Int), ("person_id", Int)],
    ),
    (
        "api_tokens",
        &[("id", Int), ("user_id", Int), ("name", Text), ("token_hash", Text), ("created_at", Time), ("revoked", Bool)],
    ),
    (
        "audit_events",
        &[
            ("id", Int),
            ("at", Time),
            ("user_id", Int),
            ("actor", Text),
            ("action", Text),
            ("entity", Text),
            ("entity_id", Text),
            ("summary", Text),
            ("before_json", Text),
            ("after_json", Text),
        ],
    ),
];

/// Reads one row's cells by the columns' kinds.
fn cells<R: Row>(row: &R, columns: &[(&str, Kind)]) -> Result<Vec<Cell>>
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
    let mut tx = to.begin().await?;
    // The migrations seed reference rows; the backup brings its own.
    for table in ["unit_levels", "subjects"] {
        let sql = format!("DELETE FROM {table}");
        on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected()))?;
    }
    let mut total = 0;
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let head = format!("INSERT INTO {table} ({})", names.join(", "));
        let keyed = names[0] == "id";
        let step = bulk::batch_rows(columns.len()) as i64;
        let mut last = i64::MIN;
        loop {
            let rows: Vec<Vec<Cell>> = if keyed {
                let sql = format!("SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT $2", names.join(", "));
                on_db!(from, |p| {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(last).bind(step).fetch_all(p).await?;
                    rows.iter().map(|r| cells(r, columns)).collect::<Result<Vec<_>>>()
                })?
            } else {
                let sql = format!("SELECT {} FROM {table}", names.join(", "));
                on_db!(from, |p| {
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?;
                    rows.iter().map(|r| cells(r, columns)).collect::<Result<Vec<_>>>()
                })?
            };
            let n = rows.len() as i64;
            if let Some(Cell::Int(Some(id))) = rows.last().and_then(|r| r.first()) {
                last = *id;
            }
            total += bulk::insert(&mut tx, &head, columns.len(), rows, &|n| progress(table, n)).await?;
            if !keyed || n < step {
                break;
            }
        }
        if keyed {
            bulk::sync_ids(&mut tx, table).await?;
        }
    }
    tx.commit().await?;
    Ok(total)
}
