//! Peer learning and coaching, pure: the words of professional learning communities (PLCs),
//! lesson study and coaching, and the rules that need no database.
//!
//! - [`would_cycle`]: a coaching relation coach → coachee within a programme may not close
//!   a loop (cascades are of any depth, and a person can coach and be coached).
//! - [`band_for`] and [`check_bands`]: the feedback band a rubric domain's score falls in.
//! - [`visit_plan`]: a coach's coachees, those not visited this term first, overdue
//!   follow-ups flagged.
//! - [`coverage`]: share of coachees visited this term, visits per coachee, repeat visits.
//! - [`regularity`], [`on_time`], [`carried_over`]: PLC meetings held against planned,
//!   action points closed on time, open action points carried to the next meeting.
//!
//! Not here: where these are stored, who may read them, the clock (callers pass "today").

use crate::table::Problem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

use crate::vocabulary::vocabulary;

vocabulary!(
    /// Where a PLC meets: its members come from one school, a cluster of schools, a sector
    /// or a district.
    PlcLevel {
        School => "school",
        Cluster => "cluster",
        Sector => "sector",
        District => "district",
    }
);

vocabulary!(
    /// What a person is in a PLC.
    MemberRole {
        Member => "member",
        Facilitator => "facilitator",
        SupportingOfficer => "supporting_officer",
    }
);

vocabulary!(
    /// Where an action point stands. `Done` and `Dropped` close it.
    ActionStatus {
        Open => "open",
        InProgress => "in_progress",
        Done => "done",
        Dropped => "dropped",
    }
);

impl ActionStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::Dropped)
    }
}

vocabulary!(
    /// The stages of a lesson study cycle, in order.
    LessonStudyStage {
        Plan => "plan",
        TeachObserve => "teach_observe",
        Reflect => "reflect",
        Revise => "revise",
        Share => "share",
    }
);

impl LessonStudyStage {
    /// The stage after this one; none after sharing.
    pub fn next(self) -> Option<LessonStudyStage> {
        let i = LessonStudyStage::ALL.iter().position(|s| *s == self).expect("listed");
        LessonStudyStage::ALL.get(i + 1).copied()
    }
}

vocabulary!(
    /// What an uploaded artefact of a lesson study is.
    ArtefactKind {
        LessonPlan => "lesson_plan",
        DigitisedLesson => "digitised_lesson",
        Photo => "photo",
        Other => "other",
    }
);

/// Whether adding coach → coachee to `relations` (coach, coachee pairs of one programme)
/// would close a loop: the coachee already coaches the coach, at any depth, or they are the
/// same person. Returns the loop found (coachee … coach) so a message can name it.
pub fn would_cycle(relations: &[(i64, i64)], coach: i64, coachee: i64) -> Option<Vec<i64>> {
    if coach == coachee {
        return Some(vec![coach]);
    }
    let mut below: HashMap<i64, Vec<i64>> = HashMap::new();
    for (c, e) in relations {
        below.entry(*c).or_default().push(*e);
    }
    // Depth-first from the coachee down its cascade, keeping the way back.
    let mut came_from: HashMap<i64, i64> = HashMap::new();
    let mut seen: HashSet<i64> = HashSet::from([coachee]);
    let mut stack = vec![coachee];
    while let Some(person) = stack.pop() {
        if person == coach {
            let mut way = vec![coach];
            let mut at = coach;
            while let Some(prev) = came_from.get(&at) {
                way.push(*prev);
                at = *prev;
            }
            way.reverse();
            return Some(way);
        }
        for next in below.get(&person).into_iter().flatten() {
            if seen.insert(*next) {
                came_from.insert(*next, person);
                stack.push(*next);
            }
        }
    }
    None
}

/// A feedback band: scores from `min` (included) to `max` (included) of a rubric domain
/// get this text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub min: f64,
    pub max: f64,
    pub label: String,
    pub feedback: String,
}

/// The band `score` falls in; none when the bands leave it out.
pub fn band_for(bands: &[Band], score: f64) -> Option<&Band> {
    bands.iter().find(|b| score >= b.min && score <= b.max)
}

/// Checks one domain's bands in one language: each from ≤ to, none overlapping another.
/// Problems name the band by its place in the list (`bands[2].min`).
pub fn check_bands(bands: &[Band]) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    for (i, b) in bands.iter().enumerate() {
        if !b.min.is_finite() {
            problems
                .push(Problem::new("bad-number").in_column(format!("bands[{i}].min")).with_value(b.min.to_string()));
        }
        if !b.max.is_finite() || b.max < b.min {
            problems.push(
                Problem::new("band-ends-before-start")
                    .in_column(format!("bands[{i}].max"))
                    .with_value(b.max.to_string())
                    .arg("min", b.min),
            );
        }
    }
    if problems.is_empty() {
        for (i, a) in bands.iter().enumerate() {
            if let Some((j, _)) = bands.iter().enumerate().skip(i + 1).find(|(_, b)| a.min <= b.max && b.min <= a.max) {
                problems.push(
                    Problem::new("band-overlap").in_column(format!("bands[{j}]")).arg("other", format!("bands[{i}]")),
                );
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// A term: the period "this term" means in coverage and visit plans (both days included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Term {
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.start && day <= self.end
    }
}

/// What a plan or a coverage figure needs of one coachee: the visits received (their dates
/// and the next visit each agreed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoacheeVisits {
    pub coachee: i64,
    /// (visited on, next visit agreed on), in any order.
    pub visits: Vec<(NaiveDate, Option<NaiveDate>)>,
}

impl CoacheeVisits {
    fn last(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        self.visits.iter().copied().max_by_key(|(d, _)| *d)
    }

    fn in_term(&self, term: &Term) -> usize {
        self.visits.iter().filter(|(d, _)| term.contains(*d)).count()
    }
}

/// One line of a coach's visit plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    pub coachee: i64,
    pub visits_this_term: usize,
    pub last_visit: Option<NaiveDate>,
    /// The next visit agreed at the last one.
    pub next_visit: Option<NaiveDate>,
    /// The next visit agreed at the last one is before today.
    pub overdue: bool,
}

/// A coach's visit plan: coachees not visited this term first (never visited before those
/// visited long ago), then overdue follow-ups (longest overdue first), then the rest by the
/// next visit agreed (soonest first) and the last visit (oldest first). Ties by coachee id,
/// so the order is stable.
pub fn visit_plan(coachees: &[CoacheeVisits], term: &Term, today: NaiveDate) -> Vec<PlanLine> {
    let mut lines: Vec<PlanLine> = coachees
        .iter()
        .map(|c| {
            let last = c.last();
            let next_visit = last.and_then(|(_, n)| n);
            PlanLine {
                coachee: c.coachee,
                visits_this_term: c.in_term(term),
                last_visit: last.map(|(d, _)| d),
                next_visit,
                overdue: next_visit.is_some_and(|n| n < today),
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        let group = |l: &PlanLine| {
            if l.visits_this_term == 0 {
                0
            } else if l.overdue {
                1
            } else {
                2
            }
        };
        group(a)
            .cmp(&group(b))
            .then_with(|| match group(a) {
                0 => a.last_visit.cmp(&b.last_visit),
                _ => a.next_visit.unwrap_or(NaiveDate::MAX).cmp(&b.next_visit.unwrap_or(NaiveDate::MAX)),
            })
            .then_with(|| a.last_visit.cmp(&b.last_visit))
            .then_with(|| a.coachee.cmp(&b.coachee))
    });
    lines
}

/// Coverage of a set of coachees in a term.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Coverage {
    pub coachees: i64,
    /// Coachees with at least one visit in the term.
    pub visited: i64,
    /// Visits in the term.
    pub visits: i64,
    /// Coachees with two visits or more in the term.
    pub repeat: i64,
}

impl Coverage {
    /// visited / coachees in percent, one decimal; none without coachees.
    pub fn share(&self) -> Option<f64> {
        percent(self.visited, self.coachees)
    }

    /// Visits in the term per coachee, two decimals; none without coachees.
    pub fn visits_per_coachee(&self) -> Option<f64> {
        (self.coachees > 0).then(|| (self.visits as f64 * 100.0 / self.coachees as f64).round() / 100.0)
    }

    pub fn add(&mut self, other: &Coverage) {
        self.coachees += other.coachees;
        self.visited += other.visited;
        self.visits += other.visits;
        self.repeat += other.repeat;
    }
}

/// The coverage of `coachees` in `term` (each coachee counted once).
pub fn coverage(coachees: &[CoacheeVisits], term: &Term) -> Coverage {
    let mut out = Coverage::default();
    let mut seen = HashSet::new();
    for c in coachees.iter().filter(|c| seen.insert(c.coachee)) {
        let n = c.in_term(term) as i64;
        out.coachees += 1;
        out.visits += n;
        out.visited += i64::from(n > 0);
        out.repeat += i64::from(n > 1);
    }
    out
}

/// `part / whole` in percent, one decimal; none when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// PLC regularity: meetings held against meetings planned, in percent (one decimal). More
/// meetings than planned count as 100%; none when nothing was planned.
pub fn regularity(held: i64, planned: i64) -> Option<f64> {
    percent(held.min(planned), planned)
}

/// The meetings a PLC that meets `per_term` times a term plans over `days` days of a term of
/// `term_days` days (a part of a term plans its share, rounded up).
pub fn planned_meetings(per_term: i64, days: i64, term_days: i64) -> i64 {
    if term_days <= 0 || per_term <= 0 || days <= 0 {
        return 0;
    }
    let days = days.min(term_days);
    (per_term * days + term_days - 1) / term_days
}

/// An action point as the on-time and carry-over rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointState {
    pub id: i64,
    /// The meeting day it was agreed on.
    pub agreed_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: ActionStatus,
    /// When it was closed (done or dropped).
    pub closed_on: Option<NaiveDate>,
}

/// Action points closed on time, among those due by `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OnTime {
    /// Points due on or before today (dropped ones left out).
    pub due: i64,
    pub closed_on_time: i64,
    pub closed_late: i64,
    /// Due, not closed.
    pub overdue: i64,
}

impl OnTime {
    pub fn share(&self) -> Option<f64> {
        percent(self.closed_on_time, self.due)
    }
}

/// Counts the points due by `today`: done on or before the due day, done after it, or still
/// open. A dropped point is not counted (nothing was to be done).
pub fn on_time(points: &[PointState], today: NaiveDate) -> OnTime {
    let mut out = OnTime::default();
    for p in points.iter().filter(|p| p.due_on <= today && p.status != ActionStatus::Dropped) {
        out.due += 1;
        match (p.status, p.closed_on) {
            (ActionStatus::Done, Some(closed)) if closed <= p.due_on => out.closed_on_time += 1,
            (ActionStatus::Done, _) => out.closed_late += 1,
            _ => out.overdue += 1,
        }
    }
    out
}

/// The action points that reappear at a meeting held on `meeting_day`: agreed at an
/// earlier meeting and not closed before that day (a point closed on the day itself is
/// shown, as it is reported there). Ordered by due day, then id.
pub fn carried_over(points: &[PointState], meeting_day: NaiveDate) -> Vec<i64> {
    let mut kept: Vec<&PointState> = points
        .iter()
        .filter(|p| p.agreed_on < meeting_day)
        .filter(|p| !p.status.is_closed() || p.closed_on.is_some_and(|c| c >= meeting_day))
        .collect();
    kept.sort_by_key(|p| (p.due_on, p.id));
    kept.into_iter().map(|p| p.id).collect()
}

/// Whether a person whose current positions are at `paths` may facilitate or support a PLC
/// that meets at `plc_path`: one of their positions is at its place, inside it (a school's
/// head teacher for its cluster) or over it (a district officer supporting a sector PLC).
/// Someone of another sector or district may not.
pub fn may_lead_at(paths: &[String], plc_path: &str) -> bool {
    paths.iter().any(|p| p.starts_with(plc_path) || plc_path.starts_with(p.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plc_is_led_from_its_place_inside_it_or_over_it_not_from_beside_it() {
        let at = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert!(may_lead_at(&at(&["/1/9/2/3/"]), "/1/9/2/3/"));
        assert!(may_lead_at(&at(&["/1/9/5/6/", "/1/9/2/3/7/"]), "/1/9/2/3/"));
        assert!(may_lead_at(&at(&["/1/9/2/"]), "/1/9/2/3/"));
        assert!(!may_lead_at(&at(&["/1/9/2/4/"]), "/1/9/2/3/"));
        assert!(!may_lead_at(&at(&["/1/9/2/33/"]), "/1/9/2/3/"), "a path is cut at its slashes");
        assert!(!may_lead_at(&[], "/1/9/2/3/"));
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn enums_parse_keys_in_any_case_and_name_the_allowed_values() {
        assert_eq!(PlcLevel::parse(" Sector ").unwrap(), PlcLevel::Sector);
        assert_eq!(MemberRole::parse("supporting officer").unwrap(), MemberRole::SupportingOfficer);
        assert_eq!(ActionStatus::parse("in-progress").unwrap(), ActionStatus::InProgress);
        assert_eq!(LessonStudyStage::parse("teach_observe").unwrap(), LessonStudyStage::TeachObserve);
        assert_eq!(ArtefactKind::parse("Lesson plan").unwrap(), ArtefactKind::LessonPlan);
        let p = PlcLevel::parse("province").unwrap_err();
        assert_eq!(p.code, "bad-choice");
        assert_eq!(p.value.as_deref(), Some("province"));
        assert!(p.message("en").contains("school, cluster, sector, district"), "{}", p.message("en"));
        for s in LessonStudyStage::ALL {
            assert_eq!(LessonStudyStage::parse(s.key()).unwrap(), *s);
        }
        assert_eq!(LessonStudyStage::Plan.next(), Some(LessonStudyStage::TeachObserve));
        assert_eq!(LessonStudyStage::Share.next(), None);
        assert!(ActionStatus::Dropped.is_closed() && !ActionStatus::Open.is_closed());
    }

    #[test]
    fn a_relation_closing_a_loop_at_any_depth_is_found() {
        // 1 advisor › 2 national leader › 3 local leader › 4 head teacher.
        let cascade = [(1, 2), (2, 3), (3, 4)];
        assert_eq!(would_cycle(&cascade, 4, 1), Some(vec![1, 2, 3, 4]));
        assert_eq!(would_cycle(&cascade, 3, 2), Some(vec![2, 3]));
        assert_eq!(would_cycle(&cascade, 5, 5), Some(vec![5]));
        // A person can coach and be coached; a second coach is no loop.
        assert_eq!(would_cycle(&cascade, 1, 4), None);
        assert_eq!(would_cycle(&cascade, 4, 5), None);
        // A diamond is no loop either.
        let diamond = [(1, 2), (1, 3), (2, 4), (3, 4)];
        assert_eq!(would_cycle(&diamond, 2, 3), None);
        let way = would_cycle(&diamond, 4, 1).expect("a loop");
        assert!(way == vec![1, 2, 4] || way == vec![1, 3, 4], "{way:?}");
    }

    fn band(min: f64, max: f64, label: &str) -> Band {
        Band { min, max, label: label.into(), feedback: format!("{label} feedback") }
    }

    #[test]
    fn a_score_falls_in_its_band_and_bad_bands_are_named() {
        let bands = vec![band(0.0, 1.99, "emerging"), band(2.0, 2.99, "developing"), band(3.0, 4.0, "proficient")];
        assert!(check_bands(&bands).is_ok());
        assert_eq!(band_for(&bands, 0.0).unwrap().label, "emerging");
        assert_eq!(band_for(&bands, 2.0).unwrap().label, "developing");
        assert_eq!(band_for(&bands, 4.0).unwrap().label, "proficient");
        assert_eq!(band_for(&bands, 4.5), None);
        let overlapping = vec![band(0.0, 2.0, "a"), band(1.5, 3.0, "b")];
        let problems = check_bands(&overlapping).unwrap_err();
        assert_eq!(problems[0].code, "band-overlap");
        assert_eq!(problems[0].column.as_deref(), Some("bands[1]"));
        let backwards = vec![band(3.0, 2.0, "a")];
        let problems = check_bands(&backwards).unwrap_err();
        assert_eq!(problems[0].code, "band-ends-before-start");
        assert_eq!(problems[0].column.as_deref(), Some("bands[0].max"));
    }

    fn term() -> Term {
        Term { start: day("2026-09-01"), end: day("2026-12-15") }
    }

    #[test]
    fn the_visit_plan_puts_the_unvisited_first_and_flags_overdue_follow_ups() {
        let today = day("2026-11-10");
        let coachees = vec![
            // Visited this term, next visit in December: last.
            CoacheeVisits { coachee: 1, visits: vec![(day("2026-10-01"), Some(day("2026-12-01")))] },
            // Visited this term, follow-up due in October: overdue.
            CoacheeVisits { coachee: 2, visits: vec![(day("2026-09-20"), Some(day("2026-10-20")))] },
            // Visited last term only.
            CoacheeVisits { coachee: 3, visits: vec![(day("2026-06-01"), Some(day("2026-07-01")))] },
            // Never visited.
            CoacheeVisits { coachee: 4, visits: vec![] },
        ];
        let plan = visit_plan(&coachees, &term(), today);
        assert_eq!(plan.iter().map(|l| l.coachee).collect::<Vec<_>>(), vec![4, 3, 2, 1]);
        assert_eq!(plan.iter().map(|l| l.overdue).collect::<Vec<_>>(), vec![false, true, true, false]);
        assert_eq!(plan[2].visits_this_term, 1);
        assert_eq!(plan[1].last_visit, Some(day("2026-06-01")));
    }

    #[test]
    fn coverage_counts_each_coachee_once_and_repeat_visits() {
        let coachees = vec![
            CoacheeVisits { coachee: 1, visits: vec![(day("2026-09-10"), None), (day("2026-10-10"), None)] },
            CoacheeVisits { coachee: 2, visits: vec![(day("2026-09-12"), None), (day("2026-05-01"), None)] },
            CoacheeVisits { coachee: 3, visits: vec![] },
            CoacheeVisits { coachee: 3, visits: vec![] },
            CoacheeVisits { coachee: 4, visits: vec![(day("2026-12-16"), None)] },
        ];
        let c = coverage(&coachees, &term());
        assert_eq!(c, Coverage { coachees: 4, visited: 2, visits: 3, repeat: 1 });
        assert_eq!(c.share(), Some(50.0));
        assert_eq!(c.visits_per_coachee(), Some(0.75));
        assert_eq!(Coverage::default().share(), None);
    }

    #[test]
    fn regularity_and_planned_meetings() {
        assert_eq!(regularity(2, 3), Some(66.7));
        assert_eq!(regularity(4, 3), Some(100.0));
        assert_eq!(regularity(1, 0), None);
        assert_eq!(planned_meetings(3, 106, 106), 3);
        assert_eq!(planned_meetings(3, 40, 106), 2);
        assert_eq!(planned_meetings(3, 500, 106), 3);
        assert_eq!(planned_meetings(0, 10, 106), 0);
    }

    fn point(id: i64, agreed: &str, due: &str, status: ActionStatus, closed: Option<&str>) -> PointState {
        PointState { id, agreed_on: day(agreed), due_on: day(due), status, closed_on: closed.map(day) }
    }

    #[test]
    fn action_points_closed_on_time_and_carried_over_until_closed() {
        use ActionStatus::*;
        let points = vec![
            point(1, "2026-09-05", "2026-09-30", Done, Some("2026-09-28")),
            point(2, "2026-09-05", "2026-09-30", Done, Some("2026-10-03")),
            point(3, "2026-09-05", "2026-10-15", Open, None),
            point(4, "2026-09-05", "2026-10-01", Dropped, Some("2026-09-20")),
            point(5, "2026-10-05", "2026-12-01", InProgress, None),
            point(6, "2026-09-05", "2026-09-20", Done, Some("2026-10-05")),
        ];
        let t = on_time(&points, day("2026-11-01"));
        assert_eq!(t, OnTime { due: 4, closed_on_time: 1, closed_late: 2, overdue: 1 });
        assert_eq!(t.share(), Some(25.0));
        // At the meeting of 5 October: the one closed that day and the one still open, by due day.
        assert_eq!(carried_over(&points, day("2026-10-05")), vec![6, 3]);
        // At the meeting of 5 November: the open ones from both earlier meetings.
        assert_eq!(carried_over(&points, day("2026-11-05")), vec![3, 5]);
        // Nothing is carried to the meeting that agreed it.
        assert!(carried_over(&points, day("2026-09-05")).is_empty());
    }
}
