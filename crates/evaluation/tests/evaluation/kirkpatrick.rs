//! A programme's Kirkpatrick funnel read from participants, submissions and learner
//! outcomes: each level's count, base and measure, worked by hand below; other
//! programmes' and other people's submissions left out; scope and suppression.

use crate::{actor, admin, fixture};
use opencpd_domain::{AccountRole, Scope};
use opencpd_evaluation::store::kirkpatrick;
use opencpd_kernel::{Db, on_db};
use opencpd_testkit::{TestDb, backends};

/// The satisfaction survey's form: q1 and q2 marked Likert, q3 not.
fn satisfaction_form() -> String {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<String>>();
    let survey = vec![
        row(&["type", "name", "label", "appearance"]),
        row(&["select_one agree", "q1", "Useful", "likert"]),
        row(&["select_one four", "q2", "Clear", "Likert"]),
        row(&["select_one agree", "q3", "Again", "minimal"]),
    ];
    let mut choices = vec![row(&["list_name", "name", "label", "score"])];
    for n in 1..=5 {
        choices.push(row(&["agree", &n.to_string(), &n.to_string(), ""]));
    }
    for (name, score) in [("0", "0"), ("1", "1"), ("2", "2"), ("3", "3"), ("dk", "")] {
        choices.push(row(&["four", name, name, score]));
    }
    let bytes = opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices)]).unwrap();
    serde_json::to_string(&opencpd_forms::parse_xlsform("sat.xlsx", &bytes).unwrap()).unwrap()
}

fn scores(score: f64, max: f64) -> String {
    format!(r#"[{{"domain":"all","score":{score},"max":{max},"items":1}}]"#)
}

/// Programme 1 (BLF) with course 1, cohort 1 (in D1) and its session 1, cohort 3 of the same
/// course and its session 2; people 1 to 6 enrolled in cohort 1 from schools 101 to 106,
/// person 1 in cohort 3 too, person 7 not enrolled; programme 2 with cohort 2. Person 7
/// facilitates cohorts 1 and 3, person 8 cohort 1.
/// Satisfaction (the survey's Likert items: q1 five points by place, q2 scored 0 to 3 with
/// a "don't know"; q3 is not marked Likert): about cohort 1, q1 5 and q2 3 (100), q1 4 and
/// q2 "don't know" (75); about session 1, q1 3 and q2 1 (50 and 33.3: 41.7), q3 alone (no
/// respondent); about cohort 3, q1 2 (25); about programme 2's cohort, q1 1 (left out).
/// Session 1: five of six present or late; session 2: person 1 present.
/// Tests: person 1 40 → 70 %, person 2 50 → 75 %,
/// person 3 30 % only, person 7 (no participant) 10 → 90 %; observations: person 1
/// 50 → 60 %, person 2 40 → 55 %, person 4 70 % once; learner outcomes: school 101 50 %
/// in 2024 and 60 % in 2025 (10 assessed), school 102 40 % in 2025 (30 assessed).
pub async fn programme(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO programmes (id, code, name, start_date, created_at) VALUES (1, 'BLF', 'Leading learning', '2024-01-01', '2024-01-01T00:00:00Z'), \
         (2, 'OTH', 'Other', '2024-01-01', '2024-01-01T00:00:00Z'); \
         INSERT INTO courses (id, code, title, programme_id, kind, modality, hours, credits, created_at) VALUES \
         (1, 'C1', 'Course', 1, 'course', 'face_to_face', 10, 1, '2024-01-01T00:00:00Z'), (2, 'C2', 'Other course', 2, 'course', 'face_to_face', 10, 1, '2024-01-01T00:00:00Z'); \
         INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at) VALUES \
         (1, 'K1', 'Cohort', 1, 2, '/1/2/', '2024-02-01', '2024-06-01', 30, '2024-01-01T00:00:00Z'), \
         (2, 'K2', 'Other cohort', 2, 2, '/1/2/', '2024-02-01', '2024-06-01', 30, '2024-01-01T00:00:00Z'), \
         (3, 'K3', 'Third cohort', 1, 2, '/1/2/', '2024-02-01', '2024-06-01', 30, '2024-01-01T00:00:00Z'); \
         INSERT INTO sessions_held (id, cohort_id, held_on, title, modality) VALUES (1, 1, '2024-02-01', 'One', 'face_to_face'), \
         (2, 3, '2024-02-02', 'Two', 'face_to_face'); \
         INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) VALUES \
         (1, 'SAT', '1', 'Satisfaction', 'survey', 's.xlsx', '2024-01-01T00:00:00Z'), (2, 'TEST', '1', 'Test', 'test', 't.xlsx', '2024-01-01T00:00:00Z'), \
         (3, 'OBS', '1', 'Observation', 'observation', 'o.xlsx', '2024-01-01T00:00:00Z'); ",
    );
    for person in 1..=7 {
        let sex = if person % 2 == 0 { "F" } else { "M" };
        sql.push_str(&format!(
            "INSERT INTO people (id, given_name, family_name, sex) VALUES ({person}, 'P', 'Person {person}', '{sex}'); "
        ));
        if person <= 6 {
            sql.push_str(&format!(
                "INSERT INTO enrolments (cohort_id, person_id, source, enrolled_at, sex, school_id, path) VALUES (1, {person}, 'manual', '2024-01-15T00:00:00Z', '{sex}', {}, '/1/2/'); \
                 INSERT INTO programme_participants (programme_id, person_id, path, sex, completed, certified) VALUES (1, {person}, '/1/2/', '{sex}', 0, 0); ",
                100 + person
            ));
        }
    }
    sql.push_str(
        "INSERT INTO people (id, given_name, family_name, sex) VALUES (8, 'Ann', 'Facilitator', 'F'); \
         INSERT INTO enrolments (cohort_id, person_id, source, enrolled_at, sex, school_id, path) VALUES (3, 1, 'manual', '2024-01-15T00:00:00Z', 'M', 101, '/1/2/'); \
         INSERT INTO cohort_facilitators (cohort_id, person_id) VALUES (1, 7), (3, 7), (1, 8); \
         INSERT INTO attendance (session_id, enrolment_id, status, marked_at, marked_by) \
         SELECT s.id, e.id, CASE WHEN e.person_id = 5 THEN 'late' WHEN e.person_id = 6 THEN 'absent' ELSE 'present' END, '2024-02-01T10:00:00Z', 'test' \
         FROM enrolments e JOIN sessions_held s ON s.cohort_id = e.cohort_id; ",
    );
    let mut n = 0;
    let mut submission = |instrument: i64, kind: &str, id: i64, day: &str, answers: &str, scores: String| {
        n += 1;
        format!(
            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
             VALUES ('u{n}', {instrument}, '2024-{day}T10:00:00Z', '2024-{day}T10:00:00Z', '{kind}', {id}, '/1/2/', '{answers}', '{scores}'); "
        )
    };
    for (kind, id, answers) in [
        ("cohort", 1, r#"{"q1":"5","q2":"3"}"#),
        ("cohort", 1, r#"{"q1":"4","q2":"dk"}"#),
        ("session", 1, r#"{"q1":"3","q2":"1","q3":"5"}"#),
        ("session", 1, r#"{"q3":"5"}"#),
        ("cohort", 3, r#"{"q1":"2"}"#),
        ("cohort", 2, r#"{"q1":"1"}"#),
    ] {
        sql.push_str(&submission(1, kind, id, "03-01", answers, "[]".into()));
    }
    for (person, day, s) in [
        (1, "02-01", 40.0),
        (1, "06-01", 70.0),
        (2, "02-01", 50.0),
        (2, "06-01", 75.0),
        (3, "02-01", 30.0),
        (7, "02-01", 10.0),
        (7, "06-01", 90.0),
    ] {
        sql.push_str(&submission(2, "person", person, day, "{}", scores(s, 100.0)));
    }
    for (person, day, s) in
        [(1, "03-01", 5.0), (1, "09-01", 6.0), (2, "03-01", 4.0), (2, "09-01", 5.5), (4, "03-01", 7.0)]
    {
        sql.push_str(&submission(3, "person", person, day, "{}", scores(s, 10.0)));
    }
    sql.push_str(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, assessed, mean_score) VALUES \
         (101, 2024, 0, 1, 1, 'F', 0, 10, 25), (101, 2025, 0, 1, 1, 'F', 0, 10, 30), (102, 2025, 0, 1, 1, 'M', 0, 30, 20);",
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
    let form = satisfaction_form();
    on_db!(db, |p| sqlx::query(
        "INSERT INTO instrument_forms (instrument_id, form_json) VALUES (1, $1), (2, '{}'), (3, '{}')"
    )
    .bind(&form)
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    opencpd_indicators::store::rollup::refresh_all(db).await.unwrap();
}

#[tokio::test]
async fn the_funnel_counts_each_level_on_its_base_with_its_measure() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(f.participants.value, Some(6));
        let l = &f.levels;
        // 1: four respondents (the answer with q3 alone is none) of eleven attendances surveyed:
        // cohort 1 about itself (5 attended) and its session (5 present or late), cohort 3
        // about itself (1); index (100 + 75 + 41.67 + 25) / 4.
        assert_eq!((l[0].n.value, l[0].of.value), (Some(4), Some(11)));
        let cohort_1 = (100.0 + 75.0 + (50.0 + 100.0 / 3.0) / 2.0) / 3.0;
        let all = (cohort_1 * 3.0 + 25.0) / 4.0;
        assert!((l[0].value.unwrap() - all).abs() < 1e-9, "{:?}", l[0]);
        assert!((l[0].rate.unwrap() - 4.0 / 11.0).abs() < 1e-9);
        assert!(l[0].detail.as_deref().unwrap().contains("5 survey answers, in 2 cohorts"), "{:?}", l[0]);
        // Per course, cohort and facilitator, each with its sample and response rate.
        let row = |group: &str, id: i64| {
            f.satisfaction.iter().find(|r| r.group == group && r.id == id).unwrap_or_else(|| panic!("{group} {id}"))
        };
        let check = |group: &str, id: i64, n: i64, of: i64, index: f64| {
            let r = row(group, id);
            assert_eq!((r.n.value, r.of.value), (Some(n), Some(of)), "{r:?}");
            assert!((r.index.unwrap() - index).abs() < 1e-9, "{r:?}");
            assert!((r.rate.unwrap() - n as f64 / of as f64).abs() < 1e-9, "{r:?}");
        };
        check("course", 1, 4, 11, all);
        check("cohort", 1, 3, 10, cohort_1);
        check("cohort", 3, 1, 1, 25.0);
        check("facilitator", 7, 4, 11, all);
        check("facilitator", 8, 3, 10, cohort_1);
        assert_eq!(f.satisfaction.len(), 5, "no row for programme 2's cohort: {:?}", f.satisfaction);
        let groups: Vec<&str> = f.satisfaction.iter().map(|r| r.group.as_str()).collect();
        assert_eq!(groups, ["course", "cohort", "cohort", "facilitator", "facilitator"]);
        assert_eq!(row("facilitator", 8).name, "Ann Facilitator");
        // 2: two pairs of six participants (three tested, one attrition);
        // ⟨g⟩ = (72.5 − 45) / (100 − 45) = 0.5.
        assert_eq!((l[1].n.value, l[1].of.value), (Some(2), Some(6)));
        assert!((l[1].value.unwrap() - 0.5).abs() < 1e-9, "{:?}", l[1]);
        let detail = l[1].detail.as_deref().unwrap();
        assert!(detail.contains("3 tested") && detail.contains("1 without a post-test"), "{detail}");
        assert!(detail.contains("raw gain +27.5 points"), "72.5 − 45: {detail}");
        // 3: three observed of six; mean change (10 + 15) / 2.
        assert_eq!((l[2].n.value, l[2].of.value), (Some(3), Some(6)));
        assert!((l[2].value.unwrap() - 12.5).abs() < 1e-9, "{:?}", l[2]);
        // 4: two of six schools with outcomes in 2025; (60·10 + 40·30) / 40 = 45; 2024: 50.
        assert_eq!((l[3].n.value, l[3].of.value), (Some(2), Some(6)));
        assert!((l[3].value.unwrap() - 45.0).abs() < 1e-9, "{:?}", l[3]);
        assert!(l[3].detail.as_deref().unwrap().contains("−5.0"), "{:?}", l[3]);
        assert!((l[1].rate.unwrap() - 2.0 / 6.0).abs() < 1e-9);

        // A district officer reads small counts of people suppressed, with no rate.
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let f = kirkpatrick::funnel(db, &officer, 1, "fr").await.unwrap();
        assert!(f.suppressed);
        assert_eq!(f.levels[1].n.value, None);
        assert_eq!(f.levels[1].n.shown, format!("<{}", f.threshold));
        assert_eq!((f.levels[1].rate, f.levels[1].value), (None, None));
        assert_eq!(f.levels[0].name, "1 · Réaction");
        // Each group's small counts hidden too, and its index and rate with them.
        let r = f.satisfaction.iter().find(|r| r.group == "cohort" && r.id == 3).unwrap();
        assert_eq!((r.n.value, r.rate, r.index), (None, None, None), "{r:?}");
        // Out of the participants' place: nobody.
        let elsewhere = actor(AccountRole::NationalOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        let f = kirkpatrick::funnel(db, &elsewhere, 1, "en").await.unwrap();
        assert_eq!(f.participants.value, Some(0));
        assert!(f.levels.iter().all(|l| l.n.value == Some(0)), "{:?}", f.levels);
        assert!(matches!(kirkpatrick::funnel(db, &admin(), 99, "en").await, Err(opencpd_kernel::Error::NotFound)));
    }
}

#[tokio::test]
async fn the_funnel_api_and_page_give_satisfaction_per_course_cohort_and_facilitator() {
    use axum::http::StatusCode;
    use opencpd_evaluation::model::KirkpatrickFunnel;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        let api = crate::app(db);
        let token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let f: KirkpatrickFunnel = api.get(&token, "/api/v1/programmes/1/kirkpatrick").await;
        let facilitator = f.satisfaction.iter().find(|r| r.group == "facilitator" && r.id == 8).unwrap();
        assert_eq!((facilitator.n.value, facilitator.of.value), (Some(3), Some(10)), "{facilitator:?}");
        assert!((facilitator.rate.unwrap() - 0.3).abs() < 1e-9);
        let cohort = f.satisfaction.iter().find(|r| r.group == "cohort" && r.id == 3).unwrap();
        assert_eq!((cohort.n.value, cohort.of.value, cohort.index), (Some(1), Some(1), Some(25.0)), "{cohort:?}");
        assert_eq!(cohort.name, "K3 · Third cohort");
        // Every level carries its sample size and response rate.
        assert!(f.levels.iter().all(|l| l.n.value.is_some() && l.rate.is_some()), "{:?}", f.levels);

        // The page: the table of groups with their samples, and the bars.
        let (status, page) = api.text(&token, "GET", "/programmes/1/kirkpatrick", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let section = &page[page.find("id=\"satisfaction\"").expect("the satisfaction section")..];
        assert!(section.contains("<svg") && section.contains("aria-label=\"satisfaction\""), "{section}");
        assert!(section.contains("Ann Facilitator") && section.contains("3 of 10"), "{section}");
        assert!(section.contains("data-label=\"Respondents\""), "{section}");
        // A district officer's page hides the small groups' index.
        let officer = opencpd_testkit::api::token(db, "officer", AccountRole::DistrictOfficer, Some("D1")).await;
        let f: KirkpatrickFunnel = api.get(&officer, "/api/v1/programmes/1/kirkpatrick").await;
        assert!(f.suppressed);
        assert!(f.satisfaction.iter().all(|r| r.index.is_none() && r.n.value.is_none()), "{:?}", f.satisfaction);
    }
}

/// A form scoring one integer out of 100 into one domain: the tests' and observations' form.
fn points_form() -> String {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<String>>();
    let survey = vec![
        row(&["type", "name", "label", "domain", "max_score"]),
        row(&["integer", "points", "Points", "all", "100"]),
    ];
    let bytes = opencpd_transfer::write_workbook(&[("survey", survey)]).unwrap();
    serde_json::to_string(&opencpd_forms::parse_xlsform("points.xlsx", &bytes).unwrap()).unwrap()
}

/// Regression: the funnel was kept 30 s under the reach stamp alone, which only a change
/// of the programme's participants renews, so a survey answered, a test or an observation
/// sent, or a school's learner outcomes entered within those 30 s were not seen. Each of
/// them, written through its area, is now seen by the next read. A read with nothing
/// renewed is still served from the cache: a survey answer written behind every stamp's
/// back (by plain SQL) is not in it, though the funnel computed afresh counts it.
#[tokio::test]
async fn regression_the_funnel_kept_under_the_reach_stamp_missed_new_surveys_tests_observations_and_outcomes() {
    use opencpd_instruments::store::{self as instruments, About, SubmissionInput};
    use opencpd_kernel::Actor;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        let form = points_form();
        on_db!(db, |p| sqlx::query("UPDATE instrument_forms SET form_json = $1 WHERE instrument_id IN (2, 3)")
            .bind(&form)
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
        let mut sent = 0;
        let mut send = |instrument: i64, kind: &str, id: i64, answers: serde_json::Value| {
            sent += 1;
            let input = SubmissionInput {
                uuid: format!("00000000-0000-4000-8000-{sent:012}"),
                instrument_id: instrument,
                collected_at: chrono::Utc::now(),
                subject: About { kind: kind.into(), id },
                answers,
                files: Vec::new(),
            };
            let (db, files) = (db.clone(), files.clone());
            async move { instruments::submit(&db, &files, &Actor::system(), None, &input).await.unwrap() }
        };
        let levels = |f: opencpd_evaluation::model::KirkpatrickFunnel| f.levels;
        let before = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(before[0].n.value, Some(4), "{:?}", before[0]);

        // Behind every stamp's back (the answer, its kept score and its cohort's sums): not
        // seen by a read served from the cache.
        on_db!(db, |p| sqlx::raw_sql(
            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
             VALUES ('behind', 1, '2024-03-02T10:00:00Z', '2024-03-02T10:00:00Z', 'cohort', 3, '/1/2/', '{\"q1\":\"3\"}', '[]'); \
             INSERT INTO survey_scores (submission_id, score) SELECT id, 50 FROM submissions WHERE uuid = 'behind'; \
             INSERT INTO survey_score_cells (cohort_id, session_id, instrument_id, subject_path, answers, scored, score_sum) \
             VALUES (3, 0, 1, '/1/2/', 1, 1, 50) ON CONFLICT (cohort_id, session_id, instrument_id, subject_path) \
             DO UPDATE SET answers = survey_score_cells.answers + 1, scored = survey_score_cells.scored + 1, \
             score_sum = survey_score_cells.score_sum + 50"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let cached = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(cached[0].n.value, Some(4), "served from the cache: {:?}", cached[0]);
        let afresh = levels(kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(afresh[0].n.value, Some(5), "the row is there: {:?}", afresh[0]);

        // 1: a survey answer about cohort 1, through the instruments area.
        send(1, "cohort", 1, serde_json::json!({"q1": "5"})).await;
        let now = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(now[0].n.value, Some(6), "the new answer and the one behind it: {:?}", now[0]);
        // 2: person 3's post-test (90 after 30): three pairs.
        send(2, "person", 3, serde_json::json!({"points": 90})).await;
        let now = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(now[1].n.value, Some(3), "{:?}", now[1]);
        // 3: person 4 observed again (90 after 70): the mean change (10 + 15 + 20) / 3.
        assert!((now[2].value.unwrap() - 12.5).abs() < 1e-9, "{:?}", now[2]);
        send(3, "person", 4, serde_json::json!({"points": 90})).await;
        let now = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert!((now[2].value.unwrap() - 15.0).abs() < 1e-9, "{:?}", now[2]);
        // 4: school 103's outcomes for 2025, entered by its data's editor.
        assert_eq!(now[3].n.value, Some(2), "{:?}", now[3]);
        let entry = opencpd_indicators::model::OutcomeEntry {
            year: 2025,
            grade: "P3".into(),
            subject: Some("MATH".into()),
            sex: "F".into(),
            assessed: Some(20),
            mean_score: Some(35.0),
            ..Default::default()
        };
        opencpd_indicators::store::outcomes::enter(db, &admin(), 103, &[entry]).await.unwrap();
        let now = levels(kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(now[3].n.value, Some(3), "{:?}", now[3]);
        // Each read equals the funnel computed afresh.
        let afresh = levels(kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap());
        assert_eq!(format!("{now:?}"), format!("{afresh:?}"));
    }
}

/// Level 4's school culture: answers about the participants' schools to a survey with
/// Likert items (the satisfaction form's q1 and q2, answered about schools), the latest
/// year's index and its change, out of the participants' schools.
#[tokio::test]
async fn the_funnel_reads_school_culture_surveys_about_the_participants_schools_at_level_4() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        let mut sql = String::from(
            "INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) VALUES \
             (4, 'CULT', '1', 'School culture', 'survey', 'c.xlsx', '2024-01-01T00:00:00Z'); ",
        );
        // 2025: school 101 100 and 50, school 102 (75 + 100) / 2; school 103 answered no
        // Likert item; school 201 is no participant's. 2024: school 101 25.
        for (n, (school, path, day, answers)) in [
            (101, "/1/2/", "2025-05-02", r#"{"q1":"5"}"#),
            (101, "/1/2/", "2025-05-02", r#"{"q1":"3"}"#),
            (102, "/1/2/", "2025-05-03", r#"{"q1":"4","q2":"3"}"#),
            (103, "/1/2/", "2025-05-03", r#"{"q3":"4"}"#),
            (201, "/1/3/", "2025-05-03", r#"{"q1":"1"}"#),
            (101, "/1/2/", "2024-05-02", r#"{"q1":"2"}"#),
        ]
        .into_iter()
        .enumerate()
        {
            sql.push_str(&format!(
                "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
                 VALUES ('c{n}', 4, '{day}T10:00:00Z', '{day}T10:00:00Z', 'school', {school}, '{path}', '{answers}', '[]'); "
            ));
        }
        on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
        let form = satisfaction_form();
        on_db!(db, |p| sqlx::query("INSERT INTO instrument_forms (instrument_id, form_json) VALUES (4, $1)")
            .bind(&form)
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(f.levels.len(), 6, "level 4's learner outcomes, school culture and flows");
        let culture = &f.levels[4];
        assert_eq!((culture.level, culture.name.as_str()), (4, "4 · Results: school culture"));
        assert_eq!((culture.n.value, culture.of.value), (Some(2), Some(6)), "{culture:?}");
        assert!((culture.rate.unwrap() - 2.0 / 6.0).abs() < 1e-9);
        let index = (100.0 + 50.0 + 87.5) / 3.0;
        assert!((culture.value.unwrap() - index).abs() < 1e-9, "{culture:?}");
        assert_eq!(culture.detail.as_deref(), Some("3 answers in 2025, +54.2 points on the year before"));
        // The school culture answers are not level 1's: its count is unchanged.
        assert_eq!(f.levels[0].n.value, Some(4));
        // A district officer reads the small count of answers hidden; the schools shown.
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let f = kirkpatrick::funnel(db, &officer, 1, "fr").await.unwrap();
        let culture = &f.levels[4];
        assert_eq!((culture.n.value, culture.of.value), (Some(2), Some(6)), "{culture:?}");
        let detail = culture.detail.as_deref().unwrap();
        assert!(detail.starts_with(&format!("<{} réponses en 2025", f.threshold)), "{detail}");
    }
}

/// A survey answer's Likert score is kept by the commit that stores it
/// (`opencpd_instruments::store::survey_scores`); answers stored before the scores were kept
/// (an upgraded deployment: migration 0039 asks for them) are scored by the backfill, once:
/// the funnel counts them the same, and a second run changes nothing.
#[tokio::test]
async fn a_survey_answers_score_is_kept_when_stored_and_earlier_answers_are_filled_once_the_same() {
    use opencpd_instruments::store::{self as instruments, About, SubmissionInput, survey_scores};
    use opencpd_kernel::{Actor, derived::Key};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        let kept = |db: &Db| {
            let db = db.clone();
            async move {
                on_db!(&db, |p| sqlx::query_as::<_, (String, Option<f64>)>(
                    "SELECT s.uuid, k.score FROM survey_scores k JOIN submissions s ON s.id = k.submission_id ORDER BY s.uuid"
                )
                .fetch_all(p)
                .await)
                .unwrap()
            }
        };
        assert_eq!(kept(db).await, Vec::new(), "written in bulk: nothing kept yet");
        let asked = |db: &Db| {
            let db = db.clone();
            async move {
                on_db!(&db, |p| sqlx::query_scalar::<_, String>(
                    "SELECT table_name FROM derived_backfills ORDER BY table_name"
                )
                .fetch_all(p)
                .await)
                .unwrap()
            }
        };
        assert_eq!(
            asked(db).await,
            vec!["survey_score_cells".to_string(), "survey_scores".to_string()],
            "{backend:?}: migrations 0039 and 0045 ask for them"
        );

        // What a bulk writer notes: every answer to a form with Likert items is scored.
        let mut tx = db.begin().await.unwrap();
        tx.changed(&survey_scores::SCORES, Key::All);
        tx.commit().await.unwrap();
        let scores = kept(db).await;
        let expected: Vec<(String, Option<f64>)> = [
            ("u1", Some(100.0)),
            ("u2", Some(75.0)),
            ("u3", Some((50.0 + 100.0 / 3.0) / 2.0)),
            ("u4", None),
            ("u5", Some(25.0)),
            ("u6", Some(0.0)),
        ]
        .into_iter()
        .map(|(u, s)| (u.to_string(), s))
        .collect();
        assert_eq!(scores.len(), expected.len(), "{backend:?}: the tests and observations have none: {scores:?}");
        for ((uuid, score), (want_uuid, want)) in scores.iter().zip(&expected) {
            assert_eq!(uuid, want_uuid);
            match (score, want) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{uuid}: {a} against {b}"),
                (a, b) => assert_eq!(a, b, "{uuid}"),
            }
        }
        assert_eq!(asked(db).await, Vec::<String>::new(), "{backend:?}: every score written, none left to fill");
        let from_kept = kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(from_kept.levels[0].n.value, Some(4), "{backend:?}: {:?}", from_kept.levels[0]);

        // An upgraded deployment: answers u1, u3 and u4 stored before the scores were kept
        // (u4 answered no Likert item), and migration 0039's request.
        on_db!(db, |p| sqlx::raw_sql(
            "DELETE FROM survey_scores WHERE submission_id IN (SELECT id FROM submissions WHERE uuid IN ('u1', 'u3', 'u4')); \
             INSERT INTO derived_backfills (table_name) VALUES ('survey_scores')"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        assert_eq!(kept(db).await.len(), 3);
        assert_eq!(survey_scores::backfill(db).await.unwrap(), 3, "{backend:?}: the three missing");
        assert_eq!(kept(db).await, scores, "{backend:?}: the same scores as kept when stored");
        assert_eq!(asked(db).await, Vec::<String>::new(), "{backend:?}: the request done");
        let filled = kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(format!("{from_kept:?}"), format!("{filled:?}"), "{backend:?}: counted the same");
        // Run again, asked or not: nothing changes.
        assert_eq!(survey_scores::backfill(db).await.unwrap(), 0, "{backend:?}");
        on_db!(db, |p| sqlx::query("INSERT INTO derived_backfills (table_name) VALUES ('survey_scores')")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        assert_eq!(survey_scores::backfill(db).await.unwrap(), 0, "{backend:?}: nothing missing");
        assert_eq!(kept(db).await, scores, "{backend:?}");
        assert_eq!(asked(db).await, Vec::<String>::new(), "{backend:?}");
        let again = kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(format!("{from_kept:?}"), format!("{again:?}"), "{backend:?}");

        // Through the intake: kept at the commit that stores it, a Likert answer or none.
        let dir = tempfile::tempdir().unwrap();
        let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
        for (n, answers) in [(1, serde_json::json!({"q1": "1", "q2": "0"})), (2, serde_json::json!({"q3": "4"}))] {
            let input = SubmissionInput {
                uuid: format!("00000000-0000-4000-8000-{n:012}"),
                instrument_id: 1,
                collected_at: chrono::Utc::now(),
                subject: About { kind: "cohort".into(), id: 1 },
                answers,
                files: Vec::new(),
            };
            instruments::submit(db, &files, &Actor::system(), None, &input).await.unwrap();
        }
        let scores = kept(db).await;
        assert_eq!(scores[0], ("00000000-0000-4000-8000-000000000001".to_string(), Some(0.0)), "{scores:?}");
        assert_eq!(scores[1], ("00000000-0000-4000-8000-000000000002".to_string(), None), "{scores:?}");
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(f.levels[0].n.value, Some(5), "{backend:?}: one more respondent: {:?}", f.levels[0]);

        // The scores summed per cohort and session (`survey_score_cells`), kept by the same
        // commits: what a cell holds is what the scores of its answers sum to.
        let cells = |db: &Db| {
            let db = db.clone();
            async move {
                on_db!(&db, |p| sqlx::query_as::<_, (i64, i64, i64, String, i64, i64, f64)>(
                    "SELECT cohort_id, session_id, instrument_id, subject_path, answers, scored, score_sum \
                     FROM survey_score_cells ORDER BY cohort_id, session_id, instrument_id, subject_path"
                )
                .fetch_all(p)
                .await)
                .unwrap()
                .into_iter()
                .map(|(c, s, i, path, n, scored, sum)| (c, s, i, path, n, scored, (sum * 1e6).round() as i64))
                .collect::<Vec<_>>()
            }
        };
        let straight: Vec<(i64, i64, i64, String, i64, i64, f64)> = on_db!(db, |p| {
            sqlx::query_as(
            "SELECT sub.subject_id, CAST(0 AS BIGINT), sub.instrument_id, sub.subject_path, COUNT(*), COUNT(k.score), \
                    CAST(COALESCE(SUM(k.score), 0) AS DOUBLE PRECISION) \
             FROM submissions sub JOIN survey_scores k ON k.submission_id = sub.id \
             WHERE sub.subject_kind = 'cohort' GROUP BY sub.subject_id, sub.instrument_id, sub.subject_path \
             UNION ALL \
             SELECT s.cohort_id, s.id, sub.instrument_id, sub.subject_path, COUNT(*), COUNT(k.score), \
                    CAST(COALESCE(SUM(k.score), 0) AS DOUBLE PRECISION) \
             FROM submissions sub JOIN sessions_held s ON s.id = sub.subject_id \
             JOIN survey_scores k ON k.submission_id = sub.id \
             WHERE sub.subject_kind = 'session' GROUP BY s.cohort_id, s.id, sub.instrument_id, sub.subject_path"
        )
        .fetch_all(p)
        .await
        })
        .unwrap();
        let mut straight: Vec<_> = straight
            .into_iter()
            .map(|(c, s, i, path, n, scored, sum)| (c, s, i, path, n, scored, (sum * 1e6).round() as i64))
            .collect();
        straight.sort();
        let kept_cells = cells(db).await;
        assert!(!kept_cells.is_empty(), "{backend:?}");
        assert_eq!(kept_cells, straight, "{backend:?}: the cells are the scores summed");
        let about_cohort_1: i64 = kept_cells.iter().filter(|c| c.0 == 1 && c.1 == 0).map(|c| c.4).sum();
        assert!(about_cohort_1 >= 2, "{backend:?}: the two answers sent through the intake are in: {kept_cells:?}");
        // An upgraded deployment asking for the cells alone (migration 0045): summed again
        // by the backfill, the same, and the funnel the same.
        on_db!(db, |p| sqlx::raw_sql(
            "DELETE FROM survey_score_cells; INSERT INTO derived_backfills (table_name) VALUES ('survey_score_cells')"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let before = kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap();
        // Read before the backfill has summed them (this process filled its scores already):
        // level 1 rests on the cells alone.
        assert_eq!(before.levels[0].n.value, Some(0), "{backend:?}: {:?}", before.levels[0]);
        assert_eq!(survey_scores::backfill(db).await.unwrap(), 0, "{backend:?}: no score was missing");
        assert_eq!(cells(db).await, straight, "{backend:?}: summed again the same");
        assert_eq!(asked(db).await, Vec::<String>::new(), "{backend:?}: the request done");
        let after = kirkpatrick::compute(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(format!("{:?}", after.levels), format!("{:?}", f.levels), "{backend:?}: counted the same");
    }
}
