//! Peer learning and coaching figures on the national demo (Rwanda's registry, a PLC in
//! every sector and school with about 50,000 meetings over the year, a BLF cascade in
//! every district with about 100,000 visits): the time the peer demo takes to build, then
//! over HTTP the coverage and regularity reports (one client, then 20 at once), the
//! cascade tree of one district and the visit plan of the busiest coach. Prints medians and
//! p95; asserts nothing (timings on a shared machine are noisy).
//!
//!     cargo bench -p opencpd --bench peer              # both backends
//!     OPENCPD_TEST_PG=off cargo bench -p opencpd --bench peer

mod common;

use common::{backends, drop_pg, fresh, quantile, serve};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_kernel::{Actor, accounts, on_db};
use std::time::Instant;

async fn get_ms(client: &reqwest::Client, url: &str, token: &str) -> f64 {
    let t = Instant::now();
    let r = client.get(url).bearer_auth(token).send().await.expect("get");
    assert_eq!(r.status(), 200, "{url}");
    r.bytes().await.expect("body");
    t.elapsed().as_secs_f64() * 1000.0
}

/// The first read (computed afresh: a report's first read after a write), then the p50
/// and p95 of `n` more.
async fn timed(client: &reqwest::Client, url: &str, token: &str, n: usize) -> (f64, f64, f64) {
    let first = get_ms(client, url, token).await;
    let mut times = Vec::new();
    for _ in 0..n {
        times.push(get_ms(client, url, token).await);
    }
    (first, quantile(&mut times, 0.5), quantile(&mut times, 0.95))
}

/// `clients` at once, each asking `n` times in turn.
async fn concurrent(url: &str, token: &str, clients: usize, n: usize) -> (f64, f64) {
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (url, token) = (url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            for _ in 0..n {
                times.push(get_ms(&client, &url, &token).await);
            }
            times
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client"));
    }
    (quantile(&mut all.clone(), 0.5), quantile(&mut all, 0.95))
}

async fn bench_backend(backend: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url) = fresh(backend, dir.path(), "peer").await;
    demo::build(&db, &DemoConfig { scale: Scale::National, seed: 7, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("national demo");
    let started = Instant::now();
    let built = opencpd_demo::peer::build(&db, 7, true, &|_, _| {}).await.expect("peer demo");
    println!(
        "\n## {backend}: national peer demo built in {:.1} s ({} PLCs, {} meetings, {} action points, {} relations, {} visits)\n",
        started.elapsed().as_secs_f64(),
        built.plcs,
        built.meetings,
        built.action_points,
        built.relations,
        built.visits
    );
    let system = Actor::system();
    let district: String = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT u.code FROM units u WHERE u.depth = 2 AND u.country = 'RW' ORDER BY u.id LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .expect("district");
    let coach: i64 = on_db!(&db, |p| sqlx::query_scalar(
        "SELECT coach_id FROM coaching_relations GROUP BY coach_id ORDER BY COUNT(*) DESC, coach_id LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .expect("coach");
    let token = accounts::create_token(&db, &system, "admin", "bench").await.expect("token");
    let (mut server, base) = serve(&url).await;
    let client = reqwest::Client::new();
    println!(
        "Over HTTP as the administrator, one client (the first read computes; the grouped reports are then kept until the next write):\n"
    );
    println!("| request | first read ms | p50 ms | p95 ms |");
    println!("| --- | --- | --- | --- |");
    let coverage = "/api/v1/peer/reports/head-teachers-visited?level=sector";
    let regularity = "/api/v1/peer/reports/plc-regularity?level=sector";
    for (label, path) in [
        ("coverage of head teachers by sector (whole country)", coverage.to_string()),
        ("PLC regularity by sector (whole country)", regularity.to_string()),
        ("action points on time by district", "/api/v1/peer/reports/action-points?level=district".to_string()),
        ("cascade tree of one district", format!("/api/v1/peer/reports/cascade?programme=BLF&within={district}")),
        ("visit plan of the busiest coach", format!("/api/v1/coaching/coaches/{coach}/plan")),
        ("PLC list, first page", "/plcs".to_string()),
        ("reports page (four reports, four charts)", "/peer/reports?level=district".to_string()),
    ] {
        let (first, p50, p95) = timed(&client, &format!("{base}{path}"), &token, 20).await;
        println!("| {label} | {first:.1} | {p50:.1} | {p95:.1} |");
    }
    println!("\n20 clients at once, 5 requests each:\n");
    println!("| request | p50 ms | p95 ms |");
    println!("| --- | --- | --- |");
    for (label, path) in [("coverage by sector", coverage), ("PLC regularity by sector", regularity)] {
        let (p50, p95) = concurrent(&format!("{base}{path}"), &token, 20, 5).await;
        println!("| {label} | {p50:.1} | {p95:.1} |");
    }
    bench_visits(&db, &base, &token).await;
    let _ = server.kill();
    let _ = server.wait();
    db.close().await;
    drop_pg(&url).await;
}

/// Visits as the field app sends them (`POST /api/v1/coaching/visits`, each with its client
/// id, checked against the coach's relations, audited), from 4 clients at once; then the
/// same visits sent again (answered as stored, written once).
async fn bench_visits(db: &opencpd_kernel::Db, base: &str, token: &str) {
    const VISITS: usize = 2_000;
    const CLIENTS: usize = 4;
    let pairs: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(
        "SELECT coach_id, coachee_id FROM coaching_relations WHERE end_on IS NULL ORDER BY id LIMIT 2000"
    )
    .fetch_all(p)
    .await)
    .expect("relations");
    let day = (opencpd_kernel::today() - chrono::Duration::days(1)).to_string();
    let bodies: Vec<serde_json::Value> = (0..VISITS)
        .map(|i| {
            let (coach, coachee) = pairs[i % pairs.len()];
            serde_json::json!({
                "uuid": uuid::Uuid::new_v4().to_string(),
                "programme_code": "BLF",
                "coach_id": coach,
                "coachee_id": coachee,
                "visited_on": day,
                "agreed_actions": "Group work in the reading lesson",
            })
        })
        .collect();
    println!("\n{VISITS} visits synced over HTTP, {CLIENTS} clients at once:\n");
    println!("| round | visits/s | p50 ms | p95 ms |");
    println!("| --- | --- | --- | --- |");
    for round in ["first sync", "sent again (stored once)"] {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let mine: Vec<serde_json::Value> = bodies.iter().skip(c).step_by(CLIENTS).cloned().collect();
            let (url, token) = (format!("{base}/api/v1/coaching/visits"), token.to_string());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut times = Vec::new();
                for body in mine {
                    let t = Instant::now();
                    let r = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("post");
                    let status = r.status();
                    let text = r.text().await.expect("body");
                    assert!(status.is_success(), "{status}: {text}");
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                times
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client"));
        }
        let rate = VISITS as f64 / started.elapsed().as_secs_f64();
        println!("| {round} | {rate:.0} | {:.1} | {:.1} |", quantile(&mut all.clone(), 0.5), quantile(&mut all, 0.95));
    }
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    println!(
        "# OpenCPD peer learning benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for backend in backends() {
        if filter.is_empty() || filter == backend {
            bench_backend(backend).await;
        }
    }
}
