//! Pages in a real browser: Debian's chromium driven through chromedriver. Slow, so they
//! run only with `OPENCPD_SLOW_TESTS=1` (`.ci/run` sets it).

use fantoccini::{Client, ClientBuilder, Locator};
use opencpd_testapp::{Backend, PASSWORD, TestApp};
use std::process::{Child, Command, Stdio};

/// A chromedriver with a headless chromium, ended on drop.
pub struct Browser {
    driver: Child,
    /// The port chromedriver listens on, for the commands WebDriver lacks ([`Browser::cdp`]).
    port: u16,
    pub client: Client,
    profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(width: u32, height: u32) -> Browser {
        Browser::start_in(width, height, "en-US").await
    }

    /// A fresh browser whose user prefers `language` (its interface and Accept-Language).
    pub async fn start_in(width: u32, height: u32, language: &str) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium-driver)");
        let profile = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", format!("--user-data-dir={}", profile.path().display()),
                         format!("--window-size={width},{height}"), format!("--lang={language}")],
                "prefs": { "intl.accept_languages": language }
            }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return Browser { driver, port, client, profile },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("could not start chromium through chromedriver: {last:?}");
    }

    /// The element's text; found again when a page loading under it made it stale.
    pub async fn text(&self, css: &str) -> String {
        let mut last = None;
        for _ in 0..50 {
            let element =
                self.client.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
            match element.text().await {
                Ok(text) => return text,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{css}: {last:?}");
    }

    /// The text of `css` once `done` holds of it, or the last text read after 10 s: for a
    /// page a script opens after it has sent a form, where the page before it is still
    /// showing for a moment.
    pub async fn text_until(&self, css: &str, done: impl Fn(&str) -> bool) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            text = self.text(css).await;
            if done(&text) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        text
    }

    pub async fn click_link(&self, text: &str) {
        self.client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("link {text}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Sends a Chrome DevTools command to the page (through chromedriver's `goog/cdp`), for
    /// what a real device gives a page and WebDriver cannot: its location, its permissions.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let session = self.client.session_id().await.unwrap().expect("a session");
        let r = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/session/{session}/goog/cdp/execute", self.port))
            .json(&serde_json::json!({ "cmd": cmd, "params": params }))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(status.is_success(), "{cmd}: {body}");
        body
    }

    pub async fn login(&self, app: &TestApp, username: &str) {
        self.client.goto(&app.url("/")).await.unwrap();
        self.client.wait().for_element(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
        self.client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        self.client.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
        // Wait for the page after the login, not the login page still showing.
        for _ in 0..100 {
            if self.client.current_url().await.is_ok_and(|u| u.path() != "/login") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("still on the login page after logging in as {username}");
    }
}

impl Drop for Browser {
    /// Stops Chromium with its driver: killing chromedriver alone leaves the browser and its
    /// helpers running, and a test run would leave hundreds behind. Every process of this
    /// browser names its own profile directory, so they are found by it.
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .status();
    }
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn log_in_drill_down_to_a_school_see_a_failed_import_and_switch_to_french() {
    let app = TestApp::start(Backend::Sqlite).await;
    let b = Browser::start(1280, 900).await;

    // A wrong password is refused on the page itself.
    b.client.goto(&app.url("/login")).await.unwrap();
    b.client.find(Locator::Css("#username")).await.unwrap().send_keys("admin").await.unwrap();
    b.client.find(Locator::Css("#password")).await.unwrap().send_keys("wrong-password").await.unwrap();
    b.client.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    assert_eq!(b.text("#login-error").await, "wrong user name or password");

    b.login(&app, "admin").await;
    assert_eq!(b.text("h1").await, "Welcome, Immaculée Ingabire");
    let schools = app.scalar("SELECT COUNT(*) FROM schools").await;
    assert_eq!(b.text("#count-schools").await, schools.to_string());

    // Country › province › district › sector › school.
    for name in ["Rwanda", "Umujyi wa Kigali", "Nyarugenge", "Gitega"] {
        b.click_link(name).await;
        assert!(b.text("h1").await.starts_with(name), "on {name}'s page");
    }
    let first = b.client.find(Locator::Css("#schools tbody tr td a")).await.unwrap();
    let school_name = first.text().await.unwrap();
    first.click().await.unwrap();
    assert_eq!(b.text("#school-name").await, school_name);
    let staff_rows = b.client.find_all(Locator::Css("#staff tbody tr")).await.unwrap().len();
    assert!(staff_rows >= 5, "the school lists its staff ({staff_rows})");

    // A failed import shows every problem with its row and column, and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("people.csv");
    std::fs::write(&bad, "staff_number,given_name,family_name,sex\nB1,Aline,Uwase,X\nB1,Jean,Habimana,M\n").unwrap();
    let people = app.scalar("SELECT COUNT(*) FROM people").await;
    b.click_link("Import").await;
    b.client.wait().for_element(Locator::Css("#kind")).await.unwrap().select_by_value("people").await.unwrap();
    b.client.find(Locator::Css("#file")).await.unwrap().send_keys(&bad.to_string_lossy()).await.unwrap();
    b.client.find(Locator::Css("#upload")).await.unwrap().click().await.unwrap();
    let summary = b.text("#report-summary").await;
    assert_eq!(summary, "2 problems in 2 rows. Nothing was written.");
    let problems = b.text("#problems").await;
    assert!(problems.contains("X is not one of: F, M"), "{problems}");
    assert!(problems.contains("B1 is already on row 2 of this file"), "{problems}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM people").await, people);

    // Switching to French keeps the page and translates it.
    b.click_link("Français").await;
    assert_eq!(b.text("h1").await, "Importer");
    b.click_link("Accueil").await;
    assert_eq!(b.text("h1").await, "Bienvenue, Immaculée Ingabire");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn pages_fit_a_phone_and_scope_holds_in_the_browser() {
    let app = TestApp::start(Backend::Sqlite).await;
    let b = Browser::start(390, 844).await;
    b.login(&app, "seo.gitega").await;
    assert_eq!(b.text("h1").await, "Welcome, Sector education officer, Gitega");
    // The page is no wider than the phone: nothing to scroll sideways.
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
    // Guessing another sector's school id is "not found".
    let other = app
        .id_of("SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = $1", "RW-10102")
        .await;
    b.client.goto(&app.url(&format!("/schools/{other}"))).await.unwrap();
    assert!(b.text("h1").await.contains("(404)"));
}

/// Sets form answers by input name, as a person would pick and type them.
const FILL: &str = r#"
const answers = arguments[0];
for (const [name, value] of Object.entries(answers)) {
  const inputs = [...document.querySelectorAll(`#form [name="${name}"]`)];
  if (inputs.length === 0) throw new Error('no input ' + name);
  const first = inputs[0];
  if (first.type === 'radio') {
    const choice = inputs.find((i) => i.value === value);
    if (!choice) throw new Error('no choice ' + value + ' for ' + name);
    choice.click();
  } else {
    first.value = value;
    first.dispatchEvent(new Event('input', { bubbles: true }));
    first.dispatchEvent(new Event('change', { bubbles: true }));
  }
}
"#;

async fn wait_for_text(b: &Browser, css: &str, want: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = b.client.find(Locator::Css(css)).await {
            last = e.text().await.unwrap_or_default();
            if last == want {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css}: wanted «{want}», last saw «{last}»");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn the_field_app_collects_offline_survives_a_reload_and_syncs_each_form_once() {
    use opencpd_testapp::TestDb;
    let db = TestDb::new(Backend::Sqlite).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;

    // Offline: the server is gone; the app still opens from its cache.
    served.stop();
    b.client.refresh().await.unwrap();
    b.client.wait().for_element(Locator::Css("#instruments [data-instrument-id]")).await.unwrap();

    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    for n in 0..3 {
        b.client.find(Locator::Css("#instruments [data-instrument-id]")).await.unwrap().click().await.unwrap();
        b.client.wait().for_element(Locator::Css("#form [name=\"lesson_date\"]")).await.unwrap();
        b.client
            .find(Locator::Css("#subject"))
            .await
            .unwrap()
            .select_by_value(&format!("school:{school}"))
            .await
            .unwrap();
        let answers = serde_json::json!({
            "lesson_date": "2026-02-03", "subject": "math", "learners_present": (40 + n).to_string(), "girls_present": "20",
            "objectives_shared": "3", "feedback": "2", "learners_active": "4", "questioning": "1",
            "agreed_action": format!("Action {n}"),
        });
        b.client.execute(FILL, vec![answers]).await.unwrap();
        b.client.find(Locator::Css("#save")).await.unwrap().click().await.unwrap();
        wait_for_text(&b, "#status", &format!("0 sent, {} waiting, 0 rejected", n + 1)).await;
    }
    // A phone number corrected offline travels in the same outbox.
    let teacher: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT person_id FROM users WHERE username = 'teacher'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#contact-person")).await.unwrap().select_by_value(&teacher.to_string()).await.unwrap();
    let phone = b.client.find(Locator::Css("#contact-phone")).await.unwrap();
    phone.clear().await.unwrap();
    phone.send_keys("+250788555000").await.unwrap();
    b.client.find(Locator::Css("#contact-save")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 4 waiting, 0 rejected").await;

    // A reload while offline loses nothing.
    b.client.refresh().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 4 waiting, 0 rejected").await;
    let stored: i64 =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM submissions").fetch_one(p).await)
            .unwrap();
    assert_eq!(stored, 0);

    // Back online: sync sends each once.
    served.start_again().await;
    b.client.find(Locator::Css("#sync")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "4 sent, 0 waiting, 0 rejected").await;
    b.client.find(Locator::Css("#sync")).await.unwrap().click().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    served.stop();
    let (stored, distinct): (i64, i64) =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT uuid) FROM submissions")
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!((stored, distinct), (3, 3), "three forms, each stored once");
    let phone: Option<String> =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT phone FROM people WHERE id = $1")
            .bind(teacher)
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!(phone.as_deref(), Some("+250788555000"), "the offline edit applied once");
}

/// A small real PNG: a gradient of `side` by `side` pixels.
fn png_image(side: u32) -> Vec<u8> {
    let pixels: Vec<u8> = (0..side * side).flat_map(|i| [(i % side * 8) as u8, (i / side * 8) as u8, 120]).collect();
    rgb_png(side, &pixels)
}

/// A PNG of `side` by `side` pixels of noise, which compresses to no less than its 3 bytes
/// a pixel: as heavy as a phone's photo.
fn noise_png(side: u32) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let pixels: Vec<u8> = (0..side * side * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    rgb_png(side, &pixels)
}

/// The PNG of `side` by `side` RGB `pixels`.
fn rgb_png(side: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// An enumerator on a phone collects a form with a photo and a location offline: the photo
/// is a real file given to the form's file input, the location the one the device reports
/// (set through the DevTools protocol, with the permission granted). Saved, reloaded while
/// offline, synced once back online; the administrator's export then holds the latitude and
/// longitude given in the geopoint's columns and a link to the photo that serves its bytes,
/// on either database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_photo_and_a_location_collected_offline_on_a_phone_sync_once_and_reach_the_export() {
    for backend in opencpd_testapp::backends() {
        photo_and_location_offline(backend).await;
    }
}

/// Uploads the XLSForm `classroom_photo` as the administrator: a site, a photo of the
/// classroom, then `more` rows (`type`, `name`, `label`, `parameters`). Its id.
async fn classroom_photo_form(http: &reqwest::Client, base: &str, admin: &str, more: &[&[&str]]) -> i64 {
    let mut survey: Vec<Vec<String>> = [
        ["type", "name", "label", "parameters"],
        ["text", "site", "Site", ""],
        ["image", "photo", "Photo of the classroom", ""],
    ]
    .iter()
    .map(|r| r.iter().map(|c| c.to_string()).collect())
    .collect();
    survey.extend(more.iter().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
    let settings =
        vec![vec!["form_id".to_string(), "version".to_string()], vec!["classroom_photo".to_string(), "1".to_string()]];
    let form = opencpd_transfer::write_workbook(&[("survey", survey), ("settings", settings)]).unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=classroom_photo.xlsx"))
        .bearer_auth(admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    created["id"].as_i64().unwrap()
}

/// In the field app, offline: opens the form `instrument` about the first school of
/// RW-10101, fills its site, and gives `photo`, written to `path`, to its `photo` question
/// as the camera would. The photo's digest, once the app says it keeps it.
async fn photo_of_a_classroom(
    b: &Browser,
    db: &opencpd_kernel::Db,
    instrument: i64,
    photo: &[u8],
    path: &std::path::Path,
) -> String {
    click(b, &format!("#instruments [data-instrument-id=\"{instrument}\"]")).await;
    b.client.wait().for_element(Locator::Css("#form [name=\"site\"]")).await.unwrap();
    let school: i64 = opencpd_kernel::on_db!(db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    b.client.execute(FILL, vec![serde_json::json!({ "site": "Classroom P3" })]).await.unwrap();
    std::fs::write(path, photo).unwrap();
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(photo))
    };
    b.client
        .find(Locator::Css("#form input[type=file][data-media=\"photo\"]"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    let kept = b.text_until("#form [data-path=\"photo\"] .media .hint", |t| t.contains(&digest)).await;
    assert_eq!(kept, format!("Kept on this device: {digest}.png"));
    digest
}

async fn photo_and_location_offline(backend: Backend) {
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();

    // The form, uploaded as an XLSForm: a site, its location and a photo of it.
    let instrument = classroom_photo_form(
        &http,
        &base,
        &admin,
        &[&["geopoint", "place", "Where", ""], &["image", "board", "Photo of the board", "max-pixels=16"]],
    )
    .await;

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;

    // Offline: the server is gone.
    served.stop();
    b.client.refresh().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("classroom.png");
    // The photo: a real file given to the input, as the camera would give it.
    let photo = png_image(24);
    let digest = photo_of_a_classroom(&b, &db.db, instrument, &photo, &path).await;
    // The board's question takes photos of 16 pixels at most: the same picture is kept
    // made smaller, as a JPEG.
    b.client
        .find(Locator::Css("#form input[type=file][data-media=\"board\"]"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    let board = b.text_until("#form [data-path=\"board\"] .media .hint", |t| t.ends_with(".jpg")).await;
    assert!(board.starts_with("Kept on this device: ") && !board.contains(&digest), "{board}");

    // The location: the device reports Kigali to within 12 m.
    let (latitude, longitude) = (-1.9441, 30.0619);
    b.cdp("Browser.grantPermissions", serde_json::json!({ "permissions": ["geolocation"], "origin": base })).await;
    b.cdp(
        "Emulation.setGeolocationOverride",
        serde_json::json!({ "latitude": latitude, "longitude": longitude, "accuracy": 12 }),
    )
    .await;
    click(&b, "#form [data-locate=\"place\"]").await;
    let found = b.text_until("#form [data-path=\"place\"] .location .hint", |t| t.starts_with("Location found")).await;
    assert_eq!(found, "Location found, to within 12 m.");
    let point = b.client.find(Locator::Css("#form [name=\"place\"]")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(point.as_deref(), Some("-1.9441 30.0619 0 12"));

    b.client.find(Locator::Css("#save")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    // A reload while offline keeps the submission and its photo.
    b.client.refresh().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM submissions").await, 0);

    // Back online: one sync sends the photo then the submission, a second sends nothing.
    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    click(&b, "#sync").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let uuid: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT uuid FROM submissions WHERE instrument_id = $1")
            .bind(instrument)
            .fetch_one(p)
            .await)
        .expect("the submission is stored once");

    // The administrator's export: the geopoint as its four columns, the photo as a link.
    let r = http
        .get(format!("{base}/api/v1/instruments/{instrument}/export?format=xlsx&lang=xml"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    let sheets =
        opencpd_transfer::read_sheets(&bytes, opencpd_transfer::Which::First, &opencpd_transfer::Limits::IMPORT)
            .unwrap();
    let rows: Vec<Vec<String>> = sheets[0].rows.iter().map(|r| r.cells.clone()).collect();
    assert_eq!(rows.len(), 2, "a header and one submission: {rows:?}");
    let cell = |header: &str| -> String {
        let at = rows[0].iter().position(|h| h == header).unwrap_or_else(|| panic!("{header} in {:?}", rows[0]));
        rows[1][at].clone()
    };
    assert_eq!(cell("site"), "Classroom P3");
    assert_eq!(cell("place/latitude").parse::<f64>().unwrap(), latitude);
    assert_eq!(cell("place/longitude").parse::<f64>().unwrap(), longitude);
    assert_eq!(cell("place/accuracy").parse::<f64>().unwrap(), 12.0);
    let link = cell("photo");
    assert_eq!(link, format!("{base}/api/v1/submissions/{uuid}/files/{digest}.png"));
    let got = http.get(&link).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo, "the photo's own bytes");
    let got = http.get(cell("board")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(jpeg_size(&got.bytes().await.unwrap()), Some((16, 16)), "made smaller to max-pixels, as a JPEG");
    served.stop();
}

/// A question with a calculation in the field app: it takes the calculation's value when what
/// the calculation reads changes, keeps the respondent's own value until then, and the
/// server takes the value sent; `add_none_option` offers "None" on the device.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_calculated_question_follows_its_inputs_in_the_field_app_and_keeps_an_edit_until_they_change() {
    let db = opencpd_testapp::TestDb::new(Backend::Sqlite).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "calculation"],
                &["integer", "pupils", "Pupils", ""],
                &["integer", "books", "Books needed", "${pupils} * 2"],
                &["text", "said", "Summary", "concat('pupils: ', /data/pupils)"],
                &["text", "site", "Site", ""],
                &["select_multiple help", "help", "Help wanted", ""],
            ]),
        ),
        ("choices", rows(&[&["list_name", "name", "label"], &["help", "books", "Books"]])),
        ("settings", rows(&[&["form_id", "version", "add_none_option"], &["books_count", "1", "yes"]])),
    ])
    .unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/instruments?filename=books_count.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    click(&b, &format!("#instruments [data-instrument-id=\"{instrument}\"]")).await;
    b.client.wait().for_element(Locator::Css("#form [name=\"pupils\"]")).await.unwrap();
    // Read by a script, so that the form drawn again meanwhile (the app's messages arriving)
    // leaves no stale element behind.
    let value = |name: &'static str| {
        let b = &b;
        async move {
            let script =
                "const i = document.querySelector(`#form [name=\"${arguments[0]}\"]`); return i ? i.value : null;";
            let got = b.client.execute(script, vec![serde_json::json!(name)]).await.unwrap();
            got.as_str().unwrap_or_else(|| panic!("no input {name}")).to_string()
        }
    };
    b.client.execute(FILL, vec![serde_json::json!({ "pupils": "30" })]).await.unwrap();
    assert_eq!(value("books").await, "60");
    assert_eq!(value("said").await, "pupils: 30");
    // The respondent's own number stays while the pupils stay.
    b.client.execute(FILL, vec![serde_json::json!({ "books": "55", "site": "P3" })]).await.unwrap();
    assert_eq!(value("books").await, "55");
    // The pupils change: the calculation's value again.
    b.client.execute(FILL, vec![serde_json::json!({ "pupils": "31" })]).await.unwrap();
    assert_eq!(value("books").await, "62");
    assert_eq!(value("said").await, "pupils: 31");
    b.client.execute(FILL, vec![serde_json::json!({ "books": "60" })]).await.unwrap();
    // add_none_option: "None" is offered with the list's own choices.
    let offered = b
        .client
        .execute("return [...document.querySelectorAll('#form input[name=\"help\"]')].map((i) => i.value);", vec![])
        .await
        .unwrap();
    assert_eq!(offered, serde_json::json!(["books", "none"]));
    // Ticked as a tap does (the sticky save button may cover it on a phone's screen).
    b.client
        .execute(
            "document.querySelector(arguments[0]).click();",
            vec![serde_json::json!("#form input[name=\"help\"][value=\"none\"]")],
        )
        .await
        .unwrap();

    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    click(&b, "#save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let stored: String = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT answers_json FROM submissions WHERE instrument_id = $1"
    )
    .bind(instrument)
    .fetch_one(p)
    .await)
    .expect("the submission is stored");
    let answers: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(answers["books"], 60, "the value sent, edited after the last change: {answers}");
    assert_eq!(answers["said"], "pupils: 31");
    assert_eq!(answers["help"], serde_json::json!(["none"]));
    served.stop();
}

/// The form's metadata filled by the field app as ODK Collect fills them, offline on a phone:
/// the account's e-mail (its person's), its phone left empty and said so on the form, the
/// position the device reports when the form starts (`start-geopoint`), and the audit log
/// `audit.csv` (with its changes tracked) sent with the submission as its file; then a form
/// started where the device refuses its location says that it goes without one. On either
/// database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_forms_email_phone_start_location_and_audit_log_are_recorded_offline_and_stored() {
    for backend in opencpd_testapp::backends() {
        metadata_offline(backend).await;
    }
}

async fn metadata_offline(backend: Backend) {
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    // The account is linked to a person with an e-mail and no phone.
    let person: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(id) FROM people WHERE id NOT IN (SELECT person_id FROM users WHERE person_id IS NOT NULL)"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query("UPDATE people SET email = $1, phone = NULL WHERE id = $2")
        .bind("seo.gitega@example.org")
        .bind(person)
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    opencpd_kernel::on_db!(&db.db, |p| sqlx::query("UPDATE users SET person_id = $1 WHERE username = 'seo.gitega'")
        .bind(person)
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "parameters"],
                &["start", "started", "", ""],
                &["end", "ended", "", ""],
                &["username", "user", "", ""],
                &["email", "mail", "", ""],
                &["phonenumber", "phone", "", ""],
                &["start-geopoint", "where", "", ""],
                &["audit", "audit", "", "track-changes=true"],
                &["text", "site", "Site", ""],
                &["integer", "pupils", "Pupils", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["visit_meta", "1"]])),
    ])
    .unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=visit_meta.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    // The device is in Kigali, to within 12 m, and lets the app know it.
    b.cdp("Browser.grantPermissions", serde_json::json!({ "permissions": ["geolocation"], "origin": base })).await;
    b.cdp(
        "Emulation.setGeolocationOverride",
        serde_json::json!({ "latitude": -1.9441, "longitude": 30.0619, "accuracy": 12 }),
    )
    .await;

    served.stop();
    b.client.refresh().await.unwrap();
    let pick = format!("#instruments [data-instrument-id=\"{instrument}\"]");
    click(&b, &pick).await;
    let place = b
        .text_until("#form-notices [data-metadata=\"start-geopoint\"]", |t| t.starts_with("Where the form was started"))
        .await;
    assert_eq!(place, "Where the form was started is recorded, to within 12 m.");
    assert_eq!(
        b.text("#form-notices [data-metadata=\"phonenumber\"]").await,
        "This form records your phone number, but your account has none (it is the phone of the person your \
         account is linked to): it will be sent empty."
    );
    assert!(
        b.client.find(Locator::Css("#form-notices [data-metadata=\"email\"]")).await.is_err(),
        "the e-mail is known"
    );
    assert!(overflow(&b).await <= 0, "the notices fit the phone");
    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    // Typed as a person types, one question after the other: the log follows the focus.
    click(&b, "#form [name=\"site\"]").await;
    b.client.find(Locator::Css("#form [name=\"site\"]")).await.unwrap().send_keys("Classroom P3").await.unwrap();
    click(&b, "#form [name=\"pupils\"]").await;
    b.client.find(Locator::Css("#form [name=\"pupils\"]")).await.unwrap().send_keys("41").await.unwrap();
    click(&b, "#save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;

    // A form started where the device refuses its location says it goes without one.
    b.cdp(
        "Browser.setPermission",
        serde_json::json!({ "permission": { "name": "geolocation" }, "setting": "denied", "origin": base }),
    )
    .await;
    click(&b, &pick).await;
    let refused =
        b.text_until("#form-notices [data-metadata=\"start-geopoint\"]", |t| t.contains("gave no location")).await;
    assert!(
        refused.starts_with("This form records where it was started, but this device gave no location (")
            && refused.ends_with("): it will be sent empty."),
        "{refused}"
    );
    click(&b, "#cancel").await;

    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let uuid: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT uuid FROM submissions WHERE instrument_id = $1")
            .bind(instrument)
            .fetch_one(p)
            .await)
        .expect("the submission is stored once");
    let r = http.get(format!("{base}/api/v1/submissions/{uuid}")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let stored: serde_json::Value = r.json().await.unwrap();
    let answers = &stored["answers"];
    assert_eq!(answers["user"], "seo.gitega");
    assert_eq!(answers["mail"], "seo.gitega@example.org");
    assert!(answers["phone"].is_null() || answers["phone"] == "", "no phone: {answers}");
    assert_eq!(answers["where"], "-1.9441 30.0619 0 12");
    assert_eq!(answers["audit"], "audit.csv");
    assert_eq!(answers["site"], "Classroom P3");
    let files = stored["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!((files[0]["name"].as_str(), files[0]["question"].as_str()), (Some("audit.csv"), Some("audit")));

    // The log: the form's start, each question while it had the focus with its value before
    // and after, then the form saved, left and finalized; times in milliseconds.
    let r =
        http.get(format!("{base}/api/v1/submissions/{uuid}/files/audit.csv")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csv = r.text().await.unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines[0], ["event", "node", "start", "end", "old-value", "new-value"], "{csv}");
    let events: Vec<(&str, &str)> = lines[1..].iter().map(|l| (l[0], l[1])).collect();
    assert_eq!(
        events,
        [
            ("form start", ""),
            ("question", "/data/site"),
            ("question", "/data/pupils"),
            ("form save", ""),
            ("form exit", ""),
            ("form finalize", "")
        ],
        "{csv}"
    );
    assert_eq!(&lines[2][4..], ["", "Classroom P3"], "{csv}");
    assert_eq!(&lines[3][4..], ["", "41"], "{csv}");
    let ms = |s: &str| s.parse::<i64>().unwrap_or_else(|_| panic!("{s} in {csv}"));
    let started = ms(lines[1][2]);
    assert!(started > 1_700_000_000_000, "{csv}");
    assert!(
        ms(lines[2][2]) >= started && ms(lines[2][3]) >= ms(lines[2][2]) && ms(lines[3][2]) >= ms(lines[2][3]),
        "{csv}"
    );
    assert_eq!(lines[1][3], "", "a moment has a start only: {csv}");

    // The export: the start position in a geopoint's four columns, the log as a link.
    let r = http
        .get(format!("{base}/api/v1/instruments/{instrument}/export?format=xlsx&lang=xml"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap();
    let sheets =
        opencpd_transfer::read_sheets(&bytes, opencpd_transfer::Which::First, &opencpd_transfer::Limits::IMPORT)
            .unwrap();
    let rows: Vec<Vec<String>> = sheets[0].rows.iter().map(|r| r.cells.clone()).collect();
    let cell = |header: &str| -> String {
        let at = rows[0].iter().position(|h| h == header).unwrap_or_else(|| panic!("{header} in {:?}", rows[0]));
        rows[1][at].clone()
    };
    assert_eq!(cell("where/latitude").parse::<f64>().unwrap(), -1.9441);
    assert_eq!(cell("where/longitude").parse::<f64>().unwrap(), 30.0619);
    assert_eq!(cell("where/accuracy").parse::<f64>().unwrap(), 12.0);
    assert_eq!(cell("audit"), format!("{base}/api/v1/submissions/{uuid}/files/audit.csv"));
    assert_eq!(cell("mail"), "seo.gitega@example.org");
    served.stop();
}

/// A form as ODK Collect fills it on a phone, offline: the enumerator says who they are before
/// the form shows (the audit's `identify-user`), the device's positions go into the audit log
/// (`location-priority`…), and values set by a `trigger` are set when their question changes
/// and kept when anything else does (a timestamp, a count taken then). On either database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn an_enumerator_named_a_located_audit_log_and_triggered_values_are_recorded_offline_and_stored() {
    for backend in opencpd_testapp::backends() {
        identified_located_triggered(backend).await;
    }
}

async fn identified_located_triggered(backend: Backend) {
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let audit = "identify-user=true location-priority=high-accuracy location-min-interval=1 location-max-age=600";
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "parameters", "calculation", "trigger"],
                &["audit", "audit", "", audit, "", ""],
                &["integer", "pupils", "Pupils present", "", "", ""],
                &["text", "teacher", "Teacher observed", "", "", ""],
                &["dateTime", "teacher_at", "", "", "now()", "${teacher}"],
                &["integer", "pupils_then", "Pupils when the teacher was named", "", "${pupils}", "${teacher}"],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["timed_visit", "1"]])),
    ])
    .unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=timed_visit.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    b.cdp("Browser.grantPermissions", serde_json::json!({ "permissions": ["geolocation"], "origin": base })).await;
    b.cdp(
        "Emulation.setGeolocationOverride",
        serde_json::json!({ "latitude": -1.9441, "longitude": 30.0619, "accuracy": 12 }),
    )
    .await;
    served.stop();
    b.client.refresh().await.unwrap();
    click(&b, &format!("#instruments [data-instrument-id=\"{instrument}\"]")).await;

    // Nothing to fill before the enumerator says who they are; a blank name is not taken.
    b.client.wait().for_element(Locator::Css("#audit-user")).await.unwrap();
    assert!(b.client.find(Locator::Css("#form [name=\"pupils\"]")).await.is_err(), "the questions wait");
    assert_eq!(
        b.text("#form label[for=\"audit-user\"]").await,
        "Your name or ID: this form's log records who fills it in."
    );
    click(&b, "#form [data-identify]").await;
    wait_for_text(&b, "#form .identify .msg", "Enter your name or ID to fill in this form.").await;
    b.client.find(Locator::Css("#audit-user")).await.unwrap().send_keys("Ana K.").await.unwrap();
    click(&b, "#form [data-identify]").await;
    b.client.wait().for_element(Locator::Css("#form [name=\"pupils\"]")).await.unwrap();
    assert_eq!(
        b.text("#form-notices [data-metadata=\"audit-location\"]").await,
        "This form's log also records where the device is while the form is filled in."
    );
    assert!(overflow(&b).await <= 0, "the form fits the phone");

    // Read by a script, so that the form drawn again meanwhile (the app's messages arriving)
    // leaves no stale element behind.
    let value = |name: &'static str| {
        let b = &b;
        async move {
            let script =
                "const i = document.querySelector(`#form [name=\"${arguments[0]}\"]`); return i ? i.value : null;";
            let got = b.client.execute(script, vec![serde_json::json!(name)]).await.unwrap();
            got.as_str().unwrap_or_else(|| panic!("no input {name}")).to_string()
        }
    };
    assert!(
        b.client.find(Locator::Css("#form [name=\"teacher_at\"]")).await.is_err(),
        "triggered without a label: kept, not shown"
    );
    // Typed as a person types: the focus moves from question to question.
    click(&b, "#form [name=\"pupils\"]").await;
    b.client.find(Locator::Css("#form [name=\"pupils\"]")).await.unwrap().send_keys("30").await.unwrap();
    assert_eq!(value("pupils_then").await, "", "not triggered yet: the calculation does not follow its input");
    click(&b, "#form [name=\"teacher\"]").await;
    b.client.find(Locator::Css("#form [name=\"teacher\"]")).await.unwrap().send_keys("Uwase").await.unwrap();
    assert_eq!(value("pupils_then").await, "30", "the teacher named: the count then");
    b.client.execute(FILL, vec![serde_json::json!({ "pupils": "35" })]).await.unwrap();
    assert_eq!(value("pupils_then").await, "30", "kept while the pupils change");
    b.client.execute(FILL, vec![serde_json::json!({ "teacher": "Uwase M." })]).await.unwrap();
    assert_eq!(value("pupils_then").await, "35", "the teacher changed: set again");
    click(&b, "#form [name=\"pupils\"]").await;

    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    click(&b, "#save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;

    let uuid: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT uuid FROM submissions WHERE instrument_id = $1")
            .bind(instrument)
            .fetch_one(p)
            .await)
        .expect("the submission is stored once");
    let r = http.get(format!("{base}/api/v1/submissions/{uuid}")).bearer_auth(&admin).send().await.unwrap();
    let stored: serde_json::Value = r.json().await.unwrap();
    let answers = &stored["answers"];
    assert_eq!(answers["pupils"], 35);
    assert_eq!(answers["pupils_then"], 35, "{answers}");
    let at = answers["teacher_at"].as_str().unwrap_or_else(|| panic!("the moment the teacher was named: {answers}"));
    assert!(chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S").is_ok(), "{at}");

    let r =
        http.get(format!("{base}/api/v1/submissions/{uuid}/files/audit.csv")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let csv = r.text().await.unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines[0], ["event", "node", "start", "end", "latitude", "longitude", "accuracy", "user"], "{csv}");
    assert!(lines[1..].iter().all(|l| l.len() == 8 && l[7] == "Ana K."), "every event names the enumerator: {csv}");
    let events: Vec<&str> = lines[1..].iter().map(|l| l[0]).collect();
    for event in
        ["form start", "location tracking enabled", "location permissions granted", "location providers enabled"]
    {
        assert!(events.contains(&event), "{event} in {csv}");
    }
    let teacher = lines.iter().find(|l| l[0] == "question" && l[1] == "/data/teacher").expect("the teacher's question");
    assert_eq!(
        (teacher[4].parse::<f64>().ok(), teacher[5].parse::<f64>().ok(), teacher[6].parse::<f64>().ok()),
        (Some(-1.9441), Some(30.0619), Some(12.0)),
        "where the device was: {csv}"
    );
    served.stop();
}

/// A short WAV sound: `samples` of silence at 8 kHz, 8 bits, mono.
fn wav_sound(samples: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&samples.to_le_bytes());
    out.extend(std::iter::repeat_n(128u8, samples as usize));
    out
}

/// The pictures and sounds a form shows with a question and a choice are downloaded with
/// the package and shown offline on a phone: the question's image and sound, the choice's
/// image beside its text. A file the device lost is named, said missing, and the form
/// still fits the phone.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_forms_label_and_choice_pictures_show_offline_on_a_phone_and_a_lost_one_is_named() {
    let db = opencpd_testapp::TestDb::new(Backend::Sqlite).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "media::image", "media::audio", "appearance"],
                &["select_one yn", "board", "Is the board used?", "board.png", "question.wav", ""],
                &["select_one yn", "books", "Are the books used?", "", "", "minimal"],
                &["text", "site", "Site", "", "", ""],
            ]),
        ),
        (
            "choices",
            rows(&[
                &["list_name", "name", "label", "image"],
                &["yn", "yes", "Yes", "yes.png"],
                &["yn", "no", "No", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["board_pictures", "1"]])),
    ])
    .unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=board_pictures.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();
    for (name, bytes) in [("board.png", png_image(24)), ("yes.png", png_image(16)), ("question.wav", wav_sound(800))] {
        let r = http
            .post(format!("{base}/api/v1/instruments/{instrument}/attachments?name={name}"))
            .bearer_auth(&admin)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{name}: {}", r.text().await.unwrap());
    }

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    served.stop();
    b.client.refresh().await.unwrap();
    let pick = format!("#instruments [data-instrument-id=\"{instrument}\"]");
    click(&b, &pick).await;
    let width = |css: &'static str| {
        let b = &b;
        async move {
            for _ in 0..100 {
                let w = b
                    .client
                    .execute(
                        "const i = document.querySelector(arguments[0]); return i && i.complete ? i.naturalWidth : 0;",
                        vec![serde_json::json!(css)],
                    )
                    .await
                    .unwrap();
                if w.as_i64().unwrap_or(0) > 0 {
                    return w.as_i64().unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let page = b
                .client
                .execute(
                    "return document.getElementById('form').innerHTML + ' | ' + \
                     document.getElementById('package-message').textContent;",
                    vec![],
                )
                .await
                .unwrap();
            panic!("{css} shows no picture: {page}");
        }
    };
    assert_eq!(width("#form [data-path=\"board\"] > .label-media img").await, 24, "the question's picture, offline");
    assert_eq!(width("#form [data-choice=\"yes\"] .label-media img").await, 16, "the choice's picture");
    let alt = b.client.find(Locator::Css("#form [data-choice=\"yes\"] img")).await.unwrap().attr("alt").await.unwrap();
    assert_eq!(alt.as_deref(), Some("Yes"));
    let sound = b
        .client
        .execute("return document.querySelector('#form [data-path=\"board\"] audio')?.src ?? '';", vec![])
        .await
        .unwrap();
    assert!(sound.as_str().unwrap().starts_with("blob:"), "the sound is played from the device: {sound}");
    assert!(
        b.client.find(Locator::Css("#form [data-choice=\"no\"] .label-media")).await.is_err(),
        "no picture, nothing shown"
    );
    assert!(overflow(&b).await <= 0, "the pictures fit the phone");
    // Choosing by the picture chooses the choice.
    click(&b, "#form [data-choice=\"yes\"] img").await;
    let chosen =
        b.client.find(Locator::Css("#form [data-choice=\"yes\"] input")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(chosen.as_deref(), Some("true"));
    // A dropdown (`minimal`) shows the chosen choice's picture beside it, as Collect's spinner;
    // nothing while nothing is chosen, nor for a choice without one.
    let beside = |choice: &'static str| {
        let b = &b;
        async move {
            let css = format!("#form [data-path=\"books\"] .minimal [data-shows-choice=\"{choice}\"]");
            b.client
                .execute("return document.querySelector(arguments[0])?.hidden ?? null;", vec![serde_json::json!(css)])
                .await
                .unwrap()
        }
    };
    assert_eq!(beside("yes").await, serde_json::json!(true), "nothing chosen: no picture");
    let dropdown = b.client.find(Locator::Css("#form select[name=\"books\"]")).await.unwrap();
    dropdown.select_by_value("yes").await.unwrap();
    assert_eq!(beside("yes").await, serde_json::json!(false));
    assert_eq!(
        width("#form [data-path=\"books\"] [data-shows-choice=\"yes\"] img").await,
        16,
        "the chosen one's picture"
    );
    let (select_box, picture_box) = {
        let rect = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom];";
        let select = b.client.execute(rect, vec![serde_json::json!("#form select[name=\"books\"]")]).await.unwrap();
        let picture = b
            .client
            .execute(rect, vec![serde_json::json!("#form [data-path=\"books\"] [data-shows-choice=\"yes\"] img")])
            .await
            .unwrap();
        (select, picture)
    };
    assert!(
        picture_box[0].as_f64().unwrap() >= select_box[1].as_f64().unwrap() - 0.5
            && picture_box[2].as_f64().unwrap() < select_box[3].as_f64().unwrap(),
        "beside the dropdown, on its line: {select_box} {picture_box}"
    );
    b.client.find(Locator::Css("#form select[name=\"books\"]")).await.unwrap().select_by_value("no").await.unwrap();
    assert_eq!(beside("yes").await, serde_json::json!(true), "a choice without a picture shows none");
    assert!(overflow(&b).await <= 0, "the dropdown and its picture fit the phone");

    // The device lost a picture: the form names it instead and still fits.
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(png_image(16)))
    };
    b.client
        .execute_async(
            "const [sha, done] = arguments; const o = indexedDB.open('opencpd-field'); o.onsuccess = () => { \
             const tx = o.result.transaction('files', 'readwrite'); tx.objectStore('files').delete(sha); \
             tx.oncomplete = () => { o.result.close(); done(true); }; };",
            vec![serde_json::json!(digest)],
        )
        .await
        .unwrap();
    click(&b, "#cancel").await;
    click(&b, &pick).await;
    assert_eq!(
        b.text("#form [data-choice=\"yes\"] .media-missing").await,
        "Not on this device: yes.png (download the package again while online)."
    );
    assert_eq!(width("#form [data-path=\"board\"] > .label-media img").await, 24, "the other picture still shows");
    assert!(overflow(&b).await <= 0, "the form still fits the phone");
}

/// A signature drawn on the pad with the pointer, a recording and a video chosen as the
/// device's camera and recorder give them, collected offline on a phone, then synced: the
/// server stores the signature as a PNG of the pad with the strokes on it, and the sound and
/// the video as sent. On either database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_signature_drawn_on_the_pad_a_recording_and_a_video_are_collected_offline_and_stored() {
    for backend in opencpd_testapp::backends() {
        signature_audio_video(backend).await;
    }
}

async fn signature_audio_video(backend: Backend) {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "appearance"],
                &["text", "site", "Site", ""],
                &["image", "sig", "Signature of the teacher", "signature"],
                &["audio", "remark", "Remark", ""],
                &["video", "clip", "Clip of the lesson", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["signed_visit", "1"]])),
    ])
    .unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=signed_visit.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    served.stop();
    b.client.refresh().await.unwrap();
    click(&b, &format!("#instruments [data-instrument-id=\"{instrument}\"]")).await;
    b.client.wait().for_element(Locator::Css("#form [name=\"site\"]")).await.unwrap();
    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    b.client.execute(FILL, vec![serde_json::json!({ "site": "Classroom P3" })]).await.unwrap();

    // Kept before anything is drawn: said so, nothing kept.
    click(&b, "#form [data-pad-keep=\"sig\"]").await;
    assert_eq!(b.text("#form [data-pad-state=\"sig\"]").await, "Nothing is drawn yet.");
    assert!(overflow(&b).await <= 0, "the pad fits the phone");
    // A stroke across the pad, as a finger draws it.
    let pad = b.client.find(Locator::Css("#form canvas[data-pad=\"sig\"]")).await.unwrap();
    pad.clone().click().await.ok(); // scrolled into view
    let stroke = MouseActions::new("finger".into())
        .then(PointerAction::MoveToElement { element: pad, duration: None, x: -120.0, y: -20.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: None, x: 80.0, y: 30.0 })
        .then(PointerAction::MoveBy { duration: None, x: 80.0, y: -30.0 })
        .then(PointerAction::MoveBy { duration: None, x: 60.0, y: 20.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    b.client.perform_actions(stroke).await.unwrap();
    click(&b, "#form [data-pad-keep=\"sig\"]").await;
    let kept = b.text_until("#form [data-pad-state=\"sig\"]", |t| t.ends_with(".png")).await;
    assert!(kept.starts_with("Kept on this device: ") && kept.len() == "Kept on this device: ".len() + 68, "{kept}");

    let dir = tempfile::tempdir().unwrap();
    let sound = wav_sound(1600);
    let mut video = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2".to_vec();
    video.extend_from_slice(&[7; 400]);
    for (name, bytes, question) in [("remark.wav", &sound, "remark"), ("clip.mp4", &video, "clip")] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        b.client
            .find(Locator::Css(&format!("#form input[type=file][data-media=\"{question}\"]")))
            .await
            .unwrap()
            .send_keys(path.to_str().unwrap())
            .await
            .unwrap();
        let ext = name.rsplit_once('.').unwrap().1;
        let hint = b.text_until(&format!("#form [data-path=\"{question}\"] .media .hint"), |t| t.ends_with(ext)).await;
        assert!(hint.starts_with("Kept on this device: "), "{hint}");
    }
    click(&b, "#save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;

    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let uuid: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT uuid FROM submissions WHERE instrument_id = $1")
            .bind(instrument)
            .fetch_one(p)
            .await)
        .expect("the submission is stored once");
    let stored: serde_json::Value = http
        .get(format!("{base}/api/v1/submissions/{uuid}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files: Vec<(String, String)> = stored["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["question"].as_str().unwrap().to_string(), f["content_type"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        files,
        [
            ("clip".into(), "video/mp4".into()),
            ("remark".into(), "audio/wav".into()),
            ("sig".into(), "image/png".into())
        ]
    );
    let download = |name: String| {
        let (http, base, admin, uuid) = (&http, &base, &admin, &uuid);
        async move {
            let r = http
                .get(format!("{base}/api/v1/submissions/{uuid}/files/{name}"))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{name}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    let answers = &stored["answers"];
    assert_eq!(download(answers["remark"].as_str().unwrap().to_string()).await, sound);
    assert_eq!(download(answers["clip"].as_str().unwrap().to_string()).await, video);
    let signature = download(answers["sig"].as_str().unwrap().to_string()).await;
    let decoder = png::Decoder::new(std::io::Cursor::new(signature));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (600, 240), "the pad's size");
    let channels = frame.line_size / frame.width as usize;
    let dark = pixels[..frame.buffer_size()].chunks(channels).filter(|p| p[0] < 100).count();
    let white = pixels[..frame.buffer_size()].chunks(channels).filter(|p| p[0] > 240).count();
    assert!(dark > 200, "the stroke is drawn: {dark} dark pixels");
    assert!(white > 100_000, "on a white page: {white}");
    served.stop();
}

/// A photo annotated on a phone, offline: the picture chosen is put on the pad at its
/// proportions (no larger than the question's `max-pixels`), drawn over with the pointer and
/// kept; the server stores a PNG of the picture with the stroke on it. The same form shows
/// its group's picture under the group's label, and the message its `ex:` question gives for
/// a missing app (`noAppErrorString`) above the answer typed by hand. On either database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_photo_annotated_on_a_phone_is_stored_as_a_png_with_the_picture_and_the_stroke() {
    for backend in opencpd_testapp::backends() {
        annotated_photo(backend).await;
    }
}

async fn annotated_photo(backend: Backend) {
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &opencpd_kernel::Actor::system(), "admin", "test")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    let no_app = "No scale app on this phone: type the weight.";
    // The pad's Keep button, brought above the form's sticky actions first, as a reader scrolls.
    async fn keep(b: &Browser) {
        b.client
            .execute(
                "document.querySelector('#form [data-pad-keep=\"board\"]').scrollIntoView({ block: 'center' });",
                vec![],
            )
            .await
            .unwrap();
        click(b, "#form [data-pad-keep=\"board\"]").await;
    }
    let form = opencpd_transfer::write_workbook(&[
        (
            "survey",
            rows(&[
                &["type", "name", "label", "appearance", "parameters", "media::image", "noAppErrorString"],
                &["begin group", "room", "Classroom", "", "", "plan.png", ""],
                &["image", "board", "The board, marked", "annotate", "max-pixels=400", "", ""],
                &["integer", "weight", "Weight of the books", "ex:org.example.Scale", "", "", no_app],
                &["end group", "", "", "", "", "", ""],
            ]),
        ),
        ("settings", rows(&[&["form_id", "version"], &["annotated_visit", "1"]])),
    ])
    .unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments?filename=annotated_visit.xlsx"))
        .bearer_auth(&admin)
        .body(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status.as_u16(), 201, "{created}");
    let instrument = created["id"].as_i64().unwrap();
    let r = http
        .post(format!("{base}/api/v1/instruments/{instrument}/attachments?name=plan.png"))
        .bearer_auth(&admin)
        .body(png_image(20))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;
    served.stop();
    b.client.refresh().await.unwrap();
    click(&b, &format!("#instruments [data-instrument-id=\"{instrument}\"]")).await;
    b.client.wait().for_element(Locator::Css("#form canvas[data-pad=\"board\"]")).await.unwrap();
    let school: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();

    // The group's picture, offline, under its label; the app's message above the typed answer.
    let mut plan = 0;
    for _ in 0..100 {
        let w = b
            .client
            .execute(
                "const i = document.querySelector('#form fieldset[data-path=\"room\"] > .label-media img'); \
                 return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await
            .unwrap();
        plan = w.as_i64().unwrap_or(0);
        if plan > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(plan, 20, "the group's picture, from the device");
    assert_eq!(b.text("#form [data-path=\"weight\"] [data-no-app]").await, no_app);
    b.client.execute(FILL, vec![serde_json::json!({ "weight": "12" })]).await.unwrap();

    // Kept before any picture: nothing to keep.
    keep(&b).await;
    assert_eq!(b.text("#form [data-pad-state=\"board\"]").await, "Nothing is drawn yet.");
    // A green picture of 800 × 400 comes on a pad of 400 × 200 (max-pixels=400).
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("board.png");
    std::fs::write(&picture, green_png(800, 400)).unwrap();
    b.client
        .find(Locator::Css("#form input[data-annotate=\"board\"]"))
        .await
        .unwrap()
        .send_keys(picture.to_str().unwrap())
        .await
        .unwrap();
    let mut size = serde_json::Value::Null;
    for _ in 0..100 {
        size = b
            .client
            .execute(
                "const c = document.querySelector('#form canvas[data-pad=\"board\"]'); \
                 return c.dataset.picture ? [c.width, c.height] : null;",
                vec![],
            )
            .await
            .unwrap();
        if !size.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(size, serde_json::json!([400, 200]), "the picture's proportions, within max-pixels");
    assert!(overflow(&b).await <= 0, "the pad fits the phone");
    let pad = b.client.find(Locator::Css("#form canvas[data-pad=\"board\"]")).await.unwrap();
    pad.clone().click().await.ok(); // scrolled into view
    let stroke = MouseActions::new("finger".into())
        .then(PointerAction::MoveToElement { element: pad, duration: None, x: -120.0, y: -10.0 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: None, x: 80.0, y: 20.0 })
        .then(PointerAction::MoveBy { duration: None, x: 80.0, y: -20.0 })
        .then(PointerAction::MoveBy { duration: None, x: 60.0, y: 10.0 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    b.client.perform_actions(stroke).await.unwrap();
    keep(&b).await;
    let kept = b.text_until("#form [data-pad-state=\"board\"]", |t| t.ends_with(".png")).await;
    assert!(kept.starts_with("Kept on this device: "), "{kept}");
    click(&b, "#save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;

    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let uuid: String =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT uuid FROM submissions WHERE instrument_id = $1")
            .bind(instrument)
            .fetch_one(p)
            .await)
        .expect("the submission is stored once");
    let stored: serde_json::Value = http
        .get(format!("{base}/api/v1/submissions/{uuid}"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let name = stored["answers"]["board"].as_str().expect("the drawing is the answer").to_string();
    let r =
        http.get(format!("{base}/api/v1/submissions/{uuid}/files/{name}")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (400, 200), "the pad's size, the picture's proportions");
    let channels = frame.line_size / frame.width as usize;
    let green = pixels[..frame.buffer_size()].chunks(channels).filter(|p| p[0] < 60 && p[1] > 150).count();
    let dark = pixels[..frame.buffer_size()].chunks(channels).filter(|p| p[0] < 100 && p[1] < 100).count();
    assert!(green > 60_000, "the picture is under the drawing: {green} green pixels");
    assert!(dark > 150, "the stroke is drawn over it: {dark} dark pixels");
    served.stop();
}

/// A PNG of one colour, green, `width` by `height` pixels.
fn green_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let pixels: Vec<u8> = (0..width * height).flat_map(|_| [20u8, 180, 40]).collect();
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&pixels).unwrap();
    writer.finish().unwrap();
    out
}

/// The width and height a JPEG's frame header gives.
fn jpeg_size(bytes: &[u8]) -> Option<(u16, u16)> {
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut at = 2;
    while at + 9 < bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        if matches!(marker, 0xc0..=0xc3) {
            let h = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let w = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return Some((w, h));
        }
        at += 2 + len;
    }
    None
}

/// A French user opens the field app on a new phone: no session, so the app's own sign-in
/// form, in French (not "your session has ended"); a wrong password is refused in French;
/// signed in, the package arrives and everything reads in French, with French plurals and
/// dates; the app's switch changes the language at once.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn the_field_app_signs_in_on_its_own_and_speaks_french_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
        "UPDATE users SET language = 'fr' WHERE username = 'seo.gitega'"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.client.goto(&app.url("/field/")).await.unwrap();

    wait_for_text(&b, "#sign-in h2", "Connexion").await;
    assert_eq!(
        b.text("#sign-in-intro").await,
        "Connectez-vous pour télécharger les formulaires, les écoles et les personnes de votre travail."
    );
    assert_eq!(b.text("label[for=sign-in-username]").await, "Nom d'utilisateur");
    let html_lang = b.client.execute("return document.documentElement.lang;", vec![]).await.unwrap();
    assert_eq!(html_lang, serde_json::json!("fr"));

    async fn sign_in(b: &Browser, password: &str) {
        let user = b.client.find(Locator::Css("#sign-in-username")).await.unwrap();
        user.clear().await.unwrap();
        user.send_keys("seo.gitega").await.unwrap();
        let pass = b.client.find(Locator::Css("#sign-in-password")).await.unwrap();
        pass.clear().await.unwrap();
        pass.send_keys(password).await.unwrap();
        b.client.find(Locator::Css("#sign-in-submit")).await.unwrap().click().await.unwrap();
    }
    sign_in(&b, "not-the-password").await;
    wait_for_text(&b, "#sign-in-message", "nom d'utilisateur ou mot de passe incorrect").await;

    sign_in(&b, PASSWORD).await;
    b.client.wait().for_element(Locator::Css("#instruments [data-instrument-id]")).await.unwrap();
    let hidden = b.client.execute("return document.getElementById('sign-in').hidden;", vec![]).await.unwrap();
    assert_eq!(hidden, serde_json::json!(true), "the form goes once signed in");
    assert_eq!(b.text("#package-section h2").await, "Paquet");
    assert_eq!(b.text("#sync").await, "Synchroniser");
    // Nothing sent yet: French writes zero in the singular.
    wait_for_text(&b, "#status", "0 envoyée, 0 en attente, 0 refusée").await;
    let info = b.text("#package-info").await;
    let today = chrono::Local::now().format("%d/%m/%Y").to_string();
    assert!(info.starts_with(&format!("Paquet du {today} ")), "a French date: {info}");
    let schools = b.client.find_all(Locator::Css("#subject option[value^='school:']")).await.unwrap().len();
    let people = b.client.find_all(Locator::Css("#subject option[value^='person:']")).await.unwrap().len();
    assert!(schools > 1 && people > 1, "{schools} schools, {people} people");
    assert!(info.contains(&format!(" : {schools} écoles, {people} personnes, ")), "French plurals: {info}");

    // The app's own switch: English at once, and back.
    b.client.find(Locator::Css("#languages [data-lang=en]")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#sync", "Sync now").await;
    assert_eq!(b.text("#status").await, "0 sent, 0 waiting, 0 rejected");
    assert!(b.text("#package-info").await.contains(&format!(": {schools} schools, {people} people, ")));
    b.client.find(Locator::Css("#languages [data-lang=fr]")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#sync", "Synchroniser").await;
}

/// A facilitator marks a cohort of 60 on a phone: every participant is on one page with
/// buttons big enough to tap, the save button stays in reach while scrolling, and what is
/// saved is what was tapped.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_cohort_of_60_is_marked_on_a_phone() {
    use opencpd_delivery::store::{attendance, catalogue, cohorts};
    let app = TestApp::start(Backend::Sqlite).await;
    let db = &app.db.db;
    let system = opencpd_kernel::Actor::system();
    let course: catalogue::CourseInput = serde_json::from_value(serde_json::json!({
        "code": "PHONE", "title": "Cluster leads", "kind": "short_training", "modality": "face_to_face",
        "hours": 18, "credits": 1, "min_attendance_pct": 80,
        "modules": [{"code": "M1", "title": "Leading a cluster", "hours": 18, "standards": ["SL3"]}]
    }))
    .unwrap();
    catalogue::create_course(db, &system, &course).await.unwrap();
    let cohort = cohorts::create_cohort(
        db,
        &system,
        &cohorts::CohortInput {
            code: "PHONE-60".into(),
            name: "Cluster leads, Gitega".into(),
            course_code: "PHONE".into(),
            unit_code: "RW-10101".into(),
            venue: Some("Sector office".into()),
            start_date: "2025-01-06".into(),
            end_date: "2098-12-31".into(),
            capacity: 60,
            facilitators: vec![],
        },
    )
    .await
    .unwrap();
    let people: Vec<i64> = opencpd_kernel::on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT x.person_id FROM positions x JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
         WHERE u.country = 'RW' AND x.role = 'teacher' AND x.end_date IS NULL ORDER BY x.person_id LIMIT 60"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(people.len(), 60);
    for person in &people {
        let input = cohorts::EnrolInput { person_id: Some(*person), staff_number: None };
        cohorts::enrol(db, &system, cohort.id, &input).await.unwrap();
    }
    let session = attendance::SessionInput {
        held_on: "2025-11-20".into(),
        title: "Day one".into(),
        modality: None,
        venue: None,
        hours: 6.0,
    };
    let session = attendance::create_session(db, &system, cohort.id, &session).await.unwrap();

    let b = Browser::start(390, 844).await;
    b.login(&app, "seo.gitega").await;
    b.text("h1").await;
    b.client.goto(&app.url(&format!("/sessions/{}/mark", session.id))).await.unwrap();
    assert!(b.text("#session-title").await.starts_with("Day one"));
    let rows = b.client.find_all(Locator::Css(".marking li fieldset")).await.unwrap();
    assert_eq!(rows.len(), 60, "the whole cohort on one page");
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "nothing to scroll sideways: {overflow}");
    // Tap: the first five absent, the next one late, everyone else present.
    for (i, person) in people.iter().enumerate() {
        let status = match i {
            0..=4 => "absent",
            5 => "late",
            _ => "present",
        };
        let button = b
            .client
            .find(Locator::Css(&format!("input[name='p{person}'][value='{status}'] + span")))
            .await
            .unwrap_or_else(|e| panic!("{status} for {person}: {e}"));
        let size = b
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'}); const r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
                vec![serde_json::to_value(&button).unwrap()],
            )
            .await
            .unwrap();
        let (w, h) = (size[0].as_f64().unwrap(), size[1].as_f64().unwrap());
        assert!(w >= 40.0 && h >= 32.0, "a button a thumb can hit: {w}×{h}");
        button.click().await.unwrap();
    }
    // Scrolled to the middle of the list, the save button is still on the screen.
    let save_visible = b
        .client
        .execute(
            "const r = document.querySelector('#save').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(save_visible, serde_json::json!(true), "the save button stays in reach");
    let save = b.client.find(Locator::Css("#save")).await.unwrap();
    assert!(save.text().await.unwrap().contains("60"), "the button says how many are saved");
    save.click().await.unwrap();
    wait_for_text(&b, "#notice", "60 marks saved; 55 attended.").await;
    let marks = attendance::marks(db, &system, session.id).await.unwrap();
    assert_eq!(marks.len(), 60);
    let of = |status: &str| marks.iter().filter(|m| m.status == status).count();
    assert_eq!((of("present"), of("late"), of("absent")), (54, 1, 5));
    assert_eq!(marks.iter().find(|m| m.person_id == people[5]).map(|m| m.status.as_str()), Some("late"));
    // The page shows the saved marks when opened again.
    b.client.goto(&app.url(&format!("/sessions/{}/mark", session.id))).await.unwrap();
    let checked = b
        .client
        .execute(&format!("return document.querySelector(\"input[name='p{}']:checked\").value;", people[0]), vec![])
        .await
        .unwrap();
    assert_eq!(checked, serde_json::json!("absent"));
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn table_cells_show_their_column_label_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    let b = Browser::start(390, 844).await;
    b.login(&app, "admin").await;
    // The home page's table of units.
    assert_eq!(b.text("h1").await, "Welcome, Immaculée Ingabire");
    let before = b
        .client
        .execute(
            "const td = document.querySelector('table.list tbody td[data-label]'); \
             return [td.dataset.label, getComputedStyle(td, '::before').content, getComputedStyle(td).display];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(before[0], "Name");
    assert_eq!(before[1], "\"Name\"", "the label is shown before the value: {before}");
    assert_eq!(before[2], "block", "cells are stacked on a phone: {before}");
    // On a wide screen the table keeps its header and shows no label in the cells.
    b.client.set_window_size(1280, 900).await.unwrap();
    let wide = b
        .client
        .execute("return getComputedStyle(document.querySelector('table.list tbody td'), '::before').content;", vec![])
        .await
        .unwrap();
    assert_eq!(wide, "none", "{wide}");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn an_evaluation_page_estimates_the_effect_with_its_interval_chart_and_event_study_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    let built = opencpd_demo::evaluation::build(&app.db.db, 7, &|_, _| {}).await.unwrap();
    assert!(built.schools > 40);
    let b = Browser::start(390, 844).await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url("/evaluations")).await.unwrap();
    b.click_link("LT2: training and coaching against comparison schools").await;
    assert!(b.text("h1").await.starts_with("LT2: training and coaching"));
    // The three arms hold every school of the draw.
    let arms = b.text("#arms").await;
    assert!(arms.contains("Comparison") && arms.contains("Training and coaching"), "{arms}");
    b.client.find(Locator::Css("select[name=subject]")).await.unwrap().select_by_value("MATH").await.unwrap();
    b.client.find(Locator::Css("select[name=spec]")).await.unwrap().select_by_value("event_study").await.unwrap();
    b.client.find(Locator::Css("#estimate-form button")).await.unwrap().click().await.unwrap();
    b.client.wait().for_element(Locator::Css("#report")).await.unwrap();
    let sample = b.text("#sample").await;
    assert!(sample.contains(&format!("of {} schools", built.schools)), "{sample}");
    // One row per arm and round but the reference, each with its interval; on a phone
    // each value carries its column's name.
    let rows = b.client.find_all(Locator::Css("#effects tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 4, "two arms × (first baseline, endline)");
    let labels = b.client.find_all(Locator::Css("#effects td[data-label='95% interval']")).await.unwrap();
    assert_eq!(labels.len(), 4);
    assert_eq!(
        b.client.find_all(Locator::Css("#report figure svg")).await.unwrap().len(),
        2,
        "effects and event study"
    );
    let report = b.text("#report").await;
    assert!(report.contains("at random"), "{report}");
    // The data set behind it downloads from the link under the report.
    let href = b.client.find(Locator::Css("#download")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(href.contains("/data?") && href.contains("subject=MATH"), "{href}");
    // In French.
    b.click_link("Français").await;
    b.client.wait().for_element(Locator::Css("#report")).await.unwrap();
    assert!(b.text("#report").await.contains("tirage au sort"));

    // The programme's Kirkpatrick page (in French still): level 3 by standard over the
    // terms of 2025, one line per standard of the observation rubric, and a table whose
    // cells say their term on a phone.
    let db = &app.db.db;
    opencpd_demo::delivery::build(db, 7).await.unwrap();
    opencpd_demo::kirkpatrick::build(db, 7).await.unwrap();
    opencpd_kernel::on_db!(db, |p| sqlx::raw_sql(
        "INSERT INTO peer_terms (name, start_on, end_on) VALUES ('2025 T1', '2025-01-08', '2025-04-04'), \
         ('2025 T2', '2025-04-21', '2025-07-17'), ('2025 T3', '2025-09-01', '2025-12-18')"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
    b.client.goto(&app.url(&format!("/programmes/{lt2}/kirkpatrick"))).await.unwrap();
    b.client.wait().for_element(Locator::Css("#practice")).await.unwrap();
    let lines = b.client.find_all(Locator::Css("#practice svg polyline")).await.unwrap().len();
    assert_eq!(lines, 2, "SL2 and SL3, each over the diploma's three terms of observations");
    // On a phone the head is hidden; each cell says its term instead.
    let heads =
        b.client.execute("return document.querySelector('#practice-table thead').textContent;", vec![]).await.unwrap();
    let heads = heads.as_str().unwrap_or_default();
    assert!(heads.contains("2025 T1") && heads.contains("2025 T2") && heads.contains("2025 T3"), "{heads}");
    assert!(b.text("#practice").await.contains("Pratique par standard"));
    assert_eq!(label_before(&b, "#practice-table tbody td:nth-child(2)").await, "\"2025 T1\"");
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn the_audit_trail_on_a_phone_in_french_names_the_record_with_a_link_and_shows_the_change_side_by_side() {
    let app = TestApp::start(Backend::Sqlite).await;
    let id = crate::audit::rename_a_school(&app).await;
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'admin'")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url("/audit?entity=school")).await.unwrap();
    assert_eq!(b.text("h1").await, "Journal d'audit");
    // The newest event, the renaming: the school by its name, linked to its page.
    let link = b.client.find(Locator::Css("#audit > tbody > tr:first-child a")).await.unwrap();
    assert_eq!(link.text().await.unwrap(), "GIT-AUD-1 EP Gitega Renamed");
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.ends_with(&format!("/schools/{id}")), "{href}");
    let row = b.text("#audit > tbody > tr:first-child").await;
    assert!(row.contains("Modification : école « GIT-AUD-1 EP Gitega Renamed »"), "{row}");
    // The change: field, before, after on one line, each cell beside the one before it.
    let cells = b
        .client
        .execute(
            "const tds = [...document.querySelectorAll('#audit > tbody > tr:first-child table.changes tbody tr:first-child td')];
             return tds.map((td) => { const r = td.getBoundingClientRect(); return [td.textContent, r.top, r.left]; });",
            vec![],
        )
        .await
        .unwrap();
    let cells = cells.as_array().unwrap();
    let text: Vec<&str> = cells.iter().map(|c| c[0].as_str().unwrap()).collect();
    assert_eq!(text, ["Nom", "EP Gitega Nouvelle", "EP Gitega Renamed"]);
    let top = |i: usize| cells[i][1].as_f64().unwrap();
    let left = |i: usize| cells[i][2].as_f64().unwrap();
    assert!((top(0) - top(2)).abs() < 1.0 && left(0) < left(1) && left(1) < left(2), "side by side: {cells:?}");
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
    // On a phone the row's values carry their labels.
    let label = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector('#audit > tbody > tr:first-child > td'), '::before').content;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(label.as_str(), Some("\"Quand\""), "{label}");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_school_improvement_plan_is_written_submitted_and_signed_off_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (head, _) = crate::indicators::demo_plans(&app).await;
    let set = |name: &str, value: &str| {
        format!("document.querySelector('[name=\"{name}\"]').value = {};", serde_json::json!(value))
    };
    // The head teacher writes next year's plan on a phone and submits it.
    let b = Browser::start(390, 844).await;
    b.login(&app, "head.gitega").await;
    b.client.goto(&app.url(&format!("/data/schools/{head}"))).await.unwrap();
    b.client.find(Locator::Css("#new-plan")).await.unwrap().click().await.unwrap();
    b.client.wait().for_element(Locator::Css("#plan-form")).await.unwrap();
    b.client.find(Locator::Css("[name=title]")).await.unwrap().send_keys("Reading for all").await.unwrap();
    b.client.find(Locator::Css("[name='priorities[0].title']")).await.unwrap().send_keys("More readers").await.unwrap();
    b.client
        .find(Locator::Css("[name='priorities[0].indicator']"))
        .await
        .unwrap()
        .select_by_value("proficiency-rate")
        .await
        .unwrap();
    b.client.find(Locator::Css("[name='priorities[0].target']")).await.unwrap().send_keys("55").await.unwrap();
    b.client.find(Locator::Css("[name='actions[0].title']")).await.unwrap().send_keys("Reading corner").await.unwrap();
    let year = b.text("h1").await;
    let year: String = year.chars().filter(char::is_ascii_digit).collect();
    let script = format!(
        "{} {} const o = document.querySelector('[name=\"actions[0].owner_id\"]'); o.selectedIndex = 1;",
        set("priorities[0].due_on", &format!("{year}-12-15")),
        set("actions[0].due_on", &format!("{year}-10-01"))
    );
    b.client.execute(&script, vec![]).await.unwrap();
    b.client.find(Locator::Css("#save-plan")).await.unwrap().click().await.unwrap();
    b.client.wait().for_element(Locator::Css("#submit-plan")).await.unwrap();
    assert_eq!(b.text("#state").await, "Draft");
    b.client.find(Locator::Css("#submit-plan")).await.unwrap().click().await.unwrap();
    b.client.wait().for_element(Locator::Css("#under-review")).await.unwrap();
    assert_eq!(b.text("#state").await, "Submitted");
    let plan_url = b.client.current_url().await.unwrap();

    // The sector officer signs it off on their phone.
    let o = Browser::start(390, 844).await;
    o.login(&app, "seo.gitega").await;
    o.client.goto(plan_url.as_str()).await.unwrap();
    o.client.find(Locator::Css("#approve-plan")).await.unwrap().click().await.unwrap();
    o.client.wait().for_element(Locator::Css("#approved-version")).await.unwrap();
    assert_eq!(o.text("#state").await, "Approved");
    let history = o.text("#history").await;
    assert!(history.contains("Version 1 submitted") && history.contains("Version 1 approved"), "{history}");
    let overflow =
        o.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
    // On a phone each history cell carries its column's name.
    let label = o
        .client
        .execute("return getComputedStyle(document.querySelector('#history tbody td'), '::before').content;", vec![])
        .await
        .unwrap();
    assert_eq!(label.as_str(), Some("\"Event\""), "{label}");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_paged_list_is_searched_and_a_picker_offers_units_on_a_phone_in_french() {
    let app = opencpd_testapp::delivery::start(Backend::Sqlite).await;
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE users SET language = 'fr' WHERE username = 'admin'")
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    let total = app.scalar("SELECT COUNT(*) FROM courses").await;
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "admin").await;

    // The courses, one a page, in French, with a link to the next.
    b.client.goto(&app.url("/courses?per_page=1&sort=code")).await.unwrap();
    assert_eq!(b.text(".pager .count").await, format!("1–1 sur {total}"));
    assert!(b.text(".list-search").await.contains("Chercher par nom ou code"));
    b.click_link("Suivante").await;
    for _ in 0..100 {
        if b.client.current_url().await.unwrap().query().is_some_and(|q| q.contains("page=2")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(b.text(".pager .count").await, format!("2–2 sur {total}"));

    // A search typed into the form finds a course by part of its title.
    let title = app.text("SELECT title FROM courses ORDER BY code DESC LIMIT 1").await;
    let part: String = title.chars().skip(1).take(6).collect();
    let search = b.client.find(Locator::Css(".list-search input[name=q]")).await.unwrap();
    search.send_keys(&part.to_uppercase()).await.unwrap();
    b.client.find(Locator::Css(".list-search button")).await.unwrap().click().await.unwrap();
    for _ in 0..100 {
        if b.client.current_url().await.unwrap().query().is_some_and(|q| q.contains("q=")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = b.text("#courses tbody").await;
    assert!(found.contains(&title), "{part}: {found}");
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");

    // The new cohort's place: typing part of a unit's name offers the units that match.
    let name = app.text("SELECT name FROM units WHERE code = 'RW-10101'").await;
    b.client.goto(&app.url("/cohorts")).await.unwrap();
    let unit = b.client.wait().for_element(Locator::Css("input[name=unit_code]")).await.unwrap();
    assert!(b.text("#new-cohort").await.contains("Code de l'unité"));
    unit.send_keys(&name[..4]).await.unwrap();
    let mut offered = Vec::new();
    for _ in 0..100 {
        let options = b
            .client
            .execute(
                "return [...document.querySelectorAll('#unit-choices option')].map((o) => [o.value, o.label]);",
                vec![],
            )
            .await
            .unwrap();
        offered = options.as_array().unwrap().iter().map(|o| (o[0].to_string(), o[1].to_string())).collect();
        if !offered.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        offered.iter().any(|(value, label)| value == "\"RW-10101\"" && label == &format!("\"{name} RW-10101\"")),
        "{offered:?}"
    );
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_lesson_study_cycle_is_moved_to_its_next_stage_on_a_phone_in_french() {
    let app = TestApp::start(Backend::Sqlite).await;
    opencpd_demo::peer::build(&app.db.db, 7, false, &|_, _| {}).await.expect("peer demo");
    let code = app
        .text(
            "SELECT ls.code FROM lesson_studies ls JOIN plcs g ON g.id = ls.plc_id JOIN units u ON u.id = g.unit_id \
             WHERE u.code = 'RW-10101'",
        )
        .await;
    // The cycle is at its reflection; its lead writes in French.
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query("UPDATE lesson_studies SET stage = 'reflect' WHERE code = $1")
        .bind(&code)
        .execute(p)
        .await
        .map(|_| ()))
    .unwrap();
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
        "UPDATE users SET language = 'fr' WHERE username = 'seo.gitega'"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "seo.gitega").await;
    b.client.goto(&app.url(&format!("/lesson-studies?q={code}"))).await.unwrap();
    assert_eq!(b.text("h1").await, "Cycles de recherche sur la leçon");
    b.click_link(&code).await;
    wait_for_text(&b, "#stage-now", "Analyser").await;
    assert!(b.text("#stage-list .current").await.contains("Analyser"));
    let button = b.client.wait().for_element(Locator::Css("#advance")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Passer à : Réviser");
    button.click().await.unwrap();
    wait_for_text(&b, "#stage-now", "Réviser").await;
    assert!(b.text("#stage-list .current").await.contains("Réviser"));
    assert_eq!(b.text("#advance").await, "Passer à : Partager");
    let stored: String =
        opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar("SELECT stage FROM lesson_studies WHERE code = $1")
            .bind(&code)
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!(stored, "revise");
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");
}

/// The value's label a phone shows before a table cell (`td::before`).
async fn label_before(b: &Browser, css: &str) -> String {
    let script = format!("return getComputedStyle(document.querySelector('{css}'), '::before').content;");
    b.client.execute(&script, vec![]).await.unwrap().as_str().unwrap_or_default().to_string()
}

async fn overflow(b: &Browser) -> i64 {
    let o = b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    o.as_i64().unwrap()
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_teachers_and_a_head_teachers_home_on_a_phone_in_french_show_what_they_work_with() {
    let app = TestApp::start(Backend::Sqlite).await;
    let (cohort, _) = crate::homes::teacher_and_head_at_work(&app).await;
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query(
        "UPDATE users SET language = 'fr' WHERE username IN ('teacher', 'head.gitega')"
    )
    .execute(p)
    .await
    .map(|_| ()))
    .unwrap();

    // The teacher: the surveys to answer, each cell labelled, a link into the field app.
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "teacher").await;
    b.client.goto(&app.url("/")).await.unwrap();
    let block = b.text("#my-cpd").await;
    assert!(block.contains("Questionnaires à remplir"), "{block}");
    let row = b.text("#to-answer > tbody > tr:first-child").await;
    assert!(row.contains("Cohort HOME-1") && row.contains("Remplir dans l'application de terrain"), "{row}");
    assert_eq!(label_before(&b, "#to-answer > tbody > tr:first-child > td").await, "\"Questionnaire\"");
    assert!(overflow(&b).await <= 0, "no horizontal scrolling");
    b.click_link("Remplir dans l'application de terrain").await;
    // The field app downloads the package with the session and opens the form about the cohort.
    b.client.wait().for_element(Locator::Css("#editor:not([hidden])")).await.unwrap();
    let subject = b.client.execute("return document.getElementById('subject').value;", vec![]).await.unwrap();
    assert_eq!(subject.as_str(), Some(format!("cohort:{cohort}").as_str()));
    drop(b);

    // The head teacher: the school's plan and state, this term's visits and the next one.
    let b = Browser::start_in(390, 844, "fr-FR").await;
    b.login(&app, "head.gitega").await;
    b.client.goto(&app.url("/")).await.unwrap();
    let plan = b.text(".school-plan").await;
    assert!(plan.contains("Approuvé"), "{plan}");
    let link = b.client.find(Locator::Css(".school-plan a")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(link.contains("/plans/"), "{link}");
    let section = b.text(".my-school").await;
    assert!(section.contains("Visites d'accompagnement ce trimestre"), "{section}");
    assert!(b.text(".next-visit").await.starts_with("Prochaine visite prévue :"));
    assert_eq!(label_before(&b, ".school-visits > tbody > tr:first-child > td").await, "\"Date\"");
    assert_eq!(
        label_before(&b, ".school-visits > tbody > tr:first-child > td:nth-child(3)").await,
        "\"Accompagnateur\""
    );
    assert!(overflow(&b).await <= 0, "no horizontal scrolling");
}

/// The options a picker's datalist holds, as (value, label), once the script filled it.
async fn offered(b: &Browser, list: &str) -> Vec<(String, String)> {
    let script = format!("return [...document.querySelectorAll('#{list} option')].map((o) => [o.value, o.label]);");
    for _ in 0..100 {
        let options = b.client.execute(&script, vec![]).await.unwrap();
        let found: Vec<(String, String)> = options
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o[0].as_str().unwrap_or_default().to_string(), o[1].as_str().unwrap_or_default().to_string()))
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_grants_scope_is_picked_from_schools_or_units_by_the_role_chosen() {
    let app = TestApp::start(Backend::Sqlite).await;
    let b = Browser::start_in(390, 844, "en-US").await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url("/users")).await.unwrap();
    // A head teacher's scope: schools by part of their name.
    let (code, name) = {
        let code = app.text("SELECT code FROM schools ORDER BY id LIMIT 1").await;
        let name = app.text("SELECT name FROM schools ORDER BY id LIMIT 1").await;
        (code, name)
    };
    let role = b.client.wait().for_element(Locator::Css("#grant-role")).await.unwrap();
    role.select_by_value("school_leader").await.unwrap();
    let scope = b.client.find(Locator::Css("#scope_code")).await.unwrap();
    scope.send_keys(&name).await.unwrap();
    let schools = offered(&b, "scope-choices").await;
    assert!(schools.iter().any(|(value, _)| *value == code), "{name}: {schools:?}");
    // A sector officer's: units, the list emptied when the role changes.
    role.select_by_value("sector_officer").await.unwrap();
    scope.clear().await.unwrap();
    let unit = app.text("SELECT name FROM units WHERE code = 'RW-10101'").await;
    scope.send_keys(&unit).await.unwrap();
    let units = offered(&b, "scope-choices").await;
    assert!(units.iter().any(|(value, _)| value == "RW-10101"), "{unit}: {units:?}");
    assert!(!units.iter().any(|(value, _)| *value == code), "no school left from before: {units:?}");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_courses_prerequisites_are_picked_one_after_another() {
    let app = opencpd_testapp::delivery::start(Backend::Sqlite).await;
    let course = app.scalar("SELECT MIN(id) FROM courses").await;
    let other = app.text("SELECT code FROM courses ORDER BY id DESC LIMIT 1").await;
    let b = Browser::start_in(390, 844, "en-US").await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url(&format!("/courses/{course}/edit"))).await.unwrap();
    let input = b.client.wait().for_element(Locator::Css("input[name=prerequisites]")).await.unwrap();
    input.clear().await.unwrap();
    // The codes typed before stay; the last one is looked up.
    input.send_keys(&format!("FIRST-1 {}", &other[..other.len().min(4)])).await.unwrap();
    let options = offered(&b, "prerequisite-choices").await;
    assert!(options.iter().any(|(value, _)| *value == format!("FIRST-1 {other}")), "{other}: {options:?}");
}

/// A coach of the demo (`nll`, a national leader of learning) on a phone: with the server
/// gone, observes a lesson at a coachee's school and records the visit, naming that
/// observation; back online, one sync sends both, and the visit shows the feedback the
/// server generated from the observation. A second sync stores nothing again.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_coach_records_a_visit_offline_in_the_field_app_syncs_once_and_sees_the_feedback() {
    use opencpd_testapp::TestDb;
    let db = TestDb::new(Backend::Sqlite).await;
    let config = opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() };
    opencpd_demo::build(&db.db, &config, &|_, _, _| {}).await.unwrap();
    let peer = opencpd_demo::peer::build(&db.db, 7, false, &|_, _| {}).await.unwrap();
    assert!(peer.accounts.iter().any(|a| a.username == "nll"), "the demo lists its coach account");
    let (coach, coachee, school): (i64, i64, i64) = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
        "SELECT r.coach_id, r.coachee_id, r.coachee_school_id FROM coaching_relations r JOIN users u ON u.person_id = r.coach_id \
         WHERE u.username = 'nll' ORDER BY r.coachee_id LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let visits_before: i64 =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM coaching_visits")
            .fetch_one(p)
            .await)
        .unwrap();
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "nll").await;

    // Offline: the server is gone.
    served.stop();
    b.client.refresh().await.unwrap();
    b.client.wait().for_element(Locator::Css("#instruments [data-instrument-id]")).await.unwrap();

    // The coach's visit plan, offline, as the server's plan orders it: those not visited this
    // term first, then overdue follow-ups.
    let term = opencpd_peer::store::plcs::term_on(&db.db, opencpd_kernel::today()).await.unwrap().unwrap();
    let plan = opencpd_peer::store::coaching::visit_plan(&db.db, &opencpd_kernel::Actor::system(), coach, &term)
        .await
        .unwrap();
    let expected: Vec<serde_json::Value> =
        plan.iter().map(|e| serde_json::json!([e.coachee_id, e.visits_this_term, e.overdue])).collect();
    let shown = b
        .client
        .execute(
            "return [...document.querySelectorAll('#visit-plan li')].map((li) => \
             [Number(li.dataset.coachee), Number(li.dataset.visits), li.dataset.overdue === 'true']);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(expected));
    assert!(b.text("#visit-plan-term").await.contains(&term.name));

    // The lesson observed at the coachee's school.
    b.client.find(Locator::Css("#instruments [data-instrument-id]")).await.unwrap().click().await.unwrap();
    b.client.wait().for_element(Locator::Css("#form [name=\"lesson_date\"]")).await.unwrap();
    b.client.find(Locator::Css("#subject")).await.unwrap().select_by_value(&format!("school:{school}")).await.unwrap();
    let answers = serde_json::json!({
        "lesson_date": "2026-02-03", "subject": "math", "learners_present": "40", "girls_present": "20",
        "objectives_shared": "3", "feedback": "2", "learners_active": "4", "questioning": "1",
        "agreed_action": "Ask open questions",
    });
    b.client.execute(FILL, vec![answers]).await.unwrap();
    b.client.find(Locator::Css("#save")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;

    // The visit: the coachee from the package, the observation from the outbox.
    b.client
        .wait()
        .for_element(Locator::Css("#visit-coachee"))
        .await
        .unwrap()
        .select_by_value(&format!("BLF:{coachee}"))
        .await
        .unwrap();
    let observation = b
        .client
        .execute("return document.querySelector('#visit-observation option[value]:not([value=\"\"])')?.value;", vec![])
        .await
        .unwrap();
    let observation = observation.as_str().expect("the observation is offered").to_string();
    b.client.find(Locator::Css("#visit-observation")).await.unwrap().select_by_value(&observation).await.unwrap();
    b.client.find(Locator::Css("#visit-focus input[type=checkbox]")).await.unwrap().click().await.unwrap();
    b.client.find(Locator::Css("#visit-actions")).await.unwrap().send_keys("Try think-pair-share").await.unwrap();
    // A day in the future is refused on the device, naming the field.
    b.client
        .execute("const d = document.getElementById('visit-date'); d.max = ''; d.value = '2099-01-01';", vec![])
        .await
        .unwrap();
    b.client.find(Locator::Css("#visit-save")).await.unwrap().click().await.unwrap();
    assert!(b.text("#visit-message [data-field=visited_on]").await.contains("Date of the visit"));
    let today = opencpd_kernel::today();
    b.client
        .execute(
            "document.getElementById('visit-date').value = arguments[0]; document.getElementById('visit-next').value = arguments[1];",
            vec![serde_json::json!(today.to_string()), serde_json::json!((today + chrono::Duration::days(30)).to_string())],
        )
        .await
        .unwrap();
    b.client.find(Locator::Css("#visit-save")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 2 waiting, 0 rejected").await;
    b.client.refresh().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 2 waiting, 0 rejected").await;
    // The plan marks the coachee visited on this device.
    let marked = b.text(&format!("#visit-plan li[data-coachee=\"{coachee}\"] .recorded")).await;
    assert_eq!(marked, "Visit recorded on this device");

    // Back online: one sync sends the observation, then the visit naming it.
    served.start_again().await;
    b.client.find(Locator::Css("#sync")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "2 sent, 0 waiting, 0 rejected").await;
    let feedback = b.text("#outbox li[data-status=sent] .feedback li").await;
    assert!(
        ["Choose one practice", "Keep the practice going", "Model this practice"].iter().any(|t| feedback.contains(t)),
        "the generated feedback shows: {feedback}"
    );
    b.client.find(Locator::Css("#sync")).await.unwrap().click().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    served.stop();
    let overflow =
        b.client.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "horizontal overflow {overflow}");

    let visits: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM coaching_visits")
        .fetch_one(p)
        .await)
    .unwrap();
    assert_eq!(visits, visits_before + 1, "the visit is stored once");
    let (by, of, linked): (i64, i64, Option<String>) = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
        "SELECT v.coach_id, v.coachee_id, s.uuid FROM coaching_visits v LEFT JOIN submissions s ON s.id = v.submission_id \
         WHERE v.agreed_actions = 'Try think-pair-share'"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((by, of, linked.as_deref()), (coach, coachee, Some(observation.as_str())));
}

/// The small demo with its peer learning, in a SQLite file the binary serves.
async fn peer_field_demo() -> opencpd_testapp::TestDb {
    let db = opencpd_testapp::TestDb::new(Backend::Sqlite).await;
    let config = opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() };
    opencpd_demo::build(&db.db, &config, &|_, _, _| {}).await.unwrap();
    opencpd_demo::peer::build(&db.db, 7, false, &|_, _| {}).await.unwrap();
    db
}

/// The PLC the demo's coach `nll` facilitates: its id, the action point left open by its
/// last meeting (id and title) and its members.
struct NllPlc {
    id: i64,
    point: i64,
    point_title: String,
    members: Vec<i64>,
}

impl NllPlc {
    async fn read(db: &opencpd_kernel::Db) -> NllPlc {
        let id: i64 = opencpd_kernel::on_db!(db, |p| sqlx::query_scalar(
            "SELECT x.plc_id FROM plc_people x JOIN users u ON u.person_id = x.person_id \
             WHERE u.username = 'nll' AND x.role = 'facilitator' ORDER BY x.plc_id LIMIT 1"
        )
        .fetch_one(p)
        .await)
        .expect("the demo's coach facilitates a PLC");
        let (point, point_title): (i64, String) = opencpd_kernel::on_db!(db, |p| sqlx::query_as(
            "SELECT id, title FROM plc_action_points WHERE plc_id = $1 AND status = 'open' ORDER BY id LIMIT 1"
        )
        .bind(id)
        .fetch_one(p)
        .await)
        .expect("a point left open");
        let members: Vec<i64> = opencpd_kernel::on_db!(db, |p| sqlx::query_scalar(
            "SELECT person_id FROM plc_people WHERE plc_id = $1 AND role = 'member' ORDER BY person_id"
        )
        .bind(id)
        .fetch_all(p)
        .await)
        .unwrap();
        assert!(members.len() >= 2, "{members:?}");
        NllPlc { id, point, point_title, members }
    }
}

async fn count_rows(db: &opencpd_kernel::Db, sql: &'static str) -> i64 {
    opencpd_kernel::on_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await).expect(sql)
}

/// Reads the field app's outbox as the device holds it; with `kind`, changes each record of
/// that kind by `patch` first (as a device's storage may be left by an older app or a wrong
/// clock).
const OUTBOX: &str = r#"
const [kind, patch, done] = arguments;
const open = indexedDB.open('opencpd-field');
open.onerror = () => done(null);
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction('outbox', 'readwrite');
  const store = tx.objectStore('outbox');
  const out = [];
  const all = store.getAll();
  all.onsuccess = () => {
    for (const r of all.result) {
      const next = kind && r.kind === kind ? { ...r, ...patch } : r;
      if (next !== r) store.put(next);
      out.push(next);
    }
  };
  tx.oncomplete = () => { db.close(); done(out); };
  tx.onerror = () => done(null);
};
"#;

async fn outbox(b: &Browser, kind: Option<&str>, patch: serde_json::Value) -> Vec<serde_json::Value> {
    let records = b.client.execute_async(OUTBOX, vec![serde_json::json!(kind), patch]).await.unwrap();
    records.as_array().cloned().expect("the outbox is read")
}

async fn set_value(b: &Browser, id: &str, value: &str) {
    b.client
        .execute(
            "const e = document.getElementById(arguments[0]); e.removeAttribute('max'); e.value = arguments[1];",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await
        .unwrap();
}

/// Clicks the element `css` finds, once it is there. The app may draw its lists again
/// meanwhile (a package's media arriving, say): an element replaced between being found
/// and clicked is found again.
async fn click(b: &Browser, css: &str) {
    for _ in 0..20 {
        let element = b.client.wait().for_element(Locator::Css(css)).await.unwrap();
        match element.click().await {
            Ok(()) => return,
            Err(fantoccini::error::CmdError::Standard(e))
                if matches!(e.error, fantoccini::error::ErrorStatus::StaleElementReference) =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("click {css}: {e}"),
        }
    }
    panic!("{css} was drawn again at every click");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_facilitator_records_a_plc_meeting_offline_in_the_field_app_and_finds_it_on_the_plc_s_page() {
    let db = peer_field_demo().await;
    let plc = NllPlc::read(&db.db).await;
    let meetings_before = count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await;
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "nll").await;

    // Offline: the server is gone.
    served.stop();
    b.client.refresh().await.unwrap();
    let option = format!("#meeting-plc option[value=\"{}\"]", plc.id);
    b.client.wait().for_element(Locator::Css(&option)).await.unwrap();
    b.client.find(Locator::Css("#meeting-plc")).await.unwrap().select_by_value(&plc.id.to_string()).await.unwrap();
    // Its people to tick, and the point its last meeting left open.
    for m in &plc.members[..2] {
        click(&b, &format!("#meeting-attendance input[value=\"{m}\"]")).await;
    }
    assert!(b.text("#meeting-carried").await.contains(&plc.point_title));
    b.client
        .find(Locator::Css(&format!("#meeting-carried-{}", plc.point)))
        .await
        .unwrap()
        .select_by_value("done")
        .await
        .unwrap();
    // A guest picked from the package's people, marked as one.
    let guest = b
        .client
        .execute("return document.querySelector('#meeting-guest option:not([value=\"\"])')?.value;", vec![])
        .await
        .unwrap();
    let guest = guest.as_str().expect("people to invite").to_string();
    b.client.find(Locator::Css("#meeting-guest")).await.unwrap().select_by_value(&guest).await.unwrap();
    click(&b, "#meeting-add-guest").await;
    b.client
        .wait()
        .for_element(Locator::Css(&format!("#meeting-attendance input[data-guest][value=\"{guest}\"]")))
        .await
        .unwrap();
    assert!(b.text("#meeting-attendance").await.contains("guest"));
    click(&b, "#meeting-topics input[type=checkbox]").await;
    // An action point for a member, due in a fortnight.
    let title = "Visit two P1 classes together";
    b.client.find(Locator::Css("#meeting-point-0-title")).await.unwrap().send_keys(title).await.unwrap();
    b.client
        .find(Locator::Css("#meeting-point-0-owner"))
        .await
        .unwrap()
        .select_by_value(&plc.members[1].to_string())
        .await
        .unwrap();
    let today = opencpd_kernel::today();
    let due = today + chrono::Duration::days(14);
    set_value(&b, "meeting-point-0-due", &due.to_string()).await;
    b.client
        .find(Locator::Css("#meeting-notes"))
        .await
        .unwrap()
        .send_keys("Reading corners in every school")
        .await
        .unwrap();
    // A day in the future is refused on the device, naming the field.
    set_value(&b, "meeting-date", "2099-01-01").await;
    click(&b, "#meeting-save").await;
    assert!(b.text("#meeting-message [data-field=held_on]").await.contains("Date of the meeting"));
    set_value(&b, "meeting-date", &today.to_string()).await;
    click(&b, "#meeting-save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    assert!(overflow(&b).await <= 0, "the app fits the phone");
    b.client.refresh().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    let uuid = outbox(&b, None, serde_json::json!({}))
        .await
        .iter()
        .find(|r| r["kind"] == "meeting")
        .and_then(|r| r["uuid"].as_str().map(str::to_string))
        .expect("the meeting waits in the outbox");

    // Back online: one sync sends it.
    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let link = b.client.find(Locator::Css("#outbox li[data-status=sent] a.meeting-link")).await.unwrap();
    let href = link.attr("href").await.unwrap().expect("a link to the meeting");
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await, meetings_before + 1);
    let (meeting, held_on, notes): (i64, chrono::NaiveDate, Option<String>) =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
            "SELECT id, held_on, notes FROM plc_meetings WHERE uuid = $1"
        )
        .bind(&uuid)
        .fetch_one(p)
        .await)
        .expect("stored under its client id");
    assert_eq!(
        (href, held_on, notes.as_deref()),
        (format!("/plc-meetings/{meeting}"), today, Some("Reading corners in every school"))
    );
    let attendance: Vec<(i64, bool)> = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
        "SELECT person_id, guest FROM plc_attendance WHERE meeting_id = $1 ORDER BY person_id"
    )
    .bind(meeting)
    .fetch_all(p)
    .await)
    .unwrap();
    let guest: i64 = guest.parse().unwrap();
    let mut expected = vec![(plc.members[0], false), (plc.members[1], false), (guest, true)];
    expected.sort();
    assert_eq!(attendance, expected);
    let (owner, point_due): (i64, chrono::NaiveDate) = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
        "SELECT owner_id, due_on FROM plc_action_points WHERE meeting_id = $1"
    )
    .bind(meeting)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((owner, point_due), (plc.members[1], due));

    // The PLC's page: the meeting, its action point open, the point closed at it gone.
    b.client.goto(&format!("{base}/plcs/{}", plc.id)).await.unwrap();
    assert!(b.text("#meetings").await.contains(&today.to_string()));
    let open = b.text("#open-points").await;
    assert!(open.contains(title) && !open.contains(&plc.point_title), "{open}");
    assert!(overflow(&b).await <= 0, "the PLC's page fits the phone");

    // Sent again (as when its answer was lost on the way): the same meeting, nothing new.
    b.client.goto(&format!("{base}/field/")).await.unwrap();
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let points_before = count_rows(&db.db, "SELECT COUNT(*) FROM plc_action_points").await;
    let held = outbox(&b, Some("meeting"), serde_json::json!({"status": "waiting"})).await;
    let attempts = held.iter().find(|r| r["uuid"] == uuid.as_str()).unwrap()["attempts"].as_i64().unwrap();
    click(&b, "#sync").await;
    let mut resent = serde_json::Value::Null;
    for _ in 0..100 {
        resent =
            outbox(&b, None, serde_json::json!({})).await.into_iter().find(|r| r["uuid"] == uuid.as_str()).unwrap();
        if resent["status"] == "sent" && resent["attempts"] == attempts + 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (resent["status"].clone(), resent["attempts"].clone()),
        (serde_json::json!("sent"), serde_json::json!(attempts + 1))
    );
    assert_eq!(resent["server_id"], serde_json::json!(meeting), "the same meeting answered");
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await, meetings_before + 1);
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM plc_action_points").await, points_before);
    served.stop();
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_refused_visit_and_a_refused_meeting_are_corrected_in_the_field_app_and_sent_again() {
    let db = peer_field_demo().await;
    let plc = NllPlc::read(&db.db).await;
    let coachee: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT r.coachee_id FROM coaching_relations r JOIN users u ON u.person_id = r.coach_id \
         WHERE u.username = 'nll' ORDER BY r.coachee_id LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .unwrap();
    let meetings_before = count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await;
    let visits_before = count_rows(&db.db, "SELECT COUNT(*) FROM coaching_visits").await;
    let today = opencpd_kernel::today();
    let next = today + chrono::Duration::days(30);
    let mut served = Served::start(&db.url).await;
    let base = served.base();
    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "nll").await;

    // Recorded offline: a visit and a meeting, both as the app checks them.
    served.stop();
    b.client.refresh().await.unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("#visit-coachee"))
        .await
        .unwrap()
        .select_by_value(&format!("BLF:{coachee}"))
        .await
        .unwrap();
    set_value(&b, "visit-date", &today.to_string()).await;
    set_value(&b, "visit-next", &next.to_string()).await;
    click(&b, "#visit-save").await;
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;
    b.client.find(Locator::Css("#meeting-plc")).await.unwrap().select_by_value(&plc.id.to_string()).await.unwrap();
    click(&b, &format!("#meeting-attendance input[value=\"{}\"]", plc.members[0])).await;
    click(&b, "#meeting-save").await;
    wait_for_text(&b, "#status", "0 sent, 2 waiting, 0 rejected").await;
    // Left on the device otherwise than the app checked them (a wrong clock, an older app):
    // the next visit before the visit, the meeting in the future.
    let earlier = (today - chrono::Duration::days(3)).to_string();
    outbox(&b, Some("visit"), serde_json::json!({"next_visit_on": earlier})).await;
    let records = outbox(&b, Some("meeting"), serde_json::json!({"held_on": "2099-01-01"})).await;
    let uuid_of =
        |kind: &str| records.iter().find(|r| r["kind"] == kind).unwrap()["uuid"].as_str().unwrap().to_string();
    let (visit_uuid, meeting_uuid) = (uuid_of("visit"), uuid_of("meeting"));

    // Online: the server refuses both, and the app says which field.
    served.start_again().await;
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "0 sent, 0 waiting, 2 rejected").await;
    let refused = |uuid: &str, field: &str| format!("#outbox li[data-uuid=\"{uuid}\"] li[data-field={field}]");
    assert!(b.text(&refused(&visit_uuid, "next_visit_on")).await.starts_with("Next visit: "));
    assert!(b.text(&refused(&meeting_uuid, "held_on")).await.starts_with("Date of the meeting: "));
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await, meetings_before);
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM coaching_visits").await, visits_before);

    // The meeting opened in its form, as it was, with the problem; corrected and sent again.
    click(&b, &format!("#outbox li[data-uuid=\"{meeting_uuid}\"] [data-correct]")).await;
    let banner = "Correcting a refused meeting";
    assert!(b.text_until("#meeting-correcting", |t| t.contains(banner)).await.contains(banner));
    let problem = b.text_until("#meeting-message [data-field=held_on]", |t| t.contains("Date of the meeting")).await;
    assert!(problem.contains("Date of the meeting"), "{problem}");
    let shown = b
        .client
        .execute(
            "return [document.getElementById('meeting-date').value, \
             document.querySelector('#meeting-attendance input[value=\"' + arguments[0] + '\"]').checked];",
            vec![serde_json::json!(plc.members[0])],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!(["2099-01-01", true]));
    set_value(&b, "meeting-date", &today.to_string()).await;
    click(&b, "#meeting-save").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 1 rejected").await;
    assert!(b.text_until("#meeting-correcting", str::is_empty).await.is_empty());

    // The visit likewise.
    click(&b, &format!("#outbox li[data-uuid=\"{visit_uuid}\"] [data-correct]")).await;
    let problem = b.text_until("#visit-message [data-field=next_visit_on]", |t| t.contains("Next visit")).await;
    assert!(problem.contains("Next visit"), "{problem}");
    let shown = b
        .client
        .execute(
            "return [document.getElementById('visit-coachee').value, document.getElementById('visit-next').value];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!([format!("BLF:{coachee}"), earlier]));
    set_value(&b, "visit-next", &next.to_string()).await;
    click(&b, "#visit-save").await;
    wait_for_text(&b, "#status", "2 sent, 0 waiting, 0 rejected").await;
    assert!(overflow(&b).await <= 0, "the app fits the phone");
    served.stop();

    // Each stored once, under the client id it was first saved with, as corrected.
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM plc_meetings").await, meetings_before + 1);
    assert_eq!(count_rows(&db.db, "SELECT COUNT(*) FROM coaching_visits").await, visits_before + 1);
    let held_on: chrono::NaiveDate =
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT held_on FROM plc_meetings WHERE uuid = $1")
            .bind(&meeting_uuid)
            .fetch_one(p)
            .await)
        .unwrap();
    assert_eq!(held_on, today);
    let next_visit: Option<chrono::NaiveDate> = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar(
        "SELECT next_visit_on FROM coaching_visits WHERE uuid = $1"
    )
    .bind(&visit_uuid)
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(next_visit, Some(next));
}

/// Asks the field app for its package. A first visit starts the download by itself and the
/// text above the button grows as it goes, so the button is pressed as a script would
/// press it, not at a point on the screen that may have moved.
async fn download_package(b: &Browser) {
    b.client.wait().for_element(Locator::Css("#download")).await.unwrap();
    b.client.execute("document.getElementById('download').click();", vec![]).await.unwrap();
}

/// The binary serving a database on a port of its own, as a person runs it: stopped to cut
/// the field app off, and started again on the same port to bring it back.
struct Served {
    url: String,
    port: u16,
    child: Option<Child>,
    /// The folder of its files (photos, forms' attachments), its own on either database.
    files: tempfile::TempDir,
}

impl Served {
    async fn start(url: &str) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut served = Served { url: url.to_string(), port, child: None, files: tempfile::tempdir().unwrap() };
        served.start_again().await;
        served
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start_again(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_opencpd"))
            .args(["serve", "--db", &self.url, "--listen", &format!("127.0.0.1:{}", self.port)])
            .env("OPENCPD_LOG", "warn")
            .env("OPENCPD_FILES", self.files.path())
            .spawn()
            .expect("server");
        self.child = Some(child);
        for _ in 0..100 {
            if reqwest::get(format!("{}/healthz", self.base())).await.is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("server did not start");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Signs `username` in to the field app on a phone, takes its package and waits until the
/// service worker holds the app, so that it opens with the server gone.
async fn install_field_app(b: &Browser, base: &str, username: &str) {
    b.client.goto(&format!("{base}/login?next=/field/")).await.unwrap();
    b.client.wait().for_element(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
    b.client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.client.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    download_package(b).await;
    b.client.wait().for_element(Locator::Css("#instruments [data-instrument-id]")).await.unwrap();
    b.client
        .execute_async("const done = arguments[0]; navigator.serviceWorker.ready.then(() => done(true));", vec![])
        .await
        .unwrap();
    b.client.refresh().await.unwrap();
    let controlled = b.client.execute("return !!navigator.serviceWorker.controller;", vec![]).await.unwrap();
    assert_eq!(controlled, serde_json::json!(true), "the app is installed");
}

/// A link to a server that lets what the browser sends through at most so many bytes a
/// tick ([`SlowLink::limit`]; 0, as fast as it comes), as a phone's slow connection does;
/// what the server answers is not held. A connection ends on both sides when either side
/// ends it, so a server killed cuts the upload under way.
struct SlowLink {
    port: u16,
    limit: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    accepting: tokio::task::JoinHandle<()>,
}

impl SlowLink {
    const TICK: std::time::Duration = std::time::Duration::from_millis(20);

    async fn start(to: u16) -> SlowLink {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let limit = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let shared = limit.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let limit = shared.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", to)).await else { return };
                    let (mut from_client, mut to_client) = client.into_split();
                    let (mut from_server, mut to_server) = server.into_split();
                    let up = async {
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let most = match limit.load(Ordering::SeqCst) {
                                0 => buf.len(),
                                n => n.min(buf.len()),
                            };
                            let n = match from_client.read(&mut buf[..most]).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            if to_server.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                            if most < buf.len() {
                                tokio::time::sleep(SlowLink::TICK).await;
                            }
                        }
                    };
                    let down = tokio::io::copy(&mut from_server, &mut to_client);
                    tokio::select! {
                        _ = up => {}
                        _ = down => {}
                    }
                });
            }
        });
        SlowLink { port, limit, accepting }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Lets at most `bytes` through a tick from now on (0: as fast as they come).
    fn limit(&self, bytes: usize) {
        self.limit.store(bytes, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// Records the `Content-Range` of every part the field app sends (`window.sentParts`),
/// through the page's own `fetch`, which does the sending.
const RECORD_PARTS: &str = r#"
window.sentParts = [];
window.pageFetch = window.pageFetch ?? window.fetch;
window.fetch = (url, init = {}) => {
  if (init.method === 'PUT') window.sentParts.push(init.headers['Content-Range']);
  return window.pageFetch(url, init);
};
"#;

/// The size of a part the field app sends (`CHUNK` in `uploads.js`).
const PART: u64 = 256 * 1024;

/// A sync killed in the middle of a photo's upload and retried: an enumerator on a phone
/// collects a form with a 2.4 MB photo offline; back online over a slow link, the sync
/// sends the photo in parts and the server is killed while one of them is on its way. Started
/// again, the server says how much of the photo it kept; the next sync from the page sends
/// only the rest, and the photo and its submission are stored once, on either database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_sync_killed_in_the_middle_of_a_photos_upload_and_retried_sends_only_the_rest_and_stores_it_once() {
    for backend in opencpd_testapp::backends() {
        upload_killed_and_retried(backend).await;
    }
}

async fn upload_killed_and_retried(backend: Backend) {
    let db = opencpd_testapp::TestDb::new(backend).await;
    opencpd_demo::build(
        &db.db,
        &opencpd_demo::DemoConfig { scale: opencpd_demo::Scale::Small, seed: 7, password: PASSWORD.into() },
        &|_, _, _| {},
    )
    .await
    .unwrap();
    let mut served = Served::start(&db.url).await;
    let link = SlowLink::start(served.port).await;
    let base = link.base();
    let system = opencpd_kernel::Actor::system();
    let admin = opencpd_kernel::accounts::create_token(&db.db, &system, "admin", "test").await.unwrap();
    let enumerator = opencpd_kernel::accounts::create_token(&db.db, &system, "seo.gitega", "test").await.unwrap();
    let http = reqwest::Client::new();
    let server = served.base();
    let upload_state = |digest: String| {
        let (http, url, token) = (http.clone(), server.clone(), enumerator.clone());
        async move {
            let r = http.get(format!("{url}/api/v1/files/{digest}/upload")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            let state: serde_json::Value = r.json().await.unwrap();
            (state["stored"].as_bool().unwrap(), state["received"].as_u64().unwrap())
        }
    };

    let instrument = classroom_photo_form(&http, &server, &admin, &[]).await;

    let b = Browser::start(390, 844).await;
    install_field_app(&b, &base, "seo.gitega").await;

    // Offline: the form and its photo, a file as heavy as a phone's photo, which the
    // question (no max-pixels) keeps as it is.
    served.stop();
    b.client.refresh().await.unwrap();
    let photo = noise_png(900);
    let size = photo.len() as u64;
    assert!(size > 2_000_000, "{size}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("classroom.png");
    let digest = photo_of_a_classroom(&b, &db.db, instrument, &photo, &path).await;
    b.client.find(Locator::Css("#save")).await.unwrap().click().await.unwrap();
    wait_for_text(&b, "#status", "0 sent, 1 waiting, 0 rejected").await;

    // Back online over a slow link (400 kB/s up): the sync sends the photo in parts; the
    // server is killed once the first part is in and the second is arriving. (The app also
    // syncs by itself now and then: whichever sync runs, the parts are recorded.)
    link.limit(8_000);
    b.client.execute(RECORD_PARTS, vec![]).await.unwrap();
    served.start_again().await;
    click(&b, "#sync").await;
    let user: i64 = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind("seo.gitega")
        .fetch_one(p)
        .await)
    .unwrap();
    let part = served.files.path().join(".incoming").join(format!("{digest}.{user}.part"));
    let arrived = || std::fs::metadata(&part).map_or(0, |m| m.len());
    let mut waited = 0;
    while !(arrived() > PART && arrived() % PART != 0) {
        assert!(waited < 6_000, "the second part did not start arriving: {} bytes after 60 s", arrived());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        waited += 1;
    }
    served.stop();
    let received = arrived();
    assert!(received > PART && received < size, "cut in the middle: {received} of {size}");
    // The page sees the sync cut off and keeps the submission waiting.
    let syncing =
        || async { b.client.execute("return document.getElementById('sync').disabled;", vec![]).await.unwrap() };
    let mut waited = 0;
    while syncing().await == serde_json::json!(true) {
        assert!(waited < 300, "the sync did not end once cut off");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let records = outbox(&b, None, serde_json::json!({})).await;
    assert_eq!(records.len(), 1);
    assert!(records[0]["status"] == "waiting" && records[0]["last_error"].is_string(), "{}", records[0]);
    let parts = || async {
        let sent = b.client.execute("return window.sentParts;", vec![]).await.unwrap();
        serde_json::from_value::<Vec<String>>(sent).unwrap()
    };
    let first = parts().await;
    assert!(first.len() >= 2 && first[0] == format!("bytes 0-{}/{size}", PART - 1), "{first:?}");
    let stored = || async {
        opencpd_kernel::on_db!(&db.db, |p| sqlx::query_scalar::<_, String>(
            "SELECT uuid FROM submissions WHERE instrument_id = $1"
        )
        .bind(instrument)
        .fetch_all(p)
        .await)
        .unwrap()
    };
    assert_eq!(stored().await, Vec::<String>::new(), "nothing stored but part of the photo");

    // Started again: the server says what it kept; a sync from the page sends the rest.
    link.limit(0);
    b.client.execute(RECORD_PARTS, vec![]).await.unwrap();
    served.start_again().await;
    assert_eq!(upload_state(digest.clone()).await, (false, received), "what arrived before the kill is kept");
    click(&b, "#sync").await;
    wait_for_text(&b, "#status", "1 sent, 0 waiting, 0 rejected").await;
    let second = parts().await;
    let ranges: Vec<(u64, u64, u64)> = second
        .iter()
        .map(|h| {
            let (span, total) = h.strip_prefix("bytes ").and_then(|r| r.split_once('/')).expect(h);
            let (start, end) = span.split_once('-').expect(h);
            (start.parse().unwrap(), end.parse().unwrap(), total.parse().unwrap())
        })
        .collect();
    assert_eq!(ranges.first().map(|r| r.0), Some(received), "the rest starts where the server stopped: {second:?}");
    assert_eq!(ranges.last().map(|r| (r.1, r.2)), Some((size - 1, size)), "{second:?}");
    assert!(ranges.windows(2).all(|w| w[1].0 == w[0].1 + 1), "each part follows on: {second:?}");
    let sent: u64 = ranges.iter().map(|r| r.1 + 1 - r.0).sum();
    assert_eq!(sent, size - received, "nothing that had arrived is sent again");
    assert_eq!(upload_state(digest.clone()).await, (true, size));

    // Stored once: one submission naming the photo, one description, one file with the
    // photo's bytes, and nothing left of the part.
    let uuids = stored().await;
    assert_eq!(uuids.len(), 1, "the submission is stored once");
    let described: Vec<(String, i64)> = opencpd_kernel::on_db!(&db.db, |p| sqlx::query_as(
        "SELECT f.sha256, f.size_bytes FROM submission_files s JOIN submissions u ON u.id = s.submission_id \
         JOIN stored_files f ON f.sha256 = s.sha256 WHERE u.instrument_id = $1"
    )
    .bind(instrument)
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(described, [(digest.clone(), size as i64)]);
    let mut in_store = Vec::new();
    let mut dirs = vec![served.files.path().join("sha256")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { dirs.push(p) } else { in_store.push(p) }
        }
    }
    assert_eq!(in_store.len(), 1, "{in_store:?}");
    assert!(in_store[0].ends_with(&digest));
    assert_eq!(std::fs::read(&in_store[0]).unwrap(), photo, "the photo's own bytes");
    assert!(!part.exists(), "no part left behind");
    let got = http
        .get(format!("{server}/api/v1/submissions/{}/files/{digest}.png", uuids[0]))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().len() as u64, size);
    served.stop();
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn the_school_data_dashboard_drills_down_from_the_country_to_a_school_with_its_charts_on_a_phone() {
    let app = TestApp::start(Backend::Sqlite).await;
    opencpd_demo::evaluation::build(&app.db.db, 7, &|_, _| {}).await.unwrap();
    let rwanda = app.id_of("SELECT id FROM units WHERE code = $1", "RW").await;
    let b = Browser::start(390, 844).await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url(&format!("/data/units/{rwanda}"))).await.unwrap();
    // Country › province › district › sector › school, each a row of the place's parts.
    let mut names = vec![b.text("h1").await];
    for _ in 0..4 {
        let svgs = b.client.find_all(Locator::Css("#trend-chart svg")).await.unwrap().len();
        assert_eq!(svgs, 1, "a trend chart on {:?}", names.last());
        assert!(overflow(&b).await <= 0, "nothing to scroll sideways on {:?}", names.last());
        let label = label_before(&b, "#parts tbody td").await;
        assert_eq!(label, "\"Place\"", "a part's cell says its column on a phone");
        // The first part with learners enrolled.
        let part = b
            .client
            .execute(
                "const row = [...document.querySelectorAll('#parts tbody tr')]
                   .find((r) => r.cells[1].textContent.trim() !== '–');
                 const a = row.querySelector('a'); const name = a.textContent; a.click(); return name;",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let h1 = b.text_until("h1", |h1| h1.contains(&part)).await;
        assert!(h1.contains(&part), "{h1} is {part}'s page");
        b.client.wait().for_element(Locator::Css("#trend-chart")).await.unwrap();
        names.push(h1);
    }
    let url = b.client.current_url().await.unwrap();
    assert!(url.path().starts_with("/data/schools/"), "the last step is a school: {url}");
    // The school's page: its trend as a chart, its flows by grade and its gaps by sex, each
    // cell labelled on a phone.
    assert_eq!(b.client.find_all(Locator::Css("#trend-chart svg")).await.unwrap().len(), 1);
    let flows = b.client.find_all(Locator::Css("#flows tbody tr")).await.unwrap().len();
    assert!(flows >= 2, "flows by grade ({flows})");
    assert!(!label_before(&b, "#flows tbody td").await.is_empty());
    assert!(b.client.find_all(Locator::Css("#gaps tbody tr")).await.unwrap().len() >= 2);
    // Flows and gaps are charts as well as tables: a bar part per rate shown, a dot per sex.
    let parts = b.client.find_all(Locator::Css("#flows-chart svg rect title")).await.unwrap().len();
    assert!(parts >= flows, "a part per rate of each grade shown ({parts})");
    let dots = b.client.find_all(Locator::Css("#gaps-chart svg circle")).await.unwrap().len();
    assert!(dots >= 4, "girls and boys of two grades at least, beside the legend ({dots})");
    assert!(overflow(&b).await <= 0);
    // The report to send on is a PDF link; the page speaks French too.
    let href = b.client.find(Locator::Css("#report-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/api/v1/schools/") && href.ends_with("/report"), "{href}");
    b.click_link("Français").await;
    b.client.wait().for_element(Locator::Css("#trend-chart")).await.unwrap();
    let caption = b.text("#trend-chart figcaption").await;
    assert!(caption.starts_with("Score moyen des élèves"), "{caption}");
}

/// A national officer records a programme's cost on a phone, in French: the demo's costs
/// listed one by one above the form, an amount typed as French writes it, the cost listed
/// at once, then changed from its edit link; nothing wider than the phone.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_programmes_cost_is_recorded_and_changed_on_a_phone_in_french() {
    let app = opencpd_testapp::delivery::start(Backend::Sqlite).await;
    let lt2 = app.id_of("SELECT id FROM programmes WHERE code = $1", "LT2").await;
    let b = Browser::start_in(390, 844, "fr").await;
    b.login(&app, "national.cm").await;
    b.client.goto(&app.url(&format!("/programmes/{lt2}"))).await.unwrap();
    assert_eq!(b.text("#cost-form h3").await, "Enregistrer un coût");
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways");
    assert_eq!(label_before(&b, "#cost-items tbody td:nth-child(3)").await, "\"Montant\"");
    let field = |name: &'static str| {
        let b = &b;
        async move { b.client.find(Locator::Css(&format!("#cost-form [name={name}]"))).await.unwrap() }
    };
    let year = field("year").await;
    year.clear().await.unwrap();
    year.send_keys("2025").await.unwrap();
    field("category").await.select_by_value("coaching").await.unwrap();
    field("amount").await.send_keys("1 250,50").await.unwrap();
    field("note").await.send_keys("Visites de suivi").await.unwrap();
    b.client.find(Locator::Css("#cost-form button[type=submit]")).await.unwrap().click().await.unwrap();
    let listed = b.text_until("#cost-items", |t| t.contains("Visites de suivi")).await;
    assert!(listed.contains("1\u{202f}250,5 USD"), "{listed}");

    let id = app.scalar("SELECT MAX(id) FROM programme_costs").await;
    b.client.find(Locator::Css(&format!("#edit-cost-{id}"))).await.unwrap().click().await.unwrap();
    assert_eq!(b.text_until("#cost-form h3", |t| t == "Modifier ce coût").await, "Modifier ce coût");
    let amount = field("amount").await;
    amount.clear().await.unwrap();
    amount.send_keys("1300").await.unwrap();
    b.client.find(Locator::Css("#cost-form button[type=submit]")).await.unwrap().click().await.unwrap();
    let row = b.text_until(&format!("#cost-{id}"), |t| t.contains("1\u{202f}300 USD")).await;
    assert!(row.contains("1\u{202f}300 USD") && row.contains("Accompagnement"), "{row}");
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways");
}

#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_head_teacher_enters_the_schools_learner_outcomes_on_a_phone_in_french() {
    use opencpd_indicators::model::NewReference;
    use opencpd_indicators::store::reference::{Kind, add};
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = opencpd_kernel::Actor::system();
    // The deployment's grade and subject (already there when the demo defines them).
    let p4 = NewReference { code: "P4".into(), name: "Primary 4".into(), max_score: None, position: None };
    let _ = add(&app.db.db, &admin, Kind::Grade, &p4).await;
    let math = NewReference { code: "MATH".into(), name: "Mathematics".into(), max_score: Some(100.0), position: None };
    let _ = add(&app.db.db, &admin, Kind::Subject, &math).await;
    let school = app
        .id_of("SELECT g.school_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = $1", "head.gitega")
        .await;
    let b = Browser::start_in(390, 844, "fr").await;
    b.login(&app, "head.gitega").await;
    b.client.goto(&app.url(&format!("/lang/fr?next=/data/schools/{school}"))).await.unwrap();
    b.client.wait().for_element(Locator::Css("#enter-outcomes")).await.unwrap().click().await.unwrap();
    assert!(b.text_until("h1", |t| t.starts_with("Résultats des élèves")).await.starts_with("Résultats des élèves"));
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways");
    assert_eq!(label_before(&b, "#line-0 td:nth-child(2)").await, "\"Inscrits\"");
    let field = |name: &'static str| {
        let b = &b;
        async move { b.client.find(Locator::Css(&format!("#entry-form [name={name}]"))).await.unwrap() }
    };
    let year = field("year").await;
    year.clear().await.unwrap();
    year.send_keys("2026").await.unwrap();
    field("term").await.select_by_value("1").await.unwrap();
    field("grade").await.select_by_value("P4").await.unwrap();
    field("subject").await.select_by_value("MATH").await.unwrap();
    field("r0_enrolled").await.send_keys("1 042").await.unwrap();
    field("r0_assessed").await.send_keys("1 000").await.unwrap();
    field("r0_mean_score").await.send_keys("61,5").await.unwrap();
    field("r0_repeating").await.send_keys("1 050").await.unwrap();
    field("r1_enrolled").await.send_keys("40").await.unwrap();
    field("r1_dropped_out").await.send_keys("2").await.unwrap();
    b.client.find(Locator::Css("#save-outcomes")).await.unwrap().click().await.unwrap();

    // Refused: the line and field named in French, what was typed kept, nothing written.
    let problems = b.text_until("#problems", |t| t.contains("Redoublants")).await;
    assert!(
        problems.contains("Filles, tous les élèves, Redoublants: 1050 redoublants, c'est plus que les 1042 inscrits"),
        "{problems}"
    );
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways with the problems shown");
    let kept = field("r0_mean_score").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("61,5"));
    let stored = || app.scalar("SELECT COUNT(*) FROM learner_outcomes WHERE year = 2026");
    assert_eq!(stored().await, 0);
    let repeating = field("r0_repeating").await;
    repeating.clear().await.unwrap();
    repeating.send_keys("12").await.unwrap();
    b.client.find(Locator::Css("#save-outcomes")).await.unwrap().click().await.unwrap();
    let saved = b.text_until("#saved", |t| t.contains("enregistrées")).await;
    assert_eq!(saved, "2 lignes enregistrées.");
    assert_eq!(stored().await, 2);
    let mean: f64 = on_db_mean(&app).await;
    assert!((mean - 61.5).abs() < 1e-9, "{mean}");
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways");
}

/// The lists page on a phone, in French: a subject's row opens its form, the maximum typed
/// with a decimal comma is saved; lowered below a stored mean score it is refused, the
/// subject, the maximum and the rows above it named, what was typed kept, nothing written.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn an_administrator_edits_a_subjects_maximum_on_the_lists_page_on_a_phone_in_french() {
    use opencpd_indicators::model::NewReference;
    use opencpd_indicators::store::{outcomes, reference};
    use opencpd_kernel::import::{Options, Source};
    let app = TestApp::start(Backend::Sqlite).await;
    let admin = opencpd_kernel::Actor::system();
    let p4 = NewReference { code: "P4".into(), name: "Primary 4".into(), max_score: None, position: None };
    reference::add(&app.db.db, &admin, reference::Kind::Grade, &p4).await.unwrap();
    let math = NewReference { code: "MATH".into(), name: "Mathematics".into(), max_score: Some(100.0), position: None };
    let math = reference::add(&app.db.db, &admin, reference::Kind::Subject, &math).await.unwrap();
    let school = app.text("SELECT MIN(code) FROM schools").await;
    let csv = format!("school_code,year,grade,subject,sex,assessed,mean_score\n{school},2025,P4,MATH,F,30,61.5\n");
    let report =
        outcomes::import(&app.db.db, &admin, Source::bytes("o.csv", csv.into_bytes()).unwrap(), Options::default())
            .await
            .unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    let b = Browser::start_in(390, 844, "fr").await;
    b.login(&app, "admin").await;
    b.client.goto(&app.url("/lang/fr?next=/data/lists")).await.unwrap();
    let row = format!("#subject-{math}");
    b.client.wait().for_element(Locator::Css(&format!("{row} summary"))).await.unwrap().click().await.unwrap();
    assert_eq!(label_before(&b, &format!("{row} td:nth-child(2)")).await, "\"Nom\"");
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways with the form open");
    let field = |name: &'static str| {
        let (b, row) = (&b, row.clone());
        async move { b.client.find(Locator::Css(&format!("{row} [name={name}]"))).await.unwrap() }
    };
    let max = field("max_score").await;
    max.clear().await.unwrap();
    max.send_keys("80,5").await.unwrap();
    b.client.find(Locator::Css(&format!("{row} button"))).await.unwrap().click().await.unwrap();
    assert_eq!(b.text_until("#saved", |t| t.contains("enregistré")).await, "MATH enregistré.");
    let stored = || app.text("SELECT CAST(max_score AS TEXT) || ' ' || CAST(version AS TEXT) FROM outcome_subjects");
    assert_eq!(stored().await, "80.5 2");

    // Below the girls' mean of 61.5: refused in French, the form open with what was typed.
    b.client.find(Locator::Css(&format!("{row} summary"))).await.unwrap().click().await.unwrap();
    let max = field("max_score").await;
    max.clear().await.unwrap();
    max.send_keys("50").await.unwrap();
    b.client.find(Locator::Css(&format!("{row} button"))).await.unwrap().click().await.unwrap();
    let problems = b.text_until(&format!("#subject-{math}-problems"), |t| t.contains("MATH")).await;
    assert!(
        problems.contains("la note maximale de MATH ne peut pas descendre à 50 : une ligne de résultats")
            && problems.contains("(la note la plus haute est 61.5)"),
        "{problems}"
    );
    assert!(overflow(&b).await <= 0, "nothing to scroll sideways with the problems shown");
    assert_eq!(field("max_score").await.prop("value").await.unwrap().as_deref(), Some("50"));
    assert_eq!(stored().await, "80.5 2");
}

/// The girls' mean score entered for 2026.
async fn on_db_mean(app: &TestApp) -> f64 {
    opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_scalar(
        "SELECT mean_score FROM learner_outcomes WHERE year = 2026 AND sex = 'F'"
    )
    .fetch_one(p)
    .await)
    .unwrap()
}

/// An administrator on a phone publishes an XLSForm with its attachments from the publish
/// page, the files given together to its input that takes several: the instrument's page
/// lists them uploaded. A second version sent with a CSV lacking the column a question
/// reads is refused, the problem naming the file, and nothing of it is stored; on either
/// database.
#[tokio::test]
#[cfg_attr(not(slow_tests), ignore = "slow: runs with OPENCPD_SLOW_TESTS=1")]
async fn a_form_is_published_with_its_attachments_from_the_publish_page_on_a_phone_or_refused_naming_the_file() {
    for backend in opencpd_testapp::backends() {
        publish_with_attachments(backend).await;
    }
}

async fn publish_with_attachments(backend: Backend) {
    let store = tempfile::tempdir().unwrap();
    let config = opencpd_web::WebConfig {
        files: Some(opencpd_kernel::files::Files::dir(store.path()).unwrap()),
        ..Default::default()
    };
    let app = TestApp::start_with(backend, config).await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| -> String {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let rows = |cells: &[&[&str]]| -> Vec<Vec<String>> {
        cells.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    };
    // A market survey: a village chosen from a CSV file, a map on a label.
    let form = |version: &str| {
        opencpd_transfer::write_workbook(&[
            (
                "survey",
                rows(&[
                    &["type", "name", "label", "media::image"],
                    &["select_one_from_file villages.csv", "village", "Village", "map.png"],
                    &["text", "stall", "Stall", ""],
                ]),
            ),
            ("settings", rows(&[&["form_id", "version"], &["market_stalls", version]])),
        ])
        .unwrap()
    };
    let villages = b"name,label\nkim,Kimironko\nrem,Remera\n".to_vec();
    let map = png_image(24);
    let first = write("market_stalls.xlsx", &form("1"));
    let attachments = [write("villages.csv", &villages), write("map.png", &map)].join("\n");

    let b = Browser::start(390, 844).await;
    b.login(&app, "admin").await;
    let publish = |form: String, attachments: String| {
        let b = &b;
        let url = app.url("/instruments");
        async move {
            b.client.goto(&url).await.unwrap();
            b.client
                .wait()
                .for_element(Locator::Css("#instrument-file"))
                .await
                .unwrap()
                .send_keys(&form)
                .await
                .unwrap();
            b.client
                .find(Locator::Css("#instrument-attachments"))
                .await
                .unwrap()
                .send_keys(&attachments)
                .await
                .unwrap();
            let chosen = b
                .client
                .execute("return document.getElementById('instrument-attachments').files.length;", vec![])
                .await
                .unwrap();
            assert_eq!(chosen, serde_json::json!(attachments.lines().count()), "every file is given to the input");
            assert!(overflow(b).await <= 0, "nothing to scroll sideways");
            b.client.find(Locator::Css("#publish")).await.unwrap().click().await.unwrap();
            b.client.wait().for_element(Locator::Css("#report-summary")).await.unwrap();
        }
    };
    publish(first, attachments).await;
    assert_eq!(b.text("#report-summary").await, "Published market_stalls 1.");
    let id = app.id_of("SELECT id FROM instruments WHERE code = $1", "market_stalls").await;
    b.client.goto(&app.url(&format!("/instruments/{id}"))).await.unwrap();
    let listed: Vec<String> = {
        let rows = b.client.wait().for_element(Locator::Css("#attachments tbody")).await.unwrap();
        let mut out = Vec::new();
        for row in rows.find_all(Locator::Css("tr")).await.unwrap() {
            out.push(row.text().await.unwrap().split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out
    };
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed[0].starts_with("villages.csv Uploaded ") && listed[1].starts_with("map.png Uploaded "),
        "{listed:?}"
    );
    assert!(b.client.find(Locator::Css("#attachments-missing")).await.is_err(), "nothing missing");
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(bytes))
    };
    let attached: Vec<(String, String)> = opencpd_kernel::on_db!(&app.db.db, |p| sqlx::query_as(
        "SELECT name, sha256 FROM instrument_attachments WHERE instrument_id = $1 ORDER BY name"
    )
    .bind(id)
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(attached, [("map.png".to_string(), sha(&map)), ("villages.csv".to_string(), sha(&villages))]);

    // Version 2 with a CSV of villages by code, not by the name the question reads.
    let stored = || async {
        let rows = (
            app.scalar("SELECT COUNT(*) FROM instruments").await,
            app.scalar("SELECT COUNT(*) FROM instrument_attachments").await,
            app.scalar("SELECT COUNT(*) FROM stored_files").await,
        );
        let mut files = Vec::new();
        let mut dirs = vec![store.path().to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() { dirs.push(p) } else { files.push(p) }
            }
        }
        files.sort();
        (rows, files)
    };
    let before = stored().await;
    let second = write("market_stalls_2.xlsx", &form("2"));
    let wrong = [write("by-code/villages.csv", b"code,label\nkim,Kimironko\n"), write("map.png", &map)].join("\n");
    publish(second, wrong).await;
    let summary = b.text("#report-summary").await;
    assert_eq!(summary, "One problem: nothing was published.");
    let problems = b.text("#problems tbody").await;
    assert!(
        problems.contains("the file villages.csv has no column name, which the question village reads"),
        "{problems}"
    );
    assert_eq!(stored().await, before, "nothing of version 2 is stored");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM instruments WHERE code = 'market_stalls'").await, 1);
}
