//! From a needs assessment to a trajectory: a person's scores per professional standard
//! name their needs (the standards below [`NEED_BELOW`] percent of the maximum, weakest
//! first), and the courses whose modules serve those standards are recommended, those
//! serving the most needs (then the weakest) first, each with the standards it serves.
//!
//! A standard the assessment did not score is not a need: nothing is known of it.

use serde::Serialize;
use std::collections::BTreeMap;

/// A standard scored below this percent of its maximum is a need.
pub const NEED_BELOW: f64 = 60.0;

/// How many courses a person is recommended at most.
pub const MOST_COURSES: usize = 3;

/// A standard's score on the assessment, as a percent of its maximum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardScore {
    pub standard: String,
    pub percent: f64,
}

/// A module of a course and the standards it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub course: String,
    pub module: String,
    pub standards: Vec<String>,
}

/// A course recommended, the modules in it that serve a need, and those needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub course: String,
    pub modules: Vec<String>,
    /// The needs it serves, weakest first.
    pub serves: Vec<StandardScore>,
}

/// The needs among `scores`, weakest first (ties by standard).
pub fn needs(scores: &[StandardScore]) -> Vec<StandardScore> {
    let mut out: Vec<StandardScore> =
        scores.iter().filter(|s| s.percent.is_finite() && s.percent < NEED_BELOW).cloned().collect();
    out.sort_by(|a, b| a.percent.total_cmp(&b.percent).then_with(|| a.standard.cmp(&b.standard)));
    out
}

/// The courses to recommend for `scores` among `offers`: those serving the most needs
/// first, then the one serving the weakest, then by course; at most [`MOST_COURSES`].
pub fn recommend(scores: &[StandardScore], offers: &[Offer]) -> Vec<Recommendation> {
    let needs = needs(scores);
    let mut by_course: BTreeMap<&str, (Vec<String>, Vec<StandardScore>)> = BTreeMap::new();
    for offer in offers {
        let served: Vec<&StandardScore> = needs.iter().filter(|n| offer.standards.contains(&n.standard)).collect();
        if served.is_empty() {
            continue;
        }
        let entry = by_course.entry(offer.course.as_str()).or_default();
        if !entry.0.contains(&offer.module) {
            entry.0.push(offer.module.clone());
        }
        for s in served {
            if !entry.1.iter().any(|x| x.standard == s.standard) {
                entry.1.push(s.clone());
            }
        }
    }
    let mut out: Vec<Recommendation> = by_course
        .into_iter()
        .map(|(course, (modules, mut serves))| {
            serves.sort_by(|a, b| a.percent.total_cmp(&b.percent).then_with(|| a.standard.cmp(&b.standard)));
            Recommendation { course: course.to_string(), modules, serves }
        })
        .collect();
    out.sort_by(|a, b| {
        b.serves
            .len()
            .cmp(&a.serves.len())
            .then_with(|| a.serves[0].percent.total_cmp(&b.serves[0].percent))
            .then_with(|| a.course.cmp(&b.course))
    });
    out.truncate(MOST_COURSES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(standard: &str, percent: f64) -> StandardScore {
        StandardScore { standard: standard.into(), percent }
    }

    fn offer(course: &str, module: &str, standards: &[&str]) -> Offer {
        Offer {
            course: course.into(),
            module: module.into(),
            standards: standards.iter().map(|x| x.to_string()).collect(),
        }
    }

    #[test]
    fn needs_are_the_standards_below_the_bar_weakest_first() {
        let scores = [s("SL1", 80.0), s("SL2", 40.0), s("SL3", 59.9), s("SL4", 60.0), s("SL5", f64::NAN)];
        let got: Vec<String> = needs(&scores).into_iter().map(|n| n.standard).collect();
        assert_eq!(got, vec!["SL2", "SL3"]);
    }

    #[test]
    fn courses_serving_more_needs_then_the_weakest_come_first_with_their_modules() {
        let scores = [s("SL1", 30.0), s("SL2", 50.0), s("SL3", 20.0), s("SL4", 90.0)];
        let offers = [
            offer("LEAD", "M1", &["SL1"]),
            offer("LEAD", "M2", &["SL2", "SL4"]),
            offer("TEACH", "M1", &["SL3"]),
            offer("ORG", "M1", &["SL4"]),
            offer("COMM", "M1", &["SL2"]),
        ];
        let got = recommend(&scores, &offers);
        let courses: Vec<&str> = got.iter().map(|r| r.course.as_str()).collect();
        assert_eq!(courses, vec!["LEAD", "TEACH", "COMM"]);
        assert_eq!(got[0].modules, vec!["M1", "M2"]);
        assert_eq!(got[0].serves.iter().map(|x| x.standard.as_str()).collect::<Vec<_>>(), vec!["SL1", "SL2"]);
        // Nobody is sent to a course for a standard they meet.
        assert!(recommend(&[s("SL4", 90.0)], &offers).is_empty());
    }
}
