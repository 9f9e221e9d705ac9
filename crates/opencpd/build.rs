// Slow tests (a real browser, national-scale data) run only with OPENCPD_SLOW_TESTS=1.
// Without it they are compiled as ignored, so a run lists each of them by name as skipped
// ("ignored, slow: …") rather than counting it as passed. Tests of real XLSForms written
// by others read them from the shared reference data beside the repository (or
// `OPENCPD_SHARED_DATA`), and are listed as ignored where it is absent.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(slow_tests)");
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rerun-if-env-changed=OPENCPD_SHARED_DATA");
    let dir = std::env::var("OPENCPD_SHARED_DATA").unwrap_or_else(|_| {
        format!("{}/../../../shared/data", std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
    });
    let forms = std::path::Path::new(&dir).join("xlsforms");
    println!("cargo::rustc-env=OPENCPD_SHARED_XLSFORMS={}/", forms.display());
    // Cargo re-runs this script when the folder changes, appears or goes (a missing path
    // is always stale), so the tests are no longer skipped once it is there, and back.
    println!("cargo::rerun-if-changed={}", forms.display());
    if forms.is_dir() {
        println!("cargo::rustc-cfg=shared_data");
    }
    println!("cargo::rerun-if-env-changed=OPENCPD_SLOW_TESTS");
    if std::env::var("OPENCPD_SLOW_TESTS").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=slow_tests");
    }
}
