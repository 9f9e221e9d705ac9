//! The indicators area served by the app: indicators answered over HTTP from the same
//! participants the delivery reports read, within the reader's scope, with targets checked
//! against what the indicator allows.

use opencpd_testapp::{TestApp, backends};
use serde_json::{Value, json};

fn total(answer: &Value) -> i64 {
    answer["total"]["numerator"]["value"].as_i64().unwrap_or_else(|| panic!("a total: {answer}"))
}

#[tokio::test]
async fn indicators_answer_over_http_within_scope_and_targets_take_allowed_disaggregations_only() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
        let r = reqwest::Client::new().get(app.url("/api/v1/indicators")).send().await.unwrap();
        assert_eq!(r.status(), 401, "{backend:?}");
        let admin = app.api("admin").await;
        let list: Value = admin.get("/api/v1/indicators").send().await.unwrap().json().await.unwrap();
        let codes: Vec<&str> = list["items"].as_array().unwrap().iter().filter_map(|i| i["code"].as_str()).collect();
        assert!(codes.contains(&"reach") && codes.contains(&"completion-rate"), "{backend:?}: {codes:?}");

        // Reach of Rwanda is every participant row under it, and its split by sex adds up.
        let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
        let gitega = app.id_of("SELECT id FROM units WHERE code = $1", "RW-10101").await;
        let ask = |unit: i64, by: Value| json!({"place": {"kind": "unit", "id": unit}, "year": 2025, "by": by});
        let r = admin.post("/api/v1/indicators/reach/answer").json(&ask(rwanda, json!(["sex"]))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let whole: Value = r.json().await.unwrap();
        let stored = app
            .scalar(
                "SELECT COUNT(*) FROM programme_participants \
                 WHERE path >= (SELECT path FROM units WHERE code = 'RW') \
                 AND path < (SELECT path FROM units WHERE code = 'RW') || '~'",
            )
            .await;
        assert!(stored > 0, "{backend:?}: the demo has participants");
        assert_eq!(total(&whole), stored, "{backend:?}");
        let cells: i64 =
            whole["cells"].as_array().unwrap().iter().map(|c| c["numerator"]["value"].as_i64().unwrap()).sum();
        assert_eq!(cells, stored, "{backend:?}: the split adds up");

        // A sector officer reads their sector, as the admin does; a place above it is, to
        // them, a place that does not exist.
        let seo = app.api("seo.gitega").await;
        let r = seo.post("/api/v1/indicators/reach/answer").json(&ask(rwanda, json!([]))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{backend:?}");
        let theirs: Value = seo
            .post("/api/v1/indicators/reach/answer")
            .json(&ask(gitega, json!([])))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sector: Value = admin
            .post("/api/v1/indicators/reach/answer")
            .json(&ask(gitega, json!([])))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(total(&sector) > 0 && total(&sector) < stored, "{backend:?}");
        // The officer has no row-level rights: a count under the threshold is hidden from
        // them, and the answer says so; the admin sees it.
        let expected = if total(&sector) < 5 { json!("<5") } else { json!(total(&sector).to_string()) };
        assert_eq!(theirs["total"]["numerator"]["shown"], expected, "{backend:?}: {theirs}");
        assert_eq!(theirs["suppressed"], json!(total(&sector) < 5), "{backend:?}: {theirs}");

        // Bad questions name what is wrong.
        let r =
            admin.post("/api/v1/indicators/reach/answer").json(&ask(rwanda, json!(["colour"]))).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        assert_eq!(r.json::<Value>().await.unwrap()["problems"][0]["column"], "by", "{backend:?}");
        let r = admin
            .post("/api/v1/indicators/reach/answer")
            .json(&json!({"place": {"kind": "unit", "id": rwanda}, "year": 2025, "bye": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let r = admin.post("/api/v1/indicators/no-such/answer").json(&ask(rwanda, json!([]))).send().await.unwrap();
        assert_eq!(r.status(), 404, "{backend:?}");

        // Targets: only on a disaggregation the indicator allows, only by those who manage
        // programmes; what is achieved is read live.
        let target = |disaggregation: &str, category: &str| json!({"place": {"kind": "unit", "id": rwanda}, "year": 2025, "disaggregation": disaggregation, "category": category, "target": 1500});
        let r = admin.post("/api/v1/indicators/reach/targets").json(&target("colour", "red")).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let r = seo.post("/api/v1/indicators/reach/targets").json(&target("sex", "F")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        let r = admin.post("/api/v1/indicators/reach/targets").json(&target("sex", "F")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: {}", r.text().await.unwrap());
        let targets: Value = admin.get("/api/v1/indicators/reach/targets").send().await.unwrap().json().await.unwrap();
        let women = whole["cells"].as_array().unwrap().iter().find(|c| c["categories"][0] == "F").unwrap();
        let listed = targets.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{backend:?}: {targets}");
        assert_eq!(listed[0]["target"], 1500.0, "{backend:?}");
        assert_eq!(listed[0]["achieved"].as_f64(), women["value"].as_f64(), "{backend:?}: {targets}");

        // Flows of a unit with no outcome rows: an answer with nothing in it, not an error.
        let r = admin.get(&format!("/api/v1/units/{rwanda}/flows?year=2024")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: {}", r.text().await.unwrap());
    }
}

/// The head teacher's school and the demo's plans built on it.
pub(crate) async fn demo_plans(app: &TestApp) -> (i64, opencpd_demo::plans::PlansDemo) {
    let built = opencpd_demo::plans::build(&app.db.db).await.expect("plans demo");
    let head = app
        .id_of("SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1", "head.gitega")
        .await;
    (head, built)
}

#[tokio::test]
async fn the_demo_has_plans_in_each_state_and_the_leader_writes_and_submits_one_on_the_page() {
    use opencpd_testapp::hidden;
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let (head, built) = demo_plans(&app).await;
        assert_eq!(built.approved, vec![head], "{backend:?}");
        assert_eq!((built.submitted.len(), built.returned.len(), built.draft.len()), (1, 1, 1), "{backend:?}");
        let seo = app.api("seo.gitega").await;
        let plan: Value =
            seo.get(&format!("/api/v1/schools/{head}/plans/2025")).send().await.unwrap().json().await.unwrap();
        assert_eq!((plan["state"].as_str(), plan["version"].as_i64()), (Some("approved"), Some(3)), "{plan}");
        assert!(plan["history"].as_array().unwrap().iter().any(|e| e["event"] == "returned"), "{plan}");
        let submitted = built.submitted[0];
        let listed: Value =
            seo.get(&format!("/api/v1/schools/{submitted}/plans")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed[0]["state"], "submitted", "{backend:?}");

        // The leader writes next year's plan on the page: a row with problems comes back
        // with each problem beside its field and what was typed kept.
        let web = app.browser("head.gitega").await;
        let url = app.url(&format!("/data/schools/{head}/plans/2026"));
        let page = web.get(&url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"plan-form\""), "{backend:?}: an empty form for a new plan");
        let owner = {
            let marker = "name=\"actions[0].owner_id\"><option value=\"\">";
            let at = page.find(marker).expect("owner picker") + marker.len();
            page[at..].split("value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
        };
        let csrf = hidden(&page, "csrf");
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("version", String::new()),
            ("title", "Reading for all".to_string()),
            ("priorities[0].title", "More readers in P2".to_string()),
            ("priorities[0].indicator", "proficiency-rate".to_string()),
            ("priorities[0].target", "55".to_string()),
            ("priorities[0].due_on", "30/06/2026".to_string()),
            ("actions[0].title", "Reading corner".to_string()),
            ("actions[0].owner_id", String::new()),
            ("actions[0].due_on", "2026-03-01".to_string()),
            ("actions[0].status", "planned".to_string()),
        ];
        let r = web.post(&url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"error-actions-0-owner_id\""), "{backend:?}: {page}");
        assert!(page.contains("value=\"Reading for all\""), "{backend:?}: kept");
        form[8].1 = owner;
        let r = web.post(&url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"error-priorities-0-due_on\""), "{backend:?}: {page}");
        form[6].1 = "2026-06-30".into();
        let r = web.post(&url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: after the redirect");
        let page = r.text().await.unwrap();
        assert!(page.contains("data-state=\"draft\"") && page.contains("id=\"submit-plan\""), "{backend:?}: {page}");
        let r = web
            .post(format!("{url}/step"))
            .form(&[("csrf", csrf.as_str()), ("version", "1"), ("step", "submit")])
            .send()
            .await
            .unwrap();
        assert!(r.text().await.unwrap().contains("data-state=\"submitted\""), "{backend:?}");

        // The officer returns it: without a reason the page says so beside the field.
        let officer = app.browser("seo.gitega").await;
        let page = officer.get(&url).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&page, "csrf");
        let r = officer
            .post(format!("{url}/step"))
            .form(&[("csrf", csrf.as_str()), ("version", "1"), ("step", "return"), ("reason", " ")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        assert!(r.text().await.unwrap().contains("id=\"error-reason\""), "{backend:?}");
        let r = officer
            .post(format!("{url}/step"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("step", "return"),
                ("reason", "Add a numeracy priority"),
            ])
            .send()
            .await
            .unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains("id=\"returned-reason\"") && page.contains("Add a numeracy priority"), "{backend:?}");
    }
}

/// The figures of the data pages are kept between writes ([`opencpd_indicators::store::kept`]):
/// pages and their API read twice (the second from what was kept), then an outcome row
/// imported into one school, a target set on its sector and the small-cell threshold
/// raised, each seen by the very next read, on the pages and in the API alike.
#[tokio::test]
async fn data_pages_read_then_an_outcome_import_a_target_and_the_threshold_show_at_the_next_read() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::evaluation::build(&app.db.db, 7, &|_, _| {}).await.expect("evaluation demo");
        let admin = app.api("admin").await;
        let seo = app.api("seo.gitega").await;
        let sector = app.id_of("SELECT id FROM units WHERE code = $1", "RW-10101").await;
        let school = app
            .id_of(
                "SELECT s.id FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = $1 ORDER BY s.id",
                "RW-10101",
            )
            .await;
        let code: String =
            opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT code FROM schools WHERE id = $1")
                .bind(school)
                .fetch_one(p)
                .await)
            .unwrap();
        let text = |api: &opencpd_testapp::Api, path: String| {
            let r = api.get(&path);
            async move {
                let r = r.send().await.unwrap();
                assert_eq!(r.status(), 200, "{path}");
                r.text().await.unwrap()
            }
        };
        let json = |api: &opencpd_testapp::Api, path: String| {
            let r = api.get(&path);
            async move { serde_json::from_str::<Value>(&r.send().await.unwrap().text().await.unwrap()).unwrap() }
        };
        let pages = [format!("/data/schools/{school}"), format!("/data/units/{sector}")];
        let point = |trend: &Value, year: i64| {
            trend.as_array().unwrap().iter().find(|p| p["subject"] == "MATH" && p["year"] == year).cloned()
        };
        // Read twice: the second read is served from what the first kept.
        let mut before = Vec::new();
        for _ in 0..2 {
            before.clear();
            for page in &pages {
                before.push(text(&admin, page.clone()).await);
            }
            assert_eq!(point(&json(&admin, format!("/api/v1/schools/{school}/trend")).await, 2031), None);
            assert_eq!(point(&json(&seo, format!("/api/v1/units/{sector}/trend")).await, 2031), None);
            let targets = json(&admin, format!("/api/v1/units/{sector}/targets")).await;
            assert!(targets.as_array().unwrap().iter().all(|t| t["year"] != 2031), "{backend:?}: {targets}");
        }

        // An outcome import into one school: its page, its sector's and their API follow.
        let csv = format!(
            "school_code,year,term,grade,subject,sex,enrolled,assessed,mean_score\n\
             {code},2031,,P1,,F,47,,\n{code},2031,,P1,MATH,F,,43,71.5\n"
        );
        let r = admin.post("/api/v1/imports/outcomes?filename=o.csv").body(csv).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: {}", r.text().await.unwrap());
        for (page, was) in pages.iter().zip(&before) {
            let now = text(&admin, page.clone()).await;
            assert_ne!(&now, was, "{backend:?}: {page} follows the import");
            assert!(now.contains("2031"), "{backend:?}: {page} shows the new year");
        }
        let mine = point(&json(&admin, format!("/api/v1/schools/{school}/trend")).await, 2031).expect("the new point");
        assert_eq!((mine["assessed"]["value"].as_i64(), mine["mean_percent"].as_f64()), (Some(43), Some(71.5)));
        let theirs = point(&json(&seo, format!("/api/v1/units/{sector}/trend")).await, 2031).expect("in the sector");
        assert_eq!(theirs["assessed"]["shown"], "43", "{backend:?}: {theirs}");
        let parts = json(&admin, format!("/api/v1/units/{sector}/breakdown?year=2031")).await;
        let part = parts["parts"].as_array().unwrap().iter().find(|p| p["place"]["id"] == school).cloned().unwrap();
        assert_eq!(part["enrolled"]["value"], 47, "{backend:?}: {parts}");

        // A target set on the sector.
        let seen = text(&admin, pages[1].clone()).await;
        let target = json!({"place": {"kind": "unit", "id": sector}, "year": 2031, "target": 61.5});
        let r = admin.post("/api/v1/indicators/proficiency-rate/targets").json(&target).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: {}", r.text().await.unwrap());
        let targets = json(&admin, format!("/api/v1/units/{sector}/targets")).await;
        assert!(
            targets.as_array().unwrap().iter().any(|t| t["year"] == 2031 && t["target"] == 61.5),
            "{backend:?}: {targets}"
        );
        assert_ne!(text(&admin, pages[1].clone()).await, seen, "{backend:?}: the sector's page shows the target");

        // The small-cell threshold raised above the new count: hidden from the officer at once.
        let seen = text(&seo, pages[1].clone()).await;
        let r = admin.put("/api/v1/report-settings").json(&json!({"small_cell_threshold": 100})).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let theirs = point(&json(&seo, format!("/api/v1/units/{sector}/trend")).await, 2031).expect("in the sector");
        assert_eq!((theirs["assessed"]["shown"].as_str(), theirs["mean_percent"].as_f64()), (Some("<100"), None));
        let now = text(&seo, pages[1].clone()).await;
        assert_ne!(now, seen, "{backend:?}: the officer's page follows the threshold");
        assert!(now.contains("&lt;100"), "{backend:?}: the page hides the count");
    }
}

/// A count over the demo for a year, the year's bounds bound as text (`$1`, `$2`) and
/// Rwanda's subtree as `RW` in `sql`.
async fn counted(app: &TestApp, sql: &str, year: i64) -> i64 {
    let rw = "(SELECT path FROM units WHERE code = 'RW')";
    let sql = sql.replace("RW_LOW", rw).replace("RW_HIGH", &format!("{rw} || '~'"));
    let (from, to) = (format!("{year}-01-01"), format!("{}-01-01", year + 1));
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
        .bind(&from)
        .bind(&to)
        .fetch_one(p)
        .await)
    .expect("a count")
}

#[tokio::test]
async fn cpd_hours_plc_regularity_and_coaching_coverage_are_answered_by_the_engine_from_what_those_areas_wrote() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
        opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
        let admin = app.api("admin").await;
        let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
        let year: i64 = app.text("SELECT CAST(MAX(held_on) AS TEXT) FROM plc_meetings").await[..4].parse().unwrap();
        let ask = |code: &str, by: Value| {
            let body = json!({"place": {"kind": "unit", "id": rwanda}, "year": year, "by": by});
            let request = admin.post(&format!("/api/v1/indicators/{code}/answer")).json(&body);
            let code = code.to_string();
            async move {
                let r = request.send().await.unwrap();
                assert_eq!(r.status(), 200, "{code}");
                r.json::<Value>().await.unwrap()
            }
        };
        let fraction = |a: &Value| {
            let n = a["total"]["numerator"]["value"].as_i64().unwrap();
            let d = a["total"]["denominator"]["value"].as_i64().unwrap();
            (n, d)
        };

        // PLC regularity: the meetings held in the year against each PLC's meetings a term
        // times the terms that start in the year.
        let held = counted(
            &app,
            "SELECT COUNT(*) FROM plc_meetings WHERE CAST(held_on AS TEXT) >= $1 AND CAST(held_on AS TEXT) < $2 \
             AND unit_path >= RW_LOW AND unit_path < RW_HIGH",
            year,
        )
        .await;
        let terms = counted(
            &app,
            "SELECT COUNT(*) FROM peer_terms WHERE CAST(start_on AS TEXT) >= $1 AND CAST(start_on AS TEXT) < $2",
            year,
        )
        .await;
        let per_term = counted(
            &app,
            "SELECT CAST(SUM(meetings_per_term) AS BIGINT) FROM plcs \
             WHERE $1 <> $2 AND unit_path >= RW_LOW AND unit_path < RW_HIGH",
            year,
        )
        .await;
        assert!(
            held > 0 && terms > 0 && per_term > 0,
            "{backend:?}: the demo's PLCs meet ({held}, {terms}, {per_term})"
        );
        let plc = ask("plc-regularity", json!(["level"])).await;
        assert_eq!(fraction(&plc), (held, per_term * terms), "{backend:?}: {plc}");
        let split: i64 =
            plc["cells"].as_array().unwrap().iter().map(|c| c["numerator"]["value"].as_i64().unwrap()).sum();
        assert_eq!(split, held, "{backend:?}: the split by level adds up");

        // Coaching coverage: relations running in the year, and those with a visit in it.
        let running = "FROM coaching_relations r WHERE CAST(r.start_on AS TEXT) < $2 \
             AND (r.end_on IS NULL OR CAST(r.end_on AS TEXT) >= $1) \
             AND r.coachee_path >= RW_LOW AND r.coachee_path < RW_HIGH";
        let coachees = counted(&app, &format!("SELECT COUNT(*) {running}"), year).await;
        let visited = counted(
            &app,
            &format!(
                "SELECT COUNT(*) {running} AND EXISTS (SELECT 1 FROM coaching_visits v WHERE v.relation_id = r.id \
                 AND CAST(v.visited_on AS TEXT) >= $1 AND CAST(v.visited_on AS TEXT) < $2)"
            ),
            year,
        )
        .await;
        assert!(visited > 0 && coachees >= visited, "{backend:?}: {visited} of {coachees}");
        let coaching = ask("coaching-coverage", json!(["sex"])).await;
        assert_eq!(fraction(&coaching), (visited, coachees), "{backend:?}: {coaching}");

        // CPD against thresholds: staff in a role with a threshold on 31 December, and
        // those whose courses completed in the year reach its hours and credits.
        let staff = counted(
            &app,
            &format!(
                "SELECT COUNT(*) FROM positions x JOIN cpd_thresholds t ON t.role = x.role \
                 WHERE CAST(x.start_date AS TEXT) < $2 AND $1 <> '' \
                 AND (x.end_date IS NULL OR CAST(x.end_date AS TEXT) >= '{year}-12-31') \
                 AND x.path >= RW_LOW AND x.path < RW_HIGH"
            ),
            year,
        )
        .await;
        assert!(staff > 0, "{backend:?}: the demo has thresholds for its roles");
        let cpd = ask("cpd-threshold-met", json!(["role"])).await;
        let (met, of) = fraction(&cpd);
        assert_eq!(of, staff, "{backend:?}: {cpd}");
        assert!(met <= of, "{backend:?}: {cpd}");

        // A meeting recorded now is in the next answer: nothing waits for a batch.
        let plc_id = app.id_of("SELECT MIN(id) FROM plcs WHERE code <> $1", "").await;
        let r = admin
            .post(&format!("/api/v1/plcs/{plc_id}/meetings"))
            .json(&json!({"held_on": format!("{year}-06-15"), "agenda": "Reading"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{backend:?}: {}", r.text().await.unwrap());
        let after = ask("plc-regularity", json!([])).await;
        assert_eq!(fraction(&after), (held + 1, per_term * terms), "{backend:?}: {after}");

        // A sector officer reads their sector only; above it is a place that does not exist.
        let seo = app.api("seo.gitega").await;
        let body = json!({"place": {"kind": "unit", "id": rwanda}, "year": year, "by": []});
        let r = seo.post("/api/v1/indicators/coaching-coverage/answer").json(&body).send().await.unwrap();
        assert_eq!(r.status(), 404, "{backend:?}");
    }
}

/// The demo's grades and subjects come in as any deployment's do, through the lists' one
/// way in (`reference::add`, an audit event each): P1 to P6 in order, mathematics and
/// literacy out of 100.
#[tokio::test]
async fn the_demos_grades_and_subjects_are_added_through_the_lists_one_way_in() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::evaluation::build(&app.db.db, 7, &|_, _| {}).await.expect("evaluation demo");
        let admin = app.api("admin").await;
        let grades: Vec<Value> = admin.get("/api/v1/outcome-grades").send().await.unwrap().json().await.unwrap();
        let grades: Vec<(String, String, i64, i64)> = grades
            .iter()
            .map(|g| {
                let text = |k: &str| g[k].as_str().unwrap().to_string();
                (text("code"), text("name"), g["position"].as_i64().unwrap(), g["version"].as_i64().unwrap())
            })
            .collect();
        let want: Vec<(String, String, i64, i64)> =
            (1..=6).map(|n| (format!("P{n}"), format!("Primary {n}"), n, 1)).collect();
        assert_eq!(grades, want, "{backend:?}");
        let subjects: Vec<Value> = admin.get("/api/v1/outcome-subjects").send().await.unwrap().json().await.unwrap();
        let subjects: Vec<(&str, &str, f64)> = subjects
            .iter()
            .map(|s| (s["code"].as_str().unwrap(), s["name"].as_str().unwrap(), s["max_score"].as_f64().unwrap()))
            .collect();
        assert_eq!(subjects, [("LIT", "Literacy", 100.0), ("MATH", "Mathematics", 100.0)], "{backend:?}");
        let db = &app.db.db;
        let added = |entity: &'static str| async move {
            opencpd_kernel::on_db!(db, |p| sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'create' AND entity = $1"
            )
            .bind(entity)
            .fetch_one(p)
            .await)
            .unwrap()
        };
        assert_eq!((added("outcome_grade").await, added("outcome_subject").await), (6, 2), "{backend:?}");
    }
}
