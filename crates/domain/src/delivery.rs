//! CPD delivery's words: the kinds of course and how they are delivered, what a
//! programme's target measures, how a person came to be enrolled, an application's
//! decision and status, a certificate's status, what a programme's money was spent on.
//! Each is stored and sent by its key; the API and files keep the keys they always had.
//! A programme's costs: the year, the amount and the currency they are recorded in.

use crate::table::Problem;
use crate::vocabulary::vocabulary;

vocabulary!(
    /// What a course leads to.
    CourseKind {
        Diploma => "diploma" | "diplôme",
        Certificate => "certificate" | "certificat",
        ShortTraining => "short_training" | "formation courte",
    }
);

vocabulary!(
    /// How a course or a session is delivered.
    Modality {
        FaceToFace => "face_to_face" | "présentiel" | "presentiel",
        Online => "online" | "en ligne",
        Blended => "blended" | "hybride",
    }
);

vocabulary!(
    /// What a programme's target counts.
    Measure {
        Enrolled => "enrolled",
        Completed => "completed",
        Certified => "certified",
        OutreachParticipants => "outreach_participants",
        SchoolsReached => "schools_reached",
    }
);

impl Measure {
    /// Counted from outreach's records (events and the schools they reached), not from
    /// enrolments.
    pub fn is_outreach(self) -> bool {
        matches!(self, Measure::OutreachParticipants | Measure::SchoolsReached)
    }
}

vocabulary!(
    /// How a person came to be enrolled in a cohort.
    EnrolmentSource {
        Single => "single",
        Import => "import",
        Criteria => "criteria",
        Application => "application",
    }
);

vocabulary!(
    /// What is decided about an application.
    Decision {
        Approve => "approve",
        Reject => "reject",
    }
);

vocabulary!(
    /// Where an application stands.
    ApplicationStatus {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
);

impl Decision {
    /// The status an application takes when this is decided.
    pub fn status(self) -> ApplicationStatus {
        match self {
            Decision::Approve => ApplicationStatus::Approved,
            Decision::Reject => ApplicationStatus::Rejected,
        }
    }
}

vocabulary!(
    /// A certificate on a given day.
    CertificateStatus {
        Valid => "valid",
        Expired => "expired",
        Revoked => "revoked",
    }
);

impl CertificateStatus {
    /// Revoked first (a revocation stands whatever the dates), then expired after the
    /// expiry day, else valid.
    pub fn on(day: chrono::NaiveDate, revoked: bool, expires_on: Option<chrono::NaiveDate>) -> CertificateStatus {
        if revoked {
            CertificateStatus::Revoked
        } else if expires_on.is_some_and(|e| e < day) {
            CertificateStatus::Expired
        } else {
            CertificateStatus::Valid
        }
    }
}

vocabulary!(
    /// What a programme's money was spent on.
    CostCategory {
        Training => "training" | "formation",
        Travel => "travel" | "déplacements" | "deplacements" | "transport",
        Materials => "materials" | "matériel" | "materiel" | "supports",
        Coaching => "coaching" | "accompagnement",
        Other => "other" | "autre" | "autres",
    }
);

/// The years a programme's costs may be recorded for, as every other year in OpenCPD.
pub const COST_YEARS: std::ops::RangeInclusive<i64> = 1900..=2100;

/// A year a cost is recorded for: 1900 to 2100.
pub fn cost_year(year: i64) -> Result<i64, Problem> {
    if COST_YEARS.contains(&year) { Ok(year) } else { Err(Problem::new("bad-year").with_value(year.to_string())) }
}

/// An amount spent: a finite number, not below zero, with at most two decimals (the
/// smallest unit of the currencies in use; an amount that needs a third was misread).
pub fn cost_amount(amount: f64) -> Result<f64, Problem> {
    if !amount.is_finite() {
        return Err(Problem::new("bad-number").with_value(amount.to_string()));
    }
    if amount < 0.0 {
        return Err(Problem::new("negative").with_value(amount.to_string()));
    }
    let hundredths = (amount * 100.0).round();
    if (amount * 100.0 - hundredths).abs() > 1e-6 * hundredths.abs().max(1.0) || hundredths > 1e15 {
        return Err(Problem::new("bad-amount").with_value(amount.to_string()));
    }
    Ok(hundredths / 100.0)
}

/// An amount as a file writes it: digits, with a `.` or a `,` before at most two decimals;
/// spaces (between thousands, as French writes them) are ignored, and a separator of
/// thousands is refused rather than guessed (`1,250` could be either).
pub fn parse_cost_amount(input: &str) -> Result<f64, Problem> {
    let text = input.trim();
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = digits.replace(',', ".");
    let decimals = digits.split_once('.').map(|(_, d)| d.len());
    if digits.starts_with('-') {
        return Err(Problem::new("negative").with_value(text));
    }
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && decimals.is_none_or(|d| (1..=2).contains(&d));
    match digits.parse::<f64>() {
        Ok(v) if well_formed => cost_amount(v).map_err(|p| Problem { value: Some(text.to_string()), ..p }),
        _ => Err(Problem::new("bad-amount").with_value(text)),
    }
}

/// A currency: ISO 4217's three letters, read in capitals (`rwf` is `RWF`).
pub fn parse_currency(input: &str) -> Result<String, Problem> {
    let code = input.trim().to_uppercase();
    if code.len() == 3 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Problem::new("bad-currency").with_value(input.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_cost_is_a_year_an_amount_of_at_most_two_decimals_and_a_currency() {
        assert_eq!(CostCategory::parse("Formation").unwrap(), CostCategory::Training);
        assert_eq!(CostCategory::parse("catering").unwrap_err().code, "bad-choice");
        assert_eq!(cost_year(2025).unwrap(), 2025);
        assert_eq!(cost_year(1899).unwrap_err().code, "bad-year");
        assert_eq!(cost_amount(1250.5).unwrap(), 1250.5);
        assert_eq!(cost_amount(0.0).unwrap(), 0.0);
        assert_eq!(cost_amount(-1.0).unwrap_err().code, "negative");
        assert_eq!(cost_amount(1.005).unwrap_err().code, "bad-amount");
        assert_eq!(cost_amount(f64::NAN).unwrap_err().code, "bad-number");
        assert_eq!(parse_cost_amount("1 250 000,50").unwrap(), 1_250_000.5);
        assert_eq!(parse_cost_amount(" 300 ").unwrap(), 300.0);
        assert_eq!(parse_cost_amount("12.25").unwrap(), 12.25);
        for bad in ["1,250,000", "1,250", "12.", "abc", "", "1e5"] {
            assert_eq!(parse_cost_amount(bad).unwrap_err().code, "bad-amount", "{bad}");
        }
        let negative = parse_cost_amount("-5").unwrap_err();
        assert_eq!((negative.code, negative.value.as_deref()), ("negative", Some("-5")));
        assert_eq!(parse_currency(" rwf").unwrap(), "RWF");
        assert_eq!(parse_currency("francs").unwrap_err().code, "bad-currency");
    }

    #[test]
    fn french_spellings_are_read_as_the_keys() {
        assert_eq!(CourseKind::parse("Diplôme").unwrap(), CourseKind::Diploma);
        assert_eq!(Modality::parse("présentiel").unwrap(), Modality::FaceToFace);
        assert_eq!(Modality::parse("face-to-face").unwrap(), Modality::FaceToFace);
        assert_eq!(Measure::parse("Schools reached").unwrap(), Measure::SchoolsReached);
        assert!(Measure::SchoolsReached.is_outreach() && !Measure::Certified.is_outreach());
        assert_eq!(
            Measure::parse("reached").unwrap_err().args[0].1,
            "enrolled, completed, certified, outreach_participants, schools_reached"
        );
    }

    #[test]
    fn a_certificate_is_revoked_before_it_is_expired() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let before = day.pred_opt();
        assert_eq!(CertificateStatus::on(day, true, before), CertificateStatus::Revoked);
        assert_eq!(CertificateStatus::on(day, false, before), CertificateStatus::Expired);
        assert_eq!(CertificateStatus::on(day, false, Some(day)), CertificateStatus::Valid);
        assert_eq!(CertificateStatus::on(day, false, None), CertificateStatus::Valid);
        assert_eq!(Decision::Reject.status(), ApplicationStatus::Rejected);
    }
}
