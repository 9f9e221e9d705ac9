//! The evaluation's charts as SVG, drawn with presentation attributes only (the pages'
//! CSP forbids inline styles): each effect a point on its interval, zero marked, so a
//! reader sees at once which intervals cross it.

use crate::model::{Evaluation, ImpactReport};
use minijinja::HtmlEscape;
use std::fmt::Write;

const WIDTH: f64 = 640.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 20.0;
const ROW: f64 = 34.0;

/// Bounds that hold every interval and zero, with a margin.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let pad = ((hi - lo) * 0.1).max(0.5);
    (lo - pad, hi + pad)
}

/// One row of the forest plot: label, estimate, interval, and the bootstrap interval.
type EffectRow = (String, f64, f64, f64, Option<(f64, f64)>);

/// A forest plot: one row per effect (and per bootstrap interval, drawn thinner below it).
pub fn effects(report: &ImpactReport) -> String {
    let rows: Vec<EffectRow> = report
        .coefficients
        .iter()
        .map(|c| {
            let label = match &c.round {
                Some(r) => format!("{} × {r}", c.arm),
                None => c.arm.clone(),
            };
            let boot = report.bootstrap.iter().find(|b| b.arm == c.arm && c.round.is_none()).map(|b| (b.low, b.high));
            (label, c.estimate, c.ci_low, c.ci_high, boot)
        })
        .collect();
    let (lo, hi) = bounds(rows.iter().flat_map(|r| {
        let b = r.4.unwrap_or((r.2, r.3));
        [r.2, r.3, b.0, b.1]
    }));
    let x = |v: f64| LEFT + (v - lo) / (hi - lo) * (WIDTH - LEFT - RIGHT);
    let height = ROW * rows.len() as f64 + 40.0;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="effects" xmlns="http://www.w3.org/2000/svg">"##
    );
    let zero = x(0.0);
    let _ = write!(
        svg,
        r##"<line x1="{zero:.1}" y1="4" x2="{zero:.1}" y2="{:.1}" stroke="#888" stroke-dasharray="4 3"/>"##,
        height - 24.0
    );
    for (i, (label, est, low, high, boot)) in rows.iter().enumerate() {
        let y = 20.0 + ROW * i as f64;
        let _ = write!(svg, r##"<text x="4" y="{:.1}" font-size="12">{}</text>"##, y + 4.0, HtmlEscape(label));
        let _ = write!(
            svg,
            r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#1f5fa8" stroke-width="3"/><circle cx="{:.1}" cy="{y:.1}" r="5" fill="#1f5fa8"/>"##,
            x(*low),
            x(*high),
            x(*est)
        );
        if let Some((bl, bh)) = boot {
            let yb = y + 10.0;
            let _ = write!(
                svg,
                r##"<line x1="{:.1}" y1="{yb:.1}" x2="{:.1}" y2="{yb:.1}" stroke="#c77c0e" stroke-width="1.5"/>"##,
                x(*bl),
                x(*bh)
            );
        }
    }
    let axis = height - 14.0;
    for v in [lo, 0.0, hi] {
        let _ =
            write!(svg, r##"<text x="{:.1}" y="{axis:.1}" font-size="11" text-anchor="middle">{v:.1}</text>"##, x(v));
    }
    svg.push_str("</svg>");
    svg
}

/// The event study of the first arm that is not the comparison: one point per round, the
/// reference round at zero, a line through them; the rounds before the programme show
/// whether the arms moved in parallel before it.
pub fn event_study(report: &ImpactReport, evaluation: &Evaluation) -> Option<String> {
    let arm = evaluation.arms.iter().find(|a| !a.comparison)?;
    let mut points: Vec<(usize, f64, f64, f64)> = report
        .coefficients
        .iter()
        .filter(|c| c.arm == arm.code)
        .filter_map(|c| {
            let r = evaluation.rounds.iter().position(|r| Some(&r.code) == c.round.as_ref())?;
            Some((r, c.estimate, c.ci_low, c.ci_high))
        })
        .collect();
    if let Some(r) = report.reference_round.as_ref().and_then(|r| evaluation.rounds.iter().position(|x| &x.code == r)) {
        points.push((r, 0.0, 0.0, 0.0));
    }
    points.sort_by_key(|p| p.0);
    if points.len() < 2 {
        return None;
    }
    let (lo, hi) = bounds(points.iter().flat_map(|p| [p.2, p.3]));
    let height = 220.0;
    let n = evaluation.rounds.len().max(2) as f64;
    let x = |r: usize| 50.0 + r as f64 / (n - 1.0) * (WIDTH - 80.0);
    let y = |v: f64| 10.0 + (hi - v) / (hi - lo) * (height - 50.0);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="event study" xmlns="http://www.w3.org/2000/svg">"##
    );
    let _ = write!(
        svg,
        r##"<line x1="40" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#888" stroke-dasharray="4 3"/>"##,
        y(0.0),
        WIDTH - 20.0
    );
    let path: Vec<String> = points.iter().map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1))).collect();
    let _ = write!(svg, r##"<polyline points="{}" fill="none" stroke="#1f5fa8" stroke-width="2"/>"##, path.join(" "));
    for (r, est, low, high) in &points {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#1f5fa8"/><circle cx="{0:.1}" cy="{3:.1}" r="4" fill="#1f5fa8"/>"##,
            x(*r),
            y(*low),
            y(*high),
            y(*est)
        );
    }
    for (i, round) in evaluation.rounds.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
            x(i),
            height - 12.0,
            HtmlEscape(&round.code)
        );
    }
    for v in [lo, 0.0, hi] {
        let _ = write!(svg, r##"<text x="4" y="{:.1}" font-size="11">{v:.1}</text>"##, y(v) + 4.0);
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// The Kirkpatrick funnel: one bar a level, centred, its width the share of its base the
/// level rests on (responses, pairs, persons or schools out of theirs); a hidden count
/// draws no bar.
pub fn funnel(f: &crate::model::KirkpatrickFunnel) -> String {
    let bar = 30.0;
    let gap = 12.0;
    let height = (bar + gap) * f.levels.len() as f64 + 10.0;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="Kirkpatrick" xmlns="http://www.w3.org/2000/svg">"##
    );
    let full = WIDTH - LEFT - RIGHT;
    for (i, level) in f.levels.iter().enumerate() {
        let y = 5.0 + (bar + gap) * i as f64;
        let _ = write!(
            svg,
            r##"<text x="4" y="{:.1}" font-size="12">{}</text>"##,
            y + bar / 2.0 + 4.0,
            HtmlEscape(&level.name)
        );
        let _ = write!(svg, r##"<rect x="{LEFT}" y="{y:.1}" width="{full:.1}" height="{bar}" fill="#eef2f7"/>"##);
        if let Some(rate) = level.rate {
            let w = (full * rate).max(1.0);
            let x = LEFT + (full - w) / 2.0;
            let _ = write!(svg, r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bar}" fill="#1f5fa8"/>"##);
        }
        let label = format!("{} / {}", level.n.shown, level.of.shown);
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="#111">{}</text>"##,
            LEFT + full / 2.0,
            y + bar / 2.0 + 4.0,
            HtmlEscape(&label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Level 1 by course, cohort and facilitator: one bar a row, its length the index out of
/// 100, labelled with the course's or cohort's code or the facilitator's name; a hidden
/// index draws no bar (the shared bar chart of shares).
pub fn satisfaction(f: &crate::model::KirkpatrickFunnel) -> String {
    let rows: Vec<(&str, Option<f64>)> = f
        .satisfaction
        .iter()
        .map(|r| (r.name.split(" · ").next().unwrap_or(&r.name), r.index.map(|i| i / 100.0)))
        .collect();
    opencpd_http::chart::shares("satisfaction", &rows)
}

/// The needs of a group: one bar a standard, its length the share of the people assessed
/// who scored below the bar; a hidden share draws no bar (the shared bar chart of shares).
pub fn needs(g: &crate::model::GroupNeeds) -> String {
    let rows: Vec<(&str, Option<f64>)> = g.standards.iter().map(|s| (s.code.as_str(), s.share_in_need)).collect();
    opencpd_http::chart::shares("needs", &rows)
}

/// Colours of the lines of a chart with several, in turn.
const COLOURS: [&str; 6] = ["#1f5fa8", "#c77c0e", "#2e8b57", "#8e44ad", "#c0392b", "#5d6d7e"];

/// Level 3 by standard over time: one line per standard across the periods (oldest on the
/// left), a point per period with its mean, named with its standard, period and the
/// people (or, for a person, the observations) it rests on; the line goes on past a period
/// in which nobody was observed on the standard, and breaks at a point whose count is
/// hidden; the standards' codes on the right.
pub fn practice(p: &crate::model::Practice) -> String {
    let (w, h, left, right, top, bottom) = (WIDTH, 240.0, 44.0, 110.0, 12.0, 30.0);
    let values: Vec<f64> = p.standards.iter().flat_map(|s| s.points.iter().filter_map(|x| x.mean)).collect();
    let lo = ((values.iter().cloned().fold(f64::INFINITY, f64::min) - 5.0).max(0.0) / 10.0).floor() * 10.0;
    let hi = ((values.iter().cloned().fold(f64::NEG_INFINITY, f64::max) + 5.0).min(100.0) / 10.0).ceil() * 10.0;
    let (lo, hi) = if lo < hi { (lo, hi) } else { (0.0, 100.0) };
    let n = p.periods.len().max(2) as f64;
    let x = |i: usize| left + i as f64 / (n - 1.0) * (w - left - right);
    let y = |v: f64| top + (hi - v) / (hi - lo) * (h - top - bottom);
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="practice" xmlns="http://www.w3.org/2000/svg">"##
    );
    for v in [lo, (lo + hi) / 2.0, hi] {
        let _ =
            write!(svg, r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/>"##, y(v), w - right);
        let _ = write!(svg, r##"<text x="4" y="{:.1}" font-size="11">{v:.0} %</text>"##, y(v) + 4.0);
    }
    for (i, period) in p.periods.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
            x(i),
            h - 10.0,
            HtmlEscape(&period.name)
        );
    }
    for (k, standard) in p.standards.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        // A period with no point ends one segment and starts the next.
        let (mut segment, mut segments) = (Vec::new(), Vec::new());
        for (i, point) in standard.points.iter().enumerate() {
            match (point.mean, point.people.value) {
                (Some(v), _) => segment.push(format!("{:.1},{:.1}", x(i), y(v))),
                (None, Some(0)) => {}
                (None, _) => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for s in segments.iter().filter(|s: &&Vec<String>| s.len() > 1) {
            let _ =
                write!(svg, r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"##, s.join(" "));
        }
        for (i, point) in standard.points.iter().enumerate() {
            let Some(v) = point.mean else { continue };
            let rests_on = if p.about == "person" { &point.observations.shown } else { &point.people.shown };
            let title = format!("{} · {}: {v:.1} % ({rests_on})", standard.code, p.periods[i].name);
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}</title></circle>"##,
                x(i),
                y(v),
                HtmlEscape(&title)
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="{colour}">{}</text>"##,
            w - right + 8.0,
            top + 14.0 + 16.0 * k as f64,
            HtmlEscape(&standard.code)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FunnelCount, Practice, PracticePeriod, PracticePoint, PracticeStandard};

    fn point(mean: Option<f64>, people: i64) -> PracticePoint {
        let count = FunnelCount { value: Some(people), shown: people.to_string() };
        PracticePoint { people: count.clone(), observations: count, mean }
    }

    /// Three standards over three terms: the first a line through its three points, the
    /// second broken where its middle point is hidden (so only its points are drawn), the
    /// third a line past the term in which nobody was observed on it; every point named.
    #[test]
    fn each_standard_is_a_line_broken_where_a_period_has_no_point() {
        let period = |name: &str| PracticePeriod { name: name.into(), starts_on: String::new(), kind: "term".into() };
        let hidden = FunnelCount { value: None, shown: "<5".into() };
        let p = Practice {
            about: "programme".into(),
            periods: vec![period("2025 T1"), period("2025 T2"), period("2025 T3")],
            standards: vec![
                PracticeStandard {
                    code: "SL2".into(),
                    name: "Leading learning".into(),
                    points: vec![point(Some(50.0), 6), point(Some(60.0), 6), point(Some(70.0), 5)],
                },
                PracticeStandard {
                    code: "A & B".into(),
                    name: String::new(),
                    points: vec![
                        point(Some(40.0), 6),
                        PracticePoint { people: hidden.clone(), observations: hidden, mean: None },
                        point(Some(55.0), 7),
                    ],
                },
                PracticeStandard {
                    code: "SL3".into(),
                    name: String::new(),
                    points: vec![point(Some(45.0), 6), point(None, 0), point(Some(65.0), 6)],
                },
            ],
            observations: FunnelCount { value: Some(30), shown: "30".into() },
            from_visits: FunnelCount { value: Some(0), shown: "0".into() },
            from_lesson_study: FunnelCount { value: Some(0), shown: "0".into() },
            suppressed: true,
            threshold: 5,
        };
        let svg = practice(&p);
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        assert!(svg.contains(r##"<polyline points="44.0,"##) && svg.contains("530.0,"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 7, "{svg}");
        assert!(svg.contains("<title>SL2 · 2025 T2: 60.0 % (6)</title>"), "{svg}");
        assert!(svg.contains("A &amp; B") && svg.contains(">2025 T3</text>"), "{svg}");
    }
}
