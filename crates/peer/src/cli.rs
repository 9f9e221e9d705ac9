//! `opencpd peer …`: the command line of peer learning and coaching. The PLCs and the lesson
//! study cycles (paged and searched like the pages), a PLC edited (`plc edit`: the fields
//! given, the rest as they are, on the version read, as `PUT /api/v1/plcs/{id}` edits it), a coach's visits of a term as CSV or XLSX, and the reports
//! (coverage of head teachers, PLC regularity, action points on time, leaders of learning,
//! the cascade's levels) as tables. Acts as the operator, like every command; messages in
//! `OPENCPD_LANG` (English or French).

use crate::model::ShownCount;
use crate::store::reports::{self, Grouping};
use crate::store::{coaching, lesson, plcs};
use clap::Subcommand;
use opencpd_cli::{lang, open, text, told};
use opencpd_kernel::IfMissing;
use opencpd_kernel::paging::Page;
use opencpd_kernel::{Actor, Db};
use opencpd_transfer::Format;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Work on one PLC.
    Plc {
        #[command(subcommand)]
        action: PlcAction,
    },
    /// List the PLCs: code, name, level, place, meetings, last meeting, open action points.
    Plcs {
        /// Part of a code or name.
        #[arg(long)]
        q: Option<String>,
        /// name, code, level, unit or last_meeting.
        #[arg(long)]
        sort: Option<String>,
        #[arg(long)]
        desc: bool,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 50)]
        per_page: i64,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// List the lesson study cycles: code, group, subject, grade, topic, stage, lesson day.
    LessonStudies {
        /// Part of a code, topic, grade or group's name.
        #[arg(long)]
        q: Option<String>,
        /// code, plc, grade, topic, stage or lesson_on.
        #[arg(long)]
        sort: Option<String>,
        #[arg(long)]
        desc: bool,
        #[arg(long, default_value_t = 1)]
        page: i64,
        #[arg(long, default_value_t = 50)]
        per_page: i64,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Write a coach's visits of a term (with the instrument of each observation) as CSV or
    /// XLSX, to a file or to standard output.
    Visits {
        /// The coach's person id.
        #[arg(long)]
        coach: i64,
        /// A term's name (the term today falls in when absent).
        #[arg(long)]
        term: Option<String>,
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
        /// Output file (standard output when absent; XLSX only when it is not a terminal).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
    /// Print a report as a table: coverage (head teachers visited), regularity (PLC
    /// meetings held against planned, attendance), action-points (closed on time), leaders
    /// (head teachers who are leaders of learning) or cascade (coverage per level).
    Report {
        #[arg(value_parser = ["coverage", "regularity", "action-points", "leaders", "cascade"])]
        report: String,
        #[arg(long)]
        term: Option<String>,
        /// The unit level rows are grouped by (sector, district, …).
        #[arg(long, default_value = "sector")]
        level: String,
        /// Only within this unit (its code).
        #[arg(long)]
        within: Option<String>,
        /// cascade: the programme's code.
        #[arg(long)]
        programme: Option<String>,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlcAction {
    /// Edit a PLC: the fields given change, the others stay as they are; a list of people
    /// given replaces that list (a person left out is removed). Checked as the pages and
    /// the API check an edit, on the version read (or the one given: an older one is a
    /// conflict), and audited.
    Edit {
        /// The PLC's id.
        id: i64,
        #[arg(long)]
        name: Option<String>,
        /// school, cluster, sector or district.
        #[arg(long)]
        level: Option<String>,
        /// The unit it meets in (by code; a cluster, sector or district PLC).
        #[arg(long, conflicts_with = "school")]
        unit: Option<String>,
        /// The school of a school PLC (by code).
        #[arg(long)]
        school: Option<String>,
        /// The programme (by code); `--programme ""` for none.
        #[arg(long)]
        programme: Option<String>,
        /// The PLC model (by code); `--model ""` for none.
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        meetings_per_term: Option<i64>,
        /// A facilitator's person id (repeat for each; replaces the facilitators).
        #[arg(long = "facilitator")]
        facilitators: Vec<i64>,
        /// A supporting officer's person id (repeat for each; replaces them).
        #[arg(long = "supporting-officer")]
        supporting_officers: Vec<i64>,
        /// A member's person id (repeat for each; replaces the members).
        #[arg(long = "member")]
        members: Vec<i64>,
        /// The version the edit was prepared on (the one read now when absent).
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, env = "OPENCPD_DB", default_value = opencpd_cli::DEFAULT_DB)]
        db: String,
    },
}

/// Columns padded to their widest cell, numbers to the right.
fn print_table(headers: &[String], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let numeric = !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit() || ".,%<x –/".contains(ch));
                if numeric { format!("{c:>w$}", w = widths[i]) } else { format!("{c:<w$}", w = widths[i]) }
            })
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers);
    line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>());
    for r in rows {
        line(r);
    }
}

fn shown(c: &ShownCount) -> String {
    c.text.clone()
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{} %", opencpd_domain::i18n::number(v, 1, lang()))).unwrap_or_else(|| "–".into())
}

fn headers(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| text(k, &[])).collect()
}

async fn db_of(url: &str) -> anyhow::Result<Db> {
    open(url, IfMissing::Refuse).await
}

/// Runs a peer command; exit code 1 when the input was refused.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let actor = Actor::system();
    let outcome = match command {
        Command::Plc { action } => plc_action(&actor, action).await,
        Command::Plcs { q, sort, desc, page, per_page, db } => {
            let pool = db_of(&db).await?;
            let asked = Page {
                page: Some(page),
                per_page: Some(per_page),
                sort,
                dir: Some(if desc { "desc" } else { "asc" }.into()),
                q,
            };
            plcs_table(&pool, &actor, &asked).await
        }
        Command::LessonStudies { q, sort, desc, page, per_page, db } => {
            let pool = db_of(&db).await?;
            let asked = Page {
                page: Some(page),
                per_page: Some(per_page),
                sort,
                dir: Some(if desc { "desc" } else { "asc" }.into()),
                q,
            };
            studies_table(&pool, &actor, &asked).await
        }
        Command::Visits { coach, term, format, out, db } => {
            let pool = db_of(&db).await?;
            visits(&pool, &actor, coach, term.as_deref(), &format, out).await
        }
        Command::Report { report, term, level, within, programme, db } => {
            let pool = db_of(&db).await?;
            report_table(&pool, &actor, &report, term.as_deref(), &level, within.as_deref(), programme.as_deref()).await
        }
    };
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(
            e @ (opencpd_kernel::Error::Invalid(_)
            | opencpd_kernel::Error::Conflict(_)
            | opencpd_kernel::Error::NotFound),
        ) => {
            eprintln!("error: {}", told(e, lang()));
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

async fn plc_action(actor: &Actor, action: PlcAction) -> opencpd_kernel::Result<()> {
    let PlcAction::Edit {
        id,
        name,
        level,
        unit,
        school,
        programme,
        model,
        meetings_per_term,
        facilitators,
        supporting_officers,
        members,
        version,
        db,
    } = action;
    let pool = db_of(&db).await.map_err(opencpd_kernel::Error::Other)?;
    // The PLC as it is, changed where asked: the one edit the pages and the API make.
    let mut edit = plcs::plc_as_update(&pool, actor, id).await?;
    let given = |v: Option<String>| v.map(|v| Some(v).filter(|v| !v.trim().is_empty()));
    edit.name = name.unwrap_or(edit.name);
    edit.level = level.unwrap_or(edit.level);
    if let Some(school) = school {
        (edit.school_code, edit.unit_code) = (Some(school), None);
    }
    if let Some(unit) = unit {
        (edit.unit_code, edit.school_code) = (Some(unit), None);
    }
    edit.programme_code = given(programme).unwrap_or(edit.programme_code);
    edit.model_code = given(model).unwrap_or(edit.model_code);
    edit.meetings_per_term = meetings_per_term.unwrap_or(edit.meetings_per_term);
    for (list, now) in [
        (facilitators, &mut edit.facilitators),
        (supporting_officers, &mut edit.supporting_officers),
        (members, &mut edit.members),
    ] {
        if !list.is_empty() {
            *now = list;
        }
    }
    edit.version = version.unwrap_or(edit.version);
    let plc = plcs::update_plc(&pool, actor, id, &edit).await?;
    println!(
        "{}",
        text(
            "peer-cli-plc-edited",
            &[("code", plc.code.clone()), ("name", plc.name.clone()), ("version", plc.version.to_string())]
        )
    );
    Ok(())
}

async fn plcs_table(pool: &Db, actor: &Actor, asked: &Page) -> opencpd_kernel::Result<()> {
    let list = plcs::plc_list(pool, actor, asked).await?;
    let rows: Vec<Vec<String>> = list
        .items
        .iter()
        .map(|g| {
            vec![
                g.code.clone(),
                g.name.clone(),
                text(&format!("peer-level-{}", g.level), &[]),
                g.unit_name.clone(),
                g.meetings.to_string(),
                g.last_meeting.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
                g.open_points.to_string(),
            ]
        })
        .collect();
    print_table(
        &headers(&[
            "col-code",
            "col-name",
            "peer-level",
            "col-place",
            "peer-meetings",
            "peer-last-meeting",
            "peer-open-points",
        ]),
        &rows,
    );
    println!(
        "{}",
        text(
            "peer-cli-plcs",
            &[
                ("first", list.first().to_string()),
                ("last", list.last().to_string()),
                ("total", list.total.to_string())
            ]
        )
    );
    Ok(())
}

async fn studies_table(pool: &Db, actor: &Actor, asked: &Page) -> opencpd_kernel::Result<()> {
    let list = lesson::lesson_list(pool, actor, asked).await?;
    let rows: Vec<Vec<String>> = list
        .items
        .iter()
        .map(|s| {
            vec![
                s.code.clone(),
                s.plc_name.clone(),
                s.subject_code.clone().unwrap_or_else(|| "–".into()),
                s.grade.clone(),
                s.topic.clone(),
                text(&format!("peer-stage-{}", s.stage), &[]),
                s.lesson_on.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
            ]
        })
        .collect();
    print_table(
        &headers(&[
            "col-code",
            "peer-group",
            "peer-subject",
            "peer-grade",
            "peer-topic",
            "peer-stage",
            "peer-lesson-on",
        ]),
        &rows,
    );
    let args =
        [("first", list.first().to_string()), ("last", list.last().to_string()), ("total", list.total.to_string())];
    println!("{}", text("peer-cli-studies", &args));
    Ok(())
}

async fn visits(
    pool: &Db,
    actor: &Actor,
    coach: i64,
    term: Option<&str>,
    format: &str,
    out: Option<PathBuf>,
) -> opencpd_kernel::Result<()> {
    let format = Format::parse(format).map_err(|p| p.in_column("format"))?;
    let term = plcs::term_named(pool, term).await?;
    let name = coaching::person_name(pool, actor, coach).await?;
    let lines = coaching::coach_visits(pool, actor, coach, &term).await?;
    let mut bytes = Vec::new();
    opencpd_transfer::write_table(format, coaching::VISIT_COLUMNS, lines.iter().map(|l| l.cells()), &mut bytes)
        .map_err(|e| opencpd_kernel::Error::Other(e.into()))?;
    let to = match &out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| opencpd_kernel::Error::Other(e.into()))?;
            path.display().to_string()
        }
        None => {
            let stdout = std::io::stdout();
            if format == Format::Xlsx && stdout.is_terminal() {
                return Err(opencpd_domain::Problem::new("required").in_column("out").into());
            }
            stdout.lock().write_all(&bytes).map_err(|e| opencpd_kernel::Error::Other(e.into()))?;
            "-".to_string()
        }
    };
    eprintln!(
        "{}",
        text(
            "peer-cli-visits",
            &[("count", lines.len().to_string()), ("coach", name), ("term", term.name.clone()), ("out", to)]
        )
    );
    Ok(())
}

async fn report_table(
    pool: &Db,
    actor: &Actor,
    report: &str,
    term: Option<&str>,
    level: &str,
    within: Option<&str>,
    programme: Option<&str>,
) -> opencpd_kernel::Result<()> {
    let term = plcs::term_named(pool, term).await?;
    let g = Grouping { term: &term, level, within };
    let place = "col-place";
    let total = text("peer-total", &[]);
    let (title, heads, rows): (&str, Vec<String>, Vec<Vec<String>>) = match report {
        "coverage" => {
            let r = reports::head_teachers_visited(pool, actor, &g).await?;
            let rows = r
                .rows
                .iter()
                .map(|x| (x.unit_name.clone(), x))
                .chain([(total.clone(), &r.total)])
                .map(|(n, x)| vec![n, shown(&x.head_teachers), shown(&x.visited), pct(x.share)])
                .collect();
            ("peer-heads-visited", headers(&[place, "peer-head-teachers", "peer-visited", "peer-share"]), rows)
        }
        "regularity" => {
            let r = reports::plc_regularity(pool, actor, &g).await?;
            let rows = r
                .rows
                .iter()
                .map(|x| (x.unit_name.clone(), x))
                .chain([(total.clone(), &r.total)])
                .map(|(n, x)| {
                    vec![
                        n,
                        x.plcs.to_string(),
                        x.planned.to_string(),
                        x.held.to_string(),
                        pct(x.regularity),
                        format!("{} / {}", shown(&x.present), shown(&x.expected)),
                        pct(x.attendance),
                        shown(&x.guests),
                    ]
                })
                .collect();
            let keys = [
                place,
                "peer-plcs",
                "peer-planned",
                "peer-held",
                "peer-regularity-share",
                "peer-present",
                "peer-attendance-share",
                "peer-guests",
            ];
            ("peer-regularity", headers(&keys), rows)
        }
        "action-points" => {
            let r = reports::action_points(pool, actor, &g).await?;
            let rows = r
                .rows
                .iter()
                .map(|x| (x.unit_name.clone(), x))
                .chain([(total.clone(), &r.total)])
                .map(|(n, x)| {
                    vec![n, shown(&x.due), shown(&x.on_time), shown(&x.late), shown(&x.overdue), pct(x.share_on_time)]
                })
                .collect();
            let keys = [place, "peer-due", "peer-on-time", "peer-late", "peer-overdue", "peer-share"];
            ("peer-points-on-time", headers(&keys), rows)
        }
        "leaders" => {
            let r = reports::leaders_of_learning(pool, actor, &g).await?;
            let rows = r
                .rows
                .iter()
                .map(|x| (x.unit_name.clone(), x))
                .chain([(total.clone(), &r.total)])
                .map(|(n, x)| vec![n, shown(&x.head_teachers), shown(&x.leaders), pct(x.share)])
                .collect();
            ("peer-leaders", headers(&[place, "peer-head-teachers", "peer-leaders-count", "peer-share"]), rows)
        }
        _ => {
            let Some(programme) = programme else {
                return Err(opencpd_domain::Problem::new("required").in_column("programme").into());
            };
            let c = reports::cascade(pool, actor, programme, &term, within).await?;
            let rows = c
                .levels
                .iter()
                .map(|l| {
                    vec![
                        text("peer-depth-n", &[("depth", l.depth.to_string())]),
                        shown(&l.coachees),
                        shown(&l.visited),
                        pct(l.share),
                        shown(&l.visits),
                        l.visits_per_coachee
                            .map(|v| opencpd_domain::i18n::number(v, 1, lang()))
                            .unwrap_or_else(|| "–".into()),
                        shown(&l.repeat),
                    ]
                })
                .collect();
            let keys = [
                "peer-depth",
                "peer-coachees",
                "peer-visited",
                "peer-share",
                "peer-visits",
                "peer-visits-per-coachee",
                "peer-repeat",
            ];
            ("peer-cascade-levels", headers(&keys), rows)
        }
    };
    println!("{} — {} ({} – {})", text(title, &[]), term.name, term.start_on, term.end_on);
    print_table(&heads, &rows);
    Ok(())
}
