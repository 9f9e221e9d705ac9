//! The grades, subjects and learner groups outcome rows refer to, over HTTP: their lists,
//! additions and edits in the API (`/api/v1/outcome-grades`, `/api/v1/outcome-subjects`,
//! `/api/v1/learner-groups`, and `PUT` on each item) and the page `/data/lists`, which
//! every signed-in reader reads and where the deployment's administrators (those who set
//! up programmes for the whole deployment: the lists are every country's) add to each list
//! and edit each item in a form of its row. The rules are the store's
//! ([`crate::store::reference::add`], [`crate::store::reference::edit`]); this module only
//! reads forms and answers.

use crate::model::{Grade, LearnerGroup, NewReference, ReferenceEdit, Subject};
use crate::store::reference::{self, Kind};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Json, Router};
use opencpd_domain::access::{Action, Target};
use opencpd_http::render::value as v;
use opencpd_http::{ApiError, AppState, CsrfForm, Ctx, Error, Id, Result};
use serde::Deserialize;
use utoipa::OpenApi;

/// The lists' part of the area's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_grades,
        add_grade,
        edit_grade,
        list_subjects,
        add_subject,
        edit_subject,
        list_groups,
        add_group,
        edit_group
    ),
    components(schemas(Grade, Subject, LearnerGroup, NewReference, ReferenceEdit))
)]
pub(super) struct ReferenceApi;

pub(super) fn api_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::{get, put};
    r.route("/outcome-grades", get(list_grades).post(add_grade))
        .route("/outcome-grades/{id}", put(edit_grade))
        .route("/outcome-subjects", get(list_subjects).post(add_subject))
        .route("/outcome-subjects/{id}", put(edit_subject))
        .route("/learner-groups", get(list_groups).post(add_group))
        .route("/learner-groups/{id}", put(edit_group))
}

pub(super) fn page_routes(r: Router<AppState>) -> Router<AppState> {
    use axum::routing::{get, post};
    r.route("/data/lists", get(lists_page))
        .route("/data/lists/grades", post(grade_form))
        .route("/data/lists/subjects", post(subject_form))
        .route("/data/lists/groups", post(group_form))
        .route("/data/lists/grades/{id}", post(grade_edit_form))
        .route("/data/lists/subjects/{id}", post(subject_edit_form))
        .route("/data/lists/groups/{id}", post(group_edit_form))
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

/// Edits an item of a list.
async fn edit(
    state: &AppState,
    ctx: &Ctx,
    kind: Kind,
    id: i64,
    body: std::result::Result<Json<ReferenceEdit>, JsonRejection>,
) -> Result<()> {
    let actor = ctx.actor()?;
    // Rights before the body is read: those who may not edit learn nothing from its fields.
    actor.require(Action::ManageProgrammes, &Target::Deployment)?;
    let Json(edited) = body?;
    Ok(reference::edit(&state.db, actor, kind, id, &edited).await?)
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

/// Edits a grade: `name`, `position` (one no other grade holds) and the `version` read. Its
/// code stays. The deployment's administrators only.
#[utoipa::path(put, path = "/api/v1/outcome-grades/{id}", params(("id" = i64, Path)), request_body = ReferenceEdit,
    responses((status = 200, body = Grade), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "A stale version: the grade was saved by another since it was read"),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad name, a position absent, taken or below 1, a `max_score`")))]
pub(super) async fn edit_grade(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ReferenceEdit>, JsonRejection>,
) -> Result<Json<Grade>> {
    edit(&state, &ctx, Kind::Grade, id, body).await?;
    let grade = reference::grades(&state.db).await?.into_iter().find(|g| g.id == id);
    Ok(Json(grade.ok_or(Error::NotFound)?))
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

/// Edits a subject: `name`, `max_score` (above zero, and not below a score stored for the
/// subject) and the `version` read. Its code stays. The deployment's administrators only.
#[utoipa::path(put, path = "/api/v1/outcome-subjects/{id}", params(("id" = i64, Path)), request_body = ReferenceEdit,
    responses((status = 200, body = Subject), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "A stale version: the subject was saved by another since it was read"),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad name, a maximum score absent, not above zero or below scores stored for the subject (how many, and the highest), a `position`")))]
pub(super) async fn edit_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ReferenceEdit>, JsonRejection>,
) -> Result<Json<Subject>> {
    edit(&state, &ctx, Kind::Subject, id, body).await?;
    let subject = reference::subjects(&state.db).await?.into_iter().find(|s| s.id == id);
    Ok(Json(subject.ok_or(Error::NotFound)?))
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

/// Edits a learner group: `name` and the `version` read. Its code stays. The deployment's
/// administrators only.
#[utoipa::path(put, path = "/api/v1/learner-groups/{id}", params(("id" = i64, Path)), request_body = ReferenceEdit,
    responses((status = 200, body = LearnerGroup), (status = 403, body = ApiError), (status = 404, body = ApiError),
        (status = 409, body = ApiError, description = "A stale version: the group was saved by another since it was read"),
        (status = 422, body = ApiError, description = "A bad field, named: an empty or bad name, a `max_score` or `position`")))]
pub(super) async fn edit_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<ReferenceEdit>, JsonRejection>,
) -> Result<Json<LearnerGroup>> {
    edit(&state, &ctx, Kind::Group, id, body).await?;
    let group = reference::groups(&state.db).await?.into_iter().find(|g| g.id == id);
    Ok(Json(group.ok_or(Error::NotFound)?))
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

/// A form editing one item, as typed: its name, a subject's maximum score, a grade's
/// position and the version the page was drawn with.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    max_score: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    version: String,
}

/// An edit refused: which item, its problems, and what was typed (none when the item is
/// shown as it now is: after a stale version, to be edited again knowingly).
struct Refused {
    kind: Kind,
    id: i64,
    form: Option<EditForm>,
    problems: Vec<String>,
}

/// What the page shows besides the lists: which form was refused, with its problems and
/// what was typed, or the code just added or saved.
#[derive(Default)]
struct Shown {
    refused: Option<(Kind, ReferenceForm, Vec<String>)>,
    edit_refused: Option<Refused>,
    added: Option<String>,
    saved: Option<String>,
}

#[derive(Deserialize)]
struct AddedQuery {
    #[serde(default)]
    added: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

async fn lists_page(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<axum::extract::Query<AddedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response> {
    let (added, saved) = match q {
        Ok(axum::extract::Query(q)) => (q.added, q.saved),
        Err(_) => (None, None),
    };
    render(&state, &ctx, Shown { added, saved, ..Shown::default() }, StatusCode::OK).await
}

fn kind_key(kind: Kind) -> &'static str {
    match kind {
        Kind::Grade => "grade",
        Kind::Subject => "subject",
        Kind::Group => "group",
    }
}

/// A number as an edit form offers it to be typed again: `100`, `12.5`.
fn typed(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{n:.0}") } else { n.to_string() }
}

/// An item's row on the page: the item, and its edit form's fields (what was typed when
/// its edit was refused, else what is stored), problems, and whether it is open.
fn row<T: serde::Serialize>(
    item: &T,
    kind: Kind,
    id: i64,
    stored: EditForm,
    refused: &Option<Refused>,
) -> minijinja::Value {
    let mine = refused.as_ref().filter(|r| r.kind == kind && r.id == id);
    let edit = mine.and_then(|r| r.form.clone()).unwrap_or(stored);
    let problems = mine.map(|r| r.problems.clone()).unwrap_or_default();
    minijinja::context! { item => v(item), edit => v(&edit), problems, open => mine.is_some() }
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
    let edited = &shown.edit_refused;
    let version = |v: i64| v.to_string();
    let grade_rows: Vec<minijinja::Value> = grades
        .iter()
        .map(|g| {
            let stored = EditForm {
                name: g.name.clone(),
                position: g.position.to_string(),
                version: version(g.version),
                ..EditForm::default()
            };
            row(g, Kind::Grade, g.id, stored, edited)
        })
        .collect();
    let subject_rows: Vec<minijinja::Value> = subjects
        .iter()
        .map(|s| {
            let stored = EditForm {
                name: s.name.clone(),
                max_score: typed(s.max_score),
                version: version(s.version),
                ..EditForm::default()
            };
            row(s, Kind::Subject, s.id, stored, edited)
        })
        .collect();
    let group_rows: Vec<minijinja::Value> = groups
        .iter()
        .map(|g| {
            let stored = EditForm { name: g.name.clone(), version: version(g.version), ..EditForm::default() };
            row(g, Kind::Group, g.id, stored, edited)
        })
        .collect();
    let html = state.templates.page(
        ctx,
        "indicators/lists.html",
        minijinja::context! {
            grades => grade_rows, subjects => subject_rows, groups => group_rows, manage,
            refused, form => v(&form), problems, added => shown.added, saved => shown.saved,
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
            let shown = Shown { refused: Some((kind, form, messages)), ..Shown::default() };
            render(&state, &ctx, shown, status).await
        }
        Err(e) => Err(e),
    }
}

/// Edits an item from the form in its row; back to the list at the item when saved. When
/// refused, the page again with the row's form open, every problem named and nothing
/// written: what was typed kept, or, after a stale version, the item as it now is, to be
/// edited again knowingly. Those who may not edit are refused before the fields are read.
async fn edit_submitted(state: AppState, ctx: Ctx, kind: Kind, id: i64, form: EditForm) -> Result<Response> {
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
    let version = super::typed::noted(super::typed::whole(&form.version), "version", &mut problems);
    let outcome = match version {
        Some(version) if problems.is_empty() => {
            let edited = ReferenceEdit { name: form.name.clone(), max_score, position, version };
            reference::edit(&state.db, actor, kind, id, &edited).await.map_err(Error::from)
        }
        _ => {
            if version.is_none() && !problems.iter().any(|p| p.column.as_deref() == Some("version")) {
                problems.push(opencpd_domain::Problem::new("required").in_column("version"));
            }
            // The name's own problems need no database; nothing is written.
            opencpd_kernel::error::collect(&mut problems, "name", opencpd_domain::registry::parse_name(&form.name));
            Err(Error::Invalid(problems))
        }
    };
    let code = || async {
        let code = match kind {
            Kind::Grade => reference::grades(&state.db).await?.into_iter().find(|g| g.id == id).map(|g| g.code),
            Kind::Subject => reference::subjects(&state.db).await?.into_iter().find(|s| s.id == id).map(|s| s.code),
            Kind::Group => reference::groups(&state.db).await?.into_iter().find(|g| g.id == id).map(|g| g.code),
        };
        code.ok_or(Error::NotFound)
    };
    match outcome {
        Ok(()) => {
            let to = format!("/data/lists?saved={}#{}-{id}", urlencode(&code().await?), kind_key(kind));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            // The item must still be there to show its form again.
            code().await?;
            let stale = matches!(e, Error::Conflict(_));
            let status = e.status();
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            let form = (!stale).then_some(form);
            let shown =
                Shown { edit_refused: Some(Refused { kind, id, form, problems: messages }), ..Shown::default() };
            render(&state, &ctx, shown, status).await
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

async fn grade_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response> {
    edit_submitted(state, ctx, Kind::Grade, id, form).await
}

async fn subject_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response> {
    edit_submitted(state, ctx, Kind::Subject, id, form).await
}

async fn group_edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<Response> {
    edit_submitted(state, ctx, Kind::Group, id, form).await
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
            let item = &doc.paths.paths[&format!("{path}/{{id}}")];
            assert!(item.put.is_some(), "{path}/{{id}}: PUT");
        }
    }
}
