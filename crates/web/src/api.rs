//! The JSON API under `/api/v1`, described by the OpenAPI document at `/api/openapi.json`.
//! Scripts authenticate with `Authorization: Bearer <token>` (`opencpd user token`);
//! browser sessions may call it too, sending `X-CSRF-Token` on writes.

use crate::AppState;
use crate::auth::{Ctx, Id};
use crate::error::{ApiError, Result};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opencpd_kernel::accounts::{self, GrantSpec, NewUser, User};
use opencpd_kernel::audit::{self, AuditEvent, AuditFilter};
use opencpd_kernel::paging::{Page, Paged};
use opencpd_registry::store::{self as registry, Counts};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
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
        ApiError,
        crate::error::ApiProblem,
        Me,
        AuditEvent,
        AuditEntry,
        Paged<AuditEntry>,
        audit::RecordName,
        audit::Change,
        User,
        UserView,
        Paged<UserView>,
        CreateUser,
        GrantSpec,
        Counts
    ))
)]
pub struct ApiDoc;

/// The OpenAPI description of this crate's API routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
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

/// An audit event with what a reader needs beside its keys: the record's name (`record`,
/// absent when the record is gone or has no name) and the fields that changed, by key.
#[derive(Serialize, ToSchema)]
struct AuditEntry {
    #[serde(flatten)]
    event: AuditEvent,
    record: Option<audit::RecordName>,
    changes: Vec<audit::Change>,
}

/// The trail, one page, newest first unless sorted by `at`, `actor`, `action` or
/// `entity`; filtered by kind of record (`entity`), actor, action, record id and a range of
/// days (`from`, `to`, inclusive, UTC); `q` searches the summary, the actor's user and
/// display name and the record's id. Beside the stored fields each event carries the
/// actor's display name, the record's name and the page that shows it, and the fields
/// that changed with their values before and after as text.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditFilter, Page),
    responses((status = 200, body = Paged<AuditEntry>), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn audit_trail(
    State(state): State<AppState>,
    ctx: Ctx,
    q: std::result::Result<Query<AuditFilter>, QueryRejection>,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<AuditEntry>>> {
    let (Query(filter), Query(page)) = (ok(q)?, ok(page)?);
    let Paged { total, page, per_page, sort, dir, items } =
        audit::list(&state.db, ctx.actor()?, &filter, &page).await?;
    let names = audit::names(&state.db, &items).await?;
    let items = items
        .into_iter()
        .map(|event| {
            let id = event.entity_id.as_deref().and_then(|i| i.parse::<i64>().ok());
            let record = id.and_then(|id| names.get(&(audit::record_kind(&event).to_string(), id)).cloned());
            let changes = audit::changes(event.before_json.as_deref(), event.after_json.as_deref());
            AuditEntry { event, record, changes }
        })
        .collect();
    Ok(Json(Paged { total, page, per_page, sort, dir, items }))
}

#[derive(Serialize, ToSchema)]
struct UserView {
    #[serde(flatten)]
    user: User,
    roles: Vec<String>,
}

/// The accounts, one page: sorted by `username` (the default), `display_name`,
/// `created_at` or `disabled`; `q` searches user name and display name.
#[utoipa::path(get, path = "/api/v1/users", params(Page), responses((status = 200, body = Paged<UserView>), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn list_users(
    State(state): State<AppState>,
    ctx: Ctx,
    page: std::result::Result<Query<Page>, QueryRejection>,
) -> Result<Json<Paged<UserView>>> {
    let Query(page) = ok(page)?;
    let users = accounts::list_users(&state.db, ctx.actor()?, &page).await?;
    let Paged { total, page, per_page, sort, dir, items } = users;
    let items = items
        .into_iter()
        .map(|(user, grants)| UserView { user, roles: grants.iter().map(|g| g.role.key().to_string()).collect() })
        .collect();
    Ok(Json(Paged { total, page, per_page, sort, dir, items }))
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
