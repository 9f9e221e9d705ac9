//! Tables read a row at a time, for imports of any size: memory stays flat however long
//! the file. CSV is read from any reader ([`CsvRows`]); a workbook's first sheet is
//! streamed cell by cell within the same [`Limits`] as every spreadsheet
//! ([`each_sheet_row`]), its rows handed on as they end.
//!
//! A CSV is checked as it goes, as [`crate::read_table`] checks it whole: the separator is
//! sniffed from the first line, a byte-order mark is dropped, a NUL byte or text that is
//! not UTF-8 stops it with one problem naming the row, and so does a row past the limits.

use crate::Limits;
use opencpd_domain::{Problem, TableRow};
use std::io::{BufRead, BufReader, Read};

/// Limits for streamed imports: memory does not grow with the rows, so only the columns
/// of a row and a very large count of rows are bounded.
pub const STREAM: Limits = Limits { rows: 100_000_000, cells: usize::MAX, ..Limits::IMPORT };

/// The longest line a CSV may have. No table of ours comes near it; a file of one endless
/// line (40 MB of one cell, say) is refused when it passes it, before it is held.
pub const MAX_LINE: usize = 1024 * 1024;

/// A reader that fails once a line passes [`MAX_LINE`] bytes.
struct LineLimit<R> {
    inner: R,
    run: usize,
}

/// The error [`LineLimit`] gives, told apart from other failures by its type.
#[derive(Debug)]
struct LineTooLong;

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {MAX_LINE} bytes")
    }
}

impl std::error::Error for LineTooLong {}

/// Whether an IO error is [`LineLimit`]'s.
fn line_too_long(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<LineTooLong>())
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.run = 0;
            } else {
                self.run += 1;
                if self.run > MAX_LINE {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, LineTooLong));
                }
            }
        }
        Ok(n)
    }
}

/// The rows of a CSV, read one at a time.
pub struct CsvRows<R: Read> {
    reader: csv::Reader<BufReader<LineLimit<R>>>,
    record: csv::StringRecord,
    headers: Vec<String>,
    limits: Limits,
    /// The number of the last row read (the header is row 1).
    number: usize,
}

fn csv_problem(e: csv::Error, row: usize) -> Problem {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => Problem::new("bad-encoding").at_row(row),
        csv::ErrorKind::Io(io) if line_too_long(io) => Problem::new("line-too-long").at_row(row).arg("max", "1 MiB"),
        _ => Problem::new("not-a-table").at_row(row).arg("detail", e.to_string()),
    }
}

impl<R: Read> CsvRows<R> {
    /// Reads the header of a CSV from `input`.
    pub fn new(input: R, limits: Limits) -> Result<CsvRows<R>, Problem> {
        let mut buffered = BufReader::with_capacity(256 * 1024, LineLimit { inner: input, run: 0 });
        let head = buffered.fill_buf().map_err(|e| {
            if line_too_long(&e) {
                Problem::new("line-too-long").at_row(1).arg("max", "1 MiB")
            } else {
                Problem::new("not-a-table").arg("detail", e.to_string())
            }
        })?;
        if head.is_empty() {
            return Err(Problem::new("empty-file"));
        }
        // A workbook, a picture or a PDF sent as CSV: said as such, not as bad text (a
        // NUL further down is reported at its row).
        const BINARY: [&[u8]; 6] = [b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"GIF8", b"\xff\xd8\xff"];
        let first_line = &head[..head.iter().position(|b| *b == b'\n').unwrap_or(head.len())];
        if BINARY.iter().any(|magic| head.starts_with(magic)) || first_line.contains(&0) {
            return Err(Problem::new("not-a-table").arg("detail", "it contains binary data"));
        }
        let bom = if head.starts_with("\u{feff}".as_bytes()) { 3 } else { 0 };
        let delimiter = crate::sniff_delimiter(&String::from_utf8_lossy(&head[bom..]));
        buffered.consume(bom);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(256 * 1024)
            .from_reader(buffered);
        let mut rows = CsvRows { reader, record: csv::StringRecord::new(), headers: Vec::new(), limits, number: 0 };
        // Comment lines before the header (a template's notes) are skipped; rows keep
        // their numbers in the file.
        loop {
            match rows.next_row()? {
                Some(line) if line.cells.first().is_some_and(|c| crate::is_comment(c)) => continue,
                Some(header) => break rows.headers = header.cells,
                None => return Err(Problem::new("empty-file")),
            }
        }
        Ok(rows)
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The next row, or none at the end.
    pub fn next_row(&mut self) -> Result<Option<TableRow>, Problem> {
        let read = self.reader.read_record(&mut self.record).map_err(|e| csv_problem(e, self.number + 1))?;
        if !read {
            return Ok(None);
        }
        self.number += 1;
        let number = self.number;
        if self.record.len() > self.limits.columns {
            return Err(Problem::new("too-many-columns")
                .at_row(number)
                .arg("count", self.record.len())
                .arg("max", self.limits.columns));
        }
        if number > self.limits.rows {
            return Err(Problem::new("too-many-rows").at_row(number).arg("max", self.limits.rows));
        }
        if self.record.as_slice().contains('\0') {
            return Err(Problem::new("not-a-table").at_row(number).arg("detail", "it contains binary data"));
        }
        let cells = self.record.iter().map(|c| crate::unneutralised(c).to_string()).collect();
        Ok(Some(TableRow { number, cells }))
    }
}

/// Reads the first sheet of a workbook and hands each row to `row` as soon as it ends
/// (the header first); `row` answers false to stop early.
pub fn each_sheet_row(bytes: &[u8], limits: &Limits, row: &mut dyn FnMut(TableRow) -> bool) -> Result<(), Problem> {
    crate::workbook::each_row(bytes, limits, row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Result<(Vec<String>, Vec<TableRow>), Problem> {
        let mut rows = CsvRows::new(text, STREAM)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next_row()? {
            out.push(r);
        }
        Ok((rows.headers().to_vec(), out))
    }

    #[test]
    fn csv_rows_stream_with_semicolons_bom_and_quotes() {
        let (headers, rows) = all("\u{feff}code;name\n1;\"Ecole; publique\"\n2;'=x\n".as_bytes()).unwrap();
        assert_eq!(headers, vec!["code", "name"]);
        assert_eq!(rows[0].cells, vec!["1", "Ecole; publique"]);
        assert_eq!(rows[1].number, 3);
        assert_eq!(rows[1].cells[1], "=x");
        let (headers, rows) = all(b"a\tb\n1\t2\n").unwrap();
        assert_eq!((headers.len(), rows[0].cells.len()), (2, 2));
    }

    #[test]
    fn bad_bytes_stop_the_stream_at_their_row() {
        assert_eq!(all(b"").unwrap_err().code, "empty-file");
        let p = all(b"name\nok\nNgaound\xe9r\xe9\n").unwrap_err();
        assert_eq!((p.code, p.row), ("bad-encoding", Some(3)));
        assert_eq!(all(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err().code, "not-a-table");
        assert_eq!(all(b"PK\x03\x04\x14\0\x06\0").unwrap_err().code, "not-a-table");
        let p = all(b"name\nok\nx\0y\n").unwrap_err();
        assert_eq!((p.code, p.row), ("not-a-table", Some(3)));
        let long = format!("name\nok\n{}\n", "x".repeat(MAX_LINE + 10));
        let p = all(long.as_bytes()).unwrap_err();
        assert_eq!((p.code, p.row), ("line-too-long", Some(3)));
        assert_eq!(all("x".repeat(3 * MAX_LINE).as_bytes()).unwrap_err().code, "line-too-long");
        let wide = format!("a\n{}\n", vec!["1"; 201].join(","));
        assert_eq!(all(wide.as_bytes()).unwrap_err().code, "too-many-columns");
        let limits = Limits { rows: 2, ..STREAM };
        let mut rows = CsvRows::new(&b"a\n1\n2\n"[..], limits).unwrap();
        assert!(rows.next_row().unwrap().is_some());
        assert_eq!(rows.next_row().unwrap_err().code, "too-many-rows");
    }

    #[test]
    fn a_sheet_streams_row_by_row_and_can_stop() {
        let rows =
            vec![vec!["P1".to_string(), "12".into()], vec!["P2".into(), "".into()], vec!["P3".into(), "7".into()]];
        let mut bytes = Vec::new();
        crate::write_table(crate::Format::Xlsx, &["grade", "enrolled"], rows, &mut bytes).unwrap();
        let mut seen = Vec::new();
        each_sheet_row(&bytes, &Limits::IMPORT, &mut |r| {
            seen.push(r);
            true
        })
        .unwrap();
        assert_eq!(seen.len(), 4);
        assert_eq!(seen[0].cells, vec!["grade", "enrolled"]);
        assert_eq!((seen[2].number, seen[2].cells[0].as_str()), (3, "P2"));
        assert_eq!(seen[3].cells, vec!["P3", "7"]);
        let mut count = 0;
        each_sheet_row(&bytes, &Limits::IMPORT, &mut |_| {
            count += 1;
            count < 2
        })
        .unwrap();
        assert_eq!(count, 2);
    }
}
