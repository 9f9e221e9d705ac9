//! The registry's request and answer shapes: what its API takes and answers and what its
//! pages and other areas read. The store fills them (`opencpd_kernel::from_row!` reads them
//! from rows); they carry no SQL.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Level {
    pub country: String,
    pub depth: i64,
    pub key: String,
    pub name_en: String,
    pub name_fr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub country: String,
    pub depth: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// A unit with what lies below it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitSummary {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub depth: i64,
    pub path: String,
    pub schools: i64,
    pub staff: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct School {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub unit_path: String,
    pub level: String,
    pub ownership: String,
    pub subsystem: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    pub birth_year: Option<i64>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Position {
    pub id: i64,
    pub person_id: i64,
    pub role: String,
    pub school_id: Option<i64>,
    pub school_code: Option<String>,
    pub school_name: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub path: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

/// A member of staff at a school: the person and the position held there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub person_id: i64,
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    pub role: String,
    pub start_date: NaiveDate,
}

/// Counts for the home page over everything the actor may read. `staff` counts posts
/// held today (a person with two current posts counts twice).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub units: i64,
    pub schools: i64,
    pub staff: i64,
    pub people: i64,
}

/// What a person may set on a school, from a form or JSON. Flattened into the bodies that
/// carry it, which refuse other fields (see `opencpd_domain::input`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SchoolInput {
    pub code: String,
    pub name: String,
    pub unit_code: String,
    pub level: String,
    pub ownership: String,
    #[serde(default)]
    pub subsystem: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// A person's own fields. Flattened into the bodies that carry it, which refuse other
/// fields (see `opencpd_domain::input`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    #[serde(default)]
    pub staff_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    #[serde(default)]
    pub birth_year: Option<i64>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

/// A new person with the position they hold now (where they work is what places them in
/// someone's scope).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewPerson {
    #[serde(flatten)]
    pub person: PersonInput,
    pub position: Option<PositionInput>,
    /// Any other field is refused.
    #[serde(flatten)]
    #[schema(ignore)]
    pub unknown: opencpd_domain::input::UnknownFields,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    pub role: String,
    #[serde(default)]
    pub school_code: Option<String>,
    #[serde(default)]
    pub unit_code: Option<String>,
    pub start_date: String,
    #[serde(default)]
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cluster {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The unit that owns the cluster, if any; its officers manage it.
    pub unit_id: Option<i64>,
    pub unit_path: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterInput {
    pub code: String,
    pub name: String,
    /// The owning unit's code; none for a cluster of the whole deployment.
    #[serde(default)]
    pub unit_code: Option<String>,
    /// The member schools, by code.
    pub school_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Subject {
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_fr: String,
}
