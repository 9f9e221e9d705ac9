//! The indicator engine on both backends: shipped definitions, definitions checked when
//! saved, answers by place and disaggregation, and targets on what an indicator allows.

use opencpd_domain::{AccountRole, Grant, Scope};
use opencpd_indicators::model::{IndicatorInput, IndicatorTargetInput, NewReference, Place, Question};
use opencpd_indicators::store::{engine, outcomes, reference};
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
        assert_eq!((gaps[0].girls_size.value, gaps[0].boys_size.value), (Some(40), Some(40)));
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
        assert_eq!(gaps[0].girls_size.shown, "<5");
        assert_eq!((gaps[0].points, gaps[0].parity_adjusted), (None, None));
    }
}
