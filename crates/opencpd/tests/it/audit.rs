//! The audit trail as people read it: names with links instead of ids, translated labels
//! and sentences, and the changed fields side by side; the API carries the same.

use opencpd_testapp::{TestApp, backends};
use serde_json::{Value, json};

/// An officer creates a school and renames it; returns the school's id.
pub async fn rename_a_school(app: &TestApp) -> i64 {
    let api = app.api("seo.gitega").await;
    let new = json!({"code": "GIT-AUD-1", "name": "EP Gitega Nouvelle", "unit_code": "RW-10101", "level": "primary", "ownership": "public"});
    let created: Value = api.post("/api/v1/schools").json(&new).send().await.unwrap().json().await.unwrap();
    let id = created["id"].as_i64().expect("created");
    let mut change = new.clone();
    change["name"] = json!("EP Gitega Renamed");
    change["version"] = json!(1);
    let r = api.put(&format!("/api/v1/schools/{id}")).json(&change).send().await.unwrap();
    assert_eq!(r.status(), 200);
    id
}

#[tokio::test]
async fn the_trail_names_the_actor_and_the_record_and_lists_only_what_changed() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let id = rename_a_school(&app).await;
        let officer = app.text("SELECT display_name FROM users WHERE username = 'seo.gitega'").await;

        let admin = app.api("admin").await;
        let trail: Value = admin.get("/api/v1/audit?entity=school").send().await.unwrap().json().await.unwrap();
        let update = &trail[0];
        assert_eq!(update["action"], "update", "{backend:?} {trail}");
        assert_eq!(update["actor"], "seo.gitega", "the stored fields stay");
        assert_eq!(update["actor_name"], officer.as_str());
        assert_eq!(
            update["record"],
            json!({"name": "GIT-AUD-1 EP Gitega Renamed", "page_kind": "school", "page_id": id})
        );
        assert_eq!(
            update["changes"],
            json!([{"field": "name", "before": "EP Gitega Nouvelle", "after": "EP Gitega Renamed"}]),
            "only the name changed (the version the editor saw is not a change of the school)"
        );
        let created = &trail[1];
        assert_eq!(created["action"], "create");
        assert!(
            created["changes"].as_array().unwrap().iter().any(|c| c["field"] == "code" && c["after"] == "GIT-AUD-1")
        );

        // The page in French: the actor's name, the school linked, labels and the sentence
        // translated, the change as field, before, after.
        let browser = app.browser("admin").await;
        browser.get(app.url("/lang/fr?next=/")).send().await.unwrap();
        let page = browser
            .get(app.url("/audit?entity=school"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(page.contains(&officer), "{backend:?}: the actor's name");
        assert!(page.contains(&format!("<a href=\"/schools/{id}\">GIT-AUD-1 EP Gitega Renamed</a>")), "{page}");
        assert!(page.contains("Modification : école « GIT-AUD-1 EP Gitega Renamed »"), "{page}");
        assert!(page.contains("<td data-label=\"Champ\">Nom</td><td data-label=\"Avant\">EP Gitega Nouvelle</td><td data-label=\"Après\">EP Gitega Renamed</td>"), "{page}");
        assert!(!page.contains("before_json") && !page.contains("{&quot;"), "no raw JSON");
    }
}

#[tokio::test]
async fn a_deleted_record_keeps_its_name_from_the_trail_and_unknown_kinds_keep_their_summary() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let admin = app.api("admin").await;
        let person = app.scalar("SELECT MIN(id) FROM people").await;
        let award: Value = admin
            .post("/api/v1/awards")
            .json(&json!({"person_id": person, "name": "Best reader", "awarded_on": "2024-05-01"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = award["id"].as_i64().expect("award created");
        let r = admin.delete(&format!("/api/v1/awards/{id}")).send().await.unwrap();
        assert!(r.status().is_success(), "{backend:?} {}", r.status());
        let browser = app.browser("admin").await;
        let page = browser.get(app.url("/audit?entity=award")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Deleted award “Best reader”"), "{backend:?}: {page}");
        // The creation's record is gone: no link, the name read from what was given.
        assert!(page.contains("Created award “Best reader”"), "{page}");
        assert!(!page.contains("to person"), "no stored English summary where a sentence exists");
    }
}
