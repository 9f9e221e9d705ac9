//! Programmes' costs through the real server on both databases: recorded, changed and
//! deleted by those who set up programmes and read by officers, every bad field named with
//! nothing written, files of costs on the one import pipeline, and the indicator engine's
//! cost per participant: the year's costs over the participants reached in the year,
//! counted straight from the tables, on the API and on the programme's page.

use opencpd_testapp::delivery::{codes, cohort, course, json_of};
use opencpd_testapp::{TestApp, backends, hidden};
use serde_json::json;

/// The rows of programme costs.
async fn costs_stored(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM programme_costs").await
}

/// A programme `COST` (2025–2026) with one cohort in Gitega running through 2025, its
/// teachers enrolled by criteria: the cohort's id.
async fn costed_programme(app: &TestApp) -> i64 {
    let admin = app.api("admin").await;
    let programme =
        json!({"code": "COST", "name": "Costed programme", "start_date": "2025-01-01", "end_date": "2026-12-31"});
    let (status, body) = json_of(admin.post("/api/v1/programmes").json(&programme).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let mut c = course("CST-1");
    c["programme_code"] = json!("COST");
    let (status, body) = json_of(admin.post("/api/v1/courses").json(&c).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) =
        json_of(admin.post("/api/v1/cohorts").json(&cohort("CST-1-A", "CST-1", "RW-10101", 500)).send().await.unwrap())
            .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, report) = json_of(
        admin
            .post(&format!("/api/v1/cohorts/{id}/enrolments/criteria"))
            .json(&json!({"role": "teacher", "unit_code": "RW-10101"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(report["created"].as_i64().unwrap() > 0, "{report}");
    id
}

#[tokio::test]
async fn costs_are_recorded_checked_and_scoped_and_give_the_engines_cost_per_participant() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        costed_programme(&app).await;
        let programme = app.id_of("SELECT id FROM programmes WHERE code = $1", "COST").await;
        let admin = app.api("admin").await;
        let before = costs_stored(&app).await;

        // The first cost needs its currency; it sets the deployment's.
        let cost = |category: &str, amount: f64, currency: Option<&str>| {
            let mut c = json!({"programme_code": "COST", "year": 2025, "category": category, "amount": amount});
            if let Some(currency) = currency {
                c["currency"] = json!(currency);
            }
            c
        };
        let (status, body) = json_of(
            admin.post("/api/v1/programme-costs").json(&cost("training", 10_000.25, None)).send().await.unwrap(),
        )
        .await;
        assert_eq!((status, codes(&body)), (422, vec![("required".into(), "currency".into())]), "{backend:?} {body}");
        let (status, first) = json_of(
            admin.post("/api/v1/programme-costs").json(&cost("training", 10_000.25, Some("rwf"))).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{backend:?} {first}");
        assert_eq!((first["currency"].as_str(), first["amount"].as_f64()), (Some("RWF"), Some(10_000.25)));
        let mut travel = cost("travel", 2_000.0, None);
        travel["note"] = json!("Buses to the sector office");
        let (status, second) = json_of(admin.post("/api/v1/programme-costs").json(&travel).send().await.unwrap()).await;
        assert_eq!((status, second["currency"].as_str()), (201, Some("RWF")), "{backend:?} {second}");

        // Bad input: every field named, nothing written.
        let stored = costs_stored(&app).await;
        let bad = json!({"programme_code": "NOPE", "year": 1800, "category": "food", "amount": -5, "currency": "USD"});
        let (status, body) = json_of(admin.post("/api/v1/programme-costs").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422, "{backend:?} {body}");
        let mut got = codes(&body);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("bad-choice".to_string(), "category".to_string()),
                ("bad-year".into(), "year".into()),
                ("cost-currency".into(), "currency".into()),
                ("negative".into(), "amount".into()),
                ("unknown-programme".into(), "programme_code".into()),
            ],
            "{backend:?} {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("RWF"), "{backend:?}: the currency kept is named: {body}");
        let mut before_start = cost("materials", 1.0, None);
        before_start["year"] = json!(2024);
        let (status, body) =
            json_of(admin.post("/api/v1/programme-costs").json(&before_start).send().await.unwrap()).await;
        assert_eq!(
            (status, codes(&body)),
            (422, vec![("cost-year-outside-programme".into(), "year".into())]),
            "{backend:?} {body}"
        );
        let mut unknown = cost("materials", 1.0, None);
        unknown["colour"] = json!("red");
        let (status, _) = json_of(admin.post("/api/v1/programme-costs").json(&unknown).send().await.unwrap()).await;
        assert_eq!(status, 422, "{backend:?}: a field it does not know");
        assert_eq!(costs_stored(&app).await, stored, "{backend:?}: nothing written");

        // An edit carries the version read; a stale one is a conflict.
        let id = second["id"].as_i64().unwrap();
        let mut edit = travel.clone();
        edit["amount"] = json!(2_344.75);
        edit["version"] = json!(second["version"]);
        let (status, edited) =
            json_of(admin.put(&format!("/api/v1/programme-costs/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!((status, edited["amount"].as_f64()), (200, Some(2_344.75)), "{backend:?} {edited}");
        let (status, _) =
            json_of(admin.put(&format!("/api/v1/programme-costs/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 409, "{backend:?}: the version read is no longer the latest");

        // Scope: officers read; only those who set up programmes write; school leaders and
        // teachers read no costs; a cost that does not exist is not found.
        let seo = app.api("seo.gitega").await;
        let (status, list) =
            json_of(seo.get(&format!("/api/v1/programme-costs?programme_id={programme}")).send().await.unwrap()).await;
        assert_eq!((status, list["total"].as_i64()), (200, Some(2)), "{backend:?} {list}");
        assert_eq!(list["items"][0]["programme_code"], "COST");
        let (status, _) =
            json_of(seo.post("/api/v1/programme-costs").json(&cost("other", 1.0, None)).send().await.unwrap()).await;
        assert_eq!(status, 403, "{backend:?}");
        let (status, _) = json_of(seo.delete(&format!("/api/v1/programme-costs/{id}")).send().await.unwrap()).await;
        assert_eq!(status, 403, "{backend:?}");
        for reader in ["head.gitega", "teacher"] {
            let api = app.api(reader).await;
            let (status, _) = json_of(api.get("/api/v1/programme-costs").send().await.unwrap()).await;
            assert_eq!(status, 403, "{backend:?} {reader}");
            let (status, _) = json_of(api.get(&format!("/api/v1/programme-costs/{id}")).send().await.unwrap()).await;
            assert_eq!(status, 403, "{backend:?} {reader}");
            let (status, _) =
                json_of(api.post("/api/v1/programme-costs").json(&cost("other", 1.0, None)).send().await.unwrap())
                    .await;
            assert_eq!(status, 403, "{backend:?} {reader}");
        }
        let (status, _) = json_of(admin.get("/api/v1/programme-costs/999999").send().await.unwrap()).await;
        assert_eq!(status, 404, "{backend:?}");
        let (status, _) = json_of(admin.delete("/api/v1/programme-costs/999999").send().await.unwrap()).await;
        assert_eq!(status, 404, "{backend:?}");
        let (status, _) = json_of(admin.put("/api/v1/programme-costs/999999").json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 404, "{backend:?}");

        // The engine: the year's costs over the people reached in it, counted from the
        // tables (everyone enrolled in a cohort of the programme running in 2025).
        let spent = app
            .scalar(
                "SELECT CAST(ROUND(SUM(c.amount)) AS BIGINT) FROM programme_costs c JOIN programmes p ON p.id = c.programme_id \
                 WHERE p.code = 'COST' AND c.year = 2025",
            )
            .await;
        let reached = app
            .scalar(
                "SELECT COUNT(*) FROM (SELECT DISTINCT e.person_id FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                 JOIN courses k ON k.id = h.course_id JOIN programmes p ON p.id = k.programme_id WHERE p.code = 'COST' \
                 AND CAST(h.start_date AS TEXT) <= '2025-12-31' AND CAST(h.end_date AS TEXT) >= '2025-01-01') x",
            )
            .await;
        assert_eq!(spent, 12_345, "{backend:?}: 10,000.25 and 2,344.75");
        assert!(reached > 0, "{backend:?}");
        let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
        let ask = json!({"place": {"kind": "unit", "id": rwanda}, "year": 2025, "by": ["programme"]});
        let (status, answer) =
            json_of(admin.post("/api/v1/indicators/cost-per-participant/answer").json(&ask).send().await.unwrap())
                .await;
        assert_eq!(status, 200, "{backend:?} {answer}");
        let cell = answer["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["categories"][0] == "COST")
            .unwrap_or_else(|| panic!("{backend:?}: COST in {answer}"))
            .clone();
        assert_eq!(cell["numerator"]["value"].as_i64(), Some(spent), "{backend:?} {cell}");
        assert_eq!(cell["denominator"]["value"].as_i64(), Some(reached), "{backend:?} {cell}");
        let per_participant = spent as f64 / reached as f64;
        assert!((cell["value"].as_f64().unwrap() - per_participant).abs() < 1e-9, "{backend:?} {cell}");
        // No cost recorded for 2026, when the cohort still runs: nothing spent per participant.
        let ask = json!({"place": {"kind": "unit", "id": rwanda}, "year": 2026, "by": ["programme"]});
        let (_, later) =
            json_of(admin.post("/api/v1/indicators/cost-per-participant/answer").json(&ask).send().await.unwrap())
                .await;
        let cell = later["cells"].as_array().unwrap().iter().find(|c| c["categories"][0] == "COST").unwrap().clone();
        assert_eq!((cell["numerator"]["value"].as_i64(), cell["value"].as_f64()), (Some(0), Some(0.0)), "{backend:?}");

        // The programme's page: the year, what was spent on, the total and the engine's
        // figure, in the reader's language; a teacher's page has no costs.
        let page = |who: &'static str| {
            let app = &app;
            async move {
                let web = app.browser(who).await;
                web.get(app.url(&format!("/programmes/{programme}"))).send().await.unwrap().text().await.unwrap()
            }
        };
        let html = page("admin").await;
        assert!(html.contains("id=\"costs\""), "{backend:?}");
        let shown = opencpd_domain::i18n::number(per_participant, 2, "en");
        assert!(html.contains(&format!("{shown} RWF")), "{backend:?}: {shown} RWF on the page");
        assert!(html.contains("12,345 RWF") && html.contains("Travel 2,344.75"), "{backend:?}");
        assert!(!page("teacher").await.contains("id=\"costs\""), "{backend:?}");

        // Deleting a cost changes the answer at once.
        let (status, _) =
            json_of(admin.delete(&format!("/api/v1/programme-costs/{}", first["id"])).send().await.unwrap()).await;
        assert_eq!(status, 204, "{backend:?}");
        let ask = json!({"place": {"kind": "unit", "id": rwanda}, "year": 2025, "by": []});
        let (_, after) =
            json_of(admin.post("/api/v1/indicators/cost-per-participant/answer").json(&ask).send().await.unwrap())
                .await;
        let left = app.scalar("SELECT CAST(ROUND(SUM(amount)) AS BIGINT) FROM programme_costs WHERE year = 2025").await;
        assert_eq!(after["total"]["numerator"]["value"].as_i64(), Some(left), "{backend:?} {after}");
        assert_eq!(costs_stored(&app).await, before + 1);
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'programme_cost'").await,
            4,
            "{backend:?}: two added, one changed, one deleted"
        );
    }
}

#[tokio::test]
async fn a_file_of_costs_is_written_whole_or_not_at_all_in_the_one_currency() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        costed_programme(&app).await;
        let admin = app.api("admin").await;
        let import = |csv: String| {
            let admin = &admin;
            async move {
                json_of(admin.post("/api/v1/imports/costs?filename=costs.csv").body(csv).send().await.unwrap()).await
            }
        };
        let before = costs_stored(&app).await;
        let bad = "programme_code,year,category,amount,currency,note\n\
                   COST,2025,training,\"1 250 000,50\",RWF,Term 1\n\
                   NOPE,2025,training,10,RWF,\n\
                   COST,2031,travel,10,RWF,\n\
                   COST,2025,food,-3,RWF,\n\
                   COST,2025,materials,\"1,250\",USD,\n";
        let (status, report) = import(bad.to_string()).await;
        assert_eq!(status, 422, "{backend:?} {report}");
        let mut found: Vec<(i64, String, String)> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                (p["row"].as_i64().unwrap_or(0), text("column"), text("code"))
            })
            .collect();
        found.sort();
        let want = |row: i64, column: &str, code: &str| (row, column.to_string(), code.to_string());
        assert_eq!(
            found,
            vec![
                want(3, "programme_code", "unknown-programme"),
                want(4, "year", "cost-year-outside-programme"),
                want(5, "amount", "negative"),
                want(5, "category", "bad-choice"),
                want(6, "amount", "bad-amount"),
                want(6, "currency", "cost-currency"),
            ],
            "{backend:?} {report}"
        );
        assert_eq!(costs_stored(&app).await, before, "{backend:?}: nothing written");

        let good = "programme_code,year,category,amount,currency,note\n\
                    COST,2025,training,\"1 250 000,50\",RWF,Term 1\n\
                    COST,2026,coaching,300,,\n";
        let (status, report) = import(good.to_string()).await;
        assert_eq!(status, 200, "{backend:?} {report}");
        assert_eq!(costs_stored(&app).await, before + 2, "{backend:?}");
        let (_, list) = json_of(admin.get("/api/v1/programme-costs?year=2025").send().await.unwrap()).await;
        assert_eq!(list["items"][0]["amount"].as_f64(), Some(1_250_000.5), "{backend:?} {list}");
        assert_eq!(list["items"][0]["note"], "Term 1");
        // Another currency afterwards is refused, by the API as by a file.
        let (status, body) = json_of(
            admin
                .post("/api/v1/programme-costs")
                .json(&json!({"programme_code": "COST", "year": 2026, "category": "other", "amount": 5, "currency": "XAF"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, codes(&body)), (422, vec![("cost-currency".into(), "currency".into())]), "{backend:?}");
        // The template names its columns and the categories.
        let web = app.browser("admin").await;
        let template = web.get(app.url("/templates/costs")).send().await.unwrap().text().await.unwrap();
        let header = template.lines().find(|l| !l.trim_start_matches('"').starts_with('#')).unwrap();
        assert_eq!(header, "programme_code,year,category,amount,currency,note", "{backend:?}: {template}");
        assert!(template.contains("training, travel, materials, coaching, other"), "{backend:?}: {template}");
    }
}

/// The engine's cost per participant of a programme in a year, at a unit, by code.
async fn cost_per_participant(admin: &opencpd_testapp::Api, unit: i64, year: i64, code: &str) -> serde_json::Value {
    let ask = json!({"place": {"kind": "unit", "id": unit}, "year": year, "by": ["programme"]});
    let (status, answer) =
        json_of(admin.post("/api/v1/indicators/cost-per-participant/answer").json(&ask).send().await.unwrap()).await;
    assert_eq!(status, 200, "{answer}");
    answer["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["categories"][0] == code)
        .unwrap_or_else(|| panic!("{code} in {answer}"))
        .clone()
}

#[tokio::test]
async fn the_demo_records_every_programmes_costs_in_one_currency_and_the_engine_gives_their_cost_per_participant() {
    let mut first: Option<Vec<String>> = None;
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        // Both countries are one deployment: one currency, US dollars.
        assert!(costs_stored(&app).await > 0, "{backend:?}: the demo records costs");
        assert_eq!(
            app.text("SELECT MIN(currency) || ' ' || MAX(currency) FROM programme_costs").await,
            "USD USD",
            "{backend:?}"
        );
        // Every programme, every year it runs up to 2025: LT2 from 2023, TTP from 2020;
        // the year LT2's cohorts run in every category.
        let years = "SELECT COUNT(DISTINCT c.year) FROM programme_costs c JOIN programmes p ON p.id = c.programme_id \
                     WHERE p.code = $1";
        assert_eq!((app.id_of(years, "LT2").await, app.id_of(years, "TTP").await), (3, 6), "{backend:?}");
        assert_eq!(
            app.scalar(
                "SELECT COUNT(DISTINCT c.category) FROM programme_costs c JOIN programmes p ON p.id = c.programme_id \
                 WHERE p.code = 'LT2' AND c.year = 2025"
            )
            .await,
            5,
            "{backend:?}"
        );
        // The engine: LT2's 2025 costs over its participants reached, some tens of dollars each.
        let admin = app.api("admin").await;
        let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
        let cell = cost_per_participant(&admin, rwanda, 2025, "LT2").await;
        let per_participant = cell["value"].as_f64().unwrap_or_else(|| panic!("{backend:?}: a number: {cell}"));
        assert!((40.0..=100.0).contains(&per_participant), "{backend:?}: {cell}");
        assert!(cell["denominator"]["value"].as_i64().unwrap() > 0, "{backend:?}: {cell}");
        // The programme's page shows it.
        let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
        let web = app.browser("admin").await;
        let html = web.get(app.url(&format!("/programmes/{lt2}"))).send().await.unwrap().text().await.unwrap();
        let shown = opencpd_domain::i18n::number(per_participant, 2, "en");
        assert!(html.contains(&format!("{shown} USD")), "{backend:?}: {shown} USD on LT2's page");
        // The same seed gives the same costs, whichever the database.
        let rows: Vec<String> = admin
            .get("/api/v1/programme-costs?per_page=200&sort=amount")
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {} {} {}", c["programme_code"], c["year"], c["category"], c["amount"]))
            .collect();
        match &first {
            None => first = Some(rows),
            Some(first) => assert_eq!(first, &rows, "{backend:?}: deterministic"),
        }
    }
}

/// A form's fields for a cost, with the page's CSRF token.
fn cost_form<'a>(csrf: &'a str, year: &'a str, category: &'a str, amount: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![("csrf", csrf), ("year", year), ("category", category), ("amount", amount), ("currency", ""), ("note", "")]
}

/// The value of a field of a form sent back.
fn set<'a>(form: &mut [(&'static str, &'a str)], name: &str, value: &'a str) {
    form.iter_mut().find(|(k, _)| *k == name).unwrap().1 = value;
}

#[tokio::test]
async fn a_cost_is_recorded_changed_and_deleted_on_the_programmes_page_with_bad_fields_named_and_no_form_for_readers() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        costed_programme(&app).await;
        let programme = app.id_of("SELECT id FROM programmes WHERE code = $1", "COST").await;
        let page = format!("/programmes/{programme}");
        let admin = app.browser("admin").await;
        let html = admin.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"cost-form\"") && html.contains("id=\"costs-none\""), "{backend:?}");
        let csrf = hidden(&html, "csrf");

        // Recorded from the page: the first cost sets the currency; the page shows it with
        // the engine's cost per participant.
        let mut form = cost_form(&csrf, "2025", "training", "12 345,50");
        set(&mut form, "currency", "rwf");
        set(&mut form, "note", "Venue and meals");
        let r = admin.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.url().path()), (200, page.as_str()), "{backend:?}");
        let html = r.text().await.unwrap();
        assert_eq!(costs_stored(&app).await, 1, "{backend:?}");
        let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
        let cell = cost_per_participant(&app.api("admin").await, rwanda, 2025, "COST").await;
        let shown = opencpd_domain::i18n::number(cell["value"].as_f64().unwrap(), 2, "en");
        assert!(html.contains("12,345.5 RWF") && html.contains(&format!("{shown} RWF")), "{backend:?}: {shown}");
        assert!(html.contains("Venue and meals") && html.contains("id=\"cost-items\""), "{backend:?}");

        // A bad amount: the page again, the field named, what was typed kept, nothing written.
        for (amount, message) in
            [("-5", "column amount: -5 is below zero"), ("abc", "column amount: abc is not an amount")]
        {
            let form = cost_form(&csrf, "2025", "travel", amount);
            let r = admin.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
            assert_eq!(r.status(), 422, "{backend:?} {amount}");
            let html = r.text().await.unwrap();
            assert!(html.contains(message), "{backend:?}: «{message}»");
            assert!(html.contains(&format!("name=\"amount\" inputmode=\"decimal\" value=\"{amount}\"")), "{backend:?}");
            assert!(html.contains("<option value=\"travel\" selected>"), "{backend:?}: the category kept");
        }
        // In the reader's language; the store's own checks named alike.
        let french = app.browser("national.cm").await;
        let html = french.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        let french_csrf = hidden(&html, "csrf");
        let mut form = cost_form(&french_csrf, "2031", "travel", "-5");
        let r = french.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        assert!(r.text().await.unwrap().contains("colonne amount: -5 est inférieur à zéro"), "{backend:?}");
        set(&mut form, "amount", "10");
        set(&mut form, "currency", "XAF");
        let r = french.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("colonne year: 2031 est en dehors des années du programme"), "{backend:?}");
        assert!(html.contains("colonne currency: XAF n"), "{backend:?}");
        assert_eq!(costs_stored(&app).await, 1, "{backend:?}: nothing written");

        // Changed from its edit link with the version read; a stale version is refused.
        let id = app.scalar("SELECT MAX(id) FROM programme_costs").await;
        let html =
            admin.get(app.url(&format!("/programme-costs/{id}/edit"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&format!("action=\"/programme-costs/{id}/edit\"")), "{backend:?}");
        let version = hidden(&html, "version");
        let mut form = cost_form(&csrf, "2025", "training", "12345.5");
        assert!(html.contains("name=\"currency\" value=\"RWF\""), "{backend:?}: the form filled in");
        form.push(("version", version.as_str()));
        set(&mut form, "currency", "RWF");
        set(&mut form, "amount", "20000");
        let r = admin.post(app.url(&format!("/programme-costs/{id}/edit"))).form(&form).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.url().path()), (200, page.as_str()), "{backend:?}");
        assert!(r.text().await.unwrap().contains("20,000 RWF"), "{backend:?}: the amount changed");
        set(&mut form, "amount", "30000");
        let r = admin.post(app.url(&format!("/programme-costs/{id}/edit"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 409, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("is not the latest"), "{backend:?}");
        assert!(
            html.contains("value=\"20000\"") && hidden(&html, "version") != version,
            "{backend:?}: the cost as it is now"
        );
        assert_eq!(app.scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM programme_costs").await, 20_000, "{backend:?}");

        // An officer who reads costs but does not record them: no form, no links, and what
        // they send is refused.
        let seo = app.browser("seo.gitega").await;
        let html = seo.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"costs\""), "{backend:?}: costs read");
        assert!(!html.contains("cost-form") && !html.contains("delete-cost") && !html.contains("/edit#cost-form"));
        let seo_csrf = hidden(&html, "csrf");
        let form = cost_form(&seo_csrf, "2025", "travel", "-5");
        let r = seo.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}: refused before its fields are read");
        let r = seo.get(app.url(&format!("/programme-costs/{id}/edit"))).send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        let r = seo
            .post(app.url(&format!("/programme-costs/{id}/delete")))
            .form(&[("csrf", seo_csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        let teacher = app.browser("teacher").await;
        let html = teacher.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("cost-form"), "{backend:?}");
        let teacher_csrf = hidden(&html, "csrf");
        let form = cost_form(&teacher_csrf, "2025", "travel", "5");
        let r = teacher.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        // Without the session's token, nothing is written either.
        let form = cost_form("forged", "2025", "travel", "5");
        let r = admin.post(app.url(&format!("{page}/costs"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        assert_eq!(costs_stored(&app).await, 1, "{backend:?}");

        // Deleted from its button.
        let r = admin
            .post(app.url(&format!("/programme-costs/{id}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!((r.status().as_u16(), r.url().path()), (200, page.as_str()), "{backend:?}");
        assert!(r.text().await.unwrap().contains("id=\"costs-none\""), "{backend:?}");
        assert_eq!(costs_stored(&app).await, 0, "{backend:?}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'programme_cost'").await,
            3,
            "{backend:?}: one added, one changed, one deleted"
        );
    }
}
