//! Flow rates between grades as UNESCO's UIS defines them, the gender parity index and
//! equity gaps.
//!
//! With `E(g, t)` the learners enrolled in grade `g` in school year `t` and `R(g, t)`
//! those of them repeating grade `g`:
//! - repetition rate `RR(g, t) = R(g, t+1) / E(g, t)`;
//! - promotion rate `PR(g, t) = (E(g+1, t+1) − R(g+1, t+1)) / E(g, t)`;
//! - drop-out rate `DR(g, t) = 1 − PR(g, t) − RR(g, t)`;
//! - survival to grade `k` by the reconstructed cohort method: a cohort entering the first
//!   grade flows through the grades with year `t`'s rates, repeating, being promoted or
//!   leaving each year, with no new entrants after the first year; the survival to grade
//!   `k` is the share of the cohort that ever reaches grade `k`.
//!
//! A rate whose enrolment `E(g, t)` is zero has no value (`None`), never a division by
//! zero. The last grade has no promotion (UIS counts its graduates, which are not held
//! here), hence no drop-out rate either: its repetition rate alone is given.

use serde::Serialize;

/// Enrolment and repeaters of one grade in two consecutive years, and of the next grade in
/// the second year: what one grade's flow rates are read from.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct GradeYears {
    /// `E(g, t)`.
    pub enrolled: i64,
    /// `R(g, t+1)`.
    pub repeating_next: i64,
    /// `E(g+1, t+1)` and `R(g+1, t+1)`; `None` for the last grade.
    pub next_grade: Option<(i64, i64)>,
}

/// The flow rates of one grade in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlowRates {
    pub repetition: Option<f64>,
    pub promotion: Option<f64>,
    pub dropout: Option<f64>,
}

/// `RR`, `PR` and `1 − PR − RR` for one grade and year.
pub fn flow_rates(g: GradeYears) -> FlowRates {
    if g.enrolled <= 0 {
        return FlowRates { repetition: None, promotion: None, dropout: None };
    }
    let e = g.enrolled as f64;
    let repetition = g.repeating_next as f64 / e;
    let promotion = g.next_grade.map(|(next_enrolled, next_repeating)| (next_enrolled - next_repeating) as f64 / e);
    FlowRates { repetition: Some(repetition), promotion, dropout: promotion.map(|p| 1.0 - p - repetition) }
}

/// The rates of every grade in order, from enrolment `enrolled[g]` in year `t`, and
/// enrolment and repeaters in year `t+1` (`enrolled_next[g]`, `repeating_next[g]`), grades
/// numbered from 0 in the same order in the three slices.
pub fn grade_rates(enrolled: &[i64], enrolled_next: &[i64], repeating_next: &[i64]) -> Vec<FlowRates> {
    let n = enrolled.len();
    (0..n)
        .map(|g| {
            let at = |v: &[i64], i: usize| v.get(i).copied().unwrap_or(0);
            flow_rates(GradeYears {
                enrolled: enrolled[g],
                repeating_next: at(repeating_next, g),
                next_grade: (g + 1 < n).then(|| (at(enrolled_next, g + 1), at(repeating_next, g + 1))),
            })
        })
        .collect()
}

/// The rates of several grades taken together, from each grade's enrolment `E(g, t)` and
/// rates (as [`grade_rates`] gives them): each rate weighted by its grade's enrolment,
/// over the grades with a promotion rate (not the last grade, whose promotion UIS counts
/// from its graduates, nor a grade with nobody enrolled), so that promotion, repetition and
/// drop-out still add up to one. Weighted so, the promotion rate is the learners promoted
/// from those grades over the learners enrolled in them. No rate when no grade has one.
pub fn across_grades(grades: &[(i64, FlowRates)]) -> FlowRates {
    let (mut enrolled, mut promoted, mut repeating) = (0.0, 0.0, 0.0);
    for (e, r) in grades {
        if let (Some(pr), Some(rr)) = (r.promotion, r.repetition)
            && *e > 0
        {
            enrolled += *e as f64;
            promoted += *e as f64 * pr;
            repeating += *e as f64 * rr;
        }
    }
    if enrolled <= 0.0 {
        return FlowRates { repetition: None, promotion: None, dropout: None };
    }
    let (promotion, repetition) = (promoted / enrolled, repeating / enrolled);
    FlowRates { repetition: Some(repetition), promotion: Some(promotion), dropout: Some(1.0 - promotion - repetition) }
}

/// How far the reconstructed cohort is followed: years, and the share of the cohort still
/// in school below which the flow stops.
const COHORT_YEARS: usize = 200;
const COHORT_REST: f64 = 1e-12;

/// Survival to each grade by the reconstructed cohort method, from the grades' rates in
/// order (the last grade's promotion is not used): `survival[k]` is the share of a cohort
/// entering the first grade that reaches grade `k` (`survival[0]` is 1). `None` from the
/// first grade whose rates are unknown onwards.
pub fn survival(rates: &[FlowRates]) -> Vec<Option<f64>> {
    let n = rates.len();
    if n == 0 {
        return Vec::new();
    }
    // The grades whose rates are known, from the first: survival past them is computed.
    let known = rates[..n - 1].iter().take_while(|r| r.promotion.is_some() && r.repetition.is_some()).count();
    let mut reached = vec![0.0f64; n];
    reached[0] = 1.0;
    // in_grade[g]: the part of the cohort sitting in grade g this year.
    let mut in_grade = vec![0.0f64; n];
    in_grade[0] = 1.0;
    for _ in 0..COHORT_YEARS {
        let mut next = vec![0.0f64; n];
        for g in 0..known {
            let (pr, rr) = (rates[g].promotion.unwrap_or(0.0), rates[g].repetition.unwrap_or(0.0));
            next[g] += in_grade[g] * rr;
            next[g + 1] += in_grade[g] * pr;
            reached[g + 1] += in_grade[g] * pr;
        }
        in_grade = next;
        if in_grade[..known].iter().sum::<f64>() < COHORT_REST {
            break;
        }
    }
    (0..n).map(|k| (k <= known).then_some(reached[k])).collect()
}

/// The gender parity index: the value for girls over the value for boys; none when the
/// boys' value is zero.
pub fn parity_index(female: f64, male: f64) -> Option<f64> {
    (male != 0.0).then(|| female / male)
}

/// The adjusted gender parity index, symmetric around 1: `F/M` when it is at most 1, and
/// `2 − M/F` above, so that girls ahead and boys ahead by the same factor lie as far from
/// parity.
pub fn adjusted_parity_index(female: f64, male: f64) -> Option<f64> {
    let gpi = parity_index(female, male)?;
    Some(if gpi <= 1.0 { gpi } else { 2.0 - male / female })
}

/// A rate of one group: the count that met the condition and the group's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GroupRate {
    pub count: i64,
    /// The sample size: the group's learners.
    pub size: i64,
}

impl GroupRate {
    pub fn rate(self) -> Option<f64> {
        (self.size > 0).then(|| self.count as f64 / self.size as f64)
    }
}

/// The gap between a group and its reference group (girls against boys, refugees against
/// the others…): the difference of their rates in percentage points, with both sample
/// sizes shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EquityGap {
    pub group: GroupRate,
    pub reference: GroupRate,
    /// `100 × (rate of the group − rate of the reference)`; none when either size is 0.
    pub points: Option<f64>,
    /// The parity index of the two rates (group over reference).
    pub parity: Option<f64>,
}

pub fn equity_gap(group: GroupRate, reference: GroupRate) -> EquityGap {
    let (a, b) = (group.rate(), reference.rate());
    let points = a.zip(b).map(|(a, b)| 100.0 * (a - b));
    let parity = a.zip(b).and_then(|(a, b)| parity_index(a, b));
    EquityGap { group, reference, points, parity }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a value");
        assert!((a - b).abs() < 1e-9, "{a} is not {b}");
    }

    /// A worked example, computed by hand. Three grades, school years 2023 and 2024.
    ///
    /// | grade | E(g, 2023) | E(g, 2024) | R(g, 2024) |
    /// | ----- | ---------- | ---------- | ---------- |
    /// | P1    | 1000       | 950        | 100        |
    /// | P2    | 800        | 860        | 40         |
    /// | P3    | 700        | 752        | 32         |
    ///
    /// P1: RR = 100/1000 = 0.10; PR = (860 − 40)/1000 = 820/1000 = 0.82;
    ///     DR = 1 − 0.82 − 0.10 = 0.08.
    /// P2: RR = 40/800 = 0.05; PR = (752 − 32)/800 = 720/800 = 0.90;
    ///     DR = 1 − 0.90 − 0.05 = 0.05.
    /// P3: RR = 32/700 = 0.0457142857…; no promotion (last grade), no drop-out.
    ///
    /// Reconstructed cohort of 1000 entering P1: each year 10% of those in P1 repeat, so
    /// those reaching P2 are 820 + 82 + 8.2 + … = 820/(1 − 0.10) = 911.11…, survival to P2
    /// 0.911111…. Of those, P2 promotes 0.90 and keeps 0.05 each year, so P3 is reached by
    /// 911.11 × 0.90/(1 − 0.05) = 911.11 × 0.947368… = 863.157894…, survival to P3
    /// 0.82 × 0.90 / (0.90 × 0.95) = 0.82/0.95 = 0.863157894….
    #[test]
    fn uis_flow_rates_and_survival_on_a_worked_example() {
        let rates = grade_rates(&[1000, 800, 700], &[950, 860, 752], &[100, 40, 32]);
        close(rates[0].repetition, 0.10);
        close(rates[0].promotion, 0.82);
        close(rates[0].dropout, 0.08);
        close(rates[1].repetition, 0.05);
        close(rates[1].promotion, 0.90);
        close(rates[1].dropout, 0.05);
        close(rates[2].repetition, 32.0 / 700.0);
        assert_eq!((rates[2].promotion, rates[2].dropout), (None, None));
        let s = survival(&rates);
        close(s[0], 1.0);
        close(s[1], 0.82 / 0.90);
        close(s[2], 0.82 / 0.95);
        // In cohort terms: 863 of 1000 entrants reach P3.
        assert_eq!((s[2].unwrap() * 1000.0).round(), 863.0);
    }

    /// The worked example's grades taken together: P1 and P2 (P3 has no promotion) weighted
    /// by their enrolment in 2023. Promotion (820 + 720) / 1800 = 0.855…; repetition
    /// (100 + 40) / 1800 = 0.0777…; drop-out 1 − both = (80 + 40) / 1800 = 0.0666….
    #[test]
    fn grades_taken_together_weigh_each_by_its_enrolment_and_leave_out_the_last() {
        let enrolled = [1000, 800, 700];
        let rates = grade_rates(&enrolled, &[950, 860, 752], &[100, 40, 32]);
        let pairs: Vec<(i64, FlowRates)> = enrolled.iter().copied().zip(rates).collect();
        let all = across_grades(&pairs);
        close(all.promotion, 1540.0 / 1800.0);
        close(all.repetition, 140.0 / 1800.0);
        close(all.dropout, 120.0 / 1800.0);
        // A grade nobody was enrolled in, or no grade with a next one: no rate.
        let none = across_grades(&pairs[2..]);
        assert_eq!((none.promotion, none.repetition, none.dropout), (None, None, None));
        let empty = grade_rates(&[0, 0], &[5, 5], &[0, 0]);
        let none = across_grades(&[(0, empty[0]), (0, empty[1])]);
        assert_eq!(none.promotion, None);
    }

    #[test]
    fn an_empty_grade_has_no_rates_and_stops_the_cohort() {
        let rates = grade_rates(&[100, 0, 50], &[90, 80, 40], &[10, 5, 2]);
        assert_eq!(rates[1], FlowRates { repetition: None, promotion: None, dropout: None });
        let s = survival(&rates);
        assert!(s[1].is_some());
        assert_eq!(s[2], None, "grade 2's rates are unknown, so survival to grade 3 is");
        assert!(survival(&[]).is_empty());
    }

    /// GPI by hand: girls' rate 0.60, boys' 0.50: F/M = 1.2, above 1, so the adjusted index
    /// is 2 − M/F = 2 − 0.50/0.60 = 2 − 0.8333… = 1.1666…. Below parity, 0.45/0.50 = 0.9
    /// is its own adjusted value.
    #[test]
    fn gender_parity_index_and_its_adjusted_form() {
        close(parity_index(0.60, 0.50), 1.2);
        close(adjusted_parity_index(0.60, 0.50), 2.0 - 0.5 / 0.6);
        close(adjusted_parity_index(0.45, 0.50), 0.9);
        // Girls ahead by 1.2 and boys ahead by 1.2 are as far from 1.
        let ahead = adjusted_parity_index(0.6, 0.5).unwrap() - 1.0;
        let behind = 1.0 - adjusted_parity_index(0.5, 0.6).unwrap();
        assert!((ahead - behind).abs() < 1e-9 && ahead > 0.0, "{ahead} {behind}");
        assert_eq!(parity_index(0.5, 0.0), None);
    }

    /// Girls: 45 of 60 proficient (75%); boys: 40 of 80 (50%): a gap of +25 points, a parity
    /// of 0.75/0.50 = 1.5, and the sizes 60 and 80 kept beside it.
    #[test]
    fn equity_gap_with_sample_sizes() {
        let gap = equity_gap(GroupRate { count: 45, size: 60 }, GroupRate { count: 40, size: 80 });
        close(gap.points, 25.0);
        close(gap.parity, 1.5);
        assert_eq!((gap.group.size, gap.reference.size), (60, 80));
        let none = equity_gap(GroupRate { count: 0, size: 0 }, GroupRate { count: 4, size: 8 });
        assert_eq!((none.points, none.parity), (None, None));
    }
}
