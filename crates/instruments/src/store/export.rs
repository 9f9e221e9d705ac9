//! The row-level export of an instrument's submissions, laid out as Kobo and ODK Central
//! users expect it: labels in any of the form's languages or the XML names, headers that
//! carry the item's name, a `select_multiple` as one column plus a 0/1 column per choice,
//! a geopoint as latitude, longitude, altitude and accuracy, a geotrace or geoshape as one
//! column of points as ODK writes them (`lat lon alt acc;…`), the text of an "other" choice
//! in the column after its select (`<name>_other`), the choices of a select from a CSV
//! attached to the form read from that file, media as links to the file
//! route, and one table per repeat joined to its parent by key (`_uuid` of the submission,
//! `_index` of the instance, `_parent_index` of the instance around a nested repeat).
//!
//! Streamed: a page of submissions is written while the next is read, through
//! [`opencpd_transfer::TablesWriter`] (a sheet a table, or a zip of one CSV a table). Who
//! may export is checked here; how the file is named and sent is the caller's business.

use super::{Columns, ListScope, SubmissionRow, form};
use opencpd_domain::Problem;
use opencpd_domain::access::Action;
use opencpd_forms::{Form, Item, ItemKind, Texts};
use opencpd_kernel::files::Files;
use opencpd_kernel::{Actor, Db, Error, Result, on_db};
use std::borrow::Cow;
use std::collections::HashMap;

/// How many submissions an export reads per round trip.
const EXPORT_PAGE: i64 = 1000;

/// How an export names items and choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wording {
    /// Their labels in this language (in the form's default language where it has none).
    Labels(String),
    /// Their names, as in the form's XML (`lang=xml`).
    Names,
}

/// The wording asked for as `lang`: `xml`, one of the form's languages, or one of the
/// interface's (read in the form's default language when the form lacks it, as before forms
/// had languages of their own). Without one, the interface's `fallback`. Anything else is a
/// problem naming `lang` that lists what the form offers.
pub fn wording(form: &Form, asked: Option<&str>, fallback: &str) -> std::result::Result<Wording, Problem> {
    let Some(asked) = asked.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(Wording::Labels(fallback.to_string()));
    };
    let key = asked.to_lowercase();
    if key == "xml" {
        return Ok(Wording::Names);
    }
    if form.languages.iter().any(|l| l.eq_ignore_ascii_case(&key))
        || opencpd_domain::i18n::LANGUAGES.iter().any(|(l, _)| l.eq_ignore_ascii_case(&key))
    {
        return Ok(Wording::Labels(key));
    }
    let mut offered: Vec<&str> = form.languages.iter().map(String::as_str).collect();
    offered.push("xml");
    Err(Problem::new("export-unknown-language")
        .in_column("lang")
        .with_value(asked)
        .arg("languages", offered.join(", ")))
}

/// The tables an export of this form writes: one for the submissions, then one per repeat.
pub fn table_count(form: &Form) -> usize {
    1 + form.all_items().iter().filter(|i| matches!(i.kind, ItemKind::Repeat { .. })).count()
}

/// What the export is asked for.
pub struct ExportRequest<'a> {
    pub instrument_id: i64,
    pub wording: &'a Wording,
    pub format: opencpd_transfer::Format,
    /// What goes before `/api/v1/submissions/…` in a media link: the server's public URL
    /// when it is known, else nothing (the link is a path).
    pub files_base: &'a str,
    /// Where the form's attachments are kept: the choices of `select_*_from_file` are read
    /// from its CSV files (without it, such a select is one column of names).
    pub files: Option<&'a Files>,
}

/// The columns one item gives.
enum Column<'f> {
    /// One cell: the answer as given, a choice (or ranked choices) by its wording.
    Answer { name: &'f str, choices: Option<HashMap<&'f str, String>> },
    /// The chosen choices in one cell (space separated), then a 0/1 cell per choice.
    Multiple { name: &'f str, choices: Vec<(&'f str, String)> },
    /// Latitude, longitude, altitude and accuracy.
    Geopoint { name: &'f str },
    /// A geotrace's or geoshape's points in one cell, each `lat lon alt acc` (0 where the
    /// device gave no altitude or accuracy, as ODK writes them), separated by `;`.
    Points { name: &'f str },
    /// A link to the file.
    Media { name: &'f str },
}

/// One table of the export: the submissions (`repeat` none) or a repeat's instances.
struct Table<'f> {
    name: String,
    /// Whether its rows carry `_parent_index` (a repeat inside a repeat).
    nested: bool,
    headers: Vec<String>,
    columns: Vec<Column<'f>>,
    /// The repeats directly inside, by name, with their tables.
    repeats: Vec<(&'f str, usize)>,
}

/// The layout of an export: its tables, then for the first the domain scores.
struct Layout<'f> {
    tables: Vec<Table<'f>>,
    domains: Vec<String>,
}

impl<'f> Layout<'f> {
    fn new(form: &'f Form, wording: &Wording) -> Layout<'f> {
        let text = |texts: &'f Texts| -> Option<&'f str> {
            let Wording::Labels(lang) = wording else { return None };
            form.text(texts, lang).filter(|t| !t.trim().is_empty())
        };
        // `Label (name)`, or the name alone when there is no label or names are asked for.
        let header = |texts: &'f Texts, name: &str| -> String {
            match text(texts) {
                Some(label) if label != name => format!("{label} ({name})"),
                _ => name.to_string(),
            }
        };
        let choice_word = |c: &'f opencpd_forms::Choice| -> String { text(&c.label).unwrap_or(&c.name).to_string() };
        let mut tables = vec![Table {
            name: form.form_id.clone(),
            nested: false,
            headers: ["uuid", "collected_at", "received_at", "collected_by", "subject_kind", "subject_id", "subject"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            columns: Vec::new(),
            repeats: Vec::new(),
        }];
        let mut domains: Vec<String> = Vec::new();
        fn walk<'f>(
            items: &'f [Item],
            at: usize,
            tables: &mut Vec<Table<'f>>,
            domains: &mut Vec<String>,
            lay: &dyn Fn(&'f Item) -> Option<(Vec<String>, Column<'f>)>,
        ) {
            for item in items {
                match &item.kind {
                    ItemKind::Note => {}
                    ItemKind::Group { items } => walk(items, at, tables, domains, lay),
                    ItemKind::Repeat { items, .. } => {
                        let index = tables.len();
                        let nested = at != 0;
                        let mut headers = vec!["_uuid".to_string(), "_index".to_string()];
                        if nested {
                            headers.push("_parent_index".to_string());
                        }
                        tables.push(Table {
                            name: item.name.clone(),
                            nested,
                            headers,
                            columns: Vec::new(),
                            repeats: Vec::new(),
                        });
                        tables[at].repeats.push((item.name.as_str(), index));
                        walk(items, index, tables, domains, lay);
                    }
                    _ => {
                        if let Some(domain) = &item.domain
                            && !domains.contains(domain)
                        {
                            domains.push(domain.clone());
                        }
                        if let Some((headers, column)) = lay(item) {
                            tables[at].headers.extend(headers);
                            tables[at].columns.push(column);
                        }
                    }
                }
            }
        }
        let lay = |item: &'f Item| -> Option<(Vec<String>, Column<'f>)> {
            let name = item.name.as_str();
            let own = header(&item.label, name);
            Some(match &item.kind {
                ItemKind::SelectMultiple { list } => {
                    let choices: Vec<(&'f str, String)> =
                        form.choices(list).iter().map(|c| (c.name.as_str(), choice_word(c))).collect();
                    let mut headers = vec![own];
                    headers.extend(form.choices(list).iter().map(|c| header(&c.label, &format!("{name}/{}", c.name))));
                    (headers, Column::Multiple { name, choices })
                }
                ItemKind::SelectFromFile { multiple: true, .. } if form.file_choices(name).is_some() => {
                    let list = form.file_choices(name).unwrap_or_default();
                    let choices: Vec<(&'f str, String)> =
                        list.iter().map(|c| (c.name.as_str(), choice_word(c))).collect();
                    let mut headers = vec![own];
                    headers.extend(list.iter().map(|c| header(&c.label, &format!("{name}/{}", c.name))));
                    (headers, Column::Multiple { name, choices })
                }
                ItemKind::SelectOne { list } | ItemKind::Rank { list } => {
                    let choices = form.choices(list).iter().map(|c| (c.name.as_str(), choice_word(c))).collect();
                    (vec![own], Column::Answer { name, choices: Some(choices) })
                }
                ItemKind::SelectFromFile { multiple: false, .. } | ItemKind::SelectExternal { .. } => {
                    let list = match &item.kind {
                        ItemKind::SelectExternal { list } => form.external_lists.get(list).map(Vec::as_slice),
                        _ => form.file_choices(name),
                    };
                    let choices = list.map(|l| l.iter().map(|c| (c.name.as_str(), choice_word(c))).collect());
                    (vec![own], Column::Answer { name, choices })
                }
                ItemKind::Geotrace | ItemKind::Geoshape => (vec![own], Column::Points { name }),
                ItemKind::Geopoint => {
                    let label = text(&item.label).filter(|l| *l != name);
                    let headers = ["latitude", "longitude", "altitude", "accuracy"]
                        .iter()
                        .map(|part| match label {
                            Some(label) => format!("{label} ({name}/{part})"),
                            None => format!("{name}/{part}"),
                        })
                        .collect();
                    (headers, Column::Geopoint { name })
                }
                ItemKind::Media { .. } => (vec![own], Column::Media { name }),
                _ => (vec![own], Column::Answer { name, choices: None }),
            })
        };
        walk(&form.items, 0, &mut tables, &mut domains, &lay);
        for d in &domains {
            tables[0].headers.push(format!("{d} (score)"));
            tables[0].headers.push(format!("{d} (max)"));
        }
        Layout { tables, domains }
    }

    /// The cells of one instance's columns in `table`.
    fn cells<'a>(
        &'a self,
        table: usize,
        answers: &'a serde_json::Map<String, serde_json::Value>,
        uuid: &str,
        files_base: &str,
        cells: &mut Vec<Cow<'a, str>>,
    ) {
        for column in &self.tables[table].columns {
            match column {
                Column::Answer { name, choices } => cells.push(cell(choices, answers.get(*name))),
                Column::Multiple { name, choices } => {
                    let chosen: Vec<&str> = match answers.get(*name) {
                        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
                        Some(serde_json::Value::String(s)) => s.split_whitespace().collect(),
                        _ => {
                            cells.extend(std::iter::repeat_n(Cow::Borrowed(""), choices.len() + 1));
                            continue;
                        }
                    };
                    let word = |n: &'a str| -> &'a str {
                        choices.iter().find(|(c, _)| *c == n).map(|(_, w)| w.as_str()).unwrap_or(n)
                    };
                    cells.push(chosen.iter().map(|n| word(n)).collect::<Vec<_>>().join(" ").into());
                    for (c, _) in choices {
                        cells.push(if chosen.contains(c) { "1".into() } else { "0".into() });
                    }
                }
                Column::Geopoint { name } => {
                    let mut parts = answers.get(*name).and_then(|v| v.as_str()).unwrap_or("").split_whitespace();
                    for _ in 0..4 {
                        cells.push(parts.next().unwrap_or("").into());
                    }
                }
                Column::Points { name } => {
                    let text = answers.get(*name).and_then(|v| v.as_str()).unwrap_or("");
                    cells.push(odk_points(text));
                }
                Column::Media { name } => cells.push(match answers.get(*name).and_then(|v| v.as_str()) {
                    Some(file) if !file.is_empty() => {
                        format!("{files_base}/api/v1/submissions/{}/files/{}", escaped(uuid), escaped(file)).into()
                    }
                    _ => "".into(),
                }),
            }
        }
    }

    /// Writes the instances of the repeats inside one instance (of `table`, numbered
    /// `index` in it), and the repeats inside those, numbering each table's rows from 1 per
    /// submission in `counters`.
    fn write_repeats<W: std::io::Write>(
        &self,
        writer: &mut opencpd_transfer::TablesWriter<W>,
        table: usize,
        index: usize,
        answers: &serde_json::Map<String, serde_json::Value>,
        ctx: (&str, &str),
        counters: &mut [usize],
    ) -> std::io::Result<()> {
        let (uuid, files_base) = ctx;
        for (name, at) in &self.tables[table].repeats {
            let Some(serde_json::Value::Array(instances)) = answers.get(*name) else { continue };
            for instance in instances {
                let Some(inner) = instance.as_object() else { continue };
                counters[*at] += 1;
                let own = counters[*at];
                let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(self.tables[*at].headers.len());
                cells.push(uuid.into());
                cells.push(own.to_string().into());
                if self.tables[*at].nested {
                    cells.push(index.to_string().into());
                }
                self.cells(*at, inner, uuid, files_base, &mut cells);
                writer.write_row(*at, &cells)?;
                self.write_repeats(writer, *at, own, inner, ctx, counters)?;
            }
        }
        Ok(())
    }
}

/// Points as ODK writes them: four numbers each (latitude, longitude, altitude, accuracy;
/// 0 for a number the device did not give), separated by `;`.
fn odk_points(text: &str) -> Cow<'_, str> {
    text.split(';')
        .map(|p| p.split_whitespace().collect::<Vec<_>>())
        .filter(|p| !p.is_empty())
        .map(|p| p.iter().copied().chain(std::iter::repeat("0")).take(4.max(p.len())).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(";")
        .into()
}

/// A file name as one segment of a link's path.
fn escaped(segment: &str) -> Cow<'_, str> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if segment.bytes().all(keep) {
        return segment.into();
    }
    segment
        .bytes()
        .map(|b| if keep(b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect::<String>()
        .into()
}

/// Writes every submission of an instrument that the actor may read (for those with
/// row-level rights, [`Action::ReadRows`]; others read [`super::summary`]): the first table
/// one row a submission, one column an item (a select_multiple and a geopoint several),
/// then the domain scores; then a table per repeat. Reads a page at a time and hands each
/// page's bytes to `sink` (a file, an HTTP body), so memory stays flat however many there
/// are. Returns how many submissions were written.
pub async fn export<S, F>(db: &Db, actor: &Actor, request: ExportRequest<'_>, mut sink: S) -> Result<u64>
where
    S: FnMut(Vec<u8>) -> F,
    F: std::future::Future<Output = std::io::Result<()>>,
{
    if !actor.may(Action::ReadSubmissions) || !actor.may(Action::ReadRows) {
        return Err(Error::Forbidden);
    }
    let ExportRequest { instrument_id, wording, format, files_base, files } = request;
    let form = match files {
        Some(files) => super::files::with_files(db, files, instrument_id, form(db, instrument_id).await?).await?.0,
        None => form(db, instrument_id).await?,
    };
    let layout = Layout::new(&form, wording);
    let specs: Vec<opencpd_transfer::TableSpec<'_>> = layout
        .tables
        .iter()
        .map(|t| opencpd_transfer::TableSpec { name: &t.name, headers: t.headers.iter().map(String::as_str).collect() })
        .collect();
    let buffer = PageBuffer::default();
    let mut writer =
        opencpd_transfer::TablesWriter::new(format, &specs, buffer.clone()).map_err(anyhow::Error::from)?;
    let scope = ListScope::of(actor).sql(Columns::path("s.subject_path"));
    let sql = format!(
        "SELECT s.id, s.uuid, s.instrument_id, s.collected_by, s.collected_at, s.received_at, s.subject_kind, s.subject_id, \
         s.subject_path, s.answers_json, s.scores_json, {SUBJECT_LABEL_SQL} AS subject_label FROM submissions s \
         WHERE s.instrument_id = $1 AND s.id > $2 AND ({scope} OR s.collected_by = $3) ORDER BY s.id LIMIT $4"
    );
    let usernames: HashMap<i64, String> =
        on_db!(db, |p| sqlx::query_as::<_, (i64, String)>("SELECT id, username FROM users").fetch_all(p).await)?
            .into_iter()
            .collect();
    // Each page is read while the one before it is written out: the database and the
    // writing each have a core.
    let page_after = |last: i64| {
        let (db, sql, own) = (db.clone(), sql.clone(), actor.user_id.unwrap_or(-1));
        tokio::spawn(async move {
            on_db!(&db, |p| sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql))
                .bind(instrument_id)
                .bind(last)
                .bind(own)
                .bind(EXPORT_PAGE)
                .fetch_all(p)
                .await)
        })
    };
    let mut next = Some(page_after(0));
    let mut written = 0u64;
    let mut counters = vec![0usize; layout.tables.len()];
    let width = layout.tables[0].headers.len();
    while let Some(page) = next.take() {
        let rows = page.await.map_err(anyhow::Error::from)??;
        if rows.len() as i64 == EXPORT_PAGE
            && let Some(last) = rows.last()
        {
            next = Some(page_after(last.row.id));
        }
        for ExportRow { row, subject_label } in rows {
            let answers = opencpd_forms::validate::deserialize_answers(&mut serde_json::Deserializer::from_str(
                &row.answers_json,
            ))
            .ok()
            .and_then(|a| match a {
                serde_json::Value::Object(map) => Some(map),
                _ => None,
            })
            .unwrap_or_default();
            let scores: Vec<serde_json::Value> = serde_json::from_str(&row.scores_json).unwrap_or_default();
            let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(width);
            cells.extend([
                row.uuid.as_str().into(),
                row.collected_at.to_rfc3339().into(),
                row.received_at.to_rfc3339().into(),
                row.collected_by.and_then(|id| usernames.get(&id)).map(String::as_str).unwrap_or_default().into(),
                row.subject_kind.as_str().into(),
                row.subject_id.to_string().into(),
                subject_label.unwrap_or_default().into(),
            ]);
            layout.cells(0, &answers, &row.uuid, files_base, &mut cells);
            for d in &layout.domains {
                let s = scores.iter().find(|s| s["domain"].as_str() == Some(d.as_str()));
                cells.push(s.map(|s| s["score"].to_string()).unwrap_or_default().into());
                cells.push(s.map(|s| s["max"].to_string()).unwrap_or_default().into());
            }
            writer.write_row(0, &cells).map_err(anyhow::Error::from)?;
            if layout.tables.len() > 1 {
                counters.iter_mut().for_each(|c| *c = 0);
                layout
                    .write_repeats(&mut writer, 0, 0, &answers, (&row.uuid, files_base), &mut counters)
                    .map_err(anyhow::Error::from)?;
            }
            written += 1;
        }
        sink(buffer.take()).await.map_err(anyhow::Error::from)?;
    }
    writer.finish().map_err(anyhow::Error::from)?;
    sink(buffer.take()).await.map_err(anyhow::Error::from)?;
    Ok(written)
}

/// What a subject is called in an export: the school's name, the person's names, the
/// cohort's code and name, or the session's cohort, title and date.
pub(crate) const SUBJECT_LABEL_SQL: &str = "CASE s.subject_kind \
     WHEN 'school' THEN (SELECT x.name FROM schools x WHERE x.id = s.subject_id) \
     WHEN 'person' THEN (SELECT x.given_name || ' ' || x.family_name FROM people x WHERE x.id = s.subject_id) \
     WHEN 'cohort' THEN (SELECT x.code || ' ' || x.name FROM cohorts x WHERE x.id = s.subject_id) \
     WHEN 'session' THEN (SELECT c.code || ' ' || x.title || ' ' || CAST(x.held_on AS TEXT) \
                          FROM sessions_held x JOIN cohorts c ON c.id = x.cohort_id WHERE x.id = s.subject_id) \
     END";

#[derive(sqlx::FromRow)]
struct ExportRow {
    #[sqlx(flatten)]
    row: SubmissionRow,
    subject_label: Option<String>,
}

/// Bytes written by a page of an export, waiting to be handed on.
#[derive(Clone, Default)]
struct PageBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl PageBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("buffer lock"))
    }
}

impl std::io::Write for PageBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer lock").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One answer as an export shows it: a choice by its wording (ranked choices joined with
/// "; "), choices without a list (from a file) by name joined with spaces, anything else
/// as given.
fn cell<'a>(choices: &'a Option<HashMap<&str, String>>, value: Option<&'a serde_json::Value>) -> Cow<'a, str> {
    let Some(value) = value else { return "".into() };
    let choice =
        |name: &'a str| -> &'a str { choices.as_ref().and_then(|l| l.get(name)).map(String::as_str).unwrap_or(name) };
    match value {
        serde_json::Value::String(s) if choices.is_some() => choice(s).into(),
        serde_json::Value::Array(a) if choices.is_some() => {
            a.iter().filter_map(|v| v.as_str()).map(choice).collect::<Vec<_>>().join("; ").into()
        }
        serde_json::Value::String(s) => s.as_str().into(),
        // The choices of a select from a file, by name, as a select_multiple's first column.
        serde_json::Value::Array(a) if a.iter().all(|v| v.is_string()) => {
            a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" ").into()
        }
        serde_json::Value::Null => "".into(),
        other => other.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{escaped, odk_points};

    #[test]
    fn points_are_written_as_odk_writes_them() {
        assert_eq!(odk_points("-1.5 30.1 1500 4;-1.6 30.2 1510 5"), "-1.5 30.1 1500 4;-1.6 30.2 1510 5");
        assert_eq!(odk_points("-1.5 30.1;-1.6 30.2 1510"), "-1.5 30.1 0 0;-1.6 30.2 1510 0");
        assert_eq!(odk_points(""), "");
    }

    #[test]
    fn a_file_name_is_one_path_segment_of_a_link() {
        assert_eq!(escaped("a.jpg"), "a.jpg");
        assert_eq!(escaped("my photo/é.jpg"), "my%20photo%2F%C3%A9.jpg");
    }
}
