//! A programme year without a spreadsheet, through the real server on both databases:
//! outreach events, resources delivered to schools and their later checks, awards to
//! teachers, editing cohorts and withdrawals, small-cell suppression in reach reports, and
//! the scope matrix of these routes.

use opencpd_testapp::{TestApp, backends, hidden};
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["code"].as_str().unwrap_or("").to_string(), p["column"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn has(body: &Value, code: &str, column: &str) -> bool {
    codes(body).contains(&(code.to_string(), column.to_string()))
}

async fn text_of(app: &TestApp, sql: &'static str, arg: i64) -> String {
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar::<_, String>(sql).bind(arg).fetch_one(p).await)
        .expect(sql)
}

/// The places of the tests, found in the demo.
struct Places {
    /// The head teacher's school, in Gitega.
    school_in: i64,
    school_in_code: String,
    /// Another school in Gitega.
    school_also_code: String,
    /// A school in Nyarugenge but not in Gitega.
    school_next_code: String,
    school_cm_code: String,
    teacher: i64,
    teacher_number: String,
}

async fn places(app: &TestApp) -> Places {
    let school_in = app
        .id_of("SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1", "head.gitega")
        .await;
    let school_next = app
        .id_of("SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = $1", "RW-10102")
        .await;
    let school_cm = app.id_of("SELECT MIN(id) FROM schools WHERE code LIKE $1", "CM%").await;
    let teacher = app.id_of("SELECT person_id FROM users WHERE username = $1", "teacher").await;
    Places {
        school_in,
        school_in_code: text_of(app, "SELECT code FROM schools WHERE id = $1", school_in).await,
        school_also_code: text_of(
            app,
            "SELECT MIN(s.code) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101' AND s.id <> $1",
            school_in,
        )
        .await,
        school_next_code: text_of(app, "SELECT code FROM schools WHERE id = $1", school_next).await,
        school_cm_code: text_of(app, "SELECT code FROM schools WHERE id = $1", school_cm).await,
        teacher,
        teacher_number: text_of(app, "SELECT staff_number FROM people WHERE id = $1", teacher).await,
    }
}

fn camp(school: &str) -> Value {
    json!({"kind": "maths_camp", "title": "Maths camp, Gitega", "start_date": "2025-07-14", "end_date": "2025-07-18",
           "school_code": school, "participants": {"learners_female": 40, "learners_male": 35, "teachers_female": 3,
           "teachers_male": 4, "parents_female": 6}, "notes": "Holiday camp"})
}

#[tokio::test]
async fn outreach_events_are_checked_scoped_listed_edited_and_added_up() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let seo = app.api("seo.gitega").await;
        let admin = app.api("admin").await;

        // Every bad input is named; nothing is written.
        let bad = json!({"kind": "picnic", "title": "", "start_date": "2025-07-14", "end_date": "2025-07-01",
            "school_code": "NO-SUCH-SCHOOL", "medium": "pigeon", "audience": -3,
            "participants": {"learners_female": -1, "others_male": -7}, "schools": [p.school_in_code.clone(), "NOPE-2"]});
        let (status, body) = json_of(seo.post("/api/v1/outreach").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422, "{backend:?} {body}");
        for (code, column) in [
            ("bad-choice", "kind"),
            ("required", "title"),
            ("ends-before-start", "end_date"),
            ("unknown-school", "school_code"),
            ("bad-choice", "medium"),
            ("negative", "audience"),
            ("negative", "participants.learners_female"),
            ("negative", "participants.others_male"),
            ("unknown-school", "schools[1]"),
        ] {
            assert!(has(&body, code, column), "{backend:?} {code} {column}: {body}");
        }
        let nowhere = json!({"kind": "radio_broadcast", "title": "Maths on air", "start_date": "2025-08-01"});
        let (status, body) = json_of(seo.post("/api/v1/outreach").json(&nowhere).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "place-or-medium", "unit_code")), (422, true), "{body}");
        let mut outside = camp(&p.school_next_code);
        outside["title"] = json!("Camp next door");
        let (status, body) = json_of(seo.post("/api/v1/outreach").json(&outside).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "out-of-scope", "school_code")), (422, true), "{body}");
        let mut far = camp(&p.school_in_code);
        far["schools"] = json!([p.school_cm_code.clone()]);
        let (status, body) = json_of(seo.post("/api/v1/outreach").json(&far).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "out-of-scope", "schools[0]")), (422, true), "{body}");
        let (status, _) = json_of(
            app.api("head.gitega").await.post("/api/v1/outreach").json(&camp(&p.school_in_code)).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 403, "head teachers do not record outreach");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 0, "nothing written");

        // A programme whose targets count outreach.
        let programme = json!({"code": "AIMS-TTP", "name": "Teacher training programme", "start_date": "2025-01-01",
            "targets": [{"label": "Learners and others at outreach", "measure": "outreach_participants", "value": 200},
                        {"label": "Girls and women at outreach", "measure": "outreach_participants", "value": 100, "sex": "F"},
                        {"label": "Schools reached", "measure": "schools_reached", "value": 10}]});
        let (status, body) = json_of(admin.post("/api/v1/programmes").json(&programme).send().await.unwrap()).await;
        assert_eq!(status, 201, "{body}");
        let programme_id = body["id"].as_i64().unwrap();

        let mut good = camp(&p.school_in_code);
        good["programme_code"] = json!("AIMS-TTP");
        let (status, event) = json_of(seo.post("/api/v1/outreach").json(&good).send().await.unwrap()).await;
        assert_eq!(status, 201, "{backend:?} {event}");
        assert_eq!(event["schools"][0]["code"], json!(p.school_in_code), "the school it was held at is reached");
        assert_eq!(event["participants"]["learners_female"], 40);
        let id = event["id"].as_i64().unwrap();
        // A broadcast with no place is the deployment's: a national officer records it.
        let broadcast = json!({"kind": "radio_broadcast", "title": "Science on the radio", "start_date": "2025-09-02",
            "medium": "radio", "audience": 120000, "programme_code": "AIMS-TTP"});
        let (status, body) = json_of(seo.post("/api/v1/outreach").json(&broadcast).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "national-event", "unit_code")), (422, true), "{body}");
        let (status, body) =
            json_of(app.api("national.rw").await.post("/api/v1/outreach").json(&broadcast).send().await.unwrap()).await;
        assert_eq!((status, body["path"].as_str()), (201, Some("/")), "{body}");

        // Who sees what.
        for (role, want) in [
            ("seo.gitega", 2),
            ("head.gitega", 2),
            ("national.cm", 1),
            ("teacher", 1),
            ("evaluator", 2),
            ("deo.nyarugenge", 2),
        ] {
            let (status, list) = json_of(app.api(role).await.get("/api/v1/outreach").send().await.unwrap()).await;
            assert_eq!(
                (status, list["items"].as_array().map(Vec::len)),
                (200, Some(want)),
                "{backend:?} {role}: {list}"
            );
            assert_eq!(list["total"], want);
        }
        let (status, _) =
            json_of(app.api("national.cm").await.get(&format!("/api/v1/outreach/{id}")).send().await.unwrap()).await;
        assert_eq!(status, 404, "out of scope is not found");
        let (_, filtered) =
            json_of(admin.get("/api/v1/outreach?kind=maths_camp&from=2025-07-15&to=2025-07-15").send().await.unwrap())
                .await;
        assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1), "{filtered}");
        let (_, none) = json_of(admin.get("/api/v1/outreach?from=2025-10-01").send().await.unwrap()).await;
        assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
        let (status, body) = json_of(admin.get("/api/v1/outreach?from=2025-13-01").send().await.unwrap()).await;
        assert_eq!((status, has(&body, "bad-date", "from")), (422, true), "{body}");

        // Editing: the version read, or a conflict.
        let mut edit = good.clone();
        edit["title"] = json!("Maths camp, Gitega (week 2)");
        edit["schools"] = json!([p.school_also_code.clone()]);
        edit["version"] = json!(1);
        let (status, body) =
            json_of(seo.put(&format!("/api/v1/outreach/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        assert_eq!((body["version"].as_i64(), body["schools"].as_array().map(Vec::len)), (Some(2), Some(2)), "{body}");
        let (status, _) = json_of(seo.put(&format!("/api/v1/outreach/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 409, "a stale version");
        let (status, _) = json_of(
            app.api("head.gitega").await.put(&format!("/api/v1/outreach/{id}")).json(&edit).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 403, "head teachers read it, cannot change it");

        // Totals and targets.
        let (_, totals) =
            json_of(admin.get(&format!("/api/v1/outreach/totals?programme_id={programme_id}")).send().await.unwrap())
                .await;
        assert_eq!((totals["events"].as_i64(), totals["total"].as_i64()), (Some(2), Some(88)), "{totals}");
        assert_eq!((totals["female"].as_i64(), totals["schools_reached"].as_i64()), (Some(49), Some(2)), "{totals}");
        assert_eq!(totals["audience"].as_i64(), Some(120000));
        let (_, reach) =
            json_of(admin.get(&format!("/api/v1/programmes/{programme_id}/reach")).send().await.unwrap()).await;
        let achieved: Vec<i64> =
            reach["targets"].as_array().unwrap().iter().map(|t| t["achieved"].as_i64().unwrap()).collect();
        assert_eq!(achieved, vec![88, 49, 2], "{reach}");

        // The export.
        let r = admin.get("/api/v1/outreach/export?format=csv&kind=maths_camp").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("id,kind,title,programme_code"), "{csv}");
        assert!(csv.contains("Maths camp, Gitega (week 2)") && !csv.contains("radio"), "{csv}");

        // The pages: list with filters, a form a phone can fill, edit.
        let page = app.browser("seo.gitega").await;
        let html = page.get(app.url("/outreach?kind=maths_camp")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Maths camp, Gitega (week 2)") && html.contains("id=\"new-outreach\""), "{html}");
        let csrf = hidden(&html, "csrf");
        let form = [
            ("csrf", csrf.as_str()),
            ("kind", "science_caravan"),
            ("title", "Science caravan, Kigali"),
            ("start_date", "2025-10-03"),
            ("unit_code", "RW-10101"),
            ("learners_female", "12"),
            ("learners_male", "lots"),
            ("schools", &p.school_in_code),
        ];
        let r = page.post(app.url("/outreach")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("lots is not a number"), "{html}");
        let mut fixed = form.to_vec();
        fixed[6] = ("learners_male", "9");
        let r = page.post(app.url("/outreach")).form(&fixed).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("Science caravan, Kigali") && html.contains("id=\"edit-outreach\""), "{html}");
        let caravan = app.id_of("SELECT id FROM outreach_events WHERE title = $1", "Science caravan, Kigali").await;
        let csrf = hidden(&html, "csrf");
        let r = page
            .post(app.url(&format!("/outreach/{caravan}")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("version", "1"),
                ("kind", "science_caravan"),
                ("title", "Science caravan, Gitega"),
                ("start_date", "2025-10-03"),
                ("unit_code", "RW-10101"),
                ("learners_female", "-4"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("-4 is below zero"));
        let html = app
            .browser("national.rw")
            .await
            .get(app.url(&format!("/programmes/{programme_id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"programme-outreach\"") && html.contains("Radio broadcast"), "{html}");
    }
}

#[tokio::test]
async fn resources_delivered_to_schools_and_their_checks() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let seo = app.api("seo.gitega").await;
        let bad = json!({"kind": "spaceship", "quantity": 0, "school_code": "NO-SCHOOL", "delivered_on": "2099-01-01",
            "state": "shiny", "programme_code": "NOPE"});
        let (status, body) = json_of(seo.post("/api/v1/resources").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422, "{body}");
        for (code, column) in [
            ("bad-choice", "kind"),
            ("not-positive", "quantity"),
            ("unknown-school", "school_code"),
            ("in-future", "delivered_on"),
            ("bad-choice", "state"),
            ("unknown-programme", "programme_code"),
        ] {
            assert!(has(&body, code, column), "{backend:?} {code} {column}: {body}");
        }
        let outside = json!({"kind": "science_kit", "quantity": 2, "school_code": p.school_next_code, "delivered_on": "2025-03-01"});
        let (status, body) = json_of(seo.post("/api/v1/resources").json(&outside).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "out-of-scope", "school_code")), (422, true), "{body}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM resources").await, 0);

        let kit = json!({"kind": "smart_classroom", "description": "20 tablets, projector, server", "quantity": 1,
            "school_code": p.school_in_code, "delivered_on": "2025-03-01"});
        let (status, body) = json_of(seo.post("/api/v1/resources").json(&kit).send().await.unwrap()).await;
        assert_eq!((status, body["state"].as_str()), (201, Some("complete")), "{body}");
        let id = body["id"].as_i64().unwrap();

        let early = json!({"checked_on": "2025-02-01", "state": "in_use"});
        let (status, body) =
            json_of(seo.post(&format!("/api/v1/resources/{id}/checks")).json(&early).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "check-before-delivery", "checked_on")), (422, true), "{body}");
        let odd = json!({"checked_on": "2099-02-01", "state": "sleeping"});
        let (status, body) =
            json_of(seo.post(&format!("/api/v1/resources/{id}/checks")).json(&odd).send().await.unwrap()).await;
        assert!(status == 422 && has(&body, "in-future", "checked_on") && has(&body, "bad-choice", "state"), "{body}");
        let (status, _) = json_of(
            app.api("head.gitega")
                .await
                .post(&format!("/api/v1/resources/{id}/checks"))
                .json(&json!({"checked_on": "2025-06-01", "state": "in_use"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403, "the head teacher reads it, cannot record a check");
        for (on, state) in [("2025-06-01", "in_use"), ("2025-10-01", "partly_in_use")] {
            let (status, body) = json_of(
                seo.post(&format!("/api/v1/resources/{id}/checks"))
                    .json(&json!({"checked_on": on, "state": state, "notes": "projector lamp weak"}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, 201, "{body}");
        }
        let (_, r) =
            json_of(app.api("head.gitega").await.get(&format!("/api/v1/resources/{id}")).send().await.unwrap()).await;
        assert_eq!(
            (r["last_state"].as_str(), r["checks"].as_array().map(Vec::len)),
            (Some("partly_in_use"), Some(2)),
            "{r}"
        );
        assert_eq!(r["checks"][0]["checked_by"], "seo.gitega");
        let (status, _) =
            json_of(app.api("national.cm").await.get(&format!("/api/v1/resources/{id}")).send().await.unwrap()).await;
        assert_eq!(status, 404);
        let (_, list) =
            json_of(app.api("deo.nyarugenge").await.get("/api/v1/resources?state=partly_in_use").send().await.unwrap())
                .await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
        let (_, list) = json_of(app.api("national.cm").await.get("/api/v1/resources").send().await.unwrap()).await;
        assert_eq!((list["items"].as_array().map(Vec::len), list["total"].as_i64()), (Some(0), Some(0)));

        // The school page lists them; the resource page takes a check.
        let page = app.browser("seo.gitega").await;
        let html = page.get(app.url(&format!("/schools/{}", p.school_in))).send().await.unwrap().text().await.unwrap();
        assert!(
            html.contains("id=\"resources\"") && html.contains("Smart classroom") && html.contains("Partly in use"),
            "{html}"
        );
        let csrf = hidden(&html, "csrf");
        let r = page
            .post(app.url(&format!("/schools/{}/resources", p.school_in)))
            .form(&[
                ("csrf", csrf.as_str()),
                ("kind", "science_kit"),
                ("quantity", "x"),
                ("delivered_on", "2025-04-01"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("x is not a number"));
        let r = page
            .post(app.url(&format!("/schools/{}/resources", p.school_in)))
            .form(&[
                ("csrf", csrf.as_str()),
                ("kind", "science_kit"),
                ("quantity", "3"),
                ("delivered_on", "2025-04-01"),
                ("state", "incomplete"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"new-check\""), "{html}");
        let csrf = hidden(&html, "csrf");
        let kit_id = app.id_of("SELECT id FROM resources WHERE kind = $1", "science_kit").await;
        let r = page
            .post(app.url(&format!("/resources/{kit_id}/checks")))
            .form(&[("csrf", csrf.as_str()), ("checked_on", "2025-03-15"), ("state", "broken")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("is dated before the delivery"));
        let head = app.browser("head.gitega").await;
        let html = head.get(app.url(&format!("/resources/{kit_id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Science kit") && !html.contains("id=\"new-check\""), "read only for the head teacher");
    }
}

#[tokio::test]
async fn awards_to_teachers_show_on_their_record() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let admin = app.api("admin").await;
        let award = json!({"staff_number": p.teacher_number, "name": "Best mathematics teacher", "category": "Teaching",
            "awarded_on": "2025-06-20", "awarding_body": "District of Nyarugenge"});
        let (status, body) =
            json_of(app.api("head.gitega").await.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) =
            json_of(app.api("national.cm").await.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
        assert_eq!(status, 404, "someone out of scope is not found");
        let mut bad = award.clone();
        bad["name"] = json!(" ");
        bad["awarded_on"] = json!("2099-01-01");
        bad["programme_code"] = json!("NOPE");
        let (status, body) = json_of(admin.post("/api/v1/awards").json(&bad).send().await.unwrap()).await;
        assert!(
            status == 422
                && has(&body, "required", "name")
                && has(&body, "in-future", "awarded_on")
                && has(&body, "unknown-programme", "programme_code"),
            "{body}"
        );
        let mut unknown = award.clone();
        unknown["staff_number"] = json!("NO-SUCH-NUMBER");
        let (status, body) = json_of(admin.post("/api/v1/awards").json(&unknown).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "unknown-person", "staff_number")), (422, true), "{body}");
        let (status, body) =
            json_of(app.api("seo.gitega").await.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        for (role, want) in [("teacher", 200), ("head.gitega", 200), ("national.cm", 404), ("evaluator", 200)] {
            let (status, list) =
                json_of(app.api(role).await.get(&format!("/api/v1/people/{}/awards", p.teacher)).send().await.unwrap())
                    .await;
            assert_eq!(status, want, "{role}");
            if want == 200 {
                assert_eq!(list[0]["name"], "Best mathematics teacher");
            }
        }
        let teacher = app.browser("teacher").await;
        for path in [format!("/people/{}", p.teacher), format!("/people/{}/cpd", p.teacher)] {
            let html = teacher.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
            assert!(html.contains("id=\"awards\"") && html.contains("Best mathematics teacher"), "{path}: {html}");
            assert!(!html.contains("id=\"new-award\""), "a teacher does not award themselves");
        }
        let seo = app.browser("seo.gitega").await;
        let html = seo.get(app.url(&format!("/people/{}/cpd", p.teacher))).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&html, "csrf");
        let r = seo
            .post(app.url(&format!("/people/{}/awards", p.teacher)))
            .form(&[("csrf", csrf.as_str()), ("name", "Innovation prize"), ("awarded_on", "2025-13-40")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = seo
            .post(app.url(&format!("/people/{}/awards", p.teacher)))
            .form(&[("csrf", csrf.as_str()), ("name", "Innovation prize"), ("awarded_on", "2025-11-02")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards").await, 2);
    }
}

/// A course in a programme and a cohort of `capacity` at Gitega, with `people` enrolled.
async fn cohort_with(app: &TestApp, programme: &str, capacity: i64, people: &[String]) -> i64 {
    let admin = app.api("admin").await;
    let (status, body) = json_of(
        admin
            .post("/api/v1/programmes")
            .json(&json!({"code": programme, "name": format!("Programme {programme}"),
        "start_date": "2025-01-01"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let course = json!({"code": format!("{programme}-C"), "title": "Leading learning", "kind": "short_training",
        "modality": "face_to_face", "hours": 12, "programme_code": programme});
    let (status, body) = json_of(admin.post("/api/v1/courses").json(&course).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let cohort = json!({"code": format!("{programme}-G1"), "name": "Gitega cohort", "course_code": format!("{programme}-C"),
        "unit_code": "RW-10101", "start_date": "2025-01-06", "end_date": "2098-12-31", "capacity": capacity});
    let (status, body) = json_of(admin.post("/api/v1/cohorts").json(&cohort).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    for n in people {
        let (status, body) = json_of(
            admin
                .post(&format!("/api/v1/cohorts/{id}/enrolments"))
                .json(&json!({"staff_number": n}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    id
}

/// Staff numbers of current teachers in Rwanda of one sex, first `n`.
async fn teachers(app: &TestApp, sex: &str, n: usize) -> Vec<String> {
    let list: Vec<String> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
        "SELECT DISTINCT p.staff_number, p.id FROM positions x JOIN people p ON p.id = x.person_id JOIN schools s ON s.id = x.school_id \
         JOIN units u ON u.id = s.unit_id WHERE u.country = 'RW' AND x.role = 'teacher' AND x.end_date IS NULL AND p.sex = $1 AND p.staff_number IS NOT NULL ORDER BY p.id"
    )
    .bind(sex)
    .fetch_all(p)
    .await)
    .unwrap();
    list.into_iter().take(n).collect()
}

#[tokio::test]
async fn cohorts_are_edited_and_withdrawals_free_places_but_keep_reach() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let people = teachers(&app, "F", 3).await;
        let id = cohort_with(&app, "WD", 3, &people).await;
        let seo = app.api("seo.gitega").await;
        let (_, cohort) = json_of(seo.get(&format!("/api/v1/cohorts/{id}")).send().await.unwrap()).await;
        let edit = |capacity: i64, version: i64| {
            json!({"version": version, "name": "Gitega cohort (moved)", "venue": "TTC Gitega hall", "start_date": "2025-01-06",
                   "end_date": "2098-12-31", "capacity": capacity, "facilitators": [people[0].clone()]})
        };
        let version = cohort["version"].as_i64().unwrap();
        let (status, body) =
            json_of(seo.put(&format!("/api/v1/cohorts/{id}")).json(&edit(2, version)).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "capacity-below-enrolled", "capacity")), (422, true), "{backend:?} {body}");
        let mut bad = edit(5, version);
        bad["end_date"] = json!("2024-01-01");
        bad["facilitators"] = json!(["NO-SUCH"]);
        let (status, body) = json_of(seo.put(&format!("/api/v1/cohorts/{id}")).json(&bad).send().await.unwrap()).await;
        assert!(
            status == 422
                && has(&body, "ends-before-start", "end_date")
                && has(&body, "unknown-person", "facilitators[0]"),
            "{body}"
        );
        let (status, _) = json_of(
            app.api("head.gitega")
                .await
                .put(&format!("/api/v1/cohorts/{id}"))
                .json(&edit(5, version))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404, "out of the head teacher's scope");

        // Withdrawals.
        let enrolments: Value =
            seo.get(&format!("/api/v1/cohorts/{id}/enrolments")).send().await.unwrap().json().await.unwrap();
        let first = enrolments[0]["id"].as_i64().unwrap();
        for (body, code, column) in [
            (json!({"reason": " "}), "reason-required", "reason"),
            (json!({"reason": "Moved", "withdrawn_on": "2020-01-01"}), "withdrawn-before-enrolment", "withdrawn_on"),
            (json!({"reason": "Moved", "withdrawn_on": "2099-01-01"}), "in-future", "withdrawn_on"),
            (json!({"reason": "Moved", "withdrawn_on": "yesterday"}), "bad-date", "withdrawn_on"),
        ] {
            let (status, got) =
                json_of(seo.post(&format!("/api/v1/enrolments/{first}/withdraw")).json(&body).send().await.unwrap())
                    .await;
            assert_eq!((status, has(&got, code, column)), (422, true), "{got}");
        }
        let (status, body) = json_of(
            seo.post(&format!("/api/v1/enrolments/{first}/withdraw"))
                .json(&json!({"reason": "Transferred to another district"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, body["withdraw_reason"].as_str()),
            (200, Some("Transferred to another district")),
            "{body}"
        );
        let (status, body) = json_of(
            seo.post(&format!("/api/v1/enrolments/{first}/withdraw"))
                .json(&json!({"reason": "Again"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, has(&body, "already-withdrawn", "enrolment_id")), (422, true), "withdrawing twice: {body}");
        let (status, body) =
            json_of(seo.put(&format!("/api/v1/cohorts/{id}")).json(&edit(2, version)).send().await.unwrap()).await;
        assert_eq!(
            (status, body["enrolled"].as_i64(), body["venue"].as_str()),
            (200, Some(2), Some("TTC Gitega hall")),
            "{body}"
        );
        let (status, _) =
            json_of(seo.put(&format!("/api/v1/cohorts/{id}")).json(&edit(3, version)).send().await.unwrap()).await;
        assert_eq!(status, 409, "a stale version");
        let (status, body) =
            json_of(seo.post(&format!("/api/v1/enrolments/{first}/reinstate")).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "over-capacity", "")), (422, true), "no place left: {body}");
        let second = enrolments[1]["id"].as_i64().unwrap();
        let (status, body) =
            json_of(seo.post(&format!("/api/v1/enrolments/{second}/reinstate")).send().await.unwrap()).await;
        assert_eq!((status, has(&body, "not-withdrawn", "enrolment_id")), (422, true), "{body}");

        // The funnel shows the withdrawal; reach counts everyone ever enrolled.
        let (_, funnel) = json_of(seo.get(&format!("/api/v1/cohorts/{id}/funnel")).send().await.unwrap()).await;
        assert_eq!((funnel["enrolled"].as_i64(), funnel["withdrawn"].as_i64()), (Some(3), Some(1)), "{funnel}");
        let programme = app.id_of("SELECT id FROM programmes WHERE code = $1", "WD").await;
        let (_, reach) =
            json_of(app.api("admin").await.get(&format!("/api/v1/programmes/{programme}/reach")).send().await.unwrap())
                .await;
        assert_eq!(reach["totals"]["enrolled"].as_i64(), Some(3), "{reach}");

        // The cohort page: edit form, withdraw and reinstate buttons.
        let page = app.browser("seo.gitega").await;
        let html = page.get(app.url(&format!("/cohorts/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"edit-cohort\"") && html.contains("Transferred to another district"), "{html}");
        let csrf = hidden(&html, "csrf");
        let r = page
            .post(app.url(&format!("/cohorts/{id}/edit")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("version", "2"),
                ("name", "Gitega cohort"),
                ("start_date", "2025-01-06"),
                ("end_date", "2098-12-31"),
                ("capacity", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("1 places is fewer than the 2 people enrolled"));
        let id_text = id.to_string();
        let r = page
            .post(app.url(&format!("/enrolments/{second}/withdraw")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("cohort_id", id_text.as_str()),
                ("withdrawn_on", ""),
                ("reason", "Illness"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = page
            .post(app.url(&format!("/enrolments/{first}/reinstate")))
            .form(&[("csrf", csrf.as_str()), ("cohort_id", id_text.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, funnel) = json_of(seo.get(&format!("/api/v1/cohorts/{id}/funnel")).send().await.unwrap()).await;
        assert_eq!(funnel["withdrawn"].as_i64(), Some(1), "{funnel}");
    }
}

#[tokio::test]
async fn small_cells_are_hidden_in_reach_pages_and_exports() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let mut people = teachers(&app, "F", 6).await;
        people.extend(teachers(&app, "M", 2).await);
        assert_eq!(people.len(), 8);
        cohort_with(&app, "SC", 20, &people).await;
        let programme = app.id_of("SELECT id FROM programmes WHERE code = $1", "SC").await;
        let admin = app.api("admin").await;
        let export = |format: &'static str| {
            admin.get(&format!("/api/v1/programmes/{programme}/reach/export?format={format}&by=sex")).send()
        };
        let csv = export("csv").await.unwrap().text().await.unwrap();
        let rows: Vec<Vec<String>> = csv
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .filter(|r: &Vec<String>| r[0] == "sex")
            .collect();
        let by_key = |key: &str| rows.iter().find(|r| r[1] == key).cloned().unwrap_or_default();
        assert_eq!(by_key("M")[5], "<5", "{csv}");
        assert_eq!(by_key("F")[5], "x", "the other cell is hidden too, or M = total - F: {csv}");
        assert_eq!(by_key("F")[6], "0", "{csv}");
        assert!(csv.lines().any(|l| l.starts_with("total,total,,,,8,")), "totals are exact: {csv}");
        let xlsx = export("xlsx").await.unwrap().bytes().await.unwrap();
        let table = opencpd_transfer::read_table("reach.xlsx", &xlsx).unwrap();
        assert!(
            table
                .rows
                .iter()
                .any(|r| r.cells.first().is_some_and(|c| c == "sex") && r.cells.get(5).is_some_and(|c| c == "<5"))
        );
        let page = app.browser("admin").await;
        let html =
            page.get(app.url(&format!("/programmes/{programme}?by=sex"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("&lt;5") && html.contains("id=\"suppression\""), "{html}");
        // No group's bar shows what its numbers hide; the total's bar draws the totals,
        // which the page shows.
        assert_eq!(
            html.matches("split-bar").count(),
            html.matches("id=\"reach-total-bar\"").count(),
            "no bar shows what the numbers hide"
        );

        // The threshold is the deployment's: 0 turns it off.
        let (status, _) = json_of(
            app.api("seo.gitega")
                .await
                .put("/api/v1/report-settings")
                .json(&json!({"small_cell_threshold": 0}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403);
        let (status, body) = json_of(
            admin.put("/api/v1/report-settings").json(&json!({"small_cell_threshold": 101})).send().await.unwrap(),
        )
        .await;
        assert_eq!((status, has(&body, "out-of-range", "small_cell_threshold")), (422, true), "{body}");
        let (status, _) = json_of(
            admin.put("/api/v1/report-settings").json(&json!({"small_cell_threshold": 0})).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let csv = export("csv").await.unwrap().text().await.unwrap();
        assert!(csv.contains("sex,M,,,,2,") && csv.contains("sex,F,,,,6,"), "{csv}");
        // Shown, the split is drawn: women the longest bar, men a third of it.
        let html =
            page.get(app.url(&format!("/programmes/{programme}?by=sex"))).send().await.unwrap().text().await.unwrap();
        assert_eq!(html.matches("class=\"bar split-bar\">").count(), 2, "one bar a group: {html}");
        assert!(html.contains("class=\"bar split-bar\" id=\"reach-total-bar\""), "and the total's: {html}");
        assert!(html.contains("class=\"enrolled\" style=\"width:100.0%\""), "{html}");
        assert!(html.contains("class=\"enrolled\" style=\"width:33.3%\""), "{html}");
        assert!(html.contains("id=\"funnel-chart\"") && html.contains("8 · 100.0%"), "the funnel: {html}");
        let (status, _) = json_of(
            admin.put("/api/v1/report-settings").json(&json!({"small_cell_threshold": 10})).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let csv = export("csv").await.unwrap().text().await.unwrap();
        assert!(csv.contains("sex,M,,,,<10,") && csv.contains("sex,F,,,,<10,"), "{csv}");
    }
}

/// Reads: out of scope is "not found"; writes: in scope but not allowed is "forbidden",
/// a place out of scope named in the request is a problem (422).
#[tokio::test]
async fn scope_matrix_of_outreach_resources_and_awards() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let admin = app.api("admin").await;
        let (_, event) =
            json_of(admin.post("/api/v1/outreach").json(&camp(&p.school_in_code)).send().await.unwrap()).await;
        let event = event["id"].as_i64().unwrap();
        let (_, resource) = json_of(
            admin
                .post("/api/v1/resources")
                .json(&json!({"kind": "tablets", "quantity": 30,
            "school_code": p.school_in_code, "delivered_on": "2025-02-01"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let resource = resource["id"].as_i64().unwrap();
        let mut failures = Vec::new();
        // (role, read event/resource at school_in, read teacher's awards, create at school_in, check, award teacher)
        let table: &[(&str, u16, u16, u16, u16, u16)] = &[
            ("admin", 200, 200, 201, 201, 201),
            ("national.rw", 200, 200, 201, 201, 201),
            ("national.cm", 404, 404, 422, 404, 404),
            ("deo.nyarugenge", 200, 200, 201, 201, 201),
            ("seo.gitega", 200, 200, 201, 201, 201),
            ("head.gitega", 200, 200, 403, 403, 403),
            ("teacher", 404, 200, 403, 404, 403),
            ("evaluator", 200, 200, 403, 403, 403),
        ];
        for &(role, read, awards, create, check, award) in table {
            let api = app.api(role).await;
            let page = app.browser(role).await;
            for path in [format!("/outreach/{event}"), format!("/resources/{resource}")] {
                let got = api.get(&format!("/api/v1{path}")).send().await.unwrap().status().as_u16();
                if got != read {
                    failures.push(format!("{backend:?} {role} GET /api/v1{path}: {got}, want {read}"));
                }
                let got = page.get(app.url(&path)).send().await.unwrap().status().as_u16();
                if got != read {
                    failures.push(format!("{backend:?} {role} page {path}: {got}, want {read}"));
                }
            }
            let got = api.get(&format!("/api/v1/people/{}/awards", p.teacher)).send().await.unwrap().status().as_u16();
            if got != awards {
                failures.push(format!("{backend:?} {role} GET awards: {got}, want {awards}"));
            }
            let got =
                api.post("/api/v1/outreach").json(&camp(&p.school_in_code)).send().await.unwrap().status().as_u16();
            if got != create {
                failures.push(format!("{backend:?} {role} POST outreach: {got}, want {create}"));
            }
            let body = json!({"kind": "tablets", "quantity": 1, "school_code": p.school_in_code, "delivered_on": "2025-02-01"});
            let got = api.post("/api/v1/resources").json(&body).send().await.unwrap().status().as_u16();
            if got != create {
                failures.push(format!("{backend:?} {role} POST resource: {got}, want {create}"));
            }
            let body = json!({"checked_on": "2025-03-01", "state": "in_use"});
            let got = api
                .post(&format!("/api/v1/resources/{resource}/checks"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if got != check {
                failures.push(format!("{backend:?} {role} POST check: {got}, want {check}"));
            }
            let body = json!({"person_id": p.teacher, "name": "Prize", "awarded_on": "2025-02-01"});
            let got = api.post("/api/v1/awards").json(&body).send().await.unwrap().status().as_u16();
            if got != award {
                failures.push(format!("{backend:?} {role} POST award: {got}, want {award}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[tokio::test]
async fn programmes_and_courses_are_set_up_from_the_pages() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let seo = app.browser("seo.gitega").await;
        let html = seo.get(app.url("/programmes")).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains("id=\"new-programme\""), "a sector officer does not set up programmes");
        let page = app.browser("national.rw").await;
        let html = page.get(app.url("/programmes")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"new-programme\"") && html.contains("id=\"new-course\""), "{html}");
        let csrf = hidden(&html, "csrf");
        let bad = [
            ("csrf", csrf.as_str()),
            ("code", "SCI"),
            ("name", "Science teaching"),
            ("start_date", "2025-01-01"),
            ("budget", "a lot"),
            ("t0_label", "Teachers trained"),
            ("t0_measure", "completed"),
            ("t0_value", "1200"),
            ("t1_label", "Schools"),
            ("t1_measure", "schools_reached"),
            ("t1_value", "-5"),
        ];
        let r = page.post(app.url("/programmes")).form(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("a lot is not a number") && html.contains("value=\"Teachers trained\""), "{html}");
        let mut good = bad.to_vec();
        good[4] = ("budget", "250000");
        good[10] = ("t1_value", "40");
        good.push(("pillars", "Teaching\nLearning"));
        let r = page.post(app.url("/programmes")).form(&good).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"programme-name\"") && html.contains("Schools reached"), "{html}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM programme_targets").await, 2);

        let course = [
            ("csrf", csrf.as_str()),
            ("code", "SCI-1"),
            ("title", "Teaching science with kits"),
            ("programme_code", "SCI"),
            ("kind", "certificate"),
            ("modality", "blended"),
            ("hours", "24"),
            ("credits", "2"),
            ("target_roles", "teacher"),
            ("min_attendance_pct", "75"),
            ("require_assessments_passed", "1"),
            ("m0_code", "M1"),
            ("m0_title", "Experiments in class"),
            ("m0_hours", "12"),
            ("m0_standards", "rw-school-leadership:SL2"),
            ("m0_standards", "rw-school-leadership:SL3"),
            ("a0_code", "PROJ"),
            ("a0_title", "Lesson project"),
            ("a0_module_code", "M9"),
            ("a0_max_score", "20"),
            ("a0_pass_score", "10"),
        ];
        let r = page.post(app.url("/courses")).form(&course).send().await.unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("the course has no module M9"));
        let mut fixed = course.to_vec();
        fixed[18] = ("a0_module_code", "M1");
        let r = page.post(app.url("/courses")).form(&fixed).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let (_, body) =
            json_of(app.api("admin").await.get("/api/v1/courses?programme_id=1").send().await.unwrap()).await;
        let id = body["items"][0]["id"].as_i64().unwrap();
        let (_, detail) =
            json_of(app.api("admin").await.get(&format!("/api/v1/courses/{id}")).send().await.unwrap()).await;
        assert_eq!(detail["modules"][0]["standards"], json!(["SL2", "SL3"]), "{detail}");
        assert_eq!(
            (detail["min_attendance_pct"].as_f64(), detail["assessments"][0]["code"].as_str()),
            (Some(75.0), Some("PROJ"))
        );
    }
}

#[tokio::test]
async fn the_demo_holds_a_programme_year() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let summary = opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
        let o = &summary.outreach;
        assert!(o.events >= 5 && o.resources >= 5 && o.checks >= 5 && o.awards >= 3, "{summary:?}");
        let ttp = app.id_of("SELECT id FROM programmes WHERE code = $1", "TTP").await;
        let (_, reach) =
            json_of(app.api("national.rw").await.get(&format!("/api/v1/programmes/{ttp}/reach")).send().await.unwrap())
                .await;
        assert!(reach["targets"].as_array().unwrap().iter().all(|t| t["achieved"].as_i64().unwrap() > 0), "{reach}");
        let html = app.browser("admin").await.get(app.url("/outreach")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Holiday maths camp") && html.contains("Maths is everywhere"), "{html}");
        let (_, broken) =
            json_of(app.api("admin").await.get("/api/v1/resources?state=broken").send().await.unwrap()).await;
        assert_eq!(broken["items"].as_array().map(Vec::len), Some(1), "{broken}");
    }
}

/// What was recorded by mistake is deleted by whoever may record it there, with what hung
/// off it, and the audit log keeps what it held; others are refused and nothing goes.
#[tokio::test]
async fn events_deliveries_and_awards_recorded_by_mistake_are_deleted_in_scope() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let seo = app.api("seo.gitega").await;
        let head = app.api("head.gitega").await;
        let cm = app.api("national.cm").await;
        let (status, event) =
            json_of(seo.post("/api/v1/outreach").json(&camp(&p.school_in_code)).send().await.unwrap()).await;
        assert_eq!(status, 201, "{backend:?} {event}");
        let event = event["id"].as_i64().unwrap();
        let delivery = json!({"kind": "science_kit", "quantity": 2, "school_code": p.school_in_code, "delivered_on": "2025-03-01"});
        let (status, resource) = json_of(seo.post("/api/v1/resources").json(&delivery).send().await.unwrap()).await;
        assert_eq!(status, 201, "{resource}");
        let resource = resource["id"].as_i64().unwrap();
        let (status, _) = json_of(
            seo.post(&format!("/api/v1/resources/{resource}/checks"))
                .json(&json!({"checked_on": "2025-04-01", "state": "in_use"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201);
        let award =
            json!({"staff_number": p.teacher_number, "name": "Best mathematics teacher", "awarded_on": "2025-06-20"});
        let (status, award) = json_of(seo.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
        assert_eq!(status, 201, "{award}");
        let award = award["id"].as_i64().unwrap();

        for path in [format!("/outreach/{event}"), format!("/resources/{resource}"), format!("/awards/{award}")] {
            // A head teacher reads them but may not delete; Cameroon's officer does not see them.
            let r = head.delete(&format!("/api/v1{path}")).send().await.unwrap();
            assert_eq!(r.status(), 403, "{path}");
            let r = cm.delete(&format!("/api/v1{path}")).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        assert_eq!(app.scalar("SELECT COUNT(*) FROM resource_checks").await, 1, "nothing went");

        // The API deletes the event; the page deletes the delivery and the award.
        let r = seo.delete(&format!("/api/v1/outreach/{event}")).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let (status, _) = json_of(seo.get(&format!("/api/v1/outreach/{event}")).send().await.unwrap()).await;
        assert_eq!(status, 404);
        let r = seo.delete(&format!("/api/v1/outreach/{event}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "deleting twice");
        let browser = app.browser("seo.gitega").await;
        let html = browser.get(app.url(&format!("/resources/{resource}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"delete-resource\""));
        let csrf = hidden(&html, "csrf");
        let r = browser
            .post(app.url(&format!("/resources/{resource}/delete")))
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "forms need the session's token");
        let r = browser
            .post(app.url(&format!("/resources/{resource}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.url().path(), format!("/schools/{}", p.school_in));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM resource_checks").await, 0, "its checks went with it");
        let html =
            browser.get(app.url(&format!("/people/{}/cpd", p.teacher))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(&format!("id=\"delete-award-{award}\"")), "a delete button on the record");
        let r = browser
            .post(app.url(&format!("/awards/{award}/delete")))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(!r.text().await.unwrap().contains("Best mathematics teacher"));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM awards").await, 0);
        for entity in ["outreach_event", "resource", "award"] {
            let n = app.id_of("SELECT COUNT(*) FROM audit_events WHERE action = 'delete' AND entity = $1 AND before_json LIKE '%2025-%'", entity).await;
            assert_eq!(n, 1, "{entity}: the audit log keeps what it held");
        }
    }
}

/// The outreach page takes a file of events (all rows or none, problems named by row), and
/// the deployment's kinds of event are listed and extended from their own page.
#[tokio::test]
async fn outreach_files_are_imported_from_the_page_and_kinds_are_managed() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let seo = app.browser("seo.gitega").await;
        let html = seo.get(app.url("/outreach")).send().await.unwrap().text().await.unwrap();
        assert!(
            html.contains("id=\"import-outreach\"") && html.contains("learners_female"),
            "the form names the columns"
        );
        let csrf = hidden(&html, "csrf");
        let headers = ["kind", "title", "start_date", "school_code", "learners_female", "learners_male"];
        let file = |rows: Vec<Vec<&str>>, format| {
            let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
            let mut bytes = Vec::new();
            opencpd_transfer::write_table(format, &headers, rows, &mut bytes).unwrap();
            bytes
        };
        let send = |bytes: Vec<u8>, name: &'static str, dry: bool| {
            let mut form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
            if dry {
                form = form.text("dry_run", "1");
            }
            seo.post(app.url("/outreach/import")).multipart(form).send()
        };
        let bad = file(
            vec![
                vec!["maths_camp", "Camp", "2025-07-14", p.school_in_code.as_str(), "30", "many"],
                vec!["maths_camp", "Camp 2", "2025-07-15", "NO-SCHOOL", "3", "4"],
            ],
            opencpd_transfer::Format::Csv,
        );
        let r = send(bad, "events.csv", false).await.unwrap();
        assert_eq!(r.status(), 422, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("many is not a number") && html.contains("NO-SCHOOL"), "{html}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 0, "nothing written");
        let good = || {
            file(
                vec![
                    vec!["maths_camp", "Camp", "2025-07-14", p.school_in_code.as_str(), "30", "28"],
                    vec!["science_caravan", "Caravan", "2025-07-20", p.school_also_code.as_str(), "12", "10"],
                ],
                opencpd_transfer::Format::Xlsx,
            )
        };
        let r = send(good(), "events.xlsx", true).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 0, "a dry run writes nothing");
        let r = send(good(), "events.xlsx", false).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("id=\"notice\""));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 2);
        let r = seo
            .post(app.url("/outreach/import"))
            .multipart(reqwest::multipart::Form::new().text("csrf", "forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);

        // Kinds: everyone reads the list; only those who manage programmes change it.
        let html = seo.get(app.url("/outreach-kinds")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("maths_camp") && !html.contains("id=\"set-kind\""), "{html}");
        let admin = app.browser("admin").await;
        let html = admin.get(app.url("/outreach-kinds")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&html, "csrf");
        let r = admin
            .post(app.url("/outreach-kinds"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("key", "Science Fair!"),
                ("name_en", "Science fair"),
                ("name_fr", ""),
                ("position", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("value=\"Science fair\"") && html.contains("id=\"problems\""), "kept the form");
        let r = admin
            .post(app.url("/outreach-kinds"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("key", "science_fair"),
                ("name_en", "Science fair"),
                ("name_fr", "Foire scientifique"),
                ("position", "9"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Foire scientifique"));
        let html = seo.get(app.url("/outreach")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("value=\"science_fair\""), "offered when recording an event");
        let r = seo
            .post(app.url("/outreach-kinds"))
            .form(&[
                ("csrf", hidden(&html, "csrf").as_str()),
                ("key", "picnic"),
                ("name_en", "Picnic"),
                ("name_fr", "Pique-nique"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

/// The rows of a CSV or XLSX export, header left out.
/// Rows are padded to ten cells (a reader may leave trailing empty cells out).
fn export_rows(name: &str, bytes: &[u8]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> =
        opencpd_transfer::read_table(name, bytes).unwrap().rows.into_iter().map(|r| r.cells).collect();
    for r in &mut rows {
        r.resize(r.len().max(10), String::new());
    }
    rows
}

/// #16: the reach export hid the split's cells but its target rows printed them (a target
/// of women with 2 enrolled showed `enrolled=2`), and the API answered the raw counts to
/// every reader. Readers without row-level rights (a district officer) now read "<5" in the
/// export, the page and the API; system admins and national officers read the counts.
#[tokio::test]
async fn reach_target_row_with_2_enrolled_shows_less_than_5_to_a_district_officer() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let people = teachers(&app, "F", 2).await;
        cohort_with(&app, "HT", 20, &people).await;
        let programme = app.id_of("SELECT id FROM programmes WHERE code = $1", "HT").await;
        let admin = app.api("admin").await;
        let (_, mut edit) = json_of(admin.get(&format!("/api/v1/programmes/{programme}")).send().await.unwrap()).await;
        edit.as_object_mut().unwrap().remove("id");
        edit["targets"] =
            json!([{"label": "Women teachers enrolled", "measure": "enrolled", "value": 100, "sex": "F"}]);
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/programmes/{programme}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        let deo = app.api("deo.nyarugenge").await;
        let national = app.api("national.rw").await;

        for format in ["csv", "xlsx"] {
            let url = format!("/api/v1/programmes/{programme}/reach/export?format={format}&by=sex");
            let name = format!("reach.{format}");
            let rows = export_rows(&name, &deo.get(&url).send().await.unwrap().bytes().await.unwrap());
            let target = rows.iter().find(|r| r[0] == "target").cloned().unwrap_or_default();
            assert_eq!((target[5].as_str(), target[8].as_str()), ("<5", ""), "{backend:?} {format} {rows:?}");
            let total = rows.iter().find(|r| r[0] == "total").cloned().unwrap_or_default();
            assert_eq!(total[5], "<5", "a small total is a small count: {rows:?}");
            assert!(!rows.iter().flatten().any(|c| c == "2"), "no raw small count: {rows:?}");
            let note = rows.iter().find(|r| r[0] == "note").cloned().unwrap_or_default();
            assert!(note.get(2).is_some_and(|n| n.contains("<5")), "the export states the suppression: {rows:?}");
            // Row-level rights: the target's count itself.
            let rows = export_rows(&name, &national.get(&url).send().await.unwrap().bytes().await.unwrap());
            let target = rows.iter().find(|r| r[0] == "target").cloned().unwrap_or_default();
            assert_eq!((target[5].as_str(), target[8].as_str()), ("2", "2.0"), "{format} {rows:?}");
        }

        // The API: the district officer reads no raw small count; the admin reads them.
        let url = format!("/api/v1/programmes/{programme}/reach?by=sex");
        let (status, reach) = json_of(deo.get(&url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{reach}");
        assert_eq!(reach["targets"][0]["achieved"], "<5", "{reach}");
        assert_eq!(reach["targets"][0]["percent"], Value::Null, "{reach}");
        assert_eq!(reach["totals"]["enrolled"], "<5", "{reach}");
        assert_eq!(reach["rows"][0]["enrolled"], "<5", "{reach}");
        assert!(reach["suppression"].as_str().is_some_and(|s| s.contains("<5")), "{reach}");
        let numbers = |v: &Value| -> Vec<i64> {
            fn walk(v: &Value, out: &mut Vec<i64>) {
                match v {
                    Value::Number(n) => out.extend(n.as_i64()),
                    Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                    Value::Object(o) => o.iter().filter(|(k, _)| !k.ends_with("id")).for_each(|(_, x)| walk(x, out)),
                    _ => {}
                }
            }
            let mut out = Vec::new();
            walk(v, &mut out);
            out
        };
        assert!(!numbers(&reach).contains(&2), "{reach}");
        let (_, reach) = json_of(admin.get(&url).send().await.unwrap()).await;
        assert_eq!(
            (reach["targets"][0]["achieved"].as_i64(), reach["totals"]["enrolled"].as_i64()),
            (Some(2), Some(2))
        );

        // The page: the target's count hidden, no bar for it, and the rule stated.
        let page = app.browser("deo.nyarugenge").await;
        let html = page.get(app.url(&format!("/programmes/{programme}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("&lt;5") && html.contains("id=\"targets-suppression\""), "{html}");
        assert!(!html.contains("target-bar"), "no bar shows what the numbers hide: {html}");
        let page = app.browser("admin").await;
        let html = page.get(app.url(&format!("/programmes/{programme}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("target-bar") && !html.contains("id=\"targets-suppression\""), "{html}");
    }
}

/// #16: the outreach export printed `officials_female=4` although the threshold is 5.
#[tokio::test]
async fn outreach_export_hides_officials_female_4_from_a_district_officer() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let p = places(&app).await;
        let admin = app.api("admin").await;
        let mut event = camp(&p.school_in_code);
        event["participants"] = json!({"learners_female": 40, "learners_male": 35, "teachers_female": 12,
            "teachers_male": 9, "officials_female": 4, "officials_male": 6});
        let (status, body) = json_of(admin.post("/api/v1/outreach").json(&event).send().await.unwrap()).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        let column = |rows: &[Vec<String>], headers: &[String], name: &str| -> Vec<String> {
            let i = headers.iter().position(|h| h == name).unwrap();
            rows.iter().filter(|r| r[0] != "note").map(|r| r[i].clone()).collect()
        };
        for format in ["csv", "xlsx"] {
            let name = format!("outreach.{format}");
            let read = |bytes: &[u8]| {
                let table = opencpd_transfer::read_table(&name, bytes).unwrap();
                (table.headers.clone(), table.rows.into_iter().map(|r| r.cells).collect::<Vec<_>>())
            };
            let deo = app.api("deo.nyarugenge").await;
            let url = format!("/api/v1/outreach/export?format={format}");
            let (headers, rows) = read(&deo.get(&url).send().await.unwrap().bytes().await.unwrap());
            assert_eq!(column(&rows, &headers, "officials_female"), ["<5"], "{backend:?} {format} {rows:?}");
            // The only small count hides the next smallest, or 4 = total - the others.
            assert_eq!(column(&rows, &headers, "officials_male"), ["x"], "{rows:?}");
            assert_eq!(column(&rows, &headers, "learners_female"), ["40"], "{rows:?}");
            assert!(rows.iter().any(|r| r[0] == "note" && r[2].contains("<5")), "{rows:?}");
            let (headers, rows) = read(&admin.get(&url).send().await.unwrap().bytes().await.unwrap());
            assert_eq!(column(&rows, &headers, "officials_female"), ["4"], "row-level rights: {rows:?}");
            assert!(!rows.iter().any(|r| r[0] == "note"), "{rows:?}");
        }
    }
}

#[tokio::test]
async fn awards_are_listed_by_programme_unit_and_year_paged_exported_and_scoped() {
    for backend in backends() {
        let app = opencpd_testapp::delivery::start(backend).await;
        let admin = app.api("admin").await;
        let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
        let teacher = app.id_of("SELECT person_id FROM users WHERE username = $1", "teacher").await;
        let in_cameroon = app
            .id_of(
                "SELECT MIN(x.person_id) FROM positions x JOIN schools s ON s.id = x.school_id \
                 WHERE s.code LIKE $1 AND x.end_date IS NULL",
                "CM%",
            )
            .await;
        for (name, person, on, programme) in [
            ("Zebra prize 1", teacher, "2019-03-01", Some("LT2")),
            ("Zebra prize 2", teacher, "2019-05-01", Some("LT2")),
            ("Zebra prize 3", in_cameroon, "2019-06-01", Some("LT2")),
            ("Zebra prize 4", in_cameroon, "2018-07-01", None),
        ] {
            let award = json!({"person_id": person, "name": name, "awarded_on": on, "programme_code": programme});
            let (status, body) = json_of(admin.post("/api/v1/awards").json(&award).send().await.unwrap()).await;
            assert_eq!(status, 201, "{backend:?} {body}");
        }
        let names = |v: &Value| -> Vec<String> {
            v["items"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_string()).collect()
        };
        // Newest first by default; searched, filtered, sorted and paged.
        let (status, all) = json_of(admin.get("/api/v1/awards?q=zebra").send().await.unwrap()).await;
        assert_eq!(status, 200, "{all}");
        assert_eq!(all["total"], 4);
        assert_eq!(names(&all), ["Zebra prize 3", "Zebra prize 2", "Zebra prize 1", "Zebra prize 4"]);
        let (_, filtered) =
            json_of(admin.get(&format!("/api/v1/awards?q=zebra&programme_id={lt2}&year=2019")).send().await.unwrap())
                .await;
        assert_eq!(filtered["total"], 3, "{filtered}");
        let (_, second) =
            json_of(admin.get("/api/v1/awards?q=zebra&sort=name&dir=asc&per_page=2&page=2").send().await.unwrap())
                .await;
        assert_eq!(names(&second), ["Zebra prize 3", "Zebra prize 4"]);
        let gitega = app.id_of("SELECT id FROM units WHERE code = $1", "RW-10101").await;
        let (_, by_unit) =
            json_of(admin.get(&format!("/api/v1/awards?q=zebra&unit_id={gitega}")).send().await.unwrap()).await;
        assert_eq!(names(&by_unit), ["Zebra prize 2", "Zebra prize 1"]);
        let (status, bad) = json_of(admin.get("/api/v1/awards?sort=colour").send().await.unwrap()).await;
        assert_eq!((status, codes(&bad)), (422, vec![("bad-choice".to_string(), "sort".to_string())]));
        // Counts: the numbers themselves with row-level rights.
        let (_, counts) =
            json_of(admin.get(&format!("/api/v1/awards/counts?programme_id={lt2}&year=2019")).send().await.unwrap())
                .await;
        assert_eq!((counts["awards"].as_str(), counts["people"].as_str()), (Some("3"), Some("2")), "{counts}");

        // Scope: the sector officer reads Gitega's awards and nothing of Cameroon's, the
        // national officer of Cameroon the reverse; small counts are hidden from both.
        let seo = app.api("seo.gitega").await;
        let (_, seen) = json_of(seo.get("/api/v1/awards?q=zebra").send().await.unwrap()).await;
        assert_eq!(
            (seen["total"].as_i64(), names(&seen)),
            (Some(2), vec!["Zebra prize 2".into(), "Zebra prize 1".into()])
        );
        let (_, seen) = json_of(app.api("national.cm").await.get("/api/v1/awards?q=zebra").send().await.unwrap()).await;
        assert_eq!(names(&seen), ["Zebra prize 3", "Zebra prize 4"]);
        let (_, counts) =
            json_of(seo.get(&format!("/api/v1/awards/counts?programme_id={lt2}&year=2019")).send().await.unwrap())
                .await;
        assert_eq!(
            (counts["people"].as_str(), counts["small_cell_threshold"].as_i64()),
            (Some("<5"), Some(5)),
            "{counts}"
        );
        let r = seo.get("/api/v1/awards/export?format=csv&year=2019").send().await.unwrap();
        assert_eq!(r.status(), 200);
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("id,awarded_on,name"), "{csv}");
        assert!(csv.contains("Zebra prize 1") && !csv.contains("Zebra prize 3"), "the export keeps the scope: {csv}");
        let r = admin.get("/api/v1/awards/export?format=xlsx&q=zebra").send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"), "an XLSX file");

        // The page, in French, labels every value; the programme page links to it.
        let page = app.browser("seo.gitega").await;
        page.get(app.url("/lang/fr?next=/")).send().await.unwrap();
        let html = page
            .get(app.url(&format!("/awards?programme_id={lt2}&year=2019")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<h1>Distinctions</h1>") && html.contains("Zebra prize 1"), "{backend:?}: {html}");
        assert!(!html.contains("Zebra prize 3"), "out of scope");
        assert!(html.contains("<td data-label=\"Décernée à\">"), "{html}");
        let table = &html[html.find("id=\"awards\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        assert_eq!(table.matches("<td").count(), table.matches("<td data-label=").count(), "{table}");
        let programme = page.get(app.url(&format!("/programmes/{lt2}"))).send().await.unwrap().text().await.unwrap();
        assert!(programme.contains("id=\"programme-awards\""), "{programme}");
        assert!(programme.contains("enseignant"), "{programme}");
    }
}
