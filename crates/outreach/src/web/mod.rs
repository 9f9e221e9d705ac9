//! Outreach's pages and `/api/v1` routes, as an [`opencpd_http::Area`]: events (the list
//! with its totals and filters, one event, the form, files of events, the deployment's
//! kinds), resources delivered to schools and their checks, awards to teachers; exports
//! of events and resources as CSV or XLSX.
//!
//! The school, person and CPD record pages stay with the assembly and delivery: they show
//! outreach's records beside others, through [`school_resources`] and the templates
//! `outreach/school_resources.html` and `outreach/person_awards.html`. The award form
//! (`POST /people/{id}/awards`) stays with delivery too: its answer is the CPD record page.

use crate::store::awards::{self, Award, AwardCounts, AwardFilter, AwardInput};
use crate::store::outreach::{
    self, KindTotal, OutreachEvent, OutreachFilter, OutreachInput, OutreachKind, OutreachTotals, Participants,
    ReachedSchool,
};
use crate::store::resources::{self, CheckInput, Resource, ResourceCheck, ResourceFilter, ResourceInput};
use crate::store::{self as outreach_store};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_http::csrf::{CsrfForm, NoFields};
use opencpd_http::render::value as v;
use opencpd_http::{ApiError, AppState, Area, Ctx, Error, Id, Result, ok};
use opencpd_kernel::paging::{Page, Paged};
use opencpd_registry::store as registry;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, OpenApi};

/// Outreach's pages, API, OpenAPI document and kind of import file.
pub static AREA: Area = Area {
    name: "outreach",
    templates: TEMPLATES,
    pages: |_| pages(),
    api: |_| api(),
    openapi: || OutreachApi::openapi(),
    imports: &outreach::KINDS,
    after_write: opencpd_http::nothing_after_write,
};

/// The templates of its pages, and those the school, person and CPD record pages include.
const TEMPLATES: &[(&str, &str)] = &[
    ("outreach/outreach.html", include_str!("../../templates/outreach/outreach.html")),
    ("outreach/outreach_form.html", include_str!("../../templates/outreach/outreach_form.html")),
    ("outreach/outreach_event.html", include_str!("../../templates/outreach/outreach_event.html")),
    ("outreach/outreach_kinds.html", include_str!("../../templates/outreach/outreach_kinds.html")),
    ("outreach/resource.html", include_str!("../../templates/outreach/resource.html")),
    ("outreach/school_resources.html", include_str!("../../templates/outreach/school_resources.html")),
    ("outreach/school_resources_page.html", include_str!("../../templates/outreach/school_resources_page.html")),
    ("outreach/person_awards.html", include_str!("../../templates/outreach/person_awards.html")),
    ("outreach/awards.html", include_str!("../../templates/outreach/awards.html")),
];

fn pages() -> Router<AppState> {
    Router::new()
        .route("/outreach", get(outreach_page).post(create_outreach_form))
        .route("/outreach/{id}", get(event_page).post(edit_outreach_form))
        .route("/resources/{id}", get(resource_page))
        .route("/resources/{id}/checks", post(check_form))
        .route("/schools/{id}/resources", post(resource_form))
        .route("/outreach/{id}/delete", post(delete_outreach_form))
        .route("/outreach/import", post(import_outreach_form))
        .route("/outreach-kinds", get(kinds_page).post(kind_form))
        .route("/resources/{id}/delete", post(delete_resource_form))
        .route("/awards/{id}/delete", post(delete_award_form))
        .route("/awards", get(awards_page))
}

fn api() -> Router<AppState> {
    Router::new()
        .route("/outreach", get(list_outreach).post(create_outreach))
        .route("/outreach/export", get(export_outreach))
        .route("/outreach/totals", get(outreach_totals))
        .route("/outreach/{id}", get(get_outreach).put(update_outreach).delete(delete_outreach))
        .route("/outreach-kinds", get(list_outreach_kinds).put(set_outreach_kind))
        .route("/resources", get(list_resources).post(create_resource))
        .route("/resources/export", get(export_resources))
        .route("/resources/{id}", get(get_resource).delete(delete_resource))
        .route("/resources/{id}/checks", post(add_check))
        .route("/awards", get(list_awards).post(create_award))
        .route("/awards/export", get(export_awards))
        .route("/awards/counts", get(count_awards))
        .route("/awards/{id}", axum::routing::delete(delete_award))
        .route("/people/{id}/awards", get(person_awards))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_outreach,
        create_outreach,
        export_outreach,
        outreach_totals,
        get_outreach,
        delete_outreach,
        update_outreach,
        list_outreach_kinds,
        set_outreach_kind,
        list_resources,
        create_resource,
        export_resources,
        get_resource,
        delete_resource,
        add_check,
        create_award,
        list_awards,
        export_awards,
        count_awards,
        delete_award,
        person_awards
    ),
    components(schemas(
        OutreachEvent,
        OutreachInput,
        OutreachKind,
        OutreachTotals,
        KindTotal,
        Participants,
        ReachedSchool,
        Resource,
        ResourceCheck,
        ResourceInput,
        CheckInput,
        Award,
        AwardInput,
        AwardCounts,
        Paged<Award>,
        Paged<OutreachEvent>,
        Paged<Resource>,
        ApiError
    ))
)]
pub struct OutreachApi;

fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

// ---------------------------------------------------------------------------------------
// Page helpers

/// What a page form's store call gives, once the fields read without problems; the
/// problems themselves otherwise (nothing is stored).
async fn stored_if_read<T>(
    problems: Vec<Problem>,
    store: impl std::future::Future<Output = opencpd_kernel::Result<T>>,
) -> Result<T> {
    if problems.is_empty() { store.await.map_err(Error::from) } else { Err(Error::Invalid(problems)) }
}

/// A whole number from a form; empty is none, anything else not a number a problem.
fn whole(problems: &mut Vec<Problem>, raw: &str, column: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            problems.push(Problem::new("bad-number").in_column(column.to_string()).with_value(raw));
            None
        }
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn text(ctx: &Ctx, key: &str, args: &[(&str, String)]) -> String {
    opencpd_domain::i18n::catalog().text(ctx.lang, key, args)
}

/// The problems of a refused change, in the reader's language; other errors pass.
fn refused(ctx: &Ctx, e: Error) -> Result<(StatusCode, Vec<String>)> {
    match e {
        e @ (Error::Invalid(_) | Error::Conflict(_)) => {
            Ok((e.status(), e.problems().iter().map(|p| p.located(ctx.lang)).collect()))
        }
        e => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// API: outreach events

#[utoipa::path(get, path = "/api/v1/outreach", params(OutreachFilter, Page), responses((status = 200, body = Paged<OutreachEvent>, description = "The events the caller reads, one page: sorted by `start_date` (newest first by default), `title`, `kind`, `place` or `programme`; `q` searches the title and the name or code of the school or unit"), (status = 422, body = ApiError)))]
async fn list_outreach(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<OutreachFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<OutreachEvent>>> {
    let (Query(q), Query(page)) = (ok(q)?, ok(page)?);
    Ok(Json(outreach::event_list(&state.db, ctx.actor()?, &q, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/outreach", request_body = OutreachInput,
    responses((status = 201, body = OutreachEvent), (status = 422, body = ApiError, description = "An unknown kind, school or unit, a negative count, no place and no medium"), (status = 403, body = ApiError)))]
async fn create_outreach(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<OutreachInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(outreach::create_event(&state.db, ctx.actor()?, &input).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    /// csv (default) or xlsx.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/outreach/export", params(OutreachFilter, ExportQuery), responses((status = 200, description = "The events as CSV or XLSX")))]
async fn export_outreach(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<OutreachFilter>, QueryRejection>,
    f: std::result::Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response> {
    let (Query(q), Query(f)) = (ok(q)?, ok(f)?);
    let format =
        opencpd_transfer::Format::parse(f.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let actor = ctx.actor()?;
    let events = outreach::events(&state.db, actor, &q).await?;
    let hide_below = if actor.may(Action::ReadRows) {
        None
    } else {
        Some(opencpd_kernel::settings::small_cell_threshold(&state.db).await?)
    };
    let (headers, rows) = outreach::events_table(&events, hide_below, ctx.lang);
    opencpd_http::download::table(format, "outreach", &headers, rows)
}

#[utoipa::path(get, path = "/api/v1/outreach/totals", params(OutreachFilter), responses((status = 200, body = OutreachTotals)))]
async fn outreach_totals(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<OutreachFilter>, QueryRejection>,
) -> Result<Json<OutreachTotals>> {
    let Query(q) = ok(q)?;
    Ok(Json(outreach::totals(&state.db, ctx.actor()?, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/outreach/{id}", params(("id" = i64, Path)), responses((status = 200, body = OutreachEvent), (status = 404, body = ApiError)))]
async fn get_outreach(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<OutreachEvent>> {
    Ok(Json(outreach::event(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/outreach/{id}", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted, with the schools it listed"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_outreach(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<StatusCode> {
    outreach::delete_event(&state.db, ctx.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/outreach/{id}", params(("id" = i64, Path)), request_body = OutreachInput,
    responses((status = 200, body = OutreachEvent), (status = 422, body = ApiError), (status = 409, body = ApiError, description = "A stale version")))]
async fn update_outreach(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<OutreachInput>, JsonRejection>,
) -> Result<Json<OutreachEvent>> {
    let Json(input) = ok(body)?;
    Ok(Json(outreach::update_event(&state.db, ctx.actor()?, id, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/outreach-kinds", responses((status = 200, body = Vec<OutreachKind>)))]
async fn list_outreach_kinds(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<OutreachKind>>> {
    ctx.actor()?;
    Ok(Json(outreach::kinds(&state.db).await?))
}

#[utoipa::path(put, path = "/api/v1/outreach-kinds", request_body = OutreachKind, responses((status = 200, body = Vec<OutreachKind>), (status = 403, body = ApiError)))]
async fn set_outreach_kind(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<OutreachKind>, JsonRejection>,
) -> Result<Json<Vec<OutreachKind>>> {
    let Json(input) = ok(body)?;
    Ok(Json(outreach::set_kind(&state.db, ctx.actor()?, &input).await?))
}

// ---------------------------------------------------------------------------------------
// API: resources delivered to schools

#[utoipa::path(get, path = "/api/v1/resources", params(ResourceFilter, Page), responses((status = 200, body = Paged<Resource>, description = "Resources at the schools the caller reads, one page: sorted by `delivered_on` (newest first by default), `school`, `kind`, `quantity` or `programme`; `q` searches the school's name and code and the description"), (status = 422, body = ApiError)))]
async fn list_resources(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ResourceFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Resource>>> {
    let (Query(q), Query(page)) = (ok(q)?, ok(page)?);
    Ok(Json(resources::resource_list(&state.db, ctx.actor()?, &q, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/resources/export", params(ResourceFilter, ExportQuery), responses((status = 200, description = "The resources as CSV or XLSX")))]
async fn export_resources(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<ResourceFilter>, QueryRejection>,
    f: std::result::Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response> {
    let (Query(q), Query(f)) = (ok(q)?, ok(f)?);
    let format =
        opencpd_transfer::Format::parse(f.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let rows = resources::resources(&state.db, ctx.actor()?, &q).await?;
    let (headers, rows) = resources::resources_table(&rows);
    opencpd_http::download::table(format, "resources", &headers, rows)
}

#[utoipa::path(post, path = "/api/v1/resources", request_body = ResourceInput,
    responses((status = 201, body = Resource), (status = 422, body = ApiError, description = "An unknown school or kind, a quantity below 1, a date in the future")))]
async fn create_resource(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<ResourceInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(resources::create_resource(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", params(("id" = i64, Path)), responses((status = 200, body = Resource), (status = 404, body = ApiError)))]
async fn get_resource(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Resource>> {
    Ok(Json(resources::resource(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted, with its checks"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_resource(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<StatusCode> {
    resources::delete_resource(&state.db, ctx.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/resources/{id}/checks", params(("id" = i64, Path)), request_body = CheckInput,
    responses((status = 201, body = Resource), (status = 422, body = ApiError, description = "A check dated before the delivery or in the future, an unknown state")))]
async fn add_check(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<CheckInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(resources::add_check(&state.db, ctx.actor()?, id, &input).await?))
}

// ---------------------------------------------------------------------------------------
// API: awards

#[utoipa::path(delete, path = "/api/v1/awards/{id}", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete_award(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<StatusCode> {
    awards::delete_award(&state.db, ctx.actor()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/awards", request_body = AwardInput, responses((status = 201, body = Award), (status = 422, body = ApiError)))]
async fn create_award(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<AwardInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    Ok(created(awards::create_award(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/awards", params(AwardFilter, Page),
    responses((status = 200, body = Paged<Award>, description = "The awards to people in the caller's scope, one page: sorted by `awarded_on` (newest first by default), `name`, `family_name` or `programme`; `q` searches the award's name, the person's name and staff number"), (status = 422, body = ApiError)))]
async fn list_awards(
    State(state): State<AppState>,
    ctx: Ctx,
    f: std::result::Result<Query<AwardFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<Award>>> {
    let (Query(f), Query(page)) = (ok(f)?, ok(page)?);
    Ok(Json(awards::awards(&state.db, ctx.actor()?, &f, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/awards/counts", params(AwardFilter),
    responses((status = 200, body = AwardCounts, description = "How many awards and people awarded the filter holds in the caller's scope; without row-level rights small counts read \"<n\""), (status = 422, body = ApiError)))]
async fn count_awards(
    State(state): State<AppState>,
    ctx: Ctx,
    f: std::result::Result<Query<AwardFilter>, QueryRejection>,
) -> Result<Json<AwardCounts>> {
    let Query(f) = ok(f)?;
    Ok(Json(awards::award_counts(&state.db, ctx.actor()?, &f).await?))
}

#[utoipa::path(get, path = "/api/v1/awards/export", params(AwardFilter, ExportQuery), responses((status = 200, description = "The awards as CSV or XLSX"), (status = 422, body = ApiError)))]
async fn export_awards(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<AwardFilter>, QueryRejection>,
    f: std::result::Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response> {
    let (Query(q), Query(f)) = (ok(q)?, ok(f)?);
    let format =
        opencpd_transfer::Format::parse(f.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let list = awards::all_awards(&state.db, ctx.actor()?, &q).await?;
    let (headers, rows) = awards::awards_table(&list);
    opencpd_http::download::table(format, "awards", &headers, rows)
}

/// The awards page's filter as its form sends it: a field left blank is no filter.
#[derive(Deserialize)]
struct AwardPageFilter {
    #[serde(default)]
    programme_id: Option<String>,
    #[serde(default)]
    unit_id: Option<String>,
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
}

impl AwardPageFilter {
    fn read(&self) -> Result<AwardFilter> {
        fn number<T: std::str::FromStr>(value: &Option<String>, column: &str) -> Result<Option<T>> {
            match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| {
                    opencpd_kernel::Error::from(Problem::new("bad-number").in_column(column).with_value(v)).into()
                }),
            }
        }
        Ok(AwardFilter {
            programme_id: number(&self.programme_id, "programme_id")?,
            unit_id: number(&self.unit_id, "unit_id")?,
            year: number(&self.year, "year")?,
            event_id: number(&self.event_id, "event_id")?,
        })
    }
}

/// The awards page: the list with its filters (programme, unit, year), search, sort,
/// pages, counts and export links.
async fn awards_page(
    State(state): State<AppState>,
    ctx: Ctx,
    f: std::result::Result<Query<AwardPageFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<axum::response::Html<String>> {
    let (Query(f), Query(page)) = (f?, page?);
    let f = f.read()?;
    let actor = ctx.actor()?;
    let list = awards::awards(&state.db, actor, &f, &page).await?;
    let counts = awards::award_counts(&state.db, actor, &f).await?;
    let programmes = outreach_store::programme_choices(&state.db).await?;
    let unit = match f.unit_id {
        Some(id) => Some(registry::unit(&state.db, actor, id).await?),
        None => None,
    };
    // The filter again, for the sort, page and export links (numbers only).
    let mut kept: Vec<String> = Vec::new();
    if let Some(p) = f.programme_id {
        kept.push(format!("programme_id={p}"));
    }
    if let Some(u) = f.unit_id {
        kept.push(format!("unit_id={u}"));
    }
    if let Some(y) = f.year {
        kept.push(format!("year={y}"));
    }
    if let Some(e) = f.event_id {
        kept.push(format!("event_id={e}"));
    }
    let event = match f.event_id {
        Some(id) => Some(outreach::event(&state.db, actor, id).await?),
        None => None,
    };
    state.templates.page(
        &ctx,
        "outreach/awards.html",
        minijinja::context! {
            awards => v(&list.items), list => opencpd_http::render::ListView::of(&list, &page), counts => v(&counts),
            programmes => v(&programmes), filter => v(&f), unit => v(&unit), event => v(&event), kept => kept.join("&"),
        },
    )
}

#[utoipa::path(get, path = "/api/v1/people/{id}/awards", params(("id" = i64, Path)), responses((status = 200, body = Vec<Award>), (status = 404, body = ApiError)))]
async fn person_awards(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Vec<Award>>> {
    Ok(Json(awards::awards_of(&state.db, ctx.actor()?, id).await?))
}

// ---------------------------------------------------------------------------------------
// Pages: outreach events

/// The deployment's outreach kinds by key, named in the reader's language (the programme
/// page names its outreach totals so).
pub async fn kind_names(state: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>> {
    Ok(outreach::kinds(&state.db).await?.into_iter().map(|k| (k.key.clone(), k.name(ctx.lang).to_string())).collect())
}

async fn kinds_list(state: &AppState, ctx: &Ctx) -> Result<Vec<minijinja::Value>> {
    Ok(outreach::kinds(&state.db)
        .await?
        .iter()
        .map(|k| minijinja::context! { key => &k.key, name => k.name(ctx.lang) })
        .collect())
}

#[derive(Deserialize, Default)]
struct OutreachQuery {
    kind: Option<String>,
    programme_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

async fn outreach_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OutreachQuery>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Response> {
    let Query(page) = page?;
    render_outreach(&state, &ctx, q, &page, None, None, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render_outreach(
    state: &AppState,
    ctx: &Ctx,
    q: OutreachQuery,
    page: &Page,
    problems: Option<Vec<String>>,
    form: Option<&OutreachInput>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let filter = OutreachFilter {
        kind: blank(&q.kind),
        programme_id: blank(&q.programme_id).and_then(|p| p.parse().ok()),
        unit_id: None,
        from: blank(&q.from),
        to: blank(&q.to),
    };
    let list = outreach::event_list(&state.db, actor, &filter, page).await?;
    let totals = outreach::totals(&state.db, actor, &filter).await?;
    let events: Vec<_> = list
        .items
        .iter()
        .map(|e| minijinja::context! { female => e.participants.female(), male => e.participants.male(), ..v(e) })
        .collect();
    let programmes = outreach_store::programme_choices(&state.db).await?;
    // The filter again, for the export links (keys and dates: letters, digits, - and _).
    let safe = |v: &str| v.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>();
    let query: Vec<String> = [
        ("kind", filter.kind.clone()),
        ("programme_id", filter.programme_id.map(|i| i.to_string())),
        ("from", filter.from.clone()),
        ("to", filter.to.clone()),
    ]
    .into_iter()
    .filter_map(|(k, val)| val.map(|val| format!("{k}={}", safe(&val))))
    .collect();
    let query = query.join("&");
    let html = state.templates.page(
        ctx,
        "outreach/outreach.html",
        minijinja::context! {
            events, list => opencpd_http::render::ListView::of(&list, page), totals => v(&totals), filter => v(&filter),
            query, programmes => v(&programmes),
            kinds => kinds_list(state, ctx).await?, kind_names => v(&kind_names(state, ctx).await?),
            media => v(&outreach::MEDIA), categories => v(&outreach::CATEGORIES),
            manage => actor.may(Action::ManageCohorts), problems, form => v(&form), notice,
            import_columns => outreach::IMPORT_COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(", "), manage_kinds => actor.may(Action::ManageProgrammes),
        },
    )?;
    Ok((status, html).into_response())
}

/// An outreach event from the page's form; numbers that are not numbers are problems.
fn outreach_from_form(fields: &[(String, String)]) -> (OutreachInput, Vec<Problem>) {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    let mut number = |k: &str, column: String| -> Option<i64> {
        let raw = get(k);
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push(Problem::new("bad-number").in_column(column).with_value(raw));
                None
            }
        }
    };
    let mut cells = [0i64; 10];
    for (i, (name, _)) in Participants::default().cells().iter().enumerate() {
        cells[i] = number(name, format!("participants.{name}")).unwrap_or(0);
    }
    let audience = number("audience", "audience".into());
    let participants = Participants {
        learners_female: cells[0],
        learners_male: cells[1],
        teachers_female: cells[2],
        teachers_male: cells[3],
        parents_female: cells[4],
        parents_male: cells[5],
        officials_female: cells[6],
        officials_male: cells[7],
        others_female: cells[8],
        others_male: cells[9],
    };
    let input = OutreachInput {
        kind: get("kind"),
        title: get("title"),
        programme_code: opt("programme_code"),
        start_date: get("start_date"),
        end_date: opt("end_date"),
        unit_code: opt("unit_code"),
        school_code: opt("school_code"),
        medium: opt("medium"),
        audience,
        participants,
        schools: words(&get("schools")),
        notes: opt("notes"),
        version: get("version").parse().ok(),
    };
    (input, problems)
}

async fn create_outreach_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (input, problems) = outreach_from_form(&fields);
    let outcome = stored_if_read(problems, outreach::create_event(&state.db, actor, &input)).await;
    match outcome {
        Ok(e) => Ok(Redirect::to(&format!("/outreach/{}", e.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_outreach(
                &state,
                &ctx,
                OutreachQuery::default(),
                &Page::first(),
                Some(messages),
                Some(&input),
                None,
                status,
            )
            .await
        }
    }
}

async fn event_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_event(&state, &ctx, id, None, None, None, StatusCode::OK).await
}

async fn render_event(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Option<Vec<String>>,
    form: Option<&OutreachInput>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let event = outreach::event(&state.db, actor, id).await?;
    let manage = outreach::may_change(actor, &event);
    let stored = OutreachInput {
        kind: event.kind.clone(),
        title: event.title.clone(),
        programme_code: event.programme_code.clone(),
        start_date: event.start_date.to_string(),
        end_date: Some(event.end_date.to_string()),
        unit_code: if event.school_id.is_some() { None } else { event.unit_code.clone() },
        school_code: event.school_code.clone(),
        medium: event.medium.clone(),
        audience: event.audience,
        participants: event.participants,
        schools: event.schools.iter().map(|s| s.code.clone()).collect(),
        notes: event.notes.clone(),
        version: Some(event.version),
    };
    let form = form.unwrap_or(&stored);
    let names = kind_names(state, ctx).await?;
    let programmes = outreach_store::programme_choices(&state.db).await?;
    let html = state.templates.page(
        ctx,
        "outreach/outreach_event.html",
        minijinja::context! {
            kind_name => names.get(&event.kind).cloned().unwrap_or_else(|| event.kind.clone()),
            female => event.participants.female(), male => event.participants.male(),
            event => v(&event), form => v(form), programmes => v(&programmes), kinds => kinds_list(state, ctx).await?,
            media => v(&outreach::MEDIA), categories => v(&outreach::CATEGORIES), manage, problems, notice,
        },
    )?;
    Ok((status, html).into_response())
}

async fn edit_outreach_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let (input, problems) = outreach_from_form(&fields);
    let outcome = stored_if_read(problems, outreach::update_event(&state.db, actor, id, &input)).await;
    match outcome {
        Ok(e) => {
            let notice = text(&ctx, "outreach-saved", &[("title", e.title.clone())]);
            render_event(&state, &ctx, id, None, None, Some(notice), StatusCode::OK).await
        }
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_event(&state, &ctx, id, Some(messages), Some(&input), None, status).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Pages: resources

async fn resource_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Response> {
    render_resource(&state, &ctx, id, None, None, StatusCode::OK).await
}

async fn render_resource(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Option<Vec<String>>,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let resource = resources::resource(&state.db, actor, id).await?;
    let manage = actor.allows(
        Action::ManageCohorts,
        &opencpd_domain::access::Target::School { id: resource.school_id, unit_path: &resource.unit_path },
    );
    let html = state.templates.page(
        ctx,
        "outreach/resource.html",
        minijinja::context! {
            resource => v(&resource), manage, problems, notice, check_states => v(&resources::CHECK_STATES),
            today => opencpd_kernel::today().to_string(),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct CheckForm {
    checked_on: String,
    state: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    checked_by: String,
}

async fn check_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<CheckForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let input = CheckInput {
        checked_on: form.checked_on,
        state: form.state,
        notes: Some(form.notes),
        checked_by: Some(form.checked_by),
    };
    match resources::add_check(&state.db, actor, id, &input).await.map_err(Error::from) {
        Ok(_) => {
            let notice = text(&ctx, "resource-check-recorded", &[]);
            render_resource(&state, &ctx, id, None, Some(notice), StatusCode::CREATED).await
        }
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_resource(&state, &ctx, id, Some(messages), None, status).await
        }
    }
}

#[derive(Deserialize)]
struct ResourceForm {
    kind: String,
    #[serde(default)]
    description: String,
    quantity: String,
    delivered_on: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    programme_code: String,
}

/// Records a delivery from the school page; a refusal shows the form again with it.
async fn resource_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let school = registry::school(&state.db, actor, id).await?;
    let outcome = match form.quantity.trim().parse::<i64>() {
        Ok(quantity) => {
            let input = ResourceInput {
                kind: form.kind,
                description: Some(form.description),
                quantity,
                school_code: school.code.clone(),
                programme_code: Some(form.programme_code),
                delivered_on: form.delivered_on,
                state: Some(form.state),
                notes: None,
            };
            resources::create_resource(&state.db, actor, &input).await.map_err(Error::from)
        }
        Err(_) => Err(Problem::new("bad-number").in_column("quantity").with_value(form.quantity.trim()).into()),
    };
    match outcome {
        Ok(r) => Ok(Redirect::to(&format!("/resources/{}", r.id)).into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            let filter = resources::ResourceFilter { school_id: Some(id), ..Default::default() };
            let list = resources::resources(&state.db, actor, &filter).await?;
            let html = state.templates.page(
                &ctx,
                "outreach/school_resources_page.html",
                minijinja::context! {
                    school => v(&school), resources => v(&list), manage_resources => true, resource_problems => messages,
                    resource_kinds => v(&resources::RESOURCE_KINDS), delivery_states => v(&resources::DELIVERY_STATES),
                    programmes => v(&outreach_store::programme_choices(&state.db).await?),
                },
            )?;
            Ok((status, html).into_response())
        }
    }
}

/// What the school page shows of the resources delivered there.
pub async fn school_resources(
    state: &AppState,
    ctx: &Ctx,
    school_id: i64,
    unit_path: &str,
) -> Result<minijinja::Value> {
    let actor = ctx.actor()?;
    let filter = resources::ResourceFilter { school_id: Some(school_id), ..Default::default() };
    let list = resources::resources(&state.db, actor, &filter).await?;
    let manage =
        actor.allows(Action::ManageCohorts, &opencpd_domain::access::Target::School { id: school_id, unit_path });
    let programmes = if manage { outreach_store::programme_choices(&state.db).await? } else { Vec::new() };
    Ok(minijinja::context! {
        resources => v(&list), manage_resources => manage, resource_problems => None::<Vec<String>>,
        resource_kinds => v(&resources::RESOURCE_KINDS), delivery_states => v(&resources::DELIVERY_STATES),
        programmes => v(&programmes),
    })
}

// ---------------------------------------------------------------------------------------
// Deleting what was recorded by mistake

async fn delete_outreach_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    outreach::delete_event(&state.db, ctx.actor()?, id).await?;
    Ok(Redirect::to("/outreach").into_response())
}

async fn delete_resource_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let school = resources::resource(&state.db, actor, id).await?.school_id;
    resources::delete_resource(&state.db, actor, id).await?;
    Ok(Redirect::to(&format!("/schools/{school}")).into_response())
}

async fn delete_award_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let person = awards::award(&state.db, actor, id).await?.person_id;
    awards::delete_award(&state.db, actor, id).await?;
    Ok(Redirect::to(&format!("/people/{person}/cpd")).into_response())
}

// ---------------------------------------------------------------------------------------
// Outreach files and the deployment's kinds of event

/// Records the events of a CSV or XLSX file (all rows or none), or checks it only.
async fn import_outreach_form(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response> {
    ctx.actor()?;
    let form = opencpd_http::upload::Upload::read(&ctx, multipart).await?;
    let outcome = opencpd_http::imports::from_form(&state, &ctx, "outreach", None, &form).await;
    let outcome = outcome.and_then(|r| if r.ok() { Ok(r) } else { Err(Error::Invalid(r.problems)) });
    match outcome {
        Ok(r) => {
            let notice = if r.dry_run {
                text(&ctx, "import-dry-ok", &[("rows", r.rows_read.to_string())])
            } else {
                text(&ctx, "import-done", &[("created", r.rows_written.to_string())])
            };
            render_outreach(
                &state,
                &ctx,
                OutreachQuery::default(),
                &Page::first(),
                None,
                None,
                Some(notice),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_outreach(&state, &ctx, OutreachQuery::default(), &Page::first(), Some(messages), None, None, status)
                .await
        }
    }
}

async fn kinds_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_kinds(&state, &ctx, None, None, StatusCode::OK).await
}

async fn render_kinds(
    state: &AppState,
    ctx: &Ctx,
    problems: Option<Vec<String>>,
    form: Option<&outreach::OutreachKind>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let kinds = outreach::kinds(&state.db).await?;
    let html = state.templates.page(
        ctx,
        "outreach/outreach_kinds.html",
        minijinja::context! { kinds => v(&kinds), manage => actor.may(Action::ManageProgrammes), problems, form => v(&form) },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct KindForm {
    key: String,
    name_en: String,
    name_fr: String,
    #[serde(default)]
    position: String,
}

/// Adds a kind of event, or renames the one with the same key.
async fn kind_form(State(state): State<AppState>, ctx: Ctx, CsrfForm(form): CsrfForm<KindForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    let mut problems = Vec::new();
    let position = whole(&mut problems, &form.position, "position").unwrap_or(0);
    let input = outreach::OutreachKind { key: form.key, name_en: form.name_en, name_fr: form.name_fr, position };
    let outcome = stored_if_read(problems, outreach::set_kind(&state.db, actor, &input)).await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/outreach-kinds").into_response()),
        Err(e) => {
            let (status, messages) = refused(&ctx, e)?;
            render_kinds(&state, &ctx, Some(messages), Some(&input), status).await
        }
    }
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
