//! Starting the app for a test: a fresh database on each backend, the small demo in it,
//! the server on port 0, and typed helpers for requests.

use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_kernel::{Actor, accounts};

pub const PASSWORD: &str = "test-password";

pub use opencpd_testkit::{Backend, TestDb, backends};

/// The app running on a fresh database with the small demo.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    /// The server's state: what it noticed (API answers its OpenAPI document does not
    /// list) is checked when the test ends.
    pub state: opencpd_web::AppState,
}

/// Every API answer a test saw must be one the OpenAPI document lists for its operation.
impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let missing = self.state.contract.undocumented();
            assert!(missing.is_empty(), "answers the OpenAPI document does not list: {missing:#?}");
        }
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        TestApp::start_with(backend, Default::default()).await
    }

    /// [`TestApp::start`] with the server configured as given.
    pub async fn start_with(backend: Backend, config: opencpd_web::WebConfig) -> TestApp {
        let db = TestDb::new(backend).await;
        demo::build(&db.db, &DemoConfig { scale: Scale::Small, seed: 7, password: PASSWORD.into() }, &|_, _, _| {})
            .await
            .expect("demo");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = config;
        config.public_url.get_or_insert_with(|| format!("http://{addr}"));
        let state = opencpd_web::state(db.db.clone(), config);
        let serving = state.clone();
        tokio::spawn(async move {
            opencpd_web::serve_state(listener, serving).await.expect("server");
        });
        TestApp { base: format!("http://{addr}"), db, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A bearer token for a demo account.
    pub async fn token(&self, username: &str) -> String {
        accounts::create_token(&self.db.db, &Actor::system(), username, "test").await.expect("token")
    }

    /// A client that sends the account's bearer token.
    pub async fn api(&self, username: &str) -> Api {
        Api { app_base: self.base.clone(), token: self.token(username).await, client: reqwest::Client::new() }
    }

    /// A browser-like client, logged in through the login form.
    pub async fn browser(&self, username: &str) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .expect("client");
        let page = client.get(self.url("/login")).send().await.expect("login page").text().await.expect("text");
        let csrf = hidden(&page, "csrf");
        let r = client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", PASSWORD), ("csrf", &csrf), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 200, "login as {username}");
        client
    }

    pub async fn scalar(&self, sql: &'static str) -> i64 {
        opencpd_kernel::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect(sql)
    }

    pub async fn text(&self, sql: &'static str) -> String {
        opencpd_kernel::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, String>(sql).fetch_one(p).await).expect(sql)
    }

    pub async fn id_of(&self, sql: &'static str, arg: &str) -> i64 {
        opencpd_kernel::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, i64>(sql).bind(arg).fetch_one(p).await)
            .expect(sql)
    }
}

/// The value of a hidden input in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    html[start..].split('"').next().expect("value").to_string()
}

pub struct Api {
    app_base: String,
    token: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.app_base)).bearer_auth(&self.token)
    }
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.app_base)).bearer_auth(&self.token)
    }
    pub fn put(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.put(format!("{}{path}", self.app_base)).bearer_auth(&self.token)
    }
    pub fn patch(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.patch(format!("{}{path}", self.app_base)).bearer_auth(&self.token)
    }
    pub fn delete(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.delete(format!("{}{path}", self.app_base)).bearer_auth(&self.token)
    }
}
