//! The deployment's settings every area reads.

use crate::{Db, Result, on_db};

/// The small-cell threshold when the deployment has set none.
pub const DEFAULT_SMALL_CELL_THRESHOLD: i64 = 5;

/// The deployment's small-cell threshold (0: off), the one number every report, export
/// and chart suppresses by.
pub async fn small_cell_threshold(db: &Db) -> Result<i64> {
    let v: Option<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT value FROM report_settings WHERE key = 'small_cell_threshold'")
            .fetch_optional(p)
            .await)?;
    Ok(v.unwrap_or(DEFAULT_SMALL_CELL_THRESHOLD))
}
