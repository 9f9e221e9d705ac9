//! `opencpd instrument …`: publish an XLSForm as a new instrument version (every problem
//! of the form listed by sheet, row and column, nothing stored), list the instruments in
//! use, export an instrument's submissions, and write a sample rubric to start from. Acts
//! as the operator, like every command.

use crate::store as instruments;
use anyhow::{Context, bail};
use clap::Subcommand;
use opencpd_cli::{DbArg, FilesArg, open, text};
use opencpd_kernel::{Actor, IfMissing};
use opencpd_transfer::Format;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Publish a new instrument version from an XLSForm (.xlsx or .xls); every problem in
    /// the form is listed by sheet, row and column, and nothing is stored.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "survey", value_parser = ["survey", "test", "observation", "needs_assessment", "checklist"])]
        kind: String,
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List the instruments in use.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Export an instrument's submissions, one row each, labels in the chosen language (one
    /// of the form's, or `xml` for the names), then a table per repeat (CSV to standard
    /// output unless --out is given, as `export` does; a form with repeats as CSV is a zip
    /// of one CSV a table, and needs --out).
    Export {
        id: i64,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        #[arg(long, default_value = "en")]
        lang: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// The server's address, to make media links absolute (else they are paths).
        #[arg(long, env = "OPENCPD_PUBLIC_URL", value_parser = opencpd_cli::public_url)]
        public_url: Option<String>,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        files: FilesArg,
    },
    /// Write the sample lesson-observation rubric (an XLSForm to start from).
    Sample {
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs an instrument command; exit code 1 when the form or the input was refused.
pub async fn run(action: Command) -> anyhow::Result<ExitCode> {
    match action {
        Command::Import { file, kind, lang, db } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let lang = opencpd_domain::i18n::resolve(&lang);
            match instruments::import(&pool, &Actor::system(), &file.to_string_lossy(), &bytes, &kind).await {
                Ok(i) => {
                    let args = [
                        ("code", i.code.clone()),
                        ("version", i.version.to_string()),
                        ("title", i.title.clone()),
                        ("id", i.id.to_string()),
                    ];
                    println!("{}", text("cli-published", &args));
                    Ok(ExitCode::SUCCESS)
                }
                Err(opencpd_kernel::Error::Invalid(problems)) => {
                    let args = [("file", file.display().to_string()), ("count", problems.len().to_string())];
                    eprintln!("{}", text("cli-form-refused", &args));
                    for p in problems {
                        eprintln!("  {}", p.located(lang));
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e @ opencpd_kernel::Error::Conflict(_)) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        Command::List { db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            println!("{:>4} {:<24} {:<10} {:<12} {:<8} title", "id", "code", "version", "kind", "state");
            for i in instruments::list(&pool, true).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                let state = if i.retired { "retired" } else { "in use" };
                println!("{:>4} {:<24} {:<10} {:<12} {:<8} {}", i.id, i.code, i.version, i.kind, state, i.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { id, format, lang, out, public_url, db, files } => {
            let format = Format::parse(&format).map_err(|p| anyhow::anyhow!("{p}"))?;
            if out.is_none() && format != Format::Csv {
                bail!("{}", text("cli-xlsx-needs-out", &[]));
            }
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let form = instruments::form(&pool, id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let wording = instruments::export::wording(&form, Some(&lang), &lang)
                .map_err(|p| anyhow::anyhow!("--lang: {}", p.located(opencpd_domain::i18n::resolve(&lang))))?;
            let (extension, _) = opencpd_transfer::tables_file(format, instruments::export::table_count(&form));
            if out.is_none() && extension == "zip" {
                bail!("{}", text("cli-zip-needs-out", &[]));
            }
            let mut sink: Box<dyn Write> = match &out {
                Some(out) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let files_base = public_url.unwrap_or_default();
            let files = files.existing(&db.db)?;
            let request = instruments::ExportRequest {
                instrument_id: id,
                wording: &wording,
                format,
                files_base: &files_base,
                files: files.as_ref(),
            };
            let n = instruments::export(&pool, &Actor::system(), request, |bytes| {
                std::future::ready(sink.write_all(&bytes))
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            sink.flush()?;
            let to = out.as_ref().map_or_else(|| text("cli-stdout", &[]), |o| o.display().to_string());
            eprintln!("{}", text("cli-exported-to", &[("count", n.to_string()), ("file", to)]));
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample { out } => {
            std::fs::write(&out, crate::sample::lesson_observation_xlsform())
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", text("cli-wrote", &[("file", out.display().to_string())]));
            Ok(ExitCode::SUCCESS)
        }
    }
}
