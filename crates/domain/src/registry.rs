//! The registry's vocabulary: sex, school level, ownership, sub-system, the roles people
//! hold in positions, and the codes that identify schools, units and people.
//!
//! Each type has a `parse` that accepts what people type in the field (either language,
//! any case) and a `key` that is what we store.

use crate::table::Problem;
use chrono::NaiveDate;

use crate::vocabulary::vocabulary;

vocabulary!(
    /// Sex as recorded in staff files. Deployments report by it (equity).
    Sex {
        Female => "F" | "female" | "woman" | "féminin" | "feminin" | "femme",
        Male => "M" | "male" | "man" | "masculin" | "homme" | "h",
    }
);

vocabulary!(
    /// The level of education a school offers.
    SchoolLevel {
        PrePrimary => "pre_primary" | "nursery" | "maternelle" | "pre-primary",
        Primary => "primary" | "primaire",
        Secondary => "secondary" | "secondaire",
        Basic => "basic" | "nine_year_basic" | "12ybe",
        Tvet => "tvet" | "technical",
        Ttc => "ttc" | "teacher_training",
    }
);

vocabulary!(
    /// Who owns and runs a school.
    Ownership {
        Public => "public",
        GovernmentAided => "government_aided" | "government-aided" | "aided" | "conventionné" | "conventionne",
        Private => "private" | "privé" | "prive",
    }
);

vocabulary!(
    /// Cameroon's two sub-systems; empty elsewhere.
    SubSystem {
        Anglophone => "anglophone" | "english",
        Francophone => "francophone" | "french",
        Bilingual => "bilingual" | "bilingue",
    }
);

vocabulary!(
    /// The role a person holds in a position at a school or a unit.
    PositionRole {
        Teacher => "teacher" | "enseignant",
        HeadTeacher => "head_teacher" | "directeur",
        DeputyHead => "deputy_head",
        SchoolBasedMentor => "school_based_mentor" | "sbm" | "mentor",
        SubjectLeader => "subject_leader",
        ClusterLead => "cluster_lead",
        SectorEducationOfficer => "sector_education_officer" | "seo" | "sei",
        DistrictEducationOfficer => "district_education_officer" | "deo",
        NationalLeaderOfLearning => "national_leader_of_learning" | "nll",
        LocalLeaderOfLearning => "local_leader_of_learning" | "lll",
        MasterTrainer => "master_trainer",
        Facilitator => "facilitator",
        Tutor => "tutor" | "ttc_tutor",
    }
);

impl PositionRole {
    /// Roles held at a school (the others are held at a unit).
    pub fn is_school_role(self) -> bool {
        matches!(
            self,
            PositionRole::Teacher
                | PositionRole::HeadTeacher
                | PositionRole::DeputyHead
                | PositionRole::SchoolBasedMentor
                | PositionRole::SubjectLeader
                | PositionRole::Tutor
        )
    }
}

/// A code that identifies something to people (school code, unit code, staff number):
/// 1 to 40 characters of letters, digits, `-`, `_`, `/` and `.`, no spaces inside.
pub fn parse_code(input: &str) -> Result<String, Problem> {
    let code = input.trim();
    let ok = !code.is_empty()
        && code.chars().count() <= 40
        && code.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'));
    if ok {
        Ok(code.to_string())
    } else if code.is_empty() {
        Err(Problem::new("required"))
    } else {
        Err(Problem::new("bad-code").with_value(code))
    }
}

/// A name of a person, school, unit, programme, cohort, session… or any title: not empty,
/// at most 200 characters, runs of spaces (tabs, line breaks) made one space. Refused: a
/// control character (NUL and the like), a character that turns the direction of the text
/// (U+202E and its kin, which make "exe.doc" of "cod.exe"), and a text of invisible
/// characters only (zero-width spaces and joiners, which are fine inside a visible name).
/// The one check of names, for imports, the API, pages and field edits alike.
pub fn parse_name(input: &str) -> Result<String, Problem> {
    if let Some(c) = input.chars().find(|&c| forbidden_in_name(c)) {
        return Err(Problem::new("bad-character").arg("character", format!("U+{:04X}", c as u32)));
    }
    let trimmed = input.trim();
    // Most names are already clean: keep them without rebuilding.
    let odd_space = |c: char| c != ' ' && c.is_whitespace();
    let name = if trimmed.len() <= 200 && !trimmed.contains("  ") && !trimmed.contains(odd_space) {
        trimmed.to_string()
    } else {
        trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    if name.is_empty() {
        Err(Problem::new("required"))
    } else if name.chars().all(|c| c == ' ' || invisible(c)) {
        Err(Problem::new("invisible-only"))
    } else if name.chars().count() > 200 {
        Err(Problem::new("too-long").with_value(name.chars().take(40).collect::<String>()).arg("max", 200))
    } else {
        Ok(name)
    }
}

/// A longer text a person writes (a note, a description): what a name refuses is refused
/// (control characters other than spaces and line breaks, direction overrides, invisible
/// characters only), its lines kept as written, at most `max` characters.
pub fn parse_text(input: &str, max: usize) -> Result<String, Problem> {
    if let Some(c) = input.chars().find(|&c| forbidden_in_name(c)) {
        return Err(Problem::new("bad-character").arg("character", format!("U+{:04X}", c as u32)));
    }
    let text = input.trim();
    if text.is_empty() {
        Err(Problem::new("required"))
    } else if text.chars().all(|c| c.is_whitespace() || invisible(c)) {
        Err(Problem::new("invisible-only"))
    } else if text.chars().count() > max {
        Err(Problem::new("too-long").with_value(text.chars().take(40).collect::<String>()).arg("max", max))
    } else {
        Ok(text.to_string())
    }
}

/// Characters no name may hold: control characters other than the spaces a name is
/// cleaned of, and the characters that override or isolate the direction of text.
fn forbidden_in_name(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that draw nothing: zero-width spaces and joiners, the word joiner and its
/// kin, the byte-order mark, the soft hyphen, fillers.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{034F}'
            | '\u{180E}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// A calendar date, written `YYYY-MM-DD` (what spreadsheets export and ISO 8601 says).
pub fn parse_date(input: &str) -> Result<NaiveDate, Problem> {
    let text = input.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Problem::new("bad-date").with_value(text))
}

/// A latitude or longitude in decimal degrees within `limit`.
pub fn parse_coordinate(input: &str, limit: f64) -> Result<f64, Problem> {
    let text = input.trim();
    text.replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && v.abs() <= limit)
        .ok_or_else(|| Problem::new("bad-coordinate").with_value(text).arg("limit", limit))
}

/// An e-mail address, loosely: something@something.something, no spaces.
pub fn parse_email(input: &str) -> Result<String, Problem> {
    let text = input.trim();
    let ok = text.len() <= 200
        && !text.contains(char::is_whitespace)
        && text.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        });
    if ok { Ok(text.to_string()) } else { Err(Problem::new("bad-email").with_value(text)) }
}

/// A phone number: digits with an optional leading `+`, spaces and dashes ignored.
pub fn parse_phone(input: &str) -> Result<String, Problem> {
    let text = input.trim();
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
    let body = digits.strip_prefix('+').unwrap_or(&digits);
    if (6..=15).contains(&body.len()) && body.chars().all(|c| c.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(Problem::new("bad-phone").with_value(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_accepts_both_languages_and_rejects_the_rest() {
        assert_eq!(Sex::parse(" f ").unwrap(), Sex::Female);
        assert_eq!(Sex::parse("Masculin").unwrap(), Sex::Male);
        assert_eq!(Sex::parse("Femme").unwrap(), Sex::Female);
        let p = Sex::parse("X").unwrap_err();
        assert_eq!(p.code, "bad-choice");
        assert_eq!(p.value.as_deref(), Some("X"));
        assert!(p.message("en").contains("F, M"), "{}", p.message("en"));
    }

    #[test]
    fn ownership_and_level_parse_aliases() {
        assert_eq!(Ownership::parse("Government-Aided").unwrap(), Ownership::GovernmentAided);
        assert_eq!(SchoolLevel::parse("Primaire").unwrap(), SchoolLevel::Primary);
        assert!(SubSystem::parse("spanish").is_err());
    }

    #[test]
    fn names_with_nul_direction_overrides_or_only_invisible_characters_are_refused() {
        for bad in ["Aline\0", "\u{202E}cod.exe", "Jean\u{2066}", "a\u{7}b", "\u{1b}[31m"] {
            let p = parse_name(bad).unwrap_err();
            assert_eq!(p.code, "bad-character", "{bad:?}");
            assert!(p.message("en").contains("U+"), "{}", p.message("en"));
            assert!(p.message("fr").contains("U+"), "{}", p.message("fr"));
        }
        assert_eq!(parse_name("\u{202E}").unwrap_err().args, vec![("character", "U+202E".to_string())]);
        for bad in ["\u{200B}", " \u{200B}\u{200C} \u{FEFF}", "\u{2060}\u{3164}"] {
            assert_eq!(parse_name(bad).unwrap_err().code, "invisible-only", "{bad:?}");
        }
        // Joiners inside a visible name are writing, not a trick.
        assert_eq!(parse_name("\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}").unwrap().chars().count(), 8);
        assert_eq!(parse_name("=HYPERLINK(\"x\")").unwrap(), "=HYPERLINK(\"x\")");
    }

    #[test]
    fn a_longer_text_keeps_its_lines_and_refuses_what_a_name_refuses() {
        assert_eq!(parse_text("  Venue hire\nand meals ", 100).unwrap(), "Venue hire\nand meals");
        assert_eq!(parse_text("a\0", 100).unwrap_err().code, "bad-character");
        assert_eq!(parse_text("\u{200B}\n", 100).unwrap_err().code, "invisible-only");
        assert_eq!(parse_text("abcd", 3).unwrap_err().code, "too-long");
    }

    #[test]
    fn codes_names_dates() {
        assert_eq!(parse_code(" RW-001 ").unwrap(), "RW-001");
        assert_eq!(parse_code("a b").unwrap_err().code, "bad-code");
        assert_eq!(parse_code("").unwrap_err().code, "required");
        assert_eq!(parse_name("  Jean   Bosco ").unwrap(), "Jean Bosco");
        assert_eq!(parse_name("Jean\u{a0}\tBosco").unwrap(), "Jean Bosco");
        assert_eq!(parse_date("2025-01-31").unwrap(), NaiveDate::from_ymd_opt(2025, 1, 31).unwrap());
        assert_eq!(parse_date("31/01/2025").unwrap_err().code, "bad-date");
        assert_eq!(parse_date("2025-02-30").unwrap_err().code, "bad-date");
        assert_eq!(parse_coordinate("-1,95", 90.0).unwrap(), -1.95);
        assert!(parse_coordinate("95", 90.0).is_err());
        assert!(parse_email("a@b.rw").is_ok());
        assert!(parse_email("a@b").is_err());
        assert_eq!(parse_phone("+250 788 123 456").unwrap(), "+250788123456");
        assert!(parse_phone("call me").is_err());
    }
}
