//! Who may do what, where: account roles, the scope each is held with, and the one
//! decision [`allows`] that every read and write in the web pages, the API and the command
//! line goes through.
//!
//! Places are compared by their unit *path* (`/1/7/42/`: the ids from the root down), so a
//! scope over a unit covers every unit, school and person below it without a database
//! round trip. Loading the target's path is the caller's job (the kernel and the areas' stores).

use serde::{Deserialize, Serialize};

/// The roles an account can hold. Each is held with a [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    SystemAdmin,
    NationalOfficer,
    DistrictOfficer,
    SectorOfficer,
    SchoolLeader,
    Mentor,
    Teacher,
    Facilitator,
    Evaluator,
}

impl AccountRole {
    pub const ALL: &'static [AccountRole] = &[
        AccountRole::SystemAdmin,
        AccountRole::NationalOfficer,
        AccountRole::DistrictOfficer,
        AccountRole::SectorOfficer,
        AccountRole::SchoolLeader,
        AccountRole::Mentor,
        AccountRole::Teacher,
        AccountRole::Facilitator,
        AccountRole::Evaluator,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AccountRole::SystemAdmin => "system_admin",
            AccountRole::NationalOfficer => "national_officer",
            AccountRole::DistrictOfficer => "district_officer",
            AccountRole::SectorOfficer => "sector_officer",
            AccountRole::SchoolLeader => "school_leader",
            AccountRole::Mentor => "mentor",
            AccountRole::Teacher => "teacher",
            AccountRole::Facilitator => "facilitator",
            AccountRole::Evaluator => "evaluator",
        }
    }

    pub fn parse(input: &str) -> Result<AccountRole, crate::Problem> {
        let wanted = input.trim().to_lowercase().replace(['-', ' '], "_");
        AccountRole::ALL.iter().copied().find(|r| r.key() == wanted).ok_or_else(|| {
            let allowed: Vec<&str> = AccountRole::ALL.iter().map(|r| r.key()).collect();
            crate::Problem::new("bad-choice").with_value(input.trim()).arg("allowed", allowed.join(", "))
        })
    }

    /// What the role may do at all, before its scope is considered.
    pub fn permits(self, action: Action) -> bool {
        use AccountRole::*;
        use Action::*;
        match action {
            Read => true,
            EditUnits | ManageUsers | ReadAudit => self == SystemAdmin,
            EditSchools => matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer),
            EditPeople => {
                matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer | SchoolLeader)
            }
            EditInstruments => matches!(self, SystemAdmin | NationalOfficer),
            ReadSubmissions => !matches!(self, Teacher),
            ReadRows => matches!(self, SystemAdmin | NationalOfficer),
            ManageProgrammes => matches!(self, SystemAdmin | NationalOfficer),
            ManageCohorts => matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer),
            Facilitate => {
                matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer | Facilitator)
            }
            EditSchoolData => {
                matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer | SchoolLeader)
            }
            EditSchoolPlan => matches!(self, SystemAdmin | SchoolLeader),
            SignOffSchoolPlan => {
                matches!(self, SystemAdmin | NationalOfficer | DistrictOfficer | SectorOfficer)
            }
        }
    }
}

impl std::fmt::Display for AccountRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Where a role applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The whole deployment, every country in it.
    Everything,
    /// A unit and everything below it.
    Unit { unit_id: i64, path: String },
    /// One school and the people working there.
    School { school_id: i64 },
    /// One's own record.
    Own { person_id: i64 },
}

/// A role held with a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: AccountRole,
    pub scope: Scope,
}

/// Things one can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    EditUnits,
    EditSchools,
    EditPeople,
    ManageUsers,
    ReadAudit,
    /// Publish, version and retire instruments (deployment-wide).
    EditInstruments,
    /// Read and export what others collected (a teacher reads only their own record).
    ReadSubmissions,
    /// Read row-level data: submissions row by row, and reports' small counts unhidden
    /// (system admins and national officers); everyone else reads suppressed aggregates.
    ReadRows,
    /// Set up programmes, targets and courses (deployment-wide).
    ManageProgrammes,
    /// Open cohorts, enrol, decide applications, issue and revoke certificates (in a unit).
    ManageCohorts,
    /// Hold sessions: mark attendance and record grades (in a unit).
    Facilitate,
    /// Import and enter a school's learner outcomes (school leaders for their school).
    EditSchoolData,
    /// Write a school's improvement plan: its own leader (and system administrators);
    /// officers above the school read it.
    EditSchoolPlan,
    /// Approve a school's submitted plan, or return it with a reason: an officer whose
    /// scope covers the school (and system administrators).
    SignOffSchoolPlan,
}

/// What an action is about, with what is needed to place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Something that belongs to the deployment as a whole (accounts, the audit trail).
    Deployment,
    /// A unit, by its path.
    Unit { path: &'a str },
    /// A school, by id and the path of its unit.
    School { id: i64, unit_path: &'a str },
    /// A person, by id, with the schools and unit paths of their positions.
    Person { id: i64, school_ids: &'a [i64], paths: &'a [String] },
}

impl Scope {
    /// Whether this scope reaches the target.
    pub fn covers(&self, target: &Target<'_>) -> bool {
        match (self, target) {
            (Scope::Everything, _) => true,
            (_, Target::Deployment) => false,
            (Scope::Unit { path, .. }, Target::Unit { path: p }) => p.starts_with(path.as_str()),
            (Scope::Unit { path, .. }, Target::School { unit_path, .. }) => unit_path.starts_with(path.as_str()),
            (Scope::Unit { path, .. }, Target::Person { paths, .. }) => {
                paths.iter().any(|p| p.starts_with(path.as_str()))
            }
            (Scope::School { school_id }, Target::School { id, .. }) => school_id == id,
            (Scope::School { school_id }, Target::Person { school_ids, .. }) => school_ids.contains(school_id),
            (Scope::School { .. }, Target::Unit { .. }) => false,
            (Scope::Own { person_id }, Target::Person { id, .. }) => person_id == id,
            (Scope::Own { .. }, _) => false,
        }
    }
}

/// The one decision: may someone holding `grants` do `action` on `target`?
pub fn allows(grants: &[Grant], action: Action, target: &Target<'_>) -> bool {
    grants.iter().any(|g| g.role.permits(action) && g.scope.covers(target))
}

/// The unit subtrees someone may read, for filtering lists: `None` means everywhere.
/// Normalised: sorted, each once, and none inside another, so a list or a sum taken over
/// them counts every row once (a grant over a district and another over one of its
/// sectors read the district). School and own grants are not unit subtrees: see
/// [`read_schools`] and [`read_people`].
pub fn read_paths(grants: &[Grant]) -> Option<Vec<String>> {
    if grants.iter().any(|g| g.scope == Scope::Everything) {
        return None;
    }
    let mut paths: Vec<String> = grants
        .iter()
        .filter_map(|g| match &g.scope {
            Scope::Unit { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    // Sorted, a path's subtree follows it directly: keep a path only when the last one
    // kept is not a prefix of it.
    paths.sort();
    paths.dedup();
    let mut kept: Vec<String> = Vec::with_capacity(paths.len());
    for path in paths {
        if !kept.last().is_some_and(|outer| path.starts_with(outer.as_str())) {
            kept.push(path);
        }
    }
    Some(kept)
}

/// The schools someone may read through school grants (head teachers, mentors).
pub fn read_schools(grants: &[Grant]) -> Vec<i64> {
    let mut ids: Vec<i64> = grants
        .iter()
        .filter_map(|g| match g.scope {
            Scope::School { school_id } => Some(school_id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The people someone may read as themselves (own grants).
pub fn read_people(grants: &[Grant]) -> Vec<i64> {
    let mut ids: Vec<i64> = grants
        .iter()
        .filter_map(|g| match g.scope {
            Scope::Own { person_id } => Some(person_id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The first path that is not below `prefix`, for index-friendly range filters:
/// `path >= prefix AND path < upper_bound(prefix)`.
pub fn upper_bound(prefix: &str) -> String {
    // Paths are made of digits and '/', so bumping the last byte is always a valid char.
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last += 1;
    }
    String::from_utf8(bytes).expect("ascii path")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: AccountRole, scope: Scope) -> Vec<Grant> {
        vec![Grant { role, scope }]
    }

    #[test]
    fn a_sector_officer_reaches_only_their_sector() {
        let g = grant(AccountRole::SectorOfficer, Scope::Unit { unit_id: 42, path: "/1/7/42/".into() });
        let inside = Target::School { id: 5, unit_path: "/1/7/42/" };
        let sibling = Target::School { id: 6, unit_path: "/1/7/43/" };
        let prefix_trap = Target::School { id: 7, unit_path: "/1/7/420/" };
        assert!(allows(&g, Action::Read, &inside));
        assert!(allows(&g, Action::EditSchools, &inside));
        assert!(!allows(&g, Action::Read, &sibling));
        assert!(!allows(&g, Action::Read, &prefix_trap));
        assert!(!allows(&g, Action::Read, &Target::Unit { path: "/1/7/" }));
        assert!(!allows(&g, Action::ManageUsers, &Target::Deployment));
        assert!(!allows(&g, Action::EditUnits, &Target::Unit { path: "/1/7/42/" }));
    }

    #[test]
    fn a_school_leader_edits_their_staff_but_not_the_school_next_door() {
        let g = grant(AccountRole::SchoolLeader, Scope::School { school_id: 5 });
        let paths = vec!["/1/7/42/".to_string()];
        let own_staff = Target::Person { id: 9, school_ids: &[5], paths: &paths };
        let other = Target::Person { id: 10, school_ids: &[6], paths: &paths };
        assert!(allows(&g, Action::EditPeople, &own_staff));
        assert!(!allows(&g, Action::EditPeople, &other));
        assert!(!allows(&g, Action::EditSchools, &Target::School { id: 5, unit_path: "/1/7/42/" }));
    }

    #[test]
    fn a_teacher_reads_only_their_own_record_and_an_evaluator_never_writes() {
        let t = grant(AccountRole::Teacher, Scope::Own { person_id: 9 });
        let paths = vec![];
        assert!(allows(&t, Action::Read, &Target::Person { id: 9, school_ids: &[], paths: &paths }));
        assert!(!allows(&t, Action::Read, &Target::Person { id: 8, school_ids: &[], paths: &paths }));
        assert!(!allows(&t, Action::EditPeople, &Target::Person { id: 9, school_ids: &[], paths: &paths }));
        let e = grant(AccountRole::Evaluator, Scope::Everything);
        assert!(allows(&e, Action::Read, &Target::School { id: 1, unit_path: "/1/" }));
        assert!(!allows(&e, Action::EditSchools, &Target::School { id: 1, unit_path: "/1/" }));
    }

    #[test]
    fn upper_bound_closes_the_subtree() {
        assert_eq!(upper_bound("/1/7/"), "/1/70");
        assert!("/1/7/42/" < upper_bound("/1/7/").as_str());
        assert!("/1/8/" > upper_bound("/1/7/").as_str());
        assert!("/1/70/" >= upper_bound("/1/7/").as_str());
    }

    #[test]
    fn read_paths_keep_the_outer_of_nested_grants() {
        let grants = vec![
            Grant { role: AccountRole::SectorOfficer, scope: Scope::Unit { unit_id: 42, path: "/1/7/42/".into() } },
            Grant { role: AccountRole::DistrictOfficer, scope: Scope::Unit { unit_id: 7, path: "/1/7/".into() } },
            Grant { role: AccountRole::SectorOfficer, scope: Scope::Unit { unit_id: 70, path: "/1/70/".into() } },
            Grant { role: AccountRole::DistrictOfficer, scope: Scope::Unit { unit_id: 7, path: "/1/7/".into() } },
            Grant { role: AccountRole::SchoolLeader, scope: Scope::School { school_id: 9 } },
        ];
        assert_eq!(read_paths(&grants), Some(vec!["/1/7/".to_string(), "/1/70/".to_string()]));
        assert_eq!(read_schools(&grants), vec![9]);
        assert!(read_people(&grants).is_empty());
        let everything = vec![Grant { role: AccountRole::SystemAdmin, scope: Scope::Everything }];
        assert_eq!(read_paths(&everything), None);
    }
}
