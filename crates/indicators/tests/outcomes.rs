//! Learner outcomes on both backends: the import through the one pipeline (good files, bad
//! rows named, nothing half-written, dry runs), entry for one school, and flow rates read
//! by school and by unit in scope, with small cells suppressed.

use opencpd_domain::{AccountRole, Grant, Scope};
use opencpd_indicators::model::{NewReference, OutcomeEntry, Place, ReferenceEdit};
use opencpd_indicators::store::{flows, learners, outcomes, reference};
use opencpd_kernel::import::{self, Options, Source};
use opencpd_kernel::{Actor, Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};
use std::collections::BTreeMap;

fn actor(role: AccountRole, scope: Scope) -> Actor {
    Actor {
        user_id: Some(9),
        username: "u".into(),
        display_name: "U".into(),
        language: "en".into(),
        grants: vec![Grant { role, scope }],
    }
}

/// Rwanda (unit 1) with districts D1 (unit 2: schools S1 and S2) and D2 (unit 3: S3);
/// grades P1–P3, a subject MATH scored out of 100, a learner group REF.
async fn fixture(db: &Db) {
    let sql = "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
        (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (2, 1, 'RW', 1, 'D1', 'One', '/1/2/'), \
        (3, 1, 'RW', 1, 'D2', 'Two', '/1/3/'); \
        INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
        (1, 'S1', 'School one', 2, '/1/2/', 'primary', 'public'), \
        (2, 'S2', 'School two', 2, '/1/2/', 'primary', 'public'), \
        (3, 'S3', 'School three', 3, '/1/3/', 'primary', 'public');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
    let admin = Actor::system();
    for (code, name) in [("P1", "Primary 1"), ("P2", "Primary 2"), ("P3", "Primary 3")] {
        let new = NewReference { code: code.into(), name: name.into(), max_score: None, position: None };
        reference::add(db, &admin, reference::Kind::Grade, &new).await.unwrap();
    }
    let math = NewReference { code: "MATH".into(), name: "Mathematics".into(), max_score: Some(100.0), position: None };
    reference::add(db, &admin, reference::Kind::Subject, &math).await.unwrap();
    let group = NewReference { code: "REF".into(), name: "Refugees".into(), max_score: None, position: None };
    reference::add(db, &admin, reference::Kind::Group, &group).await.unwrap();
}

const HEADER: &str = "school_code,year,term,grade,subject,sex,group,enrolled,assessed,mean_score,\
    below_basic,basic,proficient,advanced,promoted,repeating,dropped_out\n";

/// The worked example of `opencpd_domain::indicators::flows` spread over S1 and S2 and
/// both sexes (S1 girls 30%, S1 boys 30%, S2 girls 20%, S2 boys 20%):
/// E(·, 2023) = 1000, 800, 700; E(·, 2024) = 950, 860, 752; R(·, 2024) = 100, 40, 32.
fn worked_example_csv() -> String {
    let mut csv = HEADER.to_string();
    let years = [(2023, [1000, 800, 700], [0, 0, 0]), (2024, [950, 860, 752], [100, 40, 32])];
    for (year, enrolled, repeating) in years {
        for (g, grade) in ["P1", "P2", "P3"].iter().enumerate() {
            for (school, sex, share) in [("S1", "F", 3), ("S1", "M", 3), ("S2", "F", 2), ("S2", "M", 2)] {
                let (e, r) = (enrolled[g] * share / 10, repeating[g] * share / 10);
                csv.push_str(&format!("{school},{year},,{grade},,{sex},,{e},,,,,,,,{r},\n"));
            }
        }
    }
    csv
}

fn source(text: &str) -> Source {
    Source::bytes("outcomes.csv", text.as_bytes().to_vec()).unwrap()
}

async fn stored(db: &Db) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM learner_outcomes").fetch_one(p).await).unwrap()
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-9, "{a} is not {b}");
}

#[tokio::test]
async fn an_outcomes_file_is_imported_whole_and_flows_are_read_by_school_and_unit() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let csv = worked_example_csv();
        let dry = outcomes::import(&t.db, &admin, source(&csv), Options { dry_run: true, ..Options::default() })
            .await
            .unwrap();
        assert!(dry.ok(), "{:?}", dry.problems);
        assert_eq!((dry.rows_read, dry.rows_valid, dry.rows_written), (24, 24, 0));
        assert_eq!(stored(&t.db).await, 0, "a dry run writes nothing");
        let report = outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!((report.rows_read, report.rows_written), (24, 24));
        assert_eq!(stored(&t.db).await, 24);

        // The unit D1 holds the worked example: the rates computed by hand.
        let unit = flows::flow_report(&t.db, &admin, Place::Unit(2), 2023, None).await.unwrap();
        let g: Vec<&str> = unit.grades.iter().map(|r| r.grade.as_str()).collect();
        assert_eq!(g, ["P1", "P2", "P3"]);
        close(unit.grades[0].repetition, 0.10);
        close(unit.grades[0].promotion, 0.82);
        close(unit.grades[0].dropout, 0.08);
        close(unit.grades[1].repetition, 0.05);
        close(unit.grades[1].promotion, 0.90);
        close(unit.grades[1].dropout, 0.05);
        close(unit.grades[2].survival, 0.82 / 0.95);
        close(unit.grades[0].promotion_parity_adjusted, 1.0);
        assert_eq!(unit.grades[0].enrolled.value, Some(1000));
        assert_eq!(unit.grades[0].repeating_next.value, Some(100));
        assert!(!unit.suppressed);
        // One school: its 60% share gives the same rates.
        let school = flows::flow_report(&t.db, &admin, Place::School(1), 2023, None).await.unwrap();
        assert_eq!(school.grades[0].enrolled.value, Some(600));
        // PR(P1) = (E(P2, 2024) − R(P2, 2024)) / E(P1, 2023) = (516 − 24) / 600 = 0.82.
        close(school.grades[0].promotion, (516.0 - 24.0) / 600.0);
        // The country reads the same as D1 (S3 has no rows).
        let country = flows::flow_report(&t.db, &admin, Place::Unit(1), 2023, None).await.unwrap();
        assert_eq!(country.grades, unit.grades);

        // Importing again replaces the rows rather than adding to them.
        let again = outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        assert!(again.ok());
        assert_eq!(stored(&t.db).await, 24);
    }
}

#[tokio::test]
async fn bad_outcome_rows_are_each_named_by_row_and_column_and_nothing_is_written() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let csv = format!(
            "{HEADER}\
             S1,2024,,P1,,F,,40,,,,,,,,2,\n\
             XX,2024,,P1,,F,,40,,,,,,,,2,\n\
             S1,2024,,P9,,F,,40,,,,,,,,2,\n\
             S1,2024,,P1,,M,ZZ,40,,,,,,,,2,\n\
             S1,2024,,P2,,F,,40,,,,,,,,41,\n\
             S1,2024,1,P2,MATH,F,,40,38,101.5,,,,,,,\n\
             S1,2024,,P1,,F,,40,,,,,,,,2,\n\
             S1,1850,7,P1,,X,,-4,,,,,,,,,\n\
             S1,2024,2,P3,MATH,M,REF,30,28,64.5,4,10,10,4,,,\n"
        );
        let report = outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        let found: Vec<(Option<usize>, Option<&str>, &str)> =
            report.problems.iter().map(|p| (p.row, p.column.as_deref(), p.code)).collect();
        assert_eq!(
            found,
            vec![
                (Some(3), Some("school_code"), "unknown-school"),
                (Some(4), Some("grade"), "unknown-grade"),
                (Some(5), Some("group"), "unknown-group"),
                (Some(6), Some("repeating"), "more-repeaters-than-enrolled"),
                (Some(7), Some("mean_score"), "score-above-maximum"),
                (Some(8), Some("school_code"), "duplicate-in-file"),
                (Some(9), Some("year"), "bad-year"),
                (Some(9), Some("term"), "bad-term"),
                (Some(9), Some("sex"), "bad-choice"),
                (Some(9), Some("enrolled"), "negative"),
            ]
        );
        assert_eq!(report.problems_total, 10);
        assert_eq!((report.rows_read, report.rows_valid, report.rows_written), (9, 2, 0));
        assert_eq!(stored(&t.db).await, 0, "nothing is written when any row is wrong");
        assert!(report.problems[4].message("en").contains("above MATH's maximum of 100"), "{}", report.problems[4]);
        assert!(report.problems[5].message("fr").contains("ligne 2"), "{}", report.problems[5].message("fr"));

        // The header's problems stop the import before any row.
        let report =
            outcomes::import(&t.db, &admin, source("school_code,year,colour\nS1,2024,red\n"), Options::default())
                .await
                .unwrap();
        let codes: Vec<(&str, Option<&str>)> = report.problems.iter().map(|p| (p.code, p.column.as_deref())).collect();
        assert_eq!(
            codes,
            vec![
                ("unknown-column", Some("colour")),
                ("missing-column", Some("grade")),
                ("missing-column", Some("sex"))
            ]
        );
        let report = outcomes::import(&t.db, &admin, source(HEADER), Options::default()).await.unwrap();
        assert_eq!(report.problems[0].code, "no-rows");
        // Every problem is counted; the first thousand are listed.
        let mut many = HEADER.to_string();
        for i in 0..1_200 {
            many.push_str(&format!("X{i},2024,,P1,,F,,40,,,,,,,,2,\n"));
        }
        let report = outcomes::import(&t.db, &admin, source(&many), Options::default()).await.unwrap();
        assert_eq!((report.problems.len(), report.problems_total), (1_000, 1_200));
        assert_eq!(report.problems[999].row, Some(1_001));
        assert_eq!(stored(&t.db).await, 0);
    }
}

#[tokio::test]
async fn schools_outside_the_importers_scope_are_refused() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        let csv = format!("{HEADER}S3,2024,,P1,,F,,40,,,,,,,,2,\nS1,2024,,P1,,F,,40,,,,,,,,2,\n");
        let report = outcomes::import(&t.db, &officer, source(&csv), Options::default()).await.unwrap();
        assert_eq!(report.problems.len(), 1);
        assert_eq!((report.problems[0].row, report.problems[0].code), (Some(3), "out-of-scope"));
        assert_eq!(stored(&t.db).await, 0);
    }
}

#[tokio::test]
async fn a_workbook_is_streamed_through_the_same_pipeline() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let headers: Vec<&str> = HEADER.trim().split(',').collect();
        let rows = vec![
            "S1,2024,,P1,,F,,40,,,,,,,,2,".split(',').map(String::from).collect::<Vec<_>>(),
            "S1,2024,2,P1,MATH,M,,40,38,55.5,4,10,20,4,,,".split(',').map(String::from).collect(),
        ];
        let mut bytes = Vec::new();
        opencpd_transfer::write_table(opencpd_transfer::Format::Xlsx, &headers, rows, &mut bytes).unwrap();
        let source = Source::bytes("outcomes.xlsx", bytes).unwrap();
        let report = outcomes::import(&t.db, &Actor::system(), source, Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.rows_written, 2);
        let mean: f64 = on_db!(&t.db, |p| sqlx::query_scalar("SELECT mean_score FROM learner_outcomes WHERE term = 2")
            .fetch_one(p)
            .await)
        .unwrap();
        assert_eq!(mean, 55.5);
    }
}

#[tokio::test]
async fn a_school_leader_enters_outcomes_for_their_school_only() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let leader = actor(AccountRole::SchoolLeader, Scope::School { school_id: 1 });
        let entry = |grade: &str, enrolled: i64, repeating: i64| OutcomeEntry {
            year: 2025,
            grade: grade.into(),
            sex: "f".into(),
            enrolled: Some(enrolled),
            repeating: Some(repeating),
            ..Default::default()
        };
        let written = outcomes::enter(&t.db, &leader, 1, &[entry("P1", 30, 3), entry("P2", 25, 1)]).await.unwrap();
        assert_eq!(written, 2);
        // Another school: not even seen.
        assert!(matches!(outcomes::enter(&t.db, &leader, 2, &[entry("P1", 30, 3)]).await, Err(Error::NotFound)));
        // A bad entry names its place in the list and its field; nothing of the list is written.
        let Err(Error::Invalid(problems)) =
            outcomes::enter(&t.db, &leader, 1, &[entry("P3", 10, 1), entry("P1", 5, 9)]).await
        else {
            panic!("refused");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].row, problems[0].column.as_deref()), (Some(2), Some("repeating")));
        assert_eq!(stored(&t.db).await, 2);
        let audited: i64 = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE entity = 'learner_outcomes'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 1);
    }
}

#[tokio::test]
async fn flows_are_read_in_scope_with_small_cells_suppressed() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        outcomes::import(&t.db, &admin, source(&worked_example_csv()), Options::default()).await.unwrap();
        // S3 in D2: P1 has 3 girls, too few to show.
        let small = format!(
            "{HEADER}S3,2023,,P1,,F,,3,,,,,,,,,\nS3,2023,,P1,,M,,40,,,,,,,,,\nS3,2023,,P2,,F,,30,,,,,,,,,\n\
             S3,2024,,P1,,F,,3,,,,,,,,1,\nS3,2024,,P2,,F,,30,,,,,,,,2,\n"
        );
        let report = outcomes::import(&t.db, &admin, source(&small), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);

        let d2 = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        // D1 is outside D2's scope: not found, whether as a unit or as one of its schools.
        assert!(matches!(flows::flow_report(&t.db, &d2, Place::Unit(2), 2023, None).await, Err(Error::NotFound)));
        assert!(matches!(flows::flow_report(&t.db, &d2, Place::School(1), 2023, None).await, Err(Error::NotFound)));
        // Nor is the country, above the officer's unit.
        assert!(matches!(flows::flow_report(&t.db, &d2, Place::Unit(1), 2023, None).await, Err(Error::NotFound)));
        let country = flows::flow_report(&t.db, &d2, Place::Unit(3), 2023, None).await.unwrap();
        assert_eq!(country.grades[0].enrolled.value, Some(43));
        // P1's repeaters next year (1) are small: hidden, with the rates read from them.
        assert_eq!(country.grades[0].repeating_next.shown, "<5");
        assert_eq!(country.grades[0].repetition, None);
        assert_eq!(country.grades[0].promotion_parity, None, "3 girls: no parity index");
        assert!(country.suppressed);
        // The same numbers unhidden for a reader with row-level rights.
        let national = actor(AccountRole::NationalOfficer, Scope::Everything);
        let all = flows::flow_report(&t.db, &national, Place::Unit(3), 2023, None).await.unwrap();
        assert_eq!(all.grades[0].repeating_next.value, Some(1));
        close(all.grades[0].repetition, 1.0 / 43.0);
        assert!(!all.suppressed);
        // An unknown group is named.
        let Err(Error::Invalid(p)) = flows::flow_report(&t.db, &admin, Place::Unit(1), 2023, Some("nope")).await else {
            panic!("refused");
        };
        assert_eq!((p[0].code, p[0].column.as_deref()), ("unknown-group", Some("group")));
    }
}

/// The data page of a unit and a school: the trend of mean scores, the flows of the year
/// before the newest, the gaps of the newest; a district officer of the other district
/// reads neither; through the app with a real token.
#[tokio::test]
async fn the_data_page_shows_the_trend_flows_and_gaps_of_a_place_in_scope() {
    use opencpd_testkit::api::{Api, token};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let mut csv = worked_example_csv();
        // Mean scores of S1 in MATH: 40 of 100 in 2023, 46 in 2024 (girls and boys alike).
        for (year, mean) in [(2023, 40), (2024, 46)] {
            for sex in ["F", "M"] {
                csv.push_str(&format!("S1,{year},,P3,MATH,{sex},,,30,{mean},,,10,5,,,\n"));
            }
        }
        outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let national = token(&t.db, "national", AccountRole::NationalOfficer, Some("RW")).await;
        let (status, page) = api.text(&national, "GET", "/data/units/1", None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"trend-chart\"") && page.contains("<svg"), "{page}");
        assert!(page.contains("46.0 %") && page.contains("40.0 %"), "the means, weighted by learners assessed: {page}");
        assert!(page.contains("Flows from 2023 to 2024") && page.contains("id=\"flows\""), "{page}");
        // Survival to P3 by the reconstructed cohort: 0.82 / (1 − 0.05) = 86.3 %.
        assert!(page.contains("Survival to the grade") && page.contains("86.3 %"), "{page}");
        assert!(page.contains("id=\"gaps\""), "{page}");
        assert!(!page.contains("id=\"suppressed\""), "nothing is hidden from a national officer");
        let trend: Vec<serde_json::Value> = api.get(&national, "/api/v1/schools/1/trend").await;
        assert_eq!(trend.len(), 2);
        assert_eq!(trend[1]["year"], 2024);
        assert_eq!(trend[1]["assessed"]["value"], 60);
        // Another district's officer: not found; a school's leader reads their school's page.
        let other = token(&t.db, "d2", AccountRole::DistrictOfficer, Some("D2")).await;
        assert_eq!(api.text(&other, "GET", "/data/units/2", None).await.0, 404);
        let (status, _) = api.text(&other, "GET", "/api/v1/schools/1/trend", None).await;
        assert_eq!(status, 404);
        let (status, page) = api.text(&national, "GET", "/data/schools/3", None).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"no-data\"") || page.contains("id=\"flows\""), "{page}");
    }
}

/// One school, year, term and subject of `school_outcome_totals`, as stored or as summed
/// here from the raw rows.
type Totals = BTreeMap<(i64, i64, i64, i64), (i64, [Option<i64>; 10], i64, Option<f64>)>;

async fn stored_totals(db: &Db) -> Totals {
    type Raw = (i64, i64, i64, i64, i64, Option<i64>, Option<i64>, i64, Option<f64>);
    type Counts = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let a: Vec<Raw> = on_db!(db, |p| sqlx::query_as(
        "SELECT school_id, year, term, subject_id, source_rows, enrolled, assessed, scored, score_sum \
         FROM school_outcome_totals ORDER BY school_id, year, term, subject_id"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    let b: Vec<Counts> = on_db!(db, |p| sqlx::query_as(
        "SELECT below_basic, basic, proficient, advanced, promoted, repeating, dropped_out \
         FROM school_outcome_totals ORDER BY school_id, year, term, subject_id"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    a.into_iter()
        .zip(b)
        .map(|((s, y, t, sub, n, e, asd, scored, sum), (b1, b2, b3, b4, p, r, d))| {
            ((s, y, t, sub), (n, [e, asd, b1, b2, b3, b4, p, r, d, None], scored, sum))
        })
        .collect()
}

/// The totals summed in Rust from every raw outcome row.
async fn summed_totals(db: &Db) -> Totals {
    type Raw = (i64, i64, i64, i64, i64, Option<i64>, Option<i64>, Option<f64>);
    type Counts = (Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let order = "ORDER BY school_id, year, term, grade_id, subject_id, sex, group_id";
    let a: Vec<Raw> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT school_id, year, term, subject_id, group_id, enrolled, assessed, mean_score FROM learner_outcomes {order}"
    )))
    .fetch_all(p)
    .await)
    .unwrap();
    let b: Vec<Counts> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT below_basic, basic, proficient, advanced, promoted, repeating, dropped_out FROM learner_outcomes {order}"
    )))
    .fetch_all(p)
    .await)
    .unwrap();
    let add = |into: &mut Option<i64>, v: Option<i64>| {
        if let Some(v) = v {
            *into = Some(into.unwrap_or(0) + v);
        }
    };
    let mut out = Totals::new();
    for ((s, y, t, sub, group, e, asd, mean), (b1, b2, b3, b4, p, r, d)) in a.into_iter().zip(b) {
        let entry = out.entry((s, y, t, sub)).or_insert((0, [None; 10], 0, None));
        entry.0 += 1;
        if group != 0 {
            continue;
        }
        for (i, v) in [e, asd, b1, b2, b3, b4, p, r, d].into_iter().enumerate() {
            add(&mut entry.1[i], v);
        }
        if let (Some(a), Some(m)) = (asd, mean)
            && a > 0
        {
            entry.2 += a;
            entry.3 = Some(entry.3.unwrap_or(0.0) + m * a as f64);
        }
    }
    out
}

async fn assert_totals_match(db: &Db, step: &str) {
    let (stored, summed) = (stored_totals(db).await, summed_totals(db).await);
    assert_eq!(stored.keys().collect::<Vec<_>>(), summed.keys().collect::<Vec<_>>(), "after {step}");
    for (key, s) in &stored {
        let r = &summed[key];
        assert_eq!((s.0, s.1, s.2), (r.0, r.1, r.2), "{key:?} after {step}");
        match (s.3, r.3) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-6, "{key:?} after {step}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{key:?} after {step}"),
        }
    }
}

#[tokio::test]
async fn the_school_totals_equal_the_raw_rows_after_an_import_an_entry_and_a_removal() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let mut csv = worked_example_csv();
        for (school, year, mean) in [("S1", 2023, 40.5), ("S1", 2024, 46.25), ("S2", 2024, 51.0), ("S3", 2024, 60.0)] {
            for sex in ["F", "M"] {
                csv.push_str(&format!("{school},{year},,P3,MATH,{sex},,,30,{mean},3,12,10,5,,,\n"));
                csv.push_str(&format!("{school},{year},2,P3,MATH,{sex},REF,,4,{mean},,,1,,,,\n"));
            }
        }
        // An assessed row without a mean, and a mean with nobody assessed: neither is scored.
        csv.push_str("S3,2024,,P2,MATH,F,,,12,,,,,,,,\nS3,2024,,P1,MATH,F,,,0,50,,,,,,,\n");
        let report = outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_totals_match(&t.db, "the import").await;
        assert!(!stored_totals(&t.db).await.is_empty());

        // The school leader replaces one row and adds another.
        let leader = actor(AccountRole::SchoolLeader, Scope::School { school_id: 1 });
        let entry = |assessed: i64, mean: f64, term: Option<i64>| OutcomeEntry {
            year: 2024,
            term,
            grade: "P3".into(),
            subject: Some("MATH".into()),
            sex: "F".into(),
            assessed: Some(assessed),
            mean_score: Some(mean),
            proficient: Some(7),
            ..Default::default()
        };
        outcomes::enter(&t.db, &leader, 1, &[entry(28, 70.0, None), entry(25, 65.0, Some(3))]).await.unwrap();
        assert_totals_match(&t.db, "an entry").await;
        let math: i64 = on_db!(&t.db, |p| sqlx::query_scalar("SELECT id FROM outcome_subjects WHERE code = 'MATH'")
            .fetch_one(p)
            .await)
        .unwrap();
        let s1 = stored_totals(&t.db).await[&(1, 2024, 0, math)];
        assert_eq!((s1.2, s1.1[4]), (58, Some(17)), "girls 28 (replaced) and boys 30; proficient 7 + 10");

        // A failed entry changes nothing; a file replacing rows and a removal are followed.
        assert!(outcomes::enter(&t.db, &leader, 1, &[entry(28, 170.0, None)]).await.is_err());
        assert_totals_match(&t.db, "a refused entry").await;
        let replace = format!("{HEADER}S2,2024,,P3,MATH,F,,,10,20,,,,,,,\nS3,2023,,P1,,M,,50,,,,,,,,5,\n");
        let report = outcomes::import(&t.db, &admin, source(&replace), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_totals_match(&t.db, "a replacing import").await;
        let removed = outcomes::remove_year(&t.db, &leader, 1, 2024).await.unwrap();
        assert!(removed > 0);
        assert_totals_match(&t.db, "a removal").await;
        assert!(stored_totals(&t.db).await.keys().all(|k| (k.0, k.1) != (1, 2024)));
        // Another school's year is not the leader's to remove.
        assert!(matches!(outcomes::remove_year(&t.db, &leader, 2, 2024).await, Err(Error::NotFound)));
        assert_totals_match(&t.db, "a refused removal").await;
    }
}

const LEARNERS: &str = "school_code,year,term,grade,subject,learner,sex,group,score,band\n";

fn learner_source(text: &str) -> Source {
    Source::bytes("learners.csv", text.as_bytes().to_vec()).unwrap()
}

/// A cell of `learner_outcomes`: assessed, mean score, the four bands, the records it is
/// made of, and enrolled.
type CellFigures = (Option<i64>, Option<f64>, [Option<i64>; 4], Option<i64>, Option<i64>);

async fn cell(db: &Db, school: i64, grade: &str, sex: &str, group: i64) -> Option<CellFigures> {
    type Raw = (Option<i64>, Option<f64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let sql = "SELECT o.assessed, o.mean_score, o.below_basic, o.basic, o.proficient, o.advanced, o.learners, o.enrolled \
         FROM learner_outcomes o JOIN outcome_grades g ON g.id = o.grade_id \
         JOIN outcome_subjects s ON s.id = o.subject_id AND s.code = 'MATH' \
         WHERE o.school_id = $1 AND o.year = 2024 AND o.term = 0 AND g.code = $2 AND o.sex = $3 AND o.group_id = $4";
    let row: Option<Raw> =
        on_db!(db, |p| sqlx::query_as(sql).bind(school).bind(grade).bind(sex).bind(group).fetch_optional(p).await)
            .unwrap();
    row.map(|(a, m, b1, b2, b3, b4, n, e)| (a, m, [b1, b2, b3, b4], n, e))
}

async fn records(db: &Db) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM learner_scores").fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn learner_records_make_their_schools_cells_which_every_reader_and_the_totals_follow() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let refugees: i64 = on_db!(&t.db, |p| sqlx::query_scalar("SELECT id FROM learner_groups WHERE code = 'REF'")
            .fetch_one(p)
            .await)
        .unwrap();
        // The girls of S1's P3 come as counts first: enrolled 30, 30 assessed at 50.
        let counts = format!("{HEADER}S1,2024,,P3,MATH,F,,30,30,50,,,,,,,\n");
        assert!(outcomes::import(&t.db, &admin, source(&counts), Options::default()).await.unwrap().ok());

        let file = format!(
            "{LEARNERS}\
             S1,2024,,P3,MATH,L-1,F,,40,basic\n\
             S1,2024,,P3,math,L-2,F,REF,50,basic\n\
             S1,2024,,P3,MATH,L-3,F,,60,proficient\n\
             S1,2024,,P3,MATH,L-4,F,,70,ADVANCED\n\
             S1,2024,,P3,MATH,L-5,M,,80,\n\
             S1,2024,,P3,MATH,L-6,M,,90.5,\n\
             S2,2024,,P2,MATH,L-1,M,,10,below_basic\n"
        );
        let dry =
            learners::import(&t.db, &admin, learner_source(&file), Options { dry_run: true, ..Options::default() })
                .await
                .unwrap();
        assert!(dry.ok(), "{:?}", dry.problems);
        assert_eq!((dry.rows_valid, dry.rows_written), (7, 0));
        assert_eq!(records(&t.db).await, 0, "a dry run writes nothing");
        assert_eq!(cell(&t.db, 1, "P3", "F", 0).await.unwrap().0, Some(30));

        let report = learners::import(&t.db, &admin, learner_source(&file), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(records(&t.db).await, 7);
        // The records replace the counts' assessment figures and keep their enrolment.
        let girls = cell(&t.db, 1, "P3", "F", 0).await.unwrap();
        assert_eq!(girls.0, Some(4));
        close(girls.1, 55.0);
        assert_eq!((girls.2, girls.3, girls.4), ([Some(0), Some(2), Some(1), Some(1)], Some(4), Some(30)));
        // No band given in a cell: its band counts stay empty, not zero.
        let boys = cell(&t.db, 1, "P3", "M", 0).await.unwrap();
        assert_eq!((boys.0, boys.2, boys.3, boys.4), (Some(2), [None; 4], Some(2), None));
        close(boys.1, 85.25);
        // A group's learners make its own cell too.
        let group = cell(&t.db, 1, "P3", "F", refugees).await.unwrap();
        assert_eq!((group.0, group.3), (Some(1), Some(1)));
        close(group.1, 50.0);
        assert_eq!(cell(&t.db, 2, "P2", "M", 0).await.unwrap().2, [Some(1), Some(0), Some(0), Some(0)]);
        assert_totals_match(&t.db, "a learner records import").await;

        // A later file replaces a learner's record: L-4 was a boy, and rescored.
        let fix = format!("{LEARNERS}S1,2024,,P3,MATH,L-4,M,,20,below_basic\n");
        assert!(learners::import(&t.db, &admin, learner_source(&fix), Options::default()).await.unwrap().ok());
        assert_eq!(records(&t.db).await, 7, "replaced, not added");
        let girls = cell(&t.db, 1, "P3", "F", 0).await.unwrap();
        assert_eq!((girls.0, girls.2), (Some(3), [Some(0), Some(2), Some(1), Some(0)]));
        close(girls.1, 50.0);
        let boys = cell(&t.db, 1, "P3", "M", 0).await.unwrap();
        assert_eq!((boys.0, boys.2), (Some(3), [Some(1), Some(0), Some(0), Some(0)]));
        assert_totals_match(&t.db, "a replacing learner file").await;

        // Counts for a cell made of records change its enrolment, never its scores.
        let counts = format!("{HEADER}S1,2024,,P3,MATH,F,,32,31,12,,,,,,,\n");
        assert!(outcomes::import(&t.db, &admin, source(&counts), Options::default()).await.unwrap().ok());
        let girls = cell(&t.db, 1, "P3", "F", 0).await.unwrap();
        assert_eq!((girls.0, girls.3, girls.4), (Some(3), Some(3), Some(32)));
        close(girls.1, 50.0);
        assert_totals_match(&t.db, "counts over records").await;

        // Removing the school's year removes its records, and the cells they made.
        let leader = actor(AccountRole::SchoolLeader, Scope::School { school_id: 1 });
        outcomes::remove_year(&t.db, &leader, 1, 2024).await.unwrap();
        assert_eq!(records(&t.db).await, 1, "S2's record stays");
        assert!(cell(&t.db, 1, "P3", "M", 0).await.is_none());
        assert_totals_match(&t.db, "a removal").await;
        // The school leader imports only their school's records.
        let other = format!("{LEARNERS}S2,2024,,P2,MATH,L-9,F,,10,\n");
        let refused = learners::import(&t.db, &leader, learner_source(&other), Options::default()).await.unwrap();
        assert_eq!(refused.problems[0].code, "out-of-scope");
        assert_eq!(records(&t.db).await, 1);
    }
}

#[tokio::test]
async fn bad_learner_records_are_each_named_and_nothing_is_written() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let file = format!(
            "{LEARNERS}\
             S1,2024,,P3,MATH,L-1,F,,40,\n\
             S1,2024,,P3,MATH,Uwase Aline,F,,40,\n\
             S1,2024,,P3,MATH,L-2,F,,140,\n\
             S1,2024,,P3,MATH,L-3,F,,-1,\n\
             S1,2024,,P3,MATH,L-4,F,,40,excellent\n\
             S1,2024,,P3,MATH,l-1,M,,45,\n\
             S1,2024,,P3,,L-5,F,,40,\n\
             S1,2024,3,P3,MATH,L-1,F,,,\n"
        );
        let report = learners::import(&t.db, &admin, learner_source(&file), Options::default()).await.unwrap();
        let found: Vec<(Option<usize>, Option<&str>, &str)> =
            report.problems.iter().map(|p| (p.row, p.column.as_deref(), p.code)).collect();
        assert_eq!(
            found,
            vec![
                (Some(3), Some("learner"), "learner-not-pseudonymous"),
                (Some(4), Some("score"), "learner-score-above-maximum"),
                (Some(5), Some("score"), "negative"),
                (Some(6), Some("band"), "bad-choice"),
                (Some(7), Some("learner"), "duplicate-in-file"),
                (Some(8), Some("subject"), "required"),
                (Some(9), Some("score"), "required"),
            ]
        );
        assert_eq!((report.rows_read, report.rows_written), (8, 0));
        assert_eq!(records(&t.db).await, 0);
        assert_eq!(stored(&t.db).await, 0, "no cell is made either");
        assert!(report.problems[0].message("en").contains("never a name"), "{}", report.problems[0]);
        assert!(report.problems[1].message("fr").contains("dépasse le maximum de 100"), "{}", report.problems[1]);
        assert!(report.problems[4].message("en").contains("row 2"), "{}", report.problems[4]);
    }
}

/// Two people at S1 (ids 1 and 2) and one at S2 (id 3).
async fn staff(db: &Db) {
    let sql = "INSERT INTO people (id, staff_number, given_name, family_name, sex) VALUES \
        (1, 'T1', 'Aline', 'Uwase', 'F'), (2, 'T2', 'Eric', 'Habimana', 'M'), (3, 'T3', 'Grace', 'Mukamana', 'F'); \
        INSERT INTO positions (person_id, role, school_id, path, start_date) VALUES \
        (1, 'head_teacher', 1, '/1/2/', '2020-01-01'), (2, 'teacher', 1, '/1/2/', '2020-01-01'), \
        (3, 'teacher', 2, '/1/2/', '2020-01-01');";
    on_db!(db, |p| sqlx::raw_sql(sql).execute(p).await.map(|_| ())).unwrap();
}

fn plan_body(version: Option<i64>, indicator: &str, owner: i64) -> serde_json::Value {
    serde_json::json!({
        "version": version,
        "title": "Better mathematics in P3",
        "priorities": [{
            "title": "More learners proficient in mathematics",
            "indicator": indicator,
            "baseline_year": 2023,
            "target": 70.0,
            "due_on": "2025-06-30"
        }],
        "actions": [
            { "title": "Weekly maths lesson study", "priority": 1, "owner_id": owner, "due_on": "2024-12-15",
              "status": "in_progress", "review_note": "Started in term 1" },
            { "title": "Reading corner", "owner_id": 2, "due_on": "2025-03-01" }
        ]
    })
}

#[tokio::test]
async fn a_school_leader_writes_their_schools_plan_and_officers_above_read_it() {
    use opencpd_testkit::api::{Api, token};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        staff(&t.db).await;
        // S1 in MATH: 30% proficient or better in 2023, 50% in 2024.
        let mut csv = HEADER.to_string();
        for (year, proficient, advanced) in [(2023, 6, 3), (2024, 10, 5)] {
            for sex in ["F", "M"] {
                csv.push_str(&format!("S1,{year},,P3,MATH,{sex},,,30,50,,,{proficient},{advanced},,,\n"));
            }
        }
        let report = outcomes::import(&t.db, &Actor::system(), source(&csv), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let leader = token(&t.db, "head", AccountRole::SchoolLeader, Some("S1")).await;
        let url = "/api/v1/schools/1/plans/2024";

        // Bad input: every problem named by its field, nothing written.
        let (status, body) = api.call(Some(&leader), "PUT", url, Some(plan_body(None, "no-such", 3))).await;
        assert_eq!(status, 422, "{body}");
        let text = body.to_string();
        assert!(text.contains("priorities[0].indicator") && text.contains("actions[0].owner_id"), "{text}");
        let mut bad = plan_body(None, "proficiency-rate", 1);
        bad["actions"][1]["status"] = "later".into();
        bad["priorities"][0]["due_on"] = "30/06/2025".into();
        let (status, body) = api.call(Some(&leader), "PUT", url, Some(bad)).await;
        assert_eq!(status, 422);
        let text = body.to_string();
        assert!(text.contains("actions[1].status") && text.contains("priorities[0].due_on"), "{text}");
        let mut unknown = plan_body(None, "proficiency-rate", 1);
        unknown["colour"] = "red".into();
        assert_eq!(api.call(Some(&leader), "PUT", url, Some(unknown)).await.0, 422);
        let listed: Vec<serde_json::Value> = api.get(&leader, "/api/v1/schools/1/plans").await;
        assert!(listed.is_empty(), "nothing half-written: {listed:?}");

        // Written; the priority reads its baseline, its value now and the way come.
        let (status, plan) = api.call(Some(&leader), "PUT", url, Some(plan_body(None, "proficiency-rate", 1))).await;
        assert_eq!(status, 200, "{plan}");
        assert_eq!(plan["version"], 1);
        let p = &plan["priorities"][0];
        assert_eq!(
            (p["baseline"].as_f64(), p["now"].as_f64(), p["now_year"].as_i64()),
            (Some(30.0), Some(50.0), Some(2024))
        );
        assert!((p["progress"].as_f64().unwrap() - 0.5).abs() < 1e-9, "{p}");
        assert_eq!(plan["actions"][0]["owner"], "Aline Uwase");
        assert_eq!(plan["actions"][1]["status"], "planned");
        assert_eq!(plan["editable"], true);

        // Edits carry the version read: a stale one (or none) is a conflict.
        let mut edit = plan_body(Some(1), "proficiency-rate", 2);
        edit["title"] = "Mathematics and reading".into();
        let (status, plan) = api.call(Some(&leader), "PUT", url, Some(edit.clone())).await;
        assert_eq!((status.as_u16(), &plan["version"]), (200, &serde_json::json!(2)), "{plan}");
        assert_eq!(api.call(Some(&leader), "PUT", url, Some(edit)).await.0, 409);
        assert_eq!(api.call(Some(&leader), "PUT", url, Some(plan_body(None, "proficiency-rate", 1))).await.0, 409);

        // Scope: a teacher (own record) does not reach the school's plan; the school's
        // mentor reads it but may not edit it; another school's leader does not see it;
        // the district's officer reads it, and cannot edit it either.
        let teacher = token(&t.db, "teacher", AccountRole::Teacher, Some("T2")).await;
        let mentor = token(&t.db, "mentor", AccountRole::Mentor, Some("S1")).await;
        let other = token(&t.db, "head2", AccountRole::SchoolLeader, Some("S2")).await;
        let district = token(&t.db, "d1", AccountRole::DistrictOfficer, Some("D1")).await;
        let edit = plan_body(Some(2), "proficiency-rate", 1);
        assert_eq!(api.call(Some(&teacher), "PUT", url, Some(edit.clone())).await.0, 404);
        assert_eq!(api.call(Some(&mentor), "PUT", url, Some(edit.clone())).await.0, 403);
        assert_eq!(api.call(Some(&mentor), "GET", url, None).await.0, 200);
        assert_eq!(api.call(Some(&other), "PUT", url, Some(edit.clone())).await.0, 404);
        assert_eq!(api.call(Some(&other), "GET", url, None).await.0, 404);
        assert_eq!(api.call(Some(&district), "PUT", url, Some(edit)).await.0, 403);
        let read: serde_json::Value = api.get(&district, url).await;
        assert_eq!((read["version"].as_i64(), read["editable"].as_bool()), (Some(2), Some(false)));
        assert_eq!(api.call(Some(&leader), "GET", "/api/v1/schools/1/plans/2031", None).await.0, 404);

        // The pages: the data page links the plan; the plan page shows each priority's
        // chart and labels every cell.
        let (status, page) = api.text(&district, "GET", "/data/schools/1", None).await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/data/schools/1/plans/2024\""), "{page}");
        let (status, page) = api.text(&district, "GET", "/data/schools/1/plans/2024", None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"priority-1\"") && page.contains("class=\"target\""), "{page}");
        assert!(page.contains("id=\"plan-read-only\"") && page.contains("Eric Habimana"), "{page}");
        assert_eq!(
            page.matches("<td").count(),
            page.matches("<td data-label=").count() + page.matches("<td class=\"num\" data-label=").count()
        );
        assert_eq!(api.text(&other, "GET", "/data/schools/1/plans/2024", None).await.0, 404);
    }
}

/// The text of a PDF as a reader extracts it, on one line.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF a reader opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn a_plan_is_submitted_returned_with_a_reason_revised_and_approved_each_version_kept() {
    use opencpd_testkit::api::{Api, token};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        staff(&t.db).await;
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let leader = token(&t.db, "head", AccountRole::SchoolLeader, Some("S1")).await;
        let teacher = token(&t.db, "teacher", AccountRole::Teacher, Some("T2")).await;
        let mentor = token(&t.db, "mentor", AccountRole::Mentor, Some("S1")).await;
        let officer = token(&t.db, "d1", AccountRole::DistrictOfficer, Some("D1")).await;
        let elsewhere = token(&t.db, "d2", AccountRole::SectorOfficer, Some("D2")).await;
        let url = "/api/v1/schools/1/plans/2024";
        let step = |s: &str| format!("{url}/{s}");
        let body = |version: i64, reason: Option<&str>| Some(serde_json::json!({"version": version, "reason": reason}));
        let (status, plan) = api.call(Some(&leader), "PUT", url, Some(plan_body(None, "proficiency-rate", 1))).await;
        assert_eq!(status, 200, "{plan}");
        assert_eq!((plan["state"].as_str(), plan["may_submit"].as_bool()), (Some("draft"), Some(true)));

        // Not theirs: a teacher does not even see the plan, a mentor reads it only, the
        // officer does not submit, an officer elsewhere does not see it; and nothing is
        // signed off before it is submitted.
        assert_eq!(api.call(Some(&teacher), "POST", &step("submit"), body(1, None)).await.0, 404);
        assert_eq!(api.call(Some(&mentor), "POST", &step("submit"), body(1, None)).await.0, 403);
        assert_eq!(api.call(Some(&officer), "POST", &step("submit"), body(1, None)).await.0, 403);
        assert_eq!(api.call(Some(&elsewhere), "POST", &step("approve"), body(1, None)).await.0, 404);
        assert_eq!(api.call(Some(&officer), "POST", &step("approve"), body(1, None)).await.0, 409);
        assert_eq!(api.call(Some(&leader), "POST", &step("submit"), body(7, None)).await.0, 409, "an older version");
        assert_eq!(api.call(Some(&leader), "POST", &step("submit"), Some(serde_json::json!({"v": 1}))).await.0, 422);

        // Submitted: with the officer, not edited under them, not signed off by its leader.
        let (status, plan) = api.call(Some(&leader), "POST", &step("submit"), body(1, None)).await;
        assert_eq!((status.as_u16(), plan["state"].as_str()), (200, Some("submitted")), "{plan}");
        assert_eq!((plan["editable"].as_bool(), plan["may_sign_off"].as_bool()), (Some(false), Some(false)));
        let (status, refused) =
            api.call(Some(&leader), "PUT", url, Some(plan_body(Some(1), "proficiency-rate", 1))).await;
        assert_eq!(status, 409, "{refused}");
        assert!(refused.to_string().contains("state"), "{refused}");
        assert_eq!(api.call(Some(&leader), "POST", &step("approve"), body(1, None)).await.0, 403);
        assert_eq!(api.call(Some(&mentor), "POST", &step("return"), body(1, Some("no"))).await.0, 403);

        // Returned: a reason is required and named when missing.
        let read: serde_json::Value = api.get(&officer, url).await;
        assert_eq!(read["may_sign_off"], true);
        for missing in [None, Some("   ")] {
            let (status, problem) = api.call(Some(&officer), "POST", &step("return"), body(1, missing)).await;
            assert_eq!(status, 422, "{problem}");
            assert!(problem.to_string().contains("\"reason\""), "{problem}");
        }
        let reason = "Aim for 75% proficient, as the district does";
        let (status, plan) = api.call(Some(&officer), "POST", &step("return"), body(1, Some(reason))).await;
        assert_eq!((status.as_u16(), plan["state"].as_str()), (200, Some("returned")), "{plan}");
        assert_eq!(api.call(Some(&officer), "POST", &step("approve"), body(1, None)).await.0, 409);

        // Revised: a new version, a draft again; submitted and approved.
        let mut revised = plan_body(Some(1), "proficiency-rate", 1);
        revised["priorities"][0]["target"] = 75.0.into();
        let (status, plan) = api.call(Some(&leader), "PUT", url, Some(revised.clone())).await;
        assert_eq!((status.as_u16(), plan["version"].as_i64(), plan["state"].as_str()), (200, Some(2), Some("draft")));
        api.call(Some(&leader), "POST", &step("submit"), body(2, None)).await;
        let (status, plan) = api.call(Some(&officer), "POST", &step("approve"), body(2, None)).await;
        assert_eq!((status.as_u16(), plan["state"].as_str()), (200, Some("approved")), "{plan}");
        assert_eq!(plan["approved_version"], 2);
        assert_eq!((plan["editable"].as_bool(), plan["may_submit"].as_bool()), (Some(false), Some(false)));

        // The year's review (statuses, notes) keeps it approved; a new target makes a draft
        // to sign again, the approved version kept.
        let mut review = revised.clone();
        review["version"] = 2.into();
        review["actions"][1]["status"] = "done".into();
        review["actions"][1]["review_note"] = "Opened in March".into();
        let (_, plan) = api.call(Some(&leader), "PUT", url, Some(review.clone())).await;
        assert_eq!((plan["version"].as_i64(), plan["state"].as_str()), (Some(3), Some("approved")), "{plan}");
        review["version"] = 3.into();
        review["priorities"][0]["due_on"] = "2025-12-31".into();
        let (_, plan) = api.call(Some(&leader), "PUT", url, Some(review)).await;
        assert_eq!((plan["version"].as_i64(), plan["state"].as_str()), (Some(4), Some("draft")), "{plan}");
        assert_eq!(plan["approved_version"], 2);
        let events: Vec<(String, i64)> = plan["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["event"].as_str().unwrap().to_string(), e["version"].as_i64().unwrap()))
            .collect();
        let expected = [
            ("saved", 1),
            ("submitted", 1),
            ("returned", 1),
            ("saved", 2),
            ("submitted", 2),
            ("approved", 2),
            ("saved", 3),
            ("saved", 4),
        ];
        assert_eq!(events, expected.map(|(e, v)| (e.to_string(), v)).to_vec());
        assert_eq!(plan["history"][2]["reason"], reason);

        // Every version kept as saved.
        let versions: Vec<serde_json::Value> = api.get(&officer, &format!("{url}/versions")).await;
        assert_eq!(versions.len(), 4);
        assert_eq!(versions[0]["priorities"][0]["target"], 70.0);
        assert_eq!(versions[1]["priorities"][0]["target"], 75.0);
        assert_eq!(versions[2]["actions"][1]["status"], "done");
        assert_eq!(versions[0]["actions"][0]["owner"], "Aline Uwase");
        assert_eq!(versions[3]["priorities"][0]["due_on"], "2025-12-31");
        assert_eq!(api.call(Some(&teacher), "GET", &format!("{url}/versions"), None).await.0, 404);
        let audited: i64 = on_db!(&t.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE entity = 'school_plans' AND action IN ('submit', 'approve', 'return')"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(audited, 4);

        // The page: the leader's form and submit button; the officer's sign-off once submitted.
        let (status, page) = api.text(&leader, "GET", "/data/schools/1/plans/2024", None).await;
        assert_eq!(status, 200);
        assert!(page.contains("id=\"plan-form\"") && page.contains("id=\"submit-plan\""), "{page}");
        assert!(page.contains("id=\"history\"") && page.contains(reason) && page.contains("id=\"version-4\""));
        assert!(!page.contains("id=\"approve-plan\""));
        api.call(Some(&leader), "POST", &step("submit"), body(4, None)).await;
        let (_, page) = api.text(&officer, "GET", "/data/schools/1/plans/2024", None).await;
        assert!(page.contains("id=\"approve-plan\"") && page.contains("id=\"return-plan\""), "{page}");
        assert!(!page.contains("id=\"plan-form\""));
        assert_eq!(
            page.matches("<td").count(),
            page.matches("<td data-label=").count() + page.matches("<td class=\"num\" data-label=").count()
        );
    }
}

#[tokio::test]
async fn the_data_report_is_a_pdf_in_english_or_french_stating_suppression_and_definitions() {
    use opencpd_testkit::api::{Api, token};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        staff(&t.db).await;
        let report =
            outcomes::import(&t.db, &Actor::system(), source(&worked_example_csv()), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let scores = format!("{HEADER}S1,2024,,P3,MATH,F,,,30,61.5,,,15,,,,\nS1,2024,,P3,MATH,M,,,3,40,,,,,,,\n");
        outcomes::import(&t.db, &Actor::system(), source(&scores), Options::default()).await.unwrap();
        // A target on the school: 15 of 33 proficient (45.5 %) is 76 % of 60.
        let target = opencpd_indicators::model::IndicatorTargetInput {
            place: Some(Place::School(1)),
            year: 2024,
            disaggregation: None,
            category: None,
            baseline: Some(40.0),
            target: 60.0,
        };
        opencpd_indicators::store::engine::set_target(&t.db, &Actor::system(), "proficiency-rate", &target)
            .await
            .unwrap();
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let officer = token(&t.db, "d1", AccountRole::DistrictOfficer, Some("D1")).await;
        let leader = token(&t.db, "head", AccountRole::SchoolLeader, Some("S1")).await;
        api.call(Some(&leader), "PUT", "/api/v1/schools/1/plans/2024", Some(plan_body(None, "proficiency-rate", 1)))
            .await;

        let a = api.send(Some(&officer), "GET", "/api/v1/schools/1/report", None).await;
        assert_eq!(a.status, 200, "{}", a.text());
        let text = pdf_text(&a.body);
        for wanted in [
            "Learner outcomes: School one",
            "Mean score by subject",
            "MATH 2024",
            "Flows from 2023 to 2024",
            "Promotion rate by grade",
            "Definitions",
            "UIS",
            "below 5 is shown as <5",
            "Better mathematics in P3",
            "Draft",
            "Targets and what is achieved",
            "76 % of the target",
            "45.5",
        ] {
            assert!(text.contains(wanted), "{wanted:?} not in {text}");
        }
        let a = api.send(Some(&officer), "GET", "/api/v1/schools/1/report?lang=fr", None).await;
        let text = pdf_text(&a.body);
        assert!(text.contains("Cibles et résultats atteints") && text.contains("76 % de la cible"), "{text}");
        let a = api.send(Some(&officer), "GET", "/api/v1/units/2/report?lang=fr", None).await;
        assert_eq!(a.status, 200);
        let text = pdf_text(&a.body);
        assert!(text.contains("Résultats des élèves : One") && text.contains("Définitions"), "{text}");
        assert!(text.contains("Flux de 2023 à 2024"), "{text}");
        let (status, problem) = api.call(Some(&officer), "GET", "/api/v1/units/2/report?lang=xx", None).await;
        assert_eq!(status, 422);
        assert!(problem.to_string().contains("lang"), "{problem}");
        assert_eq!(api.call(Some(&officer), "GET", "/api/v1/units/3/report", None).await.0, 404);
        let (_, page) = api.text(&officer, "GET", "/data/schools/1", None).await;
        assert!(page.contains("href=\"/api/v1/schools/1/report\""), "{page}");
    }
}

/// A manager drills down from the country to a school: each unit lists its parts with the
/// newest year's figures and links, and a place's targets show against what is achieved.
#[tokio::test]
async fn a_unit_drills_down_to_its_parts_and_its_targets_show_against_what_is_achieved() {
    use opencpd_indicators::model::IndicatorTargetInput;
    use opencpd_indicators::store::engine;
    use opencpd_testkit::api::{Api, token};
    use serde_json::Value;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let mut csv = worked_example_csv();
        // S1's P3 in MATH in 2024: 60 assessed, mean 46 of 100, 30 proficient or better.
        for sex in ["F", "M"] {
            csv.push_str(&format!("S1,2024,,P3,MATH,{sex},,,30,46,,,10,5,,,\n"));
        }
        // S3 (district D2): three learners enrolled, fewer than the threshold of 5.
        csv.push_str("S3,2024,,P1,,F,,3,,,,,,,,,\n");
        outcomes::import(&t.db, &admin, source(&csv), Options::default()).await.unwrap();
        let target = IndicatorTargetInput {
            place: Some(Place::Unit(1)),
            year: 2024,
            disaggregation: None,
            category: None,
            baseline: Some(40.0),
            target: 60.0,
        };
        engine::set_target(&t.db, &admin, "proficiency-rate", &target).await.unwrap();
        let api = Api::new(&t.db, &[&opencpd_indicators::web::AREA]);
        let national = token(&t.db, "national", AccountRole::NationalOfficer, Some("RW")).await;

        // The country's parts are its districts, with the newest year's figures.
        let b: Value = api.get(&national, "/api/v1/units/1/breakdown").await;
        assert_eq!(b["year"], 2024, "{b}");
        let parts = b["parts"].as_array().unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["One", "Two"]);
        assert_eq!(parts[0]["place"], serde_json::json!({"kind": "unit", "id": 2}));
        // 2024: E = 950 + 860 + 750 (the split by share rounds 752 down) and R = 100 + 40 + 30.
        assert_eq!(parts[0]["enrolled"]["value"], 2560, "{b}");
        assert_eq!(parts[0]["assessed"]["value"], 60);
        close(parts[0]["mean_percent"].as_f64(), 46.0);
        close(parts[0]["proficient_percent"].as_f64(), 50.0);
        close(parts[0]["repeating_percent"].as_f64(), 100.0 * 170.0 / 2560.0);
        assert_eq!(parts[1]["enrolled"]["value"], 3, "a reader with row-level rights sees small counts");

        // One level down, a district's parts are its schools; they add up to the district.
        let b: Value = api.get(&national, "/api/v1/units/2/breakdown").await;
        let schools: Vec<(String, i64)> = b["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["code"].as_str().unwrap().to_string(), p["enrolled"]["value"].as_i64().unwrap()))
            .collect();
        assert_eq!(schools, [("S1".to_string(), 1536), ("S2".to_string(), 1024)]);
        assert_eq!(b["parts"][0]["place"], serde_json::json!({"kind": "school", "id": 1}));

        // Without row-level rights, D2's three learners are hidden, and One's count with
        // them (the country's total would give it back); the rates resting on them too.
        let evaluator = token(&t.db, "evaluator", AccountRole::Evaluator, None).await;
        let b: Value = api.get(&evaluator, "/api/v1/units/1/breakdown").await;
        assert_eq!(b["suppressed"], true, "{b}");
        assert_eq!(b["parts"][1]["enrolled"]["shown"], "<5", "{b}");
        assert_eq!(b["parts"][1]["enrolled"]["value"], Value::Null);
        assert_eq!(b["parts"][0]["enrolled"]["shown"], "x", "{b}");
        assert_eq!(b["parts"][0]["repeating_percent"], Value::Null);

        // The country's target on the proficiency rate, with what is achieved read live.
        let targets: Vec<Value> = api.get(&national, "/api/v1/units/1/targets").await;
        assert_eq!(targets.len(), 1, "{targets:?}");
        assert_eq!(targets[0]["indicator"], "proficiency-rate");
        assert_eq!(targets[0]["name"], "Learners assessed at proficient or above (%)");
        assert_eq!(targets[0]["target"], 60.0);
        close(targets[0]["achieved"].as_f64(), 50.0);
        let none: Vec<Value> = api.get(&national, "/api/v1/schools/1/targets").await;
        assert!(none.is_empty(), "a target on the country is not the school's: {none:?}");

        // The page: the targets' chart and table, the parts linking to their own pages.
        let (status, page) = api.text(&national, "GET", "/data/units/1", None).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"targets-chart\"") && page.contains("class=\"achieved\""), "{page}");
        assert!(page.contains("id=\"parts\"") && page.contains("href=\"/data/units/2\""), "{page}");
        let (_, page) = api.text(&national, "GET", "/data/units/2", None).await;
        assert!(page.contains("href=\"/data/schools/1\"") && page.contains("School one"), "{page}");

        // Another district's officer reads neither D1's parts nor its targets.
        let other = token(&t.db, "d2", AccountRole::DistrictOfficer, Some("D2")).await;
        assert_eq!(api.text(&other, "GET", "/api/v1/units/2/breakdown", None).await.0, 404);
        assert_eq!(api.text(&other, "GET", "/api/v1/units/2/targets", None).await.0, 404);
        let (status, _) = api.text(&national, "GET", "/api/v1/units/1/breakdown?year=x", None).await;
        assert_eq!(status, 422, "a year that is no number is named");
    }
}

/// Lowers MATH's maximum (100 in the fixture) to `max`, at the version stored.
async fn lower_math(db: &Db, max: f64) -> opencpd_kernel::Result<()> {
    let math = reference::subjects(db).await.unwrap().into_iter().find(|s| s.code == "MATH").unwrap();
    let edit = ReferenceEdit { name: math.name, max_score: Some(max), position: None, version: math.version };
    reference::edit(db, &Actor::system(), reference::Kind::Subject, math.id, &edit).await
}

/// An import's rows are checked against the subjects' maxima read before its transaction.
/// A maximum lowered in between (the importer made, then the edit, then the rows written)
/// is read again before the commit: the row of the highest score is named, nothing written.
#[tokio::test]
async fn a_maximum_lowered_while_scores_are_imported_refuses_the_scores_above_it() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        fixture(&t.db).await;
        let admin = Actor::system();
        let csv = format!(
            "{HEADER}\
             S1,2024,1,P2,MATH,F,,40,38,48.5,,,,,,,\n\
             S1,2024,1,P2,MATH,M,,40,38,71.5,,,,,,,\n\
             S2,2024,1,P2,MATH,F,,40,38,64,,,,,,,\n"
        );
        let mut importer = outcomes::OutcomeImport::new(&t.db, &admin).await.unwrap();
        lower_math(&t.db, 50.0).await.unwrap();
        let report = import::run(&t.db, &admin, &mut importer, source(&csv), Options::default()).await.unwrap();
        let found: Vec<(Option<usize>, Option<&str>, &str)> =
            report.problems.iter().map(|p| (p.row, p.column.as_deref(), p.code)).collect();
        assert_eq!(found, vec![(Some(3), Some("mean_score"), "score-above-maximum")], "{:?}", report.problems);
        assert!(report.problems[0].message("en").contains("above MATH's maximum of 50"), "{}", report.problems[0]);
        assert_eq!((report.rows_written, stored(&t.db).await), (0, 0), "nothing is written");

        // Learner records, the same way.
        let file = format!("{LEARNERS}S1,2024,,P3,MATH,L-1,F,,40,\nS1,2024,,P3,MATH,L-2,F,,45,\n");
        let mut importer = learners::LearnerImport::new(&t.db, &admin).await.unwrap();
        lower_math(&t.db, 42.0).await.unwrap();
        let report =
            import::run(&t.db, &admin, &mut importer, learner_source(&file), Options::default()).await.unwrap();
        let found: Vec<(Option<usize>, Option<&str>, &str)> =
            report.problems.iter().map(|p| (p.row, p.column.as_deref(), p.code)).collect();
        assert_eq!(found, vec![(Some(3), Some("score"), "learner-score-above-maximum")]);
        assert_eq!((records(&t.db).await, stored(&t.db).await), (0, 0));

        // Scores under the maximum as it is now are taken.
        let file = format!("{LEARNERS}S1,2024,,P3,MATH,L-1,F,,40,\nS1,2024,,P3,MATH,L-2,F,,41,\n");
        let mut importer = learners::LearnerImport::new(&t.db, &admin).await.unwrap();
        lower_math(&t.db, 41.0).await.unwrap();
        let report =
            import::run(&t.db, &admin, &mut importer, learner_source(&file), Options::default()).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(records(&t.db).await, 2);
    }
}

/// PostgreSQL runs an edit and an import at once. An import holds each subject's row from
/// the check of its scores against the maximum to its commit; an edit lowering the maximum
/// waits for it, then counts the scores it wrote and refuses.
#[tokio::test]
async fn an_edit_lowering_a_maximum_waits_for_an_import_holding_the_subject_and_counts_its_scores() {
    if !backends().contains(&opencpd_testkit::Backend::Postgres) {
        return;
    }
    let t = TestDb::new(opencpd_testkit::Backend::Postgres).await;
    fixture(&t.db).await;
    let Db::Postgres(pool) = &t.db else { unreachable!() };
    // What an import's transaction holds just before its commit: the subject read under a
    // share lock (as `Maxima::hold` reads it) and a score of 80 written.
    let mut import = pool.begin().await.unwrap();
    let math: i64 = sqlx::query_scalar("SELECT id FROM outcome_subjects WHERE code = 'MATH' FOR SHARE")
        .fetch_one(&mut *import)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, assessed, mean_score) \
         SELECT 1, 2024, 1, id, $1, 'F', 0, 40, 38, 80 FROM outcome_grades WHERE code = 'P2'",
    )
    .bind(math)
    .execute(&mut *import)
    .await
    .unwrap();
    let db = t.db.clone();
    let edit = tokio::spawn(async move { lower_math(&db, 50.0).await });
    // The edit runs meanwhile as far as it can; then the import commits.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    import.commit().await.unwrap();
    match edit.await.unwrap() {
        Err(Error::Invalid(problems)) => {
            assert_eq!(problems[0].code, "max-score-below-stored", "{problems:?}");
            assert_eq!(problems[0].column.as_deref(), Some("max_score"));
        }
        other => panic!("the edit counts the committed score and refuses: {other:?}"),
    }
    let max: f64 =
        sqlx::query_scalar("SELECT max_score FROM outcome_subjects WHERE code = 'MATH'").fetch_one(pool).await.unwrap();
    assert_eq!(max, 100.0, "the maximum stays");
}
