//! The server-rendered pages. Each handler reads the request, asks the store (which checks
//! the scope) and renders a template; forms carry the session's CSRF token.

use crate::AppState;
use crate::auth::{self, Ctx, Id, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{Error, Rendered, Result};
use crate::security::ClientAddress;
use axum::extract::{Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use opencpd_domain::AccountRole;
use opencpd_domain::import::ImportKind;
use opencpd_store::accounts::{self, GrantSpec, NewUser};
use opencpd_store::audit::{self, AuditFilter};
use opencpd_store::imports::{self, Progress};
use opencpd_store::paging::{Page, Paged};
use opencpd_store::{Actor, exports, instruments, registry};
use opencpd_transfer::Format;
use serde::{Deserialize, Serialize};

/// Any serialisable value, for a template.
fn v<T: Serialize>(value: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(value))
}

/// What `templates/list.html` shows of a page of a list: the count, the links to the
/// pages before and after, the sort and the search, kept from one link to the next.
#[derive(Serialize)]
pub(crate) struct ListView {
    total: i64,
    page: i64,
    per_page: i64,
    sort: String,
    dir: String,
    q: Option<String>,
    first: i64,
    last: i64,
    has_next: bool,
}

impl ListView {
    pub(crate) fn of<T>(paged: &Paged<T>, asked: &Page) -> minijinja::Value {
        v(&ListView {
            total: paged.total,
            page: paged.page,
            per_page: paged.per_page,
            sort: paged.sort.clone(),
            dir: paged.dir.clone(),
            q: asked.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_string),
            first: paged.first(),
            last: paged.last(),
            has_next: paged.has_next(),
        })
    }
}

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_language))
        .route("/units/{id}", get(unit_page))
        .route("/schools/{id}", get(school_page))
        .route("/people/{id}", get(person_page))
        .route("/import", get(import_page).post(import_upload))
        .route("/templates/{kind}", get(template_file))
        .route("/export/{kind}", get(export_file))
        .route("/users", get(users_page).post(create_user))
        .route("/users/{username}/disable", post(disable_user))
        .route("/users/{username}/enable", post(enable_user))
        .route("/audit", get(audit_page))
        .route("/conflicts", get(conflicts_page))
        .route("/conflicts/{id}", post(resolve_conflict))
        .route("/instruments", get(instruments_page).post(publish_instrument))
        .route("/instruments/{id}", get(instrument_page))
        .route("/instruments/{id}/summary", get(instrument_summary_page))
        .route("/instruments/{id}/retire", post(retire_instrument))
        .route("/static/app.css", get(stylesheet))
        .route("/field", get(|| async { Redirect::permanent("/field/") }))
        .route("/field/", get(|| field_file(Path("index.html".to_string()))))
        .route("/field/{file}", get(field_file))
        .layer(axum::middleware::from_fn_with_state(state, render_errors))
}

/// Whether the actor may import anything at all (the store checks each row's scope).
pub fn can_import(actor: &Actor) -> bool {
    actor.grants.iter().any(|g| {
        matches!(
            g.role,
            AccountRole::SystemAdmin
                | AccountRole::NationalOfficer
                | AccountRole::DistrictOfficer
                | AccountRole::SectorOfficer
                | AccountRole::SchoolLeader
        )
    })
}

/// Turns an error answer into a page in the reader's language, or a redirect to the login
/// page when no one is logged in.
pub async fn render_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let here = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let response = next.run(request).await;
    let Some(Rendered(error)) = response.extensions().get::<Rendered>().cloned() else {
        return response;
    };
    error_page(&state, &headers, &here, &error).unwrap_or(response)
}

/// An error as a page in the reader's language, or a redirect to the login page when
/// they must log in first; `None` when the page cannot be rendered.
pub fn error_page(state: &AppState, headers: &HeaderMap, here: &str, error: &Error) -> Option<Response> {
    if matches!(*error, Error::Unauthorized) {
        return Some(Redirect::to(&format!("/login?next={}", encode(here))).into_response());
    }
    let lang = auth::cookie(headers, LANG_COOKIE).map(opencpd_domain::i18n::resolve).unwrap_or("en");
    let ctx = Ctx { actor: None, csrf: None, lang, by_token: false, here: here.to_string(), vouch: None };
    let messages: Vec<String> = error.problems().iter().map(|p| p.located(lang)).collect();
    let html =
        state.templates.page(&ctx, "error.html", minijinja::context! { status => error.status().as_u16(), messages });
    html.ok().map(|html| (error.status(), html).into_response())
}

/// Percent-encodes a path for a query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only local paths are followed after login or a language switch.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response> {
    if ctx.actor.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let token = accounts::new_secret();
    let html = state.templates.page(
        &ctx,
        "login.html",
        minijinja::context! { login_csrf => &token, next => safe_next(q.next.as_deref()), error => None::<String> },
    )?;
    Ok(([(header::SET_COOKIE, auth::set_cookie(LOGIN_CSRF_COOKIE, &token, Some(3600)))], html).into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    // Double-submit check: the form's token must match the cookie set with the form.
    if auth::cookie(&headers, LOGIN_CSRF_COOKIE) != Some(form.csrf.as_str()) {
        return Err(Error::Csrf);
    }
    match auth::login(&state, &form.username, &form.password, &address).await {
        Ok((actor, secret)) => {
            let mut response = Redirect::to(&safe_next(form.next.as_deref())).into_response();
            let h = response.headers_mut();
            let max_age = accounts::SESSION_DAYS * 86400;
            h.append(
                header::SET_COOKIE,
                auth::set_cookie(SESSION_COOKIE, &secret, Some(max_age)).parse().expect("cookie"),
            );
            if auth::cookie(&headers, LANG_COOKIE).is_none() {
                h.append(
                    header::SET_COOKIE,
                    auth::set_cookie(LANG_COOKIE, &actor.language, Some(365 * 86400)).parse().expect("cookie"),
                );
            }
            Ok(response)
        }
        Err(e @ (Error::BadCredentials | Error::Throttled(_))) => {
            let message = e.problems().iter().map(|p| p.message(ctx.lang)).collect::<Vec<_>>().join(" ");
            let html = state.templates.page(&ctx, "login.html", minijinja::context! { login_csrf => &form.csrf, next => safe_next(form.next.as_deref()), error => message, username => &form.username })?;
            let mut response = (e.status(), html).into_response();
            if let Error::Throttled(seconds) = e {
                response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
            }
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    ctx.check_csrf(&form.csrf)?;
    if let Some(secret) = auth::cookie(&headers, SESSION_COOKIE) {
        accounts::end_session(&state.db, secret).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::set_cookie(SESSION_COOKIE, "", Some(0)).parse().expect("cookie"));
    Ok(response)
}

async fn switch_language(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let lang = opencpd_domain::i18n::resolve(&code);
    if let Some(actor) = &ctx.actor {
        accounts::set_language(&state.db, actor, lang).await?;
    }
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::set_cookie(LANG_COOKIE, lang, Some(365 * 86400)).parse().expect("cookie"));
    Ok(response)
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let stats = state.stats.get(&state.db).await?;
    let counts = registry::counts(&state.db, actor, &stats).await?;
    let units = registry::start_units(&state.db, actor, &stats).await?;
    let schools = registry::own_schools(&state.db, actor).await?;
    let own: Vec<i64> = actor
        .grants
        .iter()
        .filter_map(|g| match g.scope {
            opencpd_domain::Scope::Own { person_id } => Some(person_id),
            _ => None,
        })
        .collect();
    let roles: Vec<&str> = actor.grants.iter().map(|g| g.role.key()).collect();
    state.templates.page(&ctx, "home.html", minijinja::context! { counts => v(&counts), units => v(&units), schools => v(&schools), own => v(&own), roles => v(&roles) })
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
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
    let stats = state.stats.get(&state.db).await?;
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
        "unit.html",
        minijinja::context! {
            unit => v(&unit), crumbs => v(&crumbs), children => v(&children), schools => v(&schools), page, more, q => q.q.unwrap_or_default(),
            searching, total_schools,
            level => level_name(unit.depth), child_level => level_name(unit.depth + 1),
        },
    )
}

async fn school_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let school = registry::school(&state.db, actor, id).await?;
    let crumbs = registry::ancestors(&state.db, actor, &school.unit_path).await?;
    let staff = registry::staff(&state.db, actor, &school).await?;
    let clusters = registry::clusters_of(&state.db, actor, &school).await?;
    let women = staff.iter().filter(|s| s.sex == "F").count();
    let resources = crate::delivery::school_resources(&state, &ctx, school.id, &school.unit_path).await?;
    state.templates.page(
        &ctx,
        "school.html",
        minijinja::context! { school => v(&school), crumbs => v(&crumbs), staff => v(&staff), women, clusters => v(&clusters),
        ..resources },
    )
}

async fn person_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let (person, positions) = registry::person(&state.db, actor, id).await?;
    let today = opencpd_store::today();
    let positions: Vec<_> = positions
        .into_iter()
        .map(|x| {
            let current = x.is_current(today);
            minijinja::context! { current, ..v(&x) }
        })
        .collect();
    let awards = opencpd_store::delivery::awards::awards_of(&state.db, actor, id).await?;
    state.templates.page(
        &ctx,
        "person.html",
        minijinja::context! { person => v(&person), positions, awards => v(&awards) },
    )
}

fn kinds() -> Vec<&'static str> {
    ImportKind::ALL.iter().map(|k| k.key()).collect()
}

async fn import_page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    if !can_import(actor) {
        return Err(Error::Forbidden);
    }
    state.templates.page(&ctx, "import.html", minijinja::context! { kinds => kinds(), report => (), kind => "schools" })
}

/// A report as pages and the API show it: counts and each problem in the reader's language.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub kind: String,
    pub file: String,
    pub rows: usize,
    pub created: u64,
    pub dry_run: bool,
    pub ok: bool,
    pub problems: Vec<crate::error::ApiProblem>,
}

/// Reads a file and runs the import pipeline; problems with the file itself come back in
/// the report like problems with its rows.
pub async fn run_import(
    state: &AppState,
    actor: &Actor,
    kind: ImportKind,
    file: &str,
    bytes: &[u8],
    dry_run: bool,
    lang: &str,
) -> Result<ReportView> {
    let report = match opencpd_transfer::read_table(file, bytes) {
        Ok(table) => imports::import_table(&state.db, actor, kind, &table, dry_run, &Progress::none()).await?,
        Err(problem) => {
            imports::ImportReport { kind: kind.key(), rows: 0, created: 0, dry_run, problems: vec![problem] }
        }
    };
    Ok(ReportView {
        kind: report.kind.to_string(),
        file: file.to_string(),
        rows: report.rows,
        created: report.created,
        dry_run,
        ok: report.ok(),
        problems: report.problems.iter().map(|p| crate::error::ApiProblem::from_problem(p, lang)).collect(),
    })
}

async fn import_upload(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    // The rights first: the file is read only for someone who may import.
    if !can_import(actor) {
        return Err(Error::Forbidden);
    }
    let form = crate::upload::Upload::read(&ctx, multipart).await?;
    let (kind, dry_run) = (form.text("kind"), form.ticked("dry_run"));
    let kind = ImportKind::parse(kind).map_err(|p| p.in_column("kind"))?;
    let (name, bytes) = form.file()?;
    let report = run_import(&state, actor, kind, name, bytes, dry_run, ctx.lang).await?;
    let status = if report.ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = state.templates.page(
        &ctx,
        "import.html",
        minijinja::context! { kinds => kinds(), report => v(&report), kind => kind.key() },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// A file download of a table.
pub fn table_download(format: Format, stem: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Result<Response> {
    let mut bytes = Vec::new();
    opencpd_transfer::write_table(format, headers, rows, &mut bytes).map_err(|e| Error::Internal(e.into()))?;
    let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
    Ok(([(header::CONTENT_TYPE, format.content_type().to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

fn format_of(q: &FormatQuery) -> Result<Format> {
    Ok(Format::parse(q.format.as_deref().unwrap_or("csv")).map_err(|p| p.in_column("format"))?)
}

async fn template_file(Path(kind): Path<String>, Query(q): Query<FormatQuery>) -> Result<Response> {
    let kind =
        ImportKind::parse(kind.trim_end_matches(".csv").trim_end_matches(".xlsx")).map_err(|p| p.in_column("kind"))?;
    let headers: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
    let example: Vec<String> = kind.columns().iter().map(|c| c.example.to_string()).collect();
    table_download(format_of(&q)?, &format!("{}-template", kind.key()), &headers, vec![example])
}

async fn export_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let kind = ImportKind::parse(&kind).map_err(|p| p.in_column("kind"))?;
    let format = format_of(&q)?;
    let (headers, rows) = exports::export(&state.db, actor, kind).await?;
    table_download(format, kind.key(), &headers, rows)
}

async fn users_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_users(&state, &ctx, None, None, StatusCode::OK).await
}

async fn render_users(
    state: &AppState,
    ctx: &Ctx,
    problems: Option<Vec<String>>,
    created: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let users = accounts::list_users(&state.db, actor).await?;
    let users: Vec<_> = users
        .into_iter()
        .map(|(u, grants)| {
            let roles: Vec<&str> = grants.iter().map(|g| g.role.key()).collect();
            minijinja::context! { roles, ..v(&u) }
        })
        .collect();
    let roles: Vec<&str> = AccountRole::ALL.iter().map(|r| r.key()).collect();
    let html = state.templates.page(ctx, "users.html", minijinja::context! { users, roles, problems, created })?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    language: String,
    role: String,
    scope_code: Option<String>,
}

async fn create_user(State(state): State<AppState>, ctx: Ctx, Form(form): Form<UserForm>) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    let outcome = async {
        let role = AccountRole::parse(&form.role).map_err(|p| p.in_column("role"))?;
        let new = NewUser {
            username: form.username.clone(),
            password: form.password.clone(),
            display_name: form.display_name.clone(),
            language: form.language.clone(),
            grants: vec![GrantSpec { role, scope_code: form.scope_code.clone() }],
        };
        Ok::<_, Error>(accounts::create_user(&state.db, actor, &new).await?)
    }
    .await;
    match outcome {
        Ok(user) => render_users(&state, &ctx, None, Some(user.username), StatusCode::OK).await,
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let messages = e.problems().iter().map(|p| p.located(ctx.lang)).collect();
            render_users(&state, &ctx, Some(messages), None, e.status()).await
        }
        Err(e) => Err(e),
    }
}

async fn set_disabled(state: AppState, ctx: Ctx, username: String, csrf: String, disabled: bool) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&csrf)?;
    accounts::set_disabled(&state.db, actor, &username, disabled).await?;
    Ok(Redirect::to("/users").into_response())
}

async fn disable_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    set_disabled(state, ctx, username, form.csrf, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    set_disabled(state, ctx, username, form.csrf, false).await
}

async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(filter): Query<AuditFilter>,
) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let events = audit::list(&state.db, actor, &filter).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let more = events.len() as i64 == audit::AUDIT_PAGE;
    state.templates.page(
        &ctx,
        "audit.html",
        minijinja::context! {
            events => v(&events), page, more,
            actor => filter.actor.unwrap_or_default(), entity => filter.entity.unwrap_or_default(),
            action => filter.action.unwrap_or_default(),
        },
    )
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}

async fn render_instruments(
    state: &AppState,
    ctx: &Ctx,
    report: Option<minijinja::Value>,
    status: StatusCode,
) -> Result<Response> {
    let actor = ctx.actor()?;
    let list = instruments::list(&state.db, true).await?;
    let counts = instruments::submission_counts(&state.db, actor).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|i| minijinja::context! { submissions => counts.get(&i.id).copied().unwrap_or(0), ..v(i) })
        .collect();
    let html = state.templates.page(
        ctx,
        "instruments.html",
        minijinja::context! { instruments => rows, can_edit => instruments::can_edit(actor), kinds => v(&instruments::KINDS), report },
    )?;
    Ok((status, html).into_response())
}

async fn instruments_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response> {
    render_instruments(&state, &ctx, None, StatusCode::OK).await
}

async fn publish_instrument(State(state): State<AppState>, ctx: Ctx, multipart: Multipart) -> Result<Response> {
    let actor = ctx.actor()?;
    instruments::may_edit(actor)?;
    let form = crate::upload::Upload::read(&ctx, multipart).await?;
    let kind = Some(form.text("kind")).filter(|k| !k.is_empty()).unwrap_or("survey");
    let (name, bytes) = form.file()?;
    match instruments::import(&state.db, actor, name, bytes, kind).await {
        Ok(i) => {
            let report =
                minijinja::context! { ok => true, file => name, published => format!("{} {}", i.code, i.version) };
            render_instruments(&state, &ctx, Some(report), StatusCode::OK).await
        }
        Err(opencpd_store::Error::Invalid(problems)) => {
            let problems: Vec<_> =
                problems.iter().map(|p| crate::error::ApiProblem::from_problem(p, ctx.lang)).collect();
            let report = minijinja::context! { ok => false, file => name, problems => v(&problems) };
            render_instruments(&state, &ctx, Some(report), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn instrument_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let instrument = instruments::instrument(&state.db, id).await?;
    let form = instruments::form(&state.db, id).await?;
    let lang = ctx.lang;
    let text = |t: &opencpd_forms::Texts| -> String {
        t.get(lang).or_else(|| t.get(&form.default_language)).or_else(|| t.values().next()).cloned().unwrap_or_default()
    };
    let items: Vec<_> = form
        .all_items()
        .into_iter()
        .map(|i| {
            let kind = serde_json::to_value(&i.kind)
                .ok()
                .and_then(|k| k["type"].as_str().map(str::to_string))
                .unwrap_or_default();
            minijinja::context! {
                name => &i.name, label => text(&i.label), kind, domain => &i.domain,
                required => !matches!(i.required, opencpd_forms::Condition::Never),
                relevant => i.relevant.as_ref().map(|e| e.source().to_string()),
                constraint => i.constraint.as_ref().map(|e| e.source().to_string()),
            }
        })
        .collect();
    let counts = instruments::submission_counts(&state.db, actor).await?;
    state.templates.page(
        &ctx,
        "instrument.html",
        minijinja::context! {
            instrument => v(&instrument), items, submissions => counts.get(&id).copied().unwrap_or(0),
            can_edit => instruments::can_edit(actor), languages_of_form => v(&form.languages),
            row_level => actor.may(opencpd_domain::access::Action::ReadRows),
        },
    )
}

async fn instrument_summary_page(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> Result<Html<String>> {
    let summary = instruments::summary::summary(&state.db, ctx.actor()?, id, None, ctx.lang).await?;
    state.templates.page(&ctx, "instrument_summary.html", minijinja::context! { summary => v(&summary) })
}

async fn retire_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    instruments::retire(&state.db, actor, id).await?;
    Ok(Redirect::to(&format!("/instruments/{id}")).into_response())
}

/// The offline field app: static files compiled into the binary.
const FIELD_FILES: &[(&str, &str, &str)] = &[
    ("index.html", "text/html; charset=utf-8", include_str!("../static/field/index.html")),
    ("app.css", "text/css; charset=utf-8", include_str!("../static/field/app.css")),
    ("app.js", "text/javascript; charset=utf-8", include_str!("../static/field/app.js")),
    ("forms.js", "text/javascript; charset=utf-8", include_str!("../static/field/forms.js")),
    ("edits.js", "text/javascript; charset=utf-8", include_str!("../static/field/edits.js")),
    ("store.js", "text/javascript; charset=utf-8", include_str!("../static/field/store.js")),
    ("sw.js", "text/javascript; charset=utf-8", include_str!("../static/field/sw.js")),
    ("manifest.webmanifest", "application/manifest+json", include_str!("../static/field/manifest.webmanifest")),
    ("icon.svg", "image/svg+xml", include_str!("../static/field/icon.svg")),
];

async fn field_file(Path(file): Path<String>) -> Response {
    match FIELD_FILES.iter().find(|(name, _, _)| *name == file) {
        Some((name, content_type, body)) => {
            let mut response =
                ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], *body).into_response();
            if *name == "sw.js" {
                response
                    .headers_mut()
                    .insert("service-worker-allowed", axum::http::HeaderValue::from_static("/field/"));
            }
            response
        }
        None => Error::NotFound.into_response(),
    }
}

async fn conflicts_page(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>> {
    let actor = ctx.actor()?;
    let edits = opencpd_store::field::conflicts(&state.db, actor).await?;
    let mut rows = Vec::new();
    for e in &edits {
        let (person, _) = registry::person(&state.db, actor, e.entity_id).await?;
        let earlier: serde_json::Value =
            e.current_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
        let changes: opencpd_store::field::PersonChanges = serde_json::from_str(&e.changes_json).unwrap_or_default();
        let read: serde_json::Value =
            e.base_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or(earlier);
        let now = serde_json::to_value(&person).unwrap_or_default();
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let fields: Vec<_> = changes
            .named()
            .into_iter()
            .map(|(f, proposed)| {
                minijinja::context! {
                    label => format!("col-{}", f.replace('_', "-")), proposed => text(&proposed),
                    current => text(&now[f]), when_read => text(&read[f]),
                }
            })
            .collect();
        rows.push(minijinja::context! {
            id => e.id, person_id => person.id, name => format!("{} {}", person.given_name, person.family_name),
            received_at => e.received_at.format("%Y-%m-%d %H:%M").to_string(), fields,
        });
    }
    state.templates.page(&ctx, "conflicts.html", minijinja::context! { conflicts => rows })
}

#[derive(Deserialize)]
struct ResolveForm {
    csrf: String,
    action: String,
}

async fn resolve_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    Form(form): Form<ResolveForm>,
) -> Result<Response> {
    let actor = ctx.actor()?;
    ctx.check_csrf(&form.csrf)?;
    opencpd_store::field::resolve(&state.db, actor, id, form.action == "apply").await?;
    Ok(Redirect::to("/conflicts").into_response())
}
