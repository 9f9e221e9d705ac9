// Included by the build scripts of the crates whose tests read the shared reference data
// (`../shared/data` beside the repository, or `OPENCPD_SHARED_DATA`), which is never copied
// into the project.

/// The folder `name` of the shared reference data, with cargo told when to run the build
/// script again: when `OPENCPD_SHARED_DATA` changes, and when the folder changes, appears
/// or goes. For that it watches the folder if it is there, else its nearest ancestor that
/// is, but never one holding the repository (its build output changes on every build).
/// Watching a path that does not exist would run the script on every build.
fn shared_folder(name: &str) -> std::path::PathBuf {
    use std::path::{Path, PathBuf};
    println!("cargo::rerun-if-env-changed=OPENCPD_SHARED_DATA");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let data = std::env::var("OPENCPD_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join("../../../shared/data"));
    let folder = data.join(name);
    let repository = manifest.join("../..").canonicalize().expect("the repository");
    let mut watched: Option<&Path> = Some(&folder);
    while let Some(path) = watched {
        if let Ok(found) = path.canonicalize() {
            if !repository.starts_with(&found) {
                println!("cargo::rerun-if-changed={}", path.display());
            }
            break;
        }
        watched = path.parent();
    }
    folder
}
