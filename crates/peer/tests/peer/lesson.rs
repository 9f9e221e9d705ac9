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
