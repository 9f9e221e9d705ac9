//! The registry's pages and `/api/v1` routes, as an [`opencpd_http::Area`]: units and the
//! schools below them, schools, people and their positions, clusters, subjects, and the
//! registry's files (imports through the one import route; exports in the same columns).
//!
//! The school and person pages stay with the assembly (`opencpd-web`): they show what
//! other areas hold about a school or a person beside the registry's record.

use crate::store::exports;
use crate::store::{
    self as registry, Cluster, ClusterInput, NewPerson, Person, PersonInput, Position, PositionInput, School,
    SchoolInput, StaffMember, Subject, Unit, UnitStats, UnitSummary,
};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_domain::import::ImportKind;
use opencpd_http::{ApiError, AppState, Area, Ctx, Id, Result, download, ok};
use opencpd_kernel::Db;
use opencpd_kernel::cache::Cache;
use opencpd_kernel::paging::{Page, Paged};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The registry's pages, API, OpenAPI document and kinds of import file.
pub static AREA: Area = Area {
    name: "registry",
    templates: TEMPLATES,
    pages: |_| pages(),
    api: |_| api(),
    openapi: || RegistryApi::openapi(),
    imports: &crate::store::imports::KINDS,
    after_write: forget_counts,
};

/// The templates of its pages.
const TEMPLATES: &[(&str, &str)] = &[
    ("registry/unit.html", include_str!("../../templates/registry/unit.html")),
    ("registry/people.html", include_str!("../../templates/registry/people.html")),
    ("registry/schools.html", include_str!("../../templates/registry/schools.html")),
];

/// The registry counts the pages show, kept for 30 seconds and dropped on every write made
/// through this server (writes from another process show within that time).
static STATS: Cache<(), Arc<UnitStats>> = Cache::new("unit counts", 64, Some(std::time::Duration::from_secs(30)));

/// The counts under every unit, from [`STATS`] or read afresh.
pub async fn unit_stats(db: &Db) -> Result<Arc<UnitStats>> {
    Ok(STATS.get_or_compute(db, (), || async { Ok(Arc::new(registry::unit_stats(db).await?)) }).await?)
}

/// Any successful write, in any area or through the one import route, may change the
/// counts: drop them (and keep a count under way, which may have read before the write,
/// from being kept).
fn forget_counts(db: &Db) {
    STATS.remove(db, &());
}

fn pages() -> Router<AppState> {
    Router::new()
        .route("/units/{id}", get(unit_page))
        .route("/export/{kind}", get(export_file))
        .route("/people", get(people_page))
        .route("/schools", get(schools_page))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/units", get(list_units))
        .route("/units/{id}", get(get_unit))
        .route("/units/{id}/children", get(unit_children))
        .route("/units/{id}/schools", get(unit_schools))
        .route("/schools", get(list_schools).post(create_school))
        .route("/schools/{id}", get(get_school).put(update_school))
        .route("/schools/{id}/staff", get(school_staff))
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).put(update_person))
        .route("/people/{id}/positions", post(add_position))
        .route("/positions/{id}/end", post(end_position))
        .route("/exports/{kind}", get(export))
        .route("/clusters", post(create_cluster))
        .route("/clusters/{id}", get(get_cluster))
        .route("/subjects", get(list_subjects))
}

#[derive(OpenApi)]
#[openapi(
    paths(create_cluster, get_cluster, list_subjects, get_unit, unit_children, unit_schools, create_school, get_school, update_school, school_staff, create_person, get_person, update_person, add_position, end_position, export, list_schools, list_people, list_units),
    components(schemas(Cluster, ClusterInput, ClusterWithSchools, Subject, ApiError, Unit, UnitSummary, School, SchoolInput, NewSchool, SchoolUpdate, StaffMember, Person, PersonInput, PersonUpdate, NewPerson, Position, PositionInput, EndPosition, PersonWithPositions, Paged<School>, Paged<Person>, Paged<Unit>))
)]
struct RegistryApi;

use opencpd_http::render::value as v;

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

/// The people the reader may read, paged, sorted and searched by name or staff number, as
/// `GET /api/v1/people` gives them.
async fn people_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Html<String>> {
    let Query(page) = q?;
    let people = registry::people(&state.db, ctx.actor()?, &page).await?;
    let list = opencpd_http::render::ListView::of(&people, &page);
    state.templates.page(&ctx, "registry/people.html", minijinja::context! { people => v(&people.items), list })
}

/// The schools in the reader's scope, paged, sorted and searched by name or code, as
/// `GET /api/v1/schools` gives them.
async fn schools_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Html<String>> {
    let Query(page) = q?;
    let schools = registry::schools(&state.db, ctx.actor()?, &page).await?;
    let list = opencpd_http::render::ListView::of(&schools, &page);
    state.templates.page(&ctx, "registry/schools.html", minijinja::context! { schools => v(&schools.items), list })
}

async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let unit = registry::unit(&state.db, actor, id).await?;
    let crumbs = registry::ancestors(&state.db, actor, &unit.path).await?;
    let stats = unit_stats(&state.db).await?;
    let children = registry::children(&state.db, actor, &unit, &stats).await?;
    let page = q.page.unwrap_or(1).max(1);
    // Large units list their schools on a search; the units below them list theirs.
    let searching = q.q.as_deref().is_some_and(|t| !t.trim().is_empty());
    let schools = if children.is_empty() || searching {
        registry::schools_under(&state.db, actor, &unit, q.q.as_deref(), page).await?
    } else {
        Vec::new()
    };
    let (total_schools, _) = stats.of(&unit.path);
    let levels = registry::levels(&state.db).await?;
    let level_name = |depth: i64| {
        levels
            .iter()
            .find(|l| l.country == unit.country && l.depth == depth)
            .map(|l| l.name(ctx.lang).to_string())
            .unwrap_or_default()
    };
    let more = schools.len() as i64 == registry::PAGE;
    state.templates.page(
        &ctx,
        "registry/unit.html",
        minijinja::context! {
            unit => v(&unit), crumbs => v(&crumbs), children => v(&children), schools => v(&schools), page, more, q => q.q.unwrap_or_default(),
            searching, total_schools,
            level => level_name(unit.depth), child_level => level_name(unit.depth + 1),
        },
    )
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

async fn export_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let kind = ImportKind::parse(&kind).map_err(|p| p.in_column("kind"))?;
    let format = download::format(q.format.as_deref())?;
    let (headers, rows) = exports::export(&state.db, actor, kind).await?;
    download::table(format, kind.key(), &headers, rows)
}

#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), responses((status = 200, body = Unit), (status = 404, body = ApiError)))]
async fn get_unit(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Unit>> {
    Ok(Json(registry::unit(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(get, path = "/api/v1/units/{id}/children", params(("id" = i64, Path)), responses((status = 200, body = Vec<UnitSummary>), (status = 404, body = ApiError)))]
async fn unit_children(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<UnitSummary>>> {
    let actor = ctx.actor()?;
    let unit = registry::unit(&state.db, actor, id).await?;
    let stats = unit_stats(&state.db).await?;
    Ok(Json(registry::children(&state.db, actor, &unit, &stats).await?))
}

#[derive(Deserialize, IntoParams)]
struct SchoolQuery {
    /// Part of a name or code.
    q: Option<String>,
    /// Page of 100, from 1.
    page: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/units/{id}/schools", params(("id" = i64, Path), SchoolQuery), responses((status = 200, body = Vec<School>), (status = 404, body = ApiError)))]
async fn unit_schools(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SchoolQuery>, QueryRejection>,
) -> Result<Json<Vec<School>>> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let unit = registry::unit(&state.db, actor, id).await?;
    Ok(Json(registry::schools_under(&state.db, actor, &unit, q.q.as_deref(), q.page.unwrap_or(1)).await?))
}

/// The units the actor may read: paged, sorted (`name`, `code`, `depth`) and searched by
/// name or code (`q`); what a form's unit picker offers.
#[utoipa::path(get, path = "/api/v1/units", params(Page), responses((status = 200, body = Paged<Unit>), (status = 422, body = ApiError)))]
async fn list_units(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Unit>>> {
    let Query(page) = ok(q)?;
    Ok(Json(registry::units(&state.db, ctx.actor()?, &page).await?))
}

/// The schools the actor may read: paged (`page`, `per_page`), sorted (`sort` one of `name`,
/// `code`, `unit`, `level`; `dir`) and searched by name or code (`q`).
#[utoipa::path(get, path = "/api/v1/schools", params(Page), responses((status = 200, body = Paged<School>), (status = 422, body = ApiError)))]
async fn list_schools(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<School>>> {
    let Query(page) = ok(q)?;
    Ok(Json(registry::schools(&state.db, ctx.actor()?, &page).await?))
}

/// The people the actor may read: paged, sorted (`family_name`, `given_name`,
/// `staff_number`) and searched by name or staff number (`q`).
#[utoipa::path(get, path = "/api/v1/people", params(Page), responses((status = 200, body = Paged<Person>), (status = 422, body = ApiError)))]
async fn list_people(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Person>>> {
    let Query(page) = ok(q)?;
    Ok(Json(registry::people(&state.db, ctx.actor()?, &page).await?))
}

/// A new school: the fields of a school and no other.
#[derive(Deserialize, ToSchema)]
struct NewSchool {
    #[serde(flatten)]
    school: SchoolInput,
    /// Any other field is refused.
    #[serde(flatten)]
    #[schema(ignore)]
    _unknown: opencpd_domain::input::UnknownFields,
}

#[utoipa::path(post, path = "/api/v1/schools", request_body = NewSchool, responses((status = 201, body = School), (status = 422, body = ApiError), (status = 409, body = ApiError)))]
async fn create_school(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<NewSchool>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let school = registry::create_school(&state.db, ctx.actor()?, &input.school).await?;
    Ok((StatusCode::CREATED, Json(school)).into_response())
}

#[utoipa::path(get, path = "/api/v1/schools/{id}", params(("id" = i64, Path)), responses((status = 200, body = School), (status = 404, body = ApiError)))]
async fn get_school(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<School>> {
    Ok(Json(registry::school(&state.db, ctx.actor()?, id).await?))
}

/// A school's new values with the version they were based on.
#[derive(Deserialize, ToSchema)]
struct SchoolUpdate {
    version: i64,
    #[serde(flatten)]
    school: SchoolInput,
    /// Any other field is refused.
    #[serde(flatten)]
    #[schema(ignore)]
    _unknown: opencpd_domain::input::UnknownFields,
}

#[utoipa::path(put, path = "/api/v1/schools/{id}", params(("id" = i64, Path)), request_body = SchoolUpdate, responses((status = 200, body = School), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn update_school(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<SchoolUpdate>, JsonRejection>,
) -> Result<Json<School>> {
    let Json(body) = ok(body)?;
    Ok(Json(registry::update_school(&state.db, ctx.actor()?, id, body.version, &body.school).await?))
}

#[utoipa::path(get, path = "/api/v1/schools/{id}/staff", params(("id" = i64, Path)), responses((status = 200, body = Vec<StaffMember>), (status = 404, body = ApiError)))]
async fn school_staff(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<StaffMember>>> {
    let actor = ctx.actor()?;
    let school = registry::school(&state.db, actor, id).await?;
    Ok(Json(registry::staff(&state.db, actor, &school).await?))
}

#[derive(Serialize, ToSchema)]
struct PersonWithPositions {
    #[serde(flatten)]
    person: Person,
    positions: Vec<Position>,
}

#[utoipa::path(post, path = "/api/v1/people", request_body = NewPerson, responses((status = 201, body = PersonWithPositions), (status = 422, body = ApiError), (status = 409, body = ApiError)))]
async fn create_person(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<NewPerson>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let (person, positions) = registry::create_person(&state.db, ctx.actor()?, &input).await?;
    Ok((StatusCode::CREATED, Json(PersonWithPositions { person, positions })).into_response())
}

#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = i64, Path)), responses((status = 200, body = PersonWithPositions), (status = 404, body = ApiError)))]
async fn get_person(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<PersonWithPositions>> {
    let (person, positions) = registry::person(&state.db, ctx.actor()?, id).await?;
    Ok(Json(PersonWithPositions { person, positions }))
}

#[derive(Deserialize, ToSchema)]
struct PersonUpdate {
    version: i64,
    #[serde(flatten)]
    person: PersonInput,
    /// Any other field is refused.
    #[serde(flatten)]
    #[schema(ignore)]
    _unknown: opencpd_domain::input::UnknownFields,
}

#[utoipa::path(put, path = "/api/v1/people/{id}", params(("id" = i64, Path)), request_body = PersonUpdate, responses((status = 200, body = Person), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn update_person(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<PersonUpdate>, JsonRejection>,
) -> Result<Json<Person>> {
    let Json(body) = ok(body)?;
    Ok(Json(registry::update_person(&state.db, ctx.actor()?, id, body.version, &body.person).await?))
}

#[utoipa::path(post, path = "/api/v1/people/{id}/positions", params(("id" = i64, Path)), request_body = PositionInput, responses((status = 201, body = Position), (status = 422, body = ApiError)))]
async fn add_position(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<PositionInput>, JsonRejection>,
) -> Result<Response> {
    let Json(body) = ok(body)?;
    let position = registry::add_position(&state.db, ctx.actor()?, id, &body).await?;
    Ok((StatusCode::CREATED, Json(position)).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct EndPosition {
    /// The last day the position is held, YYYY-MM-DD.
    end_date: String,
}

#[utoipa::path(post, path = "/api/v1/positions/{id}/end", params(("id" = i64, Path)), request_body = EndPosition, responses((status = 200, body = Position), (status = 422, body = ApiError)))]
async fn end_position(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<EndPosition>, JsonRejection>,
) -> Result<Json<Position>> {
    let Json(body) = ok(body)?;
    let end = opencpd_domain::registry::parse_date(&body.end_date).map_err(|p| p.in_column("end_date"))?;
    Ok(Json(registry::end_position(&state.db, ctx.actor()?, id, end).await?))
}

#[derive(Deserialize, IntoParams)]
struct ExportQuery {
    /// csv (default) or xlsx.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/exports/{kind}", params(("kind" = String, Path), ExportQuery), responses((status = 200, description = "The file, in the import's columns")))]
async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    kind: std::result::Result<Path<String>, PathRejection>,
    q: std::result::Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response> {
    let (Path(kind), Query(q)) = (ok(kind)?, ok(q)?);
    let actor = ctx.actor()?;
    let kind = ImportKind::parse(&kind).map_err(|p| p.in_column("kind"))?;
    let format = download::format(q.format.as_deref())?;
    let (headers, rows) = exports::export(&state.db, actor, kind).await?;
    download::table(format, kind.key(), &headers, rows)
}

#[derive(Serialize, ToSchema)]
struct ClusterWithSchools {
    #[serde(flatten)]
    cluster: Cluster,
    /// The member schools the caller may read.
    schools: Vec<School>,
}

#[utoipa::path(post, path = "/api/v1/clusters", request_body = ClusterInput, responses((status = 201, body = ClusterWithSchools), (status = 422, body = ApiError), (status = 409, body = ApiError)))]
async fn create_cluster(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ClusterInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let (cluster, schools) = registry::create_cluster(&state.db, ctx.actor()?, &input).await?;
    Ok((StatusCode::CREATED, Json(ClusterWithSchools { cluster, schools })).into_response())
}

#[utoipa::path(get, path = "/api/v1/clusters/{id}", params(("id" = i64, Path)), responses((status = 200, body = ClusterWithSchools), (status = 404, body = ApiError)))]
async fn get_cluster(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<ClusterWithSchools>> {
    let (cluster, schools) = registry::cluster(&state.db, ctx.actor()?, id).await?;
    Ok(Json(ClusterWithSchools { cluster, schools }))
}

#[utoipa::path(get, path = "/api/v1/subjects", responses((status = 200, body = Vec<Subject>)))]
async fn list_subjects(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Subject>>> {
    ctx.actor()?;
    Ok(Json(registry::subjects(&state.db).await?))
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }
}
