//! Evaluations whose units of assignment are people: teachers drawn into arms from a
//! recorded seed (reproducible, stratified, once) or recorded by staff number, the data set
//! one row per person and round read from their own observations and tests, and estimates
//! with person effects and errors clustered by person.

use super::{ROUNDS, actor, admin, app, design, fixture, invalid_columns, noise};
use axum::http::StatusCode;
use opencpd_domain::evaluation::did;
use opencpd_domain::{AccountRole, Scope};
use opencpd_evaluation::model::{DrawInput, EvaluationInput, OutcomeQuery, RecordInput, RecordedPerson};
use opencpd_evaluation::store;
use opencpd_kernel::{Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};

/// Four teachers at each school (staff numbers T1010 to T2123) and a head teacher (H101…),
/// an observation instrument and a test.
pub(crate) async fn staff(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) VALUES \
         (1, 'OBS', '1', 'Observation', 'observation', 'o.xlsx', '2024-01-01T00:00:00Z'), \
         (2, 'TEST', '1', 'Test', 'test', 't.xlsx', '2024-01-01T00:00:00Z'); ",
    );
    for d in 1..=2i64 {
        for i in 1..=12i64 {
            let school = d * 100 + i;
            for k in 0..5i64 {
                let person = school * 10 + k;
                let (number, role) =
                    if k == 4 { (format!("H{school}"), "head_teacher") } else { (format!("T{person}"), "teacher") };
                sql.push_str(&format!(
                    "INSERT INTO people (id, staff_number, given_name, family_name, sex) VALUES ({person}, '{number}', 'T', 'Teacher', 'F'); \
                     INSERT INTO positions (person_id, role, school_id, path, start_date) VALUES ({person}, '{role}', {school}, '/1/{}/', '2020-01-01'); ",
                    d + 1
                ));
            }
        }
    }
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

/// Each assigned person observed and tested once a round (2024, 2025): the treated ones
/// `practice` points higher in observations and `test` points in tests after the programme.
async fn scores(db: &Db, evaluation: i64, practice: f64, test: f64) {
    let assigned: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT ep.person_id, a.code, CAST(s.unit_path AS TEXT) FROM evaluation_people ep \
         JOIN evaluation_arms a ON a.id = ep.arm_id JOIN schools s ON s.id = ep.school_id \
         WHERE ep.evaluation_id = $1 ORDER BY ep.person_id"
    )
    .bind(evaluation)
    .fetch_all(p)
    .await)
    .unwrap();
    let mut sql = String::new();
    for (person, arm, path) in &assigned {
        for year in [2024i64, 2025] {
            for (instrument, effect) in [(1, practice), (2, test)] {
                let k = (*person * 10_007 + year * 101 + instrument * 7) as u64;
                let boost = if arm == "COACH" && year == 2025 { effect } else { 0.0 };
                let score = 45.0 + (*person % 9) as f64 * 2.0 + (year - 2024) as f64 * 2.0 + boost + 3.0 * noise(k);
                sql.push_str(&format!(
                    "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
                     VALUES ('s{evaluation}-{person}-{year}-{instrument}', {instrument}, '{year}-06-01T09:00:00Z', '{year}-06-01T09:00:00Z', 'person', {person}, '{path}', '{{}}', \
                     '[{{\"domain\":\"D\",\"score\":{score},\"max\":100,\"items\":1}}]'); "
                ));
            }
        }
    }
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

fn of_people(code: &str, unit: &str) -> EvaluationInput {
    EvaluationInput { units: Some("people".into()), unit: unit.into(), ..design(code, ROUNDS) }
}

fn outcome(o: &str) -> OutcomeQuery {
    OutcomeQuery { outcome: Some(o.into()), ..Default::default() }
}

#[tokio::test]
async fn teachers_drawn_into_arms_are_the_units_of_an_estimate_read_from_their_own_scores() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        staff(db).await;
        let bad = EvaluationInput { units: Some("classes".into()), ..design("X", ROUNDS) };
        assert_eq!(
            invalid_columns(store::create(db, &admin(), &bad).await.unwrap_err()),
            vec![("units".to_string(), "bad-choice".to_string())]
        );
        let schools = store::create(db, &admin(), &design("S", ROUNDS)).await.unwrap();
        let teacher = DrawInput { seed: Some("21".into()), strata_depth: Some(1), role: Some("teacher".into()) };
        // A role chooses people: a design of schools refuses it, naming it.
        assert_eq!(
            invalid_columns(store::draw(db, &admin(), schools.id, &teacher).await.unwrap_err()),
            vec![("role".to_string(), "evaluation-role-of-schools".to_string())]
        );
        let a = store::create(db, &admin(), &of_people("PA", "RW")).await.unwrap();
        let b = store::create(db, &admin(), &of_people("PB", "RW")).await.unwrap();
        assert_eq!(a.units, "people");
        let wrong = DrawInput { role: Some("astronaut".into()), ..teacher.clone() };
        assert_eq!(
            invalid_columns(store::draw(db, &admin(), a.id, &wrong).await.unwrap_err()),
            vec![("role".to_string(), "bad-choice".to_string())]
        );
        let a = store::draw(db, &admin(), a.id, &teacher).await.unwrap();
        store::draw(db, &admin(), b.id, &teacher).await.unwrap();
        assert_eq!(a.role.as_deref(), Some("teacher"));
        assert_eq!(a.arms.iter().map(|x| x.people).collect::<Vec<_>>(), vec![48, 48], "96 teachers, head teachers not");
        assert_eq!(a.arms.iter().map(|x| x.schools).sum::<i64>(), 0);
        let arms_of = |id: i64| async move {
            let rows: Vec<(i64, String, String)> = on_db!(db, |p| sqlx::query_as(
                "SELECT ep.person_id, a.code, ep.stratum FROM evaluation_people ep JOIN evaluation_arms a ON a.id = ep.arm_id \
                 WHERE ep.evaluation_id = $1 ORDER BY ep.person_id"
            )
            .bind(id)
            .fetch_all(p)
            .await)
            .unwrap();
            rows
        };
        let (ra, rb) = (arms_of(a.id).await, arms_of(b.id).await);
        assert_eq!(ra, rb, "the same seed and people give the same arms");
        for district in ["D1", "D2"] {
            assert_eq!(ra.iter().filter(|r| r.2 == district && r.1 == "COACH").count(), 24, "{district}");
        }
        // Once: a second assignment is a conflict.
        let again = store::draw(db, &admin(), a.id, &teacher).await.unwrap_err();
        assert!(matches!(&again, Error::Conflict(p) if p.code == "evaluation-assigned"), "{again:?}");

        scores(db, a.id, 8.0, 5.0).await;
        let (_, rows, _) = store::dataset(db, &admin(), a.id, &outcome("practice")).await.unwrap();
        assert_eq!(rows.len(), 96 * 2, "one row per person and round");
        assert!(rows.iter().all(|r| r.person_id.is_some() && r.assessed == 1));
        assert!(rows.iter().all(|r| r.staff_number.as_deref().is_some_and(|n| n.starts_with('T'))));
        let report = store::estimate(db, &admin(), a.id, &outcome("practice"), "en").await.unwrap();
        assert_eq!((report.observations, report.clusters, report.units.as_str()), (192, 96, "people"));
        assert_eq!(report.per_arm.iter().map(|x| x.people).sum::<i64>(), 96);
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 8.0).abs() < 1.5 && effect.ci_low < 8.0 && 8.0 < effect.ci_high, "{effect:?}");
        assert!(report.caveats.iter().any(|c| c.contains("People were assigned")), "{:?}", report.caveats);
        assert!(report.caveats.iter().any(|c| c.contains("clustered by person")), "{:?}", report.caveats);
        assert!(report.bootstrap.is_empty(), "96 clusters need no bootstrap");
        // Person effects and errors clustered by person: the estimator on the data set.
        let design = did::Design {
            rounds: ROUNDS.iter().map(|r| did::Round { name: r.0.into(), post: r.1 != "baseline" }).collect(),
            arms: vec!["COACH".into(), "CMP".into()],
            comparison: 1,
            assignment: did::Assignment::Randomised,
        };
        let observations: Vec<did::Observation> = rows
            .iter()
            .map(|r| did::Observation {
                unit: r.person_id.unwrap(),
                cluster: r.person_id.unwrap(),
                round: ROUNDS.iter().position(|x| x.0 == r.round).unwrap(),
                arm: usize::from(r.arm == "CMP"),
                y: r.y,
            })
            .collect();
        let direct = did::estimate(&design, &observations).unwrap();
        assert!((direct.coefficients[0].estimate - effect.estimate).abs() < 1e-9);
        assert!((direct.coefficients[0].se - effect.se).abs() < 1e-9);
        assert_eq!(direct.clusters, 96);
        let tests = store::estimate(db, &admin(), a.id, &outcome("test"), "en").await.unwrap();
        let effect = &tests.coefficients[0];
        assert!((effect.estimate - 5.0).abs() < 1.5 && effect.ci_low < 5.0 && 5.0 < effect.ci_high, "{effect:?}");
        assert!(tests.outcome.starts_with("Tests"), "{}", tests.outcome);

        // Outcomes of schools are not outcomes of people, nor the reverse: named.
        for asked in ["mean_score", "indicator:proficiency-rate"] {
            assert_eq!(
                invalid_columns(store::estimate(db, &admin(), a.id, &outcome(asked), "en").await.unwrap_err()),
                vec![("outcome".to_string(), "evaluation-outcome-of-schools".to_string())],
                "{asked}"
            );
        }
        assert_eq!(
            invalid_columns(store::estimate(db, &admin(), schools.id, &outcome("test"), "en").await.unwrap_err()),
            vec![("outcome".to_string(), "evaluation-outcome-of-people".to_string())]
        );

        // A district officer reads the estimate of an evaluation of their district, but a
        // design of people's data set (each person's own scores) is for row-level readers.
        let d1 = store::create(db, &admin(), &of_people("D1P", "D1")).await.unwrap();
        let d1 = store::draw(db, &admin(), d1.id, &DrawInput { strata_depth: None, ..teacher.clone() }).await.unwrap();
        assert_eq!(d1.arms.iter().map(|x| x.people).sum::<i64>(), 48, "the teachers of D1 only");
        scores(db, d1.id, 8.0, 5.0).await;
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        store::estimate(db, &officer, d1.id, &outcome("practice"), "en").await.unwrap();
        assert!(matches!(store::dataset(db, &officer, d1.id, &outcome("practice")).await, Err(Error::Forbidden)));

        // Through the API: the data set one row per person and round.
        let token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let api = app(db);
        let (status, csv) =
            api.text(&token, "GET", &format!("/api/v1/evaluations/{}/data?outcome=test", a.id), None).await;
        assert_eq!(status, StatusCode::OK, "{csv}");
        assert!(csv.starts_with("person_id,staff_number,school_id,school_code,"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + 192);
        let (status, page) = api.text(&token, "GET", &format!("/evaluations/{}?outcome=practice", a.id), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"report\"") && page.contains("observations of 96 people"), "{page}");
        assert!(page.contains("<option value=\"test\""), "{page}");
    }
}

#[tokio::test]
async fn a_recorded_assignment_of_people_names_each_bad_row_and_an_estimate_of_too_few_is_refused() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        staff(db).await;
        // An evaluation of district D1's teachers.
        let e = store::create(db, &admin(), &of_people("REC", "D1")).await.unwrap();
        let row = |person: &str, arm: &str| RecordedPerson { person: person.into(), arm: arm.into() };
        let bad = RecordInput {
            people: vec![
                row("T1010", "COACH"),
                row("T1011", "TRAIN"),
                // Works in D2: outside the evaluation's place.
                row("T2010", "CMP"),
                row("NOBODY", "CMP"),
                row(" T1010", "CMP"),
            ],
            schools: vec![opencpd_evaluation::model::RecordedSchool { school: "S101".into(), arm: "CMP".into() }],
        };
        let columns = invalid_columns(store::record(db, &admin(), e.id, &bad).await.unwrap_err());
        assert_eq!(
            columns,
            vec![
                ("schools".to_string(), "evaluation-units-listed".to_string()),
                ("people[1].arm".to_string(), "bad-choice".to_string()),
                ("people[2].person".to_string(), "evaluation-person-outside".to_string()),
                ("people[3].person".to_string(), "evaluation-person-outside".to_string()),
                ("people[4].person".to_string(), "duplicate-in-list".to_string()),
            ]
        );
        let stored: i64 =
            on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM evaluation_people").fetch_one(p).await).unwrap();
        assert_eq!(stored, 0, "nothing written");
        assert!(store::get(db, &admin(), e.id).await.unwrap().assigned_at.is_none());

        // Three people: recorded, but too few for an estimate, which says why.
        let few = RecordInput {
            people: vec![row("T1010", "COACH"), row("T1020", "COACH"), row("T1030", "CMP")],
            ..Default::default()
        };
        let e = store::record(db, &admin(), e.id, &few).await.unwrap();
        assert_eq!(e.arms.iter().map(|a| a.people).collect::<Vec<_>>(), vec![2, 1]);
        scores(db, e.id, 8.0, 5.0).await;
        let err = store::estimate(db, &admin(), e.id, &outcome("practice"), "en").await.unwrap_err();
        match err {
            Error::Invalid(p) => {
                assert!(p[0].code.starts_with("evaluation-few-people"), "{p:?}");
                let words = p[0].message("en");
                assert!(words.contains("people") && words.contains("practice"), "{words}");
                assert!(p[0].message("fr").contains("personnes"));
            }
            other => panic!("{other:?}"),
        }
        // Recorded once.
        let again = RecordInput { people: vec![row("T1040", "CMP")], ..Default::default() };
        assert!(matches!(store::record(db, &admin(), e.id, &again).await, Err(Error::Conflict(_))));
    }
}
