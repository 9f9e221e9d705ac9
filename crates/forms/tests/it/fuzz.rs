//! Property-based fuzzing of what instruments parse: expressions, XLSForms and submission
//! bodies. Anything gives a result or problems, never a panic. Bounded by
//! `OPENCPD_FUZZ_CASES` (256 by default) so CI's time stays fixed; seeded by
//! `OPENCPD_FUZZ_SEED` (2026 by default) so CI's run is repeatable.

use crate::fixtures::*;
use opencpd_forms::expr::Env;
use opencpd_forms::{Expr, Value as Answer, parse_xlsform, validate};
use proptest::prelude::*;
use serde_json::Value;

fn cases() -> ProptestConfig {
    let cases = std::env::var("OPENCPD_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    // A fixed seed (OPENCPD_FUZZ_SEED to explore others): CI's run is the same each time.
    let seed = std::env::var("OPENCPD_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(2026);
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..ProptestConfig::default()
    }
}

/// Expression text made of the language's own pieces, in any order.
fn expression() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("${age}".to_string()),
        Just("${name}".to_string()),
        Just(".".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(",".to_string()),
        Just(" and ".to_string()),
        Just(" or ".to_string()),
        Just(" div ".to_string()),
        Just(" mod ".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just("<=".to_string()),
        Just("+".to_string()),
        Just("-".to_string()),
        Just("*".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("selected(".to_string()),
        Just("if(".to_string()),
        Just("concat(".to_string()),
        Just("count-selected(".to_string()),
        Just("today()".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("/".to_string()),
        "[0-9]{1,4}",
        "[a-z_]{1,6}",
    ];
    proptest::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

/// What `${age}` and `${name}` hold while an expression is evaluated.
struct Values {
    age: f64,
    name: String,
}

impl Env for Values {
    fn reference(&self, name: &str) -> Answer {
        match name {
            "age" => Answer::Number(self.age),
            "name" => Answer::Text(self.name.clone()),
            _ => Answer::List(vec![Answer::Number(self.age), Answer::Text(self.name.clone())]),
        }
    }
    fn current(&self) -> Answer {
        Answer::Number(self.age)
    }
}

/// Any JSON, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
        "[a-z0-9 ]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn rubric() -> opencpd_forms::Form {
    taken(&xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "label", "relevant", "constraint", "calculation", "required"],
                vec!["integer", "age", "Age", "", ". >= 18 and . < 80", "", "yes"],
                vec!["text", "name", "Name", "", "", "", ""],
                vec!["select_multiple practice", "seen", "Seen", "${age} > 20", "", "", ""],
                vec!["begin repeat", "visit", "Visit", "", "", "", ""],
                vec!["decimal", "minutes", "Minutes", "", ". > 0", "", ""],
                vec!["end repeat", "", "", "", "", "", ""],
                vec!["calculate", "total", "", "", "", "sum(${minutes})", ""],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label"],
                vec!["practice", "group", "Group work"],
                vec!["practice", "praise", "Praise"],
            ],
        ),
    ]))
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn any_expression_parses_or_is_refused_and_evaluates_to_a_value(
        source in expression(),
        age in prop_oneof![Just(0.0), Just(-1.0), Just(f64::MAX), any::<f64>()],
        name in "\\PC{0,8}",
    ) {
        if let Ok(expr) = Expr::parse(&source) {
            let _ = expr.eval(&Values { age, name }, &ctx());
        }
    }

    #[test]
    fn any_text_as_an_expression_parses_or_is_refused(source in "\\PC{0,40}") {
        let _ = Expr::parse(&source);
    }

    #[test]
    fn any_submission_body_is_validated_or_refused(answers in json()) {
        let form = rubric();
        let _ = validate(&form, &answers, &ctx());
    }

    #[test]
    fn answers_shaped_like_the_form_are_validated_or_refused(
        age in any::<i64>(),
        name in "\\PC{0,12}",
        seen in proptest::collection::vec("[a-z]{1,6}", 0..4),
        minutes in proptest::collection::vec(any::<f64>(), 0..4),
    ) {
        let form = rubric();
        let visits: Vec<Value> = minutes.iter().map(|m| serde_json::json!({ "minutes": m })).collect();
        let answers = serde_json::json!({ "age": age, "name": name, "seen": seen, "visit": visits });
        let _ = validate(&form, &answers, &ctx());
    }

    #[test]
    fn any_survey_sheet_is_taken_or_refused_by_row_and_column(
        rows in proptest::collection::vec(
            (
                prop_oneof![
                    Just("text"), Just("integer"), Just("decimal"), Just("select_one yn"), Just("select_multiple yn"),
                    Just("begin group"), Just("end group"), Just("begin repeat"), Just("end repeat"), Just("calculate"),
                    Just("note"), Just("date"), Just("rank yn"), Just("geopoint"), Just("odd type"), Just(""),
                ],
                "[a-z_]{0,6}",
                "\\PC{0,8}",
                expression(),
                expression(),
            ),
            0..10,
        ),
    ) {
        let mut survey = vec![vec!["type".to_string(), "name".into(), "label".into(), "relevant".into(), "calculation".into()]];
        for (kind, name, label, relevant, calculation) in rows {
            survey.push(vec![kind.to_string(), name, label, relevant, calculation]);
        }
        let choices = vec![
            vec!["list_name".to_string(), "name".into(), "label".into()],
            vec!["yn".into(), "yes".into(), "Yes".into()],
            vec!["yn".into(), "no".into(), "No".into()],
        ];
        let bytes = opencpd_transfer::write_workbook(&[("survey", survey), ("choices", choices)]).expect("workbook");
        match parse_xlsform("fuzz.xlsx", &bytes) {
            Ok(_) => {}
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}
