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

pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("home.html", include_str!("../templates/home.html")),
    ("unit.html", include_str!("../templates/unit.html")),
    ("school.html", include_str!("../templates/school.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("instruments.html", include_str!("../templates/instruments.html")),
    ("conflicts.html", include_str!("../templates/conflicts.html")),
    ("instrument.html", include_str!("../templates/instrument.html")),
    ("instrument_summary.html", include_str!("../templates/instrument_summary.html")),
];

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

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES.iter().chain(crate::delivery::TEMPLATES) {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_function("t", translate);
        env.add_filter("number", number);
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
            can_import => actor.is_some_and(crate::pages::can_import),
            languages => Value::from(minijinja::value::Serde(opencpd_domain::i18n::LANGUAGES)),
        };
        let merged = minijinja::context! { ..Value::from(minijinja::value::Serde(&values)), ..common };
        let tmpl = self.env.get_template(name).map_err(|e| Error::Internal(e.into()))?;
        tmpl.render(merged).map(Html).map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

#[cfg(test)]
mod tests {
    /// Every file under `templates/` is compiled in: a page or an include left out would
    /// fail only when someone opens it.
    #[test]
    fn every_template_file_is_registered() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    files.push(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let known: Vec<&str> = super::TEMPLATES.iter().chain(crate::delivery::TEMPLATES).map(|(n, _)| *n).collect();
        let missing: Vec<&String> = files.iter().filter(|f| !known.contains(&f.as_str())).collect();
        assert!(files.len() > 20 && missing.is_empty(), "not registered: {missing:?}");
    }
}
