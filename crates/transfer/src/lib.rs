//! Tables in and out of files: CSV (comma, semicolon or tab separated, with or without a
//! byte-order mark) and XLSX (and old XLS on reading), for imports, exports and templates.
//!
//! This crate knows file formats only. What the columns mean is `opencpd-domain`'s
//! business; what is written to the database is `opencpd-store`'s.

use calamine::{Data, Reader};
use opencpd_domain::{Problem, Table, TableRow};
use std::io::Cursor;

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
            "xlsx" | "xlsm" | "xls" | "ods" => Ok(Format::Xlsx),
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

/// Reads a file's bytes as a table; `name` gives the format by its extension.
pub fn read_table(name: &str, bytes: &[u8]) -> Result<Table, Problem> {
    if bytes.is_empty() {
        return Err(Problem::new("empty-file"));
    }
    match Format::from_name(name)? {
        Format::Csv => read_csv(bytes),
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
    let first = text.lines().next().unwrap_or("");
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

fn read_csv(bytes: &[u8]) -> Result<Table, Problem> {
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
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Problem::new("not-a-table").at_row(i + 1).arg("detail", e.to_string()))?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if headers.is_none() {
            headers = Some(cells);
        } else {
            rows.push(TableRow { number: i + 1, cells });
        }
    }
    let headers = headers.ok_or_else(|| Problem::new("empty-file"))?;
    Ok(Table { headers, rows })
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().format("%Y-%m-%d").to_string(),
            Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => d.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Table, Problem> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| Problem::new("not-a-table").arg("detail", e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| Problem::new("empty-file"))?
        .map_err(|e| Problem::new("not-a-table").arg("detail", e.to_string()))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let mut texts: Vec<String> = vec![String::new(); first_col];
        texts.extend(cells.iter().map(cell_text));
        (first_row + i + 1, texts)
    });
    let (_, headers) = rows.next().ok_or_else(|| Problem::new("empty-file"))?;
    let rows = rows.map(|(number, cells)| TableRow { number, cells }).collect();
    Ok(Table { headers, rows })
}

/// Writes a table of text in the given format.
pub fn write_table<W: std::io::Write>(
    format: Format,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: &mut W,
) -> Result<(), std::io::Error> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(headers)?;
            for row in rows {
                w.write_record(&row)?;
            }
            w.flush()
        }
        Format::Xlsx => {
            let bytes = xlsx_bytes(headers, rows).map_err(std::io::Error::other)?;
            out.write_all(&bytes)
        }
    }
}

fn xlsx_bytes(
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet_with_constant_memory()?;
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string((r + 1) as u32, c as u16, value)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

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
