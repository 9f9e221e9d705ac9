//! The typed test client every area's tests drive the app with: an app serving the areas
//! given, called in process (no socket), with real accounts and bearer tokens; answers read
//! as JSON, as a typed value, or as text. Every answer it saw must be one the OpenAPI
//! document lists for its operation, or the test fails when the client is dropped.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use opencpd_domain::AccountRole;
use opencpd_http::{AppState, Area, WebConfig};
use opencpd_kernel::accounts::{self, GrantSpec, NewUser};
use opencpd_kernel::{Actor, Db};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

pub struct Api {
    app: axum::Router,
    state: AppState,
}

/// One answer: its status and body.
pub struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as `T`, failing the test with the status and body when it is not one.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("answer {} is not the expected shape ({e}): {}", self.status, self.text()))
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let missing = self.state.contract.undocumented();
            assert!(missing.is_empty(), "answers the OpenAPI document does not list: {missing:#?}");
        }
    }
}

impl Api {
    /// An app serving `areas` (with the shared pages and routes) on `db`.
    pub fn new(db: &Db, areas: &[&'static Area]) -> Api {
        Api::with_config(db, areas, WebConfig::default())
    }

    /// [`Api::new`] with a configuration of its own (a file store in a directory).
    pub fn with_config(db: &Db, areas: &[&'static Area], config: WebConfig) -> Api {
        let state = AppState::new(db.clone(), config, areas);
        Api { app: opencpd_http::app(state.clone(), areas), state }
    }

    /// Sends `body` as it is (a file), with a bearer token.
    pub async fn send_bytes(&self, token: &str, method: &str, uri: &str, body: Vec<u8>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from(body))
            .expect("request");
        let res = self.app.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        Answer { status, body }
    }

    /// Sends `body` (a stream, which may fail part-way as a cut link does) with a bearer
    /// token and the headers given.
    pub async fn send_with(
        &self,
        token: &str,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri).header("authorization", format!("Bearer {token}"));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = self.app.clone().oneshot(req.body(body).expect("request")).await.expect("answer");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        Answer { status, body }
    }

    /// Sends a request with a bearer token (none: anonymous) and a JSON body.
    pub async fn send(&self, token: Option<&str>, method: &str, uri: &str, body: Option<Value>) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        let res = self.app.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        Answer { status, body }
    }

    /// Sends a file's bytes as the body (`application/octet-stream`: an import), with a
    /// bearer token.
    pub async fn send_file(&self, token: &str, method: &str, uri: &str, bytes: Vec<u8>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .expect("request");
        let res = self.app.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        Answer { status, body }
    }

    /// [`Api::send`], the answer read as JSON.
    pub async fn call(&self, token: Option<&str>, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let a = self.send(token, method, uri, body).await;
        (a.status, a.json())
    }

    /// [`Api::send`] with a token, the answer read as text (a page, a CSV file).
    pub async fn text(&self, token: &str, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, String) {
        let a = self.send(Some(token), method, uri, body).await;
        (a.status, a.text())
    }

    /// A page request in a signed-in browser's session (its cookie; the session's CSRF token
    /// added to a form), the form URL-encoded. Answers the status, the body as text and the
    /// address a redirect points to.
    pub async fn page(
        &self,
        session: &Session,
        method: &str,
        uri: &str,
        form: Option<&[(&str, &str)]>,
    ) -> (StatusCode, String, Option<String>) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("cookie", format!("{}={}", opencpd_http::auth::SESSION_COOKIE, session.secret));
        let req = match form {
            Some(fields) => {
                let mut all: Vec<(&str, &str)> = vec![("csrf", session.csrf.as_str())];
                all.extend_from_slice(fields);
                let body = serde_urlencoded::to_string(&all).expect("form");
                req.header("content-type", "application/x-www-form-urlencoded").body(Body::from(body))
            }
            None => req.body(Body::empty()),
        }
        .expect("request");
        let res = self.app.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        (status, String::from_utf8_lossy(&body).into_owned(), location)
    }

    /// A form with a file (`multipart/form-data`) posted in a browser's session: the
    /// session's CSRF token and `fields`, then the file as the part named `file`. Answers as
    /// [`Api::page`] does.
    pub async fn upload_page(
        &self,
        session: &Session,
        uri: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> (StatusCode, String, Option<String>) {
        self.upload_page_files(session, uri, fields, &[("file", file_name, bytes)]).await
    }

    /// A form with files (`multipart/form-data`) posted in a browser's session: the
    /// session's CSRF token and `fields`, then each file (part name, file name, bytes).
    /// Answers as [`Api::page`] does.
    pub async fn upload_page_files(
        &self,
        session: &Session,
        uri: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> (StatusCode, String, Option<String>) {
        let with_csrf: Vec<(&str, &str)> =
            [("csrf", session.csrf.as_str())].into_iter().chain(fields.iter().copied()).collect();
        let (content_type, body) = multipart(&with_csrf, files);
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header("cookie", format!("{}={}", opencpd_http::auth::SESSION_COOKIE, session.secret))
            .header("content-type", content_type)
            .body(Body::from(body))
            .expect("request");
        let res = self.app.clone().oneshot(req).await.expect("answer");
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = axum::body::to_bytes(res.into_body(), 64 << 20).await.expect("body").to_vec();
        (status, String::from_utf8_lossy(&body).into_owned(), location)
    }

    /// A form with files (`multipart/form-data`: `fields`, then each file as part name,
    /// file name, bytes) sent to the API with a bearer token.
    pub async fn send_multipart(
        &self,
        token: &str,
        method: &str,
        uri: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Answer {
        let (content_type, body) = multipart(fields, files);
        self.send_with(token, method, uri, &[("content-type", content_type.as_str())], Body::from(body)).await
    }

    /// A GET that must succeed, its answer read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, token: &str, uri: &str) -> T {
        let a = self.send(Some(token), "GET", uri, None).await;
        assert!(a.status.is_success(), "GET {uri}: {} {}", a.status, a.text());
        a.parse()
    }
}

/// A `multipart/form-data` body with its content type: the text `fields`, then the
/// `files` (part name, file name, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "opencpd-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (part, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser's session: the secret its cookie carries and the CSRF token its forms carry.
pub struct Session {
    pub secret: String,
    pub csrf: String,
}

/// A session for the account a [`token`] was issued to (as signing in would start).
pub async fn session(db: &Db, token: &str) -> Session {
    let by_token = accounts::read(db, &accounts::Credential::token(token)).await.expect("read").expect("a token");
    let secret = accounts::start_session(db, &by_token.actor).await.expect("session");
    let session = accounts::read(db, &accounts::Credential::session(&secret)).await.expect("read").expect("a session");
    Session { secret, csrf: session.csrf_token }
}

/// An account with one grant (scope by unit or school code, none for everywhere) and a
/// bearer token for it.
pub async fn token(db: &Db, name: &str, role: AccountRole, scope: Option<&str>) -> String {
    let user = NewUser {
        username: name.into(),
        password: "a long password".into(),
        display_name: name.into(),
        language: "en".into(),
        grants: vec![GrantSpec { role, scope_code: scope.map(str::to_string) }],
    };
    accounts::create_user(db, &Actor::system(), &user).await.expect("user");
    accounts::create_token(db, &Actor::system(), name, "test").await.expect("token")
}
