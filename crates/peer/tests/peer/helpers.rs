//! A small registry written straight into a fresh database, and the actors of the tests.
//!
//! Units: Rwanda (1) › province (9) › district Gasabo (2) › sectors Kimironko (3) and Remera (4); district
//! Huye (5) › sector Tumba (6). Schools 10 (Kimironko), 11 (Remera), 12 (Tumba). People
//! 100.. (see [`Registry`]). Programme 1 `BLF`; the standards the schema starts with (1 to 5).

use chrono::{Duration, NaiveDate};
use opencpd_domain::{AccountRole, Grant, Scope};
use opencpd_kernel::{Actor, Db, on_db};
use opencpd_testkit::{Backend, TestDb};

pub fn today() -> NaiveDate {
    opencpd_kernel::today()
}

pub fn days_ago(n: i64) -> NaiveDate {
    today() - Duration::days(n)
}

pub fn actor(name: &str, role: AccountRole, scope: Scope) -> Actor {
    Actor {
        user_id: None,
        username: name.into(),
        display_name: name.into(),
        language: "en".into(),
        grants: vec![Grant { role, scope }],
    }
}

pub fn admin() -> Actor {
    actor("admin", AccountRole::SystemAdmin, Scope::Everything)
}

pub fn national() -> Actor {
    actor("national", AccountRole::NationalOfficer, Scope::Everything)
}

/// Reads everything, without row-level rights.
pub fn evaluator() -> Actor {
    actor("evaluator", AccountRole::Evaluator, Scope::Everything)
}

pub fn district_officer(unit: i64) -> Actor {
    let path = match unit {
        2 => "/1/9/2/",
        5 => "/1/9/5/",
        _ => panic!("no district {unit}"),
    };
    actor("district", AccountRole::DistrictOfficer, Scope::Unit { unit_id: unit, path: path.into() })
}

pub fn sector_officer(unit: i64) -> Actor {
    let path = match unit {
        3 => "/1/9/2/3/",
        4 => "/1/9/2/4/",
        6 => "/1/9/5/6/",
        _ => panic!("no sector {unit}"),
    };
    actor("sector", AccountRole::SectorOfficer, Scope::Unit { unit_id: unit, path: path.into() })
}

/// Someone acting as themselves only (a coach in the field).
pub fn person(id: i64) -> Actor {
    actor(&format!("person{id}"), AccountRole::Teacher, Scope::Own { person_id: id })
}

async fn exec(db: &Db, sql: &'static str) {
    on_db!(db, |p| sqlx::query(sql).execute(p).await.map(|_| ())).expect(sql);
}

/// Adds a person with a position (role at a school, or at a unit).
pub async fn add_person(db: &Db, id: i64, name: &str, role: &str, school: Option<i64>, unit: Option<i64>) {
    let family = name.to_string();
    on_db!(db, |p| sqlx::query("INSERT INTO people (id, given_name, family_name, sex) VALUES ($1, $2, $3, 'F')")
        .bind(id)
        .bind("P")
        .bind(&family)
        .execute(p)
        .await
        .map(|_| ()))
    .expect("person");
    add_position(db, id, role, school, unit).await;
}

pub async fn add_position(db: &Db, id: i64, role: &str, school: Option<i64>, unit: Option<i64>) {
    let path: String = match (school, unit) {
        (Some(s), _) => {
            on_db!(db, |p| sqlx::query_scalar("SELECT unit_path FROM schools WHERE id = $1").bind(s).fetch_one(p).await)
                .expect("school")
        }
        (None, Some(u)) => {
            on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1").bind(u).fetch_one(p).await)
                .expect("unit")
        }
        _ => panic!("a position needs a place"),
    };
    on_db!(db, |p| sqlx::query(
        "INSERT INTO positions (person_id, role, school_id, unit_id, path, start_date) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(role)
    .bind(school)
    .bind(if school.is_some() { None } else { unit })
    .bind(&path)
    .bind(days_ago(2000))
    .execute(p)
    .await
    .map(|_| ()))
    .expect("position");
}

/// Stores a submission with these domain scores (score, max), about person `subject`.
/// A scored submission about `subject`; answers the uuid it was sent with.
pub async fn add_submission(db: &Db, id: i64, subject: i64, scores: &[(&str, f64, f64)]) -> String {
    let json: Vec<serde_json::Value> =
        scores.iter().map(|(d, s, m)| serde_json::json!({"domain": d, "score": s, "max": m, "items": 3})).collect();
    let now = chrono::Utc::now();
    let uuid = uuid::Uuid::new_v4().to_string();
    on_db!(db, |p| sqlx::query(
        "INSERT INTO submissions (id, uuid, instrument_id, collected_at, received_at, subject_kind, subject_id, \
         subject_path, answers_json, scores_json) VALUES ($1, $2, 1, $3, $3, 'person', $4, '/1/', '{}', $5)"
    )
    .bind(id)
    .bind(&uuid)
    .bind(now)
    .bind(subject)
    .bind(serde_json::Value::Array(json).to_string())
    .execute(p)
    .await
    .map(|_| ()))
    .expect("submission");
    uuid
}

/// People of the registry, by what they are.
pub struct Registry;

impl Registry {
    /// Advisor at the district of Gasabo.
    pub const ADVISOR: i64 = 100;
    /// National leader of learning (and head teacher of school 10).
    pub const NATIONAL_LEADER: i64 = 101;
    /// Local leader of learning (and head teacher of school 11).
    pub const LOCAL_LEADER: i64 = 102;
    /// Head teacher of school 12 (Tumba).
    pub const HEAD_TUMBA: i64 = 103;
    /// Teachers at school 10.
    pub const TEACHER_A: i64 = 104;
    pub const TEACHER_B: i64 = 105;
    pub const TEACHER_C: i64 = 106;
    /// A sector officer's person at Kimironko.
    pub const OFFICER: i64 = 107;
}

pub async fn fresh(backend: Backend) -> TestDb {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    exec(
        db,
        "INSERT INTO units (id, parent_id, country, depth, code, name, path) VALUES \
         (1, NULL, 'RW', 0, 'RW', 'Rwanda', '/1/'), (9, 1, 'RW', 1, 'KGL', 'Kigali', '/1/9/'), (2, 9, 'RW', 2, 'GAS', 'Gasabo', '/1/9/2/'), \
         (3, 2, 'RW', 3, 'KIM', 'Kimironko', '/1/9/2/3/'), (4, 2, 'RW', 3, 'REM', 'Remera', '/1/9/2/4/'), \
         (5, 9, 'RW', 2, 'HUY', 'Huye', '/1/9/5/'), (6, 5, 'RW', 3, 'TUM', 'Tumba', '/1/9/5/6/')",
    )
    .await;
    exec(
        db,
        "INSERT INTO schools (id, code, name, unit_id, unit_path, level, ownership) VALUES \
         (10, 'S10', 'EP Kimironko', 3, '/1/9/2/3/', 'primary', 'public'), \
         (11, 'S11', 'EP Remera', 4, '/1/9/2/4/', 'primary', 'public'), \
         (12, 'S12', 'EP Tumba', 6, '/1/9/5/6/', 'primary', 'public')",
    )
    .await;
    let now = chrono::Utc::now();
    on_db!(db, |p| sqlx::query(
        "INSERT INTO programmes (id, code, name, start_date, created_at) VALUES (1, 'BLF', 'Building Learning Foundations', $1, $2)"
    )
    .bind(days_ago(3000))
    .bind(now)
    .execute(p)
    .await
    .map(|_| ()))
    .expect("programme");
    on_db!(db, |p| sqlx::query(
        "INSERT INTO instruments (id, code, version, title, kind, source_name, created_at) \
         VALUES (1, 'OBS', '1', 'Lesson observation', 'observation', 'obs.xlsx', $1)"
    )
    .bind(now)
    .execute(p)
    .await
    .map(|_| ()))
    .expect("instrument");
    add_person(db, Registry::ADVISOR, "Advisor", "district_education_officer", None, Some(2)).await;
    add_person(db, Registry::NATIONAL_LEADER, "Nll", "head_teacher", Some(10), None).await;
    add_position(db, Registry::NATIONAL_LEADER, "national_leader_of_learning", None, Some(2)).await;
    add_person(db, Registry::LOCAL_LEADER, "Lll", "head_teacher", Some(11), None).await;
    add_position(db, Registry::LOCAL_LEADER, "local_leader_of_learning", None, Some(4)).await;
    add_person(db, Registry::HEAD_TUMBA, "Tumba", "head_teacher", Some(12), None).await;
    add_person(db, Registry::TEACHER_A, "Alpha", "teacher", Some(10), None).await;
    add_person(db, Registry::TEACHER_B, "Bravo", "teacher", Some(10), None).await;
    add_person(db, Registry::TEACHER_C, "Charlie", "teacher", Some(10), None).await;
    add_person(db, Registry::OFFICER, "Officer", "sector_education_officer", None, Some(3)).await;
    t
}

/// A term from 60 days ago to 60 days ahead, named `T1`.
pub async fn add_term(db: &Db) -> opencpd_peer::model::Term {
    opencpd_peer::store::plcs::create_term(
        db,
        &admin(),
        &opencpd_peer::model::TermInput {
            name: "T1".into(),
            start_on: days_ago(60).to_string(),
            end_on: (today() + Duration::days(60)).to_string(),
        },
    )
    .await
    .expect("term")
}

pub async fn count_text(db: &Db, sql: &'static str) -> String {
    on_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await).expect(sql)
}

pub async fn count(db: &Db, sql: &'static str) -> i64 {
    on_db!(db, |p| sqlx::query_scalar(sql).fetch_one(p).await).expect(sql)
}

/// The problems of an invalid answer, as (field, code).
pub fn problems<T: std::fmt::Debug>(r: opencpd_kernel::Result<T>) -> Vec<(String, &'static str)> {
    match r {
        Err(opencpd_kernel::Error::Invalid(ps)) => {
            ps.into_iter().map(|p| (p.column.unwrap_or_default(), p.code)).collect()
        }
        other => panic!("expected problems, got {other:?}"),
    }
}
