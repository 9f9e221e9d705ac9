//! Flow rates, gender parity and equity gaps read from learner outcomes, for one school or
//! a unit at any level, in the reader's scope ([`ListScope`]), with small cells
//! suppressed through `opencpd_domain::suppression` for readers without row-level rights:
//! a hidden count hides every rate computed from it.
//!
//! Flows read the whole-year, all-subjects rows (term 0, subject 0) of all learners or of
//! one group, summed over the place's schools: `E(g, t)` from `enrolled`, `R(g, t+1)`
//! from the next year's `repeating`. A unit's are read from its cells
//! ([`super::unit_cells`]), a school's from its rows; several schools taken together
//! ([`schools_flows`], a programme's participants' schools) from theirs.

use super::unit_cells::{Cells, Needs, Read};
use crate::model::{Count, FlowReport, FlowRow, GapRow, Grade, GroupGaps, Place};
use opencpd_domain::access::{Action, Target, upper_bound};
use opencpd_domain::indicators::flows::{self, FlowRates, GroupRate};
use opencpd_domain::suppression::{self, Cell};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::collections::{BTreeMap, HashSet};

/// The SQL condition on `schools s` for a place, after checking the actor may read it.
pub(crate) async fn place_clause(db: &Db, actor: &Actor, place: Place) -> Result<String> {
    let scope = ListScope::of(actor).sql(Columns::path("s.unit_path").school("s.id"));
    match place {
        Place::School(id) => {
            let path: Option<String> =
                on_db!(db, |p| sqlx::query_scalar("SELECT unit_path FROM schools WHERE id = $1")
                    .bind(id)
                    .fetch_optional(p)
                    .await)?;
            let path = path.ok_or(Error::NotFound)?;
            actor.require(Action::Read, &Target::School { id, unit_path: &path })?;
            Ok(format!("s.id = {id} AND {scope}"))
        }
        Place::Unit(id) => {
            let path: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await)?;
            let path = path.ok_or(Error::NotFound)?;
            // A school leader reads their school's figures, not its unit's.
            if !actor.allows(Action::Read, &Target::Unit { path: &path }) {
                return Err(Error::NotFound);
            }
            debug_assert!(path.chars().all(|c| c.is_ascii_digit() || c == '/'));
            Ok(format!("s.unit_path >= '{path}' AND s.unit_path < '{}' AND {scope}", upper_bound(&path)))
        }
    }
}

/// The id of a learner group by code (0: all learners).
async fn group_id(db: &Db, group: Option<&str>) -> Result<i64> {
    let Some(code) = group else { return Ok(0) };
    let id: Option<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT id FROM learner_groups WHERE LOWER(code) = LOWER($1)")
            .bind(code)
            .fetch_optional(p)
            .await)?;
    id.ok_or_else(|| Error::invalid(opencpd_domain::Problem::new("unknown-group").in_column("group").with_value(code)))
}

/// Whether the actor reads small counts unhidden.
pub(crate) fn row_level(actor: &Actor) -> bool {
    actor.may(Action::ReadRows)
}

fn count(value: i64, cell: Cell, threshold: i64) -> Count {
    Count { value: (!cell.hidden()).then_some(value), shown: cell.text(value, threshold) }
}

/// Flow rates of every grade of `place` from `year` to `year + 1`; kept ([`super::kept`]).
pub async fn flow_report(db: &Db, actor: &Actor, place: Place, year: i64, group: Option<&str>) -> Result<FlowReport> {
    let stamp = super::kept::stamp(db).await?;
    let question = format!("flows {place:?} {year} {group:?}");
    super::kept::kept(db, actor, &stamp, question, flow_report_afresh(db, actor, place, year, group)).await
}

/// [`flow_report`] computed.
pub(crate) async fn flow_report_afresh(
    db: &Db,
    actor: &Actor,
    place: Place,
    year: i64,
    group: Option<&str>,
) -> Result<FlowReport> {
    let cells = Cells::of(db, actor, place, &[year, year + 1], Read::Cells).await?;
    let group_id = group_id(db, group).await?;
    let grades = super::reference::grades(db).await?;
    let sql = format!(
        "SELECT o.grade_id, o.year, o.sex, CAST(COALESCE(SUM(o.enrolled), 0) AS BIGINT), \
         CAST(COALESCE(SUM(o.repeating), 0) AS BIGINT) \
         FROM ({}) o \
         WHERE o.year IN ($1, $2) AND o.term = 0 AND o.subject_id = 0 AND o.group_id = $3 \
         GROUP BY o.grade_id, o.year, o.sex",
        cells.sql(Needs::default())
    );
    let rows: Vec<(i64, i64, String, i64, i64)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(year)
        .bind(year + 1)
        .bind(group_id)
        .fetch_all(p)
        .await)?;
    // [sex: 0 girls, 1 boys][grade index]: enrolment in t, enrolment and repeaters in t+1.
    let mut counts = Counts::new(grades.len());
    for (grade_id, y, sex, enrolled, repeating) in rows {
        let Some(g) = grades.iter().position(|x| x.id == grade_id) else { continue };
        counts.add(g, y > year, &sex, enrolled, repeating);
    }
    let threshold = super::small_cell_threshold(db).await?;
    let (rows, suppressed) = flow_rows(&grades, &counts, threshold, row_level(actor));
    Ok(FlowReport { place, year, group: group.map(String::from), grades: rows, suppressed, threshold })
}

/// Enrolment in a school year `t` (`E(g, t)`), and enrolment and repeaters in `t + 1`, by sex
/// (0 girls, 1 boys) and grade: what flow rates are read from.
struct Counts {
    e_t: [Vec<i64>; 2],
    e_next: [Vec<i64>; 2],
    r_next: [Vec<i64>; 2],
}

impl Counts {
    fn new(grades: usize) -> Counts {
        let zero = || [vec![0i64; grades], vec![0i64; grades]];
        Counts { e_t: zero(), e_next: zero(), r_next: zero() }
    }

    /// Girls and boys together: `E(g, t)`, `E(g, t+1)` and `R(g, t+1)` by grade.
    fn both_sexes(&self) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let sum = |v: &[Vec<i64>; 2]| -> Vec<i64> { v[0].iter().zip(&v[1]).map(|(f, m)| f + m).collect() };
        (sum(&self.e_t), sum(&self.e_next), sum(&self.r_next))
    }

    /// A row's learners of grade `g`: in `t`, or in `t + 1` (`next`).
    fn add(&mut self, g: usize, next: bool, sex: &str, enrolled: i64, repeating: i64) {
        let s = usize::from(sex != "F");
        if next {
            self.e_next[s][g] += enrolled;
            self.r_next[s][g] += repeating;
        } else {
            self.e_t[s][g] += enrolled;
        }
    }
}

/// Every grade's flow rates (`grades` in order) with the counts they are read from, small
/// cells hidden unless `unhidden` (a hidden count hides every rate computed from it); and
/// whether anything is hidden.
fn flow_rows(grades: &[Grade], counts: &Counts, threshold: i64, unhidden: bool) -> (Vec<FlowRow>, bool) {
    let Counts { e_t, e_next, r_next } = counts;
    let n = grades.len();
    let (all_e, all_en, all_r) = counts.both_sexes();
    let rates = flows::grade_rates(&all_e, &all_en, &all_r);
    let survival = flows::survival(&rates);
    let girls = flows::grade_rates(&e_t[0], &e_next[0], &r_next[0]);
    let boys = flows::grade_rates(&e_t[1], &e_next[1], &r_next[1]);

    let (e_cells, r_cells, en_cells, by_sex_small) = if unhidden {
        (vec![Cell::Shown; n], vec![Cell::Shown; n], vec![Cell::Shown; n], vec![false; n])
    } else {
        let small = (0..n)
            .map(|g| {
                [e_t, e_next, r_next].iter().any(|v| (0..2).any(|s| suppression::single(v[s][g], threshold).hidden()))
            })
            .collect();
        (
            suppression::column(&all_e, threshold),
            suppression::column(&all_r, threshold),
            all_en.iter().map(|v| suppression::single(*v, threshold)).collect(),
            small,
        )
    };
    // What each grade's promotion reads: its own E(g, t) and R(g, t+1)... and the next
    // grade's E and R in t+1.
    let promotion_hidden =
        |g: usize| e_cells[g].hidden() || (g + 1 < n && (en_cells[g + 1].hidden() || r_cells[g + 1].hidden()));
    let repetition_hidden = |g: usize| e_cells[g].hidden() || r_cells[g].hidden();
    let mut suppressed = false;
    let mut rows = Vec::with_capacity(n);
    let mut survival_hidden = false;
    for g in 0..n {
        let (rr_hidden, pr_hidden) = (repetition_hidden(g), promotion_hidden(g));
        let gpi_hidden = pr_hidden || by_sex_small[g] || (g + 1 < n && by_sex_small[g + 1]);
        let shown = |hidden: bool, v: Option<f64>| if hidden { None } else { v };
        let parity = girls[g].promotion.zip(boys[g].promotion);
        rows.push(FlowRow {
            grade: grades[g].code.clone(),
            enrolled: count(all_e[g], e_cells[g], threshold),
            repeating_next: count(all_r[g], r_cells[g], threshold),
            repetition: shown(rr_hidden, rates[g].repetition),
            promotion: shown(pr_hidden, rates[g].promotion),
            dropout: shown(rr_hidden || pr_hidden, rates[g].dropout),
            survival: shown(survival_hidden, survival[g]),
            promotion_parity: shown(gpi_hidden, parity.and_then(|(f, m)| flows::parity_index(f, m))),
            promotion_parity_adjusted: shown(gpi_hidden, parity.and_then(|(f, m)| flows::adjusted_parity_index(f, m))),
        });
        suppressed |= e_cells[g].hidden() || r_cells[g].hidden() || rr_hidden || pr_hidden || gpi_hidden;
        // Survival past this grade reads its rates.
        survival_hidden |= rr_hidden || pr_hidden;
    }
    (rows, suppressed)
}

/// The flows of several schools taken together from a school year `t` to `t + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolsFlow {
    /// `t`.
    pub year: i64,
    /// The schools it rests on: those with learners enrolled in both years.
    pub schools: i64,
    /// Every grade's rates, as a place's [`flow_report`] gives them.
    pub grades: Vec<FlowRow>,
    /// All grades together (`flows::across_grades`); none where a grade's rate it reads
    /// is hidden from the reader.
    pub all: FlowRates,
    /// Whether any count or rate is hidden for this reader.
    pub suppressed: bool,
}

/// The flows of a set of schools taken together (the programme's participants' schools,
/// say): those of `schools` the reader may read, from the latest school year `t` whose next
/// year any school has rows for, and from `t − 1`, latest first, each over the schools with
/// learners enrolled (whole-year rows of all learners, as [`flow_report`] reads) in both
/// of its years; a year with no such school is left out. The grades' rates are
/// [`flow_report`]'s, suppressed alike.
pub async fn schools_flows(db: &Db, actor: &Actor, schools: &HashSet<i64>) -> Result<Vec<SchoolsFlow>> {
    if schools.is_empty() {
        return Ok(Vec::new());
    }
    // A national year comes in for every school at once: the latest years any school has.
    let years: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT DISTINCT year FROM school_outcome_totals WHERE term = 0 AND subject_id = 0 AND enrolled > 0 \
         ORDER BY year DESC LIMIT 3"
    )
    .fetch_all(p)
    .await)?;
    if years.len() < 2 {
        return Ok(Vec::new());
    }
    let scope = ListScope::of(actor).sql(Columns::path("s.unit_path").school("s.id"));
    let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    // The schools in scope with learners enrolled, year by year, from the schools' totals
    // (a row a school and year): which schools each pair of years rests on.
    let sql = format!(
        "SELECT t.school_id, t.year FROM school_outcome_totals t JOIN schools s ON s.id = t.school_id \
         WHERE t.term = 0 AND t.subject_id = 0 AND t.enrolled > 0 AND t.year IN ({}) AND {scope}",
        list(&years)
    );
    let rows: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let mut enrolled_in: BTreeMap<i64, HashSet<i64>> = BTreeMap::new();
    for (school, year) in rows {
        if schools.contains(&school) {
            enrolled_in.entry(year).or_default().insert(school);
        }
    }
    let grades = super::reference::grades(db).await?;
    let threshold = super::small_cell_threshold(db).await?;
    let unhidden = row_level(actor);
    let mut out = Vec::new();
    for pair in years.windows(2) {
        let (next, year) = (pair[0], pair[1]);
        let (Some(now), Some(then)) = (enrolled_in.get(&year), enrolled_in.get(&next)) else { continue };
        let mut both: Vec<i64> = now.intersection(then).copied().collect();
        if next != year + 1 || both.is_empty() {
            continue;
        }
        both.sort_unstable();
        // Their rows of the two years summed by the database, per year, grade and sex.
        let sql = format!(
            "SELECT o.year, o.grade_id, o.sex, CAST(COALESCE(SUM(o.enrolled), 0) AS BIGINT), \
             CAST(COALESCE(SUM(o.repeating), 0) AS BIGINT) FROM learner_outcomes o \
             WHERE o.year IN ($1, $2) AND o.term = 0 AND o.subject_id = 0 AND o.group_id = 0 AND o.school_id IN ({}) \
             GROUP BY o.year, o.grade_id, o.sex",
            list(&both)
        );
        let rows: Vec<(i64, i64, String, i64, i64)> =
            on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year).bind(next).fetch_all(p).await)?;
        let mut counts = Counts::new(grades.len());
        for (y, grade, sex, enrolled, repeating) in rows {
            if let Some(g) = grades.iter().position(|x| x.id == grade) {
                counts.add(g, y == next, &sex, enrolled, repeating);
            }
        }
        let (rows, suppressed) = flow_rows(&grades, &counts, threshold, unhidden);
        let (enrolled, enrolled_next, repeating_next) = counts.both_sexes();
        let rates = flows::grade_rates(&enrolled, &enrolled_next, &repeating_next);
        // A grade's rate the reader does not see hides the rates of all grades it enters.
        let hidden = rates.iter().zip(&rows).zip(&enrolled).any(|((rate, row), e)| {
            *e > 0 && rate.promotion.is_some() && (row.promotion.is_none() || row.repetition.is_none())
        });
        let all = if hidden {
            FlowRates { repetition: None, promotion: None, dropout: None }
        } else {
            flows::across_grades(&enrolled.iter().copied().zip(rates).collect::<Vec<_>>())
        };
        out.push(SchoolsFlow { year, schools: both.len() as i64, grades: rows, all, suppressed });
    }
    Ok(out)
}

/// Girls against boys in the share of assessed learners at proficient or above, per
/// grade, for one subject (or every subject together), with the sample sizes; kept
/// ([`super::kept`]).
pub async fn proficiency_gaps(
    db: &Db,
    actor: &Actor,
    place: Place,
    year: i64,
    subject: Option<&str>,
) -> Result<Vec<GapRow>> {
    let stamp = super::kept::stamp(db).await?;
    let question = format!("gaps {place:?} {year} {subject:?}");
    super::kept::kept(db, actor, &stamp, question, proficiency_gaps_afresh(db, actor, place, year, subject)).await
}

/// [`proficiency_gaps`] computed.
pub(crate) async fn proficiency_gaps_afresh(
    db: &Db,
    actor: &Actor,
    place: Place,
    year: i64,
    subject: Option<&str>,
) -> Result<Vec<GapRow>> {
    let cells = Cells::of(db, actor, place, &[year], Read::Cells).await?;
    let grades = super::reference::grades(db).await?;
    let subject_clause = match subject {
        None => "o.subject_id <> 0".to_string(),
        Some(code) => {
            let id: Option<i64> =
                on_db!(db, |p| sqlx::query_scalar("SELECT id FROM outcome_subjects WHERE LOWER(code) = LOWER($1)")
                    .bind(code)
                    .fetch_optional(p)
                    .await)?;
            let id = id.ok_or_else(|| {
                Error::invalid(opencpd_domain::Problem::new("unknown-subject").in_column("subject").with_value(code))
            })?;
            format!("o.subject_id = {id}")
        }
    };
    let sql = format!(
        "SELECT o.grade_id, o.sex, CAST(COALESCE(SUM(o.proficient), 0) + COALESCE(SUM(o.advanced), 0) AS BIGINT), \
         CAST(COALESCE(SUM(o.assessed), 0) AS BIGINT) \
         FROM ({}) o \
         WHERE o.year = $1 AND o.group_id = 0 AND {subject_clause} \
         GROUP BY o.grade_id, o.sex",
        cells.sql(Needs::default())
    );
    let rows: Vec<(i64, String, i64, i64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year).fetch_all(p).await)?;
    let threshold = super::small_cell_threshold(db).await?;
    let unhidden = row_level(actor);
    let mut out = Vec::new();
    for grade in &grades {
        let of = |sex: &str| {
            rows.iter()
                .find(|r| r.0 == grade.id && r.1 == sex)
                .map(|r| GroupRate { count: r.2, size: r.3 })
                .unwrap_or(GroupRate { count: 0, size: 0 })
        };
        if let Some(row) = gap_row(&grade.code, of("F"), of("M"), true, unhidden, threshold) {
            out.push(row);
        }
    }
    Ok(out)
}

/// A grade's gap between two groups (none when neither has learners): the counts of both
/// with their sizes are a table of two lines (counted, out of) with known totals, hidden
/// by the one rule for a reader without row-level rights, and the gap with them; the
/// adjusted parity index for girls and boys (`parity`).
fn gap_row(grade: &str, a: GroupRate, b: GroupRate, parity: bool, unhidden: bool, threshold: i64) -> Option<GapRow> {
    if a.size == 0 && b.size == 0 {
        return None;
    }
    let gap = flows::equity_gap(a, b);
    let cells = if unhidden {
        vec![vec![Cell::Shown; 2]; 2]
    } else {
        suppression::table(&[vec![a.count, b.count], vec![a.size, b.size]], threshold, true)
    };
    let hidden = cells.iter().flatten().any(|c| c.hidden());
    Some(GapRow {
        grade: grade.to_string(),
        first: count(a.count, cells[0][0], threshold),
        first_size: count(a.size, cells[1][0], threshold),
        second: count(b.count, cells[0][1], threshold),
        second_size: count(b.size, cells[1][1], threshold),
        points: if hidden { None } else { gap.points },
        parity_adjusted: if hidden || !parity {
            None
        } else {
            a.rate().zip(b.rate()).and_then(|(a, b)| flows::adjusted_parity_index(a, b))
        },
    })
}

/// Each group of learners the deployment defines against the other learners (every
/// learner but the group's, both sexes) in the share assessed at proficient or above, per
/// grade, every subject together, in one year, with the sample sizes; a group without
/// learners assessed at the place that year is left out. Suppressed as
/// [`proficiency_gaps`] is.
pub(crate) async fn group_gaps_afresh(db: &Db, actor: &Actor, place: Place, year: i64) -> Result<Vec<GroupGaps>> {
    let groups = super::reference::groups(db).await?;
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let cells = Cells::of(db, actor, place, &[year], Read::Cells).await?;
    let grades = super::reference::grades(db).await?;
    let sql = format!(
        "SELECT o.grade_id, o.group_id, CAST(COALESCE(SUM(o.proficient), 0) + COALESCE(SUM(o.advanced), 0) AS BIGINT), \
         CAST(COALESCE(SUM(o.assessed), 0) AS BIGINT) \
         FROM ({}) o \
         WHERE o.year = $1 AND o.subject_id <> 0 \
         GROUP BY o.grade_id, o.group_id",
        cells.sql(Needs::default())
    );
    let rows: Vec<(i64, i64, i64, i64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(year).fetch_all(p).await)?;
    let of = |grade: i64, group: i64| {
        rows.iter()
            .find(|r| r.0 == grade && r.1 == group)
            .map(|r| GroupRate { count: r.2, size: r.3 })
            .unwrap_or(GroupRate { count: 0, size: 0 })
    };
    let threshold = super::small_cell_threshold(db).await?;
    let unhidden = row_level(actor);
    let mut out = Vec::new();
    for group in &groups {
        let mut gaps = Vec::new();
        for grade in &grades {
            let (theirs, all) = (of(grade.id, group.id), of(grade.id, 0));
            if theirs.size == 0 {
                continue;
            }
            // The group's learners are among all learners: the others are the rest.
            let others = GroupRate { count: (all.count - theirs.count).max(0), size: (all.size - theirs.size).max(0) };
            gaps.extend(gap_row(&grade.code, theirs, others, false, unhidden, threshold));
        }
        if !gaps.is_empty() {
            out.push(GroupGaps { code: group.code.clone(), name: group.name.clone(), rows: gaps });
        }
    }
    Ok(out)
}
