//! Request bodies, decided from the request's head before a byte of the body is read:
//! who may send one (a signed-in user, except to log in or out), how large it may be
//! (each kind of route its own limit, 413 beyond it), and how many large ones are read
//! at once (a few; the others wait, then get 503), so that memory has a ceiling whatever
//! the clients send.
//!
//! Not here: who the user is and what they may do (`auth`, the store's scope checks).

use crate::error::Error;
use crate::{AppState, WebConfig};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower::{Layer, ServiceExt};

/// The kinds of route, by the body they take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A JSON write or a form: a few fields.
    Small,
    /// A submission, a field edit, or the marks or grades of a whole cohort.
    Bulk,
    /// A file: registry, enrolment, attendance and outreach imports, XLSForms, a form's
    /// attachments, the files of submissions, the artefacts of lesson studies.
    Upload,
}

impl Kind {
    pub const SMALL: usize = 64 * 1024;
    pub const BULK: usize = 1024 * 1024;

    /// The kind of route a path is.
    pub fn of(path: &str) -> Kind {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let is = |pattern: &str| {
            let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
            p.len() == segments.len() && p.iter().zip(&segments).all(|(p, s)| *p == "*" || p == s)
        };
        const UPLOADS: &[&str] = &[
            "/api/v1/imports/*",
            "/api/v1/instruments",
            "/api/v1/instruments/*/attachments",
            "/api/v1/files/*",
            "/instruments/*/attachments",
            "/api/v1/cohorts/*/enrolments/import",
            "/api/v1/cohorts/*/attendance/import",
            "/import",
            "/instruments",
            "/cohorts/*/enrolments",
            "/outreach/import",
            "/api/v1/lesson-studies/*/artefacts",
            "/lesson-studies/*/artefacts",
        ];
        const BULK: &[&str] = &[
            "/api/v1/submissions",
            "/api/v1/field/edits",
            "/api/v1/sessions/*/attendance",
            "/api/v1/sessions/*/typed-marks",
            "/api/v1/cohorts/*/grades",
            "/sessions/*/mark",
            "/sessions/*/typed",
        ];
        if UPLOADS.iter().any(|p| is(p)) {
            Kind::Upload
        } else if BULK.iter().any(|p| is(p)) {
            Kind::Bulk
        } else {
            Kind::Small
        }
    }

    /// The largest body the kind takes, in bytes.
    pub fn limit(self, config: &WebConfig) -> usize {
        match self {
            Kind::Small => Kind::SMALL,
            Kind::Bulk => Kind::BULK,
            Kind::Upload => config.max_upload,
        }
    }
}

/// Whether sending a body to the path needs no signed-in user: logging in, and logging
/// out (an expired session may still leave).
fn open_to_all(path: &str) -> bool {
    matches!(path, "/login" | "/logout")
}

/// How many uploads are read at once, and how long another waits for its turn.
pub const UPLOADS_AT_ONCE: usize = 4;
const UPLOAD_WAIT: Duration = Duration::from_secs(15);

/// A size for a message: `64 KiB`, `50 MiB`.
pub fn describe(bytes: usize) -> String {
    match bytes {
        0 => "?".into(),
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b >= 1024 && b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// Refuses a body before it is read: 401 without a signed-in user, 413 when its declared
/// length is over the route's limit (or, read as it comes, once it passes it), 503 with
/// Retry-After when uploads have waited too long for their turn.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let here = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let headers = request.headers().clone();
    let refuse = |error: Error| {
        let page = (!path.starts_with("/api/")).then(|| crate::session::error_page(&state, &headers, &here, &error));
        page.flatten().unwrap_or_else(|| error.into_response())
    };
    let (parts, body) = request.into_parts();
    if !open_to_all(&path) {
        match crate::auth::signed_in(&parts, &state).await {
            Ok(true) => {}
            Ok(false) => return refuse(Error::Unauthorized),
            Err(e) => return refuse(e),
        }
    }
    let kind = Kind::of(&path);
    let limit = kind.limit(&state.config);
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refuse(Error::TooLarge(limit));
    }
    let _turn = if kind == Kind::Upload {
        match tokio::time::timeout(UPLOAD_WAIT, state.uploads.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => return refuse(Error::Busy(UPLOAD_WAIT.as_secs())),
        }
    } else {
        None
    };
    // Fields and JSON are read whole (they are small): a NUL in any text is refused here,
    // naming its field, for every route at once (PostgreSQL cannot store one).
    let body = if kind != Kind::Upload && takes_text(&parts.headers) {
        let bytes = match axum::body::to_bytes(body, limit).await {
            Ok(bytes) => bytes,
            Err(_) => return refuse(Error::TooLarge(limit)),
        };
        if let Some(field) = nul_field(&parts.headers, &bytes) {
            let problem = opencpd_domain::Problem::new("nul-character").in_column(field);
            return refuse(Error::Invalid(vec![problem]));
        }
        axum::body::Body::from(bytes)
    } else {
        body
    };
    let request = Request::from_parts(parts, body);
    let response = match DefaultBodyLimit::max(limit).layer(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        // Whoever noticed (an extractor, a reader of uploads) did not know the limit.
        return refuse(Error::TooLarge(limit));
    }
    response
}

/// Whether a body is JSON or form fields (not a file).
fn takes_text(headers: &axum::http::HeaderMap) -> bool {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    kind.starts_with("application/json") || kind.starts_with("application/x-www-form-urlencoded")
}

/// The field of a JSON or form body whose text holds a NUL (`notes`, `answers.q3`,
/// `items[2].text`), if one does.
fn nul_field(headers: &axum::http::HeaderMap, bytes: &[u8]) -> Option<String> {
    let json =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").starts_with("application/json");
    if json {
        // JSON writes a NUL only as an escape; look closer only when one is there.
        if !bytes.windows(6).any(|w| w == b"\\u0000") {
            return None;
        }
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        fn find(value: &serde_json::Value, path: String) -> Option<String> {
            let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
            match value {
                serde_json::Value::String(s) if s.contains('\0') => {
                    Some(if path.is_empty() { "body".into() } else { path })
                }
                serde_json::Value::Object(map) => {
                    map.iter().find_map(|(k, v)| if k.contains('\0') { Some(join("(name)")) } else { find(v, join(k)) })
                }
                serde_json::Value::Array(items) => {
                    items.iter().enumerate().find_map(|(i, v)| find(v, format!("{path}[{i}]")))
                }
                _ => None,
            }
        }
        find(&value, String::new())
    } else {
        if !bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
            return None;
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
        pairs.into_iter().find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.replace('\0', ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_any_text_is_found_with_its_field() {
        let mut json = axum::http::HeaderMap::new();
        json.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let body = br#"{"title":"ok","items":[{"text":"fine"},{"text":"a\u0000b"}]}"#;
        assert_eq!(nul_field(&json, body).as_deref(), Some("items[1].text"));
        assert_eq!(nul_field(&json, br#"{"notes":"no nul \\u0000 here"}"#), None);
        let mut form = axum::http::HeaderMap::new();
        form.insert(header::CONTENT_TYPE, "application/x-www-form-urlencoded".parse().unwrap());
        assert_eq!(nul_field(&form, b"csrf=x&notes=a%00b").as_deref(), Some("notes"));
        assert_eq!(nul_field(&form, b"csrf=x&notes=100%25"), None);
    }

    #[test]
    fn each_route_has_the_limit_of_its_kind() {
        assert_eq!(Kind::of("/api/v1/imports/people"), Kind::Upload);
        assert_eq!(Kind::of("/api/v1/cohorts/7/enrolments/import"), Kind::Upload);
        assert_eq!(Kind::of("/cohorts/7/enrolments"), Kind::Upload);
        assert_eq!(Kind::of("/lesson-studies/7/artefacts"), Kind::Upload);
        assert_eq!(Kind::of("/api/v1/lesson-studies/7/artefacts"), Kind::Upload);
        assert_eq!(Kind::of("/lesson-studies/7/videos"), Kind::Small);
        assert_eq!(Kind::of("/api/v1/cohorts/7/enrolments"), Kind::Small);
        assert_eq!(Kind::of("/api/v1/submissions"), Kind::Bulk);
        assert_eq!(Kind::of("/api/v1/people"), Kind::Small);
        assert_eq!(describe(64 * 1024), "64 KiB");
        assert_eq!(describe(50 * 1024 * 1024), "50 MiB");
    }
}
