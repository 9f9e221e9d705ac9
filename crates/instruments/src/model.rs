//! The instruments' request and answer shapes (instruments, submissions, summaries, the field package, files): what its API takes and answers and what its pages and other areas read. The store
//! fills them (`opencpd_kernel::from_row!` reads them from rows); they carry no SQL.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

// What `store::field` takes and answers.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Package {
    pub generated_at: DateTime<Utc>,
    /// Filled in by the web layer: the session's token for the app's writes.
    pub csrf_token: String,
    pub user: PackageUser,
    pub schools: Vec<PackageSchool>,
    pub people: Vec<PackagePerson>,
    /// False when the scope is too wide to carry its people.
    pub people_included: bool,
    pub instruments: Vec<PackageInstrument>,
    /// Cohorts a form may be filled about, with their sessions: those the user may
    /// facilitate in the package's units, and those they take part in (enrolled or named
    /// as a facilitator) wherever they are; none that ended more than
    /// [`COHORT_RECENT_DAYS`] days ago.
    pub cohorts: Vec<PackageCohort>,
    /// The people the user coaches (relations running today where the user's person is the
    /// coach), for coaching visits: the coach records a visit wherever the coachee is.
    pub coachees: Vec<PackageCoachee>,
    /// The professional standards a visit may focus on, and a PLC meeting's topics.
    pub standards: Vec<PackageStandard>,
    /// The user's visit plan as coach in the term today falls in (peer's own plan: coachees
    /// not visited this term first, overdue follow-ups flagged).
    pub visit_plans: Vec<opencpd_peer::model::FieldVisitPlan>,
    /// The PLCs the user facilitates or supports, with their people and open action points:
    /// their meetings are recorded offline.
    pub plcs: Vec<opencpd_peer::model::FieldPlc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageCoachee {
    pub programme_code: String,
    pub programme_name: String,
    pub coach_id: i64,
    pub coachee_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageStandard {
    pub id: i64,
    pub framework: String,
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageCohort {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
    pub start_date: chrono::NaiveDate,
    pub end_date: chrono::NaiveDate,
    /// The user is enrolled in it or named among its facilitators.
    pub participant: bool,
    pub sessions: Vec<PackageSession>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageSession {
    pub id: i64,
    pub cohort_id: i64,
    pub held_on: chrono::NaiveDate,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageUser {
    pub username: String,
    pub display_name: String,
    pub language: String,
    /// The e-mail of the person the account is linked to, if any: a form's `email` metadata.
    pub email: Option<String>,
    /// The phone of the person the account is linked to, if any: a form's `phonenumber` metadata.
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageSchool {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackagePerson {
    pub id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub school_id: Option<i64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageInstrument {
    pub id: i64,
    pub code: String,
    pub version: String,
    pub title: String,
    pub kind: String,
    /// The form, with its CSV attachments read in (`files`, `file_lists`).
    #[schema(value_type = Object)]
    pub form: opencpd_forms::Form,
    /// Every file the form names, present or missing; each present one is at
    /// `GET /api/v1/instruments/{id}/attachments/{name}`.
    pub attachments: Vec<Attachment>,
    /// The files not uploaded yet: the form is not collected until there are none.
    pub missing_attachments: Vec<String>,
}

/// Fields of a person the field app may change; a field left out is not changed.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonChanges {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i64>,
}

/// An edit as the device sends it: what it changed, on the version it had read.
#[derive(Debug, Clone, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditInput {
    /// Made by the device; the same edit sent twice is applied once.
    pub uuid: String,
    /// `person` (the shared record the app edits).
    pub entity: String,
    pub id: i64,
    pub base_version: i64,
    pub changes: PersonChanges,
    /// The values the device read, at `base_version`, of the fields it changed (a field
    /// left out was empty). With them an edit to a record changed since in *other* fields
    /// still applies; without them any change since `base_version` is a conflict.
    #[serde(default)]
    pub base: Option<PersonChanges>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldEdit {
    pub id: i64,
    pub uuid: String,
    pub entity: String,
    pub entity_id: i64,
    pub base_version: i64,
    /// What the device sent, as JSON.
    pub changes_json: String,
    /// The values the device read of the fields it changed, as JSON, when it sent them.
    pub base_json: Option<String>,
    /// `applied`, `conflict`, `resolved_applied` or `resolved_discarded`.
    pub status: String,
    /// The record as it stood when the conflict was found, as JSON.
    pub current_json: Option<String>,
    pub received_at: DateTime<Utc>,
}

// What `store::files` takes and answers.

/// One file a form names, and whether it is uploaded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub name: String,
    pub present: bool,
    pub sha256: Option<String>,
    pub size_bytes: Option<i64>,
    pub content_type: Option<String>,
    pub uploaded_at: Option<DateTime<Utc>>,
}

/// A file of a submission, uploaded before the submission that names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredFile {
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    /// False when the file had been uploaded before: nothing new was stored.
    pub new: bool,
}

/// How much of a file its sender has uploaded: all of it (`stored`: anyone's copy, and
/// `received` is its size), or the bytes of their part received so far, from which the
/// rest is sent (`PUT /api/v1/files/{sha256}` with `Content-Range`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UploadState {
    pub sha256: String,
    pub stored: bool,
    pub received: i64,
}

/// A file an answer names, as the submission gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// The file name the answer gives.
    pub name: String,
    /// The SHA-256 of its content (hex), as uploaded to `PUT /api/v1/files/{sha256}`.
    pub sha256: String,
}

/// A file of a submission as listed with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionFileView {
    pub name: String,
    pub question: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
}

// What `store` takes and answers.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Instrument {
    pub id: i64,
    pub code: String,
    pub version: String,
    pub title: String,
    pub kind: String,
    pub source_name: String,
    pub retired: bool,
    pub created_at: DateTime<Utc>,
}

/// What a submission is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// `school`, `person`, `cohort` or `session` (a session held in a cohort).
    pub kind: String,
    pub id: i64,
}

/// A filled form as a field device sends it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionInput {
    /// Made by the collecting device; the same UUID is stored once.
    pub uuid: String,
    pub instrument_id: i64,
    /// When it was filled in, RFC 3339.
    pub collected_at: DateTime<Utc>,
    pub subject: About,
    /// Answers by item name; repeats are arrays of objects.
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "opencpd_forms::validate::deserialize_answers")]
    pub answers: serde_json::Value,
    /// The files the answers name (photos, recordings), each uploaded first to
    /// `PUT /api/v1/files/{sha256}`; stored with the submission, or neither is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileRef>,
}

/// A submission as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Submission {
    pub id: i64,
    pub uuid: String,
    pub instrument_id: i64,
    pub collected_by: Option<i64>,
    pub collected_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub subject: About,
    #[schema(value_type = Object)]
    pub answers: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub scores: serde_json::Value,
    /// The files its answers name, each at `GET /api/v1/submissions/{uuid}/files/{name}`.
    pub files: Vec<SubmissionFileView>,
}

// What `store::summary` takes and answers.

/// One count as shown: the text ("12", "<5", "x") and, when shown, its percent.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShownTally {
    pub count: String,
    pub percent: Option<f64>,
}

/// A group of respondents (a sex, a unit).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    /// F, M, a unit id; empty when unknown.
    pub key: String,
    /// The unit's name when grouped by unit.
    pub name: Option<String>,
    /// How many in the group answered the question.
    pub answered: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChoiceSummary {
    pub name: String,
    pub label: String,
    pub overall: ShownTally,
    /// In the order of the question's `sexes`.
    pub by_sex: Vec<ShownTally>,
    /// In the order of the question's `units`.
    pub by_unit: Vec<ShownTally>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QuestionSummary {
    pub name: String,
    pub label: String,
    /// select_one or select_multiple.
    pub kind: String,
    /// How many answered it.
    pub answered: String,
    pub sexes: Vec<Group>,
    pub units: Vec<Group>,
    pub choices: Vec<ChoiceSummary>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SurveySummary {
    pub instrument_id: i64,
    pub code: String,
    pub title: String,
    /// The submissions read (those in the reader's scope).
    pub submissions: String,
    pub level: i64,
    pub small_cell_threshold: i64,
    /// The sentence stating the suppression, in the reader's language.
    pub suppression: String,
    pub questions: Vec<QuestionSummary>,
}

// What `store::listing` answers.

/// A submission in a list: what it is about, which instrument, who collected it and when
/// (its answers are read one submission at a time).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionLine {
    pub id: i64,
    pub uuid: String,
    pub instrument_id: i64,
    pub instrument_code: String,
    pub instrument_title: String,
    /// survey, test, observation, needs_assessment or checklist.
    pub instrument_kind: String,
    pub collected_at: DateTime<Utc>,
    /// The account that collected it, when known.
    pub collected_by: Option<String>,
    pub subject_kind: String,
    pub subject_id: i64,
    /// The school's name, the person's names, the cohort's code and name, or the session.
    pub subject: Option<String>,
}

/// What to list submissions by; empty fields match everything.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionFilter {
    /// Submissions of this instrument version.
    #[serde(default)]
    pub instrument_id: Option<i64>,
    /// Submissions of instruments of this kind (observation, survey, test…).
    #[serde(default)]
    pub kind: Option<String>,
    /// Submissions about this kind of subject (school, person, cohort, session)…
    #[serde(default)]
    pub subject_kind: Option<String>,
    /// …and this one.
    #[serde(default)]
    pub subject_id: Option<i64>,
    /// Only those the caller collected.
    #[serde(default)]
    pub mine: Option<bool>,
}
