//! What a school's or a unit's data page shows, read in the reader's scope: the learners'
//! mean score by subject and year (a trend), with the learners assessed behind each point,
//! suppressed when few for readers without row-level rights; the flow rates and the gaps
//! between girls and boys come from [`super::flows`]. The trend and the years are read from
//! the schools' totals ([`super::rollup`]), a few rows a school and year.

use super::flows::{place_clause, row_level};
use crate::model::{Count, Place, TrendPoint};
use opencpd_domain::suppression;
use opencpd_kernel::{Actor, Db, Result, on_db};

/// The mean score (percent of the subject's maximum) by subject and year, all learners,
/// all grades, weighted by the learners assessed.
pub async fn trend(db: &Db, actor: &Actor, place: Place) -> Result<Vec<TrendPoint>> {
    let clause = place_clause(db, actor, place).await?;
    let sql = format!(
        "SELECT sub.code, o.year, CAST(SUM(o.scored) AS BIGINT), \
         CAST(100.0 * SUM(o.score_sum) / SUM(o.scored) / MAX(sub.max_score) AS DOUBLE PRECISION) \
         FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id JOIN outcome_subjects sub ON sub.id = o.subject_id \
         WHERE {clause} AND o.subject_id <> 0 AND o.scored > 0 \
         GROUP BY sub.code, o.year ORDER BY sub.code, o.year"
    );
    let rows: Vec<(String, i64, i64, f64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let open = row_level(actor);
    Ok(rows
        .into_iter()
        .map(|(subject, year, assessed, mean)| {
            let cell = if open { suppression::Cell::Shown } else { suppression::single(assessed, threshold) };
            TrendPoint {
                subject,
                year,
                assessed: Count { value: (!cell.hidden()).then_some(assessed), shown: cell.text(assessed, threshold) },
                mean_percent: (!cell.hidden()).then_some(mean),
            }
        })
        .collect())
}

/// The years with flow data for the place (whole-year, all-subjects rows), newest first.
pub async fn years(db: &Db, actor: &Actor, place: Place) -> Result<Vec<i64>> {
    let clause = place_clause(db, actor, place).await?;
    let sql = format!(
        "SELECT DISTINCT o.year FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id \
         WHERE {clause} AND o.subject_id = 0 AND o.term = 0 ORDER BY o.year DESC"
    );
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?)
}

/// The place's name (after the scope check the other reads make).
pub async fn place_name(db: &Db, actor: &Actor, place: Place) -> Result<String> {
    place_clause(db, actor, place).await?;
    let name: String = match place {
        Place::School(id) => {
            on_db!(db, |p| sqlx::query_scalar("SELECT name FROM schools WHERE id = $1").bind(id).fetch_one(p).await)?
        }
        Place::Unit(id) => {
            on_db!(db, |p| sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(id).fetch_one(p).await)?
        }
    };
    Ok(name)
}
