//! PLCs, meetings, attendance and action points.

use crate::helpers::*;
use opencpd_kernel::Error;
use opencpd_peer::model::*;
use opencpd_peer::store::plcs;
use opencpd_testkit::backends;

fn sector_plc() -> PlcInput {
    PlcInput {
        code: "PLC-KIM".into(),
        name: "Kimironko head teachers".into(),
        level: "sector".into(),
        unit_code: Some("KIM".into()),
        model_code: Some("VVOB".into()),
        programme_code: Some("BLF".into()),
        meetings_per_term: 3,
        facilitators: vec![Registry::OFFICER],
        members: vec![Registry::NATIONAL_LEADER, Registry::TEACHER_A, Registry::TEACHER_B],
        ..Default::default()
    }
}

async fn model(db: &opencpd_kernel::Db) {
    let m = plcs::create_model(
        db,
        &admin(),
        &PlcModelInput {
            code: "VVOB".into(),
            name: "Sector PLC".into(),
            steps: vec!["Review action points".into(), "Share practice".into(), "Plan".into()],
        },
    )
    .await
    .unwrap();
    assert_eq!(plcs::model(db, m.id).await.unwrap().steps, vec!["Review action points", "Share practice", "Plan"]);
}

fn point(title: &str, owner: Option<i64>, due: chrono::NaiveDate) -> ActionPointInput {
    ActionPointInput { title: title.into(), owner_id: owner, due_on: due.to_string() }
}

#[tokio::test]
async fn a_meeting_records_guests_and_its_action_points_reappear_until_closed() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        model(db).await;
        let plc = plcs::create_plc(db, &sector_officer(3), &sector_plc()).await.unwrap();
        assert_eq!(plc.level, "sector");
        assert_eq!(plc.unit_path, "/1/9/2/3/");
        // The facilitator (acting as themselves) records the first meeting; a teacher who
        // is not a member comes as a guest.
        let officer = person(Registry::OFFICER);
        let first = plcs::record_meeting(
            db,
            &officer,
            plc.id,
            &MeetingInput {
                held_on: days_ago(30).to_string(),
                place: Some("Sector office".into()),
                agenda: Some("1. Reading\n2. Plans".into()),
                standards: vec![1, 2],
                attendance: vec![Registry::NATIONAL_LEADER, Registry::TEACHER_A, Registry::TEACHER_C],
                action_points: vec![
                    point("Observe two reading lessons", Some(Registry::TEACHER_A), days_ago(10)),
                    point("Share the lesson plan", Some(Registry::NATIONAL_LEADER), days_ago(5)),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
        let guests: Vec<(i64, bool)> = first.attendance.iter().map(|a| (a.person_id, a.guest)).collect();
        assert_eq!(guests.len(), 3);
        assert!(guests.contains(&(Registry::TEACHER_C, true)), "{guests:?}");
        assert!(guests.contains(&(Registry::TEACHER_A, false)), "{guests:?}");
        assert_eq!(first.standards, vec![1, 2]);
        assert_eq!(first.action_points.len(), 2);
        assert!(first.carried_over.is_empty());

        // The second meeting shows both points, and closes one of them.
        let carried = plcs::carried_to(db, &officer, plc.id, days_ago(3)).await.unwrap();
        assert_eq!(carried.len(), 2);
        let done = carried.iter().find(|a| a.owner_id == Registry::TEACHER_A).unwrap();
        let second = plcs::record_meeting(
            db,
            &officer,
            plc.id,
            &MeetingInput {
                held_on: days_ago(3).to_string(),
                attendance: vec![Registry::NATIONAL_LEADER],
                updates: vec![ActionPointUpdate {
                    id: done.id,
                    status: "done".into(),
                    due_on: None,
                    note: Some("Both observed".into()),
                    version: done.version,
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
        assert_eq!(second.carried_over.len(), 2, "closed at this meeting, still shown here");
        // The next meeting carries only the one still open.
        let third = plcs::carried_to(db, &officer, plc.id, today()).await.unwrap();
        assert_eq!(third.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), vec!["Share the lesson plan"]);
        // The owner closes it between meetings; its history keeps every change.
        let open = &third[0];
        let closed = plcs::update_action_point(
            db,
            &person(Registry::NATIONAL_LEADER),
            &ActionPointUpdate { id: open.id, status: "done".into(), due_on: None, note: None, version: open.version },
        )
        .await
        .unwrap();
        assert_eq!(closed.closed_on, Some(today()));
        // A stale version is a conflict.
        let stale = plcs::update_action_point(
            db,
            &officer,
            &ActionPointUpdate { id: open.id, status: "open".into(), due_on: None, note: None, version: open.version },
        )
        .await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        let history = plcs::action_point_history(db, &officer, done.id).await.unwrap();
        assert_eq!(history.iter().map(|h| h.status.as_str()).collect::<Vec<_>>(), vec!["open", "done"]);
        assert_eq!(history[1].note.as_deref(), Some("Both observed"));
        assert!(plcs::carried_to(db, &officer, plc.id, today() + chrono::Duration::days(1)).await.unwrap().is_empty());
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity = 'plc_meeting'").await, 2);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE entity = 'plc_action_point'").await, 2);
    }
}

#[tokio::test]
async fn a_bad_meeting_names_each_field_and_writes_nothing() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        model(db).await;
        let plc = plcs::create_plc(db, &admin(), &sector_plc()).await.unwrap();
        let r = plcs::record_meeting(
            db,
            &admin(),
            plc.id,
            &MeetingInput {
                held_on: (today() + chrono::Duration::days(1)).to_string(),
                standards: vec![1, 99],
                attendance: vec![Registry::TEACHER_A, 9999],
                action_points: vec![
                    point("Fine", Some(Registry::TEACHER_A), today()),
                    point("Nobody's", None, today()),
                ],
                ..Default::default()
            },
        )
        .await;
        assert_eq!(
            problems(r),
            vec![
                ("held_on".to_string(), "in-the-future"),
                ("standards[1]".to_string(), "unknown-standard-id"),
                ("attendance[1]".to_string(), "unknown-person-id"),
                ("action_points[1].owner_id".to_string(), "owner-required"),
            ]
        );
        assert_eq!(count(db, "SELECT COUNT(*) FROM plc_meetings").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM plc_action_points").await, 0);
        assert_eq!(count(db, "SELECT COUNT(*) FROM plc_attendance").await, 0);
    }
}

#[tokio::test]
async fn plcs_are_set_up_and_read_within_scope() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        model(db).await;
        // Out of the officer's sector: a problem naming the unit, nothing written.
        let other = plcs::create_plc(db, &sector_officer(4), &sector_plc()).await;
        assert_eq!(problems(other), vec![("unit_code".to_string(), "out-of-scope")]);
        let bad = plcs::create_plc(
            db,
            &admin(),
            &PlcInput { level: "province".into(), school_code: None, unit_code: None, ..sector_plc() },
        )
        .await;
        assert_eq!(problems(bad), vec![("level".to_string(), "bad-choice")]);
        let school = plcs::create_plc(
            db,
            &admin(),
            &PlcInput { code: "PLC-S10".into(), level: "school".into(), unit_code: None, ..sector_plc() },
        )
        .await;
        assert_eq!(problems(school), vec![("school_code".to_string(), "required")]);
        let plc = plcs::create_plc(db, &sector_officer(3), &sector_plc()).await.unwrap();
        // Read by the sector, the district, and the PLC's own people; not by the next sector.
        assert!(plcs::plc(db, &district_officer(2), plc.id).await.is_ok());
        assert!(plcs::plc(db, &person(Registry::TEACHER_A), plc.id).await.is_ok());
        assert!(matches!(plcs::plc(db, &sector_officer(4), plc.id).await, Err(Error::NotFound)));
        assert_eq!(plcs::plcs(db, &sector_officer(4)).await.unwrap().len(), 0);
        assert_eq!(plcs::plcs(db, &person(Registry::TEACHER_B)).await.unwrap().len(), 1);
        // A member may read but not record meetings.
        let r = plcs::record_meeting(
            db,
            &person(Registry::TEACHER_A),
            plc.id,
            &MeetingInput { held_on: today().to_string(), ..Default::default() },
        )
        .await;
        assert!(matches!(r, Err(Error::Forbidden)), "{r:?}");
        let people = plcs::plc_people(db, &admin(), plc.id).await.unwrap();
        assert_eq!(people[0].role, "facilitator");
        assert_eq!(people.len(), 4);
    }
}

#[tokio::test]
async fn a_plc_is_edited_on_the_version_read_audited_field_by_field_and_bad_input_changes_nothing() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        model(db).await;
        let kim = sector_officer(3);
        let plc = plcs::create_plc(db, &kim, &sector_plc()).await.unwrap();
        assert_eq!(plc.version, 1);
        let now = plcs::plc_as_update(db, &kim, plc.id).await.unwrap();
        assert_eq!(now.facilitators, vec![Registry::OFFICER]);
        assert_eq!(now.members, vec![Registry::NATIONAL_LEADER, Registry::TEACHER_A, Registry::TEACHER_B]);
        assert_eq!((now.unit_code.as_deref(), now.model_code.as_deref()), (Some("KIM"), Some("VVOB")));
        // Renamed, a cluster PLC, without a model, Gasabo's advisor supporting, Bravo out and Charlie in.
        let edit = PlcUpdate {
            name: "Kimironko leaders".into(),
            level: "cluster".into(),
            model_code: None,
            meetings_per_term: 4,
            supporting_officers: vec![Registry::ADVISOR],
            members: vec![Registry::NATIONAL_LEADER, Registry::TEACHER_A, Registry::TEACHER_C],
            ..now.clone()
        };
        let edited = plcs::update_plc(db, &kim, plc.id, &edit).await.unwrap();
        assert_eq!(
            (edited.name.as_str(), edited.level.as_str(), edited.model_id, edited.meetings_per_term, edited.version),
            ("Kimironko leaders", "cluster", None, 4, 2)
        );
        let people: Vec<(i64, String)> =
            plcs::plc_people(db, &kim, plc.id).await.unwrap().into_iter().map(|p| (p.person_id, p.role)).collect();
        assert!(people.contains(&(Registry::ADVISOR, "supporting_officer".into())), "{people:?}");
        assert!(people.contains(&(Registry::TEACHER_C, "member".into())));
        assert!(!people.iter().any(|(id, _)| *id == Registry::TEACHER_B), "removed: {people:?}");

        // The version read before the edit: a conflict, nothing changed.
        let stale = plcs::update_plc(db, &kim, plc.id, &PlcUpdate { name: "Other".into(), ..edit.clone() }).await;
        assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
        // Bad input names each field; nothing changes.
        let bad = PlcUpdate {
            model_code: Some("NONE".into()),
            facilitators: vec![Registry::HEAD_TUMBA],
            members: vec![9999],
            version: 2,
            ..edit.clone()
        };
        assert_eq!(
            problems(plcs::update_plc(db, &kim, plc.id, &bad).await),
            vec![
                ("model_code".to_string(), "unknown-model"),
                ("facilitators[0]".to_string(), "not-here"),
                ("members[0]".to_string(), "unknown-person-id"),
            ]
        );
        // Moved to the next sector: out of the officer's scope, and their facilitator is not from there.
        let moved = PlcUpdate { unit_code: Some("REM".into()), version: 2, ..edit.clone() };
        assert_eq!(
            problems(plcs::update_plc(db, &kim, plc.id, &moved).await),
            vec![("unit_code".to_string(), "out-of-scope"), ("facilitators[0]".to_string(), "not-here")]
        );
        // The next sector's officer does not read it; the evaluator reads it but may not edit it.
        let r = plcs::update_plc(db, &sector_officer(4), plc.id, &PlcUpdate { version: 2, ..edit.clone() }).await;
        assert!(matches!(r, Err(Error::NotFound)), "{r:?}");
        let r = plcs::update_plc(db, &evaluator(), plc.id, &PlcUpdate { version: 2, ..edit.clone() }).await;
        assert!(matches!(r, Err(Error::Forbidden)), "{r:?}");
        let after = plcs::plc(db, &kim, plc.id).await.unwrap();
        assert_eq!((after.name.as_str(), after.version), ("Kimironko leaders", 2));
        assert_eq!(plcs::plc_people(db, &kim, plc.id).await.unwrap().len(), 5);
        // A facilitator at, in or over its place is taken at creation as at an edit.
        let elsewhere = plcs::create_plc(
            db,
            &admin(),
            &PlcInput { code: "PLC-2".into(), facilitators: vec![Registry::HEAD_TUMBA], ..sector_plc() },
        )
        .await;
        assert_eq!(problems(elsewhere), vec![("facilitators[0]".to_string(), "not-here")]);

        // The trail holds the edit field by field.
        let (before, after): (Option<String>, Option<String>) = opencpd_kernel::on_db!(db, |p| sqlx::query_as(
            "SELECT before_json, after_json FROM audit_events WHERE entity = 'plc' AND action = 'update'"
        )
        .fetch_one(p)
        .await)
        .unwrap();
        let changes = opencpd_kernel::audit::changes(before.as_deref(), after.as_deref());
        let mut fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        fields.sort();
        assert_eq!(fields, ["level", "meetings_per_term", "members", "model_code", "name", "supporting_officers"]);
        let members = changes.iter().find(|c| c.field == "members").unwrap();
        assert_eq!(members.before.as_deref(), Some("P Nll (101), P Alpha (104), P Bravo (105)"));
        assert_eq!(members.after.as_deref(), Some("P Nll (101), P Alpha (104), P Charlie (106)"));

        // Moved to Remera by the district: its lesson study moves with it.
        let study = LessonStudyInput {
            code: "LS-1".into(),
            plc_code: "PLC-KIM".into(),
            grade: "P4".into(),
            topic: "Fractions".into(),
            ..Default::default()
        };
        opencpd_peer::store::lesson::create_lesson_study(db, &kim, &study).await.unwrap();
        let gasabo = district_officer(2);
        let moved = PlcUpdate { unit_code: Some("REM".into()), facilitators: vec![], version: 2, ..edit.clone() };
        assert_eq!(plcs::update_plc(db, &gasabo, plc.id, &moved).await.unwrap().unit_path, "/1/9/2/4/");
        let page = opencpd_kernel::paging::Page::first();
        let listed = |a: opencpd_kernel::Actor| {
            let page = page.clone();
            async move { opencpd_peer::store::lesson::lesson_list(db, &a, &page).await.unwrap().total }
        };
        assert_eq!((listed(sector_officer(4)).await, listed(sector_officer(3)).await), (1, 0));
    }
}
