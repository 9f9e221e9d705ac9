//! The commands. Each opens the database named by `--db` (or `OPENCPD_DB`, or
//! `opencpd.db` in the working directory), runs its migrations, and acts as the system
//! administrator at the command line: the operator of the machine owns the deployment.
//! Only `serve`, `demo` and `restore` create a database that does not exist. A SQLite
//! database is marked in use while a command runs (`backup::InUse`) and closed at the end,
//! its write-ahead log copied back.

use anyhow::Context;
use clap::{Parser, Subcommand};
use opencpd_cli::{DbArg, FilesArg, bar, close_opened, lang, open, refused, spinner, text, told};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_domain::AccountRole;
use opencpd_kernel::accounts::{self, GrantSpec, NewUser};
use opencpd_kernel::backup as store_backup;
use opencpd_kernel::import;
use opencpd_kernel::{Actor, IfMissing, describe_url};
use opencpd_transfer::Format;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "opencpd",
    version,
    about = "OpenCPD: continuous professional development for teachers and school leaders"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web server (pages, API, field app).
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Always served over HTTPS: mark cookies Secure and send Strict-Transport-Security.
        #[arg(long)]
        secure_cookies: bool,
        /// Trust the proxy in front: its X-Forwarded-Proto tells HTTPS requests (Secure
        /// cookies, HSTS) and the last address of its X-Forwarded-For is the client's (login
        /// throttle, audit). Only behind a proxy that sets both.
        #[arg(long, env = "OPENCPD_TRUST_PROXY")]
        trust_proxy: bool,
        /// The address users reach the server at (https://cpd.example.org), the start of
        /// every absolute address it writes (certificate QR codes, check-in codes); never
        /// taken from a request. Default: http:// and the listen address.
        #[arg(long, env = "OPENCPD_PUBLIC_URL", value_parser = opencpd_cli::public_url)]
        public_url: Option<String>,
        #[command(flatten)]
        files: FilesArg,
    },
    /// Build a demo database from the real hierarchies of Rwanda and Cameroon, then serve it.
    Demo {
        /// Database to build (it must hold no data, unless --replace).
        #[command(flatten)]
        db: DbArg,
        #[arg(long, default_value = "small", value_parser = ["small", "national"])]
        scale: String,
        /// Same seed, same data.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Password of every demo account.
        #[arg(long, default_value = "opencpd-demo")]
        password: String,
        /// Build afresh over a database that holds data; a SQLite file is kept aside
        /// under a new name, a PostgreSQL database is emptied.
        #[arg(long)]
        replace: bool,
        /// Build only; do not start the server.
        #[arg(long)]
        no_serve: bool,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Import a CSV or XLSX file of any kind (units, schools, people, positions,
    /// outcomes, enrolments, attendance, outreach): all rows or none.
    Import {
        #[arg(value_parser = import_kinds())]
        kind: String,
        file: PathBuf,
        /// Check everything, write nothing (with --update: list what would change).
        #[arg(long)]
        dry_run: bool,
        /// units, schools, people, positions: a row whose key (code, staff number; a
        /// position's person, role, place and start date) exists updates that record
        /// instead of being refused; an empty optional cell leaves its value as it is.
        #[arg(long)]
        update: bool,
        /// enrolments: the cohort (id) the people are enrolled in.
        #[arg(long)]
        cohort: Option<i64>,
        /// attendance: the session (id) the marks are for.
        #[arg(long)]
        session: Option<i64>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Language of the messages (en, fr).
        #[arg(long, env = "OPENCPD_LANG", default_value = "en")]
        lang: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Export units, schools, people or positions in the columns the import takes.
    Export(opencpd_registry::cli::Export),
    /// Write an empty import file of any kind with its columns and an example row (in
    /// XLSX, a second sheet says what each column takes).
    Template {
        #[arg(value_parser = import_kinds())]
        kind: String,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// CPD delivery: enrolments and attendance from files, reach reports, the delivery demo.
    Delivery {
        #[command(subcommand)]
        action: DeliveryAction,
    },
    /// Peer learning and coaching: PLCs, a coach's visits, coverage and regularity reports.
    Peer {
        #[command(subcommand)]
        action: opencpd_peer::cli::Command,
    },
    /// Publish, list and export instruments (XLSForms) and their submissions.
    Instrument {
        #[command(subcommand)]
        action: opencpd_instruments::cli::Command,
    },
    /// Show or set the administrative levels of each country.
    Levels {
        #[command(subcommand)]
        action: opencpd_registry::cli::Levels,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The files kept for the database (forms' attachments, submissions' photos and
    /// recordings, lesson studies' artefacts).
    Files {
        #[command(subcommand)]
        action: FilesAction,
    },
    /// Copy the database to a file (a consistent snapshot, safe while serving).
    /// The files the database refers to (forms' attachments, submissions' photos and
    /// recordings, lesson studies' artefacts) go in the same file.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        files: FilesArg,
    },
    /// Replace the database with a backup; refused while a server or command uses the
    /// database. The previous contents are kept under a name printed at the end; the
    /// backup's files are put back among the files.
    Restore {
        file: PathBuf,
        /// Do not ask for confirmation (needed when there is no terminal to ask on).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        files: FilesArg,
    },
}

/// `opencpd files`.
#[derive(Subcommand, Debug)]
enum FilesAction {
    /// Remove the files no row refers to (a photo sent for a submission that never came, a
    /// form's file refused once stored) that have not been sent nor asked about for the
    /// grace period, and uploads cut off in the middle; each removed file is listed. A file
    /// still referred to is never removed.
    Prune {
        /// Hours a file no row refers to is kept after it was last sent or asked about (a
        /// sync cut off resumes within them without sending it again).
        #[arg(long, default_value_t = 48)]
        grace_hours: u32,
        /// List what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
        #[command(flatten)]
        files: FilesArg,
    },
}

async fn files_command(action: FilesAction) -> anyhow::Result<ExitCode> {
    let FilesAction::Prune { grace_hours, dry_run, db, files } = action;
    let pool = open(&db.db, IfMissing::Refuse).await?;
    let Some(files) = files.existing(&db.db)? else {
        println!("{}", text("cli-files-none", &[("files", files.dir(&db.db))]));
        return Ok(ExitCode::SUCCESS);
    };
    let idle_before = chrono::Utc::now() - chrono::Duration::hours(i64::from(grace_hours));
    let report = opencpd_kernel::files::prune(&pool, &files, idle_before, dry_run)
        .await
        .map_err(|e| told(e, lang()))
        .context("pruning the files")?;
    let undescribed = text("cli-file-undescribed", &[]);
    for f in &report.removed {
        let args = [
            ("sha256", f.sha256.clone()),
            ("size", f.size.to_string()),
            ("type", f.content_type.clone().unwrap_or_else(|| undescribed.clone())),
            ("since", f.idle_since.format("%Y-%m-%d %H:%M UTC").to_string()),
        ];
        println!("{}", text("cli-file-pruned", &args));
    }
    let bytes: u64 =
        report.removed.iter().map(|f| f.size).sum::<u64>() + report.spooled.iter().map(|s| s.1).sum::<u64>();
    let args = [
        ("count", report.removed.len().to_string()),
        ("megabytes", opencpd_domain::i18n::decimal(bytes as f64 / 1e6, 1, lang())),
        ("hours", grace_hours.to_string()),
        ("spooled", report.spooled.len().to_string()),
    ];
    println!("{}", text(if dry_run { "cli-files-would-prune" } else { "cli-files-pruned" }, &args));
    Ok(ExitCode::SUCCESS)
}

/// `opencpd delivery`: the area's own commands, and its demo (which needs every area).
#[derive(Subcommand, Debug)]
enum DeliveryAction {
    #[command(flatten)]
    Area(opencpd_delivery::cli::Command),
    /// Add the delivery demo (programme, courses, cohorts, attendance, certificates) to a
    /// database holding the small demo.
    Demo {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[command(flatten)]
        db: DbArg,
    },
}

async fn delivery(action: DeliveryAction) -> anyhow::Result<ExitCode> {
    let (seed, db) = match action {
        DeliveryAction::Area(command) => return opencpd_delivery::cli::run(command).await,
        DeliveryAction::Demo { seed, db } => (seed, db),
    };
    let pool = open(&db.db, IfMissing::Refuse).await?;
    let summary = demo::delivery::build(&pool, seed).await?;
    println!(
        "{} programmes, {} courses, {} cohorts, {} enrolments, {} attendance marks, {} certificates, \
         {} costs; {} outreach events, {} resources ({} checks), {} awards",
        summary.programmes,
        summary.courses,
        summary.cohorts,
        summary.enrolments,
        summary.marks,
        summary.certificates,
        summary.costs,
        summary.outreach.events,
        summary.outreach.resources,
        summary.outreach.checks,
        summary.outreach.awards
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand, Debug)]
enum UserAction {
    /// Add an account. The password is read from --password, OPENCPD_PASSWORD or standard input.
    Add {
        username: String,
        #[arg(long)]
        role: String,
        /// Unit code, school code or staff number the role is held over (none: everything).
        #[arg(long)]
        scope: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "en")]
        language: String,
        #[arg(long, env = "OPENCPD_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List accounts with their roles.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Enable a disabled account.
    Enable {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Create an API token for scripts (printed once).
    Token {
        username: String,
        #[arg(long, default_value = "script")]
        name: String,
        /// Days the token is valid (none: until revoked).
        #[arg(long)]
        expires_days: Option<i64>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List an account's API tokens (never their secrets).
    Tokens {
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke one API token, by the number `user tokens` shows.
    RevokeToken {
        id: i64,
        #[command(flatten)]
        db: DbArg,
    },
    /// Set an account's password (one who forgot theirs); their sessions end. The password is
    /// read from --password, OPENCPD_PASSWORD or standard input.
    Password {
        username: String,
        #[arg(long, env = "OPENCPD_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let outcome = dispatch(cli).await;
    close_opened().await;
    outcome
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { db, listen, secure_cookies, trust_proxy, public_url, files } => {
            let pool = open(&db.db, IfMissing::Create).await?;
            let files = files.open(&db.db)?;
            // Derived rows a migration left to fill (the scores of surveys stored before they
            // were kept), before the first request.
            opencpd_instruments::store::survey_scores::ensure(&pool).await.map_err(|e| told(e, lang()))?;
            let public_url = public_url.unwrap_or_else(|| format!("http://{listen}"));
            eprintln!("OpenCPD on http://{listen}, public address {public_url} (database {})", describe_url(&db.db));
            let config = opencpd_web::WebConfig {
                secure_cookies,
                trust_proxy,
                public_url: Some(public_url),
                files: Some(files),
                ..Default::default()
            };
            opencpd_web::serve(pool, listen, config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { db: DbArg { db }, scale, seed, password, replace, no_serve, listen } => {
            let sqlite_file = opencpd_kernel::sqlite_file(&db).map(std::path::Path::to_path_buf);
            let is_sqlite = sqlite_file.is_some();
            if replace
                && let Some(kept) = store_backup::set_aside(&db, "before-demo").await.map_err(|e| told(e, lang()))?
            {
                println!("{}", text("demo-kept", &[("kept", kept.display().to_string())]));
            }
            let pool = open(&db, IfMissing::Create).await?;
            // A SQLite file was set aside above; a PostgreSQL database is emptied in place.
            if !is_sqlite && replace {
                opencpd_kernel::backup::reset(&pool)
                    .await
                    .map_err(|e| told(e, lang()))
                    .context("emptying the database for --replace")?;
            }
            let config = DemoConfig {
                scale: Scale::parse(&scale).map_err(|e| anyhow::anyhow!("{e}"))?,
                seed,
                password: password.clone(),
            };
            let started = std::time::Instant::now();
            let pb = bar(0, "building");
            let built = demo::full(&pool, &config, &|stage, done, total| {
                pb.set_message(stage.to_string());
                pb.set_length(total);
                pb.set_position(done);
            })
            .await;
            let demo::Full { registry: summary, delivery, evaluation, funnel, peer, plans } = match built {
                Ok(built) => built,
                Err(opencpd_kernel::Error::Conflict(_)) => {
                    pb.finish_and_clear();
                    eprintln!("error: {}", text("demo-has-data", &[("database", describe_url(&db))]));
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(anyhow::anyhow!("{e}").context("building the demo")),
            };
            pb.finish_and_clear();
            let elapsed = started.elapsed();
            let n = |v: u64| v.to_string();
            println!(
                "{}",
                text(
                    "cli-demo-built",
                    &[
                        ("seconds", opencpd_domain::i18n::decimal(elapsed.as_secs_f64(), 1, lang())),
                        ("units", n(summary.units)),
                        ("schools", n(summary.schools)),
                        ("people", n(summary.people)),
                        ("positions", n(summary.positions)),
                    ]
                )
            );
            if let Some(file) = &sqlite_file
                && let Ok(meta) = std::fs::metadata(file)
            {
                let megabytes = opencpd_domain::i18n::decimal(meta.len() as f64 / 1e6, 1, lang());
                println!("{}", text("cli-demo-database", &[("database", db.clone()), ("megabytes", megabytes)]));
            }
            println!(
                "{}",
                text(
                    "cli-demo-delivery",
                    &[
                        ("programmes", delivery.programmes.to_string()),
                        ("courses", delivery.courses.to_string()),
                        ("cohorts", delivery.cohorts.to_string()),
                        ("enrolments", n(delivery.enrolments)),
                        ("marks", n(delivery.marks)),
                        ("certificates", n(delivery.certificates)),
                        ("costs", n(delivery.costs)),
                    ]
                )
            );
            let o = &delivery.outreach;
            if o.events > 0 {
                let args = [
                    ("events", o.events.to_string()),
                    ("resources", o.resources.to_string()),
                    ("checks", o.checks.to_string()),
                    ("awards", o.awards.to_string()),
                ];
                println!("{}", text("cli-demo-outreach", &args));
            }
            if evaluation.schools > 0 {
                let args = [
                    ("code", evaluation.evaluation.clone()),
                    ("schools", n(evaluation.schools)),
                    ("rows", n(evaluation.outcome_rows)),
                ];
                println!("{}", text("cli-demo-evaluation", &args));
            }
            if funnel.surveys > 0 {
                let args = [
                    ("programme", funnel.programme.clone()),
                    ("surveys", n(funnel.surveys)),
                    ("tests", n(funnel.tests)),
                    ("observations", n(funnel.observations)),
                    ("culture", n(funnel.culture)),
                ];
                println!("{}", text("cli-demo-funnel", &args));
            }
            let args = [
                ("plcs", n(peer.plcs)),
                ("meetings", n(peer.meetings)),
                ("points", n(peer.action_points)),
                ("relations", n(peer.relations)),
                ("visits", n(peer.visits)),
            ];
            println!("{}", text("cli-demo-peer", &args));
            let args = [
                ("approved", n(plans.approved.len() as u64)),
                ("submitted", n(plans.submitted.len() as u64)),
                ("returned", n(plans.returned.len() as u64)),
                ("draft", n(plans.draft.len() as u64)),
            ];
            println!("{}", text("cli-demo-plans", &args));
            println!("{}", text("cli-demo-accounts", &[("password", password.clone())]));
            for a in &summary.accounts {
                println!("  {:<16} {:<18} {}", a.username, a.role, a.scope);
            }
            println!("{}", text("cli-demo-login", &[("password", password.clone())]));
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}", text("cli-serving", &[("address", format!("http://{listen}"))]));
            let files =
                opencpd_kernel::files::Files::dir(opencpd_cli::files_beside(&db)).map_err(|e| told(e, lang()))?;
            let config = opencpd_web::WebConfig { files: Some(files), ..Default::default() };
            opencpd_web::serve(pool, listen, config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { kind: k, file, dry_run, update, cohort, session, format, lang, db } => {
            let kinds = opencpd_http::imports::kinds_of(opencpd_web::AREAS);
            let kind = import::find(&kinds, &k).map_err(|p| anyhow::anyhow!("{p}"))?;
            let given = match kind.into {
                Some("cohort") => cohort,
                Some("session") => session,
                _ => cohort.or(session),
            };
            let into = import::into_id(kind, given, &format!("--{}", kind.into.unwrap_or("cohort")))
                .map_err(|p| anyhow::anyhow!("{}", p.located("en")))?;
            let lang = opencpd_domain::i18n::resolve(&lang);
            let update = import::update_of(kind, update, "--update")
                .map_err(|p| anyhow::anyhow!("--update: {}", p.message(lang)))?;
            let source = match import::Source::path(&file) {
                Ok(source) => source,
                Err(problem) => {
                    print_report(&import::ImportReport::refused(kind.key, dry_run, problem), &file, &format, lang)?;
                    return Ok(ExitCode::from(1));
                }
            };
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let pb = spinner("checking rows");
            let tick = |n: u64| pb.set_position(n);
            let options = import::Options { dry_run, update, progress: Some(&tick) };
            let report =
                (kind.run)(&pool, &Actor::system(), source, options, into).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            pb.finish_and_clear();
            print_report(&report, &file, &format, lang)?;
            Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Export(args) => opencpd_registry::cli::export(args).await,
        Command::Template { kind: k, format, out } => {
            let kinds = opencpd_http::imports::kinds_of(opencpd_web::AREAS);
            let kind = import::find(&kinds, &k).map_err(|p| anyhow::anyhow!("{p}"))?;
            let format = Format::parse(&format).map_err(|p| anyhow::anyhow!("{p}"))?;
            let bytes = opencpd_http::imports::template(kind, format, lang())?;
            match (out, format) {
                (Some(path), _) => std::fs::write(&path, bytes).with_context(|| path.display().to_string())?,
                (None, Format::Csv) => std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes)?,
                (None, _) => anyhow::bail!("{}", text("cli-xlsx-needs-out", &[])),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action } => user(action).await,
        Command::Instrument { action } => opencpd_instruments::cli::run(action).await,
        Command::Delivery { action } => delivery(action).await,
        Command::Peer { action } => opencpd_peer::cli::run(action).await,
        Command::Levels { action } => opencpd_registry::cli::levels(action).await,
        Command::Files { action } => files_command(action).await,
        Command::Backup { file, db, files } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let store = files.existing(&db.db)?;
            let pb = bar(0, "copying");
            let progress = |table: &str, n: u64| {
                pb.set_message(table.to_string());
                pb.inc(n)
            };
            let written = store_backup::write(&pool, &file, &progress).await;
            let copied = match (written, &store) {
                (Ok(()), Some(store)) => store_backup::write_files(&file, store, &progress).await.map(Some),
                (written, _) => written.map(|()| None),
            };
            pb.finish_and_clear();
            let copied = copied.map_err(|e| told(e, lang())).context("writing the backup")?;
            println!("{}", text("cli-backed-up", &[("file", file.display().to_string())]));
            let folder = files.dir(&db.db);
            match copied {
                Some(copied) => {
                    let args = [
                        ("count", copied.count.to_string()),
                        ("megabytes", opencpd_domain::i18n::decimal(copied.bytes as f64 / 1e6, 1, lang())),
                    ];
                    println!("{}", text("cli-backed-up-files", &args));
                    if !copied.missing.is_empty() {
                        let args = [
                            ("count", copied.missing.len().to_string()),
                            ("files", folder),
                            ("list", copied.missing.join(", ")),
                        ];
                        eprintln!("warning: {}", text("cli-backup-files-missing", &args));
                    }
                }
                None => println!("{}", text("cli-backup-no-files", &[("files", folder)])),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, yes, db, files } => restore(&db.db, &file, yes, &files).await,
    }
}

/// The kinds `opencpd import` takes: every area's.
fn import_kinds() -> Vec<&'static str> {
    opencpd_http::imports::kinds_of(opencpd_web::AREAS).iter().map(|k| k.key).collect()
}

fn print_report(report: &import::ImportReport, file: &std::path::Path, format: &str, lang: &str) -> anyhow::Result<()> {
    if format == "json" {
        let problems: Vec<_> = report
            .problems
            .iter()
            .map(|p| serde_json::json!({ "row": p.row, "column": p.column, "value": p.value, "code": p.code, "message": p.message(lang) }))
            .collect();
        let body = serde_json::json!({
            "file": file.display().to_string(), "kind": report.kind, "rows": report.rows_read,
            "created": report.rows_written, "valid": report.rows_valid, "dry_run": report.dry_run, "ok": report.ok(),
            "update": report.update, "added": report.rows_added, "updated": report.rows_updated,
            "unchanged": report.rows_unchanged, "changes": report.changes, "changes_total": report.changes_total,
            "problems_total": report.problems_total, "problems": problems,
        });
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(());
    }
    // The summary in the reader's language, as the import page words it.
    let say = |id: &str, args: &[(&str, String)]| opencpd_domain::i18n::catalog().text(lang, id, args);
    let counts = || {
        [
            ("added", report.rows_added.to_string()),
            ("updated", report.rows_updated.to_string()),
            ("unchanged", report.rows_unchanged.to_string()),
        ]
    };
    if report.ok() {
        if report.update {
            let id = if report.dry_run { "import-update-dry-ok" } else { "import-update-done" };
            println!("{}: {}", file.display(), say(id, &counts()));
            for c in &report.changes {
                let args = [
                    ("row", c.row.to_string()),
                    ("key", c.key.clone()),
                    ("field", c.field.to_string()),
                    ("before", c.before.clone().unwrap_or_else(|| "-".into())),
                    ("after", c.after.clone().unwrap_or_else(|| "-".into())),
                ];
                println!("  {}", say("import-change", &args));
            }
            if report.changes_total > report.changes.len() as u64 {
                let args = [("total", report.changes_total.to_string()), ("max", report.changes.len().to_string())];
                println!("  {}", say("import-more-changes", &args));
            }
        } else if report.dry_run {
            println!("{}: {}", file.display(), say("import-dry-ok", &[("rows", report.rows_read.to_string())]));
        } else {
            println!("{}: {}", file.display(), say("import-done", &[("created", report.rows_written.to_string())]));
        }
    } else {
        let args = [("problems", report.problems_total.to_string()), ("rows", report.rows_read.to_string())];
        eprintln!("{}: {}", file.display(), say("import-failed", &args));
        for p in &report.problems {
            eprintln!("  {}", p.located(lang));
        }
        if report.problems_total > report.problems.len() as u64 {
            let more = opencpd_domain::Problem::new("too-many-problems")
                .arg("total", report.problems_total)
                .arg("max", report.problems.len());
            eprintln!("  {}", more.message(lang));
        }
    }
    Ok(())
}

async fn user(action: UserAction) -> anyhow::Result<ExitCode> {
    let actor = Actor::system();
    match action {
        UserAction::Add { username, role, scope, name, language, password, db } => {
            let role = AccountRole::parse(&role).map_err(|p| anyhow::anyhow!("--role: {p}"))?;
            let password = match password {
                Some(p) => p,
                None => read_password(&username)?,
            };
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let new = NewUser {
                username,
                password,
                display_name: name,
                language,
                grants: vec![GrantSpec { role, scope_code: scope }],
            };
            match accounts::create_user(&pool, &actor, &new).await {
                Ok(u) => {
                    println!(
                        "{}",
                        text("cli-user-created", &[("username", u.username.clone()), ("role", role.key().to_string())])
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ (opencpd_kernel::Error::Invalid(_) | opencpd_kernel::Error::Conflict(_))) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        UserAction::List { db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            // Every account, a page of the most a page holds at a time.
            let mut page = opencpd_kernel::paging::Page {
                per_page: Some(opencpd_kernel::paging::MAX_PER_PAGE),
                ..opencpd_kernel::paging::Page::first()
            };
            loop {
                let list = accounts::list_users(&pool, &actor, &page).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                for (u, grants) in &list.items {
                    let roles: Vec<&str> = grants.iter().map(|g| g.role.key()).collect();
                    let state = if u.disabled { "disabled" } else { "active" };
                    println!("{:<20} {:<9} {:<30} {}", u.username, state, roles.join(","), u.display_name);
                }
                if !list.has_next() {
                    break;
                }
                page.page = Some(list.page + 1);
            }
            Ok(ExitCode::SUCCESS)
        }
        UserAction::Disable { username, db } => set_disabled(&db.db, &username, true).await,
        UserAction::Enable { username, db } => set_disabled(&db.db, &username, false).await,
        UserAction::Token { username, name, expires_days, db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let new = accounts::NewToken { name, expires_in_days: expires_days };
            match accounts::issue_token(&pool, &actor, &username, &new).await {
                Ok((_, secret)) => {
                    println!("{secret}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        UserAction::Tokens { username, db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            let tokens = match accounts::tokens(&pool, &actor, &username).await {
                Ok(tokens) => tokens,
                Err(e) => return refused(e),
            };
            println!("{:>6}  {:<8} {:<10} {:<10} name", "id", "status", "created", "expires");
            for t in tokens {
                let expires = t.expires_at.map(|e| e.date_naive().to_string()).unwrap_or_else(|| "never".into());
                println!("{:>6}  {:<8} {:<10} {:<10} {}", t.id, t.status, t.created_at.date_naive(), expires, t.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        UserAction::RevokeToken { id, db } => {
            let pool = open(&db.db, IfMissing::Refuse).await?;
            match accounts::revoke_token(&pool, &actor, id).await {
                Ok(t) => {
                    let args = [("id", t.id.to_string()), ("name", t.name.clone()), ("username", t.username.clone())];
                    println!("{}", text("cli-token-revoked", &args));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        UserAction::Password { username, password, db } => {
            let password = match password {
                Some(p) => p,
                None => read_password(&username)?,
            };
            let pool = open(&db.db, IfMissing::Refuse).await?;
            match accounts::reset_password(&pool, &actor, &username, &password).await {
                Ok(()) => {
                    println!("{}", text("cli-password-set", &[("username", accounts::login_name(&username))]));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
    }
}

/// A password read from standard input (asked for when it is a terminal).
fn read_password(username: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        eprint!("Password for {username}: ");
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn set_disabled(url: &str, username: &str, disabled: bool) -> anyhow::Result<ExitCode> {
    let pool = open(url, IfMissing::Refuse).await?;
    match accounts::set_disabled(&pool, &Actor::system(), username, disabled).await {
        Ok(u) => {
            let id = if u.disabled { "cli-user-disabled" } else { "cli-user-active" };
            println!("{}", text(id, &[("username", u.username.clone())]));
            Ok(ExitCode::SUCCESS)
        }
        Err(opencpd_kernel::Error::NotFound) => {
            eprintln!("error: no user {username}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Replaces the database with a backup, once the backup is checked, the database is
/// claimed (no one else uses it) and the operator has confirmed. Exit code 1 when refused.
async fn restore(url: &str, file: &std::path::Path, yes: bool, files: &FilesArg) -> anyhow::Result<ExitCode> {
    let lang = lang();
    let refused = |e: opencpd_kernel::Error| match e {
        e @ (opencpd_kernel::Error::Invalid(_) | opencpd_kernel::Error::Conflict(_)) => {
            eprintln!("error: {}", told(e, lang));
            Ok(ExitCode::from(1))
        }
        e => Err(anyhow::anyhow!("{e}")),
    };
    if let Err(e) = store_backup::check_backup(file).await {
        return refused(e);
    }
    let claim = match store_backup::claim(url).await {
        Ok(claim) => claim,
        Err(e) => return refused(e),
    };
    let args = [("database", describe_url(url)), ("file", file.display().to_string())];
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("error: {}", text("restore-needs-yes", &args));
            return Ok(ExitCode::from(1));
        }
        eprint!("{} ", text("restore-confirm", &args));
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if line.trim() != text("restore-confirm-word", &[]) {
            eprintln!("{}", text("restore-cancelled", &[]));
            return Ok(ExitCode::from(1));
        }
    }
    let store = files.open(url)?;
    // Only a PostgreSQL restore copies table by table; a SQLite one swaps a file.
    let pb =
        if opencpd_kernel::sqlite_file(url).is_some() { indicatif::ProgressBar::hidden() } else { bar(0, "copying") };
    let restored = claim
        .restore(file, &store, &|table, n| {
            pb.set_message(table.to_string());
            pb.inc(n)
        })
        .await;
    pb.finish_and_clear();
    let restored = match restored {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    println!("{}", text("restore-done", &args));
    let args = [
        ("count", restored.files.count.to_string()),
        ("added", restored.files.added.to_string()),
        ("files", files.dir(url)),
    ];
    println!("{}", text("restore-files", &args));
    match restored.kept {
        Some(kept) => println!("{}", text("restore-kept", &[("kept", kept.display().to_string())])),
        None => println!("{}", text("restore-nothing-kept", &[])),
    }
    Ok(ExitCode::SUCCESS)
}
