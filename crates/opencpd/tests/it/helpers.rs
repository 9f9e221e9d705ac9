//! Starting the app for a test: a fresh database on each backend, the small demo in it,
//! the server on port 0, and typed helpers for requests.

use opencpd_store::demo::{self, DemoConfig, Scale};
use opencpd_store::{Actor, Db, accounts};

pub const PASSWORD: &str = "test-password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run on: both, unless PostgreSQL is switched off.
pub fn backends() -> Vec<Backend> {
    if std::env::var("OPENCPD_TEST_PG").is_ok_and(|v| v == "off") {
        vec![Backend::Sqlite]
    } else {
        vec![Backend::Sqlite, Backend::Postgres]
    }
}

fn pg_admin_url() -> String {
    std::env::var("OPENCPD_TEST_PG").unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("test.db").to_string_lossy().to_string();
                let db = Db::connect(&url, opencpd_store::IfMissing::Create).await.expect("open sqlite");
                db.migrate().await.expect("migrate sqlite");
                TestDb { url, db, _dir: Some(dir), pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("opencpd_test_{}", uuid::Uuid::new_v4().simple());
                let conn = Db::connect(&admin, opencpd_store::IfMissing::Create)
                    .await
                    .expect("PostgreSQL reachable (set OPENCPD_TEST_PG=off to skip)");
                if let Db::Postgres(p) = &conn {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(p)
                        .await
                        .expect("create database");
                }
                conn.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                let url = format!("{base}/{name}");
                let db = Db::connect(&url, opencpd_store::IfMissing::Create).await.expect("open test database");
                db.migrate().await.expect("migrate postgres");
                TestDb { url, db, _dir: None, pg_name: Some(name) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = pg_admin_url();
            // Drop from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    if let Ok(Db::Postgres(p)) = Db::connect(&admin, opencpd_store::IfMissing::Create).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&p)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The app running on a fresh database with the small demo.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
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
        let pool = db.db.clone();
        tokio::spawn(async move {
            opencpd_web::serve_on(listener, pool, config).await.expect("server");
        });
        TestApp { base: format!("http://{addr}"), db }
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
        opencpd_store::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect(sql)
    }

    pub async fn text(&self, sql: &'static str) -> String {
        opencpd_store::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, String>(sql).fetch_one(p).await).expect(sql)
    }

    pub async fn id_of(&self, sql: &'static str, arg: &str) -> i64 {
        opencpd_store::on_db!(&self.db.db, |p| sqlx::query_scalar::<_, i64>(sql).bind(arg).fetch_one(p).await)
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
