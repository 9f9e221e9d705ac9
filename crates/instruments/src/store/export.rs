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

/// How many submissions an export reads per round trip: a few hundred, so that the pages in
/// flight between its steps stay a few megabytes each and their buffers are reused rather
/// than taken from the system afresh.
const EXPORT_PAGE: i64 = 250;

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

/// The choices of a list by their wording: looked up in order when there are few (a
/// rubric's four), by hash when there are many (a list from a file).
enum Words {
    Few(Vec<(String, String)>),
    Many(HashMap<String, String>),
}

impl Words {
    fn new(pairs: Vec<(String, String)>) -> Words {
        if pairs.len() <= 16 { Words::Few(pairs) } else { Words::Many(pairs.into_iter().collect()) }
    }

    /// The wording of the choice `name`, or the name when the list has no such choice. A
    /// name listed twice has its last wording.
    fn word<'a>(&'a self, name: &'a str) -> &'a str {
        match self {
            Words::Few(pairs) => pairs.iter().rev().find(|(n, _)| n == name).map(|(_, w)| w.as_str()).unwrap_or(name),
            Words::Many(map) => map.get(name).map(String::as_str).unwrap_or(name),
        }
    }
}

/// The columns one item gives.
enum Column {
    /// One cell: the answer as given, a choice (or ranked choices) by its wording.
    Answer { name: String, choices: Option<Words> },
    /// The chosen choices in one cell (space separated), then a 0/1 cell per choice.
    Multiple { name: String, choices: Vec<(String, String)> },
    /// Latitude, longitude, altitude and accuracy.
    Geopoint { name: String },
    /// A geotrace's or geoshape's points in one cell, each `lat lon alt acc` (0 where the
    /// device gave no altitude or accuracy, as ODK writes them), separated by `;`.
    Points { name: String },
    /// A link to the file.
    Media { name: String },
}

impl Column {
    fn name(&self) -> &str {
        match self {
            Column::Answer { name, .. }
            | Column::Multiple { name, .. }
            | Column::Geopoint { name }
            | Column::Points { name }
            | Column::Media { name } => name,
        }
    }
}

/// One table of the export: the submissions (`repeat` none) or a repeat's instances.
struct Table {
    name: String,
    /// Whether its rows carry `_parent_index` (a repeat inside a repeat).
    nested: bool,
    headers: Vec<String>,
    columns: Vec<Column>,
    /// The repeats directly inside, by name, with their tables.
    repeats: Vec<(String, usize)>,
}

/// The layout of an export: its tables, then for the first the domain scores.
struct Layout {
    tables: Vec<Table>,
    domains: Vec<String>,
    /// Where each name the first table reads is kept while a submission is written: its
    /// columns' answers, then its repeats'.
    slots: HashMap<String, usize>,
    /// The slot of each column of the first table, then of each of its repeats.
    column_slots: Vec<usize>,
    repeat_slots: Vec<usize>,
}

/// An answer as read from a stored submission: text borrowed from the row where it needs
/// no unescaping, anything else as `serde_json` reads it.
enum Answer<'a> {
    Text(Cow<'a, str>),
    Json(serde_json::Value),
}

impl<'a> Answer<'a> {
    fn got(&self) -> Got<'_> {
        match self {
            Answer::Text(t) => Got::Text(t),
            Answer::Json(v) => Got::of(v),
        }
    }
}

/// An answer as the columns read it.
#[derive(Clone, Copy)]
enum Got<'a> {
    Text(&'a str),
    Json(&'a serde_json::Value),
}

impl<'a> Got<'a> {
    fn of(value: &'a serde_json::Value) -> Got<'a> {
        match value {
            serde_json::Value::String(s) => Got::Text(s),
            other => Got::Json(other),
        }
    }

    fn text(self) -> Option<&'a str> {
        match self {
            Got::Text(t) => Some(t),
            Got::Json(_) => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Answer<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        use serde_json::Value;
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Answer<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an answer")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Text(Cow::Owned(v)))
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::from(v)))
            }
            fn visit_unit<E>(self) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::Null))
            }
            fn visit_none<E>(self) -> std::result::Result<Answer<'de>, E> {
                Ok(Answer::Json(Value::Null))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Answer<'de>, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Answer<'de>, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<Value>()? {
                    values.push(v);
                }
                Ok(Answer::Json(Value::Array(values)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Answer<'de>, A::Error> {
                let mut values = serde_json::Map::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    values.insert(k, v);
                }
                Ok(Answer::Json(Value::Object(values)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A name of a submission's answers, borrowed from the row where it needs no unescaping.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Reads a submission's answers into the slots of the names the first table reads, and
/// skips the others. Stored answers have their names sorted, so a page's submissions
/// mostly have the same names in the same places: `seen` remembers each place's name and
/// slot, and a name found where it was before is not looked up again.
struct Reading<'s, 'de> {
    layout: &'s Layout,
    slots: &'s mut Vec<Option<Answer<'de>>>,
    seen: &'s mut Vec<(String, Option<usize>)>,
}

impl<'s, 'de> serde::de::Visitor<'de> for Reading<'s, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the answers, an object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut at = 0;
        while let Some(Key(name)) = map.next_key::<Key<'de>>()? {
            let slot = match self.seen.get_mut(at) {
                Some((known, slot)) if *known == name => *slot,
                place => {
                    let slot = self.layout.slots.get(name.as_ref()).copied();
                    match place {
                        Some(place) => *place = (name.to_string(), slot),
                        None => self.seen.push((name.to_string(), slot)),
                    }
                    slot
                }
            };
            at += 1;
            match slot {
                // A name given twice keeps its last answer, as serde_json reads it.
                Some(slot) => self.slots[slot] = Some(map.next_value::<Answer<'de>>()?),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The cells of a page of an export, in one string: each cell's end, and each row's table
/// and the end of its cells.
#[derive(Default)]
struct PageOut {
    text: String,
    ends: Vec<usize>,
    rows: Vec<(usize, usize)>,
    submissions: u64,
}

impl PageOut {
    /// Empties it for the next page, keeping its buffers.
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.rows.clear();
        self.submissions = 0;
    }

    fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }

    fn cell(&mut self, text: &str) {
        self.text.push_str(text);
        self.end_cell();
    }

    fn end_row(&mut self, table: usize) {
        self.rows.push((table, self.ends.len()));
    }

    /// Each row's table and cells, in order.
    fn each_row(
        &self,
        mut row: impl FnMut(usize, &mut dyn Iterator<Item = &str>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut first = 0;
        for &(table, end) in &self.rows {
            let mut cells = (first..end).map(|i| &self.text[if i == 0 { 0 } else { self.ends[i - 1] }..self.ends[i]]);
            row(table, &mut cells)?;
            first = end;
        }
        Ok(())
    }
}

/// The headers and the column an item gives.
type Laid = (Vec<String>, Column);

impl Layout {
    fn new(form: &Form, wording: &Wording) -> Layout {
        let text = |texts: &Texts| -> Option<String> {
            let Wording::Labels(lang) = wording else { return None };
            form.text(texts, lang).filter(|t| !t.trim().is_empty()).map(str::to_string)
        };
        // `Label (name)`, or the name alone when there is no label or names are asked for.
        let header = |texts: &Texts, name: &str| -> String {
            match text(texts) {
                Some(label) if label != name => format!("{label} ({name})"),
                _ => name.to_string(),
            }
        };
        let choice_word = |c: &opencpd_forms::Choice| -> String { text(&c.label).unwrap_or_else(|| c.name.clone()) };
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
        fn walk(
            items: &[Item],
            at: usize,
            tables: &mut Vec<Table>,
            domains: &mut Vec<String>,
            lay: &dyn Fn(&Item) -> Option<Laid>,
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
                        tables[at].repeats.push((item.name.clone(), index));
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
        let lay = |item: &Item| -> Option<Laid> {
            let name = item.name.clone();
            let own = header(&item.label, &name);
            Some(match &item.kind {
                ItemKind::SelectMultiple { list } => {
                    let choices: Vec<(String, String)> =
                        form.choices(list).iter().map(|c| (c.name.clone(), choice_word(c))).collect();
                    let mut headers = vec![own];
                    headers.extend(form.choices(list).iter().map(|c| header(&c.label, &format!("{name}/{}", c.name))));
                    (headers, Column::Multiple { name, choices })
                }
                ItemKind::SelectFromFile { multiple: true, .. } if form.file_choices(&name).is_some() => {
                    let list = form.file_choices(&name).unwrap_or_default();
                    let choices: Vec<(String, String)> =
                        list.iter().map(|c| (c.name.clone(), choice_word(c))).collect();
                    let mut headers = vec![own];
                    headers.extend(list.iter().map(|c| header(&c.label, &format!("{name}/{}", c.name))));
                    (headers, Column::Multiple { name, choices })
                }
                ItemKind::SelectOne { list } | ItemKind::Rank { list } => {
                    let choices = form.choices(list).iter().map(|c| (c.name.clone(), choice_word(c))).collect();
                    (vec![own], Column::Answer { name, choices: Some(Words::new(choices)) })
                }
                ItemKind::SelectFromFile { multiple: false, .. } | ItemKind::SelectExternal { .. } => {
                    let list = match &item.kind {
                        ItemKind::SelectExternal { list } => form.external_lists.get(list).map(Vec::as_slice),
                        _ => form.file_choices(&name),
                    };
                    let choices =
                        list.map(|l| Words::new(l.iter().map(|c| (c.name.clone(), choice_word(c))).collect()));
                    (vec![own], Column::Answer { name, choices })
                }
                ItemKind::Geotrace | ItemKind::Geoshape => (vec![own], Column::Points { name }),
                // The position the form was started at is a geopoint too.
                ItemKind::Geopoint | ItemKind::Metadata { .. } if is_point(&item.kind) => {
                    let label = text(&item.label).filter(|l| *l != name);
                    let headers = ["latitude", "longitude", "altitude", "accuracy"]
                        .iter()
                        .map(|part| match &label {
                            Some(label) => format!("{label} ({name}/{part})"),
                            None => format!("{name}/{part}"),
                        })
                        .collect();
                    (headers, Column::Geopoint { name })
                }
                // The audit log is a file of the submission, as a photo is.
                ItemKind::Media { .. } => (vec![own], Column::Media { name }),
                ItemKind::Metadata { of } if of == "audit" => (vec![own], Column::Media { name }),
                _ => (vec![own], Column::Answer { name, choices: None }),
            })
        };
        walk(&form.items, 0, &mut tables, &mut domains, &lay);
        for d in &domains {
            tables[0].headers.push(format!("{d} (score)"));
            tables[0].headers.push(format!("{d} (max)"));
        }
        let mut slots: HashMap<String, usize> = HashMap::new();
        let mut slot = |name: &str| {
            let next = slots.len();
            *slots.entry(name.to_string()).or_insert(next)
        };
        let column_slots = tables[0].columns.iter().map(|c| slot(c.name())).collect();
        let repeat_slots = tables[0].repeats.iter().map(|(name, _)| slot(name)).collect();
        Layout { tables, domains, slots, column_slots, repeat_slots }
    }

    /// Writes the cells of one instance's columns in `table`, each answer as `answer` gives
    /// it by the column's place.
    fn cells<'g>(
        &self,
        table: usize,
        answer: &dyn Fn(usize) -> Option<Got<'g>>,
        uuid: &str,
        files_base: &str,
        out: &mut PageOut,
    ) {
        use std::fmt::Write;
        for (at, column) in self.tables[table].columns.iter().enumerate() {
            let got = answer(at);
            match column {
                Column::Answer { choices, .. } => {
                    cell(choices.as_ref(), got, &mut out.text);
                    out.end_cell();
                }
                Column::Multiple { choices, .. } => {
                    let chosen: Vec<&str> = match got {
                        Some(Got::Json(serde_json::Value::Array(a))) => a.iter().filter_map(|v| v.as_str()).collect(),
                        Some(Got::Text(s)) => s.split_whitespace().collect(),
                        _ => {
                            for _ in 0..=choices.len() {
                                out.end_cell();
                            }
                            continue;
                        }
                    };
                    let word = |n: &str| -> Option<usize> { choices.iter().position(|(c, _)| c == n) };
                    for (i, &n) in chosen.iter().enumerate() {
                        if i > 0 {
                            out.text.push(' ');
                        }
                        out.text.push_str(word(n).map(|w| choices[w].1.as_str()).unwrap_or(n));
                    }
                    out.end_cell();
                    for (c, _) in choices {
                        out.cell(if chosen.contains(&c.as_str()) { "1" } else { "0" });
                    }
                }
                Column::Geopoint { .. } => {
                    let mut parts = got.and_then(Got::text).unwrap_or("").split_whitespace();
                    for _ in 0..4 {
                        out.cell(parts.next().unwrap_or(""));
                    }
                }
                Column::Points { .. } => out.cell(&odk_points(got.and_then(Got::text).unwrap_or(""))),
                Column::Media { .. } => {
                    if let Some(file) = got.and_then(Got::text).filter(|f| !f.is_empty()) {
                        let _ = write!(
                            out.text,
                            "{files_base}/api/v1/submissions/{}/files/{}",
                            escaped(uuid),
                            escaped(file)
                        );
                    }
                    out.end_cell();
                }
            }
        }
    }

    /// Writes the instances of the repeats inside one instance (of `table`, numbered
    /// `index` in it; its repeats' answers as `repeat` gives them by their place), and the
    /// repeats inside those, numbering each table's rows from 1 per submission in
    /// `counters`.
    fn write_repeats<'g>(
        &self,
        table: usize,
        index: usize,
        repeat: &dyn Fn(usize) -> Option<&'g serde_json::Value>,
        ctx: (&str, &str),
        counters: &mut [usize],
        out: &mut PageOut,
    ) {
        use std::fmt::Write;
        let (uuid, files_base) = ctx;
        for (r, (_, at)) in self.tables[table].repeats.iter().enumerate() {
            let Some(serde_json::Value::Array(instances)) = repeat(r) else { continue };
            for instance in instances {
                let Some(inner) = instance.as_object() else { continue };
                counters[*at] += 1;
                let own = counters[*at];
                out.cell(uuid);
                let _ = write!(out.text, "{own}");
                out.end_cell();
                if self.tables[*at].nested {
                    let _ = write!(out.text, "{index}");
                    out.end_cell();
                }
                let columns = &self.tables[*at].columns;
                self.cells(*at, &|c| inner.get(columns[c].name()).map(Got::of), uuid, files_base, out);
                out.end_row(*at);
                let repeats = &self.tables[*at].repeats;
                self.write_repeats(*at, own, &|r| inner.get(&repeats[r].0), ctx, counters, out);
            }
        }
    }

    /// The cells of a page of submissions, in `out` (emptied first).
    fn page(&self, rows: Vec<ExportRow>, usernames: &HashMap<i64, String>, files_base: &str, out: &mut PageOut) {
        use std::fmt::Write;
        out.clear();
        let mut counters = vec![0usize; self.tables.len()];
        let mut seen = Vec::new();
        let mut slots: Vec<Option<Answer<'_>>> = Vec::new();
        for ExportRow { row, subject_label } in &rows {
            slots.clear();
            slots.resize_with(self.slots.len(), || None);
            let reading = Reading { layout: self, slots: &mut slots, seen: &mut seen };
            // Answers that cannot be read are none at all, as before they were read here.
            if serde::Deserializer::deserialize_any(&mut serde_json::Deserializer::from_str(&row.answers_json), reading)
                .is_err()
            {
                slots.iter_mut().for_each(|s| *s = None);
            }
            let scores: Vec<Scored<'_>> = serde_json::from_str(&row.scores_json).unwrap_or_default();
            out.cell(&row.uuid);
            out.cell(&row.collected_at.to_rfc3339());
            out.cell(&row.received_at.to_rfc3339());
            out.cell(row.collected_by.and_then(|id| usernames.get(&id)).map(String::as_str).unwrap_or_default());
            out.cell(&row.subject_kind);
            let _ = write!(out.text, "{}", row.subject_id);
            out.end_cell();
            out.cell(subject_label.as_deref().unwrap_or_default());
            let slots = &slots;
            self.cells(0, &|c| slots[self.column_slots[c]].as_ref().map(Answer::got), &row.uuid, files_base, out);
            for d in &self.domains {
                let s = scores.iter().find(|s| s.domain == d.as_str());
                for number in [s.and_then(|s| s.score.as_ref()), s.and_then(|s| s.max.as_ref())] {
                    if let Some(number) = number {
                        let _ = write!(out.text, "{number}");
                    }
                    out.end_cell();
                }
            }
            out.end_row(0);
            if self.tables.len() > 1 {
                counters.iter_mut().for_each(|c| *c = 0);
                let repeat = |r: usize| match &slots[self.repeat_slots[r]] {
                    Some(Answer::Json(v)) => Some(v),
                    _ => None,
                };
                self.write_repeats(0, 0, &repeat, (&row.uuid, files_base), &mut counters, out);
            }
            out.submissions += 1;
        }
    }
}

/// A domain's score as kept with a submission, its numbers written as they were stored.
#[derive(serde::Deserialize)]
struct Scored<'a> {
    #[serde(borrow)]
    domain: Cow<'a, str>,
    #[serde(default)]
    score: Option<serde_json::Number>,
    #[serde(default)]
    max: Option<serde_json::Number>,
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

/// How many pages each maker of cells may have waiting to be made, and made waiting to be
/// written, besides the one being read, made and written.
const PAGES_AHEAD: usize = 2;

/// At most how many threads make pages' cells at once (one a core, up to this).
const MAKERS: usize = 4;

/// Writes every submission of an instrument that the actor may read (for those with
/// row-level rights, [`Action::ReadRows`]; others read [`super::summary`]): the first table
/// one row a submission, one column an item (a select_multiple and a geopoint several),
/// then the domain scores; then a table per repeat. Reads a page at a time and hands each
/// page's bytes to `sink` (a file, an HTTP body), so memory stays flat however many there
/// are. Returns how many submissions were written.
///
/// Three steps run at once, a page apart: a task reads pages from the database; threads (one
/// a core, up to [`MAKERS`]) make the pages' cells (the answers read, the choices worded),
/// taking pages in turn; and this function writes the pages' cells out in the order read,
/// as CSV or XLSX.
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
    let layout = std::sync::Arc::new(Layout::new(&form, wording));
    drop(form);
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
    let usernames: std::sync::Arc<HashMap<i64, String>> = std::sync::Arc::new(
        on_db!(db, |p| sqlx::query_as::<_, (i64, String)>("SELECT id, username FROM users").fetch_all(p).await)?
            .into_iter()
            .collect(),
    );
    // Page k goes to maker k % makers, and its cells come back from the same maker, so the
    // pages are written in the order read. Each maker is one thread, not one a page, and
    // is handed back the pages written, so that their buffers are reused.
    let makers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAKERS);
    let (mut to_cells, mut ready, mut spares, mut threads) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..makers {
        let (read, mut rows_in) = tokio::sync::mpsc::channel::<Result<Vec<ExportRow>>>(PAGES_AHEAD);
        let (made, cells_out) = tokio::sync::mpsc::channel::<Result<PageOut>>(PAGES_AHEAD);
        let (spare, mut spare_in) = tokio::sync::mpsc::channel::<PageOut>(PAGES_AHEAD + 1);
        let (layout, base, usernames) = (layout.clone(), files_base.to_string(), usernames.clone());
        threads.push(tokio::task::spawn_blocking(move || {
            while let Some(rows) = rows_in.blocking_recv() {
                let page = rows.map(|rows| {
                    let mut out = spare_in.try_recv().unwrap_or_default();
                    layout.page(rows, &usernames, &base, &mut out);
                    out
                });
                if made.blocking_send(page).is_err() {
                    return;
                }
            }
        }));
        to_cells.push(read);
        ready.push(cells_out);
        spares.push(spare);
    }
    let reader = {
        let (db, own) = (db.clone(), actor.user_id.unwrap_or(-1));
        tokio::spawn(async move {
            let mut last = 0i64;
            for k in 0.. {
                let rows = on_db!(&db, |p| sqlx::query_as::<_, ExportRow>(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(instrument_id)
                    .bind(last)
                    .bind(own)
                    .bind(EXPORT_PAGE)
                    .fetch_all(p)
                    .await)
                .map_err(Error::from);
                let more = rows.as_ref().is_ok_and(|rows| rows.len() as i64 == EXPORT_PAGE);
                if let Some(row) = rows.as_ref().ok().and_then(|rows| rows.last()) {
                    last = row.row.id;
                }
                // The writer has stopped (the client went away): read no more.
                if to_cells[k % to_cells.len()].send(rows).await.is_err() || !more {
                    return;
                }
            }
        })
    };
    let mut written = 0u64;
    // The first maker with nothing more to give ends the export: the reader has stopped
    // before the page it would have made.
    for k in 0.. {
        let Some(page) = ready[k % makers].recv().await else { break };
        let page = page?;
        page.each_row(|table, cells| writer.write_cells(table, cells)).map_err(anyhow::Error::from)?;
        written += page.submissions;
        let _ = spares[k % makers].try_send(page);
        let bytes = buffer.take();
        if !bytes.is_empty() {
            sink(bytes).await.map_err(anyhow::Error::from)?;
        }
    }
    drop(ready);
    for thread in threads {
        thread.await.map_err(anyhow::Error::from)?;
    }
    reader.await.map_err(anyhow::Error::from)?;
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

/// One answer as an export shows it, written to `out`: a choice by its wording (ranked
/// choices joined with "; "), choices without a list (from a file) by name joined with
/// spaces, anything else as given.
fn cell(choices: Option<&Words>, value: Option<Got<'_>>, out: &mut String) {
    use serde_json::Value;
    use std::fmt::Write;
    fn join<'a>(out: &mut String, names: impl Iterator<Item = &'a str>, between: &str) {
        for (i, name) in names.enumerate() {
            if i > 0 {
                out.push_str(between);
            }
            out.push_str(name);
        }
    }
    let Some(value) = value else { return };
    match (value, choices) {
        (Got::Text(s), Some(words)) => out.push_str(words.word(s)),
        (Got::Text(s), None) => out.push_str(s),
        (Got::Json(Value::Array(a)), Some(words)) => {
            join(out, a.iter().filter_map(|v| v.as_str()).map(|n| words.word(n)), "; ")
        }
        (Got::Json(Value::String(s)), Some(words)) => out.push_str(words.word(s)),
        (Got::Json(Value::String(s)), None) => out.push_str(s),
        // The choices of a select from a file, by name, as a select_multiple's first column.
        (Got::Json(Value::Array(a)), None) if a.iter().all(|v| v.is_string()) => {
            join(out, a.iter().filter_map(|v| v.as_str()), " ")
        }
        (Got::Json(Value::Null), _) => {}
        (Got::Json(other), _) => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Whether an item's answer is one position: a geopoint, or the `start-geopoint` metadata.
fn is_point(kind: &opencpd_forms::ItemKind) -> bool {
    match kind {
        opencpd_forms::ItemKind::Geopoint => true,
        opencpd_forms::ItemKind::Metadata { of } => of == "start-geopoint",
        _ => false,
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
