//! The import of the largest form of the XLSForm corpus (`../shared/data/xlsform-corpus`,
//! read from there, never copied): every form the corpus README says pyxform accepts is
//! read once, the one with the most questions (items other than groups and repeats) is kept, and its
//! import (workbook read, every row checked, the form built) is timed. Prints the median
//! and the slowest of several runs; asserts nothing (timings on a shared machine are
//! noisy). Without the shared data it says so and times nothing.
//!
//!     cargo bench -p opencpd-forms --bench import

use opencpd_forms::{ItemKind, parse_xlsform};
use std::time::Instant;

/// The corpus folder (see the crate's build script).
const DIR: &str = env!("OPENCPD_SHARED_CORPUS");
const RUNS: usize = 21;

/// The forms the README says pyxform accepts, by path.
fn accepted() -> Option<Vec<String>> {
    let readme = std::fs::read_to_string(format!("{DIR}README.md")).ok()?;
    let paths = readme.lines().filter_map(|line| {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let path = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
        (*cells.get(2)? == "accepted").then(|| path.to_string())
    });
    Some(paths.collect())
}

fn main() {
    let Some(paths) = accepted() else {
        println!("skipped: no corpus at {DIR}");
        return;
    };
    let mut largest: Option<(String, Vec<u8>, usize)> = None;
    for path in paths {
        let Ok(bytes) = std::fs::read(format!("{DIR}{path}")) else { continue };
        let Ok(form) = parse_xlsform(&path, &bytes) else { continue };
        let items = form
            .all_items()
            .into_iter()
            .filter(|i| !matches!(i.kind, ItemKind::Group { .. } | ItemKind::Repeat { .. }))
            .count();
        if largest.as_ref().is_none_or(|(_, _, most)| items > *most) {
            largest = Some((path, bytes, items));
        }
    }
    let Some((path, bytes, items)) = largest else {
        println!("skipped: no form of the corpus is taken");
        return;
    };
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let form = parse_xlsform(&path, &bytes).expect("taken once, taken again");
            std::hint::black_box(form);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "import of {path} ({items} questions, {} bytes): median {:.2} ms, slowest {:.2} ms over {RUNS} runs",
        bytes.len(),
        times[RUNS / 2],
        times[RUNS - 1]
    );
}
