//! Pages and API of CPD delivery: programmes, courses, cohorts, enrolment, sessions and
//! attendance, grades, certificates (with the public verification page), CPD records and
//! reach reports. Handlers are thin: the store (`opencpd_store::delivery`) checks scope.
//!
//! `api` holds the `/api/v1` routes (in the OpenAPI document through [`DeliveryApi`]),
//! `pages` the server-rendered ones.

mod api;
mod pages;
mod paper;

use crate::AppState;
use axum::Router;

pub use api::DeliveryApi;
pub use paper::PaperApi;

/// `/api/v1/…` routes of delivery, nested under `/api/v1` with the others.
pub fn api_router() -> Router<AppState> {
    api::router().merge(paper::api_router())
}

/// Page routes of delivery.
pub fn page_router() -> Router<AppState> {
    pages::router().merge(paper::page_router())
}
