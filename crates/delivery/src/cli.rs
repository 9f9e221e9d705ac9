//! `opencpd delivery …`: the command line of CPD delivery. Enrolments and attendance from
//! CSV or XLSX into a cohort named by its code (every row or none, problems by row and
//! column, exit code 1 when refused; the one import pipeline's kinds), reach reports to a
//! file, and a cohort's certificates as PDFs. Acts as the operator, like every command.

use crate::store::{certificates, cohorts, documents, reports};
use anyhow::Context;
use clap::Subcommand;
use opencpd_cli::{bar, print_problems, public_url};
use opencpd_kernel::{Actor, Db};
use opencpd_transfer::Format;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Enrol the people named in a file (column staff_number) in a cohort: all or none.
    ImportEnrolments {
        /// The cohort's code.
        #[arg(long)]
        cohort: String,
        file: PathBuf,
        /// Check everything, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Language of the messages (en, fr).
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        /// Database: a SQLite file path, or postgres://user:pass@host/db
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Record attendance of a cohort from a file (staff_number, date, status): all or none.
    ImportAttendance {
        #[arg(long)]
        cohort: String,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Record outreach events from a file, one a row (kind, title, start_date, place or
    /// medium, participants by category and sex, schools reached): all or none.
    ImportOutreach {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Write a programme's reach against its targets (CSV or XLSX).
    Reach {
        /// The programme's code.
        #[arg(long)]
        programme: String,
        /// sex, role, unit, ownership or subsystem.
        #[arg(long)]
        by: Option<String>,
        /// With --by unit: the depth of the units (0 the country).
        #[arg(long)]
        level: Option<i64>,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Write the PDF of every certificate of a cohort that is not revoked into a folder
    /// (one file per serial number), issuing first to those who completed and hold none.
    Certificates {
        /// The cohort's code.
        #[arg(long)]
        cohort: String,
        /// The folder to write into (made when missing).
        #[arg(long)]
        out: PathBuf,
        /// The server's public address, for the verification QR codes: the same
        /// `--public-url` the server is given (`--base-url` is the old name).
        #[arg(long, alias = "base-url", env = "OPENCPD_PUBLIC_URL", value_parser = public_url)]
        public_url: String,
        /// Language of the certificates (en, fr).
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        /// Only write the certificates already issued.
        #[arg(long)]
        no_issue: bool,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
}

async fn open(url: &str) -> anyhow::Result<Db> {
    opencpd_cli::open(url, opencpd_kernel::IfMissing::Refuse).await
}

/// `delivery import-*`: the one import pipeline's kind, with a cohort named by its code.
async fn import_file(
    key: &str,
    cohort: Option<&str>,
    file: &std::path::Path,
    dry_run: bool,
    lang: &str,
    db: &str,
    done: &str,
) -> anyhow::Result<ExitCode> {
    use opencpd_kernel::import;
    let actor = Actor::system();
    let lang = opencpd_domain::i18n::resolve(lang);
    let kinds = opencpd_http::imports::kinds_of(&[&crate::web::AREA, &opencpd_outreach::web::AREA]);
    let kind = import::find(&kinds, key).map_err(|p| anyhow::anyhow!("{p}"))?;
    let source = match import::Source::path(file) {
        Ok(source) => source,
        Err(p) => {
            print_problems(file, &[p], lang);
            return Ok(ExitCode::from(1));
        }
    };
    let pool = open(db).await?;
    let cohort = match cohort {
        Some(code) => {
            Some(cohorts::cohort_by_code(&pool, &actor, code).await.with_context(|| format!("cohort {code}"))?)
        }
        None => None,
    };
    let options = import::Options { dry_run, ..Default::default() };
    let report = (kind.run)(&pool, &actor, source, options, cohort.as_ref().map(|c| c.id)).await?;
    if !report.ok() {
        print_problems(file, &report.problems, lang);
        eprintln!("nothing recorded");
        return Ok(ExitCode::from(1));
    }
    let into = cohort.map(|c| format!(" {}", c.code)).unwrap_or_default();
    println!(
        "{} rows; {} {done}{into}{}",
        report.rows_read,
        report.rows_written,
        if dry_run { " (dry run)" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs a delivery command; exit code 1 when the input was refused (nothing written).
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let actor = Actor::system();
    match command {
        Command::ImportEnrolments { cohort, file, dry_run, lang, db } => {
            import_file("enrolments", Some(&cohort), &file, dry_run, &lang, &db, "enrolled in").await
        }
        Command::ImportAttendance { cohort, file, dry_run, lang, db } => {
            import_file("attendance", Some(&cohort), &file, dry_run, &lang, &db, "marks recorded for").await
        }
        Command::ImportOutreach { file, dry_run, lang, db } => {
            import_file("outreach", None, &file, dry_run, &lang, &db, "outreach events recorded").await
        }
        Command::Reach { programme, by, level, format, out, db } => {
            let pool = open(&db).await?;
            let id = crate::store::catalogue::programme_by_code(&pool, &programme)
                .await?
                .with_context(|| format!("no programme has the code {programme}"))?;
            let reach = reports::reach(&pool, &actor, id, by.as_deref(), level).await?;
            let (headers, rows) = reports::reach_table(&reach, reports::row_level(&actor), &actor.language);
            let format = Format::parse(&format).map_err(|p| anyhow::anyhow!("{p}"))?;
            let file = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            opencpd_transfer::write_table(format, &headers, rows, &mut std::io::BufWriter::new(file))?;
            println!(
                "reach of {programme}: {} enrolled, {} completed, {} certified",
                reach.totals.enrolled, reach.totals.completed, reach.totals.certified
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Certificates { cohort, out, public_url, lang, no_issue, db } => {
            let pool = open(&db).await?;
            let c =
                cohorts::cohort_by_code(&pool, &actor, &cohort).await.with_context(|| format!("cohort {cohort}"))?;
            if !no_issue {
                let report = certificates::issue_for_cohort(&pool, &actor, c.id).await?;
                println!(
                    "{}: {} issued, {} held one already, {} not completed, {} withdrawn",
                    c.code, report.issued, report.already_certified, report.not_completed, report.withdrawn
                );
            }
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let list = documents::printable_of_cohort(&pool, &actor, c.id).await?;
            let pb = bar(list.len() as u64, "certificates");
            for cert in &list {
                let page = documents::certificate_page(&pool, cert, &lang, &public_url).await?;
                let bytes = opencpd_documents::certificate::render(&page);
                let path = out.join(format!("{}.pdf", cert.serial));
                std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
                pb.inc(1);
            }
            pb.finish_and_clear();
            println!("{} certificates of {} written to {}", list.len(), c.code, out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
