//! The shapes peer learning and coaching take at the boundary: what a page, the API or the
//! command line sends (every request type refuses fields it does not know) and what they
//! read back. People are named by id (the field app chooses them from its package; names are
//! never typed); registry records set up in an office (units, schools, programmes, PLCs,
//! subjects) by code.

use chrono::{DateTime, NaiveDate, Utc};
pub use opencpd_domain::peer::{ActionStatus, ArtefactKind, LessonStudyStage, MemberRole, PlcLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A term of the school year: what "this term" means in plans and coverage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermInput {
    pub name: String,
    pub start_on: String,
    pub end_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Term {
    pub id: i64,
    pub name: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// A PLC model: the steps every meeting cycle follows, in order (a deployment's standard).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlcModelInput {
    pub code: String,
    pub name: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlcModel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlcInput {
    pub code: String,
    pub name: String,
    /// school, cluster, sector or district.
    pub level: String,
    /// The unit it meets in (cluster, sector, district PLCs).
    #[serde(default)]
    pub unit_code: Option<String>,
    /// The school of a school PLC.
    #[serde(default)]
    pub school_code: Option<String>,
    #[serde(default)]
    pub programme_code: Option<String>,
    #[serde(default)]
    pub model_code: Option<String>,
    /// Meetings planned each term (regularity is read against it).
    pub meetings_per_term: i64,
    #[serde(default)]
    pub facilitators: Vec<i64>,
    #[serde(default)]
    pub supporting_officers: Vec<i64>,
    #[serde(default)]
    pub members: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plc {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub school_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub model_id: Option<i64>,
    pub meetings_per_term: i64,
    /// Changed by each edit; an edit names the version it was made on.
    pub version: i64,
}

/// An edit of a PLC: every field as it is to be (its code stays), its people given in full
/// (those left out are removed), and the version the editor read (an older one is a
/// conflict).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlcUpdate {
    pub name: String,
    /// school, cluster, sector or district.
    pub level: String,
    #[serde(default)]
    pub unit_code: Option<String>,
    #[serde(default)]
    pub school_code: Option<String>,
    #[serde(default)]
    pub programme_code: Option<String>,
    #[serde(default)]
    pub model_code: Option<String>,
    pub meetings_per_term: i64,
    #[serde(default)]
    pub facilitators: Vec<i64>,
    #[serde(default)]
    pub supporting_officers: Vec<i64>,
    #[serde(default)]
    pub members: Vec<i64>,
    pub version: i64,
}

/// A PLC in a list: where it meets, its meetings so far and the action points still open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlcLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub unit_name: String,
    pub meetings_per_term: i64,
    pub meetings: i64,
    pub last_meeting: Option<NaiveDate>,
    pub open_points: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlcPerson {
    pub person_id: i64,
    pub name: String,
    pub role: String,
}

/// A PLC meeting as recorded: attendance (people not members are taken as guests, and
/// marked), topics, the action points agreed, and changes to points carried over.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// Made by the client (the field app) when it records the meeting: the same meeting
    /// sent again with this id is stored once, and answered as stored.
    #[serde(default)]
    pub uuid: Option<String>,
    pub held_on: String,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub agenda: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Ids of the professional standards discussed.
    #[serde(default)]
    pub standards: Vec<i64>,
    /// Ids of the people present.
    #[serde(default)]
    pub attendance: Vec<i64>,
    #[serde(default)]
    pub action_points: Vec<ActionPointInput>,
    /// Changes to points carried over from earlier meetings, recorded at this one.
    #[serde(default)]
    pub updates: Vec<ActionPointUpdate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPointInput {
    pub title: String,
    /// Required: an action point without an owner is refused.
    #[serde(default)]
    pub owner_id: Option<i64>,
    pub due_on: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPointUpdate {
    /// The point (in a meeting's updates; the address gives it on its own route).
    #[serde(default)]
    pub id: i64,
    pub status: String,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// The version the editor saw; a stale one is a conflict.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attendee {
    pub person_id: i64,
    pub name: String,
    pub guest: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionPoint {
    pub id: i64,
    pub plc_id: i64,
    pub meeting_id: i64,
    pub agreed_on: NaiveDate,
    pub title: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionPointChange {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub status: String,
    pub due_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    pub id: i64,
    /// The client id it was sent with (none when recorded on the pages).
    pub uuid: Option<String>,
    pub plc_id: i64,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub agenda: Option<String>,
    pub notes: Option<String>,
    pub standards: Vec<i64>,
    pub attendance: Vec<Attendee>,
    /// Agreed at this meeting.
    pub action_points: Vec<ActionPoint>,
    /// Agreed earlier and not closed before this meeting: they reappear until closed.
    pub carried_over: Vec<ActionPoint>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonStudyInput {
    pub code: String,
    /// The group: a PLC, by code.
    pub plc_code: String,
    #[serde(default)]
    pub subject_code: Option<String>,
    pub grade: String,
    pub topic: String,
    /// Who teaches the research lesson.
    #[serde(default)]
    pub teacher_id: Option<i64>,
    #[serde(default)]
    pub lesson_on: Option<String>,
    #[serde(default)]
    pub observers: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageInput {
    pub stage: String,
    pub version: i64,
}

/// Links an observer's observation submission to the research lesson.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservationLink {
    pub person_id: i64,
    pub submission_id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoInput {
    pub url: String,
    pub title: String,
    /// Where the video comes from (the ministry's library, say).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Observer {
    pub person_id: i64,
    pub name: String,
    pub submission_id: Option<i64>,
    /// The client id of the observation submission (its address in the API).
    pub submission_uuid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Artefact {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Video {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LessonStudy {
    pub id: i64,
    pub code: String,
    pub plc_id: i64,
    pub subject_id: Option<i64>,
    pub grade: String,
    pub topic: String,
    pub stage: String,
    pub teacher_id: Option<i64>,
    pub lesson_on: Option<NaiveDate>,
    pub version: i64,
    pub observers: Vec<Observer>,
    pub artefacts: Vec<Artefact>,
    pub videos: Vec<Video>,
}

/// A lesson study in a list: its group, subject, grade, topic and stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LessonStudyLine {
    pub id: i64,
    pub code: String,
    pub plc_id: i64,
    pub plc_name: String,
    pub subject_code: Option<String>,
    pub grade: String,
    pub topic: String,
    pub stage: String,
    pub lesson_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelationInput {
    pub programme_code: String,
    pub coach_id: i64,
    pub coachee_id: i64,
    pub start_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Relation {
    pub id: i64,
    pub programme_id: i64,
    pub coach_id: i64,
    pub coach_name: String,
    pub coachee_id: i64,
    pub coachee_name: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

/// A coaching visit, as the field app sends it: `uuid` is made by the client, so sending it
/// again stores nothing twice.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    pub uuid: String,
    pub programme_code: String,
    /// The visitor: must be a coach of the coachee in the programme.
    pub coach_id: i64,
    pub coachee_id: i64,
    pub visited_on: String,
    /// Ids of the professional standards the visit focused on.
    #[serde(default)]
    pub focus: Vec<i64>,
    /// The observation made during the visit.
    #[serde(default)]
    pub submission_id: Option<i64>,
    /// The observation by the client id it was sent with (`uuid` of `POST /api/v1/submissions`):
    /// what the field app knows of a submission it captured offline. Sent before the visit,
    /// it names the same submission as `submission_id` when both are given.
    #[serde(default)]
    pub submission_uuid: Option<String>,
    #[serde(default)]
    pub agreed_actions: Option<String>,
    #[serde(default)]
    pub next_visit_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Visit {
    pub id: i64,
    pub uuid: String,
    pub programme_id: i64,
    pub coach_id: i64,
    pub coachee_id: i64,
    pub visited_on: NaiveDate,
    pub focus: Vec<i64>,
    pub submission_id: Option<i64>,
    pub agreed_actions: Option<String>,
    pub next_visit_on: Option<NaiveDate>,
    /// Generated from the observation's domain scores and the deployment's bands.
    pub feedback: Vec<Feedback>,
}

/// The feedback of one rubric domain of an observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    pub domain: String,
    pub score: f64,
    pub max: f64,
    /// score / max in percent, one decimal: what the bands are written against.
    pub percent: f64,
    pub band: Option<String>,
    pub text: Option<String>,
}

/// The bands of one rubric domain in one language (`*` for every domain without its own);
/// saving replaces that domain's bands in that language.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandsInput {
    pub domain: String,
    pub lang: String,
    pub bands: Vec<BandInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BandInput {
    /// Lowest percent of the domain's maximum in the band (included).
    pub min: f64,
    /// Highest percent (included).
    pub max: f64,
    pub label: String,
    pub feedback: String,
}

/// One line of a coach's visit plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanEntry {
    pub coachee_id: i64,
    pub coachee_name: String,
    pub visits_this_term: i64,
    pub last_visit: Option<NaiveDate>,
    pub next_visit: Option<NaiveDate>,
    pub overdue: bool,
}

/// A PLC as the field app's package carries it for one who facilitates or supports it: its
/// people (attendance is ticked among them, an action point's owner chosen from them) and
/// the action points still open (a meeting held later reports on those agreed before it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldPlc {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub unit_name: String,
    /// The user's own role in it: facilitator or supporting_officer.
    pub role: String,
    pub people: Vec<PlcPerson>,
    pub open_points: Vec<ActionPoint>,
}

/// A coach's visit plan in the term today falls in, as the field app's package carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldVisitPlan {
    pub coach_id: i64,
    pub term: Term,
    /// Coachees not visited this term first, then overdue follow-ups, then the rest.
    pub entries: Vec<PlanEntry>,
}

/// A count as a reader sees it: the number itself, or hidden by the small-cell rule
/// (`value` none, `text` "<5" or "x").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShownCount {
    pub value: Option<i64>,
    pub text: String,
}

/// A share in percent, none when a count it is made of is hidden or the whole is zero.
pub type Share = Option<f64>;
// What `store::reports` answers.

/// How the counts of a report are shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Shown {
    pub small_cell_threshold: i64,
    /// True when small counts are hidden (the reader has no row-level rights).
    pub suppressed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HeadTeacherRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub head_teachers: ShownCount,
    /// With at least one coaching visit in the term.
    pub visited: ShownCount,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HeadTeachersVisited {
    pub term: String,
    pub level: String,
    pub shown: Shown,
    pub rows: Vec<HeadTeacherRow>,
    pub total: HeadTeacherRow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaderRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub head_teachers: ShownCount,
    /// Head teachers who also hold a national or local leader of learning position.
    pub leaders: ShownCount,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeadersOfLearning {
    pub level: String,
    pub shown: Shown,
    pub rows: Vec<LeaderRow>,
    pub total: LeaderRow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlcRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub plcs: i64,
    /// Meetings planned by the last day counted (the term's end, or today).
    pub planned: i64,
    pub held: i64,
    pub regularity: Option<f64>,
    /// Members' places at the meetings held (members × meetings).
    pub expected: ShownCount,
    /// Members present.
    pub present: ShownCount,
    pub attendance: Option<f64>,
    pub guests: ShownCount,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlcRegularity {
    pub term: String,
    pub level: String,
    pub shown: Shown,
    pub rows: Vec<PlcRow>,
    pub total: PlcRow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionPointRow {
    pub unit_id: i64,
    pub unit_name: String,
    /// Due in the term by the last day counted (dropped points left out).
    pub due: ShownCount,
    pub on_time: ShownCount,
    pub late: ShownCount,
    pub overdue: ShownCount,
    pub share_on_time: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActionPointsReport {
    pub term: String,
    pub level: String,
    pub shown: Shown,
    pub rows: Vec<ActionPointRow>,
    pub total: ActionPointRow,
}

/// A coach in the cascade with the coverage of their own coachees in the term, and those
/// coachees below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CascadeNode {
    pub person_id: i64,
    pub name: String,
    pub coachees: i64,
    pub visited: i64,
    pub visits: i64,
    pub repeat: i64,
    pub share: Option<f64>,
    pub visits_per_coachee: Option<f64>,
    #[schema(no_recursion)]
    pub children: Vec<CascadeNode>,
}

/// The coverage of everyone at one depth of the cascade (1: the coachees of the top coaches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CascadeLevel {
    pub depth: i64,
    pub coachees: ShownCount,
    pub visited: ShownCount,
    pub visits: ShownCount,
    pub repeat: ShownCount,
    pub share: Option<f64>,
    pub visits_per_coachee: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cascade {
    pub programme: String,
    pub term: String,
    pub shown: Shown,
    pub levels: Vec<CascadeLevel>,
    pub roots: Vec<CascadeNode>,
}
