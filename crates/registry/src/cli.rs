//! The registry's commands: `opencpd export <kind>` (units, schools, people or positions in
//! the columns the import takes) and `opencpd levels` (each country's administrative
//! levels). Imports of the registry's kinds go through `opencpd import`, like every kind.

use crate::store::exports;
use clap::Subcommand;
use opencpd_cli::{DbArg, open, text, write_out};
use opencpd_domain::import::ImportKind;
use opencpd_kernel::{Actor, IfMissing};
use opencpd_transfer::Format;
use std::path::PathBuf;
use std::process::ExitCode;

/// `opencpd export`: what to export, in which format, to where.
#[derive(clap::Args, Debug)]
pub struct Export {
    #[arg(value_parser = ["units", "schools", "people", "positions"])]
    pub kind: String,
    #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
    pub format: String,
    /// Output file (standard output when absent, CSV only).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
}

/// Writes the export; a count of what was written on standard error.
pub async fn export(args: Export) -> anyhow::Result<ExitCode> {
    let Export { kind: k, format, out, db } = args;
    let kind = kind(&k)?;
    let format = Format::parse(&format).map_err(|p| anyhow::anyhow!("{p}"))?;
    let pool = open(&db.db, IfMissing::Refuse).await?;
    let (headers, rows) = exports::export(&pool, &Actor::system(), kind).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = rows.len();
    write_out(format, &headers, rows, out.as_ref())?;
    eprintln!("{}", text(&format!("cli-exported-{}", kind.key()), &[("count", n.to_string())]));
    Ok(ExitCode::SUCCESS)
}

fn kind(text: &str) -> anyhow::Result<ImportKind> {
    ImportKind::parse(text).map_err(|p| anyhow::anyhow!("{p}"))
}

#[derive(Subcommand, Debug)]
pub enum Levels {
    /// List every country's levels.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Set a country's levels from the top down: key:English:Français, e.g.
    /// `opencpd levels set KE country:Country:Pays county:County:Comté ward:Ward:Quartier`
    Set {
        country: String,
        #[arg(required = true)]
        levels: Vec<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Lists or sets the levels; exit code 1 when a level given is refused.
pub async fn levels(action: Levels) -> anyhow::Result<ExitCode> {
    match action {
        Levels::List { db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            for l in crate::store::levels(&pool).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                println!("{} {} {:<14} {} / {}", l.country, l.depth, l.key, l.name_en, l.name_fr);
            }
            Ok(ExitCode::SUCCESS)
        }
        Levels::Set { country, levels, db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            match crate::store::set_levels(&pool, &Actor::system(), &country, &levels).await {
                Ok(set) => {
                    println!(
                        "{}: {}",
                        country.to_uppercase(),
                        set.iter().map(|l| l.key.as_str()).collect::<Vec<_>>().join(" › ")
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(opencpd_kernel::Error::Invalid(problems)) => {
                    for p in problems {
                        eprintln!("error: {p}");
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}
