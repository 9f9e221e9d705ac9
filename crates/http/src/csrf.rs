//! Forms posted from our pages: the session's CSRF token is checked before the handler
//! runs, so no handler checks it by hand.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use opencpd_domain::Problem;
use serde::de::DeserializeOwned;

/// A URL-encoded form whose `csrf` field matched the session's token. `T` reads the other
/// fields (a `csrf` field of its own, if any, is ignored); `Vec<(String, String)>` reads
/// a form with repeated names.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<CsrfForm<T>> {
        let (mut parts, body) = request.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state).await?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(bad_form)?;
        ctx.check_csrf(fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or(""))?;
        serde_urlencoded::from_bytes(&bytes).map(CsrfForm).map_err(bad_form)
    }
}

fn bad_form(e: serde_urlencoded::de::Error) -> Error {
    Error::Invalid(vec![Problem::new("bad-request").arg("detail", e.to_string())])
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}
