//! A form's attachments (uploaded, listed present or missing, per version, read by
//! `select_one_from_file` and `pulldata()`), and the photos and recordings of submissions
//! (uploaded by digest, checked by question, stored with the submission or not at all).

use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_instruments::web::AREA;
use opencpd_kernel::{Db, on_db};
use opencpd_testkit::api::{Api, token};
use opencpd_testkit::{Backend, TestDb, backends};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub(crate) fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// A survey with a choice from a CSV file, a price looked up in another, an image on a
/// label, a photo and a recording.
fn form(version: &str) -> Vec<u8> {
    opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "calculation", "media::image"],
                &["select_one_from_file villages.csv", "village", "Village", "", "map.png"],
                &["calculate", "price", "", "pulldata('prices', 'price', 'item', 'maize')", ""],
                &["image", "photo", "Photo of the classroom", "", ""],
                &["audio", "voice", "Recorded remark", "", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["media_form", version]])),
    ])
    .expect("workbook")
}

async fn fresh(backend: Backend) -> TestDb {
    let t = TestDb::new(backend).await;
    for sql in [
        "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), \
         (2, 1, 'RW', 1, 'HUY', 'Huye', '/1/2/')",
        "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
         (10, 'S10', 'EP Kimironko', 1, '/1/', 'primary', 'public')",
    ] {
        on_db!(&t.db, |p| sqlx::query(sql).execute(p).await.map(|_| ())).expect(sql);
    }
    t
}

pub(crate) struct Setup {
    pub t: TestDb,
    pub api: Api,
    pub admin: String,
    _dir: tempfile::TempDir,
}

pub(crate) async fn setup(backend: Backend) -> Setup {
    let t = fresh(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
    let config = opencpd_http::WebConfig { files: Some(files), ..Default::default() };
    let api = Api::with_config(&t.db, &[&AREA], config);
    let admin = token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
    Setup { t, api, admin, _dir: dir }
}

async fn publish(s: &Setup, version: &str) -> i64 {
    let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=media.xlsx", form(version)).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    a.json()["id"].as_i64().unwrap()
}

async fn attach(s: &Setup, id: i64, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let a = s
        .api
        .send_bytes(&s.admin, "POST", &format!("/api/v1/instruments/{id}/attachments?name={name}"), bytes.into())
        .await;
    (a.status, a.json())
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[7; 200]);
    b
}

fn jpeg(size: usize, seed: u8) -> Vec<u8> {
    let mut b = b"\xff\xd8\xff\xe0".to_vec();
    b.extend((0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b
}

fn ogg() -> Vec<u8> {
    let mut b = b"OggS".to_vec();
    b.extend_from_slice(&[3; 500]);
    b
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The columns and values of every problem of a 422.
fn problems(body: &Value) -> Vec<(String, String)> {
    body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("problems in {body}"))
        .iter()
        .map(|p| (p["column"].as_str().unwrap_or("").to_string(), p["message"].as_str().unwrap_or("").to_string()))
        .collect()
}

pub(crate) async fn count(db: &Db, table: &'static str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn attachments_are_listed_present_or_missing_checked_and_belong_to_one_version() {
    for backend in backends() {
        let s = setup(backend).await;
        let id = publish(&s, "1").await;
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{id}/attachments")).await;
        let names: Vec<(&str, bool)> =
            list.iter().map(|a| (a["name"].as_str().unwrap(), a["present"].as_bool().unwrap())).collect();
        assert_eq!(names, [("villages.csv", false), ("map.png", false), ("prices.csv", false)]);

        // A name the form does not give, a CSV without the column the question reads, an
        // image that is not one: refused, naming the name, the column, the file.
        let (status, body) = attach(&s, id, "other.csv", b"name,label\na,A\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "name");
        assert!(problems(&body)[0].1.contains("villages.csv"), "{body}");
        let (status, body) = attach(&s, id, "villages.csv", b"code,label\nkim,Kimironko\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "name");
        assert!(problems(&body)[0].1.contains("village"), "the question is named: {body}");
        let (status, body) = attach(&s, id, "map.png", &ogg()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "file");
        assert!(problems(&body)[0].1.contains("ogg"), "{body}");

        let (status, body) = attach(&s, id, "villages.csv", b"name,label\nkim,Kimironko\nrem,Remera\n").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["present"], true);
        assert_eq!(body["sha256"].as_str().unwrap(), sha(b"name,label\nkim,Kimironko\nrem,Remera\n"));
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{id}/attachments")).await;
        assert_eq!(list.iter().filter(|a| a["present"] == true).count(), 1);
        let got = s
            .api
            .send(Some(&s.admin), "GET", &format!("/api/v1/instruments/{id}/attachments/villages.csv"), None)
            .await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.text(), "name,label\nkim,Kimironko\nrem,Remera\n");
        let (status, _) =
            s.api.call(Some(&s.admin), "GET", &format!("/api/v1/instruments/{id}/attachments/map.png"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "missing: nothing to download");

        // The page says what is missing.
        let (status, page) = s.api.text(&s.admin, "GET", &format!("/instruments/{id}"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"attachments-missing\""), "{page}");
        assert!(page.contains("map.png, prices.csv"), "{page}");

        // A new version of the form has files of its own.
        let v2 = publish(&s, "2").await;
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{v2}/attachments")).await;
        assert!(list.iter().all(|a| a["present"] == false), "{list:?}");
        // Only those who publish forms upload their files.
        let officer = token(&s.t.db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let a = s
            .api
            .send_bytes(&officer, "POST", &format!("/api/v1/instruments/{id}/attachments?name=map.png"), png())
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
    }
}

pub(crate) fn submission(id: i64, answers: Value, files: Value) -> Value {
    json!({
        "uuid": uuid::Uuid::new_v4().to_string(), "instrument_id": id, "collected_at": "2026-03-02T10:00:00Z",
        "subject": {"kind": "school", "id": 10}, "answers": answers, "files": files,
    })
}

/// A form whose files are all uploaded.
async fn collectable(s: &Setup, version: &str) -> i64 {
    let id = publish(s, version).await;
    for (name, bytes) in [
        ("villages.csv", b"name,label,label::fr\nkim,Kimironko,Kimironko (fr)\nrem,Remera,Remera (fr)\n".to_vec()),
        ("prices.csv", b"item,price\nbeans,900\nmaize,450\n".to_vec()),
        ("map.png", png()),
    ] {
        assert_eq!(attach(s, id, name, &bytes).await.0, StatusCode::OK, "{name}");
    }
    id
}

#[tokio::test]
async fn a_form_missing_files_is_not_collected_and_says_which_then_reads_its_csv_files() {
    for backend in backends() {
        let s = setup(backend).await;
        let id = publish(&s, "1").await;
        attach(&s, id, "prices.csv", b"item,price\nmaize,450\n").await;
        let (status, body) =
            s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(submission(id, json!({}), json!([])))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (column, message) = &problems(&body)[0];
        assert_eq!(column, "instrument_id");
        assert!(message.contains("villages.csv, map.png"), "the missing files are named: {message}");
        assert_eq!(count(&s.t.db, "submissions").await, 0);
        // The field app is told too.
        let package: Value = s.api.get(&s.admin, "/api/v1/field/package").await;
        let form = package["instruments"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap();
        assert_eq!(form["missing_attachments"], json!(["villages.csv", "map.png"]));

        let id = collectable(&s, "2").await;
        let package: Value = s.api.get(&s.admin, "/api/v1/field/package").await;
        let form = package["instruments"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap();
        assert_eq!(form["missing_attachments"], json!([]));
        let offered: Vec<&str> = form["form"]["file_lists"]["village"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(offered, ["kim", "rem"], "the choices read from the uploaded CSV go to the field app");
        assert_eq!(form["form"]["file_lists"]["village"][1]["label"]["fr"], "Remera (fr)");

        // The file's choices are the question's choices.
        let (status, body) = s
            .api
            .call(
                Some(&s.admin),
                "POST",
                "/api/v1/submissions",
                Some(submission(id, json!({"village": "nyarugenge"}), json!([]))),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "village");
        assert!(problems(&body)[0].1.contains("kim, rem"), "{body}");
        let (status, body) = s
            .api
            .call(
                Some(&s.admin),
                "POST",
                "/api/v1/submissions",
                Some(submission(id, json!({"village": "rem"}), json!([]))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let stored: Value =
            s.api.get(&s.admin, &format!("/api/v1/submissions/{}", body["uuid"].as_str().unwrap())).await;
        assert_eq!(stored["answers"]["village"], "rem");
        assert_eq!(stored["answers"]["price"], "450", "pulldata() read the uploaded prices.csv");
    }
}

#[tokio::test]
async fn a_csv_lacking_a_column_pulldata_reads_is_refused_naming_it_and_a_key_not_in_it_gives_empty() {
    for backend in backends() {
        let s = setup(backend).await;
        let id = publish(&s, "1").await;
        // pulldata('prices', 'price', 'item', 'maize'): both columns must be in prices.csv.
        for (csv, missing) in [(&b"item,cost\nmaize,450\n"[..], "price"), (&b"name,price\nmaize,450\n"[..], "item")] {
            let (status, body) = attach(&s, id, "prices.csv", csv).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let problems = problems(&body);
            assert_eq!(problems.len(), 1, "{body}");
            let (column, message) = &problems[0];
            assert_eq!(column, missing);
            for named in ["prices.csv", missing, "question price"] {
                assert!(message.contains(named), "{named} is named: {message}");
            }
        }
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{id}/attachments")).await;
        assert!(list.iter().all(|a| a["present"] == false), "nothing refused is kept: {list:?}");

        // The columns are there but not the key: taken, and the calculation is empty, as in
        // JavaRosa; answers are not refused for it.
        for (name, bytes) in [
            ("villages.csv", b"name,label\nkim,Kimironko\n".to_vec()),
            ("prices.csv", b"item,price\nbeans,900\n".to_vec()),
            ("map.png", png()),
        ] {
            let (status, body) = attach(&s, id, name, &bytes).await;
            assert_eq!(status, StatusCode::OK, "{name}: {body}");
        }
        let (status, body) = s
            .api
            .call(
                Some(&s.admin),
                "POST",
                "/api/v1/submissions",
                Some(submission(id, json!({"village": "kim"}), json!([]))),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let stored: Value =
            s.api.get(&s.admin, &format!("/api/v1/submissions/{}", body["uuid"].as_str().unwrap())).await;
        assert_eq!(stored["answers"]["village"], "kim");
        assert!(stored["answers"].get("price").is_none_or(|p| p.is_null() || p == ""), "{stored}");
    }
}

#[tokio::test]
async fn a_file_uploaded_twice_is_stored_once_and_a_wrong_digest_is_refused() {
    for backend in backends() {
        let s = setup(backend).await;
        let photo = jpeg(300_000, 9);
        let uri = format!("/api/v1/files/{}", sha(&photo));
        let first = s.api.send_bytes(&s.admin, "PUT", &uri, photo.clone()).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
        assert_eq!(first.json()["content_type"], "image/jpeg");
        let again = s.api.send_bytes(&s.admin, "PUT", &uri, photo.clone()).await;
        assert_eq!(again.status, StatusCode::OK, "sent again: nothing new stored");
        assert_eq!(again.json()["new"], false);
        assert_eq!(count(&s.t.db, "stored_files").await, 1);
        let kept: Vec<_> = walk(s._dir.path());
        assert_eq!(kept.len(), 1, "one copy on disk: {kept:?}");
        let (status, _) = s.api.call(Some(&s.admin), "GET", &uri, None).await;
        assert_eq!(status, StatusCode::OK, "a sync asks before sending");

        let other = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{}", sha(b"x")), photo).await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(other.text().contains("digest"), "{}", other.text());
        let (status, _) = s.api.call(Some(&s.admin), "GET", &format!("/api/v1/files/{}", sha(b"x")), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn a_submission_is_stored_with_its_files_or_not_at_all_and_each_file_is_checked_by_its_question() {
    for backend in backends() {
        let s = setup(backend).await;
        let id = collectable(&s, "1").await;
        let photo = jpeg(200_000, 3);
        let big = jpeg(11 * 1024 * 1024, 4);
        let voice = ogg();
        for f in [&photo, &big, &voice] {
            let a = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{}", sha(f)), f.clone()).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        }
        let submit = |answers: Value, files: Value| {
            let body = submission(id, answers, files);
            async { s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(body)).await }
        };
        let refs = |pairs: &[(&str, &Vec<u8>)]| -> Value {
            pairs.iter().map(|(n, b)| json!({"name": n, "sha256": sha(b)})).collect()
        };

        // A file named by an answer but not sent; a photo over the size for images; a
        // photo given to the question of a recording: each refused, naming the question.
        let (status, body) = submit(json!({"photo": "a.jpg"}), json!([])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body), [("photo".to_string(), problems(&body)[0].1.clone())]);
        let (status, body) = submit(json!({"photo": "big.jpg"}), refs(&[("big.jpg", &big)])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "photo");
        assert!(problems(&body)[0].1.contains(&(10 * 1024 * 1024).to_string()), "{body}");
        let (status, body) =
            submit(json!({"photo": "a.jpg", "voice": "b.jpg"}), refs(&[("a.jpg", &photo), ("b.jpg", &photo)])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body).len(), 1, "{body}");
        assert_eq!(problems(&body)[0].0, "voice");
        assert!(problems(&body)[0].1.contains("jpeg"), "{body}");
        // A digest never uploaded.
        let (status, body) =
            submit(json!({"photo": "a.jpg"}), json!([{"name": "a.jpg", "sha256": sha(b"never sent")}])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "photo");
        // Nothing of the refused submissions was kept.
        assert_eq!(count(&s.t.db, "submissions").await, 0);
        assert_eq!(count(&s.t.db, "submission_files").await, 0);

        let (status, body) =
            submit(json!({"photo": "a.jpg", "voice": "v.ogg"}), refs(&[("a.jpg", &photo), ("v.ogg", &voice)])).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uuid = body["uuid"].as_str().unwrap().to_string();
        assert_eq!(count(&s.t.db, "submission_files").await, 2);
        let stored: Value = s.api.get(&s.admin, &format!("/api/v1/submissions/{uuid}")).await;
        let files: Vec<(&str, &str)> = stored["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["question"].as_str().unwrap(), f["content_type"].as_str().unwrap()))
            .collect();
        assert_eq!(files, [("photo", "image/jpeg"), ("voice", "audio/ogg")]);
        let got = s.api.send(Some(&s.admin), "GET", &format!("/api/v1/submissions/{uuid}/files/a.jpg"), None).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, photo, "the photo is downloaded as sent");
        // Read as the submission is: someone out of its scope gets "not found".
        let officer = token(&s.t.db, "huye", AccountRole::DistrictOfficer, Some("HUY")).await;
        let (status, _) =
            s.api.call(Some(&officer), "GET", &format!("/api/v1/submissions/{uuid}/files/a.jpg"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

/// A part of a file: `PUT /api/v1/files/{sha256}` with its `Content-Range`.
async fn part(s: &Setup, token: &str, digest: &str, range: &str, body: axum::body::Body) -> (StatusCode, Value) {
    let a = s
        .api
        .send_with(
            token,
            "PUT",
            &format!("/api/v1/files/{digest}"),
            &[("content-type", "application/octet-stream"), ("content-range", range)],
            body,
        )
        .await;
    (a.status, a.json())
}

/// A body that sends `bytes`, then the link is cut.
fn cut_after(bytes: &[u8]) -> axum::body::Body {
    let chunks: Vec<std::result::Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::copy_from_slice(bytes)),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "link cut")),
    ];
    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
}

async fn received(s: &Setup, token: &str, digest: &str) -> (bool, i64) {
    let state: Value = s.api.get(token, &format!("/api/v1/files/{digest}/upload")).await;
    (state["stored"].as_bool().unwrap(), state["received"].as_i64().unwrap())
}

/// What lies in the spool: uploads being received and parts kept.
fn spooled(s: &Setup) -> Vec<std::path::PathBuf> {
    walk(&s._dir.path().join(".incoming"))
}

#[tokio::test]
async fn a_file_sent_in_parts_resumes_where_the_cut_left_it_and_is_stored_once() {
    for backend in backends() {
        let s = setup(backend).await;
        let photo = jpeg(699_996, 5);
        let digest = sha(&photo);
        let body = |from: usize, to: usize| axum::body::Body::from(photo[from..to].to_vec());
        assert_eq!(received(&s, &s.admin, &digest).await, (false, 0), "nothing sent yet");

        // A first part, then a second cut off after 100,000 bytes: what arrived is kept.
        let (status, a) = part(&s, &s.admin, &digest, "bytes 0-262143/700000", body(0, 262_144)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{a}");
        assert_eq!((a["stored"].as_bool(), a["received"].as_i64()), (Some(false), Some(262_144)));
        let (status, _) =
            part(&s, &s.admin, &digest, "bytes 262144-524287/700000", cut_after(&photo[262_144..362_144])).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(received(&s, &s.admin, &digest).await, (false, 362_144), "the cut part's bytes are kept");
        // Someone else's upload of the same file is theirs: they start from nothing.
        let other = token(&s.t.db, "other", AccountRole::SystemAdmin, None).await;
        assert_eq!(received(&s, &other, &digest).await, (false, 0));

        // A part that does not follow on is refused, naming the range and where to resume.
        let (status, body409) = part(&s, &s.admin, &digest, "bytes 400000-699999/700000", body(400_000, 700_000)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body409}");
        assert_eq!(problems(&body409)[0].0, "Content-Range");
        assert!(problems(&body409)[0].1.contains("362144") && problems(&body409)[0].1.contains("400000"), "{body409}");
        assert_eq!(received(&s, &s.admin, &digest).await, (false, 362_144), "the part is left as it was");
        assert_eq!(count(&s.t.db, "stored_files").await, 0, "nothing stored before the last byte");

        // The rest: the file is whole, has its digest, and is stored.
        let (status, done) = part(&s, &s.admin, &digest, "bytes 362144-699999/700000", body(362_144, 700_000)).await;
        assert_eq!(status, StatusCode::CREATED, "{done}");
        assert_eq!((done["new"].as_bool(), done["content_type"].as_str()), (Some(true), Some("image/jpeg")));
        assert_eq!(received(&s, &s.admin, &digest).await, (true, 700_000));
        assert_eq!(spooled(&s), Vec::<std::path::PathBuf>::new(), "no part left behind");
        let (status, _) = s.api.call(Some(&s.admin), "GET", &format!("/api/v1/files/{digest}"), None).await;
        assert_eq!(status, StatusCode::OK);

        // Sent again, whole or in parts, by anyone: stored once.
        let (status, again) = part(&s, &other, &digest, "bytes 0-699999/700000", body(0, 700_000)).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["new"], false);
        let whole = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{digest}"), photo.clone()).await;
        assert_eq!(whole.status, StatusCode::OK);
        assert_eq!(count(&s.t.db, "stored_files").await, 1);
        let kept: Vec<_> =
            walk(s._dir.path()).into_iter().filter(|p| !p.starts_with(s._dir.path().join(".incoming"))).collect();
        assert_eq!(kept.len(), 1, "one copy: {kept:?}");

        // A submission names it as any uploaded file.
        let id = collectable(&s, "1").await;
        let body = submission(id, json!({"photo": "a.jpg"}), json!([{"name": "a.jpg", "sha256": digest}]));
        let (status, created) = s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let uuid = created["uuid"].as_str().unwrap();
        let got = s.api.send(Some(&s.admin), "GET", &format!("/api/v1/submissions/{uuid}/files/a.jpg"), None).await;
        assert_eq!(got.body, photo, "the photo put together from its parts");
    }
}

#[tokio::test]
async fn a_part_too_large_of_a_type_not_taken_or_with_another_digest_is_refused_naming_it_and_nothing_is_kept() {
    for backend in backends() {
        let s = setup(backend).await;
        let photo = jpeg(299_996, 6);
        let digest = sha(&photo);

        // Over the size any question takes: refused from the range alone, before a byte is kept.
        let (status, big) =
            part(&s, &s.admin, &digest, "bytes 0-9/62914560", axum::body::Body::from(photo[..10].to_vec())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{big}");
        assert_eq!(problems(&big)[0].0, "file");
        assert!(problems(&big)[0].1.contains("62914560") && problems(&big)[0].1.contains("52428800"), "{big}");
        assert_eq!(spooled(&s), Vec::<std::path::PathBuf>::new());

        // A program, not a photo: refused with its first part, naming the type found.
        let mut program = b"MZ\x90\x00".to_vec();
        program.extend(std::iter::repeat_n(0u8, 299_996));
        let (status, wrong) = part(
            &s,
            &s.admin,
            &sha(&program),
            "bytes 0-99999/300000",
            axum::body::Body::from(program[..100_000].to_vec()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
        assert_eq!(problems(&wrong)[0].0, "file");
        assert!(problems(&wrong)[0].1.contains("jpeg"), "the types taken are named: {wrong}");
        assert_eq!(received(&s, &s.admin, &sha(&program)).await, (false, 0));

        // Another digest: found with the last byte, the part removed, the digest named.
        let claimed = sha(b"another photo");
        let (status, _) =
            part(&s, &s.admin, &claimed, "bytes 0-149999/300000", axum::body::Body::from(photo[..150_000].to_vec()))
                .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (status, digest_wrong) = part(
            &s,
            &s.admin,
            &claimed,
            "bytes 150000-299999/300000",
            axum::body::Body::from(photo[150_000..].to_vec()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{digest_wrong}");
        assert_eq!(problems(&digest_wrong)[0].0, "file");
        assert!(problems(&digest_wrong)[0].1.contains(&claimed) && problems(&digest_wrong)[0].1.contains(&digest));
        assert_eq!(received(&s, &s.admin, &claimed).await, (false, 0));

        // A range that is not one, and a body longer than its range.
        for range in ["bytes 5-2/10", "bytes 0-10/10", "items 0-1/2", "bytes 0-/10"] {
            let (status, bad) = part(&s, &s.admin, &digest, range, axum::body::Body::from(photo[..2].to_vec())).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{range}: {bad}");
            assert_eq!(problems(&bad)[0].0, "Content-Range", "{range}");
        }
        let (status, long) =
            part(&s, &s.admin, &digest, "bytes 0-99/300000", axum::body::Body::from(photo[..5000].to_vec())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{long}");
        assert_eq!(problems(&long)[0].0, "Content-Range");

        assert_eq!(count(&s.t.db, "stored_files").await, 0);
        assert_eq!(spooled(&s), Vec::<std::path::PathBuf>::new(), "nothing kept of any refused part");
    }
}

/// A survey choosing from an XML instance and from a GeoJSON FeatureCollection.
fn instance_form() -> Vec<u8> {
    opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label"],
                &["select_one_from_file sectors.xml", "sector", "Sector"],
                &["select_multiple_from_file zones.geojson", "zones", "Zones"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["instances", "1"]])),
    ])
    .unwrap()
}

const SECTORS: &str = "<?xml version=\"1.0\"?>\n<root><item><name>kim</name><label>Kimironko &amp; co</label></item>\
    <item><name>rem</name><label>Remera</label><district>Gasabo</district></item></root>";
const ZONES: &str = r#"{"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "z1", "geometry": {"type": "Point", "coordinates": [30.1, -1.9]}, "properties": {"title": "North"}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [30.2, -1.8]}, "properties": {"id": "z2", "title": "South"}}]}"#;

#[tokio::test]
async fn a_form_reads_its_choices_from_an_xml_instance_and_a_geojson_file_and_refuses_files_without_them() {
    for backend in backends() {
        let s = setup(backend).await;
        let a =
            s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=instances.xlsx", instance_form()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        // Files without the fields the questions read are refused, naming the file and field.
        let (status, body) = attach(&s, id, "sectors.xml", b"<root><item><code>kim</code></item></root>").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(problems(&body).iter().any(|(c, m)| c == "name" && m.contains("sectors.xml")), "{body}");
        let (status, body) = attach(&s, id, "sectors.xml", b"<root><item><name>kim</name>").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let no_ids =
            r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"title": "North"}}]}"#;
        let (status, body) = attach(&s, id, "zones.geojson", no_ids.as_bytes()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(problems(&body).iter().any(|(c, m)| c == "id" && m.contains("zones.geojson")), "{body}");
        let (status, body) = attach(&s, id, "zones.geojson", b"[1, 2]").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        assert_eq!(attach(&s, id, "sectors.xml", SECTORS.as_bytes()).await.0, StatusCode::OK);
        assert_eq!(attach(&s, id, "zones.geojson", ZONES.as_bytes()).await.0, StatusCode::OK);
        let package: Value = s.api.get(&s.admin, "/api/v1/field/package").await;
        let form = package["instruments"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap();
        assert_eq!(form["missing_attachments"], json!([]));
        let lists = &form["form"]["file_lists"];
        let names = |q: &str| -> Vec<String> {
            lists[q].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
        };
        assert_eq!(names("sector"), ["kim", "rem"]);
        assert_eq!(lists["sector"][0]["label"].as_object().unwrap().values().next().unwrap(), "Kimironko & co");
        assert_eq!(names("zones"), ["z1", "z2"]);
        assert_eq!(lists["zones"][1]["label"].as_object().unwrap().values().next().unwrap(), "South");

        let submit = |answers: Value| {
            s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(submission(id, answers, json!([]))))
        };
        let (status, body) = submit(json!({"sector": "nyarugenge"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problems(&body)[0].0, "sector");
        assert!(problems(&body)[0].1.contains("kim, rem"), "{body}");
        let (status, body) = submit(json!({"zones": "z3"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problems(&body)[0].0, "zones");
        let (status, body) = submit(json!({"sector": "rem", "zones": "z2"})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// A form's audit log (the `audit` metadata item, answered `audit.csv`) is a file of the
/// submission like a photo: uploaded first by its digest, checked as text, stored with the
/// submission and listed under the audit item; named but not sent, or not text, refused
/// naming the item.
#[tokio::test]
async fn an_audit_log_is_stored_with_its_submission_and_checked_as_text() {
    for backend in backends() {
        let s = setup(backend).await;
        let workbook = opencpd_transfer::write_workbook(&[
            (
                "survey",
                rows(&[
                    &["type", "name", "label", "parameters"],
                    &["audit", "audit", "", "track-changes=true"],
                    &["text", "site", "Site", ""],
                ]),
            ),
            ("settings", rows(&[&["form_id", "version"], &["audited", "1"]])),
        ])
        .unwrap();
        let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=audited.xlsx", workbook).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let log = b"event,node,start,end,old-value,new-value\nform start,,1765000000000,\n\
                    question,/data/site,1765000000100,1765000004000,,P3\nform save,,1765000005000,\n"
            .to_vec();
        let picture = png();
        for f in [&log, &picture] {
            let a = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{}", sha(f)), f.clone()).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        }
        let submit = |answers: Value, files: Value| {
            let body = submission(id, answers, files);
            async { s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(body)).await }
        };
        let (status, body) = submit(json!({"audit": "audit.csv", "site": "P3"}), json!([])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problems(&body)[0].0, "audit", "{body}");
        let (status, body) =
            submit(json!({"audit": "audit.csv"}), json!([{"name": "audit.csv", "sha256": sha(&picture)}])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problems(&body)[0].0, "audit");
        assert!(problems(&body)[0].1.contains("png"), "{body}");
        assert_eq!(count(&s.t.db, "submissions").await, 0);
        // With no log (a form filled where none is kept), nothing is asked for.
        let (status, body) = submit(json!({"site": "P2"}), json!([])).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        let (status, body) =
            submit(json!({"audit": "audit.csv", "site": "P3"}), json!([{"name": "audit.csv", "sha256": sha(&log)}]))
                .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uuid = body["uuid"].as_str().unwrap().to_string();
        let stored: Value = s.api.get(&s.admin, &format!("/api/v1/submissions/{uuid}")).await;
        let files: Vec<(&str, &str, &str)> = stored["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (f["name"].as_str().unwrap(), f["question"].as_str().unwrap(), f["content_type"].as_str().unwrap())
            })
            .collect();
        assert_eq!(files, [("audit.csv", "audit", "text/plain; charset=utf-8")]);
        let got = s.api.send(Some(&s.admin), "GET", &format!("/api/v1/submissions/{uuid}/files/audit.csv"), None).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, log, "the log is downloaded as sent");
    }
}

/// An audit log's header must have the columns its form's audit parameters make ODK Collect
/// write (`event,node,start,end`; `latitude,longitude,accuracy` with location tracking;
/// `old-value,new-value` with track-changes; `user` with identify-user; `change-reason`
/// with track-changes-reasons): a log lacking one or having one more is refused, naming
/// the file, the question and the column, and nothing of the submission is stored.
#[tokio::test]
async fn an_audit_logs_header_has_the_columns_its_parameters_ask_for() {
    for backend in backends() {
        let s = setup(backend).await;
        let parameters = "location-priority=balanced location-min-interval=10 location-max-age=60 \
                          track-changes=true identify-user=true track-changes-reasons=on-form-edit";
        let workbook = opencpd_transfer::write_workbook(&[
            (
                "survey",
                rows(&[
                    &["type", "name", "label", "parameters"],
                    &["audit", "audit", "", parameters],
                    &["text", "site", "Site", ""],
                ]),
            ),
            ("settings", rows(&[&["form_id", "version"], &["audited_fully", "1"]])),
        ])
        .unwrap();
        let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=audited.xlsx", workbook).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let full = "event,node,start,end,latitude,longitude,accuracy,old-value,new-value,user,change-reason";
        let short = "event,node,start,end,latitude,longitude,accuracy,old-value,new-value,user";
        let extra = "event,node,start,end,latitude,longitude,accuracy,old-value,new-value,user,change-reason,note";
        let log = |header: &str| format!("{header}\nform start,,1765000000000,,,,,,,Ana,\n").into_bytes();
        for header in [full, short, extra] {
            let bytes = log(header);
            let a = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{}", sha(&bytes)), bytes.clone()).await;
            assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        }
        let submit = |header: &str| {
            let body = submission(
                id,
                json!({"audit": "audit.csv", "site": "P3"}),
                json!([{"name": "audit.csv", "sha256": sha(&log(header))}]),
            );
            async { s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(body)).await }
        };
        for (header, column, said) in
            [(short, "change-reason", "has no change-reason column"), (extra, "note", "has a note column")]
        {
            let (status, body) = submit(header).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let found = problems(&body);
            assert_eq!(found.len(), 1, "{body}");
            assert_eq!(found[0].0, "audit", "the question");
            assert!(found[0].1.contains("audit.csv") && found[0].1.contains(said), "{column}: {body}");
            assert!(found[0].1.contains(full), "the header expected is said: {body}");
        }
        assert_eq!(count(&s.t.db, "submissions").await, 0);
        assert_eq!(count(&s.t.db, "submission_files").await, 0, "nothing stored");
        let (status, body) = submit(full).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(count(&s.t.db, "submission_files").await, 1);

        // Said in French too.
        let problem = opencpd_domain::Problem::new("form-audit-column-missing")
            .with_value("audit.csv")
            .arg("heading", "user")
            .arg("expected", "event,node,start,end,user");
        assert!(problem.message("fr").contains("n'a pas de colonne user"), "{}", problem.message("fr"));
    }
}

/// An XLSForm and its attachments sent together (`multipart/form-data` on the import route,
/// or the publish page's form): stored together, or nothing stored when the form or any
/// file is refused, each refusal naming the file; a file not sent is uploaded after.
#[tokio::test]
async fn a_form_sent_with_its_attachments_is_stored_with_them_or_not_at_all() {
    for backend in backends() {
        let setup = setup(backend).await;
        let s = &setup;
        let workbook = form("1");
        let villages = b"name,label\nkim,Kimironko\nrem,Remera\n".to_vec();
        let prices = b"item,price\nmaize,450\n".to_vec();
        let map = png();
        let send = |files: Vec<(&'static str, Vec<u8>)>| {
            let workbook = workbook.clone();
            async move {
                let mut parts: Vec<(&str, &str, &[u8])> = vec![("file", "media.xlsx", &workbook)];
                parts.extend(files.iter().map(|(name, bytes)| ("attachments", *name, bytes.as_slice())));
                let a =
                    s.api.send_multipart(&s.admin, "POST", "/api/v1/instruments", &[("kind", "survey")], &parts).await;
                (a.status, a.json())
            }
        };
        let nothing_written = || async {
            for table in ["instruments", "instrument_forms", "instrument_attachments", "stored_files"] {
                assert_eq!(count(&s.t.db, table).await, 0, "{table}");
            }
        };

        // One file refused refuses all, naming it: not a file the form names, too large or
        // of another type than its name says, a CSV without the column a question reads,
        // a file sent twice.
        for (files, file, said) in [
            (vec![("villages.csv", villages.clone()), ("other.csv", prices.clone())], "other.csv", "villages.csv"),
            (vec![("villages.csv", villages.clone()), ("map.png", ogg())], "map.png", "ogg"),
            (
                vec![("prices.csv", prices.clone()), ("villages.csv", b"code,label\nkim,K\n".to_vec())],
                "name",
                "village",
            ),
            (vec![("map.png", map.clone()), ("map.png", map.clone())], "map.png", "twice"),
        ] {
            let (status, body) = send(files).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let found = problems(&body);
            assert_eq!(found.len(), 1, "{body}");
            assert_eq!(found[0].0, file, "{body}");
            assert!(found[0].1.contains(said), "{said}: {body}");
            nothing_written().await;
        }
        let big = {
            let mut b = b"name,label\n".to_vec();
            b.resize(11 * 1024 * 1024, b'a');
            b
        };
        let (status, body) = send(vec![("map.png", map.clone()), ("villages.csv", big)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problems(&body)[0].0, "villages.csv", "{body}");
        assert!(body["problems"][0]["code"] == "file-too-large" || problems(&body)[0].1.contains("bytes"), "{body}");
        nothing_written().await;

        // All taken: the instrument and its files in one go; the one not sent is missing.
        let (status, body) = send(vec![("villages.csv", villages.clone()), ("map.png", map.clone())]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{id}/attachments")).await;
        let state: Vec<(&str, bool)> =
            list.iter().map(|a| (a["name"].as_str().unwrap(), a["present"].as_bool().unwrap())).collect();
        assert_eq!(state, [("villages.csv", true), ("map.png", true), ("prices.csv", false)]);
        assert_eq!(list[1]["sha256"].as_str().unwrap(), sha(&map));
        let (status, _) = attach(s, id, "prices.csv", &prices).await;
        assert_eq!(status, StatusCode::OK, "a file not sent is uploaded after");

        // The publish page takes the files with the form, and says what it refused.
        let session = opencpd_testkit::api::session(&s.t.db, &s.admin).await;
        let workbook2 = form("2");
        let bad_villages = b"code,label\nkim,K\n".to_vec();
        let (status, page, _) = s
            .api
            .upload_page_files(
                &session,
                "/instruments",
                &[("kind", "survey")],
                &[("file", "media.xlsx", &workbook2), ("attachments", "villages.csv", &bad_villages)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("villages.csv") && page.contains("id=\"problems\""), "{page}");
        assert_eq!(count(&s.t.db, "instruments").await, 1, "nothing of version 2 stored");
        let (status, page, _) = s
            .api
            .upload_page_files(
                &session,
                "/instruments",
                &[("kind", "survey")],
                &[
                    ("file", "media.xlsx", &workbook2),
                    ("attachments", "villages.csv", &villages),
                    ("attachments", "prices.csv", &prices),
                    ("attachments", "map.png", &map),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let listed: Paged = s.api.get(&s.admin, "/api/v1/instruments?q=media_form&sort=version").await;
        let v2 = listed.items.iter().find(|i| i["version"] == "2").expect("version 2")["id"].as_i64().unwrap();
        let list: Vec<Value> = s.api.get(&s.admin, &format!("/api/v1/instruments/{v2}/attachments")).await;
        assert!(list.iter().all(|a| a["present"] == true), "{list:?}");
    }
}

/// Files kept for a publish or an upload that is then refused (the same version published
/// twice, a CSV without the column a question reads) are removed again, unless a row names
/// them or another request described them first: no file is left that no row names, and a
/// file an instrument or a coming submission uses stays.
#[tokio::test]
async fn files_kept_for_a_refused_publish_or_upload_are_removed_unless_something_else_uses_them() {
    for backend in backends() {
        let setup = setup(backend).await;
        let s = &setup;
        let villages = b"name,label\nkim,Kimironko\nrem,Remera\n".to_vec();
        let prices = b"item,price\nmaize,450\n".to_vec();
        let map = png();
        let publish = |version: &'static str, files: Vec<(&'static str, Vec<u8>)>| async move {
            let workbook = form(version);
            let mut parts: Vec<(&str, &str, &[u8])> = vec![("file", "media.xlsx", &workbook)];
            parts.extend(files.iter().map(|(name, bytes)| ("attachments", *name, bytes.as_slice())));
            let a = s.api.send_multipart(&s.admin, "POST", "/api/v1/instruments", &[("kind", "survey")], &parts).await;
            (a.status, a.json())
        };
        // The digests described, and those of the files in the store.
        let kept = || async {
            let described: Vec<String> =
                on_db!(&s.t.db, |p| sqlx::query_scalar("SELECT sha256 FROM stored_files ORDER BY sha256")
                    .fetch_all(p)
                    .await)
                .unwrap();
            let mut stored: Vec<String> = walk(s._dir.path())
                .into_iter()
                .filter(|p| !p.starts_with(s._dir.path().join(".incoming")))
                .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
                .collect();
            stored.sort();
            (described, stored)
        };
        let sorted = |mut d: Vec<String>| {
            d.sort();
            (d.clone(), d)
        };

        let (status, body) = publish("1", vec![("villages.csv", villages.clone()), ("map.png", map.clone())]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().unwrap();
        let used = sorted(vec![sha(&villages), sha(&map)]);
        assert_eq!(kept().await, used);

        // The same version again, with the instrument's own CSV, another picture and a file
        // of its own: refused once its files are kept; only the instrument's CSV stays.
        let other_map = jpeg(5_000, 1);
        let (status, body) = publish(
            "1",
            vec![("villages.csv", villages.clone()), ("map.png", other_map.clone()), ("prices.csv", prices.clone())],
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(count(&s.t.db, "instruments").await, 1);
        assert_eq!(kept().await, used, "no file left that no row names");

        // An upload after the form of a CSV without the column a question reads.
        let (status, body) = attach(s, id, "villages.csv", b"code,label\nkim,K\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(kept().await, used, "the refused CSV is not kept");

        // A photo uploaded for a submission still to come, then kept by a refused publish
        // too: another request described it first, so it stays.
        let photo = jpeg(8_000, 2);
        let put = s.api.send_bytes(&s.admin, "PUT", &format!("/api/v1/files/{}", sha(&photo)), photo.clone()).await;
        assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
        let (status, body) = publish("1", vec![("map.png", photo.clone())]).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(kept().await, sorted(vec![sha(&villages), sha(&map), sha(&photo)]));
    }
}

/// `files::forget` removes a file only when the request that kept it alone described it,
/// first and last: another request that sent the same file since (and may be about to name
/// it) or before keeps it in the store.
#[tokio::test]
async fn forget_removes_a_file_only_when_one_request_alone_kept_it() {
    use opencpd_kernel::files::{Files, Limits, TEXT, forget};
    for backend in backends() {
        let t = TestDb::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let files = Files::dir(dir.path()).unwrap();
        let limits = Limits::new(1 << 20, &[TEXT]);
        let keep = |text: &'static str| {
            let (db, files, limits) = (&t.db, &files, &limits);
            async move {
                let body =
                    futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(text.as_bytes()))]);
                files.keep(db, body, limits, "file", None).await.unwrap()
            }
        };
        let kept = |sha256: String| {
            let (db, files) = (&t.db, &files);
            async move {
                let described: i64 =
                    on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM stored_files WHERE sha256 = $1")
                        .bind(&sha256)
                        .fetch_one(p)
                        .await)
                    .unwrap();
                (described, files.size(&sha256).await.unwrap().is_some())
            }
        };

        // Kept by one request alone, even twice: removed.
        let alone = keep("name,label\nkim,Kimironko\n").await;
        assert_eq!(forget(&t.db, &files, std::slice::from_ref(&alone)).await.unwrap(), vec![alone.sha256.clone()]);
        assert_eq!(kept(alone.sha256).await, (0, false));
        let (once, twice) = (keep("item,price\n").await, keep("item,price\n").await);
        let sha256 = once.sha256.clone();
        assert_eq!(forget(&t.db, &files, &[once, twice]).await.unwrap(), vec![sha256.clone()]);
        assert_eq!(kept(sha256).await, (0, false));

        // Sent by another request since, or before: left, for prune.
        let (first, then) = (keep("code\n1\n").await, keep("code\n1\n").await);
        let none = Vec::<String>::new();
        assert_eq!(forget(&t.db, &files, std::slice::from_ref(&first)).await.unwrap(), none, "sent again since");
        assert_eq!(forget(&t.db, &files, &[then]).await.unwrap(), none, "sent before");
        assert_eq!(kept(first.sha256).await, (1, true));
    }
}

#[derive(serde::Deserialize)]
struct Paged {
    items: Vec<Value>,
}
