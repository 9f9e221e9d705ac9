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
