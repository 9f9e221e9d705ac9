//! Peer learning and coaching end to end: the demo built by the binary and read back by
//! `opencpd peer …` on both backends, and a meeting recorded in a real browser at a
//! phone's width, its action point carried to the next meeting's form.

use crate::browser::Browser;
use fantoccini::Locator;
use opencpd_testapp::{Backend, TestApp, TestDb, backends};
use std::process::Output;

fn opencpd(args: &[&str], lang: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(args)
        .env_remove("OPENCPD_DB")
        .env("OPENCPD_LANG", lang)
        .output()
        .expect("run opencpd")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

async fn scalar(db: &TestDb, sql: &'static str) -> i64 {
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(sql).fetch_one(p).await).expect(sql)
}

#[tokio::test]
async fn the_demo_holds_plcs_and_a_cascade_and_the_commands_read_them_in_english_and_french() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let out = opencpd(&["demo", "--db", &db.url, "--no-serve", "--password", "test-password"], "en");
        assert!(out.status.success(), "demo failed: {}", text(&out.stderr));
        let said = text(&out.stdout);
        assert!(said.contains("Peer learning:"), "{said}");
        let meetings = scalar(&db, "SELECT COUNT(*) FROM plc_meetings").await;
        let visits = scalar(&db, "SELECT COUNT(*) FROM coaching_visits").await;
        assert!(meetings > 50 && visits > 20, "{meetings} meetings, {visits} visits");
        // Every visit is by the coachee's coach, and no meeting is in the future.
        let strays = scalar(
            &db,
            "SELECT COUNT(*) FROM coaching_visits v JOIN coaching_relations r ON r.id = v.relation_id \
             WHERE r.coach_id <> v.coach_id OR r.coachee_id <> v.coachee_id",
        )
        .await;
        assert_eq!(strays, 0);

        // The PLCs, a page of five.
        let out = opencpd(&["peer", "plcs", "--db", &db.url, "--per-page", "5"], "en");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let plcs = scalar(&db, "SELECT COUNT(*) FROM plcs").await;
        let listed = text(&out.stdout);
        assert!(listed.contains(&format!("PLCs 1 to 5 of {plcs}.")), "{listed}");
        assert_eq!(listed.lines().filter(|l| l.starts_with("PLC-")).count(), 5, "{listed}");
        // A lesson study cycle in every sector PLC, listed in French.
        let studies = scalar(&db, "SELECT COUNT(*) FROM lesson_studies").await;
        assert_eq!(studies, scalar(&db, "SELECT COUNT(*) FROM plcs WHERE level = 'sector'").await);
        let out = opencpd(&["peer", "lesson-studies", "--db", &db.url, "--per-page", "2", "--sort", "code"], "fr");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let listed = text(&out.stdout);
        assert!(listed.contains(&format!("Cycles de recherche sur la leçon 1 à 2 sur {studies}.")), "{listed}");
        assert!(listed.starts_with("Code") && listed.contains("Étape"), "{listed}");
        assert_eq!(listed.lines().filter(|l| l.starts_with("LS-PLC-")).count(), 2, "{listed}");
        let out = opencpd(&["peer", "lesson-studies", "--db", &db.url, "--sort", "nope"], "en");
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("sort"), "{}", text(&out.stderr));
        let out = opencpd(&["peer", "plcs", "--db", &db.url, "--sort", "nope"], "fr");
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("sort"), "{}", text(&out.stderr));

        // A coach's visits of the term, as CSV on standard output; the summary in French.
        let coach = scalar(
            &db,
            "SELECT coach_id FROM coaching_visits GROUP BY coach_id ORDER BY COUNT(*) DESC, coach_id LIMIT 1",
        )
        .await;
        let coach = coach.to_string();
        let out = opencpd(&["peer", "visits", "--coach", &coach, "--db", &db.url], "fr");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let csv = text(&out.stdout);
        assert!(csv.starts_with("visited_on,programme,coachee_id,coachee,instrument"), "{csv}");
        assert!(text(&out.stderr).contains("visite"), "{}", text(&out.stderr));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("visits.xlsx");
        let out = opencpd(
            &[
                "peer",
                "visits",
                "--coach",
                &coach,
                "--format",
                "xlsx",
                "--out",
                file.to_str().unwrap(),
                "--db",
                &db.url,
            ],
            "en",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(std::fs::read(&file).unwrap().starts_with(b"PK"), "an XLSX file is a zip");
        let out = opencpd(&["peer", "visits", "--coach", "999999999", "--db", &db.url], "en");
        assert_eq!(out.status.code(), Some(1), "an unknown coach is not found");

        // The reports as tables, in both languages.
        for (report, title) in [
            ("coverage", "Head teachers visited at least once this term"),
            ("regularity", "PLC regularity"),
            ("action-points", "Action points closed on time"),
            ("leaders", "Head teachers who are leaders of learning"),
        ] {
            let out = opencpd(&["peer", "report", report, "--level", "district", "--db", &db.url], "en");
            assert!(out.status.success(), "{report}: {}", text(&out.stderr));
            let table = text(&out.stdout);
            assert!(table.starts_with(title) && table.contains("Total"), "{report}: {table}");
        }
        let out = opencpd(&["peer", "report", "cascade", "--programme", "BLF", "--db", &db.url], "fr");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let table = text(&out.stdout);
        assert!(table.starts_with("Couverture par niveau de la cascade") && table.contains("Niveau 3"), "{table}");
        let out = opencpd(&["peer", "report", "coverage", "--level", "galaxy", "--db", &db.url], "en");
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("galaxy"), "{}", text(&out.stderr));
    }
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn browser_records_a_meeting_on_a_phone_and_sees_its_action_point_carried_to_the_next() {
    let app = TestApp::start(Backend::Sqlite).await;
    opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
    let plc = app.scalar("SELECT MIN(id) FROM plcs").await;
    let owner: i64 = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
        "SELECT person_id FROM plc_people WHERE plc_id = $1 AND role = 'member' ORDER BY person_id LIMIT 1"
    )
    .bind(plc)
    .fetch_one(p)
    .await)
    .unwrap();
    let b = Browser::start(390, 844).await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url(&format!("/plcs/{plc}/meetings/new"))).await.unwrap();
    b.client.wait().for_element(Locator::Css("#meeting-form")).await.unwrap();
    // The form fits the phone: nothing to scroll sideways.
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
    let yesterday = (opencpd_kernel::today() - chrono::Duration::days(1)).to_string();
    let due = (opencpd_kernel::today() + chrono::Duration::days(14)).to_string();
    b.client
        .execute(
            "document.querySelector('[name=held_on]').value = arguments[0]; \
             document.querySelector('[name=ap_due_0]').value = arguments[1];",
            vec![yesterday.clone().into(), due.into()],
        )
        .await
        .unwrap();
    b.client.find(Locator::Css("[name=attend]")).await.unwrap().click().await.unwrap();
    let title = "Visit the P2 class together on Friday";
    b.client.find(Locator::Css("[name=ap_title_0]")).await.unwrap().send_keys(title).await.unwrap();
    b.client.find(Locator::Css("[name=ap_owner_0]")).await.unwrap().select_by_value(&owner.to_string()).await.unwrap();
    b.client.find(Locator::Css("#save-meeting")).await.unwrap().click().await.unwrap();
    // The meeting's page lists the point agreed.
    assert!(b.text_until("h1", |h| h.contains(&yesterday)).await.contains(&yesterday), "on the meeting's page");
    assert!(b.text("#agreed").await.contains(title));
    // The next meeting's form carries it over, with its status to change.
    b.client.find(Locator::Css("#next-meeting")).await.unwrap().click().await.unwrap();
    let carried = b.text("#carried").await;
    assert!(carried.contains(title), "{carried}");
    // A point with no owner is refused, naming the field, and nothing is stored.
    let before = app.scalar("SELECT COUNT(*) FROM plc_meetings").await;
    b.client.find(Locator::Css("[name=ap_title_0]")).await.unwrap().send_keys("Nobody's job").await.unwrap();
    b.client
        .execute("document.querySelector('[name=ap_due_0]').value = arguments[0];", vec![yesterday.into()])
        .await
        .unwrap();
    b.client.find(Locator::Css("#save-meeting")).await.unwrap().click().await.unwrap();
    let problems = b.text("#problems").await;
    assert!(problems.contains("owner"), "{problems}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM plc_meetings").await, before);
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn browser_creates_a_plc_on_a_phone_in_french_with_a_member_found_by_name() {
    let app = TestApp::start(Backend::Sqlite).await;
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
        "UPDATE users SET language = 'fr' WHERE username = 'seo.gitega'"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    // A head teacher of Gitega's sector, to find by name.
    let (head, family, full): (i64, String, String) = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
        "SELECT p.id, p.family_name, p.given_name || ' ' || p.family_name FROM positions x \
         JOIN people p ON p.id = x.person_id JOIN units u ON u.code = 'RW-10101' \
         WHERE x.role = 'head_teacher' AND x.path >= u.path AND x.path < u.path || '~' ORDER BY p.id LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "seo.gitega").await;
    b.client.goto(&app.url("/plcs")).await.unwrap();
    b.client.find(Locator::Css("#new-plc")).await.unwrap().click().await.unwrap();
    assert_eq!(b.text_until("h1", |h| h == "Nouvelle CAP").await, "Nouvelle CAP");
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
    find(&b, "[name=code]").await.send_keys("CAP-GIT").await.unwrap();
    find(&b, "[name=name]").await.send_keys("CAP des directeurs de Gitega").await.unwrap();
    find(&b, "[name=level]").await.select_by_value("sector").await.unwrap();
    // A unit of the next sector is out of the officer's scope.
    find(&b, "[name=unit_code]").await.send_keys("RW-10102").await.unwrap();
    // Find the head teacher by name; what was typed stays.
    find(&b, "[name=q]").await.send_keys(&family).await.unwrap();
    b.client.find(Locator::Css("#find")).await.unwrap().click().await.unwrap();
    let found = b.text("#found").await;
    assert!(found.contains(&full), "{found}");
    find(&b, &format!("[name=role_{head}]")).await.select_by_value("member").await.unwrap();
    b.client.find(Locator::Css("#save-plc")).await.unwrap().click().await.unwrap();
    // Refused in French, beside the field; nothing stored.
    let error = b.text("#error-unit_code").await;
    assert!(error.contains("RW-10102"), "{error}");
    assert!(b.text("#problems").await.contains("unit_code"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM plcs").await, 0);
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow with the problems shown {overflow}");
    // The member chosen is still chosen; the unit corrected, the PLC is made.
    let unit = find(&b, "[name=unit_code]").await;
    unit.clear().await.unwrap();
    unit.send_keys("RW-10101").await.unwrap();
    b.client.find(Locator::Css("#save-plc")).await.unwrap().click().await.unwrap();
    let heading = "CAP des directeurs de Gitega CAP-GIT";
    assert_eq!(b.text_until("h1", |h| h == heading).await, heading);
    let people = b.text("#plc-people").await;
    assert!(people.contains(&full) && people.contains("Membre"), "{people}");
}

async fn find(b: &Browser, css: &str) -> fantoccini::elements::Element {
    b.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// `opencpd peer plc edit` changes the fields given and keeps the others, on the version
/// read, as the API edits a PLC: audited; a stale version, a refused field or an unknown PLC
/// leaves everything as it was, with the reason; in English and French.
#[tokio::test]
async fn a_plc_is_edited_from_the_command_line_keeping_what_is_not_given() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
        let plc = app.scalar("SELECT MIN(id) FROM plcs WHERE level = 'sector'").await;
        let db = &app.db.db;
        let people = |role: &'static str| async move {
            opencpd_kernel::on_db!(db, |p| sqlx::query_scalar::<_, i64>(
                "SELECT person_id FROM plc_people WHERE plc_id = $1 AND role = $2 ORDER BY person_id"
            )
            .bind(plc)
            .bind(role)
            .fetch_all(p)
            .await)
            .unwrap()
        };
        type Row = (String, String, String, i64, Option<i64>, i64);
        let row = || async move {
            opencpd_kernel::on_db!(db, |p| sqlx::query_as::<_, Row>(
                "SELECT name, level, unit_path, meetings_per_term, model_id, version FROM plcs WHERE id = $1"
            )
            .bind(plc)
            .fetch_one(p)
            .await)
            .unwrap()
        };
        let (facilitators, members) = (people("facilitator").await, people("member").await);
        assert!(members.len() >= 3, "{members:?}");
        let before = row().await;
        let (id, url) = (plc.to_string(), app.db.url.clone());
        let (m0, m1) = (members[0].to_string(), members[1].to_string());
        let (m0, m1) = (m0.as_str(), m1.as_str());

        let edit = |extra: &[&str], lang: &str| {
            let mut args = vec!["peer", "plc", "edit", id.as_str()];
            args.extend_from_slice(extra);
            args.extend_from_slice(&["--db", url.as_str()]);
            opencpd(&args, lang)
        };
        let out = edit(&["--name", "Gitega heads", "--meetings-per-term", "4", "--member", m0, "--member", m1], "en");
        assert!(out.status.success(), "{backend:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("(Gitega heads) edited: version 2."), "{}", text(&out.stdout));
        let after = row().await;
        assert_eq!(after, ("Gitega heads".into(), before.1.clone(), before.2.clone(), 4, before.4, 2));
        assert_eq!(people("member").await, vec![members[0], members[1]], "the members given, no others");
        assert_eq!(people("facilitator").await, facilitators, "kept: not given");
        let (edits, trail): (i64, Option<String>) = opencpd_kernel::on_db!(db, |p| sqlx::query_as(
            "SELECT COUNT(*), MAX(after_json) FROM audit_events WHERE entity = 'plc' AND action = 'update' AND entity_id = $1"
        )
        .bind(&id)
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(edits, 1);
        assert!(trail.is_some_and(|t| t.contains("Gitega heads")));

        // On an older version: a conflict, nothing changed (told in French).
        let out = edit(&["--name", "Autre", "--version", "1"], "fr");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        assert!(text(&out.stderr).contains("version 1"), "{}", text(&out.stderr));
        // A facilitator who does not exist: named, nothing changed.
        let out = edit(&["--name", "Autre", "--facilitator", "999999999"], "en");
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("facilitators[0]"), "{}", text(&out.stderr));
        // A PLC that does not exist.
        let out = opencpd(&["peer", "plc", "edit", "999999999", "--name", "X", "--db", &url], "en");
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(row().await, after, "{backend:?}: nothing changed by the refusals");

        // Its model taken off, in French.
        let out = edit(&["--model", ""], "fr");
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("modifiée : version 3"), "{}", text(&out.stdout));
        assert_eq!(row().await.4, None);
    }
}
