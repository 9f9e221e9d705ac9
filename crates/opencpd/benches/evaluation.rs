//! Evaluation figures on the national demo (about 5,000 schools of Rwanda drawn into three
//! arms, their learner outcomes for four years, and the national programme's
//! participants with its satisfaction and school culture surveys): an impact estimate over
//! every school and three rounds, with its event study, read through the database and over
//! HTTP; and the Kirkpatrick funnel of the national programme, computed afresh and over HTTP
//! by one client and by 20 at once. Prints medians and p95; asserts nothing (timings on a
//! shared machine are noisy). The wild bootstrap alone is measured by `cargo bench -p
//! opencpd-domain --bench evaluation` (here every estimate has thousands of schools and
//! needs none).
//!
//!     cargo bench -p opencpd --bench evaluation              # both backends
//!     OPENCPD_TEST_PG=off cargo bench -p opencpd --bench evaluation

mod common;

use common::{backends, drop_pg, fresh, quantile, serve};
use opencpd_delivery::store::catalogue;
use opencpd_demo::delivery as delivery_demo;
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

async fn timed(client: &reqwest::Client, url: &str, token: &str, n: usize) -> (f64, f64) {
    get_ms(client, url, token).await; // warm
    let mut times = Vec::new();
    for _ in 0..n {
        times.push(get_ms(client, url, token).await);
    }
    (quantile(&mut times, 0.5), quantile(&mut times, 0.95))
}

/// `clients` at once, each asking `n` times in turn.
async fn concurrent(url: &str, token: &str, clients: usize, n: usize) -> (f64, f64) {
    concurrent_for(url, token, clients, n, None).await
}

/// `clients` at once, each asking in turn `n` times, or for `lasting` when given.
async fn concurrent_for(
    url: &str,
    token: &str,
    clients: usize,
    n: usize,
    lasting: Option<std::time::Duration>,
) -> (f64, f64) {
    let mut tasks = Vec::new();
    let started = Instant::now();
    for _ in 0..clients {
        let (url, token) = (url.to_string(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            while lasting.map_or(times.len() < n, |l| started.elapsed() < l) {
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
    let (db, url) = fresh(backend, dir.path(), "evaluation").await;
    let started = Instant::now();
    demo::build(&db, &DemoConfig { scale: Scale::National, seed: 7, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("national demo");
    delivery_demo::build_national(&db, 7, &|_, _| {}).await.expect("national delivery");
    let built = opencpd_demo::evaluation::build(&db, 7, &|_, _| {}).await.expect("evaluation demo");
    let funnel = opencpd_demo::kirkpatrick::build(&db, 7).await.expect("funnel demo");
    println!(
        "\n## {backend}: national demo built in {:.1} s ({} schools in the evaluation, {} learner-outcome rows; \
         {} satisfaction and {} school culture survey answers)\n",
        started.elapsed().as_secs_f64(),
        built.schools,
        built.outcome_rows,
        funnel.surveys,
        funnel.culture
    );
    let system = Actor::system();
    let evaluation = opencpd_evaluation::store::list(&db, &system, &opencpd_kernel::paging::Page::first())
        .await
        .expect("list")
        .items[0]
        .id;
    let q = opencpd_evaluation::model::OutcomeQuery { subject: Some("MATH".into()), ..Default::default() };
    let mut direct = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let r = opencpd_evaluation::store::estimate(&db, &system, evaluation, &q, "en").await.expect("estimate");
        direct.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.clusters as u64, built.schools);
    }
    println!(
        "Impact estimate through the store ({} schools × 3 rounds, data set read and fitted): median {:.1} ms, p95 {:.1} ms\n",
        built.schools,
        quantile(&mut direct.clone(), 0.5),
        quantile(&mut direct, 0.95)
    );
    let rwanda: i64 = on_db!(&db, |p| sqlx::query_scalar("SELECT id FROM units WHERE depth = 0 AND country = 'RW'")
        .fetch_one(p)
        .await)
    .expect("Rwanda");
    let programme = catalogue::programme_by_code(&db, "NAT-CPD").await.expect("query").expect("NAT-CPD");
    let mut fresh_ms = Vec::new();
    let mut parts: Vec<(&str, Vec<f64>)> = Vec::new();
    for _ in 0..11 {
        let t = Instant::now();
        let (_, took) =
            opencpd_evaluation::store::kirkpatrick::compute_timed(&db, &system, programme, "en").await.expect("funnel");
        fresh_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        for (part, ms) in took {
            match parts.iter_mut().find(|(p, _)| *p == part) {
                Some((_, v)) => v.push(ms),
                None => parts.push((part, vec![ms])),
            }
        }
    }
    println!(
        "Kirkpatrick funnel of the national programme computed afresh through the store (no cache): median {:.1} ms, p95 {:.1} ms",
        quantile(&mut fresh_ms.clone(), 0.5),
        quantile(&mut fresh_ms, 0.95)
    );
    let parts: Vec<String> = parts.into_iter().map(|(p, v)| format!("{p} {:.1}", common::median(v))).collect();
    println!("  its parts, median ms: {}\n", parts.join(", "));
    // What a reader waits for after a new submission: one satisfaction survey about a
    // session surveyed already stored through the instruments area, then the funnel read
    // through its cache (its stamp renewed: levels 1 to 3 and the culture computed again).
    let (instrument, session): (i64, i64) = on_db!(&db, |p| sqlx::query_as(
        "SELECT instrument_id, subject_id FROM submissions WHERE subject_kind = 'session' ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .expect("a survey about a session");
    let files_dir = tempfile::tempdir().expect("files");
    let files = opencpd_kernel::files::Files::dir(files_dir.path()).expect("files");
    opencpd_evaluation::store::kirkpatrick::funnel(&db, &system, programme, "en").await.expect("funnel");
    let mut after_ms = Vec::new();
    for n in 0..11 {
        let input = opencpd_instruments::store::SubmissionInput {
            uuid: format!("00000000-0000-4000-9000-{n:012}"),
            instrument_id: instrument,
            collected_at: chrono::Utc::now(),
            subject: opencpd_instruments::store::About { kind: "session".into(), id: session },
            answers: serde_json::json!({ "useful": "4", "clear": "5", "pace": "3", "apply": "4", "recommend": "4", "whole_session": "yes" }),
            files: Vec::new(),
        };
        opencpd_instruments::store::submit(&db, &files, &system, None, &input).await.expect("submission");
        let t = Instant::now();
        opencpd_evaluation::store::kirkpatrick::funnel(&db, &system, programme, "en").await.expect("funnel");
        after_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "Kirkpatrick funnel of the national programme read after a new submission (through its cache): median {:.1} ms, p95 {:.1} ms\n",
        quantile(&mut after_ms.clone(), 0.5),
        quantile(&mut after_ms, 0.95)
    );
    let token = accounts::create_token(&db, &system, "admin", "bench").await.expect("token");
    let (mut server, base) = serve(&url).await;
    let client = reqwest::Client::new();
    println!("Over HTTP as the administrator (whole country):\n");
    println!("| request | p50 ms | p95 ms |");
    println!("| --- | --- | --- |");
    for (label, path) in [
        ("impact estimate, pooled", format!("/api/v1/evaluations/{evaluation}/estimate?subject=MATH")),
        (
            "impact estimate, event study",
            format!("/api/v1/evaluations/{evaluation}/estimate?subject=MATH&spec=event_study"),
        ),
        ("Kirkpatrick funnel of the national programme", format!("/api/v1/programmes/{programme}/kirkpatrick")),
        ("needs of Rwanda's people", format!("/api/v1/needs?unit={rwanda}")),
    ] {
        let (p50, p95) = timed(&client, &format!("{base}{path}"), &token, 20).await;
        println!("| {label} | {p50:.1} | {p95:.1} |");
    }
    println!("\n20 clients at once, 5 requests each:\n");
    println!("| request | p50 ms | p95 ms |");
    println!("| --- | --- | --- |");
    let funnel = format!("{base}/api/v1/programmes/{programme}/kirkpatrick");
    let (p50, p95) = concurrent(&funnel, &token, 20, 5).await;
    println!("| Kirkpatrick funnel of the national programme | {p50:.1} | {p95:.1} |");

    // The same 20 readers (for 20 s) while a writer sends a satisfaction survey
    // about one of the programme's sessions five times a second: each stored submission
    // renews the funnel's stamp, so readers after it wait for the funnel computed afresh,
    // once for all who arrive meanwhile.
    let (instrument, session): (i64, i64) = on_db!(&db, |p| sqlx::query_as(
        "SELECT instrument_id, subject_id FROM submissions WHERE subject_kind = 'session' ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(p)
    .await)
    .expect("a survey about a session");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, base, token) = (stop.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut sent = 0u64;
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                sent += 1;
                let body = serde_json::json!({
                    "uuid": format!("00000000-0000-4000-8000-{sent:012}"),
                    "instrument_id": instrument,
                    "collected_at": "2025-06-01T10:00:00Z",
                    "subject": { "kind": "session", "id": session },
                    "answers": { "useful": "4", "clear": "5", "pace": "3", "apply": "4", "recommend": "4", "whole_session": "yes" }
                });
                let r = client.post(format!("{base}/api/v1/submissions")).bearer_auth(&token).json(&body).send().await;
                let r = r.expect("submission");
                assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
            }
            sent
        })
    };
    let (p50, p95) = concurrent_for(&funnel, &token, 20, 0, Some(std::time::Duration::from_secs(20))).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = writer.await.expect("writer");
    println!(
        "| Kirkpatrick funnel of the national programme, while 5 submissions a second are stored ({sent} sent) | {p50:.1} | {p95:.1} |"
    );
    let _ = server.kill();
    let _ = server.wait();
    db.close().await;
    drop_pg(&url).await;
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    println!(
        "# OpenCPD evaluation benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for backend in backends() {
        if filter.is_empty() || filter == backend {
            bench_backend(backend).await;
        }
    }
}
