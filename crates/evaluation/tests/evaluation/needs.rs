//! Needs assessments read as needs: a person's weakest standards and the courses whose
//! modules serve them, with the reason; a cohort's needs standard by standard, suppressed
//! for readers without row-level rights; the page with its chart.

use crate::kirkpatrick::programme;
use crate::{actor, admin, fixture};
use axum::http::StatusCode;
use opencpd_domain::{AccountRole, Scope};
use opencpd_evaluation::store::needs;
use opencpd_kernel::{Db, on_db};
use opencpd_testkit::{TestDb, backends};

/// Course C1's module M1 serves SL1 and SL2, M2 serves SL3; course C2's M1 serves SL5.
/// Needs assessments (standards scored out of 10): person 1 first all 9, then SL1 3,
/// SL2 5, SL3 9, SL4 7, SL5 2; persons 2 to 6 SL1 4 and SL2 8; person 3's only by the
/// same pattern; nobody assessed on SL3 to SL5 but person 1.
async fn assessments(db: &Db) {
    let mut sql = String::from(
        "INSERT INTO course_modules (id, course_id, position, code, title) VALUES (1, 1, 1, 'M1', 'Leading learning'), \
         (2, 1, 2, 'M2', 'Leading teaching'), (3, 2, 1, 'M1', 'Community'); \
         INSERT INTO module_standards (module_id, standard_id) SELECT 1, id FROM standards WHERE code IN ('SL1', 'SL2'); \
         INSERT INTO module_standards (module_id, standard_id) SELECT 2, id FROM standards WHERE code = 'SL3'; \
         INSERT INTO module_standards (module_id, standard_id) SELECT 3, id FROM standards WHERE code = 'SL5'; \
         INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) VALUES \
         (4, 'NEEDS', '1', 'Needs', 'needs_assessment', 'n.xlsx', '2024-01-01T00:00:00Z'); ",
    );
    let scores = |pairs: &[(&str, f64)]| {
        let parts: Vec<String> =
            pairs.iter().map(|(d, s)| format!(r#"{{"domain":"{d}","score":{s},"max":10,"items":1}}"#)).collect();
        format!("[{}]", parts.join(","))
    };
    let mut rows = vec![
        (1, "01-10", scores(&[("SL1", 9.0), ("SL2", 9.0), ("SL3", 9.0), ("SL4", 9.0), ("SL5", 9.0)])),
        (1, "05-10", scores(&[("SL1", 3.0), ("SL2", 5.0), ("SL3", 9.0), ("SL4", 7.0), ("SL5", 2.0)])),
    ];
    for person in 2..=6 {
        rows.push((person, "02-10", scores(&[("SL1", 4.0), ("SL2", 8.0)])));
    }
    for (n, (person, day, s)) in rows.iter().enumerate() {
        sql.push_str(&format!(
            "INSERT INTO submissions (uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json) \
             VALUES ('n{n}', 4, '2024-{day}T08:00:00Z', '2024-{day}T08:00:00Z', 'person', {person}, '/1/2/', '{{}}', '{s}'); "
        ));
    }
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).unwrap();
}

#[tokio::test]
async fn a_persons_weakest_standards_bring_the_courses_that_serve_them_with_the_reason() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        assessments(db).await;
        let n = needs::person(db, &admin(), 1, "en").await.unwrap();
        assert_eq!(n.assessed_on.as_deref(), Some("2024-05-10"), "the latest assessment counts");
        let weakest: Vec<(&str, bool)> = n.standards.iter().map(|s| (s.code.as_str(), s.need)).collect();
        assert_eq!(weakest, vec![("SL5", true), ("SL1", true), ("SL2", true), ("SL4", false), ("SL3", false)]);
        let courses: Vec<(&str, Vec<&str>)> = n
            .recommendations
            .iter()
            .map(|r| (r.course.as_str(), r.standards.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(courses, vec![("C1", vec!["SL1", "SL2"]), ("C2", vec!["SL5"])]);
        assert_eq!(n.recommendations[0].modules, vec!["Leading learning"], "only the modules serving a need");
        assert!(
            n.recommendations[1].reason.contains("SL5") && n.recommendations[1].reason.contains("20 %"),
            "{:?}",
            n.recommendations[1]
        );
        let fr = needs::person(db, &admin(), 1, "fr").await.unwrap();
        assert!(fr.recommendations[0].reason.starts_with("Répond à"), "{:?}", fr.recommendations[0]);
        let never = needs::person(db, &admin(), 7, "en").await.unwrap();
        assert!(never.assessed_on.is_none() && never.recommendations.is_empty());
        assert!(matches!(needs::person(db, &admin(), 999, "en").await, Err(opencpd_kernel::Error::NotFound)));
    }
}

#[tokio::test]
async fn a_cohorts_needs_by_standard_are_counted_once_a_person_and_suppressed_when_small() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        assessments(db).await;
        let g = needs::group(db, &admin(), None, Some(1), "en").await.unwrap();
        assert_eq!(g.people, "6");
        let sl1 = g.standards.iter().find(|s| s.code == "SL1").unwrap();
        assert_eq!((sl1.assessed, sl1.in_need), (Some(6), Some(6)));
        let sl2 = g.standards.iter().find(|s| s.code == "SL2").unwrap();
        // Person 1's latest SL2 is 50 %; the others 80 %.
        assert_eq!((sl2.assessed, sl2.in_need), (Some(6), Some(1)));
        assert!((sl2.mean_percent.unwrap() - (50.0 + 5.0 * 80.0) / 6.0).abs() < 1e-9);
        // A district officer without row-level rights: one person in need is hidden, and
        // so is its complement; a standard only one person was assessed on is hidden whole.
        let officer = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 2, path: "/1/2/".into() });
        let g = needs::group(db, &officer, Some(2), None, "en").await.unwrap();
        let sl2 = g.standards.iter().find(|s| s.code == "SL2").unwrap();
        assert_eq!((sl2.in_need, sl2.share_in_need), (None, None));
        assert_eq!(sl2.in_need_shown, "<5");
        let sl5 = g.standards.iter().find(|s| s.code == "SL5").unwrap();
        assert_eq!((sl5.assessed, sl5.mean_percent), (None, None));
        // Out of scope is not found; neither place, or both, is a 422.
        let elsewhere = actor(AccountRole::DistrictOfficer, Scope::Unit { unit_id: 3, path: "/1/3/".into() });
        assert!(matches!(
            needs::group(db, &elsewhere, Some(2), None, "en").await,
            Err(opencpd_kernel::Error::NotFound)
        ));
        assert!(matches!(needs::group(db, &admin(), None, None, "en").await, Err(opencpd_kernel::Error::Invalid(_))));
        assert!(matches!(
            needs::group(db, &admin(), Some(2), Some(1), "en").await,
            Err(opencpd_kernel::Error::Invalid(_))
        ));

        // The page and the API through the app.
        let token = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let api = crate::app(db);
        let (status, page) = api.text(&token, "GET", "/needs?cohort=1", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("<svg") && page.contains("id=\"needs-table\""), "{page}");
        let (status, body) = api.text(&token, "GET", "/api/v1/people/1/needs", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.contains("\"course\":\"C1\""), "{body}");
        let (status, body) = api.text(&token, "GET", "/api/v1/needs?unit=2&cohort=1", None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, page) = api.text(&token, "GET", "/programmes/1/kirkpatrick", None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("id=\"funnel\"") && page.contains("<svg"), "{page}");
        let (status, body) = api.text(&token, "GET", "/api/v1/programmes/1/kirkpatrick", None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// The person's page (every area's app, as a browser asks for it) shows the needs section:
/// the standards scored, the courses recommended for the weakest with the modules that
/// serve them and the reason, in English and in French. Needs are read by whoever may read
/// the person: the person themselves too; a reader out of the person's place finds no page,
/// so no needs.
#[tokio::test]
async fn the_person_page_shows_the_recommended_courses_and_their_reason_in_english_and_french() {
    use axum::body::Body;
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        programme(db).await;
        assessments(db).await;
        on_db!(db, |p| sqlx::raw_sql(
            "UPDATE people SET staff_number = 'T' || CAST(id AS TEXT) WHERE id <= 7; \
             INSERT INTO positions (person_id, role, school_id, path, start_date) VALUES \
             (1, 'teacher', 101, '/1/2/', '2020-01-01'), (7, 'teacher', 102, '/1/2/', '2020-01-01')"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let api = opencpd_testkit::api::Api::new(db, opencpd_web::AREAS);
        let admin = opencpd_testkit::api::token(db, "admin", AccountRole::SystemAdmin, None).await;
        let page = |token: String, lang: &'static str| {
            let api = &api;
            async move {
                let a = api.send_with(&token, "GET", "/people/1", &[("cookie", lang)], Body::empty()).await;
                (a.status, a.text())
            }
        };
        let section = |page: &str| -> String {
            let start = page.find("<section id=\"needs\">").unwrap_or_else(|| panic!("no needs section: {page}"));
            page[start..start + page[start..].find("</section>").unwrap()].to_string()
        };

        let (status, html) = page(admin.clone(), "opencpd_lang=en").await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {html}");
        let needs = section(&html);
        assert!(needs.contains("From the needs assessment NEEDS of 2024-05-10."), "{needs}");
        // Weakest first, each need marked.
        let sl5 = needs.find("SL5 Community and parental involvement").expect("SL5");
        let sl3 = needs.find("SL3 Leading teaching").expect("SL3");
        assert!(sl5 < sl3, "{needs}");
        let courses = &needs[needs.find("<ul id=\"needs-courses\">").expect("the courses")..];
        assert!(courses.contains("<strong>C1 · Course</strong> (Leading learning)"), "{courses}");
        assert!(courses.contains("<strong>C2 · Other course</strong>"), "{courses}");
        assert!(
            courses.contains(
                "Serves SL1 Creating strategic direction (30 %), SL2 Leading learning (50 %) — from NEEDS of 2024-05-10."
            ),
            "{courses}"
        );
        assert!(courses.contains("Serves SL5 Community and parental involvement (20 %)"), "{courses}");

        let (status, html) = page(admin.clone(), "opencpd_lang=fr").await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {html}");
        let needs = section(&html);
        assert!(needs.contains("Besoins et formations recommandées"), "{needs}");
        assert!(needs.contains("D&#x27;après l&#x27;évaluation des besoins NEEDS du 2024-05-10."), "{needs}");
        let courses = &needs[needs.find("<ul id=\"needs-courses\">").expect("the courses")..];
        assert!(courses.contains("<strong>C1 · Course</strong> (Leading learning)"), "{courses}");
        assert!(
            courses.contains("Répond à SL1 Définir l&#x27;orientation stratégique (30 %), SL2 Piloter"),
            "{courses}"
        );
        assert!(courses.contains("Répond à SL5 Impliquer la communauté et les parents (20 %)"), "{courses}");

        // The person reads their own; another teacher, and a reader of another district,
        // find no page and no needs.
        let own = opencpd_testkit::api::token(db, "own", AccountRole::Teacher, Some("T1")).await;
        let (status, html) = page(own, "opencpd_lang=en").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(section(&html).contains("Serves SL5"), "{html}");
        let other = opencpd_testkit::api::token(db, "other", AccountRole::Teacher, Some("T7")).await;
        let elsewhere = opencpd_testkit::api::token(db, "elsewhere", AccountRole::DistrictOfficer, Some("D2")).await;
        for token in [other, elsewhere] {
            let (status, html) = page(token, "opencpd_lang=en").await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{backend:?}: {html}");
            assert!(!html.contains("id=\"needs\"") && !html.contains("Serves"), "{html}");
        }
        // A person never assessed: the section says so, with no course.
        let (status, html) = api.text(&admin, "GET", "/people/7", None).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let needs = section(&html);
        assert!(needs.contains("No needs assessment yet.") && !needs.contains("needs-courses"), "{needs}");
    }
}
