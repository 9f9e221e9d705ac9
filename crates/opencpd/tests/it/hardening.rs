//! Hardening against hostile input and hostile clients: formulas in CSV exports, names
//! that hide what they are, the security headers of every answer, the login throttle, and
//! request bodies refused before they are read (no credentials, no right, too large).

use crate::api::app_school_code;
use opencpd_testapp::{Backend, PASSWORD, TestApp, backends, hidden};
use serde_json::{Value, json};

#[tokio::test]
async fn csv_injection_a_person_named_as_a_formula_is_exported_neutralised() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let person = json!({"staff_number": "RWT-INJ-1", "given_name": "=HYPERLINK(\"x\")", "family_name": "+1+cmd|' /C calc'!A0", "sex": "F",
            "position": {"role": "teacher", "school_code": app_school_code(&app, "Gitega").await, "start_date": "2024-01-08"}});
        let r = api.post("/api/v1/people").json(&person).send().await.unwrap();
        assert_eq!(r.status(), 201, "{backend:?}");
        let csv = api.get("/api/v1/exports/people?format=csv").send().await.unwrap().text().await.unwrap();
        let line = csv.lines().find(|l| l.contains("RWT-INJ-1")).expect("the person in the export");
        assert!(line.contains("\"'=HYPERLINK(\"\"x\"\")\",'+1+cmd|' /C calc'!A0"), "{backend:?}: {line}");
        // The spreadsheet version keeps the text as text, never a formula.
        let xlsx = api.get("/api/v1/exports/people?format=xlsx").send().await.unwrap().bytes().await.unwrap();
        let table = opencpd_transfer::read_table("people.xlsx", &xlsx).unwrap();
        assert!(table.rows.iter().any(|r| r.cells.iter().any(|c| c == "=HYPERLINK(\"x\")")), "{backend:?}");
        // And the CSV imports back as the name it was.
        let table = opencpd_transfer::read_table("people.csv", csv.as_bytes()).unwrap();
        assert!(table.rows.iter().any(|r| r.cells.iter().any(|c| c == "=HYPERLINK(\"x\")")), "{backend:?}");
    }
}

#[tokio::test]
async fn concurrent_reissues_wait_their_turn_on_sqlite_and_never_share_a_serial_on_postgresql() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
        let ids: Vec<i64> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
            "SELECT id FROM certificates WHERE revoked_on IS NULL ORDER BY id LIMIT 24"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(ids.len() >= 12, "{backend:?}: the demo has certificates");
        let token = app.token("admin").await;
        // Each reissue reads the certificate, then writes its successor: with deferred
        // transactions most of these ended in a 500 on SQLite.
        let tasks = ids.iter().map(|id| {
            let (url, token) = (app.url(&format!("/api/v1/certificates/{id}/reissue")), token.clone());
            tokio::spawn(async move {
                reqwest::Client::new().post(url).bearer_auth(token).send().await.unwrap().status().as_u16()
            })
        });
        let statuses = futures_join(tasks).await;
        assert!(statuses.iter().all(|s| *s == 201), "{backend:?}: {statuses:?}");
        let replaced = app.scalar("SELECT COUNT(*) FROM certificates WHERE replaces_id IS NOT NULL").await;
        assert!(replaced >= ids.len() as i64, "{backend:?}");
    }
}

#[tokio::test]
async fn an_import_of_one_endless_line_is_refused_when_it_passes_the_line_limit_not_held_whole() {
    let app = TestApp::start(Backend::Sqlite).await;
    let api = app.api("admin").await;
    // 40 MB of one cell had every copy of it held (the header, the problem, the message):
    // 20 such uploads took 1.7 GB. The reader now stops at 1 MiB of one line.
    let body = vec![b'x'; 3 * 1024 * 1024];
    let r = api.post("/api/v1/imports/people?filename=p.csv").body(body).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["problems"].as_array().map(Vec::len), Some(1), "{report}");
    assert_eq!(
        (report["problems"][0]["code"].as_str(), report["problems"][0]["row"].as_i64()),
        (Some("line-too-long"), Some(1))
    );
    // A long header name is shown cut, not whole.
    let header = format!("staff_number,{}\nA1,x\n", "y".repeat(5000));
    let r = api.post("/api/v1/imports/people?filename=p.csv").body(header).send().await.unwrap();
    let report: Value = r.json().await.unwrap();
    let unknown =
        report["problems"].as_array().unwrap().iter().find(|p| p["code"] == "unknown-column").unwrap().clone();
    assert_eq!(unknown["column"].as_str().map(str::len), Some(80), "{unknown}");
}

#[tokio::test]
async fn nul_in_long_free_text_is_refused_naming_the_field_on_both_databases() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let events = app.scalar("SELECT COUNT(*) FROM outreach_events").await;
        // Notes are free text (no name rules): on PostgreSQL a NUL used to end in a 500.
        let event = json!({"kind": "radio_broadcast", "title": "Maths on air", "start_date": "2025-08-01",
            "unit_code": "RW-10101", "notes": format!("{}\u{0}after", "long notes ".repeat(200))});
        let r = api.post("/api/v1/outreach").json(&event).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            (body["problems"][0]["column"].as_str(), body["problems"][0]["code"].as_str()),
            (Some("notes"), Some("nul-character")),
            "{backend:?}: {body}"
        );
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, events, "{backend:?}: nothing written");
        // Nested in a list, and in a page's form fields.
        let r = api
            .post("/api/v1/submissions")
            .json(&json!({"uuid": "7d3f8a52-0b1c-4c55-9a43-1f2e3d4c5b6a", "instrument_id": 1, "answers": {"q": ["a", "b\u{0}"]}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["column"], "answers.q[1]", "{backend:?}: {body}");
        let browser = app.browser("admin").await;
        let r = browser
            .post(app.url("/outreach"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("csrf=x&title=Radio&notes=a%00b")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        assert!(r.text().await.unwrap().contains("U+0000"), "{backend:?}: the page names the character");
    }
}

#[tokio::test]
async fn names_with_nul_direction_override_or_only_zero_width_characters_are_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let school = app_school_code(&app, "Gitega").await;
        let people = app.scalar("SELECT COUNT(*) FROM people").await;
        let cases = [
            // A NUL is refused for every text of every body, before the route reads it.
            ("given_name", "Ali\u{0}ne", "nul-character"),
            ("given_name", "Ali\u{7}ne", "bad-character"),
            ("family_name", "\u{202E}exe.cod", "bad-character"),
            ("given_name", "\u{200B}\u{200D}\u{FEFF}", "invisible-only"),
        ];
        for (field, value, code) in cases {
            let mut person = json!({"staff_number": "RWT-BAD-1", "given_name": "Aline", "family_name": "Uwase", "sex": "F",
                "position": {"role": "teacher", "school_code": school, "start_date": "2024-01-08"}});
            person[field] = json!(value);
            let r = api.post("/api/v1/people").header("accept-language", "fr").json(&person).send().await.unwrap();
            assert_eq!(r.status(), 422, "{backend:?} {value:?}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["problems"][0]["column"], field, "{backend:?} {body}");
            assert_eq!(body["problems"][0]["code"], code, "{backend:?} {body}");
        }
        // A school's name through the API.
        let new = json!({"code": "GIT-BAD-1", "name": "EP \u{202E}Gitega", "unit_code": "RW-10101", "level": "primary", "ownership": "public"});
        let r = api.post("/api/v1/schools").json(&new).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            (body["problems"][0]["column"].as_str(), body["problems"][0]["code"].as_str()),
            (Some("name"), Some("bad-character"))
        );
        assert!(body["problems"][0]["message"].as_str().unwrap().contains("U+202E"), "{body}");

        // An account's display name and a certificate's title, likewise.
        let users = app.scalar("SELECT COUNT(*) FROM users").await;
        let user = json!({"username": "new.user", "display_name": "Admin\u{202E}", "password": PASSWORD,
            "grants": [{"role": "system_admin"}]});
        let r = api.post("/api/v1/users").json(&user).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["column"], "display_name", "{body}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM users").await, users);
        let wording = json!({"lang": "en", "issuer": "\u{200B}", "title": "Cert\u{202E}ificate", "body": "{name}", "signatories": ""});
        let r = api.put("/api/v1/certificate-templates").json(&wording).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        let found: Vec<(&str, &str)> = body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["column"].as_str().unwrap(), p["code"].as_str().unwrap()))
            .collect();
        assert_eq!(found, vec![("issuer", "invisible-only"), ("title", "bad-character")], "{body}");

        // An instrument's title, from its XLSForm's settings.
        let sheet = |rows: &[&[&str]]| rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        let xlsform = opencpd_transfer::write_workbook(&[
            ("survey", sheet(&[&["type", "name", "label"], &["text", "q1", "Question"]])),
            ("settings", sheet(&[&["form_title", "form_id"], &["Visit \u{202E}fdp.exe", "visit"]])),
        ])
        .unwrap();
        let r = api.post("/api/v1/instruments?filename=visit.xlsx&kind=survey").body(xlsform).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["column"], "settings!form_title", "{body}");

        // An import names the row and the column of each.
        let csv = "staff_number,given_name,family_name,sex\nRWT-IMP-1,Aline,Uwase,F\nRWT-IMP-2,\u{202E}Jean,Bosco,M\nRWT-IMP-3,Marie,\u{200B}\u{200C},F\n";
        let r = api.post("/api/v1/imports/people?filename=people.csv").body(csv).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let report: Value = r.json().await.unwrap();
        let found: Vec<(i64, &str, &str)> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap(), p["code"].as_str().unwrap()))
            .collect();
        assert_eq!(found, vec![(3, "given_name", "bad-character"), (4, "family_name", "invisible-only")], "{report}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM people").await, people, "{backend:?}: nothing written");
    }
}

/// The security headers every answer carries.
fn assert_security_headers(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    let csp =
        h.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("{what}: no CSP"));
    for part in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(csp.contains(part), "{what}: {csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{what}: {csp}");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{what}");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{what}");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY", "{what}");
}

#[tokio::test]
async fn security_headers_are_sent_by_pages_the_api_and_the_field_app() {
    let app = TestApp::start(Backend::Sqlite).await;
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let api = app.api("admin").await;
    let answers = [
        ("login page", c.get(app.url("/login")).send().await.unwrap()),
        ("a page asking for login", c.get(app.url("/schools/1")).send().await.unwrap()),
        ("API", api.get("/api/v1/me").send().await.unwrap()),
        ("API error", c.get(app.url("/api/v1/me")).send().await.unwrap()),
        ("field app", c.get(app.url("/field/")).send().await.unwrap()),
        ("field script", c.get(app.url("/field/app.js")).send().await.unwrap()),
    ];
    for (what, r) in &answers {
        assert_security_headers(r, what);
        // Plain HTTP, no proxy trusted: no HSTS, no Secure cookie, whatever a client claims.
        assert!(r.headers().get("strict-transport-security").is_none(), "{what}");
    }
    let r = c.get(app.url("/login")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none(), "an untrusted X-Forwarded-Proto is ignored");
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    let page = r.text().await.unwrap();
    assert!(page.contains("<link rel=\"stylesheet\" href=\"/static/app.css"), "styles come from a file");

    // Behind a trusted proxy, HTTPS requests get HSTS and Secure cookies; HTTP ones do not.
    let config = opencpd_web::WebConfig { trust_proxy: true, ..Default::default() };
    let proxied = TestApp::start_with(Backend::Sqlite, config).await;
    let r = c.get(proxied.url("/login")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_security_headers(&r, "login page over HTTPS");
    assert_eq!(r.headers().get("strict-transport-security").unwrap(), "max-age=31536000");
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let r = c.get(proxied.url("/login")).header("x-forwarded-proto", "http").send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    assert!(!r.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Secure"));

    // The client's address is the one the trusted proxy added last; untrusted, the peer's.
    for (app, expected) in [(&proxied, "203.0.113.9"), (&app, "127.0.0.1")] {
        let (client, token) = login_form(app).await;
        let r = client
            .post(app.url("/login"))
            .header("x-forwarded-for", "198.51.100.1, 203.0.113.9")
            .form(&[("username", "admin"), ("password", "wrong"), ("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let address: Value =
            serde_json::from_str(&app.text("SELECT after_json FROM audit_events WHERE action = 'login_failed'").await)
                .unwrap();
        assert_eq!(address["address"], expected);
    }
}

/// A client with the login form's CSRF cookie, and the form's token.
async fn login_form(app: &TestApp) -> (reqwest::Client, String) {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = hidden(&page, "csrf");
    (client, token)
}

async fn try_login(
    app: &TestApp,
    client: &reqwest::Client,
    token: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", password), ("csrf", token)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_throttle_padded_names_share_one_counter_and_the_right_password_waits() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let (client, token) = login_form(&app).await;
        for name in ["evaluator", " evaluator", "evaluator ", "EVALUATOR", "\tEvaluator "] {
            let r = try_login(&app, &client, &token, name, "wrong").await;
            assert_eq!(r.status(), 401, "{backend:?} {name:?}");
        }
        for name in [" evaluator", "evaluator ", "evaluator"] {
            let r = try_login(&app, &client, &token, name, PASSWORD).await;
            assert_eq!(r.status(), 429, "{backend:?} {name:?}: the right password waits too");
            let wait: u64 = r.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
        // Another account from the same address is not held up.
        let r = try_login(&app, &client, &token, "admin", PASSWORD).await;
        assert_eq!(r.status(), 303, "{backend:?}");
    }
}

#[tokio::test]
async fn login_throttle_a_hundred_parallel_wrong_passwords_get_about_five_checks_each_audited() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let (client, token) = login_form(&app).await;
        let attempts = (0..100).map(|n| {
            let name = if n % 2 == 0 { " evaluator".to_string() } else { "Evaluator ".to_string() };
            let (client, token, url) = (client.clone(), token.clone(), app.url("/login"));
            tokio::spawn(async move {
                let form = [("username", name.as_str()), ("password", "wrong"), ("csrf", token.as_str())];
                client.post(url).form(&form).send().await.unwrap().status().as_u16()
            })
        });
        let statuses: Vec<u16> = futures_join(attempts).await;
        let checked = statuses.iter().filter(|s| **s == 401).count();
        let throttled = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!(checked + throttled, 100, "{backend:?} {statuses:?}");
        assert!((5..=6).contains(&checked), "{backend:?}: {checked} password checks");
        // Each check that failed is audited with the name tried and the address; none else.
        let audited = app.scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'login_failed'").await;
        assert_eq!(audited as usize, checked, "{backend:?}");
        let admin = app.api("admin").await;
        let trail: Value = admin.get("/api/v1/audit?action=login_failed").send().await.unwrap().json().await.unwrap();
        let event = &trail["items"][0];
        assert_eq!(
            (event["entity"].as_str(), event["entity_id"].as_str()),
            (Some("user"), Some("evaluator")),
            "{trail}"
        );
        let tried: Value = serde_json::from_str(event["after_json"].as_str().unwrap()).unwrap();
        assert_eq!(tried, json!({"username": "evaluator", "address": "127.0.0.1"}));
        assert!(!event.to_string().contains("wrong"), "no password in the trail: {event}");
    }
}

async fn futures_join(tasks: impl Iterator<Item = tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.unwrap());
    }
    out
}

/// Sends a request head and only the first `sent` bytes of its body over a bare
/// connection, and reads the answer: a server that answers has decided without reading
/// the rest (which never comes). Returns the status and the answer's body.
async fn answer_before_the_body(app: &TestApp, head: &str, sent: usize) -> (u16, String) {
    raw_answer(app, head, &vec![b'x'; sent]).await
}

/// Sends a request head and `body` over a bare connection, and reads the answer (the
/// status and the answer's body), whether or not the server read all that was sent.
async fn raw_answer(app: &TestApp, head: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!("{head}Host: {address}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.to_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>()))
                    .and_then(Result::ok);
                if n == 0 || length.is_some_and(|l| body.len() >= l) {
                    break;
                }
            } else if n == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read).await.expect("an answer without the body");
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

#[tokio::test]
async fn bodies_read_before_authentication_a_large_unauthenticated_post_is_refused_unread() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let people = app.scalar("SELECT COUNT(*) FROM people").await;
        for (path, kind) in [
            ("/api/v1/people", "application/json"),
            ("/api/v1/imports/people?filename=people.csv", "text/csv"),
            ("/api/v1/submissions", "application/json"),
        ] {
            let head = format!("POST {path} HTTP/1.1\r\nContent-Type: {kind}\r\nContent-Length: 10000000\r\n");
            let (status, body) = answer_before_the_body(&app, &head, 1000).await;
            assert_eq!(status, 401, "{backend:?} {path}: {body}");
            assert!(body.contains("\"unauthorized\""), "{backend:?} {path}: {body}");
            // A token that is no one's is refused the same way.
            let head = format!("{head}Authorization: Bearer not-a-token\r\n");
            assert_eq!(answer_before_the_body(&app, &head, 1000).await.0, 401, "{backend:?} {path}");
        }
        // A page's form: the login page, before any byte is read.
        let head =
            "POST /cohorts HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n";
        assert_eq!(answer_before_the_body(&app, head, 1000).await.0, 303, "{backend:?}");
        // The server still serves, and nothing was written.
        assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM people").await, people);
    }
}

#[tokio::test]
async fn import_read_before_the_rights_check_a_teachers_file_is_refused_unread() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let token = app.token("teacher").await;
        let head = format!(
            "POST /api/v1/imports/people?filename=people.csv HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: text/csv\r\nContent-Length: 10000000\r\n"
        );
        let (status, body) = answer_before_the_body(&app, &head, 1000).await;
        assert_eq!(status, 403, "{backend:?}: {body}");
        // The enrolment import of a cohort the teacher may not manage: refused unread.
        let cohort = app.scalar("SELECT MIN(id) FROM cohorts").await;
        let head = format!(
            "POST /api/v1/cohorts/{cohort}/enrolments/import HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: text/csv\r\nContent-Length: 10000000\r\n"
        );
        let (status, body) = answer_before_the_body(&app, &head, 1000).await;
        assert!(matches!(status, 403 | 404), "{backend:?}: {status} {body}");
    }
}

#[tokio::test]
async fn body_limits_an_over_limit_body_with_credentials_answers_413_naming_the_limit() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let token = app.token("admin").await;
        // Declared too large: refused before a byte is read.
        let head = format!(
            "POST /api/v1/people HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Content-Length: 100000\r\n"
        );
        let (status, body) = answer_before_the_body(&app, &head, 10).await;
        assert_eq!(status, 413, "{backend:?}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["error"], "too_large", "{body}");
        assert!(answer["message"].as_str().unwrap().contains("64 KiB"), "{body}");
        // Sent without a length: refused once it passes the limit, with the same answer.
        let big = json!({"given_name": "x".repeat(100_000)}).to_string();
        let chunked = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len());
        let head = format!(
            "POST /api/v1/people HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n"
        );
        let (status, body) = raw_answer(&app, &head, chunked.as_bytes()).await;
        assert_eq!(status, 413, "{backend:?}: {body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert!(answer["message"].as_str().unwrap().contains("64 KiB"), "{body}");
        let api = app.api("admin").await;
        // An import file of the same size is well within its own limit.
        let csv = format!("code,name,level,parent_code\n{}", "x".repeat(100_000));
        let r = api.post("/api/v1/imports/units?filename=units.csv&dry_run=true").body(csv).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}: read and checked, not refused for its size");
    }
}

#[tokio::test]
async fn write_routes_answer_422_before_401_every_write_route_answers_401_without_credentials() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
        let client = reqwest::Client::new();
        let mut tried = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in ["post", "put", "patch", "delete"] {
                if item[method].is_null() {
                    continue;
                }
                let concrete: String =
                    path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/");
                let method_ = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let r = client
                    .request(method_, app.url(&concrete))
                    .header("content-type", "application/json")
                    .body("{\"malformed\": ")
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                assert_eq!(status, 401, "{backend:?} {method} {path}: {}", r.text().await.unwrap_or_default());
                tried.push(format!("{method} {path}"));
            }
        }
        assert!(tried.len() >= 45, "{backend:?}: only {tried:?}");
    }
}

/// A bearer request with `token`, answered with its status.
async fn status_with_token(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new().get(app.url("/api/v1/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn api_tokens_are_named_listed_expire_and_are_revoked_one_by_one() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let head = app.api("head.gitega").await;
        // A named token valid for 30 days; its secret is given once and never listed.
        let r = head
            .post("/api/v1/me/tokens")
            .json(&json!({"name": "EMIS export", "expires_in_days": 30}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?}");
        let issued: Value = r.json().await.unwrap();
        let secret = issued["secret"].as_str().unwrap().to_string();
        let id = issued["token"]["id"].as_i64().unwrap();
        assert_eq!(issued["token"]["status"], "active");
        assert!(issued["token"]["expires_at"].as_str().is_some());
        assert_eq!(status_with_token(&app, &secret).await, 200, "{backend:?}");
        let other = head.post("/api/v1/me/tokens").json(&json!({"name": "Sync laptop"})).send().await.unwrap();
        let other: Value = other.json().await.unwrap();
        let other_secret = other["secret"].as_str().unwrap().to_string();
        let list: Value = head.get("/api/v1/me/tokens").send().await.unwrap().json().await.unwrap();
        let names: Vec<&str> = list.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert!(names.contains(&"EMIS export") && names.contains(&"Sync laptop"), "{backend:?}: {names:?}");
        assert!(!list.to_string().contains(&secret), "a secret is never listed");

        // Bad input names the field and creates nothing.
        for (body, field) in [
            (json!({"name": "x", "expires_in_days": 0}), "expires_in_days"),
            (json!({"name": "x", "expires_in_days": 5000}), "expires_in_days"),
            (json!({"name": "  "}), "name"),
            (json!({"name": "x", "expires": 3}), "expires"),
        ] {
            let r = head.post("/api/v1/me/tokens").json(&body).send().await.unwrap();
            assert_eq!(r.status(), 422, "{backend:?} {body}");
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["problems"][0]["column"], field, "{backend:?} {e}");
        }
        let listed: Value = head.get("/api/v1/me/tokens").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), list.as_array().unwrap().len(), "{backend:?}");

        // Someone else's token does not exist for a school leader; an admin sees and revokes it.
        let teacher = app.api("teacher").await;
        assert_eq!(teacher.post(&format!("/api/v1/tokens/{id}/revoke")).send().await.unwrap().status(), 404);
        assert_eq!(teacher.get("/api/v1/users/head.gitega/tokens").send().await.unwrap().status(), 403);
        let admin = app.api("admin").await;
        let theirs: Value = admin.get("/api/v1/users/head.gitega/tokens").send().await.unwrap().json().await.unwrap();
        assert!(theirs.as_array().unwrap().iter().any(|t| t["id"] == id), "{backend:?}");

        // Revoking one stops it on the next request and leaves the other working.
        let r = head.post(&format!("/api/v1/tokens/{id}/revoke")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "revoked");
        assert_eq!(status_with_token(&app, &secret).await, 401, "{backend:?}");
        assert_eq!(status_with_token(&app, &other_secret).await, 200, "{backend:?}");

        // A token past its date no longer authenticates, and is listed as expired.
        let (_, past) = opencpd_kernel::accounts::issue_token(
            &app.db.db,
            &opencpd_kernel::Actor::system(),
            "head.gitega",
            &opencpd_kernel::accounts::NewToken { name: "old".into(), expires_in_days: Some(1) },
        )
        .await
        .unwrap();
        assert_eq!(status_with_token(&app, &past).await, 200, "{backend:?}");
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE name = 'old'")
            .bind(yesterday)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        assert_eq!(status_with_token(&app, &past).await, 401, "{backend:?}");
        let list: Value = head.get("/api/v1/me/tokens").send().await.unwrap().json().await.unwrap();
        let old = list.as_array().unwrap().iter().find(|t| t["name"] == "old").unwrap();
        assert_eq!(old["status"], "expired", "{backend:?}");
        // Each creation and the revocation are audited.
        assert!(app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'api_token'").await >= 4, "{backend:?}");
    }
}

#[tokio::test]
async fn passwords_a_user_changes_their_own_and_an_admin_resets_one_common_ones_refused() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let head = app.api("head.gitega").await;
        let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
        for (body, field, code) in [
            (change("wrong-password", "Lac-Kivu-2026!"), "current_password", "password-wrong"),
            (change(PASSWORD, "azertyuiop"), "new_password", "password-common"),
            (change(PASSWORD, "short"), "new_password", "too-short"),
            (change(PASSWORD, &"x9".repeat(100)), "new_password", "too-long"),
            (change(PASSWORD, "head.gitega"), "new_password", "password-is-name"),
        ] {
            let r = head.post("/api/v1/me/password").json(&body).send().await.unwrap();
            assert_eq!(r.status(), 422, "{backend:?} {body}");
            let e: Value = r.json().await.unwrap();
            assert_eq!(e["problems"][0]["column"], field, "{backend:?} {e}");
            assert_eq!(e["problems"][0]["code"], code, "{backend:?} {e}");
        }
        // A browser session open before the change ends with it.
        let before = app.browser("head.gitega").await;
        assert_eq!(before.get(app.url("/account")).send().await.unwrap().url().path(), "/account");
        let r = head.post("/api/v1/me/password").json(&change(PASSWORD, "Lac-Kivu-2026!")).send().await.unwrap();
        assert_eq!(r.status(), 204, "{backend:?}");
        assert_eq!(before.get(app.url("/account")).send().await.unwrap().url().path(), "/login", "{backend:?}");
        let (client, csrf) = login_form(&app).await;
        assert_eq!(try_login(&app, &client, &csrf, "head.gitega", PASSWORD).await.status(), 401, "{backend:?}");
        assert_eq!(try_login(&app, &client, &csrf, "head.gitega", "Lac-Kivu-2026!").await.status(), 303, "{backend:?}");

        // Only an admin resets another's password; it too is checked, and audited.
        let r = head
            .post("/api/v1/users/teacher/password")
            .json(&json!({"password": "Nyungwe-Forest-9"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        let admin = app.api("admin").await;
        let r =
            admin.post("/api/v1/users/teacher/password").json(&json!({"password": "123456789"})).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let r = admin
            .post("/api/v1/users/nobody/password")
            .json(&json!({"password": "Nyungwe-Forest-9"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{backend:?}");
        let r = admin
            .post("/api/v1/users/teacher/password")
            .json(&json!({"password": "Nyungwe-Forest-9"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "{backend:?}");
        assert_eq!(try_login(&app, &client, &csrf, "teacher", "Nyungwe-Forest-9").await.status(), 303, "{backend:?}");
        let audited =
            app.scalar("SELECT COUNT(*) FROM audit_events WHERE action IN ('change_password', 'reset_password')").await;
        assert_eq!(audited, 2, "{backend:?}");
    }
}

#[tokio::test]
async fn account_page_creates_a_token_shown_once_and_revokes_it() {
    let app = TestApp::start(Backend::Sqlite).await;
    let browser = app.browser("seo.gitega").await;
    let page = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden(&page, "csrf");
    let page = browser
        .post(app.url("/account/tokens"))
        .form(&[("csrf", csrf.as_str()), ("name", "Weekly report"), ("expires_in_days", "7")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("<code>").expect("the secret shown") + 6;
    let secret = page[start..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("ocpd_"), "{secret}");
    assert_eq!(status_with_token(&app, &secret).await, 200);
    // Shown once: the page read again lists the token by name only.
    let again = browser.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("Weekly report") && !again.contains(&secret));
    // A bad expiry is said on the page, naming the field.
    let r = browser
        .post(app.url("/account/tokens"))
        .form(&[("csrf", csrf.as_str()), ("name", "x"), ("expires_in_days", "soon")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("expires_in_days"));
    // Without the form's token nothing happens.
    let id = app.id_of("SELECT id FROM api_tokens WHERE name = $1", "Weekly report").await;
    let r = browser
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(status_with_token(&app, &secret).await, 200);
    let r = browser
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status_with_token(&app, &secret).await, 401);
}
