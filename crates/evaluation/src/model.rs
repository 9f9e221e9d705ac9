//! The request and answer shapes of the evaluation area (every request refuses unknown
//! fields). Answers are made here from the domain's results, never serialised from a
//! table's row or a domain type, so the API document says exactly what leaves.

use opencpd_domain::evaluation::did;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A new evaluation: the place it covers, its arms and its rounds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    pub code: String,
    pub name: String,
    /// The code of the unit whose schools take part (a district, a province, the country).
    pub unit: String,
    /// `randomised` or `observational`: what the estimates may be read as.
    pub assignment: String,
    /// The units of assignment: `schools` (the default) or `people` (teachers, say, each
    /// assigned to an arm; their outcomes read from their own observations and tests).
    #[serde(default)]
    pub units: Option<String>,
    /// Two or more, exactly one of them the comparison.
    pub arms: Vec<ArmInput>,
    /// In the order they took place: at least one baseline, then midlines and endlines.
    pub rounds: Vec<RoundInput>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArmInput {
    pub code: String,
    pub name: String,
    /// The arm the others are compared with.
    #[serde(default)]
    pub comparison: bool,
    /// Its weight in a draw (1:1 by default).
    #[serde(default = "one")]
    pub ratio: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    pub code: String,
    pub name: String,
    /// `baseline` (before the programme), `midline` or `endline`.
    pub kind: String,
    /// The school year of the learner outcomes this round reads.
    pub year: i64,
    /// The term of those outcomes; 0 (the default) for the whole year.
    #[serde(default)]
    pub term: i64,
    /// The round's first day (`YYYY-MM-DD`): the observations and tests collected from
    /// this day to `ends_on` are the round's, so a pre-test and a post-test of one school
    /// year are two rounds.
    pub starts_on: String,
    /// Its last day, not before `starts_on`. The rounds of an evaluation do not overlap,
    /// and each starts after the rounds listed before it.
    pub ends_on: String,
    /// The codes of the instruments used in the round (its test, its observation rubric,
    /// its survey). An outcome read from tests or observations reads, in this round, only
    /// the instruments listed of that kind; with none of that kind listed, every one.
    #[serde(default)]
    pub instruments: Vec<String>,
}

/// An evaluation with its arms (and how many schools each holds) and rounds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub assignment: String,
    /// `schools` or `people`: what is assigned to the arms.
    pub units: String,
    /// For a design of people drawn by OpenCPD: the role its candidates held.
    pub role: Option<String>,
    /// When the schools (or people) were assigned; none before.
    pub assigned_at: Option<String>,
    /// The seed of OpenCPD's draw (none for an assignment recorded from elsewhere).
    pub seed: Option<String>,
    /// The depth of the units the draw was stratified by (none: not stratified).
    pub strata_depth: Option<i64>,
    pub arms: Vec<Arm>,
    pub rounds: Vec<Round>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Arm {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub comparison: bool,
    pub ratio: i64,
    /// Schools assigned to it.
    pub schools: i64,
    /// People assigned to it (a design of people).
    pub people: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Round {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    /// The school year and term of the learner outcomes it reads.
    pub year: i64,
    pub term: i64,
    /// The days the observations and tests it reads were collected on.
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    /// The codes of the instruments used in it.
    pub instruments: Vec<String>,
    /// After the programme started.
    pub post: bool,
}

/// OpenCPD draws the arms: every school under the evaluation's unit (or, for a design of
/// people, everyone holding a current position at one of those schools, in `role` when
/// given), stratified by the units at `strata_depth` below the country (none: one
/// stratum), in the arms' ratios.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawInput {
    /// A whole number from 0 to 18446744073709551615, recorded with the draw; a random one
    /// when none is given. The same seed and schools give the same arms.
    pub seed: Option<String>,
    pub strata_depth: Option<i64>,
    /// For a design of people: the role the candidates hold (`teacher`, say).
    pub role: Option<String>,
}

/// The evaluators drew the arms themselves: each school's arm (or, for a design of people,
/// each person's), recorded as it is.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    #[serde(default)]
    pub schools: Vec<RecordedSchool>,
    #[serde(default)]
    pub people: Vec<RecordedPerson>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedPerson {
    /// The person's staff number.
    pub person: String,
    /// The arm's code.
    pub arm: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordedSchool {
    /// The school's code.
    pub school: String,
    /// The arm's code.
    pub arm: String,
}

/// Which outcome an estimate or a data set is about.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeQuery {
    /// `mean_score` (the learners' mean score, as a percent of the subject's maximum; the
    /// default), `proficient` (the percent of learners assessed proficient or advanced) or
    /// `practice` (the mean observation score of the school's teachers, as a percent of
    /// the maximum, from the observations collected within the round's dates; no subject
    /// needed; for a design of people, each person's own observations), `test` (a design of
    /// people only: each person's mean test score, as a percent of the maximum, from the
    /// tests about them collected within the round's dates), or
    /// `indicator:<code>`: an indicator of the indicator engine that can be split by school
    /// (`indicator:proficiency-rate`), its value at each school in the round's year (and
    /// term, for an indicator split by term), in the indicator's own unit; no subject needed.
    pub outcome: Option<String>,
    /// The subject's code (for the learners' outcomes).
    pub subject: Option<String>,
    /// A grade's code; every grade when none.
    pub grade: Option<String>,
    /// `pooled` (one effect per arm; the default) or `event_study` (one per arm and round).
    pub spec: Option<String>,
    /// The wild bootstrap's seed (the evaluation's id when none).
    pub seed: Option<String>,
    /// `csv` (default) or `xlsx`, for the data set.
    pub format: Option<String>,
    /// Which K the small-sample factor counts: `every_column` (the default: every column
    /// of the regression with one dummy per school, as statsmodels counts it) or `nested`
    /// (the school effects, nested in the clusters, not counted: on short panels the
    /// default's intervals are wider than they need be).
    pub correction: Option<String>,
}

/// One row of the analysis data set: a school (or a person) in a round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DataRow {
    /// The person, in a design of people (the school is then theirs when assigned).
    pub person_id: Option<i64>,
    pub staff_number: Option<String>,
    pub school_id: i64,
    pub school_code: String,
    pub school_name: String,
    pub stratum: String,
    pub arm: String,
    pub round: String,
    pub post: bool,
    /// The outcome: in percent, or an indicator's value in its own unit.
    pub y: f64,
    /// What it rests on: learners assessed, observations, or an indicator's denominator
    /// (its numerator when it has none).
    pub assessed: i64,
}

/// An impact estimate, with beside every number what it rests on.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImpactReport {
    pub evaluation: String,
    /// The outcome in words (measure, subject, grade).
    pub outcome: String,
    pub spec: String,
    /// N.
    pub observations: i64,
    /// G: schools, or people in a design of people (the units of assignment, which the
    /// standard errors are clustered by).
    pub clusters: i64,
    /// `schools` or `people`: what the clusters are.
    pub units: String,
    /// K, every column counted (the unit effects included), as statsmodels counts it.
    pub parameters: i64,
    /// G − 1, the degrees of freedom of the t intervals.
    pub df: i64,
    /// c = G/(G−1) · (N−1)/(N−K).
    pub small_sample_factor: f64,
    /// `every_column` or `nested`: which K the factor counts.
    pub correction: String,
    pub level: f64,
    pub coefficients: Vec<Coefficient>,
    pub per_arm: Vec<ArmCount>,
    /// The round an event study's coefficients are relative to.
    pub reference_round: Option<String>,
    /// What the estimate may be read as, in the reader's language.
    pub caveats: Vec<String>,
    /// With fewer than 40 clusters: the wild cluster bootstrap interval of each pooled
    /// effect (Rademacher weights, the null imposed).
    pub bootstrap: Vec<BootstrapInterval>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Coefficient {
    pub arm: String,
    /// The round of an event-study coefficient.
    pub round: Option<String>,
    /// In percentage points of the outcome.
    pub estimate: f64,
    /// Cluster-robust (CR1).
    pub se: f64,
    pub t: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ArmCount {
    pub arm: String,
    /// Schools with data in the arm (0 in a design of people).
    pub schools: i64,
    /// People with data in the arm (0 in a design of schools).
    pub people: i64,
    pub observations: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BootstrapInterval {
    pub arm: String,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    pub draws: i64,
    pub seed: String,
    /// With 12 clusters or fewer there are few distinct draws: the ends are coarse.
    pub coarse: bool,
}

impl Coefficient {
    pub fn of(c: &did::Coefficient) -> Coefficient {
        Coefficient {
            arm: c.term.arm_name.clone(),
            round: c.term.round_name.clone(),
            estimate: c.estimate,
            se: c.se,
            t: c.t,
            p_value: c.p_value,
            ci_low: c.ci_low,
            ci_high: c.ci_high,
        }
    }
}

/// A planned design's minimum detectable effect.
#[derive(Debug, Clone, Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PowerQuery {
    /// J: schools (clusters) in the two arms together.
    pub clusters: u32,
    /// n: learners or teachers observed per school.
    pub per_cluster: u32,
    /// ρ: the intra-cluster correlation, from 0 to 1.
    pub icc: f64,
    /// P: the share of schools treated (0.5 by default).
    pub treated_share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Power {
    pub clusters: u32,
    pub per_cluster: u32,
    pub icc: f64,
    pub treated_share: f64,
    pub alpha: f64,
    pub power: f64,
    /// In standard deviations of the outcome.
    pub minimum_detectable_effect: f64,
}

/// A count as it may be shown: the value, or none when suppressed (then `shown` says
/// "<n" instead).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelCount {
    pub value: Option<i64>,
    pub shown: String,
}

/// One Kirkpatrick level (or one measure of it): how many it rests on, out of how many,
/// and its measure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelLevel {
    /// 1 reaction, 2 learning, 3 behaviour, 4 results (three times: learner outcomes,
    /// school culture, then the schools' flows).
    pub level: i64,
    pub name: String,
    /// Respondents to the satisfaction surveys' Likert items (1), participants with a pre-
    /// and a post-test (2), participants observed (3), participants' schools with learner
    /// outcomes, answered about in a school culture survey, or with learners enrolled in
    /// both years of the flows, in the latest year (4): the level's sample size.
    pub n: FunnelCount,
    /// Attendances surveyed (1), participants (2, 3), participants' schools (4).
    pub of: FunnelCount,
    /// n / of, at most 1; none when either is hidden.
    pub rate: Option<f64>,
    pub measure: String,
    /// Satisfaction index 0–100 (1), normalised gain (2), change of the observation score in
    /// points (3), mean score as a percent of the maximum, the school culture index
    /// 0–100, or the promotion rate in percent (4).
    pub value: Option<f64>,
    pub detail: Option<String>,
}

/// The satisfaction index of one course, cohort or facilitator (level 1), with its sample
/// size and response rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionRow {
    /// `course`, `cohort` or `facilitator`.
    pub group: String,
    /// The course's, cohort's or facilitator's (a person's) id.
    pub id: i64,
    pub name: String,
    /// Respondents to the Likert items.
    pub n: FunnelCount,
    /// Attendances surveyed: at the sessions surveyed, or the participants who attended
    /// a cohort surveyed as a whole.
    pub of: FunnelCount,
    /// n / of, at most 1; none when either is hidden.
    pub rate: Option<f64>,
    /// Mean of the respondents' Likert scores, 0–100; none when n is hidden.
    pub index: Option<f64>,
}

/// A programme's four Kirkpatrick levels, in the reader's scope and language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KirkpatrickFunnel {
    pub programme_id: i64,
    pub programme: String,
    pub participants: FunnelCount,
    /// Levels 1 to 4 in order; level 4 has three rows: the learner outcomes, the school
    /// culture surveys and the schools' flows.
    pub levels: Vec<FunnelLevel>,
    /// Level 1 per course, per cohort and per facilitator (the cohorts surveyed only).
    pub satisfaction: Vec<SatisfactionRow>,
    /// Level 3 by standard over time: the participants' observation scores, term by term.
    pub practice: Practice,
    /// Level 4's school flows (the row after the school culture's), with the year before;
    /// none when the participants' schools have no two consecutive years of enrolment.
    pub flows: Option<FunnelFlows>,
    /// Counts of people below the threshold are hidden for this reader.
    pub suppressed: bool,
    pub threshold: i64,
}

/// The promotion, repetition and drop-out rates of the participants' schools taken
/// together, from one school year to the next, over all grades but the last (as the
/// indicators area computes them grade by grade, each grade weighted by its enrolment).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelFlowRates {
    /// The school year the rates go from (to the next one).
    pub year: i64,
    /// Percent (0–100); none when a count they rest on is hidden from the reader.
    pub promotion: Option<f64>,
    pub repetition: Option<f64>,
    pub dropout: Option<f64>,
}

/// Level 4's school flows: the latest year's rates, the schools they rest on (those with
/// learners enrolled in both years), and the year before's rates.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelFlows {
    pub schools: FunnelCount,
    pub latest: FunnelFlowRates,
    pub before: Option<FunnelFlowRates>,
}

/// A period observations are counted in: one of the deployment's terms, or a calendar
/// year for an observation in no term.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PracticePeriod {
    /// The term's name (`2025 T1`), or the year (`2025`).
    pub name: String,
    /// Its first day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// `term` or `year`.
    pub kind: String,
}

/// One standard's score in one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PracticePoint {
    /// People observed on the standard in the period.
    pub people: FunnelCount,
    /// Their observations.
    pub observations: FunnelCount,
    /// The mean over those people of each one's mean score on the standard in the period,
    /// as a percent of the maximum; none when nobody was observed or the count is hidden.
    pub mean: Option<f64>,
}

/// A standard's scores over time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PracticeStandard {
    /// The standard's code, or the form's domain where it names no standard.
    pub code: String,
    /// The standard's name in the reader's language (empty for a domain that names none).
    pub name: String,
    /// One a period, in the order of `periods`.
    pub points: Vec<PracticePoint>,
}

/// Observation scores per standard over time (Kirkpatrick level 3): the observation
/// forms' domains, matched to the deployment's standards by code or name, scored term by
/// term; for a programme's participants, one person, or a school's staff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Practice {
    /// `programme`, `person` or `school`.
    pub about: String,
    /// The periods with observations, oldest first.
    pub periods: Vec<PracticePeriod>,
    pub standards: Vec<PracticeStandard>,
    /// Observations read, and of them those made on coaching visits and in lesson study.
    pub observations: FunnelCount,
    pub from_visits: FunnelCount,
    pub from_lesson_study: FunnelCount,
    /// Counts below the threshold, and the means resting on them, are hidden.
    pub suppressed: bool,
    pub threshold: i64,
}

/// A standard on a person's latest needs assessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StandardRow {
    pub code: String,
    pub name: String,
    /// The score as a percent of the maximum.
    pub percent: f64,
    /// Below 60 %: a need.
    pub need: bool,
}

/// A course recommended for a person's needs, with the reason in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NeedRecommendation {
    pub course: String,
    pub title: String,
    /// The modules of the course that serve the needs.
    pub modules: Vec<String>,
    /// The standards it serves, weakest first.
    pub standards: Vec<String>,
    pub reason: String,
}

/// A person's needs from their latest needs assessment (none: never assessed).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonNeeds {
    pub person_id: i64,
    pub instrument: Option<String>,
    pub assessed_on: Option<String>,
    /// Weakest first.
    pub standards: Vec<StandardRow>,
    pub recommendations: Vec<NeedRecommendation>,
}

/// One standard across a group's latest needs assessments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StandardNeed {
    pub code: String,
    pub name: String,
    /// People assessed on it (none when hidden).
    pub assessed: Option<i64>,
    pub assessed_shown: String,
    /// Of them, scored below 60 % (none when hidden).
    pub in_need: Option<i64>,
    pub in_need_shown: String,
    pub share_in_need: Option<f64>,
    pub mean_percent: Option<f64>,
}

/// The needs of a cohort or of the people under a unit, standard by standard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupNeeds {
    pub place: String,
    /// People with a needs assessment, as shown.
    pub people: String,
    pub standards: Vec<StandardNeed>,
    pub suppressed: bool,
    pub threshold: i64,
}

/// Whose needs: a unit's or a cohort's (one of the two).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NeedsQuery {
    pub unit: Option<i64>,
    pub cohort: Option<i64>,
}
