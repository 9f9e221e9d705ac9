//! Pages and API of CPD delivery (being written).

use crate::AppState;
use axum::Router;

/// Templates of the delivery pages, registered with the others.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// `/api/v1/…` routes of delivery, nested under `/api/v1` with the others.
pub fn api_router() -> Router<AppState> {
    Router::new()
}

/// Page routes of delivery.
pub fn page_router() -> Router<AppState> {
    Router::new()
}

/// The OpenAPI description of the delivery routes, merged into `/api/openapi.json`.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct DeliveryApi;
