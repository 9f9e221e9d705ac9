//! Rounds with their dates and instruments: tests and observations are read into the round
//! whose dates hold the day they were collected, of the instruments the round uses, so a
//! pre-test and a post-test of one school year are two rounds; bad dates and unknown
//! instruments are refused naming the field, with nothing written.

use super::{ROUNDS, admin, app, design, fixture, invalid_columns, noise};
use crate::people::staff;
use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_evaluation::model::{DrawInput, EvaluationInput, OutcomeQuery, RoundInput};
use opencpd_evaluation::store;
use opencpd_kernel::{Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};
use serde_json::{Value, json};
use std::collections::HashMap;

fn round(code: &str, kind: &str, starts_on: &str, ends_on: &str, instruments: &[&str]) -> RoundInput {
    RoundInput {
        code: code.into(),
        name: format!("{code} test"),
        kind: kind.into(),
        year: 2025,
        term: 0,
        starts_on: starts_on.into(),
        ends_on: ends_on.into(),
        instruments: instruments.iter().map(|i| i.to_string()).collect(),
    }
}

/// One school year, 2025: the pre-test in January and February, the post-test in November;
/// each round uses the test `TEST` and the observation rubric `OBS`.
fn school_year(code: &str, units: Option<&str>) -> EvaluationInput {
    EvaluationInput {
        units: units.map(Into::into),
        rounds: vec![
            round("PRE", "baseline", "2025-01-13", "2025-02-14", &["TEST", "OBS"]),
            round("POST", "endline", "2025-10-27", "2025-11-21", &["TEST", "OBS"]),
        ],
        ..design(code, ROUNDS)
    }
}

/// `OTHER`, a second test no round uses.
async fn other_test(db: &Db) {
    on_db!(db, |p| sqlx::query(
        "INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) \
         VALUES (3, 'OTHER', '1', 'Another test', 'test', 'x.xlsx', '2024-01-01T00:00:00Z')"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
}

/// A submission of `instrument` about `person` on `day`, scored `score` out of 100.
fn submission(uuid: &str, instrument: i64, day: &str, person: i64, path: &str, score: f64) -> String {
    format!(
        "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
         VALUES ('{uuid}', {instrument}, '{day}T09:00:00Z', '{day}T09:00:00Z', 'person', {person}, '{path}', '{{}}', \
         '[{{\"domain\":\"D\",\"score\":{score},\"max\":100,\"items\":1}}]'); "
    )
}

#[tokio::test]
async fn a_pre_and_a_post_test_in_one_school_year_are_two_rounds_each_read_from_its_own_dates() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        staff(db).await;
        other_test(db).await;
        let e = store::create(db, &admin(), &school_year("PP", Some("people"))).await.unwrap();
        assert_eq!(e.rounds.iter().map(|r| r.year).collect::<Vec<_>>(), vec![2025, 2025], "one school year");
        assert_eq!(e.rounds[0].starts_on.to_string(), "2025-01-13");
        assert_eq!(e.rounds[1].instruments, vec!["TEST".to_string(), "OBS".to_string()]);
        let teachers = DrawInput { seed: Some("4".into()), strata_depth: Some(1), role: Some("teacher".into()) };
        let e = store::draw(db, &admin(), e.id, &teachers).await.unwrap();
        let assigned: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
            "SELECT ep.person_id, a.code, CAST(s.unit_path AS TEXT) FROM evaluation_people ep \
             JOIN evaluation_arms a ON a.id = ep.arm_id JOIN schools s ON s.id = ep.school_id \
             WHERE ep.evaluation_id = $1 ORDER BY ep.person_id"
        )
        .bind(e.id)
        .fetch_all(p)
        .await)
        .unwrap();
        // Each teacher's pre-test (3 February) and post-test (10 November), the coached ones
        // 6 points further on; besides, a test between the rounds (2 June) and another test
        // in the post-test's days that no round uses, both scored 0: read into no round.
        let mut sql = String::new();
        let mut expected: HashMap<(i64, &str), f64> = HashMap::new();
        for (person, arm, path) in &assigned {
            let base = 40.0 + (*person % 9) as f64 * 2.0;
            let pre = base + 3.0 * noise(*person as u64);
            let boost = if arm == "COACH" { 6.0 } else { 0.0 };
            let post = base + 4.0 + boost + 3.0 * noise(*person as u64 + 7_919);
            sql.push_str(&submission(&format!("pre-{person}"), 2, "2025-02-03", *person, path, pre));
            sql.push_str(&submission(&format!("post-{person}"), 2, "2025-11-10", *person, path, post));
            sql.push_str(&submission(&format!("june-{person}"), 2, "2025-06-02", *person, path, 0.0));
            sql.push_str(&submission(&format!("other-{person}"), 3, "2025-11-12", *person, path, 0.0));
            expected.insert((*person, "PRE"), pre);
            expected.insert((*person, "POST"), post);
        }
        on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();

        let test = OutcomeQuery { outcome: Some("test".into()), ..Default::default() };
        let (_, rows, _) = store::dataset(db, &admin(), e.id, &test).await.unwrap();
        assert_eq!(rows.len(), assigned.len() * 2, "one row per teacher and round");
        for r in &rows {
            let want = expected[&(r.person_id.unwrap(), r.round.as_str())];
            assert!((r.y - want).abs() < 1e-9 && r.assessed == 1, "{r:?} should read {want} alone");
            assert_eq!(r.post, r.round == "POST");
        }
        let report = store::estimate(db, &admin(), e.id, &test, "en").await.unwrap();
        assert_eq!((report.observations, report.clusters), (assigned.len() as i64 * 2, assigned.len() as i64));
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 6.0).abs() < 1.5 && effect.ci_low < 6.0 && 6.0 < effect.ci_high, "{effect:?}");

        // Practice in a design of schools over the same two rounds: each school's teachers
        // observed in each round's days, the coached schools' 8 points higher after; an
        // observation outside both rounds is read into neither.
        let s = store::create(db, &admin(), &school_year("PS", None)).await.unwrap();
        let s =
            store::draw(db, &admin(), s.id, &DrawInput { seed: Some("9".into()), ..Default::default() }).await.unwrap();
        let coached: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT es.school_id FROM evaluation_schools es JOIN evaluation_arms a ON a.id = es.arm_id \
             WHERE es.evaluation_id = $1 AND a.code = 'COACH'"
        )
        .bind(s.id)
        .fetch_all(p)
        .await)
        .unwrap();
        let mut sql = String::new();
        let mut by_school: HashMap<(i64, &str), Vec<f64>> = HashMap::new();
        for d in 1..=2i64 {
            for i in 1..=12i64 {
                let school = d * 100 + i;
                let path = format!("/1/{}/", d + 1);
                for k in 0..2i64 {
                    let person = school * 10 + k;
                    for (round, day, after) in [("PRE", "2025-01-20", 0.0), ("POST", "2025-11-03", 1.0)] {
                        let boost = if coached.contains(&school) { 8.0 * after } else { 0.0 };
                        let score = 50.0
                            + (school % 5) as f64 * 2.0
                            + after
                            + boost
                            + 2.0 * noise((person * 31) as u64 + after as u64);
                        sql.push_str(&submission(&format!("obs-{round}-{person}"), 1, day, person, &path, score));
                        by_school.entry((school, round)).or_default().push(score);
                    }
                    sql.push_str(&submission(&format!("obs-may-{person}"), 1, "2025-05-05", person, &path, 0.0));
                }
            }
        }
        on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let practice = OutcomeQuery { outcome: Some("practice".into()), ..Default::default() };
        let (_, rows, _) = store::dataset(db, &admin(), s.id, &practice).await.unwrap();
        assert_eq!(rows.len(), 48, "24 schools × 2 rounds");
        for r in &rows {
            let scores = &by_school[&(r.school_id, r.round.as_str())];
            let want = scores.iter().sum::<f64>() / scores.len() as f64;
            assert!((r.y - want).abs() < 1e-9 && r.assessed == 2, "{r:?} should read {want} from 2 observations");
        }
        let report = store::estimate(db, &admin(), s.id, &practice, "en").await.unwrap();
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 8.0).abs() < 2.0 && effect.ci_low < 8.0 && 8.0 < effect.ci_high, "{effect:?}");

        // A round whose days hold no observation is refused, naming its dates.
        let mut later = school_year("PL", None);
        later.rounds[1] = round("POST", "endline", "2025-12-01", "2025-12-19", &["OBS"]);
        let later = store::create(db, &admin(), &later).await.unwrap();
        store::draw(db, &admin(), later.id, &DrawInput { seed: Some("9".into()), ..Default::default() }).await.unwrap();
        let err = store::estimate(db, &admin(), later.id, &practice, "en").await.unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(p) if p[0].code == "evaluation-round-empty-dated"
                && p[0].message("en").contains("from 2025-12-01 to 2025-12-19")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn bad_round_dates_and_unknown_instruments_are_refused_naming_the_field_with_nothing_written() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        staff(db).await;
        let mut bad = school_year("BAD", None);
        bad.rounds = vec![
            round("PRE", "baseline", "2025-01-13", "2025-02-14", &["TEST", "NOPE"]),
            round("MID", "midline", "2025-02-30", "", &[]),
            round("POST", "endline", "2025-11-21", "2025-10-27", &[]),
            round("LATE", "endline", "2025-02-01", "2025-03-01", &[]),
            round("EARLY", "endline", "2024-11-01", "2024-11-30", &["OBS", "OBS"]),
        ];
        let err = store::create(db, &admin(), &bad).await.unwrap_err();
        let messages: Vec<String> = match &err {
            Error::Invalid(problems) => problems.iter().map(|p| p.message("fr")).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            invalid_columns(err),
            [
                ("rounds[4].instruments[1]", "duplicate-in-list"),
                ("rounds[1].starts_on", "bad-date"),
                ("rounds[1].ends_on", "required"),
                ("rounds[2].ends_on", "evaluation-round-dates"),
                ("rounds[3].starts_on", "evaluation-round-overlap"),
                ("rounds[4].starts_on", "evaluation-round-order"),
                ("rounds[0].instruments[1]", "evaluation-instrument-unknown"),
            ]
            .map(|(c, p)| (c.to_string(), p.to_string()))
        );
        assert!(messages[4].contains("PRE") && messages[4].contains("chevauchent"), "{messages:?}");
        for table in ["evaluations", "evaluation_rounds", "evaluation_round_instruments"] {
            let n: i64 =
                on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(p)
                    .await)
                .unwrap();
            assert_eq!(n, 0, "nothing written in {table}");
        }

        // Through the API: the field named; a round without its dates is refused too.
        let token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let api = app(db);
        let body = |pre_ends: &str| {
            json!({"code": "API", "name": "Study", "unit": "RW", "assignment": "randomised",
                "arms": [{"code": "T", "name": "Training"}, {"code": "C", "name": "Comparison", "comparison": true}],
                "rounds": [
                    {"code": "PRE", "name": "Pre-test", "kind": "baseline", "year": 2025, "starts_on": "2025-01-13", "ends_on": pre_ends, "instruments": ["TEST"]},
                    {"code": "POST", "name": "Post-test", "kind": "endline", "year": 2025, "starts_on": "2025-10-27", "ends_on": "2025-11-21", "instruments": ["TEST"]}]})
        };
        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(body("2025-01-10"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(text.contains("rounds[0].ends_on") && text.contains("before it starts"), "{text}");
        let mut undated = body("2025-02-14");
        undated["rounds"][1].as_object_mut().unwrap().remove("starts_on");
        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(undated)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(text.contains("starts_on"), "{text}");
        let n: i64 = on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM evaluations").fetch_one(p).await).unwrap();
        assert_eq!(n, 0);

        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(body("2025-02-14"))).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let created: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(created["rounds"][0]["starts_on"], "2025-01-13");
        assert_eq!(created["rounds"][1]["instruments"], json!(["TEST"]));
        let id = created["id"].as_i64().unwrap();
        let (status, page) = api.text(&token, "GET", &format!("/evaluations/{id}"), None).await;
        assert_eq!(status, StatusCode::OK);
        let rounds = &page[page.find("id=\"rounds\"").expect("the rounds table")..];
        assert!(rounds.contains("2025-10-27 to 2025-11-21") && rounds.contains("TEST"), "{rounds}");
    }
}
