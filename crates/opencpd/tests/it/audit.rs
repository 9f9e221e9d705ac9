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
        let update = &trail["items"][0];
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
        let created = &trail["items"][1];
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

/// The trail pages, sorts and filters like every other list: by kind of record, actor,
/// action and a range of days, with the search; a bad parameter is a 422 naming it (API)
/// and a message naming it above the form (page).
#[tokio::test]
async fn the_trail_pages_sorts_and_filters_by_record_actor_action_and_days() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let id = rename_a_school(&app).await;
        let admin = app.api("admin").await;
        let get = |path: String| {
            let admin = &admin;
            async move {
                let r = admin.get(&path).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap())
            }
        };
        // Pages of one, newest first by default, or oldest first when sorted so.
        let (status, first) = get("/api/v1/audit?entity=school&per_page=1".into()).await;
        assert_eq!(status, 200, "{backend:?} {first}");
        assert_eq!((first["total"].as_i64(), first["items"].as_array().unwrap().len()), (Some(2), 1), "{first}");
        assert_eq!((first["sort"].as_str(), first["dir"].as_str()), (Some("at"), Some("desc")));
        assert_eq!(first["items"][0]["action"], "update");
        let (_, second) = get("/api/v1/audit?entity=school&per_page=1&page=2".into()).await;
        assert_eq!(second["items"][0]["action"], "create", "{backend:?} {second}");
        let (_, oldest) = get("/api/v1/audit?entity=school&per_page=1&sort=at&dir=asc".into()).await;
        assert_eq!(oldest["items"][0]["action"], "create", "{backend:?}");
        assert_eq!(oldest["items"][0]["entity_id"], id.to_string());
        // By action, by actor, by the actor's name searched.
        let (_, updates) = get("/api/v1/audit?entity=school&action=update".into()).await;
        assert_eq!(updates["total"], 1, "{backend:?} {updates}");
        let (_, by_officer) = get("/api/v1/audit?actor=seo.gitega".into()).await;
        let total = by_officer["total"].as_i64().unwrap();
        assert!(total >= 2, "{backend:?} {by_officer}");
        assert!(by_officer["items"].as_array().unwrap().iter().all(|e| e["actor"] == "seo.gitega"));
        let (_, searched) = get("/api/v1/audit?q=sector%20education%20OFFICER".into()).await;
        assert_eq!(searched["total"].as_i64(), Some(total), "{backend:?}: the actor's display name is searched");
        let (_, nobody) = get("/api/v1/audit?actor=head.gitega&entity=school".into()).await;
        assert_eq!(nobody["total"], 0);
        // A range of days, both ends included.
        let today = opencpd_kernel::today();
        let day = |d: chrono::NaiveDate| d.to_string();
        let (_, in_range) = get(format!("/api/v1/audit?entity=school&from={}&to={}", day(today), day(today))).await;
        assert_eq!(in_range["total"], 2, "{backend:?} {in_range}");
        let yesterday = today - chrono::Duration::days(1);
        let (_, before) = get(format!("/api/v1/audit?entity=school&to={}", day(yesterday))).await;
        assert_eq!(before["total"], 0, "{backend:?}");
        let (_, after) =
            get(format!("/api/v1/audit?entity=school&from={}", day(today + chrono::Duration::days(1)))).await;
        assert_eq!(after["total"], 0, "{backend:?}");
        // Every bad parameter named at once.
        let (status, bad) =
            get("/api/v1/audit?from=2024-13-01&to=soon&entity=School%20kind&sort=nope&per_page=500".into()).await;
        assert_eq!(status, 422, "{backend:?} {bad}");
        let mut columns: Vec<&str> =
            bad["problems"].as_array().unwrap().iter().filter_map(|p| p["column"].as_str()).collect();
        columns.sort();
        assert_eq!(columns, ["entity", "from", "per_page", "sort", "to"], "{bad}");
        let (status, reversed) = get("/api/v1/audit?from=2024-05-02&to=2024-05-01".into()).await;
        assert_eq!((status, reversed["problems"][0]["column"].as_str()), (422, Some("to")), "{reversed}");

        // The page: the filters kept in the sort and page links, the pager, the choices.
        let browser = app.browser("admin").await;
        let page = |path: &str| {
            let browser = browser.clone();
            let url = app.url(path);
            async move {
                let r = browser.get(url).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.text().await.unwrap().replace("&amp;", "&").replace("&#x2f;", "/"))
            }
        };
        let (status, html) = page("/audit?entity=school&actor=seo.gitega&per_page=1").await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("1–1 of 2"), "{backend:?}: the pager counts the filtered trail");
        assert!(html.contains("rel=\"next\" href=\"/audit?actor=seo.gitega&entity=school&"), "{html}");
        assert!(html.contains("href=\"/audit?actor=seo.gitega&entity=school&"), "the filters kept by the sort links");
        assert!(html.contains("<option value=\"school\" selected>school</option>"), "{html}");
        assert!(html.contains("list=\"actor-choices\" data-source=\"/api/v1/users\""), "the actor is picked");
        assert!(html.contains("name=\"from\"") && html.contains("name=\"to\""));
        assert_eq!(html.matches("<tr>\n<td data-label=\"When\">").count(), 1, "{backend:?}: one row a page");
        let (status, html) = page("/audit?from=2024-02-30").await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("id=\"problems\""), "{html}");
        assert!(html.contains("column from: 2024-02-30 is not a date written YYYY-MM-DD"), "{html}");
        assert!(html.contains("id=\"audit-filter\""), "the form stays to correct it");
    }
}
