//! A certificate of completion: one A4 page, landscape. The wording arrives filled (see
//! [`crate::template`]); this module lays it out: a double border, the issuing body, the
//! title, the body lines centred (the holder's name large), signature lines, and at the
//! foot the serial number, the dates, the verification address and its QR code.

use crate::pdf::{self, Font};
use pdf_writer::{Content, Pdf, Rect, Ref};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The holder's name: large and bold.
    Large,
    /// The course: bold.
    Strong,
    Normal,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub style: Style,
}

/// Everything printed on a certificate, in the certificate's language.
#[derive(Debug, Clone)]
pub struct CertificatePage {
    /// The issuing body, printed above the title.
    pub issuer: String,
    pub title: String,
    pub body: Vec<Line>,
    /// One a signature line ("Name, role"), three at most are printed.
    pub signatories: Vec<String>,
    /// Lines at the foot, left: serial number, dates.
    pub footer: Vec<String>,
    /// What the QR code encodes: the public verification address.
    pub qr_payload: String,
    /// Printed under the QR code.
    pub qr_caption: String,
}

const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
const INK: (f32, f32, f32) = (0.11, 0.23, 0.40);

/// The certificate as a PDF file.
pub fn render(page: &CertificatePage) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, pages, page_id, content_id, regular, bold, info) =
        (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5), Ref::new(6), Ref::new(7));
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
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
    pdf::fonts(&mut pdf, regular, bold);
    pdf::info(&mut pdf, info, &page.title);
    let content = draw(page);
    pdf::compressed(&mut pdf, content_id, content);
    pdf.finish()
}

fn draw(page: &CertificatePage) -> Content {
    let mut c = Content::new();
    let centre = WIDTH / 2.0;
    // Border: a heavy frame and a thin one inside.
    c.set_stroke_rgb(INK.0, INK.1, INK.2);
    c.set_line_width(4.0);
    c.rect(24.0, 24.0, WIDTH - 48.0, HEIGHT - 48.0);
    c.stroke();
    c.set_line_width(0.8);
    c.rect(34.0, 34.0, WIDTH - 68.0, HEIGHT - 68.0);
    c.stroke();

    c.set_fill_rgb(INK.0, INK.1, INK.2);
    let text_width = WIDTH - 160.0;
    let issuer = pdf::fit(&page.issuer.to_uppercase(), Font::Bold, 13.0, text_width);
    pdf::centred(&mut c, &issuer, Font::Bold, 13.0, centre, HEIGHT - 82.0);
    let mut y = HEIGHT - 135.0;
    for title in pdf::wrap(&page.title, Font::Bold, 30.0, text_width) {
        pdf::centred(&mut c, &title, Font::Bold, 30.0, centre, y);
        y -= 36.0;
    }
    pdf::line(&mut c, centre - 60.0, y + 18.0, centre + 60.0, y + 18.0, 1.2);
    y -= 24.0;

    c.set_fill_gray(0.1);
    for line in &page.body {
        // (font, size, space above the baseline, space below it)
        let (font, size, above, lead) = match line.style {
            Style::Large => (Font::Bold, 28.0, 18.0, 40.0),
            Style::Strong => (Font::Bold, 17.0, 8.0, 28.0),
            Style::Normal => (Font::Regular, 13.0, 0.0, 22.0),
        };
        if line.text.trim().is_empty() {
            y -= lead / 2.0;
            continue;
        }
        for part in pdf::wrap(&line.text, font, size, text_width) {
            y -= above;
            if line.style == Style::Large {
                c.set_fill_rgb(INK.0, INK.1, INK.2);
            }
            pdf::centred(&mut c, &part, font, size, centre, y);
            c.set_fill_gray(0.1);
            y -= lead;
        }
    }

    // Signatures: up to three, spread over the width left of the QR code.
    let signatories: Vec<&String> = page.signatories.iter().filter(|s| !s.trim().is_empty()).take(3).collect();
    let left = 70.0;
    let right = WIDTH - 200.0;
    let slot = (right - left) / signatories.len().max(1) as f32;
    for (i, who) in signatories.iter().enumerate() {
        let mid = left + slot * (i as f32 + 0.5);
        c.set_stroke_gray(0.2);
        pdf::line(&mut c, mid - 80.0, 150.0, mid + 80.0, 150.0, 0.6);
        let mut sy = 136.0;
        for part in who.split(',').map(str::trim).filter(|p| !p.is_empty()).take(2) {
            let (font, size) = if sy > 135.0 { (Font::Bold, 10.0) } else { (Font::Regular, 9.0) };
            let part = pdf::fit(part, font, size, slot - 10.0);
            pdf::centred(&mut c, &part, font, size, mid, sy);
            sy -= 12.0;
        }
    }

    // Foot: serial and dates on the left, QR code and its caption on the right.
    let mut fy = 86.0;
    for (i, line) in page.footer.iter().enumerate() {
        let font = if i == 0 { Font::Bold } else { Font::Regular };
        let line = pdf::fit(line, font, 9.0, WIDTH - 300.0);
        pdf::text_at(&mut c, &line, font, 9.0, 56.0, fy);
        fy -= 12.0;
    }
    let qr_size = 96.0;
    let qr_x = WIDTH - 56.0 - qr_size;
    crate::qr::draw(&mut c, &page.qr_payload, qr_x, 62.0, qr_size);
    c.set_fill_gray(0.25);
    // The caption ends with the address, which must be read whole: wrapped, never cut.
    let mut cy = 52.0;
    for line in pdf::wrap(&page.qr_caption, Font::Regular, 7.0, 230.0).iter().take(2) {
        let w = pdf::width(line, Font::Regular, 7.0);
        pdf::text_at(&mut c, line, Font::Regular, 7.0, (WIDTH - 56.0 - w).min(qr_x + qr_size / 2.0 - w / 2.0), cy);
        cy -= 9.0;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> CertificatePage {
        CertificatePage {
            issuer: "Rwanda Basic Education Board".into(),
            title: "Certificate of completion".into(),
            body: vec![
                Line { text: "This certifies that".into(), style: Style::Normal },
                Line { text: "Émilie Nkurunziza".into(), style: Style::Large },
                Line { text: "has completed the course".into(), style: Style::Normal },
                Line { text: "Pédagogie active en mathématiques".into(), style: Style::Strong },
                Line { text: "20 hours, 2 credits — completed on 2026-11-20".into(), style: Style::Normal },
            ],
            signatories: vec!["Jean Mugabo, Director General".into(), "Aline Uwase, Head of CPD".into()],
            footer: vec!["Serial PAM-2026-00001".into(), "Issued 2026-11-23 · Valid until 2029-11-23".into()],
            qr_payload: "https://cpd.example.org/verify/ABCDEFGH2345".into(),
            qr_caption: "Verify: https://cpd.example.org/verify/ABCDEFGH2345".into(),
        }
    }

    #[test]
    fn renders_a_pdf() {
        let bytes = render(&sample());
        assert!(bytes.starts_with(b"%PDF-"));
        if let Ok(path) = std::env::var("OPENCPD_WRITE_SAMPLE") {
            std::fs::write(format!("{path}/certificate.pdf"), &bytes).unwrap();
        }
    }
}
