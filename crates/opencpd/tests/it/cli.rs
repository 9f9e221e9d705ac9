//! The command line, run as a user runs it: the built binary on real files.

use opencpd_testapp::{Backend, TestApp, TestDb, backends};
use std::path::{Path, PathBuf};
use std::process::Output;

fn opencpd(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(args)
        .env_remove("OPENCPD_DB")
        .output()
        .expect("run opencpd")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A database with the small demo in it, built by the binary.
async fn demo_db(backend: Backend) -> TestDb {
    let db = TestDb::new(backend).await;
    let out = opencpd(&["demo", "--db", &db.url, "--no-serve", "--password", "test-password"]);
    assert!(out.status.success(), "demo failed: {}", stderr(&out));
    db
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone()))
        .fetch_one(p)
        .await)
    .expect("count")
}

const PEOPLE_HEADER: &str = "staff_number,given_name,family_name,sex,birth_year,role,school_code,start_date";

#[tokio::test]
async fn every_bad_people_file_is_refused_with_its_place_and_nothing_is_written() {
    let db = demo_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let existing: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT staff_number FROM people ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await)
        .unwrap();
    let school: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT code FROM schools ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await)
        .unwrap();
    let dup_message = format!("row 3, column staff_number: {existing} already exists");
    let ok_row = format!("NEW001,Aline,Uwase,F,1988,teacher,{school},2024-01-08");
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "wrong header",
            "staff_number,given_name,family_name,sexe\nA1,Aline,Uwase,F\n".to_string().into_bytes(),
            vec!["row 1, column sexe: unknown column", "row 1, column sex: the column is missing"],
        ),
        (
            "missing header",
            "staff_number,given_name,sex\nA1,Aline,F\n".to_string().into_bytes(),
            vec!["row 1, column family_name: the column is missing"],
        ),
        (
            "unknown school",
            format!("{PEOPLE_HEADER}\nNEW001,Aline,Uwase,F,1988,teacher,NO-SUCH-SCHOOL,2024-01-08\n").into_bytes(),
            vec!["row 2, column school_code: no school has the code NO-SUCH-SCHOOL"],
        ),
        (
            "duplicate in file",
            format!("{PEOPLE_HEADER}\n{ok_row}\n{ok_row}\n").into_bytes(),
            vec!["row 3, column staff_number: NEW001 is already on row 2 of this file"],
        ),
        (
            "duplicate in database",
            format!("{PEOPLE_HEADER}\n{ok_row}\n{existing},Jean,Habimana,M,1980,teacher,{school},2020-01-06\n")
                .into_bytes(),
            vec![dup_message.as_str()],
        ),
        (
            "invalid sex",
            format!("{PEOPLE_HEADER}\nNEW001,Aline,Uwase,X,1988,teacher,{school},2024-01-08\n").into_bytes(),
            vec!["row 2, column sex: X is not one of: F, M"],
        ),
        (
            "invalid date",
            format!("{PEOPLE_HEADER}\nNEW001,Aline,Uwase,F,1988,teacher,{school},08/01/2024\n").into_bytes(),
            vec!["row 2, column start_date: 08/01/2024 is not a date written YYYY-MM-DD"],
        ),
        ("empty file", Vec::new(), vec!["the file is empty (0 bytes)"]),
        ("not a table", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), vec!["the file is not a CSV or XLSX table"]),
        (
            "latin-1",
            [
                format!("{PEOPLE_HEADER}\nNEW001,H").as_bytes(),
                b"\xe9l\xe8ne",
                format!(",Uwase,F,1988,teacher,{school},2024-01-08\n").as_bytes(),
            ]
            .concat(),
            vec!["not UTF-8"],
        ),
    ];
    let before = (count(&db, "people").await, count(&db, "positions").await);
    for (what, bytes, expected) in cases {
        let file = write(dir.path(), "people.csv", &bytes);
        for dry in [false, true] {
            let mut args = vec!["import", "people", file.to_str().unwrap(), "--db", &db.url];
            if dry {
                args.push("--dry-run");
            }
            let out = opencpd(&args);
            assert_eq!(out.status.code(), Some(1), "{what}: exit code; stderr: {}", stderr(&out));
            let err = stderr(&out);
            for e in &expected {
                assert!(err.contains(e), "{what}: expected «{e}» in:\n{err}");
            }
            assert!(err.contains("Nothing was written"), "{what}: {err}");
        }
        assert_eq!((count(&db, "people").await, count(&db, "positions").await), before, "{what}: nothing written");
    }
    // The summary follows --lang, as the problems do.
    let file = write(dir.path(), "people.csv", b"staff_number,given_name,family_name,sex\nA1,Aline,Uwase,X\n");
    let out = opencpd(&["import", "people", file.to_str().unwrap(), "--db", &db.url, "--lang", "fr"]);
    let err = stderr(&out);
    assert!(err.contains("Un problème dans une ligne. Rien n'a été écrit."), "{err}");
}

#[tokio::test]
async fn positions_that_end_before_they_start_and_units_with_unknown_parents_are_refused() {
    let db = demo_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let staff: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT staff_number FROM people ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await)
        .unwrap();
    let file = write(dir.path(), "positions.csv", format!("staff_number,role,unit_code,start_date,end_date\n{staff},sector_education_officer,RW-10101,2025-01-06,2024-12-31\nNOBODY,sector_education_officer,RW-10101,2025-01-06,\n").as_bytes());
    let out = opencpd(&["import", "positions", file.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("row 2, column end_date: the position ends before it starts (2025-01-06)"),
        "{}",
        stderr(&out)
    );

    let file = write(dir.path(), "units.csv", b"country,code,name,level,parent_code\nRW,RW-10101-01,Akabahizi,cell,RW-10101\nRW,RW-X-02,Gihanga,cell,RW-NOWHERE\nRW,RW-X-03,Wrong,district,RW-10101\n");
    let before = count(&db, "units").await;
    let out = opencpd(&["import", "units", file.to_str().unwrap(), "--db", &db.url, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json report");
    let problems: Vec<(i64, String, String)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![(3, "parent_code".into(), "unknown-parent".into()), (4, "parent_code".into(), "wrong-level".into())]
    );
    assert_eq!(count(&db, "units").await, before);

    // The good row alone goes in, and a child can follow its parent in the same file.
    let file = write(
        dir.path(),
        "units.csv",
        b"country,code,name,level,parent_code\nRW,RW-10101-01,Akabahizi,cell,RW-10101\n",
    );
    let out = opencpd(&["import", "units", file.to_str().unwrap(), "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(count(&db, "units").await, before + 1);
}

#[tokio::test]
async fn good_files_import_on_both_databases_from_csv_semicolons_bom_and_xlsx() {
    for backend in backends() {
        let db = demo_db(backend).await;
        let dir = tempfile::tempdir().unwrap();
        // Schools with a byte-order mark and semicolons, as French-locale spreadsheets save them.
        let schools = "\u{feff}code;name;unit_code;level;ownership;subsystem;latitude;longitude\nCM-T-1;École publique de Test;CM-40101;primaire;public;francophone;4,57;13,68\nCM-T-2;GPS Test;CM-40101;primary;public;anglophone;;\n";
        let file = write(dir.path(), "schools.csv", schools.as_bytes());
        let before = count(&db, "schools").await;
        let out = opencpd(&["import", "schools", file.to_str().unwrap(), "--db", &db.url, "--dry-run"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("All 2 rows are valid"), "{}", stdout(&out));
        assert_eq!(count(&db, "schools").await, before, "dry run writes nothing");
        let out = opencpd(&["import", "schools", file.to_str().unwrap(), "--db", &db.url]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert_eq!(count(&db, "schools").await, before + 2);

        // People as XLSX, written by the template command and filled in.
        let template = dir.path().join("people.xlsx");
        let out = opencpd(&["template", "people", "--format", "xlsx", "--out", template.to_str().unwrap()]);
        assert!(out.status.success());
        let table = opencpd_transfer::read_path(&template).unwrap();
        assert_eq!(table.headers[0], "staff_number");
        // Any area's kind, to standard output as CSV.
        let out = opencpd(&["template", "outreach"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("kind,title,start_date"), "{out:?}");
        let rows = vec![
            vec!["CMT0001", "Brigitte", "Ngono", "F", "1985", "", "", "teacher", "CM-T-1", "", "2023-09-04"],
            vec!["CMT0002", "Paul", "Atangana", "M", "", "", "", "head_teacher", "CM-T-2", "", "2024-09-02"],
        ];
        let people = dir.path().join("people-filled.xlsx");
        let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        let mut f = std::fs::File::create(&people).unwrap();
        opencpd_transfer::write_table(
            opencpd_transfer::Format::Xlsx,
            &headers,
            rows.into_iter().map(|r| r.into_iter().map(String::from).collect()),
            &mut f,
        )
        .unwrap();
        drop(f);
        let (p0, x0) = (count(&db, "people").await, count(&db, "positions").await);
        let out = opencpd(&["import", "people", people.to_str().unwrap(), "--db", &db.url]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert_eq!((count(&db, "people").await, count(&db, "positions").await), (p0 + 2, x0 + 2));

        // Exports are in the import's columns and import back elsewhere.
        let export = dir.path().join("schools-export.csv");
        let out = opencpd(&["export", "schools", "--db", &db.url, "--out", export.to_str().unwrap()]);
        assert!(out.status.success());
        let text = std::fs::read_to_string(&export).unwrap();
        assert!(text.starts_with("code,name,unit_code,level,ownership,subsystem,latitude,longitude\n"));
        assert!(
            text.contains("CM-T-1,École publique de Test,CM-40101,primary,public,francophone,4.57,13.68"),
            "{text}"
        );
        let fresh = TestDb::new(Backend::Sqlite).await;
        let out = opencpd(&["import", "units", &export_of(&db, "units", dir.path()), "--db", &fresh.url]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = opencpd(&["import", "schools", export.to_str().unwrap(), "--db", &fresh.url]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(count(&fresh, "schools").await, count(&db, "schools").await);
    }
}

fn export_of(db: &TestDb, kind: &str, dir: &Path) -> String {
    let path = dir.join(format!("{kind}-export.csv"));
    let out = opencpd(&["export", kind, "--db", &db.url, "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    path.to_string_lossy().to_string()
}

#[tokio::test]
async fn users_are_added_listed_disabled_and_backups_restore() {
    let db = demo_db(Backend::Sqlite).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args([
            "user",
            "add",
            "mentor.one",
            "--role",
            "mentor",
            "--scope",
            "NOT-A-SCHOOL",
            "--db",
            &db.url,
            "--password",
            "long-enough-1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("column scope: no school has the code NOT-A-SCHOOL"), "{}", stderr(&out));
    let school: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT code FROM schools ORDER BY id LIMIT 1")
            .fetch_one(p)
            .await)
        .unwrap();
    let out = opencpd(&[
        "user",
        "add",
        "mentor.one",
        "--role",
        "mentor",
        "--scope",
        &school,
        "--db",
        &db.url,
        "--password",
        "short",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("too short"));
    let out = opencpd(&[
        "user",
        "add",
        "mentor.one",
        "--role",
        "mentor",
        "--scope",
        &school,
        "--db",
        &db.url,
        "--password",
        "long-enough-1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = opencpd(&[
        "user",
        "add",
        "mentor.one",
        "--role",
        "mentor",
        "--scope",
        &school,
        "--db",
        &db.url,
        "--password",
        "long-enough-1",
    ]);
    assert_eq!(out.status.code(), Some(1), "a duplicate user name is refused");
    let list = stdout(&opencpd(&["user", "list", "--db", &db.url]));
    assert!(
        list.lines().any(|l| l.starts_with("mentor.one") && l.contains("active") && l.contains("mentor")),
        "{list}"
    );
    assert!(opencpd(&["user", "disable", "mentor.one", "--db", &db.url]).status.success());
    let list = stdout(&opencpd(&["user", "list", "--db", &db.url]));
    assert!(list.lines().any(|l| l.starts_with("mentor.one") && l.contains("disabled")), "{list}");
    assert!(
        opencpd_kernel::accounts::authenticate(&db.db, "mentor.one", "long-enough-1").await.unwrap().is_none(),
        "disabled accounts cannot log in"
    );

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let out = opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let people = count(&db, "people").await;
    let target = dir.path().join("restored.db");
    let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", target.to_str().unwrap(), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("held no data before"), "{}", stdout(&out));
    let restored =
        opencpd_kernel::Db::connect(target.to_str().unwrap(), opencpd_kernel::IfMissing::Refuse).await.unwrap();
    let n: i64 =
        opencpd_kernel::on_db!(&restored, |p| sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(p).await)
            .unwrap();
    assert_eq!(n, people);
    let junk = write(dir.path(), "junk.db", b"not a database at all");
    restored.close().await;
    let out = opencpd(&["restore", junk.to_str().unwrap(), "--db", target.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not an OpenCPD backup"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_new_country_gets_its_levels_and_units_follow_them() {
    let db = demo_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let out =
        opencpd(&["levels", "set", "KE", "country:Country:Pays", "county:County:Comté", "bad level", "--db", &db.url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad level is not a level written key:English name:French name"), "{}", stderr(&out));
    let out = opencpd(&["levels", "set", "KE", "country:Country:Pays", "county:County:Comté", "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "KE: country › county");
    let units = write(dir.path(), "ke.csv", b"country,code,name,level,parent_code\nKE,KE,Kenya,country,\nKE,KE-047,Nairobi,county,KE\nKE,KE-X,Westlands,ward,KE-047\n");
    let out = opencpd(&["import", "units", units.to_str().unwrap(), "--db", &db.url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("row 4, column level: ward is not a level of KE; levels: country, county"),
        "{}",
        stderr(&out)
    );
    let units = write(
        dir.path(),
        "ke.csv",
        b"country,code,name,level,parent_code\nKE,KE,Kenya,country,\nKE,KE-047,Nairobi,county,KE\n",
    );
    assert!(opencpd(&["import", "units", units.to_str().unwrap(), "--db", &db.url]).status.success());
    // Rwanda's units go four levels deep: its levels cannot shrink below that.
    let out = opencpd(&["levels", "set", "RW", "country:Country:Pays", "province:Province:Province", "--db", &db.url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("units already go 4 levels deep"), "{}", stderr(&out));
    let list = stdout(&opencpd(&["levels", "list", "--db", &db.url]));
    assert!(list.contains("KE 1 county") && list.contains("RW 3 sector"), "{list}");
}

#[tokio::test]
async fn a_postgresql_database_backs_up_to_a_file_and_restores_into_an_empty_one() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let db = demo_db(Backend::Postgres).await;
    // Field data too (the demo holds delivery data already): a backup holds every table.
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query(
        "INSERT INTO submissions (uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, subject_id, \
         subject_path, answers_json, scores_json) SELECT 'backup-test', MIN(id), NULL, now(), now(), 'school', 1, '/', '{}', '[]' \
         FROM instruments"
    )
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("national.backup");
    let out = opencpd(&["backup", file.to_str().unwrap(), "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut target = TestDb::new(Backend::Postgres).await;
    assert_eq!(count(&target, "units").await, 0);
    let_go(&target).await;
    let out = opencpd(&["restore", file.to_str().unwrap(), "--db", &target.url, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    reopen(&mut target).await;
    let tables: Vec<String> = opencpd_kernel::on_db!(&target.db, |p| sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_name NOT IN ('_sqlx_migrations', 'sessions') ORDER BY 1"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(tables.len() > 40, "{tables:?}");
    let mut filled = Vec::new();
    for table in &tables {
        let n = count(&db, table).await;
        assert_eq!(count(&target, table).await, n, "{table}");
        if n > 0 {
            filled.push(table.as_str());
        }
    }
    for table in
        ["submissions", "instrument_forms", "programmes", "cohorts", "attendance", "certificates", "audit_events"]
    {
        assert!(filled.contains(&table), "{table} should hold rows in this test: {filled:?}");
    }
    // Accounts come back with their passwords; new rows get fresh ids.
    assert!(opencpd_kernel::accounts::authenticate(&target.db, "admin", "test-password").await.unwrap().is_some());
    let units =
        write(dir.path(), "u.csv", b"country,code,name,level,parent_code\nRW,RW-10101-99,Test cell,cell,RW-10101\n");
    let out = opencpd(&["import", "units", units.to_str().unwrap(), "--db", &target.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A second restore, over data, keeps that data in a file first.
    let_go(&target).await;
    let out = opencpd(&["restore", file.to_str().unwrap(), "--db", &target.url, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let kept = kept_file(&out);
    assert!(kept.exists(), "{}", kept.display());
}

/// Closes this test's connections to a database, as stopping a server would. The test's
/// runtime runs on this thread, which a command run from here blocks: the tasks that end
/// the pool's connections are let run first.
async fn let_go(db: &TestDb) {
    db.db.close().await;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Opens a test database again after a command replaced it.
async fn reopen(db: &mut TestDb) {
    db.db = opencpd_kernel::Db::connect(&db.url, opencpd_kernel::IfMissing::Refuse).await.expect("reopen");
}

/// The file a restore printed it kept the previous database in.
fn kept_file(out: &Output) -> PathBuf {
    let text = stdout(out);
    let line =
        text.lines().find_map(|l| l.split_once("kept as ")).unwrap_or_else(|| panic!("no kept file in: {text}")).1;
    PathBuf::from(line.strip_suffix('.').unwrap_or(line))
}

/// `opencpd serve` on a database, as a separate process, answering on a free port.
struct Server {
    child: std::process::Child,
    base: String,
}

impl Server {
    async fn start(url: &str) -> Server {
        Server::start_with(url, &[]).await
    }

    /// The server with more arguments (`--files DIR`).
    async fn start_with(url: &str, more: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(["serve", "--db", url, "--listen", &format!("127.0.0.1:{port}")])
            .args(more)
            .env_remove("OPENCPD_DB")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the server");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        for _ in 0..600 {
            if server.get("/healthz").await == Some(200) {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not answer on {}", server.base);
    }

    async fn get(&self, path: &str) -> Option<u16> {
        reqwest::get(format!("{}{path}", self.base)).await.ok().map(|r| r.status().as_u16())
    }

    /// Ends the server the hard way, as a crash would.
    fn kill(mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("wait for the server");
    }
}

async fn count_users(db: &opencpd_kernel::Db) -> i64 {
    opencpd_kernel::on_db!(db, |p| sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await)
        .expect("count users")
}

/// Regression: `restore` onto the database of a running server printed "Restored", and
/// every page then answered 500 ("database disk image is malformed").
#[tokio::test]
async fn restore_while_a_server_runs_is_refused_and_the_database_still_serves() {
    for backend in backends() {
        let mut db = demo_db(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let backup = dir.path().join("backup.db");
        let out = opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url]);
        assert!(out.status.success(), "{}", stderr(&out));
        // Only the server is connected now.
        let_go(&db).await;
        let server = Server::start(&db.url).await;
        let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}: {}", stderr(&out));
        let expected = match backend {
            Backend::Sqlite => "is in use by a running OpenCPD server or command",
            Backend::Postgres => "other connections",
        };
        assert!(stderr(&out).contains(expected), "{backend:?}: {}", stderr(&out));
        assert!(!stdout(&out).contains("Restored"), "{}", stdout(&out));
        assert_eq!(server.get("/login").await, Some(200), "{backend:?}: the server still serves pages");
        assert_eq!(server.get("/healthz").await, Some(200));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("backup.db")], "{backend:?}: nothing written");
        // A server that dies leaves no lock behind: the restore goes through then.
        server.kill();
        let mut out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
        for _ in 0..50 {
            if out.status.success() {
                break;
            }
            // PostgreSQL notices the dead server's connections within moments.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
        }
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        reopen(&mut db).await;
        assert!(count(&db, "people").await > 0);
        if backend == Backend::Sqlite {
            let check: String =
                opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await)
                    .unwrap();
            assert_eq!(check, "ok");
        }
    }
}

#[tokio::test]
async fn restore_without_yes_and_without_a_terminal_is_refused() {
    for backend in backends() {
        let mut db = demo_db(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let backup = dir.path().join("backup.db");
        assert!(opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url]).status.success());
        let users = count_users(&db.db).await;
        let_go(&db).await;
        let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("pass --yes to confirm"), "{}", stderr(&out));
        assert!(stderr(&out).contains("Nothing was changed"), "{}", stderr(&out));
        reopen(&mut db).await;
        assert_eq!(count_users(&db.db).await, users);
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, vec![std::ffi::OsString::from("backup.db")], "{backend:?}: nothing kept, nothing written");
    }
}

#[tokio::test]
async fn restore_with_yes_swaps_the_backup_in_and_keeps_the_previous_database_under_the_name_it_prints() {
    for backend in backends() {
        let mut db = demo_db(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let backup = dir.path().join("backup.db");
        assert!(opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url]).status.success());
        let users = count_users(&db.db).await;
        let out = opencpd(&[
            "user",
            "add",
            "after.backup",
            "--role",
            "system_admin",
            "--db",
            &db.url,
            "--password",
            "long-enough-1",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        if backend == Backend::Postgres {
            // PostgreSQL: refused while another session (this test's) is connected.
            let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            assert!(stderr(&out).contains("other connections (processes"), "{}", stderr(&out));
        }
        let_go(&db).await;
        let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Restored"), "{}", stdout(&out));
        let kept = kept_file(&out);
        assert!(kept.file_name().unwrap().to_string_lossy().contains("-before-restore-"), "{}", kept.display());
        reopen(&mut db).await;
        assert_eq!(count_users(&db.db).await, users, "{backend:?}: the backup's accounts");
        let old =
            opencpd_kernel::Db::connect(&kept.to_string_lossy(), opencpd_kernel::IfMissing::Refuse).await.unwrap();
        assert_eq!(count_users(&old).await, users + 1, "{backend:?}: the kept file holds the old data");
        assert!(opencpd_kernel::accounts::authenticate(&old, "after.backup", "long-enough-1").await.unwrap().is_some());
        old.close().await;
        // The restored database serves.
        let_go(&db).await;
        let server = Server::start(&db.url).await;
        assert_eq!(server.get("/login").await, Some(200));
        server.kill();
    }
}

/// Regression: the demo wrote `opencpd-demo.db` while every other command read
/// `opencpd.db`, so `export schools` after the demo made an empty database and printed
/// "Exported 0 schools".
#[tokio::test]
async fn export_after_the_demo_reads_the_demo_database_and_no_log_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("OPENCPD_DB")
            .output()
            .expect("run opencpd")
    };
    let out = run(&["demo", "--no-serve"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let wal = dir.path().join("opencpd.db-wal");
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0), "a write-ahead log is left beside the demo");
    let out = run(&["export", "schools"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let n = stdout(&out).lines().count() - 1;
    assert!(n > 100, "{n} schools");
    assert!(stderr(&out).contains(&format!("Exported {n} schools")), "{}", stderr(&out));
    // Run again, the demo does not replace the data it finds.
    let out = run(&["demo", "--no-serve"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already holds data"), "{}", stderr(&out));
    let out = run(&["demo", "--no-serve", "--replace"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("-before-demo-"), "{}", stdout(&out));
}

#[tokio::test]
async fn export_on_a_missing_database_is_refused_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["export", "schools"],
        vec!["export", "schools", "--db", "elsewhere.db"],
        vec!["user", "list"],
        vec!["delivery", "demo"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(&args)
            .current_dir(dir.path())
            .env_remove("OPENCPD_DB")
            .output()
            .expect("run opencpd");
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains("there is no database at"), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("Exported"), "{}", stderr(&out));
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(files.is_empty(), "{args:?}: {files:?}");
    }
}

#[tokio::test]
async fn a_problem_in_the_last_chunk_of_a_large_file_undoes_the_chunks_already_written() {
    for backend in backends() {
        let db = demo_db(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("staff_number,given_name,family_name,sex\n");
        for i in 0..10_000 {
            let sex = if i == 9_997 {
                "X"
            } else if i % 2 == 0 {
                "F"
            } else {
                "M"
            };
            csv.push_str(&format!("BIG{i:06},Aline,Uwase,{sex}\n"));
        }
        let file = write(dir.path(), "big.csv", csv.as_bytes());
        let before = count(&db, "people").await;
        let out = opencpd(&["import", "people", file.to_str().unwrap(), "--db", &db.url]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}");
        assert!(stderr(&out).contains("row 9999, column sex: X is not one of: F, M"), "{}", stderr(&out));
        assert_eq!(
            count(&db, "people").await,
            before,
            "{backend:?}: the chunks written before the problem are rolled back"
        );
        // Without the bad row, all ten thousand go in, with ids that new rows continue from.
        let fixed = csv.replace("BIG009997,Aline,Uwase,X", "BIG009997,Aline,Uwase,F");
        let file = write(dir.path(), "big.csv", fixed.as_bytes());
        let out = opencpd(&["import", "people", file.to_str().unwrap(), "--db", &db.url]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(count(&db, "people").await, before + 10_000);
    }
}

/// A SQLite file too damaged to open is what a restore is for: it is replaced, and kept
/// as it was.
#[tokio::test]
async fn restore_over_a_damaged_sqlite_file_replaces_it_and_keeps_it_as_it_was() {
    let mut db = demo_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    assert!(opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url]).status.success());
    let people = count(&db, "people").await;
    let_go(&db).await;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.url));
    }
    std::fs::write(&db.url, b"damaged beyond repair").unwrap();
    let out = opencpd(&["restore", backup.to_str().unwrap(), "--db", &db.url, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(kept_file(&out)).unwrap(), b"damaged beyond repair");
    reopen(&mut db).await;
    assert_eq!(count(&db, "people").await, people);
}

/// Every table but the record of migrations and login sessions, read from the schema.
async fn tables_of(db: &TestDb) -> Vec<String> {
    opencpd_kernel::on_db!(&db.db, |p| match db.db.backend() {
        opencpd_kernel::Backend::Postgres =>
            sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name NOT IN ('_sqlx_migrations', 'sessions') ORDER BY 1",
            )
            .fetch_all(p)
            .await,
        opencpd_kernel::Backend::Sqlite =>
            sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT IN ('_sqlx_migrations', 'sessions') ORDER BY 1",
            )
            .fetch_all(p)
            .await,
    })
    .expect("tables")
}

#[tokio::test]
async fn demo_replace_leaves_nothing_of_the_previous_data() {
    for backend in backends() {
        // A first demo from another seed, then a replacement from the default one.
        let mut db = TestDb::new(backend).await;
        let out = opencpd(&["demo", "--db", &db.url, "--no-serve", "--password", "test-password", "--seed", "1"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        // The test's own connections go first: on SQLite, --replace sets the file aside
        // (and keeps it), on PostgreSQL it empties the database in place.
        let_go(&db).await;
        let out = opencpd(&["demo", "--db", &db.url, "--no-serve", "--password", "test-password", "--replace"]);
        assert!(out.status.success(), "{backend:?}: --replace failed: {}", stderr(&out));
        if backend == Backend::Sqlite {
            assert!(kept_file(&out).exists(), "{backend:?}: the previous file is kept");
        }
        reopen(&mut db).await;
        let fresh = demo_db(backend).await;
        let tables = tables_of(&fresh).await;
        assert!(tables.len() > 40, "{tables:?}");
        for table in &tables {
            assert_eq!(count(&db, table).await, count(&fresh, table).await, "{backend:?}: rows of {table}");
        }
        for table in [
            "programmes",
            "programme_targets",
            "programme_costs",
            "cohorts",
            "instruments",
            "people",
            "units",
            "outreach_kinds",
        ] {
            assert!(count(&fresh, table).await > 0, "{backend:?}: the demo should fill {table}");
        }
        // Accounts of the demo work after the replacement.
        assert!(opencpd_kernel::accounts::authenticate(&db.db, "admin", "test-password").await.unwrap().is_some());
    }
}

/// Regression: `opencpd export people | head -1` ended with "error: Broken pipe". A
/// reader that stops early is not a failure of the export.
#[tokio::test]
async fn an_export_read_in_part_through_a_pipe_ends_quietly() {
    use std::io::BufRead;
    let db = demo_db(Backend::Sqlite).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(["export", "people", "--db", &db.url])
        .env_remove("OPENCPD_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run opencpd");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("a line");
    assert!(first.starts_with("staff_number"), "{first}");
    // The reader is gone now; the export has more than a pipe's buffer still to write.
    let out = child.wait_with_output().expect("wait");
    assert!(!stderr(&out).contains("Broken pipe"), "{}", stderr(&out));
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn user_tokens_are_listed_and_revoked_and_a_password_reset_from_the_command_line() {
    for backend in backends() {
        let db = demo_db(backend).await;
        let out = opencpd(&[
            "user",
            "token",
            "seo.gitega",
            "--name",
            "nightly sync",
            "--expires-days",
            "90",
            "--db",
            &db.url,
        ]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let secret = stdout(&out).trim().to_string();
        assert!(secret.starts_with("ocpd_"), "{secret}");
        let listed = stdout(&opencpd(&["user", "tokens", "seo.gitega", "--db", &db.url]));
        let line = listed.lines().find(|l| l.contains("nightly sync")).expect("the token listed");
        assert!(line.contains("active") && !listed.contains(&secret), "{backend:?}: {listed}");
        let id = line.split_whitespace().next().unwrap();
        // A bad expiry is refused, naming the flag's field.
        let out = opencpd(&["user", "token", "seo.gitega", "--name", "x", "--expires-days", "0", "--db", &db.url]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}");
        assert!(stderr(&out).contains("expires_in_days"), "{backend:?}: {}", stderr(&out));
        let out = opencpd(&["user", "revoke-token", id, "--db", &db.url]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let listed = stdout(&opencpd(&["user", "tokens", "seo.gitega", "--db", &db.url]));
        assert!(listed.lines().any(|l| l.contains("nightly sync") && l.contains("revoked")), "{backend:?}: {listed}");
        // A common password is refused; a good one is set.
        let out = opencpd(&["user", "password", "seo.gitega", "--password", "password1", "--db", &db.url]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}");
        assert!(stderr(&out).contains("password"), "{backend:?}");
        let out = opencpd(&["user", "password", "seo.gitega", "--password", "Akagera-Park-77", "--db", &db.url]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let who = opencpd_kernel::accounts::authenticate(&db.db, "seo.gitega", "Akagera-Park-77").await.unwrap();
        assert!(who.is_some(), "{backend:?}");
    }
}

#[tokio::test]
async fn instrument_list_has_a_header_then_one_line_an_instrument() {
    let db = demo_db(Backend::Sqlite).await;
    let out = opencpd(&["instrument", "list", "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(header, ["id", "code", "version", "kind", "state", "title"]);
    assert_eq!(lines.len() as i64 - 1, count(&db, "instruments").await);
    assert!(count(&db, "instruments").await > 0, "the demo publishes instruments");
}

/// What a command says follows `OPENCPD_LANG`, with plurals; `instrument export` writes
/// to standard output as `export` does (XLSX still needs a file); a file that is not a
/// database is named once, in plain words, not as a driver's error code.
#[tokio::test]
async fn summaries_follow_the_language_and_instrument_export_writes_to_standard_output() {
    let db = demo_db(Backend::Sqlite).await;
    let french = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(args)
            .env_remove("OPENCPD_DB")
            .env("OPENCPD_LANG", "fr")
            .output()
            .expect("run opencpd")
    };
    let out = french(&["export", "schools", "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let n = stdout(&out).lines().count() - 1;
    assert!(stderr(&out).contains(&format!("{n} écoles exportées.")), "{}", stderr(&out));

    let listed = stdout(&opencpd(&["instrument", "list", "--db", &db.url]));
    let id = listed.lines().find(|l| l.contains("lesson_observation")).and_then(|l| l.split_whitespace().next());
    let id = id.expect("the demo's observation form is listed");
    let out = opencpd(&["instrument", "export", id, "--db", &db.url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("uuid,collected_at,"), "{}", stdout(&out));
    assert!(stderr(&out).contains("submissions to standard output"), "{}", stderr(&out));
    let out = french(&["instrument", "export", id, "--format", "xlsx", "--db", &db.url]);
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("XLSX demande --out FICHIER"), "{}", stderr(&out));

    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "notes.db", b"these are notes, not a database\n");
    let out = french(&["export", "schools", "--db", &bad.display().to_string()]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(said.contains("n'est pas une base de données OpenCPD"), "{said}");
    assert!(!said.contains("code: 26") && said.matches("notes.db").count() <= 2, "{said}");
}

#[tokio::test]
async fn an_update_dry_run_lists_each_change_in_the_readers_language_and_writes_nothing() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let units = "country,code,name,level,parent_code\nRW,RW,Rwanda,country,\nRW,RW-1,Kigali,province,RW\n";
        let file = write(dir.path(), "units.csv", units.as_bytes());
        assert!(opencpd(&["import", "units", file.to_str().unwrap(), "--db", &db.url]).status.success());
        let header = "code,name,unit_code,level,ownership,subsystem,latitude,longitude\n";
        let schools = format!("{header}S1,EP Gitega,RW-1,primary,public,,-1.95,30.06\n");
        let file = write(dir.path(), "schools.csv", schools.as_bytes());
        assert!(opencpd(&["import", "schools", file.to_str().unwrap(), "--db", &db.url]).status.success());

        let update = format!("{header}S1,EP Gitega II,RW-1,primary,public,,,\nS2,EP Remera,RW-1,primary,public,,,\n");
        let file = write(dir.path(), "update.csv", update.as_bytes());
        let path = file.to_str().unwrap();
        // Without --update the existing code is refused, named by row.
        let out = opencpd(&["import", "schools", path, "--db", &db.url]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}");
        assert!(stderr(&out).contains("row 2, column code: S1 already exists"), "{}", stderr(&out));

        let audits = count(&db, "audit_events").await;
        let out = opencpd(&["import", "schools", path, "--db", &db.url, "--update", "--dry-run"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("Every row is valid: one record would be added, one updated, none left unchanged. Nothing was written (dry run)."),
            "{text}"
        );
        assert!(text.contains("row 2, S1: name EP Gitega → EP Gitega II"), "{text}");
        assert_eq!(count(&db, "schools").await, 1, "{backend:?}: a dry run writes nothing");
        assert_eq!(count(&db, "audit_events").await, audits);

        // In French, then for real.
        let out = opencpd(&["import", "schools", path, "--db", &db.url, "--update", "--dry-run", "--lang", "fr"]);
        assert!(
            stdout(&out).contains("un enregistrement serait ajouté, un mis à jour, aucun laissé tel quel"),
            "{}",
            stdout(&out)
        );
        assert!(stdout(&out).contains("ligne 2, S1 : name EP Gitega → EP Gitega II"), "{}", stdout(&out));
        let out = opencpd(&["import", "schools", path, "--db", &db.url, "--update"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("One record added, one updated, none unchanged."), "{}", stdout(&out));
        assert_eq!(count(&db, "schools").await, 2);

        // A kind whose files only add records refuses the option, naming it, before reading.
        let out = opencpd(&["import", "outcomes", path, "--db", &db.url, "--update"]);
        // A usage error, as an unknown option is.
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("--update: outcomes files only add records"), "{}", stderr(&out));
    }
}

#[tokio::test]
async fn outreach_files_are_imported_from_the_command_line_all_or_nothing() {
    for backend in backends() {
        let app = TestApp::start(backend).await;
        // The head teacher's school at Gitega, and another school of the same sector.
        let school_in_code = app
            .text(
                "SELECT s.code FROM grants g JOIN users u ON u.id = g.user_id JOIN schools s ON s.id = g.school_id \
                   WHERE u.username = 'head.gitega'",
            )
            .await;
        let school_also_code = app
            .text(
                "SELECT MIN(s.code) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101' \
                   AND s.id NOT IN (SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id \
                   WHERE u.username = 'head.gitega')",
            )
            .await;
        let dir = tempfile::tempdir().unwrap();
        let run = |file: &std::path::Path, extra: &[&str]| {
            let mut args = vec!["delivery", "import-outreach", file.to_str().unwrap(), "--db", &app.db.url];
            args.extend_from_slice(extra);
            std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
                .args(&args)
                .env_remove("OPENCPD_DB")
                .output()
                .unwrap()
        };
        let headers =
            ["kind", "title", "start_date", "school_code", "medium", "learners_female", "learners_male", "schools"];
        let bad = vec![
            vec!["maths_camp", "Camp", "2025-07-14", school_in_code.as_str(), "", "30", "many", ""],
            vec!["science_caravan", "Caravan", "2025-07-20", "NO-SCHOOL", "", "-2", "4", "ALSO-NONE"],
        ];
        let path = dir.path().join("outreach.csv");
        let to_strings = |rows: &Vec<Vec<&str>>| -> Vec<Vec<String>> {
            rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
        };
        let mut bytes = Vec::new();
        opencpd_transfer::write_table(opencpd_transfer::Format::Csv, &headers, to_strings(&bad), &mut bytes).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let out = run(&path, &[]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(1), "{err}");
        for needle in [
            "row 2",
            "many is not a number",
            "row 3",
            "no school has the code NO-SCHOOL",
            "-2 is below zero",
            "ALSO-NONE",
        ] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 0, "nothing written");
        let good = vec![
            vec![
                "maths_camp",
                "Camp",
                "2025-07-14",
                school_in_code.as_str(),
                "",
                "30",
                "28",
                school_also_code.as_str(),
            ],
            vec!["radio_broadcast", "On air", "2025-07-20", "", "radio", "", "", ""],
        ];
        let path = dir.path().join("outreach.xlsx");
        let mut bytes = Vec::new();
        opencpd_transfer::write_table(opencpd_transfer::Format::Xlsx, &headers, to_strings(&good), &mut bytes).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let out = run(&path, &["--dry-run"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_events").await, 0, "a dry run writes nothing");
        let out = run(&path, &[]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("2 outreach events recorded"));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM outreach_schools").await, 2);
    }
}

/// `instrument export` of a form with a repeat: the names with `--lang xml`, a sheet a table
/// joined by key, media as paths (absolute with `--public-url`); CSV of several tables is a
/// zip and needs `--out`; a language the form lacks is refused with those it has.
#[tokio::test]
async fn instrument_export_writes_a_table_a_repeat_in_the_forms_languages_or_names() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let rows = |rows: &[&[&str]]| -> Vec<Vec<String>> {
            rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
        };
        let form = opencpd_transfer::write_workbook(&[
            (
                "survey",
                rows(&[
                    &["type", "name", "label::English (en)", "label::Swahili (sw)"],
                    &["text", "respondent_name", "Name", "Jina"],
                    &["image", "photo", "Photo", "Picha"],
                    &["begin_repeat", "child", "Child", "Mtoto"],
                    &["integer", "age", "Age", "Umri"],
                    &["end_repeat", "", "", ""],
                ]),
            ),
            ("settings", rows(&[&["form_id", "version"], &["children", "1"]])),
        ])
        .unwrap();
        let file = write(dir.path(), "children.xlsx", &form);
        let out = opencpd(&["instrument", "import", file.to_str().unwrap(), "--db", &db.url]);
        assert!(out.status.success(), "{}", stderr(&out));
        let answers = r#"{"respondent_name":"Amina","photo":"a.jpg","child":[{"age":3},{"age":7}]}"#;
        let id: i64 = opencpd_kernel::on_db!(&db.db, |p| async {
            let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM instruments").fetch_one(p).await?;
            sqlx::query(
                "INSERT INTO submissions (uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, \
                 subject_id, subject_path, answers_json, scores_json) VALUES ('s-1', $1, NULL, $2, $2, 'school', 1, '/1/', $3, '[]')",
            )
            .bind(id)
            .bind(chrono::Utc::now())
            .bind(answers)
            .execute(p)
            .await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await)
        .unwrap();
        let id = id.to_string();

        let xlsx = dir.path().join("children.xlsx.out");
        let out = opencpd(&[
            "instrument",
            "export",
            &id,
            "--lang",
            "xml",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
            "--db",
            &db.url,
        ]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let bytes = std::fs::read(&xlsx).unwrap();
        let sheets = opencpd_transfer::read_sheets(
            &bytes,
            opencpd_transfer::Which::Named(&["children", "child"]),
            &opencpd_transfer::Limits::IMPORT,
        )
        .unwrap();
        assert_eq!(sheets[0].rows[0].cells[7..], ["respondent_name", "photo"]);
        assert_eq!(sheets[0].rows[1].cells[7..], ["Amina", "/api/v1/submissions/s-1/files/a.jpg"]);
        let child: Vec<Vec<String>> = sheets[1].rows.iter().map(|r| r.cells.clone()).collect();
        assert_eq!(child, rows(&[&["_uuid", "_index", "age"], &["s-1", "1", "3"], &["s-1", "2", "7"]]));

        let zip = dir.path().join("children.zip");
        let args = ["instrument", "export", &id, "--lang", "sw", "--out", zip.to_str().unwrap(), "--db", &db.url];
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(args)
            .args(["--public-url", "https://opencpd.example.org"])
            .env_remove("OPENCPD_DB")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(std::fs::read(&zip).unwrap().starts_with(b"PK\x03\x04"), "a zip of one CSV a table");
        let out = opencpd(&["instrument", "export", &id, "--db", &db.url]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("needs --out FILE"), "{}", stderr(&out));
        let out =
            opencpd(&["instrument", "export", &id, "--lang", "de", "--out", zip.to_str().unwrap(), "--db", &db.url]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("en, sw, xml"), "{}", stderr(&out));
    }
}

/// A database with a form reading a CSV attached to it and taking a photo, a submission
/// with its photo, the files kept in a folder of their own, and a client of the API.
struct Filed {
    api: opencpd_testkit::api::Api,
    admin: String,
    id: i64,
    uuid: String,
    photo: Vec<u8>,
    csv: Vec<u8>,
    dir: tempfile::TempDir,
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn jpeg(seed: u8, size: usize) -> Vec<u8> {
    let mut b = b"\xff\xd8\xff\xe0".to_vec();
    b.extend((0..size).map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed)));
    b
}

async fn filed(db: &TestDb) -> Filed {
    for sql in [
        "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/')",
        "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
         (10, 'S10', 'EP Kimironko', 1, '/1/', 'primary', 'public')",
    ] {
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query(sql).execute(p).await.map(|_| ())).expect(sql);
    }
    let dir = tempfile::tempdir().unwrap();
    let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
    let config = opencpd_http::WebConfig { files: Some(files), ..Default::default() };
    let api = opencpd_testkit::api::Api::with_config(&db.db, &[&opencpd_instruments::web::AREA], config);
    let admin = opencpd_testkit::api::token(&db.db, "admin", opencpd_domain::AccountRole::SystemAdmin, None).await;
    let rows = |cells: &[&[&str]]| cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label"],
                &["select_one_from_file places.csv", "place", "Place"],
                &["image", "photo", "Photo"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["filed", "1"]])),
    ])
    .unwrap();
    let a = api.send_bytes(&admin, "POST", "/api/v1/instruments?filename=filed.xlsx", form).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    let csv = b"name,label\nkim,Kimironko\nrem,Remera\n".to_vec();
    let up = api
        .send_bytes(&admin, "POST", &format!("/api/v1/instruments/{id}/attachments?name=places.csv"), csv.clone())
        .await;
    assert_eq!(up.status.as_u16(), 200, "{}", up.text());
    let photo = jpeg(7, 50_000);
    let put = api.send_bytes(&admin, "PUT", &format!("/api/v1/files/{}", sha(&photo)), photo.clone()).await;
    assert_eq!(put.status.as_u16(), 201, "{}", put.text());
    let uuid = "5d1c7a52-8f0e-4c39-9d0c-2b1f0e6a9c11".to_string();
    let body = serde_json::json!({
        "uuid": uuid, "instrument_id": id, "collected_at": "2026-03-02T10:00:00Z",
        "subject": {"kind": "school", "id": 10}, "answers": {"place": "kim", "photo": "class.jpg"},
        "files": [{"name": "class.jpg", "sha256": sha(&photo)}],
    });
    let (status, answer) = api.call(Some(&admin), "POST", "/api/v1/submissions", Some(body)).await;
    assert_eq!(status.as_u16(), 201, "{answer}");
    Filed { api, admin, id, uuid, photo, csv, dir }
}

/// The digests of the files in a folder of files.
fn kept_digests(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(prefixes) = std::fs::read_dir(dir.join("sha256")) else { return out };
    for prefix in prefixes {
        for f in std::fs::read_dir(prefix.unwrap().path()).unwrap() {
            out.push(f.unwrap().file_name().to_string_lossy().to_string());
        }
    }
    out.sort();
    out
}

async fn set_idle(db: &TestDb, sha256: &str, hours: i64) {
    let at = chrono::Utc::now() - chrono::Duration::hours(hours);
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query(
        "UPDATE stored_files SET created_at = $1, touched_at = $1 WHERE sha256 = $2"
    )
    .bind(at)
    .bind(sha256)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
}

#[tokio::test]
async fn files_prune_removes_what_no_row_refers_to_after_its_grace_and_never_a_file_referred_to() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let f = filed(&db).await;
        let files_arg = f.dir.path().to_str().unwrap().to_string();
        // A photo sent for a submission that never came, three days ago; one sent an hour
        // ago; one sent three days ago that a sync asks about again now.
        let abandoned = jpeg(11, 3_000);
        let recent = jpeg(13, 3_000);
        let asked = jpeg(17, 3_000);
        for bytes in [&abandoned, &recent, &asked] {
            let put = f.api.send_bytes(&f.admin, "PUT", &format!("/api/v1/files/{}", sha(bytes)), bytes.clone()).await;
            assert_eq!(put.status.as_u16(), 201, "{}", put.text());
        }
        for old in [sha(&f.photo), sha(&f.csv), sha(&abandoned), sha(&asked)] {
            set_idle(&db, &old, 72).await;
        }
        set_idle(&db, &sha(&recent), 1).await;
        let known = f.api.send(Some(&f.admin), "GET", &format!("/api/v1/files/{}", sha(&asked)), None).await;
        assert_eq!(known.status.as_u16(), 200);
        // A file the database never described (a crash between storing and describing),
        // written three days ago, and an upload cut off in the middle.
        let stray = jpeg(19, 2_000);
        let stray_path = f.dir.path().join(format!("sha256/{}/{}", &sha(&stray)[..2], sha(&stray)));
        std::fs::create_dir_all(stray_path.parent().unwrap()).unwrap();
        std::fs::write(&stray_path, &stray).unwrap();
        let part = f.dir.path().join(".incoming/0123.part");
        std::fs::write(&part, b"half a photo").unwrap();
        let three_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(72 * 3600);
        for path in [&stray_path, &part] {
            std::fs::File::options().write(true).open(path).unwrap().set_modified(three_days_ago).unwrap();
        }
        let before = kept_digests(f.dir.path());
        assert_eq!(before.len(), 6, "{backend:?}: {before:?}");

        let out = opencpd(&["files", "prune", "--db", &db.url, "--files", &files_arg, "--dry-run"]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Would remove 2 files"), "{backend:?}: {}", stdout(&out));
        assert_eq!(kept_digests(f.dir.path()), before, "{backend:?}: a dry run removes nothing");
        assert!(part.exists());

        let out = opencpd(&["files", "prune", "--db", &db.url, "--files", &files_arg]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        let said = stdout(&out);
        assert!(said.contains(&format!("{}: 3004 bytes, image/jpeg, unused since", sha(&abandoned))), "{said}");
        assert!(said.contains(&format!("{}: 2004 bytes, never described", sha(&stray))), "{said}");
        assert!(said.contains("Removed 2 files no row refers to, unused for 48 hours, and 1 upload cut off"), "{said}");
        let mut left = vec![sha(&f.photo), sha(&f.csv), sha(&recent), sha(&asked)];
        left.sort();
        assert_eq!(kept_digests(f.dir.path()), left, "{backend:?}: what is referred to, or recent, stays");
        assert!(!part.exists(), "{backend:?}: the cut-off upload is removed");
        let described: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM stored_files WHERE sha256 = $1 OR sha256 = $2"
        )
        .bind(sha(&abandoned))
        .bind(sha(&stray))
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(described, 0, "{backend:?}");
        // The submission's photo and the form's file are still served, whole.
        let got =
            f.api.send(Some(&f.admin), "GET", &format!("/api/v1/submissions/{}/files/class.jpg", f.uuid), None).await;
        assert_eq!(got.status.as_u16(), 200);
        assert_eq!(got.body.to_vec(), f.photo);
        let got = f
            .api
            .send(Some(&f.admin), "GET", &format!("/api/v1/instruments/{}/attachments/places.csv", f.id), None)
            .await;
        assert_eq!(got.body.to_vec(), f.csv);
        // A file removed is unknown to a sync, which sends it again.
        let gone = f.api.send(Some(&f.admin), "GET", &format!("/api/v1/files/{}", sha(&abandoned)), None).await;
        assert_eq!(gone.status.as_u16(), 404);
        let put =
            f.api.send_bytes(&f.admin, "PUT", &format!("/api/v1/files/{}", sha(&abandoned)), abandoned.clone()).await;
        assert_eq!(put.status.as_u16(), 201, "{}", put.text());
        assert!(kept_digests(f.dir.path()).contains(&sha(&abandoned)));
        // Run again: nothing more to remove.
        let out = opencpd(&["files", "prune", "--db", &db.url, "--files", &files_arg]);
        assert!(stdout(&out).contains("Removed 0 files"), "{}", stdout(&out));
    }
}

#[tokio::test]
async fn a_backup_holds_the_files_and_a_restore_into_a_fresh_place_serves_the_photo_again() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let f = filed(&db).await;
        let out_dir = tempfile::tempdir().unwrap();
        let backup = out_dir.path().join("with-files.backup");
        let files_arg = f.dir.path().to_str().unwrap();
        let out = opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url, "--files", files_arg]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("2 files (0.1 MB) the database refers to are in the backup"), "{}", stdout(&out));

        // A fresh place: a new database and an empty folder of files.
        let mut target = TestDb::new(backend).await;
        let place = tempfile::tempdir().unwrap();
        let target_files = place.path().join("files");
        let_go(&target).await;
        let out = opencpd(&[
            "restore",
            backup.to_str().unwrap(),
            "--db",
            &target.url,
            "--files",
            target_files.to_str().unwrap(),
            "--yes",
        ]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("2 files of the backup in"), "{}", stdout(&out));
        assert!(stdout(&out).contains("(2 put back that were not there)"), "{}", stdout(&out));
        let mut both = vec![sha(&f.photo), sha(&f.csv)];
        both.sort();
        assert_eq!(kept_digests(&target_files), both);
        reopen(&mut target).await;
        let parts: i64 =
            opencpd_kernel::on_db!(&target.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM stored_files")
                .fetch_one(p)
                .await)
            .unwrap();
        assert_eq!(parts, 2, "{backend:?}: the files are described, their bytes in the folder");

        // Served by the restored server, the same bytes.
        let token = opencpd(&["user", "token", "admin", "--db", &target.url]);
        assert!(token.status.success(), "{}", stderr(&token));
        let token = stdout(&token).trim().to_string();
        let_go(&target).await;
        let server = Server::start_with(&target.url, &["--files", target_files.to_str().unwrap()]).await;
        let client = reqwest::Client::new();
        let got = client
            .get(format!("{}/api/v1/submissions/{}/files/class.jpg", server.base, f.uuid))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status().as_u16(), 200, "{backend:?}");
        assert_eq!(got.bytes().await.unwrap().to_vec(), f.photo, "{backend:?}: the same bytes");
        let got = client
            .get(format!("{}/api/v1/instruments/{}/attachments/places.csv", server.base, f.id))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.bytes().await.unwrap().to_vec(), f.csv);
        server.kill();
    }
}

#[tokio::test]
async fn a_restore_that_fails_on_a_damaged_file_leaves_the_database_and_the_files_as_they_were() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let f = filed(&db).await;
        let out_dir = tempfile::tempdir().unwrap();
        let backup = out_dir.path().join("damaged.backup");
        let out =
            opencpd(&["backup", backup.to_str().unwrap(), "--db", &db.url, "--files", f.dir.path().to_str().unwrap()]);
        assert!(out.status.success(), "{backend:?}: {}", stderr(&out));
        // The last file the restore puts back is damaged: the first is already in the store
        // when the damage is found.
        let last = std::cmp::max(sha(&f.photo), sha(&f.csv));
        let damaged =
            opencpd_kernel::Db::connect(backup.to_str().unwrap(), opencpd_kernel::IfMissing::Refuse).await.unwrap();
        opencpd_kernel::on_db!(&damaged, |p| sqlx::query(
            "UPDATE backup_file_parts SET bytes = X'FFD8FFE000' WHERE sha256 = $1"
        )
        .bind(&last)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        damaged.close().await;

        // The target holds data of its own, and a file of its own.
        let mut target = TestDb::new(backend).await;
        let place = tempfile::tempdir().unwrap();
        let target_files = place.path().join("files");
        let own = jpeg(23, 1_000);
        let config = opencpd_http::WebConfig {
            files: Some(opencpd_kernel::files::Files::dir(&target_files).unwrap()),
            ..Default::default()
        };
        let api = opencpd_testkit::api::Api::with_config(&target.db, &[&opencpd_instruments::web::AREA], config);
        let admin =
            opencpd_testkit::api::token(&target.db, "admin", opencpd_domain::AccountRole::SystemAdmin, None).await;
        let put = api.send_bytes(&admin, "PUT", &format!("/api/v1/files/{}", sha(&own)), own.clone()).await;
        assert_eq!(put.status.as_u16(), 201, "{}", put.text());
        drop(api);
        let users = count_users(&target.db).await;
        let_go(&target).await;
        let out = opencpd(&[
            "restore",
            backup.to_str().unwrap(),
            "--db",
            &target.url,
            "--files",
            target_files.to_str().unwrap(),
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(1), "{backend:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!("holds a damaged copy of the file {last}")),
            "{backend:?}: {}",
            stderr(&out)
        );
        assert!(!stdout(&out).contains("Restored"), "{}", stdout(&out));
        assert_eq!(kept_digests(&target_files), vec![sha(&own)], "{backend:?}: the files as they were");
        reopen(&mut target).await;
        assert_eq!(count_users(&target.db).await, users, "{backend:?}: the database as it was");
        assert_eq!(count(&target, "stored_files").await, 1);
        assert_eq!(count(&target, "submissions").await, 0);
    }
}
