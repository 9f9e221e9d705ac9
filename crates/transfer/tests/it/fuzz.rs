//! Property-based fuzzing of the readers every upload goes through: any bytes, and
//! workbooks damaged at random, give a table or one problem, never a panic. Bounded by
//! `OPENCPD_FUZZ_CASES` (256 by default) so CI's time stays fixed; seeded by
//! `OPENCPD_FUZZ_SEED` (2026 by default) so CI's run is repeatable.

use opencpd_transfer::stream::{CsvRows, STREAM};
use opencpd_transfer::{read_table, write_workbook};
use proptest::prelude::*;

fn cases() -> ProptestConfig {
    let cases = std::env::var("OPENCPD_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    // A fixed seed (OPENCPD_FUZZ_SEED to explore others): CI's run is the same each time.
    let seed = std::env::var("OPENCPD_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

/// Text that looks like a CSV: cells of awkward characters joined by the three
/// delimiters, quotes and line ends.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(",".to_string()),
        Just(";".to_string()),
        Just("\t".to_string()),
        Just("\"".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        "[a-zé0-9 =+@-]{0,8}",
    ];
    proptest::collection::vec(piece, 0..200).prop_map(|p| p.concat().into_bytes())
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn csv_of_any_bytes_is_a_table_or_one_problem(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_table("x.csv", &bytes);
        if let Ok(mut rows) = CsvRows::new(&bytes[..], STREAM) {
            while let Ok(Some(_)) = rows.next_row() {}
        }
    }

    #[test]
    fn csv_like_text_keeps_every_row_its_number(bytes in csvish()) {
        if let Ok(table) = read_table("x.csv", &bytes) {
            let mut last = 1;
            for row in &table.rows {
                prop_assert!(row.number > last, "rows numbered in order");
                last = row.number;
            }
        }
        if let Ok(mut rows) = CsvRows::new(&bytes[..], STREAM) {
            while let Ok(Some(_)) = rows.next_row() {}
        }
    }

    #[test]
    fn a_workbook_damaged_anywhere_is_read_or_refused(
        cells in proptest::collection::vec(proptest::collection::vec("[a-z0-9 ]{0,6}", 1..5), 1..6),
        hits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = write_workbook(&[("data", cells)]).expect("workbook");
        for (at, value) in hits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = read_table("x.xlsx", &bytes);
        let _ = opencpd_transfer::stream::each_sheet_row(&bytes, &STREAM, &mut |_| true);
        bytes.truncate(cut.index(bytes.len()));
        let _ = read_table("x.xlsx", &bytes);
    }
}

/// The case the fuzzing found: two bytes of a small workbook changed made the reader
/// underneath overflow a multiplication (a panic in a debug build); the file is refused.
#[test]
fn a_workbook_whose_damage_overflowed_the_reader_is_refused() {
    let cells = vec![
        vec!["a".to_string(), " ".into(), "xx ".into(), "a9b".into()],
        vec!["".to_string(), "db".into(), "a  ".into(), "b".into()],
    ];
    let mut bytes = write_workbook(&[("data", cells)]).expect("workbook");
    // Where proptest's `Index` values of the failing case fall in the file.
    let at = |index: u64| ((index as u128 * bytes.len() as u128) >> 64) as usize;
    let hits = [(at(12_350_193_758_354_193_373), 66u8), (at(12_042_692_317_009_515_216), 241u8)];
    for (i, value) in hits {
        bytes[i] = value;
    }
    let problem = read_table("x.xlsx", &bytes).expect_err("a damaged workbook");
    assert_eq!(problem.code, "not-a-table", "{problem:?}");
    let streamed = opencpd_transfer::stream::each_sheet_row(&bytes, &STREAM, &mut |_| true);
    assert_eq!(streamed.expect_err("a damaged workbook").code, "not-a-table");
}
