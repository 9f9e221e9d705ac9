//! The OpenAPI document made true, and kept true. [`complete`] adds to every operation
//! the error answers every route may give by the rules all of them follow (401 without a
//! credential, 403 beyond one's rights, 404 for an id out of sight, 422 for a bad
//! parameter or body, 409 and 413 for writes (and 404 wherever an id is named), 503 for uploads waiting too long).
//! [`Contract`] checks every API answer against the document as it leaves: one the
//! document does not list is logged, counted on `/metrics`
//! (`opencpd_openapi_undocumented_total`) and kept, so that every test of the API checks
//! the document as a side effect.

use crate::AppState;
use crate::body::Kind;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Adds the shared error answers to every operation of the document that lacks them.
pub fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        let upload = Kind::of(&template_as_path(path)) == Kind::Upload;
        let operations = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (operation, write) in operations {
            let Some(op) = operation.as_mut() else { continue };
            let takes_input =
                write || op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some();
            add(op, "401", "No credential, or one that no longer stands for anyone");
            add(op, "403", "The caller's roles do not allow this");
            if has_id || takes_input {
                add(op, "404", "Nothing of that id (in the path, a parameter or the body) within the caller's scope");
            }
            if takes_input {
                add(op, "422", "A parameter or the body is wrong: each problem names its field, row or column");
            }
            if write {
                add(op, "409", "It changed since it was read, or it exists already");
                add(op, "413", "The body is larger than this route takes");
            }
            if upload {
                add(op, "503", "Too many files are being read: try again after Retry-After seconds");
            }
        }
    }
}

/// `/api/v1/cohorts/{id}/import` as a path `Kind::of` reads (any segment for a parameter).
fn template_as_path(template: &str) -> String {
    template.split('/').map(|s| if s.starts_with('{') { "0" } else { s }).collect::<Vec<_>>().join("/")
}

fn add(op: &mut Operation, status: &str, description: &str) {
    if op.responses.responses.contains_key(status) {
        return;
    }
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ApiError"))).build();
    let response = ResponseBuilder::new().description(description).content("application/json", content).build();
    op.responses.responses.insert(status.to_string(), RefOr::T(response));
}

/// One operation of the document: its path's segments (`None` for a parameter), its
/// method and the statuses it lists.
struct Route {
    segments: Vec<Option<String>>,
    method: Method,
    statuses: Vec<String>,
    template: String,
}

/// The document's operations, and the answers seen that it does not list.
pub struct Contract {
    routes: Vec<Route>,
    seen: Mutex<BTreeSet<String>>,
    count: AtomicU64,
}

impl Contract {
    pub fn new(doc: &OpenApi) -> Contract {
        let mut routes = Vec::new();
        for (path, item) in &doc.paths.paths {
            let segments: Vec<Option<String>> =
                path.split('/').map(|s| (!s.starts_with('{')).then(|| s.to_string())).collect();
            let operations = [
                (Method::GET, &item.get),
                (Method::HEAD, &item.head),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ];
            for (method, op) in operations {
                if let Some(op) = op {
                    let statuses = op.responses.responses.keys().cloned().collect();
                    routes.push(Route { segments: segments.clone(), method, statuses, template: path.clone() });
                }
            }
        }
        Contract { routes, seen: Mutex::new(BTreeSet::new()), count: AtomicU64::new(0) }
    }

    /// The operation a request is for: the document's path that matches with the most
    /// fixed segments.
    fn route(&self, method: &Method, path: &str) -> Option<&Route> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|r| r.method == *method && r.segments.len() == parts.len())
            .filter(|r| r.segments.iter().zip(&parts).all(|(s, p)| s.as_deref().is_none_or(|s| s == *p)))
            .max_by_key(|r| r.segments.iter().filter(|s| s.is_some()).count())
    }

    /// Notes an answer the document does not list for its operation.
    pub fn observe(&self, method: &Method, path: &str, status: u16) {
        let Some(route) = self.route(method, path) else {
            // Not an operation of the document: the fallback answers 404 (or 405).
            if status != 404 && status != 405 {
                self.note(format!("{method} {path} answered {status} and is not in the document"));
            }
            return;
        };
        let code = status.to_string();
        let class = format!("{}XX", status / 100);
        if !route.statuses.iter().any(|s| *s == code || s.eq_ignore_ascii_case(&class) || s == "default") {
            self.note(format!("{method} {} answered {status}, which it does not list", route.template));
        }
    }

    fn note(&self, what: String) {
        tracing::warn!("OpenAPI document: {what}");
        self.count.fetch_add(1, Ordering::Relaxed);
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).insert(what);
    }

    /// The answers seen that the document does not list, each once.
    pub fn undocumented(&self) -> Vec<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }

    /// How many answers the document did not list.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

/// Checks each answer of the API against the document.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = next.run(request).await;
    if path.starts_with("/api/v1/") {
        state.contract.observe(&method, &path, response.status().as_u16());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_matched_to_the_most_fixed_path_and_checked() {
        let mut doc: OpenApi = serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {
                "/api/v1/cohorts/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/api/v1/cohorts/mine": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/api/v1/cohorts": {"post": {"responses": {"201": {"description": "ok"}}}}
            }
        }))
        .unwrap();
        let bare = Contract::new(&doc);
        bare.observe(&Method::GET, "/api/v1/cohorts/12", 404);
        assert_eq!(bare.undocumented(), ["GET /api/v1/cohorts/{id} answered 404, which it does not list"]);
        complete(&mut doc);
        let contract = Contract::new(&doc);
        contract.observe(&Method::GET, "/api/v1/cohorts/12", 404);
        contract.observe(&Method::POST, "/api/v1/cohorts", 409);
        contract.observe(&Method::GET, "/api/v1/nowhere", 404);
        assert!(contract.undocumented().is_empty(), "{:?}", contract.undocumented());
        contract.observe(&Method::GET, "/api/v1/cohorts/mine", 404);
        contract.observe(&Method::POST, "/api/v1/cohorts", 500);
        assert_eq!(contract.count(), 2);
    }
}
