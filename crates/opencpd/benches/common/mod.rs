//! What every benchmark needs: fresh databases on either backend, a release server on a
//! free port, and percentiles. Each bench file includes it with `mod common;`.
#![allow(dead_code)]

use opencpd_kernel::Db;
use std::time::Duration;

/// The PostgreSQL server to use (`OPENCPD_TEST_PG`, as the tests), or none when it is `off`.
pub fn pg_admin() -> Option<String> {
    match std::env::var("OPENCPD_TEST_PG") {
        Ok(v) if v == "off" => None,
        Ok(v) => Some(v),
        Err(_) => Some("postgres://postgres:postgres@127.0.0.1:5432/postgres".into()),
    }
}

/// The backends to measure: SQLite, and PostgreSQL unless it is switched off.
pub fn backends() -> Vec<&'static str> {
    if pg_admin().is_some() { vec!["sqlite", "postgres"] } else { vec!["sqlite"] }
}

/// A fresh, migrated database on the backend, and its URL.
pub async fn fresh(backend: &str, dir: &std::path::Path, name: &str) -> (Db, String) {
    let url = if backend == "sqlite" {
        dir.join(format!("{name}.db")).to_string_lossy().to_string()
    } else {
        let admin = pg_admin().expect("pg");
        let db_name = format!("opencpd_bench_{name}_{}", std::process::id());
        if let Db::Postgres(p) = Db::connect(&admin, opencpd_kernel::IfMissing::Create).await.expect("pg admin") {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")))
                .execute(&p)
                .await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}"))).execute(&p).await.expect("create");
        }
        format!("{}/{db_name}", admin.rsplit_once('/').expect("url").0)
    };
    let db = Db::connect(&url, opencpd_kernel::IfMissing::Create).await.expect("db");
    db.migrate().await.expect("migrate");
    (db, url)
}

/// Removes a database made by [`fresh`] on PostgreSQL (a SQLite file goes with its folder).
pub async fn drop_pg(url: &str) {
    if let (Some(admin), Some((_, name))) = (pg_admin(), url.rsplit_once('/'))
        && url.starts_with("postgres")
        && let Ok(Db::Postgres(p)) = Db::connect(&admin, opencpd_kernel::IfMissing::Create).await
    {
        let _ =
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&p).await;
    }
}

/// The release server on a free port, logging only warnings; returns it and its base URL
/// once `/healthz` answers.
pub async fn serve(url: &str) -> (std::process::Child, String) {
    serve_with(url, &[]).await
}

/// [`serve`] with variables of its own (`OPENCPD_FILES`, `AWS_*`).
pub async fn serve_with(url: &str, env: &[(&str, String)]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"))
        .args(["serve", "--db", url, "--listen", &format!("127.0.0.1:{port}")])
        .env("OPENCPD_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .spawn()
        .expect("server");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("server did not start");
}

/// The `q` quantile (0..=1) of timings, which it sorts.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("number"));
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

pub fn median(mut v: Vec<f64>) -> f64 {
    quantile(&mut v, 0.5)
}

/// A process's resident memory now and its peak so far (`VmRSS`, `VmHWM`), in KiB; zeros
/// once it has ended.
pub fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub const ITEMS: usize = 250;

/// A 250-item lesson observation: 240 rubric items in 8 domains, 10 counts; with a photo
/// question last when `photo` gives its `parameters` (`""`, `"max-pixels=1024"`).
pub fn big_form(photo: Option<&str>) -> Vec<u8> {
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<String>>();
    let mut survey =
        vec![row(&["type", "name", "label::English (en)", "label::French (fr)", "required", "constraint", "domain"])];
    for i in 0..240 {
        let domain = format!("Domain {}", i / 30 + 1);
        survey.push(vec![
            "select_one rubric".into(),
            format!("item_{i}"),
            format!("Practice {i}"),
            format!("Pratique {i}"),
            "yes".into(),
            String::new(),
            domain,
        ]);
    }
    for i in 0..10 {
        survey.push(vec![
            "integer".into(),
            format!("count_{i}"),
            format!("Count {i}"),
            format!("Nombre {i}"),
            "yes".into(),
            ". >= 0 and . <= 200".into(),
            String::new(),
        ]);
    }
    if let Some(parameters) = photo {
        survey[0].push("parameters".into());
        for row in survey.iter_mut().skip(1) {
            row.push(String::new());
        }
        let mut row = vec!["image".to_string(), "photo".into(), "Photo of the board".into(), "Photo du tableau".into()];
        row.extend(["".into(), "".into(), "".into(), parameters.to_string()]);
        survey.push(row);
    }
    let mut choices = vec![row(&["list_name", "name", "label::English (en)", "label::French (fr)", "score"])];
    for (n, en, fr) in [
        ("1", "Not yet", "Pas encore"),
        ("2", "Emerging", "Émergent"),
        ("3", "Established", "Établi"),
        ("4", "Strong", "Solide"),
    ] {
        choices.push(row(&["rubric", n, en, fr, &(n.parse::<i32>().unwrap() - 1).to_string()]));
    }
    let settings = vec![
        row(&["form_title", "form_id", "version", "default_language"]),
        row(&["Big observation", "big_observation", "1", "English (en)"]),
    ];
    opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices), ("settings", settings)])
        .expect("workbook")
}

pub fn answers(k: usize) -> serde_json::Value {
    let mut a = serde_json::Map::new();
    for i in 0..240 {
        a.insert(format!("item_{i}"), serde_json::json!(((i + k) % 4 + 1).to_string()));
    }
    for i in 0..10 {
        a.insert(format!("count_{i}"), serde_json::json!((i * 7 + k) % 150));
    }
    serde_json::Value::Object(a)
}
