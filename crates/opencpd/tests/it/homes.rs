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
