//! What every area's commands share, so that `opencpd <area> …` behaves alike whichever
//! area answers it: the database a command opens (`--db`, marked in use, closed at the
//! end), progress on a terminal, messages and refusals in the operator's language, and a
//! table written to a file or to standard output.
//!
//! An area keeps its own subcommands in its crate's `cli` module (a clap `Subcommand` and
//! a `run`); the binary merges them with the commands that span every area (serve, demo,
//! import, backup, accounts).

mod database;

pub use database::{DEFAULT_DB, close_opened, files_beside, lang, open, text, told};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use opencpd_transfer::Format;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The database of a command: `--db`, else `OPENCPD_DB`, else the one default name.
#[derive(clap::Args, Debug, Clone)]
pub struct DbArg {
    /// Database: a SQLite file path, or postgres://user:pass@host/db
    #[arg(long, env = "OPENCPD_DB", default_value = DEFAULT_DB)]
    pub db: String,
}

/// Where a command finds the files (forms' attachments, submissions' photos and
/// recordings, lesson studies' artefacts): `--files`, else `OPENCPD_FILES`, else beside the
/// database ([`files_beside`]).
#[derive(clap::Args, Debug, Clone)]
pub struct FilesArg {
    /// Where files are kept (forms' attachments, submissions' photos and recordings), named
    /// by their content: a folder, or an S3-compatible bucket as `s3://bucket/prefix`
    /// (endpoint, region and keys from `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`; an `http://` endpoint is allowed), whose uploads are
    /// spooled in the default folder. Default: `<database>-files` beside a SQLite file,
    /// `opencpd-files` in the current directory for PostgreSQL.
    #[arg(long, env = "OPENCPD_FILES")]
    pub files: Option<String>,
}

impl FilesArg {
    /// Where the files of the database `db` are kept.
    pub fn place(&self, db: &str) -> anyhow::Result<opencpd_kernel::files::Place> {
        match &self.files {
            Some(text) => opencpd_kernel::files::Place::parse(text)
                .map_err(|p| told(opencpd_kernel::Error::Invalid(vec![p]), lang())),
            None => Ok(opencpd_kernel::files::Place::Dir(files_beside(db))),
        }
    }

    /// Where the files of the database `db` are kept, as a person reads it: a folder or a
    /// bucket.
    pub fn dir(&self, db: &str) -> String {
        match self.place(db) {
            Ok(place) => place.to_string(),
            Err(_) => self.files.clone().unwrap_or_default(),
        }
    }

    /// The files of the database `db`, the folder made when missing (a bucket's uploads are
    /// spooled in the default folder).
    pub fn open(&self, db: &str) -> anyhow::Result<opencpd_kernel::files::Files> {
        self.place(db)?.open(files_beside(db).join(".incoming")).map_err(|e| told(e, lang()))
    }

    /// The files of the database `db` when their folder exists (a command that only reads
    /// makes none); a bucket always.
    pub fn existing(&self, db: &str) -> anyhow::Result<Option<opencpd_kernel::files::Files>> {
        match self.place(db)? {
            opencpd_kernel::files::Place::Dir(dir) if !dir.is_dir() => Ok(None),
            _ => self.open(db).map(Some),
        }
    }
}

/// A progress bar on the terminal (none when the output is not one).
pub fn bar(total: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(total);
    pb.set_style(
        ProgressStyle::with_template("{msg:>16} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// A counter of rows for work whose total is not known before the end (a streamed file).
pub fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {pos} rows ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// A `--public-url`: an http or https address, kept without a trailing slash.
pub fn public_url(value: &str) -> Result<String, String> {
    let url = value.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_string()),
        _ => Err(format!("{value:?} is not an http:// or https:// address")),
    }
}

/// A table written to `out`, or as CSV to standard output when there is none (an XLSX
/// workbook needs a file).
pub fn write_out(
    format: Format,
    headers: &[&str],
    rows: Vec<Vec<String>>,
    out: Option<&PathBuf>,
) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
            );
            opencpd_transfer::write_table(format, headers, rows, &mut file)?;
            file.flush()?;
        }
        None if format == Format::Csv => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            opencpd_transfer::write_table(format, headers, rows, &mut lock)?;
        }
        None => anyhow::bail!("{}", text("cli-xlsx-needs-out", &[])),
    }
    Ok(())
}

/// A refusal of the store said on standard error, in the operator's language: exit code 1.
/// Anything else is an error of the program.
pub fn refused(e: opencpd_kernel::Error) -> anyhow::Result<ExitCode> {
    match e {
        e @ (opencpd_kernel::Error::Invalid(_) | opencpd_kernel::Error::Conflict(_)) => {
            eprintln!("error: {}", told(e, lang()));
            Ok(ExitCode::from(1))
        }
        opencpd_kernel::Error::NotFound => {
            eprintln!("error: {}", text("problem-not-found", &[]));
            Ok(ExitCode::from(1))
        }
        e => Err(anyhow::anyhow!("{e}")),
    }
}

/// Each problem of a file on standard error, located by row and column in `lang`.
pub fn print_problems(file: &Path, problems: &[opencpd_domain::Problem], lang: &str) {
    for p in problems {
        eprintln!("{}: {}", file.display(), p.located(lang));
    }
}
