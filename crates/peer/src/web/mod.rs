//! The `/api/v1` routes of peer learning and coaching, as an [`opencpd_http::Area`]. Every
//! answer is limited to the caller's scope (the store checks it); out of scope is 404, in
//! scope but not allowed 403, bad input 422 naming each field.
//!
//! The pages are in [`pages`] (lists, meetings, visits, reports) and [`forms`] (a new PLC,
//! an action point, coaching relations, feedback bands, editing a PLC, terms and PLC models)
//! and [`studies`] (lesson study cycles: list, new, a cycle with its stages, observers,
//! artefacts and videos).

mod forms;
mod pages;
mod studies;

use crate::model::*;
use crate::store::reports::{
    self, ActionPointsReport, Cascade, Grouping, HeadTeachersVisited, LeadersOfLearning, PlcRegularity,
};
use crate::store::{coaching, lesson, plcs};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use opencpd_domain::peer::Band;
use opencpd_http::{ApiError, AppState, Area, Ctx, Error, Id, Result};
use opencpd_kernel::paging::{Page, Paged};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Peer learning and coaching, as the app merges it.
pub static AREA: Area = Area {
    name: "peer learning and coaching",
    templates: pages::TEMPLATES,
    pages: |_| pages::pages().merge(forms::pages()).merge(studies::pages()),
    api: |_| router(),
    openapi: || ApiDoc::openapi(),
    imports: &[],
    after_write: opencpd_http::nothing_after_write,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/peer/terms", get(list_terms).post(create_term))
        .route("/plc-models", get(list_models).post(create_model))
        .route("/plc-models/{id}", get(get_model))
        .route("/plcs", get(list_plcs).post(create_plc))
        .route("/plcs/{id}", get(get_plc).put(update_plc))
        .route("/plcs/{id}/people", get(plc_people))
        .route("/plcs/{id}/meetings", get(list_meetings).post(record_meeting))
        .route("/plcs/{id}/carried-over", get(carried_over))
        .route("/plc-meetings/{id}", get(get_meeting))
        .route("/action-points/{id}", put(update_action_point))
        .route("/action-points/{id}/history", get(action_point_history))
        .route("/lesson-studies", get(list_lesson_studies).post(create_lesson_study))
        .route("/lesson-studies/{id}", get(get_lesson_study))
        .route("/lesson-studies/{id}/stage", put(set_stage))
        .route("/lesson-studies/{id}/observations", post(link_observation))
        .route("/lesson-studies/{id}/videos", post(add_video))
        .route("/lesson-studies/{id}/artefacts", post(add_artefact))
        .route("/lesson-study-artefacts/{id}", get(get_artefact))
        .route("/coaching/relations", get(list_relations).post(create_relation))
        .route("/coaching/visits", post(record_visit))
        .route("/coaching/visits/{id}", get(get_visit))
        .route("/coaching/coaches/{id}/plan", get(visit_plan))
        .route("/coaching/coaches/{id}/visits/export", get(export_visits))
        .route("/feedback-bands", put(save_bands))
        .route("/peer/reports/cascade", get(cascade))
        .route("/peer/reports/head-teachers-visited", get(head_teachers_visited))
        .route("/peer/reports/plc-regularity", get(plc_regularity))
        .route("/peer/reports/action-points", get(action_points))
        .route("/peer/reports/leaders-of-learning", get(leaders_of_learning))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_terms,
    create_term,
    list_models,
    create_model,
    get_model,
    list_plcs,
    create_plc,
    get_plc,
    update_plc,
    plc_people,
    list_meetings,
    record_meeting,
    carried_over,
    get_meeting,
    update_action_point,
    action_point_history,
    list_lesson_studies,
    create_lesson_study,
    get_lesson_study,
    add_artefact,
    get_artefact,
    set_stage,
    link_observation,
    add_video,
    list_relations,
    create_relation,
    record_visit,
    get_visit,
    visit_plan,
    export_visits,
    save_bands,
    cascade,
    head_teachers_visited,
    plc_regularity,
    action_points,
    leaders_of_learning,
), components(schemas(Paged<LessonStudyLine>)))]
struct ApiDoc;

use opencpd_http::ok;

fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// ---------------------------------------------------------------- terms and models

#[utoipa::path(get, path = "/api/v1/peer/terms", responses((status = 200, body = Vec<Term>)))]
async fn list_terms(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Term>>> {
    ctx.actor()?;
    Ok(Json(plcs::terms(&state.db).await?))
}

#[utoipa::path(post, path = "/api/v1/peer/terms", request_body = TermInput, responses((status = 201, body = Term), (status = 422, body = ApiError)))]
async fn create_term(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<TermInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(plcs::create_term(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/plc-models", request_body = PlcModelInput, responses((status = 201, body = PlcModel), (status = 422, body = ApiError)))]
async fn create_model(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<PlcModelInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(plcs::create_model(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/plc-models", responses((status = 200, body = Vec<PlcModel>, description = "Every PLC model with its steps, by code")))]
async fn list_models(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<PlcModel>>> {
    ctx.actor()?;
    Ok(Json(plcs::models(&state.db).await?))
}

#[utoipa::path(get, path = "/api/v1/plc-models/{id}", params(("id" = i64, Path)), responses((status = 200, body = PlcModel), (status = 404, body = ApiError)))]
async fn get_model(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<PlcModel>> {
    ctx.actor()?;
    Ok(Json(plcs::model(&state.db, id).await?))
}

// ---------------------------------------------------------------- PLCs and meetings

#[utoipa::path(get, path = "/api/v1/plcs", responses((status = 200, body = Vec<Plc>, description = "The PLCs in the caller's scope and those they belong to")))]
async fn list_plcs(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Plc>>> {
    Ok(Json(plcs::plcs(&state.db, ctx.actor()?).await?))
}

#[utoipa::path(post, path = "/api/v1/plcs", request_body = PlcInput, responses((status = 201, body = Plc), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn create_plc(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<PlcInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(plcs::create_plc(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/plcs/{id}", params(("id" = i64, Path)), responses((status = 200, body = Plc), (status = 404, body = ApiError)))]
async fn get_plc(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Plc>> {
    Ok(Json(plcs::plc(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(put, path = "/api/v1/plcs/{id}", params(("id" = i64, Path)), request_body = PlcUpdate,
    responses((status = 200, body = Plc), (status = 422, body = ApiError, description = "Unknown fields, people, places, programmes or models; a place out of the caller's scope; a facilitator or supporting officer with no position at, in or over the PLC's place"),
        (status = 409, body = ApiError, description = "A stale version"), (status = 403, body = ApiError, description = "The caller reads the PLC but does not set PLCs up at its place"), (status = 404, body = ApiError)))]
async fn update_plc(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<PlcUpdate>, JsonRejection>,
) -> Result<Json<Plc>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    Ok(Json(plcs::update_plc(&state.db, actor, id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/plcs/{id}/people", params(("id" = i64, Path)), responses((status = 200, body = Vec<PlcPerson>), (status = 404, body = ApiError)))]
async fn plc_people(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<PlcPerson>>> {
    Ok(Json(plcs::plc_people(&state.db, ctx.actor()?, id).await?))
}

/// A meeting in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingLine {
    pub id: i64,
    pub held_on: chrono::NaiveDate,
}

#[utoipa::path(get, path = "/api/v1/plcs/{id}/meetings", params(("id" = i64, Path)), responses((status = 200, body = Vec<MeetingLine>), (status = 404, body = ApiError)))]
async fn list_meetings(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<MeetingLine>>> {
    let list = plcs::meetings(&state.db, ctx.actor()?, id).await?;
    Ok(Json(list.into_iter().map(|(id, held_on)| MeetingLine { id, held_on }).collect()))
}

#[utoipa::path(post, path = "/api/v1/plcs/{id}/meetings", params(("id" = i64, Path)), request_body = MeetingInput,
    responses((status = 201, body = Meeting, description = "Stored now"), (status = 200, body = Meeting, description = "Stored before under this client id (`uuid`): nothing written"),
        (status = 422, body = ApiError, description = "A date in the future, an action point without an owner, unknown people or standards, a client id that is not a UUID"), (status = 409, body = ApiError, description = "A point carried over changed since the version named"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn record_meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<MeetingInput>, JsonRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    // A body that does not read is refused first, whatever the id (as on every write route).
    let Json(input) = ok(body)?;
    plcs::plc_to_run(&state.db, actor, id).await?;
    let (meeting, new) = plcs::record_meeting(&state.db, actor, id, &input).await?;
    Ok(if new { created(meeting) } else { Json(meeting).into_response() })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OnQuery {
    /// The meeting day (YYYY-MM-DD); today when absent.
    pub on: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/plcs/{id}/carried-over", params(("id" = i64, Path), OnQuery), responses((status = 200, body = Vec<ActionPoint>, description = "The action points that reappear at a meeting held that day"), (status = 404, body = ApiError)))]
async fn carried_over(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<OnQuery>, QueryRejection>,
) -> Result<Json<Vec<ActionPoint>>> {
    let Query(q) = ok(q)?;
    let day = match q.on.as_deref() {
        Some(d) => opencpd_domain::registry::parse_date(d).map_err(|p| p.in_column("on"))?,
        None => opencpd_kernel::today(),
    };
    Ok(Json(plcs::carried_to(&state.db, ctx.actor()?, id, day).await?))
}

#[utoipa::path(get, path = "/api/v1/plc-meetings/{id}", params(("id" = i64, Path)), responses((status = 200, body = Meeting), (status = 404, body = ApiError)))]
async fn get_meeting(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Meeting>> {
    Ok(Json(plcs::meeting(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(put, path = "/api/v1/action-points/{id}", params(("id" = i64, Path)), request_body = ActionPointUpdate,
    responses((status = 200, body = ActionPoint), (status = 409, body = ApiError, description = "A stale version"), (status = 422, body = ApiError), (status = 404, body = ApiError)))]
async fn update_action_point(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ActionPointUpdate>, JsonRejection>,
) -> Result<Json<ActionPoint>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    Ok(Json(plcs::update_action_point(&state.db, actor, &ActionPointUpdate { id, ..input }).await?))
}

#[utoipa::path(get, path = "/api/v1/action-points/{id}/history", params(("id" = i64, Path)), responses((status = 200, body = Vec<ActionPointChange>), (status = 404, body = ApiError)))]
async fn action_point_history(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> Result<Json<Vec<ActionPointChange>>> {
    Ok(Json(plcs::action_point_history(&state.db, ctx.actor()?, id).await?))
}

// ---------------------------------------------------------------- lesson study

#[utoipa::path(get, path = "/api/v1/lesson-studies", params(Page),
    responses((status = 200, body = Paged<LessonStudyLine>, description = "The lesson studies of the PLCs the caller reads, one page"), (status = 422, body = ApiError)))]
async fn list_lesson_studies(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<LessonStudyLine>>> {
    let actor = ctx.actor()?;
    let Query(page) = ok(q)?;
    Ok(Json(lesson::lesson_list(&state.db, actor, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/lesson-studies", request_body = LessonStudyInput, responses((status = 201, body = LessonStudy), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn create_lesson_study(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<LessonStudyInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(lesson::create_lesson_study(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/lesson-studies/{id}", params(("id" = i64, Path)), responses((status = 200, body = LessonStudy), (status = 404, body = ApiError)))]
async fn get_lesson_study(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<LessonStudy>> {
    Ok(Json(lesson::lesson_study(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(put, path = "/api/v1/lesson-studies/{id}/stage", params(("id" = i64, Path)), request_body = StageInput, responses((status = 200, body = LessonStudy), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn set_stage(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<StageInput>, JsonRejection>,
) -> Result<Json<LessonStudy>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    Ok(Json(lesson::set_stage(&state.db, actor, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/lesson-studies/{id}/observations", params(("id" = i64, Path)), request_body = ObservationLink, responses((status = 200, body = LessonStudy), (status = 422, body = ApiError)))]
async fn link_observation(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ObservationLink>, JsonRejection>,
) -> Result<Json<LessonStudy>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    Ok(Json(lesson::link_observation(&state.db, actor, id, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/lesson-studies/{id}/videos", params(("id" = i64, Path)), request_body = VideoInput, responses((status = 200, body = LessonStudy), (status = 422, body = ApiError)))]
async fn add_video(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<VideoInput>, JsonRejection>,
) -> Result<Json<LessonStudy>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    Ok(Json(lesson::add_video(&state.db, actor, id, &input).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArtefactQuery {
    /// lesson_plan, digitised_lesson, photo or other.
    pub kind: String,
    /// The file's name, as it is to be downloaded.
    pub file_name: String,
}

#[utoipa::path(post, path = "/api/v1/lesson-studies/{id}/artefacts", params(("id" = i64, Path), ArtefactQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file: PDF, PNG, JPEG or an Office document, at most 20 MB"),
    responses((status = 201, body = Artefact), (status = 422, body = ApiError, description = "A file too large or of a type not taken (read from its content), an unknown kind")))]
async fn add_artefact(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ArtefactQuery>, QueryRejection>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let upload = lesson::Upload { kind: &q.kind, file_name: &q.file_name, bytes: &body };
    let limits = crate::artefacts::limits();
    Ok(created(lesson::add_artefact(&state.db, actor, &state.files, &limits, id, &upload).await?))
}

#[utoipa::path(get, path = "/api/v1/lesson-study-artefacts/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, for whoever reads its lesson study"), (status = 404, body = ApiError)))]
async fn get_artefact(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    let (a, bytes) = lesson::artefact(&state.db, ctx.actor()?, &state.files, id).await?;
    let name: String = a.file_name.chars().filter(|c| !c.is_control() && !matches!(c, '"' | '\\')).collect();
    Ok(opencpd_http::download::file(&a.content_type, &name, bytes))
}

// ---------------------------------------------------------------- coaching

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeQuery {
    /// The programme's code.
    pub programme: String,
}

#[utoipa::path(get, path = "/api/v1/coaching/relations", params(ProgrammeQuery), responses((status = 200, body = Vec<Relation>), (status = 422, body = ApiError)))]
async fn list_relations(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ProgrammeQuery>, QueryRejection>,
) -> Result<Json<Vec<Relation>>> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    Ok(Json(coaching::relations(&state.db, actor, &q.programme).await?))
}

#[utoipa::path(post, path = "/api/v1/coaching/relations", request_body = RelationInput,
    responses((status = 201, body = Relation), (status = 422, body = ApiError, description = "A loop in the cascade, unknown people, out of scope"), (status = 409, body = ApiError)))]
async fn create_relation(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<RelationInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(coaching::create_relation(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(post, path = "/api/v1/coaching/visits", request_body = VisitInput,
    responses((status = 201, body = Visit, description = "Stored now"), (status = 200, body = Visit, description = "Stored before under this client id: nothing written"),
        (status = 422, body = ApiError, description = "Not the coachee's coach (`coach_id`), a date in the future, unknown standards, an unknown submission (`submission_id`, or `submission_uuid`: the client id the field app sent it with)")))]
async fn record_visit(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<VisitInput>, JsonRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    let (visit, new) = coaching::record_visit(&state.db, actor, &input, ctx.lang).await?;
    Ok(if new { created(visit) } else { Json(visit).into_response() })
}

#[utoipa::path(get, path = "/api/v1/coaching/visits/{id}", params(("id" = i64, Path)), responses((status = 200, body = Visit, description = "With the feedback of its observation in the reader's language"), (status = 404, body = ApiError)))]
async fn get_visit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Visit>> {
    Ok(Json(coaching::visit(&state.db, ctx.actor()?, id, ctx.lang).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TermQuery {
    /// A term's name; the term today falls in when absent.
    pub term: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/coaching/coaches/{id}/plan", params(("id" = i64, Path), TermQuery), responses((status = 200, body = Vec<PlanEntry>), (status = 404, body = ApiError)))]
async fn visit_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<TermQuery>, QueryRejection>,
) -> Result<Json<Vec<PlanEntry>>> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let term = plcs::term_named(&state.db, q.term.as_deref()).await?;
    Ok(Json(coaching::visit_plan(&state.db, actor, id, &term).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// A term's name; the term today falls in when absent.
    pub term: Option<String>,
    /// `csv` (the default) or `xlsx`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/coaching/coaches/{id}/visits/export", params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "The coach's visits in the term, with the instrument of each observation, as CSV or XLSX"), (status = 404, body = ApiError)))]
async fn export_visits(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let format =
        opencpd_transfer::Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let term = plcs::term_named(&state.db, q.term.as_deref()).await?;
    let lines = coaching::coach_visits(&state.db, actor, id, &term).await?;
    let mut bytes = Vec::new();
    opencpd_transfer::write_table(format, coaching::VISIT_COLUMNS, lines.iter().map(|l| l.cells()), &mut bytes)
        .map_err(|e| Error::Internal(e.into()))?;
    let disposition = format!("attachment; filename=\"visits-{id}-{}.{}\"", term.name, format.extension());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, format.content_type().to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// A band as saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedBand {
    pub min: f64,
    pub max: f64,
    pub label: String,
    pub feedback: String,
}

#[utoipa::path(put, path = "/api/v1/feedback-bands", request_body = BandsInput, responses((status = 200, body = Vec<SavedBand>), (status = 422, body = ApiError), (status = 403, body = ApiError)))]
async fn save_bands(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<BandsInput>, JsonRejection>,
) -> Result<Json<Vec<SavedBand>>> {
    let actor = ctx.actor()?;
    let Json(input) = ok(body)?;
    let bands: Vec<Band> = coaching::save_bands(&state.db, actor, &input).await?;
    Ok(Json(
        bands.into_iter().map(|b| SavedBand { min: b.min, max: b.max, label: b.label, feedback: b.feedback }).collect(),
    ))
}

// ---------------------------------------------------------------- reports

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// A term's name; the term today falls in when absent.
    pub term: Option<String>,
    /// The unit level rows are grouped by (sector, district, …); `sector` when absent.
    pub level: Option<String>,
    /// Only within this unit (its code).
    pub within: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CascadeQuery {
    /// The programme's code.
    pub programme: String,
    pub term: Option<String>,
    /// Only within this unit (its code): a district's cascade.
    pub within: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/peer/reports/cascade", params(CascadeQuery), responses((status = 200, body = Cascade), (status = 422, body = ApiError)))]
async fn cascade(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<CascadeQuery>, QueryRejection>,
) -> Result<Json<Cascade>> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let term = plcs::term_named(&state.db, q.term.as_deref()).await?;
    Ok(Json(reports::cascade(&state.db, actor, &q.programme, &term, q.within.as_deref()).await?))
}

async fn grouped<T>(
    state: &AppState,
    ctx: &Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
    report: impl AsyncFnOnce(&opencpd_kernel::Db, &opencpd_kernel::Actor, &Grouping<'_>) -> opencpd_kernel::Result<T>,
) -> Result<Json<T>> {
    let actor = ctx.actor()?;
    let Query(q) = ok(q)?;
    let term = plcs::term_named(&state.db, q.term.as_deref()).await?;
    let g = Grouping { term: &term, level: q.level.as_deref().unwrap_or("sector"), within: q.within.as_deref() };
    Ok(Json(report(&state.db, actor, &g).await?))
}

#[utoipa::path(get, path = "/api/v1/peer/reports/head-teachers-visited", params(ReportQuery), responses((status = 200, body = HeadTeachersVisited), (status = 422, body = ApiError)))]
async fn head_teachers_visited(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<HeadTeachersVisited>> {
    grouped(&state, &ctx, q, reports::head_teachers_visited).await
}

#[utoipa::path(get, path = "/api/v1/peer/reports/plc-regularity", params(ReportQuery), responses((status = 200, body = PlcRegularity), (status = 422, body = ApiError)))]
async fn plc_regularity(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<PlcRegularity>> {
    grouped(&state, &ctx, q, reports::plc_regularity).await
}

#[utoipa::path(get, path = "/api/v1/peer/reports/action-points", params(ReportQuery), responses((status = 200, body = ActionPointsReport), (status = 422, body = ApiError)))]
async fn action_points(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<ActionPointsReport>> {
    grouped(&state, &ctx, q, reports::action_points).await
}

#[utoipa::path(get, path = "/api/v1/peer/reports/leaders-of-learning", params(ReportQuery), responses((status = 200, body = LeadersOfLearning), (status = 422, body = ApiError)))]
async fn leaders_of_learning(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<LeadersOfLearning>> {
    grouped(&state, &ctx, q, reports::leaders_of_learning).await
}
