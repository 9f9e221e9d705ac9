//! Memory under hostile bodies: 20 clients at once each send a 250 MB body, to a JSON
//! route and to the import route, without credentials, then with an administrator's
//! token; last, 20 administrators' imports of 40 MB each (within the 50 MiB limit, read
//! four at a time); then 20 hostile workbooks at once (cells A1 and XFD1048576, and a
//! million rows of one cell). Prints the server's resident memory before, at its peak,
//! and after; asserts nothing.
//!
//!     cargo bench -p opencpd --bench bodies

mod common;

use common::{fresh, serve};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_kernel::{Actor, accounts};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENTS: usize = 20;
const HOSTILE: usize = 250 * 1000 * 1000;
const UPLOAD: usize = 40 * 1000 * 1000;

/// Sends a request head and up to `size` bytes of body (`file` when given, its length
/// being `size`, else `x` repeated), stopping when the server answers or closes; returns
/// the status line.
async fn send(
    base: &str,
    path: &str,
    token: Option<&str>,
    size: usize,
    file: Option<std::sync::Arc<Vec<u8>>>,
) -> String {
    let address = base.strip_prefix("http://").expect("http");
    let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else { return "no connection".into() };
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: text/csv\r\nContent-Length: {size}\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return "closed".into();
    }
    let (mut reader, mut writer) = stream.into_split();
    let send = async move {
        if let Some(file) = file {
            let _ = writer.write_all(&file).await;
        } else {
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < size {
                if writer.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
        }
        std::future::pending::<()>().await
    };
    let read = async move {
        let mut buf = vec![0u8; 4096];
        let n = reader.read(&mut buf).await.unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or("closed").to_string()
    };
    tokio::select! { line = read => line, _ = send => unreachable!() }
}

async fn round(base: &str, pid: u32, what: &str, path: &str, token: Option<&str>, size: usize) {
    file_round(base, pid, what, path, token, size, None).await
}

/// A round of [`CLIENTS`] requests at once, each sending `file` (or `size` bytes of `x`).
async fn file_round(
    base: &str,
    pid: u32,
    what: &str,
    path: &str,
    token: Option<&str>,
    size: usize,
    file: Option<std::sync::Arc<Vec<u8>>>,
) {
    let (before, _) = common::memory_kb(pid);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (base, path, token, file) = (base.to_string(), path.to_string(), token.map(String::from), file.clone());
            tokio::spawn(async move { send(&base, &path, token.as_deref(), size, file).await })
        })
        .collect();
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for t in tasks {
        *answers.entry(t.await.expect("task")).or_default() += 1;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, peak) = common::memory_kb(pid);
    println!(
        "{what:<40} RSS before {:>7.1} MB, peak so far {:>7.1} MB, after {:>7.1} MB; answers {answers:?}",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        after as f64 / 1024.0
    );
}

/// A sheet of two cells, A1 and XFD1048576: a reader believing the dimension builds a
/// grid of 17 billion cells.
fn corner_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "staff_number").expect("A1");
    sheet.write_number(1_048_575, 16_383, 1).expect("XFD1048576");
    book.save_to_buffer().expect("workbook")
}

/// A sheet of a million rows of one cell: small once compressed, long once read.
fn long_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "staff_number").expect("header");
    for row in 1..1_000_000u32 {
        sheet.write_string(row, 0, "RW0001234").expect("row");
    }
    book.save_to_buffer().expect("workbook")
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url) = fresh("sqlite", dir.path(), "bodies").await;
    demo::build(&db, &DemoConfig { scale: Scale::Small, seed: 2026, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("demo");
    let token = accounts::create_token(&db, &Actor::system(), "admin", "bench").await.expect("token");
    db.close().await;
    let (mut server, base) = serve(&url).await;
    let pid = server.id();
    println!("{CLIENTS} clients at once");
    let import = "/api/v1/imports/people?dry_run=true";
    round(&base, pid, "250 MB, no credentials, JSON route", "/api/v1/people", None, HOSTILE).await;
    round(&base, pid, "250 MB, no credentials, import route", import, None, HOSTILE).await;
    round(&base, pid, "250 MB, administrator, JSON route", "/api/v1/people", Some(&token), HOSTILE).await;
    round(&base, pid, "250 MB, administrator, import route", import, Some(&token), HOSTILE).await;
    round(&base, pid, "40 MB, administrator, import route", import, Some(&token), UPLOAD).await;
    let workbook = "/api/v1/imports/people?dry_run=true&filename=people.xlsx";
    for (what, book) in
        [("xlsx: cells A1 and XFD1048576", corner_workbook()), ("xlsx: 1,000,000 rows", long_workbook())]
    {
        let size = book.len();
        let label = format!("{what} ({} KB)", size / 1000);
        file_round(&base, pid, &label, workbook, Some(&token), size, Some(std::sync::Arc::new(book))).await;
    }
    let _ = server.kill();
    let _ = server.wait();
}
