// Slow tests (national-scale data) run only with OPENCPD_SLOW_TESTS=1; without it they
// are compiled as ignored, so a run lists each of them by name as skipped.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(slow_tests)");
    println!("cargo::rerun-if-env-changed=OPENCPD_SLOW_TESTS");
    if std::env::var("OPENCPD_SLOW_TESTS").is_ok_and(|v| v == "1") {
        println!("cargo::rustc-cfg=slow_tests");
    }
}
