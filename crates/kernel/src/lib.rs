//! The kernel every area of OpenCPD stands on: one API over SQLite (the default, one
//! file) and PostgreSQL (national deployments), the schema's migrations, actors and their
//! credentials, the audit trail, the one list-scope filter and batched inserts.
//!
//! [`Db`] is a concrete enum over the two pools, so callers are not generic and nothing
//! compiles twice. [`on_db!`] and [`on_tx!`] run the same SQL text on either backend; SQL
//! differs only in the migrations (one folder per backend) and where marked. Every write
//! goes through a transaction with its audit event.
//!
//! Not here: the areas' rules and queries, HTTP, HTML, file formats.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bulk;
pub mod cache;
pub mod derived;
pub mod error;
pub mod files;
pub mod import;
pub mod paging;
pub mod scope;
pub mod settings;
pub mod stamps;

pub use accounts::Actor;
pub use error::{Error, Result};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// A connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which pool a [`Db`] is: the same for every clone of one `Db`, different for any other
/// pool, even one opened later in this process (an identity keeps its pool's address from
/// being given to another while it lives).
#[derive(Clone, Debug)]
pub struct DbIdentity(std::sync::Weak<dyn std::any::Any + Send + Sync>);

impl PartialEq for DbIdentity {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Weak::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for DbIdentity {}

impl std::hash::Hash for DbIdentity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.0.as_ptr() as *const () as usize).hash(state);
    }
}

/// Which backend a [`Db`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to the concrete pool of either backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of a transaction of either backend.
/// Use `&mut *$conn` as the executor.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut ($tx).conn {
            $crate::TxConn::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
            $crate::TxConn::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut *t;
                $body
            }
        }
    };
}

/// Reads an area's answer shapes (its `model` types, which stay free of SQL) from rows of
/// either backend, column by field name. A field marked `= skip` takes its default; one
/// marked `= flatten` is read whole from the same row by its own `FromRow`.
///
/// ```ignore
/// opencpd_kernel::from_row! {
///     School { id, code, name, staff = skip }
/// }
/// ```
#[macro_export]
macro_rules! from_row {
    ($($ty:ident { $($field:ident $(= $how:ident)?),+ $(,)? })+) => {$(
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $ty {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> ::std::result::Result<Self, sqlx::Error> {
                #[allow(unused_imports)]
                use sqlx::Row as _;
                Ok($ty { $($field: $crate::from_row!(@field row, $field $(, $how)?)),+ })
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $ty {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> ::std::result::Result<Self, sqlx::Error> {
                #[allow(unused_imports)]
                use sqlx::Row as _;
                Ok($ty { $($field: $crate::from_row!(@field row, $field $(, $how)?)),+ })
            }
        }
    )+};
    (@field $row:ident, $field:ident) => { $row.try_get(stringify!($field))? };
    (@field $row:ident, $field:ident, skip) => { ::std::default::Default::default() };
    (@field $row:ident, $field:ident, flatten) => { sqlx::FromRow::from_row($row)? };
}

/// A transaction on either backend, with the derived data its writes have made stale.
/// Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    #[doc(hidden)]
    pub conn: TxConn,
    stale: derived::Stale,
}

/// The connection of a [`Tx`], one variant per backend (read through [`on_tx!`]).
pub enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// How a transaction holds the rows a `SELECT` reads until it ends ([`Tx::locking`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLock {
    /// For a write that depends on what it read: no other transaction may change or lock
    /// the rows until this one ends.
    Update,
    /// For a write checked against the rows read: they may not change until this one ends.
    Share,
}

impl Tx {
    /// The clause that ends a `SELECT` reading rows this transaction's writes depend on.
    /// PostgreSQL takes a row lock (`FOR UPDATE`, `FOR SHARE`), so a concurrent writer of
    /// the same rows waits for this transaction's end, then reads what it committed.
    /// SQLite needs none: a transaction holds the database's one write lock from its start
    /// (`BEGIN IMMEDIATE`), so no other write commits while it runs.
    pub fn locking(&self, lock: RowLock) -> &'static str {
        match (&self.conn, lock) {
            (TxConn::Sqlite(_), _) => "",
            (TxConn::Postgres(_), RowLock::Update) => " FOR UPDATE",
            (TxConn::Postgres(_), RowLock::Share) => " FOR SHARE",
        }
    }

    /// Notes that this transaction's writes make `derived` stale for `key`: its refresher
    /// runs once, for every key noted, just before the commit.
    pub fn changed(&mut self, derived: &'static derived::Derived, key: derived::Key) {
        self.stale.note(derived, key);
    }

    /// Refreshes the derived data the writes made stale, then commits: a derived table is
    /// never committed out of step with what it is derived from.
    pub async fn commit(mut self) -> Result<()> {
        // A refresher may make another derived table stale (cells made of learner records
        // feed the schools' totals): refresh until nothing is, a bounded number of rounds.
        for _ in 0..8 {
            let stale = std::mem::take(&mut self.stale);
            if stale.is_empty() {
                break;
            }
            stale.refresh(&mut self).await?;
        }
        if !self.stale.is_empty() {
            return Err(anyhow::anyhow!("derived tables keep making each other stale").into());
        }
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Where a database is, as given on the command line or in `OPENCPD_DB`.
pub fn describe_url(url: &str) -> String {
    // Never print a password.
    match url.split_once('@') {
        Some((head, tail)) if head.contains("://") => {
            let scheme = head.split("://").next().unwrap_or("");
            format!("{scheme}://…@{tail}")
        }
        _ => url.to_string(),
    }
}

/// The file of a SQLite database URL (a path or `sqlite:` URL); none for PostgreSQL.
pub fn sqlite_file(url: &str) -> Option<&std::path::Path> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return None;
    }
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    Some(std::path::Path::new(path))
}

/// What [`Db::connect`] does when a SQLite file does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMissing {
    Create,
    /// Refuse with a problem naming the file, and create nothing.
    Refuse,
}

/// SQLite's "file is not a database" (code 26) as one problem naming the file; any other
/// error as it is.
fn not_a_database(e: sqlx::Error, path: &std::path::Path) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.code().as_deref() == Some("26")
    {
        return Error::invalid(opencpd_domain::Problem::new("not-a-database").arg("database", path.display()));
    }
    e.into()
}

impl Db {
    /// Connects to `url`: `postgres://…` for PostgreSQL, otherwise a SQLite file path or
    /// `sqlite:` URL, whose file is created when missing only with [`IfMissing::Create`].
    pub async fn connect(url: &str, if_missing: IfMissing) -> Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // No ping before each query (sqlx's default doubles every round trip); a
            // connection the server closed fails its next query and is dropped from the pool.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            let path = sqlite_file(url).unwrap_or(std::path::Path::new(url));
            if if_missing == IfMissing::Refuse && !path.exists() {
                let problem = opencpd_domain::Problem::new("no-database").arg("database", path.display());
                return Err(Error::invalid(problem));
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(if_missing == IfMissing::Create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-8000")
                // Copy the write-ahead log back every 8,000 pages (32 MB) rather than 1,000:
                // pages written again and again between two copies are copied once.
                .pragma("wal_autocheckpoint", "8000");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .map_err(|e| not_a_database(e, path))?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// This pool's identity, for a cache of what its database holds (see [`DbIdentity`]).
    pub fn identity(&self) -> DbIdentity {
        let options: std::sync::Arc<dyn std::any::Any + Send + Sync> = match self {
            Db::Sqlite(p) => p.connect_options(),
            Db::Postgres(p) => p.connect_options(),
        };
        DbIdentity(std::sync::Arc::downgrade(&options))
    }

    /// Brings the schema up to date. Applied migrations are never edited.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await.map_err(anyhow::Error::from)?,
            Db::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await.map_err(anyhow::Error::from)?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            // IMMEDIATE: the write lock is taken at the start, so a transaction that reads
            // before it writes waits its turn (busy timeout) instead of failing with
            // "database is locked" when another writer went first.
            Db::Sqlite(p) => {
                Tx { conn: TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?), stale: Default::default() }
            }
            Db::Postgres(p) => Tx { conn: TxConn::Postgres(p.begin().await?), stale: Default::default() },
        })
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes the pool. A SQLite database first has its write-ahead log copied back and
    /// truncated, so no log is left beside the file.
    pub async fn close(&self) {
        if let Db::Sqlite(p) = self
            && let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await
        {
            tracing::warn!("checkpointing the write-ahead log: {e}");
        }
        on_db!(self, |p| p.close().await)
    }
}

/// Today's date in UTC; the one place the store reads the calendar.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
