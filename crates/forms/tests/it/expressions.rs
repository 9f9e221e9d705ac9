//! The expression cases shared with the field app (`tests/cases/expressions.json`, read by
//! `node --test` too): the server and the device compute the same values, refuse the same
//! expressions, and, on the cases' forms, see the same repeats, paths, choices and files and
//! take the same answers.

use chrono::NaiveDate;
use opencpd_forms::expr::{Dialect, Env, ExprError};
use opencpd_forms::validate::evaluate_at;
use opencpd_forms::{Context, Expr, Form, Value, validate};
use serde_json::Value as Json;
use std::collections::BTreeMap;

struct Answers {
    values: BTreeMap<String, Value>,
    current: Value,
}

impl Env for Answers {
    fn reference(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or(Value::empty())
    }
    fn current(&self) -> Value {
        self.current.clone()
    }
}

fn value(json: &Json) -> Value {
    match json {
        Json::Array(items) => Value::List(items.iter().map(value).collect()),
        Json::String(s) => Value::Text(s.clone()),
        Json::Null => Value::empty(),
        other => Value::Text(other.to_string()),
    }
}

fn kind(error: &ExprError) -> &'static str {
    match error {
        ExprError::Syntax { .. } => "syntax",
        ExprError::UnsupportedFunction { .. } => "unsupported-function",
        ExprError::Arity { .. } => "arity",
        ExprError::UnsupportedPath { .. } => "unsupported-path",
        ExprError::BadPattern { .. } => "bad-pattern",
        ExprError::UnknownAlgorithm { .. } => "unknown-algorithm",
    }
}

#[test]
fn the_shared_expression_cases_hold() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/expressions.json")).unwrap();
    let document: Json = serde_json::from_str(&text).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let ctx = Context { today, now: today.and_hms_opt(9, 30, 0).unwrap() };
    let mut wrong = Vec::new();
    let cases = document["cases"].as_array().unwrap();
    assert!(cases.len() >= 100);
    let forms: BTreeMap<String, Form> = serde_json::from_value(document["forms"].clone()).unwrap();
    for case in cases {
        let form = case["form"].as_str().map(|name| forms.get(name).unwrap_or_else(|| panic!("no form {name}")));
        let Some(source) = case["expression"].as_str() else {
            let form = form.expect("a case without an expression validates a form");
            let shown = case["submission"].to_string();
            match (validate(form, &case["submission"], &ctx), case.get("validated")) {
                (Ok(done), Some(expected)) => {
                    let got = serde_json::to_value(&done.answers).unwrap();
                    for (name, want) in expected.as_object().unwrap() {
                        if got.get(name).unwrap_or(&Json::Null) != want {
                            wrong.push(format!("{shown}: {name} expected {want}, got {:?}", got.get(name)));
                        }
                    }
                }
                (Err(problems), None) => {
                    let got: Vec<Json> = problems
                        .iter()
                        .map(|p| serde_json::json!([p.column.clone().unwrap_or_default(), p.code]))
                        .collect();
                    if Json::Array(got.clone()) != case["problems"] {
                        wrong.push(format!("{shown}: expected problems {}, got {got:?}", case["problems"]));
                    }
                }
                (Ok(_), None) => wrong.push(format!("{shown}: expected problems {}", case["problems"])),
                (Err(problems), Some(_)) => wrong.push(format!("{shown}: refused: {problems:?}")),
            }
            continue;
        };
        let parsed = Expr::parse_in(source, Dialect::Question);
        if let Some(error) = case["error"].as_str() {
            match parsed {
                Err(e) if kind(&e) == error => {}
                other => wrong.push(format!("{source}: expected a {error} error, got {other:?}")),
            }
            continue;
        }
        let expr = match parsed {
            Ok(expr) => expr,
            Err(e) => {
                wrong.push(format!("{source}: refused: {e}"));
                continue;
            }
        };
        let got = match form {
            Some(form) => evaluate_at(form, &case["submission"], case["at"].as_str().unwrap(), &expr, &ctx),
            None => {
                let answers =
                    case["answers"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), value(v))).collect());
                let env = Answers { values: answers.unwrap_or_default(), current: value(&case["current"]) };
                expr.eval(&env, &ctx)
            }
        };
        let tolerance = case["tolerance"].as_f64().unwrap_or(1e-9);
        let fits = match &case["expected"] {
            Json::Bool(b) => got == Value::Bool(*b),
            Json::Number(n) => (got.number() - n.as_f64().unwrap()).abs() <= tolerance,
            Json::String(s) => got.text() == *s,
            other => panic!("{source}: bad expected {other}"),
        };
        if !fits {
            wrong.push(format!("{source}: expected {}, got {got:?}", case["expected"]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
