//! Scores per domain from choice scores and numeric items with a max_score.

use crate::fixtures::*;
use opencpd_forms::{DomainScore, score, validate};
use serde_json::json;

fn domain(name: &str, score: f64, max: f64, items: usize) -> DomainScore {
    DomainScore { domain: name.into(), score, max, items }
}

#[test]
fn choices_and_numbers_add_up_per_domain() {
    let form = observation();
    let validated = validate(&form, &good_answers(), &ctx()).unwrap();
    // Planning: good (2 of 3) + board and manipulatives (3 of 1+1+2+0 = 4).
    // Engagement: range 3 of 4 + 7 open questions of 10.
    assert_eq!(score(&form, &validated), vec![domain("Planning", 5.0, 7.0, 2), domain("Engagement", 10.0, 14.0, 2)]);
}

#[test]
fn unanswered_and_irrelevant_items_count_in_neither_score_nor_max() {
    let form = observation();
    let mut answers = good_answers();
    answers["pupils"] = json!(0);
    for name in ["plan_quality", "materials_used", "questions_asked"] {
        answers.as_object_mut().unwrap().remove(name);
    }
    let validated = validate(&form, &answers, &ctx()).unwrap();
    assert_eq!(score(&form, &validated), vec![domain("Planning", 0.0, 0.0, 0), domain("Engagement", 3.0, 4.0, 1)]);
}

#[test]
fn every_repeat_instance_counts() {
    let bytes = xlsx(&[
        (
            "survey",
            vec![
                vec!["type", "name", "domain", "max_score"],
                vec!["begin repeat", "lessons", "", ""],
                vec!["select_one rubric", "clarity", "Instruction", ""],
                vec!["decimal", "minutes_on_task", "Time on task", "45"],
                vec!["end repeat", "", "", ""],
            ],
        ),
        (
            "choices",
            vec![
                vec!["list_name", "name", "label", "score"],
                vec!["rubric", "weak", "Weak", "1"],
                vec!["rubric", "strong", "Strong", "4"],
                vec!["rubric", "na", "Not seen", ""],
            ],
        ),
    ]);
    let form = taken(&bytes);
    let answers = json!({"lessons": [
        {"clarity": "strong", "minutes_on_task": 30},
        {"clarity": "weak", "minutes_on_task": "40.5"},
        {"clarity": "na"}
    ]});
    let validated = validate(&form, &answers, &ctx()).unwrap();
    assert_eq!(
        score(&form, &validated),
        vec![domain("Instruction", 5.0, 12.0, 3), domain("Time on task", 70.5, 90.0, 2)]
    );
    let too_long = json!({"lessons": [{"minutes_on_task": 50}]});
    let problems = validate(&form, &too_long, &ctx()).unwrap_err();
    assert_eq!(
        (problems[0].code, problems[0].column.as_deref()),
        ("form-score-out-of-range", Some("lessons[1].minutes_on_task"))
    );
}
