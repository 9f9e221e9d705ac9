//! The area's pages and HTTP API, as an `opencpd_http::Area` the app merges: indicators
//! and their answers, targets, flow rates of a school or unit, and the data page of a
//! school or unit (the trend of learners' scores, flows by grade, gaps between girls and
//! boys).

mod chart;
mod definitions;
mod entry;
mod exchange;
mod plans;
mod reference;
mod report;
mod typed;

use crate::model::{Answer, FlowReport, Indicator, IndicatorTargetInput, Place, Question, TargetProgress};
use crate::store::{engine, flows};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_http::{ApiError, AppState, Area, Ctx, Id, Result};
use opencpd_kernel::paging::{Page, Paged};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

/// School data and indicators.
pub static AREA: Area = Area {
    name: "indicators",
    templates: TEMPLATES,
    pages: |_| {
        let r = plans::page_routes(
            Router::new()
                .route("/data/schools/{id}", get(school_data_page))
                .route("/data/units/{id}", get(unit_data_page)),
        );
        definitions::page_routes(entry::page_routes(reference::page_routes(r)))
    },
    api: |_| api_router(),
    openapi: || {
        let mut doc = IndicatorsApi::openapi();
        doc.merge(exchange::ExchangeApi::openapi());
        doc.merge(reference::ReferenceApi::openapi());
        doc.merge(entry::EntryApi::openapi());
        doc
    },
    imports: &crate::store::outcomes::KINDS,
    after_write: opencpd_http::nothing_after_write,
};

pub use report::Contents as ReportContents;

/// What a data page's PDF report holds, from the page's figures.
pub fn report_contents(page: crate::store::dashboard::Page) -> ReportContents {
    report::contents(page)
}

/// The text of a report's pages in `lang` (headings, paragraphs, tables), as written
/// into its PDF.
pub fn report_text(contents: &ReportContents, lang: &str) -> String {
    format!("{:?}", report::report(contents, lang, "2025-01-01").blocks)
}

const TEMPLATES: &[(&str, &str)] = &[
    ("indicators/data.html", include_str!("../../templates/indicators/data.html")),
    ("indicators/plan.html", include_str!("../../templates/indicators/plan.html")),
    ("indicators/indicators.html", include_str!("../../templates/indicators/indicators.html")),
    ("indicators/lists.html", include_str!("../../templates/indicators/lists.html")),
    ("indicators/entry.html", include_str!("../../templates/indicators/entry.html")),
];

#[derive(OpenApi)]
#[openapi(
    paths(
        list_indicators,
        answer,
        list_targets,
        set_target,
        school_flows,
        unit_flows,
        school_trend,
        unit_trend,
        unit_breakdown,
        school_targets,
        unit_targets,
        plans::list_plans,
        plans::get_plan,
        plans::save_plan,
        plans::plan_versions,
        plans::submit_plan,
        plans::approve_plan,
        plans::return_plan,
        report::school_report,
        report::unit_report
    ),
    components(schemas(
        Indicator,
        Paged<Indicator>,
        Question,
        Answer,
        crate::model::AnswerCell,
        crate::model::Count,
        Place,
        IndicatorTargetInput,
        TargetProgress,
        FlowReport,
        crate::model::FlowRow,
        crate::model::TrendPoint,
        crate::model::Breakdown,
        crate::model::Part,
        crate::model::PlaceTarget,
        crate::model::PlanInput,
        crate::model::PriorityInput,
        crate::model::PlanActionInput,
        crate::model::PlanSummary,
        crate::model::Plan,
        crate::model::PlanPriority,
        crate::model::PlanPoint,
        crate::model::PlanAction,
        crate::model::PlanStepInput,
        crate::model::PlanEvent,
        crate::model::PlanVersion,
        crate::model::VersionPriority,
        crate::model::VersionAction
    ))
)]
pub struct IndicatorsApi;

fn api_router() -> Router<AppState> {
    Router::new()
        .route("/indicators", get(list_indicators))
        .route("/indicators/{code}/answer", post(answer))
        .route("/indicators/{code}/targets", get(list_targets).post(set_target))
        .route("/schools/{id}/flows", get(school_flows))
        .route("/units/{id}/flows", get(unit_flows))
        .route("/schools/{id}/trend", get(school_trend))
        .route("/units/{id}/trend", get(unit_trend))
        .route("/units/{id}/breakdown", get(unit_breakdown))
        .route("/schools/{id}/targets", get(school_targets))
        .route("/units/{id}/targets", get(unit_targets))
        .route("/schools/{id}/report", get(report::school_report))
        .route("/units/{id}/report", get(report::unit_report))
        .merge(plans::api_routes(Router::new()))
        .merge(exchange::api_routes(Router::new()))
        .merge(entry::api_routes(Router::new()))
        .merge(reference::api_routes(Router::new()))
}

/// The indicators, one page: sorted by `code` (the default), `name_en`, `name_fr` or
/// `kirkpatrick_level`; `q` searches the code and both names.
#[utoipa::path(get, path = "/api/v1/indicators", params(Page), responses((status = 200, body = Paged<Indicator>), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
async fn list_indicators(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Indicator>>> {
    let Query(page) = page?;
    ctx.actor()?;
    Ok(Json(engine::indicator_list(&state.db, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/indicators/{code}/answer", params(("code" = String, Path)), request_body = Question,
    responses((status = 200, body = Answer), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: std::result::Result<Json<Question>, JsonRejection>,
) -> Result<Json<Answer>> {
    let actor = ctx.actor()?;
    let Json(question) = body?;
    Ok(Json(engine::answer(&state.db, actor, &code, &question).await?))
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}/targets", params(("code" = String, Path)),
    responses((status = 200, body = Vec<TargetProgress>), (status = 404, body = ApiError)))]
async fn list_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Json<Vec<TargetProgress>>> {
    Ok(Json(engine::targets(&state.db, ctx.actor()?, &code).await?))
}

#[utoipa::path(post, path = "/api/v1/indicators/{code}/targets", params(("code" = String, Path)), request_body = IndicatorTargetInput,
    responses((status = 200, body = i64), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn set_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: std::result::Result<Json<IndicatorTargetInput>, JsonRejection>,
) -> Result<Json<i64>> {
    let actor = ctx.actor()?;
    let Json(input) = body?;
    Ok(Json(engine::set_target(&state.db, actor, &code, &input).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct FlowQuery {
    year: i64,
    #[serde(default)]
    group: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/schools/{id}/flows", params(("id" = i64, Path), FlowQuery),
    responses((status = 200, body = FlowReport), (status = 404, body = ApiError)))]
async fn school_flows(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<FlowQuery>, QueryRejection>,
) -> Result<Json<FlowReport>> {
    let actor = ctx.actor()?;
    let Query(q) = q?;
    Ok(Json(flows::flow_report(&state.db, actor, Place::School(id), q.year, q.group.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/units/{id}/flows", params(("id" = i64, Path), FlowQuery),
    responses((status = 200, body = FlowReport), (status = 404, body = ApiError)))]
async fn unit_flows(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<FlowQuery>, QueryRejection>,
) -> Result<Json<FlowReport>> {
    let actor = ctx.actor()?;
    let Query(q) = q?;
    Ok(Json(flows::flow_report(&state.db, actor, Place::Unit(id), q.year, q.group.as_deref()).await?))
}

/// The year a unit's parts are read for (the newest with data when absent).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct BreakdownQuery {
    #[serde(default)]
    year: Option<i64>,
}

/// A unit's parts (the units just below it, or its schools at the lowest level) with a
/// year's figures, for drilling down; counts suppressed as everywhere.
#[utoipa::path(get, path = "/api/v1/units/{id}/breakdown", params(("id" = i64, Path), BreakdownQuery),
    responses((status = 200, body = crate::model::Breakdown), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn unit_breakdown(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<BreakdownQuery>, QueryRejection>,
) -> Result<Json<crate::model::Breakdown>> {
    let actor = ctx.actor()?;
    let Query(q) = q?;
    Ok(Json(crate::store::dashboard::breakdown(&state.db, actor, id, q.year).await?))
}

/// The targets set on a school, each with what is achieved read live.
#[utoipa::path(get, path = "/api/v1/schools/{id}/targets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<crate::model::PlaceTarget>), (status = 404, body = ApiError)))]
async fn school_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<crate::model::PlaceTarget>>> {
    Ok(Json(engine::targets_at(&state.db, ctx.actor()?, Place::School(id), ctx.lang).await?))
}

/// The targets set on a unit (on the country, also the deployment's), each with what is
/// achieved read live.
#[utoipa::path(get, path = "/api/v1/units/{id}/targets", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<crate::model::PlaceTarget>), (status = 404, body = ApiError)))]
async fn unit_targets(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<crate::model::PlaceTarget>>> {
    Ok(Json(engine::targets_at(&state.db, ctx.actor()?, Place::Unit(id), ctx.lang).await?))
}

/// A school's learners' mean score by subject and year.
#[utoipa::path(get, path = "/api/v1/schools/{id}/trend", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<crate::model::TrendPoint>), (status = 404, body = ApiError)))]
async fn school_trend(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<crate::model::TrendPoint>>> {
    Ok(Json(crate::store::dashboard::trend(&state.db, ctx.actor()?, Place::School(id)).await?))
}

/// A unit's learners' mean score by subject and year, over its schools in the reader's scope.
#[utoipa::path(get, path = "/api/v1/units/{id}/trend", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<crate::model::TrendPoint>), (status = 404, body = ApiError)))]
async fn unit_trend(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<crate::model::TrendPoint>>> {
    Ok(Json(crate::store::dashboard::trend(&state.db, ctx.actor()?, Place::Unit(id)).await?))
}

async fn school_data_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<axum::response::Html<String>> {
    data_page(&state, &ctx, Place::School(id)).await
}

async fn unit_data_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<axum::response::Html<String>> {
    data_page(&state, &ctx, Place::Unit(id)).await
}

/// The data page: the trend, then flows from the year before the newest (flows read the
/// next year's repeaters) and the gaps of the newest year.
async fn data_page(state: &AppState, ctx: &Ctx, place: Place) -> Result<axum::response::Html<String>> {
    use crate::store::dashboard;
    use opencpd_http::render::value as v;
    let actor = ctx.actor()?;
    let page = dashboard::page(&state.db, actor, place, ctx.lang).await?;
    let may_enter = entry::may_enter(state, actor, place).await?;
    let (breakdown, may_write) = (page.parts.clone(), page.may_write);
    let contents = report::contents(page);
    let hidden = contents.hidden().then_some(contents.threshold);
    let report::Contents { name, trend, targets, flows, gaps, group_gaps, plans, .. } = contents;
    let chart = (!trend.is_empty()).then(|| minijinja::Value::from_safe_string(chart::trend(&trend)));
    let (targets, labels): (Vec<_>, Vec<String>) = targets.into_iter().unzip();
    let targets_chart =
        (!targets.is_empty()).then(|| minijinja::Value::from_safe_string(chart::targets(&targets, &labels)));
    let cat = opencpd_domain::i18n::catalog();
    let t = |id: &str| cat.text(ctx.lang, id, &[]);
    let flows_chart = flows.as_ref().filter(|f| !f.grades.is_empty()).map(|f| {
        let legend = [t("data-promotion"), t("data-repetition"), t("data-dropout")];
        minijinja::Value::from_safe_string(chart::flows(&f.grades, [&legend[0], &legend[1], &legend[2]]))
    });
    let gaps_chart = gaps.as_ref().filter(|g| !g.1.is_empty()).map(|g| {
        let legend = [t("data-girls"), t("data-boys")];
        minijinja::Value::from_safe_string(chart::gaps(&g.1, [&legend[0], &legend[1]]))
    });
    // Each group of learners against the others: its table and chart.
    let group_gaps: Vec<minijinja::Value> = group_gaps
        .iter()
        .map(|g| {
            let args = [("group", g.name.clone())];
            let chart = minijinja::Value::from_safe_string(chart::gaps(&g.rows, [&g.name, &t("data-others")]));
            minijinja::context! {
                code => g.code.clone(), name => g.name.clone(), rows => v(&g.rows), chart,
                caption => cat.text(ctx.lang, "data-group-gaps-caption", &args),
                gap => cat.text(ctx.lang, "data-group-gap", &args),
            }
        })
        .collect();
    let this_year = i64::from(chrono::Datelike::year(&opencpd_kernel::today()));
    let new_plan_year = (may_write && !plans.iter().any(|p| p.year == this_year)).then_some(this_year);
    let (kind, id) = match place {
        Place::School(id) => ("schools", id),
        Place::Unit(id) => ("units", id),
    };
    state.templates.page(
        ctx,
        "indicators/data.html",
        minijinja::context! {
            name, kind, id, trend => v(&trend), chart, flows => v(&flows),
            gaps_year => gaps.as_ref().map(|g| g.0), gaps => v(&gaps.map(|g| g.1)), plans => v(&plans),
            new_plan_year, targets => v(&targets), target_labels => labels, targets_chart,
            breakdown => v(&breakdown), flows_chart, gaps_chart, group_gaps, hidden, may_enter,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }
    #[test]
    fn the_openapi_document_names_every_route() {
        let doc = (AREA.openapi)();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for path in [
            "/api/v1/indicators",
            "/api/v1/indicators/{code}/answer",
            "/api/v1/indicators/{code}/targets",
            "/api/v1/schools/{id}/flows",
            "/api/v1/units/{id}/flows",
            "/api/v1/schools/{id}/plans",
            "/api/v1/schools/{id}/plans/{year}",
            "/api/v1/schools/{id}/plans/{year}/submit",
            "/api/v1/schools/{id}/plans/{year}/approve",
            "/api/v1/schools/{id}/plans/{year}/return",
            "/api/v1/schools/{id}/plans/{year}/versions",
            "/api/v1/schools/{id}/report",
            "/api/v1/units/{id}/report",
        ] {
            assert!(paths.contains(&path), "{path} in {paths:?}");
        }
        let schemas = doc.components.expect("components").schemas;
        assert!(schemas.contains_key("Answer") && schemas.contains_key("FlowReport"));
    }
}
