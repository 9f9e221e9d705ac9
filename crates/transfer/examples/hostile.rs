//! Peak memory of reading the hostile files of #16: `cargo run -p opencpd-transfer
//! --example hostile` writes each file to a temporary folder, reads it in a child process
//! and prints the answer with the child's peak resident memory (Linux `VmHWM`).

use std::io::Write;
use zip::write::SimpleFileOptions;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "read" {
        let bytes = std::fs::read(&args[2]).expect("read file");
        let answer = match opencpd_transfer::read_table(&args[2], &bytes) {
            Ok(t) => format!("{} rows", t.rows.len()),
            Err(p) => p.located("en"),
        };
        drop(bytes);
        println!("{answer} | peak {}", peak());
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let row = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    let one = "<si><t>Ecole primaire</t></si>";
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "two-cells.xlsx",
            xlsx(
                r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
                &sst(""),
            ),
        ),
        ("shared-strings.xlsx", xlsx(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#, &sst(&one.repeat(6_000_000)))),
        ("bomb.xlsx", xlsx(&row.repeat(150 * 1024 * 1024 / row.len()), &sst(""))),
        ("wide.csv", {
            let mut csv = "c,".repeat(999_999).into_bytes();
            csv.extend_from_slice(b"c\n1\n");
            csv
        }),
        ("ordinary.csv", {
            let mut csv = String::from("staff_number,given_name,family_name,sex\n");
            for i in 0..100_000 {
                csv.push_str(&format!("RW{i:07},Aline,Uwase,F\n"));
            }
            csv.into_bytes()
        }),
        ("ordinary.xlsx", {
            let rows = (0..100_000).map(|i| vec![format!("RW{i:07}"), "Aline".into(), "Uwase".into(), "F".into()]);
            let mut out = Vec::new();
            let headers = ["staff_number", "given_name", "family_name", "sex"];
            opencpd_transfer::write_table(opencpd_transfer::Format::Xlsx, &headers, rows, &mut out).unwrap();
            out
        }),
    ];
    let me = std::env::current_exe().expect("this program");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write file");
        let out = std::process::Command::new(&me).arg("read").arg(&path).output().expect("child");
        println!("{name} ({} KB): {}", bytes.len() / 1024, String::from_utf8_lossy(&out.stdout).trim());
    }
}

fn peak() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        .unwrap_or_default()
}

fn sst(items: &str) -> String {
    format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>"#)
}

/// A one-sheet workbook written by hand, with a dimension claiming the whole sheet.
fn xlsx(rows: &str, shared: &str) -> Vec<u8> {
    const NS: &str = "http://schemas.openxmlformats.org";
    let parts = [
        (
            "_rels/.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<worksheet xmlns="{NS}/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>{rows}</sheetData></worksheet>"#
            ),
        ),
        ("xl/sharedStrings.xml", shared.to_string()),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
