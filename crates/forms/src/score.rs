//! Scoring (an OpenCPD extension to XLSForm): a validated submission gives a score per
//! domain (a professional standard, a rubric strand).
//!
//! An item scores into the domain named in its `domain` column:
//! - `select_one`: the `score` of the chosen choice, out of the best score in its list;
//! - `select_multiple`: the sum of the chosen choices' scores, out of the sum of the list's
//!   positive scores;
//! - `integer`, `decimal`: the answer, out of `max_score` (validation keeps it in 0..=max);
//! - `range`: the answer, out of `max_score`, or the range's end when there is none.
//!
//! Unanswered items (skipped, or not relevant) count neither in the score nor in the
//! maximum, so a domain's score is "out of what was asked". Inside a repeat, every instance
//! counts. Every domain the form names is reported, in the order of the form, even with no
//! answered item (then `items` is 0).

use crate::model::{Form, Item, ItemKind};
use crate::validate::{Answer, Instance, Validated};
use opencpd_domain::evaluation::likert;
use serde::Serialize;

/// The score of one domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainScore {
    pub domain: String,
    pub score: f64,
    pub max: f64,
    /// How many answered items scored into it.
    pub items: usize,
}

/// Scores per domain, in the order domains first appear in the form.
pub fn score(form: &Form, validated: &Validated) -> Vec<DomainScore> {
    let plan = form.plan();
    let mut out: Vec<DomainScore> = plan
        .domains
        .iter()
        .map(|domain| DomainScore { domain: domain.clone(), score: 0.0, max: 0.0, items: 0 })
        .collect();
    add(form, &validated.answers, &mut out);
    out
}

/// Adds the answers of one instance (and of the repeat instances in it), each item found
/// by name in the form's plan.
fn add(form: &Form, answers: &Instance, out: &mut [DomainScore]) {
    let plan = form.plan();
    for (name, answer) in answers {
        if let Answer::Repeat(instances) = answer {
            for instance in instances {
                add(form, instance, out);
            }
            continue;
        }
        let Some(place) = plan.places.get(name) else { continue };
        let Some(domain) = place.domain else { continue };
        let Some((score, max)) = item_score(form, form.item_at(&place.path), answer) else { continue };
        let d = &mut out[domain];
        d.score += score;
        d.max += max;
        d.items += 1;
    }
}

/// (score, max) of one answered item.
fn item_score(form: &Form, item: &Item, answer: &Answer) -> Option<(f64, f64)> {
    match (&item.kind, answer) {
        (ItemKind::SelectOne { list }, Answer::Choice(name)) => {
            let choices = form.choices(list);
            let max = choices.iter().filter_map(|c| c.score).fold(0.0, f64::max);
            let score = choices.iter().find(|c| &c.name == name).and_then(|c| c.score).unwrap_or(0.0);
            Some((score, max))
        }
        (ItemKind::SelectMultiple { list }, Answer::Choices(names)) => {
            let choices = form.choices(list);
            let max = choices.iter().filter_map(|c| c.score).filter(|s| *s > 0.0).sum();
            let score = names.iter().filter_map(|n| choices.iter().find(|c| &c.name == n).and_then(|c| c.score)).sum();
            Some((score, max))
        }
        (ItemKind::Range { end, .. }, answer) => Some((answer.number()?, item.max_score.unwrap_or(*end))),
        (ItemKind::Integer | ItemKind::Decimal, answer) => Some((answer.number()?, item.max_score?)),
        _ => None,
    }
}

/// The form's Likert items as `opencpd_domain::evaluation::likert` reads them: each
/// `select_one` its appearance marks `likert`, with its list's scale (an item whose list
/// is no scale does not count).
pub fn likert_items(form: &Form) -> Vec<likert::Item> {
    form.all_items()
        .into_iter()
        .filter(|item| likert::is_likert(item.appearance.as_deref()))
        .filter_map(|item| {
            let ItemKind::SelectOne { list } = &item.kind else { return None };
            let choices: Vec<(String, Option<f64>)> =
                form.choices(list).iter().map(|c| (c.name.clone(), c.score)).collect();
            Some(likert::Item { name: item.name.clone(), scale: likert::Scale::of(&choices)? })
        })
        .collect()
}

/// Whether the form has any item marked `likert` (what [`likert_items`] reads).
pub fn has_likert(form: &Form) -> bool {
    form.all_items().iter().any(|item| likert::is_likert(item.appearance.as_deref()))
}

/// A respondent's score on `items` from their stored answers (JSON, by item name): none
/// when the answers do not read or answer none of them.
pub fn likert_score(items: &[likert::Item], answers_json: &str) -> Option<f64> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(answers_json) else {
        return None;
    };
    likert::respondent(items, |name| map.get(name).and_then(|v| v.as_str()))
}
