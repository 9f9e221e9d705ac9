// Throwaway measurement (not committed): serves the instruments area on a port, prints the
// token and waits; a client uploads photos with curl; the process reports its peak RSS.
use opencpd_domain::AccountRole;
use opencpd_testkit::{Backend, TestDb};

#[tokio::main]
async fn main() {
    let t = TestDb::new(Backend::Sqlite).await;
    let token = opencpd_testkit::api::token(&t.db, "admin", AccountRole::SystemAdmin, None).await;
    let dir = std::env::args().nth(1).unwrap();
    let files = opencpd_kernel::files::Files::dir(&dir).unwrap();
    let config = opencpd_http::WebConfig { files: Some(files), ..Default::default() };
    let areas: &[&opencpd_http::Area] = &[&opencpd_instruments::web::AREA];
    let state = opencpd_http::AppState::new(t.db.clone(), config, areas);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:18444").await.unwrap();
    println!("{token}");
    let report = tokio::spawn(async {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let status = std::fs::read_to_string("/proc/self/status").unwrap();
            let line = |k: &str| status.lines().find(|l| l.starts_with(k)).unwrap_or("").to_string();
            std::fs::write("/tmp/media-bench-rss", format!("{} | {}\n", line("VmHWM"), line("VmRSS"))).unwrap();
        }
    });
    opencpd_http::serve_state(listener, state, areas).await.unwrap();
    report.abort();
}
