//! What the pages read: the paged list of PLCs (scope, search, sort, bad parameters named),
//! a coach's relations, and the pages themselves through the app (in scope, out of scope,
//! the charts of the reports).

use crate::helpers::*;
use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_kernel::paging::Page;
use opencpd_peer::model::*;
use opencpd_peer::store::{coaching, plcs};
use opencpd_peer::web::AREA;
use opencpd_testkit::api::{Api, token};
use opencpd_testkit::backends;

fn plc(code: &str, name: &str, unit: &str, members: Vec<i64>) -> PlcInput {
    PlcInput {
        code: code.into(),
        name: name.into(),
        level: "sector".into(),
        unit_code: Some(unit.into()),
        meetings_per_term: 2,
        // The sector officer leads Kimironko's PLC, not another sector's.
        facilitators: if unit == "KIM" { vec![Registry::OFFICER] } else { vec![] },
        members,
        ..Default::default()
    }
}

async fn two_plcs_and_a_cascade(db: &opencpd_kernel::Db) -> (PlcLine, PlcLine) {
    add_term(db).await;
    let kim =
        plcs::create_plc(db, &admin(), &plc("P-KIM", "Kimironko PLC", "KIM", vec![Registry::TEACHER_A])).await.unwrap();
    plcs::create_plc(db, &admin(), &plc("P-TUM", "Tumba PLC", "TUM", vec![Registry::HEAD_TUMBA])).await.unwrap();
    let input = MeetingInput {
        held_on: days_ago(3).to_string(),
        attendance: vec![Registry::TEACHER_A],
        action_points: vec![ActionPointInput {
            title: "Observe a lesson".into(),
            owner_id: Some(Registry::TEACHER_A),
            due_on: days_ago(1).to_string(),
        }],
        ..Default::default()
    };
    plcs::record_meeting(db, &admin(), kim.id, &input).await.unwrap();
    for (coach, coachee) in
        [(Registry::ADVISOR, Registry::NATIONAL_LEADER), (Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER)]
    {
        coaching::create_relation(
            db,
            &admin(),
            &RelationInput {
                programme_code: "BLF".into(),
                coach_id: coach,
                coachee_id: coachee,
                start_on: days_ago(100).to_string(),
            },
        )
        .await
        .unwrap();
    }
    let list = plcs::plc_list(db, &admin(), &Page::first()).await.unwrap();
    (list.items[0].clone(), list.items[1].clone())
}

#[tokio::test]
async fn the_list_of_plcs_is_scoped_searched_sorted_and_paged() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let (kim, tum) = two_plcs_and_a_cascade(db).await;
        assert_eq!((kim.code.as_str(), tum.code.as_str()), ("P-KIM", "P-TUM"));
        assert_eq!((kim.meetings, kim.open_points, kim.last_meeting), (1, 1, Some(days_ago(3))));
        assert_eq!((tum.meetings, tum.open_points, tum.last_meeting), (0, 0, None));
        // Gasabo's officer reads Kimironko's PLC only; the teacher of Tumba reads theirs as a member.
        let gasabo = plcs::plc_list(db, &district_officer(2), &Page::first()).await.unwrap();
        assert_eq!(gasabo.items.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(), vec!["P-KIM"]);
        assert_eq!(gasabo.total, 1);
        let member = plcs::plc_list(db, &person(Registry::HEAD_TUMBA), &Page::first()).await.unwrap();
        assert_eq!(member.items.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(), vec!["P-TUM"]);
        // Search by name, case aside; sort by the last meeting, newest first; a page of one.
        let found = plcs::plc_list(db, &admin(), &Page { q: Some("tumba".into()), ..Page::first() }).await.unwrap();
        assert_eq!((found.total, found.items[0].code.as_str()), (1, "P-TUM"));
        let sorted =
            Page { sort: Some("last_meeting".into()), dir: Some("desc".into()), per_page: Some(1), ..Page::first() };
        let first = plcs::plc_list(db, &admin(), &sorted).await.unwrap();
        assert_eq!((first.total, first.items.len(), first.has_next()), (2, 1, true));
        let second = plcs::plc_list(db, &admin(), &Page { page: Some(2), ..sorted }).await.unwrap();
        assert_ne!(first.items[0].code, second.items[0].code);
        // A sort that is not offered is named.
        let bad = plcs::plc_list(db, &admin(), &Page { sort: Some("g.id; DROP".into()), ..Page::first() }).await;
        assert_eq!(problems(bad), vec![("sort".to_string(), "bad-choice")]);
    }
}

#[tokio::test]
async fn a_coach_reads_their_relations_and_others_only_within_scope() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        two_plcs_and_a_cascade(db).await;
        let own =
            coaching::coach_relations(db, &person(Registry::NATIONAL_LEADER), Registry::NATIONAL_LEADER).await.unwrap();
        assert_eq!(own.len(), 1);
        assert_eq!((own[0].0.coachee_id, own[0].1.as_str()), (Registry::LOCAL_LEADER, "BLF"));
        // Huye's officer does not read a coach of Gasabo: not found.
        let huye = coaching::coach_relations(db, &district_officer(5), Registry::NATIONAL_LEADER).await;
        assert!(matches!(huye, Err(opencpd_kernel::Error::NotFound)), "{huye:?}");
        assert_eq!(
            coaching::coaching_programmes(db).await.unwrap(),
            vec![("BLF".to_string(), "Building Learning Foundations".to_string())]
        );
    }
}

#[tokio::test]
async fn the_pages_answer_in_scope_and_not_out_of_it() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let (kim, _) = two_plcs_and_a_cascade(db).await;
        let api = Api::new(db, &[&AREA]);
        let admin = token(db, "admin", AccountRole::SystemAdmin, None).await;
        let huye = token(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let (s, html) = api.text(&admin, "GET", "/plcs?q=kim", None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Kimironko PLC") && !html.contains("Tumba PLC"), "{html}");
        let (s, html) = api.text(&admin, "GET", &format!("/plcs/{}", kim.id), None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Observe a lesson"), "the open point is on the PLC's page");
        let (s, html) = api.text(&admin, "GET", &format!("/plcs/{}/meetings/new", kim.id), None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Observe a lesson"), "the open point is carried to the next meeting's form");
        let (s, _) = api.text(&huye, "GET", &format!("/plcs/{}", kim.id), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = api.text(&huye, "GET", &format!("/plcs/{}/meetings/new", kim.id), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, html) = api.text(&admin, "GET", &format!("/coaches/{}", Registry::NATIONAL_LEADER), None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Lll") && html.contains("visit-form"), "{html}");
        let (s, _) = api.text(&huye, "GET", &format!("/coaches/{}", Registry::NATIONAL_LEADER), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, html) = api.text(&admin, "GET", "/peer/cascade?programme=BLF", None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Nll") && html.contains("<svg"), "{html}");
        let (s, html) = api.text(&admin, "GET", "/peer/reports?level=sector", None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert_eq!(html.matches("<svg").count(), 4, "a chart for each report");
        // A level that does not exist is named.
        let (s, html) = api.text(&admin, "GET", "/peer/reports?level=galaxy", None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("galaxy"), "{html}");
        let (s, _) = api.text(&admin, "GET", "/plcs?sort=nope", None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
