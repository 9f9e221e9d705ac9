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
    fn unknown_language_falls_back_to_english() {
        assert_eq!(resolve("fr-CM"), "fr");
        assert_eq!(resolve("rw"), "en");
        assert_eq!(catalog().text("rw", "at-row", &[("row", "3".into())]), "row 3");
    }
}
