//! The registry's figures: bulk import against the raw insert rate, the national demo's
//! build time and size, and page latency under 50 concurrent clients with the server's
//! memory. Prints its numbers; asserts nothing (timings on a shared machine are noisy).
//!
//!     cargo bench -p opencpd --bench registry            # everything
//!     OPENCPD_BENCH_ROWS=100000 cargo bench -p opencpd --bench registry -- import
//!     OPENCPD_BENCH_ROWS=200000 cargo bench -p opencpd --bench registry -- update
//!
//! PostgreSQL figures use `OPENCPD_TEST_PG` (as the tests do) unless it is `off`.

mod common;

use common::{drop_pg, fresh, median, pg_admin, serve};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_domain::import::ImportKind;
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::import::{Options, Source};
use opencpd_kernel::{Actor, Db};
use opencpd_registry::store::imports;
use std::io::Write;
use std::time::Instant;

fn people_csv(path: &std::path::Path, rows: usize) {
    people_csv_named(path, rows, 0)
}

/// People with their family names taken `shift` places further along the list: the same
/// people, each with a new family name when `shift` is not a multiple of 6.
fn people_csv_named(path: &std::path::Path, rows: usize, shift: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("csv"));
    writeln!(f, "staff_number,given_name,family_name,sex,birth_year,phone,email").unwrap();
    let given = ["Aline", "Jean Bosco", "Claudine", "Emmanuel", "Diane", "Eric"];
    let family = ["Uwase", "Habimana", "Mukamana", "Niyonzima", "Uwimana", "Nkurunziza"];
    for i in 0..rows {
        let sex = if i % 2 == 0 { "F" } else { "M" };
        writeln!(
            f,
            "B{i:08},{},{},{sex},{},+25078{:07},",
            given[i % 6],
            family[(i / 6 + shift) % 6],
            1960 + i % 40,
            i % 10_000_000
        )
        .unwrap();
    }
}

/// SQLite's own prepared INSERT, one row at a time from the CSV, in one transaction, no
/// checks: the rate the pipeline is held to.
fn raw_sqlite(url: &str, csv: &std::path::Path) -> usize {
    use opencpd_testkit::bench::Value::{Int, Null, Text};
    let conn = opencpd_testkit::bench::Conn::open(url);
    conn.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8000");
    conn.exec("BEGIN");
    let sql = std::ffi::CString::new(
        "INSERT INTO people (staff_number, given_name, family_name, sex, birth_year, phone, email) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .unwrap();
    let mut stmt = conn.prepare(&sql);
    let text = std::fs::read_to_string(csv).expect("csv");
    let mut rows = 0;
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        stmt.run(&[
            Text(c[0]),
            Text(c[1]),
            Text(c[2]),
            Text(c[3]),
            Int(c[4].parse().expect("year")),
            Text(c[5]),
            if c[6].is_empty() { Null } else { Text(c[6]) },
        ]);
        rows += 1;
    }
    drop(stmt);
    conn.exec("COMMIT");
    rows
}

/// The same rows, typed, through the shared batched insert (PostgreSQL's raw rate).
async fn raw_bulk(db: &Db, csv: &std::path::Path) {
    let table = opencpd_transfer::read_path(csv).expect("read");
    let cells: Vec<Vec<Cell>> = table
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let birth: i64 = r.cells[4].parse().expect("year");
            vec![
                Cell::from(i as i64 + 1),
                r.cells[0].clone().into(),
                r.cells[1].clone().into(),
                r.cells[2].clone().into(),
                r.cells[3].clone().into(),
                Some(birth).into(),
                Some(r.cells[5].clone()).into(),
                Option::<String>::None.into(),
            ]
        })
        .collect();
    drop(table);
    let mut tx = db.begin().await.expect("tx");
    bulk::insert(
        &mut tx,
        "INSERT INTO people (id, staff_number, given_name, family_name, sex, birth_year, phone, email)",
        8,
        cells,
        &|_| {},
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
}

async fn bench_import(backends: &[&str], rows: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("people.csv");
    people_csv(&csv, rows);
    println!("\n## `opencpd import people` of {rows} rows (streamed, one transaction; median of 3)\n");
    println!(
        "Raw: SQLite's prepared INSERT row by row from the CSV (no checks); on PostgreSQL the shared batched insert of rows already typed.\n"
    );
    println!("| backend | raw rows/s | pipeline rows/s | ratio | pipeline peak RSS |");
    println!("| --- | --- | --- | --- | --- |");
    for backend in backends {
        let (mut raw, mut full, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..3 {
            let (db, url) = fresh(backend, dir.path(), &format!("raw{round}")).await;
            let started = Instant::now();
            if *backend == "sqlite" {
                db.close().await;
                assert_eq!(raw_sqlite(&url, &csv), rows);
            } else {
                raw_bulk(&db, &csv).await;
                db.close().await;
                drop_pg(&url).await;
            }
            raw.push(rows as f64 / started.elapsed().as_secs_f64());

            // The pipeline: stream the file, check every row, check the database, write.
            let (db, url) = fresh(backend, dir.path(), &format!("full{round}")).await;
            opencpd_testkit::bench::reset_peak();
            let started = Instant::now();
            let source = Source::path(&csv).expect("source");
            let report = imports::import(&db, &Actor::system(), ImportKind::People, source, Options::default())
                .await
                .expect("import");
            assert!(report.ok(), "{:?}", report.problems.first());
            assert_eq!(report.rows_written as usize, rows);
            full.push(rows as f64 / started.elapsed().as_secs_f64());
            peaks.push(opencpd_testkit::bench::peak_mb());
            db.close().await;
            if *backend == "postgres" {
                drop_pg(&url).await;
            }
        }
        let (r, f) = (median(raw), median(full));
        println!("| {backend} | {r:.0} | {f:.0} | {:.0}% | {:.0} MB |", 100.0 * f / r, median(peaks));
    }
}

/// `opencpd import people --update` of a file naming people who all exist, against a plain
/// import of the same number of new people: every row changed (each updated and audited),
/// then the same file again (every row compared, none changed).
async fn bench_update(backends: &[&str], rows: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let (csv, renamed) = (dir.path().join("people.csv"), dir.path().join("renamed.csv"));
    people_csv(&csv, rows);
    people_csv_named(&renamed, rows, 1);
    println!("\n## `opencpd import people --update` of {rows} people who exist (one transaction; median of 3)\n");
    println!(
        "| backend | plain import rows/s (peak RSS) | update, every row changed, rows/s (peak RSS) | update, none changed, rows/s (peak RSS) |"
    );
    println!("| --- | --- | --- | --- |");
    for backend in backends {
        let mut runs: [(Vec<f64>, Vec<f64>, Vec<f64>); 3] = Default::default();
        for round in 0..3 {
            let (db, url) = fresh(backend, dir.path(), &format!("update{round}")).await;
            for (i, (file, update)) in [(&csv, false), (&renamed, true), (&renamed, true)].into_iter().enumerate() {
                opencpd_testkit::bench::reset_peak();
                let start_mb = rss_mb();
                let started = Instant::now();
                let options = Options { update, ..Options::default() };
                let source = Source::path(file).expect("source");
                let report =
                    imports::import(&db, &Actor::system(), ImportKind::People, source, options).await.expect("import");
                assert!(report.ok(), "{:?}", report.problems.first());
                let expected = [(rows, 0, 0), (0, rows, 0), (0, 0, rows)][i];
                assert_eq!(
                    (report.rows_added as usize, report.rows_updated as usize, report.rows_unchanged as usize),
                    expected
                );
                runs[i].0.push(rows as f64 / started.elapsed().as_secs_f64());
                runs[i].1.push(opencpd_testkit::bench::peak_mb());
                runs[i].2.push(opencpd_testkit::bench::peak_mb() - start_mb);
            }
            db.close().await;
            if *backend == "postgres" {
                drop_pg(&url).await;
            }
        }
        let cell = |(rates, peaks, rises): &(Vec<f64>, Vec<f64>, Vec<f64>)| {
            format!("{:.0} ({:.0} MB, +{:.0})", median(rates.clone()), median(peaks.clone()), median(rises.clone()))
        };
        println!("| {backend} | {} | {} | {} |", cell(&runs[0]), cell(&runs[1]), cell(&runs[2]));
    }
}

/// The process's resident memory now, in MB.
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn bench_demo(backends: &[&str]) -> Option<(tempfile::TempDir, String)> {
    println!("\n## demo --scale national\n");
    println!("| backend | wall time | size |");
    println!("| --- | --- | --- |");
    let mut kept = None;
    for backend in backends {
        let dir = tempfile::tempdir().expect("dir");
        let (db, url) = fresh(backend, dir.path(), "national").await;
        let started = Instant::now();
        let summary = demo::build(
            &db,
            &DemoConfig { scale: Scale::National, seed: 2026, password: "bench-password".into() },
            &|_, _, _| {},
        )
        .await
        .expect("demo");
        let took = started.elapsed();
        let size = match &db {
            Db::Sqlite(_) => std::fs::metadata(&url).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0),
            Db::Postgres(p) => {
                let bytes: i64 =
                    sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(p).await.expect("size");
                bytes as f64 / 1e6
            }
        };
        println!(
            "| {backend} | {:.1} s ({} schools, {} people, {} positions) | {size:.0} MB |",
            took.as_secs_f64(),
            summary.schools,
            summary.people,
            summary.positions
        );
        db.close().await;
        if *backend == "sqlite" {
            kept = Some((dir, url));
        } else {
            drop_pg(&url).await;
        }
    }
    kept
}

async fn bench_pages(url: &str) {
    let (mut server, base) = serve(url).await;
    let db = Db::connect(url, opencpd_kernel::IfMissing::Create).await.expect("db");
    let ids = |sql: &'static str| {
        let db = db.clone();
        async move { opencpd_kernel::on_db!(&db, |p| sqlx::query_scalar::<_, i64>(sql).fetch_all(p).await).expect(sql) }
    };
    let provinces = ids("SELECT id FROM units WHERE country = 'RW' AND depth = 1").await;
    let districts = ids("SELECT id FROM units WHERE country = 'RW' AND depth = 2").await;
    let sectors = ids("SELECT id FROM units WHERE country = 'RW' AND depth = 3").await;
    let schools = ids("SELECT id FROM schools WHERE code NOT LIKE 'CM%'").await;
    let country = ids("SELECT id FROM units WHERE code = 'RW'").await[0];

    // 50 clients, each logged in as the national officer (the widest pages).
    let clients = 50;
    let per_client = 40;
    let mut handles = Vec::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients + 1));
    for c in 0..clients {
        let barrier = barrier.clone();
        let base = base.clone();
        let (provinces, districts, sectors, schools) =
            (provinces.clone(), districts.clone(), sectors.clone(), schools.clone());
        handles.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().cookie_store(true).build().expect("client");
            let page = client.get(format!("{base}/login")).send().await.expect("login").text().await.expect("text");
            let marker = "name=\"csrf\" value=\"";
            let start = page.find(marker).expect("csrf") + marker.len();
            let csrf = page[start..].split('"').next().expect("csrf").to_string();
            let r = client
                .post(format!("{base}/login"))
                .form(&[("username", "national.rw"), ("password", "bench-password"), ("csrf", &csrf), ("next", "/")])
                .send()
                .await
                .expect("login");
            assert!(r.status().is_success(), "login {}", r.status());
            // One untimed page first: the timings are of a warm server, as users meet it.
            client.get(format!("{base}/")).send().await.expect("warm").bytes().await.expect("body");
            barrier.wait().await;
            let mut times: Vec<(&'static str, f64)> = Vec::new();
            for i in 0..per_client {
                let k = c * per_client + i;
                let (kind, path) = match i % 4 {
                    0 => ("home", "/".to_string()),
                    1 => {
                        let unit = match k % 4 {
                            0 => country,
                            1 => provinces[k % provinces.len()],
                            2 => districts[k % districts.len()],
                            _ => sectors[k % sectors.len()],
                        };
                        ("drill-down", format!("/units/{unit}"))
                    }
                    _ => ("school", format!("/schools/{}", schools[(k * 7919) % schools.len()])),
                };
                let t = Instant::now();
                let r = client.get(format!("{base}{path}")).send().await.expect("get");
                assert_eq!(r.status(), 200, "{path}");
                r.bytes().await.expect("body");
                times.push((kind, t.elapsed().as_secs_f64() * 1000.0));
            }
            times
        }));
    }
    // Every client logged in and warmed up: the clock starts now.
    barrier.wait().await;
    let started = Instant::now();
    let mut all: Vec<(&'static str, f64)> = Vec::new();
    for h in handles {
        all.extend(h.await.expect("client"));
    }
    let wall = started.elapsed().as_secs_f64();
    let (rss, hwm) = common::memory_kb(server.id());
    println!(
        "\n## Pages on the national demo (SQLite), {clients} concurrent clients, {} requests in {wall:.1} s ({:.0}/s)\n",
        all.len(),
        all.len() as f64 / wall
    );
    println!("| page | requests | p50 ms | p95 ms |");
    println!("| --- | --- | --- | --- |");
    for kind in ["home", "drill-down", "school"] {
        let mut v: Vec<f64> = all.iter().filter(|(k, _)| *k == kind).map(|(_, t)| *t).collect();
        v.sort_by(|a, b| a.partial_cmp(b).expect("number"));
        let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
        println!("| {kind} | {} | {:.1} | {:.1} |", v.len(), p(0.5), p(0.95));
    }
    println!("\nServer memory: RSS {:.0} MB now, peak {:.0} MB", rss as f64 / 1024.0, hwm as f64 / 1024.0);
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    let rows: usize = std::env::var("OPENCPD_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let mut backends = vec!["sqlite"];
    if pg_admin().is_some() {
        backends.push("postgres");
    }
    println!(
        "# OpenCPD registry benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    if filter.is_empty() || filter == "import" {
        bench_import(&backends, rows).await;
    }
    if filter.is_empty() || filter == "update" {
        bench_update(&backends, rows).await;
    }
    if (filter.is_empty() || filter == "demo" || filter == "pages")
        && let Some((_dir, url)) = bench_demo(&backends).await
        && (filter.is_empty() || filter == "pages")
    {
        bench_pages(&url).await;
    }
}
