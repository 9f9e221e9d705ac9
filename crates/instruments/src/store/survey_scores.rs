//! `survey_scores`: the Likert score of each submission to a form with Likert items, a
//! kernel derived table ([`SCORES`]). The intake notes each such submission it stores
//! ([`changed`]) and the refresher reads its answers and its form's Likert items and writes
//! its score once, at the commit that stores it (a submission never changes). Those who
//! read satisfaction and school culture (the Kirkpatrick funnel) read a number a
//! submission instead of parsing every answer at every read. Submissions stored before the
//! table existed (migration 0038) are filled once by [`backfill`], which migration 0039
//! asks for (`derived_backfills`) and [`ensure`] runs before any read: the server runs it
//! at start, the funnel before it reads, so readers read kept scores only.
//!
//! `survey_score_cells` ([`CELLS`]) sums those scores per cohort, session, survey and
//! subject path; [`SCORES`]'s refresher notes the submissions it scored, and the cells of
//! their cohorts are summed again in the same commit, so a programme's satisfaction reads a
//! row per cohort and session however many answers there are.
//!
//! Not here: the rule itself (`opencpd_domain::evaluation::likert`) and which items it
//! reads (`opencpd_forms::score::likert_items`).

use opencpd_kernel::bulk::{self, Cell};
use opencpd_kernel::cache::Cache;
use opencpd_kernel::derived::{Derived, Key, Refreshing};
use opencpd_kernel::{Db, Result, Tx, on_db, on_tx};
use std::collections::HashMap;

/// The derived table and its refresher.
pub static SCORES: Derived = Derived { table: "survey_scores", refresh };

/// `survey_score_cells`: the scores of the answers about each cohort and its sessions,
/// summed per survey and subject path (migration 0045), written again for the cohorts of
/// the submissions [`SCORES`] scores.
pub static CELLS: Derived = Derived { table: "survey_score_cells", refresh: refresh_cells };

/// Submissions read at a time when every score is written again.
const CHUNK: i64 = 5_000;

/// The key of a submission stored.
pub fn changed(submission_id: i64) -> Key {
    Key::One("submission", submission_id)
}

/// Each instrument's Likert items (none, or a form that does not read: no row is written
/// for its submissions).
async fn items_of(
    tx: &mut Tx,
    instruments: &[i64],
) -> Result<HashMap<i64, Vec<opencpd_domain::evaluation::likert::Item>>> {
    if instruments.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = instruments.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT instrument_id, form_json FROM instrument_forms WHERE instrument_id IN ({ids})");
    let forms: Vec<(i64, String)> =
        on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await)?;
    // A form that does not read has no Likert items to score.
    Ok(forms
        .into_iter()
        .map(|(id, json)| {
            let form = serde_json::from_str::<opencpd_forms::Form>(&json).ok();
            (id, form.map(|f| opencpd_forms::score::likert_items(&f)).unwrap_or_default())
        })
        .collect())
}

/// Writes the scores of `rows` (id, instrument, answers) whose instrument has Likert items
/// (a score kept already is written again: the same rule on the same answers).
async fn write(
    tx: &mut Tx,
    rows: Vec<(i64, i64, String)>,
    items: &HashMap<i64, Vec<opencpd_domain::evaluation::likert::Item>>,
) -> Result<()> {
    let cells: Vec<Vec<Cell>> = rows
        .into_iter()
        .filter_map(|(id, instrument, answers)| {
            let items = items.get(&instrument).filter(|i| !i.is_empty())?;
            Some(vec![Cell::from(id), Cell::Real(opencpd_forms::score::likert_score(items, &answers))])
        })
        .collect();
    if !cells.is_empty() {
        bulk::insert_then(
            tx,
            "INSERT INTO survey_scores (submission_id, score)",
            2,
            cells,
            "ON CONFLICT (submission_id) DO UPDATE SET score = excluded.score",
            &|_| {},
        )
        .await?;
    }
    Ok(())
}

/// The submissions a refresher's keys name (never [`Key::All`], which comes alone); any
/// other kind of key is a mistake of the writer that noted it.
fn submissions(keys: &[Key], table: &str) -> Result<Vec<i64>> {
    keys.iter()
        .map(|key| match *key {
            Key::One("submission", id) => Ok(id),
            Key::One(kind, _) => Err(anyhow::anyhow!("{table}: no key {kind}").into()),
            Key::All => unreachable!("All comes alone"),
        })
        .collect()
}

/// Writes the scores of the submissions the keys name (of every submission to a form with
/// Likert items after bulk writes).
fn refresh<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        if keys == [Key::All] {
            let instruments: Vec<i64> = on_tx!(&mut *tx, |c| sqlx::query_scalar(
                "SELECT DISTINCT instrument_id FROM submissions ORDER BY instrument_id"
            )
            .fetch_all(&mut *c)
            .await)?;
            let items = items_of(tx, &instruments).await?;
            let mut with: Vec<i64> = items.iter().filter(|(_, i)| !i.is_empty()).map(|(id, _)| *id).collect();
            with.sort_unstable();
            on_tx!(&mut *tx, |c| sqlx::query("DELETE FROM survey_scores")
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            tx.changed(&CELLS, Key::All);
            if with.is_empty() {
                return Ok(());
            }
            let ids = with.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT id, instrument_id, answers_json FROM submissions WHERE instrument_id IN ({ids}) \
                 AND id > $1 ORDER BY id LIMIT {CHUNK}"
            );
            let mut after = 0i64;
            loop {
                let rows: Vec<(i64, i64, String)> =
                    on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(after)
                        .fetch_all(&mut *c)
                        .await)?;
                let Some(last) = rows.last().map(|r| r.0) else { break };
                after = last;
                write(tx, rows, &items).await?;
            }
            // Every score is written: nothing is left to fill.
            on_tx!(&mut *tx, |c| sqlx::query("DELETE FROM derived_backfills WHERE table_name = 'survey_scores'")
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            return Ok(());
        }
        let ids = submissions(keys, "survey scores")?;
        for chunk in ids.chunks(CHUNK as usize) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT id, instrument_id, answers_json FROM submissions WHERE id IN ({list})");
            let rows: Vec<(i64, i64, String)> =
                on_tx!(&mut *tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await)?;
            let mut instruments: Vec<i64> = rows.iter().map(|r| r.1).collect();
            instruments.sort_unstable();
            instruments.dedup();
            let items = items_of(tx, &instruments).await?;
            write(tx, rows, &items).await?;
        }
        for key in keys {
            tx.changed(&CELLS, *key);
        }
        Ok(())
    })
}

/// The cohorts the submissions are about, themselves or through one of their sessions.
const COHORT_OF: &str = "CASE WHEN sub.subject_kind = 'cohort' THEN sub.subject_id ELSE s.cohort_id END";

/// Sums the scores of the answers about the cohorts listed (`cohorts`, ids separated by
/// commas; every cohort when none) into `survey_score_cells`.
async fn sum_cells(tx: &mut Tx, cohorts: Option<&str>) -> Result<()> {
    let filter = |cohort: &str| cohorts.map_or_else(|| "1 = 1".to_string(), |list| format!("{cohort} IN ({list})"));
    let sql = format!(
        "INSERT INTO survey_score_cells \
           (cohort_id, session_id, instrument_id, subject_path, answers, scored, score_sum) \
         SELECT sub.subject_id, 0, sub.instrument_id, sub.subject_path, COUNT(*), COUNT(sc.score), \
                COALESCE(SUM(sc.score), 0) \
         FROM submissions sub JOIN survey_scores sc ON sc.submission_id = sub.id \
         WHERE sub.subject_kind = 'cohort' AND {} \
         GROUP BY sub.subject_id, sub.instrument_id, sub.subject_path \
         UNION ALL \
         SELECT s.cohort_id, s.id, sub.instrument_id, sub.subject_path, COUNT(*), COUNT(sc.score), \
                COALESCE(SUM(sc.score), 0) \
         FROM submissions sub JOIN sessions_held s ON s.id = sub.subject_id \
         JOIN survey_scores sc ON sc.submission_id = sub.id \
         WHERE sub.subject_kind = 'session' AND {} \
         GROUP BY s.cohort_id, s.id, sub.instrument_id, sub.subject_path",
        filter("sub.subject_id"),
        filter("s.cohort_id"),
    );
    on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes again the cells of the cohorts the submissions named are about (every cell for
/// [`Key::All`]).
fn refresh_cells<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        if keys == [Key::All] {
            on_tx!(&mut *tx, |c| sqlx::query("DELETE FROM survey_score_cells")
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            sum_cells(tx, None).await?;
            on_tx!(&mut *tx, |c| sqlx::query("DELETE FROM derived_backfills WHERE table_name = 'survey_score_cells'")
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            return Ok(());
        }
        let ids = submissions(keys, "survey score cells")?;
        for chunk in ids.chunks(CHUNK as usize) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT DISTINCT {COHORT_OF} FROM submissions sub \
                 LEFT JOIN sessions_held s ON sub.subject_kind = 'session' AND s.id = sub.subject_id \
                 JOIN survey_scores sc ON sc.submission_id = sub.id \
                 WHERE sub.id IN ({list}) AND sub.subject_kind IN ('cohort', 'session')"
            );
            let cohorts: Vec<Option<i64>> =
                on_tx!(&mut *tx, |c| sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *c).await)?;
            let cohorts: Vec<String> = cohorts.into_iter().flatten().map(|c| c.to_string()).collect();
            if cohorts.is_empty() {
                continue;
            }
            let list = cohorts.join(", ");
            let sql = format!("DELETE FROM survey_score_cells WHERE cohort_id IN ({list})");
            on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected()))?;
            sum_cells(tx, Some(&list)).await?;
        }
        Ok(())
    })
}

/// Whether [`backfill`] has run to its end for a pool, in this process. Room for many pools
/// (a server opens one, a test process many): an entry pushed out by another pool's would
/// run the backfill again for its own, which then sums what a request asked for at a moment
/// its caller did not choose.
static FILLED: Cache<(), u64> = Cache::new("survey scores filled", 4096, None);

/// [`backfill`] once per pool and process (those who ask meanwhile wait for that one run):
/// what reads `survey_scores` calls it first, so it reads kept scores only.
pub async fn ensure(db: &Db) -> Result<u64> {
    FILLED.get_or_compute(db, (), || backfill(db)).await
}

/// Fills the scores of the submissions stored before `survey_scores` existed, when migration
/// 0039 asked for it (`derived_backfills`): every submission to a form with Likert items
/// that has no row is scored, [`CHUNK`] at a time in its own transaction (a busy SQLite
/// deployment is not held for the whole run), and the request is then deleted. A row
/// written already, by the intake meanwhile or by a run stopped half-way, is left as it
/// is, so running it again changes nothing. How many rows it wrote.
pub async fn backfill(db: &Db) -> Result<u64> {
    let asked: Vec<String> = on_db!(db, |p| sqlx::query_scalar(
        "SELECT table_name FROM derived_backfills \
         WHERE table_name IN ('survey_scores', 'survey_score_cells') ORDER BY table_name"
    )
    .fetch_all(p)
    .await)?;
    if asked.is_empty() {
        return Ok(0);
    }
    if !asked.iter().any(|t| t == "survey_scores") {
        // The scores are all kept; only their cells (migration 0045) are asked for.
        let mut tx = db.begin().await?;
        tx.changed(&CELLS, Key::All);
        opencpd_kernel::stamps::renew(&mut tx, "submissions").await?;
        tx.commit().await?;
        return Ok(0);
    }
    let instruments: Vec<i64> =
        on_db!(db, |p| sqlx::query_scalar("SELECT instrument_id FROM instrument_forms ORDER BY instrument_id")
            .fetch_all(p)
            .await)?;
    let mut tx = db.begin().await?;
    let items = items_of(&mut tx, &instruments).await?;
    drop(tx);
    let mut with: Vec<i64> = items.iter().filter(|(_, i)| !i.is_empty()).map(|(id, _)| *id).collect();
    with.sort_unstable();
    let mut written = 0u64;
    if !with.is_empty() {
        let ids = with.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT sub.id, sub.instrument_id, sub.answers_json FROM submissions sub \
             WHERE sub.instrument_id IN ({ids}) AND sub.id > $1 \
             AND NOT EXISTS (SELECT 1 FROM survey_scores sc WHERE sc.submission_id = sub.id) \
             ORDER BY sub.id LIMIT {CHUNK}"
        );
        let mut after = 0i64;
        loop {
            let mut tx = db.begin().await?;
            let rows: Vec<(i64, i64, String)> = on_tx!(&mut tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(after)
                .fetch_all(&mut *c)
                .await)?;
            let Some(last) = rows.last().map(|r| r.0) else { break };
            after = last;
            written += rows.len() as u64;
            write(&mut tx, rows, &items).await?;
            tx.commit().await?;
        }
    }
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM derived_backfills WHERE table_name = 'survey_scores'")
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    // The cells summed from every score, those just written with them.
    tx.changed(&CELLS, Key::All);
    // What was computed from the submissions before is computed again.
    opencpd_kernel::stamps::renew(&mut tx, "submissions").await?;
    tx.commit().await?;
    if written > 0 {
        tracing::info!(written, "survey scores of earlier submissions filled");
    }
    Ok(written)
}
