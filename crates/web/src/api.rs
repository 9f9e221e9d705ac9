//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//! Scripts authenticate with `Authorization: Bearer <token>` (`opencpd user token`);
//! browser sessions may call it too, sending `X-CSRF-Token` on writes.

use crate::AppState;
use crate::auth::{Ctx, Id, Vouched};
use crate::error::{ApiError, Error, Result};
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_store::accounts::{self, GrantSpec, NewUser, User};
use opencpd_store::audit::{self, AuditEvent, AuditFilter};
use opencpd_store::field::{self, EditInput, FieldEdit, Package};
use opencpd_store::instruments::summary::SurveySummary;
use opencpd_store::instruments::{self, About, Instrument, Submission, SubmissionInput};
use opencpd_store::registry::{self, Counts};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/instruments", get(list_instruments).post(import_instrument))
        .route("/instruments/{id}", get(get_instrument))
        .route("/instruments/{id}/retire", post(retire_instrument))
        .route("/instruments/{id}/export", get(export_submissions))
        .route("/instruments/{id}/summary", get(survey_summary))
        .route("/instruments/{id}/summary/export", get(export_survey_summary))
        .route("/submissions", post(submit))
        .route("/submissions/{uuid}", get(get_submission))
        .route("/field/package", get(field_package))
        .route("/field/edits", post(submit_edit))
        .route("/field/conflicts", get(list_conflicts))
        .route("/field/conflicts/{id}/resolve", post(resolve_conflict))
        .route("/audit", get(audit_trail))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{username}/tokens", get(user_tokens))
        .route("/users/{username}/password", post(reset_password))
        .route("/me/tokens", get(my_tokens).post(create_my_token))
        .route("/me/password", post(change_my_password))
        .route("/tokens/{id}/revoke", post(revoke_token))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        me,
        my_tokens,
        create_my_token,
        revoke_token,
        user_tokens,
        change_my_password,
        reset_password,
        submit_edit,
        list_conflicts,
        resolve_conflict,
        import_instrument,
        list_instruments,
        get_instrument,
        retire_instrument,
        export_submissions,
        survey_summary,
        export_survey_summary,
        submit,
        get_submission,
        field_package,
        audit_trail,
        list_users,
        create_user
    ),
    components(schemas(
        accounts::TokenInfo,
        accounts::NewToken,
        IssuedToken,
        PasswordChange,
        PasswordReset,
        SurveySummary,
        opencpd_store::instruments::summary::QuestionSummary,
        opencpd_store::instruments::summary::ChoiceSummary,
        opencpd_store::instruments::summary::Group,
        opencpd_store::instruments::summary::ShownCount,
        EditInput,
        FieldEdit,
        opencpd_store::field::PersonChanges,
        Resolution,
        Instrument,
        InstrumentWithForm,
        SubmissionInput,
        About,
        Submission,
        SubmissionReceipt,
        Package,
        opencpd_store::field::PackageUser,
        opencpd_store::field::PackageSchool,
        opencpd_store::field::PackagePerson,
        opencpd_store::field::PackageInstrument,
        opencpd_store::field::PackageCohort,
        opencpd_store::field::PackageSession,
        ApiError,
        crate::error::ApiProblem,
        Me,
        AuditEvent,
        User,
        UserView,
        CreateUser,
        GrantSpec,
        Counts
    ))
)]
pub struct ApiDoc;

/// The OpenAPI description of this crate's API routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::delivery::DeliveryApi::openapi());
    doc.merge(crate::delivery::PaperApi::openapi());
    doc
}

use opencpd_http::ok;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub language: String,
    pub roles: Vec<String>,
    pub counts: Counts,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Me>> {
    let actor = ctx.actor()?;
    let stats = crate::unit_stats(&state.db).await?;
    let counts = registry::counts(&state.db, actor, &stats).await?;
    Ok(Json(Me {
        username: actor.username.clone(),
        display_name: actor.display_name.clone(),
        language: actor.language.clone(),
        roles: actor.grants.iter().map(|g| g.role.key().to_string()).collect(),
        counts,
    }))
}

#[utoipa::path(get, path = "/api/v1/audit", responses((status = 200, body = Vec<AuditEvent>), (status = 403, body = ApiError)))]
async fn audit_trail(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<AuditFilter>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>> {
    let Query(filter) = ok(q)?;
    Ok(Json(audit::list(&state.db, ctx.actor()?, &filter).await?))
}

#[derive(Serialize, ToSchema)]
struct UserView {
    #[serde(flatten)]
    user: User,
    roles: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<UserView>), (status = 403, body = ApiError)))]
async fn list_users(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<UserView>>> {
    let users = accounts::list_users(&state.db, ctx.actor()?).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|(user, grants)| UserView { user, roles: grants.iter().map(|g| g.role.key().to_string()).collect() })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateUser {
    username: String,
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    language: String,
    grants: Vec<GrantSpec>,
}

#[utoipa::path(post, path = "/api/v1/users", request_body = CreateUser, responses((status = 201, body = User), (status = 422, body = ApiError), (status = 409, body = ApiError)))]
async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<CreateUser>, JsonRejection>,
) -> Result<Response> {
    let Json(body) = ok(body)?;
    let new = NewUser {
        username: body.username,
        password: body.password,
        display_name: body.display_name,
        language: body.language,
        grants: body.grants,
    };
    let user = accounts::create_user(&state.db, ctx.actor()?, &new).await?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

// ---------------------------------------------------------------------------------------
// Instruments, submissions and the field app's package.

#[derive(Deserialize, IntoParams)]
struct InstrumentImport {
    /// The XLSForm's file name (its extension gives the format).
    filename: Option<String>,
    /// survey, test, observation, needs_assessment or checklist.
    kind: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/instruments", params(InstrumentImport),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The XLSForm (.xlsx or .xls)"),
    responses((status = 201, body = Instrument), (status = 422, body = ApiError, description = "Every problem in the form, by sheet, row and column")))]
async fn import_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<InstrumentImport>, QueryRejection>,
    request: Request,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    instruments::may_edit(ctx.actor()?)?;
    let body = Bytes::from_request(request, &state).await?;
    let name = q.filename.unwrap_or_else(|| "form.xlsx".into());
    let kind = q.kind.unwrap_or_else(|| "survey".into());
    let instrument = instruments::import(&state.db, ctx.actor()?, &name, &body, &kind).await?;
    Ok((StatusCode::CREATED, Json(instrument)).into_response())
}

#[utoipa::path(get, path = "/api/v1/instruments", responses((status = 200, body = Vec<Instrument>)))]
async fn list_instruments(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<Instrument>>> {
    ctx.actor()?;
    Ok(Json(instruments::list(&state.db, false).await?))
}

#[derive(Serialize, ToSchema)]
struct InstrumentWithForm {
    #[serde(flatten)]
    instrument: Instrument,
    /// The form: items, choice lists, labels per language, expressions as text.
    #[schema(value_type = Object)]
    form: opencpd_forms::Form,
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}", params(("id" = i64, Path)), responses((status = 200, body = InstrumentWithForm), (status = 404, body = ApiError)))]
async fn get_instrument(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<InstrumentWithForm>> {
    ctx.actor()?;
    let instrument = instruments::instrument(&state.db, id).await?;
    let form = instruments::form(&state.db, id).await?;
    Ok(Json(InstrumentWithForm { instrument, form }))
}

#[utoipa::path(post, path = "/api/v1/instruments/{id}/retire", params(("id" = i64, Path)), responses((status = 200, body = Instrument), (status = 403, body = ApiError)))]
async fn retire_instrument(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<Instrument>> {
    Ok(Json(instruments::retire(&state.db, ctx.actor()?, id).await?))
}

#[derive(Deserialize, IntoParams)]
struct SubmissionExport {
    /// csv (default) or xlsx.
    format: Option<String>,
    /// Language of the column labels and choice labels (default: the reader's).
    lang: Option<String>,
}

#[derive(Deserialize, IntoParams)]
struct SummaryQuery {
    /// The depth of the units to group by (default 2: districts in Rwanda).
    level: Option<i64>,
    /// Export only: csv (default) or xlsx.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/summary", params(("id" = i64, Path), SummaryQuery), responses((status = 200, body = SurveySummary, description = "Counts and percentages per choice of each select question, overall, by sex and by unit, small counts hidden"), (status = 403, body = ApiError)))]
async fn survey_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Json<SurveySummary>> {
    let Query(q) = ok(q)?;
    Ok(Json(instruments::summary::summary(&state.db, ctx.actor()?, id, q.level, ctx.lang).await?))
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/summary/export", params(("id" = i64, Path), SummaryQuery), responses((status = 200, description = "The summary as CSV or XLSX, small counts hidden")))]
async fn export_survey_summary(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let format =
        opencpd_transfer::Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let summary = instruments::summary::summary(&state.db, ctx.actor()?, id, q.level, ctx.lang).await?;
    let (headers, rows) = instruments::summary::summary_table(&summary);
    opencpd_http::download::table(format, &format!("{}-summary", summary.code), &headers, rows)
}

#[utoipa::path(get, path = "/api/v1/instruments/{id}/export", params(("id" = i64, Path), SubmissionExport), responses((status = 200, description = "One row a submission, one column an item, then the domain scores (system admins and national officers)"), (status = 403, body = ApiError, description = "Without row-level rights: read the summary")))]
async fn export_submissions(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    q: std::result::Result<Query<SubmissionExport>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let format =
        opencpd_transfer::Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?;
    let lang = opencpd_domain::i18n::resolve(q.lang.as_deref().unwrap_or(ctx.lang));
    let instrument = instruments::instrument(&state.db, id).await?;
    if !actor.may(opencpd_domain::access::Action::ReadSubmissions) {
        return Err(Error::Forbidden);
    }
    if !actor.may(opencpd_domain::access::Action::ReadRows) {
        return Err(Error::Refused(
            opencpd_domain::Problem::new("row-level-export")
                .arg("summary", format!("/api/v1/instruments/{id}/summary")),
        ));
    }
    // Stream the pages as they are read: the server never holds the whole export.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let (db, actor) = (state.db.clone(), actor.clone());
    tokio::spawn(async move {
        let sink = |bytes: Vec<u8>| {
            let tx = tx.clone();
            async move { tx.send(Ok(Bytes::from(bytes))).await.map_err(|_| std::io::Error::other("the client went away")) }
        };
        if let Err(e) = instruments::export(&db, &actor, id, lang, format, sink).await {
            tracing::warn!(error = %e, "submission export stopped");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
    let disposition =
        format!("attachment; filename=\"{}-{}.{}\"", instrument.code, instrument.version, format.extension());
    Ok((
        [(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_DISPOSITION, disposition)],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
struct SubmissionReceipt {
    uuid: String,
    id: i64,
    /// True when this uuid had been stored before: nothing new was stored.
    duplicate: bool,
    #[schema(value_type = Vec<Object>)]
    scores: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/submissions", request_body = SubmissionInput,
    responses((status = 201, body = SubmissionReceipt, description = "Stored"), (status = 200, body = SubmissionReceipt, description = "Stored before: nothing new stored"),
              (status = 422, body = ApiError)))]
async fn submit(
    State(state): State<AppState>,
    Vouched(ctx): Vouched,
    body: std::result::Result<Json<SubmissionInput>, JsonRejection>,
) -> Result<Response> {
    let Json(input) = ok(body)?;
    let (stored, duplicate) = instruments::submit(&state.db, ctx.actor()?, ctx.vouch.as_ref(), &input).await?;
    let status = if duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(SubmissionReceipt { uuid: stored.uuid, id: stored.id, duplicate, scores: stored.scores }))
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/submissions/{uuid}", params(("uuid" = String, Path)), responses((status = 200, body = Submission), (status = 404, body = ApiError)))]
async fn get_submission(
    State(state): State<AppState>,
    ctx: Ctx,
    uuid: std::result::Result<Path<String>, PathRejection>,
) -> Result<Json<Submission>> {
    let Path(uuid) = ok(uuid)?;
    Ok(Json(instruments::submission(&state.db, ctx.actor()?, &uuid).await?))
}

#[derive(Deserialize, IntoParams)]
struct PackageQuery {
    /// Only this unit of the caller's scope (its code).
    unit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/field/package", params(PackageQuery),
    responses((status = 200, body = Package, description = "Everything the field app needs offline, limited to the caller's scope"),
              (status = 404, body = ApiError, description = "The unit asked for is outside the caller's scope")))]
async fn field_package(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<PackageQuery>, QueryRejection>,
) -> Result<Json<Package>> {
    let Query(q) = ok(q)?;
    let actor = ctx.actor()?;
    let mut package = field::package(&state.db, actor, q.unit.as_deref()).await?;
    package.csrf_token = ctx.csrf.clone().unwrap_or_default();
    Ok(Json(package))
}

#[utoipa::path(post, path = "/api/v1/field/edits", request_body = EditInput,
    responses((status = 200, body = FieldEdit, description = "`applied`, or `conflict` when the record changed since the device read it: kept for a person to resolve, nothing overwritten")))]
async fn submit_edit(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<EditInput>, JsonRejection>,
) -> Result<Json<FieldEdit>> {
    let Json(input) = ok(body)?;
    Ok(Json(field::submit_edit(&state.db, ctx.actor()?, &input).await?))
}

#[utoipa::path(get, path = "/api/v1/field/conflicts", responses((status = 200, body = Vec<FieldEdit>)))]
async fn list_conflicts(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<FieldEdit>>> {
    Ok(Json(field::conflicts(&state.db, ctx.actor()?).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Resolution {
    /// `apply` the device's change over the current record, or `discard` it.
    action: String,
}

#[utoipa::path(post, path = "/api/v1/field/conflicts/{id}/resolve", params(("id" = i64, Path)), request_body = Resolution,
    responses((status = 200, body = FieldEdit), (status = 409, body = ApiError, description = "Already resolved")))]
async fn resolve_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    body: std::result::Result<Json<Resolution>, JsonRejection>,
) -> Result<Json<FieldEdit>> {
    let Json(body) = ok(body)?;
    let apply = match body.action.as_str() {
        "apply" => true,
        "discard" => false,
        other => {
            return Err(opencpd_domain::Problem::new("bad-choice")
                .in_column("action")
                .with_value(other)
                .arg("allowed", "apply, discard")
                .into());
        }
    };
    Ok(Json(field::resolve(&state.db, ctx.actor()?, id, apply).await?))
}

#[utoipa::path(get, path = "/api/v1/me/tokens", responses((status = 200, body = Vec<accounts::TokenInfo>), (status = 401, body = ApiError)))]
async fn my_tokens(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<accounts::TokenInfo>>> {
    let actor = ctx.actor()?;
    Ok(Json(accounts::tokens(&state.db, actor, &actor.username).await?))
}

/// A token just created: its description, and its secret, shown this once.
#[derive(Serialize, ToSchema)]
struct IssuedToken {
    token: accounts::TokenInfo,
    secret: String,
}

#[utoipa::path(post, path = "/api/v1/me/tokens", request_body = accounts::NewToken, responses((status = 201, body = IssuedToken), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
async fn create_my_token(
    State(state): State<AppState>,
    ctx: Ctx,
    body: std::result::Result<Json<accounts::NewToken>, JsonRejection>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let Json(new) = ok(body)?;
    let (token, secret) = accounts::issue_token(&state.db, actor, &actor.username, &new).await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { token, secret })).into_response())
}

#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", params(("id" = i64, Path)), responses((status = 200, body = accounts::TokenInfo), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn revoke_token(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Json<accounts::TokenInfo>> {
    Ok(Json(accounts::revoke_token(&state.db, ctx.actor()?, id).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{username}/tokens", params(("username" = String, Path)), responses((status = 200, body = Vec<accounts::TokenInfo>), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn user_tokens(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> Result<Json<Vec<accounts::TokenInfo>>> {
    Ok(Json(accounts::tokens(&state.db, ctx.actor()?, &username).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordChange, responses((status = 204), (status = 401, body = ApiError), (status = 422, body = ApiError)))]
async fn change_my_password(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    body: std::result::Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode> {
    let actor = ctx.actor()?;
    let Json(body) = ok(body)?;
    let session = crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE);
    accounts::change_password(&state.db, actor, &body.current_password, &body.new_password, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PasswordReset {
    password: String,
}

#[utoipa::path(post, path = "/api/v1/users/{username}/password", params(("username" = String, Path)), request_body = PasswordReset, responses((status = 204), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    body: std::result::Result<Json<PasswordReset>, JsonRejection>,
) -> Result<StatusCode> {
    let actor = ctx.actor()?;
    let Json(body) = ok(body)?;
    accounts::reset_password(&state.db, actor, &username, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
