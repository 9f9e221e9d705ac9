//! The few drawing operations both documents use, on top of `pdf-writer`.

use crate::metrics;
use pdf_writer::{Content, Name, Str};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
    fn widths(self) -> &'static [u16; 256] {
        match self {
            Font::Regular => &metrics::HELVETICA,
            Font::Bold => &metrics::HELVETICA_BOLD,
        }
    }
}

/// The WinAnsiEncoding byte of a character; characters outside it become `?`.
pub(crate) fn win_ansi(c: char) -> u8 {
    let u = c as u32;
    match u {
        0x20..=0x7e | 0xa0..=0xff => u as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            '\t' | '\n' | '\r' => b' ',
            _ => b'?',
        },
    }
}

pub(crate) fn encode(text: &str) -> Vec<u8> {
    // Letters followed by a combining accent are composed where WinAnsi has the result.
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let composed = chars.peek().and_then(|next| compose(c, *next));
        match composed {
            Some(done) => {
                chars.next();
                out.push(win_ansi(done));
            }
            None => out.push(win_ansi(c)),
        }
    }
    out
}

fn compose(base: char, mark: char) -> Option<char> {
    let table: &[(char, &str, &str)] = &[
        ('\u{301}', "aeiouyAEIOUY", "áéíóúýÁÉÍÓÚÝ"),
        ('\u{300}', "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ('\u{302}', "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        ('\u{308}', "aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"),
        ('\u{327}', "cC", "çÇ"),
        ('\u{303}', "anoANO", "ãñõÃÑÕ"),
    ];
    let (_, from, to) = table.iter().find(|(m, _, _)| *m == mark)?;
    let i = from.chars().position(|c| c == base)?;
    to.chars().nth(i)
}

/// Width of a text in points.
pub(crate) fn width(text: &str, font: Font, size: f32) -> f32 {
    let w = font.widths();
    encode(text).iter().map(|b| w[*b as usize] as f32).sum::<f32>() * size / 1000.0
}

/// The text cut to fit a width, with an ellipsis when it was cut.
pub(crate) fn fit(text: &str, font: Font, size: f32, max: f32) -> String {
    if width(text, font, size) <= max {
        return text.to_string();
    }
    let mut out: String = text.to_string();
    while !out.is_empty() && width(&format!("{out}…"), font, size) > max {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

/// Lines of at most `max` points, broken between words (a word longer than a line is cut).
pub(crate) fn wrap(text: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if width(&candidate, font, size) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| fit(&l, font, size, max)).collect()
}

pub(crate) fn text_at(content: &mut Content, text: &str, font: Font, size: f32, x: f32, y: f32) {
    content.begin_text();
    content.set_font(font.resource(), size);
    content.next_line(x, y);
    content.show(Str(&encode(text)));
    content.end_text();
}

pub(crate) fn centred(content: &mut Content, text: &str, font: Font, size: f32, centre: f32, y: f32) {
    let w = width(text, font, size);
    text_at(content, text, font, size, centre - w / 2.0, y);
}

pub(crate) fn line(content: &mut Content, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
    content.set_line_width(thickness);
    content.move_to(x1, y1);
    content.line_to(x2, y2);
    content.stroke();
}

/// Declares the two fonts (standard Helvetica, WinAnsiEncoding) under the given ids.
pub(crate) fn fonts(pdf: &mut pdf_writer::Pdf, regular: pdf_writer::Ref, bold: pdf_writer::Ref) {
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
}

/// Writes a page's content stream deflated.
pub(crate) fn compressed(pdf: &mut pdf_writer::Pdf, id: pdf_writer::Ref, content: Content) {
    let data = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6);
    pdf.stream(id, &data).filter(pdf_writer::Filter::FlateDecode);
}

pub(crate) fn info(pdf: &mut pdf_writer::Pdf, id: pdf_writer::Ref, title: &str) {
    pdf.document_info(id).title(pdf_writer::TextStr(title)).producer(pdf_writer::TextStr("OpenCPD"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_encoded_and_measured() {
        assert_eq!(encode("Émilie"), vec![0xc9, b'm', b'i', b'l', b'i', b'e']);
        assert_eq!(encode("E\u{301}milie"), encode("Émilie"));
        assert_eq!(encode("Ω"), vec![b'?']);
        assert!((width("A", Font::Regular, 10.0) - 6.67).abs() < 0.01);
        assert_eq!(width("É", Font::Bold, 10.0), width("E", Font::Bold, 10.0));
    }

    #[test]
    fn long_text_is_cut_and_wrapped() {
        let cut = fit("Mukamana Jeanne d'Arc Uwimana", Font::Regular, 10.0, 60.0);
        assert!(cut.ends_with('…') && width(&cut, Font::Regular, 10.0) <= 60.0);
        let lines = wrap("one two three four five six seven", Font::Regular, 10.0, 50.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, Font::Regular, 10.0) <= 50.0));
    }
}
