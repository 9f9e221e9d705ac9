//! QR codes: the modules of a code, drawn as filled squares in a PDF or as one SVG path.

use pdf_writer::Content;
use qrcode::{Color, EcLevel, QrCode};

/// The dark modules of a QR code (medium error correction) and its width in modules.
/// Payloads too long for a QR code give `None`.
pub fn modules(payload: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    Some((width, code.to_colors().into_iter().map(|c| c == Color::Dark).collect()))
}

/// Draws a QR code with its lower left corner at (x, y), `size` points wide, quiet zone
/// included (4 modules each side).
pub(crate) fn draw(content: &mut Content, payload: &str, x: f32, y: f32, size: f32) {
    let Some((width, dark)) = modules(payload) else { return };
    let module = size / (width + 8) as f32;
    content.save_state();
    content.set_fill_gray(0.0);
    for (i, is_dark) in dark.iter().enumerate() {
        if *is_dark {
            let (col, row) = ((i % width) as f32, (i / width) as f32);
            // Rows count down from the top; PDF's y axis goes up. A hair of overlap keeps
            // readers from drawing seams between modules.
            content.rect(x + (col + 4.0) * module, y + size - (row + 5.0) * module, module + 0.05, module + 0.05);
        }
    }
    content.fill_nonzero();
    content.restore_state();
}

/// The QR code as an SVG image (black on white, quiet zone included), scaled by its
/// container: `viewBox` in modules.
pub fn svg(payload: &str) -> Option<String> {
    let (width, dark) = modules(payload)?;
    let side = width + 8;
    let mut path = String::with_capacity(dark.len() * 4);
    for (i, is_dark) in dark.iter().enumerate() {
        if *is_dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" \
         role=\"img\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_verification_address_fits_and_renders_as_svg() {
        let (width, dark) = super::modules("https://cpd.example.org/verify/ABCDEFGH2345").unwrap();
        assert_eq!(dark.len(), width * width);
        let svg = super::svg("https://cpd.example.org/verify/ABCDEFGH2345").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("h1v1h-1z"));
    }
}
