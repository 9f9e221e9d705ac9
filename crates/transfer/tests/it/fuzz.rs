//! Property-based fuzzing of the readers every upload goes through: any bytes, and
//! workbooks damaged at random, give a table or one problem, never a panic. Bounded by
//! `OPENCPD_FUZZ_CASES` (256 by default) so CI's time stays fixed.

use opencpd_transfer::stream::{CsvRows, STREAM};
use opencpd_transfer::{read_table, write_workbook};
use proptest::prelude::*;

fn cases() -> ProptestConfig {
    let cases = std::env::var("OPENCPD_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
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
