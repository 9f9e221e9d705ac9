//! File figures. Prints its numbers; asserts nothing.
//!
//! `uploads`: 1,000 photos of 2 MB (noise behind a JPEG's first bytes, so nothing
//! compresses) sent by 4 clients to the release server, whole and in the field app's parts
//! of 256 KiB, into a directory and into an S3-compatible bucket (moto's server on this
//! machine): MB/s and the server's peak resident memory.
//!
//! `slow-link`: a day of field work (20 submissions of the 250-item form with a photo
//! question, 10 of them with a photo) synced as the field app syncs (each photo asked
//! about, then sent in parts from what arrived; then the submission) over an emulated slow
//! link: a network namespace made here, the server inside, the client outside, joined by a
//! veth pair rated 250 kbit/s each way by `tbf`, 2% of packets dropped each way by
//! nftables, and 150 ms added each way by a relay in this process (this kernel has no
//! `netem`). Photos as taken (1 MB) and made smaller by `max-pixels=1024` (the size of
//! such a JPEG is `OPENCPD_BENCH_SMALL_PHOTO_KB`, 150 by default); then the link cut
//! half-way through and back 10 s later: bytes sent in all against the payload. Needs root
//! (`ip netns`, `tc`, `nft`); says so and skips otherwise.
//!
//!     cargo bench -p opencpd --bench files
//!     cargo bench -p opencpd --bench files -- uploads     # or slow-link, slow-link-cut
//!     OPENCPD_BENCH_PHOTOS=200 cargo bench -p opencpd --bench files -- uploads

mod common;

use common::{big_form, fresh, median, memory_kb, serve_with};
use opencpd_demo::{self as demo, DemoConfig, Scale};
use opencpd_instruments::store as instruments;
use opencpd_kernel::{Actor, accounts};
use sha2::Digest;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PART: usize = 256 * 1024;

/// A photo of `size` bytes: a JPEG's first bytes, then noise from `seed`.
fn photo(size: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"\xff\xd8\xff\xe0");
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(size);
    out
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// An S3-compatible server on this machine (moto's), with the bucket `opencpd` made.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Moto {
    async fn start() -> Option<Moto> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
        for _ in 0..200 {
            if reqwest::Client::new().put(format!("{}/opencpd", moto.endpoint)).send().await.is_ok() {
                return Some(moto);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OPENCPD_FILES", "s3://opencpd/bench".to_string()),
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "bench".into()),
            ("AWS_SECRET_ACCESS_KEY", "bench-secret".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `bytes` whole (`parts` false) or in parts of [`PART`] from `from`; the statuses
/// are checked.
async fn send_file(client: &reqwest::Client, base: &str, token: &str, bytes: &[u8], parts: bool, from: usize) {
    let url = format!("{base}/api/v1/files/{}", sha(bytes));
    if !parts {
        let r = client.put(&url).bearer_auth(token).body(bytes.to_vec()).send().await.expect("put");
        assert!(r.status() == 201 || r.status() == 200, "{}", r.status());
        return;
    }
    let mut at = from;
    while at < bytes.len() {
        let end = (at + PART).min(bytes.len());
        let r = client
            .put(&url)
            .bearer_auth(token)
            .header("content-range", format!("bytes {at}-{}/{}", end - 1, bytes.len()))
            .body(bytes[at..end].to_vec())
            .send()
            .await
            .expect("put");
        let want = if end < bytes.len() { 202 } else { 201 };
        assert_eq!(r.status().as_u16(), want);
        at = end;
    }
}

/// `count` photos of 2 MB by `clients` clients: MB/s, the server's peak memory, and the
/// median time of one photo.
async fn bench_uploads(store: &str, parts: bool, count: usize, clients: usize) {
    let dir = tempfile::tempdir().expect("dir");
    let (db, url) = fresh("sqlite", dir.path(), "uploads").await;
    demo::build(&db, &DemoConfig { scale: Scale::Small, seed: 2026, password: "bench-password".into() }, &|_, _, _| {})
        .await
        .expect("demo");
    let token = accounts::create_token(&db, &Actor::system(), "seo.gitega", "bench").await.expect("token");
    let moto = if store == "s3" {
        match Moto::start().await {
            Some(m) => Some(m),
            None => {
                println!("| {store} | skipped: moto's server did not start (python3 -m pip install 'moto[server]') |");
                return;
            }
        }
    } else {
        None
    };
    let env = match &moto {
        Some(m) => m.env(),
        None => vec![("OPENCPD_FILES", dir.path().join("files").to_string_lossy().to_string())],
    };
    let (mut server, base) = serve_with(&url, &env).await;
    let pid = server.id();
    let size = 2_000_000;
    let next = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(memory_kb(pid).1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let (rss_before, _) = memory_kb(pid);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..clients {
        let (base, token, next) = (base.clone(), token.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                if i >= count {
                    return times;
                }
                let bytes = photo(size, i as u64 + 1);
                let t = Instant::now();
                send_file(&client, &base, &token, &bytes, parts, 0).await;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }));
    }
    let mut times = Vec::new();
    for h in handles {
        times.extend(h.await.expect("client"));
    }
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::SeqCst);
    let _ = sampler.await;
    let peak_kb = peak.load(Ordering::SeqCst).max(memory_kb(pid).1);
    println!(
        "| {store} | {} | {count} × 2 MB | {clients} | {:.0} | {:.0} ms | {:.0} MB → {:.0} MB |",
        if parts { "parts of 256 KiB" } else { "whole" },
        (count * size) as f64 / 1e6 / wall,
        median(times),
        rss_before as f64 / 1024.0,
        peak_kb as f64 / 1024.0,
    );
    let _ = server.kill();
    let _ = server.wait();
    db.close().await;
}

/// Runs `ip` (or another command) with `args`, failing with what it said.
fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new(cmd).args(args).output().map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{cmd} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// A network namespace with the server's end of a veth pair: 250 kbit/s each way (`tbf`),
/// 2% of packets dropped each way (nftables). Removed when dropped.
struct SlowLink {
    ns: String,
}

const OUTSIDE: &str = "10.211.0.1";
const INSIDE: &str = "10.211.0.2";

impl SlowLink {
    fn make() -> Result<SlowLink, String> {
        let ns = format!("ocpd-bench-{}", std::process::id());
        let (out, inn) = ("ocpdb0", "ocpdb1");
        let _ = run("ip", &["link", "del", out]);
        run("ip", &["netns", "add", &ns])?;
        let link = SlowLink { ns: ns.clone() };
        run("ip", &["link", "add", out, "type", "veth", "peer", "name", inn])?;
        run("ip", &["link", "set", inn, "netns", &ns])?;
        run("ip", &["addr", "add", &format!("{OUTSIDE}/30"), "dev", out])?;
        run("ip", &["link", "set", out, "up"])?;
        run("ip", &["-n", &ns, "addr", "add", &format!("{INSIDE}/30"), "dev", inn])?;
        run("ip", &["-n", &ns, "link", "set", inn, "up"])?;
        run("ip", &["-n", &ns, "link", "set", "lo", "up"])?;
        let rate = ["root", "tbf", "rate", "250kbit", "burst", "4kb", "latency", "500ms"];
        run("tc", &[&["qdisc", "add", "dev", out][..], &rate].concat())?;
        run("ip", &[&["netns", "exec", &ns, "tc", "qdisc", "add", "dev", inn][..], &rate].concat())?;
        let rules = format!(
            "table inet loss {{\n chain inbound {{ type filter hook input priority 0; iifname \"{inn}\" numgen random mod 100 < 2 drop; }}\n \
             chain outbound {{ type filter hook output priority 0; oifname \"{inn}\" numgen random mod 100 < 2 drop; }}\n}}\n"
        );
        let rules_file = std::env::temp_dir().join(format!("{ns}.nft"));
        std::fs::write(&rules_file, rules).map_err(|e| e.to_string())?;
        run("ip", &["netns", "exec", &ns, "nft", "-f", rules_file.to_str().unwrap_or_default()])?;
        let _ = std::fs::remove_file(rules_file);
        Ok(link)
    }

    /// The release server inside, listening on the link: it and its base URL (from outside).
    async fn serve(&self, db: &str, files: &std::path::Path) -> (std::process::Child, String) {
        let port = 18_080;
        let mut server = std::process::Command::new("ip")
            .args(["netns", "exec", &self.ns, env!("CARGO_BIN_EXE_opencpd"), "serve", "--db", db, "--listen"])
            .arg(format!("{INSIDE}:{port}"))
            .env("OPENCPD_LOG", "warn")
            .env("OPENCPD_FILES", files)
            .spawn()
            .expect("server");
        let base = format!("http://{INSIDE}:{port}");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
        for _ in 0..300 {
            if client.get(format!("{base}/healthz")).send().await.is_ok() {
                return (server, base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = server.kill();
        let _ = server.wait();
        panic!("server did not start in the namespace");
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.ns]);
        let _ = run("ip", &["link", "del", "ocpdb0"]);
    }
}

/// A relay on 127.0.0.1 to the server across the link, adding `delay` each way, counting
/// the bytes the client sends; `cut` drops every connection and refuses new ones until
/// `restore`.
#[derive(Clone)]
struct Relay {
    addr: std::net::SocketAddr,
    sent: Arc<AtomicU64>,
    cut: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr, delay: Duration) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("relay");
        let (cut, _) = tokio::sync::watch::channel(false);
        let relay = Relay { addr: listener.local_addr().expect("addr"), sent: Arc::default(), cut: Arc::new(cut) };
        let r = relay.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if *r.cut.borrow() {
                    drop(inbound);
                    continue;
                }
                let Ok(outbound) = tokio::net::TcpStream::connect(target).await else { continue };
                let (ir, iw) = inbound.into_split();
                let (or, ow) = outbound.into_split();
                let up = tokio::spawn(delayed(ir, ow, delay, Some(r.sent.clone()), r.cut.subscribe()));
                let down = tokio::spawn(delayed(or, iw, delay, None, r.cut.subscribe()));
                tokio::spawn(async move {
                    let _ = tokio::join!(up, down);
                });
            }
        });
        relay
    }

    fn cut(&self) {
        self.cut.send_replace(true);
    }

    fn restore(&self) {
        self.cut.send_replace(false);
    }
}

/// Copies `from` to `to`, each read held back `delay`; stops at the end or a cut.
async fn delayed(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    count: Option<Arc<AtomicU64>>,
    mut cut: tokio::sync::watch::Receiver<bool>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let reader = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((tokio::time::Instant::now() + delay, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
            if let Some(c) = &count {
                c.fetch_add(bytes.len() as u64, Ordering::SeqCst);
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::select! {
        _ = async { tokio::join!(reader, writer) } => {}
        _ = cut.wait_for(|c| *c) => {}
    }
}

/// One submission of the day: its body and the photo it names, if any.
struct Collected {
    body: String,
    photo: Option<Vec<u8>>,
}

/// Syncs `day` as the field app does, from submission `from`; the index of the first not
/// sent when the link failed (`Err`), all sent otherwise.
async fn sync(client: &reqwest::Client, base: &str, token: &str, day: &[Collected], from: usize) -> Result<(), usize> {
    for (i, c) in day.iter().enumerate().skip(from) {
        if let Some(photo) = &c.photo {
            let digest = sha(photo);
            let state = client
                .get(format!("{base}/api/v1/files/{digest}/upload"))
                .bearer_auth(token)
                .send()
                .await
                .map_err(|_| i)?;
            let state: serde_json::Value = state.json().await.map_err(|_| i)?;
            if state["stored"] != true {
                let mut at = state["received"].as_u64().unwrap_or(0) as usize;
                while at < photo.len() {
                    let end = (at + PART).min(photo.len());
                    let r = client
                        .put(format!("{base}/api/v1/files/{digest}"))
                        .bearer_auth(token)
                        .header("content-range", format!("bytes {at}-{}/{}", end - 1, photo.len()))
                        .body(photo[at..end].to_vec())
                        .send()
                        .await
                        .map_err(|_| i)?;
                    let status = r.status().as_u16();
                    let answer: serde_json::Value = r.json().await.map_err(|_| i)?;
                    match status {
                        202 => at = answer["received"].as_u64().unwrap_or(0) as usize,
                        200 | 201 => at = photo.len(),
                        _ => return Err(i),
                    }
                }
            }
        }
        let r = client
            .post(format!("{base}/api/v1/submissions"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(c.body.clone())
            .send()
            .await
            .map_err(|_| i)?;
        let status = r.status().as_u16();
        r.bytes().await.map_err(|_| i)?;
        assert!(status == 201 || status == 200, "submission {i}: {status}");
    }
    Ok(())
}

async fn bench_slow_link(only_cut: bool) {
    let link = match SlowLink::make() {
        Ok(link) => link,
        Err(e) => {
            println!("\nThe slow link could not be made here ({e}): skipped.");
            return;
        }
    };
    let small_kb: usize =
        std::env::var("OPENCPD_BENCH_SMALL_PHOTO_KB").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    println!("\n## A day of field work over a slow link (250 kbit/s each way, 150 ms each way, 2% loss each way)\n");
    println!("| photos | payload | link cut | time to sync | bytes sent (client → server) | sent / payload |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (label, photo_size, cut) in [
        ("as taken, 1 MB", 1_000_000, false),
        ("max-pixels=1024", small_kb * 1000, false),
        ("max-pixels=1024", small_kb * 1000, true),
        ("as taken, 1 MB", 1_000_000, true),
    ] {
        if only_cut && !cut {
            continue;
        }
        let dir = tempfile::tempdir().expect("dir");
        let (db, url) = fresh("sqlite", dir.path(), "day").await;
        demo::build(
            &db,
            &DemoConfig { scale: Scale::Small, seed: 2026, password: "bench-password".into() },
            &|_, _, _| {},
        )
        .await
        .expect("demo");
        let form = big_form(Some("max-pixels=1024"));
        let instrument =
            instruments::import(&db, &Actor::system(), "day.xlsx", &form, "observation").await.expect("form").id;
        let school: i64 = opencpd_kernel::on_db!(&db, |p| sqlx::query_scalar(
            "SELECT MIN(s.id) FROM schools s JOIN units u ON u.id = s.unit_id WHERE u.code = 'RW-10101'"
        )
        .fetch_one(p)
        .await)
        .expect("school");
        let token = accounts::create_token(&db, &Actor::system(), "seo.gitega", "bench").await.expect("token");
        db.close().await;
        let day: Vec<Collected> = (0..20)
            .map(|k| {
                let photo = (k % 2 == 0).then(|| photo(photo_size, 1000 + k as u64));
                let mut answers = common::answers(k);
                let mut files = Vec::new();
                if let Some(p) = &photo {
                    let name = format!("{}.jpg", sha(p));
                    answers["photo"] = serde_json::json!(name);
                    files.push(serde_json::json!({ "name": name, "sha256": sha(p) }));
                }
                let body = serde_json::json!({
                    "uuid": uuid::Uuid::new_v4().to_string(), "instrument_id": instrument, "collected_at": "2026-02-03T10:00:00Z",
                    "subject": {"kind": "school", "id": school}, "answers": answers, "files": files,
                })
                .to_string();
                Collected { body, photo }
            })
            .collect();
        let payload: usize = day.iter().map(|c| c.body.len() + c.photo.as_ref().map_or(0, |p| p.len())).sum();
        let (mut server, inside) = link.serve(&url, &dir.path().join("files")).await;
        let target: std::net::SocketAddr = inside.trim_start_matches("http://").parse().expect("addr");
        let relay = Relay::start(target, Duration::from_millis(150)).await;
        let base = format!("http://{}", relay.addr);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
        let started = Instant::now();
        let mut from = 0;
        let mut cut_done = !cut;
        loop {
            let run = sync(&client, &base, &token, &day, from);
            let result = if cut_done {
                run.await
            } else {
                // Cut the link once half the payload has gone, for 10 s.
                let relay2 = relay.clone();
                let half = payload as u64 / 2;
                let cutter = async move {
                    while relay2.sent.load(Ordering::SeqCst) < half {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    relay2.cut();
                };
                tokio::pin!(run);
                tokio::select! {
                    r = &mut run => r,
                    _ = cutter => {
                        cut_done = true;
                        let r = run.await;
                        tokio::time::sleep(Duration::from_secs(10)).await;
                        relay.restore();
                        r
                    }
                }
            };
            match result {
                Ok(()) => break,
                Err(i) => {
                    // The field app tries again at its next sync: a few seconds on.
                    from = i;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        let took = started.elapsed().as_secs_f64();
        let sent = relay.sent.load(Ordering::SeqCst);
        println!(
            "| {label} | {:.2} MB | {} | {:.0} s | {:.2} MB | {:.3} |",
            payload as f64 / 1e6,
            if cut { "half-way, 10 s" } else { "no" },
            took,
            sent as f64 / 1e6,
            sent as f64 / payload as f64
        );
        let _ = server.kill();
        let _ = server.wait();
    }
}

#[tokio::main]
async fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_default();
    let count: usize = std::env::var("OPENCPD_BENCH_PHOTOS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    println!("# OpenCPD file benchmark ({} cores)", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    if filter.is_empty() || filter == "uploads" {
        println!("\n## Uploads of photos over HTTP (release server, SQLite)\n");
        println!("| store | sent | photos | clients | MB/s | median per photo | server memory: idle → peak |");
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        bench_uploads("directory", false, count, 4).await;
        bench_uploads("directory", true, count, 4).await;
        bench_uploads("s3", true, count, 4).await;
    }
    if filter.is_empty() || filter == "slow-link" || filter == "slow-link-cut" {
        bench_slow_link(filter == "slow-link-cut").await;
    }
}
