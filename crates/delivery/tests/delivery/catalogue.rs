//! Changing programmes and courses once they run, through the API and the pages, on both
//! databases: targets changed, added and removed by id; a course's completion rule changed
//! and completion computed again for its cohorts; graded assessments protected;
//! prerequisites that would go round in a circle refused.

use opencpd_testapp::delivery::{codes, course, json_of, start};
use opencpd_testapp::{backends, hidden};
use serde_json::{Value, json};

#[tokio::test]
async fn programmes_are_edited_target_by_target_and_reach_follows() {
    for backend in backends() {
        let app = start(backend).await;
        let admin = app.api("admin").await;
        let id = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
        let (_, before) = json_of(admin.get(&format!("/api/v1/programmes/{id}")).send().await.unwrap()).await;
        let targets = before["targets"].as_array().unwrap().clone();
        assert!(targets.len() >= 2, "{before}");
        let kept = targets[0]["id"].as_i64().unwrap();
        // Reach read before the edit: its sums are kept for the targets as they were.
        let (_, old) = json_of(admin.get(&format!("/api/v1/programmes/{id}/reach")).send().await.unwrap()).await;
        assert_eq!(old["targets"].as_array().unwrap().len(), targets.len());

        // Keep the first target with a new value, drop the others, add one.
        let mut edit = before.clone();
        edit.as_object_mut().unwrap().remove("id");
        edit["name"] = json!("Leaders in Teaching, phase 2");
        edit["targets"] = json!([
            {"id": kept, "label": targets[0]["label"], "measure": targets[0]["measure"], "value": 777,
             "unit_code": targets[0]["unit_code"], "roles": targets[0]["roles"], "sex": targets[0]["sex"]},
            {"label": "Women certified", "measure": "certified", "value": 40, "sex": "F"},
        ]);
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/programmes/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        assert_eq!(body["name"], "Leaders in Teaching, phase 2");
        let after = body["targets"].as_array().unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!((after[0]["id"].as_i64(), after[0]["value"].as_i64()), (Some(kept), Some(777)), "kept its id");
        assert_eq!((after[1]["label"].as_str(), after[1]["sex"].as_str()), (Some("Women certified"), Some("F")));
        let (_, reach) = json_of(admin.get(&format!("/api/v1/programmes/{id}/reach")).send().await.unwrap()).await;
        let values: Vec<i64> =
            reach["targets"].as_array().unwrap().iter().map(|t| t["value"].as_i64().unwrap()).collect();
        assert_eq!(values, [777, 40], "reach reads the targets as they are now");
        // And counts them as they are now: the new target counts the women certified.
        let (_, by_sex) =
            json_of(admin.get(&format!("/api/v1/programmes/{id}/reach?by=sex")).send().await.unwrap()).await;
        let women = by_sex["rows"].as_array().unwrap().iter().find(|r| r["key"] == "F").unwrap()["certified"].clone();
        assert_eq!(reach["targets"][1]["achieved"], women, "{backend:?} {reach} {by_sex}");
        assert_eq!(reach["targets"][0]["achieved"], old["targets"][0]["achieved"], "{backend:?}");
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'programme' AND action = 'update'").await,
            1
        );

        // A target of another programme, a bad value: named, nothing changed.
        let other = app.id_of("SELECT MIN(t.id) FROM programme_targets t JOIN programmes p ON p.id = t.programme_id WHERE p.code <> $1", "LT2").await;
        let mut bad = edit.clone();
        bad["name"] = json!("Not saved");
        bad["targets"][0]["id"] = json!(other);
        bad["targets"][1]["value"] = json!(0);
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/programmes/{id}")).json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422);
        let got = codes(&body);
        assert!(got.contains(&("unknown-target".into(), "targets[0].id".into())), "{body}");
        assert!(got.contains(&("not-positive".into(), "targets[1].value".into())), "{body}");
        let (_, now) = json_of(admin.get(&format!("/api/v1/programmes/{id}")).send().await.unwrap()).await;
        assert_eq!(now["name"], "Leaders in Teaching, phase 2");
        assert_eq!(now["targets"].as_array().unwrap().len(), 2);

        // Only those who manage programmes change them; an unknown one is not found.
        let (status, _) = json_of(
            app.api("seo.gitega").await.put(&format!("/api/v1/programmes/{id}")).json(&edit).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 403);
        let (status, _) = json_of(admin.put("/api/v1/programmes/999999").json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 404);

        // The page: the form shows what is stored, a mistake keeps what was typed.
        let browser = app.browser("admin").await;
        let html = browser.get(app.url(&format!("/programmes/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"edit-programme\""));
        assert_eq!(html.matches("class=\"bar target-bar\"").count(), 2, "a bar for each target");
        let html = browser.get(app.url(&format!("/programmes/{id}/edit"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("value=\"Leaders in Teaching, phase 2\"") && html.contains("value=\"777\""), "prefilled");
        assert_eq!(hidden(&html, "t0_id"), kept.to_string());
        let csrf = hidden(&html, "csrf");
        let mut form = vec![
            ("csrf".to_string(), csrf.clone()),
            ("code".into(), "LT2".into()),
            ("name".into(), "Leaders in Teaching".into()),
            ("start_date".into(), before["start_date"].as_str().unwrap().into()),
            ("end_date".into(), "2020-01-01".into()),
            ("t0_id".into(), kept.to_string()),
            ("t0_label".into(), "Head teachers completed".into()),
            ("t0_measure".into(), "completed".into()),
            ("t0_value".into(), "900".into()),
            ("t1_id".into(), String::new()),
            ("t1_label".into(), String::new()),
            ("t1_value".into(), String::new()),
        ];
        let r = browser.post(app.url(&format!("/programmes/{id}/edit"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"problems\"") && html.contains("value=\"900\""), "kept the form");
        form[4].1 = "2028-12-31".into();
        let r = browser.post(app.url(&format!("/programmes/{id}/edit"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.url().path(), format!("/programmes/{id}"));
        assert!(r.text().await.unwrap().contains("Head teachers completed"));
        let (_, now) = json_of(admin.get(&format!("/api/v1/programmes/{id}")).send().await.unwrap()).await;
        let after = now["targets"].as_array().unwrap();
        assert_eq!(after.len(), 1, "the cleared row and the target left out are gone: {now}");
        assert_eq!((after[0]["id"].as_i64(), after[0]["value"].as_i64()), (Some(kept), Some(900)));
        let r = app.browser("seo.gitega").await.get(app.url(&format!("/programmes/{id}/edit"))).send().await.unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn a_course_changed_while_it_runs_computes_completion_again_and_keeps_its_grades() {
    for backend in backends() {
        let app = start(backend).await;
        let admin = app.api("admin").await;
        let id = app.id_of("SELECT id FROM courses WHERE code = $1", "EL-DIP").await;
        let (_, before) = json_of(admin.get(&format!("/api/v1/courses/{id}")).send().await.unwrap()).await;
        let completed = "SELECT COUNT(*) FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                         JOIN courses k ON k.id = h.course_id WHERE k.code = 'EL-DIP' AND e.completed_on IS NOT NULL";
        let short = "SELECT COUNT(*) FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                     JOIN courses k ON k.id = h.course_id WHERE k.code = 'EL-DIP' AND e.attendance_pct < 100";
        let was = app.scalar(completed).await;
        assert!(was > 0 && app.scalar(short).await > 0, "the demo has people who missed a session");
        let portfolio = app.id_of("SELECT a.id FROM assessments a JOIN courses k ON k.id = a.course_id WHERE k.code = 'EL-DIP' AND a.code = $1", "PORTFOLIO").await;

        // The rule goes to every session attended, a module is added, one assessment changed.
        // What was read, less what is not written (ids and positions).
        let mut edit = before.clone();
        edit.as_object_mut().unwrap().retain(|k, _| !["id", "programme_id"].contains(&k.as_str()));
        for m in edit["modules"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().retain(|k, _| !["id", "position"].contains(&k.as_str()));
        }
        edit["min_attendance_pct"] = json!(100);
        edit["programme_code"] = json!("LT2");
        edit["target_roles"] = json!(["head_teacher", "deputy_head"]);
        edit["prerequisites"] = json!([]);
        edit["modules"]
            .as_array_mut()
            .unwrap()
            .push(json!({"code": "M9", "title": "Community engagement", "hours": 6, "standards": ["SL5"]}));
        let modules: Vec<Value> = before["modules"].as_array().unwrap().clone();
        let module_code = |mid: &Value| -> Value {
            modules.iter().find(|m| m["id"] == *mid).map(|m| m["code"].clone()).unwrap_or(Value::Null)
        };
        edit["assessments"] = json!(before["assessments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| json!({"code": a["code"], "title": if a["code"] == "PORTFOLIO" { json!("Portfolio of practice") } else { a["title"].clone() },
                            "module_code": module_code(&a["module_id"]), "max_score": a["max_score"], "pass_score": a["pass_score"], "weight": a["weight"]}))
            .collect::<Vec<_>>());
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/courses/{id}")).json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        // Who attended enough is counted again at the new minimum in every cohort's funnel.
        let (kept, counted) = crate::delivery::funnels_kept_and_counted(&app.db.db).await;
        assert_eq!(kept, counted, "{backend:?}: the funnels at the course's new minimum");
        assert_eq!(body["modules"].as_array().unwrap().len(), before["modules"].as_array().unwrap().len() + 1);
        let renamed =
            body["assessments"].as_array().unwrap().iter().find(|a| a["code"] == "PORTFOLIO").unwrap().clone();
        assert_eq!(
            (renamed["id"].as_i64(), renamed["title"].as_str()),
            (Some(portfolio), Some("Portfolio of practice"))
        );
        let grades = app
            .id_of(
                "SELECT COUNT(*) FROM grades g JOIN assessments a ON a.id = g.assessment_id WHERE a.code = $1",
                "PORTFOLIO",
            )
            .await;
        assert!(grades > 0, "grades still point at the assessment");
        let now = app.scalar(completed).await;
        assert!(now < was, "fewer complete under the stricter rule: {was} → {now}");
        let wrong = "SELECT COUNT(*) FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id \
                     JOIN courses k ON k.id = h.course_id WHERE k.code = 'EL-DIP' AND e.completed_on IS NOT NULL AND e.attendance_pct < 100";
        assert_eq!(app.scalar(wrong).await, 0, "completion follows the new rule");
        let cohort = app.id_of("SELECT id FROM cohorts WHERE code = $1", "EL-DIP-2025-NYA").await;
        let (_, funnel) = json_of(admin.get(&format!("/api/v1/cohorts/{cohort}/funnel")).send().await.unwrap()).await;
        assert_eq!(funnel["completed"].as_i64(), Some(now), "{funnel}");

        // Grades protect their assessment: not removed, maximum not below the best grade.
        let best = app.scalar("SELECT CAST(MAX(g.score) AS BIGINT) FROM grades g JOIN assessments a ON a.id = g.assessment_id WHERE a.code = 'PORTFOLIO'").await;
        let mut bad = edit.clone();
        bad["title"] = json!("Not saved");
        let list = bad["assessments"].as_array_mut().unwrap();
        let at = list.iter().position(|a| a["code"] == "PORTFOLIO").unwrap();
        list[at]["max_score"] = json!(best - 1);
        list[at]["pass_score"] = json!(1);
        list.retain(|a| a["code"] != "PROJECT");
        let at = bad["assessments"].as_array().unwrap().iter().position(|a| a["code"] == "PORTFOLIO").unwrap();
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/courses/{id}")).json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422);
        let got = codes(&body);
        assert!(got.contains(&("max-below-grades".into(), format!("assessments[{at}].max_score"))), "{body}");
        assert!(got.contains(&("assessment-graded".into(), "assessments".into())), "{body}");
        assert_eq!(app.id_of("SELECT COUNT(*) FROM courses WHERE title = $1", "Not saved").await, 0);
        assert_eq!(app.id_of("SELECT COUNT(*) FROM assessments WHERE code = $1", "PROJECT").await, 1);

        // Prerequisites never go round in a circle.
        let (status, _) = json_of(admin.post("/api/v1/courses").json(&course("FIRST")).send().await.unwrap()).await;
        assert_eq!(status, 201);
        let mut second = course("SECOND");
        second["prerequisites"] = json!(["FIRST"]);
        let (status, _) = json_of(admin.post("/api/v1/courses").json(&second).send().await.unwrap()).await;
        assert_eq!(status, 201);
        let first = app.id_of("SELECT id FROM courses WHERE code = $1", "FIRST").await;
        for prerequisite in ["SECOND", "FIRST"] {
            let mut cycle = course("FIRST");
            cycle["prerequisites"] = json!([prerequisite]);
            let (status, body) =
                json_of(admin.put(&format!("/api/v1/courses/{first}")).json(&cycle).send().await.unwrap()).await;
            assert_eq!((status, codes(&body)), (422, vec![("prerequisite-cycle".into(), "prerequisites[0]".into())]));
        }
        let (status, _) = json_of(
            app.api("national.cm")
                .await
                .put(&format!("/api/v1/courses/{first}"))
                .json(&course("FIRST"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "national officers manage courses");

        // The page shows the stored course, ticks its standards, and saves.
        let browser = app.browser("admin").await;
        let html = browser.get(app.url(&format!("/courses/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"edit-course\""));
        let html = browser.get(app.url(&format!("/courses/{id}/edit"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("value=\"M9\"") && html.contains("value=\"Portfolio of practice\""), "prefilled");
        assert!(html.contains("name=\"m0_standards\" value=\"rw-school-leadership:SL1\" checked"), "{html}");
        // An assessment's module is picked from the course's modules.
        assert!(html.contains("list=\"module-codes\""), "{html}");
        let codes = html.split("<datalist id=\"module-codes\">").nth(1).and_then(|d| d.split("</datalist>").next());
        assert!(codes.is_some_and(|d| d.contains("<option value=\"M9\">")), "{html}");
        let r = app.browser("teacher").await.get(app.url(&format!("/courses/{id}/edit"))).send().await.unwrap();
        assert_eq!(r.status(), 403);
    }
}

#[tokio::test]
async fn a_target_field_sent_in_the_plural_is_refused_naming_the_field() {
    // The bug: a target sent with `roles` when targets had one `role` was stored with no
    // role and counted everyone. Targets now take `roles`; `sexes` is the same mistake.
    for backend in backends() {
        let app = start(backend).await;
        let admin = app.api("admin").await;
        let programme = json!({"code": "ROLES1", "name": "Stakeholders", "start_date": "2026-01-01",
            "targets": [{"label": "Stakeholders", "measure": "enrolled", "value": 1500, "sexes": ["F"]}]});
        let (status, body) = json_of(admin.post("/api/v1/programmes").json(&programme).send().await.unwrap()).await;
        assert_eq!(status, 422, "{backend:?} {body}");
        assert_eq!(codes(&body), [("unknown-field".to_string(), "targets[0].sexes".to_string())], "{body}");
        assert_eq!(body["problems"][0]["value"], "sexes");
        assert!(body["message"].as_str().unwrap().contains("sexes is not a field"), "{body}");
        assert_eq!(app.id_of("SELECT COUNT(*) FROM programmes WHERE code = $1", "ROLES1").await, 0, "nothing stored");
    }
}

/// Staff numbers of people holding `role` today at schools in a unit, first `n`.
async fn holding(app: &opencpd_testapp::TestApp, role: &str, unit_code: &str, n: usize) -> Vec<String> {
    let list: Vec<String> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
        "SELECT p.staff_number FROM positions x JOIN people p ON p.id = x.person_id JOIN schools s ON s.id = x.school_id \
         JOIN units u ON u.id = s.unit_id WHERE u.code = $1 AND x.role = $2 AND x.end_date IS NULL ORDER BY p.id"
    )
    .bind(unit_code)
    .bind(role)
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(list.len() >= n, "{role} in {unit_code}: {list:?}");
    list.into_iter().take(n).collect()
}

#[tokio::test]
async fn a_target_over_several_roles_counts_each_participant_of_any_of_them_once() {
    for backend in backends() {
        let app = opencpd_testapp::TestApp::start(backend).await;
        let admin = app.api("admin").await;
        let targets = json!([
            {"label": "Both", "measure": "enrolled", "value": 1500, "roles": ["teacher", "head_teacher"]},
            {"label": "Teachers", "measure": "enrolled", "value": 10, "roles": ["teacher"]},
            {"label": "Heads, the old way", "measure": "enrolled", "value": 10, "role": "head_teacher"},
            {"label": "Both, named twice", "measure": "enrolled", "value": 10, "roles": ["teacher", "head_teacher", "teacher"], "role": "head_teacher"},
            {"label": "Deputies", "measure": "enrolled", "value": 10, "roles": ["deputy_head"]},
            {"label": "Everyone", "measure": "enrolled", "value": 10},
        ]);
        let edit = json!({"code": "STAKE", "name": "Stakeholders", "start_date": "2025-01-01", "targets": targets});
        let (status, body) = json_of(admin.post("/api/v1/programmes").json(&edit).send().await.unwrap()).await;
        assert_eq!(status, 201, "{backend:?} {body}");
        let id = body["id"].as_i64().unwrap();
        let roles: Vec<&Value> = body["targets"].as_array().unwrap().iter().map(|t| &t["roles"]).collect();
        let both = json!(["teacher", "head_teacher"]);
        let (teacher, head, none) = (json!(["teacher"]), json!(["head_teacher"]), json!([]));
        assert_eq!(roles, [&both, &teacher, &head, &both, &json!(["deputy_head"]), &none]);

        // Three teachers and two head teachers, one teacher in both cohorts of the programme.
        let mut course = opencpd_testapp::delivery::course("STAKE-C");
        course["programme_code"] = json!("STAKE");
        let (status, body) = json_of(admin.post("/api/v1/courses").json(&course).send().await.unwrap()).await;
        assert_eq!(status, 201, "{body}");
        let teachers = holding(&app, "teacher", "RW-10101", 3).await;
        let heads = holding(&app, "head_teacher", "RW-10101", 2).await;
        for (code, people) in
            [("STAKE-1", [&teachers[..], &heads[..]].concat()), ("STAKE-2", vec![teachers[0].clone()])]
        {
            let cohort = opencpd_testapp::delivery::cohort(code, "STAKE-C", "RW-10101", 30);
            let (status, body) = json_of(admin.post("/api/v1/cohorts").json(&cohort).send().await.unwrap()).await;
            assert_eq!(status, 201, "{body}");
            let cohort_id = body["id"].as_i64().unwrap();
            for staff_number in people {
                let path = format!("/api/v1/cohorts/{cohort_id}/enrolments");
                let r = admin.post(&path).json(&json!({"staff_number": staff_number})).send().await.unwrap();
                assert_eq!(r.status(), 201, "{backend:?} {}", r.text().await.unwrap());
            }
        }
        let (_, reach) = json_of(admin.get(&format!("/api/v1/programmes/{id}/reach")).send().await.unwrap()).await;
        let achieved: Vec<i64> =
            reach["targets"].as_array().unwrap().iter().map(|t| t["achieved"].as_i64().unwrap()).collect();
        assert_eq!(achieved, [5, 3, 2, 5, 0, 5], "{backend:?} {reach}");
        assert_eq!(reach["targets"][0]["roles"], both);
        let (first, second) = ("teacher", "head_teacher");

        // An unknown role among several is named by its place; nothing changes.
        let mut bad = edit.clone();
        bad["targets"][0]["roles"] = json!([first, "pilot"]);
        let (status, body) =
            json_of(admin.put(&format!("/api/v1/programmes/{id}")).json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422);
        assert_eq!(codes(&body), [("bad-choice".to_string(), "targets[0].roles[1]".to_string())], "{body}");
        let (_, now) = json_of(admin.get(&format!("/api/v1/programmes/{id}")).send().await.unwrap()).await;
        assert_eq!(now["targets"][0]["roles"], both, "nothing changed");

        // The export names the roles of each target.
        let r = admin.get(&format!("/api/v1/programmes/{id}/reach/export?format=csv")).send().await.unwrap();
        let text = r.text().await.unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.ends_with(",percent,roles"), "{header}");
        let both = text.lines().find(|l| l.contains(",Both,")).unwrap();
        assert!(both.ends_with(&format!("\"{first}, {second}\"")), "{both}");

        // The edit page shows each target's roles chosen.
        let browser = app.browser("admin").await;
        let html = browser.get(app.url(&format!("/programmes/{id}/edit"))).send().await.unwrap().text().await.unwrap();
        let row = &html[html.find("name=\"t0_roles\"").unwrap()..];
        let row = &row[..row.find("</select>").unwrap()];
        assert!(row.contains(&format!("value=\"{first}\" selected")), "{row}");
        assert!(row.contains(&format!("value=\"{second}\" selected")), "{row}");
        assert_eq!(row.matches(" selected").count(), 2, "{row}");

        // The page sends the roles chosen in a target's list, each as a field of its own.
        let csrf = opencpd_testapp::hidden(&html, "csrf");
        let form = [
            ("csrf", csrf.as_str()),
            ("code", "STAKE"),
            ("name", "Stakeholders"),
            ("start_date", "2025-01-01"),
            ("t0_label", "Teachers and deputies"),
            ("t0_measure", "enrolled"),
            ("t0_value", "40"),
            ("t0_roles", "teacher"),
            ("t0_roles", "deputy_head"),
        ];
        let r = browser.post(app.url(&format!("/programmes/{id}/edit"))).form(&form).send().await.unwrap();
        assert_eq!(r.url().path(), format!("/programmes/{id}"), "{backend:?}");
        let (_, reach) = json_of(admin.get(&format!("/api/v1/programmes/{id}/reach")).send().await.unwrap()).await;
        assert_eq!(reach["targets"][0]["roles"], json!(["teacher", "deputy_head"]), "{reach}");
        assert_eq!(reach["targets"][0]["achieved"], 3, "{reach}");
    }
}
