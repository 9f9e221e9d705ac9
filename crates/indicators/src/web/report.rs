//! The data page as a PDF a manager sends to a donor (`opencpd_documents::report`): the
//! trend as bars and a table, the targets against what is achieved, the flows, the gaps
//! between girls and boys, a school's plans, the small-cell rule as applied to this reader,
//! and the definitions; in English or French. [`read`] is what the data page shows too.

use crate::model::{FlowReport, GapRow, GroupGaps, Place, PlaceTarget, PlanSummary, TrendPoint};
use crate::store::dashboard;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use opencpd_documents::report::{Block, Report, render};
use opencpd_domain::Problem;
use opencpd_domain::i18n::{catalog, decimal};
use opencpd_http::{ApiError, AppState, Ctx, Error, Id, Result, download};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportQuery {
    /// `en` or `fr` (the reader's language when absent).
    #[serde(default)]
    lang: Option<String>,
}

/// What the report holds, read once in the reader's scope.
pub struct Contents {
    pub name: String,
    pub trend: Vec<TrendPoint>,
    /// The targets set on the place, each with its label (indicator, year and category).
    pub targets: Vec<(PlaceTarget, String)>,
    pub flows: Option<FlowReport>,
    pub gaps: Option<(i64, Vec<GapRow>)>,
    /// The same year's gaps between each group of learners and the others.
    pub group_gaps: Vec<GroupGaps>,
    pub plans: Vec<PlanSummary>,
    pub threshold: i64,
}

impl Contents {
    /// Whether a figure of the trend, the flows or the gaps is hidden from this reader as
    /// a small cell (or a figure that would give one back): the page and the report say so.
    pub fn hidden(&self) -> bool {
        self.trend.iter().any(|p| p.mean_percent.is_none() && p.assessed.value.is_none())
            || self.flows.as_ref().is_some_and(|f| f.suppressed)
            || self.gaps.as_ref().is_some_and(|g| g.1.iter().any(GapRow::hidden))
            || self.group_gaps.iter().any(|g| g.rows.iter().any(GapRow::hidden))
    }
}

/// A school's learner outcomes as a PDF report.
#[utoipa::path(get, path = "/api/v1/schools/{id}/report", params(("id" = i64, Path), ReportQuery),
    responses((status = 200, description = "The report (application/pdf)", content_type = "application/pdf"),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(super) async fn school_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response> {
    answer(&state, &ctx, Place::School(id), q).await
}

/// A unit's learner outcomes (its schools in the reader's scope) as a PDF report.
#[utoipa::path(get, path = "/api/v1/units/{id}/report", params(("id" = i64, Path), ReportQuery),
    responses((status = 200, description = "The report (application/pdf)", content_type = "application/pdf"),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub(super) async fn unit_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response> {
    answer(&state, &ctx, Place::Unit(id), q).await
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    place: Place,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(q) = q?;
    let lang = match q.lang.as_deref().map(str::trim) {
        None | Some("") => ctx.lang,
        Some(l) => {
            opencpd_domain::i18n::LANGUAGES.iter().map(|(code, _)| *code).find(|c| *c == l).ok_or_else(|| {
                Error::Invalid(vec![
                    Problem::new("bad-choice").with_value(l).arg("allowed", "en, fr").in_column("lang"),
                ])
            })?
        }
    };
    let contents = read(state, actor, place, lang).await?;
    let bytes = render(&report(&contents, lang, &opencpd_kernel::today().to_string()));
    let stem = match place {
        Place::School(id) => format!("school-{id}"),
        Place::Unit(id) => format!("unit-{id}"),
    };
    Ok(download::file("application/pdf", &format!("{stem}-outcomes-{lang}.pdf"), bytes))
}

/// What the report shows of a place, in the reader's scope: the trend, the targets (named
/// in `lang`), flows from the year before the newest (flows read the next year's
/// repeaters) and the gaps of the newest year, a school's plans; read as the data page
/// reads them ([`dashboard::page`]).
pub async fn read(state: &AppState, actor: &opencpd_kernel::Actor, place: Place, lang: &str) -> Result<Contents> {
    Ok(contents(dashboard::page(&state.db, actor, place, lang).await?))
}

/// The report's contents from a data page's figures.
pub fn contents(page: dashboard::Page) -> Contents {
    let dashboard::Page { name, trend, targets, flows, gaps, group_gaps, plans, threshold, .. } = page;
    let targets = targets
        .into_iter()
        .map(|t| {
            let label = match &t.progress.category {
                Some(c) => format!("{} {} ({c})", t.name, t.progress.year),
                None => format!("{} {}", t.name, t.progress.year),
            };
            (t, label)
        })
        .collect();
    Contents { name, trend, targets, flows, gaps, group_gaps, plans, threshold }
}

fn percent(share: Option<f64>, lang: &str) -> String {
    share.map(|s| format!("{} %", decimal(s * 100.0, 1, lang))).unwrap_or_else(|| "–".into())
}

/// A comparison's gaps as bars (each group's rate, or its count where the rate is hidden)
/// and a table (counted of assessed, and the gap in points); `names` the two groups.
fn gap_blocks(blocks: &mut Vec<Block>, gaps: &[GapRow], names: [String; 2], gap: String, lang: &str) {
    let cat = catalog();
    let t = |id: &str| cat.text(lang, id, &[]);
    let mut bars = Vec::new();
    for g in gaps {
        for ((name, n), r) in [(&names[0], &g.first), (&names[1], &g.second)].into_iter().zip(g.rates()) {
            let shown = r.map(|r| format!("{} %", decimal(r, 1, lang))).unwrap_or_else(|| n.shown.clone());
            bars.push((format!("{} {name}", g.grade), r, shown));
        }
    }
    blocks.push(Block::Bars { max: 100.0, rows: bars });
    let [first, second] = names;
    blocks.push(Block::Table {
        columns: vec![t("data-grade"), first, second, gap],
        rows: gaps
            .iter()
            .map(|g| {
                vec![
                    g.grade.clone(),
                    format!("{} / {}", g.first.shown, g.first_size.shown),
                    format!("{} / {}", g.second.shown, g.second_size.shown),
                    g.points.map(|p| decimal(p, 1, lang)).unwrap_or_else(|| "–".into()),
                ]
            })
            .collect(),
    });
}

/// The report's pages, in `lang`.
pub fn report(c: &Contents, lang: &str, today: &str) -> Report {
    let cat = catalog();
    let t = |id: &str| cat.text(lang, id, &[]);
    let ta = |id: &str, args: &[(&str, String)]| cat.text(lang, id, args);
    let mut blocks = Vec::new();
    let hidden = c.hidden();
    blocks.push(Block::Paragraph(ta("data-report-suppression", &[("threshold", c.threshold.to_string())])));
    if hidden {
        blocks.push(Block::Paragraph(ta("data-suppressed", &[("threshold", c.threshold.to_string())])));
    }
    blocks.push(Block::Heading(t("data-trend")));
    if c.trend.is_empty() {
        blocks.push(Block::Paragraph(t("data-none")));
    } else {
        blocks.push(Block::Paragraph(t("data-trend-caption")));
        blocks.push(Block::Bars {
            max: 100.0,
            rows: c
                .trend
                .iter()
                .map(|p| {
                    let shown = match p.mean_percent {
                        Some(m) => format!("{} %", decimal(m, 1, lang)),
                        None => p.assessed.shown.clone(),
                    };
                    (format!("{} {}", p.subject, p.year), p.mean_percent, shown)
                })
                .collect(),
        });
        blocks.push(Block::Table {
            columns: vec![t("data-subject"), t("data-year"), t("data-assessed"), t("data-mean")],
            rows: c
                .trend
                .iter()
                .map(|p| {
                    vec![
                        p.subject.clone(),
                        p.year.to_string(),
                        p.assessed.shown.clone(),
                        p.mean_percent.map(|m| format!("{} %", decimal(m, 1, lang))).unwrap_or_else(|| "–".into()),
                    ]
                })
                .collect(),
        });
    }
    if !c.targets.is_empty() {
        let number = |v: Option<f64>| v.map(|v| decimal(v, 1, lang)).unwrap_or_else(|| "–".into());
        blocks.push(Block::Heading(t("data-targets")));
        blocks.push(Block::Paragraph(t("data-report-targets-caption")));
        blocks.push(Block::Bars {
            max: 100.0,
            rows: c
                .targets
                .iter()
                .map(|(tg, label)| {
                    let p = &tg.progress;
                    let share = p.achieved.filter(|_| p.target > 0.0).map(|a| 100.0 * a / p.target);
                    let shown = match share {
                        Some(s) => ta("data-report-of-target", &[("share", decimal(s, 0, lang))]),
                        None => "–".into(),
                    };
                    (label.clone(), share.map(|s| s.min(100.0)), shown)
                })
                .collect(),
        });
        blocks.push(Block::Table {
            columns: vec![t("data-target-indicator"), t("data-baseline"), t("data-target"), t("data-achieved")],
            rows: c
                .targets
                .iter()
                .map(|(tg, label)| {
                    let p = &tg.progress;
                    vec![label.clone(), number(p.baseline), number(Some(p.target)), number(p.achieved)]
                })
                .collect(),
        });
    }
    if let Some(f) = &c.flows {
        blocks.push(Block::Heading(ta(
            "data-flows",
            &[("year", f.year.to_string()), ("next", (f.year + 1).to_string())],
        )));
        blocks.push(Block::Paragraph(t("data-report-flows-caption")));
        blocks.push(Block::Bars {
            max: 100.0,
            rows: f
                .grades
                .iter()
                .map(|g| {
                    let promoted = g.promotion.map(|p| 100.0 * p);
                    (g.grade.clone(), promoted.map(|p| p.clamp(0.0, 100.0)), percent(g.promotion, lang))
                })
                .collect(),
        });
        blocks.push(Block::Table {
            columns: vec![
                t("data-grade"),
                t("data-enrolled"),
                t("data-promotion"),
                t("data-repetition"),
                t("data-dropout"),
                t("data-survival"),
                t("data-parity"),
            ],
            rows: f
                .grades
                .iter()
                .map(|g| {
                    vec![
                        g.grade.clone(),
                        g.enrolled.shown.clone(),
                        percent(g.promotion, lang),
                        percent(g.repetition, lang),
                        percent(g.dropout, lang),
                        percent(g.survival, lang),
                        g.promotion_parity_adjusted.map(|p| decimal(p, 2, lang)).unwrap_or_else(|| "–".into()),
                    ]
                })
                .collect(),
        });
    }
    if let Some((year, gaps)) = &c.gaps {
        blocks.push(Block::Heading(ta("data-gaps", &[("year", year.to_string())])));
        gap_blocks(&mut blocks, gaps, [t("data-girls"), t("data-boys")], t("data-gap"), lang);
        for group in &c.group_gaps {
            let args = [("group", group.name.clone()), ("year", year.to_string())];
            blocks.push(Block::Heading(ta("data-group-gaps", &args)));
            let gap = ta("data-group-gap", &args[..1]);
            gap_blocks(&mut blocks, &group.rows, [group.name.clone(), t("data-others")], gap, lang);
        }
    }
    if !c.plans.is_empty() {
        blocks.push(Block::Heading(t("plans-title")));
        blocks.push(Block::Table {
            columns: vec![t("plans-plan"), t("plans-year"), t("plan-state"), t("plans-priorities"), t("plans-actions")],
            rows: c
                .plans
                .iter()
                .map(|p| {
                    vec![
                        p.title.clone(),
                        p.year.to_string(),
                        t(&format!("plan-state-{}", p.state)),
                        p.priorities.to_string(),
                        p.actions.to_string(),
                    ]
                })
                .collect(),
        });
    }
    blocks.push(Block::Heading(t("data-report-definitions")));
    for id in ["data-report-def-mean", "data-report-def-flows", "data-report-def-parity", "data-report-def-gap"] {
        blocks.push(Block::Paragraph(t(id)));
    }
    Report {
        title: ta("data-report-title", &[("place", c.name.clone())]),
        subtitle: vec![ta("data-report-issued", &[("date", today.to_string())])],
        blocks,
        page_label: ta("data-report-page", &[("page", "{page}".into()), ("pages", "{pages}".into())]),
    }
}
