//! The whole app for an integration test: a fresh database on either backend with the
//! small demo in it, the server of every area on port 0, and clients that act as a demo
//! account (a bearer token) or as a person at a browser (the login form, a cookie).
//! Every API answer a test saw is checked against the OpenAPI document when it ends.
//!
//! The areas' own test binaries use it for what needs the whole app and realistic data;
//! tests of one area alone use `opencpd-testkit`'s in-process client instead.

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

/// Delivery's fixtures: the demo with its programme year, and the shapes of a course and a
/// cohort as the API takes them.
pub mod delivery {
    use super::{Backend, TestApp};
    use serde_json::{Value, json};

    /// The small demo with the delivery demo added, as the demo command will build it.
    /// (Once the registry demo builds the delivery demo itself, this adds nothing.)
    pub async fn start(backend: Backend) -> TestApp {
        let app = TestApp::start(backend).await;
        if app.scalar("SELECT COUNT(*) FROM programmes WHERE code = 'LT2'").await == 0 {
            let summary = opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
            assert!(summary.enrolments > 10 && summary.certificates > 0, "{summary:?}");
        }
        app
    }

    pub async fn json_of(r: reqwest::Response) -> (u16, Value) {
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub fn codes(body: &Value) -> Vec<(String, String)> {
        body["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (p["code"].as_str().unwrap_or("").to_string(), p["column"].as_str().unwrap_or("").to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn cohort_id(app: &TestApp, code: &str) -> i64 {
        app.id_of("SELECT id FROM cohorts WHERE code = $1", code).await
    }

    pub fn course(code: &str) -> Value {
        json!({"code": code, "title": format!("Course {code}"), "kind": "short_training", "modality": "face_to_face",
               "hours": 12, "credits": 1, "min_attendance_pct": 50, "require_assessments_passed": true,
               "modules": [{"code": "M1", "title": "Leading teaching", "hours": 12, "standards": ["SL3"]}],
               "assessments": [{"code": "QUIZ", "title": "Quiz", "module_code": "M1", "max_score": 20, "pass_score": 10}]})
    }

    pub fn cohort(code: &str, course: &str, unit: &str, capacity: i64) -> Value {
        json!({"code": code, "name": format!("Cohort {code}"), "course_code": course, "unit_code": unit,
               "start_date": "2025-01-06", "end_date": "2098-12-31", "capacity": capacity})
    }

    /// Staff numbers of current teachers at schools in a unit, first `n`.
    pub async fn teachers_in(app: &TestApp, unit_code: &str, n: usize) -> Vec<String> {
        let list: Vec<String> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
            "SELECT p.staff_number FROM positions x JOIN people p ON p.id = x.person_id JOIN schools s ON s.id = x.school_id \
             JOIN units u ON u.id = s.unit_id WHERE u.code = $1 AND x.role = 'teacher' AND x.end_date IS NULL ORDER BY p.id"
        )
        .bind(unit_code)
        .fetch_all(p)
        .await)
        .unwrap();
        list.into_iter().take(n).collect()
    }

    pub async fn person_of(app: &TestApp, staff_number: &str) -> i64 {
        app.id_of("SELECT id FROM people WHERE staff_number = $1", staff_number).await
    }

    /// The delivery area's commands, parsed and run in this process.
    #[derive(clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        command: opencpd_delivery::cli::Command,
    }

    pub async fn cli(args: &[&str]) -> std::process::ExitCode {
        let parsed =
            <Cli as clap::Parser>::try_parse_from(std::iter::once("delivery").chain(args.iter().copied())).unwrap();
        opencpd_delivery::cli::run(parsed.command).await.unwrap()
    }
}

/// Instruments' fixtures: a submission of the demo's lesson observation.
pub mod instruments {
    use serde_json::{Value, json};

    /// Answers the demo's lesson observation accepts.
    pub fn good_answers() -> Value {
        json!({
            "lesson_date": "2026-02-03", "subject": "math", "learners_present": 48, "girls_present": 25,
            "objectives_shared": "3", "feedback": "2", "learners_active": "4", "questioning": "1",
            "strengths": "Clear explanation", "agreed_action": "Pair work in the next lesson", "follow_up": "2026-03-03"
        })
    }

    /// A submission of `answers` to `instrument` about a school, as the field app sends it.
    pub fn submission(uuid: &str, instrument: i64, school: i64, answers: Value) -> Value {
        json!({"uuid": uuid, "instrument_id": instrument, "collected_at": "2026-02-03T10:15:00Z",
               "subject": {"kind": "school", "id": school}, "answers": answers})
    }
}
