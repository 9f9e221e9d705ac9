//! The one way a closed list of words is written: [`vocabulary!`] makes an enum stored by
//! its key, parsed from the key or an alias in any case (a `-` or a space read as `_`), and
//! refused with `bad-choice` naming the keys allowed. The registry's, delivery's and peer
//! learning's kinds and statuses are all made by it.

/// Declares a closed list: `Name { Variant => "key" | "alias", … }`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored form.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// Every key, as a problem lists them.
            pub fn keys() -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.key()).collect()
            }

            /// Accepts the key or an alias, ignoring case, surrounding spaces, and `-` or
            /// spaces where the key has `_`.
            pub fn parse(input: &str) -> Result<$name, $crate::table::Problem> {
                let trimmed = input.trim();
                // Compare without allocating first (imports call this a million times).
                $(
                    if trimmed.eq_ignore_ascii_case($key) $(|| trimmed.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                let lower = trimmed.to_lowercase();
                let joined = lower.replace(['-', ' '], "_");
                $(
                    if joined == $key $(|| lower == $alias || joined == $alias)* {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::table::Problem::new("bad-choice")
                    .with_value(trimmed)
                    .arg("allowed", $name::keys().join(", ")))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary!(
        /// A list for the tests.
        Colour {
            Red => "red" | "rouge",
            DarkBlue => "dark_blue" | "bleu foncé",
        }
    );

    #[test]
    fn keys_and_aliases_parse_in_any_case_and_spelling() {
        assert_eq!(Colour::parse(" RED ").unwrap(), Colour::Red);
        assert_eq!(Colour::parse("Rouge").unwrap(), Colour::Red);
        assert_eq!(Colour::parse("dark-blue").unwrap(), Colour::DarkBlue);
        assert_eq!(Colour::parse("Dark Blue").unwrap(), Colour::DarkBlue);
        assert_eq!(Colour::parse("BLEU FONCÉ").unwrap(), Colour::DarkBlue);
        assert_eq!(Colour::DarkBlue.key(), "dark_blue");
        assert_eq!(serde_json::to_string(&Colour::DarkBlue).unwrap(), "\"dark_blue\"");
    }

    #[test]
    fn anything_else_is_refused_naming_the_keys() {
        let problem = Colour::parse("green").unwrap_err();
        assert_eq!(problem.code, "bad-choice");
        assert_eq!(problem.value.as_deref(), Some("green"));
        assert!(problem.args.iter().any(|(k, v)| *k == "allowed" && v == "red, dark_blue"), "{problem:?}");
    }
}
