//! Who is asking: a session cookie (pages) or a bearer token (scripts), the language to
//! answer in, CSRF checks for forms, and throttling of failed logins.

use crate::AppState;
use crate::error::{Error, Result};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use opencpd_store::{Actor, accounts};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "opencpd_session";
pub const LANG_COOKIE: &str = "opencpd_lang";
pub const LOGIN_CSRF_COOKIE: &str = "opencpd_login_csrf";

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path /.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The language of the answer: the switch's cookie, then the account's setting, then the
/// browser's preference.
fn language(headers: &HeaderMap, actor: Option<&Actor>) -> &'static str {
    if let Some(l) = cookie(headers, LANG_COOKIE) {
        return opencpd_domain::i18n::resolve(l);
    }
    if let Some(a) = actor {
        return opencpd_domain::i18n::resolve(&a.language);
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    opencpd_domain::i18n::resolve(accept.split([',', ';']).next().unwrap_or("en").trim())
}

/// The request's context: who (if anyone), in which language, with which CSRF token.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Option<Actor>,
    pub csrf: Option<String>,
    pub lang: &'static str,
    /// Authenticated by an API token rather than a browser session.
    pub by_token: bool,
    /// The path and query asked for, to come back to after login or a language switch.
    pub here: String,
    /// Set when the actor came from the cache of credentials ([`Vouched`]): the write made
    /// for this request must check it at commit.
    pub vouch: Option<accounts::Vouch>,
}

impl Ctx {
    /// The actor, or 401 (pages turn it into a redirect to the login page).
    pub fn actor(&self) -> Result<&Actor> {
        self.actor.as_ref().ok_or(Error::Unauthorized)
    }

    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<()> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected.as_bytes(), submitted.as_bytes()) => Ok(()),
            _ => Err(Error::Csrf),
        }
    }

    /// [`Ctx::check_csrf`] on a form read as name/value pairs (forms with repeated names).
    pub fn check_form_csrf(&self, fields: &[(String, String)]) -> Result<()> {
        self.check_csrf(fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or(""))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx> {
        context(parts, state, false).await
    }
}

/// A [`Ctx`] whose actor may come from the cache of credentials, for a route whose write
/// checks [`Ctx::vouch`] in its own statement (the submission intake): a collector's
/// device syncing hundreds of submissions does not have its token and grants read for
/// each, yet a revoked token or a changed grant still takes effect on the next one.
pub struct Vouched(pub Ctx);

impl FromRequestParts<AppState> for Vouched {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Vouched> {
        context(parts, state, true).await.map(Vouched)
    }
}

/// Who is asking, read afresh or (`cached`) from the cache of credentials.
async fn context(parts: &Parts, state: &AppState, cached: bool) -> Result<Ctx> {
    let uri =
        parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.0.clone()).unwrap_or_else(|| parts.uri.clone());
    let here = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let credential = match (bearer, cookie(&parts.headers, SESSION_COOKIE)) {
        (Some(token), _) => Some(accounts::Credential::token(token)),
        (None, Some(secret)) => Some(accounts::Credential::session(secret)),
        (None, None) => None,
    };
    let (session, vouch) = match credential {
        Some(credential) if cached => match accounts::vouched(&state.db, credential).await? {
            Some((session, vouch)) => (Some(session), Some(vouch)),
            None => (None, None),
        },
        Some(credential) => (accounts::read(&state.db, &credential).await?, None),
        None => (None, None),
    };
    if bearer.is_some() {
        let actor = session.ok_or(Error::Unauthorized)?.actor;
        let lang = language(&parts.headers, Some(&actor));
        return Ok(Ctx { actor: Some(actor), csrf: None, lang, by_token: true, here, vouch });
    }
    let (actor, csrf) = match session {
        Some(s) => (Some(s.actor), Some(s.csrf_token)),
        None => (None, None),
    };
    // Cookie-authenticated API writes must prove they come from our pages.
    // Nested routers see their own part of the path; the original tells API from pages.
    if actor.is_some() && here.starts_with("/api/") && !matches!(parts.method, Method::GET | Method::HEAD) {
        let header = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        if !csrf.as_deref().is_some_and(|c| constant_time_eq(c.as_bytes(), header.as_bytes())) {
            return Err(Error::Csrf);
        }
    }
    let lang = language(&parts.headers, actor.as_ref());
    Ok(Ctx { actor, csrf, lang, by_token: false, here, vouch })
}

/// A numeric id from the path. Anything else names nothing, so it is "not found".
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Id> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(Error::NotFound),
        }
    }
}

/// Failed logins per user name: after [`Throttle::FREE`] failures, each further attempt
/// waits twice as long as the one before, up to 15 minutes. A success clears the count.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub const FREE: u32 = 5;

    /// Seconds to wait before `username` may try again, if any.
    pub fn wait(&self, username: &str) -> Option<u64> {
        let map = self.failures.lock().expect("throttle lock");
        let (count, last) = map.get(&username.to_lowercase())?;
        if *count < Self::FREE {
            return None;
        }
        let delay = Duration::from_secs((2u64 << (count - Self::FREE).min(9)).min(900));
        let elapsed = last.elapsed();
        (elapsed < delay).then(|| (delay - elapsed).as_secs().max(1))
    }

    pub fn failed(&self, username: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        let entry = map.entry(username.to_lowercase()).or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, (_, t)| t.elapsed() < Duration::from_secs(900));
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(&username.to_lowercase());
    }
}

/// Logs in with a user name and password, honouring the throttle.
pub async fn login(state: &AppState, username: &str, password: &str) -> Result<(Actor, String)> {
    if let Some(wait) = state.throttle.wait(username) {
        return Err(Error::Throttled(wait));
    }
    match accounts::authenticate(&state.db, username, password).await? {
        Some(actor) => {
            state.throttle.succeeded(username);
            let secret = accounts::start_session(&state.db, &actor).await?;
            Ok((actor, secret))
        }
        None => {
            state.throttle.failed(username);
            Err(Error::BadCredentials)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_starts_after_five_failures_and_clears_on_success() {
        let t = Throttle::default();
        for _ in 0..Throttle::FREE {
            assert_eq!(t.wait("Alice"), None);
            t.failed("alice");
        }
        assert!(t.wait("ALICE").is_some_and(|s| s >= 1));
        t.succeeded("alice");
        assert_eq!(t.wait("alice"), None);
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; opencpd_lang=fr; b=2".parse().unwrap());
        assert_eq!(cookie(&h, LANG_COOKIE), Some("fr"));
        assert_eq!(language(&h, None), "fr");
    }
}
