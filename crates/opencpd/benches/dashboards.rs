//! School data dashboards at national scale: the national demo with its evaluation's
//! learner outcomes, grown to five years of outcome rows for every school (terms, grades,
//! subjects, both sexes, all learners and two groups: about 8 million rows), the schools'
//! totals written once as a transaction would. Then, over HTTP with 20 clients at once, each
//! asking every dashboard in turn: the data pages of the country, a district and a school,
//! the country's trend, flows, parts and targets, the national programme's page, and
//! indicators split by sex, by cohort and by unit; each one's first reading, then p50 and
//! p95 of each. Last, the donor PDF of the country, one at a time. No batch job runs
//! between the writes and the reads. Prints its figures; asserts nothing about time.
//!
//!     cargo bench -p opencpd --bench dashboards              # both backends
//!     OPENCPD_TEST_PG=off cargo bench -p opencpd --bench dashboards

mod common;

use common::{backends, drop_pg, fresh, quantile, serve};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::{Actor, Db, accounts, on_db};
use std::collections::BTreeMap;
use std::time::Instant;

const YEARS: std::ops::RangeInclusive<i64> = 2021..=2025;
const CLIENTS: usize = 20;
const ROUNDS: usize = 5;
/// How long the readers read while a writer imports.
const WRITING_SECONDS: u64 = 20;

async fn ids(db: &Db, sql: &str) -> Vec<i64> {
    on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(p).await).expect("ids")
}

/// Every school's outcome rows for the terms of five years, beside what the demo wrote
/// (rows it holds already are kept).
async fn grow(db: &Db) -> u64 {
    let admin = Actor::system();
    // Four groups beside every learner: about 7.5 million rows over the five years, as a
    // national year of 1.5 million rows gives.
    for (code, name) in
        [("SEN", "Special needs"), ("REF", "Refugees"), ("OVC", "Orphans and vulnerable children"), ("OVA", "Over-age")]
    {
        let new = opencpd_indicators::model::NewReference {
            code: code.into(),
            name: name.into(),
            max_score: None,
            position: None,
        };
        let _ = opencpd_indicators::store::reference::add(
            db,
            &admin,
            opencpd_indicators::store::reference::Kind::Group,
            &new,
        )
        .await;
    }
    let schools = ids(db, "SELECT id FROM schools WHERE level = 'primary' ORDER BY id").await;
    let grades = ids(db, "SELECT id FROM outcome_grades ORDER BY position").await;
    let mut subjects = vec![0];
    subjects.extend(ids(db, "SELECT id FROM outcome_subjects ORDER BY id").await);
    let mut groups = vec![0];
    groups.extend(ids(db, "SELECT id FROM learner_groups ORDER BY id").await);
    let mut written = 0u64;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let insert = "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, \
         assessed, mean_score, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out)";
    for (n, school) in schools.iter().enumerate() {
        for year in YEARS {
            for term in 1..=3i64 {
                for (g, grade) in grades.iter().enumerate() {
                    for subject in &subjects {
                        for (x, sex) in ["F", "M"].into_iter().enumerate() {
                            for group in &groups {
                                let seed = (*school * 31 + year * 7 + term * 5 + g as i64 * 3 + x as i64) % 97;
                                let enrolled = if *group == 0 { 30 + seed % 30 } else { 1 + seed % 6 };
                                let cells: Vec<Cell> = if *subject == 0 {
                                    vec![
                                        Cell::from(enrolled),
                                        Cell::Int(None),
                                        Cell::Real(None),
                                        Cell::Int(None),
                                        Cell::Int(None),
                                        Cell::Int(None),
                                        Cell::Int(None),
                                        Cell::from(enrolled * 8 / 10),
                                        Cell::from(enrolled / 10),
                                        Cell::from(enrolled / 20),
                                    ]
                                } else {
                                    let assessed = enrolled - enrolled / 10;
                                    vec![
                                        Cell::Int(None),
                                        Cell::from(assessed),
                                        Cell::Real(Some(35.0 + (seed % 50) as f64)),
                                        Cell::from(assessed / 4),
                                        Cell::from(assessed / 4),
                                        Cell::from(assessed / 4),
                                        Cell::from(assessed - 3 * (assessed / 4)),
                                        Cell::Int(None),
                                        Cell::Int(None),
                                        Cell::Int(None),
                                    ]
                                };
                                let mut row = vec![
                                    Cell::from(*school),
                                    Cell::from(year),
                                    Cell::from(term),
                                    Cell::from(*grade),
                                    Cell::from(*subject),
                                    Cell::from(sex),
                                    Cell::from(*group),
                                ];
                                row.extend(cells);
                                rows.push(row);
                            }
                        }
                    }
                }
            }
        }
        if rows.len() >= 100_000 || n + 1 == schools.len() {
            let mut tx = db.begin().await.expect("tx");
            written +=
                bulk::insert_then(&mut tx, insert, 17, std::mem::take(&mut rows), "ON CONFLICT DO NOTHING", &|_| {})
                    .await
                    .expect("rows");
            tx.commit().await.expect("commit");
        }
    }
    // Written by plain inserts: the totals once, as the transaction of an import would.
    opencpd_indicators::store::rollup::refresh_all(db).await.expect("totals");
    written
}

/// An indicator asked of the engine: its label in the table, its code and the question.
type Answer = (&'static str, &'static str, serde_json::Value);

/// Every dashboard read once, the pages then the indicators' answers: the time of each.
async fn read_each(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    gets: &[(&'static str, String)],
    answers: &[Answer],
) -> Vec<(&'static str, f64)> {
    let mut times = Vec::new();
    for (label, path) in gets {
        let t = Instant::now();
        let r = client.get(format!("{base}{path}")).bearer_auth(token).send().await.expect("get");
        assert_eq!(r.status(), 200, "{path}");
        r.bytes().await.expect("body");
        times.push((*label, t.elapsed().as_secs_f64() * 1e3));
    }
    for (label, code, body) in answers {
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/indicators/{code}/answer"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), 200, "{code}");
        r.bytes().await.expect("body");
        times.push((*label, t.elapsed().as_secs_f64() * 1e3));
    }
    times
}

/// Every dashboard in turn by each of `CLIENTS` clients at once, `ROUNDS` times, or for
/// `lasting` when given: the times of each.
async fn round(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    gets: &[(&'static str, String)],
    answers: &[Answer],
    lasting: Option<std::time::Duration>,
) -> BTreeMap<&'static str, Vec<f64>> {
    let mut tasks = Vec::new();
    let started = Instant::now();
    for _ in 0..CLIENTS {
        let (client, base, token, gets, answers) =
            (client.clone(), base.to_string(), token.to_string(), gets.to_vec(), answers.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<(&str, f64)> = Vec::new();
            let mut rounds = 0;
            while lasting.map_or(rounds < ROUNDS, |l| started.elapsed() < l) {
                rounds += 1;
                times.extend(read_each(&client, &base, &token, &gets, &answers).await);
            }
            times
        }));
    }
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for task in tasks {
        for (label, ms) in task.await.expect("client") {
            by.entry(label).or_default().push(ms);
        }
    }
    by
}

fn table(by: BTreeMap<&str, Vec<f64>>) {
    println!("| dashboard | p50 ms | p95 ms |");
    println!("| --- | --- | --- |");
    for (label, mut times) in by {
        println!("| {label} | {:.1} | {:.1} |", quantile(&mut times.clone(), 0.5), quantile(&mut times, 0.95));
    }
}

async fn bench_backend(backend: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url) = fresh(backend, dir.path(), "dashboards").await;
    let started = Instant::now();
    demo::build(&db, &DemoConfig { scale: Scale::National, seed: 7, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("national demo");
    opencpd_demo::delivery::build_national(&db, 7, &|_, _| {}).await.expect("national delivery");
    opencpd_demo::evaluation::build(&db, 7, &|_, _| {}).await.expect("evaluation demo");
    let demo_took = started.elapsed().as_secs_f64();
    let started = Instant::now();
    grow(&db).await;
    let rows: i64 =
        on_db!(&db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM learner_outcomes").fetch_one(p).await).expect("rows");
    println!(
        "\n## {backend}: national demo in {demo_took:.0} s; {rows} learner-outcome rows after {:.0} s more\n",
        started.elapsed().as_secs_f64()
    );
    let country = ids(&db, "SELECT id FROM units WHERE depth = 0 AND country = 'RW'").await[0];
    let district = ids(&db, "SELECT id FROM units WHERE depth = 1 AND country = 'RW' ORDER BY id").await[0];
    let school = ids(&db, "SELECT id FROM schools WHERE level = 'primary' ORDER BY id").await[0];
    let system = Actor::system();
    let target = opencpd_indicators::model::IndicatorTargetInput {
        place: Some(opencpd_indicators::model::Place::Unit(country)),
        year: 2025,
        disaggregation: Some("sex".into()),
        category: Some("F".into()),
        baseline: Some(40.0),
        target: 60.0,
    };
    opencpd_indicators::store::engine::set_target(&db, &system, "proficiency-rate", &target).await.expect("target");
    // The programmes' costs of 2025, where the demo recorded none, so that the cost per
    // participant has something to divide.
    let costs: i64 =
        on_db!(&db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM programme_costs").fetch_one(p).await).expect("costs");
    let programmes: Vec<(i64, String)> =
        on_db!(&db, |p| sqlx::query_as("SELECT id, code FROM programmes ORDER BY id").fetch_all(p).await)
            .expect("programmes");
    if costs == 0 {
        for (_, code) in &programmes {
            for (category, amount) in
                [("training", 412_000_000.0), ("travel", 96_500_000.0), ("coaching", 150_000_000.0)]
            {
                let input = opencpd_delivery::model::ProgrammeCostInput {
                    programme_code: code.clone(),
                    year: 2025,
                    category: category.into(),
                    amount,
                    currency: Some("RWF".into()),
                    note: None,
                    version: None,
                };
                // A programme that does not run in 2025 takes no cost of that year.
                let _ = opencpd_delivery::store::costs::create(&db, &system, &input).await;
            }
        }
    }
    let token = accounts::create_token(&db, &system, "admin", "bench").await.expect("token");
    let (mut server, base) = serve(&url).await;
    let client = reqwest::Client::new();
    let gets: Vec<(&'static str, String)> = vec![
        ("data page, country", format!("/data/units/{country}")),
        ("data page, district", format!("/data/units/{district}")),
        ("data page, school", format!("/data/schools/{school}")),
        ("trend, country", format!("/api/v1/units/{country}/trend")),
        ("flows 2024, country", format!("/api/v1/units/{country}/flows?year=2024")),
        ("parts, country", format!("/api/v1/units/{country}/breakdown")),
        ("targets, country", format!("/api/v1/units/{country}/targets")),
        ("programme page, national", format!("/programmes/{}", programmes.last().expect("a programme").0)),
    ];
    let place = serde_json::json!({ "kind": "unit", "id": country });
    let answers: Vec<Answer> = vec![
        (
            "indicator by sex, country",
            "proficiency-rate",
            serde_json::json!({ "place": place, "year": 2025, "by": ["sex"] }),
        ),
        ("reach by cohort, country", "reach", serde_json::json!({ "place": place, "year": 2025, "by": ["cohort"] })),
        (
            "cost per participant by unit, country",
            "cost-per-participant",
            serde_json::json!({ "place": place, "year": 2025, "by": ["unit"] }),
        ),
    ];
    // Warm each once, the pages and the indicators' answers alike: the first computation of
    // a figure is timed apart.
    let mut cold: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (label, ms) in read_each(&client, &base, &token, &gets, &answers).await {
        cold.entry(label).or_default().push(ms);
    }
    println!("Each dashboard's first reading, one client, computed afresh:\n");
    println!("| dashboard | ms |");
    println!("| --- | --- |");
    for (label, times) in &cold {
        println!("| {label} | {:.1} |", times[0]);
    }
    println!();
    let by = round(&client, &base, &token, &gets, &answers, None).await;
    println!("{CLIENTS} clients at once, {ROUNDS} rounds each, as the administrator, nothing written meanwhile:\n");
    table(by);

    // What a reader waits for after a write: one outcome row of the first school imported
    // (its totals and its units' cells written again at the commit, every figure's stamp
    // renewed), then each dashboard read once, by one client.
    let (school_code, grade): (String, String) = on_db!(&db, |p| {
        sqlx::query_as(
        "SELECT (SELECT code FROM schools WHERE id = $1), (SELECT code FROM outcome_grades ORDER BY position LIMIT 1)"
    )
    .bind(school)
    .fetch_one(p)
    .await
    })
    .expect("codes");
    let mut writes = 0i64;
    let import = {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        move |n: i64| {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            let csv = format!(
                "school_code,year,grade,sex,enrolled,repeating\n{school_code},2025,{grade},F,{},3\n",
                30 + n % 20
            );
            async move {
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/imports/outcomes?filename=o.csv"))
                    .bearer_auth(&token)
                    .body(csv)
                    .send()
                    .await
                    .expect("import");
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                r.bytes().await.expect("body");
                t.elapsed().as_secs_f64() * 1e3
            }
        }
    };
    let mut after: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut imports = Vec::new();
    for _ in 0..5 {
        writes += 1;
        imports.push(import(writes).await);
        for (label, ms) in read_each(&client, &base, &token, &gets, &answers).await {
            after.entry(label).or_default().push(ms);
        }
    }
    println!("\nOne client, each dashboard read once after an outcome row imported into one school (5 times):\n");
    println!("| dashboard | median ms | slowest ms |");
    println!("| --- | --- | --- |");
    for (label, mut times) in after {
        println!("| {label} | {:.1} | {:.1} |", quantile(&mut times.clone(), 0.5), quantile(&mut times, 1.0));
    }
    println!("\nThe import itself (one row, over HTTP): median {:.0} ms", quantile(&mut imports, 0.5));

    // The same 20 clients while a writer imports one outcome row into one school every
    // second: every figure is computed afresh once after each write, the readers arriving
    // meanwhile sharing that computation.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let import = import.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                import(1_000 + n).await;
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            n
        })
    };
    let writing = std::time::Duration::from_secs(WRITING_SECONDS);
    let by = round(&client, &base, &token, &gets, &answers, Some(writing)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.expect("writer");
    println!(
        "\n{CLIENTS} clients at once, rounds for {WRITING_SECONDS} s, while one outcome row is imported every second ({written} imports):\n"
    );
    table(by);
    let mut pdf = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r =
            client.get(format!("{base}/api/v1/units/{country}/report")).bearer_auth(&token).send().await.expect("pdf");
        assert_eq!(r.status(), 200);
        r.bytes().await.expect("pdf");
        pdf.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "\nThe country's donor PDF, one at a time: median {:.0} ms, slowest {:.0} ms",
        quantile(&mut pdf.clone(), 0.5),
        quantile(&mut pdf, 1.0)
    );
    // What a reader waits for after an enrolment: the participants' figures (reach, costs per
    // participant, the programme page's funnels) are computed again, each once.
    let programme = programmes.last().expect("a programme").0;
    let cohort = ids(
        &db,
        &format!(
            "SELECT MIN(h.id) FROM cohorts h JOIN courses k ON k.id = h.course_id WHERE k.programme_id = {programme}"
        ),
    )
    .await[0];
    let newcomers = ids(
        &db,
        &format!(
            "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM programme_participants \
             WHERE programme_id = {programme}) ORDER BY id LIMIT 5"
        ),
    )
    .await;
    on_db!(&db, |p| sqlx::query("UPDATE cohorts SET capacity = capacity + 5 WHERE id = $1")
        .bind(cohort)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .expect("capacity");
    let mut enrolled: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for person in newcomers {
        let r = client
            .post(format!("{base}/api/v1/cohorts/{cohort}/enrolments"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "person_id": person }))
            .send()
            .await
            .expect("enrol");
        assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
        for (label, ms) in read_each(&client, &base, &token, &gets, &answers).await {
            enrolled.entry(label).or_default().push(ms);
        }
    }
    println!("\nOne client, each dashboard read once after an enrolment in the programme (5 times):\n");
    println!("| dashboard | median ms | slowest ms |");
    println!("| --- | --- | --- |");
    for (label, mut times) in enrolled {
        println!("| {label} | {:.1} | {:.1} |", quantile(&mut times.clone(), 0.5), quantile(&mut times, 1.0));
    }
    let _ = server.kill();
    let _ = server.wait();
    db.close().await;
    drop_pg(&url).await;
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    println!(
        "# OpenCPD dashboards benchmark ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    for backend in backends() {
        if filter.is_empty() || filter == backend {
            bench_backend(backend).await;
        }
    }
}
