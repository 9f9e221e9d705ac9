//! The grades, subjects and learner groups a deployment defines, and a school's outcomes
//! entered by hand, on both backends: through the API and through the pages' forms, bad
//! fields named in the reader's language, nothing written on a refusal, and only those
//! with the right given a form.

use opencpd_domain::AccountRole;
use opencpd_indicators::model::NewReference;
use opencpd_indicators::store::reference;
use opencpd_kernel::{Actor, Db, on_db};
use opencpd_testkit::api::{Api, Session, session, token};
use opencpd_testkit::{TestDb, backends};
use serde_json::{Value, json};

/// Rwanda (unit 1) with district D1 (unit 2: schools S1 and S2).
async fn places(db: &Db) {
    let sql = "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
        (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'); \
        INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
        (1, 'S1', 'School one', 2, '/1/2/', 'primary', 'public'), \
        (2, 'S2', 'School two', 2, '/1/2/', 'primary', 'public');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
}

/// Grades P1 and P2, a subject MATH scored out of 100 and a learner group REF.
async fn lists(db: &Db) {
    let admin = Actor::system();
    for (code, name) in [("P1", "Primary 1"), ("P2", "Primary 2")] {
        let new = NewReference { code: code.into(), name: name.into(), max_score: None, position: None };
        reference::add(db, &admin, reference::Kind::Grade, &new).await.unwrap();
    }
    let math = NewReference { code: "MATH".into(), name: "Mathematics".into(), max_score: Some(100.0), position: None };
    reference::add(db, &admin, reference::Kind::Subject, &math).await.unwrap();
    let group = NewReference { code: "REF".into(), name: "Refugees".into(), max_score: None, position: None };
    reference::add(db, &admin, reference::Kind::Group, &group).await.unwrap();
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

/// The fields a refusal names, in alphabetical order.
fn columns(body: &Value) -> Vec<String> {
    let mut named: Vec<String> =
        body["problems"].as_array().unwrap().iter().filter_map(|p| p["column"].as_str().map(str::to_string)).collect();
    named.sort();
    named
}

#[tokio::test]
async fn grades_subjects_and_groups_are_listed_and_added_through_the_api_with_bad_fields_named_and_rights_held() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let admin = token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
        // A national officer administers programmes in their country, not the deployment's
        // lists, which every country shares.
        let national = token(&t.db, "national", AccountRole::NationalOfficer, Some("RW")).await;

        // Added: a grade takes the next position unless given one; the lists answer them.
        let (status, p1) = api
            .call(Some(&admin), "POST", "/api/v1/outcome-grades", Some(json!({"code": "P1", "name": "Primary 1"})))
            .await;
        assert_eq!((status.as_u16(), &p1["position"]), (201, &json!(1)), "{backend:?}: {p1}");
        let (status, p3) = api
            .call(
                Some(&admin),
                "POST",
                "/api/v1/outcome-grades",
                Some(json!({"code": "P3", "name": "Primary 3", "position": 3})),
            )
            .await;
        assert_eq!((status.as_u16(), &p3["code"]), (201, &json!("P3")), "{backend:?}: {p3}");
        let (status, p2) = api
            .call(
                Some(&admin),
                "POST",
                "/api/v1/outcome-grades",
                Some(json!({"code": "P2", "name": "Primary 2", "position": 2})),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {p2}");
        let grades: Vec<Value> = api.get(&admin, "/api/v1/outcome-grades").await;
        let codes: Vec<&str> = grades.iter().map(|g| g["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["P1", "P2", "P3"], "{backend:?}: in the order flows read them");
        let (status, math) = api
            .call(
                Some(&admin),
                "POST",
                "/api/v1/outcome-subjects",
                Some(json!({"code": "MATH", "name": "Mathematics", "max_score": 20.5})),
            )
            .await;
        assert_eq!((status.as_u16(), &math["max_score"]), (201, &json!(20.5)), "{backend:?}: {math}");
        let (status, group) = api
            .call(Some(&admin), "POST", "/api/v1/learner-groups", Some(json!({"code": "REF", "name": "Refugees"})))
            .await;
        assert_eq!((status.as_u16(), &group["name"]), (201, &json!("Refugees")), "{backend:?}: {group}");
        let groups: Vec<Value> = api.get(&admin, "/api/v1/learner-groups").await;
        assert_eq!(groups.len(), 1);

        // Bad input: 422, every field named, nothing written.
        let before = (
            count(&t.db, "SELECT COUNT(*) FROM outcome_grades").await,
            count(&t.db, "SELECT COUNT(*) FROM outcome_subjects").await,
            count(&t.db, "SELECT COUNT(*) FROM learner_groups").await,
        );
        for (path, body, named) in [
            ("/api/v1/outcome-grades", json!({"code": "p1", "name": ""}), vec!["code", "name"]),
            ("/api/v1/outcome-grades", json!({"code": "P4", "name": "Primary 4", "position": 2}), vec!["position"]),
            ("/api/v1/outcome-grades", json!({"code": "P4", "name": "Primary 4", "position": 0}), vec!["position"]),
            ("/api/v1/outcome-grades", json!({"code": "P4", "name": "Primary 4", "max_score": 10}), vec!["max_score"]),
            ("/api/v1/outcome-subjects", json!({"code": "LIT", "name": "Literacy", "max_score": 0}), vec!["max_score"]),
            (
                "/api/v1/outcome-subjects",
                json!({"code": "LIT", "name": "Literacy", "max_score": -5}),
                vec!["max_score"],
            ),
            ("/api/v1/outcome-subjects", json!({"code": "LIT", "name": "Literacy"}), vec!["max_score"]),
            ("/api/v1/outcome-subjects", json!({"code": "math", "name": "  ", "max_score": 10}), vec!["code", "name"]),
            ("/api/v1/learner-groups", json!({"code": "REF", "name": "Refugees again"}), vec!["code"]),
            (
                "/api/v1/learner-groups",
                json!({"code": "SEN", "name": "Special needs", "position": 1}),
                vec!["position"],
            ),
            ("/api/v1/learner-groups", json!({"code": "bad code!", "name": "x"}), vec!["code"]),
        ] {
            let (status, body) = api.call(Some(&admin), "POST", path, Some(body.clone())).await;
            assert_eq!(status, 422, "{backend:?} {path} {body}");
            assert_eq!(columns(&body), named, "{backend:?} {path}: {body}");
        }
        let (status, body) = api
            .call(
                Some(&admin),
                "POST",
                "/api/v1/learner-groups",
                Some(json!({"code": "SEN", "name": "x", "colour": "red"})),
            )
            .await;
        assert_eq!(status, 422, "{backend:?}: an unknown field: {body}");
        let (status, body) = api
            .call(Some(&admin), "POST", "/api/v1/outcome-grades", Some(json!({"code": "P1", "name": "Again"})))
            .await;
        assert!(body.to_string().contains("P1 already exists"), "{backend:?}: {status} {body}");
        let after = (
            count(&t.db, "SELECT COUNT(*) FROM outcome_grades").await,
            count(&t.db, "SELECT COUNT(*) FROM outcome_subjects").await,
            count(&t.db, "SELECT COUNT(*) FROM learner_groups").await,
        );
        assert_eq!(after, before, "{backend:?}: nothing written");

        // Rights: every reader lists them; only those who set up programmes add to them.
        let district = token(&t.db, "district", AccountRole::DistrictOfficer, Some("D1")).await;
        let leader = token(&t.db, "leader", AccountRole::SchoolLeader, Some("S1")).await;
        let mentor = token(&t.db, "mentor", AccountRole::Mentor, Some("S1")).await;
        for (who, caller) in
            [("national", &national), ("district", &district), ("leader", &leader), ("mentor", &mentor)]
        {
            for (path, body) in [
                ("/api/v1/outcome-grades", json!({"code": "P9", "name": "Primary 9"})),
                ("/api/v1/outcome-subjects", json!({"code": "SCI", "name": "Science", "max_score": 100})),
                ("/api/v1/learner-groups", json!({"code": "SEN", "name": "Special needs"})),
            ] {
                assert_eq!(api.call(Some(caller), "GET", path, None).await.0, 200, "{backend:?} {who} GET {path}");
                assert_eq!(
                    api.call(Some(caller), "POST", path, Some(body)).await.0,
                    403,
                    "{backend:?} {who} POST {path}"
                );
            }
        }
        assert_eq!(api.call(None, "GET", "/api/v1/outcome-grades", None).await.0, 401, "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM outcome_grades").await, 3, "{backend:?}");
        let audited = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_events WHERE entity IN ('outcome_grade', 'outcome_subject', 'learner_group')",
        )
        .await;
        assert_eq!(audited, 5, "{backend:?}: one event for each addition");
    }
}

/// The value of a page's hidden or filled-in field `name`.
fn has_value(html: &str, name: &str, value: &str) -> bool {
    html.contains(&format!("name=\"{name}\" value=\"{value}\""))
}

#[tokio::test]
async fn the_lists_page_adds_to_each_list_with_bad_fields_named_in_the_readers_language_and_no_form_for_others() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let admin = session(&t.db, &token(&t.db, "admin", AccountRole::SystemAdmin, None).await).await;

        let (status, html, _) = api.page(&admin, "GET", "/data/lists", None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(
            html.contains("id=\"grade-form\"")
                && html.contains("id=\"subject-form\"")
                && html.contains("id=\"group-form\"")
        );
        assert!(html.contains("id=\"no-grades\"") && !html.contains("id=\"lists-read-only\""), "{backend:?}");

        // Added from the page, the maximum score typed as French writes it.
        let form = [("code", "LIT"), ("name", "Literacy"), ("max_score", "12,5")];
        let (status, _, to) = api.page(&admin, "POST", "/data/lists/subjects", Some(&form)).await;
        assert_eq!((status.as_u16(), to.as_deref()), (303, Some("/data/lists?added=LIT#subjects")), "{backend:?}");
        let (_, html, _) = api.page(&admin, "GET", "/data/lists?added=LIT", None).await;
        assert!(
            html.contains("id=\"added\"") && html.contains("<code>LIT</code>") && html.contains("12.5"),
            "{backend:?}"
        );
        let form = [("code", "P1"), ("name", "Primary 1"), ("position", "")];
        assert_eq!(api.page(&admin, "POST", "/data/lists/grades", Some(&form)).await.0, 303, "{backend:?}");
        let form = [("code", "REF"), ("name", "Refugees")];
        assert_eq!(api.page(&admin, "POST", "/data/lists/groups", Some(&form)).await.0, 303, "{backend:?}");
        let (_, html, _) = api.page(&admin, "GET", "/data/lists", None).await;
        assert!(html.contains("<code>P1</code>") && html.contains("<code>REF</code>"), "{backend:?}");
        assert_eq!(
            html.matches("<td").count(),
            html.matches("<td data-label=").count() + html.matches("<td class=\"num\" data-label=").count(),
            "{backend:?}: every cell labelled for a phone"
        );

        // Refused: every field named, what was typed kept, nothing written.
        let form = [("code", "LIT"), ("name", ""), ("max_score", "0")];
        let (status, html, _) = api.page(&admin, "POST", "/data/lists/subjects", Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("id=\"subject-problems\""), "{backend:?}");
        for named in [
            "column code: LIT already exists",
            "column name: a value is required",
            "column max_score: 0 is not a maximum score",
        ] {
            assert!(html.contains(named), "{backend:?}: «{named}» in {html}");
        }
        assert!(has_value(&html, "code", "LIT") && has_value(&html, "max_score", "0"), "{backend:?}: the form kept");
        let form = [("code", "SCI"), ("name", "Science"), ("max_score", "beaucoup")];
        let (status, html, _) = api.page(&admin, "POST", "/data/lists/subjects", Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("column max_score: beaucoup is not a number"), "{backend:?}");
        let form = [("code", "P2"), ("name", "Primary 2"), ("position", "1")];
        let (status, html, _) = api.page(&admin, "POST", "/data/lists/grades", Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("column position: position 1 is already another grade"), "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM outcome_subjects").await, 1, "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM outcome_grades").await, 1, "{backend:?}");

        // In French for a French reader.
        let french = token(&t.db, "admin.fr", AccountRole::SystemAdmin, None).await;
        on_db!(&t.db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'admin.fr'")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let french = session(&t.db, &french).await;
        let (_, html, _) = api.page(&french, "GET", "/data/lists", None).await;
        assert!(html.contains("Classes, matières et groupes d") && html.contains("Ajouter une matière"), "{backend:?}");
        let form = [("code", "REF"), ("name", "Réfugiés")];
        let (status, html, _) = api.page(&french, "POST", "/data/lists/groups", Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("colonne code: REF existe déjà"), "{backend:?}: {html}");

        // Readers read the lists without forms; what they send is refused, and so is a
        // form without the session's token.
        let district = session(&t.db, &token(&t.db, "district", AccountRole::DistrictOfficer, Some("D1")).await).await;
        let (status, html, _) = api.page(&district, "GET", "/data/lists", None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("id=\"lists-read-only\"") && !html.contains("-form\""), "{backend:?}");
        let form = [("code", "SEN"), ("name", "Special needs")];
        assert_eq!(api.page(&district, "POST", "/data/lists/groups", Some(&form)).await.0, 403, "{backend:?}");
        let forged = Session { secret: admin.secret.clone(), csrf: "forged".into() };
        assert_eq!(api.page(&forged, "POST", "/data/lists/groups", Some(&form)).await.0, 403, "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_groups").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn outcomes_are_entered_through_the_api_each_bad_line_named_and_nothing_written() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        lists(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let leader = token(&t.db, "leader", AccountRole::SchoolLeader, Some("S1")).await;
        let url = "/api/v1/schools/1/outcomes";
        let good = json!({"entries": [
            {"year": 2025, "grade": "P1", "subject": "MATH", "sex": "F", "enrolled": 30, "assessed": 28, "mean_score": 61.5, "proficient": 10},
            {"year": 2025, "grade": "P1", "subject": "MATH", "sex": "F", "group": "REF", "enrolled": 4, "repeating": 1},
            {"year": 2025, "grade": "P1", "sex": "M", "enrolled": 32, "promoted": 28, "repeating": 2, "dropped_out": 2}
        ]});
        let (status, body) = api.call(Some(&leader), "POST", url, Some(good.clone())).await;
        assert_eq!((status.as_u16(), &body["rows"]), (200, &json!(3)), "{backend:?}: {body}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 3, "{backend:?}");
        // Sent again: the same lines replaced, not added.
        assert_eq!(api.call(Some(&leader), "POST", url, Some(good)).await.0, 200);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 3, "{backend:?}");

        // Each bad line named by its place in the list and its field; nothing written.
        let bad = json!({"entries": [
            {"year": 2025, "grade": "P2", "sex": "F", "enrolled": 10},
            {"year": 2025, "grade": "P1", "sex": "M", "enrolled": 5, "repeating": 9},
            {"year": 2025, "grade": "P1", "subject": "MATH", "sex": "M", "mean_score": 120.0},
            {"year": 2025, "grade": "P7", "sex": "F", "group": "NONE"}
        ]});
        let (status, body) = api.call(Some(&leader), "POST", url, Some(bad)).await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        let named: Vec<(i64, String)> = body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["row"].as_i64().unwrap(), p["column"].as_str().unwrap().to_string()))
            .collect();
        let want = [(2, "repeating"), (3, "mean_score"), (4, "grade"), (4, "group")];
        assert_eq!(named, want.map(|(r, c)| (r, c.to_string())), "{backend:?}: {body}");
        assert!(body.to_string().contains("the mean score 120 is above MATH's maximum of 100"), "{backend:?}: {body}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 3, "{backend:?}");
        let (status, body) = api.call(Some(&leader), "POST", url, Some(json!({"entries": []}))).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(body.to_string().contains("nothing is entered"), "{backend:?}: {body}");
        let unknown = json!({"entries": [{"year": 2025, "grade": "P1", "sex": "F", "pupils": 3}]});
        assert_eq!(api.call(Some(&leader), "POST", url, Some(unknown)).await.0, 422, "{backend:?}");

        // Rights: the school's mentor reads it but may not enter; another school's leader
        // does not see it; the district's officer enters it.
        let one = json!({"entries": [{"year": 2024, "grade": "P1", "sex": "F", "enrolled": 3}]});
        let mentor = token(&t.db, "mentor", AccountRole::Mentor, Some("S1")).await;
        let other = token(&t.db, "other", AccountRole::SchoolLeader, Some("S2")).await;
        let district = token(&t.db, "district", AccountRole::DistrictOfficer, Some("D1")).await;
        assert_eq!(api.call(Some(&mentor), "POST", url, Some(one.clone())).await.0, 403, "{backend:?}");
        assert_eq!(api.call(Some(&other), "POST", url, Some(one.clone())).await.0, 404, "{backend:?}");
        assert_eq!(api.call(None, "POST", url, Some(one.clone())).await.0, 401, "{backend:?}");
        assert_eq!(api.call(Some(&leader), "POST", "/api/v1/schools/99/outcomes", Some(one.clone())).await.0, 404);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 3, "{backend:?}");
        assert_eq!(api.call(Some(&district), "POST", url, Some(one)).await.0, 200, "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 4, "{backend:?}");
    }
}

/// A line's fields on the entry page (`r{line}_{field}`).
fn line<'a>(i: usize, fields: &[(&'a str, &'a str)]) -> Vec<(String, &'a str)> {
    fields.iter().map(|(f, v)| (format!("r{i}_{f}"), *v)).collect()
}

/// The entry form: the choices, then the lines.
async fn send_entry(
    api: &Api,
    who: &Session,
    school: i64,
    choices: &[(&str, &str)],
    lines: &[Vec<(String, &str)>],
) -> (u16, String, Option<String>) {
    let mut form: Vec<(&str, &str)> = choices.to_vec();
    for l in lines {
        form.extend(l.iter().map(|(k, v)| (k.as_str(), *v)));
    }
    let (status, html, to) = api.page(who, "POST", &format!("/data/schools/{school}/outcomes"), Some(&form)).await;
    (status.as_u16(), html, to)
}

#[tokio::test]
async fn a_school_leader_enters_outcomes_on_the_schools_page_with_bad_fields_named_and_no_form_for_others() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        lists(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let leader = session(&t.db, &token(&t.db, "leader", AccountRole::SchoolLeader, Some("S1")).await).await;

        // Reached from the school's data page.
        let (status, html, _) = api.page(&leader, "GET", "/data/schools/1", None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(html.contains("href=\"/data/schools/1/outcomes\" id=\"enter-outcomes\""), "{backend:?}");
        let (status, html, _) = api.page(&leader, "GET", "/data/schools/1/outcomes", None).await;
        assert_eq!(status, 200, "{backend:?}");
        // A line per sex, for all learners and for the group.
        for label in ["Girls, all learners", "Girls, Refugees", "Boys, all learners", "Boys, Refugees"] {
            assert!(html.contains(&format!("<strong>{label}</strong>")), "{backend:?}: {label}");
        }
        assert!(html.contains("name=\"r3_dropped_out\"") && !html.contains("name=\"r4_"), "{backend:?}");
        assert_eq!(
            html.matches("<td").count(),
            html.matches("<td data-label=").count() + html.matches("<td class=\"num\" data-label=").count(),
            "{backend:?}: every cell labelled for a phone"
        );

        // Entered: counts with spaces between thousands, a mean score with a comma.
        let choices = [("year", "2025"), ("term", "2"), ("grade", "P1"), ("subject", "MATH")];
        let girls =
            line(0, &[("enrolled", "1 250"), ("assessed", "1 200"), ("mean_score", "61,5"), ("proficient", "400")]);
        let boys = line(2, &[("enrolled", "30"), ("repeating", "3")]);
        let (status, _, to) = send_entry(&api, &leader, 1, &choices, &[girls.clone(), boys.clone()]).await;
        assert_eq!(
            (status, to.as_deref()),
            (303, Some("/data/schools/1/outcomes?year=2025&term=2&grade=P1&subject=MATH&saved=2")),
            "{backend:?}"
        );
        let stored: (i64, f64, i64) = on_db!(&t.db, |p| sqlx::query_as(
            "SELECT enrolled, mean_score, term FROM learner_outcomes WHERE sex = 'F' AND group_id = 0"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(stored, (1250, 61.5, 2), "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM learner_outcomes").await, 2, "{backend:?}");
        let (_, html, _) = api.page(&leader, "GET", &to.unwrap(), None).await;
        assert!(html.contains("2 lines saved."), "{backend:?}");
        assert!(
            html.contains("<option value=\"P1\" selected>") && html.contains("<option value=\"2\" selected>"),
            "{backend:?}"
        );

        // A number that does not read: named by its line and field, the form kept.
        let bad = line(1, &[("enrolled", "abc")]);
        let (status, html, _) = send_entry(&api, &leader, 1, &choices, &[girls.clone(), bad]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("Girls, Refugees, Enrolled: abc is not a number"), "{backend:?}: {html}");
        assert!(html.contains(
            "name=\"r1_enrolled\" value=\"abc\" aria-label=\"Girls, Refugees: Enrolled\" aria-invalid=\"true\""
        ));
        assert!(html.contains("name=\"r0_enrolled\" value=\"1 250\""), "{backend:?}: what was typed kept");

        // The store's rules, named the same way: more repeaters than enrolled, a score above
        // the subject's maximum; nothing of the form written.
        let girls = line(0, &[("enrolled", "20"), ("repeating", "25")]);
        let boys = line(2, &[("enrolled", "30"), ("mean_score", "120")]);
        let (status, html, _) = send_entry(&api, &leader, 1, &choices, &[girls, boys]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(
            html.contains("Girls, all learners, Repeating: 25 repeaters is more than the 20 enrolled"),
            "{backend:?}: {html}"
        );
        assert!(
            html.contains("Boys, all learners, Mean score: the mean score 120 is above MATH"),
            "{backend:?}: {html}"
        );
        assert!(html.contains("name=\"r0_repeating\" value=\"25\""), "{backend:?}");
        let enrolled = count(&t.db, "SELECT CAST(SUM(enrolled) AS BIGINT) FROM learner_outcomes").await;
        assert_eq!(enrolled, 1280, "{backend:?}: nothing written");

        // A grade nobody defined (a forged choice), and nothing typed at all.
        let forged = [("year", "2025"), ("term", ""), ("grade", "P9"), ("subject", "")];
        let (status, html, _) = send_entry(&api, &leader, 1, &forged, &[line(0, &[("enrolled", "5")])]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("Grade: no grade has the code P9"), "{backend:?}: {html}");
        let (status, html, _) = send_entry(&api, &leader, 1, &choices, &[]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("nothing is entered"), "{backend:?}");

        // In French for a French reader: problems in French, naming the line and field.
        let fr = token(&t.db, "leader.fr", AccountRole::SchoolLeader, Some("S1")).await;
        on_db!(&t.db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'leader.fr'")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let fr = session(&t.db, &fr).await;
        let girls = line(0, &[("enrolled", "20"), ("repeating", "25")]);
        let (status, html, _) = send_entry(&api, &fr, 1, &choices, &[girls]).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("Filles, tous les élèves, Redoublants: 25 redoublants"), "{backend:?}: {html}");

        // Others: the school's mentor reads the data page without the link and is refused
        // the form; another school's leader does not see the school; a forged form is
        // refused; nothing written by any of them.
        let mentor = session(&t.db, &token(&t.db, "mentor", AccountRole::Mentor, Some("S1")).await).await;
        let (status, html, _) = api.page(&mentor, "GET", "/data/schools/1", None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(!html.contains("enter-outcomes"), "{backend:?}");
        assert_eq!(api.page(&mentor, "GET", "/data/schools/1/outcomes", None).await.0, 403, "{backend:?}");
        let one = line(0, &[("enrolled", "5")]);
        assert_eq!(send_entry(&api, &mentor, 1, &choices, std::slice::from_ref(&one)).await.0, 403, "{backend:?}");
        let other = session(&t.db, &token(&t.db, "other", AccountRole::SchoolLeader, Some("S2")).await).await;
        assert_eq!(api.page(&other, "GET", "/data/schools/1/outcomes", None).await.0, 404, "{backend:?}");
        assert_eq!(send_entry(&api, &other, 1, &choices, std::slice::from_ref(&one)).await.0, 404, "{backend:?}");
        let forged = Session { secret: leader.secret.clone(), csrf: "forged".into() };
        assert_eq!(send_entry(&api, &forged, 1, &choices, &[one]).await.0, 403, "{backend:?}");
        assert_eq!(
            count(&t.db, "SELECT CAST(SUM(enrolled) AS BIGINT) FROM learner_outcomes").await,
            1280,
            "{backend:?}"
        );
    }
}

/// A list's items through the API, `(code, item)`.
async fn items(api: &Api, token: &str, path: &str) -> Vec<(String, Value)> {
    let items: Vec<Value> = api.get(token, path).await;
    items.into_iter().map(|i| (i["code"].as_str().unwrap().to_string(), i)).collect()
}

/// Scores stored for MATH: S1's boys in P1 as counts (mean 61.5), S1's girls in P1 from
/// two learners' records (72 and 40, so their cell's mean is 56).
async fn scores(db: &Db) {
    use opencpd_indicators::store::{learners, outcomes};
    use opencpd_kernel::import::{Options, Source};
    let admin = Actor::system();
    let csv = "school_code,year,grade,subject,sex,assessed,mean_score\nS1,2025,P1,MATH,M,30,61.5\n";
    let source = Source::bytes("o.csv", csv.as_bytes().to_vec()).unwrap();
    assert!(outcomes::import(db, &admin, source, Options::default()).await.unwrap().ok());
    let csv = "school_code,year,term,grade,subject,learner,sex,group,score\n\
        S1,2025,,P1,MATH,L-1,F,,72\nS1,2025,,P1,MATH,L-2,F,,40\n";
    let source = Source::bytes("l.csv", csv.as_bytes().to_vec()).unwrap();
    let report = learners::import(db, &admin, source, Options::default()).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}

#[tokio::test]
async fn grades_subjects_and_groups_are_edited_through_the_api_with_the_version_read_and_stored_scores_kept_below_the_maximum()
 {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        lists(&t.db).await;
        scores(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let admin = token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
        let grades = items(&api, &admin, "/api/v1/outcome-grades").await;
        let (p1, p2) = (grades[0].1["id"].as_i64().unwrap(), grades[1].1["id"].as_i64().unwrap());
        assert_eq!(grades[0].1["version"], 1, "{backend:?}: {grades:?}");
        let math = items(&api, &admin, "/api/v1/outcome-subjects").await[0].1["id"].as_i64().unwrap();
        let refugees = items(&api, &admin, "/api/v1/learner-groups").await[0].1["id"].as_i64().unwrap();

        // A grade renamed and moved after P2: flows read the grades in the new order.
        let url = format!("/api/v1/outcome-grades/{p1}");
        let edit = json!({"name": "Primary one", "position": 5, "version": 1});
        let (status, body) = api.call(Some(&admin), "PUT", &url, Some(edit.clone())).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(
            (&body["code"], &body["name"], &body["position"], &body["version"]),
            (&json!("P1"), &json!("Primary one"), &json!(5), &json!(2)),
            "{backend:?}"
        );
        let order: Vec<String> = items(&api, &admin, "/api/v1/outcome-grades").await.into_iter().map(|i| i.0).collect();
        assert_eq!(order, ["P2", "P1"], "{backend:?}");
        // The same edit again names version 1, which is no longer the latest: refused, as
        // is any edit on it, and nothing is written.
        let stale = json!({"name": "Primary ONE", "position": 7, "version": 1});
        let (status, body) = api.call(Some(&admin), "PUT", &url, Some(stale)).await;
        assert_eq!(status, 409, "{backend:?}: {body}");
        assert!(body.to_string().contains("version 1 is not the latest (2)"), "{backend:?}: {body}");
        let now = &items(&api, &admin, "/api/v1/outcome-grades").await[1].1;
        assert_eq!((&now["name"], &now["position"], &now["version"]), (&json!("Primary one"), &json!(5), &json!(2)));

        // Bad fields: 422, each named, nothing written.
        for (body, named) in [
            (json!({"name": "", "position": 2, "version": 2}), vec!["name", "position"]),
            (json!({"name": "P1", "position": 0, "version": 2}), vec!["position"]),
            (json!({"name": "P1", "version": 2}), vec!["position"]),
            (json!({"name": "P1", "position": 6, "max_score": 10, "version": 2}), vec!["max_score"]),
        ] {
            let (status, answer) = api.call(Some(&admin), "PUT", &url, Some(body.clone())).await;
            assert_eq!(status, 422, "{backend:?} {body}: {answer}");
            assert_eq!(columns(&answer), named, "{backend:?} {body}: {answer}");
        }
        let (_, answer) =
            api.call(Some(&admin), "PUT", &url, Some(json!({"name": "x", "position": 2, "version": 2}))).await;
        assert!(answer.to_string().contains("position 2 is already another grade's"), "{backend:?}: {answer}");
        let (status, answer) = api
            .call(Some(&admin), "PUT", &url, Some(json!({"name": "x", "position": 6, "version": 2, "code": "P9"})))
            .await;
        assert_eq!(status, 422, "{backend:?}: a code is not edited: {answer}");
        let (status, _) = api
            .call(
                Some(&admin),
                "PUT",
                "/api/v1/outcome-grades/999",
                Some(json!({"name": "x", "position": 9, "version": 1})),
            )
            .await;
        assert_eq!(status, 404, "{backend:?}");
        // P2 takes position 1 back once free, and P1 the old place of P2: reordered.
        let url2 = format!("/api/v1/outcome-grades/{p2}");
        let (status, _) =
            api.call(Some(&admin), "PUT", &url2, Some(json!({"name": "Primary 2", "position": 1, "version": 1}))).await;
        assert_eq!(status, 200, "{backend:?}");

        // A subject's maximum is not lowered below a score stored for it: S1's boys' mean
        // (61.5) and the girls' cell (mean 56) are outcome rows above 50, learner L-1's 72
        // a learner's record above 50 and 70; the subject, the maximum asked, the counts and
        // the highest are named; nothing is written.
        let url = format!("/api/v1/outcome-subjects/{math}");
        let (status, body) = api
            .call(Some(&admin), "PUT", &url, Some(json!({"name": "Mathematics", "max_score": 50, "version": 1})))
            .await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        assert_eq!(columns(&body), ["max_score"], "{backend:?}");
        let said = body.to_string();
        assert!(
            said.contains("MATH's maximum score cannot be lowered to 50: 2 outcome rows and one learner's record")
                && said.contains("(the highest is 72)"),
            "{backend:?}: {said}"
        );
        let (status, body) = api
            .call(Some(&admin), "PUT", &url, Some(json!({"name": "Mathematics", "max_score": 70, "version": 1})))
            .await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        assert!(body.to_string().contains("no outcome row and one learner's record"), "{backend:?}: {body}");
        let subject = &items(&api, &admin, "/api/v1/outcome-subjects").await[0].1;
        assert_eq!((&subject["max_score"], &subject["version"]), (&json!(100.0), &json!(1)), "{backend:?}");
        // Down to the highest score stored, and renamed: taken.
        let (status, body) =
            api.call(Some(&admin), "PUT", &url, Some(json!({"name": "Maths", "max_score": 72, "version": 1}))).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!((&body["name"], &body["max_score"], &body["version"]), (&json!("Maths"), &json!(72.0), &json!(2)));
        for (body, named) in [
            (json!({"name": "Maths", "max_score": 0, "version": 2}), vec!["max_score"]),
            (json!({"name": "Maths", "version": 2}), vec!["max_score"]),
            (json!({"name": "Maths", "max_score": 80, "position": 2, "version": 2}), vec!["position"]),
        ] {
            let (status, answer) = api.call(Some(&admin), "PUT", &url, Some(body.clone())).await;
            assert_eq!(status, 422, "{backend:?} {body}: {answer}");
            assert_eq!(columns(&answer), named, "{backend:?} {body}: {answer}");
        }
        // An entry above the new maximum is refused as any other.
        let leader = token(&t.db, "leader", AccountRole::SchoolLeader, Some("S1")).await;
        let entry =
            json!({"entries": [{"year": 2025, "grade": "P2", "subject": "MATH", "sex": "M", "mean_score": 75}]});
        let (status, body) = api.call(Some(&leader), "POST", "/api/v1/schools/1/outcomes", Some(entry)).await;
        assert!(status == 422 && body.to_string().contains("above MATH's maximum of 72"), "{backend:?}: {body}");

        // A group renamed; it takes neither a maximum nor a position.
        let url = format!("/api/v1/learner-groups/{refugees}");
        let (status, body) =
            api.call(Some(&admin), "PUT", &url, Some(json!({"name": "Refugee learners", "version": 1}))).await;
        assert_eq!((status.as_u16(), &body["name"]), (200, &json!("Refugee learners")), "{backend:?}: {body}");
        let (status, body) =
            api.call(Some(&admin), "PUT", &url, Some(json!({"name": "R", "position": 1, "version": 2}))).await;
        assert_eq!((status.as_u16(), columns(&body)), (422, vec!["position".to_string()]), "{backend:?}");

        // Rights: only those who may add to the lists edit them, refused before the body is
        // read or the item looked up.
        let national = token(&t.db, "national", AccountRole::NationalOfficer, Some("RW")).await;
        let district = token(&t.db, "district", AccountRole::DistrictOfficer, Some("D1")).await;
        for (who, caller) in [("national", &national), ("district", &district), ("leader", &leader)] {
            for path in [
                format!("/api/v1/outcome-grades/{p1}"),
                format!("/api/v1/outcome-subjects/{math}"),
                format!("/api/v1/learner-groups/{refugees}"),
                "/api/v1/learner-groups/999".to_string(),
            ] {
                let (status, _) =
                    api.call(Some(caller), "PUT", &path, Some(json!({"name": "Taken", "version": 2}))).await;
                assert_eq!(status, 403, "{backend:?} {who} PUT {path}");
            }
        }
        assert_eq!(api.call(None, "PUT", &url, Some(json!({"name": "x", "version": 2}))).await.0, 401);
        let mut names: Vec<String> = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT name FROM outcome_grades UNION ALL SELECT name FROM outcome_subjects \
             UNION ALL SELECT name FROM learner_groups"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        names.sort();
        assert_eq!(names, ["Maths", "Primary 2", "Primary one", "Refugee learners"], "{backend:?}");
        let audited = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'update' \
             AND entity IN ('outcome_grade', 'outcome_subject', 'learner_group')",
        )
        .await;
        assert_eq!(audited, 4, "{backend:?}: one event for each edit saved");
    }
}

#[tokio::test]
async fn the_lists_page_edits_each_item_in_its_rows_form_with_stale_versions_and_bad_fields_named_in_the_readers_language()
 {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        places(&t.db).await;
        lists(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let admin = session(&t.db, &token(&t.db, "admin", AccountRole::SystemAdmin, None).await).await;
        let p1 = count(&t.db, "SELECT id FROM outcome_grades WHERE code = 'P1'").await;
        let math = count(&t.db, "SELECT id FROM outcome_subjects WHERE code = 'MATH'").await;
        let refugees = count(&t.db, "SELECT id FROM learner_groups WHERE code = 'REF'").await;

        // Each row has its form, filled in with what is stored and the version read.
        let (status, html, _) = api.page(&admin, "GET", "/data/lists", None).await;
        assert_eq!(status, 200, "{backend:?}");
        for form in [
            format!("action=\"/data/lists/grades/{p1}\""),
            format!("action=\"/data/lists/subjects/{math}\""),
            format!("action=\"/data/lists/groups/{refugees}\""),
        ] {
            assert!(html.contains(&form), "{backend:?}: {form}");
        }
        assert!(has_value(&html, "max_score", "100") && has_value(&html, "version", "1"), "{backend:?}");
        assert!(has_value(&html, "name", "Primary 1") && has_value(&html, "position", "1"), "{backend:?}");
        assert_eq!(
            html.matches("<td").count(),
            html.matches("<td data-label=").count() + html.matches("<td class=\"num\" data-label=").count(),
            "{backend:?}: every cell labelled for a phone"
        );

        // Saved, the maximum typed as French writes it: back to the list at the item.
        let url = format!("/data/lists/subjects/{math}");
        let form = [("name", "Maths"), ("max_score", "80,5"), ("version", "1")];
        let (status, _, to) = api.page(&admin, "POST", &url, Some(&form)).await;
        let want = format!("/data/lists?saved=MATH#subject-{math}");
        assert_eq!((status.as_u16(), to.as_deref()), (303, Some(want.as_str())), "{backend:?}");
        let (_, html, _) = api.page(&admin, "GET", &want, None).await;
        assert!(html.contains("id=\"saved\"") && html.contains("MATH saved."), "{backend:?}");
        assert!(has_value(&html, "max_score", "80.5") && html.contains(">Maths</td>"), "{backend:?}");

        // The same form sent again names version 1: refused, and the row's form shows the
        // subject as it now is (version 2), open, to be edited again knowingly.
        let (status, html, _) = api.page(&admin, "POST", &url, Some(&form)).await;
        assert_eq!(status, 409, "{backend:?}");
        assert!(html.contains(&format!("id=\"subject-{math}-problems\"")), "{backend:?}");
        assert!(html.contains("version 1 is not the latest (2)"), "{backend:?}: {html}");
        assert!(html.contains("<details open>") && has_value(&html, "version", "2"), "{backend:?}");

        // Bad fields: each named, what was typed kept, nothing written.
        let url = format!("/data/lists/grades/{p1}");
        let form = [("name", ""), ("position", "beaucoup"), ("version", "1")];
        let (status, html, _) = api.page(&admin, "POST", &url, Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        for named in ["column position: beaucoup is not a number", "column name: a value is required"] {
            assert!(html.contains(named), "{backend:?}: «{named}»");
        }
        assert!(has_value(&html, "position", "beaucoup"), "{backend:?}: what was typed kept");
        let form = [("name", "Primary 1"), ("position", "2"), ("version", "1")];
        let (status, html, _) = api.page(&admin, "POST", &url, Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(html.contains("column position: position 2 is already another grade"), "{backend:?}");
        let form = [("name", "Primary 1"), ("position", "3")];
        let (status, html, _) = api.page(&admin, "POST", &url, Some(&form)).await;
        assert!(status == 422 && html.contains("column version: a value is required"), "{backend:?}");
        let stored: (String, i64, i64) =
            on_db!(&t.db, |p| sqlx::query_as("SELECT name, position, version FROM outcome_grades WHERE id = $1")
                .bind(p1)
                .fetch_one(p)
                .await)
            .unwrap();
        assert_eq!(stored, ("Primary 1".to_string(), 1, 1), "{backend:?}: nothing written");
        let form = [("name", "Réfugiés"), ("version", "1")];
        let group_url = format!("/data/lists/groups/{refugees}");
        assert_eq!(api.page(&admin, "POST", &group_url, Some(&form)).await.0, 303, "{backend:?}");

        // In French for a French reader: the forms, a stale version and a maximum below a
        // stored score.
        scores(&t.db).await;
        let french = token(&t.db, "admin.fr", AccountRole::SystemAdmin, None).await;
        on_db!(&t.db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'admin.fr'")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let french = session(&t.db, &french).await;
        let (_, html, _) = api.page(&french, "GET", "/data/lists", None).await;
        assert!(html.contains("Modifier P1") && html.contains("Enregistrer"), "{backend:?}");
        let url = format!("/data/lists/subjects/{math}");
        let form = [("name", "Maths"), ("max_score", "50"), ("version", "1")];
        let (status, html, _) = api.page(&french, "POST", &url, Some(&form)).await;
        assert_eq!(status, 409, "{backend:?}");
        assert!(html.contains("cela contredit des données existantes"), "{backend:?}: {html}");
        let form = [("name", "Maths"), ("max_score", "50"), ("version", "2")];
        let (status, html, _) = api.page(&french, "POST", &url, Some(&form)).await;
        assert_eq!(status, 422, "{backend:?}");
        assert!(
            html.contains("colonne max_score: la note maximale de MATH ne peut pas descendre à 50 : 2 lignes de résultats et un relevé")
                && html.contains("(la note la plus haute est 72)"),
            "{backend:?}: {html}"
        );
        assert_eq!(count(&t.db, "SELECT version FROM outcome_subjects").await, 2, "{backend:?}: nothing written");

        // Readers have no forms; what they send is refused, and so is a form without the
        // session's token.
        let district = session(&t.db, &token(&t.db, "district", AccountRole::DistrictOfficer, Some("D1")).await).await;
        let (_, html, _) = api.page(&district, "GET", "/data/lists", None).await;
        assert!(!html.contains("-edit\"") && !html.contains("<details"), "{backend:?}");
        let form = [("name", "Taken"), ("version", "2")];
        assert_eq!(api.page(&district, "POST", &group_url, Some(&form)).await.0, 403, "{backend:?}");
        let forged = Session { secret: admin.secret.clone(), csrf: "forged".into() };
        assert_eq!(api.page(&forged, "POST", &group_url, Some(&form)).await.0, 403, "{backend:?}");
        let name: String =
            on_db!(&t.db, |p| sqlx::query_scalar("SELECT name FROM learner_groups").fetch_one(p).await).unwrap();
        assert_eq!(name, "Réfugiés", "{backend:?}");
    }
}
