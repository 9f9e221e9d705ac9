//! Files made to exhaust memory (#16): each is refused with one problem, and the
//! legitimate ones beside them are still read. Peak memory is measured by
//! `examples/hostile.rs`, not here.

use opencpd_transfer::{Limits, Which, read_sheets, read_table};
use std::io::Write;
use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A one-sheet workbook ("people") written by hand: `rows` is the `<sheetData>` content,
/// `dimension` the declared range, `shared` the shared strings part.
fn xlsx(dimension: &str, rows: &str, shared: &str) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet.as_str()),
        ("xl/sharedStrings.xml", shared),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn shared_strings(strings: &[&str]) -> String {
    let items: String = strings.iter().map(|s| format!("<si><t>{s}</t></si>")).collect();
    format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{items}</sst>"#,
        n = strings.len()
    )
}

#[test]
fn a_hand_written_workbook_reads_as_a_table() {
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="3"><c r="B3" t="inlineStr"><is><t>Aline</t></is></c><c r="A3"><v>42</v></c></row>"#;
    let book = xlsx("A1:B3", rows, &shared_strings(&["staff_number", "given_name"]));
    let table = read_table("people.xlsx", &book).unwrap();
    assert_eq!(table.headers, vec!["staff_number", "given_name"]);
    assert_eq!(table.rows.len(), 1);
    assert_eq!((table.rows[0].number, table.rows[0].cells.clone()), (3, vec!["42".to_string(), "Aline".into()]));
}

#[test]
fn a_sheet_of_two_cells_a1_and_xfd1048576_is_refused_at_the_second_without_building_the_grid() {
    let rows = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>staff_number</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    let book = xlsx("A1:XFD1048576", rows, &shared_strings(&[]));
    assert!(book.len() < 2_000, "the file is small: {} bytes", book.len());
    let p = read_table("people.xlsx", &book).unwrap_err();
    assert_eq!(p.code, "sheet-too-many-columns");
    assert_eq!((p.row, p.value.as_deref()), (Some(1_048_576), Some("XFD")));
    assert_eq!(p.args, vec![("sheet", "people".to_string()), ("max", "200".to_string())]);
    assert_eq!(p.located("en"), "row 1048576: sheet people has a cell in column XFD; at most 200 columns are read");
}

#[test]
fn the_declared_dimension_is_not_believed() {
    // A dimension of the whole sheet over one cell reads as that one cell.
    let rows = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>"#;
    let book = xlsx("A1:XFD1048576", rows, &shared_strings(&[]));
    let sheets = read_sheets(&book, Which::First, &Limits::IMPORT).unwrap();
    assert_eq!(sheets[0].rows.len(), 1);
    assert_eq!(sheets[0].rows[0].cells, vec!["code"]);
}

#[test]
fn a_workbook_whose_shared_strings_unpack_past_the_limit_is_refused_before_they_are_read() {
    // One string repeated 2.5 million times: about 60 MB unpacked, a few hundred KB packed.
    let one = "<si><t>Ecole primaire</t></si>";
    let mut shared = String::with_capacity(one.len() * 2_500_000 + 100);
    shared.push_str(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#);
    for _ in 0..2_500_000 {
        shared.push_str(one);
    }
    shared.push_str("</sst>");
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    let book = xlsx("A1", rows, &shared);
    drop(shared);
    let p = read_table("people.xlsx", &book).unwrap_err();
    assert_eq!(p.code, "workbook-shared-strings-too-large");
    assert_eq!(p.args, vec![("max", "50".to_string())]);
}

#[test]
fn a_zip_bomb_sheet_is_refused_by_its_compression_ratio() {
    // 20 MB of one repeated row packs to well under 1/100 of that.
    let row = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    let rows = row.repeat(20 * 1024 * 1024 / row.len());
    let book = xlsx("A1", &rows, &shared_strings(&[]));
    let p = read_table("people.xlsx", &book).unwrap_err();
    assert_eq!(p.code, "workbook-compression-ratio");
    assert_eq!(p.value.as_deref(), Some("xl/worksheets/sheet1.xml"));
    assert!(p.args[0].1.parse::<u64>().unwrap() > 100, "{:?}", p.args);
}

#[test]
fn a_workbook_unpacking_past_the_total_is_refused() {
    let row = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    let rows = row.repeat(3 * 1024 * 1024 / row.len());
    let book = xlsx("A1", &rows, &shared_strings(&[]));
    let small = Limits { unpacked_bytes: 2 * 1024 * 1024, ratio: u64::MAX, ..Limits::IMPORT };
    let p = read_sheets(&book, Which::First, &small).unwrap_err();
    assert_eq!((p.code, p.args.clone()), ("workbook-too-large", vec![("max", "2".to_string())]));
}

#[test]
fn rows_and_cells_are_counted_as_they_stream() {
    let rows: String = (1..=50)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r}</v></c></row>"#))
        .collect();
    let book = xlsx("A1:B50", &rows, &shared_strings(&[]));
    let few_rows = Limits { rows: 40, ..Limits::IMPORT };
    let p = read_sheets(&book, Which::First, &few_rows).unwrap_err();
    assert_eq!((p.code, p.row), ("sheet-too-many-rows", Some(41)));
    let few_cells = Limits { cells: 60, ..Limits::IMPORT };
    let p = read_sheets(&book, Which::First, &few_cells).unwrap_err();
    assert_eq!((p.code, p.row), ("sheet-too-many-cells", Some(31)));
    assert_eq!(read_sheets(&book, Which::First, &Limits::IMPORT).unwrap()[0].rows.len(), 50);
}

#[test]
fn a_csv_header_of_a_million_columns_is_refused_with_one_problem() {
    let mut csv = vec![b'c'; 1_000_000 * 2 - 1];
    for i in (1..csv.len()).step_by(2) {
        csv[i] = b',';
    }
    csv.extend_from_slice(b"\n1\n");
    let p = read_table("wide.csv", &csv).unwrap_err();
    assert_eq!(p.code, "too-many-columns");
    assert_eq!(p.row, Some(1));
    assert_eq!(p.args, vec![("count", "1000000".to_string()), ("max", "200".to_string())]);
    assert_eq!(p.located("fr"), "ligne 1: la ligne a 1000000 colonnes ; au plus 200 sont lues");
}

#[test]
fn ods_files_are_not_read() {
    let p = read_table("schools.ods", b"PK\x03\x04").unwrap_err();
    assert_eq!((p.code, p.value.as_deref()), ("unsupported-format", Some("ods")));
}

#[test]
fn a_part_unpacking_past_its_declared_size_is_refused() {
    // The sheet unpacks to 3 MB but says 100 bytes, in its local header and in the
    // central directory alike: the declared sizes pass the limits, and the zip reader
    // stops the part at what it declared.
    let row = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    let rows = row.repeat(3 * 1024 * 1024 / row.len());
    let mut book = xlsx("A1", &rows, &shared_strings(&[]));
    let name = b"xl/worksheets/sheet1.xml";
    let at: Vec<usize> = book.windows(name.len()).enumerate().filter(|(_, w)| *w == name).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 2, "one local header and one central directory entry");
    book[at[0] - 30 + 22..at[0] - 30 + 26].copy_from_slice(&100u32.to_le_bytes());
    book[at[1] - 46 + 24..at[1] - 46 + 28].copy_from_slice(&100u32.to_le_bytes());
    let small = Limits { unpacked_bytes: 2 * 1024 * 1024, ratio: u64::MAX, ..Limits::IMPORT };
    let p = read_sheets(&book, Which::First, &small).unwrap_err();
    assert_eq!(p.code, "not-a-table", "{p}");
    assert!(p.args[0].1.contains("declared uncompressed size"), "{p}");
}

/// A BIFF record: its type, its length, its data.
fn record(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// A NUMBER cell at zero-based `(row, column)`.
fn number(row: u16, column: u16) -> Vec<u8> {
    let mut data = row.to_le_bytes().to_vec();
    data.extend_from_slice(&column.to_le_bytes());
    data.extend_from_slice(&[0, 0]);
    data.extend_from_slice(&1f64.to_le_bytes());
    record(0x0203, &data)
}

/// A workbook stream of one sheet holding `records`, in a version 3 compound file written
/// by hand: header, the FAT sectors (up to 109), one directory sector, then the stream.
fn xls(records: &[Vec<u8>]) -> Vec<u8> {
    let bof = |kind: u16| record(0x0809, &[&[0x00, 0x06][..], &kind.to_le_bytes(), &[0; 12]].concat());
    // BOUNDSHEET: where the sheet's substream starts, visible, a worksheet, "people".
    let sheet = |at: u32| record(0x0085, &[&at.to_le_bytes()[..], &[0, 0, 6, 0], b"people"].concat());
    let globals = bof(0x0005).len() + sheet(0).len() + record(0x000A, &[]).len();
    let mut stream = [bof(0x0005), sheet(globals as u32), record(0x000A, &[]), bof(0x0010)].concat();
    records.iter().for_each(|r| stream.extend_from_slice(r));
    stream.extend(record(0x000A, &[]));
    let size = stream.len().max(4096);
    stream.resize(size.div_ceil(512) * 512, 0);
    let sectors = stream.len() / 512;
    let fats = (sectors + 1).div_ceil(127);
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    for (at, value) in [(0x18, 0x3Eu16), (0x1A, 3), (0x1C, 0xFFFE), (0x1E, 9), (0x20, 6)] {
        header[at..at + 2].copy_from_slice(&value.to_le_bytes());
    }
    let fats_u32 = fats as u32;
    for (at, value) in [(0x2C, fats_u32), (0x30, fats_u32), (0x38, 4096), (0x3C, 0xFFFF_FFFE), (0x44, 0xFFFF_FFFE)] {
        header[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
    for i in 0..109 {
        let id = if i < fats { i as u32 } else { 0xFFFF_FFFF };
        header[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&id.to_le_bytes());
    }
    let mut fat = vec![0xFFFF_FFFDu32; fats];
    fat.push(0xFFFF_FFFE);
    let first = fats_u32 + 1;
    fat.extend((0..sectors as u32).map(|i| if i + 1 == sectors as u32 { 0xFFFF_FFFE } else { first + i + 1 }));
    fat.resize(128 * fats, 0xFFFF_FFFF);
    let mut directory = vec![0u8; 512];
    for (i, (name, kind, child, start, size)) in
        [("Root Entry", 5u8, 1u32, 0xFFFF_FFFEu32, 0u32), ("Workbook", 2, 0xFFFF_FFFF, first, size as u32)]
            .into_iter()
            .enumerate()
    {
        let e = &mut directory[i * 128..(i + 1) * 128];
        let utf16: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        e[..utf16.len()].copy_from_slice(&utf16);
        e[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
        e[66] = kind;
        e[68..72].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        e[72..76].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
    }
    [header, fat.iter().flat_map(|v| v.to_le_bytes()).collect(), directory, stream].concat()
}

#[test]
fn an_xls_sheet_of_two_cells_a1_and_iv65536_costs_a_grid_of_four_not_sixteen_million() {
    // calamine builds a sheet's grid from its first cell to its last: the cells are
    // renumbered first, so the grid is two rows by two columns. IV is past the columns an
    // import reads, and refused as such.
    let book = xls(&[number(0, 0), number(65_535, 255)]);
    assert!(book.len() < 6_000);
    let p = read_table("people.xls", &book).unwrap_err();
    assert_eq!((p.code, p.row, p.value.as_deref()), ("sheet-too-many-columns", Some(65_536), Some("IV")));
    let sheets = read_sheets(&xls(&[number(0, 0), number(65_535, 150)]), Which::First, &Limits::IMPORT).unwrap();
    let rows = &sheets[0].rows;
    assert_eq!(rows.iter().map(|r| (r.number, r.cells.len())).collect::<Vec<_>>(), vec![(1, 1), (65_536, 151)]);
    assert_eq!(rows[1].cells[150], "1");
}

#[test]
fn an_xls_sheet_declaring_four_billion_rows_gets_room_for_the_cells_it_holds() {
    let dimensions =
        [&0u32.to_le_bytes()[..], &u32::MAX.to_le_bytes(), &0u16.to_le_bytes(), &1u16.to_le_bytes(), &[0, 0]].concat();
    let book = xls(&[record(0x0200, &dimensions), number(0, 0), number(9, 0)]);
    let sheets = read_sheets(&book, Which::First, &Limits::IMPORT).unwrap();
    assert_eq!(sheets[0].rows.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 10]);
}

#[test]
fn an_xls_sheet_whose_cells_fill_more_rows_times_columns_than_the_limit_is_refused() {
    // 16,000 cells, each in a row of its own, over all 256 columns: calamine would build a
    // grid of 4,096,000 cells however they are numbered.
    let cells: Vec<Vec<u8>> = (0..16_000u16).map(|r| number(r, r % 256)).collect();
    let p = read_table("people.xls", &xls(&cells)).unwrap_err();
    assert_eq!(p.code, "workbook-grid-too-large");
    assert_eq!(p.args, vec![("cells", "4096000".to_string()), ("max", "4000000".to_string())]);
    // The same cells in 200 columns fit.
    let cells: Vec<Vec<u8>> = (0..16_000u16).map(|r| number(r, r % 200)).collect();
    let sheets = read_sheets(&xls(&cells), Which::First, &Limits::IMPORT).unwrap();
    assert_eq!(sheets[0].rows.len(), 16_000);
    assert_eq!((sheets[0].rows[15_999].number, sheets[0].rows[15_999].cells.len()), (16_000, 200));
}

#[test]
fn an_xls_sheet_with_a_multiple_rk_record_far_away_is_read_in_place() {
    // MULRK: row 40000, columns 190 to 192, three RK numbers (2, 3, 4 as whole RKs).
    let mut data = 40_000u16.to_le_bytes().to_vec();
    data.extend_from_slice(&190u16.to_le_bytes());
    for n in [2u32, 3, 4] {
        data.extend_from_slice(&[0, 0]);
        data.extend_from_slice(&((n << 2) | 2).to_le_bytes());
    }
    data.extend_from_slice(&192u16.to_le_bytes());
    let sheets = read_sheets(&xls(&[number(0, 0), record(0x00BD, &data)]), Which::First, &Limits::IMPORT).unwrap();
    let far = &sheets[0].rows[1];
    assert_eq!(far.number, 40_001);
    assert_eq!(&far.cells[190..], &["2", "3", "4"]);
}

#[test]
fn an_xls_sheet_of_a_small_grid_passes_the_scan_and_is_read() {
    let book = xls(&[number(0, 0), number(99, 9)]);
    let table = read_table("people.xls", &book).unwrap();
    assert_eq!(table.headers, vec!["1"]);
    assert_eq!(table.rows.len(), 1);
    assert_eq!((table.rows[0].number, table.rows[0].get(9)), (100, "1"));
}
