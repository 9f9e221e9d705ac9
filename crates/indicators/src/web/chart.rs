//! The data page's trend chart as SVG (presentation attributes only: the CSP forbids
//! inline styles): one line per subject over the years, a hidden point breaking its line.

use crate::model::TrendPoint;
use minijinja::HtmlEscape;
use std::collections::BTreeMap;
use std::fmt::Write;

const COLOURS: [&str; 4] = ["#1f5fa8", "#c77c0e", "#2e8b57", "#8e44ad"];

pub fn trend(points: &[TrendPoint]) -> String {
    let (w, h, left, right, top, bottom) = (640.0, 240.0, 44.0, 110.0, 12.0, 30.0);
    let years: Vec<i64> = {
        let mut y: Vec<i64> = points.iter().map(|p| p.year).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    let mut by_subject: BTreeMap<&str, Vec<&TrendPoint>> = BTreeMap::new();
    for p in points {
        by_subject.entry(p.subject.as_str()).or_default().push(p);
    }
    let values: Vec<f64> = points.iter().filter_map(|p| p.mean_percent).collect();
    let lo = (values.iter().cloned().fold(f64::INFINITY, f64::min) - 5.0).max(0.0).floor();
    let hi = (values.iter().cloned().fold(f64::NEG_INFINITY, f64::max) + 5.0).min(100.0).ceil();
    let (lo, hi) = if lo < hi { (lo, hi) } else { (0.0, 100.0) };
    let n = years.len().max(2) as f64;
    let x = |year: i64| {
        let i = years.iter().position(|y| *y == year).unwrap_or(0) as f64;
        left + i / (n - 1.0) * (w - left - right)
    };
    let y = |v: f64| top + (hi - v) / (hi - lo) * (h - top - bottom);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="trend" xmlns="http://www.w3.org/2000/svg">"##
    );
    for v in [lo, (lo + hi) / 2.0, hi] {
        let _ =
            write!(svg, r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/>"##, y(v), w - right);
        let _ = write!(svg, r##"<text x="4" y="{:.1}" font-size="11">{v:.0} %</text>"##, y(v) + 4.0);
    }
    for year in &years {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{year}</text>"##,
            x(*year),
            h - 10.0
        );
    }
    for (i, (subject, pts)) in by_subject.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        // A hidden point ends one segment and starts the next.
        let mut segment: Vec<String> = Vec::new();
        let mut segments = Vec::new();
        for p in pts {
            match p.mean_percent {
                Some(v) => segment.push(format!("{:.1},{:.1}", x(p.year), y(v))),
                None => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for s in segments.iter().filter(|s| !s.is_empty()) {
            let _ =
                write!(svg, r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##, s.join(" "));
        }
        for p in pts.iter().filter_map(|p| p.mean_percent.map(|v| (p.year, v))) {
            let _ = write!(svg, r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"##, x(p.0), y(p.1));
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="{colour}">{}</text>"##,
            w - right + 8.0,
            top + 14.0 + 16.0 * i as f64,
            HtmlEscape(subject)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A plan priority's small chart: the indicator each year from the baseline year (a line,
/// a hidden or missing year breaking it), the baseline as a dot and the target as a
/// dashed line at its due year.
pub fn priority(p: &crate::model::PlanPriority) -> String {
    let (w, h, left, right, top, bottom) = (320.0, 140.0, 40.0, 12.0, 10.0, 24.0);
    let mut values: Vec<f64> = p.series.iter().filter_map(|s| s.value).collect();
    values.push(p.target);
    values.extend(p.baseline);
    let lo = values.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.15).max(1.0);
    let (lo, hi) = ((lo - pad).floor(), (hi + pad).ceil());
    let years: Vec<i64> = p.series.iter().map(|s| s.year).collect();
    let n = years.len().max(2) as f64;
    let x = |year: i64| {
        let i = years.iter().position(|y| *y == year).unwrap_or(years.len().saturating_sub(1)) as f64;
        left + i / (n - 1.0) * (w - left - right)
    };
    let y = |v: f64| top + (hi - v) / (hi - lo) * (h - top - bottom);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"##,
        HtmlEscape(&p.indicator)
    );
    for v in [lo, hi] {
        let _ =
            write!(svg, r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/>"##, y(v), w - right);
        let _ = write!(svg, r##"<text x="2" y="{:.1}" font-size="10">{v:.0}</text>"##, y(v) + 4.0);
    }
    for year in &years {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle">{year}</text>"##,
            x(*year),
            h - 8.0
        );
    }
    let _ = write!(
        svg,
        r##"<line class="target" x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{2}" stroke-dasharray="4 3"/>"##,
        y(p.target),
        w - right,
        COLOURS[1]
    );
    let mut segments: Vec<Vec<String>> = vec![Vec::new()];
    for s in &p.series {
        match s.value {
            Some(v) => segments.last_mut().expect("one").push(format!("{:.1},{:.1}", x(s.year), y(v))),
            None => segments.push(Vec::new()),
        }
    }
    for s in segments.iter().filter(|s| !s.is_empty()) {
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"##,
            s.join(" "),
            COLOURS[0]
        );
    }
    for (year, v) in p.series.iter().filter_map(|s| s.value.map(|v| (s.year, v))) {
        let _ = write!(svg, r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"##, x(year), y(v), COLOURS[0]);
    }
    if let Some(b) = p.baseline {
        let _ = write!(
            svg,
            r##"<circle class="baseline" cx="{:.1}" cy="{:.1}" r="5" fill="none" stroke="{}" stroke-width="2"/>"##,
            x(p.baseline_year),
            y(b),
            COLOURS[2]
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Targets against what is achieved: a row per target, each on its own scale (indicators
/// differ in unit), the achieved value as a bar, the target as a dark tick and the baseline
/// as a grey one; a value not achieved yet or hidden leaves the bar out.
pub fn targets(targets: &[crate::model::PlaceTarget], labels: &[String]) -> String {
    let (w, row, left, right) = (640.0, 34.0, 200.0, 120.0);
    let h = 8.0 + row * targets.len() as f64;
    let span = w - left - right;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="targets" xmlns="http://www.w3.org/2000/svg">"##
    );
    for (i, (t, label)) in targets.iter().zip(labels).enumerate() {
        let p = &t.progress;
        let top = 8.0 + row * i as f64;
        let most = [Some(p.target), p.achieved, p.baseline].into_iter().flatten().fold(0.0_f64, f64::max);
        let scale = if most > 0.0 { span / (most * 1.15) } else { 0.0 };
        let x = |v: f64| left + v.max(0.0) * scale;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            left - 6.0,
            top + 15.0,
            HtmlEscape(label)
        );
        let _ =
            write!(svg, r##"<rect x="{left}" y="{:.1}" width="{span:.1}" height="14" fill="#f1f1f1"/>"##, top + 4.0);
        if let Some(a) = p.achieved {
            let colour = if a >= p.target { "#2e8b57" } else { COLOURS[0] };
            let _ = write!(
                svg,
                r##"<rect class="achieved" x="{left}" y="{:.1}" width="{:.1}" height="14" fill="{colour}"/>"##,
                top + 4.0,
                x(a) - left
            );
        }
        if let Some(b) = p.baseline {
            let _ = write!(
                svg,
                r##"<line class="baseline" x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#888" stroke-width="2"/>"##,
                x(b),
                top + 2.0,
                top + 20.0
            );
        }
        let _ = write!(
            svg,
            r##"<line class="target" x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#222" stroke-width="3"/>"##,
            x(p.target),
            top,
            top + 24.0
        );
        let achieved = p.achieved.map_or_else(|| "–".to_string(), |a| format!("{a:.1}"));
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11">{achieved} / {:.1}</text>"##,
            w - right + 8.0,
            top + 15.0,
            p.target
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Flows by grade: a bar per grade splitting those enrolled into promoted, repeating and
/// dropped out (UIS rates, together 100 %); a grade whose rates are hidden or unknown is an
/// empty bar marked "–". `legend` names the three parts in the reader's language.
pub fn flows(rows: &[crate::model::FlowRow], legend: [&str; 3]) -> String {
    const PARTS: [&str; 3] = ["#2e8b57", "#c77c0e", "#b03a2e"];
    let (w, row, left, right, top) = (640.0, 26.0, 56.0, 24.0, 30.0);
    let h = top + 8.0 + row * rows.len() as f64;
    let span = w - left - right;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="flows" xmlns="http://www.w3.org/2000/svg">"##
    );
    for (i, (name, colour)) in legend.iter().zip(PARTS).enumerate() {
        let x = left + 170.0 * i as f64;
        let _ = write!(svg, r##"<rect x="{x:.1}" y="6" width="12" height="12" fill="{colour}"/>"##);
        let _ = write!(svg, r##"<text x="{:.1}" y="16" font-size="11">{}</text>"##, x + 16.0, HtmlEscape(name));
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            left - 6.0,
            y + 14.0,
            HtmlEscape(&r.grade)
        );
        let _ = write!(svg, r##"<rect x="{left}" y="{:.1}" width="{span:.1}" height="18" fill="#f1f1f1"/>"##, y + 2.0);
        let (Some(p), Some(rr), Some(d)) = (r.promotion, r.repetition, r.dropout) else {
            let _ = write!(svg, r##"<text x="{:.1}" y="{:.1}" font-size="11">–</text>"##, left + 6.0, y + 15.0);
            continue;
        };
        // A negative drop-out (more in the next grade than could come from this one) is
        // drawn as none; its value stays in the table.
        let shares = [p.max(0.0), rr.max(0.0), d.max(0.0)];
        let whole: f64 = shares.iter().sum::<f64>().max(1.0);
        let mut x = left;
        for ((share, colour), name) in shares.iter().zip(PARTS).zip(legend) {
            let width = share / whole * span;
            if width <= 0.0 {
                continue;
            }
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{:.1}" width="{width:.1}" height="18" fill="{colour}"><title>{} {} %</title></rect>"##,
                y + 2.0,
                HtmlEscape(name),
                (share * 1000.0).round() / 10.0
            );
            if width > 34.0 {
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#fff">{:.0} %</text>"##,
                    x + 4.0,
                    y + 15.0,
                    share * 100.0
                );
            }
            x += width;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Equity gaps: per grade, girls' and boys' rates (0–100 %) as two dots on one line, the
/// line between them the gap; a hidden rate leaves its dot out and the gap unsaid.
/// `legend` names girls and boys in the reader's language.
pub fn gaps(rows: &[crate::model::GapRow], legend: [&str; 2]) -> String {
    const SEXES: [&str; 2] = ["#8e44ad", "#1f5fa8"];
    let (w, row, left, right, top) = (640.0, 24.0, 56.0, 70.0, 30.0);
    let h = top + 8.0 + row * rows.len() as f64;
    let span = w - left - right;
    let x = |share: f64| left + share.clamp(0.0, 100.0) / 100.0 * span;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="gaps" xmlns="http://www.w3.org/2000/svg">"##
    );
    for (i, (name, colour)) in legend.iter().zip(SEXES).enumerate() {
        let at = left + 120.0 * i as f64;
        let _ = write!(svg, r##"<circle cx="{:.1}" cy="12" r="5" fill="{colour}"/>"##, at + 5.0);
        let _ = write!(svg, r##"<text x="{:.1}" y="16" font-size="11">{}</text>"##, at + 14.0, HtmlEscape(name));
    }
    for v in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" y1="{top}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" font-size="10" text-anchor="middle">{v:.0} %</text>"##,
            x(v),
            h - 12.0,
            h - 2.0
        );
    }
    for (i, g) in rows.iter().enumerate() {
        let y = top + row * i as f64 + 10.0;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            left - 6.0,
            y + 4.0,
            HtmlEscape(&g.grade)
        );
        let rates = g.rates();
        if let [Some(a), Some(b)] = rates {
            let _ = write!(
                svg,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#999" stroke-width="3"/>"##,
                x(a),
                x(b)
            );
        }
        for (r, colour) in rates.iter().zip(SEXES) {
            if let Some(r) = r {
                let _ = write!(svg, r##"<circle cx="{:.1}" cy="{y:.1}" r="5" fill="{colour}"/>"##, x(*r));
            }
        }
        let said = g.points.map_or_else(|| "–".to_string(), |p| format!("{p:+.1}"));
        let _ = write!(svg, r##"<text x="{:.1}" y="{:.1}" font-size="11">{said}</text>"##, w - right + 8.0, y + 4.0);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Count, FlowRow, GapRow};

    fn count(value: Option<i64>) -> Count {
        Count { value, shown: value.map_or_else(|| "<5".into(), |v| v.to_string()) }
    }

    fn flow(grade: &str, rates: Option<(f64, f64, f64)>) -> FlowRow {
        FlowRow {
            grade: grade.into(),
            enrolled: count(Some(100)),
            repeating_next: count(Some(10)),
            promotion: rates.map(|r| r.0),
            repetition: rates.map(|r| r.1),
            dropout: rates.map(|r| r.2),
            survival: None,
            promotion_parity: None,
            promotion_parity_adjusted: None,
        }
    }

    #[test]
    fn a_hidden_point_of_the_trend_breaks_its_line_and_draws_no_dot() {
        let point = |year: i64, mean: Option<f64>| crate::model::TrendPoint {
            subject: "MATH".into(),
            year,
            assessed: count(mean.map(|_| 40)),
            mean_percent: mean,
        };
        let svg =
            trend(&[point(2022, Some(50.0)), point(2023, Some(55.0)), point(2024, None), point(2025, Some(60.0))]);
        // Two dots before the hidden year and one after; the line stops at the hidden year.
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        let segments: Vec<usize> =
            svg.split("<polyline points=\"").skip(1).map(|s| s.split('"').next().unwrap().split(' ').count()).collect();
        assert_eq!(segments, [2, 1], "{svg}");
        // Every year keeps its place on the axis, the hidden one too.
        assert!(svg.contains(">2024</text>"), "{svg}");
    }

    #[test]
    fn flows_split_each_grade_into_its_three_rates_and_mark_a_hidden_one() {
        let svg =
            flows(&[flow("P1", Some((0.8, 0.15, 0.05))), flow("P2", None)], ["Promoted", "Repeating", "Dropped <out>"]);
        // P1's three parts, as wide as their shares of the 560 units of the bar.
        assert!(svg.contains(r##"width="448.0" height="18" fill="#2e8b57"><title>Promoted 80 %</title>"##), "{svg}");
        assert!(svg.contains(r##"width="84.0" height="18" fill="#c77c0e"><title>Repeating 15 %</title>"##), "{svg}");
        assert!(svg.contains("<title>Dropped &lt;out&gt; 5 %</title>"), "escaped: {svg}");
        // P2's rates are hidden: an empty bar marked as such, no part drawn.
        assert_eq!(svg.matches("<title>").count(), 3);
        assert!(svg.contains(">P2</text>") && svg.contains(">–</text>"), "{svg}");
    }

    #[test]
    fn gaps_draw_both_rates_with_the_gap_and_leave_a_hidden_rate_out() {
        let row = |grade: &str, girls: Option<i64>, points: Option<f64>| GapRow {
            grade: grade.into(),
            first: count(girls),
            first_size: count(Some(40)),
            second: count(Some(20)),
            second_size: count(Some(50)),
            points,
            parity_adjusted: None,
        };
        let svg = gaps(&[row("P1", Some(30), Some(35.0)), row("P2", None, None)], ["Girls", "Boys"]);
        // P1: girls 75 % and boys 40 % on a 0–100 % scale 514 units wide from x = 56.
        assert!(svg.contains(r##"<line x1="441.5" y1="40.0" x2="261.6" y2="40.0""##), "{svg}");
        assert!(svg.contains(">+35.0</text>"), "{svg}");
        // P2: only the boys' dot, no gap line, the gap unsaid.
        assert_eq!(svg.matches(r##"r="5" fill="#8e44ad""##).count(), 2, "the legend's dot and P1's: {svg}");
        assert_eq!(svg.matches(r##"r="5" fill="#1f5fa8""##).count(), 3, "the legend's, P1's and P2's: {svg}");
        assert_eq!(svg.matches(r##"stroke-width="3""##).count(), 1);
    }
}
