//! The ten real XLSForms of the shared reference data (`../shared/data/xlsforms`, read from there, never copied): which are taken, and why the others
//! are rejected (row, column, problem).

use crate::fixtures::ctx;
use opencpd_domain::table::Problem;
use opencpd_forms::{Answer, Form, ItemKind, MediaKind, parse_xlsform, validate};
use serde_json::json;

/// The shared reference data's forms (see the crate's build script).
const DIR: &str = env!("OPENCPD_SHARED_XLSFORMS");

fn read(name: &str) -> Result<Form, Vec<Problem>> {
    let bytes = std::fs::read(format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    parse_xlsform(name, &bytes)
}

fn rejected(name: &str) -> Vec<(usize, String, &'static str, String)> {
    match read(name) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(problems) => problems
            .into_iter()
            .map(|p| (p.row.unwrap_or(0), p.column.unwrap_or_default(), p.code, p.value.unwrap_or_default()))
            .collect(),
    }
}

fn taken(name: &str) -> Form {
    read(name).unwrap_or_else(|problems| {
        panic!("{name} should be taken: {}", problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))
    })
}

fn p(row: usize, column: &str, code: &'static str, value: &str) -> (usize, String, &'static str, String) {
    (row, column.to_string(), code, value.to_string())
}

fn has(problems: &[(usize, String, &'static str, String)], wanted: (usize, &str, &'static str)) -> bool {
    problems.iter().any(|(r, c, code, _)| (*r, c.as_str(), *code) == wanted)
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn spec_test_is_taken_with_its_media_questions_media_columns_and_external_app() {
    let form = taken("XLSForm_pyxform__xlsform_spec_test.xlsx");
    let kind = |row: usize| form.all_items().into_iter().find(|i| i.row == row).map(|i| i.kind.clone());
    assert_eq!(kind(34), Some(ItemKind::Geopoint));
    assert_eq!(kind(35), Some(ItemKind::Barcode));
    assert_eq!(kind(36), Some(ItemKind::Media { of: MediaKind::Image }));
    let with_media = form.all_items().into_iter().find(|i| i.row == 9).unwrap();
    assert_eq!(with_media.media["image"]["default"], "img_test.jpg");
    assert_eq!(with_media.media["video"]["default"], "test.mov");
    for file in ["img_test.jpg", "audio_test.wav", "img_test_2.jpg", "chinese_audio.wav", "test.mov", "a.jpg", "b.jpg"]
    {
        assert!(form.attachments.iter().any(|a| a == file), "{file} in {:?}", form.attachments);
    }
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn widgets_is_taken_with_its_media_and_location_widgets() {
    let form = taken("XLSForm_pyxform__widgets.xls");
    let kinds: Vec<ItemKind> = form.all_items().into_iter().map(|i| i.kind.clone()).collect();
    for wanted in [ItemKind::Geopoint, ItemKind::Barcode, ItemKind::Media { of: MediaKind::Audio }] {
        assert!(kinds.contains(&wanted), "{wanted:?}");
    }
    assert_eq!(form.attachments, vec!["a.jpg", "b.jpg", "happy.jpg", "sad.jpg"]);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn tutorial_xls_is_taken_and_validates_a_household() {
    let form = taken("XLSForm_pyxform__tutorial.xls");
    assert_eq!(form.form_id, "XLSForm_pyxform__tutorial");
    assert_eq!(form.items.len(), 1);
    let member = &form.items[0];
    assert_eq!(member.name, "member");
    assert_eq!(member.children().len(), 10);
    assert_eq!(form.item("sex").unwrap().kind, ItemKind::SelectOne { list: "sexes".into() });
    let years = form.item("age_in_years").unwrap();
    assert_eq!(years.relevant.as_ref().unwrap().source(), "${older_than_five}='yes'");
    assert_eq!(years.constraint.as_ref().unwrap().source(), ". >= 5");
    assert_eq!(
        form.choices("relationships").iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["head", "wife_or_husband", "son_or_daughter"]
    );

    let answers = json!({"member": [
        {"name": "Amina", "relationship_to_household_head": "wife_or_husband", "sex": "female", "resident": "yes",
         "stayed_last_night": "yes", "older_than_five": "yes", "age_in_years": 30, "literate": "yes", "pregnant": "no"},
        {"name": "Eli", "sex": "male", "older_than_five": "no", "age_in_months": 30}
    ]});
    let validated = validate(&form, &answers, &ctx()).unwrap();
    let Some(Answer::Repeat(members)) = validated.get("member") else { panic!("no members") };
    assert_eq!(members[1]["age_in_months"], Answer::Integer(30));

    let wrong = json!({"member": [{"sex": "male", "older_than_five": "no", "age_in_months": 80, "pregnant": "no"}]});
    let problems: Vec<_> =
        validate(&form, &wrong, &ctx()).unwrap_err().into_iter().map(|p| (p.column.unwrap(), p.code)).collect();
    assert_eq!(
        problems,
        vec![("member[1].age_in_months".into(), "form-constraint"), ("member[1].pregnant".into(), "form-not-relevant")]
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn choice_filter_test_is_taken_and_filters_cascading_selects() {
    let form = taken("XLSForm_pyxform__choice_filter_test.xlsx");
    assert_eq!(form.title, "cascading selects");
    assert_eq!(form.item("county").unwrap().choice_filter.as_ref().unwrap().source(), "${state}=cf");
    assert_eq!(
        form.choices("counties").iter().filter(|c| c.name == "king").count(),
        2,
        "duplicates allowed by the settings"
    );
    assert!(validate(&form, &json!({"state": "texas", "county": "king", "city": "dumont"}), &ctx()).is_ok());
    let problems = validate(&form, &json!({"state": "texas", "county": "pierce"}), &ctx()).unwrap_err();
    assert_eq!((problems[0].column.as_deref(), problems[0].code), (Some("county"), "form-filtered-choice"));
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn odkmeta_form_is_taken_with_its_gps_and_or_other() {
    let form = taken("PovertyAction_odkmeta__Form.xls");
    let occupation = form.all_items().into_iter().find(|i| i.row == 18).unwrap();
    assert!(occupation.or_other);
    assert!(form.item(&format!("{}_other", occupation.name)).is_some());
    assert_eq!(form.all_items().into_iter().find(|i| i.row == 13).unwrap().kind, ItemKind::Geopoint);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn household_survey_is_rejected_for_audits_searches_surveycto_functions_and_a_duplicate_choice() {
    let got = rejected("PovertyAction_high-frequency-checks__Household_Survey.xlsx");
    for wanted in [
        (9, "survey!calculation", "form-unsupported-function"),
        (12, "survey!type", "form-unsupported-type"),
        (13, "survey!type", "form-unsupported-type"),
        (47, "survey!type", "form-unsupported-type"),
        (19, "survey!appearance", "form-unsupported-appearance"),
        (65, "survey!relevance", "form-unsupported-function"),
        (71, "choices!value", "form-duplicate-choice"),
    ] {
        assert!(has(&got, wanted), "missing {wanted:?}");
    }
    let values: Vec<&str> = got.iter().filter(|g| g.2 == "form-unsupported-type").map(|g| g.3.as_str()).collect();
    assert_eq!(values, vec!["text audit", "comments", "audio audit"]);
    assert_eq!(got.iter().filter(|g| g.0 == 66).count(), 2, "both index() of one cell");
    assert!(!got.iter().any(|g| g.2 == "form-unknown-reference" || g.2 == "form-bad-expression"), "{got:?}");
    assert_eq!(got.len(), 18);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn repeat_allows_selection_is_rejected_for_surveycto_functions_only() {
    let got = rejected("PovertyAction_SurveyCTO-Templates__repeat_allows_selection.xlsx");
    assert_eq!(
        got,
        vec![
            p(6, "survey!calculation", "form-unsupported-function", "device-info()"),
            p(7, "survey!calculation", "form-unsupported-function", "duration()"),
            p(13, "survey!calculation", "form-unsupported-function", "index()"),
        ]
    );
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn module_durations_is_rejected_for_calculate_here_and_durations() {
    let got = rejected("PovertyAction_SurveyCTO-Templates__module_durations.xlsx");
    let mut expected = vec![
        p(6, "survey!calculation", "form-unsupported-function", "device-info()"),
        p(7, "survey!calculation", "form-unsupported-function", "duration()"),
    ];
    for row in [11, 15, 21, 25, 31, 36, 42, 46] {
        expected.push(p(row, "survey!type", "form-unsupported-type", "calculate_here"));
    }
    assert_eq!(got, expected);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn phq9_is_rejected_for_its_svg_plug_in() {
    let got = rejected("PovertyAction_SurveyCTO-Templates__phq9_&_gad7.xlsx");
    assert!(has(&got, (14, "survey!type", "form-unsupported-type")), "comments");
    assert!(has(&got, (18, "survey!type", "form-unsupported-type")), "calculate_here");
    assert!(!has(&got, (12, "survey!calculation", "form-unsupported-function")), "format-date-time is taken");
    for row in (23..=31).chain(40..=46) {
        assert!(has(&got, (row, "survey!appearance", "form-unsupported-appearance")), "row {row}");
    }
    assert!(!got.iter().any(|g| g.2 == "form-unsupported-media"), "media columns are taken");
    assert!(!got.iter().any(|g| g.2 == "form-unknown-reference"), "{got:?}");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn timed_field_list_is_rejected_for_its_timing_plug_in() {
    let got = rejected("surveycto_timed-field-list__Timed field list.xlsx");
    assert!(has(&got, (19, "survey!appearance", "form-unsupported-appearance")));
    assert_eq!(got.iter().filter(|g| g.3.starts_with("custom-timed-field-list")).count(), 9);
    let functions: Vec<_> = got.iter().filter(|g| g.2 == "form-unsupported-function").map(|g| g.0).collect();
    assert_eq!(functions, vec![9, 20, 22, 24, 25, 26, 27, 30]);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs the shared reference data: ../shared/data/xlsforms")]
fn every_problem_of_the_real_forms_reads_in_english_and_french() {
    let catalog = opencpd_domain::i18n::catalog();
    for entry in std::fs::read_dir(DIR).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !(name.ends_with(".xls") || name.ends_with(".xlsx")) {
            continue;
        }
        for problem in read(&name).err().unwrap_or_default() {
            let id = format!("problem-{}", problem.code);
            assert!(catalog.has("en", &id) && catalog.has("fr", &id), "{id}");
            assert!(!problem.located("fr").is_empty());
        }
    }
}
