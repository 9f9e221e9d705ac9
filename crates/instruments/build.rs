// pyxform's own test forms are read from the project's shared reference data
// (`../shared/data/xlsform-corpus` beside the repository, or `OPENCPD_SHARED_DATA`), never
// copied into the project. Without them, the tests that read them are compiled as ignored,
// so a run lists each by name as skipped.
include!("../../build/shared_data.rs");

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_corpus)");
    let corpus = shared_folder("xlsform-corpus");
    println!("cargo::rustc-env=OPENCPD_SHARED_CORPUS={}/", corpus.display());
    if corpus.join("README.md").is_file() {
        println!("cargo::rustc-cfg=shared_corpus");
    }
}
