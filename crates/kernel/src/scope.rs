//! The one filter that limits a list to what an actor may read.
//!
//! Single records are checked with `Actor::require`; lists, counts and reports put a
//! [`ListScope`] into their query instead, so every row is read once whatever grants an
//! actor holds: unit subtrees are normalised (a sector inside a granted district is not
//! read twice), and school and own grants count where the list has such a column.
//!
//! Not here: which actions a role permits (that is `opencpd_domain::access`).

use crate::Actor;
use opencpd_domain::access::{read_paths, read_people, read_schools, upper_bound};

/// Where an actor may read, ready to be written into a list's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListScope {
    /// `None`: everywhere.
    paths: Option<Vec<String>>,
    schools: Vec<i64>,
    people: Vec<i64>,
}

/// The columns of a list's query that a scope is compared with: the row's unit path, and
/// where the rows have them, its school and its person.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    pub path: &'a str,
    pub school: Option<&'a str>,
    pub person: Option<&'a str>,
}

impl<'a> Columns<'a> {
    /// Rows placed by a unit path only.
    pub fn path(path: &'a str) -> Columns<'a> {
        Columns { path, school: None, person: None }
    }

    pub fn school(self, column: &'a str) -> Columns<'a> {
        Columns { school: Some(column), ..self }
    }

    pub fn person(self, column: &'a str) -> Columns<'a> {
        Columns { person: Some(column), ..self }
    }
}

impl ListScope {
    /// What `actor` may read.
    pub fn of(actor: &Actor) -> ListScope {
        ListScope {
            paths: read_paths(&actor.grants),
            schools: read_schools(&actor.grants),
            people: read_people(&actor.grants),
        }
    }

    /// True when the actor reads the whole deployment.
    pub fn is_everything(&self) -> bool {
        self.paths.is_none()
    }

    /// The unit subtrees read, none inside another: `/` when the actor reads everything.
    /// A sum taken over them, subtree by subtree, counts every row once.
    pub fn unit_paths(&self) -> Vec<String> {
        self.paths.clone().unwrap_or_else(|| vec!["/".to_string()])
    }

    /// The schools read through school grants.
    pub fn schools(&self) -> &[i64] {
        &self.schools
    }

    /// A SQL condition true for the rows in scope. Paths are digits and `/` and ids are
    /// integers, so they are written into the SQL text directly (and the condition can be
    /// put into any query, with or without a builder).
    pub fn sql(&self, columns: Columns<'_>) -> String {
        let Some(paths) = &self.paths else {
            return "1 = 1".into();
        };
        let mut parts: Vec<String> = Vec::new();
        for path in paths {
            debug_assert!(path.chars().all(|c| c.is_ascii_digit() || c == '/'));
            parts.push(format!("({col} >= '{path}' AND {col} < '{}')", upper_bound(path), col = columns.path));
        }
        if let Some(col) = columns.school {
            parts.extend(self.schools.iter().map(|id| format!("{col} = {id}")));
        }
        if let Some(col) = columns.person {
            parts.extend(self.people.iter().map(|id| format!("{col} = {id}")));
        }
        if parts.is_empty() { "1 = 0".into() } else { format!("({})", parts.join(" OR ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencpd_domain::{AccountRole, Grant, Scope};

    fn actor(grants: Vec<Grant>) -> Actor {
        Actor { user_id: Some(1), username: "t".into(), display_name: "T".into(), language: "en".into(), grants }
    }

    #[test]
    fn nested_grants_are_one_subtree_and_schools_count() {
        let a = actor(vec![
            Grant { role: AccountRole::SectorOfficer, scope: Scope::Unit { unit_id: 42, path: "/1/7/42/".into() } },
            Grant { role: AccountRole::DistrictOfficer, scope: Scope::Unit { unit_id: 7, path: "/1/7/".into() } },
            Grant { role: AccountRole::SchoolLeader, scope: Scope::School { school_id: 9 } },
        ]);
        let scope = ListScope::of(&a);
        assert_eq!(scope.unit_paths(), vec!["/1/7/".to_string()]);
        assert_eq!(
            scope.sql(Columns::path("s.unit_path").school("s.id")),
            "((s.unit_path >= '/1/7/' AND s.unit_path < '/1/70') OR s.id = 9)"
        );
        assert_eq!(scope.sql(Columns::path("c.unit_path")), "((c.unit_path >= '/1/7/' AND c.unit_path < '/1/70'))");
    }

    #[test]
    fn nothing_granted_reads_nothing_and_everything_reads_all() {
        let own = actor(vec![Grant { role: AccountRole::Teacher, scope: Scope::Own { person_id: 3 } }]);
        assert_eq!(ListScope::of(&own).sql(Columns::path("p.path")), "1 = 0");
        assert_eq!(ListScope::of(&own).sql(Columns::path("p.path").person("p.id")), "(p.id = 3)");
        let admin = actor(vec![Grant { role: AccountRole::SystemAdmin, scope: Scope::Everything }]);
        assert!(ListScope::of(&admin).is_everything());
        assert_eq!(ListScope::of(&admin).sql(Columns::path("p.path")), "1 = 1");
        assert_eq!(ListScope::of(&admin).unit_paths(), vec!["/".to_string()]);
    }
}
