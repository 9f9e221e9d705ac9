//! Learner-level assessment records: one learner's score in a subject at a school, year and
//! term, the learner named by a pseudonymous id. They come in through the kernel's one
//! import pipeline (`learner-scores`), checked by the outcome rules where they share a field
//! (school in scope, year, term, grade, subject, sex, group), and a learner's record for the
//! same school, year, term and subject is replaced by a later file. Learner ids are
//! compared without case and kept in capitals.
//!
//! The school's outcome cells they fall in are a derived table ([`CELLS`]): at commit, the
//! assessed count, the mean score and the bands of every cell of `learner_outcomes` that
//! has records (each grade, subject and sex, for all learners and for each group) are
//! written again from them, and the cell remembers how many records it was made of. So
//! every indicator, dashboard, target and export reads learner records through the same
//! cells as counts imported whole, and a cell's figures have one source: where records
//! exist, theirs replace what an outcomes file said of the same cell.

use opencpd_domain::Problem;
use opencpd_domain::import::Seen;
use opencpd_kernel::bulk::Cell;
use opencpd_kernel::derived::{Derived, Key, Refreshing};
use opencpd_kernel::import::{self, Column, Importer, Options, Row, Source, Written};
use opencpd_kernel::{Actor, Db, Result, Tx, on_tx};
use std::collections::BTreeMap;

use super::outcomes::{Lookups, Maxima, sex, term, year};
use super::rollup;

/// The columns of a learner records file, in this order.
pub const COLUMNS: &[Column] = &[
    Column::required("school_code").example("110101"),
    Column::required("year").example("2025"),
    Column::optional("term").example("3"),
    Column::required("grade").example("P3"),
    Column::required("subject").example("mathematics"),
    Column::required("learner").example("L-2025-000417"),
    Column::required("sex").example("F"),
    Column::optional("group"),
    Column::required("score").example("57.5"),
    Column::optional("band").example("basic").allowed(bands),
];

const SCHOOL: usize = 0;
const YEAR: usize = 1;
const TERM: usize = 2;
const GRADE: usize = 3;
const SUBJECT: usize = 4;
const LEARNER: usize = 5;
const SEX: usize = 6;
const GROUP: usize = 7;
const SCORE: usize = 8;
const BAND: usize = 9;

/// The proficiency bands, lowest first, as `learner_outcomes` counts them.
pub const BANDS: [&str; 4] = ["below_basic", "basic", "proficient", "advanced"];

fn bands() -> Vec<&'static str> {
    BANDS.to_vec()
}

/// The longest learner id kept.
const LEARNER_MAX: usize = 40;

/// A learner id is pseudonymous: letters, digits and `-`, `_`, `.`, `/` only (no spaces), at
/// most [`LEARNER_MAX`] characters, with at least one digit, so that a name typed in its
/// place ("Uwase Aline", "MUGISHA") is refused rather than kept.
pub fn pseudonymous(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= LEARNER_MAX
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && id.chars().any(|c| c.is_ascii_digit())
}

const INSERT: &str =
    "INSERT INTO learner_scores (school_id, year, term, subject_id, learner, grade_id, sex, group_id, score, band)";
const WIDTH: usize = 10;
const REPLACE: &str = "ON CONFLICT (school_id, year, term, subject_id, learner) DO UPDATE SET \
     grade_id = excluded.grade_id, sex = excluded.sex, group_id = excluded.group_id, \
     score = excluded.score, band = excluded.band";

/// A record checked and ready to be written.
pub struct Checked {
    school_id: i64,
    year: i64,
    term: i64,
    subject_id: i64,
    learner: String,
    grade_id: i64,
    sex: &'static str,
    group_id: i64,
    score: f64,
    band: Option<&'static str>,
}

impl Checked {
    fn cells(self) -> Vec<Cell> {
        vec![
            self.school_id.into(),
            self.year.into(),
            self.term.into(),
            self.subject_id.into(),
            self.learner.into(),
            self.grade_id.into(),
            self.sex.into(),
            self.group_id.into(),
            Cell::Real(Some(self.score)),
            Cell::Text(self.band.map(str::to_string)),
        ]
    }
}

/// The importer of learner records files.
pub struct LearnerImport {
    lookups: Lookups,
    /// The highest score of each subject, checked again before the commit.
    maxima: Maxima,
    /// The first row of each school, year, term, subject and learner in this file.
    seen: Seen,
}

impl LearnerImport {
    /// Reads what the rows are checked against, for `actor`.
    pub async fn new(db: &Db, actor: &Actor) -> Result<LearnerImport> {
        Ok(LearnerImport {
            lookups: Lookups::read(db, actor, None).await?,
            maxima: Maxima::default(),
            seen: Seen::default(),
        })
    }
}

impl Importer for LearnerImport {
    type Checked = Checked;

    fn kind(&self) -> &'static str {
        "learner-scores"
    }

    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }

    fn check(&mut self, row: &Row<'_>) -> std::result::Result<Checked, Vec<Problem>> {
        let mut problems = Vec::new();
        let l = &self.lookups;
        let school = l.school(row, SCHOOL, &mut problems);
        let year = year(row, YEAR, &mut problems);
        let term = term(row, TERM, &mut problems);
        let grade = l.grade(row, GRADE, &mut problems);
        let subject = l.subject(row, SUBJECT, &mut problems);
        let learner = row.get(LEARNER);
        if learner.is_empty() {
            problems.push(row.problem(LEARNER, "required"));
        } else if !pseudonymous(learner) {
            problems.push(row.problem(LEARNER, "learner-not-pseudonymous").arg("max", LEARNER_MAX));
        }
        let sex = sex(row, SEX, &mut problems);
        let group = l.group(row, GROUP, &mut problems);
        let score = match row.get(SCORE) {
            "" => {
                problems.push(row.problem(SCORE, "required"));
                None
            }
            text => match text.parse::<f64>() {
                Ok(s) if s.is_finite() && s < 0.0 => {
                    problems.push(row.problem(SCORE, "negative"));
                    None
                }
                Ok(s) if s.is_finite() => Some(s),
                _ => {
                    problems.push(row.problem(SCORE, "bad-number"));
                    None
                }
            },
        };
        if let (Some(s), Some((id, max))) = (score, subject) {
            if s > max {
                problems.push(
                    row.problem(SCORE, "learner-score-above-maximum").arg("max", max).arg("subject", row.get(SUBJECT)),
                );
            } else {
                self.maxima.note(id, s, row, SCORE, row.get(SUBJECT));
            }
        }
        let band = match row.get(BAND) {
            "" => None,
            text => match BANDS.iter().find(|b| b.eq_ignore_ascii_case(text)) {
                Some(b) => Some(*b),
                None => {
                    problems.push(row.problem(BAND, "bad-choice").arg("allowed", BANDS.join(", ")));
                    None
                }
            },
        };
        let (
            Some(school_id),
            Some(year),
            Some(term),
            Some(grade_id),
            Some((subject_id, _)),
            Some(sex),
            Some(group_id),
            Some(score),
        ) = (school, year, term, grade, subject, sex, group, score)
        else {
            return Err(problems);
        };
        if problems.is_empty() {
            let key = format!("{school_id}/{year}/{term}/{subject_id}/{learner}");
            if let Some(first) = self.seen.first(&key, row.number()) {
                problems.push(row.problem(LEARNER, "duplicate-in-file").arg("first", first));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Checked {
            school_id,
            year,
            term,
            subject_id,
            learner: learner.to_uppercase(),
            grade_id,
            sex: sex.key(),
            group_id,
            score,
            band,
        })
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<Checked>) -> Result<Written> {
        let touched: std::collections::BTreeSet<(i64, i64)> = rows.iter().map(|r| (r.school_id, r.year)).collect();
        for (school, year) in touched {
            tx.changed(&CELLS, rollup::changed(school, year));
        }
        let n = rows.len() as u64;
        let cells: Vec<Vec<Cell>> = rows.into_iter().map(Checked::cells).collect();
        Ok(Written::rows(n).insert(INSERT, WIDTH, cells, REPLACE))
    }

    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        self.maxima.hold(tx, "learner-score-above-maximum").await
    }
}

/// Learner records, for the one import route, page and command.
pub const KIND: import::Kind = import::Kind {
    key: "learner-scores",
    columns: COLUMNS,
    into: None,
    may: |actor| actor.may(opencpd_domain::access::Action::EditSchoolData),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import(db, actor, source, options)),
};

/// Imports a file of learner records (CSV or a workbook's first sheet): every row or none.
pub async fn import(db: &Db, actor: &Actor, source: Source, options: Options<'_>) -> Result<import::ImportReport> {
    let mut importer = LearnerImport::new(db, actor).await?;
    import::run(db, actor, &mut importer, source, options).await
}

/// The outcome cells made of learner records, as a derived table: written again at commit
/// for the schools and years whose records (or outcome rows) a transaction changed.
pub static CELLS: Derived = Derived { table: "learner_outcomes (from learner_scores)", refresh };

/// Schools whose cells one statement writes again.
const CHUNK: usize = 500;

/// The sums over a set of learner records that fill a cell's assessment columns; a band
/// count is empty where no record of the cell gives a band.
fn sums() -> String {
    let bands = BANDS
        .iter()
        .map(|b| format!("CASE WHEN COUNT(band) = 0 THEN NULL ELSE SUM(CASE WHEN band = '{b}' THEN 1 ELSE 0 END) END"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("COUNT(*), AVG(score), {bands}, COUNT(*)")
}

async fn execute(tx: &mut Tx, sql: String) -> Result<()> {
    on_tx!(&mut *tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Writes again the cells of the schools and years `filter` selects (a condition on
/// `school_id` and `year`): the cells made of records are emptied of their assessment
/// figures (or removed where nothing else is in them), then every cell that has
/// records now, for all learners and for each group, is written from them.
async fn rewrite(tx: &mut Tx, filter: &str) -> Result<()> {
    execute(
        tx,
        format!(
            "DELETE FROM learner_outcomes WHERE learners IS NOT NULL AND {filter} AND enrolled IS NULL \
             AND promoted IS NULL AND repeating IS NULL AND dropped_out IS NULL"
        ),
    )
    .await?;
    execute(
        tx,
        format!(
            "UPDATE learner_outcomes SET assessed = NULL, mean_score = NULL, below_basic = NULL, basic = NULL, \
             proficient = NULL, advanced = NULL, learners = NULL WHERE learners IS NOT NULL AND {filter}"
        ),
    )
    .await?;
    let sums = sums();
    let key = "school_id, year, term, grade_id, subject_id, sex";
    execute(
        tx,
        format!(
            "INSERT INTO learner_outcomes ({key}, group_id, assessed, mean_score, below_basic, basic, proficient, \
             advanced, learners) \
             SELECT * FROM (\
             SELECT {key}, 0 AS group_id, {sums} FROM learner_scores WHERE {filter} GROUP BY {key} \
             UNION ALL \
             SELECT {key}, group_id, {sums} FROM learner_scores WHERE {filter} AND group_id <> 0 \
             GROUP BY {key}, group_id) cells WHERE true \
             ON CONFLICT ({key}, group_id) DO UPDATE SET assessed = excluded.assessed, \
             mean_score = excluded.mean_score, below_basic = excluded.below_basic, basic = excluded.basic, \
             proficient = excluded.proficient, advanced = excluded.advanced, learners = excluded.learners"
        ),
    )
    .await
}

fn refresh<'a>(tx: &'a mut Tx, keys: &'a [Key]) -> Refreshing<'a> {
    Box::pin(async move {
        if keys == [Key::All] {
            rewrite(tx, "true").await?;
            tx.changed(&rollup::TOTALS, Key::All);
            return Ok(());
        }
        let mut by_year: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for key in keys {
            match *key {
                Key::One("school-year", id) => by_year.entry(id % 10_000).or_default().push(id / 10_000),
                Key::One(kind, _) => return Err(anyhow::anyhow!("learner cells: no key {kind}").into()),
                Key::All => unreachable!("All comes alone"),
            }
        }
        for (year, schools) in by_year {
            for chunk in schools.chunks(CHUNK) {
                let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                rewrite(tx, &format!("year = {year} AND school_id IN ({ids})")).await?;
                for school in chunk {
                    tx.changed(&rollup::TOTALS, rollup::changed(*school, year));
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::pseudonymous;

    #[test]
    fn a_learner_is_named_by_a_pseudonymous_id_never_by_a_name() {
        for id in ["L-2025-000417", "0417", "RW/110101/17", "p3.b.12", "x_9"] {
            assert!(pseudonymous(id), "{id}");
        }
        for name in ["Uwase Aline", "MUGISHA", "Jean-Bosco", "", "É-12", &"1".repeat(41)] {
            assert!(!pseudonymous(name), "{name}");
        }
    }
}
