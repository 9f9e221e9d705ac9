//! Level 2 of an evaluation, learning: pre- and post-tests paired per person, and a
//! satisfaction index (level 1).
//!
//! A person's gain needs both tests. Those with a pre-test and no post-test are kept and
//! counted as attrition (they left, were absent, did not finish); those with a post-test
//! and no pre-test are counted too (they joined late). Means are taken over the paired
//! persons only, so the gain of a group is never the difference of two different sets of
//! people.
//!
//! The normalised gain (Hake 1998) is taken on a group's averages, not person by person:
//! ⟨g⟩ = (mean post − mean pre) / (max − mean pre), the share of what could still be
//! gained that was. It has no value when the group's mean pre-test is already the maximum.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Before or after the training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    Pre,
    Post,
}

/// One person's score on one test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub person: i64,
    /// The class or cohort whose averages the normalised gain is taken on.
    pub group: i64,
    pub test: Test,
    pub score: f64,
}

/// Why gains are not computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GainError {
    #[error("the test's maximum must be a positive number; {0} given")]
    Maximum(f64),
    #[error("person {person} has a {test:?} score of {score}, outside 0 to {max}")]
    OutOfRange { person: i64, test: Test, score: f64, max: f64 },
    #[error("person {person} has two {test:?} scores")]
    Duplicate { person: i64, test: Test },
    #[error("person {person} is in group {first} for one test and in group {second} for the other")]
    TwoGroups { person: i64, first: i64, second: i64 },
    #[error("no person has both a pre-test and a post-test")]
    NoPairs,
    #[error("the mean pre-test is already the maximum ({max}): there is no gain left to normalise by")]
    PreAtMaximum { max: f64 },
    #[error("the scale must run from a lower to a higher answer; {min} to {max} given")]
    Scale { min: f64, max: f64 },
    #[error("an answer of {answer} is outside the scale {min} to {max}")]
    AnswerOutOfScale { answer: f64, min: f64, max: f64 },
    #[error("no respondent answered any item")]
    NoRespondents,
}

/// The gains of one group (or of everyone).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gains {
    /// None for the whole list.
    pub group: Option<i64>,
    /// Persons with both tests.
    pub paired: usize,
    /// Pre-test without a post-test.
    pub attrition: usize,
    /// Post-test without a pre-test.
    pub post_only: usize,
    pub mean_pre: f64,
    pub mean_post: f64,
    /// Mean post − mean pre.
    pub raw_gain: f64,
    /// ⟨g⟩; none when the mean pre-test is the maximum.
    pub normalised_gain: Option<f64>,
}

/// Every group's gains, and everyone's together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GainReport {
    pub max: f64,
    pub groups: Vec<Gains>,
    pub overall: Gains,
    /// Each paired person's post − pre, in person order.
    pub person_gains: Vec<(i64, f64)>,
}

/// ⟨g⟩ = (post − pre) / (max − pre) on averages.
pub fn normalised_gain(mean_pre: f64, mean_post: f64, max: f64) -> Result<f64, GainError> {
    if mean_pre >= max {
        return Err(GainError::PreAtMaximum { max });
    }
    Ok((mean_post - mean_pre) / (max - mean_pre))
}

/// A person's id, pre-test and post-test.
type Person = (i64, Option<f64>, Option<f64>);

/// Pairs the scores per person and computes the gains of each group and of all.
/// A group with no pair is listed with its attrition and zero means.
pub fn paired_gains(scores: &[Score], max: f64) -> Result<GainReport, GainError> {
    if !(max > 0.0 && max.is_finite()) {
        return Err(GainError::Maximum(max));
    }
    // person → (group, pre, post)
    let mut people: BTreeMap<i64, (i64, Option<f64>, Option<f64>)> = BTreeMap::new();
    for s in scores {
        if !(s.score >= 0.0 && s.score <= max) {
            return Err(GainError::OutOfRange { person: s.person, test: s.test, score: s.score, max });
        }
        let entry = people.entry(s.person).or_insert((s.group, None, None));
        if entry.0 != s.group {
            return Err(GainError::TwoGroups { person: s.person, first: entry.0, second: s.group });
        }
        let slot = match s.test {
            Test::Pre => &mut entry.1,
            Test::Post => &mut entry.2,
        };
        if slot.is_some() {
            return Err(GainError::Duplicate { person: s.person, test: s.test });
        }
        *slot = Some(s.score);
    }
    let mut by_group: BTreeMap<i64, Vec<Person>> = BTreeMap::new();
    for (&person, &(group, pre, post)) in &people {
        by_group.entry(group).or_default().push((person, pre, post));
    }
    let summarise = |group: Option<i64>, rows: &[Person]| {
        let pairs: Vec<(f64, f64)> = rows.iter().filter_map(|(_, a, b)| Some(((*a)?, (*b)?))).collect();
        let paired = pairs.len();
        let (mean_pre, mean_post) = if paired == 0 {
            (0.0, 0.0)
        } else {
            let n = paired as f64;
            (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n)
        };
        Gains {
            group,
            paired,
            attrition: rows.iter().filter(|r| r.1.is_some() && r.2.is_none()).count(),
            post_only: rows.iter().filter(|r| r.1.is_none() && r.2.is_some()).count(),
            mean_pre,
            mean_post,
            raw_gain: mean_post - mean_pre,
            normalised_gain: if paired == 0 { None } else { normalised_gain(mean_pre, mean_post, max).ok() },
        }
    };
    let groups: Vec<Gains> = by_group.iter().map(|(g, rows)| summarise(Some(*g), rows)).collect();
    let all: Vec<Person> = people.iter().map(|(p, v)| (*p, v.1, v.2)).collect();
    let overall = summarise(None, &all);
    if overall.paired == 0 {
        return Err(GainError::NoPairs);
    }
    let person_gains = all.iter().filter_map(|(p, a, b)| Some((*p, (*b)? - (*a)?))).collect();
    Ok(GainReport { max, groups, overall, person_gains })
}

/// A satisfaction index: each respondent's answered Likert items rescaled to 0–100
/// ((answer − min) / (max − min) · 100) and averaged, then averaged over respondents who
/// answered at least one item.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Satisfaction {
    pub index: f64,
    pub respondents: usize,
    /// Respondents who answered no item.
    pub blank: usize,
}

/// The satisfaction index of `responses` (one list of answers per respondent, `None` for
/// an item left blank) on the scale `min` to `max` (1 to 5 for a five-point scale).
pub fn satisfaction_index(responses: &[Vec<Option<f64>>], min: f64, max: f64) -> Result<Satisfaction, GainError> {
    if !(min.is_finite() && max.is_finite() && min < max) {
        return Err(GainError::Scale { min, max });
    }
    let mut total = 0.0;
    let mut respondents = 0;
    let mut blank = 0;
    for answers in responses {
        let mut sum = 0.0;
        let mut count = 0;
        for answer in answers.iter().flatten() {
            if !(*answer >= min && *answer <= max) {
                return Err(GainError::AnswerOutOfScale { answer: *answer, min, max });
            }
            sum += (answer - min) / (max - min) * 100.0;
            count += 1;
        }
        if count == 0 {
            blank += 1;
        } else {
            total += sum / count as f64;
            respondents += 1;
        }
    }
    if respondents == 0 {
        return Err(GainError::NoRespondents);
    }
    Ok(Satisfaction { index: total / respondents as f64, respondents, blank })
}
