//! Instruments and submissions: XLSForm publication over the API, validation, scoring,
//! idempotent submissions, the field package and
//! exports with labels in a chosen language.

use opencpd_testapp::instruments::{good_answers, submission};
use opencpd_testapp::{Backend, TestApp, backends};
use serde_json::{Value, json};

async fn gitega_school(app: &TestApp) -> i64 {
    app.id_of("SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = $1", "RW-10101").await
}

#[tokio::test]
async fn submissions_are_validated_scored_and_stored_once() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("seo.gitega").await;
        let package: Value = api.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let gitega_schools = app
            .scalar("SELECT COUNT(*) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'")
            .await;
        assert_eq!(
            package["schools"].as_array().unwrap().len() as i64,
            gitega_schools,
            "{backend:?}: only the sector's schools"
        );
        assert!(package["people"].as_array().unwrap().len() > 10);
        let instrument = package["instruments"][0]["id"].as_i64().unwrap();
        // A district officer may take one sector; a unit outside the scope is not found.
        let deo = app.api("deo.nyarugenge").await;
        let sector: Value = deo.get("/api/v1/field/package?unit=RW-10101").send().await.unwrap().json().await.unwrap();
        assert_eq!(sector["schools"].as_array().unwrap().len() as i64, gitega_schools);
        let district: Value = deo.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert!(district["schools"].as_array().unwrap().len() > sector["schools"].as_array().unwrap().len());
        assert_eq!(
            api.get("/api/v1/field/package?unit=RW-10102").send().await.unwrap().status(),
            404,
            "another sector"
        );
        assert_eq!(api.get("/api/v1/field/package?unit=CM").send().await.unwrap().status(), 404, "another country");
        assert_eq!(package["instruments"][0]["form"]["form_id"], "lesson_observation");
        let school = gitega_school(&app).await;

        let uuid = uuid::Uuid::new_v4().to_string();
        let r = api
            .post("/api/v1/submissions")
            .json(&submission(&uuid, instrument, school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?}");
        let receipt: Value = r.json().await.unwrap();
        assert_eq!(receipt["duplicate"], false);
        let scores = receipt["scores"].as_array().unwrap();
        let teaching = scores.iter().find(|s| s["domain"] == "Leading teaching").unwrap();
        assert_eq!(
            (teaching["score"].as_f64(), teaching["max"].as_f64()),
            (Some(3.0), Some(6.0)),
            "choices 3 and 2 score 2 and 1"
        );
        let learning = scores.iter().find(|s| s["domain"] == "Leading learning").unwrap();
        assert_eq!(learning["score"].as_f64(), Some(3.0));

        // The same uuid again: the stored result, nothing new.
        let r = api
            .post("/api/v1/submissions")
            .json(&submission(&uuid, instrument, school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let again: Value = r.json().await.unwrap();
        assert_eq!((again["duplicate"].as_bool(), again["id"].as_i64()), (Some(true), receipt["id"].as_i64()));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, 1);

        // Bad submissions: a clear problem each, nothing stored.
        let mut missing = good_answers();
        missing.as_object_mut().unwrap().remove("agreed_action");
        let mut out_of_range = good_answers();
        out_of_range["learners_present"] = json!(400);
        let mut girls = good_answers();
        girls["girls_present"] = json!(60);
        let mut not_a_choice = good_answers();
        not_a_choice["feedback"] = json!("7");
        let mut early = good_answers();
        early["follow_up"] = json!("2026-01-01");
        let cases = [
            ("missing required", missing, "agreed_action"),
            ("out of range", out_of_range, "learners_present"),
            ("constraint on another answer", girls, "girls_present"),
            ("not a choice", not_a_choice, "feedback"),
            ("date constraint", early, "follow_up"),
        ];
        for (what, answers, column) in cases {
            let r = api
                .post("/api/v1/submissions")
                .json(&submission(&uuid::Uuid::new_v4().to_string(), instrument, school, answers))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{what}");
            let body: Value = r.json().await.unwrap();
            assert!(body["problems"].as_array().unwrap().iter().any(|p| p["column"] == column), "{what}: {body}");
        }
        let r = api
            .post("/api/v1/submissions")
            .json(&submission(&uuid::Uuid::new_v4().to_string(), 9999, school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "unknown instrument");
        let r = api
            .post("/api/v1/submissions")
            .json(&submission("not-a-uuid", instrument, school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "bad uuid");
        let r = api
            .post("/api/v1/submissions")
            .header("content-type", "application/json")
            .body("{\"uuid\": \"x\", \"answ")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "truncated body");
        let cm_school = app.id_of("SELECT MIN(id) FROM schools WHERE code LIKE $1", "CM%").await;
        let r = api
            .post("/api/v1/submissions")
            .json(&submission(&uuid::Uuid::new_v4().to_string(), instrument, cm_school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "a school outside the officer's scope");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, 1, "nothing stored by the bad ones");

        // Retired by another process while this one holds the form: the insert itself
        // refuses, and says why.
        let set_retired = |retired: bool| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query("UPDATE instruments SET retired = $1 WHERE id = $2")
                    .bind(retired)
                    .bind(instrument)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected()))
                .unwrap();
            }
        };
        // A new submission of the (retired) instrument: refused as such, nothing stored.
        let refused_as_retired = || async {
            let before = app.scalar("SELECT COUNT(*) FROM submissions").await;
            let r = api
                .post("/api/v1/submissions")
                .json(&submission(&uuid::Uuid::new_v4().to_string(), instrument, school, good_answers()))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 422, "{backend:?}");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["problems"][0]["code"], "retired-instrument", "{body}");
            assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, before);
        };
        set_retired(true).await;
        refused_as_retired().await;
        // Then from the database, the cached form gone.
        refused_as_retired().await;
        set_retired(false).await;

        // A school moved by another process while this one holds its place: a submission is
        // filed under where the school is now, and refused once it is out of scope.
        let move_school = |to: i64| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query(
                    "UPDATE schools SET unit_id = $1, unit_path = (SELECT path FROM units WHERE id = $1) WHERE id = $2"
                )
                .bind(to)
                .bind(school)
                .execute(p)
                .await
                .map(|r| r.rows_affected()))
                .unwrap();
            }
        };
        let home = app.id_of("SELECT unit_id FROM schools WHERE id = CAST($1 AS BIGINT)", &school.to_string()).await;
        let sibling = app
            .id_of(
                "SELECT MIN(u.id) FROM units u JOIN units h ON h.parent_id = u.parent_id \
                 WHERE h.id = CAST($1 AS BIGINT) AND u.id <> h.id",
                &home.to_string(),
            )
            .await;
        let send = |uuid: String| {
            let api = &api;
            async move {
                api.post("/api/v1/submissions")
                    .json(&submission(&uuid, instrument, school, good_answers()))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        let stored_path = |uuid: String| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query_scalar::<_, String>(
                    "SELECT subject_path FROM submissions WHERE uuid = $1"
                )
                .bind(uuid)
                .fetch_one(p)
                .await)
                .unwrap()
            }
        };
        let path_of = |unit: i64| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query_scalar::<_, String>("SELECT path FROM units WHERE id = $1")
                    .bind(unit)
                    .fetch_one(p)
                    .await)
                .unwrap()
            }
        };
        let before = app.scalar("SELECT COUNT(*) FROM submissions").await;
        let first = uuid::Uuid::new_v4().to_string();
        assert_eq!(send(first.clone()).await, 201, "{backend:?}");
        assert_eq!(stored_path(first).await, path_of(home).await);
        move_school(sibling).await;
        assert_eq!(send(uuid::Uuid::new_v4().to_string()).await, 404, "{backend:?}: moved out of the sector");
        move_school(home).await;
        // The place last read (the sibling sector, outside the officer's scope) is stale
        // again: read afresh, the school is theirs and the submission filed where it is now.
        let back = uuid::Uuid::new_v4().to_string();
        assert_eq!(send(back.clone()).await, 201, "{backend:?}");
        assert_eq!(stored_path(back).await, path_of(home).await, "filed where the school is now");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, before + 2);

        // A retired version takes no more.
        let admin = app.api("admin").await;
        assert_eq!(admin.post(&format!("/api/v1/instruments/{instrument}/retire")).send().await.unwrap().status(), 200);
        refused_as_retired().await;
    }
}

#[tokio::test]
async fn exports_have_one_row_a_submission_with_labels_in_the_chosen_language() {
    let app = TestApp::start(Backend::Sqlite).await;
    let api = app.api("seo.gitega").await;
    let school = gitega_school(&app).await;
    for _ in 0..3 {
        let r = api
            .post("/api/v1/submissions")
            .json(&submission(&uuid::Uuid::new_v4().to_string(), 1, school, good_answers()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Row by row: for those with row-level rights.
    let api = app.api("national.rw").await;
    let csv = api.get("/api/v1/instruments/1/export?format=csv&lang=fr").send().await.unwrap().text().await.unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.contains("Élèves présents") && header.contains("Leading teaching (score)"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows[0].contains("Établi") && rows[0].contains("Mathématiques") && rows[0].contains("seo.gitega"),
        "{}",
        rows[0]
    );
    // An export of several pages (1,000 a page) has each submission once, in order.
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2497) \
         INSERT INTO submissions (uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, \
         subject_id, subject_path, answers_json, scores_json) \
         SELECT 'copy-' || n.i, s.instrument_id, s.collected_by, s.collected_at, s.received_at, s.subject_kind, \
         s.subject_id, s.subject_path, s.answers_json, s.scores_json \
         FROM n, (SELECT * FROM submissions ORDER BY id LIMIT 1) s ORDER BY n.i"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let csv = api.get("/api/v1/instruments/1/export?format=csv").send().await.unwrap().text().await.unwrap();
    let uuids: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(uuids.len(), 2500);
    assert_eq!(&uuids[..3], &rows.iter().map(|r| r.split(',').next().unwrap()).collect::<Vec<_>>()[..]);
    let copies: Vec<String> = (1..=2497).map(|i| format!("copy-{i}")).collect();
    assert_eq!(uuids[3..], copies.iter().map(String::as_str).collect::<Vec<_>>()[..], "each once, in order");

    // Someone with no reach over the school sees none of them.
    let cm = app.api("national.cm").await;
    let csv = cm.get("/api/v1/instruments/1/export").send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "header only");
    let teacher = app.api("teacher").await;
    assert_eq!(teacher.get("/api/v1/instruments/1/export").send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn an_offline_edit_to_a_changed_record_is_kept_as_a_conflict_for_a_person_to_resolve() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let teacher = app.id_of("SELECT person_id FROM users WHERE username = $1", "teacher").await;
        let coach = app.api("seo.gitega").await;
        let head = app.api("head.gitega").await;
        let person: Value = coach.get(&format!("/api/v1/people/{teacher}")).send().await.unwrap().json().await.unwrap();
        let version = person["version"].as_i64().unwrap();
        let edit = |phone: &str, base: i64| json!({"uuid": uuid::Uuid::new_v4().to_string(), "entity": "person", "id": teacher, "base_version": base, "changes": {"phone": phone}});

        // Read offline at `version`, applied as nothing changed since.
        let first = edit("+250788111111", version);
        let r: Value = coach.post("/api/v1/field/edits").json(&first).send().await.unwrap().json().await.unwrap();
        assert_eq!(r["status"], "applied", "{backend:?} {r}");
        // Sent again: the same answer, applied once.
        let again: Value = coach.post("/api/v1/field/edits").json(&first).send().await.unwrap().json().await.unwrap();
        assert_eq!((again["status"].as_str(), again["id"].as_i64()), (Some("applied"), r["id"].as_i64()));

        // The head teacher's device read the old version too: its change is a conflict.
        let late = edit("+250788222222", version);
        let r: Value = head.post("/api/v1/field/edits").json(&late).send().await.unwrap().json().await.unwrap();
        assert_eq!(r["status"], "conflict");
        let now: Value = coach.get(&format!("/api/v1/people/{teacher}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(now["phone"], "+250788111111", "nothing overwritten");

        // Listed for those who may edit the person; a person decides.
        let listed: Value = coach.get("/api/v1/field/conflicts").send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let cm: Value =
            app.api("national.cm").await.get("/api/v1/field/conflicts").send().await.unwrap().json().await.unwrap();
        assert!(cm.as_array().unwrap().is_empty(), "not for someone without reach");
        let id = listed[0]["id"].as_i64().unwrap();
        let page =
            app.browser("seo.gitega").await.get(app.url("/conflicts")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("+250788222222") && page.contains("+250788111111"), "the page shows both values");
        let r = coach
            .post(&format!("/api/v1/field/conflicts/{id}/resolve"))
            .json(&json!({"action": "keep"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r: Value = coach
            .post(&format!("/api/v1/field/conflicts/{id}/resolve"))
            .json(&json!({"action": "apply"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["status"], "resolved_applied");
        let now: Value = coach.get(&format!("/api/v1/people/{teacher}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(now["phone"], "+250788222222");
        let r = coach
            .post(&format!("/api/v1/field/conflicts/{id}/resolve"))
            .json(&json!({"action": "discard"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409, "decided once");
        // Someone who may not edit people cannot send edits.
        let r = app
            .api("evaluator")
            .await
            .post("/api/v1/field/edits")
            .json(&edit("+250788333333", version + 2))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
}

fn about(uuid: &str, instrument: i64, kind: &str, id: i64) -> Value {
    json!({"uuid": uuid, "instrument_id": instrument, "collected_at": "2026-02-03T10:15:00Z",
           "subject": {"kind": kind, "id": id}, "answers": good_answers()})
}

#[tokio::test]
async fn submissions_about_sessions_and_cohorts_come_from_facilitators_and_participants() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        // A course, a cohort of it at Gitega's sector office, and one session.
        let admin = app.api("admin").await;
        let r = admin
            .post("/api/v1/courses")
            .json(
                &json!({"code": "REACT", "title": "Course REACT", "kind": "short_training", "modality": "face_to_face",
                          "hours": 6, "credits": 1, "min_attendance_pct": 50, "require_assessments_passed": false,
                          "modules": [{"code": "M1", "title": "Leading teaching", "hours": 6, "standards": ["SL3"]}],
                          "assessments": []}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?} {}", r.text().await.unwrap());
        let r = admin
            .post("/api/v1/cohorts")
            .json(&json!({"code": "GIT-REACT", "name": "Reaction cohort", "course_code": "REACT",
                          "unit_code": "RW-10101", "start_date": "2025-01-06", "end_date": "2098-12-31", "capacity": 30}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?} {}", r.text().await.unwrap());
        let cohort = app.id_of("SELECT id FROM cohorts WHERE code = $1", "GIT-REACT").await;
        let r = admin
            .post(&format!("/api/v1/cohorts/{cohort}/sessions"))
            .json(&json!({"held_on": "2025-03-04", "title": "Day 1", "hours": 6}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?} {}", r.text().await.unwrap());
        let session = app
            .id_of(
                "SELECT MAX(s.id) FROM sessions_held s JOIN cohorts c ON c.id = s.cohort_id WHERE c.code = $1",
                "GIT-REACT",
            )
            .await;
        let post = |api: &opencpd_testapp::Api, body: Value| {
            let r = api.post("/api/v1/submissions").json(&body);
            async move {
                let r = r.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap())
            }
        };
        let problem = |body: &Value| (body["problems"][0]["code"].clone(), body["problems"][0]["column"].clone());
        // The sector officer may facilitate at the cohort's unit: the package carries the
        // cohort and its session.
        let seo = app.api("seo.gitega").await;
        let package: Value = seo.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let listed = package["cohorts"].as_array().unwrap().iter().find(|c| c["id"] == cohort).cloned();
        assert_eq!(listed.map(|c| c["sessions"][0]["id"].clone()), Some(json!(session)), "{backend:?}");
        let (status, body) = post(&seo, about(&uuid::Uuid::new_v4().to_string(), 1, "session", session)).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        let (status, body) = post(&seo, about(&uuid::Uuid::new_v4().to_string(), 1, "cohort", cohort)).await;
        assert_eq!(status, 201, "{backend:?} {body}");

        // Unknown ids and someone neither facilitating nor enrolled: one problem naming the
        // field, nothing stored.
        let before = app.scalar("SELECT COUNT(*) FROM submissions").await;
        let (status, body) = post(&seo, about(&uuid::Uuid::new_v4().to_string(), 1, "session", 999_999)).await;
        assert_eq!((status, problem(&body)), (422, (json!("not-participant"), json!("subject.id"))), "{body}");
        let (status, body) = post(&seo, about(&uuid::Uuid::new_v4().to_string(), 1, "cohort", 999_999)).await;
        assert_eq!((status, problem(&body)), (422, (json!("not-participant"), json!("subject.id"))), "{body}");
        let teacher = app.api("teacher").await;
        let package: Value = teacher.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!(package["cohorts"], json!([]), "{backend:?}: not enrolled anywhere");
        let teacher_uuid = uuid::Uuid::new_v4().to_string();
        let (status, body) = post(&teacher, about(&teacher_uuid, 1, "session", session)).await;
        assert_eq!((status, problem(&body)), (422, (json!("not-participant"), json!("subject.id"))), "{body}");
        assert!(body["message"].as_str().unwrap().contains("session"), "{body}");
        let cm = app.api("national.cm").await;
        let (status, body) = post(&cm, about(&uuid::Uuid::new_v4().to_string(), 1, "cohort", cohort)).await;
        assert_eq!((status, problem(&body)), (422, (json!("not-participant"), json!("subject.id"))), "{body}");
        let (status, body) = post(&seo, about(&uuid::Uuid::new_v4().to_string(), 1, "plc_meeting", 1)).await;
        assert_eq!((status, problem(&body)), (422, (json!("bad-choice"), json!("subject.kind"))), "{body}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, before, "{backend:?}: nothing stored");

        // Once enrolled, the teacher answers about the session; the same uuid again is the
        // stored result.
        let person = app.id_of("SELECT person_id FROM users WHERE username = $1", "teacher").await;
        let r = admin
            .post(&format!("/api/v1/cohorts/{cohort}/enrolments"))
            .json(&json!({"person_id": person}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend:?} {}", r.text().await.unwrap());
        let package: Value = teacher.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!(package["cohorts"][0]["id"], cohort, "{backend:?}: the cohort they are enrolled in");
        assert_eq!(package["cohorts"][0]["participant"], true);
        let (status, body) = post(&teacher, about(&teacher_uuid, 1, "session", session)).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        let (status, again) = post(&teacher, about(&teacher_uuid, 1, "session", session)).await;
        assert_eq!((status, again["id"].clone()), (200, body["id"].clone()));
        let (status, body) = post(&teacher, about(&uuid::Uuid::new_v4().to_string(), 1, "cohort", cohort)).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        // The teacher reads their own; the export, read by a national officer, names the subjects.
        let stored: Value =
            teacher.get(&format!("/api/v1/submissions/{teacher_uuid}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(stored["subject"], json!({"kind": "session", "id": session}));
        let national = app.api("national.rw").await;
        let csv = national.get("/api/v1/instruments/1/export?format=csv").send().await.unwrap().text().await.unwrap();
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().contains("subject_kind,subject_id,subject,"), "{csv}");
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), 4, "{backend:?}: two by the officer, two by the teacher, all at the cohort's unit");
        assert!(rows.iter().any(|r| r.contains(&format!(",session,{session},GIT-REACT Day 1 2025-03-04,"))), "{csv}");
        assert!(rows.iter().any(|r| r.contains(&format!(",cohort,{cohort},GIT-REACT Reaction cohort,"))), "{csv}");
        let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
        assert!(doc["components"]["schemas"]["PackageCohort"].is_object(), "the package's cohorts are documented");
    }
}

#[tokio::test]
async fn offline_corrections_to_different_fields_of_one_person_both_apply_and_the_same_field_conflicts() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let teacher = app.id_of("SELECT person_id FROM users WHERE username = $1", "teacher").await;
        let coach = app.api("seo.gitega").await;
        let head = app.api("head.gitega").await;
        // The package carries what a device needs to say what it read.
        let package: Value = coach.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let read = package["people"].as_array().unwrap().iter().find(|p| p["id"] == teacher).unwrap().clone();
        let version = read["version"].as_i64().unwrap();
        let edit = |changes: Value, base: Value| {
            json!({"uuid": uuid::Uuid::new_v4().to_string(), "entity": "person",
            "id": teacher, "base_version": version, "changes": changes, "base": base})
        };
        let send = |api: &opencpd_testapp::Api, body: Value| {
            let r = api.post("/api/v1/field/edits").json(&body);
            async move {
                let r = r.send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            }
        };

        // Two devices read the same version; one corrects the e-mail and the name...
        let (status, r) = send(
            &coach,
            edit(
                json!({"email": "aline@school.rw", "given_name": "Aline"}),
                json!({"email": read["email"], "given_name": read["given_name"]}),
            ),
        )
        .await;
        assert_eq!((status, r["status"].as_str()), (200, Some("applied")), "{backend:?} {r}");
        // ...the other the phone and the year of birth: other fields, so it applies too.
        let (status, r) = send(
            &head,
            edit(
                json!({"phone": "+250788444444", "birth_year": 1990}),
                json!({"phone": read["phone"], "birth_year": read["birth_year"]}),
            ),
        )
        .await;
        assert_eq!((status, r["status"].as_str()), (200, Some("applied")), "{backend:?} {r}");
        let now: Value = coach.get(&format!("/api/v1/people/{teacher}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(
            (now["given_name"].as_str(), now["email"].as_str(), now["phone"].as_str(), now["birth_year"].as_i64()),
            (Some("Aline"), Some("aline@school.rw"), Some("+250788444444"), Some(1990))
        );
        assert_eq!(now["version"].as_i64(), Some(version + 2));

        // A third device read the old e-mail: its e-mail is a conflict, nothing overwritten.
        let (status, r) = send(&head, edit(json!({"email": "other@school.rw"}), json!({"email": read["email"]}))).await;
        assert_eq!((status, r["status"].as_str()), (200, Some("conflict")), "{backend:?} {r}");
        let now: Value = coach.get(&format!("/api/v1/people/{teacher}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(now["email"], "aline@school.rw");
        let page =
            app.browser("seo.gitega").await.get(app.url("/conflicts")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("other@school.rw") && page.contains("aline@school.rw"), "both values shown");

        // Bad values: a problem naming the field, nothing recorded.
        let edits_before = app.scalar("SELECT COUNT(*) FROM field_edits").await;
        let (status, r) = send(&coach, edit(json!({"birth_year": 1850}), json!({"birth_year": 1990}))).await;
        assert_eq!((status, r["problems"][0]["column"].as_str()), (422, Some("birth_year")), "{r}");
        let (status, r) = send(&coach, edit(json!({"email": "not-an-address"}), json!({}))).await;
        assert_eq!((status, r["problems"][0]["column"].as_str()), (422, Some("email")), "{r}");
        let (status, r) = send(&coach, edit(json!({}), json!({}))).await;
        assert_eq!((status, r["problems"][0]["column"].as_str()), (422, Some("changes")), "{r}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM field_edits").await, edits_before, "{backend:?}");
    }
}

/// Many devices syncing at once, so that the server stores them together: forty requests
/// in flight, ten UUIDs each sent four times at the same moment by one collector, store ten
/// submissions; each UUID is answered "created" once and "stored before" three times, with
/// the same id. In the same burst another collector sends one of those UUIDs (whoever comes
/// second is refused with a conflict) and an invalid submission is refused alone.
#[tokio::test]
async fn submissions_sent_at_once_store_each_uuid_once() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = std::sync::Arc::new(app.api("seo.gitega").await);
        let other = std::sync::Arc::new(app.api("national.rw").await);
        let package: Value = api.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let instrument = package["instruments"][0]["id"].as_i64().unwrap();
        let school = gitega_school(&app).await;
        let uuids: Vec<String> = (0..10).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        let invalid = uuid::Uuid::new_v4().to_string();
        let mut sends = Vec::new();
        let mut send = |who: &'static str, uuid: &str, answers: Value| {
            let api = if who == "other" { other.clone() } else { api.clone() };
            let (body, uuid) = (submission(uuid, instrument, school, answers), uuid.to_string());
            sends.push(tokio::spawn(async move {
                let r = api.post("/api/v1/submissions").json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                let receipt: Value = r.json().await.unwrap();
                (who, uuid, status, receipt["id"].as_i64(), receipt["duplicate"].as_bool())
            }));
        };
        for round in 0..4 {
            for uuid in &uuids {
                send("seo", uuid, good_answers());
            }
            if round == 1 {
                send("other", &uuids[0], good_answers());
                send("seo", &invalid, json!({"learners_present": -5}));
            }
        }
        let mut answers = Vec::new();
        for s in sends {
            answers.push(s.await.unwrap());
        }
        for uuid in &uuids {
            let mine: Vec<_> = answers.iter().filter(|a| &a.1 == uuid).collect();
            let created: Vec<_> = mine.iter().filter(|a| a.2 == 201 && a.4 == Some(false)).collect();
            assert_eq!(created.len(), 1, "{backend:?} {uuid}: {mine:?}");
            let creator = created[0].0;
            for a in &mine {
                if a.0 != creator {
                    assert_eq!(a.2, 409, "another collector's copy is a conflict: {mine:?}");
                } else if a.2 != 201 {
                    assert_eq!((a.2, a.4, a.3), (200, Some(true), created[0].3), "stored before: {mine:?}");
                }
            }
        }
        let refused: Vec<_> = answers.iter().filter(|a| a.1 == invalid).collect();
        assert_eq!(refused[0].2, 422, "{refused:?}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM submissions").await, 10);
    }
}

#[tokio::test]
async fn a_collectors_changed_access_takes_effect_on_their_next_submission() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let api = app.api("seo.gitega").await;
        let package: Value = api.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let instrument = package["instruments"][0]["id"].as_i64().unwrap();
        let school = gitega_school(&app).await;
        let body = || submission(&uuid::Uuid::new_v4().to_string(), instrument, school, good_answers());
        let send = |api: &opencpd_testapp::Api| {
            let request = api.post("/api/v1/submissions").json(&body());
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let count = || app.scalar("SELECT COUNT(*) FROM submissions");
        let officer = app.id_of("SELECT id FROM users WHERE username = $1", "seo.gitega").await;
        let home = app.id_of("SELECT id FROM units WHERE code = $1", "RW-10101").await;
        let other = app.id_of("SELECT id FROM units WHERE code = $1", "RW-10102").await;
        // Grants changed by another process, behind this server's back.
        let grant_sector = |unit: i64| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query("UPDATE grants SET unit_id = $1 WHERE user_id = $2")
                    .bind(unit)
                    .bind(officer)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected()))
                .unwrap();
            }
        };

        // The first submission caches the officer's token and grants.
        assert_eq!(send(&api).await, 201, "{backend:?}");
        let before = count().await;
        // Moved to another sector: the cached grants would still allow the school, and the
        // insert itself refuses them as changed; read afresh, the school is out of scope.
        grant_sector(other).await;
        assert_eq!(send(&api).await, 404, "{backend:?}: no longer the officer's school");
        assert_eq!(count().await, before, "{backend:?}: nothing stored");
        // Back in the sector: the cached grants (the other sector) refuse, and are read again.
        grant_sector(home).await;
        assert_eq!(send(&api).await, 201, "{backend:?}: the officer's school again");
        assert_eq!(count().await, before + 1);

        // A disabled account's token stores nothing, from the next submission on, and is
        // not told what it stored before.
        let sent = body();
        assert_eq!(api.post("/api/v1/submissions").json(&sent).send().await.unwrap().status(), 201);
        assert_eq!(api.post("/api/v1/submissions").json(&sent).send().await.unwrap().status(), 200, "stored before");
        let admin = opencpd_kernel::Actor::system();
        opencpd_kernel::accounts::set_disabled(&app.db.db, &admin, "seo.gitega", true).await.unwrap();
        let again = api.post("/api/v1/submissions").json(&sent).send().await.unwrap().status();
        assert_eq!(again, 401, "{backend:?}: the stored submission is not told to a disabled account");
        opencpd_kernel::accounts::set_disabled(&app.db.db, &admin, "seo.gitega", false).await.unwrap();
        assert_eq!(send(&api).await, 201, "{backend:?}: enabled");
        opencpd_kernel::accounts::set_disabled(&app.db.db, &admin, "seo.gitega", true).await.unwrap();
        assert_eq!(send(&api).await, 401, "{backend:?}: disabled");
        assert_eq!(count().await, before + 3, "{backend:?}: nothing stored");
        opencpd_kernel::accounts::set_disabled(&app.db.db, &admin, "seo.gitega", false).await.unwrap();
        assert_eq!(send(&api).await, 201, "{backend:?}: enabled again");

        // A browser session (the field app's sync) is cached alike, and ends with logout.
        let browser = app.browser("seo.gitega").await;
        let home_page = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        let csrf = opencpd_testapp::hidden(&home_page, "csrf");
        let sync = || {
            let request = browser.post(app.url("/api/v1/submissions")).header("x-csrf-token", &csrf).json(&body());
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(sync().await, 201, "{backend:?}: from the session");
        let stored = count().await;
        let r = browser.post(app.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(sync().await, 401, "{backend:?}: the session ended");
        assert_eq!(count().await, stored, "{backend:?}: nothing stored after logout");

        // A granted unit given another path changes its grantees' access stamp.
        let stamp = || app.id_of("SELECT access_stamp FROM users WHERE username = $1", "seo.gitega");
        let was = stamp().await;
        let set_path = |path: String| {
            let db = app.db.db.clone();
            async move {
                opencpd_kernel::on_db!(&db, |p| sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
                    .bind(path)
                    .bind(home)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected()))
                .unwrap();
            }
        };
        let path: String =
            opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(home)
                .fetch_one(p)
                .await)
            .unwrap();
        set_path("/moved/".into()).await;
        assert!(stamp().await > was, "{backend:?}: the stamp changed with the unit's path");
        set_path(path).await;
    }
}

/// #16: the only way to learn that 2 of the observed lessons were science was the
/// row-level export, which names the schools. A summary per question now gives counts and
/// percentages per choice, small counts hidden; the row-level export is kept to system
/// admins and national officers (a district officer gets 403 pointing to the summary).
#[tokio::test]
async fn the_survey_summary_hides_small_cells_and_a_district_officer_gets_it_but_not_the_rows() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let seo = app.api("seo.gitega").await;
        let school = gitega_school(&app).await;
        for (subject, n) in [("math", 6), ("english", 5), ("science", 2)] {
            for _ in 0..n {
                let mut answers = good_answers();
                answers["subject"] = json!(subject);
                let r = seo
                    .post("/api/v1/submissions")
                    .json(&submission(&uuid::Uuid::new_v4().to_string(), 1, school, answers))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "{backend:?}");
            }
        }
        let deo = app.api("deo.nyarugenge").await;
        let r = deo.get("/api/v1/instruments/1/summary").send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
        let summary: Value = r.json().await.unwrap();
        assert_eq!(summary["submissions"], "13", "{summary}");
        let question = summary["questions"].as_array().unwrap().iter().find(|q| q["name"] == "subject").unwrap();
        assert_eq!(question["answered"], "13");
        let choice = |name: &str| question["choices"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap();
        assert_eq!(choice("math")["overall"], json!({"count": "6", "percent": 46.2}), "{question}");
        assert_eq!(choice("science")["overall"], json!({"count": "<5", "percent": null}), "{question}");
        assert_eq!(choice("english")["overall"]["count"], "x", "or science = 13 - 6 - 5: {question}");
        assert_eq!(choice("french")["overall"]["count"], "0");
        let units = question["units"].as_array().unwrap();
        assert_eq!((units.len(), units[0]["name"].as_str()), (1, Some("Nyarugenge")), "{question}");
        assert_eq!(choice("science")["by_unit"][0]["count"], "<5", "{question}");
        let rubric =
            summary["questions"].as_array().unwrap().iter().find(|q| q["name"] == "objectives_shared").unwrap();
        assert_eq!(rubric["choices"][2]["overall"], json!({"count": "13", "percent": 100.0}), "{rubric}");
        assert!(summary["suppression"].as_str().unwrap().contains("<5"));
        let text = summary.to_string();
        assert!(!text.contains("\"count\":\"2\"") && !text.contains("\"answered\":\"2\""), "{summary}");

        // The same as CSV, with the rule stated.
        let csv = deo.get("/api/v1/instruments/1/summary/export?format=csv").send().await.unwrap();
        assert_eq!(csv.status(), 200);
        let table = opencpd_transfer::read_table("summary.csv", &csv.bytes().await.unwrap()).unwrap();
        let science: Vec<&Vec<String>> =
            table.rows.iter().map(|r| &r.cells).filter(|r| r[0] == "subject" && r[2] == "science").collect();
        let cell = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
        assert!(
            science.iter().any(|r| cell(r, 4) == "overall" && cell(r, 7) == "<5" && cell(r, 8).is_empty()),
            "{science:?}"
        );
        assert!(table.rows.iter().any(|r| r.cells[0] == "note" && r.cells[1].contains("<5")));

        // The page.
        let page = app.browser("deo.nyarugenge").await;
        let html = page.get(app.url("/instruments/1/summary")).send().await.unwrap().text().await.unwrap();
        assert!(
            html.contains("id=\"question-subject\"") && html.contains("&lt;5") && html.contains("id=\"suppression\"")
        );

        // Row-level: refused to the district officer, with the way to the summary.
        let r = deo.get("/api/v1/instruments/1/export?format=csv").send().await.unwrap();
        assert_eq!(r.status(), 403, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["problems"][0]["code"], "row-level-export", "{body}");
        assert!(body["message"].as_str().unwrap().contains("/api/v1/instruments/1/summary"), "{body}");
        let national = app.api("national.rw").await;
        let csv = national.get("/api/v1/instruments/1/export?format=csv").send().await.unwrap();
        assert_eq!(csv.status(), 200);
        assert_eq!(csv.text().await.unwrap().lines().count(), 14, "a header and 13 rows");
    }
}

/// The submissions a person may read, newest first, found by the name of the school they
/// are about: what an instrument's list shows and a coach's picker searches.
#[tokio::test]
async fn submissions_are_listed_newest_first_in_scope_and_found_by_what_they_are_about() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let seo = app.api("seo.gitega").await;
        let package: Value = seo.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let instrument = package["instruments"][0]["id"].as_i64().unwrap();
        let school = gitega_school(&app).await;
        let school_name = app
            .text(
                "SELECT name FROM schools WHERE id = (SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id \
                 WHERE u.code = 'RW-10101')",
            )
            .await;
        let mut uuids = Vec::new();
        for minute in ["10:15", "11:40"] {
            let uuid = uuid::Uuid::new_v4().to_string();
            let mut body = submission(&uuid, instrument, school, good_answers());
            body["collected_at"] = json!(format!("2026-02-03T{minute}:00Z"));
            let r = seo.post("/api/v1/submissions").json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201, "{backend:?}");
            uuids.push(uuid);
        }
        let list = |who: &opencpd_testapp::Api, query: &str| {
            let url = format!("/api/v1/submissions{query}");
            let request = who.get(&url);
            async move {
                let r = request.send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        // The sector officer who collected them finds them by the school's name, newest first.
        let q = school_name.split_whitespace().last().unwrap().to_lowercase();
        let (status, page) = list(&seo, &format!("?kind=observation&mine=true&q={q}")).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        let found: Vec<&str> = items.iter().map(|i| i["uuid"].as_str().unwrap()).collect();
        assert_eq!(found, [uuids[1].as_str(), uuids[0].as_str()], "{page}");
        assert_eq!(items[0]["subject"], json!(school_name));
        assert_eq!(items[0]["instrument_kind"], "observation");
        assert_eq!(items[0]["collected_by"], "seo.gitega");
        // Cameroon's officer does not read them; a teacher reads only their own.
        let (_, other) = list(&app.api("national.cm").await, "?mine=false").await;
        assert!(
            other["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| !uuids.contains(&i["uuid"].as_str().unwrap().to_string())),
            "{other}"
        );
        let (_, teacher) = list(&app.api("teacher").await, "").await;
        assert!(teacher["items"].as_array().unwrap().iter().all(|i| i["collected_by"] == "teacher"), "{teacher}");
        // Its page reads as the form does: labels, the choice's label, the scores.
        let browser = app.browser("seo.gitega").await;
        let page = browser.get(app.url(&format!("/submissions/{}", uuids[1]))).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("id=\"answers\"") && html.contains("Date of the lesson"), "{html}");
        assert!(html.contains("Clear explanation") && html.contains("id=\"scores\""), "{html}");
        assert!(html.contains(&format!("href=\"/schools/{school}\"")), "{html}");
        let cm = app.browser("national.cm").await;
        let page = cm.get(app.url(&format!("/submissions/{}", uuids[1]))).send().await.unwrap();
        assert_eq!(page.status(), 404, "out of scope");
        // A kind that is none is named.
        let (status, body) = list(&seo, "?kind=interview").await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("\"kind\""), "{body}");
    }
}

/// A coach's package carries the people they coach (with name and school) and the standards
/// a visit focuses on; someone who coaches nobody gets none, and the shape is the same.
#[tokio::test]
async fn a_coach_s_package_carries_their_coachees_and_the_standards() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
        let coach = app.id_of("SELECT person_id FROM users WHERE username = $1", "nll").await;
        let expected: Vec<(i64, String, Option<i64>)> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
            "SELECT r.coachee_id, b.family_name, r.coachee_school_id FROM coaching_relations r \
             JOIN people b ON b.id = r.coachee_id WHERE r.coach_id = $1 AND r.end_on IS NULL \
             ORDER BY b.family_name, b.given_name, r.coachee_id"
        )
        .bind(coach)
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(expected.len() >= 2, "{backend:?}: the demo's coach coaches local leaders");
        let nll = app.api("nll").await;
        let package: Value = nll.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        let coachees: Vec<(i64, String, Option<i64>)> = package["coachees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!((c["programme_code"].clone(), c["coach_id"].clone()), (json!("BLF"), json!(coach)));
                assert!(c["school_name"].is_string() && c["given_name"].is_string(), "{c}");
                (
                    c["coachee_id"].as_i64().unwrap(),
                    c["family_name"].as_str().unwrap().to_string(),
                    c["school_id"].as_i64(),
                )
            })
            .collect();
        assert_eq!(coachees, expected, "{backend:?}");
        // Their coachees' schools are in the package: the observation is about one of them.
        let schools: Vec<i64> =
            package["schools"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
        assert!(coachees.iter().all(|c| c.2.is_some_and(|s| schools.contains(&s))), "{backend:?}");
        let standards = package["standards"].as_array().unwrap();
        assert!(standards.iter().any(|s| s["code"] == "SL2" && s["name_fr"].is_string()), "{package}");
        // Someone who coaches nobody: none, and the rest as before.
        let seo = app.api("seo.gitega").await;
        let package: Value = seo.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!(package["coachees"], json!([]), "{backend:?}");
        assert!(package["instruments"].as_array().is_some_and(|i| !i.is_empty()));
    }
}

/// A coach's package carries their visit plan as the server's plan reads it (the API's own
/// answer, entry for entry); a facilitator's carries the PLCs they lead with their people
/// and the action points still open, for meetings recorded offline. Someone who coaches and
/// leads nothing gets neither, and the shape is the same.
#[tokio::test]
async fn a_coach_s_package_carries_their_visit_plan_and_the_plcs_they_facilitate() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
        let coach = app.id_of("SELECT person_id FROM users WHERE username = $1", "nll").await;
        let nll = app.api("nll").await;
        let package: Value = nll.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();

        // The visit plan: the term today falls in, the entries of GET …/plan.
        let plans = package["visit_plans"].as_array().unwrap();
        assert_eq!(plans.len(), 1, "{backend:?}: {package}");
        assert_eq!(plans[0]["coach_id"], json!(coach));
        let plan: Value =
            nll.get(&format!("/api/v1/coaching/coaches/{coach}/plan")).send().await.unwrap().json().await.unwrap();
        assert_eq!(plans[0]["entries"], plan, "{backend:?}");
        let entries = plan.as_array().unwrap();
        let coachees = package["coachees"].as_array().unwrap();
        assert_eq!(entries.len(), coachees.len(), "{backend:?}: every coachee planned");
        // Not visited this term first, then overdue follow-ups.
        let groups: Vec<i64> = entries
            .iter()
            .map(|e| {
                if e["visits_this_term"] == 0 {
                    0
                } else if e["overdue"] == true {
                    1
                } else {
                    2
                }
            })
            .collect();
        assert!(groups.windows(2).all(|w| w[0] <= w[1]), "{backend:?}: {plan}");
        let terms: Vec<Value> = nll.get("/api/v1/peer/terms").send().await.unwrap().json().await.unwrap();
        let today = opencpd_kernel::today().to_string();
        let current = terms
            .iter()
            .filter(|t| t["start_on"].as_str().unwrap() <= today.as_str())
            .max_by_key(|t| t["start_on"].as_str().unwrap().to_string())
            .unwrap();
        assert_eq!(&plans[0]["term"], current, "{backend:?}");

        // The PLCs they facilitate: the demo's district PLC of leaders of learning.
        let led: Vec<(i64, String)> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
            "SELECT plc_id, role FROM plc_people WHERE person_id = $1 AND role IN ('facilitator', 'supporting_officer') \
             ORDER BY plc_id"
        )
        .bind(coach)
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(!led.is_empty(), "{backend:?}: the demo's coach leads a PLC");
        let plcs = package["plcs"].as_array().unwrap();
        let found: Vec<(i64, String)> =
            plcs.iter().map(|g| (g["id"].as_i64().unwrap(), g["role"].as_str().unwrap().to_string())).collect();
        assert_eq!(found, led, "{backend:?}");
        for g in plcs {
            let id = g["id"].as_i64().unwrap();
            let people: Value =
                nll.get(&format!("/api/v1/plcs/{id}/people")).send().await.unwrap().json().await.unwrap();
            assert_eq!(g["people"], people, "{backend:?}");
            // Its open points: those a meeting held tomorrow would report on.
            let tomorrow = opencpd_kernel::today() + chrono::Duration::days(1);
            let open: Value = nll
                .get(&format!("/api/v1/plcs/{id}/carried-over?on={tomorrow}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(g["open_points"], open, "{backend:?}");
            assert!(!open.as_array().unwrap().is_empty(), "{backend:?}: the demo leaves a point open");
            assert!(
                g["open_points"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|p| p["status"] == "open" || p["status"] == "in_progress")
            );
        }

        // Someone who coaches and leads nothing: neither.
        let teacher = app.api("teacher").await;
        let package: Value = teacher.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!((&package["visit_plans"], &package["plcs"]), (&json!([]), &json!([])), "{backend:?}");
    }
}

/// The package names the account's e-mail and phone (the person it is linked to holds them),
/// which the field app fills a form's `email` and `phonenumber` metadata with; an account
/// linked to no one, or to a person without them, has none.
#[tokio::test]
async fn the_field_package_gives_the_accounts_email_and_phone_from_its_person() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let person = app.scalar("SELECT person_id FROM users WHERE username = 'teacher'").await;
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE people SET email = $1, phone = $2 WHERE id = $3")
            .bind("teacher@example.org")
            .bind("+250788000111")
            .bind(person)
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let package: Value =
            app.api("teacher").await.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!(package["user"]["email"], "teacher@example.org", "{backend:?}");
        assert_eq!(package["user"]["phone"], "+250788000111");
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
            "UPDATE people SET email = NULL, phone = ' ' WHERE id = $1"
        )
        .bind(person)
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let package: Value =
            app.api("teacher").await.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!((&package["user"]["email"], &package["user"]["phone"]), (&Value::Null, &Value::Null));
        let package: Value =
            app.api("seo.gitega").await.get("/api/v1/field/package").send().await.unwrap().json().await.unwrap();
        assert_eq!(package["user"]["username"], "seo.gitega");
        assert_eq!(
            (&package["user"]["email"], &package["user"]["phone"]),
            (&Value::Null, &Value::Null),
            "linked to no one"
        );
    }
}
