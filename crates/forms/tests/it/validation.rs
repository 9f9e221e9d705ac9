//! Submission validation against the lesson-observation form.

use crate::fixtures::*;
use opencpd_forms::{Answer, Context, validate};
use serde_json::{Value, json};

/// The problems of a submission that must be refused, as (column, code, value).
fn refused(answers: &Value) -> Vec<(String, &'static str, Option<String>)> {
    refused_at(answers, &ctx())
}

fn refused_at(answers: &Value, ctx: &Context) -> Vec<(String, &'static str, Option<String>)> {
    match validate(&observation(), answers, ctx) {
        Ok(_) => panic!("expected problems"),
        Err(problems) => {
            for p in &problems {
                assert!(!p.message("fr").contains("problem-"), "{} has no French message", p.code);
            }
            problems.into_iter().map(|p| (p.column.unwrap_or_default(), p.code, p.value)).collect()
        }
    }
}

fn with(changes: Value) -> Value {
    let mut answers = good_answers();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            answers.as_object_mut().unwrap().remove(k);
        } else {
            answers[k] = v.clone();
        }
    }
    answers
}

fn p(column: &str, code: &'static str, value: Option<&str>) -> (String, &'static str, Option<String>) {
    (column.to_string(), code, value.map(str::to_string))
}

#[test]
fn a_good_submission_is_typed_and_its_calculations_computed() {
    let validated = validate(&observation(), &good_answers(), &ctx()).unwrap();
    assert_eq!(validated.get("pupils"), Some(&Answer::Integer(40)));
    assert_eq!(validated.get("lesson_hours"), Some(&Answer::Decimal(0.5)));
    assert_eq!(
        validated.get("observed_on"),
        Some(&Answer::Date(chrono::NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()))
    );
    assert_eq!(validated.get("start_time"), Some(&Answer::Time(chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap())));
    assert_eq!(validated.get("materials_used"), Some(&Answer::Choices(vec!["board".into(), "manipulatives".into()])));
    assert_eq!(validated.get("pupils_per_hour"), Some(&Answer::Calculated("80".into())));
    assert_eq!(validated.get("mean_age"), Some(&Answer::Calculated("12.5".into())));
    assert_eq!(validated.get("confirm"), Some(&Answer::Text("OK".into())));
    assert_eq!(validated.get("comment"), None, "an empty answer is no answer");
    let Some(Answer::Repeat(learners)) = validated.get("learners") else { panic!("no repeat") };
    assert_eq!(learners[0]["older"], Answer::Calculated("no".into()));
    assert_eq!(learners[1]["older"], Answer::Calculated("yes".into()));
    assert_eq!(learners[1]["age"], Answer::Integer(14));
    let json = serde_json::to_value(&validated).unwrap();
    assert_eq!(json["answers"]["observed_on"], "2026-03-14");
    assert_eq!(json["answers"]["learners"][0]["sex"], "f");
}

#[test]
fn select_multiple_may_be_an_array() {
    let answers = with(json!({"materials_used": ["textbook", "board", "board"]}));
    let validated = validate(&observation(), &answers, &ctx()).unwrap();
    assert_eq!(validated.get("materials_used"), Some(&Answer::Choices(vec!["textbook".into(), "board".into()])));
}

#[test]
fn wrong_types_name_the_item_and_the_value() {
    let answers = with(json!({
        "pupils": "many",
        "lesson_hours": "half",
        "observed_on": "14/03/2026",
        "start_time": "8h30",
        "recorded_at": "yesterday",
        "plan_quality": "superb",
        "materials_used": "board chalk",
        "confirm": "yes",
        "teacher": {"name": "x"},
    }));
    let mut got = refused(&answers);
    got.sort();
    assert_eq!(
        got,
        vec![
            p("confirm", "form-bad-answer", Some("yes")),
            p("lesson_hours", "bad-number", Some("half")),
            p("materials_used", "bad-choice", Some("chalk")),
            p("observed_on", "bad-date", Some("14/03/2026")),
            p("plan_quality", "bad-choice", Some("superb")),
            p("pupils", "form-bad-integer", Some("many")),
            p("recorded_at", "form-bad-datetime", Some("yesterday")),
            p("start_time", "form-bad-time", Some("8h30")),
            p("teacher", "form-bad-answer", Some("{\"name\":\"x\"}")),
        ]
    );
}

#[test]
fn the_allowed_choices_are_listed() {
    let problems = validate(&observation(), &with(json!({"plan_quality": "superb"})), &ctx()).unwrap_err();
    assert_eq!(problems[0].message("en"), "superb is not one of: poor, fair, good, excellent");
}

#[test]
fn required_answers_with_and_without_a_message() {
    let got = refused(&with(json!({"teacher": null, "observed_on": ""})));
    assert_eq!(got, vec![p("teacher", "required", None), p("observed_on", "form-required", None)]);
    let problems = validate(&observation(), &with(json!({"observed_on": null})), &ctx()).unwrap_err();
    assert_eq!(problems[0].message("en"), "Give the date of the lesson");
}

#[test]
fn constraints_use_the_current_value_and_the_context_date() {
    let future = with(json!({"observed_on": "2026-03-16"}));
    assert_eq!(refused(&future), vec![p("observed_on", "form-constraint-message", Some("2026-03-16"))]);
    let later = Context { today: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), ..ctx() };
    assert!(validate(&observation(), &future, &later).is_ok(), "today() comes from the context");
    let problems = validate(&observation(), &with(json!({"pupils": 300})), &ctx()).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].code, problems[0].column.as_deref()), ("form-constraint", Some("pupils")));
    assert_eq!(problems[0].message("en"), "300 does not satisfy the condition . >= 0 and . <= 200");
}

#[test]
fn required_only_when_relevant_and_irrelevant_answers_are_errors() {
    // No pupils: the planning group does not apply, so plan_quality is not required...
    let answers = with(json!({"pupils": 0, "plan_quality": null, "materials_used": null}));
    let validated = validate(&observation(), &answers, &ctx()).unwrap();
    assert_eq!(validated.get("plan_quality"), None);
    // ...and an answer to it is refused.
    let answers = with(json!({"pupils": 0}));
    assert_eq!(
        refused(&answers),
        vec![
            p("plan_quality", "form-not-relevant", Some("good")),
            p("materials_used", "form-not-relevant", Some("board manipulatives"))
        ]
    );
    // "Other" makes materials_other relevant and required.
    let answers = with(json!({"materials_used": "board other"}));
    assert_eq!(refused(&answers), vec![p("materials_other", "required", None)]);
    let answers = with(json!({"materials_used": "board other", "materials_other": "Posters"}));
    assert!(validate(&observation(), &answers, &ctx()).is_ok());
    let answers = with(json!({"materials_other": "Posters"}));
    assert_eq!(refused(&answers), vec![p("materials_other", "form-not-relevant", Some("Posters"))]);
}

#[test]
fn ranges_and_max_scores_bound_numbers() {
    let got = refused(&with(json!({"engagement": 5, "questions_asked": 11})));
    assert_eq!(
        got,
        vec![
            p("engagement", "form-out-of-range", Some("5")),
            p("questions_asked", "form-score-out-of-range", Some("11"))
        ]
    );
    assert_eq!(refused(&with(json!({"engagement": 2.5}))), vec![p("engagement", "form-out-of-range", Some("2.5"))]);
    assert!(validate(&observation(), &with(json!({"engagement": 0})), &ctx()).is_ok());
}

#[test]
fn unknown_names_and_answers_to_computed_items_are_refused() {
    let got = refused(&with(json!({"pupil": 3, "pupils_per_hour": 80, "thanks": "ok", "planning": {}})));
    let mut got = got;
    got.sort();
    assert_eq!(
        got,
        vec![
            p("planning", "form-unknown-answer", Some("{}")),
            p("pupil", "form-unknown-answer", Some("3")),
            p("pupils_per_hour", "form-no-answer-expected", Some("80")),
            p("thanks", "form-no-answer-expected", Some("ok")),
        ]
    );
}

#[test]
fn problems_inside_repeats_say_which_instance() {
    let answers = with(json!({"learners": [
        {"age": 11, "sex": "f"},
        {"age": 30, "sex": "x", "height": 120},
        {"sex": "m"}
    ]}));
    let mut got = refused(&answers);
    got.sort();
    assert_eq!(
        got,
        vec![
            p("learners", "form-repeat-count", Some("3")),
            p("learners[2].age", "form-constraint", Some("30")),
            p("learners[2].height", "form-unknown-answer", Some("120")),
            p("learners[2].sex", "bad-choice", Some("x")),
            p("learners[3].age", "required", None),
        ]
    );
    assert_eq!(
        refused(&with(json!({"learners": {"age": 3}}))),
        vec![p("learners", "form-bad-repeat", Some("{\"age\":3}"))]
    );
    assert_eq!(
        refused(&with(json!({"learners": [{"age": 11}, 4]}))),
        vec![p("learners[2]", "form-bad-repeat", Some("4"))]
    );
}

#[test]
fn choice_filters_limit_the_choices() {
    assert_eq!(refused(&with(json!({"district": "d3"}))), vec![p("district", "form-filtered-choice", Some("d3"))]);
    assert!(validate(&observation(), &with(json!({"region": "south", "district": "d3"})), &ctx()).is_ok());
}

#[test]
fn answers_must_be_an_object() {
    let problems = validate(&observation(), &json!([1, 2]), &ctx()).unwrap_err();
    assert_eq!(problems[0].code, "form-bad-answers");
}

#[test]
fn a_once_calculation_keeps_the_value_sent_and_a_plain_one_is_computed_again() {
    let form = taken(&survey_only(
        &["type", "name", "label", "calculation"],
        &[
            &["integer", "n", "N", ""],
            &["calculate", "started", "", "once(now())"],
            &["calculate", "code", "", "once(concat('c', ${n}))"],
            &["calculate", "double", "", "${n} * 2"],
        ],
    ));
    let sent = json!({"n": 4, "started": "2026-03-14T07:12:00.000+02:00"});
    let validated = validate(&form, &sent, &ctx()).unwrap();
    assert_eq!(validated.get("started"), Some(&Answer::Calculated("2026-03-14T07:12:00.000+02:00".into())));
    assert_eq!(validated.get("code"), Some(&Answer::Calculated("c4".into())), "computed when none was sent");
    assert_eq!(validated.get("double"), Some(&Answer::Calculated("8".into())));
    let problems = validate(&form, &json!({"n": 4, "double": "9"}), &ctx()).unwrap_err();
    assert_eq!(
        problems.iter().map(|p| (p.column.as_deref(), p.code)).collect::<Vec<_>>(),
        [(Some("double"), "form-no-answer-expected")],
        "a calculation that is not once() is the server's to compute"
    );
}
