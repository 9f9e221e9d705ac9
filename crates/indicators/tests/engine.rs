//! The indicator engine on both backends: shipped definitions, definitions checked when
//! saved, answers by place and disaggregation, and targets on what an indicator allows.

use opencpd_domain::{AccountRole, Grant, Scope};
use opencpd_indicators::model::{IndicatorInput, IndicatorTargetInput, NewReference, Place, Question};
use opencpd_indicators::store::unit_cells::Read;
use opencpd_indicators::store::{dashboard, engine, flows, outcomes, reference};
use opencpd_kernel::import::{Options, Source};
use opencpd_kernel::{Actor, Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};

async fn fixture(db: &Db) {
    let sql = "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
        (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'), \
        (3, 1, 'RW', 1, 'D2', 'Two', '/1/3/'); \
        INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
        (1, 'S1', 'School one', 2, '/1/2/', 'primary', 'public'), \
        (2, 'S2', 'School two', 3, '/1/3/', 'primary', 'private');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
    let admin = Actor::system();
    for code in ["P1", "P2"] {
        let new = NewReference { code: code.into(), name: code.into(), max_score: None, position: None };
        reference::add(db, &admin, reference::Kind::Grade, &new).await.unwrap();
    }
    let math = NewReference { code: "MATH".into(), name: "Mathematics".into(), max_score: Some(100.0), position: None };
    reference::add(db, &admin, reference::Kind::Subject, &math).await.unwrap();
    // S1 (D1): girls 30 of 40 at proficient or above (20 + 10), boys 16 of 40 (10 + 6).
    // S2 (D2): girls 3 of 4 (a small cell), boys 20 of 30.
    let csv = "school_code,year,term,grade,subject,sex,assessed,below_basic,basic,proficient,advanced,enrolled,repeating\n\
        S1,2024,2,P1,MATH,F,40,2,8,20,10,,\n\
        S1,2024,2,P1,MATH,M,40,10,14,10,6,,\n\
        S2,2024,2,P1,MATH,F,4,0,1,2,1,,\n\
        S2,2024,2,P1,MATH,M,30,5,5,10,10,,\n\
        S1,2024,,P1,,F,,,,,,50,5\n\
        S1,2024,,P1,,M,,,,,,50,10\n";
    let report =
        outcomes::import(db, &admin, Source::bytes("o.csv", csv.as_bytes().to_vec()).unwrap(), Options::default())
            .await
            .unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}

fn refused<T>(r: Result<T, Error>) -> Vec<(&'static str, String)> {
    match r {
        Err(Error::Invalid(p)) => p.iter().map(|p| (p.code, p.column.clone().unwrap_or_default())).collect(),
        _ => panic!("refused"),
    }
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} is not {b}");
}

#[tokio::test]
async fn the_shipped_definitions_are_valid_and_answer_by_sex_and_unit() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let shipped = engine::indicators(&t.db).await.unwrap();
        assert!(shipped.len() >= 8);
        for i in &shipped {
            engine::definition_of(i).unwrap_or_else(|e| panic!("{}: {e}", i.code));
        }
        let admin = Actor::system();
        let ask = |place, by: &[&str]| Question { place, year: 2024, by: by.iter().map(|b| b.to_string()).collect() };
        // D1: (30 + 16) / 80 = 57.5%; girls 30/40 = 75%, boys 16/40 = 40%.
        let a = engine::answer(&t.db, &admin, "proficiency-rate", &ask(Place::Unit(2), &["sex"])).await.unwrap();
        close(a.total.value, 57.5);
        assert_eq!(a.cells.len(), 2);
        assert_eq!(a.cells[0].categories, vec!["F".to_string()]);
        close(a.cells[0].value, 75.0);
        close(a.cells[1].value, 40.0);
        assert_eq!(a.cells[1].denominator.as_ref().unwrap().value, Some(40));
        // The country split by its districts: D1 46/80, D2 23/34.
        let a = engine::answer(&t.db, &admin, "proficiency-rate", &ask(Place::Unit(1), &["unit"])).await.unwrap();
        let units: Vec<&str> = a.cells.iter().map(|c| c.categories[0].as_str()).collect();
        assert_eq!(units, ["D1", "D2"]);
        close(a.cells[1].value, 100.0 * 23.0 / 34.0);
        close(a.total.value, 100.0 * 69.0 / 114.0);
        // Repeaters' share at S1: 15 of 100.
        let a = engine::answer(&t.db, &admin, "repeaters-share", &ask(Place::School(1), &[])).await.unwrap();
        close(a.total.value, 15.0);
        // A disaggregation the indicator does not allow is named.
        let Err(Error::Invalid(p)) =
            engine::answer(&t.db, &admin, "proficiency-rate", &ask(Place::Unit(1), &["role"])).await
        else {
            panic!("refused");
        };
        assert_eq!(
            (p[0].code, p[0].column.as_deref(), p[0].value.as_deref()),
            ("indicator-disaggregation-not-allowed", Some("by"), Some("role"))
        );
    }
}

#[tokio::test]
async fn small_cells_of_an_answer_are_hidden_from_readers_without_row_level_rights() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let officer = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 3, path: "/1/3/".into() },
            }],
        };
        let q = Question { place: Place::Unit(3), year: 2024, by: vec!["sex".into()] };
        let a = engine::answer(&t.db, &officer, "proficiency-rate", &q).await.unwrap();
        // Girls: 3 of 4, both small; boys 20 of 30 hidden as the complement of each column.
        assert_eq!(a.cells[0].numerator.shown, "<5");
        assert_eq!(a.cells[0].value, None);
        assert_eq!(a.cells[1].numerator.shown, "x");
        assert_eq!(a.cells[1].value, None);
        assert!(a.suppressed);
        close(a.total.value, 100.0 * 23.0 / 34.0);
        // D1 is outside this officer's scope.
        let q = Question { place: Place::Unit(2), year: 2024, by: vec![] };
        assert!(matches!(engine::answer(&t.db, &officer, "proficiency-rate", &q).await, Err(Error::NotFound)));
        // Row-level readers see the counts.
        let a = engine::answer(
            &t.db,
            &Actor::system(),
            "proficiency-rate",
            &Question { place: Place::Unit(3), year: 2024, by: vec!["sex".into()] },
        )
        .await
        .unwrap();
        close(a.cells[0].value, 75.0);
    }
}

#[tokio::test]
async fn definitions_are_checked_when_saved_and_targets_on_allowed_disaggregations_only() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let input = |num: &str, den: Option<&str>, dis: &[&str]| IndicatorInput {
            code: "girls-advanced".into(),
            name_en: "Advanced".into(),
            name_fr: "Avancé".into(),
            numerator: num.into(),
            denominator: den.map(String::from),
            scale: Some(100.0),
            disaggregations: dis.iter().map(|d| d.to_string()).collect(),
            kirkpatrick_level: Some(4),
            description_en: None,
            description_fr: None,
        };
        assert_eq!(
            refused(engine::create(&t.db, &admin, &input("sum(advanced", None, &[])).await),
            vec![("indicator-parse", "numerator".to_string())]
        );
        assert_eq!(
            refused(engine::create(&t.db, &admin, &input("sum(advanced)", Some("sum(assessd)"), &[])).await),
            vec![("indicator-unknown-measure", "denominator".to_string())]
        );
        assert_eq!(
            refused(
                engine::create(&t.db, &admin, &input("sum(advanced)", Some("sum(assessed) where sex = 'F'"), &["sex"]))
                    .await
            ),
            vec![("indicator-divides-by-empty-set", "denominator".to_string())]
        );
        let saved = engine::create(
            &t.db,
            &admin,
            &input("sum(advanced) where sex = 'F'", Some("sum(assessed) where sex = 'F'"), &["unit", "grade"]),
        )
        .await
        .unwrap();
        assert_eq!(saved.disaggregations, "unit,grade");
        // Girls at advanced in D1: 10 of 40.
        let a = engine::answer(
            &t.db,
            &admin,
            "girls-advanced",
            &Question { place: Place::Unit(2), year: 2024, by: vec![] },
        )
        .await
        .unwrap();
        close(a.total.value, 25.0);

        // Targets.
        let target = |dis: Option<&str>, cat: Option<&str>| IndicatorTargetInput {
            place: Some(Place::Unit(2)),
            year: 2024,
            disaggregation: dis.map(String::from),
            category: cat.map(String::from),
            baseline: Some(50.0),
            target: 70.0,
        };
        assert_eq!(
            refused(
                engine::set_target(&t.db, &admin, "proficiency-rate", &target(Some("role"), Some("teacher"))).await
            ),
            vec![("indicator-disaggregation-not-allowed", "disaggregation".to_string())]
        );
        engine::set_target(&t.db, &admin, "proficiency-rate", &target(Some("sex"), Some("F"))).await.unwrap();
        engine::set_target(&t.db, &admin, "proficiency-rate", &target(None, None)).await.unwrap();
        let progress = engine::targets(&t.db, &admin, "proficiency-rate").await.unwrap();
        assert_eq!(progress.len(), 2);
        close(progress[0].achieved, 75.0);
        close(progress[1].achieved, 57.5);
        // A sector officer of D2 does not see D1's targets.
        let d2 = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 3, path: "/1/3/".into() },
            }],
        };
        assert!(engine::targets(&t.db, &d2, "proficiency-rate").await.unwrap().is_empty());
        assert!(matches!(
            engine::set_target(&t.db, &d2, "proficiency-rate", &target(None, None)).await,
            Err(Error::Forbidden)
        ));
    }
}

#[tokio::test]
async fn reach_and_completion_are_read_from_programme_participants() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        // Six participants in D1 (four women, three of whom completed; two men, one
        // completed) and one woman in D2, who completed.
        let mut sql = String::from(
            "INSERT INTO programmes (id, code, name, start_date, created_at) \
             VALUES (1, 'LEAD', 'LEAD', '2024-01-01', '2024-01-01T00:00:00Z');",
        );
        let people = [
            (1, "F", "/1/2/", 1),
            (2, "F", "/1/2/", 1),
            (3, "F", "/1/2/", 1),
            (4, "F", "/1/2/", 0),
            (5, "M", "/1/2/", 1),
            (6, "M", "/1/2/", 0),
            (7, "F", "/1/3/", 1),
        ];
        for (id, sex, path, completed) in people {
            sql.push_str(&format!(
                "INSERT INTO people (id, given_name, family_name, sex) VALUES ({id}, 'A', 'B', '{sex}'); \
                 INSERT INTO programme_participants (programme_id, person_id, path, sex, role, completed, certified) \
                 VALUES (1, {id}, '{path}', '{sex}', 'head_teacher', {completed}, 0);"
            ));
        }
        on_db!(&t.db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let admin = Actor::system();
        let ask = |place, by: &[&str]| Question { place, year: 2024, by: by.iter().map(|b| b.to_string()).collect() };
        let reach = engine::answer(&t.db, &admin, "reach", &ask(Place::Unit(1), &["sex"])).await.unwrap();
        close(reach.total.value, 7.0);
        let by_sex: Vec<(String, Option<f64>)> =
            reach.cells.iter().map(|c| (c.categories[0].clone(), c.value)).collect();
        assert_eq!(by_sex, vec![("F".to_string(), Some(5.0)), ("M".to_string(), Some(2.0))]);
        let by_unit = engine::answer(&t.db, &admin, "reach", &ask(Place::Unit(1), &["unit"])).await.unwrap();
        let units: Vec<(String, Option<f64>)> =
            by_unit.cells.iter().map(|c| (c.categories[0].clone(), c.value)).collect();
        assert_eq!(units, vec![("D1".to_string(), Some(6.0)), ("D2".to_string(), Some(1.0))]);
        // Completion in D1: 4 of 6.
        let completion = engine::answer(&t.db, &admin, "completion-rate", &ask(Place::Unit(2), &[])).await.unwrap();
        close(completion.total.value, 100.0 * 4.0 / 6.0);
        // Read by D2's officer: D2 only, and its single participant is a small count.
        let d2 = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 3, path: "/1/3/".into() },
            }],
        };
        let small = engine::answer(&t.db, &d2, "reach", &ask(Place::Unit(3), &[])).await.unwrap();
        assert_eq!((small.total.numerator.shown.as_str(), small.total.value), ("<5", None));
        assert!(small.suppressed);
    }
}

/// A programme figure is kept through writes of schools' outcome data, which it never
/// reads, and computed again after any other audited write; a school-data figure follows
/// every outcome write. A participant removed behind the engine's back (no stamp renewed)
/// shows which answers were kept.
#[tokio::test]
async fn a_programme_figure_is_kept_through_outcome_writes_and_computed_again_after_others() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        programme_fixture(&t.db).await;
        let admin = Actor::system();
        let ask = |by: &[&str]| Question {
            place: Place::Unit(1),
            year: 2024,
            by: by.iter().map(|b| b.to_string()).collect(),
        };
        let reach = engine::answer(&t.db, &admin, "reach", &ask(&[])).await.unwrap().total.value.unwrap();
        let cost = engine::answer(&t.db, &admin, "cost-per-participant", &ask(&["unit"])).await.unwrap();
        let proficient = engine::answer(&t.db, &admin, "proficiency-rate", &ask(&[])).await.unwrap().total.value;
        on_db!(&t.db, |p| sqlx::query("DELETE FROM programme_participants WHERE programme_id = 1 AND person_id = 1")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        // Outcome rows imported, entered and removed: the programme figures are kept, the
        // school data follows.
        import_outcomes(
            &t.db,
            "school_code,year,term,grade,subject,sex,assessed,below_basic,basic,proficient,advanced\n\
            S2,2024,2,P2,MATH,F,40,40,0,0,0\n",
        )
        .await;
        let after = engine::answer(&t.db, &admin, "proficiency-rate", &ask(&[])).await.unwrap().total.value;
        assert!(after.unwrap() < proficient.unwrap(), "{backend:?}: school data follows the import");
        outcomes::remove_year(&t.db, &admin, 2, 2023).await.unwrap();
        assert_eq!(
            engine::answer(&t.db, &admin, "reach", &ask(&[])).await.unwrap().total.value,
            Some(reach),
            "{backend:?}: kept through outcome writes"
        );
        let kept = engine::answer(&t.db, &admin, "cost-per-participant", &ask(&["unit"])).await.unwrap();
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            serde_json::to_value(&cost).unwrap(),
            "{backend:?}: the costs kept too"
        );
        // Any other audited write (a target here) and the programme figures are computed
        // again, without the participant removed.
        let target = IndicatorTargetInput {
            place: None,
            year: 2024,
            disaggregation: None,
            category: None,
            baseline: None,
            target: 9.0,
        };
        engine::set_target(&t.db, &admin, "reach", &target).await.unwrap();
        assert_eq!(
            engine::answer(&t.db, &admin, "reach", &ask(&[])).await.unwrap().total.value,
            Some(reach - 1.0),
            "{backend:?}: computed again"
        );
    }
}

#[tokio::test]
async fn equity_gaps_show_points_and_sample_sizes_and_hide_small_groups() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        // D1, P1 mathematics: girls 30 of 40 (75%), boys 16 of 40 (40%): +35 points; the
        // adjusted parity of 0.75/0.40 = 1.875 is 2 − 0.40/0.75 = 1.4666….
        let gaps = opencpd_indicators::store::flows::proficiency_gaps(
            &t.db,
            &Actor::system(),
            Place::Unit(2),
            2024,
            Some("MATH"),
        )
        .await
        .unwrap();
        assert_eq!(gaps.len(), 1);
        assert_eq!((gaps[0].first_size.value, gaps[0].second_size.value), (Some(40), Some(40)));
        close(gaps[0].points, 35.0);
        close(gaps[0].parity_adjusted, 2.0 - 0.40 / 0.75);
        // D2 read by its officer: 4 girls assessed is a small group, so no gap is shown.
        let d2 = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 3, path: "/1/3/".into() },
            }],
        };
        let gaps =
            opencpd_indicators::store::flows::proficiency_gaps(&t.db, &d2, Place::Unit(3), 2024, None).await.unwrap();
        assert_eq!(gaps[0].first_size.shown, "<5");
        assert_eq!((gaps[0].points, gaps[0].parity_adjusted), (None, None));
    }
}

/// The shipped `promotion-share`: learners promoted at the end of the year over those
/// enrolled, by sex and whole.
#[tokio::test]
async fn the_shipped_promotion_share_is_the_promoted_over_the_enrolled() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let csv = "school_code,year,grade,sex,enrolled,promoted,repeating,dropped_out\n\
            S1,2025,P1,F,40,30,6,4\n\
            S1,2025,P1,M,60,36,15,9\n";
        let source = Source::bytes("o.csv", csv.as_bytes().to_vec()).unwrap();
        let report = outcomes::import(&t.db, &admin, source, Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let q = Question { place: Place::Unit(2), year: 2025, by: vec!["sex".into()] };
        let a = engine::answer(&t.db, &admin, "promotion-share", &q).await.unwrap();
        // (30 + 36) / (40 + 60); girls 30 / 40, boys 36 / 60.
        close(a.total.value, 66.0);
        close(a.cells[0].value, 75.0);
        close(a.cells[1].value, 60.0);
        assert_eq!(a.cells[1].denominator.as_ref().unwrap().value, Some(60));
    }
}

/// The shipped `certification-rate`: participants holding a certificate (not revoked,
/// and not withdrawn from the cohort it is for) over the participants, each person once a
/// programme; split by cohort, each enrolment's.
///
/// LEAD's cohort A (D1) holds people 1 to 4 of D1 and 5 of D2; cohort B (D2) people 5 and
/// 6. Certificates: 1's (valid), 2's (revoked), 4's (then withdrawn), 5's in B; 3 completed
/// without one, 5 did not complete A, 6 did not complete B. Certified: people 1 and 5.
#[tokio::test]
async fn the_shipped_certification_rate_is_the_certified_over_the_participants() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let mut sql = String::from(
            "INSERT INTO programmes (id, code, name, start_date, created_at) \
             VALUES (1, 'LEAD', 'LEAD', '2024-01-01', '2024-01-01T00:00:00Z'); \
             INSERT INTO courses (id, code, title, programme_id, kind, modality, hours, credits, created_at) \
             VALUES (1, 'K1', 'K1', 1, 'short_training', 'face_to_face', 10, 1, '2024-01-01T00:00:00Z'); \
             INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at) VALUES \
             (1, 'A', 'A', 1, 2, '/1/2/', '2024-02-01', '2024-06-30', 50, '2024-01-01T00:00:00Z'), \
             (2, 'B', 'B', 1, 3, '/1/3/', '2024-03-01', '2024-07-31', 50, '2024-01-01T00:00:00Z');",
        );
        let sex = |p: i64| if [1, 2, 5].contains(&p) { "F" } else { "M" };
        let path = |p: i64| if p <= 4 { "/1/2/" } else { "/1/3/" };
        // (enrolment, cohort, person, completed, withdrawn, certificate: None, valid or revoked)
        let enrolments: [(i64, i64, i64, bool, bool, Option<bool>); 7] = [
            (1, 1, 1, true, false, Some(true)),
            (2, 1, 2, true, false, Some(false)),
            (3, 1, 3, true, false, None),
            (4, 1, 4, true, true, Some(true)),
            (5, 1, 5, false, false, None),
            (6, 2, 5, true, false, Some(true)),
            (7, 2, 6, false, false, None),
        ];
        for p in 1..=6 {
            sql.push_str(&format!(
                "INSERT INTO people (id, given_name, family_name, sex) VALUES ({p}, 'A', 'B', '{}');",
                sex(p)
            ));
        }
        for (id, cohort, person, completed, withdrawn, certificate) in enrolments {
            sql.push_str(&format!(
                "INSERT INTO enrolments (id, cohort_id, person_id, source, enrolled_at, sex, role, path, completed_on, withdrawn_on) \
                 VALUES ({id}, {cohort}, {person}, 'single', '2024-01-15T00:00:00Z', '{}', 'teacher', '{}', {}, {});",
                sex(person),
                path(person),
                if completed { "'2024-06-30'" } else { "NULL" },
                if withdrawn { "'2024-07-15'" } else { "NULL" },
            ));
            if let Some(valid) = certificate {
                sql.push_str(&format!(
                    "INSERT INTO certificates (id, serial, code, enrolment_id, issued_on, revoked_on, created_at) \
                     VALUES ({id}, 'S-{id}', 'C-{id}', {id}, '2024-07-01', {}, '2024-07-01T00:00:00Z');",
                    if valid { "NULL" } else { "'2024-07-10'" }
                ));
            }
        }
        // The programme's participants as delivery writes them from those enrolments: once a
        // person; completed and certified as counted above, by hand.
        for (person, completed, certified) in [(1, 1, 1), (2, 1, 0), (3, 1, 0), (4, 0, 0), (5, 1, 1), (6, 0, 0)] {
            sql.push_str(&format!(
                "INSERT INTO programme_participants (programme_id, person_id, path, sex, role, completed, certified) \
                 VALUES (1, {person}, '{}', '{}', 'teacher', {completed}, {certified});",
                path(person),
                sex(person)
            ));
        }
        on_db!(&t.db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let admin = Actor::system();
        let ask = |by: &[&str]| Question {
            place: Place::Unit(1),
            year: 2024,
            by: by.iter().map(|b| b.to_string()).collect(),
        };
        let fractions = |a: &opencpd_indicators::model::Answer| -> Vec<(String, Option<i64>, Option<i64>)> {
            a.cells
                .iter()
                .map(|c| (c.categories.join(" "), c.numerator.value, c.denominator.as_ref().and_then(|d| d.value)))
                .collect()
        };
        let f = |c: &str, n: i64, d: i64| (c.to_string(), Some(n), Some(d));

        // The whole: 2 of 6; girls 2 of 3 (1, 2, 5), boys none of 3.
        let a = engine::answer(&t.db, &admin, "certification-rate", &ask(&["sex"])).await.unwrap();
        close(a.total.value, 100.0 * 2.0 / 6.0);
        assert_eq!(a.total.numerator.value, Some(2), "{backend:?}");
        assert_eq!(fractions(&a), vec![f("F", 2, 3), f("M", 0, 3)], "{backend:?}");
        close(a.cells[0].value, 100.0 * 2.0 / 3.0);
        close(a.cells[1].value, 0.0);
        // By unit: D1 1 of 4, D2 1 of 2.
        let a = engine::answer(&t.db, &admin, "certification-rate", &ask(&["unit"])).await.unwrap();
        assert_eq!(fractions(&a), vec![f("D1", 1, 4), f("D2", 1, 2)], "{backend:?}");
        close(a.cells[0].value, 25.0);
        // By cohort, each enrolment's: A 1 of 5 (2's revoked, 4 withdrew, 3 and 5 have
        // none), B 1 of 2; the whole still counts each person once: 2 of 6.
        let a = engine::answer(&t.db, &admin, "certification-rate", &ask(&["cohort"])).await.unwrap();
        assert_eq!(fractions(&a), vec![f("A", 1, 5), f("B", 1, 2)], "{backend:?}");
        close(a.cells[0].value, 20.0);
        close(a.cells[1].value, 50.0);
        close(a.total.value, 100.0 * 2.0 / 6.0);
    }
}

/// The shipped `cpd-hours-per-staff`: the hours of the courses staff completed in the year
/// over the staff holding, on its last day, a position whose role has a CPD threshold.
///
/// 2024, thresholds for teachers and head teachers. Counted: 1 (F, teacher at S1: 10 + 6
/// hours in 2024), 2 (M, teacher at S1: 10 hours completed on the last day of 2023) and 3
/// (F, head teacher at S2: 10 hours in 2024, 8 more on the first day of 2025). Not counted:
/// 4 (teacher at S2 until June, 10 hours in 2024), 5 (a librarian at S1, whose role has no
/// threshold, 10 hours) and 6 (a teacher at S2 from 2025). So 26 hours over 3 staff.
#[tokio::test]
async fn the_shipped_cpd_hours_per_staff_are_the_years_hours_completed_over_the_staff() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let mut sql = String::from(
            "INSERT INTO cpd_thresholds (role, hours_per_year, credits_per_year) VALUES ('teacher', 20, 0), ('head_teacher', 30, 0); \
             INSERT INTO programmes (id, code, name, start_date, created_at) \
             VALUES (1, 'LEAD', 'LEAD', '2023-01-01', '2023-01-01T00:00:00Z'); \
             INSERT INTO courses (id, code, title, programme_id, kind, modality, hours, credits, created_at) VALUES \
             (1, 'K1', 'K1', 1, 'short_training', 'face_to_face', 10, 1, '2023-01-01T00:00:00Z'), \
             (2, 'K2', 'K2', 1, 'short_training', 'face_to_face', 6, 1, '2023-01-01T00:00:00Z'), \
             (3, 'K3', 'K3', 1, 'short_training', 'face_to_face', 8, 1, '2023-01-01T00:00:00Z'); \
             INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at) VALUES \
             (1, 'A', 'A', 1, 2, '/1/2/', '2023-09-01', '2024-12-31', 50, '2023-01-01T00:00:00Z'), \
             (2, 'B', 'B', 2, 2, '/1/2/', '2024-09-01', '2024-11-30', 50, '2023-01-01T00:00:00Z'), \
             (3, 'C', 'C', 3, 3, '/1/3/', '2024-09-01', '2025-01-01', 50, '2023-01-01T00:00:00Z');",
        );
        // (person, sex, role, school, unit path, start, end)
        let staff = [
            (1, "F", "teacher", 1, "/1/2/", "2020-01-01", None),
            (2, "M", "teacher", 1, "/1/2/", "2021-01-01", None),
            (3, "F", "head_teacher", 2, "/1/3/", "2019-01-01", None),
            (4, "M", "teacher", 2, "/1/3/", "2019-01-01", Some("2024-06-30")),
            (5, "F", "librarian", 1, "/1/2/", "2019-01-01", None),
            (6, "M", "teacher", 2, "/1/3/", "2025-01-01", None),
        ];
        for (id, sex, role, school, path, start, end) in staff {
            sql.push_str(&format!(
                "INSERT INTO people (id, given_name, family_name, sex) VALUES ({id}, 'A', 'B', '{sex}'); \
                 INSERT INTO positions (id, person_id, role, school_id, path, start_date, end_date) \
                 VALUES ({id}, {id}, '{role}', {school}, '{path}', '{start}', {});",
                end.map(|e| format!("'{e}'")).unwrap_or("NULL".into())
            ));
        }
        // (person, cohort, completed on)
        let completed = [
            (1, 1, "2024-03-01"),
            (1, 2, "2024-11-30"),
            (2, 1, "2023-12-31"),
            (3, 1, "2024-06-01"),
            (3, 3, "2025-01-01"),
            (4, 1, "2024-05-01"),
            (5, 1, "2024-05-01"),
        ];
        for (i, (person, cohort, on)) in completed.into_iter().enumerate() {
            let path = if [3, 4, 6].contains(&person) { "/1/3/" } else { "/1/2/" };
            sql.push_str(&format!(
                "INSERT INTO enrolments (id, cohort_id, person_id, source, enrolled_at, sex, role, path, completed_on) \
                 VALUES ({}, {cohort}, {person}, 'single', '2023-09-01T00:00:00Z', 'F', 'teacher', '{path}', '{on}');",
                i + 1
            ));
        }
        on_db!(&t.db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let admin = Actor::system();
        let ask = |by: &[&str]| Question {
            place: Place::Unit(1),
            year: 2024,
            by: by.iter().map(|b| b.to_string()).collect(),
        };
        let fractions = |a: &opencpd_indicators::model::Answer| -> Vec<(String, Option<i64>, Option<i64>)> {
            a.cells
                .iter()
                .map(|c| (c.categories.join(" "), c.numerator.value, c.denominator.as_ref().and_then(|d| d.value)))
                .collect()
        };
        let f = |c: &str, n: i64, d: i64| (c.to_string(), Some(n), Some(d));

        let a = engine::answer(&t.db, &admin, "cpd-hours-per-staff", &ask(&["sex"])).await.unwrap();
        close(a.total.value, 26.0 / 3.0);
        assert_eq!(
            (a.total.numerator.value, a.total.denominator.as_ref().and_then(|d| d.value)),
            (Some(26), Some(3)),
            "{backend:?}"
        );
        // Women: 16 + 10 hours over 2; men: 0 over 1.
        assert_eq!(fractions(&a), vec![f("F", 26, 2), f("M", 0, 1)], "{backend:?}");
        close(a.cells[0].value, 13.0);
        close(a.cells[1].value, 0.0);
        // By school: S1 16 over 2, S2 10 over 1; by role: teachers 16 over 2, the head 10.
        let a = engine::answer(&t.db, &admin, "cpd-hours-per-staff", &ask(&["school"])).await.unwrap();
        assert_eq!(fractions(&a), vec![f("S1", 16, 2), f("S2", 10, 1)], "{backend:?}");
        close(a.cells[0].value, 8.0);
        let a = engine::answer(&t.db, &admin, "cpd-hours-per-staff", &ask(&["role"])).await.unwrap();
        assert_eq!(fractions(&a), vec![f("head_teacher", 10, 1), f("teacher", 16, 2)], "{backend:?}");
        // A school's own: S2 alone, 10 hours over its one member of staff counted.
        let q = Question { place: Place::School(2), year: 2024, by: Vec::new() };
        let a = engine::answer(&t.db, &admin, "cpd-hours-per-staff", &q).await.unwrap();
        close(a.total.value, 10.0);
        // The year before: only person 2's 10 hours, over the four holding a position on
        // the last day of 2023 (4's ended in 2024).
        let q = Question { place: Place::Unit(1), year: 2023, by: Vec::new() };
        let a = engine::answer(&t.db, &admin, "cpd-hours-per-staff", &q).await.unwrap();
        assert_eq!(
            (a.total.numerator.value, a.total.denominator.as_ref().and_then(|d| d.value)),
            (Some(10), Some(4)),
            "{backend:?}"
        );
    }
}

/// A group of learners a deployment defines, against the other learners (all learners
/// less the group's): each side's rate with its sample size and the gap, on the data page
/// and in its report; hidden as a small cell, with the page saying so, for a reader without
/// row-level rights.
#[tokio::test]
async fn a_group_of_learners_is_compared_with_the_others_with_sample_sizes_and_small_groups_hidden() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let refugees = NewReference { code: "REF".into(), name: "Refugees".into(), max_score: None, position: None };
        reference::add(&t.db, &admin, reference::Kind::Group, &refugees).await.unwrap();
        // S1's refugees in P1: girls 3 of 10, boys 4 of 10; S2's: 1 girl of 3.
        let csv = "school_code,year,term,grade,subject,sex,group,assessed,below_basic,basic,proficient,advanced,enrolled,repeating\n\
            S1,2024,2,P1,MATH,F,REF,10,3,4,2,1,,\n\
            S1,2024,2,P1,MATH,M,REF,10,2,4,3,1,,\n\
            S2,2024,2,P1,MATH,F,REF,3,1,1,1,0,,\n\
            S2,2024,,P1,,F,,,,,,,10,1\n\
            S2,2024,,P1,,M,,,,,,,30,2\n";
        let source = Source::bytes("o.csv", csv.as_bytes().to_vec()).unwrap();
        let report = outcomes::import(&t.db, &admin, source, Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);

        // D1: refugees 7 of 20 (35%); the others (46 − 7) of (80 − 20), 65%: −30 points.
        let page = dashboard::page(&t.db, &admin, Place::Unit(2), "en").await.unwrap();
        assert_eq!(page.group_gaps.len(), 1);
        let (group, row) = (&page.group_gaps[0], &page.group_gaps[0].rows[0]);
        assert_eq!((group.code.as_str(), row.grade.as_str()), ("REF", "P1"));
        assert_eq!(
            [row.first.value, row.first_size.value, row.second.value, row.second_size.value],
            [Some(7), Some(20), Some(39), Some(60)]
        );
        close(row.points, -30.0);
        assert_eq!(row.parity_adjusted, None, "a parity index is for girls and boys");
        let contents = opencpd_indicators::web::report_contents(page);
        assert!(!contents.hidden());
        let text = opencpd_indicators::web::report_text(&contents, "fr");
        assert!(text.contains("Refugees et autres élèves"), "{text}");

        // D2 read by its officer: the refugees are one of three, a small cell; the others'
        // counts would give it back from the whole, so the gap is hidden too.
        let d2 = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 3, path: "/1/3/".into() },
            }],
        };
        let page = dashboard::page(&t.db, &d2, Place::Unit(3), "en").await.unwrap();
        let row = &page.group_gaps[0].rows[0];
        assert_eq!((row.first.shown.as_str(), row.first_size.shown.as_str()), ("<5", "<5"));
        assert_eq!(row.points, None);
        assert!(opencpd_indicators::web::report_contents(page).hidden(), "the page and report say so");
        // The administrator sees the same gap: 1 of 3 against 22 of 31.
        let page = dashboard::page(&t.db, &admin, Place::Unit(3), "en").await.unwrap();
        let row = &page.group_gaps[0].rows[0];
        assert_eq!([row.first.value, row.first_size.value], [Some(1), Some(3)]);
        assert_eq!([row.second.value, row.second_size.value], [Some(22), Some(31)]);
    }
}

/// A country with two districts, each with a sector; schools at a district itself and in
/// its sector, of two ownerships and three sub-systems.
async fn national_fixture(db: &Db) {
    let sql = "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
        (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'), \
        (3, 1, 'RW', 1, 'D2', 'Two', '/1/3/'), (4, 2, 'RW', 2, 'S4', 'Four', '/1/2/4/'), \
        (5, 3, 'RW', 2, 'S5', 'Five', '/1/3/5/'); \
        INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership, subsystem) VALUES \
        (1, 'A', 'A', 2, '/1/2/', 'primary', 'public', NULL), \
        (2, 'B', 'B', 4, '/1/2/4/', 'primary', 'private', 'general'), \
        (3, 'C', 'C', 4, '/1/2/4/', 'primary', 'public', 'general'), \
        (4, 'E', 'E', 5, '/1/3/5/', 'primary', 'public', NULL), \
        (5, 'F', 'F', 3, '/1/3/', 'primary', 'private', 'tvet');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
    let admin = Actor::system();
    for code in ["P1", "P2"] {
        let new = NewReference { code: code.into(), name: code.into(), max_score: None, position: None };
        reference::add(db, &admin, reference::Kind::Grade, &new).await.unwrap();
    }
    for code in ["MATH", "READ"] {
        let new = NewReference { code: code.into(), name: code.into(), max_score: Some(100.0), position: None };
        reference::add(db, &admin, reference::Kind::Subject, &new).await.unwrap();
    }
    let sen = NewReference { code: "SEN".into(), name: "Special needs".into(), max_score: None, position: None };
    reference::add(db, &admin, reference::Kind::Group, &sen).await.unwrap();
    import_outcomes(db, &outcome_rows(&["A", "B", "C", "E", "F"], &[2023, 2024, 2025], 1)).await;
    for (code, num, den, by) in [
        (
            "girls-banded",
            "count(proficient) where sex = 'F'",
            None,
            "grade,subject,term,group,unit,ownership,subsystem,year,school",
        ),
        (
            "kept-public-p2",
            "sum(enrolled) - sum(dropped_out) where ownership != 'private'",
            Some("sum(enrolled)"),
            "sex,grade,group,unit,school",
        ),
        ("sector-four", "sum(enrolled) where unit = '/1/2/4/'", None, "sex,grade,unit"),
    ] {
        let input = IndicatorInput {
            code: code.into(),
            name_en: code.into(),
            name_fr: code.into(),
            numerator: num.into(),
            denominator: den.map(String::from),
            scale: Some(1.0),
            disaggregations: by.split(',').map(String::from).collect(),
            kirkpatrick_level: None,
            description_en: None,
            description_fr: None,
        };
        engine::create(db, &admin, &input).await.unwrap();
    }
}

/// Outcome rows for schools and years, every term, grade, subject, sex and group, their
/// counts drawn from `seed` (some left empty, the groups' small).
fn outcome_rows(schools: &[&str], years: &[i64], seed: u64) -> String {
    let mut state = seed;
    let mut next = |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let mut csv = String::from(
        "school_code,year,term,grade,subject,sex,group,enrolled,assessed,mean_score,below_basic,basic,proficient,advanced,promoted,repeating,dropped_out\n",
    );
    for school in schools {
        for year in years {
            for grade in ["P1", "P2"] {
                for sex in ["F", "M"] {
                    for group in ["", "SEN"] {
                        let size = if group.is_empty() { 20 + next(40) } else { 1 + next(8) };
                        let (promoted, repeating) = (size * 7 / 10, next(size / 3 + 1));
                        let dropped = if next(4) == 0 { String::new() } else { next(3).to_string() };
                        csv += &format!(
                            "{school},{year},,{grade},,{sex},{group},{size},,,,,,,{promoted},{repeating},{dropped}\n"
                        );
                        for term in ["", "1", "2"] {
                            for subject in ["MATH", "READ"] {
                                let assessed = size - next(size.min(3));
                                let bands: Vec<String> = (0..4)
                                    .map(|_| {
                                        let v = next(assessed / 4 + 1);
                                        if next(6) == 0 { String::new() } else { v.to_string() }
                                    })
                                    .collect();
                                csv += &format!(
                                    "{school},{year},{term},{grade},{subject},{sex},{group},,{assessed},{},{},,,\n",
                                    30 + next(60),
                                    bands.join(",")
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    csv
}

async fn import_outcomes(db: &Db, csv: &str) {
    let source = Source::bytes("o.csv", csv.as_bytes().to_vec()).unwrap();
    let report = outcomes::import(db, &Actor::system(), source, Options::default()).await.unwrap();
    assert!(report.ok(), "{:?}", report.problems);
}

/// Every question on school data, at every place: each indicator whole and split by each
/// disaggregation it allows (and by sex and unit together where it allows both).
async fn questions(db: &Db) -> Vec<(String, Question)> {
    let mut out = Vec::new();
    for indicator in engine::indicators(db).await.unwrap() {
        let def = engine::definition_of(&indicator).unwrap();
        if !def.disaggregations.iter().any(|d| d == "grade") {
            continue; // on programme participants
        }
        let mut splits: Vec<Vec<String>> = vec![Vec::new()];
        splits.extend(def.disaggregations.iter().map(|d| vec![d.clone()]));
        if def.disaggregations.iter().any(|d| d == "sex") && def.disaggregations.iter().any(|d| d == "unit") {
            splits.push(vec!["unit".into(), "sex".into()]);
        }
        // Every unit; a school's answer is read from its rows either way (C is the one
        // that moves).
        let places = (1..=5).map(Place::Unit).chain([Place::School(3)]);
        for place in places {
            for by in &splits {
                out.push((indicator.code.clone(), Question { place, year: 2024, by: by.clone() }));
            }
        }
    }
    out
}

/// Asks every question as `actor`, read from the units' cells and from the rows, and
/// checks they are the same answer; gives the answers.
async fn same_from_cells_and_rows(db: &Db, actor: &Actor, what: &str) -> Vec<opencpd_indicators::model::Answer> {
    let mut answers = Vec::new();
    for (code, q) in questions(db).await {
        let cells = engine::answer_read(db, actor, &code, &q, Read::Cells).await;
        let rows = engine::answer_read(db, actor, &code, &q, Read::Rows).await;
        match (cells, rows) {
            (Ok(cells), Ok(rows)) => {
                assert_eq!(cells, rows, "{what}: {code} at {:?} by {:?}", q.place, q.by);
                answers.push(cells);
            }
            (Err(Error::NotFound), Err(Error::NotFound)) => {}
            (a, b) => panic!("{what}: {code} at {:?}: {a:?} against {b:?}", q.place),
        }
    }
    answers
}

/// The flows' and the gaps' counts of a unit are its schools' counts added up.
async fn unit_flows_and_gaps_add_up(db: &Db, unit: i64, schools: &[i64]) {
    let admin = Actor::system();
    let counts = |f: &opencpd_indicators::model::FlowReport| -> Vec<(i64, i64)> {
        f.grades.iter().map(|g| (g.enrolled.value.unwrap(), g.repeating_next.value.unwrap())).collect()
    };
    let gaps = |g: &[opencpd_indicators::model::GapRow]| -> Vec<[i64; 4]> {
        g.iter()
            .map(|r| {
                [
                    r.first.value.unwrap(),
                    r.first_size.value.unwrap(),
                    r.second.value.unwrap(),
                    r.second_size.value.unwrap(),
                ]
            })
            .collect()
    };
    for group in [None, Some("SEN")] {
        let whole = flows::flow_report(db, &admin, Place::Unit(unit), 2024, group).await.unwrap();
        let mut summed = vec![(0, 0); whole.grades.len()];
        for school in schools {
            let part = flows::flow_report(db, &admin, Place::School(*school), 2024, group).await.unwrap();
            for (s, (e, r)) in summed.iter_mut().zip(counts(&part)) {
                s.0 += e;
                s.1 += r;
            }
        }
        assert_eq!(counts(&whole), summed, "flows of unit {unit}, group {group:?}");
    }
    let whole = flows::proficiency_gaps(db, &admin, Place::Unit(unit), 2024, None).await.unwrap();
    let mut summed = vec![[0; 4]; whole.len()];
    for school in schools {
        let part = flows::proficiency_gaps(db, &admin, Place::School(*school), 2024, None).await.unwrap();
        for (s, p) in summed.iter_mut().zip(gaps(&part)) {
            for i in 0..4 {
                s[i] += p[i];
            }
        }
    }
    assert_eq!(gaps(&whole), summed, "gaps of unit {unit}");
}

fn total(answers: &[opencpd_indicators::model::Answer], code: &str, place: Place) -> Option<i64> {
    answers
        .iter()
        .find(|a| a.indicator == code && a.place == place && a.by.is_empty())
        .and_then(|a| a.total.numerator.value)
}

#[tokio::test]
async fn a_units_answers_read_from_its_cells_are_those_of_its_schools_rows_and_follow_each_commit() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        national_fixture(&t.db).await;
        let admin = Actor::system();
        // An officer over the whole country without row-level rights: small cells hidden.
        let officer = Actor {
            user_id: Some(2),
            username: "o".into(),
            display_name: "O".into(),
            language: "en".into(),
            grants: vec![Grant {
                role: AccountRole::DistrictOfficer,
                scope: Scope::Unit { unit_id: 1, path: "/1/".into() },
            }],
        };
        let cells: i64 = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM unit_outcome_cells WHERE path = '/1/' AND year = 2024"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert!(cells > 0, "the country's cells are written at the import's commit");
        let before = same_from_cells_and_rows(&t.db, &admin, "imported").await;
        let hidden = same_from_cells_and_rows(&t.db, &officer, "imported, suppressed").await;
        assert!(hidden.iter().any(|a| a.suppressed), "some small cells are hidden from the officer");
        unit_flows_and_gaps_add_up(&t.db, 1, &[1, 2, 3, 4, 5]).await;
        unit_flows_and_gaps_add_up(&t.db, 2, &[1, 2, 3]).await;
        for unit in [1, 2, 3] {
            unit_pages_are_their_schools_totals(&t.db, unit, "imported").await;
        }

        // New figures for school C (sector S4 of D1) change D1's and the country's answers
        // at the import's commit.
        import_outcomes(&t.db, &outcome_rows(&["C"], &[2024], 99)).await;
        let after = same_from_cells_and_rows(&t.db, &admin, "after an import into C").await;
        for place in [Place::Unit(1), Place::Unit(2), Place::Unit(4)] {
            assert_ne!(
                total(&before, "learners-enrolled", place),
                total(&after, "learners-enrolled", place),
                "{place:?} follows C's import"
            );
        }
        assert_eq!(
            total(&before, "learners-enrolled", Place::Unit(3)),
            total(&after, "learners-enrolled", Place::Unit(3))
        );

        // Learner records for school E make its cells, its totals and then its units' cells.
        let records: String = (0..12)
            .map(|i| format!("E,2024,1,P1,MATH,L-{i:03},{},,{}\n", if i % 2 == 0 { "F" } else { "M" }, 40 + i * 4))
            .collect();
        let csv = format!("school_code,year,term,grade,subject,learner,sex,group,score\n{records}");
        let report = opencpd_indicators::store::learners::import(
            &t.db,
            &admin,
            Source::bytes("l.csv", csv.into_bytes()).unwrap(),
            Options::default(),
        )
        .await
        .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        same_from_cells_and_rows(&t.db, &admin, "after learner records for E").await;
        unit_flows_and_gaps_add_up(&t.db, 3, &[4, 5]).await;

        // School C moves to D2's sector and becomes private: every answer follows the
        // registry at once, before C's outcomes are written again, and after.
        on_db!(&t.db, |p| sqlx::query(
            "UPDATE schools SET unit_id = 5, unit_path = '/1/3/5/', ownership = 'private', version = version + 1 WHERE id = 3"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let moved = same_from_cells_and_rows(&t.db, &admin, "C moved").await;
        assert_ne!(
            total(&after, "learners-enrolled", Place::Unit(3)),
            total(&moved, "learners-enrolled", Place::Unit(3))
        );
        same_from_cells_and_rows(&t.db, &officer, "C moved, suppressed").await;
        unit_flows_and_gaps_add_up(&t.db, 2, &[1, 2]).await;
        unit_flows_and_gaps_add_up(&t.db, 3, &[3, 4, 5]).await;
        for unit in [1, 2, 3] {
            unit_pages_are_their_schools_totals(&t.db, unit, "C moved").await;
        }
        import_outcomes(&t.db, &outcome_rows(&["C"], &[2024], 7)).await;
        let again = same_from_cells_and_rows(&t.db, &admin, "C moved and imported again").await;
        unit_flows_and_gaps_add_up(&t.db, 1, &[1, 2, 3, 4, 5]).await;

        // A year removed from a school leaves its units at once.
        outcomes::remove_year(&t.db, &admin, 1, 2024).await.unwrap();
        let removed = same_from_cells_and_rows(&t.db, &admin, "A's 2024 removed").await;
        assert_ne!(
            total(&again, "learners-enrolled", Place::Unit(2)),
            total(&removed, "learners-enrolled", Place::Unit(2))
        );
        unit_flows_and_gaps_add_up(&t.db, 2, &[1, 2]).await;
        for unit in [1, 2, 3] {
            unit_pages_are_their_schools_totals(&t.db, unit, "A's 2024 removed").await;
        }
    }
}

/// A unit's trend, years and parts read from its cells are what its schools' totals give.
async fn unit_pages_are_their_schools_totals(db: &Db, unit: i64, what: &str) {
    let admin = Actor::system();
    let path: String =
        on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(unit).fetch_one(p).await)
            .unwrap();
    let within = format!("s.unit_path >= '{path}' AND s.unit_path < '{}'", opencpd_domain::access::upper_bound(&path));
    let sql = format!(
        "SELECT sub.code, o.year, CAST(SUM(o.scored) AS BIGINT), \
         CAST(100.0 * SUM(o.score_sum) / SUM(o.scored) / MAX(sub.max_score) AS DOUBLE PRECISION) \
         FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id JOIN outcome_subjects sub ON sub.id = o.subject_id \
         WHERE {within} AND o.subject_id <> 0 AND o.scored > 0 GROUP BY sub.code, o.year ORDER BY sub.code, o.year"
    );
    let expected: Vec<(String, i64, i64, f64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await).unwrap();
    let trend = dashboard::trend(db, &admin, Place::Unit(unit)).await.unwrap();
    assert_eq!(trend.len(), expected.len(), "{what}: trend of unit {unit}");
    for (point, (subject, year, assessed, mean)) in trend.iter().zip(&expected) {
        assert_eq!((&point.subject, point.year, point.assessed.value), (subject, *year, Some(*assessed)), "{what}");
        assert!((point.mean_percent.unwrap() - mean).abs() < 1e-9, "{what}: {point:?} against {mean}");
    }
    let sql = format!(
        "SELECT DISTINCT o.year FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id \
         WHERE {within} AND o.subject_id = 0 AND o.term = 0 ORDER BY o.year DESC"
    );
    let years: Vec<i64> =
        on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await).unwrap();
    assert_eq!(dashboard::years(db, &admin, Place::Unit(unit)).await.unwrap(), years, "{what}: years of unit {unit}");
    // Each part (a child unit) is what the schools under it give.
    let breakdown = dashboard::breakdown(db, &admin, unit, Some(2024)).await.unwrap();
    for part in &breakdown.parts {
        let Place::Unit(child) = part.place else { continue };
        let path: String =
            on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(child).fetch_one(p).await)
                .unwrap();
        let within =
            format!("s.unit_path >= '{path}' AND s.unit_path < '{}'", opencpd_domain::access::upper_bound(&path));
        type Row = (Option<i64>, Option<i64>, i64, Option<f64>, Option<i64>, Option<i64>);
        let (enrolled, assessed, scored, score_sum, banded, proficient): Row = on_db!(db, |p| sqlx::query_as(
            sqlx::AssertSqlSafe(format!(
                "SELECT CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.enrolled END) AS BIGINT), \
                 CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.assessed END) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN o.subject_id <> 0 THEN o.scored ELSE 0 END), 0) AS BIGINT), \
                 CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.scored > 0 THEN 100.0 * o.score_sum / sub.max_score END) AS DOUBLE PRECISION), \
                 CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL THEN o.assessed END) AS BIGINT), \
                 CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL THEN o.proficient + COALESCE(o.advanced, 0) END) AS BIGINT) \
                 FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id \
                 LEFT JOIN outcome_subjects sub ON sub.id = o.subject_id WHERE {within} AND o.year = 2024"
            ))
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let what = format!("{what}: part {} of unit {unit}", part.code);
        assert_eq!((part.enrolled.value, part.assessed.value), (enrolled, assessed), "{what}");
        match (part.mean_percent, score_sum) {
            (Some(m), Some(s)) => assert!((m - s / scored as f64).abs() < 1e-9, "{what}"),
            (m, s) => assert_eq!((m, s.filter(|_| scored > 0)), (None, None), "{what}"),
        }
        let percent = match (proficient, banded) {
            (Some(n), Some(d)) if d > 0 => Some(100.0 * n as f64 / d as f64),
            _ => None,
        };
        assert_eq!(part.proficient_percent.map(|p| (p * 1e9).round()), percent.map(|p| (p * 1e9).round()), "{what}");
    }
}

/// An officer over one unit, without row-level rights.
fn officer_of(unit: i64, path: &str) -> Actor {
    Actor {
        user_id: Some(2),
        username: "o".into(),
        display_name: "O".into(),
        language: "en".into(),
        grants: vec![Grant {
            role: AccountRole::DistrictOfficer,
            scope: Scope::Unit { unit_id: unit, path: path.into() },
        }],
    }
}

/// Three programmes on the fixture's units with their cohorts, enrolments, participants
/// (as delivery's refresher writes them: once a programme and person) and costs.
///
/// LEAD: cohort A (D1, 2024) holds people 1–4 of D1 and 8–9 of D2; cohort B (D1, October
/// 2023 to January 2024) people 3–6 of D1, so 3 and 4 are in two cohorts; cohort C (D2,
/// 2025) person 7 of D2. SCALE: cohort S (D2, 2024) people 10–14 of D2 and person 1.
/// IDLE has a cohort in 2027 only. Completed: 1, 2, 3 in A, 4 and 5 in B; 4 withdrew
/// from A after completing it.
async fn programme_fixture(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO programmes (id, code, name, start_date, created_at) VALUES \
         (1, 'LEAD', 'LEAD', '2023-01-01', '2023-01-01T00:00:00Z'), (2, 'SCALE', 'SCALE', '2024-01-01', '2024-01-01T00:00:00Z'), \
         (3, 'IDLE', 'IDLE', '2024-01-01', '2024-01-01T00:00:00Z'); \
         INSERT INTO courses (id, code, title, programme_id, kind, modality, hours, credits, created_at) VALUES \
         (1, 'K1', 'K1', 1, 'short_training', 'face_to_face', 10, 1, '2023-01-01T00:00:00Z'), \
         (2, 'K2', 'K2', 1, 'short_training', 'face_to_face', 10, 1, '2023-01-01T00:00:00Z'), \
         (3, 'K3', 'K3', 2, 'short_training', 'face_to_face', 10, 1, '2024-01-01T00:00:00Z'), \
         (4, 'K4', 'K4', 3, 'short_training', 'face_to_face', 10, 1, '2024-01-01T00:00:00Z'); \
         INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at) VALUES \
         (1, 'A', 'A', 1, 2, '/1/2/', '2024-02-01', '2024-06-30', 50, '2024-01-01T00:00:00Z'), \
         (2, 'B', 'B', 2, 2, '/1/2/', '2023-10-01', '2024-01-31', 50, '2023-01-01T00:00:00Z'), \
         (3, 'C', 'C', 1, 3, '/1/3/', '2025-03-01', '2025-05-01', 50, '2025-01-01T00:00:00Z'), \
         (4, 'S', 'S', 3, 3, '/1/3/', '2024-03-01', '2024-04-01', 50, '2024-01-01T00:00:00Z'), \
         (5, 'I', 'I', 4, 3, '/1/3/', '2027-03-01', '2027-04-01', 50, '2024-01-01T00:00:00Z');",
    );
    let d1 = |p: i64| if p <= 6 { "/1/2/" } else { "/1/3/" };
    let sex = |p: i64| if p % 2 == 0 { "M" } else { "F" };
    // (cohort, programme, person, completed, withdrawn)
    let mut enrolments: Vec<(i64, i64, i64, bool, bool)> = Vec::new();
    for p in [1, 2, 3, 4, 8, 9] {
        enrolments.push((1, 1, p, p <= 4, p == 4));
    }
    for p in [3, 4, 5, 6] {
        enrolments.push((2, 1, p, p == 4 || p == 5, false));
    }
    enrolments.push((3, 1, 7, false, false));
    for p in [10, 11, 12, 13, 14, 1] {
        enrolments.push((4, 2, p, false, false));
    }
    for p in 1..=14 {
        sql.push_str(&format!(
            "INSERT INTO people (id, given_name, family_name, sex) VALUES ({p}, 'A', 'B', '{}');",
            sex(p)
        ));
    }
    let mut participants: std::collections::BTreeMap<(i64, i64), bool> = Default::default();
    for (i, (cohort, programme, person, completed, withdrawn)) in enrolments.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO enrolments (id, cohort_id, person_id, source, enrolled_at, sex, role, path, completed_on, withdrawn_on) \
             VALUES ({}, {cohort}, {person}, 'single', '2023-09-01T00:00:00Z', '{}', 'teacher', '{}', {}, {});",
            i + 1,
            sex(*person),
            d1(*person),
            if *completed { "'2024-06-30'" } else { "NULL" },
            if *withdrawn { "'2024-07-01'" } else { "NULL" },
        ));
        *participants.entry((*programme, *person)).or_default() |= *completed && !*withdrawn;
    }
    // The years each cohort ran in, and so each participant was reached in.
    let years = |cohort: i64| match cohort {
        2 => vec![2023, 2024],
        3 => vec![2025],
        5 => vec![2027],
        _ => vec![2024],
    };
    let mut reached: std::collections::BTreeSet<(i64, i64, i64)> = Default::default();
    for (cohort, programme, person, _, _) in &enrolments {
        reached.extend(years(*cohort).into_iter().map(|y| (*programme, y, *person)));
    }
    for (programme, year, person) in reached {
        sql.push_str(&format!(
            "INSERT INTO programme_reach_years (programme_id, year, person_id, path, sex, role) \
             VALUES ({programme}, {year}, {person}, '{}', '{}', 'teacher');",
            d1(person),
            sex(person),
        ));
    }
    for ((programme, person), completed) in participants {
        sql.push_str(&format!(
            "INSERT INTO programme_participants (programme_id, person_id, path, sex, role, completed, certified) \
             VALUES ({programme}, {person}, '{}', '{}', 'teacher', {}, 0);",
            d1(person),
            sex(person),
            i64::from(completed)
        ));
    }
    sql.push_str(
        "INSERT INTO programme_costs (programme_id, year, category, amount, currency, created_at, created_by) VALUES \
         (1, 2024, 'training', 8000, 'RWF', '2024-01-01T00:00:00Z', 'x'), (1, 2024, 'travel', 1600, 'RWF', '2024-01-01T00:00:00Z', 'x'), \
         (2, 2024, 'materials', 3000, 'RWF', '2024-01-01T00:00:00Z', 'x'), (1, 2025, 'coaching', 500, 'RWF', '2024-01-01T00:00:00Z', 'x'), \
         (1, 2023, 'training', 1000, 'RWF', '2024-01-01T00:00:00Z', 'x'), (3, 2024, 'training', 700, 'RWF', '2024-01-01T00:00:00Z', 'x');",
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

/// A count or sum straight from the base tables (enrolments, cohorts, courses, costs), the
/// year's first and last days bound as `$1` and `$2`.
async fn straight(db: &Db, sql: &str, year: i64) -> f64 {
    let (first, last) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let sql = sql.replace("$1", &format!("'{first}'")).replace("$2", &format!("'{last}'"));
    on_db!(db, |p| sqlx::query_scalar::<_, f64>(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(({sql}) AS DOUBLE PRECISION)"
    )))
    .fetch_one(p)
    .await)
    .unwrap()
}

/// Programme and person pairs with an enrolment in a cohort of the programme running in the
/// year (the cohort's unit is where it ran; the person is counted where they are placed).
const REACHED: &str = "SELECT DISTINCT k.programme_id, e.person_id, e.path FROM enrolments e \
     JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
     WHERE CAST(h.start_date AS TEXT) <= $2 AND CAST(h.end_date AS TEXT) >= $1";

/// A cell's numerator, denominator and value.
type Fraction = (Option<i64>, Option<i64>, Option<f64>);

#[tokio::test]
async fn cost_per_participant_is_the_years_costs_over_the_participants_reached_apportioned_to_units() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        programme_fixture(&t.db).await;
        let admin = Actor::system();
        let ask = |place, year, by: &[&str]| Question { place, year, by: by.iter().map(|b| b.to_string()).collect() };
        let value = |a: &opencpd_indicators::model::AnswerCell| {
            (a.numerator.value, a.denominator.as_ref().and_then(|d| d.value), a.value)
        };
        for year in [2023, 2024, 2025, 2026] {
            // The country: every cost of a programme that reached anyone in the year over
            // everyone reached, counted straight from the tables.
            let participants = straight(&t.db, &format!("SELECT COUNT(*) FROM ({REACHED}) r"), year).await;
            let spent = straight(
                &t.db,
                &format!(
                    "SELECT COALESCE(SUM(amount), 0) FROM programme_costs WHERE year = {year} \
                     AND programme_id IN (SELECT programme_id FROM ({REACHED}) r)"
                ),
                year,
            )
            .await;
            let a =
                engine::answer(&t.db, &admin, "cost-per-participant", &ask(Place::Unit(1), year, &[])).await.unwrap();
            assert_eq!(a.total.numerator.value, Some(spent.round() as i64), "{backend:?} {year}");
            assert_eq!(a.total.denominator.as_ref().unwrap().value, Some(participants as i64), "{backend:?} {year}");
            match a.total.value {
                Some(v) => assert!((v - spent / participants).abs() < 1e-9, "{backend:?} {year}: {v}"),
                None => assert_eq!(participants, 0.0, "{backend:?} {year}"),
            }
        }
        // 2024: LEAD spent 9,600 on 8 people reached (6 in D1, 2 in D2: cohort B, which
        // ran into January, counts); SCALE 3,000 on 6 (1 in D1, 5 in D2); IDLE's 700 reached
        // nobody and goes nowhere. Person 1 is in both programmes, once in each.
        let a = engine::answer(&t.db, &admin, "cost-per-participant", &ask(Place::Unit(1), 2024, &["programme"]))
            .await
            .unwrap();
        let cells: Vec<(Vec<String>, Fraction)> = a.cells.iter().map(|c| (c.categories.clone(), value(c))).collect();
        assert_eq!(
            cells,
            vec![
                (vec!["LEAD".to_string()], (Some(9600), Some(8), Some(1200.0))),
                (vec!["SCALE".to_string()], (Some(3000), Some(6), Some(500.0))),
            ],
            "{backend:?}"
        );
        assert_eq!(value(&a.total), (Some(12600), Some(14), Some(900.0)), "{backend:?}");
        // By unit, each programme's costs go where its participants are: D1 has 6/8 of
        // LEAD's and 1/6 of SCALE's, D2 the rest; the parts add up to the whole.
        let a =
            engine::answer(&t.db, &admin, "cost-per-participant", &ask(Place::Unit(1), 2024, &["unit"])).await.unwrap();
        let cells: Vec<(Vec<String>, Fraction)> = a.cells.iter().map(|c| (c.categories.clone(), value(c))).collect();
        assert_eq!(
            cells,
            vec![
                (vec!["D1".to_string()], (Some(7200 + 500), Some(7), Some(1100.0))),
                (vec!["D2".to_string()], (Some(2400 + 2500), Some(7), Some(700.0))),
            ],
            "{backend:?}"
        );
        // Asked at D2, its share; by programme, each programme's own rate.
        let a = engine::answer(&t.db, &admin, "cost-per-participant", &ask(Place::Unit(3), 2024, &["programme"]))
            .await
            .unwrap();
        assert_eq!(value(&a.total), (Some(4900), Some(7), Some(700.0)), "{backend:?}");
        assert_eq!(a.cells.iter().map(|c| c.value).collect::<Vec<_>>(), vec![Some(1200.0), Some(500.0)]);

        // D2's officer: LEAD's 2 participants there are a small count, so LEAD's share of
        // the costs (which would give them back) is hidden with them, and SCALE's cell as
        // the complement; the whole (7 people) is shown.
        let d2 = officer_of(3, "/1/3/");
        let a = engine::answer(&t.db, &d2, "cost-per-participant", &ask(Place::Unit(3), 2024, &["programme"]))
            .await
            .unwrap();
        let shown: Vec<(&str, &str, Option<f64>)> = a
            .cells
            .iter()
            .map(|c| (c.numerator.shown.as_str(), c.denominator.as_ref().unwrap().shown.as_str(), c.value))
            .collect();
        assert_eq!(shown, vec![("x", "<5", None), ("x", "x", None)], "{backend:?}");
        assert!(a.suppressed);
        assert_eq!(value(&a.total), (Some(4900), Some(7), Some(700.0)), "{backend:?}");
        // Above their unit is a place that does not exist to them.
        assert!(matches!(
            engine::answer(&t.db, &d2, "cost-per-participant", &ask(Place::Unit(1), 2024, &[])).await,
            Err(Error::NotFound)
        ));
        // A split the indicator does not allow is named.
        let Err(Error::Invalid(p)) =
            engine::answer(&t.db, &admin, "cost-per-participant", &ask(Place::Unit(1), 2024, &["cohort"])).await
        else {
            panic!("refused");
        };
        assert_eq!((p[0].code, p[0].value.as_deref()), ("indicator-disaggregation-not-allowed", Some("cohort")));

        // A deployment's own: training costs alone, by category and unit.
        let input = IndicatorInput {
            code: "training-costs".into(),
            name_en: "Training costs".into(),
            name_fr: "Coûts de formation".into(),
            numerator: "sum(cost) where category = 'training'".into(),
            denominator: None,
            scale: Some(1.0),
            disaggregations: vec!["unit".into(), "category".into()],
            kirkpatrick_level: None,
            description_en: Some("What training cost, apportioned by participants reached.".into()),
            description_fr: None,
        };
        let saved = engine::create(&t.db, &admin, &input).await.unwrap();
        assert_eq!(saved.description_en.as_deref(), input.description_en.as_deref());
        let a = engine::answer(&t.db, &admin, "training-costs", &ask(Place::Unit(1), 2024, &["unit", "category"]))
            .await
            .unwrap();
        let cells: Vec<(Vec<String>, Option<f64>)> = a.cells.iter().map(|c| (c.categories.clone(), c.value)).collect();
        assert_eq!(
            cells,
            vec![
                (vec!["D1".to_string(), "training".to_string()], Some(6000.0)),
                (vec!["D2".to_string(), "training".to_string()], Some(2000.0)),
            ],
            "{backend:?}"
        );
        let bad =
            IndicatorInput { code: "bad-costs".into(), numerator: "sum(cost) where category = 'food'".into(), ..input };
        assert_eq!(
            refused(engine::create(&t.db, &admin, &bad).await),
            vec![("indicator-unknown-value", "numerator".to_string())]
        );
    }
}

#[tokio::test]
async fn participant_indicators_split_by_cohort_count_a_person_in_each_cohort_and_once_in_the_whole() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        programme_fixture(&t.db).await;
        let admin = Actor::system();
        let ask = |place, by: &[&str]| Question { place, year: 2024, by: by.iter().map(|b| b.to_string()).collect() };
        let reach = engine::answer(&t.db, &admin, "reach", &ask(Place::Unit(1), &["cohort"])).await.unwrap();
        let by_cohort: Vec<(String, Option<i64>)> =
            reach.cells.iter().map(|c| (c.categories[0].clone(), c.numerator.value)).collect();
        // Each cohort's cell is its enrolments, counted from the table.
        let enrolled: Vec<(String, i64)> = on_db!(&t.db, |p| sqlx::query_as(
            "SELECT h.code, COUNT(*) FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id GROUP BY h.code ORDER BY h.code"
        )
        .fetch_all(p)
        .await)
        .unwrap();
        assert_eq!(by_cohort, enrolled.iter().map(|(c, n)| (c.clone(), Some(*n))).collect::<Vec<_>>(), "{backend:?}");
        // The whole counts each participant once a programme: 9 of LEAD and 6 of SCALE,
        // fewer than the cells' 17, as people 1, 3 and 4 are in two cohorts.
        let cells: i64 = reach.cells.iter().filter_map(|c| c.numerator.value).sum();
        let participants: i64 =
            on_db!(&t.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM programme_participants").fetch_one(p).await)
                .unwrap();
        assert_eq!((reach.total.numerator.value, cells), (Some(participants), 17), "{backend:?}");
        assert_eq!(participants, 15);
        // Completion by cohort is each enrolment's: A 3 of 6 (4 withdrew), B 2 of 4; the
        // programme's whole is its people's: 5 of LEAD's 9 (and none of SCALE's 6).
        let c = engine::answer(&t.db, &admin, "completion-rate", &ask(Place::Unit(1), &["cohort"])).await.unwrap();
        let rates: Vec<(String, Option<i64>, Option<f64>)> =
            c.cells.iter().map(|c| (c.categories[0].clone(), c.numerator.value, c.value)).collect();
        assert_eq!(
            rates,
            vec![
                ("A".to_string(), Some(3), Some(50.0)),
                ("B".to_string(), Some(2), Some(50.0)),
                ("C".to_string(), Some(0), Some(0.0)),
                ("S".to_string(), Some(0), Some(0.0)),
            ],
            "{backend:?}"
        );
        close(c.total.value, 100.0 * 5.0 / 15.0);
        // With another split: D1's people by cohort and sex.
        let split = engine::answer(&t.db, &admin, "reach", &ask(Place::Unit(2), &["cohort", "sex"])).await.unwrap();
        let cells: Vec<(Vec<String>, Option<i64>)> =
            split.cells.iter().map(|c| (c.categories.clone(), c.numerator.value)).collect();
        let v = |c: &str, s: &str, n: i64| (vec![c.to_string(), s.to_string()], Some(n));
        assert_eq!(cells, vec![v("A", "F", 2), v("A", "M", 2), v("B", "F", 2), v("B", "M", 2), v("S", "F", 1)]);
        assert_eq!(split.total.numerator.value, Some(7), "{backend:?}: people 1 to 6 and 1 again for SCALE");

        // D2's officer: cohorts A and C hold 2 and 1 of D2's people, small counts hidden
        // as any other cell; S's 5 are shown (two cells hidden need no complement).
        let d2 = officer_of(3, "/1/3/");
        let a = engine::answer(&t.db, &d2, "reach", &ask(Place::Unit(3), &["cohort"])).await.unwrap();
        let shown: Vec<(String, String, Option<f64>)> =
            a.cells.iter().map(|c| (c.categories[0].clone(), c.numerator.shown.clone(), c.value)).collect();
        assert_eq!(
            shown,
            vec![
                ("A".to_string(), "<5".to_string(), None),
                ("C".to_string(), "<5".to_string(), None),
                ("S".to_string(), "5".to_string(), Some(5.0)),
            ],
            "{backend:?}"
        );
        assert!(a.suppressed);
        assert_eq!(a.total.numerator.value, Some(8));

        // A definition filtered on a cohort counts its people once, wherever the split.
        let input = IndicatorInput {
            code: "cohort-a".into(),
            name_en: "Cohort A".into(),
            name_fr: "Cohorte A".into(),
            numerator: "count(participants) where cohort = 'A'".into(),
            denominator: None,
            scale: Some(1.0),
            disaggregations: vec!["unit".into(), "sex".into()],
            kirkpatrick_level: None,
            description_en: None,
            description_fr: None,
        };
        engine::create(&t.db, &admin, &input).await.unwrap();
        let a = engine::answer(&t.db, &admin, "cohort-a", &ask(Place::Unit(1), &["unit"])).await.unwrap();
        let units: Vec<(String, Option<f64>)> = a.cells.iter().map(|c| (c.categories[0].clone(), c.value)).collect();
        assert_eq!(units, vec![("D1".to_string(), Some(4.0)), ("D2".to_string(), Some(2.0))], "{backend:?}");
        close(a.total.value, 6.0);

        // What refuses a split refuses cohort where it is not carried or allowed.
        let staff = IndicatorInput {
            code: "staff-by-cohort".into(),
            numerator: "count(staff)".into(),
            disaggregations: vec!["cohort".into()],
            ..input
        };
        assert_eq!(
            refused(engine::create(&t.db, &admin, &staff).await),
            vec![("indicator-disaggregation-not-carried", "disaggregations".to_string())]
        );
        let Err(Error::Invalid(p)) =
            engine::answer(&t.db, &admin, "cpd-threshold-met", &ask(Place::Unit(1), &["cohort"])).await
        else {
            panic!("refused");
        };
        assert_eq!((p[0].code, p[0].column.as_deref()), ("indicator-disaggregation-not-allowed", Some("by")));
        // A target on a cohort of reach, read live.
        let target = IndicatorTargetInput {
            place: None,
            year: 2024,
            disaggregation: Some("cohort".into()),
            category: Some("A".into()),
            baseline: None,
            target: 10.0,
        };
        engine::set_target(&t.db, &admin, "reach", &target).await.unwrap();
        let progress = engine::targets(&t.db, &admin, "reach").await.unwrap();
        close(progress[0].achieved, 6.0);
    }
}

/// The indicators page lists every indicator with its definition, and lets those who set
/// up programmes for the whole deployment add one: a definition that does not parse is
/// named by its field in the reader's language with what was typed kept, nothing written;
/// a good one is saved and listed; an officer sees the list and no form, and may not post.
#[tokio::test]
async fn an_indicator_is_defined_on_the_indicators_page_with_bad_fields_named_and_no_form_for_officers() {
    use opencpd_testkit::api::{Api, session, token};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let admin = session(&t.db, &token(&t.db, "admin", AccountRole::SystemAdmin, None).await).await;
        let officer = session(&t.db, &token(&t.db, "officer", AccountRole::DistrictOfficer, Some("D1")).await).await;
        let (status, page, _) = api.page(&admin, "GET", "/indicators", None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"indicator-proficiency-rate\"") && page.contains("id=\"indicator-form\""), "{page}");
        let fields = |numerator: &'static str, scale: &'static str| {
            vec![
                ("code", "girls-advanced"),
                ("name_en", "Girls at advanced (%)"),
                ("name_fr", "Filles au niveau avancé (%)"),
                ("numerator", numerator),
                ("denominator", "sum(assessed) where sex = 'F'"),
                ("scale", scale),
                ("disaggregations", "unit, grade"),
                ("kirkpatrick_level", "4"),
            ]
        };
        let bad = fields("sum(advanced", "cent");
        let (status, page, _) = api.page(&admin, "POST", "/indicators", Some(&bad[..])).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("id=\"problems\"") && page.contains("scale"), "{page}");
        assert!(page.contains("value=\"Girls at advanced (%)\""), "what was typed is kept: {page}");
        let bad = fields("sum(advanced", "100");
        let (status, page, _) = api.page(&admin, "POST", "/indicators", Some(&bad[..])).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("numerator"), "{page}");
        assert!(engine::indicator(&t.db, "girls-advanced").await.is_err(), "nothing written");
        let good = fields("sum(advanced) where sex = 'F'", "100");
        let (status, _, location) = api.page(&admin, "POST", "/indicators", Some(&good[..])).await;
        assert_eq!((status.as_u16(), location.as_deref()), (303, Some("/indicators#indicator-girls-advanced")));
        let saved = engine::indicator(&t.db, "girls-advanced").await.unwrap();
        assert_eq!((saved.scale, saved.disaggregations.as_str(), saved.shipped), (100.0, "unit,grade", false));
        // Girls at advanced in D1: 10 of 40.
        let q = Question { place: Place::Unit(2), year: 2024, by: vec![] };
        let a = engine::answer(&t.db, &Actor::system(), "girls-advanced", &q).await.unwrap();
        close(a.total.value, 25.0);

        let (status, page, _) = api.page(&officer, "GET", "/indicators", None).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"indicator-girls-advanced\"") && !page.contains("id=\"indicator-form\""), "{page}");
        let other = fields("sum(advanced)", "1");
        let (status, _, _) = api.page(&officer, "POST", "/indicators", Some(&other[..])).await;
        assert_eq!(status, 403);
    }
}

/// Programme and person pairs reached in a span of days (`$1` its first day, `$2` the
/// first day after it), as [`REACHED`] for a year.
const REACHED_IN_SPAN: &str = "SELECT COUNT(*) FROM (SELECT DISTINCT k.programme_id, e.person_id FROM enrolments e \
     JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
     WHERE CAST(h.start_date AS TEXT) < $2 AND CAST(h.end_date AS TEXT) >= $1) x";

/// The people reached in the year split by quarter: a person counts in each quarter one of
/// their cohorts ran in, and once in the year; a filter on quarters counts a person
/// reached in any of them once. Only those reached in a year carry quarters; a DHIS2
/// export sends each quarter in its own period.
#[tokio::test]
async fn people_reached_in_the_year_are_split_by_the_quarters_their_cohorts_ran_in() {
    use opencpd_indicators::store::dhis2;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        programme_fixture(&t.db).await;
        let admin = Actor::system();
        let ask = |place, by: &[&str]| Question { place, year: 2024, by: by.iter().map(|b| b.to_string()).collect() };
        let a = engine::answer(&t.db, &admin, "reach-in-year", &ask(Place::Unit(1), &["quarter"])).await.unwrap();
        let quarters: Vec<(String, Option<i64>)> =
            a.cells.iter().map(|c| (c.categories[0].clone(), c.numerator.value)).collect();
        // Q1: cohorts A, B (LEAD: people 1 to 6, 8, 9) and S (SCALE: 1, 10 to 14); Q2: A and
        // S (S ends on 1 April). Nothing ran later in 2024.
        assert_eq!(quarters, vec![("Q1".to_string(), Some(14)), ("Q2".to_string(), Some(12))], "{backend:?}");
        for (q, from, to) in [("Q1", "2024-01-01", "2024-04-01"), ("Q2", "2024-04-01", "2024-07-01")] {
            let sql = REACHED_IN_SPAN.replace("$1", &format!("'{from}'")).replace("$2", &format!("'{to}'"));
            let straight: i64 =
                on_db!(&t.db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await).unwrap();
            let cell = quarters.iter().find(|(c, _)| c == q).unwrap().1;
            assert_eq!(cell, Some(straight), "{backend:?} {q}");
        }
        // Once in the year: the year's people, as kept in programme_reach_years.
        let year: i64 =
            on_db!(&t.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM programme_reach_years WHERE year = 2024")
                .fetch_one(p)
                .await)
            .unwrap();
        assert_eq!((a.total.numerator.value, year), (Some(14), 14), "{backend:?}");
        let whole = engine::answer(&t.db, &admin, "reach-in-year", &ask(Place::Unit(1), &[])).await.unwrap();
        assert_eq!(whole.total.numerator.value, Some(14));
        // With another split: D1's people (1 to 6) by quarter and sex.
        let split =
            engine::answer(&t.db, &admin, "reach-in-year", &ask(Place::Unit(2), &["quarter", "sex"])).await.unwrap();
        let cells: Vec<(Vec<String>, Option<i64>)> =
            split.cells.iter().map(|c| (c.categories.clone(), c.numerator.value)).collect();
        let v = |q: &str, s: &str, n: i64| (vec![q.to_string(), s.to_string()], Some(n));
        // Q1: LEAD 1–6 (F 1, 3, 5; M 2, 4, 6) and SCALE 1; Q2: LEAD 1–4 (A) and SCALE 1.
        assert_eq!(cells, vec![v("Q1", "F", 4), v("Q1", "M", 3), v("Q2", "F", 3), v("Q2", "M", 2)], "{backend:?}");

        // A definition filtered on quarters counts a person reached in either once.
        let input = IndicatorInput {
            code: "reached-spring".into(),
            name_en: "Reached in the second or third quarter".into(),
            name_fr: "Atteints au deuxième ou au troisième trimestre".into(),
            numerator: "count(reached) where quarter in ('Q2', 'Q3')".into(),
            denominator: None,
            scale: Some(1.0),
            disaggregations: vec!["sex".into()],
            kirkpatrick_level: Some(1),
            description_en: None,
            description_fr: None,
        };
        engine::create(&t.db, &admin, &input).await.unwrap();
        let spring = engine::answer(&t.db, &admin, "reached-spring", &ask(Place::Unit(1), &[])).await.unwrap();
        assert_eq!(spring.total.numerator.value, Some(12), "{backend:?}");
        // A quarter that is none, and a quarter on all participants, are refused by name.
        let bad =
            IndicatorInput { code: "q5".into(), numerator: "count(reached) where quarter = 'Q5'".into(), ..input };
        assert_eq!(refused(engine::create(&t.db, &admin, &bad).await)[0].1, "numerator");
        let all = IndicatorInput {
            code: "participants-by-quarter".into(),
            numerator: "count(participants)".into(),
            disaggregations: vec!["quarter".into()],
            ..bad
        };
        assert_eq!(
            refused(engine::create(&t.db, &admin, &all).await),
            vec![("indicator-disaggregation-not-carried", "disaggregations".to_string())]
        );

        // DHIS2: each quarter's value in its own period.
        for (kind, key, code) in
            [("indicator", "reach-in-year", "REACH_Y"), ("unit", "RW", "OU_RW"), ("dataset", "default", "DS_CPD")]
        {
            dhis2::set_code(&t.db, &admin, kind, key, code).await.unwrap();
        }
        let q = ask(Place::Unit(1), &["quarter"]);
        let json = dhis2::export(&t.db, &admin, "reach-in-year", &q, dhis2::Format::DataValueSets).await.unwrap();
        let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let sent: Vec<(String, String, String)> = json["dataValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["period"].as_str().unwrap().into(),
                    v["orgUnit"].as_str().unwrap().into(),
                    v["value"].as_str().unwrap().into(),
                )
            })
            .collect();
        let s = |p: &str, n: &str| (p.to_string(), "OU_RW".to_string(), n.to_string());
        assert_eq!(sent, vec![s("2024Q1", "14"), s("2024Q2", "12")], "{backend:?}");
        assert!(
            json["dataValues"][0].get("categoryOptionCombo").is_none(),
            "the quarter is the period, not a category"
        );
        let adx = dhis2::export(&t.db, &admin, "reach-in-year", &q, dhis2::Format::Adx).await.unwrap().body;
        assert!(adx.contains("period=\"2024-01-01/P3M\"") && adx.contains("period=\"2024-04-01/P3M\""), "{adx}");
    }
}
