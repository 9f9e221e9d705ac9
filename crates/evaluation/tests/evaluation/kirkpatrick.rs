//! A programme's Kirkpatrick funnel read from participants, submissions and learner
//! outcomes: each level's count, base and measure, worked by hand below; other
//! programmes' and other people's submissions left out; scope and suppression.

use crate::{actor, admin, fixture};
use opencpd_domain::{AccountRole, Scope};
use opencpd_evaluation::store::kirkpatrick;
use opencpd_kernel::{Db, on_db};
use opencpd_testkit::{TestDb, backends};

fn scores(score: f64, max: f64) -> String {
    format!(r#"[{{"domain":"all","score":{score},"max":{max},"items":1}}]"#)
}

/// Programme 1 (BLF) with course 1, cohort 1 (in D1) and its session 1; people 1 to 6
/// enrolled from schools 101 to 106, person 7 not enrolled; programme 2 with cohort 2.
/// Surveys about cohort 1 and its session score 80, 100, 60, 80 % (and one about
/// programme 2's cohort, left out); tests: person 1 40 → 70 %, person 2 50 → 75 %,
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
         (2, 'K2', 'Other cohort', 2, 2, '/1/2/', '2024-02-01', '2024-06-01', 30, '2024-01-01T00:00:00Z'); \
         INSERT INTO sessions_held (id, cohort_id, held_on, title, modality) VALUES (1, 1, '2024-02-01', 'One', 'face_to_face'); \
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
    let mut n = 0;
    let mut submission = |instrument: i64, kind: &str, id: i64, day: &str, scores: String| {
        n += 1;
        format!(
            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
             VALUES ('u{n}', {instrument}, '2024-{day}T10:00:00Z', '2024-{day}T10:00:00Z', '{kind}', {id}, '/1/2/', '{{}}', '{scores}'); "
        )
    };
    for (kind, id, s) in
        [("cohort", 1, 4.0), ("cohort", 1, 5.0), ("session", 1, 3.0), ("session", 1, 4.0), ("cohort", 2, 1.0)]
    {
        sql.push_str(&submission(1, kind, id, "03-01", scores(s, 5.0)));
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
        sql.push_str(&submission(2, "person", person, day, scores(s, 100.0)));
    }
    for (person, day, s) in
        [(1, "03-01", 5.0), (1, "09-01", 6.0), (2, "03-01", 4.0), (2, "09-01", 5.5), (4, "03-01", 7.0)]
    {
        sql.push_str(&submission(3, "person", person, day, scores(s, 10.0)));
    }
    sql.push_str(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, assessed, mean_score) VALUES \
         (101, 2024, 0, 1, 1, 'F', 0, 10, 25), (101, 2025, 0, 1, 1, 'F', 0, 10, 30), (102, 2025, 0, 1, 1, 'M', 0, 30, 20);",
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
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
        // 1: four answers about the programme, of six participants; index 80.
        assert_eq!((l[0].n.value, l[0].of.value), (Some(4), Some(6)));
        assert!((l[0].value.unwrap() - 80.0).abs() < 1e-9, "{:?}", l[0]);
        // 2: two pairs of three tested (one attrition); ⟨g⟩ = (72.5 − 45) / (100 − 45) = 0.5.
        assert_eq!((l[1].n.value, l[1].of.value), (Some(2), Some(3)));
        assert!((l[1].value.unwrap() - 0.5).abs() < 1e-9, "{:?}", l[1]);
        assert!(l[1].detail.as_deref().unwrap().contains("1 without a post-test"), "{:?}", l[1]);
        // 3: three observed of six; mean change (10 + 15) / 2.
        assert_eq!((l[2].n.value, l[2].of.value), (Some(3), Some(6)));
        assert!((l[2].value.unwrap() - 12.5).abs() < 1e-9, "{:?}", l[2]);
        // 4: two of six schools with outcomes in 2025; (60·10 + 40·30) / 40 = 45; 2024: 50.
        assert_eq!((l[3].n.value, l[3].of.value), (Some(2), Some(6)));
        assert!((l[3].value.unwrap() - 45.0).abs() < 1e-9, "{:?}", l[3]);
        assert!(l[3].detail.as_deref().unwrap().contains("−5.0"), "{:?}", l[3]);
        assert!((l[1].rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);

        // A district officer reads small counts of people suppressed, with no rate.
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let f = kirkpatrick::funnel(db, &officer, 1, "fr").await.unwrap();
        assert!(f.suppressed);
        assert_eq!(f.levels[1].n.value, None);
        assert_eq!(f.levels[1].n.shown, format!("<{}", f.threshold));
        assert_eq!((f.levels[1].rate, f.levels[1].value), (None, None));
        assert_eq!(f.levels[0].name, "1 · Réaction");
        // Out of the participants' place: nobody.
        let elsewhere = actor(AccountRole::NationalOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        let f = kirkpatrick::funnel(db, &elsewhere, 1, "en").await.unwrap();
        assert_eq!(f.participants.value, Some(0));
        assert!(f.levels.iter().all(|l| l.n.value == Some(0)), "{:?}", f.levels);
        assert!(matches!(kirkpatrick::funnel(db, &admin(), 99, "en").await, Err(opencpd_kernel::Error::NotFound)));
    }
}
