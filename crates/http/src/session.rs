//! The pages every area shares: signing in and out, the language switch, the stylesheet,
//! and errors answered as pages in the reader's language.

use crate::AppState;
use crate::auth::{self, Ctx, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{Error, Rendered, Result};
use crate::security::ClientAddress;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use opencpd_domain::AccountRole;
use opencpd_kernel::{Actor, accounts};
use serde::Deserialize;

/// The shared pages' routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_language))
        .route("/static/app.css", get(stylesheet))
        .route("/static/picker.js", get(picker))
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
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
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

/// The one script of the pages: pickers that offer what exists as a person types.
async fn picker() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/picker.js"),
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
        .into_response()
}
