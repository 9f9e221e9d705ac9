//! The grades, subjects and learner groups outcome rows refer to, over HTTP: their lists
//! and additions in the API (`/api/v1/outcome-grades`, `/api/v1/outcome-subjects`,
//! `/api/v1/learner-groups`) and the page `/data/lists`, which every signed-in reader reads
//! and where the deployment's administrators (those who set up programmes for the whole
//! deployment: the lists are every country's) add to each list. The rules are the store's
//! ([`crate::store::reference::add`]); this module only reads forms and answers.

use crate::model::{Grade, LearnerGroup, NewReference, Subject};
use crate::store::reference::{self, Kind};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Json, Router};
use opencpd_domain::access::{Action, Target};
use opencpd_http::render::value as v;
use opencpd_http::{ApiError, AppState, CsrfForm, Ctx, Error, Result};
use serde::Deserialize;
use utoipa::OpenApi;

/// The lists' part of the area's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_grades, add_grade, list_subjects, add_subject, list_groups, add_group),
    components(schemas(Grade, Subject, LearnerGroup, NewReference))
)]
pub(super) struct ReferenceApi;

pub(super) fn api_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::get;
    r.route("/outcome-grades", get(list_grades).post(add_grade))
        .route("/outcome-subjects", get(list_subjects).post(add_subject))
        .route("/learner-groups", get(list_groups).post(add_group))
}

pub(super) fn page_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::{get, post};
    r.route("/data/lists", get(lists_page))
        .route("/data/lists/grades", post(grade_form))
        .route("/data/lists/subjects", post(subject_form))
        .route("/data/lists/groups", post(group_form))
}

/// Adds to a list; the id of what was added.
async fn add(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    body: std::result::Result<Json<NewReference>, JsonRejection>,
) -> Result<i64> {
    let actor = ctx.actor()?;
    let Json(new) = body?;
    Ok(reference::add(&state.db, actor, kind, &new).await?)
}

/// What was added, as its list reads it.
fn created<T: serde::Serialize>(item: Option<T>) -> Result<Response> {
    Ok((StatusCode::CREATED, Json(item.ok_or(Error::NotFound)?)).into_response())
}

/// The grades, in the order flows read them (`position`).
#[utoipa::path(get, path = "/api/v1/outcome-grades",
    responses((status = 200, body = Vec<Grade>), (status = 401, body = ApiError)))]
pub(super) async fn list_grades(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Grade>>> {
    ctx.actor()?;
    Ok(Json(reference::grades(&state.db).await?))
}

/// Adds a grade: `code` and `name`, and `position` (the next one when absent). The deployment's
/// administrators only.
#[utoipa::path(post, path = "/api/v1/outcome-grades", request_body = NewReference,
    responses((status = 201, body = Grade), (status = 403, body = ApiError),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad code or name, a code already held, a position taken or below 1, a `max_score`")))]
pub(super) async fn add_grade(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<NewReference>, JsonRejection>,
) -> Result<Response> {
    let id = add(&state, &ctx, Kind::Grade, body).await?;
    created(reference::grades(&state.db).await?.into_iter().find(|g| g.id == id))
}

/// The subjects, by code, each with its maximum score.
#[utoipa::path(get, path = "/api/v1/outcome-subjects",
    responses((status = 200, body = Vec<Subject>), (status = 401, body = ApiError)))]
pub(super) async fn list_subjects(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Subject>>> {
    ctx.actor()?;
    Ok(Json(reference::subjects(&state.db).await?))
}

/// Adds a subject: `code`, `name` and `max_score` (above zero), which bounds the mean scores
/// entered for it. The deployment's administrators only.
#[utoipa::path(post, path = "/api/v1/outcome-subjects", request_body = NewReference,
    responses((status = 201, body = Subject), (status = 403, body = ApiError),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad code or name, a code already held, a maximum score absent or not above zero, a `position`")))]
pub(super) async fn add_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<NewReference>, JsonRejection>,
) -> Result<Response> {
    let id = add(&state, &ctx, Kind::Subject, body).await?;
    created(reference::subjects(&state.db).await?.into_iter().find(|s| s.id == id))
}

/// The learner groups (special needs, refugee status…), by code.
#[utoipa::path(get, path = "/api/v1/learner-groups",
    responses((status = 200, body = Vec<LearnerGroup>), (status = 401, body = ApiError)))]
pub(super) async fn list_groups(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<LearnerGroup>>> {
    ctx.actor()?;
    Ok(Json(reference::groups(&state.db).await?))
}

/// Adds a learner group: `code` and `name`. The deployment's administrators only.
#[utoipa::path(post, path = "/api/v1/learner-groups", request_body = NewReference,
    responses((status = 201, body = LearnerGroup), (status = 403, body = ApiError),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad code or name, a code already held, a `max_score` or `position`")))]
pub(super) async fn add_group(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<NewReference>, JsonRejection>,
) -> Result<Response> {
    let id = add(&state, &ctx, Kind::Group, body).await?;
    created(reference::groups(&state.db).await?.into_iter().find(|g| g.id == id))
}

// ---------------------------------------------------------------------------------------
// The page

/// A form adding to one of the lists, as typed.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
struct ReferenceForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    max_score: String,
    #[serde(default)]
    position: String,
}

/// What the page shows besides the lists: which form was refused, with its problems and
/// what was typed, or the code just added.
#[derive(Default)]
struct Shown {
    refused: Option<(Kind, ReferenceForm, Vec<String>)>,
    added: Option<String>,
}

#[derive(Deserialize)]
struct AddedQuery {
    #[serde(default)]
    added: Option<String>,
}

async fn lists_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<axum::extract::Query<AddedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let added = q.ok().and_then(|axum::extract::Query(q)| q.added);
    render(&state, &ctx, Shown { added, ..Shown::default() }, StatusCode::OK).await
}

fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Grade => "grade",
        Kind::Subject => "subject",
        Kind::Group => "group",
    }
}

async fn render(state: &AppState, ctx: &Ctx, shown: Shown, status: StatusCode) -> Result<Response> {
    let actor = ctx.actor()?;
    let grades = reference::grades(&state.db).await?;
    let subjects = reference::subjects(&state.db).await?;
    let groups = reference::groups(&state.db).await?;
    let manage = actor.allows(Action::ManageProgrammes, &Target::Deployment);
    let (refused, form, problems) = match shown.refused {
        Some((kind, form, problems)) => (Some(kind_key(kind)), Some(form), problems),
        None => (None, None, Vec::new()),
    };
    let html = state.templates.page(
        ctx,
        "indicators/lists.html",
        minijinja::context! {
            grades => v(&grades), subjects => v(&subjects), groups => v(&groups), manage,
            refused, form => v(&form), problems, added => shown.added,
            next_position => grades.iter().map(|g| g.position).max().unwrap_or(0) + 1,
        },
    )?;
    Ok((status, html).into_response())
}

/// Adds what a form describes to a list; the page again with every problem named, what
/// was typed kept and nothing written when refused. Those who may not add are refused
/// before the fields are read.
async fn submitted(state: AppState, ctx: Ctx, kind: Kind, form: ReferenceForm) -> Result<Response> {
    let actor = ctx.actor()?;
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let mut problems = Vec::new();
    let max_score = match kind {
        Kind::Subject => super::typed::noted(super::typed::decimal(&form.max_score), "max_score", &mut problems),
        _ => None,
    };
    let position = match kind {
        Kind::Grade => super::typed::noted(super::typed::whole(&form.position), "position", &mut problems),
        _ => None,
    };
    let outcome = if problems.is_empty() {
        let new = NewReference { code: form.code.clone(), name: form.name.clone(), max_score, position };
        reference::add(&state.db, actor, kind, &new).await.map_err(Error::from)
    } else {
        // A number that does not read: named with the code's and name's own problems,
        // which need no database, and nothing is written.
        use opencpd_domain::registry::{parse_code, parse_name};
        use opencpd_kernel::error::collect;
        collect(&mut problems, "code", parse_code(&form.code));
        collect(&mut problems, "name", parse_name(&form.name));
        Err(Error::Invalid(problems))
    };
    match outcome {
        Ok(_) => {
            let code = form.code.trim().to_string();
            let to = format!("/data/lists?added={}#{}s", urlencode(&code), kind_key(kind));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let status = e.status();
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render(&state, &ctx, Shown { refused: Some((kind, form, messages)), added: None }, status).await
        }
        Err(e) => Err(e),
    }
}

/// Percent-encodes a code for a query string.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn grade_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ReferenceForm>,
) -> Result<Response> {
    submitted(state, ctx, Kind::Grade, form).await
}

async fn subject_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ReferenceForm>,
) -> Result<Response> {
    submitted(state, ctx, Kind::Subject, form).await
}

async fn group_form(
    State(state): State<AppState>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ReferenceForm>,
) -> Result<Response> {
    submitted(state, ctx, Kind::Group, form).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_names_the_lists_routes() {
        let doc = (super::super::AREA.openapi)();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for path in ["/api/v1/outcome-grades", "/api/v1/outcome-subjects", "/api/v1/learner-groups"] {
            assert!(paths.contains(&path), "{path} in {paths:?}");
            let item = &doc.paths.paths[path];
            assert!(item.get.is_some() && item.post.is_some(), "{path}: GET and POST");
        }
    }
}
