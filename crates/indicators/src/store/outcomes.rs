//! Learner outcomes in: the import of a file of outcome rows through the kernel's one
//! import pipeline, and the entry of rows for one school, both checked by the same rules
//! ([`OutcomeImport::check`]) and written by the same statement (a row already held for
//! the same school, year, term, grade, subject, sex and group is replaced); and the removal
//! of a school's rows for a year. Every write notes the schools and years it changed for
//! [`super::rollup::TOTALS`].

use crate::model::OutcomeEntry;
use opencpd_domain::access::{Action, Target};
use opencpd_domain::{Problem, Sex, TableRow};
use opencpd_kernel::bulk::Cell;
use opencpd_kernel::import::{self, Column, Importer, Options, Row, Source, Written};
use opencpd_kernel::{Actor, Db, Error, Result, Tx, audit, on_db, on_tx};
use std::collections::HashMap;

/// The columns of an outcomes file, in this order.
pub const COLUMNS: &[Column] = &[
    Column::required("school_code").example("110101"),
    Column::required("year").example("2025"),
    Column::optional("term").example("3"),
    Column::required("grade").example("P6"),
    Column::optional("subject").example("mathematics"),
    Column::required("sex").example("F"),
    Column::optional("group"),
    Column::optional("enrolled").example("42"),
    Column::optional("assessed").example("40"),
    Column::optional("mean_score").example("61.5"),
    Column::optional("below_basic"),
    Column::optional("basic"),
    Column::optional("proficient"),
    Column::optional("advanced"),
    Column::optional("promoted"),
    Column::optional("repeating"),
    Column::optional("dropped_out"),
];

const SCHOOL: usize = 0;
const YEAR: usize = 1;
const TERM: usize = 2;
const GRADE: usize = 3;
const SUBJECT: usize = 4;
const SEX: usize = 5;
const GROUP: usize = 6;
const ENROLLED: usize = 7;
const ASSESSED: usize = 8;
const MEAN: usize = 9;
const BANDS: [usize; 4] = [10, 11, 12, 13];
const PROMOTED: usize = 14;
const REPEATING: usize = 15;
const DROPPED: usize = 16;

/// The stored columns, in the order of [`Checked::cells`].
const INSERT: &str = "INSERT INTO learner_outcomes (school_id, year, term, grade_id, subject_id, sex, group_id, \
     enrolled, assessed, mean_score, below_basic, basic, proficient, advanced, promoted, repeating, dropped_out)";
const WIDTH: usize = 17;
const REPLACE: &str = "ON CONFLICT (school_id, year, term, grade_id, subject_id, sex, group_id) DO UPDATE SET \
     enrolled = excluded.enrolled, assessed = excluded.assessed, mean_score = excluded.mean_score, \
     below_basic = excluded.below_basic, basic = excluded.basic, proficient = excluded.proficient, \
     advanced = excluded.advanced, promoted = excluded.promoted, repeating = excluded.repeating, \
     dropped_out = excluded.dropped_out";

/// A row checked and ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    school_id: i64,
    year: i64,
    term: i64,
    grade_id: i64,
    subject_id: i64,
    sex: Sex,
    group_id: i64,
    counts: [Option<i64>; 10],
    mean_score: Option<f64>,
}

impl Checked {
    fn cells(self) -> Vec<Cell> {
        let [enrolled, assessed, b1, b2, b3, b4, promoted, repeating, dropped, _] = self.counts;
        vec![
            Cell::Int(Some(self.school_id)),
            Cell::Int(Some(self.year)),
            Cell::Int(Some(self.term)),
            Cell::Int(Some(self.grade_id)),
            Cell::Int(Some(self.subject_id)),
            Cell::from(self.sex.key()),
            Cell::Int(Some(self.group_id)),
            Cell::Int(enrolled),
            Cell::Int(assessed),
            Cell::Real(self.mean_score),
            Cell::Int(b1),
            Cell::Int(b2),
            Cell::Int(b3),
            Cell::Int(b4),
            Cell::Int(promoted),
            Cell::Int(repeating),
            Cell::Int(dropped),
        ]
    }

    /// The row's place in the unique key, packed into 64 bits when its ids are small
    /// enough (schools below 2^24, grades below 2^8, subjects and groups below 2^10, years
    /// 1900–2155: every deployment we know of), so that the keys of a national file take
    /// 16 bytes a row; otherwise in 128 bits.
    fn key(&self) -> Key {
        let fits = |v: i64, bits: u32| (0..1i64 << bits).contains(&v);
        let year = self.year - 1900;
        if fits(self.school_id, 24)
            && fits(self.grade_id, 8)
            && fits(self.subject_id, 10)
            && fits(self.group_id, 10)
            && fits(year, 8)
        {
            Key::Small(
                self.school_id as u64
                    | (self.grade_id as u64) << 24
                    | (self.subject_id as u64) << 32
                    | (self.group_id as u64) << 42
                    | (year as u64) << 52
                    | (self.term as u64 & 7) << 60
                    | u64::from(self.sex == Sex::Female) << 63,
            )
        } else {
            let m = |v: i64, bits: u32| (v as u128) & ((1u128 << bits) - 1);
            Key::Large(
                m(self.school_id, 40)
                    | m(self.grade_id, 20) << 40
                    | m(self.subject_id, 20) << 60
                    | m(self.group_id, 20) << 80
                    | m(self.year, 16) << 100
                    | m(self.term, 3) << 116
                    | u128::from(self.sex == Sex::Female) << 119,
            )
        }
    }
}

/// A row's unique key, packed (see [`Checked::key`]).
enum Key {
    Small(u64),
    Large(u128),
}

/// The first row of each key seen in a file.
#[derive(Default)]
struct Seen {
    small: HashMap<u64, u32>,
    large: HashMap<u128, u32>,
}

impl Seen {
    /// The row that already had this key, or none (and the key is kept with `row`).
    fn first(&mut self, key: Key, row: u32) -> Option<u32> {
        match key {
            Key::Small(k) => match self.small.entry(k) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row);
                    None
                }
            },
            Key::Large(k) => match self.large.entry(k) {
                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(row);
                    None
                }
            },
        }
    }
}

/// What the checks look codes up in, read once before the rows.
pub(crate) struct Lookups {
    /// School code (as written, and lower-cased) → id and whether the actor may write it.
    schools: HashMap<String, (i64, bool)>,
    grades: HashMap<String, i64>,
    subjects: HashMap<String, (i64, f64)>,
    groups: HashMap<String, i64>,
}

/// The highest score an import checked for each subject, with where it was read: checked
/// again, before the import commits, against each subject's maximum as it is then
/// ([`Maxima::hold`]). A maximum lowered after the rows were checked (their look-ups are
/// read before the import's transaction) cannot leave a score above it.
#[derive(Default)]
pub(crate) struct Maxima {
    /// Subject id → its highest score, the row and column it was read at, its code as written.
    highest: HashMap<i64, (f64, usize, &'static str, String)>,
}

impl Maxima {
    /// Notes a score checked for `subject`, read at `row`'s column `i`.
    pub(crate) fn note(&mut self, subject: i64, score: f64, row: &Row<'_>, i: usize, code: &str) {
        let higher = self.highest.get(&subject).is_none_or(|(was, ..)| score > *was);
        if higher {
            self.highest.insert(subject, (score, row.number(), row.column(i), code.to_string()));
        }
    }

    /// Reads each subject's maximum in `tx`, holding its row until the transaction ends
    /// (so an edit lowering it waits, then counts the scores written here), and refuses
    /// a score above it: the problem `code` names its row, column and the maximum.
    pub(crate) async fn hold(&self, tx: &mut Tx, code: &'static str) -> Result<()> {
        if self.highest.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = self.highest.keys().map(i64::to_string).collect();
        let sql = format!(
            "SELECT id, max_score FROM outcome_subjects WHERE id IN ({}) ORDER BY id{}",
            ids.join(", "),
            tx.locking(opencpd_kernel::RowLock::Share)
        );
        let maxima: Vec<(i64, f64)> =
            on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&mut *c).await)?;
        let mut problems = Vec::new();
        for (id, max) in maxima {
            if let Some((score, row, column, subject)) = self.highest.get(&id)
                && *score > max
            {
                problems.push(
                    Problem::new(code)
                        .at_row(*row)
                        .in_column(*column)
                        .with_value(score.to_string())
                        .arg("max", max)
                        .arg("subject", subject.as_str()),
                );
            }
        }
        problems.sort_by_key(|p| p.row);
        opencpd_kernel::error::fail_if_any(problems)
    }
}

fn lowered<V: Clone>(rows: Vec<(String, V)>) -> HashMap<String, V> {
    let mut map = HashMap::with_capacity(rows.len() * 2);
    for (code, v) in rows {
        map.insert(code.to_lowercase(), v.clone());
        map.insert(code, v);
    }
    map
}

fn find<'m, V>(map: &'m HashMap<String, V>, code: &str) -> Option<&'m V> {
    map.get(code).or_else(|| map.get(&code.to_lowercase()))
}

impl Lookups {
    /// The school of column `i`, which the actor may enter data for.
    pub(crate) fn school(&self, row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
        match find(&self.schools, row.get(i)) {
            None if row.get(i).is_empty() => {
                problems.push(row.problem(i, "required"));
                None
            }
            None => {
                problems.push(row.problem(i, "unknown-school"));
                None
            }
            Some((_, false)) => {
                problems.push(row.problem(i, "out-of-scope"));
                None
            }
            Some((id, true)) => Some(*id),
        }
    }

    /// The grade of column `i` (required).
    pub(crate) fn grade(&self, row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
        let grade = find(&self.grades, row.get(i)).copied();
        if grade.is_none() {
            problems.push(row.problem(i, if row.get(i).is_empty() { "required" } else { "unknown-grade" }));
        }
        grade
    }

    /// The subject of column `i` (required here) and its maximum score.
    pub(crate) fn subject(&self, row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<(i64, f64)> {
        let subject = find(&self.subjects, row.get(i)).copied();
        if subject.is_none() {
            problems.push(row.problem(i, if row.get(i).is_empty() { "required" } else { "unknown-subject" }));
        }
        subject
    }

    /// The learner group of column `i`; 0 (all learners) when empty.
    pub(crate) fn group(&self, row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
        match row.get(i) {
            "" => Some(0),
            code => match find(&self.groups, code) {
                Some(id) => Some(*id),
                None => {
                    problems.push(row.problem(i, "unknown-group"));
                    None
                }
            },
        }
    }

    pub(crate) async fn read(db: &Db, actor: &Actor, only_school: Option<i64>) -> Result<Lookups> {
        let schools: Vec<(i64, String, String)> = match only_school {
            Some(id) => on_db!(db, |p| sqlx::query_as("SELECT id, code, unit_path FROM schools WHERE id = $1")
                .bind(id)
                .fetch_all(p)
                .await)?,
            None => on_db!(db, |p| sqlx::query_as("SELECT id, code, unit_path FROM schools").fetch_all(p).await)?,
        };
        let schools = schools
            .into_iter()
            .map(|(id, code, unit_path)| {
                let allowed = actor.allows(Action::EditSchoolData, &Target::School { id, unit_path: &unit_path });
                (code, (id, allowed))
            })
            .collect();
        let grades: Vec<(String, i64)> =
            on_db!(db, |p| sqlx::query_as("SELECT code, id FROM outcome_grades").fetch_all(p).await)?;
        let subjects: Vec<(String, i64, f64)> =
            on_db!(db, |p| sqlx::query_as("SELECT code, id, max_score FROM outcome_subjects").fetch_all(p).await)?;
        let groups: Vec<(String, i64)> =
            on_db!(db, |p| sqlx::query_as("SELECT code, id FROM learner_groups").fetch_all(p).await)?;
        Ok(Lookups {
            schools: lowered(schools),
            grades: lowered(grades),
            subjects: lowered(subjects.into_iter().map(|(c, id, max)| (c, (id, max))).collect()),
            groups: lowered(groups),
        })
    }
}

/// The importer of outcome files (and the checker of rows entered for a school).
pub struct OutcomeImport {
    lookups: Lookups,
    /// The highest mean score of each subject, checked again before the commit.
    maxima: Maxima,
    /// Whether any learner records are held: then the cells they make are written again
    /// after outcome rows, so that a cell's scores keep one source.
    records: bool,
    /// The first row of each key seen in this file.
    seen: Seen,
}

impl OutcomeImport {
    /// Reads what the rows are checked against, for `actor`.
    pub async fn new(db: &Db, actor: &Actor) -> Result<OutcomeImport> {
        Ok(OutcomeImport {
            lookups: Lookups::read(db, actor, None).await?,
            maxima: Maxima::default(),
            records: records(db).await?,
            seen: Seen::default(),
        })
    }
}

/// Whether any learner records are held.
async fn records(db: &Db) -> Result<bool> {
    let any: i64 =
        on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM learner_scores LIMIT 1) one")
            .fetch_one(p)
            .await)?;
    Ok(any > 0)
}

/// The year of column `i`: a whole number in `1900..=2100`.
pub(crate) fn year(row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
    match row.get(i).parse::<i64>() {
        Ok(y) if (1900..=2100).contains(&y) => Some(y),
        _ => {
            problems.push(row.problem(i, "bad-year"));
            None
        }
    }
}

/// A term from 1 to 4; 0 (the whole year) when empty.
pub(crate) fn term(row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
    match row.get(i) {
        "" => Some(0),
        t => match t.parse::<i64>() {
            Ok(t @ 1..=4) => Some(t),
            _ => {
                problems.push(row.problem(i, "bad-term"));
                None
            }
        },
    }
}

/// The sex of column `i`.
pub(crate) fn sex(row: &Row<'_>, i: usize, problems: &mut Vec<Problem>) -> Option<Sex> {
    match Sex::parse(row.get(i)) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.push(Problem { row: Some(row.number()), column: Some(row.column(i).into()), ..p });
            None
        }
    }
}

impl Importer for OutcomeImport {
    type Checked = Checked;

    fn kind(&self) -> &'static str {
        "outcomes"
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
        let subject = match row.get(SUBJECT) {
            "" => Some((0, None)),
            _ => l.subject(row, SUBJECT, &mut problems).map(|(id, max)| (id, Some(max))),
        };
        let sex = sex(row, SEX, &mut problems);
        let group = l.group(row, GROUP, &mut problems);
        let count = |i: usize, problems: &mut Vec<Problem>| row.count(i, problems);
        let enrolled = count(ENROLLED, &mut problems);
        let assessed = count(ASSESSED, &mut problems);
        let bands = BANDS.map(|i| count(i, &mut problems));
        let promoted = count(PROMOTED, &mut problems);
        let repeating = count(REPEATING, &mut problems);
        let dropped = count(DROPPED, &mut problems);
        let mean_score = match row.get(MEAN) {
            "" => None,
            text => match text.parse::<f64>() {
                Ok(m) if m.is_finite() && m >= 0.0 => Some(m),
                Ok(m) if m.is_finite() => {
                    problems.push(row.problem(MEAN, "negative"));
                    None
                }
                _ => {
                    problems.push(row.problem(MEAN, "bad-number"));
                    None
                }
            },
        };
        // The rules between cells.
        if let Some(e) = enrolled {
            for (i, v) in [(REPEATING, repeating), (PROMOTED, promoted), (DROPPED, dropped), (ASSESSED, assessed)] {
                if v.is_some_and(|v| v > e) {
                    let code = if i == REPEATING { "more-repeaters-than-enrolled" } else { "more-than-enrolled" };
                    problems.push(row.problem(i, code).arg("enrolled", e));
                }
            }
        }
        let banded: i64 = bands.iter().flatten().sum();
        if let Some(a) = assessed
            && banded > a
        {
            problems.push(row.problem(BANDS[0], "bands-above-assessed").arg("total", banded).arg("assessed", a));
        }
        if let (Some(m), Some((id, max))) = (mean_score, subject) {
            match max {
                Some(max) if m > max => {
                    problems.push(
                        row.problem(MEAN, "score-above-maximum").arg("max", max).arg("subject", row.get(SUBJECT)),
                    );
                }
                None => problems.push(row.problem(MEAN, "score-needs-subject")),
                Some(_) => self.maxima.note(id, m, row, MEAN, row.get(SUBJECT)),
            }
        }
        let (Some(school_id), Some(year), Some(term), Some(grade_id), Some((subject_id, _)), Some(sex), Some(group_id)) =
            (school, year, term, grade, subject, sex, group)
        else {
            return Err(problems);
        };
        let checked = Checked {
            school_id,
            year,
            term,
            grade_id,
            subject_id,
            sex,
            group_id,
            counts: [enrolled, assessed, bands[0], bands[1], bands[2], bands[3], promoted, repeating, dropped, None],
            mean_score,
        };
        if let Some(first) = self.seen.first(checked.key(), row.number() as u32) {
            problems.push(
                Problem::new("duplicate-in-file")
                    .at_row(row.number())
                    .in_column("school_code")
                    .with_value(row.get(SCHOOL))
                    .arg("first", first),
            );
        }
        if problems.is_empty() { Ok(checked) } else { Err(problems) }
    }

    async fn write(&mut self, tx: &mut Tx, rows: Vec<Checked>) -> Result<Written> {
        let touched: std::collections::BTreeSet<(i64, i64)> = rows.iter().map(|r| (r.school_id, r.year)).collect();
        for (school, year) in touched {
            tx.changed(&super::rollup::TOTALS, super::rollup::changed(school, year));
            if self.records {
                tx.changed(&super::learners::CELLS, super::rollup::changed(school, year));
            }
        }
        let n = rows.len() as u64;
        let cells: Vec<Vec<Cell>> = rows.into_iter().map(Checked::cells).collect();
        Ok(Written::rows(n).insert(INSERT, WIDTH, cells, REPLACE))
    }

    async fn finish(&mut self, tx: &mut Tx) -> Result<()> {
        self.maxima.hold(tx, "score-above-maximum").await
    }
}

/// Imports a file of outcome rows (CSV or a workbook's first sheet): every row or none.
/// Learner outcomes and learner records, for the one import route, page and command.
pub static KINDS: [import::Kind; 4] =
    [OUTCOMES, super::learners::KIND, super::dhis2::DATA_KIND, super::dhis2::CODES_KIND];

const OUTCOMES: import::Kind = import::Kind {
    key: "outcomes",
    columns: COLUMNS,
    into: None,
    may: |actor| actor.may(Action::EditSchoolData),
    updates: false,
    run: |db, actor, source, options, _| Box::pin(import(db, actor, source, options)),
};

pub async fn import(db: &Db, actor: &Actor, source: Source, options: Options<'_>) -> Result<import::ImportReport> {
    let mut importer = OutcomeImport::new(db, actor).await?;
    import::run(db, actor, &mut importer, source, options).await
}

/// Enters rows of outcomes for one school (its leader's page): the import's checks, each
/// problem naming the entry (as its row, from 1) and the field; every row or none.
pub async fn enter(db: &Db, actor: &Actor, school_id: i64, entries: &[OutcomeEntry]) -> Result<u64> {
    let school: Option<(String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT code, unit_path FROM schools WHERE id = $1")
            .bind(school_id)
            .fetch_optional(p)
            .await)?;
    let (code, unit_path) = school.ok_or(Error::NotFound)?;
    actor.require(Action::EditSchoolData, &Target::School { id: school_id, unit_path: &unit_path })?;
    if entries.is_empty() {
        return Err(Error::Invalid(vec![Problem::new("nothing-entered")]));
    }
    let mut importer = OutcomeImport {
        lookups: Lookups::read(db, actor, Some(school_id)).await?,
        maxima: Maxima::default(),
        records: records(db).await?,
        seen: Seen::default(),
    };
    let at: Vec<Option<usize>> = (0..COLUMNS.len()).map(Some).collect();
    let mut problems = Vec::new();
    let mut checked = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let cells = vec![
            code.clone(),
            e.year.to_string(),
            text(e.term),
            e.grade.clone(),
            e.subject.clone().unwrap_or_default(),
            e.sex.clone(),
            e.group.clone().unwrap_or_default(),
            text(e.enrolled),
            text(e.assessed),
            e.mean_score.map(|m| m.to_string()).unwrap_or_default(),
            text(e.below_basic),
            text(e.basic),
            text(e.proficient),
            text(e.advanced),
            text(e.promoted),
            text(e.repeating),
            text(e.dropped_out),
        ];
        let row = TableRow { number: i + 1, cells };
        match importer.check(&Row::new(&row, &at, COLUMNS)) {
            Ok(c) => checked.push(c),
            Err(p) => problems.extend(p),
        }
    }
    opencpd_kernel::error::fail_if_any(problems)?;
    let mut tx = db.begin().await?;
    let written = importer.write(&mut tx, checked).await?.finish(&mut tx).await?;
    importer.finish(&mut tx).await?;
    audit::record(
        &mut tx,
        actor,
        "enter",
        "learner_outcomes",
        &school_id.to_string(),
        &format!("{written} outcome rows for school {code}"),
        None::<&()>,
        Some(&serde_json::json!({ "rows": written })),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// A school as its outcomes' entry page needs it: its name, and whether the reader may
/// enter its outcomes ([`enter`]'s rule). Read in scope first: out of scope is "not found".
pub struct EntrySchool {
    pub name: String,
    pub may_enter: bool,
}

pub async fn entry_school(db: &Db, actor: &Actor, school_id: i64) -> Result<EntrySchool> {
    let school: Option<(String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT name, unit_path FROM schools WHERE id = $1")
            .bind(school_id)
            .fetch_optional(p)
            .await)?;
    let (name, unit_path) = school.ok_or(Error::NotFound)?;
    let target = Target::School { id: school_id, unit_path: &unit_path };
    actor.require(Action::Read, &target)?;
    Ok(EntrySchool { name, may_enter: actor.allows(Action::EditSchoolData, &target) })
}

/// Removes a school's outcome rows for a year (all terms, grades, subjects and groups), as
/// one who may enter them; answers how many were removed.
pub async fn remove_year(db: &Db, actor: &Actor, school_id: i64, year: i64) -> Result<u64> {
    let school: Option<(String, String)> =
        on_db!(db, |p| sqlx::query_as("SELECT code, unit_path FROM schools WHERE id = $1")
            .bind(school_id)
            .fetch_optional(p)
            .await)?;
    let (code, unit_path) = school.ok_or(Error::NotFound)?;
    actor.require(Action::EditSchoolData, &Target::School { id: school_id, unit_path: &unit_path })?;
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query("DELETE FROM learner_scores WHERE school_id = $1 AND year = $2")
        .bind(school_id)
        .bind(year)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    let removed = on_tx!(&mut tx, |c| sqlx::query("DELETE FROM learner_outcomes WHERE school_id = $1 AND year = $2")
        .bind(school_id)
        .bind(year)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.changed(&super::rollup::TOTALS, super::rollup::changed(school_id, year));
    audit::record(
        &mut tx,
        actor,
        "delete",
        "learner_outcomes",
        &school_id.to_string(),
        &format!("{removed} outcome rows of {year} for school {code}"),
        Some(&serde_json::json!({ "year": year, "rows": removed })),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}
