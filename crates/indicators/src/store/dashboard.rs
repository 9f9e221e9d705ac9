//! What a school's or a unit's data page shows, read in the reader's scope: the learners'
//! mean score by subject and year (a trend), with the learners assessed behind each point,
//! suppressed when few for readers without row-level rights; the flow rates and the gaps
//! between girls and boys come from [`super::flows`]. A school's trend and years are read
//! from its totals ([`super::rollup`]), a unit's and its parts' from the units' cells
//! ([`super::unit_cells`]): a few rows a school, a few thousand a unit at any level.

use super::flows::{place_clause, row_level};
use super::kept;
use super::unit_cells::{Cells, Needs, Read};
use crate::model::{
    Breakdown, Count, FlowReport, GapRow, GroupGaps, Part, Place, PlaceTarget, PlanSummary, TrendPoint,
};
use opencpd_domain::suppression;
use opencpd_kernel::{Actor, Db, Result, on_db};

/// The mean score (percent of the subject's maximum) by subject and year, all learners,
/// all grades, weighted by the learners assessed; kept ([`super::kept`]).
pub async fn trend(db: &Db, actor: &Actor, place: Place) -> Result<Vec<TrendPoint>> {
    let stamp = kept::stamp(db).await?;
    kept::kept(db, actor, &stamp, format!("trend {place:?}"), trend_afresh(db, actor, place)).await
}

/// [`trend`] computed.
async fn trend_afresh(db: &Db, actor: &Actor, place: Place) -> Result<Vec<TrendPoint>> {
    let sql = match place {
        Place::School(_) => format!(
            "SELECT sub.code, o.year, CAST(SUM(o.scored) AS BIGINT), \
             CAST(100.0 * SUM(o.score_sum) / SUM(o.scored) / MAX(sub.max_score) AS DOUBLE PRECISION) \
             FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id JOIN outcome_subjects sub ON sub.id = o.subject_id \
             WHERE {} AND o.subject_id <> 0 AND o.scored > 0 \
             GROUP BY sub.code, o.year ORDER BY sub.code, o.year",
            place_clause(db, actor, place).await?
        ),
        Place::Unit(_) => format!(
            "SELECT sub.code, o.year, CAST(SUM(o.scored) AS BIGINT), \
             CAST(100.0 * SUM(o.score_sum) / SUM(o.scored) / MAX(sub.max_score) AS DOUBLE PRECISION) \
             FROM ({}) o JOIN outcome_subjects sub ON sub.id = o.subject_id \
             WHERE o.group_id = 0 AND o.subject_id <> 0 \
             GROUP BY sub.code, o.year HAVING SUM(o.scored) > 0 ORDER BY sub.code, o.year",
            Cells::of(db, actor, place, &[], Read::Cells).await?.sql(Needs::default())
        ),
    };
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

/// The years with flow data for the place (whole-year, all-subjects rows), newest first;
/// kept ([`super::kept`]).
pub async fn years(db: &Db, actor: &Actor, place: Place) -> Result<Vec<i64>> {
    let stamp = kept::stamp(db).await?;
    kept::kept(db, actor, &stamp, format!("years {place:?}"), years_afresh(db, actor, place)).await
}

/// [`years`] computed.
async fn years_afresh(db: &Db, actor: &Actor, place: Place) -> Result<Vec<i64>> {
    let sql = match place {
        Place::School(_) => format!(
            "SELECT DISTINCT o.year FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id \
             WHERE {} AND o.subject_id = 0 AND o.term = 0 ORDER BY o.year DESC",
            place_clause(db, actor, place).await?
        ),
        Place::Unit(_) => format!(
            "SELECT o.year FROM ({}) o WHERE o.subject_id = 0 AND o.term = 0 \
             GROUP BY o.year HAVING SUM(o.source_rows) > 0 ORDER BY o.year DESC",
            Cells::of(db, actor, place, &[], Read::Cells).await?.sql(Needs::default())
        ),
    };
    Ok(on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?)
}

/// What a place's data page (and its PDF report) shows, read once in the reader's scope.
#[derive(Debug, Clone)]
pub struct Page {
    pub name: String,
    pub trend: Vec<TrendPoint>,
    /// The targets set on the place, with the indicators' names in the page's language.
    pub targets: Vec<PlaceTarget>,
    /// The years with flow data, newest first.
    pub years: Vec<i64>,
    /// From the year before the newest (flows read the next year's repeaters).
    pub flows: Option<FlowReport>,
    /// The gaps of the newest year.
    pub gaps: Option<(i64, Vec<GapRow>)>,
    /// The same year's gaps between each group of learners and the others.
    pub group_gaps: Vec<GroupGaps>,
    /// A school's plans.
    pub plans: Vec<PlanSummary>,
    pub threshold: i64,
    /// A unit's parts in the newest year.
    pub parts: Option<Breakdown>,
    /// Whether the reader may write the school's plans.
    pub may_write: bool,
}

/// A place's data page in `lang`: every figure it shows, kept as one ([`super::kept`]),
/// the place's years read once for the flows, the gaps and the parts.
pub async fn page(db: &Db, actor: &Actor, place: Place, lang: &str) -> Result<Page> {
    let stamp = kept::stamp(db).await?;
    kept::kept(db, actor, &stamp, format!("page {place:?} {lang}"), page_afresh(db, actor, place, lang)).await
}

async fn page_afresh(db: &Db, actor: &Actor, place: Place, lang: &str) -> Result<Page> {
    let name = place_name(db, actor, place).await?;
    let trend = trend_afresh(db, actor, place).await?;
    let targets = super::engine::targets_at_afresh(db, actor, place, lang).await?;
    let years = years_afresh(db, actor, place).await?;
    let flows = match years.get(1) {
        Some(year) => Some(super::flows::flow_report_afresh(db, actor, place, *year, None).await?),
        None => None,
    };
    let gaps = match years.first() {
        Some(year) => Some((*year, super::flows::proficiency_gaps_afresh(db, actor, place, *year, None).await?)),
        None => None,
    };
    let group_gaps = match years.first() {
        Some(year) => super::flows::group_gaps_afresh(db, actor, place, *year).await?,
        None => Vec::new(),
    };
    let (plans, parts, may_write) = match place {
        Place::School(id) => {
            (super::plans::list(db, actor, id).await?, None, super::plans::may_write(db, actor, id).await?)
        }
        Place::Unit(id) => (Vec::new(), Some(breakdown_afresh(db, actor, id, None, Some(&years)).await?), false),
    };
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    Ok(Page { name, trend, targets, years, flows, gaps, group_gaps, plans, threshold, parts, may_write })
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

/// A part's figures: its id, enrolled, repeating, assessed, learners with a score, the sum
/// of their scores (percent of each subject's maximum), learners assessed with bands and
/// those at proficient or above.
type Sums = (i64, Option<i64>, Option<i64>, Option<i64>, i64, Option<f64>, Option<i64>, Option<i64>);

/// A unit's parts with a year's figures (the newest year with data when `year` is none):
/// the units just below it, or its schools when it has none. Every part is listed, those
/// without data with empty figures. Counts a reader without row-level rights may not see
/// are hidden by the one rule, column by column (a part's count could otherwise be
/// subtracted from the unit's total), and the rates resting on them with them. Kept
/// ([`super::kept`]).
pub async fn breakdown(db: &Db, actor: &Actor, unit: i64, year: Option<i64>) -> Result<Breakdown> {
    let stamp = kept::stamp(db).await?;
    let question = format!("parts {unit} {year:?}");
    kept::kept(db, actor, &stamp, question, breakdown_afresh(db, actor, unit, year, None)).await
}

/// [`breakdown`] computed; `years` the place's years when read already.
async fn breakdown_afresh(
    db: &Db,
    actor: &Actor,
    unit: i64,
    year: Option<i64>,
    years: Option<&[i64]>,
) -> Result<Breakdown> {
    let clause = place_clause(db, actor, Place::Unit(unit)).await?;
    let threshold = opencpd_kernel::settings::small_cell_threshold(db).await?;
    let year = match (year, years) {
        (Some(y), _) => Some(y),
        (None, Some(years)) => years.first().copied(),
        (None, None) => years_afresh(db, actor, Place::Unit(unit)).await?.first().copied(),
    };
    let children: Vec<(i64, String, String, String)> = on_db!(db, |p| sqlx::query_as(
        "SELECT id, code, name, path FROM units WHERE parent_id = $1 ORDER BY name, id"
    )
    .bind(unit)
    .fetch_all(p)
    .await)?;
    let by_unit = !children.is_empty();
    let parts: Vec<(i64, String, String)> = if by_unit {
        children.iter().map(|(id, code, name, _)| (*id, code.clone(), name.clone())).collect()
    } else {
        let sql = format!("SELECT s.id, s.code, s.name FROM schools s WHERE {clause} ORDER BY s.name, s.id");
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?
    };
    let Some(year) = year else {
        return Ok(Breakdown { year: None, parts: Vec::new(), suppressed: false, threshold });
    };
    // Whole-year rows of all subjects give enrolment and repeaters; the subjects' rows give
    // the scores and bands, as the trend reads them. A unit's parts are its child units,
    // read from its cells split by unit (a row under no child, a school of the unit itself,
    // counts in none); a unit without any, its schools, read from their totals.
    let sums: std::collections::HashMap<i64, Sums> = if by_unit {
        let sql = format!(
            "SELECT o.unit_path, \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.enrolled END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.enrolled_n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.repeating END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.repeating_n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.assessed END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.assessed_n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.scored ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.scored <> 0 THEN 100.0 * o.score_sum / sub.max_score END) \
             AS DOUBLE PRECISION), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.banded_assessed END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.banded_proficient END) AS BIGINT) \
             FROM ({}) o LEFT JOIN outcome_subjects sub ON sub.id = o.subject_id \
             WHERE o.group_id = 0 GROUP BY o.unit_path",
            Cells::of(db, actor, Place::Unit(unit), &[year], Read::Cells)
                .await?
                .sql(Needs { rows: false, by_unit: true })
        );
        type Row =
            (String, Option<i64>, i64, Option<i64>, i64, Option<i64>, i64, i64, Option<f64>, Option<i64>, Option<i64>);
        let rows: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
        let add = |a: Option<i64>, b: Option<i64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        let mut by_child: std::collections::HashMap<i64, (Sums, [i64; 3])> = std::collections::HashMap::new();
        for (
            path,
            enrolled,
            enrolled_n,
            repeating,
            repeating_n,
            assessed,
            assessed_n,
            scored,
            score_sum,
            banded,
            proficient,
        ) in rows
        {
            let Some((id, ..)) = children.iter().find(|(.., p)| path.starts_with(p.as_str())) else { continue };
            let (sum, n) = by_child.entry(*id).or_insert(((*id, None, None, None, 0, None, None, None), [0; 3]));
            sum.1 = add(sum.1, enrolled);
            sum.2 = add(sum.2, repeating);
            sum.3 = add(sum.3, assessed);
            sum.4 += scored;
            sum.5 = match (sum.5, score_sum) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
            };
            sum.6 = add(sum.6, banded);
            sum.7 = add(sum.7, proficient);
            n[0] += enrolled_n;
            n[1] += repeating_n;
            n[2] += assessed_n;
        }
        // A count no row has a value for is empty, as a sum over no value is.
        by_child
            .into_values()
            .map(|(mut sum, n)| {
                for (value, n) in [(&mut sum.1, n[0]), (&mut sum.2, n[1]), (&mut sum.3, n[2])] {
                    if n == 0 {
                        *value = None;
                    }
                }
                (sum.0, sum)
            })
            .collect()
    } else {
        let sql = format!(
            "SELECT s.id, \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.enrolled END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id = 0 AND o.term = 0 THEN o.repeating END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.assessed END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 THEN o.scored ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.scored > 0 THEN 100.0 * o.score_sum / sub.max_score END) AS DOUBLE PRECISION), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL THEN o.assessed END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.subject_id <> 0 AND o.proficient IS NOT NULL \
                  THEN o.proficient + COALESCE(o.advanced, 0) END) AS BIGINT) \
             FROM school_outcome_totals o JOIN schools s ON s.id = o.school_id \
             LEFT JOIN outcome_subjects sub ON sub.id = o.subject_id \
             WHERE {clause} AND o.year = $1 GROUP BY s.id"
        );
        let rows: Vec<Sums> =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year).fetch_all(p).await)?;
        rows.into_iter().map(|r| (r.0, r)).collect()
    };
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
