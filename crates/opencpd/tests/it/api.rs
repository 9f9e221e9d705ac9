//! The JSON API and the storage behind it, on SQLite and PostgreSQL alike.

use opencpd_testapp::{TestApp, backends};
use serde_json::{Value, json};

#[tokio::test]
async fn health_metrics_and_openapi_answer_without_login() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let c = reqwest::Client::new();
        let health = c.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{backend:?}");
        assert_eq!(health.text().await.unwrap(), "ok\n");
        let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("opencpd_http_requests_total{status=\"2xx\"}"), "{metrics}");
        let doc: Value = c.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert_eq!(doc["info"]["title"], "OpenCPD API");
        for path in ["/api/v1/schools/{id}", "/api/v1/imports/{kind}", "/api/v1/people", "/api/v1/users"] {
            assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
        }
        assert!(doc["components"]["schemas"]["School"].is_object());
    }
}

#[tokio::test]
async fn api_needs_a_valid_token() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let c = reqwest::Client::new();
        let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let r = c.get(app.url("/api/v1/me")).bearer_auth("ocpd_not-a-token").send().await.unwrap();
        assert_eq!(r.status(), 401);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized");
        let api = app.api("admin").await;
        let me: Value = api.get("/api/v1/me").send().await.unwrap().json().await.unwrap();
        assert_eq!(me["username"], "admin");
        assert_eq!(me["counts"]["schools"].as_i64().unwrap(), app.scalar("SELECT COUNT(*) FROM schools").await);
    }
}

#[tokio::test]
async fn schools_are_created_read_updated_with_versions_and_audited() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("seo.gitega").await;
        let new = json!({"code": "GIT-NEW-1", "name": "EP Gitega Nouvelle", "unit_code": "RW-10101", "level": "primary", "ownership": "public", "latitude": -1.95, "longitude": 30.06});
        let r = api.post("/api/v1/schools").json(&new).send().await.unwrap();
        let status = r.status();
        let created: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{backend:?} {created}");
        assert_eq!(created["name"], "EP Gitega Nouvelle");
        assert_eq!(created["version"], 1);
        let id = created["id"].as_i64().unwrap();

        // The same code again is a conflict naming the code.
        let r = api.post("/api/v1/schools").json(&new).send().await.unwrap();
        assert_eq!(r.status(), 409);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["value"], "GIT-NEW-1");

        // Update with the version seen; a second update from the same stale version conflicts.
        let mut change = new.clone();
        change["name"] = json!("EP Gitega Renamed");
        change["version"] = json!(1);
        let r = api.put(&format!("/api/v1/schools/{id}")).json(&change).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let updated: Value = r.json().await.unwrap();
        assert_eq!((updated["name"].as_str(), updated["version"].as_i64()), (Some("EP Gitega Renamed"), Some(2)));
        let r = api.put(&format!("/api/v1/schools/{id}")).json(&change).send().await.unwrap();
        assert_eq!(r.status(), 409);

        // Moving the school out of the officer's sector is refused; nothing changes.
        let mut away = change.clone();
        away["unit_code"] = json!("RW-10102");
        away["version"] = json!(2);
        let r = api.put(&format!("/api/v1/schools/{id}")).json(&away).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            (body["problems"][0]["code"].as_str(), body["problems"][0]["column"].as_str()),
            (Some("out-of-scope"), Some("unit_code"))
        );
        let still: Value = api.get(&format!("/api/v1/schools/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(still["unit_name"], "Gitega");

        let admin = app.api("admin").await;
        let trail: Value = admin.get("/api/v1/audit?entity=school").send().await.unwrap().json().await.unwrap();
        let events = trail["items"].as_array().unwrap();
        assert_eq!((events.len(), trail["total"].as_i64()), (2, Some(2)), "{trail}");
        assert_eq!(events[0]["action"], "update");
        assert_eq!(events[0]["actor"], "seo.gitega");
        assert!(events[0]["before_json"].as_str().unwrap().contains("EP Gitega Nouvelle"));
        assert!(events[0]["after_json"].as_str().unwrap().contains("EP Gitega Renamed"));
    }
}

#[tokio::test]
async fn bad_input_gets_4xx_with_the_field_named_never_500() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let before = app.scalar("SELECT COUNT(*) FROM schools").await;
        let r = api
            .post("/api/v1/schools")
            .header("content-type", "application/json")
            .body("{\"code\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], "invalid");

        let r = api
            .post("/api/v1/schools")
            .json(
                &json!({"code": "X 1", "name": "", "unit_code": "NOPE", "level": "university", "ownership": "public"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        let columns: Vec<&str> =
            body["problems"].as_array().unwrap().iter().map(|p| p["column"].as_str().unwrap()).collect();
        assert_eq!(columns, vec!["code", "name", "level", "unit_code"], "{body}");

        for path in ["/api/v1/schools/999999", "/api/v1/people/999999", "/api/v1/units/999999", "/api/v1/nothing-here"]
        {
            let r = api.get(path).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        let r = api.get("/api/v1/schools/not-a-number").send().await.unwrap();
        assert_eq!(r.status(), 404, "a non-numeric id names nothing");
        let r = api.get("/api/v1/exports/pupils").send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM schools").await, before, "nothing written");
    }
}

#[tokio::test]
async fn a_reassignment_keeps_the_history_and_newly_assigned_is_a_fact() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("deo.nyarugenge").await;
        let person = json!({"staff_number": "RWT0001", "given_name": "Aline", "family_name": "Uwase", "sex": "F",
            "position": {"role": "deputy_head", "school_code": app_school_code(&app, "Gitega").await, "start_date": "2019-01-07"}});
        let r = api.post("/api/v1/people").json(&person).send().await.unwrap();
        let status = r.status();
        let created: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_i64().unwrap();
        let first = created["positions"][0]["id"].as_i64().unwrap();
        let r = api
            .post(&format!("/api/v1/positions/{first}/end"))
            .json(&json!({"end_date": "2024-12-31"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let other = app_school_code(&app, "Kigali").await;
        let r = api
            .post(&format!("/api/v1/people/{id}/positions"))
            .json(&json!({"role": "head_teacher", "school_code": other, "start_date": "2025-01-06"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let got: Value = api.get(&format!("/api/v1/people/{id}")).send().await.unwrap().json().await.unwrap();
        let roles: Vec<(&str, Option<&str>)> = got["positions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| (x["role"].as_str().unwrap(), x["end_date"].as_str()))
            .collect();
        assert_eq!(roles, vec![("head_teacher", None), ("deputy_head", Some("2024-12-31"))]);
        // A position may not end before it starts.
        let r = api
            .post(&format!("/api/v1/positions/{first}/end"))
            .json(&json!({"end_date": "2018-01-01"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
    }
}

/// The code of the first school in the sector called `sector`.
pub async fn app_school_code(app: &TestApp, sector: &str) -> String {
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar::<_, String>(
        "SELECT s.code FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.name = $1 ORDER BY s.id LIMIT 1"
    )
    .bind(sector)
    .fetch_one(p)
    .await)
    .expect("school in sector")
}

#[tokio::test]
async fn clusters_group_schools_across_the_hierarchy_within_scope() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let gitega: Vec<String> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
            "SELECT s.code FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101' ORDER BY s.id"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        let elsewhere = app_school_code(&app, "Kanyinya").await;
        let api = app.api("seo.gitega").await;
        let r = api
            .post("/api/v1/clusters")
            .json(&json!({"code": "CL-T1", "name": "Gitega lesson study", "unit_code": "RW-10101", "school_codes": [gitega[0], gitega[1], elsewhere]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["value"].as_str(), Some(elsewhere.as_str()));
        let r = api
            .post("/api/v1/clusters")
            .json(&json!({"code": "CL-T1", "name": "Gitega lesson study", "unit_code": "RW-10101", "school_codes": [gitega[0], gitega[1]]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let created: Value = r.json().await.unwrap();
        assert_eq!(created["schools"].as_array().unwrap().len(), 2);
        let id = created["id"].as_i64().unwrap();
        let cm = app.api("national.cm").await;
        assert_eq!(cm.get(&format!("/api/v1/clusters/{id}")).send().await.unwrap().status(), 404);
        let subjects: Value = api.get("/api/v1/subjects").send().await.unwrap().json().await.unwrap();
        assert!(subjects.as_array().unwrap().iter().any(|s| s["code"] == "MATH" && s["name_fr"] == "Mathématiques"));
    }
}

#[tokio::test]
async fn sessions_need_csrf_on_forms_and_failed_logins_are_throttled() {
    let app = TestApp::start(opencpd_testapp::Backend::Sqlite).await;
    let browser = app.browser("seo.gitega").await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Welcome, Sector education officer, Gitega"));
    // A form without the session's token is refused, and the session survives.
    let r = browser.post(app.url("/logout")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Cookie-authenticated API writes need the token in a header.
    let r = browser.post(app.url("/api/v1/schools")).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let csrf = opencpd_testapp::hidden(&home, "csrf");
    let r = browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert!(r.url().path().starts_with("/login"), "{}", r.url());
    let r = browser.get(app.url("/schools/1")).send().await.unwrap();
    assert!(r.url().path().starts_with("/login"), "logged out: {}", r.url());

    // Five wrong passwords, then even the right one waits.
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let token = opencpd_testapp::hidden(&page, "csrf");
    for attempt in 0..5 {
        let r = client
            .post(app.url("/login"))
            .form(&[("username", "evaluator"), ("password", "wrong"), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "attempt {attempt}");
    }
    let r = client
        .post(app.url("/login"))
        .form(&[("username", "evaluator"), ("password", opencpd_testapp::PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("too many failed attempts"));
}

#[tokio::test]
async fn an_import_with_5000_bad_rows_lists_the_first_1000_problems_and_the_total() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let before = app.scalar("SELECT COUNT(*) FROM people").await;
        let mut csv = String::from("staff_number,given_name,family_name,sex\n");
        for i in 0..5000 {
            csv.push_str(&format!("BAD{i:05},Aline,Uwase,X\n"));
        }
        // People go through the chunked checker and the database checks; schools through
        // the whole-table check: both list 1,000 and say how many there were.
        let r = api.post("/api/v1/imports/people?filename=people.csv").body(csv).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let report: Value = r.json().await.unwrap();
        let problems = report["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1001, "{backend:?}");
        assert_eq!((problems[0]["row"].as_i64(), problems[0]["column"].as_str()), (Some(2), Some("sex")));
        assert_eq!(problems[999]["row"].as_i64(), Some(1001));
        let last = &problems[1000];
        assert_eq!(last["code"], "too-many-problems");
        assert_eq!(last["message"], "5000 problems found; the first 1000 are listed", "{backend:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM people").await, before, "nothing written");

        let mut csv = String::from("code,name,unit_code,level,ownership\n");
        for i in 0..5000 {
            csv.push_str(&format!("S{i:05},EP {i},RW-10101,nursery-ish,public\n"));
        }
        let r = api.post("/api/v1/imports/schools?filename=schools.csv").body(csv).send().await.unwrap();
        let report: Value = r.json().await.unwrap();
        let problems = report["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1001, "{backend:?}");
        assert_eq!(problems[1000]["message"], "5000 problems found; the first 1000 are listed", "{backend:?}");
    }
}

/// A body for a write route that flattens one input type into another: serde reads every
/// field first and reports a missing one before an unknown one, so these get whole bodies.
fn whole_body(method: &str, path: &str) -> Option<Value> {
    let school = json!({"code": "X-1", "name": "X", "unit_code": "RW", "level": "primary", "ownership": "public"});
    let person = json!({"given_name": "A", "family_name": "B", "sex": "F"});
    let mut body = match (method, path) {
        ("put", "/api/v1/schools/{id}") | ("post", "/api/v1/schools") => school,
        ("put", "/api/v1/people/{id}") => person,
        ("post", "/api/v1/people") => person,
        ("post", "/api/v1/applications") => json!({"cohort_code": "X", "person_id": 1}),
        _ => return None,
    };
    if method == "put" {
        body["version"] = json!(1);
    }
    body["zzz_unknown"] = json!(1);
    Some(body)
}

#[tokio::test]
async fn unknown_json_fields_are_refused_on_every_write_route() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("admin").await;
        let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
        let audit = app.scalar("SELECT COUNT(*) FROM audit_events").await;
        let mut tried = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in ["post", "put", "patch", "delete"] {
                if item[method]["requestBody"]["content"]["application/json"].is_null() {
                    continue;
                }
                let concrete: String =
                    path.split('/').map(|s| if s.starts_with('{') { "1" } else { s }).collect::<Vec<_>>().join("/");
                // The document says so: a body's schema takes no other property, and a body
                // made of several (allOf) has no part that refuses the others' properties.
                let schema = &item[method]["requestBody"]["content"]["application/json"]["schema"];
                let component = |s: &Value| -> Value {
                    let name = s["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/"));
                    name.map(|n| doc["components"]["schemas"][n].clone()).unwrap_or_else(|| s.clone())
                };
                let schema = component(schema);
                match schema["allOf"].as_array() {
                    Some(parts) => {
                        for part in parts {
                            assert!(
                                component(part)["additionalProperties"] != json!(false),
                                "{method} {path}: {schema}"
                            );
                        }
                    }
                    None => assert_eq!(schema["additionalProperties"], json!(false), "{method} {path}: {schema}"),
                }
                let body = whole_body(method, path).unwrap_or_else(|| json!({"zzz_unknown": 1}));
                let request = match method {
                    "post" => api.post(&concrete),
                    "put" => api.put(&concrete),
                    "delete" => api.delete(&concrete),
                    _ => api.patch(&concrete),
                };
                let r = request.json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                let answer: Value = r.json().await.unwrap_or(Value::Null);
                assert_eq!(status, 422, "{backend:?} {method} {path}: {answer}");
                let problem = &answer["problems"][0];
                assert_eq!(
                    (problem["code"].as_str(), problem["column"].as_str(), problem["value"].as_str()),
                    (Some("unknown-field"), Some("zzz_unknown"), Some("zzz_unknown")),
                    "{backend:?} {method} {path}: {answer}"
                );
                assert!(answer["message"].as_str().unwrap().contains("zzz_unknown"), "{answer}");
                tried.push(format!("{method} {path}"));
            }
        }
        // Every handler that reads a JSON body is in the OpenAPI document.
        assert!(tried.len() >= 38, "{backend:?}: only {tried:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_events").await, audit, "{backend:?}: nothing written");
    }
}

#[tokio::test]
async fn one_import_route_takes_every_areas_kinds_refuses_unknown_parameters_and_checks_rights_first() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let admin = app.api("admin").await;
        let school: String =
            opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT code FROM schools ORDER BY id LIMIT 1")
                .fetch_one(p)
                .await)
            .unwrap();
        // The indicators area's learner outcomes come in through the same route as the
        // registry's people, and are checked by their own area's rules.
        let csv = format!("school_code,year,grade,sex,enrolled\n{school},2025,NO-GRADE,F,40\n");
        let r = admin.post("/api/v1/imports/outcomes?filename=o.csv&dry_run=true").body(csv).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let report: Value = r.json().await.unwrap();
        assert_eq!(report["kind"], "outcomes", "{backend:?}");
        let p = &report["problems"][0];
        assert_eq!((p["row"].as_i64(), p["column"].as_str()), (Some(2), Some("grade")), "{backend:?}: {report}");
        assert_eq!(p["message"], "row 2, column grade: no grade has the code NO-GRADE", "{backend:?}");

        // A parameter the kind does not take is named, before the file is read.
        let r = admin.post("/api/v1/imports/people?colour=red").body("staff_number\n").send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["column"], "colour", "{backend:?}: {body}");
        // An unknown kind lists the kinds there are.
        let r = admin.post("/api/v1/imports/pupils").body("x\n").send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        let message = body["problems"][0]["message"].as_str().unwrap().to_string();
        assert!(message.contains("people") && message.contains("outcomes"), "{backend:?}: {message}");

        // A teacher may import nothing: refused before the body is looked at.
        let teacher = app.api("teacher").await;
        let r = teacher.post("/api/v1/imports/outcomes?filename=o.csv").body("not,even,read\n").send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");

        // A good people file through the same route: written whole, the count answered.
        let r = admin
            .post("/api/v1/imports/people?filename=p.csv")
            .body(format!(
                "staff_number,given_name,family_name,sex,role,school_code,start_date\n\
                 ONE-1,Aline,Uwase,F,teacher,{school},2024-01-08\nONE-2,Jean,Habimana,M,teacher,{school},2024-01-08\n"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let report: Value = r.json().await.unwrap();
        assert_eq!((report["rows"].as_i64(), report["created"].as_i64()), (Some(2), Some(2)), "{backend:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM people WHERE staff_number LIKE 'ONE-%'").await, 2);
        assert_eq!(
            app.scalar(
                "SELECT COUNT(*) FROM positions p JOIN people x ON x.id = p.person_id WHERE x.staff_number LIKE 'ONE-%'"
            )
            .await,
            2
        );
    }
}

#[tokio::test]
async fn a_template_workbook_names_required_columns_and_the_values_each_takes_and_imports_as_it_is() {
    let app = TestApp::start(opencpd_testapp::Backend::Sqlite).await;
    let browser = app.browser("admin").await;
    let r = browser.get(app.url("/templates/people?format=xlsx")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use opencpd_transfer::{Limits, Which, read_sheets};
    let sheets = read_sheets(&bytes, Which::Named(&["people", "columns"]), &Limits::FORM).unwrap();
    assert_eq!(sheets.len(), 2, "the rows to fill, then what each column takes");
    assert_eq!(sheets[0].rows[0].cells[0], "staff_number");
    let about: Vec<&Vec<String>> = sheets[1].rows.iter().map(|r| &r.cells).collect();
    let sex = about.iter().find(|c| c[0] == "sex").expect("sex listed");
    assert_eq!((sex[1].as_str(), sex[2].as_str()), ("yes", "F, M"));
    let role = about.iter().find(|c| c[0] == "role").expect("role listed");
    assert!(role[2].contains("head_teacher") && role[1] == "no", "{role:?}");
    // The workbook as downloaded is a file the import reads (its first sheet).
    let r = app.api("admin").await.post("/api/v1/imports/people?filename=p.xlsx&dry_run=true").body(bytes).send().await;
    let report: Value = r.unwrap().json().await.unwrap();
    assert_eq!(report["rows"].as_i64(), Some(1), "{report}");
}

/// A template of a kind that updates says, in the reader's language, that an empty optional
/// cell leaves the value as it is and which columns name the record: on the workbook's
/// second sheet, and on comment lines before a CSV file's header, which the import skips.
#[tokio::test]
async fn a_template_says_what_an_update_does_in_the_readers_language() {
    let app = TestApp::start(opencpd_testapp::Backend::Sqlite).await;
    let browser = app.browser("admin").await;
    browser.get(app.url("/lang/fr?next=/")).send().await.unwrap();
    let csv = browser.get(app.url("/templates/people")).send().await.unwrap().text().await.unwrap();
    let comments: Vec<&str> = csv.lines().take_while(|l| l.trim_start_matches('"').starts_with('#')).collect();
    assert!(
        comments.iter().any(|l| l.contains("la colonne staff_number désigne l'enregistrement")),
        "the column naming the record: {csv}"
    );
    assert!(
        comments.iter().any(|l| l.contains("une cellule facultative laissée vide conserve la valeur")),
        "an empty cell on an update: {csv}"
    );
    assert!(comments.iter().any(|l| l.contains("sex : une valeur parmi F, M")), "allowed values: {csv}");
    assert!(csv.lines().nth(comments.len()).unwrap().starts_with("staff_number,"), "then the header: {csv}");
    // The file as downloaded imports as it is: the notes are skipped, rows keep their lines.
    let admin = app.api("admin").await;
    let r = admin.post("/api/v1/imports/people?filename=p.csv&dry_run=true").body(csv.clone()).send().await.unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["rows"].as_i64(), Some(1), "{report}");
    let bad = csv.replace(",F,", ",X,");
    let r = admin.post("/api/v1/imports/people?filename=p.csv&dry_run=true").body(bad).send().await.unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["problems"][0]["row"].as_i64(), Some(comments.len() as i64 + 2), "{report}");
    // Positions are named by several columns; the workbook says it on its second sheet.
    let r = browser.get(app.url("/templates/positions?format=xlsx")).send().await.unwrap();
    let bytes = r.bytes().await.unwrap();
    use opencpd_transfer::{Limits, Which, read_sheets};
    let sheets = read_sheets(&bytes, Which::Named(&["positions", "columns"]), &Limits::FORM).unwrap();
    let about: Vec<String> = sheets[1].rows.iter().map(|r| r.cells.join(" ")).collect();
    assert_eq!(sheets[1].rows[0].cells[0], "colonne", "{about:?}");
    assert!(
        about
            .iter()
            .any(|l| l.contains("les colonnes staff_number, role, school_code, unit_code, start_date désignent")),
        "{about:?}"
    );
    assert!(about.iter().any(|l| l.contains("conserve la valeur")), "{about:?}");
    // A kind that only adds says nothing of updates.
    let csv = browser.get(app.url("/templates/outreach")).send().await.unwrap().text().await.unwrap();
    assert!(!csv.contains("mise à jour"), "{csv}");
    // The command line says it in its language.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(["template", "schools"])
        .env("OPENCPD_LANG", "en")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the column code names the record a row changes"), "{text}");
    assert!(text.contains("an empty optional cell leaves the record's value as it is"), "{text}");
}

#[tokio::test]
async fn the_import_page_updates_schools_when_ticked_and_shows_each_change_with_its_labels_in_french() {
    for backend in opencpd_testapp::backends() {
        let app = TestApp::start(backend).await;
        let browser = app.browser("admin").await;
        browser.get(app.url("/lang/fr?next=/")).send().await.unwrap();
        let page = browser.get(app.url("/import")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("name=\"update\"") && page.contains("une cellule vide laisse la valeur"), "{page}");
        let csrf = opencpd_testapp::hidden(&page, "csrf");
        let (code, name): (String, String) = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
            "SELECT code, name FROM schools ORDER BY id LIMIT 1"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let unit = app.id_of("SELECT unit_id FROM schools WHERE code = $1", &code).await;
        let unit_code: String =
            opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT code FROM units WHERE id = $1")
                .bind(unit)
                .fetch_one(p)
                .await)
            .unwrap();
        let csv = format!("code,name,unit_code,level,ownership\n{code},Nouveau nom,{unit_code},primary,public\n");
        let send = |update: bool| {
            let mut form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .text("kind", "schools")
                .text("dry_run", "1")
                .part("file", reqwest::multipart::Part::bytes(csv.clone().into_bytes()).file_name("schools.csv"));
            if update {
                form = form.text("update", "1");
            }
            browser.post(app.url("/import")).multipart(form).send()
        };
        let r = send(false).await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}: without the tick the code exists");
        assert!(r.text().await.unwrap().contains(&format!("{code} existe déjà")));
        let r = send(true).await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"changes\""), "{html}");
        assert!(
            html.contains("Rien n&#x27;a été écrit (essai)") && html.contains("aucun enregistrement ne serait ajouté"),
            "{html}"
        );
        for label in ["Ligne", "Clé", "Champ", "Avant", "Après"] {
            assert!(html.contains(&format!("data-label=\"{label}\"")), "{label}: {html}");
        }
        assert!(html.contains(&format!(">{name}</td>")) && html.contains(">Nouveau nom</td>"), "{html}");
        let kept: String =
            opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT name FROM schools WHERE code = $1")
                .bind(&code)
                .fetch_one(p)
                .await)
            .unwrap();
        assert_eq!(kept, name, "a dry run writes nothing");
    }
}
