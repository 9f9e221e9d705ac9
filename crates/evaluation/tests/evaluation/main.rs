//! Evaluations on both backends: designs checked field by field, assignment drawn from a
//! seed (reproducible, stratified, once) or recorded (all rows or none), the analysis data
//! set read from learner outcomes, estimates that agree with the domain's estimator on that
//! data set and find a known effect, refusals with their reasons, scope, and the API and
//! page through the app.

mod indicators;
mod kirkpatrick;
mod needs;
mod people;
mod practice;
mod rounds;

use axum::http::StatusCode;
use opencpd_domain::evaluation::did;
use opencpd_domain::{AccountRole, Grant, Scope};
use opencpd_evaluation::model::{
    ArmInput, DrawInput, EvaluationInput, OutcomeQuery, RecordInput, RecordedSchool, RoundInput,
};
use opencpd_evaluation::store;
use opencpd_kernel::paging::Page;
use opencpd_kernel::{Actor, Db, Error, on_db};
use opencpd_testkit::api::Api;
use opencpd_testkit::{TestDb, backends};
use serde_json::{Value, json};
use std::collections::HashMap;

fn actor(role: AccountRole, scope: Scope) -> Actor {
    Actor {
        user_id: None,
        username: "u".into(),
        display_name: "U".into(),
        language: "en".into(),
        grants: vec![Grant { role, scope }],
    }
}

fn admin() -> Actor {
    actor(AccountRole::SystemAdmin, Scope::Everything)
}

/// Rwanda (1) with districts D1 (2) and D2 (3), 12 schools each (S101… in D1, S201… in
/// D2); grades P3 and P6, subject MATH scored out of 50.
async fn fixture(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
         (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'), \
         (3, 1, 'RW', 1, 'D2', 'Two', '/1/3/'); \
         INSERT INTO outcome_grades (id, code, name, position) VALUES (1, 'P3', 'Primary 3', 3), (2, 'P6', 'Primary 6', 6); \
         INSERT INTO outcome_subjects (id, code, name, max_score) VALUES (1, 'MATH', 'Mathematics', 50); \
         INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES ",
    );
    let mut first = true;
    for d in 1..=2 {
        for i in 1..=12 {
            if !first {
                sql.push_str(", ");
            }
            first = false;
            let id = d * 100 + i;
            sql.push_str(&format!("({id}, 'S{id}', 'School {id}', {}, '/1/{}/', 'primary', 'public')", d + 1, d + 1));
        }
    }
    sql.push(';');
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

fn design(code: &str, rounds: &[(&str, &str, i64)]) -> EvaluationInput {
    EvaluationInput {
        code: code.into(),
        name: format!("Coaching study {code}"),
        unit: "RW".into(),
        assignment: "randomised".into(),
        units: None,
        arms: vec![
            ArmInput { code: "COACH".into(), name: "Coaching".into(), comparison: false, ratio: 1 },
            ArmInput { code: "CMP".into(), name: "Comparison".into(), comparison: true, ratio: 1 },
        ],
        rounds: rounds
            .iter()
            .map(|(code, kind, year)| RoundInput {
                code: (*code).into(),
                name: (*code).into(),
                kind: (*kind).into(),
                year: *year,
                term: 0,
                starts_on: format!("{year}-01-01"),
                ends_on: format!("{year}-12-31"),
                instruments: Vec::new(),
            })
            .collect(),
    }
}

const ROUNDS: &[(&str, &str, i64)] = &[("BL", "baseline", 2024), ("EL", "endline", 2025)];

/// A small deterministic noise in [-1, 1).
fn noise(k: u64) -> f64 {
    let mut x = k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Learner outcomes for every school and year: a school level, a year trend, and
/// `effect` points (of 100) for schools in `treated` in years after 2024; two grades and
/// both sexes, so the data set's weighting by learners assessed is exercised.
async fn outcomes(db: &Db, years: &[i64], treated: &[i64], effect: f64) {
    let mut rows = Vec::new();
    for d in 1..=2i64 {
        for i in 1..=12i64 {
            let school = d * 100 + i;
            for &year in years {
                for grade in [1i64, 2] {
                    for (s, sex) in ["F", "M"].iter().enumerate() {
                        let level = 40.0 + (school % 7) as f64 * 3.0;
                        let trend = (year - 2023) as f64 * 2.0;
                        let boost = if treated.contains(&school) && year > 2024 { effect } else { 0.0 };
                        let k = (school * 10_000 + year * 10 + grade * 2 + s as i64) as u64;
                        let percent = level + trend + boost + 3.0 * noise(k);
                        let mean = percent / 100.0 * 50.0;
                        let assessed = 20 + (k % 11) as i64;
                        rows.push(format!(
                            "({school}, {year}, 0, {grade}, 1, '{sex}', 0, {assessed}, {assessed}, {mean}, {})",
                            assessed / 2
                        ));
                    }
                }
            }
        }
    }
    let sql = format!(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, assessed, mean_score, proficient) VALUES {}",
        rows.join(", ")
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
    opencpd_indicators::store::rollup::refresh_all(db).await.unwrap();
}

fn invalid_columns(e: Error) -> Vec<(String, String)> {
    match e {
        Error::Invalid(problems) => {
            problems.into_iter().map(|p| (p.column.clone().unwrap_or_default(), p.code.to_string())).collect()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn math() -> OutcomeQuery {
    OutcomeQuery { subject: Some("MATH".into()), ..Default::default() }
}

#[tokio::test]
async fn a_design_is_checked_field_by_field_and_set_up_by_programme_managers_only() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let mut bad = design("E1", &[("BL", "baseline", 2024), ("EL", "final", 2025)]);
        bad.arms[1].comparison = false;
        bad.unit = "RW".into();
        let columns = invalid_columns(store::create(db, &admin(), &bad).await.unwrap_err());
        assert!(columns.contains(&("arms".into(), "evaluation-arms".into())), "{columns:?}");
        assert!(columns.contains(&("rounds[1].kind".into(), "bad-choice".into())), "{columns:?}");
        let only_baselines = design("E1", &[("BL", "baseline", 2024)]);
        let columns = invalid_columns(store::create(db, &admin(), &only_baselines).await.unwrap_err());
        assert_eq!(columns, vec![("rounds".to_string(), "evaluation-rounds".to_string())]);
        let mut nowhere = design("E1", ROUNDS);
        nowhere.unit = "XX".into();
        let columns = invalid_columns(store::create(db, &admin(), &nowhere).await.unwrap_err());
        assert_eq!(columns, vec![("unit".to_string(), "unknown-unit".to_string())]);
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        assert!(matches!(store::create(db, &officer, &design("E1", ROUNDS)).await, Err(Error::Forbidden)));
        let count: i64 =
            on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM evaluations").fetch_one(p).await).unwrap();
        assert_eq!(count, 0, "nothing written by refused designs");

        let e = store::create(db, &admin(), &design("E1", ROUNDS)).await.unwrap();
        assert_eq!(e.arms.len(), 2);
        assert_eq!(e.rounds.iter().map(|r| r.post).collect::<Vec<_>>(), vec![false, true]);
        // Read by those who read its whole place; out of scope is "not found".
        assert!(matches!(store::get(db, &officer, e.id).await, Err(Error::NotFound)));
        assert!(store::list(db, &officer, &Page::first()).await.unwrap().items.is_empty());
        assert_eq!(store::list(db, &admin(), &Page::first()).await.unwrap().items.len(), 1);
        assert!(matches!(store::create(db, &admin(), &design("E1", ROUNDS)).await, Err(Error::Conflict(_))));
    }
}

#[tokio::test]
async fn a_draw_is_reproducible_from_its_seed_stratified_and_made_once() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let arms_of = |db: &Db, id: i64| {
            let db = db.clone();
            async move {
                let rows: Vec<(i64, String, String)> = on_db!(&db, |p| sqlx::query_as(
                    "SELECT s.school_id, a.code, s.stratum FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id \
                     WHERE s.evaluation_id = $1 ORDER BY s.school_id"
                )
                .bind(id)
                .fetch_all(p)
                .await)
                .unwrap();
                rows
            }
        };
        let draw = DrawInput { seed: Some("20261205".into()), strata_depth: Some(1), role: None };
        let a = store::create(db, &admin(), &design("A", ROUNDS)).await.unwrap();
        let b = store::create(db, &admin(), &design("B", ROUNDS)).await.unwrap();
        let c = store::create(db, &admin(), &design("C", ROUNDS)).await.unwrap();
        let a = store::draw(db, &admin(), a.id, &draw).await.unwrap();
        store::draw(db, &admin(), b.id, &draw).await.unwrap();
        store::draw(db, &admin(), c.id, &DrawInput { seed: Some("7".into()), strata_depth: Some(1), role: None })
            .await
            .unwrap();
        let (ra, rb, rc) = (arms_of(db, a.id).await, arms_of(db, b.id).await, arms_of(db, c.id).await);
        assert_eq!(ra.len(), 24);
        assert_eq!(ra, rb, "the same seed and schools give the same arms");
        assert_ne!(ra, rc, "another seed gives another draw");
        assert_eq!(a.seed.as_deref(), Some("20261205"));
        assert!(a.assigned_at.is_some());
        // Half of each district in each arm.
        for district in ["D1", "D2"] {
            let coached = ra.iter().filter(|r| r.2 == district && r.1 == "COACH").count();
            assert_eq!(coached, 6, "{district}");
        }
        // Once: a second draw or a recorded assignment is a conflict that names the first.
        let again = store::draw(db, &admin(), a.id, &draw).await.unwrap_err();
        assert!(matches!(&again, Error::Conflict(p) if p.code == "evaluation-assigned"), "{again:?}");
        let record = RecordInput {
            schools: vec![RecordedSchool { school: "S101".into(), arm: "CMP".into() }],
            ..Default::default()
        };
        assert!(matches!(store::record(db, &admin(), a.id, &record).await, Err(Error::Conflict(_))));
        assert_eq!(arms_of(db, a.id).await, ra);

        // A draw asked without a seed draws one and records it: the same seed given to
        // another design of the same schools gives the same arms.
        let d = store::create(db, &admin(), &design("D", ROUNDS)).await.unwrap();
        let d = store::draw(db, &admin(), d.id, &DrawInput { seed: None, strata_depth: Some(1), role: None })
            .await
            .unwrap();
        let seed = d.seed.clone().expect("the seed drawn is recorded");
        assert!(seed.parse::<u64>().is_ok(), "{seed}");
        let e = store::create(db, &admin(), &design("E", ROUNDS)).await.unwrap();
        store::draw(db, &admin(), e.id, &DrawInput { seed: Some(seed), strata_depth: Some(1), role: None })
            .await
            .unwrap();
        assert_eq!(arms_of(db, d.id).await, arms_of(db, e.id).await);
    }
}

#[tokio::test]
async fn a_recorded_assignment_is_all_rows_or_none_with_each_bad_row_named() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let e = store::create(db, &admin(), &design("R", ROUNDS)).await.unwrap();
        let row = |school: &str, arm: &str| RecordedSchool { school: school.into(), arm: arm.into() };
        let bad = RecordInput {
            schools: vec![row("S101", "COACH"), row("S102", "TRAIN"), row("S999", "CMP"), row("S101", "CMP")],
            ..Default::default()
        };
        let columns = invalid_columns(store::record(db, &admin(), e.id, &bad).await.unwrap_err());
        assert_eq!(
            columns,
            vec![
                ("schools[1].arm".to_string(), "bad-choice".to_string()),
                ("schools[2].school".to_string(), "evaluation-school-outside".to_string()),
                ("schools[3].school".to_string(), "duplicate-in-list".to_string()),
            ]
        );
        let stored: i64 =
            on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM evaluation_schools").fetch_one(p).await).unwrap();
        assert_eq!(stored, 0);
        assert!(store::get(db, &admin(), e.id).await.unwrap().assigned_at.is_none());
        let good = RecordInput { schools: vec![row("S101", "COACH"), row("S201", "CMP")], ..Default::default() };
        let e = store::record(db, &admin(), e.id, &good).await.unwrap();
        assert_eq!(e.arms.iter().map(|a| a.schools).collect::<Vec<_>>(), vec![1, 1]);
        assert_eq!(e.seed, None);
    }
}

#[tokio::test]
async fn an_estimate_finds_the_known_effect_and_agrees_with_the_estimator_on_the_data_set() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let rounds = [("B1", "baseline", 2023), ("B2", "baseline", 2024), ("EL", "endline", 2025)];
        let e = store::create(db, &admin(), &design("K", &rounds)).await.unwrap();
        // Refused before any assignment, with the reason.
        let err = store::estimate(db, &admin(), e.id, &math(), "en").await.unwrap_err();
        assert!(matches!(&err, Error::Invalid(p) if p[0].code == "evaluation-unassigned"), "{err:?}");
        let e =
            store::draw(db, &admin(), e.id, &DrawInput { seed: Some("11".into()), strata_depth: Some(1), role: None })
                .await
                .unwrap();
        // A round with no data is named.
        outcomes(db, &[2023, 2024], &[], 0.0).await;
        let err = store::estimate(db, &admin(), e.id, &math(), "en").await.unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(p) if p[0].code == "evaluation-round-empty" && p[0].message("en").contains("EL")),
            "{err:?}"
        );
        let treated: Vec<i64> = {
            let rows: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
                "SELECT s.school_id FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id WHERE a.code = 'COACH'"
            )
            .fetch_all(p)
            .await)
            .unwrap();
            rows
        };
        outcomes(db, &[2025], &treated, 6.0).await;

        let report = store::estimate(db, &admin(), e.id, &math(), "en").await.unwrap();
        assert_eq!((report.observations, report.clusters), (72, 24));
        assert_eq!(report.coefficients.len(), 1);
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 6.0).abs() < 1.5, "{effect:?}");
        assert!(effect.ci_low < 6.0 && 6.0 < effect.ci_high, "{effect:?}");
        // Fewer than 40 schools: the bootstrap interval, reproducible from its seed.
        assert_eq!(report.bootstrap.len(), 1);
        assert_eq!(report.bootstrap[0].seed, e.id.to_string());
        let again = store::estimate(db, &admin(), e.id, &math(), "en").await.unwrap();
        assert_eq!(
            (again.bootstrap[0].low, again.bootstrap[0].high),
            (report.bootstrap[0].low, report.bootstrap[0].high)
        );
        assert!(report.caveats.iter().any(|c| c.contains("at random")), "{:?}", report.caveats);
        assert!(report.caveats.iter().any(|c| c.contains("24")), "{:?}", report.caveats);
        let fr = store::estimate(db, &admin(), e.id, &math(), "fr").await.unwrap();
        assert!(fr.caveats.iter().any(|c| c.contains("tirage au sort")), "{:?}", fr.caveats);

        // The same numbers as the estimator run on the downloaded data set.
        let (_, rows, _) = store::dataset(db, &admin(), e.id, &math()).await.unwrap();
        assert_eq!(rows.len(), 72);
        // Each school's mean over its grades and sexes, weighted by the learners assessed,
        // as the outcome rows give it: the schools' totals the data set reads say the same.
        let straight: Vec<(String, i64, f64, i64)> = on_db!(db, |p| sqlx::query_as(
            "SELECT s.code, lo.year, CAST(100.0 * SUM(lo.mean_score * lo.assessed) / SUM(lo.assessed) / MAX(sub.max_score) \
                    AS DOUBLE PRECISION), CAST(SUM(lo.assessed) AS BIGINT) \
             FROM learner_outcomes lo JOIN schools s ON s.id = lo.school_id \
             JOIN outcome_subjects sub ON sub.id = lo.subject_id \
             WHERE lo.subject_id = 1 AND lo.group_id = 0 GROUP BY s.code, lo.year"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        let straight: HashMap<(String, i64), (f64, i64)> =
            straight.into_iter().map(|(school, year, y, n)| ((school, year), (y, n))).collect();
        for r in &rows {
            let year = rounds.iter().find(|x| x.0 == r.round).unwrap().2;
            let (y, n) = straight[&(r.school_code.clone(), year)];
            assert!((r.y - y).abs() < 1e-9, "{backend:?} {} {}: {} against {y}", r.school_code, r.round, r.y);
            assert_eq!(r.assessed, n, "{backend:?} {} {}", r.school_code, r.round);
        }
        let design = did::Design {
            rounds: rounds.iter().map(|r| did::Round { name: r.0.into(), post: r.1 != "baseline" }).collect(),
            arms: vec!["COACH".into(), "CMP".into()],
            comparison: 1,
            assignment: did::Assignment::Randomised,
        };
        let observations: Vec<did::Observation> = rows
            .iter()
            .map(|r| did::Observation {
                unit: r.school_id,
                cluster: r.school_id,
                round: rounds.iter().position(|x| x.0 == r.round).unwrap(),
                arm: usize::from(r.arm == "CMP"),
                y: r.y,
            })
            .collect();
        let direct = did::estimate(&design, &observations).unwrap();
        assert!((direct.coefficients[0].estimate - effect.estimate).abs() < 1e-9);
        assert!((direct.coefficients[0].se - effect.se).abs() < 1e-9);

        // The event study: two baselines, the reference the last of them; the earlier
        // baseline shows no pre-trend.
        let q = OutcomeQuery { spec: Some("event_study".into()), ..math() };
        let event = store::estimate(db, &admin(), e.id, &q, "en").await.unwrap();
        assert_eq!(event.reference_round.as_deref(), Some("B2"));
        let pre = event.coefficients.iter().find(|c| c.round.as_deref() == Some("B1")).unwrap();
        assert!(pre.ci_low < 0.0 && 0.0 < pre.ci_high, "{pre:?}");

        // The small-sample factor may leave out the school effects nested in the clusters:
        // the same estimate, a smaller factor, narrower intervals.
        let nested = OutcomeQuery { correction: Some("nested".into()), ..math() };
        let narrower = store::estimate(db, &admin(), e.id, &nested, "en").await.unwrap();
        assert_eq!(narrower.correction, "nested");
        assert!((narrower.coefficients[0].estimate - effect.estimate).abs() < 1e-12);
        assert!(narrower.small_sample_factor < report.small_sample_factor);
        assert!(narrower.coefficients[0].se < effect.se);
        assert!(narrower.parameters < report.parameters);

        // Bad parameters are named.
        let q = OutcomeQuery { outcome: Some("height".into()), subject: Some("ART".into()), ..Default::default() };
        let columns = invalid_columns(store::estimate(db, &admin(), e.id, &q, "en").await.unwrap_err());
        assert_eq!(
            columns,
            vec![
                ("outcome".to_string(), "bad-choice".to_string()),
                ("subject".to_string(), "unknown-subject".to_string())
            ]
        );
    }
}

/// The text of a PDF as a reader extracts it, on one line.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF a reader opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An app serving the evaluation area, and an administrator's token.
fn app(db: &Db) -> Api {
    Api::new(db, &[&opencpd_evaluation::web::AREA])
}

/// A school's round resting on fewer learners than the small cell threshold is a small
/// cell of the analysis data set: a district officer (no row-level rights) gets its
/// outcome left out and its count as "<5"; an administrator the row as it is.
#[tokio::test]
async fn the_data_set_hides_a_round_on_too_few_learners_from_readers_without_row_level_rights() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let mut input = design("D1STUDY", ROUNDS);
        input.unit = "D1".into();
        let e = store::create(db, &admin(), &input).await.unwrap();
        let draw = opencpd_evaluation::model::DrawInput { seed: Some("5".into()), ..Default::default() };
        store::draw(db, &admin(), e.id, &draw).await.unwrap();
        outcomes(db, &[2024, 2025], &[], 0.0).await;
        // School 103's endline in P3: two learners, one a sex.
        on_db!(db, |p| sqlx::query(
            "UPDATE learner_outcomes SET assessed = 1, enrolled = 1 WHERE school_id = 103 AND year = 2025 AND grade_id = 1"
        )
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        opencpd_indicators::store::rollup::refresh_all(db).await.unwrap();
        let api = app(db);
        let admin_token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let officer = opencpd_testkit::api::token(db, "officer", AccountRole::DistrictOfficer, Some("D1")).await;
        let path = format!("/api/v1/evaluations/{}/data?subject=MATH&grade=P3", e.id);
        let row_of = |csv: &str, school: &str, round: &str| -> Vec<String> {
            csv.lines()
                .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
                .find(|cells| cells[1] == school && cells[5] == round)
                .unwrap_or_else(|| panic!("{school} {round} in {csv}"))
        };
        let (status, csv) = api.text(&admin_token, "GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{csv}");
        let row = row_of(&csv, "S103", "EL");
        assert_eq!(row[8], "2");
        assert!(row[7].parse::<f64>().is_ok(), "{row:?}");
        let (status, csv) = api.text(&officer, "GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{csv}");
        assert_eq!(csv.lines().count(), 1 + 24, "every school and round is listed: {csv}");
        let row = row_of(&csv, "S103", "EL");
        assert_eq!((row[7].as_str(), row[8].as_str()), ("", "<5"), "{row:?}");
        // The other rounds rest on enough learners and are shown.
        let row = row_of(&csv, "S103", "BL");
        assert!(row[7].parse::<f64>().is_ok() && row[8].parse::<i64>().unwrap() >= 5, "{row:?}");
    }
}

#[tokio::test]
async fn the_api_and_page_show_the_estimate_with_its_chart_and_the_data_set() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let api = app(db);
        let body = json!({"code": "API", "name": "Study", "unit": "RW", "assignment": "observational",
            "arms": [{"code": "T", "name": "Training"}, {"code": "C", "name": "Comparison", "comparison": true}],
            "rounds": [{"code": "BL", "name": "Baseline", "kind": "baseline", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
                {"code": "EL", "name": "Endline", "kind": "endline", "year": 2025, "starts_on": "2025-01-01", "ends_on": "2025-12-31"}]});
        let mut unknown = body.clone();
        unknown["arm"] = json!("T");
        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(unknown)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
        assert!(text.contains("arm"), "{text}");
        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let id = serde_json::from_str::<Value>(&text).unwrap()["id"].as_i64().unwrap();
        let (status, text) =
            api.text(&token, "POST", &format!("/api/v1/evaluations/{id}/draw"), Some(json!({"seed": "3"}))).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let (status, _) = api.text(&token, "POST", &format!("/api/v1/evaluations/{id}/draw"), Some(json!({}))).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let treated: Vec<i64> = on_db!(db, |p| {
            sqlx::query_scalar(
            "SELECT s.school_id FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id WHERE a.code = 'T'"
        )
        .fetch_all(p)
        .await
        })
        .unwrap();
        outcomes(db, &[2024, 2025], &treated, 5.0).await;

        let report: opencpd_evaluation::model::ImpactReport =
            api.get(&token, &format!("/api/v1/evaluations/{id}/estimate?subject=MATH&grade=P3")).await;
        assert_eq!(report.clusters, 24);
        assert_eq!(report.per_arm.iter().map(|a| a.schools).sum::<i64>(), 24);
        assert!(report.caveats.iter().any(|c| c.contains("parallel trends")), "{:?}", report.caveats);
        let (status, text) =
            api.text(&token, "GET", &format!("/api/v1/evaluations/{id}/estimate?subject=MATH&spec=best"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text.contains("spec"), "{text}");
        let (status, csv) = api.text(&token, "GET", &format!("/api/v1/evaluations/{id}/data?subject=MATH"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.starts_with("school_id,school_code,school_name,stratum,arm,round,post,y,assessed"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + 48);
        let (status, pdf) = api
            .text(&token, "GET", &format!("/api/v1/evaluations/{id}/report?subject=MATH&spec=event_study"), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with("%PDF-"), "a PDF report");
        // The report states the estimate with what it rests on and its caveats, in the
        // reader's language.
        let uri = format!("/api/v1/evaluations/{id}/report?subject=MATH&grade=P3");
        let english = pdf_text(&api.send(Some(&token), "GET", &uri, None).await.body);
        for expected in ["95% interval", "48 observations of 24 schools", "Wild cluster bootstrap", "parallel trends"] {
            assert!(english.contains(expected), "{expected}: {english}");
        }
        let french = opencpd_testkit::api::token(db, "lecteur", AccountRole::SystemAdmin, None).await;
        on_db!(db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'lecteur'")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        let french = pdf_text(&api.send(Some(&french), "GET", &uri, None).await.body);
        for expected in ["Intervalle à 95 %", "48 observations de 24 écoles", "tendances parallèles"] {
            assert!(french.contains(expected), "{expected}: {french}");
        }
        let (status, text) =
            api.text(&token, "GET", &format!("/api/v1/evaluations/{id}/report?subject=ART"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a parameter named wrong is a 422: {text}");
        let (status, text) =
            api.text(&token, "GET", "/api/v1/evaluations/power?clusters=40&per_cluster=20&icc=0.2", None).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let mde = serde_json::from_str::<Value>(&text).unwrap()["minimum_detectable_effect"].as_f64().unwrap();
        assert!((mde - 0.4454824609).abs() < 1e-6, "{mde}");
        let (status, _) =
            api.text(&token, "GET", "/api/v1/evaluations/power?clusters=2&per_cluster=20&icc=0.2", None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, page) =
            api.text(&token, "GET", &format!("/evaluations/{id}?subject=MATH&spec=pooled"), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("<svg") && page.contains("id=\"effects\""), "{page}");
        assert!(page.contains("parallel trends"));
        assert!(!page.contains("style="), "the chart uses presentation attributes only");
        let (status, page) =
            api.text(&token, "GET", &format!("/evaluations/{id}?subject=MATH&grade=P6&outcome=proficient"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"report\"") && page.contains("proficient or advanced"), "{page}");
        // An estimate that cannot be made is refused on the page with its reason, never shown.
        let unassigned = json!({"code": "LATER", "name": "Later", "unit": "RW", "assignment": "randomised",
            "arms": [{"code": "T", "name": "Training"}, {"code": "C", "name": "Comparison", "comparison": true}],
            "rounds": [{"code": "BL", "name": "Baseline", "kind": "baseline", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
                {"code": "EL", "name": "Endline", "kind": "endline", "year": 2025, "starts_on": "2025-01-01", "ends_on": "2025-12-31"}]});
        let (status, text) = api.text(&token, "POST", "/api/v1/evaluations", Some(unassigned)).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let later = serde_json::from_str::<Value>(&text).unwrap()["id"].as_i64().unwrap();
        let (status, page) = api.text(&token, "GET", &format!("/evaluations/{later}?subject=MATH"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("id=\"refusal\"") && page.contains("not yet assigned") && !page.contains("id=\"report\""),
            "{page}"
        );
        let (status, page) = api.text(&token, "GET", "/evaluations", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Study"));
    }
}

/// Practice as an outcome: observations of the teachers of each school (and of the school
/// itself) in the rounds' years, the treated schools' teachers observed 8 points higher
/// after the programme.
#[tokio::test]
async fn practice_in_the_classroom_is_an_outcome_read_from_observations_of_each_schools_teachers() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let e = store::create(db, &admin(), &design("P", ROUNDS)).await.unwrap();
        let e =
            store::draw(db, &admin(), e.id, &DrawInput { seed: Some("5".into()), strata_depth: Some(1), role: None })
                .await
                .unwrap();
        let treated: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT s.school_id FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id WHERE a.code = 'COACH'"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        let mut sql = String::from(
            "INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) VALUES \
             (1, 'OBS', '1', 'Observation', 'observation', 'o.xlsx', '2024-01-01T00:00:00Z'); ",
        );
        let mut n = 0;
        for d in 1..=2i64 {
            for i in 1..=12i64 {
                let school = d * 100 + i;
                // Two teachers a school, each observed once a round; the head teacher's
                // school itself once in 2025.
                for k in 0..2i64 {
                    let person = school * 10 + k;
                    sql.push_str(&format!(
                        "INSERT INTO people (id, given_name, family_name, sex) VALUES ({person}, 'T', 'Teacher', 'F'); \
                         INSERT INTO positions (person_id, role, school_id, path, start_date) VALUES ({person}, 'teacher', {school}, '/1/{}/', '2020-01-01'); ",
                        d + 1
                    ));
                    for year in [2024, 2025] {
                        n += 1;
                        let boost = if treated.contains(&school) && year == 2025 { 8.0 } else { 0.0 };
                        let score = 50.0 + (school % 5) as f64 * 2.0 + (year - 2024) as f64 + boost + noise(n) * 2.0;
                        sql.push_str(&format!(
                            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
                             VALUES ('o{n}', 1, '{year}-05-01T09:00:00Z', '{year}-05-01T09:00:00Z', 'person', {person}, '/1/{}/', '{{}}', '[{{\"domain\":\"SL3\",\"score\":{score},\"max\":100,\"items\":1}}]'); ",
                            d + 1
                        ));
                    }
                }
            }
        }
        on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let q = OutcomeQuery { outcome: Some("practice".into()), ..Default::default() };
        let (_, rows, _) = store::dataset(db, &admin(), e.id, &q).await.unwrap();
        assert_eq!(rows.len(), 48, "24 schools × 2 rounds");
        assert!(rows.iter().all(|r| r.assessed == 2), "two teachers observed a school a round");
        let report = store::estimate(db, &admin(), e.id, &q, "en").await.unwrap();
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 8.0).abs() < 2.0 && effect.ci_low < 8.0 && 8.0 < effect.ci_high, "{effect:?}");
        assert!(report.outcome.starts_with("Practice"), "{}", report.outcome);
    }
}
