//! Small-cell suppression: the one rule deciding which counts may leave the system
//! (report pages, exports, charts, API reports read without row-level rights).
//!
//! A count from 1 to below the threshold is hidden (shown "<n"). Wherever that hides
//! exactly one cell of a line that has a known total (a column of a split, or a row whose
//! cells add up to a printed total), the smallest other cell of the line is hidden too
//! (shown "x"; a count above zero first), so no hidden count can be had by subtracting the others from the total.
//! The two passes repeat until nothing changes. Zero is not small. Totals are not
//! protected by complements; a total that is itself small is a single count ([`single`]),
//! hidden from readers without row-level rights.
//!
//! Not here: the threshold (a deployment setting read by `opencpd_kernel::settings`), who has
//! row-level rights (`access::Action::ReadRows`).

/// How one count is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Shown,
    /// Below the threshold: "<n".
    Small,
    /// Hidden so that a small cell cannot be computed back: "x".
    Complement,
}

impl Cell {
    pub fn hidden(self) -> bool {
        self != Cell::Shown
    }

    /// The text of a count shown as this cell, under `threshold`.
    pub fn text(self, value: i64, threshold: i64) -> String {
        match self {
            Cell::Shown => value.to_string(),
            Cell::Small => format!("<{threshold}"),
            Cell::Complement => "x".to_string(),
        }
    }
}

/// Whether one count standing alone (a target's achievement, a single total) is small.
pub fn single(value: i64, threshold: i64) -> Cell {
    if value > 0 && value < threshold { Cell::Small } else { Cell::Shown }
}

/// One line of counts with a known total (a column of a split).
pub fn column(values: &[i64], threshold: i64) -> Vec<Cell> {
    let mut cells: Vec<Cell> = values.iter().map(|v| single(*v, threshold)).collect();
    complement(values, &mut cells);
    cells
}

/// A table of counts, `counts[row][column]`: every column has a known total and, when
/// `row_totals`, so has every row (a row's cells add up to a printed total).
pub fn table(counts: &[Vec<i64>], threshold: i64, row_totals: bool) -> Vec<Vec<Cell>> {
    let mut cells: Vec<Vec<Cell>> = counts.iter().map(|r| r.iter().map(|v| single(*v, threshold)).collect()).collect();
    let width = counts.iter().map(Vec::len).max().unwrap_or(0);
    loop {
        let before = cells.clone();
        for c in 0..width {
            let rows: Vec<usize> = (0..counts.len()).filter(|r| c < counts[*r].len()).collect();
            let values: Vec<i64> = rows.iter().map(|r| counts[*r][c]).collect();
            let mut line: Vec<Cell> = rows.iter().map(|r| cells[*r][c]).collect();
            complement(&values, &mut line);
            for (i, r) in rows.iter().enumerate() {
                cells[*r][c] = line[i];
            }
        }
        if row_totals {
            for (r, row) in counts.iter().enumerate() {
                complement(row, &mut cells[r]);
            }
        }
        if cells == before {
            return cells;
        }
    }
}

/// When exactly one cell of the line is hidden, hides the smallest shown one too (a count
/// above zero before a zero, which would hide little).
fn complement(values: &[i64], cells: &mut [Cell]) {
    if cells.iter().filter(|c| c.hidden()).count() == 1 && values.len() > 1 {
        let second =
            values.iter().enumerate().filter(|(i, _)| !cells[*i].hidden()).min_by_key(|(_, v)| (**v == 0, **v));
        if let Some((i, _)) = second {
            cells[i] = Cell::Complement;
        }
    }
}

/// The sentence stated on every suppressed output, in `lang`.
pub fn notice(lang: &str, threshold: i64) -> String {
    crate::i18n::catalog().text(lang, "report-suppression", &[("n", threshold.to_string())])
}

#[cfg(test)]
mod tests {
    use super::Cell::{Complement as X, Shown as S, Small as L};
    use super::*;

    #[test]
    fn a_single_hidden_cell_in_a_column_hides_the_next_smallest() {
        assert_eq!(column(&[40, 3, 12], 5), vec![S, L, X]);
        // Two small cells hide each other.
        assert_eq!(column(&[40, 3, 1, 12], 5), vec![S, L, L, S]);
        // Zero is not small; the threshold itself is shown.
        assert_eq!(column(&[0, 5, 9], 5), vec![S, S, S]);
        // 0 turns suppression off.
        assert_eq!(column(&[1, 2], 0), vec![S, S]);
        // The complement is a count above zero when there is one.
        assert_eq!(column(&[0, 3, 12, 40], 5), vec![S, L, X, S]);
        assert_eq!(column(&[0, 3], 5), vec![X, L]);
        // A split of one group: nothing to pair with.
        assert_eq!(column(&[2], 5), vec![L]);
    }

    #[test]
    fn a_row_total_that_would_reveal_a_hidden_cell_is_handled() {
        // Women and men per category, each row printed with its total. The 4 is small;
        // its column complement is the 20, and then the first row has one hidden cell, so
        // its 30 is hidden as well: neither 4 = 34 - 30 nor 4 = 24 - 20 can be worked out.
        let counts = vec![vec![4, 30], vec![20, 50]];
        let cells = table(&counts, 5, true);
        assert_eq!(cells, vec![vec![L, X], vec![X, X]]);
        for (r, row) in cells.iter().enumerate() {
            assert_ne!(row.iter().filter(|c| c.hidden()).count(), 1, "row {r}: {cells:?}");
        }
        for c in 0..2 {
            assert_ne!(cells.iter().filter(|r| r[c].hidden()).count(), 1, "column {c}: {cells:?}");
        }
        // Without row totals only the column is protected.
        assert_eq!(table(&counts, 5, false), vec![vec![L, S], vec![X, S]]);
    }

    #[test]
    fn cells_are_written_as_the_reader_sees_them() {
        assert_eq!(L.text(2, 5), "<5");
        assert_eq!(X.text(12, 5), "x");
        assert_eq!(S.text(12, 5), "12");
        assert_eq!(single(2, 5), L);
        assert_eq!(single(0, 5), S);
        assert!(notice("en", 5).contains("<5"));
        assert!(notice("fr", 5).contains("<5"));
    }
}
