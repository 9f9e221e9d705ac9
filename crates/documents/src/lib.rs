//! Printable documents, pure: data in, PDF bytes out. No database, no clock, no network.
//!
//! - [`certificate`]: a certificate of completion on one A4 page (landscape) with its serial
//!   number and a QR code of the public verification address.
//! - [`sheet`]: the sign-in sheet of a session (A4 portrait), numbered rows sorted by name,
//!   headers repeated on every page.
//! - [`report`]: a report on A4 portrait pages (headings, paragraphs, tables that run
//!   onto further pages with their titles again, interval charts), numbered.
//! - [`template`]: the placeholders a deployment may use in its certificate wording, checked
//!   and filled here so that every caller agrees on them.
//! - [`qr`]: QR codes drawn as filled squares, in a PDF or as SVG for a page.
//!
//! Text is set in the standard Helvetica fonts with WinAnsiEncoding: every PDF reader has
//! them, the file stays small (a certificate is a few kilobytes, so a cohort of a thousand
//! renders in well under a second), the text can be searched and copied, and French and
//! Kinyarwanda letters (é, è, ç, ô, …) are in the encoding. Widths come from the fonts'
//! published metrics (`metrics.rs`) so that lines can be centred and cut to a column.

pub mod certificate;
mod metrics;
mod pdf;
pub mod qr;
pub mod report;
pub mod sheet;
pub mod template;

pub use certificate::{CertificatePage, Line, Style};
pub use sheet::{SheetLabels, SheetPage, SheetRow};
