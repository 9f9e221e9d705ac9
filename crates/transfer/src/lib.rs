//! Tables in and out of files: CSV (comma, semicolon or tab separated, with or without a
//! byte-order mark) and XLSX (and old XLS on reading), for imports, exports and templates.
//!
//! This crate knows file formats only. What the columns mean is `opencpd-domain`'s
//! business; what is written to the database is the areas' stores'.

pub mod capped;
mod instances;
pub mod stream;
mod streamed;
mod tables;
mod workbook;
mod xls;

pub use instances::{read_geojson, read_xml_items};
use opencpd_domain::{Problem, Table, TableRow};
pub use stream::CsvRows;
pub use tables::{TableSpec, TablesWriter, tables_file};
pub use workbook::{Limits, Sheet, Which, read_sheets};

/// The file formats we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format a file name's extension says (`.csv`, `.xlsx`, `.xls`).
    pub fn from_name(name: &str) -> Result<Format, Problem> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Ok(Format::Csv),
            "xlsx" | "xlsm" | "xls" => Ok(Format::Xlsx),
            _ => Err(Problem::new("unsupported-format").with_value(ext)),
        }
    }

    pub fn parse(input: &str) -> Result<Format, Problem> {
        match input.trim().to_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(Problem::new("bad-choice").with_value(other).arg("allowed", "csv, xlsx")),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Reads a file's bytes as a table, within [`Limits::IMPORT`]; `name` gives the format by
/// its extension.
pub fn read_table(name: &str, bytes: &[u8]) -> Result<Table, Problem> {
    if bytes.is_empty() {
        return Err(Problem::new("empty-file"));
    }
    match Format::from_name(name)? {
        Format::Csv => read_csv(bytes, &Limits::IMPORT),
        Format::Xlsx => read_workbook(bytes),
    }
}

/// Reads a file from disk as a table.
pub fn read_path(path: &std::path::Path) -> Result<Table, Problem> {
    let bytes = std::fs::read(path)
        .map_err(|e| Problem::new("not-a-table").arg("detail", format!("{}: {e}", path.display())))?;
    read_table(&path.to_string_lossy(), &bytes)
}

/// The separator a CSV uses, judged from its first line: spreadsheets in French locales
/// write `;`, some tools write tabs.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !is_comment(l)).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for ch in first.bytes() {
        if ch == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == ch {
                    *n += 1;
                }
            }
        }
    }
    counts.iter().max_by_key(|(_, n)| *n).filter(|(_, n)| *n > 0).map(|(d, _)| *d).unwrap_or(b',')
}

/// Whether a line of a CSV, or the first cell of a row, is a comment: it starts with `#`
/// (quoted or not). Templates say what their columns take on such lines before the header;
/// reading skips them there.
pub(crate) fn is_comment(text: &str) -> bool {
    text.trim_start_matches('"').starts_with('#')
}

/// Writes `text` as a comment line of a CSV (`# text`), quoted as a cell when it must be.
pub fn write_comment<W: std::io::Write>(text: &str, out: &mut W) -> Result<(), std::io::Error> {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
    writer.write_record([format!("# {text}")]).map_err(csv_io)?;
    writer.flush()
}

/// Reads a CSV within `limits`: a row with more cells than the column limit is refused
/// with one problem giving its count, before any cell of it is kept.
fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, Problem> {
    if bytes.contains(&0) {
        return Err(Problem::new("not-a-table").arg("detail", "it contains binary data"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Problem::new("bad-encoding"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut headers = None;
    let mut rows = Vec::new();
    let mut cells_read = 0usize;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Problem::new("not-a-table").at_row(i + 1).arg("detail", e.to_string()))?;
        if record.len() > limits.columns {
            return Err(Problem::new("too-many-columns")
                .at_row(i + 1)
                .arg("count", record.len())
                .arg("max", limits.columns));
        }
        if i >= limits.rows {
            return Err(Problem::new("too-many-rows").at_row(i + 1).arg("max", limits.rows));
        }
        cells_read += record.len();
        if cells_read > limits.cells {
            return Err(Problem::new("too-many-cells").at_row(i + 1).arg("max", limits.cells));
        }
        let cells: Vec<String> = record.iter().map(|c| unneutralised(c).to_string()).collect();
        if headers.is_none() && cells.first().is_some_and(|c| is_comment(c)) {
            continue;
        }
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push(TableRow { number: i + 1, cells });
        }
    }
    let headers = headers.ok_or_else(|| Problem::new("empty-file"))?;
    Ok(Table { headers, rows })
}

/// Whether a spreadsheet would read a CSV cell as a formula (or, for a tab or carriage
/// return, as the start of one): it begins with `=`, `+`, `-`, `@`, tab or CR. A plain
/// negative number (`-3`, `-1.5`) is a number, not a formula, and is left readable.
fn starts_formula(cell: &str) -> bool {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => !is_negative_number(cell),
        _ => false,
    }
}

fn is_negative_number(cell: &str) -> bool {
    let digits = &cell[1..];
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a cell is neutralised on writing: it starts a formula, or it is `'` before such
/// a cell (so that reading takes off exactly the `'` writing added).
fn needs_quote(cell: &str) -> bool {
    starts_formula(cell) || cell.strip_prefix('\'').is_some_and(needs_quote)
}

/// A cell as written to CSV: one a spreadsheet would run as a formula gets a leading `'`
/// (OWASP's advice against CSV injection), so it shows as the text it is.
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(cell) { std::borrow::Cow::Owned(format!("'{cell}")) } else { std::borrow::Cow::Borrowed(cell) }
}

/// A CSV cell as read: the `'` that [`neutralised`] put before a formula-like value is
/// taken off again, so an export imports back as it was.
fn unneutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Table, Problem> {
    let sheet = read_sheets(bytes, Which::First, &Limits::IMPORT)?.pop().ok_or_else(|| Problem::new("empty-file"))?;
    let mut rows = sheet.rows.into_iter();
    let headers = rows.next().ok_or_else(|| Problem::new("empty-file"))?.cells;
    Ok(Table { headers, rows: rows.collect() })
}

/// Writes a table row by row (every CSV export goes through here, so every cell is
/// [`neutralised`]; XLSX cells are written as strings, never formulas), so a large export never holds all its rows: CSV goes
/// straight to the output; XLSX uses the writer's constant-memory mode (rows go to a
/// temporary file) and is copied to the output at [`TableWriter::finish`]. One table of a
/// [`TablesWriter`], whose sheet is `Sheet1`.
pub struct TableWriter<W: std::io::Write>(TablesWriter<W>);

fn write_csv_record<'a, W: std::io::Write>(
    w: &mut csv::Writer<W>,
    cells: impl Iterator<Item = &'a str>,
) -> Result<(), csv::Error> {
    for cell in cells {
        w.write_field(neutralised(cell).as_bytes())?;
    }
    w.write_record(std::iter::empty::<&[u8]>())
}

/// A CSV writer's error as the I/O error it is when it is one, so that a reader closing
/// the pipe (`opencpd export … | head`) stays a `BrokenPipe` for the caller.
fn csv_io(e: csv::Error) -> std::io::Error {
    if !e.is_io_error() {
        return std::io::Error::other(e);
    }
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        _ => std::io::Error::other("writing CSV"),
    }
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    std::io::Error::other(e)
}

impl<W: std::io::Write> TableWriter<W> {
    pub fn new(format: Format, headers: &[&str], out: W) -> Result<TableWriter<W>, std::io::Error> {
        let table = TableSpec { name: "Sheet1", headers: headers.to_vec() };
        Ok(TableWriter(TablesWriter::new(format, &[table], out)?))
    }

    pub fn write_row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), std::io::Error> {
        self.0.write_row(0, cells)
    }

    pub fn finish(self) -> Result<W, std::io::Error> {
        self.0.finish()
    }
}

/// A workbook of several sheets of text (an XLSForm, say), each `(name, rows)` with the
/// header first.
pub fn write_workbook(sheets: &[(&str, Vec<Vec<String>>)]) -> Result<Vec<u8>, std::io::Error> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).map_err(xlsx_error)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                if !value.is_empty() {
                    sheet.write_string(r as u32, c as u16, value).map_err(xlsx_error)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// Writes a table of text in the given format.
pub fn write_table<W: std::io::Write>(
    format: Format,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: &mut W,
) -> Result<(), std::io::Error> {
    let mut w = TableWriter::new(format, headers, out)?;
    for row in rows {
        w.write_row(&row)?;
    }
    w.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_lines_before_the_header_are_skipped_and_rows_keep_their_numbers() {
        let mut file = Vec::new();
        write_comment("sex: one of F, M", &mut file).unwrap();
        write_comment("note; with a semicolon", &mut file).unwrap();
        file.extend_from_slice(b"code;name\n1;#not a comment\n");
        let t = read_table("x.csv", &file).unwrap();
        assert_eq!(t.headers, vec!["code", "name"]);
        assert_eq!((t.rows[0].number, t.rows[0].cells[1].as_str()), (4, "#not a comment"));
        let (headers, rows) = {
            let mut rows = crate::stream::CsvRows::new(&file[..], Limits::IMPORT).unwrap();
            let first = rows.next_row().unwrap().unwrap();
            (rows.headers().to_vec(), first)
        };
        assert_eq!(headers, vec!["code", "name"], "the separator is read from the header");
        assert_eq!(rows.number, 4);
    }

    #[test]
    fn semicolons_bom_and_quotes() {
        let t = read_table("x.csv", "\u{feff}code;name\n1;\"Ecole; publique\"\n".as_bytes()).unwrap();
        assert_eq!(t.headers, vec!["code", "name"]);
        assert_eq!(t.rows[0].cells, vec!["1", "Ecole; publique"]);
        assert_eq!(t.rows[0].number, 2);
    }

    #[test]
    fn empty_binary_latin1_and_unknown_files_are_refused() {
        assert_eq!(read_table("x.csv", b"").unwrap_err().code, "empty-file");
        assert_eq!(read_table("x.csv", b"\x89PNG\r\n\x1a\n\0\0").unwrap_err().code, "not-a-table");
        assert_eq!(read_table("x.csv", b"name\nEcole de Ngaound\xe9r\xe9\n").unwrap_err().code, "bad-encoding");
        let p = read_table("x.pdf", b"%PDF").unwrap_err();
        assert_eq!((p.code, p.value.as_deref()), ("unsupported-format", Some("pdf")));
        assert_eq!(read_table("x.xlsx", b"not a zip").unwrap_err().code, "not-a-table");
    }

    #[test]
    fn xlsx_round_trip_keeps_text_and_numbers() {
        let rows =
            vec![vec!["RW001".to_string(), "Aline".into(), "0788".into()], vec!["RW002".into(), "".into(), "5".into()]];
        let mut out = Vec::new();
        write_table(Format::Xlsx, &["staff_number", "given_name", "phone"], rows, &mut out).unwrap();
        let t = read_table("people.xlsx", &out).unwrap();
        assert_eq!(t.headers, vec!["staff_number", "given_name", "phone"]);
        assert_eq!(t.rows[0].cells, vec!["RW001", "Aline", "0788"]);
        assert_eq!(t.rows[1].number, 3);
        assert_eq!(t.rows[1].get(1), "");
    }

    #[test]
    fn csv_injection_formulas_in_csv_exports_are_neutralised() {
        let rows = vec![
            vec!["=HYPERLINK(\"x\")".to_string(), "+1+cmd|' /C calc'!A0".into(), "@SUM(A1)".into()],
            vec!["-3".into(), "-1.5".into(), "-1+cmd|x".into()],
            vec!["\tx".into(), "\rx".into(), "Aline".into()],
            vec!["-".into(), "-1.".into(), "'=kept".into()],
        ];
        let mut out = Vec::new();
        write_table(Format::Csv, &["a", "b", "c"], rows.clone(), &mut out).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"x\"\")\",'+1+cmd|' /C calc'!A0,'@SUM(A1)");
        assert_eq!(lines[2], "-3,-1.5,'-1+cmd|x");
        assert!(text.contains("'\tx") && text.contains("'\rx"), "{text:?}");
        assert_eq!(lines.last().unwrap(), &"'-,'-1.,''=kept");
        // An export reads back as it was written.
        let t = read_table("x.csv", &out).unwrap();
        let read: Vec<Vec<String>> = t.rows.into_iter().map(|r| r.cells).collect();
        assert_eq!(read, rows);
    }

    #[test]
    fn xlsx_exports_write_formula_like_text_as_text() {
        use calamine::Reader;
        let rows = vec![vec!["=HYPERLINK(\"x\")".to_string(), "+1+cmd|x".into()]];
        let mut out = Vec::new();
        write_table(Format::Xlsx, &["a", "b"], rows, &mut out).unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(&out)).unwrap();
        let formulas = book.worksheet_formula("Sheet1").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{formulas:?}");
        let t = read_table("x.xlsx", &out).unwrap();
        assert_eq!(t.rows[0].cells, vec!["=HYPERLINK(\"x\")", "+1+cmd|x"]);
    }

    #[test]
    fn xlsx_dates_and_whole_numbers_read_as_people_typed_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "start_date").unwrap();
        sheet.write_string(0, 1, "birth_year").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 6).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(1, 0, &date, &fmt).unwrap();
        sheet.write_number(1, 1, 1987.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let t = read_table("p.xlsx", &bytes).unwrap();
        assert_eq!(t.rows[0].cells, vec!["2025-01-06", "1987"]);
    }
}
