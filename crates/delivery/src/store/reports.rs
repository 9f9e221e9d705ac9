//! Reports on delivery: reach against each target of a programme, disaggregated by sex,
//! role, unit at any level, school ownership or sub-system; and the completion funnel of a
//! cohort (enrolled → attended enough → completed → certified).
//!
//! Reach counts people, not enrolments: someone in two cohorts of a programme counts once,
//! as completed if they completed either. Only participants placed (when enrolled) inside
//! the reader's scope are counted. `programme_participants` holds one row a programme and
//! person, written again from the enrolments by [`PARTICIPANTS`]'s refresher before every
//! commit that changes them; the same refresher counts again the groups reports read
//! (`programme_reach_groups`: by programme, place, sex, role, ownership and sub-system) for
//! the programmes and places the change touched, so a report reads a national programme's
//! groups, never its hundred thousand participants.
//!
//! What is read is kept: the groups of a programme and scope path are cached in memory under
//! the participants' stamp (`opencpd_kernel::stamps`, `programme_participants`), which that
//! refresher renews to a fresh random value in the same transaction. A report reads the
//! stamp (one row) and reuses the groups, and their sums, computed under it; any change,
//! from this process or another, changes the stamp, so a cached report is never stale, and
//! stamps are unique, so two databases never share one.

use super::cohorts::cohort;
use opencpd_domain::Scope;
use opencpd_domain::access::Action;
use opencpd_domain::access::upper_bound;
use opencpd_domain::delivery::Measure;
use opencpd_domain::suppression;
use opencpd_kernel::cache::Cache;
use opencpd_kernel::derived::{Derived, Key, Refreshing};
use opencpd_kernel::scope::{Columns, ListScope};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, on_db, on_tx};
use std::collections::BTreeMap;

/// What a reach report may be split by.
pub const DIMENSIONS: &[&str] = &["sex", "role", "unit", "ownership", "subsystem"];

#[derive(sqlx::FromRow, Clone)]
struct Group {
    sex: String,
    role: Option<String>,
    path: String,
    ownership: Option<String>,
    subsystem: Option<String>,
    enrolled: i64,
    completed: i64,
    certified: i64,
}

/// Reach of a programme in the reader's scope, split by `by` (unit at `level`: the depth
/// of units, 0 the country).
pub async fn reach(db: &Db, actor: &Actor, programme_id: i64, by: Option<&str>, level: Option<i64>) -> Result<Reach> {
    let programme = super::catalogue::programme(db, actor, programme_id).await?;
    reach_of(db, actor, &programme, by, level).await
}

/// [`reach`] of a programme already read in the reader's scope (its page reads it once).
pub async fn reach_of(
    db: &Db,
    actor: &Actor,
    programme: &super::catalogue::Programme,
    by: Option<&str>,
    level: Option<i64>,
) -> Result<Reach> {
    let by = match by.map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => Some(super::choice(b, DIMENSIONS).map_err(|p| p.in_column("by"))?),
        None => None,
    };
    if actor.grants.iter().all(|g| matches!(g.scope, Scope::School { .. } | Scope::Own { .. })) {
        return Err(Error::Forbidden);
    }
    let paths = ListScope::of(actor).unit_paths();
    let stamp = opencpd_kernel::stamps::read(db, &["programme_participants"]).await?;
    let level = if by == Some("unit") { Some(level.unwrap_or(2).max(0)) } else { None };
    // What each target counts, for the key: a target edited sums afresh.
    let counting: Vec<TargetKey> = programme
        .targets
        .iter()
        .map(|t| (t.measure.clone(), t.sex.clone(), t.roles.clone(), t.unit_path.clone()))
        .collect();
    let key = (stamp.clone(), programme.id, paths.clone(), counting, by.map(str::to_string), level);
    let summed = SUMMED.get_or_compute(db, key, || summed(db, programme, &stamp, &paths, by, level)).await?;
    let outreach = if programme.targets.iter().any(|t| Measure::parse(&t.measure).is_ok_and(Measure::is_outreach)) {
        let filter = super::outreach::OutreachFilter { programme_id: Some(programme.id), ..Default::default() };
        Some(super::outreach::figures(db, actor, &filter).await?)
    } else {
        None
    };
    let targets = programme
        .targets
        .iter()
        .zip(&summed.achieved)
        .map(|(t, &from_groups)| {
            let inside = |path: &str| t.unit_path.as_ref().is_none_or(|p| path.starts_with(p.as_str()));
            let measure = Measure::parse(&t.measure).unwrap_or(Measure::Enrolled);
            let achieved: i64 = match (measure, &outreach) {
                (Measure::OutreachParticipants, Some((events, _))) => events
                    .iter()
                    .filter(|e| inside(&e.path))
                    .map(|e| match t.sex.as_deref() {
                        Some("F") => e.participants.female(),
                        Some("M") => e.participants.male(),
                        _ => e.participants.total(),
                    })
                    .sum(),
                (Measure::SchoolsReached, Some((_, reached))) => {
                    reached.iter().filter(|r| inside(&r.2)).map(|r| r.1).collect::<std::collections::HashSet<_>>().len()
                        as i64
                }
                _ => from_groups,
            };
            TargetReach {
                target_id: t.id,
                label: t.label.clone(),
                measure: t.measure.clone(),
                value: t.value,
                achieved,
                percent: (achieved as f64 * 1000.0 / t.value as f64).round() / 10.0,
                due_date: t.due_date,
                roles: t.roles.clone(),
            }
        })
        .collect();
    let totals = summed.totals.clone();
    let mut rows = summed.rows.clone();
    if by == Some("unit") {
        let names: Vec<(i64, String)> = on_db!(db, |p| sqlx::query_as("SELECT id, name FROM units WHERE depth = $1")
            .bind(level.unwrap_or(0))
            .fetch_all(p)
            .await)?;
        let names: std::collections::HashMap<String, String> =
            names.into_iter().map(|(id, n)| (id.to_string(), n)).collect();
        for r in &mut rows {
            r.name = names.get(&r.key).cloned();
        }
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let small_cell_threshold = small_cell_threshold(db).await?;
    Ok(Reach {
        programme_id: programme.id,
        by: by.map(str::to_string),
        level,
        totals,
        targets,
        rows,
        small_cell_threshold,
    })
}

/// Reach groups by (stamp, programme, scope path). The stamp changes with every change to
/// the participants, so an entry is never stale.
static GROUPS: Cache<(String, i64, String), std::sync::Arc<Vec<Group>>> = Cache::new("reach groups", 256, None);

/// What a target counts from the groups: its measure, sex, roles and place.
type TargetKey = (String, Option<String>, Vec<String>, Option<String>);

/// A reach report's sums over the groups: by stamp, programme, scope paths, what each
/// target counts, and the split (dimension and level). Never stale, as [`GROUPS`].
type SummedKey = (String, i64, Vec<String>, Vec<TargetKey>, Option<String>, Option<i64>);
static SUMMED: Cache<SummedKey, std::sync::Arc<Summed>> = Cache::new("reach sums", 256, None);

/// What [`reach_of`] sums from the groups a reader may see.
struct Summed {
    totals: ReachRow,
    /// Each target's count from the groups, in the programme's order (an outreach
    /// target's is counted from the outreach events instead).
    achieved: Vec<i64>,
    /// One row a key of the split, units unnamed.
    rows: Vec<ReachRow>,
}

/// [`Summed`] from the groups of `programme` under `paths`, read from [`GROUPS`].
async fn summed(
    db: &Db,
    programme: &super::catalogue::Programme,
    stamp: &str,
    paths: &[String],
    by: Option<&str>,
    level: Option<i64>,
) -> Result<std::sync::Arc<Summed>> {
    let mut kept: Vec<std::sync::Arc<Vec<Group>>> = Vec::new();
    for path in paths {
        let key = (stamp.to_string(), programme.id, path.clone());
        let read = || async {
            let rows: Vec<Group> = on_db!(db, |p| {
                sqlx::query_as(
            "SELECT path, sex, role, ownership, subsystem, CAST(enrolled AS BIGINT) AS enrolled, \
             CAST(completed AS BIGINT) AS completed, CAST(certified AS BIGINT) AS certified FROM programme_reach_groups \
             WHERE programme_id = $1 AND path >= $2 AND path < $3"
        )
        .bind(programme.id)
        .bind(path)
        .bind(upper_bound(path))
        .fetch_all(p)
        .await
            })?;
            Ok(std::sync::Arc::new(rows))
        };
        kept.push(GROUPS.get_or_compute(db, key, read).await?);
    }
    // Read where they are kept: a national programme has tens of thousands of groups.
    let groups: Vec<&Group> = kept.iter().flat_map(|k| k.iter()).collect();
    let empty = |key: String| ReachRow { key, name: None, enrolled: 0, completed: 0, certified: 0 };
    let add = |row: &mut ReachRow, g: &Group| {
        row.enrolled += g.enrolled;
        row.completed += g.completed;
        row.certified += g.certified;
    };
    let mut totals = empty("total".into());
    for g in &groups {
        add(&mut totals, g);
    }
    let achieved = programme
        .targets
        .iter()
        .map(|t| {
            let measure = Measure::parse(&t.measure).unwrap_or(Measure::Enrolled);
            groups
                .iter()
                .filter(|g| t.sex.as_ref().is_none_or(|s| *s == g.sex))
                .filter(|g| t.roles.is_empty() || g.role.as_ref().is_some_and(|r| t.roles.contains(r)))
                .filter(|g| t.unit_path.as_ref().is_none_or(|p| g.path.starts_with(p.as_str())))
                .map(|g| match measure {
                    Measure::Completed => g.completed,
                    Measure::Certified => g.certified,
                    _ => g.enrolled,
                })
                .sum()
        })
        .collect();
    let mut rows: BTreeMap<&str, ReachRow> = BTreeMap::new();
    if let Some(dim) = by {
        for g in &groups {
            let key = match dim {
                "sex" => g.sex.as_str(),
                "role" => g.role.as_deref().unwrap_or_default(),
                "ownership" => g.ownership.as_deref().unwrap_or_default(),
                "subsystem" => g.subsystem.as_deref().unwrap_or_default(),
                _ => g.path.split('/').filter(|s| !s.is_empty()).nth(level.unwrap_or(0) as usize).unwrap_or_default(),
            };
            add(rows.entry(key).or_insert_with(|| empty(key.to_string())), g);
        }
    }
    Ok(std::sync::Arc::new(Summed { totals, achieved, rows: rows.into_values().collect() }))
}

pub use opencpd_kernel::settings::{DEFAULT_SMALL_CELL_THRESHOLD, small_cell_threshold};

// The answer shapes of these queries, kept in `crate::model`.
pub use crate::model::{
    CohortFunnel, Funnel, Reach, ReachRow, ReportSettings, ShownReach, ShownRow, ShownTarget, TargetReach,
};

opencpd_kernel::from_row! {
    CohortFunnel { cohort_id, code, name, course_code, unit_name, enrolled, withdrawn, attended, completed, certified }
}

pub async fn report_settings(db: &Db) -> Result<ReportSettings> {
    Ok(ReportSettings { small_cell_threshold: small_cell_threshold(db).await? })
}

/// Sets the small-cell threshold (those who manage programmes).
pub async fn set_report_settings(db: &Db, actor: &Actor, input: &ReportSettings) -> Result<ReportSettings> {
    super::may(actor, opencpd_domain::access::Action::ManageProgrammes)?;
    if !(0..=100).contains(&input.small_cell_threshold) {
        return Err(opencpd_domain::Problem::new("out-of-range")
            .in_column("small_cell_threshold")
            .with_value(input.small_cell_threshold.to_string())
            .arg("max", 100)
            .into());
    }
    let before = report_settings(db).await?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "INSERT INTO report_settings (key, value) VALUES ('small_cell_threshold', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value"
    )
    .bind(input.small_cell_threshold)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    opencpd_kernel::audit::record(
        &mut tx,
        actor,
        "update",
        "report_settings",
        "small_cell_threshold",
        "report settings",
        Some(&before),
        Some(input),
    )
    .await?;
    tx.commit().await?;
    report_settings(db).await
}

/// The split's counts (enrolled, completed, certified) as shown: small cells hidden by
/// the one rule, [`opencpd_domain::suppression`], column by column.
pub fn shown_cells(reach: &Reach) -> Vec<[String; 3]> {
    let k = reach.small_cell_threshold;
    let columns: [Vec<i64>; 3] = [
        reach.rows.iter().map(|r| r.enrolled).collect(),
        reach.rows.iter().map(|r| r.completed).collect(),
        reach.rows.iter().map(|r| r.certified).collect(),
    ];
    let hidden: Vec<Vec<suppression::Cell>> = columns.iter().map(|c| suppression::column(c, k)).collect();
    (0..reach.rows.len()).map(|i| std::array::from_fn(|c| hidden[c][i].text(columns[c][i], k))).collect()
}

/// A target's achievement as shown to a reader: the count itself for a reader with
/// row-level rights, else "<n" when it is small (and then no percent, which would give it
/// back).
pub fn shown_achieved(t: &TargetReach, threshold: i64, row_level: bool) -> (String, Option<f64>) {
    let cell = if row_level { suppression::Cell::Shown } else { suppression::single(t.achieved, threshold) };
    (cell.text(t.achieved, threshold), (!cell.hidden()).then_some(t.percent))
}

/// The totals (enrolled, completed, certified) as shown: exact, but a small total is
/// hidden as "<n" unless `row_level`.
pub fn shown_totals(reach: &Reach, row_level: bool) -> [String; 3] {
    let k = reach.small_cell_threshold;
    let t = &reach.totals;
    [t.enrolled, t.completed, t.certified].map(|v| {
        let cell = if row_level { suppression::Cell::Shown } else { suppression::single(v, k) };
        cell.text(v, k)
    })
}

/// Whether the actor reads reports' small counts unhidden ([`Action::ReadRows`]).
pub fn row_level(actor: &Actor) -> bool {
    actor.may(Action::ReadRows)
}

/// The lengths of the split's bars on the page, in percent of the largest group shown:
/// enrolled, completed, certified. A row with any cell hidden gets no bar, so a bar never
/// shows what the numbers hide.
pub fn shown_bars(reach: &Reach) -> Vec<Option<[f64; 3]>> {
    let cells = shown_cells(reach);
    let shown = |i: usize| cells[i].iter().all(|c| c.chars().all(|ch| ch.is_ascii_digit()));
    let widest = (0..reach.rows.len()).filter(|i| shown(*i)).map(|i| reach.rows[i].enrolled).max().unwrap_or(0);
    let percent = |n: i64| if widest > 0 { (n as f64 * 1000.0 / widest as f64).round() / 10.0 } else { 0.0 };
    reach
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| shown(i).then(|| [percent(r.enrolled), percent(r.completed), percent(r.certified)]))
        .collect()
}

/// [`Reach`] with every small count hidden, as read without row-level rights.
pub fn shown(reach: &Reach, lang: &str) -> ShownReach {
    let k = reach.small_cell_threshold;
    let targets = reach
        .targets
        .iter()
        .map(|t| {
            let (achieved, percent) = shown_achieved(t, k, false);
            ShownTarget {
                target_id: t.target_id,
                label: t.label.clone(),
                measure: t.measure.clone(),
                value: t.value,
                achieved,
                percent,
                due_date: t.due_date,
                roles: t.roles.clone(),
            }
        })
        .collect();
    let rows = reach
        .rows
        .iter()
        .zip(shown_cells(reach))
        .map(|(r, [enrolled, completed, certified])| ShownRow {
            key: r.key.clone(),
            name: r.name.clone(),
            enrolled,
            completed,
            certified,
        })
        .collect();
    ShownReach {
        programme_id: reach.programme_id,
        by: reach.by.clone(),
        level: reach.level,
        totals: {
            let [enrolled, completed, certified] = shown_totals(reach, false);
            ShownRow { key: reach.totals.key.clone(), name: None, enrolled, completed, certified }
        },
        targets,
        rows,
        small_cell_threshold: k,
        suppression: suppression::notice(lang, k),
    }
}

/// The reach report as a table for CSV or XLSX: the targets (their achievement hidden when
/// small unless `row_level`), then the split (small cells hidden as on the page), then a
/// last row stating the suppression in `lang`.
pub fn reach_table(reach: &Reach, row_level: bool, lang: &str) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers =
        vec!["section", "key", "name", "measure", "target", "enrolled", "completed", "certified", "percent", "roles"];
    let mut rows = Vec::new();
    for t in &reach.targets {
        let (achieved, percent) = shown_achieved(t, reach.small_cell_threshold, row_level);
        let at = |m: Measure| if t.measure == m.key() { achieved.clone() } else { String::new() };
        rows.push(vec![
            "target".into(),
            t.target_id.to_string(),
            t.label.clone(),
            t.measure.clone(),
            t.value.to_string(),
            at(Measure::Enrolled),
            at(Measure::Completed),
            at(Measure::Certified),
            percent.map(|p| format!("{p:.1}")).unwrap_or_default(),
            t.roles.join(", "),
        ]);
    }
    let by = reach.by.clone().unwrap_or_else(|| "total".into());
    let t = &reach.totals;
    let total = shown_totals(reach, row_level);
    let shown = shown_cells(reach);
    for (r, cells) in std::iter::once((t, &total)).chain(reach.rows.iter().zip(&shown)) {
        rows.push(vec![
            if std::ptr::eq(r, t) { "total".into() } else { by.clone() },
            r.key.clone(),
            r.name.clone().unwrap_or_default(),
            String::new(),
            String::new(),
            cells[0].clone(),
            cells[1].clone(),
            cells[2].clone(),
            String::new(),
            String::new(),
        ]);
    }
    if reach.small_cell_threshold > 0 {
        let mut note = vec![String::new(); headers.len()];
        note[0] = "note".into();
        note[2] = suppression::notice(lang, reach.small_cell_threshold);
        rows.push(note);
    }
    (headers, rows)
}

/// The completion funnel of a cohort.
pub async fn funnel(db: &Db, actor: &Actor, cohort_id: i64) -> Result<Funnel> {
    let c = cohort(db, actor, cohort_id).await?;
    let course = super::catalogue::course_row(db, c.course_id).await?;
    let (enrolled, withdrawn, attended, completed, certified): (i64, i64, i64, i64, i64) = on_db!(db, |p| {
        sqlx::query_as(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN e.withdrawn_on IS NOT NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.attendance_pct >= $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.completed_on IS NOT NULL THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND EXISTS (SELECT 1 FROM certificates x WHERE x.enrolment_id = e.id AND x.revoked_on IS NULL) THEN 1 ELSE 0 END), 0) \
         FROM enrolments e WHERE e.cohort_id = $1"
    )
    .bind(c.id)
    .bind(course.min_attendance_pct)
    .fetch_one(p)
    .await
    })?;
    Ok(Funnel {
        cohort_id: c.id,
        enrolled,
        withdrawn,
        attended,
        completed,
        certified,
        min_attendance_pct: course.min_attendance_pct,
    })
}

/// `programme_participants`: one row a programme and person, derived from the
/// enrolments (and their completion and certificates). A write that changes enrolments
/// notes the person or cohort changed ([`person_changed`], [`cohort_changed`]) on its transaction; the
/// rows are written again once, before the commit.
pub static PARTICIPANTS: Derived = Derived { table: "programme_participants", refresh: refresh_participants };

/// The key of a person whose enrolments changed.
pub fn person_changed(id: i64) -> Key {
    Key::One("person", id)
}

/// The key of a cohort whose enrolments changed (everyone enrolled in it).
pub fn cohort_changed(id: i64) -> Key {
    Key::One("cohort", id)
}

/// The year of a date column (`{date}`) as a number, on either database (a date reads as
/// `YYYY-MM-DD` text on both).
const YEAR_OF: &str = "CAST(SUBSTR(CAST({date} AS TEXT), 1, 4) AS BIGINT)";

/// Writes again, from the enrolments, the reach rows of the people the keys name (and the
/// years they were reached in, `programme_reach_years`), and
/// renews the reach stamp (so no cached report outlives the change).
fn refresh_participants<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        let mut touched: std::collections::BTreeSet<(i64, String)> = std::collections::BTreeSet::new();
        for key in keys {
            let (filter, id) = match *key {
                Key::One("cohort", id) => ("person_id IN (SELECT person_id FROM enrolments WHERE cohort_id = $1)", id),
                Key::One("person", id) => ("person_id = $1", id),
                Key::One(kind, _) => return Err(anyhow::anyhow!("programme participants: no key {kind}").into()),
                Key::All => ("person_id <> $1", 0),
            };
            let delete = format!("DELETE FROM programme_participants WHERE {filter}");
            let insert = format!(
                "INSERT INTO programme_participants \
                 (programme_id, person_id, path, sex, role, ownership, subsystem, completed, certified) \
                 SELECT x.programme_id, x.person_id, x.path, x.sex, x.role, s.ownership, s.subsystem, x.completed, x.certified \
                 FROM (SELECT k.programme_id, e.person_id, MIN(e.path) AS path, MIN(e.sex) AS sex, MIN(e.role) AS role, \
                       MIN(e.school_id) AS school_id, \
                       MAX(CASE WHEN e.completed_on IS NOT NULL AND e.withdrawn_on IS NULL THEN 1 ELSE 0 END) AS completed, \
                       MAX(CASE WHEN e.withdrawn_on IS NULL AND EXISTS (SELECT 1 FROM certificates c WHERE c.enrolment_id = e.id \
                           AND c.revoked_on IS NULL) THEN 1 ELSE 0 END) AS certified \
                       FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                       WHERE k.programme_id IS NOT NULL AND e.{filter} GROUP BY k.programme_id, e.person_id) x \
                 LEFT JOIN schools s ON s.id = x.school_id"
            );
            // The years each was reached in: every year from a cohort's start to its end.
            let delete_years = format!("DELETE FROM programme_reach_years WHERE {filter}");
            let insert_years = format!(
                "WITH RECURSIVE spans(programme_id, person_id, y, last) AS ( \
                   SELECT k.programme_id, e.person_id, {}, {} \
                   FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id JOIN courses k ON k.id = h.course_id \
                   WHERE k.programme_id IS NOT NULL AND e.{filter} \
                   UNION SELECT programme_id, person_id, y + 1, last FROM spans WHERE y < last) \
                 INSERT INTO programme_reach_years \
                 (programme_id, year, person_id, path, sex, role, ownership, subsystem) \
                 SELECT DISTINCT s.programme_id, s.y, s.person_id, pp.path, pp.sex, pp.role, pp.ownership, pp.subsystem \
                 FROM spans s JOIN programme_participants pp \
                 ON pp.programme_id = s.programme_id AND pp.person_id = s.person_id",
                YEAR_OF.replace("{date}", "h.start_date"),
                YEAR_OF.replace("{date}", "h.end_date"),
            );
            // The programmes and places whose groups change: the participants' before and after.
            let places = format!("SELECT DISTINCT programme_id, path FROM programme_participants WHERE {filter}");
            if *key != Key::All {
                touched.extend(on_tx!(&mut *tx, |c| sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(
                    places.clone()
                ))
                .bind(id)
                .fetch_all(&mut *c)
                .await)?);
            }
            for sql in [delete_years, delete, insert, insert_years] {
                on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(id)
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            if *key != Key::All {
                touched.extend(on_tx!(&mut *tx, |c| sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(
                    places.clone()
                ))
                .bind(id)
                .fetch_all(&mut *c)
                .await)?);
            }
            // The funnels of the cohorts the change is in: a cohort's own, or a person's.
            match *key {
                Key::One("person", person) => {
                    let cohorts: Vec<i64> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
                        "SELECT DISTINCT cohort_id FROM enrolments WHERE person_id = $1"
                    )
                    .bind(person)
                    .fetch_all(&mut *c)
                    .await)?;
                    for cohort in cohorts {
                        tx.changed(&FUNNEL_COUNTS, Key::One("cohort", cohort));
                    }
                }
                key => tx.changed(&FUNNEL_COUNTS, key),
            }
        }
        // The groups reach reads, counted again where participants changed (everywhere after
        // a change to all).
        let grouped = "INSERT INTO programme_reach_groups \
             (programme_id, path, sex, role, ownership, subsystem, enrolled, completed, certified) \
             SELECT programme_id, path, sex, role, ownership, subsystem, COUNT(*), SUM(completed), SUM(certified) \
             FROM programme_participants";
        let groups = "GROUP BY programme_id, path, sex, role, ownership, subsystem";
        if keys.contains(&Key::All) {
            for sql in ["DELETE FROM programme_reach_groups".to_string(), format!("{grouped} {groups}")] {
                on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&mut *c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
        } else {
            let at = "WHERE programme_id = $1 AND path = $2";
            for (programme, path) in &touched {
                for sql in [format!("DELETE FROM programme_reach_groups {at}"), format!("{grouped} {at} {groups}")] {
                    on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(programme)
                        .bind(path)
                        .execute(&mut *c)
                        .await
                        .map(|r| r.rows_affected()))?;
                }
            }
        }
        opencpd_kernel::stamps::renew(tx, "programme_participants").await
    })
}

/// `cohort_funnels`: each cohort's completion funnel, counted from its enrolments. The
/// participants' refresher notes the cohorts their changes are in; a course whose minimum
/// attendance changes notes its cohorts ([`cohort_changed`]).
pub static FUNNEL_COUNTS: Derived = Derived { table: "cohort_funnels", refresh: refresh_funnels };

/// Counts again the funnels of the cohorts the keys name (every cohort's for [`Key::All`]).
fn refresh_funnels<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        let which = if keys.contains(&Key::All) {
            "IS NOT NULL".to_string()
        } else {
            let ids: Vec<String> = keys
                .iter()
                .map(|key| match *key {
                    Key::One("cohort", id) => Ok(id.to_string()),
                    other => Err(anyhow::anyhow!("cohort funnels: no key {other:?}")),
                })
                .collect::<std::result::Result<_, _>>()?;
            // Numbers, written into the text.
            format!("IN ({})", ids.join(", "))
        };
        let delete = format!("DELETE FROM cohort_funnels WHERE cohort_id {which}");
        let insert = format!(
            "INSERT INTO cohort_funnels (cohort_id, enrolled, withdrawn, attended, completed, certified) \
             SELECT h.id, COUNT(e.id), \
             COALESCE(SUM(CASE WHEN e.withdrawn_on IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.attendance_pct >= k.min_attendance_pct THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND e.completed_on IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN e.withdrawn_on IS NULL AND EXISTS (SELECT 1 FROM certificates c \
                 WHERE c.enrolment_id = e.id AND c.revoked_on IS NULL) THEN 1 ELSE 0 END), 0) \
             FROM cohorts h JOIN courses k ON k.id = h.course_id JOIN enrolments e ON e.cohort_id = h.id \
             WHERE h.id {which} GROUP BY h.id"
        );
        for sql in [delete, insert] {
            on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(())
    })
}

/// Cohort funnels by (stamp, programme, scope condition): see [`funnels`].
static FUNNELS: Cache<(String, i64, String), std::sync::Arc<Vec<CohortFunnel>>> =
    Cache::new("cohort funnels", 256, Some(std::time::Duration::from_secs(600)));

/// The completion funnel of every cohort of a programme in the reader's scope. Kept under
/// the reach stamp (enrolments, attendance, completions and certificates renew it) and the
/// audit trail's last event but those of schools' outcome data (cohorts, courses and units
/// are changed by audited writes), so a national programme's thousands of cohorts are
/// summed once between the changes that move them.
pub async fn funnels(db: &Db, actor: &Actor, programme_id: i64) -> Result<Vec<CohortFunnel>> {
    let programme = super::catalogue::programme(db, actor, programme_id).await?;
    Ok(funnels_of(db, actor, &programme).await?.as_ref().clone())
}

/// [`funnels`] of a programme already read in the reader's scope (its page reads it once),
/// as kept: shared with every reader of the same scope, not copied.
pub async fn funnels_of(
    db: &Db,
    actor: &Actor,
    programme: &super::catalogue::Programme,
) -> Result<std::sync::Arc<Vec<CohortFunnel>>> {
    let scope = ListScope::of(actor).sql(Columns::path("h.unit_path"));
    let stamps = opencpd_kernel::stamps::audited_except_and(
        db,
        opencpd_domain::indicators::SCHOOL_DATA_EVENTS,
        &["programme_participants"],
    )
    .await?;
    let key = (stamps, programme.id, scope.clone());
    let kept = FUNNELS
        .get_or_compute(db, key, || async { Ok(std::sync::Arc::new(funnels_afresh(db, programme.id, &scope).await?)) })
        .await?;
    Ok(kept)
}

/// [`funnels`], summed from the enrolments of the cohorts `scope` lets through.
async fn funnels_afresh(db: &Db, programme_id: i64, scope: &str) -> Result<Vec<CohortFunnel>> {
    let sql = format!(
        "SELECT h.id AS cohort_id, h.code, h.name, k.code AS course_code, u.name AS unit_name, \
             CAST(COALESCE(f.enrolled, 0) AS BIGINT) AS enrolled, CAST(COALESCE(f.withdrawn, 0) AS BIGINT) AS withdrawn, \
             CAST(COALESCE(f.attended, 0) AS BIGINT) AS attended, CAST(COALESCE(f.completed, 0) AS BIGINT) AS completed, \
             CAST(COALESCE(f.certified, 0) AS BIGINT) AS certified \
             FROM cohorts h JOIN courses k ON k.id = h.course_id JOIN units u ON u.id = h.unit_id \
             LEFT JOIN cohort_funnels f ON f.cohort_id = h.id \
             WHERE k.programme_id = $1 AND {scope} ORDER BY h.code LIMIT 5000"
    );
    let out: Vec<CohortFunnel> =
        on_db!(db, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(programme_id).fetch_all(p).await)?;
    Ok(out)
}

/// Cohort funnels as a table for CSV or XLSX.
pub fn funnels_table(rows: &[CohortFunnel]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let headers =
        vec!["cohort", "name", "course", "unit", "enrolled", "withdrawn", "attended", "completed", "certified"];
    let rows = rows
        .iter()
        .map(|f| {
            vec![
                f.code.clone(),
                f.name.clone(),
                f.course_code.clone(),
                f.unit_name.clone(),
                f.enrolled.to_string(),
                f.withdrawn.to_string(),
                f.attended.to_string(),
                f.completed.to_string(),
                f.certified.to_string(),
            ]
        })
        .collect();
    (headers, rows)
}
