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
pub(crate) use pages::school_resources;
pub use paper::PaperApi;

/// Templates of the delivery pages, registered with the others.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("delivery/programmes.html", include_str!("../../templates/delivery/programmes.html")),
    ("delivery/programme.html", include_str!("../../templates/delivery/programme.html")),
    ("delivery/course.html", include_str!("../../templates/delivery/course.html")),
    ("delivery/cohorts.html", include_str!("../../templates/delivery/cohorts.html")),
    ("delivery/cohort.html", include_str!("../../templates/delivery/cohort.html")),
    ("delivery/mark.html", include_str!("../../templates/delivery/mark.html")),
    ("delivery/verify.html", include_str!("../../templates/delivery/verify.html")),
    ("delivery/record.html", include_str!("../../templates/delivery/record.html")),
    ("delivery/apply.html", include_str!("../../templates/delivery/apply.html")),
    ("delivery/below.html", include_str!("../../templates/delivery/below.html")),
    ("delivery/outreach.html", include_str!("../../templates/delivery/outreach.html")),
    ("delivery/outreach_form.html", include_str!("../../templates/delivery/outreach_form.html")),
    ("delivery/outreach_event.html", include_str!("../../templates/delivery/outreach_event.html")),
    ("delivery/resource.html", include_str!("../../templates/delivery/resource.html")),
    ("delivery/school_resources.html", include_str!("../../templates/delivery/school_resources.html")),
    ("delivery/school_resources_page.html", include_str!("../../templates/delivery/school_resources_page.html")),
    ("delivery/person_awards.html", include_str!("../../templates/delivery/person_awards.html")),
    ("delivery/catalogue_forms.html", include_str!("../../templates/delivery/catalogue_forms.html")),
    ("delivery/programme_form.html", include_str!("../../templates/delivery/programme_form.html")),
    ("delivery/course_form.html", include_str!("../../templates/delivery/course_form.html")),
    ("delivery/catalogue_edit.html", include_str!("../../templates/delivery/catalogue_edit.html")),
    ("delivery/outreach_kinds.html", include_str!("../../templates/delivery/outreach_kinds.html")),
    ("delivery/certificate.html", include_str!("../../templates/delivery/certificate.html")),
    ("delivery/templates.html", include_str!("../../templates/delivery/templates.html")),
    ("delivery/typed.html", include_str!("../../templates/delivery/typed.html")),
    ("delivery/checkin_screen.html", include_str!("../../templates/delivery/checkin_screen.html")),
    ("delivery/checkin.html", include_str!("../../templates/delivery/checkin.html")),
];

/// `/api/v1/…` routes of delivery, nested under `/api/v1` with the others.
pub fn api_router() -> Router<AppState> {
    api::router().merge(paper::api_router())
}

/// Page routes of delivery.
pub fn page_router() -> Router<AppState> {
    pages::router().merge(paper::page_router())
}
