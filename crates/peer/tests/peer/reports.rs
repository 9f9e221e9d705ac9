//! Coverage, regularity, action points and leaders of learning, scoped and suppressed.

use crate::helpers::*;
use opencpd_kernel::Db;
use opencpd_peer::model::*;
use opencpd_peer::store::reports::{self, Grouping};
use opencpd_peer::store::{coaching, plcs};
use opencpd_testkit::backends;

fn relation(coach: i64, coachee: i64) -> RelationInput {
    RelationInput {
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        start_on: days_ago(100).to_string(),
    }
}

async fn visit(db: &Db, coach: i64, coachee: i64, ago: i64) {
    let input = VisitInput {
        uuid: uuid::Uuid::new_v4().to_string(),
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        visited_on: days_ago(ago).to_string(),
        ..Default::default()
    };
    coaching::record_visit(db, &admin(), &input, "en").await.unwrap();
}

/// Advisor › national leader › local leader › head teacher of Tumba; the advisor also
/// coaches the head teacher of Tumba. Visits this term: national leader twice, head teacher
/// of Tumba once; the local leader only before the term.
async fn coached(db: &Db) -> Term {
    let term = add_term(db).await;
    for (coach, coachee) in [
        (Registry::ADVISOR, Registry::NATIONAL_LEADER),
        (Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER),
        (Registry::LOCAL_LEADER, Registry::HEAD_TUMBA),
        (Registry::ADVISOR, Registry::HEAD_TUMBA),
    ] {
        coaching::create_relation(db, &admin(), &relation(coach, coachee)).await.unwrap();
    }
    visit(db, Registry::ADVISOR, Registry::NATIONAL_LEADER, 30).await;
    visit(db, Registry::ADVISOR, Registry::NATIONAL_LEADER, 2).await;
    visit(db, Registry::LOCAL_LEADER, Registry::HEAD_TUMBA, 10).await;
    visit(db, Registry::NATIONAL_LEADER, Registry::LOCAL_LEADER, 90).await;
    term
}

#[tokio::test]
async fn the_cascade_is_a_tree_with_coverage_at_each_level() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let term = coached(db).await;
        let c = reports::cascade(db, &national(), "BLF", &term, None).await.unwrap();
        assert_eq!(c.roots.len(), 1);
        let advisor = &c.roots[0];
        assert_eq!(
            (advisor.person_id, advisor.coachees, advisor.visited, advisor.visits, advisor.repeat),
            (Registry::ADVISOR, 2, 1, 2, 1)
        );
        assert_eq!(advisor.share, Some(50.0));
        let names: Vec<&str> = advisor.children.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["P Nll", "P Tumba"]);
        let nll = &advisor.children[0];
        assert_eq!((nll.coachees, nll.visited), (1, 0), "the local leader was visited before the term");
        assert_eq!(nll.children[0].children[0].person_id, Registry::HEAD_TUMBA);
        // Levels: depth 1 = national leader and Tumba (both visited), depth 2 = local leader.
        let levels: Vec<(i64, Option<i64>, Option<i64>)> =
            c.levels.iter().map(|l| (l.depth, l.coachees.value, l.visited.value)).collect();
        assert_eq!(levels, vec![(1, Some(2), Some(2)), (2, Some(1), Some(0))]);
        assert_eq!(c.levels[0].visits_per_coachee, Some(1.5));
        // Without row-level rights the level counts are suppressed.
        let e = reports::cascade(db, &evaluator(), "BLF", &term, None).await.unwrap();
        assert!(e.shown.suppressed);
        assert_eq!(e.levels[0].coachees.text, "<5");
        assert_eq!(e.levels[0].share, None);
        // Within Huye only the relations of Tumba's head teacher are read.
        let huye = reports::cascade(db, &national(), "BLF", &term, Some("HUY")).await.unwrap();
        let roots: Vec<i64> = huye.roots.iter().map(|n| n.person_id).collect();
        assert_eq!(roots, vec![Registry::ADVISOR, Registry::LOCAL_LEADER]);
    }
}

#[tokio::test]
async fn head_teachers_visited_and_leaders_of_learning_by_sector_and_district() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let term = coached(db).await;
        let g = Grouping { term: &term, level: "district", within: None };
        let r = reports::head_teachers_visited(db, &national(), &g).await.unwrap();
        let rows: Vec<String> = r
            .rows
            .iter()
            .map(|r| format!("{} {:?} {:?} {:?}", r.unit_name, r.head_teachers.value, r.visited.value, r.share))
            .collect();
        assert_eq!(rows, vec!["Gasabo Some(2) Some(1) Some(50.0)", "Huye Some(1) Some(1) Some(100.0)"]);
        assert_eq!((r.total.head_teachers.value, r.total.visited.value), (Some(3), Some(2)));
        let by_sector =
            reports::head_teachers_visited(db, &national(), &Grouping { level: "sector", ..g.clone() }).await.unwrap();
        let rows: Vec<(&str, Option<i64>)> =
            by_sector.rows.iter().map(|r| (r.unit_name.as_str(), r.visited.value)).collect();
        assert_eq!(rows, vec![("Kimironko", Some(1)), ("Remera", Some(0)), ("Tumba", Some(1))]);
        // A sector officer reads their sector only.
        let mine = reports::head_teachers_visited(db, &sector_officer(3), &Grouping { level: "sector", ..g.clone() })
            .await
            .unwrap();
        assert_eq!(mine.rows.len(), 1);
        assert_eq!(mine.rows[0].unit_name, "Kimironko");
        // Suppressed without row-level rights: small counts hidden, and no share from them.
        let hidden = reports::head_teachers_visited(db, &evaluator(), &g).await.unwrap();
        assert_eq!(hidden.rows[0].head_teachers.text, "<5");
        assert_eq!(hidden.rows[0].head_teachers.value, None);
        assert_eq!(hidden.rows[0].share, None);
        let bad = reports::head_teachers_visited(db, &national(), &Grouping { level: "village", ..g.clone() }).await;
        assert_eq!(problems(bad), vec![("level".to_string(), "bad-choice")]);
        // Two of the three head teachers are leaders of learning.
        let l = reports::leaders_of_learning(db, &national(), &g).await.unwrap();
        assert_eq!((l.total.head_teachers.value, l.total.leaders.value, l.total.share), (Some(3), Some(2), Some(66.7)));
        assert_eq!(l.rows[0].leaders.value, Some(2));
    }
}

#[tokio::test]
async fn plc_regularity_attendance_and_action_points_on_time_by_sector() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let term = add_term(db).await;
        let plc = plcs::create_plc(
            db,
            &admin(),
            &PlcInput {
                code: "PLC-KIM".into(),
                name: "Kimironko".into(),
                level: "sector".into(),
                unit_code: Some("KIM".into()),
                meetings_per_term: 4,
                facilitators: vec![Registry::OFFICER],
                members: vec![Registry::TEACHER_A, Registry::TEACHER_B, Registry::TEACHER_C],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let meeting = |ago: i64, present: Vec<i64>, points: Vec<ActionPointInput>| MeetingInput {
            held_on: days_ago(ago).to_string(),
            attendance: present,
            action_points: points,
            ..Default::default()
        };
        let point = |due: i64| ActionPointInput {
            title: "Observe".into(),
            owner_id: Some(Registry::TEACHER_A),
            due_on: days_ago(due).to_string(),
        };
        plcs::record_meeting(
            db,
            &admin(),
            plc.id,
            &meeting(
                40,
                vec![Registry::OFFICER, Registry::TEACHER_A, Registry::TEACHER_B, Registry::HEAD_TUMBA],
                vec![point(20), point(10), point(5)],
            ),
        )
        .await
        .unwrap();
        let carried = plcs::carried_to(db, &admin(), plc.id, days_ago(8)).await.unwrap();
        plcs::record_meeting(
            db,
            &admin(),
            plc.id,
            &MeetingInput {
                updates: vec![ActionPointUpdate {
                    id: carried[1].id,
                    status: "done".into(),
                    due_on: None,
                    note: None,
                    version: carried[1].version,
                }],
                ..meeting(8, vec![Registry::OFFICER, Registry::TEACHER_C], vec![])
            },
        )
        .await
        .unwrap();
        let g = Grouping { term: &term, level: "sector", within: None };
        let r = reports::plc_regularity(db, &national(), &g).await.unwrap();
        assert_eq!(r.rows.len(), 1);
        let row = &r.rows[0];
        // 4 a term of 121 days, 61 of them gone: 3 planned (rounded up), 2 held.
        assert_eq!((row.plcs, row.planned, row.held), (1, 3, 2));
        assert_eq!(row.regularity, Some(66.7));
        // 4 people × 2 meetings; 3 + 2 present; one guest.
        assert_eq!((row.expected.value, row.present.value, row.guests.value), (Some(8), Some(5), Some(1)));
        assert_eq!(row.attendance, Some(62.5));
        let hidden = reports::plc_regularity(db, &evaluator(), &g).await.unwrap();
        assert_eq!(hidden.rows[0].guests.text, "<5");
        assert_eq!(hidden.rows[0].attendance, Some(62.5), "made of counts that are shown");
        assert_eq!(hidden.rows[0].held, 2, "meetings are not people: shown");
        // Points due by today: the one due 10 days ago was closed 8 days ago (late), the
        // others are overdue.
        let a = reports::action_points(db, &national(), &g).await.unwrap();
        let row = &a.rows[0];
        assert_eq!(
            (row.due.value, row.on_time.value, row.late.value, row.overdue.value),
            (Some(3), Some(0), Some(1), Some(2))
        );
        // Out of scope: nothing.
        let other = reports::plc_regularity(db, &sector_officer(6), &g).await.unwrap();
        assert!(other.rows.is_empty());
    }
}

/// The grouped reports are kept between reads (twenty managers opening the national report
/// compute it once), but a meeting or a visit recorded since is counted at the next read.
#[tokio::test]
async fn a_report_kept_between_reads_counts_a_meeting_or_a_visit_recorded_since_at_once() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let term = add_term(db).await;
        let input = PlcInput {
            code: "PLC-KIM".into(),
            name: "Kimironko".into(),
            level: "sector".into(),
            unit_code: Some("KIM".into()),
            meetings_per_term: 4,
            facilitators: vec![Registry::OFFICER],
            members: vec![Registry::TEACHER_A, Registry::TEACHER_B],
            ..Default::default()
        };
        let plc = plcs::create_plc(db, &admin(), &input).await.unwrap();
        let g = Grouping { term: &term, level: "sector", within: None };
        let held = |r: PlcRegularity| r.rows.iter().map(|row| row.held).sum::<i64>();
        assert_eq!(held(reports::plc_regularity(db, &national(), &g).await.unwrap()), 0, "{backend:?}");
        let meeting = |ago: i64| MeetingInput {
            held_on: days_ago(ago).to_string(),
            attendance: vec![Registry::OFFICER, Registry::TEACHER_A],
            ..Default::default()
        };
        plcs::record_meeting(db, &admin(), plc.id, &meeting(20)).await.unwrap();
        assert_eq!(held(reports::plc_regularity(db, &national(), &g).await.unwrap()), 1, "{backend:?}: at once");

        // Kept: a row taken away behind OpenCPD's back (no write of its own) is not seen…
        opencpd_kernel::on_db!(db, |p| sqlx::query("DELETE FROM plc_attendance")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        opencpd_kernel::on_db!(db, |p| sqlx::query("DELETE FROM plc_meetings")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        assert_eq!(held(reports::plc_regularity(db, &national(), &g).await.unwrap()), 1, "{backend:?}: kept");
        // …until the next write: computed afresh, the two meetings recorded since.
        plcs::record_meeting(db, &admin(), plc.id, &meeting(10)).await.unwrap();
        plcs::record_meeting(db, &admin(), plc.id, &meeting(5)).await.unwrap();
        assert_eq!(held(reports::plc_regularity(db, &national(), &g).await.unwrap()), 2, "{backend:?}: afresh");

        // A visit to a head teacher likewise.
        let visited = |r: HeadTeachersVisited| r.total.visited.value;
        let before = visited(reports::head_teachers_visited(db, &national(), &g).await.unwrap());
        coaching::create_relation(db, &admin(), &relation(Registry::LOCAL_LEADER, Registry::HEAD_TUMBA)).await.unwrap();
        visit(db, Registry::LOCAL_LEADER, Registry::HEAD_TUMBA, 3).await;
        let after = visited(reports::head_teachers_visited(db, &national(), &g).await.unwrap());
        assert_eq!((before, after), (Some(0), Some(1)), "{backend:?}");
    }
}
