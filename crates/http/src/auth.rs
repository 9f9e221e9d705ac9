//! Who is asking: a session cookie (pages) or a bearer token (scripts), the language to
//! answer in, CSRF checks for forms, and throttling of failed logins.

use crate::AppState;
use crate::error::{Error, Result};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use opencpd_kernel::{Actor, accounts};
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

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path /. Over HTTPS, `security::headers`
/// marks it `Secure`.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
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

    /// Read once per request: a second extractor (a [`crate::CsrfForm`]) gets the same.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let ctx = context(parts, state, false).await?;
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
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

/// Whether someone is signed in, read from the request's head alone (the cache of
/// credentials may answer), for `body::guard` to refuse a body before it is read. An
/// invalid token or a missing CSRF header is the error the handler would answer.
pub async fn signed_in(parts: &Parts, state: &AppState) -> Result<bool> {
    Ok(context(parts, state, true).await?.actor.is_some())
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

/// Failed logins, counted per account name (as the store reads it: trimmed, lowercased)
/// and per client address. Each key has [`Limit::free`] failures free; after that each
/// further attempt waits twice as long as the one before, up to [`Limit::longest`]. An
/// account's wait stays short (a minute at most), so no one can keep it shut by guessing;
/// an address's grows to a quarter of an hour, which is what slows a guesser down.
///
/// An attempt takes its place before its password is checked ([`Throttle::admit`]) and
/// gives it back after ([`Admitted::failed`] / [`Admitted::succeeded`]), all under one
/// lock, so parallel attempts cannot all slip in before the first failure is counted.
#[derive(Default)]
pub struct Throttle {
    keys: Mutex<HashMap<Key, Count>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(String),
}

/// Failures counted, checks under way, and when the last failure was counted.
#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    checking: u32,
    last: Instant,
}

/// How many failures a kind of key has free, and the longest wait after them.
pub struct Limit {
    pub free: u32,
    pub longest: Duration,
}

impl Key {
    fn limit(&self) -> Limit {
        match self {
            Key::Account(_) => Throttle::ACCOUNT,
            Key::Address(_) => Throttle::ADDRESS,
        }
    }
}

impl Count {
    /// Seconds to wait before another attempt may be checked, if any.
    fn wait(&self, limit: &Limit) -> Option<u64> {
        if self.failures + self.checking < limit.free {
            return None;
        }
        if self.failures < limit.free {
            // Free attempts are all being checked: wait for their outcome.
            return Some(1);
        }
        let delay = Duration::from_secs(2u64 << (self.failures - limit.free).min(12)).min(limit.longest);
        let elapsed = self.last.elapsed();
        if self.checking > 0 {
            // One attempt at a time once the free ones are spent.
            return Some(delay.as_secs().max(1));
        }
        (elapsed < delay).then(|| (delay - elapsed).as_secs().max(1))
    }
}

/// A login attempt admitted by the throttle: report its outcome.
pub struct Admitted<'a> {
    throttle: &'a Throttle,
    keys: [Key; 2],
    done: bool,
}

impl Throttle {
    pub const ACCOUNT: Limit = Limit { free: 5, longest: Duration::from_secs(60) };
    pub const ADDRESS: Limit = Limit { free: 20, longest: Duration::from_secs(900) };
    /// Failures older than this are forgotten.
    const MEMORY: Duration = Duration::from_secs(900);

    /// Admits an attempt at `account` (already normalised) from `address`, or says how many
    /// seconds to wait: the longer of the account's and the address's waits.
    pub fn admit(&self, account: &str, address: &str) -> Result<Admitted<'_>, u64> {
        let keys = [Key::Account(account.to_string()), Key::Address(address.to_string())];
        let mut map = self.keys.lock().expect("throttle lock");
        let mut wait = None;
        for key in &keys {
            if let Some(count) = map.get_mut(key) {
                if count.checking == 0 && count.last.elapsed() > Self::MEMORY {
                    count.failures = 0;
                }
                wait = wait.max(count.wait(&key.limit()));
            }
        }
        if let Some(seconds) = wait {
            return Err(seconds);
        }
        for key in &keys {
            map.entry(key.clone()).or_insert(Count { failures: 0, checking: 0, last: Instant::now() }).checking += 1;
        }
        if map.len() > 100_000 {
            map.retain(|_, c| c.checking > 0 || c.last.elapsed() < Self::MEMORY);
        }
        Ok(Admitted { throttle: self, keys, done: false })
    }

    /// Seconds an attempt at `account` from `address` would wait now, if any.
    pub fn wait(&self, account: &str, address: &str) -> Option<u64> {
        let map = self.keys.lock().expect("throttle lock");
        [Key::Account(account.to_string()), Key::Address(address.to_string())]
            .iter()
            .filter_map(|k| map.get(k).and_then(|c| c.wait(&k.limit())))
            .max()
    }
}

impl Admitted<'_> {
    /// The password was wrong: count a failure on the account and the address.
    pub fn failed(mut self) {
        self.finish(true);
    }

    /// The password was right: the account's failures are cleared (the address's stay:
    /// one good account does not buy more guesses at others).
    pub fn succeeded(mut self) {
        self.finish(false);
    }

    fn finish(&mut self, failed: bool) {
        self.done = true;
        let mut map = self.throttle.keys.lock().expect("throttle lock");
        for key in &self.keys {
            if let Some(count) = map.get_mut(key) {
                count.checking = count.checking.saturating_sub(1);
                if failed {
                    count.failures += 1;
                    count.last = Instant::now();
                } else if matches!(key, Key::Account(_)) {
                    count.failures = 0;
                }
            }
        }
    }
}

impl Drop for Admitted<'_> {
    /// An attempt that ended in an error (the database was down) counts as neither.
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            let mut map = self.throttle.keys.lock().expect("throttle lock");
            for key in &self.keys {
                if let Some(count) = map.get_mut(key) {
                    count.checking = count.checking.saturating_sub(1);
                }
            }
        }
    }
}

/// Logs in with a user name and password, honouring the throttle. Every failed check is
/// logged and audited with the name tried and the client's address (never the password).
pub async fn login(state: &AppState, username: &str, password: &str, address: &str) -> Result<(Actor, String)> {
    let name = accounts::login_name(username);
    let attempt = match state.throttle.admit(&name, address) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::info!(username = %name, address, wait, "login throttled");
            return Err(Error::Throttled(wait));
        }
    };
    match accounts::authenticate(&state.db, &name, password).await? {
        Some(actor) => {
            attempt.succeeded();
            let secret = accounts::start_session(&state.db, &actor).await?;
            Ok((actor, secret))
        }
        None => {
            attempt.failed();
            tracing::warn!(username = %name, address, "failed login");
            accounts::failed_login(&state.db, &name, address).await?;
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
        for _ in 0..Throttle::ACCOUNT.free {
            assert_eq!(t.wait("alice", "10.0.0.1"), None);
            t.admit("alice", "10.0.0.1").unwrap().failed();
        }
        assert!(t.wait("alice", "10.0.0.2").is_some_and(|s| s >= 1));
        assert!(t.admit("alice", "10.0.0.2").is_err());
        // Another account from the same address is still free.
        t.admit("bob", "10.0.0.1").unwrap().succeeded();
        t.keys.lock().unwrap().get_mut(&Key::Account("alice".into())).unwrap().last -= Duration::from_secs(3);
        t.admit("alice", "10.0.0.3").unwrap().succeeded();
        assert_eq!(t.wait("alice", "10.0.0.3"), None);
    }

    #[test]
    fn parallel_attempts_take_their_places_before_any_is_checked() {
        let t = Throttle::default();
        let admitted: Vec<_> = (0..100).filter_map(|_| t.admit("alice", "10.0.0.1").ok()).collect();
        assert_eq!(admitted.len(), Throttle::ACCOUNT.free as usize);
        admitted.into_iter().for_each(Admitted::failed);
        assert!(t.admit("alice", "10.0.0.1").is_err());
    }

    #[test]
    fn an_account_waits_a_minute_at_most_an_address_longer() {
        let t = Throttle::default();
        for n in 0..40 {
            let mut map = t.keys.lock().unwrap();
            for c in map.values_mut() {
                c.last = c.last.checked_sub(Duration::from_secs(899)).unwrap_or(c.last);
            }
            drop(map);
            if let Ok(a) = t.admit("alice", &format!("10.0.1.{n}")) {
                a.failed();
            }
        }
        let count = *t.keys.lock().unwrap().get(&Key::Account("alice".into())).unwrap();
        assert!(count.failures > 20, "{count:?}");
        assert!(count.wait(&Throttle::ACCOUNT).is_some_and(|s| s <= 60));
        let mut address = count;
        address.failures = 40;
        assert!(address.wait(&Throttle::ADDRESS).is_some_and(|s| s > 60));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; opencpd_lang=fr; b=2".parse().unwrap());
        assert_eq!(cookie(&h, LANG_COOKIE), Some("fr"));
        assert_eq!(language(&h, None), "fr");
    }
}
