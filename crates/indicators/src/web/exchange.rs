//! The API of what a deployment adds and exchanges: its own indicators, defined in the
//! indicator language and checked when saved; an indicator's answer exported for DHIS2
//! (`dataValueSets` JSON or ADX XML); and the mapping of OpenCPD's units, schools,
//! indicators and disaggregations to a DHIS2 instance's codes. Data values coming back
//! from DHIS2, and the mapping as a file, come in through the one import route (kinds
//! `dhis2-data` and `dhis2-codes`).

use crate::model::{Dhis2Code, Indicator, IndicatorInput, Question};
use crate::store::{dhis2, engine};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_http::{ApiError, AppState, Ctx, Result};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

#[derive(OpenApi)]
#[openapi(
    paths(create_indicator, export_indicator, list_codes, set_code),
    components(schemas(IndicatorInput, Dhis2Code))
)]
pub struct ExchangeApi;

pub fn api_routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/indicators", post(create_indicator))
        .route("/indicators/{code}/dhis2", post(export_indicator))
        .route("/dhis2/codes", get(list_codes).put(set_code))
}

/// Adds an indicator the deployment defines: its numerator, denominator and the
/// disaggregations it allows are checked against the sources when saved (a definition
/// that does not parse, names a field a source lacks, divides by a possibly empty set or
/// allows a disaggregation its sources cannot give is a 422 naming the field); those who
/// set up programmes for the whole deployment.
#[utoipa::path(post, path = "/api/v1/indicators", request_body = IndicatorInput,
    responses((status = 201, body = Indicator), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn create_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<IndicatorInput>, JsonRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Json(input) = body?;
    let indicator = engine::create(&state.db, actor, &input).await?;
    Ok((StatusCode::CREATED, Json(indicator)).into_response())
}

/// The format of an export for DHIS2.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// `json` (a `dataValueSets` document, the default) or `adx` (ADX XML).
    #[serde(default)]
    format: Option<String>,
}

/// An indicator's answer for a place and year (split as asked) as a file a DHIS2 instance
/// imports, through the deployment's mapping: values hidden from the reader as small cells
/// are left out (the `X-Suppressed-Values` header says how many); a code the mapping lacks
/// is a 422 naming it.
#[utoipa::path(post, path = "/api/v1/indicators/{code}/dhis2", params(("code" = String, Path), ExportQuery), request_body = Question,
    responses((status = 200, description = "The file: application/json or application/adx+xml", content_type = "application/json"),
        (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn export_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    query: std::result::Result<Query<ExportQuery>, QueryRejection>,
    body: std::result::Result<Json<Question>, JsonRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (Query(query), Json(question)) = (query?, body?);
    let format = dhis2::Format::parse(query.format.as_deref().unwrap_or("json"))?;
    let export = dhis2::export(&state.db, actor, &code, &question, format).await?;
    let (content_type, extension) = match format {
        dhis2::Format::DataValueSets => ("application/json", "json"),
        dhis2::Format::Adx => ("application/adx+xml", "xml"),
    };
    let safe: String = code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let filename = format!("{safe}-{}.{extension}", question.year);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::HeaderName::from_static("x-suppressed-values"), export.suppressed.to_string()),
        ],
        export.body,
    )
        .into_response())
}

/// The deployment's mapping to DHIS2 codes, sorted by kind and key.
#[utoipa::path(get, path = "/api/v1/dhis2/codes",
    responses((status = 200, body = Vec<Dhis2Code>), (status = 401, body = ApiError)))]
async fn list_codes(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Dhis2Code>>> {
    ctx.actor()?;
    Ok(Json(dhis2::codes(&state.db).await?))
}

/// Sets (or replaces) one code of the mapping: those who set up programmes for the whole
/// deployment; a kind not among `unit`, `school`, `indicator`, `category`, `option`,
/// `combo`, `dataset`, `measure`, or an empty key or code, is a 422 naming the field.
#[utoipa::path(put, path = "/api/v1/dhis2/codes", request_body = Dhis2Code,
    responses((status = 200, body = Dhis2Code), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn set_code(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<Dhis2Code>, JsonRejection>,
) -> Result<Json<Dhis2Code>> {
    let actor = ctx.actor()?;
    let Json(code) = body?;
    dhis2::set_code(&state.db, actor, &code.kind, &code.key, &code.code).await?;
    Ok(Json(Dhis2Code { kind: code.kind.trim().into(), key: code.key.trim().into(), code: code.code.trim().into() }))
}
