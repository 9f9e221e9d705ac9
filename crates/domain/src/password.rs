//! The one rule for a new password: long enough to resist guessing, short enough that
//! checking it costs a bounded time, not one of the passwords people choose most often,
//! and not the account's own name.

use crate::Problem;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 8;
/// Most characters a password may have (hashing is bounded by it).
pub const MAX_CHARS: usize = 128;

const COMMON: &str = include_str!("../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect())
}

/// Checks a new password for the account `username`; the problem names the `password`
/// field.
pub fn check(password: &str, username: &str) -> Result<(), Problem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Problem::new("too-short").in_column("password").arg("min", MIN_CHARS));
    }
    if chars > MAX_CHARS {
        return Err(Problem::new("too-long").in_column("password").arg("max", MAX_CHARS));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if common().contains(lower.as_str()) {
        return Err(Problem::new("password-common").in_column("password"));
    }
    if !name.is_empty() && (lower == name || lower.contains(&name) && chars < name.chars().count() + 4) {
        return Err(Problem::new("password-is-name").in_column("password"));
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 3 {
        return Err(Problem::new("password-common").in_column("password"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(password: &str, username: &str) -> Option<String> {
        check(password, username).err().map(|p| p.code.to_string())
    }

    #[test]
    fn common_short_long_and_own_name_are_refused() {
        assert_eq!(code("short1", "amina"), Some("too-short".into()));
        assert_eq!(code(&"x9".repeat(65), "amina"), Some("too-long".into()));
        assert_eq!(code("password123", "amina"), Some("password-common".into()));
        assert_eq!(code("AZERTYUIOP", "amina"), Some("password-common".into()));
        assert_eq!(code("Motdepasse", "amina"), Some("password-common".into()));
        assert_eq!(code("aaaaaaaaaaaa", "amina"), Some("password-common".into()));
        assert_eq!(code("amina.uwase", "amina.uwase"), Some("password-is-name".into()));
        assert_eq!(code("amina.uwase1", "Amina.Uwase"), Some("password-is-name".into()));
        assert_eq!(code("correct horse battery", "amina"), None);
        assert_eq!(code("Lac-Kivu-2026!", "amina"), None);
    }

    #[test]
    fn the_shipped_list_is_read_whole() {
        assert!(common().len() > 300, "{}", common().len());
        assert!(common().iter().all(|w| *w == w.to_lowercase()));
    }
}
