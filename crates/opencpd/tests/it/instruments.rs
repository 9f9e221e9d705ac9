//! Instruments through the binary: an XLSForm's problems reported by row, XLSForms written
//! by others published from the shared reference data, a sync cut by a killed server and retried, a photo's upload cut in the
//! middle by a killed server and resumed, and photos kept in an S3-compatible bucket.

use opencpd_testapp::instruments::{good_answers, submission};
use opencpd_testapp::{Backend, PASSWORD, TestApp, TestDb};
use serde_json::Value;

fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let sheets: Vec<(&str, Vec<Vec<String>>)> = sheets
        .iter()
        .map(|(name, cells)| (*name, cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()))
        .collect();
    opencpd_transfer::write_workbook(&sheets).unwrap()
}

#[tokio::test]
async fn publishing_an_xlsform_reports_every_problem_by_row_and_only_managers_publish() {
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = app.api("admin").await;
    // A form with several mistakes is refused with each of them, by sheet, row and column.
    let broken = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "constraint"],
                &["text", "school", "School", ""],
                &["teleport", "where", "Where", ""],
                &["integer", "age", "Age", ". > frobnicate(1)"],
                &["", "", "A label with no type", ""],
            ],
        ),
        ("settings", &[&["form_id", "version"], &["broken", "1"]]),
    ]);
    let r = admin.post("/api/v1/instruments?filename=broken.xlsx&kind=survey").body(broken).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let problems = body["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["row"] == 3 && p["column"] == "survey!type"), "{body}");
    assert!(problems.iter().any(|p| p["row"] == 4 && p["column"] == "survey!constraint"), "{body}");
    assert!(problems.iter().any(|p| p["row"] == 5 && p["column"] == "survey!type"), "{body}");
    let small = workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "school", "School"]]),
        ("settings", &[&["form_id", "version"], &["small", "1"]]),
    ]);
    let officer = app.api("seo.gitega").await;
    let r = officer.post("/api/v1/instruments?filename=small.xlsx").body(small.clone()).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = admin.post("/api/v1/instruments?filename=small.xlsx").body(small.clone()).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = admin.post("/api/v1/instruments?filename=small.xlsx").body(small).send().await.unwrap();
    assert_eq!(r.status(), 409, "the same code and version twice");
    // The demo's rubric and the small form; not the broken one.
    let list: Value = officer.get("/api/v1/instruments").send().await.unwrap().json().await.unwrap();
    assert_eq!((list["items"].as_array().unwrap().len(), list["total"].as_i64()), (2, Some(2)));
}

#[tokio::test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
async fn pyxforms_specification_form_and_tutorial_are_published_whole() {
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = app.api("admin").await;
    // pyxform's specification form, every type of ODK in it, is taken whole.
    for (file, query) in [
        ("XLSForm_pyxform__xlsform_spec_test.xlsx", "filename=spec.xlsx&kind=survey"),
        ("XLSForm_pyxform__tutorial.xls", "filename=tutorial.xls"),
    ] {
        let bytes = std::fs::read(format!("{}{file}", env!("OPENCPD_SHARED_XLSFORMS"))).unwrap();
        let r = admin.post(&format!("/api/v1/instruments?{query}")).body(bytes).send().await.unwrap();
        assert_eq!(r.status(), 201, "{file}: {}", r.text().await.unwrap());
    }
    // The demo's rubric, the specification form and the tutorial.
    let list: Value = admin.get("/api/v1/instruments").send().await.unwrap().json().await.unwrap();
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

/// A form with a photo, published by `admin` on the server at `base`: its id.
async fn photo_form(base: &str, admin: &str) -> i64 {
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let form = opencpd_transfer::write_workbook(&[
        ("survey", rows(&[&["type", "name", "label"], &["text", "site", "Site"], &["image", "photo", "Photo"]])),
        ("settings", rows(&[&["form_id", "version"], &["site_photo", "1"]])),
    ])
    .unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/instruments?filename=site_photo.xlsx"))
        .bearer_auth(admin)
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A photo of `size` bytes: a JPEG's first bytes, then noise.
fn photo(size: usize) -> Vec<u8> {
    let mut b = b"\xff\xd8\xff\xe0".to_vec();
    let mut x = 0x2545_f491_u32;
    b.extend((4..size).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    b
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Sends `photo[from..]` in parts of 256 KiB as the field app does: the bytes sent.
async fn send_rest(client: &reqwest::Client, base: &str, token: &str, photo: &[u8], from: usize) -> usize {
    let digest = sha(photo);
    let mut at = from;
    while at < photo.len() {
        let end = (at + 262_144).min(photo.len());
        let r = client
            .put(format!("{base}/api/v1/files/{digest}"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .header("content-range", format!("bytes {at}-{}/{}", end - 1, photo.len()))
            .body(photo[at..end].to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        if end < photo.len() {
            assert_eq!((status, body["received"].as_u64()), (202, Some(end as u64)), "{body}");
        } else {
            assert_eq!((status, body["new"].as_bool()), (201, Some(true)), "{body}");
        }
        at = end;
    }
    at - from
}

async fn upload_state(client: &reqwest::Client, base: &str, token: &str, digest: &str) -> Value {
    let r = client.get(format!("{base}/api/v1/files/{digest}/upload")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// A sync killed in the middle of a 2 MB photo: the server dies with part of a part
/// received. Started again, it says how much arrived; only the rest is sent, the photo is
/// stored once and the submission naming it is taken.
#[tokio::test]
async fn a_photo_upload_killed_in_the_middle_resumes_with_only_the_rest_and_is_stored_once() {
    use tokio::io::AsyncWriteExt;
    let db = TestDb::new(Backend::Sqlite).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let system = opencpd_kernel::Actor::system();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &system, "admin", "forms").await.unwrap();
    let token = opencpd_kernel::accounts::create_token(&db.db, &system, "seo.gitega", "sync").await.unwrap();
    let user: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind("seo.gitega")
        .fetch_one(p)
        .await)
    .unwrap();
    let files = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let start = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(["serve", "--db", &db.url, "--listen", &format!("127.0.0.1:{port}")])
            .env("OPENCPD_LOG", "warn")
            .env("OPENCPD_FILES", files.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("server")
    };
    let mut server = start();
    wait_up(&base).await;
    let instrument = photo_form(&base, &admin).await;
    let client = reqwest::Client::new();
    let photo = photo(2_000_000);
    let digest = sha(&photo);

    // The first part arrives; the second is being sent when the server is killed, 100,000
    // of its bytes received.
    assert_eq!(upload_state(&client, &base, &token, &digest).await["received"], 0);
    let r = client
        .put(format!("{base}/api/v1/files/{digest}"))
        .bearer_auth(&token)
        .header("content-range", "bytes 0-262143/2000000")
        .body(photo[..262_144].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let mut link = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "PUT /api/v1/files/{digest} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Range: bytes 262144-524287/2000000\r\n\
         Content-Length: 262144\r\n\r\n"
    );
    link.write_all(head.as_bytes()).await.unwrap();
    link.write_all(&photo[262_144..362_144]).await.unwrap();
    link.flush().await.unwrap();
    let part = files.path().join(".incoming").join(format!("{digest}.{user}.part"));
    for _ in 0..200 {
        if std::fs::metadata(&part).is_ok_and(|m| m.len() == 362_144) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    drop(link);
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 362_144, "what arrived before the kill is on disk");

    // Started again: the sync asks, and sends only the rest.
    let mut server = start();
    wait_up(&base).await;
    let state = upload_state(&client, &base, &token, &digest).await;
    assert_eq!((state["stored"].as_bool(), state["received"].as_u64()), (Some(false), Some(362_144)));
    let sent = send_rest(&client, &base, &token, &photo, 362_144).await;
    assert_eq!(sent, 2_000_000 - 362_144, "nothing that had arrived is sent again");
    // Another sync of the same photo sends nothing: the server has it.
    let state = upload_state(&client, &base, &token, &digest).await;
    assert_eq!((state["stored"].as_bool(), state["received"].as_u64()), (Some(true), Some(2_000_000)));

    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let mut body = submission(
        &uuid::Uuid::new_v4().to_string(),
        instrument,
        school,
        serde_json::json!({
            "site": "P3", "photo": format!("{digest}.jpg")
        }),
    );
    body["files"] = serde_json::json!([{ "name": format!("{digest}.jpg"), "sha256": digest }]);
    let r = client.post(format!("{base}/api/v1/submissions")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let uuid = body["uuid"].as_str().unwrap();
    let got = client
        .get(format!("{base}/api/v1/submissions/{uuid}/files/{digest}.jpg"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo, "the photo as taken");
    server.kill().unwrap();
    server.wait().unwrap();
    let stored: i64 =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM stored_files").fetch_one(p).await)
            .unwrap();
    assert_eq!(stored, 1);
    assert!(!part.exists(), "no part left behind");
}

/// An S3-compatible object store on this machine (moto's server), with a bucket made.
struct Bucket {
    child: std::process::Child,
    endpoint: String,
}

impl Bucket {
    async fn start(name: &str) -> Bucket {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3, to run moto's S3-compatible server");
        let bucket = Bucket { child, endpoint: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.put(format!("{}/{name}", bucket.endpoint)).send().await {
                assert!(r.status().is_success(), "the bucket is made: {}", r.status());
                return bucket;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("moto's server did not start: python3 -m pip install 'moto[server]'");
    }

    /// The keys of the objects in the bucket `name` under `prefix`.
    async fn keys(&self, name: &str, prefix: &str) -> Vec<String> {
        let listing = reqwest::get(format!("{}/{name}?list-type=2&prefix={prefix}", self.endpoint))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        listing.split("<Key>").skip(1).filter_map(|k| k.split_once("</Key>").map(|(k, _)| k.to_string())).collect()
    }
}

impl Drop for Bucket {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server configured to keep files in an S3-compatible bucket (`--files s3://…`, the
/// endpoint and keys in the usual `AWS_*` variables): a submission's photo, sent in parts
/// with a resumed upload, lands in the bucket under its digest, is read back over HTTP,
/// and is sent once. Two servers share the database and the bucket, each with a spool of
/// its own (PostgreSQL: the spool is in each one's working directory): a part taken by one
/// is followed by a part sent to the other, then the rest to the first again.
#[tokio::test]
#[cfg_attr(
    not(slow_tests),
    ignore = "slow: runs with OPENCPD_SLOW_TESTS=1 (needs moto's server: python3 -m pip install 'moto[server]')"
)]
async fn a_photo_is_kept_in_an_s3_bucket_and_an_upload_resumes_there_too() {
    let bucket = Bucket::start("opencpd-files").await;
    // PostgreSQL unless the tests run without it.
    let backend = *opencpd_testapp::backends().last().unwrap();
    let db = TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let system = opencpd_kernel::Actor::system();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &system, "admin", "forms").await.unwrap();
    let token = opencpd_kernel::accounts::create_token(&db.db, &system, "seo.gitega", "sync").await.unwrap();
    let (here_a, here_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let start = |here: &std::path::Path| {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args([
                "serve",
                "--db",
                &db.url,
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--files",
                "s3://opencpd-files/site-a",
            ])
            .current_dir(here)
            .env("OPENCPD_LOG", "warn")
            .env("AWS_ENDPOINT", &bucket.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "opencpd")
            .env("AWS_SECRET_ACCESS_KEY", "opencpd-secret")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("server");
        (server, format!("http://127.0.0.1:{port}"))
    };
    let (mut server, base) = start(here_a.path());
    let (mut other, other_base) = start(here_b.path());
    wait_up(&base).await;
    wait_up(&other_base).await;
    let instrument = photo_form(&base, &admin).await;
    let client = reqwest::Client::new();
    let photo = photo(1_500_000);
    let digest = sha(&photo);

    // A first part, then the sync stops; the next asks and sends the rest.
    let r = client
        .put(format!("{base}/api/v1/files/{digest}"))
        .bearer_auth(&token)
        .header("content-range", "bytes 0-262143/1500000")
        .body(photo[..262_144].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(upload_state(&client, &base, &token, &digest).await["received"], 262_144);
    assert_eq!(bucket.keys("opencpd-files", "site-a/sha256/").await, Vec::<String>::new(), "no file in the bucket yet");
    assert_eq!(
        bucket.keys("opencpd-files", "site-a/parts/").await,
        [format!("site-a/parts/{digest}.{sender}/{:020}", 0, sender = uploader(&db).await)],
        "the part is kept in the bucket, for every server sharing it"
    );
    // The other server knows what arrived at the first, takes the next part, and the first
    // takes the rest after it.
    assert_eq!(upload_state(&client, &other_base, &token, &digest).await["received"], 262_144);
    let r = client
        .put(format!("{other_base}/api/v1/files/{digest}"))
        .bearer_auth(&token)
        .header("content-range", "bytes 262144-524287/1500000")
        .body(photo[262_144..524_288].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "{}", r.text().await.unwrap());
    assert_eq!(upload_state(&client, &base, &token, &digest).await["received"], 524_288);
    // A part that does not follow on is refused by either, saying where to resume (on a
    // client of its own: the server answers before reading the body and closes that
    // connection, which the next request must not be sent on).
    let r = reqwest::Client::new()
        .put(format!("{base}/api/v1/files/{digest}"))
        .bearer_auth(&token)
        .header("content-range", "bytes 262144-524287/1500000")
        .body(photo[262_144..524_288].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(send_rest(&client, &base, &token, &photo, 524_288).await, 1_500_000 - 524_288);
    assert_eq!(bucket.keys("opencpd-files", "site-a/parts/").await, Vec::<String>::new(), "the parts removed");
    assert_eq!(
        bucket.keys("opencpd-files", "site-a/").await,
        [format!("site-a/sha256/{}/{digest}", &digest[..2])],
        "the photo is in the bucket under its digest"
    );
    // Sent again whole: kept once.
    let r = client
        .put(format!("{base}/api/v1/files/{digest}"))
        .bearer_auth(&token)
        .body(photo.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let mut body = submission(
        &uuid::Uuid::new_v4().to_string(),
        instrument,
        school,
        serde_json::json!({
            "site": "P3", "photo": "site.jpg"
        }),
    );
    body["files"] = serde_json::json!([{ "name": "site.jpg", "sha256": digest }]);
    let r = client.post(format!("{base}/api/v1/submissions")).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let got = client
        .get(format!("{base}/api/v1/submissions/{}/files/site.jpg", body["uuid"].as_str().unwrap()))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo, "read back from the bucket");
    assert_eq!(bucket.keys("opencpd-files", "site-a/").await.len(), 1);
    for server in [&mut server, &mut other] {
        server.kill().unwrap();
        server.wait().unwrap();
    }
}

/// The account a sync token of `seo.gitega` sends as (the pieces of its uploads are kept
/// under its id).
async fn uploader(db: &TestDb) -> i64 {
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT id FROM users WHERE username = 'seo.gitega'")
        .fetch_one(p)
        .await)
    .unwrap()
}
