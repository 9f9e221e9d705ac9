//! Learner-level records on PostgreSQL at national scale.
//!
//! 1. The import of a file of learner records through the one pipeline (streamed, every row
//!    checked, batched upserts, the cells they make written at commit) against the shared
//!    batched insert of the same rows already typed, each into a fresh database.
//! 2. `OPENCPD_BENCH_RECORDS` records in all (50,000,000 by default: five years of 5,000
//!    schools, two subjects, about 980 learners a school and subject), loaded by SQL, and
//!    their cells written once.
//! 3. Then, over them: the `proficiency-rate` indicator of a school and of a district
//!    through the one engine (median and p95 of 50 asks each), and the import of one
//!    school's new records into the full table, its cells and totals kept by the
//!    transaction.
//!
//! Prints its figures; asserts nothing about time (a shared machine is noisy).
//!
//!     cargo bench -p opencpd-indicators --bench learners
//!     OPENCPD_BENCH_RECORDS=2000000 OPENCPD_BENCH_ROWS=200000 cargo bench -p opencpd-indicators --bench learners

use opencpd_indicators::model::{NewReference, Place, Question};
use opencpd_indicators::store::{engine, learners, reference};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::derived::Key;
use opencpd_kernel::import::{Options, Source};
use opencpd_kernel::{Actor, Db, on_db};
use opencpd_testkit::{Backend, TestDb};
use std::io::Write;
use std::time::Instant;

const SCHOOLS: i64 = 5_000;
const DISTRICTS: i64 = 30;
const GRADES: [&str; 6] = ["P1", "P2", "P3", "P4", "P5", "P6"];
const SUBJECTS: [&str; 2] = ["MATH", "ENG"];
/// The year the pipeline's file is of; the bulk load fills the years before it.
const YEAR: i64 = 2025;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn exec(db: &Db, sql: String) {
    on_db!(db, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.map(|_| ())).expect("sql");
}

/// A fresh PostgreSQL database with a country of 30 districts, 5,000 schools, six grades
/// and two subjects scored out of 100.
async fn fresh() -> TestDb {
    let t = TestDb::new(Backend::Postgres).await;
    let districts: Vec<String> =
        (2..=DISTRICTS + 1).map(|d| format!("({d}, 1, 'RW', 1, 'D{d}', 'District {d}', '/1/{d}/')")).collect();
    exec(
        &t.db,
        format!(
            "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
             (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), {}",
            districts.join(", ")
        ),
    )
    .await;
    exec(
        &t.db,
        format!(
            "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) \
             SELECT s, 'S' || lpad(s::text, 5, '0'), 'School ' || s, 2 + s % {DISTRICTS}, \
             '/1/' || (2 + s % {DISTRICTS}) || '/', 'primary', 'public' FROM generate_series(1, {SCHOOLS}) s"
        ),
    )
    .await;
    let admin = Actor::system();
    for grade in GRADES {
        let new = NewReference { code: grade.into(), name: grade.into(), max_score: None, position: None };
        reference::add(&t.db, &admin, reference::Kind::Grade, &new).await.expect("grade");
    }
    for subject in SUBJECTS {
        let new = NewReference { code: subject.into(), name: subject.into(), max_score: Some(100.0), position: None };
        reference::add(&t.db, &admin, reference::Kind::Subject, &new).await.expect("subject");
    }
    t
}

/// The n-th record of the pipeline's file: school, grade, subject, learner, sex, score, band.
fn record(n: usize) -> (i64, &'static str, &'static str, String, &'static str, f64, &'static str) {
    let school = 1 + (n as i64 / 200) % SCHOOLS;
    let grade = GRADES[(n / 20) % GRADES.len()];
    let subject = SUBJECTS[n % 2];
    let learner = format!("L{YEAR}-{}", n / 2);
    let sex = if (n / 2).is_multiple_of(2) { "F" } else { "M" };
    let score = ((n * 37) % 1000) as f64 / 10.0;
    let band = ["below_basic", "basic", "proficient", "advanced"][((score / 25.0) as usize).min(3)];
    (school, grade, subject, learner, sex, score, band)
}

fn records_csv(path: &std::path::Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("csv"));
    writeln!(f, "school_code,year,term,grade,subject,learner,sex,group,score,band").unwrap();
    for n in 0..rows {
        let (school, grade, subject, learner, sex, score, band) = record(n);
        writeln!(f, "S{school:05},{YEAR},,{grade},{subject},{learner},{sex},,{score},{band}").unwrap();
    }
}

async fn ids(db: &Db, sql: &str) -> std::collections::HashMap<String, i64> {
    let rows: Vec<(String, i64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(p).await).expect("ids");
    rows.into_iter().collect()
}

fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

async fn count(db: &Db, sql: &str) -> i64 {
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .expect("count")
}

#[tokio::main]
async fn main() {
    let rows = env("OPENCPD_BENCH_ROWS", 1_000_000);
    let total = env("OPENCPD_BENCH_RECORDS", 50_000_000).max(rows);
    let dir = tempfile::tempdir().expect("dir");
    let csv_path = dir.path().join("learners.csv");
    records_csv(&csv_path, rows);
    let admin = Actor::system();
    println!("\n## Learner records on PostgreSQL: {rows} through the pipeline, {total} in all\n");

    // 1. The pipeline against the batched insert of typed rows.
    let raw = fresh().await;
    let grades = ids(&raw.db, "SELECT code, id FROM outcome_grades").await;
    let subjects = ids(&raw.db, "SELECT code, id FROM outcome_subjects").await;
    let started = Instant::now();
    let mut tx = raw.db.begin().await.expect("tx");
    let typed: Vec<Vec<Cell>> = (0..rows)
        .map(|n| {
            let (school, grade, subject, learner, sex, score, band) = record(n);
            vec![
                school.into(),
                YEAR.into(),
                Cell::from(0),
                subjects[subject].into(),
                learner.into(),
                grades[grade].into(),
                sex.into(),
                Cell::from(0),
                Cell::Real(Some(score)),
                band.into(),
            ]
        })
        .collect();
    bulk::insert(
        &mut tx,
        "INSERT INTO learner_scores (school_id, year, term, subject_id, learner, grade_id, sex, group_id, score, band)",
        10,
        typed,
        &|_| {},
    )
    .await
    .expect("raw insert");
    tx.commit().await.expect("commit");
    let raw_rate = rows as f64 / started.elapsed().as_secs_f64();
    drop(raw);

    let t = fresh().await;
    opencpd_testkit::bench::reset_peak();
    let started = Instant::now();
    let report = learners::import(&t.db, &admin, Source::path(&csv_path).expect("source"), Options::default())
        .await
        .expect("import");
    let took = started.elapsed().as_secs_f64();
    assert!(report.ok(), "{:?}", report.problems.first());
    let rate = rows as f64 / took;
    println!("| batched insert of typed rows, rows/s | pipeline with the cells at commit, rows/s | ratio | peak RSS |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| {raw_rate:.0} | {rate:.0} | {:.0}% | {:.0} MB |\n",
        100.0 * rate / raw_rate,
        opencpd_testkit::bench::peak_mb()
    );

    // 2. The rest by SQL, over the years before, a chunk of schools a statement.
    let rest = total - rows;
    let years = 5i64;
    let per = (rest as i64 / (years * SCHOOLS * SUBJECTS.len() as i64)).max(1);
    let started = Instant::now();
    let (math, eng) = (subjects["MATH"], subjects["ENG"]);
    let p1 = grades["P1"];
    for year in YEAR - years..YEAR {
        for first in (1..=SCHOOLS).step_by(500) {
            let last = (first + 499).min(SCHOOLS);
            exec(
                &t.db,
                format!(
                    "INSERT INTO learner_scores (school_id, year, term, subject_id, learner, grade_id, sex, group_id, score, band) \
                     SELECT s, {year}, 0, sub, 'L' || {year} || '-' || s || '-' || n, {p1} + n % 6, \
                     CASE WHEN n % 2 = 0 THEN 'F' ELSE 'M' END, 0, (s * 7 + n * 13 + sub) % 101, \
                     CASE WHEN (s * 7 + n * 13 + sub) % 101 < 25 THEN 'below_basic' \
                          WHEN (s * 7 + n * 13 + sub) % 101 < 50 THEN 'basic' \
                          WHEN (s * 7 + n * 13 + sub) % 101 < 75 THEN 'proficient' ELSE 'advanced' END \
                     FROM generate_series({first}, {last}) s, generate_series(1, {per}) n, (VALUES ({math}), ({eng})) v(sub)"
                ),
            )
            .await;
        }
        eprintln!("loaded {year}: {:.0} s", started.elapsed().as_secs_f64());
    }
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut tx = t.db.begin().await.expect("tx");
    tx.changed(&learners::CELLS, Key::All);
    tx.commit().await.expect("cells");
    let cells = started.elapsed().as_secs_f64();
    exec(&t.db, "ANALYZE".into()).await;
    let held = count(&t.db, "SELECT COUNT(*) FROM learner_scores").await;
    let made = count(&t.db, "SELECT COUNT(*) FROM learner_outcomes WHERE learners IS NOT NULL").await;
    println!(
        "{held} records held: {rest} loaded by SQL in {load:.0} s; every cell written from them at once \
         ({made} cells) in {cells:.0} s\n"
    );

    // 3. The indicator of a school and of a district, over every record.
    let mut school_ms = Vec::new();
    let mut district_ms = Vec::new();
    for i in 0..50i64 {
        let place = Place::School(1 + (i * 97) % SCHOOLS);
        let question = Question { place, year: YEAR - 1 - i % 5, by: vec!["sex".into()] };
        let started = Instant::now();
        let answer = engine::answer(&t.db, &admin, "proficiency-rate", &question).await.expect("school");
        school_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert!(answer.total.value.is_some());
        let question =
            Question { place: Place::Unit(2 + i % DISTRICTS), year: YEAR - 1 - i % 5, by: vec!["sex".into()] };
        let started = Instant::now();
        let answer = engine::answer(&t.db, &admin, "proficiency-rate", &question).await.expect("district");
        district_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert!(answer.total.value.is_some());
    }
    println!("| `proficiency-rate` by sex, over {held} records | median ms | p95 ms |");
    println!("| --- | --- | --- |");
    println!("| a school | {:.1} | {:.1} |", quantile(school_ms.clone(), 0.5), quantile(school_ms, 0.95));
    println!("| a district | {:.1} | {:.1} |\n", quantile(district_ms.clone(), 0.5), quantile(district_ms, 0.95));

    // One school's new term of records into the full table.
    let path = dir.path().join("one-school.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("csv"));
    writeln!(f, "school_code,year,term,grade,subject,learner,sex,group,score,band").unwrap();
    let one = 2_000;
    for n in 0..one {
        let grade = GRADES[n % 6];
        let subject = SUBJECTS[n % 2];
        writeln!(
            f,
            "S00042,{YEAR},2,{grade},{subject},T2-{n},{},,{}.5,",
            if n.is_multiple_of(3) { "F" } else { "M" },
            n % 99
        )
        .unwrap();
    }
    drop(f);
    let started = Instant::now();
    let report = learners::import(&t.db, &admin, Source::path(&path).expect("source"), Options::default())
        .await
        .expect("one school");
    assert!(report.ok(), "{:?}", report.problems.first());
    println!(
        "One school's {one} new records imported into the full table, its cells and totals written at commit: {:.0} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
}
