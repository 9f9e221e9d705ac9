//! Kirkpatrick level 3 by standard over time (observation scores per standard, term by
//! term, for a programme's participants, a person and a school's staff, worked by hand
//! below), and level 4's school flows (promotion, repetition and drop-out of the
//! participants' schools, with the year before); scope, suppression, the API and the pages.

use crate::kirkpatrick::programme;
use crate::{actor, admin, fixture};
use axum::body::Body;
use axum::http::StatusCode;
use opencpd_domain::{AccountRole, Scope};
use opencpd_evaluation::model::{KirkpatrickFunnel, Practice};
use opencpd_evaluation::store::{kirkpatrick, practice};
use opencpd_kernel::{Db, Error, on_db};
use opencpd_testkit::{TestDb, backends};

/// The terms of 2024; persons 1 to 6 working at schools 101 to 106 (`T1`…`T6`), but person
/// 1 at school 101 until 2024-06-30 and person 2 there from 2024-07-01 (at 102 before).
/// Observations scored out of 10 into domains that name standards by code (`SL2`), by
/// English name (`Leading teaching`: SL3) or by French name (`Piloter les
/// apprentissages`: SL2), besides the fixture's domain `all`:
///
/// | person | day        | period   | scores                          | made            |
/// | ------ | ---------- | -------- | ------------------------------- | --------------- |
/// | 1      | 2023-11-01 | 2023     | SL2 4                           |                 |
/// | 1      | 2024-02-11 | 2024 T1  | SL2 5, Leading teaching 5       |                 |
/// | 2      | 2024-02-12 | 2024 T1  | SL2 3, Leading teaching 6       | coaching visit  |
/// | 3      | 2024-02-13 | 2024 T1  | Piloter les apprentissages 7, Leading teaching 7 | lesson study |
/// | 4      | 2024-02-14 | 2024 T1  | Leading teaching 8              |                 |
/// | 5      | 2024-02-15 | 2024 T1  | Leading teaching 9              |                 |
/// | 1      | 2024-03-10 | 2024 T1  | SL2 7                           |                 |
/// | 2      | 2024-08-01 | 2024 T2 (holiday after it) | SL2 6             |                 |
/// | 7      | 2024-02-10 | 2024 T1  | SL2 10 (no participant)         |                 |
///
/// and the fixture's: persons 1 50 and 2 40 and 4 70 on 2024-03-01 (T1), 1 60 and 2 55 on
/// 2024-09-01 (T3), in domain `all`.
async fn observations(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO peer_terms (id, name, start_on, end_on) VALUES (1, '2024 T1', '2024-01-08', '2024-04-04'), \
         (2, '2024 T2', '2024-04-21', '2024-07-17'), (3, '2024 T3', '2024-09-01', '2024-12-18'); \
         UPDATE people SET staff_number = 'T' || CAST(id AS TEXT) WHERE id <= 7; \
         INSERT INTO positions (person_id, role, school_id, path, start_date, end_date) VALUES \
         (1, 'teacher', 101, '/1/2/', '2020-01-01', '2024-06-30'), (2, 'teacher', 102, '/1/2/', '2020-01-01', '2024-06-30'), \
         (2, 'teacher', 101, '/1/2/', '2024-07-01', NULL), (3, 'teacher', 103, '/1/2/', '2020-01-01', NULL), \
         (4, 'teacher', 104, '/1/2/', '2020-01-01', NULL), (5, 'teacher', 105, '/1/2/', '2020-01-01', NULL), \
         (6, 'teacher', 106, '/1/2/', '2020-01-01', NULL); ",
    );
    let scores = |pairs: &[(&str, f64)]| {
        let parts: Vec<String> =
            pairs.iter().map(|(d, s)| format!(r#"{{"domain":"{d}","score":{s},"max":10,"items":1}}"#)).collect();
        format!("[{}]", parts.join(","))
    };
    for (uuid, person, day, s) in [
        ("pa", 1, "2023-11-01", scores(&[("SL2", 4.0)])),
        ("pb", 1, "2024-02-11", scores(&[("SL2", 5.0), ("Leading teaching", 5.0)])),
        ("pc", 2, "2024-02-12", scores(&[("SL2", 3.0), ("Leading teaching", 6.0)])),
        ("pd", 3, "2024-02-13", scores(&[("Piloter les apprentissages", 7.0), ("Leading teaching", 7.0)])),
        ("pe", 4, "2024-02-14", scores(&[("Leading teaching", 8.0)])),
        ("pf", 5, "2024-02-15", scores(&[("Leading teaching", 9.0)])),
        ("pg", 1, "2024-03-10", scores(&[("SL2", 7.0)])),
        ("ph", 2, "2024-08-01", scores(&[("SL2", 6.0)])),
        ("pi", 7, "2024-02-10", scores(&[("SL2", 10.0)])),
    ] {
        sql.push_str(&format!(
            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
             VALUES ('{uuid}', 3, '{day}T10:00:00Z', '{day}T10:00:00Z', 'person', {person}, '/1/2/', '{{}}', '{s}'); "
        ));
    }
    // The coaching visit to person 2 names observation pc; in lesson study, person 4
    // observed person 3's research lesson (pd).
    sql.push_str(
        "INSERT INTO coaching_relations (id, programme_id, coach_id, coachee_id, start_on, coachee_path, coachee_school_id, created_at) \
         VALUES (1, 1, 8, 2, '2024-01-01', '/1/2/', 102, '2024-01-01T00:00:00Z'); \
         INSERT INTO coaching_visits (id, uuid, relation_id, programme_id, coach_id, coachee_id, coachee_path, coachee_school_id, visited_on, submission_id, created_at) \
         SELECT 1, 'visit-1', 1, 1, 8, 2, '/1/2/', 102, '2024-02-12', id, '2024-02-12T12:00:00Z' FROM submissions WHERE uuid = 'pc'; \
         INSERT INTO plcs (id, code, name, level, unit_id, unit_path, meetings_per_term, created_at) \
         VALUES (1, 'PLC1', 'Sector PLC', 'sector', 2, '/1/2/', 2, '2024-01-01T00:00:00Z'); \
         INSERT INTO lesson_studies (id, code, plc_id, grade, topic, stage, teacher_id, unit_path, created_at) \
         VALUES (1, 'LS1', 1, 'P3', 'Fractions', 'teach_observe', 3, '/1/2/', '2024-01-01T00:00:00Z'); \
         INSERT INTO lesson_study_observers (lesson_study_id, person_id, submission_id) \
         SELECT 1, 4, id FROM submissions WHERE uuid = 'pd';",
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

/// Each standard's points as (people, observations, mean), `None` where a count is hidden.
fn points(p: &Practice, code: &str) -> Vec<(Option<i64>, Option<i64>, Option<f64>)> {
    let s = p.standards.iter().find(|s| s.code == code).unwrap_or_else(|| panic!("{code}: {:?}", p.standards));
    s.points.iter().map(|x| (x.people.value, x.observations.value, x.mean.map(|m| (m * 1e6).round() / 1e6))).collect()
}

fn periods(p: &Practice) -> Vec<&str> {
    p.periods.iter().map(|x| x.name.as_str()).collect()
}

const THIRD: f64 = 1.0 / 3.0;

fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[tokio::test]
async fn level_3_scores_each_standard_term_by_term_for_the_participants_a_person_and_a_school() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        observations(db).await;

        // The programme: its participants' observations (not person 7's).
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        let p = &f.practice;
        assert_eq!(periods(p), ["2023", "2024 T1", "2024 T2", "2024 T3"], "{backend:?}");
        assert_eq!((p.periods[0].kind.as_str(), p.periods[1].kind.as_str()), ("year", "term"));
        assert_eq!(p.periods[1].starts_on, "2024-01-08");
        let codes: Vec<(&str, &str)> = p.standards.iter().map(|s| (s.code.as_str(), s.name.as_str())).collect();
        assert_eq!(codes, [("SL2", "Leading learning"), ("SL3", "Leading teaching"), ("all", "")], "{backend:?}");
        // SL2: person 1 in 2023; in T1 person 1 twice ((50 + 70) / 2 = 60), person 2 30 and
        // person 3 70 (named in French); person 2 in T2's holiday.
        assert_eq!(
            points(p, "SL2"),
            [
                (Some(1), Some(1), Some(40.0)),
                (Some(3), Some(4), Some(round((60.0 + 30.0 + 70.0) * THIRD))),
                (Some(1), Some(1), Some(60.0)),
                (Some(0), Some(0), None)
            ],
            "{backend:?}"
        );
        assert_eq!(
            points(p, "SL3"),
            [
                (Some(0), Some(0), None),
                (Some(5), Some(5), Some(70.0)),
                (Some(0), Some(0), None),
                (Some(0), Some(0), None)
            ]
        );
        assert_eq!(
            points(p, "all"),
            [
                (Some(0), Some(0), None),
                (Some(3), Some(3), Some(round((50.0 + 40.0 + 70.0) * THIRD))),
                (Some(0), Some(0), None),
                (Some(2), Some(2), Some(57.5))
            ]
        );
        assert_eq!(
            (p.observations.value, p.from_visits.value, p.from_lesson_study.value),
            (Some(13), Some(1), Some(1))
        );
        assert!(!p.suppressed);
        let fr = kirkpatrick::funnel(db, &admin(), 1, "fr").await.unwrap();
        assert_eq!(fr.practice.standards[0].name, "Piloter les apprentissages");

        // A district officer: the points resting on fewer than five people hidden, their
        // means with them; SL3's five shown.
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let f = kirkpatrick::funnel(db, &officer, 1, "en").await.unwrap();
        let p = &f.practice;
        assert!(p.suppressed);
        assert_eq!(points(p, "SL2")[1], (None, None, None), "{backend:?}");
        assert_eq!(p.standards[0].points[1].people.shown, "<5");
        assert_eq!(p.standards[0].points[1].observations.shown, "x");
        assert_eq!(points(p, "SL3")[1], (Some(5), Some(5), Some(70.0)));
        assert_eq!((p.observations.value, p.from_visits.shown.as_str()), (Some(13), "<5"));
        // Out of the participants' place: nothing.
        let elsewhere = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        let f = kirkpatrick::funnel(db, &elsewhere, 1, "en").await.unwrap();
        assert!(f.practice.standards.is_empty() && f.practice.periods.is_empty());

        // A person: their own observations, unsuppressed for those who may read them.
        let p = practice::person(db, &officer, 1, "en").await.unwrap();
        assert_eq!(periods(&p), ["2023", "2024 T1", "2024 T3"]);
        assert!(!p.suppressed);
        assert_eq!(
            points(&p, "SL2"),
            [(Some(1), Some(1), Some(40.0)), (Some(1), Some(2), Some(60.0)), (Some(0), Some(0), None)]
        );
        assert_eq!(
            points(&p, "SL3"),
            [(Some(0), Some(0), None), (Some(1), Some(1), Some(50.0)), (Some(0), Some(0), None)]
        );
        // Read by the person themselves; by another reader of the person who may not read
        // their submissions, refused; out of scope, not found.
        let own = actor(AccountRole::Teacher, Scope::Own { person_id: 1 });
        assert_eq!(practice::person(db, &own, 1, "en").await.unwrap().standards.len(), 3);
        assert!(matches!(practice::person(db, &own, 2, "en").await, Err(Error::NotFound)));
        let colleague = actor(AccountRole::Teacher, Scope::School { school_id: 101 });
        assert!(matches!(practice::person(db, &colleague, 1, "en").await, Err(Error::Forbidden)));
        assert!(matches!(practice::person(db, &elsewhere, 1, "en").await, Err(Error::NotFound)));

        // School 101: person 1's observations until June, person 2's from July.
        let p = practice::school(db, &admin(), 101, "en").await.unwrap();
        assert_eq!(periods(&p), ["2023", "2024 T1", "2024 T2", "2024 T3"], "{backend:?}");
        assert_eq!(
            points(&p, "SL2"),
            [
                (Some(1), Some(1), Some(40.0)),
                (Some(1), Some(2), Some(60.0)),
                (Some(1), Some(1), Some(60.0)),
                (Some(0), Some(0), None)
            ]
        );
        assert_eq!(
            points(&p, "all"),
            [
                (Some(0), Some(0), None),
                (Some(1), Some(1), Some(50.0)),
                (Some(0), Some(0), None),
                (Some(1), Some(1), Some(55.0))
            ]
        );
        assert_eq!((p.observations.value, p.from_visits.value), (Some(6), Some(0)));
        // Its leader reads the small counts hidden; a reader elsewhere does not find it.
        let leader = actor(AccountRole::SchoolLeader, Scope::School { school_id: 101 });
        let p = practice::school(db, &leader, 101, "en").await.unwrap();
        assert!(p.suppressed && p.standards.iter().all(|s| s.points.iter().all(|x| x.mean.is_none())), "{p:?}");
        assert!(matches!(practice::school(db, &elsewhere, 101, "en").await, Err(Error::NotFound)));
    }
}

#[tokio::test]
async fn level_3_by_standard_shows_on_the_programme_person_and_school_pages_and_over_the_api() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        observations(db).await;
        let api = opencpd_testkit::api::Api::new(db, opencpd_web::AREAS);
        let admin = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        // The funnel's JSON carries the series; the person's and the school's have routes.
        let f: KirkpatrickFunnel = api.get(&admin, "/api/v1/programmes/1/kirkpatrick").await;
        assert_eq!(f.practice.standards.len(), 3);
        let p: Practice = api.get(&admin, "/api/v1/people/1/practice").await;
        assert_eq!(p.about, "person");
        let p: Practice = api.get(&admin, "/api/v1/schools/101/practice").await;
        assert_eq!(p.about, "school");
        let officer = opencpd_testkit::api::token(db, "elsewhere", AccountRole::DistrictOfficer, Some("D2")).await;
        let (status, _) = api.text(&officer, "GET", "/api/v1/people/1/practice", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = api.text(&officer, "GET", "/api/v1/schools/101/practice", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The programme's page: the chart, a line per standard, and the table by term.
        let (status, page) = api.text(&admin, "GET", "/programmes/1/kirkpatrick", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let section = &page[page.find("id=\"practice\"").expect("the practice section")..];
        // SL2's line and `all`'s (on past 2024 T2, when nobody was observed on it); SL3 one point.
        assert!(section.contains("aria-label=\"practice\"") && section.matches("<polyline").count() == 2, "{section}");
        assert!(
            section.contains("<th class=\"num\">2024 T1</th>") && section.contains("SL3 Leading teaching"),
            "{section}"
        );
        assert!(section.contains("data-label=\"2024 T1\">70.0 %<br><span class=\"muted\">5 observed"), "{section}");
        assert!(section.contains("13 observations, of which 1 on coaching visits and 1 in lesson study"), "{section}");
        // The person's page, in French; the school's.
        let a = api.send_with(&admin, "GET", "/people/1", &[("cookie", "opencpd_lang=fr")], Body::empty()).await;
        let page = a.text();
        assert_eq!(a.status, StatusCode::OK, "{page}");
        let section = &page[page.find("id=\"practice\"").expect("the person's practice")..];
        assert!(
            section.contains("Pratique par standard") && section.contains("SL2 Piloter les apprentissages"),
            "{section}"
        );
        assert!(section.contains("60,0 %<br><span class=\"muted\">2 observations"), "{section}");
        let (status, page) = api.text(&admin, "GET", "/schools/101", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"practice\"") && page.contains("aria-label=\"practice\""), "{page}");
        // A person's own page shows their practice; a school leader's page of a teacher at
        // another school is not found.
        let own = opencpd_testkit::api::token(db, "teacher", AccountRole::Teacher, Some("T1")).await;
        let (status, page) = api.text(&own, "GET", "/people/1", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"practice\""), "{page}");
        let leader = opencpd_testkit::api::token(db, "leader", AccountRole::SchoolLeader, Some("S106")).await;
        let (status, page) = api.text(&leader, "GET", "/people/1", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{page}");
        assert!(!page.contains("id=\"practice\""));
    }
}

/// Enrolment and repeaters (girls' rows of all learners, whole year) of grades P3 and P6:
///
/// | school | year | E(P3) | R(P3) | E(P6) | R(P6) |
/// | ------ | ---- | ----- | ----- | ----- | ----- |
/// | 101    | 2023 | 100   | 5     | 80    | 4     |
/// | 101    | 2024 | 110   | 10    | 90    | 6     |
/// | 101    | 2025 | 120   | 12    | 96    | 5     |
/// | 102    | 2024 | 50    | 5     | 40    | 2     |
/// | 102    | 2025 | 60    | 4     | 45    | 4     |
/// | 103    | 2025 | 70    | 7     | 60    | 3     |
/// | 201    | 2024 | 1000  | 0     | 1000  | 0     |
/// | 201    | 2025 | 10    | 0     | 10    | 0     |
///
/// 2024 → 2025 rests on schools 101 and 102 (103 has no 2024, 201 is no participant's):
/// P3's E = 160, R(2025) = 16, P6's E(2025) = 141 and R(2025) = 9: promotion
/// (141 − 9) / 160 = 82.5 %, repetition 16 / 160 = 10 %, drop-out 7.5 %; P6 is the last
/// grade (no promotion). 2023 → 2024 rests on school 101: promotion (90 − 6) / 100 = 84 %,
/// repetition 10 %, drop-out 6 %.
async fn flows(db: &Db) {
    let mut rows = Vec::new();
    for (school, year, e3, r3, e6, r6) in [
        (101, 2023, 100, 5, 80, 4),
        (101, 2024, 110, 10, 90, 6),
        (101, 2025, 120, 12, 96, 5),
        (102, 2024, 50, 5, 40, 2),
        (102, 2025, 60, 4, 45, 4),
        (103, 2025, 70, 7, 60, 3),
        (201, 2024, 1000, 0, 1000, 0),
        (201, 2025, 10, 0, 10, 0),
    ] {
        for (grade, e, r) in [(1, e3, r3), (2, e6, r6)] {
            rows.push(format!("({school}, {year}, 0, {grade}, 0, 'F', 0, {e}, {r})"));
        }
    }
    let sql = format!(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, repeating) VALUES {}",
        rows.join(", ")
    );
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
    opencpd_indicators::store::rollup::refresh_all(db).await.unwrap();
}

#[tokio::test]
async fn level_4_gives_the_participants_schools_flows_with_the_change_from_the_year_before() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        // No enrolment yet: the row is there, resting on no school.
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(f.levels.len(), 6);
        assert_eq!((f.levels[5].n.value, f.levels[5].value), (Some(0), None), "{:?}", f.levels[5]);
        assert!(f.flows.is_none());
        flows(db).await;
        let f = kirkpatrick::funnel(db, &admin(), 1, "en").await.unwrap();
        let row = &f.levels[5];
        assert_eq!((row.level, row.name.as_str()), (4, "4 · Results: school flows"));
        assert_eq!((row.n.value, row.of.value), (Some(2), Some(6)), "{backend:?}: {row:?}");
        assert!((row.rate.unwrap() - 2.0 / 6.0).abs() < 1e-9);
        assert!((row.value.unwrap() - 82.5).abs() < 1e-9, "{row:?}");
        assert_eq!(
            row.detail.as_deref(),
            Some(
                "from 2024 to 2025, all grades but the last: repetition 10.0 %, drop-out 7.5 %; on the year before, \
                 promotion −1.5, repetition 0.0 and drop-out +1.5 points"
            ),
            "{backend:?}"
        );
        let flows = f.flows.as_ref().unwrap();
        assert_eq!((flows.schools.value, flows.latest.year), (Some(2), 2024));
        let close = |a: Option<f64>, b: f64| assert!((a.unwrap() - b).abs() < 1e-9, "{a:?} is not {b}");
        close(flows.latest.promotion, 82.5);
        close(flows.latest.repetition, 10.0);
        close(flows.latest.dropout, 7.5);
        let before = flows.before.as_ref().unwrap();
        assert_eq!(before.year, 2023);
        close(before.promotion, 84.0);
        close(before.repetition, 10.0);
        close(before.dropout, 6.0);
        // The learner outcomes' row and the culture's are where they were.
        assert_eq!(f.levels[3].n.value, Some(2));
        assert_eq!(f.levels[4].name, "4 · Results: school culture");
        // In French; for a district officer the same (the counts of learners are large).
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let f = kirkpatrick::funnel(db, &officer, 1, "fr").await.unwrap();
        assert_eq!(f.levels[5].name, "4 · Résultats : flux scolaires");
        assert!(f.levels[5].detail.as_deref().unwrap().starts_with("de 2024 à 2025"), "{:?}", f.levels[5]);
        assert!((f.levels[5].value.unwrap() - 82.5).abs() < 1e-9);
        // Elsewhere: no participant, no school.
        let elsewhere = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        let f = kirkpatrick::funnel(db, &elsewhere, 1, "en").await.unwrap();
        assert_eq!(f.levels[5].n.value, Some(0));
        assert!(f.flows.is_none());
    }
}
