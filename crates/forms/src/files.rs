//! The files a form reads once they are uploaded: the choices of its
//! `select_*_from_file` questions (from a CSV file, an XML instance or a GeoJSON
//! FeatureCollection, as ODK Collect reads them) and the rows `pulldata()` looks in. A form
//! is published without them; [`Form::load_file`] reads one into the form before it is collected (the
//! store does, from its attachments), and validation and the field app then read them from
//! the form itself (`files`, `file_lists`).

use crate::model::{Choice, Form, Item, ItemKind};
use opencpd_domain::table::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A file read: its columns and rows (cells trimmed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl FileTable {
    fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// The columns a `select_*_from_file` question reads: `value=` and `label=` of its
/// `parameters`; by default `name` and `label`, and a GeoJSON feature's `id` and `title`
/// (as pyxform and ODK Collect read them).
fn choice_columns(item: &Item, geojson: bool) -> (&str, &str) {
    let (value, label) = if geojson { ("id", "title") } else { ("name", "label") };
    (
        item.parameters.get("value").map(String::as_str).unwrap_or(value),
        item.parameters.get("label").map(String::as_str).unwrap_or(label),
    )
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

impl Form {
    /// Reads the attached file `name` (`bytes`: CSV, XML or GeoJSON, by its extension)
    /// into the form: every question choosing from it gets its choices (`file_lists`, by
    /// question name) and `pulldata()` its rows. A file that cannot be read, or lacks a
    /// column a question reads (its value and label; an XML item's child, a feature's
    /// property; or a column or key column `pulldata()` names as text in any of its
    /// expressions), is refused: each problem names the file, the column and the question.
    /// A key that no row has is not checked: `pulldata()` then gives empty, as in JavaRosa.
    /// With the settings' `add_none_option`, a `select_multiple_from_file` is offered `none`
    /// after the file's choices, as a `select_multiple` is.
    pub fn load_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), Vec<Problem>> {
        let ext = extension(name);
        let table = match ext.as_str() {
            "xml" => opencpd_transfer::read_xml_items(bytes),
            "geojson" => opencpd_transfer::read_geojson(bytes),
            _ => opencpd_transfer::read_table(name, bytes),
        }
        .map_err(|p| vec![p.with_value(name)])?;
        let table = FileTable {
            columns: table.headers.iter().map(|h| h.trim().to_string()).collect(),
            rows: table.rows.iter().map(|r| r.cells.iter().map(|c| c.trim().to_string()).collect()).collect(),
        };
        let mut problems = Vec::new();
        let mut lists = BTreeMap::new();
        for item in self.all_items() {
            let ItemKind::SelectFromFile { file, .. } = &item.kind else { continue };
            if file != name {
                continue;
            }
            let (value, label) = choice_columns(item, ext == "geojson");
            let Some(value_at) = table.column(value) else {
                problems.push(
                    Problem::new("form-file-column").in_column(value).with_value(name).arg("question", &item.name),
                );
                continue;
            };
            let label_at = table.column(label);
            let labels: Vec<(String, usize)> = table
                .columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.strip_prefix(&format!("{label}::")).map(|lang| (lang.to_string(), i)))
                .collect();
            let cell = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
            let choices: Vec<Choice> = table
                .rows
                .iter()
                .filter(|row| !cell(row, value_at).is_empty())
                .map(|row| {
                    let mut texts: BTreeMap<String, String> =
                        labels.iter().map(|(lang, i)| (lang.clone(), cell(row, *i))).collect();
                    if let Some(i) = label_at {
                        texts.insert(self.default_language.clone(), cell(row, i));
                    }
                    let extra = table.columns.iter().enumerate().map(|(i, c)| (c.clone(), cell(row, i))).collect();
                    Choice { name: cell(row, value_at), label: texts, score: None, extra, media: BTreeMap::new() }
                })
                .collect();
            let mut choices = choices;
            if self.add_none_option
                && matches!(item.kind, ItemKind::SelectFromFile { multiple: true, .. })
                && !choices.iter().any(|c| c.name == "none")
            {
                choices.push(crate::xlsform::none_choice(&self.default_language));
            }
            lists.insert(item.name.clone(), choices);
        }
        for item in self.all_items() {
            for expr in item.expressions() {
                for (file, column, key_column) in expr.pulldata_columns() {
                    if format!("{file}.csv") != name && file != name {
                        continue;
                    }
                    for column in [column, key_column] {
                        let problem = Problem::new("form-file-column").in_column(&column).with_value(name);
                        let problem = problem.arg("question", &item.name);
                        if table.column(&column).is_none() && !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.file_lists.extend(lists);
        self.files.insert(name.to_string(), table);
        Ok(())
    }

    /// The choices of a `select_*_from_file` question, once its file is loaded.
    pub fn file_choices(&self, question: &str) -> Option<&[Choice]> {
        self.file_lists.get(question).map(Vec::as_slice)
    }

    /// `pulldata(file, column, key_column, key)`: the `column` of the first row of
    /// `file.csv` whose `key_column` is `key`; `None` when the file is not loaded, or no row
    /// or column matches.
    pub fn pulldata(&self, file: &str, column: &str, key_column: &str, key: &str) -> Option<&str> {
        let table = self.files.get(&format!("{file}.csv")).or_else(|| self.files.get(file))?;
        let (at, key_at) = (table.column(column)?, table.column(key_column)?);
        let row = table.rows.iter().find(|r| r.get(key_at).map(String::as_str) == Some(key))?;
        row.get(at).map(String::as_str)
    }

    /// The attachments the form reads (the CSV, XML and GeoJSON files of
    /// `select_*_from_file`, and `pulldata()`'s).
    pub fn is_read_attachment(name: &str) -> bool {
        matches!(extension(name).as_str(), "csv" | "xml" | "geojson")
    }
}
