//! DHIS2 exchange, pure: an indicator's answer written as a DHIS2 `dataValueSets` JSON
//! document or as ADX XML (`urn:ihe:qrph:adx:2015`), with OpenCPD's places, indicators
//! and categories translated to a DHIS2 instance's codes through the deployment's
//! [`Mapping`]. Anything not mapped is a problem naming what is missing; nothing is
//! written half-mapped. Suppressed values are left out, and counted.
//!
//! Mapping kinds: `unit` and `school` (by code) → organisation unit; `indicator` → data
//! element; `dataset` (key `default`) → ADX data set; `category` (a disaggregation, such
//! as `sex`) → ADX category attribute; `option` (`sex:F`) → ADX category option;
//! `combo` (`sex:F`, or `grade:P1;sex:F` in the order asked) → dataValueSets
//! category option combination.
//!
//! The period is the answer's year (DHIS2's `2025`, ADX's `2025-01-01/P1Y`); an answer
//! split by `quarter` sends each quarter's value in its own period (`2025Q2`,
//! `2025-04-01/P3M`), the quarter being DHIS2's period, not a category.

use opencpd_domain::Problem;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

/// A deployment's codes: (kind, key) → DHIS2 code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping(pub HashMap<(String, String), String>);

impl Mapping {
    pub fn from_rows(rows: impl IntoIterator<Item = (String, String, String)>) -> Mapping {
        Mapping(rows.into_iter().map(|(kind, key, code)| ((kind, key), code)).collect())
    }

    fn code(&self, kind: &str, key: &str, field: &str, problems: &mut Vec<Problem>) -> Option<String> {
        match self.0.get(&(kind.to_string(), key.to_string())) {
            Some(code) => Some(code.clone()),
            None => {
                let p = Problem::new("dhis2-unmapped").in_column(field).with_value(key).arg("kind", kind);
                if !problems.contains(&p) {
                    problems.push(p);
                }
                None
            }
        }
    }
}

/// One value to send: where (a unit's or a school's code), its quarter of the year (1 to 4,
/// or none for the whole year), its categories as (disaggregation, category) in the order
/// asked, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub place_kind: &'static str,
    pub place: String,
    pub quarter: Option<u32>,
    pub categories: Vec<(String, String)>,
    /// `None` when suppressed: left out.
    pub value: Option<f64>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub body: String,
    pub values: usize,
    /// Values left out because they are suppressed for the reader.
    pub suppressed: usize,
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{}", (v * 1e6).round() / 1e6) }
}

/// A year, or one of its quarters, as an ISO 8601 period, as ADX writes it.
pub fn adx_period(year: i64, quarter: Option<u32>) -> String {
    match quarter {
        None => format!("{year:04}-01-01/P1Y"),
        Some(q) => format!("{year:04}-{:02}-01/P3M", 3 * q - 2),
    }
}

/// A year, or one of its quarters, as DHIS2 names periods (`2025`, `2025Q2`).
fn dhis2_period(year: i64, quarter: Option<u32>) -> String {
    match quarter {
        None => year.to_string(),
        Some(q) => format!("{year}Q{q}"),
    }
}

/// The quarter a category of the `quarter` split names (`Q1` to `Q4`).
pub fn quarter_of(category: &str) -> Option<u32> {
    category.strip_prefix('Q').and_then(|q| q.parse().ok()).filter(|q| (1..=4).contains(q))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DataValue {
    data_element: String,
    period: String,
    org_unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_option_combo: Option<String>,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DataValueSet {
    data_values: Vec<DataValue>,
}

/// The values as a `dataValueSets` document (codes as identifiers: import it with
/// `idScheme=CODE`), periods as DHIS2's yearly `2025` (or quarterly `2025Q2`).
pub fn data_value_sets(
    indicator: &str,
    year: i64,
    values: &[Value],
    mapping: &Mapping,
) -> Result<Export, Vec<Problem>> {
    let mut problems = Vec::new();
    let element = mapping.code("indicator", indicator, "indicator", &mut problems);
    let mut out = Vec::new();
    let mut suppressed = 0;
    for v in values {
        let Some(value) = v.value else {
            suppressed += 1;
            continue;
        };
        let org_unit = mapping.code(v.place_kind, &v.place, "place", &mut problems);
        let combo = if v.categories.is_empty() {
            None
        } else {
            let key = v.categories.iter().map(|(d, c)| format!("{d}:{c}")).collect::<Vec<_>>().join(";");
            Some(mapping.code("combo", &key, "category", &mut problems))
        };
        if let (Some(element), Some(org_unit)) = (&element, org_unit) {
            out.push(DataValue {
                data_element: element.clone(),
                period: dhis2_period(year, v.quarter),
                org_unit,
                category_option_combo: combo.flatten(),
                value: number(value),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let values = out.len();
    let body = serde_json::to_string_pretty(&DataValueSet { data_values: out }).expect("serialisable");
    Ok(Export { body, values, suppressed })
}

/// Whether a code can be an XML attribute's name (ADX writes categories as attributes).
fn xml_name(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The values as ADX: one `group` per organisation unit and period (`2025-01-01/P1Y`, or a
/// quarter's `2025-04-01/P3M`),
/// each value's categories as attributes named by their category codes. `exported` is
/// the time written in the document (the caller's clock).
pub fn adx(
    indicator: &str,
    year: i64,
    values: &[Value],
    mapping: &Mapping,
    exported: &str,
) -> Result<Export, Vec<Problem>> {
    let mut problems = Vec::new();
    let element = mapping.code("indicator", indicator, "indicator", &mut problems);
    let dataset = mapping.code("dataset", "default", "dataset", &mut problems);
    // Groups in the order their places and periods first appear.
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    let mut suppressed = 0;
    let mut count = 0;
    for v in values {
        let Some(value) = v.value else {
            suppressed += 1;
            continue;
        };
        let org_unit = mapping.code(v.place_kind, &v.place, "place", &mut problems);
        let mut attributes = String::new();
        for (dimension, category) in &v.categories {
            let name = mapping.code("category", dimension, "category", &mut problems);
            let option = mapping.code("option", &format!("{dimension}:{category}"), "category", &mut problems);
            if let Some(name) = &name
                && !xml_name(name)
            {
                problems.push(Problem::new("dhis2-bad-attribute").in_column("category").with_value(name));
            }
            if let (Some(name), Some(option)) = (name, option) {
                let _ = write!(attributes, " {name}=\"{}\"", escape(&option));
            }
        }
        let (Some(element), Some(org_unit)) = (&element, org_unit) else { continue };
        let line =
            format!("    <dataValue dataElement=\"{}\"{attributes} value=\"{}\"/>", escape(element), number(value));
        count += 1;
        let group = (org_unit, adx_period(year, v.quarter));
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, lines)) => lines.push(line),
            None => groups.push((group, vec![line])),
        }
    }
    if groups.is_empty() && problems.is_empty() {
        // ADX has no message without a value: say why rather than send an empty one.
        problems.push(Problem::new("dhis2-no-values").in_column("indicator").with_value(indicator));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let dataset = dataset.expect("mapped");
    let mut body = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(body, "<adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"{}\">", escape(exported));
    for ((org_unit, period), lines) in groups {
        let _ = writeln!(
            body,
            "  <group orgUnit=\"{}\" period=\"{period}\" dataSet=\"{}\">",
            escape(&org_unit),
            escape(&dataset)
        );
        for line in lines {
            body.push_str(&line);
            body.push('\n');
        }
        body.push_str("  </group>\n");
    }
    body.push_str("</adx>\n");
    Ok(Export { body, values: count, suppressed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping::from_rows(
            [
                ("indicator", "proficiency-rate", "LO_PROF"),
                ("unit", "D1", "OU_D1"),
                ("dataset", "default", "DS_LO"),
                ("category", "sex", "SEX"),
                ("option", "sex:F", "FEMALE"),
                ("option", "sex:M", "MALE"),
                ("combo", "sex:F", "COC_F"),
                ("combo", "sex:M", "COC_M"),
            ]
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())),
        )
    }

    fn values() -> Vec<Value> {
        let v = |sex: &str, value: Option<f64>| Value {
            place_kind: "unit",
            place: "D1".into(),
            quarter: None,
            categories: vec![("sex".into(), sex.into())],
            value,
        };
        vec![v("F", Some(75.0)), v("M", Some(40.125)), v("M", None)]
    }

    #[test]
    fn data_value_sets_use_the_mapped_codes_and_leave_suppressed_values_out() {
        let export = data_value_sets("proficiency-rate", 2024, &values(), &mapping()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&export.body).unwrap();
        assert_eq!(
            json["dataValues"][0],
            serde_json::json!({
                "dataElement": "LO_PROF", "period": "2024", "orgUnit": "OU_D1",
                "categoryOptionCombo": "COC_F", "value": "75"
            })
        );
        assert_eq!(json["dataValues"][1]["value"], "40.125");
        assert_eq!((export.values, export.suppressed), (2, 1));
    }

    #[test]
    fn adx_writes_periods_and_categories_as_attributes() {
        let export = adx("proficiency-rate", 2025, &values(), &mapping(), "2026-01-02T03:04:05Z").unwrap();
        assert_eq!(
            export.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <adx xmlns=\"urn:ihe:qrph:adx:2015\" exported=\"2026-01-02T03:04:05Z\">\n  \
             <group orgUnit=\"OU_D1\" period=\"2025-01-01/P1Y\" dataSet=\"DS_LO\">\n    \
             <dataValue dataElement=\"LO_PROF\" SEX=\"FEMALE\" value=\"75\"/>\n    \
             <dataValue dataElement=\"LO_PROF\" SEX=\"MALE\" value=\"40.125\"/>\n  \
             </group>\n</adx>\n"
        );
    }

    /// Values of quarters go in quarterly periods: DHIS2's `2025Q3`, ADX's `2025-07-01/P3M`,
    /// one ADX group for each place and quarter.
    #[test]
    fn a_quarters_values_are_sent_in_its_period() {
        let mut values = values();
        values[0].quarter = Some(1);
        values[1].quarter = Some(3);
        let json = data_value_sets("proficiency-rate", 2025, &values, &mapping()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        let periods: Vec<&str> =
            json["dataValues"].as_array().unwrap().iter().map(|v| v["period"].as_str().unwrap()).collect();
        assert_eq!(periods, ["2025Q1", "2025Q3"]);
        let xml = adx("proficiency-rate", 2025, &values, &mapping(), "t").unwrap().body;
        assert!(xml.contains("<group orgUnit=\"OU_D1\" period=\"2025-01-01/P3M\" dataSet=\"DS_LO\">\n    <dataValue dataElement=\"LO_PROF\" SEX=\"FEMALE\""), "{xml}");
        assert!(xml.contains("<group orgUnit=\"OU_D1\" period=\"2025-07-01/P3M\" dataSet=\"DS_LO\">\n    <dataValue dataElement=\"LO_PROF\" SEX=\"MALE\""), "{xml}");
        assert_eq!(xml.matches("<group ").count(), 2);
        assert_eq!((quarter_of("Q4"), quarter_of("Q5"), quarter_of("4")), (Some(4), None, None));
    }

    #[test]
    fn codes_not_mapped_are_named_and_nothing_is_written() {
        let mut m = mapping();
        m.0.remove(&("unit".to_string(), "D1".to_string()));
        m.0.remove(&("option".to_string(), "sex:M".to_string()));
        let problems = adx("proficiency-rate", 2025, &values(), &m, "t").unwrap_err();
        let found: Vec<(&str, Option<&str>)> = problems.iter().map(|p| (p.code, p.value.as_deref())).collect();
        assert_eq!(found, vec![("dhis2-unmapped", Some("D1")), ("dhis2-unmapped", Some("sex:M"))]);
        let problems = data_value_sets("reach", 2025, &values(), &mapping()).unwrap_err();
        assert_eq!((problems[0].column.as_deref(), problems[0].value.as_deref()), (Some("indicator"), Some("reach")));
        let mut m = mapping();
        m.0.insert(("category".into(), "sex".into()), "1 bad".into());
        assert_eq!(adx("proficiency-rate", 2025, &values(), &m, "t").unwrap_err()[0].code, "dhis2-bad-attribute");
    }
}
