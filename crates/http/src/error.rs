//! The one HTTP error type. It answers JSON (`{"error", "message", "problems"}`) with the
//! right status; for pages, [`crate::session`] renders the same error as HTML in the reader's
//! language. Internal errors are logged and shown only as "internal error".

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use opencpd_domain::Problem;
use serde::Serialize;
use std::sync::Arc;

/// Unwraps an extractor's result, turning its rejection into the one error shape (a 422
/// naming the parameter or field, as every other bad input).
pub fn ok<T, R: Into<Error>>(r: std::result::Result<T, R>) -> Result<T> {
    r.map_err(Into::into)
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("login required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// Forbidden, with what to do instead.
    #[error("forbidden")]
    Refused(Problem),
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<Problem>),
    #[error("conflict")]
    Conflict(Problem),
    #[error("form expired")]
    Csrf,
    #[error("too many attempts")]
    Throttled(u64),
    #[error("bad credentials")]
    BadCredentials,
    /// The body is larger than the route takes (its limit, in bytes; 0 while unknown:
    /// `body::guard` names it).
    #[error("body too large")]
    TooLarge(usize),
    /// Too many large bodies are being read: try again after so many seconds.
    #[error("busy")]
    Busy(u64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<opencpd_kernel::Error> for Error {
    fn from(e: opencpd_kernel::Error) -> Error {
        use opencpd_kernel::Error as S;
        match e {
            S::Invalid(p) => Error::Invalid(p),
            S::NotFound => Error::NotFound,
            S::Forbidden => Error::Forbidden,
            S::Unauthorized => Error::Unauthorized,
            S::Conflict(p) => Error::Conflict(p),
            S::Database(e) => Error::Internal(e.into()),
            S::Other(e) => Error::Internal(e),
        }
    }
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::Invalid(vec![p])
    }
}

/// A problem as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiProblem {
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub code: String,
    pub message: String,
}

impl ApiProblem {
    pub fn from_problem(p: &Problem, lang: &str) -> ApiProblem {
        ApiProblem {
            row: p.row,
            column: p.column.clone(),
            value: p.value.clone(),
            code: p.code.to_string(),
            message: p.located(lang),
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    pub error: String,
    pub message: String,
    pub problems: Vec<ApiProblem>,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Refused(_) | Error::Csrf => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problems to show, in the message catalogue's terms.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Error::Unauthorized => vec![Problem::new("login-required")],
            Error::BadCredentials => vec![Problem::new("bad-credentials")],
            Error::Forbidden => vec![Problem::new("forbidden")],
            Error::Refused(p) => vec![p.clone()],
            Error::NotFound => vec![Problem::new("not-found")],
            Error::Invalid(p) => p.clone(),
            Error::Conflict(p) => vec![p.clone()],
            Error::Csrf => vec![Problem::new("csrf")],
            Error::Throttled(s) => vec![Problem::new("throttled").arg("seconds", s)],
            Error::TooLarge(limit) => vec![Problem::new("body-too-large").arg("limit", crate::body::describe(*limit))],
            Error::Busy(s) => vec![Problem::new("busy").arg("seconds", s)],
            Error::Internal(_) => vec![Problem::new("bad-request").arg("detail", "internal error")],
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthorized => "unauthorized",
            Error::BadCredentials => "bad_credentials",
            Error::Forbidden | Error::Refused(_) => "forbidden",
            Error::NotFound => "not_found",
            Error::Invalid(_) => "invalid",
            Error::Conflict(_) => "conflict",
            Error::Csrf => "csrf",
            Error::Throttled(_) => "throttled",
            Error::TooLarge(_) => "too_large",
            Error::Busy(_) => "busy",
            Error::Internal(_) => "internal",
        }
    }

    pub fn body(&self, lang: &str) -> ApiError {
        let problems: Vec<ApiProblem> = self.problems().iter().map(|p| ApiProblem::from_problem(p, lang)).collect();
        let message = match self {
            Error::Internal(_) => "internal error".to_string(),
            _ => problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join("; "),
        };
        ApiError { error: self.code().to_string(), message, problems }
    }
}

/// Carried on error responses so the page layer can render them as HTML.
#[derive(Clone)]
pub struct Rendered(pub Arc<Error>);

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let mut response = (self.status(), axum::Json(self.body("en"))).into_response();
        if let Error::Throttled(s) | Error::Busy(s) = &self
            && let Ok(v) = s.to_string().parse()
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        response.extensions_mut().insert(Rendered(Arc::new(self)));
        response
    }
}

/// JSON bodies that fail to parse get a 422 with our error shape, never axum's text. A
/// field the body's type does not know is named with its path (`targets[0].roles`).
impl From<axum::extract::rejection::JsonRejection> for Error {
    fn from(r: axum::extract::rejection::JsonRejection) -> Error {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge(0);
        }
        match unknown_field(&r) {
            Some((path, field)) => {
                Error::Invalid(vec![Problem::new("unknown-field").in_column(path).with_value(field)])
            }
            None => Error::Invalid(vec![Problem::new("bad-request").arg("detail", r.body_text())]),
        }
    }
}

/// The path and the name of the unknown field a JSON body was refused for, if that is why.
fn unknown_field(r: &axum::extract::rejection::JsonRejection) -> Option<(String, String)> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(r);
    while let Some(e) = source {
        if let Some(e) = e.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            // serde's own wording: "unknown field `roles`, expected one of …".
            let message = e.inner().to_string();
            let field = message.strip_prefix("unknown field `")?.split('`').next()?.to_string();
            let parent = e.path().to_string();
            let path = match parent.as_str() {
                "." | "" => field.clone(),
                p if p.ends_with(&format!(".{field}")) || p == field => p.to_string(),
                p => format!("{p}.{field}"),
            };
            return Some((path, field));
        }
        source = e.source();
    }
    None
}

impl From<axum::extract::rejection::QueryRejection> for Error {
    fn from(r: axum::extract::rejection::QueryRejection) -> Error {
        Error::Invalid(vec![Problem::new("bad-request").arg("detail", r.body_text())])
    }
}

impl From<axum::extract::rejection::FormRejection> for Error {
    fn from(r: axum::extract::rejection::FormRejection) -> Error {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge(0);
        }
        Error::Invalid(vec![Problem::new("bad-request").arg("detail", r.body_text())])
    }
}

impl From<axum::extract::rejection::BytesRejection> for Error {
    fn from(r: axum::extract::rejection::BytesRejection) -> Error {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Error::TooLarge(0);
        }
        Error::Invalid(vec![Problem::new("bad-request").arg("detail", r.body_text())])
    }
}

impl From<axum::extract::rejection::PathRejection> for Error {
    fn from(r: axum::extract::rejection::PathRejection) -> Error {
        Error::Invalid(vec![Problem::new("bad-request").arg("detail", r.body_text())])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
