//! The database a command works on: the one default name, opening (marked in use, a
//! missing SQLite file created only when the command says so, the schema brought up to
//! date), and closing everything a run opened, so that a SQLite write-ahead log is copied
//! back and no mark outlives the run. Also the language of the command line's messages.

use anyhow::Context;
use opencpd_kernel::backup::InUse;
use opencpd_kernel::{Db, IfMissing, describe_url};

/// The one default database, of every command and of the demo.
pub const DEFAULT_DB: &str = "opencpd.db";

/// The databases this run opened, with their marks, closed by `cli::run` at the end.
static OPENED: std::sync::Mutex<Vec<(Db, Option<InUse>)>> = std::sync::Mutex::new(Vec::new());

/// Opens the database of `url` for this run: marks it in use, connects (creating a
/// missing SQLite file only when `if_missing` says so), brings the schema up to date.
pub async fn open(url: &str, if_missing: IfMissing) -> anyhow::Result<Db> {
    let opening = || format!("opening the database {}", describe_url(url));
    let mark = InUse::mark(url, if_missing).map_err(|e| told(e, lang())).with_context(opening)?;
    let db = Db::connect(url, if_missing).await.map_err(|e| told(e, lang())).with_context(opening)?;
    OPENED.lock().map_err(|_| anyhow::anyhow!("the list of open databases"))?.push((db.clone(), mark));
    db.migrate().await.context("bringing the database schema up to date")?;
    Ok(db)
}

/// Closes every database this run opened (a SQLite log is copied back and truncated),
/// then lets go of their marks.
pub async fn close_opened() {
    let opened = OPENED.lock().map(|mut o| std::mem::take(&mut *o)).unwrap_or_default();
    for (db, mark) in opened {
        db.close().await;
        drop(mark);
    }
}

/// The language of messages: `OPENCPD_LANG`, English by default.
pub fn lang() -> &'static str {
    opencpd_domain::i18n::resolve(&std::env::var("OPENCPD_LANG").unwrap_or_default())
}

/// A message of the catalogue in the command line's language.
pub fn text(id: &str, args: &[(&str, String)]) -> String {
    opencpd_domain::i18n::catalog().text(lang(), id, args)
}

/// A store error as a person reads it: problems in `lang`, anything else as it is.
pub fn told(e: opencpd_kernel::Error, lang: &str) -> anyhow::Error {
    match e {
        opencpd_kernel::Error::Invalid(problems) => {
            anyhow::anyhow!("{}", problems.iter().map(|p| p.located(lang)).collect::<Vec<_>>().join("; "))
        }
        opencpd_kernel::Error::Conflict(p) => anyhow::anyhow!("{}", p.message(lang)),
        e => anyhow::anyhow!("{e}"),
    }
}

/// Where the files of the database `db` are kept by default: `<name>-files` beside a SQLite
/// file, `opencpd-files` in the current directory for PostgreSQL.
pub fn files_beside(db: &str) -> std::path::PathBuf {
    match opencpd_kernel::sqlite_file(db) {
        Some(file) => {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "opencpd".into());
            file.with_file_name(format!("{stem}-files"))
        }
        None => std::path::PathBuf::from("opencpd-files"),
    }
}
