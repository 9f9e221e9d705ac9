//! The areas whose pages and API have not yet moved to crates of their own (accounts,
//! CPD delivery), as one
//! [`opencpd_http::Area`], and the app that serves every area: [`AREAS`].
//!
//! Handlers are thin: they read the request, call `opencpd-store` with the
//! [`auth::Ctx`]'s actor (the store does the scope check), and render.

pub mod api;
pub mod delivery;
pub mod pages;

pub use opencpd_http::{AppState, Area, Error, WebConfig, auth, body, error, metrics, render, security, upload};

use axum::Router;
use opencpd_store::Db;
use std::net::SocketAddr;

/// The pages and API of the areas this crate still holds.
pub static AREA: Area = Area {
    name: "accounts, delivery",
    templates: pages::TEMPLATES,
    pages: |state| pages::router(state).merge(delivery::page_router()),
    api: |_| api::router().merge(delivery::api_router()),
    openapi: api::openapi_document,
    imports: &opencpd_store::delivery::files::KINDS,
    after_write: opencpd_http::nothing_after_write,
};

/// Every area the app serves.
pub static AREAS: &[&Area] = &[
    &opencpd_registry::web::AREA,
    &opencpd_instruments::web::AREA,
    &AREA,
    &opencpd_outreach::web::AREA,
    &opencpd_peer::web::AREA,
    &opencpd_indicators::web::AREA,
    &opencpd_evaluation::web::AREA,
];

pub use opencpd_registry::web::unit_stats;

/// The app serving every area.
pub fn app(state: AppState) -> Router {
    opencpd_http::app(state, AREAS)
}

/// The state of an app serving every area.
pub fn state(db: Db, config: WebConfig) -> AppState {
    AppState::new(db, config, AREAS)
}

/// Serves every area until Ctrl-C (or SIGTERM), then finishes the requests in flight.
pub async fn serve(db: Db, addr: SocketAddr, config: WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, db, config).await
}

/// [`serve`] with a state already made (a test keeps it to read what it noticed).
pub async fn serve_state(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    opencpd_http::serve_state(listener, state, AREAS).await
}

/// [`serve`] on a listener already bound.
pub async fn serve_on(listener: tokio::net::TcpListener, db: Db, config: WebConfig) -> anyhow::Result<()> {
    opencpd_http::serve_on(listener, db, config, AREAS).await
}
