//! Certificates as PDF (read back with a real PDF reader), the certificate wording, the
//! sign-in sheet and its marks typed back, and QR self check-in with every refusal, on
//! both databases.

use opencpd_testapp::delivery::{cli, codes, cohort, cohort_id, course, json_of, start, teachers_in};
use opencpd_testapp::{TestApp, backends, hidden};
use serde_json::{Value, json};

/// The text of every page of a PDF, as a reader extracts it.
pub(crate) fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(bytes).expect("a PDF a reader opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    (pages.len(), doc.extract_text(&pages).expect("text"))
}

/// Text as extracted, with line breaks and repeated spaces made single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn pdf_of(r: reqwest::Response) -> (u16, String, Vec<u8>) {
    let status = r.status().as_u16();
    let kind = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

async fn attendance_count(app: &TestApp, session: i64) -> i64 {
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM attendance WHERE session_id = $1"
    )
    .bind(session)
    .fetch_one(p)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_certificate_pdf_holds_the_name_course_and_serial_in_the_chosen_wording() {
    for backend in backends() {
        let app = start(backend).await;
        let id = cohort_id(&app, "EL-DIP-2025-NYA").await;
        let seo = app.api("seo.gitega").await;
        let list: Value =
            seo.get(&format!("/api/v1/cohorts/{id}/certificates")).send().await.unwrap().json().await.unwrap();
        let first = list[0].clone();
        let person = first["person_id"].as_i64().unwrap();
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
            "UPDATE people SET given_name = 'Émilie', family_name = 'Nkurunziza' WHERE id = $1"
        )
        .bind(person)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
        .unwrap();
        let cert = first["id"].as_i64().unwrap();
        let (status, kind, bytes) =
            pdf_of(seo.get(&format!("/api/v1/certificates/{cert}.pdf")).send().await.unwrap()).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"));
        let (pages, text) = pdf_text(&bytes);
        let text = flat(&text);
        assert_eq!(pages, 1);
        for wanted in ["Émilie Nkurunziza", first["course_title"].as_str().unwrap(), first["serial"].as_str().unwrap()]
        {
            assert!(text.contains(wanted), "{wanted:?} not in {text:?}");
        }
        assert!(
            text.contains("Certificate of Completion")
                && text.contains(&format!("/verify/{}", first["code"].as_str().unwrap())),
            "{text}"
        );

        // The wording: an unknown placeholder is named and nothing is stored.
        let admin = app.api("admin").await;
        let course_code = first["course_code"].as_str().unwrap();
        let bad = json!({"course_code": course_code, "lang": "fr", "issuer": "REB", "title": "Attestation",
                         "body": "{name}\n{nom} a suivi {course}", "signatories": "Directeur, {signataire}"});
        let (status, body) = json_of(admin.put("/api/v1/certificate-templates").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            codes(&body),
            vec![
                ("unknown-placeholder".to_string(), "body".to_string()),
                ("unknown-placeholder".to_string(), "signatories".to_string())
            ]
        );
        assert!(body["problems"][0]["message"].as_str().unwrap().contains("{nom}"), "{body}");
        assert_eq!(app.scalar("SELECT COUNT(*) FROM certificate_templates").await, 0);
        let (status, _) = json_of(seo.put("/api/v1/certificate-templates").json(&bad).send().await.unwrap()).await;
        assert_eq!(status, 403, "a sector officer does not change the wording");
        let good = json!({"course_code": course_code, "lang": "fr", "issuer": "Office rwandais de l'éducation",
                          "title": "Attestation de formation", "body": "Décernée à\n{name}\npour {course}\n{hours} heures",
                          "signatories": "Directrice générale, {issuer}"});
        let (status, body) =
            json_of(admin.put("/api/v1/certificate-templates").json(&good).send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        let (_, _, bytes) =
            pdf_of(seo.get(&format!("/api/v1/certificates/{cert}.pdf?lang=fr")).send().await.unwrap()).await;
        let text = flat(&pdf_text(&bytes).1);
        assert!(
            text.contains("Attestation de formation")
                && text.contains("Décernée à")
                && text.contains("Émilie Nkurunziza"),
            "{text}"
        );
        assert!(text.contains("Numéro de série") && text.contains(first["serial"].as_str().unwrap()), "{text}");
        // English still has the built-in wording.
        let (_, _, bytes) =
            pdf_of(seo.get(&format!("/api/v1/certificates/{cert}.pdf?lang=en")).send().await.unwrap()).await;
        assert!(flat(&pdf_text(&bytes).1).contains("Certificate of Completion"));
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'certificate_template'").await, 1);

        // The page route, for a reader of the cohort; someone out of scope gets "not found".
        let browser = app.browser("seo.gitega").await;
        let r = browser.get(app.url(&format!("/certificates/{cert}.pdf"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let page = browser.get(app.url(&format!("/certificates/{cert}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("<svg") && page.contains("Émilie Nkurunziza"), "the certificate page shows the QR code");
        let (status, _, _) =
            pdf_of(app.api("teacher").await.get(&format!("/api/v1/certificates/{cert}.pdf")).send().await.unwrap())
                .await;
        assert_eq!(status, 404, "another teacher does not see it");
        let (status, _, _) = pdf_of(seo.get("/api/v1/certificates/999999.pdf").send().await.unwrap()).await;
        assert_eq!(status, 404);

        // Batch from the command line: every certificate not revoked, one file per serial.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().to_str().unwrap();
        let code = cli(&[
            "certificates",
            "--cohort",
            "EL-DIP-2025-NYA",
            "--out",
            out,
            "--base-url",
            "https://cpd.example.org",
            "--db",
            &app.db.url,
        ])
        .await;
        assert_eq!(code, std::process::ExitCode::SUCCESS);
        let written = std::fs::read_dir(dir.path()).unwrap().count() as i64;
        let valid: i64 = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM certificates c JOIN enrolments e ON e.id = c.enrolment_id WHERE e.cohort_id = $1 AND c.revoked_on IS NULL"
        )
        .bind(id)
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(written, valid);
        let mine = std::fs::read(dir.path().join(format!("{}.pdf", first["serial"].as_str().unwrap()))).unwrap();
        assert!(
            flat(&pdf_text(&mine).1)
                .contains(&format!("https://cpd.example.org/verify/{}", first["code"].as_str().unwrap()))
        );
    }
}

/// A course and cohort in the unit of the demo's teacher, with the teacher and `others`
/// more teachers enrolled, and a session today. Answers (cohort id, session id).
async fn cohort_with_session_today(app: &TestApp, code: &str, others: usize, with_teacher: bool) -> (i64, i64) {
    let admin = app.api("admin").await;
    let unit: String = opencpd_kernel::on_db!(&app.db.db, |p| {
        sqlx::query_scalar(
        "SELECT u.code FROM users a JOIN positions x ON x.person_id = a.person_id JOIN schools s ON s.id = x.school_id \
         JOIN units u ON u.id = s.unit_id WHERE a.username = 'teacher'"
    )
    .fetch_one(p)
    .await
    })
    .unwrap();
    let (status, body) = json_of(admin.post("/api/v1/courses").json(&course(code)).send().await.unwrap()).await;
    assert_eq!(status, 201, "{body}");
    let (status, c) =
        json_of(admin.post("/api/v1/cohorts").json(&cohort(code, code, &unit, 200)).send().await.unwrap()).await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let mut staff = teachers_in(app, &unit, others + 1).await;
    let teacher: String = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
        "SELECT p.staff_number FROM users a JOIN people p ON p.id = a.person_id WHERE a.username = 'teacher'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    staff.retain(|s| *s != teacher);
    staff.truncate(others);
    if with_teacher {
        staff.push(teacher);
    }
    for s in &staff {
        let (status, body) = json_of(
            admin
                .post(&format!("/api/v1/cohorts/{id}/enrolments"))
                .json(&json!({"staff_number": s}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let today = opencpd_kernel::today().to_string();
    let (status, s) = json_of(
        admin
            .post(&format!("/api/v1/cohorts/{id}/sessions"))
            .json(&json!({"held_on": today, "title": "Day one", "hours": 6}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    (id, s["id"].as_i64().unwrap())
}

#[tokio::test]
async fn qr_check_in_marks_once_and_refuses_every_bad_code() {
    for backend in backends() {
        let app = start(backend).await;
        let (id, session) = cohort_with_session_today(&app, "QRIN1", 2, true).await;
        let (_, other_session) = cohort_with_session_today(&app, "QRIN2", 2, false).await;
        let admin = app.api("admin").await;
        let teacher = app.api("teacher").await;
        let (status, code) =
            json_of(admin.get(&format!("/api/v1/sessions/{session}/checkin-code")).send().await.unwrap()).await;
        assert_eq!(status, 200, "{code}");
        let current = code["code"].as_str().unwrap().to_string();
        assert_eq!(code["path"].as_str().unwrap(), format!("/checkin/{session}/{current}"));
        let (_, other) =
            json_of(admin.get(&format!("/api/v1/sessions/{other_session}/checkin-code")).send().await.unwrap()).await;
        let other_code = other["code"].as_str().unwrap().to_string();
        let old = opencpd_delivery::store::checkin::code_at(
            &app.db.db,
            session,
            chrono::Utc::now() - chrono::Duration::minutes(5),
        )
        .await
        .unwrap();

        let check_in =
            |s: i64, c: String| teacher.post(&format!("/api/v1/sessions/{s}/checkin")).json(&json!({"code": c}));
        let refused = [
            (check_in(session, "WRONG234".into()), "checkin-bad-code"),
            (check_in(session, old.clone()), "checkin-expired"),
            (check_in(session, other_code.clone()), "checkin-other-session"),
            (
                admin.post(&format!("/api/v1/sessions/{session}/checkin")).json(&json!({"code": current})),
                "checkin-no-person",
            ),
        ];
        for (request, expected) in refused {
            let (status, body) = json_of(request.send().await.unwrap()).await;
            assert_eq!((status, codes(&body)[0].0.as_str()), (422, expected), "{body}");
        }
        let (_, body) = json_of(check_in(session, other_code.clone()).send().await.unwrap()).await;
        assert!(body["problems"][0]["message"].as_str().unwrap().contains("QRIN2"), "{body}");
        assert_eq!(
            attendance_count(&app, session).await + attendance_count(&app, other_session).await,
            0,
            "nothing changed"
        );

        // A session on another day: no code shown, no check-in.
        let tomorrow = (opencpd_kernel::today() + chrono::Duration::days(1)).to_string();
        let (_, later) = json_of(
            admin
                .post(&format!("/api/v1/cohorts/{id}/sessions"))
                .json(&json!({"held_on": tomorrow, "title": "Day two", "hours": 6}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let later = later["id"].as_i64().unwrap();
        let (status, body) =
            json_of(admin.get(&format!("/api/v1/sessions/{later}/checkin-code")).send().await.unwrap()).await;
        assert_eq!((status, codes(&body)[0].0.as_str()), (422, "checkin-not-today"));
        let (status, body) = json_of(check_in(later, current.clone()).send().await.unwrap()).await;
        assert_eq!((status, codes(&body)[0].0.as_str()), (422, "checkin-not-today"));
        // The teacher may not ask for the code.
        let (status, _) =
            json_of(teacher.get(&format!("/api/v1/sessions/{session}/checkin-code")).send().await.unwrap()).await;
        assert_eq!(status, 404);

        // The right code: present, once; scanning again says so and changes nothing.
        let (status, body) = json_of(check_in(session, current.to_lowercase()).send().await.unwrap()).await;
        assert_eq!(
            (status, body["status"].as_str(), body["already"].as_bool()),
            (200, Some("present"), Some(false)),
            "{body}"
        );
        let audits = app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'attendance'").await;
        let (status, body) = json_of(check_in(session, current.clone()).send().await.unwrap()).await;
        assert_eq!((status, body["already"].as_bool()), (200, Some(true)));
        assert_eq!(attendance_count(&app, session).await, 1);
        assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_events WHERE entity = 'attendance'").await, audits);

        // The pages: the facilitator's screen shows the QR code; the participant confirms.
        let facilitator = app.browser("admin").await;
        let screen = facilitator
            .get(app.url(&format!("/sessions/{session}/checkin")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(screen.contains("<svg") && screen.contains("http-equiv=\"refresh\""), "{screen}");
        let browser = app.browser("teacher").await;
        let (_, fresh) =
            json_of(admin.get(&format!("/api/v1/sessions/{session}/checkin-code")).send().await.unwrap()).await;
        let path = fresh["path"].as_str().unwrap().to_string();
        let page = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        let r = browser.post(app.url(&path)).form(&[("csrf", hidden(&page, "csrf"))]).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("already marked"));
        let r = browser
            .post(app.url(&format!("/checkin/{session}/ZZZZ2345")))
            .form(&[("csrf", hidden(&page, "csrf"))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("not a check-in code for this session"));
        // Not logged in: sent to the login page, to come back.
        let anyone = reqwest::Client::new();
        let r = anyone.get(app.url(&path)).send().await.unwrap();
        assert!(r.url().path() == "/login" && r.url().query().unwrap_or("").contains("checkin"), "{}", r.url());
    }
}

#[tokio::test]
async fn forged_host_a_certificates_qr_address_comes_from_the_public_url_never_the_host_header() {
    for backend in backends() {
        for public_url in [None, Some("https://cpd.example.org")] {
            let config = opencpd_web::WebConfig { public_url: public_url.map(String::from), ..Default::default() };
            let app = TestApp::start_with(backend, config).await;
            opencpd_demo::delivery::build(&app.db.db, 7).await.expect("delivery demo");
            let expected = public_url.map(String::from).unwrap_or_else(|| app.base.clone());
            let id = cohort_id(&app, "EL-DIP-2025-NYA").await;
            let seo = app.api("seo.gitega").await;
            let list: Value =
                seo.get(&format!("/api/v1/cohorts/{id}/certificates")).send().await.unwrap().json().await.unwrap();
            let (cert, code) = (list[0]["id"].as_i64().unwrap(), list[0]["code"].as_str().unwrap().to_string());
            let r = seo.get(&format!("/api/v1/certificates/{cert}.pdf")).header("host", "evil.example").send();
            let (status, _, bytes) = pdf_of(r.await.unwrap()).await;
            assert_eq!(status, 200, "{backend:?}");
            let text = flat(&pdf_text(&bytes).1);
            assert!(text.contains(&format!("{expected}/verify/{code}")), "{backend:?} {public_url:?}: {text}");
            assert!(!text.contains("evil.example"), "{backend:?}: {text}");
            // The certificate's page shows the same address.
            let browser = app.browser("seo.gitega").await;
            let r = browser.get(app.url(&format!("/certificates/{cert}"))).header("host", "evil.example").send();
            let page = r.await.unwrap().text().await.unwrap();
            let link = format!("{expected}/verify/{code}").replace('/', "&#x2f;");
            assert!(page.contains(&link) && !page.contains("evil.example"), "{page}");
        }
    }
}

#[tokio::test]
async fn checkin_leak_a_session_out_of_scope_answers_404_like_one_that_does_not_exist() {
    for backend in backends() {
        let app = start(backend).await;
        // The teacher is enrolled in the first cohort only.
        let (_, mine) = cohort_with_session_today(&app, "QRLK1", 1, true).await;
        let (_, theirs) = cohort_with_session_today(&app, "QRLK2", 1, false).await;
        let admin = app.api("admin").await;
        let code = |s: i64| {
            let admin = &admin;
            async move {
                let (_, c) =
                    json_of(admin.get(&format!("/api/v1/sessions/{s}/checkin-code")).send().await.unwrap()).await;
                c["code"].as_str().unwrap().to_string()
            }
        };
        let (mine_code, theirs_code) = (code(mine).await, code(theirs).await);
        let missing = theirs + 100_000;
        let browser = app.browser("teacher").await;
        let page = |s: i64, c: String| browser.get(app.url(&format!("/checkin/{s}/{c}"))).send();
        let r = page(mine, mine_code.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}: the teacher's own session");
        let absent = page(missing, theirs_code.clone()).await.unwrap();
        let (absent_status, absent_text) = (absent.status(), absent.text().await.unwrap());
        let r = page(theirs, theirs_code.clone()).await.unwrap();
        let (status, text) = (r.status(), r.text().await.unwrap());
        assert_eq!((status.as_u16(), absent_status.as_u16()), (404, 404), "{backend:?}: {text}");
        assert!(!text.contains("QRLK2") && !text.contains(&opencpd_kernel::today().to_string()), "{text}");
        assert!(!text.contains("Day one") && !absent_text.contains("Day one"), "{text}");
        // The API: the same "not found", with no date, whatever the code.
        let teacher = app.api("teacher").await;
        for (s, c) in [(theirs, theirs_code.clone()), (theirs, "WRONG234".into()), (missing, theirs_code.clone())] {
            let (status, body) = json_of(
                teacher.post(&format!("/api/v1/sessions/{s}/checkin")).json(&json!({"code": c})).send().await.unwrap(),
            )
            .await;
            assert_eq!((status, codes(&body)[0].0.as_str()), (404, "not-found"), "{backend:?} {s}: {body}");
        }
        assert_eq!(attendance_count(&app, theirs).await, 0);
        // A facilitator of the cohort (not enrolled in it) still sees the session.
        let facilitator = app.browser("admin").await;
        let r = facilitator.get(app.url(&format!("/checkin/{theirs}/{theirs_code}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{backend:?}");
    }
}

#[tokio::test]
async fn the_sign_in_sheet_is_printed_and_typed_back_by_row_number() {
    for backend in backends() {
        let app = start(backend).await;
        let (_, session) = cohort_with_session_today(&app, "SHEET1", 5, true).await;
        let admin = app.api("admin").await;
        let (status, kind, bytes) =
            pdf_of(admin.get(&format!("/api/v1/sessions/{session}/sheet.pdf")).send().await.unwrap()).await;
        assert_eq!((status, kind.as_str()), (200, "application/pdf"));
        let text = flat(&pdf_text(&bytes).1);
        assert!(text.contains("Sign-in sheet") && text.contains("Day one") && text.contains("SHEET1"), "{text}");
        let (status, preview) = json_of(
            admin.post(&format!("/api/v1/sessions/{session}/typed-marks"))
                .json(&json!({"groups": [{"status": "present", "rows": "1-3, 5"}, {"status": "late", "rows": "4"}], "others": "absent", "dry_run": true}))
                .send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{preview}");
        let lines = preview["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 6);
        let statuses: Vec<&str> = lines.iter().map(|l| l["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["present", "present", "present", "late", "present", "absent"]);
        // The sheet lists the same people in the same order.
        for l in lines {
            let name = l["name"].as_str().unwrap();
            assert!(text.contains(name), "{name} not on the sheet");
        }
        let first = lines[0]["name"].as_str().unwrap();
        assert!(text.find(first) < text.find(lines[5]["name"].as_str().unwrap()));
        assert_eq!(attendance_count(&app, session).await, 0, "a preview saves nothing");

        // Bad rows are named; nothing is saved.
        let bad = [
            (
                json!([{"status": "present", "rows": "1-3, 9, x"}]),
                vec![("row-out-of-range", "present"), ("bad-row-range", "present")],
            ),
            (
                json!([{"status": "present", "rows": "1-3"}, {"status": "late", "rows": "3"}]),
                vec![("row-twice", "late")],
            ),
            (json!([{"status": "present", "rows": "5-2"}]), vec![("bad-row-range", "present")]),
            (json!([{"status": "asleep", "rows": "1"}]), vec![("bad-choice", "groups[0].status")]),
        ];
        for (groups, expected) in bad {
            let (status, body) = json_of(
                admin
                    .post(&format!("/api/v1/sessions/{session}/typed-marks"))
                    .json(&json!({"groups": groups}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let got = codes(&body);
            let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            assert_eq!((status, got), (422, expected), "{body}");
        }
        let (_, body) = json_of(
            admin
                .post(&format!("/api/v1/sessions/{session}/typed-marks"))
                .json(&json!({"groups": [{"status": "present", "rows": "1-3, 9"}]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(body["problems"][0]["message"].as_str().unwrap().contains("row 9"), "{body}");
        assert_eq!(attendance_count(&app, session).await, 0);

        // The page: preview by name, then save through the marking function.
        let browser = app.browser("admin").await;
        let page =
            browser.get(app.url(&format!("/sessions/{session}/typed"))).send().await.unwrap().text().await.unwrap();
        let csrf = hidden(&page, "csrf");
        let form = [("csrf", csrf.as_str()), ("rows_present", "1-4"), ("rows_late", "5"), ("others", "absent")];
        let r = browser.post(app.url(&format!("/sessions/{session}/typed"))).form(&form).send().await.unwrap();
        let html = r.text().await.unwrap();
        assert!(html.contains("typed-preview") && html.contains(first) && html.contains("id=\"save\""), "{html}");
        assert_eq!(attendance_count(&app, session).await, 0);
        let mut save = form.to_vec();
        save.push(("save", "1"));
        let r = browser.post(app.url(&format!("/sessions/{session}/typed"))).form(&save).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("6 marks saved; 5 attending."));
        assert_eq!(attendance_count(&app, session).await, 6);
        let r = browser
            .post(app.url(&format!("/sessions/{session}/typed")))
            .form(&[("csrf", csrf.as_str()), ("rows_present", "1-40"), ("save", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("row 1-40 is not on the sheet"));
        // A teacher sees no sheet.
        let (status, _, _) = pdf_of(
            app.api("teacher").await.get(&format!("/api/v1/sessions/{session}/sheet.pdf")).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 404);
    }
}

/// The text of the QR code in a PNG screenshot.
fn decode_qr(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("frame");
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * info.line_size) + x * channels;
        let px = &buf[i..i + channels.min(3)];
        (px.iter().map(|v| *v as u32).sum::<u32>() / px.len() as u32) as u8
    });
    let grids = image.detect_grids();
    assert!(!grids.is_empty(), "no QR code in the screenshot");
    grids[0].decode().expect("a readable QR code").1
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_certificate_is_verified_by_scanning_its_qr_code_in_a_browser() {
    let app = start(opencpd_testapp::Backend::Sqlite).await;
    let id = cohort_id(&app, "EL-DIP-2025-NYA").await;
    let seo = app.api("seo.gitega").await;
    let list: Value =
        seo.get(&format!("/api/v1/cohorts/{id}/certificates")).send().await.unwrap().json().await.unwrap();
    let first = list[0].clone();
    let b = crate::browser::Browser::start(420, 900).await;
    b.login(&app, "seo.gitega").await;
    b.client.goto(&app.url(&format!("/cohorts/{id}"))).await.unwrap();
    b.click_link(first["serial"].as_str().unwrap()).await;
    assert_eq!(b.text("#certificate-holder").await, first["holder"].as_str().unwrap());
    let qr = b.client.wait().for_element(fantoccini::Locator::Css("#certificate-qr")).await.unwrap();
    // As a reader would, scroll the code whole into the window before taking it.
    b.client
        .execute("document.getElementById('certificate-qr').scrollIntoView({block: 'center'});", vec![])
        .await
        .unwrap();
    let shot = qr.screenshot().await.expect("screenshot");
    let url = decode_qr(&shot);
    assert_eq!(url, app.url(&format!("/verify/{}", first["code"].as_str().unwrap())));
    // Whoever scans it, logged in or not, reads that it is valid and whose it is.
    let other = crate::browser::Browser::start(420, 900).await;
    other.client.goto(&url).await.unwrap();
    assert_eq!(other.text("#status").await, "Valid certificate");
    assert_eq!(other.text("#holder").await, first["holder"].as_str().unwrap());
}
