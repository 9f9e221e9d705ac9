//! Each role's home page shows what that role works with: a teacher their own CPD against
//! their role's threshold and their next sessions, a school leader the school's staff and
//! their CPD, an officer the units in scope. Nobody sees "0 schools" counts that are not
//! theirs to count.

use opencpd_delivery::store::attendance::{self, SessionInput};
use opencpd_domain::AccountRole;
use opencpd_kernel::Actor;
use opencpd_kernel::accounts::{self, GrantSpec, NewUser};
use opencpd_testapp::{PASSWORD, TestApp, backends};

#[tokio::test]
async fn each_role_home_shows_what_that_role_works_with() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
        // A participant still enrolled, and a session of their cohort next week.
        let enrolment = app
            .text(
                "SELECT p.staff_number || ' ' || CAST(e.cohort_id AS TEXT) FROM enrolments e \
                 JOIN people p ON p.id = e.person_id \
                 WHERE e.withdrawn_on IS NULL AND p.staff_number IS NOT NULL ORDER BY e.id LIMIT 1",
            )
            .await;
        let (staff_number, cohort_id) = enrolment.split_once(' ').expect("a staff number and a cohort");
        let next_week = (opencpd_kernel::today() + chrono::Duration::days(7)).to_string();
        // The demo's cohorts have ended: this one runs on into next month.
        let until = opencpd_kernel::today() + chrono::Duration::days(40);
        let cohort: i64 = cohort_id.parse().unwrap();
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE cohorts SET end_date = $1 WHERE id = $2")
            .bind(until)
            .bind(cohort)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .expect("extend the cohort");
        let input = SessionInput {
            held_on: next_week.clone(),
            title: "Questioning in reading lessons".into(),
            modality: None,
            venue: Some("Gitega sector office".into()),
            hours: 3.0,
        };
        attendance::create_session(&app.db.db, &Actor::system(), cohort, &input).await.expect("a session");
        let teacher = NewUser {
            username: "teacher.home".into(),
            password: PASSWORD.into(),
            display_name: "Teacher at home".into(),
            language: "en".into(),
            grants: vec![GrantSpec { role: AccountRole::Teacher, scope_code: Some(staff_number.to_string()) }],
        };
        accounts::create_user(&app.db.db, &Actor::system(), &teacher).await.expect("a teacher's account");

        let page = home(&app, "teacher.home").await;
        assert!(page.contains("My CPD in"), "{backend:?}: a teacher's own CPD");
        assert!(page.contains("id=\"my-hours\""), "{backend:?}");
        assert!(
            page.contains("Questioning in reading lessons") && page.contains(&next_week),
            "{backend:?}: next session"
        );
        assert!(page.contains("Gitega sector office"), "{backend:?}");
        assert!(!page.contains("id=\"count-schools\""), "{backend:?}: no counts of schools for a teacher");

        let page = home(&app, "head.gitega").await;
        assert!(page.contains("Staff and their CPD in"), "{backend:?}: a school leader's staff");
        assert!(page.contains("below the threshold of their role"), "{backend:?}");
        assert!(
            page.matches("<tr><td data-label=\"Name\"><a href=\"/people/").count() > 3,
            "{backend:?}: the staff listed"
        );
        assert!(!page.contains("id=\"count-schools\""), "{backend:?}: no counts of units for a school leader");

        let page = home(&app, "seo.gitega").await;
        assert!(page.contains("id=\"count-schools\""), "{backend:?}: an officer's counts");
        assert!(!page.contains("Staff and their CPD in") && !page.contains("My CPD in"), "{backend:?}");
    }
}

async fn home(app: &TestApp, username: &str) -> String {
    let r = app.browser(username).await.get(app.url("/")).send().await.expect("home");
    assert_eq!(r.status(), 200);
    r.text().await.expect("text")
}

/// The demo's teacher and head teacher with something to show: the teacher enrolled in a
/// cohort that runs on (so the field app's package offers its instruments about it), a
/// coaching visit to the head teacher's school today with the next one planned. Answers
/// (the cohort's id, the next visit's date).
pub async fn teacher_and_head_at_work(app: &TestApp) -> (i64, chrono::NaiveDate) {
    use opencpd_peer::model::{RelationInput, VisitInput};
    let db = &app.db.db;
    opencpd_demo::delivery::build(db, 7).await.expect("delivery demo");
    opencpd_demo::peer::build(db, 7, false, &|_, _| {}).await.expect("peer demo");
    opencpd_demo::plans::build(db).await.expect("plans demo");
    let course = app.text("SELECT code FROM courses WHERE id = (SELECT MIN(id) FROM courses)").await;
    let admin = app.api("admin").await;
    let body = opencpd_testapp::delivery::cohort("HOME-1", &course, "RW-10101", 30);
    let created: serde_json::Value =
        admin.post("/api/v1/cohorts").json(&body).send().await.unwrap().json().await.unwrap();
    let cohort = created["id"].as_i64().unwrap_or_else(|| panic!("{created}"));
    let teacher = app.scalar("SELECT person_id FROM users WHERE username = 'teacher'").await;
    let enrol = opencpd_delivery::store::cohorts::EnrolInput { person_id: Some(teacher), staff_number: None };
    opencpd_delivery::store::cohorts::enrol(db, &Actor::system(), cohort, &enrol).await.expect("enrolled");
    // A coach from elsewhere visits someone on the head teacher's staff.
    let school = app
        .scalar("SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'head.gitega'")
        .await;
    let coachee = app
        .id_of(
            "SELECT MIN(person_id) FROM positions WHERE end_date IS NULL AND school_id = CAST($1 AS BIGINT)",
            &school.to_string(),
        )
        .await;
    let coach = app
        .id_of(
            "SELECT MAX(person_id) FROM positions WHERE end_date IS NULL AND school_id <> CAST($1 AS BIGINT)",
            &school.to_string(),
        )
        .await;
    let today = opencpd_kernel::today();
    let next = today + chrono::Duration::days(12);
    let relation = RelationInput {
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        start_on: (today - chrono::Duration::days(30)).to_string(),
    };
    opencpd_peer::store::coaching::create_relation(db, &Actor::system(), &relation).await.expect("a coaching relation");
    let visit = VisitInput {
        uuid: "0b9f6c52-7a51-4d51-9f3e-1d2c3b4a5f60".into(),
        programme_code: "BLF".into(),
        coach_id: coach,
        coachee_id: coachee,
        visited_on: today.to_string(),
        agreed_actions: Some("Use exit tickets in every mathematics lesson".into()),
        next_visit_on: Some(next.to_string()),
        ..Default::default()
    };
    opencpd_peer::store::coaching::record_visit(db, &Actor::system(), &visit, "en").await.expect("a visit");
    (cohort, next)
}

/// A teacher's home lists the surveys the field app offers them about the cohorts they
/// take part in, each linked to its form in the app; a head teacher's home shows the
/// school's improvement plan with its state and the coaching visits to the school this
/// term with the next one planned. Each sees only their own: no plan or visits for the
/// teacher, no surveys for the head teacher.
#[tokio::test]
async fn a_teacher_sees_surveys_to_answer_and_a_head_teacher_the_plan_and_the_visits() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        let (cohort, next) = teacher_and_head_at_work(&app).await;
        let observation = app.scalar("SELECT MIN(id) FROM instruments WHERE retired = FALSE").await;

        let page = home(&app, "teacher").await;
        assert!(page.contains("Surveys to answer"), "{backend:?}");
        let link = format!("href=\"/field/#instrument={observation}&subject=cohort:{cohort}\"");
        assert!(page.contains(&link), "{backend:?}: {link} in {page}");
        assert!(page.contains("Cohort HOME-1"), "{backend:?}: the cohort it is about");
        assert!(!page.contains("Improvement plan") && !page.contains("Coaching visits"), "{backend:?}");

        let page = home(&app, "head.gitega").await;
        assert!(page.contains("Improvement plan"), "{backend:?}");
        let school = app
            .scalar(
                "SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'head.gitega'",
            )
            .await;
        assert!(
            page.contains(&format!("<a href=\"/data/schools/{school}/plans/")),
            "{backend:?}: the plan linked: {page}"
        );
        assert!(
            page.contains("<span class=\"plan-state\">Approved</span>"),
            "{backend:?}: the demo's plan is approved"
        );
        assert!(page.contains("Coaching visits this term ("), "{backend:?}: {page}");
        // The next visit planned is the earliest any visit agreed: this one's, or sooner.
        let planned = page.split("Next visit planned: ").nth(1).expect("a next visit").get(..10).unwrap().to_string();
        assert!(planned <= next.to_string(), "{backend:?}: {planned}");
        let today = opencpd_kernel::today();
        assert!(
            page.contains(&format!("<td data-label=\"Date\">{today}</td><td data-label=\"Visited\">")),
            "{backend:?}: today's visit listed: {page}"
        );
        assert!(!page.contains("Surveys to answer"), "{backend:?}");

        // In French, the same blocks in French.
        let browser = app.browser("head.gitega").await;
        browser.get(app.url("/lang/fr?next=/")).send().await.unwrap();
        let page = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Plan d&#x27;amélioration") || page.contains("Plan d'amélioration"), "{page}");
        assert!(page.contains("<span class=\"plan-state\">Approuvé</span>"), "{backend:?}");
        assert!(page.contains("Prochaine visite prévue"), "{backend:?}");
    }
}
