//! A report on A4 portrait pages: a title, lines under it, then blocks in order —
//! headings, paragraphs wrapped to the page, tables (titles on a grey band, repeated when
//! a table runs onto the next page) and interval charts (an estimate as a point on its
//! interval, zero marked). Pages are numbered "page n of m". Used for an evaluation's
//! report; it knows nothing of evaluations.

use crate::pdf::{self, Font};
use pdf_writer::{Content, Pdf, Rect, Ref};

#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    /// Column titles and rows; the first column is left-aligned, the others right-aligned.
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// One row an interval: (label, estimate, low, high).
    Intervals(Vec<(String, f64, f64, f64)>),
    /// Horizontal bars from zero to `max`, one a row: (label, value, what to print after
    /// the bar). A row without a value (hidden, or no data) draws no bar, only its text.
    Bars {
        max: f64,
        rows: Vec<(String, Option<f64>, String)>,
    },
}

#[derive(Debug, Clone)]
pub struct Report {
    pub title: String,
    pub subtitle: Vec<String>,
    pub blocks: Vec<Block>,
    /// With `{page}` and `{pages}`.
    pub page_label: String,
}

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const ROW: f32 = 16.0;
const BOTTOM: f32 = MARGIN + 24.0;

/// Characters the PDF's encoding lacks, written with those it has.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2212}' => '-',
            '\u{202f}' | '\u{2009}' => '\u{a0}',
            '⟨' => '<',
            '⟩' => '>',
            other => other,
        })
        .collect()
}

/// Lays the blocks out page by page.
struct Layout {
    pages: Vec<Content>,
    y: f32,
}

impl Layout {
    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `height` more points, on a new page if this one is full.
    fn room(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.pages.push(Content::new());
            self.y = HEIGHT - MARGIN;
            true
        } else {
            false
        }
    }
}

/// A table's titles, each broken between words onto as many lines as it needs, up to
/// three (a longer one is cut with an ellipsis on its third), on a band as tall as the
/// tallest.
fn table_titles(l: &mut Layout, columns: &[String], widths: &[f32]) {
    const LINE: f32 = 10.0;
    let usable = WIDTH - 2.0 * MARGIN;
    let lines: Vec<Vec<String>> = columns
        .iter()
        .zip(widths)
        .map(|(title, w)| {
            let mut lines = pdf::wrap(&plain(title), Font::Bold, 8.5, w - 6.0);
            if lines.len() > 3 {
                let rest = lines[2..].join(" ");
                lines.truncate(2);
                lines.push(rest);
            }
            lines.into_iter().map(|line| pdf::fit(&line, Font::Bold, 8.5, w - 6.0)).collect()
        })
        .collect();
    let extra = LINE * (lines.iter().map(Vec::len).max().unwrap_or(1).max(1) - 1) as f32;
    let y = l.y;
    let c = l.page();
    c.set_fill_gray(0.88);
    c.rect(MARGIN, y - 4.0 - extra, usable, ROW + extra);
    c.fill_nonzero();
    c.set_fill_gray(0.0);
    let mut x = MARGIN;
    for (i, (title, w)) in lines.iter().zip(widths).enumerate() {
        for (k, text) in title.iter().enumerate() {
            let tx = if i == 0 { x + 3.0 } else { x + w - 3.0 - pdf::width(text, Font::Bold, 8.5) };
            pdf::text_at(c, text, Font::Bold, 8.5, tx, y + 1.0 - LINE * k as f32);
        }
        x += w;
    }
    l.y -= ROW + extra;
}

fn draw_block(l: &mut Layout, block: &Block) {
    let usable = WIDTH - 2.0 * MARGIN;
    match block {
        Block::Heading(text) => {
            l.room(40.0);
            l.y -= 10.0;
            let y = l.y;
            pdf::text_at(l.page(), &pdf::fit(&plain(text), Font::Bold, 12.0, usable), Font::Bold, 12.0, MARGIN, y);
            l.y -= 18.0;
        }
        Block::Paragraph(text) => {
            for line in pdf::wrap(&plain(text), Font::Regular, 9.5, usable) {
                l.room(13.0);
                let y = l.y;
                pdf::text_at(l.page(), &line, Font::Regular, 9.5, MARGIN, y);
                l.y -= 13.0;
            }
            l.y -= 4.0;
        }
        Block::Table { columns, rows } => {
            let first = usable * 0.34;
            let rest = if columns.len() > 1 { (usable - first) / (columns.len() - 1) as f32 } else { 0.0 };
            let widths: Vec<f32> = (0..columns.len()).map(|i| if i == 0 { first } else { rest }).collect();
            l.room(2.0 * ROW);
            table_titles(l, columns, &widths);
            for row in rows {
                if l.room(ROW) {
                    table_titles(l, columns, &widths);
                }
                let y = l.y;
                let c = l.page();
                let mut x = MARGIN;
                for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
                    let text = pdf::fit(&plain(cell), Font::Regular, 8.5, w - 6.0);
                    let tx = if i == 0 { x + 3.0 } else { x + w - 3.0 - pdf::width(&text, Font::Regular, 8.5) };
                    pdf::text_at(c, &text, Font::Regular, 8.5, tx, y + 1.0);
                    x += w;
                }
                c.set_stroke_gray(0.8);
                pdf::line(c, MARGIN, y - 4.0, MARGIN + usable, y - 4.0, 0.4);
                l.y -= ROW;
            }
            l.y -= 6.0;
        }
        Block::Intervals(rows) => {
            let height = 22.0 * rows.len() as f32 + 26.0;
            l.room(height);
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for (_, e, a, b) in rows {
                for v in [*e, *a, *b] {
                    if v.is_finite() {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
            }
            let pad = ((hi - lo) * 0.1).max(0.5);
            let (lo, hi) = (lo - pad, hi + pad);
            let left = MARGIN + usable * 0.3;
            let span = usable * 0.7 - 10.0;
            let x = |v: f64| left + ((v - lo) / (hi - lo)) as f32 * span;
            let top = l.y;
            let c = l.page();
            c.set_stroke_gray(0.5);
            pdf::line(c, x(0.0), top + 6.0, x(0.0), top - 22.0 * rows.len() as f32, 0.5);
            for (i, (label, e, a, b)) in rows.iter().enumerate() {
                let y = top - 22.0 * i as f32;
                pdf::text_at(
                    c,
                    &pdf::fit(&plain(label), Font::Regular, 8.5, usable * 0.28),
                    Font::Regular,
                    8.5,
                    MARGIN,
                    y - 3.0,
                );
                c.set_stroke_gray(0.1);
                pdf::line(c, x(*a), y, x(*b), y, 1.6);
                c.set_fill_gray(0.1);
                c.rect(x(*e) - 2.5, y - 2.5, 5.0, 5.0);
                c.fill_nonzero();
            }
            let axis = top - 22.0 * rows.len() as f32 - 6.0;
            for v in [lo, 0.0, hi] {
                let text = format!("{v:.1}");
                let w = pdf::width(&text, Font::Regular, 7.5);
                pdf::text_at(c, &text, Font::Regular, 7.5, x(v) - w / 2.0, axis);
            }
            l.y -= height;
        }
        Block::Bars { max, rows } => {
            let left = MARGIN + usable * 0.3;
            let span = usable * 0.55;
            let max = if max.is_finite() && *max > 0.0 { *max } else { 1.0 };
            for (label, value, text) in rows {
                l.room(16.0);
                let y = l.y;
                let c = l.page();
                let label = pdf::fit(&plain(label), Font::Regular, 8.5, usable * 0.28);
                pdf::text_at(c, &label, Font::Regular, 8.5, MARGIN, y - 3.0);
                let mut end = left;
                if let Some(v) = value.filter(|v| v.is_finite()) {
                    let w = ((v / max).clamp(0.0, 1.0) as f32) * span;
                    c.set_fill_gray(0.45);
                    c.rect(left, y - 5.0, w.max(0.5), 10.0);
                    c.fill_nonzero();
                    c.set_fill_gray(0.0);
                    end = left + w;
                }
                pdf::text_at(
                    c,
                    &pdf::fit(&plain(text), Font::Regular, 8.0, usable * 0.14),
                    Font::Regular,
                    8.0,
                    end + 4.0,
                    y - 3.0,
                );
                l.y -= 16.0;
            }
            l.y -= 6.0;
        }
    }
}

/// The report as a PDF file.
pub fn render(report: &Report) -> Vec<u8> {
    let usable = WIDTH - 2.0 * MARGIN;
    let mut layout = Layout { pages: vec![Content::new()], y: HEIGHT - MARGIN - 10.0 };
    {
        let y = layout.y;
        pdf::text_at(
            layout.page(),
            &pdf::fit(&plain(&report.title), Font::Bold, 16.0, usable),
            Font::Bold,
            16.0,
            MARGIN,
            y,
        );
        layout.y -= 22.0;
        for line in &report.subtitle {
            let y = layout.y;
            pdf::text_at(
                layout.page(),
                &pdf::fit(&plain(line), Font::Regular, 9.5, usable),
                Font::Regular,
                9.5,
                MARGIN,
                y,
            );
            layout.y -= 13.0;
        }
        layout.y -= 6.0;
    }
    for block in &report.blocks {
        draw_block(&mut layout, block);
    }
    let n = layout.pages.len();
    let mut pdf = Pdf::new();
    let (catalog, pages, regular, bold, info) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(6 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids(page_ids.iter().copied()).count(n as i32);
    pdf::fonts(&mut pdf, regular, bold);
    pdf::info(&mut pdf, info, &plain(&report.title));
    for (i, mut content) in layout.pages.into_iter().enumerate() {
        let (page_id, content_id) = (page_ids[i], Ref::new(7 + 2 * i as i32));
        {
            let mut p = pdf.page(page_id);
            p.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
            p.parent(pages);
            p.contents(content_id);
            let mut resources = p.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Font::Regular.resource(), regular);
            fonts.pair(Font::Bold.resource(), bold);
        }
        let numbering = report.page_label.replace("{page}", &(i + 1).to_string()).replace("{pages}", &n.to_string());
        content.set_fill_gray(0.3);
        let w = pdf::width(&numbering, Font::Regular, 8.0);
        pdf::text_at(&mut content, &numbering, Font::Regular, 8.0, WIDTH - MARGIN - w, MARGIN);
        pdf::compressed(&mut pdf, content_id, content);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_table_runs_onto_numbered_pages_with_its_titles_again() {
        let rows: Vec<Vec<String>> =
            (0..120).map(|i| vec![format!("École {i}"), format!("{i}"), "−1,5".to_string()]).collect();
        let report = Report {
            title: "Évaluation".into(),
            subtitle: vec!["Rwanda".into()],
            blocks: vec![
                Block::Heading("Effets".into()),
                Block::Paragraph("Un paragraphe assez long pour être coupé en plusieurs lignes. ".repeat(8)),
                Block::Intervals(vec![("A".into(), 1.0, -0.5, 2.5), ("B".into(), 3.0, 2.0, 4.0)]),
                Block::Bars {
                    max: 100.0,
                    rows: vec![
                        ("MATH 2024".into(), Some(61.5), "61,5 %".into()),
                        ("ENG 2024".into(), None, "<5".into()),
                    ],
                },
                Block::Table { columns: vec!["École".into(), "n".into(), "Effet".into()], rows },
            ],
            page_label: "Page {page} sur {pages}".into(),
        };
        let bytes = render(&report);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 4"), "120 rows of 16 points and the blocks above them make four pages");
        if let Ok(path) = std::env::var("OPENCPD_WRITE_SAMPLE") {
            std::fs::write(format!("{path}/report.pdf"), &bytes).unwrap();
        }
    }
}
