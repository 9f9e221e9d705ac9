//! The import of learner outcomes through the one pipeline against SQLite's raw insert
//! rate, in the same run: a generated national file of outcome rows (CSV) is imported by
//! `opencpd_indicators::store::outcomes::import` (streamed, every row checked, batched
//! upserts, one transaction) and, into an identical database, by a plain prepared
//! statement through SQLite's C interface (WAL, one transaction, codes looked up in a map,
//! no checks). Prints the median rows/s of each, the ratio and the pipeline's peak
//! resident memory; asserts nothing (timings on a shared machine are noisy).
//!
//!     cargo bench -p opencpd-indicators --bench import
//!     OPENCPD_BENCH_ROWS=100000 OPENCPD_BENCH_ROUNDS=1 cargo bench -p opencpd-indicators --bench import

use opencpd_indicators::model::NewReference;
use opencpd_indicators::store::{outcomes, reference};
use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::import::{Options, Source};
use opencpd_kernel::{Actor, Db, IfMissing};
use std::collections::HashMap;
use std::ffi::CString;
use std::io::Write;
use std::time::Instant;

const SCHOOLS: usize = 10_000;
const GRADES: [&str; 6] = ["P1", "P2", "P3", "P4", "P5", "P6"];
const SUBJECTS: [&str; 3] = ["", "MATH", "ENG"];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `rows` outcome rows: every school, grade and sex, then term and subject, in turn.
fn outcomes_csv(path: &std::path::Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("csv"));
    f.write_all(
        b"school_code,year,term,grade,subject,sex,group,enrolled,assessed,mean_score,below_basic,basic,proficient,advanced,promoted,repeating,dropped_out\n",
    )
    .unwrap();
    let mut written = 0;
    'all: for term in 0..5 {
        for subject in SUBJECTS {
            for school in 0..SCHOOLS {
                for grade in GRADES {
                    for sex in ["F", "M"] {
                        if written == rows {
                            break 'all;
                        }
                        let enrolled = 20 + (written * 7) % 60;
                        let t = if term == 0 { String::new() } else { term.to_string() };
                        if subject.is_empty() {
                            writeln!(
                                f,
                                "S{school:05},2025,{t},{grade},,{sex},,{enrolled},,,,,,,{},{},{}",
                                enrolled * 8 / 10,
                                enrolled / 10,
                                enrolled / 20
                            )
                            .unwrap();
                        } else {
                            let assessed = enrolled - 2;
                            writeln!(
                                f,
                                "S{school:05},2025,{t},{grade},{subject},{sex},,{enrolled},{assessed},{}.5,{},{},{},{},,,",
                                30 + written % 60,
                                assessed / 4,
                                assessed / 4,
                                assessed / 4,
                                assessed / 4
                            )
                            .unwrap();
                        }
                        written += 1;
                    }
                }
            }
        }
    }
    assert_eq!(written, rows, "at most {} rows", 5 * SUBJECTS.len() * SCHOOLS * GRADES.len() * 2);
}

/// A fresh SQLite database with the schools, grades and subjects the file refers to.
async fn fresh(dir: &std::path::Path, name: &str) -> (Db, String) {
    let url = dir.join(format!("{name}.db")).to_string_lossy().to_string();
    let db = Db::connect(&url, IfMissing::Create).await.expect("open");
    db.migrate().await.expect("migrate");
    let admin = Actor::system();
    let mut tx = db.begin().await.expect("tx");
    bulk::insert(
        &mut tx,
        "INSERT INTO units (id, parent_id, country, depth, code, name, path)",
        7,
        vec![vec![
            Cell::from(1),
            Cell::Int(None),
            "RW".into(),
            Cell::from(0),
            "RW".into(),
            "Rwanda".into(),
            "/1/".into(),
        ]],
        &|_| {},
    )
    .await
    .expect("unit");
    let schools: Vec<Vec<Cell>> = (0..SCHOOLS)
        .map(|i| {
            vec![
                Cell::from(format!("S{i:05}")),
                Cell::from(format!("School {i}")),
                Cell::from(1),
                "/1/".into(),
                "primary".into(),
                "public".into(),
            ]
        })
        .collect();
    bulk::insert(
        &mut tx,
        "INSERT INTO schools (code, name, unit_id, unit_path, level, ownership)",
        6,
        schools,
        &|_| {},
    )
    .await
    .expect("schools");
    tx.commit().await.expect("commit");
    for grade in GRADES {
        let new = NewReference { code: grade.into(), name: grade.into(), max_score: None, position: None };
        reference::add(&db, &admin, reference::Kind::Grade, &new).await.expect("grade");
    }
    for subject in &SUBJECTS[1..] {
        let new = NewReference {
            code: subject.to_string(),
            name: subject.to_string(),
            max_score: Some(100.0),
            position: None,
        };
        reference::add(&db, &admin, reference::Kind::Subject, &new).await.expect("subject");
    }
    (db, url)
}

/// The raw run: read the CSV, look codes up in maps, bind and step one prepared INSERT per
/// row, in one transaction.
fn raw_insert(
    url: &str,
    csv_path: &std::path::Path,
    schools: &HashMap<String, i64>,
    grades: &HashMap<String, i64>,
    subjects: &HashMap<String, i64>,
) -> usize {
    use opencpd_testkit::bench::Value::{Int, Null, Real, Text};
    let conn = opencpd_testkit::bench::Conn::open(url);
    conn.exec(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -8000",
    );
    conn.exec("BEGIN");
    let sql = CString::new(
        "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, enrolled, assessed, \
         mean_score, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .unwrap();
    let mut stmt = conn.prepare(&sql);
    let mut reader = csv::Reader::from_path(csv_path).expect("csv");
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    let int = |s: &str| if s.is_empty() { Null } else { Int(s.parse().expect("int")) };
    while reader.read_record(&mut record).expect("row") {
        let r = &record;
        stmt.run(&[
            Int(schools[&r[0]]),
            Int(r[1].parse().expect("year")),
            if r[2].is_empty() { Int(0) } else { Int(r[2].parse().expect("term")) },
            Int(grades[&r[3]]),
            if r[4].is_empty() { Int(0) } else { Int(subjects[&r[4]]) },
            Text(&r[5]),
            Int(0),
            int(&r[7]),
            int(&r[8]),
            if r[9].is_empty() { Null } else { Real(r[9].parse().expect("score")) },
            int(&r[10]),
            int(&r[11]),
            int(&r[12]),
            int(&r[13]),
            int(&r[14]),
            int(&r[15]),
            int(&r[16]),
        ]);
        rows += 1;
    }
    drop(stmt);
    conn.exec("COMMIT");
    rows
}

async fn codes(db: &Db, sql: &str) -> HashMap<String, i64> {
    let Db::Sqlite(p) = db else { unreachable!("SQLite") };
    let rows: Vec<(String, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string())).fetch_all(p).await.expect("codes");
    rows.into_iter().collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let rows = env("OPENCPD_BENCH_ROWS", 1_000_000);
    let rounds = env("OPENCPD_BENCH_ROUNDS", 3);
    let dir = tempfile::tempdir().expect("dir");
    let csv_path = dir.path().join("outcomes.csv");
    outcomes_csv(&csv_path, rows);
    let size = std::fs::metadata(&csv_path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
    println!("\n## Import of {rows} learner outcome rows ({size:.0} MB of CSV) into SQLite; median of {rounds}\n");
    let (mut raw_rates, mut pipeline_rates, mut peaks) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // The pipeline: streamed, checked, batched, one transaction.
        let (db, _) = fresh(dir.path(), &format!("pipeline{round}")).await;
        opencpd_testkit::bench::reset_peak();
        let started = Instant::now();
        let report =
            outcomes::import(&db, &Actor::system(), Source::path(&csv_path).expect("source"), Options::default())
                .await
                .expect("import");
        let took = started.elapsed().as_secs_f64();
        assert!(report.ok(), "{:?}", report.problems.first());
        assert_eq!(report.rows_written, rows as u64);
        pipeline_rates.push(rows as f64 / took);
        peaks.push(opencpd_testkit::bench::peak_mb());
        db.close().await;

        // Raw: the same file into an identical database.
        let (db, url) = fresh(dir.path(), &format!("raw{round}")).await;
        let schools = codes(&db, "SELECT code, id FROM schools").await;
        let grades = codes(&db, "SELECT code, id FROM outcome_grades").await;
        let subjects = codes(&db, "SELECT code, id FROM outcome_subjects").await;
        db.close().await;
        let started = Instant::now();
        let written = raw_insert(&url, &csv_path, &schools, &grades, &subjects);
        assert_eq!(written, rows);
        raw_rates.push(rows as f64 / started.elapsed().as_secs_f64());
    }
    let (raw, pipeline) = (median(raw_rates), median(pipeline_rates));
    println!("| raw prepared insert rows/s | pipeline rows/s | ratio | pipeline peak RSS |");
    println!("| --- | --- | --- | --- |");
    println!("| {raw:.0} | {pipeline:.0} | {:.0}% | {:.0} MB |", 100.0 * pipeline / raw, median(peaks));
}
