//! Reports on peer learning and coaching, for one term, grouped by the units of one level
//! (sector, district…) inside the reader's scope, optionally within one unit:
//!
//! - [`cascade`]: a programme's coaching cascade as a tree, each coach with the coverage of
//!   their own coachees, and the coverage at each level of the cascade;
//! - [`head_teachers_visited`]: the share of head teachers with at least one visit;
//! - [`plc_regularity`]: PLC meetings held against planned, and members' attendance;
//! - [`action_points`]: action points due in the term, closed on time, late or overdue;
//! - [`leaders_of_learning`]: the share of head teachers who are national or local leaders
//!   of learning.
//!
//! Counts of people go through `opencpd_domain::suppression` for readers without row-level
//! rights (column by column; a share built on a hidden count is not given); counts of
//! meetings and PLCs are shown.

use super::{count, not_found, unknown};
use crate::model::{Share, ShownCount, Term};
use chrono::NaiveDate;
use opencpd_domain::Problem;
use opencpd_domain::access::{Action, upper_bound};
use opencpd_domain::peer::{self, CoacheeVisits, Coverage, PointState, percent};
use opencpd_domain::suppression::{self, Cell};
use opencpd_kernel::cache::Cache;
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Result, on_db};
use std::collections::{BTreeMap, HashMap, HashSet};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    ActionPointRow, ActionPointsReport, Cascade, CascadeLevel, CascadeNode, HeadTeacherRow, HeadTeachersVisited,
    LeaderRow, LeadersOfLearning, PlcRegularity, PlcRow, Shown,
};

/// What every grouped report is read for.
#[derive(Debug, Clone)]
pub struct Grouping<'a> {
    pub term: &'a Term,
    /// The level key rows are grouped by (`sector`, `district`, …).
    pub level: &'a str,
    /// Only what lies within this unit (by code).
    pub within: Option<&'a str>,
}

async fn shown(db: &Db, actor: &Actor) -> Result<Shown> {
    Ok(Shown { small_cell_threshold: super::small_cell_threshold(db).await?, suppressed: !actor.may(Action::ReadRows) })
}

/// The unit level keys reports may be grouped by, from the top down.
pub async fn level_keys(db: &Db) -> Result<Vec<String>> {
    let rows: Vec<(String, i64)> =
        on_db!(db, |p| sqlx::query_as("SELECT key, MIN(depth) AS d FROM unit_levels GROUP BY key ORDER BY d, key")
            .fetch_all(p)
            .await)?;
    Ok(rows.into_iter().map(|(k, _)| k).collect())
}

/// The depth of a level key, and the path filter of `within`.
async fn place_filter(db: &Db, g: &Grouping<'_>) -> Result<(i64, Option<String>)> {
    let depth: Option<i64> = on_db!(db, |p| sqlx::query_scalar("SELECT MIN(depth) FROM unit_levels WHERE key = $1")
        .bind(g.level.trim())
        .fetch_one(p)
        .await)?;
    let Some(depth) = depth else {
        let keys: Vec<String> =
            on_db!(db, |p| sqlx::query_scalar("SELECT DISTINCT key FROM unit_levels ORDER BY key").fetch_all(p).await)?;
        return Err(Problem::new("bad-choice")
            .in_column("level")
            .with_value(g.level.trim())
            .arg("allowed", keys.join(", "))
            .into());
    };
    let within = match g.within.map(str::trim).filter(|w| !w.is_empty()) {
        Some(code) => {
            let path: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
            Some(path.ok_or_else(|| unknown("unknown-unit", "within", code))?)
        }
        None => None,
    };
    Ok((depth, within))
}

/// A SQL condition keeping `column` within `path` (true without one). Paths are digits and
/// `/`, written into the text as the scope's are.
fn within_sql(column: &str, path: &Option<String>) -> String {
    match path {
        Some(p) => {
            debug_assert!(p.chars().all(|c| c.is_ascii_digit() || c == '/'));
            format!("({column} >= '{p}' AND {column} < '{}')", upper_bound(p))
        }
        None => "1 = 1".into(),
    }
}

/// The unit at `depth` on a path (`/1/7/42/`: depth 0 is 1); the deepest one for a path
/// that stops above it.
fn unit_at(path: &str, depth: i64) -> Option<i64> {
    let ids: Vec<i64> = path.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
    ids.get(depth as usize).or(ids.last()).copied()
}

async fn unit_names(db: &Db, ids: &[i64]) -> Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    let sql = format!("SELECT id, name FROM units WHERE id IN ({})", list.join(", "));
    let rows: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    Ok(rows.into_iter().collect())
}

/// Counts shown column by column (rows × columns), and the totals each alone.
fn suppress(counts: &[Vec<i64>], totals: &[i64], s: &Shown) -> (Vec<Vec<ShownCount>>, Vec<ShownCount>) {
    let k = s.small_cell_threshold;
    if !s.suppressed {
        let all = counts.iter().map(|r| r.iter().map(|v| count(*v, Cell::Shown, k)).collect()).collect();
        return (all, totals.iter().map(|v| count(*v, Cell::Shown, k)).collect());
    }
    let cells = suppression::table(counts, k, false);
    let rows =
        counts.iter().zip(cells).map(|(r, c)| r.iter().zip(c).map(|(v, cell)| count(*v, cell, k)).collect()).collect();
    (rows, totals.iter().map(|v| count(*v, suppression::single(*v, k), k)).collect())
}

/// Head teachers grouped by their unit at `depth`, with how many of each group are among
/// `marked`: each group as (unit id, unit name, [head teachers, marked]) in the order of
/// the names, and the totals, suppressed for the reader.
async fn heads_marked(
    db: &Db,
    actor: &Actor,
    depth: i64,
    heads: &[(i64, String)],
    marked: &HashSet<i64>,
) -> Result<(Shown, Vec<(i64, String, Vec<ShownCount>)>, Vec<ShownCount>)> {
    let mut groups: BTreeMap<i64, [i64; 2]> = BTreeMap::new();
    for (person, path) in heads {
        if let Some(unit) = unit_at(path, depth) {
            let e = groups.entry(unit).or_default();
            e[0] += 1;
            e[1] += i64::from(marked.contains(person));
        }
    }
    let s = shown(db, actor).await?;
    let ids: Vec<i64> = groups.keys().copied().collect();
    let names = unit_names(db, &ids).await?;
    let counts: Vec<Vec<i64>> = groups.values().map(|v| v.to_vec()).collect();
    let totals = [counts.iter().map(|r| r[0]).sum::<i64>(), counts.iter().map(|r| r[1]).sum::<i64>()];
    let (cells, total) = suppress(&counts, &totals, &s);
    let mut rows: Vec<(i64, String, Vec<ShownCount>)> =
        ids.iter().zip(cells).map(|(id, c)| (*id, names.get(id).cloned().unwrap_or_default(), c)).collect();
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok((s, rows, total))
}

/// `part / whole` in percent when both are shown.
fn share(part: &ShownCount, whole: &ShownCount) -> Share {
    percent(part.value?, whole.value?)
}

fn last_day(term: &Term) -> NaiveDate {
    term.end_on.min(opencpd_kernel::today())
}

// ---------------------------------------------------------------- kept while true

/// A grouped report as computed.
#[derive(Clone)]
enum Grouped {
    Visited(HeadTeachersVisited),
    Leaders(LeadersOfLearning),
    Regularity(PlcRegularity),
    Points(ActionPointsReport),
}

/// Report, reader's grants, term (id, name, days), level, unit within, the day, and the
/// last event of the audit trail.
type GroupedKey = (&'static str, String, (i64, String, NaiveDate, NaiveDate), String, Option<String>, NaiveDate, i64);

/// The grouped reports as computed, each kept under the audit trail's last event: every
/// write OpenCPD makes records its event in its own transaction, so a meeting, a visit, a
/// relation, an action point or a position written since is read under a new key and
/// computed afresh. An entry is kept 30 s at most besides (what the reports read of
/// settings, such as the small-cell threshold). Twenty managers opening the national
/// report at once compute it once each change, not twenty times, even when they arrive
/// together (they share the one computation).
static GROUPED: Cache<GroupedKey, Grouped> = Cache::new("peer reports", 512, Some(std::time::Duration::from_secs(30)));

async fn grouped<T>(
    db: &Db,
    actor: &Actor,
    report: &'static str,
    g: &Grouping<'_>,
    wrap: fn(T) -> Grouped,
    unwrap: fn(Grouped) -> Option<T>,
    compute: impl std::future::Future<Output = Result<T>>,
) -> Result<T>
where
    T: Clone,
{
    let last = opencpd_kernel::stamps::audited(db).await?;
    let term = (g.term.id, g.term.name.clone(), g.term.start_on, g.term.end_on);
    let within = g.within.map(|w| w.trim().to_string());
    let key = (
        report,
        format!("{:?}", actor.grants),
        term,
        g.level.trim().to_string(),
        within,
        opencpd_kernel::today(),
        last,
    );
    let kept = GROUPED.get_or_compute(db, key, || async { compute.await.map(wrap) }).await?;
    unwrap(kept).ok_or_else(|| anyhow::anyhow!("peer report {report} kept as another").into())
}

/// The share of head teachers with at least one visit in the term, by unit.
pub async fn head_teachers_visited(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<HeadTeachersVisited> {
    let unwrap = |v| if let Grouped::Visited(r) = v { Some(r) } else { None };
    grouped(db, actor, "visited", g, Grouped::Visited, unwrap, compute_head_teachers_visited(db, actor, g)).await
}

/// The share of head teachers who are national or local leaders of learning, by unit.
pub async fn leaders_of_learning(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<LeadersOfLearning> {
    let unwrap = |v| if let Grouped::Leaders(r) = v { Some(r) } else { None };
    grouped(db, actor, "leaders", g, Grouped::Leaders, unwrap, compute_leaders_of_learning(db, actor, g)).await
}

/// PLC meetings held against planned in the term, and members' attendance, by unit.
pub async fn plc_regularity(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<PlcRegularity> {
    let unwrap = |v| if let Grouped::Regularity(r) = v { Some(r) } else { None };
    grouped(db, actor, "regularity", g, Grouped::Regularity, unwrap, compute_plc_regularity(db, actor, g)).await
}

/// Action points due in the term: closed on time, late or overdue, by unit.
pub async fn action_points(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<ActionPointsReport> {
    let unwrap = |v| if let Grouped::Points(r) = v { Some(r) } else { None };
    grouped(db, actor, "points", g, Grouped::Points, unwrap, compute_action_points(db, actor, g)).await
}

// ---------------------------------------------------------------- head teachers visited

/// Head teachers in scope today: (person, path of their school).
async fn head_teachers(db: &Db, actor: &Actor, within: &Option<String>) -> Result<Vec<(i64, String)>> {
    let sql = format!(
        "SELECT DISTINCT x.person_id, x.path FROM positions x WHERE x.role = 'head_teacher' AND x.start_date <= $1 \
         AND (x.end_date IS NULL OR x.end_date >= $1) AND {} AND {}",
        ListScope::of(actor).sql(Columns::path("x.path").school("x.school_id").person("x.person_id")),
        within_sql("x.path", within)
    );
    let rows: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(opencpd_kernel::today())
        .fetch_all(p)
        .await)?;
    // One place a person (the first read), so no one counts twice.
    let mut seen = HashSet::new();
    Ok(rows.into_iter().filter(|(id, _)| seen.insert(*id)).collect())
}

async fn compute_head_teachers_visited(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<HeadTeachersVisited> {
    let (depth, within) = place_filter(db, g).await?;
    let heads = head_teachers(db, actor, &within).await?;
    let sql = format!(
        "SELECT DISTINCT v.coachee_id FROM coaching_visits v WHERE v.visited_on >= $1 AND v.visited_on <= $2 AND {} AND {}",
        ListScope::of(actor).sql(Columns::path("v.coachee_path").school("v.coachee_school_id").person("v.coachee_id")),
        within_sql("v.coachee_path", &within)
    );
    let visited: Vec<i64> = on_db!(db, |p| sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
        .bind(g.term.start_on)
        .bind(g.term.end_on)
        .fetch_all(p)
        .await)?;
    let visited: HashSet<i64> = visited.into_iter().collect();
    let (s, groups, total) = heads_marked(db, actor, depth, &heads, &visited).await?;
    let row = |unit_id: i64, unit_name: String, c: &[ShownCount]| HeadTeacherRow {
        unit_id,
        unit_name,
        share: share(&c[1], &c[0]),
        head_teachers: c[0].clone(),
        visited: c[1].clone(),
    };
    let rows = groups.into_iter().map(|(id, name, c)| row(id, name, &c)).collect();
    Ok(HeadTeachersVisited {
        term: g.term.name.clone(),
        level: g.level.trim().to_string(),
        shown: s,
        rows,
        total: row(0, String::new(), &total),
    })
}

// ---------------------------------------------------------------- leaders of learning

async fn compute_leaders_of_learning(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<LeadersOfLearning> {
    let (depth, within) = place_filter(db, g).await?;
    let heads = head_teachers(db, actor, &within).await?;
    let leaders: Vec<i64> = on_db!(db, |p| {
        sqlx::query_scalar(
        "SELECT DISTINCT person_id FROM positions WHERE role IN ('national_leader_of_learning', 'local_leader_of_learning') \
         AND start_date <= $1 AND (end_date IS NULL OR end_date >= $1)"
    )
    .bind(opencpd_kernel::today())
    .fetch_all(p)
    .await
    })?;
    let leaders: HashSet<i64> = leaders.into_iter().collect();
    let (s, groups, total) = heads_marked(db, actor, depth, &heads, &leaders).await?;
    let row = |unit_id: i64, unit_name: String, c: &[ShownCount]| LeaderRow {
        unit_id,
        unit_name,
        share: share(&c[1], &c[0]),
        head_teachers: c[0].clone(),
        leaders: c[1].clone(),
    };
    let rows = groups.into_iter().map(|(id, name, c)| row(id, name, &c)).collect();
    Ok(LeadersOfLearning { level: g.level.trim().to_string(), shown: s, rows, total: row(0, String::new(), &total) })
}

// ---------------------------------------------------------------- PLC regularity

async fn compute_plc_regularity(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<PlcRegularity> {
    let (depth, within) = place_filter(db, g).await?;
    let place = format!(
        "{} AND {}",
        ListScope::of(actor).sql(Columns::path("g.unit_path").school("g.school_id")),
        within_sql("g.unit_path", &within)
    );
    let sql = format!(
        "SELECT g.id, g.unit_path, g.meetings_per_term, (SELECT COUNT(*) FROM plc_people x WHERE x.plc_id = g.id) \
         FROM plcs g WHERE {place}"
    );
    let plcs: Vec<(i64, String, i64, i64)> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?;
    let last = last_day(g.term);
    let sql = format!(
        "SELECT m.plc_id, COUNT(DISTINCT m.id), \
         COALESCE(SUM(CASE WHEN a.person_id IS NOT NULL AND NOT a.guest THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN a.guest THEN 1 ELSE 0 END), 0) \
         FROM plc_meetings m JOIN plcs g ON g.id = m.plc_id LEFT JOIN plc_attendance a ON a.meeting_id = m.id \
         WHERE m.held_on >= $1 AND m.held_on <= $2 AND {place} GROUP BY m.plc_id"
    );
    let held: Vec<(i64, i64, i64, i64)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(g.term.start_on)
        .bind(last)
        .fetch_all(p)
        .await)?;
    let held: HashMap<i64, (i64, i64, i64)> = held.into_iter().map(|(id, m, p, gu)| (id, (m, p, gu))).collect();
    let term_days = (g.term.end_on - g.term.start_on).num_days() + 1;
    let days = (last - g.term.start_on).num_days() + 1;
    // unit → [plcs, planned, held, expected, present, guests]
    let mut groups: BTreeMap<i64, [i64; 6]> = BTreeMap::new();
    for (id, path, per_term, members) in &plcs {
        let Some(unit) = unit_at(path, depth) else { continue };
        let (meetings, present, guests) = held.get(id).copied().unwrap_or((0, 0, 0));
        let e = groups.entry(unit).or_default();
        e[0] += 1;
        e[1] += peer::planned_meetings(*per_term, days, term_days);
        e[2] += meetings;
        e[3] += members * meetings;
        e[4] += present;
        e[5] += guests;
    }
    let s = shown(db, actor).await?;
    let ids: Vec<i64> = groups.keys().copied().collect();
    let names = unit_names(db, &ids).await?;
    let people: Vec<Vec<i64>> = groups.values().map(|v| vec![v[3], v[4], v[5]]).collect();
    let sums: Vec<i64> = (0..6).map(|i| groups.values().map(|v| v[i]).sum()).collect();
    let (cells, total) = suppress(&people, &sums[3..], &s);
    let row = |unit_id: i64, unit_name: String, v: &[i64], c: &[ShownCount]| PlcRow {
        unit_id,
        unit_name,
        plcs: v[0],
        planned: v[1],
        held: v[2],
        regularity: peer::regularity(v[2], v[1]),
        attendance: share(&c[1], &c[0]),
        expected: c[0].clone(),
        present: c[1].clone(),
        guests: c[2].clone(),
    };
    let mut rows: Vec<PlcRow> = ids
        .iter()
        .zip(groups.values())
        .zip(&cells)
        .map(|((id, v), c)| row(*id, names.get(id).cloned().unwrap_or_default(), v, c))
        .collect();
    rows.sort_by(|a, b| a.unit_name.cmp(&b.unit_name).then(a.unit_id.cmp(&b.unit_id)));
    Ok(PlcRegularity {
        term: g.term.name.clone(),
        level: g.level.trim().to_string(),
        shown: s,
        rows,
        total: row(0, String::new(), &sums, &total),
    })
}

// ---------------------------------------------------------------- action points on time

async fn compute_action_points(db: &Db, actor: &Actor, g: &Grouping<'_>) -> Result<ActionPointsReport> {
    let (depth, within) = place_filter(db, g).await?;
    let last = last_day(g.term);
    let sql = format!(
        "SELECT a.id, a.unit_path, a.agreed_on, a.due_on, a.status, a.closed_on FROM plc_action_points a \
         WHERE a.due_on >= $1 AND a.due_on <= $2 AND {} AND {}",
        ListScope::of(actor).sql(Columns::path("a.unit_path").school("a.school_id")),
        within_sql("a.unit_path", &within)
    );
    type Row = (i64, String, NaiveDate, NaiveDate, String, Option<NaiveDate>);
    let points: Vec<Row> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(g.term.start_on)
        .bind(last)
        .fetch_all(p)
        .await)?;
    let mut by_unit: BTreeMap<i64, Vec<PointState>> = BTreeMap::new();
    for (id, path, agreed_on, due_on, status, closed_on) in points {
        let Some(unit) = unit_at(&path, depth) else { continue };
        let status = peer::ActionStatus::parse(&status).unwrap_or(peer::ActionStatus::Open);
        by_unit.entry(unit).or_default().push(PointState { id, agreed_on, due_on, status, closed_on });
    }
    let counts: Vec<Vec<i64>> = by_unit
        .values()
        .map(|points| {
            let t = peer::on_time(points, last);
            vec![t.due, t.closed_on_time, t.closed_late, t.overdue]
        })
        .collect();
    let totals: Vec<i64> = (0..4).map(|i| counts.iter().map(|r| r[i]).sum()).collect();
    let s = shown(db, actor).await?;
    let ids: Vec<i64> = by_unit.keys().copied().collect();
    let names = unit_names(db, &ids).await?;
    let (cells, total) = suppress(&counts, &totals, &s);
    let row = |unit_id: i64, unit_name: String, c: &[ShownCount]| ActionPointRow {
        unit_id,
        unit_name,
        share_on_time: share(&c[1], &c[0]),
        due: c[0].clone(),
        on_time: c[1].clone(),
        late: c[2].clone(),
        overdue: c[3].clone(),
    };
    let mut rows: Vec<ActionPointRow> =
        ids.iter().zip(&cells).map(|(id, c)| row(*id, names.get(id).cloned().unwrap_or_default(), c)).collect();
    rows.sort_by(|a, b| a.unit_name.cmp(&b.unit_name).then(a.unit_id.cmp(&b.unit_id)));
    Ok(ActionPointsReport {
        term: g.term.name.clone(),
        level: g.level.trim().to_string(),
        shown: s,
        rows,
        total: row(0, String::new(), &total),
    })
}

// ---------------------------------------------------------------- the cascade

/// The visits (day, next visit) of each (coach, coachee).
type VisitsByPair = HashMap<(i64, i64), Vec<(NaiveDate, Option<NaiveDate>)>>;

/// The cascade of a programme as the actor reads it (relations whose coachee is in scope,
/// or where the actor is coach or coachee), optionally within one unit.
pub async fn cascade(
    db: &Db,
    actor: &Actor,
    programme_code: &str,
    term: &Term,
    within: Option<&str>,
) -> Result<Cascade> {
    let programme = super::programme_id(db, programme_code)
        .await?
        .ok_or_else(|| unknown("unknown-programme", "programme", programme_code.trim()))?;
    let within = match within.map(str::trim).filter(|w| !w.is_empty()) {
        Some(code) => {
            let path: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
                .bind(code)
                .fetch_optional(p)
                .await)?;
            Some(path.ok_or_else(|| unknown("unknown-unit", "within", code))?)
        }
        None => None,
    };
    let people = super::actor_people(db, actor).await?;
    let filter =
        format!("{} AND {}", super::coaching::readable(actor, &people, "r"), within_sql("r.coachee_path", &within));
    let sql = format!(
        "SELECT r.coach_id, r.coachee_id FROM coaching_relations r WHERE r.programme_id = $1 \
         AND (r.end_on IS NULL OR r.end_on >= $2) AND {filter}"
    );
    let pairs: Vec<(i64, i64)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(programme)
        .bind(term.start_on)
        .fetch_all(p)
        .await)?;
    let sql = format!(
        "SELECT r.coach_id, r.coachee_id, r.visited_on FROM coaching_visits r WHERE r.programme_id = $1 \
         AND r.visited_on >= $2 AND r.visited_on <= $3 AND {filter}"
    );
    let visits: Vec<(i64, i64, NaiveDate)> = on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(programme)
        .bind(term.start_on)
        .bind(term.end_on)
        .fetch_all(p)
        .await)?;
    let mut everyone: Vec<i64> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    everyone.sort_unstable();
    everyone.dedup();
    let names = super::names(db, &everyone).await?;
    let dterm = peer::Term { start: term.start_on, end: term.end_on };

    let mut below: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (coach, coachee) in &pairs {
        below.entry(*coach).or_default().push(*coachee);
    }
    // Visits by (coach, coachee), and by coachee from any coach.
    let mut by_pair: VisitsByPair = HashMap::new();
    let mut by_coachee: HashMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>> = HashMap::new();
    for (coach, coachee, day) in &visits {
        by_pair.entry((*coach, *coachee)).or_default().push((*day, None));
        by_coachee.entry(*coachee).or_default().push((*day, None));
    }
    let coached: HashSet<i64> = pairs.iter().map(|(_, e)| *e).collect();
    let mut roots: Vec<i64> = below.keys().copied().filter(|c| !coached.contains(c)).collect();
    roots.sort_by(|a, b| names.get(a).cmp(&names.get(b)).then(a.cmp(b)));

    fn node(
        person: i64,
        below: &BTreeMap<i64, Vec<i64>>,
        by_pair: &VisitsByPair,
        names: &HashMap<i64, String>,
        term: &peer::Term,
        way: &mut Vec<i64>,
    ) -> CascadeNode {
        way.push(person);
        let own: Vec<i64> = below.get(&person).cloned().unwrap_or_default();
        let list: Vec<CoacheeVisits> = own
            .iter()
            .map(|c| CoacheeVisits { coachee: *c, visits: by_pair.get(&(person, *c)).cloned().unwrap_or_default() })
            .collect();
        let cov = peer::coverage(&list, term);
        let mut children: Vec<CascadeNode> = Vec::new();
        for c in &own {
            if !way.contains(c) {
                children.push(node(*c, below, by_pair, names, term, way));
            }
        }
        children.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
        way.pop();
        CascadeNode {
            person_id: person,
            name: names.get(&person).cloned().unwrap_or_default(),
            coachees: cov.coachees,
            visited: cov.visited,
            visits: cov.visits,
            repeat: cov.repeat,
            share: cov.share(),
            visits_per_coachee: cov.visits_per_coachee(),
            children,
        }
    }
    let tree: Vec<CascadeNode> =
        roots.iter().map(|r| node(*r, &below, &by_pair, &names, &dterm, &mut Vec::new())).collect();

    // Each person's depth: the shortest way down from a top coach.
    let mut depth: HashMap<i64, i64> = roots.iter().map(|r| (*r, 0)).collect();
    let mut queue: std::collections::VecDeque<i64> = roots.iter().copied().collect();
    while let Some(p) = queue.pop_front() {
        let d = depth[&p];
        for c in below.get(&p).into_iter().flatten() {
            if !depth.contains_key(c) {
                depth.insert(*c, d + 1);
                queue.push_back(*c);
            }
        }
    }
    let mut levels: BTreeMap<i64, Vec<CoacheeVisits>> = BTreeMap::new();
    for (person, d) in &depth {
        if *d > 0 {
            let visits = by_coachee.get(person).cloned().unwrap_or_default();
            levels.entry(*d).or_default().push(CoacheeVisits { coachee: *person, visits });
        }
    }
    let covs: Vec<(i64, Coverage)> = levels.iter().map(|(d, list)| (*d, peer::coverage(list, &dterm))).collect();
    let s = shown(db, actor).await?;
    let counts: Vec<Vec<i64>> = covs.iter().map(|(_, c)| vec![c.coachees, c.visited, c.visits, c.repeat]).collect();
    let (cells, _) = suppress(&counts, &[], &s);
    let levels = covs
        .iter()
        .zip(cells)
        .map(|((d, cov), c)| CascadeLevel {
            depth: *d,
            share: share(&c[1], &c[0]),
            visits_per_coachee: if c[0].value.is_some() && c[2].value.is_some() {
                cov.visits_per_coachee()
            } else {
                None
            },
            coachees: c[0].clone(),
            visited: c[1].clone(),
            visits: c[2].clone(),
            repeat: c[3].clone(),
        })
        .collect();
    let code: Option<String> = on_db!(db, |p| sqlx::query_scalar("SELECT code FROM programmes WHERE id = $1")
        .bind(programme)
        .fetch_optional(p)
        .await)?;
    Ok(Cascade { programme: not_found(code)?, term: term.name.clone(), shown: s, levels, roots: tree })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_at_a_depth_is_read_from_the_path() {
        assert_eq!(unit_at("/1/7/42/", 0), Some(1));
        assert_eq!(unit_at("/1/7/42/", 2), Some(42));
        // A district PLC grouped by sector stays under its district.
        assert_eq!(unit_at("/1/7/", 3), Some(7));
        assert_eq!(unit_at("/", 1), None);
    }
}
