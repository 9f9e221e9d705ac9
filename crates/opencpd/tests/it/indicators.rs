//! The indicators area served by the app: indicators answered over HTTP from the same
//! participants the delivery reports read, within the reader's scope, with targets checked
//! against what the indicator allows.

use crate::helpers::{TestApp, backends};
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
