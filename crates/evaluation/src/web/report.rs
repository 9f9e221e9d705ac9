//! The evaluation's report as a PDF (`opencpd_documents::report`): what the page shows,
//! to print or send.

use crate::model::{Evaluation, ImpactReport};
use opencpd_documents::report::{Block, Report, render as render_pdf};
use opencpd_domain::i18n::{catalog, decimal};

pub fn render(e: &Evaluation, estimate: &Result<ImpactReport, String>, lang: &str) -> Vec<u8> {
    let c = catalog();
    let t = |id: &str| c.text(lang, id, &[]);
    let ta = |id: &str, args: &[(&str, String)]| c.text(lang, id, args);
    let mut subtitle = vec![format!(
        "{} · {}: {} · {}: {}",
        e.code,
        t("evaluation-unit"),
        e.unit_name,
        t("evaluation-assignment"),
        t(&format!("evaluation-assignment-{}", e.assignment))
    )];
    match &e.assigned_at {
        Some(at) => {
            let mut line = ta("evaluation-assigned", &[("at", at.chars().take(10).collect())]);
            if let Some(seed) = &e.seed {
                line.push_str(&format!(", {}", ta("evaluation-seed", &[("seed", seed.clone())])));
            }
            subtitle.push(line);
        }
        None => subtitle.push(t("evaluation-not-assigned")),
    }
    let people = e.units == "people";
    let mut blocks = vec![
        Block::Heading(t("evaluation-arms")),
        Block::Table {
            columns: vec![
                t("evaluation-arm"),
                t("col-code"),
                t("evaluation-ratio"),
                t(if people { "evaluation-people" } else { "evaluation-schools" }),
            ],
            rows: e
                .arms
                .iter()
                .map(|a| {
                    let name = if a.comparison {
                        format!("{} ({})", a.name, t("evaluation-comparison"))
                    } else {
                        a.name.clone()
                    };
                    let n = if people { a.people } else { a.schools };
                    vec![name, a.code.clone(), a.ratio.to_string(), n.to_string()]
                })
                .collect(),
        },
        Block::Heading(t("evaluation-rounds")),
        Block::Table {
            columns: vec![
                t("evaluation-round"),
                t("evaluation-kind"),
                t("evaluation-starts-on"),
                t("evaluation-ends-on"),
                t("evaluation-year"),
                t("evaluation-term"),
            ],
            rows: e
                .rounds
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        t(&format!("evaluation-kind-{}", r.kind)),
                        r.starts_on.to_string(),
                        r.ends_on.to_string(),
                        r.year.to_string(),
                        r.term.to_string(),
                    ]
                })
                .collect(),
        },
    ];
    // The instruments each round used, below its table (the table has no room for them).
    if e.rounds.iter().any(|r| !r.instruments.is_empty()) {
        let used: Vec<String> = e
            .rounds
            .iter()
            .map(|r| {
                let instruments =
                    if r.instruments.is_empty() { t("evaluation-instruments-any") } else { r.instruments.join(", ") };
                format!("{}: {instruments}", r.name)
            })
            .collect();
        blocks.push(Block::Paragraph(format!("{}. {}", t("evaluation-instruments"), used.join("; "))));
    }
    blocks.push(Block::Heading(t("evaluation-estimate")));
    match estimate {
        Err(reason) => blocks.push(Block::Paragraph(reason.clone())),
        Ok(r) => {
            blocks.push(Block::Paragraph(r.outcome.clone()));
            blocks.push(Block::Paragraph(ta(
                if people { "evaluation-n-people" } else { "evaluation-n" },
                &[
                    ("observations", r.observations.to_string()),
                    ("clusters", r.clusters.to_string()),
                    ("parameters", r.parameters.to_string()),
                    ("df", r.df.to_string()),
                    ("factor", decimal(r.small_sample_factor, 3, lang)),
                ],
            )));
            let label = |arm: &str, round: &Option<String>| match round {
                Some(round) => format!("{arm} × {round}"),
                None => arm.to_string(),
            };
            blocks.push(Block::Intervals(
                r.coefficients.iter().map(|c| (label(&c.arm, &c.round), c.estimate, c.ci_low, c.ci_high)).collect(),
            ));
            let mut columns = vec![
                t("evaluation-arm"),
                t("evaluation-effect"),
                t("evaluation-se"),
                t("evaluation-interval"),
                t("evaluation-p"),
            ];
            if !r.bootstrap.is_empty() {
                columns.push(t("evaluation-bootstrap"));
            }
            let rows = r
                .coefficients
                .iter()
                .map(|c| {
                    let mut row = vec![
                        label(&c.arm, &c.round),
                        decimal(c.estimate, 2, lang),
                        decimal(c.se, 2, lang),
                        format!("[{}; {}]", decimal(c.ci_low, 2, lang), decimal(c.ci_high, 2, lang)),
                        decimal(c.p_value, 3, lang),
                    ];
                    if !r.bootstrap.is_empty() {
                        let b = r.bootstrap.iter().find(|b| b.arm == c.arm && c.round.is_none());
                        row.push(
                            b.map(|b| format!("[{}; {}]", decimal(b.low, 2, lang), decimal(b.high, 2, lang)))
                                .unwrap_or_default(),
                        );
                    }
                    row
                })
                .collect();
            blocks.push(Block::Table { columns, rows });
            if let Some(b) = r.bootstrap.first() {
                blocks.push(Block::Paragraph(format!(
                    "{}: {}",
                    t("evaluation-bootstrap"),
                    ta("evaluation-bootstrap-detail", &[("draws", b.draws.to_string()), ("seed", b.seed.clone())])
                )));
            }
            for caveat in &r.caveats {
                blocks.push(Block::Paragraph(caveat.clone()));
            }
        }
    }
    render_pdf(&Report {
        title: e.name.clone(),
        subtitle,
        blocks,
        page_label: ta("evaluation-report-page", &[("page", "{page}".into()), ("pages", "{pages}".into())]),
    })
}
