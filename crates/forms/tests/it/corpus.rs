//! The XLSForm corpus of the shared reference data (`../shared/data/xlsform-corpus`, read
//! from there, never copied): pyxform's own test forms, and its README's verdict for each
//! (what pyxform 4.5.0 with ODK Validate does). Every form they accept is taken; every form
//! they refuse is refused with a problem that names the sheet, the row and the column.

use opencpd_domain::table::Problem;
use opencpd_forms::{Form, parse_xlsform};

/// The corpus folder (see the crate's build script).
const DIR: &str = env!("OPENCPD_SHARED_CORPUS");

/// The README's table: (form path, accepted).
fn verdicts() -> Vec<(String, bool)> {
    let readme = std::fs::read_to_string(format!("{DIR}README.md")).expect("the corpus README");
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let path = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            match *cells.get(2)? {
                "accepted" => Some((path.to_string(), true)),
                "refused" => Some((path.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

fn read(path: &str) -> Result<Form, Vec<Problem>> {
    let bytes = std::fs::read(format!("{DIR}{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_xlsform(path, &bytes)
}

fn located(p: &Problem) -> bool {
    p.row.is_some()
        && p.column.as_deref().is_some_and(|c| c.split_once('!').is_some_and(|(s, h)| !s.is_empty() && !h.is_empty()))
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs the shared reference data: ../shared/data/xlsform-corpus")]
fn every_corpus_form_gets_the_verdict_of_pyxform_and_odk_validate() {
    let verdicts = verdicts();
    assert_eq!(verdicts.len(), 56, "the README lists 56 forms");
    assert_eq!(verdicts.iter().filter(|(_, accepted)| *accepted).count(), 45);
    let mut wrong = Vec::new();
    for (path, accepted) in &verdicts {
        match (read(path), accepted) {
            (Ok(_), true) => {}
            (Err(problems), false) if problems.iter().any(located) => {}
            (Err(problems), false) => wrong.push(format!("{path}: refused without a place: {problems:?}")),
            (Ok(_), false) => wrong.push(format!("{path}: taken, but pyxform refuses it")),
            (Err(problems), true) => wrong.push(format!(
                "{path}: refused:\n    {}",
                problems.iter().map(|p| p.located("en")).collect::<Vec<_>>().join("\n    ")
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} forms get the wrong verdict:\n{}",
        wrong.len(),
        verdicts.len(),
        wrong.join("\n")
    );
}

#[test]
#[cfg_attr(not(shared_corpus), ignore = "needs the shared reference data: ../shared/data/xlsform-corpus")]
fn pyxforms_attribute_columns_test_keeps_its_bind_instance_and_body_attributes() {
    let form = read("example_xls/attribute_columns_test.xlsx").expect("pyxform takes it");
    let attributes = |name: &str| {
        let item = form.item(name).unwrap_or_else(|| panic!("no item {name}"));
        item.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>()
    };
    let pairs = |list: &[(&str, &str)]| list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    // As pyxform writes them: saveIncomplete="true()" on the bind, testAttribute="test" on
    // the instance node, bodyAttribute="42" on the control (a number cell, read as Excel shows it).
    assert_eq!(
        attributes("skip_to_end"),
        pairs(&[
            ("bind::saveIncomplete", "true()"),
            ("body::bodyAttribute", "42"),
            ("instance::testAttribute", "test")
        ])
    );
    assert_eq!(
        attributes("address"),
        pairs(&[
            ("bind::bindAttribute", "${my_name}"),
            ("body::bodyAttribute", "${my_name}"),
            ("instance::testAttribute", "${my_name}")
        ])
    );
    assert_eq!(
        attributes("everything"),
        pairs(&[("body::bodyAttribute2", "test"), ("instance::testAttribute", "test")])
    );
    assert_eq!(attributes("repeat_test").len(), 4, "a repeat keeps its attributes too");
    let launch = form.item("launch").unwrap();
    assert_eq!(launch.appearance.as_deref(), Some("ex:org.thirdparty.app.ActivityName"));
    assert_eq!(
        launch.no_app_message.values().collect::<Vec<_>>(),
        ["Sorry, app does not exist."],
        "noAppErrorString, shown by the field app, which opens no Android app"
    );
}
