//! The one bounded reader of spreadsheets: imports and XLSForms both come through here.
//!
//! A workbook is refused, with one [`Problem`] naming the sheet and the limit, as soon as
//! it passes one of its [`Limits`]; nothing is ever sized from what the file declares.
//! For `.xlsx` the zip is checked first (each part's size, the total, the shared strings
//! and the compression ratio; the zip reader holds each part to its declared size), then each wanted sheet is read
//! cell by cell with calamine's streaming reader, counting rows, columns and cells: the
//! sheet's declared dimension is never used and no grid is built, so a sheet holding only
//! A1 and XFD1048576 stops at the second cell. Old `.xls` files are parsed whole by
//! calamine, so their size is capped and their cells are first renumbered to the rows and
//! columns that hold one (`crate::xls`), which bounds the grids calamine builds by the
//! cells present, not by how far apart they lie; their cells are counted after.
//!
//! Not here: what the cells mean (`opencpd-domain`, `opencpd-forms`).

use calamine::{Data, DataRef, Reader, Xls, Xlsx};
use opencpd_domain::{Problem, TableRow};
use std::io::Cursor;

const MB: u64 = 1024 * 1024;

/// How much of a spreadsheet is read before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Rows holding at least one cell, per sheet (the header included).
    pub rows: usize,
    /// The rightmost column a cell may be in (and the cells a CSV row may have).
    pub columns: usize,
    /// Cells read, over all the sheets read.
    pub cells: usize,
    /// An `.xlsx` unpacked: all its parts together.
    pub unpacked_bytes: u64,
    /// An `.xlsx`'s shared strings part unpacked: calamine reads it whole before any sheet.
    pub shared_strings_bytes: u64,
    /// The largest unpacked-to-packed ratio of one part...
    pub ratio: u64,
    /// ...checked only on parts larger than this when unpacked.
    pub ratio_from_bytes: u64,
    /// An old `.xls` file, which calamine parses whole.
    pub xls_bytes: usize,
    /// The grids calamine builds for an `.xls`, all sheets together: each sheet's rows
    /// holding a cell times its columns holding one (see `crate::xls`).
    pub xls_grid_cells: u64,
}

impl Limits {
    /// Registry, delivery and outreach imports: a national registry in one file.
    pub const IMPORT: Limits = Limits {
        rows: 2_000_000,
        columns: 200,
        cells: 20_000_000,
        unpacked_bytes: 200 * MB,
        shared_strings_bytes: 50 * MB,
        ratio: 100,
        ratio_from_bytes: 10 * MB,
        xls_bytes: 20 * MB as usize,
        xls_grid_cells: 4_000_000,
    };

    /// XLSForms: a few hundred questions, their choices and translations.
    pub const FORM: Limits = Limits {
        rows: 20_000,
        // As wide as an `.xls` sheet (A to IV): pyxform reads a header in column IV.
        columns: 256,
        cells: 1_000_000,
        unpacked_bytes: 20 * MB,
        shared_strings_bytes: 10 * MB,
        ratio: 100,
        ratio_from_bytes: MB,
        xls_bytes: 5 * MB as usize,
        xls_grid_cells: 1_000_000,
    };
}

/// One sheet as text: its name and the rows holding at least one cell, in order, each
/// with its number as the spreadsheet shows it (the first row is 1) and its cells from
/// column A (missing cells are empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<TableRow>,
}

/// Which sheets of a workbook to read.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// The first sheet only (an import).
    First,
    /// The sheets with these names, compared trimmed and without case, in the workbook's
    /// order; the others are not read.
    Named(&'a [&'a str]),
}

/// Reads the wanted sheets of a workbook (`.xlsx`, `.xlsm` or `.xls`, told apart by their
/// content), within `limits`.
pub fn read_sheets(bytes: &[u8], which: Which<'_>, limits: &Limits) -> Result<Vec<Sheet>, Problem> {
    guarded(|| read_sheets_unguarded(bytes, which, limits))
}

/// Runs a read of a workbook, turning a panic of the reader underneath (a damaged file
/// can make it overflow a number) into the problem of a file that is no table.
fn guarded<T>(read: impl FnOnce() -> Result<T, Problem>) -> Result<T, Problem> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read))
        .unwrap_or_else(|_| Err(Problem::new("not-a-table").arg("detail", "the workbook is damaged")))
}

fn read_sheets_unguarded(bytes: &[u8], which: Which<'_>, limits: &Limits) -> Result<Vec<Sheet>, Problem> {
    if bytes.is_empty() {
        return Err(Problem::new("empty-file"));
    }
    if bytes.starts_with(b"PK") {
        check_zip(bytes, limits)?;
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
        let mut counter = Counter { cells: 0, limits };
        let mut sheets = Vec::new();
        for name in wanted(book.sheet_names(), which) {
            let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
            let mut rows = Rows::new(&name, &mut counter);
            while let Some(cell) = cells.next_cell().map_err(unreadable)? {
                let (row, column) = cell.get_position();
                rows.cell(row, column, cell.get_value())?;
            }
            sheets.push(rows.finish());
        }
        Ok(sheets)
    } else {
        if bytes.len() > limits.xls_bytes {
            return Err(Problem::new("workbook-file-too-large").arg("max", limits.xls_bytes as u64 / MB));
        }
        let renumbered = crate::xls::renumber(bytes, limits)?;
        let mut book = Xls::new(Cursor::new(&renumbered.bytes[..])).map_err(unreadable)?;
        let mut counter = Counter { cells: 0, limits };
        let mut sheets = Vec::new();
        let names = book.sheet_names();
        for name in wanted(names.clone(), which) {
            let index = names.iter().position(|n| *n == name).unwrap_or(0);
            let range = book.worksheet_range(&name).map_err(unreadable)?;
            let mut rows = Rows::new(&name, &mut counter);
            let start = range.start().unwrap_or((0, 0));
            for (row, column, value) in range.used_cells() {
                let (row, column) = renumbered.place(index, start.0 + row as u32, start.1 + column as u32);
                rows.cell(row, column, &data_ref(value))?;
            }
            sheets.push(rows.finish());
        }
        Ok(sheets)
    }
}

/// Streams the first sheet, handing each row on as the next begins (see
/// `crate::stream::each_sheet_row`). An old `.xls`, which calamine reads whole, is read
/// within the limits and then handed on row by row.
pub(crate) fn each_row(bytes: &[u8], limits: &Limits, f: &mut dyn FnMut(TableRow) -> bool) -> Result<(), Problem> {
    guarded(|| each_row_unguarded(bytes, limits, f))
}

fn each_row_unguarded(bytes: &[u8], limits: &Limits, f: &mut dyn FnMut(TableRow) -> bool) -> Result<(), Problem> {
    if !bytes.starts_with(b"PK") {
        for sheet in read_sheets(bytes, Which::First, limits)? {
            for row in sheet.rows {
                if !f(row) {
                    return Ok(());
                }
            }
        }
        return Ok(());
    }
    check_zip(bytes, limits)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(name) = book.sheet_names().into_iter().next() else {
        return Err(Problem::new("empty-file"));
    };
    let mut cells = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut counter = Counter { cells: 0, limits };
    // One row at a time: the rows vector never holds more than the row being read.
    let mut rows = Rows::new(&name, &mut counter);
    let mut count = 0usize;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        if rows.rows.last().is_some_and(|r| r.number != row as usize + 1) {
            let done = rows.rows.pop().expect("a row");
            count += 1;
            if !f(done) {
                return Ok(());
            }
        }
        // The row limit counts rows handed on, not rows held.
        if count >= limits.rows {
            return Err(Problem::new("sheet-too-many-rows")
                .at_row(row as usize + 1)
                .arg("sheet", &rows.name)
                .arg("max", limits.rows));
        }
        rows.cell(row, column, cell.get_value())?;
    }
    if let Some(last) = rows.rows.pop() {
        f(last);
    }
    Ok(())
}

fn wanted(names: Vec<String>, which: Which<'_>) -> Vec<String> {
    match which {
        Which::First => names.into_iter().take(1).collect(),
        Which::Named(wanted) => {
            names.into_iter().filter(|n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n.trim()))).collect()
        }
    }
}

fn unreadable(e: impl std::fmt::Display) -> Problem {
    Problem::new("not-a-table").arg("detail", e.to_string())
}

/// Checks an `.xlsx`'s parts before calamine opens it, by the sizes they declare: the zip
/// reader refuses to unpack a part past its declared size ("File is larger than its
/// declared uncompressed size"), so what calamine reads is bounded by what passed here.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), Problem> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(unreadable)?;
        unpacked = unpacked.saturating_add(part.size());
        if unpacked > limits.unpacked_bytes {
            return Err(Problem::new("workbook-too-large").arg("max", limits.unpacked_bytes / MB));
        }
        check_part(&part.name().map_err(unreadable)?, part.size(), part.compressed_size(), limits)?;
    }
    Ok(())
}

fn check_part(name: &str, size: u64, packed: u64, limits: &Limits) -> Result<(), Problem> {
    if name.to_ascii_lowercase().ends_with("sharedstrings.xml") && size > limits.shared_strings_bytes {
        return Err(Problem::new("workbook-shared-strings-too-large").arg("max", limits.shared_strings_bytes / MB));
    }
    if size > limits.ratio_from_bytes && size / packed.max(1) > limits.ratio {
        return Err(Problem::new("workbook-compression-ratio")
            .with_value(name)
            .arg("ratio", size / packed.max(1))
            .arg("max", limits.ratio));
    }
    Ok(())
}

/// The cells read so far over all sheets.
struct Counter<'l> {
    cells: usize,
    limits: &'l Limits,
}

/// The rows of one sheet, built cell by cell as they stream.
struct Rows<'c, 'l> {
    name: String,
    rows: Vec<TableRow>,
    counter: &'c mut Counter<'l>,
}

impl<'c, 'l> Rows<'c, 'l> {
    fn new(name: &str, counter: &'c mut Counter<'l>) -> Self {
        Rows { name: name.trim().to_string(), rows: Vec::new(), counter }
    }

    /// Takes the cell at zero-based `(row, column)`, refusing it past a limit.
    fn cell(&mut self, row: u32, column: u32, value: &DataRef<'_>) -> Result<(), Problem> {
        let limits = self.counter.limits;
        let (number, column) = (row as usize + 1, column as usize);
        self.counter.cells += 1;
        if self.counter.cells > limits.cells {
            return Err(Problem::new("sheet-too-many-cells")
                .at_row(number)
                .arg("sheet", &self.name)
                .arg("max", limits.cells));
        }
        if *value == DataRef::Empty {
            // A formatted cell with nothing in it costs reading time (counted) but no room.
            return Ok(());
        }
        if column >= limits.columns {
            return Err(Problem::new("sheet-too-many-columns")
                .at_row(number)
                .with_value(column_name(column))
                .arg("sheet", &self.name)
                .arg("max", limits.columns));
        }
        if self.rows.last().is_none_or(|r| r.number != number) {
            if self.rows.len() >= limits.rows {
                return Err(Problem::new("sheet-too-many-rows")
                    .at_row(number)
                    .arg("sheet", &self.name)
                    .arg("max", limits.rows));
            }
            self.rows.push(TableRow { number, cells: Vec::new() });
        }
        let cells = &mut self.rows.last_mut().expect("pushed above").cells;
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = cell_text(value);
        Ok(())
    }

    /// The sheet, its rows in order even when the file wrote them out of order.
    fn finish(mut self) -> Sheet {
        if !self.rows.is_sorted_by_key(|r| r.number) {
            self.rows.sort_by_key(|r| r.number);
            let mut merged: Vec<TableRow> = Vec::with_capacity(self.rows.len());
            for row in self.rows {
                match merged.last_mut() {
                    Some(last) if last.number == row.number => {
                        if last.cells.len() < row.cells.len() {
                            last.cells.resize(row.cells.len(), String::new());
                        }
                        for (i, c) in row.cells.into_iter().enumerate() {
                            if !c.is_empty() {
                                last.cells[i] = c;
                            }
                        }
                    }
                    _ => merged.push(row),
                }
            }
            self.rows = merged;
        }
        Sheet { name: self.name, rows: self.rows }
    }
}

/// `0` → `A`, `26` → `AA`, `16383` → `XFD`.
fn column_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

fn data_ref(value: &Data) -> DataRef<'_> {
    match value {
        Data::Empty => DataRef::Empty,
        Data::String(s) => DataRef::SharedString(s),
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
    }
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD, booleans as
/// true/false.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().format("%Y-%m-%d").to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn column_names_as_spreadsheets_show_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(200), "GS");
        assert_eq!(column_name(16383), "XFD");
    }
}
