//! Lesson study cycles, their observers, artefacts and videos.

use crate::helpers::*;
use opencpd_kernel::Error;
use opencpd_peer::artefacts::{Files, Limits, limits};
use opencpd_peer::model::*;
use opencpd_peer::store::{lesson, plcs};
use opencpd_testkit::backends;

fn cluster_plc() -> PlcInput {
    PlcInput {
        code: "LS-KIM".into(),
        name: "Kimironko maths group".into(),
        level: "cluster".into(),
        unit_code: Some("KIM".into()),
        meetings_per_term: 2,
        facilitators: vec![Registry::NATIONAL_LEADER],
        members: vec![Registry::TEACHER_A, Registry::TEACHER_B, Registry::TEACHER_C],
        ..Default::default()
    }
}

#[tokio::test]
async fn a_lesson_study_moves_forward_with_its_observations_artefacts_and_videos() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let dir = tempfile::tempdir().unwrap();
        let files = Files::dir(dir.path()).unwrap();
        plcs::create_plc(db, &admin(), &cluster_plc()).await.unwrap();
        let lead = person(Registry::NATIONAL_LEADER);
        let input = LessonStudyInput {
            code: "LS-1".into(),
            plc_code: "LS-KIM".into(),
            subject_code: Some("MATH".into()),
            grade: "P4".into(),
            topic: "Fractions on a number line".into(),
            teacher_id: Some(Registry::TEACHER_A),
            lesson_on: Some(today().to_string()),
            observers: vec![Registry::TEACHER_B, Registry::TEACHER_C],
        };
        let bad = lesson::create_lesson_study(
            db,
            &lead,
            &LessonStudyInput { subject_code: Some("XX".into()), observers: vec![9999], ..input.clone() },
        )
        .await;
        assert_eq!(
            problems(bad),
            vec![("subject_code".to_string(), "unknown-subject"), ("observers[0]".to_string(), "unknown-person-id")]
        );
        let study = lesson::create_lesson_study(db, &lead, &input).await.unwrap();
        assert_eq!(study.stage, "plan");
        assert_eq!(study.observers.len(), 2);
        // A member reads it but may not run it.
        assert!(lesson::lesson_study(db, &person(Registry::TEACHER_B), study.id).await.is_ok());
        let r = lesson::set_stage(
            db,
            &person(Registry::TEACHER_B),
            study.id,
            &StageInput { stage: "reflect".into(), version: 1 },
        )
        .await;
        assert!(matches!(r, Err(Error::Forbidden)), "{r:?}");
        let moved = lesson::set_stage(db, &lead, study.id, &StageInput { stage: "teach-observe".into(), version: 1 })
            .await
            .unwrap();
        assert_eq!(moved.stage, "teach_observe");
        let back =
            lesson::set_stage(db, &lead, study.id, &StageInput { stage: "plan".into(), version: moved.version }).await;
        assert_eq!(problems(back), vec![("stage".to_string(), "stage-back")]);
        let stale = lesson::set_stage(db, &lead, study.id, &StageInput { stage: "reflect".into(), version: 1 }).await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        // Observations are submissions.
        add_submission(db, 600, Registry::TEACHER_A, &[("SL2", 5.0, 8.0)]).await;
        let linked = lesson::link_observation(
            db,
            &lead,
            study.id,
            &ObservationLink { person_id: Registry::TEACHER_B, submission_id: 600 },
        )
        .await
        .unwrap();
        let b = linked.observers.iter().find(|o| o.person_id == Registry::TEACHER_B).unwrap();
        assert_eq!(b.submission_id, Some(600));
        // Artefacts: the type is read from the content, the size is limited.
        let limits = Limits { max_bytes: 1000, ..limits() };
        let pdf = b"%PDF-1.4 a lesson plan".to_vec();
        let upload = |kind: &'static str, bytes: &'static [u8]| lesson::Upload { kind, file_name: "plan.pdf", bytes };
        let too_big: &'static [u8] = Box::leak(vec![b'%'; 1001].into_boxed_slice());
        let r = lesson::add_artefact(db, &lead, &files, &limits, study.id, &upload("lesson_plan", too_big)).await;
        assert_eq!(problems(r), vec![("file".to_string(), "file-too-large")]);
        let r =
            lesson::add_artefact(db, &lead, &files, &limits, study.id, &upload("lesson_plan", b"MZ\x90\x00 exe")).await;
        assert_eq!(problems(r), vec![("file".to_string(), "file-type")]);
        let r = lesson::add_artefact(db, &lead, &files, &limits, study.id, &upload("poster", b"%PDF-1.4")).await;
        assert_eq!(problems(r), vec![("kind".to_string(), "bad-choice")]);
        assert!(!dir.path().join("sha256").exists(), "nothing kept");
        let pdf: &'static [u8] = Box::leak(pdf.into_boxed_slice());
        let a = lesson::add_artefact(db, &lead, &files, &limits, study.id, &upload("lesson_plan", pdf)).await.unwrap();
        assert_eq!((a.content_type.as_str(), a.size_bytes), ("application/pdf", pdf.len() as i64));
        let (read, bytes) = lesson::artefact(db, &person(Registry::TEACHER_C), &files, a.id).await.unwrap();
        assert_eq!(read.file_name, "plan.pdf");
        assert_eq!(bytes, pdf);
        assert!(matches!(lesson::artefact(db, &sector_officer(6), &files, a.id).await, Err(Error::NotFound)));
        // Videos are links with their source.
        let bad = lesson::add_video(
            db,
            &lead,
            study.id,
            &VideoInput { url: "javascript:alert(1)".into(), title: "Fractions".into(), source: "REB".into() },
        )
        .await;
        assert_eq!(problems(bad), vec![("url".to_string(), "bad-url")]);
        let with_video = lesson::add_video(
            db,
            &lead,
            study.id,
            &VideoInput {
                url: "https://elearning.reb.rw/fractions".into(),
                title: "Fractions".into(),
                source: "REB".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(with_video.videos[0].source, "REB");
        assert_eq!(with_video.artefacts.len(), 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity LIKE 'lesson_study%'").await, 5);
    }
}

#[tokio::test]
async fn a_cluster_lead_runs_a_cycle_from_its_pages_and_bad_input_is_named_and_stores_nothing() {
    use axum::http::StatusCode;
    use opencpd_domain::AccountRole;
    use opencpd_peer::web::AREA;
    use opencpd_testkit::api::{Api, session, token};
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let plc = plcs::create_plc(db, &admin(), &cluster_plc()).await.unwrap();
        let lead = &session(db, &token(db, "kim", AccountRole::SectorOfficer, Some("KIM")).await).await;
        let rem = &session(db, &token(db, "rem", AccountRole::SectorOfficer, Some("REM")).await).await;
        let get = async |s: &opencpd_testkit::api::Session, uri: String| api.page(s, "GET", &uri, None).await;

        // The new cycle's form, opened from the PLC's page: the group chosen, people picked.
        let (s, html, _) = get(lead, format!("/plcs/{}", plc.id)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("href=\"/lesson-studies/new?plc=LS-KIM\""), "{html}");
        let (s, html, _) = get(lead, "/lesson-studies/new?plc=LS-KIM".into()).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains(r#"name="plc_code" list="plc-choices" value="LS-KIM""#), "{html}");
        assert!(
            html.contains(r#"name="teacher_id" value="" list="person-choices" data-source="/api/v1/people""#),
            "{html}"
        );
        assert!(html.contains(r#"<datalist id="person-choices"></datalist>"#));
        let new = |teacher: &'static str, observer: &'static str| {
            vec![
                ("code", "LS-1"),
                ("plc_code", "LS-KIM"),
                ("subject_code", "MATH"),
                ("grade", "P4"),
                ("topic", "Fractions on a number line"),
                ("teacher_id", teacher),
                ("lesson_on", "2026-03-02"),
                ("observer", observer),
                ("observer", "106"),
            ]
        };
        // A name typed where a person is picked, an unknown person: named, nothing stored.
        let (s, html, _) = api.page(lead, "POST", "/lesson-studies/new", Some(&new("Alpha", "105"))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"error-teacher_id\"") && html.contains("Fractions on a number line"), "{html}");
        let (s, html, _) = api.page(lead, "POST", "/lesson-studies/new", Some(&new("104", "9999"))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("9999") && html.contains("id=\"problems\""), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM lesson_studies").await, 0);
        let (s, html, to) = api.page(lead, "POST", "/lesson-studies/new", Some(&new("104", "105"))).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
        let id: i64 = to.as_deref().and_then(|t| t.strip_prefix("/lesson-studies/")).unwrap().parse().unwrap();

        // The list: searched, sorted, scoped.
        let (s, html, _) = get(lead, "/lesson-studies?q=fraction&sort=stage".into()).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("href=\"/lesson-studies/{id}\"")) && html.contains("Plan"), "{html}");
        let (_, html, _) = get(rem, "/lesson-studies".into()).await;
        assert!(!html.contains("LS-1"), "{html}");
        assert_eq!(get(lead, "/lesson-studies?sort=nope".into()).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // The cycle: group, subject, grade, teacher and observers; moved on to the next stage.
        let page = format!("/lesson-studies/{id}");
        let (s, html, _) = get(lead, page.clone()).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("MATH · Mathematics") && html.contains("P Alpha") && html.contains("P Bravo"), "{html}");
        assert!(html.contains("Move on to: Teach and observe"), "{html}");
        assert_eq!(get(rem, page.clone()).await.0, StatusCode::NOT_FOUND);
        let stage = format!("{page}/stage");
        let (s, _, to) = api.page(lead, "POST", &stage, Some(&[("stage", "teach_observe"), ("version", "1")])).await;
        assert_eq!((s, to.as_deref()), (StatusCode::SEE_OTHER, Some(format!("{page}#stages").as_str())));
        let (_, html, _) = get(lead, page.clone()).await;
        assert!(
            html.contains(r#"<strong id="stage-now">Teach and observe</strong>"#)
                && html.contains("Move on to: Reflect"),
            "{html}"
        );
        // The form drawn before: a conflict; going back: named.
        let (s, html, _) = api.page(lead, "POST", &stage, Some(&[("stage", "reflect"), ("version", "1")])).await;
        assert_eq!(s, StatusCode::CONFLICT, "{html}");
        let (s, html, _) = api.page(lead, "POST", &stage, Some(&[("stage", "plan"), ("version", "2")])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("cannot go back"), "{html}");

        // An observation linked to its observer.
        add_submission(db, 600, Registry::TEACHER_A, &[("SL2", 5.0, 8.0)]).await;
        let obs = format!("{page}/observations");
        let (s, html, _) =
            api.page(lead, "POST", &obs, Some(&[("person_id", "Bravo"), ("submission_id", "600")])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"error-person_id\""), "{html}");
        let (s, html, _) = api.page(lead, "POST", &obs, Some(&[("person_id", "105"), ("submission_id", "601")])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"error-submission_id\""), "{html}");
        let (s, _, _) = api.page(lead, "POST", &obs, Some(&[("person_id", "105"), ("submission_id", "600")])).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let uuid = count_text(db, "SELECT uuid FROM submissions WHERE id = 600").await;
        let (_, html, _) = get(lead, page.clone()).await;
        assert!(html.contains(&format!("href=\"/submissions/{uuid}\">Submission 600</a>")), "{html}");

        // Videos with their source; artefacts within the limits, listed with type and size.
        let videos = format!("{page}/videos");
        let bad = [("url", "javascript:alert(1)"), ("title", "Fractions"), ("source", "REB")];
        let (s, html, _) = api.page(lead, "POST", &videos, Some(&bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"error-url\""), "{html}");
        let good = [("url", "https://elearning.reb.rw/fractions"), ("title", "Fractions"), ("source", "REB")];
        assert_eq!(api.page(lead, "POST", &videos, Some(&good)).await.0, StatusCode::SEE_OTHER);
        let artefacts = format!("{page}/artefacts");
        let (s, html, _) =
            api.upload_page(lead, &artefacts, &[("kind", "lesson_plan")], "setup.exe", b"MZ\x90\x00 exe").await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"error-file\""), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM lesson_study_artefacts").await, 0);
        let pdf = format!("%PDF-1.4 {}", uuid::Uuid::new_v4());
        let (s, _, _) = api.upload_page(lead, &artefacts, &[("kind", "lesson_plan")], "plan.pdf", pdf.as_bytes()).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, html, _) = get(lead, page.clone()).await;
        assert!(
            html.contains(">REB<")
                && html.contains("elearning.reb.rw&#x2f;fractions\" rel=\"noopener noreferrer\">Fractions</a>"),
            "{html}"
        );
        assert!(
            html.contains(">plan.pdf</a>") && html.contains("application&#x2f;pdf") && html.contains("Lesson plan"),
            "{html}"
        );
        assert!(html.contains(&format!(">{} B<", pdf.len())), "{html}");
        // A member reads the cycle without its forms.
        opencpd_kernel::on_db!(db, |p| sqlx::query("UPDATE people SET staff_number = 'T105' WHERE id = 105")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let member = session(db, &token(db, "bravo", AccountRole::Teacher, Some("T105")).await).await;
        let (s, html, _) = api.page(&member, "GET", &page, None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(!html.contains("stage-form") && !html.contains("artefact-form"), "{html}");
        let (s, _, _) = api.page(&member, "POST", &stage, Some(&[("stage", "reflect"), ("version", "2")])).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}
