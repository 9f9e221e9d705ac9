//! OpenCPD's web server: server-rendered pages that work without JavaScript, and the JSON
//! API under `/api/v1` described at `/api/openapi.json`.
//!
//! Handlers are thin: they read the request, call `opencpd-store` with the [`auth::Ctx`]'s
//! actor (the store does the scope check), and render. Only this crate knows about HTTP.

pub mod api;
pub mod auth;
pub mod body;
pub mod delivery;
pub mod error;
pub mod metrics;
pub mod pages;
pub mod render;
pub mod security;
pub mod upload;

pub use error::Error;

use axum::Router;
use opencpd_store::Db;
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
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, trust_proxy: false, max_upload: 50 * 1024 * 1024, public_url: None }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    pub templates: Arc<render::Templates>,
    pub throttle: Arc<auth::Throttle>,
    pub metrics: Arc<metrics::Metrics>,
    pub stats: Arc<StatsCache>,
    /// Turns to read an upload ([`body::UPLOADS_AT_ONCE`] at once).
    pub uploads: Arc<tokio::sync::Semaphore>,
}

/// The registry counts the pages show, kept for [`StatsCache::TTL`] and dropped on every
/// write made through this server (writes from another process show within the TTL).
#[derive(Default)]
pub struct StatsCache {
    current: tokio::sync::Mutex<Option<(std::time::Instant, Arc<opencpd_store::registry::UnitStats>)>>,
}

impl StatsCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    pub async fn get(&self, db: &Db) -> Result<Arc<opencpd_store::registry::UnitStats>, Error> {
        let mut current = self.current.lock().await;
        if let Some((at, stats)) = current.as_ref()
            && at.elapsed() < Self::TTL
        {
            return Ok(stats.clone());
        }
        let stats = Arc::new(opencpd_store::registry::unit_stats(db).await?);
        *current = Some((std::time::Instant::now(), stats.clone()));
        Ok(stats)
    }

    pub async fn invalidate(&self) {
        *self.current.lock().await = None;
    }
}

impl WebConfig {
    /// [`WebConfig::public_url`] without a trailing slash.
    pub fn public_url(&self) -> &str {
        self.public_url.as_deref().unwrap_or("http://localhost").trim_end_matches('/')
    }
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            templates: Arc::new(render::Templates::new()),
            throttle: Arc::new(auth::Throttle::default()),
            metrics: Arc::new(metrics::Metrics::default()),
            stats: Arc::new(StatsCache::default()),
            uploads: Arc::new(tokio::sync::Semaphore::new(body::UPLOADS_AT_ONCE)),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pages::router(state.clone()).merge(
            delivery::page_router().layer(axum::middleware::from_fn_with_state(state.clone(), pages::render_errors)),
        ))
        .nest("/api/v1", api::router().merge(delivery::api_router()))
        .route("/api/openapi.json", axum::routing::get(api::openapi))
        .route("/healthz", axum::routing::get(metrics::healthz))
        .route("/metrics", axum::routing::get(metrics::metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), body::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), forget_counts_after_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// Any successful write may change the counts: drop them.
async fn forget_counts_after_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let write = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let response = next.run(request).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        state.stats.invalidate().await;
    }
    response
}

/// Serves until Ctrl-C (or SIGTERM), then finishes the requests in flight.
pub async fn serve(db: Db, addr: SocketAddr, config: WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, db, config).await
}

pub async fn serve_on(listener: tokio::net::TcpListener, db: Db, mut config: WebConfig) -> anyhow::Result<()> {
    let listening = listener.local_addr()?;
    let public_url = config.public_url.get_or_insert_with(|| format!("http://{listening}")).clone();
    let app = app(AppState::new(db, config));
    tracing::info!("listening on http://{listening}, public address {public_url}");
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
