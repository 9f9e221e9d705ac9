//! Any indicator of the engine as an estimate's outcome: its value at each school in each
//! round, read through the engine, recovering a known effect and agreeing with the same
//! estimate made from the learner outcomes directly; indicators that cannot be an outcome
//! refused naming the parameter.

use super::{ROUNDS, admin, app, design, fixture, invalid_columns, math, noise};
use axum::http::StatusCode;
use opencpd_domain::evaluation::did;
use opencpd_evaluation::model::{DrawInput, OutcomeQuery};
use opencpd_evaluation::store;
use opencpd_indicators::model::IndicatorInput;
use opencpd_kernel::{Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};

/// Learners assessed in MATH at every school, 2024 and 2025: the share proficient or
/// advanced carries a school level, a trend and `effect` points for `treated` schools in
/// 2025.
async fn proficiency(db: &Db, treated: &[i64], effect: f64) {
    let mut rows = Vec::new();
    for d in 1..=2i64 {
        for i in 1..=12i64 {
            let school = d * 100 + i;
            for year in [2024i64, 2025] {
                for grade in [1i64, 2] {
                    for (s, sex) in ["F", "M"].iter().enumerate() {
                        let k = (school * 10_000 + year * 10 + grade * 2 + s as i64) as u64;
                        let boost = if treated.contains(&school) && year == 2025 { effect } else { 0.0 };
                        let share =
                            (30.0 + (school % 7) as f64 * 4.0 + (year - 2024) as f64 * 3.0 + boost + 4.0 * noise(k))
                                / 100.0;
                        let assessed = 200 + (k % 50) as i64;
                        let above = (assessed as f64 * share).round() as i64;
                        let advanced = above / 4;
                        rows.push(format!(
                            "({school}, {year}, 0, {grade}, 1, '{sex}', 0, {assessed}, {assessed}, 25, {}, {advanced})",
                            above - advanced
                        ));
                    }
                }
            }
        }
    }
    let sql = format!(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, assessed, \
         mean_score, proficient, advanced) VALUES {}",
        rows.join(", ")
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
    opencpd_indicators::store::rollup::refresh_all(db).await.unwrap();
}

fn outcome(o: &str) -> OutcomeQuery {
    OutcomeQuery { outcome: Some(o.into()), ..Default::default() }
}

#[tokio::test]
async fn an_indicator_of_the_engine_is_an_outcome_whose_estimate_recovers_a_known_effect() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let e = store::create(db, &admin(), &design("IND", ROUNDS)).await.unwrap();
        let e =
            store::draw(db, &admin(), e.id, &DrawInput { seed: Some("17".into()), strata_depth: Some(1), role: None })
                .await
                .unwrap();
        let treated: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
            "SELECT s.school_id FROM evaluation_schools s JOIN evaluation_arms a ON a.id = s.arm_id WHERE a.code = 'COACH'"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        proficiency(db, &treated, 10.0).await;

        let q = outcome("indicator:proficiency-rate");
        let (_, rows, _) = store::dataset(db, &admin(), e.id, &q).await.unwrap();
        assert_eq!(rows.len(), 48, "24 schools × 2 rounds");
        // Each school's value is the engine's: proficient and advanced over assessed, × 100.
        let s101: Vec<(i64, i64)> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT CAST(SUM(proficient + advanced) AS BIGINT), CAST(SUM(assessed) AS BIGINT) FROM learner_outcomes \
             WHERE school_id = 101 GROUP BY year ORDER BY year"
        )
        .fetch_all(p)
        .await
        })
        .unwrap();
        let ours: Vec<&opencpd_evaluation::model::DataRow> = rows.iter().filter(|r| r.school_code == "S101").collect();
        for (row, (above, assessed)) in ours.iter().zip(&s101) {
            assert!((row.y - 100.0 * *above as f64 / *assessed as f64).abs() < 1e-9, "{row:?}");
            assert_eq!(row.assessed, *assessed, "the count behind it is the denominator");
        }

        let report = store::estimate(db, &admin(), e.id, &q, "en").await.unwrap();
        assert_eq!((report.observations, report.clusters), (48, 24));
        let effect = &report.coefficients[0];
        assert!((effect.estimate - 10.0).abs() < 2.0, "{effect:?}");
        assert!(effect.ci_low < 10.0 && 10.0 < effect.ci_high, "{effect:?}");
        assert_eq!(report.outcome, "Indicator: Learners assessed at proficient or above (%) (proficiency-rate)");
        let fr = store::estimate(db, &admin(), e.id, &q, "fr").await.unwrap();
        assert!(fr.outcome.starts_with("Indicateur : Élèves évalués"), "{}", fr.outcome);

        // The same estimate as the learner outcomes' own share proficient or advanced (the
        // data hold one subject), and as the estimator run on the indicator's data set.
        let direct =
            store::estimate(db, &admin(), e.id, &OutcomeQuery { outcome: Some("proficient".into()), ..math() }, "en")
                .await
                .unwrap();
        assert!((direct.coefficients[0].estimate - effect.estimate).abs() < 1e-9, "{direct:?}");
        assert!((direct.coefficients[0].se - effect.se).abs() < 1e-9);
        assert!((direct.coefficients[0].ci_low - effect.ci_low).abs() < 1e-9);
        let design = did::Design {
            rounds: ROUNDS.iter().map(|r| did::Round { name: r.0.into(), post: r.1 != "baseline" }).collect(),
            arms: vec!["COACH".into(), "CMP".into()],
            comparison: 1,
            assignment: did::Assignment::Randomised,
        };
        let observations: Vec<did::Observation> = rows
            .iter()
            .map(|r| did::Observation {
                unit: r.school_id,
                cluster: r.school_id,
                round: ROUNDS.iter().position(|x| x.0 == r.round).unwrap(),
                arm: usize::from(r.arm == "CMP"),
                y: r.y,
            })
            .collect();
        let fitted = did::estimate(&design, &observations).unwrap();
        assert!((fitted.coefficients[0].estimate - effect.estimate).abs() < 1e-9);
        assert!((fitted.coefficients[0].se - effect.se).abs() < 1e-9);

        // Indicators that cannot be an outcome are refused naming the parameter.
        for (asked, code) in [
            ("indicator:nothing-such", "evaluation-indicator-unknown"),
            ("indicator:", "evaluation-indicator-unknown"),
            ("indicator:reach", "evaluation-indicator-not-per-school"),
        ] {
            let err = store::estimate(db, &admin(), e.id, &outcome(asked), "en").await.unwrap_err();
            assert_eq!(invalid_columns(err), vec![("outcome".to_string(), code.to_string())], "{asked}");
        }
        let err = store::dataset(db, &admin(), e.id, &outcome("indicator:reach")).await.unwrap_err();
        match err {
            Error::Invalid(p) => assert!(p[0].message("en").contains("reach"), "{p:?}"),
            other => panic!("{other:?}"),
        }
        // One without variance (every school's value is 100) is refused, named.
        let flat = IndicatorInput {
            code: "assessed-share".into(),
            name_en: "Learners assessed of those assessed".into(),
            name_fr: "Élèves évalués parmi les évalués".into(),
            numerator: "sum(assessed)".into(),
            denominator: Some("sum(assessed)".into()),
            scale: Some(100.0),
            disaggregations: vec!["school".into()],
            kirkpatrick_level: None,
            description_en: None,
            description_fr: None,
        };
        opencpd_indicators::store::engine::create(db, &admin(), &flat).await.unwrap();
        let err = store::estimate(db, &admin(), e.id, &outcome("indicator:assessed-share"), "en").await.unwrap_err();
        match err {
            Error::Invalid(p) => {
                assert_eq!(
                    (p[0].code.to_string(), p[0].column.as_deref()),
                    ("evaluation-no-variance".into(), Some("outcome"))
                );
                assert!(p[0].message("en").contains("indicator:assessed-share"), "{}", p[0].message("en"));
            }
            other => panic!("{other:?}"),
        }

        // Through the API and the page: the data set and the picker offer it.
        let token = opencpd_testkit::api::token(db, "admin", opencpd_domain::AccountRole::SystemAdmin, None).await;
        let api = app(db);
        let (status, csv) = api
            .text(&token, "GET", &format!("/api/v1/evaluations/{}/data?outcome=indicator:proficiency-rate", e.id), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{csv}");
        assert_eq!(csv.lines().count(), 1 + 48);
        let (status, text) = api
            .text(&token, "GET", &format!("/api/v1/evaluations/{}/estimate?outcome=indicator:reach", e.id), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(text.contains("outcome") && text.contains("reach"), "{text}");
        let (status, page) =
            api.text(&token, "GET", &format!("/evaluations/{}?outcome=indicator:proficiency-rate", e.id), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("<option value=\"indicator:proficiency-rate\" selected>"), "{page}");
        assert!(!page.contains("value=\"indicator:reach\""), "only indicators computed per school are offered");
        assert!(page.contains("id=\"report\"") && page.contains("Indicator: Learners assessed"), "{page}");
    }
}
