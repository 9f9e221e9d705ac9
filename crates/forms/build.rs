// The real XLSForms written by others are read from the project's shared reference data
// (`../shared/data` beside the repository, or `OPENCPD_SHARED_DATA`), never copied into
// the project: `xlsforms/` (forms from the field) and `xlsform-corpus/` (pyxform's own test
// forms, with the verdicts of pyxform and ODK Validate). Without them, the tests that read
// them are compiled as ignored, so a run lists each by name as skipped.
include!("../../build/shared_data.rs");

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rustc-check-cfg=cfg(shared_corpus)");
    let forms = shared_folder("xlsforms");
    println!("cargo::rustc-env=OPENCPD_SHARED_XLSFORMS={}/", forms.display());
    if forms.is_dir() {
        println!("cargo::rustc-cfg=shared_data");
    }
    let corpus = shared_folder("xlsform-corpus");
    println!("cargo::rustc-env=OPENCPD_SHARED_CORPUS={}/", corpus.display());
    if corpus.join("README.md").is_file() {
        println!("cargo::rustc-cfg=shared_corpus");
    }
}
