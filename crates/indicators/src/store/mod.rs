//! All of this area's SQL.

pub mod dhis2;
pub mod engine;
pub mod flows;
pub mod outcomes;
pub mod reference;

use opencpd_kernel::{Db, Result, on_db};

/// The deployment's small-cell threshold (the one setting every report reads).
pub async fn small_cell_threshold(db: &Db) -> Result<i64> {
    let value: Option<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT value FROM report_settings WHERE key = 'small_cell_threshold'")
            .fetch_optional(p)
            .await)?;
    Ok(value.unwrap_or(5))
}
