//! The one import pipeline. An area says what a file of its kind holds by implementing
//! [`Importer`] (its columns, the check of one row, the batched write of checked rows);
//! [`run`] does the rest the same way for every kind:
//! - it streams the file (CSV through `opencpd_transfer::CsvRows`, a workbook's first
//!   sheet through transfer's bounded reader) on a thread of its own, a few hundred rows
//!   at a time through a short queue, so memory stays flat on any file size;
//! - it matches the header to the columns (a missing, unknown or repeated column stops it
//!   before any row), skips blank rows, and checks every row;
//! - it writes checked rows in batches (the area's `write`, through [`crate::bulk`]) inside
//!   one transaction, with one audit event; the first problem stops the writing, the
//!   transaction is rolled back and the checking goes on to the end, so the report names
//!   every problem (row and column) and nothing is written: all or nothing;
//! - an area that must look rows up in the database checks each batch there
//!   ([`Importer::check_batch`]), in the import's transaction, on a dry run too;
//! - a dry run checks everything and writes nothing;
//! - on an update (`--update`), for a kind that takes one ([`Importer::compared`]), a row
//!   whose key names a record ([`Importer::current`]) updates it instead of being refused:
//!   the runner compares the row's fields with the record's ([`Importer::keyed`]; an empty
//!   cell leaves a value as it is), counts the rows added, updated and unchanged, lists the
//!   changes (key, field, before, after; the first [`LISTED_CHANGES`], every one counted),
//!   writes the changed records ([`Importer::update`]) and records each with its fields
//!   before and after in the audit trail, in the import's one transaction.
//!
//! What an area looks up before checking (codes already in the database, what the actor
//! may write) it reads when it builds its importer, before [`run`].

use crate::{Actor, Db, Error, Result, Tx, audit};
use opencpd_domain::{Problem, TableRow};
use serde::Serialize;
use std::future::Future;
use std::path::Path;

/// How many problems a report lists; every problem is counted.
pub const LISTED_PROBLEMS: usize = 1_000;

/// How many changes an update's report lists; every change is counted.
pub const LISTED_CHANGES: usize = 1_000;

/// Rows sent from the reading thread at a time, and how many such chunks may wait.
const CHUNK_ROWS: usize = 512;
const QUEUE_CHUNKS: usize = 8;

pub use opencpd_domain::import::Column;

/// One row of the file with its cells in the order of [`Importer::columns`] (an optional
/// column the file does not have reads as empty).
pub struct Row<'a> {
    row: &'a TableRow,
    at: &'a [Option<usize>],
    columns: &'a [Column],
}

impl<'a> Row<'a> {
    /// A row of `columns` whose cells are at `at` in `row` (the runner builds these; an
    /// area entering one record through a form builds one to run the same checks).
    pub fn new(row: &'a TableRow, at: &'a [Option<usize>], columns: &'a [Column]) -> Row<'a> {
        Row { row, at, columns }
    }

    /// The row's number as a spreadsheet shows it (the header is row 1).
    pub fn number(&self) -> usize {
        self.row.number
    }

    /// The cell of column `i` (an index into [`Importer::columns`]), trimmed.
    pub fn get(&self, i: usize) -> &str {
        self.at[i].map(|c| self.row.get(c)).unwrap_or("")
    }

    /// The name of column `i`.
    pub fn column(&self, i: usize) -> &'static str {
        self.columns[i].name
    }

    /// A problem at this row, in column `i`, with the cell's value.
    pub fn problem(&self, i: usize, code: &'static str) -> Problem {
        Problem::new(code).at_row(self.row.number).in_column(self.columns[i].name).with_value(self.get(i))
    }

    /// Whole number of column `i`: `None` when empty, a problem naming the cell when it is
    /// not a whole number or is below zero.
    pub fn count(&self, i: usize, problems: &mut Vec<Problem>) -> Option<i64> {
        let text = self.get(i);
        if text.is_empty() {
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            Ok(_) => {
                problems.push(self.problem(i, "negative"));
                None
            }
            Err(_) => {
                problems.push(self.problem(i, "bad-number"));
                None
            }
        }
    }
}

impl opencpd_domain::import::Cells for Row<'_> {
    fn number(&self) -> usize {
        self.row.number
    }
    fn cell(&self, column: &str) -> &str {
        self.columns.iter().position(|c| c.name == column).map(|i| self.get(i)).unwrap_or("")
    }
}

/// What an area implements to import a kind of file.
pub trait Importer: Send {
    /// A row checked and ready to be written.
    type Checked: Send;

    /// The kind, as the report, the audit trail and `opencpd import <kind>` name it.
    fn kind(&self) -> &'static str;

    /// The columns of the file, in the order [`Row::get`] reads them.
    fn columns(&self) -> &'static [Column];

    /// Checks one row: every problem it has, each naming the row and column (through
    /// [`Row::problem`]). Called for every row in order, so it may remember earlier rows
    /// (duplicates within the file).
    fn check(&mut self, row: &Row<'_>) -> std::result::Result<Self::Checked, Vec<Problem>>;

    /// Checks a batch of checked rows against the database, in the import's transaction
    /// (on a dry run too), before it is written: answers the problems, and leaves in
    /// `rows` only the rows without one. Called for every batch, even once an earlier
    /// problem has stopped the writing, so that the report names every problem. Nothing by
    /// default (an importer that looked everything up before the run checks it all in
    /// [`Importer::check`]).
    fn check_batch(
        &mut self,
        _tx: &mut Tx,
        _rows: &mut Vec<Self::Checked>,
    ) -> impl Future<Output = Result<Vec<Problem>>> + Send {
        async { Ok(Vec::new()) }
    }

    /// Writes checked rows (a batch of at most [`Importer::batch_rows`]) in the import's
    /// transaction, through [`crate::bulk`]; answers the records written, and the inserts
    /// it leaves to the pipeline ([`Written::insert`]), which runs them while it checks the
    /// next rows. A conflict it finds in the database (a cohort full) is `Error::Invalid`:
    /// reported like a bad row, and nothing is written.
    fn write(&mut self, tx: &mut Tx, rows: Vec<Self::Checked>) -> impl Future<Output = Result<Written>> + Send;

    /// After the last batch, before the commit: note derived data made stale
    /// ([`Tx::changed`]), check what holds only for the whole file. `Error::Invalid` is
    /// reported and nothing is written. Nothing by default.
    fn finish(&mut self, _tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// Rows per write.
    fn batch_rows(&self) -> usize {
        crate::bulk::batch_rows(self.columns().len())
    }

    /// The fields an update compares and may change, by their column names; none (the
    /// default) for a kind whose files only add records, which refuses an update.
    fn compared(&self) -> &'static [&'static str] {
        &[]
    }

    /// The record kind an update's audit events name (`school`).
    fn entity(&self) -> &'static str {
        self.kind()
    }

    /// Update: a checked row's key and its value of each [`Importer::compared`] field.
    fn keyed(&self, _row: &Self::Checked) -> Keyed {
        Keyed { row: 0, key: String::new(), values: Vec::new() }
    }

    /// Update: the record each row of a batch names, read in the import's transaction (on a
    /// dry run too), one per row left in `rows` (`None`: no record has the row's key, the
    /// row adds one). A row naming a record the actor may not change is a problem, and is
    /// taken out of `rows`. Called after [`Importer::check_batch`].
    fn current(
        &mut self,
        _tx: &mut Tx,
        rows: &mut Vec<Self::Checked>,
    ) -> impl Future<Output = Result<(Vec<Option<Current>>, Vec<Problem>)>> + Send {
        let none: Vec<Option<Current>> = rows.iter().map(|_| None).collect();
        async move { Ok((none, Vec::new())) }
    }

    /// Update: writes rows that change the records they name (each with the record's id),
    /// in the import's transaction. A field a row leaves empty keeps its value.
    fn update(&mut self, _tx: &mut Tx, _rows: Vec<(i64, Self::Checked)>) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }
}

/// What an update compares of one checked row.
pub struct Keyed {
    /// The row's number.
    pub row: usize,
    /// The record's key as the file gives it (a code, a staff number).
    pub key: String,
    /// The row's value of each [`Importer::compared`] field as text; `None` for a cell left
    /// empty, which leaves the record's value as it is.
    pub values: Vec<Option<String>>,
}

/// A record an update's row names, as the database holds it.
pub struct Current {
    pub id: i64,
    /// Its value of each [`Importer::compared`] field, as text written as [`Keyed::values`]
    /// are (so that equal values compare equal).
    pub values: Vec<Option<String>>,
}

/// One field an update changes (or, on a dry run, would change).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub row: usize,
    /// The record's key, as the file gives it.
    pub key: String,
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a batch's write did: the records it wrote or will write, and the inserts it left to
/// the pipeline. They need nothing but the transaction, so the pipeline runs them on a task
/// of their own while it checks the next rows (on SQLite the database works on its own
/// thread, on PostgreSQL the server does): the checks and the database's work overlap
/// instead of taking turns. The pipeline waits for them before anything else uses the
/// transaction (the next batch's checks against the database, the commit), so they are
/// done in order, in the one transaction.
#[must_use = "the inserts left are run by the pipeline or by `Written::finish`"]
pub struct Written {
    rows: u64,
    inserts: Vec<Insert>,
}

/// A batched insert left to the pipeline: [`crate::bulk::insert_then`]'s arguments.
struct Insert {
    head: &'static str,
    columns: usize,
    rows: Vec<Vec<crate::bulk::Cell>>,
    tail: &'static str,
}

impl Written {
    /// `rows` records written, nothing left to do.
    pub fn rows(rows: u64) -> Written {
        Written { rows, inserts: Vec::new() }
    }

    /// Leaves `rows` to insert with `head` and `tail`, as [`crate::bulk::insert_then`]
    /// does, after the inserts left before.
    pub fn insert(
        mut self,
        head: &'static str,
        columns: usize,
        rows: Vec<Vec<crate::bulk::Cell>>,
        tail: &'static str,
    ) -> Written {
        if !rows.is_empty() {
            self.inserts.push(Insert { head, columns, rows, tail });
        }
        self
    }

    /// Runs what is left now, in `tx`; answers the records written (for a caller that
    /// writes one batch outside the pipeline, such as a form's entries).
    pub async fn finish(self, tx: &mut Tx) -> Result<u64> {
        run_inserts(tx, self.inserts).await?;
        Ok(self.rows)
    }
}

async fn run_inserts(tx: &mut Tx, inserts: Vec<Insert>) -> Result<()> {
    for i in inserts {
        crate::bulk::insert_then(tx, i.head, i.columns, i.rows, i.tail, &|_| {}).await?;
    }
    Ok(())
}

/// The import's transaction, lent to the task that runs a batch's inserts while the
/// pipeline checks the next rows ([`Written`]).
struct Writer {
    tx: Option<Tx>,
    running: Option<tokio::task::JoinHandle<(Tx, Result<()>)>>,
}

impl Writer {
    /// The transaction, once the inserts running have ended; their failure is this call's.
    async fn tx(&mut self) -> Result<&mut Tx> {
        if let Some(running) = self.running.take() {
            let (tx, done) =
                running.await.map_err(|e| Error::Other(anyhow::anyhow!("an import's write failed: {e}")))?;
            self.tx = Some(tx);
            done?;
        }
        Ok(self.tx.as_mut().expect("the transaction is back once nothing runs"))
    }

    /// Starts `inserts` on a task of their own, lending it the transaction.
    async fn start(&mut self, inserts: Vec<Insert>) -> Result<()> {
        if inserts.is_empty() {
            return Ok(());
        }
        self.tx().await?;
        let mut tx = self.tx.take().expect("the transaction is back once nothing runs");
        self.running = Some(tokio::spawn(async move {
            let done = run_inserts(&mut tx, inserts).await;
            (tx, done)
        }));
        // Let the task send its statement before the checks go on: on a runtime of one
        // thread it would otherwise wait for the next chunk of rows.
        tokio::task::yield_now().await;
        Ok(())
    }

    /// The transaction back, once everything has run.
    async fn into_tx(mut self) -> Result<Tx> {
        self.tx().await?;
        Ok(self.tx.take().expect("the transaction is back once nothing runs"))
    }
}

/// Where the rows come from.
pub enum Source {
    /// A CSV read as it arrives (a file, an upload's body).
    Csv(Box<dyn std::io::Read + Send>),
    /// A workbook's bytes (`.xlsx`, `.xls`): its first sheet is streamed.
    Workbook(Vec<u8>),
    /// A table already read from another format (a DHIS2 data value set, say): its rows'
    /// numbers are what problems name.
    Table(opencpd_domain::Table),
    /// A JSON document (`.json`: a DHIS2 data value set), read whole by the kinds that
    /// take one; a kind that reads tables refuses it as a format it does not read.
    Json(Vec<u8>),
}

/// Whether a file name's extension is a JSON document's.
fn is_json(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("json"))
}

/// Whether the import route reads a file of this name (a table by its extension, or a
/// JSON document), before its bytes are received.
pub fn readable(name: &str) -> std::result::Result<(), Problem> {
    if is_json(name) { Ok(()) } else { opencpd_transfer::Format::from_name(name).map(|_| ()) }
}

impl Source {
    /// A file on disk, its format told by its extension.
    pub fn path(path: &Path) -> std::result::Result<Source, Problem> {
        let unreadable =
            |e: std::io::Error| Problem::new("not-a-table").arg("detail", format!("{}: {e}", path.display()));
        let name = path.to_string_lossy();
        if is_json(&name) {
            return Ok(Source::Json(std::fs::read(path).map_err(unreadable)?));
        }
        match opencpd_transfer::Format::from_name(&name)? {
            opencpd_transfer::Format::Csv => Ok(Source::Csv(Box::new(std::fs::File::open(path).map_err(unreadable)?))),
            opencpd_transfer::Format::Xlsx => Ok(Source::Workbook(std::fs::read(path).map_err(unreadable)?)),
        }
    }

    /// Bytes already received, their format told by the file name.
    pub fn bytes(name: &str, bytes: Vec<u8>) -> std::result::Result<Source, Problem> {
        if is_json(name) {
            return Ok(Source::Json(bytes));
        }
        match opencpd_transfer::Format::from_name(name)? {
            opencpd_transfer::Format::Csv => Ok(Source::Csv(Box::new(std::io::Cursor::new(bytes)))),
            opencpd_transfer::Format::Xlsx => Ok(Source::Workbook(bytes)),
        }
    }
}

/// What an import did, or on a dry run would do.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImportReport {
    pub kind: &'static str,
    /// Data rows read (blank rows not counted).
    pub rows_read: u64,
    /// Records written: 0 on a dry run or when there are problems.
    pub rows_written: u64,
    /// Rows that passed their checks (what a dry run would write).
    pub rows_valid: u64,
    pub dry_run: bool,
    /// The first [`LISTED_PROBLEMS`] problems, in file order.
    pub problems: Vec<Problem>,
    /// Every problem found.
    pub problems_total: u64,
    /// Whether rows naming existing records update them.
    pub update: bool,
    /// Rows that passed their checks, by what they do (on a dry run, or when another row
    /// has a problem, what they would do): add a record, change one, or leave one as it is.
    pub rows_added: u64,
    pub rows_updated: u64,
    pub rows_unchanged: u64,
    /// An update's first [`LISTED_CHANGES`] changed fields, in file order.
    pub changes: Vec<Change>,
    /// Every changed field.
    pub changes_total: u64,
}

impl ImportReport {
    /// A report of nothing read yet.
    pub fn empty(kind: &'static str, dry_run: bool) -> ImportReport {
        ImportReport {
            kind,
            rows_read: 0,
            rows_written: 0,
            rows_valid: 0,
            dry_run,
            problems: Vec::new(),
            problems_total: 0,
            update: false,
            rows_added: 0,
            rows_updated: 0,
            rows_unchanged: 0,
            changes: Vec::new(),
            changes_total: 0,
        }
    }

    /// A report of a file not read at all: `problem` says why (no right to import, a file
    /// that is no table).
    pub fn refused(kind: &'static str, dry_run: bool, problem: Problem) -> ImportReport {
        let mut report = ImportReport::empty(kind, dry_run);
        report.add([problem]);
        report
    }

    pub fn ok(&self) -> bool {
        self.problems_total == 0
    }

    /// Counts and lists `problems`, the first [`LISTED_PROBLEMS`] of a report.
    pub fn add(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            self.problems_total += 1;
            if self.problems.len() < LISTED_PROBLEMS {
                self.problems.push(p);
            }
        }
    }
}

/// How to run an import.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    pub dry_run: bool,
    /// Rows whose key names a record update it (a kind that takes updates only: see
    /// [`update_of`]); other rows add records.
    pub update: bool,
    /// Called with the rows read so far, after each chunk.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

type Chunk = std::result::Result<Vec<TableRow>, Problem>;

/// Reads `source` on a thread of its own, sending the header and then chunks of rows.
fn spawn_reader(source: Source, tx: tokio::sync::mpsc::Sender<Chunk>) {
    std::thread::spawn(move || {
        // A reader that panicked must not look like the end of the file (the rows read so
        // far would be written): it is a file that could not be read.
        let told = tx.clone();
        let read = std::panic::AssertUnwindSafe(move || read_into(source, tx));
        if std::panic::catch_unwind(read).is_err() {
            let _ = told.blocking_send(Err(Problem::new("not-a-table").arg("detail", "the file could not be read")));
        }
    });
}

/// Reads `source`, sending the header and then chunks of rows.
fn read_into(source: Source, tx: tokio::sync::mpsc::Sender<Chunk>) {
    {
        let limits = opencpd_transfer::stream::STREAM;
        let send_rows =
            |tx: &tokio::sync::mpsc::Sender<Chunk>, chunk: Vec<TableRow>| tx.blocking_send(Ok(chunk)).is_ok();
        match source {
            Source::Csv(read) => {
                let mut rows = match opencpd_transfer::CsvRows::new(read, limits) {
                    Ok(rows) => rows,
                    Err(p) => {
                        let _ = tx.blocking_send(Err(p));
                        return;
                    }
                };
                let header = TableRow { number: 1, cells: rows.headers().to_vec() };
                if !send_rows(&tx, vec![header]) {
                    return;
                }
                let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                loop {
                    match rows.next_row() {
                        Ok(Some(r)) => {
                            chunk.push(r);
                            if chunk.len() == CHUNK_ROWS
                                && !send_rows(&tx, std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS)))
                            {
                                return;
                            }
                        }
                        Ok(None) => {
                            if !chunk.is_empty() {
                                send_rows(&tx, chunk);
                            }
                            return;
                        }
                        Err(p) => {
                            if !chunk.is_empty() && !send_rows(&tx, std::mem::take(&mut chunk)) {
                                return;
                            }
                            let _ = tx.blocking_send(Err(p));
                            return;
                        }
                    }
                }
            }
            Source::Json(_) => {
                let _ = tx.blocking_send(Err(Problem::new("unsupported-format").with_value("json")));
            }
            Source::Table(table) => {
                let header = TableRow { number: 1, cells: table.headers };
                if !send_rows(&tx, vec![header]) {
                    return;
                }
                let mut rows = table.rows.into_iter().peekable();
                while rows.peek().is_some() {
                    if !send_rows(&tx, rows.by_ref().take(CHUNK_ROWS).collect()) {
                        return;
                    }
                }
            }
            Source::Workbook(bytes) => {
                let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                let mut first = true;
                let mut open = true;
                let result = opencpd_transfer::stream::each_sheet_row(&bytes, &limits, &mut |row| {
                    chunk.push(row);
                    if first || chunk.len() == CHUNK_ROWS {
                        first = false;
                        open = send_rows(&tx, std::mem::take(&mut chunk));
                    }
                    open
                });
                if open && !chunk.is_empty() {
                    open = send_rows(&tx, chunk);
                }
                match result {
                    Err(p) if open => {
                        let _ = tx.blocking_send(Err(p));
                    }
                    Ok(()) if first && open => {
                        let _ = tx.blocking_send(Err(Problem::new("empty-file")));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Where each of the importer's columns is in the file, or the problems of the header.
pub fn match_header(headers: &[String], columns: &[Column]) -> std::result::Result<Vec<Option<usize>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut at = vec![None; columns.len()];
    for (i, h) in headers.iter().enumerate() {
        // A header cell is shown in a problem at most 80 characters long.
        let name: String = opencpd_domain::import::normalise_header(h).chars().take(80).collect();
        if name.is_empty() {
            continue;
        }
        match columns.iter().position(|c| c.name == name) {
            Some(c) if at[c].is_some() => {
                problems.push(Problem::new("duplicate-column").at_row(1).in_column(name));
            }
            Some(c) => at[c] = Some(i),
            None => {
                let expected: Vec<&str> = columns.iter().map(|c| c.name).collect();
                problems.push(
                    Problem::new("unknown-column").at_row(1).in_column(name).arg("expected", expected.join(", ")),
                );
            }
        }
    }
    for (c, column) in columns.iter().enumerate() {
        if column.required && at[c].is_none() {
            problems.push(Problem::new("missing-column").at_row(1).in_column(column.name));
        }
    }
    if problems.is_empty() { Ok(at) } else { Err(problems) }
}

/// Imports `source` with `importer`: see the module's documentation. Problems with the
/// file are in the report; an error is a failure of the database.
pub async fn run<I: Importer>(
    db: &Db,
    actor: &Actor,
    importer: &mut I,
    source: Source,
    options: Options<'_>,
) -> Result<ImportReport> {
    let mut report = ImportReport::empty(importer.kind(), options.dry_run);
    report.update = options.update;
    if options.update && importer.compared().is_empty() {
        report.add([no_update(importer.kind(), "update")]);
        return Ok(report);
    }
    let (sender, mut chunks) = tokio::sync::mpsc::channel::<Chunk>(QUEUE_CHUNKS);
    spawn_reader(source, sender);
    let columns = importer.columns();
    let at = match chunks.recv().await {
        Some(Ok(mut first)) if !first.is_empty() => {
            let header = first.remove(0);
            match match_header(&header.cells, columns) {
                Ok(at) => (at, first),
                Err(problems) => {
                    report.add(problems);
                    return Ok(report);
                }
            }
        }
        Some(Err(p)) => {
            report.add([p]);
            return Ok(report);
        }
        _ => {
            report.add([Problem::new("empty-file")]);
            return Ok(report);
        }
    };
    let (at, first) = at;
    // Opened on a dry run too, for the database checks of each batch; never committed then.
    let mut writer = Writer { tx: Some(db.begin().await?), running: None };
    let mut writing = !options.dry_run;
    let batch_rows = importer.batch_rows().max(1);
    let mut batch: Vec<I::Checked> = Vec::with_capacity(batch_rows);
    let mut pending = Some(first);
    loop {
        let rows = match pending.take() {
            Some(rows) => rows,
            None => match chunks.recv().await {
                Some(Ok(rows)) => rows,
                Some(Err(p)) => {
                    report.add([p]);
                    writing = false;
                    break;
                }
                None => break,
            },
        };
        for row in &rows {
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            report.rows_read += 1;
            match importer.check(&Row { row, at: &at, columns }) {
                Ok(checked) => {
                    report.rows_valid += 1;
                    batch.push(checked);
                }
                Err(problems) => {
                    report.add(problems);
                    writing = false;
                }
            }
            if batch.len() >= batch_rows {
                flush(importer, actor, &mut writer, &mut batch, &mut writing, &mut report).await?;
            }
        }
        if let Some(progress) = options.progress {
            progress(report.rows_read);
        }
    }
    flush(importer, actor, &mut writer, &mut batch, &mut writing, &mut report).await?;
    if report.rows_read == 0 && report.problems_total == 0 {
        report.add([Problem::new("no-rows")]);
    }
    // The last inserts end here (a failure of theirs is the database's, as any write's).
    let mut tx = writer.into_tx().await?;
    if writing && report.ok() {
        match importer.finish(&mut tx).await {
            Ok(()) => {}
            Err(Error::Invalid(problems)) => report.add(problems),
            Err(e) => return Err(e),
        }
    }
    if writing && report.ok() {
        let mut after = serde_json::json!({ "rows_read": report.rows_read, "written": report.rows_written });
        if report.update {
            after["added"] = report.rows_added.into();
            after["updated"] = report.rows_updated.into();
            after["unchanged"] = report.rows_unchanged.into();
        }
        audit::record(
            &mut tx,
            actor,
            "import",
            report.kind,
            "",
            &format!("import of {} {} rows", report.rows_written, report.kind),
            None::<&()>,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
    } else {
        // Dropping the transaction rolls back whatever batches were written.
        report.rows_written = 0;
    }
    Ok(report)
}

/// Checks a batch against the database ([`Importer::check_batch`]) and, while nothing has
/// gone wrong anywhere, writes it; a write that refuses (a conflict found in the
/// database) stops the writing like a bad row. On an update, the rows naming records are
/// compared with them first: the changed are updated, the others left as they are.
async fn flush<I: Importer>(
    importer: &mut I,
    actor: &Actor,
    writer: &mut Writer,
    batch: &mut Vec<I::Checked>,
    writing: &mut bool,
    report: &mut ImportReport,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    // The last batch's inserts end before this one is checked against the database.
    let tx = writer.tx().await?;
    let before = batch.len();
    let problems = importer.check_batch(tx, batch).await?;
    report.rows_valid -= (before - batch.len()) as u64;
    if !problems.is_empty() {
        report.add(problems);
        *writing = false;
    }
    let mut updates = Vec::new();
    let mut events = Vec::new();
    if report.update {
        let before = batch.len();
        let (current, problems) = importer.current(tx, batch).await?;
        report.rows_valid -= (before - batch.len()) as u64;
        if !problems.is_empty() {
            report.add(problems);
            *writing = false;
        }
        let mut added = Vec::with_capacity(batch.len());
        for (row, current) in std::mem::take(batch).into_iter().zip(current) {
            let Some(current) = current else {
                added.push(row);
                continue;
            };
            let keyed = importer.keyed(&row);
            let (mut was, mut now) = (serde_json::Map::new(), serde_json::Map::new());
            for ((&field, value), old) in importer.compared().iter().zip(keyed.values).zip(current.values) {
                // An empty cell leaves the value as it is.
                let Some(value) = value else { continue };
                if old.as_deref() == Some(value.as_str()) {
                    continue;
                }
                was.insert(field.to_string(), old.clone().into());
                now.insert(field.to_string(), value.clone().into());
                report.changes_total += 1;
                if report.changes.len() < LISTED_CHANGES {
                    report.changes.push(Change {
                        row: keyed.row,
                        key: keyed.key.clone(),
                        field,
                        before: old,
                        after: Some(value),
                    });
                }
            }
            if now.is_empty() {
                report.rows_unchanged += 1;
            } else {
                report.rows_updated += 1;
                updates.push((current.id, row));
                if *writing {
                    events.push((current.id, keyed.key, was, now));
                }
            }
        }
        *batch = added;
    }
    report.rows_added += batch.len() as u64;
    if *writing {
        let updated = updates.len() as u64;
        let written = async {
            let added = importer.write(tx, std::mem::take(batch)).await?;
            if !updates.is_empty() {
                importer.update(tx, updates).await?;
                record_updates(tx, actor, importer.entity(), events).await?;
            }
            Ok::<Written, Error>(added)
        };
        match written.await {
            Ok(written) => {
                report.rows_written += written.rows + updated;
                writer.start(written.inserts).await?;
            }
            Err(Error::Invalid(problems)) => {
                report.add(problems);
                *writing = false;
            }
            Err(e) => return Err(e),
        }
    }
    batch.clear();
    Ok(())
}

/// One updated record for the audit trail: its id, its key, and the fields that changed,
/// before and after.
type UpdateEvent =
    (i64, String, serde_json::Map<String, serde_json::Value>, serde_json::Map<String, serde_json::Value>);

/// The audit events of a batch of updated records, one a record with the fields that
/// changed before and after, as a single edit records them; written together.
async fn record_updates(tx: &mut Tx, actor: &Actor, entity: &'static str, events: Vec<UpdateEvent>) -> Result<()> {
    use crate::bulk::Cell;
    let at = chrono::Utc::now();
    let rows = events
        .into_iter()
        .map(|(id, key, before, after)| {
            vec![
                Cell::Timestamp(Some(at)),
                actor.user_id.into(),
                actor.username.as_str().into(),
                "update".into(),
                entity.into(),
                id.to_string().into(),
                format!("{entity} {key} (import)").into(),
                serde_json::Value::Object(before).to_string().into(),
                serde_json::Value::Object(after).to_string().into(),
            ]
        })
        .collect();
    crate::bulk::insert(
        tx,
        "INSERT INTO audit_events (at, user_id, actor, action, entity, entity_id, summary, before_json, after_json)",
        9,
        rows,
        &|_| {},
    )
    .await?;
    Ok(())
}

/// What [`Kind::run`] answers.
pub type Running<'a> = std::pin::Pin<Box<dyn Future<Output = Result<ImportReport>> + Send + 'a>>;

/// A kind of file that the one import route (`/api/v1/imports/{kind}`), the import page
/// and `opencpd import <kind>` take. Each area lists its kinds; the binary and the web
/// app merge the lists.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The name in URLs, on the command line and in reports (`people`, `enrolments`).
    pub key: &'static str,
    /// The file's columns, with the example a template shows.
    pub columns: &'static [Column],
    /// The record the rows go into, when there is one (`cohort`: enrolments go into a
    /// cohort, named by its id).
    pub into: Option<&'static str>,
    /// Whether the actor may import this kind somewhere: checked before the file is read.
    pub may: fn(&Actor) -> bool,
    /// Whether a file of this kind may update the records its rows name (`--update`).
    pub updates: bool,
    /// Runs the import (`into` is the id of the record named by [`Kind::into`]).
    pub run: for<'a> fn(&'a Db, &'a Actor, Source, Options<'a>, Option<i64>) -> Running<'a>,
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kind").field("key", &self.key).finish()
    }
}

/// The kind named `key` among `kinds`, or a problem listing the kinds there are.
pub fn find<'k>(kinds: &[&'k Kind], key: &str) -> std::result::Result<&'k Kind, Problem> {
    let wanted = key.trim().to_lowercase();
    kinds.iter().copied().find(|k| k.key == wanted).ok_or_else(|| {
        let allowed: Vec<&str> = kinds.iter().map(|k| k.key).collect();
        Problem::new("bad-choice").with_value(key).arg("allowed", allowed.join(", "))
    })
}

/// The `into` record of a kind that needs one: a problem naming `parameter` when it is
/// missing, or given to a kind that takes none.
pub fn into_id(kind: &Kind, given: Option<i64>, parameter: &str) -> std::result::Result<Option<i64>, Problem> {
    match (kind.into, given) {
        (Some(_), Some(id)) => Ok(Some(id)),
        (Some(_), None) => Err(Problem::new("required").in_column(parameter)),
        (None, Some(_)) => Err(Problem::new("unknown-field").in_column(parameter).with_value(parameter)),
        (None, None) => Ok(None),
    }
}

/// Whether to update, for a kind: a problem naming `parameter` when an update is asked of a
/// kind whose files only add records (checked before the file is read).
pub fn update_of(kind: &Kind, update: bool, parameter: &str) -> std::result::Result<bool, Problem> {
    if update && !kind.updates { Err(no_update(kind.key, parameter)) } else { Ok(update) }
}

fn no_update(kind: &str, parameter: &str) -> Problem {
    Problem::new("no-update").in_column(parameter).arg("kind", kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys into `kept (k)`, its key unique; the inserts are left to the pipeline. Each
    /// batch's check against the database notes how many rows it found written.
    struct Keys {
        seen_before_batch: Vec<i64>,
    }

    impl Importer for Keys {
        type Checked = String;
        fn kind(&self) -> &'static str {
            "keys"
        }
        fn columns(&self) -> &'static [Column] {
            const COLUMNS: [Column; 1] = [Column::required("k")];
            &COLUMNS
        }
        fn check(&mut self, row: &Row<'_>) -> std::result::Result<String, Vec<Problem>> {
            Ok(row.get(0).to_string())
        }
        async fn check_batch(&mut self, tx: &mut Tx, _rows: &mut Vec<String>) -> Result<Vec<Problem>> {
            let n: i64 =
                crate::on_tx!(&mut *tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM kept").fetch_one(&mut *c).await)?;
            self.seen_before_batch.push(n);
            Ok(Vec::new())
        }
        async fn write(&mut self, _tx: &mut Tx, rows: Vec<String>) -> Result<Written> {
            let cells = rows.into_iter().map(|k| vec![crate::bulk::Cell::from(k)]).collect::<Vec<_>>();
            Ok(Written::rows(cells.len() as u64).insert("INSERT INTO kept (k)", 1, cells, ""))
        }
        fn batch_rows(&self) -> usize {
            1_000
        }
    }

    fn keys(keys: impl Iterator<Item = String>) -> Source {
        let text: String = std::iter::once("k".to_string()).chain(keys).map(|k| k + "\n").collect();
        Source::Csv(Box::new(std::io::Cursor::new(text.into_bytes())))
    }

    async fn kept(db: &Db) -> i64 {
        crate::on_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM kept").fetch_one(p).await).unwrap()
    }

    #[tokio::test]
    async fn a_batch_is_checked_against_the_database_once_the_inserts_before_it_have_run_and_a_failed_one_undoes_all() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&dir.path().join("keys.db").to_string_lossy(), crate::IfMissing::Create).await.unwrap();
        db.migrate().await.unwrap();
        crate::on_db!(&db, |p| sqlx::query("CREATE TABLE kept (k TEXT PRIMARY KEY)")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .unwrap();
        let actor = Actor::system();

        // 4,500 rows: four full batches and a half one, each checked after the last is in.
        let mut importer = Keys { seen_before_batch: Vec::new() };
        let report = run(&db, &actor, &mut importer, keys((0..4_500).map(|i| format!("k{i}"))), Options::default())
            .await
            .unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!((report.rows_read, report.rows_written), (4_500, 4_500));
        assert_eq!(importer.seen_before_batch, vec![0, 1_000, 2_000, 3_000, 4_000]);
        assert_eq!(kept(&db).await, 4_500);

        // A key the rows' checks let through and the database refuses, in the third batch:
        // the import fails, and the batches written before it are undone with it.
        crate::on_db!(&db, |p| sqlx::query("DELETE FROM kept").execute(p).await.map(|r| r.rows_affected())).unwrap();
        let mut importer = Keys { seen_before_batch: Vec::new() };
        let rows = (0..4_500).map(|i| if i == 2_500 { "k7".to_string() } else { format!("k{i}") });
        let failed = run(&db, &actor, &mut importer, keys(rows), Options::default()).await;
        assert!(matches!(failed, Err(Error::Database(_))), "{:?}", failed.map(|r| r.rows_written));
        assert_eq!(importer.seen_before_batch, vec![0, 1_000, 2_000], "stopped at the batch after the refused one");
        assert_eq!(kept(&db).await, 0, "nothing is kept");

        // A dry run leaves nothing to run.
        let mut importer = Keys { seen_before_batch: Vec::new() };
        let dry = Options { dry_run: true, ..Options::default() };
        let report = run(&db, &actor, &mut importer, keys((0..1_500).map(|i| format!("k{i}"))), dry).await.unwrap();
        assert_eq!((report.rows_valid, report.rows_written), (1_500, 0));
        assert_eq!(kept(&db).await, 0);
    }

    #[test]
    fn the_header_is_matched_without_case_and_every_problem_named() {
        let columns = [Column::required("school_code"), Column::optional("sex"), Column::required("enrolled")];
        let at = match_header(&["Enrolled".into(), " school_code ".into()], &columns).unwrap();
        assert_eq!(at, vec![Some(1), None, Some(0)]);
        let p = match_header(&["school_code".into(), "school_code".into(), "colour".into()], &columns).unwrap_err();
        let found: Vec<(&str, Option<&str>)> = p.iter().map(|p| (p.code, p.column.as_deref())).collect();
        assert_eq!(
            found,
            vec![
                ("duplicate-column", Some("school_code")),
                ("unknown-column", Some("colour")),
                ("missing-column", Some("enrolled"))
            ]
        );
    }

    #[test]
    fn cells_are_read_by_column_and_counts_checked() {
        let columns = [Column::required("a"), Column::optional("b"), Column::required("c")];
        let row = TableRow { number: 7, cells: vec![" 12 ".into(), "-3".into()] };
        let at = [Some(0), None, Some(1)];
        let r = Row { row: &row, at: &at, columns: &columns };
        let mut problems = Vec::new();
        assert_eq!(r.count(0, &mut problems), Some(12));
        assert_eq!(r.count(1, &mut problems), None);
        assert_eq!(r.count(2, &mut problems), None);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].code, problems[0].row, problems[0].column.as_deref(), problems[0].value.as_deref()),
            ("negative", Some(7), Some("c"), Some("-3"))
        );
    }

    #[test]
    fn an_update_is_refused_for_a_kind_that_only_adds_naming_the_parameter_as_given() {
        let mut kind = Kind {
            key: "attendance",
            columns: &[],
            into: None,
            may: |_| true,
            updates: false,
            run: |_, _, _, _, _| Box::pin(async { Ok(ImportReport::empty("attendance", false)) }),
        };
        assert_eq!(update_of(&kind, false, "--update"), Ok(false));
        let p = update_of(&kind, true, "--update").unwrap_err();
        assert_eq!((p.code, p.column.as_deref()), ("no-update", Some("--update")));
        assert_eq!(p.message("en"), "attendance files only add records: they cannot update them");
        kind.updates = true;
        assert_eq!(update_of(&kind, true, "update"), Ok(true));
    }
}
