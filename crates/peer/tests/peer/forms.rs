//! The forms of the pages, posted as a browser posts them (a session's cookie and CSRF
//! token): a new PLC with its people found by name, an action point changed between
//! meetings, a coaching relation, feedback bands. Each refusal names its field and stores
//! nothing; each form answers only within the poster's scope.

use crate::helpers::*;
use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_kernel::{Db, on_db};
use opencpd_peer::model::*;
use opencpd_peer::store::plcs;
use opencpd_peer::web::AREA;
use opencpd_testkit::api::{Api, Session, session, token};
use opencpd_testkit::backends;

async fn as_role(db: &Db, name: &str, role: AccountRole, scope: Option<&str>) -> Session {
    session(db, &token(db, name, role, scope).await).await
}

async fn post(api: &Api, s: &Session, uri: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
    api.page(s, "POST", uri, Some(form)).await
}

async fn post_all(
    api: &Api,
    s: &Session,
    uri: &str,
    form: &[(String, String)],
) -> (StatusCode, String, Option<String>) {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(api, s, uri, &pairs).await
}

async fn get(api: &Api, s: &Session, uri: &str) -> (StatusCode, String) {
    let (status, html, _) = api.page(s, "GET", uri, None).await;
    (status, html)
}

#[tokio::test]
async fn a_plc_is_created_from_its_form_with_people_found_by_name_within_the_officers_sector() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let kim = as_role(db, "kim", AccountRole::SectorOfficer, Some("KIM")).await;
        let (s, html) = get(&api, &kim, "/plcs/new").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        // The places are picked from the API's lists (scoped there), not listed in the page.
        assert!(html.contains(r#"name="school_code" list="schools" data-source="/api/v1/schools""#), "{html}");
        assert!(html.contains(r#"name="unit_code" list="units" data-source="/api/v1/units""#), "{html}");
        assert!(!html.contains("S10") && !html.contains("S12") && !html.contains(r#"value="TUM""#), "{html}");
        // Finding people by name: those of the sector only.
        let (s, html, _) = post(&api, &kim, "/plcs/new", &[("do", "find"), ("q", "alph"), ("code", "P-NEW")]).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains(&format!("name=\"role_{}\"", Registry::TEACHER_A)), "{html}");
        assert!(html.contains(r#"value="P-NEW""#), "what was written is kept");
        let (_, html, _) = post(&api, &kim, "/plcs/new", &[("do", "find"), ("q", "tumba")]).await;
        assert!(html.contains("none-found"), "Tumba's head teacher is out of the sector: {html}");
        // The one chosen stays while another is found.
        let (_, html, _) = post(
            &api,
            &kim,
            "/plcs/new",
            &[("do", "find"), ("q", "officer"), ("person", "104"), ("role_104", "member")],
        )
        .await;
        assert!(html.contains(r#"<option value="member" selected>"#), "{html}");
        assert!(html.contains("name=\"role_107\""), "{html}");

        // Refusals name their fields and store nothing.
        let (s, html, _) = post(
            &api,
            &kim,
            "/plcs/new",
            &[
                ("do", "save"),
                ("code", ""),
                ("name", "EP Kimironko PLC"),
                ("level", "school"),
                ("school_code", "S12"),
                ("meetings_per_term", "two"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("error-meetings_per_term"), "{html}");
        let (s, html, _) = post(
            &api,
            &kim,
            "/plcs/new",
            &[
                ("do", "save"),
                ("code", "P-S10"),
                ("name", "EP Kimironko PLC"),
                ("level", "school"),
                ("school_code", "S12"),
                ("meetings_per_term", "2"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-school_code\"") && html.contains("S12"), "{html}");
        let (s, html, _) = post(
            &api,
            &kim,
            "/plcs/new",
            &[
                ("do", "save"),
                ("code", "P-S10"),
                ("name", "EP Kimironko PLC"),
                ("level", "sector"),
                ("meetings_per_term", "2"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-unit_code\""), "a sector PLC needs its unit: {html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM plcs").await, 0);

        // Saved: a school PLC with a facilitator and a member; the person left without a role is not added.
        let (s, html, to) = post(
            &api,
            &kim,
            "/plcs/new",
            &[
                ("do", "save"),
                ("code", "P-S10"),
                ("name", "EP Kimironko PLC"),
                ("level", "school"),
                ("school_code", "S10"),
                ("programme_code", "BLF"),
                ("meetings_per_term", "2"),
                ("person", "107"),
                ("role_107", "facilitator"),
                ("person", "104"),
                ("role_104", "member"),
                ("person", "105"),
                ("role_105", ""),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
        let id: i64 =
            on_db!(db, |p| sqlx::query_scalar("SELECT id FROM plcs WHERE code = 'P-S10'").fetch_one(p).await).unwrap();
        assert_eq!(to.as_deref(), Some(format!("/plcs/{id}").as_str()));
        let people = plcs::plc_people(db, &admin(), id).await.unwrap();
        let roles: Vec<(i64, &str)> = people.iter().map(|p| (p.person_id, p.role.as_str())).collect();
        assert_eq!(roles, vec![(Registry::OFFICER, "facilitator"), (Registry::TEACHER_A, "member")]);
        // The same code again is refused, naming it.
        let (s, html, _) = post(
            &api,
            &kim,
            "/plcs/new",
            &[
                ("do", "save"),
                ("code", "P-S10"),
                ("name", "Again"),
                ("level", "sector"),
                ("unit_code", "KIM"),
                ("meetings_per_term", "2"),
            ],
        )
        .await;
        assert!(s.is_client_error() && html.contains("P-S10") && html.contains("id=\"problems\""), "{s} {html}");

        // A head teacher and a teacher may not set PLCs up.
        let head = as_role(db, "head", AccountRole::SchoolLeader, Some("S10")).await;
        assert_eq!(get(&api, &head, "/plcs/new").await.0, StatusCode::FORBIDDEN);
        on_db!(db, |p| sqlx::query("UPDATE people SET staff_number = 'T104' WHERE id = 104")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let teacher = as_role(db, "teacher", AccountRole::Teacher, Some("T104")).await;
        assert_eq!(get(&api, &teacher, "/plcs/new").await.0, StatusCode::FORBIDDEN);
        let (s, _, _) = post(&api, &teacher, "/plcs/new", &[("do", "save"), ("code", "P-T")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The teacher, a member, reads the PLC's page; Tumba's officer does not.
        assert_eq!(get(&api, &teacher, &format!("/plcs/{id}")).await.0, StatusCode::OK);
        let tum = as_role(db, "tum", AccountRole::SectorOfficer, Some("TUM")).await;
        assert_eq!(get(&api, &tum, &format!("/plcs/{id}")).await.0, StatusCode::NOT_FOUND);
        // A form without the session's token is refused.
        let forged = Session { secret: kim.secret.clone(), csrf: "forged".into() };
        let (s, _, _) = post(&api, &forged, "/plcs/new", &[("do", "find"), ("q", "a")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

async fn plc_with_a_point(db: &Db) -> (i64, ActionPoint) {
    add_term(db).await;
    let input = PlcInput {
        code: "P-KIM".into(),
        name: "Kimironko PLC".into(),
        level: "sector".into(),
        unit_code: Some("KIM".into()),
        meetings_per_term: 2,
        facilitators: vec![Registry::OFFICER],
        members: vec![Registry::TEACHER_A],
        ..Default::default()
    };
    let plc = plcs::create_plc(db, &admin(), &input).await.unwrap();
    let meeting = MeetingInput {
        held_on: days_ago(3).to_string(),
        attendance: vec![Registry::TEACHER_A],
        action_points: vec![ActionPointInput {
            title: "Observe a lesson".into(),
            owner_id: Some(Registry::TEACHER_A),
            due_on: days_ago(1).to_string(),
        }],
        ..Default::default()
    };
    let (m, _) = plcs::record_meeting(db, &admin(), plc.id, &meeting).await.unwrap();
    (plc.id, m.action_points[0].clone())
}

#[tokio::test]
async fn an_action_point_is_changed_from_its_page_with_its_history_and_a_stale_version_refused() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let (_, point) = plc_with_a_point(db).await;
        let api = Api::new(db, &[&AREA]);
        let kim = as_role(db, "kim", AccountRole::SectorOfficer, Some("KIM")).await;
        let uri = format!("/action-points/{}", point.id);
        let (s, html) = get(&api, &kim, &uri).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Observe a lesson") && html.contains("point-form") && html.contains("overdue"), "{html}");
        // A due day that is not a date is named; nothing changes.
        let (s, html, _) =
            post(&api, &kim, &uri, &[("status", "in_progress"), ("due_on", "soon"), ("version", "1")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-due_on\"") && html.contains("soon"), "{html}");
        // Closed, with a note: the page shows it and its history.
        let (s, html, _) =
            post(&api, &kim, &uri, &[("status", "done"), ("note", "Seen on Monday"), ("version", "1")]).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"notice\"") && html.contains("Seen on Monday"), "{html}");
        let (saved, _) = plcs::action_point(db, &admin(), point.id).await.unwrap();
        assert_eq!((saved.status.as_str(), saved.version), ("done", 2));
        // The version seen before is stale now: a conflict, shown, nothing changed.
        let (s, html, _) = post(&api, &kim, &uri, &[("status", "open"), ("version", "1")]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{html}");
        assert!(html.contains("id=\"problems\""), "{html}");
        assert_eq!(plcs::action_point(db, &admin(), point.id).await.unwrap().0.status, "done");
        // Out of scope: not found; in scope without the right to change it: no form, and forbidden.
        let huye = as_role(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        assert_eq!(get(&api, &huye, &uri).await.0, StatusCode::NOT_FOUND);
        let evaluator = as_role(db, "evaluator", AccountRole::Evaluator, None).await;
        let (s, html) = get(&api, &evaluator, &uri).await;
        assert!(s == StatusCode::OK && !html.contains("point-form"), "{s} {html}");
        let (s, _, _) = post(&api, &evaluator, &uri, &[("status", "open"), ("version", "2")]).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_coaching_relation_is_added_from_its_page_and_a_loop_is_refused_naming_the_coachee() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let gasabo = as_role(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        let (s, html) = get(&api, &gasabo, "/coaching/relations").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("relation-form"), "{html}");
        let (_, html, _) = post(&api, &gasabo, "/coaching/relations", &[("do", "find"), ("q", "nll")]).await;
        assert!(html.contains("name=\"role_101\""), "{html}");
        let relation = |coach: i64, coachee: i64| -> Vec<(String, String)> {
            let mut form: Vec<(String, String)> =
                [("do", "save"), ("programme_code", "BLF"), ("start_on", "2024-01-10")]
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            for (id, role) in [(coach, "coach"), (coachee, "coachee")] {
                form.push(("person".into(), id.to_string()));
                form.push((format!("role_{id}"), role.into()));
            }
            form
        };
        let (s, html, _) = post_all(&api, &gasabo, "/coaching/relations", &relation(100, 101)).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"notice\"") && html.contains("P Nll"), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_relations").await, 1);
        // The other way round would close a loop: refused, naming the coachee.
        let (s, html, _) = post_all(&api, &gasabo, "/coaching/relations", &relation(101, 100)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-coachee_id\"") && html.contains("›"), "{html}");
        // No coachee chosen, and a start that is not a date.
        let (s, html, _) = post(
            &api,
            &gasabo,
            "/coaching/relations",
            &[
                ("do", "save"),
                ("programme_code", "BLF"),
                ("start_on", "later"),
                ("person", "102"),
                ("role_102", "coach"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-coachee_id\"") && html.contains("id=\"error-start_on\""), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM coaching_relations").await, 1);
        // Huye's officer reads no relation of Gasabo, and may not place a coachee of Gasabo.
        let huye = as_role(db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let (s, html) = get(&api, &huye, "/coaching/relations?programme=BLF").await;
        assert!(s == StatusCode::OK && !html.contains("P Nll"), "{html}");
        let (s, html, _) = post_all(&api, &huye, "/coaching/relations", &relation(101, 102)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-coachee_id\""), "{html}");
        // A head teacher reads the page without the form and may not post it.
        let head = as_role(db, "head", AccountRole::SchoolLeader, Some("S10")).await;
        let (s, html) = get(&api, &head, "/coaching/relations").await;
        assert!(s == StatusCode::OK && !html.contains("relation-form"), "{html}");
        assert_eq!(post_all(&api, &head, "/coaching/relations", &relation(100, 102)).await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn feedback_bands_are_written_from_their_page_and_an_overlap_is_named_by_row() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let admin = as_role(db, "admin", AccountRole::SystemAdmin, None).await;
        let band = |rows: &[(&'static str, &'static str, &'static str, &'static str)]| {
            let mut form = vec![("domain".to_string(), "Planning".to_string()), ("lang".to_string(), "fr".to_string())];
            for (i, (min, max, label, feedback)) in rows.iter().enumerate() {
                for (name, value) in [("min", min), ("max", max), ("label", label), ("feedback", feedback)] {
                    form.push((format!("{name}_{i}"), value.to_string()));
                }
            }
            form
        };
        let (s, html, _) = post_all(
            &api,
            &admin,
            "/feedback-bands",
            &band(&[("0", "49,9", "À renforcer", "Préparez la leçon ensemble."), ("50", "100", "Acquis", "Bravo.")]),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"notice\""), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM feedback_bands WHERE domain = 'Planning' AND lang = 'fr'").await, 2);
        let (s, html) = get(&api, &admin, "/feedback-bands?domain=Planning&lang=fr").await;
        assert!(s == StatusCode::OK && html.contains("À renforcer") && html.contains("Préparez la leçon"), "{html}");
        // Overlapping bands: the second row is named, the bands saved stay.
        let (s, html, _) =
            post_all(&api, &admin, "/feedback-bands", &band(&[("0", "60", "Bas", "a"), ("50", "100", "Haut", "b")]))
                .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-row-1\"") && !html.contains("id=\"error-row-0\""), "{html}");
        let (s, html, _) = post_all(&api, &admin, "/feedback-bands", &band(&[("0", "beaucoup", "Bas", "a")])).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-row-0\"") && html.contains("beaucoup"), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM feedback_bands WHERE label = 'Acquis'").await, 1);
        // Bands are the deployment's: a district officer neither reads nor writes them here.
        let gasabo = as_role(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        assert_eq!(get(&api, &gasabo, "/feedback-bands").await.0, StatusCode::FORBIDDEN);
        assert_eq!(
            post(&api, &gasabo, "/feedback-bands", &[("domain", "*"), ("lang", "en")]).await.0,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_plc_is_edited_from_its_form_people_added_and_removed_on_the_version_read() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let (plc_id, _) = plc_with_a_point(db).await;
        let kim = as_role(db, "kim", AccountRole::SectorOfficer, Some("KIM")).await;
        let uri = format!("/plcs/{plc_id}/edit");
        // The PLC's page offers the edit to those who set PLCs up there.
        let (s, html) = get(&api, &kim, &format!("/plcs/{plc_id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains(&format!("href=\"{uri}\"")), "{html}");
        let (s, html) = get(&api, &kim, &uri).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains(r#"name="version" value="1""#) && html.contains(r#"value="Kimironko PLC""#), "{html}");
        assert!(!html.contains(r#"name="code""#), "the code stays: {html}");
        assert!(html.contains(r#"<option value="facilitator" selected>"#), "the people with their roles: {html}");
        // Finding someone keeps what was written.
        let (s, html, _) =
            post(&api, &kim, &uri, &[("do", "find"), ("q", "bravo"), ("version", "1"), ("name", "Renamed")]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("name=\"role_105\"") && html.contains(r#"value="Renamed""#), "{html}");
        let form = |name: &'static str, unit: &'static str, version: &'static str| {
            vec![
                ("do", "save"),
                ("version", version),
                ("name", name),
                ("level", "sector"),
                ("unit_code", unit),
                ("meetings_per_term", "4"),
                ("person", "107"),
                ("role_107", "facilitator"),
                ("person", "104"),
                ("role_104", ""),
                ("person", "105"),
                ("role_105", "member"),
            ]
        };
        // Out of the officer's sector: named, nothing changed.
        let (s, html, _) = post(&api, &kim, &uri, &form("Moved", "TUM", "1")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-unit_code\""), "{html}");
        // Saved: Alpha removed, Bravo added.
        let (s, html, to) = post(&api, &kim, &uri, &form("Kimironko leaders", "KIM", "1")).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
        assert_eq!(to.as_deref(), Some(format!("/plcs/{plc_id}").as_str()));
        let people = plcs::plc_people(db, &admin(), plc_id).await.unwrap();
        let roles: Vec<(i64, &str)> = people.iter().map(|p| (p.person_id, p.role.as_str())).collect();
        assert_eq!(roles, vec![(Registry::OFFICER, "facilitator"), (Registry::TEACHER_B, "member")]);
        // The form drawn before that edit: a conflict, shown on the form; nothing changed.
        let (s, html, _) = post(&api, &kim, &uri, &form("Stale", "KIM", "1")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{html}");
        assert!(html.contains("id=\"problems\""), "{html}");
        assert_eq!(plcs::plc(db, &admin(), plc_id).await.unwrap().name, "Kimironko leaders");
        // The next sector's officer does not find it; a reader who may not set PLCs up is refused.
        let rem = as_role(db, "rem", AccountRole::SectorOfficer, Some("REM")).await;
        assert_eq!(get(&api, &rem, &uri).await.0, StatusCode::NOT_FOUND);
        let reader = as_role(db, "reader", AccountRole::Evaluator, None).await;
        assert_eq!(get(&api, &reader, &uri).await.0, StatusCode::FORBIDDEN);
        let (s, _, _) = post(&api, &reader, &uri, &form("Theirs", "KIM", "2")).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (_, html) = get(&api, &reader, &format!("/plcs/{plc_id}")).await;
        assert!(!html.contains("id=\"edit-plc\""), "{html}");
    }
}

#[tokio::test]
async fn an_administrator_lists_and_adds_terms_and_plc_models_in_english_and_french() {
    for backend in backends() {
        let t = fresh(backend).await;
        let db = &t.db;
        let api = Api::new(db, &[&AREA]);
        let admin_token = token(db, "admin", AccountRole::SystemAdmin, None).await;
        on_db!(db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'admin'")
            .execute(p)
            .await
            .map(|_| ()))
        .unwrap();
        let fr = session(db, &admin_token).await;
        let en = as_role(db, "national", AccountRole::NationalOfficer, None).await;
        let (s, html) = get(&api, &en, "/peer/terms").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>Terms</h1>") && html.contains("term-form"), "{html}");
        let (s, html) = get(&api, &fr, "/peer/terms").await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<h1>Trimestres</h1>"), "{html}");
        // A term ending before it starts is named; nothing is added.
        let (s, html, _) = post(
            &api,
            &en,
            "/peer/terms",
            &[("name", "2026 T1"), ("start_on", "2026-04-01"), ("end_on", "2026-01-01")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-end_on\""), "{html}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM peer_terms").await, 0);
        let (s, html, _) = post(
            &api,
            &fr,
            "/peer/terms",
            &[("name", "2026 T1"), ("start_on", "2026-01-08"), ("end_on", "2026-04-04")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("Le trimestre 2026 T1 est ajouté.") && html.contains("2026-04-04"), "{html}");
        let (s, html, _) = post(
            &api,
            &en,
            "/peer/terms",
            &[("name", "2026 T1"), ("start_on", "2026-01-08"), ("end_on", "2026-04-04")],
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "the same name twice: {html}");

        // A model needs its steps, one a line.
        let (s, html, _) =
            post(&api, &en, "/plc-models", &[("code", "CYCLE"), ("name", "Sector cycle"), ("steps", " \n")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains("id=\"error-steps\""), "{html}");
        let steps = "Review action points\r\nShare practice\r\n\r\nAgree actions";
        let (s, html, _) =
            post(&api, &en, "/plc-models", &[("code", "CYCLE"), ("name", "Sector cycle"), ("steps", steps)]).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("<li>Review action points</li><li>Share practice</li><li>Agree actions</li>"), "{html}");
        let (s, html) = get(&api, &fr, "/plc-models").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("<h1>Modèles de CAP</h1>") && html.contains("Sector cycle"), "{html}");
        // Only those who set the deployment up.
        let gasabo = as_role(db, "gasabo", AccountRole::DistrictOfficer, Some("GAS")).await;
        for uri in ["/peer/terms", "/plc-models"] {
            assert_eq!(get(&api, &gasabo, uri).await.0, StatusCode::FORBIDDEN, "{uri}");
            assert_eq!(post(&api, &gasabo, uri, &[("name", "x")]).await.0, StatusCode::FORBIDDEN, "{uri}");
        }
    }
}
