//! Several tables written side by side, a row at a time, for an export whose rows fall in
//! more than one table (a form's submissions and each of its repeats). Memory stays flat
//! however many rows there are:
//! - XLSX: one sheet a table, the first compressed into the workbook's zip as its rows
//!   come, the others in temporary files until [`TablesWriter::finish`] (see
//!   [`crate::streamed`]);
//! - CSV of one table: the CSV itself, straight to the output, as [`crate::TableWriter`];
//! - CSV of several tables: a zip of one CSV a table. The first table is compressed into
//!   the zip as its rows come (the zip is written without seeking, so to any output); the
//!   others wait in temporary files and follow it at the end.
//!
//! Cells are text, as in [`crate::TableWriter`]: CSV cells are neutralised, XLSX cells are
//! strings, never formulas. Not for reading: see [`crate::stream`].

use crate::streamed::StreamedBook;
use crate::{Format, csv_io, write_csv_record};
use std::io::{Seek, Write};

/// One table of a [`TablesWriter`]: its name (the sheet, or the CSV's name in the zip,
/// without `.csv`) and its headers.
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub headers: Vec<&'a str>,
}

/// Writes rows to several tables at once; see the module's documentation.
pub struct TablesWriter<W: Write> {
    inner: Many<W>,
}

type ZipOut<W> = zip::ZipWriter<zip::write::StreamWriter<W>>;

enum Many<W: Write> {
    Csv(csv::Writer<W>),
    Zip {
        zip: Box<ZipOut<W>>,
        /// The first table's rows, handed to the zip row by row.
        first: csv::Writer<Pending>,
        pending: Pending,
        /// The other tables, by name, each in a temporary file until the end.
        rest: Vec<(String, csv::Writer<std::io::BufWriter<std::fs::File>>)>,
    },
    Xlsx(Box<StreamedBook<W>>),
}

/// What a [`TablesWriter`] of these tables in this format writes: its file extension and
/// content type (a zip for CSV of more than one table).
pub fn tables_file(format: Format, tables: usize) -> (&'static str, &'static str) {
    match format {
        Format::Csv if tables > 1 => ("zip", "application/zip"),
        _ => (format.extension(), format.content_type()),
    }
}

/// A name a sheet may have: at most 31 characters, none of `[]:*?/\`, unique in `taken`.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c }).take(31).collect();
    let clean = if clean.trim().is_empty() { "table".to_string() } else { clean };
    let mut candidate = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!("_{n}");
        candidate = format!("{}{suffix}", clean.chars().take(31 - suffix.len()).collect::<String>());
        n += 1;
    }
    candidate
}

impl<W: Write> TablesWriter<W> {
    /// Starts the tables (at least one) with their headers.
    pub fn new(format: Format, tables: &[TableSpec<'_>], out: W) -> Result<TablesWriter<W>, std::io::Error> {
        let mut names: Vec<String> = Vec::new();
        for t in tables {
            let name = sheet_name(t.name, &names);
            names.push(name);
        }
        let inner = match format {
            Format::Csv if tables.len() <= 1 => {
                let mut w = csv::Writer::from_writer(out);
                if let Some(t) = tables.first() {
                    write_csv_record(&mut w, t.headers.iter().copied()).map_err(csv_io)?;
                }
                Many::Csv(w)
            }
            Format::Csv => {
                let pending = Pending::default();
                let mut first = csv::Writer::from_writer(pending.clone());
                write_csv_record(&mut first, tables[0].headers.iter().copied()).map_err(csv_io)?;
                let mut rest = Vec::new();
                for (t, name) in tables.iter().zip(&names).skip(1) {
                    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(tempfile::tempfile()?));
                    write_csv_record(&mut w, t.headers.iter().copied()).map_err(csv_io)?;
                    rest.push((format!("{name}.csv"), w));
                }
                let mut zip = Box::new(zip::ZipWriter::new_stream(out));
                zip.start_file(format!("{}.csv", names[0]), zip_options()).map_err(std::io::Error::other)?;
                Many::Zip { zip, first, pending, rest }
            }
            Format::Xlsx => {
                let sheets: Vec<(String, Vec<&str>)> =
                    tables.iter().zip(names).map(|(t, name)| (name, t.headers.clone())).collect();
                Many::Xlsx(Box::new(StreamedBook::new(&sheets, out)?))
            }
        };
        Ok(TablesWriter { inner })
    }

    /// Writes a row to the table at `table` (in the order given to [`TablesWriter::new`]).
    pub fn write_row<S: AsRef<str>>(&mut self, table: usize, cells: &[S]) -> Result<(), std::io::Error> {
        self.write_cells(table, cells.iter().map(|c| c.as_ref()))
    }

    /// Writes a row, given as its cells in order, to the table at `table`.
    pub fn write_cells<'a>(
        &mut self,
        table: usize,
        cells: impl Iterator<Item = &'a str>,
    ) -> Result<(), std::io::Error> {
        match &mut self.inner {
            Many::Csv(w) => write_csv_record(w, cells).map_err(csv_io)?,
            Many::Zip { zip, first, pending, rest } => {
                if table == 0 {
                    write_csv_record(first, cells).map_err(csv_io)?;
                    // The zip takes the CSV's bytes in pieces of the CSV writer's buffer.
                    let bytes = pending.take();
                    if !bytes.is_empty() {
                        zip.write_all(&bytes)?;
                    }
                } else {
                    let (_, w) = rest.get_mut(table - 1).ok_or_else(|| std::io::Error::other("no such table"))?;
                    write_csv_record(w, cells).map_err(csv_io)?;
                }
            }
            Many::Xlsx(book) => book.write_row(table, cells)?,
        }
        Ok(())
    }

    /// Ends every table and returns the output.
    pub fn finish(self) -> Result<W, std::io::Error> {
        match self.inner {
            Many::Csv(w) => w.into_inner().map_err(|e| e.into_error()),
            Many::Zip { mut zip, first, pending, rest } => {
                drop(first.into_inner().map_err(|e| e.into_error())?);
                zip.write_all(&pending.take())?;
                for (name, w) in rest {
                    let mut file =
                        w.into_inner().map_err(|e| e.into_error())?.into_inner().map_err(|e| e.into_error())?;
                    file.seek(std::io::SeekFrom::Start(0))?;
                    zip.start_file(name, zip_options()).map_err(std::io::Error::other)?;
                    std::io::copy(&mut file, &mut *zip)?;
                }
                Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
            }
            Many::Xlsx(book) => book.finish(),
        }
    }
}

/// Bytes of the first table's CSV, waiting to go into the zip.
#[derive(Clone, Default)]
struct Pending(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Pending {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("buffer lock"))
    }
}

impl Write for Pending {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer lock").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn specs() -> Vec<TableSpec<'static>> {
        vec![
            TableSpec { name: "households", headers: vec!["_uuid", "=name"] },
            TableSpec { name: "members", headers: vec!["_uuid", "_index", "age"] },
        ]
    }

    #[test]
    fn several_csv_tables_are_a_zip_of_one_csv_each_with_rows_in_order() {
        let mut w = TablesWriter::new(Format::Csv, &specs(), Vec::new()).unwrap();
        w.write_row(1, &["a", "1", "30"]).unwrap();
        w.write_row(0, &["a", "=cmd"]).unwrap();
        w.write_row(1, &["a", "2", "4"]).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(tables_file(Format::Csv, 2), ("zip", "application/zip"));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut read = |name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        assert_eq!(read("households.csv"), "_uuid,'=name\na,'=cmd\n", "neutralised, as every CSV export");
        assert_eq!(read("members.csv"), "_uuid,_index,age\na,1,30\na,2,4\n");
    }

    #[test]
    fn one_csv_table_is_a_plain_csv_and_xlsx_has_a_sheet_a_table() {
        let mut w = TablesWriter::new(Format::Csv, &specs()[..1], Vec::new()).unwrap();
        w.write_row(0, &["a", "b"]).unwrap();
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "_uuid,'=name\na,b\n");
        assert_eq!(tables_file(Format::Csv, 1), ("csv", Format::Csv.content_type()));

        let mut w = TablesWriter::new(Format::Xlsx, &specs(), Vec::new()).unwrap();
        w.write_row(1, &["a", "1", "30"]).unwrap();
        w.write_row(0, &["a", "x"]).unwrap();
        let bytes = w.finish().unwrap();
        let sheets =
            crate::read_sheets(&bytes, crate::Which::Named(&["households", "members"]), &crate::Limits::IMPORT)
                .unwrap();
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["households", "members"]);
        assert_eq!(sheets[1].rows[1].cells, ["a", "1", "30"]);
    }

    #[test]
    fn sheet_names_are_cut_cleaned_and_unique() {
        let long = "a_very_long_repeat_name_of_more_than_31";
        let first = sheet_name(long, &[]);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(long, std::slice::from_ref(&first));
        assert!(second.ends_with("_2") && second.chars().count() == 31, "{second}");
        assert_eq!(sheet_name("a/b", &[]), "a_b");
    }
}
