//! CPD delivery figures on the national demo (about 150,000 enrolments and 2,000,000
//! attendance marks): the reach report over HTTP (p50/p95, one client and 20 at once) and
//! marking attendance for 500 participants in one request. Prints its numbers; asserts
//! nothing (timings on a shared machine are noisy).
//!
//!     cargo bench -p opencpd --bench delivery              # both backends
//!     OPENCPD_TEST_PG=off cargo bench -p opencpd --bench delivery

mod common;

use common::{backends, drop_pg, fresh, median, quantile, serve};
use opencpd_delivery::store::{attendance, catalogue, cohorts};
use opencpd_demo::delivery as delivery_demo;
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_kernel::{Actor, Db, accounts, on_db};
use std::time::Instant;

/// The splits a programme manager asks for, as query strings.
const SPLITS: &[&str] =
    &["", "by=sex", "by=role", "by=unit&level=2", "by=unit&level=3", "by=ownership", "by=subsystem"];

async fn get_ms(client: &reqwest::Client, url: &str, token: &str) -> f64 {
    let t = Instant::now();
    let r = client.get(url).bearer_auth(token).send().await.expect("get");
    assert_eq!(r.status(), 200, "{url}");
    r.bytes().await.expect("body");
    t.elapsed().as_secs_f64() * 1000.0
}

async fn bench_reach(base: &str, programme: i64, token: &str) {
    let client = reqwest::Client::new();
    let url = |split: &str| format!("{base}/api/v1/programmes/{programme}/reach?{split}");
    for split in SPLITS {
        get_ms(&client, &url(split), token).await; // warm
        let mut times = Vec::new();
        for _ in 0..40 {
            times.push(get_ms(&client, &url(split), token).await);
        }
        let label = if split.is_empty() { "total" } else { split };
        println!("| {label} | 1 | {:.1} | {:.1} |", quantile(&mut times, 0.5), quantile(&mut times, 0.95));
    }
    let clients = 20;
    let per_client = 35;
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let (client, token) = (client.clone(), token.to_string());
        let urls: Vec<String> = (0..per_client).map(|i| url(SPLITS[(c + i) % SPLITS.len()])).collect();
        handles.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for u in urls {
                times.push(get_ms(&client, &u, &token).await);
            }
            times
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("client"));
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "| every split, mixed ({:.0} requests/s) | {clients} | {:.1} | {:.1} |",
        all.len() as f64 / wall,
        quantile(&mut all, 0.5),
        quantile(&mut all, 0.95)
    );
}

/// A cohort of 500 current teachers of Rwanda, a session, and the same PUT of 500 marks
/// repeated (marking again replaces a participant's mark).
async fn bench_marking(db: &Db, base: &str, token: &str) -> (f64, f64) {
    let system = Actor::system();
    let course: catalogue::CourseInput = serde_json::from_value(serde_json::json!({
        "code": "BENCH-500", "title": "Cluster-lead training", "kind": "short_training", "modality": "face_to_face",
        "hours": 18, "credits": 1, "min_attendance_pct": 80,
        "modules": [{"code": "M1", "title": "Leading a cluster", "hours": 18, "standards": ["SL3"]}]
    }))
    .expect("course");
    catalogue::create_course(db, &system, &course).await.expect("course");
    let cohort = cohorts::create_cohort(
        db,
        &system,
        &cohorts::CohortInput {
            code: "BENCH-500-2026".into(),
            name: "Cluster leads, Rwanda".into(),
            course_code: "BENCH-500".into(),
            unit_code: "RW".into(),
            venue: Some("Kigali".into()),
            start_date: "2026-01-05".into(),
            end_date: "2026-12-18".into(),
            capacity: 500,
            facilitators: vec![],
        },
    )
    .await
    .expect("cohort");
    let people: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT x.person_id FROM positions x JOIN schools s ON s.id = x.school_id JOIN units u ON u.id = s.unit_id \
         WHERE u.country = 'RW' AND x.role = 'teacher' AND x.end_date IS NULL ORDER BY x.person_id LIMIT 500"
    )
    .fetch_all(p)
    .await)
    .expect("teachers");
    for person in &people {
        cohorts::enrol(db, &system, cohort.id, &cohorts::EnrolInput { person_id: Some(*person), staff_number: None })
            .await
            .expect("enrol");
    }
    let session = attendance::create_session(
        db,
        &system,
        cohort.id,
        &attendance::SessionInput {
            held_on: "2026-02-02".into(),
            title: "Day 1".into(),
            modality: None,
            venue: None,
            hours: 6.0,
        },
    )
    .await
    .expect("session");
    let client = reqwest::Client::new();
    let mut times = Vec::new();
    for round in 0..21 {
        let marks: Vec<serde_json::Value> = people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let status = if (i + round) % 7 == 0 { "absent" } else { "present" };
                serde_json::json!({"person_id": p, "status": status})
            })
            .collect();
        let body = serde_json::json!({ "marks": marks }).to_string();
        let t = Instant::now();
        let r = client
            .put(format!("{base}/api/v1/sessions/{}/attendance", session.id))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        r.bytes().await.expect("body");
        if round > 0 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let p95 = quantile(&mut times.clone(), 0.95);
    (median(times), p95)
}

async fn bench_backend(backend: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url) = fresh(backend, dir.path(), "delivery").await;
    let started = Instant::now();
    demo::build(&db, &DemoConfig { scale: Scale::National, seed: 7, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("national demo");
    let summary = delivery_demo::build_national(&db, 7, &|_, _| {}).await.expect("national delivery");
    println!(
        "\n## {backend}: national demo with delivery built in {:.1} s ({} enrolments, {} attendance marks, {} certificates)\n",
        started.elapsed().as_secs_f64(),
        summary.enrolments,
        summary.marks,
        summary.certificates
    );
    let programme = catalogue::programme_by_code(&db, "NAT-CPD").await.expect("query").expect("NAT-CPD");
    let token = accounts::create_token(&db, &Actor::system(), "admin", "bench").await.expect("token");
    let (mut server, base) = serve(&url).await;
    println!("Reach report over HTTP, `GET /api/v1/programmes/{{id}}/reach` as the administrator (whole country):\n");
    println!("| split | clients | p50 ms | p95 ms |");
    println!("| --- | --- | --- | --- |");
    bench_reach(&base, programme, &token).await;
    let (p50, p95) = bench_marking(&db, &base, &token).await;
    println!(
        "\nMarking 500 participants in one request (`PUT /api/v1/sessions/{{id}}/attendance`, 20 rounds): median {p50:.1} ms, p95 {p95:.1} ms"
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
        "# OpenCPD delivery benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for backend in backends() {
        if filter.is_empty() || filter == backend {
            bench_backend(backend).await;
        }
    }
}
