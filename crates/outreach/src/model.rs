//! Outreach's request and answer shapes (events, resources and their checks, awards): what its API takes and answers and what its pages and other areas read. The store
//! fills them (`opencpd_kernel::from_row!` reads them from rows); they carry no SQL.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

// What `store::awards` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Award {
    pub id: i64,
    pub person_id: i64,
    pub given_name: String,
    pub family_name: String,
    pub name: String,
    pub category: Option<String>,
    pub awarded_on: NaiveDate,
    pub awarding_body: Option<String>,
    pub programme_id: Option<i64>,
    pub programme_code: Option<String>,
    /// The outreach event it was given at, if any.
    pub event_id: Option<i64>,
    pub event_title: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardInput {
    /// The person, by id or by staff number.
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub staff_number: Option<String>,
    /// The award's name, e.g. "Best mathematics teacher".
    pub name: String,
    #[serde(default)]
    pub category: Option<String>,
    pub awarded_on: String,
    #[serde(default)]
    pub awarding_body: Option<String>,
    #[serde(default)]
    pub programme_code: Option<String>,
    /// The outreach event it was given at: one the recorder reads.
    #[serde(default)]
    pub event_id: Option<i64>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// How many awards a filtered list holds and to how many people. `people` is the count
/// itself for readers with row-level rights and otherwise a text the small-cell rule may
/// hide ("<5").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AwardCounts {
    pub awards: String,
    pub people: String,
    /// The small-cell threshold applied, 0 when the counts are shown as they are.
    pub small_cell_threshold: i64,
}

// What `store::outreach` takes and answers.

/// Participants by category and sex.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(default)]
pub struct Participants {
    pub learners_female: i64,
    pub learners_male: i64,
    pub teachers_female: i64,
    pub teachers_male: i64,
    pub parents_female: i64,
    pub parents_male: i64,
    pub officials_female: i64,
    pub officials_male: i64,
    pub others_female: i64,
    pub others_male: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutreachKind {
    pub key: String,
    pub name_en: String,
    pub name_fr: String,
    pub position: i64,
}

/// A school an event reached.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReachedSchool {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutreachEvent {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub programme_id: Option<i64>,
    pub programme_code: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub school_id: Option<i64>,
    pub school_code: Option<String>,
    pub school_name: Option<String>,
    /// The place's unit path; `/` for an event of the whole deployment.
    pub path: String,
    /// radio, tv or online, for a broadcast.
    pub medium: Option<String>,
    /// Estimated audience of a broadcast.
    pub audience: Option<i64>,
    pub participants: Participants,
    pub notes: Option<String>,
    pub version: i64,
    pub schools: Vec<ReachedSchool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutreachInput {
    /// One of the deployment's outreach kinds (maths_camp, science_caravan, …).
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub programme_code: Option<String>,
    pub start_date: String,
    /// Default: the start date.
    #[serde(default)]
    pub end_date: Option<String>,
    /// Where it was held: a unit, or a school (its unit is then the place).
    #[serde(default)]
    pub unit_code: Option<String>,
    #[serde(default)]
    pub school_code: Option<String>,
    /// radio, tv or online; a broadcast may have no place.
    #[serde(default)]
    pub medium: Option<String>,
    #[serde(default)]
    pub audience: Option<i64>,
    #[serde(default)]
    pub participants: Participants,
    /// Codes of the schools reached.
    #[serde(default)]
    pub schools: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Editing: the version read; a stale one is a conflict.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Outreach added up over the events the actor reads (optionally of one programme).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutreachTotals {
    pub events: i64,
    pub participants: Participants,
    pub female: i64,
    pub male: i64,
    pub total: i64,
    /// Distinct schools reached.
    pub schools_reached: i64,
    /// Estimated audience of broadcasts.
    pub audience: i64,
    /// Events by kind: (kind, events, participants).
    pub by_kind: Vec<KindTotal>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindTotal {
    pub kind: String,
    pub events: i64,
    pub participants: i64,
}

// What `store::resources` takes and answers.

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resource {
    pub id: i64,
    pub kind: String,
    pub description: Option<String>,
    pub quantity: i64,
    pub school_id: i64,
    pub school_code: String,
    pub school_name: String,
    pub unit_path: String,
    pub programme_id: Option<i64>,
    pub programme_code: Option<String>,
    pub delivered_on: NaiveDate,
    /// complete, incomplete or damaged, when delivered.
    pub state: String,
    pub notes: Option<String>,
    /// What the latest check found, and when.
    pub last_state: Option<String>,
    pub last_checked_on: Option<NaiveDate>,
    pub checks: Vec<ResourceCheck>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResourceCheck {
    pub id: i64,
    pub resource_id: i64,
    pub checked_on: NaiveDate,
    /// in_use, partly_in_use, not_in_use, broken or missing.
    pub state: String,
    pub notes: Option<String>,
    /// Who checked: the name given, else the account that recorded it.
    pub checked_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    pub kind: String,
    #[serde(default)]
    pub description: Option<String>,
    pub quantity: i64,
    pub school_code: String,
    #[serde(default)]
    pub programme_code: Option<String>,
    pub delivered_on: String,
    /// complete (default), incomplete or damaged.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInput {
    pub checked_on: String,
    pub state: String,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub checked_by: Option<String>,
}
