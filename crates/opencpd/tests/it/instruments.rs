//! Instruments through the binary: XLSForms written by others published from the shared
//! reference data, and a sync cut by a killed server and retried.

use opencpd_testapp::instruments::{good_answers, submission};
use opencpd_testapp::{Backend, PASSWORD, TestApp, TestDb};
use serde_json::Value;

#[tokio::test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
async fn publishing_an_xlsform_reports_every_problem_by_row_and_only_managers_publish() {
    let app = TestApp::start(Backend::Sqlite).await;
    // pyxform's specification form, every type of ODK in it, is taken whole.
    let spec =
        std::fs::read(concat!(env!("OPENCPD_SHARED_XLSFORMS"), "XLSForm_pyxform__xlsform_spec_test.xlsx")).unwrap();
    let admin = app.api("admin").await;
    let r = admin.post("/api/v1/instruments?filename=spec.xlsx&kind=survey").body(spec).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // A form with several mistakes is refused with each of them, by sheet, row and column.
    let rows = |cells: &[&[&str]]| cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let broken = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "constraint"],
                &["text", "school", "School", ""],
                &["teleport", "where", "Where", ""],
                &["integer", "age", "Age", ". > frobnicate(1)"],
                &["", "", "A label with no type", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["broken", "1"]])),
    ])
    .unwrap();
    let r = admin.post("/api/v1/instruments?filename=broken.xlsx&kind=survey").body(broken).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let problems = body["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["row"] == 3 && p["column"] == "survey!type"), "{body}");
    assert!(problems.iter().any(|p| p["row"] == 4 && p["column"] == "survey!constraint"), "{body}");
    assert!(problems.iter().any(|p| p["row"] == 5 && p["column"] == "survey!type"), "{body}");
    let tutorial = std::fs::read(concat!(env!("OPENCPD_SHARED_XLSFORMS"), "XLSForm_pyxform__tutorial.xls")).unwrap();
    let officer = app.api("seo.gitega").await;
    let r = officer.post("/api/v1/instruments?filename=tutorial.xls").body(tutorial.clone()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = admin.post("/api/v1/instruments?filename=tutorial.xls").body(tutorial.clone()).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let r = admin.post("/api/v1/instruments?filename=tutorial.xls").body(tutorial).send().await.unwrap();
    assert_eq!(r.status(), 409, "the same code and version twice");
    // The demo's rubric, the specification form and the tutorial; not the broken one.
    let list: Value = officer.get("/api/v1/instruments").send().await.unwrap().json().await.unwrap();
    assert_eq!((list["items"].as_array().unwrap().len(), list["total"].as_i64()), (3, Some(3)));
}

/// Starts `opencpd serve` on a database file; returns the child and its base URL.
fn serve(db: &str, port: u16) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(["serve", "--db", db, "--listen", &format!("127.0.0.1:{port}")])
        .env("OPENCPD_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server")
}

async fn wait_up(base: &str) {
    for _ in 0..100 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

#[tokio::test]
async fn a_sync_cut_by_a_killed_server_and_retried_stores_each_submission_once() {
    let db = TestDb::new(Backend::Sqlite).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let token = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "seo.gitega", "sync")
        .await
        .unwrap();
    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let queue: Vec<String> = (0..60).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build().unwrap();

    // First attempt: the server dies part-way through.
    let mut server = Some(serve(&db.url, port));
    wait_up(&base).await;
    let mut first_ok = 0;
    for (i, uuid) in queue.iter().enumerate() {
        if i == 25 {
            let mut dying = server.take().expect("running");
            dying.kill().unwrap();
            dying.wait().unwrap();
        }
        let sent = client
            .post(format!("{base}/api/v1/submissions"))
            .bearer_auth(&token)
            .json(&submission(uuid, 1, school, good_answers()))
            .send()
            .await;
        if sent.is_ok_and(|r| r.status() == 201) {
            first_ok += 1;
        }
    }
    assert_eq!(first_ok, 25, "sent until the server died");

    // The retry sends the whole queue again: the first 25 come back as duplicates.
    let mut server = serve(&db.url, port);
    wait_up(&base).await;
    let (mut created, mut duplicates) = (0, 0);
    for uuid in &queue {
        let r = client
            .post(format!("{base}/api/v1/submissions"))
            .bearer_auth(&token)
            .json(&submission(uuid, 1, school, good_answers()))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            201 => created += 1,
            200 => duplicates += 1,
            other => panic!("unexpected {other}"),
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!((created, duplicates), (35, 25));
    let stored: i64 =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM submissions").fetch_one(p).await)
            .unwrap();
    let distinct: i64 =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(DISTINCT uuid) FROM submissions")
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!((stored, distinct), (60, 60), "each submission stored exactly once");
}
