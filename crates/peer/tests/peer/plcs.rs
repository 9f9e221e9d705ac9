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
        .unwrap();
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
        .unwrap();
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
