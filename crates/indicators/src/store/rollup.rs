//! `school_outcome_totals`: learner outcomes summed per school, year, term and subject over
//! every grade and sex, for all learners (group 0), so that what reads a school's or many
//! schools' year as a whole (the Kirkpatrick funnel's results level, the data pages' trend
//! and years) reads a few rows a school instead of a few hundred.
//!
//! It is a kernel derived table ([`TOTALS`]): a write to `learner_outcomes` notes the
//! schools and years it changed on its transaction ([`changed`]), and the refresher writes
//! their totals again, once, at commit, and notes the same schools and years for the units'
//! cells above them ([`super::unit_cells`]). Not here: the rates and suppression (the
//! readers'), and anything split by grade, sex or group (read from the rows or the units'
//! cells).

use opencpd_kernel::derived::{Derived, Key, Refreshing};
use opencpd_kernel::{Db, Result, Tx, on_tx};
use std::collections::BTreeMap;

/// The derived table and its refresher.
pub static TOTALS: Derived = Derived { table: "school_outcome_totals", refresh };

/// Schools whose totals one statement writes again.
const CHUNK: usize = 500;

/// The key of a school's outcomes in a year (years are checked to `1900..=2100`).
pub fn changed(school_id: i64, year: i64) -> Key {
    Key::One("school-year", school_id * 10_000 + year)
}

/// The columns written, and the sums over a set of outcome rows that fill them.
const INSERT: &str = "INSERT INTO school_outcome_totals (school_id, year, term, subject_id, source_rows, enrolled, \
     assessed, scored, score_sum, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out) \
     SELECT school_id, year, term, subject_id, COUNT(*), \
     SUM(CASE WHEN group_id = 0 THEN enrolled END), \
     SUM(CASE WHEN group_id = 0 THEN assessed END), \
     COALESCE(SUM(CASE WHEN group_id = 0 AND assessed > 0 AND mean_score IS NOT NULL THEN assessed END), 0), \
     SUM(CASE WHEN group_id = 0 AND assessed > 0 AND mean_score IS NOT NULL THEN mean_score * assessed END), \
     SUM(CASE WHEN group_id = 0 THEN below_basic END), \
     SUM(CASE WHEN group_id = 0 THEN basic END), \
     SUM(CASE WHEN group_id = 0 THEN proficient END), \
     SUM(CASE WHEN group_id = 0 THEN advanced END), \
     SUM(CASE WHEN group_id = 0 THEN promoted END), \
     SUM(CASE WHEN group_id = 0 THEN repeating END), \
     SUM(CASE WHEN group_id = 0 THEN dropped_out END) \
     FROM learner_outcomes";

async fn execute(tx: &mut Tx, sql: String) -> Result<()> {
    on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes again the totals of the schools and years the keys name (all of them after
/// bulk writes), a year and up to [`CHUNK`] schools a statement, and renews the table's
/// stamp (`opencpd_kernel::stamps`), so nothing computed from the totals before (the
/// Kirkpatrick funnel's results) is served again.
fn refresh<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        opencpd_kernel::stamps::renew(tx, TOTALS.table).await?;
        if keys == [Key::All] {
            execute(tx, "DELETE FROM school_outcome_totals".into()).await?;
            execute(tx, format!("{INSERT} GROUP BY school_id, year, term, subject_id")).await?;
            tx.changed(&super::unit_cells::UNITS, Key::All);
            return Ok(());
        }
        let mut by_year: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for key in keys {
            match *key {
                Key::One("school-year", id) => by_year.entry(id % 10_000).or_default().push(id / 10_000),
                Key::One(kind, _) => return Err(anyhow::anyhow!("school outcome totals: no key {kind}").into()),
                Key::All => unreachable!("All comes alone"),
            }
        }
        for (year, schools) in by_year {
            for chunk in schools.chunks(CHUNK) {
                let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                let filter = format!("year = {year} AND school_id IN ({ids})");
                execute(tx, format!("DELETE FROM school_outcome_totals WHERE {filter}")).await?;
                execute(tx, format!("{INSERT} WHERE {filter} GROUP BY school_id, year, term, subject_id")).await?;
            }
            for school in schools {
                // The units above the school follow, at the same commit.
                tx.changed(&super::unit_cells::UNITS, changed(school, year));
            }
        }
        Ok(())
    })
}

/// Writes every school's totals again, for writers that insert outcome rows without
/// noting them one by one (the demo's bulk insert, tests' fixtures).
pub async fn refresh_all(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.changed(&TOTALS, Key::All);
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_school_and_year_make_one_key_read_back_whole() {
        let Key::One(kind, id) = changed(4_812, 2025) else { panic!() };
        assert_eq!((kind, id / 10_000, id % 10_000), ("school-year", 4_812, 2025));
    }
}
