//! Answers to the question types taken from ODK: locations, files, ranks, selects from
//! files and external lists, hidden values. What the expressions see of repeats, choices
//! and files (`position(..)`, `indexed-repeat`, `jr:choice-name`, `pulldata`) is in the
//! shared cases (tests/cases/expressions.json), held by the server and the field app alike.

use crate::fixtures::*;
use opencpd_forms::{Answer, validate};
use serde_json::json;

fn form() -> opencpd_forms::Form {
    taken(&xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "default", "calculation"],
                vec!["geopoint", "place", "Where?", "", ""],
                vec!["geotrace", "path", "Path", "", ""],
                vec!["geoshape", "field", "Field", "", ""],
                vec!["image", "photo", "Photo", "", ""],
                vec!["rank fruit", "order", "Order", "", ""],
                vec!["select_one_from_file villages.csv", "village", "Village", "", ""],
                vec!["select_one_external towns", "town", "Town", "", ""],
                vec!["hidden", "batch", "", "b7", ""],
                vec!["calculate", "metres", "", "", "round(distance(${path}), 0)"],
            ],
        ),
        (
            "choices",
            vec![vec!["list_name", "name", "label"], vec!["fruit", "mango", "Mango"], vec!["fruit", "pear", "Pear"]],
        ),
        ("external_choices", vec![vec!["list_name", "name", "label"], vec!["towns", "kigali", "Kigali"]]),
    ]))
}

#[test]
fn locations_files_ranks_and_external_choices_are_checked() {
    let form = taken(&xlsx(&[
        ("survey", vec![vec!["type", "name"], vec!["rank fruit", "order"]]),
        ("choices", vec![vec!["list_name", "name"], vec!["fruit", "mango"]]),
    ]));
    assert!(validate(&form, &json!({"order": "mango"}), &ctx()).is_ok());
    let form = self::form();
    assert_eq!(form.attachments, vec!["villages.csv"]);
    let good = json!({
        "place": "-1.95 30.06 1500 5",
        "path": "-1.95 30.06 0 0;-1.94 30.06 0 0",
        "field": "0 0;0 1;1 1;0 0",
        "photo": "1718000000.jpg",
        "order": "pear mango",
        "village": "nyamata",
        "town": "kigali",
        "batch": "b7",
    });
    let done = validate(&form, &good, &ctx()).unwrap();
    assert_eq!(done.get("order"), Some(&Answer::Choices(vec!["pear".into(), "mango".into()])));
    assert_eq!(done.get("metres"), Some(&Answer::Calculated("1113".into())));

    let bad = json!({
        "place": "95 30",
        "path": "-1.95 30.06",
        "field": "0 0;0 1;1 1;1 0",
        "photo": "../etc/passwd",
        "order": "pear pear",
        "town": "paris",
    });
    let problems: Vec<_> = validate(&form, &bad, &ctx())
        .unwrap_err()
        .into_iter()
        .map(|p| (p.column.unwrap_or_default(), p.code))
        .collect();
    assert_eq!(
        problems,
        vec![
            ("place".to_string(), "form-bad-geopoint"),
            ("path".to_string(), "form-bad-geotrace"),
            ("field".to_string(), "form-bad-geoshape"),
            ("photo".to_string(), "form-bad-file-name"),
            ("order".to_string(), "form-bad-rank"),
            ("town".to_string(), "bad-choice"),
        ]
    );
}
