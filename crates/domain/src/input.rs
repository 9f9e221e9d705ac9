//! Request bodies take no field they do not know: a misspelt or unsupported field is
//! refused, never ignored. Input types say `#[serde(deny_unknown_fields)]`; serde cannot
//! combine that with `flatten`, so a body that flattens another type ends with an
//! [`UnknownFields`] field instead, and the type flattened denies nothing itself (its
//! OpenAPI schema would then refuse the body's other fields). Not here: how the refusal
//! is shown (`opencpd-web`).

use serde::de::{Deserialize, Deserializer, Error, IgnoredAny};
use std::collections::BTreeMap;

/// The fields of a body that no other field of its type took, flattened last into a type
/// that flattens another: any such field is refused as an unknown field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnknownFields;

impl<'de> Deserialize<'de> for UnknownFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rest = BTreeMap::<String, IgnoredAny>::deserialize(d)?;
        match rest.keys().next() {
            None => Ok(UnknownFields),
            Some(field) => Err(D::Error::unknown_field(field, &[])),
        }
    }
}

impl serde::Serialize for UnknownFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

/// One of a closed list of keys, in any case, with `-` or a space for `_`; otherwise the
/// problem "bad-choice" listing the keys.
pub fn choice(input: &str, allowed: &[&'static str]) -> Result<&'static str, crate::Problem> {
    let wanted = input.trim().to_lowercase().replace(['-', ' '], "_");
    allowed
        .iter()
        .copied()
        .find(|k| *k == wanted)
        .ok_or_else(|| crate::Problem::new("bad-choice").with_value(input.trim()).arg("allowed", allowed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Inner {
        name: String,
    }

    #[derive(serde::Deserialize, Debug)]
    struct Outer {
        version: i64,
        #[serde(flatten)]
        inner: Inner,
        #[serde(flatten)]
        _unknown: UnknownFields,
    }

    #[test]
    fn a_flattened_body_takes_its_fields_and_refuses_any_other() {
        let ok: Outer = serde_json::from_str(r#"{"version": 2, "name": "x"}"#).unwrap();
        assert_eq!((ok.version, ok.inner.name.as_str()), (2, "x"));
        let err = serde_json::from_str::<Outer>(r#"{"version": 2, "name": "x", "nmae": "y"}"#).unwrap_err();
        assert!(err.to_string().starts_with("unknown field `nmae`"), "{err}");
    }
}
