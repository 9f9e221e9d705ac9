//! What every area's pages and API share, and the app that merges the areas.
//!
//! An area crate exports an [`Area`]: its templates, its page routes, its `/api/v1` routes
//! and its OpenAPI document. [`app`] merges the areas given to it with the shared pages
//! (signing in, the language switch, errors as pages), the OpenAPI document at
//! `/api/openapi.json`, `/healthz` and `/metrics`, behind one set of layers: the body
//! guard (who may send a body, and how large), security headers, metrics.
//!
//! Handlers take [`auth::Ctx`] (who is asking, in which language), answer
//! [`error::Result`] (the one HTTP error type), read forms through [`csrf::CsrfForm`]
//! (the session's CSRF token checked before the handler runs) and render with
//! [`render::Templates::page`].

pub mod auth;
pub mod body;
pub mod chart;
pub mod contract;
pub mod csrf;
pub mod download;
pub mod error;
pub mod imports;
pub mod metrics;
pub mod render;
pub mod security;
pub mod session;
pub mod upload;

pub use auth::{Ctx, Id, Vouched};
pub use csrf::CsrfForm;
pub use error::{ApiError, Error, Result, ok};

use axum::Router;
use opencpd_kernel::Db;
use std::net::SocketAddr;
use std::sync::Arc;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Always served over HTTPS: cookies are `Secure` and answers carry HSTS.
    pub secure_cookies: bool,
    /// A proxy in front is trusted: its `X-Forwarded-Proto` says whether a request came
    /// over HTTPS, and the last address of its `X-Forwarded-For` is the client's.
    pub trust_proxy: bool,
    /// Largest upload (an import file, an XLSForm) accepted, in bytes; other routes take
    /// less (`body::Kind`).
    pub max_upload: usize,
    /// The address the server is reached at (`https://cpd.example.org`), the start of every
    /// absolute address it writes (QR codes, verification links); never read from a
    /// request. Unset, [`serve_on`] uses `http://` and the address it listens on.
    pub public_url: Option<String>,
    /// Where files are kept (forms' attachments, submissions' photos); unset, a directory
    /// `opencpd-files` in the system's temporary directory (tests: files are named by their
    /// content, so tests may share it).
    pub files: Option<opencpd_kernel::files::Files>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            max_upload: 50 * 1024 * 1024,
            public_url: None,
            files: None,
        }
    }
}

impl WebConfig {
    /// [`WebConfig::public_url`] without a trailing slash.
    pub fn public_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://localhost").trim_end_matches('/')
    }
}

/// One area of the product as the app sees it.
pub struct Area {
    /// For logs and tests.
    pub name: &'static str,
    /// Its templates, as (name, source); names are unique across areas (put them in a
    /// folder named after the area).
    pub templates: &'static [(&'static str, &'static str)],
    /// Its page routes, mounted at `/`.
    pub pages: fn(&AppState) -> Router<AppState>,
    /// Its API routes, nested under `/api/v1`.
    pub api: fn(&AppState) -> Router<AppState>,
    /// The OpenAPI description of its API routes.
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// The kinds of file it imports, through the one import route, page and command.
    pub imports: &'static [opencpd_kernel::import::Kind],
    /// Called after every successful write request, in any area (to drop what it keeps
    /// in memory that a write may have changed).
    pub after_write: fn(&Db),
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub templates: Arc<render::Templates>,
    pub throttle: Arc<auth::Throttle>,
    pub metrics: Arc<metrics::Metrics>,
    /// Turns to read an upload ([`body::UPLOADS_AT_ONCE`] at once).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// The OpenAPI document of every area, merged once.
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    /// Every area's kinds of import file.
    pub imports: Arc<Vec<&'static opencpd_kernel::import::Kind>>,
    /// Every area's [`Area::after_write`].
    pub after_write: Arc<Vec<fn(&Db)>>,
    /// Every API answer checked against the OpenAPI document.
    pub contract: Arc<contract::Contract>,
    /// The one file store ([`WebConfig::files`]).
    pub files: opencpd_kernel::files::Files,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig, areas: &[&Area]) -> AppState {
        let files = config.files.clone().unwrap_or_else(|| {
            opencpd_kernel::files::Files::dir(std::env::temp_dir().join("opencpd-files"))
                .expect("a directory for files in the temporary directory")
        });
        AppState {
            files,
            db,
            config: Arc::new(config),
            templates: Arc::new(render::Templates::new(areas)),
            throttle: Arc::new(auth::Throttle::default()),
            metrics: Arc::new(metrics::Metrics::default()),
            uploads: Arc::new(tokio::sync::Semaphore::new(body::UPLOADS_AT_ONCE)),
            contract: Arc::new(contract::Contract::new(&openapi_document(areas))),
            openapi: Arc::new(openapi_document(areas)),
            imports: Arc::new(imports::kinds_of(areas)),
            after_write: Arc::new(areas.iter().map(|a| a.after_write).collect()),
        }
    }
}

/// The app: the shared pages and every area's routes behind the shared layers.
pub fn app(state: AppState, areas: &[&Area]) -> Router {
    let mut pages = session::router().merge(imports::pages());
    let mut api = imports::api();
    for area in areas {
        pages = pages.merge((area.pages)(&state));
        api = api.merge((area.api)(&state));
    }
    Router::new()
        .merge(pages.layer(axum::middleware::from_fn_with_state(state.clone(), session::render_errors)))
        .nest("/api/v1", api.fallback(not_found))
        .route("/api/openapi.json", axum::routing::get(openapi))
        .route("/healthz", axum::routing::get(metrics::healthz))
        .route("/metrics", axum::routing::get(metrics::metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), after_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), body::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn_with_state(state.clone(), contract::check))
        .with_state(state)
}

/// Runs every area's [`Area::after_write`] after a successful write request.
async fn after_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let write = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(request).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        for forget in state.after_write.iter() {
            forget(&state.db);
        }
    }
    response
}

/// For areas that keep nothing a write could change.
pub fn nothing_after_write(_: &Db) {}

async fn not_found() -> Error {
    Error::NotFound
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "OpenCPD API", description = "Continuous professional development for teachers and school leaders. Every answer is limited to the caller's scope; errors have the ApiError shape with each problem's row, column and value."),
    paths(imports::import_api),
    components(schemas(ApiError, error::ApiProblem, imports::ReportView, imports::ChangeView)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct SharedApi;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document of the areas: the shared part, then each area's paths and schemas.
pub fn openapi_document(areas: &[&Area]) -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = SharedApi::openapi();
    for area in areas {
        doc.merge((area.openapi)());
    }
    contract::complete(&mut doc);
    doc
}

async fn openapi(axum::extract::State(state): axum::extract::State<AppState>) -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json((*state.openapi).clone())
}

/// Serves `areas` on `listener` until Ctrl-C (or SIGTERM), then finishes the requests in
/// flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    db: Db,
    mut config: WebConfig,
    areas: &[&Area],
) -> anyhow::Result<()> {
    let listening = listener.local_addr()?;
    let public_url = config.public_url.get_or_insert_with(|| format!("http://{listening}")).clone();
    tracing::info!("listening on http://{listening}, public address {public_url}");
    serve_state(listener, AppState::new(db, config, areas), areas).await
}

/// Serves `areas` with a state already made (tests keep it, to read what it noticed).
pub async fn serve_state(listener: tokio::net::TcpListener, state: AppState, areas: &[&Area]) -> anyhow::Result<()> {
    let app = app(state, areas);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
