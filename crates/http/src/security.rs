//! The headers every answer carries (pages, API, field app): a strict
//! Content-Security-Policy, no framing, no sniffing, no referrer, and over HTTPS
//! Strict-Transport-Security and `Secure` on every cookie. Also where the request came
//! from: HTTPS or not, and the client's address, read from a proxy's `X-Forwarded-Proto`
//! and `X-Forwarded-For` only when the deployment says the proxy is trusted.
//!
//! Not here: who is asking (`auth`), CSRF (`auth`).

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

/// Scripts and styles come from our own files only: the pages and the field app have no
/// inline script and no `<style>` element. Inline `style=` attributes are allowed (the
/// bars of reports carry their computed widths that way); they run no code.
/// Pictures, sounds and videos may come from `blob:` URLs: the field app shows the files it
/// keeps on the device (a form's media, offline) through them.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A year, the usual HSTS lifetime; subdomains are left to the deployment.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Whether the request reached us over HTTPS: the deployment says it is always served so
/// (`secure_cookies`), or a trusted proxy says this one was.
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies || (state.config.trust_proxy && forwarded_proto(headers) == Some("https"))
}

/// The scheme a trusted proxy reports, `http` or `https`.
pub fn forwarded_proto(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("x-forwarded-proto")?.to_str().ok()?;
    // A chain of proxies lists one per hop; the first is the client's.
    match value.split(',').next()?.trim() {
        p if p.eq_ignore_ascii_case("https") => Some("https"),
        p if p.eq_ignore_ascii_case("http") => Some("http"),
        _ => None,
    }
}

/// The client's address: the peer of the connection or, behind a trusted proxy, the last
/// address of `X-Forwarded-For` (the one that proxy added; earlier ones the client may
/// have written itself).
pub fn client_address(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if state.config.trust_proxy
        && let Some(last) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| !a.is_empty())
        && let Ok(ip) = last.parse::<std::net::IpAddr>()
    {
        return ip.to_string();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

/// The client's address as [`client_address`] reads it, for a handler.
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ClientAddress, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
        Ok(ClientAddress(client_address(state, &parts.headers, peer)))
    }
}

/// Adds the security headers to every answer, and over HTTPS marks every cookie `Secure`.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = is_https(&state, request.headers());
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for cookie in cookies {
                let secure = match cookie.to_str() {
                    Ok(c) if !c.split(';').any(|a| a.trim().eq_ignore_ascii_case("secure")) => {
                        HeaderValue::from_str(&format!("{c}; Secure")).unwrap_or(cookie)
                    }
                    _ => cookie,
                };
                h.append(header::SET_COOKIE, secure);
            }
        }
    }
    response
}

/// What in an HTML text the CSP would block, if anything: a `<style>` element, a
/// `javascript:` address, an inline script or an event attribute. Every crate with
/// templates tests that its templates have none.
pub fn inline_violation(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    if lower.contains("<style") {
        return Some("a <style> element".into());
    }
    if lower.contains("javascript:") {
        return Some("a javascript: address".into());
    }
    for (at, _) in lower.match_indices("<script") {
        let tag = &lower[at..at + lower[at..].find('>').unwrap_or(0)];
        if !tag.contains("src=") {
            return Some("an inline script".into());
        }
    }
    lower.match_indices(" on").find_map(|(at, _)| {
        let rest = &lower[at + 3..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase()).collect();
        (!name.is_empty() && rest[name.len()..].starts_with('=')).then(|| format!("an event attribute on{name}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_templates_have_nothing_inline_the_csp_would_block() {
        for (name, body) in crate::render::TEMPLATES {
            assert_eq!(inline_violation(body), None, "{name}");
        }
        assert!(inline_violation("<p onclick=\"x()\">").is_some());
        assert!(inline_violation("<script>alert(1)</script>").is_some());
        assert!(inline_violation("<script src=\"/a.js\"></script>").is_none());
    }

    #[test]
    fn the_first_forwarded_scheme_counts() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-proto", "HTTPS, http".parse().unwrap());
        assert_eq!(forwarded_proto(&h), Some("https"));
        h.insert("x-forwarded-proto", "gopher".parse().unwrap());
        assert_eq!(forwarded_proto(&h), None);
    }
}
