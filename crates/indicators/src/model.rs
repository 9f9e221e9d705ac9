//! The area's shapes: what the API and pages take and answer. Request types refuse
//! fields they do not know.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A grade, in the order flows read them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Grade {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub position: i64,
    /// The version an edit names (`ReferenceEdit::version`).
    pub version: i64,
}

/// A subject learners are assessed in, with its maximum score (`OutcomeSubject` in the API
/// document, where registry's `Subject` is another shape).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = OutcomeSubject)]
pub struct Subject {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub max_score: f64,
    /// The version an edit names (`ReferenceEdit::version`).
    pub version: i64,
}

/// A group of learners a deployment reports by (special needs, refugee status…).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LearnerGroup {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The version an edit names (`ReferenceEdit::version`).
    pub version: i64,
}

/// A grade, subject or group to add: `max_score` is for subjects only, `position` for
/// grades only (the next one when absent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReference {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub max_score: Option<f64>,
    #[serde(default)]
    pub position: Option<i64>,
}

/// An edit of a grade, subject or group, whose code stays (import files, entries and the
/// DHIS2 mapping name it): its `name`, a subject's `max_score` (above zero, and not below
/// a score stored for the subject), a grade's `position` (the grades' order, which flows
/// read; one no other grade holds), and the `version` read, which must still be the
/// latest (an older one is a conflict, 409).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceEdit {
    pub name: String,
    #[serde(default)]
    pub max_score: Option<f64>,
    #[serde(default)]
    pub position: Option<i64>,
    pub version: i64,
}

/// One row of outcomes entered for a school, by codes, as in the import file.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeEntry {
    pub year: i64,
    #[serde(default)]
    pub term: Option<i64>,
    pub grade: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub sex: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub enrolled: Option<i64>,
    #[serde(default)]
    pub assessed: Option<i64>,
    #[serde(default)]
    pub mean_score: Option<f64>,
    #[serde(default)]
    pub below_basic: Option<i64>,
    #[serde(default)]
    pub basic: Option<i64>,
    #[serde(default)]
    pub proficient: Option<i64>,
    #[serde(default)]
    pub advanced: Option<i64>,
    #[serde(default)]
    pub promoted: Option<i64>,
    #[serde(default)]
    pub repeating: Option<i64>,
    #[serde(default)]
    pub dropped_out: Option<i64>,
}

/// Where a report is read: one school, or a unit at any level with all below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Place {
    School(i64),
    Unit(i64),
}

/// A count as its reader may see it: `value` is absent when it is suppressed, and `shown`
/// is what to print ("12", "<5" or "x").
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Count {
    pub value: Option<i64>,
    pub shown: String,
}

/// The flow rates of one grade from one year to the next (UIS), as shares (0.82 is 82%).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FlowRow {
    pub grade: String,
    /// `E(g, t)`.
    pub enrolled: Count,
    /// `R(g, t+1)`.
    pub repeating_next: Count,
    pub repetition: Option<f64>,
    pub promotion: Option<f64>,
    pub dropout: Option<f64>,
    /// Survival to this grade by the reconstructed cohort method.
    pub survival: Option<f64>,
    /// Girls' promotion rate over boys', and its adjusted form.
    pub promotion_parity: Option<f64>,
    pub promotion_parity_adjusted: Option<f64>,
}

/// Flow rates of a place from `year` to `year + 1`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FlowReport {
    pub place: Place,
    pub year: i64,
    /// The learner group read (`None`: all learners).
    pub group: Option<String>,
    pub grades: Vec<FlowRow>,
    /// Whether any count or rate is hidden for this reader.
    pub suppressed: bool,
    pub threshold: i64,
}

/// A gap in one measure's rate (proficiency…) between two groups of learners of a grade:
/// girls (`first`) and boys (`second`), or a group a deployment defines (`first`: refugees,
/// say) and the other learners (`second`: every learner but the group's).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GapRow {
    pub grade: String,
    /// The first group's learners counted (at proficient or above).
    pub first: Count,
    /// The first group's learners the rate is out of (assessed): the sample size.
    pub first_size: Count,
    pub second: Count,
    pub second_size: Count,
    /// Percentage points, first minus second; absent when a count is hidden.
    pub points: Option<f64>,
    /// Girls and boys only: the adjusted parity index of their rates.
    pub parity_adjusted: Option<f64>,
}

/// The gaps between a group of learners a deployment defines and the other learners, grade
/// by grade.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupGaps {
    pub code: String,
    pub name: String,
    pub rows: Vec<GapRow>,
}

impl GapRow {
    /// Whether a count of the row is hidden from its reader.
    pub fn hidden(&self) -> bool {
        [&self.first, &self.first_size, &self.second, &self.second_size].iter().any(|c| c.value.is_none())
    }

    /// The two groups' rates (0–100 %), each absent when its count or size is hidden or
    /// the size is 0: what the charts and the report draw.
    pub fn rates(&self) -> [Option<f64>; 2] {
        let rate = |n: &Count, size: &Count| match (n.value, size.value) {
            (Some(n), Some(s)) if s > 0 => Some(100.0 * n as f64 / s as f64),
            _ => None,
        };
        [rate(&self.first, &self.first_size), rate(&self.second, &self.second_size)]
    }
}

/// An indicator as stored: its definition in the indicator language.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
    pub numerator: String,
    pub denominator: Option<String>,
    pub scale: f64,
    /// Comma-separated, as stored.
    pub disaggregations: String,
    pub kirkpatrick_level: Option<i64>,
    pub shipped: bool,
    pub version: i64,
    /// What the indicator counts and how, in words (the rules a reader needs: whom it
    /// counts, how it is apportioned).
    pub description_en: Option<String>,
    pub description_fr: Option<String>,
}

/// One code of the deployment's mapping to a DHIS2 instance: what OpenCPD names `key`
/// (a unit's or school's code, an indicator's code, `sex:F` for an option, `grade:P1;sex:F`
/// for a category option combination, an outcome column for a data element imported) is
/// `code` in DHIS2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dhis2Code {
    /// unit, school, indicator, category, option, combo, dataset or measure.
    pub kind: String,
    pub key: String,
    pub code: String,
}

/// A definition a deployment adds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorInput {
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
    pub numerator: String,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub disaggregations: Vec<String>,
    #[serde(default)]
    pub kirkpatrick_level: Option<i64>,
    /// What it counts and how, in words; at most 2,000 characters.
    #[serde(default)]
    pub description_en: Option<String>,
    #[serde(default)]
    pub description_fr: Option<String>,
}

/// What an indicator is asked for: a place, a year, and the disaggregations wanted (each
/// one the indicator allows).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub place: Place,
    pub year: i64,
    #[serde(default)]
    pub by: Vec<String>,
}

/// One cell of an answer: its categories (one per disaggregation asked, in order), the
/// numerator and denominator as the reader may see them, and the value.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AnswerCell {
    pub categories: Vec<String>,
    pub numerator: Count,
    pub denominator: Option<Count>,
    pub value: Option<f64>,
}

/// An indicator's value at one school (`store::engine::by_school`), unsuppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolValue {
    /// The school's code.
    pub school: String,
    pub numerator: f64,
    pub denominator: Option<f64>,
    /// The numerator over the denominator (or the numerator alone), times the scale.
    pub value: f64,
}

/// An indicator's answer for a place and year.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Answer {
    pub indicator: String,
    pub place: Place,
    pub year: i64,
    pub by: Vec<String>,
    /// The whole place, then each cell.
    pub total: AnswerCell,
    pub cells: Vec<AnswerCell>,
    pub suppressed: bool,
    pub threshold: i64,
}

/// A target on an indicator for a place (none: the deployment), a year and one category of
/// a disaggregation the indicator allows.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorTargetInput {
    #[serde(default)]
    pub place: Option<Place>,
    pub year: i64,
    #[serde(default)]
    pub disaggregation: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub baseline: Option<f64>,
    pub target: f64,
}

/// A target with what is achieved, read live from the engine.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TargetProgress {
    pub id: i64,
    pub indicator: String,
    pub place: Option<Place>,
    pub year: i64,
    pub disaggregation: Option<String>,
    pub category: Option<String>,
    pub baseline: Option<f64>,
    pub target: f64,
    pub achieved: Option<f64>,
}

/// A unit's parts on its data page (the units just below it, or its schools at the lowest
/// level) with a year's figures, each part linking to its own data page: how a manager
/// drills down from the country to a school.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Breakdown {
    /// The year read (the newest with data when none is asked); absent when there is none.
    pub year: Option<i64>,
    pub parts: Vec<Part>,
    /// Whether some count is hidden from this reader (fewer than `threshold`).
    pub suppressed: bool,
    pub threshold: i64,
}

/// One part of a [`Breakdown`]: all learners, every grade, the year's whole-year rows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Part {
    pub place: Place,
    pub code: String,
    pub name: String,
    pub enrolled: Count,
    pub assessed: Count,
    /// Mean score, percent of each subject's maximum, weighted by the learners assessed.
    pub mean_percent: Option<f64>,
    /// Learners at proficient or advanced, percent of those assessed with bands.
    pub proficient_percent: Option<f64>,
    /// Repeaters, percent of those enrolled.
    pub repeating_percent: Option<f64>,
}

/// A target on one of the place's indicators, with what is achieved read live, and the
/// indicator's name in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlaceTarget {
    pub name: String,
    #[serde(flatten)]
    pub progress: TargetProgress,
}

/// One point of a place's trend: a subject's mean score in a year.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrendPoint {
    pub subject: String,
    pub year: i64,
    /// Learners assessed behind it.
    pub assessed: Count,
    /// Percent of the subject's maximum; absent when the count is hidden.
    pub mean_percent: Option<f64>,
}

/// A school's improvement plan for a year, as its leader writes it whole. `version` is
/// the version read (absent for a new plan): an edit of a plan changed since is refused.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[serde(default)]
    pub version: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub priorities: Vec<PriorityInput>,
    #[serde(default)]
    pub actions: Vec<PlanActionInput>,
}

/// A priority: an indicator (by code) for the school, its target and due date. The
/// baseline is read from the data for `baseline_year` (the year before the plan's when
/// absent).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityInput {
    pub title: String,
    pub indicator: String,
    #[serde(default)]
    pub baseline_year: Option<i64>,
    pub target: f64,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// An action: who (a person working at the school), by when, where it stands.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanActionInput {
    pub title: String,
    /// The priority it serves, by its place in the list (from 1).
    #[serde(default)]
    pub priority: Option<i64>,
    pub owner_id: i64,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    /// `planned` (the default), `in_progress`, `done` or `dropped`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub review_note: Option<String>,
}

/// A plan in a school's list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanSummary {
    pub year: i64,
    pub title: String,
    pub version: i64,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: String,
    pub priorities: i64,
    pub actions: i64,
}

/// One year of a priority's indicator for the school.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanPoint {
    pub year: i64,
    /// Absent when there is no data or it is hidden for this reader.
    pub value: Option<f64>,
}

/// A priority with its indicator now, against its baseline and target.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanPriority {
    pub position: i64,
    pub title: String,
    pub indicator: String,
    pub indicator_name: String,
    pub baseline_year: i64,
    pub baseline: Option<f64>,
    pub target: f64,
    pub due_on: String,
    /// The latest year with a value, from the baseline year to the due date's year.
    pub now_year: Option<i64>,
    pub now: Option<f64>,
    /// The share of the way from the baseline to the target come so far.
    pub progress: Option<f64>,
    /// The indicator each year from the baseline year to the due date's year.
    pub series: Vec<PlanPoint>,
}

/// An action of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanAction {
    pub position: i64,
    pub priority: Option<i64>,
    pub title: String,
    pub owner_id: i64,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub review_note: String,
}

/// A school's plan for a year, with each priority read live from the data.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Plan {
    pub school_id: i64,
    pub school: String,
    pub year: i64,
    pub title: String,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: String,
    /// The last version approved, if any.
    pub approved_version: Option<i64>,
    pub priorities: Vec<PlanPriority>,
    pub actions: Vec<PlanAction>,
    /// Whether the reader may edit it now (its leader, unless it is with the officer).
    pub editable: bool,
    /// Whether the reader may submit it now (its leader, a draft or returned plan).
    pub may_submit: bool,
    /// Whether the reader may approve or return it now (an officer over the school, a
    /// submitted plan).
    pub may_sign_off: bool,
    /// Every version saved and every step of the sign-off, oldest first.
    pub history: Vec<PlanEvent>,
}

/// A step taken on a plan: `version` is the version read (a step on an older one is a
/// conflict); a return gives its `reason`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanStepInput {
    pub version: i64,
    #[serde(default)]
    pub reason: Option<String>,
}

/// One event of a plan's history: a version saved, or a step of its sign-off.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanEvent {
    pub version: i64,
    /// `saved`, `submitted`, `approved` or `returned`.
    pub event: String,
    /// The plan's state after it.
    pub state: String,
    /// Why it was returned (empty otherwise).
    pub reason: String,
    pub at: String,
    pub by: String,
}

/// A priority as a version of the plan held it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionPriority {
    pub title: String,
    pub indicator: String,
    pub baseline_year: i64,
    pub target: f64,
    pub due_on: String,
}

/// An action as a version of the plan held it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VersionAction {
    pub title: String,
    pub priority: Option<i64>,
    pub owner_id: i64,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub review_note: String,
}

/// A version of a plan, kept as it was saved.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlanVersion {
    pub version: i64,
    pub saved_at: String,
    pub saved_by: String,
    pub title: String,
    pub priorities: Vec<VersionPriority>,
    pub actions: Vec<VersionAction>,
}
