//! The `/api/v1` routes through the app, with real accounts and bearer tokens: every new
//! route answered for a reader in scope, refused (404) for one out of scope, 401 without a
//! credential; bad bodies are 422 naming the field.

use crate::helpers::*;
use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_peer::web::AREA;
use opencpd_testkit::api::{Api, token};
use opencpd_testkit::backends;
use serde_json::json;

#[tokio::test]
async fn every_route_answers_in_scope_refuses_out_of_scope_and_asks_for_a_credential() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let admin = token(db, "admin", AccountRole::SystemAdmin, None).await;
        let gasabo = token(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        let huye = token(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let (a, g, h) = (Some(admin.as_str()), Some(gasabo.as_str()), Some(huye.as_str()));

        // Set-up by the deployment's managers; a district officer may not.
        let term = json!({"name": "T1", "start_on": days_ago(60).to_string(), "end_on": (today() + chrono::Duration::days(60)).to_string()});
        assert_eq!(api.call(g, "POST", "/api/v1/peer/terms", Some(term.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(api.call(a, "POST", "/api/v1/peer/terms", Some(term)).await.0, StatusCode::CREATED);
        let (s, model) = api
            .call(
                a,
                "POST",
                "/api/v1/plc-models",
                Some(json!({"code": "M", "name": "Model", "steps": ["Review", "Plan"]})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let model_id = model["id"].as_i64().unwrap();
        // An unknown field is named.
        let (s, body) = api
            .call(
                a,
                "POST",
                "/api/v1/plc-models",
                Some(json!({"code": "M2", "name": "M", "steps": ["a"], "colour": 1})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("colour"), "{body}");

        let plc = json!({"code": "PLC-KIM", "name": "Kimironko", "level": "sector", "unit_code": "KIM",
            "meetings_per_term": 3, "facilitators": [Registry::OFFICER], "members": [Registry::TEACHER_A]});
        let (s, body) = api.call(h, "POST", "/api/v1/plcs", Some(plc.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (s, created) = api.call(g, "POST", "/api/v1/plcs", Some(plc)).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let plc_id = created["id"].as_i64().unwrap();
        let meeting = json!({"held_on": days_ago(3).to_string(), "attendance": [Registry::TEACHER_A, Registry::TEACHER_B],
            "action_points": [{"title": "Observe", "owner_id": Registry::TEACHER_A, "due_on": today().to_string()}]});
        assert_eq!(
            api.call(h, "POST", &format!("/api/v1/plcs/{plc_id}/meetings"), Some(meeting.clone())).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, m) = api.call(g, "POST", &format!("/api/v1/plcs/{plc_id}/meetings"), Some(meeting)).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["attendance"][1]["guest"], json!(true), "{m}");
        let meeting_id = m["id"].as_i64().unwrap();
        let point_id = m["action_points"][0]["id"].as_i64().unwrap();
        let (s, bad) = api
            .call(
                g,
                "POST",
                &format!("/api/v1/plcs/{plc_id}/meetings"),
                Some(json!({"held_on": today().to_string(),
                "action_points": [{"title": "Nobody's", "due_on": today().to_string()}]})),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.to_string().contains("action_points[0].owner_id"), "{bad}");

        for rel in [(Registry::ADVISOR, Registry::NATIONAL_LEADER), (Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER)]
        {
            let body = json!({"programme_code": "BLF", "coach_id": rel.0, "coachee_id": rel.1, "start_on": days_ago(50).to_string()});
            assert_eq!(api.call(g, "POST", "/api/v1/coaching/relations", Some(body)).await.0, StatusCode::CREATED);
        }
        let loop_back = json!({"programme_code": "BLF", "coach_id": Registry::LOCAL_LEADER, "coachee_id": Registry::ADVISOR, "start_on": today().to_string()});
        let (s, body) = api.call(a, "POST", "/api/v1/coaching/relations", Some(loop_back)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("coachee_id"), "{body}");
        let visit = json!({"uuid": uuid::Uuid::new_v4().to_string(), "programme_code": "BLF", "coach_id": Registry::ADVISOR,
            "coachee_id": Registry::NATIONAL_LEADER, "visited_on": days_ago(1).to_string()});
        assert_eq!(api.call(h, "POST", "/api/v1/coaching/visits", Some(visit.clone())).await.0, StatusCode::NOT_FOUND);
        let (s, v) = api.call(g, "POST", "/api/v1/coaching/visits", Some(visit.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(api.call(g, "POST", "/api/v1/coaching/visits", Some(visit)).await.0, StatusCode::OK, "sent twice");
        let visit_id = v["id"].as_i64().unwrap();
        let bands = json!({"domain": "*", "lang": "en", "bands": [{"min": 0, "max": 100, "label": "All", "feedback": "Keep going"}]});
        assert_eq!(api.call(g, "PUT", "/api/v1/feedback-bands", Some(bands.clone())).await.0, StatusCode::FORBIDDEN);
        assert_eq!(api.call(a, "PUT", "/api/v1/feedback-bands", Some(bands)).await.0, StatusCode::OK);

        let study = json!({"code": "LS-1", "plc_code": "PLC-KIM", "grade": "P4", "topic": "Fractions"});
        let (s, ls) = api.call(g, "POST", "/api/v1/lesson-studies", Some(study)).await;
        assert_eq!(s, StatusCode::CREATED, "{ls}");
        let ls_id = ls["id"].as_i64().unwrap();
        let stage = json!({"stage": "teach_observe", "version": 1});
        assert_eq!(
            api.call(h, "PUT", &format!("/api/v1/lesson-studies/{ls_id}/stage"), Some(stage.clone())).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call(g, "PUT", &format!("/api/v1/lesson-studies/{ls_id}/stage"), Some(stage)).await.0,
            StatusCode::OK
        );
        let video = json!({"url": "https://example.org/v", "title": "Fractions", "source": "REB"});
        assert_eq!(
            api.call(h, "POST", &format!("/api/v1/lesson-studies/{ls_id}/videos"), Some(video.clone())).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call(g, "POST", &format!("/api/v1/lesson-studies/{ls_id}/videos"), Some(video)).await.0,
            StatusCode::OK
        );
        add_submission(db, 700, Registry::TEACHER_A, &[("SL2", 4.0, 8.0)]).await;
        let obs = json!({"person_id": Registry::TEACHER_B, "submission_id": 700});
        assert_eq!(
            api.call(h, "POST", &format!("/api/v1/lesson-studies/{ls_id}/observations"), Some(obs.clone())).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call(g, "POST", &format!("/api/v1/lesson-studies/{ls_id}/observations"), Some(obs)).await.0,
            StatusCode::OK
        );
        let update = json!({"id": point_id, "status": "done", "version": 1});
        assert_eq!(
            api.call(h, "PUT", &format!("/api/v1/action-points/{point_id}"), Some(update.clone())).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            api.call(g, "PUT", &format!("/api/v1/action-points/{point_id}"), Some(update)).await.0,
            StatusCode::OK
        );

        // Reads: in scope 200, out of scope 404 (lists and reports empty), no credential 401.
        let reads = [
            (format!("/api/v1/plcs/{plc_id}"), true),
            (format!("/api/v1/plcs/{plc_id}/people"), true),
            (format!("/api/v1/plcs/{plc_id}/meetings"), true),
            (format!("/api/v1/plcs/{plc_id}/carried-over?on={}", today()), true),
            (format!("/api/v1/plc-meetings/{meeting_id}"), true),
            (format!("/api/v1/action-points/{point_id}/history"), true),
            (format!("/api/v1/lesson-studies/{ls_id}"), true),
            (format!("/api/v1/coaching/visits/{visit_id}"), true),
            (format!("/api/v1/coaching/coaches/{}/plan", Registry::ADVISOR), true),
            (format!("/api/v1/coaching/coaches/{}/visits/export?format=xlsx", Registry::ADVISOR), true),
            ("/api/v1/plcs".to_string(), false),
            ("/api/v1/peer/terms".to_string(), false),
            (format!("/api/v1/plc-models/{model_id}"), false),
            ("/api/v1/coaching/relations?programme=BLF".to_string(), false),
            ("/api/v1/peer/reports/cascade?programme=BLF".to_string(), false),
            ("/api/v1/peer/reports/head-teachers-visited?level=district".to_string(), false),
            ("/api/v1/peer/reports/plc-regularity".to_string(), false),
            ("/api/v1/peer/reports/action-points".to_string(), false),
            ("/api/v1/peer/reports/leaders-of-learning?level=district".to_string(), false),
        ];
        for (uri, scoped) in &reads {
            assert_eq!(api.call(None, "GET", uri, None).await.0, StatusCode::UNAUTHORIZED, "{uri}");
            let (s, body) = api.call(g, "GET", uri, None).await;
            assert_eq!(s, StatusCode::OK, "{uri}: {body}");
            let (s, body) = api.call(h, "GET", uri, None).await;
            if *scoped {
                assert_eq!(s, StatusCode::NOT_FOUND, "{uri}: {body}");
            } else {
                assert_eq!(s, StatusCode::OK, "{uri}: {body}");
            }
        }
        // Out of scope, lists and reports hold nothing of Gasabo.
        assert_eq!(api.call(h, "GET", "/api/v1/plcs", None).await.1, json!([]));
        assert_eq!(api.call(h, "GET", "/api/v1/coaching/relations?programme=BLF", None).await.1, json!([]));
        let (_, r) = api.call(h, "GET", "/api/v1/peer/reports/head-teachers-visited?level=district", None).await;
        assert_eq!(r["rows"].as_array().map(Vec::len), Some(1), "{r}");
        assert_eq!(r["rows"][0]["unit_name"], json!("Huye"), "{r}");
        let (_, r) = api.call(g, "GET", "/api/v1/peer/reports/head-teachers-visited?level=district", None).await;
        assert_eq!(r["rows"][0]["unit_name"], json!("Gasabo"), "{r}");
        assert_eq!(r["rows"][0]["head_teachers"]["text"], json!("<5"), "a district officer reads suppressed counts");
        let (s, r) = api.call(g, "GET", "/api/v1/peer/reports/plc-regularity?level=village", None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        // A coach's visits as CSV, with the instrument of the observation.
        let visit = json!({"uuid": uuid::Uuid::new_v4().to_string(), "programme_code": "BLF", "coach_id": Registry::ADVISOR,
            "coachee_id": Registry::NATIONAL_LEADER, "visited_on": today().to_string(), "submission_id": 700, "focus": [2]});
        assert_eq!(api.call(g, "POST", "/api/v1/coaching/visits", Some(visit)).await.0, StatusCode::CREATED);
        let (status, csv) = api
            .text(&gasabo, "GET", &format!("/api/v1/coaching/coaches/{}/visits/export", Registry::ADVISOR), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("visited_on,programme,coachee_id,coachee,instrument"), "{csv}");
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(lines[2].contains("P Nll") && lines[2].contains("OBS 1") && lines[2].contains("SL2"), "{csv}");
        // Every route is in the OpenAPI document (with the shared import route).
        let doc = opencpd_http::openapi_document(&[&AREA]);
        let paths: Vec<&String> = doc.paths.paths.keys().filter(|p| *p != "/api/v1/imports/{kind}").collect();
        assert_eq!(paths.len(), 29, "{paths:?}");
    }
}

#[tokio::test]
async fn a_plc_is_edited_through_the_api_on_its_version_within_scope_naming_what_is_wrong() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let gasabo = token(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        let huye = token(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let reader = token(db, "reader", AccountRole::Evaluator, None).await;
        let (g, h, r) = (Some(gasabo.as_str()), Some(huye.as_str()), Some(reader.as_str()));
        let plc = json!({"code": "PLC-KIM", "name": "Kimironko", "level": "sector", "unit_code": "KIM",
            "meetings_per_term": 3, "facilitators": [Registry::OFFICER], "members": [Registry::TEACHER_A]});
        let (s, created) = api.call(g, "POST", "/api/v1/plcs", Some(plc)).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        assert_eq!(created["version"], json!(1));
        let uri = format!("/api/v1/plcs/{}", created["id"]);
        let edit = json!({"name": "Kimironko PLC", "level": "sector", "unit_code": "KIM", "meetings_per_term": 2,
            "facilitators": [Registry::OFFICER], "members": [Registry::TEACHER_A, Registry::TEACHER_B], "version": 1});
        assert_eq!(api.call(h, "PUT", &uri, Some(edit.clone())).await.0, StatusCode::NOT_FOUND);
        assert_eq!(api.call(r, "PUT", &uri, Some(edit.clone())).await.0, StatusCode::FORBIDDEN);
        // Unknown fields and unknown people are named; nothing changes.
        let mut unknown = edit.clone();
        unknown["colour"] = json!("blue");
        let (s, body) = api.call(g, "PUT", &uri, Some(unknown)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("colour"), "{body}");
        let mut nobody = edit.clone();
        nobody["members"] = json!([9999]);
        nobody["facilitators"] = json!([Registry::HEAD_TUMBA]);
        let (s, body) = api.call(g, "PUT", &uri, Some(nobody)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("members[0]") && body.to_string().contains("facilitators[0]"), "{body}");
        assert_eq!(api.call(g, "GET", &uri, None).await.1["name"], json!("Kimironko"));
        let (s, edited) = api.call(g, "PUT", &uri, Some(edit.clone())).await;
        assert_eq!(s, StatusCode::OK, "{edited}");
        assert_eq!((edited["name"].clone(), edited["version"].clone()), (json!("Kimironko PLC"), json!(2)));
        let (_, people) = api.call(g, "GET", &format!("{uri}/people"), None).await;
        assert_eq!(people.as_array().unwrap().len(), 3, "{people}");
        // The same edit on the version read before: a conflict.
        let (s, body) = api.call(g, "PUT", &uri, Some(edit)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");

        // The models and the lesson studies are listed too.
        let (s, models) = api.call(g, "GET", "/api/v1/plc-models", None).await;
        assert_eq!((s, models), (StatusCode::OK, json!([])));
        let study = json!({"code": "LS-1", "plc_code": "PLC-KIM", "grade": "P4", "topic": "Fractions"});
        assert_eq!(api.call(g, "POST", "/api/v1/lesson-studies", Some(study)).await.0, StatusCode::CREATED);
        let (s, list) = api.call(g, "GET", "/api/v1/lesson-studies?q=fract", None).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert_eq!((list["total"].clone(), list["items"][0]["plc_name"].clone()), (json!(1), json!("Kimironko PLC")));
        let (s, list) = api.call(h, "GET", "/api/v1/lesson-studies", None).await;
        assert_eq!((s, list["total"].clone()), (StatusCode::OK, json!(0)));
        assert_eq!(
            api.call(g, "GET", "/api/v1/lesson-studies?sort=nope", None).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}

#[tokio::test]
async fn an_artefact_is_uploaded_within_its_limits_and_read_back_as_its_lesson_study_is() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let gasabo = token(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        let huye = token(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let g = Some(gasabo.as_str());
        let plc = json!({"code": "PLC-KIM", "name": "Kimironko", "level": "sector", "unit_code": "KIM", "meetings_per_term": 3});
        assert_eq!(api.call(g, "POST", "/api/v1/plcs", Some(plc)).await.0, StatusCode::CREATED);
        let study = json!({"code": "LS-1", "plc_code": "PLC-KIM", "grade": "P4", "topic": "Fractions"});
        let (_, ls) = api.call(g, "POST", "/api/v1/lesson-studies", Some(study)).await;
        let uri = format!("/api/v1/lesson-studies/{}/artefacts?kind=lesson_plan&file_name=plan.pdf", ls["id"]);
        let pdf = format!("%PDF-1.4 the plan of {}", uuid::Uuid::new_v4()).into_bytes();
        let a = api.send_file(&huye, "POST", &uri, pdf.clone()).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND);
        let a = api.send_file(&gasabo, "POST", &uri, b"MZ\x90\x00 not a plan".to_vec()).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.text().contains("\"file\""), "{}", a.text());
        let bad_kind = uri.replace("lesson_plan", "poster");
        let a = api.send_file(&gasabo, "POST", &bad_kind, pdf.clone()).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(a.text().contains("\"kind\""), "{}", a.text());
        assert_eq!(count(db, "SELECT COUNT(*) FROM lesson_study_artefacts").await, 0);
        let a = api.send_file(&gasabo, "POST", &uri, pdf.clone()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        assert_eq!(a.json()["size_bytes"], json!(pdf.len()));
        let file = api.send(Some(&gasabo), "GET", &format!("/api/v1/lesson-study-artefacts/{id}"), None).await;
        assert_eq!((file.status, file.body.clone()), (StatusCode::OK, pdf.clone()));
        let file = api.send(Some(&huye), "GET", &format!("/api/v1/lesson-study-artefacts/{id}"), None).await;
        assert_eq!(file.status, StatusCode::NOT_FOUND);
        // The same file is taken again, for another cycle too (the store keeps it once).
        let other = json!({"code": "LS-2", "plc_code": "PLC-KIM", "grade": "P5", "topic": "Decimals"});
        let (_, ls2) = api.call(g, "POST", "/api/v1/lesson-studies", Some(other)).await;
        let uri2 = format!("/api/v1/lesson-studies/{}/artefacts?kind=other&file_name=plan.pdf", ls2["id"]);
        assert_eq!(api.send_file(&gasabo, "POST", &uri2, pdf).await.status, StatusCode::CREATED);
    }
}

/// The field app's way: a coach sends a visit naming its observation by the uuid the
/// submission was sent with and gets its feedback; sent again (a retry) it is stored once;
/// someone naming themselves coach of a person they do not coach is refused, the field named.
#[tokio::test]
async fn a_coach_s_visit_names_its_observation_by_client_id_and_a_retry_stores_it_once() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let admin = token(db, "admin", AccountRole::SystemAdmin, None).await;
        let nll = token(db, "nll", AccountRole::Mentor, Some("S10")).await;
        let lll = token(db, "lll", AccountRole::Mentor, Some("S11")).await;
        for (user, person) in [("nll", Registry::NATIONAL_LEADER), ("lll", Registry::LOCAL_LEADER)] {
            opencpd_kernel::on_db!(db, |p| sqlx::query("UPDATE users SET person_id = $1 WHERE username = $2")
                .bind(person)
                .bind(user)
                .execute(p)
                .await
                .map(|_| ()))
            .unwrap();
        }
        let (a, n, l) = (Some(admin.as_str()), Some(nll.as_str()), Some(lll.as_str()));
        for rel in [(Registry::ADVISOR, Registry::NATIONAL_LEADER), (Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER)]
        {
            let body = json!({"programme_code": "BLF", "coach_id": rel.0, "coachee_id": rel.1, "start_on": days_ago(50).to_string()});
            assert_eq!(api.call(a, "POST", "/api/v1/coaching/relations", Some(body)).await.0, StatusCode::CREATED);
        }
        let bands = json!({"domain": "*", "lang": "en", "bands": [
            {"min": 0, "max": 49.9, "label": "Emerging", "feedback": "Plan one change"},
            {"min": 50, "max": 100, "label": "Secure", "feedback": "Share it at the PLC"}]});
        assert_eq!(api.call(a, "PUT", "/api/v1/feedback-bands", Some(bands)).await.0, StatusCode::OK);
        let observation =
            add_submission(db, 500, Registry::LOCAL_LEADER, &[("SL1", 6.0, 8.0), ("SL2", 2.0, 8.0)]).await;

        let visit = json!({"uuid": uuid::Uuid::new_v4().to_string(), "programme_code": "BLF",
            "coach_id": Registry::NATIONAL_LEADER, "coachee_id": Registry::LOCAL_LEADER, "visited_on": today().to_string(),
            "focus": [], "submission_uuid": observation, "agreed_actions": "Try pair work",
            "next_visit_on": (today() + chrono::Duration::days(30)).to_string()});
        let (s, v) = api.call(n, "POST", "/api/v1/coaching/visits", Some(visit.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["submission_id"], json!(500));
        let texts: Vec<&str> = v["feedback"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
        assert_eq!(texts, vec!["Share it at the PLC", "Plan one change"]);
        // The retry of a sync cut off: the same visit, nothing written again.
        let (s, again) = api.call(n, "POST", "/api/v1/coaching/visits", Some(visit.clone())).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(again["id"], v["id"]);
        assert_eq!(again["feedback"], v["feedback"]);
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_visits").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity = 'coaching_visit'").await, 1);

        let fresh_uuid = || uuid::Uuid::new_v4().to_string();
        let refused = |body: serde_json::Value| {
            let mut visit = visit.clone();
            visit["uuid"] = json!(fresh_uuid());
            for (k, v) in body.as_object().unwrap() {
                visit[k] = v.clone();
            }
            visit
        };
        // An observation the server does not know, or one that is not the submission named by id.
        let (s, body) = api
            .call(n, "POST", "/api/v1/coaching/visits", Some(refused(json!({"submission_uuid": fresh_uuid()}))))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["column"], json!("submission_uuid"), "{body}");
        assert_eq!(body["problems"][0]["code"], json!("unknown-submission"), "{body}");
        add_submission(db, 501, Registry::LOCAL_LEADER, &[("SL1", 1.0, 8.0)]).await;
        let (s, body) =
            api.call(n, "POST", "/api/v1/coaching/visits", Some(refused(json!({"submission_id": 501})))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["code"], json!("submission-mismatch"), "{body}");
        // The local leader does not coach the national leader: refused, naming the coach.
        let wrong = refused(json!({"coach_id": Registry::LOCAL_LEADER, "coachee_id": Registry::NATIONAL_LEADER,
            "submission_uuid": null}));
        let (s, body) = api.call(l, "POST", "/api/v1/coaching/visits", Some(wrong)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["problems"][0]["column"], json!("coach_id"), "{body}");
        assert_eq!(body["problems"][0]["code"], json!("not-the-coach"), "{body}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_visits").await, 1, "nothing stored by the refusals");
    }
}

/// A meeting sent with the client id its device made (the field app's way) is stored once:
/// sent again, even after the point it closes has moved on, the same meeting is answered
/// (200) and nothing is written twice; the id is read whatever its case, and one that is
/// not a UUID is refused naming `uuid`. Meetings without one (the pages') are each new.
#[tokio::test]
async fn a_meeting_sent_again_with_its_client_id_is_answered_as_stored_and_written_once() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let gasabo = token(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        let g = Some(gasabo.as_str());
        let plc = json!({"code": "PLC-KIM", "name": "Kimironko", "level": "sector", "unit_code": "KIM",
            "meetings_per_term": 3, "facilitators": [Registry::OFFICER], "members": [Registry::TEACHER_A, Registry::TEACHER_B]});
        let (s, created) = api.call(g, "POST", "/api/v1/plcs", Some(plc)).await;
        assert_eq!(s, StatusCode::CREATED, "{created}");
        let route = format!("/api/v1/plcs/{}/meetings", created["id"]);
        // An earlier meeting leaves a point open.
        let earlier = json!({"held_on": days_ago(20).to_string(), "attendance": [Registry::TEACHER_A],
            "action_points": [{"title": "Observe", "owner_id": Registry::TEACHER_A, "due_on": days_ago(5).to_string()}]});
        let (s, m) = api.call(g, "POST", &route, Some(earlier)).await;
        assert_eq!(s, StatusCode::CREATED, "{m}");
        assert_eq!(m["uuid"], json!(null), "{m}");
        let open = &m["action_points"][0];

        let uuid = uuid::Uuid::new_v4().to_string();
        let meeting = json!({"uuid": uuid, "held_on": days_ago(2).to_string(), "standards": [1],
            "attendance": [Registry::TEACHER_A, Registry::TEACHER_C], "notes": "Reading corners",
            "action_points": [{"title": "Share the plan", "owner_id": Registry::TEACHER_C, "due_on": today().to_string()}],
            "updates": [{"id": open["id"], "status": "done", "version": open["version"]}]});
        let (s, first) = api.call(g, "POST", &route, Some(meeting.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{first}");
        assert_eq!(first["uuid"], json!(uuid), "{first}");
        let counts = async || {
            let mut out = Vec::new();
            for sql in [
                "SELECT COUNT(*) FROM plc_meetings",
                "SELECT COUNT(*) FROM plc_action_points",
                "SELECT COUNT(*) FROM plc_attendance",
                "SELECT COUNT(*) FROM plc_meeting_standards",
                "SELECT COUNT(*) FROM plc_action_point_changes",
                "SELECT COUNT(*) FROM audit_events WHERE entity = 'plc_meeting'",
            ] {
                out.push(count(db, sql).await);
            }
            out
        };
        let stored = counts().await;
        assert_eq!(stored, [2, 2, 3, 1, 3, 2], "{backend:?}");
        // Sent again (the answer was lost on the way): the same meeting, nothing new, and the
        // point it closed is not closed twice (its version has moved on: no conflict).
        let (s, again) = api.call(g, "POST", &route, Some(meeting.clone())).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(again, first, "{backend:?}");
        let upper = json!({"uuid": uuid.to_uppercase(), "held_on": today().to_string()});
        let (s, again) = api.call(g, "POST", &route, Some(upper)).await;
        assert_eq!((s, again["id"].clone()), (StatusCode::OK, first["id"].clone()), "{again}");
        assert_eq!(counts().await, stored, "{backend:?}: nothing written twice");
        // Another meeting that still carries the point as it was read before it was closed
        // (a package taken earlier): a conflict naming that update, nothing written.
        let stale = json!({"uuid": uuid::Uuid::new_v4().to_string(), "held_on": days_ago(1).to_string(),
            "updates": [{"id": open["id"], "status": "done", "version": open["version"]}]});
        let (s, conflict) = api.call(g, "POST", &route, Some(stale)).await;
        assert_eq!(s, StatusCode::CONFLICT, "{conflict}");
        assert_eq!(conflict["problems"][0]["column"], json!("updates[0].version"), "{conflict}");
        assert_eq!(conflict["problems"][0]["code"], json!("point-changed-since"), "{conflict}");
        assert!(conflict["problems"][0]["message"].as_str().unwrap().contains("“Observe” was changed"), "{conflict}");
        assert_eq!(counts().await, stored, "{backend:?}: nothing written");
        // A client id that is not one is named.
        let (s, bad) =
            api.call(g, "POST", &route, Some(json!({"uuid": "meeting-1", "held_on": today().to_string()}))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(bad["problems"][0]["column"], json!("uuid"), "{bad}");
        assert_eq!(counts().await, stored);
        // Without a client id, each sending is a meeting of its own.
        for _ in 0..2 {
            let (s, m) = api.call(g, "POST", &route, Some(json!({"held_on": today().to_string()}))).await;
            assert_eq!(s, StatusCode::CREATED, "{m}");
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM plc_meetings").await, 4);
    }
}
