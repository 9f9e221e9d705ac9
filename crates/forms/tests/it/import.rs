//! XLSForm import: what is taken, how it is modelled, and every refusal with its place.

use crate::fixtures::*;
use opencpd_forms::{Condition, Form, ItemKind, MediaKind, parse_xlsform, validate};
use serde_json::json;

fn kind(form: &Form, name: &str) -> ItemKind {
    let mut kind = form.item(name).unwrap_or_else(|| panic!("no item {name}")).kind.clone();
    if let ItemKind::Group { items } | ItemKind::Repeat { items, .. } = &mut kind {
        items.clear();
    }
    kind
}

#[test]
fn every_supported_type_becomes_its_kind() {
    let form = observation();
    let expected = [
        ("started", ItemKind::Metadata { of: "start".into() }),
        ("today", ItemKind::Metadata { of: "today".into() }),
        ("teacher", ItemKind::Text),
        ("observed_on", ItemKind::Date),
        ("start_time", ItemKind::Time),
        ("recorded_at", ItemKind::DateTime),
        ("pupils", ItemKind::Integer),
        ("lesson_hours", ItemKind::Decimal),
        ("planning", ItemKind::Group { items: vec![] }),
        ("plan_quality", ItemKind::SelectOne { list: "quality".into() }),
        ("materials_used", ItemKind::SelectMultiple { list: "materials".into() }),
        ("engagement", ItemKind::Range { start: 0.0, end: 4.0, step: 1.0 }),
        ("thanks", ItemKind::Note),
        ("pupils_per_hour", ItemKind::Calculate),
        ("confirm", ItemKind::Acknowledge),
    ];
    for (name, want) in expected {
        assert_eq!(kind(&form, name), want, "{name}");
    }
    assert!(matches!(kind(&form, "learners"), ItemKind::Repeat { repeat_count: Some(_), .. }));
}

#[test]
fn settings_and_languages() {
    let form = observation();
    assert_eq!(form.form_id, "lesson_obs");
    assert_eq!(form.version, "2026.1");
    assert_eq!(form.title, "Lesson observation");
    assert_eq!(form.default_language, "en");
    assert_eq!(form.languages, vec!["en", "fr"]);
}

#[test]
fn labels_hints_and_messages_in_two_languages() {
    let form = observation();
    let teacher = form.item("teacher").unwrap();
    assert_eq!(teacher.label["en"], "Teacher's name");
    assert_eq!(teacher.label["fr"], "Nom de l'enseignant");
    assert_eq!(teacher.hint["fr"], "Comme sur le registre");
    assert_eq!(teacher.required, Condition::Always);
    let date = form.item("observed_on").unwrap();
    assert_eq!(date.required_message["fr"], "Indiquez la date de la leçon");
    assert_eq!(date.constraint_message["en"], "The lesson cannot be in the future");
    assert_eq!(date.constraint.as_ref().unwrap().source(), ". <= today()");
    let comment = form.item("comment").unwrap();
    assert!(matches!(&comment.read_only, Condition::When(e) if e.source() == "${confirm} = 'OK'"));
    assert_eq!(form.item("learner_count").unwrap().default.as_deref(), Some("2"));
    assert_eq!(form.item("plan_quality").unwrap().appearance.as_deref(), Some("minimal"));
}

#[test]
fn groups_and_repeats_nest_their_items() {
    let form = observation();
    let names = |name: &str| form.item(name).unwrap().children().iter().map(|i| i.name.clone()).collect::<Vec<_>>();
    assert_eq!(names("planning"), vec!["plan_quality", "materials_used", "materials_other"]);
    assert_eq!(names("learners"), vec!["age", "sex", "older"]);
    assert!(form.items.iter().any(|i| i.name == "mean_age"), "items after the repeat are back at the top");
    assert_eq!(form.item("planning").unwrap().relevant.as_ref().unwrap().source(), "${pupils} > 0");
}

#[test]
fn choices_keep_scores_labels_and_extra_columns() {
    let form = observation();
    let quality = form.choices("quality");
    assert_eq!(quality.iter().map(|c| c.score).collect::<Vec<_>>(), vec![Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
    assert_eq!(quality[2].label["fr"], "Bien");
    assert_eq!(form.choices("sexes")[0].score, None);
    assert_eq!(form.choices("districts")[2].extra["region"], "south");
    assert_eq!(form.item("engagement").unwrap().domain.as_deref(), Some("Engagement"));
    assert_eq!(form.item("questions_asked").unwrap().max_score, Some(10.0));
}

#[test]
fn a_form_round_trips_through_json() {
    let form = observation();
    let json = serde_json::to_string(&form).unwrap();
    let back: Form = serde_json::from_str(&json).unwrap();
    assert_eq!(back, form);
}

#[test]
fn untagged_labels_are_in_the_default_language_and_legacy_headers_are_read() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "label:french",
                    "bind:relevant",
                    "constraint message",
                    "read only",
                    "requiredMsg",
                    "required",
                ],
                vec!["  select one from yes_no ", "ok", "OK?", "D'accord ?", "", "", "", "", ""],
                vec!["int", "n", "How many?", "Combien ?", "${ok} = 'yes'", "too many", "false", "Say how many", "yes"],
                vec!["string", "s", "Say", "Dites", "", "", "true()", "", ""],
                vec!["trigger", "t", "Push", "Poussez", "", "", "", "", ""],
                vec!["dateTime", "dt", "When", "Quand", "", "", "", "", ""],
                vec!["select all that apply from yes_no", "m", "Which", "Lesquels", "", "", "", "", ""],
            ],
        ),
        ("choices", vec![vec!["list name", "name", "label"], vec!["yes_no", "yes", "Yes"], vec!["yes_no", "no", "No"]]),
        ("settings", vec![vec!["default_language"], vec!["english"]]),
        ("help-survey", vec![vec!["anything"], vec!["geopoint"]]),
    ]);
    let form = taken(&bytes);
    assert_eq!(form.languages, vec!["en", "fr"]);
    assert_eq!(form.item("ok").unwrap().label["en"], "OK?");
    assert_eq!(form.item("ok").unwrap().label["fr"], "D'accord ?");
    let n = form.item("n").unwrap();
    assert_eq!(n.kind, ItemKind::Integer);
    assert_eq!(n.relevant.as_ref().unwrap().source(), "${ok} = 'yes'");
    assert_eq!(n.constraint_message["en"], "too many");
    assert_eq!(n.required_message["en"], "Say how many");
    assert_eq!(n.read_only, Condition::Never);
    assert_eq!(form.item("s").unwrap().read_only, Condition::Always);
    assert_eq!(form.item("t").unwrap().kind, ItemKind::Acknowledge);
    assert_eq!(form.item("dt").unwrap().kind, ItemKind::DateTime);
    assert_eq!(form.item("m").unwrap().kind, ItemKind::SelectMultiple { list: "yes_no".into() });
    assert_eq!(form.form_id, "test", "the file name gives the id when the settings have none");
}

#[test]
fn numeric_and_boolean_cells_are_read_as_excel_shows_them() {
    let bytes = xlsx_cells(&[
        (
            "survey",
            vec![
                vec![Cell::T("type"), Cell::T("name"), Cell::T("label"), Cell::T("required")],
                vec![Cell::T("select_one scale"), Cell::T("rating"), Cell::N(1.0), Cell::B(true)],
            ],
        ),
        (
            "choices",
            vec![
                vec![Cell::T("list_name"), Cell::T("value"), Cell::T("label"), Cell::T("score")],
                vec![Cell::T("scale"), Cell::N(1.0), Cell::T("Low"), Cell::N(1.0)],
                vec![Cell::T("scale"), Cell::N(2.0), Cell::T("High"), Cell::N(2.5)],
            ],
        ),
        ("settings", vec![vec![Cell::T("form_id"), Cell::T("version")], vec![Cell::T("f"), Cell::N(20131219.0)]]),
    ]);
    let form = taken(&bytes);
    let rating = form.item("rating").unwrap();
    assert_eq!(rating.label["default"], "1");
    assert_eq!(rating.required, Condition::Always);
    assert_eq!(form.choices("scale").iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["1", "2"]);
    assert_eq!(form.choices("scale")[1].score, Some(2.5));
    assert_eq!(form.version, "20131219");
}

#[test]
fn the_types_of_odk_are_taken_and_the_others_reported_with_row_and_column() {
    let types = [
        ("geopoint", ItemKind::Geopoint),
        ("gps", ItemKind::Geopoint),
        ("geotrace", ItemKind::Geotrace),
        ("geoshape", ItemKind::Geoshape),
        ("image", ItemKind::Media { of: MediaKind::Image }),
        ("audio", ItemKind::Media { of: MediaKind::Audio }),
        ("video", ItemKind::Media { of: MediaKind::Video }),
        ("file", ItemKind::Media { of: MediaKind::File }),
        ("barcode", ItemKind::Barcode),
        ("select_one_from_file places.csv", ItemKind::SelectFromFile { file: "places.csv".into(), multiple: false }),
        (
            "select_multiple_from_file places.csv",
            ItemKind::SelectFromFile { file: "places.csv".into(), multiple: true },
        ),
        ("rank yn", ItemKind::Rank { list: "yn".into() }),
        ("hidden", ItemKind::Hidden),
        ("audit", ItemKind::Metadata { of: "audit".into() }),
        ("phone number", ItemKind::Metadata { of: "phonenumber".into() }),
        ("uri:deviceid", ItemKind::Metadata { of: "deviceid".into() }),
    ];
    let names: Vec<String> = (0..types.len()).map(|i| format!("q{i}")).collect();
    let rows: Vec<Vec<&str>> = types.iter().zip(&names).map(|((t, _), n)| vec![*t, n.as_str(), "label"]).collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let form = taken(&survey_only(&["type", "name", "label"], &rows));
    for ((raw, kind), name) in types.iter().zip(&names) {
        assert_eq!(&form.item(name).unwrap().kind, kind, "{raw}");
    }
    assert_eq!(form.attachments, vec!["places.csv"]);

    let refused = ["calculate_here", "comments", "include", "audio audit", "select_one"];
    let rows: Vec<Vec<&str>> = refused.iter().zip(&names).map(|(t, n)| vec![*t, n.as_str(), "label"]).collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let mut problems = rejected_problems(&survey_only(&["type", "name", "label"], &rows));
    problems.sort_by_key(|p| p.row);
    assert_eq!(problems.len(), refused.len());
    for (i, (p, t)) in problems.iter().zip(refused).enumerate() {
        assert_eq!(
            (p.row, p.column.as_deref(), p.code, p.value.as_deref()),
            (Some(i + 2), Some("survey!type"), "form-unsupported-type", Some(t))
        );
    }
}

#[test]
fn unsupported_functions_paths_appearances_and_columns_are_reported() {
    let header = &[
        "type",
        "name",
        "label",
        "relevant",
        "calculation",
        "appearance",
        "constraint",
        "image",
        "choice_filter",
        "body::accuracyThreshold",
        "parameters",
    ];
    let bytes = survey_only(
        header,
        &[
            &["text", "id", "ID", "", "", "", "", "", "", "", ""],
            &["calculate", "c1", "", "", "pulldata('hh', 'name', 'id', ${id})", "", "", "", "", "", ""],
            &["begin repeat", "r", "R", "", "", "", "", "", "", "", ""],
            &["text", "x", "X", "", "", "", "", "", "", "", ""],
            &["end repeat", "", "", "", "", "", "", "", "", "", ""],
            &["calculate", "c2", "", "", "indexed-repeat(${x}, ${r}, 1)", "", "", "", "", "", ""],
            &["text", "t1", "T", "/data/id != ''", "", "", "", "", "", "", ""],
            &["select_one yn", "s1", "S", "", "", "minimal search('hh')", "", "", "", "", ""],
            &["text", "t2", "T", "", "", "custom-clickable-svg", "", "", "", "", ""],
            &["integer", "t3", "T", "", "", "ex:org.app.Activity", "", "", "", "", ""],
            &["text", "t4", "T", "", "", "", "", "photo.jpg", "", "", ""],
            &["select_one yn", "s2", "S", "", "", "", "", "", "../id = name", "", ""],
            &["geopoint", "t5", "T", "", "", "", "", "", "", "30", ""],
            &["select_one yn or_other", "s3", "S", "", "", "", "", "", "", "", ""],
            &["text", "t6", "T", "", "concat(${id}, '!')", "", "", "", "", "", ""],
            &["image", "t7", "T", "", "", "", "", "", "", "", "max-pixels=1024"],
            &["text", "t8", "T", "", "", "", "jr:choice-name(., '${s1}') != ''", "", "", "", ""],
            &["calculate", "c3", "", "", "device-info() + duration() + pulldata('x')", "", "", "", "", "", ""],
        ],
    );
    // `/data/id` (row 8) and a calculation on a text question (row 16) are taken; a path
    // relative to the choice being filtered (row 13) is not.
    let problems = rejected(&bytes);
    assert_eq!(
        problems,
        vec![
            at(9, "survey!appearance", "form-unsupported-appearance"),
            at(10, "survey!appearance", "form-unsupported-appearance"),
            at(13, "survey!choice_filter", "form-unsupported-path"),
            at(19, "survey!calculation", "form-unsupported-function"),
            at(19, "survey!calculation", "form-unsupported-function"),
            at(19, "survey!calculation", "form-bad-arguments"),
        ]
    );
    let all = rejected_problems(&bytes);
    assert_eq!(all[3].args, vec![("function", "device-info".to_string())]);
    assert_eq!(all[4].args, vec![("function", "duration".to_string())]);
    assert_eq!(all[5].args, vec![("function", "pulldata".to_string())]);
    assert_eq!(all[5].value.as_deref(), Some("device-info() + duration() + pulldata('x')"));
}

#[test]
fn media_attributes_parameters_and_or_other_are_kept() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "media::image::French (fr)",
                    "audio",
                    "body::accuracyThreshold",
                    "parameters",
                ],
                vec!["geopoint", "where", "Where?", "", "", "5", "capture-accuracy=10"],
                vec!["select_one yn or_other", "pick", "Pick", "pick.png", "pick.mp3", "", ""],
                vec!["text", "after", "After ${pick_other}", "", "", "", ""],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "image"],
                vec!["yn", "yes", "Yes", "yes.png"],
                vec!["yn", "no", "No", ""],
            ],
        ),
    ]);
    let form = taken(&bytes);
    let place = form.item("where").unwrap();
    assert_eq!(place.attributes["body::accuracyThreshold"], "5");
    assert_eq!(place.parameters["capture-accuracy"], "10", "the parameters column wins over the attribute");
    let pick = form.item("pick").unwrap();
    assert!(pick.or_other);
    assert_eq!(pick.media["image"]["fr"], "pick.png");
    assert_eq!(pick.media["audio"]["default"], "pick.mp3");
    let ItemKind::SelectOne { list } = &pick.kind else { panic!("{:?}", pick.kind) };
    let names: Vec<&str> = form.choices(list).iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["yes", "no", "other"]);
    assert_eq!(form.choices("yn").len(), 2, "the list itself is unchanged");
    let other = form.item("pick_other").unwrap();
    assert_eq!(other.relevant.as_ref().unwrap().source(), "selected(${pick}, 'other')");
    assert_eq!(form.attachments, vec!["yes.png", "pick.png", "pick.mp3"]);
    assert!(validate(&form, &json!({"pick": "other", "pick_other": "maybe"}), &ctx()).is_ok());
    let problems = validate(&form, &json!({"pick": "yes", "pick_other": "maybe"}), &ctx()).unwrap_err();
    assert_eq!(problems[0].code, "form-not-relevant");
}

#[test]
fn loops_are_asked_once_per_choice() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label"],
                vec!["begin loop over toilet_type", "loop", "Toilets"],
                vec!["integer", "number", "How many %(label)s?"],
                vec!["end loop", "", ""],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["toilet_type", "pit", "Pit"],
                vec!["toilet_type", "flush", "Flush"],
            ],
        ),
    ]);
    let form = taken(&bytes);
    assert_eq!(form.item("loop_pit").unwrap().label["default"], "Pit");
    assert_eq!(form.item("loop_flush_number").unwrap().label["default"], "How many Flush?");
    assert!(validate(&form, &json!({"loop_pit_number": 2, "loop_flush_number": 0}), &ctx()).is_ok());
}

#[test]
fn rows_are_reported_whole_and_disabled_rows_left_out() {
    let bytes = survey_only(
        &["type", "name", "label", "disabled", "relevant"],
        &[
            &["text", "a", "A", "", ""],
            &["", "", "A label without type or name", "", ""],
            &["text", "old", "Old", "yes", ""],
            &["begin group", "g", "G", "yes", ""],
            &["text", "inside", "Inside", "", ""],
            &["end group", "", "", "", ""],
            &["note", "", "A note without a name", "", ""],
        ],
    );
    assert_eq!(rejected(&bytes), vec![at(3, "survey!type", "required")]);
    assert_eq!(rejected_problems(&bytes)[0].value.as_deref(), Some("A label without type or name"));
    let bytes = survey_only(
        &["type", "name", "label", "disabled"],
        &[&["text", "a", "A", ""], &["text", "old", "Old", "yes"], &["note", "", "A note", ""]],
    );
    let form = taken(&bytes);
    assert!(form.item("old").is_none(), "a disabled row is not a question");
    assert!(form.item("generated_note_name_4").is_some(), "a note without a name is named after its row");
}

#[test]
fn broken_expressions_say_where() {
    let bytes = survey_only(
        &["type", "name", "label", "constraint", "relevant"],
        &[
            &["integer", "a", "A", ". > 1 and", ""],
            &["integer", "b", "B", "", "(${a} > 1"],
            &["integer", "c", "C", "regex(., '[0-9')", ""],
            &["integer", "d", "D", "selected(.)", ""],
        ],
    );
    let problems = rejected_problems(&bytes);
    let summary: Vec<_> = problems.iter().map(|p| (p.row, p.column.clone().unwrap(), p.code, p.args.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (Some(2), "survey!constraint".into(), "form-bad-expression", vec![("position", "10".into())]),
            (Some(3), "survey!relevant".into(), "form-bad-expression", vec![("position", "10".into())]),
            (Some(4), "survey!constraint".into(), "form-bad-pattern", vec![("pattern", "[0-9".into())]),
            (Some(5), "survey!constraint".into(), "form-bad-arguments", vec![("function", "selected".into())]),
        ]
    );
    assert_eq!(
        problems[0].located("en"),
        "row 2, column survey!constraint: . > 1 and is not a valid expression (the problem at character 10)"
            .replace("the problem at", "the problem is at")
    );
    assert!(problems[0].located("fr").contains("caractère 10"), "{}", problems[0].located("fr"));
}

#[test]
fn structural_errors_are_all_collected() {
    let bytes = survey_only(
        &["type", "name", "label", "relevant"],
        &[
            &["text", "a", "A", ""],
            &["text", "a", "A again", ""],
            &["select_one missing_list", "b", "B", ""],
            &["text", "c", "C", "${nowhere} = 1"],
            &["note", "d", "Hello ${ghost}", ""],
            &["begin group", "g", "G", ""],
            &["end repeat", "", "", ""],
            &["end group", "", "", ""],
            &["end group", "", "", ""],
            &["text", "1bad", "Bad name", ""],
            &["integer", "", "No name", ""],
            &["", "orphan", "No type", ""],
            &["begin repeat", "r", "R", ""],
            &["text", "e", "E", ""],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(3, "survey!name", "form-duplicate-name"),
            at(4, "survey!type", "form-missing-choices"),
            at(5, "survey!relevant", "form-unknown-reference"),
            at(6, "survey!label", "form-unknown-reference"),
            at(8, "survey!type", "form-mismatched-end"),
            at(10, "survey!type", "form-unexpected-end"),
            at(11, "survey!name", "form-bad-name"),
            at(12, "survey!name", "required"),
            at(13, "survey!type", "required"),
            at(14, "survey!type", "form-unclosed-group"),
        ]
    );
}

#[test]
fn missing_sheets_and_columns() {
    let no_survey = xlsx(&[("choices", vec![vec!["list_name", "name"], vec!["a", "b"]])]);
    let problems = rejected_problems(&no_survey);
    assert_eq!((problems[0].code, problems[0].value.as_deref()), ("form-missing-sheet", Some("survey")));

    let no_type = xlsx(&[("survey", vec![vec!["kind", "name"], vec!["text", "a"]])]);
    assert_eq!(rejected(&no_type), vec![at(1, "survey!type", "missing-column")]);
    let no_name = xlsx(&[("survey", vec![vec!["type", "label"], vec!["text", "a"]])]);
    assert_eq!(rejected(&no_name), vec![at(1, "survey!name", "missing-column")]);

    let no_choices = xlsx(&[("survey", vec![vec!["type", "name"], vec!["select_one yn", "a"]])]);
    let problems = rejected_problems(&no_choices);
    assert_eq!(
        (problems[0].row, problems[0].code, problems[0].value.as_deref()),
        (Some(2), "form-missing-sheet", Some("choices"))
    );

    let doubled = xlsx(&[("survey", vec![vec!["type", "name", "relevant", "relevance"], vec!["text", "a", "", ""]])]);
    assert_eq!(rejected(&doubled), vec![at(1, "survey!relevance", "duplicate-column")]);

    assert_eq!(parse_xlsform("form.csv", b"type,name").unwrap_err()[0].code, "form-not-a-workbook");
    assert_eq!(parse_xlsform("form.xlsx", b"").unwrap_err()[0].code, "empty-file");
    assert_eq!(parse_xlsform("form.xlsx", b"not a zip at all").unwrap_err()[0].code, "form-unreadable");
}

#[test]
fn choices_problems() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "choice_filter"],
                vec!["select_one l", "a", ""],
                vec!["select_one l", "b", "zone = 'x'"],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "score", "audio"],
                vec!["l", "x", "X", "one", ""],
                vec!["l", "x", "X again", "", ""],
                vec!["l", "", "no name", "", ""],
                vec!["l", "y", "Y", "", "y.mp3"],
            ],
        ),
    ]);
    assert_eq!(
        rejected(&bytes),
        vec![
            at(2, "choices!score", "bad-number"),
            at(3, "choices!name", "form-duplicate-choice"),
            at(4, "choices!name", "required"),
        ]
    );
}

#[test]
fn duplicate_choices_are_allowed_when_the_settings_say_so() {
    let survey = vec![vec!["type", "name"], vec!["select_one l", "a"]];
    let choices = vec![vec!["list_name", "name", "label"], vec!["l", "x", "X"], vec!["l", "x", "X again"]];
    let settings = vec![vec!["allow_choice_duplicates"], vec!["yes"]];
    taken(&xlsx(&[("survey", survey), ("choices", choices), ("settings", settings)]));
}

#[test]
fn scoring_columns_are_checked() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "domain", "max_score", "parameters"],
                vec!["text", "a", "Planning", "", ""],
                vec!["integer", "b", "Planning", "", ""],
                vec!["select_one plain", "c", "Planning", "", ""],
                vec!["text", "d", "", "5", ""],
                vec!["decimal", "e", "Planning", "zero", ""],
                vec!["range", "f", "", "", "start=5 end=1"],
            ],
        ),
        ("choices", vec![vec!["list_name", "name", "score"], vec!["plain", "x", ""]]),
    ]);
    assert_eq!(
        rejected(&bytes),
        vec![
            at(2, "survey!domain", "form-not-scorable"),
            at(3, "survey!domain", "form-missing-max-score"),
            at(4, "survey!domain", "form-no-scores"),
            at(5, "survey!max_score", "form-not-scorable"),
            at(6, "survey!max_score", "bad-number"),
            at(7, "survey!parameters", "form-bad-parameters"),
        ]
    );
}

#[test]
fn add_none_option_gives_each_select_multiple_a_none_choice_chosen_alone() {
    let workbook = |setting: &str| {
        xlsx(&[
            (
                "survey",
                vec![
                    vec!["type", "name", "constraint"],
                    vec!["select_multiple fruit", "liked", "count-selected(.) < 3"],
                    vec!["begin repeat", "meals", ""],
                    vec!["select_multiple drink", "drunk", ""],
                    vec!["end repeat", "", ""],
                    vec!["select_one size", "size", ""],
                ],
            ),
            (
                "choices",
                vec![
                    vec!["list_name", "name", "label"],
                    vec!["fruit", "mango", "Mango"],
                    vec!["fruit", "pear", "Pear"],
                    vec!["drink", "tea", "Tea"],
                    vec!["drink", "none", "Nothing"],
                    vec!["size", "big", "Big"],
                ],
            ),
            (
                "settings",
                vec![vec!["form_id", "add_none_option", "submission_url"], vec!["f", setting, "https://example.org"]],
            ),
        ])
    };
    let form = taken(&workbook("yes"));
    let names = |list: &str| form.choices(list).iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(names("fruit"), ["mango", "pear", "none"]);
    assert_eq!(form.choices("fruit")[2].label.get("default").map(String::as_str), Some("None"));
    assert_eq!(names("drink"), ["tea", "none"], "a list with its own none keeps it");
    assert_eq!(names("size"), ["big"], "only the lists of select_multiple questions");
    let liked = form.item("liked").unwrap();
    assert_eq!(
        liked.constraint.as_ref().map(|c| c.source()),
        Some("count-selected(.) < 3 and (.='none' or not(selected(., 'none')))")
    );
    assert!(validate(&form, &json!({"liked": "none", "meals": [{"drunk": "none"}]}), &ctx()).is_ok());
    let problems = validate(&form, &json!({"liked": "mango none", "meals": [{"drunk": "tea none"}]}), &ctx())
        .unwrap_err()
        .into_iter()
        .map(|p| (p.column.unwrap_or_default(), p.code))
        .collect::<Vec<_>>();
    assert_eq!(problems, [("liked".to_string(), "form-constraint"), ("meals[1].drunk".to_string(), "form-constraint")]);
    let form = taken(&workbook("no"));
    assert_eq!(form.choices("fruit").len(), 2);
    assert!(form.item("liked").unwrap().constraint.as_ref().is_some_and(|c| c.source() == "count-selected(.) < 3"));
}

#[test]
fn paths_name_questions_from_where_they_are_written() {
    let header = &["type", "name", "relevant", "calculation", "choice_filter", "constraint"];
    let rows: Vec<Vec<&str>> = vec![
        header.to_vec(),
        vec!["integer", "age", "", "", "", ""],
        vec!["begin group", "home", "/survey/age > 1", "", "", ""],
        vec!["select_one region", "region", "", "", "", ""],
        vec!["begin repeat", "people", "", "", "", ""],
        vec!["integer", "years", "../../../age > 0", "", "", ". <= /survey/age"],
        vec!["select_one district", "district", "", "", "region = current()/../../region", ""],
        vec!["text", "note", "", "concat(../years, /f/age)", "", ""],
        vec!["end repeat", "", "", "", "", ""],
        vec!["end group", "", "", "", "", ""],
        vec!["calculate", "n", "", "count(/survey/home/people)", "", ""],
        vec!["text", "bad1", "/data/age > 1", "", "", ""],
        vec!["text", "bad2", "", "../nowhere", "", ""],
        vec!["text", "bad3", "", "", "", "../../age"],
        vec!["text", "bad4", "/survey/people/years", "", "", ""],
        vec!["select_one district", "bad5", "", "", "region = current()/../missing", ""],
    ];
    let choices = vec![vec!["list_name", "name", "region"], vec!["region", "n", ""], vec!["district", "n1", "n"]];
    let settings = vec![vec!["form_id", "name"], vec!["f", "survey"]];
    let bytes = xlsx(&[("survey", rows.clone()), ("choices", choices.clone()), ("settings", settings)]);
    assert_eq!(
        rejected(&bytes),
        vec![
            at(12, "survey!relevant", "form-unknown-path"),
            at(13, "survey!calculation", "form-unknown-path"),
            at(14, "survey!constraint", "form-unknown-path"),
            at(15, "survey!relevant", "form-unknown-path"),
            at(16, "survey!choice_filter", "form-unknown-path"),
        ]
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].value.as_deref(), Some("/data/age > 1"));
    assert_eq!(problems[0].args, vec![("path", "/data/age".to_string()), ("root", "survey".to_string())]);
    assert_eq!(problems[1].args[0], ("path", "../nowhere".to_string()));
    assert_eq!(problems[4].args[0], ("path", "../missing".to_string()));

    // Without a `name` setting the root is `data`, or the form id.
    let unnamed =
        xlsx(&[("survey", rows[..11].to_vec()), ("choices", choices), ("settings", vec![vec!["form_id"], vec!["f"]])]);
    assert_eq!(
        rejected(&unnamed),
        vec![
            at(3, "survey!relevant", "form-unknown-path"),
            at(6, "survey!constraint", "form-unknown-path"),
            at(11, "survey!calculation", "form-unknown-path"),
        ]
    );
}

#[test]
fn a_calculate_needs_its_calculation_and_a_form_needs_questions() {
    let bytes = xlsx(&[("survey", vec![vec!["type", "name"], vec!["calculate", "total"]])]);
    assert_eq!(rejected(&bytes), vec![at(2, "survey!calculation", "required")]);
    let empty =
        xlsx(&[("survey", vec![vec!["type", "name", "label", "notes"], vec!["", "", "", "a note to the author"]])]);
    let problems = rejected_problems(&empty);
    assert_eq!((problems[0].code, problems[0].row), ("form-no-questions", None));
}

#[test]
fn defaults_must_be_valid_answers() {
    let bytes = survey_only(
        &["type", "name", "default"],
        &[
            &["integer", "a", "2"],
            &["integer", "b", "two"],
            &["date", "c", "2010-06-15"],
            &["date", "d", "15/06/2010"],
            &["select_one yn", "e", "maybe"],
            &["select_multiple yn", "f", "yes no"],
            &["note", "g", "hello"],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(3, "survey!default", "form-bad-default"),
            at(5, "survey!default", "form-bad-default"),
            at(6, "survey!default", "form-bad-default"),
            at(8, "survey!default", "form-bad-default")
        ]
    );
}

#[test]
fn an_xlsform_with_a_cell_in_the_last_column_is_refused_naming_the_sheet() {
    // The reader stops at the far cell instead of building a 16,384-column grid (#16).
    let mut book = rust_xlsxwriter::Workbook::new();
    let survey = book.add_worksheet();
    survey.set_name("survey").unwrap();
    survey.write_string(0, 0, "type").unwrap();
    survey.write_string(0, 1, "name").unwrap();
    survey.write_string(1, 0, "text").unwrap();
    survey.write_string(1, 1, "a").unwrap();
    survey.write_string(1_048_575, 16_383, "far").unwrap();
    let problems = parse_xlsform("form.xlsx", &book.save_to_buffer().unwrap()).unwrap_err();
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!((p.code, p.row, p.value.as_deref()), ("sheet-too-many-columns", Some(1_048_576), Some("XFD")));
    assert_eq!(p.args[0], ("sheet", "survey".to_string()));
}

#[test]
fn an_xlsform_with_more_rows_than_a_form_has_is_refused() {
    let mut rows = vec![vec!["type".to_string(), "name".to_string()]];
    rows.extend((0..20_000).map(|i| vec!["text".to_string(), format!("q{i}")]));
    let bytes = opencpd_transfer::write_workbook(&[("survey", rows)]).unwrap();
    let problems = parse_xlsform("form.xlsx", &bytes).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].code, problems[0].row), ("sheet-too-many-rows", Some(20_001)));
    assert_eq!(problems[0].args, vec![("sheet", "survey".to_string()), ("max", "20000".to_string())]);
}

#[test]
fn a_calculation_that_depends_on_itself_is_refused() {
    let bytes = survey_only(
        &["type", "name", "calculation"],
        &[
            &["calculate", "a", "${b} + 1"],
            &["calculate", "b", "${a} * 2"],
            &["calculate", "c", "${c} + 1"],
            &["calculate", "d", "${a} + 1"],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(2, "survey!calculation", "form-calculation-cycle"),
            at(3, "survey!calculation", "form-calculation-cycle"),
            at(4, "survey!calculation", "form-calculation-cycle"),
        ]
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].args, vec![("names", "a → b → a".to_string())]);
    assert_eq!(problems[2].args, vec![("names", "c → c".to_string())]);
}

#[test]
fn a_calculation_on_a_question_is_taken_and_its_value_sent_or_computed() {
    let bytes = survey_only(
        &["type", "name", "calculation", "constraint"],
        &[
            &["integer", "n", "", ""],
            &["integer", "double", "${n} * 2 + 0.5", ". < 100"],
            &["text", "said", "concat('n=', /data/n)", ""],
            &["note", "shown", "${n}", ""],
        ],
    );
    let form = taken(&bytes);
    assert_eq!(form.item("double").unwrap().calculation.as_ref().map(|c| c.source()), Some("${n} * 2 + 0.5"));
    let done = validate(&form, &json!({"n": 3}), &ctx()).unwrap();
    assert_eq!(done.get("double"), Some(&opencpd_forms::Answer::Integer(6)), "computed where none was sent");
    assert_eq!(done.get("said"), Some(&opencpd_forms::Answer::Text("n=3".into())));
    let done = validate(&form, &json!({"n": 3, "double": 7, "said": "hi"}), &ctx()).unwrap();
    assert_eq!(done.get("double"), Some(&opencpd_forms::Answer::Integer(7)), "the value sent is taken");
    let problems: Vec<_> = validate(&form, &json!({"n": 3, "double": "x", "said": "hi"}), &ctx())
        .unwrap_err()
        .into_iter()
        .chain(validate(&form, &json!({"n": 3, "double": 150}), &ctx()).unwrap_err())
        .map(|p| (p.column.unwrap_or_default(), p.code))
        .collect();
    assert_eq!(
        problems,
        [("double".to_string(), "form-bad-integer"), ("double".to_string(), "form-constraint")],
        "the type and the constraint are checked"
    );
    let group = survey_only(
        &["type", "name", "calculation"],
        &[&["begin group", "g", "1"], &["text", "t", ""], &["end group", "", ""]],
    );
    assert_eq!(rejected(&group), vec![at(2, "survey!calculation", "form-unsupported-column")]);
}

#[test]
fn attribute_columns_are_kept_as_written_and_those_odk_collect_acts_on_are_honoured() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec![
                    "type",
                    "name",
                    "label",
                    "appearance",
                    "bind::saveIncomplete",
                    "bind::odk:length",
                    "instance::odk:saveIncomplete",
                    "compact_tag",
                    "bind::orx:max-pixels",
                    "body::accuracyThreshold",
                    "body::unacceptableAccuracyThreshold",
                    "bind::jr:constraintMsg::French (fr)",
                    "bind::jr:requiredMsg",
                    "noAppErrorString",
                    "bind::jr:noAppErrorString::French (fr)",
                    "bind::oc:itemgroup",
                    "constraint",
                ],
                vec![
                    "text",
                    "name",
                    "Name",
                    "",
                    "true()",
                    "40",
                    "true()",
                    "n",
                    "",
                    "",
                    "",
                    "Trop long",
                    "Say it",
                    "",
                    "",
                    "",
                    "string-length(.) < 100",
                ],
                vec!["image", "photo", "Photo", "", "", "", "", "", "1024", "", "", "", "", "", "", "", ""],
                vec!["geopoint", "where", "Where", "", "", "", "", "", "", "5", "20", "", "", "", "", "", ""],
                vec![
                    "integer",
                    "scale",
                    "Weight",
                    "ex:org.example.Scale",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "No scale app",
                    "Pas d'application",
                    "",
                    "",
                ],
            ],
        ),
        ("settings", vec![vec!["form_id", "namespaces"], vec!["f", r#"oc="http://openclinica.org/xforms""#]]),
    ]);
    let form = taken(&bytes);
    let name = form.item("name").unwrap();
    let kept: Vec<(&str, &str)> = name.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        kept,
        [
            ("bind::odk:length", "40"),
            ("bind::saveIncomplete", "true()"),
            ("instance::odk:saveIncomplete", "true()"),
            ("instance::odk:tag", "n"),
        ],
        "kept under the names pyxform writes, their case as written"
    );
    assert_eq!(name.constraint_message["fr"], "Trop long", "bind::jr:constraintMsg is the constraint message");
    assert_eq!(name.required_message["default"], "Say it");
    assert!(
        validate(&form, &json!({"name": "x".repeat(80)}), &ctx()).is_ok(),
        "odk:length sizes ODK Aggregate's database column; Collect and OpenCPD set no limit by it"
    );
    assert_eq!(form.item("photo").unwrap().parameters["max-pixels"], "1024", "orx:max-pixels resizes the photo");
    let place = form.item("where").unwrap();
    assert_eq!(place.parameters["capture-accuracy"], "5");
    assert_eq!(place.parameters["warning-accuracy"], "20");
    let scale = form.item("scale").unwrap();
    assert_eq!(scale.no_app_message["default"], "No scale app");
    assert_eq!(scale.no_app_message["fr"], "Pas d'application");
    let json = serde_json::to_value(&form).unwrap();
    assert_eq!(json["items"][3]["no_app_message"]["fr"], "Pas d'application", "the field app reads it");
}

#[test]
fn an_attribute_in_an_undeclared_namespace_is_refused_at_its_first_row_and_column() {
    let workbook = |namespaces: &str| {
        xlsx(&[
            (
                "survey",
                vec![
                    vec!["type", "name", "label", "bind::oc:itemgroup", "instance::esri:fieldType", "body::naf:x"],
                    vec!["text", "a", "A", "", "", ""],
                    vec!["text", "b", "B", "group1", "", ""],
                    vec!["text", "c", "C", "group2", "esriFieldTypeString", ""],
                ],
            ),
            ("settings", vec![vec!["form_id", "namespaces"], vec!["f", namespaces]]),
        ])
    };
    let bytes = workbook("");
    assert_eq!(
        rejected(&bytes),
        vec![
            at(3, "survey!bind::oc:itemgroup", "form-unknown-namespace"),
            at(4, "survey!instance::esri:fieldType", "form-unknown-namespace"),
        ],
        "each column once, where it first gives a value; an empty column writes nothing"
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].value.as_deref(), Some("group1"));
    assert!(problems[0].message("en").contains("oc"), "{}", problems[0].message("en"));
    assert!(problems[0].message("fr").contains("espace de noms oc"), "{}", problems[0].message("fr"));
    let declared = workbook(r#"oc="http://openclinica.org/xforms" esri='http://esri.com/xforms'"#);
    let form = taken(&declared);
    assert_eq!(form.item("c").unwrap().attributes["instance::esri:fieldType"], "esriFieldTypeString");
    let only_oc = workbook(r#"oc="http://openclinica.org/xforms""#);
    assert_eq!(rejected(&only_oc), vec![at(4, "survey!instance::esri:fieldType", "form-unknown-namespace")]);
}

#[test]
fn an_attribute_odk_collect_reads_as_a_number_must_be_one() {
    let bytes = survey_only(
        &["type", "name", "bind::orx:max-pixels", "body::accuracyThreshold"],
        &[
            &["image", "p1", "big", ""],
            &["image", "p2", "-5", ""],
            &["image", "p3", "1024.5", ""],
            &["geopoint", "g1", "", "close"],
            &["geopoint", "g2", "", "2.5"],
            &["image", "p4", "640", ""],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(2, "survey!bind::orx:max-pixels", "form-bad-attribute"),
            at(3, "survey!bind::orx:max-pixels", "form-bad-attribute"),
            at(4, "survey!bind::orx:max-pixels", "form-bad-attribute"),
            at(5, "survey!body::accuracyThreshold", "form-bad-attribute"),
        ]
    );
}

#[test]
fn paths_inside_a_loop_are_checked_and_point_at_each_copy() {
    let rows: Vec<Vec<&str>> = vec![
        vec!["type", "name", "label", "relevant", "constraint", "calculation"],
        vec!["select_multiple toilet", "available", "Which?", "", "", ""],
        vec!["begin loop over toilet", "loop", "", "", "", ""],
        vec!["integer", "number", "How many %(label)s?", "selected(${available}, '%(name)s')", "", ""],
        vec!["integer", "working", "Working", "../number > 0", ". <= ../number", ""],
        vec!["end loop", "", "", "", "", ""],
        vec!["calculate", "total", "", "", "", "/data/loop/pit/number + /data/loop/flush/number"],
    ];
    let choices =
        vec![vec!["list_name", "name", "label"], vec!["toilet", "pit", "Pit"], vec!["toilet", "flush", "Flush"]];
    let form = taken(&xlsx(&[("survey", rows.clone()), ("choices", choices.clone())]));
    let relevant = |name: &str| form.item(name).unwrap().relevant.as_ref().unwrap().source().to_string();
    assert_eq!(relevant("loop_pit_number"), "selected(${available}, 'pit')", "%(name)s in expressions too");
    assert_eq!(relevant("loop_flush_working"), "../loop_flush_number > 0");
    assert_eq!(
        form.item("total").unwrap().calculation.as_ref().unwrap().source(),
        "/data/loop/loop_pit/loop_pit_number + /data/loop/loop_flush/loop_flush_number",
        "pyxform's path into a loop names OpenCPD's copy"
    );
    let answers =
        json!({"available": "pit flush", "loop_pit_number": 3, "loop_pit_working": 2, "loop_flush_number": 1});
    let done = validate(&form, &answers, &ctx()).unwrap();
    assert_eq!(done.get("total"), Some(&opencpd_forms::Answer::Calculated("4".into())));
    let problems = validate(&form, &json!({"available": "pit", "loop_pit_number": 3, "loop_pit_working": 5}), &ctx())
        .unwrap_err()
        .into_iter()
        .map(|p| (p.column.unwrap_or_default(), p.code))
        .collect::<Vec<_>>();
    assert_eq!(problems, [("loop_pit_working".to_string(), "form-constraint")]);
    let problems = validate(&form, &json!({"available": "pit", "loop_flush_number": 2}), &ctx()).unwrap_err();
    assert_eq!((problems[0].column.as_deref(), problems[0].code), (Some("loop_flush_number"), "form-not-relevant"));

    // A path inside the loop that leads nowhere is reported once, at its row and column.
    let mut bad = rows.clone();
    bad.insert(5, vec!["text", "remark", "Remark", "../nowhere = 1", "", ""]);
    bad.insert(6, vec!["text", "other", "Other", "", "", "/data/loop/septic/number"]);
    let bytes = xlsx(&[("survey", bad), ("choices", choices)]);
    assert_eq!(
        rejected(&bytes),
        vec![at(6, "survey!relevant", "form-unknown-path"), at(7, "survey!calculation", "form-unknown-path")]
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].args[0], ("path", "../nowhere".to_string()));
    assert_eq!(problems[1].args[0], ("path", "/data/loop/septic/number".to_string()));
}

#[test]
fn a_calculation_that_reads_itself_through_a_path_is_refused() {
    let bytes = survey_only(
        &["type", "name", "calculation"],
        &[
            &["calculate", "a", "../a + 1"],
            &["calculate", "b", "/data/b * 2"],
            &["begin group", "g", ""],
            &["calculate", "c", "current()/../c"],
            &["calculate", "d", "../../e"],
            &["end group", "", ""],
            &["calculate", "e", "${d} + 1"],
            &["integer", "f", "../a"],
            &["calculate", "h", "../f + /data/g/c"],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(2, "survey!calculation", "form-calculation-cycle"),
            at(3, "survey!calculation", "form-calculation-cycle"),
            at(5, "survey!calculation", "form-calculation-cycle"),
            at(6, "survey!calculation", "form-calculation-cycle"),
            at(8, "survey!calculation", "form-calculation-cycle"),
        ],
        "reading a question caught in a cycle (f, h) is no cycle of one's own"
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].args, vec![("names", "a → a".to_string())]);
    assert_eq!(problems[3].args, vec![("names", "d → e → d".to_string())]);
}

#[test]
fn add_none_option_reaches_a_select_multiple_from_file_when_its_file_is_read() {
    let workbook = |setting: &str| {
        xlsx(&[
            (
                "survey",
                vec![
                    vec!["type", "name", "label"],
                    vec!["select_multiple_from_file villages.csv", "visited", "Visited"],
                    vec!["select_one_from_file villages.csv", "home", "Home"],
                ],
            ),
            ("settings", vec![vec!["form_id", "add_none_option"], vec!["f", setting]]),
        ])
    };
    let csv = b"name,label\nkigali,Kigali\nhuye,Huye\n";
    let mut form = taken(&workbook("yes"));
    form.load_file("villages.csv", csv).unwrap();
    let names = |form: &opencpd_forms::Form, q: &str| {
        form.file_choices(q).unwrap().iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&form, "visited"), ["kigali", "huye", "none"]);
    assert_eq!(form.file_choices("visited").unwrap()[2].label["default"], "None");
    assert_eq!(names(&form, "home"), ["kigali", "huye"], "only the select_multiple");
    assert!(validate(&form, &json!({"visited": "none", "home": "huye"}), &ctx()).is_ok());
    let problems = validate(&form, &json!({"visited": "kigali none"}), &ctx()).unwrap_err();
    assert_eq!((problems[0].column.as_deref(), problems[0].code), (Some("visited"), "form-constraint"));
    let stored: opencpd_forms::Form = serde_json::from_str(&serde_json::to_string(&form).unwrap()).unwrap();
    assert!(stored.add_none_option, "kept with the form, for files uploaded later");

    let mut form = taken(&workbook("no"));
    form.load_file("villages.csv", csv).unwrap();
    assert_eq!(names(&form, "visited"), ["kigali", "huye"]);
    assert!(validate(&form, &json!({"visited": "none"}), &ctx()).is_err());
}

#[test]
fn a_trigger_sets_a_value_when_its_question_changes_and_the_value_is_kept_not_followed() {
    let bytes = survey_only(
        &["type", "name", "label", "calculation", "trigger"],
        &[
            &["text", "a", "A", "", ""],
            &["integer", "n", "N", "", ""],
            &["dateTime", "a_at", "", "now()", "${a}"],
            &["integer", "doubled", "Doubled", "${n} * 2", " , ${a},, ${ n } "],
            &["calculate", "stamp", "", "concat('n=', ${n})", "${a}"],
            &["begin group", "g", "G", "", "${a}"],
            &["text", "cleared", "Cleared", "", "${n}"],
            &["end group", "", "", "", ""],
        ],
    );
    let form = taken(&bytes);
    assert_eq!(form.item("doubled").unwrap().trigger, ["a", "n"], "commas and spaces as pyxform takes them");
    assert!(!form.item("a_at").unwrap().is_shown(), "triggered without a label or hint: kept, not shown");
    assert!(form.item("doubled").unwrap().is_shown());
    assert!(form.item("a_at").unwrap().attributes.is_empty(), "the trigger is read, not kept as an attribute");
    let json = serde_json::to_value(&form).unwrap();
    assert_eq!(json["items"][2]["trigger"], json!(["a"]), "the field app reads it");

    let done = validate(&form, &json!({"n": 5}), &ctx()).unwrap();
    assert_eq!(
        (done.get("a_at"), done.get("stamp")),
        (None, None),
        "never triggered: nothing set, though the calculations could be computed"
    );
    let sent =
        json!({"a": "x", "n": 5, "a_at": "2026-03-01T08:00:00", "doubled": 4, "stamp": "n=2", "cleared": "kept"});
    let done = validate(&form, &sent, &ctx()).unwrap();
    let at_eight = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(8, 0, 0).unwrap();
    assert_eq!(done.get("a_at"), Some(&opencpd_forms::Answer::DateTime(at_eight)), "the moment the device set");
    assert_eq!(done.get("doubled"), Some(&opencpd_forms::Answer::Integer(4)), "not recomputed from n = 5");
    assert_eq!(done.get("stamp"), Some(&opencpd_forms::Answer::Calculated("n=2".into())), "a calculate's value kept");
    assert_eq!(done.get("cleared"), Some(&opencpd_forms::Answer::Text("kept".into())));

    let done = validate(&form, &json!({"a": "x", "n": 5}), &ctx()).unwrap();
    assert_eq!(done.get("a_at"), Some(&opencpd_forms::Answer::DateTime(ctx().now)), "triggered, none sent: computed");
    assert_eq!(done.get("doubled"), Some(&opencpd_forms::Answer::Integer(10)));
    assert_eq!(done.get("stamp"), Some(&opencpd_forms::Answer::Calculated("n=5".into())));
    assert_eq!(done.get("cleared"), None, "no calculation: the trigger empties it");

    let problems = validate(&form, &json!({"a": "x", "a_at": "soon"}), &ctx()).unwrap_err();
    assert_eq!(
        problems.iter().map(|p| (p.column.as_deref().unwrap_or(""), p.code)).collect::<Vec<_>>(),
        [("a_at", "form-bad-datetime")],
        "a value sent is checked like any answer"
    );
}

#[test]
fn a_trigger_names_questions_the_respondent_sees_each_problem_at_its_row_and_column() {
    let bytes = survey_only(
        &["type", "name", "label", "calculation", "trigger"],
        &[
            &["text", "a", "A", "", ""],
            &["calculate", "c", "", "1 + 1", ""],
            &["integer", "hid", "", "2", ""],
            &["dateTime", "t1", "", "now()", "${b}"],
            &["dateTime", "t2", "", "now()", "6"],
            &["dateTime", "t3", "", "now()", "${a}${a}"],
            &["dateTime", "t4", "", "now()", "${c}"],
            &["dateTime", "t5", "", "now()", "${a}, ${hid}"],
            &["begin group", "g", "G", "", ""],
            &["text", "inside", "Inside", "", ""],
            &["end group", "", "", "", ""],
            &["dateTime", "t6", "", "now()", "${g}"],
        ],
    );
    assert_eq!(
        rejected(&bytes),
        vec![
            at(5, "survey!trigger", "form-unknown-reference"),
            at(6, "survey!trigger", "form-bad-trigger"),
            at(7, "survey!trigger", "form-bad-trigger"),
            at(8, "survey!trigger", "form-trigger-not-shown"),
            at(9, "survey!trigger", "form-trigger-not-shown"),
            at(13, "survey!trigger", "form-trigger-not-shown"),
        ]
    );
    let problems = rejected_problems(&bytes);
    let hidden = problems.iter().find(|p| p.row == Some(9)).unwrap();
    assert!(hidden.message("en").contains("hid") && hidden.message("en").contains("t5"), "{}", hidden.message("en"));
    assert!(hidden.message("fr").contains("n'est pas montrée"), "{}", hidden.message("fr"));
    let unknown = problems.iter().find(|p| p.row == Some(5)).unwrap();
    assert!(unknown.message("fr").contains('b'), "{}", unknown.message("fr"));
}

#[test]
fn a_loops_name_and_label_inside_references_are_each_copys_choice() {
    let rows: Vec<Vec<&str>> = vec![
        vec!["type", "name", "label", "relevant", "calculation"],
        vec!["integer", "pit_count", "Pits", "", ""],
        vec!["integer", "flush_count", "Flush toilets", "", ""],
        vec!["begin loop over toilet", "loop", "", "", ""],
        vec!["integer", "working", "Of the ${%(name)s_count} %(label)s, how many work?", "${%(name)s_count} > 0", ""],
        vec!["calculate", "broken", "", "", "${%(name)s_count} - ../working"],
        vec!["end loop", "", "", "", ""],
    ];
    let choices =
        vec![vec!["list_name", "name", "label"], vec!["toilet", "pit", "Pit"], vec!["toilet", "flush", "Flush"]];
    let form = taken(&xlsx(&[("survey", rows.clone()), ("choices", choices.clone())]));
    let item = form.item("loop_flush_working").unwrap();
    assert_eq!(item.relevant.as_ref().unwrap().source(), "${flush_count} > 0");
    assert_eq!(item.label["default"], "Of the ${flush_count} Flush, how many work?");
    assert_eq!(
        form.item("loop_pit_broken").unwrap().calculation.as_ref().unwrap().source(),
        "${pit_count} - ../loop_pit_working"
    );
    let answers = json!({"pit_count": 3, "flush_count": 0, "loop_pit_working": 1});
    let done = validate(&form, &answers, &ctx()).unwrap();
    assert_eq!(done.get("loop_pit_broken"), Some(&opencpd_forms::Answer::Calculated("2".into())));
    let problems =
        validate(&form, &json!({"pit_count": 3, "flush_count": 0, "loop_flush_working": 1}), &ctx()).unwrap_err();
    assert_eq!(
        (problems[0].column.as_deref(), problems[0].code),
        (Some("loop_flush_working"), "form-not-relevant"),
        "each copy reads its own choice's count"
    );

    // A choice for which the name does not exist: reported once, at the row and column, naming it.
    let mut more = choices.clone();
    more.push(vec!["toilet", "septic", "Septic"]);
    let bytes = xlsx(&[("survey", rows.clone()), ("choices", more)]);
    assert_eq!(
        rejected(&bytes),
        vec![
            at(5, "survey!label", "form-unknown-reference"),
            at(5, "survey!relevant", "form-unknown-reference"),
            at(6, "survey!calculation", "form-unknown-reference"),
        ]
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[1].args[0], ("name", "septic_count".to_string()));
    assert_eq!(problems[1].value.as_deref(), Some("${septic_count} > 0"));
}

#[test]
fn a_trigger_inside_a_loop_names_each_copys_question_and_its_choices_columns() {
    let rows: Vec<Vec<&str>> = vec![
        vec!["type", "name", "label", "calculation", "trigger"],
        vec!["integer", "pit_count", "Pits", "", ""],
        vec!["integer", "flush_count", "Flush toilets", "", ""],
        vec!["begin loop over toilet", "loop", "", "", ""],
        vec!["integer", "working", "Working %(label)s", "", ""],
        vec!["dateTime", "counted_at", "", "now()", "${%(name)s_count}"],
        vec!["dateTime", "checked_at", "", "now()", "${working}, ${%(code)s}"],
        vec!["end loop", "", "", "", ""],
    ];
    let choices = vec![
        vec!["list_name", "name", "label", "code"],
        vec!["toilet", "pit", "Pit", "pit_count"],
        vec!["toilet", "flush", "Flush", "flush_count"],
    ];
    let form = taken(&xlsx(&[("survey", rows.clone()), ("choices", choices.clone())]));
    let trigger = |name: &str| form.item(name).unwrap_or_else(|| panic!("no item {name}")).trigger.clone();
    assert_eq!(trigger("loop_pit_counted_at"), ["pit_count"], "%(name)s put in the trigger cell");
    assert_eq!(trigger("loop_flush_counted_at"), ["flush_count"]);
    assert_eq!(trigger("loop_pit_checked_at"), ["loop_pit_working", "pit_count"], "the loop's row is the copy's");
    assert_eq!(trigger("loop_flush_checked_at"), ["loop_flush_working", "flush_count"], "a choice's other column");
    let answers = json!({"pit_count": 2, "loop_pit_working": 1});
    let done = validate(&form, &answers, &ctx()).unwrap();
    assert!(done.get("loop_pit_counted_at").is_some(), "its trigger is answered");
    assert!(done.get("loop_flush_counted_at").is_none(), "flush_count is not answered: never triggered");

    // A trigger naming no question, in one copy or in all: at its row and column, per copy.
    let mut more = choices.clone();
    more.push(vec!["toilet", "septic", "Septic", "septic_count"]);
    let mut bad = rows.clone();
    bad.insert(6, vec!["dateTime", "seen_at", "", "now()", "${nowhere}"]);
    let bytes = xlsx(&[("survey", bad), ("choices", more)]);
    assert_eq!(
        rejected(&bytes),
        vec![
            at(6, "survey!trigger", "form-unknown-reference"),
            at(7, "survey!trigger", "form-unknown-reference"),
            at(8, "survey!trigger", "form-unknown-reference"),
        ]
    );
    let problems = rejected_problems(&bytes);
    assert_eq!(problems[0].args[0], ("name", "septic_count".to_string()));
    assert_eq!(problems[0].value.as_deref(), Some("${septic_count}"));
    assert_eq!(problems[1].args[0], ("name", "nowhere".to_string()), "reported once for every copy");
    assert_eq!(problems[2].value.as_deref(), Some("${loop_septic_working}, ${septic_count}"));
    assert!(problems[1].message("fr").contains("nowhere"), "{}", problems[1].message("fr"));

    // Outside a loop a placeholder is no name.
    let bytes = survey_only(
        &["type", "name", "calculation", "trigger"],
        &[&["integer", "a", "", ""], &["dateTime", "t", "now()", "${%(name)s}"]],
    );
    assert_eq!(rejected(&bytes), vec![at(3, "survey!trigger", "form-bad-trigger")]);
}

#[test]
fn an_audits_identify_user_and_location_parameters_are_taken_and_checked_as_pyxform_checks_them() {
    let audit = |parameters: &'static str| {
        survey_only(&["type", "name", "parameters"], &[&["audit", "audit", parameters], &["text", "a", ""]])
    };
    let form =
        taken(&audit("identify-user=true location-priority=balanced location-min-interval=20 location-max-age=60"));
    let parameters = &form.item("audit").unwrap().parameters;
    assert_eq!(parameters["identify-user"], "true");
    assert_eq!(parameters["location-priority"], "balanced");
    assert_eq!(parameters["location-max-age"], "60", "the field app reads them");
    for (parameters, code) in [
        ("identify-user=yes", "form-audit-bad-parameter"),
        ("track-changes-reasons=always", "form-audit-bad-parameter"),
        ("location-priority=precise location-min-interval=1 location-max-age=2", "form-audit-bad-parameter"),
        ("location-priority=balanced location-min-interval=-1 location-max-age=2", "form-audit-bad-parameter"),
        ("location-priority=balanced location-min-interval=10", "form-audit-location-incomplete"),
        ("location-priority=balanced location-min-interval=60 location-max-age=30", "form-audit-max-age"),
    ] {
        let bytes = audit(parameters);
        assert_eq!(rejected(&bytes), vec![at(2, "survey!parameters", code)], "{parameters}");
        let problem = &rejected_problems(&bytes)[0];
        assert!(problem.message("fr").contains(parameters), "{}", problem.message("fr"));
    }
    let problem =
        &rejected_problems(&audit("location-priority=balanced location-min-interval=60 location-max-age=30"))[0];
    assert!(
        problem.message("en").contains("(30 s) must be at least its location-min-interval (60 s)"),
        "{}",
        problem.message("en")
    );
}
