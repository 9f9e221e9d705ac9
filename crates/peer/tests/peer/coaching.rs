//! Coaching relations, visits, feedback and the visit plan.

use crate::helpers::*;
use opencpd_kernel::{Db, Error};
use opencpd_peer::model::*;
use opencpd_peer::store::coaching;
use opencpd_testkit::backends;

fn relation(coach: i64, coachee: i64) -> RelationInput {
    RelationInput {
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        start_on: days_ago(100).to_string(),
    }
}

/// Advisor › national leader › local leader › head teacher of Tumba.
async fn cascade(db: &Db) {
    for (coach, coachee) in [
        (Registry::ADVISOR, Registry::NATIONAL_LEADER),
        (Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER),
        (Registry::LOCAL_LEADER, Registry::HEAD_TUMBA),
    ] {
        coaching::create_relation(db, &admin(), &relation(coach, coachee)).await.unwrap();
    }
}

fn visit(coach: i64, coachee: i64, day: chrono::NaiveDate) -> VisitInput {
    VisitInput {
        uuid: uuid::Uuid::new_v4().to_string(),
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        visited_on: day.to_string(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_relation_closing_a_loop_is_refused_at_any_depth() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        cascade(db).await;
        let r = coaching::create_relation(db, &admin(), &relation(Registry::HEAD_TUMBA, Registry::ADVISOR)).await;
        match r {
            Err(Error::Invalid(ps)) => {
                assert_eq!(ps[0].code, "coaching-cycle");
                assert_eq!(ps[0].column.as_deref(), Some("coachee_id"));
                let text = ps[0].message("en");
                assert!(text.contains("P Advisor › P Nll › P Lll › P Tumba › P Advisor"), "{text}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_relations").await, 3);
        // Coaching oneself, twice the same relation, unknown people.
        let same = coaching::create_relation(db, &admin(), &relation(Registry::ADVISOR, Registry::ADVISOR)).await;
        assert_eq!(problems(same), vec![("coachee_id".to_string(), "coaching-cycle")]);
        let twice =
            coaching::create_relation(db, &admin(), &relation(Registry::ADVISOR, Registry::NATIONAL_LEADER)).await;
        assert!(matches!(twice, Err(Error::Conflict(_))), "{twice:?}");
        let unknown = coaching::create_relation(db, &admin(), &relation(Registry::ADVISOR, 9999)).await;
        assert_eq!(problems(unknown), vec![("coachee_id".to_string(), "unknown-person-id")]);
        // A second coach, and a coachee who coaches too, are fine.
        coaching::create_relation(db, &admin(), &relation(Registry::ADVISOR, Registry::HEAD_TUMBA)).await.unwrap();
        // Out of the officer's scope: the coachee is named.
        let out =
            coaching::create_relation(db, &sector_officer(3), &relation(Registry::OFFICER, Registry::HEAD_TUMBA)).await;
        assert!(problems(out).contains(&("coachee_id".to_string(), "out-of-scope")));
        // The relations a coach reads: their own.
        let mine = coaching::relations(db, &person(Registry::LOCAL_LEADER), "BLF").await.unwrap();
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity = 'coaching_relation'").await, 4);
    }
}

#[tokio::test]
async fn a_visit_by_someone_not_the_coach_or_in_the_future_is_refused_and_one_sent_twice_is_stored_once() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        cascade(db).await;
        // The advisor is not the head teacher's coach.
        let r = coaching::record_visit(db, &admin(), &visit(Registry::ADVISOR, Registry::LOCAL_LEADER, today()), "en")
            .await;
        assert_eq!(problems(r), vec![("coach_id".to_string(), "not-the-coach")]);
        let r = coaching::record_visit(
            db,
            &admin(),
            &VisitInput {
                next_visit_on: Some(days_ago(40).to_string()),
                focus: vec![7],
                submission_id: Some(77),
                ..visit(Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, today() + chrono::Duration::days(2))
            },
            "en",
        )
        .await;
        assert_eq!(
            problems(r),
            vec![
                ("visited_on".to_string(), "in-the-future"),
                ("next_visit_on".to_string(), "before-visit"),
                ("focus[0]".to_string(), "unknown-standard-id"),
                ("submission_id".to_string(), "unknown-submission"),
            ]
        );
        // Someone else acting as themselves may not record the national leader's visit.
        let r = coaching::record_visit(
            db,
            &person(Registry::TEACHER_A),
            &visit(Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, today()),
            "en",
        )
        .await;
        assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_visits").await, 0);
        // The coach records it from the field; sent again, it is stored once.
        let input = VisitInput {
            focus: vec![2],
            agreed_actions: Some("Observe a P1 reading lesson".into()),
            next_visit_on: Some((today() + chrono::Duration::days(14)).to_string()),
            ..visit(Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, days_ago(1))
        };
        let coach = person(Registry::NATIONAL_LEADER);
        let (first, created) = coaching::record_visit(db, &coach, &input, "en").await.unwrap();
        assert!(created);
        assert_eq!(first.focus, vec![2]);
        let (again, created) = coaching::record_visit(db, &coach, &input, "en").await.unwrap();
        assert!(!created);
        assert_eq!(again.id, first.id);
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_visits").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity = 'coaching_visit'").await, 1);
        // The coachee reads it; someone elsewhere does not.
        assert!(coaching::visit(db, &person(Registry::LOCAL_LEADER), first.id, "en").await.is_ok());
        assert!(matches!(coaching::visit(db, &sector_officer(6), first.id, "en").await, Err(Error::NotFound)));
    }
}

#[tokio::test]
async fn feedback_is_generated_from_the_observation_in_the_reader_s_language() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        cascade(db).await;
        let band = |min: f64, max: f64, label: &str, text: &str| BandInput {
            min,
            max,
            label: label.into(),
            feedback: text.into(),
        };
        coaching::save_bands(
            db,
            &admin(),
            &BandsInput {
                domain: "*".into(),
                lang: "en".into(),
                bands: vec![band(0.0, 49.9, "Emerging", "Plan one change"), band(50.0, 100.0, "Secure", "Share it")],
            },
        )
        .await
        .unwrap();
        coaching::save_bands(
            db,
            &admin(),
            &BandsInput {
                domain: "*".into(),
                lang: "fr".into(),
                bands: vec![
                    band(0.0, 49.9, "Émergent", "Prévoir un changement"),
                    band(50.0, 100.0, "Acquis", "Le partager"),
                ],
            },
        )
        .await
        .unwrap();
        coaching::save_bands(
            db,
            &admin(),
            &BandsInput {
                domain: "SL2".into(),
                lang: "en".into(),
                bands: vec![band(0.0, 100.0, "Any", "Teaching text")],
            },
        )
        .await
        .unwrap();
        let overlap = coaching::save_bands(
            db,
            &admin(),
            &BandsInput {
                domain: "SL1".into(),
                lang: "de".into(),
                bands: vec![band(0.0, 60.0, "A", "a"), band(50.0, 100.0, "B", "b")],
            },
        )
        .await;
        assert_eq!(problems(overlap), vec![("lang".to_string(), "bad-choice")]);
        let overlap = coaching::save_bands(
            db,
            &admin(),
            &BandsInput {
                domain: "SL1".into(),
                lang: "en".into(),
                bands: vec![band(0.0, 60.0, "A", "a"), band(50.0, 100.0, "B", "b")],
            },
        )
        .await;
        assert_eq!(problems(overlap), vec![("bands[1]".to_string(), "band-overlap")]);
        add_submission(db, 500, Registry::LOCAL_LEADER, &[("SL1", 3.0, 8.0), ("SL2", 6.0, 8.0)]).await;
        let input = VisitInput {
            submission_id: Some(500),
            ..visit(Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, today())
        };
        let (v, _) = coaching::record_visit(db, &person(Registry::NATIONAL_LEADER), &input, "fr").await.unwrap();
        let sl1 = &v.feedback[0];
        assert_eq!((sl1.domain.as_str(), sl1.percent), ("SL1", 37.5));
        assert_eq!(sl1.band.as_deref(), Some("Émergent"));
        assert_eq!(sl1.text.as_deref(), Some("Prévoir un changement"));
        // SL2 has bands of its own in English only: French falls back to the bands for every domain.
        assert_eq!(v.feedback[1].band.as_deref(), Some("Acquis"));
        let en = coaching::visit(db, &person(Registry::LOCAL_LEADER), v.id, "en").await.unwrap();
        assert_eq!(en.feedback[0].text.as_deref(), Some("Plan one change"));
        assert_eq!(en.feedback[1].text.as_deref(), Some("Teaching text"));
    }
}

#[tokio::test]
async fn the_visit_plan_puts_coachees_not_visited_this_term_first_and_flags_overdue_follow_ups() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let term = add_term(db).await;
        for coachee in [Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, Registry::HEAD_TUMBA] {
            coaching::create_relation(db, &admin(), &relation(Registry::ADVISOR, coachee)).await.unwrap();
        }
        let coach = person(Registry::ADVISOR);
        // The national leader: visited, follow-up agreed for last week (overdue).
        let overdue = VisitInput {
            next_visit_on: Some(days_ago(7).to_string()),
            ..visit(Registry::ADVISOR, Registry::NATIONAL_LEADER, days_ago(20))
        };
        coaching::record_visit(db, &coach, &overdue, "en").await.unwrap();
        // The local leader: visited, next visit in a month.
        let fine = VisitInput {
            next_visit_on: Some((today() + chrono::Duration::days(30)).to_string()),
            ..visit(Registry::ADVISOR, Registry::LOCAL_LEADER, days_ago(5))
        };
        coaching::record_visit(db, &coach, &fine, "en").await.unwrap();
        let plan = coaching::visit_plan(db, &coach, Registry::ADVISOR, &term).await.unwrap();
        let order: Vec<(i64, bool, i64)> = plan.iter().map(|p| (p.coachee_id, p.overdue, p.visits_this_term)).collect();
        assert_eq!(
            order,
            vec![
                (Registry::HEAD_TUMBA, false, 0),
                (Registry::NATIONAL_LEADER, true, 1),
                (Registry::LOCAL_LEADER, false, 1)
            ]
        );
        assert_eq!(plan[0].coachee_name, "P Tumba");
        // Someone who does not read the coach gets nothing.
        let r = coaching::visit_plan(db, &sector_officer(6), Registry::ADVISOR, &term).await;
        assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
        assert_eq!(coaching::visit_plan(db, &district_officer(2), Registry::ADVISOR, &term).await.unwrap().len(), 3);
    }
}
