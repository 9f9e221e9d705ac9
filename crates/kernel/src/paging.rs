//! The one way a list is paged, sorted and searched: [`Page`], read from a request's query
//! (`page`, `per_page`, `sort`, `dir`, `q`) and written into the list's query by the store.
//!
//! Each list names the columns it may be sorted by in a [`Sorts`] allow-list; anything else
//! is refused with a problem naming the parameter. Not here: the scope of a list (that is
//! [`crate::scope::ListScope`]).

use crate::error::{Error, Result};
use opencpd_domain::Problem;
use serde::{Deserialize, Serialize};

/// Rows on a page when none is asked for.
pub const PER_PAGE: i64 = 50;
/// The most rows a page may hold.
pub const MAX_PER_PAGE: i64 = 200;
/// The furthest page a request may ask for: far past any list, and near enough that the
/// rows before it are counted without overflow.
pub const MAX_PAGE: i64 = 1_000_000_000;

/// The paging, sorting and search of a list, as a request gives it (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000_000)]
    pub page: Option<i64>,
    /// Rows on a page: 50 unless given, at most 200.
    pub per_page: Option<i64>,
    /// The column to sort by, one of the list's sortable columns.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub dir: Option<String>,
    /// Part of a name or code, matched without regard to case.
    pub q: Option<String>,
}

/// A list's sortable columns: the name a request gives, and the SQL expression it sorts by.
/// The first is the default.
pub type Sorts = &'static [(&'static str, &'static str)];

/// A [`Page`] checked against a list's columns, ready for its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub page: i64,
    pub per_page: i64,
    pub sort: &'static str,
    order: &'static str,
    desc: bool,
    /// `%part%`, lower case, with `%`, `_` and `\` escaped: compare with
    /// `LOWER(column) LIKE $n ESCAPE '\'`. `None` when there is no search.
    pub pattern: Option<String>,
}

impl Page {
    /// The first page, sorted by default, with no search.
    pub fn first() -> Page {
        Page::default()
    }

    /// Checks the parameters against the list's sortable columns; every bad one is a
    /// problem naming it.
    pub fn check(&self, sorts: Sorts) -> Result<Checked> {
        let mut problems = Vec::new();
        let page = self.page.unwrap_or(1);
        if page < 1 {
            problems.push(Problem::new("bad-page").in_column("page").with_value(page.to_string()));
        } else if page > MAX_PAGE {
            problems
                .push(Problem::new("page-too-far").in_column("page").with_value(page.to_string()).arg("max", MAX_PAGE));
        }
        let per_page = self.per_page.unwrap_or(PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            problems.push(
                Problem::new("bad-per-page")
                    .in_column("per_page")
                    .with_value(per_page.to_string())
                    .arg("max", MAX_PER_PAGE),
            );
        }
        let (sort, order) = match self.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => sorts[0],
            Some(s) => match sorts.iter().find(|(name, _)| *name == s) {
                Some(found) => *found,
                None => {
                    let allowed = sorts.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
                    problems.push(Problem::new("bad-choice").in_column("sort").with_value(s).arg("allowed", allowed));
                    sorts[0]
                }
            },
        };
        let desc = match self.dir.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => {
                problems.push(Problem::new("bad-choice").in_column("dir").with_value(d).arg("allowed", "asc, desc"));
                false
            }
        };
        if !problems.is_empty() {
            return Err(Error::Invalid(problems));
        }
        let pattern = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(|q| {
            let escaped: String = q
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            format!("%{escaped}%")
        });
        Ok(Checked { page, per_page, sort, order, desc, pattern })
    }
}

impl Checked {
    /// `ORDER BY …` for the chosen column and direction, then `tie` (a unique column) so
    /// that pages never overlap.
    pub fn order_by(&self, tie: &str) -> String {
        let dir = if self.desc { "DESC" } else { "ASC" };
        format!("ORDER BY {} {dir}, {tie} {dir}", self.order)
    }

    pub fn limit(&self) -> i64 {
        self.per_page
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn dir(&self) -> &'static str {
        if self.desc { "desc" } else { "asc" }
    }

    /// One page of rows with the total, as an answer carries it.
    pub fn answer<T>(&self, total: i64, items: Vec<T>) -> Paged<T> {
        Paged {
            total,
            page: self.page,
            per_page: self.per_page,
            sort: self.sort.to_string(),
            dir: self.dir().into(),
            items,
        }
    }
}

/// One page of a list and the number of rows in the whole list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paged<T> {
    /// Rows in the whole list (in scope and matching the search).
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub sort: String,
    pub dir: String,
    pub items: Vec<T>,
}

impl<T> Paged<T> {
    /// The position of the first row shown, from 1 (0 when the page is empty).
    pub fn first(&self) -> i64 {
        if self.items.is_empty() { 0 } else { (self.page - 1) * self.per_page + 1 }
    }

    pub fn last(&self) -> i64 {
        (self.page - 1) * self.per_page + self.items.len() as i64
    }

    pub fn has_next(&self) -> bool {
        self.last() < self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTS: Sorts = &[("name", "s.name"), ("code", "s.code")];

    #[test]
    fn defaults_and_escaping() {
        let c = Page { q: Some(" 50%_a ".into()), ..Page::first() }.check(SORTS).unwrap();
        assert_eq!((c.page, c.per_page, c.sort), (1, 50, "name"));
        assert_eq!(c.order_by("s.id"), "ORDER BY s.name ASC, s.id ASC");
        assert_eq!(c.pattern.as_deref(), Some("%50\\%\\_a%"));
        let c =
            Page { page: Some(3), per_page: Some(20), sort: Some("code".into()), dir: Some("desc".into()), q: None }
                .check(SORTS)
                .unwrap();
        assert_eq!((c.offset(), c.limit()), (40, 20));
        assert_eq!(c.order_by("s.id"), "ORDER BY s.code DESC, s.id DESC");
    }

    #[test]
    fn a_page_past_any_list_is_refused_before_its_rows_are_counted() {
        let far = Page { page: Some(184_467_440_737_095_518), ..Page::first() };
        let Err(Error::Invalid(problems)) = far.check(SORTS) else { panic!("accepted") };
        assert_eq!((problems[0].code, problems[0].column.as_deref()), ("page-too-far", Some("page")));
        let last = Page { page: Some(MAX_PAGE), per_page: Some(MAX_PER_PAGE), ..Page::first() }.check(SORTS).unwrap();
        assert_eq!(last.offset(), (MAX_PAGE - 1) * MAX_PER_PAGE);
    }

    #[test]
    fn bad_parameters_are_named() {
        let bad = Page {
            page: Some(0),
            per_page: Some(201),
            sort: Some("s.id; DROP".into()),
            dir: Some("up".into()),
            q: None,
        };
        let Err(Error::Invalid(problems)) = bad.check(SORTS) else { panic!("accepted") };
        let columns: Vec<_> = problems.iter().map(|p| p.column.clone().unwrap()).collect();
        assert_eq!(columns, ["page", "per_page", "sort", "dir"]);
    }
}
