//! Memory under hostile bodies: 20 clients at once each send a 250 MB body, to a JSON
//! route and to the import route, without credentials, then with an administrator's
//! token; last, 20 administrators' imports of 40 MB each (within the 50 MiB limit, read
//! four at a time). Prints the server's resident memory before, at its peak, and after;
//! asserts nothing.
//!
//!     cargo bench -p opencpd --bench bodies

mod common;

use common::{fresh, serve};
use opencpd_store::demo::{self, DemoConfig, Scale};
use opencpd_store::{Actor, accounts};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENTS: usize = 20;
const HOSTILE: usize = 250 * 1000 * 1000;
const UPLOAD: usize = 40 * 1000 * 1000;

/// Sends a request head and up to `size` bytes of body, stopping when the server answers
/// or closes; returns the status line.
async fn hostile(base: &str, path: &str, token: Option<&str>, size: usize) -> String {
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
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
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
    let (before, _) = common::memory_kb(pid);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (base, path, token) = (base.to_string(), path.to_string(), token.map(String::from));
            tokio::spawn(async move { hostile(&base, &path, token.as_deref(), size).await })
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
    let _ = server.kill();
    let _ = server.wait();
}
