//! What OpenCPD's tests share, so that every area's integration-test binary starts the same
//! way: a fresh database per test on each backend (a real SQLite file in a temporary
//! directory, a real PostgreSQL database created for the test and dropped after it), with
//! the one migration history applied.
//!
//! PostgreSQL is reached through `OPENCPD_TEST_PG` (default
//! `postgres://postgres:postgres@127.0.0.1:5432/postgres`); `OPENCPD_TEST_PG=off` runs the
//! tests on SQLite alone.
//!
//! [`api`]: the typed client that drives an app of the areas under test, in process.

pub mod api;

use opencpd_kernel::{Db, IfMissing};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to run on: both, unless PostgreSQL is switched off.
pub fn backends() -> Vec<Backend> {
    if std::env::var("OPENCPD_TEST_PG").is_ok_and(|v| v == "off") {
        vec![Backend::Sqlite]
    } else {
        vec![Backend::Sqlite, Backend::Postgres]
    }
}

fn pg_admin_url() -> String {
    std::env::var("OPENCPD_TEST_PG").unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    /// A fresh, migrated, empty database on `backend`.
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("test.db").to_string_lossy().to_string();
                let db = Db::connect(&url, IfMissing::Create).await.expect("open sqlite");
                db.migrate().await.expect("migrate sqlite");
                TestDb { url, db, _dir: Some(dir), pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("opencpd_test_{}", uuid::Uuid::new_v4().simple());
                let conn = Db::connect(&admin, IfMissing::Create)
                    .await
                    .expect("PostgreSQL reachable (set OPENCPD_TEST_PG=off to skip)");
                if let Db::Postgres(p) = &conn {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(p)
                        .await
                        .expect("create database");
                }
                conn.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                let url = format!("{base}/{name}");
                let db = Db::connect(&url, IfMissing::Create).await.expect("open test database");
                db.migrate().await.expect("migrate postgres");
                TestDb { url, db, _dir: None, pg_name: Some(name) }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = pg_admin_url();
            // Drop from a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    if let Ok(Db::Postgres(p)) = Db::connect(&admin, IfMissing::Create).await {
                        let _ =
                            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .execute(&p)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}
pub mod bench;
