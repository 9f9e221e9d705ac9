// pyxform's own test forms are read from the project's shared reference data
// (`../shared/data/xlsform-corpus` beside the repository, or `OPENCPD_SHARED_DATA`), never
// copied into the project. Without them, the tests that read them are compiled as ignored,
// so a run lists each by name as skipped.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_corpus)");
    println!("cargo::rerun-if-env-changed=OPENCPD_SHARED_DATA");
    let dir = std::env::var("OPENCPD_SHARED_DATA").unwrap_or_else(|_| {
        format!("{}/../../../shared/data", std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
    });
    let corpus = std::path::Path::new(&dir).join("xlsform-corpus");
    println!("cargo::rustc-env=OPENCPD_SHARED_CORPUS={}/", corpus.display());
    // Cargo re-runs this script when the folder changes, appears or goes (a missing path
    // is always stale), so the tests are no longer skipped once it is there, and back.
    println!("cargo::rerun-if-changed={}", corpus.display());
    if corpus.join("README.md").is_file() {
        println!("cargo::rustc-cfg=shared_corpus");
    }
}
