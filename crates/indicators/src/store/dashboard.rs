//! What a school's or a unit's data page shows, read in the reader's scope: the learners'
//! mean score by subject and year (a trend), with the learners assessed behind each point,
//! suppressed when few for readers without row-level rights; the flow rates and the gaps
//! between girls and boys come from [`super::flows`]. The trend and the years are read from
//! the schools' totals ([`super::rollup`]), a few rows a school and year.

use super::flows::{place_clause, row_level};
use crate::model::{Breakdown, Count, Part, Place, TrendPoint};
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

/// A unit's parts with a year's figures (the newest year with data when `year` is none):
/// the units just below it, or its schools when it has none. Every part is listed, those
/// without data with empty figures. Counts a reader without row-level rights may not see
/// are hidden by the one rule, column by column (a part's count could otherwise be
/// subtracted from the unit's total), and the rates resting on them with them.
pub async fn breakdown(db: &Db, actor: &Actor, unit: i64, year: Option<i64>) -> Result<Breakdown> {
    let clause = place_clause(db, actor, Place::Unit(unit)).await?;
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let year = match year {
        Some(y) => Some(y),
        None => years(db, actor, Place::Unit(unit)).await?.first().copied(),
    };
    let children: Vec<(i64, String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT id, code, name FROM units WHERE parent_id = $1 ORDER BY name, id")
            .bind(unit)
            .fetch_all(p)
            .await)?;
    let by_unit = !children.is_empty();
    let parts: Vec<(i64, String, String)> = if by_unit {
        children
    } else {
        let sql = format!("SELECT s.id, s.code, s.name FROM schools s WHERE {clause} ORDER BY s.name, s.id");
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?
    };
    let Some(year) = year else {
        return Ok(Breakdown { year: None, parts: Vec::new(), suppressed: false, threshold });
    };
    // Whole-year rows of all subjects give enrolment and repeaters; the subjects' rows give
    // the scores and bands, as the trend reads them.
    let (part, join) = if by_unit {
        ("c.id", format!("JOIN units c ON c.parent_id = {unit} AND s.unit_path LIKE c.path || '%'"))
    } else {
        ("s.id", String::new())
    };
    let sql = format!(
        "SELECT {part}, \
         CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.enrolled END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.repeating END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.assessed END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.scored ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.scored > 0 THEN 100.0 * o.score_sum / sub.max_score END) AS DOUBLE PRECISION), \
         CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL THEN o.assessed END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL \
              THEN o.proficient + COALESCE(o.advanced, 0) END) AS BIGINT) \
         FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id {join} \
         LEFT JOIN outcome_subjects sub ON sub.id = o.subject_id \
         WHERE {clause} AND o.year = $1 GROUP BY {part}"
    );
    type Sums = (i64, Option<i64>, Option<i64>, Option<i64>, i64, Option<f64>, Option<i64>, Option<i64>);
    let rows: Vec<Sums> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year).fetch_all(p).await)?;
    let sums: std::collections::HashMap<i64, Sums> = rows.into_iter().map(|r| (r.0, r)).collect();
    let of = |id: &i64| sums.get(id).copied().unwrap_or((*id, None, None, None, 0, None, None, None));
    let open = row_level(actor);
    let column = |values: Vec<i64>| -> Vec<suppression::Cell> {
        if open { vec![suppression::Cell::Shown; values.len()] } else { suppression::column(&values, threshold) }
    };
    let enrolled = column(parts.iter().map(|(id, ..)| of(id).1.unwrap_or(0)).collect());
    let assessed = column(parts.iter().map(|(id, ..)| of(id).3.unwrap_or(0)).collect());
    let percent = |n: Option<i64>, d: Option<i64>| match (n, d) {
        (Some(n), Some(d)) if d > 0 => Some(100.0 * n as f64 / d as f64),
        _ => None,
    };
    let mut suppressed = false;
    let parts = parts
        .iter()
        .zip(enrolled.iter().zip(&assessed))
        .map(|((id, code, name), (e_cell, a_cell))| {
            let (_, enrolled, repeating, assessed, scored, score_sum, banded, proficient) = of(id);
            suppressed |= e_cell.hidden() || a_cell.hidden();
            let count = |v: Option<i64>, cell: &suppression::Cell| Count {
                value: if cell.hidden() { None } else { v },
                shown: v.map_or_else(String::new, |v| cell.text(v, threshold)),
            };
            Part {
                place: if by_unit { Place::Unit(*id) } else { Place::School(*id) },
                code: code.clone(),
                name: name.clone(),
                enrolled: count(enrolled, e_cell),
                assessed: count(assessed, a_cell),
                mean_percent: match score_sum {
                    Some(sum) if scored > 0 && !a_cell.hidden() => Some(sum / scored as f64),
                    _ => None,
                },
                proficient_percent: if a_cell.hidden() { None } else { percent(proficient, banded) },
                repeating_percent: if e_cell.hidden() { None } else { percent(repeating, enrolled) },
            }
        })
        .collect();
    Ok(Breakdown { year: Some(year), parts, suppressed, threshold })
}
