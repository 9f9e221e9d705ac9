//! The registry's files on the one import pipeline, on both backends: updates of the
//! records a file names (`--update`), their report, their audit trail and their refusals.

use opencpd_domain::AccountRole;
use opencpd_domain::import::ImportKind;
use opencpd_kernel::import::{ImportReport, Options, Source};
use opencpd_kernel::{Actor, Db, audit, on_db};
use opencpd_registry::store::imports;
use opencpd_testkit::api::{Api, token};
use opencpd_testkit::{TestDb, backends};
use serde_json::Value;

fn source(text: &str) -> Source {
    Source::Csv(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())))
}

async fn run(db: &Db, kind: ImportKind, text: &str, dry_run: bool, update: bool) -> ImportReport {
    imports::import(db, &Actor::system(), kind, source(text), Options { dry_run, update, progress: None })
        .await
        .expect("import")
}

const SCHOOLS: &str = "code,name,unit_code,level,ownership,subsystem,latitude,longitude\n";
const PEOPLE: &str = "staff_number,given_name,family_name,sex,birth_year,phone,role,school_code,start_date\n";
const POSITIONS: &str = "staff_number,role,school_code,start_date,end_date\n";

/// Units of Rwanda down to two districts, two schools in the first, two people at S1.
async fn fixture(db: &Db) {
    let units = "country,code,name,level,parent_code\nRW,RW,Rwanda,country,\nRW,RW-1,Kigali,province,RW\n\
                 RW,RW-1-1,Gasabo,district,RW-1\nRW,RW-1-2,Kicukiro,district,RW-1\n";
    assert!(run(db, ImportKind::Units, units, false, false).await.ok());
    let schools =
        format!("{SCHOOLS}S1,EP Gitega,RW-1-1,primary,public,,-1.95,30.06\nS2,GS Remera,RW-1-1,secondary,public,,,\n");
    let report = run(db, ImportKind::Schools, &schools, false, false).await;
    assert!(report.ok(), "{:?}", report.problems);
    let people = format!(
        "{PEOPLE}T1,Aline,Uwase,F,1987,+250788000001,teacher,S1,2024-01-08\nT2,Jean,Habimana,M,,,teacher,S1,2023-01-09\n"
    );
    assert!(run(db, ImportKind::People, &people, false, false).await.ok());
}

async fn text(db: &Db, sql: &'static str) -> Option<String> {
    on_db!(db, |p| sqlx::query_scalar::<_, Option<String>>(sql).fetch_one(p).await).expect(sql)
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect(sql)
}

/// A change as a test compares it: row, key, field, before, after.
type Change<'a> = (usize, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

fn changes(report: &ImportReport) -> Vec<Change<'_>> {
    report.changes.iter().map(|c| (c.row, c.key.as_str(), c.field, c.before.as_deref(), c.after.as_deref())).collect()
}

#[tokio::test]
async fn an_update_renames_a_school_adds_a_new_one_and_records_both_sides_a_dry_run_writes_nothing() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        // S1 renamed, its coordinates left empty (kept); S3 new.
        let file =
            format!("{SCHOOLS}s1,EP Gitega II,RW-1-1,primary,public,,,\nS3,EP Kicukiro,RW-1-2,primary,private,,,\n");

        // Without an update the existing code is refused, named by row and column.
        let refused = run(db, ImportKind::Schools, &file, false, false).await;
        assert!(!refused.ok());
        let p = &refused.problems[0];
        assert_eq!(
            (p.code, p.row, p.column.as_deref(), p.value.as_deref()),
            ("exists", Some(2), Some("code"), Some("s1"))
        );
        assert_eq!(refused.problems_total, 1, "{backend:?}: {:?}", refused.problems);

        // A dry run lists the change and writes nothing.
        let audits = count(db, "SELECT COUNT(*) FROM audit_events").await;
        let dry = run(db, ImportKind::Schools, &file, true, true).await;
        assert!(dry.ok(), "{backend:?}: {:?}", dry.problems);
        assert_eq!((dry.rows_added, dry.rows_updated, dry.rows_unchanged, dry.rows_written), (1, 1, 0, 0));
        assert_eq!(changes(&dry), vec![(2, "s1", "name", Some("EP Gitega"), Some("EP Gitega II"))], "{backend:?}");
        assert_eq!(dry.changes_total, 1);
        assert_eq!(text(db, "SELECT name FROM schools WHERE code = 'S1'").await.as_deref(), Some("EP Gitega"));
        assert_eq!(count(db, "SELECT COUNT(*) FROM schools").await, 2);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM audit_events").await,
            audits,
            "{backend:?}: a dry run records nothing"
        );

        // The update: S1 renamed, its coordinates kept, its version moved on; S3 added.
        let done = run(db, ImportKind::Schools, &file, false, true).await;
        assert!(done.ok(), "{backend:?}: {:?}", done.problems);
        assert_eq!((done.rows_added, done.rows_updated, done.rows_unchanged, done.rows_written), (1, 1, 0, 2));
        assert_eq!(text(db, "SELECT name FROM schools WHERE code = 'S1'").await.as_deref(), Some("EP Gitega II"));
        assert_eq!(count(db, "SELECT version FROM schools WHERE code = 'S1'").await, 2);
        assert_eq!(
            text(db, "SELECT CAST(latitude AS TEXT) FROM schools WHERE code = 'S1'")
                .await
                .as_deref()
                .map(|l| l.parse::<f64>().unwrap()),
            Some(-1.95),
            "an empty cell leaves the value as it is"
        );
        assert_eq!(text(db, "SELECT name FROM schools WHERE code = 'S3'").await.as_deref(), Some("EP Kicukiro"));

        // The audit trail: the school's edit with the name before and after, as a single edit
        // records it, and the import with its counts.
        let events = audit::list(db, &Actor::system(), &Default::default(), &opencpd_kernel::paging::Page::first())
            .await
            .unwrap()
            .items;
        let edit = events.iter().find(|e| e.action == "update" && e.entity == "school").expect("the school's update");
        let s1 = count(db, "SELECT id FROM schools WHERE code = 'S1'").await;
        assert_eq!(edit.entity_id.as_deref(), Some(s1.to_string().as_str()));
        let seen = audit::changes(edit.before_json.as_deref(), edit.after_json.as_deref());
        assert_eq!(
            seen,
            vec![audit::Change {
                field: "name".into(),
                before: Some("EP Gitega".into()),
                after: Some("EP Gitega II".into())
            }]
        );
        let import = events.iter().find(|e| e.action == "import").expect("the import");
        let after: Value = serde_json::from_str(import.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(
            (after["added"].as_i64(), after["updated"].as_i64(), after["unchanged"].as_i64()),
            (Some(1), Some(1), Some(0))
        );

        // The same file again changes nothing.
        let again = run(db, ImportKind::Schools, &file, false, true).await;
        assert!(again.ok());
        assert_eq!((again.rows_added, again.rows_updated, again.rows_unchanged), (0, 0, 2), "{backend:?}");
        assert!(again.changes.is_empty());

        // A school moved to another unit takes its staff's positions with it.
        let moved = format!("{SCHOOLS}S1,EP Gitega II,RW-1-2,primary,public,,,\n");
        let report = run(db, ImportKind::Schools, &moved, false, true).await;
        assert_eq!(changes(&report), vec![(2, "S1", "unit_code", Some("RW-1-1"), Some("RW-1-2"))]);
        let path = text(db, "SELECT unit_path FROM schools WHERE code = 'S1'").await.unwrap();
        let held = count(db, "SELECT COUNT(*) FROM positions x JOIN schools s ON s.id = x.school_id WHERE s.code = 'S1' AND x.path = s.unit_path").await;
        assert_eq!(held, 2, "{backend:?}: positions follow {path}");
    }
}

#[tokio::test]
async fn a_key_twice_in_an_update_file_or_a_unit_moved_is_a_problem_and_nothing_is_written() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let file = format!(
            "{SCHOOLS}S1,One,RW-1-1,primary,public,,,\nS2,Two,RW-1-1,primary,public,,,\nS1,Three,RW-1-1,primary,public,,,\n"
        );
        let report = run(db, ImportKind::Schools, &file, false, true).await;
        assert!(!report.ok());
        let p = &report.problems[0];
        assert_eq!((p.code, p.row, p.column.as_deref()), ("duplicate-in-file", Some(4), Some("code")), "{backend:?}");
        assert_eq!(report.rows_written, 0);
        assert_eq!(
            text(db, "SELECT name FROM schools WHERE code = 'S2'").await.as_deref(),
            Some("GS Remera"),
            "all or nothing"
        );

        // The same position twice in a positions update.
        let file = format!("{POSITIONS}T1,teacher,S1,2024-01-08,2025-07-31\nT1,teacher,S1,2024-01-08,2025-08-31\n");
        let report = run(db, ImportKind::Positions, &file, true, true).await;
        assert_eq!(
            report.problems.iter().map(|p| (p.code, p.row)).collect::<Vec<_>>(),
            vec![("duplicate-in-file", Some(3))]
        );

        // A unit's name changes; its parent does not.
        let units = "country,code,name,level,parent_code\nRW,RW-1-1,Gasabo District,district,RW-1\nRW,RW-1-2,Kicukiro,district,RW-1-1\n";
        let report = run(db, ImportKind::Units, units, true, true).await;
        let found: Vec<_> = report.problems.iter().map(|p| (p.code, p.row, p.column.as_deref())).collect();
        assert!(found.contains(&("unit-moved", Some(3), Some("parent_code"))), "{backend:?}: {found:?}");
        let units = "country,code,name,level,parent_code\nRW,RW-1-1,Gasabo District,district,RW-1\n";
        let report = run(db, ImportKind::Units, units, false, true).await;
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(changes(&report), vec![(2, "RW-1-1", "name", Some("Gasabo"), Some("Gasabo District"))]);
        assert_eq!(text(db, "SELECT name FROM units WHERE code = 'RW-1-1'").await.as_deref(), Some("Gasabo District"));
    }
}

#[tokio::test]
async fn people_and_positions_update_their_details_add_a_new_post_and_end_one() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        // T1: new family name, phone left empty (kept), the same post (unchanged); T2: a new
        // post at S2 (added beside the old one); T3: new.
        let file = format!(
            "{PEOPLE}T1,Aline,Mukamana,F,1987,,teacher,S1,2024-01-08\nT2,Jean,Habimana,M,,,head_teacher,S2,2025-01-06\n\
             T3,Eric,Niyonzima,M,1990,,teacher,S2,2025-01-06\n"
        );
        let report = run(db, ImportKind::People, &file, false, true).await;
        assert!(report.ok(), "{backend:?}: {:?}", report.problems);
        assert_eq!((report.rows_added, report.rows_updated, report.rows_unchanged), (1, 2, 0));
        assert_eq!(
            changes(&report),
            vec![
                (2, "T1", "family_name", Some("Uwase"), Some("Mukamana")),
                (3, "T2", "position", None, Some("head_teacher · S2 · 2025-01-06")),
            ]
        );
        assert_eq!(
            text(db, "SELECT family_name FROM people WHERE staff_number = 'T1'").await.as_deref(),
            Some("Mukamana")
        );
        assert_eq!(
            text(db, "SELECT phone FROM people WHERE staff_number = 'T1'").await.as_deref(),
            Some("+250788000001")
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM positions x JOIN people p ON p.id = x.person_id WHERE p.staff_number = 'T2'"
            )
            .await,
            2
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM positions x JOIN people p ON p.id = x.person_id WHERE p.staff_number = 'T1'"
            )
            .await,
            1
        );
        let events = audit::list(db, &Actor::system(), &Default::default(), &opencpd_kernel::paging::Page::first())
            .await
            .unwrap()
            .items;
        let t1 = count(db, "SELECT id FROM people WHERE staff_number = 'T1'").await.to_string();
        let edit =
            events.iter().find(|e| e.entity == "person" && e.entity_id.as_deref() == Some(&t1)).expect("T1's update");
        assert_eq!(
            audit::changes(edit.before_json.as_deref(), edit.after_json.as_deref()),
            vec![audit::Change {
                field: "family_name".into(),
                before: Some("Uwase".into()),
                after: Some("Mukamana".into())
            }]
        );

        // A positions file ends T1's post and adds another.
        let file = format!("{POSITIONS}T1,teacher,S1,2024-01-08,2025-07-31\nT1,deputy_head,S1,2025-08-01,\n");
        let report = run(db, ImportKind::Positions, &file, false, true).await;
        assert!(report.ok(), "{backend:?}: {:?}", report.problems);
        assert_eq!((report.rows_added, report.rows_updated), (1, 1));
        assert_eq!(changes(&report), vec![(2, "T1 · teacher · S1 · 2024-01-08", "end_date", None, Some("2025-07-31"))]);
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM positions x JOIN people p ON p.id = x.person_id WHERE p.staff_number = 'T1' AND x.end_date IS NOT NULL").await,
            1
        );
    }
}

#[tokio::test]
async fn the_import_route_updates_with_update_true_lists_changes_and_refuses_it_where_it_has_no_meaning() {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let api = Api::new(db, &[&opencpd_registry::web::AREA]);
        let admin = token(db, "admin", AccountRole::SystemAdmin, None).await;
        let file =
            format!("{SCHOOLS}S1,EP Gitega II,RW-1-1,primary,public,,,\nS2,GS Remera,RW-1-1,secondary,public,,,\n");

        let a =
            api.send_file(&admin, "POST", "/api/v1/imports/schools?filename=s.csv", file.clone().into_bytes()).await;
        assert_eq!(a.status, 422, "{backend:?}: without update, existing codes are refused");
        assert_eq!(a.json()["problems"][0]["message"], "row 2, column code: S1 already exists");

        let a = api
            .send_file(
                &admin,
                "POST",
                "/api/v1/imports/schools?filename=s.csv&update=true&dry_run=true",
                file.clone().into_bytes(),
            )
            .await;
        assert_eq!(a.status, 200, "{backend:?}: {}", a.text());
        let report = a.json();
        assert_eq!((report["update"].as_bool(), report["dry_run"].as_bool()), (Some(true), Some(true)));
        assert_eq!(
            (report["added"].as_u64(), report["updated"].as_u64(), report["unchanged"].as_u64()),
            (Some(0), Some(1), Some(1))
        );
        assert_eq!(report["changes_total"], 1);
        let c = &report["changes"][0];
        assert_eq!((c["row"].as_u64(), c["key"].as_str(), c["field"].as_str()), (Some(2), Some("S1"), Some("name")));
        assert_eq!((c["before"].as_str(), c["after"].as_str()), (Some("EP Gitega"), Some("EP Gitega II")));
        assert_eq!(text(db, "SELECT name FROM schools WHERE code = 'S1'").await.as_deref(), Some("EP Gitega"));

        let a = api
            .send_file(&admin, "POST", "/api/v1/imports/schools?filename=s.csv&update=1", file.clone().into_bytes())
            .await;
        assert_eq!(a.status, 200, "{backend:?}: {}", a.text());
        assert_eq!(a.json()["created"], 1, "records written");
        assert_eq!(text(db, "SELECT name FROM schools WHERE code = 'S1'").await.as_deref(), Some("EP Gitega II"));

        // A bad value of the parameter is named.
        let a = api.send_file(&admin, "POST", "/api/v1/imports/schools?update=maybe", file.clone().into_bytes()).await;
        assert_eq!(a.status, 422);
        assert_eq!(a.json()["problems"][0]["column"], "update");

        // Someone who may change schools in Kicukiro only cannot update S2 of Gasabo by
        // moving it to Kicukiro: the school is named as outside their scope.
        let district = token(db, "kicukiro", AccountRole::DistrictOfficer, Some("RW-1-2")).await;
        let moved = format!("{SCHOOLS}S2,GS Remera,RW-1-2,secondary,public,,,\n");
        let a = api.send_file(&district, "POST", "/api/v1/imports/schools?update=true", moved.into_bytes()).await;
        assert_eq!(a.status, 422, "{backend:?}: {}", a.text());
        let p = &a.json()["problems"][0];
        assert_eq!(
            (p["code"].as_str(), p["row"].as_u64(), p["column"].as_str()),
            (Some("out-of-scope"), Some(2), Some("code"))
        );
        assert_eq!(
            text(db, "SELECT unit_path FROM schools WHERE code = 'S2'").await,
            text(db, "SELECT path FROM units WHERE code = 'RW-1-1'").await
        );
    }
}

/// A file with more keys than an import keeps in memory (past them, keys go to a file of
/// the import's own, so that memory stays flat): a staff number repeated far apart, in
/// another case, is still named with its first row, and nothing is written. Slow: runs
/// with `OPENCPD_SLOW_TESTS=1`.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_staff_number_repeated_past_the_keys_kept_in_memory_is_named_with_its_first_row() {
    use std::fmt::Write;
    let rows = opencpd_domain::import::KEYS_IN_MEMORY + 20_000;
    let mut file = String::from("staff_number,given_name,family_name,sex\n");
    for i in 0..rows {
        writeln!(file, "N{i:07},Aline,Uwase,F").unwrap();
    }
    // Rows 2.. hold N0000000..; N0000003 is on row 5, N0600000 far past the spill.
    let repeated = rows + 2;
    writeln!(file, "n0000003,Jean,Habimana,M").unwrap();
    writeln!(file, "N{:07},Jean,Habimana,M", rows - 1).unwrap();
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let db = &t.db;
        fixture(db).await;
        let report = run(db, ImportKind::People, &file, false, false).await;
        let found: Vec<_> = report
            .problems
            .iter()
            .map(|p| {
                (p.code, p.row, p.column.as_deref(), p.args.iter().find(|(n, _)| *n == "first").map(|a| a.1.clone()))
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("duplicate-in-file", Some(repeated), Some("staff_number"), Some("5".to_string())),
                ("duplicate-in-file", Some(repeated + 1), Some("staff_number"), Some((rows + 1).to_string())),
            ],
            "{backend:?}"
        );
        assert_eq!((report.rows_read, report.rows_written), (rows as u64 + 2, 0), "{backend:?}");
        assert_eq!(report.rows_valid, rows as u64, "{backend:?}");
        assert_eq!(count(db, "SELECT COUNT(*) FROM people").await, 2, "{backend:?}: nothing written");

        // Without the repeats, every row is written.
        let whole: String = file.lines().take(rows + 1).map(|l| format!("{l}\n")).collect();
        let report = run(db, ImportKind::People, &whole, false, false).await;
        assert!(report.ok(), "{backend:?}: {:?}", &report.problems[..report.problems.len().min(3)]);
        assert_eq!(count(db, "SELECT COUNT(*) FROM people").await, rows as i64 + 2, "{backend:?}");
    }
}
