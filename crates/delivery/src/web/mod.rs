//! Pages and API of CPD delivery: programmes, courses, cohorts, enrolment, sessions and
//! attendance, grades, certificates (with the public verification page), CPD records and
//! reach reports. Handlers are thin: the store ([`crate::store`]) checks scope.
//!
//! `api` holds the `/api/v1` routes (in the OpenAPI document through [`DeliveryApi`]),
//! `pages` the server-rendered ones.

mod api;
mod pages;
mod paper;

use axum::Router;
use opencpd_http::{AppState, Area};
use utoipa::OpenApi;

pub use api::DeliveryApi;
pub use paper::PaperApi;

/// Delivery's pages, API and import kinds, as the app serves them.
pub static AREA: Area = Area {
    name: "delivery",
    templates: TEMPLATES,
    pages: |_| page_router(),
    api: |_| api_router(),
    openapi: openapi_document,
    imports: &crate::store::files::KINDS,
    after_write: opencpd_http::nothing_after_write,
};

/// The templates of delivery's pages (the layout and lists are `opencpd_http`'s).
const TEMPLATES: &[(&str, &str)] = &[
    ("delivery/programmes.html", include_str!("../../templates/delivery/programmes.html")),
    ("delivery/courses.html", include_str!("../../templates/delivery/courses.html")),
    ("delivery/programme.html", include_str!("../../templates/delivery/programme.html")),
    ("delivery/course.html", include_str!("../../templates/delivery/course.html")),
    ("delivery/cohorts.html", include_str!("../../templates/delivery/cohorts.html")),
    ("delivery/cohort.html", include_str!("../../templates/delivery/cohort.html")),
    ("delivery/mark.html", include_str!("../../templates/delivery/mark.html")),
    ("delivery/verify.html", include_str!("../../templates/delivery/verify.html")),
    ("delivery/record.html", include_str!("../../templates/delivery/record.html")),
    ("delivery/apply.html", include_str!("../../templates/delivery/apply.html")),
    ("delivery/below.html", include_str!("../../templates/delivery/below.html")),
    ("delivery/catalogue_forms.html", include_str!("../../templates/delivery/catalogue_forms.html")),
    ("delivery/programme_form.html", include_str!("../../templates/delivery/programme_form.html")),
    ("delivery/course_form.html", include_str!("../../templates/delivery/course_form.html")),
    ("delivery/catalogue_edit.html", include_str!("../../templates/delivery/catalogue_edit.html")),
    ("delivery/certificate.html", include_str!("../../templates/delivery/certificate.html")),
    ("delivery/templates.html", include_str!("../../templates/delivery/templates.html")),
    ("delivery/typed.html", include_str!("../../templates/delivery/typed.html")),
    ("delivery/checkin_screen.html", include_str!("../../templates/delivery/checkin_screen.html")),
    ("delivery/checkin.html", include_str!("../../templates/delivery/checkin.html")),
];

/// The OpenAPI description of delivery's routes.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = DeliveryApi::openapi();
    doc.merge(PaperApi::openapi());
    doc
}

/// `/api/v1/…` routes of delivery, nested under `/api/v1` with the others.
pub fn api_router() -> Router<AppState> {
    api::router().merge(paper::api_router())
}

/// Page routes of delivery.
pub fn page_router() -> Router<AppState> {
    pages::router().merge(paper::page_router())
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(opencpd_http::render::template_problems(&dir, TEMPLATES), Vec::<String>::new());
    }
}
