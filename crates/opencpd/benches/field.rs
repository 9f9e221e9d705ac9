//! Field collection figures: submissions per second over HTTP for a 250-item observation
//! form (SQLite and PostgreSQL), the export of 100,000 such submissions to CSV (time and
//! the exporting process's peak memory), and the size of a sector officer's package on the
//! national demo. Prints its numbers; asserts nothing.
//!
//!     cargo bench -p opencpd --bench field
//!     OPENCPD_BENCH_SUBMISSIONS=20000 cargo bench -p opencpd --bench field   # a smaller export

mod common;

use common::{ITEMS, answers, big_form, drop_pg, fresh, pg_admin, serve};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_instruments::store as instruments;
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::{Actor, Db, accounts};
use std::time::{Duration, Instant};

async fn prepared(backend: &str, dir: &std::path::Path, name: &str, scale: Scale) -> (Db, String, i64, i64) {
    let (db, url) = fresh(backend, dir, name).await;
    demo::build(&db, &DemoConfig { scale, seed: 2026, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("demo");
    let instrument =
        instruments::import(&db, &Actor::system(), "big.xlsx", &big_form(None), "observation").await.expect("form");
    let school: i64 = opencpd_kernel::on_db!(&db, |p| sqlx::query_scalar(
        "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
    )
    .fetch_one(p)
    .await)
    .expect("school");
    (db, url, instrument.id, school)
}

async fn bench_submissions(backend: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url, instrument, school) = prepared(backend, dir.path(), "subs", Scale::Small).await;
    let token = accounts::create_token(&db, &Actor::system(), "seo.gitega", "bench").await.expect("token");
    let (mut server, base) = serve(&url).await;
    let clients = 20;
    let per_client = 250;
    let bodies: Vec<Vec<String>> = (0..clients)
        .map(|c| {
            (0..per_client)
                .map(|i| {
                    serde_json::json!({
                        "uuid": uuid::Uuid::new_v4().to_string(), "instrument_id": instrument, "collected_at": "2026-02-03T10:00:00Z",
                        "subject": {"kind": "school", "id": school}, "answers": answers(c * per_client + i),
                    })
                    .to_string()
                })
                .collect()
        })
        .collect();
    let cpu_before = Cpu::now(server.id());
    let started = Instant::now();
    let mut handles = Vec::new();
    for list in bodies {
        let (base, token) = (base.clone(), token.clone());
        handles.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            for body in list {
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/submissions"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                assert_eq!(r.status(), 201);
                r.bytes().await.expect("body");
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for h in handles {
        times.extend(h.await.expect("client"));
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = Cpu::now(server.id()).since(&cpu_before);
    times.sort_by(|a, b| a.partial_cmp(b).expect("number"));
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let per = |ticks: u64| ticks as f64 * 1000.0 / Cpu::HZ / times.len() as f64;
    println!(
        "| {backend} | {} | {clients} | {:.0} | {:.1} | {:.1} | {:.2} / {:.2} / {:.2} |",
        times.len(),
        times.len() as f64 / wall,
        p(0.5),
        p(0.95),
        per(cpu.server),
        per(cpu.database),
        per(cpu.client),
    );
    let _ = server.kill();
    let _ = server.wait();
    db.close().await;
    if backend == "postgres" {
        drop_pg(&url).await;
    }
}

/// CPU time (clock ticks) spent so far by the server, by every PostgreSQL process, and by
/// this process (the HTTP clients), read from `/proc`.
struct Cpu {
    server: u64,
    database: u64,
    client: u64,
}

impl Cpu {
    /// Linux's USER_HZ, the unit of the times in `/proc/<pid>/stat`.
    const HZ: f64 = 100.0;

    fn ticks(pid: &str) -> Option<(String, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid …`: the name may hold spaces, so split after its `)`.
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1.to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the state.
        Some((comm, fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?))
    }

    fn now(server: u32) -> Cpu {
        let database = std::fs::read_dir("/proc")
            .map(|dir| {
                dir.flatten()
                    .filter_map(|e| Cpu::ticks(&e.file_name().to_string_lossy()))
                    .filter(|(comm, _)| comm.starts_with("postgres"))
                    .map(|(_, t)| t)
                    .sum()
            })
            .unwrap_or(0);
        Cpu {
            server: Cpu::ticks(&server.to_string()).map(|(_, t)| t).unwrap_or(0),
            database,
            client: Cpu::ticks("self").map(|(_, t)| t).unwrap_or(0),
        }
    }

    fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            server: self.server.saturating_sub(before.server),
            database: self.database.saturating_sub(before.database),
            client: self.client.saturating_sub(before.client),
        }
    }
}

/// Peak resident memory of a child process, sampled until it ends.
fn run_measured(mut cmd: std::process::Command) -> (Duration, u64) {
    let started = Instant::now();
    let mut child = cmd.spawn().expect("child");
    let mut peak = 0;
    loop {
        peak = peak.max(common::memory_kb(child.id()).1);
        if let Ok(Some(status)) = child.try_wait() {
            assert!(status.success(), "export failed");
            return (started.elapsed(), peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn bench_export(count: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url, instrument, school) = prepared("sqlite", dir.path(), "export", Scale::Small).await;
    // Store `count` submissions directly (the HTTP path is measured above).
    let form = instruments::form(&db, instrument).await.expect("form");
    let ctx = opencpd_forms::Context { today: chrono::Utc::now().date_naive(), now: chrono::Utc::now().naive_utc() };
    let started = Instant::now();
    let mut tx = db.begin().await.expect("tx");
    let step = bulk::batch_rows(10);
    let mut k = 0;
    while k < count {
        let n = step.min(count - k);
        let mut rows = Vec::with_capacity(n);
        for i in k..k + n {
            let validated = opencpd_forms::validate(&form, &answers(i), &ctx).expect("valid");
            let scores = opencpd_forms::score(&form, &validated);
            rows.push(vec![
                Cell::from(uuid::Uuid::new_v4().to_string()),
                Cell::from(instrument),
                Cell::Int(None),
                Cell::Timestamp(Some(chrono::Utc::now())),
                Cell::Timestamp(Some(chrono::Utc::now())),
                Cell::from("school"),
                Cell::from(school),
                Cell::from("/1/2/3/"),
                Cell::from(serde_json::to_string(&validated.answers).expect("json")),
                Cell::from(serde_json::to_string(&scores).expect("json")),
            ]);
        }
        bulk::insert(
            &mut tx,
            "INSERT INTO submissions (uuid, instrument_id, collected_by, collected_at, received_at, subject_kind, subject_id, subject_path, answers_json, scores_json)",
            10,
            rows,
            &|_| {},
        )
        .await
        .expect("insert");
        k += n;
    }
    tx.commit().await.expect("commit");
    let loaded = started.elapsed();
    db.close().await;
    let out = dir.path().join("export.csv");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_opencpd"));
    cmd.args([
        "instrument",
        "export",
        &instrument.to_string(),
        "--format",
        "csv",
        "--lang",
        "fr",
        "--out",
        out.to_str().unwrap(),
        "--db",
        &url,
    ]);
    cmd.stderr(std::process::Stdio::null());
    let (took, peak_kb) = run_measured(cmd);
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!("\n## Export of {count} submissions of the 250-item form to CSV (SQLite)\n");
    println!("| rows | time | rows/s | peak memory of the export | file |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| {count} | {:.1} s | {:.0} | {:.0} MB | {:.0} MB |",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64(),
        peak_kb as f64 / 1024.0,
        size as f64 / 1e6
    );
    println!("\n(loading them took {:.1} s, validation and scoring included)", loaded.as_secs_f64());
    export_over_http(&url, instrument, count).await;
    // `OPENCPD_BENCH_KEEP=1` keeps the database for a profiler, and says where it is.
    if std::env::var_os("OPENCPD_BENCH_KEEP").is_some() {
        println!("\n(the database is kept: {url})");
        let _ = dir.keep();
    }
}

/// The same submissions exported over HTTP (`GET /api/v1/instruments/{id}/export`), as a
/// national officer downloads them, in each format: the time to the last byte read by the
/// client and the server's peak resident memory (sampled every 20 ms), median of 3.
async fn export_over_http(url: &str, instrument: i64, count: usize) {
    let db = Db::connect(url, opencpd_kernel::IfMissing::Refuse).await.expect("db");
    let token = accounts::create_token(&db, &Actor::system(), "admin", "bench").await.expect("token");
    db.close().await;
    let (mut server, base) = serve(url).await;
    let pid = server.id();
    println!("\n## The same {count} submissions exported over HTTP (SQLite; median of 3)\n");
    println!("| format | rows/s | time | bytes | server peak RSS (before the export) |");
    println!("| --- | --- | --- | --- | --- |");
    let client = reqwest::Client::new();
    for (format, lang) in [("csv", "fr"), ("xlsx", "fr"), ("csv", "xml")] {
        let (mut rates, mut times, mut peaks, mut size) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
        let idle = common::memory_kb(pid).0 as f64 / 1024.0;
        for _ in 0..3 {
            let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let sampler = {
                let (peak, done) = (peak.clone(), done.clone());
                std::thread::spawn(move || {
                    while !done.load(std::sync::atomic::Ordering::Relaxed) {
                        peak.fetch_max(common::memory_kb(pid).0, std::sync::atomic::Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                })
            };
            let started = Instant::now();
            let mut res = client
                .get(format!("{base}/api/v1/instruments/{instrument}/export?format={format}&lang={lang}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("export");
            assert!(res.status().is_success(), "export: {}", res.status());
            size = 0;
            while let Some(chunk) = res.chunk().await.expect("body") {
                size += chunk.len();
            }
            let took = started.elapsed().as_secs_f64();
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            sampler.join().expect("sampler");
            rates.push(count as f64 / took);
            times.push(took);
            peaks.push(peak.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0);
        }
        println!(
            "| {format} ({lang}) | {:.0} | {:.1} s | {:.0} MB | {:.0} MB ({idle:.0} MB) |",
            common::median(rates),
            common::median(times),
            size as f64 / 1e6,
            common::median(peaks)
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}

async fn bench_package() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url, _, _) = prepared("sqlite", dir.path(), "package", Scale::National).await;
    let (mut server, base) = serve(&url).await;
    println!("\n## Field package on the national demo (with the 250-item form and the demo rubric)\n");
    println!("| account | schools | people | bytes | gzip-able JSON fetched in |");
    println!("| --- | --- | --- | --- | --- |");
    for user in ["seo.gitega", "deo.nyarugenge"] {
        let token = accounts::create_token(&db, &Actor::system(), user, "bench").await.expect("token");
        let t = Instant::now();
        let body = reqwest::Client::new()
            .get(format!("{base}/api/v1/field/package"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body");
        let took = t.elapsed();
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        println!(
            "| {user} | {} | {} | {:.0} kB | {:.0} ms |",
            v["schools"].as_array().map(|a| a.len()).unwrap_or(0),
            v["people"].as_array().map(|a| a.len()).unwrap_or(0),
            body.len() as f64 / 1000.0,
            took.as_secs_f64() * 1000.0
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    let count: usize = std::env::var("OPENCPD_BENCH_SUBMISSIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    println!(
        "# OpenCPD field benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if filter.is_empty() || filter == "submissions" {
        println!("\n## Submissions of a {ITEMS}-item form over HTTP (validated, scored, stored once)\n");
        println!(
            "| backend | submissions | clients | per second | p50 ms | p95 ms | CPU ms each: server / database / client |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        bench_submissions("sqlite").await;
        if pg_admin().is_some() {
            bench_submissions("postgres").await;
        }
    }
    if filter.is_empty() || filter == "export" {
        bench_export(count).await;
    }
    if filter.is_empty() || filter == "package" {
        bench_package().await;
    }
}
