//! Level 1 of an evaluation, reaction: the satisfaction index read from a survey's Likert
//! items.
//!
//! The rule, in full:
//! - An item is a Likert item when its form marks it so: a `select_one` whose `appearance`
//!   holds the word `likert` (ODK's own appearance for a Likert scale, which field apps
//!   draw as one). Other items of the survey (free text, counts, yes/no) do not count.
//! - Its points are its choices' `score`s when the list gives any; otherwise the choices'
//!   places in the list, 1 for the first. In a scored list, a choice without a score
//!   ("don't know", "not applicable") counts as no answer. A list with fewer than two
//!   different points is no scale, and the item does not count.
//! - An answer is rescaled on its own item's scale to 0–100: (points − lowest) /
//!   (highest − lowest) · 100, so a 4-point and a 5-point item weigh alike.
//! - A respondent's score is the mean of the Likert items they answered; a respondent who
//!   answered none is not in the sample.
//! - A group's index (a course, a cohort, a facilitator's cohorts) is the mean of its
//!   respondents' scores: one respondent, one voice, however many items they answered. Its
//!   sample size is the number of those respondents, its response rate that number out of
//!   the attendances surveyed (see the area crate for which attendances those are).

use serde::Serialize;

/// The scale of one Likert item: each choice's points, lowest and highest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scale {
    /// Choice name → points; choices without points are left out (they mean "no answer").
    pub points: Vec<(String, f64)>,
    pub low: f64,
    pub high: f64,
}

impl Scale {
    /// The scale of a list of choices given as (name, score) in the list's order; none when
    /// it has fewer than two different points.
    pub fn of(choices: &[(String, Option<f64>)]) -> Option<Scale> {
        let scored = choices.iter().any(|(_, s)| s.is_some());
        let points: Vec<(String, f64)> = choices
            .iter()
            .enumerate()
            .filter_map(|(i, (name, score))| {
                let p = if scored { (*score)? } else { (i + 1) as f64 };
                p.is_finite().then(|| (name.clone(), p))
            })
            .collect();
        let low = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let high = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        (low < high).then_some(Scale { points, low, high })
    }

    /// The answer `choice` rescaled to 0–100; none for a choice without points or unknown.
    pub fn rescale(&self, choice: &str) -> Option<f64> {
        let p = self.points.iter().find(|(name, _)| name == choice)?.1;
        Some((p - self.low) / (self.high - self.low) * 100.0)
    }
}

/// Whether an item's appearance marks it as a Likert item (the word `likert`, in any case,
/// among its space-separated appearances).
pub fn is_likert(appearance: Option<&str>) -> bool {
    appearance.is_some_and(|a| a.split_whitespace().any(|w| w.eq_ignore_ascii_case("likert")))
}

/// One Likert item of a form: its name and scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub name: String,
    pub scale: Scale,
}

/// A respondent's score: the mean of the rescaled answers to `items` (`answer` gives the
/// choice chosen for an item's name); none when they answered no item.
pub fn respondent<'a>(items: &[Item], answer: impl Fn(&str) -> Option<&'a str>) -> Option<f64> {
    let answered: Vec<f64> = items.iter().filter_map(|i| i.scale.rescale(answer(&i.name)?)).collect();
    (!answered.is_empty()).then(|| answered.iter().sum::<f64>() / answered.len() as f64)
}

/// A group's satisfaction index, its sample and its response rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Index {
    /// Mean of the respondents' scores, 0–100; none with no respondent.
    pub index: Option<f64>,
    /// Respondents who answered at least one Likert item.
    pub respondents: usize,
    /// The attendances surveyed.
    pub attended: usize,
    /// respondents / attended (at most 1: more answers than attendances, a survey filled
    /// by someone not marked present, is not a rate above 100 %); none when nobody attended.
    pub response_rate: Option<f64>,
}

/// The index of the respondents' `scores` out of `attended`.
pub fn index(scores: &[f64], attended: usize) -> Index {
    index_of_sum(scores.iter().sum(), scores.len(), attended)
}

/// [`index`] of `respondents` scores summed to `sum` (as a store keeps them summed).
pub fn index_of_sum(sum: f64, respondents: usize, attended: usize) -> Index {
    Index {
        index: (respondents > 0).then(|| sum / respondents as f64),
        respondents,
        attended,
        response_rate: (attended > 0).then(|| (respondents as f64 / attended as f64).min(1.0)),
    }
}
