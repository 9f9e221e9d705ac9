//! The one horizontal bar chart of shares, as SVG drawn with presentation attributes only
//! (the pages' CSP forbids inline styles): one bar a row, its length the row's share of
//! the whole, the share written on it; a row whose share is hidden (a suppressed count)
//! draws no bar. Evaluation's needs and peer learning's coverage reports draw with it.
//!
//! Not here: charts of another shape (intervals, funnels, trends stay with their areas).

use minijinja::HtmlEscape;
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 20.0;

/// Bars of `rows` (a label, a share from 0 to 1 or none when hidden), under `aria_label`.
pub fn shares(aria_label: &str, rows: &[(&str, Option<f64>)]) -> String {
    let bar = 22.0;
    let gap = 8.0;
    let height = (bar + gap) * rows.len() as f64 + 24.0;
    let full = WIDTH - LEFT - RIGHT;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"##,
        HtmlEscape(aria_label)
    );
    for (i, (label, share)) in rows.iter().enumerate() {
        let y = 4.0 + (bar + gap) * i as f64;
        let _ =
            write!(svg, r##"<text x="4" y="{:.1}" font-size="12">{}</text>"##, y + bar / 2.0 + 4.0, HtmlEscape(label));
        let _ = write!(svg, r##"<rect x="{LEFT}" y="{y:.1}" width="{full:.1}" height="{bar}" fill="#eef2f7"/>"##);
        if let Some(share) = share {
            let share = share.clamp(0.0, 1.0);
            let _ = write!(
                svg,
                r##"<rect x="{LEFT}" y="{y:.1}" width="{:.1}" height="{bar}" fill="#c0392b"/>"##,
                full * share
            );
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" font-size="11">{:.0} %</text>"##,
                LEFT + 4.0,
                y + bar / 2.0 + 4.0,
                share * 100.0
            );
        }
    }
    let axis = height - 6.0;
    for (v, label) in [(0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")] {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{axis:.1}" font-size="11" text-anchor="middle">{label}</text>"##,
            LEFT + full * v
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_share_draws_no_bar_and_labels_are_escaped() {
        let svg = shares("coverage", &[("A & B", Some(0.5)), ("C", None)]);
        assert!(svg.contains("A &amp; B"));
        assert_eq!(svg.matches(r##"fill="#c0392b""##).count(), 1);
        assert!(svg.contains("50 %</text>"));
    }
}
