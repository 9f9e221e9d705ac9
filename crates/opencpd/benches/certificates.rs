//! Certificate figures: rendering 1,000 certificate PDFs (time and PDFs per second, no
//! database), and issuing and rendering the certificates of a cohort of 1,000 who
//! completed, on SQLite and PostgreSQL. Prints medians; asserts nothing.
//!
//!     cargo bench -p opencpd --bench certificates

use opencpd_delivery::store::{certificates, documents};
use opencpd_documents::{CertificatePage, Line, Style};
use opencpd_kernel::{Actor, Db, on_db};
use std::time::{Duration, Instant};

const N: usize = 1000;
const RUNS: usize = 5;

fn pg_admin() -> Option<String> {
    match std::env::var("OPENCPD_TEST_PG") {
        Ok(v) if v == "off" => None,
        Ok(v) => Some(v),
        Err(_) => Some("postgres://postgres:postgres@127.0.0.1:5432/postgres".into()),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn page(i: usize) -> CertificatePage {
    CertificatePage {
        issuer: "Rwanda Basic Education Board".into(),
        title: "Certificate of Completion".into(),
        body: vec![
            Line { text: "This is to certify that".into(), style: Style::Normal },
            Line { text: format!("Émilie Nkurunziza {i}"), style: Style::Large },
            Line { text: "has successfully completed the course".into(), style: Style::Normal },
            Line { text: "Pédagogie active en mathématiques".into(), style: Style::Strong },
            Line { text: "20 hours of professional development · 2 credits".into(), style: Style::Normal },
        ],
        signatories: vec!["Course facilitator".into(), "For Rwanda Basic Education Board".into()],
        footer: vec![format!("Serial number PAM-2026-{i:05}"), "Issued on 2026-11-23".into()],
        qr_payload: format!("https://cpd.example.org/verify/ABCDEFGH{i:04}"),
        qr_caption: format!("Scan to verify, or visit https://cpd.example.org/verify/ABCDEFGH{i:04}"),
    }
}

async fn fresh(backend: &str, dir: &std::path::Path) -> Option<(Db, String)> {
    let url = if backend == "sqlite" {
        dir.join("certificates.db").to_string_lossy().to_string()
    } else {
        let admin = pg_admin()?;
        let name = format!("opencpd_bench_certificates_{}", std::process::id());
        let Ok(Db::Postgres(p)) = Db::connect(&admin, opencpd_kernel::IfMissing::Create).await else { return None };
        let _ =
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&p).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&p).await.ok()?;
        format!("{}/{name}", admin.rsplit_once('/')?.0)
    };
    let db = Db::connect(&url, opencpd_kernel::IfMissing::Create).await.expect("db");
    db.migrate().await.expect("migrate");
    Some((db, url))
}

/// A unit, a course, a cohort and `N` people enrolled who completed it.
async fn cohort_of_completed(db: &Db) -> i64 {
    let now = chrono::Utc::now();
    let today = opencpd_kernel::today();
    let run = |sql: &'static str| async move {
        on_db!(db, |p| sqlx::query(sql).execute(p).await.map(|r| r.rows_affected())).expect(sql);
    };
    run("INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/')").await;
    on_db!(db, |p| sqlx::query(
        "INSERT INTO courses (id, code, title, kind, modality, hours, credits, created_at) \
         VALUES (1, 'PAM', 'Pédagogie active en mathématiques', 'short_training', 'face_to_face', 20, 2, $1)"
    )
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("course");
    on_db!(db, |p| sqlx::query(
        "INSERT INTO cohorts (id, code, name, course_id, unit_id, unit_path, start_date, end_date, capacity, created_at) \
         VALUES (1, 'PAM-1', 'PAM one', 1, 1, '/1/', $1, $1, 5000, $2)"
    )
    .bind(today)
    .bind(now)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("cohort");
    for chunk in (1..=N as i64).collect::<Vec<_>>().chunks(200) {
        on_db!(db, |p| {
            let mut qb =
                sqlx::QueryBuilder::new("INSERT INTO people (id, staff_number, given_name, family_name, sex) ");
            qb.push_values(chunk, |mut b, i| {
                b.push_bind(*i)
                    .push_bind(format!("T{i:06}"))
                    .push_bind("Émilie")
                    .push_bind(format!("Nkurunziza {i}"))
                    .push_bind("F");
            });
            qb.build().execute(p).await.map(|r| r.rows_affected())
        })
        .expect("people");
        on_db!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO enrolments (cohort_id, person_id, source, enrolled_at, sex, path, attendance_pct, completed_on) ",
            );
            qb.push_values(chunk, |mut b, i| {
                b.push_bind(1i64).push_bind(*i).push_bind("single").push_bind(now).push_bind("F").push_bind("/1/").push_bind(100.0).push_bind(today);
            });
            qb.build().execute(p).await.map(|r| r.rows_affected())
        })
        .expect("enrolments");
    }
    1
}

#[tokio::main]
async fn main() {
    let pages: Vec<CertificatePage> = (0..N).map(page).collect();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        bytes = pages.iter().map(|p| opencpd_documents::certificate::render(p).len()).sum::<usize>();
        times.push(t.elapsed());
    }
    let m = median(times);
    println!(
        "render {N} certificate PDFs: median {:.0} ms, {:.0} PDFs/s, {:.1} KB each",
        m.as_secs_f64() * 1000.0,
        N as f64 / m.as_secs_f64(),
        bytes as f64 / N as f64 / 1024.0
    );

    let dir = tempfile::tempdir().expect("dir");
    for backend in ["sqlite", "postgres"] {
        let Some((db, url)) = fresh(backend, dir.path()).await else {
            println!("{backend}: not available");
            continue;
        };
        let cohort = cohort_of_completed(&db).await;
        let actor = Actor::system();
        let t = Instant::now();
        let report = certificates::issue_for_cohort(&db, &actor, cohort).await.expect("issue");
        let issued = t.elapsed();
        let list = documents::printable_of_cohort(&db, &actor, cohort).await.expect("list");
        let mut runs = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            for c in &list {
                let page = documents::certificate_page(&db, c, "en", "https://cpd.example.org").await.expect("page");
                std::hint::black_box(opencpd_documents::certificate::render(&page));
            }
            runs.push(t.elapsed());
        }
        let rendered = median(runs);
        println!(
            "{backend}: issue {} certificates for a cohort {:.0} ms; fill and render them {:.0} ms ({:.0} PDFs/s); together {:.1} s",
            report.issued,
            issued.as_secs_f64() * 1000.0,
            rendered.as_secs_f64() * 1000.0,
            list.len() as f64 / rendered.as_secs_f64(),
            (issued + rendered).as_secs_f64()
        );
        db.close().await;
        if backend == "postgres"
            && let (Some(admin), Some((_, name))) = (pg_admin(), url.rsplit_once('/'))
            && let Ok(Db::Postgres(p)) = Db::connect(&admin, opencpd_kernel::IfMissing::Create).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&p)
                .await;
        }
    }
}
