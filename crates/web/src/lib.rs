//! The app that serves every area ([`AREAS`]), and the pages that belong to no single
//! area, as one [`opencpd_http::Area`]: the home page, accounts and tokens, the audit
//! trail, and the school and person pages, which show several areas' records side by side.
//!
//! Handlers are thin: they read the request, call the areas' stores with the
//! [`auth::Ctx`]'s actor (the store does the scope check), and render.

pub mod api;
pub mod pages;

pub use opencpd_http::{AppState, Area, Error, WebConfig, auth, body, error, metrics, render, security, upload};

use axum::Router;
use opencpd_kernel::Db;
use std::net::SocketAddr;

/// The pages and API of the areas this crate still holds.
pub static AREA: Area = Area {
    name: "accounts",
    templates: pages::TEMPLATES,
    pages: pages::router,
    api: |_| api::router(),
    openapi: api::openapi_document,
    imports: &[],
    after_write: opencpd_http::nothing_after_write,
};

/// Every area the app serves.
pub static AREAS: &[&Area] = &[
    &opencpd_registry::web::AREA,
    &opencpd_instruments::web::AREA,
    &opencpd_delivery::web::AREA,
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

#[cfg(test)]
mod tests {
    use super::AREAS;
    use std::collections::BTreeMap;

    /// The areas' OpenAPI parts are merged into one document, where a schema is known by
    /// its name alone: two areas naming different shapes alike would leave one of them
    /// described wrongly (answers then fail the contract check). Names are shared only by
    /// identical shapes.
    #[test]
    fn no_two_areas_give_one_schema_name_two_shapes() {
        let mut seen: BTreeMap<String, (&str, serde_json::Value)> = BTreeMap::new();
        let mut clashes = Vec::new();
        for area in AREAS {
            let doc = (area.openapi)();
            let Some(components) = doc.components else { continue };
            for (name, schema) in components.schemas {
                let shape = serde_json::to_value(&schema).expect("a schema as JSON");
                match seen.get(&name) {
                    Some((other, earlier)) if *earlier != shape => {
                        clashes.push(format!("{name}: {other} and {}", area.name));
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(name, (area.name, shape));
                    }
                }
            }
        }
        assert_eq!(clashes, Vec::<String>::new());
    }
}
