//! The sign-in sheet of a session: A4 portrait, a header (course, cohort, date, venue),
//! then numbered rows sorted by name with staff number and school, and empty columns for
//! the signature and the status the facilitator writes. The header and the column titles
//! repeat on every page; the foot says "page n of m". The row numbers are what the
//! facilitator types back afterwards.

use crate::pdf::{self, Font};
use pdf_writer::{Content, Pdf, Rect, Ref};

#[derive(Debug, Clone)]
pub struct SheetRow {
    pub name: String,
    pub staff_number: String,
    pub school: String,
}

/// Column titles and fixed wording, in the sheet's language.
#[derive(Debug, Clone)]
pub struct SheetLabels {
    pub title: String,
    pub number: String,
    pub name: String,
    pub staff_number: String,
    pub school: String,
    pub signature: String,
    pub status: String,
    /// With `{page}` and `{pages}`.
    pub page: String,
    /// A line at the foot of each page (e.g. the status letters to write).
    pub legend: String,
}

#[derive(Debug, Clone)]
pub struct SheetPage {
    /// Header lines under the title: course, cohort, date and venue.
    pub header: Vec<String>,
    /// Rows in the order they are numbered (1, 2, …).
    pub rows: Vec<SheetRow>,
    pub labels: SheetLabels,
}

const WIDTH: f32 = 595.28;
const HEIGHT: f32 = 841.89;
const MARGIN: f32 = 36.0;
const ROW: f32 = 22.0;

/// Rows printed on one page.
pub const ROWS_PER_PAGE: usize = 28;

/// (title, width) of each column, left to right.
fn columns(l: &SheetLabels) -> [(&str, f32); 6] {
    [
        (&l.number, 30.0),
        (&l.name, 150.0),
        (&l.staff_number, 72.0),
        (&l.school, 120.0),
        (&l.signature, 96.0),
        (&l.status, WIDTH - 2.0 * MARGIN - 468.0),
    ]
}

/// The sheet as a PDF file (one page when nobody is enrolled, with the header and an
/// empty table).
pub fn render(sheet: &SheetPage) -> Vec<u8> {
    let chunks: Vec<&[SheetRow]> =
        if sheet.rows.is_empty() { vec![&[]] } else { sheet.rows.chunks(ROWS_PER_PAGE).collect() };
    let n = chunks.len();
    let mut pdf = Pdf::new();
    let (catalog, pages, regular, bold, info) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(6 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids(page_ids.iter().copied()).count(n as i32);
    pdf::fonts(&mut pdf, regular, bold);
    pdf::info(&mut pdf, info, &sheet.labels.title);
    for (i, rows) in chunks.iter().enumerate() {
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
        let content = draw_page(sheet, rows, i * ROWS_PER_PAGE, i + 1, n);
        pdf::compressed(&mut pdf, content_id, content);
    }
    pdf.finish()
}

fn draw_page(sheet: &SheetPage, rows: &[SheetRow], first: usize, page: usize, pages: usize) -> Content {
    let mut c = Content::new();
    let l = &sheet.labels;
    let usable = WIDTH - 2.0 * MARGIN;
    let mut y = HEIGHT - MARGIN - 16.0;
    pdf::text_at(&mut c, &pdf::fit(&l.title, Font::Bold, 16.0, usable), Font::Bold, 16.0, MARGIN, y);
    y -= 20.0;
    for line in &sheet.header {
        pdf::text_at(&mut c, &pdf::fit(line, Font::Regular, 10.0, usable), Font::Regular, 10.0, MARGIN, y);
        y -= 14.0;
    }
    y -= 8.0;
    let cols = columns(l);
    // Column titles on a grey band.
    c.set_fill_gray(0.88);
    c.rect(MARGIN, y - 6.0, usable, ROW);
    c.fill_nonzero();
    c.set_fill_gray(0.0);
    let mut x = MARGIN;
    for (title, w) in cols {
        pdf::text_at(&mut c, &pdf::fit(title, Font::Bold, 9.0, w - 6.0), Font::Bold, 9.0, x + 3.0, y + 1.0);
        x += w;
    }
    let table_top = y + ROW - 6.0;
    for (i, row) in rows.iter().enumerate() {
        y -= ROW;
        let cells = [(first + i + 1).to_string(), row.name.clone(), row.staff_number.clone(), row.school.clone()];
        let mut x = MARGIN;
        for (j, (_, w)) in cols.iter().enumerate() {
            if let Some(text) = cells.get(j) {
                let font = if j == 0 { Font::Bold } else { Font::Regular };
                pdf::text_at(&mut c, &pdf::fit(text, font, 9.0, w - 6.0), font, 9.0, x + 3.0, y + 1.0);
            }
            x += w;
        }
    }
    // Grid: a line under every row and between columns.
    let bottom = y - 6.0;
    c.set_stroke_gray(0.45);
    let mut ly = table_top;
    while ly >= bottom - 0.1 {
        pdf::line(&mut c, MARGIN, ly, MARGIN + usable, ly, 0.5);
        ly -= ROW;
    }
    let mut x = MARGIN;
    pdf::line(&mut c, x, table_top, x, bottom, 0.5);
    for (_, w) in cols {
        x += w;
        pdf::line(&mut c, x, table_top, x, bottom, 0.5);
    }
    // Foot.
    c.set_fill_gray(0.3);
    pdf::text_at(&mut c, &pdf::fit(&l.legend, Font::Regular, 8.0, usable - 80.0), Font::Regular, 8.0, MARGIN, MARGIN);
    let numbering = l.page.replace("{page}", &page.to_string()).replace("{pages}", &pages.to_string());
    let w = pdf::width(&numbering, Font::Regular, 8.0);
    pdf::text_at(&mut c, &numbering, Font::Regular, 8.0, WIDTH - MARGIN - w, MARGIN);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_rows() {
        let labels = SheetLabels {
            title: "Sign-in sheet".into(),
            number: "No.".into(),
            name: "Name".into(),
            staff_number: "Staff no.".into(),
            school: "School".into(),
            signature: "Signature".into(),
            status: "Status".into(),
            page: "Page {page} of {pages}".into(),
            legend: "P = present, L = late, A = absent".into(),
        };
        let rows: Vec<SheetRow> = (0..61)
            .map(|i| SheetRow {
                name: format!("Uwimana Béatrice {i}"),
                staff_number: format!("T{i:05}"),
                school: "GS Kigali".into(),
            })
            .collect();
        let sheet = SheetPage { header: vec!["Course".into(), "Cohort".into()], rows, labels };
        let bytes = render(&sheet);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 3"), "61 rows make three pages");
        if let Ok(path) = std::env::var("OPENCPD_WRITE_SAMPLE") {
            std::fs::write(format!("{path}/sheet.pdf"), &bytes).unwrap();
        }
    }
}
