//! The row-level export as Kobo and ODK Central users expect it, through the area alone on a
//! form built here: English and Swahili labels or the XML names, headers with the item's
//! name, a select_multiple with a 0/1 column per choice, a geopoint in four columns, a
//! photo as a link, and a repeat with a repeat inside as tables joined by key (a zip of
//! CSV files, or a sheet each).

use axum::http::StatusCode;
use opencpd_domain::AccountRole;
use opencpd_instruments::web::AREA;
use opencpd_kernel::on_db;
use opencpd_testkit::api::{Api, token};
use opencpd_testkit::{Backend, TestDb, backends};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Read;

fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

/// Two questions labelled "Name" in English, a select_multiple, a geopoint, a photo, and
/// households with their members.
fn form() -> Vec<u8> {
    opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label::English (en)", "label::Swahili (sw)"],
                &["text", "respondent_name", "Name", "Jina"],
                &["text", "village_name", "Name", "Jina la kijiji"],
                &["select_multiple crops", "crops", "Crops grown", "Mazao"],
                &["geopoint", "location", "Location", "Mahali"],
                &["image", "photo", "Photo", "Picha"],
                &["begin_repeat", "household", "Household", "Kaya"],
                &["integer", "size", "Size", "Ukubwa"],
                &["begin_repeat", "member", "Member", "Mwanakaya"],
                &["text", "member_name", "Member name", "Jina la mwanakaya"],
                &["end_repeat", "", "", ""],
                &["end_repeat", "", "", ""],
            ]),
        ),
        (
            "choices",
            rows(&[
                &["list_name", "name", "label::English (en)", "label::Swahili (sw)"],
                &["crops", "maize", "Maize", "Mahindi"],
                &["crops", "beans", "Beans", "Maharagwe"],
                &["crops", "rice", "Rice", "Mchele"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["household_survey", "1"]])),
    ])
    .expect("workbook")
}

struct Setup {
    api: Api,
    admin: String,
    id: i64,
    /// The submission with every answer, then the one with a name only.
    full: String,
    bare: String,
    _t: TestDb,
    _dir: tempfile::TempDir,
}

async fn setup(backend: Backend) -> Setup {
    let t = TestDb::new(backend).await;
    for sql in [
        "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/')",
        "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
         (10, 'S10', 'EP Kimironko', 1, '/1/', 'primary', 'public')",
    ] {
        on_db!(&t.db, |p| sqlx::query(sql).execute(p).await.map(|_| ())).expect(sql);
    }
    let dir = tempfile::tempdir().unwrap();
    let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
    let config = opencpd_http::WebConfig {
        files: Some(files),
        public_url: Some("https://opencpd.example.org/".into()),
        ..Default::default()
    };
    let api = Api::with_config(&t.db, &[&AREA], config);
    let admin = token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
    let a = api.send_bytes(&admin, "POST", "/api/v1/instruments?filename=households.xlsx", form()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();

    let photo = {
        let mut b = b"\xff\xd8\xff\xe0".to_vec();
        b.extend_from_slice(&[5; 300]);
        b
    };
    let sha = hex::encode(Sha256::digest(&photo));
    let put = api.send_bytes(&admin, "PUT", &format!("/api/v1/files/{sha}"), photo).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.text());
    let submit = async |answers: Value, files: Value| -> String {
        let uuid = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "uuid": uuid, "instrument_id": id, "collected_at": "2026-03-02T10:00:00Z",
            "subject": {"kind": "school", "id": 10}, "answers": answers, "files": files,
        });
        let (status, answer) = api.call(Some(&admin), "POST", "/api/v1/submissions", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        uuid
    };
    let full = submit(
        json!({
            "respondent_name": "Amina", "village_name": "Kimironko", "crops": ["maize", "rice"],
            "location": "-1.9536 30.0606 1567 4.5", "photo": "my photo.jpg",
            "household": [
                {"size": 2, "member": [{"member_name": "Aline"}, {"member_name": "Bosco"}]},
                {"size": 1, "member": [{"member_name": "Claude"}]},
            ],
        }),
        json!([{"name": "my photo.jpg", "sha256": sha}]),
    )
    .await;
    let bare = submit(json!({"respondent_name": "Baraka"}), json!([])).await;
    Setup { api, admin, id, full, bare, _t: t, _dir: dir }
}

/// A CSV's rows as cells (no cell of these exports holds a comma or a quote).
fn table(text: &str) -> Vec<Vec<String>> {
    text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// The CSV files of a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<Vec<String>>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().unwrap().to_string(), table(&text))
        })
        .collect()
}

/// The cell of `row` under `header`.
fn at<'a>(table: &'a [Vec<String>], row: usize, header: &str) -> &'a str {
    let c = table[0].iter().position(|h| h == header).unwrap_or_else(|| panic!("no {header} in {:?}", table[0]));
    &table[row][c]
}

#[tokio::test]
async fn a_csv_export_is_a_zip_of_tables_joined_by_key_with_choices_points_and_links_in_columns() {
    for backend in backends() {
        let s = setup(backend).await;
        let got =
            s.api.send(Some(&s.admin), "GET", &format!("/api/v1/instruments/{}/export?lang=en", s.id), None).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        let tables = unzip(&got.body);
        assert_eq!(
            tables.keys().collect::<Vec<_>>(),
            ["household.csv", "household_survey.csv", "member.csv"],
            "{backend:?}: one CSV a table"
        );
        let main = &tables["household_survey.csv"];
        assert_eq!(
            main[0][7..],
            [
                "Name (respondent_name)",
                "Name (village_name)",
                "Crops grown (crops)",
                "Maize (crops/maize)",
                "Beans (crops/beans)",
                "Rice (crops/rice)",
                "Location (location/latitude)",
                "Location (location/longitude)",
                "Location (location/altitude)",
                "Location (location/accuracy)",
                "Photo (photo)",
            ],
            "two questions labelled alike are told apart; no column for the repeats"
        );
        assert_eq!(main.len(), 3);
        assert_eq!(at(main, 1, "uuid"), s.full);
        assert_eq!(
            main[1][7..],
            [
                "Amina",
                "Kimironko",
                "Maize Rice",
                "1",
                "0",
                "1",
                "-1.9536",
                "30.0606",
                "1567",
                "4.5",
                &format!("https://opencpd.example.org/api/v1/submissions/{}/files/my%20photo.jpg", s.full),
            ]
        );
        assert_eq!(at(main, 2, "uuid"), s.bare);
        assert!(main[2][8..].iter().all(String::is_empty), "nothing answered, nothing said: {:?}", main[2]);

        let household = &tables["household.csv"];
        assert_eq!(household, &table(&format!("_uuid,_index,Size (size)\n{0},1,2\n{0},2,1\n", s.full)));
        let member = &tables["member.csv"];
        assert_eq!(
            member,
            &table(&format!(
                "_uuid,_index,_parent_index,Member name (member_name)\n{0},1,1,Aline\n{0},2,1,Bosco\n{0},3,2,Claude\n",
                s.full
            )),
            "each member joined to its household's _index"
        );
        // The link is the file route, and it serves the photo.
        let path = at(main, 1, "Photo (photo)").trim_start_matches("https://opencpd.example.org");
        let photo = s.api.send(Some(&s.admin), "GET", path, None).await;
        assert_eq!(photo.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn an_export_speaks_any_language_of_the_form_or_its_xml_names_and_names_the_others() {
    for backend in backends() {
        let s = setup(backend).await;
        let s = &s;
        let export = async |lang: &str, format: &str| {
            let uri = format!("/api/v1/instruments/{}/export?lang={lang}&format={format}", s.id);
            s.api.send(Some(&s.admin), "GET", &uri, None).await
        };
        let sw = unzip(&export("sw", "csv").await.body);
        let main = &sw["household_survey.csv"];
        assert_eq!(main[0][7..10], ["Jina (respondent_name)", "Jina la kijiji (village_name)", "Mazao (crops)"]);
        assert_eq!(at(main, 0, "Mahindi (crops/maize)"), "Mahindi (crops/maize)");
        assert_eq!(at(main, 1, "Mazao (crops)"), "Mahindi Mchele", "{backend:?}");
        assert_eq!(sw["member.csv"][0][3], "Jina la mwanakaya (member_name)");

        let xml = unzip(&export("xml", "csv").await.body);
        let main = &xml["household_survey.csv"];
        assert_eq!(
            main[0][7..13],
            ["respondent_name", "village_name", "crops", "crops/maize", "crops/beans", "crops/rice"]
        );
        assert_eq!(at(main, 1, "crops"), "maize rice");
        assert_eq!(at(main, 1, "location/latitude"), "-1.9536");
        assert_eq!(xml["household.csv"][0], ["_uuid", "_index", "size"]);

        // The instrument page offers them.
        let (status, page) = s.api.text(&s.admin, "GET", &format!("/instruments/{}", s.id), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("id=\"export-form\""), "{page}");
        for option in
            ["<option value=\"en\" selected>en", "<option value=\"sw\">sw", "<option value=\"xml\">names (XML)"]
        {
            assert!(page.contains(option), "{option} in {page}");
        }

        let refused = export("de", "csv").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.json();
        assert_eq!(body["problems"][0]["column"], "lang", "{body}");
        assert!(body["problems"][0]["message"].as_str().unwrap().contains("en, sw, xml"), "{body}");

        // XLSX: a sheet a table, the same headers and keys.
        let xlsx = export("en", "xlsx").await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let sheets = opencpd_transfer::read_sheets(
            &xlsx.body,
            opencpd_transfer::Which::Named(&["household_survey", "household", "member"]),
            &opencpd_transfer::Limits::IMPORT,
        )
        .unwrap();
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["household_survey", "household", "member"]);
        assert_eq!(sheets[0].rows[0].cells[9], "Crops grown (crops)");
        assert_eq!(sheets[0].rows[1].cells[10..13], ["1", "0", "1"]);
        assert_eq!(sheets[2].rows[0].cells, ["_uuid", "_index", "_parent_index", "Member name (member_name)"]);
        assert_eq!(sheets[2].rows[3].cells, [s.full.as_str(), "3", "2", "Claude"]);
        assert_eq!(sheets[1].rows.len(), 3, "a header and two households");
    }
}

/// Schools chosen from a CSV attached to the form (several, and one), subjects with an
/// "other" choice, a route and a plot.
fn field_form() -> Vec<u8> {
    opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label"],
                &["select_multiple_from_file schools.csv", "visited", "Schools visited"],
                &["select_one_from_file schools.csv", "base", "Base school"],
                &["select_multiple subjects or_other", "subjects", "Subjects"],
                &["geotrace", "route", "Route"],
                &["geoshape", "plot", "Plot"],
                &["text", "remark", "Remark"],
            ]),
        ),
        (
            "choices",
            rows(&[
                &["list_name", "name", "label"],
                &["subjects", "math", "Math"],
                &["subjects", "english", "English"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["field_visit", "1"]])),
    ])
    .expect("workbook")
}

#[tokio::test]
async fn an_export_gives_traces_and_shapes_as_odk_writes_them_the_other_text_after_its_select_and_choices_from_the_attached_file()
 {
    for backend in backends() {
        let t = TestDb::new(backend).await;
        on_db!(&t.db, |p| sqlx::query(
            "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES (1, NULL, 'UG', 0, 'UG', 'Uganda', '/1/')"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        on_db!(&t.db, |p| sqlx::query(
            "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
             (10, 'S10', 'Kampala Primary', 1, '/1/', 'primary', 'public')"
        )
        .execute(p)
        .await
        .map(|_| ()))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = opencpd_kernel::files::Files::dir(dir.path()).unwrap();
        let api =
            Api::with_config(&t.db, &[&AREA], opencpd_http::WebConfig { files: Some(files), ..Default::default() });
        let admin = token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
        let a = api.send_bytes(&admin, "POST", "/api/v1/instruments?filename=field.xlsx", field_form()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let csv = b"name,label\nkam,Kampala Primary\ngul,Gulu Primary\nmba,Mbarara Primary\n".to_vec();
        let up = api
            .send_bytes(&admin, "POST", &format!("/api/v1/instruments/{id}/attachments?name=schools.csv"), csv)
            .await;
        assert_eq!(up.status, StatusCode::OK, "{}", up.text());
        let uuid = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "uuid": uuid, "instrument_id": id, "collected_at": "2026-03-02T10:00:00Z",
            "subject": {"kind": "school", "id": 10}, "files": [],
            "answers": {
                "visited": ["kam", "mba"], "base": "gul", "subjects": ["math", "other"], "subjects_other": "Luganda",
                "route": "0.3476 32.5825 1190 5;0.3480 32.5830 1192 4.5",
                "plot": "0.34 32.58;0.34 32.59;0.35 32.59;0.34 32.58",
            },
        });
        let (status, answer) = api.call(Some(&admin), "POST", "/api/v1/submissions", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {answer}");

        let got = api.send(Some(&admin), "GET", &format!("/api/v1/instruments/{id}/export?lang=en"), None).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        let main = table(&got.text());
        assert_eq!(
            main[0][7..],
            [
                "Schools visited (visited)",
                "Kampala Primary (visited/kam)",
                "Gulu Primary (visited/gul)",
                "Mbarara Primary (visited/mba)",
                "Base school (base)",
                "Subjects (subjects)",
                "Math (subjects/math)",
                "English (subjects/english)",
                "Other (subjects/other)",
                "Specify other. (subjects_other)",
                "Route (route)",
                "Plot (plot)",
                "Remark (remark)",
            ],
            "{backend:?}: a 0/1 column per choice of the file, the other text after its select, a column per line"
        );
        assert_eq!(
            main[1][7..],
            [
                "Kampala Primary Mbarara Primary",
                "1",
                "0",
                "1",
                "Gulu Primary",
                "Math Other",
                "1",
                "0",
                "1",
                "Luganda",
                "0.3476 32.5825 1190 5;0.348 32.583 1192 4.5",
                "0.34 32.58 0 0;0.34 32.59 0 0;0.35 32.59 0 0;0.34 32.58 0 0",
                "",
            ],
            "{backend:?}"
        );
        let xml = api.send(Some(&admin), "GET", &format!("/api/v1/instruments/{id}/export?lang=xml"), None).await;
        let xml = table(&xml.text());
        assert_eq!(
            xml[0][7..16],
            [
                "visited",
                "visited/kam",
                "visited/gul",
                "visited/mba",
                "base",
                "subjects",
                "subjects/math",
                "subjects/english",
                "subjects/other"
            ]
        );
        assert_eq!(xml[1][7..12], ["kam mba", "1", "0", "1", "gul"], "{backend:?}: names in the XML wording");
    }
}

/// pyxform's own `or_other` form (`select_one colors or_other`), read from the shared corpus.
#[tokio::test]
#[cfg_attr(not(shared_corpus), ignore = "needs the shared reference data: ../shared/data/xlsform-corpus")]
async fn the_other_text_of_pyxforms_or_other_form_is_exported_after_its_select() {
    let bytes = std::fs::read(concat!(env!("OPENCPD_SHARED_CORPUS"), "example_xls/or_other.xlsx")).unwrap();
    for backend in backends() {
        let s = setup(backend).await;
        let a = s.api.send_bytes(&s.admin, "POST", "/api/v1/instruments?filename=or_other.xlsx", bytes.clone()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let id = a.json()["id"].as_i64().unwrap();
        let uuid = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "uuid": uuid, "instrument_id": id, "collected_at": "2026-03-02T10:00:00Z",
            "subject": {"kind": "school", "id": 10}, "files": [],
            "answers": {"fav_color": "other", "fav_color_other": "turquoise"},
        });
        let (status, answer) = s.api.call(Some(&s.admin), "POST", "/api/v1/submissions", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{backend:?}: {answer}");
        let got = s.api.send(Some(&s.admin), "GET", &format!("/api/v1/instruments/{id}/export?lang=xml"), None).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        let main = table(&got.text());
        let at_select = main[0].iter().position(|h| h == "fav_color").expect("the select's column");
        assert_eq!(main[0][at_select + 1], "fav_color_other", "{:?}", main[0]);
        assert_eq!(main[1][at_select..at_select + 2], ["other", "turquoise"], "{backend:?}");
    }
}

/// Submissions stored straight into the table, as many as several pages of an export hold:
/// the `k`th has a name, crops, and `k % 3` households of `k % 2 + 1` members each.
async fn store_many(db: &opencpd_kernel::Db, id: i64, count: usize) -> Vec<String> {
    let answers = |k: usize| {
        let households: Vec<Value> = (0..k % 3)
            .map(|h| {
                let members: Vec<Value> =
                    (0..k % 2 + 1).map(|m| json!({"member_name": format!("M{k}-{h}-{m}")})).collect();
                json!({"size": h + k % 5, "member": members})
            })
            .collect();
        let crops = [json!(["maize"]), json!(["beans", "rice"]), json!([])][k % 3].clone();
        json!({"respondent_name": format!("R{k}"), "crops": crops, "household": households}).to_string()
    };
    let uuids: Vec<String> = (0..count).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for chunk in (0..count).collect::<Vec<_>>().chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, {id}, NULL, ${}, ${}, 'school', 10, '/1/', ${}, '[]')",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO submissions (uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, \
             subject_id, subject_path, answers_json, scores_json) VALUES {}",
            values.join(", ")
        );
        on_db!(db, |p| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for &k in chunk {
                let at = chrono::DateTime::from_timestamp(1_770_000_000 + k as i64, 0).unwrap();
                q = q.bind(uuids[k].clone()).bind(at).bind(at).bind(answers(k));
            }
            q.execute(p).await.map(|_| ())
        })
        .expect("stored");
    }
    uuids
}

#[tokio::test]
async fn an_export_of_several_pages_keeps_submissions_in_order_and_joins_their_repeats_across_pages() {
    for backend in backends() {
        let s = setup(backend).await;
        // 2,500 submissions after the two of the setup: ten full pages and a part, made in
        // turn by as many threads as there are cores.
        let count = 2_500;
        let uuids = store_many(&s._t.db, s.id, count).await;
        let export = async |format: &str| {
            let uri = format!("/api/v1/instruments/{}/export?lang=xml&format={format}", s.id);
            let got = s.api.send(Some(&s.admin), "GET", &uri, None).await;
            assert_eq!(got.status, StatusCode::OK, "{}", got.text());
            got.body
        };
        let tables = unzip(&export("csv").await);
        let main = &tables["household_survey.csv"];
        assert_eq!(main.len(), 1 + 2 + count, "{backend:?}: a header and every submission once");
        assert_eq!((at(main, 1, "uuid"), at(main, 2, "uuid")), (s.full.as_str(), s.bare.as_str()));
        for (k, uuid) in uuids.iter().enumerate() {
            assert_eq!(at(main, 3 + k, "uuid"), uuid, "{backend:?}: in the order stored");
            assert_eq!(at(main, 3 + k, "respondent_name"), format!("R{k}"));
            let crops = ["maize", "beans rice", ""][k % 3];
            assert_eq!(at(main, 3 + k, "crops"), crops);
            assert_eq!(at(main, 3 + k, "crops/rice"), if k % 3 == 1 { "1" } else { "0" });
        }
        // The repeats' tables as they must be: each instance numbered from 1 in its
        // submission, each member joined to its household.
        let (mut households, mut members) = (Vec::new(), Vec::new());
        for (k, uuid) in uuids.iter().enumerate() {
            let mut member = 0;
            for h in 0..k % 3 {
                households.push(vec![uuid.clone(), (h + 1).to_string(), (h + k % 5).to_string()]);
                for m in 0..k % 2 + 1 {
                    member += 1;
                    members.push(vec![uuid.clone(), member.to_string(), (h + 1).to_string(), format!("M{k}-{h}-{m}")]);
                }
            }
        }
        assert_eq!(tables["household.csv"][3..], households[..], "{backend:?}");
        assert_eq!(tables["member.csv"][4..], members[..], "{backend:?}");

        // The workbook holds the same cells, a sheet a table.
        let xlsx = export("xlsx").await;
        let sheets = opencpd_transfer::read_sheets(
            &xlsx,
            opencpd_transfer::Which::Named(&["household_survey", "household", "member"]),
            &opencpd_transfer::Limits::IMPORT,
        )
        .unwrap();
        for (sheet, csv) in sheets.iter().zip(["household_survey.csv", "household.csv", "member.csv"]) {
            let cells: Vec<Vec<String>> = sheet
                .rows
                .iter()
                .map(|r| {
                    let mut cells = r.cells.clone();
                    cells.resize(tables[csv][0].len(), String::new());
                    cells
                })
                .collect();
            assert_eq!(cells, tables[csv], "{backend:?}: {csv}");
        }
    }
}
