//! A table of text read from a file (CSV or XLSX), and the problems found in it.
//!
//! Every import goes through [`Table`]: the file readers in `opencpd-transfer` produce one,
//! the rules in [`crate::import`] check it, and each [`Problem`] names the row (as the user
//! sees it in a spreadsheet: the header is row 1), the column and the value.

use serde::Serialize;
use std::fmt;

/// Header names and rows of cells, all as text, as they were in the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// One row: its number in the file (the header is row 1) and its cells.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    pub number: usize,
    pub cells: Vec<String>,
}

impl TableRow {
    /// The cell at `index`, trimmed; empty when the row is short.
    pub fn get(&self, index: usize) -> &str {
        self.cells.get(index).map(|c| c.trim()).unwrap_or("")
    }
}

/// Something wrong with the input, located as precisely as we can.
///
/// `code` is a message identifier in the translation catalogue (`problem-<code>`), and
/// `args` fill its placeholders, so the same problem reads well in English and French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(code: &'static str) -> Self {
        Problem { row: None, column: None, value: None, code, args: Vec::new() }
    }
    pub fn at_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }
    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
    /// The message in the given language ("en" or "fr"), with its place.
    pub fn message(&self, lang: &str) -> String {
        let mut args: Vec<(&str, String)> = self.args.clone();
        if let Some(v) = &self.value {
            args.push(("value", v.clone()));
        }
        if let Some(c) = &self.column {
            args.push(("column", c.clone()));
        }
        crate::i18n::catalog().text(lang, &format!("problem-{}", self.code), &args)
    }
    /// "row 4, column sex: …" in the given language.
    pub fn located(&self, lang: &str) -> String {
        let cat = crate::i18n::catalog();
        let mut out = String::new();
        if let Some(r) = self.row {
            out.push_str(&cat.text(lang, "at-row", &[("row", r.to_string())]));
        }
        if let Some(c) = &self.column {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&cat.text(lang, "at-column", &[("column", c.clone())]));
        }
        if out.is_empty() { self.message(lang) } else { format!("{out}: {}", self.message(lang)) }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.located("en"))
    }
}

impl std::error::Error for Problem {}
