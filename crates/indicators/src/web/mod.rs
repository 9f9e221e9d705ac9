//! The area's HTTP API, as an `opencpd_http::Area` the app merges: indicators and their
//! answers, targets, and flow rates of a school or unit. Pages come later.

use crate::model::{Answer, FlowReport, Indicator, Place, Question, TargetInput, TargetProgress};
use crate::store::{engine, flows};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_http::{ApiError, AppState, Area, Ctx, Id, Result};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

/// School data and indicators.
pub static AREA: Area = Area {
    name: "indicators",
    templates: &[],
    pages: |_| Router::new(),
    api: |_| api_router(),
    openapi: || IndicatorsApi::openapi(),
    imports: &crate::store::outcomes::KINDS,
    after_write: opencpd_http::nothing_after_write,
};

#[derive(OpenApi)]
#[openapi(
    paths(list_indicators, answer, list_targets, set_target, school_flows, unit_flows),
    components(schemas(
        Indicator,
        Question,
        Answer,
        crate::model::AnswerCell,
        crate::model::Count,
        Place,
        TargetInput,
        TargetProgress,
        FlowReport,
        crate::model::FlowRow
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
}

#[utoipa::path(get, path = "/api/v1/indicators", responses((status = 200, body = Vec<Indicator>), (status = 401, body = ApiError)))]
async fn list_indicators(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Indicator>>> {
    ctx.actor()?;
    Ok(Json(engine::indicators(&state.db).await?))
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

#[utoipa::path(post, path = "/api/v1/indicators/{code}/targets", params(("code" = String, Path)), request_body = TargetInput,
    responses((status = 200, body = i64), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn set_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    body: std::result::Result<Json<TargetInput>, JsonRejection>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(paths.contains(&path), "{path} in {paths:?}");
        }
        let schemas = doc.components.expect("components").schemas;
        assert!(schemas.contains_key("Answer") && schemas.contains_key("FlowReport"));
    }
}
