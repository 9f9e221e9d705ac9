//! Backups in one portable form: an OpenCPD SQLite file. A SQLite database is copied with
//! `VACUUM INTO`; a PostgreSQL one is copied table by table into a new SQLite file. A
//! restore copies such a file back into either backend, so a district's laptop database
//! can also move into a national PostgreSQL server, and back.
//!
//! Sessions are not kept: after a restore everyone logs in again.
//!
//! The files the rows refer to (forms' attachments, submissions' photos and recordings,
//! lesson studies' artefacts) go in the same file ([`write_files`]), in a table of parts of
//! at most a megabyte that no database copies ([`FILES_TABLE`]). A restore puts back those
//! the store lacks, each checked against its digest, before the database is swapped, and
//! takes them out again if anything fails: the database and the files are then as they
//! were. Files the previous database referred to stay in the store (`files prune` removes
//! those no row refers to once their grace period is over).
//!
//! A restore never replaces a database in use. Every process that uses a SQLite database
//! holds a shared OS lock on a lock file beside it ([`InUse`], `<file>.lock`), which the OS
//! drops when the process ends, however it ends; a restore takes the lock exclusively, so
//! it refuses while a server or a command uses the file and nothing opens the file while
//! it is restored. On PostgreSQL a restore refuses while other sessions are connected.
//! The backup is copied and checked (opened, migrated, integrity check) before anything
//! is replaced, and the previous contents are kept under a name that says when.
//!
//! [`reset`] empties a database of either backend the same way, for `demo --replace`.

use crate::bulk::{self, Cell};
use crate::files::Files;
use crate::{Db, Error, IfMissing, Result, Tx, TxConn, on_db, on_tx};
use opencpd_domain::Problem;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

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

/// Whether a database holds anything of its own (units or accounts).
async fn has_data(db: &Db) -> Result<bool> {
    let units: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM units").fetch_one(p).await)?;
    let users: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await)?;
    Ok(units + users > 0)
}

/// What a copy does with the rows the target holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// The target must hold no data (the migrations' seeded rows are replaced).
    MustBeEmpty,
    /// Every row is replaced, login sessions included, in the copy's one transaction.
    Replaced,
}

/// Copies every table of `from` into `to`, which must have the schema and no data.
pub async fn copy_all(from: &Db, to: &Db, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<u64> {
    copy(from, to, Rows::MustBeEmpty, progress).await
}

async fn copy(from: &Db, to: &Db, rows: Rows, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<u64> {
    if rows == Rows::MustBeEmpty && has_data(to).await? {
        return Err(Error::Conflict(Problem::new("conflict").arg("detail", "the target database already has data")));
    }
    let tables = tables(from, to, NOT_COPIED).await?;
    let mut tx = to.begin().await?;
    if rows == Rows::Replaced {
        on_tx!(&mut tx, |c| sqlx::query("DELETE FROM sessions").execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
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

/// Writes a backup of `db` to `file`, a new SQLite file: `VACUUM INTO` from SQLite (a
/// consistent copy taken while the server runs), a table-by-table copy from PostgreSQL.
pub async fn write(db: &Db, file: &Path, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<()> {
    if file.exists() {
        return Err(Problem::new("file-exists").arg("file", file.display()).into());
    }
    match db {
        Db::Sqlite(p) => {
            let target = file.to_string_lossy().replace('\'', "''");
            sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(p).await?;
        }
        Db::Postgres(_) => {
            let target = Db::connect(&file.to_string_lossy(), IfMissing::Create).await?;
            let copied = async {
                target.migrate().await?;
                copy(db, &target, Rows::MustBeEmpty, progress).await
            }
            .await;
            target.close().await;
            if let Err(e) = copied {
                remove_sqlite_files(file);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The table of a backup that holds the bytes of the files its rows refer to: a row per
/// part of at most [`PART`] bytes. Not in the schema: no copy of a database carries it.
pub const FILES_TABLE: &str = "backup_file_parts";

/// The most bytes a part of a file in a backup holds.
const PART: usize = 1 << 20;

/// The files a backup holds, or a restore put back.
#[derive(Debug, Default)]
pub struct FilesCopied {
    /// How many files, and their bytes.
    pub count: u64,
    pub bytes: u64,
    /// Of those, put back into a store that lacked them (a restore).
    pub added: u64,
    /// Files the rows refer to that the store does not have (a backup), by digest.
    pub missing: Vec<String>,
}

/// Every file the rows of `db` refer to, by digest, in order.
async fn referred_files(db: &Db) -> Result<Vec<String>> {
    let tables = crate::files::file_tables(db, true).await?;
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let sql = tables.iter().map(|t| format!("SELECT sha256 FROM {t}")).collect::<Vec<_>>().join(" UNION ");
    let sql = format!("SELECT sha256 FROM ({sql}) f ORDER BY sha256");
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?)
}

/// Adds to the backup `file` (just written by [`write`]) the bytes of every file its rows
/// refer to, read from `files` a part at a time. A file the store lacks is left out and
/// named in the answer. When anything else fails the backup is removed.
pub async fn write_files(file: &Path, files: &Files, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<FilesCopied> {
    let backup = Db::connect(&file.to_string_lossy(), IfMissing::Refuse).await?;
    let written = async {
        let create = format!(
            "CREATE TABLE {FILES_TABLE} (sha256 TEXT NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL, \
             PRIMARY KEY (sha256, part))"
        );
        on_db!(&backup, |p| sqlx::query(sqlx::AssertSqlSafe(create.clone())).execute(p).await.map(|_| ()))?;
        let insert = format!("INSERT INTO {FILES_TABLE} (sha256, part, bytes) VALUES ($1, $2, $3)");
        let mut copied = FilesCopied::default();
        for sha256 in referred_files(&backup).await? {
            let mut stream = match files.open(&sha256).await {
                Ok((_, stream)) => stream,
                Err(Error::NotFound) => {
                    copied.missing.push(sha256);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut tx = backup.begin().await?;
            let mut part: Vec<u8> = Vec::with_capacity(PART);
            let mut n = 0i64;
            let flush = async |tx: &mut Tx, part: &mut Vec<u8>, n: &mut i64| -> Result<()> {
                on_tx!(tx, |c| sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                    .bind(&sha256)
                    .bind(*n)
                    .bind(part.as_slice())
                    .execute(&mut *c)
                    .await
                    .map(|_| ()))?;
                *n += 1;
                part.clear();
                Ok(())
            };
            use futures_util::StreamExt;
            while let Some(chunk) = stream.next().await {
                let mut chunk = &chunk.map_err(|e| Error::Other(e.into()))?[..];
                copied.bytes += chunk.len() as u64;
                while !chunk.is_empty() {
                    let take = chunk.len().min(PART - part.len());
                    part.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    if part.len() == PART {
                        flush(&mut tx, &mut part, &mut n).await?;
                    }
                }
            }
            if !part.is_empty() || n == 0 {
                flush(&mut tx, &mut part, &mut n).await?;
            }
            tx.commit().await?;
            copied.count += 1;
            progress(FILES_TABLE, 1);
        }
        Ok(copied)
    }
    .await;
    backup.close().await;
    if written.is_err() {
        remove_sqlite_files(file);
    }
    written
}

/// Puts the files of the backup `file` that `files` lacks into it, each checked against
/// its digest. When one fails, those put so far are taken out again and the failure names
/// the backup and the file. Returns what it did and the digests it added.
async fn restore_files(file: &Path, files: &Files) -> Result<(FilesCopied, Vec<String>)> {
    let backup = Db::connect(&file.to_string_lossy(), IfMissing::Refuse).await?;
    let mut added: Vec<String> = Vec::new();
    let outcome = async {
        let has: i64 = on_db!(&backup, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
        )
        .bind(FILES_TABLE)
        .fetch_one(p)
        .await)?;
        let mut copied = FilesCopied::default();
        if has == 0 {
            return Ok(copied);
        }
        let list = format!("SELECT DISTINCT sha256 FROM {FILES_TABLE} ORDER BY sha256");
        let digests: Vec<String> =
            on_db!(&backup, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(list.clone())).fetch_all(p).await)?;
        let mut limits = crate::files::Limits::new(u64::MAX, crate::files::TYPES);
        limits.types.push(crate::files::TEXT);
        let read = format!("SELECT bytes FROM {FILES_TABLE} WHERE sha256 = $1 AND part = $2");
        for sha256 in digests {
            // The parts one at a time, in order.
            let parts = futures_util::stream::unfold(0i64, |n| {
                let (backup, read, sha256) = (backup.clone(), read.clone(), sha256.clone());
                async move {
                    let part: Option<Vec<u8>> = match on_db!(&backup, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(read))
                        .bind(&sha256)
                        .bind(n)
                        .fetch_optional(p)
                        .await)
                    {
                        Ok(part) => part,
                        Err(e) => return Some((Err(std::io::Error::other(e)), n + 1)),
                    };
                    part.map(|bytes| (Ok(bytes::Bytes::from(bytes)), n + 1))
                }
            });
            let stored = files.put(Box::pin(parts), &limits, "file", Some(&sha256)).await.map_err(|e| {
                let detail = match e {
                    Error::Invalid(p) => p.iter().map(|p| p.message("en")).collect::<Vec<_>>().join("; "),
                    e => e.to_string(),
                };
                Problem::new("backup-file-damaged")
                    .arg("file", file.display())
                    .arg("sha256", &sha256)
                    .arg("detail", detail)
            })?;
            copied.count += 1;
            copied.bytes += stored.size;
            if stored.new {
                copied.added += 1;
                added.push(sha256);
            }
        }
        Ok::<_, Error>(copied)
    }
    .await;
    backup.close().await;
    match outcome {
        Ok(copied) => Ok((copied, added)),
        Err(e) => {
            take_out(files, &added).await;
            Err(e)
        }
    }
}

/// Takes out of the store the files a failed restore put in.
async fn take_out(files: &Files, added: &[String]) {
    for sha256 in added {
        if let Err(e) = files.remove(sha256).await {
            tracing::warn!(sha256, error = %e, "a file put back by a failed restore could not be taken out");
        }
    }
}

/// A SQLite database marked in use by this process for as long as the mark lives (see the
/// module's documentation). Nothing for PostgreSQL.
#[derive(Debug)]
pub struct InUse {
    _lock: std::fs::File,
}

impl InUse {
    /// Marks the SQLite database of `url` in use, shared with every other process that uses
    /// it. Refuses while a restore holds it and, with [`IfMissing::Refuse`], when the file
    /// does not exist (creating nothing then).
    pub fn mark(url: &str, if_missing: IfMissing) -> Result<Option<InUse>> {
        let Some(file) = crate::sqlite_file(url) else { return Ok(None) };
        if if_missing == IfMissing::Refuse && !file.exists() {
            return Err(Problem::new("no-database").arg("database", file.display()).into());
        }
        hold(file, Hold::Shared).map(Some)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hold {
    Shared,
    Exclusive,
}

/// `<file>.lock`, beside the database.
fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock file of a SQLite database and writes this process's id in it.
fn hold(file: &Path, how: Hold) -> Result<InUse> {
    let path = lock_path(file);
    let mut lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("opening the lock file {}: {e}", path.display()))?;
    let taken = match how {
        Hold::Shared => lock.try_lock_shared(),
        Hold::Exclusive => lock.try_lock(),
    };
    match taken {
        Ok(()) => {
            // The last process to take the lock is named in it, for the message below.
            let _ =
                lock.set_len(0).and_then(|()| lock.rewind()).and_then(|()| writeln!(lock, "{}", std::process::id()));
            Ok(InUse { _lock: lock })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = lock.read_to_string(&mut holder);
            let holder = holder.trim();
            let code = if how == Hold::Exclusive { "database-in-use" } else { "database-being-restored" };
            Err(Error::Conflict(
                Problem::new(code)
                    .arg("database", file.display())
                    .arg("lock", path.display())
                    .arg("process", if holder.is_empty() { "?" } else { holder }),
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(anyhow::anyhow!("locking {}: {e}", path.display()).into()),
    }
}

/// `<stem>-<what>-<UTC time>.db` in the folder of `beside`: where previous contents are kept.
fn kept_name(beside: &Path, stem: &str, what: &str) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let mut path = beside.with_file_name(format!("{stem}-{what}-{stamp}.db"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = beside.with_file_name(format!("{stem}-{what}-{stamp}-{n}.db"));
    }
    path
}

fn dir_of(file: &Path) -> &Path {
    match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn stem_of(file: &Path) -> String {
    file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "opencpd".into())
}

/// Removes a SQLite file with its write-ahead log and shared-memory index, if there.
fn remove_sqlite_files(file: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Copies the log of a SQLite database no one uses back into its file, so that the file
/// alone holds everything, and removes the emptied log and its index.
async fn settle(file: &Path) -> Result<()> {
    let db = Db::connect(&file.to_string_lossy(), IfMissing::Refuse).await?;
    db.close().await;
    let mut wal = file.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(Problem::new("log-left").arg("database", file.display()).into());
    }
    let _ = std::fs::remove_file(&wal);
    let mut shm = file.as_os_str().to_owned();
    shm.push("-shm");
    let _ = std::fs::remove_file(PathBuf::from(shm));
    Ok(())
}

/// Puts a SQLite database aside under a new name (`<stem>-<what>-<time>.db`), so that a
/// new one can be built in its place; refuses while it is in use. None when there is no
/// file (or for PostgreSQL).
pub async fn set_aside(url: &str, what: &str) -> Result<Option<PathBuf>> {
    let Some(file) = crate::sqlite_file(url) else { return Ok(None) };
    if !file.exists() {
        return Ok(None);
    }
    let _lock = hold(file, Hold::Exclusive)?;
    settle(file).await?;
    let kept = kept_name(file, &stem_of(file), what);
    std::fs::rename(file, &kept)
        .map_err(|e| anyhow::anyhow!("renaming {} to {}: {e}", file.display(), kept.display()))?;
    Ok(Some(kept))
}

/// Checks that `file` is an OpenCPD backup (a SQLite file with OpenCPD's tables).
pub async fn check_backup(file: &Path) -> Result<()> {
    if !file.is_file() {
        return Err(Problem::new("no-file").arg("file", file.display()).into());
    }
    let source = Db::connect(&file.to_string_lossy(), IfMissing::Refuse)
        .await
        .map_err(|_| Problem::new("not-a-backup").arg("file", file.display()))?;
    let tables: i64 = on_db!(&source, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('units', 'schools', 'people', 'users', '_sqlx_migrations')",
    )
    .fetch_one(p)
    .await)
    .unwrap_or(0);
    source.close().await;
    if tables < 5 {
        return Err(Problem::new("not-a-backup").arg("file", file.display()).into());
    }
    Ok(())
}

/// Copies the backup `file` to `copy` (a new file) and checks the copy: it opens, its
/// schema is brought up to date and SQLite's integrity check passes. The backup itself is
/// only read.
async fn checked_copy(file: &Path, copy: &Path) -> Result<()> {
    check_backup(file).await?;
    let source = Db::connect(&file.to_string_lossy(), IfMissing::Refuse).await?;
    let written = write(&source, copy, &|_, _| {}).await;
    source.close().await;
    written?;
    let db = Db::connect(&copy.to_string_lossy(), IfMissing::Refuse).await?;
    let checked = async {
        // The files' bytes go to the store, not into the database.
        let has: i64 = on_db!(&db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
        )
        .bind(FILES_TABLE)
        .fetch_one(p)
        .await)?;
        if has > 0 {
            let drop = format!("DROP TABLE {FILES_TABLE}");
            on_db!(&db, |p| sqlx::query(sqlx::AssertSqlSafe(drop.clone())).execute(p).await.map(|_| ()))?;
            on_db!(&db, |p| sqlx::query("VACUUM").execute(p).await.map(|_| ()))?;
        }
        db.migrate().await?;
        let report: Vec<String> = on_db!(&db, |p| sqlx::query_scalar("PRAGMA integrity_check").fetch_all(p).await)?;
        if report != ["ok"] {
            return Err(Problem::new("backup-damaged")
                .arg("file", file.display())
                .arg("detail", report.join("; "))
                .into());
        }
        Ok(())
    }
    .await;
    db.close().await;
    checked
}

/// A database claimed for a restore: a SQLite file locked against every other process, or
/// a PostgreSQL database no one else is connected to.
pub struct Claim {
    target: Target,
}

enum Target {
    Sqlite { file: PathBuf, _lock: InUse },
    Postgres { db: Db },
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// Where the previous contents are kept (none when there were none).
    pub kept: Option<PathBuf>,
    /// The files of the backup, and how many the store lacked.
    pub files: FilesCopied,
}

/// Claims the database of `url` for a restore; refuses while it is in use.
pub async fn claim(url: &str) -> Result<Claim> {
    match crate::sqlite_file(url) {
        Some(file) => {
            let lock = hold(file, Hold::Exclusive)?;
            Ok(Claim { target: Target::Sqlite { file: file.to_path_buf(), _lock: lock } })
        }
        None => {
            // The schema first, on a pool of its own: a pool that has run the migrations
            // may hold a connection it does not count as its own for a while.
            let db = Db::connect(url, IfMissing::Refuse).await?;
            let migrated = db.migrate().await;
            db.close().await;
            migrated?;
            let db = Db::connect(url, IfMissing::Refuse).await?;
            let checked = alone(&db).await;
            if let Err(e) = checked {
                db.close().await;
                return Err(e);
            }
            Ok(Claim { target: Target::Postgres { db } })
        }
    }
}

/// Refuses when other sessions are connected to this PostgreSQL database (this pool's own
/// aside). A session that is ending (a command that has just finished, or a connection
/// this process is closing) is given two seconds to go.
async fn alone(db: &Db) -> Result<()> {
    let Db::Postgres(p) = db else { return Ok(()) };
    let mut name = String::new();
    let mut others: Vec<i32> = Vec::new();
    for _ in 0..20 {
        // Every connection of the pool, to tell its sessions from the others.
        let mut held = Vec::new();
        for _ in 0..p.size().max(1) {
            held.push(p.acquire().await?);
        }
        let mut own: Vec<i32> = Vec::new();
        for c in &mut held {
            own.push(sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut **c).await?);
        }
        name = sqlx::query_scalar("SELECT current_database()::text").fetch_one(&mut *held[0]).await?;
        others = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL($1) \
             AND backend_type = 'client backend' ORDER BY pid",
        )
        .bind(&own)
        .fetch_all(&mut *held[0])
        .await?;
        drop(held);
        if others.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pids: Vec<String> = others.iter().map(i32::to_string).collect();
    Err(Error::Conflict(
        Problem::new("database-connected")
            .arg("database", name)
            .arg("count", others.len())
            .arg("processes", pids.join(", ")),
    ))
}

impl Claim {
    /// Replaces the claimed database with the backup `file`, and puts the backup's files
    /// that `files` lacks into it. The backup is copied and checked first, then the files
    /// put back. A SQLite target is swapped in one rename, the previous file kept beside
    /// it; a PostgreSQL target has its contents written to a SQLite file beside the
    /// backup, then replaced in one transaction. A failure leaves the database and the
    /// files as they were.
    pub async fn restore(self, file: &Path, files: &Files, progress: &(dyn Fn(&str, u64) + Sync)) -> Result<Restored> {
        check_backup(file).await?;
        match self.target {
            Target::Sqlite { file: target, _lock } => {
                let dir = dir_of(&target);
                let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                let fresh = dir.join(format!("{name}.restoring-{}", std::process::id()));
                remove_sqlite_files(&fresh);
                let mut added = Vec::new();
                let swapped = async {
                    checked_copy(file, &fresh).await?;
                    let (copied, put) = restore_files(file, files).await?;
                    added = put;
                    let mut kept = None;
                    if target.exists() {
                        let keep = kept_name(&target, &stem_of(&target), "before-restore");
                        if settle(&target).await.is_err() {
                            // A file SQLite cannot open or whose log cannot be copied back
                            // (a damaged one, say) is kept as it is, its log beside it.
                            for suffix in ["-wal", "-shm"] {
                                let (mut from, mut to) = (target.as_os_str().to_owned(), keep.as_os_str().to_owned());
                                from.push(suffix);
                                to.push(suffix);
                                if Path::new(&from).exists() {
                                    std::fs::rename(&from, &to).map_err(|e| {
                                        anyhow::anyhow!("keeping {} as {}: {e}", from.display(), to.display())
                                    })?;
                                }
                            }
                        }
                        // A second name for the previous file, so that the target's name
                        // always holds a whole database; a copy where links are not offered.
                        if std::fs::hard_link(&target, &keep).is_err() {
                            std::fs::copy(&target, &keep).map_err(|e| {
                                anyhow::anyhow!("keeping {} as {}: {e}", target.display(), keep.display())
                            })?;
                        }
                        kept = Some(keep);
                    }
                    std::fs::rename(&fresh, &target)
                        .map_err(|e| anyhow::anyhow!("renaming {} to {}: {e}", fresh.display(), target.display()))?;
                    Ok::<_, Error>(Restored { kept, files: copied })
                }
                .await;
                remove_sqlite_files(&fresh);
                if swapped.is_err() {
                    take_out(files, &added).await;
                }
                swapped
            }
            Target::Postgres { db } => {
                let outcome = restore_postgres(&db, file, files, progress).await;
                db.close().await;
                outcome
            }
        }
    }
}

async fn restore_postgres(
    db: &Db,
    file: &Path,
    files: &Files,
    progress: &(dyn Fn(&str, u64) + Sync),
) -> Result<Restored> {
    alone(db).await?;
    let dir = dir_of(file);
    let scratch = dir.join(format!(
        "{}.restoring-{}",
        file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        std::process::id()
    ));
    remove_sqlite_files(&scratch);
    let outcome = async {
        checked_copy(file, &scratch).await?;
        let mut kept = None;
        if has_data(db).await? {
            let name: String =
                on_db!(db, |p| sqlx::query_scalar("SELECT current_database()::text").fetch_one(p).await)?;
            let keep = kept_name(file, &name, "before-restore");
            write(db, &keep, &|_, _| {}).await?;
            kept = Some(keep);
        }
        let (put, added) = restore_files(file, files).await?;
        let replaced = async {
            let source = Db::connect(&scratch.to_string_lossy(), IfMissing::Refuse).await?;
            let copied = copy(&source, db, Rows::Replaced, progress).await;
            source.close().await;
            copied
        }
        .await;
        if let Err(e) = replaced {
            take_out(files, &added).await;
            return Err(e);
        }
        Ok(Restored { kept, files: put })
    }
    .await;
    remove_sqlite_files(&scratch);
    outcome
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
    match &mut tx.conn {
        TxConn::Postgres(t) => {
            let names: Vec<&str> = every.iter().map(|t| t.name.as_str()).collect();
            let sql = format!("TRUNCATE {} RESTART IDENTITY", names.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
        }
        // Children before their parents. SQLite's ids start again from the largest left,
        // none.
        TxConn::Sqlite(t) => {
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
