//! An XLSX workbook written as its rows come, for exports: the package's small parts
//! first, then the first sheet compressed into the zip row by row (the zip is written
//! without seeking, so to any output, as the CSV zip of [`crate::TablesWriter`]); the
//! other sheets wait in temporary files and follow it at the end. Memory stays flat however
//! many rows there are, and the first bytes leave before the last row is read.
//!
//! The workbook is what rust_xlsxwriter writes in constant-memory mode, less its document
//! properties: the header row bold and frozen, empty cells left out. Short texts are kept
//! once in the shared strings table, as Excel itself writes them, while it holds fewer than
//! [`SHARED_MAX`] of them (an export's choices, codes and numbers repeat on every row, so
//! its sheets and its compressor's work shrink by half); longer texts, and any once the
//! table is full, are written inline, so memory stays bounded. Its limits are Excel's and
//! were rust_xlsxwriter's: 1,048,576 rows, 16,384 columns, 32,767 characters a cell, 4 GB
//! a sheet uncompressed (no ZIP64, which Excel reads badly).

use std::io::{Seek, Write};

type ZipOut<W> = zip::ZipWriter<zip::write::StreamWriter<W>>;

/// Excel's limits.
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
const MAX_CHARS: usize = 32_767;

/// Bytes gathered before they are handed to the compressor.
const CHUNK: usize = 256 * 1024;

/// At most how many texts the shared strings table holds, and how long each may be.
const SHARED_MAX: usize = 65_536;
const SHARED_LEN: usize = 64;

/// The shared strings table: each text's place, and the table's XML so far.
#[derive(Default)]
struct Shared {
    places: std::collections::HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    xml: Vec<u8>,
    /// How many cells refer to the table.
    uses: u64,
}

impl Shared {
    /// The place of `text` in the table, added when it is short and the table not full.
    fn place(&mut self, text: &str) -> Option<u32> {
        if text.len() > SHARED_LEN {
            return None;
        }
        let place = match self.places.get(text) {
            Some(&place) => place,
            None if self.places.len() < SHARED_MAX => {
                let place = self.places.len() as u32;
                self.places.insert(text.into(), place);
                self.xml.extend_from_slice(b"<si><t");
                self.xml.extend_from_slice(if spaced(text) { b" xml:space=\"preserve\">" } else { b">" });
                escape(text, &mut self.xml);
                self.xml.extend_from_slice(b"</t></si>");
                place
            }
            None => return None,
        };
        self.uses += 1;
        Some(place)
    }
}

/// Whether a text begins or ends with white space, which XML keeps only when told to.
fn spaced(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(|b| b" \t\n".contains(b)) || bytes.last().is_some_and(|b| b" \t\n".contains(b))
}

pub(crate) struct StreamedBook<W: Write> {
    zip: Box<ZipOut<W>>,
    /// The first sheet's XML not yet compressed.
    buffer: Vec<u8>,
    /// A row of another sheet, on its way to its file.
    line: Vec<u8>,
    /// The other sheets' rows, each in a temporary file until the end.
    rest: Vec<std::io::BufWriter<std::fs::File>>,
    /// The next row of each sheet (0-based; the headers are row 0).
    rows: Vec<u32>,
    /// Column letters, `A`, `B`, … as far as a row has gone.
    letters: Vec<Box<[u8]>>,
    shared: Shared,
}

fn io(e: zip::result::ZipError) -> std::io::Error {
    std::io::Error::other(e)
}

fn options() -> zip::write::SimpleFileOptions {
    // Level 1: the sheets are long runs of the same markup, which the fastest level
    // already shrinks about tenfold; the compressor is the export's slowest step.
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
}

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
"#;
const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PACKAGE_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

impl<W: Write> StreamedBook<W> {
    /// Starts a workbook of these sheets (names already valid and unique) with their
    /// headers.
    pub(crate) fn new(sheets: &[(String, Vec<&str>)], out: W) -> std::io::Result<StreamedBook<W>> {
        let mut zip = Box::new(zip::ZipWriter::new_stream(out));
        let count = sheets.len().max(1);
        let mut types = format!(
            "{XML}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        );
        for n in 1..=count {
            types.push_str(&format!(
                "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" \
                 ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            ));
        }
        types.push_str(
            "<Override PartName=\"/xl/styles.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
             <Override PartName=\"/xl/sharedStrings.xml\" \
             ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>",
        );
        let mut book =
            format!("{XML}<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><bookViews><workbookView/></bookViews><sheets>");
        let mut rels = format!("{XML}<Relationships xmlns=\"{PACKAGE_REL}\">");
        for n in 1..=count {
            let name = sheets.get(n - 1).map(|(name, _)| name.as_str()).unwrap_or("Sheet1");
            let mut escaped = Vec::new();
            escape_text(name, true, &mut escaped);
            let escaped = String::from_utf8(escaped).map_err(std::io::Error::other)?;
            book.push_str(&format!("<sheet name=\"{escaped}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            ));
        }
        book.push_str("</sheets></workbook>");
        rels.push_str(&format!(
            "<Relationship Id=\"rId{}\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>\
             <Relationship Id=\"rId{}\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
            count + 1,
            count + 2
        ));
        let root = format!(
            "{XML}<Relationships xmlns=\"{PACKAGE_REL}\"><Relationship Id=\"rId1\" \
             Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
        );
        let styles = styles();
        let parts: [(&str, &str); 5] = [
            ("[Content_Types].xml", &types),
            ("_rels/.rels", &root),
            ("xl/workbook.xml", &book),
            ("xl/_rels/workbook.xml.rels", &rels),
            ("xl/styles.xml", &styles),
        ];
        for (name, text) in parts {
            zip.start_file(name, options()).map_err(io)?;
            zip.write_all(text.as_bytes())?;
        }
        let mut book = StreamedBook {
            zip,
            buffer: Vec::with_capacity(CHUNK * 2),
            line: Vec::new(),
            rest: Vec::new(),
            rows: vec![0; count],
            letters: Vec::new(),
            shared: Shared::default(),
        };
        book.zip.start_file("xl/worksheets/sheet1.xml", options()).map_err(io)?;
        let mut head = Vec::new();
        sheet_start(&mut head, true);
        book.buffer.extend_from_slice(&head);
        for _ in 1..count {
            let mut file = std::io::BufWriter::with_capacity(CHUNK, tempfile::tempfile()?);
            let mut head = Vec::new();
            sheet_start(&mut head, false);
            file.write_all(&head)?;
            book.rest.push(file);
        }
        for (n, (_, headers)) in sheets.iter().enumerate() {
            book.row(n, headers.iter().copied(), true)?;
        }
        Ok(book)
    }

    /// Writes a row of text cells to the sheet at `sheet`; empty cells are left out.
    pub(crate) fn write_row<'a>(&mut self, sheet: usize, cells: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
        self.row(sheet, cells, false)
    }

    fn row<'a>(&mut self, sheet: usize, cells: impl Iterator<Item = &'a str>, bold: bool) -> std::io::Result<()> {
        let row = *self.rows.get(sheet).ok_or_else(|| std::io::Error::other("no such table"))?;
        if row >= MAX_ROWS {
            return Err(std::io::Error::other(format!("a sheet holds at most {MAX_ROWS} rows")));
        }
        let mut number = [0u8; 10];
        let number = decimal(row + 1, &mut number);
        let out = if sheet == 0 { &mut self.buffer } else { &mut self.line };
        out.extend_from_slice(b"<row r=\"");
        out.extend_from_slice(number);
        out.extend_from_slice(b"\">");
        // A cell right after the one before it (or first in its row) needs no reference, as
        // the format allows: only a cell after an empty one says where it is.
        let mut next = 0;
        for (c, cell) in cells.enumerate() {
            if cell.is_empty() {
                continue;
            }
            if c >= MAX_COLUMNS {
                return Err(std::io::Error::other(format!("a sheet holds at most {MAX_COLUMNS} columns")));
            }
            if cell.len() > MAX_CHARS && cell.chars().count() > MAX_CHARS {
                return Err(std::io::Error::other(format!("a cell holds at most {MAX_CHARS} characters")));
            }
            while self.letters.len() <= c {
                self.letters.push(column_letters(self.letters.len()));
            }
            out.extend_from_slice(b"<c");
            if c != next {
                out.extend_from_slice(b" r=\"");
                out.extend_from_slice(&self.letters[c]);
                out.extend_from_slice(number);
                out.push(b'"');
            }
            next = c + 1;
            if bold {
                out.extend_from_slice(b" s=\"1\"");
            }
            if let Some(place) = self.shared.place(cell) {
                out.extend_from_slice(b" t=\"s\"><v>");
                let mut digits = [0u8; 10];
                out.extend_from_slice(decimal(place, &mut digits));
                out.extend_from_slice(b"</v></c>");
                continue;
            }
            out.extend_from_slice(b" t=\"inlineStr\"><is><t");
            out.extend_from_slice(if spaced(cell) { b" xml:space=\"preserve\">" } else { b">" });
            escape(cell, out);
            out.extend_from_slice(b"</t></is></c>");
        }
        out.extend_from_slice(b"</row>");
        if sheet == 0 {
            if self.buffer.len() >= CHUNK {
                self.zip.write_all(&self.buffer)?;
                self.buffer.clear();
            }
        } else {
            self.rest[sheet - 1].write_all(&self.line)?;
            self.line.clear();
        }
        self.rows[sheet] = row + 1;
        Ok(())
    }

    /// Ends every sheet and the zip, and returns the output.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.buffer.extend_from_slice(SHEET_END);
        self.zip.write_all(&self.buffer)?;
        self.buffer = Vec::new();
        for (n, file) in std::mem::take(&mut self.rest).into_iter().enumerate() {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.write_all(SHEET_END)?;
            file.seek(std::io::SeekFrom::Start(0))?;
            self.zip.start_file(format!("xl/worksheets/sheet{}.xml", n + 2), options()).map_err(io)?;
            std::io::copy(&mut file, &mut *self.zip)?;
        }
        // The shared strings last: the table is complete only once every row is written.
        self.zip.start_file("xl/sharedStrings.xml", options()).map_err(io)?;
        let head = format!(
            "{XML}<sst xmlns=\"{MAIN}\" count=\"{}\" uniqueCount=\"{}\">",
            self.shared.uses,
            self.shared.places.len()
        );
        self.zip.write_all(head.as_bytes())?;
        self.zip.write_all(&self.shared.xml)?;
        self.zip.write_all(b"</sst>")?;
        Ok(self.zip.finish().map_err(io)?.into_inner())
    }
}

const SHEET_END: &[u8] = b"</sheetData></worksheet>";

/// A sheet's start, to its first row: the header row frozen (the first sheet selected).
fn sheet_start(out: &mut Vec<u8>, first: bool) {
    out.extend_from_slice(XML.as_bytes());
    out.extend_from_slice(format!("<worksheet xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheetViews><sheetView").as_bytes());
    if first {
        out.extend_from_slice(b" tabSelected=\"1\"");
    }
    out.extend_from_slice(
        b" workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
          <selection pane=\"bottomLeft\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><sheetData>",
    );
}

/// The styles: Calibri 11, and the same bold (style 1) for the headers.
fn styles() -> String {
    format!(
        "{XML}<styleSheet xmlns=\"{MAIN}\"><fonts count=\"2\">\
         <font><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></font>\
         <font><b/><sz val=\"11\"/><color theme=\"1\"/><name val=\"Calibri\"/><family val=\"2\"/><scheme val=\"minor\"/></font>\
         </fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
         <borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
         <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
         <cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
         <xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/></cellXfs>\
         <cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
         <dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\" defaultPivotStyle=\"PivotStyleLight16\"/>\
         </styleSheet>"
    )
}

/// `A`…`Z`, `AA`… for the 0-based column `c`.
fn column_letters(c: usize) -> Box<[u8]> {
    let mut n = c + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        letters.push(b'A' + d as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    letters.into_boxed_slice()
}

/// `n` in decimal, in `buf`.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[at..]
}

/// Text as XML character data (`attribute` false) or an attribute value, as
/// rust_xlsxwriter escapes it: `&`, `<`, `>` (and in an attribute `"`) escaped; in data,
/// the control characters XML cannot hold written as Excel writes them (`_x0001_`), and a
/// literal `_xHHHH_` kept literal as `_x005F_xHHHH_`.
fn escape_text(text: &str, attribute: bool, out: &mut Vec<u8>) {
    // Most cells need nothing done: say so in one pass.
    if !text.bytes().any(|b| b < 0x20 || matches!(b, b'&' | b'<' | b'>' | b'"' | b'_')) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let literal;
    let text = if !attribute && text.contains("_x") {
        literal = excel_escapes_kept(text);
        literal.as_str()
    } else {
        text
    };
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let with: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' if attribute => b"&quot;",
            b'\t' | b'\n' => continue,
            0..=0x1f if !attribute => {
                out.extend_from_slice(&bytes[from..i]);
                out.extend_from_slice(format!("_x{b:04X}_").as_bytes());
                from = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[from..i]);
        out.extend_from_slice(with);
        from = i + 1;
    }
    out.extend_from_slice(&bytes[from..]);
}

fn escape(text: &str, out: &mut Vec<u8>) {
    escape_text(text, false, out)
}

/// `_x005F` put before each `_xHHHH_` of the text, so that it reads back as written.
fn excel_escapes_kept(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 6);
    let mut from = 0;
    for (i, _) in text.match_indices("_x") {
        let escape =
            i + 7 <= bytes.len() && bytes[i + 6] == b'_' && bytes[i + 2..i + 6].iter().all(|b| b.is_ascii_hexdigit());
        if escape {
            out.push_str(&text[from..i]);
            out.push_str("_x005F");
            from = i;
        }
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn short_texts_are_shared_once_long_ones_inline_and_every_cell_reads_back_as_written() {
        let long = "a remark longer than sixty-four characters, which is written in its cell".to_string();
        // Every fifth row has no word: the cells after it say where they are.
        let rows: Vec<Vec<String>> = (0..50)
            .map(|i| {
                let word = if i % 5 == 0 { "" } else { " Émergent & <ok> " };
                vec![format!("{}", i % 4 + 1), word.into(), long.clone(), "_x0041_".into()]
            })
            .collect();
        let mut book =
            StreamedBook::new(&[("data".into(), vec!["level", "word", "remark", "code"])], Vec::new()).unwrap();
        for row in &rows {
            book.write_row(0, row.iter().map(String::as_str)).unwrap();
        }
        let bytes = book.finish().unwrap();
        let strings = part(&bytes, "xl/sharedStrings.xml");
        // Four headers, four levels, the word and the code: ten texts, each once.
        assert!(strings.contains("count=\"144\" uniqueCount=\"10\""), "{strings}");
        assert_eq!(strings.matches("Émergent").count(), 1);
        assert!(strings.contains("<si><t xml:space=\"preserve\"> Émergent &amp; &lt;ok&gt; </t></si>"));
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert_eq!(sheet.matches(long.as_str()).count(), 50, "long texts inline");
        assert_eq!(sheet.matches(" r=\"C").count(), 10, "a reference only after an empty cell");
        let read = crate::read_sheets(&bytes, crate::Which::Named(&["data"]), &crate::Limits::IMPORT).unwrap();
        assert_eq!(read[0].rows[0].cells, ["level", "word", "remark", "code"]);
        for (got, want) in read[0].rows[1..].iter().zip(&rows) {
            assert_eq!(&got.cells, want);
        }
    }

    #[test]
    fn the_shared_strings_stop_growing_at_their_bound() {
        let mut shared = Shared::default();
        for i in 0..SHARED_MAX + 10 {
            let place = shared.place(&i.to_string());
            assert_eq!(place.is_some(), i < SHARED_MAX, "{i}");
        }
        assert_eq!(shared.place("0"), Some(0), "a text already shared stays shared");
        assert_eq!(shared.places.len(), SHARED_MAX);
        assert_eq!(shared.place(&"x".repeat(SHARED_LEN + 1)), None);
    }

    #[test]
    fn columns_rows_and_text_are_written_as_excel_reads_them() {
        assert_eq!(&*column_letters(0), b"A");
        assert_eq!(&*column_letters(25), b"Z");
        assert_eq!(&*column_letters(26), b"AA");
        assert_eq!(&*column_letters(16_383), b"XFD");
        assert_eq!(decimal(1_048_576, &mut [0; 10]), b"1048576");
        assert_eq!(decimal(0, &mut [0; 10]), b"0");
        let mut out = Vec::new();
        escape("a<b & \"c\"\u{1}\r\n\té _x00e9_ _x12_", &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "a&lt;b &amp; \"c\"_x0001__x000D_\n\té _x005F_x00e9_ _x12_");
    }
}
