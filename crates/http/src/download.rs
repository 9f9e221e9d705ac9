//! File downloads: the one way a handler answers with a file (exports, reports, templates).

use crate::error::{Error, Result};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use opencpd_transfer::Format;

/// `bytes` as a file named `filename`, to save (`attachment`).
pub fn file(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// A table as a CSV or XLSX file named `<stem>.<extension>`.
pub fn table(format: Format, stem: &str, headers: &[&str], rows: Vec<Vec<String>>) -> Result<Response> {
    let mut bytes = Vec::new();
    opencpd_transfer::write_table(format, headers, rows, &mut bytes).map_err(|e| Error::Internal(e.into()))?;
    Ok(file(format.content_type(), &format!("{stem}.{}", format.extension()), bytes))
}

/// The `format` parameter of a download: `csv` (the default) or `xlsx`; anything else is
/// a 422 naming the parameter.
pub fn format(asked: Option<&str>) -> Result<Format> {
    Ok(Format::parse(asked.unwrap_or("csv")).map_err(|p| p.in_column("format"))?)
}
