//! CPD delivery's request and answer shapes (programmes and courses, cohorts, attendance, completion, certificates, the CPD record, reach): what its API takes and answers and what its pages and other areas read. The store
//! fills them (`opencpd_kernel::from_row!` reads them from rows); they carry no SQL.

use chrono::{DateTime, NaiveDate, Utc};
use opencpd_domain::Problem;
use serde::{Deserialize, Serialize};

// What `store::attendance` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceStatus {
    pub key: String,
    pub name_en: String,
    pub name_fr: String,
    /// Whether this status counts as having attended (for completion).
    pub counts_present: bool,
    pub position: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Session {
    pub id: i64,
    pub cohort_id: i64,
    pub held_on: NaiveDate,
    pub title: String,
    pub modality: String,
    pub venue: Option<String>,
    pub hours: f64,
    /// Marks recorded so far.
    pub marked: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    pub held_on: String,
    pub title: String,
    /// face_to_face (default), online or blended.
    #[serde(default)]
    pub modality: Option<String>,
    #[serde(default)]
    pub venue: Option<String>,
    #[serde(default)]
    pub hours: f64,
}

/// One participant's mark in a session as stored.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub person_id: i64,
    pub status: String,
}

/// Marks to record for a session: one a participant; a participant left out keeps the
/// mark they had.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkInput {
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MarkReport {
    pub session_id: i64,
    pub marked: u64,
    /// Participants counted as attending this session after the change.
    pub attended: i64,
}

// What `store::catalogue` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Programme {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub funder: Option<String>,
    pub budget: Option<f64>,
    pub currency: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub pillars: Vec<String>,
    pub targets: Vec<ProgrammeTarget>,
}

/// What a programme promised: `value` people `measure`d by `due_date`, optionally only
/// of one sex, of some roles or in one unit.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeTarget {
    pub id: i64,
    pub label: String,
    pub measure: String,
    pub value: i64,
    pub due_date: Option<NaiveDate>,
    pub sex: Option<String>,
    /// The position roles counted together (a person once, whichever of them they hold);
    /// none counts every role.
    pub roles: Vec<String>,
    pub unit_id: Option<i64>,
    pub unit_path: Option<String>,
    pub unit_code: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub funder: Option<String>,
    #[serde(default)]
    pub budget: Option<f64>,
    /// ISO 4217, e.g. RWF, XAF, USD.
    #[serde(default)]
    pub currency: Option<String>,
    pub start_date: String,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub pillars: Vec<String>,
    #[serde(default)]
    pub targets: Vec<TargetInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    /// The target to change, when a programme is edited; absent for a new target.
    #[serde(default)]
    pub id: Option<i64>,
    pub label: String,
    /// enrolled, completed or certified.
    pub measure: String,
    pub value: i64,
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    /// Position roles (teacher, head_teacher, …) counted together; none counts every role.
    #[serde(default)]
    pub roles: Vec<String>,
    /// One position role: the same as `roles` with one role, for clients written before
    /// targets had several.
    #[serde(default)]
    #[schema(deprecated)]
    pub role: Option<String>,
    #[serde(default)]
    pub unit_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub framework: String,
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Course {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub programme_id: Option<i64>,
    pub kind: String,
    pub modality: String,
    pub hours: f64,
    pub credits: f64,
    pub accrediting_body: Option<String>,
    /// Position roles the course is meant for, comma-separated.
    pub target_roles: String,
    /// Completion rule: share of the cohort's sessions attended (present or late).
    pub min_attendance_pct: f64,
    /// Completion rule: every assessment at or above its pass score.
    pub require_assessments_passed: bool,
    /// Completion rule: weighted final grade (0-100) at least this.
    pub min_final_grade: Option<f64>,
    /// Certificates expire this many months after issue; never when empty.
    pub certificate_months: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: Course,
    pub modules: Vec<Module>,
    pub assessments: Vec<Assessment>,
    /// Codes of the courses to complete first.
    pub prerequisites: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Module {
    pub id: i64,
    pub position: i64,
    pub code: String,
    pub title: String,
    pub hours: f64,
    /// Codes of the professional standards the module serves.
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assessment {
    pub id: i64,
    pub module_id: Option<i64>,
    pub code: String,
    pub title: String,
    pub max_score: f64,
    pub pass_score: f64,
    pub weight: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub programme_code: Option<String>,
    /// diploma, certificate or short_training.
    pub kind: String,
    /// face_to_face, online or blended.
    pub modality: String,
    pub hours: f64,
    #[serde(default)]
    pub credits: f64,
    #[serde(default)]
    pub accrediting_body: Option<String>,
    #[serde(default)]
    pub target_roles: Vec<String>,
    /// Default 80.
    #[serde(default)]
    pub min_attendance_pct: Option<f64>,
    /// Default true.
    #[serde(default)]
    pub require_assessments_passed: Option<bool>,
    #[serde(default)]
    pub min_final_grade: Option<f64>,
    #[serde(default)]
    pub certificate_months: Option<i64>,
    #[serde(default)]
    pub prerequisites: Vec<String>,
    #[serde(default)]
    pub modules: Vec<ModuleInput>,
    #[serde(default)]
    pub assessments: Vec<AssessmentInput>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub hours: f64,
    /// Standard codes (SL1…SL5 of the default framework, or framework:code).
    #[serde(default)]
    pub standards: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub module_code: Option<String>,
    pub max_score: f64,
    pub pass_score: f64,
    #[serde(default)]
    pub weight: Option<f64>,
}

// What `store::certificates` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Certificate {
    pub id: i64,
    pub serial: String,
    pub code: String,
    pub enrolment_id: i64,
    pub person_id: i64,
    pub holder: String,
    pub course_code: String,
    pub course_title: String,
    pub cohort_code: String,
    pub issued_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: Option<String>,
    pub replaces_id: Option<i64>,
}

/// What the public verification page shows.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verification {
    /// valid, expired or revoked.
    pub status: String,
    pub serial: String,
    pub holder: String,
    pub course_title: String,
    pub issued_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchReport {
    pub issued: u64,
    /// Completed participants who already held a valid certificate.
    pub already_certified: u64,
    /// Participants who have not completed (no certificate).
    pub not_completed: u64,
    /// Participants withdrawn from the cohort (no certificate, whatever they completed).
    pub withdrawn: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    pub reason: String,
}

// What `store::checkin` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckinCode {
    pub session_id: i64,
    pub code: String,
    /// The path the QR code points to, under the server's address.
    pub path: String,
    /// The last moment the code is accepted.
    pub valid_until: DateTime<Utc>,
    /// When the screen should show the next code.
    pub refresh_in_seconds: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckinOutcome {
    pub session_id: i64,
    pub cohort_code: String,
    pub session_title: String,
    pub name: String,
    /// The mark now held.
    pub status: String,
    /// The participant was marked already; nothing changed.
    pub already: bool,
}

// What `store::cohorts` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cohort {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub course_id: i64,
    pub course_code: String,
    pub course_title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub venue: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub capacity: i64,
    pub enrolled: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortInput {
    pub code: String,
    pub name: String,
    pub course_code: String,
    /// The venue's unit: the cohort belongs to it.
    pub unit_code: String,
    #[serde(default)]
    pub venue: Option<String>,
    pub start_date: String,
    pub end_date: String,
    pub capacity: i64,
    /// Staff numbers of the facilitators.
    #[serde(default)]
    pub facilitators: Vec<String>,
}

/// What may change on a cohort once opened (its code, course and unit stay).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortUpdate {
    /// The version read; a stale one is a conflict.
    pub version: i64,
    pub name: String,
    #[serde(default)]
    pub venue: Option<String>,
    pub start_date: String,
    pub end_date: String,
    /// At least the number enrolled (withdrawals left out).
    pub capacity: i64,
    /// Staff numbers of the facilitators; absent leaves them as they are.
    #[serde(default)]
    pub facilitators: Option<Vec<String>>,
}

/// A withdrawal: from when, and why.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// YYYY-MM-DD: on or after the enrolment, not in the future. Default: today.
    #[serde(default)]
    pub withdrawn_on: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enrolment {
    pub id: i64,
    pub cohort_id: i64,
    pub person_id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    /// The role held when enrolled.
    pub role: Option<String>,
    /// single, import, criteria or application.
    pub source: String,
    pub enrolled_at: DateTime<Utc>,
    /// Computed: share of the cohort's sessions attended.
    pub attendance_pct: Option<f64>,
    /// Computed: weighted grade over the course's assessments, 0-100.
    pub final_grade: Option<f64>,
    /// Computed: when the course's completion rule was first met.
    pub completed_on: Option<NaiveDate>,
    /// Withdrawn from the cohort on this day: no longer counted in capacity or completion.
    pub withdrawn_on: Option<NaiveDate>,
    pub withdraw_reason: Option<String>,
}

/// Whom to enrol: a person by id or by staff number.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolInput {
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub staff_number: Option<String>,
}

/// What a bulk enrolment did or would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolReport {
    /// People matched (criteria) or data rows read (file).
    pub rows: usize,
    pub created: u64,
    pub dry_run: bool,
    /// Criteria only: people left out because they are enrolled already.
    pub skipped_enrolled: usize,
    /// Criteria only: people left out because they lack a prerequisite.
    pub skipped_prerequisite: usize,
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

/// Whom to enrol by criteria: people holding `role` today in the unit (and below),
/// assigned to it on or after `assigned_since`, optionally of one sex.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    pub role: String,
    pub unit_code: String,
    #[serde(default)]
    pub assigned_since: Option<String>,
    #[serde(default)]
    pub sex: Option<String>,
    /// Count who would be enrolled, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub cohort_id: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    /// pending, approved or rejected.
    pub status: String,
    pub motivation: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub applied_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
}

/// An application's fields. Flattened into the body that carries it, which refuses other
/// fields (see `opencpd_domain::input`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// Who applies: oneself (a teacher's own record) or someone the actor may read
    /// (a head teacher nominating staff).
    pub person_id: i64,
    #[serde(default)]
    pub motivation: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// approve or reject.
    pub decision: String,
    /// Required to reject; shown to the applicant.
    #[serde(default)]
    pub reason: Option<String>,
}

// What `store::completion` takes and answers.

/// A score for one participant.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Score {
    pub person_id: i64,
    pub score: f64,
}

/// Scores on one assessment of the cohort's course.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub assessment_code: String,
    pub grades: Vec<Score>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GradeReport {
    pub graded: u64,
    /// Participants of the cohort who have completed, after the change.
    pub completed: i64,
}

// What `store::costs` takes and answers.

/// What a programme spent in a year on one thing.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProgrammeCost {
    pub id: i64,
    pub programme_id: i64,
    pub programme_code: String,
    pub year: i64,
    /// training, travel, materials, coaching or other.
    pub category: String,
    pub amount: f64,
    /// ISO 4217: the one currency of every cost of the deployment.
    pub currency: String,
    pub note: Option<String>,
    pub version: i64,
}

/// A cost to record or change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeCostInput {
    /// The programme, by code.
    pub programme_code: String,
    /// Within the programme's years (from its start to its end), 1900 to 2100.
    pub year: i64,
    /// training, travel, materials, coaching or other.
    pub category: String,
    /// Zero or more, at most two decimals.
    pub amount: f64,
    /// The deployment's currency (that of the costs recorded), e.g. RWF or XAF; required
    /// while no cost is recorded, and may be left out afterwards.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The version read: required to change a cost.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A programme's costs of a year, added up by category.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CostYear {
    pub year: i64,
    pub currency: String,
    pub total: f64,
    pub categories: Vec<CategoryCost>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryCost {
    pub category: String,
    pub amount: f64,
}

// What `store::documents` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateTemplate {
    /// Empty for the built-in wording (nothing stored yet).
    pub id: Option<i64>,
    /// The course this wording is for; empty for the deployment's default.
    pub course_code: Option<String>,
    pub lang: String,
    /// The issuing body, printed above the title.
    pub issuer: String,
    pub title: String,
    /// Lines; a line that is only `{name}` is printed large, only `{course}` in bold.
    pub body: String,
    /// One a line: "Name, role" over a signature line (three at most).
    pub signatories: String,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    /// The course's code; empty for the deployment's default.
    #[serde(default)]
    pub course_code: Option<String>,
    /// en or fr.
    pub lang: String,
    pub issuer: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub signatories: String,
}

// What `store::record` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordCourse {
    pub enrolment_id: i64,
    pub cohort_code: String,
    pub course_code: String,
    pub course_title: String,
    pub programme_code: Option<String>,
    pub hours: f64,
    pub credits: f64,
    pub start_date: NaiveDate,
    pub attendance_pct: Option<f64>,
    pub final_grade: Option<f64>,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct YearTotal {
    pub year: i32,
    pub hours: f64,
    pub credits: f64,
    pub courses: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub role: String,
    pub hours_per_year: f64,
    pub credits_per_year: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CpdRecord {
    pub person_id: i64,
    /// The role the person holds now, whose threshold applies.
    pub role: Option<String>,
    pub courses: Vec<RecordCourse>,
    pub years: Vec<YearTotal>,
    pub certificates: Vec<Certificate>,
    pub threshold: Option<Threshold>,
    /// Whether this year's hours or credits are below the role's threshold.
    pub below_threshold: bool,
}

/// Someone whose CPD this year is below their role's threshold.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BelowThreshold {
    pub person_id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub role: String,
    pub hours: f64,
    pub credits: f64,
    pub hours_per_year: f64,
    pub credits_per_year: f64,
}

/// A session to come of a cohort someone is enrolled in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NextSession {
    pub session_id: i64,
    pub held_on: NaiveDate,
    pub title: String,
    pub venue: Option<String>,
    pub cohort_id: i64,
    pub cohort_code: String,
    pub course_title: String,
}

/// One member of a school's staff and their CPD of a year against their role's threshold
/// (none when the role has no threshold).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffCpd {
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub role: String,
    pub hours: f64,
    pub credits: f64,
    pub hours_per_year: Option<f64>,
    pub credits_per_year: Option<f64>,
}

// What `store::reports` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetReach {
    pub target_id: i64,
    pub label: String,
    pub measure: String,
    pub value: i64,
    pub achieved: i64,
    /// achieved / value, in percent (one decimal).
    pub percent: f64,
    pub due_date: Option<chrono::NaiveDate>,
    /// The position roles counted together; none counts every role.
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReachRow {
    /// The group's key: F/M, a role, a unit id, an ownership or sub-system key; empty
    /// when unknown.
    pub key: String,
    /// The unit's name when split by unit.
    pub name: Option<String>,
    pub enrolled: i64,
    pub completed: i64,
    pub certified: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reach {
    pub programme_id: i64,
    pub by: Option<String>,
    pub level: Option<i64>,
    pub totals: ReachRow,
    pub targets: Vec<TargetReach>,
    pub rows: Vec<ReachRow>,
    /// The deployment's small-cell threshold: report pages and exports show the split's
    /// counts below it as "<n" (this answer carries the counts themselves).
    pub small_cell_threshold: i64,
}

/// The deployment's report settings.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Disaggregated counts below this are shown as "<n" in report pages and exports;
    /// 0 turns suppression off. At most 100.
    pub small_cell_threshold: i64,
}

/// A target as a reader without row-level rights reads it from the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShownTarget {
    pub target_id: i64,
    pub label: String,
    pub measure: String,
    pub value: i64,
    /// The count, or "<n" when it is small.
    pub achieved: String,
    /// None when the count is hidden.
    pub percent: Option<f64>,
    pub due_date: Option<chrono::NaiveDate>,
    pub roles: Vec<String>,
}

/// A group of the split as a reader without row-level rights reads it from the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShownRow {
    pub key: String,
    pub name: Option<String>,
    /// The count, "<n" when small, "x" when hidden so that a small one cannot be worked out.
    pub enrolled: String,
    pub completed: String,
    pub certified: String,
}

/// The reach report with small counts hidden: what the API answers a reader without
/// row-level rights.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShownReach {
    pub programme_id: i64,
    pub by: Option<String>,
    pub level: Option<i64>,
    /// Exact, but "<n" when small.
    pub totals: ShownRow,
    pub targets: Vec<ShownTarget>,
    pub rows: Vec<ShownRow>,
    pub small_cell_threshold: i64,
    /// The sentence stating the suppression, in the reader's language.
    pub suppression: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Funnel {
    pub cohort_id: i64,
    /// Everyone ever enrolled, withdrawn or not.
    pub enrolled: i64,
    /// Withdrawn: not counted in the steps below.
    pub withdrawn: i64,
    /// Attended at least the course's minimum share of sessions.
    pub attended: i64,
    pub completed: i64,
    pub certified: i64,
    pub min_attendance_pct: f64,
}

/// A cohort's funnel, in the list of a programme's cohorts.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CohortFunnel {
    pub cohort_id: i64,
    pub code: String,
    pub name: String,
    pub course_code: String,
    pub unit_name: String,
    /// Everyone ever enrolled; the steps after leave the withdrawn out.
    pub enrolled: i64,
    pub withdrawn: i64,
    pub attended: i64,
    pub completed: i64,
    pub certified: i64,
}

// What `store::sheets` takes and answers.

/// One line of a sign-in sheet, numbered in sheet order (by name).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SheetLine {
    pub row: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub staff_number: Option<String>,
    pub school: Option<String>,
}

/// Row numbers typed for one status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowGroup {
    /// An attendance status key (present, late, …).
    pub status: String,
    /// Row numbers and ranges: "1-14, 16, 18-60".
    pub rows: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypedMarks {
    pub groups: Vec<RowGroup>,
    /// The status of every row not typed; empty leaves those rows as they are.
    #[serde(default)]
    pub others: Option<String>,
    /// Only check and list the names; save nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TypedLine {
    pub row: i64,
    pub person_id: i64,
    pub name: String,
    pub staff_number: Option<String>,
    /// The status this row will get; empty when it is left as it is.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TypedReport {
    pub lines: Vec<TypedLine>,
    /// Present after saving (not on a dry run).
    pub saved: Option<MarkReport>,
}
