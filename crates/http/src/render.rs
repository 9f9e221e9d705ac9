//! Page rendering: minijinja templates compiled into the binary, with `t(key, …)` for
//! every string through the one translation catalogue.

use crate::auth::Ctx;
use crate::error::{Error, Result};
use axum::response::Html;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, State};
use serde::Serialize;

pub struct Templates {
    env: Environment<'static>,
}

/// The shared templates: the page layout, lists, the login page and error pages.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("import.html", include_str!("../templates/import.html")),
];

/// Any serialisable value, for a template's context.
pub fn value<T: Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

fn translate(state: &State, key: &str, kwargs: Kwargs) -> std::result::Result<String, minijinja::Error> {
    let lang = state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "en".into());
    let mut args = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        args.push((name, v.to_string()));
    }
    Ok(opencpd_domain::i18n::catalog().text(&lang, key, &args))
}

/// Thousands separated the way the language writes them.
fn number(state: &State, value: i64) -> String {
    let lang = state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let sep = if lang == "fr" { '\u{202f}' } else { ',' };
    let digits = value.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// A decimal number as the reader's language writes it, with `places` decimals (2 by
/// default): "1,234.56" in English, "1 234,56" in French (a narrow no-break space between
/// thousands). Not a number (a missing value) is "–".
fn decimal(state: &State, value: Value, places: Option<usize>) -> String {
    let lang = state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    match f64::try_from(value) {
        Ok(v) if v.is_finite() => opencpd_domain::i18n::decimal(v, places.unwrap_or(2), &lang),
        _ => "–".to_string(),
    }
}

/// A quantity (hours, credits, a percent) as the reader's language writes it, with at most
/// `places` decimals (1 by default) and no trailing zeros: "18", "4.5" or "4,5".
fn quantity(state: &State, value: Value, places: Option<usize>) -> String {
    let lang = state.lookup("lang").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    match f64::try_from(value) {
        Ok(v) if v.is_finite() => opencpd_domain::i18n::number(v, places.unwrap_or(1), &lang),
        _ => "–".to_string(),
    }
}

impl Templates {
    /// The shared templates and those of `areas`.
    pub fn new(areas: &[&crate::Area]) -> Templates {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES.iter().chain(areas.iter().flat_map(|a| a.templates)) {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", translate);
        env.add_filter("number", number);
        env.add_filter("decimal", decimal);
        env.add_filter("quantity", quantity);
        Templates { env }
    }

    /// Renders `name` with the request's common context (language, user, CSRF token)
    /// and the page's own values.
    pub fn page<S: Serialize>(&self, ctx: &Ctx, name: &str, values: S) -> Result<Html<String>> {
        let actor = ctx.actor.as_ref();
        let common = minijinja::context! {
            lang => ctx.lang,
            here => &ctx.here,
            csrf => &ctx.csrf,
            user => actor.map(|a| minijinja::context! { name => &a.display_name, username => &a.username }),
            is_admin => actor.is_some_and(|a| a.is_admin()),
            can_import => actor.is_some_and(crate::session::can_import),
            languages => Value::from(minijinja::value::Serde(opencpd_domain::i18n::LANGUAGES)),
        };
        let merged = minijinja::context! { ..Value::from(minijinja::value::Serde(&values)), ..common };
        let tmpl = self.env.get_template(name).map_err(|e| Error::Internal(e.into()))?;
        tmpl.render(merged).map(Html).map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}

/// What `templates/list.html` shows of a page of a list: the count, the links to the
/// pages before and after, the sort and the search, kept from one link to the next.
#[derive(Serialize)]
pub struct ListView {
    total: i64,
    page: i64,
    per_page: i64,
    sort: String,
    dir: String,
    q: Option<String>,
    first: i64,
    last: i64,
    has_next: bool,
}

impl ListView {
    pub fn of<T>(paged: &opencpd_kernel::paging::Paged<T>, asked: &opencpd_kernel::paging::Page) -> minijinja::Value {
        value(&ListView {
            total: paged.total,
            page: paged.page,
            per_page: paged.per_page,
            sort: paged.sort.clone(),
            dir: paged.dir.clone(),
            q: asked.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_string),
            first: paged.first(),
            last: paged.last(),
            has_next: paged.has_next(),
        })
    }
}

/// What is wrong with a crate's templates, for its one test: files under `dir` that are
/// not compiled in, templates holding something the CSP blocks (inline script, a
/// `<style>` element, an event attribute), and table cells a phone would show without
/// their column's name.
pub fn template_problems(dir: &std::path::Path, registered: &[(&str, &str)]) -> Vec<String> {
    let mut problems: Vec<String> =
        unregistered(dir, registered).into_iter().map(|f| format!("{f}: not registered")).collect();
    for (name, body) in registered {
        if let Some(violation) = crate::security::inline_violation(body) {
            problems.push(format!("{name}: {violation}"));
        }
        for (line, cell) in unlabelled_cells(body) {
            problems.push(format!("{name}:{line}: a cell without data-label: {cell}"));
        }
    }
    problems
}

/// The `<td>` tags of a template that carry no `data-label`, with their line: on a narrow
/// screen a table's rows become stacks and each value shows its column's name from that
/// attribute. A cell spanning columns (a "none yet" row), a chart's cell and a cell of
/// buttons (`class="actions"`) have no column name to show.
fn unlabelled_cells(body: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut rest = body;
    let mut offset = 0;
    while let Some(at) = rest.find("<td") {
        let after = &rest[at + 3..];
        let is_cell = after.starts_with('>') || after.starts_with(char::is_whitespace);
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        let tag = &rest[at..at + 3 + end];
        let exempt = ["data-label", "colspan", "chart-cell", "actions"].iter().any(|k| tag.contains(k));
        if is_cell && !exempt {
            let line = body[..offset + at].matches('\n').count() + 1;
            found.push((line, tag.chars().take(60).collect()));
        }
        offset += at + 3;
        rest = after;
    }
    found
}

/// The `.html` files under `dir` (a crate's `templates/`) that `registered` leaves out:
/// a page or an include left out would fail only when someone opens it. Each crate with
/// templates tests that this is empty.
pub fn unregistered(dir: &std::path::Path, registered: &[(&str, &str)]) -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                files.push(path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.retain(|f| !registered.iter().any(|(n, _)| n == f));
    files
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_are_written_as_the_language_writes_them() {
        assert_eq!(opencpd_domain::i18n::decimal(1234.567, 2, "en"), "1,234.57");
        assert_eq!(opencpd_domain::i18n::decimal(1234.567, 2, "fr"), "1\u{202f}234,57");
        assert_eq!(opencpd_domain::i18n::decimal(-0.4, 1, "fr"), "−0,4");
        assert_eq!(opencpd_domain::i18n::decimal(-0.001, 2, "en"), "0.00");
        assert_eq!(opencpd_domain::i18n::decimal(0.445, 3, "en"), "0.445");
        assert_eq!(opencpd_domain::i18n::decimal(12.0, 0, "en"), "12");
        assert_eq!(opencpd_domain::i18n::number(18.0, 1, "fr"), "18");
        assert_eq!(opencpd_domain::i18n::number(4.5, 1, "fr"), "4,5");
        assert_eq!(opencpd_domain::i18n::number(75.0, 1, "en"), "75");
        assert_eq!(opencpd_domain::i18n::number(1250.26, 1, "en"), "1,250.3");
    }

    #[test]
    fn a_cell_without_its_column_name_is_found_with_its_line() {
        let body = "<table>\n<tr><td data-label=\"Name\">A</td><td class=\"num\">3</td></tr>\n\
                    <tr><td colspan=\"2\">none</td><td class=\"actions\"><button>x</button></td><td>\n</table>";
        let found = super::unlabelled_cells(body);
        assert_eq!(found, vec![(2, "<td class=\"num\">".to_string()), (3, "<td>".to_string())]);
        assert!(super::unlabelled_cells("<thead><tr><th>Name</th></tr></thead>").is_empty());
    }

    #[test]
    fn templates_are_registered_and_the_csp_allows_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        assert_eq!(super::template_problems(&dir, super::TEMPLATES), Vec::<String>::new());
    }
}
