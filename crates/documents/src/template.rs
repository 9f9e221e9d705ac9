//! The wording of a certificate, which a deployment may change: a title, body lines, the
//! signatories and the issuing body, with placeholders in braces.

/// The placeholders a certificate's wording may use.
pub const PLACEHOLDERS: &[&str] =
    &["name", "course", "hours", "credits", "issued", "expires", "serial", "programme", "issuer", "cohort"];

/// Placeholders in a text that are not known, and braces left open, in order of appearance.
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !PLACEHOLDERS.contains(&name.trim()) {
                    out.push(format!("{{{name}}}"));
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push(format!("{{{}", after.chars().take(20).collect::<String>()));
                break;
            }
        }
    }
    out
}

/// The text with each placeholder replaced by its value (an unknown one is left as it is).
pub fn fill(text: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim();
                match value(name) {
                    Some(v) if PLACEHOLDERS.contains(&name) => out.push_str(&v),
                    _ => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_open_placeholders_are_named() {
        assert!(unknown_placeholders("Awarded to {name} for {course}").is_empty());
        assert_eq!(unknown_placeholders("{name} {nom} {course"), vec!["{nom}".to_string(), "{course".to_string()]);
    }

    #[test]
    fn placeholders_are_filled() {
        let v = |k: &str| match k {
            "name" => Some("Émilie".to_string()),
            "hours" => Some("12".to_string()),
            _ => None,
        };
        assert_eq!(fill("{name}: {hours} h {x}", &v), "Émilie: 12 h {x}");
    }
}
