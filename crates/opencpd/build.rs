// Slow tests (a real browser, national-scale data) run only with OPENCPD_SLOW_TESTS=1.
// Without it they are compiled as ignored, so a run lists each of them by name as skipped
// ("ignored, slow: …") rather than counting it as passed. Tests of real XLSForms written
// by others read them from the shared reference data beside the repository (or
// `OPENCPD_SHARED_DATA`), and are listed as ignored where it is absent.
include!("../../build/shared_data.rs");

fn main() {
    println!("cargo::rustc-check-cfg=cfg(slow_tests)");
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    let forms = shared_folder("xlsforms");
    println!("cargo::rustc-env=OPENCPD_SHARED_XLSFORMS={}/", forms.display());
    if forms.is_dir() {
        println!("cargo::rustc-cfg=shared_data");
    }
    println!("cargo::rerun-if-env-changed=OPENCPD_SLOW_TESTS");
    if std::env::var("OPENCPD_SLOW_TESTS").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=slow_tests");
    }
}
