//! The other files an XLSForm chooses from (`select_one_from_file`), read as tables as ODK
//! Collect reads them: an XML instance (`<root><item><name>…</name><label>…</label></item>
//! …</root>`: each child of the root is a row, each of its children a column) and a GeoJSON
//! FeatureCollection (each feature a row: its `id`, its properties, and its geometry).
//! Rows are numbered from 2, as if under a header, so problems read like a CSV's.

use opencpd_domain::{Problem, Table, TableRow};
use quick_xml::events::Event;

/// The most rows and columns an instance file may have (as many as a CSV choice file).
const MAX_ROWS: usize = 2_000_000;
const MAX_COLUMNS: usize = 200;

fn unreadable(detail: impl std::fmt::Display) -> Problem {
    Problem::new("not-a-table").arg("detail", detail.to_string())
}

/// Builds a table from rows of (column, value) pairs, the columns in order of appearance.
fn table(items: Vec<Vec<(String, String)>>) -> Result<Table, Problem> {
    let mut headers: Vec<String> = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut cells = vec![String::new(); headers.len()];
        for (column, value) in item {
            let at = match headers.iter().position(|h| *h == column) {
                Some(at) => at,
                None if headers.len() >= MAX_COLUMNS => {
                    return Err(Problem::new("too-many-columns")
                        .at_row(i + 2)
                        .arg("count", headers.len() + 1)
                        .arg("max", MAX_COLUMNS));
                }
                None => {
                    headers.push(column);
                    headers.len() - 1
                }
            };
            if cells.len() <= at {
                cells.resize(at + 1, String::new());
            }
            cells[at] = value.trim().to_string();
        }
        rows.push(TableRow { number: i + 2, cells });
    }
    Ok(Table { headers, rows })
}

/// An XML instance: the root's children are the rows, their children's texts the cells.
pub fn read_xml_items(bytes: &[u8]) -> Result<Table, Problem> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut items: Vec<Vec<(String, String)>> = Vec::new();
    // Depth 1: the root; 2: an item; 3: a field of it.
    let (mut depth, mut field, mut text) = (0usize, None::<String>, String::new());
    loop {
        match reader.read_event_into(&mut buf).map_err(unreadable)? {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name().as_ref().to_string();
                match depth {
                    2 if items.len() >= MAX_ROWS => return Err(Problem::new("too-many-rows").arg("max", MAX_ROWS)),
                    2 => items.push(Vec::new()),
                    3 => (field, text) = (Some(name), String::new()),
                    _ => {}
                }
            }
            Event::Empty(e) => match depth + 1 {
                2 => items.push(Vec::new()),
                3 => {
                    let name = e.local_name().as_ref().to_string();
                    if let Some(item) = items.last_mut() {
                        item.push((name, String::new()));
                    }
                }
                _ => {}
            },
            Event::Text(t) if depth == 3 => text.push_str(&t),
            Event::GeneralRef(r) if depth == 3 => {
                let name = r.to_string();
                let resolved = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    _ => r.resolve_char_ref().ok().flatten().map(String::from).unwrap_or_default(),
                };
                text.push_str(&resolved);
            }
            Event::CData(t) if depth == 3 => text.push_str(&t),
            Event::End(_) => {
                if depth == 3
                    && let (Some(name), Some(item)) = (field.take(), items.last_mut())
                {
                    item.push((name, std::mem::take(&mut text)));
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if depth != 0 {
        return Err(unreadable("the XML ends inside an element"));
    }
    table(items)
}

/// A GeoJSON FeatureCollection: per feature its `id` (the feature's, else its property's),
/// its properties as text, and its `geometry` as JSON.
pub fn read_geojson(bytes: &[u8]) -> Result<Table, Problem> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(unreadable)?;
    if value["type"] != "FeatureCollection" {
        return Err(unreadable("not a GeoJSON FeatureCollection"));
    }
    let features = value["features"].as_array().ok_or_else(|| unreadable("a FeatureCollection without features"))?;
    if features.len() > MAX_ROWS {
        return Err(Problem::new("too-many-rows").arg("max", MAX_ROWS));
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let items = features
        .iter()
        .map(|feature| {
            let mut item = Vec::new();
            if !feature["id"].is_null() {
                item.push(("id".to_string(), text(&feature["id"])));
            }
            if let Some(properties) = feature["properties"].as_object() {
                for (k, v) in properties {
                    if k == "id" && !feature["id"].is_null() {
                        continue;
                    }
                    item.push((k.clone(), text(v)));
                }
            }
            if !feature["geometry"].is_null() {
                item.push(("geometry".to_string(), feature["geometry"].to_string()));
            }
            item
        })
        .collect();
    table(items)
}
