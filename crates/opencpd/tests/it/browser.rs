//! Pages in a real browser: Debian's chromium driven through chromedriver. Slow, so they
//! run only with `OPENCPD_SLOW_TESTS=1` (`.ci/run` sets it).

use crate::helpers::{Backend, PASSWORD, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};

fn slow_tests() -> bool {
    std::env::var("OPENCPD_SLOW_TESTS").is_ok_and(|v| v == "1")
}

/// A chromedriver with a headless chromium, ended on drop.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(width: u32, height: u32) -> Browser {
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
                         format!("--window-size={width},{height}")]
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
                Ok(client) => return Browser { driver, client, _profile: profile },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        panic!("could not start chromium through chromedriver: {last:?}");
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
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

    pub async fn login(&self, app: &TestApp, username: &str) {
        self.client.goto(&app.url("/")).await.unwrap();
        self.client.wait().for_element(Locator::Css("#username")).await.unwrap().send_keys(username).await.unwrap();
        self.client.find(Locator::Css("#password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
        self.client.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test]
async fn log_in_drill_down_to_a_school_see_a_failed_import_and_switch_to_french() {
    if !slow_tests() {
        return;
    }
    let app = TestApp::start(Backend::Sqlite).await;
    let b = Browser::start(1280, 900).await;

    // A wrong password is refused on the page itself.
    b.client.goto(&app.url("/login")).await.unwrap();
    b.client.find(Locator::Css("#username")).await.unwrap().send_keys("admin").await.unwrap();
    b.client.find(Locator::Css("#password")).await.unwrap().send_keys("wrong-password").await.unwrap();
    b.client.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    assert_eq!(b.text("#login-error").await, "wrong user name or password");

    b.login(&app, "admin").await;
    assert_eq!(b.text("h1").await, "Welcome, System administrator");
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
    assert_eq!(b.text("h1").await, "Bienvenue, System administrator");
}

#[tokio::test]
async fn pages_fit_a_phone_and_scope_holds_in_the_browser() {
    if !slow_tests() {
        return;
    }
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
