//! The one translation layer: every string a person reads goes through [`Catalog::text`].
//!
//! Messages are Fluent files compiled into the program, so a deployment needs no files
//! beside the binary: `locales/<lang>.ftl` for what every area shares, and
//! `locales/<lang>/<area>.ftl` for the messages of an area crate (one file per area and
//! language, so that areas never edit the same file; an identifier defined twice stops the
//! program at its first message). English is the fallback: a message missing
//! in French is shown in English rather than as its identifier.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The languages OpenCPD speaks, as (code, name in that language).
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("fr", "Français")];

/// Every message file, as (language, file, text).
const SOURCES: &[(&str, &str, &str)] = &[
    ("en", "en.ftl", include_str!("../locales/en.ftl")),
    ("fr", "fr.ftl", include_str!("../locales/fr.ftl")),
    ("en", "en/forms.ftl", include_str!("../locales/en/forms.ftl")),
    ("fr", "fr/forms.ftl", include_str!("../locales/fr/forms.ftl")),
    ("en", "en/peer.ftl", include_str!("../locales/en/peer.ftl")),
    ("fr", "fr/peer.ftl", include_str!("../locales/fr/peer.ftl")),
    ("en", "en/indicators.ftl", include_str!("../locales/en/indicators.ftl")),
    ("fr", "fr/indicators.ftl", include_str!("../locales/fr/indicators.ftl")),
    ("en", "en/evaluation.ftl", include_str!("../locales/en/evaluation.ftl")),
    ("fr", "fr/evaluation.ftl", include_str!("../locales/fr/evaluation.ftl")),
    ("en", "en/outreach.ftl", include_str!("../locales/en/outreach.ftl")),
    ("fr", "fr/outreach.ftl", include_str!("../locales/fr/outreach.ftl")),
    ("en", "en/audit.ftl", include_str!("../locales/en/audit.ftl")),
    ("fr", "fr/audit.ftl", include_str!("../locales/fr/audit.ftl")),
    ("en", "en/field.ftl", include_str!("../locales/en/field.ftl")),
    ("fr", "fr/field.ftl", include_str!("../locales/fr/field.ftl")),
    ("en", "en/delivery.ftl", include_str!("../locales/en/delivery.ftl")),
    ("fr", "fr/delivery.ftl", include_str!("../locales/fr/delivery.ftl")),
];

pub struct Catalog {
    bundles: Vec<(&'static str, FluentBundle<FluentResource>)>,
}

/// The catalogue, built once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::build)
}

/// The supported language closest to `wanted` ("fr-CM" gives "fr"); English otherwise.
pub fn resolve(wanted: &str) -> &'static str {
    let base = wanted.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    LANGUAGES.iter().map(|(code, _)| *code).find(|c| *c == base).unwrap_or("en")
}

impl Catalog {
    fn build() -> Catalog {
        let bundles = LANGUAGES
            .iter()
            .map(|(lang, _)| {
                let id = lang.parse().expect("language identifier");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                bundle.set_use_isolating(false);
                for (_, file, source) in SOURCES.iter().filter(|(l, _, _)| l == lang) {
                    let resource = FluentResource::try_new(source.to_string())
                        .unwrap_or_else(|(_, errors)| panic!("locales/{file} does not parse: {errors:?}"));
                    bundle.add_resource(resource).unwrap_or_else(|e| panic!("locales/{file}: {e:?}"));
                }
                (*lang, bundle)
            })
            .collect();
        Catalog { bundles }
    }

    fn bundle(&self, lang: &str) -> &FluentBundle<FluentResource> {
        let lang = resolve(lang);
        &self.bundles.iter().find(|(l, _)| *l == lang).unwrap_or(&self.bundles[0]).1
    }

    /// Whether the message exists in `lang` itself (not through the English fallback).
    pub fn has(&self, lang: &str, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }

    /// The message `id` in `lang`, its placeholders filled from `args`.
    pub fn text(&self, lang: &str, id: &str, args: &[(&str, String)]) -> String {
        let mut bundle = self.bundle(lang);
        if !bundle.has_message(id) {
            bundle = &self.bundles[0].1;
        }
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            // Whole numbers written canonically are numbers (for plurals); "007" stays text.
            match value.parse::<i64>() {
                Ok(n) if n.to_string() == *value => fluent_args.set(*name, FluentValue::from(n)),
                _ => fluent_args.set(*name, FluentValue::from(value.clone())),
            }
        }
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, Some(&fluent_args), &mut errors).into_owned()
    }

    /// The identifiers of every message in `lang`'s own files.
    pub fn ids(&self, lang: &str) -> Vec<String> {
        SOURCES
            .iter()
            .filter(|(l, _, _)| *l == lang)
            .flat_map(|(_, _, source)| source.lines())
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(|s| s.trim().to_string()))
            .collect()
    }
}

/// A piece of a message as a script formats it (the field app): text, a variable's value,
/// or a choice among variants by a variable — by its exact number, then its plural
/// category (`one`, `few`, `many`, `other`… as `Intl.PluralRules` gives it), then the
/// default. Serialised as `"text"`, `{"var": "n"}` and
/// `{"select": "n", "variants": {"one": [...], "other": [...]}, "default": "other"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Part {
    Text(String),
    Var { var: String },
    Select { select: String, variants: BTreeMap<String, Vec<Part>>, default: String },
}

impl Catalog {
    /// Every message whose identifier starts with one of `prefixes`, in `lang` (English
    /// where `lang` lacks one), as [`Part`]s: the same messages the pages show, for a
    /// script to format with the same plural rules. References to other messages are
    /// written out; a function call (`NUMBER($n)`) gives its first argument.
    pub fn export(&self, lang: &str, prefixes: &[&str]) -> BTreeMap<String, Vec<Part>> {
        self.ids("en")
            .into_iter()
            .filter(|id| prefixes.iter().any(|p| id.starts_with(p)))
            .filter_map(|id| {
                let bundle = if self.has(lang, &id) { self.bundle(lang) } else { &self.bundles[0].1 };
                let pattern = bundle.get_message(&id)?.value()?;
                let mut parts = Vec::new();
                pattern_parts(bundle, pattern, &mut parts, 0);
                Some((id, parts))
            })
            .collect()
    }
}

/// Appends `pattern`'s parts to `out`, joining neighbouring texts.
fn pattern_parts(bundle: &FluentBundle<FluentResource>, pattern: &ast::Pattern<&str>, out: &mut Vec<Part>, depth: u8) {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => push_text(out, value),
            ast::PatternElement::Placeable { expression } => expression_parts(bundle, expression, out, depth),
        }
    }
}

fn push_text(out: &mut Vec<Part>, text: &str) {
    match out.last_mut() {
        Some(Part::Text(last)) => last.push_str(text),
        _ => out.push(Part::Text(text.to_string())),
    }
}

fn expression_parts(bundle: &FluentBundle<FluentResource>, e: &ast::Expression<&str>, out: &mut Vec<Part>, depth: u8) {
    match e {
        ast::Expression::Inline(inline) => inline_parts(bundle, inline, out, depth),
        ast::Expression::Select { selector, variants } => {
            let Some(select) = variable(selector) else {
                // A select on a literal or a message: its default variant.
                if let Some(v) = variants.iter().find(|v| v.default) {
                    pattern_parts(bundle, &v.value, out, depth);
                }
                return;
            };
            let key = |k: &ast::VariantKey<&str>| match k {
                ast::VariantKey::Identifier { name } => name.to_string(),
                ast::VariantKey::NumberLiteral { value } => value.to_string(),
            };
            let default = variants.iter().find(|v| v.default).map(|v| key(&v.key)).unwrap_or_default();
            let variants = variants
                .iter()
                .map(|v| {
                    let mut parts = Vec::new();
                    pattern_parts(bundle, &v.value, &mut parts, depth);
                    (key(&v.key), parts)
                })
                .collect();
            out.push(Part::Select { select, variants, default });
        }
    }
}

/// The variable an expression reads (`$n`, or `NUMBER($n)`), if it reads one.
fn variable(e: &ast::InlineExpression<&str>) -> Option<String> {
    match e {
        ast::InlineExpression::VariableReference { id } => Some(id.name.to_string()),
        ast::InlineExpression::FunctionReference { arguments, .. } => arguments.positional.first().and_then(variable),
        ast::InlineExpression::Placeable { expression } => match &**expression {
            ast::Expression::Inline(inner) => variable(inner),
            ast::Expression::Select { .. } => None,
        },
        _ => None,
    }
}

fn inline_parts(
    bundle: &FluentBundle<FluentResource>,
    e: &ast::InlineExpression<&str>,
    out: &mut Vec<Part>,
    depth: u8,
) {
    if let Some(var) = variable(e) {
        out.push(Part::Var { var });
        return;
    }
    match e {
        ast::InlineExpression::StringLiteral { value } | ast::InlineExpression::NumberLiteral { value } => {
            push_text(out, value)
        }
        ast::InlineExpression::MessageReference { id, attribute: None } if depth < 8 => {
            if let Some(pattern) = bundle.get_message(id.name).and_then(|m| m.value()) {
                pattern_parts(bundle, pattern, out, depth + 1);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_parts(bundle, expression, out, depth),
        // Terms and attributes are not used by the messages scripts read: their name, as
        // Fluent shows what it cannot resolve.
        other => push_text(out, &format!("{{{}}}", reference_name(other))),
    }
}

fn reference_name(e: &ast::InlineExpression<&str>) -> String {
    match e {
        ast::InlineExpression::MessageReference { id, .. } => id.name.to_string(),
        ast::InlineExpression::TermReference { id, .. } => format!("-{}", id.name),
        _ => "???".into(),
    }
}

/// A decimal number as `lang` writes it, with `places` decimals: "1,234.56" in English,
/// "1 234,56" in French (a narrow no-break space between thousands).
pub fn decimal(value: f64, places: usize, lang: &str) -> String {
    let (thousands, point) = if lang == "fr" { ('\u{202f}', ',') } else { (',', '.') };
    let text = format!("{:.*}", places, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(ch);
    }
    if !fraction.is_empty() {
        out.push(point);
        out.push_str(fraction);
    }
    // "-0.00" is zero.
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("−{out}") } else { out }
}

/// [`decimal`] with at most `places` decimals and no trailing zeros: "18", "4.5", "4,5".
pub fn number(value: f64, places: usize, lang: &str) -> String {
    let full = decimal(value, places, lang);
    let point = if lang == "fr" { ',' } else { '.' };
    if full.contains(point) { full.trim_end_matches('0').trim_end_matches(point).to_string() } else { full }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_english_message_has_a_french_translation() {
        let cat = catalog();
        let missing: Vec<_> = cat.ids("en").into_iter().filter(|id| !cat.has("fr", id)).collect();
        assert!(missing.is_empty(), "missing in fr.ftl: {missing:?}");
        let extra: Vec<_> = cat.ids("fr").into_iter().filter(|id| !cat.has("en", id)).collect();
        assert!(extra.is_empty(), "only in fr.ftl: {extra:?}");
    }

    #[test]
    fn placeholders_are_filled_without_isolation_marks() {
        let text = catalog().text("fr", "at-row", &[("row", "12".into())]);
        assert_eq!(text, "ligne 12");
        assert!(!text.contains('\u{2068}'));
    }

    #[test]
    fn messages_are_exported_with_their_plural_variants() {
        let fr = catalog().export("fr", &["field-"]);
        assert_eq!(fr["field-language"], vec![Part::Text("Langue".into())]);
        let Part::Select { select, variants, default } = &fr["field-attempts"][0] else {
            panic!("a select: {:?}", fr["field-attempts"]);
        };
        assert_eq!((select.as_str(), default.as_str()), ("n", "other"));
        assert_eq!(variants["one"], vec![Part::Var { var: "n".into() }, Part::Text(" tentative".into())]);
        let json = serde_json::to_value(&fr["field-entry"]).unwrap();
        assert_eq!(json, serde_json::json!(["Entrée ", {"var": "n"}]));
        // Every message of a prefix, in each language.
        let en = catalog().export("en", &["field-", "problem-"]);
        assert!(en.contains_key("problem-throttled") && en.contains_key("field-package-info"));
        assert_eq!(catalog().export("fr", &["field-", "problem-"]).len(), en.len());
    }

    #[test]
    fn unknown_language_falls_back_to_english() {
        assert_eq!(resolve("fr-CM"), "fr");
        assert_eq!(resolve("rw"), "en");
        assert_eq!(catalog().text("rw", "at-row", &[("row", "3".into())]), "row 3");
    }
}
