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
